//! The deeper signals as values: pressure stall information, a cgroup's memory broken down by
//! kind, the memory events counted at one level only, and the node's limits with what is used
//! of them. Counters only: whether a value is trouble is for `findings` to say.

use serde::Serialize;

/// One line of a pressure file: the share of wall time, in percent, in which tasks were stalled
/// on the resource, averaged over 10, 60 and 300 seconds, and the total stall time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PressureLine {
    pub avg10: f64,
    pub avg60: f64,
    pub avg300: f64,
    /// Microseconds stalled since the cgroup was created (the node: since boot).
    pub total: u64,
}

/// One pressure file. `some`: at least one task was stalled; `full`: every non-idle task was
/// stalled at once, so no work got done. `full` is null where the kernel does not write it
/// (the node's cpu before Linux 5.13).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ResourcePressure {
    pub some: Option<PressureLine>,
    pub full: Option<PressureLine>,
}

/// The three pressure files of a cgroup (`cpu.pressure`, ...) or of the node
/// (`/proc/pressure/cpu`, ...); each null where its file was not collected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Pressure {
    pub cpu: Option<ResourcePressure>,
    pub memory: Option<ResourcePressure>,
    pub io: Option<ResourcePressure>,
}

impl Pressure {
    /// Whether any of the three was read.
    pub fn is_known(&self) -> bool {
        self.cpu.is_some() || self.memory.is_some() || self.io.is_some()
    }
}

/// What a cgroup's memory is, from `memory.stat` (v2 keys, or v1's hierarchical `total_*`
/// keys). Each field null where the file does not say. v1 writes no slab or kernel figure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MemoryBreakdown {
    /// Anonymous memory (heaps, stacks): v2 `anon`, v1 `total_rss`.
    pub anon_bytes: Option<u64>,
    /// Page cache, tmpfs included: v2 `file`, v1 `total_cache`.
    pub file_bytes: Option<u64>,
    /// Kernel memory charged to the cgroup: v2 `kernel` (Linux 5.18), before that the sum of
    /// `kernel_stack`, `pagetables`, `percpu` and `slab`.
    pub kernel_bytes: Option<u64>,
    /// Slab (dentries, inodes, kernel objects): v2 `slab`, or its two parts summed.
    pub slab_bytes: Option<u64>,
    /// The part of the slab the kernel can free under pressure: v2 `slab_reclaimable`.
    pub slab_reclaimable_bytes: Option<u64>,
    /// tmpfs and shared memory, part of `file_bytes`: v2 `shmem`, v1 `total_shmem`.
    pub shmem_bytes: Option<u64>,
    /// Page cache recently used: v2 `active_file`, v1 `total_active_file`.
    pub active_file_bytes: Option<u64>,
    /// Page cache the kernel reclaims first: v2 `inactive_file`, v1 `total_inactive_file`.
    pub inactive_file_bytes: Option<u64>,
    /// What the kubelet and cAdvisor call the working set, and evict on: usage (v2
    /// `memory.current`, v1 `memory.usage_in_bytes`) minus `inactive_file_bytes`, at least 0.
    pub working_set_bytes: Option<u64>,
}

/// The counters of v2's `memory.events` kinds, as `memory.events.local` keeps them: events of
/// this cgroup's own limits only, not its descendants' (Linux 5.7).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MemoryEvents {
    /// Reclaimed while under memory.low.
    pub low: Option<u64>,
    /// Throttled and reclaimed over memory.high.
    pub high: Option<u64>,
    /// Usage was about to go over memory.max.
    pub max: Option<u64>,
    /// This cgroup's limit was hit and reclaim failed: the OOM killer was invoked for it.
    pub oom: Option<u64>,
    /// Processes of this cgroup killed by the OOM killer.
    pub oom_kill: Option<u64>,
    /// Whole-cgroup kills (memory.oom.group).
    pub oom_group_kill: Option<u64>,
}

/// One node-wide limit and how much of it is in use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HeadroomLimit {
    /// Null where usage cannot be read from the snapshot (inotify: it is per user and needs
    /// every process's file descriptors).
    pub used: Option<u64>,
    pub max: u64,
    /// `used / max`, null when either is unknown or max is 0.
    pub fraction: Option<f64>,
}

impl HeadroomLimit {
    pub fn new(used: Option<u64>, max: u64) -> HeadroomLimit {
        let fraction = used.filter(|_| max > 0).map(|u| u as f64 / max as f64);
        HeadroomLimit {
            used,
            max,
            fraction,
        }
    }
}

/// The node's kernel-wide limits a busy node runs into; each null where its file was not
/// collected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Headroom {
    /// Connection tracking entries: `nf_conntrack_count` of `nf_conntrack_max`.
    pub conntrack: Option<HeadroomLimit>,
    /// `fs.inotify.max_user_watches`: a per-user limit; usage unknown.
    pub inotify_watches: Option<HeadroomLimit>,
    /// `fs.inotify.max_user_instances`: a per-user limit; usage unknown.
    pub inotify_instances: Option<HeadroomLimit>,
    /// Threads on the node (every process's thread count) of `kernel.threads-max`.
    pub threads: Option<HeadroomLimit>,
    /// Open file handles (`file-nr` allocated minus free) of `fs.file-max`.
    pub file_handles: Option<HeadroomLimit>,
    /// Pids in use (each thread takes one) of `kernel.pid_max`.
    pub pids: Option<HeadroomLimit>,
}

/// `/proc/sys/fs/file-nr`: handles allocated, allocated but free, and the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileNr {
    pub allocated: u64,
    pub free: u64,
    pub max: u64,
}

impl FileNr {
    /// Handles in use.
    pub fn used(&self) -> u64 {
        self.allocated.saturating_sub(self.free)
    }
}

/// `cgroup.stat`: the live descendants of a v2 cgroup and those removed but not yet freed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CgroupStat {
    pub nr_descendants: Option<u64>,
    pub nr_dying_descendants: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_knows_its_fraction_only_with_usage_and_a_nonzero_max() {
        assert_eq!(HeadroomLimit::new(Some(50), 200).fraction, Some(0.25));
        assert_eq!(HeadroomLimit::new(None, 200).fraction, None);
        assert_eq!(HeadroomLimit::new(Some(5), 0).fraction, None);
        let free = FileNr {
            allocated: 10,
            free: 12,
            max: 100,
        };
        assert_eq!(free.used(), 0, "never negative");
    }
}
