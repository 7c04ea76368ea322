//! Writes a fake node tree for benchmarks: `cargo run --release -p collector --example fake_node
//! -- DIR PROCESSES` lays out proc/<pid>/{stat,status,cmdline,cgroup,oom_score_adj,ns/*} with
//! real-sized contents, node files, and a cgroup v1 tree with one pod cgroup per 10 processes
//! in the memory, cpu,cpuacct and pids hierarchies.

use std::fs;
use std::io;
use std::os::unix::fs::symlink;
use std::path::Path;

const HIERARCHIES: &[(u32, &str)] = &[(5, "memory"), (4, "cpu,cpuacct"), (3, "pids")];

fn write(root: &Path, rel: &str, content: &[u8]) -> io::Result<()> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, content)
}

fn status_text(pid: u32) -> String {
    let mut text = format!("Name:\tworker-{pid}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{pid}\nNgid:\t0\nPid:\t{pid}\nPPid:\t1\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t\nNStgid:\t{pid}\nNSpid:\t{pid}\nNSpgid:\t{pid}\nNSsid:\t{pid}\n");
    for line in [
        "VmPeak:\t    8680 kB",
        "VmSize:\t    8680 kB",
        "VmLck:\t       0 kB",
        "VmPin:\t       0 kB",
        "VmHWM:\t    1024 kB",
        "VmRSS:\t    1024 kB",
        "RssAnon:\t     128 kB",
        "RssFile:\t     896 kB",
        "RssShmem:\t       0 kB",
        "VmData:\t     360 kB",
        "VmStk:\t     132 kB",
        "VmExe:\t      20 kB",
        "VmLib:\t    1640 kB",
        "VmPTE:\t      52 kB",
        "VmSwap:\t       0 kB",
        "HugetlbPages:\t       0 kB",
        "CoreDumping:\t0",
        "THP_enabled:\t1",
        "Threads:\t1",
        "SigQ:\t0/7823",
        "SigPnd:\t0000000000000000",
        "ShdPnd:\t0000000000000000",
        "SigBlk:\t0000000000000000",
        "SigIgn:\t0000000000000000",
        "SigCgt:\t0000000000000000",
        "CapInh:\t0000000000000000",
        "CapPrm:\t000001ffffffffff",
        "CapEff:\t000001ffffffffff",
        "CapBnd:\t000001ffffffffff",
        "CapAmb:\t0000000000000000",
        "NoNewPrivs:\t0",
        "Seccomp:\t0",
        "Seccomp_filters:\t0",
        "Speculation_Store_Bypass:\tthread vulnerable",
        "Cpus_allowed:\t3",
        "Cpus_allowed_list:\t0-1",
        "Mems_allowed:\t00000000,00000001",
        "Mems_allowed_list:\t0",
        "voluntary_ctxt_switches:\t10",
        "nonvoluntary_ctxt_switches:\t2",
    ] {
        text.push_str(line);
        text.push('\n');
    }
    text
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(count)) = (args.next(), args.next()) else {
        eprintln!("usage: fake_node DIR PROCESSES");
        std::process::exit(2);
    };
    let count: u32 = count.parse().expect("PROCESSES is a number");
    let root = Path::new(&dir);
    write(root, "proc/sys/kernel/hostname", b"bench-node\n")?;
    write(
        root,
        "proc/sys/kernel/osrelease",
        b"3.10.0-1160.el7.x86_64\n",
    )?;
    write(
        root,
        "proc/version",
        b"Linux version 3.10.0-1160.el7.x86_64\n",
    )?;
    write(root, "etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n")?;
    write(root, "etc/group", b"root:x:0:\n")?;
    for (_, hierarchy) in HIERARCHIES {
        write(
            root,
            &format!("sys/fs/cgroup/{hierarchy}/cgroup.procs"),
            b"1\n",
        )?;
    }
    for pid in 1..=count {
        let pod = pid / 10;
        let base = format!("proc/{pid}");
        write(root, &format!("{base}/stat"), format!(
            "{pid} (worker-{pid}) S 1 {pid} {pid} 0 -1 4194560 110 0 0 0 0 0 0 0 20 0 1 0 {pid}00 8888192 256 18446744073709551615 94000000000000 94000000020000 140000000000000 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94000000030000 94000000031000 94000000040000 140000000001000 140000000001020 140000000001020 140000000002000 0\n").as_bytes())?;
        write(root, &format!("{base}/status"), status_text(pid).as_bytes())?;
        write(
            root,
            &format!("{base}/cmdline"),
            format!("/usr/bin/worker\0--id={pid}\0--config=/etc/worker.conf\0").as_bytes(),
        )?;
        let mut cgroup = String::new();
        for (id, hierarchy) in HIERARCHIES {
            cgroup.push_str(&format!("{id}:{hierarchy}:/kubepods/besteffort/pod{pod}\n"));
        }
        cgroup.push_str("2:devices:/\n1:name=systemd:/\n");
        write(root, &format!("{base}/cgroup"), cgroup.as_bytes())?;
        write(root, &format!("{base}/oom_score_adj"), b"1000\n")?;
        fs::create_dir_all(root.join(format!("{base}/ns")))?;
        for (name, kind, inode) in [
            ("cgroup", "cgroup", 4026531835u64),
            ("ipc", "ipc", 4026531839),
            ("mnt", "mnt", 4026531840),
            ("net", "net", 4026532000 + u64::from(pod)),
            ("pid", "pid", 4026531836),
            ("pid_for_children", "pid", 4026531836),
            ("user", "user", 4026531837),
            ("uts", "uts", 4026531838),
        ] {
            symlink(
                format!("{kind}:[{inode}]"),
                root.join(format!("{base}/ns/{name}")),
            )?;
        }
        if pid % 10 == 0 {
            for (_, hierarchy) in HIERARCHIES {
                let cgroup_dir = format!("sys/fs/cgroup/{hierarchy}/kubepods/besteffort/pod{pod}");
                let procs: String = (pid..pid + 10).map(|p| format!("{p}\n")).collect();
                write(
                    root,
                    &format!("{cgroup_dir}/cgroup.procs"),
                    procs.as_bytes(),
                )?;
                match *hierarchy {
                    "memory" => {
                        write(
                            root,
                            &format!("{cgroup_dir}/memory.limit_in_bytes"),
                            b"9223372036854771712\n",
                        )?;
                        write(
                            root,
                            &format!("{cgroup_dir}/memory.usage_in_bytes"),
                            b"10485760\n",
                        )?;
                        write(
                            root,
                            &format!("{cgroup_dir}/memory.stat"),
                            b"cache 0\nrss 0\n",
                        )?;
                    }
                    "pids" => write(root, &format!("{cgroup_dir}/pids.current"), b"10\n")?,
                    _ => write(root, &format!("{cgroup_dir}/cpu.shares"), b"2\n")?,
                }
            }
        }
    }
    Ok(())
}
