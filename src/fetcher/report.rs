//! What an interactive `sync` shows a person: a progress bar on a terminal (plain log lines
//! otherwise) while feeds are fetched, then a table of the feeds that failed and why.
//!
//! [`SyncReport`] is the pass's [`Progress`] hook; [`failure_table`] is pure, so the table is
//! tested on events. The bar is drawn through [`Console`], the stderr every log line goes through.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{FeedDone, FeedOutcome, Progress};
use crate::address::shown_url;
use crate::cli::Console;

/// Without a bar, a progress line at most this often: a quick pass logs none.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// Watches one `sync` pass: draws the bar (or logs progress lines) and keeps the failures.
#[derive(Debug)]
pub struct SyncReport {
    console: Console,
    bar: Option<ProgressBar>,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    due: usize,
    done: usize,
    failures: Vec<FeedDone>,
    last_line: Instant,
}

impl SyncReport {
    /// `bar`: draw a progress bar (only happens when stderr is a terminal).
    pub fn new(console: Console, bar: bool) -> Arc<SyncReport> {
        let bar = (bar && std::io::stderr().is_terminal()).then(|| {
            let style = ProgressStyle::with_template(
                "{spinner} fetching [{bar:30}] {pos}/{len} feeds {msg} ({elapsed})",
            )
            .expect("valid template")
            .progress_chars("=> ");
            ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr()).with_style(style)
        });
        Arc::new(SyncReport {
            console,
            bar,
            state: Mutex::new(State {
                due: 0,
                done: 0,
                failures: vec![],
                last_line: Instant::now(),
            }),
        })
    }

    /// Takes the bar off the screen (call when the pass is over, whatever its result).
    pub fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
            self.console.show(None);
        }
    }

    /// The failed feeds of the pass so far, ordered by URL.
    pub fn failures(&self) -> Vec<FeedDone> {
        let mut failures = self.state.lock().expect("report lock").failures.clone();
        failures.sort_by(|a, b| a.url.cmp(&b.url));
        failures
    }
}

impl Progress for SyncReport {
    fn fetching(&self, due: usize) {
        self.state.lock().expect("report lock").due = due;
        match &self.bar {
            Some(bar) if due > 0 => {
                bar.set_length(due as u64);
                bar.enable_steady_tick(Duration::from_millis(120));
                self.console.show(Some(bar.clone()));
            }
            _ => tracing::info!(due, "fetching due feeds"),
        }
    }

    fn feed_done(&self, feed: &FeedDone) {
        let mut s = self.state.lock().expect("report lock");
        s.done += 1;
        if matches!(feed.outcome, FeedOutcome::Failed(_)) {
            s.failures.push(feed.clone());
        }
        let failed = s.failures.len();
        if let Some(bar) = &self.bar {
            bar.inc(1);
            if s.done == s.due {
                bar.set_message(format!("· {failed} failed · rendering and publishing"));
            } else if failed > 0 {
                bar.set_message(format!("· {failed} failed"));
            }
        } else if s.last_line.elapsed() >= PLAIN_EVERY {
            s.last_line = Instant::now();
            tracing::info!(done = s.done, due = s.due, failed, "fetching");
        }
    }
}

/// The table of failed feeds: feed (as it may be shown: no password or query), error kind,
/// next retry (relative to `now`) and reason. Empty when nothing failed.
pub fn failure_table(failures: &[FeedDone], now: DateTime<Utc>) -> String {
    if failures.is_empty() {
        return String::new();
    }
    let rows: Vec<[String; 4]> = failures
        .iter()
        .map(|f| {
            let (kind, why) = match &f.outcome {
                FeedOutcome::Failed(e) => (e.kind.clone(), e.reason()),
                _ => (String::new(), String::new()),
            };
            [shown_url(&f.url), kind, next_retry(f.next_fetch, now), why]
        })
        .collect();
    let header = ["FEED", "KIND", "NEXT RETRY", "REASON"].map(String::from);
    let mut width = [0; 3];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let n = failures.len();
    let mut out = format!("{n} feed{} failed:\n", if n == 1 { "" } else { "s" });
    for row in std::iter::once(&header).chain(&rows) {
        let line = format!(
            "  {:<w0$}  {:<w1$}  {:<w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = width[0],
            w1 = width[1],
            w2 = width[2]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// "in 15m (12:34 UTC)": when a failed feed is tried again.
fn next_retry(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(at) = at else {
        return "next pass".into();
    };
    let secs = (at - now).num_seconds().max(0);
    let rel = match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d", secs / 86400),
    };
    format!("in {rel} ({} UTC)", at.format("%H:%M"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FeedError;

    fn failed(url: &str, kind: &str, message: &str, retry_in_secs: i64) -> FeedDone {
        let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        FeedDone {
            url: url.into(),
            outcome: FeedOutcome::Failed(FeedError {
                kind: kind.into(),
                message: message.into(),
            }),
            next_fetch: Some(now + chrono::Duration::seconds(retry_in_secs)),
            consecutive_failures: 1,
        }
    }

    #[test]
    fn table_lists_each_failed_feed_with_kind_retry_and_reason_in_aligned_columns() {
        let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        let table = failure_table(
            &[
                failed("https://a.example/rss", "http", "HTTP 500", 900),
                failed("https://bb.example/feed.xml", "timeout", "timed out", 5400),
            ],
            now,
        );
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "2 feeds failed:");
        assert!(lines[1].trim_start().starts_with("FEED"), "{table}");
        assert!(
            lines[2].contains("https://a.example/rss")
                && lines[2].contains("http")
                && lines[2].contains("in 15m (12:15 UTC)")
                && lines[2].ends_with("HTTP 500"),
            "{table}"
        );
        assert!(lines[3].contains("in 1h30m (13:30 UTC)"), "{table}");
        // Columns line up: each row's kind starts where the header's KIND does.
        let col = lines[1].find("KIND").unwrap();
        assert_eq!(&lines[2][col..col + 4], "http");
        assert_eq!(&lines[3][col..col + 7], "timeout");
    }

    #[test]
    fn the_table_shows_no_password_or_query_of_a_feed_url() {
        let now: DateTime<Utc> = "2026-11-23T12:00:00Z".parse().unwrap();
        let table = failure_table(
            &[failed(
                "http://user:pass@a.example/rss?token=SECRET",
                "http",
                "HTTP 500",
                900,
            )],
            now,
        );
        assert!(table.contains("http://a.example/rss "), "{table}");
        assert!(
            !table.contains("pass") && !table.contains("SECRET"),
            "{table}"
        );
    }

    #[test]
    fn no_failures_no_table() {
        assert_eq!(failure_table(&[], Utc::now()), "");
    }

    #[test]
    fn report_keeps_failures_and_counts_every_feed_without_a_terminal() {
        let report = SyncReport::new(Console::default(), false);
        report.fetching(3);
        report.feed_done(&failed("https://z.example/", "parse", "not a feed", 60));
        let ok = FeedDone {
            outcome: FeedOutcome::NotModified,
            ..failed("https://a.example/", "", "", 60)
        };
        report.feed_done(&ok);
        report.feed_done(&failed("https://b.example/", "connect", "refused", 60));
        let urls: Vec<String> = report.failures().into_iter().map(|f| f.url).collect();
        assert_eq!(urls, ["https://b.example/", "https://z.example/"]);
        assert_eq!(report.state.lock().unwrap().done, 3);
        report.clear();
    }
}
