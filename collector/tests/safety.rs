//! The safety rules: blocking reads end as gaps within the timeout, vanished processes and
//! unreadable files are recorded, failed or interrupted writes leave no partial file, and
//! secrets never reach the tarball.

use crate::support::*;
use nodesnap_testing::{is_root, require, require_ok};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

#[test]
fn a_fifo_in_place_of_cmdline_times_out_as_a_gap_and_collection_goes_on() {
    let tree = small_node("fifo");
    tree.fifo("proc/812/cmdline");
    let out = TempDir::new("fifo-out");
    let target = out.path.join("s.tar.gz");
    let (output, elapsed) = run_collector(
        &[
            "--root",
            tree.root().to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
            "--read-timeout-ms",
            "300",
            "--timeout",
            "20",
        ],
        None,
        Duration::from_secs(20),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    let snap = read_snapshot(&target);
    assert_eq!(snap.gap_reasons("proc/812/cmdline"), vec!["timed_out"]);
    // The job resumes after the stuck item: the files read before and after cmdline end in
    // one bundle, the one entry of the pid's directory.
    let names: Vec<&str> = snap.bundles["proc/812"]
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(names, ["stat", "status", "cgroup", "oom_score_adj", "ns"]);
    let entries: Vec<&String> = snap
        .names
        .iter()
        .filter(|n| n.contains("/root/proc/812/"))
        .collect();
    assert_eq!(
        entries,
        [&format!("{}/root/proc/812/nodesnap-files.txt", snap.top)]
    );
    assert!(snap.files.contains_key("proc/4242/cmdline"));
    assert!(snap.dirs.contains("sys/fs/cgroup/memory"));
}

/// A small node whose processes `pids` block when their `file` is read (a FIFO in its place).
fn node_with_stuck_processes(label: &str, pids: std::ops::Range<u32>, file: &str) -> FakeTree {
    let tree = small_node(label);
    for pid in pids {
        tree.process(&FakeProcess {
            pid,
            comm: "stuck",
            cmdline: &["stuck"],
            cgroup: "5:memory:/\n",
            ns: HOST_NS,
        });
        tree.fifo(&format!("proc/{pid}/{file}"));
    }
    tree
}

/// Collects `tree` into `target` with the given per-read limit (ms) and run timeout (s).
fn collect_with_limits(
    tree: &FakeTree,
    target: &Path,
    read_timeout_ms: &str,
    timeout_secs: &str,
) -> (std::process::Output, Duration) {
    run_collector(
        &[
            "--root",
            tree.root().to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
            "--read-timeout-ms",
            read_timeout_ms,
            "--timeout",
            timeout_secs,
        ],
        None,
        Duration::from_secs(15),
    )
}

#[test]
fn records_read_before_the_deadline_are_written_for_jobs_still_in_flight() {
    let tree = node_with_stuck_processes("deadline-partial", 100..104, "status");
    let out = TempDir::new("deadline-partial-out");
    let target = out.path.join("s.tar.gz");
    // The per-read limit outlasts the run, so the blocked jobs are still in flight at the end.
    let (output, _) = collect_with_limits(&tree, &target, "10000", "2");
    assert!(output.status.success());
    let snap = read_snapshot(&target);
    let partial: Vec<u32> = (100..104)
        .filter(|pid| snap.bundles.contains_key(&format!("proc/{pid}")))
        .collect();
    assert!(!partial.is_empty(), "no stuck process kept its stat");
    for pid in partial {
        let records = &snap.bundles[&format!("proc/{pid}")];
        let names: Vec<&str> = records.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["stat"], "pid {pid}");
        assert!(String::from_utf8_lossy(&records[0].1).starts_with(&format!("{pid} (stuck)")));
        assert_eq!(
            snap.gap_reasons(&format!("proc/{pid}")),
            vec!["deadline_reached"]
        );
    }
}

#[test]
fn many_blocking_reads_still_end_within_the_run_timeout() {
    let tree = node_with_stuck_processes("many-fifos", 100..130, "status");
    let out = TempDir::new("many-out");
    let target = out.path.join("s.tar.gz");
    let (output, elapsed) = collect_with_limits(&tree, &target, "200", "3");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    let snap = read_snapshot(&target);
    let timed_out = snap
        .manifest
        .gaps
        .iter()
        .filter(|g| g.reason.as_str() == "timed_out")
        .count();
    assert!(timed_out >= 8, "{:?}", snap.manifest.gaps);
    // The processes before the stuck ones were read in full.
    assert!(snap.files.contains_key("proc/1/status"));
    assert!(snap.files.contains_key("proc/1/ns"));
    // Every process stuck on its status kept the stat read before it, in its one bundle,
    // also those whose resumed job was still queued when every reader was blocked.
    let mut stuck = 0;
    for pid in 100..130 {
        if snap.gap_reasons(&format!("proc/{pid}/status")) != ["timed_out"] {
            continue;
        }
        stuck += 1;
        let records = &snap.bundles[&format!("proc/{pid}")];
        assert_eq!(records[0].0, "stat", "pid {pid}");
        assert!(
            records.iter().all(|(name, _)| name != "status"),
            "pid {pid}"
        );
    }
    assert!(stuck >= 8, "{stuck} stuck processes");
}

#[test]
fn a_process_that_vanished_is_marked_not_left_partial() {
    let tree = small_node("vanished");
    // Only stat remains, as when a process exits between two reads.
    tree.file(
        "proc/5555/stat",
        "5555 (gone) Z 1 5555 5555 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0 0\n",
    );
    let (snap, _) = collect_ok(tree.root(), &[]);
    assert_eq!(snap.gap_reasons("proc/5555"), vec!["vanished"]);
    assert!(snap.files.contains_key("proc/5555/stat"));
    assert!(!snap.files.contains_key("proc/5555/cmdline"));
}

#[test]
fn a_file_over_the_cap_is_truncated_and_recorded() {
    let tree = small_node("truncate");
    tree.file("proc/4242/status", "x".repeat(5000));
    let (snap, _) = collect_ok(tree.root(), &["--max-file-bytes", "1000"]);
    assert_eq!(snap.files["proc/4242/status"].len(), 1000);
    assert_eq!(snap.gap_reasons("proc/4242/status"), vec!["truncated"]);
}

#[test]
fn the_total_cap_skips_files_and_records_it() {
    let tree = small_node("totalcap");
    let (snap, _) = collect_ok(tree.root(), &["--max-total-bytes", "600"]);
    assert!(snap.manifest.counts.bytes <= 600);
    assert!(snap
        .manifest
        .gaps
        .iter()
        .any(|g| g.reason.as_str() == "total_cap_reached"));
}

fn has_command(name: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn unreadable_files_are_permission_gaps_when_not_root() {
    require!(
        is_root() && has_command("setpriv"),
        "needs root and setpriv to run the collector as nobody"
    );
    let tree = small_node("perm");
    tree.chmod("proc/812/status", 0o000);
    tree.chmod("sys/fs/cgroup/memory/memory.limit_in_bytes", 0o000);
    let out = TempDir::new("perm-out");
    let _ = Command::new("chmod").arg("0777").arg(&out.path).status();
    let target = out.path.join("s.tar.gz");
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_collector"))
        .args([
            "--root",
            tree.root().to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let (output, _) = run_with_limit(command, Duration::from_secs(30));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let snap = read_snapshot(&target);
    assert_eq!(
        snap.gap_reasons("proc/812/status"),
        vec!["permission_denied"]
    );
    assert_eq!(
        snap.gap_reasons("sys/fs/cgroup/memory/memory.limit_in_bytes"),
        vec!["permission_denied"]
    );
    assert!(snap.files.contains_key("proc/812/stat"));
}

#[test]
fn an_unwritable_path_fails_with_one_line_naming_it() {
    let tree = small_node("unwritable");
    let (output, _) = run_collector(
        &[
            "--root",
            tree.root().to_str().unwrap(),
            "-o",
            "/nonexistent-dir/x/snap.tar.gz",
        ],
        None,
        Duration::from_secs(30),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("/nonexistent-dir/x/snap.tar.gz"),
        "{stderr}"
    );
}

/// A tmpfs mounted for one test and unmounted on drop, even when the test fails.
struct Mount {
    dir: TempDir,
}

impl Mount {
    fn tmpfs(label: &str, options: &str) -> Result<Mount, String> {
        let dir = TempDir::new(label);
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(&dir.path)
            .stderr(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("mount: {e}"))?;
        if status.success() {
            Ok(Mount { dir })
        } else {
            Err(format!("mount -t tmpfs -o {options} failed ({status})"))
        }
    }

    fn path(&self) -> &Path {
        &self.dir.path
    }

    fn entries(&self) -> Vec<String> {
        self.dir.entries()
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir.path).status();
    }
}

#[test]
fn a_full_disk_leaves_no_partial_file() {
    let mount = require_ok!(Mount::tmpfs("full", "size=64k"), "needs a tmpfs of 64 KiB");
    let tree = small_node("full-src");
    // Incompressible bytes, so that the tarball cannot fit in 64 KiB.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let noise: Vec<u8> = (0..400_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as u8
        })
        .collect();
    tree.file("proc/meminfo", noise);
    let target = mount.path().join("snap.tar.gz");
    let (output, _) = run_collector(
        &[
            "--root",
            tree.root().to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ],
        None,
        Duration::from_secs(30),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(target.to_str().unwrap()), "{stderr}");
    assert!(stderr.contains("No space left"), "{stderr}");
    assert!(mount.entries().is_empty(), "{:?}", mount.entries());
}

#[test]
fn a_read_only_directory_leaves_no_partial_file() {
    let mount = require_ok!(Mount::tmpfs("ro", "ro,size=64k"), "needs a read-only tmpfs");
    let tree = small_node("ro-src");
    let target = mount.path().join("snap.tar.gz");
    let (output, _) = run_collector(
        &[
            "--root",
            tree.root().to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ],
        None,
        Duration::from_secs(30),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(target.to_str().unwrap()) && stderr.contains("Read-only"),
        "{stderr}"
    );
    assert!(mount.entries().is_empty());
}

#[test]
fn sigterm_and_sigint_during_collection_leave_no_partial_file() {
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        let tree = small_node("signal");
        tree.fifo("proc/812/cmdline");
        let out = TempDir::new("signal-out");
        let target = out.path.join("s.tar.gz");
        let child = Command::new(env!("CARGO_BIN_EXE_collector"))
            .args([
                "--root",
                tree.root().to_str().unwrap(),
                "-o",
                target.to_str().unwrap(),
                "--read-timeout-ms",
                "30000",
            ])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(out.entries().len(), 1, "the temporary file exists mid-run");
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
        let started = std::time::Instant::now();
        let output = child.wait_with_output().unwrap();
        assert!(started.elapsed() < Duration::from_secs(3));
        assert_eq!(output.status.code(), Some(code), "SIG{signal}");
        assert!(out.entries().is_empty(), "SIG{signal}: {:?}", out.entries());
        assert!(String::from_utf8_lossy(&output.stderr).contains("no snapshot written"));
    }
}

const SECRETS: &[&str] = &[
    "hunter2pw",
    "s3cr3tTok",
    "AKIAIOSFODNN7EXAMPLE",
    "dbpass99",
    "redispw77",
];

fn secret_node(label: &str) -> FakeTree {
    let tree = small_node(label);
    tree.process(&FakeProcess {
        pid: 900,
        comm: "app",
        cmdline: &[
            "/app",
            "--password=hunter2pw",
            "--token",
            "s3cr3tTok",
            "--aws-id=AKIAIOSFODNN7EXAMPLE",
            "postgres://app:dbpass99@db/app",
            "--password-file=/etc/app/pw",
        ],
        cgroup: "5:memory:/\n",
        ns: HOST_NS,
    });
    tree.process(&FakeProcess {
        pid: 901,
        comm: "redis-server",
        cmdline: &["redis-server", "--requirepass", "redispw77"],
        cgroup: "5:memory:/\n",
        ns: HOST_NS,
    });
    tree
}

fn raw_tarball_text(snap: &Snap) -> String {
    snap.files
        .values()
        .map(|d| String::from_utf8_lossy(d).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn secrets_are_gone_from_the_tarball_by_default() {
    let tree = secret_node("secrets");
    let (snap, _) = collect_ok(tree.root(), &[]);
    let all = raw_tarball_text(&snap);
    for secret in SECRETS {
        assert!(!all.contains(secret), "{secret} leaked");
    }
    assert_eq!(
        snap.files["proc/900/cmdline"],
        b"/app\0--password=***\0--token\0***\0--aws-id=***\0postgres://app:***@db/app\0--password-file=/etc/app/pw\0"
    );
    assert_eq!(
        snap.files["proc/901/cmdline"],
        b"redis-server\0--requirepass\0***\0"
    );
}

#[test]
fn no_redact_keeps_and_no_cmdline_drops_command_lines() {
    let tree = secret_node("no-redact");
    let (verbatim, _) = collect_ok(tree.root(), &["--no-redact"]);
    assert_eq!(
        verbatim.manifest.options.cmdline,
        nodesnap_format::CmdlinePolicy::Verbatim
    );
    assert!(String::from_utf8_lossy(&verbatim.files["proc/900/cmdline"]).contains("hunter2pw"));
    let (dropped, _) = collect_ok(tree.root(), &["--no-cmdline"]);
    assert_eq!(
        dropped.manifest.options.cmdline,
        nodesnap_format::CmdlinePolicy::Dropped
    );
    assert!(!dropped.files.keys().any(|p| p.ends_with("/cmdline")));
    assert!(dropped.files.contains_key("proc/900/stat"));
}

#[test]
fn the_whole_run_is_bounded_by_timeout() {
    let tree = node_with_stuck_processes("deadline", 100..110, "stat");
    let out = TempDir::new("deadline-out");
    let target = out.path.join("s.tar.gz");
    let (output, elapsed) = collect_with_limits(&tree, &target, "5000", "1");
    assert!(output.status.success());
    assert!(elapsed < Duration::from_millis(2500), "took {elapsed:?}");
    let snap = read_snapshot(&target);
    assert!(snap
        .manifest
        .gaps
        .iter()
        .any(|g| g.reason.as_str() == "deadline_reached"));
}
