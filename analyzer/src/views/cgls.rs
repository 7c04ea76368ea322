//! `analyzer cgls`: the cgroup tree like systemd-cgls, processes first and then child cgroups,
//! each pod cgroup labelled with its QoS class and namespace/name, each container cgroup with
//! its container's name, and trouble (OOM kills, throttling) where the model found some.

use super::index::{command, container_label, pod_label, Index};
use super::text::{Palette, Style, Width};
use super::tree::{draw, Segment};
use crate::model::{Cgroup, CgroupPath, Model, Pid, Severity};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Show cgroups without processes too (systemd-cgls --all).
    pub all: bool,
    /// Show kernel threads (systemd-cgls -k).
    pub kernel_threads: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no cgroup {0:?} in the snapshot")]
pub struct UnknownCgroup(pub String);

#[derive(Clone, Copy)]
enum Node<'a> {
    Cgroup(&'a Cgroup),
    Process(Pid, usize),
}

/// The tree below `path` (`/` for the whole hierarchy; a trailing slash is ignored).
pub fn render(
    model: &Model,
    path: &str,
    options: Options,
    width: Width,
    palette: Palette,
) -> Result<String, UnknownCgroup> {
    let index = Index::new(model);
    let wanted = normalize(path);
    let top = model
        .cgroups
        .iter()
        .find(|c| c.path == wanted.as_str())
        .ok_or_else(|| UnknownCgroup(path.to_string()))?;
    // Keyed by the stored paths (a tree of names), never by one string per cgroup.
    let mut children: HashMap<&CgroupPath, Vec<&Cgroup>> = HashMap::new();
    for cgroup in &model.cgroups {
        if let Some(parent) = &cgroup.parent {
            if *parent != cgroup.path {
                children.entry(parent).or_default().push(cgroup);
            }
        }
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| a.path.cmp(&b.path));
    }
    let shown_pids = |cgroup: &Cgroup| -> Vec<Pid> {
        let mut pids: Vec<Pid> = cgroup
            .pids
            .iter()
            .copied()
            .filter(|pid| {
                options.kernel_threads || index.process(*pid).is_none_or(|p| !p.kernel_thread)
            })
            .collect();
        pids.sort_unstable();
        pids
    };
    // A cgroup is shown when it or a descendant holds a shown process (systemd-cgls hides
    // empty ones unless --all). Deepest paths first, so children are settled before parents.
    let mut occupied: HashSet<&CgroupPath> = HashSet::new();
    let mut by_depth: Vec<&Cgroup> = model.cgroups.iter().collect();
    by_depth.sort_by_key(|c| std::cmp::Reverse(c.path.depth()));
    for cgroup in by_depth {
        if options.all || !shown_pids(cgroup).is_empty() || occupied.contains(&cgroup.path) {
            occupied.insert(&cgroup.path);
            if let Some(parent) = &cgroup.parent {
                occupied.insert(parent);
            }
        }
    }
    let kids = |node: &Node| -> Vec<Node> {
        let Node::Cgroup(cgroup) = node else {
            return Vec::new();
        };
        let pids = shown_pids(cgroup);
        let pid_width = pids.iter().map(|p| p.to_string().len()).max().unwrap_or(0);
        let mut nodes: Vec<Node> = pids
            .into_iter()
            .map(|p| Node::Process(p, pid_width))
            .collect();
        nodes.extend(
            children
                .get(&cgroup.path)
                .into_iter()
                .flatten()
                .filter(|c| occupied.contains(&c.path))
                .map(|c| Node::Cgroup(c)),
        );
        nodes
    };
    Ok(draw(
        &[Node::Cgroup(top)],
        |node| match node {
            Node::Cgroup(c) => (true, std::ptr::from_ref(*c) as usize),
            Node::Process(pid, _) => (false, pid.0 as usize),
        },
        kids,
        |node| match node {
            Node::Cgroup(cgroup) if std::ptr::eq(*cgroup, top) => {
                vec![Segment::plain(format!("Control group {}:", top.path))]
            }
            Node::Cgroup(cgroup) => cgroup_line(&index, cgroup, width),
            Node::Process(pid, pid_width) => {
                let text = index.process(*pid).map(command).unwrap_or_default();
                vec![Segment::plain(format!("{:>pid_width$} {text}", pid.0))]
            }
        },
        width,
        palette,
    ))
}

fn normalize(path: &str) -> String {
    let trimmed = path.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else if trimmed.starts_with('/') {
        trimmed.to_string()
    } else {
        format!("/{trimmed}")
    }
}

fn cgroup_line(index: &Index, cgroup: &Cgroup, width: Width) -> Vec<Segment> {
    let mut name = cgroup.path.name().to_string();
    // A 64-digit id or a 36-character uid leaves no room for the label on a narrow terminal;
    // 12 digits of an id and the first group of a uid identify them (and `--pod`,
    // `--container` and `inspect` accept them).
    if let Width::Columns(_) = width {
        if let Some(id) = &cgroup.container_id {
            name = name.replace(id.as_str(), &format!("{}…", id.short()));
        } else if let Some(uid) = &cgroup.pod_uid {
            let short = format!("{}…", super::index::short_uid(uid));
            let underscored = uid.as_str().replace('-', "_");
            name = name
                .replace(uid.as_str(), &short)
                .replace(&underscored, &short);
        }
    }
    let mut segments = vec![Segment::plain(name)];
    if let Some(label) = label(index, cgroup) {
        segments.push(Segment::styled(format!(" [{label}]"), Style::Label));
    }
    if !cgroup.trouble.is_empty() {
        segments.push(Segment::styled(
            format!(" ! {}", cgroup.trouble.join(", ")),
            Style::Severity(Severity::Warning),
        ));
    }
    segments
}

fn label(index: &Index, cgroup: &Cgroup) -> Option<String> {
    if let Some(id) = &cgroup.container_id {
        return Some(match index.container(id.as_str()) {
            Some(c) if c.sandbox => "sandbox".to_string(),
            Some(c) => format!("container {}", container_label(c)),
            None => format!("container {}", id.short()),
        });
    }
    let uid = cgroup.pod_uid.as_ref()?;
    let qos = cgroup.qos.map(|q| format!("{q} ")).unwrap_or_default();
    let pod = match index.pod(uid) {
        Some(pod) => pod_label(pod),
        None => uid.to_string(),
    };
    Some(format!("{qos}pod {pod}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use crate::views::golden;
    use nodesnap_fixtures::layouts::seed;

    #[test]
    fn whole_tree_labels_pods_and_containers() {
        let model = fixture::seed();
        let out = render(
            &model,
            "/",
            Options::default(),
            Width::Columns(80),
            Palette::PLAIN,
        )
        .unwrap();
        golden::check("cgls.txt", &out);
        assert!(out.lines().all(|l| l.chars().count() <= 80), "{out}");
    }

    #[test]
    fn wide_tree_of_one_pod_shows_full_ids() {
        let model = fixture::seed();
        let path = format!("/kubepods/burstable/pod{}/", seed::POD_NGINX_REDIS);
        let out = render(
            &model,
            &path,
            Options::default(),
            Width::Unlimited,
            Palette::PLAIN,
        )
        .unwrap();
        golden::check("cgls-pod.txt", &out);
    }

    #[test]
    fn kernel_threads_and_empty_cgroups_only_on_request() {
        let all = Options {
            all: true,
            kernel_threads: true,
        };
        let seed = fixture::seed();
        let plain = render(
            &seed,
            "/",
            Options::default(),
            Width::Unlimited,
            Palette::PLAIN,
        )
        .unwrap();
        assert!(!plain.contains("kthreadd"));
        let full = render(&seed, "/", all, Width::Unlimited, Palette::PLAIN).unwrap();
        assert!(full.contains("├─ 2 [kthreadd]"), "{full}");
        // The CRI-O node's besteffort slice holds no pod: an empty cgroup.
        let crio = fixture::model("crio-v1-systemd");
        let plain = render(
            &crio,
            "/",
            Options::default(),
            Width::Unlimited,
            Palette::PLAIN,
        )
        .unwrap();
        assert!(!plain.contains("kubepods-besteffort.slice"), "{plain}");
        let full = render(&crio, "/", all, Width::Unlimited, Palette::PLAIN).unwrap();
        assert!(full.contains("kubepods-besteffort.slice"), "{full}");
    }

    #[test]
    fn narrow_names_shorten_pod_uids_in_either_spelling() {
        let model = fixture::seed();
        let index_of =
            |model: &Model, path: &str| model.cgroups.iter().position(|c| c.path == path);
        let pod_path = format!("/kubepods/burstable/pod{}", seed::POD_NGINX_REDIS);
        let i = index_of(&model, &pod_path).unwrap();
        let index = Index::new(&model);
        let line = |cgroup: &Cgroup, width| {
            cgroup_line(&index, cgroup, width)
                .into_iter()
                .map(|s| s.text)
                .collect::<String>()
        };
        let cgroup = model.cgroups[i].clone();
        assert_eq!(
            line(&cgroup, Width::Columns(80)),
            "podf5f16f15… [burstable pod default/nginx-redis]"
        );
        assert_eq!(
            line(&cgroup, Width::Unlimited),
            "podf5f16f15-af9e-11ea-8af4-0050569e47b9 [burstable pod default/nginx-redis]"
        );
        let mut systemd = cgroup.clone();
        systemd.path = CgroupPath::new(
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podf5f16f15_af9e_11ea_8af4_0050569e47b9.slice",
        )
        .unwrap();
        assert_eq!(
            line(&systemd, Width::Columns(80)),
            "kubepods-burstable-podf5f16f15….slice [burstable pod default/nginx-redis]"
        );
    }

    #[test]
    fn unknown_path_is_an_error_and_relative_paths_are_accepted() {
        let model = fixture::seed();
        assert_eq!(
            render(
                &model,
                "/nope",
                Options::default(),
                Width::Unlimited,
                Palette::PLAIN
            ),
            Err(UnknownCgroup("/nope".into()))
        );
        let out = render(
            &model,
            "system.slice",
            Options::default(),
            Width::Unlimited,
            Palette::PLAIN,
        )
        .unwrap();
        assert!(out.starts_with("Control group /system.slice:\n"), "{out}");
        assert!(
            out.contains("├─containerd.service\n│ ├─ 2841 /usr/bin/containerd\n"),
            "{out}"
        );
    }
}
