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
//! - a new name is taken with `renameat2(RENAME_NOREPLACE)` (or `link(2)` where the filesystem
//!   lacks that flag), which fails instead of replacing whatever appeared meanwhile;
//! - a regular file is replaced with `renameat2(RENAME_EXCHANGE)`: what was at the target is then
//!   at the temporary name, where it is looked at, and swapped back untouched unless it is a
//!   regular file with one link.
//!
//! Only on a filesystem with neither (some FUSE and network filesystems) is the check repeated
//! just before a plain `rename(2)`, which leaves a window of a few system calls.

use std::ffi::{CString, OsString};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
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
        action: String,
        source: io::Error,
    },
}

impl OutputError {
    /// True for a target refused for what it is (a usage problem), false for an IO failure.
    pub fn is_refusal(&self) -> bool {
        matches!(self, OutputError::Refused { .. })
    }

    fn io(path: &Path, action: impl Into<String>, source: io::Error) -> OutputError {
        OutputError::Io {
            path: path.to_path_buf(),
            action: action.into(),
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

/// What an object is, when it is something an output must not replace.
fn refusal(metadata: &fs::Metadata) -> Option<String> {
    let kind = metadata.file_type();
    let what = if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if !kind.is_file() {
        "not a regular file"
    } else if metadata.nlink() > 1 {
        // Replacing one name of a shared file would quietly part it from the others.
        return Some(format!(
            "a regular file with {} hard links",
            metadata.nlink()
        ));
    } else {
        return None;
    };
    Some(what.to_string())
}

/// Looks at what is at `path` without following a symlink: a new name or a regular file with
/// one link is fine; anything else is refused.
pub fn check_target(path: &Path) -> Result<Target, OutputError> {
    match fs::symlink_metadata(path) {
        Ok(metadata) => match refusal(&metadata) {
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

/// An output being written: a temporary file beside the target until [`AtomicFile::commit`].
/// Dropped without a commit, it removes the temporary file.
#[derive(Debug)]
pub struct AtomicFile {
    file: Option<File>,
    temp: PathBuf,
    target: PathBuf,
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
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&temp)
            .map_err(|error| {
                OutputError::io(target, format!("creating {}", temp.display()), error)
            })?;
        Ok(AtomicFile {
            file: Some(file),
            temp,
            target: target.to_path_buf(),
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
            .ok_or_else(|| io::Error::other("the output was already committed"))
    }

    /// Syncs the temporary file and puts it in place, checking again what is at the target;
    /// on any error the temporary file is removed and the target left as it was.
    pub fn commit(mut self) -> Result<(), OutputError> {
        if let Some(file) = self.file.take() {
            file.sync_all().map_err(|error| {
                OutputError::io(&self.target, "syncing the temporary file", error)
            })?;
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
        Err(OutputError::io(
            &self.target,
            "putting the output in place",
            io::Error::other("what is at the target kept changing"),
        ))
    }

    /// Renames the temporary file to the target only if nothing is there.
    fn take_new_name(&self) -> Result<Step, OutputError> {
        match rename2(&self.temp, &self.target, libc::RENAME_NOREPLACE) {
            Ok(()) => Ok(Step::Placed),
            Err(error) if error.raw_os_error() == Some(libc::EEXIST) => {
                Ok(Step::Changed(check_target(&self.target)?))
            }
            Err(error) if unsupported(&error) => match fs::hard_link(&self.temp, &self.target) {
                // link(2) never replaces either; the temporary name is then dropped.
                Ok(()) => {
                    let _ = fs::remove_file(&self.temp);
                    Ok(Step::Placed)
                }
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                    Ok(Step::Changed(check_target(&self.target)?))
                }
                Err(_) => self.rename_after_check(),
            },
            Err(error) => Err(OutputError::io(
                &self.target,
                "renaming the temporary file into place",
                error,
            )),
        }
    }

    /// Exchanges the temporary file with the target, then looks at what it displaced: a regular
    /// file with one link is removed, anything else is swapped back untouched and refused.
    fn replace_regular(&mut self) -> Result<Step, OutputError> {
        match rename2(&self.temp, &self.target, libc::RENAME_EXCHANGE) {
            Ok(()) => {}
            Err(error) if error.raw_os_error() == Some(libc::ENOENT) => {
                return Ok(Step::Changed(check_target(&self.target)?));
            }
            Err(error) if unsupported(&error) => return self.rename_after_check(),
            Err(error) => {
                return Err(OutputError::io(
                    &self.target,
                    "exchanging the temporary file with the target",
                    error,
                ))
            }
        }
        let displaced = fs::symlink_metadata(&self.temp);
        let problem = match &displaced {
            Ok(metadata) => refusal(metadata).map(|what| OutputError::Refused {
                path: self.target.clone(),
                what,
            }),
            Err(error) => Some(OutputError::io(
                &self.target,
                "looking at the replaced file",
                io::Error::new(error.kind(), error.to_string()),
            )),
        };
        let Some(problem) = problem else {
            let _ = fs::remove_file(&self.temp);
            return Ok(Step::Placed);
        };
        // Something else was swapped in after the check: it goes back where it was.
        if let Err(error) = rename2(&self.temp, &self.target, libc::RENAME_EXCHANGE) {
            self.leave_temp = true;
            return Err(OutputError::io(
                &self.target,
                format!(
                    "putting back what was found there, now at {}",
                    self.temp.display()
                ),
                error,
            ));
        }
        Err(problem)
    }

    /// The last resort on filesystems without `renameat2` flags or hard links: check, then
    /// rename.
    fn rename_after_check(&self) -> Result<Step, OutputError> {
        check_target(&self.target)?;
        fs::rename(&self.temp, &self.target).map_err(|error| {
            OutputError::io(
                &self.target,
                "renaming the temporary file into place",
                error,
            )
        })?;
        Ok(Step::Placed)
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
            let _ = fs::remove_file(&self.temp);
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

fn rename2(from: &Path, to: &Path, flags: libc::c_uint) -> io::Result<()> {
    let (from, to) = (c_path(from)?, c_path(to)?);
    // SAFETY: both paths are valid NUL-terminated strings; the result is checked.
    let result = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            flags,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests;
