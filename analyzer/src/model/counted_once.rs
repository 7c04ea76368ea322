//! Every hierarchical event counter counted once, at the level where it happened.
//!
//! cgroup v2's `memory.events` (`high`, `max`, `oom`, `oom_kill`) and, from Linux 6.13, `pids.events`
//! count an event in the cgroup where it happened and in every ancestor up to the root, so a
//! pod whose one container had 3 OOM kills reads 3 kills too, and adding the two says 6. v1
//! counts each cgroup's own. The gathered counters are made this level's own here, once,
//! before anything joins them, so that the model, the findings, the views and the report all
//! see the same counts and a sum over a pod's cgroups counts each event once:
//! - v1 (the controller mounted on a v1 hierarchy): as read (`events_counted` `own`);
//! - v2 with `memory.events.local` read: the memory events from it (`local`; Linux 5.7), the
//!   pids events still by subtraction (the collector reads no `pids.events.local`);
//! - v2 otherwise: the cgroup's count minus its children's (`children-subtracted`). A child
//!   the snapshot does not have (a container removed after its OOM kill, its cgroup with it)
//!   leaves its events at the parent, which is where they are then reported.
//!
//! The kernel's own figures stay in `Usage::subtree`. cpu.stat's throttling needs nothing: each
//! cgroup counts the periods in which its own quota ran out, already once.

use super::inputs::RawCgroup;
use crate::cgroupfs::{CgroupSetup, Version};
use crate::values::cgroup::{EventsCounted, SubtreeEvents, Usage};
use std::collections::HashMap;

/// Which controllers' events the node's kernel counts hierarchically: those on the v2
/// hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hierarchical {
    pub memory: bool,
    pub pids: bool,
}

impl Hierarchical {
    /// A controller is on v2 when no v1 hierarchy carries it and a v2 hierarchy exists.
    pub fn of(setup: &CgroupSetup) -> Hierarchical {
        let hierarchies = setup.hierarchies();
        let has_v2 = hierarchies.iter().any(|h| h.version == Version::V2);
        let on_v2 = |controller: &str| {
            has_v2
                && !hierarchies
                    .iter()
                    .any(|h| h.version == Version::V1 && h.controllers.contains(controller))
        };
        Hierarchical {
            memory: on_v2("memory"),
            pids: on_v2("pids"),
        }
    }
}

/// The counters in question, as the kernel reports them.
fn subtree_of(usage: &Usage, hierarchical: Hierarchical) -> SubtreeEvents {
    let (memory, pids) = (hierarchical.memory, hierarchical.pids);
    SubtreeEvents {
        memory_high_events: usage.memory_high_events.filter(|_| memory),
        memory_max_events: usage.memory_max_events.filter(|_| memory),
        memory_oom_events: usage.memory_oom_events.filter(|_| memory),
        oom_kills: usage.oom_kills.filter(|_| memory),
        pids_max_events: usage.pids_max_events.filter(|_| pids),
    }
}

fn is_empty(s: &SubtreeEvents) -> bool {
    [
        s.memory_high_events,
        s.memory_max_events,
        s.memory_oom_events,
        s.oom_kills,
        s.pids_max_events,
    ]
    .iter()
    .all(Option::is_none)
}

/// The parent of an absolute cgroup path; None for the root.
fn parent(path: &str) -> Option<&str> {
    match path.rsplit_once('/') {
        Some(("", "")) | None => None,
        Some(("", _)) => Some("/"),
        Some((parent, _)) => Some(parent),
    }
}

/// Makes every gathered cgroup's event counts its own (see the module's text). Linear: one
/// pass adds each child's counts to its parent's, one pass subtracts them.
pub fn count_once(cgroups: &mut [RawCgroup], hierarchical: Hierarchical) {
    let mut below: HashMap<&str, SubtreeEvents> = HashMap::new();
    for c in cgroups.iter() {
        let counts = subtree_of(&c.usage, hierarchical);
        let nonzero = [
            counts.memory_high_events,
            counts.memory_max_events,
            counts.memory_oom_events,
            counts.oom_kills,
            counts.pids_max_events,
        ]
        .iter()
        .any(|n| n.unwrap_or(0) > 0);
        let Some(parent) = parent(&c.path).filter(|_| nonzero) else {
            continue;
        };
        let sum = below.entry(parent).or_default();
        add(&mut sum.memory_high_events, counts.memory_high_events);
        add(&mut sum.memory_max_events, counts.memory_max_events);
        add(&mut sum.memory_oom_events, counts.memory_oom_events);
        add(&mut sum.oom_kills, counts.oom_kills);
        add(&mut sum.pids_max_events, counts.pids_max_events);
    }
    // The sums borrow the paths; the counts to write are collected first.
    let own: Vec<Option<(SubtreeEvents, SubtreeEvents)>> = cgroups
        .iter()
        .map(|c| {
            let subtree = subtree_of(&c.usage, hierarchical);
            if is_empty(&subtree) {
                return None;
            }
            let children = below.get(c.path.as_str()).copied().unwrap_or_default();
            let mine = SubtreeEvents {
                memory_high_events: minus(subtree.memory_high_events, children.memory_high_events),
                memory_max_events: minus(subtree.memory_max_events, children.memory_max_events),
                memory_oom_events: minus(subtree.memory_oom_events, children.memory_oom_events),
                oom_kills: minus(subtree.oom_kills, children.oom_kills),
                pids_max_events: minus(subtree.pids_max_events, children.pids_max_events),
            };
            Some((subtree, mine))
        })
        .collect();
    for (c, own) in cgroups.iter_mut().zip(own) {
        let usage = &mut c.usage;
        match own {
            Some((subtree, mine)) => {
                let memory = hierarchical.memory;
                let pids = hierarchical.pids;
                let local = usage.memory_events_local.filter(|_| memory);
                usage.events_counted = Some(EventsCounted::ChildrenSubtracted);
                if let Some(local) = local {
                    // The kernel's own count of this level: nothing to subtract.
                    usage.memory_high_events = local.high.or(mine.memory_high_events);
                    usage.memory_max_events = local.max.or(mine.memory_max_events);
                    usage.memory_oom_events = local.oom.or(mine.memory_oom_events);
                    usage.oom_kills = local.oom_kill.or(mine.oom_kills);
                    usage.events_counted = Some(EventsCounted::Local);
                } else if memory {
                    usage.memory_high_events = mine.memory_high_events;
                    usage.memory_max_events = mine.memory_max_events;
                    usage.memory_oom_events = mine.memory_oom_events;
                    usage.oom_kills = mine.oom_kills;
                }
                if pids {
                    usage.pids_max_events = mine.pids_max_events;
                }
                usage.subtree = Some(subtree);
            }
            None if has_events(usage) => usage.events_counted = Some(EventsCounted::Own),
            None => {}
        }
    }
}

/// Whether any event counter was read (v1's, which the kernel already counts per cgroup).
fn has_events(usage: &Usage) -> bool {
    usage.memory_high_events.is_some()
        || usage.memory_max_events.is_some()
        || usage.memory_oom_events.is_some()
        || usage.oom_kills.is_some()
        || usage.memory_failcnt.is_some()
        || usage.pids_max_events.is_some()
}

fn add(sum: &mut Option<u64>, n: Option<u64>) {
    if let Some(n) = n {
        *sum = Some(sum.unwrap_or(0).saturating_add(n));
    }
}

/// A count minus its children's; never below zero (a kernel that counted each level's own, or
/// counters read at slightly different moments).
fn minus(total: Option<u64>, children: Option<u64>) -> Option<u64> {
    total.map(|t| t.saturating_sub(children.unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const V2: Hierarchical = Hierarchical {
        memory: true,
        pids: true,
    };
    const V1: Hierarchical = Hierarchical {
        memory: false,
        pids: false,
    };

    fn cgroup(path: &str, kills: u64, oom: u64, max: u64, pids: u64) -> RawCgroup {
        RawCgroup {
            path: path.to_string(),
            hierarchies: vec!["unified".to_string()],
            limits: Default::default(),
            usage: Usage {
                oom_kills: Some(kills),
                memory_oom_events: Some(oom),
                memory_max_events: Some(max),
                pids_max_events: Some(pids),
                ..Usage::default()
            },
        }
    }

    fn at<'a>(cgroups: &'a [RawCgroup], path: &str) -> &'a Usage {
        &cgroups.iter().find(|c| c.path == path).unwrap().usage
    }

    #[test]
    fn a_containers_kills_count_in_the_container_only_on_v2() {
        // The pod's memory.events repeats its container's 3 kills; the slice above both too.
        let mut cgroups = vec![
            cgroup("/kubepods.slice", 3, 3, 5, 0),
            cgroup("/kubepods.slice/pod", 3, 3, 5, 0),
            cgroup("/kubepods.slice/pod/app", 3, 3, 5, 0),
            cgroup("/kubepods.slice/pod/sidecar", 0, 0, 0, 0),
        ];
        count_once(&mut cgroups, V2);
        let pod = at(&cgroups, "/kubepods.slice/pod");
        assert_eq!(pod.oom_kills, Some(0));
        assert_eq!(pod.memory_oom_events, Some(0));
        assert_eq!(pod.memory_max_events, Some(0));
        assert_eq!(pod.subtree.unwrap().oom_kills, Some(3));
        assert_eq!(pod.events_counted, Some(EventsCounted::ChildrenSubtracted));
        assert_eq!(at(&cgroups, "/kubepods.slice").oom_kills, Some(0));
        let app = at(&cgroups, "/kubepods.slice/pod/app");
        assert_eq!(app.oom_kills, Some(3));
        assert_eq!(app.subtree.unwrap().oom_kills, Some(3));
    }

    #[test]
    fn the_pods_own_limit_firing_stays_at_the_pod() {
        // The pod's limit fired twice (oom 2 at the pod, 0 in the container) and the victims
        // were the container's: kills below, limit events at the pod.
        let mut cgroups = vec![cgroup("/pod", 2, 2, 4, 1), cgroup("/pod/app", 2, 0, 0, 0)];
        count_once(&mut cgroups, V2);
        let pod = at(&cgroups, "/pod");
        assert_eq!(pod.oom_kills, Some(0));
        assert_eq!(pod.memory_oom_events, Some(2));
        assert_eq!(pod.memory_max_events, Some(4));
        assert_eq!(pod.pids_max_events, Some(1));
        assert_eq!(at(&cgroups, "/pod/app").oom_kills, Some(2));
    }

    #[test]
    fn a_removed_childs_events_stay_at_the_parent() {
        let mut cgroups = vec![cgroup("/pod", 3, 3, 3, 0), cgroup("/pod/new", 0, 0, 0, 0)];
        count_once(&mut cgroups, V2);
        assert_eq!(at(&cgroups, "/pod").oom_kills, Some(3));
    }

    #[test]
    fn counts_never_go_below_zero_and_unknown_counts_stay_unknown() {
        // A kernel that counted pids.events at the forking cgroup only (before 6.13).
        let mut cgroups = vec![cgroup("/pod", 0, 0, 0, 0), cgroup("/pod/app", 0, 0, 0, 7)];
        cgroups[0].usage.oom_kills = None;
        count_once(&mut cgroups, V2);
        let pod = at(&cgroups, "/pod");
        assert_eq!(pod.pids_max_events, Some(0));
        assert_eq!(pod.oom_kills, None);
        assert_eq!(at(&cgroups, "/pod/app").pids_max_events, Some(7));
    }

    #[test]
    fn v1_counts_are_each_cgroups_own_already() {
        let mut cgroups = vec![cgroup("/pod", 3, 0, 0, 0), cgroup("/pod/app", 3, 0, 0, 0)];
        count_once(&mut cgroups, V1);
        let pod = at(&cgroups, "/pod");
        assert_eq!(pod.oom_kills, Some(3));
        assert_eq!(pod.subtree, None);
        assert_eq!(pod.events_counted, Some(EventsCounted::Own));
    }

    #[test]
    fn memory_events_local_wins_over_subtraction() {
        use crate::values::signals::MemoryEvents;
        // The container removed since had 3 kills; the local file says the pod had none and
        // its own limit fired once.
        let mut cgroups = vec![cgroup("/pod", 3, 4, 4, 2), cgroup("/pod/new", 0, 0, 0, 0)];
        cgroups[0].usage.memory_events_local = Some(MemoryEvents {
            max: Some(4),
            oom: Some(1),
            oom_kill: Some(0),
            ..MemoryEvents::default()
        });
        count_once(&mut cgroups, V2);
        let pod = at(&cgroups, "/pod");
        assert_eq!(pod.events_counted, Some(EventsCounted::Local));
        assert_eq!(pod.oom_kills, Some(0));
        assert_eq!(pod.memory_oom_events, Some(1));
        assert_eq!(pod.memory_max_events, Some(4));
        assert_eq!(pod.pids_max_events, Some(2), "pids by subtraction");
        assert_eq!(pod.subtree.unwrap().oom_kills, Some(3));
    }

    #[test]
    fn parents_of_paths() {
        assert_eq!(parent("/"), None);
        assert_eq!(parent("/a"), Some("/"));
        assert_eq!(parent("/a/b"), Some("/a"));
    }
}
