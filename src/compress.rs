//! Brotli and gzip, the two encodings newsdesk stores and serves. One place for both sides:
//! the fetcher precompresses what it publishes, the frontend compresses the reader layouts it
//! assembles; only the effort differs.

use std::io::Write;

/// How hard to compress: `Publish` once per object for every reader, `Request` on a reader's
/// request where milliseconds count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    Publish,
    Request,
}

/// Objects smaller than this are not worth compressing: the headers outweigh the saving.
pub const MIN_SIZE: usize = 256;

/// Whether a body of this type and size is worth storing compressed.
pub fn worth_it(bytes: &[u8], content_type: &str) -> bool {
    let compressible = content_type.starts_with("text/")
        || content_type.contains("json")
        || content_type.contains("xml")
        || content_type.contains("svg")
        || content_type.contains("javascript");
    compressible && bytes.len() >= MIN_SIZE
}

pub fn brotli(bytes: &[u8], effort: Effort) -> Vec<u8> {
    // Measured on a 340 kB front page (40 sources x 40 entries): quality 9 takes ~20 ms and
    // gives 8.8 kB; 10 takes ~260 ms for 7.3 kB and 11 ~950 ms for 6.9 kB. Eleven made nine
    // tenths of a large first publish's CPU (SCALING.md); 9 is within a quarter of its size.
    let quality = match effort {
        Effort::Publish => 9,
        // A few ms for a 100 kB page and still far smaller than gzip.
        Effort::Request => 5,
    };
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        lgwin: window_bits(bytes.len()),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(bytes.len() / 4 + 64);
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("in-memory brotli");
    out
}

/// The smallest brotli window (`lgwin`, 10 to 22) that holds `len` bytes: a larger one finds no
/// more matches in them, but the encoder sizes its ring buffer and tables by it. On a 113 kB
/// page the output is the same and a compression at the request effort (a reader layout) takes
/// 0.85 ms instead of 1.21 with our allocator (with glibc's, 3 MB of memory instead of 11).
fn window_bits(len: usize) -> i32 {
    // A window of `lgwin` bits holds (1 << lgwin) - 16 bytes (RFC 7932 §9.1).
    let bits = usize::BITS - (len + 15).leading_zeros();
    bits.clamp(10, 22) as i32
}

pub fn gzip(bytes: &[u8], effort: Effort) -> Vec<u8> {
    let level = match effort {
        Effort::Publish => flate2::Compression::best(),
        Effort::Request => flate2::Compression::default(),
    };
    let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3 + 64), level);
    gz.write_all(bytes).expect("in-memory gzip");
    gz.finish().expect("in-memory gzip")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn both_encodings_round_trip_at_both_efforts() {
        let text = "<p>hello, world</p>".repeat(100).into_bytes();
        for effort in [Effort::Publish, Effort::Request] {
            let mut out = vec![];
            flate2::read::GzDecoder::new(&gzip(&text, effort)[..])
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, text);
            let mut out = vec![];
            brotli::BrotliDecompress(&mut &brotli(&text, effort)[..], &mut out).unwrap();
            assert_eq!(out, text);
        }
    }

    #[test]
    fn the_window_is_the_smallest_that_holds_the_input() {
        let holds = |bits: i32| (1usize << bits) - 16;
        for len in [
            0,
            1,
            1008,
            1009,
            4096,
            113_217,
            131_056,
            131_057,
            4 << 20,
            64 << 20,
        ] {
            let bits = window_bits(len);
            assert!((10..=22).contains(&bits), "{len}: {bits}");
            assert!(bits == 22 || holds(bits) >= len, "{len}: {bits} too small");
            assert!(
                bits == 10 || holds(bits - 1) < len,
                "{len}: {bits} too large"
            );
        }
        assert_eq!(window_bits(113_217), 17);
    }

    #[test]
    fn only_text_of_some_size_is_worth_it() {
        let big = vec![b'a'; MIN_SIZE];
        assert!(worth_it(&big, "text/html; charset=utf-8"));
        assert!(worth_it(&big, "application/rss+xml"));
        assert!(!worth_it(&big, "image/png"));
        assert!(!worth_it(&big[..10], "text/html"));
    }
}
