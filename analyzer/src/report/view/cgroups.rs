//! The cgroups section: the tree like systemd-cgls, each cgroup with its owner, limits and
//! usage, and the notes of the findings about it; each process under its cgroup.

use super::super::text::visible;
use super::links::{process_href, Homes, LinkView, Links};
use super::OPEN_LINES_MAX;
use crate::model::{CgroupPath, Limit, Pid};
use crate::present::notes::CgroupNotes;
use crate::present::tree::TreeWalk;
use crate::present::units::{bytes, count, cpus};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct CgroupsView {
    pub count: String,
    pub open: bool,
    pub lines: Vec<CgroupLine>,
}

/// One line of the systemd-cgls style tree: a cgroup, or a process inside the cgroup above.
#[derive(Debug, Clone)]
pub struct CgroupLine {
    pub guide: String,
    pub group: Option<CgroupEntry>,
    pub process: Option<CgroupProcess>,
}

#[derive(Debug, Clone)]
pub struct CgroupEntry {
    pub anchor: String,
    pub name: String,
    pub tags: Vec<LinkView>,
    /// `mem 120 MiB / 512 MiB · cpu 0.5 CPU · pids 9 / 1024`, empty when nothing is known.
    pub resources: String,
    /// The notes of the findings about this cgroup (`present::notes`).
    pub trouble: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CgroupProcess {
    pub pid: String,
    pub href: Option<String>,
    pub cmd: String,
}

/// A node of the tree: a cgroup by its position in the model, or a process in it.
enum Item {
    Group(usize),
    Process(Pid),
}

pub(super) fn cgroups_view(links: &Links, homes: &Homes) -> CgroupsView {
    let model = links.model;
    let notes = CgroupNotes::new(model);
    let mut children: HashMap<&CgroupPath, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, cg) in model.cgroups.iter().enumerate() {
        let parent = cg
            .parent
            .as_ref()
            .filter(|p| links.index.cgroup_position(p).is_some());
        match parent {
            Some(parent) if *parent != cg.path => children.entry(parent).or_default().push(i),
            _ => roots.push(i),
        }
    }
    let mut lines = Vec::new();
    let mut visited = HashSet::new();
    for root in roots {
        let mut walk = TreeWalk::new([Item::Group(root)]);
        while let Some(step) = walk.next_step() {
            match step.node {
                Item::Process(pid) => lines.push(CgroupLine {
                    guide: step.guide,
                    group: None,
                    process: Some(CgroupProcess {
                        pid: pid.to_string(),
                        href: process_href(homes, pid),
                        cmd: links.process_cmd(pid),
                    }),
                }),
                Item::Group(i) => {
                    if !visited.insert(i) {
                        continue;
                    }
                    let Some(cg) = model.cgroups.get(i) else {
                        continue;
                    };
                    lines.push(CgroupLine {
                        guide: step.guide,
                        group: Some(cgroup_entry(links, &notes, i)),
                        process: None,
                    });
                    let mut pids = cg.pids.clone();
                    pids.sort();
                    let mut items: Vec<Item> = pids.into_iter().map(Item::Process).collect();
                    if let Some(kids) = children.get(&cg.path) {
                        items.extend(kids.iter().map(|k| Item::Group(*k)));
                    }
                    walk.push_children(items, &step.child_prefix, step.depth);
                }
            }
        }
    }
    CgroupsView {
        count: count(model.cgroups.len() as u64),
        open: lines.len() <= OPEN_LINES_MAX,
        lines,
    }
}

fn cgroup_entry(links: &Links, notes: &CgroupNotes, i: usize) -> CgroupEntry {
    let cg = &links.model.cgroups[i];
    let name = match cg.path.name() {
        "" => "/",
        last => last,
    };
    let mut tags = Vec::new();
    if let Some(qos) = cg.qos {
        if cg.pod_uid.is_none() && cg.container_id.is_none() {
            tags.push(LinkView::plain(format!("QoS {qos}")));
        }
    }
    match (&cg.pod_uid, &cg.container_id) {
        (_, Some(id)) => tags.push(links.container_link(id)),
        (Some(uid), None) => tags.push(links.pod_link(uid)),
        (None, None) => {}
    }
    let mut parts = Vec::new();
    let l = &cg.limits;
    let u = &cg.usage;
    match (u.memory_current_bytes, l.memory_max_bytes) {
        (Some(used), Some(Limit::Value(max))) => {
            parts.push(format!("mem {} / {}", bytes(used), bytes(max)))
        }
        (Some(used), _) => parts.push(format!("mem {}", bytes(used))),
        (None, Some(Limit::Value(max))) => parts.push(format!("mem limit {}", bytes(max))),
        _ => {}
    }
    if let (Some(Limit::Value(quota)), Some(period)) = (l.cpu_quota_usec, l.cpu_period_usec) {
        parts.push(format!("cpu {}", cpus(quota, period)));
    }
    match (u.pids_current, l.pids_max) {
        (Some(n), Some(Limit::Value(max))) => parts.push(format!("pids {n} / {max}")),
        (None, Some(Limit::Value(max))) => parts.push(format!("pids limit {max}")),
        _ => {}
    }
    CgroupEntry {
        anchor: format!("g{i}"),
        name: visible(name),
        tags,
        resources: parts.join(" · "),
        trouble: notes.at(i).iter().map(|t| visible(t)).collect(),
    }
}
