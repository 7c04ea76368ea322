//! Rules about single processes: in a container's namespaces but not its cgroup or the
//! reverse, zombies and uninterruptible sleep.

use super::{finding, rules::*};
use crate::model::{Finding, Holder, NsType, Pid, Process, ProcessRole, Subject};
use crate::present::text::abbreviate;
use crate::present::Index;
use std::collections::BTreeMap;

/// Namespace types a container or pod holds on its own; a process outside the container that
/// sits in one of them has entered it.
const ENTERABLE: [NsType; 4] = [NsType::Mnt, NsType::Pid, NsType::Net, NsType::Ipc];

pub(super) fn outside_container_cgroup(index: &Index, out: &mut Vec<Finding>) {
    for p in &index.model.processes {
        // Without its cgroup file a process cannot be placed: no claim about it (other gaps,
        // such as an unreadable command line, do not matter here).
        if p.container_id.is_some()
            || p.kernel_thread
            || p.cgroups.is_empty()
            || p.role == ProcessRole::Shim
        {
            continue;
        }
        let entered: Vec<String> = ENTERABLE
            .iter()
            .filter_map(|kind| match index.holder(p, *kind)? {
                Holder::Container(id) => Some(format!(
                    "{kind} of container {}",
                    index.container_label_with_id(id)
                )),
                Holder::Pod(uid) => Some(format!("{kind} of pod {}", index.pod_label(uid))),
                Holder::Host | Holder::Other => None,
            })
            .collect();
        if !entered.is_empty() {
            out.push(finding(
                &PROCESS_OUTSIDE_CONTAINER_CGROUP,
                Subject::Process(p.pid),
                format!(
                    "{} is outside any container's cgroup but in the {} namespace",
                    index.process_label(p.pid),
                    entered.join(", ")
                ),
            ));
        }
    }
}

pub(super) fn outside_container_namespaces(index: &Index, out: &mut Vec<Finding>) {
    for p in &index.model.processes {
        let Some(id) = &p.container_id else { continue };
        if p.role == ProcessRole::Shim {
            continue;
        }
        if index.holder(p, NsType::Mnt) == Some(&Holder::Host) {
            out.push(finding(
                &PROCESS_OUTSIDE_CONTAINER_NAMESPACES,
                Subject::Process(p.pid),
                format!(
                    "{} is in the cgroup of container {} but in the host's mount namespace",
                    index.process_label(p.pid),
                    index.container_label_with_id(id)
                ),
            ));
        }
    }
}

/// ` in container X of pod Y`, for messages about a process.
fn where_label(index: &Index, p: &Process) -> String {
    match (&p.container_id, &p.pod_uid) {
        (Some(id), Some(uid)) => format!(
            " in container {} of pod {}",
            index.container_label_with_id(id),
            index.pod_label(uid)
        ),
        (Some(id), None) => format!(" in container {}", index.container_label_with_id(id)),
        _ => String::new(),
    }
}

/// D-state processes one finding per kernel function they wait in (`wchan`), or one by one
/// where the snapshot has no wchan; zombies one finding per parent, because the parent is what
/// needs fixing and a parent that never reaps can leave thousands.
pub(super) fn states(index: &Index, out: &mut Vec<Finding>) {
    let mut zombies_of: BTreeMap<Pid, Vec<&Process>> = BTreeMap::new();
    let mut waiting_in: BTreeMap<&str, Vec<&Process>> = BTreeMap::new();
    for p in &index.model.processes {
        match p.state {
            'Z' => zombies_of.entry(p.ppid).or_default().push(p),
            'D' if p.wchan.is_some() => waiting_in
                .entry(p.wchan.as_deref().unwrap_or_default())
                .or_default()
                .push(p),
            'D' => out.push(finding(
                &PROCESS_UNINTERRUPTIBLE,
                Subject::Process(p.pid),
                format!(
                    "{}{} is in uninterruptible sleep (D)",
                    index.process_label(p.pid),
                    where_label(index, p)
                ),
            )),
            _ => {}
        }
    }
    for (wchan, waiting) in waiting_in {
        d_state_wait(index, wchan, &waiting, out);
    }
    for (parent, zombies) in zombies_of {
        let message = match zombies.as_slice() {
            [only] => format!(
                "{}{} is a zombie not reaped by its parent {}",
                index.process_label(only.pid),
                where_label(index, only),
                index.process_label(parent)
            ),
            many => {
                let pids: Vec<String> = many.iter().map(|z| z.pid.to_string()).collect();
                let place = many
                    .first()
                    .map(|z| where_label(index, z))
                    .unwrap_or_default();
                format!(
                    "{} zombies{place} not reaped by their parent {}: {}",
                    many.len(),
                    index.process_label(parent),
                    abbreviate(&pids, 10)
                )
            }
        };
        let subject = match zombies.as_slice() {
            [only] => Subject::Process(only.pid),
            _ => Subject::Process(parent),
        };
        out.push(finding(&PROCESS_ZOMBIE, subject, message));
    }
}

/// What a D-state wait in a kernel function usually means, by the function's name.
const WAITS: &[(&str, &str)] = &[
    ("rpc_", "an NFS or other RPC server's answer"),
    ("nfs", "NFS"),
    ("fuse", "a FUSE filesystem's daemon"),
    ("io_schedule", "block device I/O"),
    ("blk_", "block device I/O"),
    ("wait_on_page", "a page's I/O (disk or network storage)"),
    ("folio_wait", "a page's I/O (disk or network storage)"),
    ("jbd2", "the ext4 journal (disk I/O)"),
    ("xfs", "XFS (disk I/O or its log)"),
    (
        "refrigerator",
        "a frozen cgroup (cgroup.freeze, freezer.state FROZEN)",
    ),
    (
        "freezer",
        "a frozen cgroup (cgroup.freeze, freezer.state FROZEN)",
    ),
    ("do_signal_stop", "a stop signal"),
    ("mem_cgroup", "memory cgroup reclaim or OOM handling"),
    ("rwsem", "a kernel lock (another task holds it)"),
    ("mutex", "a kernel lock (another task holds it)"),
];

/// What waiting in `wchan` usually means, when the name says.
pub fn wait_meaning(wchan: &str) -> Option<&'static str> {
    WAITS
        .iter()
        .find(|(part, _)| wchan.contains(part))
        .map(|(_, meaning)| *meaning)
}

fn d_state_wait(index: &Index, wchan: &str, waiting: &[&Process], out: &mut Vec<Finding>) {
    let Some(first) = waiting.first() else { return };
    let meaning = wait_meaning(wchan)
        .map(|m| format!(", usually {m}"))
        .unwrap_or_default();
    let message = match waiting {
        [only] => format!(
            "{}{} is in uninterruptible sleep (D) in {wchan}{meaning}",
            index.process_label(only.pid),
            where_label(index, only)
        ),
        many => {
            let labels: Vec<String> = many.iter().map(|p| index.process_label(p.pid)).collect();
            format!(
                "{} processes are in uninterruptible sleep (D) in {wchan}{meaning}: {}",
                many.len(),
                abbreviate(&labels, 10)
            )
        }
    };
    out.push(finding(&D_STATE_WAIT, Subject::Process(first.pid), message));
}
