//! One site's automatic pick, as the fetcher's pass calls it: check the schedule, choose with
//! the configured picker (falling back to the default one), fetch the lead image.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::og_image::{Image, lead_image};
use super::similar::{self, Story};
use super::{Candidate, Pick, PickedBefore, Settings, Via, Why, llm, schedule};
use crate::config::picker::{HeadlinesConfig, PickerKind};
use crate::fetch::HttpClient;

/// Everything one site's pick depends on; nothing here reads a clock.
#[derive(Debug, Clone, Copy)]
pub struct PickRequest<'a> {
    pub site_name: &'a str,
    pub site_title: &'a str,
    pub config: &'a HeadlinesConfig,
    /// The entries of the site's sources, in any order.
    pub candidates: &'a [Candidate],
    pub picked_before: &'a PickedBefore,
    /// When the last automatic pick was made (not the last admin edit: that one stays only
    /// until the next tick).
    pub last_pick: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
    pub settings: &'a Settings,
}

/// A new headline block, for the caller to store (as author `auto`) and archive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Picked {
    /// Best first; only the first may have an image.
    pub items: Vec<Item>,
    pub via: Via,
    /// Why the model was not used, when it was configured.
    pub fallback_reason: Option<String>,
    /// Why the first story has no image, when fetching it failed (no image named is no error).
    pub image_error: Option<String>,
    /// The `now` of the request: the caller records it as the last pick.
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub title: String,
    pub url: String,
    /// The source that reported it first.
    pub source: String,
    pub why: Why,
    #[serde(skip)]
    pub image: Option<Image>,
}

/// The environment as [`run_if_due`] reads it: the API key variable.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Picks the site's headlines if its schedule says a pick is due; `None` when not due or when
/// no story qualifies (the block then stays as it is).
pub async fn run_if_due(
    req: &PickRequest<'_>,
    http: &HttpClient,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<Picked> {
    if !schedule::is_due(&req.config.schedule, req.last_pick, req.now) {
        return None;
    }
    pick_now(req, http, env).await
}

/// Picks the site's headlines now, whatever the schedule says.
pub async fn pick_now(
    req: &PickRequest<'_>,
    http: &HttpClient,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<Picked> {
    let site = req.site_name;
    let settings = req.settings;
    let ranked = similar::rank(req.candidates, req.picked_before, req.now, settings);
    if ranked.is_empty() {
        tracing::info!(
            site,
            candidates = req.candidates.len(),
            "no story to pick headlines from"
        );
        return None;
    }
    let mut via = Via::Similar;
    let mut fallback_reason = None;
    let mut chosen: Vec<usize> = Vec::new();
    if let (PickerKind::Llm, Some(cfg)) = (req.config.picker, &req.config.llm) {
        let listed = &ranked[..ranked.len().min(settings.llm_candidates)];
        let audience = req.config.audience.as_deref();
        let asked = llm::choose(
            cfg,
            env,
            req.site_title,
            audience,
            listed,
            settings.max_picks,
        );
        match asked.await {
            Ok(picks) => {
                via = Via::Llm;
                chosen = picks;
            }
            Err(e) => {
                tracing::warn!(site, model = %cfg.model, reason = %e, "headline model failed; using the default picker");
                fallback_reason = Some(e.to_string());
            }
        }
    }
    let picks = fill(&ranked, &chosen, via, req.now, settings.max_picks);
    let mut items: Vec<Item> = picks
        .into_iter()
        .map(|p| Item {
            title: p.entry.title,
            url: p.entry.link,
            source: p.entry.source_title,
            why: p.why,
            image: None,
        })
        .collect();
    let first = items.first_mut()?;
    let mut image_error = None;
    match lead_image(
        http,
        &first.url,
        settings.page_max_bytes,
        settings.image_max_bytes,
    )
    .await
    {
        Ok(image) => first.image = image,
        Err(e) => {
            tracing::warn!(site, article = %first.url, reason = %e, "no lead image");
            image_error = Some(e.to_string());
        }
    }
    tracing::info!(
        site,
        via = via.as_str(),
        picks = items.len(),
        image = items[0].image.is_some(),
        "headlines picked"
    );
    for item in &items {
        tracing::debug!(site, title = %item.title, url = %item.url, why = %item.why, "headline");
    }
    Some(Picked {
        items,
        via,
        fallback_reason,
        image_error,
        at: req.now,
    })
}

/// The model's choices first, then the default ranking's best, up to `max`.
fn fill(ranked: &[Story], chosen: &[usize], via: Via, now: DateTime<Utc>, max: usize) -> Vec<Pick> {
    let rest = (0..ranked.len()).filter(|i| !chosen.contains(i));
    let chosen = chosen.iter().map(|&i| (i, via));
    chosen
        .chain(rest.map(|i| (i, Via::Similar)))
        .take(max)
        .map(|(i, via)| ranked[i].pick(via, now))
        .collect()
}
