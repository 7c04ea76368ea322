//! The walkthrough's node (../shared/seed/000_e586929341491876.txt) rebuilt in memory, and the
//! model's acceptance test: every fact the walkthrough finds by hand, found from the snapshot.
//!
//! Pids, container ids, cgroup paths and the namespace inodes of pod f5f16f15 are as printed
//! there. What the walkthrough does not print is marked ASSUMED: the host's namespace inodes
//! (CentOS 7 defaults), the other pods' inodes, and hostNetwork for the kube-proxy, flannel and
//! node-exporter pods (they listen on the node's address, as those daemonsets do).

use super::testkit::{record, Fs, NodeBuilder, Proc};
use super::*;
use crate::analyze;
use crate::findings;
use nodesnap_format::RecordSource;

const SHIM_ARGS: &str = "-address /run/containerd/containerd.sock -containerd-binary /usr/bin/containerd -runtime-root /var/run/docker/runtime-runc";

const NGINX_POD: &str = "4e11582d-aeea-11ea-8af4-0050569e47b9";
const REDIS_POD: &str = "f5f16f15-af9e-11ea-8af4-0050569e47b9";
const PROXY_POD: &str = "f86494f1-aeea-11ea-8af4-0050569e47b9";
const FLANNEL_POD: &str = "f8697bea-aeea-11ea-8af4-0050569e47b9";
const EXPORTER_POD: &str = "f8662a28-aeea-11ea-8af4-0050569e47b9";

const SAFE_NGINX: &str = "52eeb71ffa22cd8020a6214fa1a556c2e22c3012858a75aa5799b021502916e1";
const REDIS_PAUSE: &str = "63ee2df4c255110248842e885fb0b9dafca9791dda6a00499bbc3fc99e153743";
const REDIS: &str = "9934ac36efade11bde691c12729a1dfa7483b8864ae4ded7a77a03f3b6e84d94";
const NGINX: &str = "d62b4a22abd21d47636a1c84e970ad7e76d8fe633232715f74606ee93c71291a";
const PROXY: &str = "167e38f31f6f225fe7e53a6fc31a1aebb85628531b6b3b438a3591fffefca93c";
const EMPTY_SHIM_A: &str = "08bcf4df1a2072dc69f825517c6c1ace3ed81886d420fe974fc0683ae61aa7fb";
const EMPTY_SHIM_B: &str = "c3d3530cf2f5dddff0d1a37c5cd6791ffb15cf21d5e1096d96ca36269e077136";

/// (shim pid, container id, pod uid, qos, processes: (pid, ppid offset, comm, cmdline)).
struct ContainerSpec {
    shim: u32,
    id: &'static str,
    pod: &'static str,
    qos: &'static str,
    procs: &'static [(u32, u32, &'static str, &'static str)],
}

/// Each container of the walkthrough's systemctl status, with its shim from the containerd
/// service's list. A ppid of 0 means "the shim".
const CONTAINERS: &[ContainerSpec] = &[
    ContainerSpec { shim: 5914, id: "dcbc2486a119dac68cb6bb2b90941411927c27a0a58c9027475026d02b83e224", pod: FLANNEL_POD, qos: "burstable", procs: &[(5967, 0, "pause", "/pause")] },
    ContainerSpec { shim: 5918, id: "aa8c844c2907348c09244c240927964494ab1a43181c1e2cd1e8154e4451bb78", pod: EXPORTER_POD, qos: "burstable", procs: &[(5974, 0, "pause", "/pause")] },
    ContainerSpec { shim: 5929, id: "1ff0ae01463af951a16ac8e7006ec99333e8a42578118791529755b5704de4cb", pod: PROXY_POD, qos: "besteffort", procs: &[(5982, 0, "pause", "/pause")] },
    ContainerSpec { shim: 6210, id: PROXY, pod: PROXY_POD, qos: "besteffort", procs: &[(6227, 0, "kube-proxy", "/usr/local/bin/kube-proxy --config=/var/lib/kube-proxy/config.conf --hostname-override=my-node1")] },
    ContainerSpec { shim: 6575, id: "1ac5b03e0a9683313a409330a0c7390ea908d963ec9955ff71d2739882924c2d", pod: FLANNEL_POD, qos: "burstable", procs: &[(6593, 0, "flanneld", "/opt/bin/flanneld --ip-masq --kube-subnet-mgr")] },
    ContainerSpec { shim: 6698, id: "a18a4606e095579037d4e7f10276b64ab020abf76472598c39acfa67cd16b0f2", pod: EXPORTER_POD, qos: "burstable", procs: &[(6715, 0, "node_exporter", "/bin/node_exporter --web.listen-address=127.0.0.1:9100 --path.procfs=/host/proc --path.sysfs=/host/sys")] },
    ContainerSpec { shim: 6944, id: "99e0fbfa76ad0141bce359555fa343380a0c27b8a441609b9fe41beed954eda4", pod: FLANNEL_POD, qos: "burstable", procs: &[(6962, 0, "install-cni.sh", "/bin/sh /install-cni.sh"), (7233, 6962, "sleep", "sleep 3600")] },
    ContainerSpec { shim: 7031, id: "599b533be6646195bc24f5d32bf2551a131a207fd469522608fe7916b187c7cc", pod: EXPORTER_POD, qos: "burstable", procs: &[(7049, 0, "kube-rbac-proxy", "./kube-rbac-proxy --logtostderr --secure-listen-address=11.11.176.68:9100")] },
    ContainerSpec { shim: 7156, id: "0a5529d9b0fcb544630ea2722c8a82feaa8c3d2efd7ea4118bc5713ffa604437", pod: NGINX_POD, qos: "burstable", procs: &[(7175, 0, "pause", "/pause")] },
    ContainerSpec { shim: 7320, id: SAFE_NGINX, pod: NGINX_POD, qos: "burstable", procs: &[
        (7337, 0, "nginx", "nginx: master process nginx -g daemon off;"),
        (7380, 7337, "nginx", "nginx: worker process"), (7381, 7337, "nginx", "nginx: worker process"),
        (7382, 7337, "nginx", "nginx: worker process"), (7383, 7337, "nginx", "nginx: worker process"),
        (7384, 7337, "nginx", "nginx: worker process"), (7385, 7337, "nginx", "nginx: worker process"),
        (7386, 7337, "nginx", "nginx: worker process"), (7387, 7337, "nginx", "nginx: worker process"),
    ] },
    ContainerSpec { shim: 7342, id: EMPTY_SHIM_A, pod: "", qos: "", procs: &[] },
    ContainerSpec { shim: 8087, id: EMPTY_SHIM_B, pod: "", qos: "", procs: &[] },
    ContainerSpec { shim: 19039, id: REDIS_PAUSE, pod: REDIS_POD, qos: "burstable", procs: &[(19057, 0, "pause", "/pause")] },
    ContainerSpec { shim: 19338, id: REDIS, pod: REDIS_POD, qos: "burstable", procs: &[(19356, 0, "redis-server", "redis-server")] },
    ContainerSpec { shim: 19407, id: NGINX, pod: REDIS_POD, qos: "burstable", procs: &[
        (19431, 0, "nginx", "nginx: master process nginx -g daemon off;"),
        (19453, 19431, "nginx", "nginx: worker process"), (19454, 19431, "nginx", "nginx: worker process"),
        (19455, 19431, "nginx", "nginx: worker process"), (19456, 19431, "nginx", "nginx: worker process"),
        (19457, 19431, "nginx", "nginx: worker process"), (19458, 19431, "nginx", "nginx: worker process"),
        (19459, 19431, "nginx", "nginx: worker process"), (19460, 19431, "nginx", "nginx: worker process"),
    ] },
];

/// Host processes from systemctl status: (pid, ppid, comm, cmdline, cgroup).
const HOST: &[(u32, u32, &str, &str, &str)] = &[
    (1, 0, "systemd", "/usr/lib/systemd/systemd --switched-root --system --deserialize 21", "/"),
    (513, 1, "systemd-journal", "/usr/lib/systemd/systemd-journald", "/system.slice/systemd-journald.service"),
    (541, 1, "systemd-udevd", "/usr/lib/systemd/systemd-udevd", "/system.slice/systemd-udevd.service"),
    (700, 1, "dbus-daemon", "/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation", "/system.slice/dbus.service"),
    (1025, 1, "sshd", "/usr/sbin/sshd -D", "/system.slice/sshd.service"),
    (1042, 1, "nkucsd", "nkucsd", "/system.slice/nkucsd.service"),
    (1348, 1, "login", "login -- root", "/user.slice/user-0.slice/session-1.scope"),
    (1352, 1348, "bash", "-bash", "/user.slice/user-0.slice/session-1.scope"),
    (2841, 1, "containerd", "/usr/bin/containerd", "/system.slice/containerd.service"),
    (2842, 1, "dockerd", "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock", "/system.slice/docker.service"),
    (5773, 1, "kubelet", "/usr/local/sbin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf", "/system.slice/kubelet.service"),
    (7519, 1, "rpc.statd", "/usr/sbin/rpc.statd", "/system.slice/rpc-statd.service"),
    (11908, 31579, "systemctl", "systemctl status", "/user.slice/user-0.slice/session-290.scope"),
    (11909, 11908, "less", "less", "/user.slice/user-0.slice/session-290.scope"),
    (31551, 1025, "sshd", "sshd: root@pts/1", "/user.slice/user-0.slice/session-290.scope"),
    (31579, 31551, "bash", "-bash", "/user.slice/user-0.slice/session-290.scope"),
];

fn pod_cgroup(qos: &str, pod: &str) -> String {
    format!("/kubepods/{qos}/pod{pod}")
}

/// The pods' namespaces: (pod, ASSUMED hostNetwork).
fn host_network(pod: &str) -> bool {
    [PROXY_POD, FLANNEL_POD, EXPORTER_POD].contains(&pod)
}

pub fn seed_node() -> NodeBuilder {
    let mut node = NodeBuilder::new(Fs::V1);
    for (pid, ppid, comm, cmdline, cgroup) in HOST {
        node.process(Proc::new(*pid, *ppid, comm, cmdline).cgroup(cgroup));
    }
    // Kernel threads.
    node.process(Proc::new(2, 0, "kthreadd", ""));
    node.process(Proc::new(9, 2, "rcu_sched", ""));
    node.process(Proc::new(300, 2, "kworker/0:1H", ""));

    // Pod-level namespaces: the walkthrough's for the redis pod, invented ones otherwise.
    let mut next_inode = 4026533000u64;
    let mut fresh = || {
        next_inode += 1;
        next_inode
    };
    let mut pod_ns: std::collections::HashMap<&str, (u64, u64)> = std::collections::HashMap::new();
    pod_ns.insert(REDIS_POD, (4026532659, 4026532662));
    // Own mnt, pid, uts per container; the redis pod's as printed.
    let printed: std::collections::HashMap<&str, (u64, u64, u64)> = [
        (REDIS_PAUSE, (4026532657, 4026532660, 4026532658)),
        (REDIS, (4026532654, 4026532656, 4026532655)),
        (NGINX, (4026532849, 4026532851, 4026532850)),
    ]
    .into_iter()
    .collect();

    for c in CONTAINERS {
        let workdir = format!(
            "/var/lib/containerd/io.containerd.runtime.v1.linux/moby/{}",
            c.id
        );
        node.process(
            Proc::new(
                c.shim,
                2841,
                "containerd-shim",
                &format!("containerd-shim -namespace moby -workdir {workdir} {SHIM_ARGS}"),
            )
            .cgroup("/system.slice/containerd.service"),
        );
        if c.procs.is_empty() {
            continue;
        }
        let (ipc, net) = *pod_ns.entry(c.pod).or_insert_with(|| (fresh(), fresh()));
        let net = if host_network(c.pod) { 4026531956 } else { net };
        let (mnt, pid_ns, uts) = printed
            .get(c.id)
            .copied()
            .unwrap_or_else(|| (fresh(), fresh(), fresh()));
        let path = format!("{}/{}", pod_cgroup(c.qos, c.pod), c.id);
        let sandbox = c.procs.first().is_some_and(|p| p.2 == "pause");
        let adj = match (sandbox, c.qos) {
            (true, _) => -998,
            (false, "besteffort") => 1000,
            _ => 999,
        };
        for (pid, ppid, comm, cmdline) in c.procs {
            let parent = if *ppid == 0 { c.shim } else { *ppid };
            let mut p = Proc::new(*pid, parent, comm, cmdline)
                .cgroup(&path)
                .ns(&[
                    ("ipc", ipc),
                    ("net", net),
                    ("mnt", mnt),
                    ("pid", pid_ns),
                    ("uts", uts),
                ])
                .oom(adj);
            if *comm == "kube-proxy" {
                p = p.systemd_cgroup(&format!("{path}/kube-proxy"));
            }
            if *comm == "redis-server" || (*comm == "nginx" && *ppid != 0) {
                p = p.uid(100);
            }
            node.process(p);
        }
    }
    node.record(record(
        RecordSource::Docker,
        SAFE_NGINX,
        Some(&format!(
            "/k8s_safe-nginx_668c459d6-pp7bxxx-xxxx_{NGINX_POD}_0"
        )),
        &[],
        &[],
    ));
    node.cgroup_file(
        &pod_cgroup("burstable", REDIS_POD),
        "memory.limit_in_bytes",
        "536870912\n",
    );
    node.cgroup_file(&pod_cgroup("burstable", REDIS_POD), "cpu.shares", "512\n");
    node
}

fn find_container<'a>(model: &'a Model, prefix: &str) -> &'a Container {
    let matches: Vec<&Container> = model
        .containers
        .iter()
        .filter(|c| c.id.as_str().starts_with(prefix))
        .collect();
    assert_eq!(matches.len(), 1, "container prefix {prefix}");
    matches[0]
}

fn process(model: &Model, pid: u32) -> &Process {
    model
        .processes
        .iter()
        .find(|p| p.pid == Pid(pid))
        .unwrap_or_else(|| panic!("pid {pid} missing"))
}

fn pod<'a>(model: &'a Model, uid: &str) -> &'a Pod {
    model
        .pods
        .iter()
        .find(|p| p.uid.as_str() == uid)
        .unwrap_or_else(|| panic!("pod {uid} missing"))
}

#[test]
fn seed_node_facts() {
    let model = analyze(&seed_node().build());
    assert_eq!(model.node.hostname.as_deref(), Some("my-node1"));
    assert_eq!(model.node.os.as_deref(), Some("CentOS Linux 7 (Core)"));
    assert_eq!(model.node.cgroup_mode, CgroupMode::V1);
    assert_eq!(model.node.cgroup_driver, CgroupDriver::Cgroupfs);
    assert_eq!(model.node.kubelet_pid, Some(Pid(5773)));
    assert_eq!(
        model.node.boot_time.as_deref(),
        Some("2020-06-15T08:48:44Z")
    );
    assert_eq!(model.node.cpus, Some(2));
    let kinds: Vec<(RuntimeKind, Option<Pid>)> = model
        .node
        .runtimes
        .iter()
        .map(|r| (r.kind, r.pid))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (RuntimeKind::Docker, Some(Pid(2842))),
            (RuntimeKind::Containerd, Some(Pid(2841)))
        ]
    );
}

#[test]
fn seed_containerd_is_the_parent_of_every_shim() {
    let model = analyze(&seed_node().build());
    let shims: Vec<&Process> = model
        .processes
        .iter()
        .filter(|p| p.role == ProcessRole::Shim)
        .collect();
    assert_eq!(shims.len(), 15);
    assert!(shims.iter().all(|s| s.ppid == Pid(2841)));
    assert_eq!(process(&model, 2841).role, ProcessRole::RuntimeDaemon);
}

#[test]
fn seed_shim_7320_runs_safe_nginx_whose_first_process_is_7337() {
    let model = analyze(&seed_node().build());
    let c = find_container(&model, "52eeb71ffa22");
    assert_eq!(c.shim_pid, Some(Pid(7320)));
    assert_eq!(c.init_pid, Some(Pid(7337)));
    assert_eq!(c.pod_uid.as_ref().map(PodUid::as_str), Some(NGINX_POD));
    assert_eq!(c.name.as_deref(), Some("safe-nginx"));
    assert_eq!(c.runtime, Some(RuntimeKind::Docker));
    assert_eq!(c.pids.len(), 9);
    let nginx = process(&model, 7337);
    assert_eq!(nginx.comm, "nginx");
    assert_eq!(nginx.container_id.as_ref(), Some(&c.id));
    assert_eq!(nginx.pod_uid.as_ref().map(PodUid::as_str), Some(NGINX_POD));
    assert_eq!(nginx.role, ProcessRole::Container);
    let p = pod(&model, NGINX_POD);
    assert_eq!(p.name.as_deref(), Some("668c459d6-pp7bxxx-xxxx"));
    assert_eq!(p.qos, Some(QosClass::Burstable));
}

#[test]
fn seed_redis_pod_is_burstable_with_pause_redis_and_nginx() {
    let model = analyze(&seed_node().build());
    let p = pod(&model, REDIS_POD);
    assert_eq!(p.qos, Some(QosClass::Burstable));
    assert_eq!(
        p.sandbox_id.as_ref().map(ContainerId::as_str),
        Some(REDIS_PAUSE)
    );
    assert_eq!(p.sandbox_pid, Some(Pid(19057)));
    let mut ids: Vec<&str> = p.container_ids.iter().map(ContainerId::as_str).collect();
    ids.sort();
    assert_eq!(ids, vec![REDIS_PAUSE, REDIS, NGINX]);
    assert_eq!(
        p.cgroup.as_deref(),
        Some("/kubepods/burstable/podf5f16f15-af9e-11ea-8af4-0050569e47b9")
    );
    assert_eq!(p.limits.memory_max_bytes, Some(Limit::Value(536870912)));
    assert_eq!(p.limits.cpu_shares, Some(512));
    assert_eq!(
        find_container(&model, "9934ac36").init_pid,
        Some(Pid(19356))
    );
    assert_eq!(
        find_container(&model, "9934ac36").shim_pid,
        Some(Pid(19338))
    );
    assert_eq!(find_container(&model, "d62b4a2").init_pid, Some(Pid(19431)));
    assert!(find_container(&model, "63ee2df4").sandbox);
    assert!(!find_container(&model, "d62b4a2").sandbox);
    // docker top prints redis' uid as 100: the host's passwd has no name for it.
    let redis = process(&model, 19356);
    assert_eq!((redis.uid, redis.user.as_deref()), (Some(100), None));
    assert_eq!(process(&model, 19431).user.as_deref(), Some("root"));
}

#[test]
fn seed_redis_pod_shares_ipc_net_and_the_host_user_namespace() {
    let model = analyze(&seed_node().build());
    let p = pod(&model, REDIS_POD);
    let sharing = |kind| p.namespace_sharing.get(&kind).copied();
    assert_eq!(sharing(NsType::Ipc), Some(Sharing::Pod));
    assert_eq!(sharing(NsType::Net), Some(Sharing::Pod));
    assert_eq!(sharing(NsType::User), Some(Sharing::Host));
    assert_eq!(sharing(NsType::Mnt), Some(Sharing::Private));
    assert_eq!(sharing(NsType::Pid), Some(Sharing::Private));
    assert_eq!(sharing(NsType::Uts), Some(Sharing::Private));

    let ns = |kind: NsType, inode: u64| {
        model
            .namespaces
            .iter()
            .find(|n| n.kind == kind && n.inode == Inode(inode))
            .unwrap_or_else(|| panic!("{kind}:[{inode}] missing"))
    };
    let uid = PodUid::parse(REDIS_POD).unwrap();
    let ipc = ns(NsType::Ipc, 4026532659);
    assert_eq!(ipc.holder, Holder::Pod(uid.clone()));
    for pid in [19057, 19356, 19431, 19460] {
        assert!(ipc.pids.contains(&Pid(pid)), "ipc has {pid}");
    }
    assert_eq!(ns(NsType::Net, 4026532662).holder, Holder::Pod(uid));
    assert_eq!(ns(NsType::User, 4026531837).holder, Holder::Host);
    let redis_mnt = ns(NsType::Mnt, 4026532654);
    assert_eq!(redis_mnt.pids, vec![Pid(19356)]);
    assert_eq!(
        redis_mnt.holder,
        Holder::Container(ContainerId::parse(REDIS).unwrap())
    );
    assert_eq!(
        ns(NsType::Mnt, 4026532657).holder,
        Holder::Container(ContainerId::parse(REDIS_PAUSE).unwrap())
    );
}

#[test]
fn seed_empty_shims_7342_and_8087_are_flagged_and_nothing_else_is() {
    let model = analyze(&seed_node().build());
    let flagged: Vec<&Finding> = model
        .findings
        .iter()
        .filter(|f| f.rule == findings::SHIM_WITHOUT_CONTAINER.id)
        .collect();
    let subjects: Vec<&Subject> = flagged.iter().map(|f| &f.subject).collect();
    assert_eq!(
        subjects,
        vec![&Subject::Process(Pid(7342)), &Subject::Process(Pid(8087))]
    );
    assert!(
        flagged[0].message.contains("08bcf4df1a20"),
        "{}",
        flagged[0].message
    );
    let rules: std::collections::BTreeSet<&str> =
        model.findings.iter().map(|f| f.rule.as_str()).collect();
    // The assumed hostNetwork pods are the only other findings.
    assert_eq!(
        rules.into_iter().collect::<Vec<_>>(),
        vec!["pod-host-network", "shim-without-container"]
    );
    let host_net: Vec<&Subject> = model
        .findings
        .iter()
        .filter(|f| f.rule == "pod-host-network")
        .map(|f| &f.subject)
        .collect();
    assert_eq!(host_net.len(), 3);
}

#[test]
fn seed_kube_proxy_in_its_sub_cgroup_still_belongs_to_its_container() {
    let model = analyze(&seed_node().build());
    let proxy = process(&model, 6227);
    assert_eq!(
        proxy.container_id.as_ref().map(ContainerId::as_str),
        Some(PROXY)
    );
    assert_eq!(proxy.pod_uid.as_ref().map(PodUid::as_str), Some(PROXY_POD));
    assert_eq!(pod(&model, PROXY_POD).qos, Some(QosClass::BestEffort));
    let sub = format!("/kubepods/besteffort/pod{PROXY_POD}/{PROXY}/kube-proxy");
    let cgroup = model
        .cgroups
        .iter()
        .find(|c| c.path == sub)
        .expect("kube-proxy's sub-cgroup is in the tree");
    assert_eq!(cgroup.pids, vec![Pid(6227)]);
    assert_eq!(
        cgroup.container_id.as_ref().map(ContainerId::as_str),
        Some(PROXY)
    );
    assert_eq!(
        find_container(&model, "167e38f3").cgroup.as_deref(),
        Some(format!("/kubepods/besteffort/pod{PROXY_POD}/{PROXY}").as_str())
    );
}

#[test]
fn seed_cgroup_tree_is_sorted_with_parents_listed() {
    let model = analyze(&seed_node().build());
    let paths: Vec<String> = model.cgroups.iter().map(|c| c.path.to_string()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    for c in &model.cgroups {
        if let Some(parent) = &c.parent {
            assert!(paths.contains(&parent.to_string()), "parent of {}", c.path);
        }
    }
    let burstable = model
        .cgroups
        .iter()
        .find(|c| c.path == "/kubepods/burstable")
        .unwrap();
    assert_eq!(burstable.qos, Some(QosClass::Burstable));
    assert!(burstable.hierarchies.contains(&"memory".to_string()));
    let root = model.cgroups.iter().find(|c| c.path == "/").unwrap();
    assert_eq!(root.pids, vec![Pid(1), Pid(2), Pid(9), Pid(300)]);
}

#[test]
fn seed_kernel_threads_and_start_times() {
    let model = analyze(&seed_node().build());
    assert!(process(&model, 9).kernel_thread);
    assert_eq!(process(&model, 9).role, ProcessRole::KernelThread);
    assert!(!process(&model, 1).kernel_thread);
    // Boot 2020-06-15T08:48:44Z plus 19431 * 10 ticks / 100.
    assert_eq!(
        process(&model, 19431).start_time.as_deref(),
        Some("2020-06-15T09:21:07Z")
    );
    assert_eq!(
        process(&model, 19431).cmdline.as_deref(),
        Some("nginx: master process nginx -g daemon off;")
    );
}

#[test]
fn seed_model_serializes_with_the_documented_names() {
    let model = analyze(&seed_node().build());
    let json = serde_json::to_value(&model).expect("the model serializes");
    let pod = json["pods"]
        .as_array()
        .and_then(|pods| pods.iter().find(|p| p["uid"] == REDIS_POD))
        .expect("redis pod in json");
    assert_eq!(pod["qos"], "burstable");
    assert_eq!(pod["namespace_sharing"]["net"], "pod");
    assert_eq!(pod["namespace_sharing"]["user"], "host");
    assert_eq!(pod["name"], serde_json::Value::Null);
    let nginx = json["processes"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["pid"] == 7337))
        .expect("7337 in json");
    assert_eq!(nginx["container_id"], SAFE_NGINX);
    assert!(nginx["namespaces"]["net"].as_u64().is_some());
    assert_eq!(json["node"]["cgroup_mode"], "v1");
    assert_eq!(json["node"]["cgroup_driver"], "cgroupfs");
    let finding = &json["findings"][0];
    assert!(finding["rule"].is_string() && finding["severity"].is_string());
    assert_eq!(json["schema_version"], SCHEMA_VERSION);
}
