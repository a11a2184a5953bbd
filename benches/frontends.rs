//! Many frontends on one bucket (a simulation, not a guess): `--frontends` real frontend
//! instances (each its own bucket client, poll loop and caches, as separate processes would
//! have) poll the bucket in `NEWSDESK_STORE` while a fetcher publishes news to one site at a
//! time. Prints the bucket requests per second the frontends make (counted by each one's store
//! client), per frontend per poll, and how long a new generation takes to be served by every
//! frontend after the fetcher's pass returns (median and worst over the publishes).
//!
//! `scripts/bench-frontends.sh` starts a Garage node on loopback and runs this:
//! `cargo bench --bench frontends -- [--frontends 100] [--sites 50] [--poll 5] [--publishes 8]
//! [--steady 30]`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use newsdesk::fetcher::{SyncOptions, sync};
use newsdesk::frontend::{App, Options};
use newsdesk::store::{OpCounts, Role, Store};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const FEEDS_PER_SITE: usize = 2;
const ENTRIES: usize = 20;

struct Args {
    frontends: usize,
    sites: usize,
    poll: Duration,
    publishes: usize,
    steady: Duration,
}

fn args() -> Args {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this as a small smoke test.
    let mut a = if std::env::args().any(|a| a == "--bench") {
        Args {
            frontends: 100,
            sites: 50,
            poll: Duration::from_secs(5),
            publishes: 8,
            steady: Duration::from_secs(30),
        }
    } else {
        Args {
            frontends: 4,
            sites: 3,
            poll: Duration::from_secs(1),
            publishes: 2,
            steady: Duration::from_secs(2),
        }
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || -> u64 {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{flag} wants a number"))
        };
        match flag.as_str() {
            "--frontends" => a.frontends = value() as usize,
            "--sites" => a.sites = value() as usize,
            "--poll" => a.poll = Duration::from_secs(value()),
            "--publishes" => a.publishes = value() as usize,
            "--steady" => a.steady = Duration::from_secs(value()),
            // `cargo bench` passes `--bench`.
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

/// Entry counts of the served feeds, by `<site>/<feed>`.
type Feeds = Arc<Mutex<HashMap<String, usize>>>;

async fn feed(State(feeds): State<Feeds>, Path((site, feed)): Path<(String, String)>) -> String {
    let name = format!("{site}-{feed}");
    let n = feeds.lock().unwrap().get(&name).copied().unwrap_or(ENTRIES);
    let items: String = (0..n)
        .rev()
        .map(|i| {
            format!(
                "<item><title>{name} story {i}: a headline of typical length for a news site</title>\
                 <link>https://{name}.example/{i}</link><guid>{name}-{i}</guid>\
                 <pubDate>Mon, 23 Nov 2026 {:02}:{:02}:00 GMT</pubDate></item>",
                i / 60 % 24,
                i % 60
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{name}</title>\
         <link>https://{name}.example/</link>{items}</channel></rss>"
    )
}

fn sum(stores: &[Store]) -> OpCounts {
    stores
        .iter()
        .map(Store::ops)
        .fold(OpCounts::default(), |a, b| OpCounts {
            reads: a.reads + b.reads,
            writes: a.writes + b.writes,
            lists: a.lists + b.lists,
            deletes: a.deletes + b.deletes,
        })
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let args = args();
    let url = std::env::var("NEWSDESK_STORE").expect(
        "NEWSDESK_STORE names the bucket (scripts/bench-frontends.sh starts a Garage node for it)",
    );

    // The feeds, on loopback.
    let feeds: Feeds = Default::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new()
        .route("/{site}/{feed}", axum::routing::get(feed))
        .with_state(feeds.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let mut toml = String::from("[fetch]\nallow_private_networks = true\n");
    for s in 0..args.sites {
        toml.push_str(&format!(
            "\n[[sites]]\nname = \"site{s}\"\ntitle = \"Site {s}\"\nhosts = [\"site{s}.example\"]\n"
        ));
        for f in 0..FEEDS_PER_SITE {
            toml.push_str(&format!(
                "[[sites.feeds]]\nurl = \"http://{addr}/s{s}/f{f}\"\n"
            ));
        }
    }
    let config = newsdesk::config::parse(&toml, "bench").unwrap();
    let fetcher = Store::open(&url, Role::Fetcher).unwrap();
    let first = sync(&config, &fetcher, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(first.sites_published, args.sites, "{first}");

    // The frontends, started over one poll interval as a fleet would be.
    let options = Options {
        poll: args.poll,
        ..Options::default()
    };
    let stores: Vec<Store> = (0..args.frontends)
        .map(|_| Store::open(&url, Role::Frontend).unwrap())
        .collect();
    let mut starting = tokio::task::JoinSet::new();
    for (i, store) in stores.iter().enumerate() {
        let (store, options) = (store.clone(), options.clone());
        let offset = args.poll.mul_f64(i as f64 / args.frontends as f64);
        starting.spawn(async move {
            tokio::time::sleep(offset).await;
            (i, App::start(store, options).await)
        });
    }
    let mut apps: Vec<Option<Arc<App>>> = vec![None; args.frontends];
    while let Some(started) = starting.join_next().await {
        let (i, app) = started.unwrap();
        apps[i] = Some(app);
    }
    let apps: Vec<Arc<App>> = apps.into_iter().map(Option::unwrap).collect();
    tokio::time::sleep(args.poll).await;

    println!(
        "{} frontends, {} sites of {FEEDS_PER_SITE} feeds, poll {:?}, bucket {}",
        args.frontends,
        args.sites,
        args.poll,
        fetcher.url()
    );
    // Steady state: nothing published.
    let before = sum(&stores);
    let t = Instant::now();
    tokio::time::sleep(args.steady).await;
    let ops = sum(&stores) - before;
    let secs = t.elapsed().as_secs_f64();
    let polls = secs / args.poll.as_secs_f64() * args.frontends as f64;
    println!(
        "steady state: {:.1} bucket requests/s from all frontends ({:.2} per frontend per poll; {} reads, {} lists over {secs:.0} s)",
        (ops.reads + ops.lists) as f64 / secs,
        (ops.reads + ops.lists) as f64 / polls,
        ops.reads,
        ops.lists,
    );
    println!(
        "  (reading every site's manifest each poll would be {:.0} requests/s)",
        (args.frontends * (args.sites + 2)) as f64 / args.poll.as_secs_f64()
    );

    // Publishes: one site's feed gains an entry; how long until every frontend serves it.
    let mut worst = vec![];
    let mut each = vec![];
    let publishing = sum(&stores);
    let t = Instant::now();
    for k in 0..args.publishes {
        let site = k * 7 % args.sites;
        feeds
            .lock()
            .unwrap()
            .insert(format!("s{site}-f0"), ENTRIES + 1 + k);
        let opts = SyncOptions {
            force: true,
            ..Default::default()
        };
        let s = sync(&config, &fetcher, &opts).await.unwrap();
        let done = Instant::now();
        let (name, generation) = s.live.first().cloned().expect("one site published");
        let mut seen: Vec<Option<f64>> = vec![None; apps.len()];
        while seen.iter().any(Option::is_none) && done.elapsed() < args.poll * 3 {
            for (i, app) in apps.iter().enumerate() {
                if seen[i].is_some() {
                    continue;
                }
                let live = app.live.snapshot().sites.iter().any(|x| {
                    x.entry.name == name
                        && x.live.as_ref().map(|l| l.manifest.generation) == Some(generation)
                });
                if live {
                    seen[i] = Some(done.elapsed().as_secs_f64());
                }
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let missing = seen.iter().filter(|s| s.is_none()).count();
        assert_eq!(
            missing, 0,
            "{missing} frontends never saw {name} {generation}"
        );
        let times: Vec<f64> = seen.into_iter().map(Option::unwrap).collect();
        worst.push(times.iter().copied().fold(0.0, f64::max));
        each.extend(times);
        // Out of step with the polls.
        tokio::time::sleep(args.poll.mul_f64(0.37)).await;
    }
    let ops = sum(&stores) - publishing;
    let secs = t.elapsed().as_secs_f64();
    let (mut w, mut e) = (worst.clone(), each);
    println!(
        "a new generation reached every frontend in {:.2} s median, {:.2} s worst of {} publishes (one frontend: {:.2} s median)",
        median(&mut w),
        w.iter().copied().fold(0.0, f64::max),
        args.publishes,
        median(&mut e),
    );
    println!(
        "while publishing: {:.1} bucket requests/s from all frontends",
        (ops.reads + ops.lists) as f64 / secs
    );
}
