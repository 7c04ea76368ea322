//! Cgroup limits and usage in the units engineers write in pod specs: `512Mi`, `2 CPUs`, `max`.

use crate::model::{Limit, Limits, Usage};

/// Bytes in Kubernetes' binary units: exact multiples print whole (`512Mi`), others with one
/// decimal (`1.5Gi`); below 1Ki the plain number of bytes.
pub fn bytes(value: u64) -> String {
    const UNITS: [(&str, u64); 5] = [
        ("Pi", 1 << 50),
        ("Ti", 1 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ];
    for (suffix, size) in UNITS {
        if value >= size {
            if value.is_multiple_of(size) {
                return format!("{}{suffix}", value / size);
            }
            return format!("{:.1}{suffix}", value as f64 / size as f64);
        }
    }
    format!("{value}B")
}

pub fn byte_limit(limit: Limit) -> String {
    match limit {
        Limit::Max => "max".to_string(),
        Limit::Value(v) => bytes(v),
    }
}

/// CPUs from a CFS quota and period: `2 CPUs`, `0.5 CPUs`, `1 CPU`; `max` without a quota.
pub fn cpus(quota: Limit, period_usec: Option<u64>) -> String {
    let Limit::Value(quota) = quota else {
        return "max".to_string();
    };
    let period = period_usec.filter(|p| *p > 0).unwrap_or(100_000);
    let hundredths = (quota as u128 * 100 + period as u128 / 2) / period as u128;
    let whole = hundredths / 100;
    let frac = hundredths % 100;
    let number = if frac == 0 {
        whole.to_string()
    } else if frac.is_multiple_of(10) {
        format!("{whole}.{}", frac / 10)
    } else {
        format!("{whole}.{frac:02}")
    };
    let unit = if hundredths == 100 { "CPU" } else { "CPUs" };
    format!("{number} {unit}")
}

/// One line of limits, only those the snapshot knows: `memory 512Mi, cpu 2 CPUs, shares 2048,
/// pids max`. `None` when nothing is known.
pub fn limits_line(limits: &Limits) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(max) = limits.memory_max_bytes {
        parts.push(format!("memory {}", byte_limit(max)));
    }
    if let Some(high) = limits.memory_high_bytes {
        parts.push(format!("memory.high {}", byte_limit(high)));
    }
    if let Some(quota) = limits.cpu_quota_usec {
        let detail = match (quota, limits.cpu_period_usec) {
            (Limit::Value(q), Some(p)) => format!(" ({q}us per {p}us)"),
            _ => String::new(),
        };
        parts.push(format!(
            "cpu {}{detail}",
            cpus(quota, limits.cpu_period_usec)
        ));
    }
    if let Some(weight) = limits.cpu_weight {
        parts.push(format!("weight {weight}"));
    }
    if let Some(shares) = limits.cpu_shares {
        parts.push(format!("shares {shares}"));
    }
    if let Some(pids) = limits.pids_max {
        let text = match pids {
            Limit::Max => "max".to_string(),
            Limit::Value(v) => v.to_string(),
        };
        parts.push(format!("pids {text}"));
    }
    if let Some(cpuset) = &limits.cpuset_cpus {
        parts.push(format!("cpuset {cpuset}"));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// One line of usage and trouble counters, only those the snapshot knows.
pub fn usage_line(usage: &Usage) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(current) = usage.memory_current_bytes {
        parts.push(format!("memory {}", bytes(current)));
    }
    if let Some(peak) = usage.memory_peak_bytes {
        parts.push(format!("peak {}", bytes(peak)));
    }
    if let Some(failcnt) = usage.memory_failcnt {
        parts.push(format!("failcnt {failcnt}"));
    }
    if let Some(kills) = usage.oom_kills {
        parts.push(format!("OOM kills {kills}"));
    }
    if let Some(pids) = usage.pids_current {
        parts.push(format!("pids {pids}"));
    }
    if let (Some(periods), Some(throttled)) = (usage.cpu_nr_periods, usage.cpu_nr_throttled) {
        let percent = throttled
            .saturating_mul(100)
            .checked_div(periods)
            .map_or_else(String::new, |p| format!(" ({p}%)"));
        parts.push(format!(
            "throttled {throttled} of {periods} periods{percent}"
        ));
    }
    if let Some(usec) = usage.cpu_throttled_usec {
        parts.push(format!("throttled for {}", duration_usec(usec)));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A duration in microseconds as `1.5s`, `2m03s`, `4h07m`.
pub fn duration_usec(usec: u64) -> String {
    let secs = usec / 1_000_000;
    if secs < 60 {
        let tenths = usec / 100_000;
        return format!("{}.{}s", tenths / 10, tenths % 10);
    }
    if secs < 3600 {
        return format!("{}m{:02}s", secs / 60, secs % 60);
    }
    format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
}

/// An uptime in seconds like `systemctl status` prints it: `1d 17h`, `3h 05m`, `42s`.
pub fn uptime(secs: u64) -> String {
    let days = secs / 86_400;
    let hours = (secs % 86_400) / 3600;
    let minutes = (secs % 3600) / 60;
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m")
    } else {
        format!("{secs}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_use_binary_units_like_pod_specs() {
        let cases = [
            (0, "0B"),
            (1023, "1023B"),
            (1024, "1Ki"),
            (512 << 20, "512Mi"),
            (3 << 29, "1.5Gi"),
            (16 << 30, "16Gi"),
            (1 << 40, "1Ti"),
        ];
        for (value, expected) in cases {
            assert_eq!(bytes(value), expected, "{value}");
        }
        assert_eq!(byte_limit(Limit::Max), "max");
    }

    #[test]
    fn cpus_divide_quota_by_period() {
        let cases = [
            (Limit::Value(200_000), Some(100_000), "2 CPUs"),
            (Limit::Value(100_000), Some(100_000), "1 CPU"),
            (Limit::Value(50_000), Some(100_000), "0.5 CPUs"),
            (Limit::Value(25_000), Some(100_000), "0.25 CPUs"),
            (Limit::Value(150_000), None, "1.5 CPUs"),
            (Limit::Value(10_000), Some(0), "0.1 CPUs"),
            (Limit::Max, Some(100_000), "max"),
        ];
        for (quota, period, expected) in cases {
            assert_eq!(cpus(quota, period), expected, "{quota:?} / {period:?}");
        }
    }

    #[test]
    fn limits_line_lists_known_limits_only() {
        assert_eq!(limits_line(&Limits::default()), None);
        let limits = Limits {
            memory_max_bytes: Some(Limit::Value(512 << 20)),
            cpu_quota_usec: Some(Limit::Value(200_000)),
            cpu_period_usec: Some(100_000),
            cpu_shares: Some(2048),
            pids_max: Some(Limit::Max),
            ..Limits::default()
        };
        assert_eq!(
            limits_line(&limits).unwrap(),
            "memory 512Mi, cpu 2 CPUs (200000us per 100000us), shares 2048, pids max"
        );
    }

    #[test]
    fn usage_line_shows_throttling_as_a_share_of_periods() {
        let usage = Usage {
            memory_current_bytes: Some(300 << 20),
            oom_kills: Some(2),
            cpu_nr_periods: Some(200),
            cpu_nr_throttled: Some(50),
            cpu_throttled_usec: Some(1_500_000),
            ..Usage::default()
        };
        assert_eq!(
            usage_line(&usage).unwrap(),
            "memory 300Mi, OOM kills 2, throttled 50 of 200 periods (25%), throttled for 1.5s"
        );
        assert_eq!(usage_line(&Usage::default()), None);
    }

    #[test]
    fn durations_and_uptimes_read_like_systemctl() {
        assert_eq!(duration_usec(123_000_000), "2m03s");
        assert_eq!(duration_usec(4 * 3600 * 1_000_000 + 420_000_000), "4h07m");
        assert_eq!(uptime(150_000), "1d 17h");
        assert_eq!(uptime(3 * 3600 + 300), "3h 05m");
        assert_eq!(uptime(42), "42s");
    }
}
