//! Rules about memory: where limits fired (a pod's own limit against its containers'), and
//! what the memory is (page cache and reclaimable slab near the limit, slab that dominates).

use super::{
    at_least_percent, finding, leaks::subtree, rules::*, MEMORY_NEAR_LIMIT_PERCENT,
    RECLAIMABLE_PERCENT, SLAB_MIN_BYTES, SLAB_PERCENT,
};
use crate::model::{Cgroup, CgroupPath, EventsCounted, Finding, Limit, MemoryBreakdown, Subject};
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

/// Memory near the limit that is mostly reclaimable, and slab that dominates usage: judged on
/// each container's top cgroup and each pod's.
pub(super) fn breakdown(index: &Index, out: &mut Vec<Finding>) {
    for c in &index.model.cgroups {
        let is_pod = c.container_id.is_none() && c.pod_uid.is_some();
        if !is_pod && !super::pressure::is_top_of_container(index, c) {
            continue;
        }
        let (Some(used), Some(b)) = (c.usage.memory_current_bytes, c.usage.memory_breakdown) else {
            continue;
        };
        if let Some((limit, reclaimable)) = mostly_reclaimable(c) {
            out.push(finding(
                &MEMORY_MOSTLY_RECLAIMABLE,
                Subject::Cgroup(c.path.clone()),
                format!(
                    "{} uses {} of its memory limit {} ({}), but {} of it is reclaimable \
                     ({}: page cache {}, reclaimable slab {}); working set {}",
                    super::cgroups::owner(index, c),
                    units::bytes(used),
                    units::bytes(limit),
                    share(used, limit),
                    units::bytes(reclaimable),
                    share(reclaimable, used),
                    units::bytes(page_cache(&b)),
                    units::bytes(b.slab_reclaimable_bytes.unwrap_or(0)),
                    b.working_set_bytes
                        .map_or("unknown".to_string(), units::bytes),
                ),
            ));
        }
        if let Some(slab) = slab_dominates(used, &b) {
            let reclaimable = b
                .slab_reclaimable_bytes
                .map(|r| format!(", {} of it reclaimable", units::bytes(r)))
                .unwrap_or_default();
            out.push(finding(
                &SLAB_DOMINATES,
                Subject::Cgroup(c.path.clone()),
                format!(
                    "{}'s slab is {} of its {} ({}){reclaimable}",
                    super::cgroups::owner(index, c),
                    units::bytes(slab),
                    units::bytes(used),
                    share(slab, used),
                ),
            ));
        }
    }
}

/// `90%`, rounded down.
fn share(part: u64, whole: u64) -> String {
    format!("{}%", u128::from(part) * 100 / u128::from(whole.max(1)))
}

/// Page cache the kernel can drop: the file pages outside tmpfs and shared memory.
fn page_cache(b: &MemoryBreakdown) -> u64 {
    b.file_bytes
        .unwrap_or(0)
        .saturating_sub(b.shmem_bytes.unwrap_or(0))
}

/// The limit and the reclaimable bytes, when usage is at least [`MEMORY_NEAR_LIMIT_PERCENT`]
/// of a numeric limit and at least [`RECLAIMABLE_PERCENT`] of usage is page cache outside
/// tmpfs or reclaimable slab.
pub fn mostly_reclaimable(c: &Cgroup) -> Option<(u64, u64)> {
    let Some(Limit::Value(limit)) = c.limits.memory_max_bytes else {
        return None;
    };
    let used = c.usage.memory_current_bytes?;
    let b = c.usage.memory_breakdown?;
    b.file_bytes?;
    let reclaimable = page_cache(&b).saturating_add(b.slab_reclaimable_bytes.unwrap_or(0));
    (at_least_percent(used, limit, MEMORY_NEAR_LIMIT_PERCENT)
        && at_least_percent(reclaimable, used, RECLAIMABLE_PERCENT))
    .then_some((limit, reclaimable))
}

/// The slab bytes, when usage is at least [`SLAB_MIN_BYTES`] and slab at least
/// [`SLAB_PERCENT`] of it.
pub fn slab_dominates(used: u64, b: &MemoryBreakdown) -> Option<u64> {
    let slab = b.slab_bytes?;
    (used >= SLAB_MIN_BYTES && at_least_percent(slab, used, SLAB_PERCENT)).then_some(slab)
}
