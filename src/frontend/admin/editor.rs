//! `/admin/headlines`: the headline block editor. The form carries the version it was opened
//! on (`base`); a save whose base is no longer current is kept in the history, and the admin is
//! told another admin saved at the same time.

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

use super::gate::{self, Ctx, field, query};
use super::{Admin, AdminError, pages};
use crate::headlines::sanitize::Images;
use crate::headlines::version::is_version;
use crate::headlines::{Block, BlockVersion, InputError, Item, SaveOutcome, blocks};
use crate::render::headlines as render;

#[derive(Serialize, Default)]
struct ItemRow {
    title: String,
    url: String,
    image: Option<String>,
}

/// What the editor shows: the current block (or what the admin typed, after a refusal).
struct Shown<'a> {
    current: Option<&'a BlockVersion>,
    block: Option<&'a Block>,
    typed: Option<(Vec<ItemRow>, String)>,
}

fn editor(
    ctx: &Ctx,
    status: StatusCode,
    shown: Shown,
    notice: Option<String>,
    problem: Option<String>,
) -> Result<Response, AdminError> {
    let (mut items, html) = match (shown.typed, shown.block) {
        (Some(typed), _) => typed,
        (None, Some(Block::Items { items })) => (
            items
                .iter()
                .map(|i| ItemRow {
                    title: i.title.clone(),
                    url: i.url.clone(),
                    image: i.image.clone(),
                })
                .collect(),
            String::new(),
        ),
        (None, Some(Block::Html { html })) => (vec![], html.clone()),
        (None, None) => (vec![], String::new()),
    };
    items.resize_with(crate::headlines::block::MAX_ITEMS, ItemRow::default);
    let preview = shown
        .block
        .map(|b| render::block_html(b, &Images::new()))
        .transpose()
        .map_err(|e| AdminError::Unavailable(e.to_string()))?;
    pages::render(
        "admin/headlines.html",
        status,
        context! {
            current => Value::from(Serde(shown.current)),
            base => shown.current.map(|c| c.version.as_str()).unwrap_or(""),
            items => Value::from(Serde(&items)),
            html => html,
            preview => preview.filter(|p| !p.is_empty()),
            ..pages::base(ctx, notice, problem)
        },
    )
}

/// What a redirect after a save says, from its query: `saved`, `current` if it did not become
/// current, and `nobase` if the form did not say which version it was edited from. Only a
/// save that became current is said to be on the public page.
fn outcome_notice(parts: &Parts, poll: u64) -> (Option<String>, Option<String>) {
    let Some(saved) = query(parts, "saved").filter(|v| is_version(v)) else {
        return (None, None);
    };
    let current = query(parts, "current").map(|c| if is_version(c) { c } else { "none" });
    match (current, query(parts, "nobase").is_some()) {
        (None, _) => (
            Some(format!(
                "Saved version {saved}. It is on the public page within {poll} seconds."
            )),
            None,
        ),
        (Some(current), true) => (
            None,
            Some(format!(
                "Your version {saved} is kept in the history but is not current, and not on the public \
                 page: the form did not say which version it was edited from, so it could not be \
                 checked against the current one ({current}). Restore yours in the history to make it current."
            )),
        ),
        (Some(current), false) => (
            None,
            Some(format!(
                "Another admin saved at the same time: your version {saved} is kept in the history \
                 but is not current (the current one is {current}). Restore yours in the history to make it current."
            )),
        ),
    }
}

/// `GET /admin/headlines`.
pub async fn show(State(admin): State<Arc<Admin>>, parts: Parts) -> Result<Response, AdminError> {
    let ctx = gate::page(admin, &parts).await?;
    // From the bucket, not this frontend's copy: the base of the next save must be current.
    let current = blocks::current(ctx.store(), &ctx.site.name).await?;
    let (notice, problem) = outcome_notice(&parts, ctx.admin.poll.as_secs().max(1));
    let shown = Shown {
        current: current.as_ref(),
        block: current.as_ref().map(|c| &c.block),
        typed: None,
    };
    editor(&ctx, StatusCode::OK, shown, notice, problem)
}

/// The block a form posts: `above_html`, or the rows `title1`/`url1`/`image1` ... `3`.
fn posted(fields: &[(String, String)]) -> (Result<Block, InputError>, Vec<ItemRow>, String) {
    if let Some(html) = field(fields, "above_html") {
        return (Block::from_html(html), vec![], html.to_string());
    }
    let rows: Vec<ItemRow> = (1..=crate::headlines::block::MAX_ITEMS)
        .map(|n| ItemRow {
            title: field(fields, &format!("title{n}"))
                .unwrap_or_default()
                .to_string(),
            url: field(fields, &format!("url{n}"))
                .unwrap_or_default()
                .to_string(),
            image: field(fields, &format!("image{n}")).map(str::to_string),
        })
        .collect();
    let items = rows
        .iter()
        .map(|r| Item {
            title: r.title.clone(),
            url: r.url.clone(),
            image: r.image.clone(),
        })
        .collect();
    (Block::from_items(items), rows, String::new())
}

/// `POST /admin/headlines`: saves the block; 413 for oversized input, 400 for other bad input
/// (the form comes back with what was typed and why).
pub async fn save(
    State(admin): State<Arc<Admin>>,
    parts: Parts,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AdminError> {
    let ctx = gate::form(admin, &parts, &fields).await?;
    // The editor always sends `base` (empty when the site had no block): a post without it
    // cannot be checked against the current version, and is told so.
    let based = field(&fields, "base").is_some();
    let base = match field(&fields, "base").unwrap_or_default() {
        "" => None,
        v if is_version(v) => Some(v.to_string()),
        _ => {
            return Err(AdminError::Forbidden(
                "the form's base version is malformed",
            ));
        }
    };
    let (block, rows, html) = posted(&fields);
    let block = match block {
        Ok(b) => b,
        Err(e) => {
            let status = match e {
                InputError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::BAD_REQUEST,
            };
            let current = blocks::current(ctx.store(), &ctx.site.name).await?;
            // Echoing 64 kB+ back into the form helps no one: the limit is said instead.
            let html = if html.len() > crate::headlines::block::MAX_INPUT_BYTES {
                String::new()
            } else {
                html
            };
            let shown = Shown {
                current: current.as_ref(),
                block: None,
                typed: Some((rows, html)),
            };
            let problem = format!("Not saved: {e}.");
            return editor(&ctx, status, shown, None, Some(problem));
        }
    };
    let saved = blocks::save(
        ctx.store(),
        &ctx.site.name,
        block,
        &ctx.author(),
        base.as_deref(),
        None,
        Utc::now(),
    )
    .await?;
    tracing::info!(site = %ctx.site.name, version = %saved.version, author = %ctx.author(), current = saved.is_current(), "headline block saved");
    after_save(&saved, based)
}

/// The redirect after a save (303, so a reload does not post again); `based` says whether
/// the form named the version it was edited from (empty for none).
pub(super) fn after_save(
    saved: &crate::headlines::Saved,
    based: bool,
) -> Result<Response, AdminError> {
    let mut location = format!("/admin/headlines?saved={}", saved.version);
    if let SaveOutcome::NotCurrent { current } = &saved.outcome {
        location.push_str(&format!(
            "&current={}",
            current.as_deref().unwrap_or("none")
        ));
        if !based {
            location.push_str("&nobase=1");
        }
    }
    let mut resp = StatusCode::SEE_OTHER.into_response();
    resp.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(&location).map_err(|e| AdminError::Unavailable(e.to_string()))?,
    );
    Ok(resp)
}
