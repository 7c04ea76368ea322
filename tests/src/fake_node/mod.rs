//! A declarative description of a Linux node (facts, processes, cgroups, runtime files) that
//! renders to a directory laid out exactly as the kernel and the runtimes lay out `/`.
//!
//! Describe the node with [`FakeNode`], [`Process`] and [`CgroupSpec`], then call
//! [`FakeNode::write_to`]. The collector, run with `--root DIR`, reads the result as if it were
//! the live system. Rendering of each file format lives in `render`, disk IO in `write`.
//!
//! ```no_run
//! use nodesnap_tests::fake_node::*;
//! # fn facts() -> NodeFacts { unimplemented!() }
//! let mut node = FakeNode::new(facts(), CgroupSetup::v2(&["cpu", "memory", "pids"]));
//! node.process(Process::new(1, 0, &["/sbin/init"]).comm("systemd").cgroup("/init.scope"));
//! let pause = NsSet { net: 4026532662, ipc: 4026532659, ..NsSet::host() };
//! node.process(
//!     Process::new(4242, 1, &["/pause"])
//!         .cgroup("/kubepods/besteffort/pod1234/abcd")
//!         .ns(pause)
//!         .inner_pids(&[1])
//!         .oom_score_adj(-998),
//! );
//! node.cgroup("/kubepods/besteffort/pod1234", CgroupSpec::new().cpu_shares(2).pids_limit(1024));
//! node.file("run/containerd/io.containerd.runtime.v2.task/k8s.io/abcd/config.json", "{}");
//! node.write_to(std::path::Path::new("/tmp/node"))?;
//! # Ok::<(), WriteError>(())
//! ```
//!
//! What the kernel version changes (NSpid from 4.1, cgroup namespace links from 4.6, `Umask`
//! from 4.7, time namespaces from 5.6, `memory.peak` from 5.19...) follows
//! `NodeFacts::kernel_release`.

mod render;
mod write;

pub use render::{cgroup_file_text, cmdline_bytes, cpu_mask, stat_line, status_text};
pub use write::WriteError;

use std::collections::{BTreeMap, BTreeSet};

/// Clock ticks per second of every kernel we fake (`CONFIG_HZ` as seen by userspace).
pub const CLOCK_TICKS: u64 = 100;

/// How the node mounts cgroups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupMode {
    /// One hierarchy per controller group under `sys/fs/cgroup/<dir>`.
    V1,
    /// One unified hierarchy at `sys/fs/cgroup`.
    V2,
    /// V1 hierarchies plus a controller-less unified one at `sys/fs/cgroup/unified`.
    Hybrid,
}

/// One v1 hierarchy as the kernel names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1Hierarchy {
    /// The hierarchy id, the first field of `/proc/<pid>/cgroup`.
    pub id: u32,
    /// The second field of `/proc/<pid>/cgroup`, in the kernel's order (`cpuacct,cpu` on 3.10,
    /// `cpu,cpuacct` on newer kernels).
    pub proc_name: String,
    /// The mount point's directory name under `sys/fs/cgroup` (`cpu,cpuacct`).
    pub dir: String,
    /// Symlinks systemd makes beside a co-mounted hierarchy (`cpu -> cpu,cpuacct`).
    pub aliases: Vec<String>,
}

impl V1Hierarchy {
    pub fn new(id: u32, proc_name: &str, dir: &str, aliases: &[&str]) -> Self {
        V1Hierarchy {
            id,
            proc_name: proc_name.to_string(),
            dir: dir.to_string(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// The controllers this hierarchy carries; `name=systemd` carries none.
    pub fn controllers(&self) -> Vec<&str> {
        self.proc_name
            .split(',')
            .filter(|c| !c.starts_with("name="))
            .collect()
    }

    pub fn has(&self, controller: &str) -> bool {
        self.controllers().contains(&controller)
    }
}

/// The v1 hierarchies of a CentOS 7 (3.10) node, in the kernel's order as the seed
/// walkthrough prints them.
pub fn el7_hierarchies() -> Vec<V1Hierarchy> {
    vec![
        V1Hierarchy::new(11, "memory", "memory", &[]),
        V1Hierarchy::new(10, "cpuset", "cpuset", &[]),
        V1Hierarchy::new(9, "devices", "devices", &[]),
        V1Hierarchy::new(8, "blkio", "blkio", &[]),
        V1Hierarchy::new(
            7,
            "net_prio,net_cls",
            "net_cls,net_prio",
            &["net_cls", "net_prio"],
        ),
        V1Hierarchy::new(6, "perf_event", "perf_event", &[]),
        V1Hierarchy::new(5, "pids", "pids", &[]),
        V1Hierarchy::new(4, "cpuacct,cpu", "cpu,cpuacct", &["cpu", "cpuacct"]),
        V1Hierarchy::new(3, "hugetlb", "hugetlb", &[]),
        V1Hierarchy::new(2, "freezer", "freezer", &[]),
        V1Hierarchy::new(1, "name=systemd", "systemd", &[]),
    ]
}

/// The v1 hierarchies of a 4.x/5.x node with systemd (Amazon Linux 2, RHEL 8, Ubuntu 20.04).
pub fn modern_v1_hierarchies() -> Vec<V1Hierarchy> {
    vec![
        V1Hierarchy::new(12, "pids", "pids", &[]),
        V1Hierarchy::new(11, "blkio", "blkio", &[]),
        V1Hierarchy::new(10, "devices", "devices", &[]),
        V1Hierarchy::new(9, "memory", "memory", &[]),
        V1Hierarchy::new(8, "rdma", "rdma", &[]),
        V1Hierarchy::new(7, "cpu,cpuacct", "cpu,cpuacct", &["cpu", "cpuacct"]),
        V1Hierarchy::new(6, "freezer", "freezer", &[]),
        V1Hierarchy::new(5, "perf_event", "perf_event", &[]),
        V1Hierarchy::new(4, "hugetlb", "hugetlb", &[]),
        V1Hierarchy::new(3, "cpuset", "cpuset", &[]),
        V1Hierarchy::new(
            2,
            "net_cls,net_prio",
            "net_cls,net_prio",
            &["net_cls", "net_prio"],
        ),
        V1Hierarchy::new(1, "name=systemd", "systemd", &[]),
    ]
}

/// Where the node's cgroup hierarchies are and which controllers they carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupSetup {
    pub mode: CgroupMode,
    /// Empty on a pure v2 node.
    pub v1: Vec<V1Hierarchy>,
    /// The root's `cgroup.controllers` on v2; empty for hybrid's unified hierarchy.
    pub v2_controllers: Vec<String>,
}

impl CgroupSetup {
    pub fn v1(hierarchies: Vec<V1Hierarchy>) -> Self {
        CgroupSetup {
            mode: CgroupMode::V1,
            v1: hierarchies,
            v2_controllers: Vec::new(),
        }
    }

    pub fn hybrid(hierarchies: Vec<V1Hierarchy>) -> Self {
        CgroupSetup {
            mode: CgroupMode::Hybrid,
            v1: hierarchies,
            v2_controllers: Vec::new(),
        }
    }

    pub fn v2(controllers: &[&str]) -> Self {
        CgroupSetup {
            mode: CgroupMode::V2,
            v1: Vec::new(),
            v2_controllers: controllers.iter().map(|c| c.to_string()).collect(),
        }
    }

    /// Every hierarchy, each with the key processes use to override their path in it
    /// (`Process::cgroup_in`): the v1 directory name, `unified` for hybrid's v2 hierarchy,
    /// and `` for a pure v2 node.
    pub fn hierarchies(&self) -> Vec<Hierarchy> {
        let mut all: Vec<Hierarchy> = self
            .v1
            .iter()
            .map(|h| Hierarchy {
                key: h.dir.clone(),
                mount_dir: format!("sys/fs/cgroup/{}", h.dir),
                v1: Some(h.clone()),
                controllers: h.controllers().iter().map(|c| c.to_string()).collect(),
            })
            .collect();
        match self.mode {
            CgroupMode::V1 => {}
            CgroupMode::V2 => all.push(Hierarchy {
                key: String::new(),
                mount_dir: "sys/fs/cgroup".to_string(),
                v1: None,
                controllers: self.v2_controllers.clone(),
            }),
            CgroupMode::Hybrid => all.push(Hierarchy {
                key: "unified".to_string(),
                mount_dir: "sys/fs/cgroup/unified".to_string(),
                v1: None,
                controllers: Vec::new(),
            }),
        }
        all
    }
}

/// One mounted hierarchy, v1 or v2, as the writer walks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    pub key: String,
    /// Relative to the node's root.
    pub mount_dir: String,
    /// `None` for a v2 hierarchy.
    pub v1: Option<V1Hierarchy>,
    pub controllers: Vec<String>,
}

impl Hierarchy {
    pub fn has(&self, controller: &str) -> bool {
        self.controllers.iter().any(|c| c == controller)
    }
}

/// Facts of the node that are not processes or cgroups.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeFacts {
    pub hostname: String,
    /// `uname -r`, such as `3.10.0-957.el7.x86_64`.
    pub kernel_release: String,
    /// The rest of `/proc/version` after the release: `(builder) (compiler) #1 SMP date`.
    pub kernel_build: String,
    /// The whole `etc/os-release`.
    pub os_release: String,
    /// Seconds since the epoch at boot (`btime` in `/proc/stat`).
    pub boot_epoch: u64,
    /// Uptime at the moment of the snapshot, in hundredths of a second.
    pub uptime_centis: u64,
    pub boot_id: String,
    pub pid_max: u32,
    pub cpus: u32,
    pub mem_total_kb: u64,
    pub mem_available_kb: u64,
    /// `etc/passwd` and `etc/group` lines, without trailing newlines.
    pub passwd: Vec<String>,
    pub group: Vec<String>,
    /// Lines appended to pid 1's mountinfo after the standard ones (container rootfs, shm...).
    pub extra_mounts: Vec<String>,
    /// The block device and filesystem of `/` in mountinfo, such as `253:0 xfs
    /// /dev/mapper/centos-root rw,attr2,inode64,noquota`.
    pub root_mount: String,
}

impl NodeFacts {
    /// The (major, minor) of the kernel release; decides which files and fields exist.
    pub fn kernel_version(&self) -> (u32, u32) {
        let mut parts = self
            .kernel_release
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|p| p.parse::<u32>().ok());
        let major = parts.next().unwrap_or(0);
        let minor = parts.next().unwrap_or(0);
        (major, minor)
    }

    pub fn kernel_at_least(&self, major: u32, minor: u32) -> bool {
        self.kernel_version() >= (major, minor)
    }
}

/// The namespace types in `/proc/<pid>/ns`, with the kernel version that added each link.
pub const NS_TYPES: &[(&str, (u32, u32))] = &[
    ("cgroup", (4, 6)),
    ("ipc", (3, 0)),
    ("mnt", (3, 8)),
    ("net", (3, 0)),
    ("pid", (3, 8)),
    ("pid_for_children", (4, 12)),
    ("time", (5, 6)),
    ("time_for_children", (5, 6)),
    ("user", (3, 8)),
    ("uts", (3, 0)),
];

/// The namespace inodes of one process. `pid_for_children` and `time_for_children` follow
/// `pid` and `time` unless set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NsSet {
    pub cgroup: u64,
    pub ipc: u64,
    pub mnt: u64,
    pub net: u64,
    pub pid: u64,
    pub pid_for_children: Option<u64>,
    pub time: u64,
    pub user: u64,
    pub uts: u64,
}

impl NsSet {
    /// The initial namespaces every kernel we fake gives pid 1 (the inode numbers are fixed by
    /// the kernel: `proc_inum` starts at 0xEFFFFFFF and the initial namespaces take the first).
    pub const fn host() -> Self {
        NsSet {
            cgroup: 4026531835,
            ipc: 4026531839,
            mnt: 4026531840,
            net: 4026531956,
            pid: 4026531836,
            pid_for_children: None,
            time: 4026531834,
            user: 4026531837,
            uts: 4026531838,
        }
    }

    /// The inode of one link by its name in `/proc/<pid>/ns`.
    pub fn get(&self, link: &str) -> Option<u64> {
        match link {
            "cgroup" => Some(self.cgroup),
            "ipc" => Some(self.ipc),
            "mnt" => Some(self.mnt),
            "net" => Some(self.net),
            "pid" => Some(self.pid),
            "pid_for_children" => Some(self.pid_for_children.unwrap_or(self.pid)),
            "time" | "time_for_children" => Some(self.time),
            "user" => Some(self.user),
            "uts" => Some(self.uts),
            _ => None,
        }
    }
}

/// What `/proc/<pid>/cmdline` holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmdline {
    /// The argv as exec'd: each argument NUL-terminated.
    Args(Vec<String>),
    /// A title written over argv (setproctitle: nginx, sshd, postgres), followed by `pad` NUL
    /// bytes; with `pad` 0 the kernel returns the title without any terminator.
    Retitled { title: String, pad: usize },
    /// Kernel threads and zombies: an empty file.
    Empty,
}

/// One process (thread group) of the node.
#[derive(Debug, Clone, PartialEq)]
pub struct Process {
    pub pid: u32,
    pub ppid: u32,
    /// At most 15 bytes, as the kernel truncates it.
    pub comm: String,
    pub cmdline: Cmdline,
    /// The `stat` state letter: R, S, D, Z, T, I.
    pub state: char,
    pub uid: u32,
    pub gid: u32,
    pub threads: u32,
    pub rss_kb: u64,
    pub vsize_kb: u64,
    /// Start time in clock ticks after boot (`stat` field 22).
    pub start_ticks: u64,
    pub utime_ticks: u64,
    pub stime_ticks: u64,
    pub oom_score_adj: i32,
    pub nice: i32,
    /// `None`: the process leads its own group / session.
    pub pgrp: Option<u32>,
    pub session: Option<u32>,
    pub tty_nr: i32,
    pub tpgid: i32,
    /// Pids in the nested pid namespaces, outermost first, after the host pid (`NSpid: 19057 1`
    /// is `vec![1]`).
    pub inner_pids: Vec<u32>,
    /// The cgroup path in every hierarchy unless `cgroup_overrides` names that hierarchy.
    pub cgroup: String,
    /// Hierarchy key (see [`CgroupSetup::hierarchies`]) to path.
    pub cgroup_overrides: BTreeMap<String, String>,
    pub ns: NsSet,
    pub kernel_thread: bool,
}

impl Process {
    /// A sleeping root process in the host's namespaces and the root cgroup, its comm taken
    /// from the file name of `argv[0]`.
    pub fn new(pid: u32, ppid: u32, argv: &[&str]) -> Self {
        let first = argv.first().copied().unwrap_or("");
        let base = first.rsplit('/').next().unwrap_or(first);
        Process {
            pid,
            ppid,
            comm: truncate_comm(base),
            cmdline: Cmdline::Args(argv.iter().map(|a| a.to_string()).collect()),
            state: 'S',
            uid: 0,
            gid: 0,
            threads: 1,
            rss_kb: 2048,
            vsize_kb: 16384,
            start_ticks: 0,
            utime_ticks: 1,
            stime_ticks: 1,
            oom_score_adj: 0,
            nice: 0,
            pgrp: None,
            session: None,
            tty_nr: 0,
            tpgid: -1,
            inner_pids: Vec::new(),
            cgroup: "/".to_string(),
            cgroup_overrides: BTreeMap::new(),
            ns: NsSet::host(),
            kernel_thread: false,
        }
    }

    /// A kernel thread: child of kthreadd (or 0 for kthreadd itself), empty cmdline, no memory.
    pub fn kthread(pid: u32, ppid: u32, name: &str) -> Self {
        let mut p = Process::new(pid, ppid, &[]);
        p.comm = truncate_comm(name);
        p.cmdline = Cmdline::Empty;
        p.kernel_thread = true;
        p.rss_kb = 0;
        p.vsize_kb = 0;
        p.utime_ticks = 0;
        p.stime_ticks = pid as u64 % 7;
        p.state = 'S';
        p
    }

    pub fn comm(mut self, comm: &str) -> Self {
        self.comm = truncate_comm(comm);
        self
    }

    /// The process rewrote its argv into one title (see [`Cmdline::Retitled`]).
    pub fn retitled(mut self, title: &str, pad: usize) -> Self {
        self.cmdline = Cmdline::Retitled {
            title: title.to_string(),
            pad,
        };
        self
    }

    pub fn state(mut self, state: char) -> Self {
        self.state = state;
        if state == 'Z' {
            self.cmdline = Cmdline::Empty;
            self.rss_kb = 0;
            self.vsize_kb = 0;
            self.threads = 1;
        }
        self
    }

    pub fn user(mut self, uid: u32, gid: u32) -> Self {
        self.uid = uid;
        self.gid = gid;
        self
    }

    pub fn threads(mut self, threads: u32) -> Self {
        self.threads = threads;
        self
    }

    pub fn memory_kb(mut self, rss_kb: u64, vsize_kb: u64) -> Self {
        self.rss_kb = rss_kb;
        self.vsize_kb = vsize_kb;
        self
    }

    /// Started this many seconds after boot.
    pub fn started(mut self, secs_after_boot: f64) -> Self {
        self.start_ticks = (secs_after_boot * CLOCK_TICKS as f64).round() as u64;
        self
    }

    /// CPU time used, in clock ticks of user and system time.
    pub fn cpu_ticks(mut self, user: u64, system: u64) -> Self {
        self.utime_ticks = user;
        self.stime_ticks = system;
        self
    }

    pub fn oom_score_adj(mut self, adj: i32) -> Self {
        self.oom_score_adj = adj;
        self
    }

    pub fn nice(mut self, nice: i32) -> Self {
        self.nice = nice;
        self
    }

    /// Member of another process group and session (a worker of its master, a shell's child).
    pub fn group(mut self, pgrp: u32, session: u32) -> Self {
        self.pgrp = Some(pgrp);
        self.session = Some(session);
        self
    }

    pub fn tty(mut self, tty_nr: i32, tpgid: i32) -> Self {
        self.tty_nr = tty_nr;
        self.tpgid = tpgid;
        self
    }

    /// The pids this process has in nested pid namespaces, outermost first.
    pub fn inner_pids(mut self, pids: &[u32]) -> Self {
        self.inner_pids = pids.to_vec();
        self
    }

    /// The same cgroup path in every hierarchy.
    pub fn cgroup(mut self, path: &str) -> Self {
        self.cgroup = path.to_string();
        self
    }

    /// A different path in one hierarchy (by its key: `systemd`, `memory`, `unified`).
    pub fn cgroup_in(mut self, hierarchy: &str, path: &str) -> Self {
        self.cgroup_overrides
            .insert(hierarchy.to_string(), path.to_string());
        self
    }

    pub fn ns(mut self, ns: NsSet) -> Self {
        self.ns = ns;
        self
    }

    /// The cgroup path of this process in the hierarchy with this key.
    pub fn cgroup_path(&self, hierarchy_key: &str) -> &str {
        self.cgroup_overrides
            .get(hierarchy_key)
            .map(String::as_str)
            .unwrap_or(&self.cgroup)
    }

    pub fn is_zombie(&self) -> bool {
        self.state == 'Z'
    }
}

fn truncate_comm(name: &str) -> String {
    name.chars().take(15).collect()
}

/// A cgroup limit that is either a number or the kernel's "no limit".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Limit {
    #[default]
    Max,
    Value(u64),
}

/// Control-file values of one cgroup path; applied in every hierarchy where the directory
/// exists, each hierarchy writing the files of its own controllers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CgroupSpec {
    pub memory_limit: Limit,
    /// Page cache and kernel memory on top of the members' rss, counted in usage.
    pub memory_extra_bytes: u64,
    /// The peak as a multiple of usage, in percent (100 = never above the current usage).
    pub memory_peak_percent: u64,
    pub memory_failcnt: u64,
    /// Kills by the OOM killer in this cgroup.
    pub oom_kills: u64,
    /// Times usage hit the limit (`max` in memory.events).
    pub memory_max_events: u64,
    pub cpu_quota_us: Option<u64>,
    pub cpu_period_us: Option<u64>,
    /// v1 `cpu.shares`; v2 `cpu.weight` is derived the way the kubelet and runc derive it.
    pub cpu_shares: Option<u64>,
    pub cpu_periods: u64,
    pub cpu_throttled_periods: u64,
    pub cpu_throttled_usec: u64,
    pub pids_limit: Limit,
    /// Forks refused because of pids.max.
    pub pids_max_events: u64,
    pub cpuset_cpus: Option<String>,
    /// Create the directory even in hierarchies where no member process sits.
    pub create_everywhere: bool,
    /// Only in these hierarchies (by key); empty means no restriction.
    pub only_in: Vec<String>,
}

impl CgroupSpec {
    pub fn new() -> Self {
        CgroupSpec {
            memory_peak_percent: 118,
            ..CgroupSpec::default()
        }
    }

    pub fn memory_limit(mut self, bytes: u64) -> Self {
        self.memory_limit = Limit::Value(bytes);
        self
    }

    pub fn memory_extra(mut self, bytes: u64) -> Self {
        self.memory_extra_bytes = bytes;
        self
    }

    pub fn oom(mut self, kills: u64, max_events: u64, failcnt: u64) -> Self {
        self.oom_kills = kills;
        self.memory_max_events = max_events;
        self.memory_failcnt = failcnt;
        self
    }

    pub fn cpu_quota(mut self, quota_us: u64, period_us: u64) -> Self {
        self.cpu_quota_us = Some(quota_us);
        self.cpu_period_us = Some(period_us);
        self
    }

    pub fn cpu_shares(mut self, shares: u64) -> Self {
        self.cpu_shares = Some(shares);
        self
    }

    pub fn throttling(mut self, periods: u64, throttled: u64, throttled_usec: u64) -> Self {
        self.cpu_periods = periods;
        self.cpu_throttled_periods = throttled;
        self.cpu_throttled_usec = throttled_usec;
        self
    }

    pub fn pids_limit(mut self, max: u64) -> Self {
        self.pids_limit = Limit::Value(max);
        self
    }

    pub fn pids_max_events(mut self, events: u64) -> Self {
        self.pids_max_events = events;
        self
    }

    pub fn cpuset(mut self, cpus: &str) -> Self {
        self.cpuset_cpus = Some(cpus.to_string());
        self
    }

    pub fn everywhere(mut self) -> Self {
        self.create_everywhere = true;
        self
    }

    pub fn only_in(mut self, keys: &[&str]) -> Self {
        self.only_in = keys.iter().map(|k| k.to_string()).collect();
        self
    }

    /// `cpu.weight` for these shares: runc's and the kubelet's conversion.
    pub fn cpu_weight(&self) -> u64 {
        match self.cpu_shares {
            Some(shares) if shares >= 2 => 1 + ((shares - 2) * 9999) / 262142,
            _ => 100,
        }
    }
}

/// A file or symlink outside /proc and the cgroup tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    File(Vec<u8>),
    /// The target, verbatim (absolute targets point at the node's real paths, not the fixture's).
    Symlink(String),
}

/// A whole node: facts, cgroup setup, processes, cgroup values and other files.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeNode {
    pub facts: NodeFacts,
    pub cgroups: CgroupSetup,
    processes: BTreeMap<u32, Process>,
    specs: BTreeMap<String, CgroupSpec>,
    files: BTreeMap<String, Entry>,
}

impl FakeNode {
    pub fn new(facts: NodeFacts, cgroups: CgroupSetup) -> Self {
        FakeNode {
            facts,
            cgroups,
            processes: BTreeMap::new(),
            specs: BTreeMap::new(),
            files: BTreeMap::new(),
        }
    }

    /// Adds a process; a second one with the same pid replaces the first.
    pub fn process(&mut self, process: Process) -> &mut Self {
        self.processes.insert(process.pid, process);
        self
    }

    /// Sets the control-file values of a cgroup path (`/kubepods/burstable/pod<uid>`).
    pub fn cgroup(&mut self, path: &str, spec: CgroupSpec) -> &mut Self {
        self.specs.insert(normalize_cgroup(path), spec);
        self
    }

    /// A regular file at a path relative to the root.
    pub fn file(&mut self, path: &str, contents: impl Into<Vec<u8>>) -> &mut Self {
        self.files
            .insert(path.to_string(), Entry::File(contents.into()));
        self
    }

    pub fn symlink(&mut self, path: &str, target: &str) -> &mut Self {
        self.files
            .insert(path.to_string(), Entry::Symlink(target.to_string()));
        self
    }

    pub fn processes(&self) -> impl Iterator<Item = &Process> {
        self.processes.values()
    }

    pub fn get_process(&self, pid: u32) -> Option<&Process> {
        self.processes.get(&pid)
    }

    pub fn files(&self) -> &BTreeMap<String, Entry> {
        &self.files
    }

    pub fn spec(&self, path: &str) -> Option<&CgroupSpec> {
        self.specs.get(path)
    }

    /// Every cgroup directory of one hierarchy, `/` first, each ancestor before its children.
    pub fn cgroup_dirs(&self, hierarchy: &Hierarchy) -> BTreeSet<String> {
        let mut dirs = BTreeSet::new();
        dirs.insert("/".to_string());
        for p in self.processes.values() {
            add_with_ancestors(&mut dirs, p.cgroup_path(&hierarchy.key));
        }
        for (path, spec) in &self.specs {
            let wanted = if spec.only_in.is_empty() {
                spec.create_everywhere
            } else {
                spec.only_in.contains(&hierarchy.key)
            };
            if wanted {
                add_with_ancestors(&mut dirs, path);
            }
        }
        dirs
    }

    /// Pids listed in `cgroup.procs` of one cgroup: its member processes, but not zombies,
    /// which the kernel no longer lists though `/proc/<pid>/cgroup` still names the cgroup.
    pub fn members(&self, hierarchy: &Hierarchy, path: &str) -> Vec<u32> {
        self.processes
            .values()
            .filter(|p| !p.is_zombie() && normalize_cgroup(p.cgroup_path(&hierarchy.key)) == path)
            .map(|p| p.pid)
            .collect()
    }

    /// Processes in this cgroup or below it (zombies included: they still hold a pid).
    pub fn subtree_members(&self, hierarchy: &Hierarchy, path: &str) -> Vec<&Process> {
        self.processes
            .values()
            .filter(|p| is_within(&normalize_cgroup(p.cgroup_path(&hierarchy.key)), path))
            .collect()
    }

    /// Specs of this cgroup and its descendants (for counters the kernel aggregates).
    pub fn subtree_specs<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a CgroupSpec> + 'a {
        let own = self.specs.get(path);
        let below = descendants(&self.specs, path).map(|(_, s)| s);
        own.into_iter().chain(below)
    }

    /// One hierarchy's directories and the processes in each, built once so that writing a
    /// tree of thousands of cgroups stays linear.
    pub fn index(&self, hierarchy: &Hierarchy) -> HierarchyIndex<'_> {
        let mut direct: BTreeMap<String, Vec<&Process>> = BTreeMap::new();
        for p in self.processes.values() {
            direct
                .entry(normalize_cgroup(p.cgroup_path(&hierarchy.key)))
                .or_default()
                .push(p);
        }
        HierarchyIndex {
            dirs: self.cgroup_dirs(hierarchy),
            direct,
        }
    }
}

/// The cgroups of one hierarchy with their member processes (see [`FakeNode::index`]).
#[derive(Debug)]
pub struct HierarchyIndex<'a> {
    pub dirs: BTreeSet<String>,
    direct: BTreeMap<String, Vec<&'a Process>>,
}

impl<'a> HierarchyIndex<'a> {
    /// Pids listed in this cgroup's `cgroup.procs` (zombies are not).
    pub fn members(&self, path: &str) -> Vec<u32> {
        self.direct
            .get(path)
            .map(|ps| {
                ps.iter()
                    .filter(|p| !p.is_zombie())
                    .map(|p| p.pid)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Processes in this cgroup or below it.
    pub fn subtree(&self, path: &str) -> Vec<&'a Process> {
        let own = self.direct.get(path).into_iter().flatten();
        let below = descendants(&self.direct, path).flat_map(|(_, ps)| ps.iter());
        own.chain(below).copied().collect()
    }

    pub fn has_children(&self, path: &str) -> bool {
        if path == "/" {
            return self.dirs.len() > 1;
        }
        let start = format!("{path}/");
        let end = format!("{path}0");
        self.dirs.range(start..end).next().is_some()
    }
}

/// Entries strictly below `path` in a map keyed by normalized cgroup path: every key that
/// starts with `path/` sorts between `path/` and `path0` (`0` follows `/` in ASCII).
fn descendants<'m, V>(
    map: &'m BTreeMap<String, V>,
    path: &str,
) -> Box<dyn Iterator<Item = (&'m String, &'m V)> + 'm> {
    if path == "/" {
        return Box::new(map.iter().filter(|(k, _)| k.as_str() != "/"));
    }
    Box::new(map.range(format!("{path}/")..format!("{path}0")))
}

/// `/a/b/` and `a/b` both become `/a/b`; the root stays `/`.
pub fn normalize_cgroup(path: &str) -> String {
    let trimmed = path.trim_matches('/');
    format!("/{trimmed}")
}

fn add_with_ancestors(dirs: &mut BTreeSet<String>, path: &str) {
    let path = normalize_cgroup(path);
    let mut current = String::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        current.push('/');
        current.push_str(part);
        dirs.insert(current.clone());
    }
}

/// Whether `path` is `ancestor` or below it.
pub fn is_within(path: &str, ancestor: &str) -> bool {
    ancestor == "/"
        || path == ancestor
        || path
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with('/'))
}
