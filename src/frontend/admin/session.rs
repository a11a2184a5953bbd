//! Admin sessions as signed, expiring cookies: nothing is stored per session, so any frontend
//! behind a load balancer accepts a session another one started, as long as they share the key.
//!
//! The cookie is `nd_admin=1.<issued>.<expires>.<id>.<HMAC-SHA256 of the rest>` (Unix seconds,
//! a random 128-bit id), sent only to `/admin`, `HttpOnly; SameSite=Strict`, and `Secure`
//! unless the frontend runs with `--admin-allow-http` and the request came over plain http.
//!
//! The key is made from a secret and the admin password's hash, so a new password ends every
//! session. The secret is `NEWSDESK_SESSION_KEY`, or else one generated once and kept in the
//! bucket ([`bucket_secret`], `admin/_session-key.json`), where every frontend finds it and
//! readers never do (frontends serve nothing under `admin/`). Nothing in the password hash
//! alone signs a cookie.
//!
//! A cookie is valid only within the lifetime set NOW ([`Validity`]): shortening
//! `--admin-session-secs` cuts sessions already issued. "Log out everywhere" stores a
//! not-before time in the admin index every frontend polls; sessions issued before it end.

use std::time::Duration;

use axum::http::{HeaderMap, header};
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::headlines::version::random_hex;
use crate::store::publish::index::update_json;
use crate::store::{Key as StoreKey, Store, StoreError};

type HmacSha256 = Hmac<Sha256>;

pub const COOKIE: &str = "nd_admin";
const VERSION: &str = "1";

/// The key sessions and CSRF tokens are signed with.
#[derive(Clone)]
pub struct Key([u8; 32]);

impl Key {
    /// A key from a secret of any length.
    pub fn derive(secret: &str) -> Key {
        let mut mac = HmacSha256::new_from_slice(b"newsdesk admin session key v1")
            .expect("HMAC takes keys of any length");
        mac.update(secret.as_bytes());
        Key(mac.finalize().into_bytes().into())
    }

    /// The session key: the `secret` (never derivable from the hash) bound to the password's
    /// `hash`, so a new password ends every session.
    pub fn for_sessions(secret: &str, hash: &str) -> Key {
        let mut mac = HmacSha256::new_from_slice(b"newsdesk admin session key v2")
            .expect("HMAC takes keys of any length");
        mac.update(secret.as_bytes());
        mac.update(b"\0");
        mac.update(hash.as_bytes());
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

/// Characters of a generated session secret (hex of 32 random bytes).
const SECRET_LEN: usize = 64;

/// `admin/_session-key.json`: the secret sessions are signed with when `NEWSDESK_SESSION_KEY`
/// is not set.
#[derive(Debug, Default, Serialize, Deserialize)]
struct StoredSecret {
    #[serde(default)]
    key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    created_at: Option<DateTime<Utc>>,
}

/// The bucket's session secret, made and stored by the first frontend that needs it (one
/// wins a race: the others read its secret back).
pub async fn bucket_secret(store: &Store) -> Result<String, StoreError> {
    let fresh = random_hex(SECRET_LEN / 2);
    let (doc, _) = update_json(
        store,
        &StoreKey::AdminSessionKey,
        "the admin session key",
        |current: &StoredSecret| {
            (current.key.len() < SECRET_LEN).then(|| StoredSecret {
                key: fresh.clone(),
                created_at: Some(Utc::now()),
            })
        },
    )
    .await?;
    Ok(doc.key)
}

/// What a session must meet besides its signature, as configured now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// The session lifetime setting now: a cookie issued for longer, or longer ago, is refused.
    pub lifetime: Duration,
    /// Sessions issued before this (Unix seconds) have been logged out everywhere.
    pub not_before: Option<i64>,
}

impl Validity {
    fn lifetime_secs(&self) -> i64 {
        i64::try_from(self.lifetime.as_secs()).unwrap_or(i64::MAX)
    }

    fn admits(&self, issued: i64, expires: i64, now: i64) -> bool {
        let lifetime = self.lifetime_secs();
        now < expires
            && expires.saturating_sub(issued) <= lifetime
            && now < issued.saturating_add(lifetime)
            // A session from the future means a clock far off: refused rather than trusted.
            && issued <= now + 300
            && self.not_before.is_none_or(|nb| issued >= nb)
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
        Session::issue(
            now,
            &Validity {
                lifetime,
                not_before: None,
            },
        )
    }

    /// A new session valid under `validity`: issued now, or at the not-before time when that
    /// is later (a login in the second of a "log out everywhere", which may be up to a second
    /// ahead).
    pub fn issue(now: DateTime<Utc>, validity: &Validity) -> Session {
        let issued = now.timestamp().max(validity.not_before.unwrap_or(i64::MIN));
        Session {
            id: random_hex(16),
            issued,
            expires: issued.saturating_add(validity.lifetime_secs()),
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

    /// The session a cookie value holds, if it is signed with `key` and valid at `now` under
    /// `validity`.
    pub fn decode(
        value: &str,
        key: &Key,
        validity: &Validity,
        now: DateTime<Utc>,
    ) -> Option<Session> {
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
        (parts.next().is_none() && validity.admits(issued, expires, now.timestamp())).then_some(
            Session {
                id,
                issued,
                expires,
            },
        )
    }

    /// The session the request's cookie holds, if valid.
    pub fn from_headers(
        headers: &HeaderMap,
        key: &Key,
        validity: &Validity,
        now: DateTime<Utc>,
    ) -> Option<Session> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .filter(|(name, _)| *name == COOKIE)
            .find_map(|(_, value)| Session::decode(value, key, validity, now))
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

    fn hour() -> Validity {
        Validity {
            lifetime: Duration::from_secs(3600),
            not_before: None,
        }
    }

    #[test]
    fn a_signed_session_round_trips_until_it_expires() {
        let key = Key::derive("secret");
        let now = at("2026-11-23T10:00:00Z");
        let s = Session::new(now, Duration::from_secs(3600));
        let value = s.encode(&key);
        assert_eq!(Session::decode(&value, &key, &hour(), now), Some(s.clone()));
        assert_eq!(
            Session::decode(&value, &key, &hour(), now + chrono::Duration::seconds(3599)),
            Some(s.clone())
        );
        assert_eq!(
            Session::decode(&value, &key, &hour(), now + chrono::Duration::seconds(3600)),
            None,
            "expired"
        );
        assert_eq!(
            Session::decode(&value, &Key::derive("other"), &hour(), now),
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
        assert_eq!(Session::decode(&longer, &key, &hour(), now), None);
        for junk in ["", ".", "1.2.3", "x.y.z.w.v", &value[..value.len() - 1]] {
            assert_eq!(Session::decode(junk, &key, &hour(), now), None, "{junk}");
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
        assert_eq!(Session::from_headers(&headers, &key, &hour(), now), Some(s));
    }

    /// A cookie signed for ten years (by someone holding the key, or issued under a longer
    /// setting) is held to the lifetime set now.
    #[test]
    fn the_current_lifetime_bounds_every_cookie() {
        let key = Key::derive("secret");
        let now = at("2026-11-23T10:00:00Z");
        let decade = Session::new(now, Duration::from_secs(10 * 365 * 86_400)).encode(&key);
        assert_eq!(Session::decode(&decade, &key, &hour(), now), None);
        let day = Session::new(now, Duration::from_secs(86_400)).encode(&key);
        let later = now + chrono::Duration::seconds(1800);
        let short = Validity {
            lifetime: Duration::from_secs(86_400),
            not_before: None,
        };
        assert!(Session::decode(&day, &key, &short, later).is_some());
        assert_eq!(
            Session::decode(&day, &key, &hour(), later),
            None,
            "lowering the setting cuts sessions already issued"
        );
        // Issued long ago with a short expiry forged far ahead still ends a lifetime after issue.
        let old = Session {
            id: "0".repeat(32),
            issued: now.timestamp() - 3600,
            expires: now.timestamp() + 1,
        };
        assert_eq!(Session::decode(&old.encode(&key), &key, &hour(), now), None);
    }

    #[test]
    fn sessions_issued_before_not_before_are_refused_and_new_ones_are_not() {
        let key = Key::derive("secret");
        let now = at("2026-11-23T10:00:00Z");
        let before = Session::new(now, Duration::from_secs(3600)).encode(&key);
        let everywhere = Validity {
            not_before: Some(now.timestamp() + 1),
            ..hour()
        };
        assert_eq!(Session::decode(&before, &key, &everywhere, now), None);
        let after = Session::issue(now, &everywhere);
        assert_eq!(
            Session::decode(&after.encode(&key), &key, &everywhere, now),
            Some(after),
            "a login in the same second is valid"
        );
    }

    #[test]
    fn the_key_needs_the_secret_and_changes_with_the_hash() {
        let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$AAAA";
        let a = Key::for_sessions("bucket secret", hash);
        assert_eq!(
            a.sign("x"),
            Key::for_sessions("bucket secret", hash).sign("x")
        );
        assert_ne!(
            a.sign("x"),
            Key::derive(hash).sign("x"),
            "not from the hash alone"
        );
        assert_ne!(a.sign("x"), Key::for_sessions("another", hash).sign("x"));
        assert_ne!(
            a.sign("x"),
            Key::for_sessions("bucket secret", "other").sign("x")
        );
    }

    #[tokio::test]
    async fn the_bucket_secret_is_made_once_and_shared() {
        let store = Store::open("memory://", crate::store::Role::Frontend).unwrap();
        let first = bucket_secret(&store).await.unwrap();
        assert_eq!(first.len(), SECRET_LEN);
        assert_eq!(bucket_secret(&store).await.unwrap(), first);
        let other = Store::open("memory://", crate::store::Role::Frontend).unwrap();
        assert_ne!(bucket_secret(&other).await.unwrap(), first, "random");
    }
}
