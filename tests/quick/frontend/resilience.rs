//! The bucket failing, readiness, new generations and shutdown.

use super::*;
use newsdesk::store::Role;
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_last_good_copy_is_served_when_the_bucket_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let bucket = dir.path().join("bucket");
    let url = format!("file://{}", bucket.display());
    let _s = published(&Store::open(&url, Role::Fetcher).unwrap()).await;
    let app = app_on(
        &Store::open(&url, Role::Frontend).unwrap(),
        Options {
            stale_after: Duration::from_secs(3600),
            ..Options::default()
        },
    )
    .await;
    let ids = source_ids(&app);
    let before = get(&app, "/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(get(&app, "/readyz", &[]).await.status, StatusCode::OK);

    std::fs::remove_dir_all(&bucket).unwrap();
    assert!(app.live.refresh().await.is_err(), "the failure is reported");
    let after = get(&app, "/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.body, before.body);
    assert_eq!(
        get(&app, "/api/headlines", &[]).await.status,
        StatusCode::OK
    );
    // The shared assets were loaded with the generation too: the stylesheet, never asked for
    // before the bucket went, is still served, in every encoding.
    let css = newsdesk::assets::urls()["style.css"].clone();
    for encoding in ["br", "gzip", "identity"] {
        let asset = get(&app, &css, &[("accept-encoding", encoding)]).await;
        assert_eq!(asset.status, StatusCode::OK, "{encoding}");
        assert_eq!(
            asset.header(header::CONTENT_ENCODING),
            if encoding == "identity" { "" } else { encoding }
        );
    }
    // Layout parts were loaded with the generation, so a layout never seen before still works.
    let layout = get(
        &app,
        "/",
        &[("cookie", &format!("nd_layout=1:{}.!{}", ids[2], ids[0]))],
    )
    .await;
    assert_eq!(layout.status, StatusCode::OK);
    assert_eq!(positions(&layout.text())[0], None);
    assert_eq!(
        get(&app, "/readyz", &[]).await.status,
        StatusCode::OK,
        "within stale_after, still ready"
    );
    let metrics = get(&app, "/metrics", &[]).await.text();
    assert!(
        metrics.contains("newsdesk_bucket_errors_total 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn readiness_waits_for_a_site_and_fails_when_data_is_stale() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let empty = App::new(store.clone(), Options::default());
    let r = get(&empty, "/readyz", &[]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        get(&empty, "/healthz", &[]).await.status,
        StatusCode::OK,
        "alive while not ready"
    );
    assert_eq!(
        get(&empty, "/", &[]).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    empty.live.refresh().await.unwrap();
    assert_eq!(
        get(&empty, "/readyz", &[]).await.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "an empty bucket is not ready"
    );

    let _s = published(&store).await;
    empty.live.refresh().await.unwrap();
    assert_eq!(get(&empty, "/readyz", &[]).await.status, StatusCode::OK);
    let strict = app_on(
        &store,
        Options {
            stale_after: Duration::ZERO,
            ..Options::default()
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let r = get(&strict, "/readyz", &[]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text().starts_with("stale"), "{}", r.text());
}

#[tokio::test]
async fn a_new_generation_is_served_within_poll_plus_one_second() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}/bucket", dir.path().display());
    let fetcher_store = Store::open(&url, Role::Fetcher).unwrap();
    let (server, config) = published(&fetcher_store).await;
    let poll = Duration::from_secs(1);
    let app = App::start(
        Store::open(&url, Role::Frontend).unwrap(),
        Options {
            poll,
            ..Options::default()
        },
    )
    .await;
    let (addr, _stop) = spawn_server(app).await;
    let page = || async {
        raw(
            addr,
            b"GET / HTTP/1.1\r\nHost: test.example\r\nConnection: close\r\n\r\n",
        )
        .await
    };
    assert!(page().await.contains("src0 story number 0 "));

    server.set(
        "/f0.xml",
        Behavior::Feed {
            body: generated_rss("fresh", 3),
            content_type: "application/xml",
            etag: None,
        },
    );
    sync(
        &config,
        &fetcher_store,
        &SyncOptions {
            force: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let published_at = Instant::now();
    while !page().await.contains("fresh story number 0 ") {
        assert!(
            published_at.elapsed() <= poll + Duration::from_secs(1),
            "new generation not served within poll + 1 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let (addr, stop) = spawn_server(app_on(&store, Options::default()).await).await;
    // A request whose head is still arriving when shutdown begins is answered, then the
    // connection closes.
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: test.example\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    drop(stop);
    tokio::time::sleep(Duration::from_millis(50)).await;
    s.write_all(b"\r\n").await.unwrap();
    let mut out = vec![];
    s.read_to_end(&mut out).await.unwrap();
    let out = String::from_utf8_lossy(&out);
    assert_eq!(status_of(&out), 200, "{out}");
    // The server closed a keep-alive connection, so it is shutting down and has let go of the
    // listener.
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no new connections after shutdown"
    );
}

#[tokio::test]
async fn a_generation_whose_pages_are_missing_is_not_switched_to() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    let before = get(&app, "/", &[]).await;

    // A manifest naming a page that never arrived (a broken or racing publisher).
    let key = newsdesk::store::Key::Manifest("test".into());
    let mut manifest: newsdesk::store::manifest::Manifest =
        store.get_json(&key).await.unwrap().unwrap();
    manifest.generation += 1;
    let index = &mut manifest
        .objects
        .iter_mut()
        .find(|n| n.name == "/")
        .unwrap()
        .object;
    index.key = "sites/test/blobs/0000.html".into();
    index.hash = "0000".into();
    store
        .put(&key, serde_json::to_vec(&manifest).unwrap().into())
        .await
        .unwrap();
    // ... and listed in the site index, which is what sends frontends to read the manifest.
    let mut index: newsdesk::store::manifest::SiteIndex = store
        .get_json(&newsdesk::store::Key::SiteIndex)
        .await
        .unwrap()
        .unwrap();
    for entry in index.sites.iter_mut().filter(|e| e.name == "test") {
        entry.generation = Some(manifest.generation);
    }
    store
        .put(
            &newsdesk::store::Key::SiteIndex,
            serde_json::to_vec(&index).unwrap().into(),
        )
        .await
        .unwrap();

    assert!(app.live.refresh().await.is_err());
    let after = get(&app, "/", &[]).await;
    assert_eq!(
        (after.status, after.body == before.body),
        (StatusCode::OK, true)
    );
    let metrics = get(&app, "/metrics", &[]).await.text();
    assert!(
        metrics.contains("newsdesk_manifest_generation{site=\"test\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_binary_serves_on_every_core_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}/bucket", dir.path().display());
    let _s = published(&Store::open(&url, Role::Fetcher).unwrap()).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // A host name, listened on at every address it resolves to.
    let listen = format!("localhost:{port}");
    let addr = newsdesk::frontend::serve::resolve(&listen).await.unwrap()[0];
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk-frontend"))
        .args(["--store", &url, "--listen", &listen])
        .env("RUST_LOG", "warn")
        .spawn()
        .unwrap();
    let ready = b"GET /readyz HTTP/1.1\r\nHost: test.example\r\nConnection: close\r\n\r\n";
    let mut answered = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok()
            && status_of(&raw(addr, ready).await) == 200
        {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answered, "the frontend never became ready");
    // Several connections, whichever worker takes each, all get the page.
    for _ in 0..8 {
        let page = raw(
            addr,
            b"GET / HTTP/1.1\r\nHost: test.example\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert_eq!(status_of(&page), 200);
        assert!(page.contains("src3 story number 0 "));
    }
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status}");
}
