//! Automatic headlines: on a per-site schedule, pick the top stories across a site's sources
//! for its headline block, and fetch the first one's lead image.
//!
//! The default picker ([`similar`]) needs no network: it groups titles telling the same story
//! across sources and ranks the stories by how many sources cover them and how recent they
//! are, skipping what was picked before. Optionally a model behind an OpenAI-compatible
//! chat-completions endpoint ([`llm`]) chooses among the same stories; any failure falls back
//! to the default picker. [`og_image`] finds and fetches the lead image, [`schedule`] says when
//! a pick is due.
//!
//! This module writes nothing: the caller stores the [`Picked`] result as a new version of the
//! headline block (author `auto`) and appends it to the archive. An admin's edit in between
//! stays until the next scheduled pick, because the schedule counts from the last automatic
//! pick, not from the last edit.
//!
//! `mod.rs` holds the types every step shares ([`Candidate`], [`Pick`], the settings) and
//! re-exports `run`'s entry points; `run` → `llm`/`similar`/`og_image` → `answer`. Titles as words,
//! their likeness and the grouping into stories are [`crate::stories`]'s, which the page uses too.

pub mod answer;
pub mod head;
pub mod llm;
pub mod og_image;
mod run;
pub mod schedule;
pub mod similar;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::Entry;
use crate::stories::normalize_link;

pub use og_image::Image;
pub use run::{Item, PickRequest, Picked, pick_now, process_env, run_if_due};

/// How many headlines a pick yields at most.
pub const MAX_PICKS: usize = 3;

/// One entry of one of the site's sources that may become a headline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub title: String,
    /// An http(s) link: a headline without one cannot be clicked.
    pub link: String,
    /// The source's stable id ([`crate::model::feed_id`]) and the title its box shows.
    pub source_id: String,
    pub source_title: String,
    pub published: Option<DateTime<Utc>>,
    pub first_seen: DateTime<Utc>,
}

impl Candidate {
    /// The entry as a candidate; `None` without an http(s) link or a title.
    pub fn from_entry(source_id: &str, source_title: &str, entry: &Entry) -> Option<Candidate> {
        let link = entry.link.as_deref()?.trim();
        let http = url::Url::parse(link)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !http || entry.title.trim().is_empty() {
            return None;
        }
        Some(Candidate {
            title: entry.title.trim().to_string(),
            link: link.to_string(),
            source_id: source_id.to_string(),
            source_title: source_title.to_string(),
            published: entry.published,
            first_seen: entry.first_seen,
        })
    }

    /// When the story appeared: the published date when the feed gives one (merge already
    /// clamps future dates), else when we first saw it.
    pub fn time(&self) -> DateTime<Utc> {
        self.published.unwrap_or(self.first_seen)
    }
}

/// What earlier picks chose (from the archive), so a story is not picked twice: by link, or by
/// a title telling the same story.
#[derive(Debug, Clone, Default)]
pub struct PickedBefore {
    links: BTreeSet<String>,
    titles: Vec<String>,
}

impl PickedBefore {
    pub fn new() -> Self {
        PickedBefore::default()
    }

    pub fn add(&mut self, title: &str, link: Option<&str>) {
        if !title.trim().is_empty() {
            self.titles.push(title.to_string());
        }
        if let Some(link) = link {
            self.links.insert(normalize_link(link));
        }
    }

    pub fn has_link(&self, link: &str) -> bool {
        self.links.contains(&normalize_link(link))
    }

    pub fn titles(&self) -> &[String] {
        &self.titles
    }
}

/// The picker's knobs; the defaults are what a site gets.
#[derive(Debug, Clone)]
pub struct Settings {
    pub max_picks: usize,
    /// A story's weight halves every this many hours of age.
    pub half_life_hours: f64,
    /// Older entries are not candidates.
    pub max_age_hours: f64,
    /// How many of the top stories the model chooses among.
    pub llm_candidates: usize,
    /// Cap on the article page read to find its image (only its head matters).
    pub page_max_bytes: u64,
    /// Cap on the lead image.
    pub image_max_bytes: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_picks: MAX_PICKS,
            half_life_hours: 12.0,
            max_age_hours: 48.0,
            llm_candidates: 40,
            page_max_bytes: 512 * 1024,
            image_max_bytes: 2 * 1024 * 1024,
        }
    }
}

/// Which picker chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Similar,
    Llm,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Similar => "similar",
            Via::Llm => "llm",
        }
    }
}

/// A chosen story: the entry that leads it and why it was chosen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pick {
    pub entry: Candidate,
    pub why: Why,
}

/// Why a story was chosen, for logs and the admin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Why {
    pub via: Via,
    /// Titles of the distinct sources covering the story, ordered by source id.
    pub sources: Vec<String>,
    /// Hours since the story's newest entry appeared.
    pub age_hours: f64,
    /// The default picker's score (sources times the recency decay).
    pub score: f64,
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.sources.len();
        write!(
            f,
            "{}: covered by {n} source{} ({}), {:.0} h old",
            match self.via {
                Via::Similar => "most covered recent story",
                Via::Llm => "chosen by the model",
            },
            if n == 1 { "" } else { "s" },
            self.sources.join(", "),
            self.age_hours
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_without_an_http_link_or_a_title_are_no_candidates() {
        let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        let entry = |title: &str, link: Option<&str>| Entry {
            id: "x".into(),
            title: title.into(),
            link: link.map(str::to_string),
            published: None,
            first_seen: now,
            summary: None,
            image: None,
        };
        let ok = Candidate::from_entry("s", "S", &entry(" A story ", Some("https://a.example/1")));
        assert_eq!(ok.unwrap().title, "A story");
        for (title, link) in [
            ("A story", None),
            ("A story", Some("javascript:alert(1)")),
            ("A story", Some("/relative")),
            ("  ", Some("https://a.example/1")),
        ] {
            assert!(Candidate::from_entry("s", "S", &entry(title, link)).is_none());
        }
    }

    #[test]
    fn why_says_which_picker_and_who_covered_it() {
        let why = Why {
            via: Via::Llm,
            sources: vec!["LWN".into(), "Phoronix".into()],
            age_hours: 2.6,
            score: 1.6,
        };
        assert_eq!(
            why.to_string(),
            "chosen by the model: covered by 2 sources (LWN, Phoronix), 3 h old"
        );
    }

    #[test]
    fn picked_links_match_regardless_of_fragment_and_host_case() {
        let mut before = PickedBefore::new();
        before.add("Old story", Some("https://News.Example:443/a?x=1#top"));
        assert!(before.has_link("https://news.example/a?x=1"));
        assert!(!before.has_link("https://news.example/a?x=2"));
        assert_eq!(before.titles(), ["Old story"]);
    }
}
