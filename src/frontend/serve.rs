//! Listening: one socket per worker, accepting within the connection cap, and stopping
//! gracefully.
//!
//! Served the way nginx runs its workers: one single-threaded runtime per core, each with its
//! own listening socket (`SO_REUSEPORT`: the kernel spreads connections) and its own epoll. No
//! request waits for another thread's I/O driver or hops threads, so a core taken by another
//! process slows only its own connections. Polling the bucket stays on the caller's runtime.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::metrics::gauge::Gauge;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{OwnedSemaphorePermit, watch};

use super::conn::{self, Limits};
use super::{App, Options};
use crate::store::Store;

/// Connections the kernel queues per socket while the workers are busy or at the cap.
const BACKLOG: u32 = 1024;

/// Loads the bucket, starts polling it, and serves until SIGINT/SIGTERM, then finishes the
/// requests in flight.
pub async fn run(store: Store, listen: SocketAddr, options: Options) -> anyhow::Result<()> {
    // Without SO_REUSEPORT only one socket can listen on the address.
    let workers = if cfg!(unix) {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        1
    };
    let first = reuseport_listener(listen)?;
    let addr = first.local_addr()?;
    let mut sockets = vec![vec![first]];
    for _ in 1..workers {
        sockets.push(vec![reuseport_listener(addr)?]);
    }
    let store_url = store.url().to_string();
    let app = App::start(store, options).await;
    let (stop, stop_rx) = watch::channel(false);
    let mut done = Vec::with_capacity(workers);
    for (i, listeners) in sockets.into_iter().enumerate() {
        let (app, mut stop_rx) = (app.clone(), stop_rx.clone());
        let (finished, wait) = tokio::sync::oneshot::channel();
        done.push(wait);
        std::thread::Builder::new()
            .name(format!("serve-{i}"))
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
                            serve_all(app, listeners, async move { stopped(&mut stop_rx).await })
                                .await
                        })
                    });
                let _ = finished.send(result);
            })?;
    }
    tracing::info!(%addr, workers, store = %store_url, "serving");
    crate::cli::shutdown_signal().await;
    tracing::info!("finishing in-flight requests");
    let _ = stop.send(true);
    for wait in done {
        wait.await??;
    }
    Ok(())
}

/// A listening socket that other workers can bind too.
fn reuseport_listener(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    #[cfg(unix)]
    socket.set_reuseport(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)?.into_std()
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests in
/// flight. Header size and count are bounded by hyper (about 400 kB, 100 headers: 431 past
/// either), time by [`conn`], open connections by `max_connections`.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    serve_all(app, vec![listener], shutdown).await
}

/// [`serve`] on several listeners.
pub async fn serve_all(
    app: Arc<App>,
    listeners: Vec<TcpListener>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let router = super::router(app.clone());
    let limits = Limits::new(&app.options);
    let builder = Arc::new(conn::builder(limits));
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
}

async fn accept(mut a: Acceptor) {
    loop {
        // A slot first: at the cap, new connections wait in the kernel's accept queue (and
        // past its backlog, clients retry their SYN) instead of costing a descriptor here.
        let slot = tokio::select! {
            biased;
            () = stopped(&mut a.stop) => return,
            slot = a.app.connections.clone().acquire_owned() => {
                slot.expect("the connection semaphore is never closed")
            }
        };
        let accepted = tokio::select! {
            biased;
            () = stopped(&mut a.stop) => return,
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
            Open::new(slot, &a.app.metrics.connections),
        ));
    }
}

/// Resolves once `stop` turns true (or its sender is gone).
pub(super) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
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

/// An open connection: its slot under the cap, and its place in the open-connections gauge.
struct Open {
    _slot: OwnedSemaphorePermit,
    gauge: Gauge,
}

impl Open {
    fn new(slot: OwnedSemaphorePermit, gauge: &Gauge) -> Open {
        gauge.inc();
        Open {
            _slot: slot,
            gauge: gauge.clone(),
        }
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}
