//! The render step of a pass: each site's headline step (scheduled pick, image copies), then
//! its pages rendered from the stored state and published. After a lost race against another
//! publisher the site is rendered again on top of the winner's state.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::summary::{SyncError, SyncSummary};
use super::{headlines, inputs};
use crate::config::{Config, SiteConfig};
use crate::fetch::HttpClient;
use crate::headlines::AdminIndex;
use crate::model::{FeedContent, FetchRecord, feed_id};
use crate::store::publish::{self, Retention};
use crate::store::{Key, Store, StoreError};
use crate::weather::state::Index as WeatherIndex;

/// What rendering a pass's sites needs.
pub(super) struct Pass<'a> {
    pub config: &'a Config,
    pub store: &'a Store,
    /// `None` for `render`, which fetches nothing: no scheduled picks, no new image copies.
    pub client: Option<&'a HttpClient>,
    pub records: &'a HashMap<String, FetchRecord>,
    /// The contents this pass fetched; every other feed's is read from the store.
    pub fresh: HashMap<String, FeedContent>,
    pub now: DateTime<Utc>,
    /// Render every site, whatever its digest says (`render`).
    pub force: bool,
}

/// Renders and publishes each site whose inputs changed since this shard last published it
/// (every site with `force`), recording in `rendered` the digest of what it published and in
/// `summary` what became of it.
///
/// `fresh` holds the contents this pass fetched; every other feed's is read from the store,
/// again after each lost race against another publisher, so its news are not published over.
pub(super) async fn sites(
    pass: &Pass<'_>,
    sites: &[&SiteConfig],
    rendered: &mut BTreeMap<String, String>,
    summary: &mut SyncSummary,
) -> Result<(), SyncError> {
    let Pass {
        config,
        store,
        client,
        records,
        ref fresh,
        now,
        force,
    } = *pass;
    let (admin_index, _) = AdminIndex::read(store).await?;
    let mut headline_state = headlines::HeadlineState::load(store).await?;
    let state_before = headline_state.clone();
    let weather_index = weather_index(config, sites, store).await?;
    for site in sites {
        let name = site.name.as_str();
        let mut contents = None;
        let mut block = None;
        if let Some(client) = client
            && headlines::pick_due(site, &headline_state, now)
        {
            let got = site_contents(store, site, fresh).await?;
            block = headlines::pick(store, client, site, &got, &mut headline_state, now).await?;
            contents = Some(got);
        }
        let block_version = match &block {
            Some(b) => Some(b.version.clone()),
            None => admin_index.block(name).map(str::to_string),
        };
        // The block's images: known from the last pass for the same version, else read with it.
        let image_urls = match headline_state.known_images(name, block_version.as_deref()) {
            Some(urls) => urls,
            None => {
                if block.is_none()
                    && let Some(v) = &block_version
                {
                    block = crate::headlines::blocks::get(store, name, v).await?;
                }
                let urls = block
                    .as_ref()
                    .map(|b| b.block.image_urls())
                    .unwrap_or_default();
                headline_state.remember_images(name, block_version.as_deref(), &urls);
                urls
            }
        };
        if let Some(client) = client {
            headline_state
                .copy_images(store, client, &image_urls, now)
                .await?;
        }
        let copies = headline_state.copies(&image_urls);
        let extras = inputs::Extras {
            block: block_version.as_deref(),
            images: (!copies.is_empty()).then(|| format!("{copies:?}")),
            weather: weather_index
                .as_ref()
                .and_then(|i| site_cell_state(site, i)),
        };
        let digest = inputs::digest(config, site, records, &extras);
        if !force && rendered.get(name) == Some(&digest) {
            continue;
        }
        if block.is_none()
            && let Some(v) = &block_version
        {
            block = crate::headlines::blocks::get(store, name, v).await?;
        }
        let block = block.as_ref();
        let above = crate::render::headlines::above(block, &copies)
            .map_err(|e| SyncError::Headlines(e.to_string()))?;
        let retention = Retention {
            keep_generations: site.keep_generations,
            archive_days: site.archive_days,
            grace: Duration::from_secs(site.gc_grace_secs),
        };
        let mut attempt = 1;
        let mut search_stats = publish::PublishStats::default();
        let (published, search_index_now) = loop {
            let contents = match contents.take() {
                Some(c) if attempt == 1 => c,
                _ => site_contents(store, site, fresh).await?,
            };
            let views: Vec<_> = site
                .feeds
                .iter()
                .zip(&contents)
                .map(|(feed, content)| {
                    let history = feed.history.unwrap_or(config.fetch.history);
                    crate::render::source_view(
                        site,
                        feed,
                        content,
                        records.get(feed.url.as_str()),
                        history,
                    )
                })
                .collect();
            let weather = crate::weather::site_weather(config, store, site).await?;
            let inputs = crate::render::Inputs {
                sources: &views,
                above: above.clone(),
                weather: weather.as_ref(),
                headlines: crate::render::headlines::as_source(block),
            };
            let mut publication = crate::render::publication(site, &inputs)?;
            let index = search_index(store, site, config, &contents, &views, now).await?;
            publication.objects.push(publish::Object {
                name: crate::search::MANIFEST_NAME.to_string(),
                label: None,
                ext: "json",
                bytes: index.manifest.to_bytes().into(),
                compress: false,
            });
            search_stats.add(index.stats);
            match publish::publish_retrying(
                store,
                &publication,
                &retention,
                now,
                publish::RetryPolicy::default(),
            )
            .await
            {
                Err(StoreError::Conflict { key }) if attempt < publish::CONFLICT_ATTEMPTS => {
                    tracing::info!(site = %site.name, key, attempt, "another publisher went first; rendering again on top of it");
                    attempt += 1;
                }
                other => break (other?, index.manifest),
            }
        };
        let mut stats = published.stats;
        stats.add(search_stats);
        // Segments the index no longer names go after the grace period, like old blobs.
        if search_stats.objects_written > 0 {
            match crate::search::sweep(store, name, &search_index_now, retention.grace, now).await {
                Ok(n) => stats.objects_deleted += n,
                Err(e) => summary.warnings.push(format!(
                    "site {name}: deleting old search segments failed (the next pass tries again): {e}"
                )),
            }
        }
        rendered.insert(name.to_string(), digest);
        match published.outcome {
            publish::Outcome::Live(generation) => {
                summary.sites_published += 1;
                summary.live.push((name.to_string(), generation));
                tracing::info!(site = %site.name, generation, objects = stats.objects_written, bytes = stats.bytes_written, "published");
            }
            publish::Outcome::Held { live, recorded } => {
                summary.sites_pinned.push((site.name.to_string(), live));
                tracing::info!(site = %site.name, live, recorded, "pinned by a rollback: the live site stays; `newsdesk-fetcher release` publishes the newest content");
            }
            publish::Outcome::Unchanged => {}
        }
        if let Some(e) = published.gc_error {
            let warning = format!(
                "site {} is live; garbage collection failed and the next pass tries again: {e}",
                site.name
            );
            tracing::warn!(site = %site.name, error = %e, "garbage collection failed; the site is live");
            summary.warnings.push(warning);
        }
        summary.publish.add(stats);
    }
    if headline_state != state_before {
        headline_state.save(store).await?;
        summary.state_objects_written += 1;
    }
    Ok(())
}

/// The site's search index with what its boxes show now (see [`crate::search`]): the
/// entries of every source box, as the page shows them.
async fn search_index(
    store: &Store,
    site: &SiteConfig,
    config: &Config,
    contents: &[FeedContent],
    views: &[crate::render::SourceView],
    now: DateTime<Utc>,
) -> Result<crate::search::Update, StoreError> {
    let previous = crate::search::previous(store, site.name.as_str()).await?;
    let sources: Vec<crate::search::Source> = site
        .feeds
        .iter()
        .zip(contents)
        .zip(views)
        .map(|((feed, content), view)| crate::search::Source {
            feed_id: view.id.clone(),
            title: &view.title,
            entries: crate::render::shown_entries(
                site,
                feed,
                content,
                feed.history.unwrap_or(config.fetch.history),
            )
            .collect(),
        })
        .collect();
    crate::search::update(
        store,
        site.name.as_str(),
        &previous,
        &sources,
        site.archive_days,
        now,
    )
    .await
}

/// The weather index, when a site of the pass shows weather: its cells' fetch times go into
/// the sites' digests.
async fn weather_index(
    config: &Config,
    sites: &[&SiteConfig],
    store: &Store,
) -> Result<Option<WeatherIndex>, StoreError> {
    if config.weather.is_none() || sites.iter().all(|s| s.weather.is_none()) {
        return Ok(None);
    }
    match store.get_json::<WeatherIndex>(&Key::WeatherIndex).await {
        Ok(index) => Ok(index),
        // The weather step rewrites a broken index; until then the pages render as they are.
        Err(StoreError::Corrupt { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The state of `site`'s weather cell that its page depends on.
fn site_cell_state(site: &SiteConfig, index: &WeatherIndex) -> Option<String> {
    let place = site.weather.as_ref()?;
    let cell = crate::weather::Cell::of(place.lat.0, place.lon.0).ok()?;
    let state = index.cells.get(&cell.id())?;
    Some(format!("{:?} {}", state.fetched_at, state.failures))
}

/// The stored content of each of `site`'s feeds, in its order: this pass's fetch where there
/// is one, else what the bucket has.
async fn site_contents(
    store: &Store,
    site: &SiteConfig,
    fresh: &HashMap<String, FeedContent>,
) -> Result<Vec<FeedContent>, StoreError> {
    let mut out = Vec::with_capacity(site.feeds.len());
    for feed in &site.feeds {
        let url = feed.url.as_str();
        out.push(match fresh.get(url) {
            Some(c) => c.clone(),
            None => store
                .get_json(&Key::FeedContent(feed_id(url)))
                .await?
                .unwrap_or_else(|| FeedContent::empty(url)),
        });
    }
    Ok(out)
}
