//! The diff engine over the pairs of nodesnap-fixtures (each change made the way runtimes and
//! the kernel make it, collected by the real collector) and small changes made in plain sight.

use super::*;
use crate::fixture;
use crate::model::{Limit, Limits};

fn pair(name: &str) -> Diff {
    let (old, new) = fixture::pair(name);
    crate::analyze_diff(&old, &new)
}

fn rules(diff: &Diff) -> Vec<&str> {
    diff.findings
        .interval
        .iter()
        .map(|f| f.rule.as_str())
        .collect()
}

#[test]
fn every_layout_compared_with_itself_is_an_empty_diff() {
    for layout in nodesnap_fixtures::layouts::NAMES {
        let model = fixture::model(layout);
        let diff = crate::analyze_diff(&model, &model);
        assert!(diff.is_empty(), "{layout}: {diff:#?}");
        assert_eq!(diff.interval_seconds, Some(0.0), "{layout}");
    }
    for name in nodesnap_fixtures::pairs::NAMES {
        let (old, new) = fixture::pair(name);
        for model in [&old, &new] {
            assert!(crate::analyze_diff(model, model).is_empty(), "{name}");
        }
    }
}

/// A restart in each runtime's naming is one restart, the ids in neither added nor removed.
#[test]
fn a_restarted_container_is_found_in_each_runtimes_naming() {
    let cases = [
        ("containerd-restart", "api", true, 2, "containerd"),
        ("crio-restart", "nginx", true, 1, "cri-o"),
        ("docker-restart", "app", false, 1, "docker"),
        ("podman-restart", "web", false, 1, "podman"),
        ("k3s-restart", "crawler", true, 1, "containerd"),
        ("seed-restart", "redis", true, 1, "docker"),
    ];
    for (name, container, in_pod, count, runtime) in cases {
        let diff = pair(name);
        let c = &diff.containers;
        assert_eq!(c.restarted.len(), 1, "{name}: {:#?}", c.restarted);
        let r = &c.restarted[0];
        assert_eq!(r.name, container, "{name}");
        assert_eq!(r.pod_uid.is_some(), in_pod, "{name}");
        assert_eq!(r.restart_count, count, "{name}");
        assert!(!r.in_place && r.old_id != r.new_id, "{name}");
        assert_eq!(r.runtime.map(|k| k.name()), Some(runtime), "{name}");
        assert!(r.started_at.is_some(), "{name}");
        for id in [&r.old_id, &r.new_id] {
            assert!(!c.added.contains(id) && !c.removed.contains(id), "{name}");
            assert!(c.details.contains_key(id), "{name}");
        }
        assert!(c.added.is_empty() && c.removed.is_empty(), "{name}: {c:#?}");
        assert!(rules(&diff).contains(&"container-restarted"), "{name}");
        let restarted = diff
            .findings
            .interval
            .iter()
            .find(|f| f.rule == "container-restarted")
            .unwrap();
        assert_eq!(restarted.subject, Subject::Container(r.new_id.clone()));
        // Its processes went under the old id and came under the new one.
        let count_of = |id: &ContainerId| {
            diff.processes
                .per_container
                .iter()
                .find(|g| g.container_id.as_ref() == Some(id))
                .map(|g| (g.started, g.gone))
        };
        assert!(
            count_of(&r.old_id).is_some_and(|(s, g)| s == 0 && g > 0),
            "{name}"
        );
        assert!(
            count_of(&r.new_id).is_some_and(|(s, g)| s > 0 && g == 0),
            "{name}"
        );
    }
}

#[test]
fn an_oom_kill_where_a_restarted_container_ran_says_why_it_went() {
    let diff = pair("containerd-restart");
    let oom = diff
        .findings
        .interval
        .iter()
        .find(|f| f.rule == "oom-kills-in-interval")
        .expect("the pod's OOM kill");
    let Subject::Cgroup(path) = &oom.subject else {
        panic!("{oom:?}")
    };
    assert!(path.to_string().contains("pod9a8b7c6d"), "{path}");
    let restarted = diff
        .findings
        .interval
        .iter()
        .find(|f| f.rule == "container-restarted")
        .unwrap();
    assert!(
        restarted.message.contains("probably OOM-killed"),
        "{}",
        restarted.message
    );
    // v2 counts the kill in every ancestor too; the model counts it once, and with the killed
    // container's cgroup gone it stays at the pod: one change, not the pod's and its ancestors'.
    let kills: Vec<(&CgroupPath, bool)> = diff
        .counters
        .iter()
        .filter(|c| c.counter == Counter::OomKills)
        .map(|c| (&c.cgroup, c.own))
        .collect();
    assert_eq!(kills.len(), 1, "{kills:?}");
    assert!(kills[0]
        .0
        .to_string()
        .ends_with("-pod9a8b7c6d_5e4f_4a3b_9c2d_1e0f9a8b7c6d.slice"));
    assert!(kills[0].1);
    assert!(diff.counters.iter().all(|c| c.per_second.is_some()));
    assert_eq!(diff.interval_seconds, Some(300.0));
}

#[test]
fn a_replaced_pod_lists_its_containers_as_added_and_removed_not_restarted() {
    let diff = pair("pod-replaced");
    assert_eq!(diff.pods.added.len(), 1);
    assert_eq!(diff.pods.removed.len(), 1);
    assert_eq!(diff.pods.replaced.len(), 1);
    let replaced = &diff.pods.replaced[0];
    assert_eq!(
        (replaced.namespace.as_deref(), replaced.name.as_str()),
        (Some("shop"), "postgres-0")
    );
    assert_eq!(replaced.old_uid, diff.pods.removed[0]);
    assert_eq!(replaced.new_uid, diff.pods.added[0]);
    let c = &diff.containers;
    assert!(c.restarted.is_empty(), "{:#?}", c.restarted);
    assert_eq!((c.added.len(), c.removed.len()), (2, 2));
    for id in &c.added {
        assert_eq!(c.details[id].pod_uid.as_ref(), Some(&replaced.new_uid));
    }
    for id in &c.removed {
        assert_eq!(c.details[id].pod_uid.as_ref(), Some(&replaced.old_uid));
    }
}

#[test]
fn a_counter_that_went_down_is_a_reset_with_the_events_since_as_its_delta() {
    let diff = pair("counter-reset");
    let oom = diff
        .counters
        .iter()
        .find(|c| c.counter == Counter::OomKills)
        .expect("the container's OOM kills");
    assert_eq!(
        (oom.old, oom.new, oom.delta, oom.reset),
        (Some(2), 1, 1, true)
    );
    assert_eq!(oom.file, "memory.oom_control oom_kill");
    assert_eq!(oom.per_second, Some(1.0 / 300.0));
    let r = &diff.containers.restarted;
    assert_eq!(r.len(), 1);
    assert!(r[0].in_place && r[0].old_id == r[0].new_id);
    assert!(rules(&diff).contains(&"oom-kills-in-interval"));
}

#[test]
fn the_interval_findings_of_each_pair_are_what_it_changed() {
    let cases: [(&str, &[&str]); 8] = [
        (
            "containerd-restart",
            &[
                "oom-kills-in-interval",
                "container-restarted",
                "memory-limit-hit-in-interval",
            ],
        ),
        ("crio-restart", &["container-restarted"]),
        (
            "docker-restart",
            &[
                "container-restarted",
                "process-stuck-uninterruptible",
                "zombies-growing",
            ],
        ),
        ("podman-restart", &["container-restarted"]),
        (
            "oom-kill",
            &[
                "oom-kills-in-interval",
                "cpu-throttled-in-interval",
                "memory-limit-hit-in-interval",
                "pids-limit-hit-in-interval",
            ],
        ),
        ("pod-replaced", &[]),
        (
            "counter-reset",
            &[
                "oom-kills-in-interval",
                "container-restarted",
                "memory-limit-hit-in-interval",
                "process-stuck-uninterruptible",
            ],
        ),
        ("reboot", &["node-rebooted"]),
    ];
    for (name, expected) in cases {
        assert_eq!(rules(&pair(name)), expected, "{name}");
    }
}

#[test]
fn a_reboot_is_the_first_warning_and_no_process_is_the_same_across_it() {
    let (old, new) = fixture::pair("reboot");
    let diff = crate::analyze_diff(&old, &new);
    assert_eq!(diff.warnings[0].kind, WarningKind::Rebooted);
    assert_eq!(diff.findings.interval[0].rule, "node-rebooted");
    let counted = |m: &Model| {
        m.processes
            .iter()
            .filter(|p| Some(p.pid) != m.collection.collector_pid)
            .count()
    };
    assert_eq!(diff.processes.started, counted(&new));
    assert_eq!(diff.processes.gone, counted(&old));
    assert!(diff.processes.uninterruptible_in_both.is_empty());
    // The containers came back under their ids: each restarted once, in place.
    assert_eq!(diff.containers.restarted.len(), 4);
    assert!(diff.containers.restarted.iter().all(|r| r.in_place));
    assert_eq!(diff.node.runtimes.restarted.len(), 2);
    assert!(diff.node.facts.iter().any(|f| f.fact == "kernel"));
}

#[test]
fn other_hosts_and_swapped_snapshots_are_warned_about() {
    let (old, new) = fixture::pair("crio-restart");
    let swapped = crate::analyze_diff(&new, &old);
    assert_eq!(swapped.interval_seconds, Some(-300.0));
    assert!(swapped
        .warnings
        .iter()
        .any(|w| w.kind == WarningKind::NewBeforeOld));
    assert!(swapped.counters.iter().all(|c| c.per_second.is_none()));
    let other = fixture::model("docker-plain");
    let diff = crate::analyze_diff(&old, &other);
    let kinds: Vec<WarningKind> = diff.warnings.iter().map(|w| w.kind).collect();
    assert_eq!(
        kinds,
        [WarningKind::DifferentHost],
        "two hosts, not a reboot"
    );
    assert!(diff.warnings[0].message.contains("boots differ too"));
    assert!(
        !rules(&diff).contains(&"node-rebooted"),
        "{:?}",
        rules(&diff)
    );
}

#[test]
fn swapping_the_snapshots_swaps_what_appeared_and_what_was_resolved() {
    let (old, new) = fixture::pair("oom-kill");
    let forward = crate::analyze_diff(&old, &new);
    let backward = crate::analyze_diff(&new, &old);
    assert!(!forward.findings.appeared.is_empty());
    assert_eq!(forward.findings.appeared, backward.findings.resolved);
    assert_eq!(forward.findings.resolved, backward.findings.appeared);
    assert_eq!(forward.pods.added, backward.pods.removed);
}

#[test]
fn counters_need_a_positive_interval_for_a_rate() {
    let old = fixture::model("docker-plain");
    let mut new = old.clone();
    let cgroup = new
        .cgroups
        .iter_mut()
        .find(|c| c.usage.memory_failcnt.is_some())
        .unwrap();
    cgroup.usage.memory_failcnt = cgroup.usage.memory_failcnt.map(|n| n + 5);
    let diff = compare(&old, &new);
    assert_eq!(diff.interval_seconds, Some(0.0));
    assert_eq!(diff.counters.len(), 1);
    assert_eq!(diff.counters[0].delta, 5);
    assert_eq!(diff.counters[0].per_second, None);
    let json = serde_json::to_value(&diff).unwrap();
    assert!(json["counters"][0]["per_second"].is_null());
}

#[test]
fn a_process_that_moved_cgroup_or_namespace_is_listed_once_with_what_moved() {
    let old = fixture::seed();
    let mut new = old.clone();
    let p = new
        .processes
        .iter_mut()
        .find(|p| p.container_id.is_some() && !p.partial)
        .unwrap();
    let pid = p.pid;
    p.cgroups[0].path = "/elsewhere".to_string();
    let net = p.namespaces.get_mut(&NsType::Net).unwrap();
    net.0 += 1;
    let diff = compare(&old, &new);
    assert_eq!(diff.processes.moved.len(), 1);
    let moved = &diff.processes.moved[0];
    assert_eq!(moved.process.pid, pid);
    assert_eq!(moved.cgroups.len(), 1);
    assert_eq!(moved.cgroups[0].new.as_deref(), Some("/elsewhere"));
    assert_eq!(moved.namespaces.len(), 1);
    assert_eq!(moved.namespaces[0].kind, NsType::Net);
    assert_eq!((diff.processes.started, diff.processes.gone), (0, 0));
}

#[test]
fn every_limit_of_the_model_is_compared() {
    let old = fixture::seed();
    let mut new = old.clone();
    let all = Limits {
        memory_max_bytes: Some(Limit::Value(1)),
        memory_high_bytes: Some(Limit::Value(2)),
        cpu_quota_usec: Some(Limit::Value(3)),
        cpu_period_usec: Some(4),
        cpu_weight: Some(5),
        cpu_shares: Some(6),
        pids_max: Some(Limit::Value(7)),
        cpuset_cpus: Some("0-1".to_string()),
    };
    let fields = serde_json::to_value(&all).unwrap();
    let fields = fields.as_object().unwrap();
    // A limit added to the model must be compared too: every field here differs from the
    // seed's, so each must show up.
    assert_eq!(
        fields.len(),
        8,
        "a new field of Limits: compare it in diff::cgroups"
    );
    new.cgroups[1].limits = all;
    let diff = compare(&old, &new);
    let changed: Vec<&str> = diff.limits.iter().map(|l| l.limit).collect();
    for field in fields.keys() {
        let differs = serde_json::to_value(&old.cgroups[1].limits).unwrap()[field] != fields[field];
        assert_eq!(changed.contains(&field.as_str()), differs, "{field}");
    }
}
