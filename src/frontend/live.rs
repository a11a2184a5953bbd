//! What a frontend knows about the bucket: the live manifest of every site (polled with
//! conditional GETs), its front page, JSON and shared assets pinned in memory, a byte-bounded
//! cache of other immutable objects and a cache of assembled reader layouts (one load or
//! assembly per key).
//!
//! A new generation becomes visible only once its pages are in memory, so readers never wait
//! on the bucket for `/` and never see a half-loaded generation. When the bucket fails, the last
//! good generation keeps being served (stale-if-error) and the next poll retries. Each site is
//! loaded on its own: one that fails holds back none of the others ([`super::sites`]).
//!
//! Only the assets some loaded generation names (in its manifest or its pages: stylesheets,
//! logos, headline images) are read from the bucket: any other `/assets/` name is a 404 that
//! costs no request, however many random names a client tries.
//!
//! Old generations (`/at/<when>`) are read only when asked for: a site's timeline once per
//! live generation, an archived front page once per generation, each into a bounded cache, a
//! miss charged to the client's share ([`ARCHIVED_PER_CLIENT`]). The assets such a page names
//! become known once its generation is read from the bucket, so they are served too.
//!
//! Each poll also re-reads the headline files of every site with one conditional GET
//! ([`crate::frontend::headlines`]); a page whose generation has an older headline block than the
//! current one is assembled here with the new block, like a reader layout.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::render::names;
use crate::store::manifest::{Manifest, ObjectRef, SiteEntry, SiteIndex};
use crate::store::timeline::Timeline;
use crate::store::{Fetch, Key, Store, StoreError};

use axum::http::{HeaderMap, Uri, header};

use super::client::Shares;
use super::page::Page;
use super::respond::Error;
use super::sites::{Fragment, LiveSite, Problem, Served, SiteState, Snapshot};
use crate::cli::Throttle;
use crate::render::choices::Prefs;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;

pub type CacheLabel = [(&'static str, &'static str); 1];
pub(super) const OBJECTS: CacheLabel = [("cache", "objects")];
pub(super) const LAYOUTS: CacheLabel = [("cache", "layouts")];
pub(super) const PINNED: CacheLabel = [("cache", "pinned")];
pub(super) const SEARCH: CacheLabel = [("cache", "search")];

/// Counters the bucket-facing side ([`Live`]) bumps and `/metrics` reads: each series is created here,
/// once, so bumping one is an atomic add.
#[derive(Debug)]
pub struct CacheCounters {
    pub(super) hits: Family<CacheLabel, Counter>,
    pub(super) misses: Family<CacheLabel, Counter>,
    pub object_hits: Counter,
    pub object_misses: Counter,
    pub layout_hits: Counter,
    pub layout_misses: Counter,
    /// Failed reads of the bucket.
    pub bucket_errors: Counter,
}

impl Default for CacheCounters {
    fn default() -> Self {
        let hits = Family::<CacheLabel, Counter>::default();
        let misses = Family::<CacheLabel, Counter>::default();
        let series =
            |family: &Family<CacheLabel, Counter>, label| family.get_or_create(label).clone();
        CacheCounters {
            object_hits: series(&hits, &OBJECTS),
            object_misses: series(&misses, &OBJECTS),
            layout_hits: series(&hits, &LAYOUTS),
            layout_misses: series(&misses, &LAYOUTS),
            hits,
            misses,
            bucket_errors: Counter::default(),
        }
    }
}

/// A page of one generation of a site: the headline block if it is newer than the
/// generation's (its version), the visible fragments, in order, and the look.
type LayoutKey = (String, u64, Option<String>, Vec<u16>, Prefs);

/// The frontend's view of the bucket.
pub struct Live {
    store: Store,
    snapshot: RwLock<Arc<Snapshot>>,
    /// Fragments, page parts and assets by key and encodings.
    objects: moka::future::Cache<String, Arc<Page>>,
    layouts: moka::future::Cache<LayoutKey, Arc<Page>>,
    /// Each site's timeline, by the live generation it was read under.
    timelines: moka::future::Cache<(String, u64), Arc<Timeline>>,
    /// Each client network's share of archived pages read from the bucket.
    archive_shares: Shares,
    /// Bytes of pages held pinned, over all sites.
    pin_budget: u64,
    /// Which site's manifest this poll reads in any case (round robin).
    turn: AtomicUsize,
    /// Layout compressions allowed at once.
    compressing: tokio::sync::Semaphore,
    /// Each client network's share of new layouts ([`LAYOUTS_PER_CLIENT`] a minute).
    layout_shares: Shares,
    /// When "cannot read the index" and "no site to serve" were last logged.
    index_warned: Mutex<Throttle>,
    none_warned: Mutex<Throttle>,
    pub counters: CacheCounters,
    /// The headline files: each site's current block and its archive.
    pub headlines: crate::frontend::headlines::Watch,
    /// What `/search` holds: the index's parts and answers, and each client's share.
    pub search: super::search_cache::Search,
    /// Asset names the generations this process loaded refer to: the only ones read from the
    /// bucket (older generations' too, for pages still open in browsers).
    assets_known: RwLock<HashSet<String>>,
}

/// New reader layouts one client network may have assembled a minute; past it, and when no
/// compression slot frees up within [`LAYOUT_WAIT`], it gets the default page.
pub const LAYOUTS_PER_CLIENT: u32 = 30;
/// How long a new layout waits for a compression slot before the default page is served.
pub const LAYOUT_WAIT: Duration = Duration::from_millis(250);

/// Old front pages (`/at/<when>`) one client network may have read from the bucket a minute;
/// past it, a 429.
pub const ARCHIVED_PER_CLIENT: u32 = 30;

/// Why a page assembled here (a reader layout, an archived front page) was not served: for a
/// layout the caller serves the default page instead.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error(transparent)]
    Store(#[from] Arc<StoreError>),
    #[error("this client's share of new pages is spent")]
    OverShare,
    #[error("no compression slot came free in time")]
    Busy,
}

/// Asset names remembered at most; past it the set starts again from the next generations.
pub const MAX_KNOWN_ASSETS: usize = 100_000;

impl Live {
    /// `cache_bytes` bounds what the frontend holds of the bucket, whatever the number of
    /// sites: half for pages pinned in memory, a quarter for the object cache (archived pages
    /// included; a sixty-fourth of the whole for timelines), an eighth for assembled layouts
    /// and the last eighth for search (`super::search`).
    pub fn new(store: Store, cache_bytes: u64) -> Self {
        let objects = moka::future::Cache::builder()
            .max_capacity(cache_bytes / 4 - cache_bytes / 64)
            .weigher(|k: &String, v: &Arc<Page>| weight(k.len() + v.weight()))
            .build();
        let layouts = moka::future::Cache::builder()
            .max_capacity(cache_bytes / 8)
            .weigher(|k: &LayoutKey, v: &Arc<Page>| weight(k.0.len() + 2 * k.3.len() + v.weight()))
            .build();
        let timelines = moka::future::Cache::builder()
            .max_capacity(cache_bytes / 64)
            .weigher(|k: &(String, u64), v: &Arc<Timeline>| {
                weight(k.0.len() + 64 + v.moments.len() * 48)
            })
            .build();
        Live {
            store,
            snapshot: Default::default(),
            objects,
            layouts,
            timelines,
            archive_shares: Shares::new(ARCHIVED_PER_CLIENT),
            pin_budget: cache_bytes / 2,
            turn: AtomicUsize::new(0),
            layout_shares: Shares::new(LAYOUTS_PER_CLIENT),
            compressing: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
            index_warned: Mutex::default(),
            none_warned: Mutex::default(),
            counters: Default::default(),
            headlines: Default::default(),
            search: super::search_cache::Search::new(cache_bytes / 8),
            assets_known: Default::default(),
        }
    }

    /// Remembers the assets a generation refers to.
    fn know_assets(&self, names: impl IntoIterator<Item = String>) {
        let mut known = self.assets_known.write().expect("assets lock");
        for name in names {
            if known.len() >= MAX_KNOWN_ASSETS {
                known.clear();
            }
            known.insert(name);
        }
    }

    /// Whether some loaded generation refers to the asset `name`.
    pub fn knows_asset(&self, name: &str) -> bool {
        self.assets_known
            .read()
            .expect("assets lock")
            .contains(name)
    }

    /// `/assets/<name>`: pinned with a live generation (the shared assets: one lookup, no
    /// cache), else from the cache or the bucket if a loaded generation refers to it, else
    /// `Ok(None)` without a request.
    pub async fn asset(&self, name: &str) -> Result<Option<Arc<Page>>, Arc<StoreError>> {
        let pinned = self
            .snapshot
            .read()
            .expect("snapshot lock")
            .assets
            .get(name)
            .cloned();
        if pinned.is_some() {
            return Ok(pinned);
        }
        if !self.knows_asset(name) {
            return Ok(None);
        }
        self.load_asset(name).await
    }

    /// The asset `name` from the object cache or the bucket.
    async fn load_asset(&self, name: &str) -> Result<Option<Arc<Page>>, Arc<StoreError>> {
        // Which variants exist is not recorded for assets: ask for both, missing ones are
        // skipped.
        let encodings = ["br", "gzip"];
        let key = cache_key(Key::Asset(name.to_string()), &encodings);
        // What to load is written out only on a miss: a hit allocates just its key.
        self.cached(key, || ObjectRef {
            key: Key::Asset(name.to_string()).to_string(),
            hash: name.split('.').nth(1).unwrap_or_default().to_string(),
            content_type: crate::store::keys::content_type_for(name).to_string(),
            size: 0,
            encodings: encodings.map(str::to_string).to_vec(),
        })
        .await
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The site a request is for, by its Host header: its own site, loaded or not (a 503
    /// then, suggesting a retry after the next `poll`), and the default site only for a host
    /// that names none.
    pub fn site(
        &self,
        headers: &HeaderMap,
        uri: &Uri,
        poll: Duration,
    ) -> Result<Arc<LiveSite>, Error> {
        // HTTP/2 carries the host in `:authority`, which hyper puts in the URI (RFC 9113 §8.3.1).
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| uri.host());
        let retry_after = poll.as_secs_f64().ceil().max(1.0) as u64;
        let snapshot = self.snapshot();
        let state = snapshot
            .site_for_host(host)
            .ok_or(Error::NoSite { retry_after })?;
        state.live.clone().ok_or(Error::SiteDown { retry_after })
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.read().expect("snapshot lock").clone()
    }

    /// Time since the site index was last read, `None` before the first read.
    pub fn age(&self) -> Option<Duration> {
        self.snapshot().index_read_at.map(|t| t.elapsed())
    }

    /// Bytes held by the object and layout caches, pinned pages and search (after applying
    /// pending inserts, which moka otherwise counts lazily).
    pub async fn cache_bytes(&self) -> (u64, u64, u64, u64) {
        self.objects.run_pending_tasks().await;
        self.layouts.run_pending_tasks().await;
        let pinned = self.snapshot().pinned_bytes();
        let (parts, answers) = self.search.held().await;
        (
            self.objects.weighted_size(),
            self.layouts.weighted_size(),
            pinned,
            parts + answers,
        )
    }

    /// Re-reads the site index and manifests, conditionally. Whatever fails keeps what it had:
    /// the whole snapshot if the index cannot be read, a site's last generation if its
    /// manifest or pages cannot. Failures are logged here (each at most once a minute while it
    /// lasts), counted, and the first is returned after the rest is done.
    pub async fn refresh(&self) -> Result<(), Arc<StoreError>> {
        let result = self.refresh_all().await;
        if result.is_err() {
            self.counters.bucket_errors.inc();
        }
        result
    }

    async fn refresh_all(&self) -> Result<(), Arc<StoreError>> {
        let old = self.snapshot();
        let (index, index_etag) = match self.read_index(&old).await {
            Ok(read) => read,
            Err(e) => {
                if self.index_warned.lock().expect("throttle lock").due() {
                    tracing::warn!(store = %self.store.url(), error = %e,
                        "cannot read the site index; serving the last good copy");
                }
                self.publish(Snapshot {
                    index_error: Some(e.clone()),
                    ..Snapshot::clone(&old)
                });
                return Err(e);
            }
        };
        self.index_warned.lock().expect("throttle lock").clear();
        let now = Instant::now();
        // A manifest is read only when the index says its site moved to another generation
        // (or does not say: an index from before generations were listed), so a poll costs a
        // constant number of requests whatever the number of sites. One site per poll, in
        // turn, is read anyway: it heals an index update lost to a race on a store without
        // conditional writes.
        let turn = self.turn.fetch_add(1, Ordering::Relaxed) % index.sites.len().max(1);
        let before: HashMap<&str, &SiteState> = old
            .sites
            .iter()
            .map(|s| (s.entry.name.as_str(), s))
            .collect();
        let mut sites: Vec<SiteState> = Vec::with_capacity(index.sites.len());
        // Bytes pinned by the sites before this one: pages are pinned in index order while
        // they fit.
        let mut pinned = 0;
        for (i, entry) in index.sites.iter().enumerate() {
            let previous = before.get(entry.name.as_str()).copied();
            let current = previous.filter(|p| {
                p.problem.is_none()
                    && entry.generation.is_some()
                    && p.live.as_ref().map(|l| l.manifest.generation) == entry.generation
            });
            let state = match current {
                Some(p) if i != turn => SiteState {
                    entry: entry.clone(),
                    live: p.live.as_ref().map(|l| l.with_entry(entry)),
                    read_at: Some(now),
                    ..p.clone()
                },
                _ => {
                    let allowance = self.pin_budget.saturating_sub(pinned);
                    self.refresh_site(entry, previous, allowance, now).await
                }
            };
            pinned += state.live.as_ref().map_or(0, |l| l.pinned_bytes());
            sites.push(state);
        }
        let new = Snapshot {
            index_read_at: Some(now),
            index_error: None,
            index,
            index_etag,
            ..Snapshot::of(sites)
        };
        self.log_changes(&old, &new);
        // One conditional GET for every site's headline files; a failure keeps the last good
        // ones (logged there) and does not hold the pages back.
        let _ = self.headlines.refresh(&self.store).await;
        let failure = new.sites.iter().find_map(|s| match &s.problem {
            Some(Problem::Failed(e)) => Some(e.clone()),
            _ => None,
        });
        self.publish(new);
        failure.map_or(Ok(()), Err)
    }

    fn publish(&self, snapshot: Snapshot) {
        *self.snapshot.write().expect("snapshot lock") = Arc::new(snapshot);
    }

    /// The site index, unchanged or new.
    async fn read_index(
        &self,
        old: &Snapshot,
    ) -> Result<(SiteIndex, Option<String>), Arc<StoreError>> {
        Ok(
            match self
                .store
                .fetch(&Key::SiteIndex, old.index_etag.as_deref())
                .await?
            {
                Fetch::NotModified => (old.index.clone(), old.index_etag.clone()),
                // A bucket that loses its index after having one is failing, not empty.
                Fetch::NotFound if !old.sites.is_empty() => {
                    return Err(Arc::new(StoreError::Missing {
                        key: Key::SiteIndex.to_string(),
                    }));
                }
                Fetch::NotFound => (SiteIndex::default(), None),
                Fetch::Found { bytes, etag } => (parse(&Key::SiteIndex, &bytes)?, etag),
            },
        )
    }

    /// One site after a read of its manifest: the new generation, or the one it had and why
    /// it could not move on.
    async fn refresh_site(
        &self,
        entry: &SiteEntry,
        previous: Option<&SiteState>,
        allowance: u64,
        now: Instant,
    ) -> SiteState {
        let mut state = match previous {
            Some(p) => SiteState {
                entry: entry.clone(),
                ..p.clone()
            },
            None => SiteState::new(entry.clone()),
        };
        let served = state.live.take();
        match self.load_site(entry, served.as_ref(), allowance).await {
            Ok(Some(site)) => {
                if matches!(state.problem, Some(Problem::Failed(_))) {
                    tracing::info!(site = %entry.name, generation = site.manifest.generation,
                        "site loads again");
                }
                state.live = Some(site);
                state.read_at = Some(now);
                state.problem = None;
                state.warned = Throttle::default();
            }
            Ok(None) => state.problem = Some(Problem::Unpublished),
            Err(e) => {
                state.live = served.map(|s| s.with_entry(entry));
                state.load_errors += 1;
                let repeated = matches!(&state.problem,
                    Some(Problem::Failed(old)) if old.to_string() == e.to_string());
                if !repeated {
                    state.warned.clear();
                }
                if state.warned.due() {
                    match &state.live {
                        Some(l) => tracing::warn!(site = %entry.name, error = %e,
                            generation = l.manifest.generation,
                            "site cannot be loaded; serving its last good generation"),
                        None => tracing::warn!(site = %entry.name, error = %e,
                            "site cannot be loaded; its hosts get 503 until it can"),
                    }
                }
                state.problem = Some(Problem::Failed(e));
            }
        }
        state
    }

    /// Logs the sites found whenever their names, hosts or loadedness change, and warns while
    /// there is nothing to serve, naming the bucket (an empty or mistyped `--store`).
    fn log_changes(&self, old: &Snapshot, new: &Snapshot) {
        if new.shape() != old.shape() {
            tracing::info!(count = new.sites.len(), sites = %new.summary(), "sites found");
        }
        if new.loaded().next().is_some() {
            self.none_warned.lock().expect("throttle lock").clear();
        } else if self.none_warned.lock().expect("throttle lock").due() {
            if new.sites.is_empty() {
                tracing::warn!(store = %self.store.url(),
                    "no sites in the bucket: nothing to serve until a fetcher publishes there (is --store right?)");
            } else {
                tracing::warn!(store = %self.store.url(), sites = %new.summary(),
                    "none of the sites in the bucket can be loaded: nothing to serve");
            }
        }
    }

    /// A site's live generation: the previous one if its manifest is unchanged, else the new
    /// one once its pages are in memory. `None` for a site never published.
    async fn load_site(
        &self,
        entry: &SiteEntry,
        previous: Option<&Arc<LiveSite>>,
        allowance: u64,
    ) -> Result<Option<Arc<LiveSite>>, Arc<StoreError>> {
        let key = Key::Manifest(entry.name.clone());
        let (bytes, etag) = match self
            .store
            .fetch(&key, previous.and_then(|p| p.etag.as_deref()))
            .await?
        {
            Fetch::NotModified => {
                // Only a conditional GET gets a 304; a store answering one to a plain GET is
                // treated as not having the site rather than trusted (or panicking the poller).
                return Ok(previous.map(|p| p.with_entry(entry)));
            }
            Fetch::NotFound if previous.is_some() => {
                return Err(Arc::new(StoreError::Missing {
                    key: key.to_string(),
                }));
            }
            Fetch::NotFound => return Ok(None),
            Fetch::Found { bytes, etag } => (bytes, etag),
        };
        let manifest: Manifest = parse(&key, &bytes)?;
        // Every page is read before the generation is switched to; they are pinned if they fit
        // in what is left of the budget, else left in the object cache.
        let mut loaded = Vec::new();
        for named in manifest.named_with("/") {
            // The same page as before (a new generation that did not change it): keep it.
            let kept = previous.and_then(|p| match p.pages.get(&named.name)? {
                Served::Pinned(page) if p.manifest.object(&named.name) == Some(&named.object) => {
                    Some(page.clone())
                }
                _ => None,
            });
            let page = match kept {
                Some(page) => page,
                None => Arc::new(Page::load(&self.store, &named.object).await?),
            };
            loaded.push((named, page));
        }
        // The shared assets the pages link to are pinned with them (the same ones as before
        // nearly always: their names are their hashes). One missing from the bucket is left to
        // the object cache, which answers 404 for it as before.
        let mut assets = BTreeMap::new();
        for name in manifest.assets.values() {
            let kept = previous.and_then(|p| p.assets.get(name).cloned());
            let page = match kept {
                Some(page) => Some(page),
                None => self.load_asset(name).await?,
            };
            if let Some(page) = page {
                assets.insert(name.clone(), page);
            }
        }
        let weight: u64 = loaded
            .iter()
            .map(|(_, p)| p)
            .chain(assets.values())
            .map(|p| p.weight() as u64)
            .sum();
        let pin = weight <= allowance;
        if !pin {
            assets.clear();
            tracing::debug!(site = %entry.name, weight, allowance, "pages served through the object cache");
        }
        let mut pages = BTreeMap::new();
        for (named, page) in loaded {
            if !pin {
                self.know_assets(asset_names(&page.identity.body));
            }
            let served = if pin {
                Served::Pinned(page)
            } else {
                self.objects.insert(object_key(&named.object), page).await;
                Served::Cached(named.object.clone())
            };
            pages.insert(named.name.clone(), served);
        }
        if !pages.contains_key(names::INDEX) {
            return Err(Arc::new(StoreError::Missing {
                key: format!("the front page of site {}", entry.name),
            }));
        }
        let fragments: Vec<Fragment> = manifest
            .named_with(names::FRAGMENT_PREFIX)
            .map(|n| Fragment {
                id: n.name[names::FRAGMENT_PREFIX.len()..].to_string(),
                title: n.label.clone().unwrap_or_default(),
                object: n.object.clone(),
            })
            .collect();
        // The parts of reader layouts too, so they survive a bucket outage as well as `/` does.
        let mut referred: Vec<String> = manifest.assets.values().cloned().collect();
        for part in [names::TOP, names::ABOVE, names::BOTTOM]
            .into_iter()
            .filter_map(|n| manifest.object(n))
            .chain(fragments.iter().map(|f| &f.object))
        {
            let part = self.part(part).await?;
            referred.extend(asset_names(&part.identity.body));
        }
        for served in pages.values() {
            if let Served::Pinned(page) = served {
                referred.extend(asset_names(&page.identity.body));
            }
        }
        self.know_assets(referred);
        if previous.is_none_or(|p| p.manifest.generation != manifest.generation) {
            tracing::info!(site = %entry.name, generation = manifest.generation, "new generation");
        }
        let above_version = manifest
            .objects
            .iter()
            .find(|n| n.name == names::ABOVE)
            .and_then(|n| n.label.clone());
        Ok(Some(Arc::new(LiveSite {
            entry: entry.clone(),
            manifest: Arc::new(manifest),
            pages,
            assets,
            fragments,
            above_version,
            etag,
        })))
    }

    /// Polls forever, every `every`; failures are logged by `refresh` and the old snapshot
    /// stays.
    pub async fn poll(self: Arc<Self>, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let _ = self.refresh().await;
        }
    }

    /// An immutable object with the variants `obj` lists, from the cache or the store (one
    /// load per key at a time). `Ok(None)` when the store does not have it.
    pub async fn object(&self, obj: &ObjectRef) -> Result<Option<Arc<Page>>, Arc<StoreError>> {
        self.cached(object_key(obj), || obj.clone()).await
    }

    /// [`Self::object`] by its cache key ([`object_key`]), the object made only on a miss.
    async fn cached(
        &self,
        key: String,
        obj: impl FnOnce() -> ObjectRef,
    ) -> Result<Option<Arc<Page>>, Arc<StoreError>> {
        if let Some(p) = self.objects.get(&key).await {
            self.counters.object_hits.inc();
            return Ok(Some(p));
        }
        self.counters.object_misses.inc();
        let obj = obj();
        debug_assert_eq!(object_key(&obj), key);
        let loaded = self
            .objects
            .try_get_with(key, async {
                Page::load(&self.store, &obj).await.map(Arc::new)
            })
            .await;
        match loaded {
            Ok(p) => Ok(Some(p)),
            Err(e) if matches!(*e, StoreError::Missing { .. }) => Ok(None),
            Err(e) => {
                self.counters.bucket_errors.inc();
                Err(e)
            }
        }
    }

    /// The page `site` serves at `path`: pinned, or through the object cache.
    pub async fn page(
        &self,
        site: &LiveSite,
        path: &str,
    ) -> Result<Option<Arc<Page>>, Arc<StoreError>> {
        match site.pages.get(path) {
            None => Ok(None),
            Some(Served::Pinned(page)) => Ok(Some(page.clone())),
            Some(Served::Cached(obj)) => self.object(obj).await,
        }
    }

    /// A page part for assembling layouts: identity bytes only, compressed after assembly.
    async fn part(&self, obj: &ObjectRef) -> Result<Arc<Page>, Arc<StoreError>> {
        let identity = ObjectRef {
            encodings: vec![],
            ..obj.clone()
        };
        self.object(&identity).await?.ok_or_else(|| {
            Arc::new(StoreError::Missing {
                key: obj.key.clone(),
            })
        })
    }

    /// The front page of `site` with the fragments `visible` (indices into its manifest) in
    /// that order, the look `prefs`, and with `above` (a headline block newer than the
    /// generation's) if given, assembled and compressed once per layout, look, block and
    /// generation. A layout not yet cached is charged to `client`'s network, if given
    /// ([`LAYOUTS_PER_CLIENT`]), and waits at most [`LAYOUT_WAIT`] for a compression slot:
    /// past either, [`LayoutError`] says to serve the default page.
    pub async fn layout(
        &self,
        site: &LiveSite,
        visible: Vec<u16>,
        prefs: Prefs,
        above: Option<&crate::frontend::headlines::CurrentBlock>,
        client: Option<Option<std::net::IpAddr>>,
    ) -> Result<Arc<Page>, LayoutError> {
        let key = (
            site.entry.name.clone(),
            site.manifest.generation,
            above.map(|a| a.version.clone()),
            visible,
            prefs,
        );
        if let Some(p) = self.layouts.get(&key).await {
            self.counters.layout_hits.inc();
            return Ok(p);
        }
        if let Some(addr) = client
            && !self.layout_shares.take(addr, Instant::now())
        {
            return Err(LayoutError::OverShare);
        }
        self.counters.layout_misses.inc();
        let visible = key.3.clone();
        let built = self
            .layouts
            .try_get_with(key, async move {
                self.assemble(site, &visible, prefs, above).await
            })
            .await;
        built.map_err(unshare)
    }

    /// The timeline of `site`, read once per live generation (GC rewrites it after each).
    pub async fn timeline(&self, site: &LiveSite) -> Result<Arc<Timeline>, Arc<StoreError>> {
        let key = (site.entry.name.clone(), site.manifest.generation);
        self.timelines
            .try_get_with(key, async {
                Timeline::read(&self.store, &site.entry.name)
                    .await
                    .map(Arc::new)
            })
            .await
    }

    /// Drops the timeline held for `site`: it named a record that is gone (read while GC ran).
    pub async fn forget_timeline(&self, site: &LiveSite) {
        let key = (site.entry.name.clone(), site.manifest.generation);
        self.timelines.invalidate(&key).await;
    }

    /// The front page of generation `generation` of `site` in the look `prefs`, marked as an
    /// archived copy ([`crate::render::archived::mark`]): read, marked and compressed once per
    /// generation and look, a read charged to `client`'s network ([`ARCHIVED_PER_CLIENT`]).
    /// `Ok(None)` when the generation's record is gone. The assets it names become known here.
    pub async fn archived(
        &self,
        site: &LiveSite,
        generation: u64,
        prefs: Prefs,
        client: Option<std::net::IpAddr>,
    ) -> Result<Option<Arc<Page>>, LayoutError> {
        let key = format!("at|{}|{generation}|{prefs:?}", site.entry.name);
        if let Some(p) = self.objects.get(&key).await {
            self.counters.object_hits.inc();
            return Ok(Some(p));
        }
        if !self.archive_shares.take(client, Instant::now()) {
            return Err(LayoutError::OverShare);
        }
        self.counters.object_misses.inc();
        let built = self
            .objects
            .try_get_with(key, self.mark_archived(site, generation, prefs))
            .await;
        match built.map_err(unshare) {
            Ok(p) => Ok(Some(p)),
            Err(LayoutError::Store(e)) if matches!(*e, StoreError::Missing { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// How long until `client`'s network may read another archived page.
    pub fn archive_wait(&self, client: Option<std::net::IpAddr>) -> Duration {
        self.archive_shares.wait(client, Instant::now())
    }

    async fn mark_archived(
        &self,
        site: &LiveSite,
        generation: u64,
        prefs: Prefs,
    ) -> Result<Arc<Page>, LayoutError> {
        let manifest = if generation == site.manifest.generation {
            site.manifest.clone()
        } else {
            let key = Key::Generation(site.entry.name.clone(), generation);
            let record = self
                .store
                .get_json::<Manifest>(&key)
                .await
                .map_err(Arc::new)?;
            Arc::new(record.ok_or_else(|| {
                Arc::new(StoreError::Missing {
                    key: key.to_string(),
                })
            })?)
        };
        let index = manifest.object(names::INDEX).ok_or_else(|| {
            Arc::new(StoreError::Missing {
                key: format!("the front page of generation {generation}"),
            })
        })?;
        let identity = ObjectRef {
            encodings: vec![],
            ..index.clone()
        };
        // Read past the object cache: only the marked page is kept.
        let page = Page::load(&self.store, &identity).await.map_err(Arc::new)?;
        let mut referred: Vec<String> = manifest.assets.values().cloned().collect();
        referred.extend(asset_names(&page.identity.body));
        self.know_assets(referred);
        let html = crate::render::archived::mark(
            &prefs.apply(text(&page)),
            &site.entry.title,
            manifest.published_at,
        )
        .map_err(|e| {
            Arc::new(StoreError::Missing {
                key: format!("the archived page of generation {generation}: {e}"),
            })
        })?;
        self.compress(html, index.content_type.clone()).await
    }

    /// Assembles and compresses a layout (see [`Live::layout`]).
    async fn assemble(
        &self,
        site: &LiveSite,
        visible: &[u16],
        prefs: Prefs,
        above: Option<&crate::frontend::headlines::CurrentBlock>,
    ) -> Result<Arc<Page>, LayoutError> {
        let top = self.part(site.part(names::TOP)?).await?;
        let bottom = self.part(site.part(names::BOTTOM)?).await?;
        // The generation's own block, unless a newer one is given; a generation from
        // before headline blocks has none.
        let published = match (above, site.manifest.object(names::ABOVE)) {
            (None, Some(obj)) => Some(self.part(obj).await?),
            _ => None,
        };
        let above = match (above, &published) {
            (Some(a), _) => a.html.as_str(),
            (None, Some(p)) => text(p),
            (None, None) => "",
        };
        let mut parts = Vec::with_capacity(visible.len());
        for i in visible {
            let f = site.fragments.get(usize::from(*i)).ok_or_else(|| {
                Arc::new(StoreError::Missing {
                    key: format!("fragment {i}"),
                })
            })?;
            parts.push(self.part(&f.object).await?);
        }
        let html = crate::render::assemble(
            &prefs.apply(text(&top)),
            above,
            parts.iter().map(|p| text(p)),
            text(&bottom),
        );
        let content_type = site.part(names::INDEX)?.content_type.clone();
        self.compress(html, content_type).await
    }

    /// Compresses a page made for one request. Compressing takes milliseconds: off the async
    /// workers, and no more at once than there are cores, so a flood of distinct layouts
    /// cannot starve `/`; a page that gets no slot soon is not built (the reader gets the
    /// default page).
    async fn compress(&self, html: String, content_type: String) -> Result<Arc<Page>, LayoutError> {
        let Ok(Ok(_permit)) = tokio::time::timeout(LAYOUT_WAIT, self.compressing.acquire()).await
        else {
            return Err(LayoutError::Busy);
        };
        let page =
            tokio::task::spawn_blocking(move || Page::compress(html.into_bytes(), &content_type))
                .await
                .expect("compression does not panic");
        Ok(Arc::new(page))
    }
}

/// One caller's copy of an error shared by every caller waiting on the same cache entry.
fn unshare(e: Arc<LayoutError>) -> LayoutError {
    match Arc::try_unwrap(e) {
        Ok(e) => e,
        Err(shared) => match &*shared {
            LayoutError::Store(e) => LayoutError::Store(e.clone()),
            LayoutError::OverShare => LayoutError::OverShare,
            LayoutError::Busy => LayoutError::Busy,
        },
    }
}

/// The fetcher writes page parts as UTF-8; a part that is not is left out rather than served
/// as mojibake.
fn text(page: &Page) -> &str {
    std::str::from_utf8(&page.identity.body).unwrap_or_default()
}

/// The hashed asset names `/assets/<name>` in a page's text.
fn asset_names(body: &[u8]) -> Vec<String> {
    const PREFIX: &[u8] = b"/assets/";
    let mut out = vec![];
    let mut rest = body;
    while let Some(at) = memchr::memmem::find(rest, PREFIX) {
        rest = &rest[at + PREFIX.len()..];
        let len = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')))
            .unwrap_or(rest.len());
        if let Ok(name) = std::str::from_utf8(&rest[..len])
            && crate::assets::is_hashed_name(name)
        {
            out.push(name.to_string());
        }
        rest = &rest[len..];
    }
    out
}

/// The object cache's key: the object and the variants it is loaded with.
fn object_key(obj: &ObjectRef) -> String {
    cache_key(&obj.key, &obj.encodings)
}

/// The object cache's key for the object at `key` with `encodings`: `key|br,gzip`.
fn cache_key(key: impl std::fmt::Display, encodings: &[impl AsRef<str>]) -> String {
    let mut out = format!("{key}|");
    for (i, e) in encodings.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(e.as_ref());
    }
    out
}

fn weight(bytes: usize) -> u32 {
    bytes.try_into().unwrap_or(u32::MAX)
}

fn parse<T: serde::de::DeserializeOwned>(key: &Key, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|source| StoreError::Corrupt {
        key: key.to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_names_are_found_in_pages() {
        let html = br#"<link href="/assets/style.0123456789abcdef.css"><img src="/assets/logo-ab12.0123456789.png" alt="">
            <a href="/assets/">x</a> /assets/not-hashed.css "/assets/headline.00112233445566778899.jpg""#;
        assert_eq!(
            asset_names(html),
            [
                "style.0123456789abcdef.css",
                "logo-ab12.0123456789.png",
                "headline.00112233445566778899.jpg"
            ]
        );
    }
}
