//! Password hashing with Argon2id, stored as PHC strings
//! (`$argon2id$v=19$m=7168,t=5,p=1$<salt>$<hash>`).
//!
//! Parameters are OWASP's equivalent setting of 7 MiB memory, 5 passes, 1 lane, rather
//! than the crate's 19 MiB / 2 passes: the whole district runs on two cores and a small
//! memory budget. Each thread hashes in one reused buffer instead of allocating 7 MiB per
//! login, because the system allocator keeps freshly freed large aligned blocks resident
//! (measured: +7 MiB RSS per login up to ~110 MiB). Verification reads the parameters from
//! the stored string, so they can be raised later without breaking old hashes.
//! The salt is a parameter so callers own randomness.

use std::cell::RefCell;

use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;

const MEMORY_KIB: u32 = 7 * 1024;
const PASSES: u32 = 5;
const LANES: u32 = 1;
const OUTPUT_LEN: usize = 32;

thread_local! {
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs Argon2id with `params` in this thread's reused memory.
fn argon2id(params: Params, password: &[u8], salt: &[u8], out: &mut [u8]) -> bool {
    let needed = params.block_count();
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() < needed {
            blocks.resize(needed, Block::default());
        }
        hasher
            .hash_password_into_with_memory(password, salt, out, &mut blocks[..needed])
            .is_ok()
    })
}

/// Hashes `password` with a 16-byte random `salt` supplied by the caller.
pub fn hash_password(password: &crate::codes::Password, salt: &[u8; 16]) -> String {
    let params =
        Params::new(MEMORY_KIB, PASSES, LANES, Some(OUTPUT_LEN)).expect("valid Argon2 parameters");
    let mut out = [0u8; OUTPUT_LEN];
    assert!(
        argon2id(params, password.expose().as_bytes(), salt, &mut out),
        "Argon2 with fixed parameters and a 16-byte salt cannot fail"
    );
    format!(
        "$argon2id$v=19$m={MEMORY_KIB},t={PASSES},p={LANES}${}${}",
        B64.encode(salt),
        B64.encode(out)
    )
}

/// The parts of a stored PHC string this module writes.
struct Stored {
    params: Params,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

fn parse_stored(stored: &str) -> Option<Stored> {
    let mut parts = stored.split('$');
    if parts.next() != Some("") || parts.next() != Some("argon2id") || parts.next() != Some("v=19")
    {
        return None;
    }
    let (mut m, mut t, mut p) = (None, None, None);
    for kv in parts.next()?.split(',') {
        let (k, v) = kv.split_once('=')?;
        let v: u32 = v.parse().ok()?;
        match k {
            "m" => m = Some(v),
            "t" => t = Some(v),
            "p" => p = Some(v),
            _ => return None,
        }
    }
    let salt = B64.decode(parts.next()?).ok()?;
    let hash = B64.decode(parts.next()?).ok()?;
    if parts.next().is_some() || hash.is_empty() {
        return None;
    }
    let params = Params::new(m?, t?, p?, Some(hash.len())).ok()?;
    Some(Stored { params, salt, hash })
}

/// True when `candidate` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify_password(candidate: &str, stored: &str) -> bool {
    let Some(s) = parse_stored(stored) else {
        return false;
    };
    let mut out = vec![0u8; s.hash.len()];
    argon2id(s.params, candidate.as_bytes(), &s.salt, &mut out)
        && out
            .iter()
            .zip(&s.hash)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A hash that no password matches, verified against when a login names no account, so that
/// the response time does not reveal which logins exist.
pub fn decoy_hash() -> &'static str {
    "$argon2id$v=19$m=7168,t=5,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Password;

    #[test]
    fn hash_then_verify() {
        let pw = Password::parse("Hongsibu2026").unwrap();
        let h = hash_password(&pw, &[7u8; 16]);
        assert!(h.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{h}");
        assert!(verify_password("Hongsibu2026", &h));
        assert!(!verify_password("Hongsibu2027", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(!verify_password("Hongsibu2026", decoy_hash()));
        assert!(
            parse_stored(decoy_hash()).is_some(),
            "the decoy costs a real verification"
        );
    }

    #[test]
    fn matches_the_reference_implementation() {
        // A hash made by the argon2 crate's own PHC path, with the crate's default 19 MiB
        // parameters, verifies here: stored parameters are honoured.
        use argon2::password_hash::PasswordHasher;
        let reference: argon2::password_hash::phc::PasswordHash = Argon2::default()
            .hash_password_with_salt(b"Hongsibu2026", &[3u8; 16])
            .unwrap();
        let reference = reference.to_string();
        assert!(reference.contains("m=19456"));
        assert!(verify_password("Hongsibu2026", &reference));
        assert!(!verify_password("hongsibu2026", &reference));
    }

    #[test]
    fn tampered_strings_never_match() {
        let pw = Password::parse("Hongsibu2026").unwrap();
        let h = hash_password(&pw, &[7u8; 16]);
        assert!(!verify_password(
            "Hongsibu2026",
            &h.replace("argon2id", "argon2i")
        ));
        assert!(!verify_password("Hongsibu2026", &h.replace("t=5", "t=4")));
        assert!(!verify_password("Hongsibu2026", &format!("{h}$extra")));
    }
}
