//! Joins a snapshot's parsed files into the model: classifies processes and cgroup paths,
//! groups processes into containers and containers into pods, ties shims to what they manage,
//! and decides who holds each namespace. The model comes back without findings:
//! `crate::analyze` evaluates them once it is built.
//!
//! Every join goes through a HashMap keyed by pid, inode, container id or pod uid, so the work
//! grows with the number of processes, never with its square.

use super::cgroup_path::{CgroupPath, CgroupPaths};
use super::classify::{classify_cgroup_path, line_rank, CgroupClass};
use super::ids::{ContainerId, Inode, NsType, Pid, PodUid, PodmanPodId, QosClass, RuntimeId};
use super::inputs::{Inputs, RawCgroup, RawProcess};
use super::names::MetadataIndex;
use super::roles::{classify_process, RoleInfo, ShimTarget};
use super::runtimes::RuntimeIndex;
use super::types::*;
use crate::snapshot::Snapshot;
use nodesnap_format::{Gap, Manifest, RecordSource, RuntimeMetadata};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

/// The kernel's USER_HZ: /proc/<pid>/stat counts start times in these ticks on every
/// architecture Linux exposes to user space, whatever CONFIG_HZ is.
pub const USER_HZ: u64 = 100;

/// Builds the model of the node a snapshot was taken from, without findings.
pub fn build(snapshot: &Snapshot) -> Model {
    let inputs = super::gather::gather(snapshot);
    assemble(
        &inputs,
        &snapshot.manifest,
        &snapshot.metadata,
        &snapshot.load_gaps,
    )
}

/// Builds the model from a snapshot it owns: the snapshot's files are released once they are
/// parsed, before the joins, so that a big node does not hold both at once.
pub fn build_owned(snapshot: Snapshot) -> Model {
    let inputs = super::gather::gather(&snapshot);
    let (manifest, metadata, load_gaps) = snapshot.into_parts();
    assemble(&inputs, &manifest, &metadata, &load_gaps)
}

/// Joins gathered facts into the model; pure.
pub fn assemble(
    inputs: &Inputs,
    manifest: &Manifest,
    metadata: &RuntimeMetadata,
    load_gaps: &[Gap],
) -> Model {
    let gaps: Vec<Gap> = manifest
        .gaps
        .iter()
        .chain(load_gaps.iter())
        .chain(inputs.problems.iter())
        .cloned()
        .collect();
    let touched = pids_touched_by_gaps(&gaps);
    let collector_pid = manifest.collector_pid;
    let raw: Vec<&RawProcess> = inputs
        .processes
        .iter()
        .filter(|p| Some(p.pid) != collector_pid)
        .collect();
    std::thread::scope(|scope| {
        // The cgroup tree depends only on the gathered cgroups and processes: it is built on a
        // second core while the joins below run (on a big node each takes seconds).
        let tree = scope.spawn(|| cgroup_tree(&inputs.cgroups, &raw));

        let mut classes = ClassCache::default();
        let roles: Vec<RoleInfo> = raw
            .iter()
            .map(|p| {
                let argv = p.argv.as_deref().unwrap_or(&[]);
                classify_process(p.pid, p.ppid, &p.comm, argv)
            })
            .collect();
        let process_classes: Vec<CgroupClass> = raw
            .iter()
            .zip(&roles)
            .map(|(p, role)| {
                let mut class = best_class(&mut classes, p);
                // Some setups place the shim in its pod's or container's cgroup: it manages the
                // container but is not one of its processes.
                if role.role == ProcessRole::Shim {
                    class.container_id = None;
                    class.container_cgroup = None;
                }
                class
            })
            .collect();
        let by_pid: HashMap<u32, usize> = raw.iter().enumerate().map(|(i, p)| (p.pid, i)).collect();
        let host_ns = host_namespaces(&raw, &roles, &process_classes);
        let index = MetadataIndex::build(metadata);

        // Containers and pods, keyed by id.
        let mut containers: HashMap<ContainerId, ContainerDraft> = HashMap::new();
        let mut pods: HashMap<PodUid, PodDraft> = HashMap::new();
        for (i, class) in process_classes.iter().enumerate() {
            note_class(&mut containers, &mut pods, class);
            if let Some(id) = &class.container_id {
                if let Some(draft) = containers.get_mut(id) {
                    draft.members.push(i);
                }
            }
        }
        for cgroup in &inputs.cgroups {
            let class = classes.get(&cgroup.path).clone();
            note_class(&mut containers, &mut pods, &class);
        }
        for record in &metadata.containers {
            if let Some(id) = ContainerId::parse(&record.id) {
                let draft = containers.entry(id).or_default();
                if draft.runtime.is_none() {
                    draft.runtime = runtime_of_record(record.source);
                }
            }
        }
        for (id, names) in &index.containers {
            let draft = containers.entry(id.clone()).or_default();
            if draft.pod_uid.is_none() {
                draft.pod_uid = names.pod_uid.clone();
            }
            if let Some(uid) = &draft.pod_uid {
                pods.entry(uid.clone()).or_default();
            }
        }

        // Shims and what they name.
        let mut shim_for_container: HashMap<ContainerId, u32> = HashMap::new();
        let mut shim_for_task: HashMap<ContainerId, (u32, Option<String>)> = HashMap::new();
        for (i, role) in roles.iter().enumerate() {
            let pid = raw[i].pid;
            match &role.shim_target {
                Some(ShimTarget::Container(id)) => {
                    shim_for_container.insert(id.clone(), pid);
                }
                Some(ShimTarget::Task(id)) => {
                    shim_for_task.insert(id.clone(), (pid, role.shim_namespace.clone()));
                }
                None => {}
            }
        }
        // A conmon scope names the container its conmon manages, even with arguments unreadable.
        for (i, class) in process_classes.iter().enumerate() {
            if let (Some(id), ProcessRole::Shim) = (&class.conmon_for, roles[i].role) {
                shim_for_container.entry(id.clone()).or_insert(raw[i].pid);
            }
        }

        // Sandboxes other containers name: CRI-O's and podman's app containers carry their
        // infra container's id (`io.kubernetes.cri-o.SandboxID`), though the infra's own
        // config does not say what it is.
        let named_sandboxes: HashSet<&ContainerId> = index
            .containers
            .values()
            .filter_map(|n| n.sandbox_id.as_ref())
            .collect();

        // Per container: members, init, sandbox flag, names.
        for (id, draft) in containers.iter_mut() {
            draft.members.sort_by_key(|&i| raw[i].pid);
            let member_pids: HashSet<u32> = draft.members.iter().map(|&i| raw[i].pid).collect();
            draft.init = draft
                .members
                .iter()
                .copied()
                .filter(|&i| !member_pids.contains(&raw[i].ppid))
                .min_by_key(|&i| (raw[i].start_ticks.unwrap_or(u64::MAX), raw[i].pid));
            let names = index.containers.get(id);
            let pause = draft
                .init
                .is_some_and(|i| roles[i].role == ProcessRole::Sandbox);
            let k8s_task = shim_for_task
                .get(id)
                .is_some_and(|(_, ns)| ns.as_deref() != Some("moby"));
            // podman names a pod's infra container `<short pod id>-infra`.
            let podman_infra = draft.podman_pod.as_ref().is_some_and(|pod| {
                names.and_then(|n| n.name.as_deref()) == Some(&format!("{}-infra", pod.short()))
            });
            draft.sandbox = names.and_then(|n| n.sandbox).unwrap_or(false)
                || pause
                || podman_infra
                || (named_sandboxes.contains(id) && draft.pod_uid.is_some())
                || (k8s_task && draft.pod_uid.is_some());
        }

        // Per pod: sandbox and containers.
        let mut pod_containers: HashMap<PodUid, Vec<ContainerId>> = HashMap::new();
        for (id, draft) in &containers {
            if let Some(uid) = &draft.pod_uid {
                pod_containers
                    .entry(uid.clone())
                    .or_default()
                    .push(id.clone());
            }
        }
        for list in pod_containers.values_mut() {
            list.sort();
        }
        let pod_sandbox: HashMap<PodUid, ContainerId> = pod_containers
            .iter()
            .filter_map(|(uid, ids)| {
                // Prefer a sandbox with processes (a pod restarted keeps its old, exited sandbox).
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
                    // CRI-O without an infra container (its default since 1.22) still names the
                    // sandbox in each container's annotations, though no process holds it.
                    .or_else(|| {
                        ids.iter()
                            .filter_map(|id| index.containers.get(id))
                            .find_map(|names| names.sandbox_id.clone())
                    })
                    .map(|sandbox| (uid.clone(), sandbox))
            })
            .collect();

        // Shim of each container.
        let container_ids: Vec<ContainerId> = containers.keys().cloned().collect();
        for id in &container_ids {
            let Some(draft) = containers.get(id) else {
                continue;
            };
            let parent_shim = draft
                .init
                .and_then(|i| by_pid.get(&raw[i].ppid).copied())
                .filter(|&p| roles[p].role == ProcessRole::Shim)
                .map(|p| raw[p].pid);
            let sandbox_id = draft
                .pod_uid
                .as_ref()
                .and_then(|uid| pod_sandbox.get(uid))
                .or_else(|| index.containers.get(id).and_then(|n| n.sandbox_id.as_ref()));
            let shim = parent_shim
                .or_else(|| shim_for_container.get(id).copied())
                .or_else(|| shim_for_task.get(id).map(|(pid, _)| *pid))
                .or_else(|| {
                    sandbox_id
                        .and_then(|s| shim_for_task.get(s))
                        .map(|(pid, _)| *pid)
                });
            let shim_runtime = shim
                .and_then(|pid| by_pid.get(&pid))
                .and_then(|&i| roles[i].runtime);
            if let Some(draft) = containers.get_mut(id) {
                draft.shim = shim;
                if draft.runtime.is_none() {
                    draft.runtime = shim_runtime;
                }
            }
        }

        // Runtime instances, and the node's runtime kinds for containers nothing else places.
        let mut runtime_index = RuntimeIndex::build(&raw, &roles, &metadata.daemons);
        if containers
            .values()
            .any(|c| c.runtime == Some(RuntimeKind::Podman))
        {
            runtime_index.note_podman();
        }
        let only_runtime = single_container_runtime(runtime_index.instances());
        for draft in containers.values_mut() {
            if draft.runtime.is_none() {
                draft.runtime = only_runtime;
            }
        }
        let record_paths: HashMap<ContainerId, &str> = metadata
            .containers
            .iter()
            .filter_map(|r| ContainerId::parse(&r.id).map(|id| (id, r.path.as_str())))
            .collect();
        let container_instance = |id: &ContainerId, draft: &ContainerDraft| {
            let shim = draft.shim.and_then(|pid| runtime_index.of_shim(Pid(pid)));
            let record = record_paths
                .get(id)
                .and_then(|path| runtime_index.of_record_path(path));
            runtime_index.of_container(draft.runtime, shim, record)
        };

        // Processes.
        let users = &inputs.node.users;
        let boot = inputs.node.boot_time_secs;
        let mut processes: Vec<Process> = raw
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let class = &process_classes[i];
                let container_id = class.container_id.clone();
                let pod_uid = class.pod_uid.clone().or_else(|| {
                    container_id
                        .as_ref()
                        .and_then(|id| containers.get(id))
                        .and_then(|c| c.pod_uid.clone())
                });
                let mut role = roles[i].role;
                if role == ProcessRole::Other && container_id.is_some() {
                    role = ProcessRole::Container;
                }
                let cmdline = p.argv.as_ref().map(|argv| argv.join(" "));
                Process {
                    pid: Pid(p.pid),
                    ppid: Pid(p.ppid),
                    comm: p.comm.clone(),
                    cmdline,
                    state: p.state,
                    uid: p.uid,
                    user: p.uid.and_then(|u| users.get(&u).cloned()),
                    threads: p.threads,
                    start_ticks: p.start_ticks,
                    start_time: match (boot, p.start_ticks) {
                        (Some(b), Some(t)) => Some(rfc3339(b.saturating_add(t / USER_HZ))),
                        _ => None,
                    },
                    rss_bytes: p.rss_bytes,
                    oom_score_adj: p.oom_score_adj,
                    nspid: p.nspid.clone(),
                    kernel_thread: roles[i].role == ProcessRole::KernelThread,
                    role,
                    cgroups: p.cgroups.clone(),
                    namespaces: p.namespaces.clone(),
                    container_id,
                    pod_uid,
                    partial: p.partial || touched.contains(&p.pid),
                }
            })
            .collect();
        processes.sort_by_key(|p| p.pid);

        // Cgroup facts by path, for pods and containers.
        let cgroup_facts: HashMap<&str, &RawCgroup> = inputs
            .cgroups
            .iter()
            .map(|c| (c.path.as_str(), c))
            .collect();
        let facts_of = |path: Option<&String>| -> (Limits, Usage) {
            path.and_then(|p| cgroup_facts.get(p.as_str()))
                .map(|c| (c.limits.clone(), c.usage.clone()))
                .unwrap_or_default()
        };

        // Containers, final.
        let mut model_containers: Vec<Container> = containers
            .iter()
            .map(|(id, draft)| {
                let names = index.containers.get(id);
                let (limits, usage) = facts_of(draft.cgroup.as_ref());
                let runtime_instance = container_instance(id, draft);
                // A CRI sandbox's config names no image: it is the one its runtime's config
                // gives every sandbox.
                let sandbox_image = || {
                    draft
                        .sandbox
                        .then_some(())
                        .and(runtime_instance.as_ref())
                        .and_then(|id| {
                            runtime_index
                                .instances()
                                .iter()
                                .find(|i| &i.id == id)
                                .and_then(|i| i.sandbox_image.clone())
                        })
                };
                Container {
                    id: id.clone(),
                    runtime: draft.runtime,
                    pod_uid: draft.pod_uid.clone(),
                    name: names.and_then(|n| n.name.clone()),
                    image: names.and_then(|n| n.image.clone()).or_else(sandbox_image),
                    runtime_instance,
                    sandbox: draft.sandbox,
                    pids: draft.members.iter().map(|&i| Pid(raw[i].pid)).collect(),
                    init_pid: draft.init.map(|i| Pid(raw[i].pid)),
                    shim_pid: draft.shim.map(Pid),
                    cgroup: draft.cgroup.clone(),
                    node_container_id: draft.node_container.clone(),
                    podman_pod_id: draft.podman_pod.clone(),
                    limits,
                    usage,
                }
            })
            .collect();
        model_containers.sort_by(|a, b| a.id.cmp(&b.id));
        let instance_of: HashMap<&ContainerId, Option<RuntimeId>> = model_containers
            .iter()
            .map(|c| (&c.id, c.runtime_instance.clone()))
            .collect();

        // Pods, final.
        let init_namespaces = |id: &ContainerId| -> Option<&BTreeMap<NsType, Inode>> {
            containers
                .get(id)
                .and_then(|c| c.init)
                .map(|i| &raw[i].namespaces)
        };
        let mut model_pods: Vec<Pod> = pods
            .iter()
            .map(|(uid, draft)| {
                let ids = pod_containers.get(uid).cloned().unwrap_or_default();
                let sandbox_id = pod_sandbox.get(uid).cloned();
                let sandbox_pid = sandbox_id
                    .as_ref()
                    .and_then(|s| containers.get(s))
                    .and_then(|c| c.init)
                    .map(|i| Pid(raw[i].pid));
                let apps: Vec<&BTreeMap<NsType, Inode>> = ids
                    .iter()
                    .filter(|id| Some(*id) != sandbox_id.as_ref())
                    .filter_map(&init_namespaces)
                    .collect();
                let sandbox_ns = sandbox_id.as_ref().and_then(&init_namespaces);
                let names = index.pods.get(uid);
                let (limits, usage) = facts_of(draft.cgroup.as_ref());
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
                        .then(|| sandbox_id.as_ref().and_then(|s| index.containers.get(s)))
                        .flatten()
                        .and_then(|n| n.hostname.clone())
                };
                Pod {
                    uid: uid.clone(),
                    kind,
                    qos: draft.qos,
                    name: names.and_then(|n| n.name.clone()).or_else(podman_name),
                    namespace: names.and_then(|n| n.namespace.clone()),
                    sandbox_id,
                    sandbox_pid,
                    container_ids: ids,
                    runtime_instance,
                    cgroup: draft.cgroup.clone(),
                    namespace_sharing: namespace_sharing(sandbox_ns, &apps, &host_ns),
                    limits,
                    usage,
                }
            })
            .collect();
        model_pods.sort_by(|a, b| a.uid.cmp(&b.uid));

        let joins = namespace_joins(metadata);
        let namespaces = namespaces_with_holders(&processes, &host_ns, &pod_sandbox, &joins);
        let (cgroups, cgroup_drivers) = match tree.join() {
            Ok(tree) => tree,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        let drivers = process_classes
            .iter()
            .filter_map(|c| c.systemd_driver)
            .chain(cgroup_drivers);
        let cgroup_driver = majority_driver(drivers);
        // k3s and rke2 run the kubelet inside their server or agent process, which counts as
        // the kubelet.
        let kubelet_pid = processes
            .iter()
            .find(|p| p.role == ProcessRole::Kubelet)
            .map(|p| p.pid);

        let node = Node {
            hostname: inputs.node.hostname.clone(),
            kernel: inputs.node.kernel.clone(),
            os: inputs.node.os.clone(),
            boot_time: boot.map(rfc3339),
            uptime_secs: inputs.node.uptime_secs,
            cgroup_mode: inputs.node.cgroup_mode,
            cgroup_driver,
            runtimes: runtime_index.into_instances(),
            kubelet_pid,
            memory_total_bytes: inputs.node.memory_total_bytes,
            cpus: inputs.node.cpus,
            pid_max: inputs.node.pid_max,
            loadavg: inputs.node.loadavg,
        };
        let collection = Collection {
            collector_version: manifest.collector_version.clone(),
            format_version: manifest.format_version,
            started_at: manifest.started_at.clone(),
            finished_at: manifest.finished_at.clone(),
            duration_ms: manifest.duration_ms,
            cmdline: manifest.options.cmdline,
            counts: manifest.counts.clone(),
            collector_pid: collector_pid.map(Pid),
        };
        Model {
            schema_version: SCHEMA_VERSION,
            node,
            collection,
            pods: model_pods,
            containers: model_containers,
            processes,
            namespaces,
            cgroups,
            findings: Vec::new(),
            gaps,
        }
    })
}

#[derive(Debug, Default)]
struct ContainerDraft {
    /// Indexes into the process list.
    members: Vec<usize>,
    init: Option<usize>,
    shim: Option<u32>,
    pod_uid: Option<PodUid>,
    runtime: Option<RuntimeKind>,
    cgroup: Option<String>,
    sandbox: bool,
    node_container: Option<ContainerId>,
    podman_pod: Option<PodmanPodId>,
}

#[derive(Debug, Default)]
struct PodDraft {
    qos: Option<QosClass>,
    cgroup: Option<String>,
}

/// Memoizes path classification: thousands of processes share a few hundred paths.
#[derive(Default)]
struct ClassCache {
    classes: HashMap<String, CgroupClass>,
}

impl ClassCache {
    fn get(&mut self, path: &str) -> &CgroupClass {
        if !self.classes.contains_key(path) {
            self.classes
                .insert(path.to_string(), classify_cgroup_path(path));
        }
        &self.classes[path]
    }
}

/// The most telling of a process's cgroup lines, by `classify::line_rank`: a nested container
/// beats a container in a pod, which beats a bare container, conmon, then a pod; among equals
/// the name=systemd line wins, then the first line.
fn best_class(cache: &mut ClassCache, process: &RawProcess) -> CgroupClass {
    let mut best = CgroupClass::default();
    let mut best_rank = (0, false);
    for line in &process.cgroups {
        let class = cache.get(&line.path);
        let rank = line_rank(&line.controllers, class);
        if class.weight() > 0 && rank > best_rank {
            best_rank = rank;
            best = class.clone();
        }
    }
    best
}

fn note_class(
    containers: &mut HashMap<ContainerId, ContainerDraft>,
    pods: &mut HashMap<PodUid, PodDraft>,
    class: &CgroupClass,
) {
    // A podman pod is a pod too, its id standing for the uid.
    let pod_uid = class
        .pod_uid
        .clone()
        .or_else(|| class.podman_pod_id.as_ref().map(PodUid::from_podman));
    if let Some(uid) = &pod_uid {
        let pod = pods.entry(uid.clone()).or_default();
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

/// The runtime kind to credit a container to when nothing else says: the only kind running
/// containers on the node (dockerd runs its containers through containerd, so docker wins).
fn single_container_runtime(instances: &[RuntimeInfo]) -> Option<RuntimeKind> {
    let kinds: BTreeSet<RuntimeKind> = instances.iter().map(|i| i.kind).collect();
    let kinds: Vec<RuntimeKind> = kinds.into_iter().collect();
    match kinds.as_slice() {
        [only] => Some(*only),
        [RuntimeKind::Docker, RuntimeKind::Containerd] => Some(RuntimeKind::Docker),
        _ => None,
    }
}

/// Pids whose files are named by a gap (`proc/<pid>/...`).
fn pids_touched_by_gaps(gaps: &[Gap]) -> HashSet<u32> {
    gaps.iter()
        .filter_map(|g| g.path.strip_prefix("proc/"))
        .filter_map(|rest| rest.split('/').next())
        .filter_map(|pid| pid.parse().ok())
        .collect()
}

/// The host's namespaces: pid 1's, and for any type pid 1 lacks (its links can be unreadable),
/// the inode most common among kernel threads and processes outside any container.
pub(crate) fn host_namespaces(
    raw: &[&RawProcess],
    roles: &[RoleInfo],
    classes: &[CgroupClass],
) -> BTreeMap<NsType, Inode> {
    let mut host: BTreeMap<NsType, Inode> = raw
        .iter()
        .find(|p| p.pid == 1)
        .map(|p| p.namespaces.clone())
        .unwrap_or_default();
    let mut votes: HashMap<(NsType, Inode), usize> = HashMap::new();
    for (i, p) in raw.iter().enumerate() {
        let outside = roles[i].role == ProcessRole::KernelThread || classes[i].weight() == 0;
        if outside {
            for (kind, inode) in &p.namespaces {
                *votes.entry((*kind, *inode)).or_default() += 1;
            }
        }
    }
    for kind in NsType::ALL {
        if host.contains_key(&kind) {
            continue;
        }
        let winner = votes
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .max_by_key(|((_, inode), count)| (**count, std::cmp::Reverse(*inode)))
            .map(|((_, inode), _)| *inode);
        if let Some(inode) = winner {
            host.insert(kind, inode);
        }
    }
    host
}

/// For each namespace type: the host's if every app container's init has the host's inode;
/// the pod's if every one has the sandbox's; otherwise each keeps its own.
pub(crate) fn namespace_sharing(
    sandbox: Option<&BTreeMap<NsType, Inode>>,
    apps: &[&BTreeMap<NsType, Inode>],
    host: &BTreeMap<NsType, Inode>,
) -> BTreeMap<NsType, Sharing> {
    let mut sharing = BTreeMap::new();
    for kind in NsType::ALL {
        let app_inodes: Vec<Inode> = apps.iter().filter_map(|a| a.get(&kind).copied()).collect();
        let sandbox_inode = sandbox.and_then(|s| s.get(&kind).copied());
        let host_inode = host.get(&kind).copied();
        let all_equal = |target: Option<Inode>| {
            target.is_some() && app_inodes.iter().all(|i| Some(*i) == target)
        };
        // No sandbox process (it exited or was not collected): apps that agree still share.
        let shared_without_sandbox = sandbox_inode.is_none()
            && app_inodes.len() > 1
            && app_inodes.iter().all(|i| Some(i) == app_inodes.first());
        let verdict = if app_inodes.is_empty() {
            match sandbox_inode {
                None => continue,
                Some(inode) if Some(inode) == host_inode => Sharing::Host,
                Some(_) => Sharing::Pod,
            }
        } else if all_equal(host_inode) {
            Sharing::Host
        } else if all_equal(sandbox_inode) || shared_without_sandbox {
            Sharing::Pod
        } else {
            Sharing::Private
        };
        sharing.insert(kind, verdict);
    }
    sharing
}

/// Every namespace seen, its members, and who holds it: the host; a pod when its container
/// members span the pod (or include the sandbox); a container when they are one container's;
/// otherwise nobody we can name.
/// Which container joined which other container's namespace of a type, as runtime records say
/// (`docker run --network container:X` writes `container:<id>` into its hostconfig).
type NamespaceJoins = HashMap<(ContainerId, NsType), ContainerId>;

fn namespace_joins(metadata: &RuntimeMetadata) -> NamespaceJoins {
    let mut joins = NamespaceJoins::new();
    for record in &metadata.containers {
        let Some(id) = ContainerId::parse(&record.id) else {
            continue;
        };
        for requested in &record.namespaces {
            let kind = match requested.kind.as_str() {
                "network" | "net" => NsType::Net,
                "pid" => NsType::Pid,
                "ipc" => NsType::Ipc,
                "uts" => NsType::Uts,
                _ => continue,
            };
            let target = requested
                .path
                .as_deref()
                .and_then(|p| p.strip_prefix("container:"))
                .and_then(ContainerId::parse);
            if let Some(target) = target {
                joins.insert((id.clone(), kind), target);
            }
        }
    }
    joins
}

fn namespaces_with_holders(
    processes: &[Process],
    host: &BTreeMap<NsType, Inode>,
    pod_sandbox: &HashMap<PodUid, ContainerId>,
    joins: &NamespaceJoins,
) -> Vec<Namespace> {
    let sandbox_ids: HashSet<&ContainerId> = pod_sandbox.values().collect();
    let mut members: HashMap<(NsType, Inode), Vec<&Process>> = HashMap::new();
    for p in processes {
        for (kind, inode) in &p.namespaces {
            members.entry((*kind, *inode)).or_default().push(p);
        }
    }
    let mut list: Vec<Namespace> = members
        .into_iter()
        .map(|((kind, inode), procs)| {
            let holder = if host.get(&kind) == Some(&inode) {
                Holder::Host
            } else {
                holder_of(kind, &procs, &sandbox_ids, joins)
            };
            Namespace {
                kind,
                inode,
                pids: procs.iter().map(|p| p.pid).collect(),
                holder,
            }
        })
        .collect();
    list.sort_by_key(|n| (n.kind, n.inode));
    list
}

fn holder_of(
    kind: NsType,
    procs: &[&Process],
    sandbox_ids: &HashSet<&ContainerId>,
    joins: &NamespaceJoins,
) -> Holder {
    let containers: BTreeSet<&ContainerId> = procs
        .iter()
        .filter_map(|p| p.container_id.as_ref())
        .collect();
    let pods: BTreeSet<Option<&PodUid>> = procs
        .iter()
        .filter(|p| p.container_id.is_some())
        .map(|p| p.pod_uid.as_ref())
        .collect();
    let mut containers_iter = containers.iter();
    match (containers_iter.next(), containers_iter.next()) {
        (None, _) => Holder::Other,
        // A sandbox alone in its net or ipc namespace still holds it for its pod (the app
        // containers may have exited); its own mnt, pid or uts are the pause container's.
        (Some(only), None) => match procs.iter().find_map(|p| p.pod_uid.as_ref()) {
            Some(uid)
                if sandbox_ids.contains(*only) && matches!(kind, NsType::Net | NsType::Ipc) =>
            {
                Holder::Pod(uid.clone())
            }
            _ => Holder::Container((*only).clone()),
        },
        (Some(_), Some(_)) => match pods.into_iter().collect::<Vec<_>>().as_slice() {
            [Some(uid)] => Holder::Pod((*uid).clone()),
            // Containers outside pods share a namespace when one joined another's: the one
            // every other names holds it.
            _ => {
                let joined: BTreeSet<Option<&ContainerId>> = containers
                    .iter()
                    .map(|c| joins.get(&((*c).clone(), kind)))
                    .collect();
                let owners: Vec<&&ContainerId> = containers
                    .iter()
                    .filter(|c| !joins.contains_key(&((**c).clone(), kind)))
                    .collect();
                match (owners.as_slice(), joined.len()) {
                    ([owner], 2) if joined.contains(&Some(**owner)) => {
                        Holder::Container((**owner).clone())
                    }
                    _ => Holder::Other,
                }
            }
        },
    }
}

/// The merged cgroup tree: every collected path, plus any path a process names in the
/// displayed hierarchy that was not collected, with the ancestors that place it; and the
/// driver each path's names vote for. Paths are interned: each level is made once and shared
/// by everything below it, so the tree costs one name per cgroup however deep it is. Paths
/// past the limits are not in the inputs (`gather` leaves them out with a gap).
fn cgroup_tree(collected: &[RawCgroup], raw: &[&RawProcess]) -> (Vec<Cgroup>, Vec<bool>) {
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
                trouble: source.map(|c| c.trouble.clone()).unwrap_or_default(),
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

fn majority_driver(votes: impl Iterator<Item = bool>) -> CgroupDriver {
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

/// Seconds since the epoch as RFC 3339 in UTC (civil-from-days, proleptic Gregorian).
pub fn rfc3339(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (hour, minute, second) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(pairs: &[(NsType, u64)]) -> BTreeMap<NsType, Inode> {
        pairs.iter().map(|(k, i)| (*k, Inode(*i))).collect()
    }

    #[test]
    fn rfc3339_formats_the_epoch_leap_days_and_the_seed_boot() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_592_210_924), "2020-06-15T08:48:44Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
        // Start ticks are node data: any value must format, never panic.
        assert!(rfc3339(u64::MAX).ends_with('Z'));
    }

    #[test]
    fn a_deep_tree_within_the_limits_lists_every_level_once_under_its_parent() {
        use crate::model::testkit::{Fs, NodeBuilder, Proc};
        use crate::model::MAX_CGROUP_DEPTH;
        let mut node = NodeBuilder::new(Fs::V2);
        let trunk = "/a".repeat(MAX_CGROUP_DEPTH - 1);
        for (pid, leaf) in [(60, "x"), (61, "y"), (62, "x")] {
            node.process(Proc::new(pid, 1, "app", "app").cgroup(&format!("{trunk}/{leaf}")));
        }
        let model = build(&node.build());
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
    fn pids_touched_by_gaps_reads_proc_paths_only() {
        let gap = |path: &str| Gap {
            path: path.to_string(),
            reason: nodesnap_format::GapReason::Vanished,
            detail: None,
        };
        let touched = pids_touched_by_gaps(&[
            gap("proc/42/cmdline"),
            gap("proc/43"),
            gap("proc/sys/kernel/hostname"),
            gap("sys/fs/cgroup/memory/x"),
        ]);
        assert_eq!(touched, HashSet::from([42, 43]));
    }

    #[test]
    fn sharing_is_host_when_apps_have_the_host_inode_even_if_the_sandbox_does_too() {
        let host = ns(&[(NsType::Net, 1), (NsType::Mnt, 2)]);
        let sandbox = ns(&[(NsType::Net, 1), (NsType::Mnt, 10)]);
        let app = ns(&[(NsType::Net, 1), (NsType::Mnt, 11)]);
        let sharing = namespace_sharing(Some(&sandbox), &[&app], &host);
        assert_eq!(sharing[&NsType::Net], Sharing::Host);
        assert_eq!(sharing[&NsType::Mnt], Sharing::Private);
    }

    #[test]
    fn sharing_is_private_when_one_app_left_the_sandbox() {
        let host = ns(&[(NsType::Net, 1)]);
        let sandbox = ns(&[(NsType::Net, 5)]);
        let a = ns(&[(NsType::Net, 5)]);
        let b = ns(&[(NsType::Net, 6)]);
        let sharing = namespace_sharing(Some(&sandbox), &[&a, &b], &host);
        assert_eq!(sharing[&NsType::Net], Sharing::Private);
        let sharing = namespace_sharing(Some(&sandbox), &[&a], &host);
        assert_eq!(sharing[&NsType::Net], Sharing::Pod);
    }

    #[test]
    fn sharing_without_a_sandbox_or_without_apps() {
        let host = ns(&[(NsType::Net, 1)]);
        let a = ns(&[(NsType::Net, 5)]);
        let b = ns(&[(NsType::Net, 5)]);
        assert_eq!(
            namespace_sharing(None, &[&a, &b], &host)[&NsType::Net],
            Sharing::Pod
        );
        assert_eq!(
            namespace_sharing(None, &[&a], &host)[&NsType::Net],
            Sharing::Private
        );
        let sandbox = ns(&[(NsType::Net, 5)]);
        assert_eq!(
            namespace_sharing(Some(&sandbox), &[], &host)[&NsType::Net],
            Sharing::Pod
        );
        assert!(namespace_sharing(None, &[], &host).is_empty());
    }

    #[test]
    fn host_namespaces_prefer_pid_1_and_vote_for_what_it_lacks() {
        let p1 = RawProcess {
            pid: 1,
            namespaces: ns(&[(NsType::Net, 100)]),
            ..RawProcess::default()
        };
        let outside = |pid, mnt| RawProcess {
            pid,
            ppid: 2,
            namespaces: ns(&[(NsType::Net, 999), (NsType::Mnt, mnt)]),
            ..RawProcess::default()
        };
        let (a, b, c) = (outside(10, 7), outside(11, 7), outside(12, 8));
        let raw = [&p1, &a, &b, &c];
        let roles: Vec<RoleInfo> = raw
            .iter()
            .map(|p| classify_process(p.pid, p.ppid, "x", &[]))
            .collect();
        let classes = vec![CgroupClass::default(); raw.len()];
        let host = host_namespaces(&raw, &roles, &classes);
        assert_eq!(host[&NsType::Net], Inode(100), "pid 1 decides");
        assert_eq!(host[&NsType::Mnt], Inode(7), "the majority decides");
        assert!(!host.contains_key(&NsType::Uts));
    }

    #[test]
    fn single_container_runtime_credits_docker_over_its_containerd() {
        let info = |kind: RuntimeKind| RuntimeInfo {
            id: RuntimeId::new(kind.name(), "/x"),
            kind,
            pid: None,
            comm: None,
            distribution: None,
            address: None,
            root: None,
            state: None,
            managed_by: None,
            uses: None,
            sandbox_image: None,
            shim_pids: Vec::new(),
        };
        let of = |kinds: &[RuntimeKind]| -> Vec<RuntimeInfo> {
            kinds.iter().map(|k| info(*k)).collect()
        };
        assert_eq!(
            single_container_runtime(&of(&[RuntimeKind::Docker, RuntimeKind::Containerd])),
            Some(RuntimeKind::Docker)
        );
        assert_eq!(
            single_container_runtime(&of(&[RuntimeKind::Containerd, RuntimeKind::Containerd])),
            Some(RuntimeKind::Containerd),
            "two instances of one kind are still one kind"
        );
        assert_eq!(
            single_container_runtime(&of(&[RuntimeKind::CriO])),
            Some(RuntimeKind::CriO)
        );
        assert_eq!(
            single_container_runtime(&of(&[RuntimeKind::CriO, RuntimeKind::Containerd])),
            None
        );
        assert_eq!(single_container_runtime(&of(&[])), None);
    }
}
