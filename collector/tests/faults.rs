//! Faults on the node while the collector runs: pids exiting and being reused (in a fake tree
//! a thread mutates, and on the live system), processes hidden by hidepid, cgroup directories
//! removed mid-walk. Each run ends with a tarball, and no process mixes files from two lives.

use crate::support::*;
use nodesnap_testing::{is_root, require, require_ok};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// `(pid, comm)` from a stat line: comm is everything between the first `(` and the last `)`.
fn stat_pid_comm(stat: &str) -> Option<(u32, String)> {
    let open = stat.find(" (")?;
    let close = stat.rfind(')')?;
    let pid = stat[..open].parse().ok()?;
    Some((pid, stat.get(open + 2..close)?.to_string()))
}

/// A status field's value, such as `Name` or `Pid`.
fn status_field(status: &str, field: &str) -> Option<String> {
    status.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        (name == field).then(|| value.trim().to_string())
    })
}

/// One collected process's identity as each of its files tells it.
struct Seen {
    pid: u32,
    stat: Option<(u32, String)>,
    status_name: Option<String>,
    status_pid: Option<u32>,
    cmdline: Option<Vec<u8>>,
}

fn processes_of(snap: &Snap) -> Vec<Seen> {
    snap.files
        .keys()
        .filter_map(|path| {
            let rest = path.strip_prefix("proc/")?;
            let (pid, _) = rest.split_once('/')?;
            pid.parse::<u32>().ok()
        })
        .collect::<std::collections::BTreeSet<u32>>()
        .into_iter()
        .map(|pid| {
            let file = |name: &str| snap.files.get(&format!("proc/{pid}/{name}"));
            let text = |name: &str| file(name).map(|b| String::from_utf8_lossy(b).into_owned());
            let status = text("status");
            Seen {
                pid,
                stat: text("stat").as_deref().and_then(stat_pid_comm),
                status_name: status.as_deref().and_then(|s| status_field(s, "Name")),
                status_pid: status
                    .as_deref()
                    .and_then(|s| status_field(s, "Pid"))
                    .and_then(|p| p.parse().ok()),
                cmdline: file("cmdline").cloned(),
            }
        })
        .collect()
}

/// Writes one life of a fake process into `dir`: every file names the life.
fn write_life(dir: &Path, pid: u32, life: u64) {
    let comm = format!("l{life}p{pid}");
    fs::create_dir_all(dir.join("ns")).unwrap();
    fs::write(
        dir.join("stat"),
        format!("{pid} ({comm}) S 1 {pid} {pid} 0 -1 4194560 1 0 0 0 1 1 0 0 20 0 1 0 {life} 1000 20 18446744073709551615\n"),
    )
    .unwrap();
    fs::write(
        dir.join("status"),
        format!("Name:\t{comm}\nPid:\t{pid}\nPPid:\t1\nUid:\t0\t0\t0\t0\n"),
    )
    .unwrap();
    fs::write(dir.join("cmdline"), format!("life\0{life}\0{pid}\0")).unwrap();
    fs::write(dir.join("cgroup"), format!("5:memory:/churn/{life}\n")).unwrap();
    fs::write(dir.join("oom_score_adj"), "0\n").unwrap();
    for (name, target) in HOST_NS {
        std::os::unix::fs::symlink(target, dir.join("ns").join(name)).unwrap();
    }
}

/// Replaces each churned pid's directory with the next life, as the kernel does: the old
/// directory goes away whole and a new one appears under the same name.
fn churn_fake_pids(
    root: PathBuf,
    stage: PathBuf,
    pids: Vec<u32>,
    stop: Arc<AtomicBool>,
    lives: Arc<AtomicU64>,
) {
    let mut life = 0u64;
    while !stop.load(Ordering::Relaxed) {
        for &pid in &pids {
            life += 1;
            let next = stage.join(format!("next-{pid}"));
            let old = stage.join(format!("old-{pid}"));
            let _ = fs::remove_dir_all(&next);
            write_life(&next, pid, life);
            let live = root.join(format!("proc/{pid}"));
            let _ = fs::rename(&live, &old);
            // Now and then the pid stays free for a moment, as between exit and reuse.
            if life.is_multiple_of(7) {
                thread::yield_now();
            }
            fs::rename(&next, &live).unwrap();
            let _ = fs::remove_dir_all(&old);
        }
        lives.store(life, Ordering::Relaxed);
    }
}

/// Asserts that each process's files tell one life: stat's pid and comm, status's Pid and Name
/// and the life number in cmdline agree; returns how many processes were checked.
fn assert_one_life_each(snap: &Snap, run: usize) -> usize {
    let mut checked = 0;
    for seen in processes_of(snap) {
        let (Some((stat_pid, comm)), Some(name), Some(status_pid)) =
            (&seen.stat, &seen.status_name, seen.status_pid)
        else {
            continue;
        };
        assert_eq!(*stat_pid, seen.pid, "run {run}: stat of another pid");
        assert_eq!(status_pid, seen.pid, "run {run}: status of another pid");
        assert_eq!(comm, name, "run {run}: pid {} mixes two lives", seen.pid);
        if let (Some(cmdline), Some(life)) = (&seen.cmdline, comm.strip_prefix('l')) {
            let life = life.split('p').next().unwrap_or_default();
            let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
            if args.first() == Some(&&b"life"[..]) {
                assert_eq!(
                    args.get(1),
                    Some(&life.as_bytes()),
                    "run {run}: pid {} cmdline of another life",
                    seen.pid
                );
            }
        }
        checked += 1;
    }
    checked
}

#[test]
fn pids_reused_during_100_collections_of_a_fake_tree_never_mix_two_lives() {
    let tree = small_node("churn");
    let stage = TempDir::new("churn-stage");
    let pids: Vec<u32> = (3000..3024).collect();
    for &pid in &pids {
        write_life(&tree.path(&format!("proc/{pid}")), pid, 0);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let lives = Arc::new(AtomicU64::new(0));
    let churner = {
        let (root, stage, stop, lives) = (
            tree.root().to_path_buf(),
            stage.path.clone(),
            stop.clone(),
            lives.clone(),
        );
        let pids = pids.clone();
        thread::spawn(move || churn_fake_pids(root, stage, pids, stop, lives))
    };
    let out = TempDir::new("churn-out");
    let target = out.path.join("s.tar.gz");
    let mut checked = 0;
    let mut vanished = 0;
    let started = Instant::now();
    for run in 0..100 {
        let (output, _) = run_collector(
            &[
                "--root",
                tree.root().to_str().unwrap(),
                "-o",
                target.to_str().unwrap(),
                "-q",
            ],
            None,
            Duration::from_secs(60),
        );
        if !output.status.success() {
            stop.store(true, Ordering::Relaxed);
            panic!(
                "run {run} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let snap = read_snapshot(&target);
        checked += assert_one_life_each(&snap, run);
        vanished += snap
            .manifest
            .gaps
            .iter()
            .filter(|g| g.reason.as_str() == "vanished")
            .count();
        // The processes that do not churn are always there whole.
        assert!(snap.files.contains_key("proc/1/stat"), "run {run}");
    }
    stop.store(true, Ordering::Relaxed);
    churner.join().unwrap();
    let lives = lives.load(Ordering::Relaxed);
    eprintln!(
        "churn: 100 collections in {:?} while {lives} process lives came and went; \
         {checked} processes checked, {vanished} vanished gaps",
        started.elapsed()
    );
    assert!(lives > 100, "the churn thread barely ran ({lives} lives)");
    assert!(checked >= 100 * 3, "too few processes checked: {checked}");
}

/// Name given to the thread that spawns short-lived children: between fork and exec a child
/// still carries it as comm, which is one life changing its name, not two lives mixed.
const SPAWNER: &str = "nodesnap-churn";

#[test]
fn live_collections_while_short_lived_processes_come_and_go() {
    let stop = Arc::new(AtomicBool::new(false));
    let spawned = Arc::new(AtomicU64::new(0));
    let spawner = {
        let (stop, spawned) = (stop.clone(), spawned.clone());
        thread::Builder::new()
            .name(SPAWNER.into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let children: Vec<_> = (0..8)
                        .filter_map(|_| Command::new("sleep").arg("0.02").spawn().ok())
                        .collect();
                    for mut child in children {
                        let _ = child.kill();
                        let _ = child.wait();
                        spawned.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
            .unwrap()
    };
    let out = TempDir::new("live-churn-out");
    let target = out.path.join("s.tar.gz");
    let runs = 10;
    let started = Instant::now();
    let mut checked = 0;
    let mut vanished = 0;
    for run in 0..runs {
        let (output, _) = run_collector(
            &["--root", "/", "-o", target.to_str().unwrap(), "-q"],
            None,
            Duration::from_secs(120),
        );
        if !output.status.success() {
            stop.store(true, Ordering::Relaxed);
            panic!(
                "run {run} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let snap = read_snapshot(&target);
        for seen in processes_of(&snap) {
            let (Some((stat_pid, comm)), Some(name), Some(status_pid)) =
                (&seen.stat, &seen.status_name, seen.status_pid)
            else {
                continue;
            };
            assert_eq!(*stat_pid, seen.pid, "run {run}: stat of another pid");
            assert_eq!(status_pid, seen.pid, "run {run}: status of another pid");
            // Live, a process may exec between two reads (comm changes within one life);
            // the only such processes here are the spawner's children. A kernel worker's name
            // also shows the work it runs now or ran last (`kworker/0:2+cgroup_free`,
            // `kworker/0:1H-kblockd`), which changes from one read to the next: the same
            // thread, seen at two moments. Its id (`0:1H`, `u8:2`) holds neither `+` nor `-`.
            let worker = |text: &str| {
                let id = text.strip_prefix("kworker/")?;
                Some(id.split(['+', '-']).next().unwrap_or(id).to_string())
            };
            let same_life_rename = [comm.as_str(), name.as_str()].contains(&SPAWNER)
                || [comm.as_str(), name.as_str()].contains(&"sleep")
                || worker(comm).is_some_and(|w| worker(name) == Some(w));
            assert!(
                comm == name || same_life_rename,
                "run {run}: pid {} is {comm:?} in stat and {name:?} in status",
                seen.pid
            );
            checked += 1;
        }
        vanished += snap
            .manifest
            .gaps
            .iter()
            .filter(|g| g.reason.as_str() == "vanished")
            .count();
    }
    stop.store(true, Ordering::Relaxed);
    spawner.join().unwrap();
    eprintln!(
        "live churn: {runs} collections of / in {:?} while {} children were spawned and killed; \
         {checked} processes checked, {vanished} vanished gaps",
        started.elapsed(),
        spawned.load(Ordering::Relaxed)
    );
    assert!(spawned.load(Ordering::Relaxed) > 0);
    assert!(checked > runs, "too few processes checked: {checked}");
}

#[test]
fn processes_without_readable_files_are_gaps_and_the_rest_is_collected() {
    // As hidepid=1 shows them to others: the directory is listed, its files are not there or
    // not readable. A directory with no files at all is a process that left.
    let tree = small_node("hidden");
    tree.dir("proc/7001").chmod("proc/7001", 0o000);
    tree.dir("proc/7002");
    tree.file(
        "proc/7003/stat",
        "7003 (half) S 1 7003 7003 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0 0\n",
    );
    tree.chmod("proc/7003/stat", 0o000);
    // Root reads through modes, so as root the collector runs as nobody; otherwise it runs
    // unprivileged already. Either way it meets the modes.
    let snap = if is_root() {
        require!(has_setpriv(), "needs setpriv to collect as nobody");
        let _ = Command::new("chmod")
            .args(["-R", "a+rX"])
            .arg(tree.root())
            .status();
        tree.chmod("proc/7001", 0o000)
            .chmod("proc/7003/stat", 0o000);
        collect_as_nobody(tree.root(), "hidden-out").1
    } else {
        collect_ok(tree.root(), &[]).0
    };
    tree.chmod("proc/7001", 0o755)
        .chmod("proc/7003/stat", 0o644);
    eprintln!("hidden: gaps {:?}", snap.manifest.gaps);
    assert_eq!(snap.gap_reasons("proc/7001"), vec!["permission_denied"]);
    assert_eq!(
        snap.gap_reasons("proc/7003/stat"),
        vec!["permission_denied"]
    );
    assert!(!snap.files.keys().any(|f| f.starts_with("proc/7001/")));
    for pid in [7001, 7002, 7003] {
        let gaps: Vec<_> = snap
            .manifest
            .gaps
            .iter()
            .filter(|g| g.path.starts_with(&format!("proc/{pid}")))
            .collect();
        assert!(!gaps.is_empty(), "pid {pid} left no gap");
    }
    assert!(snap.files.contains_key("proc/1/stat"));
    assert!(snap.files.contains_key("proc/812/cmdline"));
}

/// A proc instance mounted on a temp dir, unmounted on drop even when the test fails.
struct ProcMount {
    dir: TempDir,
}

impl ProcMount {
    fn new(label: &str, options: &str) -> Result<ProcMount, String> {
        let dir = TempDir::new(label);
        fs::create_dir_all(dir.path.join("proc")).unwrap();
        let status = Command::new("mount")
            .args(["-t", "proc", "-o", options, "proc"])
            .arg(dir.path.join("proc"))
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("mount -t proc -o {options} failed ({status})"));
        }
        Ok(ProcMount { dir })
    }
}

impl Drop for ProcMount {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg(self.dir.path.join("proc"))
            .status();
    }
}

fn collect_as_nobody(root: &Path, label: &str) -> (std::process::Output, Snap) {
    let out = TempDir::new(label);
    let _ = Command::new("chmod").arg("0777").arg(&out.path).status();
    let target = out.path.join("s.tar.gz");
    let mut command = Command::new("setpriv");
    command
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_collector"))
        .args([
            "--root",
            root.to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
            "-q",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let (output, _) = run_with_limit(command, Duration::from_secs(120));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (output, read_snapshot(&target))
}

fn has_setpriv() -> bool {
    Command::new("setpriv").arg("--version").output().is_ok()
}

#[test]
fn a_real_hidepid_proc_hides_others_processes_from_an_unprivileged_collector() {
    require!(
        is_root() && has_setpriv(),
        "needs root (to mount proc) and setpriv (to collect as nobody)"
    );
    for (options, hidden_means) in [("hidepid=2", "absent"), ("hidepid=1", "gap or absent")] {
        let mount = require_ok!(
            ProcMount::new("hidepid", options),
            "needs a proc mount with {options}"
        );
        let (_, snap) = collect_as_nobody(&mount.dir.path, "hidepid-out");
        // pid 1 belongs to root: nobody must not have its files, only a gap or nothing.
        assert!(
            !snap.files.contains_key("proc/1/status") && !snap.files.contains_key("proc/1/cmdline"),
            "{options}: root's pid 1 was read by nobody"
        );
        let own: Vec<_> = processes_of(&snap)
            .into_iter()
            .filter(|p| p.status_name.is_some())
            .collect();
        assert!(
            !own.is_empty(),
            "{options}: the collector's own process should be visible"
        );
        for seen in &own {
            let uid = snap
                .files
                .get(&format!("proc/{}/status", seen.pid))
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .and_then(|s| status_field(&s, "Uid"))
                .unwrap_or_default();
            assert!(
                uid.starts_with("65534"),
                "{options}: pid {} (uid {uid}) is not nobody's",
                seen.pid
            );
        }
        let gaps = snap.manifest.gaps.len();
        eprintln!(
            "{options}: {} readable processes (nobody's), {gaps} gaps; others {hidden_means}",
            own.len()
        );
    }
}

/// Removes and re-creates a cgroup subtree in a loop, like a pod being deleted and recreated.
fn churn_dirs(base: PathBuf, stop: Arc<AtomicBool>, rounds: Arc<AtomicU64>) {
    while !stop.load(Ordering::Relaxed) {
        for child in 0..20 {
            let _ = fs::create_dir_all(base.join(format!("pod{child}/ctr")));
        }
        for child in 0..20 {
            let _ = fs::remove_dir(base.join(format!("pod{child}/ctr")));
            let _ = fs::remove_dir(base.join(format!("pod{child}")));
        }
        rounds.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn cgroup_dirs_removed_mid_walk_of_a_fake_tree_end_as_absent_or_gaps() {
    let tree = small_node("cg-churn");
    let base = tree.path("sys/fs/cgroup/memory/kubepods");
    fs::create_dir_all(&base).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicU64::new(0));
    let churner = {
        let (base, stop, rounds) = (base.clone(), stop.clone(), rounds.clone());
        thread::spawn(move || churn_dirs(base, stop, rounds))
    };
    let out = TempDir::new("cg-churn-out");
    let target = out.path.join("s.tar.gz");
    let mut seen_dirs = 0;
    for run in 0..50 {
        let (output, _) = run_collector(
            &[
                "--root",
                tree.root().to_str().unwrap(),
                "-o",
                target.to_str().unwrap(),
                "-q",
            ],
            None,
            Duration::from_secs(60),
        );
        if !output.status.success() {
            stop.store(true, Ordering::Relaxed);
            panic!(
                "run {run} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let snap = read_snapshot(&target);
        assert!(snap.dirs.contains("sys/fs/cgroup/memory"), "run {run}");
        seen_dirs += snap
            .dirs
            .iter()
            .filter(|d| d.contains("kubepods/pod"))
            .count();
        // A directory whose parent is missing would mean a half-recorded walk.
        for dir in snap.dirs.iter().filter(|d| d.contains("kubepods/")) {
            let parent = dir.rsplit_once('/').unwrap().0;
            assert!(
                snap.dirs.contains(parent),
                "run {run}: {dir} without {parent}"
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    churner.join().unwrap();
    eprintln!(
        "fake cgroup churn: 50 collections, {} rounds of 40 removals, {seen_dirs} pod dirs caught",
        rounds.load(Ordering::Relaxed)
    );
    assert!(rounds.load(Ordering::Relaxed) > 0);
}

/// A cgroup this test created under a real controller, removed on drop (children first).
struct RealCgroup {
    path: PathBuf,
}

impl Drop for RealCgroup {
    fn drop(&mut self) {
        for _ in 0..50 {
            for child in 0..20 {
                let _ = fs::remove_dir(self.path.join(format!("pod{child}/ctr")));
                let _ = fs::remove_dir(self.path.join(format!("pod{child}")));
            }
            if fs::remove_dir(&self.path).is_ok() || !self.path.exists() {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn real_cgroup_dirs_removed_while_collecting_the_live_node() {
    let controller = Path::new("/sys/fs/cgroup/memory");
    let base = controller.join(format!("nodesnap-test-{}", std::process::id()));
    require!(
        controller.is_dir(),
        "needs the cgroup v1 memory controller at {}",
        controller.display()
    );
    require_ok!(
        fs::create_dir(&base),
        "needs to create the cgroup {}",
        base.display()
    );
    let guard = RealCgroup { path: base.clone() };
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicU64::new(0));
    let churner = {
        let (base, stop, rounds) = (base.clone(), stop.clone(), rounds.clone());
        thread::spawn(move || churn_dirs(base, stop, rounds))
    };
    let out = TempDir::new("real-cg-out");
    let target = out.path.join("s.tar.gz");
    let rel = base
        .strip_prefix("/")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let mut caught = 0;
    for run in 0..5 {
        let (output, _) = run_collector(
            &["--root", "/", "-o", target.to_str().unwrap(), "-q"],
            None,
            Duration::from_secs(120),
        );
        if !output.status.success() {
            stop.store(true, Ordering::Relaxed);
            panic!(
                "run {run} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let snap = read_snapshot(&target);
        assert!(
            snap.dirs.contains(&rel),
            "run {run}: the test's cgroup is missing"
        );
        caught += snap
            .dirs
            .iter()
            .filter(|d| d.starts_with(&format!("{rel}/pod")))
            .count();
        for dir in snap
            .dirs
            .iter()
            .filter(|d| d.starts_with(&format!("{rel}/")))
        {
            let parent = dir.rsplit_once('/').unwrap().0;
            assert!(
                snap.dirs.contains(parent),
                "run {run}: {dir} without {parent}"
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    churner.join().unwrap();
    drop(guard);
    assert!(!base.exists(), "the test's cgroup was not cleaned up");
    eprintln!(
        "real cgroup churn: 5 collections of /, {} rounds of 40 rmdirs, {caught} pod dirs caught",
        rounds.load(Ordering::Relaxed)
    );
}

/// Whether a thread of `pid` is inside openat(2) (syscall 257 on x86-64), as when it opens a
/// FIFO that has no writer.
fn blocked_in_open(pid: u32) -> bool {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().any(|task| {
        fs::read_to_string(task.path().join("syscall")).is_ok_and(|s| s.starts_with("257 "))
    })
}

#[test]
fn a_pid_reused_while_its_read_is_stuck_is_not_resumed_into_the_new_process() {
    require!(
        cfg!(target_arch = "x86_64") && Path::new("/proc/self/syscall").exists(),
        "needs /proc/<pid>/syscall on x86-64 to see the stuck read"
    );
    let tree = small_node("reuse-stuck");
    let pid_dir = tree.path("proc/5000");
    write_life(&pid_dir, 5000, 1);
    tree.fifo("proc/5000/cmdline");
    let out = TempDir::new("reuse-stuck-out");
    let target = out.path.join("s.tar.gz");
    let mut collector = Command::new(env!("CARGO_BIN_EXE_collector"))
        .args([
            "--root",
            tree.root().to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ])
        .args(["-q", "--read-timeout-ms", "1000", "--timeout", "30"])
        .spawn()
        .unwrap();
    let waited = Instant::now();
    while !blocked_in_open(collector.id()) && waited.elapsed() < Duration::from_secs(20) {
        thread::sleep(Duration::from_millis(5));
    }
    let stuck = blocked_in_open(collector.id());
    // The process exits and its pid is reused while the collector waits on its cmdline.
    let stage = TempDir::new("reuse-stuck-stage");
    write_life(&stage.path.join("next"), 5000, 2);
    fs::rename(&pid_dir, stage.path.join("old")).unwrap();
    fs::rename(stage.path.join("next"), &pid_dir).unwrap();
    let status = collector.wait().unwrap();
    assert!(status.success());
    assert!(stuck, "the collector never blocked on the FIFO");
    let snap = read_snapshot(&target);
    assert_eq!(snap.gap_reasons("proc/5000/cmdline"), vec!["timed_out"]);
    assert!(snap.text("proc/5000/stat").contains("(l1p5000)"));
    for name in ["cgroup", "oom_score_adj", "ns"] {
        if let Some(data) = snap.files.get(&format!("proc/5000/{name}")) {
            assert!(
                !String::from_utf8_lossy(data).contains("churn/2"),
                "proc/5000/{name} comes from the pid's next life"
            );
        }
    }
    assert!(
        !snap.files.contains_key("proc/5000/cgroup"),
        "files after the stuck read must not be taken from the new life"
    );
    assert_eq!(snap.gap_reasons("proc/5000"), vec!["vanished"]);
    // What the first life gave before the stuck read is kept, in the pid's one bundle.
    let names: Vec<&str> = snap.bundles["proc/5000"]
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(names, ["stat", "status"]);
}
