//! The stateless frontend: serves every site in the bucket from memory with axum. It never
//! talks to a feed; anything it holds can be re-read from the bucket.
//!
//! [`live`] keeps the bucket's current generation in memory and [`sites`] what is known of each
//! site, [`page`] and [`respond`] turn it into responses, [`layout`] and [`settings`] handle
//! reader layouts, [`metrics`] counts, [`serve`] listens and [`conn`] bounds each connection.
//! The web admin (`/admin/...`, off unless configured) is [`crate::frontend::admin`]; `/old_headlines`
//! and the headline block a page is composed with come from [`crate::headlines`].

pub mod admin;
pub mod client;
pub mod conn;
pub mod headlines;
pub mod layout;
pub mod live;
pub mod metrics;
pub mod old_headlines;
pub mod page;
pub mod respond;
pub mod serve;
pub mod settings;
pub mod sites;
pub mod weather;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::render::names;
use crate::store::manifest::ObjectRef;
use crate::store::{Key, Store};
use layout::Prefs;
use live::{Live, LiveSite};
use respond::Error;
pub use serve::{run, serve};

/// Frontend settings, from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// How often manifests are polled.
    pub poll: Duration,
    /// Bound of the object and layout caches together.
    pub cache_bytes: u64,
    /// `/readyz` fails when the site index was last read longer ago than this.
    pub stale_after: Duration,
    /// Time to produce a response head.
    pub request_timeout: Duration,
    /// A new connection must send its first request head within this, and a kept-alive one
    /// must finish each further head within this of its first byte. At most
    /// [`conn::MAX_HEADER_TIMEOUT`].
    pub header_timeout: Duration,
    /// A kept-alive connection with no request for this long is closed, and so is one whose
    /// response has not moved a byte for this long.
    pub idle_timeout: Duration,
    /// Connections open at once, over every worker; past it new ones wait in the kernel's
    /// accept queue until one closes.
    pub max_connections: usize,
    pub weather: weather::WeatherOptions,
    /// Proxies in front whose forwarding headers are believed (see [`client`]).
    pub trusted_proxies: Vec<ipnetwork::IpNetwork>,
    /// The web admin; `None` (the default) answers 404 on every `/admin/` path.
    pub admin: Option<Arc<admin::AdminConfig>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            poll: Duration::from_secs(5),
            cache_bytes: 256 << 20,
            stale_after: Duration::from_secs(300),
            request_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 10_000,
            weather: Default::default(),
            trusted_proxies: vec![],
            admin: None,
        }
    }
}

pub struct App {
    pub live: Arc<Live>,
    pub options: Options,
    pub metrics: metrics::Metrics,
    /// One permit per open connection, shared by every worker.
    connections: Arc<tokio::sync::Semaphore>,
    pub weather: weather::Weather,
    /// The web admin's per-process state, when it is on.
    pub admin: Option<Arc<admin::Admin>>,
}

impl App {
    /// An app that has not read the bucket yet (tests call `live.refresh()` themselves).
    pub fn new(store: Store, options: Options) -> Arc<App> {
        let live = Arc::new(Live::new(store.clone(), options.cache_bytes));
        let connections = Arc::new(tokio::sync::Semaphore::new(
            options
                .max_connections
                .clamp(1, tokio::sync::Semaphore::MAX_PERMITS),
        ));
        Arc::new(App {
            metrics: metrics::Metrics::new(live.clone()),
            weather: weather::Weather::new(store.clone(), options.weather.clone()),
            admin: options.admin.clone().map(|config| {
                Arc::new(admin::Admin::new(
                    config,
                    live.clone(),
                    options.trusted_proxies.clone(),
                    options.poll,
                ))
            }),
            live,
            options,
            connections,
        })
    }

    /// Reads the bucket once and keeps polling it in the background (failures are logged by
    /// the refresh).
    pub async fn start(store: Store, options: Options) -> Arc<App> {
        let app = App::new(store, options);
        let _ = app.live.refresh().await;
        tokio::spawn(app.live.clone().poll(app.options.poll));
        app
    }

    /// What a 503 for a site that is not loaded suggests as `Retry-After`: the next poll.
    fn retry_after(&self) -> u64 {
        self.options.poll.as_secs_f64().ceil().max(1.0) as u64
    }
}

const CSP: &str = "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Largest request body outside `/admin`: the `/config` form is a few kB.
const MAX_BODY: usize = 64 * 1024;

/// Every route; tests drive it with `oneshot`.
pub fn router(app: Arc<App>) -> Router {
    let timeout = app.options.request_timeout;
    Router::new()
        .route("/", get(index))
        .route("/assets/{name}", get(asset))
        .route("/config", get(settings::show).post(settings::save))
        .route("/api/weather", get(weather::api))
        .route(
            "/old_headlines",
            get(crate::frontend::old_headlines::handler),
        )
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::handler))
        // Every other page the site published (`/api/headlines`, feeds, ...), by its path.
        .fallback(published)
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY))
        // After the limit above: the headline editor takes up to 64 kB of HTML, form-encoded.
        .nest("/admin", admin::router(app.admin.clone()))
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

/// The site a request is for, by its Host header: its own site, loaded or not (a 503 then),
/// and the default site only for a host that names none.
pub(crate) fn site(app: &App, headers: &HeaderMap, uri: &Uri) -> Result<Arc<LiveSite>, Error> {
    // HTTP/2 carries the host in `:authority`, which hyper puts in the URI (RFC 9113 §8.3.1).
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.host());
    let retry_after = app.retry_after();
    let snapshot = app.live.snapshot();
    let state = snapshot
        .site_for_host(host)
        .ok_or(Error::NoSite { retry_after })?;
    state.live.clone().ok_or(Error::SiteDown { retry_after })
}

/// `/`: the default page, or the reader's layout and look when their cookies ask for others;
/// composed here with the site's headline block when the admin index names a newer one than
/// the generation's (an edit the fetcher has not rendered yet).
///
/// Handlers take the request rather than a `HeaderMap` extractor, which would clone every
/// header on the hot path.
async fn index(State(app): State<Arc<App>>, req: Request) -> Result<Response, Error> {
    let (parts, _) = req.into_parts();
    let headers = &parts.headers;
    let site = site(&app, headers, &parts.uri)?;
    let above = app
        .live
        .headlines
        .newer_block(&site.entry.name, site.above_version());
    let wanted = layout::wanted(headers, &site);
    if wanted.is_some() || above.is_some() {
        let (visible, prefs, policy) = match wanted {
            Some((visible, prefs)) => (visible, prefs, respond::LAYOUT),
            // The default layout with a newer block is the same page for every reader.
            None => (site.in_order(), Prefs::default(), respond::FRONT),
        };
        match app
            .live
            .layout(&site, visible, prefs, above.as_deref())
            .await
        {
            Ok(page) => return Ok(respond::page(&page, headers, policy)),
            // The parts are gone from memory and the bucket: the default page beats an error.
            Err(e) => {
                tracing::warn!(error = %e, "reader layout unavailable; serving the default page")
            }
        }
    }
    let page = served(&app, &site, names::INDEX).await?;
    Ok(respond::page(&page, headers, respond::FRONT))
}

/// A page the site published under its path (the manifest's names that start with `/`).
/// Only exact names match, so no request path can reach any other object.
async fn published(State(app): State<Arc<App>>, req: Request) -> Result<Response, Error> {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return Err(Error::NotFound);
    }
    let headers = req.headers();
    let site = site(&app, headers, req.uri())?;
    let page = served(&app, &site, req.uri().path()).await?;
    Ok(respond::page(&page, headers, respond::PAGE))
}

/// The page `site` serves at `path`; 404 when it has none, 503 when the bucket cannot give it.
async fn served(app: &App, site: &LiveSite, path: &str) -> Result<Arc<page::Page>, Error> {
    match app.live.page(site, path).await {
        Ok(Some(page)) => Ok(page),
        Ok(None) => Err(Error::NotFound),
        Err(e) => Err(Error::Unavailable(e.to_string())),
    }
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

/// 200 once a site is loaded and the site index was read recently; 503 otherwise, so a load
/// balancer sends readers elsewhere while this frontend still serves what it has. A site that
/// cannot be loaded is named in the body but does not make the frontend unready: every
/// frontend reads the same bucket, so taking them all out would help no one.
async fn readyz(State(app): State<Arc<App>>) -> Response {
    let (ready, body) = app.live.snapshot().readiness(app.options.stale_after);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
