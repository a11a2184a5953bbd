//! Cross-site request forgery: every admin form carries a hidden `csrf` token bound to the
//! session (an HMAC of its id, so any frontend can check it), and every POST must bring it
//! back. The browser's `Origin` (or `Sec-Fetch-Site`) must also name this site when it sends
//! one; `SameSite=Strict` keeps the cookie off cross-site requests as a third line.

use axum::http::HeaderMap;

use super::session::{Key, Session};

/// The token for forms of `session`.
pub fn token(session: &Session, key: &Key) -> String {
    key.sign(&format!("csrf.{}", session.id))
}

/// Whether `given` is `session`'s token (constant-time).
pub fn check(session: &Session, key: &Key, given: Option<&str>) -> bool {
    given.is_some_and(|t| key.verify(&format!("csrf.{}", session.id), t))
}

/// Whether a POST may come from this site: a browser that says where a form comes from must
/// say it is this host. Without those headers (curl, older browsers) the token decides.
pub fn same_origin(headers: &HeaderMap) -> bool {
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| !matches!(v.as_bytes(), b"same-origin" | b"none"))
    {
        return false;
    }
    crate::frontend::client::origin_is_host(headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn tokens_are_bound_to_the_session_and_the_key() {
        let key = Key::derive("k");
        let now = chrono::Utc::now();
        let a = Session::new(now, std::time::Duration::from_secs(60));
        let b = Session::new(now, std::time::Duration::from_secs(60));
        let t = token(&a, &key);
        assert!(check(&a, &key, Some(&t)));
        assert!(!check(&b, &key, Some(&t)), "another session's token");
        assert!(!check(&a, &Key::derive("other"), Some(&t)));
        assert!(!check(&a, &key, None));
        assert!(!check(&a, &key, Some("")));
    }

    #[test]
    fn only_this_site_may_post() {
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, HeaderValue::from_static(v));
            }
            m
        };
        assert!(same_origin(&h(&[("host", "news.example")])));
        assert!(same_origin(&h(&[
            ("host", "news.example"),
            ("origin", "https://news.example"),
            ("sec-fetch-site", "same-origin"),
        ])));
        assert!(!same_origin(&h(&[
            ("host", "news.example"),
            ("origin", "https://evil.example")
        ])));
        assert!(!same_origin(&h(&[
            ("host", "news.example"),
            ("sec-fetch-site", "same-site")
        ])));
    }
}
