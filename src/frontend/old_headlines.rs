//! `GET /old_headlines[?page=N]`: the archive grouped by day, newest first, rendered by the
//! frontend from the archive it reads from the bucket, so an archive edit is live as soon as
//! the admin index says so. Each page is rendered and compressed once per archive change.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::Response;

use super::app::App;
use super::page::Page;
use super::respond::{self, Error};
use crate::render::headlines as render;

/// The page number asked for: `None` for anything but `page=<1..>` (or no query).
fn page_number(query: Option<&str>) -> Option<usize> {
    let mut page = 1;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("page", n)) => page = n.parse().ok().filter(|n| *n >= 1)?,
            // Tracking parameters and the like do not change the page.
            _ => continue,
        }
    }
    Some(page)
}

pub async fn handler(State(app): State<Arc<App>>, req: Request) -> Result<Response, Error> {
    let headers = req.headers();
    let site = app.site(headers, req.uri())?;
    let page = page_number(req.uri().query()).ok_or(Error::NotFound)?;
    let name = site.entry.name.clone();
    let store = app.live.store();
    let watch = &app.live.headlines;
    let (archive, marker) = watch
        .archive(store, &name)
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))?;
    let key = (name, marker, page);
    let stylesheet = site
        .manifest
        .assets
        .get("style.css")
        .map(|s| format!("/assets/{s}"));
    let title = site.entry.title.clone();
    let rendered = watch
        .old_pages
        .try_get_with(key, async move {
            let entries = archive.entries();
            let html = render::old_headlines_page(&title, stylesheet.as_deref(), &entries, page)
                .map_err(|e| e.to_string())?
                .ok_or_else(String::new)?;
            let page = tokio::task::spawn_blocking(move || {
                Page::compress(html.into_bytes(), "text/html; charset=utf-8")
            })
            .await
            .map_err(|e| e.to_string())?;
            Ok::<_, String>(Arc::new(page))
        })
        .await;
    match rendered {
        Ok(p) => Ok(respond::page(&p, headers, respond::PAGE)),
        // Past the last page.
        Err(e) if e.is_empty() => Err(Error::NotFound),
        Err(e) => Err(Error::Unavailable(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_are_positive_integers() {
        assert_eq!(page_number(None), Some(1));
        assert_eq!(page_number(Some("page=3")), Some(3));
        assert_eq!(page_number(Some("utm_source=x&page=2")), Some(2));
        assert_eq!(page_number(Some("page=0")), None);
        assert_eq!(page_number(Some("page=-1")), None);
        assert_eq!(page_number(Some("page=abc")), None);
        assert_eq!(page_number(Some("page=99999999999999999999999")), None);
    }
}
