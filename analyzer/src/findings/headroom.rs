//! Rules about the node's own limits (`node.headroom`): tasks against kernel.pid_max, threads,
//! open files, conntrack entries, and inotify's limits against the number of containers.

use super::{
    finding, rules::*, INOTIFY_INSTANCES_PER_CONTAINER, INOTIFY_WATCHES_PER_CONTAINER,
    NODE_LIMIT_NEAR_PERCENT, PID_MAX_NEAR_PERCENT,
};
use crate::model::{Finding, HeadroomLimit, Subject};
use crate::present::Index;

/// Whether `used` is at least `percent` of `max`.
pub fn at_least_percent(used: u64, max: u64, percent: u64) -> bool {
    max > 0 && u128::from(used) * 100 >= u128::from(max) * u128::from(percent)
}

/// A limit's use, when at least `percent` of it.
fn near(limit: Option<HeadroomLimit>, percent: u64) -> Option<(u64, u64)> {
    let limit = limit?;
    let used = limit.used?;
    at_least_percent(used, limit.max, percent).then_some((used, limit.max))
}

/// `(80%)`, rounded down.
fn share(used: u64, max: u64) -> String {
    format!("{}%", u128::from(used) * 100 / u128::from(max.max(1)))
}

pub(super) fn pids_near_pid_max(index: &Index, out: &mut Vec<Finding>) {
    let model = index.model;
    let Some((tasks, pid_max)) = near(model.node.headroom.pids, PID_MAX_NEAR_PERCENT) else {
        return;
    };
    let top = model
        .processes
        .iter()
        .max_by_key(|p| p.threads.unwrap_or(1))
        .map(|p| {
            format!(
                "; most threads: {} ({})",
                index.process_label(p.pid),
                p.threads.unwrap_or(1)
            )
        })
        .unwrap_or_default();
    out.push(finding(
        &PIDS_NEAR_PID_MAX,
        Subject::Node,
        format!(
            "{tasks} tasks ({} processes and their threads) of kernel.pid_max {pid_max} ({}){top}",
            model.processes.len(),
            share(tasks, pid_max)
        ),
    ));
}

/// Running containers (not sandboxes), for the limits whose use the snapshot cannot read.
fn running_containers(index: &Index) -> u64 {
    index
        .model
        .containers
        .iter()
        .filter(|c| !c.sandbox && !c.pids.is_empty())
        .count() as u64
}

/// The node's other limits: conntrack, threads, file handles at [`NODE_LIMIT_NEAR_PERCENT`]
/// of their maximum; inotify's per-user limits against the number of running containers.
pub(super) fn node_limits(index: &Index, out: &mut Vec<Finding>) {
    let headroom = &index.model.node.headroom;
    let used_of = [
        (
            &CONNTRACK_NEAR_LIMIT,
            headroom.conntrack,
            "connection tracking entries (nf_conntrack_count) of net.netfilter.nf_conntrack_max",
        ),
        (
            &THREADS_NEAR_LIMIT,
            headroom.threads,
            "threads of kernel.threads-max",
        ),
        (
            &FILE_HANDLES_NEAR_LIMIT,
            headroom.file_handles,
            "open file handles (file-nr) of fs.file-max",
        ),
    ];
    for (rule, limit, what) in used_of {
        if let Some((used, max)) = near(limit, NODE_LIMIT_NEAR_PERCENT) {
            out.push(finding(
                rule,
                Subject::Node,
                format!("{used} {what} {max} ({})", share(used, max)),
            ));
        }
    }
    let containers = running_containers(index);
    let mut low = Vec::new();
    let per = [
        (
            headroom.inotify_instances,
            INOTIFY_INSTANCES_PER_CONTAINER,
            "fs.inotify.max_user_instances",
        ),
        (
            headroom.inotify_watches,
            INOTIFY_WATCHES_PER_CONTAINER,
            "fs.inotify.max_user_watches",
        ),
    ];
    for (limit, each, name) in per {
        let Some(limit) = limit else { continue };
        let wanted = containers.saturating_mul(each);
        if limit.max < wanted {
            low.push(format!(
                "{name} {} (below {each} per container, {wanted})",
                limit.max
            ));
        }
    }
    if !low.is_empty() {
        out.push(finding(
            &INOTIFY_NEAR_LIMIT,
            Subject::Node,
            format!(
                "{} for the node's {containers} running containers; usage is not in the \
                 snapshot",
                low.join(" and ")
            ),
        ));
    }
}
