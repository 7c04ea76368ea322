//! cgroups between two snapshots, by path: the event and throttling counters over the
//! interval (a counter that went down was reset: the cgroup was made again), the limits that
//! changed, and the cgroups made and removed.

use super::{time, CgroupChanges, Counter, CounterChange, LimitChange};
use crate::model::{Cgroup, Limits, Model, Usage};
use serde::Serialize;
use std::cmp::Ordering;

impl Counter {
    /// The counter's value in a cgroup's usage.
    pub fn read(self, usage: &Usage) -> Option<u64> {
        match self {
            Counter::OomKills => usage.oom_kills,
            Counter::MemoryMaxEvents => usage.memory_max_events,
            Counter::MemoryHighEvents => usage.memory_high_events,
            Counter::MemoryFailcnt => usage.memory_failcnt,
            Counter::CpuNrPeriods => usage.cpu_nr_periods,
            Counter::CpuNrThrottled => usage.cpu_nr_throttled,
            Counter::CpuThrottledUsec => usage.cpu_throttled_usec,
            Counter::PidsMaxEvents => usage.pids_max_events,
        }
    }

    /// The kernel's file and key the counter is read from in this cgroup: v1 and v2 differ
    /// for OOM kills and throttled time.
    pub fn file(self, cgroup: &Cgroup) -> &'static str {
        let v1 = |controller: &str| {
            cgroup
                .hierarchies
                .iter()
                .any(|h| h.split(',').any(|c| c == controller))
        };
        match self {
            Counter::OomKills if v1("memory") => "memory.oom_control oom_kill",
            Counter::OomKills => "memory.events oom_kill",
            Counter::MemoryMaxEvents => "memory.events max",
            Counter::MemoryHighEvents => "memory.events high",
            Counter::MemoryFailcnt => "memory.failcnt",
            Counter::CpuNrPeriods => "cpu.stat nr_periods",
            Counter::CpuNrThrottled => "cpu.stat nr_throttled",
            Counter::CpuThrottledUsec if v1("cpu") => "cpu.stat throttled_time",
            Counter::CpuThrottledUsec => "cpu.stat throttled_usec",
            Counter::PidsMaxEvents => "pids.events max",
        }
    }
}

pub(super) fn compare(
    old: &Model,
    new: &Model,
    interval: Option<f64>,
) -> (Vec<CounterChange>, Vec<LimitChange>, CgroupChanges) {
    let mut counters = Vec::new();
    let mut limits = Vec::new();
    let mut cgroups = CgroupChanges::default();
    // Both lists are sorted by path: one pass pairs them.
    let (mut a, mut b) = (old.cgroups.iter().peekable(), new.cgroups.iter().peekable());
    loop {
        let order = match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => x.path.cmp(&y.path),
        };
        match order {
            Ordering::Less => {
                if let Some(gone) = a.next() {
                    cgroups.removed.push(gone.path.clone());
                }
            }
            Ordering::Greater => {
                if let Some(made) = b.next() {
                    cgroups.added.push(made.path.clone());
                    counter_changes(None, made, interval, &mut counters);
                }
            }
            Ordering::Equal => {
                if let (Some(was), Some(now)) = (a.next(), b.next()) {
                    counter_changes(Some(was), now, interval, &mut counters);
                    limit_changes(was, now, &mut limits);
                }
            }
        }
    }
    (counters, limits, cgroups)
}

/// The counters of one cgroup that changed; for a cgroup made during the interval (`was` is
/// None), the counters that are not zero: all their events happened in the interval.
fn counter_changes(
    was: Option<&Cgroup>,
    now: &Cgroup,
    interval: Option<f64>,
    out: &mut Vec<CounterChange>,
) {
    for counter in Counter::ALL {
        let Some(new) = counter.read(&now.usage) else {
            continue;
        };
        let (old, delta, reset) = match was {
            Some(was) => {
                // A counter the old snapshot could not read has no baseline: nothing to say.
                let Some(old) = counter.read(&was.usage) else {
                    continue;
                };
                match new.cmp(&old) {
                    Ordering::Equal => continue,
                    Ordering::Greater => (Some(old), new - old, false),
                    Ordering::Less => (Some(old), new, true),
                }
            }
            None => {
                // Periods alone say nothing; with throttled periods they give the share.
                let throttled = Counter::CpuNrThrottled.read(&now.usage).unwrap_or(0);
                if new == 0 || (counter == Counter::CpuNrPeriods && throttled == 0) {
                    continue;
                }
                (None, new, false)
            }
        };
        out.push(CounterChange {
            cgroup: now.path.clone(),
            counter,
            file: counter.file(now),
            old,
            new,
            delta,
            per_second: time::rate(delta, interval),
            reset,
            own: true,
            container_id: now.container_id.clone(),
            pod_uid: now.pod_uid.clone(),
        });
    }
}

fn value<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

fn limit_changes(was: &Cgroup, now: &Cgroup, out: &mut Vec<LimitChange>) {
    let (a, b): (&Limits, &Limits) = (&was.limits, &now.limits);
    let mut push = |limit: &'static str, old: serde_json::Value, new: serde_json::Value| {
        out.push(LimitChange {
            cgroup: now.path.clone(),
            limit,
            old,
            new,
            container_id: now.container_id.clone(),
            pod_uid: now.pod_uid.clone(),
        });
    };
    // Compared typed; turned into JSON values only when they differ.
    macro_rules! compare {
        ($($field:ident),*) => {
            $(if a.$field != b.$field {
                push(stringify!($field), value(&a.$field), value(&b.$field));
            })*
        };
    }
    compare!(
        memory_max_bytes,
        memory_high_bytes,
        cpu_quota_usec,
        cpu_period_usec,
        cpu_weight,
        cpu_shares,
        pids_max,
        cpuset_cpus
    );
}
