//! A 3-node Garage cluster (replication_factor = 3), started by this test with
//! scripts/garage.sh: with one node stopped, a sync still publishes and a frontend still serves.

mod bucket;
mod common;

use bucket::{Cluster, assert_complete_site, feed, feeds, force};
use newsdesk::store::{Role, Store};
use newsdesk::sync::{SyncOptions, sync};

/// Base port of the cluster: nodes use 39600..39611, apart from the single node of test.sh.
const PORT: u16 = 39600;

#[tokio::test]
async fn sync_and_frontend_survive_one_stopped_node() {
    let cluster = Cluster::start(3, PORT);
    // The store reads credentials from the environment, like the binaries do.
    // SAFETY: set once, before any other thread of this test binary reads the environment.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", &cluster.env["AWS_ACCESS_KEY_ID"]);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", &cluster.env["AWS_SECRET_ACCESS_KEY"]);
    }
    let url = cluster.store_url("cluster");
    let fetcher = Store::open(&url, Role::Fetcher).unwrap();
    let (server, config) = feeds(5).await;
    sync(&config, &fetcher, &SyncOptions::default()).await.unwrap();
    let (before, _) = assert_complete_site(&fetcher, &Store::open(&url, Role::Frontend).unwrap()).await;

    cluster.stop_node(2);
    server.set("/f3.xml", feed(3, 11));
    let s = sync(&config, &fetcher, &force()).await.unwrap();
    assert_eq!((s.new_entries, s.sites_published), (1, 1), "{s}");
    // A frontend started after the node died loads the new generation whole.
    let (after, html) = assert_complete_site(&fetcher, &Store::open(&url, Role::Frontend).unwrap()).await;
    assert_eq!(after.generation, before.generation + 1);
    assert!(html.contains("source3 story number 10"));
}
