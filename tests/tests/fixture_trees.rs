//! The committed fixture trees: regenerating them yields the same bytes, and each is a
//! well-formed node (stat, cgroup membership, namespace links, runtime files) that agrees with
//! the layout that declared it.

use crate::util::{fixtures_dir, read, TempDir};
use nodesnap_fixtures::fake_node::{FakeNode, NS_TYPES};
use nodesnap_fixtures::layouts;
use nodesnap_fixtures::runtime_files::FAKE_SECRET;
use nodesnap_tests::tree::{differences, empty_dirs, read_tree, TreeEntry};
use std::path::{Path, PathBuf};

fn committed(name: &str) -> PathBuf {
    fixtures_dir().join(name)
}

fn each_layout() -> Vec<(&'static str, FakeNode, PathBuf)> {
    let all = layouts::all();
    assert_eq!(
        all.len(),
        layouts::NAMES.len(),
        "every name builds a layout"
    );
    all.into_iter()
        .map(|(name, node)| (name, node, committed(name)))
        .collect()
}

#[test]
fn regenerating_every_layout_reproduces_the_committed_tree_byte_for_byte() {
    let tmp = TempDir::new("regen");
    for (name, node, committed) in each_layout() {
        let fresh = tmp.path().join(name);
        node.write_to(&fresh)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected = read_tree(&committed).unwrap_or_else(|e| panic!("{name}: {e}"));
        let actual = read_tree(&fresh).unwrap_or_else(|e| panic!("{name}: {e}"));
        let diffs = differences(&expected, &actual);
        assert!(
            diffs.is_empty(),
            "{name}: tests/fixtures/{name} drifted from the generator; run \
             `cargo run -p nodesnap-fixtures --bin make-fixtures -- tests/fixtures`:\n{}",
            diffs
                .iter()
                .take(20)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn fixture_trees_have_no_empty_directories_that_git_would_drop() {
    // The committed trees equal the generated ones (see above), so checking them is enough.
    for (name, _, committed) in each_layout() {
        let tree = read_tree(&committed).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!tree.is_empty(), "{name}: empty tree");
        assert_eq!(empty_dirs(&tree), Vec::<String>::new(), "{name}");
    }
}

#[test]
fn writing_over_a_non_empty_directory_is_refused() {
    let tmp = TempDir::new("refuse");
    std::fs::write(tmp.path().join("keep"), "x").expect("write marker");
    let node = layouts::build("no-containers").expect("layout exists");
    let err = node.write_to(tmp.path()).expect_err("must refuse");
    assert!(err.to_string().contains("not empty"), "{err}");
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("keep"))
            .ok()
            .as_deref(),
        Some("x")
    );
}

/// The pid, comm, state and ppid of a stat line, and how many fields it has.
fn parse_stat(line: &str) -> (u32, String, char, u32, usize) {
    let (head, rest) = line.trim_end().rsplit_once(") ").expect("stat has `) `");
    let (pid, comm) = head.split_once(" (").expect("stat has ` (`");
    let fields: Vec<&str> = rest.split(' ').collect();
    let state = fields[0].chars().next().expect("state letter");
    let ppid = fields[1].parse().expect("ppid is a number");
    (
        pid.parse().expect("pid is a number"),
        comm.to_string(),
        state,
        ppid,
        fields.len() + 2,
    )
}

#[test]
fn every_stat_parses_back_to_the_declared_pid_ppid_state_and_comm_with_52_fields() {
    for (name, node, root) in each_layout() {
        check_stat_and_status(name, &node, &root);
    }
}

fn check_stat_and_status(name: &str, node: &FakeNode, root: &Path) {
    let mut checked = 0;
    for p in node.processes() {
        let stat = read(root, &format!("proc/{}/stat", p.pid));
        let (pid, comm, state, ppid, count) = parse_stat(&stat);
        assert_eq!(
            (pid, ppid, state),
            (p.pid, p.ppid, p.state),
            "{name}: {stat}"
        );
        assert_eq!(comm, p.comm, "{name}: pid {}", p.pid);
        assert_eq!(count, 52, "{name}: pid {} stat has {count} fields", p.pid);
        let status = read(root, &format!("proc/{}/status", p.pid));
        assert!(
            status.contains(&format!("\nPPid:\t{}\n", p.ppid)),
            "{name}: {}",
            p.pid
        );
        assert!(
            status.contains(&format!("\nThreads:\t{}\n", p.threads)),
            "{name}: {}",
            p.pid
        );
        assert!(
            status.contains(&format!("\nUid:\t{0}\t{0}\t{0}\t{0}\n", p.uid)),
            "{name}: {}",
            p.pid
        );
        assert_eq!(
            read(root, &format!("proc/{}/oom_score_adj", p.pid)).trim(),
            p.oom_score_adj.to_string(),
            "{name}: {}",
            p.pid
        );
        checked += 1;
    }
    assert!(checked > 10, "{name}: only {checked} processes");
    let on_disk = std::fs::read_dir(root.join("proc"))
        .expect("proc dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .count();
    assert_eq!(
        on_disk, checked,
        "{name}: proc/<pid> dirs vs declared processes"
    );
}

#[test]
fn nspid_appears_only_where_the_kernel_has_it() {
    for (name, node, root) in each_layout() {
        let status = read(&root, "proc/1/status");
        let expected = node.facts.kernel_at_least(4, 1);
        assert_eq!(status.contains("\nNSpid:\t1\n"), expected, "{name}");
        for p in node.processes().filter(|p| !p.inner_pids.is_empty()) {
            if expected {
                let status = read(&root, &format!("proc/{}/status", p.pid));
                let inner: Vec<String> = p.inner_pids.iter().map(|n| n.to_string()).collect();
                let line = format!("\nNSpid:\t{}\t{}\n", p.pid, inner.join("\t"));
                assert!(
                    status.contains(&line),
                    "{name}: pid {} lacks {line:?}",
                    p.pid
                );
            }
        }
    }
}

/// The cgroup mounts of pid 1's mountinfo: (mount point, fstype, super options).
fn cgroup_mounts(mountinfo: &str) -> Vec<(String, String, Vec<String>)> {
    mountinfo
        .lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let mount_point = left.split(' ').nth(4)?.to_string();
            let mut right = right.split(' ');
            let fstype = right.next()?.to_string();
            let _source = right.next()?;
            let options = right.next()?.split(',').map(str::to_string).collect();
            matches!(fstype.as_str(), "cgroup" | "cgroup2").then_some((
                mount_point,
                fstype,
                options,
            ))
        })
        .collect()
}

/// The mount point of the hierarchy a `/proc/<pid>/cgroup` line names.
fn hierarchy_mount(
    mounts: &[(String, String, Vec<String>)],
    controllers: &str,
    id: &str,
) -> Option<String> {
    if id == "0" {
        return mounts
            .iter()
            .find(|(_, fstype, _)| fstype == "cgroup2")
            .map(|(m, _, _)| m.clone());
    }
    mounts
        .iter()
        .find(|(_, fstype, options)| {
            fstype == "cgroup"
                && controllers
                    .split(',')
                    .all(|c| options.iter().any(|o| o == c))
        })
        .map(|(m, _, _)| m.clone())
}

#[test]
fn every_cgroup_line_names_a_directory_whose_cgroup_procs_lists_the_pid() {
    for (name, node, root) in each_layout() {
        check_cgroup_membership(name, &node, &root);
    }
}

fn check_cgroup_membership(name: &str, node: &FakeNode, root: &Path) {
    let mounts = cgroup_mounts(&read(root, "proc/self/mountinfo"));
    assert!(!mounts.is_empty(), "{name}: no cgroup mounts in mountinfo");
    let mut lines_checked = 0;
    for p in node.processes() {
        let text = read(root, &format!("proc/{}/cgroup", p.pid));
        for line in text.lines() {
            let mut parts = line.splitn(3, ':');
            let (id, controllers, path) = (
                parts.next().expect("id"),
                parts.next().expect("controllers"),
                parts.next().expect("path"),
            );
            let mount = hierarchy_mount(&mounts, controllers, id)
                .unwrap_or_else(|| panic!("{name}: no mount for {line}"));
            let dir = root
                .join(mount.trim_start_matches('/'))
                .join(path.trim_start_matches('/'));
            assert!(
                dir.is_dir(),
                "{name}: pid {}: {} is not a directory",
                p.pid,
                dir.display()
            );
            let procs = read(&dir, "cgroup.procs");
            let listed = procs.lines().any(|l| l == p.pid.to_string());
            // The kernel stops listing a zombie in cgroup.procs but still names its cgroup.
            assert_eq!(
                listed,
                !p.is_zombie(),
                "{name}: pid {} in {}",
                p.pid,
                dir.display()
            );
            lines_checked += 1;
        }
    }
    assert!(lines_checked > 10, "{name}");
}

#[test]
fn every_pid_in_a_cgroup_procs_file_is_a_process_of_the_node() {
    for (name, node, root) in each_layout() {
        check_cgroup_procs_name_known_pids(name, &node, &root);
    }
}

fn check_cgroup_procs_name_known_pids(name: &str, node: &FakeNode, root: &Path) {
    let tree = read_tree(&root.join("sys/fs/cgroup")).expect("cgroup tree");
    let mut listed = 0;
    for (path, entry) in &tree {
        if !path.ends_with("cgroup.procs") {
            continue;
        }
        let TreeEntry::File(bytes) = entry else {
            continue;
        };
        for line in String::from_utf8_lossy(bytes).lines() {
            let pid: u32 = line
                .parse()
                .unwrap_or_else(|_| panic!("{name}: {path}: {line:?}"));
            assert!(
                node.get_process(pid).is_some(),
                "{name}: {path} lists unknown {pid}"
            );
            listed += 1;
        }
    }
    assert!(listed > 0, "{name}");
}

#[test]
fn every_namespace_link_reads_back_as_the_declared_inode() {
    for (name, node, root) in each_layout() {
        check_namespace_links(name, &node, &root);
    }
}

fn check_namespace_links(name: &str, node: &FakeNode, root: &Path) {
    for p in node.processes() {
        let dir = root.join(format!("proc/{}/ns", p.pid));
        for (link, since) in NS_TYPES {
            let path = dir.join(link);
            let exists_in_kernel = node.facts.kernel_at_least(since.0, since.1);
            let resolvable = !p.is_zombie() || matches!(*link, "pid" | "user");
            match std::fs::read_link(&path) {
                Ok(target) => {
                    assert!(
                        exists_in_kernel && resolvable,
                        "{name}: {} should not exist",
                        path.display()
                    );
                    let kind = link.trim_end_matches("_for_children");
                    let expected = format!("{kind}:[{}]", p.ns.get(link).expect("known link"));
                    assert_eq!(target, Path::new(&expected), "{name}: {}", path.display());
                }
                Err(_) => assert!(
                    !(exists_in_kernel && resolvable),
                    "{name}: {} missing",
                    path.display()
                ),
            }
        }
    }
}

#[test]
fn cgroup_v2_trees_keep_processes_out_of_cgroups_that_enable_controllers_for_children() {
    for (name, node, root) in each_layout() {
        check_v2_no_internal_processes(name, &node, &root);
    }
}

fn check_v2_no_internal_processes(name: &str, _node: &FakeNode, root: &Path) {
    let v2_root = [
        "sys/fs/cgroup/cgroup.controllers",
        "sys/fs/cgroup/unified/cgroup.controllers",
    ]
    .iter()
    .find(|p| root.join(p).is_file())
    .map(|p| root.join(p).parent().expect("parent").to_path_buf());
    let Some(v2_root) = v2_root else { return };
    let tree = read_tree(&v2_root).expect("v2 tree");
    for (path, entry) in &tree {
        let Some(dir) = path.strip_suffix("/cgroup.subtree_control") else {
            continue;
        };
        let TreeEntry::File(enabled) = entry else {
            continue;
        };
        if String::from_utf8_lossy(enabled).trim().is_empty() {
            continue;
        }
        let procs = read(&v2_root, &format!("{dir}/cgroup.procs"));
        assert!(
            procs.trim().is_empty(),
            "{name}: {dir} has processes and enables {enabled:?}"
        );
    }
}

#[test]
fn runtime_config_files_are_json_and_carry_an_environment_secret() {
    let mut layouts_with_configs = 0;
    for (name, _, root) in each_layout() {
        let tree = read_tree(&root).expect("tree");
        let configs: Vec<_> = tree
            .iter()
            .filter(|(p, _)| p.ends_with("/config.json") || p.ends_with("/config.v2.json"))
            .collect();
        for (path, entry) in &configs {
            let TreeEntry::File(bytes) = entry else {
                panic!("{name}: {path} is not a file")
            };
            let value: serde_json::Value =
                serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{name}: {path}: {e}"));
            let env = value
                .pointer("/process/env")
                .or_else(|| value.pointer("/Config/Env"))
                .and_then(|v| v.as_array())
                .unwrap_or_else(|| panic!("{name}: {path} has no env"));
            assert!(
                env.iter()
                    .any(|v| v.as_str().is_some_and(|s| s.ends_with(FAKE_SECRET))),
                "{name}: {path}"
            );
        }
        if !configs.is_empty() {
            layouts_with_configs += 1;
        }
    }
    assert_eq!(
        layouts_with_configs,
        layouts::NAMES.len() - 1,
        "all but no-containers"
    );
}

#[test]
fn a_command_line_carries_the_secret_for_the_collector_to_redact() {
    let root = committed("containerd-v2-systemd");
    let node = layouts::build("containerd-v2-systemd").expect("layout");
    let with_secret: Vec<u32> = node
        .processes()
        .filter(|p| {
            std::fs::read(root.join(format!("proc/{}/cmdline", p.pid)))
                .map(|b| {
                    String::from_utf8_lossy(&b).contains(&format!("--db-password={FAKE_SECRET}\0"))
                })
                .unwrap_or(false)
        })
        .map(|p| p.pid)
        .collect();
    assert_eq!(with_secret.len(), 1, "{with_secret:?}");
}

#[test]
fn passwd_holds_a_password_hash_for_the_collector_to_strip() {
    for (name, _, root) in each_layout() {
        let passwd = read(&root, "etc/passwd");
        let root_line = passwd.lines().next().expect("first line");
        let hash = root_line.split(':').nth(1).expect("password field");
        assert!(
            hash.starts_with('$') && hash.len() > 20,
            "{name}: {root_line}"
        );
    }
}

#[test]
fn proc_self_resolves_to_pid_1() {
    for (name, _, root) in each_layout() {
        assert_eq!(
            std::fs::read_link(root.join("proc/self")).ok(),
            Some(PathBuf::from("1")),
            "{name}"
        );
        assert_eq!(
            read(&root, "proc/self/mountinfo"),
            read(&root, "proc/1/mountinfo"),
            "{name}"
        );
    }
}

#[test]
fn node_facts_files_hold_the_declared_facts() {
    for (name, node, root) in each_layout() {
        assert_eq!(
            read(&root, "proc/sys/kernel/hostname"),
            format!("{}\n", node.facts.hostname),
            "{name}"
        );
        assert_eq!(
            read(&root, "proc/sys/kernel/osrelease"),
            format!("{}\n", node.facts.kernel_release),
            "{name}"
        );
        let version = read(&root, "proc/version");
        assert!(
            version.starts_with(&format!("Linux version {} ", node.facts.kernel_release)),
            "{name}"
        );
        let stat = read(&root, "proc/stat");
        assert!(
            stat.contains(&format!("\nbtime {}\n", node.facts.boot_epoch)),
            "{name}"
        );
    }
}

#[test]
fn the_scaled_layout_is_well_formed_and_has_the_requested_size() {
    let node = layouts::scaled(3, 4);
    let base = layouts::scaled(1, 1).processes().count() - 3;
    assert_eq!(
        node.processes().count(),
        base + 3 * (4 + 2),
        "shim + pause + 4 per pod"
    );
    let tmp = TempDir::new("scaled");
    node.write_to(tmp.path()).expect("write");
    check_stat_and_status("scaled", &node, tmp.path());
    check_cgroup_membership("scaled", &node, tmp.path());
    check_cgroup_procs_name_known_pids("scaled", &node, tmp.path());
    check_namespace_links("scaled", &node, tmp.path());
    check_v2_no_internal_processes("scaled", &node, tmp.path());
}
