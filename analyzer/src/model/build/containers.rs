//! Step 2 of the model build: the containers, named by the cgroup paths of processes and of
//! cgroup directories and by the runtime metadata, each with its processes, its init process
//! and whether it is its pod's sandbox. The pods those paths name are noted on the way.

use super::cgroups::CgroupFacts;
use super::pods::{PodDraft, PodDrafts};
use super::processes::{ClassCache, ProcessRecord};
use super::runtimes::ContainerInstances;
use super::shims::Shims;
use crate::model::classify::CgroupClass;
use crate::model::inputs::RawCgroup;
use crate::model::names::MetadataIndex;
use crate::model::{Container, ContainerId, Pid, PodUid, PodmanPodId, ProcessRole, RuntimeKind};
use nodesnap_format::{RecordSource, RuntimeMetadata};
use std::collections::{HashMap, HashSet};

/// What the build knows of one container before it becomes the model's.
#[derive(Debug, Default)]
pub struct ContainerDraft<'a> {
    /// Its processes, sorted by pid once `settle` ran.
    pub members: Vec<&'a ProcessRecord<'a>>,
    /// The member whose parent is not a member (see `settle`).
    pub init: Option<&'a ProcessRecord<'a>>,
    /// The pid of the shim or conmon that manages it (see `shims::assign`).
    pub shim: Option<u32>,
    pub pod_uid: Option<PodUid>,
    pub runtime: Option<RuntimeKind>,
    pub cgroup: Option<String>,
    pub sandbox: bool,
    pub node_container: Option<ContainerId>,
    pub podman_pod: Option<PodmanPodId>,
}

/// The drafts by container id.
pub type ContainerDrafts<'a> = HashMap<ContainerId, ContainerDraft<'a>>;

/// Every container and pod the node names: in the cgroup paths of its processes (which become
/// the containers' members), in its cgroup directories, and in the runtime metadata. The first
/// source to say a fact about a container or pod decides it.
pub fn named<'a>(
    records: &'a [ProcessRecord<'a>],
    cgroups: &[RawCgroup],
    classes: &mut ClassCache,
    metadata: &RuntimeMetadata,
    names: &MetadataIndex,
) -> (ContainerDrafts<'a>, PodDrafts) {
    let mut containers = ContainerDrafts::new();
    let mut pods = PodDrafts::new();
    for record in records {
        note_class(&mut containers, &mut pods, &record.class);
        if let Some(id) = &record.class.container_id {
            if let Some(draft) = containers.get_mut(id) {
                draft.members.push(record);
            }
        }
    }
    for cgroup in cgroups {
        note_class(&mut containers, &mut pods, classes.get(&cgroup.path));
    }
    for record in &metadata.containers {
        if let Some(id) = ContainerId::parse(&record.id) {
            let draft = containers.entry(id).or_default();
            if draft.runtime.is_none() {
                draft.runtime = runtime_of_record(record.source);
            }
        }
    }
    for (id, container_names) in &names.containers {
        let draft = containers.entry(id.clone()).or_default();
        if draft.pod_uid.is_none() {
            draft.pod_uid = container_names.pod_uid.clone();
        }
        if let Some(uid) = &draft.pod_uid {
            pods.entry(uid.clone()).or_default();
        }
    }
    (containers, pods)
}

/// Notes the pod and the container a cgroup path names, where nothing said them before.
fn note_class(containers: &mut ContainerDrafts, pods: &mut PodDrafts, class: &CgroupClass) {
    // A podman pod is a pod too, its id standing for the uid.
    let pod_uid = class
        .pod_uid
        .clone()
        .or_else(|| class.podman_pod_id.as_ref().map(PodUid::from_podman));
    if let Some(uid) = &pod_uid {
        let pod: &mut PodDraft = pods.entry(uid.clone()).or_default();
        if pod.qos.is_none() {
            pod.qos = class.qos;
        }
        if pod.cgroup.is_none() {
            pod.cgroup = class.pod_cgroup.clone();
        }
    }
    if let Some(id) = &class.container_id {
        let draft = containers.entry(id.clone()).or_default();
        if draft.pod_uid.is_none() {
            draft.pod_uid = pod_uid;
        }
        if draft.runtime.is_none() {
            draft.runtime = class.runtime;
        }
        if draft.cgroup.is_none() {
            draft.cgroup = class.container_cgroup.clone();
        }
        if draft.node_container.is_none() {
            draft.node_container = class.node_container_id.clone();
        }
        if draft.podman_pod.is_none() {
            draft.podman_pod = class.podman_pod_id.clone();
        }
    }
}

fn runtime_of_record(source: RecordSource) -> Option<RuntimeKind> {
    match source {
        RecordSource::Docker => Some(RuntimeKind::Docker),
        RecordSource::ContainerdTask => Some(RuntimeKind::Containerd),
        // CRI-O and podman share this storage; the cgroup path or conmon tells them apart.
        RecordSource::CrioUserdata | RecordSource::ContainerStorage => None,
    }
}

/// Sorts each container's members, finds its init process, and tells whether it is a pod's
/// sandbox: its metadata says so, its init is a pause process, it is podman's infra container,
/// another container names it as its sandbox, or a Kubernetes runc-v2 shim runs it by its id.
pub fn settle(containers: &mut ContainerDrafts, shims: &Shims, names: &MetadataIndex) {
    // Sandboxes other containers name: CRI-O's and podman's app containers carry their infra
    // container's id (`io.kubernetes.cri-o.SandboxID`), though the infra's own config does not
    // say what it is.
    let named_sandboxes: HashSet<&ContainerId> = names
        .containers
        .values()
        .filter_map(|n| n.sandbox_id.as_ref())
        .collect();
    for (id, draft) in containers.iter_mut() {
        draft.members.sort_by_key(|r| r.raw.pid);
        let member_pids: HashSet<u32> = draft.members.iter().map(|r| r.raw.pid).collect();
        draft.init = draft
            .members
            .iter()
            .copied()
            .filter(|r| !member_pids.contains(&r.raw.ppid))
            .min_by_key(|r| (r.raw.start_ticks.unwrap_or(u64::MAX), r.raw.pid));
        let container_names = names.containers.get(id);
        let pause = draft
            .init
            .is_some_and(|r| r.role.role == ProcessRole::Sandbox);
        // podman names a pod's infra container `<short pod id>-infra`.
        let podman_infra = draft.podman_pod.as_ref().is_some_and(|pod| {
            container_names.and_then(|n| n.name.as_deref())
                == Some(&format!("{}-infra", pod.short()))
        });
        draft.sandbox = container_names.and_then(|n| n.sandbox).unwrap_or(false)
            || pause
            || podman_infra
            || (named_sandboxes.contains(id) && draft.pod_uid.is_some())
            || (shims.runs_kubernetes_task(id) && draft.pod_uid.is_some());
    }
}

/// The model's containers, sorted by id, with their names, images, runtime instances and the
/// limits and usage of their cgroups.
pub fn to_model(
    containers: &ContainerDrafts,
    names: &MetadataIndex,
    instances: &ContainerInstances,
    facts: &CgroupFacts,
) -> Vec<Container> {
    let mut list: Vec<Container> = containers
        .iter()
        .map(|(id, draft)| {
            let container_names = names.containers.get(id);
            let (limits, usage) = facts.of(draft.cgroup.as_deref());
            let runtime_instance = instances.of(id, draft.runtime, draft.shim);
            // A CRI sandbox's config names no image: it is the one its runtime's config gives
            // every sandbox.
            let sandbox_image = || {
                draft
                    .sandbox
                    .then_some(())
                    .and(runtime_instance.as_ref())
                    .and_then(|instance| instances.sandbox_image(instance))
            };
            Container {
                id: id.clone(),
                runtime: draft.runtime,
                pod_uid: draft.pod_uid.clone(),
                name: container_names.and_then(|n| n.name.clone()),
                image: container_names
                    .and_then(|n| n.image.clone())
                    .or_else(sandbox_image),
                runtime_instance,
                sandbox: draft.sandbox,
                pids: draft.members.iter().map(|r| Pid(r.raw.pid)).collect(),
                init_pid: draft.init.map(|r| Pid(r.raw.pid)),
                shim_pid: draft.shim.map(Pid),
                cgroup: draft.cgroup.clone(),
                node_container_id: draft.node_container.clone(),
                podman_pod_id: draft.podman_pod.clone(),
                limits,
                usage,
            }
        })
        .collect();
    list.sort_by(|a, b| a.id.cmp(&b.id));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::inputs::RawProcess;
    use crate::model::ProcessCgroup;

    const ID: &str = "52eeb71ffa22cd8020a6214fa1a556c2e22c3012858a75aa5799b021502916e1";

    fn member(pid: u32, ppid: u32, start_ticks: u64, comm: &str) -> RawProcess {
        RawProcess {
            pid,
            ppid,
            comm: comm.to_string(),
            start_ticks: Some(start_ticks),
            cgroups: vec![ProcessCgroup {
                hierarchy_id: 0,
                controllers: String::new(),
                path: format!("/kubepods/besteffort/pod6a4a2a8c-1d9f-4e8b-9c1e-2f3a4b5c6d7e/{ID}"),
            }],
            ..RawProcess::default()
        }
    }

    fn records<'a>(raw: &[&'a RawProcess], classes: &mut ClassCache) -> Vec<ProcessRecord<'a>> {
        super::super::processes::classify(raw, classes)
    }

    #[test]
    fn the_init_is_the_earliest_member_whose_parent_is_no_member_and_pause_makes_a_sandbox() {
        let child = member(30, 20, 5, "sh");
        let init = member(20, 9, 7, "pause");
        // Started earlier, but its parent is a member: not the init.
        let grandchild = member(40, 30, 1, "sleep");
        let raw = [&child, &init, &grandchild];
        let mut classes = ClassCache::default();
        let records = records(&raw, &mut classes);
        assert_eq!(records[1].role.role, ProcessRole::Sandbox);
        let (mut containers, pods) = named(
            &records,
            &[],
            &mut classes,
            &RuntimeMetadata::default(),
            &MetadataIndex::default(),
        );
        settle(
            &mut containers,
            &Shims::default(),
            &MetadataIndex::default(),
        );
        let draft = &containers[&ContainerId::parse(ID).unwrap()];
        let pids: Vec<u32> = draft.members.iter().map(|r| r.raw.pid).collect();
        assert_eq!(pids, [20, 30, 40]);
        assert_eq!(draft.init.map(|r| r.raw.pid), Some(20));
        assert!(draft.sandbox);
        assert!(draft.pod_uid.is_some());
        assert_eq!(pods.len(), 1);
    }

    #[test]
    fn the_first_source_to_name_a_containers_facts_decides_them() {
        let app = member(20, 9, 7, "app");
        let mut classes = ClassCache::default();
        let records = records(&[&app], &mut classes);
        let elsewhere = RawCgroup {
            path: format!("/docker/{ID}"),
            ..RawCgroup::default()
        };
        let (containers, _) = named(
            &records,
            &[elsewhere],
            &mut classes,
            &RuntimeMetadata::default(),
            &MetadataIndex::default(),
        );
        let draft = &containers[&ContainerId::parse(ID).unwrap()];
        assert!(draft.cgroup.as_deref().unwrap().starts_with("/kubepods/"));
        assert_eq!(
            draft.runtime,
            Some(RuntimeKind::Docker),
            "only the second names it"
        );
    }
}
