//! Pieces every layout shares: kernel threads, identity files, the kubelet's arithmetic for
//! shares, quotas and oom_score_adj, and the kubelet's log directories.

use crate::fake_node::{FakeNode, Process};

/// The kubelet's oom_score_adj for a burstable container with this memory request:
/// `1000 - 1000 * request / capacity`, kept within 2..=999.
pub fn burstable_oom_score_adj(request_bytes: u64, capacity_bytes: u64) -> i32 {
    let adj = 1000 - (1000 * request_bytes / capacity_bytes.max(1)) as i64;
    adj.clamp(2, 999) as i32
}

pub const GUARANTEED_OOM_SCORE_ADJ: i32 = -997;
pub const BESTEFFORT_OOM_SCORE_ADJ: i32 = 1000;
pub const SANDBOX_OOM_SCORE_ADJ: i32 = -998;

/// `cpu.shares` for a cpu request in millicores, as the kubelet computes it (minimum 2).
pub fn shares(millicpu: u64) -> u64 {
    (millicpu * 1024 / 1000).max(2)
}

/// `cpu.cfs_quota_us` for a cpu limit in millicores with the default 100 ms period.
pub fn quota_us(millicpu: u64) -> u64 {
    millicpu * 100
}

pub const MIB: u64 = 1024 * 1024;

/// The first kernel threads of a booted kernel; 3.10 still has the per-cpu `watchdog/N` and
/// `rcu_bh`, newer kernels have `rcu_gp` and `kworker/R-...`-style names.
pub fn add_kernel_threads(node: &mut FakeNode, modern: bool) {
    node.process(Process::kthread(2, 0, "kthreadd"));
    let names: &[&str] = if modern {
        &[
            "rcu_gp",
            "rcu_par_gp",
            "kworker/0:0H-events_highpri",
            "mm_percpu_wq",
            "rcu_tasks_kthre",
            "ksoftirqd/0",
            "rcu_sched",
            "migration/0",
            "cpuhp/0",
            "kdevtmpfs",
            "kauditd",
            "khungtaskd",
            "oom_reaper",
            "kcompactd0",
            "ksmd",
            "khugepaged",
            "kswapd0",
        ]
    } else {
        &[
            "ksoftirqd/0",
            "kworker/0:0H",
            "migration/0",
            "rcu_bh",
            "rcu_sched",
            "lru-add-drain",
            "watchdog/0",
            "kdevtmpfs",
            "netns",
            "khungtaskd",
            "writeback",
            "kintegrityd",
            "kblockd",
            "md",
            "kswapd0",
            "ksmd",
            "khugepaged",
        ]
    };
    for (i, name) in names.iter().enumerate() {
        let pid = 3 + i as u32;
        let mut t = Process::kthread(pid, 2, name).started(0.0);
        if name.starts_with("kworker") || name.ends_with("_gp") || name.ends_with("_wq") {
            // Workqueue rescuers idle in I on kernels that have the state.
            if modern {
                t = t.state('I');
            }
            t = t.nice(-20);
        }
        node.process(t);
    }
}

/// `etc/passwd` of a RHEL-family host. root keeps a password hash in passwd itself (a legacy
/// habit some nodes still have) so tests can check that the collector strips it.
pub fn passwd_rhel(extra: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = [
        "root:$6$fakesalt$Zq9yKJ0fGk3FAKEFAKEFAKEhashhashhashNOTREAL0123456789abcdef:0:0:root:/root:/bin/bash",
        "bin:x:1:1:bin:/bin:/sbin/nologin",
        "daemon:x:2:2:daemon:/sbin:/sbin/nologin",
        "adm:x:3:4:adm:/var/adm:/sbin/nologin",
        "lp:x:4:7:lp:/var/spool/lpd:/sbin/nologin",
        "sync:x:5:0:sync:/sbin:/bin/sync",
        "shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown",
        "halt:x:7:0:halt:/sbin:/sbin/halt",
        "mail:x:8:12:mail:/var/spool/mail:/sbin/nologin",
        "operator:x:11:0:operator:/root:/sbin/nologin",
        "games:x:12:100:games:/usr/games:/sbin/nologin",
        "ftp:x:14:50:FTP User:/var/ftp:/sbin/nologin",
        "nobody:x:99:99:Nobody:/:/sbin/nologin",
        "systemd-network:x:192:192:systemd Network Management:/:/sbin/nologin",
        "dbus:x:81:81:System message bus:/:/sbin/nologin",
        "polkitd:x:999:998:User for polkitd:/:/sbin/nologin",
        "sshd:x:74:74:Privilege-separated SSH:/var/empty/sshd:/sbin/nologin",
        "postfix:x:89:89::/var/spool/postfix:/sbin/nologin",
        "chrony:x:998:996::/var/lib/chrony:/sbin/nologin",
        "rpc:x:32:32:Rpcbind Daemon:/var/lib/rpcbind:/sbin/nologin",
        "rpcuser:x:29:29:RPC Service User:/var/lib/nfs:/sbin/nologin",
        "nfsnobody:x:65534:65534:Anonymous NFS User:/var/lib/nfs:/sbin/nologin",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    lines.extend(extra.iter().map(|s| s.to_string()));
    lines
}

pub fn group_rhel(extra: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = [
        "root:x:0:",
        "bin:x:1:",
        "daemon:x:2:",
        "sys:x:3:",
        "adm:x:4:",
        "tty:x:5:",
        "disk:x:6:",
        "lp:x:7:",
        "mem:x:8:",
        "kmem:x:9:",
        "wheel:x:10:",
        "mail:x:12:postfix",
        "man:x:15:",
        "dialout:x:18:",
        "floppy:x:19:",
        "games:x:20:",
        "tape:x:33:",
        "video:x:39:",
        "ftp:x:50:",
        "lock:x:54:",
        "audio:x:63:",
        "nobody:x:99:",
        "users:x:100:",
        "utmp:x:22:",
        "systemd-journal:x:190:",
        "systemd-network:x:192:",
        "dbus:x:81:",
        "polkitd:x:998:",
        "ssh_keys:x:997:",
        "sshd:x:74:",
        "postdrop:x:90:",
        "postfix:x:89:",
        "chrony:x:996:",
        "rpc:x:32:",
        "rpcuser:x:29:",
        "nfsnobody:x:65534:",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    lines.extend(extra.iter().map(|s| s.to_string()));
    lines
}

/// `etc/passwd` of a Debian-family host, with a hash left in passwd for the same reason.
pub fn passwd_debian(extra: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = [
        "root:$y$j9T$fakesaltFAKE$NOTaREALhashNOTaREALhashNOTaREALhash0123:0:0:root:/root:/bin/bash",
        "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
        "bin:x:2:2:bin:/bin:/usr/sbin/nologin",
        "sys:x:3:3:sys:/dev:/usr/sbin/nologin",
        "sync:x:4:65534:sync:/bin:/bin/sync",
        "man:x:6:12:man:/var/cache/man:/usr/sbin/nologin",
        "mail:x:8:8:mail:/var/mail:/usr/sbin/nologin",
        "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin",
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
        "systemd-network:x:100:102:systemd Network Management,,,:/run/systemd:/usr/sbin/nologin",
        "systemd-resolve:x:101:103:systemd Resolver,,,:/run/systemd:/usr/sbin/nologin",
        "messagebus:x:103:106::/nonexistent:/usr/sbin/nologin",
        "systemd-timesync:x:104:107:systemd Time Synchronization,,,:/run/systemd:/usr/sbin/nologin",
        "syslog:x:106:110::/home/syslog:/usr/sbin/nologin",
        "sshd:x:110:65534::/run/sshd:/usr/sbin/nologin",
        "ops:x:1000:1000:Ops,,,:/home/ops:/bin/bash",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    lines.extend(extra.iter().map(|s| s.to_string()));
    lines
}

pub fn group_debian(extra: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = [
        "root:x:0:",
        "daemon:x:1:",
        "bin:x:2:",
        "sys:x:3:",
        "adm:x:4:syslog,ops",
        "tty:x:5:",
        "disk:x:6:",
        "mail:x:8:",
        "man:x:12:",
        "www-data:x:33:",
        "sudo:x:27:ops",
        "users:x:100:",
        "nogroup:x:65534:",
        "systemd-journal:x:101:",
        "systemd-network:x:102:",
        "systemd-resolve:x:103:",
        "messagebus:x:106:",
        "systemd-timesync:x:107:",
        "syslog:x:110:",
        "ops:x:1000:",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    lines.extend(extra.iter().map(|s| s.to_string()));
    lines
}

/// Where a kubelet-managed container's `0.log` comes from.
pub enum LogFile<'a> {
    /// dockershim: `0.log` is a symlink to docker's json log.
    DockerJson(&'a str),
    /// CRI runtimes: `0.log` is a regular file in CRI log format.
    Cri,
}

/// `var/log/pods/<ns>_<pod>_<uid>/<container>/0.log` and its
/// `var/log/containers/<pod>_<ns>_<container>-<id>.log` link.
pub fn add_pod_log(
    node: &mut FakeNode,
    namespace: &str,
    pod: &str,
    uid: &str,
    container: &str,
    id: &str,
    log: LogFile,
) {
    let dir = format!("var/log/pods/{namespace}_{pod}_{uid}/{container}");
    match log {
        LogFile::DockerJson(id) => {
            node.symlink(
                &format!("{dir}/0.log"),
                &format!("/var/lib/docker/containers/{id}/{id}-json.log"),
            );
        }
        LogFile::Cri => {
            node.file(
                &format!("{dir}/0.log"),
                format!("2024-01-08T09:12:31.118311871Z stdout F {container} started\n"),
            );
        }
    }
    node.symlink(
        &format!("var/log/containers/{pod}_{namespace}_{container}-{id}.log"),
        &format!("/{dir}/0.log"),
    );
}

/// RFC 3339 UTC time with nanoseconds, as docker and containerd write it.
pub fn rfc3339(epoch_secs: f64) -> String {
    let whole = epoch_secs.floor() as u64;
    let nanos = ((epoch_secs - whole as f64) * 1e9).round() as u64 % 1_000_000_000;
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let days = (whole / 86400) as i64;
    let rem = whole % 86400;
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
