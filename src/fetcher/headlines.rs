//! The headline step of a pass, per site: the scheduled automatic pick (a new block version by
//! author `auto`, appended to the archive) and copies of the images the current block names,
//! stored as immutable assets (`assets/headline.<hash>.<ext>`) so pages never hotlink.
//!
//! What it remembers — when each site last picked, which image URL has which copy — is one
//! small object, `state/headlines.json`, read once per pass and written only when it changed.
//! `render` (no fetching) uses the copies there are and picks nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::SiteConfig;
use crate::fetch::HttpClient;
use crate::fetch::backoff::{Backoff, jitter};
use crate::fetch::image::Image;
use crate::headlines::archive::{self, Archive};
use crate::headlines::block::{Block, BlockVersion, Item};
use crate::headlines::blocks;
use crate::headlines::sanitize::Images;
use crate::model::{FeedContent, feed_id};
use crate::picker::{self, Candidate, PickRequest, PickedBefore};
use crate::store::{Key, Store, StoreError};

/// Largest headline image copied: a lead picture, not a poster.
pub const MAX_IMAGE_BYTES: u64 = 2 * 1024 * 1024;
/// The wait after a failed copy; it doubles with each failure in a row, up to a day.
const RETRY: Backoff = Backoff {
    first: Duration::from_secs(15 * 60),
    max: Duration::from_secs(24 * 3600),
};
/// Image copies remembered; the least recently needed go first.
const MAX_IMAGES: usize = 1000;

/// A copy of an image a headline block names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageCopy {
    /// The asset's stored name, once copied.
    pub asset: Option<String>,
    pub failures: u32,
    pub last_error: Option<String>,
    pub next_try: Option<DateTime<Utc>>,
    /// When a block last named it.
    pub needed_at: Option<DateTime<Utc>>,
}

/// `state/headlines.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadlineState {
    /// Per site, when its last automatic pick ran (an admin's edit does not count: it stays
    /// until the next tick).
    #[serde(default)]
    pub last_pick: BTreeMap<String, DateTime<Utc>>,
    /// Image URL → its copy.
    #[serde(default)]
    pub images: BTreeMap<String, ImageCopy>,
    /// Per site, the block version last seen and the images it names, so a pass need not read
    /// the block to know them.
    #[serde(default)]
    pub block_images: BTreeMap<String, (String, Vec<String>)>,
}

impl HeadlineState {
    pub async fn load(store: &Store) -> Result<HeadlineState, StoreError> {
        Ok(store
            .get_json(&Key::HeadlineState)
            .await?
            .unwrap_or_default())
    }

    pub async fn save(&self, store: &Store) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(self).expect("plain data serializes");
        store.put(&Key::HeadlineState, Bytes::from(bytes)).await
    }

    /// The images of `site`'s block `version` if this state saw that version; `Some(vec![])`
    /// for a site without a block.
    pub fn known_images(&self, site: &str, version: Option<&str>) -> Option<Vec<String>> {
        let Some(version) = version else {
            return Some(vec![]);
        };
        self.block_images
            .get(site)
            .filter(|(v, _)| v == version)
            .map(|(_, urls)| urls.clone())
    }

    pub fn remember_images(&mut self, site: &str, version: Option<&str>, urls: &[String]) {
        match version {
            Some(v) => {
                self.block_images
                    .insert(site.to_string(), (v.to_string(), urls.to_vec()));
            }
            None => {
                self.block_images.remove(site);
            }
        }
    }

    /// The copies of `urls` there are, as the block renderer takes them.
    pub fn copies(&self, urls: &[String]) -> Images {
        urls.iter()
            .filter_map(|u| {
                let asset = self.images.get(u)?.asset.as_ref()?;
                Some((u.clone(), format!("/assets/{asset}")))
            })
            .collect()
    }

    /// Copies the images of `urls` that have no copy yet and are due, one try each.
    pub async fn copy_images(
        &mut self,
        store: &Store,
        client: &HttpClient,
        urls: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for url in urls {
            let copy = self.images.entry(url.clone()).or_default();
            copy.needed_at = Some(now);
            if copy.asset.is_some() || copy.next_try.is_some_and(|t| t > now) {
                continue;
            }
            let Ok(parsed) = url::Url::parse(url) else {
                continue;
            };
            match client.get_image(&parsed, MAX_IMAGE_BYTES).await {
                Ok(image) => {
                    copy.asset = Some(store_image(store, &image).await?);
                    copy.failures = 0;
                    copy.last_error = None;
                    copy.next_try = None;
                }
                Err(f) => {
                    copy.failures = copy.failures.saturating_add(1);
                    let wait = RETRY.wait(copy.failures, jitter(url), None);
                    copy.next_try =
                        Some(now + chrono::Duration::from_std(wait).unwrap_or_default());
                    tracing::warn!(image = %url, error = %f.error.message, failures = copy.failures, "headline image not copied; the block shows none until it is");
                    copy.last_error = Some(f.error.message);
                }
            }
        }
        if self.images.len() > MAX_IMAGES {
            let mut by_age: Vec<(Option<DateTime<Utc>>, String)> = self
                .images
                .iter()
                .map(|(u, c)| (c.needed_at, u.clone()))
                .collect();
            by_age.sort();
            for (_, u) in by_age.into_iter().take(self.images.len() - MAX_IMAGES) {
                self.images.remove(&u);
            }
        }
        Ok(())
    }
}

/// Stores an image as an immutable asset named by its content; returns the stored name.
async fn store_image(store: &Store, image: &Image) -> Result<String, StoreError> {
    let asset = crate::assets::hashed_name(&format!("headline.{}", image.ext), &image.bytes);
    store
        .put(&Key::Asset(asset.clone()), image.bytes.clone())
        .await?;
    Ok(asset)
}

/// Whether `site`'s scheduled pick is due.
pub fn pick_due(site: &SiteConfig, state: &HeadlineState, now: DateTime<Utc>) -> bool {
    site.headlines.as_ref().is_some_and(|config| {
        let last = state.last_pick.get(site.name.as_str()).copied();
        picker::schedule::is_due(&config.schedule, last, now)
    })
}

/// Runs `site`'s scheduled pick on `contents` (its feeds' stored contents, in its order): the
/// picked stories become the current block (author `auto`) and go into the archive; the lead
/// image is stored as a copy. Returns the new block version, or `None` when no story
/// qualified (or the site has no automatic headlines).
pub async fn pick(
    store: &Store,
    client: &HttpClient,
    site: &SiteConfig,
    contents: &[FeedContent],
    state: &mut HeadlineState,
    now: DateTime<Utc>,
) -> Result<Option<BlockVersion>, StoreError> {
    let Some(config) = &site.headlines else {
        return Ok(None);
    };
    let name = site.name.as_str();
    let last_pick = state.last_pick.get(name).copied();
    let candidates = candidates(site, contents);
    let mut picked_before = PickedBefore::new();
    for e in Archive::load(store, name).await?.entries() {
        picked_before.add(&e.title, Some(&e.url));
    }
    let settings = picker::Settings::default();
    let request = PickRequest {
        site_name: name,
        site_title: &site.title,
        config,
        candidates: &candidates,
        picked_before: &picked_before,
        last_pick,
        now,
        settings: &settings,
    };
    state.last_pick.insert(name.to_string(), now);
    let Some(picked) = picker::pick_now(&request, client, &picker::process_env).await else {
        tracing::info!(
            site = name,
            "scheduled pick: no story qualifies; the block stays"
        );
        return Ok(None);
    };
    let mut items = Vec::with_capacity(picked.items.len());
    for item in &picked.items {
        let image = match &item.image {
            Some(image) => {
                let asset = store_image(store, image).await?;
                state.images.insert(
                    image.url.clone(),
                    ImageCopy {
                        asset: Some(asset),
                        needed_at: Some(now),
                        ..Default::default()
                    },
                );
                Some(image.url.clone())
            }
            None => None,
        };
        items.push(Item {
            title: item.title.clone(),
            url: item.url.clone(),
            image,
        });
    }
    let block = match Block::from_items(items) {
        Ok(block) => block,
        Err(e) => {
            tracing::warn!(site = name, error = %e, "scheduled pick refused by the block's checks");
            return Ok(None);
        }
    };
    let entries: Vec<archive::Entry> = block_entries(&block, now);
    let saved = blocks::save_auto(store, name, block.clone(), now).await?;
    archive::append(store, name, entries, blocks::AUTO, now).await?;
    tracing::info!(site = name, version = saved.version, via = ?picked.via, fallback = ?picked.fallback_reason, "scheduled pick saved as the current headline block");
    blocks::get(store, name, &saved.version).await
}

/// The stories `site`'s picker chooses from: the entries of its feeds (`contents`, in its
/// order) that the site shows ([`SiteConfig::shows`]), so a dropped story never becomes a
/// headline.
fn candidates(site: &SiteConfig, contents: &[FeedContent]) -> Vec<Candidate> {
    site.feeds
        .iter()
        .zip(contents)
        .flat_map(|(feed, content)| {
            let id = feed_id(feed.url.as_str());
            let title = feed
                .title
                .clone()
                .or_else(|| content.title.clone())
                .unwrap_or_default();
            content
                .entries
                .iter()
                .filter(|e| site.shows(feed, &e.title, e.link.as_deref()))
                .filter_map(move |e| Candidate::from_entry(&id, &title, e))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The block's headlines as archive entries.
fn block_entries(block: &Block, now: DateTime<Utc>) -> Vec<archive::Entry> {
    match block {
        Block::Items { items } => items
            .iter()
            .filter_map(|i| archive::Entry::new(&i.title, &i.url, i.image.as_deref(), now).ok())
            .collect(),
        Block::Html { .. } => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Entry;

    fn content(url: &str, titles: &[&str]) -> FeedContent {
        let mut c = FeedContent::empty(url);
        c.entries = titles
            .iter()
            .enumerate()
            .map(|(i, t)| Entry {
                id: format!("{i}"),
                title: t.to_string(),
                link: Some(format!("{url}/{i}")),
                published: None,
                first_seen: "2026-11-23T10:00:00Z".parse().unwrap(),
                summary: None,
                image: None,
            })
            .collect();
        c
    }

    #[test]
    fn the_picker_chooses_only_among_entries_the_site_shows() {
        let config = crate::config::parse(
            "[[sites]]\nname = \"t\"\ntitle = \"T\"\ndrop = \"(?i)sponsored\"\n\
             [[sites.feeds]]\nurl = \"https://a.example\"\ndrop = \"^Deal\"\n\
             [[sites.feeds]]\nurl = \"https://b.example\"\nkeep = \"Linux\"\n",
            "t",
        )
        .unwrap();
        let site = &config.sites[0];
        let contents = [
            content(
                "https://a.example",
                &["Deal of the day", "Kernel released", "Sponsored: cloud"],
            ),
            content(
                "https://b.example",
                &["Linux 7.0", "Windows 12", "SPONSORED Linux laptops"],
            ),
        ];
        let titles: Vec<String> = candidates(site, &contents)
            .into_iter()
            .map(|c| c.title)
            .collect();
        assert_eq!(titles, ["Kernel released", "Linux 7.0"]);
    }
}
