//! The person at a window, as the clerk typed them in: the intake page's form fields and
//! the API's `applicant` object share this shape.

/// A window application's applicant and assistance, as the clerk entered them.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct WindowFields {
    /// `citizen` (resident ID) or `enterprise` (credit code).
    pub kind: String,
    pub id_number: String,
    pub name: String,
    pub phone: String,
    pub id_checked: bool,
    pub mode: String,
    pub consent: bool,
    pub agent_name: String,
    pub agent_id: String,
    pub relationship: String,
}

impl WindowFields {
    /// The fields as the domain checks them.
    pub fn form(&self) -> tongban_domain::case::WindowForm<'_> {
        tongban_domain::case::WindowForm {
            kind: &self.kind,
            id_number: &self.id_number,
            name: &self.name,
            phone: &self.phone,
            id_checked: self.id_checked,
            mode: &self.mode,
            consent: self.consent,
            agent_name: &self.agent_name,
            agent_id: &self.agent_id,
            relationship: &self.relationship,
        }
    }
}
