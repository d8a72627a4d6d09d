//! The review-and-publish lifecycle of an implementation-list version.
//!
//! A department drafts (or drafts an adjustment of a published item), submits it; the
//! Justice Bureau approves or returns it with comments; the Approval Services Bureau
//! publishes. Each publication is an immutable version and supersedes the one before.

use serde::Serialize;

use crate::authz::Permission;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    Draft,
    /// Submitted for legality review (合法性审查).
    InReview,
    /// Returned by the reviewer with comments; editable again.
    Returned,
    /// Passed legality review; waiting for publication.
    Approved,
    Published,
    /// A later version was published.
    Superseded,
}

impl VersionStatus {
    pub const ALL: [VersionStatus; 6] = [
        Self::Draft,
        Self::InReview,
        Self::Returned,
        Self::Approved,
        Self::Published,
        Self::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::InReview => "in_review",
            Self::Returned => "returned",
            Self::Approved => "approved",
            Self::Published => "published",
            Self::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "草稿",
            Self::InReview => "合法性审查中",
            Self::Returned => "已退回修改",
            Self::Approved => "审查通过，待发布",
            Self::Published => "已发布",
            Self::Superseded => "已被新版本替代",
        }
    }

    /// Versions still on their way to publication: an item has at most one, so two
    /// departments' drafts of one item cannot race each other to the Justice Bureau.
    pub const OPEN: [VersionStatus; 4] =
        [Self::Draft, Self::InReview, Self::Returned, Self::Approved];

    /// Only drafts and returned versions can be edited.
    pub fn editable(self) -> bool {
        matches!(self, Self::Draft | Self::Returned)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewAction {
    Submit,
    Approve,
    Return,
    Publish,
}

impl ReviewAction {
    pub fn label(self) -> &'static str {
        match self {
            Self::Submit => "提交合法性审查",
            Self::Approve => "审查通过",
            Self::Return => "退回修改",
            Self::Publish => "发布",
        }
    }

    /// The permission an actor needs for this action.
    pub fn permission(self) -> Permission {
        match self {
            Self::Submit => Permission::DraftItems,
            Self::Approve | Self::Return => Permission::ReviewItems,
            Self::Publish => Permission::PublishItems,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("“{}”状态的版本不能{}", from.label(), action.label())]
    NotAllowed {
        from: VersionStatus,
        action: ReviewAction,
    },
    #[error("退回修改须写明意见")]
    CommentRequired,
}

/// The status after `action`, or why it is not allowed. Returning needs a comment.
pub fn next_status(
    from: VersionStatus,
    action: ReviewAction,
    comment: &str,
) -> Result<VersionStatus, LifecycleError> {
    use ReviewAction as A;
    use VersionStatus as S;
    match (from, action) {
        (S::Draft | S::Returned, A::Submit) => Ok(S::InReview),
        (S::InReview, A::Approve) => Ok(S::Approved),
        (S::InReview, A::Return) if comment.trim().is_empty() => {
            Err(LifecycleError::CommentRequired)
        }
        (S::InReview, A::Return) => Ok(S::Returned),
        (S::Approved, A::Publish) => Ok(S::Published),
        _ => Err(LifecycleError::NotAllowed { from, action }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_happy_path() {
        let s = next_status(VersionStatus::Draft, ReviewAction::Submit, "").unwrap();
        assert_eq!(s, VersionStatus::InReview);
        let s = next_status(s, ReviewAction::Return, "依据条款需写明").unwrap();
        assert_eq!(s, VersionStatus::Returned);
        let s = next_status(s, ReviewAction::Submit, "").unwrap();
        let s = next_status(s, ReviewAction::Approve, "").unwrap();
        assert_eq!(
            next_status(s, ReviewAction::Publish, ""),
            Ok(VersionStatus::Published)
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(
            next_status(VersionStatus::Draft, ReviewAction::Publish, ""),
            Err(LifecycleError::NotAllowed {
                from: VersionStatus::Draft,
                action: ReviewAction::Publish
            })
        );
        assert_eq!(
            next_status(VersionStatus::InReview, ReviewAction::Return, " "),
            Err(LifecycleError::CommentRequired)
        );
        assert!(next_status(VersionStatus::InReview, ReviewAction::Publish, "").is_err());
        assert!(next_status(VersionStatus::Published, ReviewAction::Submit, "").is_err());
    }

    fn status() -> impl Strategy<Value = VersionStatus> {
        proptest::sample::select(VersionStatus::ALL.to_vec())
    }

    fn action() -> impl Strategy<Value = ReviewAction> {
        proptest::sample::select(vec![
            ReviewAction::Submit,
            ReviewAction::Approve,
            ReviewAction::Return,
            ReviewAction::Publish,
        ])
    }

    proptest! {
        /// No sequence of actions publishes a version that skipped legality review.
        #[test]
        fn nothing_is_published_without_approval(actions in proptest::collection::vec(action(), 0..12)) {
            let mut s = VersionStatus::Draft;
            let mut approved = false;
            for a in actions {
                if let Ok(next) = next_status(s, a, "意见") {
                    if next == VersionStatus::Approved { approved = true; }
                    if next == VersionStatus::Published { prop_assert!(approved); }
                    s = next;
                }
            }
        }

        #[test]
        fn superseded_and_published_are_final(from in status(), a in action()) {
            if matches!(from, VersionStatus::Published | VersionStatus::Superseded) {
                prop_assert!(next_status(from, a, "意见").is_err());
            }
        }
    }
}
