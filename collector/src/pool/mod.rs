//! The bounded pool of reader threads. Each job batches the reads of one process, one cgroup
//! directory or a list of files, so that a thread hand-off costs once per job, not per file.
//! A process or cgroup job builds its directory's bundle on the worker, in a slot the
//! collection loop can take from when the job is abandoned, so a file read costs no message
//! and no allocation; only gaps, listings and the finished bundle travel to the loop.
//! Each worker publishes what it is reading and since when; the collection loop abandons a
//! worker whose read outlives the per-read limit and resumes the job after the stuck item.

use crate::discovery;
use crate::fsread::{self, EntryKind};
use crate::redact;
use nodesnap_format::{
    bundle, CmdlinePolicy, CGROUP_FILES, D_STATE_FILE, NAMESPACE_LINKS, NAMESPACE_LINKS_FILE,
    PROCESS_FILES, SAMPLED_PROCESS_FILES,
};
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

mod jobs;
pub use jobs::*;

/// How far past the per-file cap a command line is read when it is redacted: a secret whose
/// end lies past the cap is still recognised, then cut (`redact::redact_cmdline_capped`).
const CMDLINE_LOOKAHEAD: u64 = 64 << 10;

/// A worker's bundle in progress, shared with the loop, which takes it when it abandons the
/// worker or reaches the deadline.
#[derive(Default)]
pub struct BundleSlot {
    pub job: u64,
    pub bundle: PartialBundle,
    /// Set by the loop once it took the bundle: the worker sends nothing more.
    pub closed: bool,
}

/// What one worker is reading, shared with the collection loop.
#[derive(Default)]
pub struct WorkerState {
    pub current: Mutex<Option<(u64, usize, &'static str, Instant)>>,
    pub abandoned: AtomicBool,
    pub slot: Mutex<BundleSlot>,
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
    fn slot(&self) -> MutexGuard<'_, BundleSlot> {
        self.slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
    /// Closes the slot and takes the bundle of `job` from it, if the worker is on that job.
    pub fn take_bundle(&self, job: u64) -> Option<PartialBundle> {
        let mut slot = self.slot();
        if slot.closed || slot.job != job {
            return None;
        }
        slot.closed = true;
        Some(std::mem::take(&mut slot.bundle))
    }
}

/// Everything a worker needs; shared by all workers.
pub struct ReadContext {
    pub root: OwnedFd,
    /// `<root>/proc`, when it could be opened.
    pub proc_dir: Option<OwnedFd>,
    pub cmdline: CmdlinePolicy,
    pub max_file_bytes: u64,
    pub max_total_bytes: u64,
    /// Content bytes admitted under `max_total_bytes`, by the workers and the loop.
    pub admitted_bytes: AtomicU64,
    names: Names,
}

impl ReadContext {
    pub fn new(
        root: OwnedFd,
        proc_dir: Option<OwnedFd>,
        cmdline: CmdlinePolicy,
        max_file_bytes: u64,
        max_total_bytes: u64,
    ) -> ReadContext {
        ReadContext {
            root,
            proc_dir,
            cmdline,
            max_file_bytes,
            max_total_bytes,
            admitted_bytes: AtomicU64::new(0),
            names: Names::new(),
        }
    }

    /// Reserves `len` bytes under the total cap; false when they do not fit.
    pub fn admit(&self, len: usize) -> bool {
        let len = len as u64;
        let before = self.admitted_bytes.fetch_add(len, Ordering::Relaxed);
        if before.saturating_add(len) > self.max_total_bytes {
            self.admitted_bytes.fetch_sub(len, Ordering::Relaxed);
            return false;
        }
        true
    }
}

/// The fixed file and link names, NUL-terminated once for the whole run.
struct Names {
    process: Vec<CString>,
    cgroup: Vec<CString>,
    ns: Vec<CString>,
    ns_dir: CString,
    stat: CString,
    wchan: CString,
}

impl Names {
    fn new() -> Names {
        let c = |names: &[&str]| -> Vec<CString> {
            names
                .iter()
                .filter_map(|name| CString::new(*name).ok())
                .collect()
        };
        Names {
            process: c(PROCESS_FILES),
            cgroup: c(CGROUP_FILES),
            ns: c(NAMESPACE_LINKS),
            ns_dir: c"ns".to_owned(),
            stat: c"stat".to_owned(),
            wchan: c"wchan".to_owned(),
        }
    }
}

/// A worker's reusable buffers.
#[derive(Default)]
struct Scratch {
    data: Vec<u8>,
    ns: Vec<u8>,
}

/// Sends item messages and fills the bundle of the job a worker is on.
struct JobSink<'a> {
    context: &'a ReadContext,
    state: &'a WorkerState,
    events: &'a Sender<Event>,
    job: u64,
}

impl JobSink<'_> {
    fn send(&self, item: usize, outcome: Outcome) {
        if !self.state.abandoned.load(Ordering::Relaxed) {
            let _ = self.events.send(Event::Item(Message {
                job: self.job,
                item,
                outcome,
            }));
        }
    }

    /// Appends a record to the job's bundle, or reports that the total cap left no room.
    fn record(&self, item: usize, name: &str, data: &[u8]) {
        if !self.context.admit(data.len()) {
            self.send(item, Outcome::TotalCapReached);
            return;
        }
        let mut slot = self.state.slot();
        // Checked under the lock the loop takes the bundle with: a read that finished just as
        // it was declared stuck is left out, as its timed_out gap says.
        if slot.closed || self.state.abandoned.load(Ordering::Relaxed) {
            return;
        }
        let bundle = &mut slot.bundle;
        bundle::push_record(&mut bundle.records, name, data);
        bundle.files += 1;
        bundle.bytes += data.len() as u64;
    }

    fn update(&self, change: impl FnOnce(&mut PartialBundle)) {
        let mut slot = self.state.slot();
        if !slot.closed {
            change(&mut slot.bundle);
        }
    }
}

/// Runs jobs from `jobs` until the queue closes or the loop abandons this worker.
pub fn run_worker(
    context: Arc<ReadContext>,
    jobs: Arc<Mutex<Receiver<Job>>>,
    events: Sender<Event>,
    state: Arc<WorkerState>,
) {
    let mut scratch = Scratch::default();
    loop {
        let job = {
            let Ok(queue) = jobs.lock() else { return };
            match queue.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        {
            let mut slot = state.slot();
            if slot.closed {
                return;
            }
            slot.job = job.id;
            slot.bundle = PartialBundle {
                records: Vec::with_capacity(4096),
                ..PartialBundle::default()
            };
        }
        let sink = JobSink {
            context: &context,
            state: &state,
            events: &events,
            job: job.id,
        };
        let skip = |item: usize| job.resume_after.is_some_and(|last| item <= last);
        match job.kind.as_ref() {
            JobKind::Process { pid } => read_process(&sink, &job, *pid, None, &skip, &mut scratch),
            JobKind::SampleProcess {
                pid, start_ticks, ..
            } => read_process(&sink, &job, *pid, *start_ticks, &skip, &mut scratch),
            JobKind::CgroupDir { rel } => read_cgroup_dir(&sink, rel, None, &skip, &mut scratch),
            JobKind::SampleCgroupDir { rel, files, .. } => {
                read_cgroup_dir(&sink, rel, Some(*files), &skip, &mut scratch)
            }
            JobKind::Files { reads } => {
                for (item, read) in reads.iter().enumerate() {
                    if skip(item) {
                        continue;
                    }
                    state.begin(job.id, item, "");
                    let outcome = read_file_beneath(&context, read);
                    state.end();
                    sink.send(item, outcome);
                }
            }
        }
        state.end();
        if state.abandoned.load(Ordering::Relaxed) {
            return;
        }
        // Under the slot's lock, so that the loop either takes the bundle or gets it here.
        let mut slot = state.slot();
        if slot.closed {
            return;
        }
        let bundle = std::mem::take(&mut slot.bundle);
        if events
            .send(Event::Done {
                job: job.id,
                bundle,
            })
            .is_err()
        {
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
    // O_NONBLOCK: a FIFO planted where a node file or a runtime config should be opens at once
    // and is found not regular, instead of blocking until the read times out. It changes
    // nothing for a regular file.
    let fd = match fsread::open_beneath(
        context.root.as_raw_fd(),
        &read.rel,
        libc::O_RDONLY | libc::O_NONBLOCK,
        read.follow_last,
    ) {
        Ok(fd) => fd,
        Err(error) => return classify_open_error(error),
    };
    match fsread::is_regular(&fd) {
        Ok(true) => {}
        Ok(false) => return Outcome::NotRegular,
        Err(error) => return Outcome::Failed(error),
    }
    match fsread::read_capped(fd, read.cap) {
        Ok((data, truncated)) => Outcome::Data { data, truncated },
        Err(error) => Outcome::Failed(error),
    }
}

/// How reading one bundled file into the scratch buffer went.
enum Read {
    /// The buffer holds the file's bytes, up to the cap.
    Done {
        truncated: bool,
    },
    Failed(Outcome),
}

/// Reads the regular file `fd` into `buffer`, at most `cap` bytes.
fn read_regular(fd: OwnedFd, cap: u64, buffer: &mut Vec<u8>) -> Read {
    match fsread::is_regular(&fd) {
        Ok(true) => {}
        Ok(false) => return Read::Failed(Outcome::NotRegular),
        Err(error) => return Read::Failed(Outcome::Failed(error)),
    }
    match fsread::read_capped_into(&fd, cap, buffer) {
        Ok(truncated) => Read::Done { truncated },
        Err(error) => Read::Failed(Outcome::Failed(error)),
    }
}

/// Field 22 of /proc/<pid>/stat, the start time in clock ticks: with the pid, it names one
/// process life.
pub fn stat_start_ticks(stat: &[u8]) -> Option<u64> {
    let close = stat.iter().rposition(|&b| b == b')')?;
    let rest = std::str::from_utf8(stat.get(close + 1..)?).ok()?;
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Field 3 of /proc/<pid>/stat says `D`: the process sleeps uninterruptibly.
pub fn stat_in_d_state(stat: &[u8]) -> bool {
    let close = stat.iter().rposition(|&b| b == b')');
    close.and_then(|c| stat.get(c + 2)) == Some(&b'D')
}

/// Reads a process's files into its bundle; for a later sample (`sampled` holds the start time
/// the first pass read) only `SAMPLED_PROCESS_FILES`, and nothing once the pid turns out to
/// hold another life.
fn read_process(
    sink: &JobSink,
    job_record: &Job,
    pid: u32,
    sampled: Option<u64>,
    skip: &dyn Fn(usize) -> bool,
    scratch: &mut Scratch,
) {
    let (context, state, job) = (sink.context, sink.state, sink.job);
    let Some(proc_dir) = context.proc_dir.as_ref() else {
        return;
    };
    let pid_name = itoa_buffer(pid);
    state.begin(job, PROCESS_ITEM_DIR, "");
    let dir = fsread::open_at_c(
        proc_dir.as_raw_fd(),
        pid_name.as_c_str(),
        libc::O_RDONLY | libc::O_DIRECTORY,
    );
    state.end();
    let dir = match dir {
        Ok(dir) => dir,
        Err(error) if is_gone(&error) => {
            sink.send(PROCESS_ITEM_DIR, Outcome::Vanished);
            return;
        }
        Err(error) => {
            sink.send(PROCESS_ITEM_DIR, classify_open_error(error));
            return;
        }
    };
    let mut in_d_state = false;
    if let (Some(_), Some(expected)) = (job_record.resume_after, job_record.start_ticks) {
        state.begin(job, 1, "stat");
        let now = match fsread::open_at_c(dir.as_raw_fd(), &context.names.stat, libc::O_RDONLY) {
            Ok(fd) => fsread::read_capped_into(&fd, context.max_file_bytes, &mut scratch.data)
                .ok()
                .and_then(|_| stat_start_ticks(&scratch.data)),
            Err(_) => None,
        };
        in_d_state = stat_in_d_state(&scratch.data);
        state.end();
        if now != Some(expected) {
            // Another life under the same pid: the process this job began is gone.
            sink.send(PROCESS_ITEM_DIR, Outcome::Vanished);
            return;
        }
    }
    for (index, (name, c_name)) in PROCESS_FILES.iter().zip(&context.names.process).enumerate() {
        let item = index + 1;
        if skip(item) || sampled.is_some() && !SAMPLED_PROCESS_FILES.contains(name) {
            continue;
        }
        let is_cmdline = *name == "cmdline";
        if is_cmdline && context.cmdline == CmdlinePolicy::Dropped {
            continue;
        }
        let redact = is_cmdline && context.cmdline == CmdlinePolicy::Redacted;
        let cap = match redact {
            true => context.max_file_bytes.saturating_add(CMDLINE_LOOKAHEAD),
            false => context.max_file_bytes,
        };
        state.begin(job, item, name);
        let read = match fsread::open_at_c(dir.as_raw_fd(), c_name, libc::O_RDONLY) {
            Ok(fd) => read_regular(fd, cap, &mut scratch.data),
            Err(error) if is_gone(&error) => Read::Failed(Outcome::Vanished),
            Err(error) => Read::Failed(classify_open_error(error)),
        };
        state.end();
        match read {
            Read::Done { truncated } => {
                if item == 1 && sampled.is_some_and(|t| stat_start_ticks(&scratch.data) != Some(t))
                {
                    // Another life under the pid: the sampled process has exited.
                    sink.send(PROCESS_ITEM_DIR, Outcome::Vanished);
                    return;
                }
                if is_cmdline && matches!(job_record.kind.as_ref(), JobKind::Process { .. }) {
                    if let Some(found) = discovery::discover(pid, &scratch.data) {
                        sink.send(item, Outcome::Runtime(Box::new(found)));
                    }
                }
                // Redacted first, cut after: the cut never keeps the start of a secret.
                let (data, truncated) = match redact {
                    true => redact::redact_cmdline_capped(
                        &scratch.data,
                        !truncated,
                        usize::try_from(context.max_file_bytes).unwrap_or(usize::MAX),
                    ),
                    false => (
                        std::borrow::Cow::Borrowed(scratch.data.as_slice()),
                        truncated,
                    ),
                };
                sink.record(item, name, &data);
                if truncated {
                    sink.send(item, Outcome::Truncated { kept: data.len() });
                }
                if item == 1 {
                    in_d_state = stat_in_d_state(&data);
                    let ticks = stat_start_ticks(&data);
                    sink.update(|bundle| {
                        bundle.has_stat = true;
                        bundle.start_ticks = ticks;
                    });
                }
            }
            Read::Failed(Outcome::Failed(error)) if is_gone(&error) => {
                sink.send(item, Outcome::Vanished);
                return;
            }
            Read::Failed(outcome) => {
                let vanished = matches!(outcome, Outcome::Vanished);
                sink.send(item, outcome);
                if vanished {
                    return;
                }
            }
        }
    }
    if !skip(PROCESS_ITEM_NS) && sampled.is_none() {
        state.begin(job, PROCESS_ITEM_NS, "ns");
        let outcome = read_ns_links(context, &dir, &mut scratch.ns);
        state.end();
        match outcome {
            Ok(unreadable) => {
                sink.record(PROCESS_ITEM_NS, NAMESPACE_LINKS_FILE, &scratch.ns);
                if !unreadable.is_empty() {
                    sink.send(PROCESS_ITEM_NS, Outcome::NsUnreadable { links: unreadable });
                }
            }
            Err(outcome) => sink.send(PROCESS_ITEM_NS, outcome),
        }
    }
    // What a process in D state waits on, read only for those: one more file per process
    // would cost every node, and a sleeping process's wchan says little.
    if in_d_state && !skip(PROCESS_ITEM_WCHAN) && sampled.is_none() {
        read_wchan(sink, &dir, scratch);
    }
}

/// Reads a D-state process's `wchan` into its bundle.
fn read_wchan(sink: &JobSink, dir: &OwnedFd, scratch: &mut Scratch) {
    let (context, state, job) = (sink.context, sink.state, sink.job);
    state.begin(job, PROCESS_ITEM_WCHAN, D_STATE_FILE);
    let read = match fsread::open_at_c(dir.as_raw_fd(), &context.names.wchan, libc::O_RDONLY) {
        Ok(fd) => read_regular(fd, context.max_file_bytes, &mut scratch.data),
        Err(error) => Read::Failed(classify_open_error(error)),
    };
    state.end();
    match read {
        Read::Done { truncated } => {
            sink.record(PROCESS_ITEM_WCHAN, D_STATE_FILE, &scratch.data);
            if truncated {
                let kept = scratch.data.len();
                sink.send(PROCESS_ITEM_WCHAN, Outcome::Truncated { kept });
            }
        }
        Read::Failed(Outcome::Failed(error)) if is_gone(&error) => {
            sink.send(PROCESS_ITEM_WCHAN, Outcome::Vanished)
        }
        Read::Failed(outcome) => sink.send(PROCESS_ITEM_WCHAN, outcome),
    }
}

/// A pid as a NUL-terminated name, without going through `format!`.
fn itoa_buffer(pid: u32) -> CString {
    let mut digits = Vec::with_capacity(11);
    let mut value = pid;
    loop {
        digits.push(b'0' + (value % 10) as u8);
        value /= 10;
        if value == 0 {
            break;
        }
    }
    digits.reverse();
    // Digits hold no NUL.
    CString::new(digits).unwrap_or_default()
}

/// Writes the `ns` text into `text`; the links that could not be read with their errno, or why
/// the directory is unreadable.
fn read_ns_links(
    context: &ReadContext,
    pid_dir: &OwnedFd,
    text: &mut Vec<u8>,
) -> Result<Vec<(&'static str, i32)>, Outcome> {
    text.clear();
    let ns_dir = match fsread::open_at_c(
        pid_dir.as_raw_fd(),
        &context.names.ns_dir,
        libc::O_PATH | libc::O_DIRECTORY,
    ) {
        Ok(fd) => fd,
        Err(error) if is_gone(&error) => return Err(Outcome::Vanished),
        Err(error) => return Err(classify_open_error(error)),
    };
    let mut unreadable = Vec::new();
    let mut target = [0u8; 256];
    for (name, c_name) in NAMESPACE_LINKS.iter().zip(&context.names.ns) {
        match fsread::read_link_into(ns_dir.as_raw_fd(), c_name, &mut target) {
            Ok(len) => {
                text.extend_from_slice(name.as_bytes());
                text.push(b' ');
                text.extend(
                    target[..len]
                        .iter()
                        .map(|&b| if b == b'\n' { b' ' } else { b }),
                );
                text.push(b'\n');
            }
            Err(error) if error.raw_os_error() == Some(libc::ENOENT) => {}
            Err(error) if error.raw_os_error() == Some(libc::ESRCH) => {
                return Err(Outcome::Vanished)
            }
            Err(error) => unreadable.push((*name, error.raw_os_error().unwrap_or(0))),
        }
    }
    Ok(unreadable)
}

/// What a cgroup directory's listing holds: its subdirectories, and which of `CGROUP_FILES`
/// are there as regular files or as something else, one bit per index.
#[derive(Default)]
struct CgroupListing {
    subdirs: Vec<String>,
    not_utf8: Vec<String>,
    files: u64,
    others: u64,
}

fn list_cgroup_dir(dir: &OwnedFd, rel: &str) -> io::Result<CgroupListing> {
    const _: () = assert!(CGROUP_FILES.len() <= 64, "one bit per control file");
    let mut listing = CgroupListing::default();
    fsread::list_dir_with(dir, |name, kind| {
        if kind == EntryKind::Dir {
            // Snapshot names are UTF-8; another name could not be stored or opened again.
            let (list, name) = match std::str::from_utf8(name) {
                Ok(name) => (&mut listing.subdirs, std::borrow::Cow::Borrowed(name)),
                Err(_) => (
                    &mut listing.not_utf8,
                    std::borrow::Cow::Owned(nodesnap_format::escape_non_utf8(name)),
                ),
            };
            let mut path = String::with_capacity(rel.len() + 1 + name.len());
            path.push_str(rel);
            path.push('/');
            path.push_str(&name);
            list.push(path);
        } else if let Some(index) = CGROUP_FILES.iter().position(|f| f.as_bytes() == name) {
            if kind == EntryKind::File {
                listing.files |= 1 << index;
            } else {
                listing.others |= 1 << index;
            }
        }
    })?;
    listing.subdirs.sort_unstable();
    Ok(listing)
}

/// Reads a cgroup directory's control files into its bundle and reports its subdirectories;
/// for a later sample (`sampled`: which of `CGROUP_FILES`, one bit each) only those, without
/// listing the directory, and no subdirectories.
fn read_cgroup_dir(
    sink: &JobSink,
    rel: &str,
    sampled: Option<u64>,
    skip: &dyn Fn(usize) -> bool,
    scratch: &mut Scratch,
) {
    let (context, state, job) = (sink.context, sink.state, sink.job);
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
    let listed = opened.and_then(|dir| match sampled {
        Some(files) => Ok((
            dir,
            CgroupListing {
                files,
                ..CgroupListing::default()
            },
        )),
        None => list_cgroup_dir(&dir, rel).map(|listing| (dir, listing)),
    });
    state.end();
    let (dir, listing) = match listed {
        Ok(listed) => listed,
        Err(error) => {
            if !skip(0) {
                sink.send(0, classify_open_error(error));
            }
            return;
        }
    };
    if sampled.is_some() {
        sink.update(|bundle| bundle.listed = true);
    } else if !skip(0) {
        sink.update(|bundle| bundle.listed = true);
        sink.send(
            0,
            Outcome::Listing {
                subdirs: listing.subdirs,
                not_utf8: listing.not_utf8,
            },
        );
    }
    // Items follow CGROUP_FILES' order, so that a resumed job skips the same ones.
    for (index, (name, c_name)) in CGROUP_FILES.iter().zip(&context.names.cgroup).enumerate() {
        let item = index + 1;
        if skip(item) {
            continue;
        }
        if listing.others & (1 << index) != 0 {
            sink.send(item, Outcome::NotRegular);
            continue;
        }
        if listing.files & (1 << index) == 0 {
            continue;
        }
        state.begin(job, item, name);
        let read = match fsread::open_at_c(dir.as_raw_fd(), c_name, libc::O_RDONLY) {
            Ok(fd) => read_regular(fd, context.max_file_bytes, &mut scratch.data),
            Err(error) => Read::Failed(classify_open_error(error)),
        };
        state.end();
        match read {
            Read::Done { truncated } => {
                sink.record(item, name, &scratch.data);
                if truncated {
                    sink.send(
                        item,
                        Outcome::Truncated {
                            kept: scratch.data.len(),
                        },
                    );
                }
            }
            Read::Failed(outcome) => sink.send(item, outcome),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{itoa_buffer, stat_start_ticks, Names, PartialBundle};
    use nodesnap_format::{bundle, CGROUP_FILES, NAMESPACE_LINKS, PROCESS_FILES};

    #[test]
    fn every_fixed_name_has_its_nul_terminated_twin_in_order() {
        let names = Names::new();
        for (list, c_names) in [
            (PROCESS_FILES, &names.process),
            (CGROUP_FILES, &names.cgroup),
            (NAMESPACE_LINKS, &names.ns),
        ] {
            let back: Vec<&str> = c_names.iter().map(|c| c.to_str().unwrap()).collect();
            assert_eq!(back, list);
        }
    }

    #[test]
    fn pids_become_their_decimal_names() {
        for pid in [0u32, 1, 42, 4_194_304, u32::MAX] {
            assert_eq!(itoa_buffer(pid).to_str().unwrap(), pid.to_string());
        }
    }

    /// Files of a directory, as (name, content).
    type Files<'a> = &'a [(&'a str, &'a [u8])];

    fn partial(files: Files, listed: bool, start_ticks: Option<u64>) -> PartialBundle {
        let mut records = Vec::new();
        for (name, content) in files {
            bundle::push_record(&mut records, name, content);
        }
        PartialBundle {
            records,
            files: files.len() as u64,
            bytes: files.iter().map(|(_, c)| c.len() as u64).sum(),
            listed,
            has_stat: files.iter().any(|(name, _)| *name == "stat"),
            start_ticks,
        }
    }

    #[test]
    fn a_resumed_jobs_records_follow_the_carried_ones_in_one_bundle() {
        let cases: &[(Files, Files)] = &[
            (
                &[("stat", b"1 (a) S"), ("status", b"Name: a\n")],
                &[("cgroup", b"0::/\n")],
            ),
            (&[], &[("stat", b"1 (a) S")]),
            (&[("stat", b"1 (a) S")], &[]),
            (&[], &[]),
        ];
        for (before, after) in cases {
            let mut carried = partial(before, false, before.first().map(|_| 7));
            carried.extend(partial(after, true, Some(9)));
            let all: Vec<(&str, &[u8])> = before.iter().chain(after.iter()).copied().collect();
            let expected = partial(&all, true, None);
            assert_eq!(carried.records, expected.records, "{before:?} + {after:?}");
            assert_eq!(carried.files, expected.files);
            assert_eq!(carried.bytes, expected.bytes);
            assert_eq!(carried.has_stat, expected.has_stat);
            assert!(carried.listed);
            // The first life's start time wins: it is what a resume checks against.
            let ticks = if before.is_empty() { Some(9) } else { Some(7) };
            assert_eq!(carried.start_ticks, ticks);
        }
    }

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
