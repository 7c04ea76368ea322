//! Odd entries on a node and the gap each becomes, with the right reason: a cgroup or runtime
//! directory whose name is not UTF-8, a hostname too long for a directory name, namespace links
//! that are not links or point too far, and runtime configs that are FIFOs or symlinks. Nothing
//! is lost silently and nothing is reported as missing when it is there. (A cgroup tree deeper
//! than a snapshot name may be long: `tests/tests/limits.rs`, with the analyzer reading it.)

use crate::support::*;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::time::{Duration, Instant};

/// The gaps of `snap` as (path, reason, detail).
fn gaps(snap: &Snap) -> Vec<(String, String, String)> {
    snap.manifest
        .gaps
        .iter()
        .map(|g| {
            (
                g.path.clone(),
                g.reason.as_str().to_string(),
                g.detail.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn a_directory_whose_name_is_not_utf8_is_an_error_gap_not_a_missing_one() {
    let tree = small_node("not-utf8");
    let memory = tree.path("sys/fs/cgroup/memory");
    let bad = memory.join(OsStr::from_bytes(b"pod\xffbad"));
    fs::create_dir_all(bad.join("child")).unwrap();
    fs::write(bad.join("cgroup.procs"), "812\n").unwrap();
    let docker = tree.path("var/lib/docker/containers");
    fs::create_dir_all(docker.join(OsStr::from_bytes(b"c0\xfe"))).unwrap();
    let (snap, _) = collect_ok(tree.root(), &[]);
    let all = gaps(&snap);
    // The fake node has no mountinfo; nothing else is missing.
    let missing: Vec<_> = all
        .iter()
        .filter(|(path, reason, _)| reason == "not_found" && !path.ends_with("/mountinfo"))
        .collect();
    assert!(missing.is_empty(), "{missing:?}");
    for path in [
        r"sys/fs/cgroup/memory/pod\xffbad",
        r"var/lib/docker/containers/c0\xfe",
    ] {
        let gap = all
            .iter()
            .find(|(p, _, _)| p == path)
            .unwrap_or_else(|| panic!("no gap for {path}: {all:?}"));
        assert_eq!(gap.1, "error", "{gap:?}");
        assert!(gap.2.contains("not UTF-8"), "{gap:?}");
    }
    // Its siblings are collected as usual.
    assert!(snap
        .dirs
        .contains("sys/fs/cgroup/memory/kubepods/besteffort/pod1234/abcd"));
    assert!(!snap.names.iter().any(|n| n.contains('\u{fffd}')));
}

#[test]
fn a_hostname_of_any_length_keeps_the_top_directory_short() {
    let tree = small_node("long-host");
    tree.file(
        "proc/sys/kernel/hostname",
        format!("{}\n", "h".repeat(3000)),
    );
    let (snap, _) = collect_ok(tree.root(), &[]);
    assert_eq!(
        snap.top.len(),
        "nodesnap--20260101T000000Z".len() + nodesnap_format::MAX_TOP_HOSTNAME_BYTES
    );
    assert_eq!(snap.manifest.hostname.as_deref(), Some(&*"h".repeat(3000)));
}

#[test]
fn malformed_namespace_links_get_their_own_reason_not_permission_denied() {
    let tree = small_node("bad-ns");
    tree.process(&FakeProcess {
        pid: 7100,
        comm: "odd",
        cmdline: &["odd"],
        cgroup: "5:memory:/\n",
        ns: &[("pid", "pid:[4026531836]"), ("uts", "uts:[4026531838]")],
    });
    tree.dir("proc/7100/ns/net")
        .file("proc/7100/ns/ipc", "ipc:[4026531839]")
        .symlink("proc/7100/ns/mnt", &format!("mnt:[{}]", "9".repeat(3990)));
    let (snap, _) = collect_ok(tree.root(), &[]);
    assert_eq!(
        snap.text("proc/7100/ns"),
        "pid pid:[4026531836]\nuts uts:[4026531838]\n"
    );
    let of_process: Vec<_> = gaps(&snap)
        .into_iter()
        .filter(|(path, _, _)| path.starts_with("proc/7100"))
        .collect();
    let reasons: Vec<(&str, &str)> = of_process
        .iter()
        .map(|(path, reason, _)| (path.as_str(), reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("proc/7100/ns/ipc", "not_regular"),
            ("proc/7100/ns/mnt", "error"),
            ("proc/7100/ns/net", "not_regular"),
        ],
        "{of_process:?}"
    );
    assert!(of_process[1].2.contains("longer than 255 bytes"));
}

#[test]
fn fifos_and_symlinks_in_place_of_runtime_configs_are_not_regular_gaps_at_once() {
    let tree = small_node("bad-configs");
    let task = "run/containerd/io.containerd.runtime.v2.task/k8s.io";
    tree.fifo(&format!("{task}/fifo0/config.json"))
        .file("elsewhere/config.json", r#"{"annotations":{}}"#)
        .symlink(
            &format!("{task}/link0/config.json"),
            "/elsewhere/config.json",
        )
        .file(
            &format!("{task}/pidfifo/config.json"),
            r#"{"annotations":{}}"#,
        )
        .fifo(&format!("{task}/pidfifo/init.pid"))
        .fifo("var/lib/containers/storage/overlay-containers/c1c1/userdata/config.json")
        .fifo("var/lib/docker/containers/d0d0/config.v2.json")
        .symlink(
            "var/lib/docker/containers/d1d1/config.v2.json",
            "/elsewhere/config.json",
        );
    let started = Instant::now();
    let (snap, _) = collect_ok(tree.root(), &["--read-timeout-ms", "5000"]);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "a FIFO was waited on"
    );
    for path in [
        format!("{task}/fifo0/config.json"),
        format!("{task}/link0/config.json"),
        format!("{task}/pidfifo/init.pid"),
        "var/lib/containers/storage/overlay-containers/c1c1/userdata/config.json".to_string(),
        "var/lib/docker/containers/d0d0/config.v2.json".to_string(),
        "var/lib/docker/containers/d1d1/config.v2.json".to_string(),
    ] {
        assert_eq!(snap.gap_reasons(&path), ["not_regular"], "{path}");
    }
    // The config beside the FIFO pid file is kept.
    let containers = snap.metadata["containers"].as_array().unwrap();
    assert!(containers.iter().any(|c| c["id"] == "pidfifo"));
    assert!(!containers
        .iter()
        .any(|c| c["id"] == "link0" || c["id"] == "fifo0"));
}
