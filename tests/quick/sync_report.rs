//! What `newsdesk-fetcher sync` tells the person or machine running it: the table of failed
//! feeds with their error kind, JSON log lines with `--log-format json`, a progress bar on a
//! terminal and plain lines otherwise. The real binary against real loopback feed servers.

use std::process::Command;

use crate::support::{Behavior, FeedServer, config_toml, fetcher, rss};

/// A config with one site listing `paths` on `server`.
fn config(server: &FeedServer, paths: &[&str]) -> String {
    let feeds: Vec<String> = paths.iter().map(|p| server.url(p)).collect();
    config_toml(&feeds)
}

fn serve_three(server: &FeedServer) {
    server.set("/ok.xml", rss("ok", 3));
    server.set("/down.xml", Behavior::Status(500));
    server.set(
        "/notafeed.xml",
        Behavior::Feed {
            body: b"<html>hello</html>".to_vec(),
            content_type: "text/html",
            etag: None,
        },
    );
}

// The binary runs as another process while this runtime serves its feeds: two threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_ends_with_a_table_of_the_failed_feeds_and_their_kind() {
    let server = FeedServer::start().await;
    serve_three(&server);
    let out = fetcher(
        &config(&server, &["/ok.xml", "/down.xml", "/notafeed.xml"]),
        None,
        &["sync"],
        &[],
    );
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.trim_start().starts_with("FEED"))
        .unwrap_or_else(|| panic!("no table:\n{stdout}"));
    assert_eq!(lines[header - 1], "2 feeds failed:", "{stdout}");
    let row = |path: &str| {
        lines
            .iter()
            .find(|l| l.contains(&server.url(path)))
            .unwrap_or_else(|| panic!("{path} is not in the table:\n{stdout}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    // FEED, KIND, NEXT RETRY ("in 15m (12:15 UTC)"), REASON.
    assert_eq!(row("/down.xml")[1], "http", "{stdout}");
    assert_eq!(row("/down.xml")[2], "in", "{stdout}");
    assert!(
        row("/down.xml")
            .join(" ")
            .ends_with("the server answered HTTP 500")
    );
    assert_eq!(row("/notafeed.xml")[1], "parse", "{stdout}");
    assert!(
        !stdout.contains(&server.url("/ok.xml")),
        "a good feed is in the table:\n{stdout}"
    );
    // The one-line summary closes it.
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("sync: 3 feeds: 1 fetched, 0 not modified, 2 failed"),
        "{stdout}"
    );
    // Without a terminal: plain log lines, no bar.
    assert!(!stderr.contains("fetching ["), "{stderr}");
    assert!(
        stderr.contains("fetching due feeds") && stderr.contains("due=3"),
        "{stderr}"
    );

    // A pass where nothing failed has no table.
    let out = fetcher(&config(&server, &["/ok.xml"]), None, &["sync"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("FEED"), "{stdout}");
}

/// Every line of `stderr` is a JSON object; returns them.
fn json_lines(stderr: &[u8]) -> Vec<serde_json::Value> {
    let stderr = String::from_utf8_lossy(stderr);
    assert!(!stderr.trim().is_empty(), "nothing on stderr");
    stderr
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| {
                panic!("not a JSON line ({e}): {l}\n--- all of stderr:\n{stderr}")
            });
            assert!(v.is_object(), "{l}");
            v
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_format_json_writes_only_json_lines_on_stderr() {
    let server = FeedServer::start().await;
    serve_three(&server);
    // Every feed failing: per-feed warnings, then the exit-3 error, all as JSON.
    let out = fetcher(
        &config(&server, &["/down.xml"]),
        None,
        &["--log-format", "json", "sync"],
        &[],
    );
    assert_eq!(out.status.code(), Some(3));
    let events = json_lines(&out.stderr);
    let failed = events
        .iter()
        .find(|e| e["message"] == "feed failed")
        .expect("a `feed failed` event");
    assert_eq!(failed["kind"], "http");
    assert_eq!(failed["feed_url"], server.url("/down.xml"));
    assert_eq!(failed["level"], "WARN");
    assert!(
        events.iter().any(|e| e["level"] == "ERROR"
            && e["message"]
                .as_str()
                .is_some_and(|m| m.contains("every feed of site(s) test is failing"))),
        "{events:?}"
    );
    let done = events
        .iter()
        .find(|e| e["message"] == "sync done")
        .expect("a `sync done` event");
    assert_eq!(done["failed"], 1);
    // The table still goes to stdout, for the person reading the journal.
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 feed failed:"));

    // The environment sets it too, and a fatal error (a store path without file://) is JSON.
    let out = fetcher(
        &config(&server, &["/ok.xml"]),
        Some("/var/lib/newsdesk/bucket"),
        &["sync"],
        &[("NEWSDESK_LOG_FORMAT", "json")],
    );
    assert_eq!(out.status.code(), Some(1));
    let events = json_lines(&out.stderr);
    assert!(
        events.iter().any(|e| e["level"] == "ERROR"
            && e["message"]
                .as_str()
                .is_some_and(|m| m.contains("file:///var/lib/newsdesk/bucket"))),
        "{events:?}"
    );
}

#[test]
fn a_bad_log_format_is_refused_with_the_choices() {
    let out = fetcher("", None, &["--log-format", "xml", "sync"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("text") && stderr.contains("json"),
        "{stderr}"
    );
}

/// Single quotes for sh.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_sync_draws_a_progress_bar_and_clears_it() {
    let script = Command::new("script").arg("--version").output();
    assert!(
        script.is_ok_and(|o| o.status.success()),
        "`script` (util-linux) is missing: apt-get install bsdutils"
    );
    let server = FeedServer::start().await;
    serve_three(&server);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newsdesk.toml");
    std::fs::write(
        &path,
        config(&server, &["/ok.xml", "/down.xml", "/notafeed.xml"]),
    )
    .unwrap();
    let command = format!(
        "{} --config {} --store {} sync",
        quote(env!("CARGO_BIN_EXE_newsdesk-fetcher")),
        quote(path.to_str().unwrap()),
        quote(&format!("file://{}/bucket", dir.path().display())),
    );
    // `script` runs the command on a pseudo-terminal and copies what it shows to stdout.
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("NEWSDESK_LOG_FORMAT")
        .env("TERM", "xterm")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("fetching [") && shown.contains("/3 feeds"),
        "no progress bar on the terminal:\n{shown:?}"
    );
    // Cleared before the table: the erase-line sequence comes after the last bar frame.
    let last_bar = shown.rfind("/3 feeds").unwrap();
    assert!(shown[last_bar..].contains("\x1b[2K"), "{shown:?}");
    assert!(shown.contains("2 feeds failed:"), "{shown}");
}
