//! Drives an export: each snapshot in turn is loaded, named, analyzed, written as rows and
//! dropped, so memory holds one snapshot at a time. An input that cannot be read becomes a row
//! of `gaps` and the run goes on; a snapshot met twice (a copy, or the tarball beside its
//! extracted directory) is written once.

use super::rows::{emit, unreadable_input, SnapshotFacts};
use super::{create_writer, write_schema, ExportError, Format, Written};
use crate::snapshot::discover::Found;
use crate::snapshot::SnapshotId;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What became of one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Exported {
        id: SnapshotId,
        hostname: Option<String>,
    },
    /// The same snapshot as an earlier input; its rows are not written twice.
    Duplicate { id: SnapshotId, first: PathBuf },
    /// Not readable as a snapshot: the gaps table has a row for it.
    Unreadable { message: String },
}

/// Told about the run as it goes (the CLI's progress line and messages).
pub trait Observer {
    fn started(&mut self, _inputs: usize) {}
    /// `done` inputs of the total are finished, the last being `path`.
    fn finished_one(&mut self, done: usize, path: &Path, outcome: &Outcome);
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub exported: usize,
    pub duplicates: usize,
    pub unreadable: usize,
    /// The tables' files and `schema.json`.
    pub files: Vec<Written>,
}

/// Exports the snapshots of `found` into `dir` (created if missing) as `format`.
pub fn export(
    found: &[Found],
    dir: &Path,
    format: Format,
    observer: &mut dyn Observer,
) -> Result<Summary, ExportError> {
    refuse_inside_inputs(found, dir)?;
    if std::fs::metadata(dir).is_ok_and(|m| !m.is_dir()) {
        return Err(ExportError::Directory {
            path: dir.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                "it exists and is not a directory",
            ),
        });
    }
    std::fs::create_dir_all(dir).map_err(|source| ExportError::Directory {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut writer = create_writer(dir, format)?;
    let write_error = |source| ExportError::Write {
        path: dir.to_path_buf(),
        source,
    };
    observer.started(found.len());
    let mut summary = Summary::default();
    let mut seen: HashMap<SnapshotId, PathBuf> = HashMap::new();
    for (at, input) in found.iter().enumerate() {
        let (path, outcome) = match input {
            Found::Problem { path, message } => {
                unreadable_input(&path.display().to_string(), message, &mut *writer)
                    .map_err(write_error)?;
                let outcome = Outcome::Unreadable {
                    message: message.clone(),
                };
                (path, outcome)
            }
            Found::Snapshot(path) => {
                let outcome = match crate::snapshot::load(path) {
                    Err(error) => {
                        let source = path.display().to_string();
                        let text = error.to_string();
                        let message = text
                            .strip_prefix(&source)
                            .and_then(|rest| rest.strip_prefix(": "))
                            .unwrap_or(&text)
                            .to_string();
                        unreadable_input(&source, &message, &mut *writer).map_err(write_error)?;
                        Outcome::Unreadable { message }
                    }
                    Ok(snapshot) => {
                        let id = SnapshotId::of(&snapshot);
                        if let Some(first) = seen.get(&id) {
                            Outcome::Duplicate {
                                id,
                                first: first.clone(),
                            }
                        } else {
                            seen.insert(id.clone(), path.clone());
                            let boot_id = snapshot
                                .text("proc/sys/kernel/random/boot_id")
                                .map(|text| text.trim().to_string())
                                .filter(|text| !text.is_empty());
                            let manifest_hostname = snapshot.manifest.hostname.clone();
                            let model = crate::analyze_owned(snapshot);
                            let facts = SnapshotFacts {
                                id: id.clone(),
                                hostname: model.node.hostname.clone().or(manifest_hostname),
                                boot_id,
                                source_path: path.display().to_string(),
                            };
                            emit(&model, &facts, &mut *writer).map_err(write_error)?;
                            Outcome::Exported {
                                id,
                                hostname: facts.hostname,
                            }
                        }
                    }
                };
                (path, outcome)
            }
        };
        match &outcome {
            Outcome::Exported { .. } => summary.exported += 1,
            Outcome::Duplicate { .. } => summary.duplicates += 1,
            Outcome::Unreadable { .. } => summary.unreadable += 1,
        }
        observer.finished_one(at + 1, path, &outcome);
    }
    summary.files = writer.finish()?;
    summary.files.push(write_schema(dir, format)?);
    Ok(summary)
}

/// `path` with its links resolved, as far as it exists (the rest, not yet created, appended).
fn resolved(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            return Some(rest.iter().rev().fold(real, |acc, name| acc.join(name)));
        }
        rest.push(existing.file_name()?.to_os_string());
        existing = existing.parent()?;
    }
}

/// An export written inside an extracted snapshot being read would change it: refused before
/// anything is created.
fn refuse_inside_inputs(found: &[Found], dir: &Path) -> Result<(), ExportError> {
    let Some(out) = resolved(dir) else {
        return Ok(());
    };
    for input in found {
        let Found::Snapshot(path) = input else {
            continue;
        };
        if !path.is_dir() {
            continue;
        }
        if let Ok(input) = std::fs::canonicalize(path) {
            if out.starts_with(&input) {
                return Err(ExportError::InsideInput {
                    out: dir.to_path_buf(),
                    input: path.clone(),
                });
            }
        }
    }
    Ok(())
}
