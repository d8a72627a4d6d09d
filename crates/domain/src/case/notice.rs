//! The one-time-notice rule (一次性告知).

/// Items of a second one-time notice that breach the rule: a later notice may only concern
/// materials submitted after the first one. Returns the offending items.
pub fn notice_breaches(
    second_notice: &[super::NoticeItem],
    supplied_after_first: &[String],
) -> Vec<String> {
    second_notice
        .iter()
        .filter(|item| !supplied_after_first.contains(&item.material))
        .map(super::NoticeItem::describe)
        .collect()
}

/// The breach a later notice commits, as it is recorded beside the notice and counted (the
/// notice still goes out: the rule flags, it does not block); `None` when it keeps the rule.
pub fn notice_breach(
    later_notice: &[super::NoticeItem],
    supplied_after_first: &[String],
) -> Option<String> {
    let breaches = notice_breaches(later_notice, supplied_after_first);
    (!breaches.is_empty()).then(|| {
        format!(
            "再次告知了首次告知未列、其后也未补交的材料：{}",
            breaches.join("；")
        )
    })
}

/// What a denial on review is called: of a filing 不予备案, of a licence 不予许可, of any
/// other service 不予办理. The letter is the word with 决定书.
pub fn denial_word(item_name: &str, kind: crate::catalog::ItemKind) -> &'static str {
    if item_name.contains("备案") {
        "不予备案"
    } else if kind == crate::catalog::ItemKind::Licensing {
        "不予许可"
    } else {
        "不予办理"
    }
}
