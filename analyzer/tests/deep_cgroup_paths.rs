//! Hostile cgroup paths through the built analyzer: a sample snapshot plus a process naming a
//! 16,000-level path, one naming a 100,000-level path (200 KB, far under the entry limit), or
//! forty processes naming distinct 2,000-level paths (as long as the kernel allows). Every
//! command stays under the memory ceiling of docs/SECURITY.md, measured as the child's peak
//! RSS through wait4, and shows each path as a gap on the process it came from.
//!
//! Before paths were stored as a tree of names these cost 1.1 GB, 23 GB and 824 MB.

use bench::measure::{self, Measured};
use nodesnap_format::{bundle, BUNDLE_FILE, MANIFEST_PATH, METADATA_PATH};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The most any command may hold resident on these inputs (the sample alone takes about
/// 15 MiB). The figure is an upper bound: a child's ru_maxrss starts from what this test
/// process held when it spawned it (exec keeps the high-water mark of the image it replaces),
/// a few MiB here.
const CEILING_BYTES: u64 = 64 << 20;

/// A regression to quadratic memory dies here, not in the machine's OOM killer.
const ADDRESS_SPACE_LIMIT_BYTES: u64 = 4 << 30;

const SAMPLE: &str = "containerd-v2-systemd.tar.gz";
const FIRST_PID: u32 = 90_000;

/// A scratch directory removed when the test ends, failed or not.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("nodesnap-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../samples")
        .join(SAMPLE)
}

/// One process directory's bundle: a process of its own under pid 1, in `path` on cgroup v2.
fn process_bundle(pid: u32, path: &str) -> Vec<u8> {
    let stat = format!(
        "{pid} (deep) S 1 {pid} {pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 1000000 10 \
         18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"
    );
    let status = format!(
        "Name:\tdeep\nState:\tS (sleeping)\nTgid:\t{pid}\nPid:\t{pid}\nPPid:\t1\n\
         Uid:\t0\t0\t0\t0\nThreads:\t1\n"
    );
    let mut out = Vec::new();
    bundle::push_record(&mut out, "stat", stat.as_bytes());
    bundle::push_record(&mut out, "status", status.as_bytes());
    bundle::push_record(&mut out, "cmdline", b"deep\0");
    bundle::push_record(&mut out, "cgroup", format!("0::{path}\n").as_bytes());
    out
}

/// The sample with one process per path in `paths` and one cgroup directory (v2) per path in
/// `dirs` added before its runtime metadata and manifest (which the collector writes last).
fn hostile_snapshot(paths: &[String], dirs: &[String], out: &Path) {
    let file = std::fs::File::open(sample()).expect("the sample snapshot");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in archive.entries().expect("a tar archive") {
        let mut entry = entry.expect("an entry");
        let name = entry.path().expect("a name").to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("the entry's data");
        entries.push((name, data));
    }
    let top = entries[0].0.split('/').next().unwrap().to_string();
    let is_last = |name: &str| name.ends_with(METADATA_PATH) || name.ends_with(MANIFEST_PATH);
    let (last, mut all): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(n, _)| is_last(n));
    for (i, path) in paths.iter().enumerate() {
        let pid = FIRST_PID + i as u32;
        all.push((
            format!("{top}/root/proc/{pid}/{BUNDLE_FILE}"),
            process_bundle(pid, path),
        ));
    }
    for dir in dirs {
        let mut bundle = Vec::new();
        bundle::push_record(&mut bundle, "memory.max", b"max\n");
        all.push((
            format!("{top}/root/sys/fs/cgroup{dir}/{BUNDLE_FILE}"),
            bundle,
        ));
    }
    all.extend(last);
    let gz = flate2::write::GzEncoder::new(
        std::fs::File::create(out).expect("the hostile snapshot"),
        flate2::Compression::default(),
    );
    let mut builder = tar::Builder::new(gz);
    for (name, data) in all {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, &name, data.as_slice())
            .expect("an entry written");
    }
    builder.into_inner().unwrap().finish().unwrap();
}

/// Runs the analyzer with `args`, stdout to `stdout`, and returns what wait4 measured.
fn run_measured(args: &[&str], stdout: &Path, stderr: &Path) -> Measured {
    let mut command = Command::new(env!("CARGO_BIN_EXE_analyzer"));
    command
        .args(args)
        .stdout(std::fs::File::create(stdout).unwrap())
        .stderr(std::fs::File::create(stderr).unwrap());
    // SAFETY: setrlimit is async-signal-safe and touches nothing of the parent's.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: ADDRESS_SPACE_LIMIT_BYTES,
                rlim_max: ADDRESS_SPACE_LIMIT_BYTES,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    measure::run(&mut command, Duration::from_secs(120)).expect("the analyzer runs")
}

/// What each command printed, after checking that it succeeded within the ceiling.
struct Outputs {
    summary: String,
    cgls: String,
    model: serde_json::Value,
    report: String,
}

fn analyze(name: &str, snapshot: &Path, scratch: &Path) -> Outputs {
    let snap = snapshot.to_str().unwrap();
    let report = scratch.join(format!("{name}.html"));
    let commands: [(&str, Vec<&str>); 4] = [
        ("summary", vec!["summary", snap]),
        ("cgls", vec!["cgls", snap]),
        ("model", vec!["model", snap, "--format", "json"]),
        (
            "report",
            vec!["report", snap, "-o", report.to_str().unwrap()],
        ),
    ];
    let mut printed = Vec::new();
    for (label, args) in commands {
        let stdout = scratch.join(format!("{name}-{label}.out"));
        let stderr = scratch.join(format!("{name}-{label}.err"));
        let measured = run_measured(&args, &stdout, &stderr);
        let errors = std::fs::read_to_string(&stderr).unwrap_or_default();
        assert!(
            measured.succeeded(),
            "{name} {label}: {measured:?}\n{errors}"
        );
        assert!(
            measured.peak_rss_bytes <= CEILING_BYTES,
            "{name} {label}: peak RSS {} MiB, over the {} MiB ceiling",
            measured.peak_rss_bytes >> 20,
            CEILING_BYTES >> 20
        );
        eprintln!(
            "{name} {label}: {} ms, peak RSS {:.1} MiB",
            measured.wall.as_millis(),
            measured.peak_rss_bytes as f64 / (1 << 20) as f64
        );
        printed.push(std::fs::read_to_string(&stdout).unwrap());
    }
    let mut printed = printed.into_iter();
    let summary = printed.next().unwrap();
    let cgls = printed.next().unwrap();
    let model = serde_json::from_str(&printed.next().unwrap()).expect("the model as JSON");
    Outputs {
        summary,
        cgls,
        model,
        report: std::fs::read_to_string(&report).expect("the report"),
    }
}

fn count(model: &serde_json::Value, key: &str) -> usize {
    model[key].as_array().map_or(0, Vec::len)
}

/// Each added process is there, partial, with one gap on its cgroup file naming the path's
/// size; the sample's own pods, containers and cgroups are all still there.
fn assert_shown_as_gaps(
    name: &str,
    hostile: &Outputs,
    base: &Outputs,
    processes: usize,
    size: &str,
) {
    for key in ["pods", "containers", "cgroups", "namespaces"] {
        assert_eq!(
            count(&hostile.model, key),
            count(&base.model, key),
            "{name}: {key}"
        );
    }
    assert_eq!(
        count(&hostile.model, "processes"),
        count(&base.model, "processes") + processes,
        "{name}: processes"
    );
    assert_eq!(
        count(&hostile.model, "gaps"),
        count(&base.model, "gaps") + processes,
        "{name}: gaps"
    );
    for i in 0..processes {
        let pid = FIRST_PID + i as u32;
        let process = hostile.model["processes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["pid"] == pid)
            .unwrap_or_else(|| panic!("{name}: pid {pid} kept"));
        assert_eq!(process["partial"], true, "{name}: pid {pid}");
        assert_eq!(
            process["cgroups"],
            serde_json::json!([]),
            "{name}: pid {pid}"
        );
        let gap_path = format!("proc/{pid}/cgroup");
        let gap = hostile.model["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["path"] == gap_path.as_str())
            .unwrap_or_else(|| panic!("{name}: a gap on {gap_path}"));
        let detail = gap["detail"].as_str().unwrap();
        assert!(detail.contains(size), "{name}: {detail}");
        assert!(detail.contains("past the analyzer's limits of 64 levels and 4,096 bytes"));
        assert!(hostile.report.contains(&gap_path), "{name}: report");
    }
    assert!(
        hostile
            .summary
            .contains(&format!("proc/{FIRST_PID}/cgroup")),
        "{name}: summary\n{}",
        hostile.summary
    );
    assert!(
        hostile.report.contains(size),
        "{name}: report shows the size"
    );
    assert_eq!(hostile.cgls, base.cgls, "{name}: cgls shows the same tree");
}

#[test]
fn hostile_cgroup_paths_stay_under_the_memory_ceiling_and_show_as_gaps() {
    let scratch = Scratch::new("deep-cgroup-paths");
    let base = analyze("sample", &sample(), &scratch.0);
    let cases: [(&str, Vec<String>, &str); 3] = [
        (
            "16000-levels",
            vec!["/a".repeat(16_000)],
            "16,000 levels and 32,000 bytes",
        ),
        (
            "100000-levels",
            vec!["/a".repeat(100_000)],
            "100,000 levels and 200,000 bytes",
        ),
        (
            "40-x-2000-levels",
            (0..40)
                .map(|i| format!("/c{i:02}{}", "/a".repeat(1_999)))
                .collect(),
            "2,000 levels and 4,002 bytes",
        ),
    ];
    for (name, paths, size) in cases {
        let snapshot = scratch.0.join(format!("{name}.tar.gz"));
        hostile_snapshot(&paths, &[], &snapshot);
        let outputs = analyze(name, &snapshot, &scratch.0);
        assert_shown_as_gaps(name, &outputs, &base, paths.len(), size);
    }
}

/// The same for collected directories: 200 distinct chains of 1,990 levels (each name just
/// under the loader's 4,096 bytes). Every parent of every one as a full path would be 200 x
/// 4 MB; this took 1.86 GB before the snapshot's parents were budgeted.
#[test]
fn deep_cgroup_directories_stay_under_the_memory_ceiling_and_show_as_gaps() {
    let scratch = Scratch::new("deep-cgroup-dirs");
    let base = analyze("sample", &sample(), &scratch.0);
    let dirs: Vec<String> = (0..200)
        .map(|i| format!("/x{i:03}{}", "/a".repeat(1_989)))
        .collect();
    let snapshot = scratch.0.join("deep-dirs.tar.gz");
    hostile_snapshot(&[], &dirs, &snapshot);
    let hostile = analyze("deep-dirs", &snapshot, &scratch.0);
    for key in ["pods", "containers", "processes", "namespaces"] {
        assert_eq!(count(&hostile.model, key), count(&base.model, key), "{key}");
    }
    let gaps = hostile.model["gaps"].as_array().unwrap();
    for i in 0..200 {
        let cut = format!("sys/fs/cgroup/x{i:03}{}", "/a".repeat(64));
        let gap = gaps
            .iter()
            .find(|g| g["path"] == cut.as_str())
            .unwrap_or_else(|| panic!("a gap for x{i:03}"));
        let detail = gap["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("a cgroup directory 65 levels"),
            "{detail}"
        );
    }
    assert!(
        hostile.summary.contains("sys/fs/cgroup/x000/a/a"),
        "{}",
        hostile.summary
    );
    let deepest = hostile.model["cgroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap().matches('/').count())
        .max();
    assert!(deepest <= Some(64), "{deepest:?}");
    assert_eq!(hostile.cgls, base.cgls);
}
