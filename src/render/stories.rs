//! Each story once: a site's entries grouped into stories across its sources
//! ([`crate::stories`]) and every entry marked with its story ([`StoryMark`]).
//!
//! A story's first report (published, else first seen; ties by link, source id and position)
//! is shown with full weight in its source's box, with the other sources' articles beside it;
//! the other reports stay where they are, marked as covered and linked to the first. The
//! story id is made from the first report's normalized link, so a source joining later does
//! not renumber it. Entries without an http(s) link are stories of their own.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::view::{Article, SourceView, StoryMark};
use crate::stories::{Report, group, http_key};

/// The most other sources an entry lists in `also`; the rest are counted in `more`. A story
/// that 200 sources of a big site tell would otherwise list 199 articles on each of its 200
/// entries: 40,000 per story, in the page, `/api/headlines` and `/feed.json`.
pub const MAX_ALSO: usize = 8;

/// `sources` with every entry marked with its story, and the headline block's entries (which
/// are in the site's feeds) marked with the story of the source entry they link to, if any.
pub fn mark(
    sources: &[SourceView],
    headlines: Option<&SourceView>,
) -> (Vec<SourceView>, Option<SourceView>) {
    let mut out = sources.to_vec();
    // Each linked entry: (time, key, source id, source index, entry index), a total order.
    let mut linked: Vec<(DateTime<Utc>, String, &str, usize, usize)> = Vec::new();
    for (si, s) in sources.iter().enumerate() {
        for (ei, e) in s.entries.iter().enumerate() {
            match e.link.as_deref().and_then(http_key) {
                Some(key) => {
                    let time = e
                        .published
                        .or(e.first_seen)
                        .or(s.last_success)
                        .unwrap_or(DateTime::UNIX_EPOCH);
                    linked.push((time, key, &s.id, si, ei));
                }
                None => {
                    out[si].entries[ei].story = Some(alone(&format!("{}\n{}", s.id, e.title)));
                }
            }
        }
    }
    linked.sort_unstable();
    // Report m is entry places[m].
    let (reports, places): (Vec<Report>, Vec<(usize, usize)>) = linked
        .into_iter()
        .map(|(time, key, source, si, ei)| {
            let title = &sources[si].entries[ei].title;
            (Report::new(title, key, source, time), (si, ei))
        })
        .unzip();
    let article = |m: usize| {
        let (si, ei) = places[m];
        Article {
            source: sources[si].id.clone(),
            source_title: sources[si].title.clone(),
            link: sources[si].entries[ei].link.clone().unwrap_or_default(),
        }
    };
    // A headline's link -> its story, as an entry outside the boxes sees it (when there are
    // headlines).
    let mut by_key: BTreeMap<&str, StoryMark> = BTreeMap::new();
    for members in group(&reports) {
        let lead = members[0];
        let story = story_id(&reports[lead].key);
        // Each source's earliest report, first report first.
        let mut seen = BTreeSet::new();
        let firsts: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&m| seen.insert(reports[m].source.as_str()))
            .collect();
        // The sources listed, as articles, and how many beyond them; `skip` is one of the
        // story's sources, left out.
        let listed = |skip: Option<&str>| {
            let also: Vec<Article> = firsts
                .iter()
                .filter(|&&f| Some(reports[f].source.as_str()) != skip)
                .take(MAX_ALSO)
                .map(|&f| article(f))
                .collect();
            let more = firsts.len() - usize::from(skip.is_some()) - also.len();
            (also, more)
        };
        let first = (members.len() > 1).then(|| article(lead));
        // What a headline linking to the story lists: all its sources.
        let all = headlines.is_some().then(|| listed(None));
        for &m in &members {
            let (si, ei) = places[m];
            let Report { key, source, .. } = &reports[m];
            let (also, more) = listed(Some(source));
            out[si].entries[ei].story = Some(StoryMark {
                story: story.clone(),
                reports: members.len(),
                first: first.clone().filter(|_| m != lead),
                also,
                more,
            });
            if let Some((also, more)) = &all {
                by_key.entry(key.as_str()).or_insert_with(|| StoryMark {
                    story: story.clone(),
                    reports: members.len(),
                    first: None,
                    also: also.clone(),
                    more: *more,
                });
            }
        }
    }
    let headlines = headlines.map(|h| {
        let mut h = h.clone();
        for e in &mut h.entries {
            let key = e.link.as_deref().and_then(http_key);
            e.story = Some(match key.as_deref().and_then(|k| by_key.get(k)) {
                Some(mark) => mark.clone(),
                None => alone(key.as_deref().unwrap_or(&e.title)),
            });
        }
        h
    });
    (out, headlines)
}

/// The mark of an entry no other tells.
fn alone(key: &str) -> StoryMark {
    StoryMark {
        story: story_id(key),
        reports: 1,
        first: None,
        also: vec![],
        more: 0,
    }
}

/// A story's id: from its first report's normalized link, short and safe in an HTML id.
fn story_id(key: &str) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..6])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::EntryView;

    fn entry(title: &str, link: Option<&str>, at: &str) -> EntryView {
        EntryView {
            title: title.into(),
            link: link.map(str::to_string),
            published: Some(at.parse().unwrap()),
            ..Default::default()
        }
    }

    fn source(id: &str, entries: Vec<EntryView>) -> SourceView {
        SourceView {
            id: id.into(),
            title: format!("Source {id}"),
            url: format!("https://{id}.example/rss"),
            site_url: None,
            link: None,
            logo: None,
            last_success: Some("2026-11-30T23:00:00Z".parse().unwrap()),
            error: None,
            error_reason: None,
            error_kind: None,
            entries,
        }
    }

    /// Three sources on one story with other titles and links, and one unrelated entry each.
    fn site() -> Vec<SourceView> {
        vec![
            source(
                "a",
                vec![
                    entry(
                        "Torvalds releases Linux 6.18",
                        Some("https://a.example/618"),
                        "2026-11-30T22:00:00Z",
                    ),
                    entry(
                        "GIMP 3.2 brings brushes",
                        Some("https://a.example/gimp"),
                        "2026-11-30T08:00:00Z",
                    ),
                ],
            ),
            source(
                "b",
                vec![
                    entry(
                        "Linux 6.18 released with Rust Binder driver",
                        Some("https://www.b.example/linux-6.18/?utm_source=rss"),
                        "2026-11-30T20:00:00Z",
                    ),
                    entry("Undated and unlinked", None, "2026-11-30T09:00:00Z"),
                ],
            ),
            source(
                "c",
                vec![entry(
                    "Linux 6.18 is out",
                    Some("http://b.example/linux-6.18#top"),
                    "2026-11-30T21:00:00Z",
                )],
            ),
        ]
    }

    fn mark_of(sources: &[SourceView], s: usize, e: usize) -> StoryMark {
        sources[s].entries[e].story.clone().unwrap()
    }

    #[test]
    fn the_first_report_leads_and_the_others_point_at_it() {
        let (marked, _) = mark(&site(), None);
        let (lead, a, c) = (
            mark_of(&marked, 1, 0),
            mark_of(&marked, 0, 0),
            mark_of(&marked, 2, 0),
        );
        assert_eq!(lead.story, a.story);
        assert_eq!(lead.story, c.story);
        assert_eq!(lead.reports, 3);
        assert_eq!(lead.first, None, "b published first");
        let sources = |m: &StoryMark| -> Vec<String> {
            m.also.iter().map(|a| a.source_title.clone()).collect()
        };
        assert_eq!(
            sources(&lead),
            ["Source c", "Source a"],
            "first report first"
        );
        assert_eq!(lead.also[1].link, "https://a.example/618");
        let first = a.first.clone().unwrap();
        assert_eq!(
            (first.source.as_str(), first.link.as_str()),
            ("b", "https://www.b.example/linux-6.18/?utm_source=rss")
        );
        assert_eq!(sources(&a), ["Source b", "Source c"]);
        assert_eq!(c.first, a.first);
        for (s, e) in [(0, 1), (1, 1)] {
            let alone = mark_of(&marked, s, e);
            assert_eq!((alone.reports, alone.first, alone.also.len()), (1, None, 0));
            assert_ne!(alone.story, lead.story);
        }
    }

    #[test]
    fn a_story_keeps_its_id_when_a_later_source_joins_and_marks_are_deterministic() {
        let full = site();
        let (marked, _) = mark(&full, None);
        let id = mark_of(&marked, 1, 0).story;
        let (without_a, _) = mark(&full[1..], None);
        assert_eq!(mark_of(&without_a, 0, 0).story, id);
        let (again, _) = mark(&full, None);
        for (x, y) in marked.iter().zip(&again) {
            let ids = |s: &SourceView| -> Vec<StoryMark> {
                s.entries.iter().map(|e| e.story.clone().unwrap()).collect()
            };
            assert_eq!(ids(x), ids(y));
        }
        // The sources in another order: the same stories, the same first report.
        let mut reversed = full.clone();
        reversed.reverse();
        let (r, _) = mark(&reversed, None);
        assert_eq!(mark_of(&r, 1, 0), mark_of(&marked, 1, 0));
    }

    #[test]
    fn a_headline_takes_the_story_of_the_entry_it_links_to() {
        let headlines = source(
            "headlines",
            vec![
                entry(
                    "Linux 6.18",
                    Some("https://b.example/linux-6.18"),
                    "2026-11-30T23:00:00Z",
                ),
                entry(
                    "Something else",
                    Some("https://z.example/1"),
                    "2026-11-30T23:00:00Z",
                ),
            ],
        );
        let (marked, h) = mark(&site(), Some(&headlines));
        let h = h.unwrap();
        let story = h.entries[0].story.clone().unwrap();
        assert_eq!(story.story, mark_of(&marked, 1, 0).story);
        assert_eq!((story.first, story.also.len()), (None, 3));
        assert_eq!(h.entries[1].story.as_ref().unwrap().reports, 1);
    }

    #[test]
    fn a_story_many_sources_tell_lists_a_few_and_counts_the_rest() {
        let sources: Vec<SourceView> = (0..12)
            .map(|i| {
                // Besides the story, other news, so that its words are not the site's common words.
                let other = [
                    "Comet seen over harbour",
                    "Violin maker wins prize",
                    "Glacier museum opens",
                ];
                let mut entries = vec![entry(
                    "Linux 6.18 released with new scheduler",
                    Some(&format!("https://s{i:02}.example/linux")),
                    &format!("2026-11-30T{:02}:00:00Z", 10 + i),
                )];
                entries.extend(other.iter().enumerate().map(|(k, t)| {
                    entry(
                        &format!("{t} {i}"),
                        Some(&format!("https://s{i:02}.example/{k}")),
                        "2026-11-29T10:00:00Z",
                    )
                }));
                source(&format!("s{i:02}"), entries)
            })
            .collect();
        let (marked, _) = mark(&sources, None);
        let lead = mark_of(&marked, 0, 0);
        assert_eq!(
            (lead.reports, lead.also.len(), lead.more),
            (12, MAX_ALSO, 3)
        );
        assert_eq!(lead.also[0].source, "s01", "the earliest others first");
        let last = mark_of(&marked, 11, 0);
        assert_eq!(last.first.as_ref().unwrap().source, "s00");
        assert_eq!((last.also.len(), last.more), (MAX_ALSO, 3));
        assert!(last.also.iter().all(|a| a.source != "s11"), "not itself");
        let json = serde_json::to_value(&lead).unwrap();
        assert_eq!(json["more"], 3);
        let alone = serde_json::to_value(mark_of(&mark(&sources[..1], None).0, 0, 0)).unwrap();
        assert!(
            alone.get("more").is_none(),
            "absent when all are listed: {alone}"
        );
    }
}
