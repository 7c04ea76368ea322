//! The bounded pool of reader threads. Each job batches the reads of one process, one cgroup
//! directory or a list of files, so that a thread hand-off costs once per job, not per file.
//! Each worker publishes what it is reading and since when; the collection loop abandons a
//! worker whose read outlives the per-read limit and resumes the job after the stuck item.

use crate::fsread::{self, EntryKind};
use crate::redact;
use nodesnap_format::{CmdlinePolicy, CGROUP_FILES, NAMESPACE_LINKS, PROCESS_FILES};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Item 0 of a process job opens its /proc directory; then one item per process file, then the
/// namespace links.
pub const PROCESS_ITEM_DIR: usize = 0;
pub const PROCESS_ITEM_NS: usize = PROCESS_FILES.len() + 1;

/// What a file read by a `Files` job is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Purpose {
    /// Copied as is.
    Copy,
    /// etc/passwd or etc/group, reduced before copying.
    Identity,
    /// A runtime config or pid file, parsed into meta/runtime.json and never copied.
    Meta(MetaFile),
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
}

impl MetaFile {
    /// Files read only to complete the record of the config read just before them, in the same
    /// job; a missing one is no gap.
    pub fn is_follower(&self) -> bool {
        matches!(self, MetaFile::Pid { .. } | MetaFile::DockerHost { .. })
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
    Process { pid: u32 },
    CgroupDir { rel: String },
    Files { reads: Vec<FileRead> },
}

impl JobKind {
    /// The path a gap for the whole job names.
    pub fn path(&self) -> String {
        match self {
            JobKind::Process { pid } => format!("proc/{pid}"),
            JobKind::CgroupDir { rel } => rel.clone(),
            JobKind::Files { reads } => reads.first().map(|r| r.rel.clone()).unwrap_or_default(),
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

/// The result of one item.
#[derive(Debug)]
pub enum Outcome {
    /// File contents (already redacted for cmdline); `truncated` at the per-file cap.
    Data {
        data: Vec<u8>,
        truncated: bool,
    },
    /// The namespace links file, and the links that could not be read for lack of permission.
    NsLinks {
        text: Vec<u8>,
        denied: Vec<&'static str>,
    },
    /// A cgroup directory was listed: its subdirectories (relative to the root).
    Listing {
        subdirs: Vec<String>,
        skipped_links: usize,
    },
    /// The process exited (its directory or a file vanished under it).
    Vanished,
    /// Not a regular file, or a symlink where none was expected.
    NotRegular,
    Failed(io::Error),
}

pub struct Message {
    pub job: u64,
    pub item: usize,
    /// Relative to the root.
    pub rel: String,
    pub outcome: Outcome,
}

/// Sent after the last item of a job.
pub enum Event {
    Item(Message),
    Done { job: u64 },
}

/// What one worker is reading, shared with the collection loop.
#[derive(Default)]
pub struct WorkerState {
    pub current: Mutex<Option<(u64, usize, &'static str, Instant)>>,
    pub abandoned: AtomicBool,
}

impl WorkerState {
    fn begin(&self, job: u64, item: usize, name: &'static str) {
        if let Ok(mut slot) = self.current.lock() {
            *slot = Some((job, item, name, Instant::now()));
        }
    }
    fn end(&self) {
        if let Ok(mut slot) = self.current.lock() {
            *slot = None;
        }
    }
}

/// Everything a worker needs; shared by all workers.
pub struct ReadContext {
    pub root: OwnedFd,
    /// `<root>/proc`, when it could be opened.
    pub proc_dir: Option<OwnedFd>,
    pub cmdline: CmdlinePolicy,
    pub max_file_bytes: u64,
}

/// Runs jobs from `jobs` until the queue closes or the loop abandons this worker.
pub fn run_worker(
    context: Arc<ReadContext>,
    jobs: Arc<Mutex<Receiver<Job>>>,
    events: Sender<Event>,
    state: Arc<WorkerState>,
) {
    loop {
        let job = {
            let Ok(queue) = jobs.lock() else { return };
            match queue.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        let mut send = |item: usize, rel: String, outcome: Outcome| {
            if !state.abandoned.load(Ordering::Relaxed) {
                let _ = events.send(Event::Item(Message {
                    job: job.id,
                    item,
                    rel,
                    outcome,
                }));
            }
        };
        let skip = |item: usize| job.resume_after.is_some_and(|last| item <= last);
        match job.kind.as_ref() {
            JobKind::Process { pid } => {
                read_process(&context, &state, &job, *pid, &skip, &mut send)
            }
            JobKind::CgroupDir { rel } => {
                read_cgroup_dir(&context, &state, job.id, rel, &skip, &mut send)
            }
            JobKind::Files { reads } => {
                for (item, read) in reads.iter().enumerate() {
                    if skip(item) {
                        continue;
                    }
                    state.begin(job.id, item, "");
                    let outcome = read_file_beneath(&context, read);
                    state.end();
                    send(item, read.rel.clone(), outcome);
                }
            }
        }
        state.end();
        if state.abandoned.load(Ordering::Relaxed) {
            return;
        }
        if events.send(Event::Done { job: job.id }).is_err() {
            return;
        }
    }
}

fn is_gone(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::ENOENT) | Some(libc::ESRCH))
}

fn classify_open_error(error: io::Error) -> Outcome {
    if error.raw_os_error() == Some(libc::ELOOP) {
        Outcome::NotRegular
    } else {
        Outcome::Failed(error)
    }
}

fn read_file_beneath(context: &ReadContext, read: &FileRead) -> Outcome {
    let fd = match fsread::open_beneath(
        context.root.as_raw_fd(),
        &read.rel,
        libc::O_RDONLY,
        read.follow_last,
    ) {
        Ok(fd) => fd,
        Err(error) => return classify_open_error(error),
    };
    read_open_file(fd, read.cap)
}

fn read_open_file(fd: OwnedFd, cap: u64) -> Outcome {
    match fsread::is_regular(&fd) {
        Ok(true) => {}
        Ok(false) => return Outcome::NotRegular,
        Err(error) => return Outcome::Failed(error),
    }
    match fsread::read_capped(fd, cap) {
        Ok((data, truncated)) => Outcome::Data { data, truncated },
        Err(error) => Outcome::Failed(error),
    }
}

/// Field 22 of /proc/<pid>/stat, the start time in clock ticks: with the pid, it names one
/// process life.
pub fn stat_start_ticks(stat: &[u8]) -> Option<u64> {
    let close = stat.iter().rposition(|&b| b == b')')?;
    let rest = std::str::from_utf8(stat.get(close + 1..)?).ok()?;
    rest.split_whitespace().nth(19)?.parse().ok()
}

fn read_process(
    context: &ReadContext,
    state: &WorkerState,
    job_record: &Job,
    pid: u32,
    skip: &dyn Fn(usize) -> bool,
    send: &mut dyn FnMut(usize, String, Outcome),
) {
    let Some(proc_dir) = context.proc_dir.as_ref() else {
        return;
    };
    let job = job_record.id;
    let pid_name = pid.to_string();
    state.begin(job, PROCESS_ITEM_DIR, "");
    let dir = fsread::open_at(
        proc_dir.as_raw_fd(),
        &pid_name,
        libc::O_RDONLY | libc::O_DIRECTORY,
    );
    state.end();
    let dir = match dir {
        Ok(dir) => dir,
        Err(error) if is_gone(&error) => {
            send(PROCESS_ITEM_DIR, format!("proc/{pid}"), Outcome::Vanished);
            return;
        }
        Err(error) => {
            send(
                PROCESS_ITEM_DIR,
                format!("proc/{pid}"),
                classify_open_error(error),
            );
            return;
        }
    };
    if let (Some(_), Some(expected)) = (job_record.resume_after, job_record.start_ticks) {
        state.begin(job, 1, "stat");
        let now = match fsread::open_at(dir.as_raw_fd(), "stat", libc::O_RDONLY) {
            Ok(fd) => fsread::read_capped(fd, context.max_file_bytes)
                .ok()
                .and_then(|(data, _)| stat_start_ticks(&data)),
            Err(_) => None,
        };
        state.end();
        if now != Some(expected) {
            // Another life under the same pid: the process this job began is gone.
            send(PROCESS_ITEM_DIR, format!("proc/{pid}"), Outcome::Vanished);
            return;
        }
    }
    for (index, name) in PROCESS_FILES.iter().enumerate() {
        let item = index + 1;
        if skip(item) {
            continue;
        }
        let rel = format!("proc/{pid}/{name}");
        if *name == "cmdline" && context.cmdline == CmdlinePolicy::Dropped {
            continue;
        }
        state.begin(job, item, name);
        let outcome = match fsread::open_at(dir.as_raw_fd(), name, libc::O_RDONLY) {
            Ok(fd) => read_open_file(fd, context.max_file_bytes),
            Err(error) if is_gone(&error) => Outcome::Vanished,
            Err(error) => classify_open_error(error),
        };
        state.end();
        let outcome = match outcome {
            Outcome::Failed(error) if is_gone(&error) => Outcome::Vanished,
            Outcome::Data { data, truncated }
                if *name == "cmdline" && context.cmdline == CmdlinePolicy::Redacted =>
            {
                let data = match redact::redact_cmdline(&data) {
                    std::borrow::Cow::Borrowed(_) => data,
                    std::borrow::Cow::Owned(redacted) => redacted,
                };
                Outcome::Data { data, truncated }
            }
            other => other,
        };
        let vanished = matches!(outcome, Outcome::Vanished);
        send(item, rel, outcome);
        if vanished {
            return;
        }
    }
    if skip(PROCESS_ITEM_NS) {
        return;
    }
    state.begin(job, PROCESS_ITEM_NS, "ns");
    let outcome = read_ns_links(&dir);
    state.end();
    send(PROCESS_ITEM_NS, format!("proc/{pid}/ns"), outcome);
}

fn read_ns_links(pid_dir: &OwnedFd) -> Outcome {
    let ns_dir = match fsread::open_at(pid_dir.as_raw_fd(), "ns", libc::O_PATH | libc::O_DIRECTORY)
    {
        Ok(fd) => fd,
        Err(error) if is_gone(&error) => return Outcome::Vanished,
        Err(error) => return classify_open_error(error),
    };
    let mut text = Vec::with_capacity(400);
    let mut denied = Vec::new();
    for name in NAMESPACE_LINKS {
        match fsread::read_link_at(ns_dir.as_raw_fd(), name) {
            Ok(target) => {
                text.extend_from_slice(name.as_bytes());
                text.push(b' ');
                text.extend(target.iter().map(|&b| if b == b'\n' { b' ' } else { b }));
                text.push(b'\n');
            }
            Err(error) if error.raw_os_error() == Some(libc::ENOENT) => {}
            Err(error) if error.raw_os_error() == Some(libc::ESRCH) => return Outcome::Vanished,
            Err(_) => denied.push(*name),
        }
    }
    Outcome::NsLinks { text, denied }
}

fn read_cgroup_dir(
    context: &ReadContext,
    state: &WorkerState,
    job: u64,
    rel: &str,
    skip: &dyn Fn(usize) -> bool,
    send: &mut dyn FnMut(usize, String, Outcome),
) {
    state.begin(job, 0, "");
    // The top of the tree is opened component by component; a subdirectory is opened in one
    // call, because every component above it was listed as a real directory (not a link) on the
    // way down, and O_NOFOLLOW covers the last one. This saves one open per path component
    // on nodes with tens of thousands of cgroups.
    let flags = libc::O_RDONLY | libc::O_DIRECTORY;
    let opened = if rel == nodesnap_format::CGROUP_ROOT {
        fsread::open_beneath(context.root.as_raw_fd(), rel, flags, false)
    } else {
        fsread::open_at(context.root.as_raw_fd(), rel, flags)
    };
    let listed = opened.and_then(|dir| fsread::list_dir(&dir).map(|entries| (dir, entries)));
    state.end();
    let (dir, entries) = match listed {
        Ok(listed) => listed,
        Err(error) => {
            if !skip(0) {
                send(0, rel.to_string(), classify_open_error(error));
            }
            return;
        }
    };
    let mut subdirs: Vec<String> = entries
        .iter()
        .filter(|entry| entry.kind == EntryKind::Dir)
        .map(|entry| format!("{rel}/{}", entry.name))
        .collect();
    subdirs.sort_unstable();
    let skipped_links = entries
        .iter()
        .filter(|entry| entry.kind == EntryKind::Symlink)
        .count();
    if !skip(0) {
        send(
            0,
            rel.to_string(),
            Outcome::Listing {
                subdirs,
                skipped_links,
            },
        );
    }
    // Items follow CGROUP_FILES' order, so that a resumed job skips the same ones.
    for (index, name) in CGROUP_FILES.iter().enumerate() {
        let item = index + 1;
        if skip(item) {
            continue;
        }
        let Some(entry) = entries.iter().find(|entry| entry.name == *name) else {
            continue;
        };
        let rel_file = format!("{rel}/{name}");
        if entry.kind != EntryKind::File {
            send(item, rel_file, Outcome::NotRegular);
            continue;
        }
        state.begin(job, item, name);
        let outcome = match fsread::open_at(dir.as_raw_fd(), name, libc::O_RDONLY) {
            Ok(fd) => read_open_file(fd, context.max_file_bytes),
            Err(error) => classify_open_error(error),
        };
        state.end();
        send(item, rel_file, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::stat_start_ticks;

    #[test]
    fn start_ticks_is_field_22_counted_after_the_last_parenthesis() {
        let cases: &[(&[u8], Option<u64>)] = &[
            (
                b"42 (sh) S 1 42 42 0 -1 4194560 1 0 0 0 1 1 0 0 20 0 1 0 777 1000 20 0\n",
                Some(777),
            ),
            (
                b"42 (a) b) (c) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9 0 0 0\n",
                Some(9),
            ),
            (b"42 (sh) S 1 42 42\n", None),
            (
                b"42 sh S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22\n",
                None,
            ),
            (b"", None),
            (
                b"42 (sh) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 18446744073709551615 0\n",
                Some(u64::MAX),
            ),
        ];
        for (stat, expected) in cases {
            assert_eq!(
                stat_start_ticks(stat),
                *expected,
                "{}",
                String::from_utf8_lossy(stat)
            );
        }
    }
}
