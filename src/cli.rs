//! What both binaries share on the command line: the store URL, logging (text or JSON
//! lines on stderr, `--log-format` / `NEWSDESK_LOG_FORMAT`) through one [`Console`] (so a log
//! line printed while the fetcher's progress bar is drawn appears above it instead of tearing
//! it), and the shutdown signal.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

/// `file://$PWD/data/bucket`: the embedded default store.
pub fn default_store_url() -> String {
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    format!("file://{}/data/bucket", cwd.display())
}

/// How log lines are written on stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One line per event for people (and a progress bar on a terminal).
    #[default]
    Text,
    /// One JSON object per line for machines (journald exporters, log shippers); no bar.
    Json,
}

/// The logging flag both binaries take.
#[derive(Debug, Clone, clap::Args)]
pub struct LogArgs {
    /// How to write logs on stderr: text, or json (one object per line). `RUST_LOG` sets the
    /// level (default info).
    #[arg(
        long,
        env = "NEWSDESK_LOG_FORMAT",
        value_enum,
        default_value_t,
        global = true
    )]
    pub log_format: LogFormat,
}

/// The log, once set up: also how a binary reports its own last words (an error, a warning)
/// so that in JSON mode every stderr line is JSON.
#[derive(Debug, Clone)]
pub struct Logging {
    program: &'static str,
    pub format: LogFormat,
    /// Stderr, shared with a progress bar.
    pub console: Console,
}

/// Logs to stderr in `format`; `RUST_LOG` overrides the level (default `info`).
pub fn init_logging(program: &'static str, format: LogFormat) -> Logging {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    use std::io::IsTerminal;
    let console = Console::default();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(console.clone());
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        // Fields at the top level of each object (`feed_url`, `kind`, ...), as log shippers
        // expect; no span lists, which `sync` does not use.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
    Logging {
        program,
        format,
        console,
    }
}

impl Logging {
    /// `program: message` on stderr, or an `error` event in JSON mode.
    pub fn error(&self, message: &str) {
        match self.format {
            LogFormat::Text => self.line(&format!("{}: {message}\n", self.program)),
            LogFormat::Json => tracing::error!("{message}"),
        }
    }

    /// `program: warning: message` on stderr, or a `warn` event in JSON mode.
    pub fn warn(&self, message: &str) {
        match self.format {
            LogFormat::Text => self.line(&format!("{}: warning: {message}\n", self.program)),
            LogFormat::Json => tracing::warn!("{message}"),
        }
    }

    fn line(&self, text: &str) {
        self.console.write(text.as_bytes());
    }
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

/// Stderr, shared by the log and the progress bar. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Console {
    bar: Arc<Mutex<Option<ProgressBar>>>,
}

impl Console {
    /// Writes whole lines to stderr, above the bar if one is drawn.
    pub fn write(&self, bytes: &[u8]) {
        let bar = self.bar.lock().expect("console lock").clone();
        let write = || {
            let _ = std::io::stderr().lock().write_all(bytes);
        };
        match bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    pub(crate) fn show(&self, bar: Option<ProgressBar>) {
        *self.bar.lock().expect("console lock") = bar;
    }
}

/// One log event, buffered so it reaches stderr in one piece.
pub struct ConsoleLine {
    console: Console,
    buf: Vec<u8>,
}

impl Write for ConsoleLine {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for ConsoleLine {
    fn drop(&mut self) {
        if !self.buf.is_empty() {
            self.console.write(&self.buf);
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Console {
    type Writer = ConsoleLine;
    fn make_writer(&'a self) -> ConsoleLine {
        ConsoleLine {
            console: self.clone(),
            buf: Vec::with_capacity(256),
        }
    }
}

/// A warning that repeats while its cause lasts is logged at most this often.
pub const WARN_EVERY: Duration = Duration::from_secs(60);

/// When a repeating warning was last logged, so it is logged at most every [`WARN_EVERY`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Throttle(Option<Instant>);

impl Throttle {
    /// Whether to log now (and if so, counts this as logged).
    pub fn due(&mut self) -> bool {
        let due = self.0.is_none_or(|t| t.elapsed() >= WARN_EVERY);
        if due {
            self.0 = Some(Instant::now());
        }
        due
    }

    /// The cause is gone: the next occurrence is logged at once.
    pub fn clear(&mut self) {
        self.0 = None;
    }
}
