//! Sanitizing container runtime configs: from an OCI bundle's config.json (containerd, k3s,
//! rke2, CRI-O) or Docker's config.v2.json, only the fields that give names to ids are kept.
//! The structs below declare nothing else, so environment variables, mounts and process
//! arguments are skipped by the JSON parser and never held.

use nodesnap_format::{ContainerRecord, PodRef, RecordSource, RequestedNamespace};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    #[error("{path}: not a runtime config: {source}")]
    Json {
        path: String,
        source: serde_json::Error,
    },
}

/// Longest annotation or label value kept; longer ones are pod specs or blobs, not names.
const MAX_VALUE_CHARS: usize = 1024;

/// Annotation keys whose values hold whole pod annotations or volume lists, which may carry
/// anything a user wrote into a pod spec.
const DROPPED_ANNOTATION_SUFFIXES: &[&str] =
    &["Annotations", "Volumes", "last-applied-configuration"];

#[derive(Deserialize)]
struct OciSpec {
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(default)]
    hostname: Option<String>,
    #[serde(default)]
    linux: Option<OciLinux>,
}

#[derive(Deserialize)]
struct OciLinux {
    #[serde(default)]
    namespaces: Vec<OciNamespace>,
    #[serde(default, rename = "cgroupsPath")]
    cgroups_path: Option<String>,
}

#[derive(Deserialize)]
struct OciNamespace {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    path: Option<String>,
}

#[derive(Deserialize)]
struct DockerConfig {
    #[serde(rename = "ID", default)]
    id: Option<String>,
    #[serde(rename = "Name", default)]
    name: Option<String>,
    #[serde(rename = "Config", default)]
    config: Option<DockerInnerConfig>,
    #[serde(rename = "State", default)]
    state: Option<DockerState>,
}

#[derive(Deserialize)]
struct DockerInnerConfig {
    #[serde(rename = "Image", default)]
    image: Option<String>,
    #[serde(rename = "Labels", default)]
    labels: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct DockerState {
    #[serde(rename = "Pid", default)]
    pid: Option<u32>,
}

/// Annotation keys kept besides `io.kubernetes.*`: the manager that made the container
/// (`libpod` for podman, which otherwise writes CRI-O's keys too).
const KEPT_ANNOTATIONS: &[&str] = &["io.container.manager"];

fn kept_annotations(mut annotations: BTreeMap<String, String>) -> BTreeMap<String, String> {
    // `retain`, not a filtered `collect` (here and for docker's labels): building a map from
    // an iterator sorts it first, which costs the static binary about 4 KB of sort code.
    annotations.retain(|key, value| {
        (key.starts_with("io.kubernetes.") || KEPT_ANNOTATIONS.contains(&key.as_str()))
            && !DROPPED_ANNOTATION_SUFFIXES
                .iter()
                .any(|suffix| key.ends_with(suffix))
            && value.chars().count() <= MAX_VALUE_CHARS
    });
    annotations
}

fn first_of(annotations: &BTreeMap<String, String>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| annotations.get(*key).cloned())
}

/// One OCI bundle config (containerd task, CRI-O userdata). `id` is the bundle's directory name.
pub fn parse_oci_config(
    bytes: &[u8],
    source: RecordSource,
    path: &str,
    id: &str,
    runtime_namespace: Option<&str>,
) -> Result<ContainerRecord, MetaError> {
    let spec: OciSpec = serde_json::from_slice(bytes).map_err(|source| MetaError::Json {
        path: path.to_string(),
        source,
    })?;
    let annotations = kept_annotations(spec.annotations);
    let hostname = spec
        .hostname
        .filter(|h| !h.is_empty() && h.chars().count() <= MAX_VALUE_CHARS);
    let name = first_of(
        &annotations,
        &[
            "io.kubernetes.cri.container-name",
            "io.kubernetes.container.name",
            "io.kubernetes.cri-o.ContainerName",
            "io.kubernetes.cri.sandbox-name",
            "io.kubernetes.pod.name",
        ],
    );
    let image = first_of(
        &annotations,
        &[
            "io.kubernetes.cri.image-name",
            "io.kubernetes.cri-o.ImageName",
            "io.kubernetes.cri-o.Image",
        ],
    );
    let (namespaces, cgroups_path) = match spec.linux {
        Some(linux) => (
            linux
                .namespaces
                .into_iter()
                .map(|ns| RequestedNamespace {
                    kind: ns.kind,
                    path: ns.path,
                })
                .collect(),
            linux.cgroups_path,
        ),
        None => (Vec::new(), None),
    };
    Ok(ContainerRecord {
        source,
        path: path.to_string(),
        id: id.to_string(),
        runtime_namespace: runtime_namespace.map(str::to_string),
        name,
        image,
        pid: None,
        labels: BTreeMap::new(),
        annotations,
        namespaces,
        cgroups_path,
        pod: None,
        hostname,
    })
}

/// Docker's config.v2.json. `dir_id` (the directory name) stands in when the file has no ID.
pub fn parse_docker_config(
    bytes: &[u8],
    path: &str,
    dir_id: &str,
) -> Result<ContainerRecord, MetaError> {
    let config: DockerConfig = serde_json::from_slice(bytes).map_err(|source| MetaError::Json {
        path: path.to_string(),
        source,
    })?;
    let (image, labels) = match config.config {
        Some(inner) => (inner.image, inner.labels.unwrap_or_default()),
        None => (None, BTreeMap::new()),
    };
    let mut labels = labels;
    labels.retain(|_, value| value.chars().count() <= MAX_VALUE_CHARS);
    Ok(ContainerRecord {
        source: RecordSource::Docker,
        path: path.to_string(),
        id: config.id.unwrap_or_else(|| dir_id.to_string()),
        runtime_namespace: None,
        name: config
            .name
            .map(|name| name.trim_start_matches('/').to_string()),
        image,
        pid: config
            .state
            .and_then(|state| state.pid)
            .filter(|&pid| pid != 0),
        labels,
        annotations: BTreeMap::new(),
        namespaces: Vec::new(),
        cgroups_path: None,
        pod: None,
        hostname: None,
    })
}

#[derive(Deserialize)]
struct DockerHostConfig {
    #[serde(rename = "NetworkMode", default)]
    network_mode: Option<String>,
    #[serde(rename = "PidMode", default)]
    pid_mode: Option<String>,
    #[serde(rename = "IpcMode", default)]
    ipc_mode: Option<String>,
    #[serde(rename = "UTSMode", default)]
    uts_mode: Option<String>,
    #[serde(rename = "CgroupParent", default)]
    cgroup_parent: Option<String>,
}

/// Adds the namespace modes (`host`, `container:<id>`, `shareable`...) and the cgroup parent of
/// Docker's hostconfig.json to the record of its config.v2.json. Binds, devices and the rest of
/// the file are skipped by the parser.
pub fn apply_docker_host_config(
    bytes: &[u8],
    path: &str,
    record: &mut ContainerRecord,
) -> Result<(), MetaError> {
    let host: DockerHostConfig =
        serde_json::from_slice(bytes).map_err(|source| MetaError::Json {
            path: path.to_string(),
            source,
        })?;
    for (kind, mode) in [
        ("network", host.network_mode),
        ("pid", host.pid_mode),
        ("ipc", host.ipc_mode),
        ("uts", host.uts_mode),
    ] {
        if let Some(mode) = mode.filter(|mode| !mode.is_empty()) {
            record.namespaces.push(RequestedNamespace {
                kind: kind.to_string(),
                path: Some(mode),
            });
        }
    }
    record.cgroups_path = host.cgroup_parent.filter(|parent| !parent.is_empty());
    Ok(())
}

/// One entry of containers/storage's `containers.json`. Only the id, the names and the
/// `metadata` string are declared; layers, mount labels and the rest are skipped by the parser.
#[derive(Deserialize)]
struct StorageEntry {
    id: String,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    metadata: Option<String>,
}

/// The JSON that CRI-O and podman keep in an entry's `metadata` string. podman writes the
/// container's and image's names; CRI-O also its pod (`pod-name`, `pod-id`, `namespace`, `uid`,
/// `metadata-name` for the name in the pod spec, `pod` for the infra container).
#[derive(Deserialize, Default)]
struct StorageMetadata {
    #[serde(rename = "image-name", default)]
    image_name: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "metadata-name", default)]
    metadata_name: Option<String>,
    #[serde(default)]
    pod: bool,
    #[serde(rename = "pod-name", default)]
    pod_name: Option<String>,
    #[serde(rename = "pod-id", default)]
    pod_id: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    uid: Option<String>,
}

/// Reduces containers/storage's `<driver>-containers/containers.json` to one record per
/// container: id, name, image name and, for CRI-O, its pod. An entry whose metadata does not
/// parse keeps its id and first name.
pub fn parse_container_storage(
    bytes: &[u8],
    path: &str,
) -> Result<Vec<ContainerRecord>, MetaError> {
    let entries: Vec<StorageEntry> =
        serde_json::from_slice(bytes).map_err(|source| MetaError::Json {
            path: path.to_string(),
            source,
        })?;
    let short = |value: Option<String>| {
        value.filter(|v| !v.is_empty() && v.chars().count() <= MAX_VALUE_CHARS)
    };
    Ok(entries
        .into_iter()
        .map(|entry| {
            let meta: StorageMetadata = entry
                .metadata
                .as_deref()
                .and_then(|m| serde_json::from_slice(m.as_bytes()).ok())
                .unwrap_or_default();
            let mut record =
                ContainerRecord::new(RecordSource::ContainerStorage, path, entry.id.clone());
            record.name = short(meta.metadata_name.or(meta.name))
                .or_else(|| short(entry.names.into_iter().next()));
            record.image = short(meta.image_name);
            let pod = PodRef {
                name: short(meta.pod_name),
                namespace: short(meta.namespace),
                uid: short(meta.uid),
                sandbox_id: short(meta.pod_id),
                is_sandbox: meta.pod,
            };
            if pod != PodRef::default() {
                record.pod = Some(pod);
            }
            record
        })
        .collect())
}

/// The pid in a runtime's pid file (`init.pid`, `pidfile`): digits, maybe a newline.
pub fn parse_pid_file(bytes: &[u8]) -> Option<u32> {
    std::str::from_utf8(bytes)
        .ok()?
        .trim()
        .parse()
        .ok()
        .filter(|&pid| pid != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTAINERD_CONFIG: &str = r#"{
      "ociVersion": "1.0.2",
      "process": {"args": ["nginx"], "env": ["DB_PASSWORD=hunter2", "PATH=/usr/bin"]},
      "mounts": [{"destination": "/etc/secret", "source": "/var/lib/kubelet/pods/x/volumes/secret"}],
      "annotations": {
        "io.kubernetes.cri.container-type": "container",
        "io.kubernetes.cri.container-name": "nginx",
        "io.kubernetes.cri.image-name": "docker.io/library/nginx:1.25",
        "io.kubernetes.cri.sandbox-id": "abc123",
        "io.kubernetes.cri.sandbox-namespace": "default",
        "io.kubernetes.cri-o.Annotations": "{\"kubectl.kubernetes.io/last-applied-configuration\":\"secret\"}",
        "com.example.private": "drop-me"
      },
      "linux": {
        "cgroupsPath": "kubepods-besteffort-podUID.slice:cri-containerd:def456",
        "namespaces": [
          {"type": "pid"},
          {"type": "network", "path": "/proc/4242/ns/net"},
          {"type": "ipc", "path": "/proc/4242/ns/ipc"}
        ]
      }
    }"#;

    #[test]
    fn oci_config_keeps_names_namespaces_and_cgroup_only() {
        let record = parse_oci_config(
            CONTAINERD_CONFIG.as_bytes(),
            RecordSource::ContainerdTask,
            "run/containerd/io.containerd.runtime.v2.task/k8s.io/def456/config.json",
            "def456",
            Some("k8s.io"),
        )
        .unwrap();
        assert_eq!(record.id, "def456");
        assert_eq!(record.runtime_namespace.as_deref(), Some("k8s.io"));
        assert_eq!(record.name.as_deref(), Some("nginx"));
        assert_eq!(
            record.image.as_deref(),
            Some("docker.io/library/nginx:1.25")
        );
        assert_eq!(
            record.cgroups_path.as_deref(),
            Some("kubepods-besteffort-podUID.slice:cri-containerd:def456")
        );
        assert_eq!(record.namespaces.len(), 3);
        assert_eq!(record.namespaces[1].kind, "network");
        assert_eq!(
            record.namespaces[1].path.as_deref(),
            Some("/proc/4242/ns/net")
        );
        assert!(record
            .annotations
            .contains_key("io.kubernetes.cri.sandbox-id"));
        assert!(!record.annotations.contains_key("com.example.private"));
        assert!(!record
            .annotations
            .contains_key("io.kubernetes.cri-o.Annotations"));
        let serialized = serde_json::to_string(&record).unwrap();
        for secret in [
            "hunter2",
            "DB_PASSWORD",
            "/etc/secret",
            "volumes/secret",
            "last-applied",
        ] {
            assert!(
                !serialized.contains(secret),
                "{secret} leaked: {serialized}"
            );
        }
    }

    #[test]
    fn docker_config_keeps_name_image_labels_and_pid() {
        let json = r#"{"ID":"0123abcd","Name":"/k8s_POD_web","State":{"Pid":777,"Running":true},
            "Config":{"Image":"nginx:1.25","Env":["TOKEN=abc"],"Labels":{"io.kubernetes.pod.name":"web"}},
            "MountPoints":{"/data":{"Source":"/srv/data"}}}"#;
        let record = parse_docker_config(
            json.as_bytes(),
            "var/lib/docker/containers/0123abcd/config.v2.json",
            "0123abcd",
        )
        .unwrap();
        assert_eq!(record.id, "0123abcd");
        assert_eq!(record.name.as_deref(), Some("k8s_POD_web"));
        assert_eq!(record.image.as_deref(), Some("nginx:1.25"));
        assert_eq!(record.pid, Some(777));
        assert_eq!(
            record
                .labels
                .get("io.kubernetes.pod.name")
                .map(String::as_str),
            Some("web")
        );
        let serialized = serde_json::to_string(&record).unwrap();
        assert!(!serialized.contains("TOKEN"));
        assert!(!serialized.contains("/srv/data"));
    }

    #[test]
    fn stopped_docker_container_has_no_pid_and_missing_id_uses_dir() {
        let record = parse_docker_config(br#"{"State":{"Pid":0}}"#, "p", "dirid").unwrap();
        assert_eq!(record.pid, None);
        assert_eq!(record.id, "dirid");
    }

    #[test]
    fn malformed_configs_are_errors_naming_the_path() {
        for bytes in [&b""[..], b"{", b"[1,2]", b"{\"annotations\": 5}"] {
            let error = parse_oci_config(
                bytes,
                RecordSource::CrioUserdata,
                "x/config.json",
                "x",
                None,
            )
            .unwrap_err();
            assert!(error.to_string().starts_with("x/config.json: "), "{error}");
        }
        assert!(parse_docker_config(b"nope", "d/config.v2.json", "d").is_err());
    }

    #[test]
    fn docker_host_config_adds_namespace_modes_and_cgroup_parent_only() {
        let mut record = parse_docker_config(br#"{"ID":"abc"}"#, "p", "abc").unwrap();
        let host = br#"{"Binds":["/secret:/secret"],"NetworkMode":"container:0123","PidMode":"",
            "IpcMode":"container:0123","UTSMode":"host","CgroupParent":"/kubepods/besteffort/pod1"}"#;
        apply_docker_host_config(host, "h", &mut record).unwrap();
        let modes: Vec<(&str, Option<&str>)> = record
            .namespaces
            .iter()
            .map(|ns| (ns.kind.as_str(), ns.path.as_deref()))
            .collect();
        assert_eq!(
            modes,
            vec![
                ("network", Some("container:0123")),
                ("ipc", Some("container:0123")),
                ("uts", Some("host"))
            ]
        );
        assert_eq!(
            record.cgroups_path.as_deref(),
            Some("/kubepods/besteffort/pod1")
        );
        assert!(!serde_json::to_string(&record).unwrap().contains("/secret"));
        assert!(apply_docker_host_config(b"{\"NetworkMode\": 5}", "h", &mut record).is_err());
    }

    #[test]
    fn container_storage_keeps_names_images_and_crio_pods_only() {
        let json = r#"[
          {"id":"aaa","names":["web-infra"],"image":"0f1e","layer":"l1",
           "metadata":"{\"image-name\":\"localhost/pause:1\",\"name\":\"9c1d2e3f4a5b-infra\",\"created-at\":1}",
           "big-data-names":["secret-blob"],"flags":{"MountLabel":"x"}},
          {"id":"bbb","names":["k8s_app_web"],
           "metadata":"{\"pod\":false,\"pod-name\":\"web\",\"pod-id\":\"ccc\",\"namespace\":\"shop\",\"uid\":\"f5f16f15-af9e-11ea-8af4-0050569e47b9\",\"metadata-name\":\"app\",\"image-name\":\"quay.io/app:1\",\"name\":\"k8s_app_web\"}"},
          {"id":"ccc","names":["k8s_POD_web"],"metadata":"{\"pod\":true,\"pod-name\":\"web\"}"},
          {"id":"ddd","names":["plain"],"metadata":"not json"}
        ]"#;
        let records = parse_container_storage(
            json.as_bytes(),
            "var/lib/containers/storage/overlay-containers/containers.json",
        )
        .unwrap();
        assert_eq!(records.len(), 4);
        assert_eq!(records[0].name.as_deref(), Some("9c1d2e3f4a5b-infra"));
        assert_eq!(records[0].image.as_deref(), Some("localhost/pause:1"));
        assert_eq!(records[0].pod, None);
        assert_eq!(records[1].name.as_deref(), Some("app"));
        let pod = records[1].pod.as_ref().unwrap();
        assert_eq!(pod.name.as_deref(), Some("web"));
        assert_eq!(pod.namespace.as_deref(), Some("shop"));
        assert_eq!(pod.sandbox_id.as_deref(), Some("ccc"));
        assert!(!pod.is_sandbox);
        assert!(records[2].pod.as_ref().unwrap().is_sandbox);
        assert_eq!(records[3].name.as_deref(), Some("plain"));
        let serialized = serde_json::to_string(&records).unwrap();
        assert!(!serialized.contains("secret-blob"));
        assert!(!serialized.contains("MountLabel"));
        assert!(parse_container_storage(b"{}", "c.json")
            .unwrap_err()
            .to_string()
            .starts_with("c.json: "));
    }

    #[test]
    fn pid_files_parse_digits_only() {
        let cases: &[(&[u8], Option<u32>)] = &[
            (b"4242\n", Some(4242)),
            (b"4242", Some(4242)),
            (b"0", None),
            (b"", None),
            (b"abc", None),
            (b"99999999999", None),
        ];
        for (bytes, expected) in cases {
            assert_eq!(parse_pid_file(bytes), *expected, "{bytes:?}");
        }
    }
}
