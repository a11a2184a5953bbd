//! The search index at deployment size: 2,000 feeds of 40 entries, then a year of news (each
//! feed 2 new entries a day, indexed a day at a time), on a `memory://` store.
//!
//! `cargo bench --bench search -- [--feeds N] [--days N] [--queries N] [--store URL]
//! [--publish]` prints: the index (segments, bytes, documents), what a pass with one changed
//! feed writes, and the time of uncached queries on a warm frontend (every part in memory),
//! median and p99, plus the bytes a frontend holds for them. Run as a smoke test (no
//! `--bench`), it uses 20 feeds and 10 days.
//!
//! With `--store` the index is built in that bucket (default `memory://`), and with
//! `--publish` it is then made live as site `bench`'s index (an empty front page, the index
//! as its `search.json`), so a frontend on the bucket serves `/api/search` from it:
//! `scripts/bench-search.sh` times that under wrk.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use newsdesk::model::Entry;
mod support;
use support::Lcg;

use newsdesk::search::{self, Doc, Query, SearchManifest, Source, Terms};
use newsdesk::store::manifest::SiteEntry;
use newsdesk::store::publish::{self, Outcome, Retention};
use newsdesk::store::{Role, Store};

const WORDS: usize = 50_000;
const PER_DAY: usize = 2;

/// A word number, roughly Zipf: small numbers are common words.
fn zipf(rng: &mut Lcg) -> usize {
    let r = rng.below(1 << 20) as f64 / f64::from(1 << 20);
    ((WORDS as f64).powf(r) as usize).min(WORDS - 1)
}

fn word(i: usize) -> String {
    const SYL: [&str; 10] = ["ka", "be", "ti", "do", "mu", "ra", "so", "ne", "li", "vo"];
    let mut w = String::new();
    let mut n = i + 10;
    while n > 0 {
        w.push_str(SYL[n % 10]);
        n /= 10;
    }
    w
}

fn entry(rng: &mut Lcg, feed: usize, n: usize, at: DateTime<Utc>) -> Entry {
    let title: Vec<String> = (0..8).map(|_| word(zipf(rng))).collect();
    Entry {
        id: format!("{feed}-{n}"),
        title: title.join(" "),
        link: Some(format!("https://feed{feed}.example/{n}")),
        published: Some(at),
        first_seen: at,
        summary: None,
        image: None,
    }
}

/// Each feed's history as the index reads a site's boxes.
fn sources<'a>(histories: &'a [Vec<Entry>], titles: &'a [String]) -> Vec<Source<'a>> {
    histories
        .iter()
        .zip(titles)
        .enumerate()
        .map(|(f, (entries, title))| Source {
            feed_id: format!("feed{f}"),
            title,
            entries: entries.iter().collect(),
        })
        .collect()
}

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("a number"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let full = args.iter().any(|a| a == "--bench");
    let feeds = arg(&args, "--feeds", if full { 2000 } else { 20 });
    let days = arg(&args, "--days", if full { 365 } else { 10 });
    let queries = arg(&args, "--queries", if full { 2000 } else { 50 });
    let url = args
        .iter()
        .position(|a| a == "--store")
        .and_then(|i| args.get(i + 1))
        .map_or("memory://", String::as_str);
    let store = Store::open(url, Role::Fetcher).unwrap();
    let mut rng = Lcg(7);
    let start: DateTime<Utc> = "2025-11-23T00:00:00Z".parse().unwrap();
    let titles: Vec<String> = (0..feeds).map(|f| format!("Feed {f}")).collect();
    let mut histories: Vec<Vec<Entry>> = (0..feeds)
        .map(|f| {
            (0..40)
                .rev()
                .map(|n| entry(&mut rng, f, n, start + Duration::minutes(n as i64)))
                .collect()
        })
        .collect();
    let mut manifest = SearchManifest::default();
    let mut written = 0u64;
    let built = Instant::now();
    for day in 0..=days {
        let now = start + Duration::days(day as i64) + Duration::hours(1);
        if day > 0 {
            for (f, h) in histories.iter_mut().enumerate() {
                for k in 0..PER_DAY {
                    let at = now - Duration::minutes((k * 7 + f % 50) as i64);
                    let n = 40 + (day - 1) * PER_DAY + k;
                    h.insert(0, entry(&mut rng, f, n, at));
                }
                h.truncate(40);
            }
        }
        let srcs = sources(&histories, &titles);
        let u = search::update(&store, "bench", &manifest, &srcs, 365, now)
            .await
            .unwrap();
        written += u.stats.bytes_written;
        manifest = u.manifest;
    }
    let build_secs = built.elapsed().as_secs_f64();
    let docs: usize = manifest.segments().map(|s| s.count).sum();
    let bytes: u64 = manifest.segments().map(|s| s.bytes).sum();
    println!(
        "search index: {feeds} feeds x 40 + {days} days x {PER_DAY}/feed: {docs} documents in {} segments ({} head), {:.1} MB stored; built in {build_secs:.1} s writing {:.1} MB",
        manifest.segments().count(),
        manifest.head.as_ref().map_or(0, |h| h.count),
        bytes as f64 / 1e6,
        written as f64 / 1e6,
    );

    // One changed feed: one new entry.
    let now = start + Duration::days(days as i64) + Duration::hours(2);
    histories[0].insert(0, entry(&mut rng, 0, 1_000_000, now));
    histories[0].truncate(40);
    let srcs = sources(&histories, &titles);
    let one = search::update(&store, "bench", &manifest, &srcs, 365, now)
        .await
        .unwrap();
    let list_bytes = one.manifest.to_bytes().len();
    if args.iter().any(|a| a == "--publish") {
        let generation = publish_site(&store, &one.manifest, now).await;
        println!("published site bench, generation {generation}, at {url}");
    }
    println!(
        "one changed feed: {} segment objects, {} B, plus search.json {} B",
        one.stats.objects_written, one.stats.bytes_written, list_bytes
    );

    // A warm frontend: every part loaded; uncached queries.
    let segs: Vec<_> = manifest.segments().cloned().collect();
    let mut terms: HashMap<String, Arc<Terms>> = HashMap::new();
    let mut docs_of: HashMap<String, Arc<Vec<Doc>>> = HashMap::new();
    let (mut terms_bytes, mut docs_bytes) = (0usize, 0usize);
    for s in &segs {
        let t = Terms::decode(&store.fetch_path(&s.terms).await.unwrap().unwrap()).unwrap();
        terms_bytes += t.weight();
        terms.insert(s.terms.clone(), Arc::new(t));
        let raw = store.fetch_path(&s.docs).await.unwrap().unwrap();
        docs_bytes += raw.len();
        docs_of.insert(s.docs.clone(), Arc::new(search::decode_docs(&raw).unwrap()));
    }
    let newest: Vec<i64> = segs.iter().map(|s| s.newest.timestamp()).collect();
    let mut times = vec![];
    let mut found_total = 0;
    for i in 0..queries {
        let text = match i % 4 {
            0 => word(zipf(&mut rng)),
            1 => format!("{} {}", word(zipf(&mut rng)), word(zipf(&mut rng))),
            2 => word(zipf(&mut rng))[..4].to_string(),
            _ => word(WORDS - 1 - rng.below(100)),
        };
        let query = Query::parse(&text).unwrap();
        let page = if i % 5 == 0 { 2 } else { 1 };
        let t = Instant::now();
        let found = search::run(&newest, &query, (page - 1) * 20, 20, i64::MIN, |p| {
            let t = terms[&segs[p].terms].clone();
            async move { Ok::<_, ()>(t) }
        })
        .await
        .unwrap();
        let shown: Vec<Doc> = found
            .hits
            .iter()
            .map(|h| docs_of[&segs[h.part].docs][h.doc as usize].clone())
            .collect();
        times.push(t.elapsed());
        found_total += shown.len();
    }
    times.sort();
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize].as_secs_f64() * 1000.0;
    println!(
        "queries (uncached, warm): {queries}, median {:.3} ms, p99 {:.3} ms, max {:.3} ms; {found_total} results shown; in memory: terms {:.1} MB, documents {:.1} MB",
        pct(0.5),
        pct(0.99),
        pct(1.0),
        terms_bytes as f64 / 1e6,
        docs_bytes as f64 / 1e6,
    );
}

/// Makes `index` live as site `bench`'s search index, under an empty front page; the
/// generation.
async fn publish_site(store: &Store, index: &SearchManifest, now: DateTime<Utc>) -> u64 {
    let config = newsdesk::config::parse(
        "[[sites]]\nname = \"bench\"\ntitle = \"Search bench\"\n\
         [[sites.feeds]]\nurl = \"https://feed0.example/rss\"\n",
        "bench",
    )
    .unwrap();
    let site = &config.sites[0];
    let inputs = newsdesk::render::Inputs {
        sources: &[],
        above: newsdesk::render::Above::default(),
        weather: None,
        headlines: None,
    };
    let mut publication = newsdesk::render::publication(site, &inputs).unwrap();
    publication.objects.push(publish::Object {
        name: search::MANIFEST_NAME.to_string(),
        label: None,
        ext: "json",
        bytes: index.to_bytes().into(),
        compress: false,
    });
    let retention = Retention {
        keep_generations: 3,
        archive_days: 365,
        grace: std::time::Duration::from_secs(3600),
    };
    let published = publish::publish(store, &publication, &retention, now)
        .await
        .unwrap();
    let Outcome::Live(generation) = published.outcome else {
        panic!("the bench site was not published: {:?}", published.outcome);
    };
    let entry = SiteEntry {
        name: site.name.to_string(),
        title: site.title.clone(),
        hosts: site.hosts.clone(),
        generation: Some(generation),
    };
    publish::index::register(store, &[entry]).await.unwrap();
    generation
}
