//! Cgroup limits and usage as `inspect` prints them, one line each, in the terminal's compact
//! units (`present::units`): `memory 512Mi, cpu 2 CPUs, pids max`.

use crate::model::{Limit, Limits, Usage};
use crate::present::units::{bytes_compact, cpus, duration_compact};

/// A byte limit: `max` or a compact quantity.
fn byte_limit(limit: Limit) -> String {
    match limit {
        Limit::Max => "max".to_string(),
        Limit::Value(v) => bytes_compact(v),
    }
}

/// CPUs from a CFS quota and period, the kernel's default period of 100ms where the snapshot
/// has none; `max` without a quota.
fn cpu_limit(quota: Limit, period_usec: Option<u64>) -> String {
    match quota {
        Limit::Max => "max".to_string(),
        Limit::Value(quota) => cpus(quota, period_usec.unwrap_or(100_000)),
    }
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
            cpu_limit(quota, limits.cpu_period_usec)
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

/// One line of usage and event counters, only those the snapshot knows.
pub fn usage_line(usage: &Usage) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(current) = usage.memory_current_bytes {
        parts.push(format!("memory {}", bytes_compact(current)));
    }
    if let Some(peak) = usage.memory_peak_bytes {
        parts.push(format!("peak {}", bytes_compact(peak)));
    }
    if let Some(failcnt) = usage.memory_failcnt {
        parts.push(format!("failcnt {failcnt}"));
    }
    if let Some(hits) = usage.memory_max_events {
        parts.push(format!("memory.max hits {hits}"));
    }
    if usage.memory_under_oom == Some(true) {
        parts.push("under_oom".to_string());
    }
    if let Some(kills) = usage.oom_kills {
        // Counted once, here; the kernel's count for the subtree says how many were below.
        let below = usage
            .subtree
            .and_then(|s| s.oom_kills)
            .map(|all| all.saturating_sub(kills))
            .filter(|n| *n > 0);
        parts.push(match below {
            Some(below) => format!("OOM kills {kills} ({below} below)"),
            None => format!("OOM kills {kills}"),
        });
    }
    if let Some(pids) = usage.pids_current {
        parts.push(format!("pids {pids}"));
    }
    if let Some(refused) = usage.pids_max_events {
        parts.push(format!("pids.max hits {refused}"));
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
        parts.push(format!("throttled for {}", duration_compact(usec)));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SubtreeEvents;

    #[test]
    fn a_pods_own_kills_say_how_many_were_below_it() {
        let usage = Usage {
            oom_kills: Some(0),
            subtree: Some(SubtreeEvents {
                oom_kills: Some(3),
                ..SubtreeEvents::default()
            }),
            ..Usage::default()
        };
        assert_eq!(usage_line(&usage).unwrap(), "OOM kills 0 (3 below)");
        let own = Usage {
            oom_kills: Some(3),
            subtree: Some(SubtreeEvents {
                oom_kills: Some(3),
                ..SubtreeEvents::default()
            }),
            ..Usage::default()
        };
        assert_eq!(usage_line(&own).unwrap(), "OOM kills 3");
    }

    #[test]
    fn cpu_limits_divide_quota_by_period_or_read_max() {
        assert_eq!(cpu_limit(Limit::Value(200_000), Some(100_000)), "2 CPUs");
        assert_eq!(cpu_limit(Limit::Value(50_000), Some(100_000)), "0.5 CPU");
        assert_eq!(cpu_limit(Limit::Value(150_000), None), "1.5 CPUs");
        assert_eq!(cpu_limit(Limit::Max, Some(100_000)), "max");
        assert_eq!(byte_limit(Limit::Max), "max");
        assert_eq!(byte_limit(Limit::Value(512 << 20)), "512Mi");
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
}
