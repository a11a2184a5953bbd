//! The stateless frontend: serves every site in the bucket from memory with axum. It never
//! talks to a feed; anything it holds can be re-read from the bucket.

pub mod live;
pub mod respond;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::store::Store;
use crate::store::manifest::ObjectRef;
use live::{Live, LiveSite};
use respond::Error;

/// Frontend settings, from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// How often manifests are polled.
    pub poll: Duration,
    /// Bound of the object cache.
    pub cache_bytes: u64,
    /// `/readyz` fails when the last successful bucket read is older than this.
    pub stale_after: Duration,
    pub request_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            poll: Duration::from_secs(5),
            cache_bytes: 256 << 20,
            stale_after: Duration::from_secs(300),
            request_timeout: Duration::from_secs(10),
        }
    }
}

pub struct App {
    pub live: Arc<Live>,
    pub options: Options,
}

impl App {
    pub fn new(store: Store, options: Options) -> Arc<App> {
        Arc::new(App { live: Arc::new(Live::new(store, options.cache_bytes)), options })
    }
}

const CSP: &str = "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Every route; tests drive it with `oneshot`.
pub fn router(app: Arc<App>) -> Router {
    let timeout = app.options.request_timeout;
    Router::new()
        .route("/", get(index))
        .route("/api/headlines", get(headlines))
        .route("/assets/{name}", get(asset))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .fallback(|| async { Error::NotFound })
        .layer(axum::middleware::map_response(security_headers))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(64 * 1024))
        .with_state(app)
}

async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    resp
}

fn site(app: &App, headers: &HeaderMap) -> Result<LiveSite, Error> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    app.live.snapshot().site_for_host(host).cloned().ok_or(Error::NoSite)
}

async fn index(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, Error> {
    let site = site(&app, &headers)?;
    serve(&app, &headers, &site.manifest.index, respond::CACHE_PAGE).await
}

async fn headlines(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, Error> {
    let site = site(&app, &headers)?;
    serve(&app, &headers, &site.manifest.headlines, respond::CACHE_PAGE).await
}

/// Serves one stored object in the best encoding the client accepts.
async fn serve(app: &App, headers: &HeaderMap, obj: &ObjectRef, cache: &'static str) -> Result<Response, Error> {
    let encoding = respond::negotiate(headers.get(header::ACCEPT_ENCODING), &obj.encodings);
    let etag = respond::etag(&obj.hash, encoding);
    if respond::not_modified(headers, &etag) {
        return Ok(respond::not_modified_response(&etag, cache, !obj.encodings.is_empty()));
    }
    let body = app
        .live
        .object(&obj.variant_key(encoding))
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))?
        .ok_or_else(|| Error::Unavailable(format!("{} named by the manifest is missing", obj.key)))?;
    Ok(respond::object(obj, encoding, cache, body))
}

/// `/assets/<name>.<hash>.<ext>`: only hashed names, never a path; old versions stay served.
async fn asset(State(app): State<Arc<App>>, Path(name): Path<String>, headers: HeaderMap) -> Result<Response, Error> {
    if !crate::assets::is_hashed_name(&name) {
        return Err(Error::NotFound);
    }
    let hash = name.split('.').nth(1).unwrap_or_default().to_string();
    let content_type = crate::store::keys::content_type_for(&name).to_string();
    let key = crate::store::Key::Asset(name).to_string();
    // Which variants exist is not recorded for assets; try the best first.
    for encoding in ["br", "gzip"] {
        let obj = ObjectRef { key: key.clone(), hash: hash.clone(), content_type: content_type.clone(), size: 0, encodings: vec![encoding.into()] };
        if respond::negotiate(headers.get(header::ACCEPT_ENCODING), &obj.encodings) != encoding {
            continue;
        }
        if let Ok(resp) = serve(&app, &headers, &obj, respond::CACHE_IMMUTABLE).await {
            return Ok(resp);
        }
    }
    let obj = ObjectRef { key: key.clone(), hash, content_type, size: 0, encodings: vec![] };
    match app.live.object(&key).await {
        Ok(Some(_)) => serve(&app, &headers, &obj, respond::CACHE_IMMUTABLE).await,
        Ok(None) => Err(Error::NotFound),
        Err(e) => Err(Error::Unavailable(e.to_string())),
    }
}

async fn readyz(State(app): State<Arc<App>>) -> Response {
    let loaded = !app.live.snapshot().sites.is_empty();
    match app.live.age() {
        Some(age) if loaded && age <= app.options.stale_after => (StatusCode::OK, "ready\n").into_response(),
        Some(age) if loaded => {
            (StatusCode::SERVICE_UNAVAILABLE, format!("stale: bucket last read {}s ago\n", age.as_secs())).into_response()
        }
        _ => (StatusCode::SERVICE_UNAVAILABLE, "no site loaded from the bucket yet\n").into_response(),
    }
}

/// Loads the bucket, starts polling it, and serves until SIGINT/SIGTERM (finishing in-flight
/// requests).
pub async fn run(store: Store, listen: SocketAddr, options: Options) -> anyhow::Result<()> {
    let app = App::new(store, options.clone());
    if let Err(e) = app.live.refresh().await {
        tracing::warn!(error = %e, "first bucket read failed; will keep trying");
    }
    tokio::spawn(app.live.clone().poll(app.options.poll));
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(addr = %listener.local_addr()?, "serving");
    axum::serve(listener, router(app)).with_graceful_shutdown(shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
