//! The admin password: an argon2id hash (`newsdesk-frontend hash-password` makes one) given
//! to frontends in `NEWSDESK_ADMIN_HASH`; the password itself is never stored.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2};

use crate::headlines::version::random_bytes;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the password is empty")]
    Empty,
    #[error(
        "the password is {0} characters long: at least {MIN_PASSWORD_CHARS} are needed (a few random words make a good one)"
    )]
    TooShort(usize),
    #[error("the password is not valid UTF-8")]
    NotText,
    #[error(
        "NEWSDESK_ADMIN_HASH is not an argon2id hash ({0}); make one with `newsdesk-frontend hash-password`"
    )]
    BadHash(String),
    #[error("hashing failed: {0}")]
    Hashing(String),
}

/// Shortest password `hash-password` accepts, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The password typed on stdin: everything read, less one trailing newline (`\n` or `\r\n`).
pub fn password_from_input(input: &[u8]) -> Result<String, AuthError> {
    let text = std::str::from_utf8(input).map_err(|_| AuthError::NotText)?;
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    if text.is_empty() {
        return Err(AuthError::Empty);
    }
    Ok(text.to_string())
}

/// An argon2id hash of `password` in PHC form, with a random salt and the crate's default
/// (OWASP-recommended) cost. Passwords under [`MIN_PASSWORD_CHARS`] are refused.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let chars = password.chars().count();
    if chars == 0 {
        return Err(AuthError::Empty);
    }
    if chars < MIN_PASSWORD_CHARS {
        return Err(AuthError::TooShort(chars));
    }
    let salt =
        SaltString::encode_b64(&random_bytes(16)).map_err(|e| AuthError::Hashing(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hashing(e.to_string()))
}

/// Checks that `hash` is an argon2id hash, so a bad setting fails at start, not at login.
pub fn check_hash(hash: &str) -> Result<(), AuthError> {
    let parsed = PasswordHash::new(hash).map_err(|e| AuthError::BadHash(e.to_string()))?;
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return Err(AuthError::BadHash(format!(
            "it uses {}, not argon2id",
            parsed.algorithm
        )));
    }
    if parsed.hash.is_none() {
        return Err(AuthError::BadHash("it has no hash part".into()));
    }
    Ok(())
}

/// Whether `password` matches `hash` (in constant time; takes tens of milliseconds by design,
/// so callers run it off the async workers).
pub fn verify(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trailing_newline_is_not_part_of_the_password() {
        assert_eq!(password_from_input(b"hunter2\n").unwrap(), "hunter2");
        assert_eq!(password_from_input(b"hunter2\r\n").unwrap(), "hunter2");
        assert_eq!(password_from_input(b"hunter2\n\n").unwrap(), "hunter2\n");
        assert_eq!(password_from_input(b" spaced ").unwrap(), " spaced ");
        assert_eq!(password_from_input(b"\n"), Err(AuthError::Empty));
        assert_eq!(password_from_input(b""), Err(AuthError::Empty));
        assert_eq!(password_from_input(b"\xff"), Err(AuthError::NotText));
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        check_hash(&h).unwrap();
        assert!(verify(&h, "correct horse"));
        assert!(!verify(&h, "correct horse\n"));
        assert_ne!(h, hash_password("correct horse").unwrap(), "salted");
        assert!(check_hash("plain").is_err());
        assert!(
            check_hash("$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAA").is_err()
        );
        assert!(!verify("garbage", "x"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert_eq!(hash_password("hunter2"), Err(AuthError::TooShort(7)));
        assert_eq!(hash_password("elevenchars"), Err(AuthError::TooShort(11)));
        assert_eq!(hash_password("ünïcödé pàß"), Err(AuthError::TooShort(11)));
        assert!(hash_password("twelve chars").is_ok());
        assert_eq!(hash_password(""), Err(AuthError::Empty));
    }
}
