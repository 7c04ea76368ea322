//! Rules about the collection itself: files the collector could not read in full.

use super::{finding, rules::*};
use crate::model::{Finding, Subject};
use crate::present::text::{abbreviate, plural};
use crate::present::Index;
use std::collections::BTreeMap;

pub(super) fn collection_gaps(index: &Index, out: &mut Vec<Finding>) {
    let model = index.model;
    // What an sosreport does not record at all is said by the source notice (present::source),
    // not as files the collection missed.
    let gaps: Vec<&nodesnap_format::Gap> = model
        .gaps
        .iter()
        .filter(|g| g.reason != nodesnap_format::GapReason::NotCollected)
        .collect();
    if gaps.is_empty() {
        return;
    }
    let partial: Vec<String> = model
        .processes
        .iter()
        .filter(|p| p.partial)
        .map(|p| p.pid.to_string())
        .collect();
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    for gap in &gaps {
        *by_reason.entry(gap.reason.as_str()).or_default() += 1;
    }
    let reasons: Vec<String> = by_reason
        .iter()
        .map(|(reason, n)| format!("{n} {reason}"))
        .collect();
    let cgroup_files = gaps
        .iter()
        .filter(|g| g.path.starts_with("sys/fs/cgroup"))
        .count();
    let other: Vec<String> = gaps
        .iter()
        .filter(|g| !g.path.starts_with("proc/") && !g.path.starts_with("sys/fs/cgroup"))
        .map(|g| g.path.clone())
        .collect();
    let mut message = format!(
        "{} not collected in full ({})",
        plural(gaps.len(), "file", "files"),
        reasons.join(", ")
    );
    if !partial.is_empty() {
        message.push_str(&format!(
            "; {} partial: {}",
            plural(partial.len(), "process", "processes"),
            abbreviate(&partial, 10)
        ));
    }
    if cgroup_files > 0 {
        message.push_str(&format!(
            "; {}",
            plural(cgroup_files, "cgroup file", "cgroup files")
        ));
    }
    if !other.is_empty() {
        message.push_str(&format!("; also {}", abbreviate(&other, 5)));
    }
    out.push(finding(&COLLECTION_GAPS, Subject::Node, message));
}
