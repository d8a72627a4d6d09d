//! The case's state machine: its statuses, the actions taken on it and who takes them,
//! what the item and the case's progress allow, and `transition`.

use serde::Serialize;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Applied, waiting for the intake decision.
    Submitted,
    /// A one-time notice (一次性告知) lists what is missing; waiting for the applicant.
    AwaitingSupplement,
    /// 受理: the clock runs.
    Accepted,
    /// A reviewer is examining it.
    InReview,
    /// 现场勘验 / 技术审查 / 听证论证: the clock stops.
    SpecialProcedure,
    /// Approved or denied, not yet concluded.
    Decided,
    /// 办结.
    Concluded,
    /// 送达: the result is in the applicant's hands.
    Delivered,
    /// 不予受理, with the legal reason.
    Refused,
    /// 撤回 by the applicant.
    Withdrawn,
    /// Approval on commitment revoked after a breach was found.
    Revoked,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 11] = [
        Self::Submitted,
        Self::AwaitingSupplement,
        Self::Accepted,
        Self::InReview,
        Self::SpecialProcedure,
        Self::Decided,
        Self::Concluded,
        Self::Delivered,
        Self::Refused,
        Self::Withdrawn,
        Self::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::AwaitingSupplement => "awaiting_supplement",
            Self::Accepted => "accepted",
            Self::InReview => "in_review",
            Self::SpecialProcedure => "special_procedure",
            Self::Decided => "decided",
            Self::Concluded => "concluded",
            Self::Delivered => "delivered",
            Self::Refused => "refused",
            Self::Withdrawn => "withdrawn",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Submitted => "已提交，待受理",
            Self::AwaitingSupplement => "待补正材料",
            Self::Accepted => "已受理",
            Self::InReview => "审查中",
            Self::SpecialProcedure => "特别程序中（不计时）",
            Self::Decided => "已作出决定",
            Self::Concluded => "已办结",
            Self::Delivered => "已送达",
            Self::Refused => "不予受理",
            Self::Withdrawn => "已撤回",
            Self::Revoked => "已撤销",
        }
    }

    /// No further handling, except revocation of a result.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Delivered | Self::Refused | Self::Withdrawn | Self::Revoked
        )
    }

    /// Whether the time limit is running.
    pub fn clock_runs(self) -> bool {
        matches!(self, Self::Accepted | Self::InReview | Self::Decided)
    }

    /// Accepted and not yet concluded: the due dates apply (a special procedure only
    /// pauses them), so a calendar change recounts these.
    pub fn clock_started(self) -> bool {
        self.clock_runs() || self == Self::SpecialProcedure
    }
}

/// Who may take an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseActor {
    Applicant,
    /// Window clerk (intake, delivery).
    Clerk,
    /// Department reviewer (review, decision).
    Reviewer,
}

/// What someone does to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CaseAction {
    Accept,
    /// 容缺受理: accepted with acceptable materials missing, to be supplied by a deadline.
    AcceptWithDeficiency {
        missing: Vec<String>,
    },
    Refuse {
        reason: String,
    },
    /// 一次性告知: everything missing or wrong, listed once, each a material of the item's
    /// list (不得额外增加申请材料).
    IssueNotice {
        items: Vec<NoticeItem>,
    },
    /// The applicant supplies what the notice asked for: `supplied` names the materials
    /// that came with this step (filled in from the files received, never from the caller's
    /// word).
    Supply {
        #[serde(default, skip_deserializing)]
        supplied: Vec<String>,
    },
    StartReview,
    /// One review stage (初审, 复审 …) passed with the reviewer's opinion, where the item
    /// has more than one; the last stage is the decision itself.
    PassReviewStage {
        opinion: String,
    },
    /// 退回 to an earlier step, with the reason on record.
    ReturnForRework {
        reason: String,
    },
    /// A special procedure the item lists (by its name, e.g. 现场勘验, or its code), with why;
    /// its days do not count towards the time limit.
    StartSpecialProcedure {
        #[serde(default)]
        procedure: String,
        #[serde(default)]
        reason: String,
    },
    /// The special procedure ends with its result on record.
    EndSpecialProcedure {
        #[serde(default)]
        result: String,
    },
    /// The decision, always with the reviewer's opinion (审查意见); a refusal also with the
    /// reason the applicant is told.
    Decide {
        approve: bool,
        #[serde(default)]
        opinion: String,
        #[serde(default)]
        reason: String,
    },
    /// 告知承诺: decided at once on the applicant's signed commitment.
    ApproveOnCommitment,
    /// 即办: an immediate item accepted, approved and concluded on the spot.
    ConcludeOnTheSpot,
    /// The applicant supplies materials that deficiency acceptance let them owe; `supplied`
    /// as for `Supply`.
    SupplyDeficiency {
        #[serde(default, skip_deserializing)]
        supplied: Vec<String>,
    },
    Conclude,
    /// 送达: how the result reached the person — `window` (窗口领取), `post` (邮寄, with the
    /// tracking number) or `electronic` (电子送达: a licence in the wallet).
    Deliver {
        #[serde(default)]
        method: String,
        #[serde(default)]
        tracking_no: String,
    },
    Withdraw {
        reason: String,
    },
    /// The commitment verification found the applicant's commitment true.
    ConfirmCommitment,
    /// A commitment breach found on verification revokes the result.
    Revoke {
        reason: String,
    },
}

impl CaseAction {
    /// The action as it is recorded: a special procedure named by the item's own name for
    /// it (现场勘验), whether the caller gave the name, the code or the JSON key.
    pub fn named_by(self, rules: &ItemRules) -> Self {
        match self {
            Self::StartSpecialProcedure { procedure, reason } => Self::StartSpecialProcedure {
                procedure: rules
                    .procedure(&procedure)
                    .map(str::to_owned)
                    .unwrap_or(procedure),
                reason,
            },
            other => other,
        }
    }

    /// The action with what came with it: a supply step names the materials received.
    pub fn with_supplied(self, names: Vec<String>) -> Self {
        match self {
            Self::Supply { .. } => Self::Supply { supplied: names },
            Self::SupplyDeficiency { .. } => Self::SupplyDeficiency { supplied: names },
            other => other,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Self::Accept => "受理",
            Self::AcceptWithDeficiency { .. } => "容缺受理",
            Self::Refuse { .. } => "不予受理",
            Self::IssueNotice { .. } => "一次性告知",
            Self::Supply { .. } => "补正材料",
            Self::StartReview => "开始审查",
            Self::PassReviewStage { .. } => "本级审查通过",
            Self::ReturnForRework { .. } => "退回",
            Self::StartSpecialProcedure { .. } => "启动特别程序",
            Self::EndSpecialProcedure { .. } => "结束特别程序",
            Self::Decide { .. } => "作出决定",
            Self::ApproveOnCommitment => "告知承诺审批",
            Self::ConcludeOnTheSpot => "即办办结",
            Self::SupplyDeficiency { .. } => "补齐容缺材料",
            Self::ConfirmCommitment => "承诺核查属实",
            Self::Conclude => "办结",
            Self::Deliver { .. } => "送达",
            Self::Withdraw { .. } => "撤回",
            Self::Revoke { .. } => "撤销",
        }
    }

    /// Who takes this action.
    pub fn actor(&self) -> CaseActor {
        match self {
            Self::Supply { .. } | Self::SupplyDeficiency { .. } | Self::Withdraw { .. } => {
                CaseActor::Applicant
            }
            Self::Accept
            | Self::AcceptWithDeficiency { .. }
            | Self::Refuse { .. }
            | Self::IssueNotice { .. }
            | Self::ApproveOnCommitment
            | Self::ConcludeOnTheSpot
            | Self::Deliver { .. } => CaseActor::Clerk,
            Self::StartReview
            | Self::PassReviewStage { .. }
            | Self::ConfirmCommitment
            | Self::ReturnForRework { .. }
            | Self::StartSpecialProcedure { .. }
            | Self::EndSpecialProcedure { .. }
            | Self::Decide { .. }
            | Self::Conclude
            | Self::Revoke { .. } => CaseActor::Reviewer,
        }
    }
}

/// One line of a one-time notice: a material of the item, missing or not acceptable (不合格,
/// with what is wrong), and a 补正说明 for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(from = "NoticeItemRepr")]
pub struct NoticeItem {
    pub material: String,
    pub problem: NoticeProblem,
    pub note: String,
}

impl NoticeItem {
    pub fn missing(material: impl Into<String>) -> Self {
        NoticeItem {
            material: material.into(),
            problem: NoticeProblem::Missing,
            note: String::new(),
        }
    }

    /// The line as the notice prints it.
    pub fn describe(&self) -> String {
        let mut s = format!("{}（{}", self.material, self.problem.label());
        if !self.note.trim().is_empty() {
            s.push('：');
            s.push_str(self.note.trim());
        }
        s.push('）');
        s
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeProblem {
    /// 未提交.
    #[default]
    Missing,
    /// 不合格.
    Invalid,
}

impl NoticeProblem {
    pub fn label(self) -> &'static str {
        match self {
            Self::Missing => "未提交",
            Self::Invalid => "不合格",
        }
    }
}

/// Notices recorded before they were built from the list named each material as a line of
/// text; those still read as a missing material.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum NoticeItemRepr {
    Line(String),
    Item {
        material: String,
        #[serde(default)]
        problem: NoticeProblem,
        #[serde(default)]
        note: String,
    },
}

impl From<NoticeItemRepr> for NoticeItem {
    fn from(r: NoticeItemRepr) -> Self {
        match r {
            NoticeItemRepr::Line(material) => NoticeItem::missing(material),
            NoticeItemRepr::Item {
                material,
                problem,
                note,
            } => NoticeItem {
                material,
                problem,
                note,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("“{}”的办件不能{}", from.label(), action)]
    NotAllowed {
        from: CaseStatus,
        action: &'static str,
    },
    #[error("{0}须写明理由")]
    ReasonRequired(&'static str),
    #[error("请填写审查意见")]
    OpinionRequired,
    #[error("一次性告知须列明缺少或需更正的材料")]
    EmptyNotice,
    #[error("“{name}”不是本事项办事指南所列的申请材料，不得额外要求")]
    NotAMaterial { index: usize, name: String },
    #[error("“{name}”在告知中重复列出")]
    RepeatedInNotice { index: usize, name: String },
    #[error("所交材料不是一次性告知要求补正的材料（待补正：{0}）")]
    NotAsked(String),
    #[error("本办件未签署告知承诺，不能以违反承诺为由撤销")]
    NotACommitment,
    #[error("请选择送达方式：窗口领取、邮寄或电子送达")]
    DeliveryMethodRequired,
    #[error("邮寄送达须填写快递单号（字母、数字或连字符）")]
    TrackingNumberRequired,
    #[error("材料“{name}”不合格，须写明不合格之处")]
    NoteRequired { index: usize, name: String },
    #[error("本事项没有“{0}”特别程序（以办事指南所列为准）")]
    NotAProcedure(String),
    #[error("请填写特别程序的结果")]
    ResultRequired,
    #[error("容缺受理须列明暂缺的材料")]
    EmptyDeficiency,
    #[error("“{0}”不是本事项可容缺受理的材料")]
    NotDeficiencyAcceptable(String),
    #[error("容缺材料尚未补齐（{0}），不能办结")]
    DeficiencyOutstanding(String),
    #[error("本办件没有待补齐的容缺材料")]
    NoDeficiency,
    #[error("请上传要补交的材料")]
    NothingSupplied,
    #[error("所交材料不是本办件待补齐的容缺材料（待补：{0}）")]
    NotOwed(String),
    #[error("尚有 {0} 级审查未完成，不能作出决定")]
    StagesPending(u8),
    #[error("本事项只有一级审查，请直接作出决定")]
    NoFurtherStage,
    #[error("本事项不适用告知承诺，或申请人未签署承诺书")]
    CommitmentNotSigned,
    #[error("本办件没有待核查的告知承诺")]
    NoVerification,
    #[error("只有即办件可以当场办结")]
    NotImmediate,
    #[error("尚缺必要材料：{0}。请出具一次性告知书补正；属容缺后补的材料可容缺受理")]
    MaterialsLacking(String),
    #[error("“{name}”已收到，不是未提交；如有问题请选“不合格”并写明原因")]
    AlreadyHeld { index: usize, name: String },
    #[error("一次性告知须一次列全所缺材料，还缺：{0}")]
    NoticeIncomplete(String),
}

impl CaseError {
    /// The request field the error is about, when it is about one (a missing opinion, a
    /// material not on the list): the API answers those 422 naming the field, the rest 409.
    pub fn field(&self) -> Option<String> {
        match self {
            Self::ReasonRequired(_) => Some("reason".into()),
            Self::OpinionRequired => Some("opinion".into()),
            Self::EmptyNotice => Some("items".into()),
            Self::NotAMaterial { index, .. } | Self::RepeatedInNotice { index, .. } => {
                Some(format!("items[{index}].material"))
            }
            Self::NotAsked(_) => Some("materials".into()),
            Self::NoteRequired { index, .. } => Some(format!("items[{index}].note")),
            Self::AlreadyHeld { index, .. } => Some(format!("items[{index}].problem")),
            Self::NoticeIncomplete(_) => Some("items".into()),
            Self::NotAProcedure(_) => Some("procedure".into()),
            Self::ResultRequired => Some("result".into()),
            Self::DeliveryMethodRequired => Some("method".into()),
            Self::TrackingNumberRequired => Some("tracking_no".into()),
            Self::EmptyDeficiency | Self::NotDeficiencyAcceptable(_) => Some("missing".into()),
            Self::NothingSupplied | Self::NotOwed(_) => Some("materials".into()),
            _ => None,
        }
    }
}

/// What the state machine needs to know about the item a case was filed under.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemRules {
    /// 即办件.
    pub immediate: bool,
    /// Review stages before the decision; at least one.
    pub review_stages: u8,
    /// Materials marked 容缺后补: the only ones that may be missing at acceptance.
    pub deficiency_allowed: Vec<String>,
    /// Every material of the item's list: the only ones a notice may ask for.
    pub materials: Vec<String>,
    /// The special procedures the item lists, as (code, name).
    pub special_procedures: Vec<(String, String)>,
    /// Materials the case's situation cannot do without (必要 and 容缺后补): an acceptance
    /// needs each held, or owed under 容缺.
    pub required: Vec<String>,
    /// Materials the case holds in a usable state (uploaded or 免提交, not found 不合格).
    pub held: Vec<String>,
}

impl ItemRules {
    pub fn of(item: &crate::catalog::ServiceItem) -> Self {
        ItemRules {
            immediate: item.case_class == crate::catalog::CaseClass::Immediate,
            review_stages: item.review_stages.max(1),
            deficiency_allowed: item
                .materials
                .iter()
                .filter(|m| m.necessity == crate::catalog::Necessity::Deficiency)
                .map(|m| m.name.clone())
                .collect(),
            materials: item.materials.iter().map(|m| m.name.clone()).collect(),
            special_procedures: item
                .special_procedures
                .iter()
                .map(|p| (p.kind.code().to_owned(), p.kind.label().to_owned()))
                .collect(),
            required: Vec::new(),
            held: Vec::new(),
        }
    }

    /// The rules for one case: its situation's materials only (a notice may ask only for
    /// those, 容缺 only among those), with what the case holds.
    pub fn for_case(
        item: &crate::catalog::ServiceItem,
        situation: &str,
        held: Vec<String>,
    ) -> Self {
        let situation = (!situation.trim().is_empty()).then_some(situation.trim());
        let materials = item.materials_for(situation);
        let named = |keep: &dyn Fn(crate::catalog::Necessity) -> bool| -> Vec<String> {
            materials
                .iter()
                .filter(|m| keep(m.necessity))
                .map(|m| m.name.clone())
                .collect()
        };
        use crate::catalog::Necessity as N;
        ItemRules {
            deficiency_allowed: named(&|n| n == N::Deficiency),
            materials: named(&|_| true),
            required: named(&|n| n != N::Optional),
            held,
            ..Self::of(item)
        }
    }

    /// Required materials the case neither holds nor owes under `owed`.
    fn lacking(&self, owed: &[String]) -> Vec<String> {
        self.required
            .iter()
            .filter(|r| !self.held.contains(r) && !owed.contains(r))
            .cloned()
            .collect()
    }

    /// The listed procedure `name_or_code` names, by its name. The item's JSON names a
    /// procedure by its key (`SiteInspection`), which is taken too.
    pub fn procedure(&self, name_or_code: &str) -> Option<&str> {
        let wanted = name_or_code.trim();
        let by_key = crate::catalog::SpecialProcedureKind::ALL
            .iter()
            .find(|k| {
                serde_json::to_value(k)
                    .ok()
                    .as_ref()
                    .and_then(|v| v.as_str())
                    == Some(wanted)
            })
            .map(|k| k.code());
        self.special_procedures
            .iter()
            .find(|(code, name)| code == wanted || name == wanted || by_key == Some(code.as_str()))
            .map(|(_, name)| name.as_str())
    }
}

/// Where a case stands beyond its status: kept with the case, changed only by `transition`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Progress {
    /// Review stages passed since the last return.
    #[serde(default)]
    pub stages_done: u8,
    /// Materials accepted as missing (容缺) and not supplied yet.
    #[serde(default)]
    pub deficiency_outstanding: Vec<String>,
    /// The applicant signed the item's commitment (告知承诺) when applying.
    #[serde(default)]
    pub commitment_signed: bool,
    /// A commitment verification task is open.
    #[serde(default)]
    pub verification_open: bool,
    /// The decision: approved (`true`) or denied.
    #[serde(default)]
    pub decision: Option<bool>,
    /// Materials the open one-time notice asks for and not supplied yet; a supply may
    /// bring them one at a time, and the case returns to intake once none is owed.
    #[serde(default)]
    pub notice_owed: Vec<String>,
}

/// The status and progress after `action`, or why not. Reasons and notice items are
/// required where the plan requires them to be on record.
/// 送达: a method the platform knows, and for 邮寄 a tracking number a courier issues.
pub fn check_delivery(method: &str, tracking_no: &str) -> Result<(), CaseError> {
    match method.trim() {
        "window" | "electronic" => Ok(()),
        "post" => {
            let t = tracking_no.trim();
            if t.is_empty()
                || t.len() > 40
                || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                Err(CaseError::TrackingNumberRequired)
            } else {
                Ok(())
            }
        }
        _ => Err(CaseError::DeliveryMethodRequired),
    }
}

pub fn transition(
    from: CaseStatus,
    rules: &ItemRules,
    progress: &Progress,
    action: &CaseAction,
) -> Result<(CaseStatus, Progress), CaseError> {
    use CaseAction as A;
    use CaseStatus as S;
    let reason_needed = |r: &str, what| {
        if r.trim().is_empty() {
            Err(CaseError::ReasonRequired(what))
        } else {
            Ok(())
        }
    };
    let mut p = progress.clone();
    // An acceptance (in any of its forms) needs every required material held, or owed.
    let complete = |owed: &[String]| {
        let lacking = rules.lacking(owed);
        if lacking.is_empty() {
            Ok(())
        } else {
            Err(CaseError::MaterialsLacking(lacking.join("、")))
        }
    };
    let next = match (from, action) {
        (S::Submitted, A::Accept) => {
            complete(&[])?;
            S::Accepted
        }
        (S::Submitted, A::AcceptWithDeficiency { missing }) => {
            let missing: Vec<String> = missing
                .iter()
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty())
                .collect();
            if missing.is_empty() {
                return Err(CaseError::EmptyDeficiency);
            }
            if let Some(m) = missing
                .iter()
                .find(|m| !rules.deficiency_allowed.contains(m))
            {
                return Err(CaseError::NotDeficiencyAcceptable(m.clone()));
            }
            complete(&missing)?;
            p.deficiency_outstanding = missing;
            S::Accepted
        }
        (S::Submitted, A::Refuse { reason }) => {
            reason_needed(reason, "不予受理")?;
            S::Refused
        }
        (S::Submitted, A::IssueNotice { items }) => {
            if items.iter().all(|i| i.material.trim().is_empty()) {
                return Err(CaseError::EmptyNotice);
            }
            for (index, i) in items.iter().enumerate() {
                let name = i.material.trim();
                if !rules.materials.iter().any(|m| m == name) {
                    return Err(CaseError::NotAMaterial {
                        index,
                        name: name.to_owned(),
                    });
                }
                if items[..index].iter().any(|j| j.material.trim() == name) {
                    return Err(CaseError::RepeatedInNotice {
                        index,
                        name: name.to_owned(),
                    });
                }
                if i.problem == NoticeProblem::Invalid && i.note.trim().is_empty() {
                    return Err(CaseError::NoteRequired {
                        index,
                        name: name.to_owned(),
                    });
                }
            }
            // What the case holds is not missing (it may be 不合格); and the notice is the one
            // time the person is told: it lists every required paper the case lacks, but
            // those that may be owed under 容缺.
            if let Some((index, i)) = items.iter().enumerate().find(|(_, i)| {
                i.problem == NoticeProblem::Missing
                    && rules.held.contains(&i.material.trim().to_owned())
            }) {
                return Err(CaseError::AlreadyHeld {
                    index,
                    name: i.material.trim().to_owned(),
                });
            }
            let listed: Vec<String> = items.iter().map(|i| i.material.trim().to_owned()).collect();
            let left_out: Vec<String> = rules
                .lacking(&listed)
                .into_iter()
                .filter(|m| !rules.deficiency_allowed.contains(m))
                .collect();
            if !left_out.is_empty() {
                return Err(CaseError::NoticeIncomplete(left_out.join("、")));
            }
            p.notice_owed = listed;
            S::AwaitingSupplement
        }
        (S::AwaitingSupplement, A::Supply { supplied }) => {
            if supplied.iter().all(|m| m.trim().is_empty()) {
                return Err(CaseError::NothingSupplied);
            }
            // Cases noticed before the owed list was kept return to intake on any supply.
            if !progress.notice_owed.is_empty() {
                if supplied
                    .iter()
                    .any(|m| !progress.notice_owed.iter().any(|o| o == m.trim()))
                {
                    return Err(CaseError::NotAsked(progress.notice_owed.join("、")));
                }
                p.notice_owed
                    .retain(|owed| !supplied.iter().any(|s| s.trim() == owed));
            }
            if p.notice_owed.is_empty() {
                S::Submitted
            } else {
                S::AwaitingSupplement
            }
        }
        (S::Submitted, A::ApproveOnCommitment) => {
            if !progress.commitment_signed {
                return Err(CaseError::CommitmentNotSigned);
            }
            complete(&[])?;
            p.decision = Some(true);
            p.verification_open = true;
            S::Decided
        }
        (S::Submitted, A::ConcludeOnTheSpot) => {
            if !rules.immediate {
                return Err(CaseError::NotImmediate);
            }
            complete(&[])?;
            p.decision = Some(true);
            S::Concluded
        }
        (S::Accepted, A::StartReview) => S::InReview,
        (S::InReview, A::PassReviewStage { opinion }) => {
            reason_needed(opinion, "审查意见")?;
            if progress.stages_done + 1 >= rules.review_stages.max(1) {
                return Err(CaseError::NoFurtherStage);
            }
            p.stages_done += 1;
            S::InReview
        }
        (S::InReview, A::ReturnForRework { reason }) => {
            reason_needed(reason, "退回")?;
            p.stages_done = 0;
            S::Accepted
        }
        (S::InReview, A::StartSpecialProcedure { procedure, reason }) => {
            if rules.procedure(procedure).is_none() {
                return Err(CaseError::NotAProcedure(procedure.trim().to_owned()));
            }
            reason_needed(reason, "启动特别程序")?;
            S::SpecialProcedure
        }
        (S::SpecialProcedure, A::EndSpecialProcedure { result }) => {
            if result.trim().is_empty() {
                return Err(CaseError::ResultRequired);
            }
            S::InReview
        }
        (
            S::InReview,
            A::Decide {
                approve,
                opinion,
                reason,
            },
        ) => {
            let pending = rules
                .review_stages
                .max(1)
                .saturating_sub(progress.stages_done + 1);
            if pending > 0 {
                return Err(CaseError::StagesPending(pending));
            }
            if opinion.trim().is_empty() {
                return Err(CaseError::OpinionRequired);
            }
            if !approve {
                reason_needed(reason, "不予许可")?;
            }
            p.decision = Some(*approve);
            S::Decided
        }
        (
            S::Accepted | S::InReview | S::SpecialProcedure | S::Decided,
            A::SupplyDeficiency { supplied },
        ) => {
            if progress.deficiency_outstanding.is_empty() {
                return Err(CaseError::NoDeficiency);
            }
            if supplied.iter().all(|m| m.trim().is_empty()) {
                return Err(CaseError::NothingSupplied);
            }
            // Only what was owed and came now is struck off; the rest stays owed.
            let before = p.deficiency_outstanding.len();
            p.deficiency_outstanding
                .retain(|owed| !supplied.iter().any(|s| s.trim() == owed));
            if p.deficiency_outstanding.len() == before {
                return Err(CaseError::NotOwed(
                    progress.deficiency_outstanding.join("、"),
                ));
            }
            from
        }
        (S::Decided, A::Conclude) => {
            if !progress.deficiency_outstanding.is_empty() {
                return Err(CaseError::DeficiencyOutstanding(
                    progress.deficiency_outstanding.join("、"),
                ));
            }
            S::Concluded
        }
        (
            S::Concluded,
            A::Deliver {
                method,
                tracking_no,
            },
        ) => {
            check_delivery(method, tracking_no)?;
            S::Delivered
        }
        (
            S::Submitted | S::AwaitingSupplement | S::Accepted | S::InReview | S::SpecialProcedure,
            A::Withdraw { reason },
        ) => {
            reason_needed(reason, "撤回")?;
            S::Withdrawn
        }
        (S::Decided | S::Concluded | S::Delivered, A::ConfirmCommitment) => {
            if !progress.verification_open {
                return Err(CaseError::NoVerification);
            }
            p.verification_open = false;
            from
        }
        (S::Decided | S::Concluded | S::Delivered, A::Revoke { reason }) => {
            if !progress.commitment_signed {
                return Err(CaseError::NotACommitment);
            }
            reason_needed(reason, "撤销")?;
            p.verification_open = false;
            S::Revoked
        }
        _ => {
            return Err(CaseError::NotAllowed {
                from,
                action: action.label(),
            });
        }
    };
    Ok((next, p))
}
