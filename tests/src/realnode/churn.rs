//! Changes made to a running real node between two snapshots, as they happen on a node in
//! trouble: a CRI container restarted the way kubelet restarts one, and a process killed by the
//! kernel's OOM killer at a container's memory limit.

use super::containerd::{container_config, sandbox_config};
use super::host::{CONTAINER_LOG_ROOT, POD_LOG_ROOT};
use super::images::BUSYBOX_IMAGE;
use super::plan::NodePlan;
use super::{memory_total_bytes, RealNode, RealNodeError};
use crate::scene::procfs::ProcReader;
use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A container restarted by [`RealNode::restart_cri_container`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restarted {
    pub pod_uid: String,
    pub old_id: String,
    pub new_id: String,
}

impl RealNode {
    /// Restarts an app container of a CRI pod as kubelet does after it exited: the old
    /// container is stopped and kept (kubelet keeps the last dead one, and its log link), a
    /// container of the same name with the next attempt number is created in the same sandbox,
    /// started, and its log linked under /var/log/containers.
    pub fn restart_cri_container(
        &mut self,
        plan: &NodePlan,
        pod_name: &str,
        container_name: &str,
    ) -> Result<Restarted, RealNodeError> {
        let harness = |what: String| RealNodeError::Harness(what);
        let pod = plan
            .cri_pods
            .iter()
            .find(|p| p.name == pod_name)
            .ok_or_else(|| harness(format!("the plan has no CRI pod {pod_name}")))?;
        let index = pod
            .containers
            .iter()
            .position(|c| c.name == container_name)
            .ok_or_else(|| harness(format!("pod {pod_name} has no container {container_name}")))?;
        let uid = self
            .truth
            .pods
            .iter()
            .find(|p| p.name == pod_name && p.runtime == super::containerd::LABEL)
            .map(|p| p.uid.clone())
            .ok_or_else(|| harness(format!("the node has no pod {pod_name}")))?;
        let old_id = self
            .truth
            .containers
            .iter()
            .find(|c| c.pod_uid.as_deref() == Some(&uid) && c.name == container_name && !c.sandbox)
            .map(|c| c.id.clone())
            .ok_or_else(|| harness(format!("pod {pod_name} runs no {container_name}")))?;
        let memory = memory_total_bytes()?;
        let teardown = self
            .teardown
            .as_mut()
            .ok_or_else(|| harness("the node is torn down".to_string()))?;
        let containerd = teardown
            .containerd
            .as_ref()
            .ok_or_else(|| harness("containerd is not running".to_string()))?;
        let client = &containerd.client;
        let pod_err = |e| RealNodeError::pod(pod.name, e);
        let sandbox_id = client
            .list_pod_sandbox()
            .map_err(pod_err)?
            .into_iter()
            .find(|s| {
                s.metadata
                    .as_ref()
                    .is_some_and(|m| m.uid == uid && m.name == pod.name)
            })
            .map(|s| s.id)
            .ok_or_else(|| harness(format!("containerd lists no sandbox of {pod_name}")))?;
        client.stop_container(&old_id, 10).map_err(pod_err)?;
        let image_id = client
            .image_id(BUSYBOX_IMAGE)
            .map_err(pod_err)?
            .ok_or_else(|| harness(format!("containerd does not know {BUSYBOX_IMAGE}")))?;
        let log_directory =
            PathBuf::from(POD_LOG_ROOT).join(format!("{}_{}_{uid}", pod.namespace, pod.name));
        let sandbox = sandbox_config(pod, &uid, &log_directory);
        let mut config = container_config(pod, &uid, index, &image_id, memory);
        if let Some(metadata) = config.metadata.as_mut() {
            metadata.attempt = 1;
        }
        config.annotations.insert(
            "io.kubernetes.container.restartCount".to_string(),
            "1".to_string(),
        );
        config.log_path = format!("{container_name}/1.log");
        let new_id = client
            .create_container(&sandbox_id, &config, &sandbox)
            .map_err(pod_err)?;
        client.start_container(&new_id).map_err(pod_err)?;
        let link = PathBuf::from(CONTAINER_LOG_ROOT).join(format!(
            "{}_{}_{container_name}-{new_id}.log",
            pod.name, pod.namespace
        ));
        teardown.record_host_path(link.clone())?;
        std::os::unix::fs::symlink(log_directory.join(container_name).join("1.log"), &link)
            .map_err(|e| RealNodeError::io(&link, e))?;
        Ok(Restarted {
            pod_uid: uid,
            old_id,
            new_id,
        })
    }

    /// Runs a memory hog (`tail /dev/zero`, which keeps its one endless line) in the memory
    /// cgroup of a container until the kernel's OOM killer ends it at the container's limit.
    /// The hog's oom_score_adj is 1000, so that it, not the container's own process, is killed.
    pub fn oom_kill_in(&self, container_id: &str, timeout: Duration) -> Result<(), RealNodeError> {
        let container = self.truth.container(container_id).ok_or_else(|| {
            RealNodeError::Harness(format!("the node has no container {container_id}"))
        })?;
        let procs = memory_cgroup_procs(container.init_pid)?;
        let script = format!(
            "echo $$ > '{}' && echo 1000 > /proc/self/oom_score_adj && exec tail /dev/zero",
            procs.display()
        );
        let mut hog = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| RealNodeError::io(Path::new("sh"), e))?;
        let deadline = Instant::now() + timeout;
        let status = loop {
            match hog.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                Ok(None) => {
                    let _ = hog.kill();
                    let _ = hog.wait();
                    return Err(RealNodeError::Harness(format!(
                        "the memory hog in {} was not OOM-killed within {timeout:?}",
                        procs.display()
                    )));
                }
                Err(e) => return Err(RealNodeError::io(Path::new("sh"), e)),
            }
        };
        if status.signal() == Some(libc::SIGKILL) {
            Ok(())
        } else {
            let stderr = hog
                .stderr
                .take()
                .and_then(|s| std::io::read_to_string(s).ok())
                .unwrap_or_default();
            Err(RealNodeError::Harness(format!(
                "the memory hog in {} ended with {status}, not the OOM killer's SIGKILL: {}",
                procs.display(),
                stderr.trim()
            )))
        }
    }
}

/// The `cgroup.procs` of a process's memory cgroup: the v1 memory hierarchy's, else the
/// unified hierarchy's where it has the memory controller.
fn memory_cgroup_procs(pid: u32) -> Result<PathBuf, RealNodeError> {
    let proc = ProcReader::live();
    let mounts = super::host::cgroup_mounts(&proc)?;
    let file = PathBuf::from(format!("/proc/{pid}/cgroup"));
    let text = fs::read_to_string(&file).map_err(|e| RealNodeError::io(&file, e))?;
    let line = |wanted: &dyn Fn(&str) -> bool| {
        text.lines().find_map(|line| {
            let mut fields = line.splitn(3, ':');
            let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
            wanted(controllers).then(|| path.trim_start_matches('/').to_string())
        })
    };
    let v1 = line(&|c| c.split(',').any(|c| c == "memory")).and_then(|path| {
        mounts
            .iter()
            .find(|m| m.join("memory.limit_in_bytes").is_file())
            .map(|m| m.join(&path))
    });
    let v2 = || {
        line(&|c| c.is_empty()).and_then(|path| {
            mounts
                .iter()
                .map(|m| m.join(&path))
                .find(|dir| dir.join("memory.max").is_file())
        })
    };
    v1.or_else(v2)
        .map(|dir| dir.join("cgroup.procs"))
        .filter(|procs| procs.is_file())
        .ok_or_else(|| {
            RealNodeError::Harness(format!("{}: no memory cgroup found", file.display()))
        })
}
