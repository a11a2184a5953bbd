//! `GET /api/weather[?lat=&lon=]`: the forecast of the reader's cell (from `lat`/`lon`, else
//! their address through `--geoip`), else the site's place. Served from the bucket, never from
//! the provider: a cell without a forecast (or with a stale one) is recorded as wanted
//! ([`wanted`]) for the fetcher's next pass, and the site's place is served meanwhile.
//!
//! Bucket reads stay few whatever readers send: the weather index (which cells exist) is
//! re-read at most once per `cache_ttl` with a conditional GET, so an unknown cell costs no
//! read; a known cell's forecast is read once per `cache_ttl` (moka, one load per key).

pub mod geoip;
pub mod wanted;

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::live::Live;
use super::respond::Error;
use super::sites::LiveSite;
use crate::render::names;
use crate::render::weather::{AttributionView, DayView, PlaceDoc, day_views};
use crate::store::manifest::ObjectRef;
use crate::store::{Fetch, Key, Store, StoreError};
use crate::weather::units::{Unit, unit_for_country};
use crate::weather::{Cell, CellRecord, Index, WeatherError};
pub use geoip::{GeoIp, Located};

/// Weather settings of a frontend, from the command line.
#[derive(Debug, Clone)]
pub struct WeatherOptions {
    /// `--geoip FILE`: find a reader's area from their address.
    pub geoip: Option<Arc<GeoIp>>,
    /// How long the index and a forecast are reused before the bucket is asked again.
    pub cache_ttl: Duration,
    /// Wanted markers written per minute at most.
    pub markers_per_minute: u32,
}

impl Default for WeatherOptions {
    fn default() -> Self {
        WeatherOptions {
            geoip: None,
            cache_ttl: Duration::from_secs(30),
            markers_per_minute: 60,
        }
    }
}

/// Counts, for tests and benchmarks.
#[derive(Debug, Default)]
pub struct Counters {
    /// GETs of the weather index and of cells.
    pub bucket_reads: AtomicU64,
}

struct CachedIndex {
    index: Arc<Index>,
    etag: Option<String>,
    checked: Instant,
}

/// A frontend's weather state.
pub struct Weather {
    store: Store,
    options: WeatherOptions,
    /// The sites as last polled, to find the one a request is for and its place.
    live: Arc<Live>,
    /// Whose forwarding headers locate a reader (see [`super::client`]).
    trusted_proxies: Vec<ipnetwork::IpNetwork>,
    /// How often frontends poll: the `Retry-After` of a site not loaded yet.
    poll: Duration,
    index: RwLock<Option<CachedIndex>>,
    index_refresh: tokio::sync::Mutex<()>,
    cells: moka::future::Cache<String, Arc<CellRecord>>,
    places: moka::future::Cache<String, Arc<PlaceDoc>>,
    pub wanted: wanted::Recorder,
    pub counters: Counters,
}

impl Weather {
    pub fn new(
        store: Store,
        options: WeatherOptions,
        live: Arc<Live>,
        trusted_proxies: Vec<ipnetwork::IpNetwork>,
        poll: Duration,
    ) -> Self {
        Weather {
            live,
            trusted_proxies,
            poll,
            wanted: wanted::Recorder::new(store.clone(), options.markers_per_minute),
            store,
            index: RwLock::new(None),
            index_refresh: tokio::sync::Mutex::new(()),
            cells: moka::future::Cache::builder()
                .max_capacity(4096)
                .time_to_live(options.cache_ttl)
                .build(),
            places: moka::future::Cache::builder().max_capacity(256).build(),
            options,
            counters: Counters::default(),
        }
    }

    /// The weather index, re-read (conditionally) at most once per `cache_ttl`; while one
    /// request re-reads it, others use the copy they have. A failing bucket keeps the last.
    async fn index(&self) -> Arc<Index> {
        let cached = |fresh_only: bool| {
            let guard = self.index.read().expect("index lock");
            guard
                .as_ref()
                .filter(|c| !fresh_only || c.checked.elapsed() < self.options.cache_ttl)
                .map(|c| c.index.clone())
        };
        if let Some(index) = cached(true) {
            return index;
        }
        let _refreshing = match self.index_refresh.try_lock() {
            Ok(guard) => guard,
            Err(_) => match cached(false) {
                Some(index) => return index,
                None => self.index_refresh.lock().await,
            },
        };
        if let Some(index) = cached(true) {
            return index;
        }
        let etag = self
            .index
            .read()
            .expect("index lock")
            .as_ref()
            .and_then(|c| c.etag.clone());
        self.counters.bucket_reads.fetch_add(1, Relaxed);
        let read = self.store.fetch(&Key::WeatherIndex, etag.as_deref()).await;
        let mut slot = self.index.write().expect("index lock");
        let old = slot.take();
        let (index, etag) = match (read, old) {
            (Ok(Fetch::NotModified), Some(old)) => (old.index, old.etag),
            (Ok(Fetch::Found { bytes, etag }), old) => match serde_json::from_slice(&bytes) {
                Ok(index) => (Arc::new(index), etag),
                Err(e) => {
                    tracing::warn!(error = %e, "weather index is not valid; keeping the last");
                    old.map_or_else(Default::default, |o| (o.index, o.etag))
                }
            },
            (Ok(_), _) => (Arc::new(Index::default()), None),
            (Err(e), old) => {
                tracing::warn!(error = %e, "weather index unreadable; keeping the last");
                old.map_or_else(Default::default, |o| (o.index, o.etag))
            }
        };
        *slot = Some(CachedIndex {
            index: index.clone(),
            etag,
            checked: Instant::now(),
        });
        index
    }

    /// A cell's stored forecast, read at most once per `cache_ttl`.
    async fn cell(&self, id: &str) -> Option<Arc<CellRecord>> {
        let loaded = self
            .cells
            .try_get_with(id.to_string(), async {
                self.counters.bucket_reads.fetch_add(1, Relaxed);
                match self
                    .store
                    .get_json::<CellRecord>(&Key::WeatherCell(id.to_string()))
                    .await
                {
                    Ok(Some(r)) => Ok(Arc::new(r)),
                    Ok(None) => Err(StoreError::Missing {
                        key: id.to_string(),
                    }),
                    Err(e) => Err(e),
                }
            })
            .await;
        match loaded {
            Ok(r) => Some(r),
            Err(e) => {
                if !matches!(*e, StoreError::Missing { .. }) {
                    tracing::warn!(cell = id, error = %e, "weather cell unreadable");
                }
                None
            }
        }
    }

    /// The site's `weather/place`, `None` when the site shows no weather.
    async fn place(&self, site: &LiveSite) -> Result<Option<Arc<PlaceDoc>>, Error> {
        let Some(obj) = site.manifest.object(names::WEATHER_PLACE) else {
            return Ok(None);
        };
        if let Some(doc) = self.places.get(&obj.key).await {
            return Ok(Some(doc));
        }
        let identity = ObjectRef {
            encodings: vec![],
            ..obj.clone()
        };
        let page = self
            .live
            .object(&identity)
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))?
            .ok_or(Error::NotFound)?;
        let doc: PlaceDoc = serde_json::from_slice(&page.identity.body)
            .map_err(|e| Error::Unavailable(format!("{}: {e}", obj.key)))?;
        let doc = Arc::new(doc);
        self.places.insert(obj.key.clone(), doc.clone()).await;
        Ok(Some(doc))
    }
}

/// The forecast a reader gets.
#[derive(Debug, Serialize)]
struct Answer {
    /// The place's name, when known (the site's place, or the city of the reader's address).
    place: Option<String>,
    /// `site` (the site's place), `point` (`lat`/`lon`) or `geoip` (the reader's address).
    source: &'static str,
    /// The reader's own cell has no forecast yet: it was asked for and the site's is served.
    pending: bool,
    cell: String,
    lat: f64,
    lon: f64,
    /// The reader's country, when `--geoip` knows it.
    country: Option<String>,
    /// The unit the reader's country reads temperatures in, when known.
    unit: Option<Unit>,
    units: Units,
    fetched_at: Option<DateTime<Utc>>,
    /// The last refresh's failure (the forecast is then the last good one).
    error: Option<WeatherError>,
    error_at: Option<DateTime<Utc>>,
    days: Vec<DayView>,
    attribution: AttributionView,
}

#[derive(Debug, Serialize)]
struct Units {
    temperature: &'static str,
    precipitation: &'static str,
}

/// `lat`/`lon` of the query: both or neither.
fn point(query: Option<&str>) -> Result<Option<Cell>, Error> {
    let (mut lat, mut lon) = (None, None);
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "lat" if lat.is_none() => lat = Some(v.into_owned()),
            "lon" if lon.is_none() => lon = Some(v.into_owned()),
            _ => {}
        }
    }
    let bad = |e: crate::weather::cell::PointError| Error::BadRequest(e.to_string());
    match (lat, lon) {
        (None, None) => Ok(None),
        (Some(lat), Some(lon)) => {
            let lat: f64 = lat
                .trim()
                .parse()
                .map_err(|_| bad(crate::weather::cell::PointError::Latitude))?;
            let lon: f64 = lon
                .trim()
                .parse()
                .map_err(|_| bad(crate::weather::cell::PointError::Longitude))?;
            Cell::of(lat, lon).map(Some).map_err(bad)
        }
        _ => Err(Error::BadRequest(
            "lat and lon must be given together".into(),
        )),
    }
}

/// `GET /api/weather[?lat=&lon=]`.
pub async fn api(State(weather): State<Arc<Weather>>, req: Request) -> Result<Response, Error> {
    let (parts, _) = req.into_parts();
    let weather = &*weather;
    let site = weather
        .live
        .site(&parts.headers, &parts.uri, weather.poll)?;
    let asked = point(parts.uri.query())?;
    let place = weather.place(&site).await?.ok_or(Error::NotFound)?;
    let home = Cell::parse(&place.cell)
        .ok_or_else(|| Error::Unavailable(format!("bad cell {:?}", place.cell)))?;

    let opts = &weather.options;
    let located = match (&opts.geoip, asked) {
        (Some(geoip), None) => super::client::client(&parts, &weather.trusted_proxies)
            .addr
            .and_then(|ip| geoip.lookup(ip)),
        _ => None,
    };
    let by_address = located
        .as_ref()
        .and_then(|l| l.position)
        .and_then(|(lat, lon)| Cell::of(lat, lon).ok());
    let (wanted, source) = match (asked, by_address) {
        (Some(c), _) => (c, "point"),
        (None, Some(c)) => (c, "geoip"),
        (None, None) => (home, "site"),
    };

    let index = weather.index().await;
    let now = Utc::now();
    let id = wanted.id();
    if wanted != home && index.is_stale(&id, now) {
        let who = super::client::client(&parts, &weather.trusted_proxies).addr;
        weather.wanted.record(wanted, who).await;
    }
    // The index says which cells have a forecast: an unknown cell costs no bucket read.
    let index = &index;
    let stored = |cell: String| async move {
        if index.has_forecast(&cell) {
            weather.cell(&cell).await
        } else {
            None
        }
    };
    let own = stored(id).await;
    let (record, source, pending, name) = match own {
        Some(r) => {
            let name = match source {
                "site" => Some(place.name.clone()),
                "geoip" => located.as_ref().and_then(|l| l.city.clone()),
                _ => None,
            };
            (Some(r), source, false, name)
        }
        None => (
            stored(place.cell.clone()).await,
            "site",
            wanted != home,
            Some(place.name.clone()),
        ),
    };
    let (cell, (lat, lon)) = match &record {
        Some(r) => (r.cell.clone(), (r.lat, r.lon)),
        None => (place.cell.clone(), home.center()),
    };
    let country = located.as_ref().and_then(|l| l.country.clone());
    let answer = Answer {
        place: name,
        source,
        pending,
        cell,
        lat,
        lon,
        unit: country.as_deref().map(unit_for_country),
        country,
        units: Units {
            temperature: "°C",
            precipitation: "mm",
        },
        fetched_at: record.as_ref().and_then(|r| r.fetched_at),
        error: record.as_ref().and_then(|r| r.last_error.clone()),
        error_at: record.as_ref().and_then(|r| r.last_error_at),
        days: record
            .as_ref()
            .and_then(|r| r.forecast.as_ref())
            .map(|f| day_views(f, &place.icons, Unit::C))
            .unwrap_or_default(),
        attribution: place.attribution.clone(),
    };
    // An answer chosen by the reader's address is theirs alone; a pending one changes soon.
    let cache = match (opts.geoip.is_some() && asked.is_none(), pending) {
        (true, _) => "private, max-age=300",
        (false, true) => "public, max-age=60",
        (false, false) => "public, max-age=300",
    };
    let body = serde_json::to_vec(&answer).expect("plain data serializes");
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(q: &str) -> String {
        match point(Some(q)) {
            Err(Error::BadRequest(r)) => r,
            other => panic!("{q}: {other:?}"),
        }
    }

    #[test]
    fn lat_and_lon_are_read_or_refused_with_a_reason() {
        assert_eq!(point(None).unwrap(), None);
        assert_eq!(point(Some("x=1")).unwrap(), None);
        assert_eq!(
            point(Some("lat=42.33&lon=-83.05")).unwrap(),
            Some(Cell::of(42.33, -83.05).unwrap())
        );
        assert_eq!(
            reason("lat=abc&lon=1"),
            "lat must be a number between -90 and 90"
        );
        assert_eq!(
            reason("lat=91&lon=1"),
            "lat must be a number between -90 and 90"
        );
        assert_eq!(
            reason("lat=NaN&lon=1"),
            "lat must be a number between -90 and 90"
        );
        assert_eq!(
            reason("lat=1&lon=inf"),
            "lon must be a number between -180 and 180"
        );
        assert_eq!(reason("lat=1"), "lat and lon must be given together");
        assert_eq!(reason("lon=1&lon=2"), "lat and lon must be given together");
    }
}
