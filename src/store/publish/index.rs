//! The shared indexes of the bucket: small JSON documents that several writers change at once
//! and frontends poll. The site index (`sites.json`) is one: a fetcher adds or updates its own
//! sites and never drops another's. The admin index (`admin/index.json`, see
//! `crate::headlines`) is another. Each is merged, not overwritten: written conditionally where
//! the store can (`If-Match`), and elsewhere written, read back and merged again until it holds
//! what was asked ([`update_json`]; see SCALING.md for what that guarantees).

use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::PublishStats;
use crate::store::manifest::{SiteEntry, SiteIndex, Tombstone};
use crate::store::{Key, Store, StoreError};

/// Rounds of read, merge, write before giving up on a contended index.
const ATTEMPTS: usize = 8;
/// How long to wait before reading back an index written without a condition.
const SETTLE: Duration = Duration::from_millis(250);

/// The index and its store ETag; an empty index if there is none yet.
pub async fn read(store: &Store) -> Result<(SiteIndex, Option<String>), StoreError> {
    read_json(store, &Key::SiteIndex).await
}

/// A shared JSON document and its store ETag; the default (empty) document if there is none.
pub async fn read_json<T: DeserializeOwned + Default>(
    store: &Store,
    key: &Key,
) -> Result<(T, Option<String>), StoreError> {
    match store.get_with_etag(key).await? {
        None => Ok((T::default(), None)),
        Some((bytes, etag)) => {
            serde_json::from_slice(&bytes)
                .map(|i| (i, etag))
                .map_err(|source| StoreError::Corrupt {
                    key: key.to_string(),
                    source,
                })
        }
    }
}

/// `index` with `sites` added or updated in place; every other site is kept, in its order. A
/// site's generation only goes forward: an entry without one, or with an older one (a slower
/// publisher), keeps the index's.
pub fn merged(index: &SiteIndex, sites: &[SiteEntry]) -> SiteIndex {
    let mut out = index.clone();
    for site in sites {
        match out.sites.iter_mut().find(|s| s.name == site.name) {
            Some(existing) => {
                let generation = existing.generation.max(site.generation);
                *existing = SiteEntry {
                    generation,
                    ..site.clone()
                };
            }
            None => out.sites.push(site.clone()),
        }
    }
    out
}

/// Records that `site` is live at `generation` (after a rollback or release), if it is listed.
pub async fn set_generation(
    store: &Store,
    site: &str,
    generation: u64,
) -> Result<PublishStats, StoreError> {
    let (_, stats) = update_json(
        store,
        &Key::SiteIndex,
        "the site index",
        |index: &SiteIndex| {
            let entry = index.sites.iter().find(|s| s.name == site)?;
            (entry.generation < Some(generation)).then(|| {
                merged(
                    index,
                    &[SiteEntry {
                        generation: Some(generation),
                        ..entry.clone()
                    }],
                )
            })
        },
    )
    .await?;
    Ok(stats)
}

/// Adds or updates `sites` in the index. Writes nothing when it already says so.
pub async fn register(store: &Store, sites: &[SiteEntry]) -> Result<PublishStats, StoreError> {
    let mut added: Vec<String> = vec![];
    let (_, stats) = update_json(
        store,
        &Key::SiteIndex,
        "the site index",
        |index: &SiteIndex| {
            let wanted = merged(index, sites);
            if wanted == *index {
                return None;
            }
            for s in &wanted.sites {
                if !index.sites.iter().any(|c| c.name == s.name) && !added.contains(&s.name) {
                    added.push(s.name.clone());
                }
            }
            Some(wanted)
        },
    )
    .await?;
    // A site added back before its grace period ended keeps its objects.
    if !added.is_empty() {
        for (name, meta) in store.list_names(Key::TOMBSTONES_PREFIX, ".json").await? {
            if added.contains(&name) {
                store.delete(&meta.location).await?;
            }
        }
    }
    Ok(stats)
}

/// Takes `site` out of the index; its objects are deleted by a later pass once `grace` is
/// over. Returns whether it was in the index.
pub async fn remove(
    store: &Store,
    site: &str,
    grace: Duration,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let (index, _) = read(store).await?;
    if !index.sites.iter().any(|s| s.name == site) {
        return Ok(false);
    }
    let tombstone = Tombstone {
        site: site.to_string(),
        removed_at: now,
        grace_secs: grace.as_secs(),
    };
    store
        .put(
            &Key::Tombstone(site.to_string()),
            Bytes::from(serde_json::to_vec_pretty(&tombstone).expect("plain data serializes")),
        )
        .await?;
    update_json(
        store,
        &Key::SiteIndex,
        "the site index",
        |index: &SiteIndex| {
            let mut out = index.clone();
            out.sites.retain(|s| s.name != site);
            (out != *index).then_some(out)
        },
    )
    .await?;
    Ok(true)
}

/// Applies `change` to the shared document at `key` until the stored document shows it, and
/// returns the document as last read or written, with what was written.
///
/// `change` gets the current document and returns the one wanted, or `None` when there is
/// nothing (more) to write: the change is there already, or it no longer applies (a
/// compare-and-set whose expected value moved on: the caller reads the outcome from the
/// returned document). It must be safe to call again on a newer document.
///
/// Where the store honours conditional writes the document is replaced with `If-Match`, and a
/// lost race reads and merges again. Without them, a writer that read the document just before
/// this one wrote it can write its own version over it: so after writing, this waits
/// [`SETTLE`] (far longer than anyone's read-to-write gap) and reads back, merging again if the
/// change is gone.
pub async fn update_json<T>(
    store: &Store,
    key: &Key,
    what: &str,
    mut change: impl FnMut(&T) -> Option<T>,
) -> Result<(T, PublishStats), StoreError>
where
    T: Serialize + DeserializeOwned + Default,
{
    let mut stats = PublishStats::default();
    for attempt in 1.. {
        let (current, etag) = read_json::<T>(store, key).await?;
        let Some(wanted) = change(&current) else {
            return Ok((current, stats));
        };
        if attempt > ATTEMPTS {
            break;
        }
        if attempt > 1 {
            tracing::info!(attempt, key = %key, "{what} changed concurrently; merging again");
        }
        let bytes = Bytes::from(serde_json::to_vec_pretty(&wanted).expect("plain data serializes"));
        let len = bytes.len() as u64;
        match store.put_if(key, bytes, etag.as_deref()).await {
            Ok(_) => {
                stats.objects_written += 1;
                stats.bytes_written += len;
                if store.supports_conditional_writes() {
                    return Ok((wanted, stats));
                }
                tokio::time::sleep(SETTLE).await;
            }
            // Someone else wrote first: merge into theirs.
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::GaveUp {
        what: format!("updating {what}"),
        attempts: ATTEMPTS,
        source: Box::new(StoreError::Conflict {
            key: key.to_string(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, host: &str) -> SiteEntry {
        SiteEntry {
            name: name.into(),
            title: name.to_uppercase(),
            hosts: vec![host.into()],
            generation: None,
        }
    }

    #[test]
    fn merging_updates_in_place_and_keeps_other_sites() {
        let index = SiteIndex {
            sites: vec![entry("a", "a.example"), entry("b", "b.example")],
        };
        let out = merged(
            &index,
            &[entry("b", "new.example"), entry("c", "c.example")],
        );
        let names: Vec<&str> = out.sites.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"], "order kept, new sites appended");
        assert_eq!(out.sites[1].hosts, ["new.example"]);
        let live = |g| SiteEntry {
            generation: g,
            ..entry("a", "a.example")
        };
        let at_5 = merged(&index, &[live(Some(5))]);
        assert_eq!(at_5.sites[0].generation, Some(5));
        assert_eq!(
            merged(&at_5, &[live(None)]).sites[0].generation,
            Some(5),
            "an entry without a generation keeps the index's"
        );
        assert_eq!(
            merged(&at_5, &[live(Some(4))]).sites[0].generation,
            Some(5),
            "generations never go back"
        );
    }
}
