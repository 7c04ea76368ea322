//! Reading under a root without following a symlink out of it: every open uses O_NOFOLLOW, paths
//! are walked one component at a time, and a symlink met on the way is resolved lexically inside
//! the root (as if chrooted) rather than by the kernel.

use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// How many symlinks one path may pass through before it counts as a loop.
const MAX_LINK_HOPS: usize = 8;

/// The kind of a directory entry, taken from `d_type` or, where the filesystem does not fill it
/// in, from `fstatat` without following links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Dir,
    File,
    Symlink,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub kind: EntryKind,
}

fn c_name(name: &str) -> io::Result<CString> {
    CString::new(name).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

/// `openat` with O_NOFOLLOW and O_CLOEXEC always added.
pub fn open_at(dir: RawFd, name: &str, flags: i32) -> io::Result<OwnedFd> {
    let name = c_name(name)?;
    loop {
        // SAFETY: `name` is a valid NUL-terminated string; the result is checked.
        let fd = unsafe {
            libc::openat(
                dir,
                name.as_ptr(),
                flags | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                0,
            )
        };
        if fd >= 0 {
            // SAFETY: `fd` was just returned by openat and is owned by nobody else.
            return Ok(unsafe { OwnedFd::from_raw_fd(fd) });
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// The target of the symlink `name` in `dir`, verbatim.
pub fn read_link_at(dir: RawFd, name: &str) -> io::Result<Vec<u8>> {
    let name = c_name(name)?;
    let mut buffer = vec![0u8; 256];
    loop {
        // SAFETY: the buffer is valid for `buffer.len()` bytes; the result is checked.
        let len = unsafe {
            libc::readlinkat(dir, name.as_ptr(), buffer.as_mut_ptr().cast(), buffer.len())
        };
        if len < 0 {
            return Err(io::Error::last_os_error());
        }
        let len = len as usize;
        if len < buffer.len() {
            buffer.truncate(len);
            return Ok(buffer);
        }
        if buffer.len() >= 1 << 16 {
            return Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
        }
        buffer.resize(buffer.len() * 4, 0);
    }
}

/// Where a symlink found at `parent/<link>` points, as components relative to the root: an
/// absolute target starts at the root, `..` never climbs above it.
pub fn resolve_link_within_root(parent: &[String], target: &str) -> Vec<String> {
    let mut components: Vec<String> = if target.starts_with('/') {
        Vec::new()
    } else {
        parent.to_vec()
    };
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                components.pop();
            }
            other => components.push(other.to_string()),
        }
    }
    components
}

/// The components of a path relative to the root; `.`, `..` and empty parts are dropped so that
/// nothing can climb out.
pub fn split_relative(path: &str) -> Vec<String> {
    resolve_link_within_root(&[], path)
}

/// Opens `rel` under the directory `root`, one component at a time with O_NOFOLLOW. A symlink in
/// the middle of the path is resolved inside the root; a symlink as the last component is
/// followed the same way only when `follow_last` is set, else the open fails with ELOOP.
pub fn open_beneath(root: RawFd, rel: &str, flags: i32, follow_last: bool) -> io::Result<OwnedFd> {
    let mut components = split_relative(rel);
    let mut hops = 0;
    'restart: loop {
        if components.is_empty() {
            return open_at(root, ".", flags);
        }
        let mut current: Option<OwnedFd> = None;
        let count = components.len();
        for index in 0..count {
            let is_last = index + 1 == count;
            let dir = current.as_ref().map_or(root, AsRawFd::as_raw_fd);
            let name = &components[index];
            let step_flags = if is_last {
                flags
            } else {
                libc::O_PATH | libc::O_DIRECTORY
            };
            match open_at(dir, name, step_flags) {
                Ok(fd) => current = Some(fd),
                Err(error) => {
                    let maybe_link = matches!(error.raw_os_error(), Some(libc::ELOOP))
                        || (!is_last && error.raw_os_error() == Some(libc::ENOTDIR));
                    if !maybe_link || (is_last && !follow_last) {
                        return Err(error);
                    }
                    let Ok(target) = read_link_at(dir, name) else {
                        return Err(error);
                    };
                    hops += 1;
                    if hops > MAX_LINK_HOPS {
                        return Err(io::Error::from_raw_os_error(libc::ELOOP));
                    }
                    let target = String::from_utf8_lossy(&target);
                    let mut resolved = resolve_link_within_root(&components[..index], &target);
                    resolved.extend(components[index + 1..].iter().cloned());
                    components = resolved;
                    continue 'restart;
                }
            }
        }
        return current.ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL));
    }
}

/// Reads at most `cap` bytes; the flag says whether the file held more.
pub fn read_capped(fd: OwnedFd, cap: u64) -> io::Result<(Vec<u8>, bool)> {
    let file = File::from(fd);
    let mut data = Vec::with_capacity(4096.min(cap as usize + 1));
    (&file).take(cap.saturating_add(1)).read_to_end(&mut data)?;
    let truncated = data.len() as u64 > cap;
    if truncated {
        data.truncate(cap as usize);
    }
    Ok((data, truncated))
}

/// Whether an open file is a regular file (the /proc and cgroup files are).
pub fn is_regular(fd: &OwnedFd) -> io::Result<bool> {
    // SAFETY: an all-zero `stat` is a valid value to be overwritten by fstat.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open and `stat` is a valid out pointer.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut stat) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(stat.st_mode & libc::S_IFMT == libc::S_IFREG)
}

fn kind_at(dir: RawFd, name: &str) -> EntryKind {
    let Ok(c) = c_name(name) else {
        return EntryKind::Other;
    };
    // SAFETY: an all-zero `stat` is a valid value to be overwritten by fstatat.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid path and out pointer; AT_SYMLINK_NOFOLLOW keeps links unfollowed.
    if unsafe { libc::fstatat(dir, c.as_ptr(), &mut stat, libc::AT_SYMLINK_NOFOLLOW) } != 0 {
        return EntryKind::Other;
    }
    match stat.st_mode & libc::S_IFMT {
        libc::S_IFDIR => EntryKind::Dir,
        libc::S_IFREG => EntryKind::File,
        libc::S_IFLNK => EntryKind::Symlink,
        _ => EntryKind::Other,
    }
}

/// The entries of an open directory, without `.` and `..`. Names that are not UTF-8 are
/// returned lossily; the caller cannot open them and records a gap when it tries.
pub fn list_dir(dir: &OwnedFd) -> io::Result<Vec<DirEntry>> {
    // fdopendir takes ownership of its descriptor, so it gets a duplicate.
    // SAFETY: dup of an open descriptor; the result is checked.
    let dup = unsafe { libc::fcntl(dir.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 0) };
    if dup < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `dup` is an open directory descriptor that the DIR stream now owns.
    let stream = unsafe { libc::fdopendir(dup) };
    if stream.is_null() {
        let error = io::Error::last_os_error();
        // SAFETY: fdopendir failed, so `dup` is still ours to close.
        unsafe { libc::close(dup) };
        return Err(error);
    }
    let mut entries = Vec::new();
    let result = loop {
        // errno must be cleared to tell the end of the stream from an error.
        // SAFETY: __errno_location always returns the calling thread's errno.
        unsafe { *libc::__errno_location() = 0 };
        // SAFETY: `stream` is a valid DIR stream until closedir below.
        let entry = unsafe { libc::readdir64(stream) };
        if entry.is_null() {
            let errno = io::Error::last_os_error();
            break match errno.raw_os_error() {
                Some(0) | None => Ok(()),
                Some(_) => Err(errno),
            };
        }
        // SAFETY: readdir returned a valid entry whose d_name is NUL-terminated.
        let (raw_name, d_type) = unsafe {
            (
                std::ffi::CStr::from_ptr((*entry).d_name.as_ptr()),
                (*entry).d_type,
            )
        };
        let bytes = raw_name.to_bytes();
        if bytes == b"." || bytes == b".." {
            continue;
        }
        let name = String::from_utf8_lossy(bytes).into_owned();
        let kind = match d_type {
            libc::DT_DIR => EntryKind::Dir,
            libc::DT_REG => EntryKind::File,
            libc::DT_LNK => EntryKind::Symlink,
            libc::DT_UNKNOWN => kind_at(dir.as_raw_fd(), &name),
            _ => EntryKind::Other,
        };
        entries.push(DirEntry { name, kind });
    };
    // SAFETY: `stream` is valid and closed exactly once.
    unsafe { libc::closedir(stream) };
    result.map(|()| entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn links_resolve_inside_the_root() {
        let cases: &[(&[&str], &str, &[&str])] = &[
            (
                &["etc"],
                "../usr/lib/os-release",
                &["usr", "lib", "os-release"],
            ),
            (
                &["etc"],
                "/usr/lib/os-release",
                &["usr", "lib", "os-release"],
            ),
            (&["proc"], "4242", &["proc", "4242"]),
            (&["a", "b"], "../../../../etc/shadow", &["etc", "shadow"]),
            (&[], "/", &[]),
            (&["x"], "./y/./z", &["x", "y", "z"]),
        ];
        for (parent, target, expected) in cases {
            assert_eq!(
                resolve_link_within_root(&parts(parent), target),
                parts(expected),
                "{parent:?} -> {target}"
            );
        }
    }

    #[test]
    fn relative_paths_cannot_climb() {
        assert_eq!(
            split_relative("../../etc/passwd"),
            parts(&["etc", "passwd"])
        );
        assert_eq!(
            split_relative("/proc//1/stat"),
            parts(&["proc", "1", "stat"])
        );
    }
}
