//! The model's types: what the analyzer knows about a node once a snapshot is rebuilt.
//!
//! Serialized as-is by `analyzer model --format json|yaml` (documented in docs/MODEL.md), so the
//! field names here are a public interface: add fields freely, rename none. Absent values are
//! `null`, never missing.

use super::cgroup_path::CgroupPath;
use super::ids::{ContainerId, Inode, NsType, Pid, PodUid, PodmanPodId, QosClass, RuntimeId};
pub use crate::values::cgroup::{CgroupMode, EventsCounted, Limit, Limits, SubtreeEvents, Usage};
pub use crate::values::signals::{
    Headroom, HeadroomLimit, MemoryBreakdown, MemoryEvents, Pressure, PressureLine,
    ResourcePressure,
};
use nodesnap_format::{CmdlinePolicy, Counts, Gap};
use serde::Serialize;
use std::collections::BTreeMap;

/// Bumped when a field changes meaning or is removed.
///
/// 2: runtimes are daemon instances (`node.runtimes[].id`, `containers[].runtime_instance`,
/// `pods[].runtime_instance`); k3s' and rke2's containerd is `containerd` with a
/// `distribution`, no longer a runtime kind of its own.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize)]
pub struct Model {
    pub schema_version: u32,
    pub node: Node,
    pub collection: Collection,
    pub pods: Vec<Pod>,
    /// Containers in and out of pods; `pod_uid` is null for standalone ones.
    pub containers: Vec<Container>,
    /// Sorted by pid.
    pub processes: Vec<Process>,
    pub namespaces: Vec<Namespace>,
    /// The merged cgroup tree, parents before children, sorted by path.
    pub cgroups: Vec<Cgroup>,
    /// Sorted by severity (critical first), then rule, then subject.
    pub findings: Vec<Finding>,
    /// The collector's gaps plus the analyzer's own (entries it could not use).
    pub gaps: Vec<Gap>,
    /// Rates and what held in every sample, for a snapshot of several samples; null for one.
    pub window: Option<super::Window>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    pub hostname: Option<String>,
    pub kernel: Option<String>,
    /// `PRETTY_NAME` from etc/os-release.
    pub os: Option<String>,
    /// RFC 3339, UTC, from proc/stat btime.
    pub boot_time: Option<String>,
    /// From `proc/sys/kernel/random/boot_id`: a new value at every boot.
    pub boot_id: Option<String>,
    pub uptime_secs: Option<u64>,
    pub cgroup_mode: CgroupMode,
    pub cgroup_driver: CgroupDriver,
    pub runtimes: Vec<RuntimeInfo>,
    pub kubelet_pid: Option<Pid>,
    pub memory_total_bytes: Option<u64>,
    /// `MemAvailable` from `proc/meminfo`: what the kernel estimates it can give without
    /// swapping, at the moment of the snapshot.
    pub memory_available_bytes: Option<u64>,
    pub cpus: Option<u32>,
    pub pid_max: Option<u64>,
    /// The 1, 5 and 15 minute load averages.
    pub loadavg: Option<[f64; 3]>,
    /// The node's pressure stall information (/proc/pressure/*); each resource null where
    /// its file was not collected.
    pub pressure: Pressure,
    /// The kernel-wide limits a busy node runs into, each with what is used of it.
    pub headroom: Headroom,
    /// The cgroup driver the kubelet is configured with; null where no kubelet was found or
    /// the snapshot does not say.
    pub kubelet_cgroup_driver: Option<KubeletCgroupDriver>,
}

/// The kubelet's cgroup driver and where the snapshot says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KubeletCgroupDriver {
    /// `unknown` for a value the analyzer does not know.
    pub driver: CgroupDriver,
    pub source: DriverSource,
}

/// Where the kubelet's cgroup driver comes from, in the kubelet's own order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DriverSource {
    /// `--cgroup-driver` on its command line.
    Flag,
    /// The `cgroupDriver` line of its `--config` file.
    Config,
    /// Neither says: the kubelet's built-in default, `cgroupfs`.
    Default,
}

impl DriverSource {
    /// The name in the JSON model and the views.
    pub fn as_str(self) -> &'static str {
        match self {
            DriverSource::Flag => "flag",
            DriverSource::Config => "config",
            DriverSource::Default => "default",
        }
    }
}

impl std::fmt::Display for DriverSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CgroupDriver {
    Cgroupfs,
    Systemd,
    Unknown,
}

impl CgroupDriver {
    /// The name in the JSON model and the views.
    pub fn as_str(self) -> &'static str {
        match self {
            CgroupDriver::Cgroupfs => "cgroupfs",
            CgroupDriver::Systemd => "systemd",
            CgroupDriver::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for CgroupDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuntimeKind {
    Docker,
    Containerd,
    CriO,
    Podman,
}

impl RuntimeKind {
    /// The name used in ids, views and the JSON model.
    pub fn name(self) -> &'static str {
        match self {
            RuntimeKind::Docker => "docker",
            RuntimeKind::Containerd => "containerd",
            RuntimeKind::CriO => "cri-o",
            RuntimeKind::Podman => "podman",
        }
    }
}

impl std::fmt::Display for RuntimeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

/// One runtime daemon instance (or, for daemonless podman, one storage root in use).
#[derive(Debug, Clone, Serialize)]
pub struct RuntimeInfo {
    /// Stable across restarts: the kind and the socket (see `RuntimeId`).
    pub id: RuntimeId,
    pub kind: RuntimeKind,
    /// The daemon's pid; null for daemonless podman.
    pub pid: Option<Pid>,
    pub comm: Option<String>,
    /// The product this instance ships in, where it is not the runtime's own: `k3s` and
    /// `rke2` embed containerd; `docker` for the containerd dockerd starts as its child.
    pub distribution: Option<String>,
    /// The socket it serves its API on.
    pub address: Option<String>,
    /// Its persistent directory (containerd root, dockerd data-root, storage root).
    pub root: Option<String>,
    /// Its run-time directory (containerd state, dockerd exec-root, storage runroot).
    pub state: Option<String>,
    /// The instance that started this one as its child (dockerd for its own containerd).
    pub managed_by: Option<RuntimeId>,
    /// For dockerd: the containerd instance that runs its containers.
    pub uses: Option<RuntimeId>,
    /// For CRI runtimes: the image every pod sandbox runs, from the runtime's config.
    pub sandbox_image: Option<String>,
    /// The shims (containerd-shim*, conmon) that belong to this instance, by pid.
    pub shim_pids: Vec<Pid>,
}

impl RuntimeInfo {
    /// A daemon instance known by its kind, pid, comm and socket only.
    pub fn daemon(kind: RuntimeKind, pid: u32, comm: &str, address: &str) -> RuntimeInfo {
        RuntimeInfo {
            id: RuntimeId::new(kind.name(), address),
            kind,
            pid: Some(Pid(pid)),
            comm: Some(comm.to_string()),
            distribution: None,
            address: Some(address.to_string()),
            root: None,
            state: None,
            managed_by: None,
            uses: None,
            sandbox_image: None,
            shim_pids: Vec::new(),
        }
    }
}

/// What wrote the input the model was built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CollectionSource {
    /// nodesnap's collector.
    Nodesnap,
    /// sos (`sos report`): an sosreport read in a snapshot's place; what it cannot show is
    /// in the gaps with reason `not_collected`.
    Sosreport,
}

impl CollectionSource {
    /// The name in the JSON model and the views.
    pub fn as_str(self) -> &'static str {
        match self {
            CollectionSource::Nodesnap => "nodesnap",
            CollectionSource::Sosreport => "sosreport",
        }
    }
}

impl std::fmt::Display for CollectionSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Collection {
    /// What wrote the input: `nodesnap`, or `sosreport` (then `collector_version` is sos's,
    /// such as `sos 4.12.0`, and `format_version` is 0).
    pub source: CollectionSource,
    pub collector_version: String,
    pub format_version: u32,
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: u64,
    pub cmdline: CmdlinePolicy,
    pub counts: Counts,
    pub collector_pid: Option<Pid>,
}

/// Who made a pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PodKind {
    /// A Kubernetes pod, under the kubelet's cgroup root.
    Kubernetes,
    /// A podman pod (`podman pod create`), whose uid is podman's 64-hex-digit pod id.
    Podman,
}

impl PodKind {
    /// The name in the JSON model and the views.
    pub fn as_str(self) -> &'static str {
        match self {
            PodKind::Kubernetes => "kubernetes",
            PodKind::Podman => "podman",
        }
    }
}

impl std::fmt::Display for PodKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Pod {
    /// The Kubernetes uid, or for a podman pod podman's pod id.
    pub uid: PodUid,
    pub kind: PodKind,
    /// From the cgroup path; null when the path does not say (systemd driver guaranteed pods do
    /// say: they sit directly under kubepods).
    pub qos: Option<QosClass>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub sandbox_id: Option<ContainerId>,
    pub sandbox_pid: Option<Pid>,
    pub container_ids: Vec<ContainerId>,
    /// The runtime instance that runs the pod (its sandbox's, else its containers').
    pub runtime_instance: Option<RuntimeId>,
    /// The pod's cgroup path, such as `/kubepods/burstable/pod<uid>`.
    pub cgroup: Option<String>,
    /// For each namespace type: whether the pod's app containers share it with the sandbox,
    /// with the host, or each keep their own.
    pub namespace_sharing: BTreeMap<NsType, Sharing>,
    pub limits: Limits,
    pub usage: Usage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sharing {
    Pod,
    Host,
    Private,
}

impl Sharing {
    /// The name in the JSON model and the views.
    pub fn as_str(self) -> &'static str {
        match self {
            Sharing::Pod => "pod",
            Sharing::Host => "host",
            Sharing::Private => "private",
        }
    }
}

impl std::fmt::Display for Sharing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Container {
    /// The full id as the runtime writes it.
    pub id: ContainerId,
    pub runtime: Option<RuntimeKind>,
    /// The runtime instance that runs it (for a docker container: dockerd, not the
    /// containerd under it), where the node says which.
    pub runtime_instance: Option<RuntimeId>,
    pub pod_uid: Option<PodUid>,
    pub name: Option<String>,
    pub image: Option<String>,
    /// The pod's sandbox (pause or infra container).
    pub sandbox: bool,
    pub pids: Vec<Pid>,
    /// The container's first process: the member whose parent is not a member.
    pub init_pid: Option<Pid>,
    /// The shim or conmon that manages it.
    pub shim_pid: Option<Pid>,
    pub cgroup: Option<String>,
    /// The container that holds the runtime which runs this one, from the cgroup path's outer
    /// id: a kind node's container, the outer container of docker-in-docker, the Fargate task
    /// container of an EKS pod. Null when the runtime runs on the node itself.
    pub node_container_id: Option<ContainerId>,
    /// The podman pod the container belongs to (its infra container and app containers share
    /// the pod's cgroup); null outside podman pods. Kubernetes pods are `pod_uid`.
    pub podman_pod_id: Option<PodmanPodId>,
    pub limits: Limits,
    pub usage: Usage,
}

#[derive(Debug, Clone, Serialize)]
pub struct Process {
    pub pid: Pid,
    pub ppid: Pid,
    pub comm: String,
    /// Arguments joined by spaces; null when not collected or unreadable (kernel threads have
    /// an empty command line and show as `[comm]`, like ps).
    pub cmdline: Option<String>,
    /// The one-letter state from /proc/<pid>/stat (R, S, D, Z, T, t, X, I).
    pub state: char,
    pub uid: Option<u32>,
    pub user: Option<String>,
    pub threads: Option<u32>,
    /// Clock ticks after boot, as in /proc/<pid>/stat.
    pub start_ticks: Option<u64>,
    /// RFC 3339, UTC, where the boot time is known.
    pub start_time: Option<String>,
    /// Cpu time used since it started, user plus system, in clock ticks (USER_HZ, 100 a
    /// second on every common kernel); null without stat.
    pub cpu_ticks: Option<u64>,
    pub rss_bytes: Option<u64>,
    pub oom_score_adj: Option<i32>,
    /// For a process in D state: the kernel function it sleeps in (/proc/<pid>/wchan), such as
    /// `rpc_wait_bit_killable` (NFS) or `io_schedule`; null for other states, for snapshots
    /// without it, and where the kernel does not say (it writes `0`).
    pub wchan: Option<String>,
    /// The pid in each nested pid namespace, outermost first (`NSpid`); null on old kernels.
    pub nspid: Option<Vec<u32>>,
    pub kernel_thread: bool,
    pub role: ProcessRole,
    /// For a shim or conmon: the container its arguments name (containerd-shim's `-workdir`,
    /// containerd-shim-runc-v2's `-id`, which under Kubernetes is the pod's sandbox, conmon's
    /// `-c`), whether or not that container has processes; null for other processes.
    pub shim_for: Option<ContainerId>,
    /// One entry per line of /proc/<pid>/cgroup.
    pub cgroups: Vec<ProcessCgroup>,
    pub namespaces: BTreeMap<NsType, Inode>,
    pub container_id: Option<ContainerId>,
    pub pod_uid: Option<PodUid>,
    /// The process vanished while it was read, or some of its files are gaps.
    pub partial: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProcessRole {
    /// dockerd, containerd, crio, k3s or rke2 server/agent.
    RuntimeDaemon,
    /// containerd-shim, containerd-shim-runc-v2, conmon.
    Shim,
    Kubelet,
    /// The pod sandbox's process (pause).
    Sandbox,
    /// Any process inside a container.
    Container,
    KernelThread,
    Other,
}

impl ProcessRole {
    /// The name in the JSON model and the views.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessRole::RuntimeDaemon => "runtime-daemon",
            ProcessRole::Shim => "shim",
            ProcessRole::Kubelet => "kubelet",
            ProcessRole::Sandbox => "sandbox",
            ProcessRole::Container => "container",
            ProcessRole::KernelThread => "kernel-thread",
            ProcessRole::Other => "other",
        }
    }
}

impl std::fmt::Display for ProcessRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcessCgroup {
    pub hierarchy_id: u32,
    /// Comma-separated controllers as the kernel lists them; empty for the v2 hierarchy.
    pub controllers: String,
    pub path: String,
}

impl From<crate::procfs::CgroupLine> for ProcessCgroup {
    fn from(line: crate::procfs::CgroupLine) -> Self {
        ProcessCgroup {
            hierarchy_id: line.hierarchy_id,
            controllers: line.controllers.join(","),
            path: line.path,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Namespace {
    #[serde(rename = "type")]
    pub kind: NsType,
    pub inode: Inode,
    pub pids: Vec<Pid>,
    pub holder: Holder,
}

/// Who a namespace belongs to. Serialized as `{"kind": ..., "id": ...}` with `id` null for the
/// host and other holders, so that the key is always there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    Host,
    Pod(PodUid),
    Container(ContainerId),
    /// Held by processes outside any container that are not the host's (a `unshare`).
    Other,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cgroup {
    /// Absolute within the hierarchy, `/` for the root; written as text. Stored as a tree of
    /// names, so a deep tree does not hold one full path per cgroup.
    pub path: CgroupPath,
    pub parent: Option<CgroupPath>,
    /// The hierarchies (v1 controller lists, `unified` for v2) in which this path exists.
    pub hierarchies: Vec<String>,
    /// Processes whose cgroup line puts them here, in the hierarchy that systemd-cgls shows
    /// (name=systemd on v1, the unified one on v2).
    pub pids: Vec<Pid>,
    pub pod_uid: Option<PodUid>,
    pub container_id: Option<ContainerId>,
    pub qos: Option<QosClass>,
    pub limits: Limits,
    pub usage: Usage,
    pub trouble: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl Severity {
    /// The name in the JSON model and the views.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable id, such as `pod-host-network`; docs/MODEL.md lists them all.
    pub rule: String,
    pub severity: Severity,
    pub subject: Subject,
    /// One line: what is wrong, with names and numbers.
    pub message: String,
    /// Why it matters and what to look at next, for an engineer new to the topic.
    pub explanation: String,
}

/// What a finding is about. Serialized as `{"kind": ..., "id": ...}` with `id` null for the node.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    Node,
    Pod(PodUid),
    Container(ContainerId),
    Process(Pid),
    Cgroup(CgroupPath),
}

/// Writes `{"kind": kind, "id": id}`; `id` is serialized as null when absent.
fn serialize_kind_and_id<S: serde::Serializer, T: Serialize>(
    s: S,
    kind: &str,
    id: Option<&T>,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut st = s.serialize_struct("Ref", 2)?;
    st.serialize_field("kind", kind)?;
    st.serialize_field("id", &id)?;
    st.end()
}

impl Serialize for Holder {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Holder::Host => serialize_kind_and_id::<S, ()>(s, "host", None),
            Holder::Pod(uid) => serialize_kind_and_id(s, "pod", Some(uid)),
            Holder::Container(id) => serialize_kind_and_id(s, "container", Some(id)),
            Holder::Other => serialize_kind_and_id::<S, ()>(s, "other", None),
        }
    }
}

impl Serialize for Subject {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Subject::Node => serialize_kind_and_id::<S, ()>(s, "node", None),
            Subject::Pod(uid) => serialize_kind_and_id(s, "pod", Some(uid)),
            Subject::Container(id) => serialize_kind_and_id(s, "container", Some(id)),
            Subject::Process(pid) => serialize_kind_and_id(s, "process", Some(pid)),
            Subject::Cgroup(path) => serialize_kind_and_id(s, "cgroup", Some(path)),
        }
    }
}

#[cfg(test)]
mod serialization_tests {
    use super::*;

    #[test]
    fn holder_and_subject_always_carry_an_id_key_null_when_absent() {
        let host = serde_json::to_value(Holder::Host).unwrap();
        assert_eq!(host, serde_json::json!({"kind": "host", "id": null}));
        let node = serde_json::to_value(Subject::Node).unwrap();
        assert_eq!(node, serde_json::json!({"kind": "node", "id": null}));
        let process = serde_json::to_value(Subject::Process(Pid(7))).unwrap();
        assert_eq!(process, serde_json::json!({"kind": "process", "id": 7}));
    }
}
