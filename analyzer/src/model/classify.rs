//! Reads a cgroup path the way the kubelet and the container runtimes write it: which pod, QoS
//! class and container it belongs to, and whether the systemd or the cgroupfs driver named it.
//!
//! Pure functions of one path; every layout nodesnap claims is in the table test below, and the
//! forms other projects assert in their own test suites are in the table
//! `analyzer/tests/real_world/cgroup_lines.txt`, read by `real_world_cgroup_lines.rs` beside it.
//! docs/MODEL.md ("How cgroup paths are read") states the rule for every ambiguous form.

use super::ids::{ContainerId, PodUid, PodmanPodId, QosClass};
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
    /// The container whose processes live here (at or below `container_cgroup`); in nested
    /// setups the innermost one.
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
    /// The container that holds the runtime which runs this one: a kind node's container, the
    /// outer container of docker-in-docker, the Fargate task container of an EKS pod. It is the
    /// container named just outside the innermost one (`/docker/<node>/kubepods/.../<id>`).
    pub node_container_id: Option<ContainerId>,
    /// The podman pod the path lies in (`/libpod_parent/<pod id>/...` with the cgroupfs manager,
    /// `machine-libpod_pod_<pod id>.slice/...` with systemd).
    pub podman_pod_id: Option<PodmanPodId>,
}

impl CgroupClass {
    /// How much the path says, to pick the most telling of a process's hierarchies: a nested
    /// container (it names the node's container too) beats a container in a pod, which beats a
    /// bare container, then conmon, then a pod alone.
    pub fn weight(&self) -> u8 {
        let in_pod = self.pod_uid.is_some() || self.podman_pod_id.is_some();
        match (&self.container_id, &self.node_container_id) {
            (Some(_), Some(_)) => 5,
            (Some(_), None) if in_pod => 4,
            (Some(_), None) => 3,
            (None, _) if self.conmon_for.is_some() => 2,
            (None, _) if in_pod => 1,
            (None, _) => 0,
        }
    }
}

/// Where a line stands among a process's lines: its class's weight, then whether its hierarchy
/// is the one every runtime and systemd place a process in (`name=systemd` on v1, the unified
/// one on a v2-only node, whose single line is alone anyway). The highest rank wins; among
/// equals the first line does, as the kernel lists them.
pub fn line_rank(controllers: &str, class: &CgroupClass) -> (u8, bool) {
    (class.weight(), controllers == "name=systemd")
}

/// Classifies every line of one process's /proc/<pid>/cgroup (controllers and path) and returns
/// the most telling by `line_rank`; a process none of whose lines says anything gets the
/// default (empty) class.
pub fn classify_process_lines<'a>(
    lines: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> CgroupClass {
    let mut best = CgroupClass::default();
    let mut best_rank = (0, false);
    for (controllers, path) in lines {
        let class = classify_cgroup_path(path);
        let rank = line_rank(controllers, &class);
        if class.weight() > 0 && rank > best_rank {
            best_rank = rank;
            best = class;
        }
    }
    best
}

/// Classifies one cgroup path (absolute within its hierarchy, as in /proc/<pid>/cgroup).
pub fn classify_cgroup_path(path: &str) -> CgroupClass {
    let mut class = CgroupClass::default();
    let mut prefix = String::with_capacity(path.len());
    // After the kubepods root: whether a QoS component came before the pod component.
    let mut saw_qos = false;
    let mut previous: &str = "";
    let components: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    for (index, raw) in components.iter().enumerate() {
        prefix.push('/');
        prefix.push_str(raw);
        // Test suites pad ids with blanks; the kernel never does, and no id holds one.
        let component = raw.trim();
        let is_leaf = index + 1 == components.len();
        if class.container_id.is_some() || class.conmon_for.is_some() {
            if !starts_runtime_layer(component, previous, is_leaf) {
                // A sub-cgroup of the container (crun's `container`, a process manager's
                // `init.scope`, `kube-proxy`): it still belongs to the container.
                previous = component;
                continue;
            }
            // A runtime inside the container: that container is the node's, and what follows
            // names the container the processes are in.
            let node = class.container_id.take();
            class = CgroupClass {
                node_container_id: node.or(class.node_container_id),
                ..CgroupClass::default()
            };
            saw_qos = false;
        }
        if let Some((slice, found)) = colon_form(component) {
            // runc's systemd cgroupsPath `<pod slice>:<prefix>:<id>` taken as a plain directory
            // name (cgroup v1 controllers the systemd driver does not manage, or a runtime
            // configured for cgroupfs under a kubelet using systemd).
            if let Some((uid, qos)) = systemd_pod_slice(slice) {
                class.kubepods = true;
                class.pod_uid = Some(uid);
                class.qos = Some(qos);
                class.pod_cgroup = Some(expand_slice(slice));
            }
            if let Some((id, runtime)) = found {
                class.container_id = Some(id);
                class.container_cgroup = Some(prefix.clone());
                class.runtime = runtime;
            }
            if class.pod_uid.is_some() || class.container_id.is_some() {
                class.systemd_driver = Some(true);
            }
            previous = component;
            continue;
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
        let relative = previous == "..";
        if (class.kubepods || relative) && class.pod_uid.is_none() {
            if let Some(qos) = qos_component(component) {
                class.qos = Some(qos);
                saw_qos = true;
                previous = component;
                continue;
            }
            if let Some((uid, systemd)) = pod_component(component) {
                class.kubepods = true;
                class.pod_uid = Some(uid);
                class.pod_cgroup = Some(prefix.clone());
                class.systemd_driver = Some(systemd);
                if !saw_qos && is_kubepods_root(previous) {
                    class.qos = Some(QosClass::Guaranteed);
                }
                previous = component;
                continue;
            }
        }
        if class.podman_pod_id.is_none() {
            if let Some((pod, systemd)) = podman_pod(component, previous) {
                class.podman_pod_id = Some(pod);
                class.pod_cgroup = Some(prefix.clone());
                class.systemd_driver = Some(systemd);
                previous = component;
                continue;
            }
        }
        if let Some(found) = container_component(component, previous, is_leaf) {
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

/// Whether a component below a container starts a runtime's own layout (so the container is the
/// node's) rather than a sub-cgroup of the container.
fn starts_runtime_layer(component: &str, previous: &str, is_leaf: bool) -> bool {
    is_kubepods_root(component)
        || systemd_pod_slice(component).is_some()
        || colon_form(component)
            .is_some_and(|(slice, found)| found.is_some() || systemd_pod_slice(slice).is_some())
        || podman_pod(component, previous).is_some()
        || container_component(component, previous, is_leaf).is_some()
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
    // "-pod" cannot occur inside a uid (no p or o among hex digits), so the last one starts it,
    // whether the uid is written with underscores or, by some tools, with dashes.
    let at = unit.rfind("-pod")?;
    let (rest, pod) = (&unit[..at], &unit[at + 4..]);
    let uid = PodUid::parse(pod)?;
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
    let (unit, systemd) = match component.strip_suffix(".slice") {
        Some(unit) => (unit, true),
        None => (component, false),
    };
    let uid = match unit.strip_prefix("pod") {
        Some(uid) => uid,
        None if systemd => &unit[unit.rfind("-pod")? + 4..],
        None => return None,
    };
    Some((PodUid::parse(uid)?, systemd))
}

/// The systemd unit a slice name stands for, as a path: `a-b-c.slice` is `/a.slice/a-b.slice/
/// a-b-c.slice`.
fn expand_slice(slice: &str) -> String {
    let unit = slice.strip_suffix(".slice").unwrap_or(slice);
    let mut path = String::with_capacity(slice.len() * 2);
    let ends = unit
        .match_indices('-')
        .map(|(at, _)| at)
        .chain([unit.len()]);
    for end in ends.filter(|&end| end > 0) {
        path.push('/');
        path.push_str(&unit[..end]);
        path.push_str(".slice");
    }
    path
}

/// runc's systemd cgroupsPath written as a directory name, `<slice>:<prefix>:<id>` (the slice may
/// be empty, or any name as some tools write it), or `<slice>:<unit>`. Returns the slice and, when
/// the rest names a container, the container with the runtime its prefix names.
fn colon_form(component: &str) -> Option<(&str, Option<NamedContainer>)> {
    let (slice, rest) = component.split_once(':')?;
    let found = match rest.split_once(':') {
        Some((prefix, name)) => {
            let runtime = match prefix {
                "cri-containerd" | "containerd" | "nerdctl" => Some(RuntimeKind::Containerd),
                "crio" => Some(RuntimeKind::CriO),
                "docker" => Some(RuntimeKind::Docker),
                "libpod" => Some(RuntimeKind::Podman),
                _ => None,
            };
            runtime_id(name).map(|id| (id, runtime))
        }
        None => match container_component(rest, "", true) {
            Some(Found::Container(id, runtime, _)) => Some((id, runtime)),
            _ => None,
        },
    };
    Some((slice, found))
}

/// A podman pod's cgroup: `machine-libpod_pod_<id>.slice` (systemd; rootless:
/// `user-libpod_pod_<id>.slice`) or the bare pod id directly under `libpod_parent` (cgroupfs,
/// where the pod's containers are `libpod-<id>` below it and conmon sits in `conmon`).
fn podman_pod(component: &str, previous: &str) -> Option<(PodmanPodId, bool)> {
    if let Some(unit) = component.strip_suffix(".slice") {
        let at = unit.find("libpod_pod_")?;
        let id = lowercase(&unit[at + "libpod_pod_".len()..])?;
        return Some((PodmanPodId::parse(id)?, true));
    }
    if previous == "libpod_parent" {
        return Some((PodmanPodId::parse(lowercase(component)?)?, false));
    }
    None
}

/// A container and the runtime its name says, when it says one.
type NamedContainer = (ContainerId, Option<RuntimeKind>);

enum Found {
    Container(ContainerId, Option<RuntimeKind>, bool),
    Conmon(ContainerId, RuntimeKind),
}

/// Unit-name prefixes that name a container's scope, and the runtime each implies. Podman's
/// `libpod-payload-` is the container of a unit run with `--cgroups=split` (quadlet units),
/// whose own cgroup keeps conmon.
const CONTAINER_PREFIXES: &[(&str, Option<RuntimeKind>)] = &[
    ("cri-containerd-", Some(RuntimeKind::Containerd)),
    ("crio-", Some(RuntimeKind::CriO)),
    ("docker-", Some(RuntimeKind::Docker)),
    ("libpod-payload-", Some(RuntimeKind::Podman)),
    ("libpod-", Some(RuntimeKind::Podman)),
    ("nerdctl-", Some(RuntimeKind::Containerd)),
];

const CONMON_PREFIXES: &[(&str, RuntimeKind)] = &[
    ("crio-conmon-", RuntimeKind::CriO),
    ("libpod-conmon-", RuntimeKind::Podman),
];

/// systemd unit types other than scopes: a `crio-<id>.mount` is the container's rootfs mount,
/// a `docker-<id>.service` or `.slice` is no container either.
const OTHER_UNIT_TYPES: &[&str] = &[
    "automount",
    "device",
    "mount",
    "path",
    "service",
    "slice",
    "socket",
    "swap",
    "target",
    "timer",
];

/// Runtimes write ids in lowercase; a name in capitals is some other tool's, not a container.
fn lowercase(name: &str) -> Option<&str> {
    (!name.bytes().any(|b| b.is_ascii_uppercase())).then_some(name)
}

/// The 64-hex-digit id docker, containerd, CRI-O and podman generate.
fn hex_id(name: &str) -> Option<ContainerId> {
    lowercase(name).and_then(ContainerId::parse)
}

/// A 64-hex-digit id or an ECS/Fargate task container's `<32 hex>-<number>`.
fn runtime_id(name: &str) -> Option<ContainerId> {
    hex_id(name).or_else(|| lowercase(name).and_then(ContainerId::parse_task))
}

fn container_component(component: &str, previous: &str, is_leaf: bool) -> Option<Found> {
    // The name before any dot suffix: `.scope` is a systemd scope; other unit types are not
    // containers; an id followed by some other suffix still names its container.
    let (name, suffix) = match component.split_once('.') {
        Some((name, suffix)) => (name, Some(suffix)),
        None => (component, None),
    };
    let systemd = suffix == Some("scope");
    if suffix.is_some_and(|s| OTHER_UNIT_TYPES.contains(&s)) {
        return None;
    }
    for (prefix, runtime) in CONMON_PREFIXES {
        if let Some(id) = name.strip_prefix(prefix).and_then(hex_id) {
            return Some(Found::Conmon(id, *runtime));
        }
    }
    for (prefix, runtime) in CONTAINER_PREFIXES {
        if let Some(id) = name.strip_prefix(prefix).and_then(hex_id) {
            return Some(Found::Container(id, *runtime, systemd));
        }
    }
    // A UUID names a container only as the last component (garden's `/garden/<handle>`, a
    // pod's container under runtimes that use UUIDs): in the middle of a path it is a task or an
    // instance (`/ecs/<task uuid>/<id>`), and ECS' task is no container.
    let uuid_allowed = is_leaf && previous != "ecs";
    let id = runtime_id(name)
        .or_else(|| uuid_allowed.then(|| lowercase(name).and_then(ContainerId::parse_uuid))?)?;
    // A bare id: `/docker/<id>` is docker's cgroupfs layout, `/k8s.io/<id>` containerd's CRI
    // namespace; under a pod the runtime is whichever one the shims say (docker or containerd).
    let runtime = match previous {
        "docker" => Some(RuntimeKind::Docker),
        "k8s.io" => Some(RuntimeKind::Containerd),
        _ => None,
    };
    Some(Found::Container(id, runtime, systemd))
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
        let be_slice = format!(
            "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UID_}.slice"
        );
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
                format!(
                    "/machine.slice/machine-libpod_pod_{POD_ID}.slice/libpod-{ID}.scope/container"
                ),
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
}
