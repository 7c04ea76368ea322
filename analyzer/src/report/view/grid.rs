//! A pod's namespace grid: its containers against the namespace types, each cell the
//! namespace's inode and whether the pod shares it, the host owns it, or the container keeps it.

use super::super::text::visible;
use super::links::Links;
use crate::model::{Container, Inode, NsType, Pod, Sharing};
use crate::present::labels;
use std::collections::{BTreeMap, HashMap};

/// The namespace types a pod's grid shows, in the order the walkthrough's `ls -l` lists them.
const GRID_NS_TYPES: [NsType; 8] = [
    NsType::Cgroup,
    NsType::Ipc,
    NsType::Mnt,
    NsType::Net,
    NsType::Pid,
    NsType::Time,
    NsType::User,
    NsType::Uts,
];

/// A pod's containers against the namespace types, as the walkthrough draws it by hand.
#[derive(Debug, Clone)]
pub struct NsGridView {
    pub columns: Vec<&'static str>,
    pub rows: Vec<NsGridRow>,
    /// One line in words: `shared in the pod: ipc, net · host's: user · private: mnt, pid, uts`.
    pub sharing: String,
}

#[derive(Debug, Clone)]
pub struct NsGridRow {
    /// The container's label (a pod's sandbox is `sandbox`).
    pub label: String,
    pub cells: Vec<NsCell>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NsCell {
    pub inode: String,
    /// CSS class: `pod` (shared within the pod), `host`, `priv` (this container's own), `none`.
    pub class: &'static str,
}

/// The grid: a cell is `host` when the namespace is the host's, `pod` when two or more of the
/// pod's containers hold it, `priv` when only this container does.
pub(super) fn ns_grid(links: &Links, pod: &Pod, containers: &[&Container]) -> NsGridView {
    let namespaces_of = |c: &Container| -> Option<&BTreeMap<NsType, Inode>> {
        let pid = c.init_pid.or_else(|| c.pids.iter().min().copied())?;
        links.index.process(pid).map(|p| &p.namespaces)
    };
    let columns: Vec<NsType> = GRID_NS_TYPES
        .into_iter()
        .filter(|kind| {
            containers
                .iter()
                .any(|c| namespaces_of(c).is_some_and(|ns| ns.contains_key(kind)))
        })
        .collect();
    let mut holders: HashMap<(NsType, Inode), usize> = HashMap::new();
    for c in containers {
        if let Some(ns) = namespaces_of(c) {
            for (kind, inode) in ns {
                *holders.entry((*kind, *inode)).or_default() += 1;
            }
        }
    }
    let rows = containers
        .iter()
        .map(|c| {
            let ns = namespaces_of(c);
            let cells = columns
                .iter()
                .map(|kind| match ns.and_then(|ns| ns.get(kind)) {
                    Some(inode) => NsCell {
                        inode: inode.to_string(),
                        class: if links.is_host_namespace(*kind, *inode) {
                            "host"
                        } else if holders.get(&(*kind, *inode)).copied().unwrap_or(0) > 1 {
                            "pod"
                        } else {
                            "priv"
                        },
                    },
                    None => NsCell {
                        inode: "—".to_string(),
                        class: "none",
                    },
                })
                .collect();
            NsGridRow {
                label: visible(labels::container(c)),
                cells,
            }
        })
        .collect();
    let mut by_sharing: BTreeMap<u8, Vec<&str>> = BTreeMap::new();
    for (kind, sharing) in &pod.namespace_sharing {
        let order = match sharing {
            Sharing::Pod => 0,
            Sharing::Host => 1,
            Sharing::Private => 2,
        };
        by_sharing.entry(order).or_default().push(kind.as_str());
    }
    let sharing = by_sharing
        .iter()
        .map(|(order, kinds)| {
            let label = match order {
                0 => "shared in the pod",
                1 => "host's",
                _ => "private",
            };
            format!("{label}: {}", kinds.join(", "))
        })
        .collect::<Vec<_>>()
        .join(" · ");
    NsGridView {
        columns: columns.iter().map(|k| k.as_str()).collect(),
        rows,
        sharing,
    }
}
