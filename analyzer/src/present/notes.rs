//! The notes shown beside a cgroup (`cgls`'s `! …`, the report's cgroup tree, the model's
//! `Cgroup.trouble`): the findings whose subject is that cgroup, each said in a few words from
//! the cgroup's counters. Findings decide whether there is trouble; this only words it, so a
//! cgroup is flagged exactly where a finding is about it.
//!
//! This module reads the findings' rule ids; the rest of `present` sits below `findings`.

use crate::findings::{
    mostly_reclaimable, pressure_over, CGROUP_CPU_THROTTLED, CGROUP_MEMORY_LIMIT_HIT,
    CGROUP_OOM_KILLS, CGROUP_PIDS_LIMIT_HIT, CGROUP_PIDS_NEAR_LIMIT, CPU_PRESSURE, DYING_CGROUPS,
    IO_PRESSURE, LEAKED_POD_CGROUP, MEMORY_MOSTLY_RECLAIMABLE, MEMORY_PRESSURE, OOM_AT_POD_LEVEL,
    RULES,
};
use crate::model::{Cgroup, CgroupPath, Finding, Limit, Model, Subject};
use crate::present::units;
use std::collections::HashMap;

/// The notes of every cgroup some finding is about, by the cgroup's position in
/// `model.cgroups`, built once per view.
pub struct CgroupNotes {
    by_position: HashMap<usize, Vec<String>>,
}

impl CgroupNotes {
    pub fn new(model: &Model) -> CgroupNotes {
        let mut about: HashMap<usize, Vec<&Finding>> = HashMap::new();
        for f in &model.findings {
            if let Subject::Cgroup(path) = &f.subject {
                if let Some(position) = position_of(model, path) {
                    about.entry(position).or_default().push(f);
                }
            }
        }
        let by_position = about
            .into_iter()
            .map(|(position, mut findings)| {
                let cgroup = &model.cgroups[position];
                // The catalogue's order: memory before cpu before pids, as the counters read.
                findings.sort_by_key(|f| RULES.iter().position(|r| r.id == f.rule));
                let notes = findings.iter().flat_map(|f| note(f, cgroup)).collect();
                (position, notes)
            })
            .collect();
        CgroupNotes { by_position }
    }

    /// The notes of the cgroup at `position` in `model.cgroups`, empty when no finding is
    /// about it.
    pub fn at(&self, position: usize) -> &[String] {
        if self.by_position.is_empty() {
            return &[];
        }
        self.by_position.get(&position).map_or(&[], Vec::as_slice)
    }
}

/// Where a finding's cgroup is in `model.cgroups`: found by binary search, since the model
/// sorts cgroups by path (a few comparisons per finding, however many cgroups there are),
/// and by a scan where a hand-built model did not sort them.
fn position_of(model: &Model, path: &CgroupPath) -> Option<usize> {
    match model.cgroups.binary_search_by(|c| c.path.cmp(path)) {
        Ok(position) => Some(position),
        Err(_) => model.cgroups.iter().position(|c| c.path == *path),
    }
}

/// Fills each cgroup's `trouble` with its notes; the pipeline's step after the findings.
pub fn fill_trouble(model: &mut Model) {
    let notes = CgroupNotes::new(model).by_position;
    for (position, trouble) in notes {
        if let Some(cgroup) = model.cgroups.get_mut(position) {
            cgroup.trouble = trouble;
        }
    }
}

fn times(n: u64) -> &'static str {
    if n == 1 {
        "time"
    } else {
        "times"
    }
}

/// A finding about `cgroup` in a few words, from the counters it judged; its message for a
/// rule that has no short form.
fn note(finding: &Finding, cgroup: &Cgroup) -> Vec<String> {
    let usage = &cgroup.usage;
    let rule = finding.rule.as_str();
    let mut notes = Vec::new();
    if rule == CGROUP_OOM_KILLS.id {
        let kills = usage.oom_kills.unwrap_or(0);
        let who = if kills == 1 { "process" } else { "processes" };
        notes.push(format!("{kills} {who} killed by the OOM killer"));
    } else if rule == CGROUP_MEMORY_LIMIT_HIT.id {
        if let Some(n) = usage.memory_failcnt.filter(|n| *n > 0) {
            notes.push(format!(
                "memory limit hit {n} {} (memory.failcnt)",
                times(n)
            ));
        } else if let Some(n) = usage.memory_max_events.filter(|n| *n > 0) {
            notes.push(format!(
                "memory.max reached {n} {} (memory.events max)",
                times(n)
            ));
        }
        if usage.memory_under_oom == Some(true) {
            notes.push("out of memory right now (memory.oom_control under_oom 1)".to_string());
        }
    } else if rule == CGROUP_CPU_THROTTLED.id {
        if let (Some(periods), Some(throttled)) = (usage.cpu_nr_periods, usage.cpu_nr_throttled) {
            let percent = u128::from(throttled) * 100 / u128::from(periods.max(1));
            notes.push(format!(
                "cpu throttled in {throttled} of {periods} periods ({percent}%)"
            ));
        }
    } else if rule == CGROUP_PIDS_NEAR_LIMIT.id {
        if let (Some(current), Some(Limit::Value(max))) =
            (usage.pids_current, cgroup.limits.pids_max)
        {
            notes.push(format!("{current} of pids.max {max} tasks in use"));
        }
    } else if rule == CGROUP_PIDS_LIMIT_HIT.id {
        if let Some(n) = usage.pids_max_events {
            notes.push(format!(
                "fork refused {n} {} at pids.max (pids.events max)",
                times(n)
            ));
        }
    }
    let pressure = [
        (&MEMORY_PRESSURE, "memory", usage.pressure.memory),
        (&CPU_PRESSURE, "cpu", usage.pressure.cpu),
        (&IO_PRESSURE, "io", usage.pressure.io),
    ];
    for (of, name, resource) in pressure {
        if rule == of.id {
            if let Some(over) = resource.as_ref().and_then(pressure_over) {
                notes.push(format!("stalled on {name}: {over}"));
            }
        }
    }
    if rule == MEMORY_MOSTLY_RECLAIMABLE.id {
        if let Some((_, reclaimable)) = mostly_reclaimable(cgroup) {
            notes.push(format!(
                "near its memory limit, {} of it reclaimable: not a leak",
                units::bytes(reclaimable)
            ));
        }
    } else if rule == DYING_CGROUPS.id {
        if let Some(n) = usage.nr_dying_descendants {
            notes.push(format!("{n} dying descendant cgroups"));
        }
    } else if rule == LEAKED_POD_CGROUP.id {
        notes.push("no processes and no runtime record: leaked".to_string());
    } else if rule == OOM_AT_POD_LEVEL.id {
        if let Some(n) = usage.memory_oom_events.filter(|n| *n > 0) {
            notes.push(format!("the pod's own memory limit fired {n} {}", times(n)));
        }
    }
    if notes.is_empty() {
        notes.push(finding.message.clone());
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::{Fs, NodeBuilder, Proc};

    /// A v2 node whose container had OOM kills, counted again in its pod's and QoS cgroups as
    /// v2 does, and whose cpu was throttled in 30% of only 50 periods.
    fn node() -> NodeBuilder {
        let mut node = NodeBuilder::new(Fs::V2);
        let app = "/kubepods/burstable/pod0f0e0d0c-0b0a-4908-8706-050403020100/\
                   aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        node.process(Proc::new(1, 0, "systemd", "/sbin/init"));
        node.process(Proc::new(920, 1, "nginx", "nginx").cgroup(app));
        for dir in [
            app,
            "/kubepods/burstable/pod0f0e0d0c-0b0a-4908-8706-050403020100",
        ] {
            node.cgroup_file(dir, "memory.events", "max 0\noom 2\noom_kill 2\n");
        }
        node.cgroup_file(app, "cpu.stat", "nr_periods 50\nnr_throttled 15\n");
        node
    }

    #[test]
    fn notes_follow_the_findings_where_the_event_happened() {
        let model = crate::analyze(&node().build());
        let notes = CgroupNotes::new(&model);
        let noted: Vec<(String, &[String])> = model
            .cgroups
            .iter()
            .enumerate()
            .map(|(i, c)| (c.path.to_string(), notes.at(i)))
            .filter(|(_, n)| !n.is_empty())
            .collect();
        assert_eq!(noted.len(), 1, "only the container's cgroup: {noted:?}");
        assert!(noted[0].0.ends_with("aaaa"), "{noted:?}");
        // Throttled in 30% of 50 periods is too few periods for findings, so no note either.
        assert_eq!(noted[0].1, ["2 processes killed by the OOM killer"]);
    }

    #[test]
    fn the_models_trouble_is_the_notes() {
        let model = crate::analyze(&node().build());
        let notes = CgroupNotes::new(&model);
        for (i, cgroup) in model.cgroups.iter().enumerate() {
            assert_eq!(cgroup.trouble, notes.at(i), "{}", cgroup.path);
        }
        assert!(model.cgroups.iter().any(|c| !c.trouble.is_empty()));
    }
}
