//! Links as compared across sources: two outlets' feeds (or one outlet's feed twice) often
//! point at one article through different spellings of its URL.

/// Query parameters that say how a reader arrived, never which page: ad and newsletter click
/// ids, referrer tags. `utm_*` are all dropped as well. Sorted, for binary search.
const TRACKING: &[&str] = &[
    "_hsenc",
    "_hsmi",
    "at_campaign",
    "at_medium",
    "cmpid",
    "dclid",
    "fbclid",
    "gbraid",
    "gclid",
    "gclsrc",
    "igshid",
    "mc_cid",
    "mc_eid",
    "mkt_tok",
    "msclkid",
    "ncid",
    "ref",
    "ref_src",
    "ref_url",
    "twclid",
    "wbraid",
    "yclid",
];

/// A link as compared with others: the same article gives the same key however it is
/// spelled. Of an http(s) URL the key keeps the host (lowercase, without a leading `www.`,
/// without the default port), the path (without a trailing `/`) and the query without
/// tracking parameters (the rest sorted); it drops the scheme (`http` and `https` name one
/// article) and the fragment (a place on the same page). Anything else is only trimmed.
pub fn normalize_link(link: &str) -> String {
    http_key(link).unwrap_or_else(|| link.trim().to_string())
}

/// [`normalize_link`] of an http(s) link with a host; `None` for anything else, which is no
/// link a page may show.
pub fn http_key(link: &str) -> Option<String> {
    let link = link.trim();
    let url = url::Url::parse(link)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())?;
    let host = url.host_str().unwrap_or_default();
    let host = host.strip_prefix("www.").unwrap_or(host);
    let mut key = String::with_capacity(link.len());
    key.push_str(host);
    if let Some(port) = url.port() {
        key.push_str(&format!(":{port}"));
    }
    key.push_str(url.path().trim_end_matches('/'));
    let mut params: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !k.starts_with("utm_") && TRACKING.binary_search(&k.as_str()).is_err()
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if !params.is_empty() {
        params.sort();
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        key.push('?');
        key.push_str(&query);
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_parameters_are_sorted_for_binary_search() {
        assert!(TRACKING.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn spellings_of_one_article_meet() {
        let key = normalize_link("https://news.example/2026/11/linux-6-18");
        for same in [
            "http://news.example/2026/11/linux-6-18",
            "https://www.news.example/2026/11/linux-6-18/",
            "https://News.Example:443/2026/11/linux-6-18#comments",
            "https://news.example/2026/11/linux-6-18?utm_source=rss&utm_medium=feed&UTM_Campaign=x",
            "https://news.example/2026/11/linux-6-18?fbclid=IwAR0abc&gclid=xyz&ref=hn",
            "  https://news.example/2026/11/linux-6-18  ",
        ] {
            assert_eq!(normalize_link(same), key, "{same}");
        }
        assert_eq!(key, "news.example/2026/11/linux-6-18");
    }

    #[test]
    fn what_names_another_page_stays() {
        let key = |l: &str| normalize_link(l);
        assert_ne!(
            key("https://news.example/a?id=1"),
            key("https://news.example/a?id=2")
        );
        assert_eq!(
            key("https://news.example/a?b=2&a=1&utm_source=x"),
            key("https://news.example/a?a=1&b=2"),
            "parameter order says nothing"
        );
        assert_ne!(
            key("https://news.example/a"),
            key("https://other.example/a")
        );
        assert_ne!(
            key("https://news.example:8080/a"),
            key("https://news.example/a"),
            "another port is another server"
        );
        assert_ne!(
            key("https://www2.news.example/a"),
            key("https://news.example/a")
        );
        assert_ne!(key("https://news.example/A"), key("https://news.example/a"));
    }

    #[test]
    fn what_is_not_an_http_link_is_only_trimmed() {
        assert_eq!(normalize_link(" urn:x:1 "), "urn:x:1");
        assert_eq!(normalize_link("not a link"), "not a link");
        assert_eq!(normalize_link("mailto:a@b.example"), "mailto:a@b.example");
        assert_eq!(http_key("javascript:alert(1)"), None);
        assert_eq!(http_key("/relative"), None);
    }
}
