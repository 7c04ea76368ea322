//! The typed facts the model is joined from, one step after parsing: per process, per cgroup
//! and for the node. `gather` fills them from a snapshot; `build::assemble` joins them
//! without touching files, so the joins are tested with values built in the test.

use super::ids::{ContainerId, Inode, NsType, PodUid};
use super::types::{CgroupMode, Limits, ProcessCgroup, Sharing, Usage};
use crate::sosreport::runtimes::NsJoin;
use crate::values::{FileNr, Pressure};
use nodesnap_format::{DaemonRecord, Gap};
use std::collections::{BTreeMap, HashMap};

/// One process as its files describe it, before any join.
#[derive(Debug, Clone, Default)]
pub struct RawProcess {
    pub pid: u32,
    pub ppid: u32,
    pub comm: String,
    pub state: char,
    /// None where the command line was not collected or is unreadable.
    pub argv: Option<Vec<String>>,
    pub uid: Option<u32>,
    pub threads: Option<u32>,
    pub start_ticks: Option<u64>,
    /// utime plus stime from stat, in clock ticks.
    pub cpu_ticks: Option<u64>,
    pub rss_bytes: Option<u64>,
    pub oom_score_adj: Option<i32>,
    /// The D-state process's wait channel; None for `0` or no record.
    pub wchan: Option<String>,
    pub nspid: Option<Vec<u32>>,
    /// Lines whose paths are within the limits of `cgroup_path.rs`; `gather` leaves the others
    /// out with a gap on the process's cgroup file.
    pub cgroups: Vec<ProcessCgroup>,
    /// The path of the line in the hierarchy systemd-cgls shows (name=systemd on v1, the
    /// unified one on v2).
    pub display_cgroup: Option<String>,
    pub namespaces: BTreeMap<NsType, Inode>,
    pub partial: bool,
}

/// One cgroup path merged across hierarchies, with its control files read.
#[derive(Debug, Clone, Default)]
pub struct RawCgroup {
    /// Within the limits of `cgroup_path.rs` (deeper directories are gaps).
    pub path: String,
    pub hierarchies: Vec<String>,
    pub limits: Limits,
    pub usage: Usage,
}

/// Node-wide facts.
#[derive(Debug, Clone)]
pub struct RawNode {
    pub hostname: Option<String>,
    pub kernel: Option<String>,
    pub os: Option<String>,
    /// Seconds since the epoch, from proc/stat btime.
    pub boot_time_secs: Option<u64>,
    pub boot_id: Option<String>,
    pub uptime_secs: Option<u64>,
    pub cgroup_mode: CgroupMode,
    pub memory_total_bytes: Option<u64>,
    pub memory_available_bytes: Option<u64>,
    pub cpus: Option<u32>,
    pub pid_max: Option<u64>,
    pub loadavg: Option<[f64; 3]>,
    /// Names by uid, from etc/passwd.
    pub users: HashMap<u32, String>,
    /// /proc/pressure/*.
    pub pressure: Pressure,
    /// The one-number limit and usage files, each None where not collected or malformed.
    pub sysctls: Sysctls,
    /// The collector's kubelet records (`daemons` with program `kubelet`).
    pub kubelets: Vec<DaemonRecord>,
    /// Paths of the kubelet config files the collector could not read (gaps).
    pub unread_kubelet_configs: Vec<String>,
}

/// The node-wide limits and counters of /proc/sys.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sysctls {
    pub conntrack_count: Option<u64>,
    pub conntrack_max: Option<u64>,
    pub inotify_max_user_watches: Option<u64>,
    pub inotify_max_user_instances: Option<u64>,
    pub threads_max: Option<u64>,
    pub file_nr: Option<FileNr>,
    pub file_max: Option<u64>,
}

impl Default for RawNode {
    fn default() -> RawNode {
        RawNode {
            hostname: None,
            kernel: None,
            os: None,
            boot_time_secs: None,
            boot_id: None,
            uptime_secs: None,
            cgroup_mode: CgroupMode::Unknown,
            memory_total_bytes: None,
            memory_available_bytes: None,
            cpus: None,
            pid_max: None,
            loadavg: None,
            users: HashMap::new(),
            pressure: Pressure::default(),
            sysctls: Sysctls::default(),
            kubelets: Vec::new(),
            unread_kubelet_configs: Vec::new(),
        }
    }
}

/// What the runtimes' inspect outputs say about namespaces, for an input without inodes (an
/// sosreport); empty for a snapshot, whose inodes say it all.
#[derive(Debug, Clone, Default)]
pub struct DeclaredNamespaces {
    /// Per container, what it does with each type its runtime spoke of (docker and podman
    /// `HostConfig` modes, a CRI runtime spec's namespaces).
    pub containers: HashMap<ContainerId, BTreeMap<NsType, NsJoin>>,
    /// Per pod, what its sandbox's CRI namespace options say (`crictl inspectp`).
    pub pods: HashMap<PodUid, BTreeMap<NsType, Sharing>>,
}

/// Everything `assemble` needs.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub node: RawNode,
    pub processes: Vec<RawProcess>,
    pub cgroups: Vec<RawCgroup>,
    /// Files that exist but could not be parsed, reported with the collection's gaps.
    pub problems: Vec<Gap>,
    pub declared: DeclaredNamespaces,
}
