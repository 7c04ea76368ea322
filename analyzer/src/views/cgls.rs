//! `analyzer cgls`: the cgroup tree like systemd-cgls, processes first and then child cgroups,
//! each pod cgroup labelled with its QoS class and namespace/name, each container cgroup with
//! its container's name, and the notes of the findings about it (OOM kills, throttling).

use super::text::{Palette, Style, Width};
use super::tree::{draw, Segment};
use crate::model::{Cgroup, CgroupPath, Model, Pid, Severity};
use crate::present::notes::CgroupNotes;
use crate::present::{labels, Index};
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
    /// A cgroup and its position in `model.cgroups`.
    Cgroup(usize, &'a Cgroup),
    /// A process and the width of its cgroup's pid column.
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
    let notes = CgroupNotes::new(model);
    let wanted = normalize(path);
    let (top_position, top) = model
        .cgroups
        .iter()
        .enumerate()
        .find(|(_, c)| c.path == wanted.as_str())
        .ok_or_else(|| UnknownCgroup(path.to_string()))?;
    // Keyed by the stored paths (a tree of names), never by one string per cgroup.
    let mut children: HashMap<&CgroupPath, Vec<(usize, &Cgroup)>> = HashMap::new();
    for (position, cgroup) in model.cgroups.iter().enumerate() {
        if let Some(parent) = &cgroup.parent {
            if *parent != cgroup.path {
                children.entry(parent).or_default().push((position, cgroup));
            }
        }
    }
    for list in children.values_mut() {
        list.sort_by(|(_, a), (_, b)| a.path.cmp(&b.path));
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
        let Node::Cgroup(_, cgroup) = node else {
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
                .filter(|(_, c)| occupied.contains(&c.path))
                .map(|(position, c)| Node::Cgroup(*position, c)),
        );
        nodes
    };
    Ok(draw(
        &[Node::Cgroup(top_position, top)],
        |node| match node {
            Node::Cgroup(position, _) => (true, *position),
            Node::Process(pid, _) => (false, pid.0 as usize),
        },
        kids,
        |node| match node {
            Node::Cgroup(position, _) if *position == top_position => {
                vec![Segment::plain(format!("Control group {}:", top.path))]
            }
            Node::Cgroup(position, cgroup) => {
                cgroup_line(&index, notes.at(*position), cgroup, width)
            }
            Node::Process(pid, pid_width) => {
                let text = index.process(*pid).map(labels::command).unwrap_or_default();
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

fn cgroup_line(index: &Index, notes: &[String], cgroup: &Cgroup, width: Width) -> Vec<Segment> {
    let mut name = cgroup.path.name().to_string();
    // A 64-digit id or a 36-character uid leaves no room for the label on a narrow terminal;
    // 12 digits of an id and the first group of a uid identify them (and `--pod`,
    // `--container` and `inspect` accept them).
    if let Width::Columns(_) = width {
        if let Some(id) = &cgroup.container_id {
            name = name.replace(id.as_str(), &format!("{}…", id.short()));
        } else if let Some(uid) = &cgroup.pod_uid {
            let short = format!("{}…", labels::short_uid(uid));
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
    if !notes.is_empty() {
        segments.push(Segment::styled(
            format!(" ! {}", notes.join(", ")),
            Style::Severity(Severity::Warning),
        ));
    }
    segments
}

fn label(index: &Index, cgroup: &Cgroup) -> Option<String> {
    if let Some(id) = &cgroup.container_id {
        return Some(match index.container(id) {
            Some(c) if c.sandbox => labels::container(c).to_string(),
            _ => format!("container {}", index.container_label(id)),
        });
    }
    let uid = cgroup.pod_uid.as_ref()?;
    let qos = cgroup.qos.map(|q| format!("{q} ")).unwrap_or_default();
    Some(format!("{qos}pod {}", index.pod_label(uid)))
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
            cgroup_line(&index, &[], cgroup, width)
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
    fn a_cgroup_is_flagged_exactly_where_a_finding_is_about_it() {
        let mut model = fixture::seed();
        let redis = format!(
            "/kubepods/burstable/pod{}/{}",
            seed::POD_NGINX_REDIS,
            seed::REDIS
        );
        let cgroup = model.cgroups.iter_mut().find(|c| c.path == redis.as_str());
        let cgroup = cgroup.expect("the redis cgroup");
        cgroup.usage.oom_kills = Some(2);
        // What the cgroup reader wrote long ago counts for nothing: findings decide.
        cgroup.trouble = vec!["stale note".into()];
        let path = cgroup.path.clone();
        let render_pod = |model: &Model| {
            let pod = format!("/kubepods/burstable/pod{}", seed::POD_NGINX_REDIS);
            render(
                model,
                &pod,
                Options::default(),
                Width::Unlimited,
                Palette::PLAIN,
            )
            .unwrap()
        };
        let quiet = render_pod(&model);
        assert!(!quiet.contains(" ! "), "{quiet}");
        model.findings.push(crate::model::Finding {
            rule: crate::findings::CGROUP_OOM_KILLS.id.into(),
            severity: Severity::Critical,
            subject: crate::model::Subject::Cgroup(path),
            message: "container redis had 2 OOM kills".into(),
            explanation: String::new(),
        });
        let flagged = render_pod(&model);
        let line = flagged
            .lines()
            .find(|l| l.contains("[container redis]"))
            .unwrap();
        assert!(
            line.ends_with("[container redis] ! 2 processes killed by the OOM killer"),
            "{flagged}"
        );
        assert_eq!(flagged.matches(" ! ").count(), 1, "{flagged}");
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
