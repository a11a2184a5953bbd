//! The render step of a pass: each site's headline step (scheduled pick, image copies), then
//! its pages rendered from the stored state and published. After a lost race against another
//! publisher the site is rendered again on top of the winner's state.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{SyncError, SyncSummary, headlines};
use crate::config::{Config, SiteConfig};
use crate::fetch::HttpClient;
use crate::model::{FeedContent, FetchRecord, feed_id};
use crate::store::publish::{self, Retention};
use crate::store::{Key, Store, StoreError};

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
}

/// Renders and publishes each site, recording in `summary` what became of it.
///
/// `fresh` holds the contents this pass fetched; every other feed's is read from the store,
/// again after each lost race against another publisher, so its news are not published over.
pub(super) async fn sites(
    pass: &Pass<'_>,
    sites: &[&SiteConfig],
    summary: &mut SyncSummary,
) -> Result<(), SyncError> {
    let Pass {
        config,
        store,
        client,
        records,
        ref fresh,
        now,
    } = *pass;
    let names: Vec<&str> = sites.iter().map(|s| s.name.as_str()).collect();
    let mut blocks = crate::headlines::current_blocks(store, &names).await?;
    let mut headline_state = headlines::HeadlineState::load(store).await?;
    let state_before = headline_state.clone();
    for site in sites {
        let name = site.name.as_str();
        let mut contents = site_contents(store, site, fresh).await?;
        if let Some(client) = client
            && let Some(picked) =
                headlines::pick_if_due(store, client, site, &contents, &mut headline_state, now)
                    .await?
        {
            blocks.insert(name.to_string(), picked);
        }
        let block = blocks.get(name);
        let image_urls = block.map(|b| b.block.image_urls()).unwrap_or_default();
        if let Some(client) = client {
            headline_state
                .copy_images(store, client, &image_urls, now)
                .await?;
        }
        let above = crate::headlines::render::above(block, &headline_state.copies(&image_urls))
            .map_err(|e| SyncError::Headlines(e.to_string()))?;
        let retention = Retention {
            keep_generations: site.keep_generations,
            grace: Duration::from_secs(site.gc_grace_secs),
        };
        let mut attempt = 1;
        let published = loop {
            if attempt > 1 {
                contents = site_contents(store, site, fresh).await?;
            }
            let views: Vec<_> = site
                .feeds
                .iter()
                .zip(&contents)
                .map(|(feed, content)| {
                    let history = feed.history.unwrap_or(config.fetch.history);
                    crate::render::source_view(
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
                headlines: crate::headlines::render::as_source(block),
            };
            let publication = crate::render::publication(site, &inputs)?;
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
                other => break other?,
            }
        };
        let stats = published.stats;
        match published.outcome {
            publish::Outcome::Live(generation) => {
                summary.sites_published += 1;
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
