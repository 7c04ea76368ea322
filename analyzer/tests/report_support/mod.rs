//! Hand-built models for the report's tests: the walkthrough's CentOS 7 node (a subset of it),
//! the same node with hostile strings, and a generated node with 2,000 pods and 20,000
//! processes. The model builder lives on its own; these models stand in for its output.

// Each test binary uses part of this module.
#![allow(dead_code)]

pub mod cdp;

use analyzer::model::*;
use nodesnap_format::{CmdlinePolicy, Counts, Gap, GapReason};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

pub const NGINX_POD: &str = "f5f16f15-af9e-11ea-8af4-0050569e47b9";
pub const PROXY_POD: &str = "f86494f1-aeea-11ea-8af4-0050569e47b9";
pub const PAUSE_ID: &str = "63ee2df4c255110248842e885fb0b9dafca9791dda6a00499bbc3fc99e153743";
pub const REDIS_ID: &str = "9934ac36efade11bde691c12729a1dfa7483b8864ae4ded7a77a03f3b6e84d94";
pub const NGINX_ID: &str = "d62b4a22abd21d47636a1c84e970ad7e76d8fe633232715f74606ee93c71291a";
pub const PROXY_PAUSE_ID: &str = "1ff0ae01463af951a16ac8e7006ec99333e8a42578118791529755b5704de4cb";
pub const PROXY_ID: &str = "167e38f31f6f225fe7e53a6fc31a1aebb85628531b6b3b438a3591fffefca93c";
pub const STANDALONE_ID: &str = "c3d3530cf2f5dddff0d1a37c5cd6791ffb15cf21d5e1096d96ca36269e077136";

/// The host's namespaces on the walkthrough's 3.10 kernel (no cgroup or time namespaces).
const HOST_NS: [(NsType, u64); 6] = [
    (NsType::Ipc, 4026531839),
    (NsType::Mnt, 4026531840),
    (NsType::Net, 4026531956),
    (NsType::Pid, 4026531836),
    (NsType::User, 4026531837),
    (NsType::Uts, 4026531838),
];

pub fn cid(text: &str) -> ContainerId {
    ContainerId::parse(text).expect("test container ids are 64 hex digits")
}

pub fn uid(text: &str) -> PodUid {
    PodUid::parse(text).expect("test pod uids are well formed")
}

fn ns(pairs: &[(NsType, u64)]) -> BTreeMap<NsType, Inode> {
    pairs.iter().map(|(k, i)| (*k, Inode(*i))).collect()
}

fn host_ns() -> BTreeMap<NsType, Inode> {
    ns(&HOST_NS)
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
        rss_bytes: Some(4 * 1024 * 1024),
        oom_score_adj: Some(0),
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

fn shim(pid: u32, container: &str) -> Process {
    process(
        pid,
        2841,
        "containerd-shim",
        &format!(
            "containerd-shim -namespace moby -workdir /var/lib/containerd/io.containerd.runtime.v1.linux/moby/{container} -address /run/containerd/containerd.sock -containerd-binary /usr/bin/containerd -runtime-root /var/run/docker/runtime-runc"
        ),
        ProcessRole::Shim,
    )
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

/// A subset of the walkthrough's node: containerd 2841 and dockerd 2842, their shims, pod
/// f5f16f15 (burstable: pause 19057, redis 19356, nginx 19431 with 8 workers) sharing ipc
/// 4026532659 and net 4026532662 and the host's user namespace 4026531837, the besteffort
/// kube-proxy pod on the host's network, one standalone docker container, findings of each
/// severity and a few gaps.
pub fn seed_model() -> Model {
    let nginx_pod = uid(NGINX_POD);
    let proxy_pod = uid(PROXY_POD);
    let pause_ns = [
        (NsType::Ipc, 4026532659),
        (NsType::Mnt, 4026532657),
        (NsType::Net, 4026532662),
        (NsType::Pid, 4026532660),
        (NsType::User, 4026531837),
        (NsType::Uts, 4026532658),
    ];
    let redis_ns = [
        (NsType::Ipc, 4026532659),
        (NsType::Mnt, 4026532654),
        (NsType::Net, 4026532662),
        (NsType::Pid, 4026532656),
        (NsType::User, 4026531837),
        (NsType::Uts, 4026532655),
    ];
    let nginx_ns = [
        (NsType::Ipc, 4026532659),
        (NsType::Mnt, 4026532849),
        (NsType::Net, 4026532662),
        (NsType::Pid, 4026532851),
        (NsType::User, 4026531837),
        (NsType::Uts, 4026532850),
    ];
    let proxy_pause_ns = [
        (NsType::Ipc, 4026532460),
        (NsType::Mnt, 4026532458),
        (NsType::Net, 4026531956),
        (NsType::Pid, 4026532461),
        (NsType::User, 4026531837),
        (NsType::Uts, 4026531838),
    ];
    let proxy_ns = [
        (NsType::Ipc, 4026532460),
        (NsType::Mnt, 4026532540),
        (NsType::Net, 4026531956),
        (NsType::Pid, 4026532542),
        (NsType::User, 4026531837),
        (NsType::Uts, 4026531838),
    ];
    let standalone_ns = [
        (NsType::Ipc, 4026532301),
        (NsType::Mnt, 4026532299),
        (NsType::Net, 4026532304),
        (NsType::Pid, 4026532302),
        (NsType::User, 4026531837),
        (NsType::Uts, 4026532300),
    ];

    let mut processes = vec![
        process(
            1,
            0,
            "systemd",
            "/usr/lib/systemd/systemd --switched-root --system --deserialize 21",
            ProcessRole::Other,
        ),
        kernel_thread(2, 0, "kthreadd"),
        kernel_thread(3, 2, "ksoftirqd/0"),
        kernel_thread(9, 2, "rcu_sched"),
        process(1025, 1, "sshd", "/usr/sbin/sshd -D", ProcessRole::Other),
        process(
            2841,
            1,
            "containerd",
            "/usr/bin/containerd",
            ProcessRole::RuntimeDaemon,
        ),
        process(
            2842,
            1,
            "dockerd",
            "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock",
            ProcessRole::RuntimeDaemon,
        ),
        process(
            5773,
            1,
            "kubelet",
            "/usr/local/sbin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --pod-manifest-path=/etc/kubernetes/manifests",
            ProcessRole::Kubelet,
        ),
        shim(5929, PROXY_PAUSE_ID),
        shim(6210, PROXY_ID),
        shim(8087, STANDALONE_ID),
        shim(19039, PAUSE_ID),
        shim(19338, REDIS_ID),
        shim(19407, NGINX_ID),
        in_container(
            process(5982, 5929, "pause", "/pause", ProcessRole::Sandbox),
            PROXY_PAUSE_ID,
            Some(PROXY_POD),
            &proxy_pause_ns,
        ),
        in_container(
            process(
                6227,
                6210,
                "kube-proxy",
                "/usr/local/bin/kube-proxy --config=/var/lib/kube-proxy/config.conf --hostname-override=my-node1",
                ProcessRole::Other,
            ),
            PROXY_ID,
            Some(PROXY_POD),
            &proxy_ns,
        ),
        in_container(
            process(
                8104,
                8087,
                "registry",
                "registry serve /etc/docker/registry/config.yml",
                ProcessRole::Other,
            ),
            STANDALONE_ID,
            None,
            &standalone_ns,
        ),
        in_container(
            process(19057, 19039, "pause", "/pause", ProcessRole::Sandbox),
            PAUSE_ID,
            Some(NGINX_POD),
            &pause_ns,
        ),
        in_container(
            Process {
                uid: Some(100),
                user: None,
                rss_bytes: Some(250 * MIB),
                ..process(19356, 19338, "redis-server", "redis-server *:6379", ProcessRole::Other)
            },
            REDIS_ID,
            Some(NGINX_POD),
            &redis_ns,
        ),
        in_container(
            process(
                19431,
                19407,
                "nginx",
                "nginx: master process nginx -g daemon off;",
                ProcessRole::Other,
            ),
            NGINX_ID,
            Some(NGINX_POD),
            &nginx_ns,
        ),
        process(31551, 1025, "sshd", "sshd: root@pts/1", ProcessRole::Other),
        process(31579, 31551, "bash", "-bash", ProcessRole::Other),
        process(11908, 31579, "systemctl", "systemctl status", ProcessRole::Other),
    ];
    for worker in 19453..=19460 {
        let mut p = in_container(
            Process {
                uid: Some(100),
                user: None,
                rss_bytes: Some(12 * MIB),
                ..process(
                    worker,
                    19431,
                    "nginx",
                    "nginx: worker process",
                    ProcessRole::Other,
                )
            },
            NGINX_ID,
            Some(NGINX_POD),
            &nginx_ns,
        );
        // The walkthrough's last worker: its command line vanished while it was read.
        if worker == 19460 {
            p.cmdline = None;
            p.partial = true;
        }
        processes.push(p);
    }
    processes.sort_by_key(|p| p.pid);

    let nginx_pod_cgroup = format!("/kubepods/burstable/pod{NGINX_POD}");
    let proxy_pod_cgroup = format!("/kubepods/besteffort/pod{PROXY_POD}");
    let container = |id: &str,
                     pod: Option<&PodUid>,
                     name: &str,
                     image: &str,
                     sandbox: bool,
                     shim: u32,
                     pids: &[u32],
                     cgroup: String,
                     (limits, usage): (Limits, Usage)| Container {
        id: cid(id),
        runtime: Some(RuntimeKind::Docker),
        runtime_instance: None,
        pod_uid: pod.cloned(),
        name: Some(name.to_string()),
        image: Some(image.to_string()),
        sandbox,
        pids: pids.iter().copied().map(Pid).collect(),
        init_pid: pids.first().copied().map(Pid),
        shim_pid: Some(Pid(shim)),
        cgroup: Some(cgroup),
        node_container_id: None,
        podman_pod_id: None,
        limits,
        usage,
    };
    let nginx_pids: Vec<u32> = std::iter::once(19431).chain(19453..=19460).collect();
    let mut redis_resources = memory(Some(256 * MIB), 250 * MIB);
    redis_resources.1.oom_kills = Some(3);
    redis_resources.1.memory_failcnt = Some(41);
    redis_resources.0.cpu_shares = Some(256);
    let mut nginx_resources = memory(Some(512 * MIB), 120 * MIB);
    nginx_resources.0.cpu_quota_usec = Some(Limit::Value(50_000));
    nginx_resources.0.cpu_period_usec = Some(100_000);
    nginx_resources.0.cpu_shares = Some(512);
    nginx_resources.0.pids_max = Some(Limit::Value(1024));
    nginx_resources.1.pids_current = Some(9);
    nginx_resources.1.cpu_nr_periods = Some(9000);
    nginx_resources.1.cpu_nr_throttled = Some(1200);
    nginx_resources.1.cpu_throttled_usec = Some(84_000_000);
    let containers = vec![
        container(
            PAUSE_ID,
            Some(&nginx_pod),
            "POD",
            "k8s.gcr.io/pause:3.1",
            true,
            19039,
            &[19057],
            format!("{nginx_pod_cgroup}/{PAUSE_ID}"),
            memory(None, 600 * 1024),
        ),
        container(
            REDIS_ID,
            Some(&nginx_pod),
            "redis",
            "redis:5.0.9",
            false,
            19338,
            &[19356],
            format!("{nginx_pod_cgroup}/{REDIS_ID}"),
            redis_resources.clone(),
        ),
        container(
            NGINX_ID,
            Some(&nginx_pod),
            "nginx",
            "nginx:1.19",
            false,
            19407,
            &nginx_pids,
            format!("{nginx_pod_cgroup}/{NGINX_ID}"),
            nginx_resources.clone(),
        ),
        container(
            PROXY_PAUSE_ID,
            Some(&proxy_pod),
            "POD",
            "k8s.gcr.io/pause:3.1",
            true,
            5929,
            &[5982],
            format!("{proxy_pod_cgroup}/{PROXY_PAUSE_ID}"),
            memory(None, 580 * 1024),
        ),
        container(
            PROXY_ID,
            Some(&proxy_pod),
            "kube-proxy",
            "k8s.gcr.io/kube-proxy:v1.18.3",
            false,
            6210,
            &[6227],
            format!("{proxy_pod_cgroup}/{PROXY_ID}"),
            memory(None, 31 * MIB),
        ),
        container(
            STANDALONE_ID,
            None,
            "local-registry",
            "registry:2",
            false,
            8087,
            &[8104],
            format!("/docker/{STANDALONE_ID}"),
            memory(Some(1024 * MIB), 48 * MIB),
        ),
    ];

    let sharing = |pairs: &[(NsType, Sharing)]| pairs.iter().copied().collect();
    let pods = vec![
        Pod {
            uid: nginx_pod.clone(),
            kind: PodKind::Kubernetes,
            qos: Some(QosClass::Burstable),
            name: Some("web-cache-5b8f6d7c9-x2x7q".to_string()),
            namespace: Some("default".to_string()),
            sandbox_id: Some(cid(PAUSE_ID)),
            sandbox_pid: Some(Pid(19057)),
            container_ids: vec![cid(PAUSE_ID), cid(REDIS_ID), cid(NGINX_ID)],
            runtime_instance: None,
            cgroup: Some(nginx_pod_cgroup.clone()),
            namespace_sharing: sharing(&[
                (NsType::Ipc, Sharing::Pod),
                (NsType::Net, Sharing::Pod),
                (NsType::User, Sharing::Host),
                (NsType::Mnt, Sharing::Private),
                (NsType::Pid, Sharing::Private),
                (NsType::Uts, Sharing::Private),
            ]),
            limits: Limits {
                memory_max_bytes: Some(Limit::Value(768 * MIB)),
                cpu_quota_usec: Some(Limit::Value(50_000)),
                cpu_period_usec: Some(100_000),
                cpu_shares: Some(770),
                ..Limits::default()
            },
            usage: Usage {
                memory_current_bytes: Some(371 * MIB),
                pids_current: Some(11),
                ..Usage::default()
            },
        },
        Pod {
            uid: proxy_pod.clone(),
            kind: PodKind::Kubernetes,
            qos: Some(QosClass::BestEffort),
            name: Some("kube-proxy-7hx2d".to_string()),
            namespace: Some("kube-system".to_string()),
            sandbox_id: Some(cid(PROXY_PAUSE_ID)),
            sandbox_pid: Some(Pid(5982)),
            container_ids: vec![cid(PROXY_PAUSE_ID), cid(PROXY_ID)],
            runtime_instance: None,
            cgroup: Some(proxy_pod_cgroup.clone()),
            namespace_sharing: sharing(&[
                (NsType::Ipc, Sharing::Pod),
                (NsType::Net, Sharing::Host),
                (NsType::User, Sharing::Host),
                (NsType::Uts, Sharing::Host),
                (NsType::Mnt, Sharing::Private),
                (NsType::Pid, Sharing::Private),
            ]),
            limits: Limits {
                memory_max_bytes: Some(Limit::Max),
                cpu_shares: Some(2),
                ..Limits::default()
            },
            usage: Usage {
                memory_current_bytes: Some(32 * MIB),
                ..Usage::default()
            },
        },
    ];

    let namespaces = namespaces_of(&processes, &containers);
    let cgroups = seed_cgroups(&processes, &containers, &pods);
    let findings = vec![
        Finding {
            rule: "container-oom-killed".to_string(),
            severity: Severity::Critical,
            subject: Subject::Container(cid(REDIS_ID)),
            message: "redis in default/web-cache-5b8f6d7c9-x2x7q was OOM-killed 3 times; it uses 250 MiB of its 256 MiB limit".to_string(),
            explanation: "The kernel killed a process in this container because the container reached its memory limit. Raise the limit or find what grows; memory.failcnt counts how often the limit was hit.".to_string(),
        },
        Finding {
            rule: "pod-host-network".to_string(),
            severity: Severity::Warning,
            subject: Subject::Pod(proxy_pod.clone()),
            message: "kube-system/kube-proxy-7hx2d uses the host's network namespace 4026531956".to_string(),
            explanation: "A pod on the host network sees every interface of the node and can bind its ports. Expected for kube-proxy and CNI agents; a surprise anywhere else.".to_string(),
        },
        Finding {
            rule: "cgroup-cpu-throttled".to_string(),
            severity: Severity::Warning,
            subject: Subject::Cgroup(
                CgroupPath::new(&format!("{nginx_pod_cgroup}/{NGINX_ID}")).unwrap(),
            ),
            message: "nginx was throttled in 1,200 of 9,000 CPU periods (13%) under a 0.5 CPU limit".to_string(),
            explanation: "The CFS quota stopped the container's threads before the period ended. Latency rises although the node may be idle; raise the CPU limit or remove it.".to_string(),
        },
        Finding {
            rule: "standalone-container".to_string(),
            severity: Severity::Info,
            subject: Subject::Container(cid(STANDALONE_ID)),
            message: "local-registry runs outside Kubernetes (started by docker run)".to_string(),
            explanation: "The kubelet does not manage this container: it is not in any pod, its resources are not accounted by the scheduler, and it survives draining the node.".to_string(),
        },
        Finding {
            rule: "process-partial".to_string(),
            severity: Severity::Info,
            subject: Subject::Process(Pid(19460)),
            message: "pid 19460 (nginx) was read in part: its command line vanished".to_string(),
            explanation: "Processes that exit while the collector reads them leave gaps; the node section lists every gap.".to_string(),
        },
    ];
    let gaps = vec![
        Gap {
            path: "proc/19460/cmdline".to_string(),
            reason: GapReason::Vanished,
            detail: Some("No such process (os error 3)".to_string()),
        },
        Gap {
            path: "proc/31551/ns".to_string(),
            reason: GapReason::PermissionDenied,
            detail: Some("Permission denied (os error 13)".to_string()),
        },
        Gap {
            path: "proc/11908/ns".to_string(),
            reason: GapReason::Vanished,
            detail: None,
        },
        Gap {
            path: "sys/fs/cgroup/memory/kubepods/memory.peak".to_string(),
            reason: GapReason::NotFound,
            detail: None,
        },
    ];
    Model {
        schema_version: SCHEMA_VERSION,
        node: Node {
            hostname: Some("my-node1".to_string()),
            kernel: Some("3.10.0-957.el7.x86_64".to_string()),
            os: Some("CentOS Linux 7 (Core)".to_string()),
            boot_time: Some("2020-06-15T08:48:44Z".to_string()),
            uptime_secs: Some(149_367),
            cgroup_mode: CgroupMode::V1,
            cgroup_driver: CgroupDriver::Cgroupfs,
            runtimes: vec![
                RuntimeInfo::daemon(RuntimeKind::Docker, 2842, "dockerd", "/run/docker.sock"),
                RuntimeInfo::daemon(
                    RuntimeKind::Containerd,
                    2841,
                    "containerd",
                    "/run/containerd/containerd.sock",
                ),
            ],
            kubelet_pid: Some(Pid(5773)),
            memory_total_bytes: Some(16 * 1024 * MIB),
            cpus: Some(8),
            pid_max: Some(131_072),
            loadavg: Some([0.42, 0.35, 0.30]),
        },
        collection: Collection {
            collector_version: "0.1.0".to_string(),
            format_version: 1,
            started_at: "2020-06-17T02:28:11Z".to_string(),
            finished_at: "2020-06-17T02:28:13Z".to_string(),
            duration_ms: 1830,
            cmdline: CmdlinePolicy::Redacted,
            counts: Counts {
                processes: processes.len() as u64,
                cgroups: cgroups.len() as u64,
                files: 412,
                bytes: 1_203_456,
            },
            collector_pid: None,
        },
        pods,
        containers,
        processes,
        namespaces,
        cgroups,
        findings,
        gaps,
    }
}

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

fn seed_cgroups(processes: &[Process], containers: &[Container], pods: &[Pod]) -> Vec<Cgroup> {
    let pids_of = |wanted: &[u32]| wanted.iter().copied().map(Pid).collect::<Vec<_>>();
    let shims: Vec<u32> = processes
        .iter()
        .filter(|p| p.role == ProcessRole::Shim)
        .map(|p| p.pid.0)
        .collect();
    let mut containerd_pids = vec![2841];
    containerd_pids.extend(shims);
    let mut cgroups = vec![
        cgroup("/", pids_of(&[1])),
        cgroup("/docker", vec![]),
        cgroup("/kubepods", vec![]),
        Cgroup {
            qos: Some(QosClass::BestEffort),
            ..cgroup("/kubepods/besteffort", vec![])
        },
        Cgroup {
            qos: Some(QosClass::Burstable),
            ..cgroup("/kubepods/burstable", vec![])
        },
        cgroup("/system.slice", vec![]),
        cgroup(
            "/system.slice/containerd.service",
            pids_of(&containerd_pids),
        ),
        cgroup("/system.slice/docker.service", pids_of(&[2842])),
        cgroup("/system.slice/kubelet.service", pids_of(&[5773])),
        cgroup("/system.slice/sshd.service", pids_of(&[1025])),
        cgroup("/user.slice", vec![]),
        cgroup("/user.slice/user-0.slice", vec![]),
        cgroup(
            "/user.slice/user-0.slice/session-290.scope",
            pids_of(&[11908, 31551, 31579]),
        ),
    ];
    for pod in pods {
        if let Some(path) = &pod.cgroup {
            cgroups.push(Cgroup {
                pod_uid: Some(pod.uid.clone()),
                qos: pod.qos,
                limits: pod.limits.clone(),
                usage: pod.usage.clone(),
                ..cgroup(path, vec![])
            });
        }
    }
    for c in containers {
        if let Some(path) = &c.cgroup {
            let mut trouble = Vec::new();
            if let Some(kills) = c.usage.oom_kills.filter(|n| *n > 0) {
                trouble.push(format!("{kills} OOM kills"));
            }
            if c.usage.cpu_nr_throttled.is_some_and(|n| n > 0) {
                trouble.push("CPU throttled in 13% of periods".to_string());
            }
            cgroups.push(Cgroup {
                pod_uid: c.pod_uid.clone(),
                container_id: Some(c.id.clone()),
                limits: c.limits.clone(),
                usage: c.usage.clone(),
                trouble,
                ..cgroup(path, c.pids.clone())
            });
        }
    }
    cgroups.sort_by(|a, b| a.path.cmp(&b.path));
    cgroups
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
            8104 => {
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
        if pod.uid.as_str() == NGINX_POD {
            pod.name = Some("web</script><script>alert(4)</script>".to_string());
            pod.namespace = Some("default\u{202e}".to_string());
        }
    }
    for c in &mut model.containers {
        if c.id.as_str() == REDIS_ID {
            c.name = Some("redis\" onmouseover=\"alert(5)".to_string());
            c.image = Some("redis:5 </script><!-- {{ x }} {% y %}".to_string());
        }
        if c.id.as_str() == STANDALONE_ID {
            c.name =
                Some("app.kubernetes.io/name=</script><img src=x onerror=alert(6)>".to_string());
            c.image = Some("javascript:alert(7)".to_string());
        }
    }
    let nginx_path = format!("/kubepods/burstable/pod{NGINX_POD}/{NGINX_ID}");
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
    for f in &mut model.findings {
        if f.rule == "container-oom-killed" {
            f.message = format!("{script} was OOM-killed");
        }
    }
    model
}

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
            let mut shim_process = shim(shim_pid, id.as_str());
            shim_process.ppid = Pid(1);
            shim_process.comm = "containerd-shim".to_string();
            shim_process.cmdline = Some(format!(
                "/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id {id} -address /run/containerd/containerd.sock"
            ));
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

/// Where the tests leave files for people to look at: `target/report-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let dir = target.join("report-screenshots");
    std::fs::create_dir_all(&dir).expect("cannot create target/report-screenshots");
    dir
}
