//! Reads a cgroup path the way the kubelet and the container runtimes write it: which pod, QoS
//! class and container it belongs to, and whether the systemd or the cgroupfs driver named it.
//!
//! Pure functions of one path; every layout nodesnap claims is in the table test below.

use super::ids::{ContainerId, PodUid, QosClass};
use super::types::RuntimeKind;

/// What a cgroup path says about its owner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CgroupClass {
    /// The path lies under a kubepods root (`/kubepods`, `/kubepods.slice`, `kubelet-kubepods`).
    pub kubepods: bool,
    pub pod_uid: Option<PodUid>,
    /// Known only below a kubepods root: a pod directly under it is guaranteed.
    pub qos: Option<QosClass>,
    /// The pod's cgroup: the path up to and including the pod component.
    pub pod_cgroup: Option<String>,
    /// The container whose processes live here (at or below `container_cgroup`).
    pub container_id: Option<ContainerId>,
    /// The container's own cgroup: the path up to and including the container component, so
    /// that a sub-cgroup such as `.../<id>/kube-proxy` still names its container.
    pub container_cgroup: Option<String>,
    /// The container a conmon scope (`crio-conmon-<id>.scope`, `libpod-conmon-<id>.scope`)
    /// manages: conmon lives there, not the container.
    pub conmon_for: Option<ContainerId>,
    /// The runtime the path's prefix names (`cri-containerd-`, `crio-`, `docker-`, `libpod-`);
    /// a bare id does not say.
    pub runtime: Option<RuntimeKind>,
    /// Some(true) for systemd unit names (`.slice`, `.scope`), Some(false) for the cgroupfs
    /// driver's plain names, None when the path holds no pod or container.
    pub systemd_driver: Option<bool>,
}

impl CgroupClass {
    /// How much the path says, to pick the most telling of a process's hierarchies.
    pub fn weight(&self) -> u8 {
        if self.container_id.is_some() {
            3
        } else if self.conmon_for.is_some() {
            2
        } else if self.pod_uid.is_some() {
            1
        } else {
            0
        }
    }
}

/// Classifies one cgroup path (absolute within its hierarchy, as in /proc/<pid>/cgroup).
pub fn classify_cgroup_path(path: &str) -> CgroupClass {
    let mut class = CgroupClass::default();
    let mut prefix = String::with_capacity(path.len());
    // After the kubepods root: whether a QoS component came before the pod component.
    let mut saw_qos = false;
    let mut previous: &str = "";
    for component in path.split('/').filter(|c| !c.is_empty()) {
        prefix.push('/');
        prefix.push_str(component);
        if class.container_id.is_some() || class.conmon_for.is_some() {
            break; // a sub-cgroup of the container: it still belongs to the container
        }
        if is_kubepods_root(component) {
            class.kubepods = true;
            previous = component;
            continue;
        }
        // A systemd pod slice names its own QoS (`kubepods-burstable-pod<uid>.slice`), so it is
        // recognised without its parents: paths read from inside a cgroup namespace start
        // with `/../..` instead of `/kubepods.slice/...`.
        if class.pod_uid.is_none() {
            if let Some((uid, qos)) = systemd_pod_slice(component) {
                class.kubepods = true;
                class.pod_uid = Some(uid);
                class.pod_cgroup = Some(prefix.clone());
                class.systemd_driver = Some(true);
                class.qos = Some(qos);
                previous = component;
                continue;
            }
        }
        if class.kubepods && class.pod_uid.is_none() {
            if let Some(qos) = qos_component(component) {
                class.qos = Some(qos);
                saw_qos = true;
                previous = component;
                continue;
            }
            if let Some((uid, systemd)) = pod_component(component) {
                class.pod_uid = Some(uid);
                class.pod_cgroup = Some(prefix.clone());
                class.systemd_driver = Some(systemd);
                if !saw_qos {
                    class.qos = Some(QosClass::Guaranteed);
                }
                previous = component;
                continue;
            }
        }
        if let Some(found) = container_component(component, previous) {
            match found {
                Found::Container(id, runtime, systemd) => {
                    class.container_id = Some(id);
                    class.container_cgroup = Some(prefix.clone());
                    class.runtime = runtime;
                    class.systemd_driver = Some(systemd);
                }
                Found::Conmon(id, runtime) => {
                    class.conmon_for = Some(id);
                    class.runtime = Some(runtime);
                    class.systemd_driver = Some(component.ends_with(".scope"));
                }
            }
        }
        previous = component;
    }
    if class.pod_uid.is_none() {
        class.qos = None; // `/kubepods/burstable` alone is a QoS cgroup, not a pod's
    }
    class
}

fn is_kubepods_root(component: &str) -> bool {
    matches!(
        component,
        "kubepods" | "kubepods.slice" | "kubelet-kubepods.slice"
    )
}

/// `burstable`, `besteffort` (cgroupfs) or `kubepods-burstable.slice` (systemd).
fn qos_component(component: &str) -> Option<QosClass> {
    let name = match component.strip_suffix(".slice") {
        Some(unit) => unit.rsplit('-').next().unwrap_or(unit),
        None => component,
    };
    match name {
        "burstable" => Some(QosClass::Burstable),
        "besteffort" => Some(QosClass::BestEffort),
        _ => None,
    }
}

/// `kubepods-<qos>-pod<uid_>.slice`, `kubepods-pod<uid_>.slice` (guaranteed), also with the
/// kubelet's cgroup root as a prefix (`kubelet-kubepods-besteffort-pod<uid_>.slice`).
fn systemd_pod_slice(component: &str) -> Option<(PodUid, QosClass)> {
    let unit = component.strip_suffix(".slice")?;
    let (rest, pod) = unit.rsplit_once('-')?;
    let uid = PodUid::parse(pod.strip_prefix("pod")?)?;
    if !rest.split('-').any(|token| token == "kubepods") {
        return None;
    }
    let qos = match rest.rsplit('-').next() {
        Some("burstable") => QosClass::Burstable,
        Some("besteffort") => QosClass::BestEffort,
        Some("kubepods") => QosClass::Guaranteed,
        _ => return None,
    };
    Some((uid, qos))
}

/// `pod<uid>` (cgroupfs) or `kubepods-<qos>-pod<uid_with_underscores>.slice` (systemd).
fn pod_component(component: &str) -> Option<(PodUid, bool)> {
    if let Some(unit) = component.strip_suffix(".slice") {
        let last = unit.rsplit('-').next()?;
        let uid = PodUid::parse(last.strip_prefix("pod")?)?;
        return Some((uid, true));
    }
    let uid = PodUid::parse(component.strip_prefix("pod")?)?;
    Some((uid, false))
}

enum Found {
    Container(ContainerId, Option<RuntimeKind>, bool),
    Conmon(ContainerId, RuntimeKind),
}

/// Unit-name prefixes that name a container's scope, and the runtime each implies.
const CONTAINER_PREFIXES: &[(&str, Option<RuntimeKind>)] = &[
    ("cri-containerd-", Some(RuntimeKind::Containerd)),
    ("crio-", Some(RuntimeKind::CriO)),
    ("docker-", Some(RuntimeKind::Docker)),
    ("libpod-", Some(RuntimeKind::Podman)),
    ("nerdctl-", Some(RuntimeKind::Containerd)),
];

const CONMON_PREFIXES: &[(&str, RuntimeKind)] = &[
    ("crio-conmon-", RuntimeKind::CriO),
    ("libpod-conmon-", RuntimeKind::Podman),
];

fn container_component(component: &str, previous: &str) -> Option<Found> {
    let (name, systemd) = match component.strip_suffix(".scope") {
        Some(unit) => (unit, true),
        None => (component, false),
    };
    for (prefix, runtime) in CONMON_PREFIXES {
        if let Some(id) = name.strip_prefix(prefix).and_then(ContainerId::parse) {
            return Some(Found::Conmon(id, *runtime));
        }
    }
    for (prefix, runtime) in CONTAINER_PREFIXES {
        if let Some(id) = name.strip_prefix(prefix).and_then(ContainerId::parse) {
            return Some(Found::Container(id, *runtime, systemd));
        }
    }
    let id = ContainerId::parse(name)?;
    // A bare id: `/docker/<id>` is docker's cgroupfs layout; under a pod the runtime is
    // whichever one the shims say (docker or containerd).
    let runtime = match previous {
        "docker" => Some(RuntimeKind::Docker),
        "libpod_parent" => Some(RuntimeKind::Podman),
        _ => None,
    };
    Some(Found::Container(id, runtime, false))
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn weight_prefers_container_over_pod_over_nothing() {
        let container = classify_cgroup_path(&format!("/kubepods/pod{UID}/{ID}"));
        let pod = classify_cgroup_path(&format!("/kubepods/pod{UID}"));
        let none = classify_cgroup_path("/system.slice");
        assert!(container.weight() > pod.weight());
        assert!(pod.weight() > none.weight());
    }
}
