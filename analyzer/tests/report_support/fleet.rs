//! Fleets for the fleet page's tests, built from the report tests' nodes: the seed node cloned
//! into five nodes that each differ in plain sight, every fixture layout side by side, and a
//! fleet whose hostnames, pod names, kernels, paths and errors are hostile.

use super::{hostile_model, layout_model, seed_model};
use analyzer::fleet::{report_file_name, Fleet};
use analyzer::model::{CgroupDriver, Finding, Model, Severity, Subject};
use analyzer::snapshot::SnapshotId;
use nodesnap_fixtures::layouts;

/// The id the node's collection would have (its boot id is not in the model: none is used).
pub fn id_of(model: &Model) -> SnapshotId {
    SnapshotId::from_parts(
        None,
        &nodesnap_format::Manifest {
            hostname: model.node.hostname.clone(),
            started_at: model.collection.started_at.clone(),
            finished_at: model.collection.finished_at.clone(),
            ..nodesnap_format::Manifest::empty()
        },
    )
}

/// A node of a fleet with its model, as added, and the file name of its report.
pub struct Member {
    pub model: Model,
    pub report: String,
}

/// Adds `model` to the fleet as read from `source`, with its report's file name set.
pub fn add(fleet: &mut Fleet, members: &mut Vec<Member>, source: &str, model: Model) {
    let id = id_of(&model);
    let at = fleet.add_node(source, id.clone(), &model);
    let report = report_file_name(model.node.hostname.as_deref(), &id);
    fleet.set_report(at, report.clone());
    members.push(Member { model, report });
}

fn pod_uid(model: &Model, name_starts: &str) -> analyzer::model::PodUid {
    model
        .pods
        .iter()
        .find(|p| {
            p.name
                .as_deref()
                .is_some_and(|n| n.starts_with(name_starts))
        })
        .unwrap_or_else(|| panic!("no pod {name_starts}"))
        .uid
        .clone()
}

/// Five copies of the seed node: node-2's nginx-redis pod OOM-killed, node-3 without
/// kube-proxy, node-4 on the systemd driver, node-5 on another kernel; then node-1's snapshot
/// again under another name, and a damaged file.
pub fn seed_fleet() -> (Fleet, Vec<Member>) {
    let mut fleet = Fleet::new();
    let mut members = Vec::new();
    for host in ["node-1", "node-2", "node-3", "node-4", "node-5"] {
        let mut model = seed_model();
        model.node.hostname = Some(host.to_string());
        match host {
            "node-2" => {
                let uid = pod_uid(&model, "nginx-redis");
                model.findings.insert(
                    0,
                    Finding {
                        rule: "cgroup-oom-kills".to_string(),
                        severity: Severity::Critical,
                        subject: Subject::Pod(uid),
                        message: "default/nginx-redis: 2 processes were OOM-killed".to_string(),
                        explanation: String::new(),
                    },
                );
            }
            "node-3" => {
                let uid = pod_uid(&model, "kube-proxy");
                model.pods.retain(|p| p.uid != uid);
            }
            "node-4" => model.node.cgroup_driver = CgroupDriver::Systemd,
            "node-5" => model.node.kernel = Some("5.14.0-284.el9.x86_64".to_string()),
            _ => {}
        }
        add(
            &mut fleet,
            &mut members,
            &format!("tickets/4711/{host}.tar.gz"),
            model,
        );
    }
    let again = members[0].model.clone();
    fleet.add_node("tickets/4711/node-1 (copy).tar.gz", id_of(&again), &again);
    fleet.add_bad(
        "tickets/4711/node-6.tar.gz",
        "not a gzip stream: invalid gzip header (the download may be incomplete)",
    );
    (fleet, members)
}

/// Every layout of nodesnap-fixtures, one node each.
pub fn layouts_fleet() -> (Fleet, Vec<Member>) {
    let mut fleet = Fleet::new();
    let mut members = Vec::new();
    for name in layouts::NAMES {
        add(
            &mut fleet,
            &mut members,
            &format!("samples/{name}.tar.gz"),
            layout_model(name),
        );
    }
    (fleet, members)
}

/// Markup, scripts, bidi and control characters in every string of the page that comes from
/// a node or the command line.
pub const HOSTILE_HOSTS: [&str; 3] = [
    "node<script>alert(8)</script>",
    "\"><img src=x onerror=alert(9)>",
    "evil\u{202e}lmth.exe",
];

/// The hostile report node three times over with hostile hostnames and kernels, a pod named to
/// break out of markup failing on one of them, and a bad input whose path and reason are
/// markup.
pub fn hostile_fleet() -> (Fleet, Vec<Member>) {
    let mut fleet = Fleet::new();
    let mut members = Vec::new();
    for (n, host) in HOSTILE_HOSTS.iter().enumerate() {
        let mut model = hostile_model();
        model.node.hostname = Some(host.to_string());
        model.node.kernel = Some(format!("6.1</td><script>alert({n})</script>"));
        if n == 0 {
            model.node.kernel = Some("5.10\u{2066}<b>bold</b>".to_string());
            let uid = pod_uid(&model, "web</script>");
            model.findings.insert(
                0,
                Finding {
                    rule: "<img src=x onerror=alert(10)>".to_string(),
                    severity: Severity::Critical,
                    subject: Subject::Pod(uid),
                    message: "<script>alert(11)</script>".to_string(),
                    explanation: String::new(),
                },
            );
        }
        add(
            &mut fleet,
            &mut members,
            &format!("<b>tickets</b>/{host}.tar.gz"),
            model,
        );
    }
    fleet.add_bad(
        "\"><script>alert(12)</script>.tar.gz",
        "<img src=x onerror=alert(13)>: not a gzip stream\u{2028}",
    );
    (fleet, members)
}
