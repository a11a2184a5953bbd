//! Listening: resolving `--listen`, binding one socket per worker without sharing the port
//! with another process, accepting within the connection cap, and stopping gracefully.
//!
//! Served the way nginx runs its workers: one single-threaded runtime per core, each with its
//! own epoll, all accepting from one listening socket (whichever is free takes a connection,
//! and one holding more than its share pauses, so a burst is spread over all of them). No
//! request waits for another thread's I/O driver or hops threads, so a core taken by another
//! process slows only its own connections. Polling the bucket stays on the caller's runtime.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::metrics::gauge::Gauge;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{OwnedSemaphorePermit, watch};

use super::app::{App, Options};
use super::conn::{self, Limits};
use crate::store::Store;

/// Connections the kernel queues per socket while the workers are busy or at the cap.
const BACKLOG: u32 = 1024;

/// How long a worker holding more than its share of the open connections waits before taking
/// another: time for the others, woken by the same connection, to take it.
const SPREAD_PAUSE: Duration = Duration::from_millis(1);

/// Why the frontend cannot listen where it was asked to.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error(
        "cannot resolve --listen {listen:?} (expected HOST:PORT, e.g. 127.0.0.1:8080, [::1]:8080 or localhost:8080): {source}"
    )]
    Resolve { listen: String, source: io::Error },
    #[error("--listen {listen:?} resolves to no address")]
    NoAddress { listen: String },
    #[error(
        "cannot listen on {addr}: the address is already in use by another process (another newsdesk-frontend?); stop it or choose another --listen"
    )]
    InUse { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
}

/// The addresses `listen` names: an address (`0.0.0.0:80`, `[::1]:8080`) or a host name and
/// port (`localhost:8080`), which may resolve to several (then every one is listened on).
pub async fn resolve(listen: &str) -> Result<Vec<SocketAddr>, ListenError> {
    let found = tokio::net::lookup_host(listen)
        .await
        .map_err(|source| ListenError::Resolve {
            listen: listen.to_string(),
            source,
        })?;
    let mut addrs: Vec<SocketAddr> = Vec::new();
    for addr in found {
        if !addrs.contains(&addr) {
            addrs.push(addr);
        }
    }
    if addrs.is_empty() {
        return Err(ListenError::NoAddress {
            listen: listen.to_string(),
        });
    }
    Ok(addrs)
}

/// Listening sockets for `workers` workers on every address of `addrs`: `result[worker]` holds
/// a handle of each address's one socket. Port 0 takes the port the kernel picks for the first
/// address, for all. An address in use by another process is an error; one that cannot be bound for another
/// reason (IPv6 off, say) is skipped with a warning as long as another one binds.
///
/// Needs a Tokio runtime (the sockets are made with Tokio, then handed back as std sockets for
/// each worker's runtime to adopt).
pub fn bind(
    addrs: &[SocketAddr],
    workers: usize,
) -> Result<Vec<Vec<std::net::TcpListener>>, ListenError> {
    let workers = workers.max(1);
    let mut per_worker: Vec<Vec<std::net::TcpListener>> = (0..workers).map(|_| vec![]).collect();
    let mut port = None;
    let mut skipped = None;
    for &addr in addrs {
        let addr = match port {
            Some(p) if addr.port() == 0 => SocketAddr::new(addr.ip(), p),
            _ => addr,
        };
        match bind_address(addr, workers) {
            Ok(sockets) => {
                port = port.or(sockets[0].local_addr().ok().map(|a| a.port()));
                for (worker, socket) in per_worker.iter_mut().zip(sockets) {
                    worker.push(socket);
                }
            }
            Err(e @ ListenError::InUse { .. }) => return Err(e),
            Err(e) => {
                tracing::warn!(%addr, error = %e, "skipping an address --listen resolves to");
                skipped.get_or_insert(e);
            }
        }
    }
    if !per_worker[0].is_empty() {
        return Ok(per_worker);
    }
    Err(skipped.unwrap_or_else(|| ListenError::NoAddress {
        listen: format!("{addrs:?}"),
    }))
}

/// `workers` handles of one socket listening on `addr`.
///
/// One socket, bound once without `SO_REUSEPORT` and shared by the workers (each registers its
/// own duplicate with its own epoll), as nginx's workers share theirs: a connection goes to
/// whichever worker accepts it first, so a busy worker takes fewer. With a socket per worker
/// (`SO_REUSEPORT`) the kernel split connections by a hash of their addresses, and an uneven
/// split made one worker serve most of a client's connections and set its p99. Binding without
/// `SO_REUSEPORT` also means no other process can listen on the address alongside, whatever
/// options it set.
fn bind_address(
    addr: SocketAddr,
    workers: usize,
) -> Result<Vec<std::net::TcpListener>, ListenError> {
    let failed = |source: io::Error| match source.kind() {
        io::ErrorKind::AddrInUse => ListenError::InUse { addr },
        _ => ListenError::Bind { addr, source },
    };
    let socket = socket(addr).map_err(failed)?;
    socket.bind(addr).map_err(failed)?;
    let listener = socket
        .listen(BACKLOG)
        .and_then(|l| l.into_std())
        .map_err(failed)?;
    let mut handles = (1..workers)
        .map(|_| listener.try_clone())
        .collect::<io::Result<Vec<_>>>()
        .map_err(failed)?;
    handles.insert(0, listener);
    Ok(handles)
}

/// A TCP socket for `addr`. `SO_REUSEADDR`, so that connections of a previous run still in
/// TIME_WAIT do not block a restart (it does not allow binding over a listening socket).
fn socket(addr: SocketAddr) -> io::Result<TcpSocket> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    Ok(socket)
}

/// Binds `listen`, loads the bucket, starts polling it, and serves until SIGINT/SIGTERM, then
/// finishes the requests in flight.
pub async fn run(store: Store, listen: &str, options: Options) -> anyhow::Result<()> {
    let addrs = resolve(listen).await?;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Before reading the bucket, so a busy port fails at once.
    let sockets = bind(&addrs, workers)?;
    let bound = sockets[0]
        .iter()
        .map(|s| s.local_addr())
        .collect::<io::Result<Vec<_>>>()?;
    // The operator's listener (`--admin-listen`): one socket, served on this runtime.
    let ops = match &options.admin_listen {
        Some(listen) => {
            let addr = *resolve(listen)
                .await?
                .first()
                .expect("resolve returns one at least");
            Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|source| match source.kind() {
                        io::ErrorKind::AddrInUse => ListenError::InUse { addr },
                        _ => ListenError::Bind { addr, source },
                    })?,
            )
        }
        None => None,
    };
    let store_url = store.url().to_string();
    let app = App::start(store, options).await;
    let (stop, stop_rx) = watch::channel(false);
    let ops_done = ops.map(|listener| {
        let local = listener.local_addr().ok();
        tracing::info!(addr = ?local, "serving /metrics and /readyz (--admin-listen)");
        let router = super::routes::ops_router(app.clone());
        let mut stop_rx = stop_rx.clone();
        tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move { conn::stopped(&mut stop_rx).await })
                .await
        })
    });
    let done = spawn_workers(&app, sockets, &stop_rx)?;
    tracing::info!(addrs = ?bound, workers, store = %store_url, "serving");
    crate::cli::shutdown_signal().await;
    tracing::info!("finishing in-flight requests");
    let _ = stop.send(true);
    for wait in done {
        wait.await??;
    }
    if let Some(ops) = ops_done {
        ops.await??;
    }
    Ok(())
}

/// One thread per element of `sockets` (what [`bind`] returns), each serving `app` on its
/// handles with its own single-threaded runtime until `stop` turns true; each thread's result
/// arrives on its receiver once its connections are finished.
pub fn spawn_workers(
    app: &Arc<App>,
    sockets: Vec<Vec<std::net::TcpListener>>,
    stop: &watch::Receiver<bool>,
) -> io::Result<Vec<tokio::sync::oneshot::Receiver<io::Result<()>>>> {
    let count = sockets.len();
    let mut done = Vec::with_capacity(count);
    for (index, listeners) in sockets.into_iter().enumerate() {
        let (app, mut stop) = (app.clone(), stop.clone());
        let (finished, wait) = tokio::sync::oneshot::channel();
        done.push(wait);
        std::thread::Builder::new()
            .name(format!("serve-{index}"))
            .spawn(move || {
                let result = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .and_then(|rt| {
                        rt.block_on(async {
                            let listeners = listeners
                                .into_iter()
                                .map(TcpListener::from_std)
                                .collect::<io::Result<_>>()?;
                            let worker = Worker::new(index, count, &app);
                            serve_all(app, listeners, worker, async move {
                                conn::stopped(&mut stop).await
                            })
                            .await
                        })
                    });
                let _ = finished.send(result);
            })?;
    }
    Ok(done)
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests in
/// flight. Header size and count are bounded by hyper (about 400 kB, 100 headers: 431 past
/// either), time by [`conn`], open connections by `max_connections`.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let worker = Worker::new(0, 1, &app);
    serve_all(app, vec![listener], worker, shutdown).await
}

/// One worker's place among those sharing the listening sockets: its open connections
/// (`newsdesk_http_worker_connections`) and how many workers there are.
#[derive(Clone)]
struct Worker {
    open: Gauge,
    count: usize,
}

impl Worker {
    fn new(index: usize, count: usize, app: &App) -> Worker {
        Worker {
            open: app.metrics.worker_connections(index),
            count,
        }
    }

    /// Whether this worker holds more than its share (plus one) of the `total` open
    /// connections.
    fn ahead(&self, total: i64) -> bool {
        let count = i64::try_from(self.count).unwrap_or(i64::MAX);
        self.open.get().saturating_mul(count) > total.saturating_add(count)
    }
}

/// [`serve`] on several listeners (one per address `--listen` resolves to), as `worker`.
async fn serve_all(
    app: Arc<App>,
    listeners: Vec<TcpListener>,
    worker: Worker,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let router = super::routes::router(app.clone());
    let limits = Limits::new(&app.options);
    let builder = Arc::new(conn::builder());
    // Every accept loop and connection holds a receiver: once all are dropped, all are done.
    let (stop, stopped) = watch::channel(false);
    let mut accepting = tokio::task::JoinSet::new();
    for listener in listeners {
        accepting.spawn(accept(Acceptor {
            listener,
            app: app.clone(),
            router: router.clone(),
            builder: builder.clone(),
            limits,
            stop: stopped.clone(),
            worker: worker.clone(),
        }));
    }
    drop(stopped);
    shutdown.await;
    let _ = stop.send(true);
    // The listeners close as their loops end, so no new connection comes in while the open
    // ones finish.
    while accepting.join_next().await.is_some() {}
    stop.closed().await;
    Ok(())
}

struct Acceptor {
    listener: TcpListener,
    app: Arc<App>,
    router: axum::Router,
    builder: Arc<conn::Builder>,
    limits: Limits,
    stop: watch::Receiver<bool>,
    worker: Worker,
}

async fn accept(mut a: Acceptor) {
    loop {
        // A slot first: at the cap, new connections wait in the kernel's accept queue (and
        // past its backlog, clients retry their SYN) instead of costing a descriptor here.
        let slot = tokio::select! {
            biased;
            () = conn::stopped(&mut a.stop) => return,
            slot = a.app.connections.clone().acquire_owned() => {
                slot.expect("the connection semaphore is never closed")
            }
        };
        let accepted = tokio::select! {
            biased;
            () = conn::stopped(&mut a.stop) => return,
            accepted = a.listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                accept_failed(e).await;
                continue;
            }
        };
        // Responses are written whole; Nagle would only delay their last segment.
        let _ = stream.set_nodelay(true);
        tokio::spawn(conn::serve_connection(
            stream,
            a.router.clone(),
            a.builder.clone(),
            a.limits,
            a.stop.clone(),
            Open::new(slot, [&a.app.metrics.connections, &a.worker.open]),
        ));
        // All workers wake for a new connection, and the first to run would take a whole burst
        // (a proxy opening its pool) and serve it on one core: past its share it lets the
        // others take the next ones.
        if a.worker.ahead(a.app.metrics.connections.get()) {
            tokio::time::sleep(SPREAD_PAUSE).await;
        }
    }
}

/// A connection that failed before it was accepted is skipped; anything else (no descriptors
/// left) is logged and retried after a pause, since retrying at once would only spin.
async fn accept_failed(e: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset, Interrupted};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset | Interrupted
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// An open connection: its slot under the cap, and its place in the open-connections gauges
/// (all workers', its worker's).
struct Open {
    _slot: OwnedSemaphorePermit,
    gauges: [Gauge; 2],
}

impl Open {
    fn new(slot: OwnedSemaphorePermit, gauges: [&Gauge; 2]) -> Open {
        Open {
            _slot: slot,
            gauges: gauges.map(|g| {
                g.inc();
                g.clone()
            }),
        }
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        for g in &self.gauges {
            g.dec();
        }
    }
}
