//! The frontend's side: `/api/weather` for a point, wanted cells end to end, bad input, the
//! grid's edges, and a flood of random coordinates.

use std::sync::atomic::Ordering::Relaxed;

use chrono::Utc;
use newsdesk::frontend::{self, weather::WeatherOptions};
use newsdesk::weather::Cell;

use super::provider::{OpenMeteoServer, high_at};
use super::{
    config, detroit, frontend_on, get, get_from, index, markers, memory_store, pass, sync_now,
    uncached,
};
use crate::support::rng::Rng;

#[tokio::test]
async fn a_wanted_cell_is_recorded_then_fetched_then_served() {
    let server = OpenMeteoServer::start().await;
    let store = memory_store();
    let cfg = config(&server, "");
    sync_now(&cfg, &store).await;
    let app = frontend_on(&store, uncached()).await;
    let london = Cell::of(51.5072, -0.1276).unwrap();

    // A new cell: recorded as wanted, the site's place served meanwhile.
    let first = get(&app, "/api/weather?lat=51.5072&lon=-0.1276", &[]).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let v = first.json();
    assert_eq!(
        (v["source"].as_str(), v["pending"].as_bool()),
        (Some("site"), Some(true))
    );
    assert_eq!(v["place"], "Detroit");
    assert_eq!(v["cell"], detroit().id());
    assert_eq!(v["days"].as_array().unwrap().len(), 5);
    assert_eq!(
        first.header(axum::http::header::CACHE_CONTROL),
        "public, max-age=60"
    );
    assert_eq!(markers(&store).await, vec![london.id()]);
    // Asking again writes nothing new.
    get(&app, "/api/weather?lat=51.51&lon=-0.13", &[]).await;
    assert_eq!(app.weather.wanted.counters.written.load(Relaxed), 1);

    // The fetcher's next pass fetches it (the site's place is still fresh) and clears the marker.
    let summary = sync_now(&cfg, &store).await;
    let w = summary.weather.unwrap();
    assert_eq!((w.requests, w.new_cells, w.wanted_left), (1, 1, 0), "{w}");
    assert_eq!(server.requests().last(), Some(&london.center()));
    assert!(markers(&store).await.is_empty());

    // The same frontend now serves the reader's own cell.
    let v = get(&app, "/api/weather?lat=51.5072&lon=-0.1276", &[])
        .await
        .json();
    assert_eq!(
        (v["source"].as_str(), v["pending"].as_bool()),
        (Some("point"), Some(false))
    );
    assert_eq!(v["cell"], london.id());
    assert_eq!(v["lat"], london.center().0);
    assert_eq!(v["days"][0]["high_c"], high_at(london.center().0, 0));
    assert!(v["place"].is_null());
    assert_eq!(app.weather.wanted.counters.written.load(Relaxed), 1);
}

#[tokio::test]
async fn a_stale_cell_is_served_and_asked_for_again() {
    let server = OpenMeteoServer::start().await;
    let store = memory_store();
    let cfg = config(&server, "");
    sync_now(&cfg, &store).await;
    let app = frontend_on(&store, uncached()).await;
    get(&app, "/api/weather?lat=10&lon=10", &[]).await;
    pass(&cfg, &store, Utc::now()).await;
    // Four hours later the fetcher refreshes the site's place only: nobody asked for (10, 10).
    let later = Utc::now() + chrono::Duration::hours(4);
    let w = pass(&cfg, &store, later).await;
    assert_eq!(w.requests, 1, "{w}");
    // A frontend that has not asked for it lately finds it stale, serves it and asks again.
    let other = frontend_on(&store, uncached()).await;
    let ten = Cell::of(10.0, 10.0).unwrap();
    let fetched = index(&store).await.cells[&ten.id()].fetched_at;
    // Make the cell's forecast look old to the frontend's clock: rewrite the index.
    let mut idx = index(&store).await;
    idx.cells.get_mut(&ten.id()).unwrap().fetched_at =
        Some(Utc::now() - chrono::Duration::hours(4));
    store
        .put(
            &newsdesk::store::Key::WeatherIndex,
            bytes::Bytes::from(serde_json::to_vec(&idx).unwrap()),
        )
        .await
        .unwrap();
    let v = get(&other, "/api/weather?lat=10&lon=10", &[]).await.json();
    assert_eq!(v["source"], "point", "a stale forecast beats none");
    assert_eq!(markers(&store).await, vec![ten.id()]);
    let w = pass(&cfg, &store, later + chrono::Duration::minutes(1)).await;
    assert_eq!((w.requests, w.new_cells), (1, 0), "{w}");
    assert!(index(&store).await.cells[&ten.id()].fetched_at > fetched);
}

#[tokio::test]
async fn bad_coordinates_get_a_400_with_a_reason() {
    let server = OpenMeteoServer::start().await;
    let store = memory_store();
    sync_now(&config(&server, ""), &store).await;
    let app = frontend_on(&store, uncached()).await;
    for (query, reason) in [
        ("lat=abc&lon=1", "lat must be a number between -90 and 90"),
        ("lat=90.5&lon=1", "lat must be a number between -90 and 90"),
        (
            "lat=1&lon=-180.01",
            "lon must be a number between -180 and 180",
        ),
        ("lat=NaN&lon=1", "lat must be a number between -90 and 90"),
        (
            "lat=1&lon=1e999",
            "lon must be a number between -180 and 180",
        ),
        ("lat=1", "lat and lon must be given together"),
        ("lon=%FF%FE", "lat and lon must be given together"),
    ] {
        let r = get(&app, &format!("/api/weather?{query}"), &[]).await;
        assert_eq!(r.status, 400, "{query}");
        assert_eq!(r.text(), format!("{reason}\n"), "{query}");
        assert_eq!(r.header(axum::http::header::CACHE_CONTROL), "no-store");
    }
    assert!(markers(&store).await.is_empty());
}

#[tokio::test]
async fn the_poles_and_the_antimeridian_each_make_one_marker() {
    let server = OpenMeteoServer::start().await;
    let store = memory_store();
    sync_now(&config(&server, ""), &store).await;
    let app = frontend_on(&store, uncached()).await;
    for q in [
        "lat=90&lon=0",
        "lat=90&lon=179.9",
        "lat=89.9&lon=-120",
        "lat=-90&lon=45",
        "lat=-89.95&lon=-180",
        "lat=0&lon=180",
        "lat=0&lon=-180",
        "lat=0.01&lon=-179.99",
    ] {
        assert_eq!(
            get(&app, &format!("/api/weather?{q}"), &[]).await.status,
            200,
            "{q}"
        );
    }
    let expected = {
        let mut v = vec![
            Cell::of(90.0, 0.0).unwrap().id(),
            Cell::of(-90.0, 0.0).unwrap().id(),
            Cell::of(0.0, 180.0).unwrap().id(),
        ];
        v.sort();
        v
    };
    assert_eq!(markers(&store).await, expected);
}

#[tokio::test]
async fn a_site_without_a_place_has_no_strip_and_no_weather() {
    let server = OpenMeteoServer::start().await;
    let store = memory_store();
    let text = super::config_text(&server, "");
    let text = &text[..text.find("[sites.weather]").unwrap()];
    let cfg = newsdesk::config::parse(text, "t").unwrap();
    let summary = sync_now(&cfg, &store).await;
    assert_eq!(summary.weather.unwrap().requests, 0);
    let app = frontend_on(&store, uncached()).await;
    assert!(
        !get(&app, "/", &[])
            .await
            .text()
            .contains("class=\"weather\"")
    );
    assert_eq!(get(&app, "/api/weather", &[]).await.status, 404);
    assert_eq!(get(&app, "/api/weather?lat=1&lon=1", &[]).await.status, 404);
    assert!(server.requests().is_empty());
}

/// `n` "random" coordinates, the same on every run.
fn coordinates(n: usize) -> Vec<(f64, f64)> {
    let mut rng = Rng(0);
    (0..n)
        .map(|_| {
            (
                rng.fraction() * 180.0 - 90.0,
                rng.fraction() * 360.0 - 180.0,
            )
        })
        .collect()
}

#[tokio::test]
async fn a_flood_of_random_coordinates_stays_bounded() {
    let server = OpenMeteoServer::start().await;
    let store = memory_store();
    let cfg = config(&server, "max_new_cells_per_pass = 5\nmax_cells = 12");
    sync_now(&cfg, &store).await;
    // Default caching (30 s), as a frontend runs.
    let app = frontend_on(&store, WeatherOptions::default()).await;
    let router = frontend::router(app.clone());
    let started = std::time::Instant::now();
    for (lat, lon) in coordinates(10_000) {
        let r = get_from(
            &router,
            &format!("/api/weather?lat={lat}&lon={lon}"),
            None,
            &[],
        )
        .await;
        assert_eq!(r.status, 200);
    }
    let c = &app.weather.wanted.counters;
    let written = c.written.load(Relaxed);
    // The flood comes from one client: its share of a minute's budget of markers (60 / 6),
    // plus one every 6 s while the flood lasted.
    let share = u64::from(newsdesk::frontend::weather::wanted::client_share(60));
    let budget = share + started.elapsed().as_secs() / 6 + 1;
    assert!(
        (share..=budget).contains(&written),
        "{written} markers written, budget {budget}"
    );
    assert!(c.limited.load(Relaxed) >= 9_800);
    assert_eq!(markers(&store).await.len() as u64, written);
    // The bucket was read for the index and the site's place, not once per coordinate.
    let reads = app.weather.counters.bucket_reads.load(Relaxed);
    assert!(reads <= 4, "{reads} bucket reads");
    eprintln!(
        "flood: 10000 requests in {} ms, {written} markers written, {reads} bucket reads, {} cells remembered",
        started.elapsed().as_millis(),
        app.weather.wanted.remembered().await
    );

    // The fetcher: a flood's backlog is cut to 10 x max_new, then 5 new cells a pass, and
    // never more than max_cells cells kept.
    let mut requests = server.requests().len();
    let mut now = Utc::now();
    for round in 0..20 {
        now += chrono::Duration::minutes(5);
        let w = pass(&cfg, &store, now).await;
        assert!(w.requests <= 5, "round {round}: {w}");
        assert!(w.warnings.is_empty(), "{:?}", w.warnings);
        assert!(index(&store).await.cells.len() <= 12);
        requests += w.requests;
        if round == 0 {
            assert!(w.wanted_left <= 45, "{w}");
        }
        if w.wanted_left == 0 {
            break;
        }
    }
    assert!(markers(&store).await.is_empty());
    assert_eq!(server.requests().len(), requests);
    assert!(requests <= 1 + 50, "{requests} requests to the provider");
    assert!(
        index(&store).await.cells.contains_key(&detroit().id()),
        "the site's place is never dropped"
    );
}
