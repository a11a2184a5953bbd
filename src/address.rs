//! Which IP addresses are public: the one rule the fetcher's SSRF guard (`fetch::guard`) and
//! the renderer's link filter (`render::public_url`) share, so a page never links where the
//! fetcher would refuse to connect. And how a URL is shown ([`shown_url`]): without the parts
//! that carry secrets, the one rule for everything that leaves the fetcher's private state.
//! And whether a link is already as the `url` crate writes it ([`as_url_writes`]), so that
//! feeds and story keys need not parse it again.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Loopback, private, link-local, CGNAT, multicast, unspecified, documentation, benchmarking,
/// broadcast and reserved ranges, IPv6 forms that embed such an IPv4 address, NAT64's
/// local-use prefix and Teredo (whose tunnels reach IPv4 addresses we cannot check).
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0                                   // "this network"
        || (a == 100 && (64..128).contains(&b))     // CGNAT 100.64/10
        || (a == 192 && b == 0 && c == 0)           // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19))       // benchmarking
        || a >= 240 // reserved
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return forbidden_v4(v4);
    }
    let seg = ip.segments();
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) embed an IPv4 address.
    if seg[0..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return forbidden_v4(Ipv4Addr::new(
            (seg[6] >> 8) as u8,
            seg[6] as u8,
            (seg[7] >> 8) as u8,
            seg[7] as u8,
        ));
    }
    if seg[0] == 0x2002 {
        return forbidden_v4(Ipv4Addr::new(
            (seg[1] >> 8) as u8,
            seg[1] as u8,
            (seg[2] >> 8) as u8,
            seg[2] as u8,
        ));
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || seg[0..3] == [0x64, 0xff9b, 1] // NAT64 local use 64:ff9b:1::/48 (RFC 8215)
        || (seg[0] == 0x2001 && seg[1] == 0) // Teredo 2001::/32: tunnels to any IPv4 address
        || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (seg[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
        || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
        || seg[0..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible ::a.b.c.d
}

/// `url` as it may be shown anywhere outside the fetcher's private state in the bucket:
/// pages, `/api/headlines`, `/rss`, `/feed.json`, logs, the `sync` failure table, the admin's
/// feed list and error messages. Without a user name and password, a query or a fragment:
/// where a feed URL carries a secret (`https://user:pass@host/feed?token=...`). So
/// `https://u:p@news.example/rss?key=1` is shown as `https://news.example/rss`; a URL with
/// none of them is shown as it is written.
///
/// Text that is not a URL with a host is cut as well as it can be: at the first `?` or `#`,
/// and without anything before its last `@` but a `scheme://`.
pub fn shown_url(url: &str) -> String {
    if let Ok(mut parsed) = url::Url::parse(url)
        && parsed.has_host()
    {
        let secretless = parsed.username().is_empty()
            && parsed.password().is_none()
            && parsed.query().is_none()
            && parsed.fragment().is_none();
        if secretless {
            return url.to_string();
        }
        // Both fail only on URLs without a host, which are not here.
        let _ = parsed.set_username("");
        let _ = parsed.set_password(None);
        parsed.set_query(None);
        parsed.set_fragment(None);
        return parsed.to_string();
    }
    let cut = url.split(['?', '#']).next().unwrap_or_default();
    let (scheme, rest) = match cut.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), cut),
    };
    let rest = rest.rsplit_once('@').map_or(rest, |(_, after)| after);
    format!("{scheme}{rest}")
}

/// Host, path and query of `link` when it is surely in the form `url::Url` writes, so that
/// parsing it would change nothing: `http(s)://`, a lowercase domain name (no port, user,
/// IP address or punycode), a path, query and fragment of characters `url` leaves as they
/// are, without dot segments. `None` for anything else, which the caller parses. Links read
/// from feeds were written by `url`, and are read again on every render: this spares parsing
/// them again.
pub fn as_url_writes(link: &str) -> Option<(&str, &str, Option<&str>)> {
    let rest = link
        .strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"))?;
    let slash = rest.find('/')?;
    let (host, rest) = rest.split_at(slash);
    let plain_label = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && !l.starts_with("xn--")
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    // The last label starting with a letter: not an IPv4 address in any of its forms.
    let last = host.rsplit('.').next()?;
    if !host.split('.').all(plain_label) || !last.starts_with(|c: char| c.is_ascii_lowercase()) {
        return None;
    }
    let (rest, fragment) = match rest.split_once('#') {
        Some((rest, fragment)) => (rest, Some(fragment)),
        None => (rest, None),
    };
    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    // Characters `url` copies as they are in a path; a query also takes `?` but not `'`, a
    // fragment both.
    let kept = |b: u8, extra: &[u8]| {
        b.is_ascii_alphanumeric() || b"-._~!$&()*+,;=:@/%".contains(&b) || extra.contains(&b)
    };
    let dot_segment = path.split('/').any(|s| s == "." || s == "..")
        || path
            .match_indices("%2")
            .any(|(i, _)| matches!(path.as_bytes().get(i + 2), Some(b'e' | b'E')));
    let bad_percent = |s: &str| {
        s.bytes().enumerate().any(|(i, b)| {
            b == b'%'
                && !s
                    .as_bytes()
                    .get(i + 1..i + 3)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
        })
    };
    let path_ok = path.bytes().all(|b| kept(b, b"'")) && !dot_segment && !bad_percent(path);
    let query_ok = query.is_none_or(|q| q.bytes().all(|b| kept(b, b"?")) && !bad_percent(q));
    let fragment_ok = fragment.is_none_or(|f| f.bytes().all(|b| kept(b, b"?'")) && !bad_percent(f));
    (path_ok && query_ok && fragment_ok).then_some((host, path, query))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_urls_have_no_user_info_query_or_fragment() {
        for (url, shown) in [
            (
                "http://user:pass@127.0.0.1:8080/f.xml?token=SECRET",
                "http://127.0.0.1:8080/f.xml",
            ),
            (
                "https://news.example/rss?key=1#top",
                "https://news.example/rss",
            ),
            ("https://user@news.example/", "https://news.example/"),
            (
                "https://lwn.net/headlines/rss",
                "https://lwn.net/headlines/rss",
            ),
            ("file:///etc/passwd", "file:///etc/passwd"),
            ("HTTPS://News.Example", "HTTPS://News.Example"),
            ("https://news.example/?", "https://news.example/"),
            // Not URLs: cut as well as can be.
            ("user:pass@news.example/rss?token=x", "news.example/rss"),
            ("htp//u:p@x/y#z", "x/y"),
            ("ht tp://u:p@host/path?q", "ht tp://host/path"),
            ("", ""),
        ] {
            assert_eq!(shown_url(url), shown, "{url}");
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forbids_internal_ranges() {
        for s in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2002:c0a8:101::1",
            "ff02::1",
            "64:ff9b:1::a00:1",
            "64:ff9b:1:ffff::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001::1",
        ] {
            assert!(is_forbidden(ip(s)), "{s} must be forbidden");
        }
    }

    #[test]
    fn allows_public_addresses() {
        for s in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "100.128.0.1",
            "64:ff9b::808:808",
            "2001:4860::8888",
            "2001:1::1",
        ] {
            assert!(!is_forbidden(ip(s)), "{s} must be allowed");
        }
    }

    #[test]
    fn a_link_as_url_writes_it_is_known_without_parsing() {
        let written = [
            "https://news.example/2026/11/linux-6-18",
            "http://www.news.example/a/b/?id=3&utm_source=x&b=%20&a=1#c",
            "https://lwn.net/Articles/1000000/",
            "https://a-b.c-d.example/x;y=1/~u/it's(1)*+,!$@:",
            "https://news.example/search?q=a+b&q=%C3%A9&ref=rss",
            "https://news.example/a?",
            "https://news.example/a./b..c/",
            "https://news.example/a#top?x='y'",
        ];
        for link in written {
            assert!(as_url_writes(link).is_some(), "{link} is known as written");
            assert_eq!(
                url::Url::parse(link).unwrap().as_str(),
                link,
                "url writes {link} so"
            );
        }
        // Anything `url` would rewrite, or that is no domain name, is parsed.
        let rewritten = [
            "https://News.Example/a",
            "https://news.example",
            "https://news.example:443/a",
            "https://news.example:8080/a",
            "https://user:pass@news.example/a",
            "https://127.0.0.1/a",
            "https://127.1/a",
            "https://0x7f.1/a",
            "https://[::1]/a",
            "https://news.example./a",
            "https://news..example/a",
            "https://-news.example/a",
            "https://xn--bcher-kva.example/a",
            "https://bücher.example/a",
            "https://news.example/a/../b",
            "https://news.example/a/./b",
            "https://news.example/a/%2E%2e/b",
            "https://news.example/a b",
            "https://news.example/a\\b",
            "https://news.example/a\tb",
            "https://news.example/a%zz",
            "https://news.example/é",
            "https://news.example/a?q='x'",
            "https://news.example/a?q=<x>",
            "https://news.example/{a}|^`",
            "HTTPS://news.example/a",
            "https:news.example/a",
            "https:/news.example/a",
            "https://news_x.example/a",
            "https://news.example/a#b c",
            "https://news.example/a#<b>",
            "https://news.example/a#b#c",
        ];
        for link in rewritten {
            assert_eq!(as_url_writes(link), None, "{link} is left to parsing");
        }
    }
}
