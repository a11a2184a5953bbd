//! `/admin/login` and `/admin/logout`. A wrong password counts against the client's address
//! ([`super::ratelimit`]); a right one sets the session cookie and goes to the editor.

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
use super::session::Session;
use super::{Admin, AdminError, csrf, pages};
use crate::frontend::client::client;

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
    if Session::from_headers(&parts.headers, admin.config.key(), Utc::now()).is_some() {
        return redirect("/admin/headlines", None);
    }
    form(&admin, &parts, StatusCode::OK, None)
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
    admin
        .limiter
        .attempt(who.addr, Instant::now())
        .map_err(|retry_after| AdminError::TooManyAttempts { retry_after })?;
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
    let now = Utc::now();
    let session = Session::new(now, admin.config.session_lifetime);
    tracing::info!(client = ?who.addr, author = %session.author(admin.config.key()), "admin logged in");
    let cookie = session.set_cookie(admin.config.key(), who.https, now);
    redirect("/admin/headlines", Some(cookie))
}

/// `POST /admin/logout`: removes the cookie (the form's token must match a live session).
pub async fn logout(
    State(admin): State<Arc<Admin>>,
    parts: Parts,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AdminError> {
    let who = client(&parts, &admin.trusted_proxies);
    if Session::from_headers(&parts.headers, admin.config.key(), Utc::now()).is_some() {
        gate::form(admin.clone(), &parts, &fields)?;
    }
    redirect("/admin/login", Some(Session::clear_cookie(who.https)))
}
