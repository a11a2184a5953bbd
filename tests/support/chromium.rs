//! A real headless Chromium: one run that prints the page's DOM ([`dump`]), or a browser driven
//! over the DevTools protocol (CDP) through `--remote-debugging-pipe` ([`Browser`]): JSON
//! messages separated by NUL bytes on file descriptors 3 (to the browser) and 4 (from it). No
//! WebSocket client and no driver binary needed; the shell maps the child's stdin/stdout onto
//! those descriptors. Every wait is bounded. A missing Chromium fails the test with how to
//! install it.
//!
//! Protocol reference: <https://chromedevtools.github.io/devtools-protocol/>.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any one protocol answer or event may take.
const WAIT: Duration = Duration::from_secs(30);

/// The Chromium binary; fails (never skips) when it is not installed.
pub fn binary() -> &'static str {
    let ok = Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "chromium is missing: install it with `apt-get install chromium` (scripts/test.sh does)"
    );
    "chromium"
}

/// One Chromium at a time: the machine has two cores and each test starts its own browser.
/// A test that failed holding it does not fail the others.
pub fn one_at_a_time() -> MutexGuard<'static, ()> {
    static BROWSER: Mutex<()> = Mutex::new(());
    BROWSER.lock().unwrap_or_else(|e| e.into_inner())
}

/// Headless Chromium on `url` with `extra` flags (`--dump-dom`, `--screenshot=FILE`, ...),
/// scripts bounded by its virtual time; returns (stdout, stderr), its log on stderr.
pub fn dump(url: &str, extra: &[&str]) -> (String, String) {
    let _one = one_at_a_time();
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(binary())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub struct Browser {
    child: Child,
    to: ChildStdin,
    from: Receiver<Value>,
    next_id: u64,
    events: VecDeque<Value>,
    /// Console, log and exception events of every page, kept for checks after the fact.
    logs: Vec<Value>,
    _profile: tempfile::TempDir,
    stderr: PathBuf,
}

impl Browser {
    /// Starts headless Chromium with the flags of the project's other browser checks: no
    /// sandbox (containers), no background networking, no first-run or component updates.
    pub fn start() -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let stderr = profile.path().join("chromium.log");
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("exec \"$0\" \"$@\" 3<&0 4>&1 0</dev/null 1>/dev/null")
            .arg(binary())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        let to = child.stdin.take().unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, from) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(out);
            loop {
                let mut buf = vec![];
                match reader.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        buf.pop();
                        if let Ok(v) = serde_json::from_slice::<Value>(&buf)
                            && tx.send(v).is_err()
                        {
                            return;
                        }
                    }
                }
            }
        });
        Browser {
            child,
            to,
            from,
            next_id: 0,
            events: VecDeque::new(),
            logs: vec![],
            _profile: profile,
            stderr,
        }
    }

    fn recv(&mut self, deadline: Instant, what: &str) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.from.recv_timeout(left) {
            Ok(v) => {
                if is_log(&v) {
                    self.logs.push(v.clone());
                }
                v
            }
            Err(RecvTimeoutError::Timeout) => panic!(
                "chromium: no {what} within {WAIT:?}; its log:\n{}",
                self.log()
            ),
            Err(RecvTimeoutError::Disconnected) => {
                panic!(
                    "chromium exited while waiting for {what}; its log:\n{}",
                    self.log()
                )
            }
        }
    }

    /// Chromium's stderr so far, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Sends a command (to a page when `session` is given) and returns its result.
    pub fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = s.into();
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).unwrap();
        self.to.flush().unwrap();
        let deadline = Instant::now() + WAIT;
        loop {
            let v = self.recv(deadline, method);
            if v["id"] == id {
                if let Some(e) = v.get("error") {
                    panic!("{method} failed: {e}");
                }
                return v["result"].clone();
            }
            self.events.push_back(v);
        }
    }

    /// Waits for the event `method` of `session`, taking it and the events before it off the
    /// queue.
    pub fn wait_event(&mut self, session: &str, method: &str) -> Value {
        let matches = |v: &Value| v["method"] == method && v["sessionId"] == session;
        if let Some(i) = self.events.iter().position(matches) {
            return self.events.drain(..=i).next_back().unwrap();
        }
        self.events.clear();
        let deadline = Instant::now() + WAIT;
        loop {
            let v = self.recv(deadline, method);
            if matches(&v) {
                return v;
            }
        }
    }

    /// Drains what is waiting from the browser, so the log is complete up to now.
    fn pump(&mut self) {
        while let Ok(v) = self.from.try_recv() {
            if is_log(&v) {
                self.logs.push(v.clone());
            }
            self.events.push_back(v);
        }
    }

    /// A new tab showing `about:blank`.
    pub fn tab(&mut self) -> Tab<'_> {
        let target = self.call(None, "Target.createTarget", json!({ "url": "about:blank" }));
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target["targetId"], "flatten": true }),
        );
        let session = attached["sessionId"].as_str().unwrap().to_string();
        let mut tab = Tab {
            browser: self,
            session,
        };
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            tab.call(domain, json!({}));
        }
        tab
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Tab<'a> {
    pub browser: &'a mut Browser,
    session: String,
}

impl Tab<'_> {
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.browser.call(Some(&self.session), method, params)
    }

    fn wait_load(&mut self) {
        let session = self.session.clone();
        self.browser.wait_event(&session, "Page.loadEventFired");
    }

    pub fn goto(&mut self, url: &str) {
        self.browser.events.clear();
        self.call("Page.navigate", json!({ "url": url }));
        self.wait_load();
    }

    pub fn reload(&mut self) {
        self.browser.events.clear();
        self.call("Page.reload", json!({}));
        self.wait_load();
    }

    /// Page scripts on or off (the page then behaves as in a browser without JavaScript;
    /// [`eval`](Self::eval) still works, as DevTools does).
    pub fn set_javascript(&mut self, on: bool) {
        self.call(
            "Emulation.setScriptExecutionDisabled",
            json!({ "value": !on }),
        );
    }

    /// The window size, and whether it is a phone (touch, mobile viewport rules).
    pub fn viewport(&mut self, width: u32, height: u32, mobile: bool) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
        );
    }

    /// `prefers-color-scheme` as the system would report it.
    pub fn color_scheme(&mut self, scheme: &str) {
        self.call(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
        );
    }

    /// The value of a JavaScript expression, evaluated by DevTools.
    pub fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expr, "returnByValue": true, "awaitPromise": true }),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("evaluating {expr}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Clicks the middle of the first shown element matching `selector` with real mouse
    /// events, as a reader would (so links and forms work without page scripts).
    pub fn click(&mut self, selector: &str) {
        let sel = serde_json::to_string(selector).unwrap();
        let rect = self.eval(&format!(
            "(() => {{ const e = [...document.querySelectorAll({sel})].find(e => e.getClientRects().length > 0); \
             if (!e) return null; \
             e.scrollIntoView({{block: 'nearest'}}); const r = e.getBoundingClientRect(); \
             return [r.x + r.width / 2, r.y + r.height / 2]; }})()"
        ));
        let (x, y) = match rect.as_array() {
            Some(xy) => (xy[0].as_f64().unwrap(), xy[1].as_f64().unwrap()),
            None => panic!("nothing matches {selector}"),
        };
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            );
        }
    }

    /// [`click`](Self::click), then waits for the page the click loads.
    pub fn click_and_wait(&mut self, selector: &str) {
        self.browser.events.clear();
        self.click(selector);
        self.wait_load();
    }

    /// Brings style and layout up to date (a forced layout, which works with page scripts
    /// off too, unlike waiting for animation frames).
    pub fn settle(&mut self) {
        self.eval("document.documentElement.getBoundingClientRect().height > 0");
    }

    /// A PNG of the whole page, written to `path`.
    pub fn screenshot(&mut self, path: &Path) {
        let r = self.call(
            "Page.captureScreenshot",
            json!({ "format": "png", "captureBeyondViewport": true }),
        );
        let png = base64_decode(r["data"].as_str().unwrap());
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(path, png).unwrap();
    }

    /// Console and log messages and uncaught exceptions of this tab so far.
    pub fn messages(&mut self) -> Vec<String> {
        self.browser.pump();
        self.browser
            .logs
            .iter()
            .filter(|e| e["sessionId"] == self.session.as_str())
            .filter_map(|e| match e["method"].as_str() {
                Some("Log.entryAdded") => Some(e["params"]["entry"]["text"].to_string()),
                Some("Runtime.consoleAPICalled") => Some(e["params"]["args"].to_string()),
                Some("Runtime.exceptionThrown") => Some(e["params"].to_string()),
                _ => None,
            })
            .collect()
    }
}

fn is_log(v: &Value) -> bool {
    matches!(
        v["method"].as_str(),
        Some("Log.entryAdded" | "Runtime.consoleAPICalled" | "Runtime.exceptionThrown")
    )
}

pub fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("bad base64 byte {c}"),
        }
    };
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'=' && *b != b'\n').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= val(*c) << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}
