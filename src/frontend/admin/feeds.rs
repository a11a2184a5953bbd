//! `/admin/feeds`: each feed of the site with its last success, last error and next fetch
//! (from the fetcher's state in the bucket), and a button asking the fetcher's next pass to
//! fetch it whatever its schedule.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;

use super::gate::{self, field, query};
use super::{Admin, AdminError, pages};
use crate::headlines::refresh;
use crate::model::feed_id;

#[derive(Serialize)]
struct Row {
    id: String,
    title: String,
    url: Option<String>,
    last_success: Option<DateTime<Utc>>,
    error: Option<String>,
    failures: u32,
    next_fetch: Option<DateTime<Utc>>,
    requested: Option<DateTime<Utc>>,
}

/// `GET /admin/feeds`.
pub async fn show(State(admin): State<Arc<Admin>>, parts: Parts) -> Result<Response, AdminError> {
    let ctx = gate::page(admin, &parts).await?;
    let store = ctx.store();
    let records = crate::store::fetch_state::load_fetch_records(store).await?;
    let by_id: HashMap<String, _> = records.values().map(|r| (feed_id(&r.url), r)).collect();
    let requested: HashMap<String, DateTime<Utc>> = refresh::pending(store, &ctx.site.name)
        .await?
        .into_iter()
        .collect();
    let feeds: Vec<Row> = ctx
        .live
        .iter()
        .flat_map(|l| &l.fragments)
        .map(|f| {
            let r = by_id.get(&f.id);
            Row {
                id: f.id.clone(),
                title: f.title.clone(),
                url: r.map(|r| crate::address::shown_url(&r.url)),
                last_success: r.and_then(|r| r.last_success),
                error: r
                    .and_then(|r| r.last_error.as_ref())
                    .map(|e| format!("{} ({})", e.message, e.kind)),
                failures: r.map_or(0, |r| r.consecutive_failures),
                next_fetch: r.and_then(|r| r.next_fetch),
                requested: requested.get(&f.id).copied(),
            }
        })
        .collect();
    let notice = query(&parts, "requested")
        .and_then(|id| feeds.iter().find(|f| f.id == id))
        .map(|f| format!("The fetcher's next pass fetches {}.", f.title));
    pages::render(
        "admin/feeds.html",
        StatusCode::OK,
        context! { feeds => Value::from(Serde(&feeds)), ..pages::base(&ctx, notice, None) },
    )
}

/// `POST /admin/feeds` with `feed` (a source id of the site).
pub async fn refresh(
    State(admin): State<Arc<Admin>>,
    parts: Parts,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AdminError> {
    let ctx = gate::form(admin, &parts, &fields).await?;
    let feed = field(&fields, "feed").unwrap_or_default();
    let known = ctx
        .live
        .iter()
        .flat_map(|l| &l.fragments)
        .any(|f| f.id == feed);
    if !known || !refresh::is_feed_id(feed) {
        return Err(AdminError::NotFound);
    }
    refresh::request(ctx.store(), &ctx.site.name, feed, &ctx.author(), Utc::now()).await?;
    tracing::info!(site = %ctx.site.name, feed, author = %ctx.author(), "feed refresh requested");
    let mut resp = StatusCode::SEE_OTHER.into_response();
    resp.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&format!("/admin/feeds?requested={feed}"))
            .map_err(|e| AdminError::Unavailable(e.to_string()))?,
    );
    Ok(resp)
}
