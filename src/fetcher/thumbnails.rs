//! Entry thumbnails, for feeds with `images = true`: the image a feed offers for an entry
//! (or a scraped page's `image`) is copied once, under the rules logos follow (the SSRF guard,
//! a size cap, magic bytes, no SVG, backoff after a failure), and stored as an immutable
//! content-hashed asset (`assets/thumb.<hash>.<ext>`). Pages name only the copy, with its
//! width and height; a reader's browser never asks the feed's server for anything.
//!
//! Where the copy is remembered: in the stored entry itself ([`crate::model::Thumbnail`]), so
//! it leaves with the entry, a re-sent entry keeps it (`feed::merge`) and nothing grows beside
//! the history. Assets are never garbage-collected (`store::publish::gc` deletes only a site's
//! own objects), so a copy a kept generation shows stays.
//!
//! The work per pass is bounded: only the entries a site can show (the feed's `history`) are
//! looked at, at most [`PER_FEED`] copies are tried per feed and [`PER_PASS`] in all; the
//! rest wait for a later pass, which the feed's record says is due ([`next_due`]). A failed
//! copy leaves the entry without a thumbnail and the pass goes on.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use super::update::Limits;
use crate::address::shown_url;
use crate::fetch::HttpClient;
use crate::fetch::backoff::{Backoff, jitter};
use crate::model::{Entry, ImageCopy};
use crate::store::{Key, Store, StoreError};

/// Largest thumbnail accepted: a lead picture fits, a poster or a photo at full size does not.
pub const MAX_THUMBNAIL_BYTES: u64 = 1024 * 1024;
/// Largest width or height accepted: a small file can declare a huge picture (a decompression
/// bomb for the reader's browser).
pub const MAX_SIDE: u32 = 8192;
/// Copies tried per feed in one pass.
pub const PER_FEED: usize = 10;
/// Copies tried in one pass over all feeds.
pub const PER_PASS: usize = 200;
/// The wait after a failed copy; it doubles with each failure in a row, up to a week.
const RETRY: Backoff = Backoff {
    first: Duration::from_secs(3600),
    max: Duration::from_secs(7 * 24 * 3600),
};

/// How many copies the pass may still try.
pub(super) struct Budget(AtomicUsize);

impl Budget {
    pub(super) fn new(copies: usize) -> Self {
        Budget(AtomicUsize::new(copies))
    }

    fn take(&self) -> bool {
        self.0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// Copies the due thumbnails of the first `shown` entries, newest first, within the budgets;
/// returns how many assets it wrote. Only store failures are errors.
pub(super) async fn copy(
    store: &Store,
    client: &HttpClient,
    limits: &Limits,
    budget: &Budget,
    entries: &mut [Entry],
    shown: usize,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut tried = 0;
    let mut written = 0;
    let end = shown.min(entries.len());
    for entry in &mut entries[..end] {
        let Some(image) = entry.image.as_mut().filter(|i| is_due(i, now)) else {
            continue;
        };
        if tried == PER_FEED || !budget.take() {
            break;
        }
        tried += 1;
        match fetch(client, limits, &image.source).await {
            Ok((bytes, ext, width, height)) => {
                let asset = crate::assets::hashed_name(&format!("thumb.{ext}"), &bytes);
                store.put(&Key::Asset(asset.clone()), bytes).await?;
                written += 1;
                image.copy = Some(ImageCopy {
                    asset,
                    width,
                    height,
                });
                image.failures = 0;
                image.next_try = None;
            }
            Err(error) => {
                image.failures = image.failures.saturating_add(1);
                let wait = RETRY.wait(image.failures, jitter(&image.source), None);
                image.next_try = Some(now + chrono::Duration::from_std(wait).unwrap_or_default());
                tracing::info!(
                    image = %shown_url(&image.source),
                    failures = image.failures,
                    error,
                    "thumbnail not copied; the entry shows none until it is"
                );
            }
        }
    }
    Ok(written)
}

/// When the next copy among the first `shown` entries is due: now for one never tried, else
/// the soonest retry. `None` when every thumbnail there is copied.
pub(super) fn next_due(
    entries: &[Entry],
    shown: usize,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    entries
        .iter()
        .take(shown)
        .filter_map(|e| e.image.as_ref())
        .filter(|i| i.copy.is_none())
        .map(|i| i.next_try.unwrap_or(now))
        .min()
}

fn is_due(image: &crate::model::Thumbnail, now: DateTime<Utc>) -> bool {
    image.copy.is_none() && image.next_try.is_none_or(|t| t <= now)
}

/// One image fetched and checked: its bytes, extension and size in pixels, or why not.
async fn fetch(
    client: &HttpClient,
    limits: &Limits,
    source: &str,
) -> Result<(bytes::Bytes, &'static str, u32, u32), String> {
    let url = Url::parse(source).map_err(|e| format!("not a URL: {e}"))?;
    let image = {
        let _permits = limits.acquire(url.host_str().unwrap_or("")).await;
        client
            .get_image(&url, MAX_THUMBNAIL_BYTES)
            .await
            .map_err(|f| format!("{}: {}", f.error.kind, f.error.message))?
    };
    let (width, height) = crate::fetch::image::dimensions(&image.bytes)
        .ok_or_else(|| format!("the {} image's size cannot be read", image.ext))?;
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(format!(
            "{width} x {height} pixels is more than {MAX_SIDE} on a side"
        ));
    }
    Ok((image.bytes, image.ext, width, height))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Thumbnail;

    fn now() -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    fn entry(image: Option<Thumbnail>) -> Entry {
        Entry {
            id: "x".into(),
            title: "x".into(),
            link: None,
            published: None,
            first_seen: now(),
            summary: None,
            image,
        }
    }

    #[test]
    fn the_next_copy_is_due_at_the_soonest_retry_of_the_shown_entries() {
        let later = now() + chrono::Duration::hours(2);
        let copied = Thumbnail {
            copy: Some(ImageCopy {
                asset: "thumb.0123456789abcdef.png".into(),
                width: 1,
                height: 1,
            }),
            ..Thumbnail::offered("https://i.example/a.png".into())
        };
        let waiting = Thumbnail {
            failures: 1,
            next_try: Some(later),
            ..Thumbnail::offered("https://i.example/b.png".into())
        };
        let entries = vec![
            entry(None),
            entry(Some(copied)),
            entry(Some(waiting.clone())),
            entry(Some(Thumbnail::offered("https://i.example/c.png".into()))),
        ];
        assert_eq!(next_due(&entries, 2, now()), None, "all shown are copied");
        assert_eq!(next_due(&entries, 3, now()), Some(later));
        assert_eq!(next_due(&entries, 4, now()), Some(now()), "never tried");
        assert!(!is_due(&waiting, now()));
        assert!(is_due(&waiting, later));
    }

    #[test]
    fn the_pass_budget_runs_out() {
        let budget = Budget::new(2);
        assert!(budget.take() && budget.take());
        assert!(!budget.take());
    }
}
