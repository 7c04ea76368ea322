//! The real node's ground truth: what each runtime says through its own API (CRI status calls,
//! `docker inspect`, `podman inspect`), completed from /proc (the processes in each container's
//! cgroup, the parent of its init, namespace inodes). The model is compared against this.

use super::RealNodeError;
use crate::scene::procfs::ProcReader;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::time::{Duration, Instant};

/// The namespace types whose sharing the model reports per pod, with the /proc/<pid>/ns link.
pub const SHARING_TYPES: [&str; 10] = [
    "cgroup",
    "ipc",
    "mnt",
    "net",
    "pid",
    "pid_for_children",
    "time",
    "time_for_children",
    "user",
    "uts",
];

/// The comm of containerd-shim-runc-v2: the kernel keeps 15 characters of a name.
pub const RUNC_SHIM_COMM: &str = "containerd-shim";

/// A runtime instance: a daemon (or daemonless podman) and how it is told apart from others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeTruth {
    /// How the tests name it: `cri-containerd`, `docker-containerd`, `dockerd`, `podman`.
    pub label: String,
    /// The model's runtime kind: containerd, docker, podman.
    pub kind: String,
    pub pid: Option<u32>,
    pub comm: Option<String>,
    /// Its API socket, or podman's storage root.
    pub address: String,
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodTruth {
    /// The Kubernetes pod uid, or podman's pod id.
    pub uid: String,
    pub name: String,
    /// Kubernetes namespace; none for a podman pod.
    pub namespace: Option<String>,
    pub qos: Option<String>,
    pub sandbox_id: String,
    pub sandbox_pid: u32,
    pub cgroup: Option<String>,
    /// The pod's containers other than the sandbox.
    pub container_ids: BTreeSet<String>,
    /// The label of the [`RuntimeTruth`] that runs it.
    pub runtime: String,
    /// Per namespace type: `pod` (the app containers' namespace is the sandbox's), `host`, or
    /// `private`; `mixed` when the app containers differ.
    pub sharing: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerTruth {
    pub id: String,
    pub name: String,
    pub image: Option<String>,
    /// The label of the [`RuntimeTruth`] that runs it.
    pub runtime: String,
    pub pod_uid: Option<String>,
    pub sandbox: bool,
    pub init_pid: u32,
    /// Every process in the container's cgroup.
    pub pids: BTreeSet<u32>,
    /// The init's parent: the containerd shim or conmon.
    pub shim_pid: u32,
    pub shim_comm: String,
    /// The container's cgroup path as its init's /proc/<pid>/cgroup says.
    pub cgroup: String,
    /// The init's namespace inodes by type (as in [`SHARING_TYPES`]).
    pub namespaces: BTreeMap<String, u64>,
}

/// Who holds a namespace: a pod, a container, or the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderTruth {
    pub ns_type: String,
    pub inode: u64,
    /// `host`, `pod` or `container`.
    pub kind: String,
    pub id: Option<String>,
    /// Why this is the holder, for the mismatch list.
    pub because: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    /// The namespaces of the harness's own process: the host's.
    pub host_namespaces: BTreeMap<String, u64>,
    pub runtimes: Vec<RuntimeTruth>,
    pub pods: Vec<PodTruth>,
    pub containers: Vec<ContainerTruth>,
    pub holders: Vec<HolderTruth>,
    /// The runtimes' shims and conmons (pid, comm), whose role the model must say.
    pub shims: BTreeMap<u32, String>,
    /// cgroup paths that hold only the node's containers (`/docker`, each pod's cgroup): a
    /// container or pod the model finds there must be one of the truth's.
    pub cgroup_roots: Vec<String>,
}

impl Truth {
    pub fn runtime(&self, label: &str) -> Option<&RuntimeTruth> {
        self.runtimes.iter().find(|r| r.label == label)
    }

    pub fn container(&self, id: &str) -> Option<&ContainerTruth> {
        self.containers.iter().find(|c| c.id == id)
    }
}

/// What a runtime's API says about one container, before /proc completes it.
#[derive(Debug, Clone)]
pub struct ApiContainer {
    pub id: String,
    pub name: String,
    pub image: Option<String>,
    pub runtime: String,
    pub pod_uid: Option<String>,
    pub sandbox: bool,
    pub init_pid: u32,
    /// The shim's comm the runtime must have used (a harness check, not a model check).
    pub expected_shim: &'static str,
}

/// Namespace inodes of a process by type name, including the `*_for_children` links.
pub fn namespaces_of(proc: &ProcReader, pid: u32) -> Result<BTreeMap<String, u64>, RealNodeError> {
    let mut inodes = BTreeMap::new();
    for kind in SHARING_TYPES {
        let path = proc.path(pid, &format!("ns/{kind}"));
        let target = match fs::read_link(&path) {
            Ok(target) => target,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && kind.starts_with("time") => {
                continue
            }
            Err(e) => return Err(RealNodeError::io(&path, e)),
        };
        let target = target.to_string_lossy();
        let (_, inode) = crate::scene::procfs::parse_ns_link(&target)
            .ok_or_else(|| RealNodeError::Parse(format!("{}: {target}", path.display())))?;
        inodes.insert(kind.to_string(), inode);
    }
    Ok(inodes)
}

/// The hierarchy line whose path names the container's cgroup: `pids` on v1, else the v2
/// line (runc writes a process into the same path in every hierarchy under cgroupfs).
pub fn cgroup_of(proc: &ProcReader, pid: u32) -> Result<String, RealNodeError> {
    let lines = proc.cgroups(pid)?;
    lines
        .iter()
        .find(|l| l.controllers.split(',').any(|c| c == "pids"))
        .or_else(|| lines.iter().find(|l| l.controllers.is_empty()))
        .map(|l| l.path.clone())
        .ok_or_else(|| RealNodeError::Parse(format!("/proc/{pid}/cgroup: no pids or v2 line")))
}

/// Every process whose cgroup (as [`cgroup_of`] picks it) is `cgroup` or below it.
pub fn pids_in_cgroup(proc: &ProcReader, cgroup: &str) -> BTreeSet<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return BTreeSet::new();
    };
    let below = format!("{cgroup}/");
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            cgroup_of(proc, pid).is_ok_and(|path| path == cgroup || path.starts_with(&below))
        })
        .collect()
}

/// Completes what the API said with /proc, checking that the harness got what it asked for.
/// A container's init may not have started its children yet when its runtime says it runs:
/// its cgroup is read until it holds the `expected` processes (10s at most).
pub fn complete(
    proc: &ProcReader,
    api: ApiContainer,
    expected: usize,
) -> Result<ContainerTruth, RealNodeError> {
    let init = proc.stat(api.init_pid)?;
    let shim = proc.stat(init.ppid)?;
    if shim.comm != api.expected_shim {
        return Err(RealNodeError::Harness(format!(
            "container {} ({}): init {} has parent {} `{}`, expected a `{}`",
            api.name, api.id, api.init_pid, init.ppid, shim.comm, api.expected_shim
        )));
    }
    let cgroup = cgroup_of(proc, api.init_pid)?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut pids = pids_in_cgroup(proc, &cgroup);
    while pids.len() < expected && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        pids = pids_in_cgroup(proc, &cgroup);
    }
    if pids.len() != expected {
        return Err(RealNodeError::Harness(format!(
            "container {} ({}): {} processes in {cgroup}, {expected} planned: {pids:?}",
            api.name,
            api.id,
            pids.len()
        )));
    }
    if !pids.contains(&api.init_pid) {
        return Err(RealNodeError::Harness(format!(
            "container {}: init {} left its cgroup {cgroup}",
            api.name, api.init_pid
        )));
    }
    Ok(ContainerTruth {
        id: api.id,
        name: api.name,
        image: api.image,
        runtime: api.runtime,
        pod_uid: api.pod_uid,
        sandbox: api.sandbox,
        init_pid: api.init_pid,
        pids,
        shim_pid: init.ppid,
        shim_comm: shim.comm,
        cgroup,
        namespaces: namespaces_of(proc, api.init_pid)?,
    })
}

/// Per namespace type, how the pod's app containers relate to its sandbox and to the host.
pub fn sharing(
    host: &BTreeMap<String, u64>,
    sandbox: &BTreeMap<String, u64>,
    apps: &[&BTreeMap<String, u64>],
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for kind in SHARING_TYPES {
        let verdicts: BTreeSet<&str> = apps
            .iter()
            .filter_map(|app| {
                let inode = app.get(kind)?;
                Some(if host.get(kind) == Some(inode) {
                    "host"
                } else if sandbox.get(kind) == Some(inode) {
                    "pod"
                } else {
                    "private"
                })
            })
            .collect();
        let verdict = match verdicts.len() {
            0 => continue,
            1 => verdicts.into_iter().next().unwrap_or_default(),
            _ => "mixed",
        };
        out.insert(kind.to_string(), verdict.to_string());
    }
    out
}

/// The harness's own namespaces stand for the host's (pid 1's links may be unreadable).
pub fn host_namespaces(proc: &ProcReader) -> Result<BTreeMap<String, u64>, RealNodeError> {
    namespaces_of(proc, std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inodes(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn sharing_is_host_before_pod_before_private_and_mixed_when_apps_differ() {
        let host = inodes(&[("net", 1), ("pid", 2), ("ipc", 3), ("user", 4)]);
        let sandbox = inodes(&[("net", 10), ("pid", 20), ("ipc", 30), ("user", 4)]);
        let a = inodes(&[("net", 10), ("pid", 21), ("ipc", 30), ("user", 4)]);
        let b = inodes(&[("net", 10), ("pid", 20), ("ipc", 30), ("user", 4)]);
        let verdict = sharing(&host, &sandbox, &[&a, &b]);
        assert_eq!(verdict["net"], "pod");
        assert_eq!(verdict["ipc"], "pod");
        assert_eq!(verdict["user"], "host");
        assert_eq!(verdict["pid"], "mixed");
        let verdict = sharing(&host, &sandbox, &[&a]);
        assert_eq!(verdict["pid"], "private");
        assert!(!verdict.contains_key("uts"));
    }
}
