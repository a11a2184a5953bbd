//! What a frontend knows about the bucket: the live manifest of every site (polled with
//! conditional GETs) and a byte-bounded cache of immutable objects (one load per key).
//!
//! When the bucket fails, the last good manifests and cached objects keep being served.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::store::manifest::{Manifest, SiteEntry, SiteIndex};
use crate::store::{Fetch, Key, Store, StoreError};

/// One published site as the frontend serves it.
#[derive(Debug, Clone)]
pub struct LiveSite {
    pub entry: SiteEntry,
    pub manifest: Arc<Manifest>,
    /// Store ETag of the manifest, for the next conditional GET.
    etag: Option<String>,
}

/// Every live site; the first is the default for unknown hosts.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub sites: Vec<LiveSite>,
    index: SiteIndex,
    index_etag: Option<String>,
}

impl Snapshot {
    /// The site whose hosts list `host` (port and case ignored), else the default site.
    pub fn site_for_host(&self, host: Option<&str>) -> Option<&LiveSite> {
        let host = host.map(|h| strip_port(h).to_ascii_lowercase());
        host.and_then(|h| self.sites.iter().find(|s| s.entry.hosts.iter().any(|x| x.eq_ignore_ascii_case(&h))))
            .or_else(|| self.sites.first())
    }
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_once(']').map(|(h, _)| &h[1..]).unwrap_or(host);
    }
    host.rsplit_once(':').filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit())).map(|(h, _)| h).unwrap_or(host)
}

/// The frontend's view of the bucket.
pub struct Live {
    store: Store,
    snapshot: RwLock<Arc<Snapshot>>,
    objects: moka::future::Cache<String, Bytes>,
    /// When a refresh last succeeded; `None` until the first one.
    last_ok: RwLock<Option<Instant>>,
}

impl Live {
    pub fn new(store: Store, cache_bytes: u64) -> Self {
        let objects = moka::future::Cache::builder()
            .max_capacity(cache_bytes)
            .weigher(|k: &String, v: &Bytes| (k.len() + v.len()).try_into().unwrap_or(u32::MAX))
            .build();
        Live { store, snapshot: Default::default(), objects, last_ok: RwLock::new(None) }
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.read().expect("snapshot lock").clone()
    }

    /// Time since the last successful refresh, `None` before the first.
    pub fn age(&self) -> Option<Duration> {
        self.last_ok.read().expect("age lock").map(|t| t.elapsed())
    }

    /// Re-reads the site index and manifests, conditionally; keeps what it had on failure.
    pub async fn refresh(&self) -> Result<(), StoreError> {
        let old = self.snapshot();
        let (index, index_etag) = match self.store.fetch(&Key::SiteIndex, old.index_etag.as_deref()).await? {
            Fetch::NotModified => (old.index.clone(), old.index_etag.clone()),
            Fetch::NotFound => (SiteIndex::default(), None),
            Fetch::Found { bytes, etag } => (parse(&Key::SiteIndex, &bytes)?, etag),
        };
        let mut sites = Vec::with_capacity(index.sites.len());
        for entry in &index.sites {
            let key = Key::Manifest(entry.name.clone());
            let previous = old.sites.iter().find(|s| s.entry.name == entry.name);
            match self.store.fetch(&key, previous.and_then(|p| p.etag.as_deref())).await? {
                Fetch::NotModified => {
                    let p = previous.expect("a 304 answers a conditional GET we made");
                    sites.push(LiveSite { entry: entry.clone(), ..p.clone() });
                }
                Fetch::NotFound => {}
                Fetch::Found { bytes, etag } => {
                    let manifest: Manifest = parse(&key, &bytes)?;
                    if previous.is_none_or(|p| p.manifest.generation != manifest.generation) {
                        tracing::info!(site = %entry.name, generation = manifest.generation, "new generation");
                    }
                    sites.push(LiveSite { entry: entry.clone(), manifest: Arc::new(manifest), etag });
                }
            }
        }
        *self.snapshot.write().expect("snapshot lock") = Arc::new(Snapshot { sites, index, index_etag });
        *self.last_ok.write().expect("age lock") = Some(Instant::now());
        Ok(())
    }

    /// Polls forever, every `every`; failures are logged and the old snapshot stays.
    pub async fn poll(self: Arc<Self>, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.refresh().await {
                tracing::warn!(error = %e, "bucket refresh failed; serving the last good copy");
            }
        }
    }

    /// An immutable object by key, from the cache or the store (one load per key at a time).
    /// `Ok(None)` when the store does not have it.
    pub async fn object(&self, key: &str) -> Result<Option<Bytes>, Arc<StoreError>> {
        if let Some(b) = self.objects.get(key).await {
            return Ok(Some(b));
        }
        let store = self.store.clone();
        let path = key.to_string();
        let loaded = self
            .objects
            .try_get_with(key.to_string(), async move {
                match store.fetch_path(&path).await? {
                    Some(b) => Ok(b),
                    None => Err(StoreError::Missing { key: path }),
                }
            })
            .await;
        match loaded {
            Ok(b) => Ok(Some(b)),
            Err(e) if matches!(*e, StoreError::Missing { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(key: &Key, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|source| StoreError::Corrupt { key: key.to_string(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_stripped_from_hosts() {
        assert_eq!(strip_port("example.org:8080"), "example.org");
        assert_eq!(strip_port("example.org"), "example.org");
        assert_eq!(strip_port("[::1]:80"), "::1");
    }
}
