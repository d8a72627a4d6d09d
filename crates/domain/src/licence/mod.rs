//! The electronic licence library's rules (电子证照, GB/T 36901–36905): licence types, the
//! GB/T 36904 identifier with its ISO 7064 check character, the canonical encoding a seal
//! signs, verification verdicts, short-lived presentations (亮证) and reuse of held licences
//! in applications (免提交 / 免填写).

pub mod compact;

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ValidationErrors;
use crate::catalog::{MaterialSource, ServiceItem};
use crate::seal;

/// Whose licence it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolderKind {
    /// A natural person, identified by the resident ID number.
    Person,
    /// An enterprise or organisation, identified by the unified social credit code.
    Organisation,
}

impl HolderKind {
    /// Whose licence an account of `kind` holds: a person's or an organisation's.
    pub fn of(kind: crate::account::AccountKind) -> Self {
        match kind {
            crate::account::AccountKind::Enterprise => Self::Organisation,
            _ => Self::Person,
        }
    }

    /// The holder ID type code of the licence standard.
    pub fn id_type(self) -> &'static str {
        match self {
            Self::Person => "111",
            Self::Organisation => "001",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Person => "自然人",
            Self::Organisation => "法人和其他组织",
        }
    }
}

/// One data item a licence of a type carries (照面信息).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceField {
    /// ASCII key, e.g. `address`.
    pub key: String,
    pub label: String,
    /// Other names the application form may give it (an item's form says 经营者姓名 where
    /// the licence says 经营者), tried after the label and the key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<String>,
}

/// A licence type of the catalog (证照目录).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceType {
    /// The defining body's credit code + 3 digits (GB/T 36903).
    pub code: String,
    /// The name materials refer to, e.g. 营业执照.
    pub name: String,
    /// The issuing department's unit code when a department of the district issues it.
    #[serde(default)]
    pub issuer_org: Option<String>,
    pub issuer_name: String,
    pub holder_kind: HolderKind,
    #[serde(default)]
    pub fields: Vec<LicenceField>,
    /// Years a licence stays valid; 0 for 长期有效.
    #[serde(default)]
    pub validity_years: u32,
}

impl LicenceType {
    /// The licence's data items filled from an application's form (field name → value):
    /// each item from the first of its label, its key and its other names that the form
    /// holds, blank values left out.
    pub fn fill(&self, form: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        self.fields
            .iter()
            .filter_map(|f| {
                std::iter::once(&f.label)
                    .chain(std::iter::once(&f.key))
                    .chain(&f.from)
                    .find_map(|name| form.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()))
                    .map(|v| (f.key.clone(), v.to_owned()))
            })
            .collect()
    }

    /// Checks a type as an integrating system submits it; errors by field.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::new();
        let body = self.code.get(..18).unwrap_or_default();
        if self.code.len() != 21
            || crate::codes::CreditCode::parse(body).is_err()
            || !self.code[18..].bytes().all(|b| b.is_ascii_digit())
        {
            e.add(
                "code",
                "format",
                "证照类型代码应为定义机构的统一社会信用代码加 3 位数字",
            );
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 50 {
            e.add("name", "required", "请填写证照名称（50 字以内）");
        }
        if self.issuer_name.trim().is_empty() {
            e.add("issuer_name", "required", "请填写发证机构");
        }
        if self.validity_years > 100 {
            e.add("validity_years", "range", "有效期年数应在 0 至 100 之间");
        }
        for (i, f) in self.fields.iter().enumerate() {
            let key_ok = !f.key.is_empty()
                && f.key.len() <= 40
                && f.key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !key_ok {
                e.add(
                    &format!("fields[{i}].key"),
                    "format",
                    "字段键只能由小写字母、数字和下划线组成",
                );
            }
            if f.label.trim().is_empty() {
                e.add(&format!("fields[{i}].label"), "required", "请填写字段名称");
            }
        }
        e.into_result()
    }

    /// The last day a licence issued on `issued_on` is valid, or `None` for 长期.
    pub fn valid_until(&self, issued_on: NaiveDate) -> Option<NaiveDate> {
        (self.validity_years > 0).then(|| {
            let years = i32::try_from(self.validity_years).unwrap_or(100);
            let end = issued_on
                .with_year(issued_on.year() + years)
                // 29 February: the anniversary falls on 28 February.
                .or_else(|| {
                    issued_on
                        .with_day(28)
                        .and_then(|d| d.with_year(d.year() + years))
                })
                .unwrap_or(issued_on);
            end.pred_opt().unwrap_or(end)
        })
    }
}

const MOD36_ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The ISO 7064 MOD 37,36 check character over the letters and digits of `s` (others are
/// skipped), or `None` if a character is outside 0–9, A–Z.
pub fn mod37_36_check(s: &str) -> Option<char> {
    const M: u32 = 36;
    let mut p = M;
    for c in s.chars().filter(|c| *c != '.') {
        let v = MOD36_ALPHABET
            .iter()
            .position(|a| char::from(*a) == c.to_ascii_uppercase())? as u32;
        let mut t = (p + v) % M;
        if t == 0 {
            t = M;
        }
        p = (t * 2) % (M + 1);
    }
    let check = (M + 1 - p) % M;
    Some(char::from(MOD36_ALPHABET[check as usize]))
}

/// The GB/T 36904 licence identifier: `1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>`.
pub fn licence_identifier(type_code: &str, issuer_code: &str, serial: u64, version: u16) -> String {
    let body = format!("{type_code}{issuer_code}{serial:08}{version:03}");
    let check = mod37_36_check(&body).unwrap_or('0');
    format!("1.2.156.3005.2.{type_code}.{issuer_code}.{serial:08}.{version:03}.{check}")
}

/// Whether an identifier is well formed and its check character agrees.
pub fn identifier_is_valid(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("1.2.156.3005.2.") else {
        return false;
    };
    let parts: Vec<&str> = rest.split('.').collect();
    let [ty, issuer, serial, version, check] = parts[..] else {
        return false;
    };
    let body = format!("{ty}{issuer}{serial}{version}");
    check.len() == 1 && mod37_36_check(&body).map(String::from).as_deref() == Some(check)
}

/// A licence's content: what its seal signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Licence {
    pub identifier: String,
    pub type_code: String,
    pub type_name: String,
    /// The issuing body's unified social credit code.
    pub issuer_code: String,
    pub issuer_name: String,
    pub holder_name: String,
    /// 111 resident ID number, 001 credit code.
    pub holder_id_type: String,
    pub holder_id: String,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// `YYYY-MM-DD`.
    pub issued_on: String,
    /// `YYYY-MM-DD`, last valid day; `None` for 长期有效.
    #[serde(default)]
    pub valid_until: Option<String>,
    /// The case it was issued on, when issued here.
    #[serde(default)]
    pub case_no: Option<String>,
}

impl Licence {
    /// The canonical encoding the seal signs: RFC 8785 (JCS) JSON — keys sorted, no
    /// whitespace. Every value is a string, `null` or an object of strings, so number
    /// formatting never arises.
    pub fn canonical(&self) -> Vec<u8> {
        let value = serde_json::to_value(self).expect("a licence is plain data");
        let mut out = String::new();
        write_canonical(&value, &mut out);
        out.into_bytes()
    }

    pub fn valid_until_date(&self) -> Option<NaiveDate> {
        self.valid_until
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    }
}

fn write_canonical(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            // RFC 8785 orders keys by their UTF-16 code units.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).expect("string"));
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&serde_json::to_string(other).expect("scalar")),
    }
}

/// A seal on a document: which key, which algorithm, the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    pub key_id: String,
    pub algorithm: String,
    /// `r || s` in hex.
    pub signature: String,
}

impl Seal {
    pub fn new(key_id: &str, secret: &seal::SealSecret, message: &[u8]) -> Self {
        Seal {
            key_id: key_id.to_owned(),
            algorithm: seal::ALGORITHM.to_owned(),
            signature: secret.sign(message),
        }
    }

    pub fn verifies(&self, public_hex: &str, message: &[u8]) -> bool {
        self.algorithm == seal::ALGORITHM && seal::verify(public_hex, message, &self.signature)
    }
}

/// A licence with its seal: the signed JSON a holder downloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedLicence {
    pub licence: Licence,
    pub seal: Seal,
}

/// What a verifier learns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Valid,
    Expired,
    Revoked,
    /// The seal does not verify, or names no published key.
    Forged,
    /// A presentation code past its time; ask the holder to show a new one.
    PresentationExpired,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::Forged => "forged",
            Self::PresentationExpired => "presentation_expired",
        }
    }

    /// The licence status code of the national standard (01 有效, 03 撤销, 05 失效, 99 其他).
    pub fn status_code(self) -> &'static str {
        match self {
            Self::Valid => "01",
            Self::Revoked => "03",
            Self::Expired => "05",
            Self::Forged | Self::PresentationExpired => "99",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Valid => "有效",
            Self::Expired => "已过有效期",
            Self::Revoked => "已撤销",
            Self::Forged => "验证失败：证照内容与签章不符，或签章密钥未公布",
            Self::PresentationExpired => "出示码已过期，请持证人重新出示",
        }
    }
}

/// The verdict on a sealed licence: forged unless the seal verifies under the published
/// key it names (`public_key`); then revoked, expired or valid.
pub fn verdict(
    sealed: &SealedLicence,
    public_key: Option<&str>,
    revoked: bool,
    today: NaiveDate,
) -> Verdict {
    let sealed_ok =
        public_key.is_some_and(|k| sealed.seal.verifies(k, &sealed.licence.canonical()));
    if sealed_ok {
        standing(&sealed.licence, revoked, today)
    } else {
        Verdict::Forged
    }
}

/// The standing of a licence whose seal is already trusted: one the library sealed itself
/// or verified when it was imported, read back from its own store (whose rows the audit
/// chain guards). Revoked, expired by its last valid day, or valid.
pub fn standing(licence: &Licence, revoked: bool, today: NaiveDate) -> Verdict {
    if revoked {
        Verdict::Revoked
    } else if licence.valid_until_date().is_some_and(|d| d < today) {
        Verdict::Expired
    } else {
        Verdict::Valid
    }
}

/// How long a presentation code (亮证码) stays valid.
pub const PRESENTATION_MINUTES: i64 = 5;

/// 亮证: a sealed licence with a deadline, sealed again by the platform so the deadline
/// cannot be moved. It travels in a QR code, so a verifier with the published keys can check
/// it without asking the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presentation {
    pub sealed: SealedLicence,
    /// RFC 3339.
    pub until: String,
    pub proof: Seal,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresentationError {
    #[error("出示码无法识别")]
    Unreadable,
}

impl Presentation {
    /// What the platform's proof signs: the licence's seal and the deadline.
    pub fn proof_message(sealed: &SealedLicence, until: &str) -> Vec<u8> {
        let v = serde_json::json!({
            "identifier": sealed.licence.identifier,
            "signature": sealed.seal.signature,
            "until": until,
        });
        let mut out = String::new();
        write_canonical(&v, &mut out);
        out.into_bytes()
    }

    pub fn new(
        sealed: SealedLicence,
        now: DateTime<Utc>,
        platform_key_id: &str,
        platform: &seal::SealSecret,
    ) -> Self {
        let until = (now + chrono::Duration::minutes(PRESENTATION_MINUTES))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let proof = Seal::new(
            platform_key_id,
            platform,
            &Self::proof_message(&sealed, &until),
        );
        Presentation {
            sealed,
            until,
            proof,
        }
    }

    /// The QR payload: base64url (no padding) of the JSON.
    pub fn encode(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(self).expect("plain data"))
    }

    pub fn decode(payload: &str) -> Result<Self, PresentationError> {
        use base64::Engine;
        if payload.len() > 16 * 1024 {
            return Err(PresentationError::Unreadable);
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim())
            .map_err(|_| PresentationError::Unreadable)?;
        serde_json::from_slice(&bytes).map_err(|_| PresentationError::Unreadable)
    }

    /// The verdict: forged unless both seals verify under published keys, expired once
    /// the deadline passed, otherwise the licence's own verdict.
    pub fn check(
        &self,
        public_key: impl Fn(&str) -> Option<String>,
        revoked: bool,
        now: DateTime<Utc>,
    ) -> Verdict {
        let proof_ok = public_key(&self.proof.key_id).is_some_and(|k| {
            self.proof
                .verifies(&k, &Self::proof_message(&self.sealed, &self.until))
        });
        let licence_key = public_key(&self.sealed.seal.key_id);
        let inner = verdict(
            &self.sealed,
            licence_key.as_deref(),
            revoked,
            crate::calendar::district_date(now),
        );
        if !proof_ok || inner == Verdict::Forged {
            return Verdict::Forged;
        }
        match DateTime::parse_from_rfc3339(&self.until) {
            Ok(until) if until >= now => inner,
            _ => Verdict::PresentationExpired,
        }
    }
}

/// A material an applicant need not hand in, and the held licence that stands for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiver {
    pub material: String,
    pub licence_identifier: String,
    pub licence_name: String,
}

/// 免提交: every material of `item` (for `situation`) whose source is a licence type the
/// applicant validly holds. `held` are licences already found valid.
pub fn waivers(item: &ServiceItem, situation: Option<&str>, held: &[Licence]) -> Vec<Waiver> {
    item.materials_for(situation)
        .into_iter()
        // Only a paper of the applicant's own: the deceased's ID card is not theirs.
        .filter(|m| m.waivable)
        .filter_map(|m| match &m.source {
            MaterialSource::Government { licence_type } if !licence_type.is_empty() => held
                .iter()
                .find(|l| &l.type_name == licence_type)
                .map(|l| Waiver {
                    material: m.name.clone(),
                    licence_identifier: l.identifier.clone(),
                    licence_name: l.type_name.clone(),
                }),
            _ => None,
        })
        .collect()
}

/// 免填写: form data read from the held licences that stand for materials, as
/// (label, value, licence name), so the applicant sees where each value came from.
pub fn prefill(
    types: &[LicenceType],
    held: &[Licence],
    waived: &[Waiver],
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for w in waived {
        let Some(l) = held.iter().find(|l| l.identifier == w.licence_identifier) else {
            continue;
        };
        let labels = types.iter().find(|t| t.code == l.type_code);
        for (k, v) in &l.fields {
            let label = labels
                .and_then(|t| t.fields.iter().find(|f| &f.key == k))
                .map(|f| f.label.clone())
                .unwrap_or_else(|| k.clone());
            if !out
                .iter()
                .any(|(lab, _, _): &(String, String, String)| *lab == label)
            {
                out.push((label, v.clone(), l.type_name.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    pub(crate) fn licence() -> Licence {
        let type_code = "11640303MB0000103K001";
        let issuer = "11640303MB0000103K";
        Licence {
            identifier: licence_identifier(type_code, issuer, 1, 1),
            type_code: type_code.into(),
            type_name: "食品小经营店备案证".into(),
            issuer_code: issuer.into(),
            issuer_name: "吴忠市红寺堡区市场监督管理分局".into(),
            holder_name: "马桂兰".into(),
            holder_id_type: "111".into(),
            holder_id: "64030319580312024X".into(),
            fields: BTreeMap::from([("scope".into(), "预包装食品销售".into())]),
            issued_on: "2026-11-27".into(),
            valid_until: Some("2031-11-26".into()),
            case_no: None,
        }
    }

    #[test]
    fn identifiers_carry_a_mod_37_36_check_character() {
        let id = licence_identifier("11640303MB0000103K001", "11640303MB0000103K", 42, 1);
        assert!(id.starts_with("1.2.156.3005.2.11640303MB0000103K001.11640303MB0000103K."));
        assert!(id.contains(".00000042.001."));
        assert!(identifier_is_valid(&id));
        // ISO 7064 worked example for MOD 37,36: "A12425GABC1234002" → check "M".
        assert_eq!(mod37_36_check("A12425GABC1234002"), Some('M'));
        assert_eq!(mod37_36_check("a-b"), None);
        assert!(!identifier_is_valid("1.2.156.3005.2.x"));
    }

    proptest! {
        /// Any single changed character of the body is caught by the check character.
        #[test]
        fn a_single_substitution_is_detected(serial in 0u64..100_000_000, pos in 0usize..47, to in 0usize..36) {
            let id = licence_identifier("11640303MB0000103K001", "11640303MB0000103K", serial, 1);
            let mut chars: Vec<char> = id["1.2.156.3005.2.".len()..].chars().collect();
            let body_positions: Vec<usize> = chars.iter().enumerate().filter(|(_, c)| **c != '.').map(|(i, _)| i).collect();
            let i = body_positions[pos % (body_positions.len() - 1)];
            let new = char::from(MOD36_ALPHABET[to]);
            prop_assume!(chars[i] != new);
            chars[i] = new;
            let changed = format!("1.2.156.3005.2.{}", chars.into_iter().collect::<String>());
            prop_assert!(!identifier_is_valid(&changed));
        }
    }

    #[test]
    fn canonical_encoding_sorts_keys_and_has_no_whitespace() {
        let bytes = String::from_utf8(licence().canonical()).unwrap();
        assert!(bytes.starts_with("{\"case_no\":null,\"fields\":{\"scope\":\"预包装食品销售\"},"));
        assert!(!bytes.contains(": ") && !bytes.contains('\n'));
    }

    #[test]
    fn a_seal_fails_after_any_byte_changes() {
        let key = seal::SealSecret::generate();
        let l = licence();
        let sealed = SealedLicence {
            seal: Seal::new("D-SJJ-20261127-00000000", &key, &l.canonical()),
            licence: l,
        };
        let public = key.public_hex();
        let today = d("2026-11-27");
        assert_eq!(
            verdict(&sealed, Some(&public), false, today),
            Verdict::Valid
        );
        let bytes = serde_json::to_vec(&sealed.licence).unwrap();
        // Change each byte of the licence's JSON in turn; whatever still parses as a licence
        // no longer verifies (a change that only alters the encoding, not the content, keeps
        // the same canonical form and is not a change).
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            if let Ok(changed) = serde_json::from_slice::<Licence>(&b)
                && changed != sealed.licence
            {
                let forged = SealedLicence {
                    licence: changed,
                    seal: sealed.seal.clone(),
                };
                assert_eq!(
                    verdict(&forged, Some(&public), false, today),
                    Verdict::Forged,
                    "byte {i}"
                );
            }
        }
        assert_eq!(verdict(&sealed, None, false, today), Verdict::Forged);
        assert_eq!(
            verdict(&sealed, Some(&public), true, today),
            Verdict::Revoked
        );
        assert_eq!(
            verdict(&sealed, Some(&public), false, d("2031-11-27")),
            Verdict::Expired
        );
    }

    #[test]
    fn presentations_expire_and_cannot_be_extended() {
        let issuer = seal::SealSecret::generate();
        let platform = seal::SealSecret::generate();
        let l = licence();
        let sealed = SealedLicence {
            seal: Seal::new("ISSUER", &issuer, &l.canonical()),
            licence: l,
        };
        let now = DateTime::parse_from_rfc3339("2026-11-27T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let p = Presentation::new(sealed, now, "PLATFORM", &platform);
        let keys = |id: &str| match id {
            "ISSUER" => Some(issuer.public_hex()),
            "PLATFORM" => Some(platform.public_hex()),
            _ => None,
        };
        let decoded = Presentation::decode(&p.encode()).unwrap();
        assert_eq!(decoded, p);
        assert_eq!(decoded.check(keys, false, now), Verdict::Valid);
        let later = now + chrono::Duration::minutes(PRESENTATION_MINUTES + 1);
        assert_eq!(
            decoded.check(keys, false, later),
            Verdict::PresentationExpired
        );
        let mut extended = decoded.clone();
        extended.until = "2099-01-01T00:00:00Z".into();
        assert_eq!(extended.check(keys, false, later), Verdict::Forged);
        assert_eq!(decoded.check(keys, true, now), Verdict::Revoked);
        assert!(Presentation::decode("not a payload!").is_err());
    }

    #[test]
    fn only_the_applicants_own_papers_are_waived_by_their_licences() {
        use crate::catalog::names_another_person;
        assert!(names_another_person("死者居民身份证"));
        assert!(names_another_person("法人股东营业执照"));
        assert!(!names_another_person("居民身份证"));
        assert!(!names_another_person("经营者身份证"));
        let mut item = crate::catalog::tests::item();
        let held = Licence {
            identifier: "x".into(),
            type_code: "t".into(),
            type_name: "营业执照".into(),
            issuer_code: String::new(),
            issuer_name: String::new(),
            holder_name: String::new(),
            holder_id_type: String::new(),
            holder_id: String::new(),
            fields: BTreeMap::new(),
            issued_on: "2026-01-01".into(),
            valid_until: None,
            case_no: None,
        };
        assert_eq!(
            waivers(&item, Some("新办"), std::slice::from_ref(&held)).len(),
            1
        );
        for m in &mut item.materials {
            m.waivable = false;
        }
        assert!(waivers(&item, Some("新办"), &[held]).is_empty());
    }

    #[test]
    fn data_items_are_filled_from_the_form_by_label_key_or_other_name() {
        let field = |key: &str, label: &str, from: &[&str]| LicenceField {
            key: key.into(),
            label: label.into(),
            from: from.iter().map(|f| (*f).into()).collect(),
        };
        let t = LicenceType {
            code: "11640303MB0000103K001".into(),
            name: "营业执照".into(),
            issuer_org: None,
            issuer_name: "市场监管分局".into(),
            holder_kind: HolderKind::Person,
            fields: vec![
                field("name", "名称", &[]),
                field("operator", "经营者", &["经营者姓名"]),
                field("premises", "经营场所", &[]),
                field("scope", "经营范围", &[]),
            ],
            validity_years: 0,
        };
        let form: BTreeMap<String, String> = [
            ("名称", "秀兰餐馆"),
            ("经营者姓名", "马秀兰"),
            ("premises", "罗山路 18 号"),
            ("经营范围", "  "),
        ]
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
        let filled = t.fill(&form);
        assert_eq!(filled.get("name").map(String::as_str), Some("秀兰餐馆"));
        assert_eq!(filled.get("operator").map(String::as_str), Some("马秀兰"));
        assert_eq!(
            filled.get("premises").map(String::as_str),
            Some("罗山路 18 号")
        );
        assert!(!filled.contains_key("scope"), "a blank value is left out");
    }

    #[test]
    fn validity_counts_whole_years() {
        let t = LicenceType {
            code: "11640303MB0000103K001".into(),
            name: "食品小经营店备案证".into(),
            issuer_org: Some("D-SJJ".into()),
            issuer_name: "市场监管分局".into(),
            holder_kind: HolderKind::Person,
            fields: vec![],
            validity_years: 5,
        };
        assert_eq!(t.validate(), Ok(()));
        assert_eq!(t.valid_until(d("2026-11-27")), Some(d("2031-11-26")));
        assert_eq!(t.valid_until(d("2028-02-29")), Some(d("2033-02-27")));
        let bad = LicenceType {
            code: "123".into(),
            fields: vec![LicenceField {
                from: Vec::new(),
                key: "Bad Key".into(),
                label: String::new(),
            }],
            ..t
        };
        let fields: Vec<String> = bad
            .validate()
            .unwrap_err()
            .errors
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["code", "fields[0].key", "fields[0].label"]);
    }
}
