//! The facts an sosreport cannot show, each a `not_collected` gap whose detail says why.

use super::super::inputs::{DeclaredNamespaces, RawProcess};
use super::{not_collected, NUMPROCS_DEFAULT, PROCESS_DIR};
use crate::snapshot::Snapshot;
use crate::sosreport::ps;
use nodesnap_format::{Gap, RuntimeMetadata};

/// The facts this sosreport cannot show, each a gap saying what and why.
pub(super) fn missing_facts(
    snapshot: &Snapshot,
    processes: &[RawProcess],
    metadata: &RuntimeMetadata,
    declared: &DeclaredNamespaces,
) -> Vec<Gap> {
    let mut gaps = process_gaps(snapshot, processes);
    gaps.extend(runtime_gaps(snapshot, processes, metadata, declared));
    gaps
}

/// What the process plugin's outputs cannot show: namespaces, ps itself, start times, files of
/// processes past a cut, command lines, oom_score_adj; and the cgroups plugin's tree.
fn process_gaps(snapshot: &Snapshot, processes: &[RawProcess]) -> Vec<Gap> {
    let mut gaps = vec![not_collected(
        "proc/*/ns",
        "no namespace inodes: sos copies no /proc/<pid>/ns links, so which processes share a \
         namespace is unknown; pods' sharing comes from the runtimes' inspect output where there \
         is one"
            .to_string(),
    )];
    let has_ps_cgroup = snapshot
        .file(&format!("{PROCESS_DIR}/{}", ps::PS_CGROUP_FILE))
        .is_some();
    let has_ps_long = snapshot
        .file(&format!("{PROCESS_DIR}/{}", ps::PS_LONG_FILE))
        .is_some();
    if !has_ps_cgroup && !has_ps_long {
        gaps.push(not_collected(
            PROCESS_DIR,
            "no ps output (the process plugin did not run): only processes with copied \
             /proc/<pid> files are known"
                .to_string(),
        ));
    }
    if processes.iter().all(|p| p.start_ticks.is_none()) && !processes.is_empty() {
        gaps.push(not_collected(
            "proc/*/stat",
            "no process start times: sos copies no /proc/<pid>/stat, and ps shows start times \
             in the node's local time without its zone"
                .to_string(),
        ));
    }
    let with_files = processes
        .iter()
        .filter(|p| {
            snapshot
                .dir(&format!("proc/{}", p.pid))
                .is_some_and(|d| d.get("status").is_some())
        })
        .count();
    // sos lists /proc (in pid order) and copies the files of the first `numprocs` pids it
    // listed, its own included; some of those end before their copy. So a cut shows as the
    // processes without files lying above the highest pid with files, after about numprocs
    // copies.
    let copied: Vec<u32> = snapshot
        .pids()
        .into_iter()
        .filter(|pid| {
            snapshot
                .dir(&format!("proc/{pid}"))
                .is_some_and(|d| d.get("status").is_some())
        })
        .collect();
    let highest_copied = copied.iter().copied().max().unwrap_or(0);
    let without_files: Vec<u32> = processes
        .iter()
        .filter(|p| {
            snapshot
                .dir(&format!("proc/{}", p.pid))
                .is_none_or(|d| d.get("status").is_none())
        })
        .map(|p| p.pid)
        .collect();
    let above = without_files
        .iter()
        .filter(|&&pid| pid > highest_copied)
        .count();
    if with_files > 0 && with_files < processes.len() {
        let why = if copied.len() >= NUMPROCS_DEFAULT * 9 / 10 && above * 2 > without_files.len() {
            format!(
                "process list cut: the process plugin copies /proc/<pid> files of the first \
                 numprocs pids it lists ({NUMPROCS_DEFAULT} by default, sos's own included), \
                 so the {above} processes above pid {highest_copied} have none"
            )
        } else {
            "the others started or ended between sos's copies and its ps".to_string()
        };
        gaps.push(not_collected(
            "proc",
            format!(
                "/proc/<pid> files of {with_files} of the {} processes; the rest come from ps \
                 alone ({why})",
                processes.len()
            ),
        ));
    }
    let argv_from_ps = processes
        .iter()
        .filter(|p| {
            p.argv.is_some()
                && snapshot
                    .dir(&format!("proc/{}", p.pid))
                    .is_none_or(|d| d.get("cmdline").is_none())
        })
        .count();
    if argv_from_ps > 0 {
        gaps.push(not_collected(
            "proc/*/cmdline",
            format!(
                "command lines of {argv_from_ps} processes are ps's, arguments joined by spaces: \
                 an argument holding a space reads as two, and nothing is redacted"
            ),
        ));
    }
    if !snapshot.has_dir(nodesnap_format::CGROUP_ROOT) {
        gaps.push(not_collected(
            nodesnap_format::CGROUP_ROOT,
            "no /sys/fs/cgroup (the cgroups plugin did not run): no cgroup limits or usage"
                .to_string(),
        ));
    }
    if !processes.is_empty() && processes.iter().all(|p| p.oom_score_adj.is_none()) {
        gaps.push(not_collected(
            "proc/*/oom_score_adj",
            "no oom_score_adj: sos copies /proc/<pid>/oom_* from 4.8.1 on".to_string(),
        ));
    }
    gaps
}

/// What the runtimes' outputs cannot show: names and images where a plugin left none, pod
/// names, the daemons' own configuration, namespace sharing.
fn runtime_gaps(
    snapshot: &Snapshot,
    processes: &[RawProcess],
    metadata: &RuntimeMetadata,
    declared: &DeclaredNamespaces,
) -> Vec<Gap> {
    let mut gaps = Vec::new();
    // A runtime that runs here but whose plugin left no output: its containers' names and
    // images are unknown.
    let runs = |program: &str| processes.iter().any(|p| p.comm == program);
    let has_output = |plugin: &str| {
        snapshot
            .dirs_under(&format!("sos_commands/{plugin}"))
            .next()
            .is_some()
    };
    let mut runtime_without_output = false;
    for (runtime, plugin, running) in [
        ("docker", "docker", runs("dockerd")),
        ("containerd", "containerd", runs("containerd")),
        ("CRI-O", "crio", runs("crio")),
        ("podman", "podman", runs("conmon") && !runs("crio")),
    ] {
        if running && !has_output(plugin) {
            runtime_without_output = true;
            gaps.push(not_collected(
                &format!("sos_commands/{plugin}"),
                format!(
                    "no {plugin} plugin output, though {runtime} runs: the names and images of \
                     its containers are unknown (sos runs the plugin only where its policy has \
                     it for the distribution and finds the runtime installed)"
                ),
            ));
        }
    }
    let has_runtime_outputs = ["docker", "podman", "crio", "containerd"]
        .iter()
        .any(|plugin| {
            snapshot
                .dirs_under(&format!("sos_commands/{plugin}"))
                .next()
                .is_some()
        });
    if !has_runtime_outputs && !runtime_without_output {
        gaps.push(not_collected(
            "sos_commands",
            "no container runtime outputs (no docker, podman, crio or containerd plugin ran): \
             container names, images and pod names are unknown"
                .to_string(),
        ));
    } else if !metadata
        .containers
        .iter()
        .any(|r| r.pod.is_some() || !r.labels.is_empty())
    {
        gaps.push(not_collected(
            "sos_commands",
            "no pod names: neither crictl nor a runtime's labels name the pods".to_string(),
        ));
    }
    if processes
        .iter()
        .any(|p| matches!(p.comm.as_str(), "containerd" | "dockerd" | "crio"))
    {
        gaps.push(not_collected(
            "etc",
            "runtime daemons' sockets are what their command lines or their shims' -address \
             name, else their defaults, and their state directories are their defaults unless \
             their command lines name them: the daemons' own config files and nodesnap's \
             discovery of them are not in an sosreport"
                .to_string(),
        ));
    }
    if declared.containers.is_empty() && declared.pods.is_empty() {
        gaps.push(not_collected(
            "sos_commands",
            "no runtime says which namespaces its containers share: pods' namespace sharing \
             is unknown"
                .to_string(),
        ));
    }
    gaps
}
