//! Turning a page held in memory into an HTTP response: encoding picked from the precompressed
//! variants, strong ETags and `If-None-Match` (RFC 9110 §13.1.2), `Cache-Control` by kind
//! (RFC 9111). Every error status is decided here.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::page::Page;

/// How a kind of response may be cached (RFC 9111 §5.2.2) and what it varies on (RFC 9110
/// §12.5.5).
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub cache_control: &'static str,
    pub vary: &'static str,
}

/// Hashed assets never change under their name.
pub const ASSET: Policy = Policy {
    cache_control: crate::store::keys::CACHE_IMMUTABLE,
    vary: "Accept-Encoding",
};

/// Pages change with every generation: short freshness, then revalidate; a cache may serve a
/// stale copy while it revalidates or while the origin fails (RFC 5861).
const PAGE_CACHE: &str = "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400";

/// JSON and other pages that are the same for every reader.
pub const PAGE: Policy = Policy {
    cache_control: PAGE_CACHE,
    vary: "Accept-Encoding",
};

/// The default front page: shared caches may keep it, but `/` depends on the layout cookie,
/// so it varies on `Cookie` too.
pub const FRONT: Policy = Policy {
    cache_control: PAGE_CACHE,
    vary: "Accept-Encoding, Cookie",
};

/// A reader's own layout: only the reader's browser may keep it (RFC 9111 §5.2.2.7).
pub const LAYOUT: Policy = Policy {
    cache_control: "private, max-age=10",
    vary: "Accept-Encoding, Cookie",
};

/// The encoding to send: `br`, `gzip` or `identity`, among those stored (RFC 9110 §12.5.3).
pub fn negotiate(accept: Option<&HeaderValue>, stored: &[&str]) -> &'static str {
    let Some(accept) = accept.and_then(|v| v.to_str().ok()) else {
        return "identity";
    };
    let q = |coding: &str| -> f32 {
        accept
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let name = it.next()?.trim();
                if !name.eq_ignore_ascii_case(coding) && name != "*" {
                    return None;
                }
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1.0);
                Some((name == "*", q))
            })
            // An explicit entry for the coding beats the wildcard.
            .min_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, q)| q)
            .unwrap_or(0.0)
    };
    ["br", "gzip"]
        .into_iter()
        .find(|c| stored.contains(c) && q(c) > 0.0)
        .unwrap_or("identity")
}

/// Whether `If-None-Match` matches `etag`: weak comparison, as RFC 9110 §13.1.2 asks for.
pub fn not_modified(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
}

/// The response for `page`: 304 when the client has this variant, else its bytes. HEAD is
/// answered by axum from the same response, without the body.
pub fn page(page: &Page, headers: &HeaderMap, policy: Policy) -> Response {
    let encoding = negotiate(headers.get(header::ACCEPT_ENCODING), page.encodings());
    let variant = page.variant(encoding);
    let mut resp = if not_modified(headers, &variant.etag) {
        // A 304 carries the headers a 200 would have had (RFC 9110 §15.4.5).
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        let mut r = Response::new(Body::from(variant.body.clone()));
        // Room for these and the security headers without growing the map.
        *r.headers_mut() = HeaderMap::with_capacity(16);
        let h = r.headers_mut();
        h.insert(header::CONTENT_TYPE, page.content_type.clone());
        if encoding != "identity" {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        r
    };
    let h = resp.headers_mut();
    h.insert(header::ETAG, variant.etag.clone());
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(policy.cache_control),
    );
    h.insert(header::VARY, HeaderValue::from_static(policy.vary));
    resp
}

/// The frontend's errors, each with its status.
#[derive(Debug)]
pub enum Error {
    NotFound,
    /// No site in the bucket at all.
    NoSite {
        retry_after: u64,
    },
    /// The host's site is in the index but cannot be loaded: its own 503, never another
    /// site's page.
    SiteDown {
        retry_after: u64,
    },
    /// A form that does not come from this site.
    Forbidden,
    /// A request that cannot be answered as asked; the reason is sent to the client.
    BadRequest(String),
    /// The bucket failed and nothing cached can answer.
    Unavailable(String),
    /// The client's network spent its share of a costly route: try again after this many
    /// seconds.
    RateLimited {
        retry_after: u64,
    },
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let retry_after = match self {
            Error::NoSite { retry_after }
            | Error::SiteDown { retry_after }
            | Error::RateLimited { retry_after } => Some(retry_after),
            _ => None,
        };
        let (status, msg) = match self {
            Error::NotFound => (StatusCode::NOT_FOUND, "not found\n"),
            Error::NoSite { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "no site has been published yet\n",
            ),
            Error::SiteDown { .. } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "this site is temporarily unavailable\n",
            ),
            Error::Forbidden => (StatusCode::FORBIDDEN, "cross-site form refused\n"),
            Error::RateLimited { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too many searches from your network; try again in a minute\n",
            ),
            Error::BadRequest(reason) => {
                let mut resp = (StatusCode::BAD_REQUEST, format!("{reason}\n")).into_response();
                resp.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                return resp;
            }
            Error::Unavailable(why) => {
                tracing::warn!(error = %why, "object unavailable");
                (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable\n")
            }
        };
        let mut resp = (status, msg).into_response();
        let h = resp.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        // When to try again (RFC 9110 §10.2.3): the site may load at the next poll.
        if let Some(secs) = retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(accept: &str) -> &'static str {
        negotiate(
            Some(&HeaderValue::from_str(accept).unwrap()),
            &["br", "gzip"],
        )
    }

    #[test]
    fn picks_best_stored_encoding() {
        assert_eq!(enc("gzip, deflate, br"), "br");
        assert_eq!(enc("gzip"), "gzip");
        assert_eq!(enc("br;q=0, gzip"), "gzip");
        assert_eq!(enc("identity"), "identity");
        assert_eq!(enc("*"), "br");
        assert_eq!(enc("*, br;q=0"), "gzip");
        assert_eq!(enc("GZIP;q=0.5"), "gzip");
        assert_eq!(negotiate(None, &["br"]), "identity");
        assert_eq!(
            negotiate(Some(&HeaderValue::from_static("br")), &[]),
            "identity"
        );
    }

    #[test]
    fn if_none_match_compares_weakly() {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"a\", W/\"abc-gz\""),
        );
        assert!(not_modified(&h, &HeaderValue::from_static("\"abc-gz\"")));
        assert!(!not_modified(&h, &HeaderValue::from_static("\"abc\"")));
    }
}
