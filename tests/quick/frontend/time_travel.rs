//! `/at/<when>` on `memory://` and `file://` (the scenario is tests/support/time_travel.rs;
//! the Garage tier runs it too), and what hostile times get.

use newsdesk::frontend::Options;

use crate::support::time_travel::{simulated_days, time_travel};
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
