//! Rules about what a pod or container leaves behind: cgroups of pods and containers that are
//! gone, dying cgroups the kernel still holds, and zombies that use up a cgroup's pids.max.

use super::{finding, rules::*, DYING_CGROUPS_MIN, ZOMBIES_OF_PIDS_MAX_PERCENT};
use crate::model::{Cgroup, Container, Finding, Limit, Pid, Process, Subject};
use crate::present::text::abbreviate;
use crate::present::Index;
use std::collections::{BTreeMap, HashSet};

/// The cgroup and every cgroup below it.
pub(super) fn subtree<'m>(index: &Index<'m>, top: &'m Cgroup) -> Vec<&'m Cgroup> {
    let mut found = vec![top];
    let mut next = 0;
    while next < found.len() {
        found.extend(index.cgroup_children(&found[next].path).iter().copied());
        next += 1;
    }
    found
}

/// Whether the runtime's state the snapshot holds knows the container (a record gave it a
/// name or an image).
fn has_record(c: &Container) -> bool {
    c.name.is_some() || c.image.is_some()
}

/// A pod or container cgroup with no process anywhere below it and nothing in the runtime's
/// records. Judged only when the snapshot holds records of other containers (the runtime's
/// state was read); a pod reported as leaked is not repeated for its containers.
pub(super) fn leaked_pod_cgroup(index: &Index, out: &mut Vec<Finding>) {
    let model = index.model;
    if !model.containers.iter().any(has_record) {
        return;
    }
    let empty = |path: &str| -> Option<&Cgroup> {
        let path = crate::model::CgroupPath::new(path).ok()?;
        let cgroup = index.cgroup(&path)?;
        subtree(index, cgroup)
            .iter()
            .all(|c| c.pids.is_empty())
            .then_some(cgroup)
    };
    let mut leaked_pods = HashSet::new();
    for pod in &model.pods {
        let containers = index.containers_of_pod(&pod.uid);
        let known = pod.name.is_some() || containers.iter().any(|c| has_record(c));
        let Some(cgroup) = pod.cgroup.as_deref().and_then(empty) else {
            continue;
        };
        if known {
            continue;
        }
        leaked_pods.insert(&pod.uid);
        out.push(finding(
            &LEAKED_POD_CGROUP,
            Subject::Cgroup(cgroup.path.clone()),
            format!(
                "pod {} has a cgroup with no processes ({} below it) and no record in the \
                 runtime's state",
                index.pod_label(&pod.uid),
                match subtree(index, cgroup).len() - 1 {
                    0 => "no cgroups".to_string(),
                    1 => "1 cgroup".to_string(),
                    n => format!("{n} cgroups"),
                }
            ),
        ));
    }
    for c in &model.containers {
        if has_record(c) || !c.pids.is_empty() {
            continue;
        }
        if c.pod_uid
            .as_ref()
            .is_some_and(|uid| leaked_pods.contains(uid))
        {
            continue;
        }
        let Some(cgroup) = c.cgroup.as_deref().and_then(empty) else {
            continue;
        };
        out.push(finding(
            &LEAKED_POD_CGROUP,
            Subject::Cgroup(cgroup.path.clone()),
            format!(
                "container {} has a cgroup with no processes and no record in the runtime's \
                 state",
                index.container_label_with_id(&c.id)
            ),
        ));
    }
}

/// Programs that reap orphans as a container's pid 1.
const INITS: &[&str] = &[
    "tini",
    "tini-static",
    "dumb-init",
    "catatonit",
    "docker-init",
    "s6-svscan",
    "runit",
    "runsvdir",
    "systemd",
    "init",
    "supervisord",
    "pause",
];

/// Zombies in a pod or container cgroup with a pids.max, when they hold at least
/// [`ZOMBIES_OF_PIDS_MAX_PERCENT`] of it; the message names their parents and whether the
/// container's pid 1 is an init.
pub(super) fn zombies_against_pids_limit(index: &Index, out: &mut Vec<Finding>) {
    for c in &index.model.cgroups {
        if c.pod_uid.is_none() && c.container_id.is_none() {
            continue;
        }
        let Some(Limit::Value(max)) = c.limits.pids_max else {
            continue;
        };
        // Whether the parent is in the same container or pod: a container cgroup's
        // sub-cgroups (podman's) are the container's too.
        let parent = c.parent.as_ref().and_then(|p| index.cgroup(p));
        if c.container_id.is_some() && parent.is_some_and(|p| p.container_id == c.container_id) {
            continue;
        }
        let zombies: Vec<&Process> = subtree(index, c)
            .iter()
            .flat_map(|g| g.pids.iter())
            .filter_map(|pid| index.process(*pid))
            .filter(|p| p.state == 'Z')
            .collect();
        if !zombies_over_share(zombies.len() as u64, max) {
            continue;
        }
        let mut by_parent: BTreeMap<Pid, usize> = BTreeMap::new();
        for z in &zombies {
            *by_parent.entry(z.ppid).or_default() += 1;
        }
        let parents = match by_parent.len() {
            1 => by_parent
                .keys()
                .map(|pid| format!("their parent {}", index.process_label(*pid)))
                .collect(),
            _ => {
                let each: Vec<String> = by_parent
                    .iter()
                    .map(|(pid, n)| format!("{} ({n})", index.process_label(*pid)))
                    .collect();
                format!("their parents {}", abbreviate(&each, 5))
            }
        };
        let current = c
            .usage
            .pids_current
            .map(|n| format!(", pids.current {n}"))
            .unwrap_or_default();
        out.push(finding(
            &ZOMBIES_AGAINST_PIDS_LIMIT,
            Subject::Cgroup(c.path.clone()),
            format!(
                "{} holds {} zombie{} against its pids.max {max}{current}; not reaped by {}{}",
                super::cgroups::owner(index, c),
                zombies.len(),
                if zombies.len() == 1 { "" } else { "s" },
                parents,
                init_note(index, c)
            ),
        ));
    }
}

/// Whether `zombies` is at least [`ZOMBIES_OF_PIDS_MAX_PERCENT`] of `max` (and at least one).
pub(super) fn zombies_over_share(zombies: u64, max: u64) -> bool {
    zombies > 0
        && u128::from(zombies) * 100 >= u128::from(max) * u128::from(ZOMBIES_OF_PIDS_MAX_PERCENT)
}

/// `; the container's pid 1 is node, not an init`, when the cgroup is a container's whose
/// first process is known and is not one of [`INITS`].
fn init_note(index: &Index, c: &Cgroup) -> String {
    let Some(container) = c.container_id.as_ref().and_then(|id| index.container(id)) else {
        return String::new();
    };
    let Some(init) = container.init_pid.and_then(|pid| index.process(pid)) else {
        return String::new();
    };
    let program = init
        .cmdline
        .as_deref()
        .and_then(|line| line.split_whitespace().next())
        .map(|first| first.rsplit('/').next().unwrap_or(first))
        .unwrap_or(&init.comm);
    if INITS.contains(&program) || INITS.contains(&init.comm.as_str()) {
        return String::new();
    }
    format!(
        "; the container's pid 1 is {}, not an init",
        index.process_label(init.pid)
    )
}

/// The topmost cgroups with at least [`DYING_CGROUPS_MIN`] dying descendants (cgroup.stat counts
/// every level below, so each ancestor repeats a child's; the highest one is reported, with the
/// child holding most of them named).
pub(super) fn dying_cgroups(index: &Index, out: &mut Vec<Finding>) {
    let over = |c: &Cgroup| {
        c.usage
            .nr_dying_descendants
            .filter(|n| *n >= DYING_CGROUPS_MIN)
    };
    for c in &index.model.cgroups {
        let Some(dying) = over(c) else { continue };
        let parent = c.parent.as_ref().and_then(|p| index.cgroup(p));
        if parent.is_some_and(|p| over(p).is_some()) {
            continue;
        }
        let most = index
            .cgroup_children(&c.path)
            .iter()
            .filter_map(|k| k.usage.nr_dying_descendants.map(|n| (n, *k)))
            .max_by_key(|(n, _)| *n)
            .filter(|(n, _)| *n > 0)
            .map(|(n, k)| format!("; {n} of them below {}", k.path))
            .unwrap_or_default();
        let live = c
            .usage
            .nr_descendants
            .map(|n| format!(" (and {n} live ones)"))
            .unwrap_or_default();
        out.push(finding(
            &DYING_CGROUPS,
            Subject::Cgroup(c.path.clone()),
            format!(
                "cgroup {} holds {dying} dying descendant cgroups{live}{most}",
                c.path
            ),
        ));
    }
}
