//! National identity codes with their check characters, as validated newtypes.
//!
//! `ResidentId` follows GB 11643 (18-character citizen identity number), `CreditCode`
//! follows GB 32100 (18-character unified social credit code). Input is trimmed and
//! upper-cased before checking because people type a lower-case `x`; a value that parses is
//! always in canonical form.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::validation::FieldRule;

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// An 18-character resident identity number whose check character and birth date are valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ResidentId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    #[error("身份证号码应为 18 位")]
    Length,
    #[error("身份证号码前 17 位只能是数字，最后一位是数字或 X")]
    Characters,
    #[error("身份证号码中的出生日期不存在")]
    BirthDate,
    #[error("身份证号码校验位不正确，请核对后重新输入")]
    CheckDigit,
}

impl FieldRule for ResidentIdError {
    fn code(&self) -> &'static str {
        match self {
            Self::Length => "length",
            Self::Characters => "format",
            Self::BirthDate => "birth_date",
            Self::CheckDigit => "check_digit",
        }
    }
}

/// The GB 11643 check character for the first 17 digits.
pub fn resident_id_check_char(first17: &[u8; 17]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(ID_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    ID_CHECK[(sum % 11) as usize] as char
}

impl ResidentId {
    pub fn parse(input: &str) -> Result<Self, ResidentIdError> {
        let s = input.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if s.chars().count() != 18 {
            return Err(ResidentIdError::Length);
        }
        if b.len() != 18
            || !b[..17].iter().all(u8::is_ascii_digit)
            || !(b[17].is_ascii_digit() || b[17] == b'X')
        {
            return Err(ResidentIdError::Characters);
        }
        let first17: &[u8; 17] = b[..17].try_into().map_err(|_| ResidentIdError::Length)?;
        if resident_id_check_char(first17) != b[17] as char {
            return Err(ResidentIdError::CheckDigit);
        }
        let id = ResidentId(s);
        if id.birth_date().is_none() {
            return Err(ResidentIdError::BirthDate);
        }
        Ok(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit GB/T 2260 division code of the place of registration at issue.
    pub fn division_code(&self) -> &str {
        &self.0[..6]
    }

    pub fn birth_date(&self) -> Option<NaiveDate> {
        let y = self.0[6..10].parse().ok()?;
        let m = self.0[10..12].parse().ok()?;
        let d = self.0[12..14].parse().ok()?;
        NaiveDate::from_ymd_opt(y, m, d).filter(|_| y >= 1800)
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The GB 32100 alphabet: digits and capitals without I, O, Z, S, V.
pub const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// An 18-character unified social credit code whose check character is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("统一社会信用代码应为 18 位")]
    Length,
    #[error("统一社会信用代码只能包含数字和大写字母（不含 I、O、Z、S、V）")]
    Characters,
    #[error("统一社会信用代码校验位不正确，请核对后重新输入")]
    CheckDigit,
}

impl FieldRule for CreditCodeError {
    fn code(&self) -> &'static str {
        match self {
            Self::Length => "length",
            Self::Characters => "format",
            Self::CheckDigit => "check_digit",
        }
    }
}

fn credit_value(c: u8) -> Option<u32> {
    CREDIT_ALPHABET
        .iter()
        .position(|&a| a == c)
        .map(|p| p as u32)
}

/// The GB 32100 check character for the first 17 characters, or `None` if one of them is
/// outside the alphabet.
pub fn credit_code_check_char(first17: &[u8]) -> Option<char> {
    let mut sum = 0;
    for (c, w) in first17.iter().zip(CREDIT_WEIGHTS) {
        sum += credit_value(*c)? * w;
    }
    Some(CREDIT_ALPHABET[((31 - sum % 31) % 31) as usize] as char)
}

impl CreditCode {
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let s = input.trim().to_ascii_uppercase();
        if s.chars().count() != 18 {
            return Err(CreditCodeError::Length);
        }
        let b = s.as_bytes();
        if b.len() != 18 || !b.iter().all(|c| credit_value(*c).is_some()) {
            return Err(CreditCodeError::Characters);
        }
        match credit_code_check_char(&b[..17]) {
            Some(c) if c == b[17] as char => Ok(CreditCode(s)),
            _ => Err(CreditCodeError::CheckDigit),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mainland mobile number: 11 digits starting 13–19.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Phone(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("请输入 11 位手机号码，以 13 至 19 开头")]
    Format,
}

impl FieldRule for PhoneError {
    fn code(&self) -> &'static str {
        "format"
    }
}

impl Phone {
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let s: String = input
            .trim()
            .chars()
            .filter(|c| *c != ' ' && *c != '-')
            .collect();
        let b = s.as_bytes();
        if b.len() == 11 && b.iter().all(u8::is_ascii_digit) && b[0] == b'1' && b[1] >= b'3' {
            Ok(Phone(s))
        } else {
            Err(PhoneError::Format)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that meets the platform's minimum: 8–128 characters with letters and digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("密码至少 8 位")]
    TooShort,
    #[error("密码不能超过 128 位")]
    TooLong,
    #[error("密码须同时包含字母和数字")]
    TooSimple,
}

impl FieldRule for PasswordError {
    fn code(&self) -> &'static str {
        match self {
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::TooSimple => "too_simple",
        }
    }
}

impl Password {
    pub fn parse(input: &str) -> Result<Self, PasswordError> {
        let n = input.chars().count();
        if n < 8 {
            Err(PasswordError::TooShort)
        } else if n > 128 {
            Err(PasswordError::TooLong)
        } else if !input.chars().any(|c| c.is_ascii_alphabetic())
            || !input.chars().any(|c| c.is_ascii_digit())
        {
            Err(PasswordError::TooSimple)
        } else {
            Ok(Password(input.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A staff user name: 3–32 lower-case letters, digits, `_`, `.` or `-`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("用户名为 3 至 32 位小写字母、数字、下划线、点或连字符")]
    Format,
}

impl FieldRule for UsernameError {
    fn code(&self) -> &'static str {
        "format"
    }
}

impl Username {
    pub fn parse(input: &str) -> Result<Self, UsernameError> {
        let s = input.trim();
        let ok = (3..=32).contains(&s.len())
            && s.bytes().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'.' | b'-')
            });
        if ok {
            Ok(Username(s.to_owned()))
        } else {
            Err(UsernameError::Format)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn standard_examples() {
        assert!(ResidentId::parse("11010519491231002X").is_ok());
        assert!(ResidentId::parse("11010519491231002x").is_ok());
        assert_eq!(
            ResidentId::parse("110105194912310021"),
            Err(ResidentIdError::CheckDigit)
        );
        assert_eq!(
            ResidentId::parse("1101051949"),
            Err(ResidentIdError::Length)
        );
        assert_eq!(
            ResidentId::parse("11010519491231X02X"),
            Err(ResidentIdError::Characters)
        );
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert!(CreditCode::parse("12100000400009880K").is_ok());
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::CheckDigit)
        );
        assert_eq!(
            CreditCode::parse("91350100I000100Y43"),
            Err(CreditCodeError::Characters)
        );
    }

    #[test]
    fn impossible_birth_date_is_rejected() {
        let mut first: [u8; 17] = *b"64030319900230123";
        let check = resident_id_check_char(&first);
        let s = format!("{}{}", std::str::from_utf8(&first).unwrap(), check);
        assert_eq!(ResidentId::parse(&s), Err(ResidentIdError::BirthDate));
        first[12] = b'1';
        let check = resident_id_check_char(&first);
        let s = format!("{}{}", std::str::from_utf8(&first).unwrap(), check);
        let id = ResidentId::parse(&s).unwrap();
        assert_eq!(id.division_code(), "640303");
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1990, 2, 10));
    }

    #[test]
    fn phones_and_passwords() {
        assert!(Phone::parse("138 0000 1234").is_ok());
        assert!(Phone::parse("12800001234").is_err());
        assert!(Phone::parse("1380000123").is_err());
        assert_eq!(Password::parse("abc"), Err(PasswordError::TooShort));
        assert_eq!(Password::parse("abcdefgh"), Err(PasswordError::TooSimple));
        assert!(Password::parse("Hongsibu2026").is_ok());
        assert!(Username::parse("clerk_dahe").is_ok());
        assert!(Username::parse("Clerk").is_err());
    }

    fn valid_resident_id() -> impl Strategy<Value = String> {
        (
            100000u32..=659999,
            1900i32..=2025,
            1u32..=12,
            1u32..=28,
            0u32..=999,
        )
            .prop_map(|(region, y, m, d, seq)| {
                let first = format!("{region:06}{y:04}{m:02}{d:02}{seq:03}");
                let arr: [u8; 17] = first.as_bytes().try_into().unwrap();
                format!("{first}{}", resident_id_check_char(&arr))
            })
    }

    fn valid_credit_code() -> impl Strategy<Value = String> {
        proptest::collection::vec(0usize..31, 17).prop_map(|idx| {
            let first: Vec<u8> = idx.iter().map(|i| CREDIT_ALPHABET[*i]).collect();
            let check = credit_code_check_char(&first).unwrap();
            format!("{}{}", String::from_utf8(first).unwrap(), check)
        })
    }

    /// Characters a typo could plausibly produce, including ones outside both alphabets.
    const TYPO_CHARS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-* ";

    proptest! {
        #[test]
        fn generated_resident_ids_are_accepted(id in valid_resident_id()) {
            prop_assert_eq!(ResidentId::parse(&id).map(|v| v.0), Ok(id));
        }

        #[test]
        fn any_single_change_to_a_resident_id_is_rejected(
            id in valid_resident_id(), pos in 0usize..18, rep in 0usize..TYPO_CHARS.len()
        ) {
            let mut bytes = id.clone().into_bytes();
            prop_assume!(bytes[pos] != TYPO_CHARS[rep]);
            bytes[pos] = TYPO_CHARS[rep];
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(ResidentId::parse(&changed).is_err(), "{} accepted", changed);
        }

        #[test]
        fn generated_credit_codes_are_accepted(code in valid_credit_code()) {
            prop_assert_eq!(CreditCode::parse(&code).map(|v| v.0), Ok(code));
        }

        #[test]
        fn any_single_change_to_a_credit_code_is_rejected(
            code in valid_credit_code(), pos in 0usize..18, rep in 0usize..TYPO_CHARS.len()
        ) {
            let mut bytes = code.clone().into_bytes();
            prop_assume!(bytes[pos] != TYPO_CHARS[rep]);
            bytes[pos] = TYPO_CHARS[rep];
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(CreditCode::parse(&changed).is_err(), "{} accepted", changed);
        }
    }
}
