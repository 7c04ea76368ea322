//! Rules about the node's own limits: tasks against kernel.pid_max.

use super::{finding, rules::*, PID_MAX_NEAR_PERCENT};
use crate::model::{Finding, Subject};
use crate::present::Index;

/// Tasks on the node: every process's threads (a zombie or a process without a count, one).
pub fn node_tasks(index: &Index) -> u64 {
    index
        .model
        .processes
        .iter()
        .map(|p| u64::from(p.threads.unwrap_or(1).max(1)))
        .sum()
}

/// Whether `used` is at least `percent` of `max`.
pub fn at_least_percent(used: u64, max: u64, percent: u64) -> bool {
    max > 0 && u128::from(used) * 100 >= u128::from(max) * u128::from(percent)
}

pub(super) fn pids_near_pid_max(index: &Index, out: &mut Vec<Finding>) {
    let Some(pid_max) = index.model.node.pid_max else {
        return;
    };
    let tasks = node_tasks(index);
    if !at_least_percent(tasks, pid_max, PID_MAX_NEAR_PERCENT) {
        return;
    }
    let top = index
        .model
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
            "{tasks} tasks ({} processes and their threads) of kernel.pid_max {pid_max} ({}%){top}",
            index.model.processes.len(),
            u128::from(tasks) * 100 / u128::from(pid_max)
        ),
    ));
}
