//! Several deployments (configs) in one bucket, feeds shared between sites, removing a site,
//! and what `sync` says and exits with when things go wrong: each on real loopback feed
//! servers and real stores.

use newsdesk::config::{self, Config};
use newsdesk::fetcher::{SyncOptions, render_only, sync};
use newsdesk::store::publish::{self, live_manifest};
use newsdesk::store::{Key, Store};

use crate::support::{Behavior, FeedServer, fetcher, force, memory_store, rss};

/// A config with one site per `(name, host, feeds)`, loopback allowed.
fn config(sites: &[(&str, &str, &[String])]) -> Config {
    let mut toml = String::from("[fetch]\nallow_private_networks = true\ntimeout_secs = 3\n");
    for (name, host, feeds) in sites {
        toml.push_str(&format!(
            "\n[[sites]]\nname = \"{name}\"\ntitle = \"{name}\"\nhosts = [\"{host}\"]\n"
        ));
        for f in *feeds {
            toml.push_str(&format!("[[sites.feeds]]\nurl = \"{f}\"\n"));
        }
    }
    config::parse(&toml, "test").unwrap()
}

async fn site_names(store: &Store) -> Vec<String> {
    let (index, _) = publish::index::read(store).await.unwrap();
    index.sites.into_iter().map(|s| s.name).collect()
}

#[tokio::test]
async fn two_configs_share_a_bucket_without_undoing_each_other() {
    let server = FeedServer::start().await;
    server.set("/a.xml", rss("alpha", 5));
    server.set("/b.xml", rss("beta", 5));
    let (a_url, b_url) = (server.url("/a.xml"), server.url("/b.xml"));
    let a = config(&[("alpha", "alpha.example", &[a_url])]);
    let b = config(&[("beta", "beta.example", &[b_url])]);
    let store = memory_store();

    sync(&a, &store, &SyncOptions::default()).await.unwrap();
    sync(&b, &store, &SyncOptions::default()).await.unwrap();
    assert_eq!(site_names(&store).await, ["alpha", "beta"]);

    // Another config's render (or a typo'd unit file's) keeps the other deployment's sites.
    render_only(&a, &store, None).await.unwrap();
    assert_eq!(site_names(&store).await, ["alpha", "beta"]);

    // And its fetch state: beta's validators survive alpha's passes, so beta's next pass is
    // conditional (one 304), not a refetch.
    sync(&a, &store, &force()).await.unwrap();
    let again = sync(&b, &store, &force()).await.unwrap();
    assert_eq!(again.not_modified, 1, "{again}");
    assert_eq!(
        server.last_header("/b.xml", "if-none-match").as_deref(),
        Some("\"beta-5\"")
    );
    let states = store.list(Key::FETCH_STATE_PREFIX).await.unwrap();
    assert_eq!(states.len(), 2, "one fetch-state object per deployment");
}

#[tokio::test]
async fn a_shared_feed_keeps_the_longest_history_and_each_site_shows_its_own_cut() {
    let server = FeedServer::start().await;
    server.set("/shared.xml", rss("shared", 30));
    let url = server.url("/shared.xml");
    let mut toml = String::from("[fetch]\nallow_private_networks = true\n");
    toml.push_str(&format!(
        "[[sites]]\nname = \"big\"\ntitle = \"Big\"\nhosts = [\"big.example\"]\n[[sites.feeds]]\nurl = \"{url}\"\n\n\
         [[sites]]\nname = \"small\"\ntitle = \"Small\"\nhosts = [\"small.example\"]\n[[sites.feeds]]\nurl = \"{url}\"\nhistory = 3\n"
    ));
    let cfg = config::parse(&toml, "test").unwrap();
    let store = memory_store();
    let small_only = SyncOptions {
        site: Some("small".into()),
        force: true,
        ..Default::default()
    };
    sync(&cfg, &store, &small_only).await.unwrap();
    sync(&cfg, &store, &SyncOptions::default()).await.unwrap();

    let stored: newsdesk::model::FeedContent = store
        .get_json(&Key::FeedContent(newsdesk::model::feed_id(&url)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.entries.len(), 30, "stored once, with big's history");
    for (site, shown) in [("big", 30), ("small", 3)] {
        let (m, _) = live_manifest(&store, site).await.unwrap().unwrap();
        let json = store
            .fetch_path(&m.object("/api/headlines").unwrap().key)
            .await
            .unwrap()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(
            v["sources"][0]["entries"].as_array().unwrap().len(),
            shown,
            "{site}"
        );
    }
}

#[tokio::test]
async fn a_removed_site_leaves_the_index_at_once_and_the_bucket_after_its_grace() {
    let server = FeedServer::start().await;
    server.set("/a.xml", rss("alpha", 5));
    server.set("/b.xml", rss("beta", 5));
    let (a_url, b_url) = (server.url("/a.xml"), server.url("/b.xml"));
    let a = config(&[("alpha", "alpha.example", &[a_url])]);
    let b = config(&[("beta", "beta.example", &[b_url])]);
    let store = memory_store();
    sync(&a, &store, &SyncOptions::default()).await.unwrap();
    sync(&b, &store, &SyncOptions::default()).await.unwrap();

    let now = chrono::Utc::now();
    let grace = std::time::Duration::from_secs(3600);
    assert!(
        !publish::index::remove(&store, "gamma", grace, now)
            .await
            .unwrap(),
        "an unknown site is reported, not invented"
    );
    assert!(
        publish::index::remove(&store, "beta", grace, now)
            .await
            .unwrap()
    );
    assert_eq!(site_names(&store).await, ["alpha"]);

    // Within the grace period a pass deletes nothing of it ...
    sync(&a, &store, &force()).await.unwrap();
    assert!(!store.list("sites/beta/").await.unwrap().is_empty());
    assert_eq!(
        site_names(&store).await,
        ["alpha"],
        "alpha's pass leaves it out"
    );

    // ... after it, everything under sites/beta/ goes, and the tombstone with it.
    publish::index::remove(&store, "alpha", std::time::Duration::ZERO, now)
        .await
        .unwrap();
    let t: newsdesk::store::manifest::Tombstone = store
        .get_json(&Key::Tombstone("beta".into()))
        .await
        .unwrap()
        .unwrap();
    let later = t.removed_at + chrono::Duration::seconds(3601);
    let deleted = publish::gc::sweep_removed(&store, later).await.unwrap();
    assert!(deleted > 5, "{deleted}");
    assert!(store.list("sites/beta/").await.unwrap().is_empty());
    assert!(store.list(Key::TOMBSTONES_PREFIX).await.unwrap().is_empty());

    // A removed site whose config syncs again is back, and keeps its objects.
    sync(&b, &store, &force()).await.unwrap();
    assert_eq!(site_names(&store).await, ["beta"]);
}

#[tokio::test]
async fn gc_trouble_after_the_site_went_live_is_a_warning_that_says_so() {
    let server = FeedServer::start().await;
    server.set("/a.xml", rss("alpha", 5));
    let mut cfg = config(&[("alpha", "alpha.example", &[server.url("/a.xml")])]);
    cfg.sites[0].keep_generations = 2;
    let store = memory_store();
    sync(&cfg, &store, &SyncOptions::default()).await.unwrap();
    // A generation record GC cannot read: the next publish goes live, then GC fails.
    store
        .put(&Key::Generation("alpha".into(), 7), "{not json".into())
        .await
        .unwrap();
    server.set("/a.xml", rss("alpha", 6));
    let s = sync(&cfg, &store, &force()).await.unwrap();
    assert_eq!(s.sites_published, 1, "{s}");
    let (live, _) = live_manifest(&store, "alpha").await.unwrap().unwrap();
    assert_eq!(live.generation, 8, "the new generation is live");
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert!(
        s.warnings[0].starts_with("site alpha is live; garbage collection failed"),
        "{}",
        s.warnings[0]
    );
}

// The binary runs as another process while this runtime serves its feeds: two threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_exits_3_when_every_feed_of_a_site_fails_and_0_when_one_works() {
    let server = FeedServer::start().await;
    server.set("/ok.xml", rss("ok", 3));
    server.set("/down.xml", Behavior::Status(500));
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file://{}/bucket", dir.path().display());
    let toml = |feeds: &[&str]| {
        let mut t = String::from(
            "[fetch]\nallow_private_networks = true\n[[sites]]\nname = \"s\"\ntitle = \"S\"\n",
        );
        for f in feeds {
            t.push_str(&format!("[[sites.feeds]]\nurl = \"{}\"\n", server.url(f)));
        }
        t
    };
    let out = fetcher(&toml(&["/down.xml"]), Some(&store), &["sync"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("every feed of site(s) s is failing"),
        "{stderr}"
    );

    let out = fetcher(
        &toml(&["/down.xml", "/ok.xml"]),
        Some(&store),
        &["sync", "--force"],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_release_and_remove_site_say_what_they_did() {
    let server = FeedServer::start().await;
    server.set("/a.xml", rss("alpha", 3));
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file://{}/bucket", dir.path().display());
    let toml = format!(
        "[fetch]\nallow_private_networks = true\n[[sites]]\nname = \"s\"\ntitle = \"S\"\n[[sites.feeds]]\nurl = \"{}\"\n",
        server.url("/a.xml")
    );
    let text = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    assert!(
        fetcher(&toml, Some(&store), &["sync"], &[])
            .status
            .success()
    );
    let out = fetcher(&toml, Some(&store), &["rollback", "--site", "s"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("kept generations: 1"), "{}", text(&out));

    server.set("/a.xml", rss("alpha", 4));
    assert!(
        fetcher(&toml, Some(&store), &["sync", "--force"], &[])
            .status
            .success()
    );
    let out = fetcher(&toml, Some(&store), &["rollback", "--site", "s"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("shows generation 1's content again, live as generation 3 (was 2)"),
        "{}",
        text(&out)
    );
    let out = fetcher(&toml, Some(&store), &["release", "--site", "s"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("live at generation 4 with the newest content (generation 2)"),
        "{}",
        text(&out)
    );
    let out = fetcher(&toml, Some(&store), &["remove-site", "--site", "s"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("out of the site index"),
        "{}",
        text(&out)
    );
    let out = fetcher(&toml, Some(&store), &["remove-site", "--site", "s"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("not in the site index"),
        "{}",
        text(&out)
    );
}
