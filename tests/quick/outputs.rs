//! The site's machine-readable outputs and the page's weight: each output served with its
//! content type, ETag/304 and cache headers; 12 sources of 40 entries within the page budget.
//! Independent parsers and the HTML validator read them in the tools tier
//! (tests/tools/outputs.rs).

use axum::http::{StatusCode, header};

use crate::support::{generated_rss, generated_rss_with_summaries, get, public_site};

#[tokio::test]
async fn every_output_has_its_type_validators_and_cache_headers() {
    let (_server, app) = public_site(vec![("/a.xml".into(), generated_rss("alpha", 10))]).await;
    for (path, content_type) in [
        ("/rss", "application/rss+xml; charset=utf-8"),
        ("/feed.json", "application/feed+json"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/favicon.ico", "image/x-icon"),
    ] {
        let r = get(&app, path, &[("accept-encoding", "br, gzip")]).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.header(header::CONTENT_TYPE), content_type, "{path}");
        assert!(
            r.header(header::CACHE_CONTROL).contains("max-age="),
            "{path}"
        );
        let etag = r.header(header::ETAG).to_string();
        assert!(etag.starts_with('"'), "{path}: {etag}");
        let again = get(
            &app,
            path,
            &[("accept-encoding", "br, gzip"), ("if-none-match", &etag)],
        )
        .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
    }
    let robots = get(&app, "/robots.txt", &[]).await.text();
    assert!(
        robots.contains("Sitemap: https://news.example/sitemap.xml"),
        "{robots}"
    );
    let sitemap = get(&app, "/sitemap.xml", &[]).await.text();
    assert!(
        sitemap.contains("<loc>https://news.example/</loc>"),
        "{sitemap}"
    );
    let ico = get(&app, "/favicon.ico", &[]).await.body;
    assert!(ico.starts_with(b"\x00\x00\x01\x00"));
    let page = get(&app, "/", &[]).await.text();
    for link in [
        "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"Test &amp; Report (RSS)\" href=\"/rss\">",
        "<link rel=\"alternate\" type=\"application/feed+json\" title=\"Test &amp; Report (JSON Feed)\" href=\"/feed.json\">",
        "<link rel=\"icon\" href=\"/favicon.ico\" sizes=\"32x32\">",
    ] {
        assert!(page.contains(link), "{link}");
    }
}

/// The page with a summary on every headline: budgeted in gzip bytes, what readers download
/// (see SCALING.md, "The reader page with summaries").
#[tokio::test]
async fn twelve_sources_of_forty_summarized_entries_fit_the_summary_budget() {
    let feeds: Vec<(String, Vec<u8>)> = (0..12)
        .map(|i| {
            let name = format!("feed{i}");
            (
                format!("/f{i}.xml"),
                generated_rss_with_summaries(&name, 40),
            )
        })
        .collect();
    let (_server, app) = public_site(feeds).await;
    let identity = get(&app, "/", &[]).await;
    assert_eq!(identity.text().matches("<span class=\"sum\">").count(), 480);
    let gzip = get(&app, "/", &[("accept-encoding", "gzip")]).await;
    let br = get(&app, "/", &[("accept-encoding", "br")]).await;
    println!(
        "12 x 40 with summaries: / is {} B identity, {} B gzip, {} B br",
        identity.body.len(),
        gzip.body.len(),
        br.body.len(),
    );
    assert!(gzip.body.len() <= 64 * 1024, "{} B gzip", gzip.body.len());
    assert!(
        identity.body.len() <= 320 * 1024,
        "{} B identity",
        identity.body.len()
    );
}

#[tokio::test]
async fn twelve_sources_of_forty_entries_fit_the_page_budget() {
    let feeds: Vec<(String, Vec<u8>)> = (0..12)
        .map(|i| (format!("/f{i}.xml"), generated_rss(&format!("feed{i}"), 40)))
        .collect();
    let (_server, app) = public_site(feeds).await;
    let identity = get(&app, "/", &[]).await;
    assert_eq!(identity.text().matches("<li>").count(), 480);
    let gzip = get(&app, "/", &[("accept-encoding", "gzip")]).await;
    let br = get(&app, "/", &[("accept-encoding", "br")]).await;
    assert_eq!(gzip.header(header::CONTENT_ENCODING), "gzip");
    assert_eq!(br.header(header::CONTENT_ENCODING), "br");
    let assets: usize = newsdesk::assets::all()
        .iter()
        .filter(|a| a.name.ends_with(".css") || a.name.ends_with(".js"))
        .map(|a| a.bytes.len())
        .sum();
    println!(
        "12 x 40: / is {} B identity, {} B gzip, {} B br; CSS + JS {} B",
        identity.body.len(),
        gzip.body.len(),
        br.body.len(),
        assets
    );
    assert!(
        identity.body.len() <= 100 * 1024,
        "{} B",
        identity.body.len()
    );
    assert!(assets <= 30 * 1024, "{assets} B");
    // Nothing the page loads comes from another origin: every `src` and every stylesheet,
    // script or icon link is a path on this site.
    let html = identity.text();
    for (i, _) in html.match_indices(" src=\"") {
        assert!(html[i + 6..].starts_with('/'), "{}", &html[i..i + 60]);
    }
    for (i, _) in html.match_indices("<link rel=\"") {
        let tag = &html[i..i + html[i..].find('>').unwrap()];
        if !tag.contains("rel=\"canonical\"") {
            assert!(tag.contains(" href=\"/"), "{tag}");
        }
    }
}
