//! The node's Kubernetes runtime: containerd with its CRI plugin under the node's directory,
//! and pods made through the CRI exactly as kubelet makes them (RunPodSandbox, then
//! CreateContainer and StartContainer per container, with kubelet's labels, annotations,
//! namespace options, cgroup parents and resources).
//!
//! Facts found on this machine (Debian 12, containerd 1.6.20, runc 1.1.5, hybrid cgroups):
//! - root lacks CAP_SYS_RESOURCE, so the -998 that containerd asks for a sandbox (and the
//!   kubelet's -997 for guaranteed containers) cannot be set: `restrict_oom_score_adj = true`
//!   makes containerd clamp them to its own value instead of failing RunPodSandbox;
//! - the cgroupfs driver (`SystemdCgroup = false`): pid 1 is not systemd;
//! - the overlayfs snapshotter works on this ext4 (btrfs, zfs, devmapper and aufs are disabled so
//!   that they neither log failures nor look for their host state);
//! - CRI's network namespaces are bind-mounted under the state directory
//!   (`netns_mounts_under_state_dir`), not /var/run/netns;
//! - containerd 1.6 refuses a pod without an IP for eth0, so the CNI plugin is the node's own
//!   (tests/realnode/cni-plugin.sh), which touches nothing on the host; it also stands in for
//!   `loopback`, which the CRI plugin runs for every pod;
//! - the runc shim's `Root` option keeps runc's state under the node (else /run/containerd/runc).

use super::cri::{
    self, ContainerConfig, ContainerMetadata, CriClient, ImageSpec, LinuxContainerConfig,
    LinuxContainerResources, LinuxContainerSecurityContext, LinuxPodSandboxConfig,
    LinuxSandboxSecurityContext, NamespaceMode, NamespaceOption, PodSandboxConfig,
    PodSandboxMetadata,
};
use super::exec::{self, command, spawn_daemon, wait_ready};
use super::images::{Images, BUSYBOX_IMAGE, PAUSE_IMAGE};
use super::plan::{CriPodPlan, Qos};
use super::truth::{self, ApiContainer};
use super::RealNodeError;
use serde_json::Value;
use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const LABEL: &str = "cri-containerd";
const CNI_PLUGIN: &str = include_str!("../../realnode/cni-plugin.sh");
const CNI_NETWORK: &str = "nodesnap";
/// containerd's CRI namespace, where kubelet's images and containers live.
pub const K8S_NAMESPACE: &str = "k8s.io";

/// Where this containerd keeps everything, below the node's directory.
#[derive(Debug, Clone)]
pub struct Layout {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub socket: PathBuf,
    pub log: PathBuf,
    pub cni_bin: PathBuf,
    pub cni_conf: PathBuf,
}

impl Layout {
    pub fn new(node_dir: &Path) -> Layout {
        let dir = node_dir.join("containerd");
        Layout {
            config: dir.join("config.toml"),
            socket: dir.join("containerd.sock"),
            log: node_dir.join("logs/containerd.log"),
            cni_bin: dir.join("cni/bin"),
            cni_conf: dir.join("cni/conf"),
            dir,
        }
    }
}

/// containerd 1.6's config (version 2) for the node.
pub fn config_toml(layout: &Layout) -> String {
    let d = layout.dir.display();
    format!(
        r#"version = 2
root = "{d}/root"
state = "{d}/state"
disabled_plugins = [
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs",
]

[grpc]
  address = "{socket}"

[ttrpc]
  address = "{socket}.ttrpc"

[debug]
  address = ""

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "{d}/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{PAUSE_IMAGE}"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "{d}/runc"

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{bin}"
    conf_dir = "{conf}"
    max_conf_num = 1
"#,
        socket = layout.socket.display(),
        bin = layout.cni_bin.display(),
        conf = layout.cni_conf.display(),
    )
}

fn write_cni(layout: &Layout) -> Result<(), RealNodeError> {
    for dir in [&layout.cni_bin, &layout.cni_conf] {
        fs::create_dir_all(dir).map_err(|e| RealNodeError::io(dir, e))?;
    }
    for name in [CNI_NETWORK, "loopback"] {
        let path = layout.cni_bin.join(name);
        fs::write(&path, CNI_PLUGIN).map_err(|e| RealNodeError::io(&path, e))?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
            .map_err(|e| RealNodeError::io(&path, e))?;
    }
    let conf = layout.cni_conf.join("10-nodesnap.conflist");
    let text = format!(
        r#"{{"cniVersion": "1.0.0", "name": "{CNI_NETWORK}", "plugins": [{{"type": "{CNI_NETWORK}"}}]}}"#
    );
    fs::write(&conf, text).map_err(|e| RealNodeError::io(&conf, e))
}

/// A started containerd and its CRI client.
pub struct Containerd {
    pub layout: Layout,
    pub child: Child,
    pub client: CriClient,
    pub version: String,
}

pub fn start(
    node_dir: &Path,
    home: &Path,
    timeout: Duration,
    call_timeout: Duration,
    cgroup_procs: &[fs::File],
    on_spawn: &mut dyn FnMut(u32) -> Result<(), RealNodeError>,
) -> Result<Containerd, RealNodeError> {
    let layout = Layout::new(node_dir);
    fs::create_dir_all(&layout.dir).map_err(|e| RealNodeError::io(&layout.dir, e))?;
    write_cni(&layout)?;
    fs::write(&layout.config, config_toml(&layout))
        .map_err(|e| RealNodeError::io(&layout.config, e))?;
    let mut child = spawn_daemon(
        command("containerd", home)
            .arg("--config")
            .arg(&layout.config)
            .args(["--log-level", "info"]),
        &layout.log,
        cgroup_procs,
    )?;
    on_spawn(child.id())?;
    let socket = layout.socket.clone();
    let client = wait_ready("containerd", &mut child, &layout.log, timeout, || {
        if !socket.exists() {
            return Err(format!("no socket {} yet", socket.display()));
        }
        CriClient::connect(&socket, call_timeout).map_err(|e| e.to_string())
    })?;
    let version = client
        .version()
        .map(|v| v.runtime_version)
        .map_err(RealNodeError::Cri)?;
    Ok(Containerd {
        layout,
        child,
        client,
        version,
    })
}

impl Containerd {
    /// Imports the images as `ctr -n k8s.io images import` does for an air-gapped node.
    pub fn import(
        &self,
        images: &Images,
        home: &Path,
        timeout: Duration,
    ) -> Result<(), RealNodeError> {
        for image in [&images.busybox, &images.pause] {
            exec::run(
                command("ctr", home)
                    .arg("--address")
                    .arg(&self.layout.socket)
                    .args(["-n", K8S_NAMESPACE, "images", "import"])
                    .arg(&image.oci_archive),
                timeout,
            )?;
        }
        Ok(())
    }

    /// Runs one pod as kubelet does; returns its sandbox id and container ids by name.
    pub fn run_pod(
        &self,
        pod: &CriPodPlan,
        uid: &str,
        memory_capacity: i64,
        logs: &mut dyn FnMut(PathBuf) -> Result<(), RealNodeError>,
    ) -> Result<(String, Vec<(String, String)>), RealNodeError> {
        let log_directory = PathBuf::from(super::host::POD_LOG_ROOT)
            .join(format!("{}_{}_{uid}", pod.namespace, pod.name));
        logs(log_directory.clone())?;
        fs::create_dir_all(&log_directory).map_err(|e| RealNodeError::io(&log_directory, e))?;
        let sandbox_config = sandbox_config(pod, uid, &log_directory);
        let sandbox_id = self
            .client
            .run_pod_sandbox(&sandbox_config)
            .map_err(|e| RealNodeError::pod(pod.name, e))?;
        let image_id = self
            .client
            .image_id(BUSYBOX_IMAGE)
            .map_err(|e| RealNodeError::pod(pod.name, e))?
            .ok_or_else(|| {
                RealNodeError::Harness(format!("containerd does not know {BUSYBOX_IMAGE}"))
            })?;
        let mut ids = Vec::new();
        for (index, container) in pod.containers.iter().enumerate() {
            let container_log_dir = log_directory.join(container.name);
            fs::create_dir_all(&container_log_dir)
                .map_err(|e| RealNodeError::io(&container_log_dir, e))?;
            let config = container_config(pod, uid, index, &image_id, memory_capacity);
            let id = self
                .client
                .create_container(&sandbox_id, &config, &sandbox_config)
                .map_err(|e| RealNodeError::pod(pod.name, e))?;
            self.client
                .start_container(&id)
                .map_err(|e| RealNodeError::pod(pod.name, e))?;
            // kubelet's legacy symlink, which log shippers (and the collector) read.
            let link = PathBuf::from(super::host::CONTAINER_LOG_ROOT).join(format!(
                "{}_{}_{}-{id}.log",
                pod.name, pod.namespace, container.name
            ));
            logs(link.clone())?;
            if let Some(parent) = link.parent() {
                fs::create_dir_all(parent).map_err(|e| RealNodeError::io(parent, e))?;
            }
            std::os::unix::fs::symlink(container_log_dir.join("0.log"), &link)
                .map_err(|e| RealNodeError::io(&link, e))?;
            ids.push((container.name.to_string(), id));
        }
        Ok((sandbox_id, ids))
    }

    /// What the CRI says about a sandbox: its containers as the truth needs them.
    pub fn sandbox_truth(&self, sandbox_id: &str) -> Result<SandboxApi, RealNodeError> {
        let reply = self
            .client
            .pod_sandbox_status(sandbox_id)
            .map_err(RealNodeError::Cri)?;
        let status = reply.status.ok_or_else(|| {
            RealNodeError::Harness(format!("PodSandboxStatus of {sandbox_id}: no status"))
        })?;
        let metadata = status.metadata.unwrap_or_default();
        let info = verbose_info(&reply.info, "PodSandboxStatus", sandbox_id)?;
        let pid = info["pid"].as_u64().filter(|p| *p > 0).ok_or_else(|| {
            RealNodeError::Harness(format!("PodSandboxStatus of {sandbox_id}: no pid in info"))
        })? as u32;
        let image = info["image"].as_str().map(str::to_string);
        let options = status
            .linux
            .and_then(|l| l.namespaces)
            .and_then(|n| n.options)
            .unwrap_or_default();
        Ok(SandboxApi {
            container: ApiContainer {
                id: status.id.clone(),
                name: metadata.name.clone(),
                image,
                runtime: LABEL.to_string(),
                pod_uid: Some(metadata.uid.clone()),
                sandbox: true,
                init_pid: pid,
                expected_shim: truth::RUNC_SHIM_COMM,
            },
            metadata,
            ready: status.state == cri::PodSandboxState::SandboxReady as i32,
            options,
        })
    }

    /// What the CRI says about every container of the node, sandboxes excluded.
    pub fn containers_truth(&self) -> Result<Vec<(String, ApiContainer)>, RealNodeError> {
        let mut out = Vec::new();
        for container in self.client.list_containers().map_err(RealNodeError::Cri)? {
            let reply = self
                .client
                .container_status(&container.id)
                .map_err(RealNodeError::Cri)?;
            let status = reply.status.ok_or_else(|| {
                RealNodeError::Harness(format!("ContainerStatus of {}: no status", container.id))
            })?;
            if status.state != cri::ContainerState::ContainerRunning as i32 {
                return Err(RealNodeError::Harness(format!(
                    "container {} ({}) is not running (state {})",
                    status
                        .metadata
                        .as_ref()
                        .map(|m| m.name.as_str())
                        .unwrap_or(""),
                    container.id,
                    status.state
                )));
            }
            let info = verbose_info(&reply.info, "ContainerStatus", &container.id)?;
            let pid = info["pid"].as_u64().filter(|p| *p > 0).ok_or_else(|| {
                RealNodeError::Harness(format!("ContainerStatus of {}: no pid", container.id))
            })? as u32;
            let pod_uid = status
                .labels
                .get("io.kubernetes.pod.uid")
                .cloned()
                .ok_or_else(|| {
                    RealNodeError::Harness(format!(
                        "container {} has no pod uid label",
                        container.id
                    ))
                })?;
            out.push((
                container.pod_sandbox_id.clone(),
                ApiContainer {
                    id: status.id.clone(),
                    name: status.metadata.map(|m| m.name).unwrap_or_default(),
                    image: status.image.map(|i| i.image).filter(|i| !i.is_empty()),
                    runtime: LABEL.to_string(),
                    pod_uid: Some(pod_uid),
                    sandbox: false,
                    init_pid: pid,
                    expected_shim: truth::RUNC_SHIM_COMM,
                },
            ));
        }
        Ok(out)
    }

    /// StopPodSandbox and RemovePodSandbox for every pod, as kubelet does when pods go.
    pub fn remove_all(&self) -> Vec<String> {
        let mut problems = Vec::new();
        match self.client.list_pod_sandbox() {
            Ok(sandboxes) => {
                for sandbox in sandboxes {
                    if let Err(e) = self.client.stop_pod_sandbox(&sandbox.id) {
                        problems.push(e.to_string());
                    }
                    if let Err(e) = self.client.remove_pod_sandbox(&sandbox.id) {
                        problems.push(e.to_string());
                    }
                }
            }
            Err(e) => problems.push(e.to_string()),
        }
        problems
    }
}

pub struct SandboxApi {
    pub container: ApiContainer,
    pub metadata: PodSandboxMetadata,
    pub ready: bool,
    pub options: NamespaceOption,
}

/// containerd's verbose status is a JSON document under the key `info`.
fn verbose_info(
    info: &HashMap<String, String>,
    call: &str,
    id: &str,
) -> Result<Value, RealNodeError> {
    let text = info
        .get("info")
        .ok_or_else(|| RealNodeError::Harness(format!("{call} of {id}: no verbose info")))?;
    serde_json::from_str(text)
        .map_err(|e| RealNodeError::Parse(format!("{call} of {id}: info is not JSON: {e}")))
}

/// kubelet's namespace options for a pod spec (kuberuntime_sandbox.go, namespacesForPod).
pub fn namespace_options(pod: &CriPodPlan) -> NamespaceOption {
    let pid = if pod.host_pid {
        NamespaceMode::Node
    } else if pod.share_pid {
        NamespaceMode::Pod
    } else {
        NamespaceMode::Container
    };
    NamespaceOption {
        network: if pod.host_network {
            NamespaceMode::Node
        } else {
            NamespaceMode::Pod
        } as i32,
        pid: pid as i32,
        ipc: NamespaceMode::Pod as i32,
        target_id: String::new(),
    }
}

fn pod_labels(pod: &CriPodPlan, uid: &str) -> HashMap<String, String> {
    HashMap::from([
        ("app".to_string(), pod.app_label.to_string()),
        ("io.kubernetes.pod.name".to_string(), pod.name.to_string()),
        (
            "io.kubernetes.pod.namespace".to_string(),
            pod.namespace.to_string(),
        ),
        ("io.kubernetes.pod.uid".to_string(), uid.to_string()),
    ])
}

fn rfc3339_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Days to civil date (Howard Hinnant's algorithm), enough for an annotation's value.
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000000000Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// RunPodSandbox's config as kubelet's generatePodSandboxConfig writes it.
pub fn sandbox_config(pod: &CriPodPlan, uid: &str, log_directory: &Path) -> PodSandboxConfig {
    let qos: Qos = pod.qos();
    PodSandboxConfig {
        metadata: Some(PodSandboxMetadata {
            name: pod.name.to_string(),
            uid: uid.to_string(),
            namespace: pod.namespace.to_string(),
            attempt: 0,
        }),
        // A host-network pod keeps the node's hostname.
        hostname: if pod.host_network {
            String::new()
        } else {
            pod.name.to_string()
        },
        log_directory: log_directory.display().to_string(),
        dns_config: None,
        labels: pod_labels(pod, uid),
        annotations: HashMap::from([
            ("kubernetes.io/config.seen".to_string(), rfc3339_now()),
            ("kubernetes.io/config.source".to_string(), "api".to_string()),
        ]),
        linux: Some(LinuxPodSandboxConfig {
            cgroup_parent: qos.pod_cgroup(uid),
            security_context: Some(LinuxSandboxSecurityContext {
                namespace_options: Some(namespace_options(pod)),
                privileged: false,
            }),
            sysctls: HashMap::new(),
        }),
    }
}

/// CreateContainer's config as kubelet's generateContainerConfig writes it: the image by id
/// (the pod spec's name beside it), kubelet's labels and annotations, the log path relative to
/// the pod's log directory, the resources of the QoS class, the pod's namespace options.
pub fn container_config(
    pod: &CriPodPlan,
    uid: &str,
    index: usize,
    image_id: &str,
    memory_capacity: i64,
) -> ContainerConfig {
    let container = &pod.containers[index];
    let resources = container.resources.to_cri(pod.qos(), memory_capacity);
    let mut labels = pod_labels(pod, uid);
    labels.remove("app");
    labels.insert(
        "io.kubernetes.container.name".to_string(),
        container.name.to_string(),
    );
    let annotations = HashMap::from([
        (
            "io.kubernetes.container.hash".to_string(),
            format!("{:08x}", fnv32(container.name)),
        ),
        (
            "io.kubernetes.container.restartCount".to_string(),
            "0".to_string(),
        ),
        (
            "io.kubernetes.container.terminationMessagePath".to_string(),
            "/dev/termination-log".to_string(),
        ),
        (
            "io.kubernetes.container.terminationMessagePolicy".to_string(),
            "File".to_string(),
        ),
        (
            "io.kubernetes.pod.terminationGracePeriod".to_string(),
            "30".to_string(),
        ),
    ]);
    ContainerConfig {
        metadata: Some(ContainerMetadata {
            name: container.name.to_string(),
            attempt: 0,
        }),
        image: Some(ImageSpec {
            image: image_id.to_string(),
            user_specified_image: BUSYBOX_IMAGE.to_string(),
        }),
        command: container.command.clone(),
        args: Vec::new(),
        working_dir: String::new(),
        envs: Vec::new(),
        labels,
        annotations,
        log_path: format!("{}/0.log", container.name),
        linux: Some(LinuxContainerConfig {
            resources: Some(LinuxContainerResources {
                cpu_period: resources.cpu_period,
                cpu_quota: resources.cpu_quota,
                cpu_shares: resources.cpu_shares,
                memory_limit_in_bytes: resources.memory_limit_bytes,
                oom_score_adj: resources.oom_score_adj,
            }),
            security_context: Some(LinuxContainerSecurityContext {
                namespace_options: Some(namespace_options(pod)),
            }),
        }),
    }
}

/// A stand-in for kubelet's container hash (a hash of the container spec).
fn fnv32(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realnode::plan::NodePlan;

    #[test]
    fn kubelet_namespace_options_follow_the_pod_spec() {
        let plan = NodePlan::standard();
        let modes: Vec<(i32, i32, i32)> = plan
            .cri_pods
            .iter()
            .map(|p| {
                let o = namespace_options(p);
                (o.network, o.pid, o.ipc)
            })
            .collect();
        let (pod, container, node) = (
            NamespaceMode::Pod as i32,
            NamespaceMode::Container as i32,
            NamespaceMode::Node as i32,
        );
        assert_eq!(
            modes,
            vec![(pod, container, pod), (node, node, pod), (pod, pod, pod)]
        );
    }

    #[test]
    fn the_sandbox_config_puts_the_pod_in_its_qos_cgroup_with_kubelet_labels() {
        let plan = NodePlan::standard();
        let config = sandbox_config(&plan.cri_pods[1], "u-1", Path::new("/var/log/pods/x"));
        assert_eq!(
            config.linux.unwrap().cgroup_parent,
            "/kubepods/burstable/podu-1"
        );
        assert_eq!(config.labels["io.kubernetes.pod.uid"], "u-1");
        assert_eq!(config.labels["io.kubernetes.pod.namespace"], "kube-system");
        assert_eq!(
            config.hostname, "",
            "a host-network pod keeps the node's name"
        );
    }

    #[test]
    fn config_seen_is_an_rfc3339_time() {
        let now = rfc3339_now();
        assert_eq!(now.len(), "2024-01-02T03:04:05.000000000Z".len());
        assert!(now.starts_with("20") && now.ends_with('Z'), "{now}");
    }

    #[test]
    fn the_config_keeps_every_path_under_the_node() {
        let layout = Layout::new(Path::new("/tmp/n"));
        let text = config_toml(&layout);
        assert!(text.contains(r#"root = "/tmp/n/containerd/root""#));
        assert!(text.contains(r#"address = "/tmp/n/containerd/containerd.sock""#));
        assert!(text.contains("restrict_oom_score_adj = true"));
        assert!(text.contains("SystemdCgroup = false"));
    }
}
