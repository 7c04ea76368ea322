//! Snapshots written from fake node trees hold exactly what the format says.

use crate::support::*;
use nodesnap_format::{CmdlinePolicy, BUNDLE_FILE, CGROUP_FILES};
use std::time::Duration;

/// The names and bytes of a process's files as the fake tree holds them, in bundle order.
fn process_files_on_disk(tree: &FakeTree, pid: u32, names: &[&str]) -> Vec<(String, Vec<u8>)> {
    names
        .iter()
        .map(|name| {
            let data = std::fs::read(tree.path(&format!("proc/{pid}/{name}"))).unwrap();
            (name.to_string(), data)
        })
        .collect()
}

#[test]
fn a_process_bundle_holds_exactly_the_files_read_in_order_with_exact_bytes() {
    let tree = small_node("bundle-exact");
    // A process file that is gone means the process exited: the bundle keeps what was read.
    std::fs::remove_file(tree.path("proc/4242/oom_score_adj")).unwrap();
    let (snap, _) = collect_ok(tree.root(), &[]);
    let mut expected = process_files_on_disk(
        &tree,
        812,
        &["stat", "status", "cmdline", "cgroup", "oom_score_adj"],
    );
    expected.push((
        "ns".to_string(),
        HOST_NS
            .iter()
            .map(|(name, target)| format!("{name} {target}\n"))
            .collect::<String>()
            .into_bytes(),
    ));
    assert_eq!(snap.bundles["proc/812"], expected);
    let names: Vec<&str> = snap.bundles["proc/4242"]
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(names, ["stat", "status", "cmdline", "cgroup"]);
    assert_eq!(snap.gap_reasons("proc/4242"), vec!["vanished"]);
    let entry = format!("{}/root/proc/812/{BUNDLE_FILE}", snap.top);
    assert_eq!(snap.names.iter().filter(|n| **n == entry).count(), 1);
    // Nothing of a process directory is stored beside its bundle.
    assert!(!snap
        .names
        .iter()
        .any(|n| n.contains("/root/proc/812/") && !n.ends_with(BUNDLE_FILE)));
}

#[test]
fn without_cmdline_the_process_bundle_has_no_cmdline_record() {
    let tree = small_node("bundle-nocmdline");
    let (snap, _) = collect_ok(tree.root(), &["--no-cmdline"]);
    let names: Vec<&str> = snap.bundles["proc/1"]
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(names, ["stat", "status", "cgroup", "oom_score_adj", "ns"]);
}

#[test]
fn an_empty_cgroup_directory_gets_an_empty_bundle() {
    let tree = small_node("bundle-empty");
    tree.dir("sys/fs/cgroup/memory/empty");
    // Only files the collector does not copy: still an empty bundle.
    tree.cgroup("memory/unlisted", &[("memory.numa_stat", "total=0 N0=0\n")]);
    let (snap, _) = collect_ok(tree.root(), &[]);
    for dir in [
        "sys/fs/cgroup/memory/empty",
        "sys/fs/cgroup/memory/unlisted",
    ] {
        assert_eq!(snap.bundles.get(dir), Some(&Vec::new()), "{dir}");
        assert!(snap
            .names
            .contains(&format!("{}/root/{dir}/{BUNDLE_FILE}", snap.top)));
    }
    // The top of the tree holds only subdirectories here: an empty bundle too.
    assert_eq!(snap.bundles.get("sys/fs/cgroup"), Some(&Vec::new()));
    assert_eq!(snap.manifest.counts.cgroups as usize, snap.dirs.len());
}

#[test]
fn a_cgroup_directory_named_like_the_bundle_file_is_a_gap_not_a_collision() {
    let tree = small_node("bundle-collision");
    let colliding = format!("memory/{BUNDLE_FILE}");
    tree.cgroup(&colliding, &[("cgroup.procs", "99\n")]);
    let (snap, _) = collect_ok(tree.root(), &[]);
    let path = format!("sys/fs/cgroup/{colliding}");
    let gap = snap
        .manifest
        .gaps
        .iter()
        .find(|g| g.path == path)
        .unwrap_or_else(|| panic!("no gap for {path}: {:?}", snap.manifest.gaps));
    assert_eq!(gap.reason.as_str(), "error");
    assert!(
        gap.detail
            .as_deref()
            .unwrap_or_default()
            .contains("collide"),
        "{gap:?}"
    );
    assert!(!snap.dirs.contains(&path));
    // The parent's own bundle is intact and holds its own files.
    assert_eq!(snap.text("sys/fs/cgroup/memory/cgroup.procs"), "1\n812\n");
}

#[test]
fn counts_follow_the_records_written() {
    let tree = small_node("bundle-counts");
    let (snap, _) = collect_ok(tree.root(), &[]);
    let records: usize = snap.bundles.values().map(Vec::len).sum();
    let individual = snap.files.len() - records;
    // Node files and etc/passwd, etc/group stay individual entries.
    assert!(snap.files.contains_key("proc/meminfo") && snap.files.contains_key("etc/passwd"));
    assert!(!snap.bundles.contains_key("proc") && !snap.bundles.contains_key("etc"));
    assert_eq!(snap.manifest.counts.files as usize, records + individual);
    assert_eq!(snap.manifest.counts.processes, 3);
    assert_eq!(
        snap.manifest.counts.cgroups as usize,
        snap.bundles
            .keys()
            .filter(|d| d.starts_with("sys/"))
            .count()
    );
}

#[test]
fn process_files_and_namespace_links_are_copied() {
    let tree = small_node("processes");
    let (snap, _) = collect_ok(tree.root(), &[]);
    assert_eq!(snap.manifest.counts.processes, 3);
    for pid in [1, 812, 4242] {
        for name in ["stat", "status", "cmdline", "cgroup", "oom_score_adj", "ns"] {
            assert!(
                snap.files.contains_key(&format!("proc/{pid}/{name}")),
                "proc/{pid}/{name}"
            );
        }
    }
    assert_eq!(
        snap.text("proc/4242/cgroup"),
        "5:memory:/kubepods/besteffort/pod1234/abcd\n"
    );
    assert_eq!(
        snap.text("proc/4242/ns"),
        "mnt mnt:[4026532502]\nnet net:[4026532500]\npid pid:[4026532501]\n"
    );
    assert!(snap
        .text("proc/1/ns")
        .contains("pid_for_children pid:[4026531836]\n"));
    assert!(snap
        .text("proc/4242/stat")
        .starts_with("4242 (nginx: worker (x)) S"));
    assert_eq!(
        snap.files["proc/812/cmdline"],
        b"/usr/bin/dockerd\0-H\0fd://\0"
    );
}

#[test]
fn manifest_describes_the_fake_node_not_this_machine() {
    let tree = small_node("manifest");
    let (snap, _) = collect_ok(tree.root(), &[]);
    let manifest = &snap.manifest;
    assert_eq!(manifest.format_version, 3);
    assert_eq!(manifest.hostname.as_deref(), Some("fake-node-1"));
    assert_eq!(manifest.kernel.as_deref(), Some("3.10.0-1160.el7.x86_64"));
    assert_eq!(manifest.collector_pid, None);
    assert_eq!(manifest.options.cmdline, CmdlinePolicy::Redacted);
    assert!(manifest.started_at.ends_with('Z') && manifest.started_at.len() == 20);
    assert!(
        snap.top.starts_with("nodesnap-fake-node-1-"),
        "{}",
        snap.top
    );
    assert_eq!(manifest.counts.files as usize, snap.files.len());
    assert_eq!(
        manifest.counts.bytes,
        snap.files.values().map(|d| d.len() as u64).sum::<u64>()
    );
}

#[test]
fn node_files_are_copied_and_os_release_link_is_followed_inside_the_root() {
    let tree = small_node("nodefiles");
    let (snap, _) = collect_ok(tree.root(), &[]);
    assert_eq!(snap.text("proc/sys/kernel/hostname"), "fake-node-1\n");
    assert_eq!(snap.text("proc/sys/kernel/pid_max"), "4194304\n");
    assert!(snap.text("etc/os-release").contains("CentOS Linux"));
    assert!(snap.text("proc/version").contains("3.10.0"));
    // proc/self does not exist in the fake tree: a gap, not a failure.
    assert_eq!(snap.gap_reasons("proc/self/mountinfo"), vec!["not_found"]);
}

#[test]
fn passwd_and_group_are_reduced_to_names_and_ids() {
    let tree = small_node("identity");
    let (snap, _) = collect_ok(tree.root(), &[]);
    assert_eq!(
        snap.text("etc/passwd"),
        "root:x:0:0:::\nalice:x:1000:1000:::\n"
    );
    assert_eq!(snap.text("etc/group"), "root:x:0:\nwheel:x:10:\n");
}

#[test]
fn cgroup_tree_has_a_bundle_per_directory_with_only_the_listed_control_files() {
    let tree = small_node("cgroups");
    let (snap, _) = collect_ok(tree.root(), &[]);
    for dir in [
        "sys/fs/cgroup",
        "sys/fs/cgroup/memory",
        "sys/fs/cgroup/memory/kubepods",
        "sys/fs/cgroup/memory/kubepods/besteffort/pod1234/abcd",
        "sys/fs/cgroup/cpu,cpuacct",
    ] {
        assert!(snap.dirs.contains(dir), "{dir} in {:?}", snap.dirs);
    }
    assert_eq!(
        snap.text("sys/fs/cgroup/memory/kubepods/besteffort/pod1234/abcd/memory.limit_in_bytes"),
        "268435456\n"
    );
    assert!(!snap
        .files
        .contains_key("sys/fs/cgroup/memory/memory.numa_stat"));
    for path in snap.files.keys().filter(|p| p.starts_with("sys/")) {
        let name = path.rsplit('/').next().unwrap();
        assert!(
            CGROUP_FILES.contains(&name),
            "{path} is not a listed control file"
        );
    }
    // v1 alias links (cpu -> cpu,cpuacct) are not followed: no second copy under the alias.
    assert!(!snap.dirs.contains("sys/fs/cgroup/cpu"));
    assert!(!snap
        .files
        .keys()
        .any(|p| p.starts_with("sys/fs/cgroup/cpu/")));
    assert_eq!(snap.manifest.counts.cgroups as usize, snap.dirs.len());
}

#[test]
fn symlinks_pointing_out_of_the_tree_are_never_followed() {
    let tree = small_node("escape");
    tree.symlink("sys/fs/cgroup/memory/evil", "/etc");
    tree.symlink("proc/812/oom_score_adj.tmp", "/etc/shadow");
    std::fs::remove_file(tree.path("proc/812/cgroup")).unwrap();
    tree.symlink("proc/812/cgroup", "/proc/self/cgroup");
    tree.symlink("etc/hostname-link", "/etc/hostname");
    let (snap, _) = collect_ok(tree.root(), &[]);
    assert!(!snap.dirs.iter().any(|d| d.contains("evil")));
    assert!(!snap.files.contains_key("proc/812/cgroup"));
    assert_eq!(snap.gap_reasons("proc/812/cgroup"), vec!["not_regular"]);
    assert!(!snap
        .files
        .keys()
        .any(|p| p.contains("shadow") || p.contains("evil")));
}

#[test]
fn runtime_metadata_keeps_names_and_drops_environment_and_mounts() {
    let tree = small_node("runtime");
    let bundle = "run/containerd/io.containerd.runtime.v2.task/k8s.io/c0ffee";
    tree.file(
        &format!("{bundle}/config.json"),
        r#"{"process":{"env":["DB_PASSWORD=hunter2"]},"mounts":[{"source":"/srv/secret"}],
            "annotations":{"io.kubernetes.cri.container-name":"web","io.kubernetes.cri.image-name":"nginx:1",
            "io.kubernetes.cri.sandbox-id":"5a5a","other.key":"x"},
            "linux":{"cgroupsPath":"/kubepods/besteffort/pod1234/c0ffee","namespaces":[{"type":"network","path":"/proc/99/ns/net"},{"type":"pid"}]}}"#,
    )
    .file(&format!("{bundle}/init.pid"), "4242")
    .file(
        "var/lib/docker/containers/d0d0/config.v2.json",
        r#"{"ID":"d0d0","Name":"/k8s_web","State":{"Pid":812},"Config":{"Image":"busybox","Env":["TOKEN=abc"],"Labels":{"a":"b"}}}"#,
    )
    .file(
        "var/lib/containers/storage/overlay-containers/c1c1/userdata/config.json",
        r#"{"annotations":{"io.kubernetes.cri-o.ContainerName":"k8s_app","io.kubernetes.cri-o.Annotations":"{\"secret\":\"x\"}"}}"#,
    )
    .file(
        "var/lib/docker/containers/d0d0/hostconfig.json",
        r#"{"Binds":["/srv/binds:/data"],"NetworkMode":"container:5a5a","CgroupParent":"/kubepods/pod1"}"#,
    )
    .file("var/lib/containers/storage/overlay-containers/c1c1/userdata/pidfile", "77\n")
    .dir("var/log/pods/default_web_1234-5678/web")
    .dir("var/log/pods/default_web_1234-5678/sidecar")
    .symlink(
        "var/log/containers/web_default_web-c0ffee.log",
        "/var/log/pods/default_web_1234-5678/web/0.log",
    )
    .file("run/containerd/io.containerd.runtime.v2.task/k8s.io/broken/config.json", "{not json");
    let (snap, _) = collect_ok(tree.root(), &[]);
    let meta = serde_json::to_string(&snap.metadata).unwrap();
    for leaked in [
        "hunter2",
        "DB_PASSWORD",
        "/srv/secret",
        "TOKEN",
        "other.key",
        "\"secret\"",
    ] {
        assert!(!meta.contains(leaked), "{leaked} leaked into {meta}");
    }
    let containers = snap.metadata["containers"].as_array().unwrap();
    let web = containers.iter().find(|c| c["id"] == "c0ffee").unwrap();
    assert_eq!(web["source"], "containerd-task");
    assert_eq!(web["runtime_namespace"], "k8s.io");
    assert_eq!(web["name"], "web");
    assert_eq!(web["image"], "nginx:1");
    assert_eq!(web["pid"], 4242);
    assert_eq!(web["cgroups_path"], "/kubepods/besteffort/pod1234/c0ffee");
    assert_eq!(web["namespaces"][0]["path"], "/proc/99/ns/net");
    let docker = containers.iter().find(|c| c["id"] == "d0d0").unwrap();
    assert_eq!(docker["pid"], 812);
    assert_eq!(docker["name"], "k8s_web");
    assert_eq!(docker["namespaces"][0]["type"], "network");
    assert_eq!(docker["namespaces"][0]["path"], "container:5a5a");
    assert_eq!(docker["cgroups_path"], "/kubepods/pod1");
    assert!(!meta.contains("/srv/binds"));
    let crio = containers.iter().find(|c| c["id"] == "c1c1").unwrap();
    assert_eq!(crio["source"], "crio-userdata");
    assert_eq!(crio["pid"], 77);
    let pods = snap.metadata["pod_log_dirs"].as_array().unwrap();
    assert_eq!(pods[0]["name"], "default_web_1234-5678");
    assert_eq!(pods[0]["containers"], serde_json::json!(["sidecar", "web"]));
    assert_eq!(
        snap.metadata["container_log_links"][0]["target"],
        "/var/log/pods/default_web_1234-5678/web/0.log"
    );
    assert_eq!(
        snap.gap_reasons("run/containerd/io.containerd.runtime.v2.task/k8s.io/broken/config.json"),
        vec!["error"]
    );
    assert!(!snap
        .files
        .keys()
        .any(|p| p.starts_with("run/") || p.starts_with("var/")));
}

#[test]
fn runtimes_in_non_default_places_are_found_from_their_daemons_and_conmons() {
    let tree = small_node("discovery");
    // dockerd with its own containerd under a test directory, as docker 20.10 starts it.
    tree.process(&FakeProcess {
        pid: 3000,
        comm: "dockerd",
        cmdline: &[
            "/usr/sbin/dockerd",
            "-H",
            "unix:///srv/d/docker.sock",
            "--data-root",
            "/srv/d/data",
            "--exec-root",
            "/srv/d/exec",
        ],
        cgroup: "0::/\n",
        ns: &[],
    })
    .process(&FakeProcess {
        pid: 3010,
        comm: "containerd",
        cmdline: &[
            "containerd",
            "--config",
            "/srv/d/exec/containerd/containerd.toml",
        ],
        cgroup: "0::/\n",
        ns: &[],
    })
    .file(
        "srv/d/exec/containerd/containerd.toml",
        "root = \"/srv/d/data/containerd/daemon\"\nstate = \"/srv/d/exec/containerd/daemon\"\n[grpc]\n  address = \"/srv/d/exec/containerd/containerd.sock\"\n[plugins.cri]\n  sandbox_image = \"registry.example/pause:3.6\"\n[plugins.cri.registry.configs.\"registry.example\".auth]\n  password = \"hunter2\"\n",
    )
    .file(
        "srv/d/exec/containerd/daemon/io.containerd.runtime.v2.task/moby/a1a1/config.json",
        r#"{"process":{"env":["TOKEN=t0p"]},"annotations":{}}"#,
    )
    .file(
        "srv/d/data/containers/a1a1/config.v2.json",
        r#"{"ID":"a1a1","Name":"/web","Config":{"Image":"busybox:test"}}"#,
    )
    // podman on its own storage root, found through conmon's arguments.
    .process(&FakeProcess {
        pid: 4000,
        comm: "conmon",
        cmdline: &[
            "/usr/bin/conmon",
            "-c",
            "b2b2",
            "-b",
            "/srv/p/root/vfs-containers/b2b2/userdata",
            "-p",
            "/srv/p/run/vfs-containers/b2b2/userdata/pidfile",
            "--exit-command",
            "/usr/bin/podman",
            "--exit-command-arg",
            "--root",
            "--exit-command-arg",
            "/srv/p/root",
            "--exit-command-arg",
            "--runroot",
            "--exit-command-arg",
            "/srv/p/run",
        ],
        cgroup: "0::/\n",
        ns: &[],
    })
    .file(
        "srv/p/root/vfs-containers/b2b2/userdata/config.json",
        r#"{"annotations":{"io.kubernetes.cri-o.ContainerType":"container"}}"#,
    )
    .file("srv/p/run/vfs-containers/b2b2/userdata/pidfile", "4010\n")
    .file(
        "srv/p/root/vfs-containers/containers.json",
        r#"[{"id":"b2b2","names":["app"],"metadata":"{\"image-name\":\"localhost/busybox:test\",\"name\":\"app\"}"}]"#,
    );
    let (snap, _) = collect_ok(tree.root(), &[]);
    let meta = serde_json::to_string(&snap.metadata).unwrap();
    assert!(!meta.contains("TOKEN"), "{meta}");
    assert!(
        !meta.contains("hunter2"),
        "only paths leave a config: {meta}"
    );
    let daemons = snap.metadata["daemons"].as_array().unwrap();
    let containerd = daemons.iter().find(|d| d["pid"] == 3010).unwrap();
    assert_eq!(containerd["program"], "containerd");
    assert_eq!(containerd["state"], "/srv/d/exec/containerd/daemon");
    assert_eq!(
        containerd["address"],
        "/srv/d/exec/containerd/containerd.sock"
    );
    assert_eq!(containerd["sandbox_image"], "registry.example/pause:3.6");
    let dockerd = daemons.iter().find(|d| d["pid"] == 3000).unwrap();
    assert_eq!(dockerd["root"], "/srv/d/data");
    assert_eq!(dockerd["state"], "/srv/d/exec");
    assert_eq!(dockerd["address"], "/srv/d/docker.sock");
    let containers = snap.metadata["containers"].as_array().unwrap();
    let of = |id: &str, source: &str| {
        containers
            .iter()
            .find(|c| c["id"] == id && c["source"] == source)
            .unwrap_or_else(|| panic!("no {source} record of {id} in {meta}"))
    };
    assert_eq!(of("a1a1", "containerd-task")["runtime_namespace"], "moby");
    assert_eq!(of("a1a1", "docker")["image"], "busybox:test");
    assert_eq!(of("b2b2", "crio-userdata")["pid"], 4010);
    let storage = of("b2b2", "container-storage");
    assert_eq!(storage["name"], "app");
    assert_eq!(storage["image"], "localhost/busybox:test");
    assert_eq!(storage["pid"], 4010);
    // Default places that do not exist, and dockerd's absent daemon.json, are no gaps.
    let gap_paths: Vec<&str> = snap.manifest.gaps.iter().map(|g| g.path.as_str()).collect();
    assert!(
        gap_paths
            .iter()
            .all(|p| !p.contains("daemon.json") && !p.starts_with("etc/containerd")),
        "{gap_paths:?}"
    );
}

#[test]
fn default_output_is_named_after_host_and_time_in_the_working_directory() {
    let tree = small_node("default-name");
    let cwd = TempDir::new("cwd");
    let (output, _) = run_collector(
        &["--root", tree.root().to_str().unwrap()],
        Some(&cwd.path),
        Duration::from_secs(30),
    );
    assert!(output.status.success());
    let entries = cwd.entries();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let name = &entries[0];
    assert!(
        name.starts_with("nodesnap-fake-node-1-") && name.ends_with("Z.tar.gz"),
        "{name}"
    );
    let stamp = &name["nodesnap-fake-node-1-".len()..name.len() - ".tar.gz".len()];
    assert_eq!(stamp.len(), 16, "{stamp}");
    assert_eq!(&stamp[8..9], "T");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1);
    assert!(stdout.starts_with(name.as_str()), "{stdout}");
    assert!(stdout.contains("3 processes"), "{stdout}");
    let snap = read_snapshot(&cwd.path.join(name));
    assert_eq!(format!("{}.tar.gz", snap.top), *name);
}

#[test]
fn dash_output_streams_the_tarball_to_stdout() {
    let tree = small_node("stdout");
    let (output, _) = run_collector(
        &["--root", tree.root().to_str().unwrap(), "-o", "-"],
        None,
        Duration::from_secs(30),
    );
    assert!(output.status.success());
    let snap = read_snapshot_bytes(&output.stdout);
    assert_eq!(snap.manifest.counts.processes, 3);
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("-: 3 processes"));
}

#[test]
fn quiet_prints_nothing() {
    let tree = small_node("quiet");
    let out = TempDir::new("quiet-out");
    let target = out.path.join("s.tar.gz");
    let (output, _) = run_collector(
        &[
            "--root",
            tree.root().to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
            "--quiet",
        ],
        None,
        Duration::from_secs(30),
    );
    assert!(output.status.success());
    assert!(output.stdout.is_empty() && output.stderr.is_empty());
    assert!(target.exists());
}

#[test]
fn manifest_and_metadata_come_last_and_every_entry_sits_under_one_top_directory() {
    let tree = small_node("order");
    let (snap, _) = collect_ok(tree.root(), &[]);
    let top = format!("{}/", snap.top);
    assert!(snap.names.iter().all(|n| n.starts_with(&top)));
    assert_eq!(snap.names.last().unwrap(), &format!("{top}manifest.yaml"));
    assert_eq!(
        snap.names[snap.names.len() - 2],
        format!("{top}meta/runtime.json")
    );
}

#[test]
fn missing_root_is_a_clear_error() {
    let out = TempDir::new("noroot");
    let target = out.path.join("s.tar.gz");
    let (output, _) = run_collector(
        &[
            "--root",
            "/nonexistent/nodesnap-root",
            "-o",
            target.to_str().unwrap(),
        ],
        None,
        Duration::from_secs(30),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1);
    assert!(stderr.contains("/nonexistent/nodesnap-root"), "{stderr}");
    assert!(out.entries().is_empty());
}

#[test]
fn help_version_and_bad_arguments() {
    let (help, _) = run_collector(&["--help"], None, Duration::from_secs(10));
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(text.contains("Usage: collector [OPTIONS]") && text.contains("--read-timeout-ms"));
    let (version, _) = run_collector(&["--version"], None, Duration::from_secs(10));
    assert_eq!(
        String::from_utf8(version.stdout).unwrap(),
        format!("collector {}\n", env!("CARGO_PKG_VERSION"))
    );
    let (bad, _) = run_collector(&["--bogus"], None, Duration::from_secs(10));
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8(bad.stderr)
        .unwrap()
        .starts_with("collector: unexpected argument '--bogus'"));
}
