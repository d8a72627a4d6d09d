//! 好差评: the national five levels (GB/T 39734/39735), the two stages a case is rated at,
//! the channels, the reasons the bureau keeps, and the rules of rating: once per stage,
//! additions within five working days, and which ratings open a rectification.

use chrono::NaiveDate;
use serde::Serialize;

use crate::ValidationErrors;
use crate::calendar::WorkCalendar;
use crate::case::CaseStatus;

/// The five levels; 1 and 2 are 差评.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Level {
    VeryDissatisfied = 1,
    Dissatisfied = 2,
    Basic = 3,
    Satisfied = 4,
    VerySatisfied = 5,
}

impl Level {
    /// Best first, as the rating screen lists them.
    pub const ALL: [Level; 5] = [
        Self::VerySatisfied,
        Self::Satisfied,
        Self::Basic,
        Self::Dissatisfied,
        Self::VeryDissatisfied,
    ];

    pub fn from_number(n: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.number() == n)
    }

    pub fn number(self) -> i64 {
        self as i64
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::VerySatisfied => "非常满意",
            Self::Satisfied => "满意",
            Self::Basic => "基本满意",
            Self::Dissatisfied => "不满意",
            Self::VeryDissatisfied => "非常不满意",
        }
    }

    /// 差评: the levels that must be rectified when the rater is known.
    pub fn is_bad(self) -> bool {
        self <= Self::Dissatisfied
    }
}

/// When in a case's life it is rated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// After the intake decision (受理 or 不予受理).
    Acceptance,
    /// After 办结.
    Conclusion,
}

impl Stage {
    pub const ALL: [Stage; 2] = [Self::Acceptance, Self::Conclusion];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acceptance => "acceptance",
            Self::Conclusion => "conclusion",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Acceptance => "受理环节",
            Self::Conclusion => "办结环节",
        }
    }

    /// Whether a case in `status` can be rated at this stage: acceptance once the intake
    /// was decided, conclusion once the case was concluded.
    pub fn open_at(self, status: CaseStatus) -> bool {
        use CaseStatus as S;
        match self {
            Self::Acceptance => {
                !matches!(status, S::Submitted | S::AwaitingSupplement | S::Withdrawn)
            }
            Self::Conclusion => matches!(status, S::Concluded | S::Delivered | S::Revoked),
        }
    }
}

/// Where a rating was given (一次一评 on site, 一事一评 online, the hotline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Online,
    /// The counter tablet or the receipt's QR code at a window.
    Window,
    Mobile,
    Hotline,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Self::Online, Self::Window, Self::Mobile, Self::Hotline];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Window => "window",
            Self::Mobile => "mobile",
            Self::Hotline => "hotline",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Online => "网上",
            Self::Window => "窗口",
            Self::Mobile => "移动端",
            Self::Hotline => "12345 热线",
        }
    }
}

/// A reason to tick, from the list the bureau keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub code: String,
    pub label: String,
    /// Offered with bad levels (else with good ones).
    pub for_bad: bool,
}

/// The list the bureau starts from: the usual reasons of a bad rating, and a few of a good
/// one.
pub const SEEDED_REASONS: &[(&str, &str, bool)] = &[
    ("cumbersome", "办事流程繁琐", true),
    ("unclear_materials", "材料要求不清", true),
    ("repeat_visits", "多次跑腿", true),
    ("long_wait", "等候时间长", true),
    ("attitude", "服务态度差", true),
    ("overdue", "超时办理", true),
    ("system_failure", "系统故障", true),
    ("buck_passing", "推诿扯皮", true),
    ("fees", "乱收费或要求中介服务", true),
    ("efficient", "办事效率高", false),
    ("friendly", "服务热情周到", false),
    ("one_visit", "一次办成", false),
    ("clear_guide", "指南清楚易懂", false),
];

/// Anonymous ratings one device may give one hall in a day (a poster's QR is open to all;
/// more would let one phone stuff a hall's figures).
pub const ANONYMOUS_PER_DAY: i64 = 3;

/// Working days after a rating within which the rater may add to it.
pub const AMEND_WORKING_DAYS: u32 = 5;
pub const COMMENT_MAX: usize = 500;
pub const REASONS_MAX: usize = 10;

/// A rating as a form or JSON body gives it.
#[derive(Debug, Clone, Default)]
pub struct EvaluationInput {
    pub stage: String,
    pub level: Option<i64>,
    pub reasons: Vec<String>,
    pub comment: String,
}

/// A checked rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationDraft {
    pub stage: Stage,
    pub level: Level,
    pub reasons: Vec<String>,
    pub comment: String,
}

/// Free text that may span lines: trimmed, at most `max` characters, no control characters
/// but line breaks and tabs.
pub fn check_comment(
    errors: &mut ValidationErrors,
    field: &str,
    value: &str,
    max: usize,
) -> String {
    let v = value.trim();
    if v.chars().count() > max {
        errors.add(field, "too_long", format!("不能超过 {max} 个字"));
    } else if v
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        errors.add(field, "invalid_character", "含有不可见的控制字符");
    }
    v.to_owned()
}

/// Checks the reasons against the bureau's list: each known, none twice, at most ten.
fn check_reasons(errors: &mut ValidationErrors, given: &[String], known: &[Reason]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in given {
        let r = r.trim();
        if r.is_empty() {
            continue;
        }
        if !known.iter().any(|k| k.code == r) {
            errors.add("reasons", "unknown", format!("不认识的评价原因“{r}”"));
            return out;
        }
        if !out.iter().any(|o| o == r) {
            out.push(r.to_owned());
        }
    }
    if out.len() > REASONS_MAX {
        errors.add(
            "reasons",
            "too_many",
            format!("评价原因最多选 {REASONS_MAX} 项"),
        );
    }
    out
}

impl EvaluationInput {
    /// Every field checked at once. A bad rating must say why: a reason ticked or a comment.
    pub fn parse(&self, known: &[Reason]) -> Result<EvaluationDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let stage = Stage::parse(self.stage.trim());
        if stage.is_none() {
            errors.add("stage", "invalid", "请选择评价环节：受理环节或办结环节");
        }
        let level = self.level.and_then(Level::from_number);
        if level.is_none() {
            errors.add(
                "level",
                "invalid",
                "请选择满意程度（1 非常不满意 至 5 非常满意）",
            );
        }
        let reasons = check_reasons(&mut errors, &self.reasons, known);
        // A reason must agree with the level: a bad rating's reasons are the bad ones, a
        // good rating's the good ones; 基本满意 may tick either.
        if let Some(level) = level {
            let wrong = reasons.iter().find_map(|r| {
                let k = known.iter().find(|k| &k.code == r)?;
                let clash = (level.is_bad() && !k.for_bad) || (level.number() >= 4 && k.for_bad);
                clash.then_some(k)
            });
            if let Some(k) = wrong {
                errors.add(
                    "reasons",
                    "contradicts_level",
                    format!("“{}”与“{}”不符，请重新勾选原因", k.label, level.label()),
                );
            }
        }
        let comment = check_comment(&mut errors, "comment", &self.comment, COMMENT_MAX);
        if level.is_some_and(Level::is_bad)
            && reasons.is_empty()
            && comment.is_empty()
            && errors.message_for("reasons").is_none()
        {
            errors.add(
                "reasons",
                "required",
                "不满意时请至少勾选一项原因或写下意见，以便部门整改",
            );
        }
        errors.into_result()?;
        Ok(EvaluationDraft {
            stage: stage.expect("checked above"),
            level: level.expect("checked above"),
            reasons,
            comment,
        })
    }
}

/// An addition to a rating (追评): more reasons or a comment, never a new level.
pub fn parse_addition(
    reasons: &[String],
    comment: &str,
    known: &[Reason],
) -> Result<(Vec<String>, String), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let reasons = check_reasons(&mut errors, reasons, known);
    let comment = check_comment(&mut errors, "comment", comment, COMMENT_MAX);
    if reasons.is_empty() && comment.is_empty() && errors.is_empty() {
        errors.add("comment", "required", "请写下要补充的意见");
    }
    errors.into_result()?;
    Ok((reasons, comment))
}

/// The last day a rating given on `rated_on` may be added to.
pub fn amend_until(cal: &WorkCalendar, rated_on: NaiveDate) -> NaiveDate {
    cal.add_working_days(rated_on, AMEND_WORKING_DAYS)
}

/// Whether a rating given on `rated_on` may still be added to on `today`.
pub fn may_amend(cal: &WorkCalendar, rated_on: NaiveDate, today: NaiveDate) -> bool {
    today <= amend_until(cal, rated_on)
}

/// A rating opens a rectification exactly when it is bad and the rater is known: anonymous
/// ratings are counted but nobody can be called back about them.
pub fn opens_rectification(level: Level, real_name: bool) -> bool {
    real_name && level.is_bad()
}

/// Whose task a bad rating opens: a rating of the intake given at a window (the window and
/// its clerk were rated) is the hall's to answer, for the hall's unit manages its window
/// staff; any other is the handling department's.
pub fn task_goes_to_hall(stage: Stage, window_named: bool) -> bool {
    stage == Stage::Acceptance && window_named
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::shipped_calendar;
    use proptest::prelude::*;

    fn known() -> Vec<Reason> {
        SEEDED_REASONS
            .iter()
            .map(|(c, l, b)| Reason {
                code: (*c).into(),
                label: (*l).into(),
                for_bad: *b,
            })
            .collect()
    }

    #[test]
    fn a_bad_rating_must_say_why() {
        let e = EvaluationInput {
            stage: "conclusion".into(),
            level: Some(1),
            ..Default::default()
        }
        .parse(&known())
        .unwrap_err();
        assert_eq!(e.errors[0].field, "reasons");
        let ok = EvaluationInput {
            stage: "conclusion".into(),
            level: Some(2),
            reasons: vec!["long_wait".into(), "long_wait".into()],
            comment: "  ".into(),
        }
        .parse(&known())
        .unwrap();
        assert_eq!(ok.reasons, vec!["long_wait".to_owned()]);
        assert!(ok.level.is_bad());
    }

    #[test]
    fn a_reason_must_agree_with_the_level() {
        let rate = |level, reason: &str| {
            EvaluationInput {
                stage: "conclusion".into(),
                level: Some(level),
                reasons: vec![reason.into()],
                comment: String::new(),
            }
            .parse(&known())
        };
        let e = rate(1, "efficient").unwrap_err();
        assert_eq!(e.errors[0].code, "contradicts_level");
        assert!(
            e.errors[0].message.contains("办事效率高"),
            "{}",
            e.errors[0].message
        );
        assert_eq!(
            rate(5, "attitude").unwrap_err().errors[0].code,
            "contradicts_level"
        );
        assert!(rate(3, "attitude").is_ok() && rate(3, "efficient").is_ok());
    }

    #[test]
    fn every_field_is_named() {
        let e = EvaluationInput {
            stage: "later".into(),
            level: Some(9),
            reasons: vec!["nonsense".into()],
            comment: "x".repeat(501),
        }
        .parse(&known())
        .unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["stage", "level", "reasons", "comment"]);
    }

    #[test]
    fn stages_open_with_the_case() {
        assert!(!Stage::Acceptance.open_at(CaseStatus::Submitted));
        assert!(Stage::Acceptance.open_at(CaseStatus::Refused));
        assert!(Stage::Acceptance.open_at(CaseStatus::InReview));
        assert!(!Stage::Conclusion.open_at(CaseStatus::Decided));
        assert!(Stage::Conclusion.open_at(CaseStatus::Delivered));
    }

    #[test]
    fn additions_close_after_five_working_days() {
        let cal = shipped_calendar();
        // Friday 27 November 2026: five working days run to Friday 4 December.
        let rated = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert!(may_amend(
            &cal,
            rated,
            NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
        ));
        assert!(!may_amend(
            &cal,
            rated,
            NaiveDate::from_ymd_opt(2026, 12, 5).unwrap()
        ));
    }

    proptest! {
        /// Within five working days a rating may be added to; after them never.
        #[test]
        fn no_addition_after_five_working_days(start in 0u32..2500, later in 0u32..40) {
            let cal = shipped_calendar();
            let rated = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(start.into());
            let today = rated + chrono::Days::new(later.into());
            let used = cal.working_days_between(rated, today);
            if used > AMEND_WORKING_DAYS {
                prop_assert!(!may_amend(&cal, rated, today));
            }
            if used < AMEND_WORKING_DAYS {
                prop_assert!(may_amend(&cal, rated, today));
            }
        }

        /// Exactly the real-name levels 1 and 2 open a rectification.
        #[test]
        fn rectification_follows_level_and_name(n in 1i64..=5, real_name: bool) {
            let level = Level::from_number(n).unwrap();
            prop_assert_eq!(opens_rectification(level, real_name), real_name && n <= 2);
        }
    }
}
