//! The signals in the model (issue 15): cgroup pressure, memory breakdown, local memory events
//! and dying descendants on v1, v2 and hybrid nodes; the node's pressure, headroom and the
//! kubelet's cgroup driver; the wchan of D-state processes; and the live kernel's pressure.

use super::testkit::{Fs, NodeBuilder, Proc};
use super::*;
use nodesnap_format::{DaemonRecord, Gap, GapReason};

const PSI: &str = "some avg10=42.50 avg60=30.00 avg300=10.25 total=9000000\n\
                   full avg10=20.00 avg60=12.00 avg300=4.00 total=4000000\n";
const POD: &str = "/kubepods/burstable/pod1234";
const MIB: u64 = 1 << 20;

fn cgroup<'m>(model: &'m Model, path: &str) -> &'m Cgroup {
    let path = CgroupPath::new(path).unwrap();
    model.cgroups.iter().find(|c| c.path == path).unwrap()
}

#[test]
fn a_v2_cgroup_has_pressure_memory_breakdown_local_events_and_dying_descendants() {
    let mut node = NodeBuilder::new(Fs::V2);
    node.process(Proc::new(100, 1, "app", "app").cgroup(POD));
    for file in ["cpu.pressure", "memory.pressure", "io.pressure"] {
        node.cgroup_file(POD, file, PSI);
    }
    node.cgroup_file(POD, "memory.current", &format!("{}\n", 512 * MIB))
        .cgroup_file(
            POD,
            "memory.stat",
            &format!(
                "anon {}\nfile {}\nslab {}\nslab_reclaimable {}\ninactive_file {}\n",
                100 * MIB,
                400 * MIB,
                12 * MIB,
                10 * MIB,
                300 * MIB
            ),
        )
        .cgroup_file(
            POD,
            "memory.events",
            "low 0\nhigh 0\nmax 9\noom 6\noom_kill 6\n",
        )
        .cgroup_file(
            POD,
            "memory.events.local",
            "low 0\nhigh 0\nmax 3\noom 3\noom_kill 0\n",
        )
        .cgroup_file(
            POD,
            "cgroup.stat",
            "nr_descendants 2\nnr_dying_descendants 57\n",
        );
    let model = build(&node.build());
    assert!(model.gaps.is_empty(), "{:?}", model.gaps);
    let usage = &cgroup(&model, POD).usage;
    let memory = usage.pressure.memory.unwrap();
    assert_eq!(memory.some.unwrap().avg10, 42.5);
    assert_eq!(memory.full.unwrap().avg60, 12.0);
    assert_eq!(usage.pressure.io.unwrap().some.unwrap().total, 9_000_000);
    let breakdown = usage.memory_breakdown.unwrap();
    assert_eq!(breakdown.anon_bytes, Some(100 * MIB));
    assert_eq!(breakdown.slab_reclaimable_bytes, Some(10 * MIB));
    assert_eq!(breakdown.working_set_bytes, Some(212 * MIB));
    // Counted once (model::counted_once): the pod's own, from memory.events.local; the
    // kernel's hierarchical 6 stays in subtree.
    assert_eq!(usage.memory_oom_events, Some(3));
    assert_eq!(usage.subtree.and_then(|s| s.memory_oom_events), Some(6));
    assert_eq!(
        usage.events_counted,
        Some(crate::model::EventsCounted::Local)
    );
    let local = usage.memory_events_local.unwrap();
    assert_eq!(
        (local.oom, local.oom_kill, local.max),
        (Some(3), Some(0), Some(3))
    );
    assert_eq!(
        (usage.nr_descendants, usage.nr_dying_descendants),
        (Some(2), Some(57))
    );
    // The cgroup's parent has none of the files: nothing is made up.
    let parent = &cgroup(&model, "/kubepods/burstable").usage;
    assert_eq!(parent.pressure, Pressure::default());
    assert_eq!(
        (parent.memory_breakdown, parent.memory_events_local),
        (None, None)
    );
}

#[test]
fn a_v1_cgroup_has_a_memory_breakdown_from_the_totals_and_no_pressure() {
    let mut node = NodeBuilder::new(Fs::V1);
    node.process(Proc::new(100, 1, "app", "app").cgroup(POD));
    node.cgroup_file(POD, "memory.usage_in_bytes", "1000\n")
        .cgroup_file(
            POD,
            "memory.stat",
            "cache 1\nrss 2\ntotal_cache 600\ntotal_rss 300\ntotal_shmem 20\n\
         total_inactive_file 1200\ntotal_active_file 10\n",
        );
    let model = build(&node.build());
    assert!(model.gaps.is_empty(), "{:?}", model.gaps);
    let usage = &cgroup(&model, POD).usage;
    let breakdown = usage.memory_breakdown.unwrap();
    assert_eq!(
        (breakdown.anon_bytes, breakdown.file_bytes),
        (Some(300), Some(600))
    );
    assert_eq!(
        breakdown.working_set_bytes,
        Some(0),
        "inactive cache over usage"
    );
    assert_eq!(breakdown.slab_bytes, None);
    assert!(!usage.pressure.is_known());
    assert_eq!(usage.nr_dying_descendants, None);
}

#[test]
fn a_hybrid_cgroup_takes_pressure_and_cgroup_stat_from_the_unified_hierarchy() {
    let mut node = NodeBuilder::new(Fs::Hybrid);
    node.process(Proc::new(100, 1, "app", "app").cgroup(POD));
    node.cgroup_file(POD, "memory.usage_in_bytes", "100\n");
    node.file(&format!("sys/fs/cgroup/unified{POD}/cpu.pressure"), PSI)
        .file(
            &format!("sys/fs/cgroup/unified{POD}/cgroup.stat"),
            "nr_descendants 0\nnr_dying_descendants 4\n",
        );
    let model = build(&node.build());
    let usage = &cgroup(&model, POD).usage;
    assert_eq!(usage.pressure.cpu.unwrap().some.unwrap().avg300, 10.25);
    assert_eq!(usage.pressure.memory, None);
    assert_eq!(usage.nr_dying_descendants, Some(4));
    assert_eq!(
        usage.memory_current_bytes,
        Some(100),
        "memory still from v1"
    );
}

#[test]
fn malformed_signal_files_are_unreadable_gaps_not_values() {
    let mut node = NodeBuilder::new(Fs::V2);
    node.process(Proc::new(100, 1, "app", "app").cgroup(POD));
    node.cgroup_file(POD, "memory.pressure", "some avg10=lots\n")
        .cgroup_file(POD, "memory.stat", "anon x\n")
        .file("proc/pressure/io", "garbage\n")
        .file("proc/sys/fs/file-nr", "1 2\n");
    let model = build(&node.build());
    let paths: Vec<&str> = model.gaps.iter().map(|g| g.path.as_str()).collect();
    for path in [
        "sys/fs/cgroup/kubepods/burstable/pod1234/memory.pressure",
        "sys/fs/cgroup/kubepods/burstable/pod1234/memory.stat",
        "proc/pressure/io",
        "proc/sys/fs/file-nr",
    ] {
        assert!(paths.contains(&path), "{path} in {paths:?}");
    }
    assert!(model.gaps.iter().all(|g| g.reason == GapReason::Unreadable));
    assert_eq!(cgroup(&model, POD).usage.memory_breakdown, None);
    assert_eq!(model.node.pressure.io, None);
    assert_eq!(model.node.headroom.file_handles, None);
}

#[test]
fn the_node_has_pressure_and_headroom_from_its_files_and_threads() {
    let mut node = NodeBuilder::new(Fs::V2);
    node.process(Proc::new(1, 0, "init", "init"));
    node.process(Proc::new(100, 1, "app", "app"));
    node.file(
        "proc/pressure/cpu",
        "some avg10=1.00 avg60=2.00 avg300=3.00 total=4\n",
    )
    .file("proc/pressure/memory", PSI)
    .file("proc/sys/net/netfilter/nf_conntrack_count", "196000\n")
    .file("proc/sys/net/netfilter/nf_conntrack_max", "262144\n")
    .file("proc/sys/fs/inotify/max_user_watches", "8192\n")
    .file("proc/sys/fs/inotify/max_user_instances", "128\n")
    .file("proc/sys/kernel/threads-max", "8\n")
    .file("proc/sys/fs/file-nr", "5000\t0\t100000\n")
    .file("proc/sys/fs/file-max", "200000\n");
    let model = build(&node.build());
    assert!(model.gaps.is_empty(), "{:?}", model.gaps);
    let n = &model.node;
    assert_eq!(
        n.pressure.cpu.unwrap().full,
        None,
        "an old kernel's cpu line"
    );
    assert_eq!(n.pressure.memory.unwrap().some.unwrap().avg10, 42.5);
    assert_eq!(n.pressure.io, None, "not collected");
    let h = &n.headroom;
    let conntrack = h.conntrack.unwrap();
    assert_eq!((conntrack.used, conntrack.max), (Some(196_000), 262_144));
    assert!((conntrack.fraction.unwrap() - 0.7477).abs() < 0.0001);
    let watches = h.inotify_watches.unwrap();
    assert_eq!(
        (watches.used, watches.max, watches.fraction),
        (None, 8192, None)
    );
    assert_eq!(h.inotify_instances.unwrap().max, 128);
    // Two processes of one thread each.
    assert_eq!(h.threads.unwrap().used, Some(2));
    assert_eq!(h.threads.unwrap().fraction, Some(0.25));
    assert_eq!(
        (h.pids.unwrap().used, h.pids.unwrap().max),
        (Some(2), 32768)
    );
    let files = h.file_handles.unwrap();
    assert_eq!(
        (files.used, files.max),
        (Some(5000), 200_000),
        "file-max wins"
    );
}

#[test]
fn a_node_without_the_signal_files_knows_none_of_them() {
    let mut node = NodeBuilder::new(Fs::V1);
    node.process(Proc::new(1, 0, "init", "init"));
    node.remove("proc/sys/kernel/pid_max");
    let model = build(&node.build());
    assert_eq!(model.node.pressure, Pressure::default());
    assert_eq!(model.node.headroom, Headroom::default());
    assert_eq!(model.node.kubelet_cgroup_driver, None, "no kubelet");
}

#[test]
fn wchan_names_what_a_d_state_process_waits_in() {
    let mut node = NodeBuilder::new(Fs::V2);
    node.process(Proc::new(100, 1, "nfs-reader", "cat /mnt/nfs/x").state('D'));
    node.process(Proc::new(101, 1, "woke", "woke").state('D'));
    node.file("proc/100/wchan", "rpc_wait_bit_killable")
        .file("proc/101/wchan", "0");
    let model = build(&node.build());
    let wchan = |pid: u32| {
        let p = model.processes.iter().find(|p| p.pid == Pid(pid)).unwrap();
        p.wchan.clone()
    };
    assert_eq!(wchan(100).as_deref(), Some("rpc_wait_bit_killable"));
    assert_eq!(wchan(101), None, "the kernel did not say");
}

fn kubelet_node(argv: &str, record: Option<DaemonRecord>) -> NodeBuilder {
    let mut node = NodeBuilder::new(Fs::V2);
    node.process(Proc::new(900, 1, "kubelet", argv));
    node.metadata().daemons.extend(record);
    node
}

fn kubelet_record(config: Option<&str>, driver: Option<(&str, &str)>) -> DaemonRecord {
    DaemonRecord {
        pid: 900,
        program: "kubelet".into(),
        config: config.map(str::to_string),
        cgroup_driver: driver.map(|(d, _)| d.to_string()),
        cgroup_driver_from: driver.map(|(_, f)| f.to_string()),
        ..DaemonRecord::default()
    }
}

#[test]
fn the_kubelets_driver_follows_its_flag_then_its_config_then_the_default() {
    let driver = |node: NodeBuilder| build(&node.build()).node.kubelet_cgroup_driver;
    let of = |driver, source| Some(KubeletCgroupDriver { driver, source });
    let config = "/var/lib/kubelet/config.yaml";
    let from_config = kubelet_record(Some(config), Some(("systemd", "config")));
    assert_eq!(
        driver(kubelet_node(
            "kubelet --config /var/lib/kubelet/config.yaml",
            Some(from_config)
        )),
        of(CgroupDriver::Systemd, DriverSource::Config)
    );
    let flagged = kubelet_record(Some(config), Some(("cgroupfs", "flag")));
    assert_eq!(
        driver(kubelet_node(
            "kubelet --cgroup-driver=cgroupfs",
            Some(flagged)
        )),
        of(CgroupDriver::Cgroupfs, DriverSource::Flag)
    );
    let neither = kubelet_record(Some(config), None);
    assert_eq!(
        driver(kubelet_node("kubelet", Some(neither.clone()))),
        of(CgroupDriver::Cgroupfs, DriverSource::Default)
    );
    let mut unread = kubelet_node("kubelet", Some(neither));
    unread.gap(Gap {
        path: "var/lib/kubelet/config.yaml".into(),
        reason: GapReason::PermissionDenied,
        detail: None,
    });
    assert_eq!(driver(unread), None, "its config may name the driver");
    let odd = kubelet_record(None, Some(("weird", "flag")));
    assert_eq!(
        driver(kubelet_node("kubelet", Some(odd))),
        of(CgroupDriver::Unknown, DriverSource::Flag)
    );
    // Older snapshots have no record: the command line alone.
    assert_eq!(
        driver(kubelet_node("kubelet --cgroup-driver systemd", None)),
        of(CgroupDriver::Systemd, DriverSource::Flag)
    );
    assert_eq!(driver(kubelet_node("kubelet --v=2", None)), None);
}

/// The live kernel's pressure files, collected and read like any snapshot: on this machine
/// the v2 hierarchy of a hybrid setup at /sys/fs/cgroup/unified, elsewhere a pure v2 one.
#[test]
fn the_live_kernels_pressure_reaches_the_node_and_the_root_cgroup() {
    use nodesnap_testing::require;
    let live = std::path::Path::new("/");
    require!(
        live.join("proc/pressure/cpu").exists(),
        "this kernel has no pressure stall information (/proc/pressure/cpu)"
    );
    let unified = ["sys/fs/cgroup/unified", "sys/fs/cgroup"]
        .into_iter()
        .find(|dir| {
            live.join(dir).join("cgroup.procs").exists()
                && live.join(dir).join("cpu.pressure").exists()
        });
    require!(
        unified.is_some(),
        "no v2 cgroup hierarchy with cpu.pressure"
    );
    require!(
        nodesnap_testing::is_root(),
        "collecting the live node needs root"
    );
    let unified = live.join(unified.unwrap_or_default());
    // A cgroup of this test's own in the v2 hierarchy, removed however the test ends.
    struct Removed(std::path::PathBuf);
    impl Drop for Removed {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir(&self.0);
        }
    }
    let name = format!("nodesnap-signals-{}", std::process::id());
    let child = Removed(unified.join(&name));
    let made = std::fs::create_dir(&child.0);
    require!(made.is_ok(), "cannot make a v2 cgroup: {made:?}");
    let dir = nodesnap_fixtures::TempDir::new("analyzer-live-signals");
    let tarball = dir.join("live.tar.gz");
    let mut config = collector::Config::new(
        live.to_path_buf(),
        collector::OutputTarget::Path(tarball.clone()),
    );
    config.cmdline = nodesnap_format::CmdlinePolicy::Dropped;
    collector::collect(&config, &mut |_| {}).expect("collecting the live node");
    let snapshot = crate::snapshot::load(&tarball).expect("loading the live snapshot");
    let model = build(&snapshot);
    let cpu = model.node.pressure.cpu.expect("node cpu pressure");
    let some = cpu.some.expect("a some line");
    assert!(
        (0.0..=100.0).contains(&some.avg10) && some.total > 0,
        "{some:?}"
    );
    assert!(model.node.pressure.memory.is_some() && model.node.pressure.io.is_some());
    let root = cgroup(&model, "/");
    let root_cpu = root
        .usage
        .pressure
        .cpu
        .expect("the root cgroup's cpu.pressure");
    assert!(root_cpu.some.is_some(), "{root_cpu:?}");
    assert!(
        root.usage.nr_descendants.is_some_and(|n| n > 0),
        "cgroup.stat of the root"
    );
    let ours = cgroup(&model, &format!("/{name}"));
    let memory = ours
        .usage
        .pressure
        .memory
        .expect("the test cgroup's memory.pressure");
    assert_eq!(memory.some.map(|s| s.avg10), Some(0.0), "nothing ran in it");
    assert_eq!(ours.usage.nr_descendants, Some(0));
    let threads = model.node.headroom.threads.expect("threads-max");
    assert!(
        threads.used.is_some_and(|u| u > 1) && threads.max > 1,
        "{threads:?}"
    );
    assert!(model.node.headroom.file_handles.is_some() && model.node.headroom.pids.is_some());
}
