//! Step 6 of the model build: the namespaces. Which are the host's, who holds each one (the
//! host, a pod, a container, or nobody we can name), and for each pod which namespaces its
//! containers share with the sandbox, with the host, or keep to themselves.

use super::processes::ProcessRecord;
use crate::model::inputs::DeclaredNamespaces;
use crate::model::{
    ContainerId, Holder, Inode, Namespace, NsType, PodUid, Process, ProcessRole, Sharing,
};
use crate::sosreport::runtimes::NsJoin;
use nodesnap_format::RuntimeMetadata;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The host's namespaces: pid 1's, and for any type pid 1 lacks (its links can be unreadable),
/// the inode most common among kernel threads and processes outside any container.
pub fn host_namespaces(records: &[ProcessRecord]) -> BTreeMap<NsType, Inode> {
    let mut host: BTreeMap<NsType, Inode> = records
        .iter()
        .find(|r| r.raw.pid == 1)
        .map(|r| r.raw.namespaces.clone())
        .unwrap_or_default();
    let mut votes: HashMap<(NsType, Inode), usize> = HashMap::new();
    for record in records {
        let outside = record.role.role == ProcessRole::KernelThread || record.class.weight() == 0;
        if outside {
            for (kind, inode) in &record.raw.namespaces {
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

/// For each namespace type, what the runtimes declare where no inode tells (an sosreport): the
/// pod's CRI namespace options where `crictl inspectp` gave them; else from each container's
/// modes: the host's if every app container uses the host's, the pod's if every one joins the
/// sandbox (or the sandbox alone is known, and is not the host's), otherwise each its own. A
/// type some app container's runtime did not speak of is left out.
pub fn declared_sharing(
    uid: &PodUid,
    sandbox: Option<&ContainerId>,
    containers: &[ContainerId],
    declared: &DeclaredNamespaces,
) -> BTreeMap<NsType, Sharing> {
    if let Some(modes) = declared.pods.get(uid) {
        return modes.clone();
    }
    let apps: Vec<&BTreeMap<NsType, NsJoin>> = containers
        .iter()
        .filter(|id| Some(*id) != sandbox)
        .filter_map(|id| declared.containers.get(id))
        .collect();
    let app_count = containers.iter().filter(|id| Some(*id) != sandbox).count();
    let sandbox_declared = sandbox.and_then(|s| declared.containers.get(s));
    let mut sharing = BTreeMap::new();
    for kind in NsType::ALL {
        let joins: Vec<&NsJoin> = apps.iter().filter_map(|a| a.get(&kind)).collect();
        let sandbox_join = sandbox_declared.and_then(|s| s.get(&kind));
        let verdict = if app_count == 0 || joins.is_empty() {
            if app_count > 0 {
                continue;
            }
            match sandbox_join {
                Some(NsJoin::Host) => Sharing::Host,
                Some(_) => Sharing::Pod,
                None => continue,
            }
        } else if joins.len() < app_count {
            continue;
        } else if joins.iter().all(|j| **j == NsJoin::Host) {
            Sharing::Host
        } else if joins
            .iter()
            .all(|j| matches!(j, NsJoin::Container(id) if Some(id) == sandbox))
        {
            // Joining a sandbox that uses the host's is using the host's.
            if sandbox_join == Some(&NsJoin::Host) {
                Sharing::Host
            } else {
                Sharing::Pod
            }
        } else {
            Sharing::Private
        };
        sharing.insert(kind, verdict);
    }
    sharing
}

/// For each namespace type: the host's if every app container's init has the host's inode;
/// the pod's if every one has the sandbox's; otherwise each keeps its own.
pub fn namespace_sharing(
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

/// Which container joined which other container's namespace of a type, as runtime records say
/// (`docker run --network container:X` writes `container:<id>` into its hostconfig).
pub type NamespaceJoins = HashMap<(ContainerId, NsType), ContainerId>;

pub fn namespace_joins(metadata: &RuntimeMetadata) -> NamespaceJoins {
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

/// Every namespace seen, its members, and who holds it: the host; a pod when its container
/// members span the pod (or include the sandbox); a container when they are one container's;
/// otherwise nobody we can name.
pub fn namespaces_with_holders(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::classify::CgroupClass;
    use crate::model::inputs::RawProcess;
    use crate::model::roles::classify_process;

    fn ns(pairs: &[(NsType, u64)]) -> BTreeMap<NsType, Inode> {
        pairs.iter().map(|(k, i)| (*k, Inode(*i))).collect()
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
        let records: Vec<ProcessRecord> = [&p1, &a, &b, &c]
            .into_iter()
            .map(|p| ProcessRecord {
                raw: p,
                role: classify_process(p.pid, p.ppid, "x", &[]),
                class: CgroupClass::default(),
            })
            .collect();
        let host = host_namespaces(&records);
        assert_eq!(host[&NsType::Net], Inode(100), "pid 1 decides");
        assert_eq!(host[&NsType::Mnt], Inode(7), "the majority decides");
        assert!(!host.contains_key(&NsType::Uts));
    }
}
