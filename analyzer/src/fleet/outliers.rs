//! What stands out in a fleet. A node is an outlier when one of its kernel, cgroup mode,
//! cgroup driver or runtime set differs from the value most nodes share (more than half of
//! them); when no value has a majority the attribute is mixed, and no node is singled out. A
//! pod (by owner, `owner::pod_key`) is an outlier when it runs on most nodes that run pods but
//! fails (has warnings or critical findings) on fewer than half of the nodes it runs on, or is
//! missing from a few nodes while it runs on three quarters or more of them: a DaemonSet pod
//! that did not start on one node.

use super::{Fleet, NodeSummary};
use std::collections::BTreeMap;

/// A node attribute the fleet compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Attribute {
    Kernel,
    CgroupMode,
    CgroupDriver,
    Runtimes,
}

impl Attribute {
    pub const ALL: [Attribute; 4] = [
        Attribute::Kernel,
        Attribute::CgroupMode,
        Attribute::CgroupDriver,
        Attribute::Runtimes,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Attribute::Kernel => "kernel",
            Attribute::CgroupMode => "cgroup mode",
            Attribute::CgroupDriver => "cgroup driver",
            Attribute::Runtimes => "runtimes",
        }
    }

    /// The node's value, as compared and shown (`unknown` where the snapshot does not say).
    pub fn value(self, node: &NodeSummary) -> String {
        match self {
            Attribute::Kernel => node.kernel.clone().unwrap_or_else(|| "unknown".to_string()),
            Attribute::CgroupMode => node.cgroup_mode.to_string(),
            Attribute::CgroupDriver => node.cgroup_driver.to_string(),
            Attribute::Runtimes => node.runtimes.clone(),
        }
    }
}

/// A node whose attribute differs from what most nodes have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeOutlier {
    /// The node's position in the fleet.
    pub node: usize,
    pub attribute: Attribute,
    pub value: String,
    pub common: String,
    /// How many nodes have the common value.
    pub common_nodes: usize,
}

/// An attribute on which no value is shared by most nodes: each value with its node count,
/// most frequent first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixedAttribute {
    pub attribute: Attribute,
    pub values: Vec<(String, usize)>,
}

/// The node outliers, by attribute then by node, and the mixed attributes.
pub fn node_outliers(fleet: &Fleet) -> (Vec<NodeOutlier>, Vec<MixedAttribute>) {
    let nodes: Vec<(usize, &NodeSummary)> = fleet.nodes().collect();
    let mut outliers = Vec::new();
    let mut mixed = Vec::new();
    for attribute in Attribute::ALL {
        let values: Vec<(usize, String)> = nodes
            .iter()
            .map(|(at, node)| (*at, attribute.value(node)))
            .collect();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, value) in &values {
            *counts.entry(value.as_str()).or_default() += 1;
        }
        if counts.len() < 2 {
            continue;
        }
        let mut ranked: Vec<(String, usize)> =
            counts.iter().map(|(v, n)| (v.to_string(), *n)).collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let (common, common_nodes) = ranked[0].clone();
        if common_nodes * 2 <= nodes.len() {
            mixed.push(MixedAttribute {
                attribute,
                values: ranked,
            });
            continue;
        }
        for (node, value) in values {
            if value != common {
                outliers.push(NodeOutlier {
                    node,
                    attribute,
                    value,
                    common: common.clone(),
                    common_nodes,
                });
            }
        }
    }
    (outliers, mixed)
}

/// A pod (by owner) that runs on most nodes but fails on, or is missing from, a few.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodOutlier {
    /// The fleet's pod key index.
    pub key: u32,
    /// How many nodes run it, of how many nodes run any pod.
    pub present: usize,
    pub of: usize,
    /// The nodes where it fails, each with the rules (fleet indexes) of its findings there.
    pub failing: Vec<(usize, Vec<u32>)>,
    /// The nodes running pods where it does not run (only listed when it runs on three
    /// quarters of them or more).
    pub absent: Vec<usize>,
}

/// The pod outliers, by key.
pub fn pod_outliers(fleet: &Fleet) -> Vec<PodOutlier> {
    let with_pods: Vec<(usize, &NodeSummary)> = fleet
        .nodes()
        .filter(|(_, node)| !node.pods_by_owner.is_empty())
        .collect();
    let of = with_pods.len();
    /// Where one pod key runs, and where it fails with which rules.
    #[derive(Default)]
    struct Seen {
        present_on: Vec<usize>,
        failing: Vec<(usize, Vec<u32>)>,
    }
    let mut by_key: BTreeMap<u32, Seen> = BTreeMap::new();
    for (at, node) in &with_pods {
        for presence in &node.pods_by_owner {
            let seen = by_key.entry(presence.key).or_default();
            seen.present_on.push(*at);
            if !presence.failing.is_empty() {
                seen.failing.push((*at, presence.failing.clone()));
            }
        }
    }
    let mut outliers: Vec<PodOutlier> = by_key
        .into_iter()
        .filter_map(
            |(
                key,
                Seen {
                    present_on,
                    failing,
                },
            )| {
                let present = present_on.len();
                if present * 2 <= of {
                    return None;
                }
                let fails_on_a_few = !failing.is_empty() && failing.len() * 2 < present;
                let absent: Vec<usize> = if present * 4 >= of * 3 && present < of && of >= 4 {
                    with_pods
                        .iter()
                        .map(|(at, _)| *at)
                        .filter(|at| present_on.binary_search(at).is_err())
                        .collect()
                } else {
                    Vec::new()
                };
                (fails_on_a_few || !absent.is_empty()).then(|| PodOutlier {
                    key,
                    present,
                    of,
                    failing: if fails_on_a_few { failing } else { Vec::new() },
                    absent,
                })
            },
        )
        .collect();
    outliers.sort_by(|a, b| fleet.pod_keys.name(a.key).cmp(fleet.pod_keys.name(b.key)));
    outliers
}
