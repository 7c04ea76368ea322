//! Processes between two snapshots, each known by its pid and start time (a pid is reused, a
//! start time never within one boot): started and gone per container, moved to another
//! cgroup or namespace, in D state in both, and zombies counted per parent.

use super::{
    CgroupMove, Group, GroupCount, MovedProcess, NamespaceMove, ProcessChanges, ProcessLists,
    ProcessRef, ZombieChange,
};
use crate::model::{ContainerId, Model, Pid, PodUid, Process};
use crate::present::labels;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A process across snapshots: its pid and its start time in clock ticks after boot, and
/// the boot (0 for OLD's; NEW's is 1 after a reboot, when no process can be the same).
type Identity = (Pid, Option<u64>, u8);

fn identity(p: &Process, boot: u8) -> Identity {
    (p.pid, p.start_ticks, boot)
}

pub(super) fn reference(p: &Process) -> ProcessRef {
    ProcessRef {
        pid: p.pid,
        ppid: p.ppid,
        start_ticks: p.start_ticks,
        start_time: p.start_time.clone(),
        comm: p.comm.clone(),
        command: labels::command(p).into_owned(),
        state: p.state,
        container_id: p.container_id.clone(),
        pod_uid: p.pod_uid.clone(),
        group: group_of(p).0,
    }
}

/// The processes of a snapshot the diff looks at: all but the collector's own.
fn processes(model: &Model) -> impl Iterator<Item = &Process> {
    let collector = model.collection.collector_pid;
    model
        .processes
        .iter()
        .filter(move |p| Some(p.pid) != collector)
}

/// Where a process is counted: its container, its pod, the host or the kernel's threads.
/// The pod is part of the key for processes in a pod but no container.
fn group_of(p: &Process) -> (Group, Option<ContainerId>, Option<PodUid>) {
    match (&p.container_id, &p.pod_uid) {
        (Some(id), _) => (Group::Container, Some(id.clone()), None),
        (None, Some(uid)) => (Group::Pod, None, Some(uid.clone())),
        (None, None) if p.kernel_thread => (Group::KernelThreads, None, None),
        (None, None) => (Group::Host, None, None),
    }
}

#[derive(Default)]
struct Tally {
    pod_uid: Option<PodUid>,
    started: usize,
    gone: usize,
}

pub(super) fn compare(old: &Model, new: &Model, rebooted: bool) -> ProcessChanges {
    let boot = u8::from(rebooted);
    let before: HashMap<Identity, &Process> = processes(old).map(|p| (identity(p, 0), p)).collect();
    let after: HashMap<Identity, &Process> =
        processes(new).map(|p| (identity(p, boot), p)).collect();
    type Key = (Group, Option<ContainerId>, Option<PodUid>);
    let mut tallies: BTreeMap<Key, Tally> = BTreeMap::new();
    let mut changes = ProcessChanges::default();
    let mut lists = ProcessLists::default();
    for p in processes(new) {
        match before.get(&identity(p, boot)) {
            None => {
                let tally = tallies.entry(group_of(p)).or_default();
                tally.started += 1;
                tally.pod_uid.clone_from(&p.pod_uid);
                lists.started.push(reference(p));
            }
            Some(was) => {
                if let Some(moved) = moved(was, p) {
                    changes.moved.push(moved);
                }
                if was.state == 'D' && p.state == 'D' {
                    changes.uninterruptible_in_both.push(reference(p));
                }
            }
        }
    }
    for p in processes(old) {
        if !after.contains_key(&identity(p, 0)) {
            let tally = tallies.entry(group_of(p)).or_default();
            tally.gone += 1;
            if tally.pod_uid.is_none() {
                tally.pod_uid.clone_from(&p.pod_uid);
            }
            lists.gone.push(reference(p));
        }
    }
    changes.started = lists.started.len();
    changes.gone = lists.gone.len();
    changes.per_container = tallies
        .into_iter()
        .map(|((group, container_id, _), tally)| GroupCount {
            group,
            container_id,
            pod_uid: tally.pod_uid,
            started: tally.started,
            gone: tally.gone,
        })
        .collect();
    changes.zombies = zombies(old, new, boot, &before, &after);
    changes.list = Some(lists);
    changes
}

/// The process's cgroup lines and namespace inodes that changed under the same identity.
/// A process with gaps in either snapshot is left out: a missing line is no move.
fn moved(was: &Process, now: &Process) -> Option<MovedProcess> {
    if was.partial || now.partial {
        return None;
    }
    let (before, after) = (cgroup_lines(was), cgroup_lines(now));
    let cgroups: Vec<CgroupMove> = after
        .iter()
        .filter_map(|(hierarchy, (controllers, path))| {
            let (_, old_path) = before.get(hierarchy)?;
            (old_path != path).then(|| CgroupMove {
                controllers: controllers.to_string(),
                old: Some(old_path.to_string()),
                new: Some(path.to_string()),
            })
        })
        .collect();
    let namespaces: Vec<NamespaceMove> = now
        .namespaces
        .iter()
        .filter_map(|(kind, inode)| {
            let old_inode = was.namespaces.get(kind)?;
            (old_inode != inode).then_some(NamespaceMove {
                kind: *kind,
                old: Some(old_inode.0),
                new: Some(inode.0),
            })
        })
        .collect();
    if cgroups.is_empty() && namespaces.is_empty() {
        return None;
    }
    Some(MovedProcess {
        process: reference(now),
        cgroups,
        namespaces,
        old_container_id: (was.container_id != now.container_id)
            .then(|| was.container_id.clone())
            .flatten(),
    })
}

/// A process's cgroup lines by hierarchy id: (controllers, path).
fn cgroup_lines(p: &Process) -> BTreeMap<u32, (&str, &str)> {
    p.cgroups
        .iter()
        .map(|l| (l.hierarchy_id, (l.controllers.as_str(), l.path.as_str())))
        .collect()
}

/// Zombies per parent (the parent's pid and start time), where their number changed.
fn zombies(
    old: &Model,
    new: &Model,
    boot: u8,
    before: &HashMap<Identity, &Process>,
    after: &HashMap<Identity, &Process>,
) -> Vec<ZombieChange> {
    let starts = |model: &Model| -> HashMap<Pid, Option<u64>> {
        model
            .processes
            .iter()
            .map(|p| (p.pid, p.start_ticks))
            .collect()
    };
    let (old_starts, new_starts) = (starts(old), starts(new));
    // Per parent: the identities of its zombies.
    type ByParent<'m> = BTreeMap<Identity, BTreeSet<Identity>>;
    let by_parent = |model: &'_ Model, starts: &HashMap<Pid, Option<u64>>, boot: u8| {
        let mut map = ByParent::new();
        for p in processes(model).filter(|p| p.state == 'Z') {
            let parent = (p.ppid, starts.get(&p.ppid).copied().flatten(), boot);
            map.entry(parent).or_default().insert(identity(p, boot));
        }
        map
    };
    let (was, now) = (
        by_parent(old, &old_starts, 0),
        by_parent(new, &new_starts, boot),
    );
    let parents: BTreeSet<&Identity> = was.keys().chain(now.keys()).collect();
    let mut changes = Vec::new();
    for parent in parents {
        let (a, b) = (was.get(parent), now.get(parent));
        let (old_count, new_count) = (a.map_or(0, BTreeSet::len), b.map_or(0, BTreeSet::len));
        if old_count == new_count {
            continue;
        }
        let kept = match (a, b) {
            (Some(a), Some(b)) => a.intersection(b).count(),
            _ => 0,
        };
        let parent_process = after.get(parent).or_else(|| before.get(parent));
        changes.push(ZombieChange {
            parent: parent.0,
            parent_comm: parent_process.map(|p| p.comm.clone()),
            container_id: parent_process.and_then(|p| p.container_id.clone()),
            pod_uid: parent_process.and_then(|p| p.pod_uid.clone()),
            old: old_count,
            new: new_count,
            kept,
        });
    }
    changes
}
