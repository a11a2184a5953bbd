//! What keeping one generation a day costs (SCALING.md, "Time travel"): the nine demo feeds
//! (sites/demo/feeds) synced once per simulated day, a day bringing three new entries to some
//! of them. `archive_days` keeps each day's last generation; what a day adds to the bucket is
//! the objects its generation names that no earlier day's did, and its record. Prints the
//! figures (`cargo test --test quick archive_cost -- --nocapture`) and checks that days share
//! what did not change.

use std::collections::{BTreeMap, HashSet};

use chrono::Utc;
use newsdesk::fetcher::sync;
use newsdesk::store::publish::live_manifest;
use newsdesk::store::{Key, Store};

use crate::support::bucket::listing;
use crate::support::{Behavior, FeedServer, config_for, force, memory_store};

const FEEDS: [&str; 9] = [
    "cloud",
    "desktop",
    "dev",
    "distro",
    "hardware",
    "kernel",
    "opensource",
    "rust",
    "security",
];
const DAYS: usize = 8;

fn demo_feed(name: &str) -> String {
    let path = format!("{}/sites/demo/feeds/{name}.xml", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

/// `body` with `n` new entries of day `day` on top.
fn with_news(body: &str, name: &str, day: usize, n: usize) -> String {
    let mut items = String::new();
    for k in 0..n {
        let when = (Utc::now() - chrono::Duration::minutes((n - k) as i64)).to_rfc2822();
        items.push_str(&format!(
            "<item><title>{name} news {k} of day {day}</title>\
             <link>https://{name}.example.org/day{day}/{k}</link>\
             <guid>https://{name}.example.org/day{day}/{k}</guid><pubDate>{when}</pubDate></item>\n"
        ));
    }
    let at = body.find("<item>").unwrap();
    format!("{}{items}{}", &body[..at], &body[at..])
}

/// A day's cost: objects and bytes new to the bucket, and the whole generation's.
struct Day {
    new_objects: usize,
    new_bytes: u64,
    objects: usize,
    bytes: u64,
    /// Of `new_bytes`, those of whole pages served at a path (`/`, `/rss`, ...).
    new_page_bytes: u64,
}

async fn days(changed_per_day: usize) -> Vec<Day> {
    let server = FeedServer::start().await;
    let mut bodies: BTreeMap<&str, String> = FEEDS.iter().map(|f| (*f, demo_feed(f))).collect();
    let set = |server: &FeedServer, name: &str, body: &str| {
        server.set(
            &format!("/{name}.xml"),
            Behavior::Feed {
                body: body.as_bytes().to_vec(),
                content_type: "application/rss+xml",
                etag: None,
            },
        )
    };
    for (name, body) in &bodies {
        set(&server, name, body);
    }
    let urls: Vec<String> = FEEDS
        .iter()
        .map(|f| server.url(&format!("/{f}.xml")))
        .collect();
    let config = config_for(&urls);
    let store: Store = memory_store();
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = vec![];
    for day in 0..DAYS {
        if day > 0 {
            for i in 0..changed_per_day {
                let name = FEEDS[(day * changed_per_day + i) % FEEDS.len()];
                let body = with_news(&bodies[name], name, day, 3);
                set(&server, name, &body);
                bodies.insert(name, body);
            }
        }
        sync(&config, &store, &force()).await.unwrap();
        let (m, _) = live_manifest(&store, "test").await.unwrap().unwrap();
        let sizes = listing(&store).await;
        let mut keys: Vec<String> = m.object_keys();
        keys.extend(
            m.assets.values().flat_map(|a| {
                ["", ".br", ".gz"].map(|s| Key::Asset(format!("{a}{s}")).to_string())
            }),
        );
        keys.push(Key::Generation("test".into(), m.generation).to_string());
        keys.retain(|k| sizes.contains_key(k));
        let size = |k: &String| sizes[k].1;
        let new: Vec<&String> = keys.iter().filter(|k| !seen.contains(*k)).collect();
        let pages: HashSet<String> = m
            .named_with("/")
            .flat_map(|n| n.object.all_keys())
            .collect();
        out.push(Day {
            new_page_bytes: new
                .iter()
                .filter(|k| pages.contains(**k))
                .map(|k| size(k))
                .sum(),
            new_objects: new.len(),
            new_bytes: new.iter().map(|k| size(k)).sum(),
            objects: keys.len(),
            bytes: keys.iter().map(size).sum(),
        });
        seen.extend(keys);
    }
    out
}

#[tokio::test]
async fn a_day_kept_costs_what_changed_that_day() {
    for changed in [2, FEEDS.len()] {
        let days = days(changed).await;
        let later = &days[1..];
        let mean = |f: fn(&Day) -> u64| later.iter().map(f).sum::<u64>() / later.len() as u64;
        let (objects, bytes) = (mean(|d| d.new_objects as u64), mean(|d| d.new_bytes));
        let page_bytes = mean(|d| d.new_page_bytes);
        let whole = &days[DAYS - 1];
        println!(
            "{changed} of {} feeds changed a day: a generation names {} objects, {} bytes; \
             a day kept adds {objects} objects, {bytes} bytes ({:.0}% of a generation's bytes; \
             {page_bytes} of them whole pages)",
            FEEDS.len(),
            whole.objects,
            whole.bytes,
            100.0 * bytes as f64 / whole.bytes as f64,
        );
        assert!(
            objects < whole.objects as u64 && bytes < whole.bytes,
            "a day shares what did not change with the day before"
        );
        if changed < FEEDS.len() {
            assert!(
                bytes < whole.bytes * 3 / 4,
                "a quiet day adds {bytes} of {} bytes",
                whole.bytes
            );
        }
    }
}
