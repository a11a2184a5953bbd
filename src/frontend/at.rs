//! `GET /at/<when>`: the site's front page as it was published at a time: `<when>` is a day
//! (`2026-11-30`, meaning its end in UTC) or an RFC 3339 instant. It shows the last generation
//! made live at or before that time, among those the site keeps ([`crate::store::timeline`]),
//! marked as an archived copy with a link to today's page, `noindex`.
//!
//! An answer that can never change (the generation was replaced on a later day, so it is kept
//! as that day's page) is cached as immutable; a time at or after the live generation gets the
//! live page, and a generation kept only for rollback its page, both with the short freshness of
//! pages. A malformed time is a 400, a time before the first kept publication a 404, each a page
//! linking to today's.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};

use super::app::App;
use super::layout::Prefs;
use super::live::LayoutError;
use super::respond::{self, Error, Policy};
use super::sites::LiveSite;
use crate::store::timeline::{Found, Moment};

/// A settled answer: the same bytes for as long as the day is kept (in the default look; a
/// reader's own look is the cookie's, hence the `Vary`).
const SETTLED: Policy = Policy {
    cache_control: crate::store::keys::CACHE_IMMUTABLE,
    vary: "Accept-Encoding, Cookie",
};

/// An answer a later publication can change.
const OPEN: Policy = respond::FRONT;

/// Longest `<when>` looked at: an RFC 3339 instant with nanoseconds is 35 characters.
const MAX_WHEN: usize = 64;

/// The time `<when>` means: a day's last instant in UTC, or an RFC 3339 instant.
pub fn parse_when(when: &str) -> Option<DateTime<Utc>> {
    if when.len() > MAX_WHEN {
        return None;
    }
    if let Ok(day) = NaiveDate::parse_from_str(when, "%Y-%m-%d") {
        return Some(day.and_hms_nano_opt(23, 59, 59, 999_999_999)?.and_utc());
    }
    DateTime::parse_from_rfc3339(when).ok().map(|t| t.to_utc())
}

pub async fn handler(
    State(app): State<Arc<App>>,
    Path(when): Path<String>,
    req: Request,
) -> Result<Response, Error> {
    let (parts, _) = req.into_parts();
    let site = app.site(&parts.headers, &parts.uri)?;
    let Some(at) = parse_when(&when) else {
        return Ok(missing(
            &site,
            StatusCode::BAD_REQUEST,
            "Not a date",
            "Give a day as /at/2026-11-30 (its end, in UTC) or an instant as /at/2026-11-30T18:00:00Z (RFC 3339).",
        ));
    };
    let live = &site.manifest;
    // The live page for a time at or after it: what a later publication may still replace.
    if at >= live.published_at {
        return serve(&app, &parts, &site, live.generation, OPEN)
            .await?
            .ok_or(Error::NotFound);
    }
    for attempt in 0..2 {
        let timeline = app
            .live
            .timeline(&site)
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        let Some(f) = timeline.live_at(at) else {
            break;
        };
        // What replaced it: the timeline's next, or the live generation if that is the one it
        // replaced (a timeline not yet rewritten by GC may not list it).
        let after_it = (live.previous == Some(f.moment.generation)).then_some(Moment {
            generation: live.generation,
            published_at: live.published_at,
            held: false,
        });
        let f = Found {
            next: f.next.or(after_it),
            ..f
        };
        let policy = if f.settled() { SETTLED } else { OPEN };
        match serve(&app, &parts, &site, f.moment.generation, policy).await? {
            Some(resp) => return Ok(resp),
            // The record went after the timeline was read (GC ran meanwhile): read it again.
            None if attempt == 0 => app.live.forget_timeline(&site).await,
            None => break,
        }
    }
    Ok(missing(
        &site,
        StatusCode::NOT_FOUND,
        "No page kept for that time",
        "That time is before the first page this site keeps (one a day, for its archive days).",
    ))
}

/// The archived page of `generation`, `None` when its record is gone; a client past its share
/// gets a 429. A page in a reader's own look is only for that reader's browser, briefly.
async fn serve(
    app: &App,
    parts: &axum::http::request::Parts,
    site: &LiveSite,
    generation: u64,
    policy: Policy,
) -> Result<Option<Response>, Error> {
    let who = super::client::client(parts, &app.options.trusted_proxies);
    let prefs = Prefs::from_headers(&parts.headers);
    let page = match app.live.archived(site, generation, prefs, who.addr).await {
        Ok(Some(page)) => page,
        Ok(None) => return Ok(None),
        Err(LayoutError::OverShare) => {
            return Err(Error::TooMany {
                retry_after: app.live.archive_wait(who.addr).as_secs().max(1),
            });
        }
        Err(LayoutError::Busy) => return Err(Error::TooMany { retry_after: 1 }),
        Err(LayoutError::Store(e)) => return Err(Error::Unavailable(e.to_string())),
    };
    let policy = if prefs.is_default() {
        policy
    } else {
        respond::LAYOUT
    };
    let mut resp = respond::page(&page, &parts.headers, policy);
    resp.headers_mut()
        .insert("x-robots-tag", HeaderValue::from_static("noindex"));
    Ok(Some(resp))
}

/// A page saying why there is nothing to show, with a link to today's page.
fn missing(site: &LiveSite, status: StatusCode, heading: &str, reason: &str) -> Response {
    let stylesheet = site
        .manifest
        .assets
        .get("style.css")
        .map(|s| format!("/assets/{s}"));
    let html = crate::render::archived::missing_page(
        &site.entry.title,
        stylesheet.as_deref(),
        heading,
        reason,
    )
    .unwrap_or_else(|_| format!("{heading}\n"));
    let mut resp = (status, html).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_mean_their_end_and_anything_else_is_refused() {
        let t = |s: &str| parse_when(s).map(|t| t.to_rfc3339());
        assert_eq!(
            t("2026-11-30").as_deref(),
            Some("2026-11-30T23:59:59.999999999+00:00")
        );
        assert_eq!(
            t("2026-11-30T10:00:00-05:00").as_deref(),
            Some("2026-11-30T15:00:00+00:00")
        );
        // Years outside 0..=9999 are dates too, with ISO 8601's sign.
        assert_eq!(t("99999-01-01"), None);
        assert!(t("+99999-01-01").is_some_and(|s| s.starts_with("+99999-01-01T23:59:59")));
        assert!(t("-0001-01-01").is_some());
        for bad in [
            "",
            "2026-02-30",
            "2026-13-01",
            "yesterday",
            "2026-11-30T25:00:00Z",
            "２０２６-11-30",
            "2026-11-30T10:00:00+99:00",
            &"9".repeat(10_000),
        ] {
            assert_eq!(t(bad), None, "{bad:?}");
        }
    }
}
