//! A page held in memory in every encoding it is served in, with its headers made once, so the
//! hot path answers without touching the cache, the store or a compressor.
//!
//! Published pages come precompressed from the bucket; reader layouts are assembled here and
//! compressed once per (layout, generation).

use axum::http::HeaderValue;
use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::compress::{self, Effort};
use crate::store::manifest::ObjectRef;
use crate::store::{Store, StoreError};

/// One variant: its bytes and strong ETag.
#[derive(Debug, Clone)]
pub struct Variant {
    pub body: Bytes,
    pub etag: HeaderValue,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub content_type: HeaderValue,
    pub identity: Variant,
    pub gzip: Option<Variant>,
    pub br: Option<Variant>,
}

impl Page {
    /// Loads the identity bytes and the variants `obj` lists of a published object.
    pub async fn load(store: &Store, obj: &ObjectRef) -> Result<Page, StoreError> {
        let get = |encoding: &'static str| async move {
            if encoding != "identity" && !obj.encodings.iter().any(|e| e == encoding) {
                return Ok(None);
            }
            let body = store.fetch_path(&obj.variant_key(encoding)).await?;
            Ok::<_, StoreError>(body.map(|body| Variant {
                body,
                etag: etag_value(&obj.hash, encoding),
            }))
        };
        let identity = get("identity").await?.ok_or_else(|| StoreError::Missing {
            key: obj.key.clone(),
        })?;
        // A listed variant that is missing is served as identity rather than failing the page.
        Ok(Page {
            content_type: header_value(&obj.content_type),
            identity,
            gzip: get("gzip").await?,
            br: get("br").await?,
        })
    }

    /// A page made here (a reader layout): hashed like a published object and compressed once.
    pub fn compress(identity: Vec<u8>, content_type: &str) -> Page {
        let hash = hex::encode(&Sha256::digest(&identity)[..16]);
        let gz = compress::gzip(&identity, Effort::Request);
        let br = compress::brotli(&identity, Effort::Request);
        Page {
            content_type: header_value(content_type),
            identity: Variant {
                body: Bytes::from(identity),
                etag: etag_value(&hash, "identity"),
            },
            gzip: Some(Variant {
                body: Bytes::from(gz),
                etag: etag_value(&hash, "gzip"),
            }),
            br: Some(Variant {
                body: Bytes::from(br),
                etag: etag_value(&hash, "br"),
            }),
        }
    }

    /// The variant for a negotiated encoding (`br`, `gzip`, anything else is identity).
    pub fn variant(&self, encoding: &str) -> &Variant {
        let v = match encoding {
            "br" => self.br.as_ref(),
            "gzip" => self.gzip.as_ref(),
            _ => None,
        };
        v.unwrap_or(&self.identity)
    }

    /// The encodings stored besides identity, in the form `respond::negotiate` takes.
    pub fn encodings(&self) -> &'static [&'static str] {
        match (self.br.is_some(), self.gzip.is_some()) {
            (true, true) => &["br", "gzip"],
            (true, false) => &["br"],
            (false, true) => &["gzip"],
            (false, false) => &[],
        }
    }

    /// Bytes held, for the cache's weigher.
    pub fn weight(&self) -> usize {
        [Some(&self.identity), self.gzip.as_ref(), self.br.as_ref()]
            .into_iter()
            .flatten()
            .map(|v| v.body.len())
            .sum()
    }
}

/// The strong ETag of one variant: each encoding is a different representation (RFC 9110
/// §8.8.3), so each has its own tag.
fn etag_value(hash: &str, encoding: &str) -> HeaderValue {
    let suffix = match encoding {
        "br" => "-br",
        "gzip" => "-gz",
        _ => "",
    };
    header_value(&format!("\"{hash}{suffix}\""))
}

/// Values from the bucket are our own, but a corrupt one must not panic a request.
fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_variants_round_trip_and_tags_differ() {
        let html = "<p>hello</p>".repeat(200).into_bytes();
        let page = Page::compress(html.clone(), "text/html; charset=utf-8");
        let mut gunzip = flate2::read::GzDecoder::new(&page.gzip.as_ref().unwrap().body[..]);
        let mut out = vec![];
        std::io::Read::read_to_end(&mut gunzip, &mut out).unwrap();
        assert_eq!(out, html);
        let mut out = vec![];
        brotli::BrotliDecompress(&mut &page.br.as_ref().unwrap().body[..], &mut out).unwrap();
        assert_eq!(out, html);
        assert_ne!(page.variant("br").etag, page.variant("gzip").etag);
        assert_ne!(page.variant("gzip").etag, page.variant("identity").etag);
        assert_eq!(page.encodings(), &["br", "gzip"]);
    }
}
