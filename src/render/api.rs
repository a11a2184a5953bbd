//! `/api/headlines`: every source box and its entries as JSON, with the full error for
//! admins and scripts (the page shows readers a short reason instead). Feed URLs that point
//! at private addresses are left out ([`super::view::public_url`]).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::view::{EntryView, SourceView, public_url};
use crate::config::SiteConfig;

#[derive(Serialize)]
struct HeadlinesJson<'a> {
    site: &'a str,
    /// When the newest content was fetched: deterministic, so unchanged input gives equal bytes.
    generated_at: DateTime<Utc>,
    sources: Vec<SourceJson<'a>>,
}

#[derive(Serialize)]
struct SourceJson<'a> {
    id: &'a str,
    title: &'a str,
    /// `null` when the feed lives at a private address.
    url: Option<&'a str>,
    site_url: Option<&'a str>,
    logo: Option<&'a str>,
    last_success: Option<DateTime<Utc>>,
    error: Option<&'a str>,
    error_kind: Option<&'a str>,
    entries: &'a [EntryView],
}

/// When the site's newest content was fetched; the epoch for a site that has none yet.
pub fn generated_at(sources: &[SourceView]) -> DateTime<Utc> {
    sources
        .iter()
        .filter_map(|s| s.last_success)
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

pub fn headlines_json(site: &SiteConfig, sources: &[SourceView]) -> Vec<u8> {
    let doc = HeadlinesJson {
        site: site.name.as_str(),
        generated_at: generated_at(sources),
        sources: sources
            .iter()
            .map(|s| SourceJson {
                id: &s.id,
                title: &s.title,
                url: public_url(&s.url),
                site_url: s.site_url.as_deref(),
                logo: s.logo.as_deref(),
                last_success: s.last_success,
                error: s.error.as_deref(),
                error_kind: s.error_kind.as_deref(),
                entries: &s.entries,
            })
            .collect(),
    };
    // Compact: a third fewer bytes than indented, and cheaper to write on every render.
    serde_json::to_vec(&doc).expect("plain data serializes")
}
