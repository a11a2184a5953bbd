//! Turning a stored object into an HTTP response: encoding picked from the precompressed
//! variants, strong ETags and `If-None-Match` (RFC 9110 §13.1.2), `Cache-Control` by kind
//! (RFC 9111). Every error status is decided here.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::store::manifest::ObjectRef;

/// Hashed assets never change under their name.
pub const CACHE_IMMUTABLE: &str = crate::store::keys::CACHE_IMMUTABLE;
/// Pages change with every generation: short freshness, then revalidate; serve stale while the
/// origin is slow or failing.
pub const CACHE_PAGE: &str = "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400";

/// The encoding to send: `br`, `gzip` or `identity`, among those stored.
pub fn negotiate<'a>(accept: Option<&HeaderValue>, stored: &'a [String]) -> &'a str {
    let Some(accept) = accept.and_then(|v| v.to_str().ok()) else { return "identity" };
    let q = |coding: &str| -> f32 {
        accept
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let name = it.next()?.trim();
                if !name.eq_ignore_ascii_case(coding) && name != "*" {
                    return None;
                }
                let q = it.find_map(|p| p.trim().strip_prefix("q=")).and_then(|v| v.parse().ok()).unwrap_or(1.0);
                Some((name == "*", q))
            })
            // An explicit entry for the coding beats the wildcard.
            .min_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, q)| q)
            .unwrap_or(0.0)
    };
    for coding in ["br", "gzip"] {
        if let Some(s) = stored.iter().find(|s| *s == coding)
            && q(coding) > 0.0
        {
            return s;
        }
    }
    "identity"
}

/// The strong ETag of one stored variant.
pub fn etag(hash: &str, encoding: &str) -> String {
    match encoding {
        "br" => format!("\"{hash}-br\""),
        "gzip" => format!("\"{hash}-gz\""),
        _ => format!("\"{hash}\""),
    }
}

/// Whether `If-None-Match` matches `etag` (weak comparison, as RFC 9110 asks for GET).
pub fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    let Some(inm) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) else { return false };
    inm.split(',').map(str::trim).any(|t| t == "*" || t.trim_start_matches("W/") == etag)
}

/// A response for a stored object whose variant bytes are `body` (already chosen by encoding).
pub fn object(obj: &ObjectRef, encoding: &str, cache_control: &'static str, body: Bytes) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, value(&obj.content_type));
    if encoding != "identity" {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(if encoding == "br" { "br" } else { "gzip" }));
    }
    common_headers(h, &etag(&obj.hash, encoding), cache_control, !obj.encodings.is_empty());
    resp
}

/// 304 with the headers a 200 would have had (RFC 9110 §15.4.5).
pub fn not_modified_response(etag: &str, cache_control: &'static str, varies: bool) -> Response {
    let mut resp = StatusCode::NOT_MODIFIED.into_response();
    common_headers(resp.headers_mut(), etag, cache_control, varies);
    resp
}

fn common_headers(h: &mut HeaderMap, etag: &str, cache_control: &'static str, varies: bool) {
    h.insert(header::ETAG, value(etag));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    if varies {
        h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
}

fn value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
}

/// The frontend's errors, each with its status.
#[derive(Debug)]
pub enum Error {
    NotFound,
    /// Nothing published yet for this host.
    NoSite,
    /// The bucket failed and nothing cached can answer.
    Unavailable(String),
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, msg) = match self {
            Error::NotFound => (StatusCode::NOT_FOUND, "not found\n".to_string()),
            Error::NoSite => (StatusCode::SERVICE_UNAVAILABLE, "no site has been published yet\n".to_string()),
            Error::Unavailable(why) => {
                tracing::warn!(error = %why, "object unavailable");
                (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable\n".to_string())
            }
        };
        let mut resp = (status, msg).into_response();
        resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(accept: &str) -> &'static str {
        let stored: &'static [String] = Box::leak(Box::new(["br".to_string(), "gzip".to_string()]));
        negotiate(Some(&HeaderValue::from_str(accept).unwrap()), stored)
    }

    #[test]
    fn picks_best_stored_encoding() {
        assert_eq!(enc("gzip, deflate, br"), "br");
        assert_eq!(enc("gzip"), "gzip");
        assert_eq!(enc("br;q=0, gzip"), "gzip");
        assert_eq!(enc("identity"), "identity");
        assert_eq!(enc("*"), "br");
        assert_eq!(enc("*, br;q=0"), "gzip");
        assert_eq!(negotiate(None, &["br".to_string()]), "identity");
        assert_eq!(negotiate(Some(&HeaderValue::from_static("br")), &[]), "identity");
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"a\", W/\"abc-gz\""));
        assert!(not_modified(&h, "\"abc-gz\""));
        assert!(!not_modified(&h, "\"abc\""));
    }
}
