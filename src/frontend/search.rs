//! `GET /search?q=..[&page=N]` (HTML) and `GET /api/search?q=..[&page=N]` (JSON): the site's
//! search index ([`crate::search`]) and its headline archive, newest first, 20 a page.
//!
//! The index's parts are read from the bucket when a query first needs them and kept in a
//! byte-bounded cache (an eighth of `--cache-mb`), so memory stays bounded however large the
//! archive; each answer is kept too, per generation and archive version, so a repeated query
//! costs a cache lookup. A query the cache cannot answer is charged to the client's network's
//! share ([`super::search_cache::SEARCHES_PER_CLIENT`] a minute); past it, a 429.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::response::Response;
use futures::FutureExt;

use super::app::App;
use super::layout::Prefs;
use super::page::Page;
use super::respond::{self, Error};
use super::search_cache::{Part, load_chunk, load_docs, load_list, load_terms};
use super::sites::LiveSite;
use crate::render::search::{self as render, Hit, Results};
use crate::search::{DOCS_PER_CHUNK, Doc, MANIFEST_NAME, Query, Segment, Terms};
use crate::store::StoreError;

/// Results on a page.
pub const PER_PAGE: usize = 20;
/// The deepest page served: past it, a narrower query is the way on.
pub const MAX_PAGE: usize = 50;

/// What a request asks: the query as typed (trimmed) and the page.
#[derive(Debug, PartialEq, Eq)]
struct Asked {
    q: String,
    page: usize,
}

fn asked(query: Option<&str>) -> Result<Asked, Error> {
    let mut q = None;
    let mut page = 1;
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match &*k {
            "q" if q.is_none() => q = Some(v.trim().to_string()),
            "page" => {
                page = v
                    .parse()
                    .ok()
                    .filter(|p| (1..=MAX_PAGE).contains(p))
                    .ok_or_else(|| {
                        Error::BadRequest(format!("page must be a number from 1 to {MAX_PAGE}"))
                    })?
            }
            // Tracking parameters and the like change nothing.
            _ => {}
        }
    }
    let q = q.unwrap_or_default();
    if q.len() > crate::search::MAX_QUERY_BYTES {
        return Err(Error::BadRequest(
            crate::search::QueryError::TooLong.to_string(),
        ));
    }
    Ok(Asked { q, page })
}

/// `/search`: the page, with only the search box when nothing was asked.
pub async fn page(State(app): State<Arc<App>>, req: Request) -> Result<Response, Error> {
    answer(&app, req, false).await
}

/// `/api/search`: the JSON; a 400 without a query.
pub async fn api(State(app): State<Arc<App>>, req: Request) -> Result<Response, Error> {
    answer(&app, req, true).await
}

async fn answer(app: &App, req: Request, json: bool) -> Result<Response, Error> {
    let (parts, _) = req.into_parts();
    let headers = &parts.headers;
    let site = app.site(headers, &parts.uri)?;
    let asked = asked(parts.uri.query())?;
    let query = match Query::parse(&asked.q) {
        Ok(q) => Some(q),
        Err(crate::search::QueryError::Empty) if !json && asked.q.is_empty() => None,
        Err(e) => return Err(Error::BadRequest(e.to_string())),
    };
    let prefs = (!json).then(|| Prefs::from_headers(headers));
    let policy = match &prefs {
        Some(p) if !p.is_default() => respond::LAYOUT,
        _ => respond::PAGE,
    };
    let name = site.entry.name.clone();
    let marker = app.live.headlines.archive_marker(&name);
    let key: super::search_cache::AnswerKey = (
        name,
        site.manifest.generation,
        marker,
        asked.q.clone(),
        asked.page,
        prefs.map(|p| p.encode()),
    );
    if let Some(page) = app.live.search.answers.get(&key).await {
        return Ok(respond::page(&page, headers, policy));
    }
    let who = super::client::client(&parts, &app.options.trusted_proxies);
    let now = Instant::now();
    if !app.live.search.shares.take(who.addr, now) {
        let wait = app.live.search.shares.wait(who.addr, now);
        return Err(Error::TooMany {
            retry_after: wait.as_secs().max(1),
        });
    }
    let found = match &query {
        Some(q) => Some(
            find(app, &site, q, asked.page)
                .await
                .map_err(|e| Error::Unavailable(e.to_string()))?,
        ),
        None => None,
    };
    let results = found.as_ref().map(|(docs, more, partial)| Results {
        query: &asked.q,
        page: asked.page,
        results: docs.iter().map(Hit::of).collect(),
        next_page: (*more && asked.page < MAX_PAGE).then_some(asked.page + 1),
        partial: *partial,
    });
    let page = match (json, &results) {
        (true, Some(r)) => Page::compress(render::json(r), "application/json"),
        _ => {
            let stylesheet = site
                .manifest
                .assets
                .get("style.css")
                .map(|s| format!("/assets/{s}"));
            let html = render::page(&site.entry.title, stylesheet.as_deref(), results.as_ref())
                .map_err(|e| Error::Unavailable(e.to_string()))?;
            let html = prefs.unwrap_or_default().apply(&html).into_owned();
            Page::compress(html.into_bytes(), "text/html; charset=utf-8")
        }
    };
    let page = Arc::new(page);
    app.live.search.answers.insert(key, page.clone()).await;
    Ok(respond::page(&page, headers, policy))
}

/// One page of `query`'s results on `site`: the documents, whether there are more, whether
/// the work limit cut the search short.
async fn find(
    app: &App,
    site: &LiveSite,
    query: &Query,
    page: usize,
) -> Result<(Vec<Doc>, bool, bool), Arc<StoreError>> {
    let store = app.live.store();
    let search = &app.live.search;
    let list = match site.manifest.object(MANIFEST_NAME) {
        Some(object) => {
            let key = object.key.clone();
            match search.part(key.clone(), load_list(store, key)).await? {
                Part::List(m) => m,
                _ => unreachable!("a list key holds a list"),
            }
        }
        None => Arc::default(),
    };
    let (archive_terms, archive_docs) = archive(app, site).await?;
    let segments: Vec<_> = list.segments().collect();
    let mut newest: Vec<i64> = segments.iter().map(|s| s.newest.timestamp()).collect();
    newest.push(archive_terms.at.first().copied().unwrap_or(i64::MIN));
    let found = crate::search::run(
        &newest,
        query,
        (page - 1) * PER_PAGE,
        PER_PAGE,
        i64::MIN,
        |i| {
            let archive = archive_terms.clone();
            let key = segments.get(i).map(|s| s.terms.clone());
            async move {
                let Some(key) = key else {
                    return Ok::<_, Arc<StoreError>>(archive);
                };
                match search.part(key.clone(), load_terms(store, key)).await? {
                    Part::Terms(t) => Ok(t),
                    _ => unreachable!("a terms key holds terms"),
                }
            }
        },
    )
    .await?;
    // Each result from the chunk of its segment's documents that holds it (a whole part for
    // a segment written before chunks), all read at once: on an S3 bucket each chunk not
    // cached is a round trip.
    let one = |hit: &crate::search::Hit| {
        let (hit, archive_docs) = (*hit, archive_docs.clone());
        let seg = segments.get(hit.part).copied();
        async move {
            let Some(seg) = seg else {
                return Ok::<_, Arc<StoreError>>(archive_docs.get(hit.doc as usize).cloned());
            };
            let terms = match search
                .part(seg.terms.clone(), load_terms(store, seg.terms.clone()))
                .await?
            {
                Part::Terms(t) => t,
                _ => unreachable!("a terms key holds terms"),
            };
            let (key, load, at) = match terms.chunk_of(hit.doc) {
                Some((c, range)) => (
                    format!("{}#{c}", seg.docs),
                    load_chunk(store, seg.docs.clone(), range).boxed(),
                    hit.doc as usize % DOCS_PER_CHUNK,
                ),
                None => (
                    seg.docs.clone(),
                    load_docs(store, seg.docs.clone()).boxed(),
                    hit.doc as usize,
                ),
            };
            match search.part(key, load).await? {
                Part::Docs(d) => Ok(d.get(at).cloned()),
                _ => unreachable!("a docs key holds documents"),
            }
        }
    };
    let docs: Vec<Doc> = futures::future::try_join_all(found.hits.iter().map(one))
        .await?
        .into_iter()
        .flatten()
        .collect();
    Ok((docs, found.more, found.partial))
}

/// The site's headline archive as a segment, built once per archive version.
async fn archive(
    app: &App,
    site: &LiveSite,
) -> Result<(Arc<Terms>, Arc<Vec<Doc>>), Arc<StoreError>> {
    let name = &site.entry.name;
    let (archive, marker) = app.live.headlines.archive(app.live.store(), name).await?;
    let key = format!("archive/{name}/{}", marker.unwrap_or_default());
    let title = site.entry.title.clone();
    let part = app
        .live
        .search
        .part(key, async move {
            let docs = archive
                .entries()
                .into_iter()
                .map(|e| Doc {
                    title: e.title.clone(),
                    link: Some(e.url.clone()),
                    source: title.clone(),
                    at: e.when,
                    summary: None,
                    headline: true,
                })
                .collect();
            let seg = Segment::build(docs);
            Ok(Part::Archive(Arc::new(seg.terms), Arc::new(seg.docs)))
        })
        .await?;
    match part {
        Part::Archive(t, d) => Ok((t, d)),
        _ => unreachable!("an archive key holds an archive"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_and_page_are_read_and_bad_pages_refused() {
        let ok = |q: &str| asked(Some(q)).unwrap();
        assert_eq!(
            ok("q=caf%C3%A9+bar&page=2"),
            Asked {
                q: "café bar".into(),
                page: 2
            }
        );
        assert_eq!(
            ok("utm_source=x&q=a&q=b"),
            Asked {
                q: "a".into(),
                page: 1
            }
        );
        assert_eq!(
            asked(None).unwrap(),
            Asked {
                q: String::new(),
                page: 1
            }
        );
        for bad in ["q=a&page=0", "q=a&page=51", "q=a&page=x", "q=a&page=-1"] {
            assert!(
                matches!(asked(Some(bad)), Err(Error::BadRequest(_))),
                "{bad}"
            );
        }
        let long = format!("q={}", "a".repeat(10_000));
        assert!(matches!(asked(Some(&long)), Err(Error::BadRequest(_))));
    }
}
