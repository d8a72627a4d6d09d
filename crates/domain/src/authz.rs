//! Authorization, decided in one place from the principal's kind, role and org-unit scope.
//!
//! Every protected operation names a [`Permission`]; [`allows`] is the single table that says
//! who holds it. Data-level limits come from [`Scope`]: a town clerk sees the town and its
//! villages, a reviewer their own department, the bureau and the supervisors everything.
//! Holding a [`Capability`] is the only way to call an operation that needs one, so code
//! without the right cannot even reach it.

use crate::account::{AccountKind, Role};
use crate::org::path_within;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    Citizen {
        account_id: String,
    },
    Enterprise {
        account_id: String,
    },
    Staff {
        account_id: String,
        role: Role,
        /// The path of the staff member's org unit.
        org_path: String,
    },
}

impl Principal {
    pub fn account_id(&self) -> Option<&str> {
        match self {
            Self::Anonymous => None,
            Self::Citizen { account_id }
            | Self::Enterprise { account_id }
            | Self::Staff { account_id, .. } => Some(account_id),
        }
    }

    pub fn kind(&self) -> Option<AccountKind> {
        match self {
            Self::Anonymous => None,
            Self::Citizen { .. } => Some(AccountKind::Citizen),
            Self::Enterprise { .. } => Some(AccountKind::Enterprise),
            Self::Staff { .. } => Some(AccountKind::Staff),
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            Self::Staff { role, .. } => Some(*role),
            _ => None,
        }
    }

    /// The org-unit scope whose data this principal may see.
    pub fn scope(&self) -> Scope {
        match self {
            Self::Staff { role, org_path, .. } => match role {
                Role::BureauAdmin | Role::LegalReviewer | Role::Supervisor => Scope::All,
                Role::WindowClerk | Role::Reviewer => Scope::Within(org_path.clone()),
                // An operator reads tickets, not cases.
                Role::HotlineOperator => Scope::Nothing,
            },
            _ => Scope::Nothing,
        }
    }

    /// Hands out the capability for `permission`, or says why not.
    pub fn capability(&self, permission: Permission) -> Result<Capability, Denied> {
        if allows(self, permission) {
            Ok(Capability {
                permission,
                scope: self.scope(),
                actor: self.account_id().unwrap_or("anonymous").to_owned(),
            })
        } else if matches!(self, Self::Anonymous) {
            Err(Denied::NotLoggedIn)
        } else {
            Err(Denied::Forbidden)
        }
    }
}

/// The data a principal may see, as org-unit paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// This unit and everything below it.
    Within(String),
    Nothing,
}

impl Scope {
    pub fn covers(&self, org_path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Within(root) => path_within(org_path, root),
            Scope::Nothing => false,
        }
    }
}

/// Every protected operation of the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See and manage one's own applicant account.
    ApplicantSelfService,
    /// The staff workbench: one's role, unit and scope.
    StaffWorkbench,
    /// See the org units, halls, windows and staff within one's scope.
    ViewOrgScope,
    /// Look a person up and open their personal data (audited).
    ViewPersonalData,
    /// Read the audit trail.
    ViewAuditTrail,
    /// Create staff accounts and revoke sessions of others.
    ManageStaff,
    /// See catalog work: entries, drafts, versions and their history.
    ViewCatalogWork,
    /// Claim catalog entries and draft or adjust implementation lists (own department).
    DraftItems,
    /// Legality review of submitted versions (Justice Bureau).
    ReviewItems,
    /// Publish reviewed versions (Approval Services Bureau).
    PublishItems,
    /// Import the upper-level catalog.
    ImportCatalog,
    /// Intake at any comprehensive window (无差别受理): accept, refuse, one-time notice,
    /// deliver.
    HandleIntake,
    /// Review and decide cases of one's own department.
    ReviewCases,
    /// Enter holiday arrangements (e.g. next year's).
    ManageCalendar,
    /// Follow time limits within one's scope: overdue and due-soon cases per department,
    /// materials owed under deficiency acceptance, commitment verifications.
    ViewDeadlines,
    /// Define licence types and import licences issued elsewhere (integrating systems).
    ManageLicences,
    /// Read ratings, rectification tasks, hotline tickets and 办不成事 problems within one's
    /// feedback reach (`feedback_reach`).
    ViewFeedback,
    /// A department's steps on them: verify, rectify, call back; answer a ticket or a
    /// problem it leads.
    RespondToFeedback,
    /// The bureau's: review and close rectifications, route tickets, keep the reasons list
    /// and the time limits, and take what the 办不成事 desk could not resolve.
    SuperviseFeedback,
    /// Record 12345 calls and call people back (operators and integrating systems).
    RecordTickets,
    /// The 办不成事 desk: record a problem raised in person, assign it, confirm and close it.
    HandleDesk,
    /// Keep halls: closures, booking capacities (the bureau; issue 16).
    ManageHalls,
}

impl Permission {
    pub const ALL: [Permission; 22] = [
        Self::ApplicantSelfService,
        Self::StaffWorkbench,
        Self::ViewOrgScope,
        Self::ViewPersonalData,
        Self::ViewAuditTrail,
        Self::ManageStaff,
        Self::ViewCatalogWork,
        Self::DraftItems,
        Self::ReviewItems,
        Self::PublishItems,
        Self::ImportCatalog,
        Self::HandleIntake,
        Self::ReviewCases,
        Self::ManageCalendar,
        Self::ViewDeadlines,
        Self::ManageLicences,
        Self::ViewFeedback,
        Self::RespondToFeedback,
        Self::SuperviseFeedback,
        Self::RecordTickets,
        Self::HandleDesk,
        Self::ManageHalls,
    ];
}

/// The one table of who may do what.
pub fn allows(principal: &Principal, permission: Permission) -> bool {
    use Permission as P;
    use Role as R;
    match principal {
        Principal::Anonymous => false,
        Principal::Citizen { .. } | Principal::Enterprise { .. } => {
            matches!(permission, P::ApplicantSelfService)
        }
        Principal::Staff {
            role: R::HotlineOperator,
            ..
        } => matches!(
            permission,
            P::StaffWorkbench
                | P::ViewOrgScope
                | P::ViewCatalogWork
                | P::ViewFeedback
                | P::RecordTickets
        ),
        Principal::Staff { role, .. } => match permission {
            P::ApplicantSelfService => false,
            P::StaffWorkbench | P::ViewOrgScope | P::ViewDeadlines => true,
            P::ViewPersonalData => matches!(role, R::WindowClerk | R::Reviewer | R::BureauAdmin),
            P::ViewAuditTrail => matches!(role, R::BureauAdmin | R::Supervisor),
            P::ManageStaff
            | P::PublishItems
            | P::ImportCatalog
            | P::ManageCalendar
            | P::ManageLicences => {
                matches!(role, R::BureauAdmin)
            }
            P::ViewCatalogWork => true,
            P::DraftItems => matches!(role, R::Reviewer | R::BureauAdmin),
            P::ReviewItems => matches!(role, R::LegalReviewer),
            P::HandleIntake => matches!(role, R::WindowClerk | R::BureauAdmin),
            P::ReviewCases => matches!(role, R::Reviewer),
            P::ViewFeedback => !matches!(role, R::LegalReviewer),
            P::RespondToFeedback => matches!(role, R::Reviewer | R::BureauAdmin),
            P::SuperviseFeedback | P::RecordTickets => matches!(role, R::BureauAdmin),
            P::HandleDesk => matches!(role, R::WindowClerk | R::BureauAdmin),
            P::ManageHalls => matches!(role, R::BureauAdmin),
        },
    }
}

/// Proof that the bearer passed the check for one permission; operations that need it take
/// one as an argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capability {
    permission: Permission,
    scope: Scope,
    actor: String,
}

impl Capability {
    pub fn permission(&self) -> Permission {
        self.permission
    }

    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }
}

/// Why a principal was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("请先登录")]
    NotLoggedIn,
    #[error("您没有权限进行此操作")]
    Forbidden,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role, path: &str) -> Principal {
        Principal::Staff {
            account_id: "s".into(),
            role,
            org_path: path.into(),
        }
    }

    #[test]
    fn scopes_follow_roles() {
        let town_clerk = staff(Role::WindowClerk, "640303/T640303003000");
        assert!(
            town_clerk
                .scope()
                .covers("640303/T640303003000/V640303003001")
        );
        assert!(!town_clerk.scope().covers("640303/T640303004000"));
        let admin = staff(Role::BureauAdmin, "640303/D-SPJ");
        assert!(admin.scope().covers("640303/T640303004000"));
        assert_eq!(Principal::Anonymous.scope(), Scope::Nothing);
    }

    #[test]
    fn capabilities_only_for_holders() {
        let citizen = Principal::Citizen {
            account_id: "c".into(),
        };
        assert!(citizen.capability(Permission::ApplicantSelfService).is_ok());
        assert_eq!(
            citizen.capability(Permission::StaffWorkbench),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            Principal::Anonymous.capability(Permission::ApplicantSelfService),
            Err(Denied::NotLoggedIn)
        );
        let sup = staff(Role::Supervisor, "640303/D-DCS");
        assert!(sup.capability(Permission::ViewAuditTrail).is_ok());
        assert!(sup.capability(Permission::ManageStaff).is_err());
        assert!(sup.capability(Permission::ViewPersonalData).is_err());
    }
}

/// Who may take a case step: the one rule the API, the pages and the application layer all
/// ask. The applicant acts on their own case; window clerks take intake and delivery steps
/// on any case (无差别受理); reviewers act on their department's cases.
pub fn may_act(principal: &Principal, actor: crate::case::CaseActor, case: CaseUnits<'_>) -> bool {
    use crate::case::CaseActor;
    let case_org_path = case.org_path;
    match actor {
        CaseActor::Applicant => {
            allows(principal, Permission::ApplicantSelfService)
                && principal.account_id() == Some(case.applicant_id)
        }
        CaseActor::Clerk => {
            allows(principal, Permission::HandleIntake)
                && intake_scope(principal).covers_intake(case.intake_path)
        }
        CaseActor::Reviewer => {
            allows(principal, Permission::ReviewCases) && principal.scope().covers(case_org_path)
        }
    }
}

/// What `may_act` needs to know of a case: who applied, which unit handles it, and where it
/// was taken in (`None` online).
#[derive(Debug, Clone, Copy)]
pub struct CaseUnits<'a> {
    pub applicant_id: &'a str,
    pub org_path: &'a str,
    pub intake_path: Option<&'a str>,
}

/// The cases a window clerk takes in and follows: a clerk of a town's or a village's hall
/// (their unit sits under a division code) those taken in at halls within their unit; a
/// clerk of a district unit (the bureau that runs the district centre) every case, online
/// applications included, which the district's windows take in.
pub fn intake_scope(principal: &Principal) -> Scope {
    match principal {
        Principal::Staff {
            role: Role::WindowClerk,
            org_path,
            ..
        } if local_hall_unit(org_path) => Scope::Within(org_path.clone()),
        Principal::Staff {
            role: Role::WindowClerk | Role::BureauAdmin,
            ..
        } => Scope::All,
        _ => Scope::Nothing,
    }
}

/// Whether a staff member may work a window of a hall whose unit is at `hall_path`: call
/// its queue, take numbers for people, transfer. The same reach as intake: a town's or a
/// village's clerk at their unit's halls, a district clerk and the bureau at any.
pub fn may_serve_at(principal: &Principal, hall_path: &str) -> bool {
    allows(principal, Permission::HandleIntake) && intake_scope(principal).covers(hall_path)
}

/// Which ratings, tasks, tickets and problems a staff member reads: those about cases or
/// matters handled within `handling`, or taken in at halls within `intake`. A department
/// sees its own; a clerk their unit's halls (a town clerk the town's and its villages'); the
/// bureau, the supervisors and the 12345 operators everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackReach {
    pub handling: Scope,
    pub intake: Scope,
}

impl FeedbackReach {
    pub fn of(principal: &Principal) -> Self {
        let nothing = FeedbackReach {
            handling: Scope::Nothing,
            intake: Scope::Nothing,
        };
        match principal {
            Principal::Staff { role, org_path, .. } => match role {
                Role::BureauAdmin | Role::Supervisor | Role::HotlineOperator => FeedbackReach {
                    handling: Scope::All,
                    intake: Scope::All,
                },
                Role::Reviewer => FeedbackReach {
                    handling: Scope::Within(org_path.clone()),
                    intake: Scope::Nothing,
                },
                Role::WindowClerk => FeedbackReach {
                    handling: Scope::Nothing,
                    intake: Scope::Within(org_path.clone()),
                },
                Role::LegalReviewer => nothing,
            },
            _ => nothing,
        }
    }

    /// Whether something handled at `handling_path` and taken in at `intake_path` is within.
    pub fn covers(&self, handling_path: Option<&str>, intake_path: Option<&str>) -> bool {
        handling_path.is_some_and(|p| self.handling.covers(p))
            || intake_path.is_some_and(|p| self.intake.covers(p))
    }

    pub fn is_all(&self) -> bool {
        self.handling == Scope::All
    }
}

/// Whose personal data a staff member may see (people search, a person's record): the
/// people with a case their work covers, handled within the first scope or taken in within
/// the second. A reviewer reaches their department's applicants; a town clerk those served
/// at the town's halls; district windows and the bureau everyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalDataReach {
    pub handling: Scope,
    pub intake: Scope,
}

impl PersonalDataReach {
    pub fn of(principal: &Principal) -> Self {
        if principal.capability(Permission::ViewPersonalData).is_err() {
            return PersonalDataReach {
                handling: Scope::Nothing,
                intake: Scope::Nothing,
            };
        }
        PersonalDataReach {
            handling: principal
                .capability(Permission::StaffWorkbench)
                .map(|c| c.scope().clone())
                .unwrap_or(Scope::Nothing),
            intake: intake_scope(principal),
        }
    }

    /// Everyone with a case: any case of theirs is in reach, whichever unit it is in.
    pub fn is_everyone(&self) -> bool {
        self.handling == Scope::All || self.intake == Scope::All
    }
}

/// A town or village: the path's unit below the district is a division code (digits), where
/// departments have their own codes.
pub fn local_hall_unit(org_path: &str) -> bool {
    org_path
        .split('/')
        .nth(1)
        .is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
}

impl Scope {
    /// Whether a case taken in at `intake_path` (`None`: online) lies within this scope.
    pub fn covers_intake(&self, intake_path: Option<&str>) -> bool {
        match intake_path {
            Some(path) => self.covers(path),
            None => matches!(self, Scope::All),
        }
    }
}

#[cfg(test)]
mod may_act_tests {
    use super::*;
    use crate::case::CaseActor;

    fn staff(role: Role, org_path: &str) -> Principal {
        Principal::Staff {
            account_id: "s".into(),
            role,
            org_path: org_path.into(),
        }
    }

    fn case<'a>(
        applicant_id: &'a str,
        org_path: &'a str,
        intake_path: Option<&'a str>,
    ) -> CaseUnits<'a> {
        CaseUnits {
            applicant_id,
            org_path,
            intake_path,
        }
    }

    #[test]
    fn each_step_has_its_actor() {
        let citizen = Principal::Citizen {
            account_id: "a".into(),
        };
        let online = case("a", "640303/D-SJJ", None);
        assert!(may_act(&citizen, CaseActor::Applicant, online));
        assert!(!may_act(
            &citizen,
            CaseActor::Applicant,
            case("b", "640303/D-SJJ", None)
        ));
        assert!(!may_act(&citizen, CaseActor::Clerk, online));
        let district_clerk = staff(Role::WindowClerk, "640303/D-SPJ");
        assert!(may_act(&district_clerk, CaseActor::Clerk, online));
        assert!(!may_act(&district_clerk, CaseActor::Reviewer, online));
        let reviewer = staff(Role::Reviewer, "640303/D-SJJ");
        assert!(may_act(&reviewer, CaseActor::Reviewer, online));
        assert!(!may_act(
            &reviewer,
            CaseActor::Reviewer,
            case("a", "640303/D-RSJ", None)
        ));
        assert!(!may_act(
            &reviewer,
            CaseActor::Applicant,
            case("s", "640303/D-SJJ", None)
        ));
        let supervisor = staff(Role::Supervisor, "640303");
        for actor in [CaseActor::Applicant, CaseActor::Clerk, CaseActor::Reviewer] {
            assert!(
                !may_act(&supervisor, actor, case("s", "640303/D-SJJ", None)),
                "reads, never acts"
            );
        }
    }

    /// A town's clerk handles what the town's halls took in, and nothing of the district's
    /// online applications or of another town.
    #[test]
    fn a_town_clerk_handles_the_cases_its_halls_took_in() {
        let town = "640303/640303200000";
        let dahe = staff(Role::WindowClerk, town);
        assert_eq!(intake_scope(&dahe), Scope::Within(town.into()));
        let at_town = case("a", "640303/D-SJJ", Some(town));
        let at_village = case(
            "a",
            "640303/D-SJJ",
            Some("640303/640303200000/640303200201"),
        );
        let elsewhere = case("a", "640303/D-SJJ", Some("640303/640303100000"));
        let online = case("a", "640303/D-SJJ", None);
        assert!(may_act(&dahe, CaseActor::Clerk, at_town));
        assert!(may_act(&dahe, CaseActor::Clerk, at_village));
        assert!(!may_act(&dahe, CaseActor::Clerk, elsewhere));
        assert!(!may_act(&dahe, CaseActor::Clerk, online));
        let village = staff(Role::WindowClerk, "640303/640303200000/640303200201");
        assert!(may_act(&village, CaseActor::Clerk, at_village));
        assert!(!may_act(&village, CaseActor::Clerk, at_town));
        let district = staff(Role::WindowClerk, "640303/D-SPJ");
        for c in [at_town, at_village, elsewhere, online] {
            assert!(may_act(&district, CaseActor::Clerk, c));
        }
    }
}
