//! The findings section: findings grouped by severity, each with its subject linked.

use super::super::text::visible;
use super::links::{process_href, Homes, LinkView, Links};
use super::OPEN_FINDINGS_MAX;
use crate::model::{Severity, Subject};
use crate::present::units::count;

#[derive(Debug, Clone)]
pub struct FindingsView {
    pub total: usize,
    /// The total as shown in the header bar.
    pub total_text: String,
    pub groups: Vec<FindingGroup>,
    /// `3 critical · 2 warnings · 1 info` for the header bar.
    pub summary: String,
}

#[derive(Debug, Clone)]
pub struct FindingGroup {
    pub label: &'static str,
    /// CSS class: `crit`, `warn` or `info`.
    pub class: &'static str,
    pub count: usize,
    pub open: bool,
    pub items: Vec<FindingView>,
}

#[derive(Debug, Clone)]
pub struct FindingView {
    pub rule: String,
    pub message: String,
    pub explanation: String,
    pub subject: LinkView,
}

pub(super) fn findings_view(links: &Links, homes: &Homes) -> FindingsView {
    let mut groups = Vec::new();
    for (severity, label, class) in [
        (Severity::Critical, "Critical", "crit"),
        (Severity::Warning, "Warning", "warn"),
        (Severity::Info, "Info", "info"),
    ] {
        let items: Vec<FindingView> = links
            .model
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .map(|f| FindingView {
                rule: visible(&f.rule),
                message: visible(&f.message),
                explanation: visible(&f.explanation),
                subject: subject_link(links, &f.subject, homes),
            })
            .collect();
        if !items.is_empty() {
            groups.push(FindingGroup {
                label,
                class,
                count: items.len(),
                open: items.len() <= OPEN_FINDINGS_MAX || severity == Severity::Critical,
                items,
            });
        }
    }
    let summary = if groups.is_empty() {
        "none".to_string()
    } else {
        groups
            .iter()
            .map(|g| match (g.class, g.count) {
                ("warn", 1) => "1 warning".to_string(),
                ("warn", n) => format!("{n} warnings"),
                (_, n) => format!("{n} {}", g.label.to_lowercase()),
            })
            .collect::<Vec<_>>()
            .join(" · ")
    };
    FindingsView {
        total: links.model.findings.len(),
        total_text: count(links.model.findings.len() as u64),
        groups,
        summary,
    }
}

/// What a finding is about, linked to where the page shows it.
fn subject_link(links: &Links, subject: &Subject, homes: &Homes) -> LinkView {
    match subject {
        Subject::Node => LinkView {
            text: "the node".to_string(),
            href: Some("#node".to_string()),
        },
        Subject::Pod(uid) => links.pod_link(uid),
        Subject::Container(id) => links.container_link(id),
        Subject::Process(pid) => LinkView {
            text: visible(&links.index.process_label(*pid)),
            href: process_href(homes, *pid),
        },
        Subject::Cgroup(path) => LinkView {
            text: visible(&path.to_string()),
            href: links.index.cgroup_position(path).map(|i| format!("#g{i}")),
        },
    }
}
