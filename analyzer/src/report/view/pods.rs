//! The pods section and the standalone containers: one card per pod with its facts,
//! resources, namespace grid and containers, each container with its `ps`-like listing.

use super::super::text::{visible, visible_short, SHORT_CMD_CHARS};
use super::grid::{ns_grid, NsGridView};
use super::links::{process_href, Fact, Homes, Links};
use super::resources::resource_facts;
use super::OPEN_PODS_MAX;
use crate::model::{Container, NsType, Pid, Pod, Process, QosClass, Sharing};
use crate::present::text::plural;
use crate::present::{labels, units};

#[derive(Debug, Clone)]
pub struct PodsView {
    /// `2,000 pods · 6,000 containers`.
    pub summary: String,
    /// The pod count as shown in the header bar.
    pub count_text: String,
    pub count: usize,
    pub container_count: usize,
    pub cards_open: bool,
    pub pods: Vec<PodView>,
}

#[derive(Debug, Clone)]
pub struct PodView {
    pub anchor: String,
    pub title: String,
    pub uid: String,
    /// `burstable`, or `QoS unknown`.
    pub qos: &'static str,
    /// CSS class for the QoS badge.
    pub qos_class: &'static str,
    /// `3 containers · 11 processes` for the collapsed summary.
    pub summary: String,
    /// Set when something in the pod needs attention (host namespaces, OOM kills, ...).
    pub alert: Option<String>,
    pub facts: Vec<Fact>,
    pub resources: Vec<Fact>,
    pub containers: Vec<ContainerView>,
    pub grid: NsGridView,
}

#[derive(Debug, Clone)]
pub struct ContainerView {
    pub anchor: String,
    pub name: String,
    pub id_short: String,
    pub id: String,
    pub sandbox: bool,
    pub facts: Vec<Fact>,
    pub resources: Vec<Fact>,
    pub processes: Vec<ProcRow>,
}

/// One line of a container's `ps`-like listing, its columns padded for a monospace font: the
/// pid (the link) and the rest (user, state, RSS, command).
#[derive(Debug, Clone)]
pub struct ProcRow {
    pub pid: String,
    pub href: Option<String>,
    pub rest: String,
    pub partial: bool,
}

/// The header of the container listings, padded like `ProcRow`.
pub const PROC_HEADER: (&str, &str) = ("    PID", " USER     S      RSS  COMMAND");

fn proc_columns(pid: Pid, user: &str, state: &str, rss: &str, cmd: &str) -> (String, String) {
    (
        format!("{:>7}", pid.0),
        format!(" {:<8} {:<1} {:>8}  {}", user, state, rss, cmd),
    )
}

pub(super) fn pods(links: &Links, homes: &Homes) -> PodsView {
    let mut pods: Vec<&Pod> = links.model.pods.iter().collect();
    pods.sort_by_cached_key(|p| (visible(&labels::pod(p)), p.uid.clone()));
    let views: Vec<PodView> = pods.iter().map(|p| pod_view(links, p, homes)).collect();
    let container_count: usize = views.iter().map(|p| p.containers.len()).sum();
    let pod_count = views.len();
    let counted = |n: usize, one: &str, many: &str| {
        format!(
            "{} {}",
            units::count(n as u64),
            if n == 1 { one } else { many }
        )
    };
    PodsView {
        summary: format!(
            "{} · {}",
            counted(pod_count, "pod", "pods"),
            counted(container_count, "container", "containers")
        ),
        count_text: units::count(pod_count as u64),
        count: pod_count,
        container_count,
        cards_open: pod_count <= OPEN_PODS_MAX,
        pods: views,
    }
}

/// The containers outside any pod.
pub(super) fn standalone(links: &Links, homes: &Homes) -> Vec<ContainerView> {
    links
        .model
        .containers
        .iter()
        .filter(|c| c.pod_uid.is_none())
        .map(|c| container_view(links, c, homes))
        .collect()
}

/// The pod's containers, sandbox first, then by name.
pub(super) fn pod_containers<'m>(links: &Links<'m>, pod: &'m Pod) -> Vec<&'m Container> {
    let mut containers: Vec<&Container> = links.index.containers_of_pod(&pod.uid).to_vec();
    // Containers the pod names but that carry no pod uid still belong on its card.
    for id in &pod.container_ids {
        if let Some(c) = links.index.container(id) {
            if !containers.iter().any(|known| known.id == c.id) {
                containers.push(c);
            }
        }
    }
    containers.sort_by_cached_key(|c| (!c.sandbox, labels::container(c), c.id.clone()));
    containers
}

fn pod_view<'m>(links: &Links<'m>, pod: &'m Pod, homes: &Homes) -> PodView {
    let containers = pod_containers(links, pod);
    let process_count: usize = containers.iter().map(|c| c.pids.len()).sum();
    let app_count = containers.iter().filter(|c| !c.sandbox).count();
    let (qos, qos_class) = match pod.qos {
        Some(q) => (q.as_str(), qos_badge(q)),
        None => ("QoS unknown", "q-u"),
    };
    let sandbox = match (&pod.sandbox_id, pod.sandbox_pid) {
        (Some(id), Some(pid)) => format!("{} · pid {pid}", id.short()),
        (Some(id), None) => format!("{} · no sandbox process", id.short()),
        (None, Some(pid)) => format!("pid {pid}"),
        (None, None) => "not found".to_string(),
    };
    let mut facts = vec![
        Fact::new("Pod uid", pod.uid.to_string()),
        Fact::new("Sandbox", sandbox),
    ];
    let runtimes = &links.model.node.runtimes;
    if let (Some(instance), true) = (&pod.runtime_instance, links.pods_on_several_runtimes) {
        facts.push(Fact::new(
            "Runtime",
            visible(&labels::runtime_id(runtimes, instance)),
        ));
    }
    if let Some(cgroup) = &pod.cgroup {
        facts.push(Fact::new("cgroup", visible(cgroup)));
    }
    PodView {
        anchor: format!("pod-{}", pod.uid),
        title: visible(&labels::pod(pod)),
        uid: pod.uid.to_string(),
        qos,
        qos_class,
        summary: format!(
            "{} · {}",
            plural(app_count, "container", "containers"),
            plural(process_count, "process", "processes")
        ),
        alert: alert(pod, &containers),
        facts,
        resources: resource_facts(&pod.limits, &pod.usage),
        grid: ns_grid(links, pod, &containers),
        containers: containers
            .iter()
            .map(|c| container_view(links, c, homes))
            .collect(),
    }
}

/// The CSS class of a QoS class's badge.
fn qos_badge(qos: QosClass) -> &'static str {
    match qos {
        QosClass::Guaranteed => "q-g",
        QosClass::Burstable => "q-b",
        QosClass::BestEffort => "q-be",
    }
}

/// What needs attention in a pod, for its collapsed summary: host namespaces, OOM kills.
fn alert(pod: &Pod, containers: &[&Container]) -> Option<String> {
    let host_shared: Vec<&str> = pod
        .namespace_sharing
        .iter()
        .filter(|(kind, sharing)| {
            **sharing == Sharing::Host && matches!(kind, NsType::Net | NsType::Pid | NsType::Ipc)
        })
        .map(|(kind, _)| kind.as_str())
        .collect();
    let oom_kills = pod.usage.oom_kills.unwrap_or(0)
        + containers
            .iter()
            .map(|c| c.usage.oom_kills.unwrap_or(0))
            .sum::<u64>();
    let mut alerts = Vec::new();
    if !host_shared.is_empty() {
        alerts.push(format!("host {}", host_shared.join(", ")));
    }
    if oom_kills > 0 {
        alerts.push(format!("{oom_kills} OOM kills"));
    }
    (!alerts.is_empty()).then(|| alerts.join(" · "))
}

fn container_view(links: &Links, c: &Container, homes: &Homes) -> ContainerView {
    let mut facts = Vec::new();
    if let Some(image) = &c.image {
        facts.push(Fact::new("Image", visible(image)));
    }
    let runtimes = &links.model.node.runtimes;
    match (&c.runtime_instance, c.runtime) {
        (Some(instance), _) => facts.push(Fact::new(
            "Runtime",
            visible(&labels::runtime_id(runtimes, instance)),
        )),
        (None, Some(kind)) => facts.push(Fact::new("Runtime", kind.name())),
        (None, None) => {}
    }
    if let Some(pid) = c.shim_pid {
        let comm = links
            .index
            .process(pid)
            .map(|p| format!(" {}", visible(&p.comm)))
            .unwrap_or_default();
        facts.push(Fact::new("Shim", format!("pid {pid}{comm}")));
    }
    if c.pod_uid.is_none() {
        if let Some(cgroup) = &c.cgroup {
            facts.push(Fact::new("cgroup", visible(cgroup)));
        }
    }
    let mut pids = c.pids.clone();
    pids.sort();
    let processes = pids
        .iter()
        .map(|pid| match links.index.process(*pid) {
            Some(p) => proc_row(p, homes),
            None => {
                let (pid, rest) = proc_columns(*pid, "", "", "", "(not in the snapshot)");
                ProcRow {
                    pid,
                    href: None,
                    rest,
                    partial: true,
                }
            }
        })
        .collect();
    ContainerView {
        anchor: links.container_anchor(&c.id),
        name: visible(labels::container(c)),
        id_short: c.id.short().to_string(),
        id: c.id.to_string(),
        sandbox: c.sandbox,
        facts,
        resources: resource_facts(&c.limits, &c.usage),
        processes,
    }
}

fn proc_row(p: &Process, homes: &Homes) -> ProcRow {
    let (pid, rest) = proc_columns(
        p.pid,
        &visible(&labels::user(p)),
        &visible(&p.state.to_string()),
        &p.rss_bytes.map(units::bytes).unwrap_or_default(),
        &visible_short(&labels::command(p), SHORT_CMD_CHARS),
    );
    ProcRow {
        pid,
        href: process_href(homes, p.pid),
        rest,
        partial: p.partial,
    }
}
