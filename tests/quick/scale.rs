//! Cost grows with change, not with size: what a pass and a frontend poll ask of the bucket,
//! counted by the store's own request counters on a real `file://` bucket with loopback feeds.
//! The figures at deployment size are benchmarks (`scripts/bench-scale.sh`,
//! `scripts/bench-frontends.sh`); these tests pin the shape: constant where it must not grow.

use newsdesk::config::Config;
use newsdesk::fetcher::{SyncOptions, SyncSummary, sync};
use newsdesk::frontend::{App, Options};
use newsdesk::store::manifest::Manifest;
use newsdesk::store::{Key, OpCounts, Role, Store};

use crate::support::{FeedServer, get_on, rss};

const FEEDS_PER_SITE: usize = 3;

/// `sites` sites of [`FEEDS_PER_SITE`] feeds each of their own; sites 0 and 1 also show the
/// shared feed `/shared.xml`.
fn config(server: &FeedServer, sites: usize) -> Config {
    let mut toml = String::from(
        "[fetch]\nallow_private_networks = true\ntimeout_secs = 3\nconnect_timeout_secs = 2\n",
    );
    for s in 0..sites {
        toml.push_str(&format!(
            "\n[[sites]]\nname = \"site{s}\"\ntitle = \"Site {s}\"\nhosts = [\"site{s}.example\"]\n"
        ));
        if s < 2 {
            toml.push_str(&format!(
                "[[sites.feeds]]\nurl = \"{}\"\n",
                server.url("/shared.xml")
            ));
        }
        for f in 0..FEEDS_PER_SITE {
            toml.push_str(&format!(
                "[[sites.feeds]]\nurl = \"{}\"\n",
                server.url(&format!("/s{s}f{f}.xml"))
            ));
        }
    }
    newsdesk::config::parse(&toml, "scale.toml").unwrap()
}

fn serve(server: &FeedServer, path: &str, entries: usize) {
    let name = path.trim_start_matches('/').trim_end_matches(".xml");
    server.set(path, rss(name, entries));
}

async fn feeds_for(sites: usize) -> FeedServer {
    let server = FeedServer::start().await;
    serve(&server, "/shared.xml", 5);
    for s in 0..sites {
        for f in 0..FEEDS_PER_SITE {
            serve(&server, &format!("/s{s}f{f}.xml"), 5);
        }
    }
    server
}

async fn pass(config: &Config, store: &Store, force: bool) -> SyncSummary {
    let opts = SyncOptions {
        force,
        ..Default::default()
    };
    sync(config, store, &opts).await.unwrap()
}

fn bucket() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}/bucket", dir.path().display());
    (dir, url)
}

/// The passes after a first publish of `sites` sites: one with nothing due, then one that
/// checks every feed (`--force`) and gets a 304 for each.
async fn calm_passes(sites: usize) -> (SyncSummary, SyncSummary) {
    let server = feeds_for(sites).await;
    let (_dir, url) = bucket();
    let config = config(&server, sites);
    let store = Store::open(&url, Role::Fetcher).unwrap();
    let first = pass(&config, &store, false).await;
    assert_eq!(first.sites_published, sites, "{first}");
    // A fresh handle, as the next timer run would have.
    let again = pass(&config, &Store::open(&url, Role::Fetcher).unwrap(), false).await;
    assert_eq!(
        server.total_hits(),
        sites * FEEDS_PER_SITE + 1,
        "no early re-fetch"
    );
    let checked = pass(&config, &Store::open(&url, Role::Fetcher).unwrap(), true).await;
    assert_eq!(
        checked.not_modified,
        sites * FEEDS_PER_SITE + 1,
        "{checked}"
    );
    (again, checked)
}

#[tokio::test]
async fn a_pass_with_nothing_new_reads_a_handful_of_objects_whatever_the_number_of_feeds() {
    let (small, small_checked) = calm_passes(2).await;
    let (large, large_checked) = calm_passes(12).await;
    for s in [&small, &large] {
        assert_eq!(s.sites_published, 0, "nothing rendered: {s}");
        assert_eq!(
            s.publish.objects_written + s.state_objects_written,
            0,
            "{s}"
        );
        assert_eq!((s.store_ops.writes, s.store_ops.deletes), (0, 0), "{s}");
        assert!(s.store_ops.reads + s.store_ops.lists <= 10, "{s}");
    }
    assert_eq!(
        (small.store_ops.reads, small.store_ops.lists),
        (large.store_ops.reads, large.store_ops.lists),
        "7 feeds or 37, the same requests:\n{small}\n{large}"
    );
    // Checking every feed and finding nothing new reads no feed's stored entries and renders
    // nothing: the same reads at either size, and one write (the fetch state).
    for s in [&small_checked, &large_checked] {
        assert_eq!(s.sites_published, 0, "{s}");
        assert_eq!((s.store_ops.writes, s.store_ops.deletes), (1, 0), "{s}");
    }
    assert_eq!(
        small_checked.store_ops.reads, large_checked.store_ops.reads,
        "{small_checked}\n{large_checked}"
    );
}

async fn generation(store: &Store, site: &str) -> u64 {
    let m: Manifest = store
        .get_json(&Key::Manifest(site.into()))
        .await
        .unwrap()
        .unwrap();
    m.generation
}

#[tokio::test]
async fn one_changed_feed_republishes_only_the_sites_that_show_it() {
    let sites = 4;
    let server = feeds_for(sites).await;
    let (_dir, url) = bucket();
    let store = Store::open(&url, Role::Fetcher).unwrap();
    let config = config(&server, sites);
    pass(&config, &store, false).await;
    let mut before = vec![];
    for site in 0..sites {
        before.push(generation(&store, &format!("site{site}")).await);
    }

    // The feed sites 0 and 1 share gains an entry; every feed is checked (`--force`).
    serve(&server, "/shared.xml", 6);
    let started = chrono::Utc::now();
    let s = pass(&config, &store, true).await;
    assert_eq!(
        (s.fetched, s.not_modified),
        (1, sites * FEEDS_PER_SITE),
        "{s}"
    );
    let mut live: Vec<&str> = s.live.iter().map(|(name, _)| name.as_str()).collect();
    live.sort_unstable();
    assert_eq!(live, ["site0", "site1"], "{s}");
    for (site, was) in before.iter().enumerate() {
        let now = generation(&store, &format!("site{site}")).await;
        let moved = if site < 2 { 1 } else { 0 };
        assert_eq!(now, was + moved, "site{site}");
    }
    // Nothing of the other sites was written.
    for site in 2..sites {
        for meta in store.list(&format!("sites/site{site}/")).await.unwrap() {
            assert!(meta.last_modified < started, "{} rewritten", meta.location);
        }
    }

    // And a pass straight after renders nothing again.
    let calm = pass(&config, &store, true).await;
    assert_eq!(calm.sites_published, 0, "{calm}");
    assert_eq!(calm.publish.objects_written, 0, "{calm}");
}

/// The bucket requests of one poll of a frontend that is up to date.
async fn poll_cost(app: &App, store: &Store) -> OpCounts {
    let before = store.ops();
    app.live.refresh().await.unwrap();
    store.ops() - before
}

async fn polls_at(sites: usize) -> (OpCounts, usize) {
    let server = feeds_for(sites).await;
    let (_dir, url) = bucket();
    let config = config(&server, sites);
    pass(&config, &Store::open(&url, Role::Fetcher).unwrap(), false).await;
    let store = Store::open(&url, Role::Frontend).unwrap();
    let app = App::new(store.clone(), Options::default());
    let first = store.ops();
    app.live.refresh().await.unwrap();
    let loading = (store.ops() - first).reads as usize;
    // Several polls, so the site read in turn has gone round.
    let mut worst = OpCounts::default();
    for _ in 0..sites + 1 {
        let c = poll_cost(&app, &store).await;
        if c.reads > worst.reads {
            worst = c;
        }
    }
    (worst, loading)
}

#[tokio::test]
async fn a_frontend_poll_costs_the_same_requests_at_any_number_of_sites() {
    let (small, small_load) = polls_at(2).await;
    let (large, large_load) = polls_at(12).await;
    assert!(large_load > small_load, "the first poll reads every site");
    assert_eq!(
        (small.reads, small.lists, small.writes),
        (large.reads, large.lists, large.writes),
        "2 sites or 12: {small:?} {large:?}"
    );
    assert!(small.reads <= 4, "{small:?}");
}

#[tokio::test]
async fn a_new_generation_reaches_a_frontend_on_its_next_poll() {
    let sites = 6;
    let server = feeds_for(sites).await;
    let (_dir, url) = bucket();
    let config = config(&server, sites);
    let fetcher = Store::open(&url, Role::Fetcher).unwrap();
    pass(&config, &fetcher, false).await;
    let store = Store::open(&url, Role::Frontend).unwrap();
    let app = App::new(store.clone(), Options::default());
    app.live.refresh().await.unwrap();
    app.live.refresh().await.unwrap();

    // One site gets news.
    serve(&server, "/s5f0.xml", 6);
    let s = pass(&config, &fetcher, true).await;
    assert_eq!(s.live.len(), 1, "{s}");
    let (site, generation) = s.live[0].clone();
    assert_eq!(site, "site5");

    let cost = poll_cost(&app, &store).await;
    let snapshot = app.live.snapshot();
    let live = snapshot
        .sites
        .iter()
        .find(|x| x.entry.name == "site5")
        .and_then(|x| x.live.clone())
        .unwrap();
    assert_eq!(
        live.manifest.generation, generation,
        "seen on the first poll after"
    );
    let (status, body) = get(&app, "site5.example").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("s5f0 story number 5 "),
        "the new entry is served"
    );
    // The two indexes, the moved manifest and its pages (at most three variants each), and
    // the one manifest read in turn: nothing of the other sites.
    let pages = live.manifest.named_with("/").count() as u64;
    assert!(cost.reads <= 4 + 3 * pages, "{cost:?}, {pages} pages");
}

/// The front page of the site on `host`.
async fn get(app: &std::sync::Arc<App>, host: &str) -> (u16, String) {
    let reply = get_on(app, host, "/", &[]).await;
    (reply.status.as_u16(), reply.text())
}

#[tokio::test]
async fn a_frontend_holds_no_more_than_its_cache_whatever_the_number_of_sites() {
    let sites = 12;
    let server = feeds_for(sites).await;
    let (_dir, url) = bucket();
    let config = config(&server, sites);
    pass(&config, &Store::open(&url, Role::Fetcher).unwrap(), false).await;
    let store = Store::open(&url, Role::Frontend).unwrap();
    // A cache too small to pin every site's pages: some are served through the object cache.
    let options = Options {
        cache_bytes: 256 * 1024,
        ..Options::default()
    };
    let app = App::new(store.clone(), options);
    app.live.refresh().await.unwrap();
    for s in 0..sites {
        let (status, body) = get(&app, &format!("site{s}.example")).await;
        assert_eq!(status, 200, "site{s}");
        assert!(body.contains(&format!("s{s}f0 story number 4 ")), "site{s}");
    }
    // Searching every site loads its index parts into the search eighth of the cache.
    for s in 0..sites {
        for q in ["story", "number 4", "s1f0 sto"] {
            let path = format!("/api/search?q={}", q.replace(' ', "+"));
            let reply = get_on(&app, &format!("site{s}.example"), &path, &[]).await;
            assert_eq!(reply.status, 200, "site{s} {q}");
        }
    }
    let (objects, layouts, pinned, search) = app.live.cache_bytes().await;
    assert!(pinned <= 128 * 1024, "pinned {pinned}");
    assert!(pinned > 0, "what fits is pinned");
    assert!(search > 0 && search <= 32 * 1024, "search {search}");
    assert!(
        objects + layouts + pinned + search <= 256 * 1024,
        "{objects} {layouts} {pinned} {search}"
    );
}
