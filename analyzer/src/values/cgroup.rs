//! What cgroup control files hold, as values: the node's cgroup mode, a limit that may be the
//! kernel's `max`, and one cgroup's limits and usage counters. cgroupfs reads them; the model
//! carries them for pods, containers and cgroups; findings judge them. Counters only: nothing
//! here says whether a value is trouble.

use super::signals::{MemoryBreakdown, MemoryEvents, Pressure};
use serde::Serialize;
use std::fmt;

/// Which cgroup hierarchies the node mounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CgroupMode {
    V1,
    V2,
    Hybrid,
    Unknown,
}

impl CgroupMode {
    /// The name in the JSON model and the views.
    pub fn as_str(self) -> &'static str {
        match self {
            CgroupMode::V1 => "v1",
            CgroupMode::V2 => "v2",
            CgroupMode::Hybrid => "hybrid",
            CgroupMode::Unknown => "unknown",
        }
    }
}

impl fmt::Display for CgroupMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A cgroup limit: a number or the kernel's `max` (never -1 or u64::MAX).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Limit {
    #[serde(serialize_with = "serialize_max")]
    Max,
    Value(u64),
}

fn serialize_max<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("max")
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Limits {
    pub memory_max_bytes: Option<Limit>,
    pub memory_high_bytes: Option<Limit>,
    pub cpu_quota_usec: Option<Limit>,
    pub cpu_period_usec: Option<u64>,
    pub cpu_weight: Option<u64>,
    pub cpu_shares: Option<u64>,
    pub pids_max: Option<Limit>,
    pub cpuset_cpus: Option<String>,
}

/// Usage and event counters. The event counts (`memory_max_events`, `memory_oom_events`,
/// `oom_kills`, `pids_max_events`) are counted once, at the level where the event happened:
/// v2's `memory.events` and `pids.events` count a descendant's events in every ancestor too,
/// so the model's build makes them this level's own (`events_counted` says how) and keeps the
/// kernel's figures in `subtree`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Usage {
    pub memory_current_bytes: Option<u64>,
    pub memory_peak_bytes: Option<u64>,
    /// v1 `memory.failcnt`: how often this cgroup's own limit was hit.
    pub memory_failcnt: Option<u64>,
    /// v2 `memory.events` `max`: how often usage was about to go over this cgroup's
    /// memory.max.
    pub memory_max_events: Option<u64>,
    /// v2 `memory.events` `high`: how often usage went over memory.high and was throttled.
    pub memory_high_events: Option<u64>,
    /// v2 `memory.events` `oom`: how often this cgroup's own limit left it out of memory (the
    /// limit that fired; the victim may live in a descendant, where `oom_kills` counts it).
    pub memory_oom_events: Option<u64>,
    /// v1 `memory.oom_control` `under_oom`: out of memory at the moment of the snapshot.
    pub memory_under_oom: Option<bool>,
    /// Processes of this cgroup itself killed by the OOM killer.
    pub oom_kills: Option<u64>,
    pub pids_current: Option<u64>,
    /// `pids.events` `max`: forks refused at pids.max.
    pub pids_max_events: Option<u64>,
    pub cpu_nr_periods: Option<u64>,
    pub cpu_nr_throttled: Option<u64>,
    pub cpu_throttled_usec: Option<u64>,
    /// Cpu time used by the cgroup since it was made, in microseconds: v2 `cpu.stat`
    /// `usage_usec`, v1 `cpuacct.usage` (nanoseconds there).
    pub cpu_usage_usec: Option<u64>,
    /// v2 `memory.events.local`: the same events counted at this level only (Linux 5.7).
    pub memory_events_local: Option<MemoryEvents>,
    /// What the memory is, from `memory.stat` (v1 and v2).
    pub memory_breakdown: Option<MemoryBreakdown>,
    /// v2 `cpu.pressure`, `memory.pressure`, `io.pressure` (on a hybrid node, from the cgroup's
    /// directory in the unified hierarchy).
    pub pressure: Pressure,
    /// v2 `cgroup.stat`: live cgroups below this one.
    pub nr_descendants: Option<u64>,
    /// v2 `cgroup.stat`: cgroups below this one that were removed but are still held by the
    /// kernel (page cache or kernel memory charged to them).
    pub nr_dying_descendants: Option<u64>,
    /// How the event counts above were made this level's own; null without event counts.
    pub events_counted: Option<EventsCounted>,
    /// The kernel's hierarchical event counts (this cgroup and its descendants, v2); null
    /// where the kernel counts each cgroup's own (v1).
    pub subtree: Option<SubtreeEvents>,
}

/// How a cgroup's event counts were made to count what happened at its own level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventsCounted {
    /// The kernel counts each cgroup's own events (v1, or v2 mounted with memory_localevents).
    Own,
    /// From the kernel's `.local` files (`memory.events.local`).
    Local,
    /// The kernel's hierarchical count minus the counts of the children in the snapshot; a
    /// child removed since (a container restarted after an OOM kill) leaves its events here.
    ChildrenSubtracted,
}

impl EventsCounted {
    /// The name in the JSON model and the views.
    pub fn as_str(self) -> &'static str {
        match self {
            EventsCounted::Own => "own",
            EventsCounted::Local => "local",
            EventsCounted::ChildrenSubtracted => "children-subtracted",
        }
    }
}

impl fmt::Display for EventsCounted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// v2's hierarchical event counts as the kernel reports them: this cgroup and everything below.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SubtreeEvents {
    pub memory_high_events: Option<u64>,
    pub memory_max_events: Option<u64>,
    pub memory_oom_events: Option<u64>,
    pub oom_kills: Option<u64>,
    pub pids_max_events: Option<u64>,
}
