//! View structs for the report's templates, built once from the model: every string is
//! preformatted and made visible, every link resolved, every tree drawn, so that the templates
//! do no lookups and no arithmetic.

use super::text::{self, visible, visible_short, LIST_CMD_CHARS, SHORT_CMD_CHARS};
use crate::model::{
    CgroupDriver, CgroupMode, CgroupPath, Container, ContainerId, Holder, Inode, Limit, Limits,
    Model, NsType, Pid, Pod, PodUid, Process, ProcessRole, QosClass, Severity, Sharing, Subject,
    Usage,
};
use nodesnap_format::{CmdlinePolicy, GapReason, REDACTED};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Above this many pods, pod cards start collapsed to their one-line summary.
pub const OPEN_PODS_MAX: usize = 12;
/// Above this many lines, a tree or table starts collapsed.
pub const OPEN_LINES_MAX: usize = 300;
/// Findings of one severity shown open up to this many.
pub const OPEN_FINDINGS_MAX: usize = 30;
/// Gaps listed one by one at most; the rest are counted.
pub const LISTED_GAPS_MAX: usize = 500;
/// Children of one process that point to the runtime tree one by one; more share a note.
const POINTER_LINES_MAX: usize = 8;
/// Tree depth drawn with guide lines; deeper levels share the last indentation.
const TREE_DEPTH_MAX: usize = 40;

/// The namespace types a pod's grid shows, in the order the walkthrough's `ls -l` lists them.
const GRID_NS_TYPES: [NsType; 8] = [
    NsType::Cgroup,
    NsType::Ipc,
    NsType::Mnt,
    NsType::Net,
    NsType::Pid,
    NsType::Time,
    NsType::User,
    NsType::Uts,
];

#[derive(Debug, Clone)]
pub struct ReportView {
    pub title: String,
    pub proc_header: (&'static str, &'static str),
    pub ns_header: (&'static str, &'static str, &'static str),
    /// The figures a reader looks at first, at the top of the page.
    pub glance: Vec<Glance>,
    pub node: NodeView,
    pub findings: FindingsView,
    pub pods: PodsView,
    pub standalone: Vec<ContainerView>,
    pub process_tree: ProcessTreeView,
    pub cgroups: CgroupsView,
    pub namespaces: NamespacesView,
    pub search: SearchIndex,
    /// Command lines were redacted by the collector: each `***` in them is shown as a marker.
    pub marks_redacted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Glance {
    pub value: String,
    pub label: &'static str,
    /// CSS class: `crit`, `warn` or empty.
    pub class: &'static str,
    pub href: &'static str,
}

/// A label and its preformatted value; `warn` marks values that need attention.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub label: &'static str,
    pub value: String,
    pub warn: bool,
}

impl Fact {
    fn new(label: &'static str, value: impl Into<String>) -> Fact {
        Fact {
            label,
            value: value.into(),
            warn: false,
        }
    }

    fn warn(label: &'static str, value: impl Into<String>, warn: bool) -> Fact {
        Fact {
            label,
            value: value.into(),
            warn,
        }
    }
}

/// Text that links to an anchor in the report when its target is shown there.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkView {
    pub text: String,
    /// `#pod-…`, `#c-…`, `#p…`, `#g…` or `#node`.
    pub href: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NodeView {
    pub facts: Vec<Fact>,
    pub collection: Vec<Fact>,
    pub gap_total: String,
    pub gap_reasons: Vec<GapReasonRow>,
    pub gaps: Vec<GapRow>,
    /// How many gaps are counted but not listed, when some are.
    pub gaps_unlisted: Option<String>,
    pub gaps_open: bool,
}

#[derive(Debug, Clone)]
pub struct GapReasonRow {
    pub reason: &'static str,
    pub meaning: &'static str,
    pub count: String,
}

#[derive(Debug, Clone)]
pub struct GapRow {
    pub path: String,
    pub reason: &'static str,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct FindingsView {
    pub total: usize,
    /// The total as shown in the header bar.
    pub total_text: String,
    pub groups: Vec<FindingGroup>,
    /// `3 critical · 2 warnings · 1 info` for the header bar.
    pub summary: String,
}

#[derive(Debug, Clone)]
pub struct FindingGroup {
    pub label: &'static str,
    /// CSS class: `crit`, `warn` or `info`.
    pub class: &'static str,
    pub count: usize,
    pub open: bool,
    pub items: Vec<FindingView>,
}

#[derive(Debug, Clone)]
pub struct FindingView {
    pub rule: String,
    pub message: String,
    pub explanation: String,
    pub subject: LinkView,
}

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

#[derive(Debug, Clone)]
/// One line of a container's `ps`-like listing, its columns padded for a monospace font: the
/// pid (the link) and the rest (user, state, RSS, command).
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

/// A pod's containers against the namespace types, as the walkthrough draws it by hand.
#[derive(Debug, Clone)]
pub struct NsGridView {
    pub columns: Vec<&'static str>,
    pub rows: Vec<NsGridRow>,
    /// One line in words: `shared in the pod: ipc, net · host's: user · private: mnt, pid, uts`.
    pub sharing: String,
}

#[derive(Debug, Clone)]
pub struct NsGridRow {
    pub label: String,
    pub sandbox: bool,
    pub cells: Vec<NsCell>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NsCell {
    pub inode: String,
    /// CSS class: `pod` (shared within the pod), `host`, `priv` (this container's own), `none`.
    pub class: &'static str,
}

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
    pub trouble: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CgroupProcess {
    pub pid: String,
    pub href: Option<String>,
    pub cmd: String,
}

#[derive(Debug, Clone)]
pub struct NamespacesView {
    pub count: String,
    pub groups: Vec<NsGroup>,
}

#[derive(Debug, Clone)]
pub struct NsGroup {
    pub title: &'static str,
    pub open: bool,
    pub count: String,
    pub rows: Vec<NsRow>,
}

#[derive(Debug, Clone)]
/// One line of the `lsns`-like listing: NS, TYPE, NPROCS and PID padded for a monospace font,
/// then the holder (its column aligned by the stylesheet) and the command.
pub struct NsRow {
    pub columns: String,
    pub holder: LinkView,
    pub command: String,
}

/// The header of the namespace listings, padded like `NsRow`.
pub const NS_HEADER: (&str, &str, &str) =
    ("        NS TYPE   NPROCS     PID  ", "HOLDER", "COMMAND");

/// What the page's search script needs: for each element it can hide, the element's id, the
/// names matched as substrings, the ids matched by prefix and the pids matched exactly; and for
/// each id the pids it holds, so that an id prefix finds the processes of what it names.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    pub entries: Vec<SearchEntry>,
}

#[derive(Debug, Clone)]
pub struct SearchEntry {
    pub element: String,
    pub names: String,
    pub ids: Vec<String>,
    pub pids: Vec<u32>,
    /// Parallel to `ids`: the pids of the pod or container each id names.
    pub id_pids: Vec<Vec<u32>>,
}

impl SearchIndex {
    /// The index as `[[element, names, [ids], [pids], [[pids of each id]]], ...]`, names and
    /// ids lowercased.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.entries
                .iter()
                .map(|e| {
                    serde_json::json!([e.element, e.names.to_lowercase(), e.ids, e.pids, e.id_pids])
                })
                .collect(),
        )
    }
}

/// Lookups shared by the builders below.
struct Index<'m> {
    model: &'m Model,
    pods: HashMap<&'m PodUid, &'m Pod>,
    containers: HashMap<&'m ContainerId, &'m Container>,
    processes: HashMap<Pid, &'m Process>,
    cgroups: HashMap<&'m CgroupPath, usize>,
    containers_by_pod: HashMap<&'m PodUid, Vec<&'m Container>>,
    /// How many containers share each 12-character short id.
    short_ids: HashMap<&'m str, usize>,
    /// The containers each shim manages: one for containerd-shim v1 and conmon, a whole pod
    /// for containerd-shim-runc-v2.
    containers_by_shim: HashMap<Pid, Vec<&'m Container>>,
    /// The node's pods run on more than one runtime instance: each pod card names its own.
    pods_on_several_runtimes: bool,
    /// Namespaces that belong to the host, by type.
    host_namespaces: HashSet<(NsType, Inode)>,
}

impl<'m> Index<'m> {
    fn new(model: &'m Model) -> Index<'m> {
        let mut host_namespaces: HashSet<(NsType, Inode)> = model
            .namespaces
            .iter()
            .filter(|ns| ns.holder == Holder::Host)
            .map(|ns| (ns.kind, ns.inode))
            .collect();
        // pid 1's namespaces are the host's even when the model lists no holders.
        if let Some(init) = model.processes.iter().find(|p| p.pid == Pid(1)) {
            host_namespaces.extend(init.namespaces.iter().map(|(k, i)| (*k, *i)));
        }
        Index {
            model,
            pods: model.pods.iter().map(|p| (&p.uid, p)).collect(),
            containers: model.containers.iter().map(|c| (&c.id, c)).collect(),
            processes: model.processes.iter().map(|p| (p.pid, p)).collect(),
            cgroups: model
                .cgroups
                .iter()
                .enumerate()
                .map(|(i, c)| (&c.path, i))
                .collect(),
            containers_by_pod: {
                let mut map: HashMap<&PodUid, Vec<&Container>> = HashMap::new();
                for c in &model.containers {
                    if let Some(uid) = &c.pod_uid {
                        map.entry(uid).or_default().push(c);
                    }
                }
                map
            },
            short_ids: {
                let mut map: HashMap<&str, usize> = HashMap::new();
                for c in &model.containers {
                    *map.entry(c.id.short()).or_default() += 1;
                }
                map
            },
            pods_on_several_runtimes: model
                .pods
                .iter()
                .map(|p| &p.runtime_instance)
                .collect::<HashSet<_>>()
                .len()
                > 1,
            containers_by_shim: {
                let mut map: HashMap<Pid, Vec<&Container>> = HashMap::new();
                for c in &model.containers {
                    if let Some(pid) = c.shim_pid {
                        map.entry(pid).or_default().push(c);
                    }
                }
                map
            },
            host_namespaces,
        }
    }

    fn pod_title(&self, uid: &PodUid) -> String {
        match self.pods.get(uid) {
            Some(pod) => pod_title(pod),
            None => format!("pod {}", uid),
        }
    }

    fn pod_link(&self, uid: &PodUid) -> LinkView {
        LinkView {
            text: self.pod_title(uid),
            href: self.pods.contains_key(uid).then(|| pod_anchor(uid)),
        }
    }

    fn container_link(&self, id: &ContainerId) -> LinkView {
        match self.containers.get(id) {
            Some(c) => LinkView {
                text: container_name(c),
                href: Some(format!("#{}", self.container_anchor(id))),
            },
            None => LinkView {
                text: id.short().to_string(),
                href: None,
            },
        }
    }

    /// The container's name after its pod's, where a bare name (`POD`) would be ambiguous.
    fn container_link_in_pod(&self, id: &ContainerId) -> LinkView {
        let mut link = self.container_link(id);
        if let Some(uid) = self.containers.get(id).and_then(|c| c.pod_uid.as_ref()) {
            link.text = format!("{} · {}", self.pod_title(uid), link.text);
        }
        link
    }

    /// `c-` and the 12-character short id, or the full id where two containers share a short
    /// one: anchors appear tens of thousands of times on a big node.
    fn container_anchor(&self, id: &ContainerId) -> String {
        if self.short_ids.get(id.short()).copied().unwrap_or(0) > 1 {
            format!("c-{id}")
        } else {
            format!("c-{}", id.short())
        }
    }

    fn process_cmd(&self, pid: Pid) -> String {
        self.processes
            .get(&pid)
            .map(|p| visible_short(&command_of(p), LIST_CMD_CHARS))
            .unwrap_or_default()
    }
}

pub fn pod_anchor(uid: &PodUid) -> String {
    format!("#pod-{}", uid)
}

fn pod_title(pod: &Pod) -> String {
    match (&pod.namespace, &pod.name) {
        (Some(ns), Some(name)) => visible(&format!("{ns}/{name}")),
        (None, Some(name)) => visible(name),
        _ => format!("pod {}", pod.uid),
    }
}

/// A pod's sandbox is `pause` whatever its runtime calls it (CRI names it after its pod,
/// dockershim `POD`, podman `<pod>-infra`); the page tags it as the sandbox beside the name.
fn container_name(c: &Container) -> String {
    match &c.name {
        _ if c.sandbox => "pause".to_string(),
        Some(name) => visible(name),
        None => c.id.short().to_string(),
    }
}

/// What ps shows in its CMD column: the command line, or `[comm]` when there is none.
fn command_of(p: &Process) -> String {
    match &p.cmdline {
        Some(cmd) if !cmd.is_empty() => cmd.clone(),
        _ => format!("[{}]", p.comm),
    }
}

fn user_of(p: &Process) -> String {
    match (&p.user, p.uid) {
        (Some(name), _) => visible(name),
        (None, Some(uid)) => uid.to_string(),
        (None, None) => "?".to_string(),
    }
}

fn state_of(p: &Process) -> String {
    visible(&p.state.to_string())
}

pub fn build(model: &Model) -> ReportView {
    let index = Index::new(model);
    let process_tree = process_tree(&index);
    let homed: HashSet<Pid> = process_tree
        .blocks
        .iter()
        .flat_map(|b| b.lines.iter())
        .filter(|l| l.anchor.is_some())
        .filter_map(|l| l.pid.parse().ok().map(Pid))
        .collect();
    let pods = pods(&index, &homed);
    let standalone: Vec<ContainerView> = model
        .containers
        .iter()
        .filter(|c| c.pod_uid.is_none())
        .map(|c| container_view(&index, c, &homed))
        .collect();
    let mut search = SearchIndex::default();
    add_pod_entries(&index, &mut search);
    add_standalone_entries(&index, &mut search);
    let title = match &model.node.hostname {
        Some(host) => visible(host),
        None => "unknown node".to_string(),
    };
    let findings = findings_view(&index, &homed);
    let severity_count = |severity: Severity| {
        model
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .count() as u64
    };
    let (critical, warnings) = (
        severity_count(Severity::Critical),
        severity_count(Severity::Warning),
    );
    let glance = vec![
        Glance {
            value: text::count(critical),
            label: "critical",
            class: if critical > 0 { "crit" } else { "" },
            href: "#findings",
        },
        Glance {
            value: text::count(warnings),
            label: if warnings == 1 { "warning" } else { "warnings" },
            class: if warnings > 0 { "warn" } else { "" },
            href: "#findings",
        },
        Glance {
            value: text::count(pods.count as u64),
            label: "pods",
            class: "",
            href: "#pods",
        },
        Glance {
            value: text::count((pods.container_count + standalone.len()) as u64),
            label: "containers",
            class: "",
            href: "#pods",
        },
        Glance {
            value: text::count(model.processes.len() as u64),
            label: "processes",
            class: "",
            href: "#processes",
        },
        Glance {
            value: text::count(model.gaps.len() as u64),
            label: "gaps",
            class: if model.gaps.is_empty() { "" } else { "warn" },
            href: "#gaps",
        },
    ];
    ReportView {
        title,
        proc_header: PROC_HEADER,
        ns_header: NS_HEADER,
        glance,
        node: node_view(model),
        findings,
        pods,
        standalone,
        cgroups: cgroups_view(&index, &homed),
        namespaces: namespaces_view(&index),
        process_tree,
        search,
        marks_redacted: model.collection.cmdline == CmdlinePolicy::Redacted,
    }
}

fn node_view(model: &Model) -> NodeView {
    let node = &model.node;
    let unknown = || "unknown".to_string();
    let mut facts = vec![
        Fact::new(
            "Hostname",
            node.hostname
                .as_deref()
                .map(visible)
                .unwrap_or_else(unknown),
        ),
        Fact::new(
            "Kernel",
            node.kernel.as_deref().map(visible).unwrap_or_else(unknown),
        ),
        Fact::new(
            "OS",
            node.os.as_deref().map(visible).unwrap_or_else(unknown),
        ),
        Fact::new(
            "cgroups",
            format!(
                "{} · driver {}",
                cgroup_mode(node.cgroup_mode),
                cgroup_driver(node.cgroup_driver)
            ),
        ),
        Fact::new("Runtimes", runtimes(model)),
    ];
    if let Some(pid) = node.kubelet_pid {
        facts.push(Fact::new("Kubelet", format!("pid {pid}")));
    }
    if let Some(cpus) = node.cpus {
        facts.push(Fact::new("CPUs", cpus.to_string()));
    }
    if let Some(mem) = node.memory_total_bytes {
        facts.push(Fact::new("Memory", text::bytes(mem)));
    }
    if let Some([one, five, fifteen]) = node.loadavg {
        facts.push(Fact::new(
            "Load average",
            format!("{one:.2} {five:.2} {fifteen:.2}"),
        ));
    }
    if let Some(boot) = &node.boot_time {
        let up = node
            .uptime_secs
            .map(|s| format!(" (up {})", text::uptime(s)))
            .unwrap_or_default();
        facts.push(Fact::new("Booted", format!("{}{up}", visible(boot))));
    }
    if let Some(pid_max) = node.pid_max {
        facts.push(Fact::new("pid_max", text::count(pid_max)));
    }

    let c = &model.collection;
    let redacted_processes = model
        .processes
        .iter()
        .filter(|p| {
            p.cmdline
                .as_deref()
                .is_some_and(|cmd| cmd.contains(REDACTED))
        })
        .count();
    let collection = vec![
        Fact::new("Collected", visible(&c.started_at)),
        Fact::new("Duration", text::duration_ms(c.duration_ms)),
        Fact::new(
            "Collector",
            format!(
                "nodesnap {} · format {}",
                visible(&c.collector_version),
                c.format_version
            ),
        ),
        Fact::warn(
            "Command lines",
            match c.cmdline {
                CmdlinePolicy::Redacted => format!(
                    "redacted: secret-looking values replaced by *** (in {} of {} processes)",
                    text::count(redacted_processes as u64),
                    text::count(model.processes.len() as u64)
                ),
                CmdlinePolicy::Verbatim => {
                    "kept verbatim (--no-redact): may hold secrets".to_string()
                }
                CmdlinePolicy::Dropped => "not collected (--no-cmdline)".to_string(),
            },
            c.cmdline == CmdlinePolicy::Verbatim,
        ),
        Fact::new(
            "Read",
            format!(
                "{} processes · {} cgroups · {} files · {}",
                text::count(c.counts.processes),
                text::count(c.counts.cgroups),
                text::count(c.counts.files),
                text::bytes(c.counts.bytes)
            ),
        ),
    ];

    let mut by_reason: BTreeMap<GapReason, usize> = BTreeMap::new();
    for gap in &model.gaps {
        *by_reason.entry(gap.reason).or_default() += 1;
    }
    let gap_reasons = by_reason
        .into_iter()
        .map(|(reason, n)| GapReasonRow {
            reason: reason.as_str(),
            meaning: gap_meaning(reason),
            count: text::count(n as u64),
        })
        .collect();
    let gaps = model
        .gaps
        .iter()
        .take(LISTED_GAPS_MAX)
        .map(|g| GapRow {
            path: visible(&g.path),
            reason: g.reason.as_str(),
            detail: g.detail.as_deref().map(visible).unwrap_or_default(),
        })
        .collect();
    NodeView {
        facts,
        collection,
        gap_total: text::count(model.gaps.len() as u64),
        gap_reasons,
        gaps,
        gaps_unlisted: (model.gaps.len() > LISTED_GAPS_MAX)
            .then(|| text::count((model.gaps.len() - LISTED_GAPS_MAX) as u64)),
        gaps_open: model.gaps.len() <= 10,
    }
}

fn cgroup_mode(mode: CgroupMode) -> &'static str {
    match mode {
        CgroupMode::V1 => "v1",
        CgroupMode::V2 => "v2 (unified)",
        CgroupMode::Hybrid => "hybrid (v1 controllers + v2)",
        CgroupMode::Unknown => "mode unknown",
    }
}

fn cgroup_driver(driver: CgroupDriver) -> &'static str {
    match driver {
        CgroupDriver::Cgroupfs => "cgroupfs",
        CgroupDriver::Systemd => "systemd",
        CgroupDriver::Unknown => "unknown",
    }
}

fn runtimes(model: &Model) -> String {
    if model.node.runtimes.is_empty() {
        return "none found".to_string();
    }
    model
        .node
        .runtimes
        .iter()
        .map(|r| crate::views::index::runtime_label(&model.node.runtimes, r))
        .collect::<Vec<_>>()
        .join(", ")
}

fn gap_meaning(reason: GapReason) -> &'static str {
    match reason {
        GapReason::Vanished => "the process exited while it was read",
        GapReason::PermissionDenied => "the collector was not allowed to read it",
        GapReason::TimedOut => "the read hung and was abandoned",
        GapReason::Truncated => "larger than the per-file cap; the start was kept",
        GapReason::TotalCapReached => "the snapshot's size cap was reached first",
        GapReason::DeadlineReached => "the run's deadline passed first",
        GapReason::NotRegular => "not a regular file (never followed)",
        GapReason::NotFound => "expected but absent",
        GapReason::Error => "another read error",
        GapReason::Unreadable => "in the tarball but not usable by the analyzer",
    }
}

fn findings_view(index: &Index, homed: &HashSet<Pid>) -> FindingsView {
    let mut groups = Vec::new();
    for (severity, label, class) in [
        (Severity::Critical, "Critical", "crit"),
        (Severity::Warning, "Warning", "warn"),
        (Severity::Info, "Info", "info"),
    ] {
        let items: Vec<FindingView> = index
            .model
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .map(|f| FindingView {
                rule: visible(&f.rule),
                message: visible(&f.message),
                explanation: visible(&f.explanation),
                subject: subject_link(index, &f.subject, homed),
            })
            .collect();
        if !items.is_empty() {
            groups.push(FindingGroup {
                label,
                class,
                count: items.len(),
                open: items.len() <= OPEN_FINDINGS_MAX || severity == Severity::Critical,
                items,
            });
        }
    }
    let summary = if groups.is_empty() {
        "none".to_string()
    } else {
        groups
            .iter()
            .map(|g| match (g.class, g.count) {
                ("warn", 1) => "1 warning".to_string(),
                ("warn", n) => format!("{n} warnings"),
                (_, n) => format!("{n} {}", g.label.to_lowercase()),
            })
            .collect::<Vec<_>>()
            .join(" · ")
    };
    FindingsView {
        total: index.model.findings.len(),
        total_text: text::count(index.model.findings.len() as u64),
        groups,
        summary,
    }
}

fn subject_link(index: &Index, subject: &Subject, homed: &HashSet<Pid>) -> LinkView {
    match subject {
        Subject::Node => LinkView {
            text: "the node".to_string(),
            href: Some("#node".to_string()),
        },
        Subject::Pod(uid) => index.pod_link(uid),
        Subject::Container(id) => index.container_link(id),
        Subject::Process(pid) => LinkView {
            text: match index.processes.get(pid) {
                Some(p) => format!("pid {pid} {}", visible(&p.comm)),
                None => format!("pid {pid}"),
            },
            href: homed.contains(pid).then(|| format!("#p{pid}")),
        },
        Subject::Cgroup(path) => LinkView {
            text: visible(&path.to_string()),
            href: index.cgroups.get(path).map(|i| format!("#g{i}")),
        },
    }
}

fn pods(index: &Index, homed: &HashSet<Pid>) -> PodsView {
    let model = index.model;
    let mut pods: Vec<&Pod> = model.pods.iter().collect();
    pods.sort_by_cached_key(|p| (pod_title(p), p.uid.clone()));
    let views: Vec<PodView> = pods.iter().map(|p| pod_view(index, p, homed)).collect();
    let container_count: usize = views.iter().map(|p| p.containers.len()).sum();
    PodsView {
        summary: format!(
            "{} {} · {} {}",
            text::count(views.len() as u64),
            if views.len() == 1 { "pod" } else { "pods" },
            text::count(container_count as u64),
            if container_count == 1 {
                "container"
            } else {
                "containers"
            }
        ),
        count_text: text::count(views.len() as u64),
        count: views.len(),
        container_count: views.iter().map(|p| p.containers.len()).sum(),
        cards_open: views.len() <= OPEN_PODS_MAX,
        pods: views,
    }
}

/// The pod's containers, sandbox first, then by name.
fn pod_containers<'m>(index: &Index<'m>, pod: &'m Pod) -> Vec<&'m Container> {
    let mut containers: Vec<&Container> = index
        .containers_by_pod
        .get(&pod.uid)
        .cloned()
        .unwrap_or_default();
    // Containers the pod names but that carry no pod uid still belong on its card.
    for id in &pod.container_ids {
        if let Some(c) = index.containers.get(id) {
            if !containers.iter().any(|known| known.id == c.id) {
                containers.push(c);
            }
        }
    }
    containers.sort_by_cached_key(|c| (!c.sandbox, container_name(c), c.id.clone()));
    containers
}

fn pod_view(index: &Index, pod: &Pod, homed: &HashSet<Pid>) -> PodView {
    let containers = pod_containers(index, pod);
    let process_count: usize = containers.iter().map(|c| c.pids.len()).sum();
    let app_count = containers.iter().filter(|c| !c.sandbox).count();
    let (qos, qos_class) = match pod.qos {
        Some(QosClass::Guaranteed) => ("guaranteed", "q-g"),
        Some(QosClass::Burstable) => ("burstable", "q-b"),
        Some(QosClass::BestEffort) => ("besteffort", "q-be"),
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
    let runtimes = &index.model.node.runtimes;
    if let (Some(instance), true) = (&pod.runtime_instance, index.pods_on_several_runtimes) {
        facts.push(Fact::new(
            "Runtime",
            visible(&crate::views::index::runtime_id_label(runtimes, instance)),
        ));
    }
    if let Some(cgroup) = &pod.cgroup {
        facts.push(Fact::new("cgroup", visible(cgroup)));
    }
    let grid = ns_grid(index, pod, &containers);
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
    PodView {
        anchor: format!("pod-{}", pod.uid),
        title: pod_title(pod),
        uid: pod.uid.to_string(),
        qos,
        qos_class,
        summary: format!(
            "{} container{} · {} process{}",
            app_count,
            if app_count == 1 { "" } else { "s" },
            process_count,
            if process_count == 1 { "" } else { "es" }
        ),
        alert: (!alerts.is_empty()).then(|| alerts.join(" · ")),
        facts,
        resources: resource_facts(&pod.limits, &pod.usage),
        containers: containers
            .iter()
            .map(|c| container_view(index, c, homed))
            .collect(),
        grid,
    }
}

fn container_view(index: &Index, c: &Container, homed: &HashSet<Pid>) -> ContainerView {
    let mut facts = Vec::new();
    if let Some(image) = &c.image {
        facts.push(Fact::new("Image", visible(image)));
    }
    let runtimes = &index.model.node.runtimes;
    match (&c.runtime_instance, c.runtime) {
        (Some(instance), _) => facts.push(Fact::new(
            "Runtime",
            visible(&crate::views::index::runtime_id_label(runtimes, instance)),
        )),
        (None, Some(kind)) => facts.push(Fact::new("Runtime", kind.name())),
        (None, None) => {}
    }
    if let Some(pid) = c.shim_pid {
        let comm = index
            .processes
            .get(&pid)
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
        .map(|pid| match index.processes.get(pid) {
            Some(p) => proc_row(p, homed),
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
        anchor: index.container_anchor(&c.id),
        name: container_name(c),
        id_short: c.id.short().to_string(),
        id: c.id.to_string(),
        sandbox: c.sandbox,
        facts,
        resources: resource_facts(&c.limits, &c.usage),
        processes,
    }
}

fn proc_row(p: &Process, homed: &HashSet<Pid>) -> ProcRow {
    let (pid, rest) = proc_columns(
        p.pid,
        &user_of(p),
        &state_of(p),
        &p.rss_bytes.map(text::bytes).unwrap_or_default(),
        &visible_short(&command_of(p), SHORT_CMD_CHARS),
    );
    ProcRow {
        pid,
        href: homed.contains(&p.pid).then(|| format!("#p{}", p.pid)),
        rest,
        partial: p.partial,
    }
}

/// Limits and usage in words, only those the snapshot knows.
pub fn resource_facts(limits: &Limits, usage: &Usage) -> Vec<Fact> {
    let mut facts = Vec::new();
    let memory_limit = match limits.memory_max_bytes {
        Some(Limit::Value(n)) => Some(n),
        _ => None,
    };
    let memory = match (usage.memory_current_bytes, memory_limit) {
        (Some(used), Some(limit)) => {
            let pct = text::percent(used, limit).unwrap_or(0.0);
            Some(Fact::warn(
                "Memory",
                format!(
                    "{} of {} ({})",
                    text::bytes(used),
                    text::bytes(limit),
                    text::percent_text(pct)
                ),
                pct >= 90.0,
            ))
        }
        (Some(used), None) if limits.memory_max_bytes.is_some() => Some(Fact::new(
            "Memory",
            format!("{} · no limit", text::bytes(used)),
        )),
        (Some(used), None) => Some(Fact::new("Memory", text::bytes(used))),
        (None, Some(limit)) => Some(Fact::new("Memory", format!("limit {}", text::bytes(limit)))),
        (None, None) if limits.memory_max_bytes.is_some() => Some(Fact::new("Memory", "no limit")),
        (None, None) => None,
    };
    facts.extend(memory);
    if let Some(peak) = usage.memory_peak_bytes {
        facts.push(Fact::new("Memory peak", text::bytes(peak)));
    }
    if let Some(Limit::Value(high)) = limits.memory_high_bytes {
        facts.push(Fact::new("Memory high", text::bytes(high)));
    }
    if let Some(kills) = usage.oom_kills.filter(|n| *n > 0) {
        facts.push(Fact::warn("OOM kills", text::count(kills), true));
    }
    if let Some(hits) = usage.memory_failcnt.filter(|n| *n > 0) {
        facts.push(Fact::warn("Limit hits", text::count(hits), true));
    }
    let mut cpu = Vec::new();
    match (limits.cpu_quota_usec, limits.cpu_period_usec) {
        (Some(Limit::Value(quota)), Some(period)) => {
            cpu.push(format!("limit {}", text::cpus(quota, period)))
        }
        (Some(Limit::Value(quota)), None) => cpu.push(format!("quota {quota} µs")),
        (Some(Limit::Max), _) => cpu.push("no limit".to_string()),
        (None, _) => {}
    }
    if let Some(shares) = limits.cpu_shares {
        cpu.push(format!("shares {shares}"));
    }
    if let Some(weight) = limits.cpu_weight {
        cpu.push(format!("weight {weight}"));
    }
    if let Some(set) = &limits.cpuset_cpus {
        cpu.push(format!("cpus {}", visible(set)));
    }
    if !cpu.is_empty() {
        facts.push(Fact::new("CPU", cpu.join(" · ")));
    }
    if let (Some(throttled), Some(periods)) = (usage.cpu_nr_throttled, usage.cpu_nr_periods) {
        let pct = text::percent(throttled, periods).unwrap_or(0.0);
        let time = usage
            .cpu_throttled_usec
            .map(|us| format!(" · {}", text::duration_ms(us / 1000)))
            .unwrap_or_default();
        facts.push(Fact::warn(
            "Throttled",
            format!(
                "{} of {} periods ({}){time}",
                text::count(throttled),
                text::count(periods),
                text::percent_text(pct)
            ),
            pct >= 5.0,
        ));
    }
    match (usage.pids_current, limits.pids_max) {
        (Some(n), Some(Limit::Value(max))) => facts.push(Fact::warn(
            "Pids",
            format!("{} of {}", text::count(n), text::count(max)),
            text::percent(n, max).unwrap_or(0.0) >= 90.0,
        )),
        (Some(n), _) => facts.push(Fact::new("Pids", text::count(n))),
        (None, Some(Limit::Value(max))) => {
            facts.push(Fact::new("Pids", format!("limit {}", text::count(max))))
        }
        _ => {}
    }
    facts
}

/// The grid: a cell is `host` when the namespace is the host's, `pod` when two or more of the
/// pod's containers hold it, `priv` when only this container does.
fn ns_grid(index: &Index, pod: &Pod, containers: &[&Container]) -> NsGridView {
    let namespaces_of = |c: &Container| -> Option<&BTreeMap<NsType, Inode>> {
        let pid = c.init_pid.or_else(|| c.pids.iter().min().copied())?;
        index.processes.get(&pid).map(|p| &p.namespaces)
    };
    let columns: Vec<NsType> = GRID_NS_TYPES
        .into_iter()
        .filter(|kind| {
            containers
                .iter()
                .any(|c| namespaces_of(c).is_some_and(|ns| ns.contains_key(kind)))
        })
        .collect();
    let mut holders: HashMap<(NsType, Inode), usize> = HashMap::new();
    for c in containers {
        if let Some(ns) = namespaces_of(c) {
            for (kind, inode) in ns {
                *holders.entry((*kind, *inode)).or_default() += 1;
            }
        }
    }
    let rows = containers
        .iter()
        .map(|c| {
            let ns = namespaces_of(c);
            let cells = columns
                .iter()
                .map(|kind| match ns.and_then(|ns| ns.get(kind)) {
                    Some(inode) => NsCell {
                        inode: inode.to_string(),
                        class: if index.host_namespaces.contains(&(*kind, *inode)) {
                            "host"
                        } else if holders.get(&(*kind, *inode)).copied().unwrap_or(0) > 1 {
                            "pod"
                        } else {
                            "priv"
                        },
                    },
                    None => NsCell {
                        inode: "—".to_string(),
                        class: "none",
                    },
                })
                .collect();
            NsGridRow {
                label: container_name(c),
                sandbox: c.sandbox,
                cells,
            }
        })
        .collect();
    let mut by_sharing: BTreeMap<u8, Vec<&str>> = BTreeMap::new();
    for (kind, sharing) in &pod.namespace_sharing {
        let order = match sharing {
            Sharing::Pod => 0,
            Sharing::Host => 1,
            Sharing::Private => 2,
        };
        by_sharing.entry(order).or_default().push(kind.as_str());
    }
    let sharing = by_sharing
        .iter()
        .map(|(order, kinds)| {
            let label = match order {
                0 => "shared in the pod",
                1 => "host's",
                _ => "private",
            };
            format!("{label}: {}", kinds.join(", "))
        })
        .collect::<Vec<_>>()
        .join(" · ");
    NsGridView {
        columns: columns.iter().map(|k| k.as_str()).collect(),
        rows,
        sharing,
    }
}

/// Draws trees the way pstree and systemd-cgls do, without recursion so that a hostile
/// snapshot's deep or cyclic parent links cannot overflow the stack.
struct TreeWalk<T> {
    stack: Vec<(T, String, Option<bool>)>,
}

impl<T> TreeWalk<T> {
    fn new(root: T) -> TreeWalk<T> {
        TreeWalk {
            stack: vec![(root, String::new(), None)],
        }
    }

    /// The next node and its guide; `push_children` receives the indentation its children
    /// continue from.
    fn next(&mut self) -> Option<(T, String, String)> {
        let (node, parent_guide, last) = self.stack.pop()?;
        let depth_capped = parent_guide.chars().count() >= TREE_DEPTH_MAX * 2;
        let (guide, child_guide) = match last {
            None => (String::new(), String::new()),
            Some(_) if depth_capped => (format!("{parent_guide}·"), parent_guide.clone()),
            Some(true) => (format!("{parent_guide}└─"), format!("{parent_guide}  ")),
            Some(false) => (format!("{parent_guide}├─"), format!("{parent_guide}│ ")),
        };
        Some((node, guide, child_guide))
    }

    fn push_children(&mut self, children: Vec<T>, child_guide: &str) {
        let last = children.len().saturating_sub(1);
        for (i, child) in children.into_iter().enumerate().rev() {
            self.stack
                .push((child, child_guide.to_string(), Some(i == last)));
        }
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

fn process_tree(index: &Index) -> ProcessTreeView {
    let model = index.model;
    let mut children: HashMap<Pid, Vec<&Process>> = HashMap::new();
    for p in &model.processes {
        if p.ppid != p.pid && index.processes.contains_key(&p.ppid) {
            children.entry(p.ppid).or_default().push(p);
        }
    }
    for list in children.values_mut() {
        list.sort_by_key(|p| p.pid);
    }
    let is_daemon = |p: &Process| p.role == ProcessRole::RuntimeDaemon;
    let has_ancestor = |p: &Process, wanted: &dyn Fn(&Process) -> bool| {
        let mut seen = HashSet::new();
        let mut current = index.processes.get(&p.ppid);
        while let Some(parent) = current {
            if !seen.insert(parent.pid) {
                return false;
            }
            if wanted(parent) {
                return true;
            }
            current = index.processes.get(&parent.ppid);
        }
        false
    };
    let mut sorted: Vec<&Process> = model.processes.iter().collect();
    sorted.sort_by_key(|p| p.pid);
    let daemon_roots: Vec<&Process> = sorted
        .iter()
        .copied()
        .filter(|p| is_daemon(p) && !has_ancestor(p, &is_daemon))
        .collect();
    let mut visited: HashSet<Pid> = HashSet::new();
    let mut runtime_lines = Vec::new();
    for root in &daemon_roots {
        walk_processes(index, root, &children, &mut visited, &mut runtime_lines);
    }
    // Shims reparented away from the daemon (containerd-shim-runc-v2, conmon) head their own
    // subtrees, still part of the runtime's picture.
    let loose_shims: Vec<&Process> = sorted
        .iter()
        .copied()
        .filter(|p| p.role == ProcessRole::Shim && !visited.contains(&p.pid))
        .filter(|p| {
            !has_ancestor(p, &|a: &Process| {
                a.role == ProcessRole::Shim && !visited.contains(&a.pid)
            })
        })
        .collect();
    for shim in &loose_shims {
        walk_processes(index, shim, &children, &mut visited, &mut runtime_lines);
    }
    let runtime_note = if daemon_roots.is_empty() && loose_shims.is_empty() {
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

    // Everything else, like pstree, with the runtime's subtrees pointed to rather than repeated
    // and kernel threads counted rather than listed.
    let runtime_homes: HashSet<Pid> = visited.clone();
    let mut other_lines = Vec::new();
    let mut kernel_threads = 0usize;
    let roots: Vec<&Process> = sorted
        .iter()
        .copied()
        .filter(|p| !index.processes.contains_key(&p.ppid) || p.ppid == p.pid)
        .collect();
    let mut pending: Vec<&Process> = roots;
    // Processes in parent cycles have no root; they are walked last as roots of their own.
    pending.extend(
        sorted
            .iter()
            .copied()
            .filter(|p| !runtime_homes.contains(&p.pid)),
    );
    for root in pending {
        if visited.contains(&root.pid) {
            continue;
        }
        let mut walk = TreeWalk::new(root);
        while let Some((p, guide, child_guide)) = walk.next() {
            if p.kernel_thread && p.pid != Pid(2) {
                kernel_threads += 1;
                visited.insert(p.pid);
                continue;
            }
            if runtime_homes.contains(&p.pid) {
                other_lines.push(TreeLine {
                    tag: Some(LinkView {
                        text: "subtree in the runtime tree".to_string(),
                        href: Some(format!("#p{}", p.pid)),
                    }),
                    anchor: None,
                    ..tree_line(index, p, guide)
                });
                continue;
            }
            if !visited.insert(p.pid) {
                continue;
            }
            let mut line = tree_line(index, p, guide);
            let mut kids: Vec<&Process> = children
                .get(&p.pid)
                .map(|k| {
                    k.iter()
                        .copied()
                        .filter(|c| !visited.contains(&c.pid) || runtime_homes.contains(&c.pid))
                        .filter(|c| !(c.kernel_thread && c.ppid == Pid(2)) || c.pid == Pid(2))
                        .collect()
                })
                .unwrap_or_default();
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
                        text::count(in_runtime_tree as u64)
                    ),
                    href: Some("#processes".to_string()),
                });
            }
            other_lines.push(line);
            walk.push_children(kids, &child_guide);
        }
    }
    for p in &model.processes {
        if p.kernel_thread && p.ppid == Pid(2) && visited.insert(p.pid) {
            kernel_threads += 1;
        }
    }
    let other_note = if kernel_threads > 0 {
        format!(
            "{} kernel threads under kthreadd are counted, not listed.",
            text::count(kernel_threads as u64)
        )
    } else {
        String::new()
    };
    ProcessTreeView {
        process_count: text::count(model.processes.len() as u64),
        blocks: vec![
            TreeBlock {
                title: "Runtime: daemons, shims and containers",
                note: runtime_note,
                open: runtime_lines.len() <= OPEN_LINES_MAX,
                lines: runtime_lines,
            },
            TreeBlock {
                title: "All other processes",
                note: other_note,
                open: false,
                lines: other_lines,
            },
        ],
    }
}

fn walk_processes<'m>(
    index: &Index<'m>,
    root: &'m Process,
    children: &HashMap<Pid, Vec<&'m Process>>,
    visited: &mut HashSet<Pid>,
    lines: &mut Vec<TreeLine>,
) {
    let mut walk = TreeWalk::new(root);
    while let Some((p, guide, child_guide)) = walk.next() {
        if !visited.insert(p.pid) {
            continue;
        }
        let mut line = tree_line(index, p, guide);
        if lines.is_empty() || line.guide.is_empty() {
            // A root line says where the process hangs in the whole tree.
            if let Some(parent) = index.processes.get(&p.ppid) {
                line.tag = line.tag.or(Some(LinkView {
                    text: format!("parent {} {}", parent.pid, visible(&parent.comm)),
                    href: None,
                }));
            }
        }
        lines.push(line);
        let kids: Vec<&Process> = children
            .get(&p.pid)
            .map(|k| {
                k.iter()
                    .copied()
                    .filter(|c| !visited.contains(&c.pid))
                    .collect()
            })
            .unwrap_or_default();
        walk.push_children(kids, &child_guide);
    }
}

fn tree_line(index: &Index, p: &Process, guide: String) -> TreeLine {
    // Only a container's first process is tagged: the processes under it belong to it too,
    // and 20,000 repeated tags would double the size of a big node's tree.
    let parent_container = index
        .processes
        .get(&p.ppid)
        .and_then(|pp| pp.container_id.as_ref());
    let first_in_container =
        p.container_id.is_some() && parent_container != p.container_id.as_ref();
    let tag = match (&p.container_id, &p.pod_uid) {
        (Some(_), _) if !first_in_container => None,
        (Some(id), Some(uid)) => {
            let container = index.container_link(id);
            Some(LinkView {
                text: format!("{} · {}", index.pod_title(uid), container.text),
                href: container.href,
            })
        }
        (Some(id), None) => Some(index.container_link(id)),
        (None, Some(uid)) => Some(index.pod_link(uid)),
        (None, None) => shim_tag(index, p),
    };
    TreeLine {
        guide,
        anchor: Some(format!("p{}", p.pid)),
        pid: p.pid.to_string(),
        role: role_class(p.role),
        user: user_of(p),
        state: state_of(p),
        cmd: visible(&command_of(p)),
        tag,
        partial: p.partial,
    }
}

/// A shim's tag names what it manages: its one container, or the pod whose containers it
/// serves (containerd-shim-runc-v2 serves a whole pod).
fn shim_tag(index: &Index, p: &Process) -> Option<LinkView> {
    if p.role != ProcessRole::Shim {
        return None;
    }
    let managed = index.containers_by_shim.get(&p.pid)?;
    if let [only] = managed.as_slice() {
        let container = index.container_link(&only.id);
        return Some(LinkView {
            text: match &only.pod_uid {
                Some(uid) => format!("shim of {} · {}", index.pod_title(uid), container.text),
                None => format!("shim of {}", container.text),
            },
            href: container.href,
        });
    }
    let pods: HashSet<Option<&PodUid>> = managed.iter().map(|c| c.pod_uid.as_ref()).collect();
    match pods.into_iter().collect::<Vec<_>>().as_slice() {
        [Some(uid)] => {
            let pod = index.pod_link(uid);
            Some(LinkView {
                text: format!("shim of pod {} · {} containers", pod.text, managed.len()),
                href: pod.href,
            })
        }
        _ => Some(LinkView {
            text: format!("shim of {} containers", managed.len()),
            href: None,
        }),
    }
}

fn cgroups_view(index: &Index, homed: &HashSet<Pid>) -> CgroupsView {
    let model = index.model;
    let mut children: HashMap<&CgroupPath, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, cg) in model.cgroups.iter().enumerate() {
        match cg.parent.as_ref().filter(|p| index.cgroups.contains_key(p)) {
            Some(parent) if *parent != cg.path => children.entry(parent).or_default().push(i),
            _ => roots.push(i),
        }
    }
    enum Item {
        Group(usize),
        Process(Pid),
    }
    let mut lines = Vec::new();
    let mut visited = HashSet::new();
    for root in roots {
        let mut walk = TreeWalk::new(Item::Group(root));
        while let Some((item, guide, child_guide)) = walk.next() {
            match item {
                Item::Process(pid) => lines.push(CgroupLine {
                    guide,
                    group: None,
                    process: Some(CgroupProcess {
                        pid: pid.to_string(),
                        href: homed.contains(&pid).then(|| format!("#p{pid}")),
                        cmd: index.process_cmd(pid),
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
                        guide,
                        group: Some(cgroup_entry(index, i)),
                        process: None,
                    });
                    let mut pids = cg.pids.clone();
                    pids.sort();
                    let mut items: Vec<Item> = pids.into_iter().map(Item::Process).collect();
                    if let Some(kids) = children.get(&cg.path) {
                        items.extend(kids.iter().map(|k| Item::Group(*k)));
                    }
                    walk.push_children(items, &child_guide);
                }
            }
        }
    }
    CgroupsView {
        count: text::count(model.cgroups.len() as u64),
        open: lines.len() <= OPEN_LINES_MAX,
        lines,
    }
}

fn cgroup_entry(index: &Index, i: usize) -> CgroupEntry {
    let cg = &index.model.cgroups[i];
    let name = match cg.path.name() {
        "" => "/",
        last => last,
    };
    let mut tags = Vec::new();
    if let Some(qos) = cg.qos {
        if cg.pod_uid.is_none() && cg.container_id.is_none() {
            tags.push(LinkView {
                text: format!("QoS {qos}"),
                href: None,
            });
        }
    }
    match (&cg.pod_uid, &cg.container_id) {
        (_, Some(id)) => tags.push(index.container_link(id)),
        (Some(uid), None) => tags.push(index.pod_link(uid)),
        (None, None) => {}
    }
    let mut parts = Vec::new();
    let l = &cg.limits;
    let u = &cg.usage;
    match (u.memory_current_bytes, l.memory_max_bytes) {
        (Some(used), Some(Limit::Value(max))) => {
            parts.push(format!("mem {} / {}", text::bytes(used), text::bytes(max)))
        }
        (Some(used), _) => parts.push(format!("mem {}", text::bytes(used))),
        (None, Some(Limit::Value(max))) => parts.push(format!("mem limit {}", text::bytes(max))),
        _ => {}
    }
    if let (Some(Limit::Value(quota)), Some(period)) = (l.cpu_quota_usec, l.cpu_period_usec) {
        parts.push(format!("cpu {}", text::cpus(quota, period)));
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
        trouble: cg.trouble.iter().map(|t| visible(t)).collect(),
    }
}

fn namespaces_view(index: &Index) -> NamespacesView {
    let model = index.model;
    let mut groups: Vec<NsGroup> = Vec::new();
    for (title, wanted) in [
        ("Host", 0u8),
        ("Pods", 1),
        ("Containers", 2),
        ("Other (unshare and the like)", 3),
    ] {
        let mut namespaces: Vec<_> = model
            .namespaces
            .iter()
            .filter(|ns| {
                let group = match ns.holder {
                    Holder::Host => 0,
                    Holder::Pod(_) => 1,
                    Holder::Container(_) => 2,
                    Holder::Other => 3,
                };
                group == wanted
            })
            .collect();
        if namespaces.is_empty() {
            continue;
        }
        // The key formats a title: computed once per namespace, not once per comparison.
        namespaces.sort_by_cached_key(|ns| (holder_key(index, &ns.holder), ns.kind, ns.inode));
        let rows: Vec<NsRow> = namespaces
            .iter()
            .map(|ns| {
                let first = ns.pids.iter().min().copied();
                let command = first.map(|p| index.process_cmd(p)).unwrap_or_default();
                NsRow {
                    columns: format!(
                        "{:>10} {:<6} {:>6} {:>7}  ",
                        ns.inode.0,
                        ns.kind.as_str(),
                        ns.pids.len(),
                        first.map(|p| p.to_string()).unwrap_or_default(),
                    ),
                    command,
                    holder: match &ns.holder {
                        Holder::Host => LinkView {
                            text: "host".to_string(),
                            href: None,
                        },
                        Holder::Pod(uid) => index.pod_link(uid),
                        Holder::Container(id) => index.container_link_in_pod(id),
                        Holder::Other => LinkView {
                            text: "other".to_string(),
                            href: None,
                        },
                    },
                }
            })
            .collect();
        groups.push(NsGroup {
            title,
            open: wanted == 0 || rows.len() <= OPEN_LINES_MAX / 2,
            count: text::count(rows.len() as u64),
            rows,
        });
    }
    NamespacesView {
        count: text::count(model.namespaces.len() as u64),
        groups,
    }
}

fn holder_key(index: &Index, holder: &Holder) -> String {
    match holder {
        Holder::Pod(uid) => index.pod_title(uid),
        Holder::Container(id) => index.container_link_in_pod(id).text,
        Holder::Host | Holder::Other => String::new(),
    }
}

fn add_pod_entries(index: &Index, search: &mut SearchIndex) {
    for pod in &index.model.pods {
        let containers = pod_containers(index, pod);
        let mut names = vec![pod_title(pod)];
        let mut ids = vec![pod.uid.to_string()];
        let mut pids = Vec::new();
        let mut container_pids = Vec::new();
        for c in &containers {
            names.push(container_name(c));
            ids.push(c.id.to_string());
            container_pids.push(c.pids.iter().map(|p| p.0).collect());
            for pid in &c.pids {
                pids.push(pid.0);
                if let Some(p) = index.processes.get(pid) {
                    names.push(visible(&p.comm));
                }
            }
        }
        names.dedup();
        // The pod's own uid names every process of the pod.
        let id_pids = std::iter::once(pids.clone())
            .chain(container_pids)
            .collect();
        search.entries.push(SearchEntry {
            element: format!("pod-{}", pod.uid),
            names: names.join("\n"),
            ids,
            pids,
            id_pids,
        });
    }
}

fn add_standalone_entries(index: &Index, search: &mut SearchIndex) {
    for c in index
        .model
        .containers
        .iter()
        .filter(|c| c.pod_uid.is_none())
    {
        let mut names = vec![container_name(c)];
        names.extend(c.image.as_deref().map(visible));
        for pid in &c.pids {
            if let Some(p) = index.processes.get(pid) {
                names.push(visible(&p.comm));
            }
        }
        search.entries.push(SearchEntry {
            element: index.container_anchor(&c.id),
            names: names.join("\n"),
            ids: vec![c.id.to_string()],
            pids: c.pids.iter().map(|p| p.0).collect(),
            id_pids: vec![c.pids.iter().map(|p| p.0).collect()],
        });
    }
}
