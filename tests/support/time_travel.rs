//! Time travel (`/at/<when>`) on a real store, run on `memory://` and `file://` in the quick
//! tier (tests/quick/frontend/time_travel.rs) and on Garage in the Garage tier: a site
//! published three times a day over six simulated days, a rollback, a publish held by it and the
//! release, garbage collection with `keep_generations = 2` and `archive_days = 3`; then what
//! the frontend serves for days and instants, and what is left in the bucket.
//!
//! The simulated days lie a month ahead of the real clock, so every object's real modification
//! time is before GC's cutoff, as it would be for days past.

use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use newsdesk::frontend::Options;
use newsdesk::store::manifest::SiteEntry;
use newsdesk::store::publish::{self, Object, Outcome, Publication, Retention, Shared, index, pin};
use newsdesk::store::timeline::Timeline;
use newsdesk::store::{Key, Store};
use sha2::{Digest, Sha256};

use super::conformance::stores;
use super::http::{Reply, get};
use super::site::app_on;

const SITE: &str = "test";

/// The front page and stylesheet of one publication, both telling which it is.
pub fn publication(label: &str) -> (Publication, String) {
    let css = format!("body {{ --which: \"{label}\"; }}\n");
    let stored = newsdesk::assets::hashed_name("style.css", css.as_bytes());
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<title>Test Report</title>\n\
         <link rel=\"stylesheet\" href=\"/assets/{stored}\">\n</head>\n<body>\n\
         <main><p>page of {label}</p></main>\n</body>\n</html>\n"
    );
    let p = Publication {
        site: SITE.into(),
        objects: vec![Object {
            name: "/".into(),
            label: None,
            ext: "html",
            bytes: Bytes::from(html),
            compress: true,
        }],
        shared: vec![Shared {
            name: "style.css".into(),
            stored: stored.clone(),
            bytes: Bytes::from(css),
        }],
    };
    (p, stored)
}

fn at(day: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    day.and_hms_opt(h, m, 0).unwrap().and_utc()
}

async fn make_live(store: &Store, generation: u64) {
    index::register(
        store,
        &[SiteEntry {
            name: SITE.into(),
            title: "Test Report".into(),
            hosts: vec!["test.example".into()],
            generation: Some(generation),
        }],
    )
    .await
    .unwrap();
}

/// What the simulated days left: the days, and the stylesheet of `day3 18h`.
pub struct Published {
    pub days: Vec<NaiveDate>,
    pub old_style: String,
}

/// What the scenario keeps: the newest 2, and 3 days; no grace.
pub fn retention() -> Retention {
    Retention {
        keep_generations: 2,
        archive_days: 3,
        grace: Duration::ZERO,
    }
}

/// Publishes six days (`day0`..`day5`, at 06, 12 and 18 h), rolls back on day 4 at 20 h to
/// `day3 18h`, publishes `day4 21h held` while pinned, releases it on day 5 at 05 h.
pub async fn simulated_days(store: &Store) -> Published {
    let retention = retention();
    let first = (Utc::now() + chrono::Days::new(30)).date_naive();
    let days: Vec<NaiveDate> = (0..6).map(|i| first + chrono::Days::new(i)).collect();
    let mut old_style = String::new();
    let mut day3_evening = 0;
    for (i, &day) in days.iter().enumerate() {
        if i == 5 {
            let moved = pin::release(store, SITE, at(day, 5, 0)).await.unwrap();
            make_live(store, moved.live).await;
        }
        for h in [6, 12, 18] {
            let label = format!("day{i} {h}h");
            let (p, style) = publication(&label);
            let done = publish::publish(store, &p, &retention, at(day, h, 0))
                .await
                .unwrap();
            assert!(done.gc_error.is_none(), "{:?}", done.gc_error);
            match done.outcome {
                Outcome::Live(g) => {
                    make_live(store, g).await;
                    if label == "day3 18h" {
                        (old_style, day3_evening) = (style, g);
                    }
                }
                other => panic!("{label}: {other:?}"),
            }
        }
        if i == 4 {
            let moved = pin::rollback(store, SITE, Some(day3_evening), at(day, 20, 0))
                .await
                .unwrap();
            make_live(store, moved.live).await;
            let (p, _) = publication("day4 21h held");
            let done = publish::publish(store, &p, &retention, at(day, 21, 0))
                .await
                .unwrap();
            assert!(matches!(done.outcome, Outcome::Held { .. }), "{done:?}");
        }
    }
    Published { days, old_style }
}

fn assert_archived(reply: &Reply, shows: &str, settled: bool) {
    let body = reply.text();
    assert_eq!(reply.status, 200, "{body}");
    assert!(
        body.contains(&format!("page of {shows}</p>")),
        "{shows}: {body}"
    );
    assert!(
        body.contains("<meta name=\"robots\" content=\"noindex\">"),
        "{body}"
    );
    assert!(body.contains("class=\"archived\""), "{body}");
    assert!(body.contains("<a href=\"/\">Today's page</a>"), "{body}");
    assert_eq!(
        reply.header(axum::http::header::HeaderName::from_static("x-robots-tag")),
        "noindex"
    );
    assert!(!reply.header(axum::http::header::ETAG).is_empty());
    let cache = reply.header(axum::http::header::CACHE_CONTROL);
    assert_eq!(
        cache == "public, max-age=31536000, immutable",
        settled,
        "{shows}: {cache}"
    );
}

/// The whole scenario on the store `kind`.
pub async fn time_travel(kind: &str) {
    let (fetcher, reader, _dir) = stores(kind);
    let Published { days, old_style } = simulated_days(&fetcher).await;
    let day = |i: usize| days[i].format("%Y-%m-%d").to_string();
    let app = app_on(&reader, Options::default()).await;

    // The old stylesheet is known to no loaded generation: a 404 that costs no bucket read.
    let asset = format!("/assets/{old_style}");
    assert_eq!(get(&app, &asset, &[]).await.status, 404);

    // Day 4 ended on the rollback to day 3's evening page; the page recorded while pinned
    // was never live and is never shown.
    let reply = get(
        &app,
        &format!("/at/{}", day(4)),
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(reply.header(axum::http::header::CONTENT_ENCODING), "gzip");
    let reply = get(&app, &format!("/at/{}", day(4)), &[]).await;
    assert_archived(&reply, "day3 18h", true);
    let etag = reply.header(axum::http::header::ETAG).to_string();
    let again = get(
        &app,
        &format!("/at/{}", day(4)),
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(again.status, 304);
    let reply = get(&app, &format!("/at/{}T21:30:00Z", day(4)), &[]).await;
    assert_archived(&reply, "day3 18h", true);

    // The assets of the old page are served now that its generation was read.
    let css = get(&app, &asset, &[]).await;
    assert_eq!(css.status, 200);
    assert!(css.text().contains("day3 18h"), "{}", css.text());

    // Day 3 ends on its evening page; day 4's noon page is gone (not its day's last, outside
    // the rollback window), so noon on day 4 finds day 3's evening, which is settled.
    assert_archived(
        &get(&app, &format!("/at/{}", day(3)), &[]).await,
        "day3 18h",
        true,
    );
    assert_archived(
        &get(&app, &format!("/at/{}T12:30:00%2B00:00", day(4)), &[]).await,
        "day3 18h",
        true,
    );
    // Noon today is in the rollback window; the evening replaced it the same day: not settled.
    assert_archived(
        &get(&app, &format!("/at/{}T07:30:00-05:00", day(5)), &[]).await,
        "day5 12h",
        false,
    );
    // Today, and any time after the live generation: the live page, never frozen.
    assert_archived(
        &get(&app, &format!("/at/{}", day(5)), &[]).await,
        "day5 18h",
        false,
    );
    assert_archived(&get(&app, "/at/9999-12-31", &[]).await, "day5 18h", false);

    // Day 2 is outside archive_days = 3: before the first page kept.
    for before in [day(2), "1970-01-01".into(), "-0001-01-01".into()] {
        let reply = get(&app, &format!("/at/{before}"), &[]).await;
        assert_eq!(reply.status, 404, "{before}");
        assert!(
            reply.text().contains("<a href=\"/\">Today's page</a>"),
            "{}",
            reply.text()
        );
        assert_eq!(reply.header(axum::http::header::CACHE_CONTROL), "no-store");
    }
    let reply = get(&app, "/at/last-tuesday", &[]).await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.text().contains("<a href=\"/\">Today's page</a>"),
        "{}",
        reply.text()
    );

    // In the bucket: day 3's and day 4's last pages, and the newest two.
    let mut kept: Vec<u64> = fetcher
        .list(&Key::generations_prefix(SITE))
        .await
        .unwrap()
        .iter()
        .filter_map(|m| Key::parse_generation(m.location.as_ref()))
        .collect();
    kept.sort_unstable();
    let timeline = Timeline::read(&fetcher, SITE).await.unwrap();
    let listed: Vec<u64> = timeline.moments.iter().map(|m| m.generation).collect();
    assert_eq!(kept, listed, "the timeline lists what is kept");
    assert_eq!(kept.len(), 4, "{:?}", timeline.moments);
    for g in &kept {
        let m = fetcher
            .get_json::<newsdesk::store::manifest::Manifest>(&Key::Generation(SITE.into(), *g))
            .await
            .unwrap()
            .unwrap();
        assert!(!m.held, "the held record is not kept for its day");
        for key in m.object_keys() {
            assert!(fetcher.exists(&key).await.unwrap(), "{g} lost {key}");
        }
    }
    // The pages no kept record names went with their records (swept once a day).
    for i in 0..3 {
        for h in [6, 12, 18] {
            let (p, _) = publication(&format!("day{i} {h}h"));
            let hash = hex::encode(&Sha256::digest(&p.objects[0].bytes)[..16]);
            let key = Key::Blob {
                site: SITE.into(),
                name: format!("{hash}.html"),
            };
            assert!(
                !fetcher.exists(&key.to_string()).await.unwrap(),
                "day{i} {h}h"
            );
        }
    }
}
