//! `analyzer ps`: processes like `ps -A -o stat,pid,ppid,user,cmd` with the container and pod
//! each belongs to, and `--tree`, like pstree from the runtime daemon through the shims down
//! to the containers' processes, with the shims and containers' first processes labelled.

use super::table::{Column, Table};
use super::text::{Palette, Style, Width};
use super::tree::{draw, Segment};
use crate::model::{ContainerId, Model, Pid, PodUid, Process, ProcessRole};
use crate::present::{labels, Index};
use std::collections::BTreeSet;

/// Which processes to show: all, or those of one pod and/or one container.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub pod: Option<PodUid>,
    pub container: Option<ContainerId>,
}

impl Filter {
    fn is_empty(&self) -> bool {
        self.pod.is_none() && self.container.is_none()
    }

    fn matches(&self, process: &Process) -> bool {
        let pod_ok = self
            .pod
            .as_ref()
            .is_none_or(|uid| process.pod_uid.as_ref() == Some(uid));
        let container_ok = self
            .container
            .as_ref()
            .is_none_or(|id| process.container_id.as_ref() == Some(id));
        pod_ok && container_ok
    }
}

/// Where `--tree` starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeScope {
    /// From the runtime daemons and from shims that are not below one (reparented to pid 1).
    Runtime,
    /// The whole node, from every process whose parent is not in the snapshot.
    Node,
}

/// The flat table.
pub fn table(model: &Model, filter: &Filter, width: Width, palette: Palette) -> String {
    let index = Index::new(model);
    let cut = width != Width::Unlimited;
    let mut table = Table::new(vec![
        Column::left("STAT"),
        Column::right("PID"),
        Column::right("PPID"),
        Column::left("USER").max(8),
        Column::left("CONTAINER"),
        Column::left("POD").max(16),
        Column::left("CMD"),
    ])
    .gap(1);
    for process in model.processes.iter().filter(|p| filter.matches(p)) {
        let container = match &process.container_id {
            Some(id) => id.short().to_string(),
            None => "-".to_string(),
        };
        // Narrow terminals get the pod's name alone: with the namespace in front, long names
        // would be cut to the namespace, which tells the pods of one node apart the least.
        let pod = match process.pod_uid.as_ref().map(|uid| (uid, index.pod(uid))) {
            Some((_, Some(pod))) if cut => pod
                .name
                .clone()
                .unwrap_or_else(|| labels::short_uid(&pod.uid).to_string()),
            Some((uid, _)) => index.pod_label(uid),
            None => "-".to_string(),
        };
        table.row(vec![
            labels::stat(process).into(),
            process.pid.to_string().into(),
            process.ppid.to_string().into(),
            labels::user(process).into(),
            container.into(),
            pod.into(),
            labels::command(process).into(),
        ]);
    }
    if table.is_empty() {
        return "no processes match\n".to_string();
    }
    table.render(width, palette)
}

/// The tree.
pub fn tree(
    model: &Model,
    filter: &Filter,
    scope: TreeScope,
    width: Width,
    palette: Palette,
) -> String {
    let index = Index::new(model);
    let included = included(model, &index, filter, scope);
    if included.is_empty() {
        return match scope {
            TreeScope::Runtime if filter.is_empty() => {
                "no container runtime or shim processes (ps --tree --all shows every process)\n"
                    .to_string()
            }
            _ => "no processes match\n".to_string(),
        };
    }
    let mut roots: Vec<Pid> = included
        .iter()
        .copied()
        .filter(|pid| {
            index
                .process(*pid)
                .is_none_or(|p| p.ppid == p.pid || !included.contains(&p.ppid))
        })
        .collect();
    let children = |pid: &Pid| -> Vec<Pid> {
        index
            .children(*pid)
            .iter()
            .copied()
            .filter(|c| included.contains(c))
            .collect()
    };
    // Processes whose parents form a loop (hostile or damaged data) hang below no root: each
    // loop is drawn from its lowest pid, marked.
    let loops = loop_roots(&index, &included, &roots, &children);
    roots.extend(loops.iter().copied());
    draw(
        &roots,
        |pid| *pid,
        children,
        |pid| match index.process(*pid) {
            Some(process) => {
                let mut segments = line(&index, process);
                if loops.contains(pid) {
                    let mark = format!("[parent loop: ppid {}] ", process.ppid);
                    segments.insert(1, Segment::styled(mark, Style::Label));
                }
                segments
            }
            None => vec![Segment::plain(pid.to_string())],
        },
        width,
        palette,
    )
}

/// One pid per loop of parents among the `included` processes that no root reaches: the lowest
/// pid of the loop, in ascending order. Every unreached process is on such a loop or below one,
/// since its chain of parents stays among the included processes without meeting a root.
fn loop_roots(
    index: &Index,
    included: &BTreeSet<Pid>,
    roots: &[Pid],
    children: &dyn Fn(&Pid) -> Vec<Pid>,
) -> Vec<Pid> {
    let mut reached = BTreeSet::new();
    let reach = |from: Pid, reached: &mut BTreeSet<Pid>| {
        let mut stack = vec![from];
        while let Some(pid) = stack.pop() {
            if reached.insert(pid) {
                stack.extend(children(&pid));
            }
        }
    };
    for root in roots {
        reach(*root, &mut reached);
    }
    let parent = |pid: Pid| index.process(pid).map(|p| p.ppid);
    let mut loops = Vec::new();
    for &pid in included {
        if reached.contains(&pid) {
            continue;
        }
        // Up the parents until one repeats: that one is on the loop.
        let mut seen = BTreeSet::new();
        let mut current = pid;
        while seen.insert(current) {
            match parent(current) {
                Some(ppid) => current = ppid,
                None => break,
            }
        }
        let mut lowest = current;
        let mut member = current;
        while let Some(ppid) = parent(member).filter(|ppid| *ppid != current) {
            lowest = lowest.min(ppid);
            member = ppid;
        }
        loops.push(lowest);
        reach(lowest, &mut reached);
    }
    loops.sort_unstable();
    loops
}

/// The processes a tree shows: everything below its roots; with a filter, the matching
/// processes, the shims of their containers, and the ancestors of both up to a root.
fn included(model: &Model, index: &Index, filter: &Filter, scope: TreeScope) -> BTreeSet<Pid> {
    let mut set = BTreeSet::new();
    if filter.is_empty() {
        let roots: Vec<Pid> = match scope {
            TreeScope::Node => model.processes.iter().map(|p| p.pid).collect(),
            TreeScope::Runtime => {
                let daemons: Vec<Pid> = model.node.runtimes.iter().filter_map(|r| r.pid).collect();
                let mut roots = daemons.clone();
                roots.extend(
                    model
                        .processes
                        .iter()
                        .filter(|p| p.role == ProcessRole::Shim)
                        .filter(|p| !has_ancestor_in(index, p.pid, &daemons))
                        .map(|p| p.pid),
                );
                roots
            }
        };
        let mut stack = roots;
        while let Some(pid) = stack.pop() {
            if index.process(pid).is_some() && set.insert(pid) {
                stack.extend_from_slice(index.children(pid));
            }
        }
        return set;
    }
    let mut wanted: Vec<Pid> = model
        .processes
        .iter()
        .filter(|p| filter.matches(p))
        .map(|p| p.pid)
        .collect();
    for container in &model.containers {
        let pod_ok = filter
            .pod
            .as_ref()
            .is_none_or(|uid| container.pod_uid.as_ref() == Some(uid));
        let id_ok = filter
            .container
            .as_ref()
            .is_none_or(|id| &container.id == id);
        if pod_ok && id_ok {
            wanted.extend(container.shim_pid);
        }
    }
    for pid in wanted {
        let mut current = pid;
        // Bounded walk up: a ppid cycle in hostile data ends when it meets a pid already in.
        while let Some(process) = index.process(current) {
            if !set.insert(current) || process.ppid == current {
                break;
            }
            if scope == TreeScope::Runtime && process.role == ProcessRole::RuntimeDaemon {
                break;
            }
            current = process.ppid;
        }
    }
    set
}

fn has_ancestor_in(index: &Index, pid: Pid, ancestors: &[Pid]) -> bool {
    let mut seen = BTreeSet::new();
    let mut current = pid;
    while let Some(process) = index.process(current) {
        if !seen.insert(current) {
            return false;
        }
        if ancestors.contains(&process.ppid) {
            return true;
        }
        current = process.ppid;
    }
    false
}

fn line(index: &Index, process: &Process) -> Vec<Segment> {
    let mut segments = vec![Segment::plain(format!("{} ", process.pid))];
    if let Some(label) = label(index, process) {
        segments.push(Segment::styled(format!("[{label}]"), Style::Label));
        segments.push(Segment::plain(" "));
    }
    segments.push(Segment::plain(labels::command(process)));
    segments
}

/// What nodesnap knows about a shim or a container's first process that ps cannot show.
fn label(index: &Index, process: &Process) -> Option<String> {
    let managed = index.managed_by_shim(process.pid);
    if !managed.is_empty() {
        let pods: BTreeSet<Option<&PodUid>> = managed.iter().map(|c| c.pod_uid.as_ref()).collect();
        let pod = match pods.into_iter().collect::<Vec<_>>().as_slice() {
            [Some(uid)] => Some(index.pod_label(uid)),
            _ => None,
        };
        let text = match (managed, pod) {
            ([only], pod) => {
                let what = labels::container_with_id(only);
                let empty = if only.pids.is_empty() {
                    ", no processes"
                } else {
                    ""
                };
                match pod {
                    Some(pod) => format!("shim: {what}, pod {pod}{empty}"),
                    None => format!("shim: {what}{empty}"),
                }
            }
            (many, Some(pod)) => format!("shim: pod {pod}, {} containers", many.len()),
            (many, None) => format!("shim: {} containers", many.len()),
        };
        return Some(text);
    }
    let container = index.init_of(process.pid)?;
    let what = labels::container_with_id(container);
    Some(match &container.pod_uid {
        Some(uid) => format!("{what}, pod {}", index.pod_label(uid)),
        None => what,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use crate::views::golden;
    use nodesnap_fixtures::layouts::seed;

    const NARROW: Width = Width::Columns(80);

    #[test]
    fn ps_lists_every_process_with_container_and_pod() {
        let model = fixture::seed();
        golden::check(
            "ps.txt",
            &table(&model, &Filter::default(), NARROW, Palette::PLAIN),
        );
    }

    #[test]
    fn ps_wide_shows_whole_commands_and_namespace_slash_name() {
        let model = fixture::seed();
        golden::check(
            "ps-wide.txt",
            &table(&model, &Filter::default(), Width::Unlimited, Palette::PLAIN),
        );
    }

    #[test]
    fn ps_filters_by_pod_and_by_container() {
        let model = fixture::seed();
        let pod = Filter {
            pod: PodUid::parse(seed::POD_NGINX_REDIS),
            container: None,
        };
        let out = table(&model, &pod, NARROW, Palette::PLAIN);
        let pids: Vec<&str> = out
            .lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().nth(1))
            .collect();
        // The pause, redis, and nginx with its 8 workers (the walkthrough's docker top).
        let nginx = (19453..=19460).map(|pid| pid.to_string());
        let expected: Vec<String> = ["19057", "19356", "19431"]
            .map(String::from)
            .into_iter()
            .chain(nginx)
            .collect();
        assert_eq!(pids, expected);
        let both = Filter {
            pod: PodUid::parse(seed::POD_NGINX_REDIS),
            container: ContainerId::parse(seed::REDIS),
        };
        let out = table(&model, &both, NARROW, Palette::PLAIN);
        assert_eq!(out.lines().count(), 2, "{out}");
        assert!(out.contains("19356"));
        let none = Filter {
            pod: PodUid::parse(seed::POD_SAFE_NGINX),
            container: ContainerId::parse(seed::REDIS),
        };
        assert_eq!(
            table(&model, &none, NARROW, Palette::PLAIN),
            "no processes match\n"
        );
    }

    #[test]
    fn tree_runs_from_containerd_through_shims_to_containers() {
        let model = fixture::seed();
        golden::check(
            "ps-tree.txt",
            &tree(
                &model,
                &Filter::default(),
                TreeScope::Runtime,
                NARROW,
                Palette::PLAIN,
            ),
        );
    }

    #[test]
    fn tree_of_the_whole_node_starts_at_pid_1_and_kthreadd() {
        let model = fixture::seed();
        let out = tree(
            &model,
            &Filter::default(),
            TreeScope::Node,
            Width::Unlimited,
            Palette::PLAIN,
        );
        golden::check("ps-tree-all.txt", &out);
        let roots: Vec<&str> = out
            .lines()
            .filter(|l| !l.starts_with(['├', '└', '│', ' ']))
            .collect();
        assert_eq!(roots.len(), 2, "{out}");
    }

    #[test]
    fn tree_of_one_pod_keeps_the_path_from_containerd() {
        let model = fixture::seed();
        let filter = Filter {
            pod: PodUid::parse(seed::POD_NGINX_REDIS),
            container: None,
        };
        golden::check(
            "ps-tree-pod.txt",
            &tree(
                &model,
                &filter,
                TreeScope::Runtime,
                Width::Unlimited,
                Palette::PLAIN,
            ),
        );
    }

    #[test]
    fn processes_whose_parents_form_a_loop_are_shown_marked_not_dropped() {
        let mut model = fixture::seed();
        // 19431 -> 19453 -> 19454 -> 19431 is a loop of parents; 19057 hangs below it.
        let loop_parents = [
            (19431, 19454),
            (19453, 19431),
            (19454, 19453),
            (19057, 19453),
        ];
        for process in &mut model.processes {
            if let Some((_, ppid)) = loop_parents.iter().find(|(pid, _)| *pid == process.pid.0) {
                process.ppid = Pid(*ppid);
            }
        }
        let out = tree(
            &model,
            &Filter::default(),
            TreeScope::Node,
            Width::Unlimited,
            Palette::PLAIN,
        );
        for pid in model.processes.iter().map(|p| p.pid.0) {
            let shown = out
                .lines()
                .filter(|l| {
                    l.trim_start_matches(['├', '└', '│', '─', ' '])
                        .starts_with(&format!("{pid} "))
                })
                .count();
            assert_eq!(shown, 1, "pid {pid} shown {shown} times:\n{out}");
        }
        let marked: Vec<&str> = out.lines().filter(|l| l.contains("parent loop")).collect();
        assert_eq!(marked.len(), 1, "{out}");
        assert!(
            marked[0].starts_with("19431 [parent loop: ppid 19454] "),
            "{out}"
        );
        assert!(
            out.contains("\n└─19453 ") || out.contains("\n├─19453 "),
            "{out}"
        );
    }

    #[test]
    fn shim_labels_name_the_container_and_pod() {
        let mut model = fixture::seed();
        {
            let index = Index::new(&model);
            let label_of = |pid| label(&index, index.process(Pid(pid)).unwrap());
            assert_eq!(
                label_of(7320).unwrap(),
                "shim: safe-nginx (52eeb71ffa22), pod xxx-xxxx/safe-nginx-668c459d6-pp7bx"
            );
            assert_eq!(
                label_of(19039).unwrap(),
                "shim: sandbox (63ee2df4c255), pod default/nginx-redis"
            );
            assert_eq!(
                label_of(8087).unwrap(),
                "shim: init-config (c3d3530cf2f5), pod xxx-xxxx/safe-nginx-668c459d6-pp7bx, no processes"
            );
            assert_eq!(
                label_of(7337).unwrap(),
                "safe-nginx (52eeb71ffa22), pod xxx-xxxx/safe-nginx-668c459d6-pp7bx"
            );
            assert_eq!(label_of(19453), None);
        }
        // A pod the snapshot could not name is labelled by its uid.
        let safe_nginx = model
            .pods
            .iter_mut()
            .find(|p| p.uid.as_str() == seed::POD_SAFE_NGINX)
            .unwrap();
        safe_nginx.name = None;
        safe_nginx.namespace = None;
        let index = Index::new(&model);
        let label_of = |pid| label(&index, index.process(Pid(pid)).unwrap());
        assert_eq!(
            label_of(7320).unwrap(),
            format!("shim: safe-nginx (52eeb71ffa22), pod {}", "4e11582d")
        );
        assert_eq!(
            label_of(19039).unwrap(),
            "shim: sandbox (63ee2df4c255), pod default/nginx-redis"
        );
        assert_eq!(
            label_of(8087).unwrap(),
            "shim: init-config (c3d3530cf2f5), pod 4e11582d, no processes"
        );
        assert_eq!(
            label_of(7337).unwrap(),
            "safe-nginx (52eeb71ffa22), pod 4e11582d"
        );
        // A container outside any pod: plain docker's.
        let docker = fixture::model("docker-plain");
        let index = Index::new(&docker);
        let app = docker
            .containers
            .iter()
            .find(|c| c.name.as_deref() == Some("app"))
            .unwrap();
        let first = index.process(app.init_pid.unwrap()).unwrap();
        assert_eq!(
            label(&index, first).unwrap(),
            format!("app ({})", app.id.short())
        );
    }

    #[test]
    fn a_runc_v2_shim_under_pid_1_is_a_root_labelled_with_its_pod() {
        // containerd-shim-runc-v2: one shim per pod, reparented to pid 1.
        let mut model = fixture::seed();
        let pod = PodUid::parse(seed::POD_NGINX_REDIS).unwrap();
        model
            .processes
            .retain(|p| ![19039, 19338].contains(&p.pid.0));
        for process in &mut model.processes {
            if process.pid == Pid(19407) {
                process.ppid = Pid(1);
                process.comm = "containerd-shim".into();
                process.cmdline = Some(format!(
                    "/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id {} -address /run/containerd/containerd.sock",
                    seed::PAUSE_NGINX_REDIS
                ));
            }
            if [19057, 19356].contains(&process.pid.0) {
                process.ppid = Pid(19407);
            }
        }
        for container in &mut model.containers {
            if container.pod_uid.as_ref() == Some(&pod) {
                container.shim_pid = Some(Pid(19407));
            }
        }
        let filter = Filter {
            pod: Some(pod),
            container: None,
        };
        let out = tree(
            &model,
            &filter,
            TreeScope::Runtime,
            Width::Columns(80),
            Palette::PLAIN,
        );
        assert_eq!(
            out,
            "1 /usr/lib/systemd/systemd --switched-root --system --deserialize 21\n\
             └─19407 [shim: pod default/nginx-redis, 3 containers] /usr/bin/containerd-shim-…\n\
             \x20 ├─19057 [sandbox (63ee2df4c255), pod default/nginx-redis] /pause\n\
             \x20 ├─19356 [redis (9934ac36efad), pod default/nginx-redis] redis-server\n\
             \x20 └─19431 [nginx (d62b4a22abd2), pod default/nginx-redis] nginx: master process…\n\
             \x20   ├─19453 nginx: worker process\n\
             \x20   ├─19454 nginx: worker process\n\
             \x20   ├─19455 nginx: worker process\n\
             \x20   ├─19456 nginx: worker process\n\
             \x20   ├─19457 nginx: worker process\n\
             \x20   ├─19458 nginx: worker process\n\
             \x20   ├─19459 nginx: worker process\n\
             \x20   └─19460 nginx: worker process\n"
        );
        let whole = tree(
            &model,
            &Filter::default(),
            TreeScope::Runtime,
            Width::Columns(80),
            Palette::PLAIN,
        );
        let roots: Vec<&str> = whole
            .lines()
            .filter(|l| !l.starts_with(['├', '└', '│', ' ']))
            .collect();
        assert_eq!(roots.len(), 3, "{whole}");
        assert!(
            roots[2].starts_with("19407 [shim: pod default/nginx-redis, 3 containers]"),
            "{whole}"
        );
    }
}
