//! Seals: SM2 signatures with SM3 (GB/T 32918, GM/T 0003) by an issuing department's key.
//!
//! Each key is known by a key id that names its department and day of creation, so a
//! licence names the key that sealed it and still verifies after the department rotates to a
//! new key. Only this module touches key material; the secret half has no `Debug` output and
//! is written out only by the key store in the data directory.

use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};

/// The signer identity (Z_A's ID) for every seal: GM/T 0009's default user ID.
pub const DIST_ID: &str = "1234567812345678";

/// The algorithm name recorded beside every signature and public key.
pub const ALGORITHM: &str = "SM2-SM3";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("密钥格式不正确")]
    BadKey,
}

/// The secret half of a seal key.
pub struct SealSecret(SigningKey);

impl std::fmt::Debug for SealSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealSecret(…)")
    }
}

impl SealSecret {
    /// A new key from the operating system's random source.
    pub fn generate() -> Self {
        use sm2::elliptic_curve::Generate;
        let secret = sm2::SecretKey::generate();
        SealSecret(SigningKey::new(DIST_ID, &secret).expect("a generated key is valid"))
    }

    /// Reads the 32-byte secret scalar in hex, as the key store keeps it.
    pub fn from_hex(hex: &str) -> Result<Self, SealError> {
        let bytes = decode_hex(hex.trim()).ok_or(SealError::BadKey)?;
        SigningKey::from_slice(DIST_ID, &bytes)
            .map(SealSecret)
            .map_err(|_| SealError::BadKey)
    }

    /// The secret scalar in hex, for the key store's file only.
    pub fn to_hex(&self) -> String {
        encode_hex(&self.0.to_bytes())
    }

    /// The public key, uncompressed SEC1 (`04 || X || Y`) in hex.
    pub fn public_hex(&self) -> String {
        encode_hex(&self.0.verifying_key().to_sec1_bytes())
    }

    /// The SM2 signature (`r || s`, hex) of `message` (SM3 over Z_A and the message).
    pub fn sign(&self, message: &[u8]) -> String {
        let sig: Signature = self.0.sign(message);
        encode_hex(&sig.to_bytes())
    }
}

/// Whether `signature_hex` is `public_hex`'s SM2 signature of `message`. Malformed keys or
/// signatures do not verify.
pub fn verify(public_hex: &str, message: &[u8], signature_hex: &str) -> bool {
    let (Some(public), Some(sig)) = (decode_hex(public_hex), decode_hex(signature_hex)) else {
        return false;
    };
    let (Ok(key), Ok(sig)) = (
        VerifyingKey::from_sec1_bytes(DIST_ID, &public),
        Signature::from_slice(&sig),
    ) else {
        return false;
    };
    key.verify(message, &sig).is_ok()
}

/// `D-SJJ-20261127-1a2b3c4d`: department code, day of creation, and the start of the SM3
/// digest of the public key, so that two keys of one department on one day still differ.
pub fn key_id(org_code: &str, created: chrono::NaiveDate, public_hex: &str) -> String {
    use sm3::{Digest, Sm3};
    let digest = Sm3::digest(public_hex.as_bytes());
    format!(
        "{org_code}-{}-{}",
        created.format("%Y%m%d"),
        &encode_hex(&digest)[..8]
    )
}

pub(crate) fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GB/T 32918.2-2016 / GM/T 0003.2-2012 example on the recommended curve (signer ID
    /// `1234567812345678`, message `message digest`): the published key pair and signature.
    const VECTOR_SECRET: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
    const VECTOR_PUBLIC: &str = "0409F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020\
                                 CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
    const VECTOR_SIGNATURE: &str = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3\
                                    B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";

    #[test]
    fn the_published_sm2_example_verifies() {
        let secret = SealSecret::from_hex(VECTOR_SECRET).unwrap();
        assert_eq!(
            secret.public_hex(),
            VECTOR_PUBLIC.replace(' ', "").to_ascii_lowercase()
        );
        let public = VECTOR_PUBLIC.replace(' ', "");
        let sig = VECTOR_SIGNATURE.replace(' ', "");
        assert!(verify(&public, b"message digest", &sig));
        assert!(!verify(&public, b"message digesT", &sig));
        // Our own signatures verify with the same key, and only over the same message.
        let ours = secret.sign(b"message digest");
        assert!(verify(&public, b"message digest", &ours));
        assert!(!verify(&public, b"message digest ", &ours));
    }

    #[test]
    fn the_published_sm3_examples_hash() {
        use sm3::{Digest, Sm3};
        // GB/T 32905-2016 appendix A: "abc" and "abcd" × 16.
        assert_eq!(
            encode_hex(&Sm3::digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            encode_hex(&Sm3::digest("abcd".repeat(16).as_bytes())),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
    }

    #[test]
    fn keys_round_trip_and_malformed_input_never_verifies() {
        let a = SealSecret::generate();
        let b = SealSecret::from_hex(&a.to_hex()).unwrap();
        assert_eq!(a.public_hex(), b.public_hex());
        assert_eq!(format!("{a:?}"), "SealSecret(…)");
        let sig = a.sign(b"x");
        assert!(!verify("04zz", b"x", &sig));
        assert!(!verify(&a.public_hex(), b"x", "00"));
        assert!(!verify(&SealSecret::generate().public_hex(), b"x", &sig));
        assert!(SealSecret::from_hex("abc").is_err());
        let id = key_id(
            "D-SJJ",
            chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            &a.public_hex(),
        );
        assert!(id.starts_with("D-SJJ-20261127-") && id.len() == 23);
    }
}
