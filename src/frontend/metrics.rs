//! `/metrics` in the Prometheus text format: requests by route and status, a latency histogram
//! per route, cache hits/misses/bytes, bucket errors and how old each site's data is.
//!
//! Every counter is a plain atomic in a fixed array, so recording a request takes no lock and
//! allocates nothing.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::App;

/// Route labels; anything unmatched is `other`, so a scanner cannot grow the label set.
const ROUTES: [&str; 8] = [
    "/",
    "/api/headlines",
    "/assets/{name}",
    "/config",
    "/healthz",
    "/readyz",
    "/metrics",
    "other",
];

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5, 10.0,
];

/// Statuses are 100..=599; one counter each.
const STATUSES: usize = 500;

struct RouteStats {
    by_status: [AtomicU64; STATUSES],
    /// Not cumulative; summed when rendered.
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

/// Counters the bucket-facing side ([`super::live::Live`]) bumps.
#[derive(Debug, Default)]
pub struct CacheCounters {
    pub object_hits: AtomicU64,
    pub object_misses: AtomicU64,
    pub layout_hits: AtomicU64,
    pub layout_misses: AtomicU64,
    pub bucket_errors: AtomicU64,
}

pub struct Metrics {
    routes: Box<[RouteStats; ROUTES.len()]>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            routes: Box::new(std::array::from_fn(|_| RouteStats::default())),
        }
    }
}

impl Metrics {
    fn record(&self, route: usize, status: u16, elapsed: Duration) {
        let r = &self.routes[route];
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
}

/// Middleware: times every request and counts it under its route and status.
pub async fn track(State(app): State<std::sync::Arc<App>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = route_index(req.uri().path());
    let resp = next.run(req).await;
    app.metrics
        .record(route, resp.status().as_u16(), start.elapsed());
    resp
}

/// The route label of a path. Classified here rather than with axum's `MatchedPath`, which
/// costs an allocation on every request; a path under `/assets/` that no asset matches is
/// still labelled `/assets/{name}` (its 404 says the rest).
fn route_index(path: &str) -> usize {
    let label = if path.starts_with("/assets/") {
        "/assets/{name}"
    } else {
        path
    };
    ROUTES
        .iter()
        .position(|r| *r == label)
        .unwrap_or(ROUTES.len() - 1)
}

/// `GET /metrics`.
pub async fn handler(State(app): State<std::sync::Arc<App>>) -> Response {
    let cache_bytes = app.live.cache_bytes().await;
    let mut resp = render(&app, cache_bytes).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn render(app: &App, (objects, layouts): (u64, u64)) -> String {
    let mut out = String::with_capacity(4096);
    let w = &mut out;
    header(
        w,
        "newsdesk_http_requests_total",
        "counter",
        "HTTP requests by route and status.",
    );
    for (route, r) in ROUTES.iter().zip(app.metrics.routes.iter()) {
        for (i, c) in r.by_status.iter().enumerate() {
            let n = c.load(Relaxed);
            if n > 0 {
                let _ = writeln!(
                    w,
                    "newsdesk_http_requests_total{{route=\"{route}\",status=\"{}\"}} {n}",
                    i + 100
                );
            }
        }
    }
    header(
        w,
        "newsdesk_http_request_duration_seconds",
        "histogram",
        "Time to the response head, by route.",
    );
    for (route, r) in ROUTES.iter().zip(app.metrics.routes.iter()) {
        let counts: Vec<u64> = r.buckets.iter().map(|b| b.load(Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            continue;
        }
        let mut cumulative = 0;
        for (le, n) in BUCKETS
            .iter()
            .map(|b| b.to_string())
            .chain(["+Inf".to_string()])
            .zip(&counts)
        {
            cumulative += n;
            let _ = writeln!(
                w,
                "newsdesk_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulative}"
            );
        }
        let sum = r.nanos.load(Relaxed) as f64 / 1e9;
        let _ = writeln!(
            w,
            "newsdesk_http_request_duration_seconds_sum{{route=\"{route}\"}} {sum}"
        );
        let _ = writeln!(
            w,
            "newsdesk_http_request_duration_seconds_count{{route=\"{route}\"}} {total}"
        );
    }

    let c = &app.live.counters;
    let per_cache = [
        (
            "newsdesk_cache_hits_total",
            "counter",
            "Lookups answered from memory, by cache.",
            c.object_hits.load(Relaxed),
            c.layout_hits.load(Relaxed),
        ),
        (
            "newsdesk_cache_misses_total",
            "counter",
            "Lookups that loaded from the bucket or assembled a layout.",
            c.object_misses.load(Relaxed),
            c.layout_misses.load(Relaxed),
        ),
        (
            "newsdesk_cache_bytes",
            "gauge",
            "Bytes held, by cache (live pages are held outside both).",
            objects,
            layouts,
        ),
    ];
    for (name, kind, help, objects, layouts) in per_cache {
        header(w, name, kind, help);
        let _ = writeln!(w, "{name}{{cache=\"objects\"}} {objects}");
        let _ = writeln!(w, "{name}{{cache=\"layouts\"}} {layouts}");
    }
    header(
        w,
        "newsdesk_bucket_errors_total",
        "counter",
        "Failed reads of the bucket.",
    );
    let _ = writeln!(
        w,
        "newsdesk_bucket_errors_total {}",
        c.bucket_errors.load(Relaxed)
    );

    header(
        w,
        "newsdesk_bucket_read_age_seconds",
        "gauge",
        "Seconds since the bucket was last read in full (-1: never).",
    );
    let age = app.live.age().map_or(-1.0, |a| a.as_secs_f64());
    let _ = writeln!(w, "newsdesk_bucket_read_age_seconds {age}");
    let snapshot = app.live.snapshot();
    let now = chrono::Utc::now();
    header(
        w,
        "newsdesk_manifest_age_seconds",
        "gauge",
        "Seconds since the served generation was published, by site.",
    );
    for s in &snapshot.sites {
        let age = (now - s.manifest.published_at).num_milliseconds() as f64 / 1e3;
        let _ = writeln!(
            w,
            "newsdesk_manifest_age_seconds{{site=\"{}\"}} {age}",
            s.entry.name
        );
    }
    header(
        w,
        "newsdesk_manifest_generation",
        "gauge",
        "The generation served, by site.",
    );
    for s in &snapshot.sites {
        let _ = writeln!(
            w,
            "newsdesk_manifest_generation{{site=\"{}\"}} {}",
            s.entry.name, s.manifest.generation
        );
    }
    out
}

fn header(w: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(w, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_routes_and_odd_statuses_do_not_grow_or_panic() {
        let m = Metrics::default();
        m.record(route_index("/wp-login.php"), 404, Duration::from_micros(50));
        m.record(route_index("/"), 200, Duration::from_secs(60));
        m.record(route_index("/other"), 999, Duration::ZERO);
        assert_eq!(route_index("/assets/x.0123456789.css"), 2);
        assert_eq!(route_index("/{name}"), ROUTES.len() - 1);
        assert_eq!(m.routes[ROUTES.len() - 1].by_status[304].load(Relaxed), 1);
        assert_eq!(
            m.routes[0].buckets[BUCKETS.len()].load(Relaxed),
            1,
            "60 s lands in +Inf"
        );
        assert_eq!(m.routes[0].by_status[100].load(Relaxed), 1);
        assert_eq!(
            m.routes[ROUTES.len() - 1]
                .buckets
                .iter()
                .map(|b| b.load(Relaxed))
                .sum::<u64>(),
            2
        );
    }
}
