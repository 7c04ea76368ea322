//! Step 4 of the model build: the pods, each with its containers and its sandbox, and at the end
//! of the build the model's pods with their names, runtime instance, limits and the namespaces
//! their containers share.

use super::cgroups::CgroupFacts;
use super::containers::{ContainerDraft, ContainerDrafts};
use super::namespaces::{declared_sharing, namespace_sharing};
use crate::model::inputs::DeclaredNamespaces;
use crate::model::names::MetadataIndex;
use crate::model::{
    Container, ContainerId, Inode, NsType, Pid, Pod, PodKind, PodUid, QosClass, RuntimeId,
};
use std::collections::{BTreeMap, HashMap};

/// What the cgroup paths say about a pod (see `containers::named`).
#[derive(Debug, Default)]
pub struct PodDraft {
    pub qos: Option<QosClass>,
    pub cgroup: Option<String>,
}

/// The drafts by pod uid.
pub type PodDrafts = HashMap<PodUid, PodDraft>;

/// Each pod's containers and sandbox.
#[derive(Debug, Default)]
pub struct PodGroups {
    /// The ids of each pod's containers, sorted.
    pub containers: HashMap<PodUid, Vec<ContainerId>>,
    /// Each pod's sandbox, where one is known.
    pub sandbox: HashMap<PodUid, ContainerId>,
}

impl PodGroups {
    /// Groups the containers by pod and picks each pod's sandbox: a sandbox with processes
    /// before one without (a pod restarted keeps its old, exited sandbox), else the sandbox its
    /// containers' annotations name.
    pub fn of(containers: &ContainerDrafts, names: &MetadataIndex) -> PodGroups {
        let mut groups = PodGroups::default();
        for (id, draft) in containers {
            if let Some(uid) = &draft.pod_uid {
                groups
                    .containers
                    .entry(uid.clone())
                    .or_default()
                    .push(id.clone());
            }
        }
        for list in groups.containers.values_mut() {
            list.sort();
        }
        groups.sandbox = groups
            .containers
            .iter()
            .filter_map(|(uid, ids)| {
                pick_sandbox(ids, containers, names).map(|sandbox| (uid.clone(), sandbox))
            })
            .collect();
        groups
    }
}

fn pick_sandbox(
    ids: &[ContainerId],
    containers: &ContainerDrafts,
    names: &MetadataIndex,
) -> Option<ContainerId> {
    let sandboxes: Vec<(&ContainerId, &ContainerDraft)> = ids
        .iter()
        .filter_map(|id| containers.get(id).map(|draft| (id, draft)))
        .filter(|(_, draft)| draft.sandbox)
        .collect();
    sandboxes
        .iter()
        .find(|(_, draft)| !draft.members.is_empty())
        .or(sandboxes.first())
        .map(|(id, _)| (*id).clone())
        // CRI-O without an infra container (its default since 1.22) still names the sandbox in
        // each container's annotations, though no process holds it.
        .or_else(|| {
            ids.iter()
                .filter_map(|id| names.containers.get(id))
                .find_map(|n| n.sandbox_id.clone())
        })
}

/// What `to_model` joins a pod from.
pub struct PodSources<'a> {
    pub groups: &'a PodGroups,
    pub containers: &'a ContainerDrafts<'a>,
    /// The model's containers, sorted by id, for their runtime instances.
    pub model_containers: &'a [Container],
    pub names: &'a MetadataIndex,
    pub facts: &'a CgroupFacts<'a>,
    pub host_namespaces: &'a BTreeMap<NsType, Inode>,
    /// What runtimes say about namespaces, where there are no inodes (an sosreport).
    pub declared: &'a DeclaredNamespaces,
}

/// The model's pods, sorted by uid.
pub fn to_model(pods: &PodDrafts, from: &PodSources) -> Vec<Pod> {
    let instance_of: HashMap<&ContainerId, Option<RuntimeId>> = from
        .model_containers
        .iter()
        .map(|c| (&c.id, c.runtime_instance.clone()))
        .collect();
    let init_namespaces = |id: &ContainerId| -> Option<&BTreeMap<NsType, Inode>> {
        from.containers
            .get(id)
            .and_then(|c| c.init)
            .map(|r| &r.raw.namespaces)
    };
    let mut list: Vec<Pod> = pods
        .iter()
        .map(|(uid, draft)| {
            let ids = from.groups.containers.get(uid).cloned().unwrap_or_default();
            let sandbox_id = from.groups.sandbox.get(uid).cloned();
            let sandbox_pid = sandbox_id
                .as_ref()
                .and_then(|s| from.containers.get(s))
                .and_then(|c| c.init)
                .map(|r| Pid(r.raw.pid));
            let apps: Vec<&BTreeMap<NsType, Inode>> = ids
                .iter()
                .filter(|id| Some(*id) != sandbox_id.as_ref())
                .filter_map(&init_namespaces)
                .collect();
            let sandbox_ns = sandbox_id.as_ref().and_then(&init_namespaces);
            let pod_names = from.names.pods.get(uid);
            let by_inode = namespace_sharing(sandbox_ns, &apps, from.host_namespaces);
            let namespace_sharing = if by_inode.is_empty() {
                declared_sharing(uid, sandbox_id.as_ref(), &ids, from.declared)
            } else {
                by_inode
            };
            let (limits, usage) = from.facts.of(draft.cgroup.as_deref());
            let runtime_instance = sandbox_id
                .iter()
                .chain(ids.iter())
                .find_map(|id| instance_of.get(id).cloned().flatten());
            let kind = if uid.is_podman() {
                PodKind::Podman
            } else {
                PodKind::Kubernetes
            };
            // podman names a pod's infra container's host after the pod.
            let podman_name = || {
                (kind == PodKind::Podman)
                    .then(|| {
                        sandbox_id
                            .as_ref()
                            .and_then(|s| from.names.containers.get(s))
                    })
                    .flatten()
                    .and_then(|n| n.hostname.clone())
            };
            Pod {
                uid: uid.clone(),
                kind,
                qos: draft.qos,
                name: pod_names.and_then(|n| n.name.clone()).or_else(podman_name),
                namespace: pod_names.and_then(|n| n.namespace.clone()),
                sandbox_id,
                sandbox_pid,
                container_ids: ids,
                runtime_instance,
                cgroup: draft.cgroup.clone(),
                namespace_sharing,
                limits,
                usage,
            }
        })
        .collect();
    list.sort_by(|a, b| a.uid.cmp(&b.uid));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::names::ContainerNames;

    fn id(n: u8) -> ContainerId {
        ContainerId::parse(&format!("{n:02x}").repeat(32)).unwrap()
    }

    fn uid() -> PodUid {
        PodUid::parse("6a4a2a8c-1d9f-4e8b-9c1e-2f3a4b5c6d7e").unwrap()
    }

    #[test]
    fn a_sandbox_with_processes_beats_an_exited_one_and_annotations_name_one_without_any() {
        let process = crate::model::inputs::RawProcess::default();
        let record = super::super::processes::ProcessRecord {
            raw: &process,
            role: crate::model::roles::classify_process(1, 0, "pause", &[]),
            class: Default::default(),
        };
        let mut containers = ContainerDrafts::new();
        for (n, sandbox, members) in [
            (1, true, vec![]),
            (2, true, vec![&record]),
            (3, false, vec![]),
        ] {
            containers.insert(
                id(n),
                ContainerDraft {
                    pod_uid: Some(uid()),
                    sandbox,
                    members,
                    ..ContainerDraft::default()
                },
            );
        }
        let groups = PodGroups::of(&containers, &MetadataIndex::default());
        assert_eq!(groups.containers[&uid()], [id(1), id(2), id(3)]);
        assert_eq!(groups.sandbox[&uid()], id(2));

        containers.retain(|id, _| *id == self::id(3));
        let mut names = MetadataIndex::default();
        names.containers.insert(
            id(3),
            ContainerNames {
                sandbox_id: Some(id(9)),
                ..ContainerNames::default()
            },
        );
        let groups = PodGroups::of(&containers, &names);
        assert_eq!(groups.sandbox[&uid()], id(9));
    }
}
