//! Many snapshots named at once (`analyzer fleet`, and any command that reads a fleet): each
//! path given is a snapshot (a .tar.gz, .tgz or .tar, or an extracted directory) or a
//! directory that holds snapshots, one level down. Which is which is decided here, once, from
//! names and directory listings; nothing is loaded. A path that cannot be looked at is still a
//! snapshot to read, so that loading it says what is wrong, as a row of its own.

use nodesnap_format::MANIFEST_PATH;
use std::path::{Path, PathBuf};

/// The names a snapshot file has in a directory of snapshots.
pub const SNAPSHOT_SUFFIXES: [&str; 3] = [".tar.gz", ".tgz", ".tar"];

/// What a list of paths names.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sources {
    /// The snapshots to read, in order: each path given, or a directory's snapshots sorted
    /// by name.
    pub snapshots: Vec<PathBuf>,
    /// Entries of directories of snapshots that are neither a snapshot file nor an extracted
    /// snapshot (a README, a report written earlier), left out.
    pub skipped: Vec<PathBuf>,
    /// Directories of snapshots that could not be listed, and why.
    pub unlisted: Vec<(PathBuf, String)>,
}

/// Expands `paths` into the snapshots they name.
pub fn expand(paths: &[PathBuf]) -> Sources {
    let mut sources = Sources::default();
    for path in paths {
        let is_dir = std::fs::metadata(path).is_ok_and(|m| m.is_dir());
        if !is_dir || is_extracted_snapshot(path) {
            sources.snapshots.push(path.clone());
            continue;
        }
        match list(path) {
            Ok(entries) => {
                for entry in entries {
                    if is_snapshot_entry(&entry) {
                        sources.snapshots.push(entry);
                    } else {
                        sources.skipped.push(entry);
                    }
                }
            }
            Err(error) => sources.unlisted.push((path.clone(), error.to_string())),
        }
    }
    sources
}

/// A directory the loader reads as one snapshot: it holds the manifest itself (the top
/// directory of an extracted tarball).
fn is_extracted_snapshot(dir: &Path) -> bool {
    std::fs::metadata(dir.join(MANIFEST_PATH)).is_ok_and(|m| m.is_file())
}

/// An entry of a directory of snapshots that is one: a file named like a snapshot, or a
/// directory that is an extracted snapshot or holds exactly one (what `tar -C dir -x` leaves).
fn is_snapshot_entry(entry: &Path) -> bool {
    let Ok(metadata) = std::fs::metadata(entry) else {
        // A dangling link named like a snapshot is one that fails to load, with its reason.
        return has_snapshot_name(entry);
    };
    if metadata.is_file() {
        return has_snapshot_name(entry);
    }
    if !metadata.is_dir() {
        return false;
    }
    if is_extracted_snapshot(entry) {
        return true;
    }
    match list(entry) {
        Ok(children) => {
            let snapshots = children
                .iter()
                .filter(|child| {
                    std::fs::metadata(child).is_ok_and(|m| m.is_dir())
                        && is_extracted_snapshot(child)
                })
                .count();
            snapshots == 1
        }
        Err(_) => false,
    }
}

fn has_snapshot_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| {
            SNAPSHOT_SUFFIXES
                .iter()
                .any(|suffix| name.len() > suffix.len() && name.ends_with(suffix))
        })
}

/// A directory's entries sorted by name.
fn list(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut entries = std::fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()?;
    entries.sort();
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodesnap_fixtures::TempDir;

    fn touch(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"x").unwrap();
    }

    #[test]
    fn a_directory_of_snapshots_gives_its_snapshots_sorted_and_skips_the_rest() {
        let dir = TempDir::new("sources");
        let fleet = dir.join("fleet");
        touch(&fleet.join("b.tar.gz"));
        touch(&fleet.join("a.tgz"));
        touch(&fleet.join("c.tar"));
        touch(&fleet.join("README.md"));
        touch(&fleet.join("fleet.html"));
        touch(&fleet.join(".tar"));
        touch(&fleet.join("extracted/node-d/manifest.yaml"));
        touch(&fleet.join("top/manifest.yaml"));
        touch(&fleet.join("empty/notes.txt"));
        let sources = expand(std::slice::from_ref(&fleet));
        assert_eq!(
            sources.snapshots,
            ["a.tgz", "b.tar.gz", "c.tar", "extracted", "top"]
                .iter()
                .map(|n| fleet.join(n))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            sources.skipped,
            [".tar", "README.md", "empty", "fleet.html"]
                .iter()
                .map(|n| fleet.join(n))
                .collect::<Vec<_>>()
        );
        assert!(sources.unlisted.is_empty());
    }

    #[test]
    fn paths_given_are_snapshots_whatever_their_name_or_state() {
        let dir = TempDir::new("sources-given");
        touch(&dir.join("node.bin"));
        touch(&dir.join("one/manifest.yaml"));
        let given = vec![
            dir.join("node.bin"),
            dir.join("missing.tar.gz"),
            dir.join("one"),
        ];
        let sources = expand(&given);
        assert_eq!(sources.snapshots, given);
        assert!(sources.skipped.is_empty());
    }
}
