//! Pressure stall information (PSI) rules: a pod, a container or the node whose tasks were
//! stalled on cpu, memory or io for a large share of the last 10 or 60 seconds.

use super::{finding, rules::*, PRESSURE_FULL_PERCENT, PRESSURE_SOME_PERCENT};
use crate::model::{Cgroup, Finding, Pressure, PressureLine, ResourcePressure, Subject};
use crate::present::Index;
use std::collections::HashSet;

/// The three resources, each with its rule and how to read it off a `Pressure`.
type Resource = (
    &'static Rule,
    &'static str,
    fn(&Pressure) -> Option<ResourcePressure>,
);

const RESOURCES: [Resource; 3] = [
    (&CPU_PRESSURE, "cpu", |p| p.cpu),
    (&MEMORY_PRESSURE, "memory", |p| p.memory),
    (&IO_PRESSURE, "io", |p| p.io),
];

/// The figures over their threshold, in words (`some avg10 35.2%, full avg60 6.0%`); None
/// when none is: `some` at [`PRESSURE_SOME_PERCENT`], `full` at [`PRESSURE_FULL_PERCENT`], in
/// its 10- or 60-second average.
pub fn pressure_over(resource: &ResourcePressure) -> Option<String> {
    let mut over = Vec::new();
    let mut judge = |kind: &str, line: Option<PressureLine>, threshold: f64| {
        if let Some(line) = line {
            for (window, value) in [("avg10", line.avg10), ("avg60", line.avg60)] {
                if value >= threshold {
                    over.push(format!("{kind} {window} {value:.1}%"));
                }
            }
        }
    };
    judge("some", resource.some, PRESSURE_SOME_PERCENT);
    judge("full", resource.full, PRESSURE_FULL_PERCENT);
    (!over.is_empty()).then(|| over.join(", "))
}

pub(super) fn evaluate(index: &Index, out: &mut Vec<Finding>) {
    for (rule, name, read) in RESOURCES {
        if let Some(over) = read(&index.model.node.pressure).and_then(|r| pressure_over(&r)) {
            out.push(finding(
                rule,
                Subject::Node,
                format!("the node's tasks stalled on {name}: {over}"),
            ));
        }
        // Containers first; a pod only when none of its containers explains its pressure.
        let mut pods_explained = HashSet::new();
        let over = |c: &Cgroup| read(&c.usage.pressure).and_then(|r| pressure_over(&r));
        for c in index
            .model
            .cgroups
            .iter()
            .filter(|c| is_top_of_container(index, c))
        {
            if let Some(figures) = over(c) {
                pods_explained.extend(c.pod_uid.clone());
                out.push(finding(
                    rule,
                    Subject::Cgroup(c.path.clone()),
                    message(index, c, name, &figures),
                ));
            }
        }
        for c in index.model.cgroups.iter() {
            let is_pod = c.container_id.is_none() && c.pod_uid.is_some();
            let explained = c
                .pod_uid
                .as_ref()
                .is_some_and(|u| pods_explained.contains(u));
            if !is_pod || explained {
                continue;
            }
            if let Some(figures) = over(c) {
                out.push(finding(
                    rule,
                    Subject::Cgroup(c.path.clone()),
                    message(index, c, name, &figures),
                ));
            }
        }
    }
}

fn message(index: &Index, c: &Cgroup, name: &str, figures: &str) -> String {
    format!(
        "{}'s tasks stalled on {name}: {figures}",
        super::cgroups::owner(index, c)
    )
}

/// A container's own cgroup, not a sub-cgroup of it (podman's `container`).
pub(super) fn is_top_of_container(index: &Index, c: &Cgroup) -> bool {
    let parent = c.parent.as_ref().and_then(|p| index.cgroup(p));
    c.container_id.is_some() && parent.is_none_or(|p| p.container_id != c.container_id)
}
