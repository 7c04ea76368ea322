//! Findings: the one judge of what is wrong on the node.
//!
//! Each rule is a pure function of the model that turns its facts and counters into findings
//! with stable ids, messages and explanations; every threshold lives here and nowhere else.
//! The views and the report show findings, and beside each cgroup the notes that
//! `present::notes` words from the findings about it; they never judge a counter themselves.
//! `RULES` (in `rules.rs`) is the catalogue; the rules themselves are grouped by what they
//! look at: pods, processes, shims, cgroups, the collection.

mod cgroups;
mod headroom;
pub mod interval;
mod kubelet;
mod leaks;
mod memory;
mod node;
mod pods;
mod pressure;
mod processes;
mod rules;
mod shims;

pub use cgroups::{heavily_throttled, pids_near_limit};
pub use headroom::at_least_percent;
pub use interval::INTERVAL_RULES;
pub use memory::mostly_reclaimable;
pub use pods::{expected_oom_score_adj, GUARANTEED_OOM_SCORE_ADJ};
pub use pressure::pressure_over;
pub use rules::*;

use crate::model::{Finding, Model, Subject};
use crate::present::Index;

/// Share of CFS periods throttled at or above which a cgroup counts as heavily throttled.
pub const THROTTLED_PERCENT: u64 = 20;
/// Fewer periods than this say too little about throttling to report it.
pub const THROTTLED_MIN_PERIODS: u64 = 100;
/// pids.current at or above this share of pids.max is near the limit.
pub const PIDS_NEAR_PERCENT: u64 = 90;
/// Zombies in a pod or container cgroup holding at least this share of its pids.max.
pub const ZOMBIES_OF_PIDS_MAX_PERCENT: u64 = 10;
/// The node's tasks (processes and threads) at or above this share of kernel.pid_max.
pub const PID_MAX_NEAR_PERCENT: u64 = 80;
/// PSI `some` (at least one task stalled), in percent of wall time over 10 or 60 seconds, at
/// or above which a cgroup or the node is under pressure.
pub const PRESSURE_SOME_PERCENT: f64 = 20.0;
/// PSI `full` (every non-idle task stalled at once, no work done), in percent.
pub const PRESSURE_FULL_PERCENT: f64 = 5.0;
/// Memory use at or above this share of a numeric limit is near the limit.
pub const MEMORY_NEAR_LIMIT_PERCENT: u64 = 90;
/// Reclaimable memory (page cache outside tmpfs, reclaimable slab) at or above this share of
/// usage makes a cgroup near its limit mostly reclaimable.
pub const RECLAIMABLE_PERCENT: u64 = 50;
/// Slab at or above this share of usage dominates a cgroup's memory...
pub const SLAB_PERCENT: u64 = 50;
/// ...once usage is at least this (smaller cgroups say little).
pub const SLAB_MIN_BYTES: u64 = 64 << 20;
/// Dying descendants at or above which a cgroup holds too many.
pub const DYING_CGROUPS_MIN: u64 = 1000;
/// Node limits (conntrack, threads-max, file-max) used at or above this share are near.
pub const NODE_LIMIT_NEAR_PERCENT: u64 = 80;
/// fs.inotify.max_user_instances below this many per running container is too low.
pub const INOTIFY_INSTANCES_PER_CONTAINER: u64 = 2;
/// fs.inotify.max_user_watches below this many per running container is too low.
pub const INOTIFY_WATCHES_PER_CONTAINER: u64 = 1024;

/// Runs every rule over the model; sorted by severity (critical first), rule, subject.
pub fn evaluate(model: &Model) -> Vec<Finding> {
    let index = Index::new(model);
    let mut findings = Vec::new();
    pods::host_namespaces(&index, &mut findings);
    pods::split_network(&index, &mut findings);
    processes::outside_container_cgroup(&index, &mut findings);
    processes::outside_container_namespaces(&index, &mut findings);
    shims::shim_without_container(&index, &mut findings);
    shims::container_without_shim(&index, &mut findings);
    processes::states(&index, &mut findings);
    cgroups::evaluate(&index, &mut findings);
    pods::qos_oom_score_mismatch(&index, &mut findings);
    memory::oom_at_pod_level(&index, &mut findings);
    leaks::leaked_pod_cgroup(&index, &mut findings);
    leaks::zombies_against_pids_limit(&index, &mut findings);
    kubelet::cgroup_driver_mismatch(&index, &mut findings);
    headroom::pids_near_pid_max(&index, &mut findings);
    headroom::node_limits(&index, &mut findings);
    pressure::evaluate(&index, &mut findings);
    memory::breakdown(&index, &mut findings);
    leaks::dying_cgroups(&index, &mut findings);
    node::collection_gaps(&index, &mut findings);
    findings
        .sort_by(|a, b| (a.severity, &a.rule, &a.subject).cmp(&(b.severity, &b.rule, &b.subject)));
    findings
}

fn finding(rule: &Rule, subject: Subject, message: String) -> Finding {
    Finding {
        rule: rule.id.to_string(),
        severity: rule.severity,
        subject,
        message,
        explanation: rule.explanation.to_string(),
    }
}

#[cfg(test)]
mod tests;
