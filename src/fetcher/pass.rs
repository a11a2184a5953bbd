//! One fetcher pass: fetch what is due, merge into each feed's stored history, then render and
//! publish every site whose pages changed. All state lives in the store, so a pass on another
//! machine continues where this one stopped.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;

use crate::config::{Config, FeedRequest, ScrapeConfig, SiteConfig};
use crate::fetch::HttpClient;
use crate::fetch::schedule::{self, Bounds};
use crate::model::{FeedContent, FetchRecord};
use crate::store::manifest::SiteEntry;
use crate::store::publish;
use crate::store::{Store, StoreError};

use super::progress::Progress;
use super::summary::{SyncError, SyncSummary};
use super::update::{FeedResult, Limits, Outcome, update_feed};
use super::{logos, render, thumbnails};
use crate::store::fetch_state::{self as state, Shard, ShardState, load_fetch_records};

#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// Only this site's feeds and pages.
    pub site: Option<String>,
    /// Fetch every feed now, not only those due (still conditional).
    pub force: bool,
    pub shard: Shard,
    /// Told about each feed as it finishes (the fetcher's progress bar and failure table).
    pub progress: Option<std::sync::Arc<dyn Progress>>,
}

impl std::fmt::Display for SyncSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} feeds: {} fetched, {} not modified, {} failed, {} not due; {} new entries; {} sites published; {} objects written ({} bytes); bucket: {}; next fetch due {}",
            self.feeds,
            self.fetched,
            self.not_modified,
            self.failed,
            self.not_due,
            self.new_entries,
            self.sites_published,
            self.publish.objects_written + self.state_objects_written + self.logos_written,
            self.publish.bytes_written,
            self.store_ops,
            self.next_fetch.map_or_else(
                || "now".to_string(),
                |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
            ),
        )?;
        if let Some(w) = &self.weather {
            write!(f, "; {w}")?;
        }
        for (site, live) in &self.sites_pinned {
            write!(
                f,
                "; site {site} is pinned at generation {live} (`newsdesk-fetcher release --site {site}` publishes the newest content)"
            )?;
        }
        if !self.sites_failing.is_empty() {
            write!(
                f,
                "; every feed of site(s) {} is failing (the pages keep the last good headlines)",
                self.sites_failing.join(", ")
            )?;
        }
        Ok(())
    }
}

/// Fetch what is due, store it, render and publish.
pub async fn sync(
    config: &Config,
    store: &Store,
    opts: &SyncOptions,
) -> Result<SyncSummary, SyncError> {
    let sites = select_sites(config, opts.site.as_deref())?;
    let now = Utc::now();
    let mut summary = SyncSummary::default();
    let ops_before = store.ops();

    // Each feed once, even when several sites list it, keeping the longest history any site
    // of the config asks for (also sites this pass does not render, or `--site small` would
    // cut a feed that a bigger site shows).
    let histories = histories(config);
    let mut feeds: BTreeMap<String, usize> = sites
        .iter()
        .flat_map(|s| &s.feeds)
        .map(|f| (f.url.as_str().to_string(), histories[f.url.as_str()]))
        .collect();
    feeds.retain(|url, _| opts.shard.owns(url));
    summary.feeds = feeds.len();

    let state_key = state::key(config, opts.shard);
    let loaded = state::load(store, Some(&state_key)).await?;
    let mut records = loaded.records;
    // Feeds an admin asked to refresh are fetched now, whatever their schedule.
    let requested = crate::headlines::refresh::requested(store, &sites).await?;
    let due: Vec<(String, usize)> = feeds
        .iter()
        .filter(|(url, _)| {
            opts.force
                || requested.contains(url)
                || records.get(*url).is_none_or(|r| schedule::is_due(r, now))
        })
        .map(|(u, h)| (u.clone(), *h))
        .collect();
    summary.not_due = feeds.len() - due.len();
    if let Some(p) = &opts.progress {
        p.fetching(due.len());
    }

    let client = HttpClient::new(&config.fetch).map_err(|e| SyncError::Client(e.to_string()))?;
    let requests = requests(config);
    let scrapes = scrapes(config);
    let mut contents: HashMap<String, FeedContent> = HashMap::new();
    let mut checked = std::collections::HashSet::new();
    if !due.is_empty() {
        let bounds = Bounds {
            min: Duration::from_secs(config.fetch.min_interval_secs),
            max: Duration::from_secs(config.fetch.max_interval_secs),
        };
        let limits = Limits::new(config.fetch.concurrency, config.fetch.per_host);
        let budget = thumbnails::Budget::new(thumbnails::PER_PASS);
        let images = images(config);
        let no_settings = FeedRequest::default();
        // Every due feed is polled at once; the limits, not the stream, bound what is in
        // flight, so feeds queued behind a slow host hold no global slot (see `Limits`).
        let results: Vec<Result<FeedResult, StoreError>> = due
            .into_iter()
            .map(|(url, history)| {
                let record = records.get(&url).cloned().unwrap_or_else(|| FetchRecord {
                    url: url.clone(),
                    ..Default::default()
                });
                let (client, limits, progress) = (&client, &limits, opts.progress.as_deref());
                let request = requests.get(url.as_str()).copied().unwrap_or(&no_settings);
                let scrape = scrapes.get(url.as_str()).copied();
                let images = images.contains(url.as_str()).then_some(&budget);
                async move {
                    let r = update_feed(
                        store, client, limits, request, scrape, images, record, history, bounds,
                        now,
                    )
                    .await;
                    if let (Some(p), Ok(r)) = (progress, &r) {
                        p.feed_done(&r.done());
                    }
                    r
                }
            })
            .collect::<futures::stream::FuturesUnordered<_>>()
            .collect()
            .await;
        for r in results {
            let r = r?;
            match &r.outcome {
                Outcome::Fetched(n) => {
                    summary.fetched += 1;
                    summary.new_entries += n;
                }
                Outcome::NotModified => summary.not_modified += 1,
                Outcome::Failed(e) => {
                    summary.failed += 1;
                    tracing::warn!(
                        feed_url = %crate::address::shown_url(&r.record.url),
                        kind = %e.kind,
                        error = %e.message,
                        consecutive_failures = r.record.consecutive_failures,
                        next_fetch = ?r.record.next_fetch,
                        "feed failed"
                    );
                    summary.failures.push((r.record.url.clone(), e.clone()));
                }
            }
            summary.state_objects_written += usize::from(r.content_written);
            checked.insert(r.record.url.clone());
            if let Some(content) = r.content {
                contents.insert(r.record.url.clone(), content);
            }
            records.insert(r.record.url.clone(), r.record);
        }
        // Logos: looked for rarely, so most passes fetch none.
        let mut seen = std::collections::HashSet::new();
        let owned: Vec<&crate::config::FeedConfig> = sites
            .iter()
            .flat_map(|s| &s.feeds)
            .filter(|f| feeds.contains_key(f.url.as_str()) && seen.insert(f.url.as_str()))
            .collect();
        summary.logos_written += logos::refresh(
            store,
            &client,
            &limits,
            &owned,
            &mut records,
            &contents,
            now,
        )
        .await?;
        requested.done(store, |url| checked.contains(url)).await?;
    }
    summary.sites_failing = sites
        .iter()
        .filter(|s| {
            !s.feeds.is_empty()
                && s.feeds.iter().all(|f| {
                    records
                        .get(f.url.as_str())
                        .is_some_and(|r| r.last_error.is_some())
                })
        })
        .map(|s| s.name.to_string())
        .collect();

    // Weather once per deployment (shard 0), before rendering so the pages show it.
    if config.weather.is_some() && opts.shard.index == 0 {
        let weather = crate::weather::refresh(config, &sites, store, now).await;
        summary.warnings.extend(weather.warnings.iter().cloned());
        summary.weather = Some(weather);
    }
    summary.next_fetch = feeds
        .keys()
        .map(|url| records.get(url).and_then(|r| r.next_fetch))
        .min()
        .flatten();
    let fetched_any = !checked.is_empty();
    let pass = render::Pass {
        config,
        store,
        client: Some(&client),
        records: &records,
        fresh: contents,
        now,
        force: false,
    };
    let mut rendered = loaded.rendered.clone();
    render::sites(&pass, &sites, &mut rendered, &mut summary).await?;
    // This shard's records and digests, in one object: written when a feed was checked or a
    // site rendered; a pass with nothing due writes nothing.
    if fetched_any || rendered != loaded.rendered {
        let mine = ShardState {
            feeds: config
                .sites
                .iter()
                .flat_map(|s| &s.feeds)
                .map(|f| f.url.as_str())
                .filter(|u| opts.shard.owns(u))
                .filter_map(|u| records.get(u).map(|r| (u.to_string(), r.clone())))
                .collect(),
            rendered,
        };
        state::save(store, &state_key, &mine).await?;
        summary.state_objects_written += 1;
    }
    finish(config, store, now, &mut summary).await?;
    summary.store_ops = store.ops() - ops_before;
    Ok(summary)
}

/// After the sites: the site index gets this config's sites, and removed sites whose grace
/// period is over are deleted.
async fn finish(
    config: &Config,
    store: &Store,
    now: DateTime<Utc>,
    summary: &mut SyncSummary,
) -> Result<(), StoreError> {
    let entries: Vec<SiteEntry> = config
        .sites
        .iter()
        .map(|s| SiteEntry {
            name: s.name.to_string(),
            title: s.title.clone(),
            hosts: s.hosts.clone(),
            generation: summary
                .live
                .iter()
                .find(|(name, _)| name == s.name.as_str())
                .map(|(_, g)| *g),
        })
        .collect();
    summary
        .publish
        .add(publish::index::register(store, &entries).await?);
    match publish::gc::sweep_removed(store, now).await {
        Ok(n) => summary.publish.objects_deleted += n,
        Err(e) => summary.warnings.push(format!(
            "deleting removed sites failed (the next pass tries again): {e}"
        )),
    }
    Ok(())
}

/// Per feed URL, its `user_agent` and `headers`: the same in every site that lists it (the
/// config refuses others).
fn requests(config: &Config) -> HashMap<&str, &FeedRequest> {
    config
        .sites
        .iter()
        .flat_map(|s| &s.feeds)
        .map(|f| (f.url.as_str(), &f.request))
        .collect()
}

/// The feed URLs whose entries get thumbnails: those some site shows with images.
fn images(config: &Config) -> std::collections::HashSet<&str> {
    config
        .sites
        .iter()
        .flat_map(|s| s.feeds.iter().filter(|f| s.images(f)))
        .map(|f| f.url.as_str())
        .collect()
}

/// Per feed URL, the longest history any site of the config asks for.
fn histories(config: &Config) -> HashMap<&str, usize> {
    let mut out: HashMap<&str, usize> = HashMap::new();
    for feed in config.sites.iter().flat_map(|s| &s.feeds) {
        let h = out.entry(feed.url.as_str()).or_default();
        *h = (*h).max(feed.history.unwrap_or(config.fetch.history));
    }
    out
}

/// Per URL, how to read a page that has no feed (the config makes every site listing a URL
/// read it the same way).
fn scrapes(config: &Config) -> HashMap<&str, &ScrapeConfig> {
    config
        .sites
        .iter()
        .flat_map(|s| &s.feeds)
        .filter_map(|f| Some((f.url.as_str(), f.scrape.as_ref()?)))
        .collect()
}

/// Re-render and publish from stored state, fetching nothing.
pub async fn render_only(
    config: &Config,
    store: &Store,
    site: Option<&str>,
) -> Result<SyncSummary, SyncError> {
    let sites = select_sites(config, site)?;
    let records = load_fetch_records(store).await?;
    let now = Utc::now();
    let mut summary = SyncSummary::default();
    // Everything is rendered again; what this renders is not recorded as any shard's.
    let mut rendered = Default::default();
    let pass = render::Pass {
        config,
        store,
        client: None,
        records: &records,
        fresh: HashMap::new(),
        now,
        force: true,
    };
    render::sites(&pass, &sites, &mut rendered, &mut summary).await?;
    finish(config, store, now, &mut summary).await?;
    Ok(summary)
}

fn select_sites<'a>(
    config: &'a Config,
    name: Option<&str>,
) -> Result<Vec<&'a SiteConfig>, SyncError> {
    match name {
        None => Ok(config.sites.iter().collect()),
        Some(n) => {
            let site = config
                .sites
                .iter()
                .find(|s| s.name.as_str() == n)
                .ok_or_else(|| SyncError::UnknownSite(n.into()))?;
            Ok(vec![site])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_split_feeds_between_them() {
        assert!("2/2".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
        let shards: Vec<Shard> = (0..3).map(|i| format!("{i}/3").parse().unwrap()).collect();
        for n in 0..50 {
            let url = format!("https://e.org/{n}");
            assert_eq!(
                shards.iter().filter(|s| s.owns(&url)).count(),
                1,
                "each feed has exactly one shard"
            );
        }
        assert!(Shard::default().owns("https://anything"));
    }
}
