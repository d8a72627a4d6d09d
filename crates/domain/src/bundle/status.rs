//! The bundle's status is a pure function of its children's; a dependent child starts when
//! everything it depends on has concluded, and is cancelled when any of it cannot.

use chrono::NaiveDate;
use serde::Serialize;

use super::definition::Member;
use crate::case::CaseStatus;

/// Where one child stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildState {
    /// Waiting for what it depends on; not yet in its department's inbox.
    Waiting,
    /// Will not start: something it depends on was refused, withdrawn or revoked.
    Cancelled,
    /// Concluded with a denial (不予许可): the case ended, without the result.
    Denied,
    /// Started: its case's status.
    Case(CaseStatus),
}

impl ChildState {
    /// The state of a started member: its case's status, unless it concluded with a denial
    /// (`decision` is the case's: `Some(false)` for 不予许可).
    pub fn of_case(status: CaseStatus, decision: Option<bool>) -> Self {
        match (status, decision) {
            (CaseStatus::Concluded | CaseStatus::Delivered, Some(false)) => Self::Denied,
            (s, _) => Self::Case(s),
        }
    }

    /// Concluded with a result (办结 or delivered).
    pub fn succeeded(self) -> bool {
        matches!(
            self,
            Self::Case(CaseStatus::Concluded) | Self::Case(CaseStatus::Delivered)
        )
    }

    /// Ended without a result.
    pub fn failed(self) -> bool {
        matches!(
            self,
            Self::Cancelled
                | Self::Denied
                | Self::Case(CaseStatus::Refused)
                | Self::Case(CaseStatus::Withdrawn)
                | Self::Case(CaseStatus::Revoked)
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Cancelled => "cancelled",
            Self::Denied => "denied",
            Self::Case(s) => s.as_str(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Waiting => "等待前置事项办结",
            Self::Cancelled => "前置事项未办成，不再办理",
            Self::Denied => "不予许可",
            Self::Case(s) => s.label(),
        }
    }
}

/// The bundle's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BundleStatus {
    /// Some child is being handled or waits its turn.
    InProgress,
    /// Some child waits for the applicant (a one-time notice): one combined notice.
    AwaitingSupplement,
    /// Every child concluded with a result.
    Concluded,
    /// Every child's result is in the applicant's hands.
    Delivered,
    /// All ended; some with a result, some without (explained per child).
    PartlyConcluded,
    /// All ended, none with a result.
    Refused,
    /// The applicant withdrew every child.
    Withdrawn,
}

impl BundleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::AwaitingSupplement => "awaiting_supplement",
            Self::Concluded => "concluded",
            Self::Delivered => "delivered",
            Self::PartlyConcluded => "partly_concluded",
            Self::Refused => "refused",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::InProgress => "办理中",
            Self::AwaitingSupplement => "待补正材料",
            Self::Concluded => "已办结",
            Self::Delivered => "已送达",
            Self::PartlyConcluded => "部分办结",
            Self::Refused => "未办成",
            Self::Withdrawn => "已撤回",
        }
    }

    pub fn is_final(self) -> bool {
        !matches!(self, Self::InProgress | Self::AwaitingSupplement)
    }
}

/// The bundle's status from its children's (an empty bundle is in progress: it has not
/// begun).
pub fn bundle_status(children: &[ChildState]) -> BundleStatus {
    if children.contains(&ChildState::Case(CaseStatus::AwaitingSupplement)) {
        return BundleStatus::AwaitingSupplement;
    }
    if children.is_empty() || children.iter().any(|c| !c.succeeded() && !c.failed()) {
        return BundleStatus::InProgress;
    }
    if children
        .iter()
        .all(|c| *c == ChildState::Case(CaseStatus::Delivered))
    {
        return BundleStatus::Delivered;
    }
    if children.iter().all(|c| c.succeeded()) {
        return BundleStatus::Concluded;
    }
    if children.iter().any(|c| c.succeeded()) {
        return BundleStatus::PartlyConcluded;
    }
    if children
        .iter()
        .all(|c| *c == ChildState::Case(CaseStatus::Withdrawn))
    {
        return BundleStatus::Withdrawn;
    }
    BundleStatus::Refused
}

fn state_of(members: &[Member], states: &[ChildState], code: &str) -> Option<ChildState> {
    members
        .iter()
        .position(|m| m.implementation_code == code)
        .and_then(|i| states.get(i).copied())
}

/// The waiting children (indexes) that may start now: everything they depend on has
/// concluded with a result. `members[i]`'s state is `states[i]`.
pub fn startable(members: &[Member], states: &[ChildState]) -> Vec<usize> {
    members
        .iter()
        .zip(states)
        .enumerate()
        .filter(|(_, (m, s))| {
            **s == ChildState::Waiting
                && m.depends_on
                    .iter()
                    .all(|d| state_of(members, states, d).is_some_and(ChildState::succeeded))
        })
        .map(|(i, _)| i)
        .collect()
}

/// The waiting children (indexes) that can never start: something they depend on ended
/// without a result.
pub fn cancelled(members: &[Member], states: &[ChildState]) -> Vec<usize> {
    members
        .iter()
        .zip(states)
        .enumerate()
        .filter(|(_, (m, s))| {
            **s == ChildState::Waiting
                && m.depends_on
                    .iter()
                    .any(|d| state_of(members, states, d).is_some_and(ChildState::failed))
        })
        .map(|(i, _)| i)
        .collect()
}

/// The bundle's due date: the latest child's promised date, or the bundle's own promise if
/// that is sooner.
pub fn bundle_due(children_due: &[NaiveDate], own: NaiveDate) -> NaiveDate {
    children_due
        .iter()
        .copied()
        .max()
        .map_or(own, |d| d.min(own))
}
