//! The default picker, offline and pure: the stories most sources cover, recent, not picked
//! before.
//!
//! Candidates are grouped into stories ([`crate::stories::group`]): alike titles or one
//! link, as on the page. A story's earliest report leads it. A story scores
//! `distinct sources x 0.5^(age / half-life)`, its age counted from its newest entry (a story
//! still being covered is current). Every ordering ends in a total tie-break on plain data, so
//! the same candidates give the same picks whatever order they came in.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::{Candidate, Pick, PickedBefore, Settings, Via, Why};
use crate::stories::tokens::{Doc, SAME_STORY, Vocabulary, similarity, tokenize};
use crate::stories::{Report, group, normalize_link};

/// Entries telling one story.
#[derive(Debug, Clone)]
pub struct Story<'a> {
    /// The first report: its title and link lead the headline.
    pub lead: &'a Candidate,
    pub members: Vec<&'a Candidate>,
    /// Distinct sources covering it: id -> title.
    pub sources: BTreeMap<&'a str, &'a str>,
    pub newest: DateTime<Utc>,
    pub score: f64,
}

impl Story<'_> {
    /// Hours since the newest entry; a date in the future counts as now.
    pub fn age_hours(&self, now: DateTime<Utc>) -> f64 {
        ((now - self.newest).num_seconds().max(0) as f64) / 3600.0
    }

    /// The story as a pick.
    pub fn pick(&self, via: Via, now: DateTime<Utc>) -> Pick {
        Pick {
            entry: self.lead.clone(),
            why: Why {
                via,
                sources: self.sources.values().map(|s| s.to_string()).collect(),
                age_hours: self.age_hours(now),
                score: self.score,
            },
        }
    }
}

/// The stories not picked before, best first.
pub fn rank<'a>(
    candidates: &'a [Candidate],
    before: &PickedBefore,
    now: DateTime<Utc>,
    settings: &Settings,
) -> Vec<Story<'a>> {
    let oldest = now - chrono::Duration::seconds((settings.max_age_hours * 3600.0) as i64);
    let mut recent: Vec<&Candidate> = candidates.iter().filter(|c| c.time() >= oldest).collect();
    recent.sort_by(|a, b| candidate_order(a, b));
    // The same link twice from one source (a feed that lists an entry twice) is one report.
    let mut seen = BTreeSet::new();
    recent.retain(|c| seen.insert((c.source_id.as_str(), normalize_link(&c.link))));

    let reports: Vec<Report> = recent
        .iter()
        .map(|c| Report::new(&c.title, normalize_link(&c.link), &c.source_id, c.time()))
        .collect();
    let vocabulary = Vocabulary::new(reports.iter().map(|r| &r.words));
    let docs: Vec<Doc> = reports.iter().map(|r| vocabulary.doc(&r.words)).collect();
    let before_docs: Vec<Doc> = before
        .titles()
        .iter()
        .map(|t| vocabulary.doc(&tokenize(t)))
        .collect();

    let stories = group(&reports);
    let mut ranked: Vec<Story<'a>> = stories
        .into_iter()
        .filter(|members| {
            !members.iter().any(|&i| {
                before.has_link(&recent[i].link)
                    || before_docs
                        .iter()
                        .any(|d| similarity(d, &docs[i]) >= SAME_STORY)
            })
        })
        .map(|members| {
            let members: Vec<&Candidate> = members.iter().map(|&i| recent[i]).collect();
            let sources = members
                .iter()
                .map(|c| (c.source_id.as_str(), c.source_title.as_str()))
                .collect::<BTreeMap<_, _>>();
            let newest = members.iter().map(|c| c.time()).max().unwrap_or(now);
            let mut story = Story {
                lead: members[0],
                members,
                sources,
                newest,
                score: 0.0,
            };
            let decay = 0.5f64.powf(story.age_hours(now) / settings.half_life_hours.max(0.01));
            story.score = story.sources.len() as f64 * decay;
            story
        })
        .collect();
    ranked.sort_by(story_order);
    ranked
}

/// The default picker: the top stories of [`rank`].
pub fn pick(
    candidates: &[Candidate],
    before: &PickedBefore,
    now: DateTime<Utc>,
    settings: &Settings,
) -> Vec<Pick> {
    rank(candidates, before, now, settings)
        .iter()
        .take(settings.max_picks)
        .map(|s| s.pick(Via::Similar, now))
        .collect()
}

/// Oldest first, then by every field: a total order on plain data.
fn candidate_order(a: &Candidate, b: &Candidate) -> Ordering {
    (a.time(), &a.link, &a.source_id, &a.title, a.first_seen).cmp(&(
        b.time(),
        &b.link,
        &b.source_id,
        &b.title,
        b.first_seen,
    ))
}

/// Best first: score, then more sources, then newer, then the lead's link and title.
fn story_order(a: &Story, b: &Story) -> Ordering {
    b.score
        .total_cmp(&a.score)
        .then(b.sources.len().cmp(&a.sources.len()))
        .then(b.newest.cmp(&a.newest))
        .then_with(|| candidate_order(a.lead, b.lead))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours_ago: i64) -> DateTime<Utc> {
        now() - chrono::Duration::hours(hours_ago)
    }

    fn now() -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse().unwrap()
    }

    fn c(source: &str, title: &str, link: &str, hours_ago: i64) -> Candidate {
        Candidate {
            title: title.into(),
            link: link.into(),
            source_id: source.to_lowercase(),
            source_title: source.into(),
            published: Some(at(hours_ago)),
            first_seen: at(hours_ago),
        }
    }

    /// Six sources on one Monday: a story three of them cover, two covered by two, fresh
    /// single reports, an old story three covered, an entry past the window.
    fn fixture() -> (Vec<Candidate>, DateTime<Utc>) {
        #[derive(serde::Deserialize)]
        struct Fixture {
            now: DateTime<Utc>,
            candidates: Vec<Candidate>,
        }
        let f: Fixture =
            serde_json::from_str(include_str!("../../tests/fixtures/picker/entries.json")).unwrap();
        (f.candidates, f.now)
    }

    fn titles(picks: &[Pick]) -> Vec<&str> {
        picks.iter().map(|p| p.entry.title.as_str()).collect()
    }

    #[test]
    fn the_stories_most_sources_cover_lead() {
        let (cs, now) = fixture();
        let picks = pick(&cs, &PickedBefore::new(), now, &Settings::default());
        assert_eq!(
            titles(&picks),
            [
                "Linux 6.18 Released With Rust Binder Driver, New Scheduler Work",
                "Firefox 146 adds vertical tabs for everyone",
                "OpenSSL fixes high-severity vulnerability in certificate parsing",
            ]
        );
        assert_eq!(picks[0].why.sources, ["LWN", "Phoronix", "The Register"]);
        assert_eq!(
            picks[0].why.age_hours, 3.0,
            "counted from the newest report"
        );
        assert!(
            picks.iter().all(|p| p.why.sources.len() >= 2),
            "each beats the fresh single-source Mesa story"
        );
    }

    #[test]
    fn a_story_picked_before_is_skipped_by_title_or_link() {
        let (cs, now) = fixture();
        let mut before = PickedBefore::new();
        // Another outlet's wording and link: still the same story.
        before.add(
            "Linux 6.18 is out, Torvalds releases it",
            Some("https://other.example/618"),
        );
        before.add(
            "Unrelated words here",
            Some("https://register.example/2026/11/23/openssl_flaw/"),
        );
        let picks = pick(&cs, &before, now, &Settings::default());
        assert_eq!(
            titles(&picks),
            [
                "Firefox 146 adds vertical tabs for everyone",
                "Mesa 25.3-rc1 Brings Faster Vulkan Shader Compiles",
                "Show HN: A tiny text editor written in Zig",
            ]
        );
    }

    #[test]
    fn recency_outweighs_old_coverage() {
        let (cs, now) = fixture();
        let ranked = rank(&cs, &PickedBefore::new(), now, &Settings::default());
        let position = |title: &str| ranked.iter().position(|s| s.lead.title.starts_with(title));
        let ubuntu = position("Ubuntu 26.04").unwrap();
        assert_eq!(ranked[ubuntu].sources.len(), 3);
        assert!(
            position("Mesa 25.3").unwrap() < ubuntu,
            "a fresh report beats a 40 h old story"
        );
        assert!(
            position("Mesa 25.3").unwrap() < position("Show HN").unwrap(),
            "1 h beats 2 h"
        );
        assert!(
            position("Rust 1.92").is_some(),
            "an undated entry counts from when it was seen"
        );
        assert_eq!(
            position("Kernel maintainers"),
            None,
            "60 h old: past the window"
        );
    }

    #[test]
    fn the_same_candidates_in_any_order_give_the_same_ranking() {
        let (cs, now) = fixture();
        let settings = Settings {
            max_picks: usize::MAX,
            ..Settings::default()
        };
        let expected = pick(&cs, &PickedBefore::new(), now, &settings);
        assert!(expected.len() > 10);
        let mut shuffled = cs.clone();
        // A fixed LCG: many different orders, the same on every run.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for round in 0..50 {
            for i in (1..shuffled.len()).rev() {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                shuffled.swap(i, (seed >> 33) as usize % (i + 1));
            }
            let got = pick(&shuffled, &PickedBefore::new(), now, &settings);
            assert_eq!(got, expected, "order {round}");
        }
    }

    #[test]
    fn a_link_two_sources_share_is_one_story() {
        let cs = [
            c("A", "Kernel bug found", "https://x.example/1", 2),
            c("B", "Completely different words", "https://x.example/1", 1),
        ];
        let ranked = rank(&cs, &PickedBefore::new(), now(), &Settings::default());
        assert_eq!(ranked.len(), 1);
        assert_eq!(ranked[0].sources.len(), 2);
        assert_eq!(ranked[0].lead.source_title, "A", "the first report leads");
    }

    #[test]
    fn a_story_is_found_through_any_of_its_titles() {
        // The first and the last title share one word only; the middle one links them.
        let cs = [
            c(
                "A",
                "Linux 6.18 released with Rust binder driver",
                "https://a.example/1",
                5,
            ),
            c(
                "B",
                "Linus Torvalds releases Linux 6.18",
                "https://b.example/1",
                4,
            ),
            c(
                "C",
                "Torvalds ships the 6.18 kernel",
                "https://c.example/1",
                3,
            ),
        ];
        let ranked = rank(&cs, &PickedBefore::new(), now(), &Settings::default());
        assert_eq!(ranked.len(), 1, "{ranked:#?}");
        assert_eq!(ranked[0].sources.len(), 3);
    }

    #[test]
    fn one_source_repeating_a_story_counts_once() {
        let cs = [
            c(
                "A",
                "Rust 1.90 released with faster builds",
                "https://a.example/1",
                3,
            ),
            c(
                "A",
                "Rust 1.90 released: faster builds",
                "https://a.example/2",
                2,
            ),
            c("B", "GIMP 3.2 brings new brushes", "https://b.example/1", 3),
        ];
        let ranked = rank(&cs, &PickedBefore::new(), now(), &Settings::default());
        assert_eq!(ranked.len(), 2);
        assert_eq!(ranked[0].members.len(), 2);
        assert_eq!(ranked[0].sources.len(), 1);
    }

    #[test]
    fn entries_older_than_the_window_are_left_out() {
        let cs = [c("A", "Ancient news item", "https://a.example/1", 49)];
        assert!(pick(&cs, &PickedBefore::new(), now(), &Settings::default()).is_empty());
    }

    #[test]
    fn a_future_date_counts_as_now() {
        let cs = [c("A", "Dated tomorrow", "https://a.example/1", -24)];
        let picks = pick(&cs, &PickedBefore::new(), now(), &Settings::default());
        assert_eq!(picks[0].why.age_hours, 0.0);
        assert_eq!(picks[0].why.score, 1.0);
    }
}
