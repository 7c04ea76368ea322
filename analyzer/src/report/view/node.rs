//! The node section: what the node is, how it was collected, and every gap.

use super::super::text::visible;
use super::links::Fact;
use super::resources::pressure_label;
use super::LISTED_GAPS_MAX;
use crate::findings::{
    pressure_over, Rule, CONNTRACK_NEAR_LIMIT, FILE_HANDLES_NEAR_LIMIT, INOTIFY_NEAR_LIMIT,
    PIDS_NEAR_PID_MAX, THREADS_NEAR_LIMIT,
};
use crate::model::{CgroupMode, Model};
use crate::present::units::{bytes, count, duration_ms, uptime};
use crate::present::{labels, signals};
use nodesnap_format::{CmdlinePolicy, GapReason, REDACTED};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct NodeView {
    /// For a model read from an sosreport: the notice, and what it cannot show.
    pub source_notice: Option<String>,
    pub cannot_show: Vec<String>,
    pub facts: Vec<Fact>,
    /// The node's limits with their use, and its pressure: empty when the snapshot has none.
    pub headroom: Vec<Fact>,
    pub collection: Vec<Fact>,
    pub gap_total: String,
    pub gap_reasons: Vec<GapReasonRow>,
    pub gaps: Vec<GapRow>,
    /// How many gaps are counted but not listed, when some are.
    pub gaps_unlisted: Option<String>,
    pub gaps_open: bool,
}

#[derive(Debug, Clone)]
pub struct GapReasonRow {
    pub reason: &'static str,
    pub meaning: &'static str,
    pub count: String,
}

#[derive(Debug, Clone)]
pub struct GapRow {
    pub path: String,
    pub reason: &'static str,
    pub detail: String,
}

pub(super) fn node_view(model: &Model) -> NodeView {
    let (gap_reasons, gaps) = gap_rows(model);
    NodeView {
        source_notice: crate::present::source::notice(model).map(|n| visible(&n)),
        cannot_show: crate::present::source::cannot_show(model)
            .into_iter()
            .map(visible)
            .collect(),
        facts: node_facts(model),
        headroom: headroom_facts(model),
        collection: collection_facts(model),
        gap_total: count(model.gaps.len() as u64),
        gap_reasons,
        gaps,
        gaps_unlisted: (model.gaps.len() > LISTED_GAPS_MAX)
            .then(|| count((model.gaps.len() - LISTED_GAPS_MAX) as u64)),
        gaps_open: model.gaps.len() <= 10,
    }
}

/// The node's facts, those the snapshot has.
fn node_facts(model: &Model) -> Vec<Fact> {
    let node = &model.node;
    let unknown = || "unknown".to_string();
    let mut facts = vec![
        Fact::new(
            "Hostname",
            node.hostname
                .as_deref()
                .map(visible)
                .unwrap_or_else(unknown),
        ),
        Fact::new(
            "Kernel",
            node.kernel.as_deref().map(visible).unwrap_or_else(unknown),
        ),
        Fact::new(
            "OS",
            node.os.as_deref().map(visible).unwrap_or_else(unknown),
        ),
        Fact::new(
            "cgroups",
            format!(
                "{} · driver {}",
                cgroup_mode(node.cgroup_mode),
                node.cgroup_driver
            ),
        ),
        Fact::new("Runtimes", visible(&labels::runtimes(&node.runtimes))),
    ];
    if let Some(pid) = node.kubelet_pid {
        facts.push(Fact::new("Kubelet", format!("pid {pid}")));
    }
    if let Some(cpus) = node.cpus {
        facts.push(Fact::new("CPUs", cpus.to_string()));
    }
    if let Some(mem) = node.memory_total_bytes {
        facts.push(Fact::new("Memory", bytes(mem)));
    }
    if let Some([one, five, fifteen]) = node.loadavg {
        facts.push(Fact::new(
            "Load average",
            format!("{one:.2} {five:.2} {fifteen:.2}"),
        ));
    }
    if let Some(boot) = &node.boot_time {
        let up = node
            .uptime_secs
            .map(|s| format!(" (up {})", uptime(s)))
            .unwrap_or_default();
        facts.push(Fact::new("Booted", format!("{}{up}", visible(boot))));
    }
    if let Some(pid_max) = node.pid_max {
        facts.push(Fact::new("pid_max", count(pid_max)));
    }
    facts
}

/// How the snapshot was made: when, by what, how command lines were treated, how much was read.
fn collection_facts(model: &Model) -> Vec<Fact> {
    let c = &model.collection;
    let redacted_processes = model
        .processes
        .iter()
        .filter(|p| {
            p.cmdline
                .as_deref()
                .is_some_and(|cmd| cmd.contains(REDACTED))
        })
        .count();
    let sosreport = c.source == crate::model::CollectionSource::Sosreport;
    let collector = if sosreport {
        Fact::warn(
            "Source",
            format!("sosreport by {}", visible(&c.collector_version)),
            true,
        )
    } else {
        Fact::new(
            "Collector",
            format!(
                "nodesnap {} · format {}",
                visible(&c.collector_version),
                c.format_version
            ),
        )
    };
    vec![
        Fact::new("Collected", visible(&c.started_at)),
        Fact::new("Duration", duration_ms(c.duration_ms)),
        collector,
        Fact::warn(
            "Command lines",
            match c.cmdline {
                CmdlinePolicy::Redacted => format!(
                    "redacted: secret-looking values replaced by *** (in {} of {} processes)",
                    count(redacted_processes as u64),
                    count(model.processes.len() as u64)
                ),
                CmdlinePolicy::Verbatim if sosreport => {
                    "as ps printed them: sos does not redact them, so they may hold secrets"
                        .to_string()
                }
                CmdlinePolicy::Verbatim => {
                    "kept verbatim (--no-redact): may hold secrets".to_string()
                }
                CmdlinePolicy::Dropped => "not collected (--no-cmdline)".to_string(),
            },
            c.cmdline == CmdlinePolicy::Verbatim,
        ),
        Fact::new(
            "Read",
            format!(
                "{} processes · {} cgroups · {} files · {}",
                count(c.counts.processes),
                count(c.counts.cgroups),
                count(c.counts.files),
                bytes(c.counts.bytes)
            ),
        ),
    ]
}

/// The gaps counted by reason, and the first `LISTED_GAPS_MAX` of them.
fn gap_rows(model: &Model) -> (Vec<GapReasonRow>, Vec<GapRow>) {
    let mut by_reason: BTreeMap<GapReason, usize> = BTreeMap::new();
    for gap in &model.gaps {
        *by_reason.entry(gap.reason).or_default() += 1;
    }
    let gap_reasons = by_reason
        .into_iter()
        .map(|(reason, n)| GapReasonRow {
            reason: reason.as_str(),
            meaning: gap_meaning(reason),
            count: count(n as u64),
        })
        .collect();
    let gaps = model
        .gaps
        .iter()
        .take(LISTED_GAPS_MAX)
        .map(|g| GapRow {
            path: visible(&g.path),
            reason: g.reason.as_str(),
            detail: g.detail.as_deref().map(visible).unwrap_or_default(),
        })
        .collect();
    (gap_reasons, gaps)
}

/// The mode with what it means: its name (`Display`) and, where the name alone says little,
/// how the hierarchies are mounted.
fn cgroup_mode(mode: CgroupMode) -> String {
    match mode {
        CgroupMode::V1 => mode.to_string(),
        CgroupMode::V2 => format!("{mode} (unified)"),
        CgroupMode::Hybrid => format!("{mode} (v1 controllers + v2)"),
        CgroupMode::Unknown => format!("mode {mode}"),
    }
}

fn gap_meaning(reason: GapReason) -> &'static str {
    match reason {
        GapReason::Vanished => "the process exited while it was read",
        GapReason::PermissionDenied => "the collector was not allowed to read it",
        GapReason::TimedOut => "the read hung and was abandoned",
        GapReason::Truncated => "larger than the per-file cap; the start was kept",
        GapReason::TotalCapReached => "the snapshot's size cap was reached first",
        GapReason::DeadlineReached => "the run's deadline passed first",
        GapReason::NotRegular => "not a regular file (never followed)",
        GapReason::NotFound => "expected but absent",
        GapReason::Error => "another read error",
        GapReason::Unreadable => "in the tarball but not usable by the analyzer",
        GapReason::NotCollected => "the sosreport does not record it",
    }
}

/// The headroom panel: each node limit with its use, highlighted where its finding fired (the
/// one judge), then the node's pressure, highlighted where a pressure rule would fire.
fn headroom_facts(model: &Model) -> Vec<Fact> {
    let fired = |rule: &Rule| {
        model
            .findings
            .iter()
            .any(|f| f.rule == rule.id && f.subject == crate::model::Subject::Node)
    };
    let h = &model.node.headroom;
    let limits = [
        ("Pids", h.pids, &PIDS_NEAR_PID_MAX),
        ("Threads", h.threads, &THREADS_NEAR_LIMIT),
        ("File handles", h.file_handles, &FILE_HANDLES_NEAR_LIMIT),
        ("Conntrack", h.conntrack, &CONNTRACK_NEAR_LIMIT),
        (
            "inotify instances",
            h.inotify_instances,
            &INOTIFY_NEAR_LIMIT,
        ),
        ("inotify watches", h.inotify_watches, &INOTIFY_NEAR_LIMIT),
    ];
    let mut facts: Vec<Fact> = limits
        .into_iter()
        .filter_map(|(label, limit, rule)| {
            limit.map(|l| Fact::warn(label, signals::headroom(&l), fired(rule)))
        })
        .collect();
    for (name, resource) in signals::pressures(&model.node.pressure) {
        facts.push(Fact::warn(
            pressure_label(name),
            format!("{} (avg10 · avg60)", signals::pressure(&resource)),
            pressure_over(&resource).is_some(),
        ));
    }
    facts
}
