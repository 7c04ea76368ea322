//! `analyzer diff OLD NEW`: what changed between two snapshots of one node, read like `diff`:
//! one section per kind of thing, `+` for what is new, `-` for what went, `~` for what changed
//! in place, counters as `old -> new (+delta, rate)`. The findings about the interval come
//! first, then the snapshots' own findings that appeared and were resolved at the end.
//! Nothing unchanged is shown.

use super::text::{sanitize, wrap, Palette, Style, Width};
use crate::diff::{
    ContainerInfo, Counter, CounterChange, Diff, FactChange, Group, GroupCount, LimitChange,
    ProcessRef,
};
use crate::model::{ContainerId, PodUid, Severity};
use crate::present::text::plural;
use crate::present::units;
use std::collections::BTreeMap;

/// Lists longer than this (cgroups made and removed) are cut, with a count of the rest.
const LISTED: usize = 20;

/// What the view shows besides the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// The started and gone processes themselves, not only their counts.
    pub processes: bool,
}

/// How a line of the view begins: `+`, `-`, `~` or two spaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Added,
    Removed,
    Changed,
    None,
}

struct View {
    out: String,
    width: Width,
    palette: Palette,
}

impl View {
    fn header(&mut self, title: &str) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.out.push_str(&self.palette.paint(Style::Header, title));
        self.out.push('\n');
    }

    /// One line: its mark, then `text` (sanitized by the caller) cut to the width.
    fn line(&mut self, mark: Mark, text: &str) {
        let (sign, style) = match mark {
            Mark::Added => ("+", Style::Added),
            Mark::Removed => ("-", Style::Removed),
            Mark::Changed => ("~", Style::Severity(Severity::Warning)),
            Mark::None => (" ", Style::Plain),
        };
        self.out.push_str(&self.palette.paint(style, sign));
        self.out.push(' ');
        self.out.push_str(&self.width.fit(text, 2));
        self.out.push('\n');
    }

    /// A long text broken into lines of the width, every line after the first indented.
    fn wrapped(&mut self, indent: usize, text: &str) {
        match self.width {
            Width::Columns(columns) => {
                for line in wrap(
                    &format!("{}{text}", " ".repeat(indent)),
                    columns,
                    indent + 2,
                ) {
                    self.out.push_str(&line);
                    self.out.push('\n');
                }
            }
            Width::Unlimited => {
                self.out.push_str(&" ".repeat(indent));
                self.out.push_str(text);
                self.out.push('\n');
            }
        }
    }
}

pub fn render(diff: &Diff, options: Options, width: Width, palette: Palette) -> String {
    let mut view = View {
        out: String::new(),
        width,
        palette,
    };
    title(&mut view, diff);
    for warning in &diff.warnings {
        let text = format!("warning: {}", sanitize(&warning.message));
        let lines = match width {
            Width::Columns(columns) => wrap(&text, columns, 9),
            Width::Unlimited => vec![text],
        };
        for (i, line) in lines.iter().enumerate() {
            match line.strip_prefix("warning:").filter(|_| i == 0) {
                Some(rest) => {
                    let word = palette.paint(Style::Severity(Severity::Warning), "warning:");
                    view.out.push_str(&word);
                    view.out.push_str(rest);
                }
                None => view.out.push_str(line),
            }
            view.out.push('\n');
        }
    }
    if diff.is_empty() {
        view.out
            .push_str("\nNo differences: the two snapshots say the same about the node.\n");
        return view.out;
    }
    interval_findings(&mut view, diff);
    node(&mut view, diff);
    pods(&mut view, diff);
    containers(&mut view, diff);
    processes(&mut view, diff, options);
    counters(&mut view, diff);
    limits(&mut view, diff);
    cgroups(&mut view, diff);
    findings(&mut view, diff);
    view.out
}

fn title(view: &mut View, diff: &Diff) {
    let host = match (&diff.old.hostname, &diff.new.hostname) {
        (Some(a), Some(b)) if a == b => sanitize(a).into_owned(),
        (a, b) => format!(
            "{} -> {}",
            sanitize(a.as_deref().unwrap_or("?")),
            sanitize(b.as_deref().unwrap_or("?"))
        ),
    };
    let interval = match diff.interval_seconds {
        Some(s) if s >= 0.0 => units::duration_ms((s * 1000.0).round() as u64),
        Some(s) => format!(
            "{} earlier",
            units::duration_ms((-s * 1000.0).round() as u64)
        ),
        None => "unknown interval".to_string(),
    };
    let text = format!(
        "{host}: {} -> {} ({interval})",
        sanitize(&diff.old.collected_at),
        sanitize(&diff.new.collected_at)
    );
    view.out
        .push_str(&view.palette.paint(Style::Header, "diff"));
    view.out.push(' ');
    view.out.push_str(&view.width.fit(&text, 5));
    view.out.push('\n');
}

/// `shop/web · nginx (d62b4a22abd2)`, `web (7815da7101f1)`, or the short id.
fn container(diff: &Diff, id: &ContainerId) -> String {
    match diff.containers.details.get(id) {
        Some(ContainerInfo {
            label,
            pod: Some(pod),
            ..
        }) => format!("{} · {} ({})", sanitize(pod), sanitize(label), id.short()),
        Some(info) => format!("{} ({})", sanitize(&info.label), id.short()),
        None => id.short().to_string(),
    }
}

fn pod(diff: &Diff, uid: &PodUid) -> String {
    sanitize(&diff.pod_label(uid)).into_owned()
}

fn interval_findings(view: &mut View, diff: &Diff) {
    let list = &diff.findings.interval;
    if list.is_empty() {
        return;
    }
    view.header("Findings over the interval");
    for f in list {
        let severity = format!("{:<9}", f.severity);
        view.out.push_str("  ");
        view.out
            .push_str(&view.palette.paint(Style::Severity(f.severity), &severity));
        view.out.push_str(&sanitize(&f.rule));
        view.out.push('\n');
        view.wrapped(4, &sanitize(&f.message));
    }
}

/// A node fact's value as the views write it.
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
        (_, Value::String(s)) => sanitize(s).into_owned(),
        (_, other) => other.to_string(),
    }
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

fn node(view: &mut View, diff: &Diff) {
    let changes = &diff.node;
    if changes.facts.is_empty()
        && changes.runtimes.added.is_empty()
        && changes.runtimes.removed.is_empty()
        && changes.runtimes.restarted.is_empty()
    {
        return;
    }
    view.header("Node");
    for FactChange { fact, old, new } in &changes.facts {
        let text = format!(
            "{:<17}{} -> {}",
            fact_name(fact),
            fact_value(fact, old),
            fact_value(fact, new)
        );
        view.line(Mark::Changed, &text);
    }
    for id in &changes.runtimes.removed {
        view.line(Mark::Removed, &format!("runtime {}", sanitize(id.as_str())));
    }
    for id in &changes.runtimes.added {
        view.line(Mark::Added, &format!("runtime {}", sanitize(id.as_str())));
    }
    for r in &changes.runtimes.restarted {
        let pid = |p: Option<crate::model::Pid>| p.map_or("none".to_string(), |p| p.to_string());
        view.line(
            Mark::Changed,
            &format!(
                "runtime {} restarted: pid {} -> {}",
                sanitize(r.id.as_str()),
                pid(r.old_pid),
                pid(r.new_pid)
            ),
        );
    }
}

fn pods(view: &mut View, diff: &Diff) {
    let p = &diff.pods;
    if p.added.is_empty() && p.removed.is_empty() {
        return;
    }
    view.header("Pods");
    let describe = |uid: &PodUid| {
        let mut text = format!("{} ({})", pod(diff, uid), uid);
        if let Some(qos) = p.details.get(uid).and_then(|d| d.qos) {
            text.push_str(&format!(" {qos}"));
        }
        text
    };
    for uid in &p.removed {
        view.line(Mark::Removed, &describe(uid));
    }
    for uid in &p.added {
        let mut text = describe(uid);
        if let Some(r) = p.replaced.iter().find(|r| &r.new_uid == uid) {
            text.push_str(&format!(", replaces {}", r.old_uid));
        }
        view.line(Mark::Added, &text);
    }
}

fn containers(view: &mut View, diff: &Diff) {
    let c = &diff.containers;
    if c.added.is_empty()
        && c.removed.is_empty()
        && c.restarted.is_empty()
        && c.started.is_empty()
        && c.stopped.is_empty()
    {
        return;
    }
    view.header("Containers");
    for r in &c.restarted {
        let place = r
            .pod_uid
            .as_ref()
            .map(|uid| format!("{} · ", pod(diff, uid)))
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
        let mut text = format!("{place}{} {how}", sanitize(&r.name));
        if let Some(at) = &r.started_at {
            text.push_str(&format!(", running since {}", sanitize(at)));
        }
        view.line(Mark::Changed, &text);
    }
    let sorted = |ids: &[ContainerId]| {
        let mut labels: Vec<String> = ids.iter().map(|id| container(diff, id)).collect();
        labels.sort();
        labels
    };
    for label in sorted(&c.removed) {
        view.line(Mark::Removed, &label);
    }
    for label in sorted(&c.added) {
        view.line(Mark::Added, &label);
    }
    for id in &c.stopped {
        view.line(Mark::Changed, &format!("{} stopped", container(diff, id)));
    }
    for id in &c.started {
        view.line(Mark::Changed, &format!("{} started", container(diff, id)));
    }
}

fn group_label(diff: &Diff, g: &GroupCount) -> String {
    match (g.group, &g.container_id, &g.pod_uid) {
        (Group::Container, Some(id), _) => container(diff, id),
        (Group::Pod, _, Some(uid)) => format!("pod {} (outside its containers)", pod(diff, uid)),
        (Group::KernelThreads, ..) => "kernel threads".to_string(),
        _ => "host".to_string(),
    }
}

fn process_line(p: &ProcessRef) -> String {
    format!("{:>7} {} {}", p.pid, p.state, sanitize(&p.command))
}

fn processes(view: &mut View, diff: &Diff, options: Options) {
    let p = &diff.processes;
    if p.started == 0
        && p.gone == 0
        && p.moved.is_empty()
        && p.uninterruptible_in_both.is_empty()
        && p.zombies.is_empty()
    {
        return;
    }
    view.header(&format!("Processes  +{} -{}", p.started, p.gone));
    let lists = p.list.as_ref().filter(|_| options.processes);
    // Containers by their labels (a restarted one's old and new ids side by side), then the
    // pods' own processes, the host's and the kernel's threads.
    let mut groups: Vec<(&GroupCount, String)> = p
        .per_container
        .iter()
        .map(|g| (g, group_label(diff, g)))
        .collect();
    groups.sort_by(|(a, x), (b, y)| (a.group, x).cmp(&(b.group, y)));
    for (g, label) in groups {
        let counts = match (g.started, g.gone) {
            (s, 0) => format!("+{s}"),
            (0, g) => format!("-{g}"),
            (s, g) => format!("+{s} -{g}"),
        };
        view.line(Mark::None, &format!("{counts:<9}{label}"));
        if let Some(lists) = lists {
            let ours = |r: &&ProcessRef| {
                r.group == g.group
                    && r.container_id == g.container_id
                    && (g.group != Group::Pod || r.pod_uid == g.pod_uid)
            };
            for r in lists.gone.iter().filter(ours) {
                view.line(Mark::Removed, &format!("    {}", process_line(r)));
            }
            for r in lists.started.iter().filter(ours) {
                view.line(Mark::Added, &format!("    {}", process_line(r)));
            }
        }
    }
    for m in &p.moved {
        let mut what: Vec<String> = m
            .cgroups
            .iter()
            .take(1)
            .map(|c| {
                format!(
                    "cgroup {} -> {}",
                    sanitize(c.old.as_deref().unwrap_or("?")),
                    sanitize(c.new.as_deref().unwrap_or("?"))
                )
            })
            .collect();
        if m.cgroups.len() > 1 {
            what.push(format!("{} more hierarchies", m.cgroups.len() - 1));
        }
        what.extend(m.namespaces.iter().map(|n| {
            format!(
                "{} {} -> {}",
                n.kind,
                n.old.map_or("?".to_string(), |i| i.to_string()),
                n.new.map_or("?".to_string(), |i| i.to_string())
            )
        }));
        view.line(
            Mark::Changed,
            &format!(
                "moved {} {}: {}",
                m.process.pid,
                sanitize(&m.process.comm),
                what.join(", ")
            ),
        );
    }
    for r in &p.uninterruptible_in_both {
        view.line(
            Mark::None,
            &format!("in D state in both: {}", process_line(r).trim_start()),
        );
    }
    for z in &p.zombies {
        let parent = match &z.parent_comm {
            Some(comm) => format!("{} {}", sanitize(comm), z.parent),
            None => format!("pid {}", z.parent),
        };
        view.line(
            Mark::Changed,
            &format!("zombies of {parent}: {} -> {}", z.old, z.new),
        );
    }
}

/// `3 -> 4 (+1, 0.2/min)`, `2 -> 1 (reset, +1 since, 0.2/min)`, `new cgroup: 1 (+1, ...)`;
/// throttled time as durations and the share of a cpu it stood for: `0s -> 1m58s (+1m58s,
/// 0.39 s/s)`.
fn counter_values(c: &CounterChange) -> String {
    let time = c.counter == Counter::CpuThrottledUsec;
    let value = |n: u64| {
        if time {
            units::duration_compact(n)
        } else {
            units::count(n)
        }
    };
    let mut detail = Vec::new();
    if c.reset {
        detail.push(format!("reset, +{} since", value(c.delta)));
    } else {
        detail.push(format!("+{}", value(c.delta)));
    }
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

fn owner(diff: &Diff, container: Option<&ContainerId>, pod_uid: Option<&PodUid>) -> String {
    match (container, pod_uid) {
        (Some(id), _) => self::container(diff, id),
        (None, Some(uid)) => format!("pod {}", pod(diff, uid)),
        (None, None) => String::new(),
    }
}

fn counters(view: &mut View, diff: &Diff) {
    let shown: Vec<&CounterChange> = diff.counters.iter().filter(|c| c.own).collect();
    let hidden = diff.counters.len() - shown.len();
    if shown.is_empty() && hidden == 0 {
        return;
    }
    view.header("Counters");
    let mut by_cgroup: BTreeMap<usize, Vec<&CounterChange>> = BTreeMap::new();
    let mut order: Vec<&CounterChange> = Vec::new();
    for c in &shown {
        match order.iter().position(|o| o.cgroup == c.cgroup) {
            Some(i) => by_cgroup.entry(i).or_default().push(c),
            None => {
                by_cgroup.entry(order.len()).or_default().push(c);
                order.push(c);
            }
        }
    }
    for (i, first) in order.iter().enumerate() {
        let who = owner(diff, first.container_id.as_ref(), first.pod_uid.as_ref());
        let head = if who.is_empty() {
            sanitize(&first.cgroup.to_string()).into_owned()
        } else {
            format!("{who}  {}", sanitize(&first.cgroup.to_string()))
        };
        view.line(Mark::None, &head);
        let changes = by_cgroup.get(&i).map(Vec::as_slice).unwrap_or_default();
        let file_width = changes.iter().map(|c| c.file.len()).max().unwrap_or(0);
        for c in changes {
            view.line(
                Mark::Changed,
                &format!("  {:<file_width$}  {}", c.file, counter_values(c)),
            );
        }
    }
    if hidden > 0 {
        view.wrapped(
            2,
            &format!(
                "({} of ancestors not shown: cgroup v2 counts a child's events in each \
                 ancestor too; --format json lists them)",
                plural(hidden, "count", "counts")
            ),
        );
    }
}

/// A limit's value as the views write it: bytes as quantities, `max`, or as it is.
fn limit_value(limit: &str, value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "none".to_string(),
        Value::String(s) => sanitize(s).into_owned(),
        Value::Number(n) if limit.ends_with("_bytes") => n
            .as_u64()
            .map_or_else(|| n.to_string(), units::bytes_compact),
        other => other.to_string(),
    }
}

fn limits(view: &mut View, diff: &Diff) {
    if diff.limits.is_empty() {
        return;
    }
    view.header("Limits");
    for LimitChange {
        cgroup,
        limit,
        old,
        new,
        container_id,
        pod_uid,
    } in &diff.limits
    {
        let who = owner(diff, container_id.as_ref(), pod_uid.as_ref());
        let place = if who.is_empty() {
            sanitize(&cgroup.to_string()).into_owned()
        } else {
            who
        };
        view.line(
            Mark::Changed,
            &format!(
                "{place}  {limit} {} -> {}",
                limit_value(limit, old),
                limit_value(limit, new)
            ),
        );
    }
}

fn cgroups(view: &mut View, diff: &Diff) {
    let c = &diff.cgroups;
    if c.added.is_empty() && c.removed.is_empty() {
        return;
    }
    view.header(&format!("cgroups  +{} -{}", c.added.len(), c.removed.len()));
    for path in c.removed.iter().take(LISTED) {
        view.line(Mark::Removed, &sanitize(&path.to_string()));
    }
    for path in c.added.iter().take(LISTED) {
        view.line(Mark::Added, &sanitize(&path.to_string()));
    }
    let unlisted = c.removed.len().saturating_sub(LISTED) + c.added.len().saturating_sub(LISTED);
    if unlisted > 0 {
        view.out
            .push_str(&format!("  … {unlisted} more (--format json lists them)\n"));
    }
}

fn findings(view: &mut View, diff: &Diff) {
    let f = &diff.findings;
    if f.appeared.is_empty() && f.resolved.is_empty() && f.changed.is_empty() {
        return;
    }
    view.header("Findings of the snapshots");
    let item = |view: &mut View, mark: Mark, severity: Severity, rule: &str, message: &str| {
        let text = format!("{severity:<9}{}  {}", sanitize(rule), sanitize(message));
        view.line(mark, &text);
    };
    for r in &f.resolved {
        item(view, Mark::Removed, r.severity, &r.rule, &r.message);
    }
    for r in &f.appeared {
        item(view, Mark::Added, r.severity, &r.rule, &r.message);
    }
    for c in &f.changed {
        item(
            view,
            Mark::Changed,
            c.severity,
            &c.rule,
            &format!("{} (was: {})", c.new_message, c.old_message),
        );
    }
}

/// The diff as pretty JSON (docs/MODEL.md, "The diff"), written to `out` as it is
/// serialized; the processes themselves only when `options.processes` asks for them.
pub fn write_json(
    diff: &Diff,
    options: Options,
    out: &mut dyn std::io::Write,
) -> Result<(), serde_json::Error> {
    if options.processes || diff.processes.list.is_none() {
        serde_json::to_writer_pretty(&mut *out, diff)?;
    } else {
        let mut without = diff.clone();
        without.processes.list = None;
        serde_json::to_writer_pretty(&mut *out, &without)?;
    }
    out.write_all(b"\n").map_err(serde_json::Error::io)
}

#[cfg(test)]
mod tests;
