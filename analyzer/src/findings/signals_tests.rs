//! Issue 15's rules on the new signals (pressure, memory breakdown, dying cgroups, node
//! headroom, wchan) on v1 and v2 nodes: each fires on a node built to show it, stays quiet on
//! one that does not, and its thresholds hold at their edges.

use super::rules_tests::pod_node_on;
use super::*;

const MIB: u64 = 1 << 20;

fn psi(some10: f64, some60: f64, full10: f64, full60: f64) -> String {
    format!(
        "some avg10={some10:.2} avg60={some60:.2} avg300=1.00 total=100\n\
         full avg10={full10:.2} avg60={full60:.2} avg300=0.50 total=50\n"
    )
}

fn subjects(node: &NodeBuilder, rule: &Rule) -> Vec<Subject> {
    findings_of(node, rule)
        .into_iter()
        .map(|f| f.subject)
        .collect()
}

fn cgroup(path: &str) -> Subject {
    Subject::Cgroup(CgroupPath::new(path).unwrap())
}

// memory-pressure, cpu-pressure, io-pressure

#[test]
fn pressure_at_its_thresholds_fires_for_the_container_and_the_node() {
    for (rule, file) in [
        (&MEMORY_PRESSURE, "memory"),
        (&CPU_PRESSURE, "cpu"),
        (&IO_PRESSURE, "io"),
    ] {
        let mut node = pod_node_on(Fs::V2);
        // some avg60 exactly 20%: fires; the pod's too, but its container explains it.
        node.cgroup_file(
            &app_path(),
            &format!("{file}.pressure"),
            &psi(1.0, 20.0, 0.0, 0.0),
        );
        node.cgroup_file(
            &pod_path(),
            &format!("{file}.pressure"),
            &psi(1.0, 20.0, 0.0, 0.0),
        );
        // full avg10 exactly 5% on the node.
        node.file(&format!("proc/pressure/{file}"), &psi(0.0, 0.0, 5.0, 0.0));
        let found = findings_of(&node, rule);
        assert_eq!(
            found.iter().map(|f| &f.subject).collect::<Vec<_>>(),
            [&Subject::Node, &cgroup(&app_path())],
            "{file}: {found:?}"
        );
        assert!(found[0]
            .message
            .ends_with(&format!("stalled on {file}: full avg10 5.0%")));
        assert!(found[1].message.ends_with("some avg60 20.0%"), "{found:?}");
        // Just below both thresholds: quiet.
        let mut quiet = pod_node_on(Fs::V2);
        quiet.cgroup_file(
            &app_path(),
            &format!("{file}.pressure"),
            &psi(19.99, 19.99, 4.99, 4.99),
        );
        quiet.file(
            &format!("proc/pressure/{file}"),
            &psi(19.99, 0.0, 4.99, 0.0),
        );
        assert!(findings_of(&quiet, rule).is_empty(), "{file}");
    }
}

#[test]
fn a_pods_pressure_without_a_container_to_explain_it_is_the_pods() {
    let mut node = pod_node_on(Fs::V2);
    node.cgroup_file(&pod_path(), "memory.pressure", &psi(30.0, 25.0, 0.0, 0.0));
    assert_eq!(subjects(&node, &MEMORY_PRESSURE), [cgroup(&pod_path())]);
}

#[test]
fn v1_has_no_pressure_files_and_no_pressure_findings() {
    let node = pod_node_on(Fs::V1);
    for rule in [&MEMORY_PRESSURE, &CPU_PRESSURE, &IO_PRESSURE] {
        assert!(findings_of(&node, rule).is_empty());
        healthy_is_quiet(rule);
    }
}

// memory-mostly-reclaimable, slab-dominates

/// The app's cgroup with a limit of 100 MiB and `used` MiB, of which `cache` MiB page cache
/// (`shmem` of it tmpfs) and `slab` MiB slab, `slab_reclaimable` of it reclaimable.
fn memory(
    fs: Fs,
    used: u64,
    cache: u64,
    shmem: u64,
    slab: u64,
    slab_reclaimable: u64,
) -> NodeBuilder {
    let mut node = pod_node_on(fs);
    let app = app_path();
    match fs {
        Fs::V2 => {
            node.cgroup_file(&app, "memory.max", &format!("{}\n", 100 * MIB));
            node.cgroup_file(&app, "memory.current", &format!("{}\n", used * MIB));
            node.cgroup_file(
                &app,
                "memory.stat",
                &format!(
                    "anon {}\nfile {}\nshmem {}\nslab {}\nslab_reclaimable {}\ninactive_file {}\n",
                    (used - cache - slab) * MIB,
                    cache * MIB,
                    shmem * MIB,
                    slab * MIB,
                    slab_reclaimable * MIB,
                    cache / 2 * MIB
                ),
            );
        }
        _ => {
            node.cgroup_file(&app, "memory.limit_in_bytes", &format!("{}\n", 100 * MIB));
            node.cgroup_file(&app, "memory.usage_in_bytes", &format!("{}\n", used * MIB));
            node.cgroup_file(
                &app,
                "memory.stat",
                &format!(
                    "total_rss {}\ntotal_cache {}\ntotal_shmem {}\ntotal_inactive_file {}\n",
                    (used - cache) * MIB,
                    cache * MIB,
                    shmem * MIB,
                    cache / 2 * MIB
                ),
            );
        }
    }
    node
}

#[test]
fn near_the_limit_with_half_of_it_reclaimable_is_mostly_reclaimable_on_v1_and_v2() {
    for fs in [Fs::V1, Fs::V2] {
        // 90 MiB of 100 (90%), 45 MiB of it page cache (50%): both edges reached.
        let found = findings_of(&memory(fs, 90, 45, 0, 0, 0), &MEMORY_MOSTLY_RECLAIMABLE);
        assert_eq!(found.len(), 1, "{fs:?}: {found:?}");
        assert_eq!(found[0].subject, cgroup(&app_path()));
        assert!(
            found[0].message.contains("uses 90 MiB of its memory limit 100 MiB (90%), but 45 MiB of it is reclaimable (50%"),
            "{}",
            found[0].message
        );
        // 89 MiB is below 90%; 44 MiB of cache below half; tmpfs is not reclaimable.
        for quiet in [
            memory(fs, 89, 45, 0, 0, 0),
            memory(fs, 90, 44, 0, 0, 0),
            memory(fs, 90, 45, 1, 0, 0),
        ] {
            assert!(
                findings_of(&quiet, &MEMORY_MOSTLY_RECLAIMABLE).is_empty(),
                "{fs:?}"
            );
        }
    }
    // v2 counts reclaimable slab too: 40 MiB cache and 5 MiB reclaimable slab of 90.
    assert_eq!(
        findings_of(&memory(Fs::V2, 90, 40, 0, 6, 5), &MEMORY_MOSTLY_RECLAIMABLE).len(),
        1
    );
}

#[test]
fn slab_at_half_of_at_least_64_mib_dominates_on_v2_only() {
    // 80 MiB used, 40 MiB slab: 50%.
    let found = findings_of(&memory(Fs::V2, 80, 10, 0, 40, 30), &SLAB_DOMINATES);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .message
            .ends_with("slab is 40 MiB of its 80 MiB (50%), 30 MiB of it reclaimable"),
        "{}",
        found[0].message
    );
    assert!(findings_of(&memory(Fs::V2, 80, 10, 0, 39, 30), &SLAB_DOMINATES).is_empty());
    // 63 MiB used is too little to say.
    assert!(findings_of(&memory(Fs::V2, 63, 1, 0, 60, 0), &SLAB_DOMINATES).is_empty());
    // v1's memory.stat has no slab.
    assert!(findings_of(&memory(Fs::V1, 80, 10, 0, 0, 0), &SLAB_DOMINATES).is_empty());
}

// dying-cgroups

#[test]
fn a_thousand_dying_descendants_fire_once_at_the_topmost_cgroup() {
    let mut node = pod_node_on(Fs::V2);
    node.cgroup_file(
        "/kubepods",
        "cgroup.stat",
        "nr_descendants 5\nnr_dying_descendants 1000\n",
    );
    node.cgroup_file(
        "/kubepods/burstable",
        "cgroup.stat",
        "nr_descendants 4\nnr_dying_descendants 1000\n",
    );
    let found = findings_of(&node, &DYING_CGROUPS);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].subject, cgroup("/kubepods"));
    assert!(
        found[0].message.ends_with("holds 1000 dying descendant cgroups (and 5 live ones); 1000 of them below /kubepods/burstable"),
        "{}",
        found[0].message
    );
    let mut quiet = pod_node_on(Fs::V2);
    quiet.cgroup_file(
        "/kubepods",
        "cgroup.stat",
        "nr_descendants 5\nnr_dying_descendants 999\n",
    );
    assert!(findings_of(&quiet, &DYING_CGROUPS).is_empty());
    // v1 has no cgroup.stat.
    assert!(findings_of(&pod_node_on(Fs::V1), &DYING_CGROUPS).is_empty());
}

// conntrack-near-limit, threads-near-limit, file-handles-near-limit, inotify-near-limit

#[test]
fn node_limits_fire_at_80_percent_and_not_below() {
    for fs in [Fs::V1, Fs::V2] {
        let mut node = pod_node_on(fs);
        node.file("proc/sys/net/netfilter/nf_conntrack_count", "800\n");
        node.file("proc/sys/net/netfilter/nf_conntrack_max", "1000\n");
        node.file("proc/sys/fs/file-nr", "900\t100\t1000\n");
        node.file("proc/sys/fs/file-max", "1000\n");
        let conntrack = findings_of(&node, &CONNTRACK_NEAR_LIMIT);
        assert_eq!(conntrack.len(), 1, "{fs:?}");
        assert!(conntrack[0]
            .message
            .starts_with("800 connection tracking entries"));
        assert!(conntrack[0]
            .message
            .ends_with("nf_conntrack_max 1000 (80%)"));
        let files = findings_of(&node, &FILE_HANDLES_NEAR_LIMIT);
        assert_eq!(
            files.len(),
            1,
            "{fs:?}: 900 allocated - 100 free = 800 of 1000"
        );
        let mut quiet = pod_node_on(fs);
        quiet.file("proc/sys/net/netfilter/nf_conntrack_count", "799\n");
        quiet.file("proc/sys/net/netfilter/nf_conntrack_max", "1000\n");
        quiet.file("proc/sys/fs/file-nr", "900\t101\t1000\n");
        assert!(findings_of(&quiet, &CONNTRACK_NEAR_LIMIT).is_empty());
        assert!(findings_of(&quiet, &FILE_HANDLES_NEAR_LIMIT).is_empty());
    }
}

#[test]
fn threads_at_80_percent_of_threads_max_fire() {
    let model = analyze(&pod_node_on(Fs::V2).build());
    let threads = model
        .node
        .headroom
        .threads
        .map_or(0, |t| t.used.unwrap_or(0));
    // The node's processes have one thread each; threads-max 10 needs 8.
    let mut node = pod_node_on(Fs::V2);
    for pid in 0..(8 - model.processes.len() as u32) {
        node.process(Proc::new(1000 + pid, 1, "sleep", "sleep 1"));
    }
    node.file("proc/sys/kernel/threads-max", "10\n");
    let found = findings_of(&node, &THREADS_NEAR_LIMIT);
    assert_eq!(found.len(), 1, "{threads}: {found:?}");
    assert!(found[0]
        .message
        .ends_with("8 threads of kernel.threads-max 10 (80%)"));
    node.file("proc/sys/kernel/threads-max", "11\n");
    assert!(findings_of(&node, &THREADS_NEAR_LIMIT).is_empty());
}

#[test]
fn inotify_limits_are_judged_against_the_running_containers() {
    // One running container (the sandbox does not count): 2 instances and 1024 watches.
    for fs in [Fs::V1, Fs::V2] {
        let mut node = pod_node_on(fs);
        node.file("proc/sys/fs/inotify/max_user_instances", "1\n");
        node.file("proc/sys/fs/inotify/max_user_watches", "1023\n");
        let found = findings_of(&node, &INOTIFY_NEAR_LIMIT);
        assert_eq!(found.len(), 1, "{fs:?}");
        assert!(
            found[0].message.starts_with(
                "fs.inotify.max_user_instances 1 (below 2 per container, 2) and \
                 fs.inotify.max_user_watches 1023 (below 1024 per container, 1024) for the \
                 node's 1 running containers"
            ),
            "{}",
            found[0].message
        );
        let mut quiet = pod_node_on(fs);
        quiet.file("proc/sys/fs/inotify/max_user_instances", "2\n");
        quiet.file("proc/sys/fs/inotify/max_user_watches", "1024\n");
        assert!(
            findings_of(&quiet, &INOTIFY_NEAR_LIMIT).is_empty(),
            "{fs:?}"
        );
    }
}

// d-state-wait

#[test]
fn d_state_processes_are_grouped_by_what_they_wait_in() {
    for fs in [Fs::V1, Fs::V2] {
        let mut node = pod_node_on(fs);
        for pid in [930, 931] {
            node.process(
                Proc::new(pid, 920, "php", "php-fpm")
                    .cgroup(&app_path())
                    .state('D'),
            );
            node.file(&format!("proc/{pid}/wchan"), "rpc_wait_bit_killable");
        }
        // Without a wchan (an older collector): the per-process rule as before.
        node.process(Proc::new(940, 1, "sync", "sync").state('D'));
        let found = findings_of(&node, &D_STATE_WAIT);
        assert_eq!(found.len(), 1, "{fs:?}: {found:?}");
        assert_eq!(found[0].subject, Subject::Process(crate::model::Pid(930)));
        assert!(
            found[0].message.starts_with(
                "2 processes are in uninterruptible sleep (D) in rpc_wait_bit_killable, usually \
                 an NFS or other RPC server's answer: php 930, php 931"
            ),
            "{}",
            found[0].message
        );
        let old = findings_of(&node, &PROCESS_UNINTERRUPTIBLE);
        assert_eq!(old.len(), 1, "{old:?}");
        assert_eq!(old[0].subject, Subject::Process(crate::model::Pid(940)));
    }
    healthy_is_quiet(&D_STATE_WAIT);
    assert_eq!(
        processes::wait_meaning("__refrigerator").map(|m| m.contains("frozen")),
        Some(true)
    );
    assert_eq!(processes::wait_meaning("ep_poll"), None);
}

/// The live kernel (pressure files exist on this machine's v2 hierarchy): the node's real
/// pressure and headroom figures are judged exactly as the thresholds say, whatever they are
/// at the moment.
#[test]
fn the_live_nodes_pressure_and_headroom_are_judged_by_the_thresholds() {
    use nodesnap_testing::require;
    let live = std::path::Path::new("/");
    require!(
        live.join("proc/pressure/cpu").exists(),
        "this kernel has no pressure stall information (/proc/pressure/cpu)"
    );
    require!(
        nodesnap_testing::is_root(),
        "collecting the live node needs root"
    );
    let dir = nodesnap_fixtures::TempDir::new("analyzer-live-rules");
    let tarball = dir.join("live.tar.gz");
    let mut config = collector::Config::new(
        live.to_path_buf(),
        collector::OutputTarget::Path(tarball.clone()),
    );
    config.cmdline = nodesnap_format::CmdlinePolicy::Dropped;
    collector::collect(&config, &mut |_| {}).expect("collecting the live node");
    let snapshot = crate::snapshot::load(&tarball).expect("loading the live snapshot");
    let model = analyze(&snapshot);
    let node_finding = |rule: &Rule| {
        model
            .findings
            .iter()
            .any(|f| f.rule == rule.id && f.subject == Subject::Node)
    };
    let pressure = model.node.pressure;
    for (rule, resource) in [
        (&CPU_PRESSURE, pressure.cpu),
        (&MEMORY_PRESSURE, pressure.memory),
        (&IO_PRESSURE, pressure.io),
    ] {
        let resource = resource.expect("the node's pressure file");
        assert_eq!(
            node_finding(rule),
            pressure_over(&resource).is_some(),
            "{}: {resource:?}",
            rule.id
        );
    }
    let headroom = model.node.headroom;
    let near = |limit: Option<crate::model::HeadroomLimit>, percent| {
        limit.is_some_and(|l| l.used.is_some_and(|u| at_least_percent(u, l.max, percent)))
    };
    assert!(headroom.threads.is_some() && headroom.file_handles.is_some());
    assert_eq!(
        node_finding(&THREADS_NEAR_LIMIT),
        near(headroom.threads, NODE_LIMIT_NEAR_PERCENT)
    );
    assert_eq!(
        node_finding(&FILE_HANDLES_NEAR_LIMIT),
        near(headroom.file_handles, NODE_LIMIT_NEAR_PERCENT)
    );
    assert_eq!(
        node_finding(&PIDS_NEAR_PID_MAX),
        near(headroom.pids, PID_MAX_NEAR_PERCENT)
    );
    // Every cgroup pressure finding is about a cgroup whose figures pass the threshold.
    for f in model
        .findings
        .iter()
        .filter(|f| f.rule == MEMORY_PRESSURE.id)
    {
        if let Subject::Cgroup(path) = &f.subject {
            let c = model.cgroups.iter().find(|c| &c.path == path).unwrap();
            assert!(c
                .usage
                .pressure
                .memory
                .as_ref()
                .and_then(pressure_over)
                .is_some());
        }
    }
}
