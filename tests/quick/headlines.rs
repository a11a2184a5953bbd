//! Headline files on real stores: versions kept on a store without conditional writes (as on
//! Garage) and on one with them, concurrent saves, the fetcher rendering the current block, a
//! frontend composing a newer one within one poll, `/old_headlines`, forced refreshes, and the
//! `newsdesk-fetcher headlines` CLI through the real binary.

use std::process::Stdio;
use std::sync::Arc;

use chrono::{Duration, Utc};
use newsdesk::fetcher::{SyncOptions, render_only, sync};
use newsdesk::frontend::{App, Options};
use newsdesk::headlines::{
    AdminIndex, Archive, Block, Entry, Item, SaveOutcome, archive, blocks, refresh,
};
use newsdesk::render::names;
use newsdesk::store::publish::live_manifest;
use newsdesk::store::{Role, Store};

use crate::support::{Behavior, FeedServer, app_on, config_toml, fetcher_command, get};

fn html(s: &str) -> Block {
    Block::from_html(s).unwrap()
}

fn items(titles: &[&str]) -> Block {
    Block::from_items(
        titles
            .iter()
            .enumerate()
            .map(|(i, t)| Item {
                title: t.to_string(),
                url: format!("https://news.example/{i}"),
                image: Some(format!("https://news.example/{i}.jpg")),
            })
            .collect(),
    )
    .unwrap()
}

fn file_store(dir: &tempfile::TempDir) -> Store {
    let s = Store::open(
        &format!("file://{}/bucket", dir.path().display()),
        Role::Fetcher,
    )
    .unwrap();
    assert!(
        !s.supports_conditional_writes(),
        "file:// stands in for Garage"
    );
    s
}

fn memory_store() -> Store {
    let s = Store::open("memory://", Role::Fetcher).unwrap();
    assert!(s.supports_conditional_writes());
    s
}

#[tokio::test]
async fn every_save_is_kept_as_a_version_on_a_store_without_conditional_writes() {
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(&dir);
    let t0 = Utc::now();
    let one = blocks::save(&store, "s", html("<p>one</p>"), "web:a", None, None, t0)
        .await
        .unwrap();
    assert_eq!(one.outcome, SaveOutcome::Current);
    let two = blocks::save(
        &store,
        "s",
        items(&["two"]),
        "cli:b",
        Some(&one.version),
        None,
        t0 + Duration::seconds(1),
    )
    .await
    .unwrap();
    assert_eq!(two.outcome, SaveOutcome::Current);
    let back = blocks::restore(
        &store,
        "s",
        &one.version,
        "web:c",
        Some(&two.version),
        t0 + Duration::seconds(2),
    )
    .await
    .unwrap();
    assert_eq!(back.outcome, SaveOutcome::Current);

    let (history, total) = blocks::history(&store, "s", 0, 10).await.unwrap();
    assert_eq!(total, 3);
    let versions: Vec<&str> = history.iter().map(|h| h.version.as_str()).collect();
    assert_eq!(
        versions,
        [&back.version, &two.version, &one.version],
        "newest first"
    );
    let authors: Vec<&str> = history.iter().map(|h| h.author.as_str()).collect();
    assert_eq!(authors, ["web:c", "cli:b", "web:a"]);
    assert!(history[0].current && !history[1].current && !history[2].current);
    assert_eq!(
        history[0].restored_from.as_deref(),
        Some(one.version.as_str())
    );
    assert!(history.iter().all(|h| h.size > 0));

    let current = blocks::current(&store, "s").await.unwrap().unwrap();
    assert_eq!(current.version, back.version);
    assert_eq!(current.block, html("<p>one</p>"));
    let old = blocks::get(&store, "s", &two.version)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        old.block,
        items(&["two"]),
        "an older version reads back as saved"
    );
    assert!(
        blocks::get(&store, "s", "../../sites.json")
            .await
            .unwrap()
            .is_none()
    );
}

/// Two admins open the editor on the same version and save at once: both versions are kept,
/// exactly one is current, and the other is told which one is.
async fn two_concurrent_saves(store: &Store) {
    let base = blocks::save(
        store,
        "s",
        html("<p>base</p>"),
        "web:0",
        None,
        None,
        Utc::now(),
    )
    .await
    .unwrap()
    .version;
    let (a, b) = tokio::join!(
        blocks::save(
            store,
            "s",
            html("<p>A</p>"),
            "web:a",
            Some(&base),
            None,
            Utc::now()
        ),
        blocks::save(
            store,
            "s",
            html("<p>B</p>"),
            "web:b",
            Some(&base),
            None,
            Utc::now()
        ),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let (winner, loser) = match (&a.outcome, &b.outcome) {
        (SaveOutcome::Current, SaveOutcome::NotCurrent { .. }) => (&a, &b),
        (SaveOutcome::NotCurrent { .. }, SaveOutcome::Current) => (&b, &a),
        other => panic!("exactly one save must be current: {other:?}"),
    };
    assert_eq!(
        loser.outcome,
        SaveOutcome::NotCurrent {
            current: Some(winner.version.clone())
        }
    );
    assert!(
        loser
            .message()
            .contains("another admin saved at the same time; your version is kept in the history")
    );
    let listed: Vec<String> = blocks::list(store, "s")
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.version)
        .collect();
    assert!(
        listed.contains(&a.version) && listed.contains(&b.version),
        "both kept: {listed:?}"
    );
    let (index, _) = AdminIndex::read(store).await.unwrap();
    assert_eq!(index.block("s"), Some(winner.version.as_str()));
    // The loser restores theirs: now it is current, and nothing was lost on the way.
    let restored = blocks::restore(
        store,
        "s",
        &loser.version,
        "web:l",
        Some(&winner.version),
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(restored.is_current());
    assert_eq!(blocks::list(store, "s").await.unwrap().len(), 4);
}

#[tokio::test]
async fn two_concurrent_saves_on_a_store_with_conditional_writes_keep_both_and_tell_the_loser() {
    two_concurrent_saves(&memory_store()).await;
}

#[tokio::test]
async fn two_concurrent_saves_on_a_store_without_conditional_writes_keep_both_and_tell_the_loser() {
    let dir = tempfile::tempdir().unwrap();
    two_concurrent_saves(&file_store(&dir)).await;
}

#[tokio::test]
async fn an_editor_opened_before_another_save_is_told_and_keeps_its_version() {
    let store = memory_store();
    let first = blocks::save(
        &store,
        "s",
        html("<p>1</p>"),
        "web:a",
        None,
        None,
        Utc::now(),
    )
    .await
    .unwrap();
    let auto = blocks::save_auto(&store, "s", items(&["picked"]), Utc::now())
        .await
        .unwrap();
    assert!(
        auto.is_current(),
        "the scheduled pick goes on top of what is current"
    );
    let stale = blocks::save(
        &store,
        "s",
        html("<p>2</p>"),
        "web:a",
        Some(&first.version),
        None,
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        stale.outcome,
        SaveOutcome::NotCurrent {
            current: Some(auto.version.clone())
        }
    );
    let doc = blocks::get(&store, "s", &auto.version)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(doc.author, "auto");
}

/// The `test` site with two feeds, synced into `store`.
async fn published(store: &Store) -> (FeedServer, newsdesk::config::Config) {
    crate::support::published(store, 2, 5).await
}

async fn frontend(store: &Store) -> Arc<App> {
    app_on(store, Options::default()).await
}

async fn page(app: &Arc<App>, path: &str) -> (u16, String) {
    let reply = get(app, path, &[]).await;
    (
        reply.status.as_u16(),
        String::from_utf8(reply.body).unwrap(),
    )
}

#[tokio::test]
async fn render_puts_the_current_block_in_the_published_pages_at_once() {
    let store = memory_store();
    let (_server, config) = published(&store).await;
    let saved = blocks::save(
        &store,
        "test",
        items(&["Kernel 7.0 released", "Second story"]),
        "cli:x",
        None,
        None,
        Utc::now(),
    )
    .await
    .unwrap();
    render_only(&config, &store, None).await.unwrap();
    let (manifest, _) = live_manifest(&store, "test").await.unwrap().unwrap();
    let above = manifest
        .objects
        .iter()
        .find(|n| n.name == names::ABOVE)
        .unwrap();
    assert_eq!(
        above.label.as_deref(),
        Some(saved.version.as_str()),
        "the part is labelled with its version"
    );
    let app = frontend(&store).await;
    let (status, html) = page(&app, "/").await;
    assert_eq!(status, 200);
    let (block, sources) = (
        html.find("Kernel 7.0 released").unwrap(),
        html.find("src0 story number 0").unwrap(),
    );
    assert!(block < sources, "the block is above the source boxes");
    for feed in ["/rss", "/feed.json"] {
        let (status, text) = page(&app, feed).await;
        assert_eq!(status, 200);
        assert!(
            text.contains("Kernel 7.0 released") && text.contains("https://news.example/0"),
            "the site's feeds carry the headlines: {feed}"
        );
    }
    assert!(
        !html.contains("news.example/0.jpg"),
        "images are never hotlinked: {html}"
    );
    assert!(!html.contains(names::ABOVE_SLOT));
}

#[tokio::test]
async fn a_frontend_composes_a_newer_block_within_one_poll_and_sanitizes_it() {
    let store = memory_store();
    let (_server, _config) = published(&store).await;
    let app = frontend(&store).await;
    let (_, before) = page(&app, "/").await;
    assert!(!before.contains("class=\"headlines\""));
    let dirty = r#"<h2 onmouseover="steal()">Breaking: <a href="javascript:alert(1)">click</a> <a href="https://lwn.net/">LWN</a></h2><script>alert(1)</script><img src="https://tracker.example/pixel.gif" onerror="x()">"#;
    blocks::save(&store, "test", html(dirty), "web:a", None, None, Utc::now())
        .await
        .unwrap();
    app.live.refresh().await.unwrap();
    let (status, after) = page(&app, "/").await;
    assert_eq!(status, 200);
    assert!(after.contains("Breaking:"), "{after}");
    assert!(
        after.contains(r#"<a href="https://lwn.net/" rel="noopener nofollow">LWN</a>"#),
        "{after}"
    );
    let start = after.find("<section class=\"headlines\"").unwrap();
    let block = &after[start..start + after[start..].find("</section>").unwrap()];
    for gone in [
        "onmouseover",
        "steal",
        "javascript:",
        "<script",
        "alert(1)",
        "onerror",
        "tracker.example",
    ] {
        assert!(!block.contains(gone), "{gone} reached the page: {block}");
        assert!(
            !after.contains(gone) || gone == "<script",
            "{gone} reached the page"
        );
    }
    let (block, sources) = (
        after.find("Breaking:").unwrap(),
        after.find("src0 story number 0").unwrap(),
    );
    assert!(block < sources);
    // A reader's own layout gets the new block too.
    let ids: Vec<String> = {
        let snap = app.live.snapshot();
        let site = snap
            .site_for_host(Some("test.example"))
            .unwrap()
            .live
            .clone()
            .unwrap();
        site.fragments.iter().map(|f| f.id.clone()).collect()
    };
    let req = axum::http::Request::get("/")
        .header("host", "test.example")
        .header("cookie", format!("nd_layout=1:{}.!{}", ids[1], ids[0]))
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(newsdesk::frontend::router(app.clone()), req)
        .await
        .unwrap();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let layout = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        layout.contains("Breaking:") && !layout.contains("src0 story number 0"),
        "{layout}"
    );
}

#[tokio::test]
async fn old_headlines_are_grouped_by_day_newest_first_and_paged() {
    let store = memory_store();
    let (_server, _config) = published(&store).await;
    let day = |d: i64, h: i64| {
        "2026-11-20T06:00:00Z"
            .parse::<chrono::DateTime<Utc>>()
            .unwrap()
            + Duration::days(d)
            + Duration::hours(h)
    };
    let mut entries = vec![];
    for i in 0..70 {
        entries.push(
            Entry::new(
                &format!("Story <{i}>"),
                &format!("https://e.org/{i}"),
                None,
                day(i / 30, i % 12),
            )
            .unwrap(),
        );
    }
    let gone = entries[69].id.clone();
    archive::append(&store, "test", entries, "auto", Utc::now())
        .await
        .unwrap();
    let app = frontend(&store).await;
    let (status, first) = page(&app, "/old_headlines").await;
    assert_eq!(status, 200);
    assert_eq!(first.matches("<li>").count(), 60);
    assert!(
        first.contains("Story &lt;69&gt;"),
        "newest first and escaped"
    );
    let (d22, d21) = (
        first.find("Sunday, November 22, 2026").unwrap(),
        first.find("Saturday, November 21, 2026").unwrap(),
    );
    assert!(d22 < d21, "newest day first");
    assert!(
        first.contains("<a href=\"/at/2026-11-22\""),
        "each day links to its front page"
    );
    assert!(first.contains("href=\"/old_headlines?page=2\""));
    let (status, second) = page(&app, "/old_headlines?page=2").await;
    assert_eq!(status, 200);
    assert_eq!(second.matches("<li>").count(), 10);
    assert!(second.contains("Friday, November 20, 2026"));
    assert_eq!(page(&app, "/old_headlines?page=3").await.0, 404);
    assert_eq!(page(&app, "/old_headlines?page=x").await.0, 404);
    // A deletion is live at the next poll.
    archive::delete(&store, "test", vec![gone], "web:a", Utc::now())
        .await
        .unwrap();
    app.live.refresh().await.unwrap();
    let (_, first) = page(&app, "/old_headlines").await;
    assert!(!first.contains("Story &lt;69&gt;") && first.contains("Story &lt;68&gt;"));
    assert_eq!(Archive::load(&store, "test").await.unwrap().len(), 69);
}

#[tokio::test]
async fn a_refresh_request_is_honoured_on_the_next_pass_and_then_deleted() {
    let store = memory_store();
    let (server, config) = published(&store).await;
    let again = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (again.fetched, again.not_due),
        (0, 2),
        "nothing is due right after a fetch"
    );
    let hits = server.hits("/f1.xml");
    let feed = newsdesk::model::feed_id(&server.url("/f1.xml"));
    refresh::request(&store, "test", &feed, "web:a", Utc::now())
        .await
        .unwrap();
    refresh::request(&store, "test", "0123456789abcdef", "web:a", Utc::now())
        .await
        .unwrap();
    assert_eq!(refresh::pending(&store, "test").await.unwrap().len(), 2);
    let forced = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(forced.not_due, 1, "only the requested feed is fetched");
    assert_eq!(server.hits("/f1.xml"), hits + 1);
    assert!(
        refresh::pending(&store, "test").await.unwrap().is_empty(),
        "honoured requests and ones for unknown feeds are deleted"
    );
    let after = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(after.not_due, 2, "a request is honoured once");
}

// ---- The CLI through the real binary ----

struct Cli {
    dir: tempfile::TempDir,
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Cli {
    fn new() -> Cli {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            "[[sites]]\nname = \"test\"\ntitle = \"Test Report\"\nhosts = [\"test.example\"]\n",
        )
        .unwrap();
        Cli { dir }
    }

    fn store_url(&self) -> String {
        format!("file://{}/bucket", self.dir.path().display())
    }

    fn run(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Ran {
        let mut cmd = fetcher_command(&self.dir.path().join("config.toml"), &self.store_url());
        cmd.args(args)
            .env("RUST_LOG", "warn")
            .env("USER", "alice")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

#[test]
fn the_cli_sets_shows_edits_and_lists_the_block_with_the_web_editor_s_checks() {
    let cli = Cli::new();
    let set = cli.run(
        &["headlines", "set", "--site", "test", "--file", "-"],
        "<p onclick=\"x()\">Alpha <script>bad()</script></p>\n",
        &[],
    );
    assert_eq!(set.code, 0, "{}", set.stderr);
    assert!(
        set.stdout.contains("saved version") && set.stdout.contains("render --site test"),
        "{}",
        set.stdout
    );
    let show = cli.run(&["headlines", "show", "--site", "test"], "", &[]);
    assert_eq!(
        show.stdout, "<p>Alpha </p>",
        "sanitized like the web: {}",
        show.stderr
    );

    let big = cli.dir.path().join("big.html");
    std::fs::write(&big, "x".repeat(70 * 1024)).unwrap();
    let refused = cli.run(
        &[
            "headlines",
            "set",
            "--site",
            "test",
            "--file",
            big.to_str().unwrap(),
        ],
        "",
        &[],
    );
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("more than the limit of 65536 bytes (64 KB); nothing was saved"),
        "{}",
        refused.stderr
    );

    // `edit` runs $EDITOR on the current block and saves what changed.
    let edited = cli.run(
        &["headlines", "edit", "--site", "test"],
        "",
        &[("EDITOR", "sed -i s/Alpha/Beta/")],
    );
    assert_eq!(edited.code, 0, "{}", edited.stderr);
    assert_eq!(
        cli.run(&["headlines", "show", "--site", "test"], "", &[])
            .stdout,
        "<p>Beta </p>"
    );
    let unchanged = cli.run(
        &["headlines", "edit", "--site", "test"],
        "",
        &[("EDITOR", "true")],
    );
    assert!(
        unchanged.stdout.contains("no change; nothing saved"),
        "{}",
        unchanged.stdout
    );

    let json =
        r#"[{"title": "Big story", "url": "https://e.org/1", "image": "https://e.org/1.jpg"}]"#;
    let items = cli.run(
        &[
            "headlines",
            "set",
            "--site",
            "test",
            "--format",
            "items",
            "--file",
            "-",
        ],
        json,
        &[],
    );
    assert_eq!(items.code, 0, "{}", items.stderr);
    let bad = cli.run(
        &[
            "headlines",
            "set",
            "--site",
            "test",
            "--format",
            "items",
            "--file",
            "-",
        ],
        r#"[{"title": "x", "url": "javascript:alert(1)"}]"#,
        &[],
    );
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("headline 1: the link"),
        "{}",
        bad.stderr
    );

    let history = cli.run(&["headlines", "history", "--site", "test"], "", &[]);
    assert_eq!(history.code, 0);
    assert!(
        history
            .stdout
            .starts_with("3 versions of site test's headline block"),
        "{}",
        history.stdout
    );
    let lines: Vec<&str> = history.stdout.lines().skip(1).collect();
    assert_eq!(lines.len(), 3);
    assert!(
        lines[0].starts_with("* ") && lines[0].contains("cli:alice"),
        "{}",
        lines[0]
    );
    let oldest = lines[2].split_whitespace().next().unwrap();
    let old = cli.run(
        &["headlines", "show", "--site", "test", "--version", oldest],
        "",
        &[],
    );
    assert_eq!(old.stdout, "<p>Alpha </p>");
    let restored = cli.run(
        &[
            "headlines",
            "restore",
            "--site",
            "test",
            "--version",
            oldest,
        ],
        "",
        &[],
    );
    assert_eq!(restored.code, 0, "{}", restored.stderr);
    assert_eq!(
        cli.run(&["headlines", "show", "--site", "test"], "", &[])
            .stdout,
        "<p>Alpha </p>"
    );

    let nobody = cli.run(&["headlines", "show", "--site", "nope"], "", &[]);
    assert_eq!(nobody.code, 1);
    assert!(
        nobody.stderr.contains("no site named \"nope\""),
        "{}",
        nobody.stderr
    );
}

#[test]
fn the_cli_edits_the_archive_and_render_picks_the_block_up() {
    let cli = Cli::new();
    let added = cli.run(
        &[
            "headlines",
            "archive",
            "add",
            "--site",
            "test",
            "--title",
            "Old news",
            "--url",
            "https://e.org/old",
            "--when",
            "2026-11-01T10:00:00Z",
        ],
        "",
        &[],
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    let id = added
        .stdout
        .split_whitespace()
        .nth(3)
        .unwrap()
        .trim_end_matches(';')
        .to_string();
    let list = cli.run(&["headlines", "archive", "list", "--site", "test"], "", &[]);
    assert!(
        list.stdout.contains(&format!(
            "{id}  2026-11-01 10:00 UTC  Old news  https://e.org/old"
        )),
        "{}",
        list.stdout
    );
    let deleted = cli.run(
        &[
            "headlines",
            "archive",
            "delete",
            "--site",
            "test",
            "--id",
            &id,
        ],
        "",
        &[],
    );
    assert_eq!(deleted.code, 0, "{}", deleted.stderr);
    assert!(
        cli.run(&["headlines", "archive", "list", "--site", "test"], "", &[])
            .stdout
            .starts_with("0 archived")
    );
    let again = cli.run(
        &[
            "headlines",
            "archive",
            "delete",
            "--site",
            "test",
            "--id",
            &id,
        ],
        "",
        &[],
    );
    assert_eq!(again.code, 1);

    assert_eq!(
        cli.run(
            &["headlines", "set", "--site", "test", "--file", "-"],
            "<p>Rendered</p>",
            &[]
        )
        .code,
        0
    );
    let render = cli.run(&["render"], "", &[]);
    assert_eq!(render.code, 0, "{}", render.stderr);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::open(&cli.store_url(), Role::Fetcher).unwrap();
        let app = frontend(&store).await;
        let (_, html) = page(&app, "/").await;
        assert!(html.contains("<p>Rendered</p>"), "{html}");
    });
}

/// An RSS feed whose items are `(title, link)`.
fn feed_of(name: &str, items: &[(&str, &str)]) -> Behavior {
    let items: String = items
        .iter()
        .enumerate()
        .map(|(i, (title, link))| {
            format!("<item><title>{title}</title><link>{link}</link><guid>{name}-{i}</guid></item>")
        })
        .collect();
    Behavior::Feed {
        body: format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{name}</title>{items}</channel></rss>"
        )
        .into_bytes(),
        content_type: "application/rss+xml",
        etag: None,
    }
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01";

#[tokio::test]
async fn a_scheduled_pick_becomes_the_block_with_its_lead_image_copied_and_is_archived() {
    let store = memory_store();
    let server = FeedServer::start().await;
    let story = server.url("/articles/kernel");
    // The same story in three sources, one more in one: the three-source story leads.
    for (i, name) in ["alpha", "beta", "gamma"].iter().enumerate() {
        let mut items = vec![(
            "Linux kernel 7.0 released with new scheduler",
            story.as_str(),
        )];
        let other = server.url(&format!("/articles/other{i}"));
        if i == 0 {
            items.push(("Unrelated gardening tips for winter", other.as_str()));
        }
        server.set(&format!("/{name}.xml"), feed_of(name, &items));
    }
    server.set(
        "/articles/kernel",
        Behavior::Custom {
            headers: vec![("content-type", "text/html".into())],
            body: format!(
                "<html><head><meta property=\"og:image\" content=\"{}\"></head><body>story</body></html>",
                server.url("/img/tux.png")
            )
            .into_bytes(),
        },
    );
    server.set(
        "/img/tux.png",
        Behavior::Custom {
            headers: vec![("content-type", "image/png".into())],
            body: PNG.to_vec(),
        },
    );
    let urls: Vec<String> = ["alpha", "beta", "gamma"]
        .iter()
        .map(|n| server.url(&format!("/{n}.xml")))
        .collect();
    let mut toml = config_toml(&urls);
    toml.push_str("\n[sites.headlines]\nschedule = \"0 0 6 * * *\"\n");
    let config = newsdesk::config::parse(&toml, "test").unwrap();

    sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    let current = blocks::current(&store, "test").await.unwrap().unwrap();
    assert_eq!(current.author, blocks::AUTO);
    let Block::Items { items } = &current.block else {
        panic!("a pick is a list of headlines: {:?}", current.block)
    };
    assert_eq!(
        items[0].title,
        "Linux kernel 7.0 released with new scheduler"
    );
    assert_eq!(items[0].url, story);
    let archive = Archive::load(&store, "test").await.unwrap();
    assert!(
        archive.entries().iter().any(|e| e.url == story),
        "the pick is archived"
    );

    let app = frontend(&store).await;
    let (_, html) = page(&app, "/").await;
    let block_at = html.find("Linux kernel 7.0 released").unwrap();
    assert!(block_at < html.find("class=\"sources\"").unwrap());
    let img = html
        .split("<img src=\"")
        .find_map(|s| {
            s.split('"')
                .next()
                .filter(|p| p.starts_with("/assets/headline."))
        })
        .expect("the lead image is the bucket's copy");
    assert!(!html.contains("/img/tux.png"), "never hotlinked");
    let reply = get(&app, img, &[]).await;
    assert_eq!((reply.status.as_u16(), &reply.body[..]), (200, PNG));
    assert_eq!(server.hits("/img/tux.png"), 1);

    // The next pass is before the next tick: no new pick, no new image fetch.
    sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(
        blocks::current(&store, "test")
            .await
            .unwrap()
            .unwrap()
            .version,
        current.version
    );
    assert_eq!(server.hits("/img/tux.png"), 1);
}

#[tokio::test]
async fn an_admin_block_s_image_is_copied_by_the_next_pass_and_never_hotlinked() {
    let store = memory_store();
    let (server, config) = published(&store).await;
    server.set(
        "/pic.png",
        Behavior::Custom {
            headers: vec![("content-type", "image/png".into())],
            body: PNG.to_vec(),
        },
    );
    server.set(
        "/not-an-image.png",
        Behavior::Custom {
            headers: vec![("content-type", "image/png".into())],
            body: b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
        },
    );
    let block = Block::from_items(vec![
        Item {
            title: "Lead".into(),
            url: "https://news.example/lead".into(),
            image: Some(server.url("/pic.png")),
        },
        Item {
            title: "Second".into(),
            url: "https://news.example/second".into(),
            image: Some(server.url("/not-an-image.png")),
        },
    ])
    .unwrap();
    blocks::save(&store, "test", block, "web:a", None, None, Utc::now())
        .await
        .unwrap();
    // `render` fetches nothing: the block shows without its image until a pass copies it.
    render_only(&config, &store, None).await.unwrap();
    let (_, html) = page(&frontend(&store).await, "/").await;
    assert!(
        html.contains(">Lead<") && !html.contains("/assets/headline."),
        "{html}"
    );
    assert_eq!(server.hits("/pic.png"), 0);

    sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    let (_, html) = page(&frontend(&store).await, "/").await;
    assert!(html.contains("src=\"/assets/headline."), "{html}");
    assert!(
        !html.contains("/pic.png") && !html.contains("not-an-image"),
        "{html}"
    );
    assert_eq!(server.hits("/pic.png"), 1);
    // A failed copy is not retried on every pass.
    let tries = server.hits("/not-an-image.png");
    sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(server.hits("/not-an-image.png"), tries);
    assert_eq!(server.hits("/pic.png"), 1, "a copy is made once");
}
