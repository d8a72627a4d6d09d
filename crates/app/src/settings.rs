//! The tunables of the use cases, set from the binary's configuration (file, environment,
//! flags). Defaults are the values the platform shipped with.

use tongban_domain::throttle::ThrottlePolicy;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Login throttling.
    pub throttle: ThrottlePolicy,
    /// The platform operator's unified social credit code (the Approval Services Bureau):
    /// the issuer code of licences imported from other systems and of platform licence types.
    pub platform_credit_code: String,
    /// Working days an applicant has to supply 容缺 materials after acceptance.
    pub deficiency_supply_working_days: u32,
    /// Working days a department has to verify a 告知承诺 commitment.
    pub commitment_verification_working_days: u32,
    /// A case is "due soon" within this many working days of its promised date.
    pub due_soon_working_days: u32,
    /// The trusted identity provider people may sign in with (省统一身份认证), if any.
    pub provincial_login: Option<crate::identity::provincial::ProvincialLogin>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            throttle: ThrottlePolicy::default(),
            platform_credit_code: tongban_store::demo::demo_credit_code(1),
            deficiency_supply_working_days: tongban_domain::case::DEFICIENCY_SUPPLY_WORKING_DAYS,
            commitment_verification_working_days:
                tongban_domain::case::COMMITMENT_VERIFICATION_WORKING_DAYS,
            due_soon_working_days: 1,
            provincial_login: None,
        }
    }
}
