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
    /// From `NEWSDESK_SESSION_KEY`; `None`: the bucket's secret ([`session::bucket_secret`]).
    env_key: Option<Key>,
    /// The lifetime of a session, applied to every cookie whenever it comes back.
    pub session_lifetime: Duration,
    /// `--admin-allow-http`: logins over plain http are accepted and their cookie is not
    /// `Secure` (for tests and loopback-only setups).
    pub allow_http: bool,
}

impl std::fmt::Debug for AdminConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminConfig")
            .field("session_lifetime", &self.session_lifetime)
            .field("allow_http", &self.allow_http)
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
    /// `password_hash` from `NEWSDESK_ADMIN_HASH`; sessions are signed with a key made of a
    /// secret and the hash (so a new password ends them all): the secret is `session_key`
    /// (`NEWSDESK_SESSION_KEY`) if given, else one the first frontend generates and keeps in
    /// the bucket, where every frontend finds it. Logins need https unless
    /// [`AdminConfig::allowing_http`].
    pub fn new(
        password_hash: &str,
        session_key: Option<&str>,
        session_lifetime: Duration,
    ) -> Result<AdminConfig, ConfigError> {
        let password_hash = password_hash.trim().to_string();
        auth::check_hash(&password_hash)?;
        let env_key = match session_key {
            Some(k) if k.len() < MIN_SESSION_KEY => return Err(ConfigError::ShortKey),
            Some(k) => Some(Key::for_sessions(k, &password_hash)),
            None => None,
        };
        Ok(AdminConfig {
            password_hash,
            env_key,
            session_lifetime,
            allow_http: false,
        })
    }

    /// This config with `--admin-allow-http` set to `allow`.
    pub fn allowing_http(mut self, allow: bool) -> AdminConfig {
        self.allow_http = allow;
        self
    }
}

/// Password checks at once: every core but one, so readers are still served while a flood
/// of logins is being checked (each check takes tens of milliseconds of a core and ~19 MB).
pub fn verifier_permits(cores: usize) -> usize {
    cores.saturating_sub(1).max(1)
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
    /// Password checks at once ([`verifier_permits`]).
    verifying: tokio::sync::Semaphore,
    /// The session key, once known (read or made in the bucket at the first use).
    key: tokio::sync::OnceCell<Key>,
}

impl Admin {
    pub fn new(
        config: Arc<AdminConfig>,
        live: Arc<Live>,
        trusted_proxies: Vec<ipnetwork::IpNetwork>,
        poll: Duration,
    ) -> Admin {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Admin {
            config,
            live,
            trusted_proxies,
            poll,
            limiter: Default::default(),
            verifying: tokio::sync::Semaphore::new(verifier_permits(cores)),
            key: tokio::sync::OnceCell::new(),
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

    /// The key sessions and CSRF tokens are signed with: from `NEWSDESK_SESSION_KEY`, or from
    /// the bucket's secret (read once, made by the first frontend that needs it).
    pub async fn key(&self) -> Result<&Key, AdminError> {
        self.key
            .get_or_try_init(|| async {
                if let Some(k) = &self.config.env_key {
                    return Ok(k.clone());
                }
                let secret = session::bucket_secret(self.live.store())
                    .await
                    .map_err(|e| {
                        AdminError::Unavailable(format!(
                            "cannot read or store the admin session key ({}) in the bucket: give \
                         frontends write access to admin/ or set NEWSDESK_SESSION_KEY: {e}",
                            crate::store::Key::AdminSessionKey
                        ))
                    })?;
                Ok(Key::for_sessions(&secret, &self.config.password_hash))
            })
            .await
    }

    /// What a session must meet now: the lifetime set now and the not-before time last polled.
    pub fn validity(&self) -> session::Validity {
        session::Validity {
            lifetime: self.config.session_lifetime,
            not_before: self.live.headlines.sessions_not_before(),
        }
    }

    /// The valid session the request's cookie holds, if any.
    pub async fn session(
        &self,
        headers: &axum::http::HeaderMap,
    ) -> Result<Option<session::Session>, AdminError> {
        let key = self.key().await?;
        Ok(session::Session::from_headers(
            headers,
            key,
            &self.validity(),
            chrono::Utc::now(),
        ))
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
            .route(
                "/logout-everywhere",
                axum::routing::post(login::logout_everywhere),
            )
            .route("/headlines", get(editor::show).post(editor::save))
            .route("/history", get(history::show).post(history::restore))
            .route("/archive", get(archive::show).post(archive::change))
            .route("/feeds", get(feeds::show).post(feeds::refresh))
            .fallback(not_found)
            .layer(axum::middleware::from_fn_with_state(admin.clone(), hsts))
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

/// `Strict-Transport-Security` on every admin response that went over https: a browser that
/// has seen it never sends the password or the cookie over plain http to this host again.
pub const HSTS: &str = "max-age=31536000";

async fn hsts(
    axum::extract::State(admin): axum::extract::State<Arc<Admin>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let https = crate::frontend::client::client(&parts, &admin.trusted_proxies).https;
    let mut resp = next
        .run(axum::extract::Request::from_parts(parts, body))
        .await;
    if https {
        resp.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    resp
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_checks_leave_a_core_for_readers() {
        assert_eq!(verifier_permits(1), 1);
        assert_eq!(verifier_permits(2), 1);
        assert_eq!(verifier_permits(8), 7);
    }
}
