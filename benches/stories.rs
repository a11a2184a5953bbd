//! Cost of grouping a site's entries into stories (`render::stories::mark`), which runs when a
//! site is rendered, i.e. only for the sites whose inputs changed in a pass.
//!
//! 2,000 feeds x 40 entries, as the deployment of SCALING.md has them (50 sites x 40 feeds),
//! and as one site of 2,000 feeds (the worst case: every entry compared with every other
//! site entry through the word index). Titles are five words drawn from 400 stories each
//! source covers at random, plus three words of its own; every link is its own.
//!
//! `cargo bench --bench stories -- [--rounds N]`: the median wall time over rounds (one
//! thread), per site and per pass of all sites.

use std::time::Instant;

mod support;
use support::{Lcg, word};

use chrono::{DateTime, Duration, Utc};
use newsdesk::render::stories::mark;
use newsdesk::render::{EntryView, SourceView};

/// 200 in the one-round smoke test.
const FEEDS: usize = 2000;
const ENTRIES: usize = 40;
const PER_SITE: usize = 40;
const STORIES: usize = 400;
const WORDS: usize = 5000;

fn feeds(now: DateTime<Utc>, n: usize) -> Vec<SourceView> {
    let mut rng = Lcg(42);
    let story_words: Vec<Vec<String>> = (0..STORIES)
        .map(|_| (0..5).map(|_| word(rng.below(WORDS))).collect())
        .collect();
    (0..n)
        .map(|f| SourceView {
            id: format!("{f:016x}"),
            title: format!("Source {f}"),
            url: format!("https://source{f}.example/feed"),
            site_url: None,
            link: None,
            logo: None,
            last_success: Some(now),
            error: None,
            error_reason: None,
            error_kind: None,
            entries: (0..ENTRIES)
                .map(|e| {
                    let story = &story_words[rng.below(STORIES)];
                    let mut title: Vec<String> = story
                        .iter()
                        .filter(|_| rng.below(5) != 0)
                        .cloned()
                        .collect();
                    title.extend((0..3).map(|_| word(rng.below(WORDS))));
                    EntryView {
                        title: title.join(" "),
                        link: Some(format!(
                            "https://source{f}.example/story/{e}?utm_source=rss"
                        )),
                        published: Some(now - Duration::minutes(rng.below(72 * 60) as i64)),
                        ..Default::default()
                    }
                })
                .collect(),
        })
        .collect()
}

/// Median wall time of grouping each chunk of `per_site` feeds, summed over the chunks, in
/// ms; and the reports folded.
fn time(feeds: &[SourceView], per_site: usize, rounds: usize) -> (f64, usize) {
    let mut times = Vec::new();
    let mut folded = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        folded = 0;
        for site in feeds.chunks(per_site) {
            let (marked, _) = mark(site, None);
            folded += marked
                .iter()
                .flat_map(|s| &s.entries)
                .filter(|e| e.story.as_ref().is_some_and(|m| m.first.is_some()))
                .count();
        }
        times.push(started.elapsed());
    }
    times.sort();
    (times[times.len() / 2].as_secs_f64() * 1000.0, folded)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` passes --bench; `cargo test --bench stories` is a one-round smoke test.
    let full = args.iter().any(|a| a == "--bench");
    let default_rounds = if full { 9 } else { 1 };
    let rounds: usize = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .map_or(default_rounds, |r| r.parse().expect("--rounds N"));
    let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
    let n = if full { FEEDS } else { FEEDS / 10 };
    let feeds = feeds(now, n);
    let sites = n / PER_SITE;
    let (all, folded) = time(&feeds, PER_SITE, rounds);
    println!(
        "stories: {sites} sites x {PER_SITE} feeds x {ENTRIES} entries: {all:.1} ms for all sites ({:.2} ms per site), {folded} reports folded, median of {rounds} rounds",
        all / sites as f64
    );
    let (one, folded) = time(&feeds, n, rounds);
    println!(
        "stories: 1 site x {n} feeds x {ENTRIES} entries: {one:.1} ms, {folded} reports folded, median of {rounds} rounds"
    );
}
