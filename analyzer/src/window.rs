//! The window of a snapshot with several samples: the diff engine run between the model of the
//! first sample and the model of the last (`Snapshot::at_sample`), narrowed with what every
//! sample in between says (a process in D state must be in D in each of them), plus the rates a
//! single sample cannot give: cpu use per container, pod and process. The interval judge
//! (`findings::interval`) then gives the findings of the window.

use crate::diff::{self, Diff};
use crate::findings;
use crate::model::window::{CpuUse, ProcessCpu, Window, WindowCounter};
use crate::model::{self, Finding, Model, Pid};
use crate::procfs;
use crate::snapshot::Snapshot;
use std::collections::{HashMap, HashSet};

/// Processes listed in `Window::top_processes`.
pub const TOP_PROCESSES: usize = 10;

/// Clock ticks a second in /proc/<pid>/stat (USER_HZ: 100 on every common kernel build).
const TICKS_PER_SECOND: f64 = 100.0;

/// The diff between the first and the last sample of `snapshot`, with the stricter "in every
/// sample" lists, and its interval findings. Null for a snapshot of one sample. `first` is the
/// model of the snapshot itself (from `model::build`).
pub fn observe(snapshot: &Snapshot, first: &Model) -> Option<(Window, Diff)> {
    let last_position = snapshot.sample_count().checked_sub(1).filter(|&p| p > 0)?;
    let last_snapshot = snapshot.at_sample(last_position)?;
    let last = model::build(&last_snapshot);
    drop(last_snapshot);
    let mut first = first.clone();
    if let Some(first_at) = snapshot.at_sample_time(0) {
        first.collection.started_at = first_at;
    }
    let mut diff = diff::compare(&first, &last);
    let every = judge(snapshot, &mut diff);
    let seconds = diff.interval_seconds.unwrap_or(0.0);
    let (cpu, top_processes) = cpu_use(&first, &last, seconds);
    let window = Window {
        samples: snapshot.sample_count(),
        first_at: first.collection.started_at.clone(),
        last_at: last.collection.started_at.clone(),
        seconds,
        cpu,
        top_processes,
        counters: diff
            .counters
            .iter()
            .map(|c| WindowCounter {
                cgroup: c.cgroup.clone(),
                counter: c.counter.as_str(),
                first: c.old,
                last: c.new,
                delta: c.delta,
                per_second: c.per_second,
                container_id: c.container_id.clone(),
                pod_uid: c.pod_uid.clone(),
            })
            .collect(),
        uninterruptible_every_sample: diff
            .processes
            .uninterruptible_in_both
            .iter()
            .map(|p| p.pid)
            .collect(),
        zombies_every_sample: every.zombies,
        zombies_per_sample: every.zombie_counts,
        threads_per_sample: every.thread_counts,
    };
    Some((window, diff))
}

/// Narrows the diff between the first and last sample of `snapshot` with what every sample
/// says (a process in D must be in D in each), then runs the interval judge on it, worded for
/// samples of one snapshot.
pub fn judge(snapshot: &Snapshot, diff: &mut Diff) -> EverySample {
    let every = EverySample::read(snapshot);
    diff.processes
        .uninterruptible_in_both
        .retain(|p| every.uninterruptible.contains(&(p.pid, p.start_ticks)));
    diff.findings.interval = reworded(findings::interval::evaluate(diff));
    every
}

/// The interval judge's findings, worded for the samples of one snapshot.
fn reworded(findings: Vec<Finding>) -> Vec<Finding> {
    findings
        .into_iter()
        .map(|mut f| {
            f.message = f
                .message
                .replace("in both snapshots", "in every sample")
                .replace(
                    "between the snapshots",
                    "between the first and last samples",
                )
                .replace("from the old snapshot", "from the first sample");
            f
        })
        .collect()
}

/// What each sample's process stat says, across all samples.
pub struct EverySample {
    /// (pid, start ticks) in state D in every sample.
    uninterruptible: HashSet<(Pid, Option<u64>)>,
    /// Pids that were zombies (same life) in every sample.
    zombies: Vec<Pid>,
    zombie_counts: Vec<usize>,
    thread_counts: Vec<u64>,
}

impl EverySample {
    fn read(snapshot: &Snapshot) -> EverySample {
        let mut every_d: Option<HashSet<(Pid, Option<u64>)>> = None;
        let mut every_z: Option<HashSet<(Pid, Option<u64>)>> = None;
        let (mut zombie_counts, mut thread_counts) = (Vec::new(), Vec::new());
        for position in 0..snapshot.sample_count() {
            let (mut d, mut z, mut threads) = (HashSet::new(), HashSet::new(), 0u64);
            snapshot.each_sampled_stat(position, |stat| {
                let life = (Pid(stat.pid), Some(stat.start_ticks));
                match stat.state {
                    'D' => {
                        d.insert(life);
                    }
                    'Z' => {
                        z.insert(life);
                    }
                    _ => {}
                }
                threads += u64::from(stat.num_threads);
            });
            zombie_counts.push(z.len());
            thread_counts.push(threads);
            every_d = Some(match every_d {
                None => d,
                Some(before) => before.intersection(&d).copied().collect(),
            });
            every_z = Some(match every_z {
                None => z,
                Some(before) => before.intersection(&z).copied().collect(),
            });
        }
        let mut zombies: Vec<Pid> = every_z
            .unwrap_or_default()
            .into_iter()
            .map(|l| l.0)
            .collect();
        zombies.sort();
        EverySample {
            uninterruptible: every_d.unwrap_or_default(),
            zombies,
            zombie_counts,
            thread_counts,
        }
    }
}

impl Snapshot {
    /// Calls `each` with the parsed stat of every process of sample `position`.
    fn each_sampled_stat(&self, position: usize, mut each: impl FnMut(&procfs::Stat)) {
        let mut read = |content: &[u8]| {
            if let Ok(stat) = procfs::parse_stat(&String::from_utf8_lossy(content)) {
                each(&stat);
            }
        };
        if position == 0 {
            for pid in self.pids() {
                if let Some(content) = self.file(&format!("proc/{pid}/stat")) {
                    read(content);
                }
            }
        } else if let Some(sample) = self.samples().get(position - 1) {
            sample.each_process_file("stat", &mut read);
        }
    }
}

/// Cpu use over `seconds` per container and pod (from cgroup usage and from process times),
/// and the busiest processes.
fn cpu_use(first: &Model, last: &Model, seconds: f64) -> (Vec<CpuUse>, Vec<ProcessCpu>) {
    if seconds <= 0.0 {
        return (Vec::new(), Vec::new());
    }
    let before: HashMap<(Pid, Option<u64>), u64> = first
        .processes
        .iter()
        .filter_map(|p| Some(((p.pid, p.start_ticks), p.cpu_ticks?)))
        .collect();
    let mut processes = Vec::new();
    let mut by_container: HashMap<&model::ContainerId, f64> = HashMap::new();
    let mut by_pod: HashMap<&model::PodUid, f64> = HashMap::new();
    for p in &last.processes {
        let (Some(now), Some(&then)) = (p.cpu_ticks, before.get(&(p.pid, p.start_ticks))) else {
            continue;
        };
        let cores = now.saturating_sub(then) as f64 / TICKS_PER_SECOND / seconds;
        if let Some(id) = &p.container_id {
            *by_container.entry(id).or_default() += cores;
        }
        if let Some(uid) = &p.pod_uid {
            *by_pod.entry(uid).or_default() += cores;
        }
        if cores > 0.0 {
            processes.push(ProcessCpu {
                pid: p.pid,
                comm: p.comm.clone(),
                container_id: p.container_id.clone(),
                pod_uid: p.pod_uid.clone(),
                cores,
            });
        }
    }
    processes.sort_by(|a, b| b.cores.total_cmp(&a.cores).then(a.pid.cmp(&b.pid)));
    processes.truncate(TOP_PROCESSES);
    let rate = |old: Option<u64>, new: Option<u64>| match (old, new) {
        (Some(old), Some(new)) if new >= old => Some((new - old) as f64 / 1e6 / seconds),
        _ => None,
    };
    let mut cpu = Vec::new();
    for c in &last.containers {
        let old = first.containers.iter().find(|o| o.id == c.id);
        cpu.push(CpuUse {
            kind: "container",
            container_id: Some(c.id.clone()),
            pod_uid: c.pod_uid.clone(),
            cores: rate(
                old.and_then(|o| o.usage.cpu_usage_usec),
                c.usage.cpu_usage_usec,
            ),
            cores_of_processes: by_container.get(&c.id).copied().unwrap_or(0.0),
        });
    }
    for p in &last.pods {
        let old = first.pods.iter().find(|o| o.uid == p.uid);
        cpu.push(CpuUse {
            kind: "pod",
            container_id: None,
            pod_uid: Some(p.uid.clone()),
            cores: rate(
                old.and_then(|o| o.usage.cpu_usage_usec),
                p.usage.cpu_usage_usec,
            ),
            cores_of_processes: by_pod.get(&p.uid).copied().unwrap_or(0.0),
        });
    }
    let busy = |c: &CpuUse| c.cores.unwrap_or(c.cores_of_processes);
    cpu.sort_by(|a, b| busy(b).total_cmp(&busy(a)).then(a.kind.cmp(b.kind)));
    (cpu, processes)
}

#[cfg(test)]
mod tests {
    use crate::model::testkit::{Fs, NodeBuilder, Proc};
    use crate::model::Pid;
    use crate::snapshot::{DirFiles, Sample, Snapshot};
    use nodesnap_format::{SampleTimes, Sampling};
    use std::collections::BTreeMap;

    /// /proc/<pid>/stat with the fields the model reads.
    fn stat(pid: u32, comm: &str, state: char, ppid: u32, utime: u64, threads: u32) -> String {
        format!(
            "{pid} ({comm}) {state} {ppid} {pid} {pid} 0 -1 4194560 100 0 0 0 {utime} 0 0 0 20 0 \
             {threads} 0 {} 1000000 256 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n",
            u64::from(pid) * 10
        )
    }

    fn cgroup_files(usage_usec: u64, periods: u64, throttled: u64, oom_kills: u64) -> DirFiles {
        let mut files = DirFiles::default();
        let cpu = format!(
            "usage_usec {usage_usec}\nnr_periods {periods}\nnr_throttled {throttled}\n\
             throttled_usec {}\n",
            throttled * 100
        );
        let memory = format!("low 0\nhigh 0\nmax 0\noom 0\noom_kill {oom_kills}\n");
        files.push("cpu.stat", cpu.as_bytes()).unwrap();
        files.push("memory.events", memory.as_bytes()).unwrap();
        files
    }

    /// A sample holding the stat of each (pid, comm, state, ppid, utime, threads) and the
    /// counters of /app.
    fn sample(
        index: u32,
        times: SampleTimes,
        processes: &[(u32, &str, char, u32, u64, u32)],
        app: DirFiles,
    ) -> Sample {
        let mut dirs = BTreeMap::new();
        for &(pid, comm, state, ppid, utime, threads) in processes {
            let mut files = DirFiles::default();
            let text = stat(pid, comm, state, ppid, utime, threads);
            files.push("stat", text.as_bytes()).unwrap();
            if !processes_of_first_pass().contains(&pid) {
                files.push("cgroup", b"0::/app\n").unwrap();
            }
            dirs.insert(format!("proc/{pid}"), files);
        }
        dirs.insert("sys/fs/cgroup/app".to_string(), app);
        dirs.insert("sys/fs/cgroup".to_string(), DirFiles::default());
        Sample::new(index, times, dirs)
    }

    fn processes_of_first_pass() -> [u32; 5] {
        [1, 100, 101, 200, 201]
    }

    fn times(started_ms: u64, finished_ms: u64) -> SampleTimes {
        SampleTimes {
            started_ms,
            finished_ms,
            processes: 5,
            cgroups: 2,
        }
    }

    /// Three samples of a node whose /app cgroup holds tar 100 in D throughout, tar 101 in D
    /// in the first and last sample only, a busy sh 200 whose zombies grow, and counters that
    /// grow: two OOM kills, 90 of 100 periods throttled.
    fn three_samples() -> Snapshot {
        let mut node = NodeBuilder::new(Fs::V2);
        node.process(Proc::new(1, 0, "init", "/sbin/init"));
        node.process(
            Proc::new(100, 1, "tar", "tar czf /b.tgz /data")
                .cgroup("/app")
                .state('D'),
        );
        node.process(
            Proc::new(101, 1, "tar", "tar czf /c.tgz /data")
                .cgroup("/app")
                .state('D'),
        );
        node.process(Proc::new(200, 1, "sh", "sh -c work").cgroup("/app"));
        node.process(Proc::new(201, 200, "gzip", "").cgroup("/app").state('Z'));
        node.cgroup_file("/app", "cgroup.controllers", "cpu memory pids\n");
        for (name, content) in cgroup_files(1_000_000, 100, 10, 0).iter() {
            node.cgroup_file("/app", name, &String::from_utf8_lossy(content));
        }
        let mut snapshot = node.build();
        let all = [times(0, 400), times(1000, 1100), times(2000, 2100)];
        snapshot.manifest.sampling = Some(Sampling {
            requested: 3,
            interval_ms: 1000,
            samples: all.to_vec(),
        });
        let middle = sample(
            1,
            all[1],
            &[
                (1, "init", 'S', 0, 5, 1),
                (100, "tar", 'D', 1, 5, 1),
                (101, "tar", 'S', 1, 5, 1),
                (200, "sh", 'S', 1, 100, 4),
                (201, "gzip", 'Z', 200, 5, 1),
            ],
            cgroup_files(1_500_000, 150, 50, 1),
        );
        let last = sample(
            2,
            all[2],
            &[
                (1, "init", 'S', 0, 5, 1),
                (100, "tar", 'D', 1, 5, 1),
                (101, "tar", 'D', 1, 5, 1),
                (200, "sh", 'S', 1, 205, 8),
                (201, "gzip", 'Z', 200, 5, 1),
                (202, "gzip", 'Z', 200, 5, 1),
            ],
            cgroup_files(3_000_000, 200, 100, 2),
        );
        snapshot.with_samples(vec![middle, last])
    }

    pub(crate) fn three_samples_for_views() -> Snapshot {
        three_samples()
    }

    #[test]
    fn the_window_has_rates_and_what_held_in_every_sample() {
        let model = crate::analyze(&three_samples());
        let window = model.window.as_ref().expect("a window for three samples");
        assert_eq!(window.samples, 3);
        // From the middle of the first pass (200 ms) to the middle of the last (2050 ms).
        assert!((window.seconds - 1.85).abs() < 1e-6, "{}", window.seconds);
        assert_eq!(window.first_at, "2020-06-17T02:28:00.200Z");
        assert_eq!(window.last_at, "2020-06-17T02:28:02.050Z");
        // 101 left D in the middle sample: passing, not stuck.
        assert_eq!(window.uninterruptible_every_sample, [Pid(100)]);
        assert_eq!(window.zombies_per_sample, [1, 1, 2]);
        assert_eq!(window.zombies_every_sample, [Pid(201)]);
        assert_eq!(window.threads_per_sample, [5, 8, 13]);
        let busiest = &window.top_processes[0];
        assert_eq!((busiest.pid, busiest.comm.as_str()), (Pid(200), "sh"));
        // 205 ticks then, 5 + 3 in the first pass: 1.97 s of cpu over 1.85 s.
        assert!(
            (busiest.cores - 1.97 / 1.85).abs() < 1e-6,
            "{}",
            busiest.cores
        );
        let counter = |name: &str| {
            window
                .counters
                .iter()
                .find(|c| c.cgroup == "/app" && c.counter == name)
                .unwrap_or_else(|| panic!("{name} in {:?}", window.counters))
        };
        assert_eq!(counter("oom_kills").delta, 2);
        assert_eq!(counter("cpu_nr_throttled").delta, 90);
        let per_second = counter("cpu_nr_throttled").per_second.unwrap();
        assert!((per_second - 90.0 / 1.85).abs() < 1e-4);
        let rules: Vec<(&str, &str)> = model
            .findings
            .iter()
            .map(|f| (f.rule.as_str(), f.message.as_str()))
            .collect();
        for rule in [
            "oom-kills-in-interval",
            "cpu-throttled-in-interval",
            "process-stuck-uninterruptible",
            "zombies-growing",
        ] {
            assert!(rules.iter().any(|(r, _)| *r == rule), "{rule}: {rules:#?}");
        }
        let stuck: Vec<&str> = rules
            .iter()
            .filter(|(r, _)| *r == "process-stuck-uninterruptible")
            .map(|(_, m)| *m)
            .collect();
        assert_eq!(stuck.len(), 1, "{stuck:?}");
        assert!(
            stuck[0].starts_with("tar 100 ") && stuck[0].contains("in every sample"),
            "{stuck:?}"
        );
        assert!(
            !rules.iter().any(|(_, m)| m.contains("snapshots")),
            "{rules:#?}"
        );
    }

    #[test]
    fn diff_of_one_snapshot_compares_its_first_and_last_samples() {
        let snapshot = three_samples();
        let diff = crate::analyze_samples_diff(&snapshot).expect("three samples");
        assert_eq!(diff.processes.started, 1, "gzip 202 started in the window");
        let stuck: Vec<Pid> = diff
            .processes
            .uninterruptible_in_both
            .iter()
            .map(|p| p.pid)
            .collect();
        assert_eq!(stuck, [Pid(100)]);
        assert!(diff
            .findings
            .interval
            .iter()
            .any(|f| f.rule == "oom-kills-in-interval"));
        let one = NodeBuilder::new(Fs::V2).build();
        assert!(crate::analyze_samples_diff(&one).is_none());
        assert!(crate::analyze(&one).window.is_none());
    }
}

#[cfg(test)]
mod summary_tests {
    use crate::views::text::{Palette, Width};

    #[test]
    fn the_summary_shows_the_window() {
        let model = crate::analyze(&super::tests::three_samples_for_views());
        let text = crate::views::summary::render(&model, Width::Unlimited, Palette::PLAIN);
        for needle in [
            "Window     3 samples over 1.9 s (2020-06-17T02:28:00.200Z to 2020-06-17T02:28:02.050Z)",
            "Busiest    sh 200 1.06 cores",
            "Grew       2 OOM kills, 1.1/s in /app; 90 periods throttled, 48.6/s in /app",
            "Held       in D state in every sample: 100; zombies 1 -> 2; threads 5 -> 13",
        ] {
            assert!(text.contains(needle), "{needle}\n{text}");
        }
    }
}
