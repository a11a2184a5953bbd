//! The whole pipeline on feeds nobody here wrote: every file of the feed-rs fixture corpus
//! (`../shared/corpus/feed-rs-fixtures`, beside the repository) served on loopback, one site
//! listing them all, one sync. The test asserts how many reach the page, so a regression in
//! parsing or normalizing fails here; `cargo test --test quick corpus -- --nocapture` prints the
//! report kept in SCALING.md ("## Fetching").

use std::path::PathBuf;

use newsdesk::fetcher::{SyncOptions, sync};
use newsdesk::model::{FeedContent, feed_id};
use newsdesk::store::Key;

use crate::support::{Behavior, FeedServer, config_for, memory_store};

/// Feeds of the corpus whose entries reach the page. Every other one is listed, with why, in
/// SCALING.md; change both together.
const EXPECTED_ON_PAGE: usize = 64;

fn corpus_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/feed-rs-fixtures");
    assert!(
        dir.is_dir(),
        "the feed corpus is missing: expected {} (clone the shared/ folder beside the repository)",
        dir.display()
    );
    dir
}

#[tokio::test]
async fn the_feed_rs_corpus_reaches_the_page() {
    let mut files: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files.len(), 68, "the corpus README promises 68 feeds");

    let server = FeedServer::start().await;
    let mut urls = vec![];
    for file in &files {
        let body = std::fs::read(corpus_dir().join(file)).unwrap();
        let content_type = if file.ends_with(".json") {
            "application/feed+json"
        } else {
            "application/xml"
        };
        server.set(
            &format!("/{file}"),
            Behavior::Feed {
                body,
                content_type,
                etag: None,
            },
        );
        urls.push(server.url(&format!("/{file}")));
    }
    let store = memory_store();
    let summary = sync(&config_for(&urls), &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(summary.sites_published, 1);

    let mut on_page = 0;
    let mut report = vec![];
    for (file, url) in files.iter().zip(&urls) {
        let failure = summary
            .failures
            .iter()
            .find(|(u, _)| u == url)
            .map(|(_, e)| e);
        let content: Option<FeedContent> = store
            .get_json(&Key::FeedContent(feed_id(url)))
            .await
            .unwrap();
        let entries = content.as_ref().map_or(0, |c| c.entries.len());
        // Latin-1 and other declared encodings must arrive decoded, not as replacement marks.
        for e in content.iter().flat_map(|c| &c.entries) {
            assert!(
                !e.title.contains('\u{FFFD}'),
                "{file}: undecoded title {:?}",
                e.title
            );
        }
        match (failure, entries) {
            (None, n) if n > 0 => on_page += 1,
            (None, _) => report.push(format!(
                "{file}: parsed, but no entry has a title or an http(s) link"
            )),
            (Some(e), _) => report.push(format!("{file}: {} error: {}", e.kind, e.message)),
        }
    }
    println!(
        "{on_page} of {} corpus feeds reach the page; the others:",
        files.len()
    );
    for line in &report {
        println!("- {line}");
    }
    assert_eq!(on_page, EXPECTED_ON_PAGE, "{}", report.join("\n"));
}
