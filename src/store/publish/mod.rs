//! The publish protocol: immutable content-addressed objects first, then the generation record,
//! then the live manifest, last. A reader that loads any manifest finds every object it names.
//!
//! - A publisher hands over named objects ([`Publication`]) and a [`Retention`] policy; the
//!   store neither knows nor cares what the objects are.
//! - Objects are named by content hash, so writing one never changes what a live manifest means;
//!   objects the live manifest already names are not written again.
//! - Generations only go forward. Where the store honours conditional writes the generation
//!   record is created with `If-None-Match: *` and the manifest replaced with `If-Match`, so two
//!   publishers cannot both win; elsewhere (Garage) the live manifest is re-read just before it
//!   is replaced, and every manifest that can win is still complete (see SCALING.md).
//! - A site pinned by a rollback ([`pin`]) keeps its live manifest; new content is still
//!   recorded as generations, which `release` makes live.
//! - Garbage collection ([`gc`]) runs after a publish; its trouble is a warning, not a failure.
//! - The site index is merged, never overwritten ([`index`]).
//!
//! `mod.rs` holds what every step shares ([`PublishStats`], reading and making a manifest
//! live) and runs the steps, which use those: the folder's root and its parts.

pub mod gc;
pub mod index;
pub mod pin;

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};

use super::keys::{Key, content_type_for};
use super::manifest::{Manifest, Named, ObjectRef};
use super::{Store, StoreError};
use crate::compress::{self, Effort};

pub use gc::Retention;

/// Uploads in flight at once during a publish.
const PARALLEL_PUTS: usize = 8;
/// Attempts to win the race for the next generation against concurrent publishers.
pub const CONFLICT_ATTEMPTS: usize = 5;

/// An object of a site, under the name its publisher looks it up by.
#[derive(Debug, Clone)]
pub struct Object {
    pub name: String,
    /// A human name, kept in the manifest (e.g. a source box's title).
    pub label: Option<String>,
    /// The file extension, which decides the content type (`html`, `json`, `xml`, ...).
    pub ext: &'static str,
    pub bytes: Bytes,
    /// Whether readers are sent it as it is, so Brotli and gzip variants are worth storing
    /// (a part only assembled into pages is read as identity bytes).
    pub compress: bool,
}

/// An object shared by every site (an asset), stored once under `assets/<stored>`.
#[derive(Debug, Clone)]
pub struct Shared {
    /// The name pages refer to it by, e.g. `style.css`.
    pub name: String,
    /// The content-hashed name it is stored and served under.
    pub stored: String,
    pub bytes: Bytes,
}

/// Everything one generation of a site consists of.
#[derive(Debug, Clone, Default)]
pub struct Publication {
    pub site: String,
    pub objects: Vec<Object>,
    pub shared: Vec<Shared>,
}

/// What a publish wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishStats {
    pub objects_written: usize,
    pub bytes_written: u64,
    pub objects_deleted: usize,
}

impl PublishStats {
    pub fn add(&mut self, other: PublishStats) {
        self.objects_written += other.objects_written;
        self.bytes_written += other.bytes_written;
        self.objects_deleted += other.objects_deleted;
    }
}

/// Where a publish left the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The content is what is already live (or recorded, for a pinned site): nothing written.
    Unchanged,
    /// This generation is now live.
    Live(u64),
    /// The site is pinned to generation `live` by a rollback; the new content was recorded as
    /// generation `recorded` (if it changed) for `release` to make live.
    Held { live: u64, recorded: Option<u64> },
}

/// The result of a publish that did its job.
#[derive(Debug)]
pub struct Published {
    pub outcome: Outcome,
    pub stats: PublishStats,
    /// Garbage collection failed after the site went live: the site is fine, old objects stay
    /// until a later pass removes them.
    pub gc_error: Option<StoreError>,
}

/// How often a whole publish is retried when the store fails mid-way (each request is already
/// retried by the object_store client); the delay doubles after each attempt.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: usize,
    pub first_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            first_delay: Duration::from_secs(2),
        }
    }
}

/// [`publish`], retried with backoff. A failed attempt leaves the live manifest as it was
/// (it is written last), and the next attempt or the next run finishes the work.
pub async fn publish_retrying(
    store: &Store,
    publication: &Publication,
    retention: &Retention,
    now: DateTime<Utc>,
    policy: RetryPolicy,
) -> Result<Published, StoreError> {
    let site = &publication.site;
    let mut delay = policy.first_delay;
    let mut attempt = 1;
    loop {
        match publish(store, publication, retention, now).await {
            Ok(p) => return Ok(p),
            Err(e @ StoreError::Conflict { .. }) => return Err(e),
            Err(e) if attempt < policy.attempts => {
                tracing::warn!(site, attempt, error = %e, delay_ms = delay.as_millis() as u64, "publish failed; retrying");
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            Err(e) => {
                return Err(StoreError::GaveUp {
                    what: format!("publishing site {site}"),
                    attempts: attempt,
                    source: Box::new(e),
                });
            }
        }
    }
}

/// The live manifest of a site and its store ETag, if the site was ever published.
pub async fn live_manifest(
    store: &Store,
    site: &str,
) -> Result<Option<(Manifest, Option<String>)>, StoreError> {
    let key = Key::Manifest(site.to_string());
    match store.get_with_etag(&key).await? {
        None => Ok(None),
        Some((bytes, etag)) => serde_json::from_slice(&bytes)
            .map(|m| Some((m, etag)))
            .map_err(|source| StoreError::Corrupt {
                key: key.to_string(),
                source,
            }),
    }
}

/// Publishes one generation of a site: writes what is new, then makes it live if the content
/// changed. Writes nothing when nothing changed.
///
/// `Conflict` means another publisher made a generation live meanwhile: the caller renders
/// again from the stored state (which now holds the other publisher's news) and publishes
/// that, rather than putting an older picture on top of a newer one.
pub async fn publish(
    store: &Store,
    publication: &Publication,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<Published, StoreError> {
    let site = publication.site.as_str();
    let live = live_manifest(store, site).await?;
    // What the new content is compared with: the live generation, or for a pinned site the
    // newest one recorded while it was held.
    let pinned = live.as_ref().is_some_and(|(m, _)| m.pinned.is_some());
    let newest = if pinned {
        pin::newest_record(store, site).await?
    } else {
        None
    };
    let base = newest.as_ref().or(live.as_ref().map(|(m, _)| m));
    let mut known: HashSet<String> = live.iter().flat_map(|(m, _)| m.object_keys()).collect();
    known.extend(newest.iter().flat_map(Manifest::object_keys));

    let mut manifest = Manifest {
        site: site.to_string(),
        generation: 0,
        published_at: now,
        previous: live.as_ref().map(|(m, _)| m.generation),
        pinned: None,
        held: false,
        objects: vec![],
        assets: BTreeMap::new(),
    };
    // Hashing decides what is new; only that is compressed (compression is most of a publish's
    // own CPU), and only once the site is known to have changed.
    let mut pending: Vec<(&ObjectRef, &Bytes)> = vec![];
    manifest.objects = publication
        .objects
        .iter()
        .map(|o| Named {
            name: o.name.clone(),
            label: o.label.clone(),
            object: content_addressed(site, &o.bytes, o.ext, o.compress),
        })
        .collect();
    manifest.assets = publication
        .shared
        .iter()
        .map(|s| (s.name.clone(), s.stored.clone()))
        .collect();
    if base.is_some_and(|b| b.same_content(&manifest)) {
        let outcome = match &live {
            Some((m, _)) if pinned => Outcome::Held {
                live: m.generation,
                recorded: None,
            },
            _ => Outcome::Unchanged,
        };
        return Ok(Published {
            outcome,
            stats: PublishStats::default(),
            gc_error: None,
        });
    }

    let mut uploads: Vec<(Key, Bytes)> = vec![];
    let mut seen: HashSet<&str> = HashSet::new();
    for (named, object) in manifest.objects.iter().zip(&publication.objects) {
        if !known.contains(&named.object.key) && seen.insert(&named.object.key) {
            pending.push((&named.object, &object.bytes));
        }
    }
    for (object, bytes) in pending {
        for (suffix, bytes) in encode_variants(bytes, !object.encodings.is_empty()) {
            uploads.push((
                Key::Blob {
                    site: site.to_string(),
                    name: format!("{}{suffix}", blob_name(object)),
                },
                bytes,
            ));
        }
    }
    // Assets are shared by all sites; their names change with their bytes.
    let known_assets: HashSet<&String> = live.iter().flat_map(|(m, _)| m.assets.values()).collect();
    for shared in publication
        .shared
        .iter()
        .filter(|s| !known_assets.contains(&s.stored))
    {
        let worth_it = compress::worth_it(&shared.bytes, content_type_for(&shared.name));
        for (suffix, bytes) in encode_variants(&shared.bytes, worth_it) {
            uploads.push((Key::Asset(format!("{}{suffix}", shared.stored)), bytes));
        }
    }
    let mut stats = put_all(store, uploads).await?;

    let outcome = match &live {
        Some((m, _)) if pinned => {
            manifest.held = true;
            let recorded = record(store, &mut manifest, m.generation).await?;
            stats.add(recorded);
            Outcome::Held {
                live: m.generation,
                recorded: Some(manifest.generation),
            }
        }
        _ => {
            let (previous, etag) = match &live {
                Some((m, etag)) => (m.generation, etag.clone()),
                None => (0, None),
            };
            stats.add(make_live(store, &mut manifest, previous, etag.as_deref()).await?);
            Outcome::Live(manifest.generation)
        }
    };
    let gc_error = match gc::gc(store, site, retention, now).await {
        Ok(deleted) => {
            stats.objects_deleted += deleted;
            None
        }
        Err(e) => Some(e),
    };
    Ok(Published {
        outcome,
        stats,
        gc_error,
    })
}

/// Writes `manifest` as a new generation record after `after` (and after any record already
/// there) without making it live; sets `manifest.generation` to the number it got.
///
/// A generation record can exist without being live: its publisher died, is between its two
/// PUTs, or recorded it while the site was pinned. The next free number is taken.
async fn record(
    store: &Store,
    manifest: &mut Manifest,
    after: u64,
) -> Result<PublishStats, StoreError> {
    let site = manifest.site.clone();
    let highest = store
        .list(&Key::generations_prefix(&site))
        .await?
        .iter()
        .filter_map(|m| Key::parse_generation(m.location.as_ref()))
        .max()
        .unwrap_or(0)
        .max(after);
    let mut attempt = 1;
    loop {
        manifest.generation = highest + attempt;
        let bytes = manifest_bytes(manifest);
        let len = bytes.len() as u64;
        match store
            .put_new(&Key::Generation(site.clone(), manifest.generation), bytes)
            .await
        {
            Ok(()) => {
                return Ok(PublishStats {
                    objects_written: 1,
                    bytes_written: len,
                    ..Default::default()
                });
            }
            Err(StoreError::Conflict { key }) if (attempt as usize) < CONFLICT_ATTEMPTS => {
                tracing::info!(site, key, "generation record taken; taking the next number");
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Records `manifest` as a new generation, then makes it the live manifest on top of
/// generation `previous`; sets `manifest.generation` to the number it got.
///
/// Where writes cannot be conditional, the live manifest is read again just before: if another
/// publisher moved it past `previous`, this is a `Conflict` like a failed `If-Match`, so a slow
/// publisher does not move the site back a generation. (A publisher that overtakes inside the
/// gap between this read and the PUT is not caught; see SCALING.md.)
pub(crate) async fn make_live(
    store: &Store,
    manifest: &mut Manifest,
    previous: u64,
    live_etag: Option<&str>,
) -> Result<PublishStats, StoreError> {
    let site = manifest.site.clone();
    if !store.supports_conditional_writes() {
        let now_live = live_manifest(store, &site)
            .await?
            .map_or(0, |(m, _)| m.generation);
        if now_live != previous {
            return Err(StoreError::Conflict {
                key: Key::Manifest(site).to_string(),
            });
        }
    }
    let mut stats = record(store, manifest, previous).await?;
    let bytes = manifest_bytes(manifest);
    stats.objects_written += 1;
    stats.bytes_written += bytes.len() as u64;
    store.put_if(&Key::Manifest(site), bytes, live_etag).await?;
    Ok(stats)
}

fn manifest_bytes(manifest: &Manifest) -> Bytes {
    Bytes::from(serde_json::to_vec_pretty(manifest).expect("plain data serializes"))
}

async fn put_all(store: &Store, uploads: Vec<(Key, Bytes)>) -> Result<PublishStats, StoreError> {
    futures::stream::iter(uploads)
        .map(|(key, bytes)| async move {
            let len = bytes.len() as u64;
            store.put(&key, bytes).await.map(|()| len)
        })
        .buffer_unordered(PARALLEL_PUTS)
        .try_fold(PublishStats::default(), |mut s, len| async move {
            s.objects_written += 1;
            s.bytes_written += len;
            Ok(s)
        })
        .await
}

/// Hashes `bytes` into an object reference; which variants it has follows from its type and
/// size alone, so it is known before anything is compressed.
fn content_addressed(site: &str, bytes: &[u8], ext: &str, compress: bool) -> ObjectRef {
    let hash = hex::encode(&Sha256::digest(bytes)[..16]);
    let content_type = content_type_for(&format!("x.{ext}"));
    let encodings = if compress && compress::worth_it(bytes, content_type) {
        vec!["br".into(), "gzip".into()]
    } else {
        vec![]
    };
    ObjectRef {
        key: Key::Blob {
            site: site.to_string(),
            name: format!("{hash}.{ext}"),
        }
        .to_string(),
        hash,
        content_type: content_type.to_string(),
        size: bytes.len() as u64,
        encodings,
    }
}

/// The file name of a blob's identity variant (its key without the site's prefix).
fn blob_name(object: &ObjectRef) -> &str {
    object.key.rsplit('/').next().unwrap_or(&object.key)
}

/// Identity bytes, plus Brotli and gzip variants when `compressed`.
fn encode_variants(bytes: &Bytes, compressed: bool) -> Vec<(&'static str, Bytes)> {
    let mut out = vec![("", bytes.clone())];
    if compressed {
        out.push((".br", Bytes::from(compress::brotli(bytes, Effort::Publish))));
        out.push((".gz", Bytes::from(compress::gzip(bytes, Effort::Publish))));
    }
    out
}
