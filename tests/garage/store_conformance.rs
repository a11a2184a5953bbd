//! The store conformance suite (tests/support/conformance.rs) on a real Garage node, started by
//! scripts/test.sh (these tests fail, never skip, without it), and the publishing figures of
//! SCALING.md.

use std::time::Instant;

use newsdesk::config::Config;
use newsdesk::fetcher::sync;
use newsdesk::store::Store;

use crate::support::bucket::{self, feed, feeds};
use crate::support::conformance::*;
use crate::support::force;

#[tokio::test]
async fn publish_protocol_on_garage() {
    publish_protocol("garage").await;
}

#[tokio::test]
async fn time_travel_on_garage() {
    crate::support::time_travel::time_travel("garage").await;
}

#[tokio::test]
async fn gc_on_garage() {
    gc_keeps_what_is_named("garage").await;
}

#[tokio::test]
async fn concurrent_shards_on_garage() {
    concurrent_shards("garage").await;
}

#[tokio::test]
async fn rollback_holds_until_released_on_garage() {
    rollback_holds_until_released("garage").await;
}

#[tokio::test]
async fn concurrent_deployments_keep_both_sites_on_garage() {
    concurrent_deployments_keep_both_sites("garage").await;
}

#[tokio::test]
async fn concurrent_headline_saves_on_garage() {
    concurrent_headline_saves("garage").await;
}

/// One forced pass: [objects written, bytes uploaded, milliseconds], from the bucket's listing.
async fn measure(config: &Config, fetcher: &Store) -> [u128; 3] {
    let before = bucket::listing(fetcher).await;
    let t = Instant::now();
    sync(config, fetcher, &force()).await.unwrap();
    let ms = t.elapsed().as_millis();
    let (keys, bytes) = bucket::written(&before, &bucket::listing(fetcher).await);
    [keys.len() as u128, u128::from(bytes), ms]
}

/// The figures in SCALING.md, "Publishing": run with `--nocapture` to read them.
#[tokio::test]
async fn publish_figures_on_garage() {
    const RUNS: usize = 3;
    const PASSES: [&str; 3] = ["first publish", "one changed feed", "no news"];
    let mut runs: [Vec<[u128; 3]>; 3] = Default::default();
    for run in 0..RUNS {
        let (fetcher, _, _) = stores("garage");
        let (server, config) = feeds(FEEDS).await;
        runs[0].push(measure(&config, &fetcher).await);
        server.set(&format!("/f{run}.xml"), feed(run, 11));
        runs[1].push(measure(&config, &fetcher).await);
        runs[2].push(measure(&config, &fetcher).await);
        assert!(
            runs[2][run][0] <= 2,
            "a pass with no news wrote {} objects",
            runs[2][run][0]
        );
    }
    println!(
        "\n| pass ({FEEDS} feeds, Garage, median of {RUNS}) | objects written | bytes uploaded | time |"
    );
    println!("| --- | ---: | ---: | ---: |");
    for (name, runs) in PASSES.iter().zip(runs) {
        let median = |column: usize| {
            let mut v: Vec<u128> = runs.iter().map(|r| r[column]).collect();
            v.sort();
            v[v.len() / 2]
        };
        println!(
            "| {name} | {} | {} | {} ms |",
            median(0),
            median(1),
            median(2)
        );
    }
}
