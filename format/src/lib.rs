//! The snapshot format (format_version 3): where each file sits in the tarball and what the
//! manifest and the sanitized runtime metadata hold. docs/FORMAT.md is the prose version.
//!
//! This crate does no IO: the collector serializes these types, the analyzer deserializes them.

pub mod bundle;

pub use bundle::BUNDLE_FILE;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The format this build writes. Readers refuse a manifest with a larger number.
///
/// Version 2 stores the files of each process directory and each cgroup directory in one
/// bundle file ([`BUNDLE_FILE`]); version 1 stored every file as its own tar entry, with a
/// directory entry per cgroup. Version 3 adds later samples of the fast-changing files under
/// [`SAMPLES_DIR`] and their times in the manifest's `sampling`. Readers of version 3 read all
/// three.
pub const FORMAT_VERSION: u32 = 3;

/// The oldest format this build still reads.
pub const OLDEST_READABLE_FORMAT_VERSION: u32 = 1;

/// Longest name of an entry in the snapshot's tar stream, top directory included (PATH_MAX on
/// Linux): the one limit both sides keep. The collector writes nothing longer (a cgroup
/// directory that deep is a gap and not walked) and a reader may refuse anything longer.
pub const MAX_ENTRY_NAME_BYTES: usize = 4096;

/// Longest part of the top directory's name taken from the hostname (HOST_NAME_MAX), so that
/// the top directory stays short whatever `proc/sys/kernel/hostname` holds.
pub const MAX_TOP_HOSTNAME_BYTES: usize = 64;

/// The length of the entry name of a bundle: `<top>/root/<dir>/nodesnap-files.txt`, with `dir`
/// relative to the node's root.
pub fn bundle_entry_name_len(top: &str, dir: &str) -> usize {
    top.len() + 1 + ROOT_DIR.len() + 1 + dir.len() + 1 + BUNDLE_FILE.len()
}

/// A name from the node as a gap's path shows it when it is not UTF-8: the valid parts as they
/// are, each byte that is not UTF-8 as `\xNN` (snapshot names and gap paths are UTF-8).
pub fn escape_non_utf8(name: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(name.len() + 8);
    for chunk in name.utf8_chunks() {
        out.push_str(chunk.valid());
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out
}

/// Path of the manifest inside the snapshot's top directory.
pub const MANIFEST_PATH: &str = "manifest.yaml";

/// Directory inside the snapshot's top directory under which files copied from the node keep
/// their path relative to the node's root: `root/proc/1/stat`, `root/sys/fs/cgroup/...`.
pub const ROOT_DIR: &str = "root";

/// Path of the sanitized runtime metadata inside the snapshot's top directory.
pub const METADATA_PATH: &str = "meta/runtime.json";

/// Directory inside the snapshot's top directory holding the samples after the first
/// (`collector --samples N`): `samples/<k>/proc/<pid>/nodesnap-files.txt`,
/// `samples/<k>/sys/fs/cgroup/.../nodesnap-files.txt`, `samples/<k>/proc/stat`, with `k` from 1;
/// sample 0 is `root/` itself.
pub const SAMPLES_DIR: &str = "samples";

/// The process files read again in every later sample: what changes from second to second
/// (state, cpu times, threads, memory).
pub const SAMPLED_PROCESS_FILES: &[&str] = &["stat", "status"];

/// The cgroup control files read again in every later sample, whichever exist: usage, event
/// counters and pressure. Limits and membership are read once.
pub const SAMPLED_CGROUP_FILES: &[&str] = &[
    "cgroup.events",
    "memory.current",
    "memory.events",
    "memory.events.local",
    "memory.usage_in_bytes",
    "memory.failcnt",
    "memory.oom_control",
    "memory.stat",
    "memory.pressure",
    "cpu.stat",
    "cpu.pressure",
    "cpuacct.usage",
    "io.pressure",
    "pids.current",
    "pids.events",
];

/// The node files read again in every later sample, whichever exist.
pub const SAMPLED_NODE_FILES: &[&str] = &[
    "proc/stat",
    "proc/loadavg",
    "proc/meminfo",
    "proc/pressure/cpu",
    "proc/pressure/memory",
    "proc/pressure/io",
];

/// The manifest's record of a collection with several samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sampling {
    /// Samples asked for (`--samples`).
    pub requested: u32,
    /// Time asked for between the starts of two samples (`--interval`), in milliseconds.
    pub interval_ms: u64,
    /// The samples taken, sample 0 (`root/`) first; fewer than `requested` when the run's
    /// deadline came first (a gap on `samples/<k>` says so).
    pub samples: Vec<SampleTimes>,
}

/// When one sample was read, in milliseconds from the run's start (the manifest's
/// `started_at` is the same moment cut to the second).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleTimes {
    pub started_ms: u64,
    pub finished_ms: u64,
    /// Process bundles of this sample (for sample 0, `counts.processes` is the exact count).
    #[serde(default)]
    pub processes: u64,
    /// Cgroup directory bundles of this sample.
    #[serde(default)]
    pub cgroups: u64,
}

/// The files copied for every process, bundled in `root/proc/<pid>/nodesnap-files.txt`.
pub const PROCESS_FILES: &[&str] = &["stat", "status", "cmdline", "cgroup", "oom_score_adj"];

/// The file read, into the process's bundle after `ns`, only for a process whose `stat` says it
/// is in uninterruptible sleep (state `D`): the kernel function it waits in. Other processes
/// have no such record (their wchan changes by the microsecond and says little).
pub const D_STATE_FILE: &str = "wchan";

/// The namespace links read for every process, whichever exist. They are not stored as tar
/// symlinks (which break on extraction and on Windows) but as one text file per process,
/// `ns` in the process's bundle, with one line per link: its name, a space, and its target
/// verbatim, such as `pid_for_children pid:[4026531836]`.
pub const NAMESPACE_LINKS: &[&str] = &[
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

/// Node-wide files copied when they exist, relative to the node's root.
pub const NODE_FILES: &[&str] = &[
    "proc/version",
    "proc/uptime",
    "proc/stat",
    "proc/loadavg",
    "proc/meminfo",
    "proc/cgroups",
    "proc/1/mountinfo",
    "proc/self/mountinfo",
    "proc/sys/kernel/hostname",
    "proc/sys/kernel/osrelease",
    "proc/sys/kernel/pid_max",
    "proc/sys/kernel/random/boot_id",
    "etc/os-release",
];

/// Node-wide files copied when the kernel has them, relative to the node's root. A file of
/// this list that does not exist is no gap: the kernel was built or booted without the feature
/// (pressure stall information, `psi=0`) or the module is not loaded (`nf_conntrack`). Any other
/// failure to read one is a gap. Snapshots of older collectors lack them all, also without a
/// gap: to a reader every one is optional, and a missing one is unknown.
pub const OPTIONAL_NODE_FILES: &[&str] = &[
    "proc/pressure/cpu",
    "proc/pressure/memory",
    "proc/pressure/io",
    "proc/sys/net/netfilter/nf_conntrack_count",
    "proc/sys/net/netfilter/nf_conntrack_max",
    "proc/sys/fs/inotify/max_user_watches",
    "proc/sys/fs/inotify/max_user_instances",
    "proc/sys/kernel/threads-max",
    "proc/sys/fs/file-nr",
    "proc/sys/fs/file-max",
];

/// Identity files reduced to names and ids before they leave the node (see `docs/FORMAT.md`).
pub const IDENTITY_FILES: &[&str] = &["etc/passwd", "etc/group"];

/// The cgroup control files copied from each cgroup directory, whichever exist, into the
/// directory's bundle. Everything else in a cgroup directory is left on the node so that the
/// tarball stays small.
pub const CGROUP_FILES: &[&str] = &[
    "cgroup.procs",
    "cgroup.controllers",
    "cgroup.subtree_control",
    "cgroup.type",
    "cgroup.events",
    "cgroup.freeze",
    "cgroup.stat",
    "cpu.pressure",
    "memory.pressure",
    "io.pressure",
    "memory.max",
    "memory.high",
    "memory.low",
    "memory.min",
    "memory.current",
    "memory.peak",
    "memory.events",
    "memory.events.local",
    "memory.stat",
    "memory.swap.max",
    "memory.limit_in_bytes",
    "memory.usage_in_bytes",
    "memory.max_usage_in_bytes",
    "memory.failcnt",
    "memory.oom_control",
    "cpu.max",
    "cpu.weight",
    "cpu.shares",
    "cpu.cfs_quota_us",
    "cpu.cfs_period_us",
    "cpu.stat",
    "cpuacct.usage",
    "cpuset.cpus",
    "cpuset.cpus.effective",
    "cpuset.mems",
    "pids.max",
    "pids.current",
    "pids.events",
    "freezer.state",
];

/// The file, in the bundle of `root/proc/<pid>/`, that holds the namespace link targets.
pub const NAMESPACE_LINKS_FILE: &str = "ns";

/// The cgroup filesystem's mount point relative to the node's root.
pub const CGROUP_ROOT: &str = "sys/fs/cgroup";

/// The manifest: what was collected, how, and what could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    pub collector_version: String,
    /// From `proc/sys/kernel/hostname` under the root; `null` when unreadable.
    pub hostname: Option<String>,
    /// From `proc/sys/kernel/osrelease` under the root; `null` when unreadable.
    pub kernel: Option<String>,
    /// RFC 3339, UTC.
    pub started_at: String,
    /// RFC 3339, UTC.
    pub finished_at: String,
    pub duration_ms: u64,
    /// The collector's own pid as seen in the root's /proc, so the analyzer can leave it out.
    /// `null` when the root is not the live system's.
    pub collector_pid: Option<u32>,
    pub options: CollectOptions,
    pub counts: Counts,
    /// Absent for a collection of one sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling: Option<Sampling>,
    /// Every file or directory that could not be read in full.
    #[serde(default)]
    pub gaps: Vec<Gap>,
}

impl Manifest {
    /// The manifest of a snapshot nothing is known about: this format version, no hostname
    /// or kernel, no times, zero options and counts, no gaps. Fill in what is known with
    /// struct update syntax (`Manifest { hostname, ..Manifest::empty() }`).
    pub fn empty() -> Manifest {
        Manifest {
            format_version: FORMAT_VERSION,
            collector_version: String::new(),
            hostname: None,
            kernel: None,
            started_at: String::new(),
            finished_at: String::new(),
            duration_ms: 0,
            collector_pid: None,
            options: CollectOptions {
                root: String::new(),
                cmdline: CmdlinePolicy::Redacted,
                timeout_secs: 0,
                read_timeout_ms: 0,
                max_file_bytes: 0,
                max_total_bytes: 0,
            },
            counts: Counts::default(),
            sampling: None,
            gaps: Vec::new(),
        }
    }
}

/// The options the collector ran with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectOptions {
    /// The root directory read as `/`.
    pub root: String,
    pub cmdline: CmdlinePolicy,
    pub timeout_secs: u64,
    pub read_timeout_ms: u64,
    pub max_file_bytes: u64,
    pub max_total_bytes: u64,
}

/// What was done with process command lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CmdlinePolicy {
    /// Secret-looking values replaced by `***` (the default).
    Redacted,
    /// Kept verbatim (`--no-redact`).
    Verbatim,
    /// Not collected at all (`--no-cmdline`).
    Dropped,
}

impl CmdlinePolicy {
    /// The name in the manifest and the analyzer's model.
    pub fn as_str(self) -> &'static str {
        match self {
            CmdlinePolicy::Redacted => "redacted",
            CmdlinePolicy::Verbatim => "verbatim",
            CmdlinePolicy::Dropped => "dropped",
        }
    }
}

impl fmt::Display for CmdlinePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The marker that replaces a redacted value in a command line.
pub const REDACTED: &str = "***";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub processes: u64,
    pub cgroups: u64,
    pub files: u64,
    pub bytes: u64,
}

/// One thing the collector could not read in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// Relative to the node's root, such as `proc/4242/cmdline` or `sys/fs/cgroup/memory/x`.
    pub path: String,
    pub reason: GapReason,
    /// The OS error or other detail, for humans.
    #[serde(default)]
    pub detail: Option<String>,
}

/// Why a file is missing or incomplete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    /// The process exited while it was being read; its other files may be missing too, and
    /// the analyzer treats the process as partial.
    Vanished,
    PermissionDenied,
    /// The read did not finish within the per-read limit and was abandoned.
    TimedOut,
    /// The file was larger than the per-file cap; the first bytes were kept.
    Truncated,
    /// The total size cap was reached; the file was not read.
    TotalCapReached,
    /// The whole run's deadline passed before the file was read.
    DeadlineReached,
    /// Not a regular file or directory (a symlink is never followed).
    NotRegular,
    /// A file that should exist did not.
    NotFound,
    /// Any other IO error.
    Error,
    /// The analyzer's own gaps: an entry of the tarball it could not use.
    Unreadable,
    /// What the input does not record at all: the analyzer's gaps for an sosreport (no
    /// namespace inodes, no start times, ...), each detail saying what and why.
    NotCollected,
}

impl GapReason {
    pub fn as_str(self) -> &'static str {
        match self {
            GapReason::Vanished => "vanished",
            GapReason::PermissionDenied => "permission_denied",
            GapReason::TimedOut => "timed_out",
            GapReason::Truncated => "truncated",
            GapReason::TotalCapReached => "total_cap_reached",
            GapReason::DeadlineReached => "deadline_reached",
            GapReason::NotRegular => "not_regular",
            GapReason::NotFound => "not_found",
            GapReason::Error => "error",
            GapReason::Unreadable => "unreadable",
            GapReason::NotCollected => "not_collected",
        }
    }
}

impl fmt::Display for GapReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `meta/runtime.json`: names for ids, sanitized on the node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuntimeMetadata {
    /// Directory names under `var/log/pods`: `<namespace>_<pod>_<uid>`, each with the names of
    /// its container directories.
    #[serde(default)]
    pub pod_log_dirs: Vec<PodLogDir>,
    /// Links under `var/log/containers`: `<pod>_<namespace>_<container>-<id>.log` and where
    /// each points.
    #[serde(default)]
    pub container_log_links: Vec<ContainerLogLink>,
    /// One record per runtime config file found.
    #[serde(default)]
    pub containers: Vec<ContainerRecord>,
    /// One record per runtime daemon process the collector found (containerd, dockerd, crio,
    /// and the kubelet for its cgroup driver):
    /// where it keeps its state and listens, from its arguments and the few lines of its config
    /// file that say so. This is how a second daemon of one kind, or one in a non-default place,
    /// is found and told apart. Absent in snapshots of collectors before 0.2.
    #[serde(default)]
    pub daemons: Vec<DaemonRecord>,
}

/// Where one runtime daemon keeps its state and listens. Paths are the node's, absolute.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaemonRecord {
    pub pid: u32,
    /// `containerd`, `dockerd`, `crio` or `kubelet`: the program's base name.
    pub program: String,
    /// The config file the daemon reads (its argument, or the default that exists).
    #[serde(default)]
    pub config: Option<String>,
    /// The socket it serves its API on (containerd's `grpc.address`, dockerd's `-H unix://`,
    /// crio's `listen`).
    #[serde(default)]
    pub address: Option<String>,
    /// Its persistent directory (containerd `root`, dockerd `data-root`, crio storage `root`).
    #[serde(default)]
    pub root: Option<String>,
    /// Its run-time directory (containerd `state`, dockerd `exec-root`, crio `runroot`).
    #[serde(default)]
    pub state: Option<String>,
    /// For dockerd: the containerd socket it was told to use (`--containerd`); absent when it
    /// runs its own containerd as a child.
    #[serde(default)]
    pub containerd: Option<String>,
    /// The image a CRI runtime runs every pod's sandbox from (containerd's CRI
    /// `sandbox_image`, CRI-O's `pause_image`), where its config names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox_image: Option<String>,
    /// For the kubelet: its cgroup driver (`systemd`, `cgroupfs`) from `--cgroup-driver`, else
    /// from the `cgroupDriver` line of its `--config` file (the only line of that file that
    /// leaves the node). Absent when neither says (the kubelet's default is `cgroupfs`) and
    /// for other programs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cgroup_driver: Option<String>,
    /// Where `cgroup_driver` came from: `flag` or `config`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cgroup_driver_from: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodLogDir {
    pub name: String,
    #[serde(default)]
    pub containers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerLogLink {
    pub name: String,
    pub target: String,
}

/// Which runtime's config file a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordSource {
    /// `run/containerd/io.containerd.runtime.v2.task/<ns>/<id>/config.json` (an OCI bundle),
    /// also under k3s' and rke2's containerd state directories.
    ContainerdTask,
    /// `var/lib/docker/containers/<id>/config.v2.json`.
    Docker,
    /// `var/lib/containers/storage/overlay-containers/<id>/userdata/config.json` (CRI-O, podman).
    CrioUserdata,
    /// An entry of containers/storage's `<driver>-containers/containers.json` (CRI-O, podman):
    /// the container's names, image name and, for CRI-O, its pod.
    ContainerStorage,
}

/// The kept fields of one container's runtime config. Never environment variables, mounts or
/// the raw file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerRecord {
    pub source: RecordSource,
    /// Relative to the node's root.
    pub path: String,
    pub id: String,
    /// containerd's namespace (`k8s.io`, `moby`) for task bundles.
    #[serde(default)]
    pub runtime_namespace: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub image: Option<String>,
    /// Docker's `State.Pid` where the config holds it.
    #[serde(default)]
    pub pid: Option<u32>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Only `io.kubernetes.*` and `io.kubernetes.cri.*`-style keys survive sanitizing.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// The namespaces the config asks for: type and, where it joins an existing one, the path.
    #[serde(default)]
    pub namespaces: Vec<RequestedNamespace>,
    #[serde(default)]
    pub cgroups_path: Option<String>,
    /// The pod, as containers/storage's metadata of a CRI-O container names it (`pod-name`,
    /// `namespace`, `uid`, `pod-id` for the sandbox, `pod` for the infra container itself).
    /// Runtime configs say the same through labels and annotations instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<PodRef>,
    /// The hostname the config gives the container. podman names a pod's infra container's
    /// host after the pod, which is where the pod's name is found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
}

/// The pod a container record names outside labels and annotations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodRef {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub uid: Option<String>,
    /// The pod's sandbox (infra container) id.
    #[serde(default)]
    pub sandbox_id: Option<String>,
    /// This record is the sandbox itself.
    #[serde(default)]
    pub is_sandbox: bool,
}

impl ContainerRecord {
    /// A record with only what every source gives: where it came from and the id.
    pub fn new(source: RecordSource, path: impl Into<String>, id: impl Into<String>) -> Self {
        ContainerRecord {
            source,
            path: path.into(),
            id: id.into(),
            runtime_namespace: None,
            name: None,
            image: None,
            pid: None,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            namespaces: Vec::new(),
            cgroups_path: None,
            pod: None,
            hostname: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestedNamespace {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub path: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_not_utf8_show_their_bad_bytes_as_hex() {
        assert_eq!(escape_non_utf8(b"kubepods"), "kubepods");
        assert_eq!(escape_non_utf8(b"bad\xffname"), "bad\\xffname");
        assert_eq!(escape_non_utf8(b"\xc3\x28 \xe8\xbf\x9b"), "\\xc3( 进");
    }

    #[test]
    fn a_bundle_name_counts_top_root_dir_and_file() {
        let top = "nodesnap-n-20260101T000000Z";
        let dir = "sys/fs/cgroup/memory";
        let name = format!("{top}/{ROOT_DIR}/{dir}/{BUNDLE_FILE}");
        assert_eq!(bundle_entry_name_len(top, dir), name.len());
    }

    #[test]
    fn an_empty_manifest_claims_this_format_and_knows_nothing_else() {
        let empty = Manifest::empty();
        assert_eq!(empty.format_version, FORMAT_VERSION);
        assert_eq!((empty.hostname, empty.kernel), (None, None));
        assert_eq!(empty.options.cmdline, CmdlinePolicy::Redacted);
        assert_eq!(empty.counts, Counts::default());
        assert!(empty.gaps.is_empty() && empty.collector_version.is_empty());
    }
}
