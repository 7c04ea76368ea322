//! The model built from nodes whose cgroup paths take the forms issue 11 names: a podman pod
//! under the cgroupfs manager, a kind node's nested containers, and a hybrid node whose
//! hierarchies disagree. The paths alone are checked in classify.rs; here, what the model makes
//! of them: which containers exist, their pids, pod and node container.

use super::layout_test::{app_ns, base, sandbox_ns, UID};
use super::testkit::{Fs, Proc};
use super::*;

const POD: &str = "d0ea76b7ff07d82d784394227c191a8bd0a54fd021ce4d2e94280a39c5d1d5e2";
const INFRA: &str = "5c184940ee4f91ba461c4a31a06145cbb19eb73d1adf808dbe5a0cf522e0f47c";
const APP: &str = "3411bfe40c470091f9e16a988f50ffaf41c110afc7b6290066e085853e111e91";
const NODE: &str = "fd9d0ea06257a9780827cbc7fd92e3812a54fca26d63e191b73610d5d48b9cbd";

fn ids(model: &Model) -> Vec<&str> {
    model.containers.iter().map(|c| c.id.as_str()).collect()
}

fn container<'a>(model: &'a Model, id: &str) -> &'a Container {
    model
        .containers
        .iter()
        .find(|c| c.id.as_str() == id)
        .unwrap_or_else(|| panic!("no container {id} in {:?}", ids(model)))
}

#[test]
fn podman_pod_under_cgroupfs_is_a_pod_whose_infra_and_app_containers_have_their_pids() {
    // The layout podman 4.3.1 writes with the cgroupfs manager (read on the build machine).
    let mut node = base(Fs::Hybrid);
    for (conmon, child, id, comm, ns) in [
        (900, 910, INFRA, "catatonit", sandbox_ns()),
        (901, 920, APP, "sleep", app_ns()),
    ] {
        node.process(
            Proc::new(conmon, 1, "conmon", &format!("/usr/bin/conmon --api-version 1 -c {id} -u {id} -r /usr/bin/runc --exit-command /usr/bin/podman"))
                .cgroup(&format!("/libpod_parent/{POD}/conmon"))
                .systemd_cgroup("/"),
        );
        node.process(
            Proc::new(child, conmon, comm, comm)
                .cgroup(&format!("/libpod_parent/{POD}/libpod-{id}"))
                .ns(&ns),
        );
    }
    let model = build(&node.build());
    assert_eq!(ids(&model), vec![APP, INFRA], "the pod id is no container");
    for (id, pid, shim) in [(INFRA, 910, 900), (APP, 920, 901)] {
        let c = container(&model, id);
        assert_eq!(c.pids, vec![Pid(pid)]);
        assert_eq!(c.shim_pid, Some(Pid(shim)));
        assert_eq!(c.runtime, Some(RuntimeKind::Podman));
        assert_eq!(c.podman_pod_id.as_ref().map(PodmanPodId::as_str), Some(POD));
        assert_eq!(
            c.pod_uid.as_ref().map(PodUid::as_str),
            Some(POD),
            "a podman pod is a pod, its id standing for the uid"
        );
    }
    let pod = &model.pods[0];
    assert_eq!(model.pods.len(), 1);
    assert_eq!(pod.kind, PodKind::Podman);
    assert_eq!(pod.qos, None, "podman pods have no QoS class");
    assert_eq!(
        pod.cgroup.as_deref(),
        Some(format!("/libpod_parent/{POD}").as_str())
    );
    assert_eq!(pod.container_ids.len(), 2);
}

#[test]
fn kind_node_containers_name_the_node_container_they_run_in() {
    let mut node = base(Fs::V1);
    let pod = format!("/docker/{NODE}/kubelet/kubepods/besteffort/pod{UID}");
    node.process(
        Proc::new(300, 1, "containerd", "/usr/local/bin/containerd")
            .cgroup(&format!("/docker/{NODE}/system.slice/containerd.service")),
    );
    node.process(
        Proc::new(
            900,
            300,
            "containerd-shim",
            &format!("/usr/local/bin/containerd-shim-runc-v2 -namespace k8s.io -id {INFRA} -address /run/containerd/containerd.sock"),
        )
        .cgroup(&format!("/docker/{NODE}/system.slice/containerd.service")),
    );
    node.process(
        Proc::new(910, 900, "pause", "/pause")
            .cgroup(&format!("{pod}/{INFRA}"))
            .ns(&sandbox_ns()),
    );
    node.process(
        Proc::new(920, 900, "nginx", "nginx")
            .cgroup(&format!("{pod}/{APP}"))
            .ns(&app_ns()),
    );
    let model = build(&node.build());
    for (id, pid) in [(INFRA, 910), (APP, 920)] {
        let c = container(&model, id);
        assert_eq!(c.pids, vec![Pid(pid)]);
        assert_eq!(c.pod_uid.as_ref().map(PodUid::as_str), Some(UID));
        let node_container = c.node_container_id.as_ref().map(ContainerId::as_str);
        assert_eq!(node_container, Some(NODE));
    }
    let pod = model.pods.iter().find(|p| p.uid.as_str() == UID).unwrap();
    assert_eq!(pod.qos, Some(QosClass::BestEffort));
    // The node's own daemon lives in the node container, as the host sees it.
    let node_container = container(&model, NODE);
    assert_eq!(node_container.node_container_id, None);
    assert!(node_container.pids.contains(&Pid(300)));
}

#[test]
fn a_hybrid_node_reads_the_container_from_v1_when_the_unified_line_stayed_behind() {
    let mut node = base(Fs::Hybrid);
    // runc on a hybrid node moves the process in the v1 hierarchies only; systemd's unified
    // hierarchy keeps it where the shim was (coroot's fixture 2000 has this shape).
    let container = format!("/kubepods/burstable/pod{UID}/{APP}");
    node.process(Proc::new(920, 1, "nginx", "nginx").cgroup(&container));
    node.file(
        "proc/920/cgroup",
        &format!(
            "11:memory:{container}\n7:rdma:/\n1:name=systemd:{container}\n0::/system.slice/containerd.service\n"
        ),
    );
    let snapshot = node.build();
    let model = build(&snapshot);
    let process = model.processes.iter().find(|p| p.pid == Pid(920)).unwrap();
    assert_eq!(
        process.container_id.as_ref().map(ContainerId::as_str),
        Some(APP)
    );
    assert_eq!(process.pod_uid.as_ref().map(PodUid::as_str), Some(UID));
}
