//! What a scene leaves on disk so that it can always be cleaned up: the lock that keeps two
//! scenes apart, and the state file listing every process and cgroup it made.

use super::facts::SceneFacts;
use super::procfs::ProcReader;
use super::SceneError;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

/// One lock for the whole machine: scenes share `/kubepods`, so only one may be up at a time.
pub const LOCK_FILE: &str = "/run/nodesnap-scene.lock";

/// A process named so that pid reuse cannot fool us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcRef {
    pub pid: u32,
    pub start_ticks: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SceneState {
    /// The process that owns the scene (the test or `scene up`); it tears the scene down on
    /// SIGTERM.
    pub owner: Option<ProcRef>,
    /// The temporary directory holding the staged binaries.
    pub work_dir: PathBuf,
    /// Sandboxes and app processes: killed first, so their shims can reap them.
    pub pod_processes: Vec<ProcRef>,
    /// containerd and the shims.
    pub daemons: Vec<ProcRef>,
    /// Parents first; removed in reverse.
    pub cgroup_dirs: Vec<PathBuf>,
    pub facts: Option<SceneFacts>,
}

impl SceneState {
    pub fn read(path: &Path) -> Result<SceneState, SceneError> {
        let text = fs::read_to_string(path).map_err(|e| SceneError::io(path, e))?;
        serde_json::from_str(&text).map_err(|e| SceneError::parse(path, &format!("not a scene state file: {e}")))
    }

    /// Written to a temporary name and renamed, so a crash never leaves half a file.
    pub fn write(&self, path: &Path) -> Result<(), SceneError> {
        let text = serde_json::to_string(self).map_err(|e| SceneError::parse(path, &e.to_string()))?;
        let temp = path.with_extension("tmp");
        fs::write(&temp, text).map_err(|e| SceneError::io(&temp, e))?;
        fs::rename(&temp, path).map_err(|e| SceneError::io(path, e))
    }
}

/// The machine-wide scene lock (an flock, released when the file closes, even on a crash).
/// Its content names the state file of the scene that holds or last held it.
#[derive(Debug)]
pub struct SceneLock {
    file: File,
}

impl SceneLock {
    pub fn acquire(path: &Path, patience: Duration) -> Result<SceneLock, SceneError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| SceneError::io(path, e))?;
        let deadline = Instant::now() + patience;
        loop {
            // SAFETY: flock on a file descriptor we own.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                return Ok(SceneLock { file });
            }
            let error = std::io::Error::last_os_error();
            if error.kind() != ErrorKind::WouldBlock {
                return Err(SceneError::io(path, error));
            }
            if Instant::now() >= deadline {
                return Err(SceneError::Busy {
                    lock: path.to_path_buf(),
                });
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn recorded_state(&self) -> Option<PathBuf> {
        let text = fs::read_to_string(format!("/proc/self/fd/{}", self.file.as_raw_fd())).ok()?;
        let text = text.trim();
        (!text.is_empty()).then(|| PathBuf::from(text))
    }

    pub fn record_state(&mut self, state_file: Option<&Path>) -> Result<(), SceneError> {
        let text = state_file.map(|p| p.display().to_string()).unwrap_or_default();
        let lock = Path::new(LOCK_FILE);
        self.file.set_len(0).map_err(|e| SceneError::io(lock, e))?;
        (&self.file)
            .write_all(text.as_bytes())
            .map_err(|e| SceneError::io(lock, e))
    }
}

/// Whether the process named by `r` still exists, zombie or not.
pub fn exists(proc: &ProcReader, r: ProcRef) -> bool {
    matches!(proc.stat(r.pid), Ok(stat) if stat.start_ticks == r.start_ticks)
}

/// SIGKILLs each listed process that is still the one we started (same start time, executable
/// under `work_dir`), then waits until all are gone. Returns what could not be ended.
pub fn kill_and_wait(proc: &ProcReader, processes: &[ProcRef], work_dir: &Path, patience: Duration) -> Vec<String> {
    for &r in processes {
        let ours = proc.exe(r.pid).is_some_and(|exe| exe.starts_with(work_dir));
        if ours && exists(proc, r) {
            // SAFETY: plain kill(2) on a pid we verified as ours a moment ago.
            unsafe { libc::kill(r.pid as i32, libc::SIGKILL) };
        }
    }
    wait_gone(proc, processes, patience)
}

pub fn wait_gone(proc: &ProcReader, processes: &[ProcRef], patience: Duration) -> Vec<String> {
    let deadline = Instant::now() + patience;
    let mut remaining: Vec<ProcRef> = processes.to_vec();
    loop {
        remaining.retain(|&r| exists(proc, r));
        if remaining.is_empty() || Instant::now() >= deadline {
            break;
        }
        thread::sleep(Duration::from_millis(10));
    }
    remaining
        .iter()
        .map(|r| format!("process {} is still there", r.pid))
        .collect()
}

/// Tears down a scene whose owner is gone (crashed or killed), from its state file.
pub fn clean_orphaned(proc: &ProcReader, state: &SceneState) -> Vec<String> {
    let patience = Duration::from_secs(10) + Duration::from_millis(state.pod_processes.len() as u64);
    let mut problems = kill_and_wait(proc, &state.pod_processes, &state.work_dir, patience);
    // The shims' parent is gone, so init reaps them.
    problems.extend(kill_and_wait(proc, &state.daemons, &state.work_dir, patience));
    let mut dirs = super::cgroups::CreatedDirs {
        dirs: state.cgroup_dirs.clone(),
    };
    problems.extend(dirs.remove_all(Duration::from_secs(5)));
    if !state.work_dir.as_os_str().is_empty() {
        if let Err(e) = fs::remove_dir_all(&state.work_dir) {
            if e.kind() != ErrorKind::NotFound {
                problems.push(format!("{}: {e}", state.work_dir.display()));
            }
        }
    }
    problems
}

/// `scene down`: asks a live owner to tear its scene down, or cleans up after a dead one.
pub fn down(state_file: &Path, patience: Duration) -> Result<Vec<String>, SceneError> {
    let proc = ProcReader::live();
    let state = SceneState::read(state_file)?;
    if let Some(owner) = state.owner.filter(|&o| o.pid != std::process::id() && exists(&proc, o)) {
        // SAFETY: kill(2) on the owner we verified by start time.
        unsafe { libc::kill(owner.pid as i32, libc::SIGTERM) };
        let deadline = Instant::now() + patience;
        while exists(&proc, owner) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        if !state_file.exists() {
            return Ok(Vec::new());
        }
    }
    let mut lock = SceneLock::acquire(Path::new(LOCK_FILE), Duration::from_secs(10))?;
    let problems = clean_orphaned(&proc, &state);
    fs::remove_file(state_file).map_err(|e| SceneError::io(state_file, e))?;
    if lock.recorded_state().as_deref() == Some(state_file) {
        lock.record_state(None)?;
    }
    Ok(problems)
}
