//! Rules about shims and the containers they hold open: a shim whose container has no
//! processes, container processes without a shim.

use super::{finding, rules::*};
use crate::model::{Finding, Pid, ProcessRole, Subject};
use crate::present::text::plural;
use crate::present::Index;
use std::collections::BTreeSet;

pub(super) fn shim_without_container(index: &Index, out: &mut Vec<Finding>) {
    let model = index.model;
    let served: BTreeSet<Pid> = model
        .containers
        .iter()
        .filter(|c| !c.pids.is_empty())
        .filter_map(|c| c.shim_pid)
        .collect();
    // A shim that is itself the parent of a container process serves it, whatever ids say.
    let parents: BTreeSet<Pid> = model
        .processes
        .iter()
        .filter(|p| p.container_id.is_some())
        .map(|p| p.ppid)
        .collect();
    for p in &model.processes {
        if p.role != ProcessRole::Shim || served.contains(&p.pid) || parents.contains(&p.pid) {
            continue;
        }
        let message = match &p.shim_for {
            Some(id) => format!(
                "{} manages {}, which has no processes",
                index.process_label(p.pid),
                index.container_label_with_id(id)
            ),
            None => format!(
                "{} has no container processes below it",
                index.process_label(p.pid)
            ),
        };
        out.push(finding(
            &SHIM_WITHOUT_CONTAINER,
            Subject::Process(p.pid),
            message,
        ));
    }
}

pub(super) fn container_without_shim(index: &Index, out: &mut Vec<Finding>) {
    for c in &index.model.containers {
        if c.pids.is_empty() || c.shim_pid.is_some() {
            continue;
        }
        let init = c
            .init_pid
            .map(|pid| {
                let parent = index
                    .process(pid)
                    .map(|p| index.process_label(p.ppid))
                    .unwrap_or_else(|| "unknown".to_string());
                format!(
                    "; its first process {} has parent {parent}",
                    index.process_label(pid)
                )
            })
            .unwrap_or_default();
        out.push(finding(
            &CONTAINER_WITHOUT_SHIM,
            Subject::Container(c.id.clone()),
            format!(
                "container {} has {} but no shim or conmon{init}",
                index.container_label_with_id(&c.id),
                plural(c.pids.len(), "process", "processes")
            ),
        ));
    }
}
