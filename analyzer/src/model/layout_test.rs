//! One in-memory node per cgroup and runtime layout nodesnap claims (issue 3, item 3), each
//! checked for what the model must find: pod, QoS, sandbox, containers, shim, runtime, driver.

use super::testkit::{record, Fs, NodeBuilder, Proc};
use super::*;
use crate::analyze;
use nodesnap_format::{ContainerLogLink, PodLogDir, RecordSource};

pub const UID: &str = "0c9e1e53-7c6b-4f7e-9a55-2d3f1b0a9c11";
pub const UID_: &str = "0c9e1e53_7c6b_4f7e_9a55_2d3f1b0a9c11";
pub const SANDBOX: &str = "aaaa000000000000000000000000000000000000000000000000000000000001";
pub const APP: &str = "bbbb000000000000000000000000000000000000000000000000000000000002";

/// Pod-level namespaces (ipc, net, uts) and per-container ones (mnt, pid).
pub const POD_NS: [(&str, u64); 3] = [
    ("ipc", 4026532300),
    ("net", 4026532301),
    ("uts", 4026532302),
];

pub fn sandbox_ns() -> Vec<(&'static str, u64)> {
    let mut ns = POD_NS.to_vec();
    ns.extend([("mnt", 4026532310), ("pid", 4026532311)]);
    ns
}

pub fn app_ns() -> Vec<(&'static str, u64)> {
    let mut ns = POD_NS.to_vec();
    ns.extend([("mnt", 4026532320), ("pid", 4026532321)]);
    ns
}

/// A node with pid 1, kthreadd and a kernel thread.
pub fn base(fs: Fs) -> NodeBuilder {
    let mut node = NodeBuilder::new(fs);
    node.process(Proc::new(1, 0, "systemd", "/usr/lib/systemd/systemd"));
    node.process(Proc::new(2, 0, "kthreadd", ""));
    node.process(Proc::new(10, 2, "ksoftirqd/0", ""));
    node
}

/// A pause process and one app process under `sandbox_cgroup` / `app_cgroup`, children of
/// the given parents.
pub fn pod_processes(
    node: &mut NodeBuilder,
    (sandbox_parent, sandbox_cgroup): (u32, &str),
    (app_parent, app_cgroup): (u32, &str),
    app_oom: i32,
) {
    node.process(
        Proc::new(910, sandbox_parent, "pause", "/pause")
            .cgroup(sandbox_cgroup)
            .ns(&sandbox_ns())
            .oom(-998),
    );
    node.process(
        Proc::new(
            920,
            app_parent,
            "nginx",
            "nginx: master process nginx -g daemon off;",
        )
        .cgroup(app_cgroup)
        .ns(&app_ns())
        .oom(app_oom),
    );
}

fn runc_v2(id: &str, socket: &str, binary: &str) -> String {
    format!("{binary} -namespace k8s.io -id {id} -address {socket}")
}

fn container<'a>(model: &'a Model, id: &str) -> &'a Container {
    model
        .containers
        .iter()
        .find(|c| c.id.as_str() == id)
        .unwrap_or_else(|| panic!("container {id} missing"))
}

fn only_pod(model: &Model) -> &Pod {
    assert_eq!(model.pods.len(), 1, "pods: {:?}", model.pods);
    &model.pods[0]
}

fn rules(model: &Model) -> Vec<&str> {
    model.findings.iter().map(|f| f.rule.as_str()).collect()
}

/// The checks every Kubernetes layout shares.
fn assert_pod(model: &Model, qos: QosClass, runtime: RuntimeKind, shim: u32) {
    let pod = only_pod(model);
    assert_eq!(pod.uid.as_str(), UID);
    assert_eq!(pod.qos, Some(qos));
    assert_eq!(
        pod.sandbox_id.as_ref().map(ContainerId::as_str),
        Some(SANDBOX)
    );
    assert_eq!(pod.sandbox_pid, Some(Pid(910)));
    let ids: Vec<&str> = pod.container_ids.iter().map(ContainerId::as_str).collect();
    assert_eq!(ids, vec![SANDBOX, APP]);
    assert_eq!(pod.namespace_sharing.get(&NsType::Net), Some(&Sharing::Pod));
    assert_eq!(
        pod.namespace_sharing.get(&NsType::Mnt),
        Some(&Sharing::Private)
    );
    assert_eq!(
        pod.namespace_sharing.get(&NsType::User),
        Some(&Sharing::Host)
    );
    for id in [SANDBOX, APP] {
        let c = container(model, id);
        assert_eq!(c.runtime, Some(runtime), "{id}");
        // 0: one shim per container, checked by the caller.
        if shim != 0 {
            assert_eq!(c.shim_pid, Some(Pid(shim)), "{id}");
        }
        assert_eq!(c.pod_uid.as_ref().map(PodUid::as_str), Some(UID));
    }
    assert_eq!(container(model, APP).init_pid, Some(Pid(920)));
    assert!(container(model, SANDBOX).sandbox);
    assert!(!container(model, APP).sandbox);
    assert_eq!(
        model
            .processes
            .iter()
            .find(|p| p.pid == Pid(920))
            .and_then(|p| p.container_id.as_ref())
            .map(ContainerId::as_str),
        Some(APP)
    );
    assert!(rules(model).is_empty(), "findings: {:?}", model.findings);
}

#[test]
fn systemd_driver_v1_containerd_runc_v2_one_shim_per_pod_child_of_pid_1() {
    let mut node = base(Fs::V1);
    node.process(
        Proc::new(800, 1, "containerd", "/usr/bin/containerd")
            .cgroup("/system.slice/containerd.service"),
    );
    node.process(
        Proc::new(
            900,
            1,
            "containerd-shim",
            &runc_v2(
                SANDBOX,
                "/run/containerd/containerd.sock",
                "/usr/bin/containerd-shim-runc-v2",
            ),
        )
        .cgroup("/system.slice/containerd.service"),
    );
    let pod =
        format!("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UID_}.slice");
    pod_processes(
        &mut node,
        (900, &format!("{pod}/cri-containerd-{SANDBOX}.scope")),
        (900, &format!("{pod}/cri-containerd-{APP}.scope")),
        500,
    );
    let model = analyze(&node.build());
    assert_pod(&model, QosClass::Burstable, RuntimeKind::Containerd, 900);
    assert_eq!(container(&model, APP).shim_pid, Some(Pid(900)));
    assert_eq!(model.node.cgroup_driver, CgroupDriver::Systemd);
    assert_eq!(model.node.cgroup_mode, CgroupMode::V1);
    assert_eq!(only_pod(&model).cgroup.as_deref(), Some(pod.as_str()));
}

#[test]
fn v2_systemd_guaranteed_pod_sits_directly_under_kubepods_slice() {
    let mut node = base(Fs::V2);
    node.process(
        Proc::new(800, 1, "containerd", "/usr/bin/containerd")
            .cgroup("/system.slice/containerd.service"),
    );
    node.process(
        Proc::new(
            900,
            1,
            "containerd-shim",
            &runc_v2(
                SANDBOX,
                "/run/containerd/containerd.sock",
                "/usr/bin/containerd-shim-runc-v2",
            ),
        )
        .cgroup("/system.slice/containerd.service"),
    );
    let pod = format!("/kubepods.slice/kubepods-pod{UID_}.slice");
    pod_processes(
        &mut node,
        (900, &format!("{pod}/cri-containerd-{SANDBOX}.scope")),
        (900, &format!("{pod}/cri-containerd-{APP}.scope")),
        -997,
    );
    node.cgroup_file(&pod, "memory.max", "268435456\n");
    node.cgroup_file(&pod, "cpu.max", "50000 100000\n");
    let model = analyze(&node.build());
    assert_pod(&model, QosClass::Guaranteed, RuntimeKind::Containerd, 900);
    assert_eq!(model.node.cgroup_mode, CgroupMode::V2);
    assert_eq!(model.node.cgroup_driver, CgroupDriver::Systemd);
    let limits = &only_pod(&model).limits;
    assert_eq!(limits.memory_max_bytes, Some(Limit::Value(268435456)));
    assert_eq!(limits.cpu_quota_usec, Some(Limit::Value(50000)));
}

#[test]
fn v2_cgroupfs_containerd_with_bare_ids() {
    let mut node = base(Fs::V2);
    node.process(
        Proc::new(800, 1, "containerd", "/usr/bin/containerd")
            .cgroup("/system.slice/containerd.service"),
    );
    node.process(Proc::new(
        900,
        1,
        "containerd-shim",
        &runc_v2(
            SANDBOX,
            "/run/containerd/containerd.sock",
            "/usr/bin/containerd-shim-runc-v2",
        ),
    ));
    let pod = format!("/kubepods/besteffort/pod{UID}");
    pod_processes(
        &mut node,
        (900, &format!("{pod}/{SANDBOX}")),
        (900, &format!("{pod}/{APP}")),
        1000,
    );
    // Names from the kubelet's log directory and links only.
    let metadata = node.metadata();
    metadata.pod_log_dirs.push(PodLogDir {
        name: format!("shop_web-0_{UID}"),
        containers: vec!["nginx".into()],
    });
    metadata.container_log_links.push(ContainerLogLink {
        name: format!("web-0_shop_nginx-{APP}.log"),
        target: format!("/var/log/pods/shop_web-0_{UID}/nginx/0.log"),
    });
    let model = analyze(&node.build());
    assert_pod(&model, QosClass::BestEffort, RuntimeKind::Containerd, 900);
    assert_eq!(model.node.cgroup_driver, CgroupDriver::Cgroupfs);
    let pod = only_pod(&model);
    assert_eq!(
        (pod.namespace.as_deref(), pod.name.as_deref()),
        (Some("shop"), Some("web-0"))
    );
    assert_eq!(container(&model, APP).name.as_deref(), Some("nginx"));
}

#[test]
fn v1_systemd_docker_scopes_with_one_shim_v1_per_container() {
    let mut node = base(Fs::V1);
    node.process(
        Proc::new(800, 1, "containerd", "/usr/bin/containerd")
            .cgroup("/system.slice/containerd.service"),
    );
    node.process(
        Proc::new(801, 1, "dockerd", "/usr/bin/dockerd -H fd://")
            .cgroup("/system.slice/docker.service"),
    );
    for (shim, id) in [(900, SANDBOX), (901, APP)] {
        node.process(Proc::new(shim, 800, "containerd-shim", &format!(
            "containerd-shim -namespace moby -workdir /var/lib/containerd/io.containerd.runtime.v1.linux/moby/{id} -address /run/containerd/containerd.sock"
        )).cgroup("/system.slice/containerd.service"));
    }
    let pod =
        format!("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UID_}.slice");
    pod_processes(
        &mut node,
        (900, &format!("{pod}/docker-{SANDBOX}.scope")),
        (901, &format!("{pod}/docker-{APP}.scope")),
        1000,
    );
    node.record(record(
        RecordSource::Docker,
        SANDBOX,
        Some(&format!("/k8s_POD_web-0_shop_{UID}_0")),
        &[("io.kubernetes.docker.type", "podsandbox")],
        &[],
    ));
    node.record(record(
        RecordSource::Docker,
        APP,
        Some(&format!("/k8s_nginx_web-0_shop_{UID}_0")),
        &[("io.kubernetes.container.name", "nginx")],
        &[],
    ));
    let model = analyze(&node.build());
    assert_pod(&model, QosClass::BestEffort, RuntimeKind::Docker, 0);
    assert_eq!(container(&model, SANDBOX).shim_pid, Some(Pid(900)));
    assert_eq!(container(&model, APP).shim_pid, Some(Pid(901)));
    assert_eq!(container(&model, APP).name.as_deref(), Some("nginx"));
    let pod = only_pod(&model);
    assert_eq!(
        (pod.namespace.as_deref(), pod.name.as_deref()),
        (Some("shop"), Some("web-0"))
    );
    assert_eq!(model.node.cgroup_driver, CgroupDriver::Systemd);
}

#[test]
fn crio_with_one_conmon_per_container_outside_the_container_scope() {
    let mut node = base(Fs::V2);
    node.process(Proc::new(800, 1, "crio", "/usr/bin/crio").cgroup("/system.slice/crio.service"));
    let pod =
        format!("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UID_}.slice");
    for (conmon, id) in [(900, SANDBOX), (901, APP)] {
        node.process(
            Proc::new(conmon, 1, "conmon", &format!("/usr/bin/conmon -b /run/containers/storage/overlay-containers/{id}/userdata -c {id} --exit-dir /var/run/crio/exits"))
                .cgroup(&format!("{pod}/crio-conmon-{id}.scope")),
        );
    }
    pod_processes(
        &mut node,
        (900, &format!("{pod}/crio-{SANDBOX}.scope")),
        (901, &format!("{pod}/crio-{APP}.scope/container")),
        700,
    );
    node.record(record(
        RecordSource::CrioUserdata,
        APP,
        None,
        &[],
        &[
            ("io.kubernetes.container.name", "nginx"),
            ("io.kubernetes.pod.name", "web-0"),
            ("io.kubernetes.pod.namespace", "shop"),
            ("io.kubernetes.pod.uid", UID),
        ],
    ));
    let model = analyze(&node.build());
    assert_pod(&model, QosClass::Burstable, RuntimeKind::CriO, 0);
    assert_eq!(container(&model, SANDBOX).shim_pid, Some(Pid(900)));
    assert_eq!(container(&model, APP).shim_pid, Some(Pid(901)));
    let conmon = model.processes.iter().find(|p| p.pid == Pid(901)).unwrap();
    assert_eq!(conmon.container_id, None, "conmon is not in the container");
    assert_eq!(conmon.role, ProcessRole::Shim);
    assert_eq!(only_pod(&model).name.as_deref(), Some("web-0"));
    assert_eq!(
        container(&model, APP).cgroup.as_deref(),
        Some(format!("{pod}/crio-{APP}.scope").as_str())
    );
}

#[test]
fn crio_without_an_infra_container_still_names_the_pods_sandbox() {
    // CRI-O's default since 1.22 (drop_infra_ctr): no pause process and no infra scope, but
    // each container's annotations carry the sandbox id.
    let mut node = base(Fs::V2);
    node.process(Proc::new(800, 1, "crio", "/usr/bin/crio").cgroup("/system.slice/crio.service"));
    let pod =
        format!("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UID_}.slice");
    node.process(
        Proc::new(901, 1, "conmon", &format!("/usr/bin/conmon -b /run/containers/storage/overlay-containers/{APP}/userdata -c {APP} --exit-dir /var/run/crio/exits"))
            .cgroup(&format!("{pod}/crio-conmon-{APP}.scope")),
    );
    node.process(
        Proc::new(920, 901, "nginx", "nginx: master process")
            .cgroup(&format!("{pod}/crio-{APP}.scope/container"))
            .ns(&app_ns()),
    );
    node.record(record(
        RecordSource::CrioUserdata,
        APP,
        None,
        &[],
        &[
            ("io.kubernetes.container.name", "nginx"),
            ("io.kubernetes.cri-o.SandboxID", SANDBOX),
            ("io.kubernetes.pod.uid", UID),
        ],
    ));
    let model = analyze(&node.build());
    let pod = only_pod(&model);
    assert_eq!(
        pod.sandbox_id.as_ref().map(ContainerId::as_str),
        Some(SANDBOX)
    );
    assert_eq!(pod.sandbox_pid, None, "no process holds the sandbox");
    assert_eq!(
        pod.container_ids.len(),
        1,
        "the app only: no sandbox container exists"
    );
    assert!(!container(&model, APP).sandbox);
}

#[test]
fn k3s_with_its_embedded_containerd() {
    let mut node = base(Fs::V2);
    node.process(
        Proc::new(700, 1, "k3s-server", "/usr/local/bin/k3s server")
            .cgroup("/system.slice/k3s.service"),
    );
    node.process(Proc::new(710, 700, "containerd", "containerd -c /var/lib/rancher/k3s/agent/etc/containerd/config.toml -a /run/k3s/containerd/containerd.sock").cgroup("/system.slice/k3s.service"));
    node.process(
        Proc::new(
            900,
            1,
            "containerd-shim",
            &runc_v2(
                SANDBOX,
                "/run/k3s/containerd/containerd.sock",
                "/var/lib/rancher/k3s/data/abc/bin/containerd-shim-runc-v2",
            ),
        )
        .cgroup("/system.slice/k3s.service"),
    );
    let pod = format!("/kubepods/burstable/pod{UID}");
    pod_processes(
        &mut node,
        (900, &format!("{pod}/{SANDBOX}")),
        (900, &format!("{pod}/{APP}")),
        300,
    );
    let model = analyze(&node.build());
    assert_pod(&model, QosClass::Burstable, RuntimeKind::Containerd, 900);
    let kinds: Vec<RuntimeKind> = model.node.runtimes.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, vec![RuntimeKind::Containerd]);
    assert_eq!(model.node.runtimes[0].pid, Some(Pid(710)));
    assert_eq!(model.node.runtimes[0].distribution.as_deref(), Some("k3s"));
    assert_eq!(
        model.node.runtimes[0].shim_pids,
        vec![Pid(900)],
        "the shim names k3s' socket"
    );
    assert_eq!(
        model.node.kubelet_pid,
        Some(Pid(700)),
        "the kubelet runs inside k3s"
    );
}

/// A standalone container's process with its own namespaces.
fn standalone(node: &mut NodeBuilder, parent: u32, cgroup: &str) {
    node.process(
        Proc::new(920, parent, "redis-server", "redis-server *:6379")
            .cgroup(cgroup)
            .ns(&app_ns()),
    );
}

fn assert_standalone(model: &Model, runtime: RuntimeKind, shim: u32) {
    assert!(model.pods.is_empty(), "no pods: {:?}", model.pods);
    assert_eq!(model.containers.len(), 1);
    let c = &model.containers[0];
    assert_eq!(c.id.as_str(), APP);
    assert_eq!(c.pod_uid, None);
    assert_eq!(c.runtime, Some(runtime));
    assert_eq!(c.shim_pid, Some(Pid(shim)));
    assert_eq!(c.init_pid, Some(Pid(920)));
    assert!(!c.sandbox);
    assert!(rules(model).is_empty(), "findings: {:?}", model.findings);
}

#[test]
fn plain_docker_cgroupfs_under_slash_docker() {
    let mut node = base(Fs::V1);
    node.process(Proc::new(800, 1, "containerd", "/usr/bin/containerd"));
    node.process(Proc::new(801, 1, "dockerd", "/usr/bin/dockerd"));
    node.process(Proc::new(900, 800, "containerd-shim", &format!("containerd-shim -namespace moby -workdir /var/lib/containerd/io.containerd.runtime.v1.linux/moby/{APP}")));
    standalone(&mut node, 900, &format!("/docker/{APP}"));
    let model = analyze(&node.build());
    assert_standalone(&model, RuntimeKind::Docker, 900);
    assert_eq!(model.node.cgroup_driver, CgroupDriver::Cgroupfs);
}

#[test]
fn plain_docker_systemd_scope_with_a_runc_v2_moby_shim() {
    let mut node = base(Fs::V2);
    node.process(Proc::new(800, 1, "containerd", "/usr/bin/containerd"));
    node.process(Proc::new(801, 1, "dockerd", "/usr/bin/dockerd"));
    node.process(Proc::new(900, 1, "containerd-shim", &format!("/usr/bin/containerd-shim-runc-v2 -namespace moby -id {APP} -address /run/containerd/containerd.sock")));
    standalone(&mut node, 900, &format!("/system.slice/docker-{APP}.scope"));
    let model = analyze(&node.build());
    assert_standalone(&model, RuntimeKind::Docker, 900);
    assert_eq!(model.node.cgroup_driver, CgroupDriver::Systemd);
}

#[test]
fn podman_container_in_a_sub_cgroup_with_conmon_in_its_own_scope() {
    let mut node = base(Fs::V2);
    node.process(
        Proc::new(900, 1, "conmon", &format!("/usr/bin/conmon --api-version 1 -c {APP} -u {APP} -r /usr/bin/crun --exit-command /usr/bin/podman"))
            .cgroup(&format!("/machine.slice/libpod-conmon-{APP}.scope")),
    );
    standalone(
        &mut node,
        900,
        &format!("/machine.slice/libpod-{APP}.scope/container"),
    );
    let model = analyze(&node.build());
    assert_standalone(&model, RuntimeKind::Podman, 900);
    let kinds: Vec<(RuntimeKind, Option<Pid>)> = model
        .node
        .runtimes
        .iter()
        .map(|r| (r.kind, r.pid))
        .collect();
    assert_eq!(kinds, vec![(RuntimeKind::Podman, None)]);
    assert_eq!(
        model.containers[0].cgroup.as_deref(),
        Some(format!("/machine.slice/libpod-{APP}.scope").as_str())
    );
}

#[test]
fn host_without_containers() {
    let mut node = base(Fs::V2);
    node.process(
        Proc::new(500, 1, "sshd", "/usr/sbin/sshd -D").cgroup("/system.slice/sshd.service"),
    );
    let model = analyze(&node.build());
    assert!(model.pods.is_empty());
    assert!(model.containers.is_empty());
    assert!(model.node.runtimes.is_empty());
    assert_eq!(model.node.cgroup_driver, CgroupDriver::Unknown);
    assert_eq!(model.processes.len(), 4);
    assert!(model.findings.is_empty(), "{:?}", model.findings);
    assert!(model.namespaces.iter().all(|n| n.holder == Holder::Host));
}

#[test]
fn collector_pid_is_left_out() {
    let mut node = base(Fs::V2);
    node.process(Proc::new(
        4242,
        1,
        "collector",
        "/tmp/collector -o /tmp/x.tar.gz",
    ));
    node.collector_pid(4242);
    let model = analyze(&node.build());
    assert!(model.processes.iter().all(|p| p.pid != Pid(4242)));
    assert_eq!(model.collection.collector_pid, Some(Pid(4242)));
}

#[test]
fn host_namespaces_come_from_kernel_threads_when_pid_1_is_unreadable() {
    let mut node = base(Fs::V2);
    // pid 1's ns file replaced by nothing readable: an empty file lists no links.
    node.file("proc/1/ns", "");
    node.process(Proc::new(11, 2, "kworker/0:0", ""));
    let model = analyze(&node.build());
    let net = model
        .namespaces
        .iter()
        .find(|n| n.kind == NsType::Net)
        .unwrap();
    assert_eq!(net.inode, Inode(4026531956));
    assert_eq!(net.holder, Holder::Host);
}

#[test]
fn shim_placed_in_its_pods_sandbox_cgroup_is_not_a_container_process() {
    let mut node = base(Fs::V1);
    node.process(Proc::new(800, 1, "containerd", "/usr/bin/containerd"));
    let pod = format!("/kubepods/burstable/pod{UID}");
    // Started before the pause, in the sandbox's cgroup.
    node.process(
        Proc::new(
            900,
            1,
            "containerd-shim",
            &runc_v2(
                SANDBOX,
                "/run/containerd/containerd.sock",
                "containerd-shim-runc-v2",
            ),
        )
        .cgroup(&format!("{pod}/{SANDBOX}")),
    );
    pod_processes(
        &mut node,
        (900, &format!("{pod}/{SANDBOX}")),
        (900, &format!("{pod}/{APP}")),
        500,
    );
    let model = analyze(&node.build());
    assert_pod(&model, QosClass::Burstable, RuntimeKind::Containerd, 900);
    assert_eq!(container(&model, SANDBOX).pids, vec![Pid(910)]);
    let shim = model.processes.iter().find(|p| p.pid == Pid(900)).unwrap();
    assert_eq!(shim.container_id, None);
    assert_eq!(shim.role, ProcessRole::Shim);
}

#[test]
fn hybrid_node_with_docker_cgroupfs_reads_the_systemd_hierarchy_for_display() {
    let mut node = base(Fs::Hybrid);
    node.process(Proc::new(800, 1, "containerd", "/usr/bin/containerd"));
    node.process(Proc::new(801, 1, "dockerd", "/usr/bin/dockerd"));
    node.process(Proc::new(
        900,
        800,
        "containerd-shim",
        &format!("containerd-shim -namespace moby -workdir /var/lib/containerd/io.containerd.runtime.v1.linux/moby/{APP}"),
    ));
    standalone(&mut node, 900, &format!("/docker/{APP}"));
    let model = analyze(&node.build());
    assert_eq!(model.node.cgroup_mode, CgroupMode::Hybrid);
    assert_standalone(&model, RuntimeKind::Docker, 900);
    let cgroup = model
        .cgroups
        .iter()
        .find(|c| c.path == format!("/docker/{APP}"))
        .expect("container cgroup in the tree");
    assert_eq!(cgroup.pids, vec![Pid(920)]);
    assert!(cgroup.hierarchies.contains(&"unified".to_string()));
    assert!(cgroup.hierarchies.contains(&"memory".to_string()));
}
