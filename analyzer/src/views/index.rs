//! Lookups over a model built once per view (pid, container id, pod uid, children, shims), so
//! that no view joins lists inside a loop; and the short labels every view shares.

use crate::model::{Container, Model, Pid, Pod, PodUid, Process, RuntimeId, RuntimeInfo};
use std::collections::HashMap;

pub struct Index<'a> {
    pub model: &'a Model,
    processes: HashMap<Pid, &'a Process>,
    containers: HashMap<&'a str, &'a Container>,
    pods: HashMap<&'a PodUid, &'a Pod>,
    /// Children of each pid, ascending.
    children: HashMap<Pid, Vec<Pid>>,
    /// The containers each shim manages (one for containerd-shim v1 and conmon, a whole pod
    /// for containerd-shim-runc-v2).
    managed_by_shim: HashMap<Pid, Vec<&'a Container>>,
    init_of: HashMap<Pid, &'a Container>,
}

impl<'a> Index<'a> {
    pub fn new(model: &'a Model) -> Index<'a> {
        let processes: HashMap<Pid, &Process> =
            model.processes.iter().map(|p| (p.pid, p)).collect();
        let mut children: HashMap<Pid, Vec<Pid>> = HashMap::new();
        for process in &model.processes {
            if process.ppid != process.pid {
                children.entry(process.ppid).or_default().push(process.pid);
            }
        }
        for list in children.values_mut() {
            list.sort_unstable();
        }
        let mut managed_by_shim: HashMap<Pid, Vec<&Container>> = HashMap::new();
        let mut init_of = HashMap::new();
        for container in &model.containers {
            if let Some(shim) = container.shim_pid {
                managed_by_shim.entry(shim).or_default().push(container);
            }
            if let Some(init) = container.init_pid {
                init_of.insert(init, container);
            }
        }
        Index {
            model,
            processes,
            containers: model
                .containers
                .iter()
                .map(|c| (c.id.as_str(), c))
                .collect(),
            pods: model.pods.iter().map(|p| (&p.uid, p)).collect(),
            children,
            managed_by_shim,
            init_of,
        }
    }

    pub fn process(&self, pid: Pid) -> Option<&'a Process> {
        self.processes.get(&pid).copied()
    }

    pub fn container(&self, id: &str) -> Option<&'a Container> {
        self.containers.get(id).copied()
    }

    pub fn pod(&self, uid: &PodUid) -> Option<&'a Pod> {
        self.pods.get(uid).copied()
    }

    pub fn children(&self, pid: Pid) -> &[Pid] {
        self.children.get(&pid).map_or(&[], Vec::as_slice)
    }

    pub fn managed_by_shim(&self, pid: Pid) -> &[&'a Container] {
        self.managed_by_shim.get(&pid).map_or(&[], Vec::as_slice)
    }

    /// The container whose first process `pid` is.
    pub fn init_of(&self, pid: Pid) -> Option<&'a Container> {
        self.init_of.get(&pid).copied()
    }

    /// The pod's label, or the uid's first group when the pod is not in the model.
    pub fn pod_label_for(&self, uid: &PodUid) -> String {
        match self.pod(uid) {
            Some(pod) => pod_label(pod),
            None => short_uid(uid).to_string(),
        }
    }

    /// The container's name, or its short id when the model has none or does not know it.
    pub fn container_label_for(&self, id: &str) -> String {
        match self.container(id) {
            Some(c) => container_label(c),
            None => id.get(..12).unwrap_or(id).to_string(),
        }
    }
}

/// A runtime instance as every view names it: its kind, the product that ships it, its pid,
/// and, where the node runs more than one instance of the kind, the socket or storage root
/// that tells them apart: `containerd (pid 2841)`, `containerd of docker (pid 3001,
/// /run/docker/containerd/containerd.sock)`, `podman (/var/lib/containers/storage)`.
pub fn runtime_label(runtimes: &[RuntimeInfo], runtime: &RuntimeInfo) -> String {
    let mut label = runtime.kind.name().to_string();
    if let Some(distribution) = &runtime.distribution {
        label.push_str(" of ");
        label.push_str(distribution);
    }
    let several = runtimes.iter().filter(|r| r.kind == runtime.kind).count() > 1;
    let place = runtime.address.as_deref().or(runtime.root.as_deref());
    let details: Vec<String> = runtime
        .pid
        .map(|pid| format!("pid {pid}"))
        .into_iter()
        .chain(
            place
                .filter(|_| several || runtime.pid.is_none())
                .map(str::to_string),
        )
        .collect();
    if !details.is_empty() {
        label.push_str(&format!(" ({})", details.join(", ")));
    }
    label
}

/// The label of the instance `id` names, or the id itself when the model does not list it.
pub fn runtime_id_label(runtimes: &[RuntimeInfo], id: &RuntimeId) -> String {
    runtimes
        .iter()
        .find(|r| &r.id == id)
        .map_or_else(|| id.to_string(), |r| runtime_label(runtimes, r))
}

/// `namespace/name` as kubectl prints it; the name alone, or the uid's first group (which
/// `--pod` accepts as a prefix) when the metadata did not say.
pub fn pod_label(pod: &Pod) -> String {
    match (&pod.namespace, &pod.name) {
        (Some(namespace), Some(name)) => format!("{namespace}/{name}"),
        (None, Some(name)) => name.clone(),
        _ => short_uid(&pod.uid).to_string(),
    }
}

/// The first group of a pod uid (`f5f16f15`), enough to tell the pods of one node apart.
pub fn short_uid(uid: &PodUid) -> &str {
    // A podman pod id is 64 hex digits: 12 of them, as podman prints it.
    if uid.is_podman() {
        return &uid.as_str()[..12];
    }
    uid.as_str().split('-').next().unwrap_or(uid.as_str())
}

/// A container's name; a pod's sandbox is `sandbox` whatever its runtime calls it (CRI names
/// it after its pod, dockershim `POD`, podman `<pod>-infra`).
pub fn container_label(container: &Container) -> String {
    match &container.name {
        _ if container.sandbox => "sandbox".to_string(),
        Some(name) => name.clone(),
        None => container.id.short().to_string(),
    }
}

/// The command as ps prints it: the command line, or `[comm]` for kernel threads and
/// processes whose command line is empty (zombies), or comm when it was not collected.
pub fn command(process: &Process) -> String {
    match &process.cmdline {
        Some(cmdline) if !cmdline.is_empty() => cmdline.clone(),
        Some(_) => format!("[{}]", process.comm),
        None if process.kernel_thread => format!("[{}]", process.comm),
        None => process.comm.clone(),
    }
}

/// The user column: the name where etc/passwd was collected, else the uid, else `?`.
pub fn user(process: &Process) -> String {
    match (&process.user, process.uid) {
        (Some(name), _) => name.clone(),
        (None, Some(uid)) => uid.to_string(),
        (None, None) => "?".to_string(),
    }
}

/// ps's STAT: the state letter, plus `l` for a multi-threaded process (the only one of ps'
/// flags a snapshot can tell).
pub fn stat(process: &Process) -> String {
    let mut text = process.state.to_string();
    if process.threads.is_some_and(|t| t > 1) {
        text.push('l');
    }
    text
}
