//! Garbage collection: old generation records and the objects no kept generation names go,
//! but only once they are older than a grace period, so a frontend (or a CDN's cached HTML)
//! still holding an older generation finds what it names. Sites taken out of the index with
//! `remove-site` go whole once their grace period is over.
//!
//! Which records are kept is decided on the site's [`Timeline`], which GC keeps up to date: it
//! reads only the records the timeline does not list yet (normally the one just published).
//! Sweeping blobs reads every kept record; while days are kept beyond the rollback window that
//! is done once a UTC day (the timeline says when it was last done), not on every publish.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::live_manifest;
use crate::store::manifest::{Manifest, Tombstone};
use crate::store::timeline::{Moment, Timeline};
use crate::store::{Key, Store, StoreError};

/// How long a site's old generations stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Generation records kept for rollback, newest first.
    pub keep_generations: usize,
    /// UTC days (today included) whose last live generation is kept, for `/at/<day>`.
    pub archive_days: u32,
    /// Nothing is deleted before it is this old.
    pub grace: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            keep_generations: 10,
            archive_days: 365,
            grace: Duration::from_secs(86_400),
        }
    }
}

fn cutoff(now: DateTime<Utc>, grace: Duration) -> DateTime<Utc> {
    now - chrono::Duration::from_std(grace).unwrap_or(chrono::Duration::MAX)
}

/// Brings the site's timeline up to date, deletes the generation records it no longer keeps,
/// and objects no kept generation (nor the live manifest) names, once they are older than the
/// grace period. Returns how many objects it deleted.
pub async fn gc(
    store: &Store,
    site: &str,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let cutoff = cutoff(now, retention.grace);
    let mut generations = store.list(&Key::generations_prefix(site)).await?;
    generations.sort_by_key(|m| Key::parse_generation(m.location.as_ref()).unwrap_or(0));
    let listed: HashSet<u64> = generations
        .iter()
        .filter_map(|m| Key::parse_generation(m.location.as_ref()))
        .collect();
    let stored = Timeline::read(store, site).await?;
    let mut line = stored.clone();
    line.moments.retain(|m| listed.contains(&m.generation));
    for &g in &listed {
        if line.moments.iter().any(|m| m.generation == g) {
            continue;
        }
        if let Some(m) = store
            .get_json::<Manifest>(&Key::Generation(site.to_string(), g))
            .await?
        {
            line.insert(Moment {
                generation: g,
                published_at: m.published_at,
                held: m.held,
            });
        }
    }
    let kept = line.kept(retention.keep_generations, retention.archive_days, now);
    let mut deleted = 0;
    for meta in &generations {
        let Some(g) = Key::parse_generation(meta.location.as_ref()) else {
            continue;
        };
        if !kept.contains(&g) && meta.last_modified < cutoff {
            store.delete(&meta.location).await?;
            line.moments.retain(|m| m.generation != g);
            deleted += 1;
        }
    }
    let anything_old = generations.len() > kept.len();
    if anything_old && line.sweep_due(&kept, retention.keep_generations, now) {
        // Every record left names what it needs: those kept, and those too young to go.
        let left: Vec<u64> = line.moments.iter().map(|m| m.generation).collect();
        deleted += sweep(store, site, &left, cutoff).await?;
        line.swept = Some(now);
    }
    if line != stored {
        let bytes = serde_json::to_vec(&line).expect("plain data serializes");
        store
            .put(&Key::Timeline(site.to_string()), bytes.into())
            .await?;
    }
    Ok(deleted)
}

/// Deletes the site's blobs older than `cutoff` that neither the records `left` nor the live
/// manifest name. Returns how many it deleted.
async fn sweep(
    store: &Store,
    site: &str,
    left: &[u64],
    cutoff: DateTime<Utc>,
) -> Result<usize, StoreError> {
    // Listed before reading what the manifests name: a blob a concurrent publisher uploads
    // after this listing is not a candidate at all.
    let blobs = store.list(&Key::blobs_prefix(site)).await?;
    let mut named: HashSet<String> = HashSet::new();
    for &g in left {
        if let Some(m) = store
            .get_json::<Manifest>(&Key::Generation(site.to_string(), g))
            .await?
        {
            named.extend(m.object_keys());
        }
    }
    // The live manifest may be a rollback to a generation outside the window.
    if let Some((live, _)) = live_manifest(store, site).await? {
        named.extend(live.object_keys());
    }
    let mut deleted = 0;
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

/// Deletes every object of the removed sites whose grace period is over, then their
/// tombstones. One listing when there is nothing to do. Returns how many objects it deleted.
pub async fn sweep_removed(store: &Store, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let mut deleted = 0;
    let mut listed: Option<Vec<String>> = None;
    for (site, _) in store.list_names(Key::TOMBSTONES_PREFIX, ".json").await? {
        let key = Key::Tombstone(site.clone());
        let Some(t) = store.get_json::<Tombstone>(&key).await? else {
            continue;
        };
        if t.removed_at >= cutoff(now, Duration::from_secs(t.grace_secs)) {
            continue;
        }
        // A site added back since (by a config that still lists it) is not deleted.
        if listed.is_none() {
            let index = super::index::read(store).await?.0;
            listed = Some(index.sites.into_iter().map(|s| s.name).collect());
        }
        if listed.as_ref().is_some_and(|l| l.contains(&t.site)) {
            store.delete(&key.path()).await?;
            continue;
        }
        let mut objects = 0;
        for object in store.list(&Key::site_prefix(&t.site)).await? {
            store.delete(&object.location).await?;
            objects += 1;
        }
        store.delete(&key.path()).await?;
        deleted += objects;
        tracing::info!(site = %t.site, objects, "removed site deleted after its grace period");
    }
    Ok(deleted)
}
