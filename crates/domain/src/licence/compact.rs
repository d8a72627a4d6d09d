//! The compact presentation code (紧凑亮证码) for a QR code read at arm's length, as the EU
//! digital COVID certificate does it: what a verifier is shown (the licence, its issuer, the
//! holder masked, its validity, the code's deadline) as CBOR, signed by the platform with
//! SM2 over those CBOR bytes, the whole `[version, key id, signature, claim]` CBOR again and
//! base45-encoded after the prefix `TB1:`. Every character is in the QR alphanumeric set, so
//! the code stays a low-density symbol; it is verifiable offline with the published keys.
//! The holder is masked inside the code itself: a photographed code discloses no more than
//! a verification page would.

use chrono::{DateTime, Utc};
use ciborium::value::Value;

use super::{PRESENTATION_MINUTES, PresentationError, Verdict};
use crate::seal;

/// Marks a compact code and its version.
pub const PREFIX: &str = "TB1:";

/// The most characters a compact code may have (the bound for a QR read at arm's
/// length; a code longer than this is refused when made).
pub const MAX_CHARS: usize = 500;

/// What the code tells a verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub identifier: String,
    pub licence_name: String,
    pub issuer: String,
    /// Masked name and number, e.g. 马*兰（640303********024X）.
    pub holder: String,
    pub valid_until: Option<String>,
    /// The code's deadline, seconds since the epoch.
    pub until: i64,
}

impl Claim {
    fn to_cbor(&self) -> Vec<u8> {
        let v = Value::Array(vec![
            Value::Text(self.identifier.clone()),
            Value::Text(self.licence_name.clone()),
            Value::Text(self.issuer.clone()),
            Value::Text(self.holder.clone()),
            self.valid_until.clone().map_or(Value::Null, Value::Text),
            Value::Integer(self.until.into()),
        ]);
        let mut out = Vec::new();
        ciborium::ser::into_writer(&v, &mut out).expect("writing to memory");
        out
    }

    fn from_cbor(bytes: &[u8]) -> Option<Self> {
        let Value::Array(items) = ciborium::de::from_reader(bytes).ok()? else {
            return None;
        };
        let text = |v: &Value| v.as_text().map(str::to_owned);
        match items.as_slice() {
            [id, name, issuer, holder, valid, until] => Some(Claim {
                identifier: text(id)?,
                licence_name: text(name)?,
                issuer: text(issuer)?,
                holder: text(holder)?,
                valid_until: if valid.is_null() {
                    None
                } else {
                    Some(text(valid)?)
                },
                until: i64::try_from(until.as_integer()?).ok()?,
            }),
            _ => None,
        }
    }

    /// A claim for a presentation made `now`, valid for `PRESENTATION_MINUTES`.
    pub fn presented(
        identifier: &str,
        licence_name: &str,
        issuer: &str,
        holder: &str,
        valid_until: Option<&str>,
        now: DateTime<Utc>,
    ) -> Self {
        Claim {
            identifier: identifier.to_owned(),
            licence_name: licence_name.to_owned(),
            issuer: issuer.to_owned(),
            holder: holder.to_owned(),
            valid_until: valid_until.map(str::to_owned),
            until: (now + chrono::Duration::minutes(PRESENTATION_MINUTES)).timestamp(),
        }
    }
}

/// A compact code as read back: the claim, and whether its seal must still be checked.
#[derive(Debug, Clone)]
pub struct Compact {
    pub key_id: String,
    pub claim: Claim,
    claim_bytes: Vec<u8>,
    signature_hex: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The code for `claim`, sealed by the platform's key.
pub fn encode(claim: &Claim, key_id: &str, secret: &seal::SealSecret) -> String {
    let claim_bytes = claim.to_cbor();
    let signature = unhex(&secret.sign(&claim_bytes)).unwrap_or_default();
    let v = Value::Array(vec![
        Value::Integer(1.into()),
        Value::Text(key_id.to_owned()),
        Value::Bytes(signature),
        Value::Bytes(claim_bytes),
    ]);
    let mut out = Vec::new();
    ciborium::ser::into_writer(&v, &mut out).expect("writing to memory");
    format!("{PREFIX}{}", base45::encode(&out))
}

/// Reads a compact code (spaces a scanner kept are part of base45 and stay).
pub fn decode(code: &str) -> Result<Compact, PresentationError> {
    let body = code
        .trim_matches(|c: char| c == '\n' || c == '\r')
        .strip_prefix(PREFIX)
        .ok_or(PresentationError::Unreadable)?;
    if body.len() > 4 * MAX_CHARS {
        return Err(PresentationError::Unreadable);
    }
    let bytes = base45::decode(body).map_err(|_| PresentationError::Unreadable)?;
    let Ok(Value::Array(items)) = ciborium::de::from_reader::<Value, _>(bytes.as_slice()) else {
        return Err(PresentationError::Unreadable);
    };
    match items.as_slice() {
        [
            Value::Integer(v),
            Value::Text(key_id),
            Value::Bytes(sig),
            Value::Bytes(claim),
        ] if i128::from(*v) == 1 => Ok(Compact {
            key_id: key_id.clone(),
            claim: Claim::from_cbor(claim).ok_or(PresentationError::Unreadable)?,
            claim_bytes: claim.clone(),
            signature_hex: hex(sig),
        }),
        _ => Err(PresentationError::Unreadable),
    }
}

impl Compact {
    /// Forged unless the platform's seal verifies under a published key; then expired
    /// past the code's deadline; then as the library says (`revoked`) and by validity date.
    pub fn check(
        &self,
        public_key: impl Fn(&str) -> Option<String>,
        revoked: bool,
        now: DateTime<Utc>,
    ) -> Verdict {
        let sealed = public_key(&self.key_id)
            .is_some_and(|k| seal::verify(&k, &self.claim_bytes, &self.signature_hex));
        if !sealed {
            return Verdict::Forged;
        }
        if now.timestamp() > self.claim.until {
            return Verdict::PresentationExpired;
        }
        if revoked {
            return Verdict::Revoked;
        }
        let today = crate::calendar::district_date(now)
            .format("%Y-%m-%d")
            .to_string();
        match &self.claim.valid_until {
            Some(d) if d.as_str() < today.as_str() => Verdict::Expired,
            _ => Verdict::Valid,
        }
    }

    /// The deadline as RFC 3339.
    pub fn until_rfc3339(&self) -> String {
        DateTime::<Utc>::from_timestamp(self.claim.until, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-03T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn claim() -> Claim {
        Claim::presented(
            "1.2.156.3005.2.11640303MB0000103K001.11640303MB0000103K.00000001.001.0",
            "食品经营许可证",
            "吴忠市市场监督管理局红寺堡区分局",
            "马*兰（640303********024X）",
            Some("2031-12-02"),
            now(),
        )
    }

    #[test]
    fn a_code_is_short_alphanumeric_and_verifies_offline_until_its_deadline() {
        let secret = seal::SealSecret::generate();
        let code = encode(&claim(), "PLATFORM-20261203-ab12", &secret);
        assert!(code.len() <= MAX_CHARS, "{} characters", code.len());
        let alphanumeric = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        assert!(code.chars().all(|c| alphanumeric.contains(c)), "{code}");
        let keys = |id: &str| (id == "PLATFORM-20261203-ab12").then(|| secret.public_hex());
        let read = decode(&code).unwrap();
        assert_eq!(read.claim, claim());
        assert_eq!(read.check(keys, false, now()), Verdict::Valid);
        assert_eq!(read.check(keys, true, now()), Verdict::Revoked);
        let later = now() + chrono::Duration::minutes(PRESENTATION_MINUTES + 1);
        assert_eq!(read.check(keys, false, later), Verdict::PresentationExpired);
        // Another key, or another claim under the same signature, is a forgery.
        let other = seal::SealSecret::generate();
        assert_eq!(
            read.check(|_| Some(other.public_hex()), false, now()),
            Verdict::Forged
        );
        let mut changed = claim();
        changed.holder = "王*（640303********1234）".into();
        let forged = encode(&changed, "PLATFORM-20261203-ab12", &other);
        assert_eq!(
            decode(&forged).unwrap().check(keys, false, now()),
            Verdict::Forged
        );
    }

    #[test]
    fn what_is_not_a_code_is_unreadable() {
        for bad in ["", "TB1:", "HC1:6BFOXN", "TB1:!!!", "TB1:ABC"] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn any_claim_round_trips_within_the_bound(
            name in "[\u{4e00}-\u{9fa5}]{2,12}",
            issuer in "[\u{4e00}-\u{9fa5}]{4,24}",
            holder in "[\u{4e00}-\u{9fa5}]\\*[\u{4e00}-\u{9fa5}]（[0-9]{6}\\*{8}[0-9]{3}[0-9X]）",
            serial in 0u32..99_999_999,
        ) {
            let secret = seal::SealSecret::generate();
            let mut c = claim();
            c.identifier = format!("1.2.156.3005.2.11640303MB0000103K001.11640303MB0000103K.{serial:08}.001.0");
            c.licence_name = name;
            c.issuer = issuer;
            c.holder = holder;
            let code = encode(&c, "PLATFORM-20261203-ab12", &secret);
            prop_assert!(code.len() <= MAX_CHARS, "{} characters", code.len());
            prop_assert_eq!(decode(&code).unwrap().claim, c);
        }
    }
}
