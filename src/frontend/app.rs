//! The frontend's state: its settings from the command line ([`Options`]) and what one
//! process holds ([`App`]): the live view of the bucket, metrics, weather, the admin, and the
//! connection budget. Handlers take it as axum state; [`App::site`] finds the site a request is for.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, Uri};

use super::live::Live;
use super::respond::Error;
use super::sites::LiveSite;
use super::{admin, metrics, weather};
use crate::store::Store;

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
    /// [`super::conn::MAX_HEADER_TIMEOUT`].
    pub header_timeout: Duration,
    /// A kept-alive connection with no request for this long is closed, and so is one whose
    /// response has not moved a byte for this long.
    pub idle_timeout: Duration,
    /// Connections open at once, over every worker; past it new ones wait in the kernel's
    /// accept queue until one closes.
    pub max_connections: usize,
    pub weather: weather::WeatherOptions,
    /// Proxies in front whose forwarding headers are believed (see [`super::client`]).
    pub trusted_proxies: Vec<ipnetwork::IpNetwork>,
    /// The web admin; `None` (the default) answers 404 on every `/admin/` path.
    pub admin: Option<Arc<admin::AdminConfig>>,
    /// `--admin-listen`: a second listener that alone serves `/metrics` and `/readyz` in
    /// full ([`super::routes::ops_router`]); the public one then hides them.
    pub admin_listen: Option<String>,
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
            admin_listen: None,
        }
    }
}

impl Options {
    /// What the operator should hear at start about these settings.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = vec![];
        if let Some(admin) = &self.admin
            && self.trusted_proxies.is_empty()
        {
            out.push(format!(
                "the web admin is on and no --trusted-proxy (NEWSDESK_TRUSTED_PROXY) is set: behind a \
                 proxy or load balancer every client looks like it, so all share one login rate limit{}. \
                 Set --trusted-proxy to the proxy's address (127.0.0.1 when it runs on this machine)",
                if admin.allow_http {
                    ""
                } else {
                    ", and its X-Forwarded-Proto is not believed, so logins through it are refused as plain http"
                }
            ));
        }
        if self.admin_listen.is_none() {
            out.push(
                "/metrics and /readyz list every site and its errors to anyone who asks: set \
                 --admin-listen (NEWSDESK_ADMIN_LISTEN) to serve them on a private address only"
                    .to_string(),
            );
        }
        out
    }
}

pub struct App {
    pub live: Arc<Live>,
    pub options: Options,
    pub metrics: Arc<metrics::Metrics>,
    /// One permit per open connection, shared by every worker.
    pub(crate) connections: Arc<tokio::sync::Semaphore>,
    pub weather: Arc<weather::Weather>,
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
            metrics: Arc::new(metrics::Metrics::new(live.clone())),
            weather: Arc::new(weather::Weather::new(
                store.clone(),
                options.weather.clone(),
                live.clone(),
                options.trusted_proxies.clone(),
                options.poll,
            )),
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

    /// The site a request is for (see [`Live::site`]).
    pub fn site(&self, headers: &HeaderMap, uri: &Uri) -> Result<Arc<LiveSite>, Error> {
        self.live.site(headers, uri, self.options.poll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_admin_without_a_trusted_proxy_is_warned_about() {
        let admin = admin::AdminConfig::new(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            None,
            Duration::from_secs(60),
        )
        .unwrap();
        let on = Options {
            admin: Some(Arc::new(admin)),
            admin_listen: Some("127.0.0.1:9090".into()),
            ..Options::default()
        };
        let warnings = on.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("--trusted-proxy"), "{warnings:?}");
        let behind = Options {
            trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
            ..on
        };
        assert!(behind.warnings().is_empty());
        assert!(
            Options::default()
                .warnings()
                .iter()
                .all(|w| !w.contains("trusted-proxy")),
            "no admin, no proxy warning"
        );
    }
}
