//! The person at a window: their identity as the clerk checked it and how they were helped
//! (本人 / 帮办 / 代办).

use serde::Serialize;

/// The person at a window, as the clerk identified them: the number checked by its check
/// digit, the document seen (the clerk's tick), how they are helped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowApplicant {
    pub kind: crate::account::AccountKind,
    /// Resident ID number or credit code, canonical: the account's login.
    pub login: String,
    pub name: String,
    pub phone: Option<String>,
    pub assistance: Assistance,
}

/// The window form's fields for one applicant, as entered.
#[derive(Debug, Clone, Copy)]
pub struct WindowForm<'a> {
    /// `enterprise` (credit code); anything else a citizen (resident ID).
    pub kind: &'a str,
    pub id_number: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
    pub id_checked: bool,
    pub mode: &'a str,
    pub consent: bool,
    pub agent_name: &'a str,
    pub agent_id: &'a str,
    pub relationship: &'a str,
}

impl WindowApplicant {
    /// Every field checked at once; errors by field.
    pub fn parse(f: WindowForm<'_>) -> Result<Self, crate::ValidationErrors> {
        use crate::account::AccountKind;
        use crate::codes::{CreditCode, Phone, ResidentId};
        let mut e = crate::ValidationErrors::new();
        let kind = if f.kind == "enterprise" {
            AccountKind::Enterprise
        } else {
            AccountKind::Citizen
        };
        let login = match kind {
            AccountKind::Enterprise => e
                .check("id_number", CreditCode::parse(f.id_number))
                .map(|c| c.as_str().to_owned()),
            _ => e
                .check("id_number", ResidentId::parse(f.id_number))
                .map(|c| c.as_str().to_owned()),
        };
        let name = e.check("name", crate::validation::required_text(f.name, 100));
        let phone = if f.phone.trim().is_empty() {
            None
        } else {
            e.check("phone", Phone::parse(f.phone))
                .map(|p| p.as_str().to_owned())
        };
        if !f.id_checked {
            e.add(
                "id_checked",
                "required",
                "请核验申请人的身份证件（或营业执照）原件后勾选确认",
            );
        }
        let assistance = match Assistance::from_form(
            f.mode,
            f.consent,
            f.agent_name,
            f.agent_id,
            f.relationship,
        ) {
            Ok(a) => Some(a),
            Err(v) => {
                for x in v.errors {
                    e.add(&x.field, x.code, x.message);
                }
                None
            }
        };
        match (login, name, assistance) {
            (Some(login), Some(name), Some(assistance)) if e.is_empty() => Ok(WindowApplicant {
                kind,
                login,
                name,
                phone,
                assistance,
            }),
            _ => Err(e),
        }
    }

    /// An existing account is this person only if its name and kind agree with the
    /// document the clerk saw.
    pub fn is(&self, name: &str, kind: crate::account::AccountKind) -> bool {
        self.name == name && self.kind == kind
    }
}

/// 帮办代办: who acted at the window, for whom, and the applicant's consent on record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Assistance {
    /// The applicant came in person and filed through the clerk.
    InPerson,
    /// 帮办: staff filled in and filed for an applicant who is present and agreed.
    Assisted,
    /// 代办: an agent acts for the applicant, who authorised it.
    Proxy {
        agent_name: String,
        /// The agent's resident ID number, checked by its check digit.
        agent_id: String,
        relationship: String,
    },
}

impl Assistance {
    /// Reads the window form's choice: `mode` is `in_person`, `assisted` or `proxy`; help
    /// and proxy handling need the applicant's consent ticked, proxy handling the agent.
    pub fn from_form(
        mode: &str,
        consent: bool,
        agent_name: &str,
        agent_id: &str,
        relationship: &str,
    ) -> Result<Self, crate::ValidationErrors> {
        let mut e = crate::ValidationErrors::new();
        let a = match mode {
            "in_person" => Some(Self::InPerson),
            "assisted" => Some(Self::Assisted),
            "proxy" => {
                let name = e.check(
                    "agent_name",
                    crate::validation::required_text(agent_name, 50),
                );
                let id = e.check("agent_id", crate::codes::ResidentId::parse(agent_id));
                let rel = e.check(
                    "relationship",
                    crate::validation::required_text(relationship, 50),
                );
                match (name, id, rel) {
                    (Some(agent_name), Some(id), Some(relationship)) => Some(Self::Proxy {
                        agent_name,
                        agent_id: id.as_str().to_owned(),
                        relationship,
                    }),
                    _ => None,
                }
            }
            _ => {
                e.add("mode", "unknown", "请选择办理方式");
                None
            }
        };
        if matches!(mode, "assisted" | "proxy") && !consent {
            e.add(
                "consent",
                "required",
                "帮办代办须经申请人同意，请确认已取得申请人同意（代办须有授权委托书）",
            );
        }
        e.into_result()?;
        a.ok_or_else(crate::ValidationErrors::new)
    }

    /// As staff read it, with the agent's ID number masked.
    pub fn describe(&self) -> String {
        match self {
            Self::InPerson => "本人到窗口办理".to_owned(),
            Self::Assisted => "帮办：工作人员代为填报，申请人在场并同意".to_owned(),
            Self::Proxy {
                agent_name,
                agent_id,
                relationship,
            } => format!(
                "代办：{}（{}，身份证 {}）受申请人委托办理",
                crate::mask::mask_name(agent_name),
                relationship,
                crate::mask::mask_id_number(agent_id)
            ),
        }
    }
}
