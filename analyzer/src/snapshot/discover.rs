//! Finds the snapshots that paths name, for commands that read many: a file is a snapshot
//! (whatever its name; the loader tells its kind by its bytes), a directory holding
//! `manifest.yaml` is an extracted snapshot, and any other directory is searched for both:
//! files named `*.tar.gz`, `*.tgz` or `*.tar` and extracted snapshot directories, at any depth,
//! in name order, never descending into a snapshot or into hidden entries (`.name`, such as an
//! output's temporary file). A path that cannot be read, or a directory without any snapshot,
//! is a problem of its own, reported beside the snapshots found.

use nodesnap_format::MANIFEST_PATH;
use std::path::{Path, PathBuf};

/// One thing a path led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Snapshot(PathBuf),
    /// A path that is not readable, or a directory that holds no snapshot.
    Problem {
        path: PathBuf,
        message: String,
    },
}

const SNAPSHOT_SUFFIXES: [&str; 3] = [".tar.gz", ".tgz", ".tar"];

fn is_extracted_snapshot(dir: &Path) -> bool {
    std::fs::metadata(dir.join(MANIFEST_PATH)).is_ok_and(|m| m.is_file())
}

fn has_snapshot_name(name: &str) -> bool {
    SNAPSHOT_SUFFIXES
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

/// The snapshots `paths` name, in the order given (a directory's in name order).
pub fn discover(paths: &[PathBuf]) -> Vec<Found> {
    let mut found = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Err(error) => found.push(Found::Problem {
                path: path.clone(),
                message: format!("cannot read: {error}"),
            }),
            Ok(meta) if !meta.is_dir() => found.push(Found::Snapshot(path.clone())),
            Ok(_) if is_extracted_snapshot(path) => found.push(Found::Snapshot(path.clone())),
            Ok(_) => {
                let before = found.len();
                search(path, &mut found);
                let any = found[before..]
                    .iter()
                    .any(|f| matches!(f, Found::Snapshot(_)));
                if !any {
                    found.push(Found::Problem {
                        path: path.clone(),
                        message: format!(
                            "no snapshot found in this directory (looked for {} files and \
                             extracted snapshot directories holding {MANIFEST_PATH})",
                            SNAPSHOT_SUFFIXES.map(|s| format!("*{s}")).join(", ")
                        ),
                    });
                }
            }
        }
    }
    found
}

/// Adds the snapshots below `dir` (not a snapshot itself) to `found`.
fn search(dir: &Path, found: &mut Vec<Found>) {
    let mut walk = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walk.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error.path().unwrap_or(dir).to_path_buf();
                let message = match error.io_error() {
                    Some(io) => format!("cannot read: {io}"),
                    None => format!("cannot read: {error}"),
                };
                found.push(Found::Problem { path, message });
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy();
        if name.starts_with('.') {
            if entry.file_type().is_dir() {
                walk.skip_current_dir();
            }
            continue;
        }
        if entry.file_type().is_dir() {
            if is_extracted_snapshot(entry.path()) {
                found.push(Found::Snapshot(entry.path().to_path_buf()));
                walk.skip_current_dir();
            }
        } else if entry.file_type().is_file() && has_snapshot_name(&name) {
            found.push(Found::Snapshot(entry.path().to_path_buf()));
        }
    }
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
    fn a_directory_is_searched_for_tarballs_and_extracted_snapshots_in_name_order() {
        let dir = TempDir::new("discover");
        let root = dir.join("tickets");
        touch(&root.join("t2/node-b.tar.gz"));
        touch(&root.join("t1/node-a.tgz"));
        touch(&root.join("t1/notes.txt"));
        touch(&root.join("t1/report.html"));
        touch(&root.join("t3/extracted/manifest.yaml"));
        // Never looked into: a snapshot's own files, hidden entries.
        touch(&root.join("t3/extracted/root/inner.tar"));
        touch(&root.join(".cache/old.tar.gz"));
        touch(&root.join("t2/.nodes.ndjson.partial-1.tar"));
        touch(&root.join("z.tar"));
        let found = discover(std::slice::from_ref(&root));
        assert_eq!(
            found,
            vec![
                Found::Snapshot(root.join("t1/node-a.tgz")),
                Found::Snapshot(root.join("t2/node-b.tar.gz")),
                Found::Snapshot(root.join("t3/extracted")),
                Found::Snapshot(root.join("z.tar")),
            ]
        );
    }

    #[test]
    fn named_files_and_snapshot_directories_are_taken_as_they_are() {
        let dir = TempDir::new("discover");
        let file = dir.join("any-name.bin");
        touch(&file);
        let extracted = dir.join("snap");
        touch(&extracted.join("manifest.yaml"));
        assert_eq!(
            discover(&[file.clone(), extracted.clone()]),
            vec![Found::Snapshot(file), Found::Snapshot(extracted)]
        );
    }

    #[test]
    fn a_missing_path_and_a_directory_without_snapshots_are_problems() {
        let dir = TempDir::new("discover");
        let empty = dir.join("empty");
        touch(&empty.join("readme.txt"));
        let missing = dir.join("missing.tar.gz");
        let found = discover(&[missing.clone(), empty.clone()]);
        assert_eq!(found.len(), 2);
        assert!(
            matches!(&found[0], Found::Problem { path, message }
                if *path == missing && message.starts_with("cannot read:")),
            "{found:?}"
        );
        assert!(
            matches!(&found[1], Found::Problem { path, message }
                if *path == empty && message.contains("no snapshot found")),
            "{found:?}"
        );
    }
}
