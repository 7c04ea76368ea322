//! `--samples N --interval S`: later samples of the fast-changing files under `samples/<k>/`,
//! their times in the manifest, and the refusal of a window the deadline cannot hold.

use crate::support::{collect_ok, decode_bundle, run_collector, small_node};
use std::time::Duration;

fn names(records: &[(String, Vec<u8>)]) -> Vec<&str> {
    records.iter().map(|(name, _)| name.as_str()).collect()
}

#[test]
fn later_samples_hold_stat_status_counters_and_node_files_only() {
    let tree = small_node("samples");
    let (snap, _) = collect_ok(tree.root(), &["--samples", "3", "--interval", "0.2"]);
    assert_eq!(snap.manifest.format_version, 3);
    let sampling = snap
        .manifest
        .sampling
        .as_ref()
        .expect("sampling in the manifest");
    assert_eq!((sampling.requested, sampling.interval_ms), (3, 200));
    assert_eq!(sampling.samples.len(), 3);
    for (k, times) in sampling.samples.iter().enumerate() {
        assert!(times.started_ms >= 200 * k as u64, "{k}: {times:?}");
        assert!(times.finished_ms >= times.started_ms);
        let counts = &snap.manifest.counts;
        // Later samples read only the cgroup directories that have counters: here the
        // container's, with memory.usage_in_bytes and memory.failcnt.
        let cgroups = if k == 0 { counts.cgroups } else { 1 };
        assert_eq!(
            (times.processes, times.cgroups),
            (counts.processes, cgroups),
            "{k}"
        );
    }
    for k in 1..=2 {
        for pid in [1, 812, 4242] {
            let bundle = &snap.samples[&format!("{k}/proc/{pid}/nodesnap-files.txt")];
            assert_eq!(
                names(&decode_bundle(bundle)),
                ["stat", "status"],
                "{k} {pid}"
            );
        }
        let bundle = &snap.samples[&format!(
            "{k}/sys/fs/cgroup/memory/kubepods/besteffort/pod1234/abcd/nodesnap-files.txt"
        )];
        // Limits and membership are read once, in root/.
        assert_eq!(
            names(&decode_bundle(bundle)),
            ["memory.usage_in_bytes", "memory.failcnt"]
        );
        assert_eq!(
            snap.samples[&format!("{k}/proc/stat")],
            snap.files["proc/stat"]
        );
    }
    assert!(!snap.samples.keys().any(|name| name.starts_with("3/")));
    assert!(!snap.samples.keys().any(|name| name.contains("cpu,cpuacct")));
    // Later samples are not counted as files of root/.
    assert_eq!(snap.manifest.counts.processes, 3);
    assert!(
        snap.manifest
            .gaps
            .iter()
            .all(|g| !g.path.starts_with("samples/")),
        "{:?}",
        snap.manifest.gaps
    );
}

#[test]
fn one_sample_writes_no_samples_and_no_sampling() {
    let tree = small_node("one-sample");
    let (snap, _) = collect_ok(tree.root(), &[]);
    assert!(snap.samples.is_empty());
    assert!(snap.manifest.sampling.is_none());
}

#[test]
fn a_window_longer_than_the_timeout_allows_is_refused_before_any_work() {
    let tree = small_node("samples-refused");
    let (output, _) = run_collector(
        &[
            "--root",
            tree.root().to_str().unwrap(),
            "--samples",
            "3",
            "--interval",
            "2",
            "--timeout",
            "4",
            "-o",
            "-",
        ],
        None,
        Duration::from_secs(60),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("waits 4 s between the first and the last sample"),
        "{stderr}"
    );
}
