//! Helpers shared by the integration tests: a self-removing temp dir and the fixture paths.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// `tests/fixtures/` of this crate.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A directory under the system temp dir, removed on drop even when the test fails.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("nodesnap-tests-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("mkdir {}: {e}", path.display()));
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

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
    let path = samples_dir().join(format!("{sample}.tar.gz"));
    let snapshot =
        analyzer::snapshot::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    analyzer::analyze(&snapshot)
}
