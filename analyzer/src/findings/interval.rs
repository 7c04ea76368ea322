//! Findings that need time: rules over a [`Diff`], what changed between two observations of a
//! node, rather than over one model. The same judge as the single-snapshot rules, with its own
//! catalogue (`INTERVAL_RULES`, docs/MODEL.md's second table) and thresholds.
//!
//! The rules read only the diff, never a model, so that they judge any two observations alike:
//! two snapshots (`analyzer diff OLD NEW`), or the first and last samples of one snapshot taken
//! with several samples. "In both" then means "in the first and in the last"; a source that
//! knows more (a state in every sample) fills the diff's lists with that stricter meaning.

use super::{finding, Rule, THROTTLED_MIN_PERIODS, THROTTLED_PERCENT};
use crate::diff::{Counter, CounterChange, Diff, Restart, WarningKind, ZombieChange};
use crate::model::{CgroupPath, Finding, Severity, Subject};
use crate::present::text::plural;
use crate::present::units;
use std::collections::HashMap;

/// A parent whose zombies grew by at least this many is reported even if none of its old
/// zombies is left (a burst of unreaped children).
pub const ZOMBIES_GROWING_MIN: usize = 5;

pub const NODE_REBOOTED: Rule = Rule {
    id: "node-rebooted",
    severity: Severity::Warning,
    title: "The node rebooted between the snapshots",
    explanation: "The two snapshots carry different boot ids (proc/sys/kernel/random/boot_id is \
        drawn anew at every boot), so the node restarted in between: every process, container \
        and cgroup counter of the new snapshot started after the reboot, and the rest of the \
        diff lists them all as new. Find out why it rebooted before reading further: the \
        journal of the previous boot (journalctl -b -1), a kernel panic or hung task in the \
        console log, the cloud provider's maintenance events, or an OOM of the whole node.",
};

pub const CONTAINER_RESTARTED: Rule = Rule {
    id: "container-restarted",
    severity: Severity::Warning,
    title: "Container restarted between the snapshots",
    explanation: "The container's pod and name (for a standalone container, its name on its \
        runtime) went to a new container id, or under the same id its first process was started \
        again: it exited and its runtime, the kubelet or a restart policy made it again. \
        Kubernetes shows this as the pod's RESTARTS column and CrashLoopBackOff when it repeats. \
        Look at why it exited: the previous container's logs (kubectl logs --previous, docker \
        logs), its exit code in kubectl describe pod (137 is a kill, often the OOM killer; \
        oom-kills-in-interval says so when its cgroup counted one), a failed liveness probe in \
        the events, or a crash in the application.",
};

pub const OOM_KILLS_IN_INTERVAL: Rule = Rule {
    id: "oom-kills-in-interval",
    severity: Severity::Critical,
    title: "Processes killed for running out of memory during the interval",
    explanation: "The cgroup's OOM kill counter (memory.events oom_kill on cgroup v2, \
        memory.oom_control oom_kill on v1) grew between the snapshots: the kernel killed a \
        process there because the cgroup reached its memory limit, in the window you are \
        looking at, not at some time since the cgroup was made (which cgroup-oom-kills counts). \
        In Kubernetes the killed container shows OOMKilled and restarts. Compare the usage \
        with the limit, raise the memory limit or find what grows.",
};

pub const MEMORY_LIMIT_HIT_IN_INTERVAL: Rule = Rule {
    id: "memory-limit-hit-in-interval",
    severity: Severity::Warning,
    title: "Memory use reached the cgroup's limit during the interval",
    explanation: "Between the snapshots the cgroup's memory use reached its limit (memory.events \
        max, or memory.failcnt on cgroup v1) or went over memory.high (memory.events high) this \
        many times. Each time the kernel reclaimed memory from the cgroup, page cache first, and \
        over memory.high it also slowed the cgroup's allocations down: the workload runs slower \
        now, and the OOM killer is next when reclaim cannot free enough. Compare usage with the \
        limits; raise them or find what grows.",
};

pub const CPU_THROTTLED_IN_INTERVAL: Rule = Rule {
    id: "cpu-throttled-in-interval",
    severity: Severity::Warning,
    title: "Heavy cpu throttling during the interval",
    explanation: "The cgroup used up its cpu quota (a Kubernetes cpu limit) in a large share of \
        the scheduling periods between the snapshots (the growth of nr_throttled over the growth \
        of nr_periods in cpu.stat): it is throttled now, not only at some time since it was \
        made, which is all one snapshot's cgroup-cpu-throttled can say. Throttled threads wait \
        for the next period, which shows as latency even on an idle node. Raise or remove the \
        cpu limit, or reduce the number of busy threads.",
};

pub const PIDS_LIMIT_HIT_IN_INTERVAL: Rule = Rule {
    id: "pids-limit-hit-in-interval",
    severity: Severity::Warning,
    title: "Forks refused at pids.max during the interval",
    explanation: "Between the snapshots the pids controller refused to create a process or \
        thread this many times because the cgroup was at pids.max (pids.events max). Each \
        refusal is a failed fork or pthread_create (EAGAIN, 'resource temporarily \
        unavailable') in the application, happening now. Look for a thread leak or zombies, or \
        raise the kubelet's podPidsLimit.",
};

pub const PROCESS_STUCK_UNINTERRUPTIBLE: Rule = Rule {
    id: "process-stuck-uninterruptible",
    severity: Severity::Warning,
    title: "Process in uninterruptible sleep in both snapshots",
    explanation: "The same process (same pid and start time) was in state D in both snapshots: \
        it has waited inside the kernel at least the whole interval, which no healthy I/O does. \
        It cannot be killed until the wait ends and it raises the load average. Look for hung \
        task warnings in dmesg, a hung NFS or iSCSI mount, a failing disk, or a cgroup frozen \
        or starved of memory; the process's /proc/<pid>/stack on the node shows where it waits.",
};

pub const ZOMBIES_GROWING: Rule = Rule {
    id: "zombies-growing",
    severity: Severity::Warning,
    title: "Zombies piling up under one parent",
    explanation: "The parent had more zombie children in the new snapshot than in the old one, \
        and either some of the old zombies are still there or many new ones came: it does not \
        reap its children (wait()), so they accumulate until they exhaust pids.max or the \
        node's pid_max. Common with an application running as pid 1 of a container without an \
        init (use tini or shareProcessNamespace) or a parent stuck elsewhere. Restarting the \
        parent releases them.",
};

/// Every rule over an interval, in the order docs list them.
pub const INTERVAL_RULES: &[Rule] = &[
    NODE_REBOOTED,
    CONTAINER_RESTARTED,
    OOM_KILLS_IN_INTERVAL,
    MEMORY_LIMIT_HIT_IN_INTERVAL,
    CPU_THROTTLED_IN_INTERVAL,
    PIDS_LIMIT_HIT_IN_INTERVAL,
    PROCESS_STUCK_UNINTERRUPTIBLE,
    ZOMBIES_GROWING,
];

/// Runs every interval rule over the diff. The reboot comes first, as it explains the rest;
/// then by severity (critical first), rule and subject.
pub fn evaluate(diff: &Diff) -> Vec<Finding> {
    let mut findings = Vec::new();
    let rebooted = diff
        .warnings
        .iter()
        .any(|w| w.kind == WarningKind::Rebooted);
    if rebooted {
        findings.push(finding(&NODE_REBOOTED, Subject::Node, reboot_message(diff)));
    }
    let counters = CgroupCounters::new(&diff.counters);
    // After a reboot every container started again: the reboot says so once.
    if !rebooted {
        for restart in &diff.containers.restarted {
            findings.push(restarted(diff, &counters, restart));
        }
    }
    counters.evaluate(diff, &mut findings);
    if diff.interval_seconds.is_some_and(|s| s > 0.0) {
        for p in &diff.processes.uninterruptible_in_both {
            let place = match (&p.container_id, &p.pod_uid) {
                (Some(id), Some(uid)) => format!(
                    " in container {} of pod {}",
                    diff.container_label(id),
                    diff.pod_label(uid)
                ),
                (Some(id), None) => format!(" in container {}", diff.container_label(id)),
                _ => String::new(),
            };
            findings.push(finding(
                &PROCESS_STUCK_UNINTERRUPTIBLE,
                Subject::Process(p.pid),
                format!(
                    "{} {}{place} was in uninterruptible sleep (D) in both snapshots, {} apart",
                    p.comm,
                    p.pid,
                    interval_text(diff)
                ),
            ));
        }
    }
    for z in &diff.processes.zombies {
        if growing(z) {
            findings.push(zombies(diff, z));
        }
    }
    findings.sort_by(|a, b| {
        let first = |f: &Finding| f.rule != NODE_REBOOTED.id;
        (first(a), a.severity, &a.rule, &a.subject).cmp(&(
            first(b),
            b.severity,
            &b.rule,
            &b.subject,
        ))
    });
    findings
}

/// `5 min 0 s`, or `an unknown time` when the collection times are not known.
fn interval_text(diff: &Diff) -> String {
    match diff.interval_seconds {
        Some(s) if s >= 0.0 => units::duration_ms((s * 1000.0).round() as u64),
        _ => "an unknown time".to_string(),
    }
}

fn reboot_message(diff: &Diff) -> String {
    let ids = match (&diff.old.boot_id, &diff.new.boot_id) {
        (Some(a), Some(b)) => format!("boot id {a} -> {b}"),
        _ => "the boot time moved".to_string(),
    };
    let when = match &diff.new.boot_time {
        Some(at) => format!(", booted again at {at}"),
        None => String::new(),
    };
    format!("the node rebooted between the snapshots ({ids}{when})")
}

fn restarted(diff: &Diff, counters: &CgroupCounters, r: &Restart) -> Finding {
    let what = if r.sandbox {
        "the sandbox".to_string()
    } else {
        format!("container {}", r.name)
    };
    let place = match &r.pod_uid {
        Some(uid) => format!(" of pod {}", diff.pod_label(uid)),
        None => String::new(),
    };
    let how = if r.in_place {
        format!(
            "restarted in place (id {}, its first process is new)",
            r.new_id.short()
        )
    } else {
        format!(
            "restarted {} ({} -> {})",
            match r.restart_count {
                1 => "once".to_string(),
                n => format!("{n} times"),
            },
            r.old_id.short(),
            r.new_id.short()
        )
    };
    let mut message = format!(
        "{what}{place} {how} between the snapshots, {} apart",
        interval_text(diff)
    );
    // An OOM kill counted where the container was (its pod's cgroup outlives it on v2) says
    // why it went.
    if let Some(kills) = counters.oom_kills_around(r) {
        message.push_str(&format!(
            "; {} counted in the interval where it ran, so it was probably OOM-killed",
            plural(kills as usize, "OOM kill was", "OOM kills were")
        ));
    }
    finding(
        &CONTAINER_RESTARTED,
        Subject::Container(r.new_id.clone()),
        message,
    )
}

fn growing(z: &ZombieChange) -> bool {
    z.new > z.old && (z.kept > 0 || z.new - z.old >= ZOMBIES_GROWING_MIN)
}

fn zombies(diff: &Diff, z: &ZombieChange) -> Finding {
    let parent = match &z.parent_comm {
        Some(comm) => format!("{comm} {}", z.parent),
        None => format!("pid {}", z.parent),
    };
    let place = match (&z.container_id, &z.pod_uid) {
        (Some(id), Some(uid)) => format!(
            " in container {} of pod {}",
            diff.container_label(id),
            diff.pod_label(uid)
        ),
        (Some(id), None) => format!(" in container {}", diff.container_label(id)),
        _ => String::new(),
    };
    let kept = if z.kept > 0 {
        format!(", {} of them left from the old snapshot", z.kept)
    } else {
        String::new()
    };
    finding(
        &ZOMBIES_GROWING,
        Subject::Process(z.parent),
        format!(
            "zombies under {parent}{place} grew from {} to {} in {}{kept}",
            z.old,
            z.new,
            interval_text(diff)
        ),
    )
}

/// The counter changes of each cgroup, for rules that read several of them together.
struct CgroupCounters<'d> {
    by_cgroup: Vec<(&'d CgroupPath, Vec<&'d CounterChange>)>,
    position: HashMap<&'d CgroupPath, usize>,
}

impl<'d> CgroupCounters<'d> {
    fn new(changes: &'d [CounterChange]) -> CgroupCounters<'d> {
        let mut by_cgroup: Vec<(&CgroupPath, Vec<&CounterChange>)> = Vec::new();
        let mut position = HashMap::new();
        for c in changes {
            let at = *position.entry(&c.cgroup).or_insert_with(|| {
                by_cgroup.push((&c.cgroup, Vec::new()));
                by_cgroup.len() - 1
            });
            by_cgroup[at].1.push(c);
        }
        CgroupCounters {
            by_cgroup,
            position,
        }
    }

    fn get(&self, path: &CgroupPath, counter: Counter) -> Option<&'d CounterChange> {
        let at = *self.position.get(path)?;
        self.by_cgroup[at]
            .1
            .iter()
            .find(|c| c.counter == counter)
            .copied()
    }

    /// OOM kills in the interval in the restarted container's cgroups or, for a container in
    /// a pod, in its pod's cgroup (which outlives the container).
    fn oom_kills_around(&self, r: &Restart) -> Option<u64> {
        let mut kills = 0;
        for (_, changes) in &self.by_cgroup {
            for c in changes
                .iter()
                .filter(|c| c.counter == Counter::OomKills && c.own)
            {
                let here = c.container_id.as_ref() == Some(&r.new_id)
                    || c.container_id.as_ref() == Some(&r.old_id)
                    || (c.container_id.is_none() && r.pod_uid.is_some() && c.pod_uid == r.pod_uid);
                if here {
                    kills += c.delta;
                }
            }
        }
        (kills > 0).then_some(kills)
    }

    fn evaluate(&self, diff: &Diff, out: &mut Vec<Finding>) {
        for (path, changes) in &self.by_cgroup {
            let first = changes[0];
            let owner =
                diff.cgroup_owner(path, first.container_id.as_ref(), first.pod_uid.as_ref());
            let during = format!("in the {} between the snapshots", interval_text(diff));
            let counted = |c: &CounterChange| -> String {
                let mut text = match c.old {
                    Some(old) => format!(
                        "{} {} -> {}",
                        c.file,
                        units::count(old),
                        units::count(c.new)
                    ),
                    None => format!(
                        "{} {} in a cgroup made in the interval",
                        c.file,
                        units::count(c.new)
                    ),
                };
                if c.reset {
                    text.push_str(&format!(
                        ", went down: the cgroup was made again and counted {} since",
                        units::count(c.new)
                    ));
                }
                if let Some(rate) = c.per_second {
                    text.push_str(&format!(", {}", units::rate(rate)));
                }
                text
            };
            let own = |counter: Counter| self.get(path, counter).filter(|c| c.own && c.delta > 0);
            if let Some(c) = own(Counter::OomKills) {
                out.push(finding(
                    &OOM_KILLS_IN_INTERVAL,
                    Subject::Cgroup((*path).clone()),
                    format!(
                        "{owner} had {} {during} ({})",
                        plural(c.delta as usize, "OOM kill", "OOM kills"),
                        counted(c)
                    ),
                ));
            }
            let hits: Vec<String> = [
                Counter::MemoryMaxEvents,
                Counter::MemoryFailcnt,
                Counter::MemoryHighEvents,
            ]
            .into_iter()
            .filter_map(own)
            .map(counted)
            .collect();
            if !hits.is_empty() {
                out.push(finding(
                    &MEMORY_LIMIT_HIT_IN_INTERVAL,
                    Subject::Cgroup((*path).clone()),
                    format!(
                        "{owner} reached its memory limit {during} ({})",
                        hits.join("; ")
                    ),
                ));
            }
            if let Some(percent) = self.throttled(path) {
                let (periods, throttled) = (
                    self.get(path, Counter::CpuNrPeriods).map_or(0, |c| c.delta),
                    self.get(path, Counter::CpuNrThrottled)
                        .map_or(0, |c| c.delta),
                );
                out.push(finding(
                    &CPU_THROTTLED_IN_INTERVAL,
                    Subject::Cgroup((*path).clone()),
                    format!(
                        "{owner} was throttled in {} of {} cpu periods ({percent}%) {during}",
                        units::count(throttled),
                        units::count(periods)
                    ),
                ));
            }
            if let Some(c) = own(Counter::PidsMaxEvents) {
                out.push(finding(
                    &PIDS_LIMIT_HIT_IN_INTERVAL,
                    Subject::Cgroup((*path).clone()),
                    format!(
                        "{owner} was refused {} at its pids.max {during} ({})",
                        plural(c.delta as usize, "fork", "forks"),
                        counted(c)
                    ),
                ));
            }
        }
    }

    /// The share of the interval's cpu periods that were throttled, in percent, when it is
    /// heavy: at least [`THROTTLED_PERCENT`] of at least [`THROTTLED_MIN_PERIODS`] periods (the
    /// single-snapshot rule's thresholds, applied to the interval's growth).
    fn throttled(&self, path: &CgroupPath) -> Option<u128> {
        let periods = self.get(path, Counter::CpuNrPeriods)?.delta;
        let throttled = self.get(path, Counter::CpuNrThrottled)?.delta;
        let percent = u128::from(throttled) * 100 / u128::from(periods.max(1));
        (periods >= THROTTLED_MIN_PERIODS && percent >= u128::from(THROTTLED_PERCENT))
            .then_some(percent)
    }
}
