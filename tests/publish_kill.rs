//! SIGKILL the fetcher binary at pseudo-random points of a sync against Garage, 20 times: the
//! frontend always serves a complete site, and the next run finishes the work.

mod bucket;
mod common;

use std::process::{Command, Stdio};
use std::time::Instant;

use bucket::{assert_complete_site, feed, garage_url};
use common::{FeedServer, config_toml};
use newsdesk::store::{Role, Store};

const FEEDS: usize = 10;
const KILLS: u64 = 20;

/// A deterministic spread of numbers in [0, 1) (splitmix64), so a failure can be replayed.
fn fraction(i: u64) -> f64 {
    let mut z = i
        .wrapping_add(0x9e37_79b9_7f4a_7c15)
        .wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z >> 11) as f64 / (1u64 << 53) as f64
}

fn fetcher(config: &std::path::Path, store: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsdesk-fetcher"));
    cmd.args([
        "--config",
        config.to_str().unwrap(),
        "--store",
        store,
        "sync",
        "--force",
    ])
    .env("RUST_LOG", "warn")
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    cmd
}

// Multi-threaded: the test thread blocks on the child while the feed server keeps answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_publishes_never_leave_a_broken_site() {
    let url = garage_url("kill");
    let store = Store::open(&url, Role::Fetcher).unwrap();
    let reader = Store::open(&url, Role::Frontend).unwrap();
    let server = FeedServer::start().await;
    let urls: Vec<String> = (0..FEEDS)
        .map(|i| server.url(&format!("/f{i}.xml")))
        .collect();
    for i in 0..FEEDS {
        server.set(&format!("/f{i}.xml"), feed(i, 10));
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("newsdesk.toml");
    std::fs::write(&config, config_toml(&urls)).unwrap();

    // A live site to protect, then one whole run with news, to know how long a publish takes.
    assert!(fetcher(&config, &url).status().unwrap().success());
    for f in 0..FEEDS {
        server.set(&format!("/f{f}.xml"), feed(f, 10 + FEEDS));
    }
    let t = Instant::now();
    assert!(
        fetcher(&config, &url)
            .stderr(Stdio::inherit())
            .env("RUST_LOG", "info")
            .status()
            .unwrap()
            .success()
    );
    let full = t.elapsed();
    println!("a whole sync takes {full:?}");
    assert_complete_site(&store, &reader).await;

    let mut killed = 0;
    for i in 0..KILLS {
        // New news every round, so every run has a publish to interrupt.
        for f in 0..FEEDS {
            server.set(&format!("/f{f}.xml"), feed(f, 11 + i as usize));
        }
        // Most of a run is fetching and compressing; the kills gather where the uploads are.
        let delay = full.mul_f64(0.4 + 0.7 * fraction(i));
        let mut child = fetcher(&config, &url).spawn().unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        let (manifest, _) = assert_complete_site(&store, &reader).await;
        println!(
            "round {i}: killed after {delay:?}; live generation {}",
            manifest.generation
        );
    }
    assert!(
        killed >= KILLS / 2,
        "only {killed} of {KILLS} runs were killed before they finished"
    );

    // The next run completes the work: the latest news of every feed is live.
    assert!(fetcher(&config, &url).status().unwrap().success());
    let (_, html) = assert_complete_site(&store, &reader).await;
    for f in 0..FEEDS {
        assert!(
            html.contains(&format!("source{f} story number {}", 9 + KILLS)),
            "source{f} is up to date"
        );
    }
}
