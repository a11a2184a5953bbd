//! Connections: time bounds on slow and idle clients, the cap on open connections.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::*;
use newsdesk::store::Role;
use tokio::net::TcpStream;

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: test.example\r\n\r\n";

async fn server(options: Options) -> (SocketAddr, tokio::sync::oneshot::Sender<()>, Arc<App>) {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, options).await;
    let (addr, stop) = spawn_server(app.clone()).await;
    (addr, stop, app)
}

/// Reads one `/healthz` answer (its body is `ok\n`) from a kept-alive connection.
async fn healthz_answer(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 1024];
    while !out.ends_with(b"\r\n\r\nok\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf))
            .await
            .expect("an answer within 5 s")
            .unwrap();
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&out));
        out.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How long until the server closes `s`; `None` if it is still open after `limit`.
async fn closed_within(s: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut sink = Vec::new();
    // A reset counts as closed as much as a FIN does.
    tokio::time::timeout(limit, s.read_to_end(&mut sink))
        .await
        .ok()
        .map(|_| start.elapsed())
}

#[tokio::test]
async fn a_request_head_that_stops_half_way_or_never_starts_is_dropped_after_the_header_timeout() {
    let header = Duration::from_millis(300);
    let (addr, _stop, _app) = server(Options {
        header_timeout: header,
        ..Options::default()
    })
    .await;
    let mut half = TcpStream::connect(addr).await.unwrap();
    half.write_all(b"GET / HTTP/1.1\r\nHost: test.example\r\n")
        .await
        .unwrap();
    let mut silent = TcpStream::connect(addr).await.unwrap();
    for (what, s) in [("half a head", &mut half), ("nothing", &mut silent)] {
        let closed = closed_within(s, Duration::from_secs(5)).await;
        let took = closed.unwrap_or_else(|| panic!("a client that sent {what} is still connected"));
        assert!(took < header + Duration::from_secs(1), "{what}: {took:?}");
    }
}

#[tokio::test]
async fn a_kept_alive_connection_outlives_the_header_timeout_and_is_closed_when_idle() {
    let (header, idle) = (Duration::from_millis(300), Duration::from_millis(1500));
    let (addr, _stop, _app) = server(Options {
        header_timeout: header,
        idle_timeout: idle,
        ..Options::default()
    })
    .await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(HEALTHZ).await.unwrap();
    assert_eq!(status_of(&healthz_answer(&mut s).await), 200);
    // Idle for longer than a head may take: still open, the next request is answered.
    tokio::time::sleep(header * 3).await;
    s.write_all(HEALTHZ).await.unwrap();
    assert_eq!(status_of(&healthz_answer(&mut s).await), 200);
    let took = closed_within(&mut s, idle * 3)
        .await
        .expect("an idle kept-alive connection is closed");
    assert!(
        took >= idle - Duration::from_millis(200),
        "closed after {took:?}"
    );
}

#[tokio::test]
async fn past_max_connections_a_new_connection_waits_until_one_closes() {
    let (addr, _stop, _app) = server(Options {
        max_connections: 2,
        ..Options::default()
    })
    .await;
    let mut open = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(HEALTHZ).await.unwrap();
        healthz_answer(&mut s).await;
        open.push(s);
    }
    // The kernel completes the handshake, but the frontend does not take the connection.
    let mut third = TcpStream::connect(addr).await.unwrap();
    third.write_all(HEALTHZ).await.unwrap();
    let mut buf = [0u8; 64];
    assert!(
        tokio::time::timeout(Duration::from_millis(500), third.read(&mut buf))
            .await
            .is_err(),
        "answered past the cap"
    );
    drop(open.remove(0));
    assert_eq!(status_of(&healthz_answer(&mut third).await), 200);
    open[0]
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: test.example\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut metrics = String::new();
    open[0].read_to_string(&mut metrics).await.unwrap();
    assert!(
        metrics.contains("\nnewsdesk_http_connections 2\n"),
        "{metrics}"
    );
}
