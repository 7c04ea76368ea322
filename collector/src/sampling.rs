//! The schedule of a collection with several samples (`--samples N --interval S`): the first
//! pass is sample 0; each later sample re-reads the fast-changing files of what the first pass
//! found (the processes by pid and start time, the cgroup directories, the sampled node
//! files), starting `interval` after the previous sample's start, or at once when that one ran
//! longer.

use crate::pool::{FileRead, JobKind, Purpose};
use nodesnap_format::{
    bundle, SampleTimes, Sampling, CGROUP_FILES, SAMPLED_CGROUP_FILES, SAMPLED_NODE_FILES,
};
use std::time::Duration;

/// What the run has sampled so far and what is next.
pub struct Sampler {
    requested: u32,
    interval: Duration,
    /// Pid and start time of each process whose stat the first pass read.
    processes: Vec<(u32, u64)>,
    /// Every cgroup directory the first pass found sampled files in, with which (one bit per
    /// index of `CGROUP_FILES`).
    cgroup_dirs: Vec<(String, u64)>,
    /// The samples finished, sample 0 first.
    times: Vec<SampleTimes>,
    /// The sample being read and when it started, in ms from the run's start.
    open: Option<(u32, u64)>,
    /// Processes and cgroup directories written for the open sample.
    written: (u64, u64),
}

/// What the collection loop does once every job is done.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Every sample is taken.
    Done,
    /// The next sample starts at this offset from the run's start.
    At(Duration),
}

impl Sampler {
    /// The first pass (sample 0) starts with the run.
    pub fn new(requested: u32, interval: Duration) -> Sampler {
        Sampler {
            requested: requested.max(1),
            interval,
            processes: Vec::new(),
            cgroup_dirs: Vec::new(),
            times: Vec::new(),
            open: Some((0, 0)),
            written: (0, 0),
        }
    }

    /// Whether later samples will be taken, so that the first pass must remember what it read.
    pub fn is_sampling(&self) -> bool {
        self.requested > 1
    }

    /// The first pass wrote this process's bundle with its stat.
    pub fn saw_process(&mut self, pid: u32, start_ticks: Option<u64>) {
        self.written.0 += 1;
        if let (true, Some(ticks)) = (self.is_sampling(), start_ticks) {
            self.processes.push((pid, ticks));
        }
    }

    /// The first pass wrote this cgroup directory's bundle, `records`.
    pub fn saw_cgroup_dir(&mut self, rel: &str, records: &[u8]) {
        self.written.1 += 1;
        if !self.is_sampling() {
            return;
        }
        let mut files = 0u64;
        for record in bundle::records(records).flatten() {
            let name = &records[record.name];
            if let Some(index) = CGROUP_FILES.iter().position(|f| f.as_bytes() == name) {
                if SAMPLED_CGROUP_FILES.contains(&CGROUP_FILES[index]) {
                    files |= 1 << index;
                }
            }
        }
        // A directory without counters (devices, freezer, a bare v1 hierarchy) is not read
        // again.
        if files != 0 {
            self.cgroup_dirs.push((rel.to_string(), files));
        }
    }

    /// A later sample wrote a process bundle (`process`) or a cgroup directory's.
    pub fn wrote(&mut self, process: bool) {
        match process {
            true => self.written.0 += 1,
            false => self.written.1 += 1,
        }
    }

    /// Every job of the open sample is done (at `now` from the run's start): closes it and says
    /// when the next one is due.
    pub fn next(&mut self, now: Duration) -> Next {
        if let Some((_, started_ms)) = self.open.take() {
            self.times.push(SampleTimes {
                started_ms,
                finished_ms: now.as_millis() as u64,
                processes: self.written.0,
                cgroups: self.written.1,
            });
            self.written = (0, 0);
        }
        let taken = self.times.len() as u32;
        if taken >= self.requested {
            return Next::Done;
        }
        let previous = Duration::from_millis(self.times.last().map_or(0, |t| t.started_ms));
        Next::At((previous + self.interval).max(now))
    }

    /// The index of the next sample.
    pub fn next_index(&self) -> u32 {
        self.times.len() as u32
    }

    /// Opens the next sample at `now` and returns its jobs: the node files first, then each
    /// process, then each cgroup directory. `pids` are the node's processes now, ascending:
    /// those the first pass did not see are read whole (command line, cgroup, namespaces too).
    pub fn start(&mut self, now: Duration, max_file_bytes: u64, pids: &[u32]) -> Vec<JobKind> {
        let sample = self.next_index();
        self.open = Some((sample, now.as_millis() as u64));

        let reads = SAMPLED_NODE_FILES
            .iter()
            .map(|rel| FileRead {
                rel: rel.to_string(),
                cap: max_file_bytes,
                follow_last: false,
                purpose: Purpose::Sample(sample),
            })
            .collect();
        let mut jobs = Vec::with_capacity(1 + self.processes.len() + self.cgroup_dirs.len());
        jobs.push(JobKind::Files { reads });
        jobs.extend(
            self.processes
                .iter()
                .map(|&(pid, start_ticks)| JobKind::SampleProcess {
                    sample,
                    pid,
                    start_ticks: Some(start_ticks),
                }),
        );
        // Bundles were written in the order readers finished them, not by pid. (Sorting
        // bare pids reuses the code that sorts /proc's listing; the static binary is small.)
        let mut known: Vec<u32> = self.processes.iter().map(|&(pid, _)| pid).collect();
        known.sort_unstable();
        for &pid in pids {
            if known.binary_search(&pid).is_err() {
                jobs.push(JobKind::SampleProcess {
                    sample,
                    pid,
                    start_ticks: None,
                });
            }
        }
        jobs.extend(
            self.cgroup_dirs
                .iter()
                .map(|(rel, files)| JobKind::SampleCgroupDir {
                    sample,
                    rel: rel.clone(),
                    files: *files,
                }),
        );
        jobs
    }

    /// The manifest's `sampling`, absent for a plain snapshot.
    pub fn into_manifest(self) -> Option<Sampling> {
        if !self.is_sampling() {
            return None;
        }
        Some(Sampling {
            requested: self.requested,
            interval_ms: self.interval.as_millis() as u64,
            samples: self.times,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{Next, Sampler};
    use crate::pool::JobKind;
    use nodesnap_format::{bundle, CGROUP_FILES};
    use std::time::Duration;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn samples_start_an_interval_apart_or_at_once_after_a_long_one() {
        let mut sampler = Sampler::new(3, 2 * SECOND);
        // Out of order, as readers finish them.
        sampler.saw_process(42, Some(7));
        sampler.saw_process(3, Some(1));
        let mut records = Vec::new();
        bundle::push_record(&mut records, "cgroup.procs", b"1\n");
        bundle::push_record(&mut records, "memory.events", b"oom_kill 0\n");
        sampler.saw_cgroup_dir("sys/fs/cgroup", &records);
        // Only counters are read again.
        sampler.saw_cgroup_dir("sys/fs/cgroup/devices", b"");
        let memory_events = CGROUP_FILES
            .iter()
            .position(|f| *f == "memory.events")
            .unwrap();
        assert_eq!(
            sampler.cgroup_dirs,
            [("sys/fs/cgroup".to_string(), 1u64 << memory_events)]
        );
        // The first pass took 0.5 s: sample 1 is due 2 s after the run's start.
        assert_eq!(sampler.next(SECOND / 2), Next::At(2 * SECOND));
        let jobs = sampler.start(2 * SECOND, 100, &[1, 3, 42, 50]);
        assert_eq!(jobs.len(), 6);
        // Known processes in the order the first pass wrote them.
        assert!(matches!(
            jobs[1],
            JobKind::SampleProcess {
                sample: 1,
                pid: 42,
                start_ticks: Some(7)
            }
        ));
        // Processes the first pass did not see are read whole.
        let new: Vec<u32> = jobs[3..5]
            .iter()
            .filter_map(|job| match job {
                JobKind::SampleProcess {
                    pid,
                    start_ticks: None,
                    ..
                } => Some(*pid),
                _ => None,
            })
            .collect();
        assert_eq!(new, [1, 50]);
        sampler.wrote(true);
        // Sample 1 ran 3 s, past its successor's due time: sample 2 starts at once.
        assert_eq!(sampler.next(5 * SECOND), Next::At(5 * SECOND));
        sampler.start(5 * SECOND, 100, &[]);
        assert_eq!(sampler.next(6 * SECOND), Next::Done);
        let sampling = sampler.into_manifest().unwrap();
        assert_eq!(sampling.samples[0].cgroups, 2);
        assert_eq!(sampling.requested, 3);
        assert_eq!(sampling.interval_ms, 2000);
        let starts: Vec<u64> = sampling.samples.iter().map(|t| t.started_ms).collect();
        assert_eq!(starts, [0, 2000, 5000]);
        assert_eq!(sampling.samples[1].processes, 1);
        assert_eq!(sampling.samples[0].processes, 2);
        assert_eq!(sampling.samples[1].finished_ms, 5000);
    }

    #[test]
    fn one_sample_remembers_nothing_and_writes_no_sampling() {
        let mut sampler = Sampler::new(1, SECOND);
        sampler.saw_process(42, Some(7));
        sampler.saw_cgroup_dir("sys/fs/cgroup", b"");
        assert!(sampler.processes.is_empty() && sampler.cgroup_dirs.is_empty());
        assert_eq!(sampler.next(SECOND), Next::Done);
        assert!(sampler.into_manifest().is_none());
    }
}
