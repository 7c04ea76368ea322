//! Issue 15's rules on small nodes of both cgroup versions: each fires on a node built to show
//! it, stays quiet on one that does not, and its thresholds hold at their edges.

use super::*;
use crate::model::testkit::record;
use nodesnap_format::RecordSource;

const OTHER_UID: &str = "0b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9";
const OTHER_ID: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const STRAY_ID: &str = "2222222222222222222222222222222222222222222222222222222222222222";

/// `pod_node` on either version: containerd, a shim, pause and nginx in a burstable pod.
pub(super) fn pod_node_on(fs: Fs) -> NodeBuilder {
    let mut node = base(fs);
    node.process(Proc::new(800, 1, "containerd", "/usr/bin/containerd"));
    node.process(Proc::new(
        SHIM,
        1,
        "containerd-shim",
        &format!("/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id {SANDBOX}"),
    ));
    node.process(
        Proc::new(910, SHIM, "pause", "/pause")
            .cgroup(&format!("{}/{SANDBOX}", pod_path()))
            .ns(&sandbox_ns())
            .oom(-998),
    );
    node.process(
        Proc::new(920, SHIM, "nginx", "nginx: master process")
            .cgroup(&app_path())
            .ns(&app_ns())
            .oom(500),
    );
    node
}

fn messages(node: &NodeBuilder, rule: &Rule) -> Vec<String> {
    findings_of(node, rule)
        .into_iter()
        .map(|f| f.message)
        .collect()
}

fn cgroup_subject(path: &str) -> Subject {
    Subject::Cgroup(CgroupPath::new(path).unwrap())
}

// oom-at-pod-level

/// v2: the pod's memory.events says `oom` `pod_oom` times, the app's `app_oom`; the app had
/// 2 kills either way.
fn v2_ooms(pod_oom: u64, app_oom: u64, pod_limit: &str) -> NodeBuilder {
    let mut node = pod_node_on(Fs::V2);
    node.cgroup_file(&pod_path(), "memory.max", pod_limit);
    node.cgroup_file(
        &pod_path(),
        "memory.events",
        &format!("low 0\nhigh 0\nmax 9\noom {pod_oom}\noom_kill 2\n"),
    );
    node.cgroup_file(
        &app_path(),
        "memory.events",
        &format!("low 0\nhigh 0\nmax 0\noom {app_oom}\noom_kill 2\n"),
    );
    node
}

#[test]
fn the_pods_own_limit_firing_is_oom_at_pod_level_on_v2() {
    let node = v2_ooms(2, 0, "402653184\n");
    let found = findings_of(&node, &OOM_AT_POD_LEVEL);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].subject, cgroup_subject(&pod_path()));
    let message = &found[0].message;
    assert!(
        message.contains("own memory limit 384 MiB fired 2 times"),
        "{message}"
    );
    assert!(
        message.contains("memory.events oom, beyond its containers'"),
        "{message}"
    );
    assert!(
        message.contains("the OOM killer took 2 processes in container"),
        "{message}"
    );
    // The kills are the container's, once: the pod's own count is 0.
    let kills = messages(&node, &CGROUP_OOM_KILLS);
    assert_eq!(kills.len(), 1, "{kills:?}");
    assert!(kills[0].contains("had 2 OOM kills"), "{kills:?}");
}

#[test]
fn oom_at_pod_level_fires_from_one_oom_beyond_the_containers() {
    // The edge: the pod's oom equal to its containers' is theirs; one more is its own.
    assert!(findings_of(&v2_ooms(2, 2, "402653184\n"), &OOM_AT_POD_LEVEL).is_empty());
    let found = messages(&v2_ooms(3, 2, "402653184\n"), &OOM_AT_POD_LEVEL);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("fired 1 time ("), "{found:?}");
}

#[test]
fn a_pod_without_a_memory_limit_cannot_fire_its_own() {
    // Its oom beyond the containers' is a removed container's.
    assert!(findings_of(&v2_ooms(2, 0, "max\n"), &OOM_AT_POD_LEVEL).is_empty());
}

fn v1_ooms(pod_failcnt: u64, app_failcnt: u64) -> NodeBuilder {
    let mut node = pod_node_on(Fs::V1);
    node.cgroup_file(&pod_path(), "memory.limit_in_bytes", "402653184\n");
    node.cgroup_file(&pod_path(), "memory.failcnt", &format!("{pod_failcnt}\n"));
    node.cgroup_file(
        &pod_path(),
        "memory.oom_control",
        "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
    );
    node.cgroup_file(&app_path(), "memory.failcnt", &format!("{app_failcnt}\n"));
    node.cgroup_file(
        &app_path(),
        "memory.oom_control",
        "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n",
    );
    node
}

#[test]
fn on_v1_a_victim_whose_own_limit_was_never_hit_means_the_pods_fired() {
    let found = messages(&v1_ooms(3, 0), &OOM_AT_POD_LEVEL);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("memory.failcnt 3 at the pod"),
        "{found:?}"
    );
    // The container's own limit was hit: its kill is its own.
    assert!(findings_of(&v1_ooms(3, 1), &OOM_AT_POD_LEVEL).is_empty());
    // The pod's limit was never hit.
    assert!(findings_of(&v1_ooms(0, 0), &OOM_AT_POD_LEVEL).is_empty());
}

// leaked-pod-cgroup

/// A node whose runtime knows the app (a record names it), plus an empty pod cgroup with a
/// container cgroup and an empty container cgroup in the live pod, neither known.
fn leaky(fs: Fs, known_stray: bool) -> NodeBuilder {
    let mut node = pod_node_on(fs);
    node.record(record(RecordSource::Docker, APP, Some("app"), &[], &[]));
    let other_pod = format!("/kubepods/burstable/pod{OTHER_UID}");
    node.cgroup_dir(&other_pod);
    node.cgroup_dir(&format!("{other_pod}/{OTHER_ID}"));
    node.cgroup_dir(&format!("{}/{STRAY_ID}", pod_path()));
    if known_stray {
        node.record(record(
            RecordSource::Docker,
            STRAY_ID,
            Some("done"),
            &[],
            &[],
        ));
    }
    node
}

#[test]
fn empty_pod_and_container_cgroups_nobody_knows_are_leaked_on_v1_and_v2() {
    for fs in [Fs::V1, Fs::V2] {
        let found = findings_of(&leaky(fs, false), &LEAKED_POD_CGROUP);
        let subjects: Vec<&Subject> = found.iter().map(|f| &f.subject).collect();
        assert_eq!(
            subjects,
            [
                &cgroup_subject(&format!("/kubepods/burstable/pod{OTHER_UID}")),
                &cgroup_subject(&format!("{}/{STRAY_ID}", pod_path())),
            ],
            "{fs:?}: {found:?}"
        );
        assert!(
            found[0].message.contains("(1 cgroup below it)"),
            "{found:?}"
        );
    }
}

#[test]
fn an_empty_container_cgroup_the_runtime_knows_is_not_leaked() {
    let found = messages(&leaky(Fs::V2, true), &LEAKED_POD_CGROUP);
    assert_eq!(found.len(), 1, "only the unknown pod: {found:?}");
    assert!(found[0].starts_with("pod "), "{found:?}");
}

#[test]
fn without_any_runtime_record_nothing_is_called_leaked() {
    let mut node = pod_node_on(Fs::V2);
    node.cgroup_dir(&format!("{}/{STRAY_ID}", pod_path()));
    assert!(findings_of(&node, &LEAKED_POD_CGROUP).is_empty());
    healthy_is_quiet(&LEAKED_POD_CGROUP);
}

// zombies-against-pids-limit

fn zombies(fs: Fs, count: u32, pids_max: u64) -> NodeBuilder {
    let mut node = pod_node_on(fs);
    node.cgroup_file(&pod_path(), "pids.max", &format!("{pids_max}\n"));
    for pid in 0..count {
        node.process(
            Proc::new(930 + pid, 920, "worker", "")
                .cgroup(&app_path())
                .ns(&app_ns())
                .state('Z'),
        );
    }
    node
}

#[test]
fn zombies_at_a_tenth_of_pids_max_fire_on_v1_and_v2() {
    for fs in [Fs::V1, Fs::V2] {
        // 2 zombies of pids.max 20 is 10%: the edge fires; of 21 it does not.
        let found = findings_of(&zombies(fs, 2, 20), &ZOMBIES_AGAINST_PIDS_LIMIT);
        assert_eq!(found.len(), 1, "{fs:?}: {found:?}");
        assert_eq!(found[0].subject, cgroup_subject(&pod_path()));
        let message = &found[0].message;
        assert!(
            message.contains("holds 2 zombies against its pids.max 20"),
            "{message}"
        );
        assert!(
            message.contains("not reaped by their parent nginx 920"),
            "{message}"
        );
        assert!(
            findings_of(&zombies(fs, 2, 21), &ZOMBIES_AGAINST_PIDS_LIMIT).is_empty(),
            "{fs:?}"
        );
    }
}

#[test]
fn a_containers_own_pids_limit_names_its_pid_1_when_it_is_not_an_init() {
    let mut node = zombies(Fs::V2, 3, 1000);
    node.cgroup_file(&app_path(), "pids.max", "30\n");
    let found = messages(&node, &ZOMBIES_AGAINST_PIDS_LIMIT);
    assert_eq!(
        found.len(),
        1,
        "the app's limit, not the pod's 1000: {found:?}"
    );
    assert!(
        found[0].contains("the container's pid 1 is nginx 920, not an init"),
        "{found:?}"
    );
}

#[test]
fn zombies_share_edges() {
    use super::leaks::zombies_over_share;
    assert!(!zombies_over_share(0, 0));
    assert!(zombies_over_share(1, 10));
    assert!(!zombies_over_share(1, 11));
    assert!(zombies_over_share(u64::MAX, u64::MAX));
    healthy_is_quiet(&ZOMBIES_AGAINST_PIDS_LIMIT);
}

// cgroup-driver-mismatch

fn with_kubelet(fs: Fs, cmdline: &str) -> NodeBuilder {
    let mut node = pod_node_on(fs);
    node.process(Proc::new(700, 1, "kubelet", cmdline));
    node
}

#[test]
fn a_kubelet_asking_for_systemd_on_a_cgroupfs_layout_is_a_mismatch_on_v1_and_v2() {
    for fs in [Fs::V1, Fs::V2] {
        let node = with_kubelet(fs, "/usr/bin/kubelet --cgroup-driver=systemd --v=2");
        let found = findings_of(&node, &CGROUP_DRIVER_MISMATCH);
        assert_eq!(found.len(), 1, "{fs:?}: {found:?}");
        assert_eq!(found[0].subject, Subject::Process(crate::model::Pid(700)));
        assert!(
            found[0]
                .message
                .ends_with("runs with --cgroup-driver=systemd, but the pods' cgroups are laid out by the cgroupfs driver"),
            "{}",
            found[0].message
        );
        let agreeing = with_kubelet(fs, "/usr/bin/kubelet --cgroup-driver cgroupfs");
        assert!(findings_of(&agreeing, &CGROUP_DRIVER_MISMATCH).is_empty());
        let silent = with_kubelet(fs, "/usr/bin/kubelet --config /var/lib/kubelet/config.yaml");
        assert!(findings_of(&silent, &CGROUP_DRIVER_MISMATCH).is_empty());
    }
}

// pids-near-pid-max

fn with_pid_max(pid_max: u64, extra: u32) -> NodeBuilder {
    let mut node = pod_node_on(Fs::V2);
    for pid in 0..extra {
        node.process(Proc::new(1000 + pid, 1, "sleep", "sleep 1000"));
    }
    node.file("proc/sys/kernel/pid_max", &format!("{pid_max}\n"));
    node
}

#[test]
fn tasks_at_80_percent_of_pid_max_fire_and_one_fewer_does_not() {
    let tasks = {
        let model = analyze(&with_pid_max(1_000_000, 0).build());
        model.node.headroom.pids.and_then(|p| p.used).unwrap()
    };
    // Enough processes for 8 tasks: 8 of pid_max 10 is 80%.
    let extra = u32::try_from(8 - tasks).unwrap();
    let found = messages(&with_pid_max(10, extra), &PIDS_NEAR_PID_MAX);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("8 tasks ("), "{found:?}");
    assert!(found[0].contains("of kernel.pid_max 10 (80%)"), "{found:?}");
    assert!(findings_of(&with_pid_max(11, extra), &PIDS_NEAR_PID_MAX).is_empty());
    assert!(at_least_percent(80, 100, 80) && !at_least_percent(79, 100, 80));
    assert!(!at_least_percent(0, 0, 80));
}
