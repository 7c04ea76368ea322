//! Runs one child process and measures it the same way for every tool: wall time from spawn to
//! reap, and the CPU time and peak RSS the kernel reports for it through wait4(2). wait4's
//! rusage covers the child and every descendant it waited for, so a `bash -c` pipeline is
//! charged for all its commands.

use std::io;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The cost of one run of a command.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Measured {
    pub wall: Duration,
    pub user: Duration,
    pub system: Duration,
    /// ru_maxrss: the largest resident set of the child or of any waited-for descendant.
    pub peak_rss_bytes: u64,
    /// The exit code, or 128 + the signal that ended it.
    pub exit_code: i32,
    /// Whether the run was killed for passing its time limit.
    pub timed_out: bool,
}

impl Measured {
    pub fn cpu(&self) -> Duration {
        self.user + self.system
    }

    pub fn succeeded(&self) -> bool {
        self.exit_code == 0 && !self.timed_out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MeasureError {
    #[error("cannot start {program}: {source}")]
    Spawn { program: String, source: io::Error },
    #[error("wait4 on {program}: {source}")]
    Wait { program: String, source: io::Error },
    #[error("the launcher measuring {program} failed: {detail}")]
    Launcher { program: String, detail: String },
}

/// Measures commands through `<launcher> measure-child`, see the module's note on peak RSS.
pub struct Launcher {
    pub program: std::path::PathBuf,
    pub scratch: std::path::PathBuf,
}

static REPORT_COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Launcher {
    /// Runs `command` (its program, arguments, environment and directory) under the launcher
    /// with the given stdout and stderr, killing it after `limit`.
    pub fn run(
        &self,
        command: &Command,
        stdout: Stdio,
        stderr: Stdio,
        limit: Duration,
    ) -> Result<Measured, MeasureError> {
        let program = command.get_program().to_string_lossy().into_owned();
        let report = self.scratch.join(format!(
            "measure-{}-{}.json",
            std::process::id(),
            REPORT_COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let mut launcher = Command::new(&self.program);
        launcher
            .arg("measure-child")
            .arg("--limit-ms")
            .arg(limit.as_millis().to_string())
            .arg("--report")
            .arg(&report)
            .arg("--")
            .arg(command.get_program())
            .args(command.get_args())
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        for (key, value) in command.get_envs() {
            match value {
                Some(value) => launcher.env(key, value),
                None => launcher.env_remove(key),
            };
        }
        if let Some(dir) = command.get_current_dir() {
            launcher.current_dir(dir);
        }
        let status = launcher.status().map_err(|source| MeasureError::Spawn {
            program: program.clone(),
            source,
        })?;
        let text = std::fs::read_to_string(&report);
        let _ = std::fs::remove_file(&report);
        let text = text.map_err(|e| MeasureError::Launcher {
            program: program.clone(),
            detail: format!("no report ({e}); launcher {status}"),
        })?;
        serde_json::from_str(&text).map_err(|e| MeasureError::Launcher {
            program,
            detail: e.to_string(),
        })
    }
}

/// The launcher's side: runs the command given on its command line, inheriting stdio, and
/// writes what [`run`] measured to `report` as JSON.
pub fn measure_child(
    program: &std::ffi::OsStr,
    args: &[std::ffi::OsString],
    limit: Duration,
    report: &std::path::Path,
) -> Result<(), String> {
    let mut command = Command::new(program);
    command.args(args);
    let measured = run(&mut command, limit).map_err(|e| e.to_string())?;
    let json = serde_json::to_string(&measured).map_err(|e| e.to_string())?;
    std::fs::write(report, json).map_err(|e| format!("{}: {e}", report.display()))
}

/// Runs `command` to completion with stdin closed (and stdout/stderr as the caller set
/// them), killing it after `limit`.
pub fn run(command: &mut Command, limit: Duration) -> Result<Measured, MeasureError> {
    let program = command.get_program().to_string_lossy().into_owned();
    command.stdin(Stdio::null());
    let started = Instant::now();
    let child = command.spawn().map_err(|source| MeasureError::Spawn {
        program: program.clone(),
        source,
    })?;
    let pid = child.id() as libc::pid_t;
    let mut timed_out = false;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; zeroed is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: pid is our own unreaped child; status and usage are valid out-pointers.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid {
            break;
        }
        if reaped < 0 {
            let source = io::Error::last_os_error();
            if source.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(MeasureError::Wait { program, source });
        }
        if !timed_out && started.elapsed() > limit {
            timed_out = true;
            // SAFETY: signalling our own unreaped child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        // Short sleeps keep the wall time accurate to about a millisecond without
        // spending the CPU that the measured child needs on this 2-core machine.
        std::thread::sleep(poll_interval(started.elapsed()));
    }
    let wall = started.elapsed();
    // `child` is reaped already; dropping it neither waits nor kills.
    drop(child);
    let exit_code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        -1
    };
    Ok(Measured {
        wall,
        user: timeval(usage.ru_utime),
        system: timeval(usage.ru_stime),
        peak_rss_bytes: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
        exit_code,
        timed_out,
    })
}

fn poll_interval(elapsed: Duration) -> Duration {
    if elapsed < Duration::from_secs(2) {
        Duration::from_micros(500)
    } else {
        Duration::from_millis(5)
    }
}

fn timeval(tv: libc::timeval) -> Duration {
    Duration::from_secs(u64::try_from(tv.tv_sec).unwrap_or(0))
        + Duration::from_micros(u64::try_from(tv.tv_usec).unwrap_or(0))
}

/// The median run of `runs` by wall time; every run must succeed.
pub fn median_of(runs: &mut [Measured]) -> Option<Measured> {
    runs.sort_by_key(|run| run.wall);
    runs.get(runs.len() / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_cpu_of_descendants_of_a_shell() {
        let mut command = Command::new("bash");
        command.args([
            "-c",
            "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; true",
        ]);
        let measured = run(&mut command, Duration::from_secs(60)).expect("bash runs");
        assert!(measured.succeeded(), "{measured:?}");
        assert!(measured.cpu() > Duration::from_millis(5), "{measured:?}");
        assert!(measured.peak_rss_bytes > 100 * 1024, "{measured:?}");
    }

    #[test]
    fn kills_a_child_past_its_limit() {
        let mut command = Command::new("sleep");
        command.arg("30");
        let measured = run(&mut command, Duration::from_millis(200)).expect("sleep runs");
        assert!(measured.timed_out);
        assert_eq!(measured.exit_code, 128 + libc::SIGKILL);
        assert!(measured.wall < Duration::from_secs(5));
    }

    #[test]
    fn reports_the_exit_code() {
        let mut command = Command::new("bash");
        command.args(["-c", "exit 3"]);
        let measured = run(&mut command, Duration::from_secs(10)).expect("bash runs");
        assert_eq!(measured.exit_code, 3);
        assert!(!measured.succeeded());
    }
}
