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
