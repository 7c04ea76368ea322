//! Reads a snapshot's files through the procfs and cgroupfs parsers into the typed inputs the
//! model is joined from. A file that is missing or does not parse leaves its fields null and,
//! for a process, marks it partial; nothing here fails.

use super::cgroup_path::{
    check_limits, first_level_past_limits, PathOverLimit, MAX_CGROUP_DEPTH, MAX_CGROUP_PATH_BYTES,
};
use super::counted_once::{count_once, Hierarchical};
use super::ids::{Inode, NsType};
use super::inputs::{Inputs, RawCgroup, RawNode, RawProcess};
use super::types::{CgroupMode, ProcessCgroup};
use crate::cgroupfs::CgroupSetup;
use crate::procfs;
use crate::snapshot::Snapshot;
use nodesnap_format::{Gap, GapReason};
use std::collections::{BTreeMap, HashMap};

/// The page size used to turn stat's rss pages into bytes where status has no VmRSS. Every
/// architecture Kubernetes nodes run on uses 4 KiB base pages by default.
const PAGE_BYTES: u64 = 4096;

pub fn gather(snapshot: &Snapshot) -> Inputs {
    let setup = CgroupSetup::detect(snapshot);
    let gather_all_processes = || {
        let mut problems = Vec::new();
        let processes: Vec<RawProcess> = snapshot
            .pids()
            .into_iter()
            .filter_map(|pid| gather_process(snapshot, pid, &setup, &mut problems))
            .collect();
        (processes, problems)
    };
    // Processes and cgroups are read independently: on a big node each is seconds of parsing,
    // so they run side by side (a laptop has more than one core).
    let ((processes, mut problems), (cgroups, cgroup_problems)) = std::thread::scope(|scope| {
        let cgroups = scope.spawn(|| gather_cgroups(snapshot, &setup));
        let processes = gather_all_processes();
        let cgroups = match cgroups.join() {
            Ok(cgroups) => cgroups,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (processes, cgroups)
    });
    problems.extend(cgroup_problems);
    let mut node = gather_node(snapshot, setup.mode());
    gather_node_signals(snapshot, &mut node, &mut problems);
    Inputs {
        node,
        processes,
        cgroups,
        problems,
        declared: Default::default(),
    }
}

/// One process; None when neither stat nor status says who it is. A file that exists but does
/// not parse is added to `problems` and makes the process partial.
pub fn gather_process(
    snapshot: &Snapshot,
    pid: u32,
    setup: &CgroupSetup,
    problems: &mut Vec<Gap>,
) -> Option<RawProcess> {
    // One lookup of the process's directory, then a short scan per file.
    let dir = snapshot.dir(&format!("proc/{pid}"));
    let file = |name: &str| dir.and_then(|d| d.get(name)).map(String::from_utf8_lossy);
    let mut partial = false;
    let stat = parsed(
        problems,
        pid,
        "stat",
        file("stat").map(|t| procfs::parse_stat(&t)),
    );
    let status = parsed(
        problems,
        pid,
        "status",
        file("status").map(|t| procfs::parse_status(&t)),
    );
    if stat.is_none() && status.is_none() {
        return None;
    }
    partial |= stat.is_none() || status.is_none();
    let argv = dir
        .and_then(|d| d.get("cmdline"))
        .map(procfs::parse_cmdline);
    let cgroups = parsed(
        problems,
        pid,
        "cgroup",
        file("cgroup").map(|t| procfs::parse_cgroup(&t)),
    );
    partial |= cgroups.is_none();
    let cgroups = lines_within_limits(pid, cgroups.unwrap_or_default(), problems);
    partial |= cgroups.is_err();
    let cgroups: Vec<procfs::CgroupLine> = cgroups.unwrap_or_else(|kept| kept);
    let namespaces = parsed(
        problems,
        pid,
        "ns",
        file("ns").map(|t| procfs::parse_ns_links(&t)),
    );
    partial |= namespaces.is_none();
    let namespaces: BTreeMap<NsType, Inode> = namespaces.unwrap_or_default().into_iter().collect();
    let oom_score_adj = file("oom_score_adj").and_then(|t| t.trim().parse().ok());
    let wchan = file(nodesnap_format::D_STATE_FILE).and_then(|t| procfs::parse_wchan(&t));
    let display_cgroup = setup.display_line(&cgroups).map(|line| line.path.clone());
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
        cpu_ticks: stat.as_ref().map(|s| s.cpu_ticks),
        rss_bytes: status
            .vm_rss_kb
            .map(|kb| kb.saturating_mul(1024))
            .or(rss_pages.map(|p| p.saturating_mul(PAGE_BYTES))),
        oom_score_adj,
        wchan,
        nspid: status.nspid,
        cgroups: cgroups.into_iter().map(ProcessCgroup::from).collect(),
        display_cgroup,
        namespaces,
        partial,
    })
}

/// The node's signal files: pressure, the sysctl limits and counters, and the kubelet's
/// records with the configs the collector could not read. A file that does not parse is left
/// out with a gap in `problems`.
fn gather_node_signals(snapshot: &Snapshot, node: &mut RawNode, problems: &mut Vec<Gap>) {
    use procfs::{parse_file_nr, parse_pressure, parse_sysctl_number};
    let pressure = |name: &str, problems: &mut Vec<Gap>| {
        parse_node_file(
            snapshot,
            &format!("proc/pressure/{name}"),
            problems,
            parse_pressure,
        )
    };
    node.pressure.cpu = pressure("cpu", problems);
    node.pressure.memory = pressure("memory", problems);
    node.pressure.io = pressure("io", problems);
    let number = |path: &'static str, problems: &mut Vec<Gap>| {
        let what = path.rsplit('/').next().unwrap_or(path);
        parse_node_file(snapshot, path, problems, |t| parse_sysctl_number(what, t))
    };
    let sysctls = &mut node.sysctls;
    sysctls.conntrack_count = number("proc/sys/net/netfilter/nf_conntrack_count", problems);
    sysctls.conntrack_max = number("proc/sys/net/netfilter/nf_conntrack_max", problems);
    sysctls.inotify_max_user_watches = number("proc/sys/fs/inotify/max_user_watches", problems);
    sysctls.inotify_max_user_instances = number("proc/sys/fs/inotify/max_user_instances", problems);
    sysctls.threads_max = number("proc/sys/kernel/threads-max", problems);
    sysctls.file_max = number("proc/sys/fs/file-max", problems);
    sysctls.file_nr = parse_node_file(snapshot, "proc/sys/fs/file-nr", problems, parse_file_nr);
    node.kubelets = snapshot
        .metadata
        .daemons
        .iter()
        .filter(|d| d.program == "kubelet")
        .cloned()
        .collect();
    node.unread_kubelet_configs = node
        .kubelets
        .iter()
        .filter_map(|k| k.config.as_deref())
        .map(|config| config.trim_start_matches('/'))
        .filter(|config| snapshot.manifest.gaps.iter().any(|g| g.path == *config))
        .map(str::to_string)
        .collect();
}

/// A node file parsed; None where it is absent, and also, with a gap in `problems`, where it
/// does not parse.
fn parse_node_file<T>(
    snapshot: &Snapshot,
    path: &str,
    problems: &mut Vec<Gap>,
    parse: impl FnOnce(&str) -> Result<T, procfs::ParseError>,
) -> Option<T> {
    match parse(&snapshot.text(path)?) {
        Ok(value) => Some(value),
        Err(error) => {
            problems.push(Gap {
                path: path.to_string(),
                reason: GapReason::Unreadable,
                detail: Some(error.to_string()),
            });
            None
        }
    }
}

pub fn gather_node(snapshot: &Snapshot, cgroup_mode: CgroupMode) -> RawNode {
    let text = |path: &str| snapshot.text(path).map(|t| t.into_owned());
    let first_line = |path: &str| {
        text(path)
            .and_then(|t| t.lines().next().map(|l| l.trim().to_string()))
            .filter(|l| !l.is_empty())
    };
    let proc_stat = text("proc/stat");
    let meminfo = text("proc/meminfo").map(|t| procfs::parse_meminfo(&t));
    let meminfo_bytes = |key: &str| {
        meminfo
            .as_ref()
            .and_then(|m| m.get(key).map(|kb| kb.saturating_mul(1024)))
    };
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
        boot_id: first_line("proc/sys/kernel/random/boot_id"),
        uptime_secs: text("proc/uptime")
            .and_then(|t| procfs::parse_uptime(&t).ok())
            .map(|secs| secs as u64),
        cgroup_mode,
        memory_total_bytes: meminfo_bytes("MemTotal"),
        memory_available_bytes: meminfo_bytes("MemAvailable"),
        cpus: proc_stat
            .as_deref()
            .map(procfs::count_cpus)
            .filter(|n| *n > 0),
        pid_max: first_line("proc/sys/kernel/pid_max").and_then(|l| l.parse().ok()),
        loadavg: text("proc/loadavg").and_then(|t| procfs::parse_loadavg(&t).ok()),
        users: text("etc/passwd")
            .map(|t| procfs::parse_passwd(&t).into_iter().collect())
            .unwrap_or_else(HashMap::new),
        ..RawNode::default()
    }
}

/// A parsed value, or None with a gap naming the file when it exists but does not parse.
fn parsed<T>(
    problems: &mut Vec<Gap>,
    pid: u32,
    name: &str,
    result: Option<Result<T, procfs::ParseError>>,
) -> Option<T> {
    match result {
        Some(Ok(value)) => Some(value),
        Some(Err(error)) => {
            problems.push(Gap {
                path: format!("proc/{pid}/{name}"),
                reason: GapReason::Unreadable,
                detail: Some(error.to_string()),
            });
            None
        }
        None => None,
    }
}

/// The lines of a process's cgroup file whose paths are within the cgroup path limits: Ok when
/// that is all of them, else Err with the rest and one gap naming the file, how many lines
/// were left out, and the first one's size and start. A path past the limits would cost the
/// model one cgroup per level (and every view a line per level), so it is shown, not stored.
fn lines_within_limits(
    pid: u32,
    lines: Vec<procfs::CgroupLine>,
    problems: &mut Vec<Gap>,
) -> Result<Vec<procfs::CgroupLine>, Vec<procfs::CgroupLine>> {
    let mut kept = Vec::with_capacity(lines.len());
    let mut refused: Option<(procfs::CgroupLine, PathOverLimit)> = None;
    let mut more = 0usize;
    for line in lines {
        match check_limits(&line.path) {
            Ok(()) => kept.push(line),
            Err(over) if refused.is_none() => refused = Some((line, over)),
            Err(_) => more += 1,
        }
    }
    let Some((line, over)) = refused else {
        return Ok(kept);
    };
    let others = match more {
        0 => String::new(),
        1 => " (and 1 more line like it)".to_string(),
        n => format!(" (and {n} more lines like it)"),
    };
    problems.push(Gap {
        path: format!("proc/{pid}/cgroup"),
        reason: GapReason::Unreadable,
        detail: Some(format!(
            "hierarchy {} names {over}; left out of the model{others}: {:?}",
            line.hierarchy_id,
            procfs::excerpt(&line.path)
        )),
    });
    Err(kept)
}

/// Every cgroup directory, merged across hierarchies by path, with its control files read;
/// control files that did not parse come back as gaps, and so do directories past the cgroup
/// path limits (one gap for the first level past them, counting the directories below).
pub fn gather_cgroups(snapshot: &Snapshot, setup: &CgroupSetup) -> (Vec<RawCgroup>, Vec<Gap>) {
    let mut problems = Vec::new();
    // The first level past the limits, its hierarchies, and how many directories it cuts off.
    let mut refused: BTreeMap<String, (Vec<String>, usize)> = BTreeMap::new();
    let mut cgroups: Vec<RawCgroup> = setup
        .all_cgroup_paths(snapshot)
        .into_iter()
        .filter(|found| match first_level_past_limits(&found.path) {
            None => true,
            Some(cut) => {
                let entry = refused
                    .entry(cut.to_string())
                    .or_insert_with(|| (found.hierarchies.clone(), 0));
                entry.1 += 1;
                false
            }
        })
        .map(|found| {
            let facts = setup.facts(snapshot, &found.path);
            problems.extend(facts.problems.into_iter().map(|p| Gap {
                path: p.path,
                reason: GapReason::Unreadable,
                detail: Some(p.message),
            }));
            RawCgroup {
                path: found.path,
                hierarchies: found.hierarchies,
                limits: facts.limits,
                usage: facts.usage,
            }
        })
        .collect();
    count_once(&mut cgroups, Hierarchical::of(setup));
    for (cut, (hierarchies, count)) in refused {
        let dir = hierarchies
            .first()
            .and_then(|name| setup.hierarchies().iter().find(|h| &h.name == name))
            .map_or(nodesnap_format::CGROUP_ROOT, |h| h.dir.as_str());
        let levels = cut.split('/').filter(|name| !name.is_empty()).count();
        problems.push(Gap {
            path: format!("{dir}{cut}"),
            reason: GapReason::Unreadable,
            detail: Some(format!(
                "a cgroup directory {levels} levels and {} bytes deep, past the analyzer's limits \
                 of {MAX_CGROUP_DEPTH} levels and {MAX_CGROUP_PATH_BYTES} bytes; it and the \
                 directories below it ({count} in all) are left out of the model",
                cut.len()
            )),
        });
    }
    (cgroups, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::{Fs, NodeBuilder, Proc};

    fn one(node: &NodeBuilder, pid: u32) -> (Option<RawProcess>, Vec<Gap>) {
        let snapshot = node.build();
        let setup = CgroupSetup::detect(&snapshot);
        let mut problems = Vec::new();
        let process = gather_process(&snapshot, pid, &setup, &mut problems);
        (process, problems)
    }

    #[test]
    fn complete_process_has_every_field() {
        let mut node = NodeBuilder::new(Fs::V1);
        node.process(
            Proc::new(
                7337,
                7320,
                "nginx",
                "nginx: master process nginx -g daemon off;",
            )
            .cgroup("/kubepods/burstable/podx/y")
            .systemd_cgroup("/kubepods/burstable/podx/y/sub")
            .oom(999)
            .uid(100),
        );
        let (p, problems) = one(&node, 7337);
        let p = p.unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert!(!p.partial);
        assert_eq!(
            (p.pid, p.ppid, p.comm.as_str(), p.state),
            (7337, 7320, "nginx", 'S')
        );
        assert_eq!(p.uid, Some(100));
        assert_eq!(p.oom_score_adj, Some(999));
        assert_eq!(p.rss_bytes, Some(1024 * 1024));
        assert_eq!(p.start_ticks, Some(73370));
        assert_eq!(p.argv.as_ref().map(Vec::len), Some(7));
        assert_eq!(p.cgroups.len(), 11);
        assert_eq!(
            p.display_cgroup.as_deref(),
            Some("/kubepods/burstable/podx/y/sub")
        );
        assert_eq!(p.namespaces.get(&NsType::Net), Some(&Inode(4026531956)));
    }

    #[test]
    fn malformed_files_become_gaps_and_make_the_process_partial() {
        let mut node = NodeBuilder::new(Fs::V2);
        node.process(Proc::new(50, 1, "app", "app"));
        node.file("proc/50/ns", "net garbage\n");
        node.file("proc/50/status", "Name:\tapp\nUid:\tnot numbers\n");
        let (p, problems) = one(&node, 50);
        let p = p.unwrap();
        assert!(p.partial);
        assert!(p.namespaces.is_empty());
        assert_eq!(p.comm, "app", "stat still names it");
        assert_eq!(p.uid, None);
        let paths: Vec<&str> = problems.iter().map(|g| g.path.as_str()).collect();
        assert_eq!(paths, vec!["proc/50/status", "proc/50/ns"]);
        assert!(problems.iter().all(|g| g.reason == GapReason::Unreadable));
        assert!(problems[1]
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("line 1"));
    }

    #[test]
    fn missing_cmdline_and_cgroup_leave_fields_null() {
        let mut node = NodeBuilder::new(Fs::V2);
        node.process(Proc::new(60, 1, "app", "app"));
        let mut snapshot_files = node;
        snapshot_files.remove("proc/60/cmdline");
        snapshot_files.remove("proc/60/cgroup");
        let (p, problems) = one(&snapshot_files, 60);
        let p = p.unwrap();
        assert!(problems.is_empty());
        assert_eq!(p.argv, None);
        assert!(p.cgroups.is_empty());
        assert!(p.partial, "a process without its cgroup file is partial");
    }

    #[test]
    fn a_pid_without_stat_or_status_is_no_process() {
        let mut node = NodeBuilder::new(Fs::V2);
        node.file("proc/70/cmdline", "x\0");
        assert!(one(&node, 70).0.is_none());
    }

    #[test]
    fn status_alone_still_gives_a_process() {
        let mut node = NodeBuilder::new(Fs::V2);
        node.process(Proc::new(80, 1, "app", "app"));
        node.remove("proc/80/stat");
        let (p, _) = one(&node, 80);
        let p = p.unwrap();
        assert_eq!((p.comm.as_str(), p.ppid, p.state), ("app", 1, 'S'));
        assert_eq!(p.start_ticks, None);
        assert!(p.partial);
    }

    #[test]
    fn node_facts_from_the_node_files() {
        let node = NodeBuilder::new(Fs::V1);
        let snapshot = node.build();
        let facts = gather_node(&snapshot, CgroupMode::V1);
        assert_eq!(facts.hostname.as_deref(), Some("my-node1"));
        assert_eq!(facts.os.as_deref(), Some("CentOS Linux 7 (Core)"));
        assert_eq!(facts.boot_time_secs, Some(1592210924));
        assert_eq!(facts.uptime_secs, Some(150000));
        assert_eq!(facts.memory_total_bytes, Some(16266500 * 1024));
        assert_eq!(facts.cpus, Some(2));
        assert_eq!(facts.pid_max, Some(32768));
        assert_eq!(facts.loadavg, Some([0.52, 0.58, 0.59]));
        assert_eq!(facts.users.get(&99).map(String::as_str), Some("nobody"));
    }

    #[test]
    fn node_facts_missing_files_stay_null() {
        let mut node = NodeBuilder::new(Fs::V2);
        for path in [
            "proc/stat",
            "proc/uptime",
            "proc/loadavg",
            "proc/meminfo",
            "etc/os-release",
        ] {
            node.remove(path);
        }
        let facts = gather_node(&node.build(), CgroupMode::V2);
        assert_eq!(facts.boot_time_secs, None);
        assert_eq!(facts.cpus, None);
        assert_eq!(facts.os, None);
        assert_eq!(facts.loadavg, None);
    }

    #[test]
    fn cgroups_merge_hierarchies_by_path_and_report_bad_files() {
        let mut node = NodeBuilder::new(Fs::V1);
        node.cgroup_dir("/kubepods/burstable");
        node.cgroup_file(
            "/kubepods/burstable",
            "memory.limit_in_bytes",
            "1073741824\n",
        );
        node.cgroup_file("/kubepods/burstable", "pids.max", "lots\n");
        let snapshot = node.build();
        let (cgroups, problems) = gather_cgroups(&snapshot, &CgroupSetup::detect(&snapshot));
        let burstable = cgroups
            .iter()
            .find(|c| c.path == "/kubepods/burstable")
            .unwrap();
        assert_eq!(burstable.hierarchies.len(), 11);
        assert_eq!(
            burstable.limits.memory_max_bytes,
            Some(crate::model::Limit::Value(1073741824))
        );
        assert_eq!(burstable.limits.pids_max, None);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].path.ends_with("pids.max"), "{problems:?}");
    }

    #[test]
    fn a_cgroup_line_past_the_limits_is_one_gap_and_the_rest_of_the_process_is_kept() {
        let mut node = NodeBuilder::new(Fs::V1);
        node.process(Proc::new(50, 1, "deep", "deep").cgroup("/system.slice/deep.service"));
        let deep = "/a".repeat(MAX_CGROUP_DEPTH + 1);
        node.file(
            "proc/50/cgroup",
            &format!("4:memory:/system.slice/deep.service\n1:name=systemd:{deep}\n2:pids:{deep}\n"),
        );
        let (p, problems) = one(&node, 50);
        let p = p.unwrap();
        assert!(p.partial);
        let kept: Vec<&str> = p.cgroups.iter().map(|l| l.controllers.as_str()).collect();
        assert_eq!(kept, ["memory"]);
        assert_eq!(p.display_cgroup, None, "the name=systemd line was left out");
        assert_eq!(p.comm, "deep");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].path, "proc/50/cgroup");
        let detail = problems[0].detail.as_deref().unwrap();
        assert!(
            detail.starts_with("hierarchy 1 names a cgroup path of 65 levels and 130 bytes"),
            "{detail}"
        );
        assert!(detail.contains("(and 1 more line like it)"), "{detail}");
        assert!(
            detail.ends_with("\"/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a…\"")
        );
    }

    #[test]
    fn a_cgroup_line_at_the_limits_is_kept() {
        let mut node = NodeBuilder::new(Fs::V2);
        node.process(Proc::new(51, 1, "app", "app"));
        let at_depth = "/a".repeat(MAX_CGROUP_DEPTH);
        let at_length = format!("/{}", "b".repeat(MAX_CGROUP_PATH_BYTES - 1));
        node.file(
            "proc/51/cgroup",
            &format!("0::{at_depth}\n0::{at_length}\n"),
        );
        let (p, problems) = one(&node, 51);
        let p = p.unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert!(!p.partial);
        assert_eq!(p.cgroups.len(), 2);
        assert_eq!(p.display_cgroup.as_deref(), Some(at_depth.as_str()));
    }

    #[test]
    fn cgroup_directories_past_the_limits_are_one_gap_for_the_first_level_past_them() {
        let mut node = NodeBuilder::new(Fs::V2);
        let base = "/d".repeat(MAX_CGROUP_DEPTH);
        node.cgroup_dir(&format!("{base}/x/y/z"));
        node.cgroup_dir(&format!("{base}/x/w"));
        node.cgroup_dir(&format!("{base}/v"));
        let snapshot = node.build();
        let (cgroups, problems) = gather_cgroups(&snapshot, &CgroupSetup::detect(&snapshot));
        let deepest = cgroups
            .iter()
            .map(|c| check_limits(&c.path))
            .collect::<Vec<_>>();
        assert!(deepest.iter().all(Result::is_ok));
        assert!(cgroups.iter().any(|c| c.path == base));
        let gaps: Vec<(&str, &str)> = problems
            .iter()
            .map(|g| (g.path.as_str(), g.detail.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(gaps.len(), 2, "{gaps:?}");
        assert_eq!(gaps[0].0, format!("sys/fs/cgroup{base}/v"));
        assert!(gaps[0].1.contains("(1 in all)"), "{}", gaps[0].1);
        assert_eq!(gaps[1].0, format!("sys/fs/cgroup{base}/x"));
        assert!(
            gaps[1]
                .1
                .starts_with("a cgroup directory 65 levels and 130 bytes deep"),
            "{}",
            gaps[1].1
        );
        assert!(gaps[1].1.contains("(4 in all)"), "{}", gaps[1].1);
    }
}
