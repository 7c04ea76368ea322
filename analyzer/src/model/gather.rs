//! Reads a snapshot's files through the procfs and cgroupfs parsers into the typed inputs the
//! model is joined from. A file that is missing or does not parse leaves its fields null and,
//! for a process, marks it partial; nothing here fails.

use super::ids::{Inode, NsType};
use super::inputs::{Inputs, RawCgroup, RawNode, RawProcess};
use super::types::{CgroupMode, Limit, Limits, ProcessCgroup, Usage};
use crate::cgroupfs::{parse_cpu_max, parse_flat_keyed, parse_limit};
use crate::procfs;
use crate::snapshot::Snapshot;
use std::collections::{BTreeMap, HashMap};

/// The page size used to turn stat's rss pages into bytes where status has no VmRSS. Every
/// architecture Kubernetes nodes run on uses 4 KiB base pages by default.
const PAGE_BYTES: u64 = 4096;

pub fn gather(snapshot: &Snapshot) -> Inputs {
    let layout = CgroupLayout::detect(snapshot);
    let processes = snapshot
        .pids()
        .into_iter()
        .filter_map(|pid| gather_process(snapshot, pid, &layout))
        .collect();
    Inputs {
        node: gather_node(snapshot, layout.mode),
        processes,
        cgroups: gather_cgroups(snapshot, &layout),
    }
}

/// One process; None when neither stat nor status says who it is.
pub fn gather_process(snapshot: &Snapshot, pid: u32, layout: &CgroupLayout) -> Option<RawProcess> {
    let file = |name: &str| snapshot.text(&format!("proc/{pid}/{name}"));
    let mut partial = false;
    let stat = file("stat").and_then(|t| procfs::parse_stat(&t).ok());
    let status = file("status").and_then(|t| procfs::parse_status(&t).ok());
    if stat.is_none() && status.is_none() {
        return None;
    }
    partial |= stat.is_none() || status.is_none();
    let argv = snapshot
        .file(&format!("proc/{pid}/cmdline"))
        .map(procfs::parse_cmdline);
    let cgroups: Vec<procfs::CgroupLine> = match file("cgroup").map(|t| procfs::parse_cgroup(&t)) {
        Some(Ok(lines)) => lines,
        _ => {
            partial = true;
            Vec::new()
        }
    };
    let namespaces: BTreeMap<NsType, Inode> = match file("ns").map(|t| procfs::parse_ns_links(&t))
    {
        Some(Ok(links)) => links.into_iter().collect(),
        _ => {
            partial = true;
            BTreeMap::new()
        }
    };
    let oom_score_adj = file("oom_score_adj").and_then(|t| t.trim().parse().ok());
    let display_cgroup = cgroups
        .iter()
        .find(|line| layout.is_display_line(line))
        .map(|line| line.path.clone());
    let status = status.unwrap_or_default();
    let (comm, state, ppid, start_ticks, threads, rss_pages) = match &stat {
        Some(s) => (
            s.comm.clone(),
            s.state,
            s.ppid,
            Some(s.start_ticks),
            Some(s.num_threads),
            u64::try_from(s.rss_pages).ok(),
        ),
        None => (
            status.name.clone(),
            status.state.unwrap_or('?'),
            status.ppid.unwrap_or(0),
            None,
            status.threads,
            None,
        ),
    };
    Some(RawProcess {
        pid,
        ppid,
        comm,
        state,
        argv,
        uid: status.uids.map(|u| u[0]),
        threads: status.threads.or(threads),
        start_ticks,
        rss_bytes: status
            .vm_rss_kb
            .map(|kb| kb * 1024)
            .or(rss_pages.map(|p| p * PAGE_BYTES)),
        oom_score_adj,
        nspid: status.nspid,
        cgroups: cgroups
            .into_iter()
            .map(|line| ProcessCgroup {
                hierarchy_id: line.hierarchy_id,
                controllers: line.controllers.join(","),
                path: line.path,
            })
            .collect(),
        display_cgroup,
        namespaces,
        partial,
    })
}

pub fn gather_node(snapshot: &Snapshot, cgroup_mode: CgroupMode) -> RawNode {
    let text = |path: &str| snapshot.text(path).map(|t| t.into_owned());
    let first_line = |path: &str| {
        text(path)
            .and_then(|t| t.lines().next().map(|l| l.trim().to_string()))
            .filter(|l| !l.is_empty())
    };
    let proc_stat = text("proc/stat");
    RawNode {
        hostname: snapshot
            .manifest
            .hostname
            .clone()
            .or_else(|| first_line("proc/sys/kernel/hostname")),
        kernel: snapshot
            .manifest
            .kernel
            .clone()
            .or_else(|| first_line("proc/sys/kernel/osrelease")),
        os: text("etc/os-release")
            .map(|t| procfs::parse_os_release(&t))
            .and_then(|fields| fields.get("PRETTY_NAME").cloned()),
        boot_time_secs: proc_stat.as_deref().and_then(procfs::parse_boot_time),
        uptime_secs: text("proc/uptime")
            .and_then(|t| procfs::parse_uptime(&t).ok())
            .map(|secs| secs as u64),
        cgroup_mode,
        memory_total_bytes: text("proc/meminfo")
            .map(|t| procfs::parse_meminfo(&t))
            .and_then(|m| m.get("MemTotal").map(|kb| kb * 1024)),
        cpus: proc_stat
            .as_deref()
            .map(procfs::count_cpus)
            .filter(|n| *n > 0),
        pid_max: first_line("proc/sys/kernel/pid_max").and_then(|l| l.parse().ok()),
        loadavg: text("proc/loadavg").and_then(|t| procfs::parse_loadavg(&t).ok()),
        users: text("etc/passwd")
            .map(|t| procfs::parse_passwd(&t).into_iter().collect())
            .unwrap_or_else(HashMap::new),
    }
}

/// The cgroup hierarchies a snapshot holds under sys/fs/cgroup.
#[derive(Debug, Clone)]
pub struct CgroupLayout {
    pub mode: CgroupMode,
    /// Hierarchy name (`memory`, `cpu,cpuacct`, `systemd`, `unified`) and its directory; a pure
    /// v2 node has one, `unified`, at sys/fs/cgroup itself.
    pub hierarchies: Vec<(String, String)>,
}

impl CgroupLayout {
    pub fn detect(snapshot: &Snapshot) -> CgroupLayout {
        let root = nodesnap_format::CGROUP_ROOT;
        if snapshot
            .file(&format!("{root}/cgroup.controllers"))
            .is_some()
        {
            return CgroupLayout {
                mode: CgroupMode::V2,
                hierarchies: vec![("unified".to_string(), root.to_string())],
            };
        }
        let prefix = format!("{root}/");
        let hierarchies: Vec<(String, String)> = snapshot
            .dirs_under(root)
            .filter_map(|dir| dir.strip_prefix(&prefix).map(|name| (name, dir)))
            .filter(|(name, _)| !name.contains('/'))
            .map(|(name, dir)| (name.to_string(), dir.to_string()))
            .collect();
        let has_v1 = hierarchies.iter().any(|(name, _)| name != "unified");
        let has_v2 = hierarchies.iter().any(|(name, _)| name == "unified");
        let mode = match (has_v1, has_v2) {
            (true, true) => CgroupMode::Hybrid,
            (true, false) => CgroupMode::V1,
            (false, true) => CgroupMode::V2,
            (false, false) => CgroupMode::Unknown,
        };
        CgroupLayout { mode, hierarchies }
    }

    /// The line systemd-cgls follows: name=systemd on v1 and hybrid, the v2 line on v2.
    pub fn is_display_line(&self, line: &procfs::CgroupLine) -> bool {
        match self.mode {
            CgroupMode::V2 => line.hierarchy_id == 0,
            _ => line.controllers.iter().any(|c| c == "name=systemd"),
        }
    }
}

/// Every cgroup directory, merged across hierarchies by path, with its control files read.
pub fn gather_cgroups(snapshot: &Snapshot, layout: &CgroupLayout) -> Vec<RawCgroup> {
    let mut by_path: BTreeMap<String, Vec<(&str, &str)>> = BTreeMap::new();
    for (name, dir) in &layout.hierarchies {
        for sub in snapshot.dirs_under(dir) {
            let rest = sub.strip_prefix(dir.as_str()).unwrap_or("");
            let path = if rest.is_empty() { "/" } else { rest };
            by_path
                .entry(path.to_string())
                .or_default()
                .push((name.as_str(), sub));
        }
    }
    by_path
        .into_iter()
        .map(|(path, dirs)| {
            let mut files: BTreeMap<&str, String> = BTreeMap::new();
            for (_, dir) in &dirs {
                for (file, bytes) in snapshot.files_under(dir) {
                    if let Some(name) = file.strip_prefix(*dir).and_then(|r| r.strip_prefix('/')) {
                        if !name.contains('/') {
                            files
                                .entry(name)
                                .or_insert_with(|| String::from_utf8_lossy(bytes).into_owned());
                        }
                    }
                }
            }
            let (limits, usage, trouble) = read_facts(&files);
            let mut hierarchies: Vec<String> = dirs.iter().map(|(n, _)| n.to_string()).collect();
            hierarchies.sort();
            RawCgroup {
                path,
                hierarchies,
                limits,
                usage,
                trouble,
            }
        })
        .collect()
}

/// Limits, usage and trouble signals from one cgroup's control files (v1 and v2 names).
pub fn read_facts(files: &BTreeMap<&str, String>) -> (Limits, Usage, Vec<String>) {
    let get = |name: &str| files.get(name).map(String::as_str);
    let limit = |name: &str| get(name).and_then(|t| parse_limit(t).ok());
    let number = |name: &str| get(name).and_then(|t| t.trim().parse::<u64>().ok());
    let keyed = |name: &str| get(name).and_then(|t| parse_flat_keyed(t).ok());
    let cpu_max = get("cpu.max").and_then(|t| parse_cpu_max(t).ok());
    let limits = Limits {
        memory_max_bytes: limit("memory.max").or_else(|| limit("memory.limit_in_bytes")),
        memory_high_bytes: limit("memory.high"),
        cpu_quota_usec: cpu_max
            .map(|(quota, _)| quota)
            .or_else(|| limit("cpu.cfs_quota_us")),
        cpu_period_usec: cpu_max
            .map(|(_, period)| period)
            .or_else(|| number("cpu.cfs_period_us")),
        cpu_weight: number("cpu.weight"),
        cpu_shares: number("cpu.shares"),
        pids_max: limit("pids.max"),
        cpuset_cpus: get("cpuset.cpus")
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty()),
    };
    let events = keyed("memory.events");
    let oom_control = keyed("memory.oom_control");
    let cpu_stat = keyed("cpu.stat");
    let pids_events = keyed("pids.events");
    let usage = Usage {
        memory_current_bytes: number("memory.current").or_else(|| number("memory.usage_in_bytes")),
        memory_peak_bytes: number("memory.peak").or_else(|| number("memory.max_usage_in_bytes")),
        memory_failcnt: number("memory.failcnt"),
        oom_kills: events
            .as_ref()
            .and_then(|e| e.get("oom_kill").copied())
            .or_else(|| oom_control.as_ref().and_then(|e| e.get("oom_kill").copied())),
        pids_current: number("pids.current"),
        cpu_nr_periods: cpu_stat.as_ref().and_then(|s| s.get("nr_periods").copied()),
        cpu_nr_throttled: cpu_stat.as_ref().and_then(|s| s.get("nr_throttled").copied()),
        cpu_throttled_usec: cpu_stat.as_ref().and_then(|s| {
            s.get("throttled_usec")
                .copied()
                .or_else(|| s.get("throttled_time").map(|ns| ns / 1000))
        }),
    };
    let mut trouble = Vec::new();
    if let Some(kills) = usage.oom_kills.filter(|k| *k > 0) {
        trouble.push(format!("{kills} OOM kills"));
    }
    if oom_control
        .as_ref()
        .and_then(|e| e.get("under_oom"))
        .is_some_and(|v| *v > 0)
    {
        trouble.push("under OOM now".to_string());
    }
    if let Some(fails) = usage.memory_failcnt.filter(|f| *f > 0) {
        trouble.push(format!("memory limit hit {fails} times (failcnt)"));
    }
    if let (Some(periods), Some(throttled)) = (usage.cpu_nr_periods, usage.cpu_nr_throttled) {
        if throttled > 0 && periods > 0 {
            trouble.push(format!(
                "throttled in {throttled} of {periods} cpu periods"
            ));
        }
    }
    if let (Some(Limit::Value(max)), Some(current)) = (limits.pids_max, usage.pids_current) {
        if max > 0 && current * 100 >= max * crate::findings::PIDS_NEAR_PERCENT {
            trouble.push(format!("{current} of pids.max {max} tasks"));
        }
    }
    if let Some(max_hits) = pids_events.as_ref().and_then(|e| e.get("max")).filter(|m| **m > 0) {
        trouble.push(format!("fork refused {max_hits} times at pids.max"));
    }
    (limits, usage, trouble)
}
