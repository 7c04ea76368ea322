//! What a collection run is asked to do and what it reports: the validated configuration, the
//! progress and summary it gives back, and its one error type.

use nodesnap_format::CmdlinePolicy;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// Where the snapshot goes.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputTarget {
    /// `./nodesnap-<hostname>-<UTC yyyymmddThhmmssZ>.tar.gz`.
    Auto,
    Path(PathBuf),
    Stdout,
}

/// A validated collection configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub root: PathBuf,
    pub output: OutputTarget,
    pub timeout: Duration,
    pub read_timeout: Duration,
    pub cmdline: CmdlinePolicy,
    pub max_file_bytes: u64,
    pub max_total_bytes: u64,
    /// Reader threads at a time.
    pub workers: usize,
    /// Blocked reader threads given up on before the run stops replacing them.
    pub max_abandoned: usize,
    /// Samples of the fast-changing files (`--samples`), 1 for a plain snapshot.
    pub samples: u32,
    /// Between the starts of two samples (`--interval`).
    pub interval: Duration,
}

impl Config {
    pub fn new(root: PathBuf, output: OutputTarget) -> Config {
        Config {
            root,
            output,
            timeout: Duration::from_secs(60),
            read_timeout: Duration::from_millis(2000),
            cmdline: CmdlinePolicy::Redacted,
            max_file_bytes: 4 << 20,
            max_total_bytes: 512 << 20,
            workers: 2,
            max_abandoned: 8,
            samples: 1,
            interval: Duration::from_secs(5),
        }
    }
}

/// Counts reported while the run goes on.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub processes: u64,
    pub cgroups: u64,
    pub gaps: usize,
    pub elapsed: Duration,
}

/// What the summary line says.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The tarball's path, or `-` for stdout.
    pub output: String,
    pub processes: u64,
    pub cgroups: u64,
    pub gaps: usize,
    pub elapsed: Duration,
    /// Compressed size of the tarball.
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("cannot open root directory {path}: {source}")]
    Root { path: String, source: io::Error },
    #[error("cannot write {path}: {source}")]
    Output { path: String, source: io::Error },
    /// The output path names something that is not a regular file (refused before any
    /// collection work, and again at the rename), or the file could not be put in place.
    #[error("{0}")]
    Target(#[source] nodesnap_output::OutputError),
    #[error("interrupted by signal {signal}; no snapshot written")]
    Interrupted { signal: i32 },
}
