//! Garage nodes this test starts itself with scripts/garage.sh: a 3-node cluster
//! (replication_factor = 3) keeps working with one node stopped, and a store that dies
//! mid-publish leaves the live site as it was until the next run finishes the work.

use std::time::Duration;

use axum::http::StatusCode;
use newsdesk::fetcher::{SyncOptions, sync};
use newsdesk::frontend::Options;
use newsdesk::store::publish::{Object, Publication, RetryPolicy, publish_retrying};
use newsdesk::store::{Role, Store};

use crate::support::bucket::{Cluster, assert_complete_site, feed, feeds};
use crate::support::{app_on, force, get};

/// Base port of the cluster: nodes use 39600..39611, apart from the single node of test.sh.
const PORT: u16 = 39600;
/// The single node that is stopped mid-publish: 39620..39623.
const SINGLE_PORT: u16 = 39620;

#[tokio::test]
async fn sync_and_frontend_survive_one_stopped_node() {
    let cluster = Cluster::start(3, PORT);
    let url = cluster.store_url("cluster");
    let fetcher = Store::open(&url, Role::Fetcher).unwrap();
    let (server, config) = feeds(5).await;
    sync(&config, &fetcher, &SyncOptions::default())
        .await
        .unwrap();
    let (before, _) =
        assert_complete_site(&fetcher, &Store::open(&url, Role::Frontend).unwrap()).await;

    cluster.stop_node(2);
    server.set("/f3.xml", feed(3, 11));
    let s = sync(&config, &fetcher, &force()).await.unwrap();
    assert_eq!((s.new_entries, s.sites_published), (1, 1), "{s}");
    // A frontend started after the node died loads the new generation whole.
    let (after, html) =
        assert_complete_site(&fetcher, &Store::open(&url, Role::Frontend).unwrap()).await;
    assert_eq!(after.generation, before.generation + 1);
    assert!(html.contains("source3 story number 10"));
}

#[tokio::test]
async fn a_store_failing_mid_publish_leaves_the_live_site_and_the_next_run_finishes() {
    let mut cluster = Cluster::start(1, SINGLE_PORT);
    let url = cluster.store_url("failure");
    let fetcher = Store::open(&url, Role::Fetcher).unwrap();
    let (server, config) = feeds(3).await;
    sync(&config, &fetcher, &SyncOptions::default())
        .await
        .unwrap();
    let (live, _) =
        assert_complete_site(&fetcher, &Store::open(&url, Role::Frontend).unwrap()).await;

    let app = app_on(
        &Store::open(&url, Role::Frontend).unwrap(),
        Options::default(),
    )
    .await;
    assert_eq!(get(&app, "/", &[]).await.status, StatusCode::OK);

    cluster.stop_node(0);
    // A frontend gives up on the dead bucket (in seconds: its client's timeouts) and keeps
    // serving the last good copy.
    let t = std::time::Instant::now();
    assert!(app.live.refresh().await.is_err(), "the bucket is down");
    println!("frontend noticed the dead bucket after {:?}", t.elapsed());
    let page = get(&app, "/", &[]).await;
    let html = page.text();
    assert_eq!(page.status, StatusCode::OK, "{html}");
    assert!(html.contains("source1 story number 9"));

    let publication = Publication {
        site: "test".into(),
        objects: vec![Object {
            name: "/".into(),
            label: None,
            ext: "html",
            bytes: "<!doctype html><p>new</p>".into(),
            compress: true,
        }],
        shared: vec![],
    };
    let policy = RetryPolicy {
        attempts: 2,
        first_delay: Duration::from_millis(100),
    };
    let err = publish_retrying(
        &fetcher,
        &publication,
        &Default::default(),
        chrono::Utc::now(),
        policy,
    )
    .await
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("publishing site test failed 2 times; the live site is unchanged"),
        "{message}"
    );

    cluster.restart();
    let (still, _) =
        assert_complete_site(&fetcher, &Store::open(&url, Role::Frontend).unwrap()).await;
    assert_eq!(still, live, "the live manifest is untouched");
    server.set("/f1.xml", feed(1, 11));
    let s = sync(&config, &fetcher, &force()).await.unwrap();
    assert_eq!(s.sites_published, 1, "{s}");
    let (after, html) =
        assert_complete_site(&fetcher, &Store::open(&url, Role::Frontend).unwrap()).await;
    assert_eq!(after.generation, live.generation + 1);
    assert!(html.contains("source1 story number 10"));
}
