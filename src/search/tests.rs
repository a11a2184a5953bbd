//! The index on a store: what a pass writes, sealing, merging, expiry, and queries over parts.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::store::{Role, Store};

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

fn entry(feed: usize, n: usize, at: DateTime<Utc>) -> Entry {
    Entry {
        id: format!("{feed}-{n}"),
        title: format!("Story {n} of feed{feed} kernel"),
        link: Some(format!("https://example.org/{feed}/{n}")),
        published: Some(at),
        first_seen: at,
        summary: None,
        image: None,
    }
}

fn sources<'a>(feeds: &'a [Vec<Entry>], titles: &'a [String]) -> Vec<Source<'a>> {
    feeds
        .iter()
        .zip(titles)
        .enumerate()
        .map(|(i, (entries, title))| Source {
            feed_id: format!("feed{i}"),
            title,
            entries: entries.iter().collect(),
        })
        .collect()
}

async fn search(
    store: &Store,
    m: &SearchManifest,
    text: &str,
    skip: usize,
    take: usize,
) -> Vec<String> {
    let segs: Vec<&SegmentRef> = m.segments().collect();
    let newest: Vec<i64> = segs.iter().map(|s| s.newest.timestamp()).collect();
    let found = run(&newest, &Query::parse(text).unwrap(), skip, take, 0, |i| {
        let key = segs[i].terms.clone();
        async move {
            let bytes = store.fetch_path(&key).await?.unwrap();
            Ok::<_, StoreError>(Arc::new(Terms::decode(&bytes).unwrap()))
        }
    })
    .await
    .unwrap();
    // As a frontend reads them: only the chunk holding each result, by a range GET.
    let mut out = vec![];
    for hit in found.hits {
        let seg = segs[hit.part];
        let terms = Terms::decode(&store.fetch_path(&seg.terms).await.unwrap().unwrap()).unwrap();
        let (_, range) = terms.chunk_of(hit.doc).expect("segments have chunk tables");
        let chunk = store.fetch_range(&seg.docs, range).await.unwrap().unwrap();
        let docs: Vec<Doc> = serde_json::from_slice(&chunk).unwrap();
        out.push(docs[hit.doc as usize % DOCS_PER_CHUNK].title.clone());
    }
    out
}

#[tokio::test]
async fn entries_pushed_out_of_history_stay_found_and_a_pass_writes_what_changed() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let titles: Vec<String> = (0..3).map(|i| format!("Feed {i}")).collect();
    // Three feeds, history 40; each pass feed 0 gets one new entry and loses its oldest.
    let mut feeds: Vec<Vec<Entry>> = (0..3)
        .map(|f| {
            (0..40)
                .rev()
                .map(|n| entry(f, n, t0() + Duration::minutes(n as i64)))
                .collect()
        })
        .collect();
    let mut m = update(
        &store,
        "s",
        &SearchManifest::default(),
        &sources(&feeds, &titles),
        365,
        t0() + Duration::hours(1),
    )
    .await
    .unwrap()
    .manifest;
    assert_eq!(m.segments().map(|s| s.count).sum::<usize>(), 120);
    let unchanged = update(
        &store,
        "s",
        &m,
        &sources(&feeds, &titles),
        365,
        t0() + Duration::hours(1),
    )
    .await
    .unwrap();
    assert_eq!(
        unchanged.stats.objects_written, 0,
        "nothing new, nothing written"
    );
    assert_eq!(unchanged.manifest, m);
    let mut head_writes = vec![];
    for n in 40..400 {
        let at = t0() + Duration::minutes(n as i64);
        feeds[0].insert(0, entry(0, n, at));
        feeds[0].truncate(40);
        let u = update(&store, "s", &m, &sources(&feeds, &titles), 365, at)
            .await
            .unwrap();
        head_writes.push(u.stats.objects_written);
        m = u.manifest;
    }
    assert_eq!(
        m.segments().map(|s| s.count).sum::<usize>(),
        480,
        "every entry ever shown"
    );
    assert!(
        head_writes.iter().all(|&w| w == 2 || w == 4 || w == 6),
        "{head_writes:?}"
    );
    assert!(
        m.sealed.iter().all(|s| s.count == HEAD_DOCS),
        "sealed at the head's size"
    );
    assert_eq!(
        search(&store, &m, "story 3 of feed0", 0, 5).await,
        ["Story 3 of feed0 kernel"],
        "long pushed out of feed 0's history"
    );
    let newest = search(&store, &m, "kernel", 0, 3).await;
    assert_eq!(
        newest,
        [
            "Story 399 of feed0 kernel",
            "Story 398 of feed0 kernel",
            "Story 397 of feed0 kernel"
        ]
    );
    let page2 = search(&store, &m, "kernel", 3, 3).await;
    assert_eq!(
        page2,
        [
            "Story 396 of feed0 kernel",
            "Story 395 of feed0 kernel",
            "Story 394 of feed0 kernel"
        ]
    );
}

#[tokio::test]
async fn segments_merge_by_level_and_expire_after_archive_days() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let titles = vec!["Feed".to_string()];
    let mut m = SearchManifest::default();
    let per_pass = HEAD_DOCS;
    for pass in 0..(FANOUT + 1) {
        let at = t0() + Duration::days(pass as i64);
        let feed: Vec<Entry> = (0..per_pass)
            .map(|n| entry(0, pass * per_pass + n, at + Duration::seconds(n as i64)))
            .collect();
        m = update(
            &store,
            "s",
            &m,
            &sources(&[feed], &titles),
            365,
            at + Duration::hours(1),
        )
        .await
        .unwrap()
        .manifest;
    }
    let levels: Vec<u8> = m.sealed.iter().map(|s| s.level).collect();
    assert_eq!(
        levels,
        [1, 0],
        "eight of level 0 merged into one of level 1"
    );
    assert_eq!(
        m.segments().map(|s| s.count).sum::<usize>(),
        (FANOUT + 1) * HEAD_DOCS
    );
    // Results deep in the merged segment come from their own chunk of its documents.
    for n in [3, 700, 1500, 2047] {
        assert_eq!(
            search(&store, &m, &format!("story {n} feed0"), 0, 5).await,
            [format!("Story {n} of feed0 kernel")]
        );
    }
    // A year later, everything but the last pass's segment has expired.
    let later = t0() + Duration::days(365 + FANOUT as i64) - Duration::hours(1);
    let m2 = update(&store, "s", &m, &sources(&[vec![]], &titles), 365, later)
        .await
        .unwrap()
        .manifest;
    assert_eq!(m2.sealed.len(), 1);
    assert_eq!(m2.sealed[0].level, 0);
    // The merged-away and expired segments go once past the grace period, named ones stay.
    let deleted = sweep(
        &store,
        "s",
        &m2,
        std::time::Duration::ZERO,
        Utc::now() + Duration::seconds(1),
    )
    .await
    .unwrap();
    assert!(deleted > 0);
    let left = store.list(&Key::search_prefix("s")).await.unwrap().len();
    assert_eq!(left, 2 * m2.segments().count());
    assert_eq!(
        sweep(
            &store,
            "s",
            &m2,
            std::time::Duration::from_secs(3600),
            Utc::now()
        )
        .await
        .unwrap(),
        0
    );
}

#[test]
fn bad_queries_are_refused_with_a_reason() {
    assert_eq!(Query::parse(""), Err(QueryError::Empty));
    assert_eq!(Query::parse(" .*+? "), Err(QueryError::Empty));
    assert_eq!(Query::parse(&"a".repeat(10_000)), Err(QueryError::TooLong));
    assert_eq!(
        Query::parse("a b c d e f g h i"),
        Err(QueryError::TooManyWords)
    );
    assert_eq!(Query::parse("Café!").unwrap().words, ["cafe"]);
}
