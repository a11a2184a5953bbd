//! View structs for templates and JSON, and the mapping from the stored model to them. Kept
//! apart from the model so what is stored and what is shown can change independently.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::FeedConfig;
use crate::model::{FeedContent, FetchRecord, feed_id};

#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub title: String,
    pub link: Option<String>,
    pub published: Option<DateTime<Utc>>,
}

/// One source box.
#[derive(Debug, Clone, Serialize)]
pub struct SourceView {
    /// Stable id of the feed (see [`crate::model::feed_id`]).
    pub id: String,
    pub title: String,
    /// The feed URL.
    pub url: String,
    pub site_url: Option<String>,
    pub logo: Option<String>,
    /// The last successful fetch that changed the box.
    pub last_success: Option<DateTime<Utc>>,
    /// The full error, for `/api/headlines` and admins.
    pub error: Option<String>,
    /// The short reason readers see (see [`crate::model::FeedError::reason`]).
    pub error_reason: Option<String>,
    /// The class of the last failure (`timeout`, `http`, `parse`, ...; see [`crate::model::FeedError`]).
    pub error_kind: Option<String>,
    pub entries: Vec<EntryView>,
}

/// The box of `feed` as one site shows it: its newest `history` entries (the stored feed may
/// keep more for another site that asks for more).
pub fn source_view(
    feed: &FeedConfig,
    content: &FeedContent,
    record: Option<&FetchRecord>,
    history: usize,
) -> SourceView {
    let url = feed.url.as_str();
    let title = feed
        .title
        .clone()
        .or_else(|| content.title.clone())
        .unwrap_or_else(|| feed.url.url().host_str().unwrap_or(url).to_string());
    // Only stable health fields: times that move on every fetch (last checked, next fetch)
    // would change the published JSON on a pass with no news. They go to the log.
    let error = record.and_then(|r| r.last_error.as_ref());
    SourceView {
        id: feed_id(url),
        title,
        url: url.to_string(),
        site_url: feed
            .site_url
            .as_ref()
            .map(|u| u.as_str().to_string())
            .or_else(|| content.site_url.clone()),
        logo: feed.logo.as_ref().map(|u| u.as_str().to_string()),
        last_success: content.updated_at,
        error: error.map(|e| e.message.clone()),
        error_reason: error.map(|e| e.reason()),
        error_kind: error.map(|e| e.kind.clone()),
        entries: content
            .entries
            .iter()
            .take(history)
            .map(|e| EntryView {
                title: e.title.clone(),
                link: e.link.clone(),
                published: e.published,
            })
            .collect(),
    }
}
