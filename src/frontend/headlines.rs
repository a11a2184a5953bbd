//! What a frontend holds of the headline files: the admin index, re-read with one conditional
//! GET per poll whatever the number of sites (a 304 while nothing changed); the current block
//! of each site, read once per new version and rendered for pages; and archives, read when
//! `/old_headlines` is asked for and then only the batches written since.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use super::page::Page;
use crate::headlines::archive::Archive;
use crate::headlines::blocks;
use crate::headlines::index::AdminIndex;
use crate::headlines::sanitize::Images;
use crate::render::headlines as render;
use crate::store::{Fetch, Key, Store, StoreError};

/// A site's current headline block, rendered for pages (without images: those come with the
/// fetcher's next generation, which copies them into the bucket).
#[derive(Debug)]
pub struct CurrentBlock {
    pub version: String,
    pub html: String,
}

#[derive(Debug, Default)]
struct State {
    index: AdminIndex,
    etag: Option<String>,
    blocks: BTreeMap<String, Arc<CurrentBlock>>,
}

/// A site's archive and the marker it was read at.
type ArchiveKey = (String, Option<String>);
/// A page of `/old_headlines`: site, archive marker, page number.
pub type OldPageKey = (String, Option<String>, usize);

const WARN_EVERY: Duration = Duration::from_secs(60);

pub struct Watch {
    state: RwLock<Arc<State>>,
    archives: moka::future::Cache<ArchiveKey, Arc<Archive>>,
    /// The archive last read per site, to read only newer batches next time.
    latest: Mutex<BTreeMap<String, Arc<Archive>>>,
    /// Rendered and compressed pages of `/old_headlines`.
    pub old_pages: moka::future::Cache<OldPageKey, Arc<Page>>,
    warned: Mutex<Option<Instant>>,
}

impl Default for Watch {
    fn default() -> Self {
        Watch {
            state: Default::default(),
            // Each archive change makes a new key; the old copies go by weight (a few hundred
            // bytes per headline).
            archives: moka::future::Cache::builder()
                .max_capacity(64 << 20)
                .weigher(|_: &ArchiveKey, a: &Arc<Archive>| {
                    u32::try_from(a.len() * 256 + 1024).unwrap_or(u32::MAX)
                })
                .build(),
            latest: Default::default(),
            old_pages: moka::future::Cache::builder()
                .max_capacity(32 << 20)
                .weigher(|_: &OldPageKey, p: &Arc<Page>| p.weight().try_into().unwrap_or(u32::MAX))
                .build(),
            warned: Default::default(),
        }
    }
}

impl Watch {
    fn state(&self) -> Arc<State> {
        self.state.read().expect("watch lock").clone()
    }

    /// Re-reads the admin index (conditionally) and any block that changed. On failure the
    /// last good state stays (and is read again in full at the next poll), and the failure is
    /// logged at most once a minute.
    pub async fn refresh(&self, store: &Store) -> Result<(), Arc<StoreError>> {
        let result = self.read(store).await;
        match &result {
            Ok(()) => *self.warned.lock().expect("watch lock") = None,
            Err(e) => {
                let mut warned = self.warned.lock().expect("watch lock");
                if warned.is_none_or(|t| t.elapsed() >= WARN_EVERY) {
                    *warned = Some(Instant::now());
                    tracing::warn!(error = %e, "cannot read the headline files; serving the last good ones");
                }
            }
        }
        result
    }

    async fn read(&self, store: &Store) -> Result<(), Arc<StoreError>> {
        let old = self.state();
        let (index, etag) = match store.fetch(&Key::AdminIndex, old.etag.as_deref()).await? {
            Fetch::NotModified => return Ok(()),
            Fetch::NotFound => (AdminIndex::default(), None),
            Fetch::Found { bytes, etag } => (
                serde_json::from_slice(&bytes).map_err(|source| StoreError::Corrupt {
                    key: Key::AdminIndex.to_string(),
                    source,
                })?,
                etag,
            ),
        };
        let mut blocks_now = BTreeMap::new();
        for (site, files) in &index.sites {
            let Some(version) = &files.block else {
                continue;
            };
            if let Some(b) = old.blocks.get(site).filter(|b| &b.version == version) {
                blocks_now.insert(site.clone(), b.clone());
                continue;
            }
            let Some(doc) = blocks::get(store, site, version).await? else {
                tracing::warn!(
                    site,
                    version,
                    "the admin index names a headline block version that is not in the bucket"
                );
                continue;
            };
            let html = match render::block_html(&doc.block, &Images::new()) {
                Ok(html) => html,
                Err(e) => {
                    tracing::error!(site, version, error = %e, "cannot render the headline block");
                    continue;
                }
            };
            tracing::info!(site, version, author = %doc.author, "new headline block");
            blocks_now.insert(
                site.clone(),
                Arc::new(CurrentBlock {
                    version: version.clone(),
                    html,
                }),
            );
        }
        *self.state.write().expect("watch lock") = Arc::new(State {
            index,
            etag,
            blocks: blocks_now,
        });
        Ok(())
    }

    /// The current block of `site` if it is newer than `published` (the version the site's
    /// generation was rendered with): the page must then be composed with it.
    /// On the path of every `/`: a read lock and a map lookup, no allocation.
    pub fn newer_block(&self, site: &str, published: Option<&str>) -> Option<Arc<CurrentBlock>> {
        let state = self.state.read().expect("watch lock");
        let current = state.blocks.get(site)?;
        // Version names sort by time: an older pointer (an index not yet re-read) never puts an
        // older block over a newer page.
        (published.is_none_or(|p| current.version.as_str() > p)).then(|| current.clone())
    }

    /// Admin sessions issued before this (Unix seconds) are logged out, as of the last poll.
    pub fn sessions_not_before(&self) -> Option<i64> {
        self.state
            .read()
            .expect("watch lock")
            .index
            .sessions_not_before
    }

    /// What the admin index says of `site`'s archive: changes when it does.
    pub fn archive_marker(&self, site: &str) -> Option<String> {
        self.state().index.archive(site).map(str::to_string)
    }

    /// `site`'s archive as of its current marker: one load per marker, reading only the
    /// batches that are new since the last one.
    pub async fn archive(
        &self,
        store: &Store,
        site: &str,
    ) -> Result<(Arc<Archive>, Option<String>), Arc<StoreError>> {
        let marker = self.archive_marker(site);
        let key = (site.to_string(), marker.clone());
        let archive = self
            .archives
            .try_get_with(key, async {
                let previous = self.latest.lock().expect("watch lock").get(site).cloned();
                let archive = Arc::new(match previous {
                    Some(p) => p.updated(store, site).await?,
                    None => Archive::load(store, site).await?,
                });
                self.latest
                    .lock()
                    .expect("watch lock")
                    .insert(site.to_string(), archive.clone());
                Ok::<_, StoreError>(archive)
            })
            .await?;
        Ok((archive, marker))
    }
}
