//! Reader layouts: the /config form, the cookie, and pages assembled from fragments.

use super::*;
use newsdesk::store::Role;

#[tokio::test]
async fn a_reader_layout_reorders_and_hides_sources_from_a_plain_form() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    let ids = source_ids(&app);

    let form = get(&app, "/config", &[]).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.header(header::CACHE_CONTROL), "private, no-store");
    let html = form.text();
    assert!(html.contains("<form class=\"layout\" method=\"post\" action=\"/config\">"));
    assert!(
        !html.contains("<script"),
        "the form works without JavaScript"
    );
    for id in &ids {
        assert!(
            html.contains(&format!("name=\"show-{id}\" checked")),
            "{id} shown by default"
        );
    }

    // Source 3 first, then 0, hide 1, keep 2.
    let body = format!(
        "pos-{a}=2&show-{a}=on&pos-{b}=9&pos-{c}=3&show-{c}=on&pos-{d}=1&show-{d}=on",
        a = ids[0],
        b = ids[1],
        c = ids[2],
        d = ids[3]
    );
    let saved = post_config(&app, &body, &[("origin", "http://test.example")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved.header(header::LOCATION), "/");
    let set_cookie = saved.header(header::SET_COOKIE).to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_string();

    let page = get(&app, "/", &[("cookie", &cookie)]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header(header::CACHE_CONTROL), "private, max-age=10");
    let p = positions(&page.text());
    assert_eq!(p[1], None, "hidden source is gone");
    let (first, then, last) = (p[3].unwrap(), p[0].unwrap(), p[2].unwrap());
    assert!(first < then && then < last, "{p:?}");
    let default = get(&app, "/", &[]).await;
    assert_ne!(page.header(header::ETAG), default.header(header::ETAG));
    assert!(
        page.text().starts_with("<!doctype html>") && page.text().trim_end().ends_with("</html>")
    );

    // Compressed once per layout and generation; each encoding decodes to the same page.
    let gz = get(
        &app,
        "/",
        &[("cookie", &cookie), ("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(gunzip(&gz.body), page.body);
    let br = get(&app, "/", &[("cookie", &cookie), ("accept-encoding", "br")]).await;
    assert_eq!(unbrotli(&br.body), page.body);
    let c = &app.live.counters;
    assert_eq!(c.layout_misses.get(), 1);
    assert_eq!(c.layout_hits.get(), 2);
    let revalidated = get(
        &app,
        "/",
        &[
            ("cookie", &cookie),
            ("accept-encoding", "br"),
            ("if-none-match", br.header(header::ETAG)),
        ],
    )
    .await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);

    // The form shows the saved order; reset forgets it.
    let html = get(&app, "/config", &[("cookie", &cookie)]).await.text();
    let at = |id: &str| html.find(&format!("name=\"show-{id}\"")).unwrap();
    assert!(at(&ids[3]) < at(&ids[0]) && at(&ids[0]) < at(&ids[2]) && at(&ids[2]) < at(&ids[1]));
    assert!(
        html.contains(&format!("name=\"show-{}\">", ids[1])),
        "hidden source is unticked"
    );
    let reset = post_config(&app, "reset=1", &[]).await;
    assert!(
        reset
            .header(header::SET_COOKIE)
            .starts_with("nd_layout=; Path=/; Max-Age=0")
    );
}
