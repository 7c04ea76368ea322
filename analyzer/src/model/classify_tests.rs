//! `classify` against tables: every cgroup path layout nodesnap claims, the other forms support
//! tickets bring, and which of a process's lines wins.

use super::*;

const ID: &str = "52eeb71ffa22cd8020a6214fa1a556c2e22c3012858a75aa5799b021502916e1";
const UID: &str = "f5f16f15-af9e-11ea-8af4-0050569e47b9";
const UID_: &str = "f5f16f15_af9e_11ea_8af4_0050569e47b9";

struct Case {
    name: &'static str,
    path: String,
    pod: bool,
    qos: Option<QosClass>,
    pod_cgroup: Option<String>,
    container: bool,
    container_cgroup: Option<String>,
    conmon: bool,
    runtime: Option<RuntimeKind>,
    systemd: Option<bool>,
}

fn case(name: &'static str, path: String) -> Case {
    Case {
        name,
        path,
        pod: false,
        qos: None,
        pod_cgroup: None,
        container: false,
        container_cgroup: None,
        conmon: false,
        runtime: None,
        systemd: None,
    }
}

fn cases() -> Vec<Case> {
    use QosClass::*;
    use RuntimeKind::*;
    let cgfs_pod = format!("/kubepods/burstable/pod{UID}");
    let sd_pod =
        format!("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UID_}.slice");
    vec![
        Case {
            pod: true,
            qos: Some(Burstable),
            pod_cgroup: Some(cgfs_pod.clone()),
            container: true,
            container_cgroup: Some(format!("{cgfs_pod}/{ID}")),
            systemd: Some(false),
            ..case("cgroupfs burstable container", format!("{cgfs_pod}/{ID}"))
        },
        Case {
            pod: true,
            qos: Some(BestEffort),
            pod_cgroup: Some(format!("/kubepods/besteffort/pod{UID}")),
            container: true,
            container_cgroup: Some(format!("/kubepods/besteffort/pod{UID}/{ID}")),
            systemd: Some(false),
            ..case(
                "cgroupfs sub-cgroup below a container (kube-proxy in name=systemd)",
                format!("/kubepods/besteffort/pod{UID}/{ID}/kube-proxy"),
            )
        },
        Case {
            pod: true,
            qos: Some(Guaranteed),
            pod_cgroup: Some(format!("/kubepods/pod{UID}")),
            container: true,
            container_cgroup: Some(format!("/kubepods/pod{UID}/{ID}")),
            systemd: Some(false),
            ..case(
                "cgroupfs guaranteed pod directly under kubepods",
                format!("/kubepods/pod{UID}/{ID}"),
            )
        },
        Case {
            pod: true,
            qos: Some(Burstable),
            pod_cgroup: Some(cgfs_pod.clone()),
            systemd: Some(false),
            ..case("cgroupfs pod cgroup itself", cgfs_pod.clone())
        },
        case(
            "cgroupfs QoS cgroup is no pod",
            "/kubepods/burstable".to_string(),
        ),
        Case {
            pod: true,
            qos: Some(Burstable),
            pod_cgroup: Some(sd_pod.clone()),
            container: true,
            container_cgroup: Some(format!("{sd_pod}/cri-containerd-{ID}.scope")),
            runtime: Some(Containerd),
            systemd: Some(true),
            ..case(
                "systemd containerd scope",
                format!("{sd_pod}/cri-containerd-{ID}.scope"),
            )
        },
        Case {
            pod: true,
            qos: Some(Burstable),
            pod_cgroup: Some(sd_pod.clone()),
            container: true,
            container_cgroup: Some(format!("{sd_pod}/crio-{ID}.scope")),
            runtime: Some(CriO),
            systemd: Some(true),
            ..case(
                "systemd cri-o scope with crun's container sub-cgroup",
                format!("{sd_pod}/crio-{ID}.scope/container"),
            )
        },
        Case {
            pod: true,
            qos: Some(Burstable),
            pod_cgroup: Some(sd_pod.clone()),
            conmon: true,
            runtime: Some(CriO),
            systemd: Some(true),
            ..case(
                "systemd crio-conmon scope holds conmon, not the container",
                format!("{sd_pod}/crio-conmon-{ID}.scope"),
            )
        },
        Case {
            pod: true,
            qos: Some(Burstable),
            pod_cgroup: Some(cgfs_pod.clone()),
            container: true,
            container_cgroup: Some(format!("{cgfs_pod}/crio-{ID}")),
            runtime: Some(CriO),
            systemd: Some(false),
            ..case("cgroupfs cri-o", format!("{cgfs_pod}/crio-{ID}"))
        },
        Case {
            pod: true,
            qos: Some(BestEffort),
            pod_cgroup: Some(format!(
                "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UID_}.slice"
            )),
            container: true,
            container_cgroup: Some(format!(
                "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UID_}.slice/docker-{ID}.scope"
            )),
            runtime: Some(Docker),
            systemd: Some(true),
            ..case(
                "systemd docker scope (dockershim, cri-dockerd)",
                format!("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UID_}.slice/docker-{ID}.scope"),
            )
        },
        Case {
            pod: true,
            qos: Some(Guaranteed),
            pod_cgroup: Some(format!("/kubepods.slice/kubepods-pod{UID_}.slice")),
            container: true,
            container_cgroup: Some(format!(
                "/kubepods.slice/kubepods-pod{UID_}.slice/cri-containerd-{ID}.scope"
            )),
            runtime: Some(Containerd),
            systemd: Some(true),
            ..case(
                "systemd guaranteed pod directly under kubepods.slice",
                format!("/kubepods.slice/kubepods-pod{UID_}.slice/cri-containerd-{ID}.scope"),
            )
        },
        Case {
            pod: true,
            qos: Some(BestEffort),
            pod_cgroup: Some(format!(
                "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod{UID_}.slice"
            )),
            container: true,
            container_cgroup: Some(format!(
                "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod{UID_}.slice/cri-containerd-{ID}.scope"
            )),
            runtime: Some(Containerd),
            systemd: Some(true),
            ..case(
                "kubelet cgroup root below kubelet.slice (kind)",
                format!("/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod{UID_}.slice/cri-containerd-{ID}.scope"),
            )
        },
        Case {
            container: true,
            container_cgroup: Some(format!("/docker/{ID}")),
            runtime: Some(Docker),
            systemd: Some(false),
            ..case("plain docker cgroupfs", format!("/docker/{ID}"))
        },
        Case {
            container: true,
            container_cgroup: Some(format!("/system.slice/docker-{ID}.scope")),
            runtime: Some(Docker),
            systemd: Some(true),
            ..case(
                "plain docker systemd",
                format!("/system.slice/docker-{ID}.scope"),
            )
        },
        Case {
            container: true,
            container_cgroup: Some(format!("/machine.slice/libpod-{ID}.scope")),
            runtime: Some(Podman),
            systemd: Some(true),
            ..case(
                "podman scope with a sub-cgroup",
                format!("/machine.slice/libpod-{ID}.scope/container"),
            )
        },
        Case {
            conmon: true,
            runtime: Some(Podman),
            systemd: Some(true),
            ..case(
                "podman conmon scope",
                format!("/machine.slice/libpod-conmon-{ID}.scope"),
            )
        },
        Case {
            container: true,
            container_cgroup: Some(format!(
                "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-{ID}.scope"
            )),
            runtime: Some(Podman),
            systemd: Some(true),
            ..case(
                "rootless podman",
                format!("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-{ID}.scope"),
            )
        },
        Case {
            pod: true,
            qos: Some(Burstable),
            pod_cgroup: Some(format!("/../../kubepods-burstable-pod{UID_}.slice")),
            container: true,
            container_cgroup: Some(format!(
                "/../../kubepods-burstable-pod{UID_}.slice/cri-containerd-{ID}.scope"
            )),
            runtime: Some(Containerd),
            systemd: Some(true),
            ..case(
                "read from inside a cgroup namespace: the pod slice names itself",
                format!("/../../kubepods-burstable-pod{UID_}.slice/cri-containerd-{ID}.scope"),
            )
        },
        case(
            "a slice named like a pod but without kubepods is no pod",
            format!("/system.slice/app-pod{UID_}.slice"),
        ),
        case(
            "a QoS-looking slice without kubepods is no pod",
            format!("/system.slice/app-burstable-pod{UID_}.slice"),
        ),
        case(
            "system service",
            "/system.slice/containerd.service".to_string(),
        ),
        case("root", "/".to_string()),
        case("empty", String::new()),
        case(
            "short id is not a container",
            "/docker/52eeb71ffa22".to_string(),
        ),
        case(
            "pod-looking name outside kubepods is not a pod",
            format!("/user.slice/pod{UID}"),
        ),
        case(
            "malformed uid under kubepods",
            "/kubepods/burstable/podnot-a-uid".to_string(),
        ),
    ]
}

#[test]
fn every_layout_is_classified() {
    for c in cases() {
        let got = classify_cgroup_path(&c.path);
        let name = c.name;
        assert_eq!(got.pod_uid.is_some(), c.pod, "{name}: pod");
        if c.pod {
            assert_eq!(got.pod_uid.as_ref().unwrap().as_str(), UID, "{name}: uid");
        }
        assert_eq!(got.qos, c.qos, "{name}: qos");
        assert_eq!(got.pod_cgroup, c.pod_cgroup, "{name}: pod cgroup");
        assert_eq!(got.container_id.is_some(), c.container, "{name}: container");
        if c.container {
            assert_eq!(got.container_id.as_ref().unwrap().as_str(), ID, "{name}");
        }
        assert_eq!(got.container_cgroup, c.container_cgroup, "{name}: cgroup");
        assert_eq!(got.conmon_for.is_some(), c.conmon, "{name}: conmon");
        assert_eq!(got.runtime, c.runtime, "{name}: runtime");
        assert_eq!(got.systemd_driver, c.systemd, "{name}: driver");
    }
}

/// The forms a support ticket brings besides the plain layouts: what each must be read as.
struct Form {
    name: &'static str,
    path: String,
    container: Option<&'static str>,
    pod: Option<&'static str>,
    node: Option<&'static str>,
    podman_pod: Option<&'static str>,
    runtime: Option<RuntimeKind>,
    container_cgroup: Option<String>,
    pod_cgroup: Option<String>,
}

fn form(name: &'static str, path: String) -> Form {
    Form {
        name,
        path,
        container: None,
        pod: None,
        node: None,
        podman_pod: None,
        runtime: None,
        container_cgroup: None,
        pod_cgroup: None,
    }
}

const OUTER: &str = "fd9d0ea06257a9780827cbc7fd92e3812a54fca26d63e191b73610d5d48b9cbd";
const POD_ID: &str = "d0ea76b7ff07d82d784394227c191a8bd0a54fd021ce4d2e94280a39c5d1d5e2";

fn forms() -> Vec<Form> {
    use RuntimeKind::*;
    let be_slice =
        format!("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UID_}.slice");
    let mut forms = Vec::new();
    for (prefix, runtime) in [
        ("cri-containerd", Containerd),
        ("crio", CriO),
        ("docker", Docker),
    ] {
        let path = format!(
            "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UID_}.slice:{prefix}:{ID}"
        );
        forms.push(Form {
            container: Some(ID),
            pod: Some(UID),
            runtime: Some(runtime),
            container_cgroup: Some(path.clone()),
            pod_cgroup: Some(be_slice.clone()),
            ..form("runc's systemd slice:prefix:id left on cgroup v1", path)
        });
    }
    let under_containerd = format!(
        "/system.slice/containerd.service/kubepods-burstable-pod{UID_}.slice:cri-containerd:{ID}"
    );
    forms.push(Form {
        container: Some(ID),
        pod: Some(UID),
        runtime: Some(Containerd),
        container_cgroup: Some(under_containerd.clone()),
        pod_cgroup: Some(format!(
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UID_}.slice"
        )),
        ..form("slice:prefix:id below containerd.service", under_containerd)
    });
    forms.push(Form {
        container: Some(ID),
        pod: Some(UID),
        node: Some(OUTER),
        runtime: Some(Containerd),
        ..form(
            "kind node on systemd: the innermost id is the container's",
            format!("/system.slice/docker-{OUTER}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod{UID_}.slice/cri-containerd-{ID}.scope"),
        )
    });
    forms.push(Form {
        container: Some(ID),
        pod: Some(UID),
        node: Some(OUTER),
        container_cgroup: Some(format!(
            "/docker/{OUTER}/kubelet/kubepods/burstable/pod{UID}/{ID}"
        )),
        pod_cgroup: Some(format!(
            "/docker/{OUTER}/kubelet/kubepods/burstable/pod{UID}"
        )),
        ..form(
            "kind node on cgroupfs",
            format!("/docker/{OUTER}/kubelet/kubepods/burstable/pod{UID}/{ID}"),
        )
    });
    forms.push(Form {
        container: Some(ID),
        node: Some(OUTER),
        runtime: Some(Docker),
        ..form("docker in docker", format!("/docker/{OUTER}/docker/{ID}"))
    });
    forms.push(Form {
        container: Some(OUTER),
        runtime: Some(Docker),
        ..form(
            "the node's own daemons in its container: no inner id, so the outer is theirs",
            format!("/docker/{OUTER}/system.slice/containerd.service"),
        )
    });
    forms.push(Form {
        node: Some(OUTER),
        pod: Some(UID),
        pod_cgroup: Some(format!("/docker/{OUTER}/kubepods/besteffort/pod{UID}")),
        ..form(
            "a pod cgroup inside a node container",
            format!("/docker/{OUTER}/kubepods/besteffort/pod{UID}"),
        )
    });
    forms.push(Form {
        container: Some(ID),
        node: Some(OUTER),
        runtime: Some(Docker),
        ..form(
            "docker in docker in a pod: the pod holds the outer container, not the inner",
            format!("/kubepods/burstable/pod{UID}/{OUTER}/docker/{ID}"),
        )
    });
    forms.push(Form {
        container: Some(ID),
        container_cgroup: Some(format!("/system.slice/docker-{ID}.scope")),
        runtime: Some(Docker),
        ..form(
            "a process manager's init.scope inside a container",
            format!("/system.slice/docker-{ID}.scope/init.scope"),
        )
    });
    forms.push(Form {
        container: Some(ID),
        container_cgroup: Some(format!("/system.slice/myapp.service/libpod-payload-{ID}")),
        runtime: Some(Podman),
        ..form(
            "quadlet unit run with --cgroups=split",
            format!("/system.slice/myapp.service/libpod-payload-{ID}"),
        )
    });
    forms.push(Form {
        container: Some(ID),
        podman_pod: Some(POD_ID),
        runtime: Some(Podman),
        ..form(
            "podman pod, cgroupfs manager (podman 4.3.1 on this machine)",
            format!("/libpod_parent/{POD_ID}/libpod-{ID}"),
        )
    });
    forms.push(Form {
        podman_pod: Some(POD_ID),
        ..form(
            "podman pod's conmon, cgroupfs manager: the pod id is no container",
            format!("/libpod_parent/{POD_ID}/conmon"),
        )
    });
    forms.push(Form {
        container: Some(ID),
        podman_pod: Some(POD_ID),
        runtime: Some(Podman),
        ..form(
            "podman pod, systemd manager",
            format!("/machine.slice/machine-libpod_pod_{POD_ID}.slice/libpod-{ID}.scope/container"),
        )
    });
    forms.push(Form {
        container: Some("6f265890-5165-7fab-6b52-18d1"),
        ..form(
            "Cloud Foundry garden handle",
            "/system.slice/garden.service/garden/6f265890-5165-7fab-6b52-18d1".to_string(),
        )
    });
    forms.push(form(
        "a UUID in the middle of a path is no container (ECS task)",
        "/ecs/55091c13-b8cf-4801-b527-f4601742204d".to_string(),
    ));
    forms.push(Form {
        container: Some("34dc0b5e626f2c5c4c5170e34b10e765-1234567890"),
        ..form(
            "Fargate task container",
            "/ecs/34dc0b5e626f2c5c4c5170e34b10e765/34dc0b5e626f2c5c4c5170e34b10e765-1234567890"
                .to_string(),
        )
    });
    forms.push(Form {
        container: Some(ID),
        pod: Some(UID),
        node: Some("545b896a072744d186c7fb09a45ec172-3057940393"),
        ..form(
            "EKS on Fargate: the task container is the node's",
            format!("/ecs/545b896a072744d186c7fb09a45ec172/545b896a072744d186c7fb09a45ec172-3057940393/kubepods/burstable/pod{UID}/{ID}"),
        )
    });
    forms.push(Form {
        container: Some(ID),
        runtime: Some(Docker),
        container_cgroup: Some(format!("/docker/     {ID}    ")),
        ..form("an id padded with blanks", format!("/docker/     {ID}    "))
    });
    forms.push(Form {
        pod: Some(UID),
        ..form(
            "a container's rootfs mount unit is no container",
            format!("/kubepods/pod{UID}/crio-{ID}.mount"),
        )
    });
    forms.push(form(
        "a GNOME terminal scope holding a UUID is no container",
        "/user.slice/user-1000.slice/user@1000.service/app.slice/vte-spawn-75bc72bd-6642-4cf5-b62c-0674e11bfc84.scope".to_string(),
    ));
    forms.push(form(
        "BuildKit's step id is no container id",
        "/system.slice/system.slice:docker:jvifp9a6b1lxa1kuw8bwfcovf".to_string(),
    ));
    forms.push(Form {
        container: Some(ID),
        pod: Some(UID),
        ..form(
            "a pod read from inside a cgroup namespace",
            format!("/../../pod{UID}/{ID}"),
        )
    });
    forms
}

#[test]
fn every_form_is_attributed_to_its_container_pod_and_node() {
    for f in forms() {
        let got = classify_cgroup_path(&f.path);
        let name = f.name;
        let container = got.container_id.as_ref().map(ContainerId::as_str);
        assert_eq!(container, f.container, "{name}: container");
        assert_eq!(
            got.pod_uid.as_ref().map(PodUid::as_str),
            f.pod,
            "{name}: pod"
        );
        let node = got.node_container_id.as_ref().map(ContainerId::as_str);
        assert_eq!(node, f.node, "{name}: node container");
        let podman_pod = got.podman_pod_id.as_ref().map(PodmanPodId::as_str);
        assert_eq!(podman_pod, f.podman_pod, "{name}: podman pod");
        if f.runtime.is_some() {
            assert_eq!(got.runtime, f.runtime, "{name}: runtime");
        }
        if f.container_cgroup.is_some() {
            assert_eq!(got.container_cgroup, f.container_cgroup, "{name}: cgroup");
        }
        if f.pod_cgroup.is_some() {
            assert_eq!(got.pod_cgroup, f.pod_cgroup, "{name}: pod cgroup");
        }
    }
}

#[test]
fn a_process_is_read_from_its_most_telling_hierarchy() {
    let id = ID;
    let task = "34dc0b5e626f2c5c4c5170e34b10e765-1234567890";
    // Hybrid node: runc leaves the unified hierarchy where the shim was.
    let hybrid = [
        ("memory", format!("/kubepods/burstable/pod{UID}/{id}")),
        ("name=systemd", format!("/kubepods/burstable/pod{UID}/{id}")),
        ("", "/system.slice/containerd.service".to_string()),
    ];
    let got = classify_process_lines(hybrid.iter().map(|(c, p)| (*c, p.as_str())));
    assert_eq!(got.container_id.as_ref().map(ContainerId::as_str), Some(id));
    // Equal weights that disagree: name=systemd wins over the first line.
    let disagree = [
        ("memory", format!("/docker/{id}")),
        ("name=systemd", format!("/ecs/{task}")),
    ];
    let got = classify_process_lines(disagree.iter().map(|(c, p)| (*c, p.as_str())));
    assert_eq!(
        got.container_id.as_ref().map(ContainerId::as_str),
        Some(task)
    );
    // A nested line beats the unified line that names only the node's container.
    let eks = [
        (
            "memory",
            format!("/ecs/545b896a072744d186c7fb09a45ec172/{task}/kubepods/pod{UID}/{id}"),
        ),
        ("", format!("/ecs/545b896a072744d186c7fb09a45ec172/{task}")),
    ];
    let got = classify_process_lines(eks.iter().map(|(c, p)| (*c, p.as_str())));
    assert_eq!(got.container_id.as_ref().map(ContainerId::as_str), Some(id));
    let nothing = [("name=systemd", "/user.slice"), ("", "/")];
    assert_eq!(classify_process_lines(nothing), CgroupClass::default());
}

#[test]
fn weight_prefers_container_over_pod_over_nothing() {
    let container = classify_cgroup_path(&format!("/kubepods/pod{UID}/{ID}"));
    let pod = classify_cgroup_path(&format!("/kubepods/pod{UID}"));
    let none = classify_cgroup_path("/system.slice");
    assert!(container.weight() > pod.weight());
    assert!(pod.weight() > none.weight());
}
