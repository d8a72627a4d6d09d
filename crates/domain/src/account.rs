//! Accounts and roles: who a principal is, in the words of the plan.

use serde::Serialize;

use crate::codes::{CreditCode, Password, Phone, ResidentId};
use crate::validation::{ValidationErrors, required_text};

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
    /// 12345 热线话务员: records calls and calls people back.
    HotlineOperator,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Self::WindowClerk,
        Self::Reviewer,
        Self::BureauAdmin,
        Self::LegalReviewer,
        Self::Supervisor,
        Self::HotlineOperator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::WindowClerk => "window_clerk",
            Self::Reviewer => "reviewer",
            Self::BureauAdmin => "bureau_admin",
            Self::LegalReviewer => "legal_reviewer",
            Self::Supervisor => "supervisor",
            Self::HotlineOperator => "hotline_operator",
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
            Self::HotlineOperator => "12345 热线话务员",
        }
    }
}

/// The raw fields of a registration, as a form or JSON body gives them.
#[derive(Debug, Clone, Default)]
pub struct RegistrationInput {
    pub kind: String,
    pub name: String,
    pub id_number: String,
    pub credit_code: String,
    pub legal_representative: String,
    pub phone: String,
    pub password: String,
}

/// A registration whose every field has been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    Citizen {
        name: String,
        id_number: ResidentId,
        phone: Phone,
        password: Password,
    },
    Enterprise {
        name: String,
        credit_code: CreditCode,
        legal_representative: String,
        phone: Phone,
        password: Password,
    },
}

impl Registration {
    /// Validates every field at once, so people fix them all in one go.
    pub fn parse(input: &RegistrationInput) -> Result<Registration, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let kind = match input.kind.as_str() {
            "citizen" => Some(AccountKind::Citizen),
            "enterprise" => Some(AccountKind::Enterprise),
            _ => {
                errs.add("kind", "invalid", "请选择个人或企业注册");
                None
            }
        };
        let max_name = if kind == Some(AccountKind::Enterprise) {
            100
        } else {
            40
        };
        let name = errs.check("name", required_text(&input.name, max_name));
        let phone = errs.check("phone", Phone::parse(&input.phone));
        let password = errs.check("password", Password::parse(&input.password));
        match kind {
            Some(AccountKind::Citizen) => {
                let id = errs.check("id_number", ResidentId::parse(&input.id_number));
                match (name, id, phone, password) {
                    (Some(name), Some(id_number), Some(phone), Some(password))
                        if errs.is_empty() =>
                    {
                        Ok(Registration::Citizen {
                            name,
                            id_number,
                            phone,
                            password,
                        })
                    }
                    _ => Err(errs),
                }
            }
            Some(_) => {
                let code = errs.check("credit_code", CreditCode::parse(&input.credit_code));
                let rep = errs.check(
                    "legal_representative",
                    required_text(&input.legal_representative, 40),
                );
                match (name, code, rep, phone, password) {
                    (
                        Some(name),
                        Some(credit_code),
                        Some(legal_representative),
                        Some(phone),
                        Some(password),
                    ) if errs.is_empty() => Ok(Registration::Enterprise {
                        name,
                        credit_code,
                        legal_representative,
                        phone,
                        password,
                    }),
                    _ => Err(errs),
                }
            }
            None => Err(errs),
        }
    }

    /// The field that carries the registered number: where a "taken" error belongs.
    pub fn number_field(&self) -> &'static str {
        match self {
            Registration::Citizen { .. } => "id_number",
            Registration::Enterprise { .. } => "credit_code",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: &str) -> RegistrationInput {
        RegistrationInput {
            kind: kind.into(),
            name: "马秀兰".into(),
            id_number: "11010519491231002X".into(),
            credit_code: "91350100M000100Y43".into(),
            legal_representative: "丁文华".into(),
            phone: "13909531234".into(),
            password: "Hongsibu2026".into(),
        }
    }

    #[test]
    fn valid_registrations() {
        assert!(matches!(
            Registration::parse(&input("citizen")),
            Ok(Registration::Citizen { .. })
        ));
        assert!(matches!(
            Registration::parse(&input("enterprise")),
            Ok(Registration::Enterprise { .. })
        ));
    }

    #[test]
    fn every_bad_field_is_reported() {
        let mut i = input("citizen");
        i.id_number = "110105194912310021".into();
        i.phone = "123".into();
        i.name = String::new();
        let errs = Registration::parse(&i).unwrap_err();
        let fields: Vec<_> = errs.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "phone", "id_number"]);
        assert_eq!(errs.errors[2].code, "check_digit");
        assert!(errs.message_for("id_number").unwrap().contains("校验位"));

        let mut e = input("enterprise");
        e.credit_code = "91350100M000100Y44".into();
        let errs = Registration::parse(&e).unwrap_err();
        assert_eq!(errs.errors[0].field, "credit_code");
        assert!(Registration::parse(&input("robot")).is_err());
    }
}
