//! The fetcher as a good citizen, proved by counting requests on a real loopback server:
//! validators echoed exactly (RFC 9110 §13.1), no early re-fetch, the server's wishes honoured
//! (`Retry-After`, RFC 9110 §10.2.3; `Cache-Control: max-age`, RFC 9111 §5.2.2.1; RSS `<ttl>`),
//! redirects limited and recorded, and the global and per-host limits held.

use std::time::Duration;

use chrono::Utc;
use newsdesk::fetcher::{SyncOptions, sync};
use newsdesk::model::FetchRecord;
use newsdesk::store::Store;

use crate::support::{
    Behavior, FeedServer, api_headlines, config_for, force, generated_rss, memory_store,
};

async fn record(store: &Store, url: &str) -> FetchRecord {
    let all = newsdesk::store::fetch_state::load_fetch_records(store)
        .await
        .unwrap();
    all.get(url).expect("fetch state stored").clone()
}

fn slow(delay_ms: u64, name: &str) -> Behavior {
    Behavior::Slow {
        delay: Duration::from_millis(delay_ms),
        body: generated_rss(name, 2),
    }
}

#[tokio::test]
async fn etag_and_last_modified_are_echoed_exactly_and_forced_syncs_get_304() {
    let server = FeedServer::start().await;
    // A weak ETag with characters a normalizing client might mangle.
    let etag = r#"W/"v1; a,b==""#;
    let lm = "Mon, 23 Nov 2026 10:00:00 GMT";
    server.set(
        "/feed.xml",
        Behavior::Custom {
            headers: vec![
                ("etag", etag.into()),
                ("last-modified", lm.into()),
                ("content-type", "application/rss+xml".into()),
            ],
            body: generated_rss("v", 3),
        },
    );
    let urls = [server.url("/feed.xml")];
    let (config, store) = (config_for(&urls), memory_store());
    sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(server.last_header("/feed.xml", "if-none-match"), None);
    for _ in 0..2 {
        let s = sync(&config, &store, &force()).await.unwrap();
        assert_eq!(s.not_modified, 1, "{s}");
        assert_eq!(s.sites_published, 0, "a 304 changes no page");
    }
    assert_eq!(server.hits("/feed.xml"), 3);
    assert_eq!(
        server.last_header("/feed.xml", "if-none-match").as_deref(),
        Some(etag)
    );
    assert_eq!(
        server
            .last_header("/feed.xml", "if-modified-since")
            .as_deref(),
        Some(lm)
    );
}

#[tokio::test]
async fn last_modified_alone_is_enough_for_a_304() {
    let server = FeedServer::start().await;
    let lm = "Sun, 22 Nov 2026 08:00:00 GMT";
    server.set(
        "/feed.xml",
        Behavior::Custom {
            headers: vec![("last-modified", lm.into())],
            body: generated_rss("lm", 2),
        },
    );
    let urls = [server.url("/feed.xml")];
    let (config, store) = (config_for(&urls), memory_store());
    sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    let s = sync(&config, &store, &force()).await.unwrap();
    assert_eq!(s.not_modified, 1, "{s}");
}

#[tokio::test]
async fn repeated_syncs_do_not_refetch_before_the_interval() {
    let server = FeedServer::start().await;
    server.set(
        "/feed.xml",
        Behavior::Feed {
            body: generated_rss("q", 2),
            content_type: "application/rss+xml",
            etag: None,
        },
    );
    let urls = [server.url("/feed.xml")];
    let (config, store) = (config_for(&urls), memory_store());
    for _ in 0..4 {
        sync(&config, &store, &SyncOptions::default())
            .await
            .unwrap();
    }
    assert_eq!(server.hits("/feed.xml"), 1, "no early re-fetch");
    let rec = record(&store, &urls[0]).await;
    let wait = rec.next_fetch.unwrap() - rec.last_checked.unwrap();
    assert!(
        wait >= chrono::Duration::seconds(config.fetch.min_interval_secs as i64 * 8 / 10),
        "{wait}"
    );
    sync(&config, &store, &force()).await.unwrap();
    assert_eq!(server.hits("/feed.xml"), 2, "--force fetches anyway");
}

#[tokio::test]
async fn the_user_agent_names_newsdesk() {
    let server = FeedServer::start().await;
    server.set(
        "/feed.xml",
        Behavior::Feed {
            body: generated_rss("ua", 1),
            content_type: "text/xml",
            etag: None,
        },
    );
    sync(
        &config_for(&[server.url("/feed.xml")]),
        &memory_store(),
        &SyncOptions::default(),
    )
    .await
    .unwrap();
    assert!(
        server
            .last_header("/feed.xml", "user-agent")
            .unwrap()
            .starts_with("newsdesk/")
    );
}

#[tokio::test]
async fn retry_after_on_429_and_503_is_honoured_up_to_a_day() {
    let server = FeedServer::start().await;
    server.set(
        "/429",
        Behavior::StatusWith(429, vec![("retry-after", "7200".into())]),
    );
    server.set(
        "/503",
        Behavior::StatusWith(503, vec![("retry-after", "8640000".into())]),
    );
    let urls = [server.url("/429"), server.url("/503")];
    let (config, store) = (config_for(&urls), memory_store());
    let before = Utc::now();
    let s = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(s.failed, 2, "{s}");
    let wait_429 = record(&store, &urls[0]).await.next_fetch.unwrap() - before;
    assert!(
        wait_429 >= chrono::Duration::seconds(7200) && wait_429 < chrono::Duration::seconds(7300),
        "{wait_429}"
    );
    let wait_503 = record(&store, &urls[1]).await.next_fetch.unwrap() - before;
    assert!(
        wait_503 >= chrono::Duration::hours(24) && wait_503 < chrono::Duration::hours(25),
        "{wait_503}"
    );
    let again = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(again.not_due, 2);
    assert_eq!(server.total_hits(), 2);
}

#[tokio::test]
async fn failures_back_off_and_are_recorded_as_health() {
    let server = FeedServer::start().await;
    server.set("/down", Behavior::Status(500));
    let urls = [server.url("/down")];
    let (config, store) = (config_for(&urls), memory_store());
    let mut waits = vec![];
    let mut s = Default::default();
    for _ in 0..3 {
        let before = Utc::now();
        s = sync(&config, &store, &force()).await.unwrap();
        let rec = record(&store, &urls[0]).await;
        waits.push((rec.next_fetch.unwrap() - before).num_seconds());
    }
    let rec = record(&store, &urls[0]).await;
    assert_eq!(rec.consecutive_failures, 3);
    assert_eq!(rec.last_error.as_ref().unwrap().kind, "http");
    assert_eq!(rec.last_success, None);
    assert!(
        waits[0] < waits[1] && waits[1] < waits[2],
        "exponential backoff: {waits:?}"
    );
    let json = api_headlines(&store).await;
    assert_eq!(json["sources"][0]["error_kind"], "http");
    assert_eq!(
        json["sources"][0]["error"],
        "HTTP 500 Internal Server Error"
    );
    assert_eq!(
        s.sites_published, 0,
        "the same failure again is no change: only stable health is published"
    );

    server.set(
        "/down",
        Behavior::Feed {
            body: generated_rss("up", 1),
            content_type: "text/xml",
            etag: None,
        },
    );
    sync(&config, &store, &force()).await.unwrap();
    let rec = record(&store, &urls[0]).await;
    assert_eq!((rec.consecutive_failures, rec.last_error), (0, None));
    assert!(rec.last_success.is_some());
}

#[tokio::test]
async fn max_age_and_ttl_lengthen_the_interval_within_bounds() {
    let server = FeedServer::start().await;
    server.set(
        "/cc",
        Behavior::Custom {
            headers: vec![("cache-control", "public, max-age=7200".into())],
            body: generated_rss("cc", 1),
        },
    );
    let ttl = b"<rss version=\"2.0\"><channel><title>t</title><ttl>180</ttl><item><guid>1</guid><title>x</title></item></channel></rss>";
    server.set(
        "/ttl",
        Behavior::Feed {
            body: ttl.to_vec(),
            content_type: "text/xml",
            etag: None,
        },
    );
    server.set(
        "/huge-ttl",
        Behavior::Custom {
            headers: vec![("cache-control", "max-age=31536000".into())],
            body: generated_rss("h", 1),
        },
    );
    let urls = [
        server.url("/cc"),
        server.url("/ttl"),
        server.url("/huge-ttl"),
    ];
    let (config, store) = (config_for(&urls), memory_store());
    sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(record(&store, &urls[0]).await.interval_secs, 7200);
    assert_eq!(record(&store, &urls[1]).await.interval_secs, 180 * 60);
    assert_eq!(
        record(&store, &urls[2]).await.interval_secs,
        config.fetch.max_interval_secs
    );
}

#[tokio::test]
async fn five_redirects_are_followed_and_the_final_url_recorded_six_are_not() {
    let server = FeedServer::start().await;
    for i in 1..=6 {
        server.set(
            &format!("/r{i}"),
            Behavior::Redirect(format!("/r{}", i + 1)),
        );
    }
    server.set(
        "/r7",
        Behavior::Feed {
            body: generated_rss("moved", 2),
            content_type: "text/xml",
            etag: None,
        },
    );
    let (five, six) = (server.url("/r2"), server.url("/r1"));
    let (config, store) = (config_for(&[five.clone(), six.clone()]), memory_store());
    let s = sync(&config, &store, &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!((s.fetched, s.failed), (1, 1), "{s}");
    assert_eq!(s.failures[0].0, six);
    assert_eq!(s.failures[0].1.kind, "redirect");
    assert_eq!(
        record(&store, &five).await.final_url,
        Some(server.url("/r7"))
    );
}

#[tokio::test]
async fn the_per_host_limit_is_held() {
    let server = FeedServer::start().await;
    let urls: Vec<String> = (0..6)
        .map(|i| {
            server.set(&format!("/{i}"), slow(300, &format!("h{i}")));
            server.url(&format!("/{i}"))
        })
        .collect();
    let config = config_for(&urls);
    assert_eq!(config.fetch.per_host, 2, "the default");
    let s = sync(&config, &memory_store(), &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(s.fetched, 6, "{s}");
    assert_eq!(server.max_in_flight(), 2);
}

#[tokio::test]
async fn the_global_limit_is_held_over_hosts() {
    // "127.0.0.1" and "localhost" are two hosts to the fetcher but one server here, whose
    // in-flight count therefore sees every request.
    let server = FeedServer::start().await;
    let mut urls = vec![];
    for i in 0..6 {
        server.set(&format!("/{i}"), slow(300, &format!("g{i}")));
        let host = if i % 2 == 0 { "127.0.0.1" } else { "localhost" };
        urls.push(format!("http://{host}:{}/{i}", server.addr.port()));
    }
    let mut config = config_for(&urls);
    config.fetch.per_host = 3;
    config.fetch.concurrency = 2;
    let s = sync(&config, &memory_store(), &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(s.fetched, 6, "{s}: {:?}", s.failures);
    assert_eq!(server.max_in_flight(), 2);
}

/// With one global slot per host, feeds queued behind a slow host must not hold the slots the
/// other host needs: every fast-host request arrives before the slow host's second one.
#[tokio::test]
async fn a_slow_host_does_not_starve_the_others() {
    let slow_host = FeedServer::start_on("127.0.0.1").await;
    let fast_host = FeedServer::start_on("127.0.0.2").await;
    let mut urls = vec![];
    for i in 0..4 {
        slow_host.set(&format!("/s{i}"), slow(700, &format!("s{i}")));
        urls.push(slow_host.url(&format!("/s{i}")));
    }
    for i in 0..2 {
        fast_host.set(&format!("/f{i}"), slow(0, &format!("f{i}")));
        urls.push(fast_host.url(&format!("/f{i}")));
    }
    let mut config = config_for(&urls);
    config.fetch.concurrency = 2;
    config.fetch.per_host = 1;
    let s = sync(&config, &memory_store(), &SyncOptions::default())
        .await
        .unwrap();
    assert_eq!(s.fetched, 6, "{s}");
    let slow_arrivals = slow_host.arrivals();
    let fast_arrivals = fast_host.arrivals();
    assert_eq!((slow_arrivals.len(), fast_arrivals.len()), (4, 2));
    let slow_second = slow_arrivals[1].0;
    assert!(
        fast_arrivals.iter().all(|(seq, _)| *seq < slow_second),
        "slow {slow_arrivals:?} fast {fast_arrivals:?}"
    );
}
