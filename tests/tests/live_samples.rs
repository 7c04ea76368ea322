//! Several samples on the live kernel: a process burns cpu in a cgroup whose quota throttles
//! it, `collector --samples 3 --interval 1` collects the node, and the analyzer's window shows
//! the process's cpu use near its quota, the throttling counted in the window with its rate,
//! and the throttling-now finding; `analyzer diff SNAP` compares the first and last samples.

use crate::live_pipeline::{run, workspace_binary};
use nodesnap_testing::{cannot_run, is_root, require};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::Duration;

const CPU_HIERARCHY: &str = "/sys/fs/cgroup/cpu";

/// The burning process and its cgroup, removed on drop (also when the test fails).
struct Burner {
    child: Child,
    cgroup: PathBuf,
}

impl Drop for Burner {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for _ in 0..50 {
            if std::fs::remove_dir(&self.cgroup).is_ok() || !self.cgroup.exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A shell loop in a new cpu cgroup limited to 0.2 cpu (2 ms every 10 ms, so that a two-second
/// window holds 200 periods).
fn burner(name: &str) -> Result<Burner, String> {
    let cgroup = PathBuf::from(CPU_HIERARCHY).join(name);
    std::fs::create_dir(&cgroup).map_err(|e| format!("mkdir {}: {e}", cgroup.display()))?;
    let child = Command::new("sh")
        .args(["-c", "while :; do :; done"])
        .spawn()
        .map_err(|e| format!("sh: {e}"))?;
    let burner = Burner { child, cgroup };
    let write = |file: &str, value: String| {
        std::fs::write(burner.cgroup.join(file), value).map_err(|e| format!("{file}: {e}"))
    };
    write("cpu.cfs_period_us", "10000".into())?;
    write("cpu.cfs_quota_us", "2000".into())?;
    write("cgroup.procs", burner.child.id().to_string())?;
    Ok(burner)
}

#[test]
fn three_samples_show_a_throttled_burner_and_its_rate() {
    require!(is_root(), "making a cpu cgroup needs root");
    require!(
        PathBuf::from(CPU_HIERARCHY)
            .join("cpu.cfs_quota_us")
            .exists(),
        "no cgroup v1 cpu hierarchy at /sys/fs/cgroup/cpu"
    );
    let (Some(collector), Some(analyzer)) = (
        workspace_binary("collector", "NODESNAP_COLLECTOR"),
        workspace_binary("analyzer", "NODESNAP_ANALYZER"),
    ) else {
        cannot_run("live samples", "build the collector and analyzer first");
        return;
    };
    let name = format!("nodesnap-samples-{}", std::process::id());
    let burner = match burner(&name) {
        Ok(burner) => burner,
        Err(reason) => {
            cannot_run("live samples", &reason);
            return;
        }
    };
    // Removed with its directory on drop, also when an assertion fails.
    let dir = nodesnap_fixtures::TempDir::new(&name);
    let out = dir.join("snapshot.tar.gz");
    run(
        Command::new(&collector)
            .args(["--samples", "3", "--interval", "1", "-q", "-o"])
            .arg(&out),
        Duration::from_secs(120),
    );
    let model: Value = serde_json::from_slice(&run(
        Command::new(&analyzer)
            .arg("model")
            .arg(&out)
            .args(["--format", "json"]),
        Duration::from_secs(120),
    ))
    .unwrap();
    let diff: Value = serde_json::from_slice(&run(
        Command::new(&analyzer)
            .arg("diff")
            .arg(&out)
            .args(["--format", "json"]),
        Duration::from_secs(120),
    ))
    .unwrap();
    let pid = burner.child.id();
    drop(burner);

    let window = &model["window"];
    assert_eq!(window["samples"], 3, "{window}");
    let seconds = window["seconds"].as_f64().unwrap();
    assert!(seconds >= 1.5, "{seconds}");
    let burned = window["top_processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pid"] == pid)
        .unwrap_or_else(|| panic!("burner {pid} among the busiest: {window}"));
    let cores = burned["cores"].as_f64().unwrap();
    assert!((0.05..0.4).contains(&cores), "quota 0.2 cpu, used {cores}");
    let cgroup = format!("/{name}");
    let throttled = window["counters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cgroup"] == cgroup.as_str() && c["counter"] == "cpu_nr_throttled")
        .unwrap_or_else(|| panic!("throttling of {cgroup} in {window}"));
    assert!(throttled["delta"].as_u64().unwrap() >= 50, "{throttled}");
    assert!(
        throttled["per_second"].as_f64().unwrap() > 25.0,
        "{throttled}"
    );
    let found = |findings: &Value| {
        findings.as_array().unwrap().iter().any(|f| {
            f["rule"] == "cpu-throttled-in-interval" && f["subject"]["id"] == cgroup.as_str()
        })
    };
    assert!(found(&model["findings"]), "{}", model["findings"]);
    assert!(found(&diff["findings"]["interval"]), "{}", diff["findings"]);
    assert!(diff["interval_seconds"].as_f64().unwrap() >= 1.5);
}
