//! The later samples of a snapshot taken with `collector --samples N` (format 3): the
//! fast-changing files read again under `samples/<k>/`, and the snapshot as it was at sample
//! `k` ([`Snapshot::at_sample`]): sample 0 is the snapshot itself; a later one is the snapshot
//! with those files replaced, without the processes gone by then and with those started since
//! (which the sample read whole), so that every step of the analysis (the model, the findings,
//! the diff) reads it as an ordinary snapshot.

use super::{DirFiles, Snapshot};
use nodesnap_format::SampleTimes;
use std::collections::BTreeMap;

/// One later sample: its files keyed like the snapshot's (`proc/42`, `sys/fs/cgroup/x`,
/// `proc` for proc/stat).
#[derive(Debug, Clone)]
pub struct Sample {
    /// `k` of `samples/<k>/`, from 1.
    pub index: u32,
    pub times: SampleTimes,
    pub(super) dirs: BTreeMap<String, DirFiles>,
}

impl Sample {
    pub(crate) fn new(index: u32, times: SampleTimes, dirs: BTreeMap<String, DirFiles>) -> Sample {
        Sample { index, times, dirs }
    }

    /// Process and cgroup directories the sample holds.
    pub fn dir_count(&self) -> usize {
        self.dirs.len()
    }

    /// Calls `each` with the content of file `name` of every process directory of the sample.
    pub fn each_process_file(&self, name: &str, mut each: impl FnMut(&[u8])) {
        // Every key starting `proc/`, which '0' (the byte after '/') ends.
        let range = ("proc/".to_string())..("proc0".to_string());
        for (_, files) in self.dirs.range(range) {
            if let Some(content) = files.get(name) {
                each(content);
            }
        }
    }
}

/// Whether `dir` is a process's directory, `proc/<pid>`.
fn is_process_dir(dir: &str) -> bool {
    dir.strip_prefix("proc/")
        .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// `base`'s files with those of `later` put in their place.
fn overlay(base: &DirFiles, later: &DirFiles) -> DirFiles {
    let mut merged = DirFiles::default();
    for (name, content) in base.iter() {
        let content = later.get(name).unwrap_or(content);
        // Names of one directory are unique and far below 4 GiB together.
        let _ = merged.push(name, content);
    }
    for (name, content) in later.iter() {
        if base.get(name).is_none() {
            let _ = merged.push(name, content);
        }
    }
    merged
}

/// The RFC 3339 time `offset_ms` after `started_at` (whole seconds, as the manifest writes
/// it), with milliseconds; `started_at` unchanged when it cannot be read.
fn shifted(started_at: &str, offset_ms: u64) -> String {
    let Some(seconds) = crate::diff::time::epoch_seconds(started_at) else {
        return started_at.to_string();
    };
    let total_ms = ((seconds * 1000.0).round() as u64).saturating_add(offset_ms);
    let text = crate::model::build::rfc3339(total_ms / 1000);
    let ms = total_ms % 1000;
    match text.strip_suffix('Z') {
        Some(head) => format!("{head}.{ms:03}Z"),
        None => text,
    }
}

impl Snapshot {
    /// How many samples the snapshot holds: 1, plus its later samples.
    pub fn sample_count(&self) -> usize {
        1 + self.samples.len()
    }

    /// The later samples, in order.
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// The milliseconds from the run's start to the middle of sample `position` (0 for the
    /// first pass): the moment its reads stand for. Null when the manifest has no times.
    pub fn sample_midpoint_ms(&self, position: usize) -> Option<u64> {
        let times = match position {
            0 => self.manifest.sampling.as_ref()?.samples.first().copied()?,
            _ => self.samples.get(position - 1)?.times,
        };
        Some((times.started_ms + times.finished_ms) / 2)
    }

    /// When sample `position` was read (the middle of its pass), RFC 3339 UTC with
    /// milliseconds; null without the manifest's sampling.
    pub fn at_sample_time(&self, position: usize) -> Option<String> {
        let offset = self.sample_midpoint_ms(position)?;
        Some(shifted(&self.manifest.started_at, offset))
    }

    /// The snapshot as sample `position` saw the node (0 is the first pass): that sample's
    /// files in place of the first pass's, the processes it did not find left out, and its
    /// collection time moved to the sample's middle. The other files (command lines,
    /// namespaces, limits, runtime metadata) are the first pass's. Null past the last sample.
    pub fn at_sample(&self, position: usize) -> Option<Snapshot> {
        let mut manifest = self.manifest.clone();
        let offset = self.sample_midpoint_ms(position).unwrap_or(0);
        manifest.started_at = shifted(&self.manifest.started_at, offset);
        manifest.sampling = None;
        if position == 0 {
            return Some(Snapshot {
                source: self.source.clone(),
                manifest,
                metadata: self.metadata.clone(),
                dirs: self.dirs.clone(),
                file_count: self.file_count,
                load_gaps: self.load_gaps.clone(),
                samples: Vec::new(),
                origin: self.origin,
            });
        }
        let sample = self.samples.get(position - 1)?;
        let mut dirs = BTreeMap::new();
        for (dir, files) in &self.dirs {
            match sample.dirs.get(dir) {
                Some(later) => {
                    dirs.insert(dir.clone(), overlay(files, later));
                }
                // A process not in the sample had exited. A cgroup directory not in it had no
                // counters to read again (or was removed: a sample cannot tell), so the first
                // pass's files stand.
                None if is_process_dir(dir) => {}
                None => {
                    dirs.insert(dir.clone(), files.clone());
                }
            }
        }
        // Processes started after the first pass: the sample read them whole.
        for (dir, files) in &sample.dirs {
            if is_process_dir(dir) && !self.dirs.contains_key(dir) {
                dirs.insert(dir.clone(), files.clone());
            }
        }
        // The counts describe the first pass; the sample's own say what it held.
        manifest.counts.processes = sample.times.processes;
        manifest.counts.cgroups = sample.times.cgroups;
        let mut snapshot =
            Snapshot::from_tree(self.source.clone(), manifest, self.metadata.clone(), dirs);
        snapshot.load_gaps = self.load_gaps.clone();
        snapshot.origin = self.origin;
        Some(snapshot)
    }
}

#[cfg(test)]
mod tests {
    use super::shifted;

    #[test]
    fn a_sample_time_is_the_start_moved_by_its_offset_to_the_millisecond() {
        assert_eq!(
            shifted("2026-12-04T21:59:58Z", 2_250),
            "2026-12-04T22:00:00.250Z"
        );
        assert_eq!(
            shifted("2026-12-04T21:59:58Z", 0),
            "2026-12-04T21:59:58.000Z"
        );
        assert_eq!(shifted("not a time", 5), "not a time");
    }
}
