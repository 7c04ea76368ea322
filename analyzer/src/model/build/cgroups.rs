//! Step 7 of the model build: the merged cgroup tree with each cgroup's limits, usage and
//! processes, and the cgroup driver its paths' names vote for. It needs only the gathered
//! cgroups and processes, so it is built on a second thread while the other steps run.

use crate::model::classify::classify_cgroup_path;
use crate::model::inputs::{RawCgroup, RawProcess};
use crate::model::{Cgroup, CgroupDriver, CgroupPath, CgroupPaths, Limits, Pid, QosClass, Usage};
use std::collections::HashMap;
use std::fmt::Write as _;

/// The control-file facts of the collected cgroups by path, for pods and containers.
pub struct CgroupFacts<'a> {
    by_path: HashMap<&'a str, &'a RawCgroup>,
}

impl<'a> CgroupFacts<'a> {
    pub fn new(collected: &'a [RawCgroup]) -> Self {
        CgroupFacts {
            by_path: collected.iter().map(|c| (c.path.as_str(), c)).collect(),
        }
    }

    /// The limits and usage of the cgroup at `path`; empty where it was not collected.
    pub fn of(&self, path: Option<&str>) -> (Limits, Usage) {
        path.and_then(|p| self.by_path.get(p))
            .map(|c| (c.limits.clone(), c.usage.clone()))
            .unwrap_or_default()
    }
}

/// The merged cgroup tree: every collected path, plus any path a process names in the
/// displayed hierarchy that was not collected, with the ancestors that place it; and the
/// driver each path's names vote for. Paths are interned: each level is made once and shared
/// by everything below it, so the tree costs one name per cgroup however deep it is. Paths
/// past the limits are not in the inputs (`gather` leaves them out with a gap).
pub fn tree(collected: &[RawCgroup], raw: &[&RawProcess]) -> (Vec<Cgroup>, Vec<bool>) {
    let mut paths = CgroupPaths::new();
    let mut facts: HashMap<CgroupPath, &RawCgroup> = HashMap::new();
    for c in collected {
        if let Ok(path) = paths.intern(&c.path) {
            facts.entry(path).or_insert(c);
        }
    }
    let mut pids_at: HashMap<CgroupPath, Vec<Pid>> = HashMap::new();
    for p in raw {
        if let Some(Ok(path)) = p.display_cgroup.as_deref().map(|d| paths.intern(d)) {
            pids_at.entry(path).or_default().push(Pid(p.pid));
        }
    }
    let mut drivers = Vec::new();
    let mut text = String::new();
    let mut cgroups: Vec<Cgroup> = paths
        .all()
        .map(|path| {
            // One path's text at a time (at most MAX_CGROUP_PATH_BYTES), for the classifier.
            text.clear();
            let _ = write!(text, "{path}");
            let class = classify_cgroup_path(&text);
            drivers.extend(class.systemd_driver);
            let mut pids = pids_at.remove(path).unwrap_or_default();
            pids.sort();
            let source = facts.get(path);
            Cgroup {
                path: path.clone(),
                parent: path.parent().cloned(),
                hierarchies: source.map(|c| c.hierarchies.clone()).unwrap_or_default(),
                pids,
                pod_uid: class.pod_uid,
                container_id: class.container_id,
                qos: class.qos.or_else(|| qos_cgroup(&text)),
                limits: source.map(|c| c.limits.clone()).unwrap_or_default(),
                usage: source.map(|c| c.usage.clone()).unwrap_or_default(),
                trouble: Vec::new(),
            }
        })
        .collect();
    cgroups.sort_by(|a, b| a.path.cmp(&b.path));
    (cgroups, drivers)
}

/// `/kubepods/burstable` and `kubepods-besteffort.slice` name a QoS class without a pod.
fn qos_cgroup(path: &str) -> Option<QosClass> {
    let last = path.rsplit('/').next()?;
    let within_kubepods = path.contains("kubepods");
    let name = last
        .strip_suffix(".slice")
        .map_or(last, |u| u.rsplit('-').next().unwrap_or(u));
    match name {
        "burstable" if within_kubepods => Some(QosClass::Burstable),
        "besteffort" if within_kubepods => Some(QosClass::BestEffort),
        _ => None,
    }
}

/// The driver most paths name; a tie is systemd's.
pub fn majority_driver(votes: impl Iterator<Item = bool>) -> CgroupDriver {
    let (mut systemd, mut cgroupfs) = (0usize, 0usize);
    for vote in votes {
        if vote {
            systemd += 1;
        } else {
            cgroupfs += 1;
        }
    }
    match (systemd, cgroupfs) {
        (0, 0) => CgroupDriver::Unknown,
        (s, c) if s >= c => CgroupDriver::Systemd,
        _ => CgroupDriver::Cgroupfs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::{Fs, NodeBuilder, Proc};
    use crate::model::MAX_CGROUP_DEPTH;

    #[test]
    fn a_deep_tree_within_the_limits_lists_every_level_once_under_its_parent() {
        let mut node = NodeBuilder::new(Fs::V2);
        let trunk = "/a".repeat(MAX_CGROUP_DEPTH - 1);
        for (pid, leaf) in [(60, "x"), (61, "y"), (62, "x")] {
            node.process(Proc::new(pid, 1, "app", "app").cgroup(&format!("{trunk}/{leaf}")));
        }
        let model = crate::model::build(&node.build());
        assert!(model.gaps.is_empty(), "{:?}", model.gaps);
        let top = CgroupPath::new("/a").unwrap();
        let below: Vec<&Cgroup> = model
            .cgroups
            .iter()
            .filter(|c| c.path.starts_with(&top))
            .collect();
        // /a down to the trunk's 63 levels, then x and y.
        assert_eq!(below.len(), MAX_CGROUP_DEPTH + 1);
        let x = below.iter().find(|c| c.path.name() == "x").unwrap();
        assert_eq!(x.pids, [Pid(60), Pid(62)]);
        assert_eq!(x.path.depth(), MAX_CGROUP_DEPTH);
        assert_eq!(x.parent.as_ref().unwrap(), &trunk);
        for c in &model.cgroups {
            let listed = |p: &CgroupPath| model.cgroups.iter().filter(|o| &o.path == p).count();
            assert_eq!(listed(&c.path), 1, "{} listed once", c.path);
            if let Some(parent) = &c.parent {
                assert_eq!(listed(parent), 1, "parent of {} listed", c.path);
            }
        }
        assert!(model.cgroups.windows(2).all(|w| w[0].path < w[1].path));
    }

    #[test]
    fn qos_cgroup_names_both_drivers_only_under_kubepods() {
        assert_eq!(qos_cgroup("/kubepods/burstable"), Some(QosClass::Burstable));
        assert_eq!(
            qos_cgroup("/kubepods.slice/kubepods-besteffort.slice"),
            Some(QosClass::BestEffort)
        );
        assert_eq!(qos_cgroup("/burstable"), None);
        assert_eq!(qos_cgroup("/kubepods"), None);
    }

    #[test]
    fn majority_driver_breaks_ties_towards_systemd_and_knows_nothing_from_nothing() {
        assert_eq!(majority_driver([].into_iter()), CgroupDriver::Unknown);
        assert_eq!(
            majority_driver([false, false, true].into_iter()),
            CgroupDriver::Cgroupfs
        );
        assert_eq!(
            majority_driver([true, false].into_iter()),
            CgroupDriver::Systemd
        );
    }

    #[test]
    fn facts_of_a_path_not_collected_are_empty() {
        let collected = [RawCgroup {
            path: "/a".into(),
            usage: Usage {
                pids_current: Some(3),
                ..Usage::default()
            },
            ..RawCgroup::default()
        }];
        let facts = CgroupFacts::new(&collected);
        assert_eq!(facts.of(Some("/a")).1.pids_current, Some(3));
        assert_eq!(facts.of(Some("/b")), (Limits::default(), Usage::default()));
        assert_eq!(facts.of(None), (Limits::default(), Usage::default()));
    }
}
