//! Reads a cgroup path the way the kubelet and the container runtimes write it: which pod, QoS
//! class and container it belongs to, and whether the systemd or the cgroupfs driver named it.
//!
//! Pure functions of one path; every layout nodesnap claims is in the table test
//! (classify_tests.rs), and the forms other projects assert in their own test suites are in the
//! table `analyzer/tests/real_world/cgroup_lines.txt`, read by `real_world_cgroup_lines.rs`
//! beside it.
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
#[path = "classify_tests.rs"]
mod tests;
