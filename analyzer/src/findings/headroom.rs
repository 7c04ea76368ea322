//! Rules about the node's own limits (`node.headroom`): tasks against kernel.pid_max.

use super::{finding, rules::*, PID_MAX_NEAR_PERCENT};
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
