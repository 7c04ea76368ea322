//! Runtime metadata files as the runtimes write them: OCI bundle `config.json` (containerd task
//! bundles, CRI-O and podman userdata) and docker's `config.v2.json`. Each carries an
//! environment with a fake secret so that tests can prove the collector drops it.

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The value of every fake secret in these files; a snapshot must never contain it.
pub const FAKE_SECRET: &str = "s3cr3t-DO-NOT-SHIP-7f3a9c";

/// A namespace entry of an OCI spec's `linux.namespaces`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciNamespace {
    pub kind: String,
    pub path: Option<String>,
}

impl OciNamespace {
    pub fn new(kind: &str) -> Self {
        OciNamespace {
            kind: kind.to_string(),
            path: None,
        }
    }

    pub fn joining(kind: &str, path: &str) -> Self {
        OciNamespace {
            kind: kind.to_string(),
            path: Some(path.to_string()),
        }
    }
}

/// The fields of an OCI runtime spec that differ between containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciSpec {
    pub args: Vec<String>,
    /// Without the secret; `oci_config` adds one.
    pub env: Vec<String>,
    pub hostname: String,
    pub uid: u32,
    pub gid: u32,
    pub annotations: BTreeMap<String, String>,
    pub namespaces: Vec<OciNamespace>,
    pub cgroups_path: String,
    pub rootfs: String,
}

/// The whole `config.json` of an OCI bundle, compact as containerd writes it or indented as
/// CRI-O and podman write it.
pub fn oci_config(spec: &OciSpec, pretty: bool) -> String {
    let mut env = spec.env.clone();
    env.push(format!("DB_PASSWORD={FAKE_SECRET}"));
    let namespaces: Vec<Value> = spec
        .namespaces
        .iter()
        .map(|ns| match &ns.path {
            Some(path) => json!({"type": ns.kind, "path": path}),
            None => json!({"type": ns.kind}),
        })
        .collect();
    let annotations: Map<String, Value> = spec
        .annotations
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let value = json!({
        "ociVersion": "1.0.2-dev",
        "process": {
            "user": {"uid": spec.uid, "gid": spec.gid, "additionalGids": [spec.gid]},
            "args": spec.args,
            "env": env,
            "cwd": "/",
            "capabilities": {
                "bounding": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_KILL",
                             "CAP_NET_BIND_SERVICE", "CAP_SETGID", "CAP_SETUID"],
                "effective": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_KILL",
                              "CAP_NET_BIND_SERVICE", "CAP_SETGID", "CAP_SETUID"],
                "permitted": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_KILL",
                              "CAP_NET_BIND_SERVICE", "CAP_SETGID", "CAP_SETUID"]
            },
            "apparmorProfile": "cri-containerd.apparmor.d",
            "oomScoreAdj": 0
        },
        "root": {"path": spec.rootfs},
        "hostname": spec.hostname,
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/etc/hosts", "type": "bind",
             "source": "/var/lib/kubelet/pods/etc-hosts", "options": ["rbind", "rprivate", "rw"]}
        ],
        "annotations": annotations,
        "linux": {
            "resources": {"devices": [{"allow": false, "access": "rwm"}]},
            "cgroupsPath": spec.cgroups_path,
            "namespaces": namespaces,
            "maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys"]
        }
    });
    let text = if pretty {
        serde_json::to_string_pretty(&value)
    } else {
        serde_json::to_string(&value)
    };
    text.unwrap_or_default()
}

/// The fields of docker's `config.v2.json` that differ between containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerContainer {
    pub id: String,
    /// With docker's leading slash: `/k8s_POD_...`.
    pub name: String,
    pub image: String,
    pub image_id: String,
    pub path: String,
    pub args: Vec<String>,
    /// Without the secret; `docker_config_v2` adds one.
    pub env: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub hostname: String,
    /// 0 when the container is not running.
    pub pid: u32,
    pub running: bool,
    pub exit_code: i32,
    pub created: String,
    pub started_at: String,
    pub finished_at: String,
}

/// docker's `config.v2.json`, one line as dockerd writes it.
pub fn docker_config_v2(c: &DockerContainer) -> String {
    let mut env = c.env.clone();
    env.push(format!("API_TOKEN={FAKE_SECRET}"));
    let labels: Map<String, Value> = c
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let value = json!({
        "StreamConfig": {},
        "State": {
            "Running": c.running, "Paused": false, "Restarting": false, "OOMKilled": false,
            "RemovalInProgress": false, "Dead": false, "Pid": c.pid, "ExitCode": c.exit_code,
            "Error": "", "StartedAt": c.started_at, "FinishedAt": c.finished_at, "Health": null
        },
        "ID": c.id,
        "Created": c.created,
        "Managed": false,
        "Path": c.path,
        "Args": c.args,
        "Config": {
            "Hostname": c.hostname, "Domainname": "", "User": "", "AttachStdin": false,
            "AttachStdout": false, "AttachStderr": false, "Tty": false, "OpenStdin": false,
            "StdinOnce": false, "Env": env, "Cmd": c.args, "Image": c.image,
            "Volumes": null, "WorkingDir": "", "Entrypoint": [c.path], "OnBuild": null,
            "Labels": labels
        },
        "Image": c.image_id,
        "NetworkSettings": {"Bridge": "", "SandboxID": "", "HairpinMode": false},
        "LogPath": format!("/var/lib/docker/containers/{0}/{0}-json.log", c.id),
        "Name": c.name,
        "Driver": "overlay2",
        "OS": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "RestartCount": 0,
        "HasBeenStartedBefore": false,
        "HasBeenManuallyStopped": false,
        "MountPoints": {},
        "SecretReferences": null,
        "ConfigReferences": null,
        "AppArmorProfile": "",
        "HostnamePath": format!("/var/lib/docker/containers/{}/hostname", c.id),
        "HostsPath": format!("/var/lib/docker/containers/{}/hosts", c.id),
        "ShmPath": "",
        "ResolvConfPath": format!("/var/lib/docker/containers/{}/resolv.conf", c.id),
        "SeccompProfile": "",
        "NoNewPrivileges": false
    });
    serde_json::to_string(&value).unwrap_or_default()
}

/// A map from string pairs, for labels and annotations.
pub fn string_map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
