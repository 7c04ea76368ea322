//! Snapshots of one sample still open whatever format wrote them (the compatibility snapshots
//! of tests/compat/ in formats 1 and 2, the bundled samples/ in today's): one sample each, a
//! model with processes and no window; `analyzer diff` of one of them alone is bad input that
//! says what to do instead.

use nodesnap_format::FORMAT_VERSION;
use std::path::PathBuf;
use std::process::Command;

/// The `.tar.gz` snapshots under `dir` (relative to the workspace), sorted.
fn snapshots_in(dir: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(dir);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(".tar.gz"))
        .collect();
    paths.sort();
    paths
}

fn bundled() -> Vec<PathBuf> {
    snapshots_in("samples")
}

#[test]
fn every_snapshot_of_one_sample_opens_as_one_sample_in_formats_1_to_today() {
    let mut versions = Vec::new();
    for path in snapshots_in("tests/compat").into_iter().chain(bundled()) {
        let snapshot =
            analyzer::snapshot::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let version = snapshot.manifest.format_version;
        assert!(version <= FORMAT_VERSION, "{}: {version}", path.display());
        versions.push(version);
        assert_eq!(snapshot.sample_count(), 1, "{}", path.display());
        assert!(snapshot.manifest.sampling.is_none());
        let model = analyzer::analyze(&snapshot);
        assert!(!model.processes.is_empty(), "{}", path.display());
        assert!(model.window.is_none());
        assert!(analyzer::analyze_samples_diff(&snapshot).is_none());
    }
    versions.sort();
    versions.dedup();
    assert_eq!(
        versions,
        (1..=FORMAT_VERSION).collect::<Vec<_>>(),
        "tests/compat and samples/ cover every format"
    );
}

#[test]
fn diff_of_one_snapshot_of_one_sample_is_refused_with_exit_2() {
    let path = &bundled()[0];
    let output = Command::new(env!("CARGO_BIN_EXE_analyzer"))
        .arg("diff")
        .arg(path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("holds one sample (collected without --samples)")
            && stderr.contains("analyzer diff OLD NEW"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}
