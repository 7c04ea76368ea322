//! Pure renderers: the text of each /proc and cgroup file for a described node, byte for byte
//! in the kernel's format for the node's kernel version.

use super::{
    CgroupMode, CgroupSpec, Cmdline, FakeNode, Hierarchy, HierarchyIndex, Limit, NodeFacts,
    Process, CLOCK_TICKS,
};
use std::fmt::Write as _;

const PAGE_KB: u64 = 4;
/// `memory.limit_in_bytes` of an unlimited v1 memory cgroup: LONG_MAX rounded down to a page.
const V1_MEMORY_UNLIMITED: u64 = 9223372036854771712;
const PF_KTHREAD_FLAGS: u64 = 0x0020_8040;
const PF_USER_FLAGS: u64 = 0x0040_0100;
const PF_ZOMBIE_FLAGS: u64 = 0x0040_810c;

/// `/proc/<pid>/stat`: all 52 fields.
pub fn stat_line(p: &Process, facts: &NodeFacts) -> String {
    let pid = p.pid as u64;
    let pgrp = p.pgrp.unwrap_or(p.pid);
    let session = p.session.unwrap_or(p.pid);
    let (flags, rsslim) = if p.kernel_thread {
        (PF_KTHREAD_FLAGS, u64::MAX)
    } else if p.is_zombie() {
        (PF_ZOMBIE_FLAGS, u64::MAX)
    } else {
        (PF_USER_FLAGS, u64::MAX)
    };
    let has_mm = !p.kernel_thread && !p.is_zombie();
    // Code and stack addresses: PIE executables under 0x55.., stacks under 0x7ffc...
    let code = if has_mm {
        0x5555_0000_0000 + pid * 0x10_0000
    } else {
        0
    };
    let end_code = if has_mm {
        code + 0x2_4000 + pid % 7 * 0x1000
    } else {
        0
    };
    let stack = if has_mm {
        0x7ffc_0000_0000 + pid * 0x1_0000
    } else {
        0
    };
    let start_data = if has_mm { end_code + 0x20_0000 } else { 0 };
    let end_data = if has_mm { start_data + 0x1_2000 } else { 0 };
    let start_brk = if has_mm { code + 0x1000_0000 } else { 0 };
    let args_len = cmdline_bytes(p).len() as u64;
    let arg_start = if has_mm { stack + 0x2000 } else { 0 };
    let arg_end = if has_mm { arg_start + args_len } else { 0 };
    let env_start = arg_end;
    let env_end = if has_mm { env_start + 0x400 } else { 0 };
    let sleeping = matches!(p.state, 'S' | 'D' | 'I');
    let wchan = if !sleeping {
        0
    } else if facts.kernel_at_least(4, 4) {
        // Since 4.4 unprivileged-looking readers see 0; root sees 1 from 5.16 on. Keep the
        // address-free form every kernel of ours shows to non-ptrace readers.
        0
    } else {
        18446744071579700000 + (pid % 97) * 0x40
    };
    let processor = pid % facts.cpus.max(1) as u64;
    let (sigignore, sigcatch) = if p.kernel_thread {
        (2147483647, 0)
    } else if p.is_zombie() {
        (0, 0)
    } else {
        (4096, 81923 + pid % 5 * 2)
    };
    let minflt = if has_mm { p.rss_kb / 2 + pid % 300 } else { 0 };
    let exit_code = 0;
    let kstk = if has_mm && facts.kernel_at_least(4, 4) {
        0
    } else {
        stack.saturating_sub(0x1a0)
    };
    let kstk_eip = if has_mm && !facts.kernel_at_least(4, 4) {
        code + 0x1234
    } else {
        0
    };
    let blkio = if p.state == 'D' { 1473 } else { pid % 3 };
    format!(
        "{pid} ({comm}) {state} {ppid} {pgrp} {session} {tty} {tpgid} {flags} {minflt} 0 {majflt} 0 \
         {utime} {stime} 0 0 {prio} {nice} {threads} 0 {start} {vsize} {rss} {rsslim} \
         {code} {end_code} {stack} {kstk} {kstk_eip} 0 0 {sigignore} {sigcatch} {wchan} 0 0 17 \
         {processor} 0 0 {blkio} 0 0 {start_data} {end_data} {start_brk} {arg_start} {arg_end} \
         {env_start} {env_end} {exit_code}\n",
        comm = p.comm,
        state = p.state,
        ppid = p.ppid,
        tty = p.tty_nr,
        tpgid = p.tpgid,
        majflt = if has_mm { pid % 40 } else { 0 },
        utime = p.utime_ticks,
        stime = p.stime_ticks,
        prio = 20 + p.nice,
        nice = p.nice,
        threads = p.threads,
        start = p.start_ticks,
        vsize = p.vsize_kb * 1024,
        rss = p.rss_kb / PAGE_KB,
    )
}

/// `/proc/<pid>/status` with the lines the node's kernel version prints.
pub fn status_text(p: &Process, facts: &NodeFacts) -> String {
    let modern = facts.kernel_at_least(4, 1);
    let mut s = String::new();
    let _ = writeln!(s, "Name:\t{}", escape_status_name(&p.comm));
    if facts.kernel_at_least(4, 7) {
        let _ = writeln!(
            s,
            "Umask:\t{}",
            if p.kernel_thread { "0000" } else { "0022" }
        );
    }
    let state_word = match p.state {
        'R' => "R (running)",
        'D' => "D (disk sleep)",
        'Z' => "Z (zombie)",
        'T' => "T (stopped)",
        'I' => "I (idle)",
        _ => "S (sleeping)",
    };
    let _ = writeln!(s, "State:\t{state_word}");
    let _ = writeln!(s, "Tgid:\t{}", p.pid);
    let _ = writeln!(s, "Ngid:\t0");
    let _ = writeln!(s, "Pid:\t{}", p.pid);
    let _ = writeln!(s, "PPid:\t{}", p.ppid);
    let _ = writeln!(s, "TracerPid:\t0");
    let _ = writeln!(s, "Uid:\t{0}\t{0}\t{0}\t{0}", p.uid);
    let _ = writeln!(s, "Gid:\t{0}\t{0}\t{0}\t{0}", p.gid);
    let _ = writeln!(
        s,
        "FDSize:\t{}",
        if p.kernel_thread || p.is_zombie() {
            0
        } else {
            64
        }
    );
    // No supplementary groups: the kernel prints the tab and nothing else.
    let _ = writeln!(s, "Groups:\t");
    if modern {
        let chain = std::iter::once(p.pid)
            .chain(p.inner_pids.iter().copied())
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join("\t");
        let pgrp_chain = nested_ids(p.pgrp.unwrap_or(p.pid), p);
        let sid_chain = nested_ids(p.session.unwrap_or(p.pid), p);
        let _ = writeln!(s, "NStgid:\t{chain}");
        let _ = writeln!(s, "NSpid:\t{chain}");
        let _ = writeln!(s, "NSpgid:\t{pgrp_chain}");
        let _ = writeln!(s, "NSsid:\t{sid_chain}");
    }
    if facts.kernel_at_least(6, 0) {
        let _ = writeln!(s, "Kthread:\t{}", u8::from(p.kernel_thread));
    }
    let has_mm = !p.kernel_thread && !p.is_zombie();
    if has_mm {
        let rss = p.rss_kb;
        let _ = writeln!(s, "VmPeak:\t{:>8} kB", p.vsize_kb + p.vsize_kb / 10);
        let _ = writeln!(s, "VmSize:\t{:>8} kB", p.vsize_kb);
        let _ = writeln!(s, "VmLck:\t{:>8} kB", 0);
        let _ = writeln!(s, "VmPin:\t{:>8} kB", 0);
        let _ = writeln!(s, "VmHWM:\t{:>8} kB", rss + rss / 8);
        let _ = writeln!(s, "VmRSS:\t{:>8} kB", rss);
        if facts.kernel_at_least(4, 5) {
            let anon = rss * 3 / 4;
            let file = rss - anon;
            let _ = writeln!(s, "RssAnon:\t{:>8} kB", anon);
            let _ = writeln!(s, "RssFile:\t{:>8} kB", file);
            let _ = writeln!(s, "RssShmem:\t{:>8} kB", 0);
        }
        let _ = writeln!(s, "VmData:\t{:>8} kB", p.vsize_kb / 3);
        let _ = writeln!(s, "VmStk:\t{:>8} kB", 132);
        let _ = writeln!(s, "VmExe:\t{:>8} kB", 1024);
        let _ = writeln!(s, "VmLib:\t{:>8} kB", 2052);
        let _ = writeln!(s, "VmPTE:\t{:>8} kB", 40 + rss / 512);
        if facts.kernel_at_least(4, 0) && !facts.kernel_at_least(4, 15) {
            let _ = writeln!(s, "VmPMD:\t{:>8} kB", 12);
        }
        let _ = writeln!(s, "VmSwap:\t{:>8} kB", 0);
        if facts.kernel_at_least(4, 4) {
            let _ = writeln!(s, "HugetlbPages:\t{:>8} kB", 0);
        }
    }
    if facts.kernel_at_least(4, 15) {
        let _ = writeln!(s, "CoreDumping:\t0");
    }
    if facts.kernel_at_least(5, 0) {
        let _ = writeln!(s, "THP_enabled:\t{}", u8::from(!p.kernel_thread));
    }
    let _ = writeln!(s, "Threads:\t{}", p.threads);
    let _ = writeln!(s, "SigQ:\t0/{}", facts.mem_total_kb / 128);
    let _ = writeln!(s, "SigPnd:\t0000000000000000");
    let _ = writeln!(s, "ShdPnd:\t0000000000000000");
    let _ = writeln!(s, "SigBlk:\t0000000000000000");
    let (ign, cgt) = if p.kernel_thread {
        ("ffffffffffffffff", "0000000000000000")
    } else if p.is_zombie() {
        ("0000000000000000", "0000000000000000")
    } else {
        ("0000000000001000", "0000000180014a03")
    };
    let _ = writeln!(s, "SigIgn:\t{ign}");
    let _ = writeln!(s, "SigCgt:\t{cgt}");
    let caps = if p.uid == 0 {
        if facts.kernel_at_least(5, 9) {
            "000001ffffffffff"
        } else {
            "0000001fffffffff"
        }
    } else {
        "0000000000000000"
    };
    let _ = writeln!(s, "CapInh:\t0000000000000000");
    let _ = writeln!(s, "CapPrm:\t{caps}");
    let _ = writeln!(s, "CapEff:\t{caps}");
    let _ = writeln!(
        s,
        "CapBnd:\t{}",
        if facts.kernel_at_least(5, 9) {
            "000001ffffffffff"
        } else {
            "0000001fffffffff"
        }
    );
    if facts.kernel_at_least(4, 3) {
        let _ = writeln!(s, "CapAmb:\t0000000000000000");
        let _ = writeln!(s, "NoNewPrivs:\t0");
    }
    let _ = writeln!(s, "Seccomp:\t0");
    if facts.kernel_at_least(5, 10) {
        let _ = writeln!(s, "Seccomp_filters:\t0");
    }
    // RHEL 7 backported the Spectre v4 line to its 3.10 kernels.
    if facts.kernel_at_least(4, 17) || facts.kernel_release.contains(".el7") {
        let _ = writeln!(s, "Speculation_Store_Bypass:\tthread vulnerable");
    }
    if facts.kernel_at_least(5, 15) {
        let _ = writeln!(s, "SpeculationIndirectBranch:\tconditional enabled");
    }
    let cpus = facts.cpus.max(1);
    let _ = writeln!(s, "Cpus_allowed:\t{}", cpu_mask(cpus));
    let _ = writeln!(s, "Cpus_allowed_list:\t0-{}", cpus - 1);
    let _ = writeln!(
        s,
        "Mems_allowed:\t00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000001"
    );
    let _ = writeln!(s, "Mems_allowed_list:\t0");
    let _ = writeln!(
        s,
        "voluntary_ctxt_switches:\t{}",
        12 + p.pid as u64 * 3 % 9000
    );
    let _ = writeln!(s, "nonvoluntary_ctxt_switches:\t{}", p.pid as u64 % 211);
    s
}

/// A bitmap of the first `cpus` cpus as the kernel prints it: hex in 32-bit groups, most
/// significant first, separated by commas, the first group only as wide as it needs.
pub fn cpu_mask(cpus: u32) -> String {
    let full_groups = cpus / 32;
    let rest = cpus % 32;
    let mut groups = Vec::new();
    if rest > 0 {
        groups.push(format!("{:x}", (1u64 << rest) - 1));
    }
    for _ in 0..full_groups {
        groups.push("ffffffff".to_string());
    }
    groups.join(",")
}

/// The pgrp or session id chain in nested pid namespaces. A group leader in the same namespace
/// keeps its inner ids; ids of a leader outside the namespace show as 0, as the kernel does.
fn nested_ids(host_id: u32, p: &Process) -> String {
    if host_id == p.pid {
        return std::iter::once(p.pid)
            .chain(p.inner_pids.iter().copied())
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join("\t");
    }
    std::iter::once(host_id.to_string())
        .chain(p.inner_pids.iter().map(|_| "0".to_string()))
        .collect::<Vec<_>>()
        .join("\t")
}

/// The kernel escapes `\` and newlines in the status Name line.
fn escape_status_name(comm: &str) -> String {
    comm.replace('\\', "\\\\").replace('\n', "\\n")
}

/// `/proc/<pid>/cmdline`.
pub fn cmdline_bytes(p: &Process) -> Vec<u8> {
    match &p.cmdline {
        Cmdline::Args(args) => {
            let mut out = Vec::new();
            for a in args {
                out.extend_from_slice(a.as_bytes());
                out.push(0);
            }
            out
        }
        Cmdline::Retitled { title, pad } => {
            let mut out = title.as_bytes().to_vec();
            out.extend(std::iter::repeat_n(0u8, *pad));
            out
        }
        Cmdline::Empty => Vec::new(),
    }
}

/// `/proc/<pid>/cgroup`: v1 lines in the node's hierarchy order, then `0::` on v2 and hybrid.
pub fn cgroup_file_text(p: &Process, node: &FakeNode) -> String {
    let mut s = String::new();
    for h in node.cgroups.hierarchies() {
        match &h.v1 {
            Some(v1) => {
                let _ = writeln!(s, "{}:{}:{}", v1.id, v1.proc_name, p.cgroup_path(&h.key));
            }
            None => {
                let _ = writeln!(s, "0::{}", p.cgroup_path(&h.key));
            }
        }
    }
    s
}

/// `/proc/version`.
pub fn proc_version(facts: &NodeFacts) -> String {
    format!(
        "Linux version {} {}\n",
        facts.kernel_release, facts.kernel_build
    )
}

/// `/proc/uptime`: uptime and summed idle time of all cpus.
pub fn proc_uptime(facts: &NodeFacts) -> String {
    let up = facts.uptime_centis;
    let idle = up * u64::from(facts.cpus) * 93 / 100;
    format!(
        "{}.{:02} {}.{:02}\n",
        up / 100,
        up % 100,
        idle / 100,
        idle % 100
    )
}

/// `/proc/stat`, with totals consistent with the uptime and the process table.
pub fn proc_stat(node: &FakeNode) -> String {
    let facts = &node.facts;
    let ticks = facts.uptime_centis * CLOCK_TICKS / 100;
    let cpus = u64::from(facts.cpus.max(1));
    let per_cpu = |i: u64| {
        let user = ticks * 4 / 100 + i * 37;
        let system = ticks * 2 / 100 + i * 11;
        let idle = ticks * 93 / 100 - i * 48;
        (user, 120 + i, system, idle, 900 + i * 3, 0, 310 + i, 0)
    };
    let mut total = (0, 0, 0, 0, 0, 0, 0, 0);
    let mut lines = String::new();
    for i in 0..cpus {
        let c = per_cpu(i);
        total.0 += c.0;
        total.1 += c.1;
        total.2 += c.2;
        total.3 += c.3;
        total.4 += c.4;
        total.6 += c.6;
        let _ = writeln!(
            lines,
            "cpu{i} {} {} {} {} {} {} {} {} 0 0",
            c.0, c.1, c.2, c.3, c.4, c.5, c.6, c.7
        );
    }
    let running = node.processes().filter(|p| p.state == 'R').count();
    let blocked = node.processes().filter(|p| p.state == 'D').count();
    let forks = node.processes().map(|p| p.pid).max().unwrap_or(1) as u64 * 3 + 1000;
    let mut s = format!(
        "cpu  {} {} {} {} {} {} {} {} 0 0\n",
        total.0, total.1, total.2, total.3, total.4, total.5, total.6, total.7
    );
    s.push_str(&lines);
    let _ = writeln!(s, "intr {} 48 10 0 0 0 0 0 0 1 0 0 0 156 0 0 0", ticks * 51);
    let _ = writeln!(s, "ctxt {}", ticks * 187);
    let _ = writeln!(s, "btime {}", facts.boot_epoch);
    let _ = writeln!(s, "processes {forks}");
    let _ = writeln!(s, "procs_running {}", running.max(1));
    let _ = writeln!(s, "procs_blocked {blocked}");
    let _ = writeln!(
        s,
        "softirq {} 0 {} 12 {} 4411 0 88 {} 0 {}",
        ticks * 40,
        ticks * 12,
        ticks * 3,
        ticks * 8,
        ticks * 16
    );
    s
}

/// `/proc/loadavg`: the fourth field counts runnable threads and all threads.
pub fn proc_loadavg(node: &FakeNode) -> String {
    let threads: u64 = node.processes().map(|p| u64::from(p.threads)).sum();
    let last = node.processes().map(|p| p.pid).max().unwrap_or(1);
    let running = node.processes().filter(|p| p.state == 'R').count().max(1);
    format!("0.31 0.27 0.25 {running}/{threads} {last}\n")
}

/// `/proc/meminfo` (the leading lines tools read).
pub fn proc_meminfo(facts: &NodeFacts) -> String {
    let total = facts.mem_total_kb;
    let available = facts.mem_available_kb;
    let free = available / 3;
    let cached = available - free - available / 20;
    let mut s = String::new();
    let _ = writeln!(s, "MemTotal:       {total:>8} kB");
    let _ = writeln!(s, "MemFree:        {free:>8} kB");
    if facts.kernel_at_least(3, 10) {
        let _ = writeln!(s, "MemAvailable:   {available:>8} kB");
    }
    let _ = writeln!(s, "Buffers:        {:>8} kB", available / 20);
    let _ = writeln!(s, "Cached:         {cached:>8} kB");
    let _ = writeln!(s, "SwapCached:     {:>8} kB", 0);
    let _ = writeln!(s, "Active:         {:>8} kB", (total - available) / 2);
    let _ = writeln!(s, "Inactive:       {:>8} kB", cached / 2);
    let _ = writeln!(s, "SwapTotal:      {:>8} kB", 0);
    let _ = writeln!(s, "SwapFree:       {:>8} kB", 0);
    let _ = writeln!(s, "Dirty:          {:>8} kB", 132);
    let _ = writeln!(s, "Writeback:      {:>8} kB", 0);
    let _ = writeln!(s, "AnonPages:      {:>8} kB", (total - available) * 2 / 3);
    let _ = writeln!(s, "Mapped:         {:>8} kB", cached / 5);
    let _ = writeln!(s, "Shmem:          {:>8} kB", 9120);
    let _ = writeln!(s, "Slab:           {:>8} kB", total / 40);
    let _ = writeln!(s, "CommitLimit:    {:>8} kB", total / 2);
    let _ = writeln!(s, "Committed_AS:   {:>8} kB", total - available);
    let _ = writeln!(s, "Hugepagesize:   {:>8} kB", 2048);
    s
}

/// `/proc/cgroups`: per controller its hierarchy id (0 on v2), cgroup count and enabled flag.
pub fn proc_cgroups(node: &FakeNode) -> String {
    let hierarchies = node.cgroups.hierarchies();
    let order: &[&str] = if node.facts.kernel_at_least(4, 0) {
        &[
            "cpuset",
            "cpu",
            "cpuacct",
            "blkio",
            "memory",
            "devices",
            "freezer",
            "net_cls",
            "perf_event",
            "net_prio",
            "hugetlb",
            "pids",
            "rdma",
            "misc",
        ]
    } else {
        &[
            "cpuset",
            "cpu",
            "cpuacct",
            "memory",
            "devices",
            "freezer",
            "net_cls",
            "blkio",
            "perf_event",
            "hugetlb",
            "pids",
            "net_prio",
        ]
    };
    let mut s = String::from("#subsys_name\thierarchy\tnum_cgroups\tenabled\n");
    for controller in order {
        if *controller == "rdma" && !node.facts.kernel_at_least(4, 11) {
            continue;
        }
        if *controller == "misc" && !node.facts.kernel_at_least(5, 13) {
            continue;
        }
        let v1 = hierarchies
            .iter()
            .find(|h| h.v1.as_ref().is_some_and(|v| v.has(controller)));
        let (id, count) = match v1 {
            Some(h) => (
                h.v1.as_ref().map(|v| v.id).unwrap_or(0),
                node.cgroup_dirs(h).len(),
            ),
            None => {
                let count = hierarchies
                    .iter()
                    .find(|h| h.v1.is_none() && node.cgroups.mode == CgroupMode::V2)
                    .map(|h| node.cgroup_dirs(h).len())
                    .unwrap_or(1);
                (0, count)
            }
        };
        let _ = writeln!(s, "{controller}\t{id}\t{count}\t1");
    }
    s
}

/// pid 1's `mountinfo`: the pseudo filesystems, the cgroup mounts of the node's mode, `/`, and
/// the layout's extra mounts.
pub fn mountinfo(node: &FakeNode) -> String {
    let facts = &node.facts;
    let mut s = String::new();
    let root_id = 1;
    let _ = writeln!(
        s,
        "{} 0 {} / / rw,relatime shared:1 - {}",
        root_id + 20,
        facts
            .root_mount
            .split_once(' ')
            .map(|(dev, _)| dev)
            .unwrap_or("253:0"),
        facts
            .root_mount
            .split_once(' ')
            .map(|(_, rest)| rest)
            .unwrap_or("xfs /dev/sda1 rw")
    );
    let _ = writeln!(
        s,
        "22 21 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw"
    );
    let _ = writeln!(
        s,
        "23 21 0:4 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw"
    );
    let _ = writeln!(
        s,
        "24 21 0:6 / /dev rw,nosuid shared:2 - devtmpfs devtmpfs rw,size={}k,nr_inodes={},mode=755",
        facts.mem_total_kb / 2,
        facts.mem_total_kb / 8
    );
    let _ = writeln!(s, "25 22 0:7 / /sys/kernel/security rw,nosuid,nodev,noexec,relatime shared:8 - securityfs securityfs rw");
    let _ = writeln!(
        s,
        "26 24 0:21 / /dev/shm rw,nosuid,nodev shared:3 - tmpfs tmpfs rw"
    );
    let _ = writeln!(s, "27 24 0:22 / /dev/pts rw,nosuid,noexec,relatime shared:4 - devpts devpts rw,gid=5,mode=620,ptmxmode=000");
    let _ = writeln!(
        s,
        "28 21 0:23 / /run rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,mode=755"
    );
    let mut next_id = 29;
    let mut next_dev = 24;
    match node.cgroups.mode {
        CgroupMode::V2 => {
            let _ = writeln!(
                s,
                "{next_id} 22 0:{next_dev} / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot"
            );
            next_id += 1;
        }
        CgroupMode::V1 | CgroupMode::Hybrid => {
            let tmpfs_id = next_id;
            let _ = writeln!(
                s,
                "{tmpfs_id} 22 0:{next_dev} / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755"
            );
            next_id += 1;
            next_dev += 1;
            let mut shared = 10;
            if node.cgroups.mode == CgroupMode::Hybrid {
                let _ = writeln!(
                    s,
                    "{next_id} {tmpfs_id} 0:{next_dev} / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:{shared} - cgroup2 cgroup2 rw,nsdelegate"
                );
                next_id += 1;
                next_dev += 1;
                shared += 1;
            }
            let mut v1: Vec<_> = node.cgroups.v1.iter().collect();
            v1.sort_by_key(|h| h.id);
            for h in v1 {
                let options = if h.proc_name == "name=systemd" {
                    "rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd"
                        .to_string()
                } else {
                    format!("rw,{}", h.controllers().join(","))
                };
                let _ = writeln!(
                    s,
                    "{next_id} {tmpfs_id} 0:{next_dev} / /sys/fs/cgroup/{} rw,nosuid,nodev,noexec,relatime shared:{shared} - cgroup cgroup {options}",
                    h.dir
                );
                next_id += 1;
                next_dev += 1;
                shared += 1;
            }
        }
    }
    for line in &facts.extra_mounts {
        let _ = writeln!(s, "{next_id} 21 {line}");
        next_id += 1;
    }
    s
}

/// The control files of one cgroup directory in one hierarchy, name and text, in the order
/// of `nodesnap_format::CGROUP_FILES`. Only files that kernel and hierarchy have are returned.
pub fn control_files(
    node: &FakeNode,
    h: &Hierarchy,
    index: &HierarchyIndex,
    path: &str,
) -> Vec<(String, String)> {
    let facts = &node.facts;
    let is_root = path == "/";
    let default_spec = CgroupSpec::new();
    let spec = node.spec(path).unwrap_or(&default_spec);
    let members = index.members(path);
    let subtree = index.subtree(path);
    let mut files = Vec::new();
    let mut procs = String::new();
    for pid in &members {
        let _ = writeln!(procs, "{pid}");
    }
    files.push(("cgroup.procs".to_string(), procs));

    let rss_bytes: u64 = subtree.iter().map(|p| p.rss_kb * 1024).sum();
    let extra: u64 = node.subtree_specs(path).map(|s| s.memory_extra_bytes).sum();
    let usage = rss_bytes + extra + if is_root { 0 } else { 135168 };
    let peak = usage * spec.memory_peak_percent.max(100) / 100;
    let cpu_usec: u64 = subtree
        .iter()
        .map(|p| (p.utime_ticks + p.stime_ticks) * 1_000_000 / CLOCK_TICKS)
        .sum();
    let user_usec: u64 = subtree
        .iter()
        .map(|p| p.utime_ticks * 1_000_000 / CLOCK_TICKS)
        .sum();
    let tasks: u64 = subtree
        .iter()
        .filter(|p| !p.is_zombie())
        .map(|p| u64::from(p.threads))
        .sum::<u64>()
        + subtree.iter().filter(|p| p.is_zombie()).count() as u64;
    let all_cpus = format!("0-{}", facts.cpus.max(1) - 1);

    match &h.v1 {
        Some(_) => {
            if h.has("memory") {
                let limit = match spec.memory_limit {
                    Limit::Max => V1_MEMORY_UNLIMITED,
                    Limit::Value(v) => v,
                };
                files.push(("memory.limit_in_bytes".into(), format!("{limit}\n")));
                files.push(("memory.usage_in_bytes".into(), format!("{usage}\n")));
                files.push(("memory.max_usage_in_bytes".into(), format!("{peak}\n")));
                files.push((
                    "memory.failcnt".into(),
                    format!("{}\n", spec.memory_failcnt),
                ));
                let under_oom = 0;
                let mut oom = format!("oom_kill_disable 0\nunder_oom {under_oom}\n");
                if facts.kernel_at_least(4, 13) {
                    let _ = writeln!(oom, "oom_kill {}", spec.oom_kills);
                }
                files.push(("memory.oom_control".into(), oom));
            }
            if h.has("cpu") {
                files.push((
                    "cpu.shares".into(),
                    format!("{}\n", spec.cpu_shares.unwrap_or(1024)),
                ));
                let quota = spec
                    .cpu_quota_us
                    .map(|q| q.to_string())
                    .unwrap_or_else(|| "-1".into());
                files.push(("cpu.cfs_quota_us".into(), format!("{quota}\n")));
                files.push((
                    "cpu.cfs_period_us".into(),
                    format!("{}\n", spec.cpu_period_us.unwrap_or(100000)),
                ));
                files.push((
                    "cpu.stat".into(),
                    format!(
                        "nr_periods {}\nnr_throttled {}\nthrottled_time {}\n",
                        spec.cpu_periods,
                        spec.cpu_throttled_periods,
                        spec.cpu_throttled_usec * 1000
                    ),
                ));
            }
            if h.has("cpuset") {
                let cpus = spec.cpuset_cpus.clone().unwrap_or_else(|| all_cpus.clone());
                files.push(("cpuset.cpus".into(), format!("{cpus}\n")));
                files.push(("cpuset.mems".into(), "0\n".into()));
            }
            if h.has("pids") && !is_root {
                files.push(("pids.max".into(), limit_text(spec.pids_limit)));
                files.push(("pids.current".into(), format!("{tasks}\n")));
                if facts.kernel_at_least(4, 3) {
                    files.push((
                        "pids.events".into(),
                        format!("max {}\n", spec.pids_max_events),
                    ));
                }
            }
            if h.has("freezer") && !is_root {
                files.push(("freezer.state".into(), "THAWED\n".into()));
            }
        }
        None => {
            let controllers = v2_controllers(node, h, path);
            let has = |c: &str| controllers.iter().any(|x| x == c);
            let children = index.has_children(path);
            files.push(("cgroup.controllers".into(), line_of(&controllers)));
            let subtree_control = if children || is_root {
                subtree_control(h, &controllers, node.cgroups.mode)
            } else {
                Vec::new()
            };
            files.push(("cgroup.subtree_control".into(), line_of(&subtree_control)));
            if !is_root {
                files.push(("cgroup.type".into(), "domain\n".into()));
                let populated = u8::from(!subtree.is_empty());
                let events = if facts.kernel_at_least(5, 2) {
                    format!("populated {populated}\nfrozen 0\n")
                } else {
                    format!("populated {populated}\n")
                };
                files.push(("cgroup.events".into(), events));
                if facts.kernel_at_least(5, 2) {
                    files.push(("cgroup.freeze".into(), "0\n".into()));
                }
            }
            if has("memory") && !is_root {
                files.push(("memory.max".into(), limit_text(spec.memory_limit)));
                files.push(("memory.high".into(), "max\n".into()));
                files.push(("memory.low".into(), "0\n".into()));
                files.push(("memory.min".into(), "0\n".into()));
                files.push(("memory.current".into(), format!("{usage}\n")));
                if facts.kernel_at_least(5, 19) {
                    files.push(("memory.peak".into(), format!("{peak}\n")));
                }
                // memory.events counts the whole subtree; memory.events.local would not.
                let kills: u64 = node.subtree_specs(path).map(|s| s.oom_kills).sum();
                let max_events: u64 = node.subtree_specs(path).map(|s| s.memory_max_events).sum();
                let mut events =
                    format!("low 0\nhigh 0\nmax {max_events}\noom {kills}\noom_kill {kills}\n");
                if facts.kernel_at_least(5, 17) {
                    events.push_str("oom_group_kill 0\n");
                }
                files.push(("memory.events".into(), events));
                files.push(("memory.swap.max".into(), "max\n".into()));
            }
            if has("cpu") && !is_root {
                let quota = spec
                    .cpu_quota_us
                    .map(|q| q.to_string())
                    .unwrap_or_else(|| "max".into());
                files.push((
                    "cpu.max".into(),
                    format!("{quota} {}\n", spec.cpu_period_us.unwrap_or(100000)),
                ));
                files.push(("cpu.weight".into(), format!("{}\n", spec.cpu_weight())));
            }
            let system_usec = cpu_usec - user_usec;
            let mut cpu_stat = format!(
                "usage_usec {cpu_usec}\nuser_usec {user_usec}\nsystem_usec {system_usec}\n"
            );
            if has("cpu") && !is_root {
                let _ = write!(
                    cpu_stat,
                    "nr_periods {}\nnr_throttled {}\nthrottled_usec {}\n",
                    spec.cpu_periods, spec.cpu_throttled_periods, spec.cpu_throttled_usec
                );
                if facts.kernel_at_least(5, 14) {
                    cpu_stat.push_str("nr_bursts 0\nburst_usec 0\n");
                }
            }
            files.push(("cpu.stat".into(), cpu_stat));
            if has("cpuset") {
                if !is_root {
                    let cpus = spec.cpuset_cpus.clone().unwrap_or_default();
                    files.push(("cpuset.cpus".into(), format!("{cpus}\n")));
                }
                let effective = spec.cpuset_cpus.clone().unwrap_or_else(|| all_cpus.clone());
                files.push(("cpuset.cpus.effective".into(), format!("{effective}\n")));
                if !is_root {
                    files.push(("cpuset.mems".into(), "\n".into()));
                }
            }
            if has("pids") && !is_root {
                files.push(("pids.max".into(), limit_text(spec.pids_limit)));
                files.push(("pids.current".into(), format!("{tasks}\n")));
                files.push((
                    "pids.events".into(),
                    format!("max {}\n", spec.pids_max_events),
                ));
            }
        }
    }
    files
}

/// A v2 cgroup's `cgroup.controllers`: the root's are the node's, a child's are what its
/// parent enables in `cgroup.subtree_control`.
fn v2_controllers(node: &FakeNode, h: &Hierarchy, path: &str) -> Vec<String> {
    if path == "/" {
        return h.controllers.clone();
    }
    let parent = match path.rsplit_once('/') {
        Some(("", _)) | None => "/".to_string(),
        Some((parent, _)) => parent.to_string(),
    };
    let parent_controllers = v2_controllers(node, h, &parent);
    subtree_control(h, &parent_controllers, node.cgroups.mode)
}

/// What systemd and the runtimes enable for children: the domain controllers they manage.
fn subtree_control(_h: &Hierarchy, available: &[String], mode: CgroupMode) -> Vec<String> {
    if mode == CgroupMode::Hybrid {
        return Vec::new();
    }
    let managed = ["cpuset", "cpu", "io", "memory", "hugetlb", "pids"];
    available
        .iter()
        .filter(|c| managed.contains(&c.as_str()))
        .cloned()
        .collect()
}

fn line_of(words: &[String]) -> String {
    format!("{}\n", words.join(" "))
}

fn limit_text(limit: Limit) -> String {
    match limit {
        Limit::Max => "max\n".to_string(),
        Limit::Value(v) => format!("{v}\n"),
    }
}
