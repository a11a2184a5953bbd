//! One feed's part of a pass: wait for the limits, fetch, parse, merge into the stored
//! history (written only when it changed) and update the feed's fetch record.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use crate::address::shown_url;
use crate::config::{FeedRequest, ScrapeConfig};
use crate::fetch::schedule::{self, Bounds, Success};
use crate::fetch::{FetchFailure, HttpClient};
use crate::model::{FeedContent, FeedError, FetchRecord, feed_id};
use crate::store::{Key, Store, StoreError};

use super::thumbnails::{self, Budget};

/// The limits on fetches in flight: per host first, then over all hosts. A feed waits for its
/// host's permit before it asks for a global one, so a host with many slow feeds ties up at
/// most `per_host` global slots and never starves the other hosts.
pub(super) struct Limits {
    global: Arc<Semaphore>,
    per_host: usize,
    hosts: std::sync::Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Limits {
    pub(super) fn new(global: usize, per_host: usize) -> Self {
        Limits {
            global: Arc::new(Semaphore::new(global)),
            per_host,
            hosts: Default::default(),
        }
    }

    pub(super) async fn acquire(&self, host: &str) -> (OwnedSemaphorePermit, OwnedSemaphorePermit) {
        let sem = {
            let mut hosts = self.hosts.lock().expect("host map lock");
            hosts
                .entry(host.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
                .clone()
        };
        let host_permit = sem.acquire_owned().await.expect("semaphore never closed");
        let global_permit = self
            .global
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore never closed");
        (host_permit, global_permit)
    }
}

pub(super) enum Outcome {
    /// Fetched and parsed, with this many new entries.
    Fetched(usize),
    NotModified,
    Failed(FeedError),
}

pub(super) struct FeedResult {
    pub(super) record: FetchRecord,
    /// The merged content, when a body came back (else the stored one is unchanged and was
    /// not read).
    pub(super) content: Option<FeedContent>,
    pub(super) content_written: bool,
    pub(super) outcome: Outcome,
}

/// Fetches one feed with its own `request` settings (a page without a feed: read with its
/// `scrape` selectors), merges it into its stored content (writing that only if it changed)
/// and updates its record. With `images` (the pass's budget of copies), the thumbnails of the
/// shown entries are copied, also when the feed is not modified but a copy is due; without,
/// entries keep no image. Network and parse failures are outcomes; only store failures are
/// errors.
#[allow(clippy::too_many_arguments)]
pub(super) async fn update_feed(
    store: &Store,
    client: &HttpClient,
    limits: &Limits,
    request: &FeedRequest,
    scrape: Option<&ScrapeConfig>,
    images: Option<&Budget>,
    mut record: FetchRecord,
    history: usize,
    bounds: Bounds,
    now: DateTime<Utc>,
) -> Result<FeedResult, StoreError> {
    let url = record.url.clone();
    let parsed_url = Url::parse(&url).expect("config URLs are valid");
    let fetched = {
        let _permits = limits.acquire(parsed_url.host_str().unwrap_or("")).await;
        let started = std::time::Instant::now();
        let fetched = client
            .get_feed(
                &parsed_url,
                record.etag.as_deref(),
                record.last_modified.as_deref(),
                request,
            )
            .await;
        tracing::debug!(feed_url = %shown_url(&url), elapsed_ms = started.elapsed().as_millis() as u64, "fetched");
        fetched
    };
    let jitter = crate::fetch::backoff::jitter(&url);
    record.last_checked = Some(now);
    // The stored history, read only when a body came back to merge into it, and after the
    // fetch, so feeds waiting for a permit hold none in memory.
    let key = Key::FeedContent(feed_id(&url));
    let mut merged: Option<(FeedContent, FeedContent)> = None;
    let outcome = match fetched {
        Ok(resp) => {
            record.final_url = (resp.final_url != parsed_url).then(|| resp.final_url.to_string());
            match &resp.body {
                None => {
                    record.last_success = Some(now);
                    record.last_error = None;
                    let hint = resp.max_age.map(Duration::from_secs);
                    schedule::on_success(
                        &mut record,
                        Success {
                            new_entries: 0,
                            server_hint: hint,
                        },
                        bounds,
                        now,
                        jitter,
                    );
                    Outcome::NotModified
                }
                Some(body) => {
                    let body = crate::feed::decode_charset(body, resp.charset.as_deref());
                    // Relative links are resolved against the feed's address as it may be
                    // shown: a `user:pass@` of the feed URL would otherwise end up in every
                    // entry's link, and a `?token=` in a link that is only a fragment.
                    let base = Url::parse(&shown_url(resp.final_url.as_str()))
                        .unwrap_or_else(|_| resp.final_url.clone());
                    // A page without a feed is read with its selectors, into the same form.
                    let parsed = match scrape {
                        Some(cfg) => crate::feed::scrape::parse(&body, &base, now, cfg)
                            .map_err(|e| e.to_string()),
                        None => crate::feed::parse(&body, &base, now).map_err(|e| e.to_string()),
                    };
                    match parsed {
                        Ok(feed) => {
                            let stored: FeedContent = store
                                .get_json(&key)
                                .await?
                                .unwrap_or_else(|| FeedContent::empty(&url));
                            record.etag = resp.etag.clone();
                            record.last_modified = resp.last_modified.clone();
                            record.last_success = Some(now);
                            record.last_error = None;
                            // Never below what is stored: another deployment's site may show
                            // more of this feed than any site of this config does.
                            let keep = history.max(stored.entries.len());
                            let entries =
                                crate::feed::merge::merge(&stored.entries, feed.entries, keep);
                            let new = crate::feed::merge::count_new(&stored.entries, &entries);
                            let content = FeedContent {
                                title: feed.title,
                                site_url: feed.site_url,
                                image: feed.image,
                                entries,
                                ..stored.clone()
                            };
                            merged = Some((stored, content));
                            let hint = resp.max_age.max(feed.ttl_secs).map(Duration::from_secs);
                            schedule::on_success(
                                &mut record,
                                Success {
                                    new_entries: new,
                                    server_hint: hint,
                                },
                                bounds,
                                now,
                                jitter,
                            );
                            Outcome::Fetched(new)
                        }
                        Err(e) => failed(
                            &mut record,
                            FetchFailure {
                                error: FeedError {
                                    kind: "parse".into(),
                                    message: e,
                                },
                                retry_after: None,
                            },
                            bounds,
                            now,
                            jitter,
                        ),
                    }
                }
            }
        }
        Err(failure) => failed(&mut record, failure, bounds, now, jitter),
    };
    // A thumbnail left for a later pass (the budgets, a retry) is copied then, also when the
    // feed has nothing new: its stored content is read for it.
    if merged.is_none()
        && images.is_some()
        && record.thumbnails_due.is_some_and(|t| t <= now)
        && let Some(stored) = store.get_json::<FeedContent>(&key).await?
    {
        merged = Some((stored.clone(), stored));
    }
    let mut content_written = false;
    let content = match merged {
        None => None,
        Some((stored, mut content)) => {
            match images {
                Some(budget) => {
                    let entries = &mut content.entries;
                    thumbnails::copy(store, client, limits, budget, entries, history, now).await?;
                    record.thumbnails_due = thumbnails::next_due(entries, history, now);
                }
                None => {
                    content.entries.iter_mut().for_each(|e| e.image = None);
                    record.thumbnails_due = None;
                }
            }
            if content != stored {
                content.updated_at = Some(now);
                store
                    .put(
                        &key,
                        Bytes::from(serde_json::to_vec(&content).expect("plain data serializes")),
                    )
                    .await?;
                content_written = true;
            }
            // The version of what is stored, also when this pass found it already there
            // (written by a pass killed before it recorded it): a site showing the feed is
            // rendered again.
            record.content_updated = content.updated_at;
            Some(content)
        }
    };
    Ok(FeedResult {
        record,
        content,
        content_written,
        outcome,
    })
}

fn failed(
    record: &mut FetchRecord,
    failure: FetchFailure,
    bounds: Bounds,
    now: DateTime<Utc>,
    jitter: f64,
) -> Outcome {
    record.last_error = Some(failure.error.clone());
    schedule::on_failure(record, failure.retry_after, bounds, now, jitter);
    Outcome::Failed(failure.error)
}
