//! Fetching images (source logos, headline images, entry thumbnails) under the same rules as feeds: the
//! SSRF guard on every address and redirect, timeouts, and a size cap counted as the body
//! arrives. Only raster formats recognised by their magic bytes pass (PNG, JPEG, GIF, WebP,
//! ICO): the server's Content-Type is not trusted, and SVG is refused because it can carry
//! script.

use bytes::Bytes;
use url::Url;

use super::page::Overflow;
use super::{FetchFailure, HttpClient};

/// An image that passed the checks, with the type its bytes say it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// The URL it was asked for (before any redirect): what a page or block names it by.
    pub url: String,
    pub bytes: Bytes,
    /// `png`, `jpg`, `gif`, `webp` or `ico`.
    pub ext: &'static str,
    pub content_type: &'static str,
}

/// The raster format `bytes` start with, as (extension, content type).
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("png", "image/png"))
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some(("jpg", "image/jpeg"))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(("gif", "image/gif"))
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(("webp", "image/webp"))
    } else if is_ico(bytes) {
        Some(("ico", "image/x-icon"))
    } else {
        None
    }
}

/// An image's width and height in pixels, read from its header; `None` when the header
/// cannot be read or says zero.
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let size = imagesize::blob_size(bytes).ok()?;
    let width = u32::try_from(size.width).ok().filter(|w| *w > 0)?;
    let height = u32::try_from(size.height).ok().filter(|h| *h > 0)?;
    Some((width, height))
}

/// An ICO header (reserved 0, type 1, at least one image) followed by its first directory
/// entry; a lone `00 00 01 00` prefix says too little.
fn is_ico(bytes: &[u8]) -> bool {
    bytes.len() >= 22
        && bytes.starts_with(b"\x00\x00\x01\x00")
        && u16::from_le_bytes([bytes[4], bytes[5]]) >= 1
}

impl HttpClient {
    /// GETs an image of at most `max_bytes`. Fails with kind `blocked`, `http`, `too-large`,
    /// `not-an-image` (anything but the raster formats above, SVG included) or a network kind.
    pub async fn get_image(&self, url: &Url, max_bytes: u64) -> Result<Image, FetchFailure> {
        let fetched = self
            .get_bounded(
                url,
                "image/png, image/webp, image/jpeg, image/gif, image/x-icon;q=0.9, */*;q=0.1",
                max_bytes,
                Overflow::Fail,
            )
            .await?;
        let Some((ext, content_type)) = sniff(&fetched.body) else {
            let head = &fetched.body[..fetched.body.len().min(16)];
            return Err(FetchFailure::new(
                "not-an-image",
                format!(
                    "not a PNG, JPEG, GIF, WebP or ICO image (starts with {:?})",
                    String::from_utf8_lossy(head)
                ),
            ));
        };
        Ok(Image {
            url: url.to_string(),
            bytes: fetched.body,
            ext,
            content_type,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raster_formats_are_recognised_by_their_bytes() {
        let mut ico = b"\x00\x00\x01\x00\x01\x00".to_vec();
        ico.extend([0u8; 16]);
        for (bytes, ext) in [
            (&b"\x89PNG\r\n\x1a\n...."[..], "png"),
            (b"\xff\xd8\xff\xe0..JFIF", "jpg"),
            (b"GIF89a....", "gif"),
            (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "webp"),
            (&ico, "ico"),
        ] {
            assert_eq!(sniff(bytes).map(|s| s.0), Some(ext), "{bytes:?}");
        }
    }

    #[test]
    fn dimensions_come_from_the_header() {
        // A 3 x 2 PNG: signature, then the IHDR chunk's width and height.
        let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        png.extend(3u32.to_be_bytes());
        png.extend(2u32.to_be_bytes());
        png.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(dimensions(&png), Some((3, 2)));
        assert_eq!(
            dimensions(b"GIF89a\x10\x00\x20\x00\x00\x00\x00"),
            Some((16, 32))
        );
        assert_eq!(
            dimensions(b"GIF89a\x00\x00\x20\x00\x00\x00\x00"),
            None,
            "zero wide"
        );
        assert_eq!(
            dimensions(b"\xff\xd8\xff\xe0"),
            None,
            "a JPEG cut before its frame"
        );
    }

    #[test]
    fn svg_html_and_lookalikes_are_refused() {
        for bytes in [
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"[..],
            b"<?xml version=\"1.0\"?><svg/>",
            b"<!doctype html><html>",
            b"\x89PNG",
            b"RIFF\x10\x00\x00\x00WAVEfmt ",
            b"\x00\x00\x01\x00\x00\x00",
            b"",
        ] {
            assert_eq!(sniff(bytes), None, "{bytes:?}");
        }
    }
}
