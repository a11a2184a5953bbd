//! `/admin/archive`: the headline archive, with a form to add a headline and a button to
//! delete each (a recorded deletion: the entry stays in its batch in the bucket).

use std::sync::Arc;

use axum::Form;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;

use super::gate::{self, field, query};
use super::{Admin, AdminError, pages};
use crate::headlines::archive::{self, Archive, Entry};

const PER_PAGE: usize = 50;

#[derive(Serialize)]
struct Row<'a> {
    id: &'a str,
    title: &'a str,
    url: &'a str,
    when: String,
}

/// `GET /admin/archive[?page=N]`.
pub async fn show(State(admin): State<Arc<Admin>>, parts: Parts) -> Result<Response, AdminError> {
    let ctx = gate::page(admin, &parts).await?;
    let page = gate::page_number(&parts)?;
    let archive = Archive::load(ctx.store(), &ctx.site.name).await?;
    let all = archive.entries();
    let pages = all.len().div_ceil(PER_PAGE).max(1);
    if page > pages {
        return Err(AdminError::NotFound);
    }
    let entries: Vec<Row> = all
        .iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|e| Row {
            id: &e.id,
            title: &e.title,
            url: &e.url,
            when: e.when.to_rfc3339(),
        })
        .collect();
    let notice = match query(&parts, "done") {
        Some("added") => Some("Added. /old_headlines shows it within seconds.".to_string()),
        Some("deleted") => {
            Some("Deleted. /old_headlines no longer shows it within seconds.".to_string())
        }
        _ => None,
    };
    pages::render(
        "admin/archive.html",
        StatusCode::OK,
        context! {
            entries => Value::from(Serde(&entries)),
            total => all.len(),
            page => page,
            pages => pages,
            ..pages::base(&ctx, notice, None)
        },
    )
}

/// `POST /admin/archive`: `action=add` with `title`, `url`, `image`; or `action=delete` with `id`.
pub async fn change(
    State(admin): State<Arc<Admin>>,
    parts: Parts,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AdminError> {
    let ctx = gate::form(admin, &parts, &fields).await?;
    let store = ctx.store();
    let site = ctx.site.name.as_str();
    let now = Utc::now();
    let done = match field(&fields, "action") {
        Some("add") => {
            let image = field(&fields, "image").filter(|s| !s.trim().is_empty());
            let entry = match Entry::new(
                field(&fields, "title").unwrap_or_default(),
                field(&fields, "url").unwrap_or_default(),
                image,
                now,
            ) {
                Ok(e) => e,
                Err(e) => {
                    return Ok(
                        (StatusCode::BAD_REQUEST, format!("Not added: {e}.\n")).into_response()
                    );
                }
            };
            archive::append(store, site, vec![entry], &ctx.author(), now).await?;
            "added"
        }
        Some("delete") => {
            let id = field(&fields, "id").unwrap_or_default();
            let current = Archive::load(store, site).await?;
            if current.get(id).is_none() {
                return Err(AdminError::NotFound);
            }
            archive::delete(store, site, vec![id.to_string()], &ctx.author(), now).await?;
            "deleted"
        }
        _ => return Ok((StatusCode::BAD_REQUEST, "unknown action\n").into_response()),
    };
    tracing::info!(site, author = %ctx.author(), done, "headline archive changed");
    let mut resp = StatusCode::SEE_OTHER.into_response();
    resp.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&format!("/admin/archive?done={done}"))
            .map_err(|e| AdminError::Unavailable(e.to_string()))?,
    );
    Ok(resp)
}
