//! One collection run: opens the root, queues a job per process, per cgroup directory and for
//! the node files, drives the reader pool under the per-read limit and the run's deadline,
//! streams every result into the snapshot, and writes the runtime metadata and the manifest last.
//!
//! The steps, in order: `prepare` (what -o names, the root, the hostname that names the
//! output), `open_output`, `start` (the run's state and its first jobs), `drive` (the loop over
//! the pool's answers), `finish` (metadata, manifest, the output put in place). The temporary
//! output file is removed by its own guard (`nodesnap_output::AtomicFile`, dropped without a
//! commit) on every early return, so no step cleans up by hand.

mod config;
mod meta;
mod node;
mod run;
mod workers;

pub use config::{CollectError, Config, OutputTarget, Progress, Summary};

use crate::archive::{EntryTap, Sink, SnapshotWriter};
use crate::discovery;
use crate::fsread;
use crate::pool::{Event, FileRead, Job, JobKind, Purpose, ReadContext};
use crate::runtime_dirs::{self, RuntimeLister};
use crate::sampling::{Next, Sampler};
use crate::signals;
use crate::time::{unix_seconds, UtcDateTime};
use node::{
    file_name_safe, gap, is_live_root, list_pids, open_root, read_small_bounded, reason_of,
    HOSTNAME_FILE,
};
use nodesnap_format::{
    CollectOptions, Counts, Gap, GapReason, Manifest, RuntimeMetadata, CGROUP_ROOT, FORMAT_VERSION,
    IDENTITY_FILES, MANIFEST_PATH, MAX_ENTRY_NAME_BYTES, METADATA_PATH, NODE_FILES,
    OPTIONAL_NODE_FILES, ROOT_DIR, SAMPLES_DIR,
};
use run::{InFlight, Run, SampleDir};
use std::collections::{HashMap, VecDeque};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use workers::{check_stuck, Workers};

/// Jobs handed to the pool but not finished; enough to keep the readers busy while this
/// thread compresses, few enough to bound memory.
const MAX_IN_FLIGHT: usize = 64;
/// How often the loop wakes to check for stuck reads, signals and the deadline.
const TICK: Duration = Duration::from_millis(20);

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

/// When the run started, and the deadline of its reads.
struct Clock {
    started: Instant,
    start_seconds: i64,
    /// The run's timeout less a reserve (a tenth, at most 2 s) for writing what was read.
    read_deadline: Instant,
}

impl Clock {
    fn start(config: &Config) -> Clock {
        let started = Instant::now();
        let reserve = (config.timeout / 10).min(Duration::from_secs(2));
        Clock {
            started,
            start_seconds: unix_seconds(SystemTime::now()),
            read_deadline: started + config.timeout.saturating_sub(reserve),
        }
    }
}

/// What the run knows before its output exists.
struct Prepared {
    root: OwnedFd,
    gaps: Vec<Gap>,
    hostname_bytes: Option<Vec<u8>>,
    hostname: Option<String>,
    /// The snapshot's top directory, `nodesnap-<hostname>-<stamp>`.
    top: String,
}

fn collect_with(
    config: &Config,
    progress: &mut dyn FnMut(&Progress),
    tap: Option<EntryTap>,
) -> Result<Summary, CollectError> {
    let clock = Clock::start(config);
    let prepared = prepare(config, &clock)?;
    let (sink, output) = open_output(config, &prepared.top, tap.is_some())?;
    let output_error = |source| CollectError::Output {
        path: output.clone(),
        source,
    };
    let hostname = prepared.hostname.clone();
    let (mut run, collector_pid) =
        start(config, prepared, sink, tap, &clock).map_err(output_error)?;
    if let Some(signal) = drive(&mut run, config, progress, &clock).map_err(output_error)? {
        return Err(CollectError::Interrupted { signal });
    }
    let manifest = manifest(config, &mut run, hostname, collector_pid, &clock);
    let gaps = run.gaps.len();
    let bytes = finish(run, &manifest, &output)?;
    Ok(Summary {
        output,
        processes: manifest.counts.processes,
        cgroups: manifest.counts.cgroups,
        gaps,
        elapsed: clock.started.elapsed(),
        bytes,
    })
}

/// Checks what -o names (a device, FIFO, socket, directory, symlink or hard-linked file is
/// refused here, before any work, not replaced at the end), opens the root and reads the
/// hostname, which names the output.
fn prepare(config: &Config, clock: &Clock) -> Result<Prepared, CollectError> {
    if let OutputTarget::Path(path) = &config.output {
        nodesnap_output::check_target(path).map_err(CollectError::Target)?;
    }
    let root = open_root(&config.root).map_err(|source| CollectError::Root {
        path: config.root.display().to_string(),
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
    let stamp = UtcDateTime::from_unix_seconds(clock.start_seconds).compact();
    let top = format!(
        "nodesnap-{}-{}",
        file_name_safe(hostname.as_deref().unwrap_or("unknown")),
        stamp
    );
    Ok(Prepared {
        root,
        gaps,
        hostname_bytes,
        hostname,
        top,
    })
}

/// The sink the snapshot is streamed into, and how the summary names it: a temporary file
/// beside the target (the automatic name in the working directory when -o is not given),
/// standard output, or nothing (`--review`).
fn open_output(config: &Config, top: &str, review: bool) -> Result<(Sink, String), CollectError> {
    match &config.output {
        _ if review => Ok((Sink::Discard, "review".to_string())),
        OutputTarget::Stdout => Ok((Sink::stdout(), "-".to_string())),
        target => {
            let path = match target {
                OutputTarget::Path(path) => path.clone(),
                _ => PathBuf::from(format!("{top}.tar.gz")),
            };
            let sink = Sink::create_file(&path).map_err(CollectError::Target)?;
            Ok((sink, path.display().to_string()))
        }
    }
}

/// The run's state and its first jobs: the node files, the runtime directories every node is
/// read for, a job per pid, and the cgroup tree's root. Returns the collector's own pid where
/// the root is the live system, so that the analyzer can leave it out.
fn start(
    config: &Config,
    prepared: Prepared,
    sink: Sink,
    tap: Option<EntryTap>,
    clock: &Clock,
) -> io::Result<(Run<Sink>, Option<u32>)> {
    let Prepared {
        root,
        mut gaps,
        hostname_bytes,
        top,
        ..
    } = prepared;
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
    let writer = SnapshotWriter::new(sink, &top, clock.start_seconds.max(0) as u64).with_tap(tap);
    let context = ReadContext::new(
        root,
        proc_dir,
        config.cmdline,
        config.max_file_bytes,
        config.max_total_bytes,
    );
    let mut run = Run {
        writer,
        gaps,
        counts: Counts::default(),
        metadata,
        records_by_config: HashMap::new(),
        pids_by_id: HashMap::new(),
        daemons: Vec::new(),
        lister: RuntimeLister::default(),
        kernel: None,
        total_cap_reached: false,
        context: Arc::new(context),
        pending: VecDeque::new(),
        pending_dirs: VecDeque::new(),
        take_dir_next: false,
        in_flight: HashMap::new(),
        carried: HashMap::new(),
        next_job_id: 0,
        sampler: Sampler::new(config.samples, config.interval),
    };
    if let Some(bytes) = &hostname_bytes {
        run.write_file(HOSTNAME_FILE, bytes)?;
    }
    run.queue(JobKind::Files {
        reads: node_reads(config.max_file_bytes),
    });
    for dir in discovery::default_dirs() {
        run.list_runtime_dir(&dir);
    }
    for pid in pids {
        run.queue(JobKind::Process { pid });
    }
    run.queue(JobKind::CgroupDir {
        rel: CGROUP_ROOT.to_string(),
    });
    Ok((run, collector_pid))
}

/// The node files copied as they are, and passwd/group, reduced.
fn node_reads(cap: u64) -> Vec<FileRead> {
    let read = |rel: &&str, purpose: Purpose| FileRead {
        rel: rel.to_string(),
        cap,
        follow_last: true,
        purpose,
    };
    NODE_FILES
        .iter()
        .chain(OPTIONAL_NODE_FILES)
        .filter(|rel| **rel != HOSTNAME_FILE)
        .map(|rel| read(rel, Purpose::Copy))
        .chain(
            IDENTITY_FILES
                .iter()
                .map(|rel| read(rel, Purpose::Identity)),
        )
        .collect()
}

/// Feeds the pool and takes its answers until every job is done, the readers are all stuck,
/// the deadline passes, or a signal arrives (returned, so that the run ends without a file).
fn drive(
    run: &mut Run<Sink>,
    config: &Config,
    progress: &mut dyn FnMut(&Progress),
    clock: &Clock,
) -> io::Result<Option<i32>> {
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
            return Ok(Some(signal));
        }
        if workers.live == 0 {
            let why = "every reader thread is blocked";
            run.abandon_all(GapReason::TimedOut, why, &workers, &event_rx)?;
            break;
        }
        if Instant::now() >= clock.read_deadline {
            let why = "the run's --timeout was reached";
            run.abandon_all(GapReason::DeadlineReached, why, &workers, &event_rx)?;
            break;
        }
        if run.total_cap_reached && run.has_pending() {
            for path in run.drain_pending()? {
                run.gaps.push(gap(path, GapReason::TotalCapReached, None));
            }
        }
        dispatch(run, &job_tx);
        if run.in_flight.is_empty() && !run.has_pending() {
            if next_sample(run, config, clock) {
                break;
            }
            continue;
        }
        take_answers(run, &event_rx)?;
        check_stuck(run, &mut workers, config)?;
        if last_progress.elapsed() >= Duration::from_millis(200) {
            last_progress = Instant::now();
            progress(&Progress {
                processes: run.counts.processes,
                cgroups: run.counts.cgroups,
                gaps: run.gaps.len(),
                elapsed: clock.started.elapsed(),
            });
        }
    }
    Ok(None)
}

/// With the pool idle: queues the next sample's jobs when it is due (after sleeping at most a
/// tick towards it). True when the run is done: every sample taken, or the next one could not
/// end before the deadline (then it and the later ones are `deadline_reached` gaps).
fn next_sample(run: &mut Run<Sink>, config: &Config, clock: &Clock) -> bool {
    let due = match run.sampler.next(clock.started.elapsed()) {
        Next::Done => return true,
        Next::At(due) => due,
    };
    if clock.started + due >= clock.read_deadline {
        for sample in run.sampler.next_index()..config.samples {
            run.gaps.push(gap(
                format!("{SAMPLES_DIR}/{sample}"),
                GapReason::DeadlineReached,
                Some("the run's --timeout came before this sample".to_string()),
            ));
        }
        return true;
    }
    let now = clock.started.elapsed();
    if now < due {
        // Not yet: `next` is asked again, and finds no sample open.
        std::thread::sleep((due - now).min(TICK));
        return false;
    }
    let pids = match &run.context.proc_dir {
        Some(dir) => list_pids(dir).unwrap_or_default(),
        None => Vec::new(),
    };
    for kind in run.sampler.start(now, config.max_file_bytes, &pids) {
        if let JobKind::SampleCgroupDir { sample, rel, .. } = &kind {
            // `samples/<k>` is longer than `root`: a directory at the name limit fits the
            // first pass but not a sample.
            let longer = SampleDir(*sample).to_string().len() - ROOT_DIR.len();
            if run.writer.bundle_name_len(rel) + longer > MAX_ENTRY_NAME_BYTES {
                run.gaps.push(gap(
                    kind.path(),
                    GapReason::Error,
                    Some(format!(
                        "its sample's bundle name would pass the format's limit of \
                         {MAX_ENTRY_NAME_BYTES} bytes; not sampled"
                    )),
                ));
                continue;
            }
        }
        run.queue(kind);
    }
    false
}

/// Hands pending jobs to the pool while fewer than `MAX_IN_FLIGHT` are out.
fn dispatch(run: &mut Run<Sink>, jobs: &mpsc::Sender<Job>) {
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
        if jobs.send(job).is_err() {
            break;
        }
    }
}

/// Waits up to one tick for the pool's next answer, then takes whatever else is ready before
/// the loop looks at the clock again.
fn take_answers(run: &mut Run<Sink>, events: &mpsc::Receiver<Event>) -> io::Result<()> {
    match events.recv_timeout(TICK) {
        Ok(event) => take(run, event)?,
        Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => return Ok(()),
    }
    while let Ok(event) = events.try_recv() {
        take(run, event)?;
        if run.in_flight.len() < MAX_IN_FLIGHT / 2 {
            break;
        }
    }
    Ok(())
}

fn take(run: &mut Run<Sink>, event: Event) -> io::Result<()> {
    match event {
        Event::Item(message) => run.handle(message),
        Event::Done { job, bundle } => run.finish(job, bundle),
    }
}

/// The manifest of a run that read what it could.
fn manifest(
    config: &Config,
    run: &mut Run<Sink>,
    hostname: Option<String>,
    collector_pid: Option<u32>,
    clock: &Clock,
) -> Manifest {
    Manifest {
        format_version: FORMAT_VERSION,
        collector_version: env!("CARGO_PKG_VERSION").to_string(),
        hostname,
        kernel: run.kernel.clone(),
        started_at: UtcDateTime::from_unix_seconds(clock.start_seconds).rfc3339(),
        finished_at: UtcDateTime::from_unix_seconds(unix_seconds(SystemTime::now())).rfc3339(),
        duration_ms: clock.started.elapsed().as_millis() as u64,
        collector_pid,
        options: CollectOptions {
            root: config.root.display().to_string(),
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
    }
}

/// Writes the runtime metadata and the manifest (the gaps sorted), finishes the stream and
/// puts the output in place. Returns the compressed size; a signal that arrived meanwhile
/// ends the run without a file.
fn finish(mut run: Run<Sink>, manifest: &Manifest, output: &str) -> Result<u64, CollectError> {
    let output_error = |source| CollectError::Output {
        path: output.to_string(),
        source,
    };
    run.finish_metadata();
    let metadata_json =
        serde_json::to_vec_pretty(&run.metadata).map_err(|e| output_error(io::Error::other(e)))?;
    run.writer
        .add_top_file(METADATA_PATH, &metadata_json)
        .map_err(output_error)?;
    // Unstable over every field (the same order a stable sort gives distinct gaps): each
    // stable sort's instance costs the static binary about 3 KB more than an unstable one.
    run.gaps.sort_unstable_by(|a, b| {
        (&a.path, a.reason, &a.detail).cmp(&(&b.path, b.reason, &b.detail))
    });
    let yaml = crate::yaml::manifest_to_yaml(manifest, &run.gaps)
        .map_err(|e| output_error(io::Error::other(e)))?;
    run.writer
        .add_top_file(MANIFEST_PATH, yaml.as_bytes())
        .map_err(output_error)?;
    if let Some(signal) = signals::received() {
        return Err(CollectError::Interrupted { signal });
    }
    let (sink, bytes) = run.writer.finish().map_err(output_error)?;
    sink.commit().map_err(CollectError::Target)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::node::file_name_safe;
    use super::run::item_path;
    use crate::pool::{FileRead, JobKind, Purpose, PROCESS_ITEM_NS};
    use nodesnap_format::{CGROUP_FILES, MAX_TOP_HOSTNAME_BYTES};

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
