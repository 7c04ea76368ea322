//! The container runtimes' command outputs in an sosreport, read into the runtime metadata
//! records a snapshot's runtime configs give (`ContainerRecord`), plus what each says about the
//! namespaces it shares, which an sosreport cannot show by inode:
//!
//! - `docker inspect <id>` (docker plugin, `sos_commands/docker/containers/`): id, name,
//!   image, pid, labels (dockershim's `io.kubernetes.*` name pods), and the `HostConfig` modes;
//! - `podman inspect <id>` (podman plugin, `sos_commands/podman/containers/`): the same plus
//!   the podman pod and whether the container is its infra container;
//! - `ctr -n k8s.io container ls` (containerd plugin, sos 4.12): ids and images of the CRI
//!   namespace's containers, nothing else;
//! - `crictl inspect <id>` and `crictl inspectp <id>` (crio plugin, wherever crictl is
//!   installed): a CRI container's names, pod, sandbox and the runtime spec's namespaces, and
//!   a pod sandbox's names, uid and namespace options (`NODE`, `POD`, `CONTAINER`).
//!
//! Names and labels are kept as the runtimes wrote them; no environment, mount or command is
//! kept.

use super::SosParseError;
use crate::values::{ContainerId, NsType, PodUid};
use nodesnap_format::{ContainerRecord, PodRef, RecordSource};
use serde_json::Value;
use std::collections::BTreeMap;

/// What a runtime says a container does with one namespace type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NsJoin {
    /// The node's own.
    Host,
    /// Another container's (`container:<id>`, or a runtime spec's path into a process's ns).
    Container(ContainerId),
    /// Its own, or one of the pod's that the inspect output does not name.
    Private,
}

/// One container as a runtime's inspect output describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspected {
    pub record: ContainerRecord,
    /// Only the types the output speaks of.
    pub namespaces: BTreeMap<NsType, NsJoin>,
}

/// A pod sandbox as `crictl inspectp` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectedPod {
    pub sandbox_id: ContainerId,
    pub uid: Option<PodUid>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub pid: Option<u32>,
    /// From `status.linux.namespaces.options`, with UTS following the network as the kubelet
    /// sets it.
    pub modes: BTreeMap<NsType, NsMode>,
}

/// A CRI namespace mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NsMode {
    /// `NODE`: the node's namespace.
    Node,
    /// `POD`: the sandbox's, shared by the pod's containers.
    Pod,
    /// `CONTAINER` (or `TARGET`): each container its own.
    Container,
}

fn json(text: &str) -> Result<Value, SosParseError> {
    serde_json::from_str(text).map_err(|e| SosParseError::new(format!("not JSON: {e}")))
}

/// `docker inspect` and `podman inspect` print a one-element array.
fn first_object(value: Value) -> Result<Value, SosParseError> {
    match value {
        Value::Array(mut items) if !items.is_empty() => Ok(items.swap_remove(0)),
        Value::Object(_) => Ok(value),
        _ => Err(SosParseError::new("not an inspect output (no object)")),
    }
}

fn text_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Only what names a pod or a container, like the collector's sanitizer keeps.
fn naming_annotations(map: BTreeMap<String, String>) -> BTreeMap<String, String> {
    map.into_iter()
        .filter(|(key, _)| key.starts_with("io.kubernetes.") || key == "io.container.manager")
        .collect()
}

/// A `HostConfig` mode (`host`, `container:<id>`, `private`, `none`, ``...) for one type.
fn mode_join(mode: Option<&str>, empty_is_host: bool) -> Option<NsJoin> {
    let mode = mode.unwrap_or_default();
    if mode == "host" {
        return Some(NsJoin::Host);
    }
    if let Some(id) = mode.strip_prefix("container:") {
        return ContainerId::parse(id).map(NsJoin::Container);
    }
    if mode.is_empty() {
        return Some(if empty_is_host {
            NsJoin::Host
        } else {
            NsJoin::Private
        });
    }
    Some(NsJoin::Private)
}

/// The namespace modes of a docker or podman `HostConfig`. An empty user namespace mode is the
/// host's (neither makes one unless told); an empty cgroup namespace mode says nothing.
fn host_config_namespaces(host_config: Option<&Value>) -> BTreeMap<NsType, NsJoin> {
    let Some(host_config) = host_config else {
        return BTreeMap::new();
    };
    let mode = |key: &str| host_config.get(key).and_then(Value::as_str);
    let mut out = BTreeMap::new();
    for (kind, key, empty_is_host) in [
        (NsType::Net, "NetworkMode", false),
        (NsType::Pid, "PidMode", false),
        (NsType::Ipc, "IpcMode", false),
        (NsType::Uts, "UTSMode", false),
        (NsType::User, "UsernsMode", true),
    ] {
        if let Some(join) = mode_join(mode(key), empty_is_host) {
            out.insert(kind, join);
        }
    }
    if let Some(join) = mode("CgroupnsMode").filter(|m| !m.is_empty()) {
        if let Some(join) = mode_join(Some(join), false) {
            out.insert(NsType::Cgroup, join);
        }
    }
    out
}

/// What `docker inspect` and `podman inspect` write alike: `Id` (a container id), `Name`,
/// `State.Pid` (0 when not running) and `Config.Labels`.
fn inspected_record(
    item: &Value,
    source: RecordSource,
    path: &str,
) -> Result<ContainerRecord, SosParseError> {
    let id = text_at(item, &["Id"]).ok_or_else(|| SosParseError::new("no Id"))?;
    ContainerId::parse(id)
        .ok_or_else(|| SosParseError::new(format!("Id {id:?} is not a container id")))?;
    let mut record = ContainerRecord::new(source, path, id);
    record.name = text_at(item, &["Name"]).map(str::to_string);
    record.pid = item
        .get("State")
        .and_then(|s| s.get("Pid"))
        .and_then(Value::as_u64)
        .and_then(|p| u32::try_from(p).ok())
        .filter(|p| *p > 0);
    record.labels = string_map(item.get("Config").and_then(|c| c.get("Labels")));
    Ok(record)
}

/// Parses `docker inspect <container>`.
pub fn parse_docker_inspect(text: &str, path: &str) -> Result<Inspected, SosParseError> {
    let item = first_object(json(text)?)?;
    let mut record = inspected_record(&item, RecordSource::Docker, path)?;
    record.runtime_namespace = Some("moby".into());
    record.image = text_at(&item, &["Config", "Image"]).map(str::to_string);
    record.hostname = text_at(&item, &["Config", "Hostname"]).map(str::to_string);
    Ok(Inspected {
        namespaces: host_config_namespaces(item.get("HostConfig")),
        record,
    })
}

/// Parses `podman inspect <container>`: its pod (`Pod`, the podman pod id) and infra flag
/// name the pod; its name and hostname (a pod's infra container's is the pod's name) too.
pub fn parse_podman_inspect(text: &str, path: &str) -> Result<Inspected, SosParseError> {
    let item = first_object(json(text)?)?;
    let mut record = inspected_record(&item, RecordSource::CrioUserdata, path)?;
    record.image = text_at(&item, &["ImageName"])
        .or_else(|| text_at(&item, &["Config", "Image"]))
        .map(str::to_string);
    let mut annotations = naming_annotations(string_map(
        item.get("Config").and_then(|c| c.get("Annotations")),
    ));
    annotations
        .entry("io.container.manager".into())
        .or_insert_with(|| "libpod".into());
    record.annotations = annotations;
    record.hostname = text_at(&item, &["Config", "Hostname"]).map(str::to_string);
    let is_infra = item
        .get("IsInfra")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if is_infra {
        record.pod = Some(PodRef {
            is_sandbox: true,
            ..PodRef::default()
        });
    }
    Ok(Inspected {
        namespaces: host_config_namespaces(item.get("HostConfig")),
        record,
    })
}

/// The podman pod a `podman inspect` output names (its `Pod` field), for grouping.
pub fn podman_pod_of(text: &str) -> Option<String> {
    let item = first_object(json(text).ok()?).ok()?;
    text_at(&item, &["Pod"]).map(str::to_string)
}

/// Parses `ctr -n <namespace> container ls`: `CONTAINER IMAGE RUNTIME` rows.
pub fn parse_ctr_container_ls(
    text: &str,
    namespace: &str,
    path: &str,
) -> Result<(Vec<ContainerRecord>, Vec<SosParseError>), SosParseError> {
    let mut lines = text.lines().enumerate();
    let header = lines.by_ref().find(|(_, l)| !l.trim().is_empty());
    if header.and_then(|(_, h)| h.split_whitespace().next()) != Some("CONTAINER") {
        return Err(SosParseError::new(
            "not the output of ctr container ls: its first line is not the header",
        ));
    }
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in lines {
        let mut words = line.split_whitespace();
        let Some(id) = words.next() else { continue };
        if ContainerId::parse(id).is_none() {
            problems.push(SosParseError::at(
                index + 1,
                format!("{id:?} is not a container id"),
            ));
            continue;
        }
        let mut record = ContainerRecord::new(RecordSource::ContainerdTask, path, id);
        record.runtime_namespace = Some(namespace.to_string());
        record.image = words.next().filter(|i| *i != "-").map(str::to_string);
        records.push(record);
    }
    Ok((records, problems))
}

/// The namespaces an OCI runtime spec lists: a type with a path joins a process's namespace
/// (the sandbox's, under a CRI runtime), one without gets its own, one not listed is the
/// host's.
fn spec_namespaces(
    spec: Option<&Value>,
    sandbox: Option<&ContainerId>,
) -> BTreeMap<NsType, NsJoin> {
    let Some(list) = spec
        .and_then(|s| s.get("linux"))
        .and_then(|l| l.get("namespaces"))
        .and_then(Value::as_array)
    else {
        return BTreeMap::new();
    };
    let mut out: BTreeMap<NsType, NsJoin> = [
        NsType::Net,
        NsType::Pid,
        NsType::Ipc,
        NsType::Uts,
        NsType::Mnt,
        NsType::User,
        NsType::Cgroup,
    ]
    .into_iter()
    .map(|kind| (kind, NsJoin::Host))
    .collect();
    for entry in list {
        let kind = match entry.get("type").and_then(Value::as_str) {
            Some("network") => NsType::Net,
            Some("pid") => NsType::Pid,
            Some("ipc") => NsType::Ipc,
            Some("uts") => NsType::Uts,
            Some("mount") => NsType::Mnt,
            Some("user") => NsType::User,
            Some("cgroup") => NsType::Cgroup,
            _ => continue,
        };
        let joined = entry
            .get("path")
            .and_then(Value::as_str)
            .is_some_and(|p| !p.is_empty());
        let join = match (joined, sandbox) {
            (true, Some(sandbox)) => NsJoin::Container(sandbox.clone()),
            _ => NsJoin::Private,
        };
        out.insert(kind, join);
    }
    out
}

/// Parses `crictl inspect <container>`.
pub fn parse_crictl_inspect(text: &str, path: &str) -> Result<Inspected, SosParseError> {
    let value = json(text)?;
    let status = value
        .get("status")
        .ok_or_else(|| SosParseError::new("no status"))?;
    let id = text_at(status, &["id"]).ok_or_else(|| SosParseError::new("no status.id"))?;
    ContainerId::parse(id)
        .ok_or_else(|| SosParseError::new(format!("id {id:?} is not a container id")))?;
    let info = value.get("info");
    let mut record = ContainerRecord::new(RecordSource::CrioUserdata, path, id);
    record.name = text_at(status, &["metadata", "name"]).map(str::to_string);
    record.image = text_at(status, &["image", "image"]).map(str::to_string);
    record.labels = string_map(status.get("labels"));
    record.annotations = naming_annotations(string_map(status.get("annotations")));
    record.pid = info
        .and_then(|i| i.get("pid"))
        .and_then(Value::as_u64)
        .and_then(|p| u32::try_from(p).ok())
        .filter(|p| *p > 0);
    let sandbox = info
        .and_then(|i| text_at(i, &["sandboxID"]))
        .and_then(ContainerId::parse);
    let labels = &record.labels;
    record.pod = Some(PodRef {
        name: labels.get("io.kubernetes.pod.name").cloned(),
        namespace: labels.get("io.kubernetes.pod.namespace").cloned(),
        uid: labels.get("io.kubernetes.pod.uid").cloned(),
        sandbox_id: sandbox.as_ref().map(|s| s.as_str().to_string()),
        is_sandbox: false,
    });
    Ok(Inspected {
        namespaces: spec_namespaces(info.and_then(|i| i.get("runtimeSpec")), sandbox.as_ref()),
        record,
    })
}

/// Parses `crictl inspectp <pod>`.
pub fn parse_crictl_inspectp(text: &str) -> Result<InspectedPod, SosParseError> {
    let value = json(text)?;
    let status = value
        .get("status")
        .ok_or_else(|| SosParseError::new("no status"))?;
    let id = text_at(status, &["id"]).ok_or_else(|| SosParseError::new("no status.id"))?;
    let sandbox_id = ContainerId::parse(id)
        .ok_or_else(|| SosParseError::new(format!("id {id:?} is not a sandbox id")))?;
    let options = status
        .get("linux")
        .and_then(|l| l.get("namespaces"))
        .and_then(|n| n.get("options"));
    let mode = |key: &str| -> Option<String> {
        let v = options?.get(key)?;
        // Names (`NODE`) from crictl's JSON; numbers from old builds (POD 0, CONTAINER 1,
        // NODE 2, TARGET 3).
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => match n.as_u64()? {
                0 => Some("POD".into()),
                1 => Some("CONTAINER".into()),
                2 => Some("NODE".into()),
                3 => Some("TARGET".into()),
                _ => None,
            },
            _ => None,
        }
    };
    let mut modes = BTreeMap::new();
    if options.is_some() {
        // A field left out is its zero value, POD.
        let of = |key: &str| match mode(key).as_deref().unwrap_or("POD") {
            "NODE" => NsMode::Node,
            "POD" => NsMode::Pod,
            _ => NsMode::Container,
        };
        modes.insert(NsType::Net, of("network"));
        modes.insert(NsType::Uts, of("network"));
        modes.insert(NsType::Ipc, of("ipc"));
        modes.insert(NsType::Pid, of("pid"));
    }
    let pid = value
        .get("info")
        .and_then(|i| i.get("pid"))
        .and_then(Value::as_u64)
        .and_then(|p| u32::try_from(p).ok())
        .filter(|p| *p > 0);
    Ok(InspectedPod {
        sandbox_id,
        uid: text_at(status, &["metadata", "uid"]).and_then(PodUid::parse),
        name: text_at(status, &["metadata", "name"]).map(str::to_string),
        namespace: text_at(status, &["metadata", "namespace"]).map(str::to_string),
        pid,
        modes,
    })
}

#[cfg(test)]
mod tests;
