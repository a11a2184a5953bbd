//! `/metrics` in the Prometheus text format, encoded by `prometheus-client`: requests by route
//! and status, a latency histogram per route, cache hits/misses/bytes, bucket errors, open
//! connections, and per site whether it is served, how old its generation is, when its
//! manifest was last read and how often loading it failed.
//!
//! Recording a request takes no lock and allocates nothing: requests are counted in fixed
//! arrays of atomics that a [`Collector`] reads at scrape time. (`prometheus-client`'s
//! `Family` takes a lock per lookup and its `Histogram` a mutex per observation, so neither is
//! on the request path; its `Counter` and `Gauge` are bare atomics, used where the series are
//! known up front.) Per-site series are read from the live snapshot at scrape time, so a site
//! taken out of the index leaves no series behind.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeGaugeValue, EncodeMetric, NoLabelSet, prometheus_text,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::registry::Registry;

use super::live::{CacheLabel, LAYOUTS, Live, OBJECTS, PINNED, SEARCH};

/// The label of requests no route matched, so a scanner cannot grow the label set.
const OTHER: &str = "other";

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5, 10.0,
];

/// Statuses are 100..=599; one counter each.
const STATUSES: usize = 500;

struct RouteStats {
    by_status: [AtomicU64; STATUSES],
    /// Not cumulative; the encoder sums them.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    nanos: AtomicU64,
}

impl Default for RouteStats {
    fn default() -> Self {
        RouteStats {
            by_status: std::array::from_fn(|_| AtomicU64::new(0)),
            buckets: Default::default(),
            nanos: AtomicU64::new(0),
        }
    }
}

/// The routes' labels, as the router declares them ([`Metrics::label_routes`]), and their
/// counters.
#[derive(Default)]
struct Routes {
    /// A label ending in `}` (`/assets/{name}`) covers every path under its prefix.
    labels: Vec<&'static str>,
    /// Per label, what a path is matched against: the label, or the prefix before its `{`
    /// (then `true`), found once rather than per request.
    matches: Vec<(&'static str, bool)>,
    stats: Vec<RouteStats>,
}

impl Routes {
    fn new(labels: Vec<&'static str>) -> Routes {
        let matches = labels
            .iter()
            .map(|label| match label.find('{') {
                Some(at) => (&label[..at], true),
                None => (*label, false),
            })
            .collect();
        let stats = labels.iter().map(|_| RouteStats::default()).collect();
        Routes {
            labels,
            matches,
            stats,
        }
    }

    fn index(&self, path: &str) -> Option<usize> {
        self.matches.iter().position(|&(m, prefix)| {
            if prefix {
                path.starts_with(m)
            } else {
                m == path
            }
        })
    }
}

pub struct Metrics {
    routes: Arc<OnceLock<Routes>>,
    live: Arc<Live>,
    /// Open client connections.
    pub connections: Gauge,
    /// Open client connections, by worker.
    worker_connections: Family<[(&'static str, usize); 1], Gauge>,
    cache_bytes: Family<CacheLabel, Gauge>,
    registry: Registry,
}

impl Metrics {
    /// Every series the frontend exports, over `live`'s caches and sites.
    pub fn new(live: Arc<Live>) -> Metrics {
        let routes = Arc::new(OnceLock::new());
        let connections = Gauge::default();
        let worker_connections = Family::<[(&'static str, usize); 1], Gauge>::default();
        let cache_bytes = Family::<CacheLabel, Gauge>::default();
        let c = &live.counters;
        // `register` appends the period to each help text.
        let mut registry = Registry::default();
        registry.register(
            "newsdesk_cache_hits",
            "Lookups answered from memory, by cache",
            c.hits.clone(),
        );
        registry.register(
            "newsdesk_cache_misses",
            "Lookups that loaded from the bucket or assembled a layout",
            c.misses.clone(),
        );
        registry.register(
            "newsdesk_cache_bytes",
            "Bytes held, by cache: pinned live pages, objects, assembled layouts, search (together within --cache-mb)",
            cache_bytes.clone(),
        );
        registry.register(
            "newsdesk_bucket_errors",
            "Failed reads of the bucket",
            c.bucket_errors.clone(),
        );
        registry.register(
            "newsdesk_http_connections",
            "Client connections open",
            connections.clone(),
        );
        registry.register(
            "newsdesk_http_worker_connections",
            "Client connections open, by worker (one per core, each with its own runtime)",
            worker_connections.clone(),
        );
        registry.register_collector(Box::new(Scrape {
            routes: routes.clone(),
            live: live.clone(),
        }));
        Metrics {
            routes,
            live,
            connections,
            worker_connections,
            cache_bytes,
            registry,
        }
    }

    /// The open-connections gauge of worker `index`.
    pub(super) fn worker_connections(&self, index: usize) -> Gauge {
        self.worker_connections
            .get_or_create(&[("worker", index)])
            .clone()
    }

    /// Names the routes requests are counted under: the router's own paths, once, when it is
    /// built (so a new route has its label without anyone listing it again); every other
    /// path is counted as `other`.
    pub fn label_routes(&self, labels: impl IntoIterator<Item = &'static str>) {
        let mut labels: Vec<&'static str> = labels.into_iter().collect();
        labels.push(OTHER);
        let _ = self.routes.set(Routes::new(labels));
    }

    /// The label index of a request path: its route's, else `other`'s.
    fn route_index(&self, path: &str) -> usize {
        let routes = self.routes.get_or_init(|| Routes::new(vec![OTHER]));
        routes.index(path).unwrap_or(routes.labels.len() - 1)
    }

    fn record(&self, route: usize, status: u16, elapsed: Duration) {
        let Some(r) = self.routes.get().and_then(|r| r.stats.get(route)) else {
            return;
        };
        if let Some(c) = r.by_status.get(usize::from(status).wrapping_sub(100)) {
            c.fetch_add(1, Relaxed);
        }
        let secs = elapsed.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        r.buckets[bucket].fetch_add(1, Relaxed);
        r.nanos.fetch_add(
            u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX),
            Relaxed,
        );
    }

    /// Every series, in the Prometheus text format.
    fn encode(
        &self,
        (objects, layouts, pinned, search): (u64, u64, u64, u64),
    ) -> Result<String, std::fmt::Error> {
        let bytes = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.cache_bytes.get_or_create(&OBJECTS).set(bytes(objects));
        self.cache_bytes.get_or_create(&LAYOUTS).set(bytes(layouts));
        self.cache_bytes.get_or_create(&PINNED).set(bytes(pinned));
        self.cache_bytes.get_or_create(&SEARCH).set(bytes(search));
        let mut out = String::with_capacity(8192);
        prometheus_text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// A request being timed, from [`Metrics::start`] to [`Metrics::finish`].
pub struct Timing {
    route: usize,
    start: Instant,
}

impl Metrics {
    /// Starts timing a request to `path`.
    pub fn start(&self, path: &str) -> Timing {
        Timing {
            route: self.route_index(path),
            start: Instant::now(),
        }
    }

    /// Counts a request under its route and status.
    pub fn finish(&self, timing: Timing, status: StatusCode) {
        self.record(timing.route, status.as_u16(), timing.start.elapsed());
    }
}

/// `GET /metrics`.
pub async fn handler(State(metrics): State<Arc<Metrics>>) -> Response {
    let cache_bytes = metrics.live.cache_bytes().await;
    let mut resp = match metrics.encode(cache_bytes) {
        Ok(text) => text.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(prometheus_text::CONTENT_TYPE),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// The series read at scrape time: requests from the atomic arrays, the rest from the live
/// snapshot.
struct Scrape {
    routes: Arc<OnceLock<Routes>>,
    live: Arc<Live>,
}

impl std::fmt::Debug for Scrape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scrape")
    }
}

impl Collector for Scrape {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        self.requests(&mut encoder)?;
        let snapshot = self.live.snapshot();
        let age = snapshot
            .index_read_at
            .map_or(-1.0, |t| t.elapsed().as_secs_f64());
        ConstGauge::new(age).encode(encoder.encode_descriptor(
            "newsdesk_bucket_read_age_seconds",
            "Seconds since the site index was last read (-1: never).",
            None,
            MetricType::Gauge,
        )?)?;

        let sites = &snapshot.sites;
        let served = || sites.iter().filter_map(|s| Some((s, s.live.as_ref()?)));
        per_site(
            &mut encoder,
            "newsdesk_site_loaded",
            "Whether the site is served (1) or cannot be loaded (0), by site.",
            sites
                .iter()
                .map(|s| (&s.entry.name, i64::from(s.live.is_some()))),
        )?;
        let now = chrono::Utc::now();
        per_site(
            &mut encoder,
            "newsdesk_manifest_age_seconds",
            "Seconds since the served generation was published, by site.",
            served().map(|(s, l)| {
                let age = (now - l.manifest.published_at).num_milliseconds() as f64 / 1e3;
                (&s.entry.name, age)
            }),
        )?;
        per_site(
            &mut encoder,
            "newsdesk_manifest_generation",
            "The generation served, by site.",
            served().map(|(s, l)| {
                let generation = i64::try_from(l.manifest.generation).unwrap_or(i64::MAX);
                (&s.entry.name, generation)
            }),
        )?;
        per_site(
            &mut encoder,
            "newsdesk_site_pinned",
            "1 while a rollback pins the site to an older generation's content, by site.",
            served().map(|(s, l)| (&s.entry.name, i64::from(l.manifest.pinned.is_some()))),
        )?;
        per_site(
            &mut encoder,
            "newsdesk_site_manifest_read_age_seconds",
            "Seconds since the site's manifest was last read with its pages (-1: never), by site.",
            sites.iter().map(|s| {
                let age = s.read_at.map_or(-1.0, |t| t.elapsed().as_secs_f64());
                (&s.entry.name, age)
            }),
        )?;
        let mut errors = encoder.encode_descriptor(
            "newsdesk_site_load_errors",
            "Failed loads of the site's manifest or pages, by site.",
            None,
            MetricType::Counter,
        )?;
        for s in sites {
            ConstCounter::new(s.load_errors)
                .encode(errors.encode_family(&[("site", s.entry.name.as_str())])?)?;
        }
        Ok(())
    }
}

impl Scrape {
    fn requests(&self, encoder: &mut DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(routes) = self.routes.get() else {
            return Ok(());
        };
        let mut requests = encoder.encode_descriptor(
            "newsdesk_http_requests",
            "HTTP requests by route and status.",
            None,
            MetricType::Counter,
        )?;
        for (route, r) in routes.labels.iter().zip(&routes.stats) {
            for (status, c) in (100u16..).zip(&r.by_status) {
                let n = c.load(Relaxed);
                if n > 0 {
                    let labels = ([("route", *route)], [("status", status)]);
                    ConstCounter::new(n).encode(requests.encode_family(&labels)?)?;
                }
            }
        }
        let mut durations = encoder.encode_descriptor(
            "newsdesk_http_request_duration_seconds",
            "Time to the response head, by route.",
            None,
            MetricType::Histogram,
        )?;
        for (route, r) in routes.labels.iter().zip(&routes.stats) {
            let buckets: Vec<(f64, u64)> = BUCKETS
                .iter()
                .copied()
                .chain([f64::INFINITY])
                .zip(r.buckets.iter().map(|b| b.load(Relaxed)))
                .collect();
            let count = buckets.iter().map(|(_, n)| n).sum();
            if count == 0 {
                continue;
            }
            let sum = r.nanos.load(Relaxed) as f64 / 1e9;
            durations
                .encode_family(&[("route", *route)])?
                .encode_histogram::<NoLabelSet>(sum, count, &buckets, None)?;
        }
        Ok(())
    }
}

/// One gauge with a `site` label.
fn per_site<'a, V: EncodeGaugeValue>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: impl Iterator<Item = (&'a String, V)>,
) -> Result<(), std::fmt::Error> {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (site, v) in values {
        ConstGauge::new(v).encode(metric.encode_family(&[("site", site.as_str())])?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_routes_and_odd_statuses_do_not_grow_or_panic() {
        let store = crate::store::Store::open("memory://", crate::store::Role::Frontend).unwrap();
        let m = Metrics::new(Arc::new(Live::new(store, 1 << 20)));
        m.label_routes(["/", "/api/headlines", "/assets/{name}"]);
        m.record(
            m.route_index("/wp-login.php"),
            404,
            Duration::from_micros(50),
        );
        m.record(m.route_index("/"), 200, Duration::from_secs(60));
        m.record(m.route_index("/other"), 999, Duration::ZERO);
        m.record(usize::MAX, 200, Duration::ZERO);
        assert_eq!(m.route_index("/assets/x.0123456789.css"), 2);
        assert_eq!(m.route_index("/api/headlines"), 1);
        assert_eq!(
            m.route_index("/api/headlines/x"),
            3,
            "exact unless a pattern"
        );
        assert_eq!(m.route_index("/{name}"), 3);
        let routes = m.routes.get().unwrap();
        let other = &routes.stats[3];
        assert_eq!(routes.labels[3], OTHER);
        assert_eq!(
            routes.stats[0].buckets[BUCKETS.len()].load(Relaxed),
            1,
            "60 s lands in +Inf"
        );
        assert_eq!(routes.stats[0].by_status[100].load(Relaxed), 1);
        assert_eq!(
            other.buckets.iter().map(|b| b.load(Relaxed)).sum::<u64>(),
            2
        );
        let text = m.encode((0, 0, 0, 0)).unwrap();
        assert!(
            text.contains("newsdesk_http_requests_total{route=\"other\",status=\"404\"} 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "newsdesk_http_request_duration_seconds_bucket{route=\"/\",le=\"10\"} 0\n\
                 newsdesk_http_request_duration_seconds_bucket{route=\"/\",le=\"+Inf\"} 1\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("# TYPE newsdesk_http_requests_total counter\n"),
            "counter types name the sample: {text}"
        );
    }
}
