//! The reader's area from their address: a MaxMind-format database the test builds itself,
//! the peer address as the serving loop records it, and `X-Forwarded-For` only from trusted
//! proxies.

use axum::http::header;
use newsdesk::frontend::weather::GeoIp;
use newsdesk::frontend::{self};
use newsdesk::weather::Cell;

use super::mmdb::{self, city};
use super::provider::OpenMeteoServer;
use super::{
    config, frontend_behind, frontend_on, get_from, markers, memory_store, sync_now, with_geoip,
};
use crate::support::spawn_server;

const ANN_ARBOR: (f64, f64) = (42.2808, -83.7430);
const BERLIN: (f64, f64) = (52.52, 13.405);

/// 203.0.113.0/24 is in Ann Arbor (US), 198.51.100.0/24 in Berlin (DE), 192.0.2.0/24 only
/// "somewhere in the US" (the country's centre, 1000 km accurate).
pub fn database() -> Vec<u8> {
    mmdb::build(&[
        (
            "203.0.113.0/24",
            city("US", Some("Ann Arbor"), ANN_ARBOR.0, ANN_ARBOR.1, 10),
        ),
        (
            "198.51.100.0/24",
            city("DE", Some("Berlin"), BERLIN.0, BERLIN.1, 20),
        ),
        ("192.0.2.0/24", city("US", None, 37.751, -97.822, 1000)),
    ])
}

#[test]
fn the_test_database_reads_back() {
    let db = GeoIp::from_bytes(database()).unwrap();
    let hit = db.lookup("203.0.113.77".parse().unwrap()).unwrap();
    assert_eq!(hit.country.as_deref(), Some("US"));
    assert_eq!(hit.city.as_deref(), Some("Ann Arbor"));
    assert_eq!(hit.position, Some(ANN_ARBOR));
    let vague = db.lookup("192.0.2.1".parse().unwrap()).unwrap();
    assert_eq!(
        (vague.country.as_deref(), vague.position),
        (Some("US"), None)
    );
    assert_eq!(db.lookup("8.8.8.8".parse().unwrap()), None);
    assert_eq!(db.lookup("2001:db8::1".parse().unwrap()), None);
}

#[tokio::test]
async fn the_readers_address_picks_their_area_and_unit() {
    let server = OpenMeteoServer::start().await;
    let store = memory_store();
    let cfg = config(&server, "");
    sync_now(&cfg, &store).await;
    let app = frontend_on(&store, with_geoip(database())).await;
    let router = frontend::router(app.clone());
    let ann_arbor = Cell::of(ANN_ARBOR.0, ANN_ARBOR.1).unwrap();

    let r = get_from(&router, "/api/weather", Some("203.0.113.7:40000"), &[]).await;
    let v = r.json();
    assert_eq!(
        (v["country"].as_str(), v["unit"].as_str()),
        (Some("US"), Some("F"))
    );
    assert_eq!(
        (v["source"].as_str(), v["pending"].as_bool()),
        (Some("site"), Some(true))
    );
    assert_eq!(r.header(header::CACHE_CONTROL), "private, max-age=300");
    assert_eq!(markers(&store).await, vec![ann_arbor.id()]);

    sync_now(&cfg, &store).await;
    let v = get_from(&router, "/api/weather", Some("203.0.113.7:40000"), &[])
        .await
        .json();
    assert_eq!(
        (v["source"].as_str(), v["place"].as_str()),
        (Some("geoip"), Some("Ann Arbor"))
    );
    assert_eq!(v["cell"], ann_arbor.id());

    // Known only to the country: the site's place, in the country's unit, nothing recorded.
    let v = get_from(&router, "/api/weather", Some("192.0.2.5:1"), &[])
        .await
        .json();
    assert_eq!(
        (v["source"].as_str(), v["pending"].as_bool()),
        (Some("site"), Some(false))
    );
    assert_eq!(v["unit"], "F");
    // Unknown to the database: no country, no unit (the page then uses the browser's locale).
    let v = get_from(&router, "/api/weather", Some("[2001:db8::5]:1"), &[])
        .await
        .json();
    assert!(v["country"].is_null() && v["unit"].is_null());
    // lat/lon win over the address.
    let v = get_from(
        &router,
        "/api/weather?lat=42.28&lon=-83.74",
        Some("198.51.100.9:1"),
        &[],
    )
    .await
    .json();
    assert_eq!(
        (v["source"].as_str(), v["country"].as_str()),
        (Some("point"), None)
    );
    assert!(markers(&store).await.is_empty());
}

#[tokio::test]
async fn forwarded_for_counts_only_from_a_trusted_proxy() {
    let server = OpenMeteoServer::start().await;
    let store = memory_store();
    sync_now(&config(&server, ""), &store).await;
    let app = frontend_behind(
        &store,
        with_geoip(database()),
        &["127.0.0.1/32", "10.0.0.0/8"],
    )
    .await;
    let router = frontend::router(app.clone());
    let berlin = Cell::of(BERLIN.0, BERLIN.1).unwrap();

    // Through two trusted proxies; the first entry is whatever the reader claimed.
    let xff = [("x-forwarded-for", "203.0.113.7, 198.51.100.9, 10.0.0.3")];
    let v = get_from(&router, "/api/weather", Some("127.0.0.1:5000"), &xff)
        .await
        .json();
    assert_eq!(
        (v["country"].as_str(), v["unit"].as_str()),
        (Some("DE"), Some("C"))
    );
    assert_eq!(markers(&store).await, vec![berlin.id()]);

    // The same header from a peer that is no proxy of ours is the reader's own claim: ignored.
    let xff = [("x-forwarded-for", "203.0.113.7")];
    let v = get_from(&router, "/api/weather", Some("198.51.100.20:5000"), &xff)
        .await
        .json();
    assert_eq!(v["country"], "DE");
    // Without the peer address (no ConnectInfo), nothing is known.
    let v = get_from(&router, "/api/weather", None, &xff).await.json();
    assert!(v["country"].is_null());
    assert_eq!(markers(&store).await, vec![berlin.id()]);
}

#[test]
fn the_frontend_refuses_a_bad_geoip_file_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("GeoLite2-City.mmdb");
    std::fs::write(&bad, b"not a database").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk-frontend"))
        .args(["--store", "memory://", "--listen", "127.0.0.1:0", "--geoip"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read the GeoIP database") && err.contains("GeoLite2-City.mmdb"),
        "{err}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk-frontend"))
        .args(["--store", "memory://", "--trusted-proxy", "10.0.0.0/33"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "bad usage");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--trusted-proxy"));
}

#[tokio::test]
async fn the_serving_loop_hands_the_peer_address_to_geoip() {
    let server = OpenMeteoServer::start().await;
    let store = memory_store();
    sync_now(&config(&server, ""), &store).await;
    let loopback_in_berlin = with_geoip(mmdb::build(&[(
        "127.0.0.0/8",
        city("DE", Some("Berlin"), BERLIN.0, BERLIN.1, 20),
    )]));
    let app = frontend_on(&store, loopback_in_berlin).await;
    let (addr, _stop) = spawn_server(app).await;
    let body = reqwest::Client::new()
        .get(format!("http://{addr}/api/weather"))
        .header(header::HOST, "test.example")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["country"], "DE", "{v}");
    assert_eq!(
        markers(&store).await,
        vec![Cell::of(BERLIN.0, BERLIN.1).unwrap().id()]
    );
}
