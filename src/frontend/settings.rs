//! `/config`: the reader settings form (plain HTML that works without JavaScript): the look
//! (theme, font, underlined links) and the layout (order and hidden sources), each saved in
//! its cookie. Nothing is stored on the server.

use std::sync::{Arc, LazyLock};

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, context};
use serde::Serialize;

use super::app::App;
use super::layout::{Layout, Prefs};
use super::respond::Error;
use super::sites::LiveSite;
use crate::render::choices::{FONTS, THEMES};

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    crate::render::environment(&[("config.html", include_str!("../../templates/config.html"))])
});

/// One theme or font of the form.
#[derive(Serialize)]
struct Choice {
    id: &'static str,
    label: &'static str,
    checked: bool,
}

fn choices(list: &'static [(&'static str, &'static str)], chosen: &str) -> Vec<Choice> {
    list.iter()
        .map(|(id, label)| Choice {
            id,
            label,
            checked: *id == chosen,
        })
        .collect()
}

/// One row of the form.
#[derive(Serialize)]
struct SourceRow<'a> {
    id: &'a str,
    title: &'a str,
    shown: bool,
}

fn ids(site: &LiveSite) -> Vec<&str> {
    site.fragments.iter().map(|f| f.id.as_str()).collect()
}

/// `GET /config`: the reader's look, and the sources in their current order, hidden ones
/// unticked; the page itself wears the chosen look.
pub async fn show(
    State(app): State<Arc<App>>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let site = app.site(&headers, &uri)?;
    let ids = ids(&site);
    let layout = Layout::from_headers(&headers).unwrap_or_default();
    let prefs = Prefs::from_headers(&headers);
    let sources: Vec<SourceRow> = layout
        .arrange(&ids)
        .into_iter()
        .map(|(i, shown)| SourceRow {
            id: ids[i],
            title: &site.fragments[i].title,
            shown,
        })
        .collect();
    let html = ENV
        .get_template("config.html")
        .and_then(|t| {
            t.render(context! {
                site => context! { title => &site.entry.title },
                assets => &site.manifest.assets,
                sources => minijinja::Value::from(minijinja::value::Serde(&sources)),
                themes => minijinja::Value::from(minijinja::value::Serde(choices(THEMES, prefs.theme_id()))),
                fonts => minijinja::Value::from(minijinja::value::Serde(choices(FONTS, prefs.font_id()))),
                underline => prefs.underline,
                html_attrs => minijinja::Value::from_safe_string(prefs.html_attrs()),
            })
        })
        .map_err(|e| Error::Unavailable(format!("rendering config.html: {e}")))?;
    let mut resp = Html(html).into_response();
    // The form shows this reader's cookie: no shared cache may keep it.
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

/// `POST /config`: saves what the form holds (the layout when it has `pos-` fields, the look
/// when it has `theme`/`font`), or with `reset` goes back to the defaults, then returns to
/// the page (303, RFC 9110 §15.4.4, so the browser follows with a GET).
pub async fn save(
    State(app): State<Arc<App>>,
    uri: Uri,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, Error> {
    if !same_origin(&headers) {
        return Err(Error::Forbidden);
    }
    let site = app.site(&headers, &uri)?;
    let mut cookies = vec![];
    if form.iter().any(|(k, _)| k == "reset") {
        cookies.push(Layout::clear_cookie());
        cookies.push(Prefs::default().set_cookie());
    } else {
        if form.iter().any(|(k, _)| k.starts_with("pos-")) {
            cookies.push(Layout::from_form(&ids(&site), &form).set_cookie());
        }
        cookies.extend(Prefs::from_form(&form).map(|p| p.set_cookie()));
    }
    let mut resp = StatusCode::SEE_OTHER.into_response();
    let h = resp.headers_mut();
    h.insert(header::LOCATION, HeaderValue::from_static("/"));
    for cookie in cookies {
        h.append(
            header::SET_COOKIE,
            HeaderValue::from_str(&cookie).map_err(|e| Error::Unavailable(e.to_string()))?,
        );
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// Another site must not rearrange a reader's page: browsers send `Origin` (and
/// `Sec-Fetch-Site`) with form posts; without them (older browsers, curl) the post is allowed,
/// since a layout is a preference, not a secret.
fn same_origin(headers: &HeaderMap) -> bool {
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return false;
    }
    crate::frontend::client::origin_is_host(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_site_posts_are_refused() {
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, HeaderValue::from_static(v));
            }
            m
        };
        assert!(same_origin(&h(&[("host", "news.example")])));
        assert!(same_origin(&h(&[
            ("host", "news.example:8080"),
            ("origin", "http://news.example:8080")
        ])));
        assert!(!same_origin(&h(&[
            ("host", "news.example"),
            ("origin", "https://evil.example")
        ])));
        assert!(!same_origin(&h(&[
            ("host", "news.example"),
            ("origin", "null")
        ])));
        assert!(!same_origin(&h(&[
            ("host", "news.example"),
            ("sec-fetch-site", "cross-site")
        ])));
    }
}
