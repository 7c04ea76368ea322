//! `analyzer inspect`: everything the model knows about one pod, container or process, like
//! `crictl inspect` but in lines a person reads: identity, cgroup limits in pod-spec units,
//! namespaces with who holds them, processes and findings.

use super::lsns::holder_label;
use super::pods::sharing_summary;
use super::resolve::Target;
use super::resources::{limits_line, usage_line};
use super::text::{sanitize, wrap, Palette, Style, Width};
use crate::model::{Container, Finding, Model, NsType, Pid, Pod, Process, Subject, Usage};
use crate::present::{labels, signals, units, Index};
use std::collections::{BTreeMap, HashSet};

/// Lines of `Key        value`, sanitized and wrapped (not cut: inspect is where the whole
/// path or command line is wanted).
struct Doc {
    out: String,
    width: Width,
    palette: Palette,
}

impl Doc {
    fn field(&mut self, key: &str, value: impl AsRef<str>) {
        let text = format!("{key:<13}{}", sanitize(value.as_ref()));
        self.wrapped(&text, 13);
    }

    fn wrapped(&mut self, text: &str, indent: usize) {
        let lines = match self.width {
            Width::Columns(columns) => wrap(text, columns, indent),
            Width::Unlimited => vec![text.to_string()],
        };
        for line in lines {
            self.out.push_str(line.trim_end());
            self.out.push('\n');
        }
    }

    fn optional(&mut self, key: &str, value: Option<impl AsRef<str>>) {
        if let Some(value) = value {
            self.field(key, value);
        }
    }

    fn section(&mut self, title: &str) {
        self.out.push('\n');
        self.out.push_str(&self.palette.paint(Style::Header, title));
        self.out.push('\n');
    }

    fn line(&mut self, text: &str, indent: usize) {
        self.wrapped(&sanitize(text), indent);
    }
}

pub fn render(model: &Model, target: Target, width: Width, palette: Palette) -> String {
    let index = Index::new(model);
    let mut doc = Doc {
        out: String::new(),
        width,
        palette,
    };
    match target {
        Target::Pod(pod) => pod_doc(&index, pod, &mut doc),
        Target::Container(container) => container_doc(&index, container, &mut doc),
        Target::Process(process) => process_doc(&index, process, &mut doc),
    }
    doc.out
}

/// What the memory is and the pressure files, in the words every front end uses.
fn signal_fields(usage: &Usage, doc: &mut Doc) {
    doc.optional(
        "Memory is",
        usage
            .memory_breakdown
            .as_ref()
            .and_then(signals::memory_breakdown),
    );
    for (name, resource) in signals::pressures(&usage.pressure) {
        doc.field(
            &format!("{name} psi"),
            format!("{} (avg10 · avg60)", signals::pressure(&resource)),
        );
    }
}

fn pod_doc(index: &Index, pod: &Pod, doc: &mut Doc) {
    doc.field("Pod", pod.uid.as_str());
    doc.field(
        "Name",
        if pod.name.is_some() {
            labels::pod(pod)
        } else {
            "(not in the snapshot's metadata)".to_string()
        },
    );
    doc.field("QoS", pod.qos.map_or("unknown", |q| q.as_str()));
    doc.optional("Cgroup", pod.cgroup.as_deref());
    doc.field(
        "Limits",
        limits_line(&pod.limits).unwrap_or_else(|| "none known".into()),
    );
    doc.optional("Usage", usage_line(&pod.usage));
    signal_fields(&pod.usage, doc);
    if let Some(id) = &pod.sandbox_id {
        let pid = pod.sandbox_pid.map_or_else(
            || ", no sandbox process".to_string(),
            |p| format!(", pid {p}"),
        );
        doc.field("Sandbox", format!("{}{pid}", id.short()));
    }
    let runtimes = &index.model.node.runtimes;
    doc.optional(
        "Runtime",
        pod.runtime_instance
            .as_ref()
            .map(|id| labels::runtime_id(runtimes, id)),
    );
    doc.field("Sharing", sharing_summary(pod));

    doc.section("Containers");
    let containers: Vec<&Container> = pod
        .container_ids
        .iter()
        .filter_map(|id| index.container(id))
        .collect();
    for c in &containers {
        let name = if c.sandbox {
            "(sandbox)"
        } else {
            labels::container(c)
        };
        let first = c
            .init_pid
            .and_then(|p| index.process(p))
            .map(|p| format!("pid {} {}", p.pid, labels::command(p)))
            .unwrap_or_else(|| "no processes".to_string());
        doc.line(&format!("  {}  {name:<14} {first}", c.id.short()), 30);
    }

    doc.section("Namespaces");
    let sandbox = pod.sandbox_pid.and_then(|p| index.process(p));
    for (kind, sharing) in &pod.namespace_sharing {
        let inode = sandbox
            .and_then(|p| p.namespaces.get(kind))
            .map_or_else(|| "-".to_string(), ToString::to_string);
        doc.line(
            &format!("  {:<18}{:<9}{inode}", kind.as_str(), sharing.as_str()),
            4,
        );
    }

    let pids: HashSet<Pid> = containers
        .iter()
        .flat_map(|c| c.pids.iter().copied())
        .collect();
    let ids: HashSet<&str> = pod.container_ids.iter().map(|c| c.as_str()).collect();
    // The cgroup findings of the pod's own cgroup and of its containers'.
    let cgroups: Vec<&str> = pod
        .cgroup
        .iter()
        .chain(containers.iter().filter_map(|c| c.cgroup.as_ref()))
        .map(String::as_str)
        .collect();
    findings(index, doc, |s| match s {
        Subject::Pod(uid) => *uid == pod.uid,
        Subject::Container(id) => ids.contains(id.as_str()),
        Subject::Process(pid) => pids.contains(pid),
        Subject::Cgroup(path) => cgroups.iter().any(|c| path == c),
        Subject::Node => false,
    });
}

fn container_doc(index: &Index, c: &Container, doc: &mut Doc) {
    doc.field("Container", c.id.as_str());
    doc.field(
        "Name",
        match (&c.name, c.sandbox) {
            (_, true) => "(pod sandbox)".to_string(),
            (Some(name), false) => name.clone(),
            (None, false) => "(not in the snapshot's metadata)".to_string(),
        },
    );
    doc.optional("Image", c.image.as_deref());
    let runtimes = &index.model.node.runtimes;
    doc.optional(
        "Runtime",
        match (&c.runtime_instance, c.runtime) {
            (Some(instance), _) => Some(labels::runtime_id(runtimes, instance)),
            (None, kind) => kind.map(|k| k.name().to_string()),
        },
    );
    doc.field(
        "Pod",
        match &c.pod_uid {
            Some(uid) => format!("{} ({})", index.pod_label(uid), uid),
            None => "none (standalone)".to_string(),
        },
    );
    if let Some(shim) = c.shim_pid {
        let cmd = index
            .process(shim)
            .map(|p| p.comm.clone())
            .unwrap_or_else(|| "gone".into());
        doc.field("Shim", format!("{shim} {cmd}"));
    } else {
        doc.field("Shim", "not found");
    }
    doc.optional("Init", c.init_pid.map(|p| p.to_string()));
    doc.optional("Cgroup", c.cgroup.as_deref());
    doc.field(
        "Limits",
        limits_line(&c.limits).unwrap_or_else(|| "none known".into()),
    );
    doc.optional("Usage", usage_line(&c.usage));
    signal_fields(&c.usage, doc);

    doc.section("Processes");
    if c.pids.is_empty() {
        doc.line("  none", 4);
    }
    for pid in &c.pids {
        if let Some(p) = index.process(*pid) {
            doc.line(
                &format!(
                    "  {:<4}{:>7} {:>7} {:<8} {}",
                    labels::stat(p),
                    p.pid,
                    p.ppid,
                    labels::user(p),
                    labels::command(p)
                ),
                32,
            );
        }
    }

    if let Some(first) = c
        .init_pid
        .or(c.pids.first().copied())
        .and_then(|p| index.process(p))
    {
        doc.section("Namespaces");
        namespace_lines(index, first, doc);
    }
    let pids: HashSet<Pid> = c.pids.iter().copied().collect();
    findings(index, doc, |s| match s {
        Subject::Container(id) => *id == c.id,
        Subject::Process(pid) => pids.contains(pid) || c.shim_pid == Some(*pid),
        Subject::Cgroup(path) => c.cgroup.as_deref().is_some_and(|own| path == own),
        Subject::Pod(_) | Subject::Node => false,
    });
}

fn process_doc(index: &Index, p: &Process, doc: &mut Doc) {
    doc.field("Process", p.pid.to_string());
    let parent = index
        .process(p.ppid)
        .map_or_else(String::new, |pp| format!(" ({})", pp.comm));
    doc.field("Parent", format!("{}{parent}", p.ppid));
    doc.field("Command", labels::command(p));
    doc.field("Comm", &p.comm);
    let threads = match p.threads {
        Some(1) => ", 1 thread".to_string(),
        Some(t) => format!(", {t} threads"),
        None => String::new(),
    };
    doc.field("State", format!("{}{threads}", p.state));
    doc.field("User", labels::user(p));
    doc.field("Role", p.role.as_str());
    doc.optional("Started", p.start_time.as_deref());
    doc.optional("RSS", p.rss_bytes.map(units::bytes_compact));
    doc.optional("OOM adj", p.oom_score_adj.map(|a| a.to_string()));
    if let Some(nspid) = &p.nspid {
        let list: Vec<String> = nspid.iter().map(ToString::to_string).collect();
        doc.field("NSpid", list.join(" "));
    }
    if let Some(id) = &p.container_id {
        doc.field(
            "Container",
            format!("{} ({})", id.short(), index.container_label(id)),
        );
    }
    if let Some(uid) = &p.pod_uid {
        doc.field("Pod", format!("{} ({uid})", index.pod_label(uid)));
    }
    let managed = index.managed_by_shim(p.pid);
    if !managed.is_empty() {
        let names: Vec<String> = managed
            .iter()
            .map(|c| format!("{} ({})", c.id.short(), labels::container(c)))
            .collect();
        doc.field("Shim of", names.join(", "));
    }
    if p.partial {
        doc.field("Note", "some of this process's files could not be read");
    }

    // On v1 the same path repeats for a dozen hierarchies: one entry per path, with the
    // hierarchies that put the process there.
    doc.section("Cgroups");
    let mut by_path: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in &p.cgroups {
        let hierarchy = if line.controllers.is_empty() {
            "unified"
        } else {
            line.controllers.as_str()
        };
        match by_path.iter_mut().find(|(path, _)| *path == line.path) {
            Some((_, hierarchies)) => hierarchies.push(hierarchy),
            None => by_path.push((line.path.as_str(), vec![hierarchy])),
        }
    }
    for (path, hierarchies) in by_path {
        doc.line(&format!("  {path}"), 4);
        doc.line(&format!("      in {}", hierarchies.join(" ")), 9);
    }
    doc.section("Namespaces");
    namespace_lines(index, p, doc);
    findings(index, doc, |s| *s == Subject::Process(p.pid));
}

fn namespace_lines(index: &Index, p: &Process, doc: &mut Doc) {
    let holders: BTreeMap<(NsType, u64), String> = index
        .model
        .namespaces
        .iter()
        .filter(|ns| p.namespaces.get(&ns.kind) == Some(&ns.inode))
        .map(|ns| ((ns.kind, ns.inode.0), holder_label(index, &ns.holder)))
        .collect();
    for (kind, inode) in &p.namespaces {
        let holder = holders.get(&(*kind, inode.0)).map_or("", String::as_str);
        doc.line(
            &format!("  {:<18}{:<11} {holder}", kind.as_str(), inode),
            32,
        );
    }
}

fn findings(index: &Index, doc: &mut Doc, about: impl Fn(&Subject) -> bool) {
    let relevant: Vec<&Finding> = index
        .model
        .findings
        .iter()
        .filter(|f| about(&f.subject))
        .collect();
    doc.section("Findings");
    if relevant.is_empty() {
        doc.out.push_str("  none\n");
    }
    for finding in relevant {
        let severity = format!("{:<8}", finding.severity.as_str());
        doc.out.push_str(&format!(
            "  {} {}\n",
            doc.palette
                .paint(Style::Severity(finding.severity), &severity),
            sanitize(&finding.rule)
        ));
        doc.line(&format!("      {}", finding.message), 6);
        doc.line(&format!("      {}", finding.explanation), 6);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use crate::views::{golden, resolve};

    fn inspect(query: &str) -> String {
        let model = fixture::seed();
        let target = resolve::target(&model, query).unwrap();
        render(&model, target, Width::Columns(80), Palette::PLAIN)
    }

    #[test]
    fn pod_shows_limits_containers_sharing_and_findings() {
        golden::check("inspect-pod.txt", &inspect("f5f16f15"));
    }

    #[test]
    fn container_shows_shim_limits_usage_and_processes() {
        let out = inspect("9934ac36");
        golden::check("inspect-container.txt", &out);
        // redis' 1-CPU quota and 512Mi limit; the walkthrough's node is not under pressure.
        assert!(
            out.contains(
                "Limits       memory 512Mi, cpu 1 CPU (100000us per 100000us), shares 102, pids\n"
            ),
            "{out}"
        );
        assert!(
            out.contains("  Sl    19356   19338 100      redis-server\n"),
            "{out}"
        );
    }

    #[test]
    fn container_usage_counts_its_oom_kills() {
        // The containerd node's `api` container was OOM-killed 3 times.
        let model = fixture::model("containerd-v2-systemd");
        let api = model
            .containers
            .iter()
            .find(|c| c.name.as_deref() == Some("api"))
            .unwrap();
        let target = resolve::target(&model, api.id.as_str()).unwrap();
        let out = render(&model, target, Width::Columns(80), Palette::PLAIN);
        assert!(
            out.contains("Usage        memory 248.2Mi, memory.max hits 41, OOM kills 3, pids 23,"),
            "{out}"
        );
    }

    #[test]
    fn process_shows_cgroups_and_namespace_holders() {
        let out = inspect("19356");
        golden::check("inspect-process.txt", &out);
        assert!(
            out.contains("  user              4026531837  host\n"),
            "{out}"
        );
        assert!(
            out.contains("  net               4026532662  pod default/nginx-redis\n"),
            "{out}"
        );
    }

    #[test]
    fn a_shim_lists_what_it_manages() {
        let out = inspect("8087");
        assert!(
            out.contains("Shim of      c3d3530cf2f5 (init-config)\n"),
            "{out}"
        );
        assert!(out.contains("shim-without-container"), "{out}");
    }
}
