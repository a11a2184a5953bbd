//! A site's headline archive: past headlines with their time, for `/old_headlines`.
//!
//! Nothing in it is ever rewritten: each change (the scheduled pick appending its headlines,
//! an admin adding or deleting one) is its own immutable batch
//! (`admin/<site>/archive/<version>.json`), and a deletion is a tombstone. The archive is the
//! union of every batch's additions minus every deletion, which does not depend on the order
//! batches are read in, so concurrent writers never conflict. So that readers need not fetch
//! every batch ever written, a writer now and then stores a snapshot of the archive folded up
//! to a batch old enough that no write of an earlier one can still be in flight.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::block::{InputError, Item};
use super::index::AdminIndex;
use super::version::{is_version, new_version, time_of};
use crate::store::publish::index::update_json;
use crate::store::{Key, Store, StoreError};

/// Batches newer than the newest snapshot before a writer folds them into a new one.
const COMPACT_AFTER: usize = 64;
/// Only batches older than this go into a snapshot: any write of one has long finished.
const HORIZON: Duration = Duration::from_secs(600);

/// One archived headline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Derived from the link and time, so appending the same headline twice keeps one.
    pub id: String,
    pub title: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    pub when: DateTime<Utc>,
}

impl Entry {
    /// A headline to archive, checked like a headline of the block.
    pub fn new(
        title: &str,
        url: &str,
        image: Option<&str>,
        when: DateTime<Utc>,
    ) -> Result<Entry, InputError> {
        let item = Item {
            title: title.to_string(),
            url: url.to_string(),
            image: image.map(str::to_string),
        };
        let items = match super::Block::from_items(vec![item])? {
            super::Block::Items { items } => items,
            super::Block::Html { .. } => unreachable!("from_items makes items"),
        };
        let Some(item) = items.into_iter().next() else {
            return Err(InputError::BadItem {
                n: 1,
                what: "the title and link are empty".into(),
            });
        };
        let digest = Sha256::digest(format!("{}\n{}", item.url, when.to_rfc3339()).as_bytes());
        Ok(Entry {
            id: hex::encode(&digest[..6]),
            title: item.title,
            url: item.url,
            image: item.image,
            when,
        })
    }
}

/// One change to the archive, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub version: String,
    pub site: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub add: Vec<Entry>,
    /// Ids of entries taken out.
    #[serde(default)]
    pub delete: Vec<String>,
}

/// The archive folded up to and including batch `through`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Snapshot {
    through: String,
    entries: Vec<Entry>,
    deleted: Vec<String>,
}

/// A site's archive as read from the bucket.
#[derive(Debug, Clone, Default)]
pub struct Archive {
    entries: BTreeMap<String, Entry>,
    deleted: BTreeSet<String>,
    /// The snapshot this was started from.
    through: Option<String>,
    /// Batches after it that are folded in.
    folded: BTreeSet<String>,
}

impl Archive {
    fn fold(&mut self, add: &[Entry], delete: &[String]) {
        self.deleted.extend(delete.iter().cloned());
        for e in add {
            if !self.deleted.contains(&e.id) {
                self.entries.insert(e.id.clone(), e.clone());
            }
        }
        for id in delete {
            self.entries.remove(id);
        }
    }

    /// Every entry, newest first.
    pub fn entries(&self) -> Vec<&Entry> {
        let mut out: Vec<&Entry> = self.entries.values().collect();
        out.sort_by(|a, b| b.when.cmp(&a.when).then_with(|| a.id.cmp(&b.id)));
        out
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.get(id)
    }

    /// The archive of `site`, read from its newest snapshot and the batches after it.
    pub async fn load(store: &Store, site: &str) -> Result<Archive, StoreError> {
        Archive::default().updated(store, site).await
    }

    /// This archive with the batches written since it was read: one listing, and a GET per
    /// new batch.
    pub async fn updated(&self, store: &Store, site: &str) -> Result<Archive, StoreError> {
        let listing = Listing::read(store, site).await?;
        let mut out = self.clone();
        if out.through.is_none()
            && out.folded.is_empty()
            && let Some(through) = listing.snapshots.last()
        {
            let key = Key::ArchiveSnapshot {
                site: site.to_string(),
                through: through.clone(),
            };
            if let Some(s) = store.get_json::<Snapshot>(&key).await? {
                out.fold(&s.entries, &s.deleted);
                out.through = Some(s.through);
            }
        }
        let new: Vec<String> = listing
            .batches
            .into_iter()
            .filter(|v| out.through.as_ref().is_none_or(|t| v > t) && !out.folded.contains(v))
            .collect();
        let batches: Vec<Option<Batch>> = futures::stream::iter(new)
            .map(|v| async move { read_batch(store, site, &v).await })
            .buffered(8)
            .try_collect()
            .await?;
        for b in batches.into_iter().flatten() {
            out.fold(&b.add, &b.delete);
            out.folded.insert(b.version);
        }
        Ok(out)
    }
}

async fn read_batch(store: &Store, site: &str, version: &str) -> Result<Option<Batch>, StoreError> {
    store
        .get_json(&Key::ArchiveBatch {
            site: site.to_string(),
            version: version.to_string(),
        })
        .await
}

/// The names of a site's batches and snapshots, in order.
struct Listing {
    batches: Vec<String>,
    snapshots: Vec<String>,
}

impl Listing {
    async fn read(store: &Store, site: &str) -> Result<Listing, StoreError> {
        let prefix = Key::archive_prefix(site);
        let mut batches = vec![];
        let mut snapshots = vec![];
        for (name, _) in store.list_names(&prefix, ".json").await? {
            match name.strip_prefix("snapshots/") {
                Some(s) if is_version(s) => snapshots.push(s.to_string()),
                None if is_version(&name) => batches.push(name.to_string()),
                _ => {}
            }
        }
        batches.sort();
        snapshots.sort();
        Ok(Listing { batches, snapshots })
    }
}

/// Adds `entries` to `site`'s archive (the scheduled pick, or an admin). Returns the batch.
pub async fn append(
    store: &Store,
    site: &str,
    entries: Vec<Entry>,
    author: &str,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    write_batch(store, site, entries, vec![], author, now).await
}

/// Takes the entries `ids` out of `site`'s archive. Returns the batch.
pub async fn delete(
    store: &Store,
    site: &str,
    ids: Vec<String>,
    author: &str,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    write_batch(store, site, vec![], ids, author, now).await
}

async fn write_batch(
    store: &Store,
    site: &str,
    add: Vec<Entry>,
    delete: Vec<String>,
    author: &str,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let version = new_version(now);
    let batch = Batch {
        version: version.clone(),
        site: site.to_string(),
        author: author.to_string(),
        created_at: now,
        add,
        delete,
    };
    store
        .put_new(
            &Key::ArchiveBatch {
                site: site.to_string(),
                version: version.clone(),
            },
            Bytes::from(serde_json::to_vec_pretty(&batch).expect("plain data serializes")),
        )
        .await?;
    // Frontends list the batches when the marker changes. Any change after this batch is
    // readable does: so the marker is set unless someone else moved it since it was first read
    // here (a writer that overwrote it with an older index is undone by the read-back).
    let mut seen: Option<Option<String>> = None;
    update_json(
        store,
        &Key::AdminIndex,
        "the admin index",
        |index: &AdminIndex| {
            let marker = index.archive(site).map(str::to_string);
            let first = seen.get_or_insert_with(|| marker.clone());
            (marker == *first).then(|| index.with_archive(site, &version))
        },
    )
    .await?;
    if let Err(e) = compact(store, site, now).await {
        tracing::warn!(site, error = %e, "folding the headline archive into a snapshot failed; the next write tries again");
    }
    Ok(version)
}

/// Writes a snapshot when enough batches old enough to be settled follow the newest one.
async fn compact(store: &Store, site: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let listing = Listing::read(store, site).await?;
    let horizon = now - chrono::Duration::from_std(HORIZON).expect("small");
    let last = listing.snapshots.last();
    let settled: Vec<String> = listing
        .batches
        .iter()
        .filter(|v| last.is_none_or(|s| *v > s))
        .filter(|v| time_of(v).is_some_and(|t| t < horizon))
        .cloned()
        .collect();
    let Some(through) = settled.last().map(|s| s.to_string()) else {
        return Ok(false);
    };
    if settled.len() < COMPACT_AFTER {
        return Ok(false);
    }
    let mut archive = Archive::default();
    if let Some(s) = last {
        let key = Key::ArchiveSnapshot {
            site: site.to_string(),
            through: s.clone(),
        };
        if let Some(s) = store.get_json::<Snapshot>(&key).await? {
            archive.fold(&s.entries, &s.deleted);
        }
    }
    let batches: Vec<Option<Batch>> = futures::stream::iter(settled)
        .map(|v| async move { read_batch(store, site, &v).await })
        .buffered(8)
        .try_collect()
        .await?;
    for b in batches.into_iter().flatten() {
        archive.fold(&b.add, &b.delete);
    }
    let snapshot = Snapshot {
        through: through.clone(),
        entries: archive.entries.into_values().collect(),
        deleted: archive.deleted.into_iter().collect(),
    };
    let key = Key::ArchiveSnapshot {
        site: site.to_string(),
        through,
    };
    match store
        .put_new(
            &key,
            Bytes::from(serde_json::to_vec(&snapshot).expect("plain data serializes")),
        )
        .await
    {
        // Another writer made the same snapshot: it holds the same.
        Ok(()) | Err(StoreError::Conflict { .. }) => Ok(true),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn folding_is_additions_minus_tombstones_in_any_order() {
        let a = Entry::new("A", "https://e.org/a", None, at("2026-11-20T08:00:00Z")).unwrap();
        let b = Entry::new("B", "https://e.org/b", None, at("2026-11-21T08:00:00Z")).unwrap();
        let mut one = Archive::default();
        one.fold(std::slice::from_ref(&a), &[]);
        one.fold(std::slice::from_ref(&b), &[]);
        one.fold(&[], std::slice::from_ref(&a.id));
        let mut other = Archive::default();
        other.fold(&[], std::slice::from_ref(&a.id));
        other.fold(&[b.clone(), a.clone()], &[]);
        assert_eq!(one.entries(), [&b]);
        assert_eq!(other.entries(), [&b]);
    }

    #[test]
    fn the_same_headline_at_the_same_time_is_one_entry() {
        let when = at("2026-11-20T08:00:00Z");
        let a = Entry::new("A", "https://e.org/a", None, when).unwrap();
        assert_eq!(
            a.id,
            Entry::new("A again", "https://e.org/a", None, when)
                .unwrap()
                .id
        );
        assert!(Entry::new("A", "ftp://e.org/a", None, when).is_err());
    }

    #[tokio::test]
    async fn compaction_keeps_everything_and_readers_start_from_the_snapshot() {
        let store = Store::open("memory://", crate::store::Role::Fetcher).unwrap();
        let start = at("2026-11-01T00:00:00Z");
        let mut ids = vec![];
        for i in 0..(COMPACT_AFTER + 3) {
            let when = start + chrono::Duration::minutes(i as i64);
            let e = Entry::new(
                &format!("story {i}"),
                &format!("https://e.org/{i}"),
                None,
                when,
            )
            .unwrap();
            ids.push(e.id.clone());
            append(&store, "s", vec![e], "auto", when).await.unwrap();
        }
        delete(
            &store,
            "s",
            vec![ids[0].clone()],
            "web",
            start + chrono::Duration::days(1),
        )
        .await
        .unwrap();
        let listing = Listing::read(&store, "s").await.unwrap();
        assert_eq!(
            listing.snapshots.len(),
            1,
            "one snapshot once enough batches settled"
        );
        let archive = Archive::load(&store, "s").await.unwrap();
        assert_eq!(archive.len(), COMPACT_AFTER + 2);
        assert!(archive.get(&ids[0]).is_none(), "the tombstone applies");
        assert!(archive.through.is_some());
        assert!(
            archive.folded.len() < 20,
            "batches in the snapshot are not read again: {}",
            archive.folded.len()
        );
        assert_eq!(
            listing.batches.len(),
            COMPACT_AFTER + 4,
            "no batch is deleted"
        );
    }
}
