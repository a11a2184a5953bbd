//! The strip in a real headless Chromium: rendered server-side without JavaScript, swapped to
//! the reader's area and unit by the script, under the page's CSP.

use newsdesk::frontend;
use newsdesk::weather::Cell;

use crate::support::weather::mmdb::{self, city};
use crate::support::weather::provider::{OpenMeteoServer, high_at};
use crate::support::weather::{
    DETROIT, config, frontend_on, get_from, sync_now, uncached, with_geoip,
};
use crate::support::{chromium, get, memory_store, spawn_server};

/// The page at `addr` as a German browser shows it once its scripts ran (bounded by Chromium's
/// virtual time), and Chromium's log.
async fn german_dom(addr: std::net::SocketAddr) -> (String, String) {
    let url = format!("http://{addr}/");
    tokio::task::spawn_blocking(move || {
        chromium::dump(&url, &["--accept-lang=de-DE,de", "--dump-dom"])
    })
    .await
    .unwrap()
}

fn f(c: f64) -> i64 {
    (c * 9.0 / 5.0 + 32.0).round() as i64
}

#[tokio::test(flavor = "multi_thread")]
async fn the_strip_works_without_javascript_and_the_script_shows_the_readers_area() {
    let server = OpenMeteoServer::start().await;
    let store = memory_store();
    let cfg = config(&server, "");
    sync_now(&cfg, &store).await;
    // Chromium comes from loopback: the test database puts loopback in Ann Arbor, US.
    let ann_arbor = Cell::of(42.2808, -83.7430).unwrap();
    let geoip = with_geoip(mmdb::build(&[(
        "127.0.0.0/8",
        city("US", Some("Ann Arbor"), 42.2808, -83.7430, 10),
    )]));
    let app = frontend_on(&store, geoip).await;
    get_from(
        &frontend::router(app.clone()),
        "/api/weather",
        Some("127.0.0.1:1"),
        &[],
    )
    .await;
    sync_now(&cfg, &store).await;
    let (geoip_addr, _stop_geoip) = spawn_server(app).await;
    let plain_app = frontend_on(&store, uncached()).await;
    let (plain_addr, _stop_plain) = spawn_server(plain_app.clone()).await;
    let detroit_lat = Cell::of(DETROIT.0, DETROIT.1).unwrap().center().0;

    // Without JavaScript a browser shows the HTML as served: the site's place, in its unit
    // (°F), rendered by the fetcher. (Chromium's --dump-dom needs scripts, so read it raw.)
    let html = get(&plain_app, "/", &[]).await.text();
    assert!(
        html.contains("<p class=\"weather-place\">Detroit</p>"),
        "{html}"
    );
    assert!(
        html.contains(&format!(">{}°</span>", f(high_at(detroit_lat, 0)))),
        "{html}"
    );
    assert!(html.contains("weather-toggle\" type=\"button\" hidden"));

    // With JavaScript, no GeoIP, a German browser: the site's place in °C, toggle shown.
    let (dom, log) = german_dom(plain_addr).await;
    assert!(
        !log.contains("Content Security Policy"),
        "CSP blocked something:\n{log}"
    );
    assert!(dom.contains("Detroit"), "{dom}");
    assert!(
        dom.contains(&format!(
            ">{}°</span>",
            high_at(detroit_lat, 0).round() as i64
        )),
        "°C expected:\n{dom}"
    );
    assert!(
        dom.contains("<span class=\"weather-unit-label\">°C</span>"),
        "{dom}"
    );
    assert!(
        dom.contains("weather-toggle\" type=\"button\">°F</button>"),
        "{dom}"
    );

    // With GeoIP: the reader's own area, in their country's unit (US: °F beats the locale).
    let (dom, log) = german_dom(geoip_addr).await;
    assert!(
        !log.contains("Content Security Policy"),
        "CSP blocked something:\n{log}"
    );
    assert!(
        dom.contains("<p class=\"weather-place\">Ann Arbor</p>"),
        "{dom}"
    );
    assert!(dom.contains("data-source=\"geoip\""), "{dom}");
    let lat = ann_arbor.center().0;
    assert!(
        dom.contains(&format!(">{}°</span>", f(high_at(lat, 0)))),
        "°F expected:\n{dom}"
    );
    assert!(
        dom.contains("<span class=\"weather-unit-label\">°F</span>"),
        "{dom}"
    );
    assert_eq!(dom.matches("class=\"weather-day\"").count(), 5);
}
