//! Limits and usage of a pod or container as the report's facts, in prose units. A figure is
//! highlighted where findings' rule for it would fire (throttling, pids near the limit), and
//! memory above 90% of its limit, for which no rule exists.

use super::super::text::visible;
use super::links::Fact;
use crate::findings::{heavily_throttled, pids_near_limit, pressure_over};
use crate::model::{Limit, Limits, Usage};
use crate::present::signals;
use crate::present::units::{bytes, count, cpus, duration_ms, percent, percent_text};

/// Limits and usage in words, only those the snapshot knows.
pub fn resource_facts(limits: &Limits, usage: &Usage) -> Vec<Fact> {
    let mut facts = Vec::new();
    let memory_limit = match limits.memory_max_bytes {
        Some(Limit::Value(n)) => Some(n),
        _ => None,
    };
    let memory = match (usage.memory_current_bytes, memory_limit) {
        (Some(used), Some(limit)) => {
            let pct = percent(used, limit).unwrap_or(0.0);
            Some(Fact::warn(
                "Memory",
                format!(
                    "{} of {} ({})",
                    bytes(used),
                    bytes(limit),
                    percent_text(pct)
                ),
                pct >= 90.0,
            ))
        }
        (Some(used), None) if limits.memory_max_bytes.is_some() => {
            Some(Fact::new("Memory", format!("{} · no limit", bytes(used))))
        }
        (Some(used), None) => Some(Fact::new("Memory", bytes(used))),
        (None, Some(limit)) => Some(Fact::new("Memory", format!("limit {}", bytes(limit)))),
        (None, None) if limits.memory_max_bytes.is_some() => Some(Fact::new("Memory", "no limit")),
        (None, None) => None,
    };
    facts.extend(memory);
    if let Some(peak) = usage.memory_peak_bytes {
        facts.push(Fact::new("Memory peak", bytes(peak)));
    }
    if let Some(Limit::Value(high)) = limits.memory_high_bytes {
        facts.push(Fact::new("Memory high", bytes(high)));
    }
    if let Some(kills) = usage.oom_kills.filter(|n| *n > 0) {
        facts.push(Fact::warn("OOM kills", count(kills), true));
    }
    if let Some(hits) = usage.memory_failcnt.filter(|n| *n > 0) {
        facts.push(Fact::warn("Limit hits", count(hits), true));
    }
    let mut cpu = Vec::new();
    match (limits.cpu_quota_usec, limits.cpu_period_usec) {
        (Some(Limit::Value(quota)), Some(period)) => {
            cpu.push(format!("limit {}", cpus(quota, period)))
        }
        (Some(Limit::Value(quota)), None) => cpu.push(format!("quota {quota} µs")),
        (Some(Limit::Max), _) => cpu.push("no limit".to_string()),
        (None, _) => {}
    }
    if let Some(shares) = limits.cpu_shares {
        cpu.push(format!("shares {shares}"));
    }
    if let Some(weight) = limits.cpu_weight {
        cpu.push(format!("weight {weight}"));
    }
    if let Some(set) = &limits.cpuset_cpus {
        cpu.push(format!("cpus {}", visible(set)));
    }
    if !cpu.is_empty() {
        facts.push(Fact::new("CPU", cpu.join(" · ")));
    }
    if let (Some(throttled), Some(periods)) = (usage.cpu_nr_throttled, usage.cpu_nr_periods) {
        let pct = percent(throttled, periods).unwrap_or(0.0);
        let time = usage
            .cpu_throttled_usec
            .map(|us| format!(" · {}", duration_ms(us / 1000)))
            .unwrap_or_default();
        facts.push(Fact::warn(
            "Throttled",
            format!(
                "{} of {} periods ({}){time}",
                count(throttled),
                count(periods),
                percent_text(pct)
            ),
            heavily_throttled(usage).is_some(),
        ));
    }
    match (usage.pids_current, limits.pids_max) {
        (Some(n), Some(Limit::Value(max))) => facts.push(Fact::warn(
            "Pids",
            format!("{} of {}", count(n), count(max)),
            pids_near_limit(limits, usage),
        )),
        (Some(n), _) => facts.push(Fact::new("Pids", count(n))),
        (None, Some(Limit::Value(max))) => {
            facts.push(Fact::new("Pids", format!("limit {}", count(max))))
        }
        _ => {}
    }
    signal_facts(usage, &mut facts);
    facts
}

/// What the memory is, and each pressure file, highlighted where a pressure rule would fire.
fn signal_facts(usage: &Usage, facts: &mut Vec<Fact>) {
    if let Some(text) = usage
        .memory_breakdown
        .as_ref()
        .and_then(signals::memory_breakdown)
    {
        facts.push(Fact::new("Memory is", text));
    }
    for (name, resource) in signals::pressures(&usage.pressure) {
        facts.push(Fact::warn(
            pressure_label(name),
            format!("{} (avg10 · avg60)", signals::pressure(&resource)),
            pressure_over(&resource).is_some(),
        ));
    }
}

/// The fact's label for a pressure file.
pub fn pressure_label(name: &str) -> &'static str {
    match name {
        "cpu" => "CPU pressure",
        "memory" => "Memory pressure",
        _ => "IO pressure",
    }
}
