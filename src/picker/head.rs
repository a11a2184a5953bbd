//! What an article page's head says its lead image is. Pure: a small tolerant scanner, not an
//! HTML parser. It reads only `<meta>` and `<link>` attributes before `<body>`, whatever their
//! order, case and quoting (double, single, none), skipping comments, scripts and styles.

use url::Url;

use crate::feed::find_ascii_ci;

/// Where each kind of image tag ranks: Open Graph first (what sites fill in for sharing),
/// then Twitter cards, then the old `image_src` link.
fn rank(tag: &str, attrs: &[(String, String)]) -> Option<(u8, String)> {
    let get = |name: &str| {
        attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    match tag {
        "meta" => {
            let key = get("property").or_else(|| get("name"))?.trim();
            let rank = match key.to_ascii_lowercase().as_str() {
                "og:image" | "og:image:url" | "og:image:secure_url" => 0,
                "twitter:image" | "twitter:image:src" => 1,
                _ => return None,
            };
            Some((rank, get("content")?.to_string()))
        }
        "link" => {
            let image_src = get("rel")?
                .split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("image_src"));
            if !image_src {
                return None;
            }
            Some((2, get("href")?.to_string()))
        }
        _ => None,
    }
}

/// The lead image a page's head names, resolved against the page's URL; only http(s).
pub fn find_lead_image(html: &str, page_url: &Url) -> Option<Url> {
    let mut found: Vec<(u8, usize, String)> = Vec::new();
    for (order, (tag, attrs)) in head_tags(html).enumerate() {
        if let Some((rank, value)) = rank(&tag, &attrs) {
            found.push((rank, order, value));
        }
    }
    found.sort();
    found.into_iter().find_map(|(_, _, value)| {
        // An empty value would resolve to the page itself.
        let value = Some(value.trim()).filter(|v| !v.is_empty())?;
        let url = page_url.join(value).ok()?;
        matches!(url.scheme(), "http" | "https").then_some(url)
    })
}

/// `<meta>` and `<link>` tags before the body, as (lowercase name, attributes with lowercase
/// names and entity-decoded values). Comments, scripts and styles are skipped whole.
fn head_tags(html: &str) -> impl Iterator<Item = (String, Vec<(String, String)>)> + '_ {
    let bytes = html.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            at += html[at..].find('<')?;
            let rest = &html[at + 1..];
            if let Some(comment) = rest.strip_prefix("!--") {
                at += 4 + comment.find("-->")? + 3;
                continue;
            }
            let name_len = rest
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            let name = rest[..name_len].to_ascii_lowercase();
            at += 1 + name_len;
            match name.as_str() {
                "body" => return None,
                "script" | "style" => {
                    let close = format!("</{name}");
                    at += find_ascii_ci(&bytes[at..], close.as_bytes())?;
                }
                "meta" | "link" => {
                    let (attrs, len) = attributes(&html[at..]);
                    at += len;
                    return Some((name, attrs));
                }
                _ => {}
            }
        }
    })
}

/// The attributes of a tag from just after its name to its `>`, and how many bytes that was.
fn attributes(s: &str) -> (Vec<(String, String)>, usize) {
    let b = s.as_bytes();
    let mut i = 0;
    let mut attrs = Vec::new();
    let skip = |i: &mut usize, f: &dyn Fn(u8) -> bool| {
        while *i < b.len() && f(b[*i]) {
            *i += 1;
        }
    };
    loop {
        let began = i;
        skip(&mut i, &|c| c.is_ascii_whitespace() || c == b'/');
        if i >= b.len() || b[i] == b'>' {
            return (attrs, (i + 1).min(b.len()));
        }
        let start = i;
        skip(&mut i, &|c| {
            !c.is_ascii_whitespace() && !b"=>/".contains(&c)
        });
        let name = s[start..i].to_ascii_lowercase();
        skip(&mut i, &|c| c.is_ascii_whitespace());
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            skip(&mut i, &|c| c.is_ascii_whitespace());
            let start;
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let quote = b[i];
                start = i + 1;
                i = start;
                skip(&mut i, &|c| c != quote);
                value = s[start..i].to_string();
                i += 1;
            } else {
                start = i;
                skip(&mut i, &|c| !c.is_ascii_whitespace() && c != b'>');
                value = s[start..i].to_string();
            }
        }
        if !name.is_empty() {
            attrs.push((name, html_escape::decode_html_entities(&value).into_owned()));
        }
        if i == began {
            i += 1; // never loop in place on a character nothing above takes
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(html: &str, page: &str) -> Option<String> {
        find_lead_image(html, &Url::parse(page).unwrap()).map(|u| u.to_string())
    }

    #[test]
    fn a_wordpress_page_gives_its_og_image_with_entities_decoded() {
        let html = include_str!("../../tests/fixtures/picker/article-wordpress.html");
        assert_eq!(
            find(
                html,
                "https://omgubuntu.example/2026/11/firefox-146-vertical-tabs"
            )
            .as_deref(),
            Some(
                "https://omgubuntu.example/wp-content/uploads/2026/11/firefox-146.jpg?resize=1200%2C675&ssl=1"
            ),
            "not the commented-out one, nor those inside script, style or body"
        );
    }

    #[test]
    fn a_page_without_og_image_falls_back_to_twitter_then_image_src() {
        let html = include_str!("../../tests/fixtures/picker/article-news.html");
        let page = "https://register.example/2026/11/23/openssl_flaw/";
        assert_eq!(
            find(html, page).as_deref(),
            Some("https://cdn.register.example/design/og/openssl.png"),
            "unquoted, content before name, protocol-relative"
        );
        let no_twitter = html.replace("name=twitter:image", "name=twitter:site");
        assert_eq!(
            find(&no_twitter, page).as_deref(),
            Some("https://register.example/2026/11/img/openssl-lead.png"),
            "rel is matched in any case, href resolved against the page"
        );
    }

    #[test]
    fn quoting_order_and_case_do_not_matter() {
        let page = "https://news.example/a/b.html";
        for tag in [
            r#"<meta property="og:image" content="/i.png">"#,
            r#"<meta content='/i.png' property='og:image'>"#,
            r#"<META PROPERTY=og:image CONTENT=/i.png>"#,
            r#"<meta name="og:image" content="/i.png"/>"#,
            "<meta\n  property=\"og:image\"\n  content=\"/i.png\"\n/>",
            r#"<meta property="og:image:secure_url" content=" /i.png ">"#,
        ] {
            let html = format!("<html><head><title>t</title>{tag}</head></html>");
            assert_eq!(
                find(&html, page).as_deref(),
                Some("https://news.example/i.png"),
                "{tag}"
            );
        }
    }

    #[test]
    fn og_image_wins_over_twitter_whatever_comes_first() {
        let html = r#"<head><meta name="twitter:image" content="https://t.example/t.png">
            <meta property="og:image" content="https://o.example/o.png"></head>"#;
        assert_eq!(
            find(html, "https://news.example/").as_deref(),
            Some("https://o.example/o.png")
        );
    }

    #[test]
    fn only_http_images_are_taken_and_a_bad_one_yields_to_the_next() {
        let html = r#"<head><meta property="og:image" content="javascript:alert(1)">
            <meta property="og:image" content="data:image/png;base64,AAAA">
            <meta name="twitter:image" content="http://t.example/t.png"></head>"#;
        assert_eq!(
            find(html, "https://news.example/").as_deref(),
            Some("http://t.example/t.png")
        );
        let none = r#"<head><meta property="og:image" content="ftp://x.example/i.png"></head>"#;
        assert_eq!(find(none, "https://news.example/"), None);
    }

    #[test]
    fn a_page_naming_no_image_gives_none() {
        for html in [
            "",
            "<html><head><title>No image</title></head><body><img src=/x.png></body></html>",
            "<head><meta property=\"og:image\" content=\"\"",
            "<head><meta property=og:image>",
            "<!-- <meta property=og:image content=/x.png>",
            "<head><script><meta property=og:image content=/x.png>",
            "<<<>>>=\"'<meta =x ==y '>",
        ] {
            assert_eq!(find(html, "https://news.example/a"), None, "{html:?}");
        }
    }

    #[test]
    fn a_truncated_page_still_gives_the_image_in_its_head() {
        let html = "<head><meta property=og:image content=/lead.jpg><meta name=description content=\"cut he";
        assert_eq!(
            find(html, "https://news.example/a").as_deref(),
            Some("https://news.example/lead.jpg")
        );
    }
}
