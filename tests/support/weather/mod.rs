//! Weather on real parts: a local server speaking Open-Meteo's protocol ([`provider`]), a GeoIP
//! database built in the test ([`mmdb`]), real stores, real `sync` passes (or the weather step
//! with a chosen clock), and the frontend router driven in-process, with the reader's address
//! set as the serving loop sets it (`ConnectInfo`).

pub mod mmdb;
pub mod provider;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use chrono::{DateTime, Utc};
use newsdesk::config::Config;
use newsdesk::fetcher::{SyncOptions, SyncSummary, sync};
use newsdesk::frontend::weather::{GeoIp, WeatherOptions};
use newsdesk::frontend::{App, Options};
use newsdesk::store::{Key, Store};
use newsdesk::weather::{Cell, CellRecord, Index, PassSummary};
use provider::OpenMeteoServer;

use super::http::{Reply, get_request, send};
use super::site::app_on;

/// The site's place.
pub const DETROIT: (f64, f64) = (42.33, -83.05);

/// A config with one site whose place is Detroit (strip in °F), weather from `server`;
/// `weather_extra` adds lines to `[weather]`.
pub fn config_text(server: &OpenMeteoServer, weather_extra: &str) -> String {
    format!(
        "[fetch]\nallow_private_networks = true\ntimeout_secs = 1\nconnect_timeout_secs = 1\n\n\
         [weather]\nbase_url = \"{}\"\n{weather_extra}\n\n\
         [[sites]]\nname = \"test\"\ntitle = \"Test Report\"\nhosts = [\"test.example\"]\n\n\
         [sites.weather]\nname = \"Detroit\"\nlat = {}\nlon = {}\nunit = \"F\"\n",
        server.base_url(),
        DETROIT.0,
        DETROIT.1
    )
}

pub fn config(server: &OpenMeteoServer, weather_extra: &str) -> Config {
    newsdesk::config::parse(&config_text(server, weather_extra), "test").unwrap()
}

pub fn detroit() -> Cell {
    Cell::of(DETROIT.0, DETROIT.1).unwrap()
}

/// A whole `sync`: weather, then render and publish.
pub async fn sync_now(config: &Config, store: &Store) -> SyncSummary {
    sync(config, store, &SyncOptions::default()).await.unwrap()
}

/// The weather step alone, at `now`.
pub async fn pass(config: &Config, store: &Store, now: DateTime<Utc>) -> PassSummary {
    let sites: Vec<_> = config.sites.iter().collect();
    newsdesk::weather::refresh(config, &sites, store, now).await
}

pub async fn record(store: &Store, cell: Cell) -> Option<CellRecord> {
    store.get_json(&Key::WeatherCell(cell.id())).await.unwrap()
}

pub async fn index(store: &Store) -> Index {
    store
        .get_json(&Key::WeatherIndex)
        .await
        .unwrap()
        .unwrap_or_default()
}

/// The names of the wanted markers in the bucket.
pub async fn markers(store: &Store) -> Vec<String> {
    let mut names: Vec<String> = store
        .list(Key::WEATHER_WANTED_PREFIX)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.location.as_ref().rsplit('/').next().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// A frontend on `store` that has read the bucket. A zero `cache_ttl` makes it re-read the
/// weather index on every request, so tests see a pass's result at once.
pub async fn frontend_on(store: &Store, weather: WeatherOptions) -> Arc<App> {
    frontend_behind(store, weather, &[]).await
}

/// [`frontend_on`] behind the proxies `trusted` (networks whose forwarding headers count).
pub async fn frontend_behind(store: &Store, weather: WeatherOptions, trusted: &[&str]) -> Arc<App> {
    let options = Options {
        weather,
        trusted_proxies: trusted.iter().map(|t| t.parse().unwrap()).collect(),
        ..Options::default()
    };
    app_on(store, options).await
}

pub fn uncached() -> WeatherOptions {
    WeatherOptions {
        cache_ttl: std::time::Duration::ZERO,
        ..WeatherOptions::default()
    }
}

/// A GET through the frontend's router, from `peer` (as the serving loop records it) with
/// extra `headers`.
pub async fn get_from(
    router: &axum::Router,
    path: &str,
    peer: Option<&str>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut req = get_request("test.example", path, headers);
    if let Some(peer) = peer {
        let addr: SocketAddr = peer.parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
    }
    send(router.clone(), req).await
}

/// [`uncached`] weather with a GeoIP database (see [`mmdb::build`]).
pub fn with_geoip(database: Vec<u8>) -> WeatherOptions {
    WeatherOptions {
        geoip: Some(Arc::new(GeoIp::from_bytes(database).unwrap())),
        ..uncached()
    }
}
