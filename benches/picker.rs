//! Time of the default headline picker on a big site: 30 sources of 40 entries within the
//! window (1200 candidates, 400 stories covered by one to four sources), 100 titles picked
//! before. Grouping compares every pair of titles, so this is its cost at the size a site has.
//!
//! `cargo bench --bench picker -- [--rounds N]`: prints the median wall time of `rank` over
//! the rounds (single thread).

use std::time::Instant;

mod support;
use support::{Lcg, word};

use chrono::{DateTime, Duration, Utc};
use newsdesk::picker::similar::rank;
use newsdesk::picker::{Candidate, PickedBefore, Settings};

const SOURCES: usize = 30;
const PER_SOURCE: usize = 40;
const STORIES: usize = 400;
const WORDS: usize = 5000;

fn site(now: DateTime<Utc>) -> Vec<Candidate> {
    let mut rng = Lcg(42);
    let story_words: Vec<Vec<String>> = (0..STORIES)
        .map(|_| (0..5).map(|_| word(rng.below(WORDS))).collect())
        .collect();
    let mut out = Vec::new();
    for s in 0..SOURCES {
        for e in 0..PER_SOURCE {
            let story = &story_words[rng.below(STORIES)];
            let mut title: Vec<String> = story
                .iter()
                .filter(|_| rng.below(5) != 0)
                .cloned()
                .collect();
            title.extend((0..3).map(|_| word(rng.below(WORDS))));
            let when = now - Duration::minutes(rng.below(47 * 60) as i64);
            out.push(Candidate {
                title: title.join(" "),
                link: format!("https://source{s}.example/story/{e}"),
                source_id: format!("source{s}"),
                source_title: format!("Source {s}"),
                published: Some(when),
                first_seen: when,
            });
        }
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let default_rounds = if args.iter().any(|a| a == "--bench") {
        15
    } else {
        1
    };
    let rounds: usize = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .map_or(default_rounds, |r| r.parse().expect("--rounds N"));
    let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
    let candidates = site(now);
    let mut before = PickedBefore::new();
    for c in candidates.iter().step_by(12) {
        before.add(&c.title, Some(&c.link));
    }
    let settings = Settings::default();
    let mut times = Vec::new();
    let mut stories = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        let ranked = rank(&candidates, &before, now, &settings);
        times.push(started.elapsed());
        stories = ranked.len();
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "picker: {} candidates -> {stories} stories not picked before, median {:.1} ms over {rounds} rounds",
        candidates.len(),
        median.as_secs_f64() * 1000.0
    );
}
