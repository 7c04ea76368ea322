//! The state of one collection run and what it does with each answer of the reader pool: the
//! job queues (process and cgroup jobs served in turn), the gaps, and the entries written to
//! the snapshot as results arrive.

use super::meta::DaemonSlot;
use super::node::{gap, reason_of, OSRELEASE_FILE};
use super::workers::Workers;
use crate::archive::SnapshotWriter;
use crate::discovery::ConfigPaths;
use crate::identity;
use crate::pool::{
    self, Event, FileRead, Job, JobKind, MetaFile, Outcome, PartialBundle, Purpose, ReadContext,
    PROCESS_ITEM_NS, PROCESS_ITEM_WCHAN,
};
use crate::runtime_dirs::RuntimeLister;
use crate::sampling::Sampler;
use nodesnap_format::{
    CmdlinePolicy, Counts, Gap, GapReason, RuntimeMetadata, BUNDLE_FILE, CGROUP_FILES,
    D_STATE_FILE, MAX_ENTRY_NAME_BYTES, NAMESPACE_LINKS_FILE, OPTIONAL_NODE_FILES, PROCESS_FILES,
    SAMPLES_DIR,
};
use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};
use std::sync::mpsc;
use std::sync::Arc;

/// Why a directory whose name is not UTF-8 is a gap.
const NOT_UTF8_DETAIL: &str =
    "name is not UTF-8 (bad bytes shown as \\xNN); snapshot names are UTF-8, so it and what is \
     below it are not collected";

pub(super) struct InFlight {
    pub(super) kind: Arc<JobKind>,
    pub(super) reported_vanished: bool,
    /// The records of the jobs this one resumes, written before its own.
    pub(super) carried: PartialBundle,
}

/// The state of one run, driven by `collect`.
pub(super) struct Run<W: Write> {
    pub(super) writer: SnapshotWriter<W>,
    pub(super) gaps: Vec<Gap>,
    pub(super) counts: Counts,
    pub(super) metadata: RuntimeMetadata,
    /// Index of each container record by its config path, for the pid files that follow.
    pub(super) records_by_config: HashMap<String, usize>,
    /// Pids from pid files that name a container by id only, applied when the run ends.
    /// (The same map type as `records_by_config`: each distinct map type costs the static
    /// binary several KiB of hash table code.)
    pub(super) pids_by_id: HashMap<String, usize>,
    /// Index of each daemon record by pid, and whether its config was read yet.
    /// A handful per node: a list, not a map.
    pub(super) daemons: Vec<DaemonSlot>,
    pub(super) lister: RuntimeLister,
    pub(super) kernel: Option<String>,
    pub(super) total_cap_reached: bool,
    /// Shared with the workers: the total cap is enforced where records are made.
    pub(super) context: Arc<ReadContext>,
    /// Process and file jobs waiting for a reader.
    pub(super) pending: VecDeque<Job>,
    /// Cgroup directory jobs, served in turn with `pending` so that a deadline cuts both the
    /// process list and the cgroup tree short rather than losing one of them whole.
    pub(super) pending_dirs: VecDeque<Job>,
    pub(super) take_dir_next: bool,
    pub(super) in_flight: HashMap<u64, InFlight>,
    /// Partial bundles of resumed jobs still waiting in `pending`, by the resumed job's id.
    pub(super) carried: HashMap<u64, PartialBundle>,
    pub(super) next_job_id: u64,
    pub(super) sampler: Sampler,
}

impl<W: Write> Run<W> {
    pub(super) fn queue(&mut self, kind: JobKind) {
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

    pub(super) fn queue_for(&mut self, kind: &JobKind) -> &mut VecDeque<Job> {
        match kind {
            JobKind::CgroupDir { .. } | JobKind::SampleCgroupDir { .. } => &mut self.pending_dirs,
            _ => &mut self.pending,
        }
    }

    pub(super) fn next_pending(&mut self) -> Option<Job> {
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

    pub(super) fn has_pending(&self) -> bool {
        !self.pending.is_empty() || !self.pending_dirs.is_empty()
    }

    /// Empties the queues, writing the records that resumed jobs carried; returns the paths
    /// of the jobs dropped.
    pub(super) fn drain_pending(&mut self) -> io::Result<Vec<String>> {
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
    pub(super) fn admit(&mut self, rel: &str, len: usize) -> bool {
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
    pub(super) fn write_file(&mut self, rel: &str, data: &[u8]) -> io::Result<()> {
        if self.admit(rel, data.len()) {
            self.writer.add_root_file(rel, data)?;
        }
        Ok(())
    }

    /// Writes the bundle of a finished (or given up) process or cgroup job: a process's when
    /// at least one of its files was read, a cgroup's whenever the directory was listed.
    pub(super) fn write_bundle(
        &mut self,
        kind: &JobKind,
        partial: PartialBundle,
    ) -> io::Result<()> {
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

    pub(super) fn handle(&mut self, message: pool::Message) -> io::Result<()> {
        let Some(flight) = self.in_flight.get_mut(&message.job) else {
            // A late answer from an abandoned worker: the job was resumed or given up.
            return Ok(());
        };
        let kind = Arc::clone(&flight.kind);
        let item = message.item;
        match message.outcome {
            Outcome::Data { data, truncated } => self.file_read(&kind, item, data, truncated)?,
            Outcome::Truncated { kept } => self.gaps.push(gap(
                item_path(&kind, item),
                GapReason::Truncated,
                Some(format!("kept the first {kept} bytes")),
            )),
            Outcome::NsUnreadable { links } => self.ns_unreadable(&item_path(&kind, item), links),
            Outcome::Listing { subdirs, not_utf8 } => self.listed(subdirs, not_utf8),
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
            Outcome::Failed(error) => self.read_failed(&kind, item, &error),
        }
        Ok(())
    }

    /// A job is done: its bundle, after the records of the jobs it resumed, goes into the
    /// snapshot.
    pub(super) fn finish(&mut self, job: u64, bundle: PartialBundle) -> io::Result<()> {
        match self.in_flight.remove(&job) {
            Some(mut flight) => {
                flight.carried.extend(bundle);
                self.write_bundle(&flight.kind, flight.carried)
            }
            None => Ok(()),
        }
    }

    pub(super) fn handle_file(
        &mut self,
        rel: &str,
        data: Vec<u8>,
        purpose: Purpose,
    ) -> io::Result<()> {
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

    /// A file of a `Files` job: mountinfo is redacted (mount sources and options can carry
    /// credentials, `ftp://user:PASS@host`), a cut is a gap, and the file goes where its purpose
    /// says.
    pub(super) fn file_read(
        &mut self,
        kind: &JobKind,
        item: usize,
        data: Vec<u8>,
        truncated: bool,
    ) -> io::Result<()> {
        let JobKind::Files { reads } = kind else {
            return Ok(());
        };
        let Some(read) = reads.get(item) else {
            return Ok(());
        };
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
        self.handle_file(&read.rel, data, read.purpose.clone())
    }

    /// Namespace links of process directory `ns` that could not be read, each with its reason:
    /// only EACCES/EPERM is `permission_denied`.
    pub(super) fn ns_unreadable(&mut self, ns: &str, links: Vec<(&'static str, i32)>) {
        let denied: Vec<&str> = links
            .iter()
            .filter(|(_, errno)| matches!(*errno, libc::EACCES | libc::EPERM))
            .map(|(name, _)| *name)
            .collect();
        if !denied.is_empty() {
            self.gaps.push(gap(
                ns.to_string(),
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
                    "link target longer than 255 bytes, which no namespace link has".to_string(),
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

    /// A cgroup directory was listed: its subdirectories are queued depth first, except names
    /// the snapshot cannot hold.
    pub(super) fn listed(&mut self, subdirs: Vec<String>, not_utf8: Vec<String>) {
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

    /// A read failed: a gap with its reason, except a runtime file whose absence is normal; a
    /// daemon whose config cannot be read runs on its defaults, and so does its record.
    pub(super) fn read_failed(&mut self, kind: &JobKind, item: usize, error: &io::Error) {
        let meta = match kind {
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
        // A node file of a feature this kernel lacks (PSI, conntrack) is absent, not unread; so
        // is a cgroup removed or a file gone by a later sample (its absence there says so).
        let may_be_missing = match kind {
            JobKind::SampleCgroupDir { .. } => true,
            JobKind::Files { reads } => reads.get(item).is_some_and(|r| match r.purpose {
                Purpose::Sample(_) => true,
                Purpose::Copy => OPTIONAL_NODE_FILES.contains(&r.rel.as_str()),
                _ => false,
            }),
            _ => false,
        } || meta.as_ref().is_some_and(MetaFile::may_be_missing);
        if !(may_be_missing && error.raw_os_error() == Some(libc::ENOENT)) {
            self.gaps.push(gap(
                item_path(kind, item),
                reason_of(error),
                Some(error.to_string()),
            ));
        }
    }
}

impl<W: Write> Run<W> {
    /// Gives every job not yet finished one gap with `reason`, after writing the records
    /// already read for it: those the workers hold (taken from their slots, which closes
    /// them), then any finished job whose answer is already queued.
    pub(super) fn abandon_all(
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
pub(super) struct SampleDir(pub(super) u32);

impl std::fmt::Display for SampleDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{SAMPLES_DIR}/{}", self.0)
    }
}

/// The directory of a process in the snapshot, formatted only when written.
pub(super) struct ProcessDir(pub(super) u32);

impl std::fmt::Display for ProcessDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "proc/{}", self.0)
    }
}

/// The path, relative to the root, of one item of a job: for gaps, which are rare, so paths
/// are formatted here rather than for every file read.
pub(super) fn item_path(kind: &JobKind, item: usize) -> String {
    let name = match kind {
        JobKind::Process { .. } | JobKind::SampleProcess { .. } if item == PROCESS_ITEM_NS => {
            NAMESPACE_LINKS_FILE
        }
        JobKind::Process { .. } | JobKind::SampleProcess { .. } if item == PROCESS_ITEM_WCHAN => {
            D_STATE_FILE
        }
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
