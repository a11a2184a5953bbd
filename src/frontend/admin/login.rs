//! `/admin/login`, `/admin/logout` and `/admin/logout-everywhere`. A login needs https (known
//! from the connection or a trusted proxy's `X-Forwarded-Proto`) unless the frontend runs with
//! `--admin-allow-http`. A wrong password counts against the client's network and everyone's
//! budget ([`super::ratelimit`]); a right one sets the session cookie and goes to the editor.

use std::sync::Arc;
use std::time::Instant;

use axum::Form;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use minijinja::context;

use super::gate::{self, field};
use super::ratelimit::{Pace, SLOW};
use super::session::Session;
use super::{Admin, AdminError, csrf, pages};
use crate::frontend::client::{Client, client};

/// Why a login over plain http is refused.
pub const NEEDS_HTTPS: &str = "logging in over plain http is refused (the password and the session would cross the \
     network in clear): use https (behind a proxy, the frontend must trust it with \
     --trusted-proxy so its X-Forwarded-Proto counts), or start the frontend with \
     --admin-allow-http on a trusted network";

/// Whether the session cookie is `Secure`: always, unless http is allowed and this request
/// came over it.
fn secure(admin: &Admin, who: &Client) -> bool {
    who.https || !admin.config.allow_http
}

fn redirect(to: &'static str, cookie: Option<String>) -> Result<Response, AdminError> {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    let h = resp.headers_mut();
    h.insert(header::LOCATION, HeaderValue::from_static(to));
    if let Some(c) = cookie {
        h.insert(
            header::SET_COOKIE,
            HeaderValue::from_str(&c).map_err(|e| AdminError::Unavailable(e.to_string()))?,
        );
    }
    Ok(resp)
}

/// `GET /admin/`: the editor (which sends a stranger to the login).
pub async fn home() -> Result<Response, AdminError> {
    redirect("/admin/headlines", None)
}

fn form(
    admin: &Admin,
    parts: &Parts,
    status: StatusCode,
    problem: Option<&str>,
) -> Result<Response, AdminError> {
    let (site, live) = gate::site(admin, parts)?;
    pages::render(
        "admin/login.html",
        status,
        context! {
            site => context! { title => site.title },
            stylesheet => gate::stylesheet(live.as_deref()),
            problem => problem,
        },
    )
}

/// `GET /admin/login`.
pub async fn show(State(admin): State<Arc<Admin>>, parts: Parts) -> Result<Response, AdminError> {
    if admin.session(&parts.headers).await?.is_some() {
        return redirect("/admin/headlines", None);
    }
    let who = client(&parts, &admin.trusted_proxies);
    let problem = (!who.https && !admin.config.allow_http).then_some(NEEDS_HTTPS);
    form(&admin, &parts, StatusCode::OK, problem)
}

/// `POST /admin/login` with the field `password`.
pub async fn submit(
    State(admin): State<Arc<Admin>>,
    parts: Parts,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AdminError> {
    if !csrf::same_origin(&parts.headers) {
        return Err(AdminError::Forbidden(
            "a login form from another site was refused",
        ));
    }
    let who = client(&parts, &admin.trusted_proxies);
    if !who.https && !admin.config.allow_http {
        return Err(AdminError::Forbidden(NEEDS_HTTPS));
    }
    let pace = admin
        .limiter
        .attempt(who.addr, Instant::now())
        .map_err(|retry_after| AdminError::TooManyAttempts { retry_after })?;
    // Past everyone's budget of failures: one try at a time, SLOW apart.
    let _lane = match pace {
        Pace::Now => None,
        Pace::Slow => {
            let lane = admin.limiter.slow_lane.lock().await;
            tokio::time::sleep(SLOW).await;
            Some(lane)
        }
    };
    let password = field(&fields, "password").unwrap_or_default().to_string();
    if password.is_empty() || !admin.verify(password).await {
        tracing::warn!(client = ?who.addr, "failed admin login");
        return form(
            &admin,
            &parts,
            StatusCode::UNAUTHORIZED,
            Some("Wrong password."),
        );
    }
    admin.limiter.succeeded(who.addr);
    let key = admin.key().await?;
    let now = Utc::now();
    let session = Session::issue(now, &admin.validity());
    tracing::info!(client = ?who.addr, author = %session.author(key), "admin logged in");
    let cookie = session.set_cookie(key, secure(&admin, &who), now);
    redirect("/admin/headlines", Some(cookie))
}

/// `POST /admin/logout`: removes the cookie (the form's token must match a live session).
pub async fn logout(
    State(admin): State<Arc<Admin>>,
    parts: Parts,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AdminError> {
    let who = client(&parts, &admin.trusted_proxies);
    if admin.session(&parts.headers).await?.is_some() {
        gate::form(admin.clone(), &parts, &fields).await?;
    }
    redirect(
        "/admin/login",
        Some(Session::clear_cookie(secure(&admin, &who))),
    )
}

/// `POST /admin/logout-everywhere`: ends every admin session, on every frontend within one
/// poll (the not-before time in the admin index), this one at once.
pub async fn logout_everywhere(
    State(admin): State<Arc<Admin>>,
    parts: Parts,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AdminError> {
    let ctx = gate::form(admin.clone(), &parts, &fields).await?;
    let store = admin.live.store();
    let not_before = crate::headlines::index::log_out_everywhere(store, Utc::now()).await?;
    // This frontend need not wait for its next poll.
    let _ = admin.live.headlines.refresh(store).await;
    tracing::info!(author = %ctx.author(), not_before, "admin sessions ended everywhere");
    redirect(
        "/admin/login",
        Some(Session::clear_cookie(secure(&admin, &ctx.client))),
    )
}
