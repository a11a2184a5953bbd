//! The bucket: feeds to publish, a check that the live site is complete, the Garage node that
//! `scripts/test.sh` starts (read from the environment, never skipped), a 3-node cluster a test
//! starts itself with `scripts/garage.sh`, and a listing of the bucket to count what a pass
//! really wrote.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use axum::http::StatusCode;
use newsdesk::config::Config;
use newsdesk::frontend::Options;
use newsdesk::store::manifest::Manifest;
use newsdesk::store::publish::live_manifest;
use newsdesk::store::{Role, Store};

use super::feeds::{Behavior, FeedServer, generated, rss};
use super::http::get;
use super::site::{app_on, config_for};

/// The Garage store URL from the environment, under a prefix of its own so tests sharing the
/// bucket do not see each other. Fails (never skips) when the environment is not set.
pub fn garage_url(test: &str) -> String {
    let base = std::env::var("NEWSDESK_STORE").unwrap_or_default();
    let has_keys = std::env::var("AWS_ACCESS_KEY_ID").is_ok()
        && std::env::var("AWS_SECRET_ACCESS_KEY").is_ok();
    assert!(
        base.starts_with("s3://") && has_keys,
        "this test needs a real Garage node: run it through scripts/test.sh, or start one with \
         `scripts/garage.sh start --dir /tmp/garage --port 39400` and `set -a; . /tmp/garage/env; set +a` \
         (NEWSDESK_STORE={base:?}, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY set: {has_keys})"
    );
    with_prefix(&base, &unique(test))
}

/// A store name no other test run uses.
pub fn unique(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{test}-{}-{nanos}", std::process::id())
}

/// `s3://BUCKET?query` → `s3://BUCKET/PREFIX?query`.
pub fn with_prefix(url: &str, prefix: &str) -> String {
    let (head, query) = url.split_once('?').unwrap_or((url, ""));
    format!("{}/{prefix}?{query}", head.trim_end_matches('/'))
}

/// A Garage cluster started by a test through `scripts/garage.sh`, stopped on drop.
pub struct Cluster {
    pub dir: tempfile::TempDir,
    port: u16,
    nodes: usize,
    /// `KEY=value` lines as the script printed them.
    pub env: HashMap<String, String>,
}

impl Cluster {
    /// Starts the cluster and puts its credentials in this process's environment, where the
    /// store reads them (every cluster uses the same fixed test key).
    pub fn start(nodes: usize, port: u16) -> Cluster {
        let mut cluster = Cluster {
            dir: tempfile::tempdir().unwrap(),
            port,
            nodes,
            env: HashMap::new(),
        };
        cluster.restart();
        static CREDENTIALS: std::sync::Once = std::sync::Once::new();
        CREDENTIALS.call_once(|| {
            for key in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
                // scripts/test.sh's node has the same key: the environment other tests of this
                // binary read is then left alone.
                if std::env::var(key).ok().as_ref() != Some(&cluster.env[key]) {
                    // SAFETY: once, and only without scripts/test.sh's node, whose tests then
                    // fail before they open a store.
                    unsafe { std::env::set_var(key, &cluster.env[key]) };
                }
            }
        });
        cluster
    }

    /// Starts the stopped nodes again, on the same data.
    pub fn restart(&mut self) {
        let (port, nodes) = (self.port.to_string(), self.nodes.to_string());
        let out = script(&[
            "start",
            "--dir",
            path(self.dir.path()),
            "--port",
            &port,
            "--nodes",
            &nodes,
        ]);
        self.env = out
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('\'').to_string()))
            .collect();
    }

    pub fn store_url(&self, test: &str) -> String {
        with_prefix(&self.env["NEWSDESK_STORE"], &unique(test))
    }

    pub fn stop_node(&self, node: usize) {
        script(&[
            "stop",
            "--dir",
            path(self.dir.path()),
            "--node",
            &node.to_string(),
        ]);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(script_path())
            .args(["stop", "--dir", path(self.dir.path())])
            .status();
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn script_path() -> String {
    format!("{}/scripts/garage.sh", env!("CARGO_MANIFEST_DIR"))
}

fn script(args: &[&str]) -> String {
    let out = Command::new(script_path())
        .args(args)
        .output()
        .expect("scripts/garage.sh runs");
    assert!(
        out.status.success(),
        "garage.sh {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every object in the store: key → (etag or modification time, size).
pub async fn listing(store: &Store) -> HashMap<String, (String, u64)> {
    store
        .list("")
        .await
        .unwrap()
        .into_iter()
        .map(|m| {
            // Garage's ETag is the MD5 of the bytes: the time tells an identical rewrite apart.
            let version = format!(
                "{}/{}",
                m.e_tag.clone().unwrap_or_default(),
                m.last_modified.to_rfc3339()
            );
            (m.location.to_string(), (version, m.size))
        })
        .collect()
}

/// What changed between two listings: the keys written (new or rewritten) and their bytes.
pub fn written(
    before: &HashMap<String, (String, u64)>,
    after: &HashMap<String, (String, u64)>,
) -> (Vec<String>, u64) {
    let mut keys: Vec<String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, _)| k.clone())
        .collect();
    keys.sort();
    let bytes = keys.iter().map(|k| after[k].1).sum();
    (keys, bytes)
}

/// Opens a store URL for the fetcher, with the frontend's own handle beside it.
pub fn open_pair(url: &str) -> (Store, Store) {
    (
        Store::open(url, Role::Fetcher).unwrap(),
        Store::open(url, Role::Frontend).unwrap(),
    )
}

/// `n` loopback feeds `/f0.xml`.. of 10 entries each from `source0`.., and a config for them.
pub async fn feeds(n: usize) -> (FeedServer, Config) {
    let (server, urls) = generated("source", n, 10).await;
    (server, config_for(&urls))
}

/// The feed `/f{i}.xml` of [`feeds`] with `entries` entries.
pub fn feed(i: usize, entries: usize) -> Behavior {
    rss(&format!("source{i}"), entries)
}

/// Every object the live manifest names is in the store, and the frontend serves the whole page.
pub async fn assert_complete_site(fetcher: &Store, reader: &Store) -> (Manifest, String) {
    let (manifest, _) = live_manifest(fetcher, "test")
        .await
        .unwrap()
        .expect("a live manifest");
    for key in manifest.object_keys() {
        assert!(
            fetcher.exists(&key).await.unwrap(),
            "live generation {} names missing {key}",
            manifest.generation
        );
    }
    let app = app_on(reader, Options::default()).await;
    let page = get(&app, "/", &[]).await;
    let html = page.text();
    assert_eq!(page.status, StatusCode::OK, "{html}");
    assert!(html.trim_end().ends_with("</html>"), "the page is whole");
    (manifest, html)
}
