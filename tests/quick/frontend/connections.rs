//! Connections: time bounds on slow and idle clients, the cap on open connections, and where
//! the frontend listens (host names, a port another process already listens on).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::*;
use newsdesk::frontend::serve::{ListenError, bind, resolve, spawn_workers};
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

#[tokio::test]
async fn a_burst_of_connections_is_spread_over_the_workers() {
    let store = Store::open("memory://", Role::Fetcher).unwrap();
    let _s = published(&store).await;
    let app = app_on(&store, Options::default()).await;
    let sockets = bind(&["127.0.0.1:0".parse().unwrap()], 2).unwrap();
    let addr = sockets[0][0].local_addr().unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let done = spawn_workers(&app, sockets, &stopped).unwrap();
    // A proxy opening its pool: 64 connections at once, then a request on each.
    let mut open = Vec::new();
    for _ in 0..64 {
        open.push(TcpStream::connect(addr).await.unwrap());
    }
    for s in &mut open {
        s.write_all(HEALTHZ).await.unwrap();
        healthz_answer(s).await;
    }
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: test.example\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut metrics = String::new();
    s.read_to_string(&mut metrics).await.unwrap();
    let held: Vec<i64> = (0..2)
        .map(|w| {
            let series = format!("newsdesk_http_worker_connections{{worker=\"{w}\"}} ");
            metrics
                .lines()
                .find_map(|l| l.strip_prefix(&series))
                .unwrap_or_else(|| panic!("no {series:?} in\n{metrics}"))
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(held.iter().sum::<i64>(), 65, "{metrics}");
    assert!(
        held.iter().all(|&n| n >= 16),
        "one worker took most of the burst: {held:?}"
    );
    let _ = stop.send(true);
    drop(open);
    for wait in done {
        wait.await.unwrap().unwrap();
    }
}

/// A listening socket with `SO_REUSEPORT`, as a competing process (an old frontend, another
/// server) would hold it.
fn competitor() -> tokio::net::TcpListener {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_reuseaddr(true).unwrap();
    socket.set_reuseport(true).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    socket.listen(16).unwrap()
}

#[tokio::test]
async fn a_port_another_process_listens_on_is_refused_even_with_so_reuseport() {
    let other = competitor();
    let addr = other.local_addr().unwrap();
    let err = bind(&[addr], 2).unwrap_err();
    assert!(matches!(err, ListenError::InUse { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&addr.to_string()) && msg.contains("already in use"),
        "{msg}"
    );

    // Port 0 still works, the workers share the port, and a second frontend on it is refused.
    let ours = bind(&["127.0.0.1:0".parse().unwrap()], 3).unwrap();
    let ports: Vec<u16> = ours
        .iter()
        .map(|w| w[0].local_addr().unwrap().port())
        .collect();
    assert_eq!(ports.len(), 3);
    assert!(
        ports[0] != 0 && ports.iter().all(|p| *p == ports[0]),
        "{ports:?}"
    );
    let again = SocketAddr::from(([127, 0, 0, 1], ports[0]));
    assert!(matches!(bind(&[again], 2), Err(ListenError::InUse { .. })));
    // The workers share one socket: each one's handle accepts the port's connections.
    for worker in &ours {
        let _client = std::net::TcpStream::connect(again).unwrap();
        let accepted = (0..200).find_map(|_| match worker[0].accept() {
            Ok(conn) => Some(conn),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(std::time::Duration::from_millis(5));
                None
            }
            Err(e) => panic!("{e}"),
        });
        assert!(accepted.is_some(), "a worker's handle accepted nothing");
    }
}

#[tokio::test]
async fn the_binary_exits_with_a_clear_message_when_its_port_is_taken() {
    let other = competitor();
    let addr = other.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_newsdesk-frontend"))
        .args([
            "--store",
            &format!("file://{}/bucket", dir.path().display()),
        ])
        .args(["--listen", &addr.to_string()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut status = None;
    for _ in 0..100 {
        status = child.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the frontend started on {addr}, which another process listens on");
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")) && stderr.contains("already in use"),
        "{stderr}"
    );
}

#[tokio::test]
async fn listen_takes_host_names_and_says_what_it_expects() {
    let addrs = resolve("localhost:0").await.unwrap();
    assert!(
        !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()),
        "{addrs:?}"
    );
    let sockets = bind(&addrs, 2).unwrap();
    let port = sockets[0][0].local_addr().unwrap().port();
    assert!(
        sockets
            .iter()
            .flatten()
            .all(|s| s.local_addr().unwrap().port() == port),
        "every address and worker on the one port picked"
    );
    assert_eq!(
        resolve("[::1]:8080").await.unwrap(),
        vec!["[::1]:8080".parse().unwrap()]
    );
    let err = resolve("localhost").await.unwrap_err().to_string();
    assert!(err.contains("expected HOST:PORT"), "{err}");
}
