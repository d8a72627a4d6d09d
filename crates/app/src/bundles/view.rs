//! A bundle case as its applicant and staff read it: the status derived from its members',
//! one combined notice of everything the departments still need, each refusal explained,
//! and the results together.

use chrono::NaiveDate;
use tongban_domain::authz::Permission;
use tongban_domain::bundle::{BundleStatus, ChildState, bundle_due, bundle_status};
use tongban_domain::case::{CaseAction, CaseStatus, NoticeItem};
use tongban_store::{BundleCaseRecord, BundleChildRecord, CaseRecord, LicenceRecord, StoreError};

use super::progress::{deliver_all, states_of};
use crate::cases::can_view;
use crate::{Actor, App, AppError};

/// One member as the bundle shows it.
#[derive(Debug, Clone)]
pub struct ChildView {
    pub record: BundleChildRecord,
    pub state: ChildState,
    pub case: Option<CaseRecord>,
    /// The names of the members it waits for.
    pub depends_on_names: Vec<String>,
    /// Why it was refused, withdrawn or revoked, as the department said.
    pub reason: Option<String>,
    /// The licences it issued.
    pub licences: Vec<LicenceRecord>,
}

/// What one department still needs, as a line of the combined notice.
#[derive(Debug, Clone)]
pub struct NoticeLine {
    pub item_name: String,
    pub case_no: String,
    pub items: Vec<NoticeItem>,
}

#[derive(Debug, Clone)]
pub struct BundleCaseView {
    pub record: BundleCaseRecord,
    pub status: BundleStatus,
    /// The latest member's promised date, or the bundle's own promise if sooner.
    pub due: NaiveDate,
    pub children: Vec<ChildView>,
    /// One notice for the whole bundle: every open notice of its members and every paper a
    /// member accepted without (容缺) that is still owed.
    pub notice: Vec<NoticeLine>,
    pub combined_licence: Option<LicenceRecord>,
}

impl BundleCaseView {
    /// The results may be handed over together at a window: every member has ended and some
    /// achieved their result (those refused are explained, and may be applied for alone).
    pub fn deliverable(&self) -> bool {
        matches!(
            self.status,
            BundleStatus::Concluded | BundleStatus::PartlyConcluded
        ) && self.record.delivered_at.is_none()
    }
}

/// Whether `current` may read the bundle: its applicant, or staff who may read any of its
/// members' cases (the departments, the window that took it in).
fn may_read(current: &Actor, b: &BundleCaseRecord, cases: &[Option<CaseRecord>]) -> bool {
    current
        .account
        .as_ref()
        .is_some_and(|a| a.id == b.applicant_id || b.first_responder.as_ref() == Some(&a.id))
        || cases.iter().flatten().any(|c| can_view(current, c))
}

/// The bundle case `bundle_no`; `NotFound` for anyone who may not read it.
pub async fn view(app: &App, current: &Actor, bundle_no: &str) -> Result<BundleCaseView, AppError> {
    let b = match app.store.bundle_case_by_no(bundle_no.trim()).await {
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        other => other?,
    };
    let (states, cases) = states_of(app, &b).await?;
    if !may_read(current, &b, &cases) {
        return Err(AppError::NotFound);
    }
    assemble(app, b, states, cases).await
}

async fn assemble(
    app: &App,
    b: BundleCaseRecord,
    states: Vec<ChildState>,
    cases: Vec<Option<CaseRecord>>,
) -> Result<BundleCaseView, AppError> {
    let mut children = Vec::with_capacity(b.children.len());
    let mut notice = Vec::new();
    for ((record, state), case) in b.children.iter().zip(&states).zip(cases) {
        let mut reason = None;
        let mut licences = Vec::new();
        if let Some(c) = &case {
            let events = app.store.case_events(&c.id).await?;
            if c.status == CaseStatus::AwaitingSupplement
                && let Some(items) = events.iter().rev().find_map(|e| {
                    match serde_json::from_str::<CaseAction>(&e.detail) {
                        Ok(CaseAction::IssueNotice { items }) => Some(items),
                        _ => None,
                    }
                })
            {
                notice.push(NoticeLine {
                    item_name: c.item_name.clone(),
                    case_no: c.case_no.clone(),
                    items,
                });
            }
            // 容缺后补: papers a department accepted without, still owed, join the notice.
            if !c.progress.deficiency_outstanding.is_empty() {
                let by = c
                    .deficiency_due
                    .map(|d| format!("容缺受理，请于 {d} 前补交"))
                    .unwrap_or_else(|| "容缺受理，请尽快补交".to_owned());
                notice.push(NoticeLine {
                    item_name: c.item_name.clone(),
                    case_no: c.case_no.clone(),
                    items: c
                        .progress
                        .deficiency_outstanding
                        .iter()
                        .map(|m| NoticeItem {
                            note: by.clone(),
                            ..NoticeItem::missing(m.clone())
                        })
                        .collect(),
                });
            }
            if state.failed() {
                reason = events.iter().rev().find_map(|e| {
                    match serde_json::from_str::<CaseAction>(&e.detail) {
                        Ok(CaseAction::Refuse { reason })
                        | Ok(CaseAction::Withdraw { reason })
                        | Ok(CaseAction::Revoke { reason }) => Some(reason),
                        Ok(CaseAction::Decide {
                            approve: false,
                            reason,
                            ..
                        }) => Some(reason),
                        _ => None,
                    }
                });
            }
            licences = app.store.licences_of_case(&c.id).await?;
        }
        if *state == ChildState::Cancelled {
            let failed: Vec<String> = record
                .depends_on
                .iter()
                .filter_map(|d| {
                    let i = b
                        .children
                        .iter()
                        .position(|x| &x.implementation_code == d)?;
                    states[i].failed().then(|| b.children[i].item_name.clone())
                })
                .collect();
            reason = Some(format!(
                "前置事项“{}”未办成，本事项不再办理",
                failed.join("、")
            ));
        }
        let depends_on_names = record
            .depends_on
            .iter()
            .map(|d| {
                b.children
                    .iter()
                    .find(|x| &x.implementation_code == d)
                    .map_or_else(|| d.clone(), |x| x.item_name.clone())
            })
            .collect();
        children.push(ChildView {
            record: record.clone(),
            state: *state,
            case,
            depends_on_names,
            reason,
            licences,
        });
    }
    let status = bundle_status(&states);
    let due = if states.contains(&ChildState::Waiting) {
        b.promised_due
    } else {
        let dues: Vec<NaiveDate> = children
            .iter()
            .filter_map(|c| c.case.as_ref().map(|c| c.promised_due))
            .collect();
        bundle_due(&dues, b.promised_due)
    };
    let combined_licence = match &b.combined_licence {
        Some(id) => Some(app.store.licence(id).await?),
        None => None,
    };
    Ok(BundleCaseView {
        record: b,
        status,
        due,
        children,
        notice,
        combined_licence,
    })
}

/// The current applicant's bundle cases, newest first.
pub async fn mine(app: &App, current: &Actor) -> Result<Vec<BundleCaseView>, AppError> {
    let account = current.account()?;
    let mut out = Vec::new();
    for b in app.store.bundle_cases_of_applicant(&account.id).await? {
        let (states, cases) = states_of(app, &b).await?;
        out.push(assemble(app, b, states, cases).await?);
    }
    Ok(out)
}

/// A window hands over every member's result at once (窗口领取, or 邮寄 with its tracking
/// number): one delivery for the bundle.
pub async fn deliver(
    app: &App,
    current: &Actor,
    bundle_no: &str,
    method: &str,
    tracking_no: &str,
) -> Result<BundleCaseView, AppError> {
    current.principal.capability(Permission::HandleIntake)?;
    let view = view(app, current, bundle_no).await?;
    if !view.deliverable() {
        return Err(AppError::refused(if view.record.delivered_at.is_some() {
            "结果已经送达"
        } else {
            "还有事项正在办理，全部办结后才能一并送达"
        }));
    }
    // A window hands over in person or by post; online bundles are delivered electronically
    // by the platform. The rest is the case rule every member's step applies, checked once
    // here so that no member is delivered before a bad tracking number is found.
    let checked = if method.trim() == "electronic" {
        Err(tongban_domain::case::CaseError::DeliveryMethodRequired)
    } else {
        tongban_domain::case::check_delivery(method, tracking_no)
    };
    if let Err(e) = checked {
        let field = e.field().unwrap_or_else(|| "method".to_owned());
        return Err(AppError::field(&field, "case_rule", &e.to_string()));
    }
    let cases: Vec<Option<CaseRecord>> = view.children.iter().map(|c| c.case.clone()).collect();
    deliver_all(
        app,
        &current.account()?.id,
        &view.record,
        &cases,
        method,
        tracking_no.trim(),
    )
    .await?;
    self::view(app, current, bundle_no).await
}
