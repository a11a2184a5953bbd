//! The web admin on the frontend, off unless `NEWSDESK_ADMIN_HASH` is set: a login, then plain
//! HTML forms (no JavaScript needed) to edit the headline block, go back to an older version,
//! edit the archive, force a feed's refresh and see the feeds' health.
//!
//! [`auth`] checks the password, [`session`] keeps admins logged in with signed cookies any
//! frontend accepts, [`csrf`] guards every form, [`ratelimit`] slows password guessing per
//! client, [`crate::frontend::client`] tells who the client is behind trusted proxies; [`gate`] applies them to
//! each request; [`pages`] renders the templates in `templates/admin/`; [`login`], [`editor`],
//! [`history`], [`archive`] and [`feeds`] are the routes. Edits go through
//! [`crate::headlines`]; the frontend writes nothing outside `admin/` in the bucket.
//!
//! `mod.rs` holds the state ([`Admin`]), the error every route returns and the router over
//! the route files, which use the state and error: the usual axum shape, the router on top.

pub mod archive;
pub mod auth;
pub mod csrf;
pub mod editor;
pub mod feeds;
pub mod gate;
pub mod history;
pub mod login;
pub mod pages;
pub mod ratelimit;
pub mod session;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::frontend::live::Live;
use session::Key;

/// Largest request body of an admin form: 64 kB of HTML may take three times that
/// form-encoded. Past it, tower-http answers 413 before anything is read.
const MAX_BODY: usize = 256 * 1024;

/// How the admin is set up (from the frontend's environment and flags).
#[derive(Clone)]
pub struct AdminConfig {
    password_hash: String,
    key: Key,
    pub session_lifetime: Duration,
}

impl std::fmt::Debug for AdminConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminConfig")
            .field("session_lifetime", &self.session_lifetime)
            .finish_non_exhaustive()
    }
}

/// Shortest `NEWSDESK_SESSION_KEY` accepted.
pub const MIN_SESSION_KEY: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Hash(#[from] auth::AuthError),
    #[error(
        "NEWSDESK_SESSION_KEY must be at least {MIN_SESSION_KEY} characters (e.g. `openssl rand -hex 32`)"
    )]
    ShortKey,
}

impl AdminConfig {
    /// `password_hash` from `NEWSDESK_ADMIN_HASH`; sessions are signed with `session_key`
    /// (`NEWSDESK_SESSION_KEY`) if given, else with a key derived from the hash, so every
    /// frontend with the same hash accepts the same sessions and a new password ends them all.
    pub fn new(
        password_hash: &str,
        session_key: Option<&str>,
        session_lifetime: Duration,
    ) -> Result<AdminConfig, ConfigError> {
        let password_hash = password_hash.trim().to_string();
        auth::check_hash(&password_hash)?;
        let key = match session_key {
            Some(k) if k.len() < MIN_SESSION_KEY => return Err(ConfigError::ShortKey),
            Some(k) => Key::derive(k),
            None => Key::derive(&password_hash),
        };
        Ok(AdminConfig {
            password_hash,
            key,
            session_lifetime,
        })
    }

    pub fn key(&self) -> &Key {
        &self.key
    }
}

/// The admin's state in one frontend process: its settings, what it needs of the frontend
/// (the bucket and its sites as last polled, which proxies to believe, how often it polls),
/// and its own limits.
pub struct Admin {
    pub config: Arc<AdminConfig>,
    pub live: Arc<Live>,
    pub trusted_proxies: Vec<ipnetwork::IpNetwork>,
    /// How often frontends poll the bucket: how soon an edit is on the public page.
    pub poll: Duration,
    pub limiter: ratelimit::Limiter,
    /// Password checks at once: each takes tens of milliseconds of a core and ~19 MB.
    verifying: tokio::sync::Semaphore,
}

impl Admin {
    pub fn new(
        config: Arc<AdminConfig>,
        live: Arc<Live>,
        trusted_proxies: Vec<ipnetwork::IpNetwork>,
        poll: Duration,
    ) -> Admin {
        Admin {
            config,
            live,
            trusted_proxies,
            poll,
            limiter: Default::default(),
            verifying: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
        }
    }

    /// Whether `password` is the admin's, checked off the async workers.
    pub async fn verify(&self, password: String) -> bool {
        let _permit = self.verifying.acquire().await.expect("never closed");
        let hash = self.config.password_hash.clone();
        tokio::task::spawn_blocking(move || auth::verify(&hash, &password))
            .await
            .unwrap_or(false)
    }
}

/// The `/admin` routes; every one answers 404 while the admin is off (`None`).
pub fn router<S: Clone + Send + Sync + 'static>(admin: Option<Arc<Admin>>) -> Router<S> {
    let not_found = || async { AdminError::NotFound };
    let routes = match admin {
        None => Router::new().fallback(not_found),
        Some(admin) => Router::new()
            .route("/", get(login::home))
            .route("/login", get(login::show).post(login::submit))
            .route("/logout", axum::routing::post(login::logout))
            .route("/headlines", get(editor::show).post(editor::save))
            .route("/history", get(history::show).post(history::restore))
            .route("/archive", get(archive::show).post(archive::change))
            .route("/feeds", get(feeds::show).post(feeds::refresh))
            .fallback(not_found)
            .with_state(admin),
    };
    routes
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY))
        // Admin pages show private state and carry CSRF tokens: no cache may keep them.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// Why an admin request is refused; each becomes its status here.
#[derive(Debug)]
pub enum AdminError {
    /// The admin is off (or no such page).
    NotFound,
    /// A page that needs a session, asked for without one: go and log in.
    LogIn,
    /// A form posted without a session.
    Unauthorized,
    Forbidden(&'static str),
    TooManyAttempts {
        retry_after: Duration,
    },
    /// No site to administer, or the bucket failed.
    Unavailable(String),
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let mut resp = match self {
            AdminError::NotFound => (StatusCode::NOT_FOUND, "not found\n").into_response(),
            AdminError::LogIn => {
                let mut r = StatusCode::SEE_OTHER.into_response();
                r.headers_mut()
                    .insert(header::LOCATION, HeaderValue::from_static("/admin/login"));
                r
            }
            AdminError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "not logged in, or the session has ended: log in again at /admin/login; nothing was changed\n",
            )
                .into_response(),
            AdminError::Forbidden(why) => {
                (StatusCode::FORBIDDEN, format!("{why}; nothing was changed\n")).into_response()
            }
            AdminError::TooManyAttempts { retry_after } => {
                let secs = retry_after.as_secs().max(1);
                let mut r = (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("too many failed logins from your address; try again in {secs} s\n"),
                )
                    .into_response();
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                r
            }
            AdminError::Unavailable(why) => {
                tracing::warn!(error = %why, "admin request failed");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!("temporarily unavailable: {why}\n"),
                )
                    .into_response()
            }
        };
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

impl From<crate::store::StoreError> for AdminError {
    fn from(e: crate::store::StoreError) -> Self {
        AdminError::Unavailable(e.to_string())
    }
}
