//! The audit trail's hash chain.
//!
//! Each row's hash is the SM3 digest of the previous row's hash and the row's own fields,
//! each length-prefixed so no two different rows encode alike. Changing, deleting or
//! reordering any row breaks every later hash; [`verify_chain`] finds the first break.

pub mod checkpoint;

use sm3::{Digest, Sm3};

/// The hash before the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One row of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// 1, 2, 3, … without gaps.
    pub seq: i64,
    /// RFC 3339 UTC time.
    pub at: String,
    /// Account id of the actor, or `system` / `anonymous`.
    pub actor: String,
    /// Dotted action name, e.g. `account.register`, `personal_data.view`.
    pub action: String,
    /// What was acted on, e.g. `account:0193…`.
    pub target: String,
    /// Free text; personal data in it is masked by the caller.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields of a row about to be appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

impl AuditEvent {
    pub fn new(
        actor: impl Into<String>,
        action: impl Into<String>,
        target: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            actor: actor.into(),
            action: action.into(),
            target: target.into(),
            detail: detail.into(),
        }
    }
}

/// The chain hash of a row, as lower-case hex.
pub fn chain_hash(prev_hash: &str, seq: i64, at: &str, event: &AuditEvent) -> String {
    let mut h = Sm3::new();
    for field in [
        prev_hash,
        &seq.to_string(),
        at,
        &event.actor,
        &event.action,
        &event.target,
        &event.detail,
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

/// Builds the next row after `prev` (or the first row when `prev` is `None`).
pub fn next_entry(prev: Option<(i64, &str)>, at: String, event: AuditEvent) -> AuditEntry {
    let (seq, prev_hash) = match prev {
        Some((seq, hash)) => (seq + 1, hash.to_owned()),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let hash = chain_hash(&prev_hash, seq, &at, &event);
    AuditEntry {
        seq,
        at,
        actor: event.actor,
        action: event.action,
        target: event.target,
        detail: event.detail,
        prev_hash,
        hash,
    }
}

/// How many chains the trail is kept in: each store instance appends to one, so instances
/// sharing a database do not queue on one head.
pub const AUDIT_CHAINS: i64 = 16;

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("第 {seq} 条审计记录被篡改（哈希不符）")]
    Altered { seq: i64 },
    #[error("第 {seq} 条审计记录缺失")]
    Missing { seq: i64 },
    /// A chain's head row is gone: its rows cannot be checked to their end.
    #[error("审计链的链头记录缺失")]
    HeadMissing,
}

/// Checks rows one at a time, in `seq` order, so a caller can stream a long trail in pages.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    checked: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            checked: 0,
            prev_hash: GENESIS_HASH.to_owned(),
        }
    }
}

impl ChainVerifier {
    /// The `seq` of the last row accepted; the next page starts after it.
    pub fn checked(&self) -> i64 {
        self.checked
    }

    pub fn push(&mut self, row: &AuditEntry) -> Result<(), ChainBreak> {
        let expected = self.checked + 1;
        if row.seq != expected {
            return Err(ChainBreak::Missing { seq: expected });
        }
        let event = AuditEvent::new(&row.actor, &row.action, &row.target, &row.detail);
        let hash = chain_hash(&self.prev_hash, row.seq, &row.at, &event);
        if row.prev_hash != self.prev_hash || row.hash != hash {
            return Err(ChainBreak::Altered { seq: row.seq });
        }
        self.prev_hash = hash;
        self.checked = row.seq;
        Ok(())
    }

    /// Compares the end of the rows with the recorded head (last seq, last hash), which
    /// catches rows cut off the end. Returns how many rows were checked.
    pub fn finish(self, head: Option<(i64, &str)>) -> Result<i64, ChainBreak> {
        if let Some((head_seq, head_hash)) = head {
            if head_seq > self.checked {
                return Err(ChainBreak::Missing {
                    seq: self.checked + 1,
                });
            }
            if head_seq == self.checked && self.checked > 0 && head_hash != self.prev_hash {
                return Err(ChainBreak::Altered { seq: self.checked });
            }
        }
        Ok(self.checked)
    }
}

/// Checks rows given in `seq` order against the recorded head.
pub fn verify_chain<'a>(
    rows: impl IntoIterator<Item = &'a AuditEntry>,
    head: Option<(i64, &str)>,
) -> Result<i64, ChainBreak> {
    let mut v = ChainVerifier::default();
    for row in rows {
        v.push(row)?;
    }
    v.finish(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Vec<AuditEntry> {
        let mut rows: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let prev = rows.last().map(|r| (r.seq, r.hash.as_str()));
            let row = next_entry(
                prev,
                format!("2026-11-27T00:00:{i:02}Z"),
                AuditEvent::new("a", "account.register", format!("account:{i}"), ""),
            );
            rows.push(row);
        }
        rows
    }

    #[test]
    fn intact_chain_verifies() {
        let rows = chain(5);
        let head = rows.last().map(|r| (r.seq, r.hash.as_str()));
        assert_eq!(verify_chain(&rows, head), Ok(5));
        assert_eq!(verify_chain(&[], None), Ok(0));
    }

    #[test]
    fn any_changed_field_is_found() {
        for field in 0..5 {
            let mut rows = chain(5);
            let head = rows.last().map(|r| (r.seq, r.hash.clone())).unwrap();
            match field {
                0 => rows[2].actor.push('x'),
                1 => rows[2].action.push('x'),
                2 => rows[2].target.push('x'),
                3 => rows[2].detail.push('x'),
                _ => rows[2].at.push('x'),
            }
            assert_eq!(
                verify_chain(&rows, Some((head.0, &head.1))),
                Err(ChainBreak::Altered { seq: 3 })
            );
        }
    }

    #[test]
    fn missing_rows_are_found() {
        let mut rows = chain(5);
        let head = rows.last().map(|r| (r.seq, r.hash.clone())).unwrap();
        rows.remove(1);
        assert_eq!(
            verify_chain(&rows, Some((head.0, &head.1))),
            Err(ChainBreak::Missing { seq: 2 })
        );
        let mut rows = chain(5);
        rows.pop();
        assert_eq!(
            verify_chain(&rows, Some((head.0, &head.1))),
            Err(ChainBreak::Missing { seq: 5 })
        );
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let a = chain_hash(GENESIS_HASH, 1, "t", &AuditEvent::new("ab", "c", "", ""));
        let b = chain_hash(GENESIS_HASH, 1, "t", &AuditEvent::new("a", "bc", "", ""));
        assert_ne!(a, b);
    }
}

/// What an audit row's action code means, in the words the trail page shows.
pub fn action_label(action: &str) -> String {
    let fixed = match action {
        "calendar.enter" => "录入节假日安排",
        "case.material_check" => "办件：核验材料",
        "case.material_open" => "办件：查阅材料",
        "case.notice_breach" => "办件：违反一次性告知",
        "case.submit" => "办件：提交申请",
        "catalog.import" => "导入事项目录",
        "hall.add" => "新增服务大厅",
        "item.draft" => "事项：起草",
        "item.edit" => "事项：编辑",
        "item.adjust" => "事项：申请动态调整",
        "item.in_review" => "事项：提交合法性审查",
        "item.approved" => "事项：审查通过",
        "item.returned" => "事项：退回修改",
        "item.published" => "事项：发布",
        "item.superseded" => "事项：被新版本替代",
        "licence.expire" => "证照：到期",
        "licence.issue" => "证照：签发",
        "licence.revoke" => "证照：撤销",
        "licence_type.upsert" => "证照目录：更新类型",
        "org.add_units" => "新增组织单位",
        "personal_data.view" => "查阅个人信息",
        "seal.publish" => "发布电子印章密钥",
        "session.login_failed" => "登录失败",
        "session.open" => "登录",
        "session.revoke" => "退出登录",
        "staff.change" => "调整工作人员账号",
        "account.register" => "注册账号",
        "account.create_staff" => "新增工作人员",
        "account.verify" => "实名核验",
        "account.reclaim" => "实名核验：收回被他人注册的账号",
        "account.code_issued" => "发放一次性验证码",
        "account.password_set" => "凭验证码设置密码",
        "audit.checkpoint" => "封存审计检查点",
        "queue.take" => "取号",
        "queue.call" => "叫号",
        "queue.recall" => "重呼",
        "queue.skip" => "过号",
        "queue.requeue" => "过号重排",
        "queue.start" => "开始办理",
        "queue.link" => "号票关联办件",
        "queue.end" => "办理结束",
        "queue.transfer" => "转窗口",
        "queue.cancel" => "取消排队号",
        "window.duty" => "窗口上岗",
        "hall.close_day" => "设置闭厅",
        "hall.reopen_day" => "恢复办公",
        "hall.capacity" => "设置预约容量",
        "appointment.book" => "预约",
        "appointment.cancel" => "取消预约",
        "appointment.no_show" => "记录预约未到",
        "help.request" => "申请帮办代办",
        "help.assign" => "安排帮办代办",
        "help.decline" => "答复未能安排帮办代办",
        "help.record" => "记录帮办代办结果",
        "help.escalate" => "帮办代办超期上报",
        "paper.send" => "纸质材料移交",
        "paper.receive" => "纸质材料签收",
        "agent.request" => "申请企业代办员",
        "agent.assign" => "分配企业代办员",
        "agent.authorise" => "企业登记代办授权",
        "agent.end" => "结束企业代办",
        "account.notification_channels" => "设置通知方式",
        "staff.posting" => "登记窗口人员上岗日期",
        "hall.contact" => "修改大厅地址电话",
        "hall.hours_add" => "增加大厅办公时段",
        "hall.hours_remove" => "删除大厅办公时段",
        "hall.window_add" => "开设窗口",
        "staff.training" => "登记窗口人员培训",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_owned();
    }
    match action.strip_prefix("case.").and_then(case_step_label) {
        Some(step) => format!("办件：{step}"),
        None => action.to_owned(),
    }
}

fn case_step_label(step: &str) -> Option<&'static str> {
    Some(match step {
        "accept" => "受理",
        "accept_with_deficiency" => "容缺受理",
        "refuse" => "不予受理",
        "issue_notice" => "一次性告知",
        "supply" => "补正材料",
        "start_review" => "开始审查",
        "pass_review_stage" => "本级审查通过",
        "return_for_rework" => "退回",
        "start_special_procedure" => "启动特别程序",
        "end_special_procedure" => "结束特别程序",
        "decide" => "作出决定",
        "approve_on_commitment" => "告知承诺审批",
        "conclude_on_the_spot" => "即办办结",
        "supply_deficiency" => "补齐容缺材料",
        "conclude" => "办结",
        "deliver" => "送达",
        "withdraw" => "撤回",
        "confirm_commitment" => "承诺核查属实",
        "revoke" => "撤销",
        _ => return None,
    })
}

/// An audit row's detail as the trail page shows it: the codes the platform writes there
/// (a channel, a case status, a session kind, an account kind) in words; anything else as
/// written.
pub fn detail_label(detail: &str) -> String {
    if let Some(status) = crate::case::CaseStatus::parse(detail) {
        return status.label().to_owned();
    }
    match detail {
        "online" => "网上申请",
        "window" => "窗口受理",
        "web" => "网页登录",
        "bearer" => "移动端登录",
        "api" => "接口令牌",
        "citizen" => "自然人",
        "enterprise" => "法人",
        "staff" => "工作人员",
        other => other,
    }
    .to_owned()
}

#[cfg(test)]
mod label_tests {
    use super::*;

    #[test]
    fn codes_read_as_words() {
        assert_eq!(
            action_label("case.accept_with_deficiency"),
            "办件：容缺受理"
        );
        assert_eq!(action_label("session.open"), "登录");
        assert_eq!(action_label("case.unheard_of"), "case.unheard_of");
        assert_eq!(detail_label("in_review"), "审查中");
        assert_eq!(detail_label("online"), "网上申请");
        assert_eq!(detail_label("说明文字"), "说明文字");
    }
}
