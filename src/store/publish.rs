//! The publish protocol: immutable content-addressed objects first, then the generation record,
//! then the live manifest, last. A reader that loads any manifest finds every object it names.
//!
//! - Objects are named by content hash, so writing one never changes what a live manifest means;
//!   objects the live manifest already names are not written again.
//! - Generations only go forward. Where the store honours conditional writes the generation
//!   record is created with `If-None-Match: *` and the manifest replaced with `If-Match`, so two
//!   publishers cannot both win; elsewhere (Garage) the live manifest is re-read just before it
//!   is replaced, and every manifest that can win is still complete (see SCALING.md).
//! - Garbage collection keeps the newest `keep` generations and everything they name, and
//!   deletes other objects only once they are older than the grace period.

use std::collections::HashSet;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};

use super::keys::{Key, content_type_for};
use super::manifest::{Fragment, Manifest, ObjectRef, SiteEntry, SiteIndex};
use super::{Store, StoreError};
use crate::compress::{self, Effort};
use crate::config::SiteConfig;
use crate::render::RenderedSite;

/// Uploads in flight at once during a publish.
const PARALLEL_PUTS: usize = 8;
/// Attempts to win the race for the next generation against concurrent publishers.
pub const CONFLICT_ATTEMPTS: usize = 5;

/// What a publish wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishStats {
    pub objects_written: usize,
    pub bytes_written: u64,
    /// The generation made live, if anything changed.
    pub generation: Option<u64>,
    pub objects_deleted: usize,
}

impl PublishStats {
    pub fn add(&mut self, other: PublishStats) {
        self.objects_written += other.objects_written;
        self.bytes_written += other.bytes_written;
        self.objects_deleted += other.objects_deleted;
        self.generation = other.generation.or(self.generation);
    }
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

/// [`publish_site`], retried with backoff. A failed attempt leaves the live manifest as it was
/// (it is written last), and the next attempt or the next run finishes the work: everything
/// it needs is rendered again from the stored state.
pub async fn publish_site_retrying(
    store: &Store,
    site: &SiteConfig,
    rendered: &RenderedSite,
    now: DateTime<Utc>,
    policy: RetryPolicy,
) -> Result<PublishStats, StoreError> {
    let mut delay = policy.first_delay;
    let mut attempt = 1;
    loop {
        match publish_site(store, site, rendered, now).await {
            Ok(stats) => return Ok(stats),
            Err(e @ StoreError::Conflict { .. }) => return Err(e),
            Err(e) if attempt < policy.attempts => {
                tracing::warn!(site = %site.name, attempt, error = %e, delay_ms = delay.as_millis() as u64, "publish failed; retrying");
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            Err(e) => {
                return Err(StoreError::GaveUp {
                    what: format!("publishing site {}", site.name),
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

/// Publishes a rendered site: writes what is new, then makes a new generation live if the
/// site's content changed. Writes nothing when nothing changed.
///
/// `Conflict` means another publisher made a generation live meanwhile: the caller renders
/// again from the stored state (which now holds the other publisher's news) and publishes
/// that, rather than putting an older picture on top of a newer one.
pub async fn publish_site(
    store: &Store,
    site: &SiteConfig,
    rendered: &RenderedSite,
    now: DateTime<Utc>,
) -> Result<PublishStats, StoreError> {
    let name = site.name.as_str();
    let live = live_manifest(store, name).await?;
    let known: HashSet<String> = live.iter().flat_map(|(m, _)| m.object_keys()).collect();
    let mut stats = PublishStats::default();

    // Assets are shared by all sites; their names change with their bytes.
    let known_assets: HashSet<&String> = live.iter().flat_map(|(m, _)| m.assets.values()).collect();
    let mut uploads: Vec<(Key, Bytes)> = vec![];
    for asset in crate::assets::all()
        .iter()
        .filter(|a| !known_assets.contains(&a.hashed))
    {
        let variants = encode_variants(asset.bytes, content_type_for(asset.name));
        for (suffix, bytes) in variants {
            uploads.push((Key::Asset(format!("{}{suffix}", asset.hashed)), bytes));
        }
    }

    // Hashing decides what is new; only that is compressed (Brotli 11 is most of a publish's
    // CPU), and only once the site is known to have changed.
    let mut pending: Vec<(ObjectRef, Vec<u8>)> = vec![];
    let mut blob = |bytes: Vec<u8>, ext: &str| -> ObjectRef {
        let object = content_addressed(name, &bytes, ext);
        if !known.contains(&object.key) {
            pending.push((object.clone(), bytes));
        }
        object
    };
    let index = blob(rendered.index_html().into_bytes(), "html");
    let headlines = blob(rendered.headlines_json.clone(), "json");
    let top = blob(rendered.top.clone().into_bytes(), "html");
    let bottom = blob(rendered.bottom.clone().into_bytes(), "html");
    let fragments: Vec<Fragment> = rendered
        .fragments
        .iter()
        .map(|(id, title, html)| Fragment {
            id: id.clone(),
            title: title.clone(),
            object: blob(html.clone().into_bytes(), "html"),
        })
        .collect();
    let assets = crate::assets::all()
        .iter()
        .map(|a| (a.name.to_string(), a.hashed.clone()))
        .collect();

    let mut manifest = Manifest {
        site: name.to_string(),
        generation: 0,
        published_at: now,
        index,
        headlines,
        top,
        bottom,
        fragments,
        assets,
    };
    if live
        .as_ref()
        .is_some_and(|(m, _)| m.same_content(&manifest))
    {
        return Ok(stats);
    }

    for (object, bytes) in pending {
        for (suffix, bytes) in encode_variants(&bytes, &object.content_type) {
            uploads.push((
                Key::Blob {
                    site: name.to_string(),
                    name: format!("{}{suffix}", blob_name(&object)),
                },
                bytes,
            ));
        }
    }
    stats.add(put_all(store, uploads).await?);
    let (previous, etag) = match &live {
        Some((m, etag)) => (m.generation, etag.clone()),
        None => (0, None),
    };
    stats.add(make_live(store, &mut manifest, previous, etag.as_deref()).await?);
    stats.generation = Some(manifest.generation);
    stats.objects_deleted = gc(store, site, now).await?;
    Ok(stats)
}

/// Writes the generation record, then the live manifest, on top of generation `previous`;
/// sets `manifest.generation` to the number it got.
///
/// A generation record can exist without being live: its publisher died, or is between its
/// two PUTs. The next number is taken then; the manifest's `If-Match` alone decides who wins,
/// so a crashed publisher never blocks the next one (numbers may skip, never go back).
///
/// Where writes cannot be conditional, the live manifest is read again just before: if another
/// publisher moved it past `previous`, this is a `Conflict` like a failed `If-Match`, so a slow
/// publisher does not move the site back a generation. (A publisher that overtakes inside the
/// gap between this read and the PUT is not caught; see SCALING.md.)
async fn make_live(
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
    let mut attempt = 1;
    let bytes = loop {
        manifest.generation = previous + attempt;
        let bytes =
            Bytes::from(serde_json::to_vec_pretty(manifest).expect("plain data serializes"));
        match store
            .put_new(
                &Key::Generation(site.clone(), manifest.generation),
                bytes.clone(),
            )
            .await
        {
            Ok(()) => break bytes,
            Err(StoreError::Conflict { key }) if (attempt as usize) < CONFLICT_ATTEMPTS => {
                tracing::info!(
                    site,
                    key,
                    "generation record exists but is not live; taking the next number"
                );
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    };
    store
        .put_if(&Key::Manifest(site), bytes.clone(), live_etag)
        .await?;
    Ok(PublishStats {
        objects_written: 2,
        bytes_written: 2 * bytes.len() as u64,
        ..Default::default()
    })
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

/// Hashes `bytes` into an object reference and its stored variants (`suffix`, bytes).
/// Hashes `bytes` into an object reference; which variants it has follows from its type and
/// size alone, so it is known before anything is compressed.
fn content_addressed(site: &str, bytes: &[u8], ext: &str) -> ObjectRef {
    let hash = hex::encode(&Sha256::digest(bytes)[..16]);
    let content_type = content_type_for(&format!("x.{ext}"));
    let encodings = if compress::worth_it(bytes, content_type) {
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

/// Identity bytes plus Brotli and gzip variants for compressible types worth it.
fn encode_variants(bytes: &[u8], content_type: &str) -> Vec<(&'static str, Bytes)> {
    let mut out = vec![("", Bytes::copy_from_slice(bytes))];
    if compress::worth_it(bytes, content_type) {
        out.push((".br", Bytes::from(compress::brotli(bytes, Effort::Publish))));
        out.push((".gz", Bytes::from(compress::gzip(bytes, Effort::Publish))));
    }
    out
}

/// Writes the site index if it differs from what the bucket has.
pub async fn publish_site_index(
    store: &Store,
    sites: &[SiteConfig],
) -> Result<PublishStats, StoreError> {
    let index = SiteIndex {
        sites: sites
            .iter()
            .map(|s| SiteEntry {
                name: s.name.to_string(),
                title: s.title.clone(),
                hosts: s.hosts.clone(),
            })
            .collect(),
    };
    let current: Option<SiteIndex> = store.get_json(&Key::SiteIndex).await?;
    if current.as_ref() == Some(&index) {
        return Ok(PublishStats::default());
    }
    let bytes = Bytes::from(serde_json::to_vec_pretty(&index).expect("plain data serializes"));
    let len = bytes.len() as u64;
    store.put(&Key::SiteIndex, bytes).await?;
    Ok(PublishStats {
        objects_written: 1,
        bytes_written: len,
        ..Default::default()
    })
}

/// Deletes generation records beyond the newest `keep_generations`, and objects no kept
/// generation names, once they are older than the grace period. Returns how many it deleted.
pub async fn gc(store: &Store, site: &SiteConfig, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let name = site.name.as_str();
    let grace = chrono::Duration::from_std(Duration::from_secs(site.gc_grace_secs))
        .unwrap_or(chrono::Duration::MAX);
    let cutoff = now - grace;
    let mut generations = store.list(&Key::generations_prefix(name)).await?;
    if generations.len() <= site.keep_generations {
        return Ok(0);
    }
    // Listed before reading what the manifests name: a blob a concurrent publisher uploads
    // after this listing is not a candidate at all.
    let blobs = store.list(&Key::blobs_prefix(name)).await?;
    generations.sort_by_key(|m| Key::parse_generation(m.location.as_ref()).unwrap_or(0));
    let split = generations.len() - site.keep_generations;
    let (old, kept) = generations.split_at(split);
    let mut named: HashSet<String> = HashSet::new();
    for meta in kept {
        let g = Key::parse_generation(meta.location.as_ref()).unwrap_or(0);
        if let Some(m) = store
            .get_json::<Manifest>(&Key::Generation(name.to_string(), g))
            .await?
        {
            named.extend(m.object_keys());
        }
    }
    // The live manifest may be a rollback to a generation outside the window.
    if let Some((live, _)) = live_manifest(store, name).await? {
        named.extend(live.object_keys());
    }
    let mut deleted = 0;
    for meta in old.iter().filter(|m| m.last_modified < cutoff) {
        store.delete(&meta.location).await?;
        deleted += 1;
    }
    for meta in blobs
        .iter()
        .filter(|m| m.last_modified < cutoff && !named.contains(m.location.as_ref()))
    {
        // A publisher that needs an old blob again uploads it anew, which makes it young: look
        // once more right before deleting (S3 has no conditional DELETE; see SCALING.md).
        if store
            .modified(&meta.location)
            .await?
            .is_some_and(|t| t < cutoff)
        {
            store.delete(&meta.location).await?;
            deleted += 1;
        }
    }
    Ok(deleted)
}

#[derive(Debug, thiserror::Error)]
pub enum RollbackError {
    #[error("site {0:?} has never been published")]
    NeverPublished(String),
    #[error("generation {0} is not kept any more (see `sites.keep_generations`)")]
    NoSuchGeneration(u64),
    #[error("generation {generation} cannot be restored: object {key} was garbage-collected")]
    Incomplete { generation: u64, key: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Makes an older generation's content live again, as a new generation (generations only go
/// forward). `to` defaults to the generation before the live one.
pub async fn rollback(
    store: &Store,
    site: &str,
    to: Option<u64>,
    now: DateTime<Utc>,
) -> Result<u64, RollbackError> {
    let (live, etag) = live_manifest(store, site)
        .await?
        .ok_or_else(|| RollbackError::NeverPublished(site.into()))?;
    let target = to.unwrap_or(live.generation.saturating_sub(1));
    let mut manifest: Manifest = store
        .get_json(&Key::Generation(site.to_string(), target))
        .await?
        .ok_or(RollbackError::NoSuchGeneration(target))?;
    for key in manifest.object_keys() {
        if !store.exists(&key).await? {
            return Err(RollbackError::Incomplete {
                generation: target,
                key,
            });
        }
    }
    manifest.published_at = now;
    make_live(store, &mut manifest, live.generation, etag.as_deref()).await?;
    Ok(manifest.generation)
}
