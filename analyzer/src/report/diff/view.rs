//! View structs for the diff report's template, built once from the diff: every string
//! preformatted and made visible, every anchor and link resolved. The words are
//! `present::changes`', shared with the terminal view.

use super::super::text::visible;
use super::super::view::{Fact, Glance, LinkView, SearchEntry, SearchIndex, OPEN_LINES_MAX};
use crate::diff::Diff;
use crate::model::{Finding, Severity, Subject};
use crate::present::changes::{self, Detail, Mark, Target};
use crate::present::text::plural;
use crate::present::units::count;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct DiffView {
    pub title: String,
    /// `old -> new (interval)`.
    pub subtitle: String,
    pub warnings: Vec<String>,
    pub glance: Vec<Glance>,
    pub old: Vec<Fact>,
    pub new: Vec<Fact>,
    /// Nothing changed.
    pub empty: bool,
    pub findings: Vec<IntervalFinding>,
    /// `1 critical · 2 warnings` or `none`.
    pub findings_summary: String,
    pub sections: Vec<DiffSection>,
    pub search: SearchIndex,
}

#[derive(Debug, Clone)]
pub struct IntervalFinding {
    /// CSS class: `crit`, `warn` or `info`.
    pub class: &'static str,
    pub severity: &'static str,
    pub rule: String,
    pub message: String,
    pub explanation: String,
    pub subject: LinkView,
}

#[derive(Debug, Clone)]
pub struct DiffSection {
    pub key: &'static str,
    pub title: String,
    /// Its name in the header bar.
    pub nav: &'static str,
    pub count: String,
    /// The summary line of its details.
    pub summary: String,
    /// Open at load; a closed section holds its lines as a lazy body.
    pub open: bool,
    pub lines: Vec<DiffLine>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DiffLine {
    pub anchor: Option<String>,
    /// CSS class: `add`, `del`, `chg` or `head`.
    pub class: &'static str,
    pub sign: &'static str,
    pub indent: &'static str,
    pub text: String,
}

fn nav(key: &str) -> &'static str {
    match key {
        "node" => "Node",
        "pods" => "Pods",
        "containers" => "Containers",
        "processes" => "Processes",
        "counters" => "Counters",
        "limits" => "Limits",
        "cgroups" => "cgroups",
        _ => "Findings",
    }
}

/// The page's anchors: each pod, container, process and cgroup named by a line gets one, on
/// its first line.
#[derive(Default)]
struct Anchors {
    taken: HashSet<String>,
    cgroups: HashMap<String, usize>,
}

impl Anchors {
    fn id(&mut self, target: &Target) -> String {
        match target {
            Target::Pod(uid) => format!("pod-{uid}"),
            Target::Container(id) => format!("c-{id}"),
            Target::Process(pid) => format!("p{pid}"),
            Target::Cgroup(path) => {
                let next = self.cgroups.len();
                let n = *self.cgroups.entry(path.to_string()).or_insert(next);
                format!("g-{n}")
            }
        }
    }

    /// The anchor for the first line about `target`; None for the next ones.
    fn claim(&mut self, target: &Target) -> Option<String> {
        let id = self.id(target);
        self.taken.insert(id.clone()).then_some(id)
    }

    /// A link to where the page shows the subject, if it does.
    fn href(&mut self, subject: &Subject) -> Option<String> {
        let target = match subject {
            Subject::Node => {
                return Some(if self.taken.contains("node") {
                    "#node".to_string()
                } else {
                    "#summary".to_string()
                })
            }
            Subject::Pod(uid) => Target::Pod(uid.clone()),
            Subject::Container(id) => Target::Container(id.clone()),
            Subject::Process(pid) => Target::Process(*pid),
            Subject::Cgroup(path) => Target::Cgroup(path.clone()),
        };
        let id = match &target {
            Target::Cgroup(path) => self
                .cgroups
                .get(&path.to_string())
                .map(|n| format!("g-{n}")),
            other => Some(self.id(other)),
        }?;
        self.taken.contains(&id).then(|| format!("#{id}"))
    }
}

fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "crit",
        Severity::Warning => "warn",
        Severity::Info => "info",
    }
}

fn subject_text(diff: &Diff, subject: &Subject) -> String {
    match subject {
        Subject::Node => "the node".to_string(),
        Subject::Pod(uid) => diff.pod_label(uid),
        Subject::Container(id) => changes::container(diff, id),
        Subject::Process(pid) => format!("pid {pid}"),
        Subject::Cgroup(path) => path.to_string(),
    }
}

pub(super) fn build(diff: &Diff) -> DiffView {
    let detail = Detail {
        processes: diff.processes.list.is_some(),
        cgroups_listed: None,
    };
    let mut anchors = Anchors::default();
    let mut search = SearchIndex::default();
    // The pids each container's listed processes have, for the search by id prefix.
    let mut pids_of: HashMap<String, Vec<u32>> = HashMap::new();
    if let Some(lists) = &diff.processes.list {
        for p in lists.started.iter().chain(&lists.gone) {
            if let Some(id) = &p.container_id {
                pids_of.entry(id.to_string()).or_default().push(p.pid.0);
            }
        }
    }
    let mut sections = Vec::new();
    for section in changes::sections(diff, detail) {
        let mut lines = Vec::with_capacity(section.lines.len());
        for line in &section.lines {
            let anchor = line.target.as_ref().and_then(|t| anchors.claim(t));
            let text = visible(&line.text);
            if let (Some(element), Some(target)) = (&anchor, &line.target) {
                let (ids, pids) = match target {
                    Target::Pod(uid) => (vec![uid.to_string()], Vec::new()),
                    Target::Container(id) => {
                        let pids = pids_of.get(id.as_str()).cloned().unwrap_or_default();
                        (vec![id.to_string()], pids)
                    }
                    Target::Process(_) | Target::Cgroup(_) => (Vec::new(), Vec::new()),
                };
                if !ids.is_empty() {
                    search.entries.push(SearchEntry {
                        element: element.clone(),
                        names: text.clone(),
                        ids,
                        pids: pids.clone(),
                        id_pids: vec![pids],
                    });
                }
            }
            let (class, sign) = match line.mark {
                Mark::Added => ("add", "+"),
                Mark::Removed => ("del", "-"),
                Mark::Changed => ("chg", "~"),
                Mark::Plain => ("head", ""),
            };
            lines.push(DiffLine {
                anchor,
                class,
                sign,
                indent: if line.depth > 0 { "  " } else { "" },
                text,
            });
        }
        let marked = section
            .lines
            .iter()
            .filter(|l| l.mark != Mark::Plain)
            .count();
        let shown = match section.key {
            "processes" => diff.processes.started + diff.processes.gone,
            _ => marked,
        };
        anchors.taken.insert(section.key.to_string());
        sections.push(DiffSection {
            key: section.key,
            title: visible(&section.title),
            nav: nav(section.key),
            count: count(shown as u64),
            summary: format!(
                "{}: + new, - gone, ~ changed",
                plural(lines.len(), "line", "lines")
            ),
            open: lines.len() <= OPEN_LINES_MAX,
            lines,
            note: section.note.as_deref().map(visible),
        });
    }
    let findings: Vec<IntervalFinding> = diff
        .findings
        .interval
        .iter()
        .map(|f: &Finding| IntervalFinding {
            class: severity_class(f.severity),
            severity: f.severity.as_str(),
            rule: visible(&f.rule),
            message: visible(&f.message),
            explanation: visible(&f.explanation),
            subject: LinkView {
                text: visible(&subject_text(diff, &f.subject)),
                href: anchors.href(&f.subject),
            },
        })
        .collect();
    let side = |s: &crate::diff::Side| {
        let fact = |label: &'static str, value: Option<&str>| Fact {
            label,
            value: visible(value.unwrap_or("unknown")),
            warn: false,
        };
        vec![
            fact("Host", s.hostname.as_deref()),
            fact("Collected", Some(&s.collected_at)),
            fact("Boot id", s.boot_id.as_deref()),
            fact("Booted", s.boot_time.as_deref()),
            fact("Kernel", s.kernel.as_deref()),
        ]
    };
    let title = match &diff.new.hostname {
        Some(host) => visible(host),
        None => "unknown node".to_string(),
    };
    DiffView {
        title,
        subtitle: visible(&changes::title(diff)),
        warnings: diff.warnings.iter().map(|w| visible(&w.message)).collect(),
        glance: glance(diff),
        old: side(&diff.old),
        new: side(&diff.new),
        empty: diff.is_empty(),
        findings_summary: findings_summary(&diff.findings.interval),
        findings,
        sections,
        search,
    }
}

fn findings_summary(findings: &[Finding]) -> String {
    let n = |severity| findings.iter().filter(|f| f.severity == severity).count();
    let parts: Vec<String> = [
        (n(Severity::Critical), "critical", "critical"),
        (n(Severity::Warning), "warning", "warnings"),
        (n(Severity::Info), "info", "info"),
    ]
    .into_iter()
    .filter(|(count, ..)| *count > 0)
    .map(|(count, one, many)| format!("{count} {}", if count == 1 { one } else { many }))
    .collect();
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(" · ")
    }
}

fn glance(diff: &Diff) -> Vec<Glance> {
    let severe = |severity| {
        diff.findings
            .interval
            .iter()
            .filter(|f| f.severity == severity)
            .count() as u64
    };
    let (critical, warnings) = (severe(Severity::Critical), severe(Severity::Warning));
    let both = |added: usize, removed: usize| {
        format!("+{} -{}", count(added as u64), count(removed as u64))
    };
    let c = &diff.containers;
    let restarts = c.restarted.len() as u64;
    vec![
        Glance {
            value: count(critical),
            label: "critical",
            class: if critical > 0 { "crit" } else { "" },
            href: "#interval",
        },
        Glance {
            value: count(warnings),
            label: if warnings == 1 { "warning" } else { "warnings" },
            class: if warnings > 0 { "warn" } else { "" },
            href: "#interval",
        },
        Glance {
            value: count(restarts),
            label: if restarts == 1 { "restart" } else { "restarts" },
            class: if restarts > 0 { "warn" } else { "" },
            href: "#containers",
        },
        Glance {
            value: both(diff.pods.added.len(), diff.pods.removed.len()),
            label: "pods",
            class: "",
            href: "#pods",
        },
        Glance {
            value: both(c.added.len(), c.removed.len()),
            label: "containers",
            class: "",
            href: "#containers",
        },
        Glance {
            value: both(diff.processes.started, diff.processes.gone),
            label: "processes",
            class: "",
            href: "#processes",
        },
    ]
}
