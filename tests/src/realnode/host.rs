//! What the real node leaves on the host and how it is always removed: the state file that
//! names every daemon, cgroup subtree and host path the node may have made, written before
//! anything is started, and the cleanup that works from it alone, for the node's owner at
//! teardown as for a later run after the owner was killed.
//!
//! Facts found on Debian 12 (containerd 1.6.20, docker.io 20.10.24, podman 4.3.1) that make
//! runtimes write outside the directory they were given; each path below is removed when the
//! node made it (it was absent before):
//! - containerd's runc v2 shim puts its socket in /run/containerd/s whatever the daemon's state
//!   directory (the path is compiled in), and `ctr` keeps its fifos in /run/containerd/fifo;
//! - dockerd 20.10 keeps plugin sockets in /run/docker/plugins, and the containerd it starts has
//!   no `opt` path in its generated config, so it creates /opt/containerd;
//! - podman keeps the blob-info cache of an import in /var/lib/containers/cache, and its locks
//!   in /dev/shm/libpod_lock;
//! - libcni, run by containerd's CRI plugin, caches results in /var/lib/cni;
//! - kubelet's logs live in /var/log/pods and /var/log/containers (the node writes them there as
//!   kubelet does, since the collector reads them).

use super::truth::Truth;
use super::RealNodeError;
use crate::scene::procfs::ProcReader;
use crate::scene::state::{ProcRef, SceneLock};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

/// Keeps two real nodes apart and names the state file of the one that holds or held it.
pub const LOCK_FILE: &str = "/run/nodesnap-realnode.lock";
/// The state file's name inside the node's directory.
pub const STATE_FILE: &str = "realnode-state.json";

/// Host paths that the runtimes create outside their directories (see the module docs).
pub const HOST_PATH_CANDIDATES: [&str; 13] = [
    "/run/containerd",
    "/run/docker",
    "/run/runc",
    "/run/libpod",
    "/run/containers",
    "/opt/containerd",
    "/etc/docker/key.json",
    "/var/lib/containers",
    "/var/lib/containerd",
    "/var/lib/docker",
    "/var/lib/cni",
    "/run/netns",
    "/dev/shm/libpod_lock",
];

/// Kubelet's log directories: made by the node when absent, else only its own entries go.
pub const POD_LOG_ROOT: &str = "/var/log/pods";
pub const CONTAINER_LOG_ROOT: &str = "/var/log/containers";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RealNodeState {
    /// The process that owns the node (the test or `realnode up`); it tears it down on
    /// SIGTERM.
    pub owner: Option<ProcRef>,
    /// The node's directory: every root, state, socket and config of its runtimes.
    pub dir: PathBuf,
    /// containerd, dockerd and the containerd dockerd started.
    pub daemons: Vec<ProcRef>,
    /// cgroup paths (`/docker`, `/kubepods/burstable/pod<uid>`) whose every process and
    /// directory belong to the node, in every hierarchy.
    pub owned_cgroups: Vec<String>,
    /// cgroup directories the node created as parents (`/kubepods/burstable`), parents first.
    pub created_dirs: Vec<PathBuf>,
    /// Host files and directories that were absent before the node: removed whole.
    pub host_paths: Vec<PathBuf>,
    /// The host's network devices before the node started: the node must add none.
    pub net_devices: Vec<String>,
    pub truth: Option<Truth>,
}

impl RealNodeState {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(STATE_FILE)
    }

    pub fn read(path: &Path) -> Result<RealNodeState, RealNodeError> {
        let text = fs::read_to_string(path).map_err(|e| RealNodeError::io(path, e))?;
        serde_json::from_str(&text).map_err(|e| {
            RealNodeError::Parse(format!(
                "{}: not a real node state file: {e}",
                path.display()
            ))
        })
    }

    /// Written to a temporary name and renamed, so that a crash never leaves half a file.
    pub fn write(&self) -> Result<(), RealNodeError> {
        let path = Self::path(&self.dir);
        let text = serde_json::to_string_pretty(self)
            .map_err(|e| RealNodeError::Parse(format!("{}: {e}", path.display())))?;
        let temp = path.with_extension("tmp");
        fs::write(&temp, text).map_err(|e| RealNodeError::io(&temp, e))?;
        fs::rename(&temp, &path).map_err(|e| RealNodeError::io(&path, e))
    }
}

/// The network devices of the host's network namespace.
pub fn net_devices() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir("/sys/class/net")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The candidates that do not exist yet: if they exist after the node, the node made them.
pub fn absent_host_paths() -> Vec<PathBuf> {
    HOST_PATH_CANDIDATES
        .iter()
        .map(PathBuf::from)
        .filter(|p| fs::symlink_metadata(p).is_err())
        .collect()
}

/// The mounted cgroup hierarchies' mount points.
pub fn cgroup_mounts(proc: &ProcReader) -> Result<Vec<PathBuf>, RealNodeError> {
    Ok(proc
        .mountinfo()?
        .into_iter()
        .map(|m| m.mount_point)
        .collect())
}

/// Whether any process is in `cgroup` or below it, in any hierarchy.
pub fn cgroup_has_processes(mounts: &[PathBuf], cgroup: &str) -> bool {
    mounts.iter().any(|mount| {
        let root = mount.join(cgroup.trim_start_matches('/'));
        walk_dirs(&root).iter().any(|dir| {
            fs::read_to_string(dir.join("cgroup.procs")).is_ok_and(|t| !t.trim().is_empty())
        })
    })
}

/// `root` and every directory below it, parents first; nothing when it does not exist.
fn walk_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(entry.path());
            }
        }
        out.push(dir);
    }
    out.sort_by_key(|p| p.components().count());
    out
}

/// Mount points at or below `dir` in this process's mount namespace, deepest first.
pub fn mounts_below(dir: &Path) -> Vec<PathBuf> {
    let Ok(text) = fs::read_to_string("/proc/self/mountinfo") else {
        return Vec::new();
    };
    let mut mounts: Vec<PathBuf> = text
        .lines()
        .filter_map(|line| line.split_whitespace().nth(4))
        .map(|p| PathBuf::from(unescape_mount_path(p)))
        .filter(|p| p.starts_with(dir))
        .collect();
    mounts.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    mounts.dedup();
    mounts
}

fn unescape_mount_path(text: &str) -> String {
    text.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

fn unmount(path: &Path) -> Result<(), String> {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| format!("{}: NUL in path", path.display()))?;
    // SAFETY: umount2 with a NUL-terminated path we own.
    if unsafe { libc::umount2(c_path.as_ptr(), libc::MNT_DETACH) } == 0 {
        Ok(())
    } else {
        let error = std::io::Error::last_os_error();
        match error.raw_os_error() {
            // Gone meanwhile (its parent was detached first).
            Some(libc::EINVAL) | Some(libc::ENOENT) => Ok(()),
            _ => Err(format!("unmounting {}: {error}", path.display())),
        }
    }
}

/// The comms of the runtimes' own processes (containerd-shim-runc-v2 shows as
/// `containerd-shim`): only these are recognised by the node's directory in their argv, so
/// that nobody's `tail -f <dir>/logs/...` (or `realnode down --dir <dir>`) is killed.
const RUNTIME_COMMS: [&str; 9] = [
    "containerd",
    "containerd-shim",
    "dockerd",
    "docker-proxy",
    "conmon",
    "runc",
    "podman",
    "ctr",
    "docker",
];

/// Every process that belongs to the node: in an owned cgroup, or a runtime's process with
/// the node's directory in its command line (daemons, shims, conmon). `spare` are never
/// included.
pub fn node_processes(
    proc: &ProcReader,
    state: &RealNodeState,
    spare: &BTreeSet<u32>,
) -> Vec<ProcRef> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let dir = state.dir.to_string_lossy().into_owned();
    let owned: Vec<String> = state.owned_cgroups.clone();
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| !spare.contains(pid))
        .filter(|&pid| {
            let in_owned_cgroup = proc.cgroups(pid).is_ok_and(|lines| {
                lines.iter().any(|line| {
                    owned
                        .iter()
                        .any(|o| line.path == *o || line.path.starts_with(&format!("{o}/")))
                })
            });
            in_owned_cgroup
                || (!dir.is_empty()
                    && proc
                        .stat(pid)
                        .is_ok_and(|stat| RUNTIME_COMMS.contains(&stat.comm.as_str()))
                    && proc
                        .cmdline(pid)
                        .is_ok_and(|argv| argv.iter().any(|a| a.contains(&dir))))
        })
        .filter_map(|pid| {
            let stat = proc.stat(pid).ok()?;
            (stat.state != 'Z' && stat.state != 'X').then_some(ProcRef {
                pid,
                start_ticks: stat.start_ticks,
            })
        })
        .collect()
}

/// SIGKILLs the processes still named by `refs`, then waits until they are gone or zombies.
pub fn kill_all(proc: &ProcReader, refs: &[ProcRef], patience: Duration) -> Vec<String> {
    for r in refs {
        if proc.is_alive(r.pid, r.start_ticks) {
            // SAFETY: kill(2) on a pid just verified by its start time.
            unsafe { libc::kill(r.pid as i32, libc::SIGKILL) };
        }
    }
    let deadline = Instant::now() + patience;
    let mut remaining: Vec<ProcRef> = refs.to_vec();
    loop {
        remaining.retain(|r| proc.is_alive(r.pid, r.start_ticks));
        if remaining.is_empty() || Instant::now() >= deadline {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    remaining
        .iter()
        .map(|r| format!("process {} survived SIGKILL", r.pid))
        .collect()
}

/// Removes everything the state names: processes, mounts below the directory, owned cgroups
/// and created cgroup parents, host paths, and finally the directory itself. Returns what it
/// could not remove; the state file stays then, for `realnode down` or the next run.
pub fn clean(proc: &ProcReader, state: &RealNodeState, spare: &BTreeSet<u32>) -> Vec<String> {
    let mut problems = Vec::new();
    let patience = Duration::from_secs(10);
    // Processes: a killed shim's container may be reparented and found only on the next pass.
    let mut daemons = state.daemons.clone();
    for _ in 0..5 {
        let mut found = node_processes(proc, state, spare);
        found.append(&mut daemons);
        if found.is_empty() {
            break;
        }
        let survivors = kill_all(proc, &found, patience);
        if !survivors.is_empty() {
            problems.extend(survivors);
            break;
        }
    }
    let leftovers = node_processes(proc, state, spare);
    if !leftovers.is_empty() {
        problems.push(format!(
            "processes still running after five rounds of SIGKILL: {:?}",
            leftovers.iter().map(|r| r.pid).collect::<Vec<_>>()
        ));
    }

    // Mounts below the node's directory (overlay rootfs, shm, network namespace files).
    if !state.dir.as_os_str().is_empty() {
        for _ in 0..3 {
            let mounts = mounts_below(&state.dir);
            if mounts.is_empty() {
                break;
            }
            for mount in mounts {
                if let Err(problem) = unmount(&mount) {
                    problems.push(problem);
                }
            }
        }
    }

    // Owned cgroup subtrees in every hierarchy, deepest first, then the created parents.
    match cgroup_mounts(proc) {
        Ok(mounts) => {
            for owned in &state.owned_cgroups {
                for mount in &mounts {
                    let root = mount.join(owned.trim_start_matches('/'));
                    let mut dirs = walk_dirs(&root);
                    dirs.reverse();
                    for dir in dirs {
                        if let Some(problem) = remove_cgroup_dir(&dir) {
                            problems.push(problem);
                        }
                    }
                }
            }
        }
        Err(e) => problems.push(format!("finding the cgroup hierarchies: {e}")),
    }
    // A parent such as /kubepods may meanwhile hold a live scene's pods: it stays then.
    for dir in state.created_dirs.iter().rev() {
        if has_subdirs(dir) {
            continue;
        }
        if let Some(problem) = remove_cgroup_dir(dir) {
            problems.push(problem);
        }
    }

    for path in &state.host_paths {
        let result = match fs::symlink_metadata(path) {
            Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
            Ok(_) => fs::remove_file(path),
            Err(_) => Ok(()),
        };
        if let Err(e) = result {
            problems.push(format!("{}: {e}", path.display()));
        }
    }

    let devices = net_devices();
    if !state.net_devices.is_empty() && devices != state.net_devices {
        problems.push(format!(
            "the host's network devices changed: {:?} before, {:?} now",
            state.net_devices, devices
        ));
    }

    if !state.dir.as_os_str().is_empty() && state.dir.exists() {
        let mounts = mounts_below(&state.dir);
        if !mounts.is_empty() {
            problems.push(format!(
                "{} keeps mounts, so it stays: {:?}",
                state.dir.display(),
                mounts
            ));
        } else if problems.is_empty() {
            if let Err(e) = fs::remove_dir_all(&state.dir) {
                problems.push(format!("{}: {e}", state.dir.display()));
            }
        } else {
            // Kept with its state file, so that `realnode down` can finish the job.
            let _ = remove_all_but_state(&state.dir);
        }
    }
    problems
}

fn remove_all_but_state(dir: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)?.flatten() {
        if entry.file_name() == STATE_FILE {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(&path)?;
        } else {
            fs::remove_file(&path)?;
        }
    }
    Ok(())
}

fn has_subdirs(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_type().is_ok_and(|t| t.is_dir()))
    })
}

/// A cgroup stays busy a moment after its last task is reaped: EBUSY is retried for 5s.
fn remove_cgroup_dir(dir: &Path) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match fs::remove_dir(dir) {
            Ok(()) => return None,
            Err(e) if e.kind() == ErrorKind::NotFound => return None,
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Some(format!("{}: {e}", dir.display())),
        }
    }
}

/// The lock of the real node; its content names the state file of the node that holds it.
pub fn acquire_lock(patience: Duration) -> Result<SceneLock, RealNodeError> {
    SceneLock::acquire(Path::new(LOCK_FILE), patience).map_err(RealNodeError::from)
}

/// Cleans up after a node whose owner is gone, as recorded in the lock; a node whose owner
/// lives is another process's, and makes this one wait or give up.
pub fn clean_stale(proc: &ProcReader, lock: &mut SceneLock) -> Result<(), RealNodeError> {
    let Some(stale) = lock.recorded_state() else {
        return Ok(());
    };
    if stale.exists() {
        let state = RealNodeState::read(&stale)?;
        if let Some(owner) = state.owner {
            if owner.pid != std::process::id() && proc.is_alive(owner.pid, owner.start_ticks) {
                return Err(RealNodeError::Busy(format!(
                    "a real node is up at {} (owner pid {}); `realnode down --dir {}` removes it",
                    state.dir.display(),
                    owner.pid,
                    state.dir.display()
                )));
            }
        }
        let problems = clean(proc, &state, &BTreeSet::from([std::process::id()]));
        if !problems.is_empty() {
            return Err(RealNodeError::Teardown(problems));
        }
    }
    record(lock, None)
}

pub fn record(lock: &mut SceneLock, state_file: Option<&Path>) -> Result<(), RealNodeError> {
    lock.record_state(state_file).map_err(RealNodeError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walk_lists_parents_before_children() {
        let dir = std::env::temp_dir().join(format!("realnode-walk-{}", std::process::id()));
        fs::create_dir_all(dir.join("a/b/c")).unwrap();
        fs::create_dir_all(dir.join("d")).unwrap();
        let dirs = walk_dirs(&dir);
        let position = |p: &str| dirs.iter().position(|d| d == &dir.join(p)).unwrap();
        assert_eq!(dirs[0], dir);
        assert!(position("a") < position("a/b"));
        assert!(position("a/b") < position("a/b/c"));
        assert_eq!(dirs.len(), 5);
        fs::remove_dir_all(&dir).unwrap();
        assert!(walk_dirs(&dir).is_empty());
    }

    #[test]
    fn mount_paths_are_unescaped() {
        assert_eq!(unescape_mount_path("/a\\040b"), "/a b");
    }
}
