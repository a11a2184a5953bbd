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
