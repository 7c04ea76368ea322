//! A diff put into words once, for the terminal view and the report alike: the title, and one
//! section per kind of change, each a list of lines marked `+` (new), `-` (gone), `~` (changed
//! in place) or unmarked, as `diff` prints them. Counters read `old -> new (+delta, rate)`.
//! The text is node text, unescaped: each medium makes it safe its own way. The findings about
//! the interval are findings, shown as each medium shows findings.

use super::text::plural;
use super::units;
use crate::diff::{
    ContainerInfo, Counter, CounterChange, Diff, FactChange, Group, GroupCount, LimitChange,
    MovedProcess, ProcessRef, Restart, RuntimeRestart, ZombieChange,
};
use crate::model::{CgroupPath, ContainerId, Pid, PodUid};
use std::collections::BTreeMap;

/// How a line of a diff begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Added,
    Removed,
    Changed,
    /// A heading within a section, or a count.
    Plain,
}

impl Mark {
    /// `+`, `-`, `~` or a space.
    pub fn sign(self) -> &'static str {
        match self {
            Mark::Added => "+",
            Mark::Removed => "-",
            Mark::Changed => "~",
            Mark::Plain => " ",
        }
    }
}

/// What a line is about, where a medium can link to it (the report's anchors).
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Pod(PodUid),
    Container(ContainerId),
    Process(Pid),
    Cgroup(CgroupPath),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub mark: Mark,
    /// 0 for a line of the section, 1 for one under a heading line (a cgroup's counters, a
    /// container's processes).
    pub depth: u8,
    pub text: String,
    pub target: Option<Target>,
}

impl Line {
    fn new(mark: Mark, depth: u8, text: impl Into<String>) -> Line {
        Line {
            mark,
            depth,
            text: text.into(),
            target: None,
        }
    }

    fn about(mut self, target: Target) -> Line {
        self.target = Some(target);
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Its anchor in the report: `node`, `pods`, `containers`, `processes`, `counters`,
    /// `limits`, `cgroups`, `findings`.
    pub key: &'static str,
    pub title: String,
    pub lines: Vec<Line>,
    /// A note under the lines, such as what was left out.
    pub note: Option<String>,
}

/// What the sections show besides the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Detail {
    /// The processes that started and went, under their containers.
    pub processes: bool,
    /// At most this many cgroups made and removed are listed (the terminal's choice); None
    /// lists them all (the report's).
    pub cgroups_listed: Option<usize>,
}

/// `worker-2: 2024-01-08T07:58:51Z -> 2024-01-08T08:03:51Z (5 min 0 s)`.
pub fn title(diff: &Diff) -> String {
    let host = match (&diff.old.hostname, &diff.new.hostname) {
        (Some(a), Some(b)) if a == b => a.clone(),
        (a, b) => format!(
            "{} -> {}",
            a.as_deref().unwrap_or("?"),
            b.as_deref().unwrap_or("?")
        ),
    };
    format!(
        "{host}: {} -> {} ({})",
        diff.old.collected_at,
        diff.new.collected_at,
        interval(diff)
    )
}

/// `5 min 0 s`, `5 min 0 s earlier` or `unknown interval`.
pub fn interval(diff: &Diff) -> String {
    match diff.interval_seconds {
        Some(s) if s >= 0.0 => units::duration_ms((s * 1000.0).round() as u64),
        Some(s) => format!(
            "{} earlier",
            units::duration_ms((-s * 1000.0).round() as u64)
        ),
        None => "unknown interval".to_string(),
    }
}

/// `shop/web · nginx (d62b4a22abd2)`, `web (7815da7101f1)`, or the short id.
pub fn container(diff: &Diff, id: &ContainerId) -> String {
    match diff.containers.details.get(id) {
        Some(ContainerInfo {
            label,
            pod: Some(pod),
            ..
        }) => format!("{pod} · {label} ({})", id.short()),
        Some(info) => format!("{} ({})", info.label, id.short()),
        None => id.short().to_string(),
    }
}

/// Where a group of processes lives, as the processes section names it.
pub fn group(diff: &Diff, g: &GroupCount) -> String {
    match (g.group, &g.container_id, &g.pod_uid) {
        (Group::Container, Some(id), _) => container(diff, id),
        (Group::Pod, _, Some(uid)) => {
            format!("pod {} (outside its containers)", diff.pod_label(uid))
        }
        (Group::KernelThreads, ..) => "kernel threads".to_string(),
        _ => "host".to_string(),
    }
}

/// A process in a list: `   3792 S node server.js`.
pub fn process(p: &ProcessRef) -> String {
    format!("{:>7} {} {}", p.pid, p.state, p.command)
}

/// The container or pod a cgroup belongs to, or nothing.
pub fn owner(diff: &Diff, container_id: Option<&ContainerId>, pod: Option<&PodUid>) -> String {
    match (container_id, pod) {
        (Some(id), _) => container(diff, id),
        (None, Some(uid)) => format!("pod {}", diff.pod_label(uid)),
        (None, None) => String::new(),
    }
}

/// Every section with something to show, in reading order.
pub fn sections(diff: &Diff, detail: Detail) -> Vec<Section> {
    let sections = [
        node(diff),
        pods(diff),
        containers(diff),
        processes(diff, detail),
        counters(diff),
        limits(diff),
        cgroups(diff, detail),
        findings(diff),
    ];
    sections.into_iter().flatten().collect()
}

fn section(key: &'static str, title: impl Into<String>, lines: Vec<Line>) -> Option<Section> {
    (!lines.is_empty()).then(|| Section {
        key,
        title: title.into(),
        lines,
        note: None,
    })
}

fn fact_name(fact: &str) -> &str {
    match fact {
        "memory_total_bytes" => "memory",
        "memory_available_bytes" => "memory available",
        "loadavg" => "load",
        "kubelet_pid" => "kubelet pid",
        "boot_id" => "boot id",
        "boot_time" => "booted",
        "cgroup_mode" => "cgroups",
        "cgroup_driver" => "cgroup driver",
        other => other,
    }
}

/// A node fact's value: bytes as quantities, load averages with two decimals.
fn fact_value(fact: &str, value: &serde_json::Value) -> String {
    use serde_json::Value;
    match (fact, value) {
        (_, Value::Null) => "unknown".to_string(),
        ("memory_total_bytes" | "memory_available_bytes", Value::Number(n)) => n
            .as_u64()
            .map_or_else(|| n.to_string(), units::bytes_compact),
        ("loadavg", Value::Array(values)) => values
            .iter()
            .map(|v| {
                v.as_f64()
                    .map_or_else(|| v.to_string(), |f| format!("{f:.2}"))
            })
            .collect::<Vec<_>>()
            .join(" "),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

fn runtime_restart(r: &RuntimeRestart) -> String {
    let pid = |p: Option<Pid>| p.map_or("none".to_string(), |p| p.to_string());
    format!(
        "runtime {} restarted: pid {} -> {}",
        r.id,
        pid(r.old_pid),
        pid(r.new_pid)
    )
}

fn node(diff: &Diff) -> Option<Section> {
    let changes = &diff.node;
    let mut lines: Vec<Line> = changes
        .facts
        .iter()
        .map(|FactChange { fact, old, new }| {
            Line::new(
                Mark::Changed,
                0,
                format!(
                    "{:<17}{} -> {}",
                    fact_name(fact),
                    fact_value(fact, old),
                    fact_value(fact, new)
                ),
            )
        })
        .collect();
    let runtimes = &changes.runtimes;
    lines.extend(
        runtimes
            .removed
            .iter()
            .map(|id| Line::new(Mark::Removed, 0, format!("runtime {id}"))),
    );
    lines.extend(
        runtimes
            .added
            .iter()
            .map(|id| Line::new(Mark::Added, 0, format!("runtime {id}"))),
    );
    lines.extend(
        runtimes
            .restarted
            .iter()
            .map(|r| Line::new(Mark::Changed, 0, runtime_restart(r))),
    );
    section("node", "Node", lines)
}

fn pods(diff: &Diff) -> Option<Section> {
    let p = &diff.pods;
    let describe = |uid: &PodUid| {
        let mut text = format!("{} ({uid})", diff.pod_label(uid));
        if let Some(qos) = p.details.get(uid).and_then(|d| d.qos) {
            text.push_str(&format!(" {qos}"));
        }
        text
    };
    let mut lines: Vec<Line> = p
        .removed
        .iter()
        .map(|uid| Line::new(Mark::Removed, 0, describe(uid)).about(Target::Pod(uid.clone())))
        .collect();
    for uid in &p.added {
        let mut text = describe(uid);
        if let Some(r) = p.replaced.iter().find(|r| &r.new_uid == uid) {
            text.push_str(&format!(", replaces {}", r.old_uid));
        }
        lines.push(Line::new(Mark::Added, 0, text).about(Target::Pod(uid.clone())));
    }
    section("pods", "Pods", lines)
}

/// `shop/web · nginx restarted 2 times: a21fd8e0207b -> ce4dbca95447, running since ...`.
pub fn restart(diff: &Diff, r: &Restart) -> String {
    let place = r
        .pod_uid
        .as_ref()
        .map(|uid| format!("{} · ", diff.pod_label(uid)))
        .unwrap_or_default();
    let how = if r.in_place {
        format!("restarted in place ({})", r.new_id.short())
    } else {
        format!(
            "restarted {}: {} -> {}",
            match r.restart_count {
                1 => "once".to_string(),
                n => format!("{n} times"),
            },
            r.old_id.short(),
            r.new_id.short()
        )
    };
    let mut text = format!("{place}{} {how}", r.name);
    if let Some(at) = &r.started_at {
        text.push_str(&format!(", running since {at}"));
    }
    text
}

fn containers(diff: &Diff) -> Option<Section> {
    let c = &diff.containers;
    let mut lines: Vec<Line> = c
        .restarted
        .iter()
        .map(|r| {
            Line::new(Mark::Changed, 0, restart(diff, r)).about(Target::Container(r.new_id.clone()))
        })
        .collect();
    // By label, each line about its container.
    let sorted = |ids: &[ContainerId], mark: Mark, suffix: &str| {
        let mut labelled: Vec<(String, &ContainerId)> = ids
            .iter()
            .map(|id| (format!("{}{suffix}", container(diff, id)), id))
            .collect();
        labelled.sort();
        labelled
            .into_iter()
            .map(|(text, id)| Line::new(mark, 0, text).about(Target::Container(id.clone())))
            .collect::<Vec<_>>()
    };
    lines.extend(sorted(&c.removed, Mark::Removed, ""));
    lines.extend(sorted(&c.added, Mark::Added, ""));
    lines.extend(sorted(&c.stopped, Mark::Changed, " stopped"));
    lines.extend(sorted(&c.started, Mark::Changed, " started"));
    section("containers", "Containers", lines)
}

fn moved(m: &MovedProcess) -> String {
    let mut what: Vec<String> = m
        .cgroups
        .iter()
        .take(1)
        .map(|c| {
            format!(
                "cgroup {} -> {}",
                c.old.as_deref().unwrap_or("?"),
                c.new.as_deref().unwrap_or("?")
            )
        })
        .collect();
    if m.cgroups.len() > 1 {
        what.push(format!("{} more hierarchies", m.cgroups.len() - 1));
    }
    what.extend(m.namespaces.iter().map(|n| {
        let inode = |i: Option<u64>| i.map_or("?".to_string(), |i| i.to_string());
        format!("{} {} -> {}", n.kind, inode(n.old), inode(n.new))
    }));
    format!(
        "moved {} {}: {}",
        m.process.pid,
        m.process.comm,
        what.join(", ")
    )
}

fn zombies(z: &ZombieChange) -> String {
    let parent = match &z.parent_comm {
        Some(comm) => format!("{comm} {}", z.parent),
        None => format!("pid {}", z.parent),
    };
    format!("zombies of {parent}: {} -> {}", z.old, z.new)
}

fn processes(diff: &Diff, detail: Detail) -> Option<Section> {
    let p = &diff.processes;
    let lists = p.list.as_ref().filter(|_| detail.processes);
    // Containers by their labels (a restarted one's old and new ids side by side), then the
    // pods' own processes, the host's and the kernel's threads.
    let mut groups: Vec<(&GroupCount, String)> = p
        .per_container
        .iter()
        .map(|g| (g, group(diff, g)))
        .collect();
    groups.sort_by(|(a, x), (b, y)| (a.group, x).cmp(&(b.group, y)));
    let mut lines = Vec::new();
    for (g, label) in groups {
        let counts = match (g.started, g.gone) {
            (s, 0) => format!("+{s}"),
            (0, g) => format!("-{g}"),
            (s, g) => format!("+{s} -{g}"),
        };
        lines.push(Line::new(Mark::Plain, 0, format!("{counts:<9}{label}")));
        if let Some(lists) = lists {
            let ours = |r: &&ProcessRef| {
                r.group == g.group
                    && r.container_id == g.container_id
                    && (g.group != Group::Pod || r.pod_uid == g.pod_uid)
            };
            lines.extend(
                lists
                    .gone
                    .iter()
                    .filter(ours)
                    .map(|r| Line::new(Mark::Removed, 1, process(r)).about(Target::Process(r.pid))),
            );
            lines.extend(
                lists
                    .started
                    .iter()
                    .filter(ours)
                    .map(|r| Line::new(Mark::Added, 1, process(r)).about(Target::Process(r.pid))),
            );
        }
    }
    lines.extend(
        p.moved
            .iter()
            .map(|m| Line::new(Mark::Changed, 0, moved(m)).about(Target::Process(m.process.pid))),
    );
    lines.extend(p.uninterruptible_in_both.iter().map(|r| {
        Line::new(
            Mark::Plain,
            0,
            format!("in D state in both: {}", process(r).trim_start()),
        )
        .about(Target::Process(r.pid))
    }));
    lines.extend(
        p.zombies
            .iter()
            .map(|z| Line::new(Mark::Changed, 0, zombies(z))),
    );
    section(
        "processes",
        format!("Processes  +{} -{}", p.started, p.gone),
        lines,
    )
}

/// `3 -> 4 (+1, 0.2/min)`, `2 -> 1 (reset, +1 since, 0.2/min)`, `new cgroup: 1 (+1, ...)`;
/// throttled time as durations and the share of a cpu it stood for: `0.0s -> 1m58s (+1m58s,
/// 0.39 s/s)`.
pub fn counter_values(c: &CounterChange) -> String {
    let time = c.counter == Counter::CpuThrottledUsec;
    let value = |n: u64| {
        if time {
            units::duration_compact(n)
        } else {
            units::count(n)
        }
    };
    let mut detail = vec![if c.reset {
        format!("reset, +{} since", value(c.delta))
    } else {
        format!("+{}", value(c.delta))
    }];
    match c.per_second {
        Some(rate) if time => detail.push(format!("{:.2} s/s", rate / 1_000_000.0)),
        Some(rate) => detail.push(units::rate(rate)),
        None => {}
    }
    let values = match c.old {
        Some(old) => format!("{} -> {}", value(old), value(c.new)),
        None => format!("new cgroup: {}", value(c.new)),
    };
    format!("{values} ({})", detail.join(", "))
}

fn counters(diff: &Diff) -> Option<Section> {
    let shown: Vec<&CounterChange> = diff.counters.iter().filter(|c| c.own).collect();
    let hidden = diff.counters.len() - shown.len();
    // By cgroup, in the diff's order (by path).
    let mut order: Vec<&CounterChange> = Vec::new();
    let mut by_cgroup: BTreeMap<usize, Vec<&CounterChange>> = BTreeMap::new();
    for c in &shown {
        let at = match order.iter().position(|o| o.cgroup == c.cgroup) {
            Some(at) => at,
            None => {
                order.push(c);
                order.len() - 1
            }
        };
        by_cgroup.entry(at).or_default().push(c);
    }
    let mut lines = Vec::new();
    for (at, first) in order.iter().enumerate() {
        let who = owner(diff, first.container_id.as_ref(), first.pod_uid.as_ref());
        lines.push(
            Line::new(
                Mark::Plain,
                0,
                if who.is_empty() {
                    first.cgroup.to_string()
                } else {
                    format!("{who}  {}", first.cgroup)
                },
            )
            .about(Target::Cgroup(first.cgroup.clone())),
        );
        let changes = by_cgroup.get(&at).map(Vec::as_slice).unwrap_or_default();
        let file_width = changes.iter().map(|c| c.file.len()).max().unwrap_or(0);
        lines.extend(changes.iter().map(|c| {
            Line::new(
                Mark::Changed,
                1,
                format!("{:<file_width$}  {}", c.file, counter_values(c)),
            )
        }));
    }
    let note = (hidden > 0).then(|| {
        format!(
            "{} of ancestors not shown: cgroup v2 counts a child's events in each ancestor \
             too; the JSON (--format json) lists them.",
            plural(hidden, "count", "counts")
        )
    });
    if lines.is_empty() && note.is_none() {
        return None;
    }
    Some(Section {
        key: "counters",
        title: "Counters".to_string(),
        lines,
        note,
    })
}

/// A limit's value: bytes as quantities, `max`, or as it is.
fn limit_value(limit: &str, value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "none".to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) if limit.ends_with("_bytes") => n
            .as_u64()
            .map_or_else(|| n.to_string(), units::bytes_compact),
        other => other.to_string(),
    }
}

fn limits(diff: &Diff) -> Option<Section> {
    let lines = diff
        .limits
        .iter()
        .map(|l: &LimitChange| {
            let who = owner(diff, l.container_id.as_ref(), l.pod_uid.as_ref());
            let place = if who.is_empty() {
                l.cgroup.to_string()
            } else {
                who
            };
            Line::new(
                Mark::Changed,
                0,
                format!(
                    "{place}  {} {} -> {}",
                    l.limit,
                    limit_value(l.limit, &l.old),
                    limit_value(l.limit, &l.new)
                ),
            )
        })
        .collect();
    section("limits", "Limits", lines)
}

fn cgroups(diff: &Diff, detail: Detail) -> Option<Section> {
    let c = &diff.cgroups;
    let keep = detail.cgroups_listed.unwrap_or(usize::MAX);
    let mut lines: Vec<Line> = c
        .removed
        .iter()
        .take(keep)
        .map(|p| Line::new(Mark::Removed, 0, p.to_string()))
        .collect();
    lines.extend(
        c.added
            .iter()
            .take(keep)
            .map(|p| Line::new(Mark::Added, 0, p.to_string())),
    );
    let unlisted = c.removed.len().saturating_sub(keep) + c.added.len().saturating_sub(keep);
    let mut section = section(
        "cgroups",
        format!("cgroups  +{} -{}", c.added.len(), c.removed.len()),
        lines,
    )?;
    if unlisted > 0 {
        section.note = Some(format!("… {unlisted} more (--format json lists them)"));
    }
    Some(section)
}

fn findings(diff: &Diff) -> Option<Section> {
    let f = &diff.findings;
    let line = |mark, severity: crate::model::Severity, rule: &str, message: String| {
        Line::new(mark, 0, format!("{severity:<9}{rule}  {message}"))
    };
    let mut lines: Vec<Line> = f
        .resolved
        .iter()
        .map(|r| line(Mark::Removed, r.severity, &r.rule, r.message.clone()))
        .collect();
    lines.extend(
        f.appeared
            .iter()
            .map(|r| line(Mark::Added, r.severity, &r.rule, r.message.clone())),
    );
    lines.extend(f.changed.iter().map(|c| {
        line(
            Mark::Changed,
            c.severity,
            &c.rule,
            format!("{} (was: {})", c.new_message, c.old_message),
        )
    }));
    section("findings", "Findings of the snapshots", lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_read_old_to_new_with_delta_and_rate() {
        let mut c = CounterChange {
            cgroup: crate::model::CgroupPath::new("/a").unwrap(),
            counter: Counter::OomKills,
            file: "memory.events oom_kill",
            old: Some(3),
            new: 4,
            delta: 1,
            per_second: Some(1.0 / 300.0),
            reset: false,
            own: true,
            container_id: None,
            pod_uid: None,
        };
        assert_eq!(counter_values(&c), "3 -> 4 (+1, 0.2/min)");
        c.old = Some(5);
        c.reset = true;
        assert_eq!(counter_values(&c), "5 -> 4 (reset, +1 since, 0.2/min)");
        c.old = None;
        c.reset = false;
        c.per_second = None;
        assert_eq!(counter_values(&c), "new cgroup: 4 (+1)");
        c.counter = Counter::CpuThrottledUsec;
        c.old = Some(0);
        c.new = 118_000_000;
        c.delta = 118_000_000;
        c.per_second = Some(118_000_000.0 / 300.0);
        assert_eq!(counter_values(&c), "0.0s -> 1m58s (+1m58s, 0.39 s/s)");
    }

    #[test]
    fn a_diff_of_nothing_has_no_sections() {
        let model = crate::fixture::seed();
        let diff = crate::analyze_diff(&model, &model);
        assert!(sections(&diff, Detail::default()).is_empty());
        assert!(title(&diff).ends_with("(0 ms)"), "{}", title(&diff));
    }
}
