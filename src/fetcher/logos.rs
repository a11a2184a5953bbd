//! Source logos, the step of a pass after the feeds: each source's logo is fetched rarely
//! (weekly, or after a failure with backoff), checked to be a real raster image and stored
//! once as an immutable, content-hashed asset (`assets/logo-<feed id>.<hash>.<ext>`) that
//! pages name and a CDN may cache forever. Readers never load a logo from the source's site.
//!
//! Where a logo comes from, best first: the feed's `logo` in the config, the feed's own image
//! or icon, the site's `/favicon.ico`. A failed refresh keeps the logo stored before.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use url::Url;

use super::update::Limits;
use crate::address::shown_url;
use crate::config::FeedConfig;
use crate::fetch::HttpClient;
use crate::fetch::backoff::{Backoff, jitter};
use crate::model::{FeedContent, FetchRecord, LogoRecord, feed_id};
use crate::store::{Key, Store, StoreError};

/// Largest logo accepted: a box shows it at 24 px, and real favicons and feed logos are far
/// smaller.
pub const MAX_LOGO_BYTES: u64 = 256 * 1024;
/// How long a stored logo is kept before it is fetched again.
const REFRESH: Duration = Duration::from_secs(7 * 24 * 3600);
/// The wait after a first failure; it doubles with each failure in a row, up to [`REFRESH`].
const FIRST_RETRY: Duration = Duration::from_secs(3600);

/// The URLs to try for a feed's logo, best first, without repeats.
pub fn candidates(feed: &FeedConfig, content: &FeedContent) -> Vec<Url> {
    let site = feed
        .site_url
        .as_ref()
        .map(|u| u.url().clone())
        .or_else(|| content.site_url.as_deref().and_then(|s| Url::parse(s).ok()))
        .unwrap_or_else(|| feed.url.url().clone());
    let mut out: Vec<Url> = feed
        .logo
        .iter()
        .map(|u| u.url().clone())
        .chain(content.image.as_deref().and_then(|s| Url::parse(s).ok()))
        .chain(site.join("/favicon.ico").ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .collect();
    let mut seen = std::collections::HashSet::new();
    out.retain(|u| seen.insert(u.clone()));
    out
}

/// Whether `feed`'s logo should be looked for now: never for a feed that never loaded (its
/// site is likely unreachable too), else when its time has come or the configured logo changed.
pub fn is_due(feed: &FeedConfig, record: &FetchRecord, now: DateTime<Utc>) -> bool {
    if record.last_success.is_none() {
        return false;
    }
    let Some(logo) = &record.logo else {
        return true;
    };
    let configured_moved = feed.logo.as_ref().map(|l| l.as_str()) != logo.configured.as_deref();
    configured_moved || logo.next_check.is_none_or(|t| t <= now)
}

/// Looks for the logo of every feed in `feeds` that is due, under the pass's limits, and
/// updates its record. Returns how many assets it wrote. Only store failures are errors.
pub(super) async fn refresh(
    store: &Store,
    client: &HttpClient,
    limits: &Limits,
    feeds: &[&FeedConfig],
    records: &mut HashMap<String, FetchRecord>,
    fresh: &HashMap<String, FeedContent>,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut due = vec![];
    for feed in feeds {
        let url = feed.url.as_str();
        let Some(record) = records.get(url).filter(|r| is_due(feed, r, now)) else {
            continue;
        };
        let content = match fresh.get(url) {
            Some(c) => c.clone(),
            None => store
                .get_json(&Key::FeedContent(feed_id(url)))
                .await?
                .unwrap_or_else(|| FeedContent::empty(url)),
        };
        let mut logo = record.logo.clone().unwrap_or_default();
        logo.configured = feed.logo.as_ref().map(|l| l.as_str().to_string());
        due.push((url.to_string(), candidates(feed, &content), logo));
    }
    let results: Vec<Result<(String, LogoRecord, bool), StoreError>> = due
        .into_iter()
        .map(|(url, candidates, old)| async move {
            let (logo, wrote) =
                fetch_logo(store, client, limits, &url, &candidates, old, now).await?;
            Ok((url, logo, wrote))
        })
        .collect::<futures::stream::FuturesUnordered<_>>()
        .collect()
        .await;
    let mut written = 0;
    for r in results {
        let (url, logo, wrote) = r?;
        written += usize::from(wrote);
        if let Some(record) = records.get_mut(&url) {
            record.logo = Some(logo);
        }
    }
    Ok(written)
}

/// Tries each candidate in turn; stores the first real image. Returns the new record and
/// whether an asset was written.
async fn fetch_logo(
    store: &Store,
    client: &HttpClient,
    limits: &Limits,
    feed_url: &str,
    candidates: &[Url],
    mut logo: LogoRecord,
    now: DateTime<Utc>,
) -> Result<(LogoRecord, bool), StoreError> {
    logo.checked_at = Some(now);
    let mut errors = vec![];
    for url in candidates {
        let fetched = {
            let _permits = limits.acquire(url.host_str().unwrap_or("")).await;
            client.get_image(url, MAX_LOGO_BYTES).await
        };
        match fetched {
            Ok(image) => {
                let id = feed_id(feed_url);
                let asset =
                    crate::assets::hashed_name(&format!("logo-{id}.{}", image.ext), &image.bytes);
                let wrote = logo.asset.as_deref() != Some(asset.as_str());
                if wrote {
                    store.put(&Key::Asset(asset.clone()), image.bytes).await?;
                }
                tracing::debug!(feed_url = %shown_url(feed_url), logo = %shown_url(url.as_str()), asset, "logo stored");
                logo.source = Some(url.to_string());
                logo.asset = Some(asset);
                logo.failures = 0;
                logo.last_error = None;
                logo.next_check = Some(now + chrono_duration(REFRESH));
                return Ok((logo, wrote));
            }
            Err(f) => errors.push(format!("{}: {}", shown_url(url.as_str()), f.error.message)),
        }
    }
    logo.failures = logo.failures.saturating_add(1);
    let backoff = Backoff {
        first: FIRST_RETRY,
        max: REFRESH,
    };
    let wait = backoff.wait(logo.failures, jitter(feed_url), None);
    logo.next_check = Some(now + chrono_duration(wait));
    let error = if errors.is_empty() {
        "no logo URL to try".to_string()
    } else {
        errors.join("; ")
    };
    tracing::info!(
        feed_url = %shown_url(feed_url),
        failures = logo.failures,
        error,
        "no logo found; keeping the last one"
    );
    logo.last_error = Some(error);
    Ok((logo, false))
}

fn chrono_duration(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(toml_extra: &str) -> FeedConfig {
        let text = format!(
            "[[sites]]\nname = \"t\"\ntitle = \"T\"\n[[sites.feeds]]\nurl = \"https://feeds.example/rss\"\n{toml_extra}"
        );
        crate::config::parse(&text, "t").unwrap().sites[0].feeds[0].clone()
    }

    #[test]
    fn configured_logo_then_feed_image_then_site_favicon() {
        let mut content = FeedContent::empty("https://feeds.example/rss");
        content.image = Some("https://cdn.example/logo.png".into());
        content.site_url = Some("https://news.example/blog/".into());
        let urls = |f: &FeedConfig, c: &FeedContent| -> Vec<String> {
            candidates(f, c).iter().map(|u| u.to_string()).collect()
        };
        assert_eq!(
            urls(&feed("logo = \"https://x.example/l.gif\""), &content),
            [
                "https://x.example/l.gif",
                "https://cdn.example/logo.png",
                "https://news.example/favicon.ico"
            ]
        );
        let bare = FeedContent::empty("https://feeds.example/rss");
        assert_eq!(
            urls(&feed(""), &bare),
            ["https://feeds.example/favicon.ico"]
        );
        assert_eq!(
            urls(&feed("site_url = \"https://home.example/\""), &content),
            [
                "https://cdn.example/logo.png",
                "https://home.example/favicon.ico"
            ]
        );
    }

    #[test]
    fn logos_are_looked_for_rarely_and_again_when_the_config_changes() {
        let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        let f = feed("");
        let mut r = FetchRecord::default();
        assert!(!is_due(&f, &r, now), "a feed that never loaded");
        r.last_success = Some(now);
        assert!(is_due(&f, &r, now), "never looked for");
        r.logo = Some(LogoRecord {
            source: Some("https://feeds.example/favicon.ico".into()),
            next_check: Some(now + chrono::Duration::days(7)),
            ..Default::default()
        });
        assert!(!is_due(&f, &r, now));
        assert!(is_due(&f, &r, now + chrono::Duration::days(8)));
        let configured = feed("logo = \"https://x.example/l.png\"");
        assert!(is_due(&configured, &r, now), "a logo newly configured");
        r.logo.as_mut().unwrap().configured = Some("https://x.example/l.png".into());
        assert!(
            !is_due(&configured, &r, now),
            "tried, even if it failed: wait"
        );
    }
}
