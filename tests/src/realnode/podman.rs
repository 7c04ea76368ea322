//! The node's podman (no daemon): conmon and runc, its storage, run root, tmp dir, runc root,
//! events log, containers.conf and storage.conf under the node's directory; a standalone
//! container, and a pod with an infra container (the node's pause image) and an app container.
//!
//! Facts found on this machine (podman 4.3.1, conmon 2.1.6): crun refuses the hybrid cgroup
//! layout, so the runtime is runc; root lacks CAP_SYS_RESOURCE, so the nofile and nproc limits
//! podman gives containers by default (1048576) exceed the hard limits here and runc fails to
//! set them ("error setting rlimit type 6: operation not permitted"). The limit that counts is
//! conmon's, not the shell's: podman runs conmon with an nproc hard limit of 32768 here while
//! the shell has 96369, so `default_ulimits` asks for a modest 4096 processes and at most
//! 65536 files, never above the caller's hard limits; the events backend is
//! a file (no journald here); `--runtime-flag root=` keeps runc's state under the node (else
//! /run/runc); every container uses `--network none` or its pod's, so no CNI or netavark
//! network is made.

use super::exec::{self, command};
use super::images::{Images, BUSYBOX_IMAGE, PAUSE_IMAGE};
use super::plan::PodmanPlan;
use super::truth::ApiContainer;
use super::RealNodeError;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub const LABEL: &str = "podman";

/// What the containers may open and start: well below what conmon may (see the module docs).
const NOFILE_LIMIT: u64 = 65_536;
const NPROC_LIMIT: u64 = 4096;

#[derive(Debug, Clone)]
pub struct Layout {
    pub dir: PathBuf,
    pub containers_conf: PathBuf,
    pub storage_conf: PathBuf,
    pub root: PathBuf,
    pub runroot: PathBuf,
    pub tmpdir: PathBuf,
    pub runc_root: PathBuf,
}

impl Layout {
    pub fn new(node_dir: &Path) -> Layout {
        let dir = node_dir.join("podman");
        Layout {
            containers_conf: dir.join("containers.conf"),
            storage_conf: dir.join("storage.conf"),
            root: dir.join("root"),
            runroot: dir.join("run"),
            tmpdir: dir.join("tmp"),
            runc_root: dir.join("runc"),
            dir,
        }
    }
}

fn hard_limit(resource: libc::__rlimit_resource_t) -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit fills the struct we own.
    if unsafe { libc::getrlimit(resource, &mut limit) } != 0 {
        return 1024;
    }
    limit.rlim_max
}

pub fn containers_conf(layout: &Layout, nofile: u64, nproc: u64) -> String {
    let d = layout.dir.display();
    let nofile = nofile.min(NOFILE_LIMIT);
    let nproc = nproc.min(NPROC_LIMIT);
    format!(
        r#"[containers]
default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]
netns = "none"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{d}/events.log"
runtime = "runc"
tmp_dir = "{d}/tmp"
infra_image = "{PAUSE_IMAGE}"
static_dir = "{d}/root/libpod"
volume_path = "{d}/root/volumes"

[network]
network_config_dir = "{d}/networks"
"#
    )
}

pub fn storage_conf(layout: &Layout) -> String {
    format!(
        "[storage]\ndriver = \"vfs\"\ngraphroot = \"{}\"\nrunroot = \"{}\"\n",
        layout.root.display(),
        layout.runroot.display()
    )
}

pub struct Podman {
    pub layout: Layout,
    pub version: String,
    home: PathBuf,
}

pub fn prepare(node_dir: &Path, home: &Path, timeout: Duration) -> Result<Podman, RealNodeError> {
    let layout = Layout::new(node_dir);
    for dir in [&layout.dir, &layout.tmpdir, &layout.runc_root] {
        fs::create_dir_all(dir).map_err(|e| RealNodeError::io(dir, e))?;
    }
    let conf = containers_conf(
        &layout,
        hard_limit(libc::RLIMIT_NOFILE),
        hard_limit(libc::RLIMIT_NPROC),
    );
    fs::write(&layout.containers_conf, conf)
        .map_err(|e| RealNodeError::io(&layout.containers_conf, e))?;
    fs::write(&layout.storage_conf, storage_conf(&layout))
        .map_err(|e| RealNodeError::io(&layout.storage_conf, e))?;
    let mut podman = Podman {
        layout,
        version: String::new(),
        home: home.to_path_buf(),
    };
    podman.version = podman
        .run(&["version", "--format", "{{.Client.Version}}"], timeout)?
        .trim()
        .to_string();
    Ok(podman)
}

impl Podman {
    fn command(&self) -> Command {
        let l = &self.layout;
        let mut cmd = command("podman", &self.home);
        cmd.env("CONTAINERS_CONF", &l.containers_conf)
            .env("CONTAINERS_STORAGE_CONF", &l.storage_conf)
            .arg("--root")
            .arg(&l.root)
            .arg("--runroot")
            .arg(&l.runroot)
            .arg("--tmpdir")
            .arg(&l.tmpdir)
            .args([
                "--cgroup-manager",
                "cgroupfs",
                "--events-backend",
                "file",
                "--runtime",
                "runc",
                "--storage-driver",
                "vfs",
            ])
            .arg(format!("--runtime-flag=root={}", l.runc_root.display()));
        cmd
    }

    fn run(&self, args: &[&str], timeout: Duration) -> Result<String, RealNodeError> {
        exec::run(self.command().args(args), timeout)
    }

    pub fn import(&self, images: &Images, timeout: Duration) -> Result<(), RealNodeError> {
        for image in [&images.busybox, &images.pause] {
            let mut args = vec!["import".to_string()];
            for (instruction, words) in [("ENTRYPOINT", &image.entrypoint), ("CMD", &image.cmd)] {
                if !words.is_empty() {
                    let json = serde_json::to_string(words)
                        .map_err(|e| RealNodeError::Build(e.to_string()))?;
                    args.push("--change".to_string());
                    args.push(format!("{instruction}={json}"));
                }
            }
            args.push(image.rootfs_tar.display().to_string());
            args.push(image.name.to_string());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            self.run(&args, timeout)?;
        }
        Ok(())
    }

    /// Starts the standalone container and the pod; returns (standalone id, pod id, app id).
    pub fn populate(
        &self,
        plan: &PodmanPlan,
        timeout: Duration,
    ) -> Result<(String, String, String), RealNodeError> {
        let mut args = vec![
            "run",
            "-d",
            "--name",
            plan.standalone_name,
            "--network",
            "none",
            BUSYBOX_IMAGE,
        ];
        args.extend(plan.standalone_command.iter().map(String::as_str));
        let standalone = self.run(&args, timeout)?.trim().to_string();
        let pod = self
            .run(
                &[
                    "pod",
                    "create",
                    "--name",
                    plan.pod_name,
                    "--infra-image",
                    PAUSE_IMAGE,
                    "--network",
                    "none",
                ],
                timeout,
            )?
            .trim()
            .to_string();
        let mut args = vec![
            "run",
            "-d",
            "--pod",
            plan.pod_name,
            "--name",
            plan.pod_app_name,
            BUSYBOX_IMAGE,
        ];
        args.extend(plan.pod_app_command.iter().map(String::as_str));
        let app = self.run(&args, timeout)?.trim().to_string();
        Ok((standalone, pod, app))
    }

    /// `podman inspect` of every container, and `podman pod inspect` of the pod.
    pub fn truth(&self, pod_id: &str, timeout: Duration) -> Result<PodmanApi, RealNodeError> {
        let ids = self.run(&["ps", "-aq", "--no-trunc"], timeout)?;
        let ids: Vec<&str> = ids.split_whitespace().collect();
        let mut args = vec!["inspect"];
        args.extend(ids);
        let text = self.run(&args, timeout)?;
        let inspected: Vec<Value> = serde_json::from_str(&text)
            .map_err(|e| RealNodeError::Parse(format!("podman inspect: {e}")))?;
        let text = self.run(&["pod", "inspect", pod_id], timeout)?;
        let pod: Value = serde_json::from_str(&text)
            .map_err(|e| RealNodeError::Parse(format!("podman pod inspect: {e}")))?;
        // Podman 4.3 answers one pod with an object, later ones with a list.
        let pod = match pod {
            Value::Array(mut pods) if !pods.is_empty() => pods.swap_remove(0),
            other => other,
        };
        let containers = inspected
            .iter()
            .map(api_container)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PodmanApi {
            containers,
            pod_id: pod["Id"].as_str().unwrap_or_default().to_string(),
            pod_name: pod["Name"].as_str().unwrap_or_default().to_string(),
            infra_id: pod["InfraContainerID"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            cgroup_path: pod["CgroupPath"].as_str().map(str::to_string),
        })
    }

    pub fn remove_all(&self, timeout: Duration) -> Vec<String> {
        let mut problems = Vec::new();
        for args in [
            &["pod", "rm", "-a", "-f", "-t", "0"][..],
            &["rm", "-a", "-f", "-t", "0"][..],
        ] {
            if let Err(e) = self.run(args, timeout) {
                problems.push(e.to_string());
            }
        }
        problems
    }
}

pub struct PodmanApi {
    pub containers: Vec<ApiContainer>,
    pub pod_id: String,
    pub pod_name: String,
    pub infra_id: String,
    /// The pod's own cgroup (`/libpod_parent/<pod id>` under cgroupfs).
    pub cgroup_path: Option<String>,
}

fn api_container(value: &Value) -> Result<ApiContainer, RealNodeError> {
    let id = value["Id"]
        .as_str()
        .ok_or_else(|| RealNodeError::Parse("podman inspect: no Id".into()))?
        .to_string();
    if value["State"]["Running"] != Value::Bool(true) {
        return Err(RealNodeError::Harness(format!(
            "podman container {id} is not running: {}",
            value["State"]
        )));
    }
    let pid = value["State"]["Pid"]
        .as_u64()
        .filter(|p| *p > 0)
        .ok_or_else(|| RealNodeError::Parse(format!("podman inspect {id}: no State.Pid")))?;
    let pod = value["Pod"].as_str().filter(|p| !p.is_empty());
    Ok(ApiContainer {
        name: value["Name"].as_str().unwrap_or_default().to_string(),
        image: value["ImageName"].as_str().map(str::to_string),
        runtime: LABEL.to_string(),
        pod_uid: pod.map(str::to_string),
        sandbox: value["IsInfra"] == Value::Bool(true),
        init_pid: pid as u32,
        expected_shim: "conmon",
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ulimits_stay_at_or_below_the_hard_limits() {
        let layout = Layout::new(Path::new("/tmp/n"));
        let conf = containers_conf(&layout, 20_000, 96_369);
        assert!(conf.contains(r#""nofile=20000:20000", "nproc=4096:4096""#));
        let conf = containers_conf(&layout, 1024, 512);
        assert!(conf.contains(r#""nofile=1024:1024", "nproc=512:512""#));
        assert!(conf.contains(r#"events_logfile_path = "/tmp/n/podman/events.log""#));
    }

    #[test]
    fn podman_inspect_marks_the_infra_container_as_the_pods_sandbox() {
        let infra = json!({
            "Id": "i1", "Name": "abc-infra", "ImageName": "localhost/nodesnap/pause:1",
            "Pod": "p1", "IsInfra": true, "State": {"Running": true, "Pid": 7},
        });
        let c = api_container(&infra).unwrap();
        assert!(c.sandbox);
        assert_eq!(c.pod_uid.as_deref(), Some("p1"));
        let solo =
            json!({"Id": "s1", "Name": "solo", "Pod": "", "State": {"Running": true, "Pid": 9}});
        let c = api_container(&solo).unwrap();
        assert!(!c.sandbox);
        assert_eq!(c.pod_uid, None);
    }
}
