//! Admin sessions as signed, expiring cookies: nothing is stored, so any frontend behind a load
//! balancer accepts a session another one started, as long as they share the key.
//!
//! The cookie is `nd_admin=1.<issued>.<expires>.<id>.<HMAC-SHA256 of the rest>` (Unix seconds,
//! a random 128-bit id), sent only to `/admin`, `HttpOnly; SameSite=Strict`, and `Secure` when
//! the request came over https. The key is `NEWSDESK_SESSION_KEY`, or else derived from the
//! admin password's hash, so a new password ends every session. Logging out removes the cookie
//! from the browser; a copy of it stays valid until it expires (or the key changes).

use std::time::Duration;

use axum::http::{HeaderMap, header};
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::headlines::version::random_hex;

type HmacSha256 = Hmac<Sha256>;

pub const COOKIE: &str = "nd_admin";
const VERSION: &str = "1";

/// The key sessions and CSRF tokens are signed with.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl Key {
    /// A key from a secret of any length (the session key setting, or the password hash).
    pub fn derive(secret: &str) -> Key {
        let mut mac = HmacSha256::new_from_slice(b"newsdesk admin session key v1")
            .expect("HMAC takes keys of any length");
        mac.update(secret.as_bytes());
        Key(mac.finalize().into_bytes().into())
    }

    fn mac(&self, data: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(data.as_bytes());
        mac
    }

    /// The signature of `data`, in hex.
    pub fn sign(&self, data: &str) -> String {
        hex::encode(self.mac(data).finalize().into_bytes())
    }

    /// Whether `signature` (hex) signs `data`, compared in constant time.
    pub fn verify(&self, data: &str, signature: &str) -> bool {
        hex::decode(signature).is_ok_and(|sig| self.mac(data).verify_slice(&sig).is_ok())
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

/// A logged-in admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// 32 hex digits, random.
    pub id: String,
    pub issued: i64,
    pub expires: i64,
}

impl Session {
    pub fn new(now: DateTime<Utc>, lifetime: Duration) -> Session {
        let issued = now.timestamp();
        Session {
            id: random_hex(16),
            issued,
            expires: issued.saturating_add(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX)),
        }
    }

    fn payload(&self) -> String {
        format!("{VERSION}.{}.{}.{}", self.issued, self.expires, self.id)
    }

    /// The cookie's value.
    pub fn encode(&self, key: &Key) -> String {
        let payload = self.payload();
        let sig = key.sign(&payload);
        format!("{payload}.{sig}")
    }

    /// The session a cookie value holds, if it is signed with `key` and not expired at `now`.
    pub fn decode(value: &str, key: &Key, now: DateTime<Utc>) -> Option<Session> {
        let (payload, sig) = value.rsplit_once('.')?;
        if !key.verify(payload, sig) {
            return None;
        }
        let mut parts = payload.split('.');
        if parts.next()? != VERSION {
            return None;
        }
        let issued: i64 = parts.next()?.parse().ok()?;
        let expires: i64 = parts.next()?.parse().ok()?;
        let id = parts.next()?.to_string();
        let now = now.timestamp();
        // A session from the future means a clock far off: refused rather than trusted.
        (parts.next().is_none() && now < expires && issued <= now + 300).then_some(Session {
            id,
            issued,
            expires,
        })
    }

    /// The session the request's cookie holds, if valid.
    pub fn from_headers(headers: &HeaderMap, key: &Key, now: DateTime<Utc>) -> Option<Session> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .filter(|(name, _)| *name == COOKIE)
            .find_map(|(_, value)| Session::decode(value, key, now))
    }

    /// `Set-Cookie` for this session.
    pub fn set_cookie(&self, key: &Key, secure: bool, now: DateTime<Utc>) -> String {
        let max_age = (self.expires - now.timestamp()).max(0);
        format!(
            "{COOKIE}={}; Path=/admin; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
            self.encode(key),
            if secure { "; Secure" } else { "" }
        )
    }

    /// `Set-Cookie` that removes the session cookie.
    pub fn clear_cookie(secure: bool) -> String {
        format!(
            "{COOKIE}=; Path=/admin; Max-Age=0; HttpOnly; SameSite=Strict{}",
            if secure { "; Secure" } else { "" }
        )
    }

    /// A short name for this session in version histories (`web:<8 hex>`): tells two admins'
    /// edits apart without revealing the session.
    pub fn author(&self, key: &Key) -> String {
        format!("web:{}", &key.sign(&format!("author.{}", self.id))[..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_signed_session_round_trips_until_it_expires() {
        let key = Key::derive("secret");
        let now = at("2026-11-23T10:00:00Z");
        let s = Session::new(now, Duration::from_secs(3600));
        let value = s.encode(&key);
        assert_eq!(Session::decode(&value, &key, now), Some(s.clone()));
        assert_eq!(
            Session::decode(&value, &key, now + chrono::Duration::seconds(3599)),
            Some(s.clone())
        );
        assert_eq!(
            Session::decode(&value, &key, now + chrono::Duration::seconds(3600)),
            None,
            "expired"
        );
        assert_eq!(
            Session::decode(&value, &Key::derive("other"), now),
            None,
            "another key"
        );
    }

    #[test]
    fn a_tampered_cookie_is_refused() {
        let key = Key::derive("secret");
        let now = at("2026-11-23T10:00:00Z");
        let value = Session::new(now, Duration::from_secs(60)).encode(&key);
        let longer = value.replacen(".", ".9", 2);
        assert_eq!(Session::decode(&longer, &key, now), None);
        for junk in ["", ".", "1.2.3", "x.y.z.w.v", &value[..value.len() - 1]] {
            assert_eq!(Session::decode(junk, &key, now), None, "{junk}");
        }
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_over_https() {
        let key = Key::derive("secret");
        let now = at("2026-11-23T10:00:00Z");
        let s = Session::new(now, Duration::from_secs(60));
        let plain = s.set_cookie(&key, false, now);
        assert!(plain.starts_with("nd_admin="), "{plain}");
        assert!(
            plain.ends_with("; Path=/admin; Max-Age=60; HttpOnly; SameSite=Strict"),
            "{plain}"
        );
        assert!(s.set_cookie(&key, true, now).ends_with("; Secure"));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            format!("nd_layout=1:a; {COOKIE}={}", s.encode(&key))
                .parse()
                .unwrap(),
        );
        assert_eq!(Session::from_headers(&headers, &key, now), Some(s));
    }
}
