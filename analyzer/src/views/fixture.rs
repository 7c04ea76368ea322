//! A hand-built model of part of the seed walkthrough's node (my-node1, CentOS 7, docker with
//! containerd-shim v1, cgroup v1 cgroupfs) for the views' tests.
//!
//! Taken from the walkthrough: containerd 2841 and dockerd 2842; the shims and their pids; the
//! pods f5f16f15 (burstable: pause 19057, redis 19356, nginx 19431 and workers), 4e11582d
//! (safe-nginx 7337), f86494f1 (besteffort: kube-proxy 6227) and f8697bea (flannel); every
//! container id, cgroup path and the namespace inodes of pod f5f16f15, including the host's
//! user namespace 4026531837. Invented for the tests, because the walkthrough does not show
//! them: pod and image names, the standalone `registry` container behind shim 7342 (with a
//! hostile command line and a zombie), the container behind shim 8087 having no processes,
//! the other pods' namespace inodes, limits, usage, findings and gaps.

use crate::model::*;
use nodesnap_format::{CmdlinePolicy, Counts, Gap, GapReason};
use std::collections::{BTreeMap, BTreeSet};

pub const POD_NGINX_REDIS: &str = "f5f16f15-af9e-11ea-8af4-0050569e47b9";
pub const POD_SAFE_NGINX: &str = "4e11582d-aeea-11ea-8af4-0050569e47b9";
pub const POD_KUBE_PROXY: &str = "f86494f1-aeea-11ea-8af4-0050569e47b9";
pub const POD_FLANNEL: &str = "f8697bea-aeea-11ea-8af4-0050569e47b9";

pub const PAUSE_NGINX_REDIS: &str =
    "63ee2df4c255110248842e885fb0b9dafca9791dda6a00499bbc3fc99e153743";
pub const REDIS: &str = "9934ac36efade11bde691c12729a1dfa7483b8864ae4ded7a77a03f3b6e84d94";
pub const NGINX: &str = "d62b4a22abd21d47636a1c84e970ad7e76d8fe633232715f74606ee93c71291a";
pub const PAUSE_SAFE_NGINX: &str =
    "0a5529d9b0fcb544630ea2722c8a82feaa8c3d2efd7ea4118bc5713ffa604437";
pub const SAFE_NGINX: &str = "52eeb71ffa22cd8020a6214fa1a556c2e22c3012858a75aa5799b021502916e1";
pub const PAUSE_KUBE_PROXY: &str =
    "1ff0ae01463af951a16ac8e7006ec99333e8a42578118791529755b5704de4cb";
pub const KUBE_PROXY: &str = "167e38f31f6f225fe7e53a6fc31a1aebb85628531b6b3b438a3591fffefca93c";
pub const PAUSE_FLANNEL: &str = "dcbc2486a119dac68cb6bb2b90941411927c27a0a58c9027475026d02b83e224";
pub const INSTALL_CNI: &str = "99e0fbfa76ad0141bce359555fa343380a0c27b8a441609b9fe41beed954eda4";
pub const FLANNEL: &str = "1ac5b03e0a9683313a409330a0c7390ea908d963ec9955ff71d2739882924c2d";
pub const REGISTRY: &str = "08bcf4df1a2072dc69f825517c6c1ace3ed81886d420fe974fc0683ae61aa7fb";
pub const SHIMLESS: &str = "c3d3530cf2f5dddff0d1a37c5cd6791ffb15cf21d5e1096d96ca36269e077136";

/// The host's namespaces (CentOS 7's 3.10 kernel has no cgroup or time namespaces).
const HOST_NS: [(NsType, u64); 6] = [
    (NsType::Ipc, 4026531839),
    (NsType::Mnt, 4026531840),
    (NsType::Net, 4026531956),
    (NsType::Pid, 4026531836),
    (NsType::User, 4026531837),
    (NsType::Uts, 4026531838),
];

fn id(text: &str) -> ContainerId {
    ContainerId::parse(text).expect("fixture container id")
}

fn uid(text: &str) -> PodUid {
    PodUid::parse(text).expect("fixture pod uid")
}

/// Namespaces: the host's, with the given types replaced by (type, inode).
fn ns(own: &[(NsType, u64)]) -> BTreeMap<NsType, Inode> {
    let mut map: BTreeMap<NsType, Inode> = HOST_NS.iter().map(|(t, i)| (*t, Inode(*i))).collect();
    for (t, i) in own {
        map.insert(*t, Inode(*i));
    }
    map
}

fn cgroup_lines(path: &str) -> Vec<ProcessCgroup> {
    [(11, "memory"), (4, "cpuacct,cpu"), (1, "name=systemd")]
        .into_iter()
        .map(|(hierarchy_id, controllers)| ProcessCgroup {
            hierarchy_id,
            controllers: controllers.to_string(),
            path: path.to_string(),
        })
        .collect()
}

struct P {
    pid: u32,
    ppid: u32,
    comm: &'static str,
    cmdline: &'static str,
    state: char,
    uid: u32,
    threads: u32,
    cgroup: String,
    role: ProcessRole,
    container: Option<&'static str>,
    pod: Option<&'static str>,
    namespaces: BTreeMap<NsType, Inode>,
    oom_score_adj: i32,
}

fn host(pid: u32, ppid: u32, comm: &'static str, cmdline: &'static str, cgroup: &str) -> P {
    P {
        pid,
        ppid,
        comm,
        cmdline,
        state: 'S',
        uid: 0,
        threads: 1,
        cgroup: cgroup.to_string(),
        role: ProcessRole::Other,
        container: None,
        pod: None,
        namespaces: ns(&[]),
        oom_score_adj: 0,
    }
}

fn shim(pid: u32, container: &str) -> P {
    let cmdline = format!(
        "containerd-shim -namespace moby -workdir /var/lib/containerd/io.containerd.runtime.v1.linux/moby/{container} -address /run/containerd/containerd.sock -containerd-binary /usr/bin/containerd -runtime-root /var/run/docker/runtime-runc"
    );
    P {
        threads: 10,
        role: ProcessRole::Shim,
        oom_score_adj: -999,
        ..host(
            pid,
            2841,
            "containerd-shim",
            Box::leak(cmdline.into_boxed_str()),
            "/system.slice/containerd.service",
        )
    }
}

#[allow(clippy::too_many_arguments)]
fn in_pod(
    pid: u32,
    ppid: u32,
    comm: &'static str,
    cmdline: &'static str,
    pod: &'static str,
    qos: &str,
    container: &'static str,
    own_ns: &[(NsType, u64)],
) -> P {
    let sandbox = comm == "pause";
    P {
        role: if sandbox {
            ProcessRole::Sandbox
        } else {
            ProcessRole::Container
        },
        container: Some(container),
        pod: Some(pod),
        namespaces: ns(own_ns),
        oom_score_adj: if sandbox { -998 } else { 999 },
        ..host(
            pid,
            ppid,
            comm,
            cmdline,
            &format!("/kubepods/{qos}/pod{pod}/{container}"),
        )
    }
}

fn processes() -> Vec<P> {
    use NsType::*;
    let nginx_ns = [
        (Ipc, 4026532659),
        (Mnt, 4026532849),
        (Net, 4026532662),
        (Pid, 4026532851),
        (Uts, 4026532850),
    ];
    let mut nginx_master = in_pod(
        19431,
        19407,
        "nginx",
        "nginx: master process nginx -g daemon off;",
        POD_NGINX_REDIS,
        "burstable",
        NGINX,
        &nginx_ns,
    );
    nginx_master.oom_score_adj = 968;
    let worker = |pid| P {
        uid: 100,
        oom_score_adj: 968,
        ..in_pod(
            pid,
            19431,
            "nginx",
            "nginx: worker process",
            POD_NGINX_REDIS,
            "burstable",
            NGINX,
            &nginx_ns,
        )
    };
    let registry_ns = [
        (Ipc, 4026532610),
        (Mnt, 4026532608),
        (Net, 4026532613),
        (Pid, 4026532611),
        (Uts, 4026532609),
    ];
    let registry = |pid, ppid, comm, cmdline, state| P {
        state,
        role: ProcessRole::Container,
        container: Some(REGISTRY),
        namespaces: ns(&registry_ns),
        ..host(pid, ppid, comm, cmdline, &format!("/docker/{REGISTRY}"))
    };
    let proxy_ns = |ipc, mnt, pid| [(Ipc, ipc), (Mnt, mnt), (Pid, pid)];
    let flannel_ns = proxy_ns;
    vec![
        host(
            1,
            0,
            "systemd",
            "/usr/lib/systemd/systemd --switched-root --system --deserialize 21",
            "/",
        ),
        P {
            role: ProcessRole::KernelThread,
            ..host(2, 0, "kthreadd", "", "/")
        },
        host(1025, 1, "sshd", "/usr/sbin/sshd -D", "/system.slice/sshd.service"),
        P {
            threads: 18,
            role: ProcessRole::RuntimeDaemon,
            oom_score_adj: -999,
            ..host(
                2841,
                1,
                "containerd",
                "/usr/bin/containerd",
                "/system.slice/containerd.service",
            )
        },
        P {
            threads: 30,
            role: ProcessRole::RuntimeDaemon,
            oom_score_adj: -999,
            ..host(
                2842,
                1,
                "dockerd",
                "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock",
                "/system.slice/docker.service",
            )
        },
        P {
            threads: 24,
            role: ProcessRole::Kubelet,
            oom_score_adj: -999,
            ..host(
                5773,
                1,
                "kubelet",
                "/usr/local/sbin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --pod-manifest-path=/etc/kubernetes/manifests",
                "/system.slice/kubelet.service",
            )
        },
        shim(5914, PAUSE_FLANNEL),
        shim(5929, PAUSE_KUBE_PROXY),
        in_pod(5967, 5914, "pause", "/pause", POD_FLANNEL, "burstable", PAUSE_FLANNEL, &flannel_ns(4026532320, 4026532318, 4026532321)),
        in_pod(5982, 5929, "pause", "/pause", POD_KUBE_PROXY, "besteffort", PAUSE_KUBE_PROXY, &proxy_ns(4026532310, 4026532308, 4026532311)),
        shim(6210, KUBE_PROXY),
        P {
            oom_score_adj: 1000,
            ..in_pod(6227, 6210, "kube-proxy", "/usr/local/bin/kube-proxy --config=/var/lib/kube-proxy/config.conf --hostname-override=my-node1", POD_KUBE_PROXY, "besteffort", KUBE_PROXY, &proxy_ns(4026532310, 4026532315, 4026532316))
        },
        shim(6575, FLANNEL),
        in_pod(6593, 6575, "flanneld", "/opt/bin/flanneld --ip-masq --kube-subnet-mgr", POD_FLANNEL, "burstable", FLANNEL, &flannel_ns(4026532320, 4026532325, 4026532326)),
        shim(6944, INSTALL_CNI),
        in_pod(6962, 6944, "sh", "/bin/sh /install-cni.sh", POD_FLANNEL, "burstable", INSTALL_CNI, &flannel_ns(4026532320, 4026532330, 4026532331)),
        shim(7156, PAUSE_SAFE_NGINX),
        in_pod(7175, 7156, "pause", "/pause", POD_SAFE_NGINX, "burstable", PAUSE_SAFE_NGINX, &[(Ipc, 4026532590), (Mnt, 4026532588), (Net, 4026532593), (Pid, 4026532591), (Uts, 4026532589)]),
        in_pod(7233, 6962, "sleep", "sleep 3600", POD_FLANNEL, "burstable", INSTALL_CNI, &flannel_ns(4026532320, 4026532330, 4026532331)),
        shim(7320, SAFE_NGINX),
        in_pod(7337, 7320, "nginx", "nginx: master process nginx -g daemon off;", POD_SAFE_NGINX, "burstable", SAFE_NGINX, &[(Ipc, 4026532590), (Mnt, 4026532600), (Net, 4026532593), (Pid, 4026532602), (Uts, 4026532601)]),
        shim(7342, REGISTRY),
        registry(7360, 7342, "registry", "registry serve /etc/docker/registry/config.yml", 'S'),
        registry(7398, 7360, "sh", "sh -c printf '\x1b[2J\x1b]0;owned\x07' \u{202e}txt.exe", 'D'),
        registry(7399, 7360, "registry-gc", "", 'Z'),
        shim(8087, SHIMLESS),
        shim(19039, PAUSE_NGINX_REDIS),
        in_pod(19057, 19039, "pause", "/pause", POD_NGINX_REDIS, "burstable", PAUSE_NGINX_REDIS, &[(Ipc, 4026532659), (Mnt, 4026532657), (Net, 4026532662), (Pid, 4026532660), (Uts, 4026532658)]),
        shim(19338, REDIS),
        P {
            uid: 100,
            threads: 4,
            oom_score_adj: 968,
            ..in_pod(19356, 19338, "redis-server", "redis-server", POD_NGINX_REDIS, "burstable", REDIS, &[(Ipc, 4026532659), (Mnt, 4026532654), (Net, 4026532662), (Pid, 4026532656), (Uts, 4026532655)])
        },
        shim(19407, NGINX),
        nginx_master,
        worker(19453),
        worker(19454),
    ]
}

fn process(p: &P) -> Process {
    let kernel_thread = p.role == ProcessRole::KernelThread;
    Process {
        pid: Pid(p.pid),
        ppid: Pid(p.ppid),
        comm: p.comm.to_string(),
        cmdline: Some(p.cmdline.to_string()),
        state: p.state,
        uid: Some(p.uid),
        user: (p.uid == 0).then(|| "root".to_string()),
        threads: Some(p.threads),
        start_ticks: Some(1_000 + u64::from(p.pid)),
        start_time: Some("2020-06-16T06:59:00Z".to_string()),
        rss_bytes: (!kernel_thread).then_some(8 << 20),
        oom_score_adj: Some(p.oom_score_adj),
        nspid: Some(vec![p.pid]),
        kernel_thread,
        role: p.role,
        shim_for: None,
        cgroups: cgroup_lines(&p.cgroup),
        namespaces: p.namespaces.clone(),
        container_id: p.container.map(id),
        pod_uid: p.pod.map(uid),
        partial: false,
    }
}

struct C {
    id: &'static str,
    pod: Option<&'static str>,
    qos: &'static str,
    name: Option<&'static str>,
    image: &'static str,
    shim: u32,
}

fn container_specs() -> Vec<C> {
    let c = |id, pod, qos, name, image, shim| C {
        id,
        pod,
        qos,
        name,
        image,
        shim,
    };
    let pause = "k8s.gcr.io/pause:3.1";
    let flannel = "quay.io/coreos/flannel:v0.12.0-amd64";
    vec![
        c(REGISTRY, None, "", Some("registry"), "registry:2", 7342),
        c(
            PAUSE_SAFE_NGINX,
            Some(POD_SAFE_NGINX),
            "burstable",
            None,
            pause,
            7156,
        ),
        c(
            KUBE_PROXY,
            Some(POD_KUBE_PROXY),
            "besteffort",
            Some("kube-proxy"),
            "k8s.gcr.io/kube-proxy:v1.18.3",
            6210,
        ),
        c(
            FLANNEL,
            Some(POD_FLANNEL),
            "burstable",
            Some("kube-flannel"),
            flannel,
            6575,
        ),
        c(
            PAUSE_KUBE_PROXY,
            Some(POD_KUBE_PROXY),
            "besteffort",
            None,
            pause,
            5929,
        ),
        c(
            SAFE_NGINX,
            Some(POD_SAFE_NGINX),
            "burstable",
            Some("safe-nginx"),
            "xxxx/xxxx/safe-nginx",
            7320,
        ),
        c(
            PAUSE_NGINX_REDIS,
            Some(POD_NGINX_REDIS),
            "burstable",
            None,
            pause,
            19039,
        ),
        c(
            REDIS,
            Some(POD_NGINX_REDIS),
            "burstable",
            Some("redis"),
            "redis:5.0",
            19338,
        ),
        c(
            INSTALL_CNI,
            Some(POD_FLANNEL),
            "burstable",
            Some("install-cni"),
            flannel,
            6944,
        ),
        c(SHIMLESS, None, "", None, "", 8087),
        c(
            NGINX,
            Some(POD_NGINX_REDIS),
            "burstable",
            Some("nginx"),
            "nginx:1.19",
            19407,
        ),
        c(
            PAUSE_FLANNEL,
            Some(POD_FLANNEL),
            "burstable",
            None,
            pause,
            5914,
        ),
    ]
}

fn container_cgroup(spec: &C) -> Option<String> {
    match spec.pod {
        Some(pod) => Some(format!("/kubepods/{}/pod{pod}/{}", spec.qos, spec.id)),
        None if spec.id == REGISTRY => Some(format!("/docker/{REGISTRY}")),
        None => None,
    }
}

fn container_limits(id: &str) -> (Limits, Usage) {
    match id {
        NGINX => (
            Limits {
                memory_max_bytes: Some(Limit::Value(256 << 20)),
                cpu_quota_usec: Some(Limit::Value(50_000)),
                cpu_period_usec: Some(100_000),
                cpu_shares: Some(512),
                pids_max: Some(Limit::Max),
                ..Limits::default()
            },
            Usage {
                memory_current_bytes: Some(42 << 20),
                cpu_nr_periods: Some(12_000),
                cpu_nr_throttled: Some(3_100),
                cpu_throttled_usec: Some(95_000_000),
                ..Usage::default()
            },
        ),
        REDIS => (
            Limits {
                memory_max_bytes: Some(Limit::Value(128 << 20)),
                cpu_quota_usec: Some(Limit::Max),
                cpu_period_usec: Some(100_000),
                cpu_shares: Some(256),
                pids_max: Some(Limit::Max),
                ..Limits::default()
            },
            Usage {
                memory_current_bytes: Some(127 << 20),
                memory_failcnt: Some(340),
                oom_kills: Some(2),
                ..Usage::default()
            },
        ),
        REGISTRY => (
            Limits {
                memory_max_bytes: Some(Limit::Max),
                cpu_quota_usec: Some(Limit::Max),
                cpu_period_usec: Some(100_000),
                cpu_shares: Some(1024),
                pids_max: Some(Limit::Value(100)),
                ..Limits::default()
            },
            Usage {
                memory_current_bytes: Some(3 << 29),
                pids_current: Some(3),
                ..Usage::default()
            },
        ),
        _ => (Limits::default(), Usage::default()),
    }
}

fn containers(processes: &[Process]) -> Vec<Container> {
    container_specs()
        .iter()
        .map(|spec| {
            let pids: Vec<Pid> = processes
                .iter()
                .filter(|p| p.container_id.as_ref().map(ContainerId::as_str) == Some(spec.id))
                .map(|p| p.pid)
                .collect();
            let (limits, usage) = container_limits(spec.id);
            Container {
                id: id(spec.id),
                runtime: Some(RuntimeKind::Docker),
                runtime_instance: None,
                pod_uid: spec.pod.map(uid),
                name: spec.name.map(str::to_string),
                image: (!spec.image.is_empty()).then(|| spec.image.to_string()),
                sandbox: spec.pod.is_some() && spec.name.is_none(),
                init_pid: pids.first().copied(),
                pids,
                shim_pid: Some(Pid(spec.shim)),
                cgroup: container_cgroup(spec),
                node_container_id: None,
                podman_pod_id: None,
                limits,
                usage,
            }
        })
        .collect()
}

fn pods(containers: &[Container], processes: &[Process]) -> Vec<Pod> {
    use NsType::*;
    use Sharing::{Host, Private};
    type Spec<'a> = (
        &'a str,
        QosClass,
        Option<(&'a str, &'a str)>,
        [(NsType, Sharing); 6],
    );
    let specs: [Spec; 4] = [
        (
            POD_SAFE_NGINX,
            QosClass::Burstable,
            None,
            [
                (Ipc, Sharing::Pod),
                (Mnt, Private),
                (Net, Sharing::Pod),
                (Pid, Private),
                (User, Host),
                (Uts, Private),
            ],
        ),
        (
            POD_NGINX_REDIS,
            QosClass::Burstable,
            Some(("default", "nginx-redis")),
            [
                (Ipc, Sharing::Pod),
                (Mnt, Private),
                (Net, Sharing::Pod),
                (Pid, Private),
                (User, Host),
                (Uts, Private),
            ],
        ),
        (
            POD_KUBE_PROXY,
            QosClass::BestEffort,
            Some(("kube-system", "kube-proxy-7xk2p")),
            [
                (Ipc, Sharing::Pod),
                (Mnt, Private),
                (Net, Host),
                (Pid, Private),
                (User, Host),
                (Uts, Host),
            ],
        ),
        (
            POD_FLANNEL,
            QosClass::Burstable,
            Some(("kube-system", "kube-flannel-ds-amd64-x8q2v")),
            [
                (Ipc, Sharing::Pod),
                (Mnt, Private),
                (Net, Host),
                (Pid, Private),
                (User, Host),
                (Uts, Host),
            ],
        ),
    ];
    specs
        .into_iter()
        .map(|(pod_uid, qos, names, sharing)| {
            let members: Vec<&Container> = containers
                .iter()
                .filter(|c| c.pod_uid.as_ref().map(PodUid::as_str) == Some(pod_uid))
                .collect();
            let sandbox = members.iter().find(|c| c.sandbox);
            let (limits, usage) = if pod_uid == POD_NGINX_REDIS {
                (
                    Limits {
                        memory_max_bytes: Some(Limit::Value(512 << 20)),
                        cpu_quota_usec: Some(Limit::Value(200_000)),
                        cpu_period_usec: Some(100_000),
                        cpu_shares: Some(2048),
                        pids_max: Some(Limit::Max),
                        ..Limits::default()
                    },
                    Usage {
                        memory_current_bytes: Some(300 << 20),
                        pids_current: Some(5),
                        ..Usage::default()
                    },
                )
            } else {
                (Limits::default(), Usage::default())
            };
            let _ = processes;
            crate::model::Pod {
                uid: uid(pod_uid),
                kind: PodKind::Kubernetes,
                qos: Some(qos),
                namespace: names.map(|(namespace, _)| namespace.to_string()),
                name: names.map(|(_, name)| name.to_string()),
                sandbox_id: sandbox.map(|c| c.id.clone()),
                sandbox_pid: sandbox.and_then(|c| c.init_pid),
                container_ids: members.iter().map(|c| c.id.clone()).collect(),
                runtime_instance: None,
                cgroup: Some(format!("/kubepods/{qos}/pod{pod_uid}")),
                namespace_sharing: sharing.into_iter().collect(),
                limits,
                usage,
            }
        })
        .collect()
}

/// Groups the processes' namespace links; the holder is the host for pid 1's, the container
/// when all members are in one, the pod when all are in one pod.
fn namespaces(processes: &[Process]) -> Vec<Namespace> {
    let host: BTreeSet<(NsType, Inode)> = HOST_NS.iter().map(|(t, i)| (*t, Inode(*i))).collect();
    let mut groups: BTreeMap<(NsType, Inode), Vec<&Process>> = BTreeMap::new();
    for p in processes {
        for (t, i) in &p.namespaces {
            groups.entry((*t, *i)).or_default().push(p);
        }
    }
    groups
        .into_iter()
        .map(|((kind, inode), members)| {
            let containers: BTreeSet<_> = members.iter().map(|p| p.container_id.clone()).collect();
            let pods: BTreeSet<_> = members.iter().map(|p| p.pod_uid.clone()).collect();
            let holder = if host.contains(&(kind, inode)) {
                Holder::Host
            } else if let [Some(only)] = containers.iter().collect::<Vec<_>>().as_slice() {
                Holder::Container((*only).clone())
            } else if let [Some(only)] = pods.iter().collect::<Vec<_>>().as_slice() {
                Holder::Pod((*only).clone())
            } else {
                Holder::Other
            };
            Namespace {
                kind,
                inode,
                pids: members.iter().map(|p| p.pid).collect(),
                holder,
            }
        })
        .collect()
}

fn cgroups(processes: &[Process], containers: &[Container], pods: &[Pod]) -> Vec<Cgroup> {
    let mut paths: BTreeSet<String> = BTreeSet::new();
    for p in processes {
        for line in &p.cgroups {
            let mut path = line.path.as_str();
            paths.insert(path.to_string());
            while let Some((parent, _)) = path.rsplit_once('/') {
                let parent = if parent.is_empty() { "/" } else { parent };
                paths.insert(parent.to_string());
                if parent == "/" {
                    break;
                }
                path = parent;
            }
        }
    }
    paths.insert("/user.slice".to_string());
    paths
        .into_iter()
        .map(|path| {
            let container = containers
                .iter()
                .find(|c| c.cgroup.as_deref() == Some(&path));
            let pod = pods.iter().find(|p| p.cgroup.as_deref() == Some(&path));
            let qos = pod.and_then(|p| p.qos).or(match path.as_str() {
                "/kubepods/burstable" => Some(QosClass::Burstable),
                "/kubepods/besteffort" => Some(QosClass::BestEffort),
                _ => None,
            });
            let (limits, usage) = match (container, pod) {
                (Some(c), _) => (c.limits.clone(), c.usage.clone()),
                (None, Some(p)) => (p.limits.clone(), p.usage.clone()),
                _ => (Limits::default(), Usage::default()),
            };
            let trouble = match usage.oom_kills {
                Some(kills) if kills > 0 => vec![format!("{kills} OOM kills")],
                _ => Vec::new(),
            };
            let stored = CgroupPath::new(&path).expect("fixture paths are short");
            Cgroup {
                parent: stored.parent().cloned(),
                hierarchies: vec![
                    "cpu,cpuacct".to_string(),
                    "memory".to_string(),
                    "name=systemd".to_string(),
                ],
                pids: processes
                    .iter()
                    .filter(|p| {
                        p.cgroups
                            .iter()
                            .any(|l| l.controllers == "name=systemd" && l.path == path)
                    })
                    .map(|p| p.pid)
                    .collect(),
                pod_uid: container
                    .and_then(|c| c.pod_uid.clone())
                    .or_else(|| pod.map(|p| p.uid.clone())),
                container_id: container.map(|c| c.id.clone()),
                qos,
                limits,
                usage,
                trouble,
                path: stored,
            }
        })
        .collect()
}

/// Sorted as the model sorts them: severity, rule, subject.
fn findings() -> Vec<Finding> {
    let mut findings = vec![
        Finding {
            rule: "cgroup-oom-kills".into(),
            severity: Severity::Critical,
            subject: Subject::Container(id(REDIS)),
            message: "container redis in pod default/nginx-redis: 2 OOM kills at its 128Mi memory limit".into(),
            explanation: "The kernel killed a process because the cgroup reached its memory limit. The application restarts or loses work; raise the limit or find what grows.".into(),
        },
        Finding {
            rule: "pod-host-network".into(),
            severity: Severity::Info,
            subject: Subject::Pod(uid(POD_KUBE_PROXY)),
            message: "pod kube-system/kube-proxy-7xk2p uses the host's network namespace".into(),
            explanation: "Its containers see every interface and port of the node. Expected for node agents such as kube-proxy and CNI plugins; for anything else it is a security risk.".into(),
        },
        Finding {
            rule: "pod-host-network".into(),
            severity: Severity::Info,
            subject: Subject::Pod(uid(POD_FLANNEL)),
            message: "pod kube-system/kube-flannel-ds-amd64-x8q2v uses the host's network namespace".into(),
            explanation: "Its containers see every interface and port of the node.".into(),
        },
        Finding {
            rule: "process-uninterruptible".into(),
            severity: Severity::Warning,
            subject: Subject::Process(Pid(7398)),
            message: "process 7398 (sh) in container registry is in uninterruptible sleep (D)".into(),
            explanation: "A process in D state waits for the kernel, usually for IO, and cannot be killed until it returns.".into(),
        },
        Finding {
            rule: "shim-without-container".into(),
            severity: Severity::Warning,
            subject: Subject::Process(Pid(8087)),
            message: "containerd-shim 8087 manages container c3d3530cf2f5, which has no processes".into(),
            explanation: "A shim outlives its container when the runtime lost track of it; it holds memory and may block a restart under the same name.".into(),
        },
        Finding {
            rule: "process-zombie".into(),
            severity: Severity::Warning,
            subject: Subject::Process(Pid(7399)),
            message: "process 7399 (registry-gc) in container registry is a zombie; its parent 7360 has not reaped it".into(),
            explanation: "A zombie holds only a pid, but many of them exhaust pids.max.".into(),
        },
        Finding {
            rule: "collection-gaps".into(),
            severity: Severity::Info,
            subject: Subject::Node,
            message: "2 files could not be read (1 process vanished)".into(),
            explanation: "Facts from these files are missing from every view.".into(),
        },
    ];
    findings
        .sort_by(|a, b| (a.severity, &a.rule, &a.subject).cmp(&(b.severity, &b.rule, &b.subject)));
    findings
}

/// The model the views' tests render.
pub fn model() -> Model {
    let processes: Vec<Process> = processes().iter().map(process).collect();
    let containers = containers(&processes);
    let pods = pods(&containers, &processes);
    let namespaces = namespaces(&processes);
    let cgroups = cgroups(&processes, &containers, &pods);
    Model {
        schema_version: SCHEMA_VERSION,
        node: Node {
            hostname: Some("my-node1".into()),
            kernel: Some("3.10.0-957.el7.x86_64".into()),
            os: Some("CentOS Linux 7 (Core)".into()),
            boot_time: Some("2020-06-15T08:48:44Z".into()),
            uptime_secs: Some(150_000),
            cgroup_mode: CgroupMode::V1,
            cgroup_driver: CgroupDriver::Cgroupfs,
            runtimes: vec![
                RuntimeInfo::daemon(
                    RuntimeKind::Containerd,
                    2841,
                    "containerd",
                    "/run/containerd/containerd.sock",
                ),
                RuntimeInfo::daemon(RuntimeKind::Docker, 2842, "dockerd", "/run/docker.sock"),
            ],
            kubelet_pid: Some(Pid(5773)),
            memory_total_bytes: Some(16 << 30),
            cpus: Some(8),
            pid_max: Some(32768),
            loadavg: Some([0.52, 0.58, 0.59]),
        },
        collection: Collection {
            collector_version: "0.1.0".into(),
            format_version: 1,
            started_at: "2020-06-17T02:28:03Z".into(),
            finished_at: "2020-06-17T02:28:04Z".into(),
            duration_ms: 412,
            cmdline: CmdlinePolicy::Redacted,
            counts: Counts {
                processes: processes.len() as u64,
                cgroups: cgroups.len() as u64,
                files: 612,
                bytes: 1 << 20,
            },
            collector_pid: None,
        },
        pods,
        containers,
        processes,
        namespaces,
        cgroups,
        findings: findings(),
        gaps: vec![
            Gap {
                path: "proc/19460/stat".into(),
                reason: GapReason::Vanished,
                detail: None,
            },
            Gap {
                path: "proc/19460/cmdline".into(),
                reason: GapReason::Vanished,
                detail: Some("No such process".into()),
            },
        ],
    }
}
