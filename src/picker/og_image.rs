//! The lead image of an article: found in its page's head (`og:image`, then `twitter:image`,
//! then `<link rel="image_src">`), fetched under the fetcher's HTTP rules and kept only if its
//! bytes are a raster image, so the caller can store it as an immutable object and the page
//! never hotlinks.
//!
//! Finding the image in the page is pure, in [`super::head`].

use bytes::Bytes;
use url::Url;

use crate::fetch::HttpClient;
use crate::fetch::page::Overflow;

use super::head::find_lead_image;

/// A fetched image whose bytes were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub bytes: Bytes,
    /// `png`, `jpg`, `gif` or `webp`, from the bytes.
    pub ext: &'static str,
    pub content_type: &'static str,
}

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
    #[error("image {url} is not a PNG, JPEG, GIF or WebP image (served as {content_type})")]
    NotAnImage { url: String, content_type: String },
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

/// THE SEAM: the one place the image itself is fetched. When `crate::fetch::image::get_image`
/// (source logos) is merged, this body becomes a call to it and [`sniff`] goes away.
async fn get_image(http: &HttpClient, url: &Url, max_bytes: u64) -> Result<Image, ImageError> {
    let fetched = http
        .get_bounded(
            url,
            "image/webp,image/png,image/jpeg,image/gif;q=0.9,*/*;q=0.1",
            max_bytes,
            Overflow::Fail,
        )
        .await
        .map_err(|f| ImageError::Fetch {
            url: url.to_string(),
            kind: f.error.kind,
            message: f.error.message,
        })?;
    let Some((ext, content_type)) = sniff(&fetched.body) else {
        return Err(ImageError::NotAnImage {
            url: url.to_string(),
            content_type: fetched.content_type.unwrap_or_else(|| "nothing".into()),
        });
    };
    Ok(Image {
        bytes: fetched.body,
        ext,
        content_type,
    })
}

/// TO BE REPLACED by `fetch::image`'s check: the image kind by its magic bytes, never by the
/// server's word. SVG is refused: it is a document that can carry script.
fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    match bytes {
        [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, ..] => Some(("png", "image/png")),
        [0xff, 0xd8, 0xff, ..] => Some(("jpg", "image/jpeg")),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some(("gif", "image/gif")),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some(("webp", "image/webp")),
        _ => None,
    }
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

    #[test]
    fn images_are_known_by_their_bytes_not_their_name() {
        assert_eq!(sniff(PNG), Some(("png", "image/png")));
        assert_eq!(
            sniff(b"\xff\xd8\xff\xe0\0\x10JFIF"),
            Some(("jpg", "image/jpeg"))
        );
        assert_eq!(sniff(b"GIF89a\x01\0"), Some(("gif", "image/gif")));
        assert_eq!(
            sniff(b"RIFF\x24\0\0\0WEBPVP8 "),
            Some(("webp", "image/webp"))
        );
        for not_an_image in [
            &b"<svg xmlns='http://www.w3.org/2000/svg'/>"[..],
            b"<!doctype html><html>",
            b"RIFF\x24\0\0\0WAVEfmt ",
            b"\x89PNG",
            b"",
        ] {
            assert_eq!(sniff(not_an_image), None, "{not_an_image:?}");
        }
    }

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
        let http = HttpClient::with_builder(&guarded, |b| b.resolve("news.test", addr)).unwrap();
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
}
