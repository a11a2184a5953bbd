//! What every admin request passes before its handler (the router answers 404 to every path
//! while the admin is off): the Host must name a site; a page needs a session (else it sends the browser to the login); a
//! form needs a session (401), to come from this site (403) and to bring the session's CSRF
//! token (403).

use std::sync::Arc;

use axum::http::header;
use axum::http::request::Parts;

use super::session::{Key, Session};
use super::{Admin, AdminError, csrf};
use crate::frontend::client::{Client, client};
use crate::frontend::sites::LiveSite;
use crate::store::Store;
use crate::store::manifest::SiteEntry;

/// An admin request that passed the gate.
pub struct Ctx {
    pub admin: Arc<Admin>,
    /// The site the Host names.
    pub site: SiteEntry,
    /// Its live generation, if it has one.
    pub live: Option<Arc<LiveSite>>,
    pub session: Session,
    /// The key the session is signed with.
    pub key: Key,
    /// The token the page's forms carry.
    pub csrf: String,
    pub client: Client,
}

impl Ctx {
    pub fn store(&self) -> &Store {
        self.admin.live.store()
    }

    /// Who edits, as version histories name it.
    pub fn author(&self) -> String {
        self.session.author(&self.key)
    }

    /// The site's stylesheet, if its generation is loaded.
    pub fn stylesheet(&self) -> Option<String> {
        stylesheet(self.live.as_deref())
    }
}

pub fn stylesheet(live: Option<&LiveSite>) -> Option<String> {
    live?
        .manifest
        .assets
        .get("style.css")
        .map(|s| format!("/assets/{s}"))
}

/// The site the request's Host names (the default site for an unknown host).
pub fn site(
    admin: &Admin,
    parts: &Parts,
) -> Result<(SiteEntry, Option<Arc<LiveSite>>), AdminError> {
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.host());
    let snapshot = admin.live.snapshot();
    let state = snapshot.site_for_host(host).ok_or_else(|| {
        AdminError::Unavailable("no site in the bucket yet: run the fetcher first".into())
    })?;
    Ok((state.entry.clone(), state.live.clone()))
}

async fn ctx(admin: Arc<Admin>, parts: &Parts, session: Session) -> Result<Ctx, AdminError> {
    let key = admin.key().await?.clone();
    let csrf = csrf::token(&session, &key);
    let client = client(parts, &admin.trusted_proxies);
    let (site, live) = site(&admin, parts)?;
    Ok(Ctx {
        admin,
        site,
        live,
        session,
        key,
        csrf,
        client,
    })
}

/// A page: needs a session, else the login.
pub async fn page(admin: Arc<Admin>, parts: &Parts) -> Result<Ctx, AdminError> {
    let session = admin
        .session(&parts.headers)
        .await?
        .ok_or(AdminError::LogIn)?;
    ctx(admin, parts, session).await
}

/// A form post: needs a session, this site as its origin and the session's CSRF token.
pub async fn form(
    admin: Arc<Admin>,
    parts: &Parts,
    fields: &[(String, String)],
) -> Result<Ctx, AdminError> {
    let session = admin
        .session(&parts.headers)
        .await?
        .ok_or(AdminError::Unauthorized)?;
    if !csrf::same_origin(&parts.headers) {
        return Err(AdminError::Forbidden(
            "a form from another site was refused",
        ));
    }
    if !csrf::check(&session, admin.key().await?, field(fields, "csrf")) {
        return Err(AdminError::Forbidden(
            "the form's security token is missing or wrong (reload the page and try again)",
        ));
    }
    ctx(admin, parts, session).await
}

/// The first value of a form field.
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A value of a query parameter (no decoding: only used for version names and numbers).
pub fn query<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .uri
        .query()?
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The `page` query parameter of a paged list: 1 when absent, 404 unless a number from 1.
pub fn page_number(parts: &Parts) -> Result<usize, AdminError> {
    match query(parts, "page") {
        None => Ok(1),
        Some(p) => p
            .parse()
            .ok()
            .filter(|p| *p >= 1)
            .ok_or(AdminError::NotFound),
    }
}
