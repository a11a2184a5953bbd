//! What the frontend knows about each site of the index, loaded or not: the generation it
//! serves, when its manifest was last read, why it cannot be loaded, and which site a Host
//! names. Readiness is decided here, from a snapshot, without I/O.
//!
//! Sites are isolated from each other: one that cannot be loaded answers its own hosts with
//! 503 and is named on `/readyz`, but it neither takes the frontend out of the load balancer
//! nor hands its hosts another site's page.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::store::StoreError;
use crate::store::manifest::{SiteEntry, SiteIndex};

use super::page::Page;
use crate::cli::Throttle;
use crate::store::manifest::{Manifest, ObjectRef};

/// Why a site serves nothing, or serves an older generation than the bucket's.
#[derive(Debug, Clone)]
pub enum Problem {
    /// Listed in the index, but its manifest is not in the bucket (yet).
    Unpublished,
    /// Its manifest, or a page the manifest names, could not be read.
    Failed(Arc<StoreError>),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Unpublished => f.write_str("no manifest published yet"),
            Problem::Failed(e) => write!(f, "{e}"),
        }
    }
}

/// One site of the index.
#[derive(Debug, Clone)]
pub struct SiteState {
    pub entry: SiteEntry,
    /// The generation served: the last one that loaded, kept while newer ones fail
    /// (stale-if-error). `None` until one loads.
    pub live: Option<Arc<LiveSite>>,
    /// When the manifest was last read in full (found or unchanged, with its pages).
    pub read_at: Option<Instant>,
    /// Set while the site cannot be loaded; cleared by the next load that succeeds.
    pub problem: Option<Problem>,
    /// Failed loads since this frontend started.
    pub load_errors: u64,
    /// When the current problem was last logged.
    pub(super) warned: Throttle,
}

impl SiteState {
    pub(super) fn new(entry: SiteEntry) -> SiteState {
        SiteState {
            entry,
            live: None,
            read_at: None,
            problem: None,
            load_errors: 0,
            warned: Throttle::default(),
        }
    }
}

/// One published site as the frontend serves it.
#[derive(Debug, Clone)]
pub struct LiveSite {
    pub entry: SiteEntry,
    pub manifest: Arc<Manifest>,
    /// Every object served at its own path (`/`, `/api/headlines`, ...).
    pub pages: BTreeMap<String, Served>,
    /// The shared assets the manifest names (stylesheet, script, icons), by hashed name: in
    /// memory with the pages when they are pinned, else empty (served through the object
    /// cache).
    pub assets: BTreeMap<String, Arc<Page>>,
    /// The source boxes, in the site's order.
    pub fragments: Vec<Fragment>,
    /// The version of the headline block this generation was rendered with (the label of
    /// `part/above`), looked up once here rather than on every request for `/`.
    pub(super) above_version: Option<String>,
    /// Store ETag of the manifest, for the next conditional GET.
    pub(super) etag: Option<String>,
}

/// How a site's page is held.
#[derive(Debug, Clone)]
pub enum Served {
    /// Every variant in memory for as long as the generation is live: served even while the
    /// bucket is down.
    Pinned(Arc<Page>),
    /// Through the bounded object cache: the site's pages did not fit in the share of
    /// `--cache-mb` for pinned pages.
    Cached(ObjectRef),
}

/// A source box of a site, for reader layouts.
#[derive(Debug, Clone)]
pub struct Fragment {
    pub id: String,
    pub title: String,
    pub object: ObjectRef,
}

impl LiveSite {
    /// The same generation under an index entry that may have changed (title, hosts).
    pub(super) fn with_entry(self: &Arc<Self>, entry: &SiteEntry) -> Arc<LiveSite> {
        if self.entry == *entry {
            return self.clone();
        }
        Arc::new(LiveSite {
            entry: entry.clone(),
            ..LiveSite::clone(self)
        })
    }

    /// Every fragment, in the site's order: the default layout.
    pub fn in_order(&self) -> Vec<u16> {
        (0..self.fragments.len())
            .filter_map(|i| u16::try_from(i).ok())
            .collect()
    }

    /// Bytes the site's pinned pages and assets hold (its assets counted in full, though
    /// sites of one build share them: see [`Snapshot::pinned_bytes`]).
    pub fn pinned_bytes(&self) -> u64 {
        self.pages_bytes() + self.assets_bytes()
    }

    fn pages_bytes(&self) -> u64 {
        self.pages
            .values()
            .map(|p| match p {
                Served::Pinned(page) => page.weight() as u64,
                Served::Cached(_) => 0,
            })
            .sum()
    }

    fn assets_bytes(&self) -> u64 {
        self.assets.values().map(|a| a.weight() as u64).sum()
    }

    /// The version of the headline block this generation was rendered with.
    pub fn above_version(&self) -> Option<&str> {
        self.above_version.as_deref()
    }

    pub(super) fn part(&self, name: &str) -> Result<&ObjectRef, Arc<StoreError>> {
        self.manifest.object(name).ok_or_else(|| {
            Arc::new(StoreError::Missing {
                key: format!("{name} of site {}", self.entry.name),
            })
        })
    }
}

/// Every site of the index, in its order: the first is the default for unknown hosts.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub sites: Vec<SiteState>,
    /// When the site index was last read; `None` before the first read.
    pub index_read_at: Option<Instant>,
    /// Why the last read of the index failed, if it did.
    pub index_error: Option<Arc<StoreError>>,
    pub(super) index: SiteIndex,
    pub(super) index_etag: Option<String>,
    /// Each host (lowercase) to its site's place in `sites`: a request finds its site in one
    /// lookup, whatever the number of sites.
    pub(super) by_host: HashMap<String, usize>,
    /// Every loaded site's pinned assets, by hashed name: `/assets/` finds one in one lookup,
    /// without the object cache.
    pub(super) assets: HashMap<String, Arc<Page>>,
}

impl Snapshot {
    /// A snapshot of `sites`, in the index's order (the first is the default site); a host
    /// listed by two sites belongs to the first.
    pub fn of(sites: Vec<SiteState>) -> Snapshot {
        let mut by_host = HashMap::new();
        for (i, site) in sites.iter().enumerate() {
            for host in &site.entry.hosts {
                by_host.entry(host.to_ascii_lowercase()).or_insert(i);
            }
        }
        let mut assets = HashMap::new();
        for live in sites.iter().filter_map(|s| s.live.as_ref()) {
            for (name, page) in &live.assets {
                assets.entry(name.clone()).or_insert_with(|| page.clone());
            }
        }
        Snapshot {
            sites,
            by_host,
            assets,
            ..Snapshot::default()
        }
    }

    /// Bytes pinned over every site: pages, and each asset once however many sites name it.
    pub fn pinned_bytes(&self) -> u64 {
        let pages: u64 = self.loaded().map(|l| l.pages_bytes()).sum();
        let assets: u64 = self.assets.values().map(|a| a.weight() as u64).sum();
        pages + assets
    }

    /// The site whose hosts list `host` (port and case ignored); a host that names no site gets
    /// the default site. The site may not be loaded: its hosts then get a 503, never another
    /// site's page.
    pub fn site_for_host(&self, host: Option<&str>) -> Option<&SiteState> {
        host.map(strip_port)
            .and_then(|h| {
                // Hosts arrive lowercase nearly always: no allocation for those.
                if h.bytes().any(|b| b.is_ascii_uppercase()) {
                    self.by_host.get(&h.to_ascii_lowercase())
                } else {
                    self.by_host.get(h)
                }
            })
            .and_then(|&i| self.sites.get(i))
            .or_else(|| self.sites.first())
    }

    /// The sites being served.
    pub fn loaded(&self) -> impl Iterator<Item = &Arc<LiveSite>> {
        self.sites.iter().filter_map(|s| s.live.as_ref())
    }

    /// Names, hosts and whether each site is served: what the log reports when it changes.
    pub(super) fn shape(&self) -> Vec<(&str, &[String], bool)> {
        self.sites
            .iter()
            .map(|s| (s.entry.name.as_str(), &s.entry.hosts[..], s.live.is_some()))
            .collect()
    }

    /// One entry per site, for the log: `name [hosts] generation N` or why it is not loaded.
    pub(super) fn summary(&self) -> String {
        let mut out = String::new();
        for s in &self.sites {
            if !out.is_empty() {
                out.push_str("; ");
            }
            let _ = write!(out, "{} [{}] ", s.entry.name, s.entry.hosts.join(", "));
            let _ = match (&s.live, &s.problem) {
                (Some(l), _) => write!(out, "generation {}", l.manifest.generation),
                (None, Some(p)) => write!(out, "not loaded: {p}"),
                (None, None) => write!(out, "not loaded"),
            };
        }
        out
    }

    /// Whether a load balancer should send readers here, and a body saying why not and which
    /// sites are not served. Ready: the index was read within `stale_after` and at least one
    /// site is served. Every site that could be loaded was by then: each read of the index
    /// tries every site.
    pub fn readiness(&self, stale_after: Duration) -> (bool, String) {
        let now = Instant::now();
        let secs = |t: Instant| now.saturating_duration_since(t).as_secs();
        let loaded = self.loaded().count();
        let why = self
            .index_error
            .as_ref()
            .map(|e| format!(" (last error: {e})"))
            .unwrap_or_default();
        let (ready, mut body) = match self.index_read_at {
            None => (
                false,
                format!("not ready: the bucket has not been read yet{why}\n"),
            ),
            Some(t) if now.saturating_duration_since(t) > stale_after => (
                false,
                format!("stale: bucket last read {}s ago{why}\n", secs(t)),
            ),
            Some(_) if loaded == 0 => (
                false,
                format!(
                    "not ready: no site loaded from the bucket yet ({} listed)\n",
                    self.sites.len()
                ),
            ),
            Some(_) => (
                true,
                format!("ready: {loaded} of {} sites loaded\n", self.sites.len()),
            ),
        };
        for s in &self.sites {
            let Some(problem) = &s.problem else { continue };
            let _ = match &s.live {
                None => writeln!(body, "site {}: not loaded: {problem}", s.entry.name),
                Some(l) => writeln!(
                    body,
                    "site {}: serving generation {}, manifest last read {}: {problem}",
                    s.entry.name,
                    l.manifest.generation,
                    s.read_at
                        .map_or("never".to_string(), |t| format!("{}s ago", secs(t)))
                ),
            };
        }
        (ready, body)
    }
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_once(']').map(|(h, _)| &h[1..]).unwrap_or(host);
    }
    host.rsplit_once(':')
        .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
        .map(|(h, _)| h)
        .unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(name: &str, host: &str, problem: Option<Problem>) -> SiteState {
        SiteState {
            problem,
            ..SiteState::new(SiteEntry {
                name: name.into(),
                title: name.into(),
                hosts: vec![host.into()],
                generation: None,
            })
        }
    }

    #[test]
    fn ports_are_stripped_from_hosts() {
        assert_eq!(strip_port("example.org:8080"), "example.org");
        assert_eq!(strip_port("example.org"), "example.org");
        assert_eq!(strip_port("[::1]:80"), "::1");
    }

    #[test]
    fn a_known_host_gets_its_own_site_even_when_it_is_not_loaded() {
        let snapshot = Snapshot::of(vec![
            state("a", "a.example", None),
            state("b", "b.example", Some(Problem::Unpublished)),
        ]);
        let name = |host| snapshot.site_for_host(host).map(|s| s.entry.name.as_str());
        assert_eq!(name(Some("B.example:80")), Some("b"));
        assert_eq!(name(Some("nowhere.example")), Some("a"));
        assert_eq!(name(None), Some("a"));
        assert!(
            Snapshot::default()
                .site_for_host(Some("a.example"))
                .is_none()
        );
    }

    #[test]
    fn nothing_loaded_is_not_ready_and_names_the_sites() {
        let snapshot = Snapshot {
            index_read_at: Some(Instant::now()),
            ..Snapshot::of(vec![state("b", "b.example", Some(Problem::Unpublished))])
        };
        let (ready, body) = snapshot.readiness(Duration::from_secs(60));
        assert!(!ready);
        assert!(body.starts_with("not ready: no site loaded"), "{body}");
        assert!(
            body.contains("site b: not loaded: no manifest published yet"),
            "{body}"
        );
        let (ready, body) = Snapshot::default().readiness(Duration::from_secs(60));
        assert!(!ready && body.contains("not been read"), "{body}");
    }
}
