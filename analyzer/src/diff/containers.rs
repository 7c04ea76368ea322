//! Pods and containers between two snapshots: added, removed, replaced, restarted, started and
//! stopped, each container paired by the name it keeps across restarts in its runtime's way.

use super::{ContainerChanges, PodChanges, PodReplaced, Restart};
use crate::model::{Container, ContainerId, Model, Pid, PodKind, PodUid};
use crate::present::labels;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What a container keeps across restarts, in its runtime's naming: a CRI container its pod
/// and name (the kubelet makes a new container, with a new id, for every restart), a pod's
/// sandbox its pod, a standalone docker or podman container its name on its runtime.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Slot<'m> {
    Sandbox(&'m PodUid),
    InPod(&'m PodUid, &'m str),
    Standalone(String, &'m str),
}

fn slot(c: &Container) -> Option<Slot<'_>> {
    if c.sandbox {
        return c.pod_uid.as_ref().map(Slot::Sandbox);
    }
    let name = c.name.as_deref().filter(|n| !n.is_empty())?;
    match &c.pod_uid {
        Some(uid) => Some(Slot::InPod(uid, name)),
        None => {
            // The instance's id is its socket and outlives the daemon; an id that stands in by
            // pid (`docker@pid:812`) does not, so the kind names the runtime then.
            let runtime = match &c.runtime_instance {
                Some(id) if !id.as_str().contains("@pid:") => id.as_str().to_string(),
                _ => c.runtime.map_or("?", |k| k.name()).to_string(),
            };
            Some(Slot::Standalone(runtime, name))
        }
    }
}

/// A model's containers with what the comparison asks of each.
struct Side<'m> {
    model: &'m Model,
    by_id: HashMap<&'m ContainerId, &'m Container>,
    /// Each process's start time, by pid.
    starts: HashMap<Pid, Option<u64>>,
}

impl<'m> Side<'m> {
    fn new(model: &'m Model) -> Side<'m> {
        Side {
            model,
            by_id: model.containers.iter().map(|c| (&c.id, c)).collect(),
            starts: model
                .processes
                .iter()
                .map(|p| (p.pid, p.start_ticks))
                .collect(),
        }
    }

    /// The container's first process as (pid, start time), which a restart replaces.
    fn init(&self, c: &Container) -> Option<(Pid, Option<u64>)> {
        let pid = c.init_pid?;
        Some((pid, self.starts.get(&pid).copied().flatten()))
    }

    fn has_process(&self, identity: (Pid, Option<u64>)) -> bool {
        self.starts.get(&identity.0) == Some(&identity.1)
    }

    /// The container a slot's list holds now: one with processes first, then the one whose
    /// first process started last, then the greatest id (for a stable answer).
    fn current<'c>(&self, list: &[&'c Container]) -> Option<&'c Container> {
        list.iter()
            .max_by_key(|c| {
                let start = self.init(c).and_then(|(_, start)| start);
                (!c.pids.is_empty(), start, &c.id)
            })
            .copied()
    }

    /// When the container's first process started, RFC 3339, where known.
    fn started_at(&self, c: &Container) -> Option<String> {
        let pid = c.init_pid?;
        let at = self
            .model
            .processes
            .binary_search_by_key(&pid, |p| p.pid)
            .ok()?;
        self.model.processes[at].start_time.clone()
    }
}

pub(super) fn compare(old: &Model, new: &Model, rebooted: bool) -> (PodChanges, ContainerChanges) {
    (pods(old, new), containers(old, new, rebooted))
}

fn pods(old: &Model, new: &Model) -> PodChanges {
    let before: HashSet<&PodUid> = old.pods.iter().map(|p| &p.uid).collect();
    let after: HashSet<&PodUid> = new.pods.iter().map(|p| &p.uid).collect();
    let mut changes = PodChanges {
        added: after
            .iter()
            .filter(|uid| !before.contains(*uid))
            .map(|uid| (*uid).clone())
            .collect(),
        removed: before
            .iter()
            .filter(|uid| !after.contains(*uid))
            .map(|uid| (*uid).clone())
            .collect(),
        ..PodChanges::default()
    };
    changes.added.sort();
    changes.removed.sort();
    // A pod made again under its old name (a StatefulSet's, a static pod) was replaced.
    let gone = named(old, &changes.removed);
    let made = named(new, &changes.added);
    for ((kind, namespace, name), new_uid) in &made {
        if let Some(old_uid) = gone.get(&(*kind, *namespace, *name)) {
            changes.replaced.push(PodReplaced {
                namespace: namespace.map(str::to_string),
                name: name.to_string(),
                old_uid: old_uid.clone(),
                new_uid: new_uid.clone(),
            });
        }
    }
    changes
}

/// A pod's kind, namespace and name: what a pod made again under a new uid keeps.
type PodName<'m> = (PodKind, Option<&'m str>, &'m str);

/// The named pods among `uids`, by kind, namespace and name.
fn named<'m>(model: &'m Model, uids: &[PodUid]) -> BTreeMap<PodName<'m>, PodUid> {
    let wanted: HashSet<&PodUid> = uids.iter().collect();
    model
        .pods
        .iter()
        .filter(|p| wanted.contains(&p.uid))
        .filter_map(|p| {
            let name = p.name.as_deref()?;
            Some(((p.kind, p.namespace.as_deref(), name), p.uid.clone()))
        })
        .collect()
}

fn containers(old: &Model, new: &Model, rebooted: bool) -> ContainerChanges {
    let (before, after) = (Side::new(old), Side::new(new));
    type Lists<'m> = (Vec<&'m Container>, Vec<&'m Container>);
    let mut slots: BTreeMap<Slot, Lists> = BTreeMap::new();
    for c in &old.containers {
        if let Some(s) = slot(c) {
            slots.entry(s).or_default().0.push(c);
        }
    }
    for c in &new.containers {
        if let Some(s) = slot(c) {
            slots.entry(s).or_default().1.push(c);
        }
    }
    let mut changes = ContainerChanges::default();
    // Ids a restart explains, on either side: neither added nor removed.
    let mut in_restart: HashSet<&ContainerId> = HashSet::new();
    for (olds, news) in slots.values() {
        let fresh: Vec<&Container> = news
            .iter()
            .filter(|c| !before.by_id.contains_key(&c.id))
            .copied()
            .collect();
        let (Some(previous), Some(current)) = (before.current(olds), after.current(&fresh)) else {
            continue;
        };
        // The old container still runs beside the new one: two containers, no restart.
        let still_running = after
            .by_id
            .get(&previous.id)
            .is_some_and(|c| !c.pids.is_empty());
        if still_running {
            continue;
        }
        in_restart.extend(fresh.iter().map(|c| &c.id));
        in_restart.extend(
            olds.iter()
                .filter(|c| !after.by_id.contains_key(&c.id))
                .map(|c| &c.id),
        );
        in_restart.insert(&previous.id);
        changes.restarted.push(restart(
            &after,
            previous,
            current,
            fresh.len() as u32,
            false,
        ));
    }
    for c in &new.containers {
        let Some(was) = before.by_id.get(&c.id) else {
            if !in_restart.contains(&c.id) {
                changes.added.push(c.id.clone());
            }
            continue;
        };
        if in_restart.contains(&c.id) {
            continue;
        }
        match (was.pids.is_empty(), c.pids.is_empty()) {
            (true, false) => changes.started.push(c.id.clone()),
            (false, true) => changes.stopped.push(c.id.clone()),
            (false, false) => {
                // Restarted under its id: its first process is another one, and the old one
                // is gone (a process the runtime exec'd beside it is no restart). After a
                // reboot every process is another one.
                let again = rebooted
                    || match (before.init(was), after.init(c)) {
                        (Some(first), Some(now)) => first != now && !after.has_process(first),
                        _ => false,
                    };
                if again {
                    changes.restarted.push(restart(&after, was, c, 1, true));
                }
            }
            (true, true) => {}
        }
    }
    changes.removed = old
        .containers
        .iter()
        .filter(|c| !after.by_id.contains_key(&c.id) && !in_restart.contains(&c.id))
        .map(|c| c.id.clone())
        .collect();
    changes.added.sort();
    changes.removed.sort();
    changes.started.sort();
    changes.stopped.sort();
    changes
        .restarted
        .sort_by(|a, b| (&a.pod_uid, &a.name, &a.new_id).cmp(&(&b.pod_uid, &b.name, &b.new_id)));
    changes
}

fn restart(
    after: &Side,
    previous: &Container,
    current: &Container,
    restart_count: u32,
    in_place: bool,
) -> Restart {
    Restart {
        pod_uid: current.pod_uid.clone(),
        name: labels::container(current).to_string(),
        old_id: previous.id.clone(),
        new_id: current.id.clone(),
        restart_count,
        in_place,
        sandbox: current.sandbox,
        runtime: current.runtime,
        started_at: after.started_at(current),
    }
}

/// What the diff knows of every pod and container it names anywhere: from NEW where NEW has
/// it, else from OLD.
pub(super) fn fill_details(diff: &mut super::Diff, old: &Model, new: &Model) {
    use super::{ContainerInfo, PodInfo};
    use crate::model::Subject;
    let mut containers: HashSet<ContainerId> = HashSet::new();
    let mut pods: HashSet<PodUid> = HashSet::new();
    {
        let c = &diff.containers;
        containers.extend(c.added.iter().cloned());
        containers.extend(c.removed.iter().cloned());
        containers.extend(c.started.iter().cloned());
        containers.extend(c.stopped.iter().cloned());
        for r in &c.restarted {
            containers.insert(r.old_id.clone());
            containers.insert(r.new_id.clone());
        }
        pods.extend(diff.pods.added.iter().cloned());
        pods.extend(diff.pods.removed.iter().cloned());
        let p = &diff.processes;
        containers.extend(
            p.per_container
                .iter()
                .filter_map(|g| g.container_id.clone()),
        );
        for m in &p.moved {
            containers.extend(m.process.container_id.clone());
            containers.extend(m.old_container_id.clone());
        }
        containers.extend(
            p.uninterruptible_in_both
                .iter()
                .filter_map(|r| r.container_id.clone()),
        );
        containers.extend(p.zombies.iter().filter_map(|z| z.container_id.clone()));
        if let Some(lists) = &p.list {
            for r in lists.started.iter().chain(&lists.gone) {
                containers.extend(r.container_id.clone());
            }
        }
        containers.extend(diff.counters.iter().filter_map(|c| c.container_id.clone()));
        containers.extend(diff.limits.iter().filter_map(|c| c.container_id.clone()));
        pods.extend(diff.counters.iter().filter_map(|c| c.pod_uid.clone()));
        pods.extend(diff.limits.iter().filter_map(|c| c.pod_uid.clone()));
        let f = &diff.findings;
        let subjects = f
            .appeared
            .iter()
            .map(|r| &r.subject)
            .chain(f.resolved.iter().map(|r| &r.subject))
            .chain(f.changed.iter().map(|r| &r.subject));
        for subject in subjects {
            match subject {
                Subject::Container(id) => {
                    containers.insert(id.clone());
                }
                Subject::Pod(uid) => {
                    pods.insert(uid.clone());
                }
                _ => {}
            }
        }
    }
    let (before, after) = (Side::new(old), Side::new(new));
    for id in containers {
        let Some(c) = after.by_id.get(&id).or_else(|| before.by_id.get(&id)) else {
            continue;
        };
        pods.extend(c.pod_uid.clone());
        diff.containers.details.insert(
            id,
            ContainerInfo {
                name: c.name.clone(),
                pod_uid: c.pod_uid.clone(),
                runtime: c.runtime,
                image: c.image.clone(),
                sandbox: c.sandbox,
                label: labels::container(c).to_string(),
                pod: None,
            },
        );
    }
    // NEW's pod wins: it comes last.
    let pod_index: HashMap<&PodUid, &crate::model::Pod> = old
        .pods
        .iter()
        .chain(&new.pods)
        .map(|p| (&p.uid, p))
        .collect();
    for uid in pods {
        let Some(pod) = pod_index.get(&uid).copied() else {
            continue;
        };
        diff.pods.details.insert(
            uid,
            PodInfo {
                name: pod.name.clone(),
                namespace: pod.namespace.clone(),
                kind: pod.kind,
                qos: pod.qos,
                label: labels::pod(pod),
            },
        );
    }
    for info in diff.containers.details.values_mut() {
        info.pod = info
            .pod_uid
            .as_ref()
            .and_then(|uid| diff.pods.details.get(uid))
            .map(|p| p.label.clone());
    }
}
