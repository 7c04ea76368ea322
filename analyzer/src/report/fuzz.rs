//! The HTML renderer's fuzz body: a small model whose node strings come from the input, rendered
//! and checked to hold only the elements and attributes the templates write.

use super::render_html;
use crate::model::*;
use nodesnap_format::{CmdlinePolicy, Counts, Gap, GapReason};
use std::collections::{BTreeMap, BTreeSet};

/// The templates, scanned for the element and attribute names they write.
const TEMPLATES: &[&str] = &[
    include_str!("../../../templates/report.html"),
    include_str!("../../../templates/report_container.html"),
    include_str!("../../../templates/report_macros.html"),
];

/// Prefixed to every fuzzed string so that any string reaching the page unescaped shows up as
/// an element the templates never write.
const PROBE: &str = "<x-fz a=\"";

const POD_UID: &str = "f5f16f15-af9e-11ea-8af4-0050569e47b9";
const CONTAINER_ID: &str = "d62b4a22abd21d47636a1c84e970ad7e76d8fe633232715f74606ee93c71291a";
const SANDBOX_ID: &str = "63ee2df4c255110248842e885fb0b9dafca9791dda6a00499bbc3fc99e153743";

/// Renders a model whose free-text fields (hostname, kernel, os, process names, command lines,
/// users, pod and container names, images, cgroup paths, findings and the cgroup notes worded
/// from them, gaps) come from the input split at NUL bytes, and asserts:
/// - every start tag and attribute name in the page is one the templates write;
/// - every `href` is a fragment link;
/// - no fuzzed string appears in the page as it is (each carries a `<` probe).
#[doc(hidden)]
pub fn fuzz_render(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let mut pieces = text.split('\0').map(|piece| format!("{PROBE}{piece}"));
    let mut next = || pieces.next().unwrap_or_else(|| PROBE.to_string());
    let model = fuzzed_model(&mut next);
    let html = render_html(&model).expect("rendering a model does not fail");
    let (allowed_tags, allowed_attributes) = template_names();
    for (tag, attributes) in start_tags(&html) {
        assert!(
            allowed_tags.contains(&tag),
            "element <{tag}> is not from the templates"
        );
        for (name, value) in attributes {
            assert!(
                allowed_attributes.contains(&name),
                "attribute {name} on <{tag}> is not from the templates"
            );
            if name == "href" {
                assert!(value.starts_with('#'), "href {value:?} leaves the page");
            }
        }
    }
    assert!(
        !html.contains(PROBE),
        "a node string reached the page unescaped"
    );
}

fn fuzzed_model(next: &mut dyn FnMut() -> String) -> Model {
    let pod = PodUid::parse(POD_UID);
    let container = ContainerId::parse(CONTAINER_ID);
    let sandbox = ContainerId::parse(SANDBOX_ID);
    let namespaces: BTreeMap<NsType, Inode> = [
        (NsType::Net, Inode(4026531992)),
        (NsType::Pid, Inode(4026531836)),
    ]
    .into();
    let process = |pid: u32, ppid: u32, comm: String, cmdline: String, user: String| Process {
        pid: Pid(pid),
        ppid: Pid(ppid),
        comm,
        cmdline: Some(cmdline),
        state: 'S',
        uid: Some(1000),
        user: Some(user),
        threads: Some(1),
        start_ticks: Some(100),
        start_time: None,
        cpu_ticks: Some(7),
        rss_bytes: Some(1 << 20),
        oom_score_adj: Some(0),
        wchan: None,
        nspid: Some(vec![pid]),
        kernel_thread: false,
        role: ProcessRole::Other,
        shim_for: None,
        cgroups: Vec::new(),
        namespaces: namespaces.clone(),
        container_id: None,
        pod_uid: None,
        partial: false,
    };
    let init = process(1, 0, next(), next(), next());
    let mut app = process(42, 1, next(), next(), next());
    app.role = ProcessRole::Container;
    app.wchan = Some(next());
    app.container_id = container.clone();
    app.pod_uid = pod.clone();
    let cgroup_path = format!("/kubepods/pod{POD_UID}/{}", next());
    app.cgroups = vec![ProcessCgroup {
        hierarchy_id: 4,
        controllers: next(),
        path: cgroup_path.clone(),
    }];
    let pod_record = pod.clone().map(|uid| Pod {
        uid,
        kind: PodKind::Kubernetes,
        qos: Some(QosClass::Burstable),
        name: Some(next()),
        namespace: Some(next()),
        sandbox_id: sandbox.clone(),
        sandbox_pid: None,
        container_ids: container.iter().cloned().collect(),
        runtime_instance: Some(RuntimeId::new("containerd", &next())),
        cgroup: Some(format!("/kubepods/pod{POD_UID}")),
        namespace_sharing: [(NsType::Net, Sharing::Pod)].into(),
        limits: Limits::default(),
        usage: Usage::default(),
    });
    let container_record = container.clone().map(|id| Container {
        id,
        runtime: Some(RuntimeKind::Containerd),
        runtime_instance: Some(RuntimeId::new("containerd", &next())),
        pod_uid: pod.clone(),
        name: Some(next()),
        image: Some(next()),
        sandbox: false,
        pids: vec![Pid(42)],
        init_pid: Some(Pid(42)),
        shim_pid: None,
        cgroup: Some(cgroup_path.clone()),
        node_container_id: None,
        podman_pod_id: None,
        limits: Limits {
            cpuset_cpus: Some(next()),
            ..Limits::default()
        },
        usage: Usage::default(),
    });
    // A fuzzed name past the path limits is a gap in a real model, never a cgroup: the pod's
    // path stands in for it here.
    let pod_path = CgroupPath::new(&format!("/kubepods/pod{POD_UID}")).expect("a short path");
    let stored_path = CgroupPath::new(&cgroup_path).unwrap_or_else(|_| pod_path.clone());
    let cgroup = Cgroup {
        parent: stored_path.parent().cloned(),
        path: stored_path.clone(),
        hierarchies: vec![next()],
        pids: vec![Pid(42)],
        pod_uid: pod.clone(),
        container_id: container.clone(),
        qos: Some(QosClass::Burstable),
        limits: Limits {
            memory_max_bytes: Some(Limit::Value(1 << 30)),
            ..Limits::default()
        },
        usage: Usage {
            memory_current_bytes: Some(1 << 29),
            ..Usage::default()
        },
        trouble: vec![next()],
    };
    let findings = [Severity::Critical, Severity::Warning, Severity::Info]
        .into_iter()
        .zip([
            Subject::Process(Pid(42)),
            Subject::Cgroup(stored_path),
            Subject::Node,
        ])
        .map(|(severity, subject)| Finding {
            rule: next(),
            severity,
            subject,
            message: next(),
            explanation: next(),
        })
        .collect();
    Model {
        schema_version: SCHEMA_VERSION,
        node: Node {
            hostname: Some(next()),
            kernel: Some(next()),
            os: Some(next()),
            boot_time: Some(next()),
            boot_id: Some(next()),
            uptime_secs: Some(100),
            cgroup_mode: CgroupMode::V1,
            cgroup_driver: CgroupDriver::Cgroupfs,
            runtimes: vec![RuntimeInfo {
                id: RuntimeId::new("containerd", &next()),
                kind: RuntimeKind::Containerd,
                pid: Some(Pid(1)),
                comm: Some(next()),
                distribution: Some(next()),
                address: Some(next()),
                root: Some(next()),
                state: Some(next()),
                managed_by: None,
                uses: None,
                sandbox_image: Some(next()),
                shim_pids: vec![Pid(1)],
            }],
            kubelet_pid: None,
            memory_total_bytes: Some(1 << 33),
            memory_available_bytes: Some(1 << 32),
            cpus: Some(2),
            pid_max: Some(32768),
            loadavg: Some([0.5, 0.25, 0.125]),
            pressure: Default::default(),
            headroom: Default::default(),
            kubelet_cgroup_driver: None,
        },
        collection: Collection {
            source: crate::model::CollectionSource::Nodesnap,
            collector_version: next(),
            format_version: 1,
            started_at: next(),
            finished_at: next(),
            duration_ms: 12,
            cmdline: CmdlinePolicy::Redacted,
            counts: Counts::default(),
            collector_pid: None,
        },
        pods: pod_record.into_iter().collect(),
        containers: container_record.into_iter().collect(),
        namespaces: vec![Namespace {
            kind: NsType::Net,
            inode: Inode(4026531992),
            pids: vec![Pid(1), Pid(42)],
            holder: Holder::Host,
        }],
        processes: vec![init, app],
        cgroups: vec![cgroup],
        findings,
        gaps: vec![Gap {
            path: next(),
            reason: GapReason::Vanished,
            detail: Some(next()),
        }],
        window: None,
    }
}

/// Element and attribute names written by the templates, their expressions and tags removed.
fn template_names() -> (BTreeSet<String>, BTreeSet<String>) {
    let mut tags = BTreeSet::new();
    let mut attributes = BTreeSet::new();
    for template in TEMPLATES {
        let plain = strip_template_syntax(template);
        for (tag, found) in start_tags(&plain) {
            tags.insert(tag);
            attributes.extend(found.into_iter().map(|(name, _)| name));
        }
    }
    (tags, attributes)
}

/// Removes `{{ … }}`, `{% … %}` and `{# … #}` so that only literal markup is left.
fn strip_template_syntax(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = match rest[open..].chars().nth(1) {
            Some('{') => "}}",
            Some('%') => "%}",
            Some('#') => "#}",
            _ => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
                continue;
            }
        };
        out.push_str(&rest[..open]);
        match rest[open + 2..].find(close) {
            Some(end) => rest = &rest[open + 2 + end + close.len()..],
            None => rest = "",
        }
    }
    out.push_str(rest);
    out
}

/// Each start tag's lowercased name with its attributes (name, value), skipping the raw text
/// of `<style>` and `<script>`. Node text is escaped, so every `<` left is markup. A comment
/// holds a lazy body that the page's script turns into elements, so its content is scanned as
/// markup too.
fn start_tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        if rest.starts_with('/') {
            continue;
        }
        if let Some(comment_body) = rest.strip_prefix("!--") {
            rest = comment_body;
            continue;
        }
        let end = tag_end(rest);
        let tag = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or("");
        let name_len = tag
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let name = tag[..name_len].to_ascii_lowercase();
        let attributes = attributes_of(&tag[name_len..]);
        if name == "style" || name == "script" {
            let close = format!("</{name}>");
            rest = rest.find(&close).map_or("", |at| &rest[at + close.len()..]);
        }
        found.push((name, attributes));
    }
    found
}

/// Where a tag ends: the first `>` outside a quoted attribute value.
fn tag_end(tag: &str) -> usize {
    let mut quote = None;
    for (index, c) in tag.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return index,
            _ => {}
        }
    }
    tag.len()
}

fn attributes_of(mut text: &str) -> Vec<(String, String)> {
    let mut attributes = Vec::new();
    loop {
        text = text.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if text.is_empty() {
            return attributes;
        }
        let name_len = text
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(text.len());
        let name = text[..name_len].to_ascii_lowercase();
        text = text[name_len..].trim_start();
        let mut value = String::new();
        if let Some(after) = text.strip_prefix('=') {
            let after = after.trim_start();
            let (quoted, rest) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after[1..];
                    let end = body.find(q).unwrap_or(body.len());
                    (&body[..end], body.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            value = quoted.to_string();
            text = rest;
        }
        attributes.push((name, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names_hold_the_known_elements_and_attributes() {
        let (tags, attributes) = template_names();
        for tag in ["html", "a", "table", "details", "script", "style"] {
            assert!(tags.contains(tag), "{tag} missing from {tags:?}");
        }
        for attribute in ["class", "href", "id", "lang"] {
            assert!(attributes.contains(attribute), "{attribute} missing");
        }
        assert!(
            !tags.contains("x-fz") && !tags.iter().any(|t| t.contains('{') || t.starts_with("!--")),
            "{tags:?}"
        );
    }

    #[test]
    fn scanner_sees_markup_that_escaped() {
        let page = "<p class=\"a>b\">x</p><script>if (a<b) {}</script><x-fz a=\"1\" onload=go()>";
        let tags = start_tags(page);
        let names: Vec<&str> = tags.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["p", "script", "x-fz"]);
        assert_eq!(tags[0].1, [("class".to_string(), "a>b".to_string())]);
        assert_eq!(tags[2].1[1].0, "onload");
    }

    #[test]
    fn scanner_reads_a_lazy_body_as_the_markup_it_becomes() {
        let page =
            "<details><summary>s</summary><!--\n<div class=\"card\"><x-fz a=\"1\">-->\n</details>";
        let names: Vec<String> = start_tags(page).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["details", "summary", "div", "x-fz"]);
    }

    #[test]
    fn hostile_strings_render_as_text() {
        fuzz_render(b"<script>alert(1)</script>\0\" onmouseover=\"x\0javascript:alert(1)\0</style><img src=x>\0\xe2\x80\xae\x1b[31m");
        fuzz_render(b"");
    }
}
