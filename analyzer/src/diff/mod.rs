//! Two models of one node compared: what changed between two snapshots (or, later, between two
//! samples of one snapshot). [`compare`] is pure and judges nothing: it lists what was added,
//! removed, restarted, moved or counted in between, and the counters' deltas and rates over the
//! interval; `findings::interval` (the one judge) then says which of those changes are trouble,
//! and `views::diff` and `report::diff` show the result.
//!
//! Identities, the way each runtime names things:
//! - a pod is its uid; a pod of the same namespace and name under a new uid was replaced;
//! - a container is its id; a container is *restarted* when its pod and name (CRI's pod uid and
//!   container name; the sandbox of a pod; docker's and podman's standalone names, per runtime
//!   instance) went to a new id, or, under the same id, its first process was started again
//!   (`docker restart`, podman's restart policy);
//! - a process is its pid and start time (pids are reused), and it *moved* when, under the same
//!   identity, its cgroup lines or namespace inodes differ;
//! - a cgroup is its path; a counter that went down was reset (the cgroup was made again).
//!
//! The JSON of a [`Diff`] is an interface for scripts (docs/MODEL.md, "The diff"): field names
//! are never renamed; nothing unchanged is listed, so a snapshot compared with itself gives an
//! empty diff.

mod cgroups;
mod containers;
mod findings;
mod node;
mod processes;
pub mod time;

use crate::model::{
    CgroupPath, ContainerId, Finding, Model, NsType, Pid, PodKind, PodUid, QosClass, RuntimeId,
    RuntimeKind, Severity, Subject,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// What changed from one model of a node to another.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub old: Side,
    pub new: Side,
    /// Seconds from the old collection's start to the new one's; null when either time is
    /// unknown. Negative when NEW was collected before OLD (a warning says so).
    pub interval_seconds: Option<f64>,
    /// What makes the comparison itself doubtful: other host, reboot, times.
    pub warnings: Vec<Warning>,
    pub node: NodeChanges,
    pub pods: PodChanges,
    pub containers: ContainerChanges,
    pub processes: ProcessChanges,
    /// Event and throttling counters that changed, per cgroup, sorted by cgroup then counter.
    pub counters: Vec<CounterChange>,
    /// Limits that changed, per cgroup in both snapshots.
    pub limits: Vec<LimitChange>,
    pub cgroups: CgroupChanges,
    pub findings: FindingChanges,
}

/// One of the two snapshots, as the diff names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub hostname: Option<String>,
    /// When its collection started, RFC 3339 UTC, as the manifest says.
    pub collected_at: String,
    pub boot_id: Option<String>,
    pub boot_time: Option<String>,
    pub kernel: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// The hostnames differ: probably two different nodes.
    DifferentHost,
    /// The boot ids (or boot times) differ: the node rebooted in between.
    Rebooted,
    /// NEW was collected before OLD: the arguments are probably swapped.
    NewBeforeOld,
    /// A collection time could not be read: no rates.
    UnknownTimes,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub kind: WarningKind,
    pub message: String,
}

/// A node fact's two values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactChange {
    /// The field of `node` in the model (`kernel`, `loadavg`, `memory_available_bytes`...).
    pub fact: &'static str,
    pub old: serde_json::Value,
    pub new: serde_json::Value,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NodeChanges {
    pub facts: Vec<FactChange>,
    pub runtimes: RuntimeChanges,
}

/// Runtime instances by their stable id (kind and socket): a daemon restarted is the same
/// instance under a new pid.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RuntimeChanges {
    pub added: Vec<RuntimeId>,
    pub removed: Vec<RuntimeId>,
    pub restarted: Vec<RuntimeRestart>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuntimeRestart {
    pub id: RuntimeId,
    pub kind: RuntimeKind,
    pub old_pid: Option<Pid>,
    pub new_pid: Option<Pid>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PodChanges {
    pub added: Vec<PodUid>,
    pub removed: Vec<PodUid>,
    /// Pods of the same kind, namespace and name under a new uid (a StatefulSet's pod deleted
    /// and made again, a static pod whose manifest changed); also in `added` and `removed`.
    pub replaced: Vec<PodReplaced>,
    /// What the diff knows of every pod it lists, by uid.
    pub details: BTreeMap<PodUid, PodInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PodReplaced {
    pub namespace: Option<String>,
    pub name: String,
    pub old_uid: PodUid,
    pub new_uid: PodUid,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PodInfo {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub kind: PodKind,
    pub qos: Option<QosClass>,
    /// The pod as the views name it (`namespace/name`, or the uid's first group).
    pub label: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ContainerChanges {
    /// New containers (those of new pods included), not restarts.
    pub added: Vec<ContainerId>,
    /// Containers gone (those of removed pods included), not restarts.
    pub removed: Vec<ContainerId>,
    pub restarted: Vec<Restart>,
    /// Known in both, without processes in OLD and with some in NEW.
    pub started: Vec<ContainerId>,
    /// Known in both, with processes in OLD and none in NEW (an exited container the runtime
    /// or the kubelet still records).
    pub stopped: Vec<ContainerId>,
    /// What the diff knows of every container it lists, by id.
    pub details: BTreeMap<ContainerId, ContainerInfo>,
}

/// A container whose pod and name went to a new id, or whose first process started again.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Restart {
    /// Null for standalone containers.
    pub pod_uid: Option<PodUid>,
    /// The container's name; `sandbox` for a pod's sandbox.
    pub name: String,
    pub old_id: ContainerId,
    pub new_id: ContainerId,
    /// How many times it restarted between the two: the new ids its name went through (an
    /// exited container the kubelet keeps counts too); 1 for a restart under the same id.
    pub restart_count: u32,
    /// Restarted under the same id (its first process is new).
    pub in_place: bool,
    pub sandbox: bool,
    pub runtime: Option<RuntimeKind>,
    /// When the new container's first process started, where known.
    pub started_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerInfo {
    pub name: Option<String>,
    pub pod_uid: Option<PodUid>,
    pub runtime: Option<RuntimeKind>,
    pub image: Option<String>,
    pub sandbox: bool,
    /// The container as the views name it (`sandbox`, its name, or its short id).
    pub label: String,
    /// Its pod's label, for containers in a pod.
    pub pod: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProcessChanges {
    /// Processes in NEW that OLD does not have (pid and start time).
    pub started: usize,
    /// Processes in OLD that NEW does not have.
    pub gone: usize,
    /// The same counts per container (and for the host's processes and kernel threads).
    pub per_container: Vec<GroupCount>,
    /// Processes (same pid and start time) whose cgroup or namespaces changed.
    pub moved: Vec<MovedProcess>,
    /// Processes in uninterruptible sleep (D) in both snapshots; empty unless NEW was
    /// collected after OLD.
    pub uninterruptible_in_both: Vec<ProcessRef>,
    /// Zombies per parent, where their number changed.
    pub zombies: Vec<ZombieChange>,
    /// The started and gone processes themselves; null unless asked for (`--processes`).
    pub list: Option<ProcessLists>,
}

/// Where a group of processes lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    Container,
    /// In a pod's cgroup but no container's (CRI-O's conmon, a shim placed in the pod).
    Pod,
    Host,
    KernelThreads,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupCount {
    pub group: Group,
    /// For `container`: its id (OLD's for processes gone, NEW's for those started).
    pub container_id: Option<ContainerId>,
    /// For `container` and `pod`: the pod.
    pub pod_uid: Option<PodUid>,
    pub started: usize,
    pub gone: usize,
}

/// A process as the diff lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessRef {
    pub pid: Pid,
    pub ppid: Pid,
    pub start_ticks: Option<u64>,
    pub start_time: Option<String>,
    pub comm: String,
    /// The command as ps prints it.
    pub command: String,
    pub state: char,
    pub container_id: Option<ContainerId>,
    pub pod_uid: Option<PodUid>,
    /// Where `per_container` counts it.
    pub group: Group,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProcessLists {
    pub started: Vec<ProcessRef>,
    pub gone: Vec<ProcessRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MovedProcess {
    pub process: ProcessRef,
    /// One entry per cgroup hierarchy whose path changed.
    pub cgroups: Vec<CgroupMove>,
    /// One entry per namespace type whose inode changed.
    pub namespaces: Vec<NamespaceMove>,
    /// The container it was in, where that changed with the move.
    pub old_container_id: Option<ContainerId>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CgroupMove {
    /// The hierarchy's controllers as `/proc/<pid>/cgroup` lists them (empty for v2).
    pub controllers: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamespaceMove {
    #[serde(rename = "type")]
    pub kind: NsType,
    pub old: Option<u64>,
    pub new: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZombieChange {
    /// The parent that does not reap them (same pid and start time in both, or only in one).
    pub parent: Pid,
    pub parent_comm: Option<String>,
    pub container_id: Option<ContainerId>,
    pub pod_uid: Option<PodUid>,
    pub old: usize,
    pub new: usize,
    /// How many of NEW's zombies were already zombies in OLD (same pid and start time).
    pub kept: usize,
}

/// Which kernel file a counter comes from, as engineers know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Counter {
    OomKills,
    MemoryMaxEvents,
    MemoryHighEvents,
    MemoryFailcnt,
    CpuNrPeriods,
    CpuNrThrottled,
    CpuThrottledUsec,
    PidsMaxEvents,
}

impl Counter {
    pub const ALL: [Counter; 8] = [
        Counter::OomKills,
        Counter::MemoryMaxEvents,
        Counter::MemoryHighEvents,
        Counter::MemoryFailcnt,
        Counter::CpuNrPeriods,
        Counter::CpuNrThrottled,
        Counter::CpuThrottledUsec,
        Counter::PidsMaxEvents,
    ];

    /// The field of `usage` in the model, the name in the diff's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Counter::OomKills => "oom_kills",
            Counter::MemoryMaxEvents => "memory_max_events",
            Counter::MemoryHighEvents => "memory_high_events",
            Counter::MemoryFailcnt => "memory_failcnt",
            Counter::CpuNrPeriods => "cpu_nr_periods",
            Counter::CpuNrThrottled => "cpu_nr_throttled",
            Counter::CpuThrottledUsec => "cpu_throttled_usec",
            Counter::PidsMaxEvents => "pids_max_events",
        }
    }

    /// Whether cgroup v2 counts a child's events in every ancestor too.
    pub fn counted_in_ancestors(self) -> bool {
        matches!(
            self,
            Counter::OomKills
                | Counter::MemoryMaxEvents
                | Counter::MemoryHighEvents
                | Counter::PidsMaxEvents
        )
    }
}

impl std::fmt::Display for Counter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One counter of one cgroup over the interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CounterChange {
    pub cgroup: CgroupPath,
    pub counter: Counter,
    /// The kernel's file and key, such as `memory.events oom_kill` or `memory.oom_control
    /// oom_kill`.
    pub file: &'static str,
    /// Null for a cgroup that OLD does not have (made during the interval).
    pub old: Option<u64>,
    pub new: u64,
    /// What happened in the interval: `new - old`; after a reset (the counter went down: the
    /// cgroup was made again) or in a new cgroup, `new`, the events since it was made.
    pub delta: u64,
    /// `delta` per second of the interval; null when the interval is 0 or unknown.
    pub per_second: Option<f64>,
    /// The counter went down: the cgroup was made again during the interval.
    pub reset: bool,
    /// For counters v2 counts in ancestors too: whether some of the delta happened here rather
    /// than in the children NEW still has. Always true for the other counters.
    pub own: bool,
    pub container_id: Option<ContainerId>,
    pub pod_uid: Option<PodUid>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimitChange {
    pub cgroup: CgroupPath,
    /// The field of `limits` in the model (`memory_max_bytes`, `pids_max`...).
    pub limit: &'static str,
    /// Numbers, `"max"`, a cpu list, or null where the file was absent.
    pub old: serde_json::Value,
    pub new: serde_json::Value,
    pub container_id: Option<ContainerId>,
    pub pod_uid: Option<PodUid>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CgroupChanges {
    pub added: Vec<CgroupPath>,
    pub removed: Vec<CgroupPath>,
}

/// A finding of one snapshot, by rule and subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRef {
    pub rule: String,
    pub subject: Subject,
    pub severity: Severity,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingChange {
    pub rule: String,
    pub subject: Subject,
    pub severity: Severity,
    pub old_message: String,
    pub new_message: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FindingChanges {
    /// In NEW's findings, not in OLD's (by rule and subject).
    pub appeared: Vec<FindingRef>,
    /// In OLD's findings, not in NEW's.
    pub resolved: Vec<FindingRef>,
    /// In both, with another message (a count that grew).
    pub changed: Vec<FindingChange>,
    /// The findings about the interval itself (`findings::interval`), such as a container
    /// restarted or OOM kills in the interval; empty until the judge ran (`analyze_diff`).
    pub interval: Vec<Finding>,
}

/// Compares two models of one node: OLD, then NEW. Pure: no findings of its own (see
/// `findings::interval`), nothing read from anywhere but the two models.
pub fn compare(old: &Model, new: &Model) -> Diff {
    let interval_seconds =
        time::interval_seconds(&old.collection.started_at, &new.collection.started_at);
    let mut warnings = node::warnings(old, new, interval_seconds);
    if interval_seconds.is_none() {
        warnings.push(Warning {
            kind: WarningKind::UnknownTimes,
            message: format!(
                "the collection times cannot be read ({:?}, {:?}): counters show no rates",
                old.collection.started_at, new.collection.started_at
            ),
        });
    }
    let rate_interval = interval_seconds.filter(|s| *s > 0.0);
    let rebooted = node::rebooted(&old.node, &new.node);
    let (pods, containers) = containers::compare(old, new, rebooted);
    let mut processes = processes::compare(old, new, rebooted);
    if rate_interval.is_none() {
        // One moment seen twice (a snapshot with itself) shows nothing staying stuck.
        processes.uninterruptible_in_both.clear();
    }
    let (counters, limits, cgroups) = cgroups::compare(old, new, rate_interval);
    let mut diff = Diff {
        old: node::side(old),
        new: node::side(new),
        interval_seconds,
        warnings,
        node: node::compare(old, new),
        pods,
        containers,
        processes,
        counters,
        limits,
        cgroups,
        findings: findings::compare(&old.findings, &new.findings),
    };
    containers::fill_details(&mut diff, old, new);
    diff
}

impl Diff {
    /// Nothing changed: the two snapshots say the same (a snapshot compared with itself).
    pub fn is_empty(&self) -> bool {
        let Diff {
            old: _,
            new: _,
            interval_seconds: _,
            warnings,
            node,
            pods,
            containers,
            processes,
            counters,
            limits,
            cgroups,
            findings,
        } = self;
        warnings.is_empty()
            && node.facts.is_empty()
            && node.runtimes == RuntimeChanges::default()
            && pods.added.is_empty()
            && pods.removed.is_empty()
            && containers.added.is_empty()
            && containers.removed.is_empty()
            && containers.restarted.is_empty()
            && containers.started.is_empty()
            && containers.stopped.is_empty()
            && processes.started == 0
            && processes.gone == 0
            && processes.moved.is_empty()
            && processes.uninterruptible_in_both.is_empty()
            && processes.zombies.is_empty()
            && counters.is_empty()
            && limits.is_empty()
            && cgroups.added.is_empty()
            && cgroups.removed.is_empty()
            && findings.appeared.is_empty()
            && findings.resolved.is_empty()
            && findings.changed.is_empty()
            && findings.interval.is_empty()
    }

    /// The container's label for messages: `nginx (d62b4a22abd2)`, or its short id.
    pub fn container_label(&self, id: &ContainerId) -> String {
        match self.containers.details.get(id) {
            Some(info) if info.name.is_some() || info.sandbox => {
                format!("{} ({})", info.label, id.short())
            }
            _ => id.short().to_string(),
        }
    }

    /// The pod's label for messages, or the uid's first group.
    pub fn pod_label(&self, uid: &PodUid) -> String {
        match self.pods.details.get(uid) {
            Some(info) => info.label.clone(),
            None => crate::present::labels::short_uid(uid).to_string(),
        }
    }

    /// Who owns a cgroup, for messages: `container nginx (d62b4a22abd2) of pod default/web`,
    /// `pod default/web`, or `cgroup /system.slice`.
    pub fn cgroup_owner(
        &self,
        path: &CgroupPath,
        container: Option<&ContainerId>,
        pod: Option<&PodUid>,
    ) -> String {
        match (container, pod) {
            (Some(id), Some(uid)) => format!(
                "container {} of pod {}",
                self.container_label(id),
                self.pod_label(uid)
            ),
            (Some(id), None) => format!("container {}", self.container_label(id)),
            (None, Some(uid)) => format!("pod {}", self.pod_label(uid)),
            (None, None) => format!("cgroup {path}"),
        }
    }
}

#[cfg(test)]
mod tests;
