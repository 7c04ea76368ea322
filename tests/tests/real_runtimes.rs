//! End to end against real container runtimes on the real kernel: containerd with CRI pods
//! made as kubelet makes them, dockerd on its own containerd, podman with a pod (see
//! nodesnap_tests::realnode). The real collector runs on `/`, the analyzer's model of the
//! snapshot is compared fact by fact with what the runtimes' APIs and /proc say, and every
//! mismatch is listed before the test fails: the list is the model's to-do list.
//!
//! Uses the collector and analyzer binaries of this target directory (built by `cargo test
//! --workspace` or `cargo build -p collector -p analyzer`), or NODESNAP_COLLECTOR and
//! NODESNAP_ANALYZER. Without root or a runtime it cannot run: under CI that is a failure.
//!
//! With NODESNAP_KEEP_REALNODE=DIR the snapshot and the truth stay in DIR (snapshot.tar.gz,
//! truth.json), so that model work can go on without the node:
//! `analyzer model DIR/snapshot.tar.gz --format json > m.json` and
//! `realnode check --truth DIR/truth.json --model m.json`.

use nodesnap_testing::{cannot_run, is_root, require};
use nodesnap_tests::realnode::plan::NodePlan;
use nodesnap_tests::realnode::{compare, RealNode, RealNodeConfig};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A binary of the workspace: the environment's choice, else this target directory's.
pub(super) fn workspace_binary(name: &str, env: &str) -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(env) {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| dir.join(name))
        .ok_or("no target directory")?;
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} is not built (cargo build -p collector -p analyzer, or set {env})",
            path.display()
        ))
    }
}

/// Runs a command within `timeout`; its stdout, or an error with its stderr.
pub(super) fn run(command: &mut Command, timeout: Duration) -> Result<Vec<u8>, String> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting {command:?}: {e}"))?;
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || std::io::read_to_string(stdout));
    let err = std::thread::spawn(move || std::io::read_to_string(stderr));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{command:?} ran longer than {timeout:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out.join().expect("reader").unwrap_or_default();
    let stderr = err.join().expect("reader").unwrap_or_default();
    if status.success() {
        Ok(stdout.into_bytes())
    } else {
        Err(format!("{command:?} failed ({status}): {stderr}"))
    }
}

#[test]
fn the_model_agrees_with_real_runtimes_on_every_pod_container_and_daemon() {
    require!(is_root(), "needs root to run container runtimes");
    let collector = match workspace_binary("collector", "NODESNAP_COLLECTOR") {
        Ok(path) => path,
        Err(reason) => return cannot_run(module_path!(), reason),
    };
    let analyzer = match workspace_binary("analyzer", "NODESNAP_ANALYZER") {
        Ok(path) => path,
        Err(reason) => return cannot_run(module_path!(), reason),
    };
    let started = Instant::now();
    let node = match RealNode::up(&NodePlan::standard(), &RealNodeConfig::new()) {
        Ok(node) => node,
        Err(e) if e.is_environmental() => return cannot_run(module_path!(), e),
        Err(e) => panic!("the real node did not come up: {e}"),
    };
    let up_secs = started.elapsed().as_secs_f64();

    // Inside the node's directory, so that the teardown removes it.
    let snapshot = node.dir().join("snapshot.tar.gz");
    let model = run(
        Command::new(&collector)
            .args(["--root", "/", "--quiet", "-o"])
            .arg(&snapshot),
        Duration::from_secs(120),
    )
    .and_then(|_| {
        run(
            Command::new(&analyzer)
                .arg("model")
                .arg(&snapshot)
                .args(["--format", "json"]),
            Duration::from_secs(120),
        )
    })
    .and_then(|json| {
        serde_json::from_slice::<Value>(&json)
            .map_err(|e| format!("the analyzer's model is not JSON: {e}"))
    });
    let report = model
        .as_ref()
        .map(|model| compare::compare(node.truth(), model));
    if let Some(keep) = std::env::var_os("NODESNAP_KEEP_REALNODE").map(PathBuf::from) {
        std::fs::create_dir_all(&keep).expect("NODESNAP_KEEP_REALNODE is a directory");
        std::fs::copy(&snapshot, keep.join("snapshot.tar.gz")).expect("keeping the snapshot");
        let truth = serde_json::to_string_pretty(node.truth()).expect("the truth is JSON");
        std::fs::write(keep.join("truth.json"), truth).expect("keeping the truth");
        eprintln!("real node: snapshot and truth kept in {}", keep.display());
    }
    let phases: Vec<String> = node
        .timings
        .iter()
        .map(|(phase, secs)| format!("{phase} {secs:.1}s"))
        .collect();
    let torn_down = Instant::now();
    let teardown = node.teardown();
    eprintln!(
        "real node: up in {up_secs:.1}s ({}), torn down in {:.1}s, {:.1}s in all",
        phases.join(", "),
        torn_down.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    let report = report.unwrap_or_else(|e| panic!("collecting the real node: {e}"));
    if let Err(e) = teardown {
        panic!("the real node was not removed completely: {e}\n(and the model: {report})");
    }
    assert!(
        report.mismatches.is_empty(),
        "the model disagrees with the real runtimes:\n{report}"
    );
}
