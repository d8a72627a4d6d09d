//! A clerk's check of each material (合格 / 不合格 with what is wrong).

use serde::Serialize;

/// Where a material stands after the desk looked at it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialCheck {
    #[default]
    Unchecked,
    /// 合格.
    Passed,
    /// 不合格, with the reason on record.
    Failed,
}

/// A stored check that names no known state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知的材料核验状态：{0}")]
pub struct UnknownCheck(pub String);

impl TryFrom<String> for MaterialCheck {
    type Error = UnknownCheck;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s).ok_or(UnknownCheck(s))
    }
}

impl MaterialCheck {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unchecked => "unchecked",
            Self::Passed => "passed",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "unchecked" => Some(Self::Unchecked),
            "passed" => Some(Self::Passed),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Unchecked => "未核验",
            Self::Passed => "合格",
            Self::Failed => "不合格",
        }
    }

    /// Whether a copy with this check counts as the paper received: one found 不合格 does
    /// not (a later copy of the same material may).
    pub fn usable(self) -> bool {
        self != Self::Failed
    }

    /// Whether materials may still be checked on a case in `status`: while it is handled.
    /// Once decided, the check is part of what the decision rested on and stays as it was.
    pub fn open_on(status: super::CaseStatus) -> bool {
        use super::CaseStatus as S;
        matches!(
            status,
            S::Submitted | S::AwaitingSupplement | S::Accepted | S::InReview | S::SpecialProcedure
        )
    }

    /// The check a clerk records: 不合格 needs what is wrong (the person is told it), and
    /// the note is kept short enough to print.
    pub fn record(passed: bool, note: &str) -> Result<(Self, String), crate::ValidationErrors> {
        let note = note.trim();
        let mut errors = crate::ValidationErrors::new();
        if !passed && note.is_empty() {
            errors.add("note", "required", "不合格的材料须写明不合格之处");
        }
        if note.chars().count() > 200 {
            errors.add("note", "too_long", "说明不能超过 200 个字");
        }
        if errors.is_empty() {
            Ok((
                if passed { Self::Passed } else { Self::Failed },
                note.to_owned(),
            ))
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_material_says_why() {
        assert_eq!(
            MaterialCheck::record(true, " "),
            Ok((MaterialCheck::Passed, String::new()))
        );
        let e = MaterialCheck::record(false, "").unwrap_err();
        assert_eq!(e.errors[0].field, "note");
        assert_eq!(
            MaterialCheck::record(false, "复印件不清晰").unwrap().0,
            MaterialCheck::Failed
        );
        assert!(MaterialCheck::record(true, &"长".repeat(201)).is_err());
        assert!(MaterialCheck::open_on(super::super::CaseStatus::InReview));
        assert!(!MaterialCheck::open_on(super::super::CaseStatus::Delivered));
        assert!(!MaterialCheck::open_on(super::super::CaseStatus::Decided));
        assert!(MaterialCheck::Unchecked.usable() && !MaterialCheck::Failed.usable());
        for c in [
            MaterialCheck::Unchecked,
            MaterialCheck::Passed,
            MaterialCheck::Failed,
        ] {
            assert_eq!(MaterialCheck::parse(c.as_str()), Some(c));
        }
    }
}
