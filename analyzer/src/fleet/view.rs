//! View structs for the fleet page, built once from the fleet: every string preformatted and
//! made visible (node text goes through `report::text::visible`, then askama escapes it), every
//! link resolved, so that the template does no lookups.

use super::outliers::{node_outliers, pod_outliers};
use super::summary::severity_slot;
use super::{Entry, Fleet, NodeSummary};
use crate::findings;
use crate::model::Severity;
use crate::present::text::plural;
use crate::present::units::count;
use crate::report::text::visible;
use crate::report::view::Glance;

#[derive(Debug, Clone)]
pub struct FleetView {
    pub title: String,
    pub glance: Vec<Glance>,
    /// Every input in the order given: a node, or why it is not one.
    pub rows: Vec<NodeRow>,
    pub node_outliers: Vec<NodeOutlierRow>,
    pub mixed: Vec<MixedRow>,
    pub pod_outliers: Vec<PodOutlierRow>,
    pub outlier_count: String,
    pub matrix: Matrix,
    /// Whether the nodes' own reports were written beside the page.
    pub with_reports: bool,
}

/// One input: a node read (facts filled, `problem` empty) or an input that is not a node of
/// its own (`problem` says why, the facts are empty).
#[derive(Debug, Clone, Default)]
pub struct NodeRow {
    /// This row's id, `n-<position>`: where outliers and the matrix link.
    pub anchor: String,
    pub host: String,
    /// The node's report beside the page, at its top.
    pub report: Option<String>,
    pub problem: Option<String>,
    pub source: String,
    pub id: String,
    pub kernel: String,
    pub os: String,
    pub cgroups: String,
    pub runtimes: String,
    pub pods: String,
    pub containers: String,
    pub processes: String,
    pub critical: String,
    pub warnings: String,
    pub info: String,
    pub gaps: String,
    pub collected: String,
    /// The row's class: `odd` for a node whose attribute differs from most nodes', `bad` for
    /// an input not read, `dup` for a snapshot given twice, else empty.
    pub class: &'static str,
}

/// A link to a node's row on this page, with its report when there is one.
#[derive(Debug, Clone)]
pub struct NodeRef {
    pub host: String,
    pub href: String,
    pub report: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NodeOutlierRow {
    pub attribute: &'static str,
    pub node: NodeRef,
    pub value: String,
    /// The common value and how many nodes share it: `6.1.0-27-amd64 (9 of 10 nodes)`.
    pub common: String,
}

#[derive(Debug, Clone)]
pub struct MixedRow {
    pub attribute: &'static str,
    /// Each value with its node count: `6.1.0-27-amd64 (4), 5.15.0-91 (3)`.
    pub values: String,
}

#[derive(Debug, Clone)]
pub struct PodOutlierRow {
    /// `<namespace>/<owner>`.
    pub key: String,
    /// `runs on 9 of 10 nodes with pods`.
    pub present: String,
    /// Where it fails, each node with the rules of its findings there (the first
    /// `NODES_SHOWN_PER_POD`).
    pub failing: Vec<(NodeRef, String)>,
    /// `and 224 more nodes` when the list is cut; empty when not.
    pub failing_more: String,
    pub absent: Vec<NodeRef>,
    pub absent_more: String,
}

/// How many nodes a pod outlier's lists show: a pod can fail on almost half of a big fleet, and
/// the matrix and each node's report hold the rest; this keeps a 500-node page far from 5 MB.
pub const NODES_SHOWN_PER_POD: usize = 25;

/// `and 3 more nodes` for what a list left out.
fn more_nodes(total: usize) -> String {
    match total.saturating_sub(NODES_SHOWN_PER_POD) {
        0 => String::new(),
        1 => "and 1 more node".to_string(),
        n => format!("and {} more nodes", count(n as u64)),
    }
}

/// Findings by rule against nodes: a row per node read, a column per rule found in the fleet,
/// most severe rules first.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub rules: Vec<RuleColumn>,
    pub rows: Vec<MatrixRow>,
}

#[derive(Debug, Clone)]
pub struct RuleColumn {
    pub id: String,
    pub class: &'static str,
    pub severity: &'static str,
    /// The rule's title from the catalogue (empty for a rule this analyzer does not know).
    pub title: String,
    /// On how many nodes, and how many findings in all.
    pub nodes: String,
    pub findings: String,
}

#[derive(Debug, Clone)]
pub struct MatrixRow {
    pub node: NodeRef,
    /// One per rule column: the count, or empty.
    pub cells: Vec<MatrixCell>,
}

#[derive(Debug, Clone)]
pub struct MatrixCell {
    pub count: String,
    pub class: &'static str,
    /// The node's findings in its report, when written.
    pub href: Option<String>,
}

pub fn build(fleet: &Fleet) -> FleetView {
    let (outliers, mixed) = node_outliers(fleet);
    let pods = pod_outliers(fleet);
    let node_ref = |at: usize| node_ref(fleet, at);
    let rows: Vec<NodeRow> = fleet
        .entries
        .iter()
        .enumerate()
        .map(|(at, entry)| node_row(fleet, at, entry, outliers.iter().any(|o| o.node == at)))
        .collect();
    let read = fleet.nodes().count();
    let bad = fleet.bad_count();
    let nodes_with = |slot: usize| {
        fleet
            .nodes()
            .filter(|(_, n)| n.severities[slot] > 0)
            .count() as u64
    };
    let (critical_nodes, warning_nodes) = (nodes_with(0), nodes_with(1));
    let outlier_total = outliers.len() + pods.len();
    let glance = vec![
        glance(
            count(read as u64),
            plural_word(read, "node", "nodes"),
            "",
            "#nodes",
        ),
        glance(
            count(bad as u64),
            if bad == 1 { "bad input" } else { "bad inputs" },
            if bad > 0 { "crit" } else { "" },
            "#nodes",
        ),
        glance(
            count(critical_nodes),
            "with critical findings",
            if critical_nodes > 0 { "crit" } else { "" },
            "#findings",
        ),
        glance(
            count(warning_nodes),
            "with warnings",
            if warning_nodes > 0 { "warn" } else { "" },
            "#findings",
        ),
        glance(
            count(outlier_total as u64),
            if outlier_total == 1 {
                "outlier"
            } else {
                "outliers"
            },
            if outlier_total > 0 { "warn" } else { "" },
            "#outliers",
        ),
        glance(
            count(fleet.nodes().map(|(_, n)| n.pods as u64).sum()),
            "pods",
            "",
            "#nodes",
        ),
    ];
    FleetView {
        title: format!(
            "{} of {}",
            plural(read, "node", "nodes"),
            plural(fleet.entries.len(), "input", "inputs")
        ),
        glance,
        rows,
        node_outliers: outliers
            .iter()
            .map(|o| NodeOutlierRow {
                attribute: o.attribute.label(),
                node: node_ref(o.node),
                value: visible(&o.value),
                common: format!(
                    "{} ({} of {} nodes)",
                    visible(&o.common),
                    count(o.common_nodes as u64),
                    count(read as u64)
                ),
            })
            .collect(),
        mixed: mixed
            .iter()
            .map(|m| MixedRow {
                attribute: m.attribute.label(),
                values: m
                    .values
                    .iter()
                    .map(|(value, n)| format!("{} ({})", visible(value), count(*n as u64)))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
            .collect(),
        pod_outliers: pods
            .iter()
            .map(|p| PodOutlierRow {
                key: visible(fleet.pod_keys.name(p.key)),
                present: format!(
                    "runs on {} of {} nodes with pods",
                    count(p.present as u64),
                    count(p.of as u64)
                ),
                failing: p
                    .failing
                    .iter()
                    .take(NODES_SHOWN_PER_POD)
                    .map(|(at, rules)| {
                        let names: Vec<&str> = rules.iter().map(|r| fleet.rules.name(*r)).collect();
                        (node_ref(*at), visible(&names.join(", ")))
                    })
                    .collect(),
                failing_more: more_nodes(p.failing.len()),
                absent: p
                    .absent
                    .iter()
                    .take(NODES_SHOWN_PER_POD)
                    .map(|at| node_ref(*at))
                    .collect(),
                absent_more: more_nodes(p.absent.len()),
            })
            .collect(),
        outlier_count: count(outlier_total as u64),
        matrix: matrix(fleet),
        with_reports: fleet.nodes().any(|(_, n)| n.report.is_some()),
    }
}

fn glance(value: String, label: &'static str, class: &'static str, href: &'static str) -> Glance {
    Glance {
        value,
        label,
        class,
        href,
    }
}

fn plural_word(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn host_label(hostname: Option<&str>) -> String {
    hostname
        .map(visible)
        .unwrap_or_else(|| "unknown host".to_string())
}

fn node_ref(fleet: &Fleet, at: usize) -> NodeRef {
    let node = match fleet.entries.get(at) {
        Some(Entry::Node(node)) => Some(node),
        _ => None,
    };
    NodeRef {
        host: host_label(node.and_then(|n| n.hostname.as_deref())),
        href: format!("#n-{at}"),
        report: node.and_then(|n| n.report.clone()),
    }
}

fn node_row(fleet: &Fleet, at: usize, entry: &Entry, outlier: bool) -> NodeRow {
    let anchor = format!("n-{at}");
    match entry {
        Entry::Node(node) => summary_row(anchor, node, outlier),
        Entry::Bad { source, reason } => NodeRow {
            anchor,
            host: "not read".to_string(),
            problem: Some(visible(reason)),
            source: visible(source),
            class: "bad",
            ..NodeRow::default()
        },
        Entry::Duplicate { source, id, of } => {
            let first = match fleet.entries.get(*of) {
                Some(Entry::Node(node)) => visible(&node.source),
                _ => String::new(),
            };
            NodeRow {
                anchor,
                host: host_label(match fleet.entries.get(*of) {
                    Some(Entry::Node(node)) => node.hostname.as_deref(),
                    _ => None,
                }),
                problem: Some(format!("the same snapshot as {first}: shown once")),
                source: visible(source),
                id: id.to_string(),
                class: "dup",
                ..NodeRow::default()
            }
        }
    }
}

fn summary_row(anchor: String, node: &NodeSummary, outlier: bool) -> NodeRow {
    let number = |n: usize| count(n as u64);
    let nonzero = |n: usize| if n == 0 { String::new() } else { number(n) };
    NodeRow {
        anchor,
        host: host_label(node.hostname.as_deref()),
        report: node.report.clone(),
        problem: None,
        source: visible(&node.source),
        id: node.id.to_string(),
        kernel: node
            .kernel
            .as_deref()
            .map(visible)
            .unwrap_or_else(|| "unknown".to_string()),
        os: node.os.as_deref().map(visible).unwrap_or_default(),
        cgroups: format!("{} · {}", node.cgroup_mode, node.cgroup_driver),
        runtimes: visible(&node.runtimes),
        pods: number(node.pods),
        containers: number(node.containers),
        processes: number(node.processes),
        critical: nonzero(node.severities[severity_slot(Severity::Critical)]),
        warnings: nonzero(node.severities[severity_slot(Severity::Warning)]),
        info: nonzero(node.severities[severity_slot(Severity::Info)]),
        gaps: nonzero(node.gaps),
        collected: visible(&node.collected_at),
        class: if outlier { "odd" } else { "" },
    }
}

fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "crit",
        Severity::Warning => "warn",
        Severity::Info => "info",
    }
}

fn matrix(fleet: &Fleet) -> Matrix {
    let mut order: Vec<u32> = (0..fleet.rules.len() as u32).collect();
    order.sort_by(|a, b| {
        (fleet.rule_severity[*a as usize], fleet.rules.name(*a))
            .cmp(&(fleet.rule_severity[*b as usize], fleet.rules.name(*b)))
    });
    let rules = order
        .iter()
        .map(|&rule| {
            let severity = fleet.rule_severity[rule as usize];
            let (nodes, findings) = fleet
                .nodes()
                .map(|(_, n)| n.rule_count(rule))
                .filter(|&c| c > 0)
                .fold((0, 0), |(nodes, total), c| (nodes + 1, total + c));
            let id = fleet.rules.name(rule);
            RuleColumn {
                id: visible(id),
                class: severity_class(severity),
                severity: severity.as_str(),
                title: findings::rule(id)
                    .map(|r| r.title.to_string())
                    .unwrap_or_default(),
                nodes: count(nodes as u64),
                findings: count(findings as u64),
            }
        })
        .collect();
    let rows = fleet
        .nodes()
        .map(|(at, node)| MatrixRow {
            node: node_ref(fleet, at),
            cells: order
                .iter()
                .map(|&rule| {
                    let n = node.rule_count(rule);
                    MatrixCell {
                        count: if n == 0 {
                            String::new()
                        } else {
                            count(n as u64)
                        },
                        class: if n == 0 {
                            ""
                        } else {
                            severity_class(fleet.rule_severity[rule as usize])
                        },
                        href: (n > 0)
                            .then(|| node.report.as_ref().map(|r| format!("{r}#findings")))
                            .flatten(),
                    }
                })
                .collect(),
        })
        .collect();
    Matrix { rules, rows }
}
