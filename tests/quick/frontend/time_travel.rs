//! `/at/<when>` on `memory://` and `file://` (the scenario is tests/support/time_travel.rs;
//! the Garage tier runs it too), and what hostile times get.

use newsdesk::frontend::Options;

use crate::support::admin::Client;
use crate::support::time_travel::{publication, retention, simulated_days, time_travel};
use crate::support::{app_on, get, memory_store};

#[tokio::test]
async fn the_front_page_as_it_was_on_memory() {
    time_travel("memory").await;
}

#[tokio::test]
async fn the_front_page_as_it_was_on_file() {
    time_travel("file").await;
}

/// No time, however odd, gets a 5xx: malformed ones a 400, far ones a page or a 404.
#[tokio::test]
async fn hostile_times_get_a_4xx_or_a_page() {
    let store = memory_store();
    simulated_days(&store).await;
    let app = app_on(&store, Options::default()).await;
    let huge = "9".repeat(30_000);
    let cases: &[(&str, u16)] = &[
        // Years past 9999 take ISO 8601's sign; after the live page, they get it.
        ("/at/99999-01-01", 400),
        ("/at/+99999-01-01", 200),
        ("/at/0000-01-01", 404),
        ("/at/-0001-12-31", 404),
        ("/at/2026-02-29", 400),
        ("/at/2026-11-30T10:00:00-23:59", 404),
        ("/at/2026-11-30T10:00:00%2B24:00", 400),
        ("/at/2026-11-30T23:59:60Z", 404),
        ("/at/%E2%80%AE2026-11-30", 400),
        ("/at/%F0%9F%93%B0", 400),
        ("/at/%FF%FE", 400),
        ("/at/2026-11-30%00", 400),
        ("/at/..%2F..%2Fmanifest.json", 400),
        ("/at/9223372036854775807", 400),
        ("/at/-9223372036854775808-01-01", 400),
    ];
    let mut wrong = vec![];
    for (path, want) in cases {
        let got = get(&app, path, &[]).await.status.as_u16();
        if got != *want {
            wrong.push(format!("{path}: {got}, not {want}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    let reply = get(&app, &format!("/at/{huge}"), &[]).await;
    assert_eq!(reply.status, 400);
    // A path under it is no time at all.
    assert_eq!(get(&app, "/at/2026-11-30/x", &[]).await.status, 404);
}

/// Old pages not in the cache are charged to the client's network: past its share a 429 with
/// `Retry-After`; another network, and pages already in the cache, are still served.
#[tokio::test]
async fn old_pages_read_from_the_bucket_are_limited_per_client_network() {
    use newsdesk::frontend::live::ARCHIVED_PER_CLIENT;
    use newsdesk::render::choices::{FONTS, THEMES};

    let store = memory_store();
    let published = simulated_days(&store).await;
    let app = app_on(&store, Options::default()).await;
    let path = format!("/at/{}", published.days[4].format("%Y-%m-%d"));
    let greedy = Client::new(&app, "198.51.100.7:5000");
    // Each look is its own page: a miss each.
    let looks: Vec<String> = THEMES
        .iter()
        .flat_map(|(t, _)| FONTS.iter().map(move |(f, _)| format!("{t}.{f}")))
        .flat_map(|look| ["u", "n"].map(|u| format!("nd_prefs={look}.{u}")))
        .collect();
    assert!(
        looks.len() > ARCHIVED_PER_CLIENT as usize,
        "{}",
        looks.len()
    );
    let mut statuses = vec![];
    for look in &looks {
        statuses.push(greedy.get(&path, Some(look)).await.status.as_u16());
    }
    let served = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(served, ARCHIVED_PER_CLIENT as usize, "{statuses:?}");
    let refused = greedy.get(&path, Some(&looks[looks.len() - 1])).await;
    assert_eq!(refused.status, 429);
    assert!(
        refused
            .header(axum::http::header::RETRY_AFTER)
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    // Its neighbour in the same /24 shares the share; a page in the cache costs nothing.
    let neighbour = Client::new(&app, "198.51.100.200:5000");
    assert_eq!(
        neighbour
            .get(&path, Some(&looks[looks.len() - 1]))
            .await
            .status,
        429
    );
    assert_eq!(neighbour.get(&path, Some(&looks[0])).await.status, 200);
    let other = Client::new(&app, "203.0.113.9:5000");
    assert_eq!(
        other.get(&path, Some(&looks[looks.len() - 1])).await.status,
        200
    );
}

/// A frontend that read the timeline before GC deleted a record it names reads the timeline
/// again and answers from what is kept, never a 5xx.
#[tokio::test]
async fn a_record_collected_after_the_timeline_was_read_is_looked_up_again() {
    let store = memory_store();
    let published = simulated_days(&store).await;
    let app = app_on(&store, Options::default()).await;
    let day = |i: usize| published.days[i].format("%Y-%m-%d").to_string();
    // Reads and caches the timeline (and day 3's page only).
    assert_eq!(get(&app, &format!("/at/{}", day(3)), &[]).await.status, 200);
    // A later publish the frontend has not polled yet: day 5's noon page leaves the rollback
    // window and goes.
    let (p, _) = publication("day5 20h");
    let evening = published.days[5].and_hms_opt(20, 0, 0).unwrap().and_utc();
    newsdesk::store::publish::publish(&store, &p, &retention(), evening)
        .await
        .unwrap();
    let reply = get(&app, &format!("/at/{}T12:30:00Z", day(5)), &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(
        reply.text().contains("page of day3 18h"),
        "day 4 ended on the rollback to day 3's evening: {}",
        reply.text()
    );
}
