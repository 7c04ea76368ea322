//! Many nodes on one page: the fleet of snapshots a support team holds for one cluster or
//! customer, summed up node by node as each model is built and dropped (`summary`), compared
//! (`outliers`: the node whose kernel, cgroup mode or driver or runtimes differ from the rest,
//! the pod that runs on most nodes but fails on a few), and shown as one self-contained HTML
//! page (`page`, with view structs in `view`) under the same Content-Security-Policy and
//! escaping as the single-node report.
//!
//! Memory: the caller adds one model at a time; the fleet keeps its summary (facts, counts,
//! findings per rule, pod owners by interned key), never the model.

mod outliers;
mod owner;
mod page;
mod summary;
mod view;

pub use outliers::{
    node_outliers, pod_outliers, Attribute, MixedAttribute, NodeOutlier, PodOutlier,
};
pub use owner::{owner_name, pod_key};
pub use page::{content_security_policy, render_html, write_html};
pub use summary::{severity_slot, NodeSummary, PodPresence};
pub use view::{build as build_view, FleetView, NODES_SHOWN_PER_POD};

use crate::model::{Model, Severity};
use crate::snapshot::SnapshotId;
use std::collections::HashMap;

/// Strings kept once and named by their index: rule ids and pod keys across a fleet.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Interner {
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&at) = self.index.get(name) {
            return at;
        }
        let at = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), at);
        at
    }

    /// The index of a name interned earlier.
    pub fn lookup(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    pub fn name(&self, at: u32) -> &str {
        &self.names[at as usize]
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// One input of the fleet, in the order given.
#[derive(Debug, Clone)]
pub enum Entry {
    /// Boxed: a summary is a few hundred bytes, the other entries a few dozen.
    Node(Box<NodeSummary>),
    /// An input that could not be read: the path as given and the loader's one-line reason.
    Bad { source: String, reason: String },
    /// The same collection as an earlier input (same snapshot id), shown once.
    Duplicate {
        source: String,
        id: SnapshotId,
        /// The position of the first input with that id.
        of: usize,
    },
}

/// The fleet so far.
#[derive(Debug, Default, Clone)]
pub struct Fleet {
    pub entries: Vec<Entry>,
    pub rules: Interner,
    /// The severity of each interned rule.
    pub rule_severity: Vec<Severity>,
    pub pod_keys: Interner,
    /// Where each snapshot id was first seen.
    ids: HashMap<SnapshotId, usize>,
}

impl Fleet {
    pub fn new() -> Fleet {
        Fleet::default()
    }

    /// The position of the input already read with this id, if any.
    pub fn seen(&self, id: &SnapshotId) -> Option<usize> {
        self.ids.get(id).copied()
    }

    /// Adds a node from its model (with findings); the model can be dropped afterwards.
    /// Returns the entry's position. A snapshot id seen before makes a duplicate entry.
    pub fn add_node(&mut self, source: &str, id: SnapshotId, model: &Model) -> usize {
        let at = self.entries.len();
        if self.add_duplicate(source, &id).is_some() {
            return at;
        }
        let summary = NodeSummary::of(
            source,
            id.clone(),
            model,
            &mut self.rules,
            &mut self.pod_keys,
        );
        // Every rule the summary interned came from a finding; a rule's severity is its most
        // severe finding's (Info is the least severe, Critical the most).
        self.rule_severity.resize(self.rules.len(), Severity::Info);
        for finding in &model.findings {
            let rule = self.rules.intern(&finding.rule) as usize;
            self.rule_severity[rule] = self.rule_severity[rule].min(finding.severity);
        }
        self.ids.insert(id, at);
        self.entries.push(Entry::Node(Box::new(summary)));
        at
    }

    /// Adds the input as a duplicate when a snapshot with its id was added before (checked
    /// before its model is built: a copy costs nothing); returns its position then.
    pub fn add_duplicate(&mut self, source: &str, id: &SnapshotId) -> Option<usize> {
        let first = self.seen(id)?;
        self.entries.push(Entry::Duplicate {
            source: source.to_string(),
            id: id.clone(),
            of: first,
        });
        Some(self.entries.len() - 1)
    }

    /// Adds an input that could not be read.
    pub fn add_bad(&mut self, source: &str, reason: &str) -> usize {
        self.entries.push(Entry::Bad {
            source: source.to_string(),
            reason: reason.to_string(),
        });
        self.entries.len() - 1
    }

    /// Records the file name of the report written for the node at `at`.
    pub fn set_report(&mut self, at: usize, file_name: String) {
        if let Some(Entry::Node(node)) = self.entries.get_mut(at) {
            node.report = Some(file_name);
        }
    }

    /// The nodes read, with their positions.
    pub fn nodes(&self) -> impl Iterator<Item = (usize, &NodeSummary)> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(at, e)| match e {
                Entry::Node(node) => Some((at, node.as_ref())),
                _ => None,
            })
    }

    /// How many inputs could not be read.
    pub fn bad_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e, Entry::Bad { .. }))
            .count()
    }
}

/// The file name of a node's report beside the fleet page: its hostname made safe for a file
/// name and a link (ASCII letters, digits, `.`, `-`, `_`; anything else `_`; at most 64
/// characters; never hidden or starting with `-`) and its snapshot id, which makes it unique:
/// `node-a-3f2c9e1d0b7a6c55.html`.
pub fn report_file_name(hostname: Option<&str>, id: &SnapshotId) -> String {
    let mut host: String = hostname
        .unwrap_or("unknown-host")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    while host.starts_with(['.', '-']) {
        host.remove(0);
    }
    if host.is_empty() {
        host.push_str("node");
    }
    format!("{host}-{id}.html")
}

#[cfg(test)]
mod tests;
