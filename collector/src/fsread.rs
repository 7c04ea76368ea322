//! Reading under a root without following a symlink out of it: every open uses O_NOFOLLOW, paths
//! are walked one component at a time, and a symlink met on the way is resolved lexically inside
//! the root (as if chrooted) rather than by the kernel.

use std::ffi::{CStr, CString};
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
    open_at_c(dir, &c_name(name)?, flags)
}

/// `open_at` for a name already NUL-terminated, so that the fixed names read for every
/// process and cgroup cost no allocation.
pub fn open_at_c(dir: RawFd, name: &CStr, flags: i32) -> io::Result<OwnedFd> {
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

/// The target of the symlink `name` in `dir`, written into `buffer`; its length. A target
/// that fills the buffer is ENAMETOOLONG (namespace link targets are short).
pub fn read_link_into(dir: RawFd, name: &CStr, buffer: &mut [u8]) -> io::Result<usize> {
    // SAFETY: the buffer is valid for `buffer.len()` bytes; the result is checked.
    let len =
        unsafe { libc::readlinkat(dir, name.as_ptr(), buffer.as_mut_ptr().cast(), buffer.len()) };
    if len < 0 {
        return Err(io::Error::last_os_error());
    }
    let len = len as usize;
    if len >= buffer.len() {
        return Err(io::Error::from_raw_os_error(libc::ENAMETOOLONG));
    }
    Ok(len)
}

/// Reads at most `cap` bytes into `buffer` (cleared first, its capacity kept for the next
/// file); the flag says whether the file held more. Reads straight into the spare capacity:
/// no zeroing, no intermediate buffer.
pub fn read_capped_into(fd: &OwnedFd, cap: u64, buffer: &mut Vec<u8>) -> io::Result<bool> {
    buffer.clear();
    let limit = usize::try_from(cap).unwrap_or(usize::MAX).saturating_add(1);
    loop {
        if buffer.len() >= limit {
            break;
        }
        if buffer.capacity() == buffer.len() {
            buffer.reserve(buffer.capacity().max(4096));
        }
        let want = (buffer.capacity() - buffer.len()).min(limit - buffer.len());
        // SAFETY: the destination is the vector's spare capacity, valid for `want` bytes.
        let got = unsafe {
            libc::read(
                fd.as_raw_fd(),
                buffer.as_mut_ptr().add(buffer.len()).cast(),
                want,
            )
        };
        if got < 0 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error);
        }
        if got == 0 {
            break;
        }
        // SAFETY: the kernel wrote `got` bytes into the spare capacity.
        unsafe { buffer.set_len(buffer.len() + got as usize) };
    }
    let truncated = buffer.len() as u64 > cap;
    if truncated {
        buffer.truncate(cap as usize);
    }
    Ok(truncated)
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

fn kind_at(dir: RawFd, c: &CStr) -> EntryKind {
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
    let mut entries = Vec::new();
    list_dir_with(dir, |name, kind| {
        entries.push(DirEntry {
            name: String::from_utf8_lossy(name).into_owned(),
            kind,
        })
    })?;
    Ok(entries)
}

/// Calls `visit` with the raw name and kind of each entry of an open directory, without `.`
/// and `..`, so that a caller keeping few of them allocates nothing for the rest.
pub fn list_dir_with(dir: &OwnedFd, mut visit: impl FnMut(&[u8], EntryKind)) -> io::Result<()> {
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
        let kind = match d_type {
            libc::DT_DIR => EntryKind::Dir,
            libc::DT_REG => EntryKind::File,
            libc::DT_LNK => EntryKind::Symlink,
            libc::DT_UNKNOWN => kind_at(dir.as_raw_fd(), raw_name),
            _ => EntryKind::Other,
        };
        visit(bytes, kind);
    };
    // SAFETY: `stream` is valid and closed exactly once.
    unsafe { libc::closedir(stream) };
    result
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

    /// A scratch directory under the system temp dir, removed on drop.
    struct Scratch(std::path::PathBuf);

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn scratch(label: &str) -> Scratch {
        let path =
            std::env::temp_dir().join(format!("nodesnap-fsread-{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Scratch(path)
    }

    fn read_beneath(root: &std::path::Path, rel: &str, follow_last: bool) -> io::Result<Vec<u8>> {
        let root_fd = OwnedFd::from(File::open(root)?);
        let fd = open_beneath(root_fd.as_raw_fd(), rel, libc::O_RDONLY, follow_last)?;
        read_capped(fd, 1 << 20).map(|(data, _)| data)
    }

    #[test]
    fn open_beneath_resolves_links_inside_the_root_only() {
        use std::os::unix::fs::symlink;
        let dir = scratch("beneath");
        let root = &dir.0;
        std::fs::create_dir_all(root.join("usr/lib")).unwrap();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("usr/lib/os-release"), "inside").unwrap();
        symlink("../usr/lib/os-release", root.join("etc/os-release")).unwrap();
        symlink("/usr/lib", root.join("etc/lib-abs")).unwrap();
        symlink("/etc/hostname", root.join("etc/escape")).unwrap();
        symlink("loop", root.join("etc/loop")).unwrap();
        assert_eq!(
            read_beneath(root, "etc/os-release", true).unwrap(),
            b"inside"
        );
        assert_eq!(
            read_beneath(root, "etc/lib-abs/os-release", false).unwrap(),
            b"inside"
        );
        let not_followed = read_beneath(root, "etc/os-release", false).unwrap_err();
        assert_eq!(not_followed.raw_os_error(), Some(libc::ELOOP));
        // `/etc/hostname` means <root>/etc/hostname, which does not exist: never the host's file.
        let escape = read_beneath(root, "etc/escape", true).unwrap_err();
        assert_eq!(escape.raw_os_error(), Some(libc::ENOENT));
        let looped = read_beneath(root, "etc/loop", true).unwrap_err();
        assert_eq!(looped.raw_os_error(), Some(libc::ELOOP));
        assert_eq!(
            read_beneath(root, "../../etc/os-release", true).unwrap(),
            b"inside"
        );
    }

    #[test]
    fn read_capped_reports_truncation_at_the_cap() {
        let dir = scratch("capped");
        let path = dir.0.join("f");
        for (len, cap, kept, truncated) in [
            (10, 10, 10, false),
            (11, 10, 10, true),
            (0, 10, 0, false),
            (5, 0, 0, true),
        ] {
            std::fs::write(&path, vec![b'x'; len]).unwrap();
            let fd = OwnedFd::from(File::open(&path).unwrap());
            let (data, was_truncated) = read_capped(fd, cap).unwrap();
            assert_eq!(
                (data.len(), was_truncated),
                (kept, truncated),
                "len {len} cap {cap}"
            );
        }
    }

    #[test]
    fn read_capped_into_reuses_the_buffer_and_reports_truncation_at_the_cap() {
        let dir = scratch("capped-into");
        let path = dir.0.join("f");
        let mut buffer = Vec::new();
        for (len, cap, kept, truncated) in [
            (10, 10, 10, false),
            (11, 10, 10, true),
            (0, 10, 0, false),
            (5, 0, 0, true),
            (10_000, 1 << 20, 10_000, false),
            (3, 10, 3, false),
        ] {
            let content: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &content).unwrap();
            let fd = OwnedFd::from(File::open(&path).unwrap());
            let was_truncated = read_capped_into(&fd, cap, &mut buffer).unwrap();
            assert_eq!(
                (buffer.as_slice(), was_truncated),
                (&content[..kept], truncated),
                "len {len} cap {cap}"
            );
        }
        // The buffer kept the capacity grown for the largest file.
        assert!(buffer.capacity() >= 10_000);
    }

    #[test]
    fn read_link_into_fills_the_buffer_or_says_too_long() {
        use std::os::unix::fs::symlink;
        let dir = scratch("link-into");
        symlink("net:[4026531992]", dir.0.join("net")).unwrap();
        let fd = OwnedFd::from(File::open(&dir.0).unwrap());
        let mut buffer = [0u8; 64];
        let len = read_link_into(fd.as_raw_fd(), c"net", &mut buffer).unwrap();
        assert_eq!(&buffer[..len], b"net:[4026531992]");
        let mut small = [0u8; 16];
        let error = read_link_into(fd.as_raw_fd(), c"net", &mut small).unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::ENAMETOOLONG));
        let missing = read_link_into(fd.as_raw_fd(), c"pid", &mut buffer).unwrap_err();
        assert_eq!(missing.raw_os_error(), Some(libc::ENOENT));
    }

    #[test]
    fn list_dir_reports_kinds_without_following_links() {
        use std::os::unix::fs::symlink;
        let dir = scratch("list");
        std::fs::create_dir(dir.0.join("sub")).unwrap();
        std::fs::write(dir.0.join("file"), "x").unwrap();
        symlink("sub", dir.0.join("link")).unwrap();
        let fd = OwnedFd::from(File::open(&dir.0).unwrap());
        let mut entries = list_dir(&fd).unwrap();
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let kinds: Vec<(&str, EntryKind)> =
            entries.iter().map(|e| (e.name.as_str(), e.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                ("file", EntryKind::File),
                ("link", EntryKind::Symlink),
                ("sub", EntryKind::Dir)
            ]
        );
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
