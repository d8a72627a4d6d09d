//! One-time codes: an SMS code to reset a password, a printed claim code handed over at a
//! window. Short codes are safe only because each is limited in tries and time; the store
//! keeps their digest and counts the tries.

use chrono::{DateTime, Duration, Utc};

/// What a code is for, and so its shape and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose {
    /// 找回密码: six digits by SMS to the account's phone.
    Reset,
    /// 认领账号: eight letters and digits printed at a window.
    Claim,
}

/// Letters and digits that cannot be misread for one another (no 0/O, 1/I/L).
const CLAIM_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

impl CodePurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            CodePurpose::Reset => "reset",
            CodePurpose::Claim => "claim",
        }
    }

    /// How long a code stays usable: an SMS is read at once; a printed slip goes home first.
    pub fn lifetime(self) -> Duration {
        match self {
            CodePurpose::Reset => Duration::minutes(10),
            CodePurpose::Claim => Duration::days(7),
        }
    }

    /// Wrong entries before the code is spent (a new one must be requested).
    pub fn max_tries(self) -> u32 {
        5
    }

    /// How many random bytes `code_from` reads.
    pub fn random_bytes(self) -> usize {
        8
    }

    /// The code made from `random` bytes (at least `random_bytes`), as it is shown: six
    /// digits, or `XXXX-XXXX` from the unambiguous alphabet.
    pub fn code_from(self, random: &[u8]) -> String {
        match self {
            CodePurpose::Reset => {
                let n = random
                    .iter()
                    .take(8)
                    .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
                format!("{:06}", n % 1_000_000)
            }
            CodePurpose::Claim => {
                let chars: String = random
                    .iter()
                    .take(8)
                    .map(|b| CLAIM_ALPHABET[usize::from(*b) % CLAIM_ALPHABET.len()] as char)
                    .collect();
                format!("{}-{}", &chars[..4], &chars[4..])
            }
        }
    }
}

/// A code as typed, in the form its digest was taken of: blanks and dashes dropped,
/// letters upper-case.
pub fn normalise_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A stored code's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredCode {
    pub purpose: CodePurpose,
    pub tries: u32,
    pub expires_at: DateTime<Utc>,
    pub used: bool,
}

/// Whether a code may still be tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    Usable,
    Used,
    Expired,
    Exhausted,
}

impl StoredCode {
    pub fn check(&self, now: DateTime<Utc>) -> CodeCheck {
        if self.used {
            CodeCheck::Used
        } else if self.expires_at <= now {
            CodeCheck::Expired
        } else if self.tries >= self.purpose.max_tries() {
            CodeCheck::Exhausted
        } else {
            CodeCheck::Usable
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn codes_have_their_shape_and_survive_typing(bytes in proptest::collection::vec(any::<u8>(), 8)) {
            let sms = CodePurpose::Reset.code_from(&bytes);
            prop_assert_eq!(sms.len(), 6);
            prop_assert!(sms.chars().all(|c| c.is_ascii_digit()));
            let slip = CodePurpose::Claim.code_from(&bytes);
            prop_assert_eq!(slip.len(), 9);
            prop_assert!(!slip.contains(['0', 'O', '1', 'I', 'L']));
            let typed = format!(" {} ", slip.to_lowercase().replace('-', " "));
            prop_assert_eq!(normalise_code(&typed), normalise_code(&slip));
        }
    }

    #[test]
    fn a_code_is_spent_by_use_time_or_tries() {
        let now = DateTime::parse_from_rfc3339("2026-11-27T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let code = StoredCode {
            purpose: CodePurpose::Reset,
            tries: 0,
            expires_at: now + CodePurpose::Reset.lifetime(),
            used: false,
        };
        assert_eq!(code.check(now), CodeCheck::Usable);
        assert_eq!(code.check(now + Duration::minutes(10)), CodeCheck::Expired);
        assert_eq!(
            StoredCode { tries: 5, ..code }.check(now),
            CodeCheck::Exhausted
        );
        assert_eq!(
            StoredCode { used: true, ..code }.check(now),
            CodeCheck::Used
        );
    }
}
