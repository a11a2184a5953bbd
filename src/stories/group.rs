//! Grouping entries into stories. Two entries are one story when their links are the same
//! ([`super::normalize_link`]), or when their titles are alike, were published within
//! [`WINDOW_HOURS`] of each other, name the same numbers if either names one and the same
//! thing if both name one ([`names`]); and so on transitively. Alike is [`SAME_STORY`] for two sources' titles and [`SAME_SOURCE`] for one
//! source's: a source writes "GCC 16 adds sandboxing" and "GCC 16 adds hot patching" about
//! two things, and repeats a story, if ever, in nearly the same words.
//!
//! Grouping leans towards showing two reports of one story rather than folding two stories
//! into one: a fold hides a story, a missed fold only repeats one. Version numbers are what
//! most often tell two alike titles apart ("Mesa 25.3.1" and "Mesa 25.2.8", "GCC 16 adds
//! colour management" and "io_uring adds colour management").
//!
//! Titles are compared through an index by word, so only pairs sharing a word within the
//! window are looked at, and at most [`MAX_CANDIDATES`] titles per word: the cost grows with
//! the pairs of alike titles, not with the square of the entries, and is bounded per entry.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::tokens::{Doc, SAME_STORY, Vocabulary, Words, disjoint, likeness, tokenize};

/// Titles further apart in time than this are not one story however alike: "Firefox 146
/// released" and next month's "Firefox 147 released" share most of their words.
pub const WINDOW_HOURS: i64 = 48;

/// The most titles sharing one word that a title is compared with: the newest within the
/// window. A word in more titles than this in two days is almost a common word, and a story
/// told that often is still met through its newest reports; it bounds a pass at
/// `entries x words x MAX_CANDIDATES` however big the site.
pub const MAX_CANDIDATES: usize = 256;

/// How alike two titles of one source must be to be one story.
pub const SAME_SOURCE: f64 = 0.8;

/// One entry as grouping sees it.
#[derive(Debug, Clone)]
pub struct Report {
    /// The entry's link, normalized: entries with one key are one story.
    pub key: String,
    /// The source's id.
    pub source: String,
    /// The title's words ([`tokenize`]); none for an entry that may only join by its key.
    pub words: Words,
    /// The title's names ([`names`]).
    pub names: Words,
    /// When it appeared: published, else first seen.
    pub time: DateTime<Utc>,
}

impl Report {
    /// The report of an entry whose link is `key` ([`super::normalize_link`]).
    pub fn new(title: &str, key: String, source: &str, time: DateTime<Utc>) -> Report {
        Report {
            key,
            source: source.to_string(),
            words: tokenize(title),
            names: names(title),
            time,
        }
    }
}

/// The words of a title written as names of things are ("KVM", "NVMe", "OpenZFS", "eBPF":
/// a capital after the first letter), lowercase. Two titles naming different things are two
/// stories however alike the rest: "Tokio 1.55 improves KVM fairness" and "Tokio 1.55 improves
/// NVMe fairness".
pub fn names(title: &str) -> Words {
    let names: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().skip(1).any(char::is_uppercase))
        .map(str::to_lowercase)
        .collect();
    Words::new(names.iter().map(String::as_str))
}

/// Groups `reports` into stories, each listing its members' indices oldest first (by time,
/// then link, source and words: a total order, so the result does not depend on the order of
/// `reports`), the stories by their first member in that order.
///
/// Alike pairs are joined oldest first, and two stories are joined only when no member of one
/// names other numbers or things than a member of the other: "Tokio 1.55 improves zstd
/// fairness" may not chain "... KVM fairness" and "... NVMe fairness" into one story.
pub fn group(reports: &[Report]) -> Vec<Vec<usize>> {
    let n = reports.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&reports[a], &reports[b]);
        (a.time, &a.key, &a.source, &a.words).cmp(&(b.time, &b.key, &b.source, &b.words))
    });
    // From here on reports are named by their position in `order`.
    let rs: Vec<&Report> = order.iter().map(|&i| &reports[i]).collect();
    let numbers: Vec<&str> = rs.iter().map(|r| r.words.numbers()).collect();
    // Whether two titles name the same numbers (if either names one) and a thing in common (if
    // both name one): what two alike titles must do to be joined.
    let compatible = |a: usize, b: usize| {
        let (x, y) = (numbers[a], numbers[b]);
        let numbers = (x.is_empty() && y.is_empty()) || !disjoint(x, y);
        numbers && !clash(rs[a].names.as_str(), rs[b].names.as_str())
    };
    // Whether two titles name other numbers or things: what keeps their stories apart, even
    // when each was joined to its story by its link.
    let clash = |a: usize, b: usize| {
        clash(numbers[a], numbers[b]) || clash(rs[a].names.as_str(), rs[b].names.as_str())
    };

    // Reports with the same numbers and names are alike to `clash`: each story keeps one of
    // each kind, so keeping two stories apart costs kinds x kinds, not members x members.
    let mut first_of_kind: BTreeMap<(&str, &Words), usize> = BTreeMap::new();
    let kinds = (0..n)
        .map(|i| vec![*first_of_kind.entry((numbers[i], &rs[i].names)).or_insert(i)])
        .collect();
    let mut stories = Stories {
        parent: (0..n).collect(),
        members: (0..n).map(|i| vec![i]).collect(),
        kinds,
    };
    let mut first_with_key: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, r) in rs.iter().enumerate() {
        let first = *first_with_key.entry(&r.key).or_insert(i);
        stories.join(first, i);
    }

    // Each report's source as a number: compared for every pair of titles sharing a word.
    let mut source_numbers: BTreeMap<&str, usize> = BTreeMap::new();
    let sources: Vec<usize> = rs
        .iter()
        .map(|r| {
            let next = source_numbers.len();
            *source_numbers.entry(&r.source).or_insert(next)
        })
        .collect();

    let vocabulary = Vocabulary::new(rs.iter().map(|r| &r.words));
    let docs: Vec<Doc> = rs.iter().map(|r| vocabulary.doc(&r.words)).collect();
    let window = chrono::Duration::hours(WINDOW_HOURS);
    // postings[word]: the earlier titles with the word, oldest first; start[word]: the first
    // of them within the window of the current title (titles come oldest first, so it only
    // moves on); shared[j]: words title j shares with the current one, for the j in `touched`.
    let mut postings: Vec<Vec<usize>> = vec![Vec::new(); vocabulary.words()];
    let mut start = vec![0usize; vocabulary.words()];
    let mut shared = vec![0usize; n];
    let mut touched: Vec<usize> = Vec::new();
    for i in 0..n {
        let oldest = rs[i].time - window;
        for &w in docs[i].ids() {
            let (list, from) = (&postings[w as usize], &mut start[w as usize]);
            while *from < list.len() && rs[list[*from]].time < oldest {
                *from += 1;
            }
            let newest = list.len().saturating_sub(MAX_CANDIDATES).max(*from);
            for &j in &list[newest..] {
                if shared[j] == 0 {
                    touched.push(j);
                }
                shared[j] += 1;
            }
        }
        // Only the alike are joined, in order: sorting the few of them, not every title
        // sharing a word.
        touched.retain(|&j| {
            let bar = match sources[i] == sources[j] {
                true => SAME_SOURCE,
                false => SAME_STORY,
            };
            let alike = likeness(shared[j], &docs[j], &docs[i]) >= bar;
            shared[j] = 0;
            alike
        });
        touched.sort_unstable();
        for &j in &touched {
            if compatible(i, j) {
                let (a, b) = (stories.root(i), stories.root(j));
                if a == b {
                    continue;
                }
                let apart = stories.kinds[a]
                    .iter()
                    .any(|&x| stories.kinds[b].iter().any(|&y| clash(x, y)));
                if !apart {
                    stories.join(i, j);
                }
            }
        }
        touched.clear();
        for &w in docs[i].ids() {
            postings[w as usize].push(i);
        }
    }

    let mut out: Vec<Vec<usize>> = Vec::new();
    for i in 0..n {
        if stories.root(i) == i {
            let mut m = std::mem::take(&mut stories.members[i]);
            m.sort_unstable();
            out.push(m);
        }
    }
    out.sort_unstable_by_key(|m| m[0]);
    for m in &mut out {
        for i in m.iter_mut() {
            *i = order[*i];
        }
    }
    out
}

/// Whether both word lists have words and none in common.
fn clash(a: &str, b: &str) -> bool {
    !a.is_empty() && !b.is_empty() && disjoint(a, b)
}

/// Disjoint sets of reports, each root holding its members and one member of each kind.
struct Stories {
    parent: Vec<usize>,
    members: Vec<Vec<usize>>,
    kinds: Vec<Vec<usize>>,
}

impl Stories {
    fn root(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.root(a), self.root(b));
        if a == b {
            return;
        }
        // The smaller set moves.
        let (big, small) = match self.members[a].len() >= self.members[b].len() {
            true => (a, b),
            false => (b, a),
        };
        self.parent[small] = big;
        let moved = std::mem::take(&mut self.members[small]);
        self.members[big].extend(moved);
        let moved = std::mem::take(&mut self.kinds[small]);
        let kinds = &mut self.kinds[big];
        for k in moved {
            if let Err(at) = kinds.binary_search(&k) {
                kinds.insert(at, k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stories::normalize_link;

    fn at(hours: i64) -> DateTime<Utc> {
        "2026-11-23T12:00:00Z".parse::<DateTime<Utc>>().unwrap() + chrono::Duration::hours(hours)
    }

    fn r(title: &str, link: &str, hours: i64) -> Report {
        // Each from its own source, named after the link's host.
        let host = link.split('/').nth(2).unwrap_or_default();
        Report::new(title, normalize_link(link), host, at(hours))
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
            r("GCC 16 adds colour management", "https://g.example/1", 0),
            r("io_uring adds colour management", "https://h.example/1", 0),
            r("GCC 16 adds hot patching", "https://g.example/2", 0),
            r("Tokio 1.55 improves KVM fairness", "https://i.example/1", 0),
            r(
                "Tokio 1.55 improves NVMe fairness",
                "https://j.example/1",
                0,
            ),
        ];
        let groups = group(&reports);
        assert_eq!(groups.len(), reports.len(), "{groups:?}");
        // A third title alike to both does not chain KVM and NVMe into one story.
        let mut reports = reports.to_vec();
        reports.push(r(
            "Tokio 1.55 improves zstd fairness",
            "https://k.example/1",
            0,
        ));
        let groups = group(&reports);
        assert_eq!(groups.len(), reports.len() - 1, "{groups:?}");
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
        let stories = |reports: &[Report]| -> std::collections::BTreeSet<Vec<String>> {
            group(reports)
                .into_iter()
                .map(|s| {
                    let mut keys: Vec<String> =
                        s.into_iter().map(|i| reports[i].key.clone()).collect();
                    keys.sort();
                    keys
                })
                .collect()
        };
        let expected = stories(&reports);
        assert_eq!(expected.len(), 3, "{expected:?}");
        assert_eq!(group(&reports)[0], [0, 1, 2], "oldest first");
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
    fn one_source_repeats_a_story_only_in_nearly_its_words() {
        let reports = [
            r(
                "Rust 1.90 released with faster builds",
                "https://a.example/1",
                0,
            ),
            r(
                "Rust 1.90 released: faster builds",
                "https://a.example/2",
                1,
            ),
            r(
                "Rust 1.90 released with a new lint",
                "https://a.example/3",
                2,
            ),
        ];
        assert_eq!(group(&reports), [vec![0, 1], vec![2]]);
        let other_source = [
            reports[0].clone(),
            r(
                "Rust 1.90 released with a new lint",
                "https://b.example/3",
                2,
            ),
        ];
        assert_eq!(group(&other_source), [vec![0, 1]]);
    }

    #[test]
    fn an_entry_without_words_joins_only_by_its_link() {
        let mut lone = r("ignored", "https://a.example/1", 0);
        lone.words = Words::default();
        let reports = [
            lone,
            r("Something else entirely", "https://a.example/1/", 1),
        ];
        assert_eq!(group(&reports), [vec![0, 1]]);
    }

    #[test]
    fn a_story_told_more_often_than_the_candidates_per_word_stays_one() {
        let n = 3 * MAX_CANDIDATES;
        let mut reports: Vec<Report> = (0..n)
            .map(|i| {
                let mut r = r(
                    "Kernel maintainers merge the scheduler rework",
                    &format!("https://s{i}.example/x"),
                    0,
                );
                r.source = format!("s{i}");
                r.time = at(0) + chrono::Duration::seconds(i as i64);
                r
            })
            .collect();
        reports.push(r(
            "Kernel maintainers merge the scheduler rework",
            "https://late.example/x",
            47,
        ));
        // Other news, so that the story's words are not common words of the site.
        let words = ["comet", "harbour", "violin", "tariff", "glacier", "museum"];
        for i in 0..4 * n {
            let title = format!("{} {} item{i}", words[i % 6], words[(i / 6) % 6]);
            reports.push(r(&title, &format!("https://o.example/{i}"), 1));
        }
        let groups = group(&reports);
        assert_eq!(groups[0].len(), n + 1, "the story is one");
    }
}
