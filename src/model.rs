//! Plain data shared by the fetcher and the renderer: entries, a feed's stored history and its
//! fetch record. No I/O here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One headline, normalized: plain-text title, http(s) link only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Stable id: the feed's guid/id, else the link, else a hash of title and date.
    pub id: String,
    pub title: String,
    pub link: Option<String>,
    pub published: Option<DateTime<Utc>>,
    /// When this fetcher first saw the entry; orders undated entries.
    pub first_seen: DateTime<Utc>,
    /// Plain text from the entry's summary or content: no markup, at most about 300
    /// characters, cut on a word boundary. Absent in histories stored before summaries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The image the feed offers for the entry, and our copy of it once fetched. Kept only for
    /// feeds with `images = true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Thumbnail>,
}

/// An entry's thumbnail: the URL the feed names, and the immutable asset it is copied to.
/// Living in the stored entry, it goes when the entry leaves the history, and a copy is made
/// once per source URL, not once per pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thumbnail {
    /// Absolute http(s) URL on the feed's side; never shown to readers.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy: Option<ImageCopy>,
    /// Failed copies in a row, and when to try again (the same backoff as logos).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failures: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_try: Option<DateTime<Utc>>,
}

impl Thumbnail {
    /// An image a feed offers, not copied yet.
    pub fn offered(source: String) -> Self {
        Thumbnail {
            source,
            copy: None,
            failures: 0,
            next_try: None,
        }
    }
}

/// A stored copy of an image: its content-hashed asset name (served under `/assets/`) and its
/// size in pixels, read from its header, so a page reserves its room before it loads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageCopy {
    pub asset: String,
    pub width: u32,
    pub height: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What a feed has published, as stored in the bucket: rewritten only when it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedContent {
    pub url: String,
    /// The feed's own title and home page, as last seen.
    pub title: Option<String>,
    pub site_url: Option<String>,
    /// The feed's own image or icon URL, as last seen: a candidate for the source's logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Newest first, bounded.
    pub entries: Vec<Entry>,
    /// The last successful fetch that changed what the feed shows.
    pub updated_at: Option<DateTime<Utc>>,
}

impl FeedContent {
    pub fn empty(url: &str) -> Self {
        FeedContent {
            url: url.to_string(),
            title: None,
            site_url: None,
            image: None,
            entries: vec![],
            updated_at: None,
        }
    }
}

/// Why a fetch failed, in a form a reader and an operator can both act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedError {
    /// Short machine-readable class: `network`, `timeout`, `http`, `too-large`, `parse`, `blocked`, ...
    pub kind: String,
    pub message: String,
}

impl FeedError {
    /// Why the feed could not be loaded, said for readers in a few words: never the URL or the
    /// HTTP library's wording, which `message` keeps for operators.
    pub fn reason(&self) -> String {
        // Matched phrases all contain a space, which a URL in the message cannot.
        let message = self.message.to_ascii_lowercase();
        let says = |phrases: &[&str]| phrases.iter().any(|p| message.contains(p));
        let reason = match self.kind.as_str() {
            "timeout" => "timed out",
            "connect" | "network" if says(&["dns error", "failed to lookup address"]) => {
                "the server's name could not be found"
            }
            "connect" | "network" if says(&["timed out"]) => "timed out",
            "connect" | "network" if says(&["connection refused"]) => {
                "the server refused the connection"
            }
            "connect" | "network" if says(&["peer certificate", "certificate verify"]) => {
                "the server's certificate was not accepted"
            }
            "connect" => "could not connect",
            "network" => "the connection failed",
            "redirect" if says(&["more than"]) => "too many redirects",
            "redirect" if says(&["another host"]) => "redirected to another host",
            "redirect" => "redirected to an address that is not a web page",
            "body" => "the answer could not be read",
            "blocked" => "blocked: private address",
            "http" => return http_reason(&self.message),
            "too-large" => "the feed is too large",
            "empty" => "the server sent an empty answer",
            // A page read with `scrape` selectors (feed::scrape's messages).
            "parse" if says(&["no stories on the page"]) => "no stories were found on the page",
            "parse" if says(&["not an html page"]) => "the page is not HTML",
            "parse" => "not a valid feed",
            _ => "an unexpected error",
        };
        reason.to_string()
    }
}

/// An `http` failure ("HTTP 503 Service Unavailable") by its status code.
fn http_reason(message: &str) -> String {
    let code = message
        .strip_prefix("HTTP ")
        .and_then(|rest| rest.get(..3))
        .filter(|code| code.bytes().all(|b| b.is_ascii_digit()));
    match code {
        Some(code @ "404") => format!("the feed was not found (HTTP {code})"),
        Some(code @ "410") => format!("the feed was removed (HTTP {code})"),
        Some(code @ ("401" | "403")) => format!("access was refused (HTTP {code})"),
        Some(code @ "429") => format!("too many requests (HTTP {code})"),
        Some(code) => format!("the server answered HTTP {code}"),
        None => "the server answered with an error".into(),
    }
}

/// Everything the fetcher remembers about talking to one feed: validators, schedule, health.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FetchRecord {
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Where the last redirect chain ended, if it moved.
    pub final_url: Option<String>,
    pub last_checked: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<FeedError>,
    pub consecutive_failures: u32,
    pub next_fetch: Option<DateTime<Utc>>,
    /// Current adaptive interval between fetches.
    pub interval_secs: u64,
    /// When new entries appeared, newest last, bounded: drives the adaptive interval.
    #[serde(default)]
    pub news_times: Vec<DateTime<Utc>>,
    /// When the feed's stored content last changed: its version, for every shard's renderer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_updated: Option<DateTime<Utc>>,
    /// When a thumbnail of a shown entry is next due to be copied (feeds with `images = true`
    /// only; see `fetcher::thumbnails`): read even when the feed is not modified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnails_due: Option<DateTime<Utc>>,
    /// The source's logo, fetched rarely (see `sync::logos`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo: Option<LogoRecord>,
}

/// A source's logo: where it came from, the immutable asset it is stored as, and when to look
/// again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogoRecord {
    /// The URL the stored image was fetched from.
    pub source: Option<String>,
    /// The config's `logo` when it was last looked for: a new one is looked for at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configured: Option<String>,
    /// The content-hashed asset name (`logo-<feed id>.<hash>.<ext>`), served under `/assets/`.
    pub asset: Option<String>,
    pub checked_at: Option<DateTime<Utc>>,
    pub next_check: Option<DateTime<Utc>>,
    /// Failed attempts in a row (every candidate URL failed), for the backoff.
    pub failures: u32,
    /// Why the last attempt found no logo.
    pub last_error: Option<String>,
}

/// A feed's stable id: the first 16 hex digits of the SHA-256 of its URL. Names its state
/// objects and its source box.
pub fn feed_id(url: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(url.as_bytes())[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(kind: &str, message: &str) -> String {
        FeedError {
            kind: kind.into(),
            message: message.into(),
        }
        .reason()
    }

    const URL: &str = "error sending request for url (http://feeds.example/rss)";

    #[test]
    fn every_kind_has_a_reason_for_readers() {
        let cases = [
            ("timeout", format!("{URL}: operation timed out"), "timed out"),
            (
                "connect",
                format!("{URL}: client error (Connect): tcp connect error: Connection refused (os error 111)"),
                "the server refused the connection",
            ),
            (
                "connect",
                format!("{URL}: client error (Connect): tcp connect error: Connection timed out (os error 110)"),
                "timed out",
            ),
            (
                "connect",
                format!("{URL}: client error (Connect): invalid peer certificate: UnknownIssuer"),
                "the server's certificate was not accepted",
            ),
            (
                "connect",
                format!("{URL}: client error (Connect)"),
                "could not connect",
            ),
            (
                "network",
                format!("{URL}: connection closed before message completed"),
                "the connection failed",
            ),
            (
                "redirect",
                "error following redirect for url (http://a.example/): more than 5 redirects".into(),
                "too many redirects",
            ),
            (
                "redirect",
                "error following redirect for url (http://a.example/): redirect to a ftp: URL".into(),
                "redirected to an address that is not a web page",
            ),
            (
                "body",
                "error decoding response body: invalid gzip header".into(),
                "the answer could not be read",
            ),
            (
                "blocked",
                "10.0.0.1 is a private or reserved address (set [fetch] allow_private_networks = true to allow)".into(),
                "blocked: private address",
            ),
            ("http", "HTTP 503 Service Unavailable".into(), "the server answered HTTP 503"),
            ("http", "HTTP 500 Internal Server Error".into(), "the server answered HTTP 500"),
            ("http", "HTTP 404 Not Found".into(), "the feed was not found (HTTP 404)"),
            ("http", "HTTP 410 Gone".into(), "the feed was removed (HTTP 410)"),
            ("http", "HTTP 403 Forbidden".into(), "access was refused (HTTP 403)"),
            ("http", "HTTP 429 Too Many Requests".into(), "too many requests (HTTP 429)"),
            ("http", "teapot".into(), "the server answered with an error"),
            (
                "too-large",
                "body larger than 10485760 bytes (after decompression)".into(),
                "the feed is too large",
            ),
            ("empty", "empty response body".into(), "the server sent an empty answer"),
            (
                "parse",
                "not a feed: unable to parse feed: no root element".into(),
                "not a valid feed",
            ),
            (
                "parse",
                "no stories on the page: no element matches the item selector \"article\"".into(),
                "no stories were found on the page",
            ),
            ("parse", "not an HTML page: the body is JSON".into(), "the page is not HTML"),
            ("something-new", "whatever went wrong".into(), "an unexpected error"),
        ];
        for (kind, message, expected) in cases {
            let got = reason(kind, &message);
            assert_eq!(got, expected, "{kind}: {message}");
            assert!(got.chars().count() <= 60, "{got}");
        }
    }

    #[test]
    fn a_name_that_does_not_resolve_is_said_plainly() {
        let dns = "the server's name could not be found";
        let message = format!(
            "{URL}: client error (Connect): dns error: failed to lookup address information: Name or service not known"
        );
        assert_eq!(reason("connect", &message), dns);
        assert_eq!(reason("network", &message), dns);
        assert_eq!(
            reason(
                "connect",
                "failed to lookup address information: No address associated with hostname"
            ),
            dns
        );
    }

    #[test]
    fn a_url_that_looks_like_an_error_is_not_taken_for_one() {
        let message = "error sending request for url (http://refused.example/dns-error/timed-out): client error (Connect)";
        assert_eq!(reason("connect", message), "could not connect");
    }
}
