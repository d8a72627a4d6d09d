//! Accounts and roles: who a principal is, in the words of the plan.

use serde::Serialize;

/// The kind of account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// 自然人: a citizen identified by a resident ID number.
    Citizen,
    /// 法人: an enterprise identified by a unified social credit code.
    Enterprise,
    /// Government staff, who belong to one org unit and hold one role.
    Staff,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Enterprise => "enterprise",
            Self::Staff => "staff",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "citizen" => Some(Self::Citizen),
            "enterprise" => Some(Self::Enterprise),
            "staff" => Some(Self::Staff),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Citizen => "个人",
            Self::Enterprise => "企业",
            Self::Staff => "工作人员",
        }
    }
}

/// A staff member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 窗口工作人员: takes applications at a window of a hall.
    WindowClerk,
    /// 部门审核人员: reviews and decides cases of one department.
    Reviewer,
    /// 审批服务管理局管理员: owns the catalog, the halls and the assessment.
    BureauAdmin,
    /// 司法局合法性审查人员.
    LegalReviewer,
    /// 督查考核人员: reads everything, changes nothing.
    Supervisor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Self::WindowClerk,
        Self::Reviewer,
        Self::BureauAdmin,
        Self::LegalReviewer,
        Self::Supervisor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::WindowClerk => "window_clerk",
            Self::Reviewer => "reviewer",
            Self::BureauAdmin => "bureau_admin",
            Self::LegalReviewer => "legal_reviewer",
            Self::Supervisor => "supervisor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::WindowClerk => "窗口工作人员",
            Self::Reviewer => "部门审核人员",
            Self::BureauAdmin => "审批服务管理局管理员",
            Self::LegalReviewer => "司法局合法性审查人员",
            Self::Supervisor => "督查考核人员",
        }
    }
}
