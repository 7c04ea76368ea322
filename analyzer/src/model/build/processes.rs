//! Step 1 of the model build: each process as one record of what it is (its role, from its name
//! and arguments) and where it lives (its cgroup class, from its cgroup lines); at the end of
//! the build, the records become the model's processes.

use super::containers::ContainerDrafts;
use super::node::{rfc3339, USER_HZ};
use crate::model::classify::{classify_cgroup_path, line_rank, CgroupClass};
use crate::model::inputs::{RawNode, RawProcess};
use crate::model::roles::{classify_process, RoleInfo};
use crate::model::{Pid, Process, ProcessRole};
use nodesnap_format::Gap;
use std::collections::{HashMap, HashSet};

/// One process with what its name, arguments and cgroup lines say about it.
#[derive(Debug)]
pub struct ProcessRecord<'a> {
    pub raw: &'a RawProcess,
    /// Its role before container membership is known (a process in a container is `Other`
    /// here and `Container` in the model).
    pub role: RoleInfo,
    /// The most telling of its cgroup lines; a shim's names no container (see `classify`).
    pub class: CgroupClass,
}

/// The records by pid.
pub type ByPid<'r, 'a> = HashMap<u32, &'r ProcessRecord<'a>>;

/// Memoizes path classification: thousands of processes share a few hundred paths.
#[derive(Default)]
pub struct ClassCache {
    classes: HashMap<String, CgroupClass>,
}

impl ClassCache {
    pub fn get(&mut self, path: &str) -> &CgroupClass {
        if !self.classes.contains_key(path) {
            self.classes
                .insert(path.to_string(), classify_cgroup_path(path));
        }
        &self.classes[path]
    }
}

/// Classifies every process by role and cgroup class, in the order given.
pub fn classify<'a>(raw: &[&'a RawProcess], classes: &mut ClassCache) -> Vec<ProcessRecord<'a>> {
    raw.iter()
        .map(|&p| {
            let argv = p.argv.as_deref().unwrap_or(&[]);
            let role = classify_process(p.pid, p.ppid, &p.comm, argv);
            let mut class = best_class(classes, p);
            // Some setups place the shim in its pod's or container's cgroup: it manages the
            // container but is not one of its processes.
            if role.role == ProcessRole::Shim {
                class.container_id = None;
                class.container_cgroup = None;
            }
            ProcessRecord {
                raw: p,
                role,
                class,
            }
        })
        .collect()
}

/// The records by pid (a pid listed twice is its last record).
pub fn by_pid<'r, 'a>(records: &'r [ProcessRecord<'a>]) -> ByPid<'r, 'a> {
    records.iter().map(|r| (r.raw.pid, r)).collect()
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

/// Pids whose files are named by a gap (`proc/<pid>/...`).
pub fn pids_touched_by_gaps(gaps: &[Gap]) -> HashSet<u32> {
    gaps.iter()
        .filter_map(|g| g.path.strip_prefix("proc/"))
        .filter_map(|rest| rest.split('/').next())
        .filter_map(|pid| pid.parse().ok())
        .collect()
}

/// The model's processes, sorted by pid: a process takes its pod from its cgroup path, else
/// from its container; one in a container and nothing else is a container process; one whose
/// files are gaps is partial.
pub fn to_model(
    records: &[ProcessRecord],
    containers: &ContainerDrafts,
    node: &RawNode,
    touched: &HashSet<u32>,
) -> Vec<Process> {
    let mut processes: Vec<Process> = records
        .iter()
        .map(|record| {
            let p = record.raw;
            let container_id = record.class.container_id.clone();
            let pod_uid = record.class.pod_uid.clone().or_else(|| {
                container_id
                    .as_ref()
                    .and_then(|id| containers.get(id))
                    .and_then(|c| c.pod_uid.clone())
            });
            let mut role = record.role.role;
            if role == ProcessRole::Other && container_id.is_some() {
                role = ProcessRole::Container;
            }
            Process {
                pid: Pid(p.pid),
                ppid: Pid(p.ppid),
                comm: p.comm.clone(),
                cmdline: p.argv.as_ref().map(|argv| argv.join(" ")),
                state: p.state,
                uid: p.uid,
                user: p.uid.and_then(|u| node.users.get(&u).cloned()),
                threads: p.threads,
                start_ticks: p.start_ticks,
                start_time: match (node.boot_time_secs, p.start_ticks) {
                    (Some(b), Some(t)) => Some(rfc3339(b.saturating_add(t / USER_HZ))),
                    _ => None,
                },
                cpu_ticks: p.cpu_ticks,
                rss_bytes: p.rss_bytes,
                oom_score_adj: p.oom_score_adj,
                wchan: p.wchan.clone(),
                nspid: p.nspid.clone(),
                kernel_thread: record.role.role == ProcessRole::KernelThread,
                shim_for: record.role.shim_for(),
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
    processes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ProcessCgroup;

    const ID: &str = "52eeb71ffa22cd8020a6214fa1a556c2e22c3012858a75aa5799b021502916e1";

    fn process(pid: u32, comm: &str, argv: &str, lines: &[(&str, &str)]) -> RawProcess {
        RawProcess {
            pid,
            ppid: 1,
            comm: comm.to_string(),
            argv: Some(argv.split(' ').map(str::to_string).collect()),
            cgroups: lines
                .iter()
                .enumerate()
                .map(|(i, (controllers, path))| ProcessCgroup {
                    hierarchy_id: i as u32,
                    controllers: controllers.to_string(),
                    path: path.to_string(),
                })
                .collect(),
            ..RawProcess::default()
        }
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
    fn a_process_takes_its_most_telling_line_and_a_shim_in_its_containers_cgroup_is_no_member() {
        let pod = "/kubepods/burstable/pod6a4a2a8c-1d9f-4e8b-9c1e-2f3a4b5c6d7e";
        let container = format!("{pod}/{ID}");
        let app = process(
            10,
            "nginx",
            "nginx",
            &[("memory", pod), ("name=systemd", &container)],
        );
        let shim_argv = format!("containerd-shim -namespace moby -workdir /x/{ID}");
        let shim = process(
            11,
            "containerd-shim",
            &shim_argv,
            &[("name=systemd", &container)],
        );
        let mut classes = ClassCache::default();
        let records = classify(&[&app, &shim], &mut classes);
        assert_eq!(
            records[0].class.container_id.as_ref().map(|c| c.as_str()),
            Some(ID)
        );
        assert_eq!(records[0].role.role, ProcessRole::Other);
        assert_eq!(records[1].role.role, ProcessRole::Shim);
        assert_eq!(records[1].class.container_id, None);
        assert_eq!(records[1].class.container_cgroup, None);
        assert!(records[1].class.pod_uid.is_some(), "the shim keeps its pod");
    }

    #[test]
    fn a_container_process_is_a_container_process_and_takes_its_containers_pod() {
        let app = process(10, "app", "app", &[("0", &format!("/docker/{ID}"))]);
        let mut classes = ClassCache::default();
        let records = classify(&[&app], &mut classes);
        let touched = HashSet::from([10]);
        let processes = to_model(
            &records,
            &ContainerDrafts::new(),
            &RawNode::default(),
            &touched,
        );
        assert_eq!(processes[0].role, ProcessRole::Container);
        assert!(processes[0].partial, "a gap names its files");
        assert_eq!(processes[0].start_time, None, "no boot time, no start time");
    }
}
