//! Step 8 of the model build: the node's own facts (host, kernel, boot time, cgroup mode and
//! driver, runtimes, kubelet) and the record of the collection, with the one time format
//! the model writes.

use crate::model::inputs::RawNode;
use crate::model::{
    CgroupDriver, Collection, CollectionSource, DriverSource, Headroom, HeadroomLimit,
    KubeletCgroupDriver, Node, Pid, Process, ProcessRole, RuntimeInfo,
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
    let kubelet = processes.iter().find(|p| p.role == ProcessRole::Kubelet);
    let kubelet_pid = kubelet.map(|p| p.pid);
    Node {
        hostname: facts.hostname.clone(),
        kernel: facts.kernel.clone(),
        os: facts.os.clone(),
        boot_time: facts.boot_time_secs.map(rfc3339),
        boot_id: facts.boot_id.clone(),
        uptime_secs: facts.uptime_secs,
        cgroup_mode: facts.cgroup_mode,
        cgroup_driver,
        runtimes,
        kubelet_pid,
        memory_total_bytes: facts.memory_total_bytes,
        memory_available_bytes: facts.memory_available_bytes,
        cpus: facts.cpus,
        pid_max: facts.pid_max,
        loadavg: facts.loadavg,
        pressure: facts.pressure,
        headroom: headroom(facts, processes),
        kubelet_cgroup_driver: kubelet.and_then(|k| kubelet_cgroup_driver(facts, k)),
    }
}

/// The node's limits with what is in use: threads and pids from the processes' thread counts
/// (a process whose count is unknown counts as one), the rest from /proc/sys.
fn headroom(facts: &RawNode, processes: &[Process]) -> Headroom {
    let sysctls = &facts.sysctls;
    let threads: u64 = processes
        .iter()
        .map(|p| u64::from(p.threads.unwrap_or(1)))
        .sum();
    let threads = (!processes.is_empty()).then_some(threads);
    let limit = |used: Option<u64>, max: Option<u64>| max.map(|max| HeadroomLimit::new(used, max));
    let file_max = sysctls.file_max.or(sysctls.file_nr.map(|nr| nr.max));
    Headroom {
        conntrack: limit(sysctls.conntrack_count, sysctls.conntrack_max),
        inotify_watches: limit(None, sysctls.inotify_max_user_watches),
        inotify_instances: limit(None, sysctls.inotify_max_user_instances),
        threads: limit(threads, sysctls.threads_max),
        file_handles: limit(sysctls.file_nr.map(|nr| nr.used()), file_max),
        pids: limit(threads, facts.pid_max),
    }
}

/// The kubelet's cgroup driver as the kubelet itself decides it: its flag, else its config
/// file, else the default. From the collector's record of it where there is one; from its
/// command line alone in snapshots without (the config is then unknown, and so is the
/// default). None where the record's config could not be read, as it may name the driver.
fn kubelet_cgroup_driver(facts: &RawNode, kubelet: &Process) -> Option<KubeletCgroupDriver> {
    let found = |driver: &str, source| {
        let driver = match driver {
            "systemd" => CgroupDriver::Systemd,
            "cgroupfs" => CgroupDriver::Cgroupfs,
            _ => CgroupDriver::Unknown,
        };
        Some(KubeletCgroupDriver { driver, source })
    };
    let record = facts.kubelets.iter().find(|r| r.pid == kubelet.pid.0);
    let Some(record) = record else {
        let argv = kubelet.cmdline.as_deref()?;
        let mut words = argv.split(' ');
        while let Some(word) = words.next() {
            if let Some(value) = word.strip_prefix("--cgroup-driver=") {
                return found(value, DriverSource::Flag);
            }
            if word == "--cgroup-driver" {
                return found(words.next()?, DriverSource::Flag);
            }
        }
        return None;
    };
    match (
        record.cgroup_driver.as_deref(),
        record.cgroup_driver_from.as_deref(),
    ) {
        (Some(driver), Some("config")) => found(driver, DriverSource::Config),
        (Some(driver), _) => found(driver, DriverSource::Flag),
        (None, _) => {
            let config = record.config.as_deref().map(|c| c.trim_start_matches('/'));
            let unread =
                config.is_some_and(|c| facts.unread_kubelet_configs.iter().any(|u| u == c));
            (!unread).then_some(KubeletCgroupDriver {
                driver: CgroupDriver::Cgroupfs,
                source: DriverSource::Default,
            })
        }
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
