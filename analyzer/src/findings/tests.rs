//! Each rule fires on a node built to show its problem and stays quiet on a healthy one.

use super::*;
use crate::analyze;
use crate::model::layout_test::{app_ns, base, sandbox_ns, APP, SANDBOX, UID};
use crate::model::testkit::{Fs, NodeBuilder, Proc, HOST_NS};
use crate::model::{CgroupPath, ContainerId, QosClass, Severity};
use nodesnap_format::{Gap, GapReason};

#[path = "rules_tests.rs"]
mod rules_tests;
#[path = "signals_tests.rs"]
mod signals_tests;

const SHIM: u32 = 900;

fn pod_path() -> String {
    format!("/kubepods/burstable/pod{UID}")
}

fn app_path() -> String {
    format!("{}/{APP}", pod_path())
}

/// containerd, one runc-v2 shim and a burstable pod with a pause and an nginx; `tweak` edits
/// the app's process before it is written.
fn pod_node(tweak: impl FnOnce(Proc) -> Proc) -> NodeBuilder {
    let mut node = base(Fs::V2);
    node.process(Proc::new(800, 1, "containerd", "/usr/bin/containerd"));
    node.process(Proc::new(
        SHIM,
        1,
        "containerd-shim",
        &format!("/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id {SANDBOX} -address /run/containerd/containerd.sock"),
    ));
    node.process(
        Proc::new(910, SHIM, "pause", "/pause")
            .cgroup(&format!("{}/{SANDBOX}", pod_path()))
            .ns(&sandbox_ns())
            .oom(-998),
    );
    node.process(tweak(
        Proc::new(920, SHIM, "nginx", "nginx: master process")
            .cgroup(&app_path())
            .ns(&app_ns())
            .oom(500),
    ));
    node
}

fn findings_of(node: &NodeBuilder, rule: &Rule) -> Vec<Finding> {
    analyze(&node.build())
        .findings
        .into_iter()
        .filter(|f| f.rule == rule.id)
        .collect()
}

fn healthy_is_quiet(rule: &Rule) {
    let found = findings_of(&pod_node(|p| p), rule);
    assert!(found.is_empty(), "{}: {found:?}", rule.id);
}

fn host(kind: &str) -> (&'static str, u64) {
    HOST_NS
        .iter()
        .copied()
        .find(|(k, _)| *k == kind)
        .expect("known type")
}

fn app_id() -> ContainerId {
    ContainerId::parse(APP).unwrap()
}

#[test]
fn healthy_pod_has_no_findings_at_all() {
    let model = analyze(&pod_node(|p| p).build());
    assert!(model.findings.is_empty(), "{:?}", model.findings);
}

#[test]
fn every_rule_has_a_unique_id_and_an_explanation() {
    let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), RULES.len());
    for r in RULES {
        assert!(r.explanation.len() > 100, "{} explains too little", r.id);
        assert_eq!(rule(r.id), Some(r));
    }
}

/// Both the sandbox and the app in one host namespace type, as a pod with hostX: true.
fn host_pod(kind: &str) -> NodeBuilder {
    let mut node = base(Fs::V2);
    node.process(Proc::new(800, 1, "containerd", "/usr/bin/containerd"));
    node.process(Proc::new(
        SHIM,
        1,
        "containerd-shim",
        &format!("containerd-shim-runc-v2 -namespace k8s.io -id {SANDBOX}"),
    ));
    let mut sandbox = sandbox_ns();
    let mut app = app_ns();
    for ns in [&mut sandbox, &mut app] {
        ns.retain(|(k, _)| *k != kind);
        ns.push(host(kind));
    }
    node.process(
        Proc::new(910, SHIM, "pause", "/pause")
            .cgroup(&format!("{}/{SANDBOX}", pod_path()))
            .ns(&sandbox)
            .oom(-998),
    );
    node.process(
        Proc::new(920, SHIM, "nginx", "nginx")
            .cgroup(&app_path())
            .ns(&app)
            .oom(500),
    );
    node
}

#[test]
fn pod_host_namespaces_fire_per_type() {
    for (kind, rule) in [
        ("net", &POD_HOST_NETWORK),
        ("pid", &POD_HOST_PID),
        ("ipc", &POD_HOST_IPC),
    ] {
        let found = findings_of(&host_pod(kind), rule);
        assert_eq!(found.len(), 1, "{kind}");
        assert_eq!(
            found[0].subject,
            Subject::Pod(crate::model::PodUid::parse(UID).unwrap())
        );
        assert!(found[0].message.contains(&format!(
            "host's {}",
            if kind == "net" { "network" } else { kind }
        )));
        // Only the one type fires.
        let others: Vec<&Rule> = [&POD_HOST_NETWORK, &POD_HOST_PID, &POD_HOST_IPC]
            .into_iter()
            .filter(|r| r.id != rule.id)
            .collect();
        for other in others {
            assert!(
                findings_of(&host_pod(kind), other).is_empty(),
                "{kind} vs {}",
                other.id
            );
        }
        healthy_is_quiet(rule);
    }
}

#[test]
fn pod_split_network_fires_when_the_app_left_the_sandbox_net() {
    let found = findings_of(
        &pod_node(|p| p.ns(&[("net", 4026532999)])),
        &POD_SPLIT_NETWORK,
    );
    assert_eq!(found.len(), 1);
    assert!(
        found[0].message.contains("2 network namespaces"),
        "{}",
        found[0].message
    );
    assert!(found[0].message.contains("net:[4026532999]"));
    healthy_is_quiet(&POD_SPLIT_NETWORK);
}

#[test]
fn process_in_a_pods_namespaces_outside_its_cgroup_fires() {
    let mut node = pod_node(|p| p);
    node.process(
        Proc::new(950, 1, "nsenter-sh", "sh")
            .cgroup("/user.slice/user-0.slice/session-1.scope")
            .ns(&app_ns()),
    );
    let found = findings_of(&node, &PROCESS_OUTSIDE_CONTAINER_CGROUP);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].subject, Subject::Process(crate::model::Pid(950)));
    assert!(
        found[0].message.contains("mnt of container"),
        "{}",
        found[0].message
    );
    // A gap on another of its files changes nothing; without its cgroup file it proves nothing.
    node.gap(Gap {
        path: "proc/950/cmdline".into(),
        reason: GapReason::PermissionDenied,
        detail: None,
    });
    assert_eq!(
        findings_of(&node, &PROCESS_OUTSIDE_CONTAINER_CGROUP).len(),
        1
    );
    node.remove("proc/950/cgroup");
    assert!(findings_of(&node, &PROCESS_OUTSIDE_CONTAINER_CGROUP).is_empty());
    healthy_is_quiet(&PROCESS_OUTSIDE_CONTAINER_CGROUP);
}

#[test]
fn process_in_a_container_cgroup_with_host_namespaces_fires() {
    let mut node = pod_node(|p| p);
    node.process(Proc::new(930, 1, "bash", "bash").cgroup(&app_path()));
    let found = findings_of(&node, &PROCESS_OUTSIDE_CONTAINER_NAMESPACES);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].subject, Subject::Process(crate::model::Pid(930)));
    healthy_is_quiet(&PROCESS_OUTSIDE_CONTAINER_NAMESPACES);
}

#[test]
fn shim_without_container_processes_fires() {
    let mut node = pod_node(|p| p);
    let gone = "cccc000000000000000000000000000000000000000000000000000000000003";
    node.process(Proc::new(
        901,
        1,
        "containerd-shim",
        &format!("containerd-shim-runc-v2 -namespace k8s.io -id {gone}"),
    ));
    let found = findings_of(&node, &SHIM_WITHOUT_CONTAINER);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].subject, Subject::Process(crate::model::Pid(901)));
    assert!(
        found[0].message.contains("cccc00000000"),
        "{}",
        found[0].message
    );
    // The target is the model's, computed once from the shim's arguments.
    let model = analyze(&node.build());
    let shim = model.processes.iter().find(|p| p.pid.0 == 901).unwrap();
    assert_eq!(shim.shim_for, ContainerId::parse(gone));
    healthy_is_quiet(&SHIM_WITHOUT_CONTAINER);
}

#[test]
fn container_whose_shim_is_gone_fires() {
    // Both processes reparented to pid 1 and no shim left.
    let mut node = base(Fs::V2);
    node.process(
        Proc::new(910, 1, "pause", "/pause")
            .cgroup(&format!("{}/{SANDBOX}", pod_path()))
            .ns(&sandbox_ns())
            .oom(-998),
    );
    node.process(
        Proc::new(920, 1, "nginx", "nginx")
            .cgroup(&app_path())
            .ns(&app_ns())
            .oom(500),
    );
    let found = findings_of(&node, &CONTAINER_WITHOUT_SHIM);
    let subjects: Vec<&Subject> = found.iter().map(|f| &f.subject).collect();
    assert!(subjects.contains(&&Subject::Container(app_id())));
    assert!(
        found[0].message.contains("has parent systemd 1"),
        "{}",
        found[0].message
    );
    healthy_is_quiet(&CONTAINER_WITHOUT_SHIM);
}

#[test]
fn zombie_and_d_state_processes_fire() {
    for (state, rule) in [('Z', &PROCESS_ZOMBIE), ('D', &PROCESS_UNINTERRUPTIBLE)] {
        let found = findings_of(&pod_node(|p| p.state(state)), rule);
        assert_eq!(found.len(), 1, "{state}");
        assert!(
            found[0].message.contains("nginx 920 in container"),
            "{}",
            found[0].message
        );
        healthy_is_quiet(rule);
    }
}

#[test]
fn oom_kills_are_reported_where_they_happened_not_in_every_ancestor() {
    let mut node = pod_node(|p| p);
    node.cgroup_file(
        &app_path(),
        "memory.events",
        "low 0\nhigh 0\nmax 5\noom 2\noom_kill 2\n",
    );
    node.cgroup_file(&app_path(), "memory.max", "104857600\n");
    node.cgroup_file(
        &pod_path(),
        "memory.events",
        "low 0\nhigh 0\nmax 5\noom 2\noom_kill 2\n",
    );
    let found = findings_of(&node, &CGROUP_OOM_KILLS);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].subject,
        Subject::Cgroup(CgroupPath::new(&app_path()).unwrap())
    );
    assert!(
        found[0].message.contains("2 OOM kills"),
        "{}",
        found[0].message
    );
    assert!(
        found[0].message.contains("memory limit 100 MiB"),
        "{}",
        found[0].message
    );
    let mut quiet = pod_node(|p| p);
    quiet.cgroup_file(&app_path(), "memory.events", "oom 0\noom_kill 0\n");
    assert!(findings_of(&quiet, &CGROUP_OOM_KILLS).is_empty());
}

#[test]
fn memory_limit_hits_are_reported_where_they_happened() {
    // v2 counts the container's hits at memory.max again in its pod's memory.events.
    let mut node = pod_node(|p| p);
    node.cgroup_file(
        &app_path(),
        "memory.events",
        "max 41
oom_kill 0
",
    );
    node.cgroup_file(
        &app_path(),
        "memory.max",
        "268435456
",
    );
    node.cgroup_file(
        &pod_path(),
        "memory.events",
        "max 41
oom_kill 0
",
    );
    let found = findings_of(&node, &CGROUP_MEMORY_LIMIT_HIT);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].subject,
        Subject::Cgroup(CgroupPath::new(&app_path()).unwrap())
    );
    assert!(
        found[0].message.ends_with(
            "reached its memory limit 41 times (memory.events max) (memory limit 256 MiB)"
        ),
        "{}",
        found[0].message
    );
    let mut quiet = pod_node(|p| p);
    quiet.cgroup_file(
        &app_path(),
        "memory.events",
        "max 0
oom_kill 0
",
    );
    assert!(findings_of(&quiet, &CGROUP_MEMORY_LIMIT_HIT).is_empty());
}

#[test]
fn a_v1_cgroup_out_of_memory_right_now_is_a_memory_limit_hit() {
    let mut node = base(Fs::V1);
    node.process(Proc::new(920, 1, "nginx", "nginx").cgroup(&app_path()));
    node.cgroup_file(
        &app_path(),
        "memory.failcnt",
        "1
",
    );
    node.cgroup_file(
        &app_path(),
        "memory.oom_control",
        "oom_kill_disable 1
under_oom 1
",
    );
    let found = findings_of(&node, &CGROUP_MEMORY_LIMIT_HIT);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].message.ends_with(
            "reached its memory limit 1 time (memory.failcnt) and is out of memory right now \
             (memory.oom_control under_oom 1)"
        ),
        "{}",
        found[0].message
    );
}

#[test]
fn forks_refused_at_pids_max_fire_where_they_happened() {
    let mut node = pod_node(|p| p);
    node.cgroup_file(
        &pod_path(),
        "pids.max",
        "1024
",
    );
    node.cgroup_file(
        &pod_path(),
        "pids.events",
        "max 37
",
    );
    node.cgroup_file(
        &app_path(),
        "pids.events",
        "max 0
",
    );
    let found = findings_of(&node, &CGROUP_PIDS_LIMIT_HIT);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].subject,
        Subject::Cgroup(CgroupPath::new(&pod_path()).unwrap())
    );
    assert!(
        found[0]
            .message
            .ends_with("was refused 37 forks at its pids.max 1024 (pids.events max)"),
        "{}",
        found[0].message
    );
    healthy_is_quiet(&CGROUP_PIDS_LIMIT_HIT);
}

#[test]
fn heavy_cpu_throttling_fires_and_light_does_not() {
    let throttled = |n: u64| {
        let mut node = pod_node(|p| p);
        node.cgroup_file(&app_path(), "cpu.max", "50000 100000\n");
        node.cgroup_file(
            &app_path(),
            "cpu.stat",
            &format!("usage_usec 100\nnr_periods 1000\nnr_throttled {n}\nthrottled_usec 99\n"),
        );
        findings_of(&node, &CGROUP_CPU_THROTTLED)
    };
    let found = throttled(400);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].message.contains("400 of 1000"),
        "{}",
        found[0].message
    );
    assert!(throttled(10).is_empty());
    // Too few periods say nothing, whatever their share.
    let mut short = pod_node(|p| p);
    short.cgroup_file(&app_path(), "cpu.max", "50000 100000\n");
    short.cgroup_file(&app_path(), "cpu.stat", "nr_periods 50\nnr_throttled 50\n");
    assert!(findings_of(&short, &CGROUP_CPU_THROTTLED).is_empty());
}

#[test]
fn pids_near_limit_fires_at_ninety_percent() {
    let pids = |current: u64| {
        let mut node = pod_node(|p| p);
        node.cgroup_file(&app_path(), "pids.max", "100\n");
        node.cgroup_file(&app_path(), "pids.current", &format!("{current}\n"));
        findings_of(&node, &CGROUP_PIDS_NEAR_LIMIT)
    };
    assert_eq!(pids(95).len(), 1);
    assert!(pids(95)[0].message.contains("95 tasks of its pids.max 100"));
    assert!(pids(50).is_empty());
}

#[test]
fn oom_score_adj_that_contradicts_qos_fires() {
    let found = findings_of(&pod_node(|p| p.oom(-500)), &QOS_OOM_SCORE_MISMATCH);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].subject, Subject::Container(app_id()));
    assert!(
        found[0]
            .message
            .contains("oom_score_adj -500; the kubelet asks the runtime for 2 to 999"),
        "{}",
        found[0].message
    );
    assert!(
        !found[0].message.contains("shim's own"),
        "{}",
        found[0].message
    );
    // A node-critical pod gets -997 whatever its class.
    assert!(findings_of(&pod_node(|p| p.oom(-997)), &QOS_OOM_SCORE_MISMATCH).is_empty());
    healthy_is_quiet(&QOS_OOM_SCORE_MISMATCH);
}

#[test]
fn a_sandbox_clamped_to_its_runtimes_own_value_says_who_sets_it_and_why_it_differs() {
    // containerd with restrict_oom_score_adj (or without CAP_SYS_RESOURCE) cannot give the
    // pause -998 below its own 0: the pause and the shim then share 0.
    let mut node = pod_node(|p| p);
    node.process(
        Proc::new(910, SHIM, "pause", "/pause")
            .cgroup(&format!("{}/{SANDBOX}", pod_path()))
            .ns(&sandbox_ns())
            .oom(0),
    );
    node.process(
        Proc::new(
            SHIM,
            1,
            "containerd-shim",
            &format!("/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id {SANDBOX} -address /run/containerd/containerd.sock"),
        )
        .oom(0),
    );
    let found = findings_of(&node, &QOS_OOM_SCORE_MISMATCH);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .message
            .contains("has oom_score_adj 0; the CRI runtime sets -998 for a sandbox; 0 is its shim's own value"),
        "{}",
        found[0].message
    );
    assert!(found[0].message.contains("restrict_oom_score_adj"));
}

#[test]
fn expected_oom_score_adj_per_class() {
    assert!(expected_oom_score_adj(QosClass::Guaranteed, false).contains(&-997));
    assert!(expected_oom_score_adj(QosClass::BestEffort, false).contains(&1000));
    assert!(expected_oom_score_adj(QosClass::Burstable, false).contains(&2));
    assert!(!expected_oom_score_adj(QosClass::Burstable, false).contains(&1000));
    assert!(expected_oom_score_adj(QosClass::BestEffort, true).contains(&-998));
}

#[test]
fn collection_gaps_name_the_partial_processes() {
    let mut node = pod_node(|p| p);
    node.gap(Gap {
        path: "proc/920/cmdline".into(),
        reason: GapReason::PermissionDenied,
        detail: None,
    });
    let model = analyze(&node.build());
    let found: Vec<&Finding> = model
        .findings
        .iter()
        .filter(|f| f.rule == COLLECTION_GAPS.id)
        .collect();
    assert_eq!(found.len(), 1);
    assert!(
        found[0].message.contains("1 permission_denied"),
        "{}",
        found[0].message
    );
    assert!(
        found[0].message.contains("1 file not collected in full")
            && found[0].message.contains("1 process partial: 920"),
        "{}",
        found[0].message
    );
    assert!(
        model
            .processes
            .iter()
            .find(|p| p.pid.0 == 920)
            .unwrap()
            .partial
    );
    healthy_is_quiet(&COLLECTION_GAPS);
}

#[test]
fn findings_are_sorted_critical_first() {
    let mut node = pod_node(|p| p.ns(&[("net", 4026532999)]).state('Z'));
    node.gap(Gap {
        path: "etc/passwd".into(),
        reason: GapReason::NotFound,
        detail: None,
    });
    let model = analyze(&node.build());
    let severities: Vec<Severity> = model.findings.iter().map(|f| f.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort();
    assert_eq!(severities, sorted);
    assert_eq!(severities.first(), Some(&Severity::Critical));
}

#[test]
fn absurd_counters_from_the_node_do_not_overflow() {
    let mut node = pod_node(|p| p);
    let max = u64::MAX.to_string();
    node.cgroup_file(
        &app_path(),
        "cpu.stat",
        &format!("nr_periods {max}\nnr_throttled {max}\n"),
    );
    node.cgroup_file(&app_path(), "pids.max", &format!("{}\n", u64::MAX - 1));
    node.cgroup_file(&app_path(), "pids.current", &format!("{max}\n"));
    node.cgroup_file(&app_path(), "memory.events", &format!("oom_kill {max}\n"));
    node.cgroup_file(&pod_path(), "memory.events", &format!("oom_kill {max}\n"));
    let model = analyze(&node.build());
    let rules: Vec<&str> = model.findings.iter().map(|f| f.rule.as_str()).collect();
    assert!(rules.contains(&CGROUP_CPU_THROTTLED.id), "{rules:?}");
    assert!(rules.contains(&CGROUP_OOM_KILLS.id), "{rules:?}");
}

#[test]
fn many_zombies_of_one_parent_make_one_finding_about_the_parent() {
    let mut node = pod_node(|p| p);
    for pid in 960..975 {
        node.process(
            Proc::new(pid, 920, "convert", "")
                .cgroup(&app_path())
                .ns(&app_ns())
                .state('Z'),
        );
    }
    let found = findings_of(&node, &PROCESS_ZOMBIE);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].subject, Subject::Process(crate::model::Pid(920)));
    assert!(
        found[0].message.starts_with("15 zombies in container"),
        "{}",
        found[0].message
    );
    assert!(
        found[0].message.contains("and 5 more"),
        "{}",
        found[0].message
    );
}
