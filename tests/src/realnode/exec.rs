//! Running the runtimes' tools and daemons: a clean environment, a timeout on every command,
//! each daemon in its own process group with its output in a log file under the node's
//! directory, and the tail of that log in every error about it.

use super::RealNodeError;
use std::fs::{self, File};
use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// PATH for every runtime: Debian's packages, and no /usr/local (where another docker CLI may
/// live).
pub const PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";

/// A command with an empty environment but PATH, HOME and TMPDIR under the node's directory,
/// so that no user configuration (`~/.config/containers`, DOCKER_HOST) leaks in.
pub fn command(program: impl AsRef<std::ffi::OsStr>, home: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .env_clear()
        .env("PATH", PATH)
        .env("HOME", home)
        .env("TMPDIR", home.join("tmp"))
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null());
    command
}

/// Finds a program in [`PATH`].
pub fn which(program: &str) -> Option<PathBuf> {
    PATH.split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}

fn describe(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    words.join(" ")
}

/// Runs a command to completion within `timeout`; its stdout on success, else an error with
/// its stderr.
pub fn run(command: &mut Command, timeout: Duration) -> Result<String, RealNodeError> {
    let described = describe(command);
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| RealNodeError::Command {
            command: described.clone(),
            detail: format!("cannot start: {e}"),
        })?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RealNodeError::Timeout {
                    what: described,
                    secs: timeout.as_secs(),
                });
            }
            Err(e) => {
                return Err(RealNodeError::Command {
                    command: described,
                    detail: format!("waiting: {e}"),
                })
            }
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if status.success() {
        Ok(stdout)
    } else {
        Err(RealNodeError::Command {
            command: described,
            detail: format!("{status}: {}", last_lines(&stderr, 15)),
        })
    }
}

/// Starts a daemon in its own process group (so a terminal's Ctrl-C reaches only the node's
/// owner, which then tears down in order), output appended to `log`, and in the cgroup whose
/// `cgroup.procs` files (one per hierarchy) are given, as systemd starts a service: the child
/// writes `0` (itself) to each before exec, so that it and everything it starts are there.
pub fn spawn_daemon(
    command: &mut Command,
    log: &Path,
    cgroup_procs: &[File],
) -> Result<Child, RealNodeError> {
    let file = File::options()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| RealNodeError::io(log, e))?;
    let err = file.try_clone().map_err(|e| RealNodeError::io(log, e))?;
    let fds: Vec<i32> = cgroup_procs.iter().map(|f| f.as_raw_fd()).collect();
    // SAFETY: the closure only calls write(2) on descriptors opened before the fork, which is
    // async-signal-safe, and allocates nothing.
    unsafe {
        command.pre_exec(move || {
            for &fd in &fds {
                if libc::write(fd, b"0".as_ptr().cast(), 1) != 1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    command
        .stdout(file)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|e| RealNodeError::Command {
            command: describe(command),
            detail: format!("cannot start: {e}"),
        })
}

/// The last `count` lines of a text, for error messages.
pub fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

pub fn log_tail(log: &Path, count: usize) -> String {
    fs::read_to_string(log)
        .map(|text| last_lines(&text, count))
        .unwrap_or_else(|e| format!("({}: {e})", log.display()))
}

/// Polls `ready` until it gives a value, the daemon exits, or `timeout` passes; the errors
/// carry the daemon's log.
pub fn wait_ready<T>(
    name: &str,
    daemon: &mut Child,
    log: &Path,
    timeout: Duration,
    mut ready: impl FnMut() -> Result<T, String>,
) -> Result<T, RealNodeError> {
    let deadline = Instant::now() + timeout;
    let mut last;
    loop {
        if let Ok(Some(status)) = daemon.try_wait() {
            return Err(RealNodeError::Daemon {
                name: name.to_string(),
                what: format!("exited with {status} while starting"),
                log: log_tail(log, 25),
            });
        }
        match ready() {
            Ok(value) => return Ok(value),
            Err(why) => last = why,
        }
        if Instant::now() >= deadline {
            // Stopped here: the caller never gets its handle.
            let _ = daemon.kill();
            let _ = daemon.wait();
            return Err(RealNodeError::Daemon {
                name: name.to_string(),
                what: format!("not ready after {}s: {last}", timeout.as_secs()),
                log: log_tail(log, 25),
            });
        }
        thread::sleep(Duration::from_millis(100));
    }
}
