//! Reads an extracted snapshot directory (or an extracted sosreport) under the same limits as a
//! tarball, without following links or opening anything but regular files, into the same
//! [`Collected`] entries.

use super::assemble::assemble;
use super::collected::Collected;
use super::{human_bytes, one_line, LoadError, LoadLimits, LoadStats, MAX_NAME_BYTES};
use crate::snapshot::Snapshot;
use nodesnap_format::{MANIFEST_PATH, METADATA_PATH, ROOT_DIR};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Loads an extracted snapshot: `path` is the top directory or its parent with exactly one.
pub(super) fn load_dir(
    source: &str,
    path: &Path,
    limits: &LoadLimits,
) -> Result<(Snapshot, LoadStats), LoadError> {
    let io_error = |e| LoadError::Io {
        path: source.to_string(),
        source: e,
    };
    let is_manifest = |dir: &Path| {
        std::fs::symlink_metadata(dir.join(MANIFEST_PATH)).is_ok_and(|m| m.file_type().is_file())
    };
    let top = if is_manifest(path) {
        path.to_path_buf()
    } else {
        let mut tops = Vec::new();
        for child in std::fs::read_dir(path).map_err(io_error)? {
            let child = child.map_err(io_error)?;
            let is_dir = child.file_type().is_ok_and(|t| t.is_dir());
            if is_dir && is_manifest(&child.path()) {
                tops.push(child.path());
            }
        }
        match tops.len() {
            1 => tops.remove(0),
            0 => return load_sos_dir(source, path, limits),
            _ => return Err(several_snapshots(source, &tops)),
        }
    };
    let mut collected = Collected::new(*limits);
    let meta_is_dir = std::fs::symlink_metadata(top.join("meta")).is_ok_and(|m| m.is_dir());
    for file in [MANIFEST_PATH, METADATA_PATH] {
        if file == METADATA_PATH && !meta_is_dir {
            // Absent, or a link that could lead anywhere on this machine.
            continue;
        }
        let full = top.join(file);
        match read_regular_file(&full, limits.cap_for(file)) {
            Ok(Some(content)) => {
                collected.files.insert(file.to_string(), content);
            }
            Ok(None) => {}
            Err(why) => collected.gap(file, why),
        }
    }
    walk_root(&top.join(ROOT_DIR), &mut collected);
    assemble(source, collected)
}

/// Loads an extracted sosreport: `path` is its top (with sos's marks) or its parent with
/// exactly one such directory.
fn load_sos_dir(
    source: &str,
    path: &Path,
    limits: &LoadLimits,
) -> Result<(Snapshot, LoadStats), LoadError> {
    let has_marks = |dir: &Path| {
        ["sos_commands", "sos_logs", "sos_reports", "version.txt"]
            .iter()
            .any(|mark| std::fs::symlink_metadata(dir.join(mark)).is_ok())
    };
    let top = if has_marks(path) {
        path.to_path_buf()
    } else {
        let mut tops: Vec<_> = std::fs::read_dir(path)
            .map_err(|e| LoadError::Io {
                path: source.to_string(),
                source: e,
            })?
            .filter_map(Result::ok)
            .filter(|child| child.file_type().is_ok_and(|t| t.is_dir()))
            .map(|child| child.path())
            .filter(|child| has_marks(child))
            .collect();
        match tops.len() {
            1 => tops.remove(0),
            0 => {
                return Err(LoadError::MissingManifest {
                    path: source.to_string(),
                    detail: String::new(),
                })
            }
            _ => return Err(several_snapshots(source, &tops)),
        }
    };
    let mut collected = Collected::new(*limits);
    collected.sos_tops.insert(String::new());
    walk(&top, "", &mut collected);
    assemble(source, collected)
}

/// Reads a regular file of at most `cap` bytes; `Ok(None)` when absent, `Err` with a reason
/// when it is something else or unreadable. Never opens a FIFO or device (which could block).
fn read_regular_file(path: &Path, cap: u64) -> Result<Option<Vec<u8>>, String> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("unreadable: {e}")),
    };
    if !metadata.file_type().is_file() {
        return Err("not a regular file; skipped".into());
    }
    if metadata.len() > cap {
        return Err(format!(
            "{} bytes, over the limit of {} per file; skipped",
            metadata.len(),
            human_bytes(cap)
        ));
    }
    let file = File::open(path).map_err(|e| format!("unreadable: {e}"))?;
    let mut content = Vec::with_capacity(metadata.len() as usize);
    // One byte more than the cap tells a file that grew since its size was read.
    file.take(cap.saturating_add(1))
        .read_to_end(&mut content)
        .map_err(|e| format!("unreadable: {e}"))?;
    if content.len() as u64 > cap {
        return Err(format!(
            "grew past the limit of {} per file; skipped",
            human_bytes(cap)
        ));
    }
    Ok(Some(content))
}

/// Walks `root/` without following links, under the same limits as a tarball; entries are
/// keyed as in an archive (`root/proc/1/stat`) so that [`assemble`] treats both alike.
fn walk_root(root: &Path, out: &mut Collected) {
    walk(root, ROOT_DIR, out);
}

/// Walks `root` without following links, keying its entries under `prefix` (`root` for a
/// snapshot's root/, nothing for an sosreport, whose entries pass the loader's filter and whose
/// directories are entered only where a wanted file may be).
fn walk(root: &Path, prefix: &str, out: &mut Collected) {
    let sos = prefix.is_empty();
    let key = |relative: &str| match (prefix.is_empty(), relative.is_empty()) {
        (true, _) => relative.to_string(),
        (false, true) => prefix.to_string(),
        (false, false) => format!("{prefix}/{relative}"),
    };
    match std::fs::symlink_metadata(root) {
        Ok(metadata) if metadata.file_type().is_dir() => {}
        Ok(metadata) if metadata.file_type().is_symlink() => {
            out.gap(key(""), "symbolic link skipped (never followed)");
            return;
        }
        Ok(_) => {
            out.gap(key(""), "not a directory; skipped");
            return;
        }
        Err(_) => return,
    }
    let mut walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(next) = walker.next() {
        let entry = match next {
            Ok(entry) => entry,
            Err(e) => {
                let at = e
                    .path()
                    .and_then(|p| p.strip_prefix(root).ok())
                    .map(|p| key(&p.to_string_lossy()))
                    .unwrap_or_else(|| key(""));
                out.gap(at, format!("unreadable: {}", one_line(&e)));
                continue;
            }
        };
        let Ok(relative) = entry.path().strip_prefix(root) else {
            continue;
        };
        let relative_text = relative.to_string_lossy();
        if sos && relative_text.is_empty() {
            continue;
        }
        let name = key(&relative_text);
        if !out.count_entry(|| name.clone()) {
            break;
        }
        if sos {
            let is_dir = entry.file_type().is_dir();
            let wanted = super::sos::wants(&name, is_dir);
            if is_dir && !super::sos::may_hold_wanted(&name) {
                walker.skip_current_dir();
                continue;
            }
            if !is_dir && !wanted {
                continue;
            }
        }
        if relative.to_str().is_none() {
            out.gap(name, "unsafe entry skipped: name is not UTF-8");
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        if name.len() > MAX_NAME_BYTES {
            out.gap(name, "unsafe entry skipped: name longer than 4096 bytes");
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        let file_type = entry.file_type();
        if file_type.is_dir() {
            let keep = !relative_text.is_empty() && (!sos || super::sos::wants(&name, true));
            if keep && !out.add_dir(name) {
                break;
            }
        } else if file_type.is_file() {
            match read_regular_file(entry.path(), out.limits.entry_bytes) {
                Ok(Some(content)) => {
                    if !out.add_file(name, content) {
                        break;
                    }
                }
                Ok(None) => out.gap(name, "vanished while the snapshot was read"),
                Err(why) => out.gap(name, why),
            }
        } else if file_type.is_symlink() {
            if let Ok(target) = std::fs::read_link(entry.path()) {
                out.link(&name, target.as_os_str().as_encoded_bytes());
            }
            out.gap(name, "symbolic link skipped (never followed)");
        } else {
            out.gap(name, "not a regular file or directory; skipped");
        }
    }
}

/// A directory holding more than one snapshot or sosreport at its top: which, by name.
fn several_snapshots(source: &str, tops: &[std::path::PathBuf]) -> LoadError {
    let mut names: Vec<String> = tops
        .iter()
        .filter_map(|t| t.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    names.sort();
    LoadError::SeveralSnapshots {
        path: source.to_string(),
        tops: names.join(", "),
    }
}
