//! Talking to feed servers: one HTTP client with the fetcher's rules (timeouts, redirect limit,
//! SSRF guard, conditional GET, body cap counted after decompression), and the schedule maths.

pub mod backoff;
pub mod guard;
pub mod image;
pub mod page;
pub mod schedule;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use url::Url;

use crate::address::shown_url;
use crate::config::{FeedRequest, FetchConfig};
use crate::model::FeedError;

/// What a feed server answered, once the rules were applied.
#[derive(Debug)]
pub struct Fetched {
    /// `None` for 304 Not Modified.
    pub body: Option<Bytes>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub final_url: Url,
    /// `Cache-Control: max-age`, in seconds.
    pub max_age: Option<u64>,
    /// The `charset` of the Content-Type, if declared.
    pub charset: Option<String>,
}

/// A failed fetch: what went wrong and, for 429/503, when the server asked us to come back.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchFailure {
    pub error: FeedError,
    pub retry_after: Option<Duration>,
}

impl FetchFailure {
    fn new(kind: &str, message: impl Into<String>) -> Self {
        FetchFailure {
            error: FeedError {
                kind: kind.into(),
                message: message.into(),
            },
            retry_after: None,
        }
    }
}

/// Builds a reqwest client under the fetcher's rules; `same_origin` follows redirects only
/// within the origin of the first request.
type Build = dyn Fn(bool) -> reqwest::Result<reqwest::Client> + Send + Sync;

/// The fetcher's HTTP client.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    /// For feeds whose config adds headers (which may carry a token): the same rules, but a
    /// redirect to another origin is refused, so no other host is ever sent them (reqwest
    /// drops only `Authorization` and cookies there). Built on first use: most feeds add none.
    same_origin: Arc<OnceLock<reqwest::Client>>,
    build: Arc<Build>,
    max_body: u64,
    /// Hosts that may be on private addresses (see [`guard`]).
    private_hosts: guard::PrivateHosts,
}

impl HttpClient {
    pub fn new(cfg: &FetchConfig) -> anyhow::Result<Self> {
        Self::with_builder(cfg, |b| b)
    }

    /// [`HttpClient::new`] with a last say on the builder: tests resolve a name to loopback the
    /// way public DNS would, to reach the guard on the hops after it.
    pub(crate) fn with_builder(
        cfg: &FetchConfig,
        last: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> anyhow::Result<Self> {
        let cfg = cfg.clone();
        let private_hosts = guard::PrivateHosts::new(cfg.private_hosts());
        let max_body = cfg.max_body_bytes;
        let allowed = private_hosts.clone();
        let build: Arc<Build> =
            Arc::new(move |same_origin| last(builder(&cfg, &allowed, same_origin)).build());
        Ok(HttpClient {
            client: build(false)?,
            same_origin: Arc::default(),
            build,
            max_body,
            private_hosts,
        })
    }

    /// A conditional GET: sends the stored validators exactly as the server gave them.
    pub async fn get(
        &self,
        url: &Url,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<Fetched, FetchFailure> {
        self.get_feed(url, etag, last_modified, &FeedRequest::default())
            .await
    }

    /// [`HttpClient::get`] with a feed's own `User-Agent` and headers from the config. Its
    /// headers come after `Accept`, which they may replace; the validators and the rest of what
    /// the fetcher sets are refused in the config. With headers, a redirect is followed only
    /// within the feed's origin (kind `redirect` otherwise).
    pub async fn get_feed(
        &self,
        url: &Url,
        etag: Option<&str>,
        last_modified: Option<&str>,
        request: &FeedRequest,
    ) -> Result<Fetched, FetchFailure> {
        guard::check_literal(url, &self.private_hosts)
            .map_err(|b| FetchFailure::new("blocked", b.to_string()))?;
        let client = if request.headers.is_empty() {
            &self.client
        } else {
            self.same_origin_client()?
        };
        let mut req = client.get(url.clone()).header(
            header::ACCEPT,
            "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1",
        );
        if let Some(agent) = &request.user_agent {
            req = req.header(header::USER_AGENT, agent.clone());
        }
        if !request.headers.is_empty() {
            req = req.headers(request.headers.clone());
        }
        if let Some(etag) = etag {
            req = req.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = last_modified {
            req = req.header(header::IF_MODIFIED_SINCE, lm);
        }
        let mut resp = req.send().await.map_err(classify)?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let final_url = resp.url().clone();
        let mut fetched = Fetched {
            body: None,
            etag: header_str(&headers, header::ETAG),
            last_modified: header_str(&headers, header::LAST_MODIFIED),
            final_url,
            max_age: max_age(&headers),
            charset: charset(&headers),
        };
        if status == StatusCode::NOT_MODIFIED {
            // A 304 may omit validators; keep the ones we sent.
            fetched.etag = fetched.etag.or(etag.map(str::to_string));
            fetched.last_modified = fetched.last_modified.or(last_modified.map(str::to_string));
            return Ok(fetched);
        }
        if !status.is_success() {
            let mut failure = FetchFailure::new("http", format!("HTTP {status}"));
            if matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            ) {
                failure.retry_after = retry_after(&headers, Utc::now());
            }
            return Err(failure);
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = resp.chunk().await.map_err(classify)? {
            if body.len() as u64 + chunk.len() as u64 > self.max_body {
                return Err(FetchFailure::new(
                    "too-large",
                    format!(
                        "body larger than {} bytes (after decompression)",
                        self.max_body
                    ),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        if body.is_empty() {
            return Err(FetchFailure::new("empty", "empty response body"));
        }
        fetched.body = Some(body.freeze());
        Ok(fetched)
    }
}

impl HttpClient {
    fn same_origin_client(&self) -> Result<&reqwest::Client, FetchFailure> {
        if let Some(client) = self.same_origin.get() {
            return Ok(client);
        }
        let built = (self.build)(true)
            .map_err(|e| FetchFailure::new("network", format!("cannot build the client: {e}")))?;
        Ok(self.same_origin.get_or_init(|| built))
    }
}

/// A client builder with the fetcher's rules: user agent, timeouts, no proxy, no retries,
/// the SSRF guard on every resolved address, and the redirect policy (a limit, http(s) only,
/// the guard on each hop, and with `same_origin` no hop to another origin).
fn builder(
    cfg: &FetchConfig,
    private_hosts: &guard::PrivateHosts,
    same_origin: bool,
) -> reqwest::ClientBuilder {
    let allowed = private_hosts.clone();
    let max_redirects = cfg.max_redirects;
    let redirect = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > max_redirects {
            return attempt.error(format!("more than {max_redirects} redirects"));
        }
        if !matches!(attempt.url().scheme(), "http" | "https") {
            let scheme = attempt.url().scheme().to_string();
            return attempt.error(format!("redirect to a {scheme}: URL"));
        }
        if let Err(blocked) = guard::check_literal(attempt.url(), &allowed) {
            return attempt.error(blocked);
        }
        if same_origin
            && let Some(first) = attempt.previous().first()
            && first.origin() != attempt.url().origin()
        {
            let to = shown_url(attempt.url().as_str());
            return attempt.error(format!(
                "redirect to another host ({to}), which is not sent the feed's headers: set the feed's url to where it redirects"
            ));
        }
        attempt.follow()
    });
    reqwest::Client::builder()
        .user_agent(cfg.user_agent.clone())
        .connect_timeout(Duration::from_secs(cfg.connect_timeout_secs))
        .timeout(Duration::from_secs(cfg.timeout_secs))
        .redirect(redirect)
        .no_proxy()
        .retry(reqwest::retry::never())
        .dns_resolver(guard::GuardedResolver {
            allowed: private_hosts.clone(),
        })
}

/// What an API answered: any status, with its body, since APIs explain errors in the body.
#[derive(Debug)]
pub struct ApiResponse {
    pub status: StatusCode,
    pub body: Bytes,
    /// `Retry-After` of a 429 or 503.
    pub retry_after: Option<Duration>,
}

impl HttpClient {
    /// A GET of a JSON API (the weather provider) under the same rules as feeds: SSRF guard,
    /// timeouts, redirect limit, body cap. An error status is an answer, not a failure. The
    /// URL may carry an API key: no failure message names it (see `classify`).
    pub async fn get_api(&self, url: &Url) -> Result<ApiResponse, FetchFailure> {
        guard::check_literal(url, &self.private_hosts)
            .map_err(|b| FetchFailure::new("blocked", b.to_string()))?;
        let mut resp = self
            .client
            .get(url.clone())
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(classify)?;
        let status = resp.status();
        let retry_after = matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
        )
        .then(|| retry_after(resp.headers(), Utc::now()))
        .flatten();
        let mut body = BytesMut::new();
        while let Some(chunk) = resp.chunk().await.map_err(classify)? {
            if body.len() as u64 + chunk.len() as u64 > self.max_body {
                return Err(FetchFailure::new(
                    "too-large",
                    format!("body larger than {} bytes", self.max_body),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(ApiResponse {
            status,
            body: body.freeze(),
            retry_after,
        })
    }
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `max-age` of `Cache-Control` (RFC 9111 §5.2.2.1).
fn max_age(headers: &HeaderMap) -> Option<u64> {
    let cc = headers.get(header::CACHE_CONTROL)?.to_str().ok()?;
    cc.split(',').find_map(|d| {
        d.trim()
            .strip_prefix("max-age=")?
            .trim_matches('"')
            .parse()
            .ok()
    })
}

fn charset(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    ct.split(';')
        .find_map(|p| {
            p.trim()
                .strip_prefix("charset=")
                .or_else(|| p.trim().strip_prefix("CHARSET="))
        })
        .map(|c| c.trim_matches('"').to_ascii_lowercase())
}

/// `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let v = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// Turns a reqwest error into a kind and a message that says what happened. Never with the
/// URL: a feed's may carry a secret (`?token=`), and the message is published in
/// `/api/headlines`; the feed it is about is known wherever it is shown.
fn classify(err: reqwest::Error) -> FetchFailure {
    let err = err.without_url();
    let mut source: Option<&dyn std::error::Error> = Some(&err);
    while let Some(e) = source {
        if let Some(blocked) = e.downcast_ref::<guard::Blocked>() {
            return FetchFailure::new("blocked", blocked.to_string());
        }
        source = e.source();
    }
    let kind = if err.is_timeout() {
        "timeout"
    } else if err.is_redirect() {
        "redirect"
    } else if err.is_connect() {
        "connect"
    } else if err.is_decode() || err.is_body() {
        "body"
    } else {
        "network"
    };
    FetchFailure::new(kind, error_chain(&err))
}

/// "outer: inner: root" so the message says why, not only that.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut msg = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        let s = e.to_string();
        if !msg.contains(&s) {
            msg.push_str(": ");
            msg.push_str(&s);
        }
        source = e.source();
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(120)));
        h.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static("Mon, 23 Nov 2026 12:10:00 GMT"),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(600)));
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h, now), None);
    }

    #[test]
    fn max_age_and_charset_are_read() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=600"),
        );
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/xml; charset=ISO-8859-1"),
        );
        assert_eq!(max_age(&h), Some(600));
        assert_eq!(charset(&h).as_deref(), Some("iso-8859-1"));
    }
}
