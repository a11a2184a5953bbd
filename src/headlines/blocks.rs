//! Versions of a site's headline block in the bucket: every save writes a new immutable
//! version, then moves the site's pointer in the admin index to it, but only from the version
//! the editor started from. Two admins saving at once both keep their version; the one whose
//! pointer move fails is told so ([`SaveOutcome::NotCurrent`]) and can restore theirs.
//!
//! This is the API the web editor, the CLI and the scheduled pick all write through.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};

use super::HeadlinesError;
use super::block::{Block, BlockVersion};
use super::index::AdminIndex;
use super::version::{is_version, new_version, time_of};
use crate::store::publish::index::update_json;
use crate::store::{Key, Store, StoreError};

/// The author the scheduled pick writes as.
pub const AUTO: &str = "auto";

/// What became of a save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub version: String,
    pub outcome: SaveOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    /// The new version is the current one.
    Current,
    /// Another version became current after the editor started (another admin saved at the
    /// same time, or the scheduled pick ran): the new version is kept in the history only.
    NotCurrent { current: Option<String> },
}

impl Saved {
    pub fn is_current(&self) -> bool {
        self.outcome == SaveOutcome::Current
    }

    /// What to tell the person who saved.
    pub fn message(&self) -> String {
        match &self.outcome {
            SaveOutcome::Current => {
                format!("saved version {}; it is the current block", self.version)
            }
            SaveOutcome::NotCurrent { current } => format!(
                "another admin saved at the same time; your version is kept in the history as {} but \
                 is not current (the current one is {}); restore yours to make it current",
                self.version,
                current.as_deref().unwrap_or("none")
            ),
        }
    }
}

/// One version in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub version: String,
    pub size: u64,
}

/// Saves `block` as a new version of `site`'s block by `author`, current if the current
/// version is still `base` (the one the editor started from; `None` when there was none).
pub async fn save(
    store: &Store,
    site: &str,
    block: Block,
    author: &str,
    base: Option<&str>,
    restored_from: Option<String>,
    now: DateTime<Utc>,
) -> Result<Saved, StoreError> {
    let version = new_version(now);
    let doc = BlockVersion {
        version: version.clone(),
        site: site.to_string(),
        author: author.to_string(),
        created_at: now,
        base: base.map(str::to_string),
        restored_from,
        block,
    };
    let key = Key::BlockVersion {
        site: site.to_string(),
        version: version.clone(),
    };
    // The version first: whatever happens to the pointer, the edit is kept.
    store
        .put_new(
            &key,
            Bytes::from(serde_json::to_vec_pretty(&doc).expect("plain data serializes")),
        )
        .await?;
    let (index, _) = update_json(
        store,
        &Key::AdminIndex,
        "the admin index",
        |index: &AdminIndex| {
            let current = index.block(site);
            (current != Some(version.as_str()) && current == base)
                .then(|| index.with_block(site, &version))
        },
    )
    .await?;
    let current = index.block(site).map(str::to_string);
    let outcome = if current.as_deref() == Some(version.as_str()) {
        SaveOutcome::Current
    } else {
        tracing::info!(site, version, current = ?current, base = ?base, "saved a headline block that is not current");
        SaveOutcome::NotCurrent { current }
    };
    Ok(Saved { version, outcome })
}

/// Saves `block` as the scheduled pick (author [`AUTO`]) on top of whatever is current: an
/// admin's edit stays until the next pick replaces it.
pub async fn save_auto(
    store: &Store,
    site: &str,
    block: Block,
    now: DateTime<Utc>,
) -> Result<Saved, StoreError> {
    let (index, _) = AdminIndex::read(store).await?;
    let base = index.block(site).map(str::to_string);
    save(store, site, block, AUTO, base.as_deref(), None, now).await
}

/// Saves the content of an older `version` again as a new, current version.
pub async fn restore(
    store: &Store,
    site: &str,
    version: &str,
    author: &str,
    base: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Saved, HeadlinesError> {
    let old = get(store, site, version)
        .await?
        .ok_or_else(|| HeadlinesError::NoVersion {
            site: site.to_string(),
            version: version.to_string(),
        })?;
    Ok(save(
        store,
        site,
        old.block,
        author,
        base,
        Some(version.to_string()),
        now,
    )
    .await?)
}

/// The current version of `site`'s block, if it has one.
pub async fn current(store: &Store, site: &str) -> Result<Option<BlockVersion>, StoreError> {
    let (index, _) = AdminIndex::read(store).await?;
    match index.block(site) {
        Some(v) => get(store, site, v).await,
        None => Ok(None),
    }
}

/// One version of `site`'s block; `None` for a name that is not a version or not there.
pub async fn get(
    store: &Store,
    site: &str,
    version: &str,
) -> Result<Option<BlockVersion>, StoreError> {
    if !is_version(version) {
        return Ok(None);
    }
    store
        .get_json(&Key::BlockVersion {
            site: site.to_string(),
            version: version.to_string(),
        })
        .await
}

/// Every version of `site`'s block, newest first.
pub async fn list(store: &Store, site: &str) -> Result<Vec<Listed>, StoreError> {
    let prefix = Key::block_versions_prefix(site);
    let mut out: Vec<Listed> = store
        .list_names(&prefix, ".json")
        .await?
        .into_iter()
        .filter(|(name, _)| is_version(name))
        .map(|(version, m)| Listed {
            version,
            size: m.size,
        })
        .collect();
    out.sort_by(|a, b| b.version.cmp(&a.version));
    Ok(out)
}

/// A version as the history shows it.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub version: String,
    pub created_at: DateTime<Utc>,
    pub author: String,
    pub size: u64,
    pub restored_from: Option<String>,
    pub current: bool,
}

/// The newest `limit` versions of `site`'s block after skipping `skip`, with their authors,
/// and how many there are in all.
pub async fn history(
    store: &Store,
    site: &str,
    skip: usize,
    limit: usize,
) -> Result<(Vec<HistoryEntry>, usize), StoreError> {
    let listed = list(store, site).await?;
    let (index, _) = AdminIndex::read(store).await?;
    let current = index.block(site);
    let total = listed.len();
    let entries = futures::stream::iter(listed.into_iter().skip(skip).take(limit))
        .map(|l| async move {
            let doc = get(store, site, &l.version).await?;
            Ok::<_, StoreError>(HistoryEntry {
                created_at: doc
                    .as_ref()
                    .map(|d| d.created_at)
                    .or_else(|| time_of(&l.version))
                    .unwrap_or_default(),
                author: doc.as_ref().map(|d| d.author.clone()).unwrap_or_default(),
                restored_from: doc.and_then(|d| d.restored_from),
                current: current == Some(l.version.as_str()),
                version: l.version,
                size: l.size,
            })
        })
        .buffered(8)
        .try_collect()
        .await?;
    Ok((entries, total))
}
