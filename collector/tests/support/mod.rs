//! Test helpers: fake node trees in a temp dir, running the built collector with a time limit,
//! and reading a snapshot tarball back.

#![allow(dead_code)]

use flate2::read::GzDecoder;
use nodesnap_format::Manifest;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A directory under the system temp dir, removed on drop.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "nodesnap-test-{label}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        TempDir { path }
    }

    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = Command::new("chmod")
            .arg("-R")
            .arg("u+rwx")
            .arg(&self.path)
            .status();
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// One process of a fake tree.
pub struct FakeProcess<'a> {
    pub pid: u32,
    pub comm: &'a str,
    pub cmdline: &'a [&'a str],
    pub cgroup: &'a str,
    pub ns: &'a [(&'a str, &'a str)],
}

/// A node laid out as on a real machine, under a temp dir.
pub struct FakeTree {
    pub dir: TempDir,
}

impl FakeTree {
    pub fn new(label: &str) -> FakeTree {
        FakeTree {
            dir: TempDir::new(label),
        }
    }

    pub fn root(&self) -> &Path {
        &self.dir.path
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path.join(rel)
    }

    pub fn file(&self, rel: &str, content: impl AsRef<[u8]>) -> &Self {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
        self
    }

    pub fn dir(&self, rel: &str) -> &Self {
        fs::create_dir_all(self.path(rel)).unwrap();
        self
    }

    pub fn symlink(&self, rel: &str, target: &str) -> &Self {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        symlink(target, path).unwrap();
        self
    }

    pub fn chmod(&self, rel: &str, mode: u32) -> &Self {
        fs::set_permissions(self.path(rel), fs::Permissions::from_mode(mode)).unwrap();
        self
    }

    /// hostname, osrelease and the other node files.
    pub fn node(&self, hostname: &str, osrelease: &str) -> &Self {
        self.file("proc/sys/kernel/hostname", format!("{hostname}\n"))
            .file("proc/sys/kernel/osrelease", format!("{osrelease}\n"))
            .file("proc/sys/kernel/pid_max", "4194304\n")
            .file("proc/sys/kernel/random/boot_id", "0f3e2b1c-aaaa-bbbb-cccc-123456789abc\n")
            .file("proc/version", format!("Linux version {osrelease} (gcc)\n"))
            .file("proc/uptime", "1234.5 2345.6\n")
            .file("proc/loadavg", "0.10 0.20 0.30 1/100 4242\n")
            .file("proc/meminfo", "MemTotal: 2048000 kB\n")
            .file("proc/stat", "cpu  1 2 3 4\nbtime 1700000000\n")
            .file("proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t5\t10\t1\n")
            .file("usr/lib/os-release", "NAME=\"CentOS Linux\"\nVERSION_ID=\"7\"\n")
            .symlink("etc/os-release", "../usr/lib/os-release")
            .file(
                "etc/passwd",
                "root:x:0:0:root:/root:/bin/bash\nalice:$6$salt$HASHVALUE:1000:1000:Alice Secretname:/home/alice:/bin/zsh\n",
            )
            .file("etc/group", "root:x:0:\nwheel:x:10:alice,bob\n")
    }

    pub fn process(&self, process: &FakeProcess) -> &Self {
        let base = format!("proc/{}", process.pid);
        let mut cmdline = Vec::new();
        for arg in process.cmdline {
            cmdline.extend_from_slice(arg.as_bytes());
            cmdline.push(0);
        }
        self.file(
            &format!("{base}/stat"),
            format!(
                "{} ({}) S 1 {} {} 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 100 1000000 200 18446744073709551615\n",
                process.pid, process.comm, process.pid, process.pid
            ),
        )
        .file(
            &format!("{base}/status"),
            format!("Name:\t{}\nPid:\t{}\nPPid:\t1\nUid:\t0\t0\t0\t0\n", process.comm, process.pid),
        )
        .file(&format!("{base}/cmdline"), cmdline)
        .file(&format!("{base}/cgroup"), process.cgroup)
        .file(&format!("{base}/oom_score_adj"), "0\n")
        .dir(&format!("{base}/ns"));
        for (name, target) in process.ns {
            self.symlink(&format!("{base}/ns/{name}"), target);
        }
        self
    }

    /// A cgroup directory with the given files, relative to sys/fs/cgroup.
    pub fn cgroup(&self, rel: &str, files: &[(&str, &str)]) -> &Self {
        let base = format!("sys/fs/cgroup/{rel}");
        self.dir(&base);
        for (name, content) in files {
            self.file(&format!("{base}/{name}"), content);
        }
        self
    }

    /// A FIFO; opening it for reading blocks until a writer appears, which never happens.
    pub fn fifo(&self, rel: &str) -> &Self {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let _ = fs::remove_file(&path);
        let status = Command::new("mkfifo").arg(&path).status().unwrap();
        assert!(status.success());
        self
    }
}

pub const HOST_NS: &[(&str, &str)] = &[
    ("cgroup", "cgroup:[4026531835]"),
    ("ipc", "ipc:[4026531839]"),
    ("mnt", "mnt:[4026531840]"),
    ("net", "net:[4026531992]"),
    ("pid", "pid:[4026531836]"),
    ("pid_for_children", "pid:[4026531836]"),
    ("user", "user:[4026531837]"),
    ("uts", "uts:[4026531838]"),
];

/// A small CentOS-7-like node: three processes, cgroup v1 memory and cpu hierarchies.
pub fn small_node(label: &str) -> FakeTree {
    let tree = FakeTree::new(label);
    tree.node("fake-node-1", "3.10.0-1160.el7.x86_64");
    tree.process(&FakeProcess {
        pid: 1,
        comm: "systemd",
        cmdline: &["/usr/lib/systemd/systemd", "--switched-root", "--system"],
        cgroup: "5:memory:/\n4:cpu,cpuacct:/\n1:name=systemd:/\n",
        ns: HOST_NS,
    });
    tree.process(&FakeProcess {
        pid: 812,
        comm: "dockerd",
        cmdline: &["/usr/bin/dockerd", "-H", "fd://"],
        cgroup:
            "5:memory:/system.slice/docker.service\n4:cpu,cpuacct:/system.slice/docker.service\n",
        ns: HOST_NS,
    });
    tree.process(&FakeProcess {
        pid: 4242,
        comm: "nginx: worker (x)",
        cmdline: &["nginx", "-g", "daemon off;"],
        cgroup: "5:memory:/kubepods/besteffort/pod1234/abcd\n",
        ns: &[
            ("net", "net:[4026532500]"),
            ("pid", "pid:[4026532501]"),
            ("mnt", "mnt:[4026532502]"),
        ],
    });
    tree.cgroup(
        "memory",
        &[
            ("cgroup.procs", "1\n812\n"),
            ("memory.limit_in_bytes", "9223372036854771712\n"),
            ("memory.numa_stat", "total=0 N0=0\n"),
        ],
    );
    tree.cgroup(
        "memory/kubepods/besteffort/pod1234/abcd",
        &[
            ("cgroup.procs", "4242\n"),
            ("memory.limit_in_bytes", "268435456\n"),
            ("memory.usage_in_bytes", "1000\n"),
            ("memory.failcnt", "3\n"),
        ],
    );
    tree.cgroup(
        "cpu,cpuacct",
        &[
            ("cgroup.procs", "1\n"),
            ("cpu.shares", "1024\n"),
            ("cpu.cfs_quota_us", "-1\n"),
        ],
    );
    tree.symlink("sys/fs/cgroup/cpu", "cpu,cpuacct");
    tree.symlink("sys/fs/cgroup/cpuacct", "cpu,cpuacct");
    tree
}

/// Runs the built collector, killing it and failing the test after `limit`.
pub fn run_collector(args: &[&str], cwd: Option<&Path>, limit: Duration) -> (Output, Duration) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_collector"));
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    run_with_limit(command, limit)
}

pub fn run_with_limit(mut command: Command, limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = command.spawn().expect("collector runs");
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("collector did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let elapsed = started.elapsed();
    (child.wait_with_output().unwrap(), elapsed)
}

/// A snapshot read back from its tarball.
pub struct Snap {
    pub top: String,
    /// Files under `root/`, by path relative to the node's root: the individual entries and
    /// every record of every bundle (`proc/42/stat` from `root/proc/42/nodesnap-files.txt`).
    pub files: BTreeMap<String, Vec<u8>>,
    /// The records of each bundle in the order they were written, by directory relative to
    /// the node's root (`proc/42`, `sys/fs/cgroup/memory`).
    pub bundles: BTreeMap<String, Vec<(String, Vec<u8>)>>,
    /// Cgroup directories, known from their bundles.
    pub dirs: BTreeSet<String>,
    pub manifest: Manifest,
    pub metadata: serde_json::Value,
    /// Every entry name, as stored.
    pub names: Vec<String>,
    /// Entries of later samples, by path under `samples/` (`1/proc/42/nodesnap-files.txt`).
    pub samples: BTreeMap<String, Vec<u8>>,
}

impl Snap {
    pub fn text(&self, rel: &str) -> String {
        String::from_utf8_lossy(self.files.get(rel).unwrap_or_else(|| {
            panic!(
                "{rel} missing; have {:?}",
                self.files.keys().take(40).collect::<Vec<_>>()
            )
        }))
        .into_owned()
    }

    pub fn gap_reasons(&self, path: &str) -> Vec<String> {
        self.manifest
            .gaps
            .iter()
            .filter(|gap| gap.path == path)
            .map(|gap| gap.reason.as_str().to_string())
            .collect()
    }
}

/// The records of one bundle; panics on a damaged one, which the collector must never write.
pub fn decode_bundle(bundle: &[u8]) -> Vec<(String, Vec<u8>)> {
    nodesnap_format::bundle::records(bundle)
        .map(|record| {
            let record = record.unwrap_or_else(|error| panic!("bad bundle: {error}"));
            (
                String::from_utf8(bundle[record.name].to_vec()).unwrap(),
                bundle[record.content].to_vec(),
            )
        })
        .collect()
}

/// Reads a snapshot tarball; asserts on the way that no two entries share a path and that
/// every bundle decodes, so that every test checks both.
pub fn read_snapshot_bytes(bytes: &[u8]) -> Snap {
    let mut archive = tar::Archive::new(GzDecoder::new(bytes));
    let mut files = BTreeMap::new();
    let mut bundles = BTreeMap::new();
    let mut dirs = BTreeSet::new();
    let mut names = Vec::new();
    let mut top = String::new();
    let mut manifest = None;
    let mut metadata = serde_json::Value::Null;
    let mut samples = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        names.push(name.clone());
        let (first, rest) = name.split_once('/').unwrap();
        top = first.to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if rest == "manifest.yaml" {
            manifest = Some(serde_yaml::from_slice(&data).unwrap());
        } else if rest == "meta/runtime.json" {
            metadata = serde_json::from_slice(&data).unwrap();
        } else if let Some(rel) = rest.strip_prefix("samples/") {
            samples.insert(rel.to_string(), data);
        } else if let Some(rel) = rest.strip_prefix("root/") {
            assert!(
                !entry.header().entry_type().is_dir(),
                "a format_version 2 snapshot has no directory entries: {name}"
            );
            match rel.rsplit_once('/') {
                Some((dir, nodesnap_format::BUNDLE_FILE)) => {
                    let records = decode_bundle(&data);
                    for (file, content) in &records {
                        let path = format!("{dir}/{file}");
                        assert!(
                            files.insert(path.clone(), content.clone()).is_none(),
                            "{path} twice"
                        );
                    }
                    if dir.starts_with(nodesnap_format::CGROUP_ROOT) {
                        dirs.insert(dir.to_string());
                    }
                    bundles.insert(dir.to_string(), records);
                }
                _ => {
                    assert!(files.insert(rel.to_string(), data).is_none(), "{rel} twice");
                }
            }
        }
    }
    let unique: BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "two tar entries share a path");
    Snap {
        top,
        files,
        bundles,
        dirs,
        manifest: manifest.expect("manifest.yaml in the tarball"),
        metadata,
        names,
        samples,
    }
}

pub fn read_snapshot(path: &Path) -> Snap {
    read_snapshot_bytes(&fs::read(path).unwrap())
}

/// Collects `root` into a fresh file and reads it back; asserts exit 0.
pub fn collect_ok(root: &Path, extra: &[&str]) -> (Snap, Output) {
    let out = TempDir::new("out");
    let target = out.path.join("snap.tar.gz");
    let mut args = vec![
        "--root",
        root.to_str().unwrap(),
        "-o",
        target.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (output, _) = run_collector(&args, None, Duration::from_secs(180));
    assert!(
        output.status.success(),
        "collector failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (read_snapshot(&target), output)
}
