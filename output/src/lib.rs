//! Writing one output file whole or not at all, without ever replacing or following anything at
//! the target but a regular file. The collector's and the analyzer's `-o PATH` both go through
//! [`AtomicFile`].
//!
//! The bytes go to a temporary file beside the target (`.<name>.partial-<pid>`, created
//! exclusively, never through a symlink); [`AtomicFile::commit`] syncs it and puts it in place,
//! and every other ending (an error, a drop) removes it. What the target may be is decided twice:
//! by [`check_target`] before any work (a new name, or a regular file with one link; a symlink,
//! directory, FIFO, socket, device or hard-linked file is refused), and again at the rename,
//! without a window in which another process could swap something else in:
//! - a new name is taken with `renameat2(RENAME_NOREPLACE)`, which fails instead of replacing
//!   whatever appeared meanwhile;
//! - a regular file is replaced with `renameat2(RENAME_EXCHANGE)`: what was at the target is then
//!   at the temporary name, where it is looked at, and swapped back untouched unless it is a
//!   regular file with one link.
//!
//! Only on a filesystem without these flags (some FUSE and network filesystems) is the check
//! repeated just before a plain `rename(2)`, which leaves a window of two system calls.

use std::ffi::{CStr, CString, OsString};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// What is at the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Nothing: the output takes a new name.
    New,
    /// A regular file with one link, which the output replaces whole.
    Regular,
}

/// Why an output could not be written. Both variants name the target; the message is one line.
#[derive(Debug)]
pub enum OutputError {
    /// The target is something an output never replaces; `what` says what it is ("a FIFO").
    Refused { path: PathBuf, what: String },
    /// An IO error while doing `action` ("creating the temporary file").
    Io {
        path: PathBuf,
        action: &'static str,
        source: io::Error,
    },
}

impl OutputError {
    /// True for a target refused for what it is (a usage problem), false for an IO failure.
    pub fn is_refusal(&self) -> bool {
        matches!(self, OutputError::Refused { .. })
    }

    fn io(path: &Path, action: &'static str, source: io::Error) -> OutputError {
        OutputError::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::Refused { path, what } => write!(
                f,
                "refusing to write {}: it is {what}; an output replaces only a regular file or \
                 takes a new name (`-o -` writes to standard output)",
                path.display()
            ),
            OutputError::Io {
                path,
                action,
                source,
            } => write!(f, "cannot write {}: {source} ({action})", path.display()),
        }
    }
}

impl std::error::Error for OutputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OutputError::Io { source, .. } => Some(source),
            OutputError::Refused { .. } => None,
        }
    }
}

/// What an object is, when it is something an output must not replace (from `lstat`'s mode and
/// link count).
fn refusal(mode: libc::mode_t, links: u64) -> Option<String> {
    let what = match mode & libc::S_IFMT {
        libc::S_IFLNK => "a symbolic link",
        libc::S_IFDIR => "a directory",
        libc::S_IFIFO => "a FIFO",
        libc::S_IFSOCK => "a socket",
        libc::S_IFCHR => "a character device",
        libc::S_IFBLK => "a block device",
        libc::S_IFREG if links > 1 => {
            // Replacing one name of a shared file would quietly part it from the others.
            return Some(format!("a regular file with {links} hard links"));
        }
        libc::S_IFREG => return None,
        _ => "not a regular file",
    };
    Some(what.to_string())
}

/// `lstat`: the mode and link count of what is at `path`, never following a symlink.
fn lstat(path: &CStr) -> io::Result<(libc::mode_t, u64)> {
    // SAFETY: an all-zero `stat` is a valid value to be overwritten.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid NUL-terminated path and out pointer; the result is checked.
    let result = unsafe {
        libc::fstatat(
            libc::AT_FDCWD,
            path.as_ptr(),
            &mut stat,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    if result == 0 {
        Ok((stat.st_mode, stat.st_nlink as u64))
    } else {
        Err(io::Error::last_os_error())
    }
}

fn check_c(path: &Path, c: &CStr) -> Result<Target, OutputError> {
    match lstat(c) {
        Ok((mode, links)) => match refusal(mode, links) {
            None => Ok(Target::Regular),
            Some(what) => Err(OutputError::Refused {
                path: path.to_path_buf(),
                what,
            }),
        },
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Target::New),
        Err(error) => Err(OutputError::io(path, "looking at the target", error)),
    }
}

/// Looks at what is at `path` without following a symlink: a new name or a regular file with
/// one link is fine; anything else is refused.
pub fn check_target(path: &Path) -> Result<Target, OutputError> {
    let c = c_path(path).map_err(|error| OutputError::io(path, "looking at the target", error))?;
    check_c(path, &c)
}

/// An output being written: a temporary file beside the target until [`AtomicFile::commit`].
/// Dropped without a commit, it removes the temporary file.
#[derive(Debug)]
pub struct AtomicFile {
    file: Option<File>,
    temp: PathBuf,
    target: PathBuf,
    /// The same paths NUL-terminated, for the system calls of the commit.
    temp_c: CString,
    target_c: CString,
    found: Target,
    /// The temporary file is gone (placed) or must stay (it holds something not ours).
    leave_temp: bool,
}

impl AtomicFile {
    /// Checks the target and creates the temporary file beside it, exclusively, with `mode`
    /// (before the umask).
    pub fn create(target: &Path, mode: u32) -> Result<AtomicFile, OutputError> {
        let found = check_target(target)?;
        let Some(name) = target.file_name() else {
            return Err(OutputError::Refused {
                path: target.to_path_buf(),
                what: "not a file name".to_string(),
            });
        };
        let mut temp_name = OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".partial-{}", std::process::id()));
        let temp = target.with_file_name(temp_name);
        let creating = |error| OutputError::io(target, "creating the temporary file", error);
        let temp_c = c_path(&temp).map_err(creating)?;
        let target_c = c_path(target).map_err(creating)?;
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&temp)
            .map_err(creating)?;
        Ok(AtomicFile {
            file: Some(file),
            temp,
            target: target.to_path_buf(),
            temp_c,
            target_c,
            found,
            leave_temp: false,
        })
    }

    /// The temporary file's path.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// The target's path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    fn file(&mut self) -> io::Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::from(io::ErrorKind::Other))
    }

    /// Syncs the temporary file and puts it in place, checking again what is at the target;
    /// on any error the temporary file is removed and the target left as it was.
    pub fn commit(mut self) -> Result<(), OutputError> {
        if let Some(file) = self.file.take() {
            file.sync_all()
                .map_err(|error| self.io("syncing the temporary file", error))?;
        }
        let mut found = self.found;
        // A target that keeps appearing and vanishing under us is given up on after a few turns.
        for _ in 0..4 {
            let step = match found {
                Target::New => self.take_new_name()?,
                Target::Regular => self.replace_regular()?,
            };
            match step {
                Step::Placed => {
                    self.leave_temp = true;
                    return Ok(());
                }
                Step::Changed(now) => found = now,
            }
        }
        Err(self.io(
            "putting the output in place",
            io::Error::other("what is at the target kept changing"),
        ))
    }

    fn io(&self, action: &'static str, error: io::Error) -> OutputError {
        OutputError::io(&self.target, action, error)
    }

    fn check_again(&self) -> Result<Step, OutputError> {
        check_c(&self.target, &self.target_c).map(Step::Changed)
    }

    /// Renames the temporary file to the target only if nothing is there.
    fn take_new_name(&self) -> Result<Step, OutputError> {
        match self.rename(libc::RENAME_NOREPLACE) {
            Ok(()) => Ok(Step::Placed),
            Err(error) if error.raw_os_error() == Some(libc::EEXIST) => self.check_again(),
            Err(error) if unsupported(&error) => self.rename_after_check(),
            Err(error) => Err(self.io("renaming the temporary file into place", error)),
        }
    }

    /// Exchanges the temporary file with the target, then looks at what it displaced: a regular
    /// file with one link is removed, anything else is swapped back untouched and refused.
    fn replace_regular(&mut self) -> Result<Step, OutputError> {
        match self.rename(libc::RENAME_EXCHANGE) {
            Ok(()) => {}
            Err(error) if error.raw_os_error() == Some(libc::ENOENT) => return self.check_again(),
            Err(error) if unsupported(&error) => return self.rename_after_check(),
            Err(error) => {
                return Err(self.io("exchanging the temporary file with the target", error))
            }
        }
        let problem = match lstat(&self.temp_c) {
            Ok((mode, links)) => refusal(mode, links).map(|what| OutputError::Refused {
                path: self.target.clone(),
                what,
            }),
            Err(error) => Some(self.io("looking at the replaced file", error)),
        };
        let Some(problem) = problem else {
            // SAFETY: valid NUL-terminated path; a failure leaves a stray file, nothing worse.
            unsafe { libc::unlink(self.temp_c.as_ptr()) };
            return Ok(Step::Placed);
        };
        // Something else was swapped in after the check: it goes back where it was.
        if let Err(error) = self.rename(libc::RENAME_EXCHANGE) {
            self.leave_temp = true;
            return Err(self.io(
                "putting back what was at the target; it is at the temporary name",
                error,
            ));
        }
        Err(problem)
    }

    /// The last resort on filesystems without `renameat2` flags: check, then rename.
    fn rename_after_check(&self) -> Result<Step, OutputError> {
        check_c(&self.target, &self.target_c)?;
        self.rename(0)
            .map_err(|error| self.io("renaming the temporary file into place", error))?;
        Ok(Step::Placed)
    }

    /// `renameat2` from the temporary name to the target.
    fn rename(&self, flags: libc::c_uint) -> io::Result<()> {
        // SAFETY: both paths are valid NUL-terminated strings; the result is checked.
        let result = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                self.temp_c.as_ptr(),
                libc::AT_FDCWD,
                self.target_c.as_ptr(),
                flags,
            )
        };
        if result == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
}

/// The outcome of one attempt to put the output in place.
enum Step {
    Placed,
    /// The target changed since it was looked at; this is what is there now.
    Changed(Target),
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file()?.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file()?.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.leave_temp {
            drop(self.file.take());
            // SAFETY: valid NUL-terminated path; nothing to do when it is already gone.
            unsafe { libc::unlink(self.temp_c.as_ptr()) };
        }
    }
}

/// A filesystem that does not know a `renameat2` flag says so with one of these.
fn unsupported(error: &io::Error) -> bool {
    matches!(
        error.raw_os_error(),
        Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP)
    )
}

fn c_path(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

#[cfg(test)]
mod tests;
