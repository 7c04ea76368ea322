//! The runtime metadata side of a run: container records parsed from the configs read,
//! daemons found in command lines and completed from their config files, and the directories
//! they name listed and queued (docs/COLLECTOR.md, "Runtime discovery").

use super::node::gap;
use super::run::Run;
use crate::discovery::{self, ConfigPaths, Discovered};
use crate::pool::{FileRead, JobKind, MetaFile, Purpose};
use crate::runtime_dirs;
use crate::runtime_meta;
use nodesnap_format::GapReason;
use std::io::Write;
use std::os::fd::AsRawFd;

/// The runtime configs batched into one job.
const META_READS_PER_JOB: usize = 32;

/// A daemon record in the metadata, and whether its config was read yet.
pub(super) struct DaemonSlot {
    pub(super) pid: u32,
    pub(super) index: usize,
    pub(super) done: bool,
}

impl<W: Write> Run<W> {
    pub(super) fn handle_meta(&mut self, rel: &str, data: &[u8], meta: MetaFile) {
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
    pub(super) fn discovered(&mut self, found: Discovered) {
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
    pub(super) fn complete_daemon(&mut self, pid: u32, config: &ConfigPaths) {
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

    pub(super) fn list_runtime_dir(&mut self, dir: &discovery::RuntimeDir) {
        let reads = self
            .lister
            .list(self.context.root.as_raw_fd(), dir, &mut self.gaps);
        self.queue_meta_reads(reads);
    }

    /// Queues runtime metadata reads in jobs of a few dozen, keeping each pid file or
    /// hostconfig in the job of the config it completes.
    pub(super) fn queue_meta_reads(&mut self, mut reads: Vec<FileRead>) {
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
    pub(super) fn finish_metadata(&mut self) {
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
        // Pids are unique: unstable is as stable, and smaller in the static binary.
        self.metadata.daemons.sort_unstable_by_key(|d| d.pid);
    }
}
