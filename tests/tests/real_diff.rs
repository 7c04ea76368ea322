//! `analyzer diff` on the real kernel: two snapshots of the real node (nodesnap_tests::realnode)
//! collected by the real collector, with, between them, a CRI container restarted as kubelet
//! restarts one and a process OOM-killed at another container's memory limit. The diff must
//! name the restart (only as a restart), count the OOM kill on the right container's cgroup
//! with a rate, judge both as findings of the interval, and find nothing in a snapshot
//! compared with itself; the command exits 0 on differences and 2 on a missing snapshot.
//!
//! Uses the collector and analyzer binaries as real_runtimes does (NODESNAP_COLLECTOR,
//! NODESNAP_ANALYZER). Run it under `flock /tmp/nodesnap-realnode.lock`: the runtimes are one
//! set per machine.

use super::real_runtimes::{run, workspace_binary};
use nodesnap_testing::{cannot_run, is_root, require};
use nodesnap_tests::realnode::plan::NodePlan;
use nodesnap_tests::realnode::{RealNode, RealNodeConfig};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const POD: &str = "web-6d4cf56db6-x8k2p";
const RESTARTED: &str = "app";
const OOM_KILLED_IN: &str = "sidecar";

struct Observed {
    pod_uid: String,
    restarted: nodesnap_tests::realnode::churn::Restarted,
    oom_container: String,
    /// `analyzer diff OLD NEW --format json`.
    diff: Value,
    /// `analyzer diff OLD OLD --format json`.
    same: Value,
    /// `analyzer diff OLD NEW` as text.
    text: String,
    report: String,
    /// Exit status and stderr of `analyzer diff OLD <missing>`.
    missing: (Option<i32>, String),
}

fn collect(collector: &Path, out: &Path) -> Result<(), String> {
    run(
        Command::new(collector)
            .args(["--root", "/", "--quiet", "-o"])
            .arg(out),
        Duration::from_secs(120),
    )
    .map(drop)
}

fn diff(analyzer: &Path, old: &Path, new: &Path, extra: &[&str]) -> Result<Vec<u8>, String> {
    run(
        Command::new(analyzer)
            .arg("diff")
            .arg(old)
            .arg(new)
            .args(extra),
        Duration::from_secs(120),
    )
}

fn json(bytes: Vec<u8>) -> Result<Value, String> {
    serde_json::from_slice(&bytes).map_err(|e| format!("the diff is not JSON: {e}"))
}

fn observe(
    node: &mut RealNode,
    plan: &NodePlan,
    collector: &Path,
    analyzer: &Path,
) -> Result<Observed, String> {
    let dir = node.dir().to_path_buf();
    let (old, new) = (dir.join("old.tar.gz"), dir.join("new.tar.gz"));
    let truth = node.truth().clone();
    let pod_uid = truth
        .pods
        .iter()
        .find(|p| p.name == POD)
        .map(|p| p.uid.clone())
        .ok_or("no web pod")?;
    let oom_container = truth
        .containers
        .iter()
        .find(|c| c.pod_uid.as_deref() == Some(&pod_uid) && c.name == OOM_KILLED_IN)
        .map(|c| c.id.clone())
        .ok_or("no sidecar")?;

    collect(collector, &old)?;
    node.oom_kill_in(&oom_container, Duration::from_secs(60))
        .map_err(|e| e.to_string())?;
    let restarted = node
        .restart_cri_container(plan, POD, RESTARTED)
        .map_err(|e| e.to_string())?;
    // Whole seconds apart at least, so that the interval is not 0.
    std::thread::sleep(Duration::from_millis(1100));
    collect(collector, &new)?;

    let report_path = dir.join("diff.html");
    let missing_path = dir.join("missing.tar.gz");
    let missing = Command::new(analyzer)
        .arg("diff")
        .arg(&old)
        .arg(&missing_path)
        .output()
        .map_err(|e| e.to_string())?;
    diff(
        analyzer,
        &old,
        &new,
        &["--report", "-o", &report_path.display().to_string()],
    )?;
    Ok(Observed {
        pod_uid,
        restarted,
        oom_container,
        diff: json(diff(analyzer, &old, &new, &["--format", "json"])?)?,
        same: json(diff(analyzer, &old, &old, &["--format", "json"])?)?,
        text: String::from_utf8_lossy(&diff(analyzer, &old, &new, &[])?).into_owned(),
        report: std::fs::read_to_string(&report_path).map_err(|e| e.to_string())?,
        missing: (
            missing.status.code(),
            String::from_utf8_lossy(&missing.stderr).into_owned(),
        ),
    })
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn rules(list: &Value) -> Vec<&str> {
    list.as_array()
        .map(|items| items.iter().filter_map(|f| f["rule"].as_str()).collect())
        .unwrap_or_default()
}

#[test]
fn a_restart_and_an_oom_kill_between_two_real_snapshots_are_what_the_diff_reports() {
    require!(is_root(), "needs root to run container runtimes");
    let collector = match workspace_binary("collector", "NODESNAP_COLLECTOR") {
        Ok(path) => path,
        Err(reason) => return cannot_run(module_path!(), reason),
    };
    let analyzer = match workspace_binary("analyzer", "NODESNAP_ANALYZER") {
        Ok(path) => path,
        Err(reason) => return cannot_run(module_path!(), reason),
    };
    let plan = NodePlan::standard();
    let mut node = match RealNode::up(&plan, &RealNodeConfig::new()) {
        Ok(node) => node,
        Err(e) if e.is_environmental() => return cannot_run(module_path!(), e),
        Err(e) => panic!("the real node did not come up: {e}"),
    };
    let observed = observe(&mut node, &plan, &collector, &analyzer);
    if let (Some(keep), Ok(_)) = (
        std::env::var_os("NODESNAP_KEEP_REALNODE").map(PathBuf::from),
        &observed,
    ) {
        std::fs::create_dir_all(&keep).expect("NODESNAP_KEEP_REALNODE is a directory");
        for name in ["old.tar.gz", "new.tar.gz", "diff.html"] {
            std::fs::copy(node.dir().join(name), keep.join(name)).expect("keeping the snapshots");
        }
    }
    let teardown = node.teardown();
    let o = observed.unwrap_or_else(|e| panic!("changing and collecting the real node: {e}"));
    if let Err(e) = teardown {
        panic!("the real node was not removed completely: {e}");
    }
    let d = &o.diff;

    // The same node, the same boot, later.
    assert_eq!(d["old"]["hostname"], d["new"]["hostname"]);
    assert_eq!(d["old"]["boot_id"], d["new"]["boot_id"]);
    assert_eq!(
        d["warnings"],
        Value::Array(Vec::new()),
        "{:#}",
        d["warnings"]
    );
    let interval = d["interval_seconds"].as_f64().expect("an interval");
    assert!(interval >= 1.0, "interval {interval}");

    // The restart, under `restarted` only.
    let restarted = d["containers"]["restarted"].as_array().expect("a list");
    let entry = restarted
        .iter()
        .find(|r| r["name"] == RESTARTED && r["pod_uid"] == o.pod_uid.as_str())
        .unwrap_or_else(|| panic!("no restart of {RESTARTED} in {restarted:#?}"));
    assert_eq!(entry["old_id"], o.restarted.old_id.as_str());
    assert_eq!(entry["new_id"], o.restarted.new_id.as_str());
    assert_eq!(entry["in_place"], false);
    assert!(entry["restart_count"].as_u64() >= Some(1), "{entry:#}");
    assert_eq!(
        restarted.len(),
        1,
        "only {RESTARTED} restarted: {restarted:#?}"
    );
    for list in ["added", "removed"] {
        let ids = strings(&d["containers"][list]);
        assert!(
            !ids.contains(&o.restarted.old_id.as_str())
                && !ids.contains(&o.restarted.new_id.as_str()),
            "the restarted container is also under containers.{list}: {ids:?}"
        );
        assert_eq!(strings(&d["pods"][list]), Vec::<&str>::new(), "pods.{list}");
    }

    // The OOM kill, on the sidecar's cgroup, with its rate.
    let counters = d["counters"].as_array().expect("a list");
    let oom = counters
        .iter()
        .find(|c| c["counter"] == "oom_kills" && c["container_id"] == o.oom_container.as_str())
        .unwrap_or_else(|| panic!("no OOM kill of {OOM_KILLED_IN} in {counters:#?}"));
    assert!(oom["delta"].as_u64() >= Some(1), "{oom:#}");
    assert_eq!(
        oom["new"]
            .as_u64()
            .zip(oom["old"].as_u64())
            .map(|(n, o)| n - o),
        oom["delta"].as_u64(),
        "{oom:#}"
    );
    let rate = oom["per_second"]
        .as_f64()
        .expect("a rate over a positive interval");
    assert!(rate > 0.0 && rate <= oom["delta"].as_f64().unwrap() / interval + 1e-9);

    // Both judged, the text and the report saying so too.
    let interval_rules = rules(&d["findings"]["interval"]);
    for rule in ["container-restarted", "oom-kills-in-interval"] {
        assert!(
            interval_rules.contains(&rule),
            "{rule} missing: {interval_rules:?}"
        );
    }
    assert!(o.text.contains("restarted"), "{}", o.text);
    assert!(o.text.contains(&o.restarted.new_id[..12]), "{}", o.text);
    assert!(o.report.starts_with("<!DOCTYPE html>"));
    assert!(o.report.contains(&o.restarted.new_id[..12]));

    // A snapshot against itself: nothing.
    let s = &o.same;
    assert_eq!(s["interval_seconds"].as_f64(), Some(0.0));
    for (what, list) in [
        ("pods.added", &s["pods"]["added"]),
        ("pods.removed", &s["pods"]["removed"]),
        ("containers.added", &s["containers"]["added"]),
        ("containers.removed", &s["containers"]["removed"]),
        ("containers.restarted", &s["containers"]["restarted"]),
        ("counters", &s["counters"]),
        ("limits", &s["limits"]),
        ("findings.appeared", &s["findings"]["appeared"]),
        ("findings.resolved", &s["findings"]["resolved"]),
        ("findings.interval", &s["findings"]["interval"]),
    ] {
        assert_eq!(
            list,
            &Value::Array(Vec::new()),
            "{what} of OLD against itself"
        );
    }
    assert_eq!(s["processes"]["started"], 0);
    assert_eq!(s["processes"]["gone"], 0);

    // Bad input: 2, one line naming the file.
    let (code, stderr) = &o.missing;
    assert_eq!(*code, Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("missing.tar.gz"), "{stderr}");
}
