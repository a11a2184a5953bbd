//! One client connection, served by hyper (HTTP/1.1, or HTTP/2 with prior knowledge), with the
//! time bounds that keep idle or slow clients from holding descriptors forever:
//!
//! - a request head must arrive whole within `header_timeout`: counted from the accept for the
//!   first request, from the head's first byte for later ones on a kept-alive HTTP/1.1
//!   connection (HTTP/2 frames are not heads: there only the first request is timed so);
//! - otherwise (waiting for the next request, or sending a response) the connection is closed
//!   once no byte has moved either way for `idle_timeout`.
//!
//! Both are checked on a tick of a quarter of the shorter bound, so each holds within a
//! quarter past its time.
//!
//! hyper alone cannot do this: its `header_read_timeout` starts when it begins waiting for a
//! head, which on a kept-alive connection is the end of the previous response, so one value
//! would have to serve as both the head bound and the idle bound (hyperium/hyper#3828). And
//! with both protocols on one port, hyper-util reads the first bytes to tell them apart before
//! any hyper timer runs, so a connection that sends nothing would wait forever. So each
//! connection has a watchdog, which reads what its socket (bytes moved, a head's first byte) and
//! its requests (received, response finished) record. Producing a response head is bounded separately by
//! the router's `request_timeout`.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use bytes::Bytes;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;

use super::app::Options;

/// The longest `header_timeout` honoured: a head is a few hundred bytes.
pub const MAX_HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// The HTTP/2 connection preface (RFC 9113 §3.4).
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The time bounds of a connection.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header: Duration,
    pub idle: Duration,
}

impl Limits {
    pub fn new(options: &Options) -> Limits {
        Limits {
            header: options.header_timeout.min(MAX_HEADER_TIMEOUT),
            idle: options.idle_timeout,
        }
    }
}

pub type Builder = auto::Builder<TokioExecutor>;

/// hyper's connection settings. Its own HTTP/1 head timer is off: the watchdog bounds heads
/// and idle time (see the module), and hyper's would cost every request a boxed timer set when
/// its head is awaited and cancelled when it arrives.
pub fn builder() -> Builder {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().header_read_timeout(None);
    builder.http2().timer(TokioTimer::new());
    builder
}

/// Serves one connection until the client closes it, a bound is passed, or `stop` turns true
/// (then the requests in flight are finished first). `open` is dropped when the connection is.
pub async fn serve_connection(
    stream: TcpStream,
    router: Router,
    builder: Arc<Builder>,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
    open: impl Send,
) {
    let activity = Arc::new(Activity::new());
    let peer = stream.peer_addr().ok();
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
    });
    let service = Tracked {
        router,
        activity: activity.clone(),
        peer,
    };
    let conn = builder.serve_connection(io, service);
    let mut conn = std::pin::pin!(conn);
    let mut stopping = false;
    // The watchdog looks at the connection on a tick rather than being woken by each request:
    // a wake-up per head, request and response cost every request a task poll and a timer
    // re-registration. A bound is so enforced within a tick of its time.
    let mut ticks =
        tokio::time::interval_at(Instant::now() + watch_tick(limits), watch_tick(limits));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // When the count of reads and writes was last seen to change, and its value then.
    let mut quiet = (Instant::now(), activity.progress.load(Relaxed));
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended");
                }
                break;
            }
            () = stopped(&mut stop), if !stopping => {
                conn.as_mut().graceful_shutdown();
                stopping = true;
            }
            now = ticks.tick() => {
                let moved = activity.progress.load(Relaxed);
                let bound = match activity.head_started() {
                    Some(start) if now >= start + limits.header => "header",
                    Some(_) => {
                        quiet = (now, moved);
                        continue;
                    }
                    None if moved != quiet.1 => {
                        quiet = (now, moved);
                        continue;
                    }
                    None if now >= quiet.0 + limits.idle => "idle",
                    None => continue,
                };
                tracing::debug!(bound, "closing a connection past its time bound");
                break;
            }
        }
    }
    drop(open);
}

/// How often the watchdog looks: a quarter of the shorter bound, so each is enforced within
/// 1¼ of its time; for 10,000 idle connections at the default bounds, 4,000 cheap wake-ups a
/// second.
fn watch_tick(limits: Limits) -> Duration {
    (limits.header.min(limits.idle) / 4).max(Duration::from_millis(10))
}

/// What the watchdog knows of a connection.
struct Activity {
    accepted: Instant,
    /// Requests whose response is not finished (HTTP/2 runs several at once).
    busy: AtomicUsize,
    requests: AtomicU64,
    /// Milliseconds from `accepted` to the first byte of the head being read, if one is.
    head_at: AtomicU64,
    reading_head: AtomicBool,
    /// Set from the first bytes: HTTP/2 frames are not request heads.
    h2: AtomicBool,
    seen_bytes: AtomicBool,
    /// Reads and writes that moved bytes.
    progress: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            accepted: Instant::now(),
            busy: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            head_at: AtomicU64::new(0),
            reading_head: AtomicBool::new(false),
            h2: AtomicBool::new(false),
            seen_bytes: AtomicBool::new(false),
            progress: AtomicU64::new(0),
        }
    }

    /// When the head being awaited started: the accept for the first request, the first byte
    /// for later HTTP/1 heads. `None` between requests and while responding.
    fn head_started(&self) -> Option<Instant> {
        if self.requests.load(Relaxed) == 0 {
            return Some(self.accepted);
        }
        self.reading_head
            .load(Relaxed)
            .then(|| self.accepted + Duration::from_millis(self.head_at.load(Relaxed)))
    }

    fn read(&self, data: &[u8]) {
        self.progress.fetch_add(1, Relaxed);
        if !self.seen_bytes.swap(true, Relaxed) {
            let n = data.len().min(H2_PREFACE.len());
            // Three bytes tell "PRI" from "POST", "PUT" and "PATCH".
            self.h2
                .store(n >= 3 && H2_PREFACE.starts_with(&data[..n]), Relaxed);
        }
        // Bytes that arrive while a response is pending are the request's body or a pipelined
        // request: they start no head.
        if self.busy.load(Relaxed) == 0
            && !self.h2.load(Relaxed)
            && !self.reading_head.swap(true, Relaxed)
        {
            let since = Instant::now().saturating_duration_since(self.accepted);
            self.head_at.store(
                u64::try_from(since.as_millis()).unwrap_or(u64::MAX),
                Relaxed,
            );
        }
    }

    fn request(&self) {
        self.reading_head.store(false, Relaxed);
        self.busy.fetch_add(1, Relaxed);
        self.requests.fetch_add(1, Relaxed);
    }

    fn finished(&self) {
        self.busy.fetch_sub(1, Relaxed);
    }
}

/// The socket, reporting what moves to the watchdog.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            this.activity.read(&buf.filled()[before..]);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        this.activity.progress.fetch_add(1, Relaxed);
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let n = ready!(Pin::new(&mut this.inner).poll_write_vectored(cx, bufs))?;
        this.activity.progress.fetch_add(1, Relaxed);
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// The router as a hyper service that tells the watchdog when a request starts and when its
/// response is finished (its body dropped by hyper, sent or abandoned), and gives handlers the
/// client's address (`ConnectInfo`, for the admin's login rate limit).
struct Tracked {
    router: Router,
    activity: Arc<Activity>,
    peer: Option<std::net::SocketAddr>,
}

impl hyper::service::Service<Request<Incoming>> for Tracked {
    type Response = Response<TrackedBody>;
    type Error = Infallible;
    type Future = Call;

    fn call(&self, mut req: Request<Incoming>) -> Call {
        self.activity.request();
        if let Some(peer) = self.peer {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        // The router is always ready and cheap to clone (one `Arc`).
        let mut router = self.router.clone();
        Call {
            inner: tower::Service::call(&mut router, req),
            busy: Some(Busy(self.activity.clone())),
        }
    }
}

/// Marks the response finished when dropped.
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.finished();
    }
}

struct Call {
    inner: axum::routing::future::RouteFuture<Infallible>,
    busy: Option<Busy>,
}

impl Future for Call {
    type Output = Result<Response<TrackedBody>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let resp = ready!(Pin::new(&mut this.inner).poll(cx))?;
        let busy = this.busy.take();
        Poll::Ready(Ok(resp.map(|body| TrackedBody { body, _busy: busy })))
    }
}

pub struct TrackedBody {
    body: Body,
    _busy: Option<Busy>,
}

impl hyper::body::Body for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Resolves once `stop` turns true (or its sender is gone).
pub(super) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
