//! Helpers shared by the integration tests: the fixture paths and the samples' models; the
//! self-removing temp dir is nodesnap-fixtures'.

use std::path::{Path, PathBuf};

/// `tests/fixtures/` of this crate.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub use nodesnap_fixtures::TempDir;

/// Reads a file of a fixture tree as text, naming it on failure.
pub fn read(root: &Path, rel: &str) -> String {
    let path = root.join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// `samples/` at the workspace root.
pub fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

/// The model of `samples/<sample>.tar.gz`, as `analyzer` builds it.
pub fn sample_model(sample: &str) -> analyzer::model::Model {
    // Snapshots are .tar.gz; the sosreport sample is as sos wrote it, .tar.xz.
    let gz = samples_dir().join(format!("{sample}.tar.gz"));
    let path = if gz.exists() {
        gz
    } else {
        samples_dir().join(format!("{sample}.tar.xz"))
    };
    let snapshot =
        analyzer::snapshot::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    analyzer::analyze(&snapshot)
}
