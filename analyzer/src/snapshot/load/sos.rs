//! An sosreport read where a snapshot is: told by its marks (`sos_commands/`, `sos_logs/`,
//! `sos_reports/` or `version.txt` at its top), only the files the model can use are kept (sos
//! copies a node's files under their own paths, so they become the snapshot's node paths as
//! they are; command outputs stay under `sos_commands/`), and the [`Snapshot`] is marked as an
//! sosreport. What those files mean is `model::sos`'s business, not the loader's.

use super::assemble::{load_gaps, node_tree};
use super::collected::Collected;
use super::{LoadError, LoadStats};
use crate::snapshot::{Origin, Snapshot};
use nodesnap_format::{Manifest, RuntimeMetadata, CGROUP_FILES};

/// The top-level names only an sosreport has.
const MARKS: &[&str] = &["sos_commands", "sos_logs", "sos_reports"];

/// The files at a node path the model reads from an sosreport, besides the per-process ones,
/// the cgroup tree and the command outputs below.
const NODE_FILES: &[&str] = &[
    "proc/stat",
    "proc/meminfo",
    "proc/uptime",
    "proc/loadavg",
    "proc/cgroups",
    "proc/version",
    "proc/1/mountinfo",
    "proc/self/mountinfo",
    "proc/sys/kernel/hostname",
    "proc/sys/kernel/osrelease",
    "proc/sys/kernel/pid_max",
    "etc/os-release",
    "usr/lib/os-release",
    "etc/passwd",
    "etc/group",
    "etc/hostname",
];

/// sos's own record of the run.
const SOS_FILES: &[&str] = &["version.txt", "sos_reports/manifest.json"];

/// The files sos copies per process that the model reads (the process plugin copies
/// `status` and `oom_*` from sos 4.8.1 on, the cgroups plugin `cgroup` from 4.5 on).
const PROCESS_FILES: &[&str] = &[
    "status",
    "cgroup",
    "stat",
    "cmdline",
    "oom_score_adj",
    "wchan",
];

/// The plugins whose command outputs the model reads, and the one command file of the others.
const COMMAND_DIRS: &[&str] = &[
    "process",
    "docker",
    "podman",
    "crio",
    "containerd",
    "kubernetes",
];
const COMMAND_FILES: &[&str] = &[
    "sos_commands/kernel/uname_-a",
    "sos_commands/host/hostname",
    "sos_commands/host/hostname_-f",
    "sos_commands/general/hostname",
    "sos_commands/date/date",
    "sos_commands/date/date_--utc",
];

/// Whether `relative` (a path inside a top directory) is one of an sosreport's marks.
pub(super) fn is_mark(relative: &str) -> bool {
    relative == "version.txt"
        || MARKS.iter().any(|mark| {
            relative
                .strip_prefix(mark)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
}

/// Whether the model can use the entry at `relative` inside an sosreport: a directory of the
/// cgroup tree (which a cgroup is, even without files), or one of the files it reads.
pub(super) fn wants(relative: &str, is_dir: bool) -> bool {
    if let Some(rest) = relative.strip_prefix(nodesnap_format::CGROUP_ROOT) {
        if rest.is_empty() {
            return is_dir;
        }
        if !rest.starts_with('/') {
            return false;
        }
        let name = rest.rsplit('/').next().unwrap_or_default();
        return is_dir || CGROUP_FILES.contains(&name);
    }
    if is_dir {
        // Other directories follow from their files.
        return false;
    }
    if NODE_FILES.contains(&relative) || SOS_FILES.contains(&relative) {
        return true;
    }
    if let Some(rest) = relative.strip_prefix("proc/") {
        return match rest.split_once('/') {
            Some((pid, name)) => {
                !pid.is_empty()
                    && pid.bytes().all(|b| b.is_ascii_digit())
                    && PROCESS_FILES.contains(&name)
            }
            None => false,
        };
    }
    if COMMAND_FILES.contains(&relative) {
        return true;
    }
    let Some(rest) = relative.strip_prefix("sos_commands/") else {
        return false;
    };
    let Some((plugin, file)) = rest.split_once('/') else {
        return false;
    };
    if !COMMAND_DIRS.contains(&plugin) {
        return false;
    }
    if plugin == "process" {
        return file.starts_with("ps_") && !file.contains('/');
    }
    // Containers' logs and journals are large and say nothing the model reads; images,
    // volumes and networks are not containers.
    let (sub, name) = file.rsplit_once('/').unwrap_or(("", file));
    let sub_wanted = matches!(sub, "" | "containers" | "pods");
    sub_wanted && !name.contains("_logs") && !name.starts_with("journalctl")
}

/// Whether a directory of an extracted sosreport may hold a wanted entry, so that the walk
/// descends into it (and not into `var/log`).
pub(super) fn may_hold_wanted(relative: &str) -> bool {
    const ROOTS: &[&str] = &[
        "proc",
        "sys/fs/cgroup",
        "etc",
        "usr/lib",
        "sos_reports",
        "sos_commands",
    ];
    let within = |root: &str| {
        relative == root
            || root.starts_with(relative) && root.as_bytes().get(relative.len()) == Some(&b'/')
            || relative.starts_with(root) && relative.as_bytes().get(root.len()) == Some(&b'/')
    };
    if !ROOTS.iter().any(|root| within(root)) {
        return false;
    }
    // Below proc/, only a process's own directory and proc/sys/kernel hold wanted files.
    if let Some(rest) = relative.strip_prefix("proc/") {
        let mut parts = rest.split('/');
        let first = parts.next().unwrap_or_default();
        let second = parts.next();
        let numeric = first.bytes().all(|b| b.is_ascii_digit());
        return match (first, second) {
            (_, None) => numeric || first == "sys" || first == "self",
            ("sys", Some("kernel")) => parts.next().is_none(),
            _ => false,
        };
    }
    if let Some(rest) = relative.strip_prefix("sos_commands/") {
        let mut parts = rest.split('/');
        let plugin = parts.next().unwrap_or_default();
        let wanted_plugin = COMMAND_DIRS.contains(&plugin)
            || COMMAND_FILES
                .iter()
                .any(|file| file.split('/').nth(1) == Some(plugin));
        return match parts.next() {
            None => wanted_plugin,
            Some(sub) => {
                COMMAND_DIRS.contains(&plugin)
                    && matches!(sub, "containers" | "pods")
                    && parts.next().is_none()
            }
        };
    }
    if relative.starts_with("etc/") || relative.starts_with("usr/lib/") {
        return false;
    }
    true
}

/// The [`Snapshot`] of the sosreport under `top` (an archive path, "" for the archive's root):
/// its files under their node paths, a manifest that knows nothing yet (the model reads sos's
/// own record), and the load's gaps.
pub(super) fn assemble_sos(
    source: &str,
    top: &str,
    mut collected: Collected,
) -> Result<(Snapshot, LoadStats), LoadError> {
    // An sosreport has no bundles: a file of that name is an ordinary file of the node.
    for (dir, bytes) in std::mem::take(&mut collected.bundles) {
        let path = format!("{dir}/{}", nodesnap_format::BUNDLE_FILE);
        collected.files.entry(path).or_insert(bytes);
    }
    // sos keeps a node's links as links: one to a file the report holds under its own name
    // loses nothing (the readers look for it there too).
    let top_slash = if top.is_empty() {
        String::new()
    } else {
        format!("{top}/")
    };
    let targets = std::mem::take(&mut collected.link_targets);
    let held = |link: &str| -> bool {
        let Some(target) = targets.get(link) else {
            return false;
        };
        let base = link.rsplit_once('/').map_or("", |(dir, _)| dir);
        let joined = if target.starts_with('/') {
            format!("{top_slash}{}", target.trim_start_matches('/'))
        } else {
            format!("{base}/{target}")
        };
        let mut parts: Vec<&str> = Vec::new();
        for part in joined.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                other => parts.push(other),
            }
        }
        let resolved = parts.join("/");
        resolved.starts_with(&top_slash) && collected.files.contains_key(&resolved)
    };
    let kept: Vec<_> = std::mem::take(&mut collected.gaps)
        .into_iter()
        .filter(|gap| {
            !(gap.detail.as_deref() == Some("symbolic link skipped (never followed)")
                && held(&gap.path))
        })
        .collect();
    collected.gaps = kept;
    let tree = node_tree(top, "the sosreport's directory", &mut collected);
    let manifest = Manifest {
        collector_version: "sosreport".into(),
        ..Manifest::empty()
    };
    let mut snapshot = Snapshot::from_tree(source, manifest, RuntimeMetadata::default(), tree);
    snapshot.origin = Origin::Sosreport;
    let mut gaps = load_gaps(source, top, 0, 0, &mut collected);
    gaps.append(&mut snapshot.load_gaps);
    snapshot.load_gaps = gaps;
    Ok((snapshot, collected.stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_the_top_names_only_sos_writes() {
        for mark in [
            "version.txt",
            "sos_logs",
            "sos_commands/process/ps_auxwww",
            "sos_reports",
        ] {
            assert!(is_mark(mark), "{mark}");
        }
        for other in [
            "sos_commandsx",
            "root/version.txt",
            "proc/1/status",
            "version.txt.bak",
        ] {
            assert!(!is_mark(other), "{other}");
        }
    }

    #[test]
    fn only_the_files_the_model_reads_are_wanted() {
        let wanted = [
            ("proc/1/status", false),
            ("proc/4242/cgroup", false),
            ("proc/meminfo", false),
            ("sys/fs/cgroup/memory/kubepods", true),
            ("sys/fs/cgroup/memory/kubepods/memory.limit_in_bytes", false),
            (
                "sos_commands/process/ps_axo_pid_ppid_user_group_lwp_nlwp_start_time_comm_cgroup",
                false,
            ),
            ("sos_commands/docker/containers/docker_inspect_abc", false),
            ("sos_commands/docker/docker_ps_-a", false),
            ("sos_commands/crio/pods/crictl_inspectp_abc", false),
            ("sos_commands/kernel/uname_-a", false),
            ("sos_reports/manifest.json", false),
        ];
        for (path, is_dir) in wanted {
            assert!(wants(path, is_dir), "{path}");
        }
        let unwanted = [
            ("var/log/messages", false),
            ("proc/1/smaps", false),
            ("proc/self/status", false),
            ("sys/fs/cgroup/memory/kubepods/memory.numa_stat", false),
            ("sys/fs/cgroup/cpu", false),
            ("sos_commands/docker/containers/docker_logs_-t_abc", false),
            ("sos_commands/docker/images/docker_inspect_img", false),
            ("sos_commands/process/lsof_M_-n_-l_-c", false),
            ("sos_commands/kernel/lsmod", false),
            ("sos_logs/sos.log", false),
            ("proc", true),
        ];
        for (path, is_dir) in unwanted {
            assert!(!wants(path, is_dir), "{path}");
        }
    }

    #[test]
    fn the_walk_descends_only_where_wanted_files_can_be() {
        for dir in [
            "proc",
            "proc/42",
            "proc/sys",
            "proc/sys/kernel",
            "sys",
            "sys/fs",
            "sys/fs/cgroup/memory/kubepods",
            "etc",
            "usr",
            "usr/lib",
            "sos_commands",
            "sos_commands/docker/containers",
            "sos_commands/kernel",
            "sos_reports",
        ] {
            assert!(may_hold_wanted(dir), "{dir}");
        }
        for dir in [
            "var",
            "var/log",
            "proc/42/task",
            "proc/sys/net",
            "proc/irq",
            "sys/kernel",
            "etc/ssl",
            "sos_commands/docker/images",
            "sos_commands/networking",
            "sos_logs",
        ] {
            assert!(!may_hold_wanted(dir), "{dir}");
        }
    }
}
