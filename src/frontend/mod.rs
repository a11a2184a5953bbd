//! The stateless frontend: serves every site in the bucket from memory with axum. It never
//! talks to a feed; anything it holds can be re-read from the bucket.
//!
//! [`live`] keeps the bucket's current generation in memory, [`page`] and [`respond`] turn it
//! into responses, [`layout`] and [`settings`] handle reader layouts, [`metrics`] counts.

pub mod layout;
pub mod live;
pub mod metrics;
pub mod page;
pub mod respond;
pub mod settings;
pub mod weather;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::render::names;
use crate::store::manifest::ObjectRef;
use crate::store::{Key, Store};
use layout::Layout;
use live::{Live, LiveSite};
use respond::Error;

/// Frontend settings, from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// How often manifests are polled.
    pub poll: Duration,
    /// Bound of the object and layout caches together.
    pub cache_bytes: u64,
    /// `/readyz` fails when the last successful bucket read is older than this.
    pub stale_after: Duration,
    pub request_timeout: Duration,
    pub weather: weather::WeatherOptions,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            poll: Duration::from_secs(5),
            cache_bytes: 256 << 20,
            stale_after: Duration::from_secs(300),
            request_timeout: Duration::from_secs(10),
            weather: Default::default(),
        }
    }
}

pub struct App {
    pub live: Arc<Live>,
    pub options: Options,
    pub metrics: metrics::Metrics,
    pub weather: weather::Weather,
}

impl App {
    /// An app that has not read the bucket yet (tests call `live.refresh()` themselves).
    pub fn new(store: Store, options: Options) -> Arc<App> {
        Arc::new(App {
            weather: weather::Weather::new(store.clone(), options.weather.clone()),
            live: Arc::new(Live::new(store, options.cache_bytes)),
            options,
            metrics: Default::default(),
        })
    }

    /// Reads the bucket once and keeps polling it in the background.
    pub async fn start(store: Store, options: Options) -> Arc<App> {
        let app = App::new(store, options);
        if let Err(e) = app.live.refresh().await {
            tracing::warn!(error = %e, "first bucket read failed; will keep trying");
        }
        tokio::spawn(app.live.clone().poll(app.options.poll));
        app
    }
}

const CSP: &str = "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Largest request body: the `/config` form is a few kB.
const MAX_BODY: usize = 64 * 1024;

/// Every route; tests drive it with `oneshot`.
pub fn router(app: Arc<App>) -> Router {
    let timeout = app.options.request_timeout;
    Router::new()
        .route("/", get(index))
        .route("/assets/{name}", get(asset))
        .route("/config", get(settings::show).post(settings::save))
        .route("/api/weather", get(weather::api))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::handler))
        // Every other page the site published (`/api/headlines`, feeds, ...), by its path.
        .fallback(published)
        .layer(security_header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(security_header(
            header::REFERRER_POLICY,
            "strict-origin-when-cross-origin",
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY))
        // Outermost, so timeouts and refused bodies are counted too.
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            metrics::track,
        ))
        .with_state(app)
}

/// A header every response carries (tower-http's layer: no boxing on the hot path).
fn security_header(
    name: header::HeaderName,
    value: &'static str,
) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}

/// The site a request is for, by its Host header.
fn site(app: &App, headers: &HeaderMap, uri: &Uri) -> Result<Arc<LiveSite>, Error> {
    // HTTP/2 carries the host in `:authority`, which hyper puts in the URI (RFC 9113 §8.3.1).
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.host());
    app.live
        .snapshot()
        .site_for_host(host)
        .cloned()
        .ok_or(Error::NoSite)
}

/// `/`: the default page, or the reader's layout when the cookie asks for a different one.
///
/// Handlers take the request rather than a `HeaderMap` extractor, which would clone every
/// header on the hot path.
async fn index(State(app): State<Arc<App>>, req: Request) -> Result<Response, Error> {
    let (parts, _) = req.into_parts();
    let headers = &parts.headers;
    let site = site(&app, headers, &parts.uri)?;
    if let Some(layout) = Layout::from_headers(headers) {
        let ids: Vec<&str> = site.fragments.iter().map(|f| f.id.as_str()).collect();
        let visible = layout.visible(&ids);
        let is_default = visible.len() == ids.len()
            && visible
                .iter()
                .enumerate()
                .all(|(i, v)| usize::from(*v) == i);
        if !is_default {
            match app.live.layout(&site, visible).await {
                Ok(page) => return Ok(respond::page(&page, headers, respond::LAYOUT)),
                // The parts are gone from memory and the bucket: the default page beats an error.
                Err(e) => {
                    tracing::warn!(error = %e, "reader layout unavailable; serving the default page")
                }
            }
        }
    }
    let page = site.page(names::INDEX).ok_or(Error::NotFound)?;
    Ok(respond::page(page, headers, respond::FRONT))
}

/// A page the site published under its path (the manifest's names that start with `/`).
/// Only exact names match, so no request path can reach any other object.
async fn published(State(app): State<Arc<App>>, req: Request) -> Result<Response, Error> {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return Err(Error::NotFound);
    }
    let headers = req.headers();
    let site = site(&app, headers, req.uri())?;
    let page = site.page(req.uri().path()).ok_or(Error::NotFound)?;
    Ok(respond::page(page, headers, respond::PAGE))
}

/// `/assets/<name>.<hash>.<ext>`: only hashed names, never a path, so nothing outside
/// `assets/` can be named; old versions stay served.
async fn asset(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    req: Request,
) -> Result<Response, Error> {
    let headers = req.headers();
    if !crate::assets::is_hashed_name(&name) {
        return Err(Error::NotFound);
    }
    let hash = name.split('.').nth(1).unwrap_or_default().to_string();
    let content_type = crate::store::keys::content_type_for(&name).to_string();
    // Which variants exist is not recorded for assets: ask for both, missing ones are skipped.
    let encodings = vec!["br".to_string(), "gzip".to_string()];
    let obj = ObjectRef {
        key: Key::Asset(name).to_string(),
        hash,
        content_type,
        size: 0,
        encodings,
    };
    match app.live.object(&obj).await {
        Ok(Some(page)) => Ok(respond::page(&page, headers, respond::ASSET)),
        Ok(None) => Err(Error::NotFound),
        Err(e) => Err(Error::Unavailable(e.to_string())),
    }
}

/// 200 once a site is loaded and the bucket was read recently; 503 otherwise, so a load
/// balancer sends readers elsewhere while this frontend still serves what it has.
async fn readyz(State(app): State<Arc<App>>) -> Response {
    let loaded = !app.live.snapshot().sites.is_empty();
    let mut resp = match app.live.age() {
        Some(age) if loaded && age <= app.options.stale_after => {
            (StatusCode::OK, "ready\n").into_response()
        }
        Some(age) if loaded => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("stale: bucket last read {}s ago\n", age.as_secs()),
        )
            .into_response(),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            "no site loaded from the bucket yet\n",
        )
            .into_response(),
    };
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Loads the bucket, starts polling it, and serves until SIGINT/SIGTERM.
///
/// Served the way nginx runs its workers: one single-threaded runtime per core, each with its
/// own listening socket (`SO_REUSEPORT`: the kernel spreads connections) and its own epoll. No
/// request waits for another thread's I/O driver or hops threads, so a core taken by another
/// process slows only its own connections. Polling the bucket stays on the caller's runtime.
pub async fn run(store: Store, listen: SocketAddr, options: Options) -> anyhow::Result<()> {
    let app = App::start(store, options).await;
    // Without SO_REUSEPORT only one socket can listen on the address.
    let workers = if cfg!(unix) {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        1
    };
    let first = reuseport_listener(listen)?;
    let addr = first.local_addr()?;
    let mut listeners = vec![first];
    for _ in 1..workers {
        listeners.push(reuseport_listener(addr)?);
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut done = Vec::with_capacity(workers);
    for (i, listener) in listeners.into_iter().enumerate() {
        let (app, mut stopped) = (app.clone(), stopped.clone());
        let (finished, wait) = tokio::sync::oneshot::channel();
        done.push(wait);
        std::thread::Builder::new()
            .name(format!("serve-{i}"))
            .spawn(move || {
                let result = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .and_then(|rt| {
                        rt.block_on(async {
                            let listener = TcpListener::from_std(listener)?;
                            serve(app, listener, async move {
                                let _ = stopped.wait_for(|s| *s).await;
                            })
                            .await
                        })
                    });
                let _ = finished.send(result);
            })?;
    }
    tracing::info!(%addr, workers, "serving");
    crate::cli::shutdown_signal().await;
    tracing::info!("finishing in-flight requests");
    let _ = stop.send(true);
    for wait in done {
        wait.await??;
    }
    Ok(())
}

/// A listening socket that other workers can bind too.
fn reuseport_listener(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    #[cfg(unix)]
    socket.set_reuseport(true)?;
    socket.bind(addr)?;
    socket.listen(1024)?.into_std()
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests in
/// flight. Header size and count are bounded by hyper (about 400 kB, 100 headers: 431 past
/// either).
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer address reaches handlers as `ConnectInfo` (weather: the reader's area by GeoIP).
    axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
