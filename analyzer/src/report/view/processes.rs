//! The processes section: the runtime's tree (daemons, shims, containers' processes) and
//! every other process like pstree, each process drawn once at its home line (`#p<pid>`),
//! where the rest of the page links to.

use super::super::text::visible;
use super::links::{Homes, LinkView, Links};
use super::OPEN_LINES_MAX;
use crate::model::{Pid, PodUid, Process, ProcessRole};
use crate::present::labels;
use crate::present::tree::TreeWalk;
use crate::present::units::count;
use std::collections::HashSet;

/// Children of one process that point to the runtime tree one by one; more share a note.
const POINTER_LINES_MAX: usize = 8;

#[derive(Debug, Clone)]
pub struct ProcessTreeView {
    pub process_count: String,
    pub blocks: Vec<TreeBlock>,
}

#[derive(Debug, Clone)]
pub struct TreeBlock {
    pub title: &'static str,
    pub note: String,
    pub open: bool,
    pub lines: Vec<TreeLine>,
}

#[derive(Debug, Clone)]
pub struct TreeLine {
    /// Guide characters such as `│ ├─`.
    pub guide: String,
    /// `p<pid>` on the line that is the process's home in the report.
    pub anchor: Option<String>,
    pub pid: String,
    /// CSS class by role: `daemon`, `shim`, `sandbox`, `cp` (container process), `kubelet` or empty.
    pub role: &'static str,
    pub user: String,
    pub state: String,
    pub cmd: String,
    /// The container or pod this process belongs to, or where its subtree is shown.
    pub tag: Option<LinkView>,
    pub partial: bool,
}

/// The processes sorted by pid, and a way up their parents.
struct Processes<'a, 'm> {
    links: &'a Links<'m>,
    sorted: Vec<&'m Process>,
}

impl<'a, 'm> Processes<'a, 'm> {
    fn children(&self, pid: Pid) -> impl Iterator<Item = &'m Process> + '_ {
        let index = &self.links.index;
        index
            .children(pid)
            .iter()
            .filter_map(move |child| index.process(*child))
    }

    /// Whether an ancestor of `p` is `wanted`; a loop of parents ends the walk.
    fn has_ancestor(&self, p: &Process, wanted: &dyn Fn(&Process) -> bool) -> bool {
        let index = &self.links.index;
        let mut seen = HashSet::new();
        let mut current = index.process(p.ppid);
        while let Some(parent) = current {
            if !seen.insert(parent.pid) {
                return false;
            }
            if wanted(parent) {
                return true;
            }
            current = index.process(parent.ppid);
        }
        false
    }
}

/// The tree's two blocks, and the processes whose home line is in them.
pub(super) fn process_tree(links: &Links) -> (ProcessTreeView, Homes) {
    let mut sorted: Vec<&Process> = links.model.processes.iter().collect();
    sorted.sort_by_key(|p| p.pid);
    let processes = Processes { links, sorted };
    let mut visited: HashSet<Pid> = HashSet::new();
    let runtime = runtime_block(&processes, &mut visited);
    // Every process of the runtime's tree has its home there.
    let runtime_homes: HashSet<Pid> = visited.clone();
    let mut homes = runtime_homes.clone();
    let other = other_block(&processes, &runtime_homes, &mut visited, &mut homes);
    let view = ProcessTreeView {
        process_count: count(links.model.processes.len() as u64),
        blocks: vec![runtime, other],
    };
    (view, homes)
}

/// The runtime daemons' trees, then the shims reparented away from them.
fn runtime_block(processes: &Processes, visited: &mut HashSet<Pid>) -> TreeBlock {
    let is_daemon = |p: &Process| p.role == ProcessRole::RuntimeDaemon;
    let daemon_roots: Vec<&Process> = processes
        .sorted
        .iter()
        .copied()
        .filter(|p| is_daemon(p) && !processes.has_ancestor(p, &is_daemon))
        .collect();
    let mut lines = Vec::new();
    for root in &daemon_roots {
        walk_processes(processes, root, visited, &mut lines);
    }
    // Shims reparented away from the daemon (containerd-shim-runc-v2, conmon) head their own
    // subtrees, still part of the runtime's picture.
    let loose_shims: Vec<&Process> = processes
        .sorted
        .iter()
        .copied()
        .filter(|p| p.role == ProcessRole::Shim && !visited.contains(&p.pid))
        .filter(|p| {
            !processes.has_ancestor(p, &|a: &Process| {
                a.role == ProcessRole::Shim && !visited.contains(&a.pid)
            })
        })
        .collect();
    for shim in &loose_shims {
        walk_processes(processes, shim, visited, &mut lines);
    }
    let note = if daemon_roots.is_empty() && loose_shims.is_empty() {
        "No runtime daemon or shim was found.".to_string()
    } else {
        format!(
            "{} runtime daemon{} and {} shim{} outside a daemon's tree.",
            daemon_roots.len(),
            if daemon_roots.len() == 1 { "" } else { "s" },
            loose_shims.len(),
            if loose_shims.len() == 1 { "" } else { "s" },
        )
    };
    TreeBlock {
        title: "Runtime: daemons, shims and containers",
        note,
        open: lines.len() <= OPEN_LINES_MAX,
        lines,
    }
}

/// Everything else, like pstree, with the runtime's subtrees pointed to rather than repeated
/// and kernel threads counted rather than listed.
fn other_block(
    processes: &Processes,
    runtime_homes: &HashSet<Pid>,
    visited: &mut HashSet<Pid>,
    homes: &mut Homes,
) -> TreeBlock {
    let links = processes.links;
    let mut lines = Vec::new();
    let mut kernel_threads = 0usize;
    let mut pending: Vec<&Process> = processes
        .sorted
        .iter()
        .copied()
        .filter(|p| links.index.process(p.ppid).is_none() || p.ppid == p.pid)
        .collect();
    // Processes in parent cycles have no root; they are walked last as roots of their own.
    pending.extend(
        processes
            .sorted
            .iter()
            .copied()
            .filter(|p| !runtime_homes.contains(&p.pid)),
    );
    for root in pending {
        if visited.contains(&root.pid) {
            continue;
        }
        let mut walk = TreeWalk::new([root]);
        while let Some(step) = walk.next_step() {
            let p = step.node;
            if p.kernel_thread && p.pid != Pid(2) {
                kernel_threads += 1;
                visited.insert(p.pid);
                continue;
            }
            if runtime_homes.contains(&p.pid) {
                lines.push(TreeLine {
                    tag: Some(LinkView {
                        text: "subtree in the runtime tree".to_string(),
                        href: Some(format!("#p{}", p.pid)),
                    }),
                    anchor: None,
                    ..tree_line(links, p, step.guide)
                });
                continue;
            }
            if !visited.insert(p.pid) {
                continue;
            }
            homes.insert(p.pid);
            let mut line = tree_line(links, p, step.guide);
            let mut kids: Vec<&Process> = processes
                .children(p.pid)
                .filter(|c| !visited.contains(&c.pid) || runtime_homes.contains(&c.pid))
                .filter(|c| !(c.kernel_thread && c.ppid == Pid(2)) || c.pid == Pid(2))
                .collect();
            // Thousands of reparented shims under init would each need a pointer line: one
            // note on the parent says where they are.
            let in_runtime_tree = kids
                .iter()
                .filter(|c| runtime_homes.contains(&c.pid))
                .count();
            if in_runtime_tree > POINTER_LINES_MAX {
                kids.retain(|c| !runtime_homes.contains(&c.pid));
                line.tag = Some(LinkView {
                    text: format!(
                        "{} children shown in the runtime tree",
                        count(in_runtime_tree as u64)
                    ),
                    href: Some("#processes".to_string()),
                });
            }
            lines.push(line);
            walk.push_children(kids, &step.child_prefix, step.depth);
        }
    }
    for p in &links.model.processes {
        if p.kernel_thread && p.ppid == Pid(2) && visited.insert(p.pid) {
            kernel_threads += 1;
        }
    }
    let note = if kernel_threads > 0 {
        format!(
            "{} kernel threads under kthreadd are counted, not listed.",
            count(kernel_threads as u64)
        )
    } else {
        String::new()
    };
    TreeBlock {
        title: "All other processes",
        note,
        open: false,
        lines,
    }
}

fn walk_processes<'m>(
    processes: &Processes<'_, 'm>,
    root: &'m Process,
    visited: &mut HashSet<Pid>,
    lines: &mut Vec<TreeLine>,
) {
    let links = processes.links;
    let mut walk = TreeWalk::new([root]);
    while let Some(step) = walk.next_step() {
        let p = step.node;
        if !visited.insert(p.pid) {
            continue;
        }
        let mut line = tree_line(links, p, step.guide);
        if lines.is_empty() || line.guide.is_empty() {
            // A root line says where the process hangs in the whole tree.
            if let Some(parent) = links.index.process(p.ppid) {
                line.tag = line.tag.or(Some(LinkView::plain(format!(
                    "parent {}",
                    visible(&labels::process(parent))
                ))));
            }
        }
        lines.push(line);
        let kids: Vec<&Process> = processes
            .children(p.pid)
            .filter(|c| !visited.contains(&c.pid))
            .collect();
        walk.push_children(kids, &step.child_prefix, step.depth);
    }
}

fn role_class(role: ProcessRole) -> &'static str {
    match role {
        ProcessRole::RuntimeDaemon => "daemon",
        ProcessRole::Shim => "shim",
        ProcessRole::Kubelet => "kubelet",
        ProcessRole::Sandbox => "sandbox",
        ProcessRole::Container => "cp",
        ProcessRole::KernelThread | ProcessRole::Other => "",
    }
}

fn tree_line(links: &Links, p: &Process, guide: String) -> TreeLine {
    // Only a container's first process is tagged: the processes under it belong to it too,
    // and 20,000 repeated tags would double the size of a big node's tree.
    let parent_container = links
        .index
        .process(p.ppid)
        .and_then(|pp| pp.container_id.as_ref());
    let first_in_container =
        p.container_id.is_some() && parent_container != p.container_id.as_ref();
    let tag = match (&p.container_id, &p.pod_uid) {
        (Some(_), _) if !first_in_container => None,
        (Some(id), Some(uid)) => {
            let container = links.container_link(id);
            Some(LinkView {
                text: format!("{} · {}", links.pod_title(uid), container.text),
                href: container.href,
            })
        }
        (Some(id), None) => Some(links.container_link(id)),
        (None, Some(uid)) => Some(links.pod_link(uid)),
        (None, None) => shim_tag(links, p),
    };
    TreeLine {
        guide,
        anchor: Some(format!("p{}", p.pid)),
        pid: p.pid.to_string(),
        role: role_class(p.role),
        user: visible(&labels::user(p)),
        state: visible(&p.state.to_string()),
        cmd: visible(&labels::command(p)),
        tag,
        partial: p.partial,
    }
}

/// A shim's tag names what it manages: its one container, or the pod whose containers it
/// serves (containerd-shim-runc-v2 serves a whole pod).
fn shim_tag(links: &Links, p: &Process) -> Option<LinkView> {
    if p.role != ProcessRole::Shim {
        return None;
    }
    let managed = links.index.managed_by_shim(p.pid);
    if managed.is_empty() {
        return None;
    }
    if let [only] = managed {
        let container = links.container_link(&only.id);
        return Some(LinkView {
            text: match &only.pod_uid {
                Some(uid) => format!("shim of {} · {}", links.pod_title(uid), container.text),
                None => format!("shim of {}", container.text),
            },
            href: container.href,
        });
    }
    let pods: HashSet<Option<&PodUid>> = managed.iter().map(|c| c.pod_uid.as_ref()).collect();
    match pods.into_iter().collect::<Vec<_>>().as_slice() {
        [Some(uid)] => {
            let pod = links.pod_link(uid);
            Some(LinkView {
                text: format!("shim of pod {} · {} containers", pod.text, managed.len()),
                href: pod.href,
            })
        }
        _ => Some(LinkView::plain(format!(
            "shim of {} containers",
            managed.len()
        ))),
    }
}
