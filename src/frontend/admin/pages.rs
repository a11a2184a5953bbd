//! The admin pages: templates in `templates/admin/`, escaped by minijinja, with no inline
//! script or style (the site's CSP applies), working without JavaScript.

use std::sync::LazyLock;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::{Environment, Value, context};

use super::AdminError;
use super::gate::Ctx;

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = crate::render::environment(&[
        (
            "admin/base.html",
            include_str!("../../../templates/admin/base.html"),
        ),
        (
            "admin/login.html",
            include_str!("../../../templates/admin/login.html"),
        ),
        (
            "admin/headlines.html",
            include_str!("../../../templates/admin/headlines.html"),
        ),
        (
            "admin/history.html",
            include_str!("../../../templates/admin/history.html"),
        ),
        (
            "admin/version.html",
            include_str!("../../../templates/admin/version.html"),
        ),
        (
            "admin/archive.html",
            include_str!("../../../templates/admin/archive.html"),
        ),
        (
            "admin/feeds.html",
            include_str!("../../../templates/admin/feeds.html"),
        ),
    ]);
    // Admins read exact times, to the second.
    env.add_filter("when", |s: String| -> String {
        s.parse::<chrono::DateTime<chrono::Utc>>()
            .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or(s)
    });
    env
});

/// Renders `template` with `ctx` (which gets `site`, `stylesheet` and `csrf` for the layout).
pub fn render(template: &str, status: StatusCode, ctx: Value) -> Result<Response, AdminError> {
    let html = ENV
        .get_template(template)
        .and_then(|t| t.render(ctx))
        .map_err(|e| AdminError::Unavailable(format!("rendering {template}: {e}")))?;
    Ok((status, Html(html)).into_response())
}

/// What every page of a logged-in admin shows: the site, its stylesheet, the logout form's
/// token, and `notice`/`problem` lines.
pub fn base(ctx: &Ctx, notice: Option<String>, problem: Option<String>) -> Value {
    context! {
        site => context! { title => &ctx.site.title, name => &ctx.site.name },
        stylesheet => ctx.stylesheet(),
        csrf => &ctx.csrf,
        notice => notice,
        problem => problem,
        poll => ctx.admin.poll.as_secs().max(1),
    }
}
