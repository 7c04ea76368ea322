//! Scenario tests of the fleet: the seed node cloned into a small fleet, each clone changed in
//! plain sight (a kernel, a driver, a failing pod, a missing pod), then summed up, compared and
//! rendered.

use super::*;
use crate::fixture;
use crate::model::{CgroupDriver, Finding, Model, Severity, Subject};
use nodesnap_format::Manifest;

/// The seed node as `host`, with the snapshot id such a collection would have.
fn node(host: &str) -> (Model, SnapshotId) {
    let mut model = fixture::seed();
    model.node.hostname = Some(host.to_string());
    let id = SnapshotId::from_parts(
        Some("5b1e0f7c-3d9a-4c61-8f0e-2a7d94c1b6e3"),
        &Manifest {
            hostname: Some(host.to_string()),
            started_at: "2020-06-17T02:30:00Z".to_string(),
            ..Manifest::empty()
        },
    );
    (model, id)
}

fn pod_uid(model: &Model, name_starts: &str) -> crate::model::PodUid {
    model
        .pods
        .iter()
        .find(|p| {
            p.name
                .as_deref()
                .is_some_and(|n| n.starts_with(name_starts))
        })
        .unwrap_or_else(|| panic!("the seed has a pod {name_starts}"))
        .uid
        .clone()
}

/// Five seed nodes: node-2's nginx-redis pod OOM-killed, node-3 without kube-proxy, node-4 on
/// the systemd driver, node-5 on another kernel; then node-1 again and a bad input.
fn fleet() -> Fleet {
    let mut fleet = Fleet::new();
    for host in ["node-1", "node-2", "node-3", "node-4", "node-5"] {
        let (mut model, id) = node(host);
        match host {
            "node-2" => {
                let uid = pod_uid(&model, "nginx-redis");
                model.findings.push(Finding {
                    rule: "cgroup-oom-kills".to_string(),
                    severity: Severity::Critical,
                    subject: Subject::Pod(uid),
                    message: "OOM".to_string(),
                    explanation: String::new(),
                });
            }
            "node-3" => {
                let uid = pod_uid(&model, "kube-proxy");
                model.pods.retain(|p| p.uid != uid);
            }
            "node-4" => model.node.cgroup_driver = CgroupDriver::Systemd,
            "node-5" => model.node.kernel = Some("5.14.0-284.el9.x86_64".to_string()),
            _ => {}
        }
        let at = fleet.add_node(&format!("snapshots/{host}.tar.gz"), id.clone(), &model);
        fleet.set_report(at, report_file_name(Some(host), &id));
    }
    let (model, id) = node("node-1");
    fleet.add_node("copies/node-1-again.tar.gz", id, &model);
    fleet.add_bad(
        "snapshots/broken.tar.gz",
        "snapshots/broken.tar.gz: not a gzip stream",
    );
    fleet
}

#[test]
fn every_input_is_an_entry_in_order_and_a_repeated_snapshot_is_shown_once() {
    let fleet = fleet();
    assert_eq!(fleet.entries.len(), 7);
    assert_eq!(fleet.nodes().count(), 5);
    assert_eq!(fleet.bad_count(), 1);
    match &fleet.entries[5] {
        Entry::Duplicate { source, of, .. } => {
            assert_eq!(source, "copies/node-1-again.tar.gz");
            assert_eq!(*of, 0);
        }
        other => panic!("not a duplicate: {other:?}"),
    }
    assert!(matches!(&fleet.entries[6], Entry::Bad { reason, .. } if reason.contains("gzip")));
}

#[test]
fn a_summary_keeps_the_nodes_facts_counts_and_findings_by_rule() {
    let fleet = fleet();
    let (_, first) = fleet.nodes().next().unwrap();
    let seed = fixture::seed();
    assert_eq!(first.hostname.as_deref(), Some("node-1"));
    assert_eq!(first.kernel, seed.node.kernel);
    assert_eq!(
        (first.pods, first.containers, first.processes),
        (seed.pods.len(), seed.containers.len(), seed.processes.len())
    );
    assert_eq!(first.severities, [0, 3, 3]);
    assert_eq!(first.runtimes, "containerd + docker");
    let host_pid = fleet.rules.lookup("pod-host-pid").unwrap();
    assert_eq!(first.rule_count(host_pid), 1);
    let host_network = fleet.rules.lookup("pod-host-network").unwrap();
    assert_eq!(first.rule_count(host_network), 3);
    // node-exporter fails (its host pid is a warning); kube-proxy on the host network does not.
    let failing: Vec<&str> = first
        .pods_by_owner
        .iter()
        .filter(|p| !p.failing.is_empty())
        .map(|p| fleet.pod_keys.name(p.key))
        .collect();
    assert_eq!(failing, vec!["monitoring/node-exporter"]);
    let keys: Vec<&str> = first
        .pods_by_owner
        .iter()
        .map(|p| fleet.pod_keys.name(p.key))
        .collect();
    assert!(keys.contains(&"kube-system/kube-proxy"), "{keys:?}");
    assert!(keys.contains(&"xxx-xxxx/safe-nginx"), "{keys:?}");
}

#[test]
fn a_node_unlike_most_is_an_outlier_by_attribute() {
    let fleet = fleet();
    let (outliers, mixed) = node_outliers(&fleet);
    let found: Vec<(usize, Attribute, &str)> = outliers
        .iter()
        .map(|o| (o.node, o.attribute, o.value.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![
            (4, Attribute::Kernel, "5.14.0-284.el9.x86_64"),
            (3, Attribute::CgroupDriver, "systemd"),
        ]
    );
    assert_eq!(outliers[0].common_nodes, 4);
    assert_eq!(outliers[1].common, "cgroupfs");
    assert!(mixed.is_empty());
}

#[test]
fn without_a_majority_an_attribute_is_mixed_and_no_node_is_singled_out() {
    let mut fleet = Fleet::new();
    for (host, kernel) in [("a", "5.15"), ("b", "5.15"), ("c", "6.1"), ("d", "6.1")] {
        let (mut model, id) = node(host);
        model.node.kernel = Some(kernel.to_string());
        fleet.add_node(host, id, &model);
    }
    let (outliers, mixed) = node_outliers(&fleet);
    assert!(outliers.is_empty());
    assert_eq!(
        mixed,
        vec![MixedAttribute {
            attribute: Attribute::Kernel,
            values: vec![("5.15".to_string(), 2), ("6.1".to_string(), 2)],
        }]
    );
}

#[test]
fn a_pod_on_most_nodes_failing_or_missing_on_a_few_is_an_outlier() {
    let fleet = fleet();
    let outliers = pod_outliers(&fleet);
    let found: Vec<(&str, usize, Vec<usize>, Vec<usize>)> = outliers
        .iter()
        .map(|o| {
            (
                fleet.pod_keys.name(o.key),
                o.present,
                o.failing.iter().map(|(at, _)| *at).collect(),
                o.absent.clone(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("default/nginx-redis", 5, vec![1], vec![]),
            ("kube-system/kube-proxy", 4, vec![], vec![2]),
        ],
        "node-exporter fails everywhere: not an outlier, a fleet-wide problem the matrix shows"
    );
    let oom = fleet.rules.lookup("cgroup-oom-kills").unwrap();
    assert_eq!(outliers[0].failing[0].1, vec![oom]);
    assert!(outliers.iter().all(|o| o.of == 5));
}

#[test]
fn report_file_names_are_safe_for_a_link_and_unique_by_snapshot() {
    let (_, id) = node("x");
    let cases = [
        (Some("node-a.example.com"), "node-a.example.com"),
        (
            Some("\"><script>alert(1)</script>"),
            "___script_alert_1___script_",
        ),
        (Some("../../etc/passwd"), "_.._etc_passwd"),
        (Some("-rf"), "rf"),
        (Some("..."), "node"),
        (None, "unknown-host"),
        (Some("节点"), "__"),
    ];
    for (host, stem) in cases {
        assert_eq!(
            report_file_name(host, &id),
            format!("{stem}-{id}.html"),
            "{host:?}"
        );
    }
    let long = "a".repeat(300);
    assert_eq!(report_file_name(Some(&long), &id).len(), 64 + 1 + 32 + 5);
}

#[test]
fn the_page_shows_every_input_the_outliers_and_the_matrix() {
    let fleet = fleet();
    let html = render_html(&fleet).unwrap();
    for row in 0..7 {
        assert!(html.contains(&format!("<tr id=\"n-{row}\"")), "row {row}");
    }
    assert!(html.contains("snapshots/broken.tar.gz: not a gzip stream"));
    assert!(html.contains("the same snapshot as snapshots/node-1.tar.gz: shown once"));
    assert!(html.contains("<code>default/nginx-redis</code>"));
    assert!(html.contains("5.14.0-284.el9.x86_64"));
    let (_, id) = node("node-2");
    assert!(html.contains(&format!("href=\"node-2-{id}.html#findings\"")));
    assert!(html.contains(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        content_security_policy().replace('\'', "&#39;")
    )));
    assert!(!content_security_policy().contains("unsafe-inline"));
}
