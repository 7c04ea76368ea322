//! Reads a snapshot from a .tar.gz, a .tar or an extracted directory into memory.
//! (Placeholder signature; the loader is being written.)

use super::Snapshot;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read snapshot: loader not written yet")]
    NotWritten { path: String },
}

pub fn load(path: &Path) -> Result<Snapshot, LoadError> {
    Err(LoadError::NotWritten {
        path: path.display().to_string(),
    })
}
