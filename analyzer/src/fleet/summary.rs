//! What the fleet page keeps of one node once its model is gone: its facts, counts, findings by
//! rule, and which pods (by owner) run there and whether they fail. A few hundred bytes plus
//! eight per pod, so that a fleet costs one snapshot at a time and these.

use super::owner::pod_key;
use super::Interner;
use crate::model::{CgroupDriver, CgroupMode, Model, PodUid, Severity, Subject};
use crate::present::Index;
use crate::snapshot::SnapshotId;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One node read without trouble.
#[derive(Debug, Clone)]
pub struct NodeSummary {
    /// The path it was read from, as given.
    pub source: String,
    pub id: SnapshotId,
    pub hostname: Option<String>,
    pub kernel: Option<String>,
    pub os: Option<String>,
    pub cgroup_mode: CgroupMode,
    pub cgroup_driver: CgroupDriver,
    /// Its runtime instances by kind and product, one entry per kind with how many:
    /// `containerd`, `2 × containerd`, `dockerd + containerd of docker`. What two nodes are
    /// compared by: snapshots hold no runtime versions.
    pub runtimes: String,
    pub pods: usize,
    pub containers: usize,
    pub processes: usize,
    /// Findings by severity: critical, warning, info.
    pub severities: [usize; 3],
    /// Findings per rule (the fleet's rule index), by rule index.
    pub rules: Vec<(u32, usize)>,
    pub gaps: usize,
    /// RFC 3339, when the collection started.
    pub collected_at: String,
    pub collector_version: String,
    /// The file name of the node's own report, once written beside the fleet page.
    pub report: Option<String>,
    /// The pods by owner (the fleet's pod key index), each once.
    pub pods_by_owner: Vec<PodPresence>,
}

/// The pods of one owner on one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodPresence {
    /// The fleet's pod key index.
    pub key: u32,
    /// How many of its pods run on the node.
    pub count: u32,
    /// The rules (fleet's rule indexes, ascending) of the warnings and critical findings about
    /// its pods, their containers, processes and cgroups: empty when none fails.
    pub failing: Vec<u32>,
}

impl NodeSummary {
    /// Sums up a node's model; rule ids and pod keys are interned in the fleet's tables.
    pub(super) fn of(
        source: &str,
        id: SnapshotId,
        model: &Model,
        rules: &mut Interner,
        pod_keys: &mut Interner,
    ) -> NodeSummary {
        let node = &model.node;
        let mut severities = [0; 3];
        let mut by_rule: BTreeMap<u32, usize> = BTreeMap::new();
        for finding in &model.findings {
            severities[severity_slot(finding.severity)] += 1;
            *by_rule.entry(rules.intern(&finding.rule)).or_default() += 1;
        }
        let failing = failing_pods(model, rules);
        let mut by_owner: BTreeMap<u32, PodPresence> = BTreeMap::new();
        for pod in &model.pods {
            let Some(key) = pod_key(pod, node.hostname.as_deref()) else {
                continue;
            };
            let key = pod_keys.intern(&key);
            let presence = by_owner.entry(key).or_insert_with(|| PodPresence {
                key,
                count: 0,
                failing: Vec::new(),
            });
            presence.count += 1;
            if let Some(rules) = failing.get(&pod.uid) {
                presence.failing.extend(rules);
                presence.failing.sort_unstable();
                presence.failing.dedup();
            }
        }
        NodeSummary {
            source: source.to_string(),
            id,
            hostname: node.hostname.clone(),
            kernel: node.kernel.clone(),
            os: node.os.clone(),
            cgroup_mode: node.cgroup_mode,
            cgroup_driver: node.cgroup_driver,
            runtimes: runtime_set(model),
            pods: model.pods.len(),
            containers: model.containers.len(),
            processes: model.processes.len(),
            severities,
            rules: by_rule.into_iter().collect(),
            gaps: model.gaps.len(),
            collected_at: model.collection.started_at.clone(),
            collector_version: model.collection.collector_version.clone(),
            report: None,
            pods_by_owner: by_owner.into_values().collect(),
        }
    }

    /// How many findings of this rule the node has.
    pub fn rule_count(&self, rule: u32) -> usize {
        self.rules
            .binary_search_by_key(&rule, |(r, _)| *r)
            .map_or(0, |at| self.rules[at].1)
    }
}

/// The slot of a severity in `severities`.
pub fn severity_slot(severity: Severity) -> usize {
    match severity {
        Severity::Critical => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    }
}

/// The pods whose own subjects (the pod, its containers, their processes, their cgroups) have
/// warnings or critical findings, with those findings' rules. Info findings (a pod on the
/// host's network, say) describe a pod, they do not say it fails.
fn failing_pods(model: &Model, rules: &mut Interner) -> HashMap<PodUid, BTreeSet<u32>> {
    let index = Index::new(model);
    let mut failing: HashMap<PodUid, BTreeSet<u32>> = HashMap::new();
    for finding in model
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
    {
        let pod = match &finding.subject {
            Subject::Node => None,
            Subject::Pod(uid) => Some(uid),
            Subject::Container(id) => index.container(id).and_then(|c| c.pod_uid.as_ref()),
            Subject::Process(pid) => index.process(*pid).and_then(|p| p.pod_uid.as_ref()),
            Subject::Cgroup(path) => index.cgroup(path).and_then(|c| c.pod_uid.as_ref()),
        };
        if let Some(uid) = pod {
            failing
                .entry(uid.clone())
                .or_default()
                .insert(rules.intern(&finding.rule));
        }
    }
    failing
}

/// The node's runtimes as the fleet compares them: each kind (with the product that ships it)
/// once, with how many instances, sorted: `containerd`, `containerd of k3s`,
/// `containerd of docker + docker`, `2 × containerd`; `none` without any.
fn runtime_set(model: &Model) -> String {
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for runtime in &model.node.runtimes {
        let name = match &runtime.distribution {
            Some(product) => format!("{} of {product}", runtime.kind),
            None => runtime.kind.to_string(),
        };
        *kinds.entry(name).or_default() += 1;
    }
    if kinds.is_empty() {
        return "none".to_string();
    }
    kinds
        .into_iter()
        .map(|(name, n)| {
            if n == 1 {
                name
            } else {
                format!("{n} × {name}")
            }
        })
        .collect::<Vec<_>>()
        .join(" + ")
}
