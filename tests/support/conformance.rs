//! One publish/serve suite run against every kind of store: `memory://` and `file://` in the
//! quick tier (tests/quick/store_conformance.rs), a real Garage node in the Garage tier
//! (tests/garage/store_conformance.rs). Objects written are counted from listings of the
//! bucket itself, not from our own stats.

use std::collections::HashSet;

use super::bucket::{self, assert_complete_site, feed, feeds};
use super::http::get;
use super::site::{app_on, force};
use newsdesk::config::Config;
use newsdesk::fetcher::{Shard, SyncOptions, sync};
use newsdesk::store::manifest::Manifest;
use newsdesk::store::publish::{self, live_manifest};
use newsdesk::store::{Key, Role, Store};

pub const FEEDS: usize = 30;

/// A fetcher store and a frontend store on the same bucket.
pub fn stores(kind: &str) -> (Store, Store, Option<tempfile::TempDir>) {
    match kind {
        "memory" => {
            let s = Store::open("memory://", Role::Fetcher).unwrap();
            (s.clone(), s, None)
        }
        "file" => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("file://{}/bucket", dir.path().display());
            let (f, r) = bucket::open_pair(&url);
            (f, r, Some(dir))
        }
        "garage" => {
            let (f, r) = bucket::open_pair(&bucket::garage_url("conformance"));
            (f, r, None)
        }
        other => panic!("no store kind {other}"),
    }
}

pub async fn publish_protocol(kind: &str) {
    let (fetcher, reader, _dir) = stores(kind);
    let (server, config) = feeds(FEEDS).await;

    // First publish: every source is on the page.
    let before = bucket::listing(&fetcher).await;
    let first = sync(&config, &fetcher, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (first.fetched, first.sites_published),
        (FEEDS, 1),
        "{first}"
    );
    let (m1, html) = assert_complete_site(&fetcher, &reader).await;
    for i in 0..FEEDS {
        assert!(
            html.contains(&format!("source{i} story number 9")),
            "source{i} is on the page"
        );
    }
    let (keys, _) = bucket::written(&before, &bucket::listing(&fetcher).await);
    assert!(
        keys.iter().any(|k| k.starts_with("sites/test/blobs/")),
        "{keys:?}"
    );

    // A pass with no news: at most 2 small state objects, no page object.
    let before = bucket::listing(&fetcher).await;
    let quiet = sync(&config, &fetcher, &force()).await.unwrap();
    assert_eq!(quiet.not_modified, FEEDS, "{quiet}");
    let (keys, _) = bucket::written(&before, &bucket::listing(&fetcher).await);
    assert!(
        keys.len() <= 2 && keys.iter().all(|k| k.starts_with("state/")),
        "a pass with no news wrote {keys:?}"
    );
    assert_eq!(
        live_manifest(&fetcher, "test")
            .await
            .unwrap()
            .unwrap()
            .0
            .generation,
        m1.generation
    );

    // A publisher that died between the generation record and the manifest left a record
    // that is not live; it must not block the next publish.
    let orphan = Key::Generation("test".into(), m1.generation + 1);
    fetcher
        .put_new(&orphan, serde_json::to_vec(&m1).unwrap().into())
        .await
        .unwrap();

    // One changed feed: its state, its fragment, the pages that include it; nothing else.
    server.set("/f7.xml", feed(7, 11));
    let before = bucket::listing(&fetcher).await;
    let one = sync(&config, &fetcher, &force()).await.unwrap();
    assert_eq!((one.fetched, one.new_entries), (1, 1), "{one}");
    let (m2, html) = assert_complete_site(&fetcher, &reader).await;
    assert!(html.contains("source7 story number 10"));
    assert!(m2.generation > m1.generation, "generations only go forward");
    let record: Manifest = fetcher
        .get_json(&Key::Generation("test".into(), m2.generation))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record, m2, "the live generation's record is what is live");
    let (keys, _) = bucket::written(&before, &bucket::listing(&fetcher).await);
    let changed: Vec<&str> = m2
        .named_with("fragment/")
        .zip(m1.named_with("fragment/"))
        .filter(|(a, b)| a.object != b.object)
        .map(|(a, _)| a.name.as_str())
        .collect();
    assert_eq!(changed.len(), 1, "only one source box changed: {changed:?}");
    // The pages that list every source's newest entries, and the one box that changed.
    let allowed: HashSet<String> = [
        "/",
        "/api/headlines",
        "/rss",
        "/feed.json",
        "/sitemap.xml",
        "part/top",
        "part/bottom",
    ]
    .into_iter()
    .chain([changed[0]])
    .flat_map(|name| m2.object(name).unwrap().all_keys().collect::<Vec<_>>())
    .collect();
    for k in keys.iter().filter(|k| k.starts_with("sites/test/blobs/")) {
        assert!(
            allowed.contains(k),
            "{k} does not depend on the changed feed"
        );
    }
    assert_eq!(
        keys.iter()
            .filter(|k| k.starts_with("state/feeds/"))
            .count(),
        1,
        "{keys:?}"
    );

    // Rollback puts the old content back live, as a new generation.
    let g = publish::pin::rollback(&fetcher, "test", Some(m1.generation), chrono::Utc::now())
        .await
        .unwrap()
        .live;
    assert_eq!(g, m2.generation + 1, "generations only go forward");
    let (m3, html) = assert_complete_site(&fetcher, &reader).await;
    assert!(m3.same_content(&m1));
    assert!(!html.contains("source7 story number 10"));
}

/// GC keeps what the live manifest and the kept generations name, deletes the rest.
pub async fn gc_keeps_what_is_named(kind: &str) {
    let (fetcher, reader, _dir) = stores(kind);
    let (server, mut config) = feeds(3).await;
    config.sites[0].keep_generations = 2;
    config.sites[0].gc_grace_secs = 0;
    let mut manifests = vec![];
    for n in 0..5 {
        server.set("/f0.xml", feed(0, 10 + n));
        sync(&config, &fetcher, &force()).await.unwrap();
        manifests.push(live_manifest(&fetcher, "test").await.unwrap().unwrap().0);
    }
    assert_complete_site(&fetcher, &reader).await;
    // A frontend still holding the previous generation finds all of its objects.
    let previous = &manifests[3];
    for key in previous.object_keys() {
        assert!(
            fetcher.exists(&key).await.unwrap(),
            "generation {} lost {key}",
            previous.generation
        );
    }
    let generations = fetcher
        .list(&Key::generations_prefix("test"))
        .await
        .unwrap();
    assert_eq!(
        generations.len(),
        2,
        "only the newest 2 generation records are kept"
    );
    let oldest_only: Vec<String> = manifests[0]
        .object_keys()
        .into_iter()
        .filter(|k| !manifests[3..].iter().any(|m| m.object_keys().contains(k)))
        .collect();
    assert!(!oldest_only.is_empty());
    for key in oldest_only {
        assert!(
            !fetcher.exists(&key).await.unwrap(),
            "{key} is named by no kept generation and was not collected"
        );
    }
}

/// Two shards publishing at the same time lose no feed's state and never make a manifest live
/// that names a missing object; the next pass shows every feed's news.
pub async fn concurrent_shards(kind: &str) {
    let (fetcher, reader, _dir) = stores(kind);
    let (server, config) = feeds(8).await;
    let shard = |i| SyncOptions {
        force: true,
        shard: Shard { index: i, count: 2 },
        ..Default::default()
    };
    for round in 0..3 {
        for i in 0..8 {
            server.set(&format!("/f{i}.xml"), feed(i, 10 + round));
        }
        let (s0, s1) = (shard(0), shard(1));
        let (a, b) = tokio::join!(sync(&config, &fetcher, &s0), sync(&config, &fetcher, &s1));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.feeds + b.feeds, 8, "each feed has one shard");
        let (_, html) = assert_complete_site(&fetcher, &reader).await;
        if fetcher.supports_conditional_writes() {
            // The loser of the race rendered again on top of the winner's news.
            for i in 0..8 {
                assert!(
                    html.contains(&format!("source{i} story number {}", 9 + round)),
                    "round {round}: source{i}"
                );
            }
        }
    }
    // Any shard renders from all state: one more quiet pass shows everyone's latest news.
    sync(&config, &fetcher, &shard(0)).await.unwrap();
    let (_, html) = assert_complete_site(&fetcher, &reader).await;
    for i in 0..8 {
        assert!(
            html.contains(&format!("source{i} story number 11")),
            "source{i}'s last news is on the page"
        );
    }
    let states = fetcher.list("state/fetch/").await.unwrap();
    assert_eq!(states.len(), 2, "one fetch-state object per shard");
}

/// A rollback pins the site: passes with news record generations but leave the live site
/// alone, until `release` makes the newest content live.
pub async fn rollback_holds_until_released(kind: &str) {
    let (fetcher, reader, _dir) = stores(kind);
    let (server, config) = feeds(3).await;
    let now = chrono::Utc::now;

    sync(&config, &fetcher, &force()).await.unwrap();
    let (m1, _) = assert_complete_site(&fetcher, &reader).await;
    // With one generation there is nothing to go back to, and the error says what exists.
    let e = publish::pin::rollback(&fetcher, "test", None, now())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no generation before the live one (1)") && e.contains("kept generations: 1"),
        "{e}"
    );

    server.set("/f0.xml", feed(0, 11));
    sync(&config, &fetcher, &force()).await.unwrap();
    let (m2, html) = assert_complete_site(&fetcher, &reader).await;
    assert!(html.contains("source0 story number 10"));

    // The default target is the generation live before the current one.
    let moved = publish::pin::rollback(&fetcher, "test", None, now())
        .await
        .unwrap();
    assert_eq!(
        (moved.content_of, moved.replaced),
        (m1.generation, m2.generation)
    );
    let (m3, html) = assert_complete_site(&fetcher, &reader).await;
    assert!(m3.same_content(&m1) && m3.pinned.is_some());
    assert!(!html.contains("source0 story number 10"));
    let pinned = || async {
        let app = app_on(&reader, Default::default()).await;
        get(&app, "/metrics", &[]).await.text()
    };
    assert!(
        pinned()
            .await
            .contains("newsdesk_site_pinned{site=\"test\"} 1"),
        "the pin shows in the frontend's metrics"
    );

    // News keeps being fetched and recorded, but the live site stays where it was pinned.
    server.set("/f1.xml", feed(1, 12));
    let held = sync(&config, &fetcher, &force()).await.unwrap();
    assert_eq!(held.sites_published, 0, "{held}");
    assert_eq!(held.sites_pinned, vec![("test".to_string(), m3.generation)]);
    assert!(held.to_string().contains("pinned at generation"), "{held}");
    let (still, html) = assert_complete_site(&fetcher, &reader).await;
    assert_eq!(still, m3, "the pinned manifest is untouched");
    assert!(!html.contains("source1 story number 11"));
    // A second pass with nothing new records nothing more.
    let quiet = sync(&config, &fetcher, &force()).await.unwrap();
    assert_eq!(quiet.publish.objects_written, 0, "{quiet}");

    let e = publish::pin::rollback(&fetcher, "test", Some(99), now())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("generation 99") && e.contains("kept generations: 1, 2, 3, 4"),
        "{e}"
    );

    let released = publish::pin::release(&fetcher, "test", now())
        .await
        .unwrap();
    assert_eq!(released.replaced, m3.generation);
    let (m5, html) = assert_complete_site(&fetcher, &reader).await;
    assert_eq!(m5.generation, released.live);
    assert!(m5.pinned.is_none());
    assert!(html.contains("source0 story number 10") && html.contains("source1 story number 11"));
    assert!(
        pinned()
            .await
            .contains("newsdesk_site_pinned{site=\"test\"} 0")
    );
    assert!(matches!(
        publish::pin::release(&fetcher, "test", now()).await,
        Err(publish::pin::PinError::NotPinned(_))
    ));
    // Unpinned, passes publish again.
    server.set("/f2.xml", feed(2, 13));
    let s = sync(&config, &fetcher, &force()).await.unwrap();
    assert_eq!(s.sites_published, 1, "{s}");
}

/// Two deployments (two configs) registering their sites in one bucket at the same moment:
/// both end up in the site index, on stores with and without conditional writes.
pub async fn concurrent_deployments_keep_both_sites(kind: &str) {
    let (fetcher, _reader, _dir) = stores(kind);
    let entry = |name: &str| newsdesk::store::manifest::SiteEntry {
        name: name.into(),
        title: name.into(),
        hosts: vec![format!("{name}.example")],
        generation: None,
    };
    for round in 0..3 {
        let (a, b) = (entry(&format!("a{round}")), entry(&format!("b{round}")));
        let (ra, rb) = tokio::join!(
            publish::index::register(&fetcher, std::slice::from_ref(&a)),
            publish::index::register(&fetcher, std::slice::from_ref(&b)),
        );
        ra.unwrap();
        rb.unwrap();
        let (index, _) = publish::index::read(&fetcher).await.unwrap();
        let names: Vec<&str> = index.sites.iter().map(|s| s.name.as_str()).collect();
        for r in 0..=round {
            for side in ["a", "b"] {
                assert!(
                    names.contains(&format!("{side}{r}").as_str()),
                    "round {round}: {names:?}"
                );
            }
        }
    }
}

/// Two admins saving the headline block at once, 3 times: each time both versions are kept,
/// exactly one is current and the other is told which (more in tests/quick/headlines.rs).
pub async fn concurrent_headline_saves(kind: &str) {
    use newsdesk::headlines::{AdminIndex, Block, SaveOutcome, blocks};
    let (store, _reader, _dir) = stores(kind);
    let now = chrono::Utc::now;
    let mut base = blocks::save(&store, "s", Block::empty(), "web:0", None, None, now())
        .await
        .unwrap()
        .version;
    for round in 0..3 {
        let block = |who: &str| Block::from_html(&format!("<p>{who} {round}</p>")).unwrap();
        let (a, b) = tokio::join!(
            blocks::save(&store, "s", block("a"), "web:a", Some(&base), None, now()),
            blocks::save(&store, "s", block("b"), "web:b", Some(&base), None, now()),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let winner = match (&a.outcome, &b.outcome) {
            (SaveOutcome::Current, SaveOutcome::NotCurrent { current }) => {
                assert_eq!(current.as_deref(), Some(a.version.as_str()));
                a.version
            }
            (SaveOutcome::NotCurrent { current }, SaveOutcome::Current) => {
                assert_eq!(current.as_deref(), Some(b.version.as_str()));
                b.version
            }
            other => panic!("round {round}: exactly one save must be current: {other:?}"),
        };
        let (index, _) = AdminIndex::read(&store).await.unwrap();
        assert_eq!(index.block("s"), Some(winner.as_str()), "round {round}");
        base = winner;
    }
    assert_eq!(
        blocks::list(&store, "s").await.unwrap().len(),
        7,
        "every save is kept"
    );
}
