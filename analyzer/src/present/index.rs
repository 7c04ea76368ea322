//! The one index over a model: lookups by pid, container id, pod uid, cgroup path and
//! namespace, and the relations the model stores on one side only (children of a process,
//! containers of a shim or a pod), so that no rule or view joins lists inside a loop.
//!
//! Findings, every terminal view and the report each build it once. The maps every user needs
//! are built at once; the others on first use, so a view pays only for what it asks.

use super::labels;
use crate::model::{
    Cgroup, CgroupPath, Container, ContainerId, Holder, Inode, Model, NsType, Pid, Pod, PodUid,
    Process,
};
use std::cell::OnceCell;
use std::collections::HashMap;

pub struct Index<'m> {
    pub model: &'m Model,
    processes: HashMap<Pid, &'m Process>,
    containers: HashMap<&'m str, &'m Container>,
    pods: HashMap<&'m PodUid, &'m Pod>,
    /// Children of each pid, ascending.
    children: OnceCell<HashMap<Pid, Vec<Pid>>>,
    /// The containers each shim manages: one for containerd-shim v1 and conmon, a whole pod
    /// for containerd-shim-runc-v2.
    by_shim: OnceCell<HashMap<Pid, Vec<&'m Container>>>,
    /// The container whose first process each pid is.
    init_of: OnceCell<HashMap<Pid, &'m Container>>,
    /// The containers that carry each pod uid, in the model's order.
    by_pod: OnceCell<HashMap<&'m PodUid, Vec<&'m Container>>>,
    /// How many containers share each 12-character short id.
    short_ids: OnceCell<HashMap<&'m str, usize>>,
    /// Each cgroup's position in `model.cgroups`.
    cgroups: OnceCell<HashMap<&'m CgroupPath, usize>>,
    holders: OnceCell<HashMap<(NsType, Inode), &'m Holder>>,
    /// The child cgroups of each cgroup path, in the model's order.
    cgroup_children: OnceCell<HashMap<&'m CgroupPath, Vec<&'m Cgroup>>>,
}

impl<'m> Index<'m> {
    pub fn new(model: &'m Model) -> Index<'m> {
        Index {
            model,
            processes: model.processes.iter().map(|p| (p.pid, p)).collect(),
            containers: model
                .containers
                .iter()
                .map(|c| (c.id.as_str(), c))
                .collect(),
            pods: model.pods.iter().map(|p| (&p.uid, p)).collect(),
            children: OnceCell::new(),
            by_shim: OnceCell::new(),
            init_of: OnceCell::new(),
            by_pod: OnceCell::new(),
            short_ids: OnceCell::new(),
            cgroups: OnceCell::new(),
            holders: OnceCell::new(),
            cgroup_children: OnceCell::new(),
        }
    }

    pub fn process(&self, pid: Pid) -> Option<&'m Process> {
        self.processes.get(&pid).copied()
    }

    pub fn container(&self, id: &ContainerId) -> Option<&'m Container> {
        self.containers.get(id.as_str()).copied()
    }

    pub fn pod(&self, uid: &PodUid) -> Option<&'m Pod> {
        self.pods.get(uid).copied()
    }

    /// The children of `pid`, ascending; a process that names itself as parent is no child.
    pub fn children(&self, pid: Pid) -> &[Pid] {
        let children = self.children.get_or_init(|| {
            let mut children: HashMap<Pid, Vec<Pid>> = HashMap::new();
            for process in &self.model.processes {
                if process.ppid != process.pid {
                    children.entry(process.ppid).or_default().push(process.pid);
                }
            }
            for list in children.values_mut() {
                list.sort_unstable();
            }
            children
        });
        children.get(&pid).map_or(&[], Vec::as_slice)
    }

    /// The containers whose shim `pid` is.
    pub fn managed_by_shim(&self, pid: Pid) -> &[&'m Container] {
        let by_shim = self.by_shim.get_or_init(|| {
            let mut map: HashMap<Pid, Vec<&Container>> = HashMap::new();
            for container in &self.model.containers {
                if let Some(shim) = container.shim_pid {
                    map.entry(shim).or_default().push(container);
                }
            }
            map
        });
        by_shim.get(&pid).map_or(&[], Vec::as_slice)
    }

    /// The container whose first process `pid` is.
    pub fn init_of(&self, pid: Pid) -> Option<&'m Container> {
        let init_of = self.init_of.get_or_init(|| {
            self.model
                .containers
                .iter()
                .filter_map(|c| c.init_pid.map(|pid| (pid, c)))
                .collect()
        });
        init_of.get(&pid).copied()
    }

    /// The containers that carry the pod's uid.
    pub fn containers_of_pod(&self, uid: &PodUid) -> &[&'m Container] {
        let by_pod = self.by_pod.get_or_init(|| {
            let mut map: HashMap<&PodUid, Vec<&Container>> = HashMap::new();
            for c in &self.model.containers {
                if let Some(uid) = &c.pod_uid {
                    map.entry(uid).or_default().push(c);
                }
            }
            map
        });
        by_pod.get(uid).map_or(&[], Vec::as_slice)
    }

    /// Whether another container of the node starts with the same 12 characters.
    pub fn short_id_is_shared(&self, id: &ContainerId) -> bool {
        let short_ids = self.short_ids.get_or_init(|| {
            let mut map: HashMap<&str, usize> = HashMap::new();
            for c in &self.model.containers {
                *map.entry(c.id.short()).or_default() += 1;
            }
            map
        });
        short_ids.get(id.short()).copied().unwrap_or(0) > 1
    }

    /// The cgroup's position in `model.cgroups`.
    pub fn cgroup_position(&self, path: &CgroupPath) -> Option<usize> {
        let cgroups = self.cgroups.get_or_init(|| {
            self.model
                .cgroups
                .iter()
                .enumerate()
                .map(|(i, c)| (&c.path, i))
                .collect()
        });
        cgroups.get(path).copied()
    }

    pub fn cgroup(&self, path: &CgroupPath) -> Option<&'m Cgroup> {
        self.cgroup_position(path)
            .and_then(|i| self.model.cgroups.get(i))
    }

    /// The cgroups directly below `path`.
    pub fn cgroup_children(&self, path: &CgroupPath) -> &[&'m Cgroup] {
        let children = self.cgroup_children.get_or_init(|| {
            let mut children: HashMap<&CgroupPath, Vec<&Cgroup>> = HashMap::new();
            for c in &self.model.cgroups {
                if let Some(parent) = &c.parent {
                    children.entry(parent).or_default().push(c);
                }
            }
            children
        });
        children.get(path).map_or(&[], Vec::as_slice)
    }

    /// Who holds the namespace of type `kind` that `process` is in.
    pub fn holder(&self, process: &Process, kind: NsType) -> Option<&'m Holder> {
        let inode = process.namespaces.get(&kind)?;
        let holders = self.holders.get_or_init(|| {
            self.model
                .namespaces
                .iter()
                .map(|n| ((n.kind, n.inode), &n.holder))
                .collect()
        });
        holders.get(&(kind, *inode)).copied()
    }

    /// The pod's label ([`labels::pod`]), or the uid's first group when the model does not
    /// list the pod.
    pub fn pod_label(&self, uid: &PodUid) -> String {
        match self.pod(uid) {
            Some(pod) => labels::pod(pod),
            None => labels::short_uid(uid).to_string(),
        }
    }

    /// The container's label ([`labels::container`]), or its short id when the model does
    /// not list it.
    pub fn container_label(&self, id: &ContainerId) -> String {
        match self.container(id) {
            Some(c) => labels::container(c).to_string(),
            None => id.short().to_string(),
        }
    }

    /// [`labels::container_with_id`], or the short id when the model does not list it.
    pub fn container_label_with_id(&self, id: &ContainerId) -> String {
        match self.container(id) {
            Some(c) => labels::container_with_id(c),
            None => id.short().to_string(),
        }
    }

    /// [`labels::process`], or `pid N` when the model does not list it.
    pub fn process_label(&self, pid: Pid) -> String {
        match self.process(pid) {
            Some(p) => labels::process(p),
            None => format!("pid {pid}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use nodesnap_fixtures::layouts::seed;

    #[test]
    fn the_index_answers_every_lookup_the_rules_and_views_ask() {
        let model = fixture::seed();
        let index = Index::new(&model);
        let redis = ContainerId::parse(seed::REDIS).unwrap();
        let pod = PodUid::parse(seed::POD_NGINX_REDIS).unwrap();
        assert_eq!(index.container_label(&redis), "redis");
        assert_eq!(index.pod_label(&pod), "default/nginx-redis");
        assert_eq!(index.process_label(Pid(19356)), "redis-server 19356");
        assert_eq!(index.process_label(Pid(999_999)), "pid 999999");
        let workers: Vec<Pid> = (19453..=19460).map(Pid).collect();
        assert_eq!(index.children(Pid(19431)), workers);
        let shim = index.managed_by_shim(Pid(19338));
        assert_eq!(shim.iter().map(|c| &c.id).collect::<Vec<_>>(), [&redis]);
        assert_eq!(index.init_of(Pid(19356)).map(|c| &c.id), Some(&redis));
        assert_eq!(index.containers_of_pod(&pod).len(), 3);
        assert!(!index.short_id_is_shared(&redis));
        for (i, cgroup) in model.cgroups.iter().enumerate() {
            assert_eq!(index.cgroup_position(&cgroup.path), Some(i));
        }
        let redis_server = index.process(Pid(19356)).unwrap();
        assert_eq!(
            index.holder(redis_server, NsType::Net),
            Some(&Holder::Pod(pod))
        );
    }
}
