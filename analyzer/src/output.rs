//! Where the analyzer writes: never over the snapshot it reads (the same file through a symlink
//! or a hard link, or a file inside an extracted snapshot directory), and into a file only
//! whole, through nodesnap-output (a temporary file beside the target, put in place when
//! complete and removed on any failure; a target that is not a regular file is refused).

use nodesnap_output::{check_target, AtomicFile, OutputError};
use std::fs;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Where a command's output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

impl Destination {
    /// `-` is standard output, anything else a file.
    pub fn from_arg(path: &Path) -> Destination {
        if path.as_os_str() == "-" {
            Destination::Stdout
        } else {
            Destination::File(path.to_path_buf())
        }
    }
}

/// Why the analyzer will not write somewhere; one line.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    Target(#[from] OutputError),
    #[error("refusing to write {target}: it is {what} ({input})")]
    Input {
        target: String,
        what: &'static str,
        input: String,
    },
}

fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// Refuses `target` when writing it would overwrite or change the snapshot at `input`: the same
/// file (followed through symlinks, or another hard link of it), or a name inside the
/// snapshot's directory when it was extracted.
pub fn refuse_input(input: &Path, target: &Path) -> Result<(), Refusal> {
    let refuse = |what| {
        Err(Refusal::Input {
            target: target.display().to_string(),
            what,
            input: input.display().to_string(),
        })
    };
    // An input that cannot be looked at fails to load with its own message.
    let Ok(input_metadata) = fs::metadata(input) else {
        return Ok(());
    };
    if let Ok(target_metadata) = fs::metadata(target) {
        if same_file(&input_metadata, &target_metadata) {
            return refuse("the snapshot being read");
        }
    }
    if input_metadata.is_dir() {
        let parent = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        if let (Ok(dir), Ok(parent)) = (fs::canonicalize(input), fs::canonicalize(parent)) {
            if parent.starts_with(&dir) {
                return refuse("inside the snapshot directory being read");
            }
        }
    }
    Ok(())
}

/// Checks a destination before the snapshot is loaded, so that a refused one costs nothing: a
/// file must be a new name or a regular file with one link, and not the input; standard output
/// redirected to the input (`>> snapshot.tar.gz`) is refused too.
pub fn check(input: &Path, destination: &Destination) -> Result<(), Refusal> {
    match destination {
        Destination::File(target) => {
            refuse_input(input, target)?;
            check_target(target)?;
            Ok(())
        }
        // The analyzer's own standard output on this machine, not anything from the node.
        Destination::Stdout => match fs::read_link("/proc/self/fd/1") {
            // Only a regular file has a name that can be the snapshot.
            Ok(path) if path.is_absolute() && path.is_file() => {
                refuse_input(input, &path).map_err(|refusal| match refusal {
                    Refusal::Input { what, input, .. } => Refusal::Input {
                        target: "standard output".to_string(),
                        what,
                        input,
                    },
                    other => other,
                })
            }
            _ => Ok(()),
        },
    }
}

/// A failure of a write to a file: the target refused at the rename, or an IO error.
#[derive(Debug, thiserror::Error)]
pub enum WriteError<E> {
    #[error("{0}")]
    Target(#[from] OutputError),
    #[error(transparent)]
    Write(E),
}

/// Size of the buffer in front of an output file.
const BUFFER: usize = 256 << 10;

/// Runs `write` into a temporary file beside `target` and puts it in place when it succeeded;
/// on any failure the temporary file is removed and `target` is left as it was.
pub fn write_file<E: From<io::Error>>(
    target: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), WriteError<E>> {
    let file = AtomicFile::create(target, 0o666)?;
    let mut out = BufWriter::with_capacity(BUFFER, file);
    write(&mut out).map_err(WriteError::Write)?;
    let file = out
        .into_inner()
        .map_err(|error| WriteError::Write(E::from(error.into_error())))?;
    file.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dash_is_standard_output() {
        assert_eq!(Destination::from_arg(Path::new("-")), Destination::Stdout);
        assert_eq!(
            Destination::from_arg(Path::new("r.html")),
            Destination::File(PathBuf::from("r.html"))
        );
    }
}
