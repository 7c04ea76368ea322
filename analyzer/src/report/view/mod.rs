//! View structs for the report's templates, built once from the model: every string is
//! preformatted and made visible, every link resolved, every tree drawn, so that the templates
//! do no lookups and no arithmetic.
//!
//! One file per section of the page: `node` (facts and gaps), `findings`, `pods` (pod cards,
//! containers, their resources and namespace grids), `processes` (the process tree),
//! `cgroups` (the cgroup tree), `namespaces`, `window` (what several samples showed over their
//! window), and `search` (the page's search index). `links` holds what they share: the model's
//! index and the anchors and link texts of pods, containers and processes.

mod cgroups;
mod findings;
mod grid;
mod links;
mod namespaces;
mod node;
mod pods;
mod processes;
mod resources;
mod search;
mod window;

pub use cgroups::{CgroupEntry, CgroupLine, CgroupProcess, CgroupsView};
pub use findings::{FindingGroup, FindingView, FindingsView};
pub use grid::{NsCell, NsGridRow, NsGridView};
pub use links::{pod_anchor, Fact, LinkView};
pub use namespaces::{NamespacesView, NsGroup, NsRow, NS_HEADER};
pub use node::{GapReasonRow, GapRow, NodeView};
pub use pods::{ContainerView, PodView, PodsView, ProcRow, PROC_HEADER};
pub use processes::{ProcessTreeView, TreeBlock, TreeLine};
pub use resources::resource_facts;
pub use search::{SearchEntry, SearchIndex};
pub use window::WindowView;

use super::text::visible;
use crate::model::{Model, Severity};
use crate::present::units::count;
use links::Links;
use nodesnap_format::CmdlinePolicy;

/// Above this many pods, pod cards start collapsed to their one-line summary.
pub const OPEN_PODS_MAX: usize = 12;
/// Above this many lines, a tree or table starts collapsed.
pub const OPEN_LINES_MAX: usize = 300;
/// Findings of one severity shown open up to this many.
pub const OPEN_FINDINGS_MAX: usize = 30;
/// Gaps listed one by one at most; the rest are counted.
pub const LISTED_GAPS_MAX: usize = 500;

#[derive(Debug, Clone)]
pub struct ReportView {
    pub title: String,
    pub proc_header: (&'static str, &'static str),
    pub ns_header: (&'static str, &'static str, &'static str),
    /// The figures a reader looks at first, at the top of the page.
    pub glance: Vec<Glance>,
    pub node: NodeView,
    /// What the samples showed over their window; None for a snapshot of one sample.
    pub window: Option<WindowView>,
    pub findings: FindingsView,
    pub pods: PodsView,
    pub standalone: Vec<ContainerView>,
    pub process_tree: ProcessTreeView,
    pub cgroups: CgroupsView,
    pub namespaces: NamespacesView,
    pub search: SearchIndex,
    /// Command lines were redacted by the collector: each `***` in them is shown as a marker.
    pub marks_redacted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Glance {
    pub value: String,
    pub label: &'static str,
    /// CSS class: `crit`, `warn` or empty.
    pub class: &'static str,
    pub href: &'static str,
}

pub fn build(model: &Model) -> ReportView {
    let links = Links::new(model);
    // The process tree decides which line is each process's home; the other sections link
    // there.
    let (process_tree, homes) = processes::process_tree(&links);
    let pods = pods::pods(&links, &homes);
    let standalone = pods::standalone(&links, &homes);
    let title = match &model.node.hostname {
        Some(host) => visible(host),
        None => "unknown node".to_string(),
    };
    ReportView {
        title,
        proc_header: PROC_HEADER,
        ns_header: NS_HEADER,
        glance: glance(model, &pods, standalone.len()),
        node: node::node_view(model),
        window: window::window_view(model),
        findings: findings::findings_view(&links, &homes),
        search: search::index(&links),
        pods,
        standalone,
        cgroups: cgroups::cgroups_view(&links, &homes),
        namespaces: namespaces::namespaces_view(&links),
        process_tree,
        marks_redacted: model.collection.cmdline == CmdlinePolicy::Redacted,
    }
}

fn glance(model: &Model, pods: &PodsView, standalone: usize) -> Vec<Glance> {
    let severity_count = |severity: Severity| {
        model
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .count() as u64
    };
    let (critical, warnings) = (
        severity_count(Severity::Critical),
        severity_count(Severity::Warning),
    );
    vec![
        Glance {
            value: count(critical),
            label: "critical",
            class: if critical > 0 { "crit" } else { "" },
            href: "#findings",
        },
        Glance {
            value: count(warnings),
            label: if warnings == 1 { "warning" } else { "warnings" },
            class: if warnings > 0 { "warn" } else { "" },
            href: "#findings",
        },
        Glance {
            value: count(pods.count as u64),
            label: "pods",
            class: "",
            href: "#pods",
        },
        Glance {
            value: count((pods.container_count + standalone) as u64),
            label: "containers",
            class: "",
            href: "#pods",
        },
        Glance {
            value: count(model.processes.len() as u64),
            label: "processes",
            class: "",
            href: "#processes",
        },
        Glance {
            value: count(model.gaps.len() as u64),
            label: "gaps",
            class: if model.gaps.is_empty() { "" } else { "warn" },
            href: "#gaps",
        },
    ]
}
