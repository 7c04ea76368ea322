//! The node itself between two snapshots: which snapshot is which, whether they are of one
//! node and one boot, the facts that changed, and the runtime instances (by their stable ids:
//! a daemon restarted is the same instance under a new pid).

use super::{FactChange, NodeChanges, RuntimeChanges, RuntimeRestart, Side, Warning, WarningKind};
use crate::model::{Model, Node, Pid};
use serde::Serialize;
use std::collections::BTreeMap;

/// Boot times (from `btime`) further apart than this mean another boot when the boot ids
/// are unknown; the kernel moves `btime` when the clock is stepped, by seconds, not minutes.
pub const BOOT_TIME_TOLERANCE_SECS: f64 = 60.0;

pub(super) fn side(model: &Model) -> Side {
    Side {
        hostname: model.node.hostname.clone(),
        collected_at: model.collection.started_at.clone(),
        boot_id: model.node.boot_id.clone(),
        boot_time: model.node.boot_time.clone(),
        kernel: model.node.kernel.clone(),
    }
}

/// Whether the node booted between the two snapshots: the boot ids differ, or, where either
/// is unknown, the boot times are further apart than [`BOOT_TIME_TOLERANCE_SECS`].
pub fn rebooted(old: &Node, new: &Node) -> bool {
    match (&old.boot_id, &new.boot_id) {
        (Some(a), Some(b)) => a != b,
        _ => match (&old.boot_time, &new.boot_time) {
            (Some(a), Some(b)) => super::time::interval_seconds(a, b)
                .is_some_and(|d| d.abs() > BOOT_TIME_TOLERANCE_SECS),
            _ => false,
        },
    }
}

pub(super) fn warnings(old: &Model, new: &Model, interval: Option<f64>) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let (a, b) = (&old.node, &new.node);
    let mut other_host = false;
    if let (Some(x), Some(y)) = (&a.hostname, &b.hostname) {
        if x != y {
            other_host = true;
            let boots = if rebooted(a, b) {
                "; their boots differ too, so no process is taken for the same"
            } else {
                ""
            };
            warnings.push(Warning {
                kind: WarningKind::DifferentHost,
                message: format!(
                    "the snapshots are of different hosts ({x} and {y}): the diff compares two \
                     nodes, not one node at two moments{boots}"
                ),
            });
        }
    }
    // Two hosts' boots differ without either rebooting: only one host's can be a reboot.
    if rebooted(a, b) && !other_host {
        let how = match (&a.boot_id, &b.boot_id) {
            (Some(x), Some(y)) => format!("boot id {x} -> {y}"),
            _ => format!(
                "booted at {} -> {}",
                a.boot_time.as_deref().unwrap_or("?"),
                b.boot_time.as_deref().unwrap_or("?")
            ),
        };
        warnings.push(Warning {
            kind: WarningKind::Rebooted,
            message: format!(
                "the node rebooted between the snapshots ({how}): every process, container and \
                 counter started again, so they all differ"
            ),
        });
    }
    if interval.is_some_and(|s| s < 0.0) {
        warnings.push(Warning {
            kind: WarningKind::NewBeforeOld,
            message: format!(
                "NEW was collected before OLD ({} before {}): give the older snapshot first",
                new.collection.started_at, old.collection.started_at
            ),
        });
    }
    warnings
}

fn value<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

pub(super) fn compare(old: &Model, new: &Model) -> NodeChanges {
    let (a, b) = (&old.node, &new.node);
    let mut facts = Vec::new();
    let mut fact = |name: &'static str, x: serde_json::Value, y: serde_json::Value| {
        if x != y {
            facts.push(FactChange {
                fact: name,
                old: x,
                new: y,
            });
        }
    };
    // Uptime is left out: it always grows, and the interval says by how much.
    fact("hostname", value(&a.hostname), value(&b.hostname));
    fact("kernel", value(&a.kernel), value(&b.kernel));
    fact("os", value(&a.os), value(&b.os));
    fact("boot_id", value(&a.boot_id), value(&b.boot_id));
    if rebooted(a, b) {
        fact("boot_time", value(&a.boot_time), value(&b.boot_time));
    }
    fact("cgroup_mode", value(&a.cgroup_mode), value(&b.cgroup_mode));
    fact(
        "cgroup_driver",
        value(&a.cgroup_driver),
        value(&b.cgroup_driver),
    );
    fact("kubelet_pid", value(&a.kubelet_pid), value(&b.kubelet_pid));
    fact(
        "memory_total_bytes",
        value(&a.memory_total_bytes),
        value(&b.memory_total_bytes),
    );
    fact(
        "memory_available_bytes",
        value(&a.memory_available_bytes),
        value(&b.memory_available_bytes),
    );
    fact("cpus", value(&a.cpus), value(&b.cpus));
    fact("pid_max", value(&a.pid_max), value(&b.pid_max));
    fact("loadavg", value(&a.loadavg), value(&b.loadavg));
    NodeChanges {
        facts,
        runtimes: runtimes(old, new, rebooted(a, b)),
    }
}

/// The start time of the process with this pid (processes are sorted by pid).
fn start_of(model: &Model, pid: Option<Pid>) -> Option<u64> {
    let pid = pid?;
    let at = model.processes.binary_search_by_key(&pid, |p| p.pid).ok()?;
    model.processes[at].start_ticks
}

/// Runtime instances by id; after a reboot every daemon in both was started again.
fn runtimes(old: &Model, new: &Model, rebooted: bool) -> RuntimeChanges {
    let before: BTreeMap<_, _> = old.node.runtimes.iter().map(|r| (&r.id, r)).collect();
    let after: BTreeMap<_, _> = new.node.runtimes.iter().map(|r| (&r.id, r)).collect();
    let mut changes = RuntimeChanges::default();
    for (id, runtime) in &after {
        match before.get(id) {
            None => changes.added.push((*id).clone()),
            Some(was)
                if rebooted
                    || was.pid != runtime.pid
                    || start_of(old, was.pid) != start_of(new, runtime.pid) =>
            {
                changes.restarted.push(RuntimeRestart {
                    id: (*id).clone(),
                    kind: runtime.kind,
                    old_pid: was.pid,
                    new_pid: runtime.pid,
                })
            }
            Some(_) => {}
        }
    }
    changes.removed = before
        .keys()
        .filter(|id| !after.contains_key(*id))
        .map(|id| (*id).clone())
        .collect();
    changes
}
