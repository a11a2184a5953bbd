//! `/admin/history`: every version of the headline block (`?version=V` shows one), and
//! "restore this version", which saves its content again as the newest version.

use std::sync::Arc;

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use chrono::Utc;
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;

use super::gate::{self, Ctx, field, query};
use super::{Admin, AdminError, pages};
use crate::headlines::sanitize::Images;
use crate::headlines::version::is_version;
use crate::headlines::{AdminIndex, HeadlinesError, blocks};
use crate::render::headlines as render;

const PER_PAGE: usize = 20;

#[derive(Serialize)]
struct Row {
    version: String,
    created_at: String,
    author: String,
    size: u64,
    restored_from: Option<String>,
    current: bool,
}

/// `GET /admin/history[?page=N]` or `?version=V`.
pub async fn show(State(admin): State<Arc<Admin>>, parts: Parts) -> Result<Response, AdminError> {
    let ctx = gate::page(admin, &parts).await?;
    let (index, _) = AdminIndex::read(ctx.store()).await?;
    let base = index.block(&ctx.site.name).unwrap_or("").to_string();
    if let Some(version) = query(&parts, "version") {
        return one(&ctx, version, &base).await;
    }
    let page = gate::page_number(&parts)?;
    let (entries, total) =
        blocks::history(ctx.store(), &ctx.site.name, (page - 1) * PER_PAGE, PER_PAGE).await?;
    let pages = total.div_ceil(PER_PAGE).max(1);
    if page > pages {
        return Err(AdminError::NotFound);
    }
    let versions: Vec<Row> = entries
        .into_iter()
        .map(|e| Row {
            version: e.version,
            created_at: e.created_at.to_rfc3339(),
            author: e.author,
            size: e.size,
            restored_from: e.restored_from,
            current: e.current,
        })
        .collect();
    pages::render(
        "admin/history.html",
        StatusCode::OK,
        context! {
            versions => Value::from(Serde(&versions)),
            base => base,
            page => page,
            pages => pages,
            ..pages::base(&ctx, None, None)
        },
    )
}

async fn one(ctx: &Ctx, version: &str, base: &str) -> Result<Response, AdminError> {
    let v = blocks::get(ctx.store(), &ctx.site.name, version)
        .await?
        .ok_or(AdminError::NotFound)?;
    let preview = render::block_html(&v.block, &Images::new())
        .map_err(|e| AdminError::Unavailable(e.to_string()))?;
    pages::render(
        "admin/version.html",
        StatusCode::OK,
        context! {
            current => v.version == base,
            source => v.block.source(),
            preview => Some(preview).filter(|p| !p.is_empty()),
            base => base,
            v => Value::from(Serde(&v)),
            ..pages::base(ctx, None, None)
        },
    )
}

/// `POST /admin/history` with `version` (and `base`, the current version the page showed).
pub async fn restore(
    State(admin): State<Arc<Admin>>,
    parts: Parts,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AdminError> {
    let ctx = gate::form(admin, &parts, &fields).await?;
    let version = field(&fields, "version").unwrap_or_default();
    let based = field(&fields, "base").is_some();
    let base = match field(&fields, "base").unwrap_or_default() {
        "" => None,
        v if is_version(v) => Some(v),
        _ => {
            return Err(AdminError::Forbidden(
                "the form's base version is malformed",
            ));
        }
    };
    let saved = blocks::restore(
        ctx.store(),
        &ctx.site.name,
        version,
        &ctx.author(),
        base,
        Utc::now(),
    )
    .await
    .map_err(|e| match e {
        HeadlinesError::NoVersion { .. } => AdminError::NotFound,
        e => AdminError::Unavailable(e.to_string()),
    })?;
    tracing::info!(site = %ctx.site.name, restored = version, version = %saved.version, current = saved.is_current(), "headline block restored");
    super::editor::after_save(&saved, based)
}
