//! The lead image of an article: found in its page's head (`og:image`, then `twitter:image`,
//! then `<link rel="image_src">`), fetched under the fetcher's HTTP rules and kept only if its
//! bytes are a raster image, so the caller can store it as an immutable object and the page
//! never hotlinks.
//!
//! Finding the image in the page is pure, in [`super::head`].

use url::Url;

use crate::fetch::HttpClient;
use crate::fetch::page::Overflow;

pub use crate::fetch::image::Image;

use super::head::find_lead_image;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("article page {url}: {message}")]
    Page {
        url: String,
        kind: String,
        message: String,
    },
    #[error("image {url}: {message}")]
    Fetch {
        url: String,
        kind: String,
        message: String,
    },
    #[error("image {url}: {message}")]
    NotAnImage { url: String, message: String },
}

/// Finds and fetches the lead image of the article at `article`; `Ok(None)` when the page
/// names none (or is not HTML).
pub async fn lead_image(
    http: &HttpClient,
    article: &str,
    page_max_bytes: u64,
    image_max_bytes: u64,
) -> Result<Option<Image>, ImageError> {
    let page_error = |kind: &str, message: String| ImageError::Page {
        url: article.to_string(),
        kind: kind.to_string(),
        message,
    };
    let url = Url::parse(article).map_err(|e| page_error("url", e.to_string()))?;
    let page = http
        .get_bounded(
            &url,
            "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
            page_max_bytes,
            Overflow::Truncate,
        )
        .await
        .map_err(|f| page_error(&f.error.kind, f.error.message))?;
    let html_or_unsaid = page
        .content_type
        .as_deref()
        .is_none_or(|ct| ct.to_ascii_lowercase().contains("html"));
    if !html_or_unsaid {
        return Ok(None);
    }
    let html = String::from_utf8_lossy(&page.body);
    let Some(image_url) = find_lead_image(&html, &page.final_url) else {
        return Ok(None);
    };
    get_image(http, &image_url, image_max_bytes).await.map(Some)
}

/// The image itself, through the fetcher's image rules (magic bytes decide; no SVG).
async fn get_image(http: &HttpClient, url: &Url, max_bytes: u64) -> Result<Image, ImageError> {
    http.get_image(url, max_bytes).await.map_err(|f| {
        let (url, message) = (url.to_string(), f.error.message);
        match f.error.kind.as_str() {
            "not-an-image" => ImageError::NotAnImage { url, message },
            _ => ImageError::Fetch {
                url,
                kind: f.error.kind,
                message,
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::response::{Html, Redirect};
    use axum::routing::get;

    use super::*;
    use crate::config::FetchConfig;

    pub(crate) const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    /// Pages on `news.test` (resolved to loopback past the guard, as public DNS would be) whose
    /// lead images are on a private address, directly or through a redirect.
    async fn server(image_hits: Arc<AtomicUsize>) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let port = addr.port();
        let page = |image: String| {
            Html(format!(
                "<html><head><meta property=og:image content=\"{image}\"></head></html>"
            ))
        };
        let app = axum::Router::new()
            .route(
                "/private",
                get(move || async move { page(format!("http://127.0.0.1:{port}/lead.png")) }),
            )
            .route(
                "/elsewhere",
                get(move || async move { page(format!("http://localhost:{port}/lead.png")) }),
            )
            .route(
                "/via-redirect",
                get(move || async move { page(format!("http://news.test:{port}/hop")) }),
            )
            .route(
                "/hop",
                get(move || async move { Redirect::to(&format!("http://{addr}/lead.png")) }),
            )
            .route(
                "/lead.png",
                get(move || async move {
                    image_hits.fetch_add(1, Ordering::SeqCst);
                    PNG
                }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    }

    async fn lead_image_of(path: &str) -> (Result<Option<Image>, ImageError>, usize) {
        let hits = Arc::new(AtomicUsize::new(0));
        let addr = server(hits.clone()).await;
        let guarded = FetchConfig::default();
        assert!(!guarded.allow_private_networks);
        let http =
            HttpClient::with_builder(&guarded, move |b| b.resolve("news.test", addr)).unwrap();
        let article = format!("http://news.test:{}{path}", addr.port());
        let got = lead_image(&http, &article, 64 * 1024, 64 * 1024).await;
        (got, hits.load(Ordering::SeqCst))
    }

    fn assert_blocked(got: &Result<Option<Image>, ImageError>) {
        match got {
            Err(ImageError::Fetch { kind, message, .. }) => {
                assert_eq!(kind, "blocked", "{message}");
                assert!(message.contains("127.0.0.1"), "{message}");
            }
            other => panic!("expected a blocked image, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn an_og_image_on_a_private_address_is_refused() {
        let (got, image_hits) = lead_image_of("/private").await;
        assert_blocked(&got);
        assert_eq!(image_hits, 0, "no request reached the private address");
    }

    #[tokio::test]
    async fn an_og_image_redirecting_to_a_private_address_is_refused() {
        let (got, image_hits) = lead_image_of("/via-redirect").await;
        assert_blocked(&got);
        assert_eq!(image_hits, 0, "the redirect was not followed");
    }

    /// `allow_private_networks` for an intranet feed on 127.0.0.1 lets that host be fetched,
    /// but not an og:image its pages point at on another private host.
    #[tokio::test]
    async fn a_private_feed_host_does_not_unguard_the_images_its_pages_name() {
        let hits = Arc::new(AtomicUsize::new(0));
        let addr = server(hits.clone()).await;
        let intranet = FetchConfig {
            allow_private_networks: true,
            configured_hosts: vec!["127.0.0.1".into()],
            ..FetchConfig::default()
        };
        let http = HttpClient::new(&intranet).unwrap();
        let article = format!("http://{addr}/elsewhere");
        let got = lead_image(&http, &article, 64 * 1024, 64 * 1024).await;
        match &got {
            Err(ImageError::Fetch { kind, message, .. }) => {
                assert_eq!(kind, "blocked", "{message}")
            }
            other => panic!("expected a blocked image, got {other:?}"),
        }
        assert_eq!(hits.load(Ordering::SeqCst), 0);
        // The same page's image on the allowed host itself is fetched.
        let direct = format!("http://{addr}/private");
        let got = lead_image(&http, &direct, 64 * 1024, 64 * 1024).await;
        assert!(matches!(got, Ok(Some(_))), "{got:?}");
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }
}
