//! What both binaries share on the command line: the store URL and logging.

/// `file://$PWD/data/bucket`: the embedded default store.
pub fn default_store_url() -> String {
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    format!("file://{}/data/bucket", cwd.display())
}

/// Logs to stderr; `RUST_LOG` overrides the level (default `info`).
pub fn init_logging() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}

/// Resolves on SIGINT or SIGTERM: how systemd and a terminal ask a long-running program to stop.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
