//! The texts of each channel, in Chinese. An SMS carries the platform's signature, what
//! happened and where to look, short enough for two segments; an e-mail a subject with the
//! platform's name and a plain-text body with a greeting, the message, the link and who
//! sent it.

/// What a notification is about, for its wording.
pub fn kind_label(topic: &str) -> &'static str {
    let group = topic.split('.').next().unwrap_or_default();
    match group {
        "case" | "bundle" => "办件通知",
        "licence" => "证照通知",
        "queue" => "排队叫号",
        "appointment" => "预约通知",
        "evaluation" | "rating" => "评价邀请",
        "rectification" | "ticket" | "problem" => "诉求办理",
        "sms" => "验证码",
        _ => "消息通知",
    }
}

/// The SMS signature, as China's SMS rules require one on every message.
pub const SMS_SIGNATURE: &str = "【红寺堡通办】";
/// Two segments of a long SMS (67 characters each after the header).
pub const SMS_MAX_CHARS: usize = 134;

/// An SMS: signature, subject, body; the link when there is room; cut at `SMS_MAX_CHARS`.
pub fn sms_text(topic: &str, subject: &str, body: &str, link: Option<&str>) -> String {
    if topic == super::SMS_CODE_TOPIC {
        return format!("{SMS_SIGNATURE}{body}");
    }
    let mut text = format!("{SMS_SIGNATURE}{subject}：{body}");
    if let Some(link) = link
        && text.chars().count() + link.chars().count() + 3 <= SMS_MAX_CHARS
    {
        text.push_str(&format!(" 详见 {link}"));
    }
    if text.chars().count() > SMS_MAX_CHARS {
        text = text.chars().take(SMS_MAX_CHARS - 1).collect::<String>() + "…";
    }
    text
}

/// An e-mail's subject and plain-text body.
pub fn email(topic: &str, subject: &str, body: &str, link: Option<&str>) -> (String, String) {
    let subject_line = format!("【红寺堡区通办·{}】{subject}", kind_label(topic));
    let mut text = format!("您好：\n\n{body}\n");
    if let Some(link) = link {
        text.push_str(&format!("\n请登录查看：{link}\n"));
    }
    text.push_str(
        "\n——\n吴忠市红寺堡区一体化政务服务平台（通办）\n此邮件由系统发送，请勿直接回复；\
         如有疑问请拨打政务服务便民热线 12345。\n如不想再收到邮件，可在“我的账户 → 通知方式”中关闭。\n",
    );
    (subject_line, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn texts_read_as_the_platform_writes() {
        let t = sms_text(
            "queue.called",
            "请到3号窗口",
            "大河乡民生服务中心：请 A012 号到 3 号窗口办理。",
            Some("https://x/me/tickets"),
        );
        assert!(t.starts_with("【红寺堡通办】请到3号窗口："), "{t}");
        assert!(t.ends_with("详见 https://x/me/tickets"));
        let (s, b) = email(
            "case.accepted",
            "已受理",
            "您的申请已受理。",
            Some("https://x/me/cases/1"),
        );
        assert_eq!(s, "【红寺堡区通办·办件通知】已受理");
        assert!(
            b.contains("您的申请已受理。")
                && b.contains("https://x/me/cases/1")
                && b.contains("12345")
        );
        assert_eq!(
            sms_text("sms.code", "验证码", "验证码 123456，10 分钟内有效。", None),
            "【红寺堡通办】验证码 123456，10 分钟内有效。"
        );
    }

    proptest! {
        #[test]
        fn an_sms_never_exceeds_two_segments(subject in ".{0,80}", body in ".{0,300}") {
            let t = sms_text("case.x", &subject, &body, Some("https://zwfw.example/me/cases/1"));
            prop_assert!(t.chars().count() <= SMS_MAX_CHARS);
            prop_assert!(t.starts_with(SMS_SIGNATURE));
        }
    }
}
