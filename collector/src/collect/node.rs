//! The collection's small helpers on the node side: opening the root, the hostname read before
//! anything else, the pid list, and the gap records every part of the run makes.

use crate::fsread::{self, EntryKind};
use nodesnap_format::{Gap, GapReason, MAX_TOP_HOSTNAME_BYTES};
use std::fs::OpenOptions;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// The hostname file, read before the pool exists because it names the output.
pub(super) const HOSTNAME_FILE: &str = "proc/sys/kernel/hostname";
/// The kernel release file, whose text the manifest repeats.
pub(super) const OSRELEASE_FILE: &str = "proc/sys/kernel/osrelease";

pub(super) fn gap(path: impl Into<String>, reason: GapReason, detail: Option<String>) -> Gap {
    Gap {
        path: path.into(),
        reason,
        detail,
    }
}

pub(super) fn reason_of(error: &io::Error) -> GapReason {
    match error.raw_os_error() {
        Some(libc::EACCES) | Some(libc::EPERM) => GapReason::PermissionDenied,
        Some(libc::ENOENT) => GapReason::NotFound,
        Some(libc::ESRCH) => GapReason::Vanished,
        _ => GapReason::Error,
    }
}

pub(super) fn open_root(path: &Path) -> io::Result<OwnedFd> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(path)?;
    Ok(OwnedFd::from(file))
}

/// Reads one small file on a throwaway thread, giving up after `limit`: used for the hostname,
/// which names the output before the pool exists.
pub(super) fn read_small_bounded(
    root: &OwnedFd,
    rel: &str,
    limit: Duration,
) -> Result<Vec<u8>, Gap> {
    let root = root
        .try_clone()
        .map_err(|e| gap(rel, reason_of(&e), Some(e.to_string())))?;
    let (tx, rx) = mpsc::channel();
    let rel_owned = rel.to_string();
    let spawned = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            let result = fsread::open_beneath(root.as_raw_fd(), &rel_owned, libc::O_RDONLY, false)
                .and_then(|fd| fsread::read_capped(fd, 4096));
            let _ = tx.send(result);
        });
    if let Err(error) = spawned {
        return Err(gap(rel, GapReason::Error, Some(error.to_string())));
    }
    match rx.recv_timeout(limit) {
        Ok(Ok((data, _))) => Ok(data),
        Ok(Err(error)) => Err(gap(rel, reason_of(&error), Some(error.to_string()))),
        Err(_) => Err(gap(rel, GapReason::TimedOut, None)),
    }
}

/// Only characters that are safe in a file name on any system.
pub(super) fn file_name_safe(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        "unknown".to_string()
    } else {
        // Only ASCII is left, so any byte is a character boundary.
        cleaned[..cleaned.len().min(MAX_TOP_HOSTNAME_BYTES)].to_string()
    }
}

pub(super) fn is_live_root(root: &Path) -> bool {
    root.canonicalize()
        .map(|path| path == Path::new("/"))
        .unwrap_or(false)
}

/// Numeric entries of `<root>/proc`, in pid order.
pub(super) fn list_pids(proc_dir: &OwnedFd) -> io::Result<Vec<u32>> {
    let mut pids: Vec<u32> = fsread::list_dir(proc_dir)?
        .into_iter()
        .filter(|entry| entry.kind == EntryKind::Dir)
        .filter_map(|entry| entry.name.parse().ok())
        .collect();
    pids.sort_unstable();
    Ok(pids)
}
