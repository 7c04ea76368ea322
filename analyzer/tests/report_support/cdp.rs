//! A small Chrome DevTools Protocol client for the report's browser tests: starts headless
//! Chromium with `--remote-debugging-pipe` (commands on its fd 3, replies on its fd 4, each a
//! JSON message ended by NUL), opens one page, and records what the tests check: console
//! errors, exceptions, network requests and JavaScript dialogs. Every wait has a timeout and
//! Chromium is killed when the client is dropped.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Numbers the throwaway profile directories of browsers started by this test process.
static PROFILES: AtomicUsize = AtomicUsize::new(0);

/// Why the browser could not be used at all.
#[derive(Debug)]
pub enum Unavailable {
    NotInstalled(String),
}

pub struct Browser {
    child: Child,
    commands: ChildStdin,
    replies: Receiver<Value>,
    next_id: u64,
    session: Option<String>,
    profile: PathBuf,
    /// Every event received so far, in order.
    pub events: Vec<Value>,
}

/// The Chromium binary: `$CHROMIUM` or the first of the usual names on PATH.
pub fn find_chromium() -> Result<PathBuf, Unavailable> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Unavailable::NotInstalled(format!(
                "CHROMIUM={} is not a file",
                path.display()
            )))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(Unavailable::NotInstalled(
        "no chromium on PATH (apt-get install chromium, or set CHROMIUM)".to_string(),
    ))
}

/// Runs the test body with a browser, or says why it cannot through nodesnap-testing: a
/// failure under CI, a printed skip elsewhere.
pub fn with_browser(test: &str, body: impl FnOnce(&mut Browser)) {
    match find_chromium() {
        Ok(path) => {
            let mut browser =
                Browser::launch(&path).expect("chromium starts and answers on its pipe");
            body(&mut browser);
        }
        Err(Unavailable::NotInstalled(why)) => {
            nodesnap_testing::cannot_run(test, format!("the browser test needs Chromium: {why}"))
        }
    }
}

impl Browser {
    pub fn launch(chromium: &Path) -> Result<Browser, String> {
        let profile = std::env::temp_dir().join(format!(
            "nodesnap-report-chromium-{}-{}",
            std::process::id(),
            PROFILES.fetch_add(1, Ordering::SeqCst)
        ));
        // Chromium puts its singleton socket in a directory of its own under TMPDIR; one under
        // the profile goes with it, where /tmp would keep one per run.
        let tmp = profile.join("tmp");
        std::fs::create_dir_all(&tmp).map_err(|e| format!("profile dir: {e}"))?;
        // The shell hands our stdin and stdout pipes to Chromium as its fds 3 and 4, the ones
        // --remote-debugging-pipe uses, without unsafe code in the test.
        let script = r#"exec "$0" "$@" 3<&0 4>&1 </dev/null >/dev/null"#;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--mute-audio",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .env("TMPDIR", &tmp)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // Its own process group, so that drop can end its zygote and renderers too.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", chromium.display()))?;
        let commands = child.stdin.take().ok_or("no stdin pipe")?;
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let (sender, replies) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut message = Vec::new();
            while let Ok(n) = reader.read_until(0, &mut message) {
                if n == 0 {
                    break;
                }
                if message.last() == Some(&0) {
                    message.pop();
                }
                if let Ok(value) = serde_json::from_slice::<Value>(&message) {
                    if sender.send(value).is_err() {
                        break;
                    }
                }
                message.clear();
            }
        });
        let mut browser = Browser {
            child,
            commands,
            replies,
            next_id: 0,
            session: None,
            profile,
            events: Vec::new(),
        };
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}))?;
        let target_id = target["targetId"]
            .as_str()
            .ok_or("createTarget gave no targetId")?
            .to_string();
        let attached = browser.call(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        )?;
        browser.session = Some(
            attached["sessionId"]
                .as_str()
                .ok_or("attachToTarget gave no sessionId")?
                .to_string(),
        );
        for domain in ["Runtime", "Log", "Network", "Page"] {
            browser.call(&format!("{domain}.enable"), json!({}))?;
        }
        Ok(browser)
    }

    /// Sends a command (to the page once attached) and waits up to 30 s for its reply.
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.call_with_timeout(method, params, Duration::from_secs(30))
    }

    pub fn call_with_timeout(
        &mut self,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = &self.session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).map_err(|e| e.to_string())?;
        bytes.push(0);
        self.commands
            .write_all(&bytes)
            .and_then(|_| self.commands.flush())
            .map_err(|e| format!("{method}: cannot write to chromium: {e}"))?;
        let deadline = Instant::now() + timeout;
        loop {
            let message = self.receive(deadline, method)?;
            if message["id"].as_u64() == Some(id) {
                if let Some(error) = message.get("error") {
                    return Err(format!("{method} failed: {error}"));
                }
                return Ok(message["result"].clone());
            }
        }
    }

    fn receive(&mut self, deadline: Instant, waiting_for: &str) -> Result<Value, String> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.replies.recv_timeout(left) {
            Ok(message) => {
                if message.get("method").is_some() {
                    self.on_event(&message);
                    self.events.push(message.clone());
                }
                Ok(message)
            }
            Err(RecvTimeoutError::Timeout) => Err(format!("timed out waiting for {waiting_for}")),
            Err(RecvTimeoutError::Disconnected) => Err(format!(
                "chromium went away while waiting for {waiting_for}"
            )),
        }
    }

    /// A dialog would block the page; dismiss it at once (the tests fail on it afterwards).
    fn on_event(&mut self, event: &Value) {
        if event["method"] == "Page.javascriptDialogOpening" {
            self.next_id += 1;
            let mut message = json!({"id": self.next_id, "method": "Page.handleJavaScriptDialog",
                "params": {"accept": false}});
            if let Some(session) = &self.session {
                message["sessionId"] = json!(session);
            }
            if let Ok(mut bytes) = serde_json::to_vec(&message) {
                bytes.push(0);
                let _ = self.commands.write_all(&bytes);
            }
        }
    }

    /// Waits until an event with this method arrives, or the timeout passes.
    pub fn wait_for_event(&mut self, method: &str, timeout: Duration) -> Result<Value, String> {
        if let Some(seen) = self.events.iter().find(|e| e["method"] == method) {
            return Ok(seen.clone());
        }
        let deadline = Instant::now() + timeout;
        loop {
            let message = self.receive(deadline, method)?;
            if message["method"] == method {
                return Ok(message);
            }
        }
    }

    /// Opens a file and waits for its load event; returns how long that took.
    pub fn open(&mut self, file: &Path, timeout: Duration) -> Result<Duration, String> {
        self.open_url(file_url(file)?, timeout)
    }

    /// Opens a file at a fragment (`#p123`), as a link from another page does.
    pub fn open_at(
        &mut self,
        file: &Path,
        fragment: &str,
        timeout: Duration,
    ) -> Result<Duration, String> {
        self.open_url(format!("{}#{fragment}", file_url(file)?), timeout)
    }

    /// Waits until the report says its collapsed bodies can be read (`<html data-bodies>`:
    /// at once on a plain page, once expanded on a compressed one) and returns what it says.
    pub fn wait_for_bodies(&mut self) -> Result<String, String> {
        let state = self.eval(
            "new Promise(done => { const check = () => { \
               const state = document.documentElement.getAttribute('data-bodies'); \
               if (state) { done(state); } else { setTimeout(check, 10); } }; check(); })",
        )?;
        Ok(state.as_str().unwrap_or_default().to_string())
    }

    fn open_url(&mut self, url: String, timeout: Duration) -> Result<Duration, String> {
        self.events.clear();
        let started = Instant::now();
        self.call("Page.navigate", json!({"url": url}))?;
        self.wait_for_event("Page.loadEventFired", timeout)?;
        Ok(started.elapsed())
    }

    /// Evaluates an expression in the page (awaiting a promise) and returns its value.
    pub fn eval(&mut self, expression: &str) -> Result<Value, String> {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        )?;
        if let Some(exception) = result.get("exceptionDetails") {
            return Err(format!("{expression}: {exception}"));
        }
        Ok(result["result"]["value"].clone())
    }

    /// Lets pending events arrive for a moment, so that checks see them.
    pub fn settle(&mut self, pause: Duration) {
        let deadline = Instant::now() + pause;
        while self.receive(deadline, "events").is_ok() {}
    }

    /// A PNG of the page at this width, as tall as the page up to `max_height`.
    pub fn screenshot(&mut self, width: u32, max_height: u32, path: &Path) -> Result<(), String> {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": false}),
        )?;
        let page_height = self
            .eval("document.documentElement.scrollHeight")?
            .as_u64()
            .unwrap_or(u64::from(max_height));
        let height = page_height.min(u64::from(max_height));
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        )?;
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}))?;
        let data = shot["data"].as_str().ok_or("no screenshot data")?;
        let png = decode_base64(data).ok_or("screenshot is not base64")?;
        std::fs::write(path, png).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// A PNG of the part of the page that starts at the element `selector` (after a full-page
    /// `screenshot`, which sets the viewport), `height` pixels tall.
    pub fn screenshot_from(
        &mut self,
        selector: &str,
        height: u32,
        path: &Path,
    ) -> Result<(), String> {
        // Scrolled to first: sections with `content-visibility: auto` paint only near the
        // viewport.
        let top = self
            .eval(&format!(
                "(() => {{ const top = document.querySelector({}).getBoundingClientRect().top + window.scrollY; \
                 window.scrollTo(0, top); \
                 return new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(top)))); }})()",
                serde_json::to_string(selector).map_err(|e| e.to_string())?
            ))?
            .as_f64()
            .ok_or("no such element")?;
        let shot = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "clip": {"x": 0, "y": top, "width": 1400, "height": height, "scale": 1}}),
        )?;
        let data = shot["data"].as_str().ok_or("no screenshot data")?;
        let png = decode_base64(data).ok_or("screenshot is not base64")?;
        std::fs::write(path, png).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Console errors, uncaught exceptions and error log entries (CSP refusals among them).
    pub fn errors(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e["method"].as_str()? {
                "Runtime.consoleAPICalled"
                    if matches!(e["params"]["type"].as_str(), Some("error" | "assert")) =>
                {
                    Some(format!("console: {}", e["params"]["args"]))
                }
                "Runtime.exceptionThrown" => {
                    Some(format!("exception: {}", e["params"]["exceptionDetails"]))
                }
                "Log.entryAdded" if e["params"]["entry"]["level"] == "error" => {
                    Some(format!("log: {}", e["params"]["entry"]["text"]))
                }
                _ => None,
            })
            .collect()
    }

    /// Requests other than the page itself.
    pub fn requests_besides(&self, file: &Path) -> Vec<String> {
        let own = file_url(file).unwrap_or_default();
        self.events
            .iter()
            .filter(|e| e["method"] == "Network.requestWillBeSent")
            .filter_map(|e| e["params"]["request"]["url"].as_str())
            .filter(|url| *url != own)
            .map(str::to_string)
            .collect()
    }

    pub fn dialogs(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["method"] == "Page.javascriptDialogOpening")
            .map(|e| e["params"]["message"].to_string())
            .collect()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.session = None;
        let _ = self.call_with_timeout("Browser.close", json!({}), Duration::from_secs(3));
        // The group this client started Chromium in, and nothing else.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn file_url(file: &Path) -> Result<String, String> {
    let absolute = file
        .canonicalize()
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let text = absolute.to_str().ok_or("path is not UTF-8")?;
    let mut url = String::from("file://");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(url)
}

pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = text.bytes().filter(|b| *b != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    Some(out)
}
