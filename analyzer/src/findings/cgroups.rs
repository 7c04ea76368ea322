//! Rules about cgroups' counters: OOM kills, memory limit hits, cpu throttling, tasks near or
//! at pids.max. Each finding's subject is the cgroup where the event happened, which is also
//! where `present::notes` shows it: the model counts every event once, at its level
//! (`model::counted_once`).

use super::{finding, rules::*, PIDS_NEAR_PERCENT, THROTTLED_MIN_PERIODS, THROTTLED_PERCENT};
use crate::model::{Cgroup, EventsCounted, Finding, Limit, Limits, Subject, Usage};
use crate::present::{units, Index};

pub(super) fn evaluate(index: &Index, out: &mut Vec<Finding>) {
    for c in &index.model.cgroups {
        oom_kills(index, c, out);
        memory_limit_hit(index, c, out);
        cpu_throttled(index, c, out);
        pids_near(index, c, out);
        pids_limit_hit(index, c, out);
    }
}

/// An event count of this cgroup's own, when above zero.
fn own_events(c: &Cgroup, count: fn(&Usage) -> Option<u64>) -> Option<u64> {
    count(&c.usage).filter(|n| *n > 0)
}

/// For counts made by subtracting the children the snapshot has from a v2 cgroup's own count
/// that has children: the events may be a removed child's, said in the message.
pub(super) fn maybe_removed_children(index: &Index, c: &Cgroup) -> &'static str {
    let subtracted = c.usage.events_counted == Some(EventsCounted::ChildrenSubtracted);
    if subtracted && !index.cgroup_children(&c.path).is_empty() {
        " (at this level or in a child cgroup removed since, such as a restarted container)"
    } else {
        ""
    }
}

/// Who owns a cgroup, for messages: the container or pod it belongs to, or its path.
pub(super) fn owner(index: &Index, cgroup: &Cgroup) -> String {
    if let Some(id) = &cgroup.container_id {
        let mut label = format!("container {}", index.container_label_with_id(id));
        if let Some(uid) = &cgroup.pod_uid {
            label.push_str(&format!(" of pod {}", index.pod_label(uid)));
        }
        label
    } else if let Some(uid) = &cgroup.pod_uid {
        format!("pod {}", index.pod_label(uid))
    } else {
        format!("cgroup {}", cgroup.path)
    }
}

/// ` (memory limit 256 MiB)`, or nothing without a limit.
fn memory_limit(c: &Cgroup) -> String {
    match c.limits.memory_max_bytes {
        Some(Limit::Value(bytes)) => format!(" (memory limit {})", units::bytes(bytes)),
        _ => String::new(),
    }
}

fn times(n: u64) -> &'static str {
    if n == 1 {
        "time"
    } else {
        "times"
    }
}

fn oom_kills(index: &Index, c: &Cgroup, out: &mut Vec<Finding>) {
    let Some(kills) = own_events(c, |u| u.oom_kills) else {
        return;
    };
    out.push(finding(
        &CGROUP_OOM_KILLS,
        Subject::Cgroup(c.path.clone()),
        format!(
            "{} had {kills} OOM kill{}{}{}",
            owner(index, c),
            if kills == 1 { "" } else { "s" },
            maybe_removed_children(index, c),
            memory_limit(c)
        ),
    ));
}

/// v1's memory.failcnt counts hits of this cgroup's own limit; v2's memory.events max counts a
/// child's too.
fn memory_limit_hit(index: &Index, c: &Cgroup, out: &mut Vec<Finding>) {
    let hits = match c.usage.memory_failcnt.filter(|n| *n > 0) {
        Some(n) => Some((n, "memory.failcnt")),
        None => own_events(c, |u| u.memory_max_events).map(|n| (n, "memory.events max")),
    };
    let mut what = Vec::new();
    if let Some((n, file)) = hits {
        what.push(format!(
            "reached its memory limit {n} {} ({file}){}",
            times(n),
            memory_limit(c)
        ));
    }
    if c.usage.memory_under_oom == Some(true) {
        what.push("is out of memory right now (memory.oom_control under_oom 1)".to_string());
    }
    if what.is_empty() {
        return;
    }
    let message = format!("{} {}", owner(index, c), what.join(" and "));
    out.push(finding(
        &CGROUP_MEMORY_LIMIT_HIT,
        Subject::Cgroup(c.path.clone()),
        message,
    ));
}

/// The share of throttled periods, in percent, when it is heavy throttling: at least
/// [`THROTTLED_PERCENT`] of at least [`THROTTLED_MIN_PERIODS`] periods. The one rule, also
/// behind the report's highlight of a throttling figure.
pub fn heavily_throttled(usage: &Usage) -> Option<u128> {
    let (periods, throttled) = (usage.cpu_nr_periods?, usage.cpu_nr_throttled?);
    // u128: the counters come from the node and may be anything up to u64::MAX.
    let percent = u128::from(throttled) * 100 / u128::from(periods.max(1));
    (periods >= THROTTLED_MIN_PERIODS && percent >= u128::from(THROTTLED_PERCENT))
        .then_some(percent)
}

/// Whether the cgroup holds at least [`PIDS_NEAR_PERCENT`] of its pids.max: the one rule, also
/// behind the report's highlight of a pids figure.
pub fn pids_near_limit(limits: &Limits, usage: &Usage) -> bool {
    let (Some(Limit::Value(max)), Some(current)) = (limits.pids_max, usage.pids_current) else {
        return false;
    };
    max > 0 && u128::from(current) * 100 >= u128::from(max) * u128::from(PIDS_NEAR_PERCENT)
}

fn cpu_throttled(index: &Index, c: &Cgroup, out: &mut Vec<Finding>) {
    let Some(percent) = heavily_throttled(&c.usage) else {
        return;
    };
    let (periods, throttled) = (
        c.usage.cpu_nr_periods.unwrap_or(0),
        c.usage.cpu_nr_throttled.unwrap_or(0),
    );
    out.push(finding(
        &CGROUP_CPU_THROTTLED,
        Subject::Cgroup(c.path.clone()),
        format!(
            "{} was throttled in {throttled} of {periods} cpu periods ({percent}%)",
            owner(index, c)
        ),
    ));
}

fn pids_near(index: &Index, c: &Cgroup, out: &mut Vec<Finding>) {
    if !pids_near_limit(&c.limits, &c.usage) {
        return;
    }
    let (max, current) = match (c.limits.pids_max, c.usage.pids_current) {
        (Some(Limit::Value(max)), Some(current)) => (max, current),
        _ => return,
    };
    out.push(finding(
        &CGROUP_PIDS_NEAR_LIMIT,
        Subject::Cgroup(c.path.clone()),
        format!(
            "{} holds {current} tasks of its pids.max {max}",
            owner(index, c)
        ),
    ));
}

fn pids_limit_hit(index: &Index, c: &Cgroup, out: &mut Vec<Finding>) {
    let Some(refused) = own_events(c, |u| u.pids_max_events) else {
        return;
    };
    let limit = match c.limits.pids_max {
        Some(Limit::Value(max)) => format!(" {max}"),
        _ => String::new(),
    };
    out.push(finding(
        &CGROUP_PIDS_LIMIT_HIT,
        Subject::Cgroup(c.path.clone()),
        format!(
            "{} was refused {refused} fork{} at its pids.max{limit} (pids.events max)",
            owner(index, c),
            if refused == 1 { "" } else { "s" }
        ),
    ));
}
