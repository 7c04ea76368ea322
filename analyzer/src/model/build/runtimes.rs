//! Step 5 of the model build: the node's container runtimes as instances. Each daemon process
//! (containerd, dockerd, crio) and each podman storage root in use is one instance, and every
//! shim, container and pod is attributed to the instance that runs it, so that docker's own
//! containerd, k3s' embedded one and a system containerd on one node are three instances, not
//! one "containerd".
//!
//! What ties a process or record to an instance, in order of trust: the daemon socket a shim
//! names (`-address`), the storage root a podman conmon names, the daemon a shim is a child of,
//! the state or data directory a runtime record was read from, and last, a node with only one
//! instance of the kind. A daemon whose socket nothing names (an sosreport has no collector
//! record of the config files) takes the socket its shims name (see `place_unaddressed`).

use super::containers::ContainerDrafts;
use super::processes::ProcessRecord;
use crate::model::{ContainerId, Pid, ProcessRole, RuntimeId, RuntimeInfo, RuntimeKind};
use nodesnap_format::{DaemonRecord, RuntimeMetadata};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// containerd's, dockerd's and CRI-O's default sockets, and podman's default storage root:
/// what an instance serves on when neither its arguments nor the collector's record say.
fn default_place(kind: RuntimeKind) -> &'static str {
    match kind {
        RuntimeKind::Containerd => "/run/containerd/containerd.sock",
        RuntimeKind::Docker => "/run/docker.sock",
        RuntimeKind::CriO => "/run/crio/crio.sock",
        RuntimeKind::Podman => "/var/lib/containers/storage",
    }
}

/// An instance is named by its kind and socket, or by its pid where no socket is known.
fn instance_id(kind: RuntimeKind, address: Option<&str>, pid: u32) -> RuntimeId {
    match address {
        Some(address) => RuntimeId::new(kind.name(), &canonical_path(address)),
        None => RuntimeId::new(kind.name(), &format!("pid:{pid}")),
    }
}

/// A node path in the one spelling used to compare paths: `/var/run` is `/run`, and a trailing
/// slash says nothing.
pub fn canonical_path(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
    match trimmed.strip_prefix("/var/run") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("/run{rest}"),
        _ => trimmed.to_string(),
    }
}

/// True when `path` is `dir` or lies below it (both canonical).
fn is_within(path: &str, dir: &str) -> bool {
    path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The instances of one node and the lookups that attribute things to them.
#[derive(Debug, Default)]
pub struct RuntimeIndex {
    instances: Vec<RuntimeInfo>,
    by_pid: HashMap<u32, usize>,
    by_address: HashMap<String, usize>,
}

impl RuntimeIndex {
    /// Finds the instances among the node's processes, completing each daemon with the
    /// collector's record of where it lives (`daemons`, absent in older snapshots).
    pub fn build(processes: &[ProcessRecord], daemons: &[DaemonRecord]) -> Self {
        let records: HashMap<u32, &DaemonRecord> = daemons.iter().map(|d| (d.pid, d)).collect();
        let mut index = RuntimeIndex::default();
        let mut unplaced = Vec::new();
        for ProcessRecord {
            raw: process, role, ..
        } in processes
        {
            let (ProcessRole::RuntimeDaemon, Some(kind)) = (role.role, role.runtime) else {
                continue;
            };
            let record = records.get(&process.pid);
            let address = record
                .and_then(|r| r.address.clone())
                .or_else(|| role.address.clone());
            if address.is_none() && record.is_none() {
                unplaced.push(index.instances.len());
            }
            index.push(RuntimeInfo {
                id: instance_id(kind, address.as_deref(), process.pid),
                kind,
                pid: Some(Pid(process.pid)),
                comm: Some(process.comm.clone()),
                distribution: role.distribution.map(str::to_string),
                address,
                root: record.and_then(|r| r.root.clone()),
                state: record.and_then(|r| r.state.clone()),
                managed_by: None,
                uses: None,
                sandbox_image: record.and_then(|r| r.sandbox_image.clone()),
                shim_pids: Vec::new(),
            });
        }
        index.place_unaddressed(processes, &unplaced);
        // Podman has no daemon: each storage root its conmon processes name is an instance.
        for ProcessRecord { role, .. } in processes {
            if role.role == ProcessRole::Shim && role.runtime == Some(RuntimeKind::Podman) {
                index.podman_instance(role.storage_root.as_deref());
            }
        }
        index.link_docker(processes, &records);
        index.attribute_shims(processes);
        index
            .instances
            .sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
        index.reindex();
        index
    }

    fn push(&mut self, info: RuntimeInfo) -> usize {
        let at = self.instances.len();
        if let Some(pid) = info.pid {
            self.by_pid.insert(pid.0, at);
        }
        if let Some(address) = &info.address {
            self.by_address.entry(canonical_path(address)).or_insert(at);
        }
        self.instances.push(info);
        at
    }

    fn reindex(&mut self) {
        let instances = std::mem::take(&mut self.instances);
        self.by_pid.clear();
        self.by_address.clear();
        for info in instances {
            self.push(info);
        }
    }

    /// Gives each daemon at `unplaced` (no socket in its arguments, no collector record: an
    /// sosreport, an older snapshot) the socket its shims name where no instance is known to
    /// serve on it, else its kind's default socket while no other instance has that one.
    /// A socket goes to the daemon the shims are children of (containerd's v1 shims), else,
    /// for shims in docker's containerd namespace `moby`, to the containerd dockerd started (or
    /// the only one left where dockerd started none), and for the others to the only one it did
    /// not start.
    fn place_unaddressed(&mut self, processes: &[ProcessRecord], unplaced: &[usize]) {
        if unplaced.is_empty() {
            return;
        }
        let dockerd_pids: BTreeSet<u32> = processes
            .iter()
            .filter(|p| {
                p.role.role == ProcessRole::RuntimeDaemon
                    && p.role.runtime == Some(RuntimeKind::Docker)
            })
            .map(|p| p.raw.pid)
            .collect();
        let parent_of: HashMap<u32, u32> =
            processes.iter().map(|p| (p.raw.pid, p.raw.ppid)).collect();
        let started_by_dockerd = |at: usize, instances: &[RuntimeInfo]| {
            instances[at]
                .pid
                .and_then(|pid| parent_of.get(&pid.0))
                .is_some_and(|ppid| dockerd_pids.contains(ppid))
        };
        // The containerd shims naming a socket no instance is known by, by that socket.
        let mut shims_of: BTreeMap<String, Vec<&ProcessRecord>> = BTreeMap::new();
        for shim in processes {
            let role = &shim.role;
            if role.role != ProcessRole::Shim || role.runtime == Some(RuntimeKind::Podman) {
                continue;
            }
            if let Some(address) = &role.address {
                let address = canonical_path(address);
                if !self.by_address.contains_key(&address) {
                    shims_of.entry(address).or_default().push(shim);
                }
            }
        }
        let mut open: Vec<usize> = unplaced
            .iter()
            .copied()
            .filter(|&at| self.instances[at].kind == RuntimeKind::Containerd)
            .collect();
        for (address, shims) in shims_of {
            let parent = open.iter().copied().find(|&at| {
                let pid = self.instances[at].pid.map(|p| p.0);
                shims.iter().any(|s| Some(s.raw.ppid) == pid)
            });
            let moby = shims
                .iter()
                .all(|s| s.role.shim_namespace.as_deref() == Some("moby"));
            let by_namespace: Vec<usize> = open
                .iter()
                .copied()
                .filter(|&at| started_by_dockerd(at, &self.instances) == moby)
                .collect();
            let single = |candidates: &[usize]| match candidates {
                [only] => Some(*only),
                _ => None,
            };
            // dockerd may drive a containerd it did not start (`--containerd`).
            let chosen = parent.or(single(&by_namespace)).or_else(|| {
                (moby && by_namespace.is_empty())
                    .then(|| single(&open))
                    .flatten()
            });
            if let Some(at) = chosen {
                open.retain(|&other| other != at);
                self.place(at, address);
            }
        }
        for &at in unplaced {
            if self.instances[at].address.is_none() {
                let default = default_place(self.instances[at].kind).to_string();
                if !self.by_address.contains_key(&default) {
                    self.place(at, default);
                }
            }
        }
    }

    fn place(&mut self, at: usize, address: String) {
        let info = &mut self.instances[at];
        info.id = instance_id(info.kind, Some(&address), info.pid.map_or(0, |p| p.0));
        self.by_address.insert(canonical_path(&address), at);
        info.address = Some(address);
    }

    /// The podman instance of a storage root, made on first sight.
    fn podman_instance(&mut self, root: Option<&str>) -> usize {
        let root = canonical_path(root.unwrap_or(default_place(RuntimeKind::Podman)));
        let id = RuntimeId::new(RuntimeKind::Podman.name(), &root);
        if let Some(at) = self.instances.iter().position(|i| i.id == id) {
            return at;
        }
        self.push(RuntimeInfo {
            id,
            kind: RuntimeKind::Podman,
            pid: None,
            comm: None,
            distribution: None,
            address: None,
            root: Some(root),
            state: None,
            managed_by: None,
            uses: None,
            sandbox_image: None,
            shim_pids: Vec::new(),
        })
    }

    /// Adds podman's default instance when containers are podman's (their cgroups say so) but
    /// no conmon named a storage root.
    pub fn note_podman(&mut self) {
        if !self.instances.iter().any(|i| i.kind == RuntimeKind::Podman) {
            self.podman_instance(None);
            self.instances
                .sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
            self.reindex();
        }
    }

    /// Ties each dockerd to the containerd that runs its containers: the one it names with
    /// `--containerd`, else the one it started as its child (whose distribution is then docker).
    fn link_docker(&mut self, processes: &[ProcessRecord], records: &HashMap<u32, &DaemonRecord>) {
        let parents: HashMap<u32, u32> =
            processes.iter().map(|p| (p.raw.pid, p.raw.ppid)).collect();
        for at in 0..self.instances.len() {
            if self.instances[at].kind != RuntimeKind::Containerd {
                continue;
            }
            let Some(pid) = self.instances[at].pid else {
                continue;
            };
            let parent = parents.get(&pid.0).and_then(|ppid| self.by_pid.get(ppid));
            if let Some(&parent) = parent {
                if self.instances[parent].kind == RuntimeKind::Docker {
                    let docker = self.instances[parent].id.clone();
                    let containerd = self.instances[at].id.clone();
                    self.instances[at].managed_by = Some(docker);
                    self.instances[at]
                        .distribution
                        .get_or_insert_with(|| "docker".to_string());
                    self.instances[parent].uses = Some(containerd);
                }
            }
        }
        for at in 0..self.instances.len() {
            if self.instances[at].kind != RuntimeKind::Docker || self.instances[at].uses.is_some() {
                continue;
            }
            let named = self.instances[at]
                .pid
                .and_then(|pid| records.get(&pid.0))
                .and_then(|r| r.containerd.as_deref())
                .and_then(|address| self.by_address.get(&canonical_path(address)))
                .map(|&c| self.instances[c].id.clone());
            self.instances[at].uses = named;
        }
    }

    /// Lists each shim under the instance it serves.
    fn attribute_shims(&mut self, processes: &[ProcessRecord]) {
        for shim in processes {
            if shim.role.role != ProcessRole::Shim {
                continue;
            }
            if let Some(at) = self.shim_instance(shim) {
                self.instances[at].shim_pids.push(Pid(shim.raw.pid));
            }
        }
    }

    /// The instance a shim or conmon serves: by the socket it names, the storage root podman
    /// gave it, the daemon it is a child of, or the only instance of its kind.
    fn shim_instance(&mut self, shim: &ProcessRecord) -> Option<usize> {
        let (process, role) = (shim.raw, &shim.role);
        if role.runtime == Some(RuntimeKind::Podman) {
            return Some(self.podman_instance(role.storage_root.as_deref()));
        }
        if let Some(address) = &role.address {
            return self.by_address.get(&canonical_path(address)).copied();
        }
        if let Some(&parent) = self.by_pid.get(&process.ppid) {
            return Some(parent);
        }
        // A containerd shim's kind is containerd even when it runs docker's containers.
        let kind = match role.runtime {
            Some(RuntimeKind::Docker) => RuntimeKind::Containerd,
            Some(kind) => kind,
            None => return None,
        };
        self.only_of_kind(kind)
    }

    fn only_of_kind(&self, kind: RuntimeKind) -> Option<usize> {
        let mut of_kind = self
            .instances
            .iter()
            .enumerate()
            .filter(|(_, i)| i.kind == kind);
        match (of_kind.next(), of_kind.next()) {
            (Some((at, _)), None) => Some(at),
            _ => None,
        }
    }

    /// The instances, sorted by kind and id.
    pub fn instances(&self) -> &[RuntimeInfo] {
        &self.instances
    }

    pub fn into_instances(self) -> Vec<RuntimeInfo> {
        self.instances
    }

    /// The instance a shim process belongs to (see `build`).
    pub fn of_shim(&self, pid: Pid) -> Option<&RuntimeInfo> {
        self.instances.iter().find(|i| i.shim_pids.contains(&pid))
    }

    /// The instance whose state, root or data directory holds the record file at `path`
    /// (relative to the node's root, as the collector writes it).
    pub fn of_record_path(&self, path: &str) -> Option<&RuntimeInfo> {
        let path = canonical_path(&format!("/{}", path.trim_start_matches('/')));
        // The deepest directory wins: docker's containerd state lies inside dockerd's exec
        // root, and a record there is containerd's.
        self.instances
            .iter()
            .flat_map(|i| {
                [i.state.as_deref(), i.root.as_deref()]
                    .into_iter()
                    .flatten()
                    .map(move |dir| (canonical_path(dir), i))
            })
            .filter(|(dir, _)| is_within(&path, dir))
            .max_by_key(|(dir, _)| dir.len())
            .map(|(_, i)| i)
    }

    /// The instance that runs a container of `kind`, given the instance of its shim and of the
    /// record it was read from. A docker container runs on dockerd, which drives the
    /// containerd its shim belongs to.
    pub fn of_container(
        &self,
        kind: Option<RuntimeKind>,
        shim: Option<&RuntimeInfo>,
        record: Option<&RuntimeInfo>,
    ) -> Option<RuntimeId> {
        let wanted = |info: &&RuntimeInfo| kind.is_none_or(|k| k == info.kind);
        let docker_over = |containerd: &RuntimeInfo| -> Option<RuntimeId> {
            self.instances
                .iter()
                .find(|i| i.kind == RuntimeKind::Docker && i.uses.as_ref() == Some(&containerd.id))
                .map(|i| i.id.clone())
                .or_else(|| containerd.managed_by.clone())
        };
        if kind == Some(RuntimeKind::Docker) {
            if let Some(docker) = shim.and_then(docker_over) {
                return Some(docker);
            }
            if let Some(docker) = record.and_then(|r| match r.kind {
                RuntimeKind::Docker => Some(r.id.clone()),
                RuntimeKind::Containerd => docker_over(r),
                _ => None,
            }) {
                return Some(docker);
            }
        }
        shim.filter(wanted)
            .or(record.filter(wanted))
            .map(|i| i.id.clone())
            .or_else(|| {
                kind.and_then(|k| self.only_of_kind(k))
                    .map(|at| self.instances[at].id.clone())
            })
    }
}

/// Credits each container no cgroup path, record or shim placed to the only runtime kind that
/// runs containers on the node; notes podman's default instance where containers are podman's
/// but no conmon named its storage root.
pub fn credit_containers(index: &mut RuntimeIndex, containers: &mut ContainerDrafts) {
    if containers
        .values()
        .any(|c| c.runtime == Some(RuntimeKind::Podman))
    {
        index.note_podman();
    }
    let only_runtime = single_container_runtime(index.instances());
    for draft in containers.values_mut() {
        if draft.runtime.is_none() {
            draft.runtime = only_runtime;
        }
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

/// Which instance runs each container: the one its shim serves, the one whose directories hold
/// its runtime record, else the only instance of its kind (see `RuntimeIndex::of_container`).
pub struct ContainerInstances<'a> {
    index: &'a RuntimeIndex,
    /// Where each container's runtime record was read from.
    record_paths: HashMap<ContainerId, &'a str>,
}

impl<'a> ContainerInstances<'a> {
    pub fn new(index: &'a RuntimeIndex, metadata: &'a RuntimeMetadata) -> Self {
        let record_paths = metadata
            .containers
            .iter()
            .filter_map(|r| ContainerId::parse(&r.id).map(|id| (id, r.path.as_str())))
            .collect();
        ContainerInstances {
            index,
            record_paths,
        }
    }

    /// The instance that runs container `id` of `kind`, managed by the shim `shim_pid`.
    pub fn of(
        &self,
        id: &ContainerId,
        kind: Option<RuntimeKind>,
        shim_pid: Option<u32>,
    ) -> Option<RuntimeId> {
        let shim = shim_pid.and_then(|pid| self.index.of_shim(Pid(pid)));
        let record = self
            .record_paths
            .get(id)
            .and_then(|path| self.index.of_record_path(path));
        self.index.of_container(kind, shim, record)
    }

    /// The image every sandbox of `instance` runs, from its config.
    pub fn sandbox_image(&self, instance: &RuntimeId) -> Option<String> {
        self.index
            .instances()
            .iter()
            .find(|i| &i.id == instance)
            .and_then(|i| i.sandbox_image.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::classify::CgroupClass;
    use crate::model::inputs::RawProcess;
    use crate::model::roles::classify_process;

    fn process(pid: u32, ppid: u32, argv: &str) -> RawProcess {
        let argv: Vec<String> = argv.split(' ').map(str::to_string).collect();
        let comm = argv[0]
            .rsplit('/')
            .next()
            .unwrap()
            .chars()
            .take(15)
            .collect();
        RawProcess {
            pid,
            ppid,
            comm,
            argv: Some(argv),
            ..RawProcess::default()
        }
    }

    fn index_of(processes: &[RawProcess], daemons: &[DaemonRecord]) -> RuntimeIndex {
        let records: Vec<ProcessRecord> = processes
            .iter()
            .map(|p| ProcessRecord {
                raw: p,
                role: classify_process(p.pid, p.ppid, &p.comm, p.argv.as_deref().unwrap()),
                class: CgroupClass::default(),
            })
            .collect();
        RuntimeIndex::build(&records, daemons)
    }

    const ID: &str = "52eeb71ffa22cd8020a6214fa1a556c2e22c3012858a75aa5799b021502916e1";

    /// A node with the Kubernetes containerd and dockerd with its own containerd, as
    /// `dockerd` 20.10 starts it without `--containerd`.
    fn two_containerds() -> (Vec<RawProcess>, Vec<DaemonRecord>) {
        let processes = vec![
            process(100, 1, "/usr/bin/containerd"),
            process(200, 1, "/usr/sbin/dockerd -H unix:///run/docker.sock"),
            process(
                210,
                200,
                "containerd --config /var/run/docker/containerd/containerd.toml --log-level info",
            ),
            process(
                300,
                1,
                &format!("/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id {ID} -address /run/containerd/containerd.sock"),
            ),
            process(
                310,
                1,
                &format!("/usr/bin/containerd-shim-runc-v2 -namespace moby -id {ID} -address /var/run/docker/containerd/containerd.sock"),
            ),
        ];
        let daemons = vec![
            DaemonRecord {
                pid: 100,
                program: "containerd".into(),
                address: Some("/run/containerd/containerd.sock".into()),
                root: Some("/var/lib/containerd".into()),
                state: Some("/run/containerd".into()),
                ..DaemonRecord::default()
            },
            DaemonRecord {
                pid: 200,
                program: "dockerd".into(),
                address: Some("/run/docker.sock".into()),
                root: Some("/var/lib/docker".into()),
                state: Some("/run/docker".into()),
                ..DaemonRecord::default()
            },
            DaemonRecord {
                pid: 210,
                program: "containerd".into(),
                address: Some("/var/run/docker/containerd/containerd.sock".into()),
                root: Some("/var/lib/docker/containerd/daemon".into()),
                state: Some("/var/run/docker/containerd/daemon".into()),
                ..DaemonRecord::default()
            },
        ];
        (processes, daemons)
    }

    #[test]
    fn two_containerds_are_two_instances_and_each_shim_goes_to_the_socket_it_names() {
        let (processes, daemons) = two_containerds();
        let index = index_of(&processes, &daemons);
        let ids: Vec<&str> = index.instances().iter().map(|i| i.id.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "docker@/run/docker.sock",
                "containerd@/run/containerd/containerd.sock",
                "containerd@/run/docker/containerd/containerd.sock",
            ]
        );
        assert_eq!(index.of_shim(Pid(300)).map(|i| i.pid), Some(Some(Pid(100))));
        assert_eq!(index.of_shim(Pid(310)).map(|i| i.pid), Some(Some(Pid(210))));
        let dockers_containerd = &index.instances()[2];
        assert_eq!(dockers_containerd.distribution.as_deref(), Some("docker"));
        assert_eq!(
            dockers_containerd
                .managed_by
                .as_ref()
                .map(RuntimeId::as_str),
            Some("docker@/run/docker.sock")
        );
        assert_eq!(
            index.instances()[0].uses.as_ref().map(RuntimeId::as_str),
            Some("containerd@/run/docker/containerd/containerd.sock")
        );
    }

    #[test]
    fn a_docker_container_runs_on_dockerd_through_its_shims_containerd() {
        let (processes, daemons) = two_containerds();
        let index = index_of(&processes, &daemons);
        let shim = index.of_shim(Pid(310));
        assert_eq!(
            index
                .of_container(Some(RuntimeKind::Docker), shim, None)
                .as_ref()
                .map(RuntimeId::as_str),
            Some("docker@/run/docker.sock")
        );
        let shim = index.of_shim(Pid(300));
        assert_eq!(
            index
                .of_container(Some(RuntimeKind::Containerd), shim, None)
                .as_ref()
                .map(RuntimeId::as_str),
            Some("containerd@/run/containerd/containerd.sock")
        );
    }

    #[test]
    fn records_belong_to_the_instance_with_the_deepest_directory_holding_them() {
        let (processes, daemons) = two_containerds();
        let index = index_of(&processes, &daemons);
        let of = |path: &str| {
            index
                .of_record_path(path)
                .map(|i| i.id.as_str().to_string())
        };
        assert_eq!(
            of(&format!(
                "run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/{ID}/config.json"
            ))
            .as_deref(),
            Some("containerd@/run/docker/containerd/containerd.sock")
        );
        assert_eq!(
            of(&format!("var/lib/docker/containers/{ID}/config.v2.json")).as_deref(),
            Some("docker@/run/docker.sock")
        );
        assert_eq!(
            of(&format!(
                "run/containerd/io.containerd.runtime.v2.task/k8s.io/{ID}/config.json"
            ))
            .as_deref(),
            Some("containerd@/run/containerd/containerd.sock")
        );
        assert_eq!(of("etc/elsewhere"), None);
    }

    #[test]
    fn without_the_collectors_records_daemons_take_their_arguments_or_defaults() {
        let processes = vec![
            process(640, 611, "containerd -c /var/lib/rancher/k3s/agent/etc/containerd/config.toml -a /run/k3s/containerd/containerd.sock --state /run/k3s/containerd"),
            process(700, 1, "/usr/bin/containerd"),
            process(
                900,
                1,
                &format!("/var/lib/rancher/k3s/data/abc/bin/containerd-shim-runc-v2 -namespace k8s.io -id {ID} -address /run/k3s/containerd/containerd.sock"),
            ),
        ];
        let index = index_of(&processes, &[]);
        let k3s = index.of_shim(Pid(900)).unwrap();
        assert_eq!(k3s.pid, Some(Pid(640)));
        assert_eq!(k3s.kind, RuntimeKind::Containerd);
        assert_eq!(k3s.distribution.as_deref(), Some("k3s"));
        let system = index
            .instances()
            .iter()
            .find(|i| i.pid == Some(Pid(700)))
            .unwrap();
        assert_eq!(
            system.id.as_str(),
            "containerd@/run/containerd/containerd.sock"
        );
    }

    /// An sosreport's view of a node with a Kubernetes containerd and dockerd's own, both
    /// started with a `--config` that names their sockets: no collector record says where.
    fn two_containerds_without_records() -> Vec<RawProcess> {
        vec![
            process(100, 90, "containerd --config /tmp/n/containerd/config.toml"),
            process(200, 90, "dockerd --data-root /tmp/n/docker -H unix:///tmp/n/docker.sock"),
            process(210, 200, "containerd --config /tmp/n/docker/exec/containerd/containerd.toml"),
            process(
                300,
                1,
                &format!("/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id {ID} -address /tmp/n/containerd/containerd.sock"),
            ),
            process(
                310,
                1,
                &format!("/usr/bin/containerd-shim-runc-v2 -namespace moby -id {ID} -address /tmp/n/docker/exec/containerd/containerd.sock"),
            ),
        ]
    }

    #[test]
    fn without_records_each_containerd_takes_the_socket_its_shims_name() {
        let index = index_of(&two_containerds_without_records(), &[]);
        let kubernetes = index.of_shim(Pid(300)).expect("k8s.io shim placed");
        assert_eq!(kubernetes.pid, Some(Pid(100)));
        assert_eq!(
            kubernetes.id.as_str(),
            "containerd@/tmp/n/containerd/containerd.sock"
        );
        let dockers = index.of_shim(Pid(310)).expect("moby shim placed");
        assert_eq!(dockers.pid, Some(Pid(210)));
        assert_eq!(
            dockers.address.as_deref(),
            Some("/tmp/n/docker/exec/containerd/containerd.sock")
        );
        assert_eq!(
            dockers.managed_by.as_ref().map(RuntimeId::as_str),
            Some("docker@/tmp/n/docker.sock")
        );
    }

    #[test]
    fn without_records_a_v1_shim_goes_to_its_parent_whatever_its_namespace() {
        let mut processes = two_containerds_without_records();
        // Both shims are children of the Kubernetes containerd: the parent decides.
        processes[3].ppid = 100;
        processes[4].ppid = 100;
        processes[4].argv = Some(
            format!(
                "containerd-shim -namespace k8s.io -workdir /x/{ID} -address /tmp/n/other.sock"
            )
            .split(' ')
            .map(str::to_string)
            .collect(),
        );
        let index = index_of(&processes, &[]);
        assert_eq!(index.of_shim(Pid(300)).and_then(|i| i.pid), Some(Pid(100)));
        // The second socket found no daemon of its own: 100 was taken, and 210 is docker's.
        assert!(index.of_shim(Pid(310)).is_none());
    }

    #[test]
    fn without_records_or_shims_only_one_daemon_of_a_kind_takes_the_default_socket() {
        let processes = vec![
            process(100, 1, "/usr/bin/containerd"),
            process(110, 1, "/usr/local/bin/containerd"),
        ];
        let index = index_of(&processes, &[]);
        let ids: Vec<&str> = index.instances().iter().map(|i| i.id.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "containerd@/run/containerd/containerd.sock",
                "containerd@pid:110"
            ]
        );
    }

    #[test]
    fn podman_storage_roots_are_instances_and_a_lone_crio_takes_its_conmons() {
        let processes = vec![
            process(50, 1, "/usr/bin/crio"),
            process(
                60,
                1,
                &format!("/usr/bin/conmon -b /run/containers/storage/overlay-containers/{ID}/userdata -c {ID} --exit-dir /var/run/crio/exits"),
            ),
            process(
                70,
                1,
                &format!("/usr/bin/conmon -c {ID} --exit-command /usr/bin/podman --exit-command-arg --root --exit-command-arg /tmp/p/root"),
            ),
            process(
                71,
                1,
                &format!("/usr/bin/conmon -c {ID} --exit-command /usr/bin/podman"),
            ),
        ];
        let index = index_of(&processes, &[]);
        assert_eq!(
            index.of_shim(Pid(60)).map(|i| i.kind),
            Some(RuntimeKind::CriO)
        );
        assert_eq!(
            index.of_shim(Pid(70)).map(|i| i.id.as_str()),
            Some("podman@/tmp/p/root")
        );
        assert_eq!(
            index.of_shim(Pid(71)).map(|i| i.id.as_str()),
            Some("podman@/var/lib/containers/storage")
        );
    }

    #[test]
    fn var_run_is_run() {
        assert_eq!(canonical_path("/var/run/docker.sock"), "/run/docker.sock");
        assert_eq!(canonical_path("/run/x/"), "/run/x");
        assert_eq!(canonical_path("/var/runner"), "/var/runner");
        assert!(is_within("/run/x/y", "/run/x"));
        assert!(!is_within("/run/xy", "/run/x"));
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
