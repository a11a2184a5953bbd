//! A reader's layout: which source boxes to show and in which order, and how the page looks
//! (theme, font, underlined links), each carried in a cookie so the frontend stays stateless.
//!
//! The cookie is `nd_layout=1:<id>.<id>.!<id>`: a format version, then source ids in the
//! reader's order, `!` marking a hidden one. Sources the cookie does not name (added after it
//! was saved) are shown after the named ones, in the site's order. A cookie that is too long,
//! of another version or malformed in any way is ignored as a whole: the reader gets the
//! default page, never an error.
//!
//! The look is `nd_prefs=<theme>.<font>.<u|n>` ([`Prefs::encode`]), written by `/config` and
//! by the page's theme button; readers without either cookie share the one cached page.

use axum::http::{HeaderMap, header};

pub use crate::render::choices::Prefs;

use super::sites::LiveSite;

pub const COOKIE: &str = "nd_layout";
const VERSION: &str = "1";
/// Longest cookie value honoured; browsers keep 4 kB per cookie, and this leaves room for ~110
/// sources of 16-hex-digit ids.
pub const MAX_LEN: usize = 2048;
/// A year: the layout is a preference, not a session.
const MAX_AGE_SECS: u32 = 365 * 24 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    /// `(source id, shown)` in the reader's order.
    entries: Vec<(String, bool)>,
}

/// The value of the request's cookie `name`.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
}

/// What a request asks of `/` beyond the default page: the visible sources (indices into the
/// site's fragments, in order) and the look. `None` when it asks for nothing else, so it
/// gets the page every such reader shares.
pub fn wanted(headers: &HeaderMap, site: &LiveSite) -> Option<(Vec<u16>, Prefs)> {
    if !headers.contains_key(header::COOKIE) {
        return None;
    }
    let prefs = Prefs::from_headers(headers);
    let layout = Layout::from_headers(headers);
    if layout.is_none() && prefs.is_default() {
        return None;
    }
    let ids: Vec<&str> = site.fragments.iter().map(|f| f.id.as_str()).collect();
    let visible = layout.unwrap_or_default().visible(&ids);
    let in_order = visible.len() == ids.len()
        && visible
            .iter()
            .enumerate()
            .all(|(i, v)| usize::from(*v) == i);
    (!in_order || !prefs.is_default()).then_some((visible, prefs))
}

impl Layout {
    /// The layout in the request's cookie; `None` without a cookie or with an unusable one.
    pub fn from_headers(headers: &HeaderMap) -> Option<Layout> {
        cookie(headers, COOKIE).and_then(Layout::parse)
    }

    /// Parses a cookie value.
    pub fn parse(value: &str) -> Option<Layout> {
        if value.len() > MAX_LEN {
            return None;
        }
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        let list = value.strip_prefix(VERSION)?.strip_prefix(':')?;
        let entries = list
            .split('.')
            .filter(|s| !s.is_empty())
            .map(|s| match s.strip_prefix('!') {
                Some(id) => (id, false),
                None => (s, true),
            })
            .map(|(id, shown)| is_id(id).then(|| (id.to_string(), shown)))
            .collect::<Option<Vec<_>>>()?;
        Some(Layout { entries })
    }

    /// The layout a `/config` form asks for: `pos-<id>` numbers order the sources (ties and
    /// blanks keep the site's order), a `show-<id>` field keeps a source shown.
    pub fn from_form(ids: &[&str], form: &[(String, String)]) -> Layout {
        let field = |prefix: &str, id: &str| {
            form.iter()
                .find(|(k, _)| k.strip_prefix(prefix) == Some(id))
                .map(|(_, v)| v.as_str())
        };
        let mut rows: Vec<(i64, usize, &str, bool)> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let pos = field("pos-", id)
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(i as i64 + 1);
                (pos, i, *id, field("show-", id).is_some())
            })
            .collect();
        rows.sort_by_key(|&(pos, i, _, _)| (pos, i));
        let mut layout = Layout::default();
        let mut len = VERSION.len() + 1;
        for (_, _, id, shown) in rows {
            // Past the bound, the rest are left out and so shown in the site's order.
            len += id.len() + 2;
            if len > MAX_LEN {
                break;
            }
            layout.entries.push((id.to_string(), shown));
        }
        layout
    }

    /// Every source of the site, as indices into `ids`, in this layout's order, with whether it
    /// is shown.
    pub fn arrange(&self, ids: &[&str]) -> Vec<(usize, bool)> {
        let mut out: Vec<(usize, bool)> = Vec::with_capacity(ids.len());
        let mut named = vec![false; ids.len()];
        for (id, shown) in &self.entries {
            if let Some(i) = ids.iter().position(|x| x == id)
                && !named[i]
            {
                named[i] = true;
                out.push((i, *shown));
            }
        }
        out.extend((0..ids.len()).filter(|i| !named[*i]).map(|i| (i, true)));
        out
    }

    /// The indices of the sources to show, in order.
    pub fn visible(&self, ids: &[&str]) -> Vec<u16> {
        self.arrange(ids)
            .into_iter()
            .filter(|(_, shown)| *shown)
            .filter_map(|(i, _)| u16::try_from(i).ok())
            .collect()
    }

    /// The `Set-Cookie` value saving this layout.
    pub fn set_cookie(&self) -> String {
        let list: Vec<String> = self
            .entries
            .iter()
            .map(|(id, shown)| if *shown { id.clone() } else { format!("!{id}") })
            .collect();
        format!(
            "{COOKIE}={VERSION}:{}; {}",
            list.join("."),
            attributes(MAX_AGE_SECS)
        )
    }

    /// The `Set-Cookie` value that forgets the layout.
    pub fn clear_cookie() -> String {
        format!("{COOKIE}=; {}", attributes(0))
    }
}

/// No script reads the cookie (`HttpOnly`); `SameSite=Lax` keeps it on top-level navigation.
fn attributes(max_age: u32) -> String {
    format!("Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax")
}

pub const PREFS_COOKIE: &str = "nd_prefs";

impl Prefs {
    /// The look in the request's cookie; the default without one.
    pub fn from_headers(headers: &HeaderMap) -> Prefs {
        cookie(headers, PREFS_COOKIE)
            .and_then(Prefs::decode)
            .unwrap_or_default()
    }

    /// The look a `/config` form asks for (`theme`, `font`, `underline`); `None` when the
    /// form has no appearance fields (an older layout-only form).
    pub fn from_form(form: &[(String, String)]) -> Option<Prefs> {
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if field("theme").is_none() && field("font").is_none() {
            return None;
        }
        Some(Prefs::from_ids(
            field("theme").unwrap_or(""),
            field("font").unwrap_or(""),
            field("underline").is_some(),
        ))
    }

    /// The `Set-Cookie` value saving this look. The default is saved too rather than
    /// forgotten, so app.js does not bring back an older choice from localStorage. Not
    /// `HttpOnly`: the theme button writes the same cookie.
    pub fn set_cookie(&self) -> String {
        format!(
            "{PREFS_COOKIE}={}; Path=/; Max-Age={MAX_AGE_SECS}; SameSite=Lax",
            self.encode()
        )
    }
}

fn is_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: [&str; 3] = ["aa", "bb", "cc"];

    #[test]
    fn cookie_orders_and_hides_and_new_sources_follow() {
        let l = Layout::parse("1:cc.!aa").unwrap();
        assert_eq!(l.arrange(&IDS), vec![(2, true), (0, false), (1, true)]);
        assert_eq!(l.visible(&IDS), vec![2, 1]);
    }

    #[test]
    fn unknown_and_repeated_ids_are_ignored() {
        let l = Layout::parse("1:zz.bb.bb.!bb").unwrap();
        assert_eq!(l.visible(&IDS), vec![1, 0, 2]);
    }

    #[test]
    fn bad_cookies_are_refused_whole() {
        let long = format!("1:{}", "a.".repeat(MAX_LEN));
        for bad in [
            "",
            "1",
            "2:aa",
            "1;aa",
            "1:a/b",
            "1:<script>",
            "1:!",
            "1:aa.\u{e9}",
            long.as_str(),
        ] {
            assert_eq!(Layout::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Layout::parse("1:").unwrap().visible(&IDS), vec![0, 1, 2]);
        assert!(
            Layout::parse("\"1:aa\"").is_some(),
            "quoted values are allowed by RFC 6265"
        );
    }

    #[test]
    fn form_round_trips_through_the_cookie() {
        let form: Vec<(String, String)> = [
            ("pos-aa", "3"),
            ("pos-bb", "x"),
            ("pos-cc", "1"),
            ("show-cc", "on"),
            ("show-bb", "on"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let l = Layout::from_form(&IDS, &form);
        assert_eq!(l.visible(&IDS), vec![2, 1]);
        let cookie = l.set_cookie();
        assert!(
            cookie.starts_with("nd_layout=1:cc.bb.!aa; Path=/;"),
            "{cookie}"
        );
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            format!("theme=dark; {}", cookie.split(';').next().unwrap())
                .parse()
                .unwrap(),
        );
        assert_eq!(Layout::from_headers(&h), Some(l));
    }

    #[test]
    fn looks_come_from_the_form_and_the_cookie() {
        let form = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(Prefs::from_form(&form(&[("pos-aa", "1")])), None);
        let p = Prefs::from_form(&form(&[
            ("theme", "sepia"),
            ("font", "mono"),
            ("underline", "on"),
        ]))
        .unwrap();
        assert_eq!(p.encode(), "sepia.mono.u");
        let cookie = p.set_cookie();
        assert!(
            cookie.starts_with("nd_prefs=sepia.mono.u; Path=/;"),
            "{cookie}"
        );
        assert!(
            !cookie.contains("HttpOnly"),
            "the theme button writes it too"
        );
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "nd_layout=1:aa; nd_prefs=sepia.mono.u".parse().unwrap(),
        );
        assert_eq!(Prefs::from_headers(&h), p);
        h.insert(header::COOKIE, "nd_prefs=%3Cscript%3E".parse().unwrap());
        assert!(Prefs::from_headers(&h).is_default());
    }

    #[test]
    fn form_layouts_stay_within_the_cookie_bound() {
        let ids: Vec<String> = (0..500).map(|i| format!("{i:016x}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let cookie = Layout::from_form(&ids, &[]).set_cookie();
        let value = cookie
            .split(';')
            .next()
            .unwrap()
            .strip_prefix("nd_layout=")
            .unwrap();
        assert!(value.len() <= MAX_LEN);
        let l = Layout::parse(value).unwrap();
        assert_eq!(
            l.arrange(&ids).len(),
            500,
            "sources past the bound are still there"
        );
    }
}
