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
///
/// Links on a page were written by the `url` crate when their feed was read, so they are
/// almost always already in its normal form; such a link's key is cut from the string
/// ([`crate::address::as_url_writes`]) rather than parsed again, as it is for every entry on
/// every render.
pub fn http_key(link: &str) -> Option<String> {
    let link = link.trim();
    match crate::address::as_url_writes(link) {
        Some((host, path, query)) => Some(key(host, path, query)),
        None => parsed_key(link),
    }
}

/// [`http_key`] of any link, through `url::Url`.
fn parsed_key(link: &str) -> Option<String> {
    let url = url::Url::parse(link)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))?;
    let host = url.host_str()?;
    let host = match url.port() {
        Some(port) => &format!("{host}:{port}"),
        None => host,
    };
    Some(key(host, url.path(), url.query()))
}

/// The key of a link from its parts as the `url` crate writes them.
fn key(host: &str, path: &str, query: Option<&str>) -> String {
    let host = host.strip_prefix("www.").unwrap_or(host);
    let mut key = String::with_capacity(host.len() + path.len() + query.map_or(0, str::len) + 1);
    key.push_str(host);
    key.push_str(path.trim_end_matches('/'));
    let mut params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
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
    key
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
    fn a_link_cut_as_written_keys_as_it_does_parsed() {
        for link in [
            "http://www.news.example/a/b/?id=3&utm_source=x&b=%20&a=1#c",
            "https://news.example/search?q=a+b&q=%C3%A9&ref=rss",
            "https://News.Example:443/a/../b?utm_medium=x",
            "https://127.1/a",
        ] {
            assert_eq!(http_key(link), parsed_key(link), "{link}");
        }
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
