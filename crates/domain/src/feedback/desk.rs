//! 办不成事 反映窗口: a problem that ordinary handling could not solve, raised at the desk or
//! online. The desk records it and names a lead department (and any assisting ones); the
//! lead answers within five working days; the desk confirms with the person; what stays
//! unresolved goes to the bureau's head. It ends solved, explained, or as a catalog change.

use serde::Serialize;

use crate::ValidationErrors;
use crate::feedback::evaluation::check_comment;

/// Working days the lead department has to answer.
pub const ANSWER_WORKING_DAYS: u32 = 5;
pub const TEXT_MAX: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCategory {
    /// 事项办不成.
    CannotBeDone,
    /// 政策不明.
    UnclearPolicy,
    /// 多部门推诿.
    BuckPassing,
    /// 其他.
    Other,
}

impl ProblemCategory {
    pub const ALL: [Self; 4] = [
        Self::CannotBeDone,
        Self::UnclearPolicy,
        Self::BuckPassing,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CannotBeDone => "cannot_be_done",
            Self::UnclearPolicy => "unclear_policy",
            Self::BuckPassing => "buck_passing",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::CannotBeDone => "事项办不成",
            Self::UnclearPolicy => "政策不明",
            Self::BuckPassing => "多部门推诿",
            Self::Other => "其他",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemStatus {
    /// 待分派: the desk is to name a lead department.
    Raised,
    /// 办理中: with the lead department.
    Assigned,
    /// 待确认: answered; the desk confirms with the person.
    Answered,
    /// 局领导督办: unresolved, with the bureau's head.
    Referred,
    /// 已办结.
    Closed,
}

impl ProblemStatus {
    pub const ALL: [Self; 5] = [
        Self::Raised,
        Self::Assigned,
        Self::Answered,
        Self::Referred,
        Self::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Raised => "raised",
            Self::Assigned => "assigned",
            Self::Answered => "answered",
            Self::Referred => "referred",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Raised => "待分派",
            Self::Assigned => "办理中",
            Self::Answered => "待确认",
            Self::Referred => "局领导督办",
            Self::Closed => "已办结",
        }
    }
}

/// How a problem ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    Solved,
    Explained,
    /// 转化为事项调整: the catalog changed because of it (links the adjustment).
    CatalogChange,
}

impl Resolution {
    pub const ALL: [Self; 3] = [Self::Solved, Self::Explained, Self::CatalogChange];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Solved => "solved",
            Self::Explained => "explained",
            Self::CatalogChange => "catalog_change",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Solved => "已解决",
            Self::Explained => "已解释说明",
            Self::CatalogChange => "已推动事项调整",
        }
    }
}

/// A problem as the person or the desk writes it.
#[derive(Debug, Clone, Default)]
pub struct ProblemInput {
    pub category: String,
    pub text: String,
    /// Case numbers involved, separated by spaces, commas or lines.
    pub case_nos: String,
    /// Implementation codes involved, likewise.
    pub item_codes: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemDraft {
    pub category: ProblemCategory,
    pub text: String,
    pub case_nos: Vec<String>,
    pub item_codes: Vec<String>,
}

fn codes(e: &mut ValidationErrors, field: &str, raw: &str, what: &str) -> Vec<String> {
    let list: Vec<String> = raw
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；'))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if list.len() > 20 {
        e.add(field, "too_many", format!("{what}最多 20 个"));
    } else if list
        .iter()
        .any(|c| c.len() > 64 || !c.chars().all(|ch| ch.is_ascii_alphanumeric()))
    {
        e.add(
            field,
            "invalid",
            format!("{what}只含字母和数字，多个用逗号或空格分开"),
        );
    }
    list
}

impl ProblemInput {
    pub fn parse(&self) -> Result<ProblemDraft, ValidationErrors> {
        let mut e = ValidationErrors::new();
        let category = ProblemCategory::parse(self.category.trim());
        if category.is_none() {
            e.add(
                "category",
                "invalid",
                "请选择问题类别：事项办不成、政策不明、多部门推诿或其他",
            );
        }
        let text = check_comment(&mut e, "text", &self.text, TEXT_MAX);
        if text.is_empty() && e.message_for("text").is_none() {
            e.add("text", "required", "请写下遇到的问题：想办什么、卡在哪里");
        }
        let case_nos = codes(&mut e, "case_nos", &self.case_nos, "办件编号");
        let item_codes = codes(&mut e, "item_codes", &self.item_codes, "事项编码");
        e.into_result()?;
        Ok(ProblemDraft {
            category: category.expect("checked"),
            text,
            case_nos,
            item_codes,
        })
    }
}

/// A step on a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ProblemAction {
    /// The desk names the lead department and any assisting ones (org-unit codes).
    Assign {
        lead: String,
        #[serde(default)]
        assisting: Vec<String>,
        #[serde(default)]
        note: String,
    },
    /// The lead department answers.
    Answer {
        note: String,
    },
    /// The desk confirmed with the person: it is closed with its resolution (and, for a
    /// catalog change, the adjusted item's implementation code).
    Close {
        resolution: String,
        note: String,
        #[serde(default)]
        adjustment: String,
    },
    /// The desk confirmed and it is not resolved: to the bureau's head.
    Refer {
        note: String,
    },
    Note {
        note: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemActor {
    /// The 办不成事 desk (window staff) or the bureau.
    Desk,
    /// The lead department.
    Lead,
}

impl ProblemAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Assign { .. } => "assign",
            Self::Answer { .. } => "answer",
            Self::Close { .. } => "close",
            Self::Refer { .. } => "refer",
            Self::Note { .. } => "note",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Self::Assign { .. } => "分派牵头部门",
            Self::Answer { .. } => "牵头部门答复",
            Self::Close { .. } => "确认办结",
            Self::Refer { .. } => "提交局领导督办",
            Self::Note { .. } => "补充说明",
        }
    }

    pub fn note(&self) -> &str {
        match self {
            Self::Assign { note, .. }
            | Self::Answer { note }
            | Self::Close { note, .. }
            | Self::Refer { note }
            | Self::Note { note } => note,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProblemError {
    #[error("{0}")]
    Invalid(ValidationErrors),
    #[error("您不能进行这一步：{0}")]
    NotYours(&'static str),
    #[error("问题当前为“{status}”，不能{action}")]
    NotNow {
        status: &'static str,
        action: &'static str,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemStep {
    pub status: ProblemStatus,
    pub resolution: Option<Resolution>,
    /// The lead's five working days start.
    pub start_clock: bool,
}

/// The next status after `action` by `by`. The bureau's head works a referred problem as the
/// desk does: it may reassign it or close it.
pub fn step(
    status: ProblemStatus,
    by: ProblemActor,
    action: &ProblemAction,
) -> Result<ProblemStep, ProblemError> {
    use ProblemAction as A;
    use ProblemStatus as S;
    let mut e = ValidationErrors::new();
    let note = check_comment(&mut e, "note", action.note(), TEXT_MAX);
    if !matches!(action, A::Assign { .. }) && note.is_empty() && e.is_empty() {
        e.add("note", "required", "请填写说明");
    }
    let resolution = match action {
        A::Close {
            resolution,
            adjustment,
            ..
        } => {
            let r = Resolution::parse(resolution);
            match r {
                None => e.add(
                    "resolution",
                    "invalid",
                    "请选择办理结果：已解决、已解释说明或已推动事项调整",
                ),
                Some(Resolution::CatalogChange) if adjustment.trim().is_empty() => e.add(
                    "adjustment",
                    "required",
                    "推动事项调整的，请填写调整的事项实施编码",
                ),
                _ => {}
            }
            r
        }
        _ => None,
    };
    if let A::Assign { lead, .. } = action
        && lead.trim().is_empty()
    {
        e.add("lead", "required", "请选择牵头部门");
    }
    e.into_result().map_err(ProblemError::Invalid)?;
    let owner = match action {
        A::Answer { .. } => Some((ProblemActor::Lead, "由牵头部门答复")),
        A::Assign { .. } | A::Close { .. } | A::Refer { .. } => {
            Some((ProblemActor::Desk, "由办不成事窗口办理"))
        }
        A::Note { .. } => None,
    };
    if let Some((who, why)) = owner
        && who != by
    {
        return Err(ProblemError::NotYours(why));
    }
    let refuse = || ProblemError::NotNow {
        status: status.label(),
        action: action.label(),
    };
    let (to, start_clock) = match (status, action) {
        (S::Closed, _) => return Err(refuse()),
        (_, A::Note { .. }) => (status, false),
        (S::Raised | S::Assigned | S::Referred, A::Assign { .. }) => (S::Assigned, true),
        (S::Assigned, A::Answer { .. }) => (S::Answered, false),
        (S::Answered | S::Referred, A::Close { .. }) => (S::Closed, false),
        (S::Answered, A::Refer { .. }) => (S::Referred, false),
        _ => return Err(refuse()),
    };
    Ok(ProblemStep {
        status: to,
        resolution,
        start_clock,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_goes_round_and_ends_with_its_resolution() {
        let assign = ProblemAction::Assign {
            lead: "D-RSJ".into(),
            assisting: vec!["D-SCJ".into()],
            note: String::new(),
        };
        let s = step(ProblemStatus::Raised, ProblemActor::Desk, &assign).unwrap();
        assert!(s.start_clock);
        let answer = ProblemAction::Answer {
            note: "已协调".into(),
        };
        assert!(matches!(
            step(s.status, ProblemActor::Desk, &answer),
            Err(ProblemError::NotYours(_))
        ));
        let s = step(s.status, ProblemActor::Lead, &answer).unwrap();
        let refer = ProblemAction::Refer {
            note: "群众仍不认可".into(),
        };
        let s = step(s.status, ProblemActor::Desk, &refer).unwrap();
        assert_eq!(s.status, ProblemStatus::Referred);
        let close = ProblemAction::Close {
            resolution: "catalog_change".into(),
            note: "取消证明材料".into(),
            adjustment: String::new(),
        };
        let ProblemError::Invalid(e) = step(s.status, ProblemActor::Desk, &close).unwrap_err()
        else {
            panic!("a catalog change names its adjustment")
        };
        assert_eq!(e.errors[0].field, "adjustment");
    }

    #[test]
    fn a_problem_names_what_it_is_about() {
        let e = ProblemInput {
            category: "nothing".into(),
            text: " ".into(),
            case_nos: "12; <script>".into(),
            item_codes: String::new(),
        }
        .parse()
        .unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["category", "text", "case_nos"]);
    }
}
