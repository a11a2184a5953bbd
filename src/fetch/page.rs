//! A bounded GET of any web resource (an article page, an image) under the fetcher's rules:
//! the SSRF guard on the first hop and every redirect, the client's timeouts and redirect
//! limit, and a cap on the body counted after decompression. Feeds use [`HttpClient::get`],
//! which adds conditional GET and the feed cap.

use bytes::{Bytes, BytesMut};
use reqwest::header;
use url::Url;

use super::{FetchFailure, HttpClient, classify, guard, header_str};

/// What to do with a body larger than the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overflow {
    /// Refuse it (`too-large`): a cut image is no image.
    Fail,
    /// Keep the first bytes and stop reading: what an HTML page says about itself is in its
    /// head, at the start.
    Truncate,
}

/// A resource as fetched.
#[derive(Debug)]
pub struct Page {
    pub body: Bytes,
    /// Where the redirects ended: links in the body are relative to it.
    pub final_url: Url,
    pub content_type: Option<String>,
    /// The body was cut at the cap ([`Overflow::Truncate`]).
    pub truncated: bool,
}

impl HttpClient {
    /// GETs `url` asking for `accept`, reading at most `max_bytes` of (decompressed) body.
    pub async fn get_bounded(
        &self,
        url: &Url,
        accept: &str,
        max_bytes: u64,
        overflow: Overflow,
    ) -> Result<Page, FetchFailure> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchFailure::new(
                "blocked",
                format!("{} is not an http(s) URL", url.scheme()),
            ));
        }
        guard::check_literal(url, &self.private_hosts)
            .map_err(|b| FetchFailure::new("blocked", b.to_string()))?;
        let mut resp = self
            .client
            .get(url.clone())
            .header(header::ACCEPT, accept)
            .send()
            .await
            .map_err(classify)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(FetchFailure::new("http", format!("HTTP {status}")));
        }
        let content_type = header_str(resp.headers(), header::CONTENT_TYPE);
        let final_url = resp.url().clone();
        let mut body = BytesMut::new();
        let mut truncated = false;
        while let Some(chunk) = resp.chunk().await.map_err(classify)? {
            let room =
                usize::try_from(max_bytes.saturating_sub(body.len() as u64)).unwrap_or(usize::MAX);
            if chunk.len() > room {
                if overflow == Overflow::Fail {
                    return Err(FetchFailure::new(
                        "too-large",
                        format!("body larger than {max_bytes} bytes (after decompression)"),
                    ));
                }
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Page {
            body: body.freeze(),
            final_url,
            content_type,
            truncated,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FetchConfig;

    // Caps, truncation and the guard on redirects are tested where they matter, through
    // `picker::og_image` (unit tests there and `tests/quick/picker.rs`).

    #[tokio::test]
    async fn only_http_urls_are_fetched() {
        let http = HttpClient::new(&FetchConfig::default()).unwrap();
        let url = Url::parse("file:///etc/passwd").unwrap();
        let err = http
            .get_bounded(&url, "*/*", 10, Overflow::Fail)
            .await
            .unwrap_err();
        assert_eq!(err.error.kind, "blocked");
    }
}
