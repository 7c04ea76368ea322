//! `analyzer summary`: the node at a glance: what it is, its runtimes, pods by QoS class,
//! containers, processes, findings by severity and what the collector could not read.

use super::text::{sanitize, Palette, Style, Width};
use crate::model::{Finding, Model, PodKind, QosClass, Severity};
use crate::present::text::plural;
use crate::present::{labels, units};
use std::collections::BTreeMap;

/// How many findings and gaps the summary lists before pointing at the full list.
const LISTED: usize = 10;

pub fn render(model: &Model, width: Width, palette: Palette) -> String {
    let mut lines = Vec::new();
    if let Some(notice) = crate::present::source::notice(model) {
        lines.push(("Source", notice));
    }
    lines.extend(node_lines(model));
    lines.extend(workload_lines(model, palette));
    lines.push(collected_line(model));
    lines.extend(super::window::summary_lines(model));
    let mut out = String::new();
    for (key, value) in lines {
        let line = format!("{key:<11}{value}");
        // Colour codes are nodesnap's own (node text was sanitized before); such a line is
        // short and cutting it could split a code.
        if line.contains('\x1b') {
            out.push_str(&line);
        } else {
            out.push_str(&width.fit(&line, 0));
        }
        out.push('\n');
    }
    out.push_str(&lists(model, width, palette));
    out
}

/// What the node is and how it was collected. Node data is sanitized as it is read here.
fn node_lines(model: &Model) -> Vec<(&'static str, String)> {
    let node = &model.node;
    let mut lines: Vec<(&str, String)> = Vec::new();
    let clean = |text: &str| sanitize(text).into_owned();
    let mut node_line: String = node
        .hostname
        .as_deref()
        .map_or_else(|| "(unknown host)".into(), clean);
    if let Some(os) = node.os.as_deref() {
        node_line.push_str(&format!(" ({})", clean(os)));
    }
    lines.push(("Node", node_line));
    let hardware: Vec<String> = [
        node.kernel
            .as_deref()
            .map(|k| format!("kernel {}", clean(k))),
        node.cpus.map(|c| format!("{c} CPUs")),
        node.memory_total_bytes
            .map(|m| format!("{} memory", units::bytes_compact(m))),
        node.pid_max.map(|p| format!("pid_max {p}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !hardware.is_empty() {
        lines.push(("System", hardware.join(", ")));
    }
    if node.boot_time.is_some() || node.uptime_secs.is_some() {
        let mut booted = node.boot_time.as_deref().map_or_else(|| "?".into(), clean);
        if let Some(up) = node.uptime_secs {
            booted.push_str(&format!(", up {}", units::uptime_compact(up)));
        }
        if let Some([one, five, fifteen]) = node.loadavg {
            booted.push_str(&format!(", load {one:.2} {five:.2} {fifteen:.2}"));
        }
        lines.push(("Booted", booted));
    }
    lines.push((
        "Cgroups",
        format!("{}, driver {}", node.cgroup_mode, node.cgroup_driver),
    ));
    lines.push(("Runtimes", labels::runtimes(&node.runtimes)));
    lines.push((
        "Kubelet",
        node.kubelet_pid
            .map_or_else(|| "not running".to_string(), |p| format!("pid {p}")),
    ));
    lines
}

/// When and by what the snapshot was taken.
fn collected_line(model: &Model) -> (&'static str, String) {
    let c = &model.collection;
    let clean = |text: &str| sanitize(text).into_owned();
    if c.source == crate::model::CollectionSource::Sosreport {
        return (
            "Collected",
            format!(
                "{} by {}",
                clean(&c.started_at),
                clean(&c.collector_version)
            ),
        );
    }
    (
        "Collected",
        format!(
            "{} by collector {} in {} ms, command lines {}",
            clean(&c.started_at),
            clean(&c.collector_version),
            c.duration_ms,
            c.cmdline
        ),
    )
}

/// Pods, containers and processes counted, findings by severity (coloured), gaps by reason.
fn workload_lines(model: &Model, palette: Palette) -> Vec<(&'static str, String)> {
    let mut lines: Vec<(&str, String)> = Vec::new();
    // Kubernetes pods by QoS class; podman pods have none and are counted as podman's.
    let mut by_qos: BTreeMap<Option<QosClass>, usize> = BTreeMap::new();
    let mut podman = 0;
    for pod in &model.pods {
        match pod.kind {
            PodKind::Podman => podman += 1,
            PodKind::Kubernetes => *by_qos.entry(pod.qos).or_default() += 1,
        }
    }
    let mut qos_parts: Vec<String> = by_qos
        .iter()
        .map(|(qos, n)| format!("{n} {}", qos.map_or("unknown QoS", |q| q.as_str())))
        .collect();
    if podman > 0 {
        qos_parts.push(format!("{podman} podman"));
    }
    lines.push((
        "Pods",
        if model.pods.is_empty() {
            "0".to_string()
        } else {
            format!("{} ({})", model.pods.len(), qos_parts.join(", "))
        },
    ));
    // Three disjoint groups that add up to the total: a sandbox whose pod uid is unknown is
    // a sandbox, not also a standalone container.
    let sandboxes = model.containers.iter().filter(|c| c.sandbox).count();
    let standalone = model
        .containers
        .iter()
        .filter(|c| !c.sandbox && c.pod_uid.is_none())
        .count();
    let in_pods = model.containers.len() - sandboxes - standalone;
    lines.push((
        "Containers",
        format!(
            "{} ({in_pods} in pods, {}, {standalone} standalone)",
            model.containers.len(),
            plural(sandboxes, "sandbox", "sandboxes"),
        ),
    ));
    let kernel_threads = model.processes.iter().filter(|p| p.kernel_thread).count();
    let contained = model
        .processes
        .iter()
        .filter(|p| p.container_id.is_some())
        .count();
    lines.push((
        "Processes",
        format!(
            "{} ({contained} in containers, {kernel_threads} kernel thread{})",
            model.processes.len(),
            if kernel_threads == 1 { "" } else { "s" }
        ),
    ));
    let mut by_severity: BTreeMap<Severity, usize> = BTreeMap::new();
    for finding in &model.findings {
        *by_severity.entry(finding.severity).or_default() += 1;
    }
    let severity_parts: Vec<String> = by_severity
        .iter()
        .map(|(s, n)| palette.paint(Style::Severity(*s), &format!("{n} {s}")))
        .collect();
    lines.push((
        "Findings",
        if severity_parts.is_empty() {
            "none".into()
        } else {
            severity_parts.join(", ")
        },
    ));
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for gap in &model.gaps {
        *by_reason.entry(gap.reason.to_string()).or_default() += 1;
    }
    let reason_parts: Vec<String> = by_reason.iter().map(|(r, n)| format!("{n} {r}")).collect();
    lines.push((
        "Gaps",
        if model.gaps.is_empty() {
            "none".into()
        } else {
            format!("{} ({})", model.gaps.len(), reason_parts.join(", "))
        },
    ));
    lines
}

/// The first findings and gaps, each pointing at the full list when there are more.
fn lists(model: &Model, width: Width, palette: Palette) -> String {
    let mut out = String::new();
    let cannot_show = crate::present::source::cannot_show(model);
    if !cannot_show.is_empty() {
        out.push('\n');
        out.push_str(&palette.paint(Style::Header, "Not in the sosreport"));
        out.push('\n');
        for line in &cannot_show {
            out.push_str(&width.fit(&format!("  {}", sanitize(line)), 0));
            out.push('\n');
        }
    }
    if !model.findings.is_empty() {
        out.push('\n');
        out.push_str(&palette.paint(Style::Header, "Findings"));
        out.push('\n');
        for finding in model.findings.iter().take(LISTED) {
            out.push_str(&finding_line(finding, width, palette));
            out.push('\n');
        }
        if model.findings.len() > LISTED {
            out.push_str(&format!(
                "  … {} more (analyzer model lists them all)\n",
                model.findings.len() - LISTED
            ));
        }
    }
    // What the input does not record is listed above; the gaps here are files it could not use.
    let gaps: Vec<_> = model
        .gaps
        .iter()
        .filter(|g| g.reason != nodesnap_format::GapReason::NotCollected)
        .collect();
    if !gaps.is_empty() {
        out.push('\n');
        out.push_str(&palette.paint(Style::Header, "Gaps"));
        out.push('\n');
        for gap in gaps.iter().take(LISTED) {
            let text = format!("  {:<18}{}", gap.reason.as_str(), sanitize(&gap.path));
            out.push_str(&width.fit(&text, 0));
            out.push('\n');
        }
        if gaps.len() > LISTED {
            out.push_str(&format!("  … {} more\n", gaps.len() - LISTED));
        }
    }
    out
}

/// `  critical cgroup-oom-kills  container redis in pod …`, cut to the width.
pub fn finding_line(finding: &Finding, width: Width, palette: Palette) -> String {
    let severity = format!("{:<8}", finding.severity);
    let rest = format!(
        " {}  {}",
        sanitize(&finding.rule),
        sanitize(&finding.message)
    );
    let used = 2 + severity.len();
    format!(
        "  {}{}",
        palette.paint(Style::Severity(finding.severity), &severity),
        width.fit(&rest, used)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use crate::views::golden;

    #[test]
    fn summary_of_the_seed_node() {
        let model = fixture::seed();
        let out = render(&model, Width::Columns(80), Palette::PLAIN);
        golden::check("summary.txt", &out);
        assert!(out.lines().all(|l| l.chars().count() <= 80), "{out}");
    }

    #[test]
    fn summary_colours_severities_only_when_asked() {
        // The containerd node's OOM-killed container is critical.
        let model = fixture::model("containerd-v2-systemd");
        let out = render(&model, Width::Columns(80), Palette { enabled: true });
        assert!(out.contains("\x1b[1;31m1 critical\x1b[0m"), "{out}");
        let plain = render(&model, Width::Columns(80), Palette::PLAIN);
        assert!(!plain.contains('\x1b'));
    }

    #[test]
    fn an_empty_node_reads_plainly() {
        let mut model = fixture::seed();
        model.pods.clear();
        model.containers.clear();
        model.findings.clear();
        model.gaps.clear();
        model.node.runtimes.clear();
        model.node.kubelet_pid = None;
        let out = render(&model, Width::Columns(80), Palette::PLAIN);
        for expected in [
            "Runtimes   none found\n",
            "Kubelet    not running\n",
            "Pods       0\n",
            "Findings   none\n",
            "Gaps       none\n",
        ] {
            assert!(out.contains(expected), "{expected:?} in\n{out}");
        }
    }

    #[test]
    fn container_groups_add_up_when_a_sandbox_has_no_pod_uid() {
        let mut model = fixture::seed();
        let total = model.containers.len();
        let sandboxes = model.containers.iter().filter(|c| c.sandbox).count();
        // A sandbox whose pod the snapshot could not name is still a sandbox, not also a
        // standalone container.
        let orphan = model.containers.iter_mut().find(|c| c.sandbox).unwrap();
        orphan.pod_uid = None;
        let standalone = model
            .containers
            .iter()
            .filter(|c| !c.sandbox && c.pod_uid.is_none())
            .count();
        let out = render(&model, Width::Columns(80), Palette::PLAIN);
        let line = out.lines().find(|l| l.starts_with("Containers")).unwrap();
        let in_pods = total - sandboxes - standalone;
        assert_eq!(
            line,
            format!(
                "Containers {total} ({in_pods} in pods, {sandboxes} sandboxes, {standalone} standalone)"
            )
        );
    }
}
