//! Gathers the model's inputs from an sosreport (a [`Snapshot`] of origin `Sosreport`), in
//! `gather`'s place: the same typed inputs, from what sos recorded.
//!
//! - Processes: the per-process files sos copies (`proc/<pid>/status` from sos 4.8.1 on, and
//!   `proc/<pid>/cgroup` from the cgroups plugin of 4.5 on), else the process plugin's `ps`
//!   outputs, which every sos 4 release writes: `ps axo ...,comm,cgroup` for the parent, user,
//!   threads, comm and cgroup lines (procps leaves out the lines at a hierarchy's root; they are
//!   restored from the hierarchies the other lines and /proc/cgroups name), `ps alxwww` for the
//!   uid, state, resident size and command line.
//! - Cgroups and limits: the copied /sys/fs/cgroup tree, read as a snapshot's.
//! - Containers, pods, names, images, sandboxes: `docker inspect`, `podman inspect`, `ctr
//!   container ls`, `crictl inspect`/`inspectp`, as runtime metadata records; what they say
//!   about namespaces stands in for the inodes an sosreport lacks.
//! - Node facts: the copied /proc and /etc files, `hostname`, `uname -a`, `date --utc`.
//!
//! Everything an sosreport cannot show is a gap with reason `not_collected` whose detail starts
//! with `sosreport:`.

use super::gather::{gather_cgroups, gather_node};
use super::inputs::{DeclaredNamespaces, Inputs, RawProcess};
use super::types::{ProcessCgroup, Sharing};
use crate::cgroupfs::CgroupSetup;
use crate::procfs::{self, CgroupLine};
use crate::snapshot::Snapshot;
use crate::sosreport::ps::{self, PsCgroupRow, PsLongRow};
use crate::sosreport::runtimes::{self, NsMode};
use crate::sosreport::{self as sos, SosParseError};
use crate::values::ContainerId;
use nodesnap_format::{
    CmdlinePolicy, ContainerRecord, Counts, Gap, GapReason, Manifest, RuntimeMetadata,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod gaps;
use gaps::missing_facts;

/// What an sosreport gives the build in place of a snapshot's manifest, metadata and files.
#[derive(Debug, Clone)]
pub struct SosGathered {
    pub inputs: Inputs,
    /// sos's own record of the run, in the manifest's shape.
    pub manifest: Manifest,
    /// Records from the runtimes' command outputs.
    pub metadata: RuntimeMetadata,
}

const PROCESS_DIR: &str = "sos_commands/process";
/// The process plugin's `numprocs` default (sos 4.8.1 on): /proc/<pid> files of at most this
/// many processes are copied.
const NUMPROCS_DEFAULT: usize = 2048;

/// Gathers the model's inputs from an sosreport.
pub fn gather_sosreport(snapshot: &Snapshot) -> SosGathered {
    let setup = CgroupSetup::detect(snapshot);
    let mut problems = Vec::new();
    let run = snapshot
        .text("sos_reports/manifest.json")
        .and_then(|text| match sos::parse_manifest_json(&text) {
            Ok(run) => Some(run),
            Err(e) => {
                problems.push(unreadable("sos_reports/manifest.json", &e));
                None
            }
        })
        .unwrap_or_default();
    let version = snapshot
        .text("version.txt")
        .and_then(|t| sos::parse_version_txt(&t))
        .or(run.version.clone());

    let processes = gather_processes(snapshot, &setup, &mut problems);
    let (cgroups, cgroup_problems) = gather_cgroups(snapshot, &setup);
    problems.extend(cgroup_problems);
    let mut node = gather_node(snapshot, setup.mode());
    let first = |paths: &[&str]| {
        paths
            .iter()
            .find_map(|path| snapshot.text(path).and_then(|t| sos::first_line(&t)))
    };
    node.hostname = node.hostname.or_else(|| {
        first(&[
            "sos_commands/host/hostname",
            "sos_commands/general/hostname",
            "etc/hostname",
        ])
    });
    node.kernel = node.kernel.or_else(|| {
        snapshot
            .text("sos_commands/kernel/uname_-a")
            .and_then(|t| sos::parse_uname_release(&t))
    });
    node.os = node.os.or_else(|| {
        snapshot
            .text("usr/lib/os-release")
            .map(|t| procfs::parse_os_release(&t))
            .and_then(|fields| fields.get("PRETTY_NAME").cloned())
    });

    // Names of users /etc/passwd does not give (sos copies it with no plugin of the process
    // set): the user column of ps, beside the uid of the other table.
    for (uid, user) in ps_users(snapshot) {
        node.users.entry(uid).or_insert(user);
    }
    let (metadata, declared) = runtime_metadata(snapshot, &mut problems);
    problems.extend(missing_facts(snapshot, &processes, &metadata, &declared));

    let (started_at, finished_at) = match snapshot
        .text("sos_commands/date/date_--utc")
        .and_then(|t| sos::parse_date_utc(&t))
    {
        Some(utc) => (utc.clone(), utc),
        None => (
            run.start_time
                .as_deref()
                .map(|t| format!("{t} (the node's local time)"))
                .unwrap_or_default(),
            run.end_time
                .as_deref()
                .map(|t| format!("{t} (the node's local time)"))
                .unwrap_or_default(),
        ),
    };
    let manifest = Manifest {
        format_version: 0,
        collector_version: match &version {
            Some(v) => format!("sos {v}"),
            None => "sos (version unknown)".to_string(),
        },
        hostname: node.hostname.clone(),
        kernel: node.kernel.clone(),
        started_at,
        finished_at,
        counts: Counts {
            processes: processes.len() as u64,
            cgroups: cgroups.len() as u64,
            files: snapshot.file_count() as u64,
            bytes: 0,
        },
        options: nodesnap_format::CollectOptions {
            root: "/".into(),
            // sos copies command lines as ps prints them; only `--clean` obfuscates names.
            cmdline: CmdlinePolicy::Verbatim,
            ..Manifest::empty().options
        },
        ..Manifest::empty()
    };
    SosGathered {
        inputs: Inputs {
            node,
            processes,
            cgroups,
            problems,
            declared,
        },
        manifest,
        metadata,
    }
}

fn unreadable(path: &str, error: &dyn std::fmt::Display) -> Gap {
    Gap {
        path: path.to_string(),
        reason: GapReason::Unreadable,
        detail: Some(error.to_string()),
    }
}

fn not_collected(path: &str, detail: String) -> Gap {
    Gap {
        path: path.to_string(),
        reason: GapReason::NotCollected,
        detail: Some(format!("sosreport: {detail}")),
    }
}

/// A ps table parser: its rows and the lines it could not read, or why the table is unusable.
type PsTableParser<T> = fn(&str) -> Result<(Vec<T>, Vec<SosParseError>), SosParseError>;

/// A ps table's rows by pid; a table that is absent is empty, one that does not parse is a gap.
fn ps_rows<T>(
    snapshot: &Snapshot,
    name: &str,
    parse: PsTableParser<T>,
    pid: fn(&T) -> u32,
    problems: &mut Vec<Gap>,
) -> HashMap<u32, T> {
    let path = format!("{PROCESS_DIR}/{name}");
    let Some(text) = snapshot.text(&path) else {
        return HashMap::new();
    };
    match parse(&text) {
        Ok((rows, row_problems)) => {
            let count = row_problems.len();
            if let Some(first) = row_problems.first() {
                let more = match count {
                    1 => String::new(),
                    n => format!(" (and {} more lines)", n - 1),
                };
                problems.push(unreadable(&path, &format!("{first}{more}; left out")));
            }
            rows.into_iter().map(|row| (pid(&row), row)).collect()
        }
        Err(e) => {
            problems.push(unreadable(&path, &e));
            HashMap::new()
        }
    }
}

/// uid to user name from the two ps tables, where they agree on a pid.
fn ps_users(snapshot: &Snapshot) -> HashMap<u32, String> {
    let mut ignored = Vec::new();
    let names = ps_rows(
        snapshot,
        ps::PS_CGROUP_FILE,
        ps::parse_ps_cgroup,
        |r| r.pid,
        &mut ignored,
    );
    let uids = ps_rows(
        snapshot,
        ps::PS_LONG_FILE,
        ps::parse_ps_long,
        |r| r.pid,
        &mut ignored,
    );
    names
        .into_iter()
        .filter_map(|(pid, row)| Some((uids.get(&pid)?.uid, row.user?)))
        .collect()
}

/// Every hierarchy any process's lines or /proc/cgroups name: its number and controllers.
fn known_hierarchies(
    snapshot: &Snapshot,
    ps: &HashMap<u32, PsCgroupRow>,
    files: &HashMap<u32, Vec<CgroupLine>>,
) -> BTreeMap<u32, Vec<String>> {
    let mut known: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for line in ps
        .values()
        .flat_map(|row| row.cgroups.iter())
        .chain(files.values().flatten())
    {
        known
            .entry(line.hierarchy_id)
            .or_insert_with(|| line.controllers.clone());
    }
    if let Some(text) = snapshot.text("proc/cgroups") {
        // Controllers on one v1 hierarchy share its number; v2's are numbered 0.
        let mut by_id: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for controller in procfs::parse_proc_cgroups(&text) {
            if controller.enabled && controller.hierarchy_id > 0 {
                by_id
                    .entry(controller.hierarchy_id)
                    .or_default()
                    .push(controller.name);
            }
        }
        for (id, controllers) in by_id {
            known.entry(id).or_insert(controllers);
        }
    }
    known
}

/// ps's lines with the root lines procps left out put back.
fn with_root_lines(lines: &[CgroupLine], known: &BTreeMap<u32, Vec<String>>) -> Vec<CgroupLine> {
    let mut all: Vec<CgroupLine> = lines.to_vec();
    let listed: BTreeSet<u32> = lines.iter().map(|l| l.hierarchy_id).collect();
    for (id, controllers) in known {
        if !listed.contains(id) {
            all.push(CgroupLine {
                hierarchy_id: *id,
                controllers: controllers.clone(),
                path: "/".to_string(),
            });
        }
    }
    all.sort_by_key(|line| std::cmp::Reverse(line.hierarchy_id));
    all
}

/// Every process ps lists or sos copied files of, each fact from the best source that has it.
fn gather_processes(
    snapshot: &Snapshot,
    setup: &CgroupSetup,
    problems: &mut Vec<Gap>,
) -> Vec<RawProcess> {
    let ps_cgroup = ps_rows(
        snapshot,
        ps::PS_CGROUP_FILE,
        ps::parse_ps_cgroup,
        |r| r.pid,
        problems,
    );
    let ps_long = ps_rows(
        snapshot,
        ps::PS_LONG_FILE,
        ps::parse_ps_long,
        |r| r.pid,
        problems,
    );
    let mut cgroup_files: HashMap<u32, Vec<CgroupLine>> = HashMap::new();
    let mut pids: BTreeSet<u32> = ps_cgroup.keys().chain(ps_long.keys()).copied().collect();
    for pid in snapshot.pids() {
        let dir = snapshot.dir(&format!("proc/{pid}"));
        let has = |name: &str| dir.is_some_and(|d| d.get(name).is_some());
        if has("status") || has("stat") {
            pids.insert(pid);
        }
        if let Some(text) = snapshot.text(&format!("proc/{pid}/cgroup")) {
            match procfs::parse_cgroup(&text) {
                Ok(lines) => {
                    cgroup_files.insert(pid, lines);
                }
                Err(e) => problems.push(unreadable(&format!("proc/{pid}/cgroup"), &e)),
            }
        }
    }
    let known = known_hierarchies(snapshot, &ps_cgroup, &cgroup_files);
    let processes: Vec<RawProcess> = pids
        .into_iter()
        .filter_map(|pid| {
            one_process(
                snapshot,
                pid,
                ps_cgroup.get(&pid),
                ps_long.get(&pid),
                cgroup_files.remove(&pid),
                &known,
                setup,
                problems,
            )
        })
        .collect();
    without_sos_itself(processes)
}

/// The processes without sos and what it ran (the `ps` that listed them): like the collector's
/// own process in a snapshot, they are no part of the node.
fn without_sos_itself(processes: Vec<RawProcess>) -> Vec<RawProcess> {
    let is_sos = |p: &RawProcess| {
        let Some(argv) = &p.argv else {
            return false;
        };
        // `sos report ...`, `sosreport ...`, or either run by python.
        let program = |word: &String| {
            let base = word.rsplit('/').next().unwrap_or_default();
            base == "sosreport" || base == "sos"
        };
        let words: Vec<&String> = argv.iter().take(3).collect();
        words.iter().enumerate().any(|(i, word)| {
            program(word)
                && (word.ends_with("sosreport") || argv.get(i + 1).is_some_and(|w| w == "report"))
        })
    };
    let mut own: BTreeSet<u32> = processes
        .iter()
        .filter(|p| is_sos(p))
        .map(|p| p.pid)
        .collect();
    if own.is_empty() {
        return processes;
    }
    // Descendants, whatever order the pids came in.
    loop {
        let before = own.len();
        for p in &processes {
            if own.contains(&p.ppid) {
                own.insert(p.pid);
            }
        }
        if own.len() == before {
            break;
        }
    }
    processes
        .into_iter()
        .filter(|p| !own.contains(&p.pid))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn one_process(
    snapshot: &Snapshot,
    pid: u32,
    ps_cgroup: Option<&PsCgroupRow>,
    ps_long: Option<&PsLongRow>,
    cgroup_file: Option<Vec<CgroupLine>>,
    known: &BTreeMap<u32, Vec<String>>,
    setup: &CgroupSetup,
    problems: &mut Vec<Gap>,
) -> Option<RawProcess> {
    let dir = snapshot.dir(&format!("proc/{pid}"));
    let file = |name: &str| dir.and_then(|d| d.get(name)).map(String::from_utf8_lossy);
    let mut partial = false;
    let mut note = |name: &str, e: procfs::ParseError| {
        problems.push(unreadable(&format!("proc/{pid}/{name}"), &e));
        partial = true;
    };
    let status = file("status").and_then(|t| match procfs::parse_status(&t) {
        Ok(status) => Some(status),
        Err(e) => {
            note("status", e);
            None
        }
    });
    let stat = file("stat").and_then(|t| match procfs::parse_stat(&t) {
        Ok(stat) => Some(stat),
        Err(e) => {
            note("stat", e);
            None
        }
    });
    let comm = stat
        .as_ref()
        .map(|s| s.comm.clone())
        .or_else(|| status.as_ref().map(|s| s.name.clone()))
        .or_else(|| ps_cgroup.map(|r| r.comm.clone()))?;
    let ppid = stat
        .as_ref()
        .map(|s| s.ppid)
        .or_else(|| status.as_ref().and_then(|s| s.ppid))
        .or_else(|| ps_cgroup.map(|r| r.ppid))
        .or_else(|| ps_long.map(|r| r.ppid))
        .unwrap_or(0);
    let state = stat
        .as_ref()
        .map(|s| s.state)
        .or_else(|| status.as_ref().and_then(|s| s.state))
        .or_else(|| ps_long.map(|r| r.state))
        .unwrap_or('?');
    let argv = match dir.and_then(|d| d.get("cmdline")) {
        Some(bytes) => Some(procfs::parse_cmdline(bytes)),
        None => ps_long.map(|row| {
            // ps shows a process without arguments (a kernel thread) as `[comm]`.
            let bracketed = row.command.starts_with('[') && row.command.ends_with(']');
            let kernel_thread = bracketed && (pid == 2 || ppid == 2);
            ps::argv_of(&row.command, kernel_thread)
        }),
    };
    let lines = match cgroup_file {
        Some(lines) => lines,
        None => ps_cgroup
            .map(|row| with_root_lines(&row.cgroups, known))
            .unwrap_or_default(),
    };
    let display_cgroup = setup.display_line(&lines).map(|line| line.path.clone());
    let oom_score_adj = file("oom_score_adj").and_then(|t| t.trim().parse().ok());
    // Where sos copied it; ps's WCHAN column is cut at six characters, too short to name a
    // kernel function, so it is not used.
    let wchan = file("wchan").and_then(|t| procfs::parse_wchan(&t));
    Some(RawProcess {
        wchan,
        pid,
        ppid,
        comm,
        state,
        argv,
        uid: status
            .as_ref()
            .and_then(|s| s.uids.map(|u| u[0]))
            .or_else(|| ps_long.map(|r| r.uid)),
        threads: status
            .as_ref()
            .and_then(|s| s.threads)
            .or_else(|| stat.as_ref().map(|s| s.num_threads))
            .or_else(|| ps_cgroup.map(|r| r.threads)),
        start_ticks: stat.as_ref().map(|s| s.start_ticks),
        cpu_ticks: stat.as_ref().map(|s| s.cpu_ticks),
        rss_bytes: status
            .as_ref()
            .and_then(|s| s.vm_rss_kb)
            .or_else(|| ps_long.map(|r| r.rss_kib))
            .map(|kb| kb.saturating_mul(1024)),
        oom_score_adj,
        nspid: status.as_ref().and_then(|s| s.nspid.clone()),
        cgroups: lines.into_iter().map(ProcessCgroup::from).collect(),
        display_cgroup,
        namespaces: BTreeMap::new(),
        partial,
    })
}

/// Container records and namespace declarations from the runtimes' command outputs.
fn runtime_metadata(
    snapshot: &Snapshot,
    problems: &mut Vec<Gap>,
) -> (RuntimeMetadata, DeclaredNamespaces) {
    let mut metadata = RuntimeMetadata::default();
    let mut declared = DeclaredNamespaces::default();
    let mut keep = |inspected: runtimes::Inspected| {
        if let Some(id) = ContainerId::parse(&inspected.record.id) {
            if !inspected.namespaces.is_empty() {
                declared.containers.insert(id, inspected.namespaces);
            }
        }
        metadata.containers.push(inspected.record);
    };
    type Parse = fn(&str, &str) -> Result<runtimes::Inspected, SosParseError>;
    let inspects: [(&str, &str, Parse); 3] = [
        (
            "sos_commands/docker/containers",
            "docker_inspect_",
            runtimes::parse_docker_inspect,
        ),
        (
            "sos_commands/podman/containers",
            "podman_inspect_",
            runtimes::parse_podman_inspect,
        ),
        (
            "sos_commands/crio/containers",
            "crictl_inspect_",
            runtimes::parse_crictl_inspect,
        ),
    ];
    for (dir, prefix, parse) in inspects {
        for (path, bytes) in snapshot.files_under(dir) {
            let name = path.rsplit('/').next().unwrap_or_default();
            if !name.starts_with(prefix) {
                continue;
            }
            match parse(&String::from_utf8_lossy(bytes), &path) {
                Ok(inspected) => keep(inspected),
                Err(e) => problems.push(unreadable(&path, &e)),
            }
        }
    }
    // A podman pod's app containers name it only by their cgroup; its infra container is told
    // by `IsInfra`, kept as the record's sandbox flag.
    for (path, bytes) in snapshot.files_under("sos_commands/containerd") {
        let name = path.rsplit('/').next().unwrap_or_default();
        let Some(namespace) = name
            .strip_prefix("ctr_-n_")
            .and_then(|rest| rest.strip_suffix("_container_ls"))
        else {
            continue;
        };
        match runtimes::parse_ctr_container_ls(&String::from_utf8_lossy(bytes), namespace, &path) {
            Ok((records, row_problems)) => {
                for record in records {
                    // An inspect output of the same container says more: keep it first.
                    if !metadata.containers.iter().any(|r| r.id == record.id) {
                        metadata.containers.push(record);
                    }
                }
                if let Some(first) = row_problems.first() {
                    problems.push(unreadable(&path, first));
                }
            }
            Err(e) => problems.push(unreadable(&path, &e)),
        }
    }
    for (path, bytes) in snapshot.files_under("sos_commands/crio/pods") {
        if !path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .starts_with("crictl_inspectp_")
        {
            continue;
        }
        match runtimes::parse_crictl_inspectp(&String::from_utf8_lossy(bytes)) {
            Ok(pod) => {
                let mut record = ContainerRecord::new(
                    nodesnap_format::RecordSource::CrioUserdata,
                    &path,
                    pod.sandbox_id.as_str(),
                );
                record.pid = pod.pid;
                record.pod = Some(nodesnap_format::PodRef {
                    name: pod.name.clone(),
                    namespace: pod.namespace.clone(),
                    uid: pod.uid.as_ref().map(|u| u.as_str().to_string()),
                    sandbox_id: Some(pod.sandbox_id.as_str().to_string()),
                    is_sandbox: true,
                });
                metadata.containers.push(record);
                if let Some(uid) = pod.uid {
                    let sharing = pod
                        .modes
                        .into_iter()
                        .map(|(kind, mode)| {
                            let sharing = match mode {
                                NsMode::Node => Sharing::Host,
                                NsMode::Pod => Sharing::Pod,
                                NsMode::Container => Sharing::Private,
                            };
                            (kind, sharing)
                        })
                        .collect();
                    declared.pods.insert(uid, sharing);
                }
            }
            Err(e) => problems.push(unreadable(&path, &e)),
        }
    }
    (metadata, declared)
}
