//! Rules about where memory limits fired: a pod's own limit against its containers'.

use super::{finding, leaks::subtree, rules::*};
use crate::model::{Cgroup, CgroupPath, EventsCounted, Finding, Limit, Subject};
use crate::present::{units, Index};

/// The pod's own memory limit fired: on v2 its own `memory.events` `oom` (made its own by
/// `model::counted_once`) is above 0 and it has a limit; on v1 a container below it had OOM
/// kills without ever reaching its own limit (memory.failcnt 0) while the pod's failcnt is
/// above 0.
pub(super) fn oom_at_pod_level(index: &Index, out: &mut Vec<Finding>) {
    for pod in &index.model.pods {
        let Some(cgroup) = pod
            .cgroup
            .as_deref()
            .and_then(|p| CgroupPath::new(p).ok())
            .and_then(|p| index.cgroup(&p))
        else {
            continue;
        };
        let Some(Limit::Value(limit)) = cgroup.limits.memory_max_bytes else {
            continue;
        };
        let below: Vec<&Cgroup> = subtree(index, cgroup).into_iter().skip(1).collect();
        let kills: u64 = below.iter().filter_map(|c| c.usage.oom_kills).sum();
        let how = match own_limit_fired(cgroup, &below) {
            Some(how) => how,
            None => continue,
        };
        let victims = if kills > 0 {
            format!(
                "; the OOM killer took {kills} process{} in {}",
                if kills == 1 { "" } else { "es" },
                victims(index, &below)
            )
        } else {
            String::new()
        };
        out.push(finding(
            &OOM_AT_POD_LEVEL,
            Subject::Cgroup(cgroup.path.clone()),
            format!(
                "pod {}'s own memory limit {} fired {how}{victims}{}",
                index.pod_label(&pod.uid),
                units::bytes(limit),
                super::cgroups::maybe_removed_children(index, cgroup),
            ),
        ));
    }
}

/// How the pod's own limit is seen to have fired, in words; None when it did not.
fn own_limit_fired(pod: &Cgroup, below: &[&Cgroup]) -> Option<String> {
    if let Some(n) = pod.usage.memory_oom_events.filter(|n| *n > 0) {
        let file = match pod.usage.events_counted {
            Some(EventsCounted::Local) => "memory.events.local oom",
            _ => "memory.events oom, beyond its containers'",
        };
        return Some(format!(
            "{n} time{} ({file})",
            if n == 1 { "" } else { "s" }
        ));
    }
    // v1: no count of which limit fired, but a victim whose own limit was never hit was
    // killed by an ancestor's.
    let pod_hits = pod.usage.memory_failcnt.filter(|n| *n > 0)?;
    let unexplained = below
        .iter()
        .any(|c| c.usage.oom_kills.unwrap_or(0) > 0 && c.usage.memory_failcnt == Some(0));
    unexplained.then(|| {
        format!(
            "(memory.failcnt {pod_hits} at the pod; a container's process was killed while its \
             own failcnt is 0)"
        )
    })
}

/// The containers (or cgroups) with OOM kills, by label.
fn victims(index: &Index, below: &[&Cgroup]) -> String {
    let names: Vec<String> = below
        .iter()
        .filter(|c| c.usage.oom_kills.unwrap_or(0) > 0)
        .map(|c| match &c.container_id {
            Some(id) => format!("container {}", index.container_label(id)),
            None => format!("cgroup {}", c.path),
        })
        .collect();
    names.join(", ")
}
