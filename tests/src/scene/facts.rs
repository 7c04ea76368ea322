//! What a built scene holds, for tests to compare the collector's and analyzer's view against:
//! pids, ids, cgroup paths, limits and the namespace inodes read back from /proc.

use super::cgroups::{Hierarchy, SkippedHierarchy};
use super::procfs::Ns;
use super::spec::{AppKind, Qos};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessFacts {
    pub pid: u32,
    pub ppid: u32,
    pub comm: String,
    pub argv: Vec<String>,
    pub start_ticks: u64,
    /// The path the process sits at in every hierarchy the scene uses.
    pub cgroup: String,
    pub namespaces: BTreeMap<Ns, u64>,
}

/// Limits the scene wrote into a cgroup's v1 control files; `None` means left at the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub memory_limit_bytes: Option<u64>,
    pub cpu_quota_usec: Option<u64>,
    pub cpu_period_usec: Option<u64>,
    pub cpu_shares: Option<u64>,
    pub pids_max: Option<u64>,
}

const MIB: u64 = 1024 * 1024;

impl Limits {
    /// What the kubelet would set on a pod of this class (with requests and limits of a size
    /// that makes the numbers easy to spot).
    pub fn for_pod(qos: Qos) -> Limits {
        match qos {
            Qos::Guaranteed => Limits {
                memory_limit_bytes: Some(256 * MIB),
                cpu_quota_usec: Some(50_000),
                cpu_period_usec: Some(100_000),
                cpu_shares: Some(512),
                pids_max: Some(1024),
            },
            Qos::Burstable => Limits {
                cpu_shares: Some(256),
                pids_max: Some(1024),
                ..Limits::default()
            },
            Qos::BestEffort => Limits {
                cpu_shares: Some(2),
                pids_max: Some(1024),
                ..Limits::default()
            },
        }
    }

    pub fn for_container(qos: Qos) -> Limits {
        match qos {
            Qos::Guaranteed => Limits {
                memory_limit_bytes: Some(128 * MIB),
                cpu_quota_usec: Some(25_000),
                cpu_period_usec: Some(100_000),
                cpu_shares: Some(256),
                ..Limits::default()
            },
            Qos::Burstable => Limits {
                memory_limit_bytes: Some(192 * MIB),
                cpu_shares: Some(128),
                ..Limits::default()
            },
            Qos::BestEffort => Limits {
                cpu_shares: Some(2),
                ..Limits::default()
            },
        }
    }

    /// The pause container asks for nothing.
    pub fn for_sandbox() -> Limits {
        Limits {
            cpu_shares: Some(2),
            ..Limits::default()
        }
    }

    /// The v1 control files and values, by the controller that owns them.
    pub fn files(&self) -> Vec<(&'static str, &'static str, u64)> {
        let mut files = Vec::new();
        if let Some(v) = self.memory_limit_bytes {
            files.push(("memory", "memory.limit_in_bytes", v));
        }
        if let Some(v) = self.cpu_period_usec {
            files.push(("cpu", "cpu.cfs_period_us", v));
        }
        if let Some(v) = self.cpu_quota_usec {
            files.push(("cpu", "cpu.cfs_quota_us", v));
        }
        if let Some(v) = self.cpu_shares {
            files.push(("cpu", "cpu.shares", v));
        }
        if let Some(v) = self.pids_max {
            files.push(("pids", "pids.max", v));
        }
        files
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerFacts {
    pub id: String,
    pub name: String,
    pub image: String,
    pub app: AppKind,
    pub cgroup: String,
    pub limits: Limits,
    /// The main process first, then its workers. A stray worker is listed here too, with the
    /// cgroup it moved to.
    pub processes: Vec<ProcessFacts>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodFacts {
    pub uid: String,
    pub name: String,
    pub namespace: String,
    pub qos: Qos,
    pub host_network: bool,
    pub share_pid: bool,
    /// Such as `/kubepods/burstable/pod<uid>`.
    pub cgroup: String,
    pub limits: Limits,
    pub shim: ProcessFacts,
    pub sandbox_id: String,
    pub sandbox_cgroup: String,
    pub sandbox: ProcessFacts,
    pub containers: Vec<ContainerFacts>,
}

/// A process that left its container's cgroup but kept the container's namespaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrayFacts {
    pub pid: u32,
    pub pod_uid: String,
    pub container_id: String,
    pub left_cgroup: String,
    pub now_in: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SceneFacts {
    pub containerd: ProcessFacts,
    /// The builder's own namespaces, which containerd and the shims share: the host's.
    pub host_namespaces: BTreeMap<Ns, u64>,
    pub runtime_cgroup: String,
    pub pods: Vec<PodFacts>,
    pub strays: Vec<StrayFacts>,
    pub hierarchies: Vec<Hierarchy>,
    pub skipped_hierarchies: Vec<SkippedHierarchy>,
    /// Where the renamed copies of scene-proc live.
    pub bin_dir: PathBuf,
}

impl SceneFacts {
    /// Every process of the scene: containerd, shims, sandboxes, app processes.
    pub fn processes(&self) -> Vec<&ProcessFacts> {
        let mut all = vec![&self.containerd];
        for pod in &self.pods {
            all.push(&pod.shim);
            all.push(&pod.sandbox);
            all.extend(pod.containers.iter().flat_map(|c| &c.processes));
        }
        all
    }
}
