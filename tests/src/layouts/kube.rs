//! Kubernetes nodes on CRI runtimes, built from a declarative pod list: containerd with the
//! systemd driver on cgroup v2, CRI-O with the systemd driver on cgroup v1, and k3s' embedded
//! containerd with the cgroupfs driver on cgroup v2. Each runtime places shims, containers and
//! cgroups the way it really does; the pods differ per layout to show what each layout claims.

use super::common::{
    add_kernel_threads, add_pod_log, burstable_oom_score_adj, group_debian, group_rhel,
    passwd_debian, passwd_rhel, quota_us, rfc3339, shares, LogFile, BESTEFFORT_OOM_SCORE_ADJ,
    GUARANTEED_OOM_SCORE_ADJ, MIB, SANDBOX_OOM_SCORE_ADJ,
};
use crate::fake_node::{
    modern_v1_hierarchies, CgroupSetup, CgroupSpec, FakeNode, NodeFacts, NsSet, Process,
};
use crate::runtime_files::{oci_config, string_map, OciNamespace, OciSpec};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Runtime {
    /// containerd + containerd-shim-runc-v2 per pod, systemd driver, cgroup v2.
    ContainerdSystemd,
    /// CRI-O + one conmon per container, systemd driver, cgroup v1.
    CrioSystemd,
    /// k3s' embedded containerd, cgroupfs driver, cgroup v2.
    K3sCgroupfs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Qos {
    Guaranteed,
    Burstable,
    BestEffort,
}

impl Qos {
    fn word(self) -> &'static str {
        match self {
            Qos::Guaranteed => "guaranteed",
            Qos::Burstable => "burstable",
            Qos::BestEffort => "besteffort",
        }
    }
}

/// One process inside a container after its first one.
struct Extra {
    argv: &'static [&'static str],
    title: Option<&'static str>,
    uid: u32,
    threads: u32,
    rss_kb: u64,
}

struct Ctr {
    name: &'static str,
    image: &'static str,
    argv: &'static [&'static str],
    /// setproctitle'd first process (postgres, nginx).
    title: Option<&'static str>,
    uid: u32,
    threads: u32,
    rss_kb: u64,
    cpu_request_m: u64,
    /// 0: no limit.
    cpu_limit_m: u64,
    mem_request_mib: u64,
    /// 0: no limit.
    mem_limit_mib: u64,
    extras: Vec<Extra>,
    /// Values layered on the limits: OOM kills, throttling, pids limit.
    trouble: Option<CgroupSpec>,
}

pub(super) struct Pod {
    uid: &'static str,
    name: &'static str,
    namespace: &'static str,
    qos: Qos,
    host_network: bool,
    host_pid: bool,
    share_pid: bool,
    pids_limit: Option<u64>,
    containers: Vec<Ctr>,
}

fn ctr(name: &'static str, image: &'static str, argv: &'static [&'static str]) -> Ctr {
    Ctr {
        name,
        image,
        argv,
        title: None,
        uid: 0,
        threads: 8,
        rss_kb: 24_000,
        cpu_request_m: 0,
        cpu_limit_m: 0,
        mem_request_mib: 0,
        mem_limit_mib: 0,
        extras: Vec::new(),
        trouble: None,
    }
}

impl Ctr {
    fn resources(mut self, cpu_req: u64, cpu_lim: u64, mem_req: u64, mem_lim: u64) -> Self {
        self.cpu_request_m = cpu_req;
        self.cpu_limit_m = cpu_lim;
        self.mem_request_mib = mem_req;
        self.mem_limit_mib = mem_lim;
        self
    }

    fn proc_shape(mut self, uid: u32, threads: u32, rss_kb: u64) -> Self {
        self.uid = uid;
        self.threads = threads;
        self.rss_kb = rss_kb;
        self
    }

    fn title(mut self, title: &'static str) -> Self {
        self.title = Some(title);
        self
    }

    fn extra(
        mut self,
        argv: &'static [&'static str],
        title: Option<&'static str>,
        uid: u32,
        threads: u32,
        rss_kb: u64,
    ) -> Self {
        self.extras.push(Extra {
            argv,
            title,
            uid,
            threads,
            rss_kb,
        });
        self
    }

    fn trouble(mut self, spec: CgroupSpec) -> Self {
        self.trouble = Some(spec);
        self
    }
}

fn pod(
    uid: &'static str,
    name: &'static str,
    namespace: &'static str,
    qos: Qos,
    containers: Vec<Ctr>,
) -> Pod {
    Pod {
        uid,
        name,
        namespace,
        qos,
        host_network: false,
        host_pid: false,
        share_pid: false,
        pids_limit: None,
        containers,
    }
}

/// A deterministic 64-hex container id from a label (FNV-1a, stretched).
pub(super) fn container_id(label: &str) -> String {
    let mut out = String::new();
    let mut h: u64 = 0xcbf29ce484222325;
    for round in 0u8..4 {
        for b in label.bytes().chain(std::iter::once(round)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
        out.push_str(&format!("{h:016x}"));
    }
    out
}

struct Ids {
    next_pid: u32,
    next_inode: u64,
}

impl Ids {
    fn pid(&mut self) -> u32 {
        self.next_pid += 1 + self.next_pid % 3;
        self.next_pid
    }

    fn inode(&mut self) -> u64 {
        self.next_inode += 1;
        self.next_inode
    }
}

struct Layout {
    runtime: Runtime,
    capacity_bytes: u64,
    started_secs: f64,
}

impl Layout {
    fn pod_cgroup(&self, pod: &Pod) -> String {
        let uid_ = pod.uid.replace('-', "_");
        match (self.runtime, pod.qos) {
            (Runtime::K3sCgroupfs, Qos::Guaranteed) => format!("/kubepods/pod{}", pod.uid),
            (Runtime::K3sCgroupfs, q) => format!("/kubepods/{}/pod{}", q.word(), pod.uid),
            (_, Qos::Guaranteed) => format!("/kubepods.slice/kubepods-pod{uid_}.slice"),
            (_, q) => format!(
                "/kubepods.slice/kubepods-{0}.slice/kubepods-{0}-pod{uid_}.slice",
                q.word()
            ),
        }
    }

    fn container_cgroup(&self, pod_cgroup: &str, id: &str) -> String {
        match self.runtime {
            Runtime::ContainerdSystemd => format!("{pod_cgroup}/cri-containerd-{id}.scope"),
            Runtime::CrioSystemd => format!("{pod_cgroup}/crio-{id}.scope"),
            Runtime::K3sCgroupfs => format!("{pod_cgroup}/{id}"),
        }
    }

    /// `linux.cgroupsPath` as the CRI runtime writes it into the OCI spec.
    fn cgroups_path(&self, pod_cgroup: &str, id: &str) -> String {
        let slice = pod_cgroup.rsplit('/').next().unwrap_or_default();
        match self.runtime {
            Runtime::ContainerdSystemd => format!("{slice}:cri-containerd:{id}"),
            Runtime::CrioSystemd => format!("{slice}:crio:{id}"),
            Runtime::K3sCgroupfs => format!("{pod_cgroup}/{id}"),
        }
    }

    fn v2(&self) -> bool {
        self.runtime != Runtime::CrioSystemd
    }
}

fn oom_adj(layout: &Layout, pod: &Pod, c: &Ctr) -> i32 {
    match pod.qos {
        Qos::Guaranteed => GUARANTEED_OOM_SCORE_ADJ,
        Qos::BestEffort => BESTEFFORT_OOM_SCORE_ADJ,
        Qos::Burstable => burstable_oom_score_adj(c.mem_request_mib * MIB, layout.capacity_bytes),
    }
}

/// Adds the pods' processes, cgroups and runtime files. `manager` is the pid shims (k3s and
/// containerd) are reparented from; CRI-O's conmon double-forks to pid 1 too.
fn add_pods(node: &mut FakeNode, layout: &Layout, pods: &[Pod], ids: &mut Ids) {
    let host = NsSet::host();
    let mut t = layout.started_secs;
    let mut burstable_shares = 0;
    for pod in pods {
        t += 7.3;
        let pod_cgroup = layout.pod_cgroup(pod);
        let sandbox_id = container_id(&format!("{}/{}/sandbox", pod.namespace, pod.name));
        let pod_cpu_req: u64 = pod.containers.iter().map(|c| c.cpu_request_m).sum();
        let all_cpu_limited = pod.containers.iter().all(|c| c.cpu_limit_m > 0);
        let all_mem_limited = pod.containers.iter().all(|c| c.mem_limit_mib > 0);
        let mut pod_spec = CgroupSpec::new().cpu_shares(shares(pod_cpu_req));
        if all_cpu_limited {
            pod_spec = pod_spec.cpu_quota(
                pod.containers.iter().map(|c| quota_us(c.cpu_limit_m)).sum(),
                100000,
            );
        }
        if all_mem_limited {
            pod_spec =
                pod_spec.memory_limit(pod.containers.iter().map(|c| c.mem_limit_mib * MIB).sum());
        }
        if let Some(max) = pod.pids_limit {
            pod_spec = pod_spec.pids_limit(max).pids_max_events(37);
        }
        node.cgroup(&pod_cgroup, pod_spec);
        if pod.qos == Qos::Burstable {
            burstable_shares += shares(pod_cpu_req);
        }

        // The pod's runtime helper: one shim per pod for containerd, one conmon per container
        // for CRI-O (made below).
        let shim_pid = match layout.runtime {
            Runtime::CrioSystemd => None,
            Runtime::ContainerdSystemd | Runtime::K3sCgroupfs => {
                let pid = ids.pid();
                let (bin, address, unit) = if layout.runtime == Runtime::K3sCgroupfs {
                    (
                        "/var/lib/rancher/k3s/data/3dfc950bd39d2e2b435291ab8c1333aa6051fcaf46325aee898819f3b99d4b21/bin/containerd-shim-runc-v2",
                        "/run/k3s/containerd/containerd.sock",
                        "/system.slice/k3s.service",
                    )
                } else {
                    (
                        "/usr/bin/containerd-shim-runc-v2",
                        "/run/containerd/containerd.sock",
                        "/system.slice/containerd.service",
                    )
                };
                let argv = [
                    bin,
                    "-namespace",
                    "k8s.io",
                    "-id",
                    sandbox_id.as_str(),
                    "-address",
                    address,
                ];
                node.process(
                    Process::new(pid, 1, &argv)
                        .threads(12)
                        .memory_kb(13_800, 722_000)
                        .started(t)
                        .cpu_ticks(1_200 + u64::from(pid % 400), 800)
                        .oom_score_adj(-998)
                        .cgroup(unit),
                );
                Some(pid)
            }
        };

        // The sandbox (pause) and its namespaces.
        let new_cgroup_ns = layout.v2();
        let sandbox_ns = NsSet {
            ipc: ids.inode(),
            mnt: ids.inode(),
            uts: if pod.host_network {
                host.uts
            } else {
                ids.inode()
            },
            pid: if pod.host_pid { host.pid } else { ids.inode() },
            net: if pod.host_network {
                host.net
            } else {
                ids.inode()
            },
            cgroup: if new_cgroup_ns {
                ids.inode()
            } else {
                host.cgroup
            },
            ..host
        };
        if !pod.host_network {
            // CNI pins the pod's network namespace with a bind mount of the nsfs inode.
            let netns = format!("/run/netns/cni-{}", netns_uuid(pod.uid));
            let line = format!(
                "0:4 net:[{}] {netns} rw shared:{} - nsfs nsfs rw",
                sandbox_ns.net,
                node.facts.extra_mounts.len() + 300
            );
            node.facts.extra_mounts.push(line);
        }
        let mut containers: Vec<(String, &Ctr, Option<&Ctr>)> =
            vec![(sandbox_id.clone(), &pod.containers[0], None)];
        for c in &pod.containers {
            containers.push((
                container_id(&format!("{}/{}/{}", pod.namespace, pod.name, c.name)),
                c,
                Some(c),
            ));
        }
        let mut pause_pid = 0;
        let mut next_inner = 1;
        for (id, c, app) in containers {
            t += 0.9;
            let parent = match shim_pid {
                Some(pid) => pid,
                None => {
                    let conmon = ids.pid();
                    let cgroup = format!("{pod_cgroup}/crio-conmon-{id}.scope");
                    let userdata =
                        format!("/run/containers/storage/overlay-containers/{id}/userdata");
                    let persist =
                        format!("/var/lib/containers/storage/overlay-containers/{id}/userdata");
                    let log = match app {
                        Some(a) => format!(
                            "/var/log/pods/{}_{}_{}/{}/0.log",
                            pod.namespace, pod.name, pod.uid, a.name
                        ),
                        None => format!(
                            "/var/log/pods/{}_{}_{}/{id}.log",
                            pod.namespace, pod.name, pod.uid
                        ),
                    };
                    let name = match app {
                        Some(a) => format!(
                            "k8s_{}_{}_{}_{}_0",
                            a.name, pod.name, pod.namespace, pod.uid
                        ),
                        None => format!("k8s_POD_{}_{}_{}_0", pod.name, pod.namespace, pod.uid),
                    };
                    let argv: Vec<String> = vec![
                        "/usr/bin/conmon".into(),
                        "-b".into(),
                        userdata.clone(),
                        "-c".into(),
                        id.clone(),
                        "--exit-dir".into(),
                        "/var/run/crio/exits".into(),
                        "-l".into(),
                        log,
                        "--log-level".into(),
                        "info".into(),
                        "-n".into(),
                        name,
                        "--pidfile".into(),
                        format!("{userdata}/conmon-pidfile"),
                        "-p".into(),
                        format!("{userdata}/pidfile"),
                        "--persist-dir".into(),
                        persist,
                        "-r".into(),
                        "/usr/bin/runc".into(),
                        "--runtime-arg".into(),
                        "--root=/run/runc".into(),
                        "--socket-dir-path".into(),
                        "/var/run/crio".into(),
                        "--syslog".into(),
                        "-u".into(),
                        id.clone(),
                        "-s".into(),
                    ];
                    let argv_refs: Vec<&str> = argv.iter().map(String::as_str).collect();
                    node.process(
                        Process::new(conmon, 1, &argv_refs)
                            .threads(2)
                            .memory_kb(1_680, 145_000)
                            .started(t - 0.1)
                            .oom_score_adj(-1000)
                            .cgroup(&cgroup),
                    );
                    node.cgroup(&cgroup, CgroupSpec::new());
                    conmon
                }
            };
            let ctr_cgroup = layout.container_cgroup(&pod_cgroup, &id);
            add_rootfs_mount(node, layout.runtime, &id);
            let pid = ids.pid();
            let (ns, inner) = match app {
                None => {
                    pause_pid = pid;
                    (sandbox_ns, if pod.host_pid { Vec::new() } else { vec![1] })
                }
                Some(_) => {
                    let pid_ns = if pod.host_pid {
                        host.pid
                    } else if pod.share_pid {
                        sandbox_ns.pid
                    } else {
                        ids.inode()
                    };
                    let ns = NsSet {
                        mnt: ids.inode(),
                        pid: pid_ns,
                        cgroup: if new_cgroup_ns {
                            ids.inode()
                        } else {
                            host.cgroup
                        },
                        ..sandbox_ns
                    };
                    let inner = if pod.host_pid {
                        Vec::new()
                    } else if pod.share_pid {
                        next_inner += 1;
                        vec![next_inner]
                    } else {
                        vec![1]
                    };
                    (ns, inner)
                }
            };
            let adj = if app.is_none() {
                SANDBOX_OOM_SCORE_ADJ
            } else {
                oom_adj(layout, pod, c)
            };
            let spec = match app {
                None => CgroupSpec::new().cpu_shares(2),
                Some(a) => {
                    let mut s = a.trouble.clone().unwrap_or_else(CgroupSpec::new);
                    s.cpu_shares = Some(shares(a.cpu_request_m));
                    if a.cpu_limit_m > 0 {
                        s.cpu_quota_us = Some(quota_us(a.cpu_limit_m));
                        s.cpu_period_us = Some(100000);
                    }
                    if a.mem_limit_mib > 0 {
                        s.memory_limit = crate::fake_node::Limit::Value(a.mem_limit_mib * MIB);
                    }
                    s
                }
            };
            node.cgroup(&ctr_cgroup, spec);
            let first = match app {
                None => Process::new(pid, parent, &["/pause"])
                    .memory_kb(512, 996)
                    .threads(1)
                    .cpu_ticks(0, 2),
                Some(a) => {
                    let p = Process::new(pid, parent, a.argv)
                        .user(a.uid, a.uid)
                        .threads(a.threads)
                        .memory_kb(a.rss_kb, a.rss_kb * 6)
                        .cpu_ticks(u64::from(pid % 9000) + 400, u64::from(pid % 3000) + 120);
                    match a.title {
                        Some(title) => p.retitled(title, 0),
                        None => p,
                    }
                }
            };
            node.process(
                first
                    .started(t)
                    .oom_score_adj(adj)
                    .cgroup(&ctr_cgroup)
                    .ns(ns)
                    .inner_pids(&inner),
            );
            if let Some(a) = app {
                for e in &a.extras {
                    let child = ids.pid();
                    let child_inner: Vec<u32> = if pod.host_pid {
                        Vec::new()
                    } else {
                        next_inner += 1;
                        let base = inner.first().copied().unwrap_or(1);
                        vec![if pod.share_pid {
                            next_inner
                        } else {
                            base + next_inner
                        }]
                    };
                    let mut p = Process::new(child, pid, e.argv)
                        .user(e.uid, e.uid)
                        .threads(e.threads)
                        .memory_kb(e.rss_kb, e.rss_kb * 5)
                        .started(t + 0.3)
                        .group(pid, pid)
                        .oom_score_adj(adj)
                        .cgroup(&ctr_cgroup)
                        .ns(ns)
                        .inner_pids(&child_inner);
                    if let Some(title) = e.title {
                        p = p.retitled(title, 0);
                    }
                    node.process(p);
                }
                add_pod_log(
                    node,
                    pod.namespace,
                    pod.name,
                    pod.uid,
                    a.name,
                    &id,
                    LogFile::Cri,
                );
            }
            add_runtime_config(
                node,
                layout,
                pod,
                &pod_cgroup,
                &id,
                &sandbox_id,
                app,
                pause_pid,
                pid,
            );
        }
    }
    let qos_root = if layout.runtime == Runtime::K3sCgroupfs {
        "/kubepods"
    } else {
        "/kubepods.slice"
    };
    let (burstable, besteffort) = if layout.runtime == Runtime::K3sCgroupfs {
        (
            "/kubepods/burstable".to_string(),
            "/kubepods/besteffort".to_string(),
        )
    } else {
        (
            "/kubepods.slice/kubepods-burstable.slice".to_string(),
            "/kubepods.slice/kubepods-besteffort.slice".to_string(),
        )
    };
    node.cgroup(
        qos_root,
        CgroupSpec::new()
            .cpu_shares(4 * 1024 - 102)
            .memory_limit(layout.capacity_bytes - 512 * MIB),
    );
    node.cgroup(
        &burstable,
        CgroupSpec::new()
            .cpu_shares(burstable_shares.max(2))
            .everywhere(),
    );
    node.cgroup(&besteffort, CgroupSpec::new().cpu_shares(2).everywhere());
}

#[allow(clippy::too_many_arguments)]
fn add_runtime_config(
    node: &mut FakeNode,
    layout: &Layout,
    pod: &Pod,
    pod_cgroup: &str,
    id: &str,
    sandbox_id: &str,
    app: Option<&Ctr>,
    pause_pid: u32,
    pid: u32,
) {
    let v2 = layout.v2();
    let netns = format!("/var/run/netns/cni-{}", netns_uuid(pod.uid));
    let mut namespaces = Vec::new();
    match app {
        None => {
            if !pod.host_pid {
                namespaces.push(OciNamespace::new("pid"));
            }
            namespaces.push(OciNamespace::new("ipc"));
            if !pod.host_network {
                namespaces.push(OciNamespace::new("uts"));
            }
            namespaces.push(OciNamespace::new("mount"));
            if !pod.host_network {
                namespaces.push(OciNamespace::joining("network", &netns));
            }
        }
        Some(_) => {
            let join = |kind: &str, link: &str| {
                OciNamespace::joining(kind, &format!("/proc/{pause_pid}/ns/{link}"))
            };
            if pod.share_pid {
                namespaces.push(join("pid", "pid"));
            } else if !pod.host_pid {
                namespaces.push(OciNamespace::new("pid"));
            }
            namespaces.push(join("ipc", "ipc"));
            if !pod.host_network {
                namespaces.push(join("uts", "uts"));
            }
            namespaces.push(OciNamespace::new("mount"));
            if !pod.host_network {
                namespaces.push(join("network", "net"));
            }
        }
    }
    if v2 {
        namespaces.push(OciNamespace::new("cgroup"));
    }
    let (args, uid, container_type, container_name, image) = match app {
        None => (
            vec!["/pause".to_string()],
            65535,
            "sandbox",
            "POD",
            "registry.k8s.io/pause:3.9",
        ),
        Some(a) => (
            a.argv.iter().map(|s| s.to_string()).collect(),
            a.uid,
            "container",
            a.name,
            a.image,
        ),
    };
    let log_dir = format!("/var/log/pods/{}_{}_{}", pod.namespace, pod.name, pod.uid);
    let annotations = if layout.runtime == Runtime::CrioSystemd {
        let name = format!(
            "k8s_{container_name}_{}_{}_{}_0",
            pod.name, pod.namespace, pod.uid
        );
        let mut a = string_map(&[
            ("io.kubernetes.cri-o.ContainerID", id),
            ("io.kubernetes.cri-o.ContainerName", &name),
            ("io.kubernetes.cri-o.ContainerType", container_type),
            ("io.kubernetes.cri-o.SandboxID", sandbox_id),
            ("io.kubernetes.cri-o.Image", image),
            ("io.kubernetes.cri-o.ImageName", image),
            (
                "io.kubernetes.cri-o.CgroupParent",
                pod_cgroup.rsplit('/').next().unwrap_or_default(),
            ),
            (
                "io.kubernetes.cri-o.LogPath",
                &format!("{log_dir}/{container_name}/0.log"),
            ),
            ("io.kubernetes.pod.name", pod.name),
            ("io.kubernetes.pod.namespace", pod.namespace),
            ("io.kubernetes.pod.uid", pod.uid),
            ("io.kubernetes.container.name", container_name),
            (
                "io.kubernetes.cri-o.Created",
                &rfc3339(1_704_700_000.0 + f64::from(pid)),
            ),
        ]);
        if app.is_none() {
            a.insert(
                "io.kubernetes.cri-o.HostNetwork".into(),
                pod.host_network.to_string(),
            );
            a.insert(
                "io.kubernetes.cri-o.NamespaceOptions".into(),
                format!(
                    "{{\"network\":{},\"pid\":{}}}",
                    if pod.host_network { 2 } else { 0 },
                    if pod.host_pid {
                        2
                    } else if pod.share_pid {
                        0
                    } else {
                        1
                    }
                ),
            );
        }
        a
    } else {
        let mut a = string_map(&[
            ("io.kubernetes.cri.container-type", container_type),
            ("io.kubernetes.cri.sandbox-id", sandbox_id),
            ("io.kubernetes.cri.sandbox-name", pod.name),
            ("io.kubernetes.cri.sandbox-namespace", pod.namespace),
            ("io.kubernetes.cri.sandbox-uid", pod.uid),
        ]);
        match app {
            None => {
                a.insert("io.kubernetes.cri.sandbox-log-directory".into(), log_dir);
                a.insert("io.kubernetes.cri.sandbox-cpu-shares".into(), "2".into());
            }
            Some(c) => {
                a.insert("io.kubernetes.cri.container-name".into(), c.name.into());
                a.insert("io.kubernetes.cri.image-name".into(), c.image.into());
            }
        }
        a
    };
    let spec = OciSpec {
        args,
        env: vec![
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
            format!("HOSTNAME={}", pod.name),
            "KUBERNETES_SERVICE_HOST=10.43.0.1".into(),
        ],
        hostname: pod.name.to_string(),
        uid,
        gid: uid,
        annotations,
        namespaces,
        cgroups_path: layout.cgroups_path(pod_cgroup, id),
        rootfs: "rootfs".into(),
    };
    let (path, pretty) = match layout.runtime {
        Runtime::ContainerdSystemd => (
            format!("run/containerd/io.containerd.runtime.v2.task/k8s.io/{id}/config.json"),
            false,
        ),
        Runtime::K3sCgroupfs => (
            format!("run/k3s/containerd/io.containerd.runtime.v2.task/k8s.io/{id}/config.json"),
            false,
        ),
        Runtime::CrioSystemd => (
            format!("var/lib/containers/storage/overlay-containers/{id}/userdata/config.json"),
            true,
        ),
    };
    node.file(&path, oci_config(&spec, pretty));
}

/// Host services: (pid, unit, argv, uid, threads, rss kB, oom_score_adj).
type Service = (
    u32,
    &'static str,
    &'static [&'static str],
    u32,
    u32,
    u64,
    i32,
);

fn add_services(node: &mut FakeNode, services: &[Service], started: f64) {
    for (i, (pid, unit, argv, uid, threads, rss, adj)) in services.iter().enumerate() {
        node.process(
            Process::new(*pid, 1, argv)
                .user(*uid, *uid)
                .threads(*threads)
                .memory_kb(*rss, rss * 5 + 60_000)
                .started(started + i as f64 * 0.4)
                .cpu_ticks(u64::from(*pid % 700) + 30, u64::from(*pid % 300) + 12)
                .oom_score_adj(*adj)
                .cgroup(&format!("/system.slice/{unit}")),
        );
    }
}

fn systemd_pid1(node: &mut FakeNode, argv: &[&str]) {
    node.process(
        Process::new(1, 0, argv)
            .comm("systemd")
            .memory_kb(12_880, 167_700)
            .started(0.52)
            .cpu_ticks(1_904, 2_511)
            .cgroup("/init.scope"),
    );
}

const UBUNTU_2204: &str = "PRETTY_NAME=\"Ubuntu 22.04.3 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.3 LTS (Jammy Jellyfish)\"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\nHOME_URL=\"https://www.ubuntu.com/\"\nSUPPORT_URL=\"https://help.ubuntu.com/\"\nBUG_REPORT_URL=\"https://bugs.launchpad.net/ubuntu/\"\nPRIVACY_POLICY_URL=\"https://www.ubuntu.com/legal/terms-and-policies/privacy-policy\"\nUBUNTU_CODENAME=jammy\n";

/// containerd 1.7 with the systemd cgroup driver on cgroup v2 (Ubuntu 22.04, kubeadm).
pub fn containerd_v2_systemd() -> FakeNode {
    let capacity_kb = 8_137_688;
    let facts = NodeFacts {
        hostname: "worker-2".into(),
        kernel_release: "5.15.0-91-generic".into(),
        kernel_build: "(buildd@lcy02-amd64-045) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023".into(),
        os_release: UBUNTU_2204.into(),
        boot_epoch: 1_704_612_310,
        uptime_centis: 8_842_117,
        boot_id: "c0d8f3a2-6b41-4e7e-9a55-1f2e3d4c5b6a".into(),
        pid_max: 4_194_304,
        cpus: 4,
        mem_total_kb: capacity_kb,
        mem_available_kb: 4_930_112,
        passwd: passwd_debian(&[]),
        group: group_debian(&[]),
        extra_mounts: Vec::new(),
        root_mount: "8:1 ext4 /dev/sda1 rw,discard,errors=remount-ro".into(),
    };
    let mut node = FakeNode::new(
        facts,
        CgroupSetup::v2(&[
            "cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc",
        ]),
    );
    add_kernel_threads(&mut node, true);
    systemd_pid1(&mut node, &["/sbin/init"]);
    add_services(
        &mut node,
        &[
            (
                312,
                "systemd-journald.service",
                &["/lib/systemd/systemd-journald"],
                0,
                1,
                31_200,
                -250,
            ),
            (
                351,
                "systemd-udevd.service",
                &["/lib/systemd/systemd-udevd"],
                0,
                1,
                6_900,
                -1000,
            ),
            (
                520,
                "systemd-networkd.service",
                &["/lib/systemd/systemd-networkd"],
                100,
                1,
                8_100,
                0,
            ),
            (
                522,
                "systemd-resolved.service",
                &["/lib/systemd/systemd-resolved"],
                101,
                1,
                12_600,
                0,
            ),
            (
                604,
                "dbus.service",
                &[
                    "@dbus-daemon",
                    "--system",
                    "--address=systemd:",
                    "--nofork",
                    "--nopidfile",
                    "--systemd-activation",
                    "--syslog-only",
                ],
                103,
                1,
                5_100,
                -900,
            ),
            (
                611,
                "cron.service",
                &["/usr/sbin/cron", "-f", "-P"],
                0,
                1,
                2_700,
                0,
            ),
            (
                640,
                "rsyslog.service",
                &["/usr/sbin/rsyslogd", "-n", "-iNONE"],
                106,
                4,
                5_200,
                0,
            ),
            (
                702,
                "ssh.service",
                &["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"],
                0,
                1,
                7_400,
                -1000,
            ),
            (
                733,
                "containerd.service",
                &["/usr/bin/containerd"],
                0,
                14,
                61_300,
                -999,
            ),
            (
                1021,
                "kubelet.service",
                &[
                    "/usr/bin/kubelet",
                    "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
                    "--kubeconfig=/etc/kubernetes/kubelet.conf",
                    "--config=/var/lib/kubelet/config.yaml",
                    "--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock",
                    "--pod-infra-container-image=registry.k8s.io/pause:3.9",
                ],
                0,
                17,
                98_400,
                -999,
            ),
        ],
        3.0,
    );
    if let Some(sshd) = node.get_process(702).cloned() {
        node.process(sshd.comm("sshd"));
    }
    if let Some(dbus) = node.get_process(604).cloned() {
        node.process(dbus.comm("dbus-daemon"));
    }
    let mut proxy = pod(
        "0f3c9a52-8d1e-4b7a-9c6f-2a1b3c4d5e6f",
        "kube-proxy-q8z5m",
        "kube-system",
        Qos::BestEffort,
        vec![ctr(
            "kube-proxy",
            "registry.k8s.io/kube-proxy:v1.28.4",
            &[
                "/usr/local/bin/kube-proxy",
                "--config=/var/lib/kube-proxy/config.conf",
                "--hostname-override=worker-2",
            ],
        )
        .proc_shape(0, 9, 52_000)],
    );
    proxy.host_network = true;
    let pods = vec![
        proxy,
        pod(
            "5b2e7c1d-3f4a-4d8e-8a9b-6c7d8e9f0a1b",
            "coredns-5d78c9869d-7lq2x",
            "kube-system",
            Qos::Burstable,
            vec![ctr(
                "coredns",
                "registry.k8s.io/coredns/coredns:v1.10.1",
                &["/coredns", "-conf", "/etc/coredns/Corefile"],
            )
            .proc_shape(65532, 11, 21_400)
            .resources(100, 0, 70, 170)],
        ),
        pod(
            "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d",
            "api-7d9f8c6b5-x2kq9",
            "shop",
            Qos::Burstable,
            vec![
                ctr(
                    "api",
                    "ghcr.io/example/shop-api:2.14.0",
                    &[
                        "/app/api",
                        "--listen=:8080",
                        "--db-password=s3cr3t-DO-NOT-SHIP-7f3a9c",
                    ],
                )
                .proc_shape(1000, 23, 251_000)
                .resources(250, 200, 128, 256)
                .trouble(
                    CgroupSpec::new()
                        .oom(3, 41, 41)
                        .throttling(88_213, 71_902, 9_412_554_001)
                        .memory_extra(3 * MIB),
                ),
                ctr(
                    "envoy",
                    "envoyproxy/envoy:v1.28.0",
                    &["envoy", "-c", "/etc/envoy/envoy.yaml"],
                )
                .proc_shape(101, 14, 38_000)
                .resources(50, 500, 64, 128),
            ],
        ),
        pod(
            "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
            "postgres-0",
            "shop",
            Qos::Guaranteed,
            vec![ctr("postgres", "postgres:16.1", &["postgres"])
                .proc_shape(999, 1, 31_000)
                .resources(1000, 1000, 1024, 1024)
                .extra(
                    &["postgres: checkpointer "],
                    Some("postgres: checkpointer "),
                    999,
                    1,
                    9_800,
                )
                .extra(
                    &["postgres: background writer "],
                    Some("postgres: background writer "),
                    999,
                    1,
                    6_300,
                )
                .extra(
                    &["postgres: walwriter "],
                    Some("postgres: walwriter "),
                    999,
                    1,
                    8_100,
                )],
        ),
        pod(
            "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b",
            "report-28391520-zt6vn",
            "batch",
            Qos::BestEffort,
            vec![ctr(
                "report",
                "ghcr.io/example/report:1.3.2",
                &["python3", "-m", "report", "--daily"],
            )
            .proc_shape(1000, 3, 88_000)],
        ),
    ];
    let layout = Layout {
        runtime: Runtime::ContainerdSystemd,
        capacity_bytes: capacity_kb * 1024,
        started_secs: 31.0,
    };
    let mut ids = Ids {
        next_pid: 1_150,
        next_inode: 4_026_532_280,
    };
    add_pods(&mut node, &layout, &pods, &mut ids);
    node
}

/// CRI-O with one conmon per container and the systemd driver on cgroup v1 (OpenShift 4 on
/// RHCOS, RHEL 8 kernel).
pub fn crio_v1_systemd() -> FakeNode {
    let capacity_kb = 16_105_004;
    let facts = NodeFacts {
        hostname: "worker-0.ocp.example.com".into(),
        kernel_release: "4.18.0-372.73.1.el8_6.x86_64".into(),
        kernel_build: "(mockbuild@x86-vm-08.build.eng.bos.redhat.com) (gcc version 8.5.0 20210514 (Red Hat 8.5.0-10) (GCC)) #1 SMP Fri Sep 8 13:16:27 EDT 2023".into(),
        os_release: "NAME=\"Red Hat Enterprise Linux CoreOS\"\nID=\"rhcos\"\nID_LIKE=\"rhel fedora\"\nVERSION=\"411.86.202310031736-0\"\nVERSION_ID=\"4.11\"\nVARIANT=\"CoreOS\"\nVARIANT_ID=coreos\nPLATFORM_ID=\"platform:el8\"\nPRETTY_NAME=\"Red Hat Enterprise Linux CoreOS 411.86.202310031736-0 (Ootpa)\"\nOPENSHIFT_VERSION=\"4.11\"\nRHEL_VERSION=\"8.6\"\n".into(),
        boot_epoch: 1_697_001_240,
        uptime_centis: 220_918_554,
        boot_id: "1a7e3c55-9b2d-4f08-a6c1-7d3e9f2b4a80".into(),
        pid_max: 4_194_304,
        cpus: 8,
        mem_total_kb: capacity_kb,
        mem_available_kb: 9_120_544,
        passwd: passwd_rhel(&["core:x:1000:1000:CoreOS Admin:/var/home/core:/bin/bash"]),
        group: group_rhel(&["core:x:1000:"]),
        extra_mounts: Vec::new(),
        root_mount: "252:4 xfs /dev/vda4 rw,seclabel,attr2,inode64,logbufs=8,logbsize=32k,prjquota".into(),
    };
    let mut node = FakeNode::new(facts, CgroupSetup::v1(modern_v1_hierarchies()));
    add_kernel_threads(&mut node, true);
    systemd_pid1(
        &mut node,
        &[
            "/usr/lib/systemd/systemd",
            "--switched-root",
            "--system",
            "--deserialize",
            "16",
        ],
    );
    // systemd 239 realizes units in every v1 controller it manages once accounting is on, as
    // OpenShift turns it on.
    add_services(&mut node, &[
        (760, "systemd-journald.service", &["/usr/lib/systemd/systemd-journald"], 0, 1, 120_400, -250),
        (795, "systemd-udevd.service", &["/usr/lib/systemd/systemd-udevd"], 0, 1, 9_100, -1000),
        (1071, "dbus.service", &["/usr/bin/dbus-daemon", "--system", "--address=systemd:", "--nofork", "--nopidfile", "--systemd-activation", "--syslog-only"], 81, 1, 4_900, -900),
        (1093, "chronyd.service", &["/usr/sbin/chronyd"], 996, 1, 3_300, 0),
        (1122, "NetworkManager.service", &["/usr/sbin/NetworkManager", "--no-daemon"], 0, 3, 15_400, 0),
        (1230, "sshd.service", &["/usr/sbin/sshd", "-D"], 0, 1, 7_800, 0),
        (1517, "crio.service", &["/usr/bin/crio"], 0, 24, 142_000, -999),
        (1668, "kubelet.service", &["/usr/bin/kubelet", "--config=/etc/kubernetes/kubelet.conf", "--bootstrap-kubeconfig=/etc/kubernetes/kubeconfig", "--kubeconfig=/var/lib/kubelet/kubeconfig", "--container-runtime-endpoint=/var/run/crio/crio.sock", "--runtime-cgroups=/system.slice/crio.service", "--node-ip=10.0.12.41", "--pod-infra-container-image=quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:1e2c", "--system-reserved=cpu=500m,memory=1Gi"], 0, 31, 181_000, -999),
    ], 4.0);
    let mut exporter = pod(
        "d41f6a3e-2b8c-4e1d-9f7a-6c5b4a3d2e1f",
        "node-exporter-x7kqp",
        "openshift-monitoring",
        Qos::Burstable,
        vec![
            ctr(
                "node-exporter",
                "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0a9f",
                &[
                    "/bin/node_exporter",
                    "--web.listen-address=127.0.0.1:9100",
                    "--path.sysfs=/host/sys",
                    "--path.rootfs=/host/root",
                ],
            )
            .proc_shape(65534, 9, 28_000)
            .resources(8, 0, 32, 0),
            ctr(
                "kube-rbac-proxy",
                "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:77bd",
                &[
                    "/usr/bin/kube-rbac-proxy",
                    "--secure-listen-address=[$(IP)]:9100",
                    "--upstream=http://127.0.0.1:9100/",
                ],
            )
            .proc_shape(65534, 10, 22_000)
            .resources(1, 0, 15, 0),
        ],
    );
    exporter.host_network = true;
    exporter.host_pid = true;
    let pods = vec![
        exporter,
        pod(
            "6f0e1d2c-3b4a-4596-8877-665544332211",
            "dns-default-8vwm4",
            "openshift-dns",
            Qos::Burstable,
            vec![
                ctr(
                    "dns",
                    "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:4c1e",
                    &["coredns", "-conf", "/etc/coredns/Corefile"],
                )
                .proc_shape(0, 12, 37_000)
                .resources(50, 0, 70, 0),
                ctr(
                    "kube-rbac-proxy",
                    "quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:77bd",
                    &[
                        "/usr/bin/kube-rbac-proxy",
                        "--secure-listen-address=:9154",
                        "--upstream=http://127.0.0.1:9153/",
                    ],
                )
                .proc_shape(65534, 9, 19_000)
                .resources(10, 0, 40, 0),
            ],
        ),
        pod(
            "ab12cd34-ef56-4789-a0b1-c2d3e4f5a6b7",
            "web-6c9f7b8d4-lm2np",
            "shop",
            Qos::Burstable,
            vec![ctr(
                "nginx",
                "registry.example.com/shop/web:3.2.1",
                &["nginx", "-g", "daemon off;"],
            )
            .title("nginx: master process nginx -g daemon off;")
            .proc_shape(1001, 1, 6_200)
            .resources(200, 1000, 128, 512)
            .extra(
                &["nginx: worker process"],
                Some("nginx: worker process"),
                1001,
                1,
                9_900,
            )
            .extra(
                &["nginx: worker process"],
                Some("nginx: worker process"),
                1001,
                1,
                9_850,
            )],
        ),
        pod(
            "3e4f5a6b-7c8d-4e9f-a0b1-2c3d4e5f6a7b",
            "cache-0",
            "shop",
            Qos::Guaranteed,
            vec![ctr(
                "redis",
                "registry.redhat.io/rhel8/redis-6:1-110",
                &["redis-server", "*:6379"],
            )
            .proc_shape(1001, 5, 412_000)
            .resources(500, 500, 1024, 1024)],
        ),
    ];
    let layout = Layout {
        runtime: Runtime::CrioSystemd,
        capacity_bytes: capacity_kb * 1024,
        started_secs: 48.0,
    };
    let mut ids = Ids {
        next_pid: 2_290,
        next_inode: 4_026_532_500,
    };
    add_pods(&mut node, &layout, &pods, &mut ids);
    node
}

/// k3s with its embedded containerd and the cgroupfs driver on cgroup v2 (Debian 12).
pub fn k3s_v2_cgroupfs() -> FakeNode {
    let capacity_kb = 4_005_292;
    let facts = NodeFacts {
        hostname: "edge-01".into(),
        kernel_release: "6.1.0-13-amd64".into(),
        kernel_build: "(debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)".into(),
        os_release: "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"\nSUPPORT_URL=\"https://www.debian.org/support\"\nBUG_REPORT_URL=\"https://bugs.debian.org/\"\n".into(),
        boot_epoch: 1_699_873_051,
        uptime_centis: 59_311_842,
        boot_id: "e7a1b2c3-d4e5-4f60-8172-93a4b5c6d7e8".into(),
        pid_max: 4_194_304,
        cpus: 2,
        mem_total_kb: capacity_kb,
        mem_available_kb: 1_722_004,
        passwd: passwd_debian(&[]),
        group: group_debian(&[]),
        extra_mounts: Vec::new(),
        root_mount: "179:2 ext4 /dev/mmcblk0p2 rw,noatime".into(),
    };
    let mut node = FakeNode::new(
        facts,
        CgroupSetup::v2(&[
            "cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc",
        ]),
    );
    add_kernel_threads(&mut node, true);
    systemd_pid1(&mut node, &["/sbin/init"]);
    add_services(
        &mut node,
        &[
            (
                244,
                "systemd-journald.service",
                &["/lib/systemd/systemd-journald"],
                0,
                1,
                19_800,
                -250,
            ),
            (
                270,
                "systemd-udevd.service",
                &["/lib/systemd/systemd-udevd"],
                0,
                1,
                6_100,
                -1000,
            ),
            (
                402,
                "dbus.service",
                &[
                    "/usr/bin/dbus-daemon",
                    "--system",
                    "--address=systemd:",
                    "--nofork",
                    "--nopidfile",
                    "--systemd-activation",
                    "--syslog-only",
                ],
                103,
                1,
                4_400,
                -900,
            ),
            (
                455,
                "ssh.service",
                &["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"],
                0,
                1,
                6_900,
                -1000,
            ),
            (
                611,
                "k3s.service",
                &["/usr/local/bin/k3s", "server"],
                0,
                19,
                412_000,
                -999,
            ),
        ],
        2.5,
    );
    if let Some(sshd) = node.get_process(455).cloned() {
        node.process(sshd.comm("sshd"));
    }
    // k3s rewrites its argv and names its main thread k3s-server; containerd is its child.
    if let Some(k3s) = node.get_process(611).cloned() {
        node.process(
            k3s.comm("k3s-server")
                .retitled("/usr/local/bin/k3s server", 8),
        );
    }
    node.process(
        Process::new(
            640,
            611,
            &[
                "containerd",
                "-c",
                "/var/lib/rancher/k3s/agent/etc/containerd/config.toml",
                "-a",
                "/run/k3s/containerd/containerd.sock",
                "--state",
                "/run/k3s/containerd",
                "--root",
                "/var/lib/rancher/k3s/agent/containerd",
            ],
        )
        .threads(13)
        .memory_kb(48_000, 1_300_000)
        .started(9.8)
        .oom_score_adj(-999)
        .cgroup("/system.slice/k3s.service"),
    );
    let mut shared = pod(
        "41c2e5f6-a7b8-4c9d-8e0f-a1b2c3d4e5f6",
        "php-app-5f7d9c8b6-qt4rs",
        "web",
        Qos::Burstable,
        vec![
            ctr(
                "nginx",
                "nginx:1.25-alpine",
                &["nginx", "-g", "daemon off;"],
            )
            .title("nginx: master process nginx -g daemon off;")
            .proc_shape(0, 1, 5_100)
            .resources(50, 0, 32, 0)
            .extra(
                &["nginx: worker process"],
                Some("nginx: worker process"),
                101,
                1,
                7_800,
            ),
            ctr("php-fpm", "php:8.2-fpm-alpine", &["php-fpm"])
                .title("php-fpm: master process (/usr/local/etc/php-fpm.conf)")
                .proc_shape(0, 1, 19_000)
                .resources(100, 0, 128, 256)
                .extra(
                    &["php-fpm: pool www"],
                    Some("php-fpm: pool www"),
                    82,
                    1,
                    24_000,
                )
                .extra(
                    &["php-fpm: pool www"],
                    Some("php-fpm: pool www"),
                    82,
                    1,
                    23_500,
                ),
        ],
    );
    shared.share_pid = true;
    let mut crawler = pod(
        "8d9e0f1a-2b3c-4d5e-9f6a-7b8c9d0e1f2a",
        "crawler-66b8d7f5c4-9hx2w",
        "web",
        Qos::Burstable,
        vec![ctr(
            "crawler",
            "ghcr.io/example/crawler:0.9.4",
            &["java", "-Xmx512m", "-jar", "/app/crawler.jar"],
        )
        .proc_shape(1000, 1003, 601_000)
        .resources(250, 1000, 512, 768)],
    );
    crawler.pids_limit = Some(1024);
    let pods = vec![
        pod(
            "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
            "coredns-6799fbcd5-nkx7j",
            "kube-system",
            Qos::Burstable,
            vec![ctr(
                "coredns",
                "rancher/mirrored-coredns-coredns:1.10.1",
                &["/coredns", "-conf", "/etc/coredns/Corefile"],
            )
            .proc_shape(65532, 9, 19_500)
            .resources(100, 0, 70, 170)],
        ),
        pod(
            "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
            "local-path-provisioner-84db5d44d9-4xq5b",
            "kube-system",
            Qos::BestEffort,
            vec![ctr(
                "local-path-provisioner",
                "rancher/local-path-provisioner:v0.0.24",
                &[
                    "local-path-provisioner",
                    "start",
                    "--config",
                    "/etc/config/config.json",
                ],
            )
            .proc_shape(0, 8, 14_200)],
        ),
        pod(
            "9f0a1b2c-3d4e-4f5a-8b6c-7d8e9f0a1b2c",
            "traefik-f4564c4f4-t8m2d",
            "kube-system",
            Qos::BestEffort,
            vec![ctr(
                "traefik",
                "rancher/mirrored-library-traefik:2.10.5",
                &["/entrypoint.sh", "--entrypoints.web.address=:8000/tcp"],
            )
            .proc_shape(65532, 10, 61_000)],
        ),
        shared,
        crawler,
    ];
    let layout = Layout {
        runtime: Runtime::K3sCgroupfs,
        capacity_bytes: capacity_kb * 1024,
        started_secs: 24.0,
    };
    let mut ids = Ids {
        next_pid: 880,
        next_inode: 4_026_532_300,
    };
    add_pods(&mut node, &layout, &pods, &mut ids);
    node
}

/// The uuid CNI gives a pod's network namespace file, derived from the pod uid.
fn netns_uuid(pod_uid: &str) -> String {
    let hex = container_id(&format!("netns/{pod_uid}"));
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The overlay mount of a container's rootfs in pid 1's mountinfo, where the runtime mounts it.
fn add_rootfs_mount(node: &mut FakeNode, runtime: Runtime, id: &str) {
    let n = node.facts.extra_mounts.len();
    let layers = container_id(&format!("layers/{id}"));
    let (target, snapshots) = match runtime {
        Runtime::ContainerdSystemd => (
            format!("/run/containerd/io.containerd.runtime.v2.task/k8s.io/{id}/rootfs"),
            "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots",
        ),
        Runtime::K3sCgroupfs => (
            format!("/run/k3s/containerd/io.containerd.runtime.v2.task/k8s.io/{id}/rootfs"),
            "/var/lib/rancher/k3s/agent/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots",
        ),
        Runtime::CrioSystemd => (
            format!("/var/lib/containers/storage/overlay/{}/merged", &layers[..64]),
            "/var/lib/containers/storage/overlay",
        ),
    };
    let lower = 40 + n % 50;
    node.facts.extra_mounts.push(format!(
        "0:{} / {target} rw,relatime shared:{} - overlay overlay rw,lowerdir={snapshots}/{lower}/fs:{snapshots}/{}/fs,upperdir={snapshots}/{}/fs,workdir={snapshots}/{}/work",
        60 + n,
        400 + n,
        lower - 1,
        200 + n,
        200 + n
    ));
}
