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
