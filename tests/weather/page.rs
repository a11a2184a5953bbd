//! The strip in a real headless Chromium: rendered server-side without JavaScript, swapped to
//! the reader's area and unit by the script, under the page's CSP.

use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;

use newsdesk::frontend::weather::{GeoIp, WeatherOptions};
use newsdesk::frontend::{self, App};
use newsdesk::weather::Cell;

use crate::mmdb::{self, city};
use crate::provider::{OpenMeteoServer, high_at};
use crate::{DETROIT, config, frontend_on, get_from, memory_store, sync_now, uncached};

fn chromium() -> &'static str {
    let ok = Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "chromium is missing: install it with `apt-get install chromium` (scripts/test.sh does)"
    );
    "chromium"
}

/// The DOM after scripts ran (bounded by Chromium's virtual time), and Chromium's log.
fn dump_dom(url: &str, extra: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--accept-lang=de-DE,de",
            "--virtual-time-budget=3000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn serve(app: Arc<App>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let service = frontend::router(app).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    url
}

async fn chromium_dom(url: String, extra: &'static [&'static str]) -> (String, String) {
    tokio::task::spawn_blocking(move || dump_dom(&url, extra))
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
    let geoip = WeatherOptions {
        geoip: Some(Arc::new(
            GeoIp::from_bytes(mmdb::build(&[(
                "127.0.0.0/8",
                city("US", Some("Ann Arbor"), 42.2808, -83.7430, 10),
            )]))
            .unwrap(),
        )),
        ..uncached()
    };
    let app = frontend_on(&store, geoip).await;
    get_from(
        &frontend::router(app.clone()),
        "/api/weather",
        Some("127.0.0.1:1"),
        &[],
    )
    .await;
    sync_now(&cfg, &store).await;
    let with_geoip = serve(app).await;
    let plain_app = frontend_on(&store, uncached()).await;
    let plain = serve(plain_app.clone()).await;
    let detroit_lat = Cell::of(DETROIT.0, DETROIT.1).unwrap().center().0;

    // Without JavaScript a browser shows the HTML as served: the site's place, in its unit
    // (°F), rendered by the fetcher. (Chromium's --dump-dom needs scripts, so read it raw.)
    let html = crate::get(&plain_app, "/").await.text();
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
    let (dom, log) = chromium_dom(plain, &[]).await;
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
    let (dom, log) = chromium_dom(with_geoip, &[]).await;
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
