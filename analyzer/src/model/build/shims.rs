//! Step 3 of the model build: the shims (containerd-shim, conmon) and what they manage. A shim
//! names its container or task in its arguments, a conmon scope names its container in its
//! cgroup path; a container's shim is the parent of its init, else the shim that names it,
//! its task, or its pod sandbox's task.

use super::containers::ContainerDrafts;
use super::pods::PodGroups;
use super::processes::{ByPid, ProcessRecord};
use crate::model::names::MetadataIndex;
use crate::model::roles::ShimTarget;
use crate::model::{ContainerId, ProcessRole};
use std::collections::HashMap;

/// What the node's shims say they manage.
#[derive(Debug, Default)]
pub struct Shims {
    /// The shim of one container (containerd-shim v1's workdir, conmon's `-c`, a conmon
    /// scope), by pid.
    for_container: HashMap<ContainerId, u32>,
    /// The shim of a task (containerd-shim-runc-v2's `-id`), by pid, with its containerd
    /// namespace.
    for_task: HashMap<ContainerId, (u32, Option<String>)>,
}

impl Shims {
    /// Reads the shims among the records; where two shims name one container, the last wins.
    pub fn named_by(records: &[ProcessRecord]) -> Shims {
        let mut shims = Shims::default();
        for record in records {
            let pid = record.raw.pid;
            match &record.role.shim_target {
                Some(ShimTarget::Container(id)) => {
                    shims.for_container.insert(id.clone(), pid);
                }
                Some(ShimTarget::Task(id)) => {
                    let namespace = record.role.shim_namespace.clone();
                    shims.for_task.insert(id.clone(), (pid, namespace));
                }
                None => {}
            }
        }
        // A conmon scope names the container its conmon manages, even with arguments
        // unreadable.
        for record in records {
            if let (Some(id), ProcessRole::Shim) = (&record.class.conmon_for, record.role.role) {
                shims
                    .for_container
                    .entry(id.clone())
                    .or_insert(record.raw.pid);
            }
        }
        shims
    }

    /// A runc-v2 shim outside docker (`-namespace moby`) names this container as its task:
    /// under Kubernetes that is the pod's sandbox.
    pub fn runs_kubernetes_task(&self, id: &ContainerId) -> bool {
        self.for_task
            .get(id)
            .is_some_and(|(_, namespace)| namespace.as_deref() != Some("moby"))
    }

    fn task_shim(&self, id: &ContainerId) -> Option<u32> {
        self.for_task.get(id).map(|(pid, _)| *pid)
    }
}

/// Gives each container its shim, and the shim's runtime to a container no path or record
/// placed.
pub fn assign(
    containers: &mut ContainerDrafts,
    shims: &Shims,
    by_pid: &ByPid,
    pods: &PodGroups,
    names: &MetadataIndex,
) {
    for (id, draft) in containers.iter_mut() {
        let parent_shim = draft
            .init
            .and_then(|init| by_pid.get(&init.raw.ppid))
            .filter(|parent| parent.role.role == ProcessRole::Shim)
            .map(|parent| parent.raw.pid);
        let sandbox_id = draft
            .pod_uid
            .as_ref()
            .and_then(|uid| pods.sandbox.get(uid))
            .or_else(|| names.containers.get(id).and_then(|n| n.sandbox_id.as_ref()));
        let shim = parent_shim
            .or_else(|| shims.for_container.get(id).copied())
            .or_else(|| shims.task_shim(id))
            .or_else(|| sandbox_id.and_then(|s| shims.task_shim(s)));
        let shim_runtime = shim
            .and_then(|pid| by_pid.get(&pid))
            .and_then(|record| record.role.runtime);
        draft.shim = shim;
        if draft.runtime.is_none() {
            draft.runtime = shim_runtime;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::classify::CgroupClass;
    use crate::model::inputs::RawProcess;
    use crate::model::roles::classify_process;

    const SANDBOX: &str = "52eeb71ffa22cd8020a6214fa1a556c2e22c3012858a75aa5799b021502916e1";

    #[test]
    fn a_containers_shim_is_its_sandboxs_task_shim_when_nothing_closer_names_it() {
        let argv: Vec<String> = format!(
            "containerd-shim-runc-v2 -namespace k8s.io -id {SANDBOX} -address /run/containerd/containerd.sock"
        )
        .split(' ')
        .map(str::to_string)
        .collect();
        let shim = RawProcess {
            pid: 900,
            ppid: 1,
            comm: "containerd-shim".into(),
            argv: Some(argv.clone()),
            ..RawProcess::default()
        };
        let records = vec![ProcessRecord {
            raw: &shim,
            role: classify_process(900, 1, "containerd-shim", &argv),
            class: CgroupClass::default(),
        }];
        let shims = Shims::named_by(&records);
        let sandbox = ContainerId::parse(SANDBOX).unwrap();
        assert!(shims.runs_kubernetes_task(&sandbox));
        let app = ContainerId::parse(&"ab".repeat(32)).unwrap();
        let uid = crate::model::PodUid::parse("6a4a2a8c-1d9f-4e8b-9c1e-2f3a4b5c6d7e").unwrap();
        let mut containers = ContainerDrafts::new();
        containers.insert(
            app.clone(),
            super::super::containers::ContainerDraft {
                pod_uid: Some(uid.clone()),
                ..Default::default()
            },
        );
        let mut pods = PodGroups::default();
        pods.sandbox.insert(uid, sandbox);
        let by_pid = super::super::processes::by_pid(&records);
        assign(
            &mut containers,
            &shims,
            &by_pid,
            &pods,
            &MetadataIndex::default(),
        );
        assert_eq!(containers[&app].shim, Some(900));
        assert_eq!(
            containers[&app].runtime,
            Some(crate::model::RuntimeKind::Containerd),
            "the shim's runtime"
        );
    }
}
