//! Times how long headless Chromium takes to show an HTML file, through the DevTools protocol
//! over a pipe (`--remote-debugging-pipe`: the browser reads commands on fd 3 and writes
//! answers on fd 4, each a JSON text ended by a NUL byte). No port, no network.
//!
//! Method: the browser is started and a blank tab opened first, so start-up is not counted.
//! Then the clock starts as `Page.navigate` is sent, and stops when the page has fired its
//! load event and then painted one more animation frame (a `requestAnimationFrame` callback
//! followed by a task, awaited through `Runtime.evaluate`): by then the HTML is parsed, its
//! inline scripts have run and the first frame with their result is drawn. The in-page
//! first-contentful-paint time is read as well. On a report whose collapsed bodies are stored
//! compressed, the clock also reads when the page says they are expanded (`<html data-bodies>`).

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error("cannot start {program}: {source}")]
    Spawn { program: String, source: io::Error },
    #[error("pipe to the browser: {0}")]
    Pipe(io::Error),
    #[error("the browser closed its pipe")]
    Closed,
    #[error("no answer from the browser within {0:?} while waiting for {1}")]
    Timeout(Duration, String),
    #[error("the browser refused {method}: {error}")]
    Refused { method: String, error: String },
}

/// How long one page took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderTiming {
    /// From sending `Page.navigate` to the first frame painted after the load event.
    pub navigate_to_rendered: Duration,
    /// From sending `Page.navigate` to `Page.loadEventFired`.
    pub navigate_to_load: Duration,
    /// The page's own first-contentful-paint time, relative to its navigation start.
    pub first_contentful_paint: Option<Duration>,
    /// On a report whose collapsed bodies are stored compressed (`<body data-lazy>`): from
    /// sending `Page.navigate` to `<html data-bodies>` saying they are expanded, which search,
    /// links into collapsed sections and print wait for.
    pub navigate_to_bodies: Option<Duration>,
}

/// A running headless Chromium driven over its debugging pipe.
pub struct Browser {
    child: Child,
    to_browser: File,
    messages: Receiver<Value>,
    backlog: VecDeque<Value>,
    next_id: u64,
    session: Option<String>,
    profile_dir: PathBuf,
}

/// The flags the benchmark launches Chromium with; a fresh profile each time.
fn flags(profile_dir: &Path) -> Vec<String> {
    vec![
        "--headless".to_string(),
        "--no-sandbox".to_string(),
        "--disable-gpu".to_string(),
        "--no-first-run".to_string(),
        "--disable-background-networking".to_string(),
        "--disable-component-update".to_string(),
        "--disable-sync".to_string(),
        "--remote-debugging-pipe".to_string(),
        format!("--user-data-dir={}", profile_dir.display()),
        "about:blank".to_string(),
    ]
}

fn pipe() -> io::Result<(RawFd, RawFd)> {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid two-element out-array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // Above 10 so that moving them onto 3 and 4 in the child never clobbers one of them.
    let high = |fd: RawFd| -> io::Result<RawFd> {
        // SAFETY: fd is open; F_DUPFD_CLOEXEC returns a new descriptor or -1.
        let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 10) };
        // SAFETY: closing the original we own.
        unsafe { libc::close(fd) };
        if new < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(new)
        }
    };
    Ok((high(fds[0])?, high(fds[1])?))
}

impl Browser {
    pub fn launch(program: &str, scratch: &Path) -> Result<Browser, BrowserError> {
        let profile_dir = scratch.join(format!("chromium-profile-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile_dir);
        // Chromium's singleton socket goes in a directory under TMPDIR: under the profile it is
        // removed with it instead of staying in /tmp.
        let tmp = profile_dir.join("tmp");
        std::fs::create_dir_all(&tmp).map_err(BrowserError::Pipe)?;
        let (commands_read, commands_write) = pipe().map_err(BrowserError::Pipe)?;
        let (answers_read, answers_write) = pipe().map_err(BrowserError::Pipe)?;
        let mut command = Command::new(program);
        command
            .args(flags(&profile_dir))
            .env("TMPDIR", &tmp)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (dup2) between fork and exec.
        unsafe {
            command.pre_exec(move || {
                if libc::dup2(commands_read, 3) < 0 || libc::dup2(answers_write, 4) < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let spawned = command.spawn();
        // SAFETY: the child has its copies; the parent closes the ends it does not use.
        unsafe {
            libc::close(commands_read);
            libc::close(answers_write);
        }
        let child = spawned.map_err(|source| BrowserError::Spawn {
            program: program.to_string(),
            source,
        })?;
        // SAFETY: both descriptors are ours alone from here on.
        let to_browser = unsafe { File::from_raw_fd(commands_write) };
        let from_browser = unsafe { File::from_raw_fd(answers_read) };
        let (sender, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(from_browser);
            let mut message = Vec::new();
            loop {
                message.clear();
                match reader.read_until(0, &mut message) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        if message.last() == Some(&0) {
                            message.pop();
                        }
                        if let Ok(value) = serde_json::from_slice::<Value>(&message) {
                            if sender.send(value).is_err() {
                                return;
                            }
                        }
                    }
                }
            }
        });
        let mut browser = Browser {
            child,
            to_browser,
            messages,
            backlog: VecDeque::new(),
            next_id: 1,
            session: None,
            profile_dir,
        };
        let target = browser.call(
            "Target.createTarget",
            json!({"url": "about:blank"}),
            Duration::from_secs(60),
        )?;
        let target_id = target["targetId"].as_str().unwrap_or_default().to_string();
        let attached = browser.call(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
            Duration::from_secs(30),
        )?;
        browser.session = attached["sessionId"].as_str().map(str::to_string);
        browser.call("Page.enable", json!({}), Duration::from_secs(30))?;
        browser.call("Runtime.enable", json!({}), Duration::from_secs(30))?;
        Ok(browser)
    }

    fn send(&mut self, method: &str, params: Value) -> Result<u64, BrowserError> {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = &self.session {
            message["sessionId"] = json!(session);
        }
        let mut bytes =
            serde_json::to_vec(&message).map_err(|e| BrowserError::Pipe(io::Error::other(e)))?;
        bytes.push(0);
        self.to_browser
            .write_all(&bytes)
            .map_err(BrowserError::Pipe)?;
        Ok(id)
    }

    fn next_message(
        &mut self,
        deadline: Instant,
        waiting_for: &str,
    ) -> Result<Value, BrowserError> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.messages.recv_timeout(left) {
            Ok(value) => Ok(value),
            Err(RecvTimeoutError::Timeout) => {
                Err(BrowserError::Timeout(left, waiting_for.to_string()))
            }
            Err(RecvTimeoutError::Disconnected) => Err(BrowserError::Closed),
        }
    }

    fn wait_for_answer(
        &mut self,
        id: u64,
        method: &str,
        limit: Duration,
    ) -> Result<Value, BrowserError> {
        let deadline = Instant::now() + limit;
        loop {
            let message = self.next_message(deadline, method)?;
            if message["id"].as_u64() == Some(id) {
                if let Some(error) = message.get("error") {
                    return Err(BrowserError::Refused {
                        method: method.to_string(),
                        error: error.to_string(),
                    });
                }
                return Ok(message["result"].clone());
            }
            self.backlog.push_back(message);
        }
    }

    fn call(
        &mut self,
        method: &str,
        params: Value,
        limit: Duration,
    ) -> Result<Value, BrowserError> {
        let id = self.send(method, params)?;
        self.wait_for_answer(id, method, limit)
    }

    /// Navigates the tab to `url` and times it (see the module's method).
    pub fn time_page(&mut self, url: &str, limit: Duration) -> Result<RenderTiming, BrowserError> {
        self.backlog.clear();
        while self.messages.try_recv().is_ok() {}
        let started = Instant::now();
        let deadline = started + limit;
        self.send("Page.navigate", json!({"url": url}))?;
        let mut loaded = None;
        while loaded.is_none() {
            let message = match self.backlog.pop_front() {
                Some(message) => message,
                None => self.next_message(deadline, "Page.loadEventFired")?,
            };
            if message["method"].as_str() == Some("Page.loadEventFired") {
                loaded = Some(started.elapsed());
            }
        }
        let frame = self.call(
            "Runtime.evaluate",
            json!({
                "expression": "new Promise(done => requestAnimationFrame(() => setTimeout(() => done(JSON.stringify(performance.getEntriesByName('first-contentful-paint').map(e => e.startTime))), 0)))",
                "awaitPromise": true,
                "returnByValue": true,
            }),
            deadline.saturating_duration_since(Instant::now()),
        )?;
        let rendered = started.elapsed();
        let bodies = self.call(
            "Runtime.evaluate",
            json!({
                "expression": "new Promise(done => { if (!document.body || !document.body.hasAttribute('data-lazy')) { done(false); return; } const check = () => document.documentElement.hasAttribute('data-bodies') ? done(true) : setTimeout(check, 1); check(); })",
                "awaitPromise": true,
                "returnByValue": true,
            }),
            deadline.saturating_duration_since(Instant::now()),
        )?;
        let navigate_to_bodies =
            (bodies["result"]["value"].as_bool() == Some(true)).then(|| started.elapsed());
        let first_contentful_paint = frame["result"]["value"]
            .as_str()
            .and_then(|text| serde_json::from_str::<Vec<f64>>(text).ok())
            .and_then(|times| times.first().copied())
            .map(|ms| Duration::from_secs_f64(ms / 1000.0));
        Ok(RenderTiming {
            navigate_to_rendered: rendered,
            navigate_to_load: loaded.unwrap_or(rendered),
            first_contentful_paint,
            navigate_to_bodies,
        })
    }

    pub fn close(mut self) {
        self.session = None;
        let _ = self.send("Browser.close", json!({}));
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break;
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.profile_dir);
    }
}
