//! Every route of the frontend: the router, its layers (security headers, body limit,
//! timeout, metrics) and the handlers of the pages the bucket serves as they are (`/`, the
//! published pages by path, hashed assets) and of `/readyz`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::Route;
use axum::routing::{MethodRouter, get};
use tower_http::set_header::SetResponseHeaderLayer;

use super::app::App;
use super::layout::{self, Prefs};
use super::live::LayoutError;
use super::respond::{self, Error};
use super::sites::LiveSite;
use super::{admin, at, metrics, old_headlines, page, search, settings, weather};
use crate::render::names;

/// Every image a page shows is a copy in the bucket, served from `/assets/` (logos, headline
/// images, weather icons) or `/favicon.ico`: `img-src 'self'`.
pub const CSP: &str = "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The label `/metrics` counts every admin page under.
const ADMIN_LABEL: &str = "/admin/{page}";

/// Largest request body outside `/admin`: the `/config` form is a few kB.
const MAX_BODY: usize = 64 * 1024;

/// Every route; tests drive it with `oneshot`.
pub fn router(app: Arc<App>) -> Router {
    let timeout = app.options.request_timeout;
    let routes: [(&'static str, MethodRouter<Arc<App>>); 11] = [
        ("/", get(index)),
        ("/assets/{name}", get(asset)),
        // The one public route that reads a body: the layer only where it has work.
        (
            "/config",
            get(settings::show)
                .post(settings::save)
                .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY)),
        ),
        (
            "/api/weather",
            get(weather::api).with_state(app.weather.clone()),
        ),
        ("/old_headlines", get(old_headlines::handler)),
        ("/at/{when}", get(at::handler)),
        ("/search", get(search::page)),
        ("/api/search", get(search::api)),
        ("/healthz", get(healthz)),
        ("/readyz", get(public_readyz)),
        ("/metrics", get(public_metrics)),
    ];
    // Requests are counted by route: these, the pages served by their path, the admin's.
    app.metrics.label_routes(
        routes
            .iter()
            .map(|(path, _)| *path)
            .chain(names::PAGES)
            .chain([ADMIN_LABEL]),
    );
    let mut router = Router::new();
    for (path, handler) in routes {
        router = router.route(path, handler);
    }
    router
        // Every other page the site published (`/api/headlines`, feeds, ...), by its path.
        .fallback(published)
        // The admin's forms have their own limits (the headline editor takes up to 64 kB of
        // HTML, form-encoded).
        .nest("/admin", admin::router(app.admin.clone()))
        // Outermost, so timeouts and refused bodies are counted and carry the headers too.
        .layer(Edge::layer(app.metrics.clone(), timeout))
        .with_state(app)
}

/// The operator's routes alone, for `--admin-listen`: `/metrics` and `/readyz` in full (every
/// site, its errors and the cache sizes), and `/healthz`.
pub fn ops_router(app: Arc<App>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(
            "/metrics",
            get(metrics::handler).with_state(app.metrics.clone()),
        )
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .with_state(app)
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// `/metrics` on the public listener: 404 once `--admin-listen` serves it elsewhere.
async fn public_metrics(State(app): State<Arc<App>>) -> Response {
    if app.options.admin_listen.is_some() {
        return Error::NotFound.into_response();
    }
    metrics::handler(State(app.metrics.clone())).await
}

/// `/readyz` on the public listener: with `--admin-listen`, only whether the frontend is
/// ready (what a load balancer needs), not which sites it has or their errors.
async fn public_readyz(State(app): State<Arc<App>>) -> Response {
    if app.options.admin_listen.is_none() {
        return readyz(State(app)).await;
    }
    let (ready, _) = app.live.snapshot().readiness(app.options.stale_after);
    let (status, body) = if ready {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
    };
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// A header the operator's routes carry (tower-http's layer: no boxing on the hot path).
fn security_header(
    name: header::HeaderName,
    value: &'static str,
) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}

/// The security headers every public response carries.
const SECURITY_HEADERS: [(header::HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CSP),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
];

/// The outermost layer of the public router: counts every request under its route and status
/// (`/metrics`), answers 503 to one whose response head is not ready within `timeout`, and sets
/// [`SECURITY_HEADERS`] on every response. One layer written out rather than axum's `from_fn`,
/// tower-http's timeout and a layer per header: no boxed future, no clone of the service stack,
/// one pass over the headers, and no timer for a request answered at its first poll (a page or
/// asset in memory, nearly all of them): the timer is armed only once the handler waits.
#[derive(Clone)]
struct Edge<S> {
    inner: S,
    metrics: Arc<metrics::Metrics>,
    timeout: Duration,
}

impl Edge<()> {
    fn layer(
        metrics: Arc<metrics::Metrics>,
        timeout: Duration,
    ) -> impl tower::Layer<Route, Service = Edge<Route>> + Clone {
        tower::layer::layer_fn(move |inner| Edge {
            inner,
            metrics: metrics.clone(),
            timeout,
        })
    }
}

impl<S> tower::Service<Request> for Edge<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = EdgeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        EdgeFuture {
            timing: Some(self.metrics.start(req.uri().path())),
            metrics: self.metrics.clone(),
            inner: self.inner.call(req),
            timeout: self.timeout,
            deadline: None,
        }
    }
}

pin_project_lite::pin_project! {
    struct EdgeFuture<F> {
        #[pin]
        inner: F,
        timing: Option<metrics::Timing>,
        metrics: Arc<metrics::Metrics>,
        timeout: Duration,
        // Armed at the first poll that finds the response not ready.
        #[pin]
        deadline: Option<tokio::time::Sleep>,
    }
}

impl<F: Future<Output = Result<Response, Infallible>>> Future for EdgeFuture<F> {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let mut resp = match this.inner.poll(cx) {
            Poll::Ready(Ok(resp)) => resp,
            Poll::Pending => {
                if this.deadline.is_none() {
                    this.deadline.set(Some(tokio::time::sleep(*this.timeout)));
                }
                let deadline = this.deadline.as_pin_mut().expect("armed above");
                ready!(deadline.poll(cx));
                // The handler's future is dropped with this one. The 503 every route gives
                // when it cannot answer: `no-store`, so no cache keeps it.
                Error::Unavailable(format!("no response within {:?}", this.timeout)).into_response()
            }
        };
        let h = resp.headers_mut();
        for (name, value) in SECURITY_HEADERS {
            h.insert(name, HeaderValue::from_static(value));
        }
        if let Some(timing) = this.timing.take() {
            this.metrics.finish(timing, resp.status());
        }
        Poll::Ready(Ok(resp))
    }
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
    let site = app.site(headers, &parts.uri)?;
    let above = app
        .live
        .headlines
        .newer_block(&site.entry.name, site.above_version());
    let wanted = layout::wanted(headers, &site);
    if wanted.is_some() || above.is_some() {
        // A reader's own layout is charged to its network's share of new layouts; the
        // default layout with a newer block is the same page for every reader.
        let (visible, prefs, policy, client) = match wanted {
            Some((visible, prefs)) => {
                let who = super::client::client(&parts, &app.options.trusted_proxies);
                (visible, prefs, respond::LAYOUT, Some(who.addr))
            }
            None => (site.in_order(), Prefs::default(), respond::FRONT, None),
        };
        match app
            .live
            .layout(&site, visible, prefs, above.as_deref(), client)
            .await
        {
            Ok(page) => return Ok(respond::page(&page, headers, policy)),
            Err(LayoutError::OverShare | LayoutError::Busy) => {
                tracing::debug!("no budget for a new reader layout; serving the default page")
            }
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
    let site = app.site(headers, req.uri())?;
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
/// `assets/` can be named; only names a loaded generation refers to (old ones stay served
/// while this process remembers them), so a random name costs no bucket read.
async fn asset(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    req: Request,
) -> Result<Response, Error> {
    let headers = req.headers();
    if !crate::assets::is_hashed_name(&name) {
        return Err(Error::NotFound);
    }
    match app.live.asset(&name).await {
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

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use tower::ServiceExt;

    use super::*;
    use crate::store::{Role, Store};

    /// Every route the router serves is counted under its own label, not `other`.
    #[tokio::test]
    async fn every_route_has_its_metrics_label() {
        let store = Store::open("memory://", Role::Frontend).unwrap();
        let app = App::new(store, Default::default());
        let router = router(app);
        let send = |path: &str| {
            let req = Request::get(path).body(Body::empty()).unwrap();
            router.clone().oneshot(req)
        };
        let paths = [
            ("/", "/"),
            ("/assets/style.0123456789.css", "/assets/{name}"),
            ("/config", "/config"),
            ("/api/weather", "/api/weather"),
            ("/old_headlines", "/old_headlines"),
            ("/at/2026-11-30", "/at/{when}"),
            ("/search?q=x", "/search"),
            ("/api/search?q=x", "/api/search"),
            ("/healthz", "/healthz"),
            ("/readyz", "/readyz"),
            ("/admin/login", ADMIN_LABEL),
            ("/wp-login.php", "other"),
        ];
        let published = names::PAGES.map(|p| (p, p));
        for (path, _) in paths.iter().chain(&published) {
            send(path).await.unwrap();
        }
        let resp = send("/metrics").await.unwrap();
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        for (path, label) in paths.iter().chain(&published) {
            assert!(
                text.contains(&format!("newsdesk_http_requests_total{{route=\"{label}\"")),
                "{path} is not counted as {label}:\n{text}"
            );
        }
        let others = text
            .lines()
            .filter(|l| l.starts_with("newsdesk_http_requests_total{route=\"other\""))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
            .sum::<u64>();
        assert_eq!(others, 1, "only the unknown path is `other`:\n{text}");
    }

    #[test]
    fn images_come_only_from_this_site() {
        assert!(CSP.contains("img-src 'self';"), "{CSP}");
        assert!(!CSP.contains("https:") && !CSP.contains("data:"), "{CSP}");
    }

    async fn get(router: &Router, path: &str) -> (StatusCode, String) {
        let resp = router
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// A handler that has not answered within the request timeout gets a 503 with the security
    /// headers and is dropped; one that waits but answers in time is untouched.
    #[tokio::test]
    async fn a_request_past_its_timeout_gets_503_and_one_in_time_its_answer() {
        use std::time::Duration;
        let store = Store::open("memory://", Role::Frontend).unwrap();
        let metrics = App::new(store, Default::default()).metrics.clone();
        let (dropped, mut was_dropped) = tokio::sync::oneshot::channel::<()>();
        let dropped = Arc::new(std::sync::Mutex::new(Some(dropped)));
        let router = Router::new()
            .route("/", axum::routing::get(|| async { "now" }))
            .route(
                "/wait",
                axum::routing::get(|| async {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    "waited"
                }),
            )
            .route(
                "/stuck",
                axum::routing::get(move || {
                    let guard = dropped.lock().unwrap().take();
                    async move {
                        let _guard = guard;
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                        "never"
                    }
                }),
            )
            .layer(Edge::layer(metrics, Duration::from_secs(2)));
        assert_eq!(get(&router, "/").await, (StatusCode::OK, "now".into()));
        assert_eq!(
            get(&router, "/wait").await,
            (StatusCode::OK, "waited".into())
        );
        let stuck = router
            .clone()
            .oneshot(Request::get("/stuck").body(Body::empty()).unwrap());
        let resp = tokio::time::timeout(Duration::from_secs(30), stuck)
            .await
            .expect("the timeout answers long before the handler would")
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(resp.headers()[&name], value, "{name}");
        }
        assert!(
            matches!(
                was_dropped.try_recv(),
                Err(tokio::sync::oneshot::error::TryRecvError::Closed)
            ),
            "the stuck handler is dropped"
        );
    }

    /// With `--admin-listen`, the public listener tells nobody which sites there are or why
    /// they fail; the operator's listener does.
    #[tokio::test]
    async fn admin_listen_takes_metrics_and_readyz_details_off_the_public_listener() {
        let store = Store::open("memory://", Role::Frontend).unwrap();
        let open = router(App::new(store.clone(), Default::default()));
        let (status, body) = get(&open, "/metrics").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("newsdesk_"), "{body}");
        let (_, body) = get(&open, "/readyz").await;
        assert!(
            body.contains("not ready: the bucket has not been read yet"),
            "{body}"
        );

        let app = App::new(
            store,
            crate::frontend::Options {
                admin_listen: Some("127.0.0.1:0".into()),
                ..Default::default()
            },
        );
        let public = router(app.clone());
        assert_eq!(get(&public, "/metrics").await.0, StatusCode::NOT_FOUND);
        let (status, body) = get(&public, "/readyz").await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
        );
        assert_eq!(
            get(&public, "/healthz").await,
            (StatusCode::OK, "ok\n".into())
        );
        let ops = ops_router(app);
        let (status, body) = get(&ops, "/metrics").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("newsdesk_http_requests_total"), "{body}");
        let (_, body) = get(&ops, "/readyz").await;
        assert!(body.contains("the bucket has not been read yet"), "{body}");
        assert_eq!(get(&ops, "/healthz").await.0, StatusCode::OK);
        assert_eq!(
            get(&ops, "/").await.0,
            StatusCode::NOT_FOUND,
            "nothing else"
        );
    }
}
