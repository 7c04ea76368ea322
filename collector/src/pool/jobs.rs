//! What the collection loop and the reader threads tell each other: the jobs (a process, a
//! cgroup directory, a list of files) with what each file read is for, the records read so far
//! for a directory, and the outcome of each item.

use crate::discovery::{ConfigKind, Discovered};
use nodesnap_format::PROCESS_FILES;
use std::io;
use std::sync::Arc;

/// Item 0 of a process job opens its /proc directory; then one item per process file, then the
/// namespace links, then `wchan` for a process in D state.
pub const PROCESS_ITEM_DIR: usize = 0;
pub const PROCESS_ITEM_NS: usize = PROCESS_FILES.len() + 1;
pub const PROCESS_ITEM_WCHAN: usize = PROCESS_ITEM_NS + 1;

/// What a file read by a `Files` job is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Purpose {
    /// Copied as is.
    Copy,
    /// etc/passwd or etc/group, reduced before copying.
    Identity,
    /// A runtime config or pid file, parsed into meta/runtime.json and never copied.
    Meta(MetaFile),
    /// A node file read again for a later sample, copied under `samples/<k>/`.
    Sample(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub enum MetaFile {
    Oci {
        source: nodesnap_format::RecordSource,
        id: String,
        runtime_namespace: Option<String>,
    },
    Docker {
        id: String,
    },
    /// The pid file beside the config at `config_path`.
    Pid {
        config_path: String,
    },
    /// Docker's hostconfig.json beside the config.v2.json at `config_path`.
    DockerHost {
        config_path: String,
    },
    /// A container's pid file (containers/storage's `userdata/pidfile`, conmon's `-p`), for
    /// whichever record has this id.
    ContainerPid {
        id: String,
    },
    /// containers/storage's `<driver>-containers/containers.json`.
    ContainerStorage,
    /// The config file of the runtime daemon `pid`, read for where it keeps its state.
    DaemonConfig {
        pid: u32,
        kind: ConfigKind,
    },
}

impl MetaFile {
    /// Files read only to complete the record of the config read just before them, in the same
    /// job.
    pub fn is_follower(&self) -> bool {
        matches!(self, MetaFile::Pid { .. } | MetaFile::DockerHost { .. })
    }

    /// Files whose absence is normal and no gap: followers, pid files, and a daemon's config,
    /// which is often not there (the daemon then runs on its defaults).
    pub fn may_be_missing(&self) -> bool {
        self.is_follower()
            || matches!(
                self,
                MetaFile::ContainerPid { .. } | MetaFile::DaemonConfig { .. }
            )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileRead {
    /// Relative to the root.
    pub rel: String,
    pub cap: u64,
    /// Follow a final symlink inside the root (etc/os-release usually is one).
    pub follow_last: bool,
    pub purpose: Purpose,
}

#[derive(Debug)]
pub enum JobKind {
    Process {
        pid: u32,
    },
    CgroupDir {
        rel: String,
    },
    Files {
        reads: Vec<FileRead>,
    },
    /// A later sample of a process the first pass read: its `SAMPLED_PROCESS_FILES`, kept
    /// only while the pid still holds the life that started at `start_ticks`; or, with no
    /// `start_ticks`, a process the first pass did not see, read whole.
    SampleProcess {
        sample: u32,
        pid: u32,
        start_ticks: Option<u64>,
    },
    /// A later sample of a cgroup directory: the files of `CGROUP_FILES` whose bits `files`
    /// sets (its `SAMPLED_CGROUP_FILES` the first pass found), without listing it again, no
    /// walk below.
    SampleCgroupDir {
        sample: u32,
        rel: String,
        files: u64,
    },
}

impl JobKind {
    /// The path a gap for the whole job names.
    pub fn path(&self) -> String {
        match self {
            JobKind::Process { pid } => format!("proc/{pid}"),
            JobKind::CgroupDir { rel } => rel.clone(),
            JobKind::Files { reads } => reads.first().map(|r| r.rel.clone()).unwrap_or_default(),
            JobKind::SampleProcess { sample, pid, .. } => {
                format!("{}/{sample}/proc/{pid}", nodesnap_format::SAMPLES_DIR)
            }
            JobKind::SampleCgroupDir { sample, rel, .. } => {
                format!("{}/{sample}/{rel}", nodesnap_format::SAMPLES_DIR)
            }
        }
    }
}

pub struct Job {
    pub id: u64,
    pub kind: Arc<JobKind>,
    /// Items up to and including this index were handled by an abandoned worker.
    pub resume_after: Option<usize>,
    /// For a resumed process job: the start time its first worker read in stat. The pid's
    /// directory is opened again on resume, and a different start time means the process
    /// exited and the pid was reused while the read was stuck.
    pub start_ticks: Option<u64>,
}

/// The records read so far for one process or cgroup directory, with what the loop needs to
/// know about them. A job resumed after a stuck read starts a new one, appended to its
/// predecessor's when written, so that each directory ends as one bundle entry.
#[derive(Debug, Default)]
pub struct PartialBundle {
    /// Records in `nodesnap_format::bundle` encoding.
    pub records: Vec<u8>,
    pub files: u64,
    /// Content bytes, without record headers.
    pub bytes: u64,
    /// The cgroup directory was listed: it exists, and gets a bundle even when empty.
    pub listed: bool,
    /// The process's stat was read, with the start time it holds when it parses.
    pub has_stat: bool,
    pub start_ticks: Option<u64>,
}

impl PartialBundle {
    /// Appends `later`, read by a job resumed after this one's stuck read.
    pub fn extend(&mut self, later: PartialBundle) {
        if self.records.is_empty() {
            self.records = later.records;
        } else {
            self.records.extend_from_slice(&later.records);
        }
        self.files += later.files;
        self.bytes += later.bytes;
        self.listed |= later.listed;
        self.has_stat |= later.has_stat;
        self.start_ticks = self.start_ticks.or(later.start_ticks);
    }
}

/// Why an item of a job yields no record, or not all of it.
#[derive(Debug)]
pub enum Outcome {
    /// A file of a `Files` job (already redacted for cmdline); `truncated` at the per-file cap.
    Data {
        data: Vec<u8>,
        truncated: bool,
    },
    /// A bundled file longer than the per-file cap: its first `kept` bytes are in the bundle.
    Truncated {
        kept: usize,
    },
    /// Namespace links that could not be read (the others are in the bundle's `ns` record),
    /// each with its errno: EACCES or EPERM for lack of permission, EINVAL for an entry that is
    /// not a symlink, ENAMETOOLONG for a target longer than any namespace link's.
    NsUnreadable {
        links: Vec<(&'static str, i32)>,
    },
    /// A cgroup directory was listed: its subdirectories (relative to the root), and those
    /// whose name is not UTF-8 (escaped), which are not walked.
    Listing {
        subdirs: Vec<String>,
        not_utf8: Vec<String>,
    },
    /// The process exited (its directory or a file vanished under it).
    Vanished,
    /// Not a regular file, or a symlink where none was expected.
    NotRegular,
    /// The total size cap left no room for this file.
    TotalCapReached,
    Failed(io::Error),
    /// A process's command line names where a container runtime keeps its state (read from
    /// the command line before redaction; only paths are taken).
    Runtime(Box<Discovered>),
}

/// The result of one item; the loop derives the path from the job and the item.
pub struct Message {
    pub job: u64,
    pub item: usize,
    pub outcome: Outcome,
}

pub enum Event {
    Item(Message),
    /// Sent after the last item of a job, with the bundle of a process or cgroup job.
    Done {
        job: u64,
        bundle: PartialBundle,
    },
}
