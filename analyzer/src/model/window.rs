//! What the samples of one snapshot show over their window (`collector --samples N`): rates
//! where one sample shows only totals since boot, and what stayed the same in every sample.
//! Filled by `crate::window` after the model is built; null for a snapshot of one sample.

use super::{CgroupPath, ContainerId, Pid, PodUid};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Window {
    /// Samples in the snapshot, the first pass included.
    pub samples: usize,
    /// When the first and the last sample were read (the middle of each pass), RFC 3339 UTC
    /// with milliseconds.
    pub first_at: String,
    pub last_at: String,
    /// Seconds from the first sample to the last; rates are over this.
    pub seconds: f64,
    /// Cpu use of each container and pod over the window, busiest first.
    pub cpu: Vec<CpuUse>,
    /// The busiest processes over the window (at most `TOP_PROCESSES`), busiest first.
    pub top_processes: Vec<ProcessCpu>,
    /// Event and throttling counters that grew in the window, per cgroup (as `analyzer diff`
    /// between the first and last sample counts them).
    pub counters: Vec<WindowCounter>,
    /// Processes in uninterruptible sleep (D) in every sample: stuck, not passing.
    pub uninterruptible_every_sample: Vec<Pid>,
    /// Processes that were zombies in every sample.
    pub zombies_every_sample: Vec<Pid>,
    /// Zombies on the node in each sample, first to last.
    pub zombies_per_sample: Vec<usize>,
    /// Threads on the node (the sum of every process's) in each sample, first to last.
    pub threads_per_sample: Vec<u64>,
}

/// What a container or pod used of the cpus over the window, in cores (cpu seconds per
/// second: 1.0 is one cpu busy all the time).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CpuUse {
    /// `container` or `pod`.
    pub kind: &'static str,
    pub container_id: Option<ContainerId>,
    pub pod_uid: Option<PodUid>,
    /// From its cgroup's cpu usage (cpu.stat usage_usec, cpuacct.usage): everything that ran
    /// there, processes that came and went included. Null without the file.
    pub cores: Option<f64>,
    /// From the stat times of its processes present in the first and the last sample.
    pub cores_of_processes: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessCpu {
    pub pid: Pid,
    pub comm: String,
    pub container_id: Option<ContainerId>,
    pub pod_uid: Option<PodUid>,
    pub cores: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowCounter {
    pub cgroup: CgroupPath,
    /// As `analyzer diff` names it (`oom_kills`, `cpu_nr_throttled`, `pids_max_events`...).
    pub counter: &'static str,
    pub first: Option<u64>,
    pub last: u64,
    pub delta: u64,
    pub per_second: Option<f64>,
    pub container_id: Option<ContainerId>,
    pub pod_uid: Option<PodUid>,
}
