//! One collection run: opens the root, queues a job per process, per cgroup directory and for
//! the node files, drives the reader pool under the per-read limit and the run's deadline,
//! streams every result into the snapshot, and writes the runtime metadata and the manifest last.

use crate::archive::{EntryTap, Sink, SnapshotWriter};
use crate::discovery::{self, ConfigPaths, Discovered};
use crate::fsread::{self, EntryKind};
use crate::identity;
use crate::pool::{
    self, Event, FileRead, Job, JobKind, MetaFile, Outcome, PartialBundle, Purpose, ReadContext,
    WorkerState, PROCESS_ITEM_NS,
};
use crate::runtime_dirs::{self, RuntimeLister};
use crate::runtime_meta;
use crate::sampling::{Next, Sampler};
use crate::signals;
use crate::time::{unix_seconds, UtcDateTime};
use nodesnap_format::{
    CmdlinePolicy, CollectOptions, Counts, Gap, GapReason, Manifest, RuntimeMetadata, BUNDLE_FILE,
    CGROUP_FILES, CGROUP_ROOT, FORMAT_VERSION, IDENTITY_FILES, MANIFEST_PATH, MAX_ENTRY_NAME_BYTES,
    MAX_TOP_HOSTNAME_BYTES, METADATA_PATH, NAMESPACE_LINKS_FILE, NODE_FILES, PROCESS_FILES,
    ROOT_DIR, SAMPLES_DIR,
};
use std::collections::{HashMap, VecDeque};
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

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

/// Jobs handed to the pool but not finished; enough to keep the readers busy while this
/// thread compresses, few enough to bound memory.
const MAX_IN_FLIGHT: usize = 64;
/// The runtime configs batched into one job.
const META_READS_PER_JOB: usize = 32;
/// How often the loop wakes to check for stuck reads, signals and the deadline.
const TICK: Duration = Duration::from_millis(20);

const HOSTNAME_FILE: &str = "proc/sys/kernel/hostname";
/// Why a directory whose name is not UTF-8 is a gap.
const NOT_UTF8_DETAIL: &str =
    "name is not UTF-8 (bad bytes shown as \\xNN); snapshot names are UTF-8, so it and what is \
     below it are not collected";
const OSRELEASE_FILE: &str = "proc/sys/kernel/osrelease";

fn gap(path: impl Into<String>, reason: GapReason, detail: Option<String>) -> Gap {
    Gap {
        path: path.into(),
        reason,
        detail,
    }
}

fn reason_of(error: &io::Error) -> GapReason {
    match error.raw_os_error() {
        Some(libc::EACCES) | Some(libc::EPERM) => GapReason::PermissionDenied,
        Some(libc::ENOENT) => GapReason::NotFound,
        Some(libc::ESRCH) => GapReason::Vanished,
        _ => GapReason::Error,
    }
}

fn open_root(path: &Path) -> io::Result<OwnedFd> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(path)?;
    Ok(OwnedFd::from(file))
}

/// Reads one small file on a throwaway thread, giving up after `limit`: used for the hostname,
/// which names the output before the pool exists.
fn read_small_bounded(root: &OwnedFd, rel: &str, limit: Duration) -> Result<Vec<u8>, Gap> {
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
fn file_name_safe(text: &str) -> String {
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

fn is_live_root(root: &Path) -> bool {
    root.canonicalize()
        .map(|path| path == Path::new("/"))
        .unwrap_or(false)
}

/// Numeric entries of `<root>/proc`, in pid order.
fn list_pids(proc_dir: &OwnedFd) -> io::Result<Vec<u32>> {
    let mut pids: Vec<u32> = fsread::list_dir(proc_dir)?
        .into_iter()
        .filter(|entry| entry.kind == EntryKind::Dir)
        .filter_map(|entry| entry.name.parse().ok())
        .collect();
    pids.sort_unstable();
    Ok(pids)
}

/// A daemon record in the metadata, and whether its config was read yet.
struct DaemonSlot {
    pid: u32,
    index: usize,
    done: bool,
}

struct InFlight {
    kind: Arc<JobKind>,
    reported_vanished: bool,
    /// The records of the jobs this one resumes, written before its own.
    carried: PartialBundle,
}

/// The state of one run, driven by `collect`.
struct Run<W: Write> {
    writer: SnapshotWriter<W>,
    gaps: Vec<Gap>,
    counts: Counts,
    metadata: RuntimeMetadata,
    /// Index of each container record by its config path, for the pid files that follow.
    records_by_config: HashMap<String, usize>,
    /// Pids from pid files that name a container by id only, applied when the run ends.
    /// (The same map type as `records_by_config`: each distinct map type costs the static
    /// binary several KiB of hash table code.)
    pids_by_id: HashMap<String, usize>,
    /// Index of each daemon record by pid, and whether its config was read yet.
    /// A handful per node: a list, not a map.
    daemons: Vec<DaemonSlot>,
    lister: RuntimeLister,
    kernel: Option<String>,
    total_cap_reached: bool,
    /// Shared with the workers: the total cap is enforced where records are made.
    context: Arc<ReadContext>,
    /// Process and file jobs waiting for a reader.
    pending: VecDeque<Job>,
    /// Cgroup directory jobs, served in turn with `pending` so that a deadline cuts both the
    /// process list and the cgroup tree short rather than losing one of them whole.
    pending_dirs: VecDeque<Job>,
    take_dir_next: bool,
    in_flight: HashMap<u64, InFlight>,
    /// Partial bundles of resumed jobs still waiting in `pending`, by the resumed job's id.
    carried: HashMap<u64, PartialBundle>,
    next_job_id: u64,
    sampler: Sampler,
}

impl<W: Write> Run<W> {
    fn queue(&mut self, kind: JobKind) {
        let id = self.next_job_id;
        self.next_job_id += 1;
        let job = Job {
            id,
            kind: Arc::new(kind),
            resume_after: None,
            start_ticks: None,
        };
        self.queue_for(&job.kind).push_back(job);
    }

    fn queue_for(&mut self, kind: &JobKind) -> &mut VecDeque<Job> {
        match kind {
            JobKind::CgroupDir { .. } | JobKind::SampleCgroupDir { .. } => &mut self.pending_dirs,
            _ => &mut self.pending,
        }
    }

    fn next_pending(&mut self) -> Option<Job> {
        self.take_dir_next = !self.take_dir_next;
        if self.take_dir_next {
            self.pending_dirs
                .pop_front()
                .or_else(|| self.pending.pop_front())
        } else {
            self.pending
                .pop_front()
                .or_else(|| self.pending_dirs.pop_front())
        }
    }

    fn has_pending(&self) -> bool {
        !self.pending.is_empty() || !self.pending_dirs.is_empty()
    }

    /// Empties the queues, writing the records that resumed jobs carried; returns the paths
    /// of the jobs dropped.
    fn drain_pending(&mut self) -> io::Result<Vec<String>> {
        let jobs: Vec<Job> = self
            .pending
            .drain(..)
            .chain(self.pending_dirs.drain(..))
            .collect();
        let mut paths = Vec::with_capacity(jobs.len());
        for job in jobs {
            if let Some(partial) = self.carried.remove(&job.id) {
                self.write_bundle(&job.kind, partial)?;
            }
            paths.push(job.kind.path());
        }
        Ok(paths)
    }

    /// Whether `len` more content bytes fit under the total cap; records the gap when not.
    fn admit(&mut self, rel: &str, len: usize) -> bool {
        if !self.context.admit(len) {
            self.total_cap_reached = true;
            self.gaps.push(gap(rel, GapReason::TotalCapReached, None));
            return false;
        }
        self.counts.files += 1;
        self.counts.bytes += len as u64;
        true
    }

    /// Copies one file into the snapshot as its own entry unless the total cap forbids it.
    fn write_file(&mut self, rel: &str, data: &[u8]) -> io::Result<()> {
        if self.admit(rel, data.len()) {
            self.writer.add_root_file(rel, data)?;
        }
        Ok(())
    }

    /// Writes the bundle of a finished (or given up) process or cgroup job: a process's when
    /// at least one of its files was read, a cgroup's whenever the directory was listed.
    fn write_bundle(&mut self, kind: &JobKind, partial: PartialBundle) -> io::Result<()> {
        match kind {
            JobKind::Process { pid } if partial.files > 0 => {
                self.counts.processes += u64::from(partial.has_stat);
                if partial.has_stat {
                    self.sampler.saw_process(*pid, partial.start_ticks);
                }
                self.writer
                    .add_root_bundle(&ProcessDir(*pid), &partial.records)?;
            }
            JobKind::CgroupDir { rel } if partial.listed => {
                self.counts.cgroups += 1;
                self.sampler.saw_cgroup_dir(rel, &partial.records);
                self.writer.add_root_bundle(rel, &partial.records)?;
            }
            // Later samples are not counted in `counts`, which describes `root/`; the
            // manifest's `sampling` counts them. A pid that now holds another life has no
            // stat here (the worker stopped at it).
            JobKind::SampleProcess { sample, pid, .. } if partial.has_stat => {
                self.sampler.wrote(true);
                let base = SampleDir(*sample);
                return self
                    .writer
                    .add_bundle_under(&base, &ProcessDir(*pid), &partial.records);
            }
            JobKind::SampleCgroupDir { sample, rel, .. } if partial.listed => {
                self.sampler.wrote(false);
                let base = SampleDir(*sample);
                return self.writer.add_bundle_under(&base, rel, &partial.records);
            }
            _ => return Ok(()),
        }
        self.counts.files += partial.files;
        self.counts.bytes += partial.bytes;
        Ok(())
    }

    fn handle(&mut self, message: pool::Message) -> io::Result<()> {
        let Some(flight) = self.in_flight.get_mut(&message.job) else {
            // A late answer from an abandoned worker: the job was resumed or given up.
            return Ok(());
        };
        let kind = Arc::clone(&flight.kind);
        let item = message.item;
        match message.outcome {
            Outcome::Data { data, truncated } => {
                let JobKind::Files { reads } = kind.as_ref() else {
                    return Ok(());
                };
                let Some(read) = reads.get(item) else {
                    return Ok(());
                };
                // Mount sources and options can carry credentials (`ftp://user:PASS@host`).
                let data = match read.rel.ends_with("/mountinfo")
                    && self.context.cmdline != CmdlinePolicy::Verbatim
                {
                    true => crate::redact::redact_mountinfo(&data, !truncated).into_owned(),
                    false => data,
                };
                if truncated {
                    self.gaps.push(gap(
                        read.rel.clone(),
                        GapReason::Truncated,
                        Some(format!("kept the first {} bytes", data.len())),
                    ));
                }
                self.handle_file(&read.rel, data, read.purpose.clone())?;
            }
            Outcome::Truncated { kept } => self.gaps.push(gap(
                item_path(&kind, item),
                GapReason::Truncated,
                Some(format!("kept the first {kept} bytes")),
            )),
            Outcome::NsUnreadable { links } => {
                let ns = item_path(&kind, item);
                let denied: Vec<&str> = links
                    .iter()
                    .filter(|(_, errno)| matches!(*errno, libc::EACCES | libc::EPERM))
                    .map(|(name, _)| *name)
                    .collect();
                if !denied.is_empty() {
                    self.gaps.push(gap(
                        ns.clone(),
                        GapReason::PermissionDenied,
                        Some(format!("unreadable links: {}", denied.join(", "))),
                    ));
                }
                for (name, errno) in links {
                    let (reason, detail) = match errno {
                        libc::EACCES | libc::EPERM => continue,
                        libc::EINVAL => (GapReason::NotRegular, "not a symbolic link".to_string()),
                        libc::ENAMETOOLONG => (
                            GapReason::Error,
                            "link target longer than 255 bytes, which no namespace link has"
                                .to_string(),
                        ),
                        errno => (
                            GapReason::Error,
                            io::Error::from_raw_os_error(errno).to_string(),
                        ),
                    };
                    self.gaps
                        .push(gap(format!("{ns}/{name}"), reason, Some(detail)));
                }
            }
            Outcome::Listing { subdirs, not_utf8 } => {
                for path in not_utf8 {
                    self.gaps.push(gap(
                        path,
                        GapReason::Error,
                        Some(NOT_UTF8_DETAIL.to_string()),
                    ));
                }
                // Depth first: the queue holds the siblings on the current path, not a whole
                // level of the tree, which keeps memory flat on nodes with many cgroups.
                for subdir in subdirs.into_iter().rev() {
                    if subdir.rsplit('/').next() == Some(BUNDLE_FILE) {
                        self.gaps.push(gap(
                            subdir,
                            GapReason::Error,
                            Some(format!(
                                "a cgroup directory named {BUNDLE_FILE} would collide with its \
                                 parent's bundle file; not collected"
                            )),
                        ));
                        continue;
                    }
                    let name_len = self.writer.bundle_name_len(&subdir);
                    if name_len > MAX_ENTRY_NAME_BYTES {
                        self.gaps.push(gap(
                            subdir,
                            GapReason::Error,
                            Some(format!(
                                "its bundle's name in the snapshot would be {name_len} bytes, \
                                 over the format's limit of {MAX_ENTRY_NAME_BYTES}; it and the \
                                 directories below it are not collected"
                            )),
                        ));
                        continue;
                    }
                    let id = self.next_job_id;
                    self.next_job_id += 1;
                    self.pending_dirs.push_front(Job {
                        id,
                        kind: Arc::new(JobKind::CgroupDir { rel: subdir }),
                        resume_after: None,
                        start_ticks: None,
                    });
                }
            }
            Outcome::Runtime(found) => self.discovered(*found),
            // A process gone by a later sample exited during the window: its absence there
            // says so, no gap.
            Outcome::Vanished if matches!(kind.as_ref(), JobKind::SampleProcess { .. }) => {}
            Outcome::Vanished => {
                if !flight.reported_vanished {
                    flight.reported_vanished = true;
                    self.gaps.push(gap(
                        kind.path(),
                        GapReason::Vanished,
                        Some(format!("exited while {} was read", item_path(&kind, item))),
                    ));
                }
            }
            Outcome::NotRegular => {
                self.gaps
                    .push(gap(item_path(&kind, item), GapReason::NotRegular, None));
            }
            Outcome::TotalCapReached => {
                self.total_cap_reached = true;
                self.gaps.push(gap(
                    item_path(&kind, item),
                    GapReason::TotalCapReached,
                    None,
                ));
            }
            Outcome::Failed(error) => {
                let meta = match kind.as_ref() {
                    JobKind::Files { reads } => match reads.get(item).map(|r| &r.purpose) {
                        Some(Purpose::Meta(meta)) => Some(meta.clone()),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(MetaFile::DaemonConfig { pid, .. }) = &meta {
                    // Unreadable or absent: the daemon runs on its defaults, and so do we.
                    self.complete_daemon(*pid, &ConfigPaths::default());
                }
                // A cgroup removed or a pressure file the kernel lacks by a later sample: no
                // gap, its absence there says so.
                let sampled = match kind.as_ref() {
                    JobKind::SampleCgroupDir { .. } => true,
                    JobKind::Files { reads } => {
                        matches!(
                            reads.get(item).map(|r| &r.purpose),
                            Some(Purpose::Sample(_))
                        )
                    }
                    _ => false,
                };
                let may_be_missing = sampled || meta.as_ref().is_some_and(MetaFile::may_be_missing);
                if !(may_be_missing && error.raw_os_error() == Some(libc::ENOENT)) {
                    self.gaps.push(gap(
                        item_path(&kind, item),
                        reason_of(&error),
                        Some(error.to_string()),
                    ));
                }
            }
        }
        Ok(())
    }

    /// A job is done: its bundle, after the records of the jobs it resumed, goes into the
    /// snapshot.
    fn finish(&mut self, job: u64, bundle: PartialBundle) -> io::Result<()> {
        match self.in_flight.remove(&job) {
            Some(mut flight) => {
                flight.carried.extend(bundle);
                self.write_bundle(&flight.kind, flight.carried)
            }
            None => Ok(()),
        }
    }

    fn handle_file(&mut self, rel: &str, data: Vec<u8>, purpose: Purpose) -> io::Result<()> {
        match purpose {
            Purpose::Copy => {
                if rel == OSRELEASE_FILE {
                    self.kernel = Some(String::from_utf8_lossy(&data).trim().to_string());
                }
                self.write_file(rel, &data)
            }
            Purpose::Identity => {
                let text = String::from_utf8_lossy(&data);
                let reduced = if rel.ends_with("group") {
                    identity::reduce_group(&text)
                } else {
                    identity::reduce_passwd(&text)
                };
                self.write_file(rel, reduced.as_bytes())
            }
            Purpose::Meta(meta) => {
                self.handle_meta(rel, &data, meta);
                Ok(())
            }
            Purpose::Sample(sample) => self
                .writer
                .add_top_file(&format!("{SAMPLES_DIR}/{sample}/{rel}"), &data),
        }
    }

    fn handle_meta(&mut self, rel: &str, data: &[u8], meta: MetaFile) {
        let parsed = match meta {
            MetaFile::Oci {
                source,
                id,
                runtime_namespace,
            } => {
                runtime_meta::parse_oci_config(data, source, rel, &id, runtime_namespace.as_deref())
            }
            MetaFile::Docker { id } => runtime_meta::parse_docker_config(data, rel, &id),
            MetaFile::Pid { config_path } => {
                let index = self.records_by_config.get(&config_path).copied();
                if let (Some(index), Some(pid)) = (index, runtime_meta::parse_pid_file(data)) {
                    if let Some(record) = self.metadata.containers.get_mut(index) {
                        record.pid = Some(pid);
                    }
                }
                return;
            }
            MetaFile::ContainerPid { id } => {
                if let Some(pid) = runtime_meta::parse_pid_file(data) {
                    self.pids_by_id.insert(id, pid as usize);
                }
                return;
            }
            MetaFile::ContainerStorage => {
                match runtime_meta::parse_container_storage(data, rel) {
                    Ok(records) => self.metadata.containers.extend(records),
                    Err(error) => {
                        self.gaps
                            .push(gap(rel, GapReason::Error, Some(error.to_string())))
                    }
                }
                return;
            }
            MetaFile::DaemonConfig { pid, kind } => {
                self.complete_daemon(pid, &discovery::read_config(kind, data));
                return;
            }
            MetaFile::DockerHost { config_path } => {
                let index = self.records_by_config.get(&config_path).copied();
                let record = index.and_then(|index| self.metadata.containers.get_mut(index));
                if let Some(record) = record {
                    if let Err(error) = runtime_meta::apply_docker_host_config(data, rel, record) {
                        self.gaps
                            .push(gap(rel, GapReason::Error, Some(error.to_string())));
                    }
                }
                return;
            }
        };
        match parsed {
            Ok(record) => {
                self.records_by_config
                    .insert(rel.to_string(), self.metadata.containers.len());
                self.metadata.containers.push(record);
            }
            Err(error) => self
                .gaps
                .push(gap(rel, GapReason::Error, Some(error.to_string()))),
        }
    }

    /// A process's command line named runtime state: remember the daemon, read its config
    /// first when it has one, and list the directories named outright.
    fn discovered(&mut self, found: Discovered) {
        if let Some(record) = found.record {
            let pid = record.pid;
            if self.daemons.iter().any(|d| d.pid == pid) {
                return;
            }
            self.daemons.push(DaemonSlot {
                pid,
                index: self.metadata.daemons.len(),
                done: false,
            });
            self.metadata.daemons.push(record);
            match found.config {
                Some((path, kind)) => {
                    let read = FileRead {
                        rel: path.trim_start_matches('/').to_string(),
                        cap: runtime_dirs::MAX_META_FILE_BYTES,
                        // /etc/containerd/config.toml is often a link into a config package.
                        follow_last: true,
                        purpose: Purpose::Meta(MetaFile::DaemonConfig { pid, kind }),
                    };
                    self.queue(JobKind::Files { reads: vec![read] });
                }
                None => self.complete_daemon(pid, &ConfigPaths::default()),
            }
        }
        for dir in &found.dirs {
            self.list_runtime_dir(dir);
        }
    }

    /// Completes the record of daemon `pid` with what its config says, then lists the
    /// directories it points at. Once per daemon.
    fn complete_daemon(&mut self, pid: u32, config: &ConfigPaths) {
        let Some(slot) = self.daemons.iter_mut().find(|d| d.pid == pid) else {
            return;
        };
        if slot.done {
            return;
        }
        slot.done = true;
        let index = slot.index;
        let Some(record) = self.metadata.daemons.get_mut(index) else {
            return;
        };
        discovery::complete(record, config);
        for dir in discovery::dirs_of(record) {
            self.list_runtime_dir(&dir);
        }
    }

    fn list_runtime_dir(&mut self, dir: &discovery::RuntimeDir) {
        let reads = self
            .lister
            .list(self.context.root.as_raw_fd(), dir, &mut self.gaps);
        self.queue_meta_reads(reads);
    }

    /// Queues runtime metadata reads in jobs of a few dozen, keeping each pid file or
    /// hostconfig in the job of the config it completes.
    fn queue_meta_reads(&mut self, mut reads: Vec<FileRead>) {
        while !reads.is_empty() {
            let mut batch: Vec<FileRead> =
                reads.drain(..META_READS_PER_JOB.min(reads.len())).collect();
            while matches!(
                reads.first().map(|r| &r.purpose),
                Some(Purpose::Meta(meta)) if meta.is_follower()
            ) {
                batch.push(reads.remove(0));
            }
            self.queue(JobKind::Files { reads: batch });
        }
    }

    /// The metadata as it is written: daemons whose config was never read get their defaults,
    /// and pid files that name a container by id fill that container's records.
    fn finish_metadata(&mut self) {
        for slot in self.daemons.iter_mut().filter(|d| !d.done) {
            slot.done = true;
            if let Some(record) = self.metadata.daemons.get_mut(slot.index) {
                discovery::complete(record, &ConfigPaths::default());
            }
        }
        for record in &mut self.metadata.containers {
            if record.pid.is_none() {
                record.pid = self.pids_by_id.get(&record.id).map(|&pid| pid as u32);
            }
        }
        self.metadata.daemons.sort_by_key(|d| d.pid);
    }

    /// Gives every job not yet finished one gap with `reason`, after writing the records
    /// already read for it: those the workers hold (taken from their slots, which closes
    /// them), then any finished job whose answer is already queued.
    fn abandon_all(
        &mut self,
        reason: GapReason,
        detail: &str,
        workers: &Workers,
        events: &mpsc::Receiver<Event>,
    ) -> io::Result<()> {
        for state in &workers.states {
            let job = state.slot.lock().map(|slot| slot.job).ok();
            let Some(job) = job.filter(|job| self.in_flight.contains_key(job)) else {
                continue;
            };
            if let Some(bundle) = state.take_bundle(job) {
                if let Some(flight) = self.in_flight.get_mut(&job) {
                    flight.carried.extend(bundle);
                }
            }
        }
        while let Ok(event) = events.try_recv() {
            match event {
                Event::Item(message) => self.handle(message)?,
                Event::Done { job, bundle } => self.finish(job, bundle)?,
            }
        }
        let mut flights: Vec<(u64, InFlight)> = self.in_flight.drain().collect();
        // In job order, so that the tarball does not depend on the hash map's order.
        flights.sort_unstable_by_key(|(id, _)| *id);
        let mut paths = Vec::with_capacity(flights.len());
        for (_, flight) in flights {
            paths.push(flight.kind.path());
            self.write_bundle(&flight.kind, flight.carried)?;
        }
        paths.extend(self.drain_pending()?);
        for path in paths {
            self.gaps.push(gap(path, reason, Some(detail.to_string())));
        }
        Ok(())
    }
}

/// A later sample's directory in the snapshot, `samples/<k>`.
struct SampleDir(u32);

impl std::fmt::Display for SampleDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{SAMPLES_DIR}/{}", self.0)
    }
}

/// The directory of a process in the snapshot, formatted only when written.
struct ProcessDir(u32);

impl std::fmt::Display for ProcessDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "proc/{}", self.0)
    }
}

/// The path, relative to the root, of one item of a job: for gaps, which are rare, so paths
/// are formatted here rather than for every file read.
fn item_path(kind: &JobKind, item: usize) -> String {
    let name = match kind {
        JobKind::Process { .. } if item == PROCESS_ITEM_NS => NAMESPACE_LINKS_FILE,
        JobKind::Process { .. } | JobKind::SampleProcess { .. } => item
            .checked_sub(1)
            .and_then(|index| PROCESS_FILES.get(index))
            .copied()
            .unwrap_or_default(),
        JobKind::CgroupDir { .. } | JobKind::SampleCgroupDir { .. } => item
            .checked_sub(1)
            .and_then(|index| CGROUP_FILES.get(index))
            .copied()
            .unwrap_or_default(),
        JobKind::Files { reads } => {
            return match reads.get(item) {
                Some(FileRead {
                    rel,
                    purpose: Purpose::Sample(sample),
                    ..
                }) => format!("{SAMPLES_DIR}/{sample}/{rel}"),
                Some(read) => read.rel.clone(),
                None => String::new(),
            };
        }
    };
    if name.is_empty() {
        kind.path()
    } else {
        format!("{}/{name}", kind.path())
    }
}

struct Workers {
    context: Arc<ReadContext>,
    queue: Arc<Mutex<mpsc::Receiver<Job>>>,
    events: Sender<Event>,
    states: Vec<Arc<WorkerState>>,
    live: usize,
    abandoned: usize,
}

impl Workers {
    fn spawn(&mut self) -> bool {
        let state = Arc::new(WorkerState::default());
        let (context, queue, events, worker_state) = (
            Arc::clone(&self.context),
            Arc::clone(&self.queue),
            self.events.clone(),
            Arc::clone(&state),
        );
        let spawned = std::thread::Builder::new()
            .name("reader".to_string())
            .stack_size(256 * 1024)
            .spawn(move || pool::run_worker(context, queue, events, worker_state));
        if spawned.is_ok() {
            self.states.push(state);
            self.live += 1;
        }
        spawned.is_ok()
    }
}

/// Collects a snapshot per `config`, calling `progress` now and then.
pub fn collect(
    config: &Config,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Summary, CollectError> {
    collect_with(config, progress, None)
}

/// The same run as `collect`, but every entry goes to `tap` and nothing is written
/// (`collector --review`).
pub fn collect_reviewed(
    config: &Config,
    progress: &mut dyn FnMut(&Progress),
    tap: EntryTap,
) -> Result<Summary, CollectError> {
    collect_with(config, progress, Some(tap))
}

fn collect_with(
    config: &Config,
    progress: &mut dyn FnMut(&Progress),
    tap: Option<EntryTap>,
) -> Result<Summary, CollectError> {
    let started_wall = SystemTime::now();
    let started = Instant::now();
    let start_seconds = unix_seconds(started_wall);
    let reserve = (config.timeout / 10).min(Duration::from_secs(2));
    let read_deadline = started + config.timeout.saturating_sub(reserve);
    // What -o names is looked at before any work: a device, FIFO, socket, directory, symlink or
    // hard-linked file is refused here, not replaced at the end.
    if let OutputTarget::Path(path) = &config.output {
        nodesnap_output::check_target(path).map_err(CollectError::Target)?;
    }
    let root_display = config.root.display().to_string();
    let root = open_root(&config.root).map_err(|source| CollectError::Root {
        path: root_display.clone(),
        source,
    })?;
    let mut gaps = Vec::new();

    let hostname_bytes = match read_small_bounded(&root, HOSTNAME_FILE, config.read_timeout) {
        Ok(bytes) => Some(bytes),
        Err(hostname_gap) => {
            gaps.push(hostname_gap);
            None
        }
    };
    let hostname = hostname_bytes
        .as_ref()
        .map(|bytes| String::from_utf8_lossy(bytes).trim().to_string())
        .filter(|name| !name.is_empty());
    let stamp = UtcDateTime::from_unix_seconds(start_seconds).compact();
    let top = format!(
        "nodesnap-{}-{}",
        file_name_safe(hostname.as_deref().unwrap_or("unknown")),
        stamp
    );

    let (sink, output_display, temp_path) = match &config.output {
        _ if tap.is_some() => (Sink::Discard, "review".to_string(), None),
        OutputTarget::Stdout => (Sink::stdout(), "-".to_string(), None),
        target => {
            let path = match target {
                OutputTarget::Path(path) => path.clone(),
                _ => PathBuf::from(format!("{top}.tar.gz")),
            };
            let display = path.display().to_string();
            let sink = Sink::create_file(&path).map_err(CollectError::Target)?;
            let temp = sink.temp_path();
            (sink, display, temp)
        }
    };
    let fail = |temp: &Option<PathBuf>, source: io::Error| {
        if let Some(temp) = temp {
            let _ = fs::remove_file(temp);
        }
        CollectError::Output {
            path: output_display.clone(),
            source,
        }
    };

    let proc_dir = match fsread::open_beneath(
        root.as_raw_fd(),
        "proc",
        libc::O_RDONLY | libc::O_DIRECTORY,
        false,
    ) {
        Ok(dir) => Some(dir),
        Err(error) => {
            gaps.push(gap("proc", reason_of(&error), Some(error.to_string())));
            None
        }
    };
    let collector_pid = match (&proc_dir, is_live_root(&config.root)) {
        (Some(dir), true) => fsread::read_link_at(dir.as_raw_fd(), "self")
            .ok()
            .and_then(|target| String::from_utf8_lossy(&target).parse().ok()),
        _ => None,
    };
    let pids = match &proc_dir {
        Some(dir) => list_pids(dir).unwrap_or_else(|error| {
            gaps.push(gap("proc", reason_of(&error), Some(error.to_string())));
            Vec::new()
        }),
        None => Vec::new(),
    };
    let mut metadata = RuntimeMetadata::default();
    runtime_dirs::list_logs(root.as_raw_fd(), &mut metadata, &mut gaps);

    let mut run = Run {
        writer: SnapshotWriter::new(sink, &top, start_seconds.max(0) as u64).with_tap(tap),
        gaps,
        counts: Counts::default(),
        metadata,
        records_by_config: HashMap::new(),
        pids_by_id: HashMap::new(),
        daemons: Vec::new(),
        lister: RuntimeLister::default(),
        kernel: None,
        total_cap_reached: false,
        context: Arc::new(ReadContext::new(
            root,
            proc_dir,
            config.cmdline,
            config.max_file_bytes,
            config.max_total_bytes,
        )),
        pending: VecDeque::new(),
        pending_dirs: VecDeque::new(),
        take_dir_next: false,
        in_flight: HashMap::new(),
        carried: HashMap::new(),
        next_job_id: 0,
        sampler: Sampler::new(config.samples, config.interval),
    };
    if let Some(bytes) = &hostname_bytes {
        run.write_file(HOSTNAME_FILE, bytes)
            .map_err(|e| fail(&temp_path, e))?;
    }
    let mut node_reads: Vec<FileRead> = NODE_FILES
        .iter()
        .filter(|rel| **rel != HOSTNAME_FILE)
        .map(|rel| FileRead {
            rel: rel.to_string(),
            cap: config.max_file_bytes,
            follow_last: true,
            purpose: Purpose::Copy,
        })
        .collect();
    node_reads.extend(IDENTITY_FILES.iter().map(|rel| FileRead {
        rel: rel.to_string(),
        cap: config.max_file_bytes,
        follow_last: true,
        purpose: Purpose::Identity,
    }));
    run.queue(JobKind::Files { reads: node_reads });
    for dir in discovery::default_dirs() {
        run.list_runtime_dir(&dir);
    }
    for pid in pids {
        run.queue(JobKind::Process { pid });
    }
    run.queue(JobKind::CgroupDir {
        rel: CGROUP_ROOT.to_string(),
    });

    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let (event_tx, event_rx) = mpsc::channel::<Event>();
    let mut workers = Workers {
        context: Arc::clone(&run.context),
        queue: Arc::new(Mutex::new(job_rx)),
        events: event_tx,
        states: Vec::new(),
        live: 0,
        abandoned: 0,
    };
    for _ in 0..config.workers.max(1) {
        workers.spawn();
    }

    let mut last_progress = Instant::now();
    loop {
        if let Some(signal) = signals::received() {
            drop(run);
            if let Some(temp) = &temp_path {
                let _ = fs::remove_file(temp);
            }
            return Err(CollectError::Interrupted { signal });
        }
        if workers.live == 0 {
            run.abandon_all(
                GapReason::TimedOut,
                "every reader thread is blocked",
                &workers,
                &event_rx,
            )
            .map_err(|e| fail(&temp_path, e))?;
            break;
        }
        if Instant::now() >= read_deadline {
            run.abandon_all(
                GapReason::DeadlineReached,
                "the run's --timeout was reached",
                &workers,
                &event_rx,
            )
            .map_err(|e| fail(&temp_path, e))?;
            break;
        }
        if run.total_cap_reached && run.has_pending() {
            for path in run.drain_pending().map_err(|e| fail(&temp_path, e))? {
                run.gaps.push(gap(path, GapReason::TotalCapReached, None));
            }
        }
        while run.in_flight.len() < MAX_IN_FLIGHT {
            let Some(job) = run.next_pending() else {
                break;
            };
            let carried = run.carried.remove(&job.id).unwrap_or_default();
            run.in_flight.insert(
                job.id,
                InFlight {
                    kind: Arc::clone(&job.kind),
                    reported_vanished: false,
                    carried,
                },
            );
            if job_tx.send(job).is_err() {
                break;
            }
        }
        if run.in_flight.is_empty() && !run.has_pending() {
            match run.sampler.next(started.elapsed()) {
                Next::Done => break,
                Next::At(due) if started + due >= read_deadline => {
                    // A sample that could not end before the deadline is not begun.
                    for sample in run.sampler.next_index()..config.samples {
                        run.gaps.push(gap(
                            format!("{SAMPLES_DIR}/{sample}"),
                            GapReason::DeadlineReached,
                            Some("the run's --timeout came before this sample".to_string()),
                        ));
                    }
                    break;
                }
                Next::At(due) => {
                    let now = started.elapsed();
                    if now < due {
                        std::thread::sleep((due - now).min(TICK));
                        // Not yet: `next` is asked again, and finds no sample open.
                        continue;
                    }
                    let pids = match &run.context.proc_dir {
                        Some(dir) => list_pids(dir).unwrap_or_default(),
                        None => Vec::new(),
                    };
                    for kind in run.sampler.start(now, config.max_file_bytes, &pids) {
                        if let JobKind::SampleCgroupDir { sample, rel, .. } = &kind {
                            // `samples/<k>` is longer than `root`: a directory at the name
                            // limit fits the first pass but not a sample.
                            let longer = format!("{}", SampleDir(*sample)).len() - ROOT_DIR.len();
                            if run.writer.bundle_name_len(rel) + longer > MAX_ENTRY_NAME_BYTES {
                                run.gaps.push(gap(
                                    kind.path(),
                                    GapReason::Error,
                                    Some(format!(
                                        "its sample's bundle name would pass the format's \
                                         limit of {MAX_ENTRY_NAME_BYTES} bytes; not sampled"
                                    )),
                                ));
                                continue;
                            }
                        }
                        run.queue(kind);
                    }
                    continue;
                }
            }
        }
        match event_rx.recv_timeout(TICK) {
            Ok(Event::Item(message)) => run.handle(message).map_err(|e| fail(&temp_path, e))?,
            Ok(Event::Done { job, bundle }) => {
                run.finish(job, bundle).map_err(|e| fail(&temp_path, e))?
            }
            Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {}
        }
        // Drain whatever else is ready before looking at the clock again.
        while let Ok(event) = event_rx.try_recv() {
            match event {
                Event::Item(message) => run.handle(message).map_err(|e| fail(&temp_path, e))?,
                Event::Done { job, bundle } => {
                    run.finish(job, bundle).map_err(|e| fail(&temp_path, e))?
                }
            }
            if run.in_flight.len() < MAX_IN_FLIGHT / 2 {
                break;
            }
        }
        check_stuck(&mut run, &mut workers, config).map_err(|e| fail(&temp_path, e))?;
        if last_progress.elapsed() >= Duration::from_millis(200) {
            last_progress = Instant::now();
            progress(&Progress {
                processes: run.counts.processes,
                cgroups: run.counts.cgroups,
                gaps: run.gaps.len(),
                elapsed: started.elapsed(),
            });
        }
    }
    drop(job_tx);

    run.finish_metadata();
    let metadata_json = serde_json::to_vec_pretty(&run.metadata)
        .map_err(|e| fail(&temp_path, io::Error::other(e)))?;
    run.writer
        .add_top_file(METADATA_PATH, &metadata_json)
        .map_err(|e| fail(&temp_path, e))?;
    run.gaps
        .sort_by(|a, b| a.path.cmp(&b.path).then(a.reason.cmp(&b.reason)));
    let finished_wall = SystemTime::now();
    let elapsed = started.elapsed();
    let manifest = Manifest {
        format_version: FORMAT_VERSION,
        collector_version: env!("CARGO_PKG_VERSION").to_string(),
        hostname: hostname.clone(),
        kernel: run.kernel.clone(),
        started_at: UtcDateTime::from_unix_seconds(start_seconds).rfc3339(),
        finished_at: UtcDateTime::from_unix_seconds(unix_seconds(finished_wall)).rfc3339(),
        duration_ms: elapsed.as_millis() as u64,
        collector_pid,
        options: CollectOptions {
            root: root_display,
            cmdline: config.cmdline,
            timeout_secs: config.timeout.as_secs(),
            read_timeout_ms: config.read_timeout.as_millis() as u64,
            max_file_bytes: config.max_file_bytes,
            max_total_bytes: config.max_total_bytes,
        },
        counts: run.counts.clone(),
        sampling: std::mem::replace(&mut run.sampler, Sampler::new(1, Duration::ZERO))
            .into_manifest(),
        gaps: Vec::new(),
    };
    let gap_count = run.gaps.len();
    let manifest_yaml = crate::yaml::manifest_to_yaml(&manifest, &run.gaps)
        .map_err(|e| fail(&temp_path, io::Error::other(e)))?;
    run.writer
        .add_top_file(MANIFEST_PATH, manifest_yaml.as_bytes())
        .map_err(|e| fail(&temp_path, e))?;
    if let Some(signal) = signals::received() {
        drop(run.writer);
        if let Some(temp) = &temp_path {
            let _ = fs::remove_file(temp);
        }
        return Err(CollectError::Interrupted { signal });
    }
    let (sink, bytes) = run.writer.finish().map_err(|e| fail(&temp_path, e))?;
    sink.commit().map_err(CollectError::Target)?;
    Ok(Summary {
        output: output_display.clone(),
        processes: manifest.counts.processes,
        cgroups: manifest.counts.cgroups,
        gaps: gap_count,
        elapsed,
        bytes,
    })
}

/// Abandons each worker whose current read has outlived the per-read limit, records the gap,
/// resumes its job after the stuck item (carrying the records read so far), and starts a
/// replacement while the cap allows.
fn check_stuck<W: Write>(
    run: &mut Run<W>,
    workers: &mut Workers,
    config: &Config,
) -> io::Result<()> {
    let mut stuck = Vec::new();
    for state in &workers.states {
        if state.abandoned.load(Ordering::Relaxed) {
            continue;
        }
        let current = state.current.lock().ok().and_then(|slot| *slot);
        if let Some((job, item, name, since)) = current {
            if since.elapsed() > config.read_timeout && run.in_flight.contains_key(&job) {
                state.abandoned.store(true, Ordering::Relaxed);
                // What the worker read of this job before it got stuck.
                let read = state.take_bundle(job).unwrap_or_default();
                stuck.push((job, item, name, read));
            }
        }
    }
    for (job, item, _name, read) in stuck {
        workers.live -= 1;
        workers.abandoned += 1;
        if let Some(mut flight) = run.in_flight.remove(&job) {
            flight.carried.extend(read);
            run.gaps.push(gap(
                item_path(&flight.kind, item),
                GapReason::TimedOut,
                Some(format!(
                    "read did not finish within {} ms; abandoned",
                    config.read_timeout.as_millis()
                )),
            ));
            let resumable = match flight.kind.as_ref() {
                JobKind::Process { .. }
                | JobKind::CgroupDir { .. }
                | JobKind::SampleProcess { .. }
                | JobKind::SampleCgroupDir { .. } => item > 0,
                JobKind::Files { .. } => true,
            };
            if resumable {
                let id = run.next_job_id;
                run.next_job_id += 1;
                let job = Job {
                    id,
                    kind: flight.kind,
                    resume_after: Some(item),
                    start_ticks: flight.carried.start_ticks,
                };
                run.carried.insert(id, flight.carried);
                run.queue_for(&job.kind).push_front(job);
            } else {
                run.write_bundle(&flight.kind, flight.carried)?;
            }
        }
        if workers.abandoned <= config.max_abandoned {
            workers.spawn();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_only_safe_characters() {
        let cases = [
            ("node-1.example.com", "node-1.example.com"),
            ("bad/name with space", "bad_name_with_space"),
            ("", "unknown"),
            ("..", "unknown"),
            ("ünï", "_n_"),
            (&"h".repeat(300), &"h".repeat(MAX_TOP_HOSTNAME_BYTES)),
        ];
        for (input, expected) in cases {
            assert_eq!(file_name_safe(input), expected);
        }
    }

    #[test]
    fn item_paths_name_the_file() {
        let process = JobKind::Process { pid: 42 };
        assert_eq!(item_path(&process, 0), "proc/42");
        assert_eq!(item_path(&process, 3), "proc/42/cmdline");
        assert_eq!(item_path(&process, PROCESS_ITEM_NS), "proc/42/ns");
        let cgroup = JobKind::CgroupDir {
            rel: "sys/fs/cgroup/memory".to_string(),
        };
        let limit = 1 + CGROUP_FILES
            .iter()
            .position(|name| *name == "memory.limit_in_bytes")
            .unwrap();
        assert_eq!(
            item_path(&cgroup, limit),
            "sys/fs/cgroup/memory/memory.limit_in_bytes"
        );
        assert_eq!(item_path(&cgroup, 0), "sys/fs/cgroup/memory");
        let files = JobKind::Files {
            reads: vec![FileRead {
                rel: "etc/passwd".to_string(),
                cap: 1,
                follow_last: true,
                purpose: Purpose::Identity,
            }],
        };
        assert_eq!(item_path(&files, 0), "etc/passwd");
    }
}
