//! The fetcher's side: a real answer stored per cell, and every kind of failure keeping the
//! last good forecast, politely.

use std::time::Duration;

use chrono::Utc;
use newsdesk::store::Key;

use super::provider::{CODES, Mode, OpenMeteoServer, high_at};
use super::{
    config, detroit, frontend_on, get, index, markers, memory_store, pass, record, sync_now,
    uncached,
};

#[tokio::test]
async fn a_real_answer_is_stored_per_cell_and_served_on_the_page_and_the_api() {
    let server = OpenMeteoServer::start().await;
    let store = memory_store();
    let cfg = config(&server, "");
    let summary = sync_now(&cfg, &store).await;
    let w = summary.weather.as_ref().unwrap();
    assert_eq!((w.requests, w.fetched, w.failed), (1, 1, 0), "{summary}");

    // One request, for the centre of Detroit's cell.
    let (lat, lon) = detroit().center();
    assert_eq!(server.requests(), vec![(lat, lon)]);
    let r = record(&store, detroit()).await.expect("cell stored");
    let f = r.forecast.as_ref().unwrap();
    assert_eq!(f.days.len(), 5);
    for (i, d) in f.days.iter().enumerate() {
        assert_eq!(d.high_c, Some(high_at(lat, i)));
        assert_eq!(d.code, Some(CODES[i]));
    }
    assert!(r.fetched_at.is_some() && r.last_error.is_none());

    // A second pass within the TTL asks nothing.
    sync_now(&cfg, &store).await;
    assert_eq!(server.requests().len(), 1);

    let app = frontend_on(&store, uncached()).await;
    let page = get(&app, "/", &[]).await.text();
    assert!(page.contains("<section class=\"weather\""), "{page}");
    assert!(page.contains("Detroit"));
    // The strip is in the place's unit (°F) for readers without JavaScript, °C in data-c.
    let high_f = (high_at(lat, 0) * 9.0 / 5.0 + 32.0).round() as i64;
    assert!(
        page.contains(&format!("data-c=\"{}\">{high_f}°</span>", high_at(lat, 0))),
        "{page}"
    );
    assert!(page.contains("°F</span>"));
    assert!(page.contains("Weather data by Open-Meteo.com</a>"));
    assert!(page.contains("href=\"https://open-meteo.com/\""));
    assert!(page.contains("alt=\"Clear sky\""), "{page}");
    // Icons are our own hashed assets, served by the frontend.
    let icon = page
        .split("src=\"")
        .map(|s| s.split('"').next().unwrap().replace("&#x2f;", "/"))
        .find(|s| s.contains("wx-clear"))
        .unwrap();
    let svg = get(&app, &icon, &[]).await;
    assert_eq!(svg.status, 200, "{icon}");
    assert!(svg.text().starts_with("<svg"));

    let api = get(&app, "/api/weather", &[]).await;
    assert_eq!(api.status, 200);
    assert_eq!(
        api.header(axum::http::header::CONTENT_TYPE),
        "application/json"
    );
    let v = api.json();
    assert_eq!(v["place"], "Detroit");
    assert_eq!(v["source"], "site");
    assert_eq!(v["pending"], false);
    assert_eq!(v["units"]["temperature"], "°C");
    assert_eq!(v["days"].as_array().unwrap().len(), 5);
    assert_eq!(v["days"][2]["high_c"], high_at(lat, 2));
    assert_eq!(v["days"][2]["condition"], "Light rain");
    assert!(
        v["days"][2]["icon"]
            .as_str()
            .unwrap()
            .starts_with("/assets/wx-rain.")
    );
    assert_eq!(v["attribution"]["text"], "Weather data by Open-Meteo.com");
    assert!(v["fetched_at"].is_string() && v["error"].is_null());
}

/// After a good pass, the provider misbehaves once the forecast is stale: the cell keeps its
/// forecast, records the error, and both the page and `/api/weather` still show the days.
async fn a_failed_refresh_keeps_the_last_good_forecast(mode: Mode, kind: &str, says: &str) {
    let server = OpenMeteoServer::start().await;
    let store = memory_store();
    let cfg = config(&server, "");
    sync_now(&cfg, &store).await;
    let good = record(&store, detroit()).await.unwrap();

    server.set(mode);
    let later = Utc::now() + chrono::Duration::hours(4);
    let w = pass(&cfg, &store, later).await;
    assert_eq!((w.requests, w.failed), (1, 1), "{w}");
    assert!(w.warnings.is_empty(), "{:?}", w.warnings);
    let (cell, error) = &w.failures[0];
    assert_eq!(cell, &detroit().id());
    assert_eq!(error.kind, kind, "{error}");
    assert!(error.message.contains(says), "{error}");

    let r = record(&store, detroit()).await.unwrap();
    assert_eq!(r.forecast, good.forecast, "the last good forecast stays");
    assert_eq!(r.fetched_at, good.fetched_at);
    assert_eq!(r.last_error.as_ref(), Some(error));
    assert_eq!(r.last_error_at, Some(later));
    // Backoff: 15 minutes spread by jitter into [12, 18), so the cell is not asked again
    // before 12 minutes.
    let state = &index(&store).await.cells[&detroit().id()];
    assert_eq!(state.failures, 1);
    let next = state.next_attempt.expect("a retry time");
    assert!(
        next >= later + chrono::Duration::minutes(12)
            && next < later + chrono::Duration::minutes(18),
        "{next} is not 15 min +-20% after {later}"
    );
    let n = server.requests().len();
    pass(&cfg, &store, later + chrono::Duration::minutes(10)).await;
    assert_eq!(server.requests().len(), n, "asked again during the backoff");

    newsdesk::fetcher::render_only(&cfg, &store, None)
        .await
        .unwrap();
    let app = frontend_on(&store, uncached()).await;
    let v = get(&app, "/api/weather", &[]).await.json();
    assert_eq!(v["days"].as_array().unwrap().len(), 5);
    assert_eq!(v["error"]["kind"], kind);
    assert!(v["error"]["message"].as_str().unwrap().contains(says));
    assert!(
        get(&app, "/", &[])
            .await
            .text()
            .contains("class=\"weather-day\"")
    );

    // The provider recovers: the next due pass (after the backoff's longest jitter) clears
    // the error.
    server.set(Mode::Normal);
    pass(&cfg, &store, later + chrono::Duration::minutes(18)).await;
    let r = record(&store, detroit()).await.unwrap();
    assert!(r.last_error.is_none() && r.fetched_at > good.fetched_at);
}

#[tokio::test]
async fn a_400_with_a_reason_keeps_the_last_good_forecast() {
    a_failed_refresh_keeps_the_last_good_forecast(
        Mode::BadRequest("Cannot initialize WeatherVariable from invalid String value".into()),
        "http",
        "HTTP 400: Cannot initialize WeatherVariable",
    )
    .await;
}

#[tokio::test]
async fn malformed_json_keeps_the_last_good_forecast() {
    a_failed_refresh_keeps_the_last_good_forecast(Mode::Malformed, "parse", "EOF").await;
}

#[tokio::test]
async fn a_timeout_keeps_the_last_good_forecast() {
    a_failed_refresh_keeps_the_last_good_forecast(
        Mode::Slow(Duration::from_secs(5)),
        "timeout",
        "timed out",
    )
    .await;
}

#[tokio::test]
async fn a_429_stops_all_requests_until_retry_after() {
    let server = OpenMeteoServer::start().await;
    let store = memory_store();
    let cfg = config(&server, "");
    server.set(Mode::TooMany(3600));
    let t0 = Utc::now();
    let w = pass(&cfg, &store, t0).await;
    assert_eq!((w.requests, w.failed), (1, 1));
    assert_eq!(w.blocked_until, Some(t0 + chrono::Duration::hours(1)));
    assert!(
        w.failures[0]
            .1
            .message
            .contains("Minutely API request limit"),
        "{w:?}"
    );
    // A reader's cell wanted meanwhile waits too.
    store
        .put(
            &Key::WeatherWanted(newsdesk::weather::Cell::of(51.5, -0.12).unwrap().id()),
            bytes::Bytes::from_static(b"{}"),
        )
        .await
        .unwrap();
    server.set(Mode::Normal);
    let w = pass(&cfg, &store, t0 + chrono::Duration::minutes(30)).await;
    assert_eq!(w.requests, 0, "{w}");
    assert_eq!(w.wanted_left, 1);
    assert_eq!(server.requests().len(), 1);
    let w = pass(&cfg, &store, t0 + chrono::Duration::minutes(61)).await;
    assert_eq!((w.requests, w.fetched), (2, 2), "{w}");
    assert!(markers(&store).await.is_empty());
}

#[tokio::test]
async fn a_failing_provider_is_left_alone_after_three_failures_in_a_row() {
    let server = OpenMeteoServer::start().await;
    let store = memory_store();
    let cfg = config(&server, "max_new_cells_per_pass = 10");
    for i in 0..10 {
        let cell = newsdesk::weather::Cell::of(10.0 + f64::from(i), 10.0).unwrap();
        store
            .put(
                &Key::WeatherWanted(cell.id()),
                bytes::Bytes::from_static(b"{}"),
            )
            .await
            .unwrap();
    }
    server.set(Mode::BadRequest("broken".into()));
    let w = pass(&cfg, &store, Utc::now()).await;
    // Two in flight at a time (per_host): at most one more after the third failure.
    assert!((3..=4).contains(&w.requests), "{w}");
    assert_eq!(server.requests().len(), w.requests);
    // Cells never asked keep their markers; the failed new cells wait for their backoff.
    assert_eq!(markers(&store).await.len(), 11 - w.requests);
}
