//! How far an account's identity is known (身份认证等级), and the one-time codes that claim
//! or recover an account.
//!
//! Registering online checks only the number's check digit, so anyone can type another
//! person's ID number. Such an account may apply (the case is theirs to follow), but the
//! licences filed under that number — seeing, presenting, reading form data from them
//! (免填写), waiving materials with them (免提交) — wait until the identity is verified: by a
//! clerk who saw the document, or by a trusted identity provider.

pub mod oidc;
mod one_time;

pub use one_time::{CodeCheck, CodePurpose, StoredCode, normalise_code};

use serde::Serialize;

/// An account's assurance level, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Assurance {
    /// 自行注册: the number's check digit only.
    SelfRegistered,
    /// 窗口核验: a clerk checked the ID document; name and number match it.
    WindowVerified,
    /// 可信身份认证: a trusted identity provider (the provincial login) vouched for it.
    ProviderVerified,
    /// 法定代表人核验: an enterprise whose legal representative was verified.
    LegalRepresentativeVerified,
}

/// What a self-registered person is told about reaching their licences.
pub const HOW_TO_VERIFY: &str = "您的账号尚未完成实名核验，暂不能查看、出示或复用证照。\
请携带身份证件到任一政务服务大厅窗口核验（本平台开通省统一身份认证后，也可用其登录完成核验），核验后即可使用。";

impl Assurance {
    pub const ALL: [Assurance; 4] = [
        Assurance::SelfRegistered,
        Assurance::WindowVerified,
        Assurance::ProviderVerified,
        Assurance::LegalRepresentativeVerified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Assurance::SelfRegistered => "self_registered",
            Assurance::WindowVerified => "window_verified",
            Assurance::ProviderVerified => "provider_verified",
            Assurance::LegalRepresentativeVerified => "legal_representative_verified",
        }
    }

    pub fn parse(s: &str) -> Option<Assurance> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The level in words, for the account page and the staff lookup.
    pub fn label(self) -> &'static str {
        match self {
            Assurance::SelfRegistered => "自行注册（未核验）",
            Assurance::WindowVerified => "窗口实名核验",
            Assurance::ProviderVerified => "可信身份认证",
            Assurance::LegalRepresentativeVerified => "法定代表人核验",
        }
    }

    /// Whether the holder of the account may see, present and reuse the licences filed
    /// under its number.
    pub fn reaches_licences(self) -> bool {
        self != Assurance::SelfRegistered
    }

    /// The level after a verification of `kind`: never lowered by a weaker check.
    pub fn raised_to(self, to: Assurance) -> Assurance {
        self.max(to)
    }
}

impl TryFrom<String> for Assurance {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Assurance::parse(&s).ok_or_else(|| format!("未知的认证等级 {s}"))
    }
}

/// Whether a name read from an ID record is the account's: the same characters, apart
/// from surrounding blanks and the middle dot of minority names typed in either of its forms.
pub fn same_name(a: &str, b: &str) -> bool {
    fn canon(s: &str) -> String {
        s.trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '•' | '‧' | '∙' | '．' | '.' => '·',
                c => c,
            })
            .collect()
    }
    canon(a) == canon(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_round_trip_and_only_self_registration_is_kept_from_licences() {
        for a in Assurance::ALL {
            assert_eq!(Assurance::parse(a.as_str()), Some(a));
            assert_eq!(a.reaches_licences(), a != Assurance::SelfRegistered);
        }
        assert_eq!(
            Assurance::ProviderVerified.raised_to(Assurance::WindowVerified),
            Assurance::ProviderVerified
        );
    }

    #[test]
    fn names_compare_by_their_characters() {
        assert!(same_name(" 张三 ", "张三"));
        assert!(same_name("阿依古丽•买买提", "阿依古丽·买买提"));
        assert!(!same_name("张三", "张叁"));
    }
}
