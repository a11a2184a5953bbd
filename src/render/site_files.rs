//! The small files crawlers and browsers ask every site for: `/robots.txt`, `/sitemap.xml`
//! (<https://www.sitemaps.org/protocol.html>) and `/favicon.ico`. Deterministic like the rest.

use chrono::{DateTime, SecondsFormat, Utc};
use url::Url;

use super::feeds::xml;

/// A 32×32 icon (one PNG in an ICO container), drawn by `scripts/make-favicon.py` from the
/// shapes of `assets/favicon.svg`; browsers ask for `/favicon.ico` whatever the page says.
pub const FAVICON: &[u8] = include_bytes!("../../assets/favicon.ico");

/// The paths of the site's pages, for the sitemap.
const PAGES: &[&str] = &[""];

/// `/robots.txt`: the pages are for everyone; settings, the admin, the API and search
/// results (endless, and rate-limited per client) are not for search engines.
pub fn robots(base: &Url) -> Vec<u8> {
    format!(
        "User-agent: *\nDisallow: /config\nDisallow: /admin/\nDisallow: /api/\nDisallow: /search\n\nSitemap: {base}sitemap.xml\n"
    )
    .into_bytes()
}

/// `/sitemap.xml`: the site's pages, last modified when its newest content was fetched.
pub fn sitemap(base: &Url, generated_at: DateTime<Utc>) -> Vec<u8> {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for page in PAGES {
        out.push_str(&format!(
            "<url><loc>{}</loc><lastmod>{}</lastmod><changefreq>always</changefreq></url>\n",
            xml(&format!("{base}{page}")),
            generated_at.to_rfc3339_opts(SecondsFormat::Secs, true)
        ));
    }
    out.push_str("</urlset>\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_points_at_the_sitemap_which_lists_the_front_page() {
        let base = Url::parse("https://news.example/").unwrap();
        let robots = String::from_utf8(robots(&base)).unwrap();
        assert!(robots.contains("Sitemap: https://news.example/sitemap.xml\n"));
        let map =
            String::from_utf8(sitemap(&base, "2026-11-23T10:00:00Z".parse().unwrap())).unwrap();
        assert!(map.contains(
            "<url><loc>https://news.example/</loc><lastmod>2026-11-23T10:00:00Z</lastmod>"
        ));
        assert_eq!(
            crate::fetch::image::sniff(FAVICON).map(|s| s.0),
            Some("ico")
        );
    }
}
