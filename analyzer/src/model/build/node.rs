//! Step 8 of the model build: the node's own facts (host, kernel, boot time, cgroup mode and
//! driver, runtimes, kubelet) and the record of the collection, with the one time format
//! the model writes.

use crate::model::inputs::RawNode;
use crate::model::{
    CgroupDriver, Collection, CollectionSource, Node, Pid, Process, ProcessRole, RuntimeInfo,
};
use nodesnap_format::Manifest;

/// The kernel's USER_HZ: /proc/<pid>/stat counts start times in these ticks on every
/// architecture Linux exposes to user space, whatever CONFIG_HZ is.
pub const USER_HZ: u64 = 100;

/// The node's facts, with what the other steps found out: the driver its cgroup paths vote for,
/// its runtime instances, and its kubelet among `processes`.
pub fn node(
    facts: &RawNode,
    cgroup_driver: CgroupDriver,
    runtimes: Vec<RuntimeInfo>,
    processes: &[Process],
) -> Node {
    // k3s and rke2 run the kubelet inside their server or agent process, which counts as the
    // kubelet.
    let kubelet_pid = processes
        .iter()
        .find(|p| p.role == ProcessRole::Kubelet)
        .map(|p| p.pid);
    Node {
        hostname: facts.hostname.clone(),
        kernel: facts.kernel.clone(),
        os: facts.os.clone(),
        boot_time: facts.boot_time_secs.map(rfc3339),
        uptime_secs: facts.uptime_secs,
        cgroup_mode: facts.cgroup_mode,
        cgroup_driver,
        runtimes,
        kubelet_pid,
        memory_total_bytes: facts.memory_total_bytes,
        cpus: facts.cpus,
        pid_max: facts.pid_max,
        loadavg: facts.loadavg,
    }
}

/// What the manifest says about the collection.
pub fn collection(manifest: &Manifest) -> Collection {
    Collection {
        source: CollectionSource::Nodesnap,
        collector_version: manifest.collector_version.clone(),
        format_version: manifest.format_version,
        started_at: manifest.started_at.clone(),
        finished_at: manifest.finished_at.clone(),
        duration_ms: manifest.duration_ms,
        cmdline: manifest.options.cmdline,
        counts: manifest.counts.clone(),
        collector_pid: manifest.collector_pid.map(Pid),
    }
}

/// Seconds since the epoch as RFC 3339 in UTC (civil-from-days, proleptic Gregorian).
pub fn rfc3339(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (hour, minute, second) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_the_epoch_leap_days_and_the_seed_boot() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_592_210_924), "2020-06-15T08:48:44Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
        // Start ticks are node data: any value must format, never panic.
        assert!(rfc3339(u64::MAX).ends_with('Z'));
    }
}
