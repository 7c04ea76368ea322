//! Models for the report's tests: the walkthrough's node (the seed layout of nodesnap-fixtures,
//! collected by the real collector and built by the real model), the same node with hostile
//! strings, and a generated node with 2,000 pods and 20,000 processes built on its host part.

// Each test binary uses part of this module.
#![allow(dead_code)]

pub mod cdp;
pub mod fleet;
pub mod window;

use analyzer::model::*;
use nodesnap_fixtures::{layouts, TempDir};
use nodesnap_format::{Gap, GapReason};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

pub use nodesnap_fixtures::layouts::seed;

pub fn cid(text: &str) -> ContainerId {
    ContainerId::parse(text).expect("test container ids are 64 hex digits")
}

pub fn uid(text: &str) -> PodUid {
    PodUid::parse(text).expect("test pod uids are well formed")
}

/// The walkthrough's node (`layouts::seed`).
pub fn seed_model() -> Model {
    layout_model("seed-node")
}

/// One layout of nodesnap-fixtures as a support engineer gets it: written as a root tree,
/// collected by the collector, loaded and built; stamped with the node's own clock
/// (`layouts::snapshot_time`) so that the report does not depend on the day the test runs.
/// Each layout is collected once per test binary.
pub fn layout_model(layout: &str) -> Model {
    static MODELS: OnceLock<Mutex<BTreeMap<String, Model>>> = OnceLock::new();
    let mut models = MODELS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    models
        .entry(layout.to_string())
        .or_insert_with(|| collect(layout))
        .clone()
}

/// The two models of a pair of nodesnap-fixtures (`pairs::NAMES`), for `analyzer diff`: each
/// side collected like a layout.
pub fn pair_models(name: &str) -> (Model, Model) {
    let pair = nodesnap_fixtures::pairs::build(name).unwrap_or_else(|| panic!("no pair {name}"));
    (
        collect_node(&format!("{name}-old"), &pair.old),
        collect_node(&format!("{name}-new"), &pair.new),
    )
}

fn collect(layout: &str) -> Model {
    let node = layouts::build(layout).unwrap_or_else(|| panic!("no layout named {layout}"));
    collect_node(layout, &node)
}

fn collect_node(layout: &str, node: &nodesnap_fixtures::fake_node::FakeNode) -> Model {
    let dir = TempDir::new(&format!("report-{layout}"));
    let root = dir.join(layout);
    node.write_to(&root)
        .unwrap_or_else(|e| panic!("writing {layout}: {e}"));
    let tarball = dir.join("snapshot.tar.gz");
    let mut config = collector::Config::new(root, collector::OutputTarget::Path(tarball.clone()));
    // A busy test machine must not turn a slow read into a gap that changes what tests see.
    config.timeout = std::time::Duration::from_secs(300);
    config.read_timeout = std::time::Duration::from_secs(60);
    collector::collect(&config, &mut |_| {}).unwrap_or_else(|e| panic!("collecting {layout}: {e}"));
    let mut snapshot = analyzer::snapshot::load(&tarball)
        .unwrap_or_else(|e| panic!("loading {}: {e}", tarball.display()));
    let late: Vec<&str> = snapshot
        .manifest
        .gaps
        .iter()
        .filter(|gap| gap.reason == nodesnap_format::GapReason::TimedOut)
        .map(|gap| gap.path.as_str())
        .collect();
    assert!(late.is_empty(), "collecting {layout} timed out on {late:?}");
    let at = layouts::snapshot_time(node);
    let manifest = &mut snapshot.manifest;
    manifest.started_at = at.clone();
    manifest.finished_at = at;
    manifest.duration_ms = 0;
    manifest.options.root = format!("tests/fixtures/{layout}");
    analyzer::analyze(&snapshot)
}

/// The host's namespaces on the walkthrough's 3.10 kernel (no cgroup or time namespaces).
fn host_ns() -> BTreeMap<NsType, Inode> {
    let host = nodesnap_fixtures::fake_node::NsSet::host();
    [
        (NsType::Ipc, host.ipc),
        (NsType::Mnt, host.mnt),
        (NsType::Net, host.net),
        (NsType::Pid, host.pid),
        (NsType::User, host.user),
        (NsType::Uts, host.uts),
    ]
    .into_iter()
    .map(|(kind, inode)| (kind, Inode(inode)))
    .collect()
}

fn ns(pairs: &[(NsType, u64)]) -> BTreeMap<NsType, Inode> {
    pairs.iter().map(|(k, i)| (*k, Inode(*i))).collect()
}

/// A process with the host's namespaces and no container; tests adjust the rest.
pub fn process(pid: u32, ppid: u32, comm: &str, cmdline: &str, role: ProcessRole) -> Process {
    Process {
        pid: Pid(pid),
        ppid: Pid(ppid),
        comm: comm.to_string(),
        cmdline: Some(cmdline.to_string()),
        state: 'S',
        uid: Some(0),
        user: Some("root".to_string()),
        threads: Some(1),
        start_ticks: Some(1000 + u64::from(pid)),
        start_time: None,
        cpu_ticks: None,
        rss_bytes: Some(4 * 1024 * 1024),
        oom_score_adj: Some(0),
        wchan: None,
        nspid: Some(vec![pid]),
        kernel_thread: role == ProcessRole::KernelThread,
        role,
        shim_for: None,
        cgroups: Vec::new(),
        namespaces: host_ns(),
        container_id: None,
        pod_uid: None,
        partial: false,
    }
}

fn kernel_thread(pid: u32, ppid: u32, comm: &str) -> Process {
    Process {
        cmdline: Some(String::new()),
        rss_bytes: None,
        ..process(pid, ppid, comm, "", ProcessRole::KernelThread)
    }
}

fn in_container(
    mut p: Process,
    container: &str,
    pod: Option<&str>,
    namespaces: &[(NsType, u64)],
) -> Process {
    p.container_id = Some(cid(container));
    p.pod_uid = pod.map(uid);
    p.namespaces = ns(namespaces);
    if p.role == ProcessRole::Other {
        p.role = ProcessRole::Container;
    }
    p
}

fn memory(limit: Option<u64>, used: u64) -> (Limits, Usage) {
    (
        Limits {
            memory_max_bytes: Some(limit.map_or(Limit::Max, Limit::Value)),
            cpu_shares: Some(2),
            ..Limits::default()
        },
        Usage {
            memory_current_bytes: Some(used),
            ..Usage::default()
        },
    )
}

const MIB: u64 = 1024 * 1024;

/// Namespaces with holders the way the builder attributes them: pid 1's are the host's, those
/// held by two or more containers of one pod are the pod's, those of one container are its own.
pub fn namespaces_of(processes: &[Process], containers: &[Container]) -> Vec<Namespace> {
    let pod_of: BTreeMap<&ContainerId, Option<&PodUid>> = containers
        .iter()
        .map(|c| (&c.id, c.pod_uid.as_ref()))
        .collect();
    let mut by_inode: BTreeMap<(NsType, Inode), Vec<&Process>> = BTreeMap::new();
    for p in processes {
        for (kind, inode) in &p.namespaces {
            by_inode.entry((*kind, *inode)).or_default().push(p);
        }
    }
    by_inode
        .into_iter()
        .map(|((kind, inode), holders)| {
            let pids: Vec<Pid> = holders.iter().map(|p| p.pid).collect();
            let ids: BTreeSet<&ContainerId> = holders
                .iter()
                .filter_map(|p| p.container_id.as_ref())
                .collect();
            let pods: BTreeSet<Option<&PodUid>> = ids
                .iter()
                .map(|id| pod_of.get(id).copied().flatten())
                .collect();
            let holder = if pids.contains(&Pid(1)) {
                Holder::Host
            } else if ids.len() == 1 && holders.iter().all(|p| p.container_id.is_some()) {
                Holder::Container((*ids.iter().next().expect("one id")).clone())
            } else if pods.len() == 1 && holders.iter().all(|p| p.pod_uid.is_some()) {
                match pods.into_iter().next().flatten() {
                    Some(pod) => Holder::Pod(pod.clone()),
                    None => Holder::Other,
                }
            } else {
                Holder::Other
            };
            Namespace {
                kind,
                inode,
                pids,
                holder,
            }
        })
        .collect()
}

fn cgroup(path: &str, pids: Vec<Pid>) -> Cgroup {
    Cgroup {
        path: CgroupPath::new(path).expect("a test path within the limits"),
        parent: CgroupPath::new(path).ok().and_then(|p| p.parent().cloned()),
        hierarchies: vec!["name=systemd".to_string(), "memory".to_string()],
        pids,
        pod_uid: None,
        container_id: None,
        qos: None,
        limits: Limits::default(),
        usage: Usage::default(),
        trouble: Vec::new(),
    }
}

/// The seed node with hostile strings wherever the node chooses text: process names and
/// command lines, pod and container names, labels, images, cgroup paths, gap details.
pub fn hostile_model() -> Model {
    let mut model = seed_model();
    let script = "<script>alert(1)</script>";
    let attribute = "\"><img src=x onerror=alert(1)>";
    for p in &mut model.processes {
        match p.pid.0 {
            19356 => {
                p.comm = script.to_string();
                p.cmdline = Some(format!("redis-server {attribute}"));
            }
            19431 => {
                p.cmdline = Some(
                    "nginx: master '><svg onload=alert(2)> javascript:alert(3) </style></script>"
                        .to_string(),
                )
            }
            // Session 290's sshd, a host process.
            HOSTILE_HOST_PID => {
                p.comm = "evil\u{202e}gpj.exe".to_string();
                p.cmdline = Some(
                    "registry\u{7}\u{1b}[31m red\u{2066}isolate\u{2069}\r\nnext\u{2028}line"
                        .to_string(),
                );
                p.user = Some("<b>root</b>".to_string());
            }
            _ => {}
        }
    }
    for pod in &mut model.pods {
        if pod.uid.as_str() == seed::POD_NGINX_REDIS {
            pod.name = Some("web</script><script>alert(4)</script>".to_string());
            pod.namespace = Some("default\u{202e}".to_string());
        }
    }
    for c in &mut model.containers {
        if c.id.as_str() == seed::REDIS {
            c.name = Some("redis\" onmouseover=\"alert(5)".to_string());
            c.image = Some("redis:5 </script><!-- {{ x }} {% y %}".to_string());
        }
        if c.id.as_str() == seed::SAFE_NGINX {
            c.name =
                Some("app.kubernetes.io/name=</script><img src=x onerror=alert(6)>".to_string());
            c.image = Some("javascript:alert(7)".to_string());
        }
    }
    let nginx_path = format!(
        "/kubepods/burstable/pod{}/{}",
        seed::POD_NGINX_REDIS,
        seed::NGINX
    );
    for cg in &mut model.cgroups {
        if cg.path == nginx_path {
            cg.trouble.push("<iframe src=//evil.example>".to_string());
        }
    }
    model.cgroups.push(cgroup(
        "/system.slice/<style>*{display:none}</style>.service",
        vec![],
    ));
    model.cgroups.sort_by(|a, b| a.path.cmp(&b.path));
    model.gaps.push(Gap {
        path: "proc/666/cmdline".to_string(),
        reason: GapReason::Error,
        detail: Some("<a href=\"https://evil.example/\">click</a> \u{2029}".to_string()),
    });
    model.node.hostname = Some("node<script>alert(8)</script>".to_string());
    model.node.os = Some("Linux \u{202e}\u{200b} url(https://evil.example/x.css)".to_string());
    model.findings[0].message = format!("{script} was OOM-killed");
    model
}

/// The host process `hostile_model` gives a hostile name, command line and user.
pub const HOSTILE_HOST_PID: u32 = 31551;

/// The strings `hostile_model` plants, as they must appear once escaped.
pub const HOSTILE_MARKERS: &[&str] = &[
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "&#34;&#62;&#60;img src=x onerror=alert(1)&#62;",
    "red\\u{2066}isolate\\u{2069}",
    "\\u{7}\\u{1b}[31m",
    "web&#60;/script&#62;&#60;script&#62;alert(4)&#60;/script&#62;",
];

/// A node as big as the report must handle: 2,000 pods of a sandbox and two containers each
/// (9 processes per pod with the shims), 2,000 host processes, 20,000 processes in all.
pub fn big_model() -> Model {
    let mut model = seed_model();
    model.pods.clear();
    model.containers.clear();
    model.findings.retain(|f| f.subject == Subject::Node);
    let mut processes: Vec<Process> = model
        .processes
        .iter()
        .filter(|p| p.container_id.is_none() && p.role != ProcessRole::Shim)
        .cloned()
        .collect();
    let mut cgroups: Vec<Cgroup> = model
        .cgroups
        .iter()
        .filter(|c| c.pod_uid.is_none() && c.container_id.is_none() && c.path != "/docker")
        .cloned()
        .collect();
    let mut next_pid = 100_000u32;
    let mut next_inode = 4_026_600_000u64;
    let mut alloc_pid = || {
        next_pid += 1;
        next_pid
    };
    let mut shims = Vec::new();
    for n in 0..2000u32 {
        let pod_uid = uid(&format!("{n:08x}-0000-4000-8000-{n:012x}"));
        let qos = [
            QosClass::Burstable,
            QosClass::BestEffort,
            QosClass::Guaranteed,
        ][n as usize % 3];
        let pod_cgroup = match qos {
            QosClass::Guaranteed => format!("/kubepods/pod{pod_uid}"),
            other => format!("/kubepods/{other}/pod{pod_uid}"),
        };
        let mut inode = || {
            next_inode += 1;
            next_inode
        };
        let (ipc, net) = (inode(), inode());
        let mut container_ids = Vec::new();
        let mut sandbox = (None, None);
        for (k, (name, image, procs)) in [
            ("POD", "registry.k8s.io/pause:3.9", 1u32),
            ("app", "example.com/shop/app:2.4.1", 4),
            ("envoy", "envoyproxy/envoy:v1.29", 1),
        ]
        .into_iter()
        .enumerate()
        {
            let seed = (u64::from(n) * 3 + k as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let id = cid(&format!("{seed:016x}").repeat(4));
            let shim_pid = alloc_pid();
            let shim_process = process(
                shim_pid,
                1,
                "containerd-shim",
                &format!(
                    "/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id {id} -address /run/containerd/containerd.sock"
                ),
                ProcessRole::Shim,
            );
            processes.push(shim_process);
            shims.push(Pid(shim_pid));
            let namespaces = [
                (NsType::Ipc, ipc),
                (NsType::Net, net),
                (NsType::Mnt, inode()),
                (NsType::Pid, inode()),
                (NsType::Uts, inode()),
                (NsType::User, 4026531837),
                (NsType::Cgroup, inode()),
            ];
            let mut pids = Vec::new();
            let first = alloc_pid();
            pids.push(Pid(first));
            let (comm, cmd, role) = match k {
                0 => ("pause", "/pause".to_string(), ProcessRole::Sandbox),
                1 => (
                    "app",
                    format!("/app/bin/server --listen=:8080 --shard={n}"),
                    ProcessRole::Other,
                ),
                _ => (
                    "envoy",
                    "envoy -c /etc/envoy/envoy.yaml --service-cluster shop".to_string(),
                    ProcessRole::Other,
                ),
            };
            processes.push(in_container(
                process(first, shim_pid, comm, &cmd, role),
                id.as_str(),
                Some(pod_uid.as_str()),
                &namespaces,
            ));
            for _ in 1..procs {
                let worker = alloc_pid();
                pids.push(Pid(worker));
                processes.push(in_container(
                    process(worker, first, comm, &format!("{cmd} --worker"), role),
                    id.as_str(),
                    Some(pod_uid.as_str()),
                    &namespaces,
                ));
            }
            let path = format!("{pod_cgroup}/{id}");
            let resources = memory(Some(256 * MIB), 40 * MIB + u64::from(n) * 4096);
            cgroups.push(Cgroup {
                pod_uid: Some(pod_uid.clone()),
                container_id: Some(id.clone()),
                limits: resources.0.clone(),
                usage: resources.1.clone(),
                ..cgroup(&path, pids.clone())
            });
            if k == 0 {
                sandbox = (Some(id.clone()), Some(Pid(first)));
            }
            model.containers.push(Container {
                id: id.clone(),
                runtime: Some(RuntimeKind::Containerd),
                runtime_instance: None,
                pod_uid: Some(pod_uid.clone()),
                name: Some(name.to_string()),
                image: Some(image.to_string()),
                sandbox: k == 0,
                init_pid: Some(Pid(first)),
                pids,
                shim_pid: Some(Pid(shim_pid)),
                cgroup: Some(path),
                node_container_id: None,
                podman_pod_id: None,
                limits: resources.0,
                usage: resources.1,
            });
            container_ids.push(id);
        }
        cgroups.push(Cgroup {
            pod_uid: Some(pod_uid.clone()),
            qos: Some(qos),
            ..cgroup(&pod_cgroup, vec![])
        });
        if n % 10 == 0 {
            model.findings.push(Finding {
                rule: "cgroup-cpu-throttled".to_string(),
                severity: Severity::Warning,
                subject: Subject::Pod(pod_uid.clone()),
                message: format!("shop/app-{n} was throttled in 30% of CPU periods"),
                explanation: "The CFS quota stopped the container's threads early.".to_string(),
            });
        }
        model.pods.push(Pod {
            uid: pod_uid.clone(),
            kind: PodKind::Kubernetes,
            qos: Some(qos),
            name: Some(format!("app-{n}-7d9c8b6f5-{:05x}", n * 31)),
            namespace: Some(format!("shop-{}", n % 25)),
            sandbox_id: sandbox.0,
            sandbox_pid: sandbox.1,
            container_ids,
            runtime_instance: None,
            cgroup: Some(pod_cgroup),
            namespace_sharing: [
                (NsType::Ipc, Sharing::Pod),
                (NsType::Net, Sharing::Pod),
                (NsType::User, Sharing::Host),
                (NsType::Mnt, Sharing::Private),
                (NsType::Pid, Sharing::Private),
                (NsType::Uts, Sharing::Private),
                (NsType::Cgroup, Sharing::Private),
            ]
            .into_iter()
            .collect(),
            limits: Limits::default(),
            usage: Usage::default(),
        });
    }
    // Host services and kernel threads up to 20,000 processes.
    let mut n = 0;
    while processes.len() < 20_000 {
        let pid = alloc_pid();
        processes.push(if n % 2 == 0 {
            kernel_thread(pid, 2, &format!("kworker/{}:{}", n % 8, n))
        } else {
            process(
                pid,
                1,
                "agent",
                &format!("/usr/local/bin/agent --slot={n}"),
                ProcessRole::Other,
            )
        });
        n += 1;
    }
    if let Some(containerd) = cgroups
        .iter_mut()
        .find(|c| c.path == "/system.slice/containerd.service")
    {
        containerd.pids = std::iter::once(Pid(2841)).chain(shims).collect();
    }
    cgroups.sort_by(|a, b| a.path.cmp(&b.path));
    processes.sort_by_key(|p| p.pid);
    model.namespaces = namespaces_of(&processes, &model.containers);
    model.collection.counts.processes = processes.len() as u64;
    model.collection.counts.cgroups = cgroups.len() as u64;
    model.processes = processes;
    model.cgroups = cgroups;
    model
        .findings
        .sort_by(|a, b| (a.severity, &a.rule, &a.subject).cmp(&(b.severity, &b.rule, &b.subject)));
    model
}

/// A page whose collapsed bodies are stored compressed (`<!--z LENGTH BASE64-->`, see
/// analyzer/src/report/lazy.rs) turned back into the page with plain bodies, the way the page's
/// script reads them: the pieces joined in document order, ended, inflated, cut by length.
/// Panics on anything malformed, as a test should.
pub fn expand_lazy(html: &str) -> String {
    use std::io::Write;
    let mut stream = Vec::new();
    let mut lengths = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<!--z ") {
        let after = &rest[start + 6..];
        let end = after.find("-->").expect("a compressed body is closed");
        let (length, data) = after[..end].split_once(' ').expect("a length and base64");
        lengths.push(length.parse::<usize>().expect("a length"));
        stream.extend(cdp::decode_base64(data).expect("base64"));
        rest = &after[end + 3..];
    }
    stream.extend([3, 0]);
    let mut decoder = flate2::write::DeflateDecoder::new(Vec::new());
    decoder.write_all(&stream).expect("the pieces inflate");
    let inflated = decoder.finish().expect("one complete deflate stream");
    let mut bodies = Vec::new();
    let mut at = 0;
    for length in lengths {
        bodies.push(std::str::from_utf8(&inflated[at..at + length]).expect("UTF-8 bodies"));
        at += length;
    }
    assert_eq!(at, inflated.len(), "the lengths cover the stream");
    let mut page = String::with_capacity(html.len() + inflated.len());
    let mut rest = html;
    for body in bodies {
        let start = rest.find("<!--z ").expect("as many pieces as lengths");
        let end = start + rest[start..].find("-->").expect("closed") + 3;
        page.push_str(&rest[..start]);
        page.push_str("<!--");
        page.push_str(body);
        page.push_str("-->");
        rest = &rest[end..];
    }
    page.push_str(rest);
    page.replacen("data-lazy=\"deflate-raw\"", "data-lazy=\"plain\"", 1)
}

/// Where the tests leave files for people to look at: `target/report-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("report-screenshots");
    std::fs::create_dir_all(&dir).expect("cannot create target/report-screenshots");
    dir
}

/// Each start tag's name and attribute names, skipping the raw text of `<style>` and
/// `<script>` (checked separately). Node text is escaped, so any `<` left is markup. The
/// comments that hold lazy bodies are markup the page parses later, so their content counts.
pub fn tags_and_attributes(html: &str) -> Vec<(String, Vec<String>)> {
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
        let end = rest.find('>').expect("every tag is closed");
        let tag = &rest[..end];
        let mut words = tag.split_whitespace();
        let name = words.next().unwrap_or_default().to_ascii_lowercase();
        // Attribute names sit before `=` outside quoted values.
        let mut attributes = Vec::new();
        let mut in_quotes = false;
        let mut current = String::new();
        for c in tag[name.len()..].chars() {
            match c {
                '"' => in_quotes = !in_quotes,
                _ if in_quotes => {}
                '=' => {
                    attributes.push(std::mem::take(&mut current));
                }
                c if c.is_whitespace() => {
                    if !current.is_empty() {
                        attributes.push(std::mem::take(&mut current));
                    }
                }
                c => current.push(c),
            }
        }
        if !current.is_empty() {
            attributes.push(current);
        }
        rest = &rest[end + 1..];
        if name == "style" || name == "script" {
            let close = format!("</{name}>");
            let close_at = rest.find(&close).expect("raw text element is closed");
            rest = &rest[close_at + close.len()..];
        }
        attributes.retain(|a| !a.is_empty() && a != "html");
        found.push((name, attributes));
    }
    found
}
