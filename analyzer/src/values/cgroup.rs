//! What cgroup control files hold, as values: the node's cgroup mode, a limit that may be the
//! kernel's `max`, and one cgroup's limits and usage counters. cgroupfs reads them; the model
//! carries them for pods, containers and cgroups; findings judge them. Counters only: nothing
//! here says whether a value is trouble.

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

/// Usage and event counters as the kernel keeps them. v2's `memory.events` and `pids.events`
/// count a child's events in every ancestor too; findings tell where they happened.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Usage {
    pub memory_current_bytes: Option<u64>,
    pub memory_peak_bytes: Option<u64>,
    /// v1 `memory.failcnt`: how often this cgroup's own limit was hit.
    pub memory_failcnt: Option<u64>,
    /// v2 `memory.events` `max`: how often usage was about to go over memory.max.
    pub memory_max_events: Option<u64>,
    /// v2 `memory.events` `high`: how often usage went over memory.high and was throttled.
    pub memory_high_events: Option<u64>,
    /// v1 `memory.oom_control` `under_oom`: out of memory at the moment of the snapshot.
    pub memory_under_oom: Option<bool>,
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
}
