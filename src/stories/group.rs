//! Grouping entries into stories. Two entries are one story when their links are the same
//! ([`super::normalize_link`]), or when their titles are at least [`SAME_STORY`] alike, were
//! published within [`WINDOW_HOURS`] of each other and do not name different numbers; and
//! so on transitively.
//!
//! Titles are compared through an index by word, so only pairs sharing a word are looked at:
//! the cost grows with the pairs of alike titles, not with the square of the entries.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::normalize_link;
use super::tokens::{Doc, SAME_STORY, Vocabulary, likeness, tokenize};

/// Titles further apart in time than this are not one story however alike: "Firefox 146
/// released" and next month's "Firefox 147 released" share most of their words.
pub const WINDOW_HOURS: i64 = 48;

/// One entry as grouping sees it.
#[derive(Debug, Clone)]
pub struct Report {
    /// The entry's link, normalized: entries with one key are one story.
    pub key: String,
    /// The title's words ([`tokenize`]); none for an entry that may only join by its key.
    pub words: BTreeSet<String>,
    /// When it appeared: published, else first seen.
    pub time: DateTime<Utc>,
}

impl Report {
    pub fn new(title: &str, link: &str, time: DateTime<Utc>) -> Report {
        Report {
            key: normalize_link(link),
            words: tokenize(title),
            time,
        }
    }
}

/// Groups `reports` into stories. Each story lists member indices in order, stories ordered by
/// their first member: given oldest first, a story's first member is its earliest report.
/// Grouping by pairs makes the result independent of the order pairs are compared in.
pub fn group(reports: &[Report]) -> Vec<Vec<usize>> {
    let n = reports.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let union = |parent: &mut Vec<usize>, a: usize, b: usize| {
        let (ra, rb) = (root(parent, a), root(parent, b));
        // The lower index stays the root, so roots do not depend on the order of unions.
        parent[ra.max(rb)] = ra.min(rb);
    };
    let mut first_with_key: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, r) in reports.iter().enumerate() {
        let first = *first_with_key.entry(&r.key).or_insert(i);
        union(&mut parent, first, i);
    }

    let vocabulary = Vocabulary::new(reports.iter().map(|r| &r.words));
    let docs: Vec<Doc> = reports.iter().map(|r| vocabulary.doc(&r.words)).collect();
    let numbers: Vec<BTreeSet<&str>> = reports
        .iter()
        .map(|r| {
            r.words
                .iter()
                .filter(|w| w.bytes().any(|b| b.is_ascii_digit()))
                .map(String::as_str)
                .collect()
        })
        .collect();
    let window = chrono::Duration::hours(WINDOW_HOURS);
    // postings[word]: the earlier titles with the word; shared[j]: words title j shares with
    // the current one, for the j in `touched`.
    let mut postings: Vec<Vec<usize>> = vec![Vec::new(); vocabulary.words()];
    let mut shared = vec![0usize; n];
    let mut touched: Vec<usize> = Vec::new();
    for i in 0..n {
        for &w in docs[i].ids() {
            for &j in &postings[w as usize] {
                if shared[j] == 0 {
                    touched.push(j);
                }
                shared[j] += 1;
            }
        }
        for &j in &touched {
            let alike = likeness(shared[j], &docs[j], &docs[i]) >= SAME_STORY;
            shared[j] = 0;
            let close = (reports[i].time - reports[j].time).abs() <= window;
            // "Mesa 25.3.1" and "Mesa 25.2.8" released the same day are two stories.
            let (a, b) = (&numbers[i], &numbers[j]);
            let numbers_agree = a.is_empty() || b.is_empty() || !a.is_disjoint(b);
            if alike && close && numbers_agree {
                union(&mut parent, j, i);
            }
        }
        touched.clear();
        for &w in docs[i].ids() {
            postings[w as usize].push(i);
        }
    }

    let mut stories: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let r = root(&mut parent, i);
        stories.entry(r).or_default().push(i);
    }
    stories.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse::<DateTime<Utc>>().unwrap() + chrono::Duration::hours(hours)
    }

    fn r(title: &str, link: &str, hours: i64) -> Report {
        Report::new(title, link, at(hours))
    }

    #[test]
    fn one_story_told_with_other_titles_and_links_is_found() {
        let reports = [
            r(
                "Linux 6.18 released with Rust Binder driver",
                "https://lwn.example/Articles/1001/",
                0,
            ),
            r(
                "Linus Torvalds releases Linux 6.18",
                "https://www.phoronix.example/news/Linux-6.18?utm_source=rss",
                1,
            ),
            // Shares nothing but the link with the others' titles.
            r(
                "Weekend kernel news",
                "http://lwn.example/Articles/1001#comments",
                2,
            ),
            r(
                "GIMP 3.2 brings new brushes",
                "https://gimp.example/news/3.2",
                1,
            ),
        ];
        assert_eq!(group(&reports), [vec![0, 1, 2], vec![3]]);
    }

    #[test]
    fn unrelated_stories_never_fold() {
        let reports = [
            r("Firefox 146 released", "https://a.example/1", 0),
            r("Firefox 147 released", "https://a.example/2", 24 * 30),
            r("Mesa 25.3.1 released", "https://b.example/1", 0),
            r("Mesa 25.2.8 released", "https://b.example/2", 1),
            r("Kernel bug found in scheduler", "https://c.example/1", 0),
            r(
                "Scheduler talk at the kernel summit",
                "https://d.example/1",
                3 * 24,
            ),
            r("Rust 1.92 ships", "https://e.example/1", 0),
            r("Debian ships new installer", "https://f.example/1", 0),
        ];
        let groups = group(&reports);
        assert_eq!(groups.len(), reports.len(), "{groups:?}");
    }

    #[test]
    fn the_same_reports_in_any_order_give_the_same_stories() {
        let titles = [
            (
                "Linux 6.18 released with Rust Binder driver",
                "https://a.example/1",
            ),
            ("Linus Torvalds releases Linux 6.18", "https://b.example/1"),
            ("Torvalds ships the 6.18 kernel", "https://c.example/1"),
            ("Firefox 146 adds vertical tabs", "https://d.example/1"),
            (
                "Vertical tabs arrive in Firefox 146",
                "https://e.example/1?fbclid=1",
            ),
            ("Unrelated story here", "https://e.example/1"),
            ("GIMP 3.2 brings new brushes", "https://f.example/1"),
        ];
        let reports: Vec<Report> = titles
            .iter()
            .enumerate()
            .map(|(h, (t, l))| r(t, l, h as i64))
            .collect();
        // As sets of keys, which do not depend on the positions.
        let stories = |reports: &[Report]| -> BTreeSet<BTreeSet<String>> {
            group(reports)
                .into_iter()
                .map(|s| s.into_iter().map(|i| reports[i].key.clone()).collect())
                .collect()
        };
        let expected = stories(&reports);
        assert_eq!(expected.len(), 3, "{expected:?}");
        let mut shuffled = reports.clone();
        let mut seed: u64 = 7;
        for _ in 0..30 {
            for i in (1..shuffled.len()).rev() {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                shuffled.swap(i, (seed >> 33) as usize % (i + 1));
            }
            assert_eq!(stories(&shuffled), expected);
        }
    }

    #[test]
    fn an_entry_without_words_joins_only_by_its_link() {
        let mut lone = r("ignored", "https://a.example/1", 0);
        lone.words.clear();
        let reports = [
            lone,
            r("Something else entirely", "https://a.example/1/", 1),
        ];
        assert_eq!(group(&reports), [vec![0, 1]]);
    }
}
