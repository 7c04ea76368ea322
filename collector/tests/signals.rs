//! The signal files (issue 15): optional node files, the cgroup pressure and memory files, the
//! wchan of D-state processes, and the kubelet's cgroup driver, nothing else of its config.

use crate::support::*;
use nodesnap_format::OPTIONAL_NODE_FILES;

const PSI: &str = "some avg10=1.00 avg60=0.50 avg300=0.10 total=12345\n\
                   full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";

#[test]
fn optional_node_files_are_copied_when_present_and_no_gap_when_absent() {
    let tree = small_node("signals-node");
    for rel in [
        "proc/pressure/cpu",
        "proc/pressure/memory",
        "proc/pressure/io",
    ] {
        tree.file(rel, PSI);
    }
    tree.file("proc/sys/kernel/threads-max", "63452\n")
        .file("proc/sys/fs/file-max", "9223372036854775807\n")
        .file("proc/sys/fs/inotify/max_user_watches", "8192\n");
    // Not a regular file: unreadable, so a gap, unlike the absent conntrack files.
    tree.fifo("proc/sys/fs/file-nr");
    let (snap, _) = collect_ok(tree.root(), &[]);
    assert_eq!(snap.text("proc/pressure/memory"), PSI);
    assert_eq!(snap.text("proc/sys/kernel/threads-max"), "63452\n");
    assert_eq!(snap.text("proc/sys/fs/inotify/max_user_watches"), "8192\n");
    assert_eq!(snap.gap_reasons("proc/sys/fs/file-nr"), ["not_regular"]);
    for absent in [
        "proc/sys/net/netfilter/nf_conntrack_count",
        "proc/sys/net/netfilter/nf_conntrack_max",
        "proc/sys/fs/inotify/max_user_instances",
    ] {
        assert!(OPTIONAL_NODE_FILES.contains(&absent));
        assert!(!snap.files.contains_key(absent), "{absent}");
        assert!(snap.gap_reasons(absent).is_empty(), "{absent}: no gap");
    }
}

#[test]
fn cgroup_signal_files_are_bundled_with_the_other_control_files() {
    let tree = small_node("signals-cgroup");
    let v2 = [
        ("cgroup.procs", "4242\n"),
        ("cgroup.stat", "nr_descendants 2\nnr_dying_descendants 40\n"),
        ("cpu.pressure", PSI),
        ("memory.pressure", PSI),
        ("io.pressure", PSI),
        ("memory.stat", "anon 1\nfile 2\n"),
        (
            "memory.events.local",
            "low 0\nhigh 0\nmax 0\noom 1\noom_kill 1\n",
        ),
        ("cgroup.pressure", "1\n"),
    ];
    tree.cgroup("unified/kubepods/pod1234", &v2);
    tree.cgroup(
        "memory/kubepods/pod1234",
        &[("memory.stat", "total_rss 5\n")],
    );
    let (snap, _) = collect_ok(tree.root(), &[]);
    let names: Vec<&str> = snap.bundles["sys/fs/cgroup/unified/kubepods/pod1234"]
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "cgroup.procs",
            "cgroup.stat",
            "cpu.pressure",
            "memory.pressure",
            "io.pressure",
            "memory.events.local",
            "memory.stat",
        ],
        "cgroup.pressure (the on/off switch) is not a signal"
    );
    assert_eq!(
        snap.text("sys/fs/cgroup/memory/kubepods/pod1234/memory.stat"),
        "total_rss 5\n"
    );
}

#[test]
fn wchan_is_read_for_d_state_processes_only() {
    let tree = small_node("signals-wchan");
    let stat = |pid: u32, state: char| {
        format!("{pid} (app) {state} 1 {pid} {pid} 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 100 1000000 200 1\n")
    };
    tree.file("proc/4242/stat", stat(4242, 'D'))
        .file("proc/4242/wchan", "rpc_wait_bit_killable")
        .file("proc/812/stat", stat(812, 'S'))
        .file("proc/812/wchan", "do_epoll_wait");
    let (snap, _) = collect_ok(tree.root(), &[]);
    let last = snap.bundles["proc/4242"].last().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_slice()),
        ("wchan", b"rpc_wait_bit_killable".as_slice())
    );
    assert!(!snap.files.contains_key("proc/812/wchan"));
    assert!(snap.gap_reasons("proc/812/wchan").is_empty());
}

#[test]
fn the_kubelet_config_gives_its_cgroup_driver_and_nothing_else() {
    let tree = small_node("signals-kubelet");
    tree.process(&FakeProcess {
        pid: 900,
        comm: "kubelet",
        cmdline: &["/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml"],
        cgroup: "5:memory:/\n",
        ns: HOST_NS,
    });
    tree.file(
        "var/lib/kubelet/config.yaml",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n\
         staticPodPath: /etc/kubernetes/manifests\ntlsPrivateKeyFile: /SECRET-key-path\n\
         cgroupDriver: systemd\n",
    );
    let (snap, _) = collect_ok(tree.root(), &[]);
    let kubelet = snap.metadata["daemons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["program"] == "kubelet")
        .expect("a kubelet record");
    assert_eq!(kubelet["pid"], 900);
    assert_eq!(kubelet["config"], "/var/lib/kubelet/config.yaml");
    assert_eq!(kubelet["cgroup_driver"], "systemd");
    assert_eq!(kubelet["cgroup_driver_from"], "config");
    assert!(!snap.files.keys().any(|p| p.contains("kubelet/config")));
    let everything = serde_json::to_string(&snap.metadata).unwrap();
    assert!(!everything.contains("SECRET") && !everything.contains("staticPodPath"));
}
