//! Password hashing with Argon2id (RFC 9106 parameters as the argon2 crate defaults them).
//!
//! The salt is a parameter so callers own randomness; the stored form is the PHC string.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::codes::Password;

/// Hashes `password` with a 16-byte random `salt` supplied by the caller.
pub fn hash_password(password: &Password, salt: &[u8; 16]) -> String {
    let hash: PasswordHash = Argon2::default()
        .hash_password_with_salt(password.expose().as_bytes(), salt)
        .expect("Argon2 with default parameters cannot fail on a 16-byte salt");
    hash.to_string()
}

/// True when `candidate` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify_password(candidate: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(candidate.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash that no password matches, verified against when a login names no account, so that
/// the response time does not reveal which logins exist.
pub fn decoy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$0000000000000000000000000000000000000000000"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let pw = Password::parse("Hongsibu2026").unwrap();
        let h = hash_password(&pw, &[7u8; 16]);
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Hongsibu2026", &h));
        assert!(!verify_password("Hongsibu2027", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(!verify_password("Hongsibu2026", decoy_hash()));
    }
}
