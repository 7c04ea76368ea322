//! The node's docker: dockerd from docker.io with its data root, exec root, pidfile, socket
//! and config under the node's directory, running the containerd it starts itself (so that the
//! node has two containerd daemons), and standalone containers from a `docker import`ed rootfs.
//!
//! Facts found on this machine (docker.io 20.10.24): `--bridge=none --iptables=false
//! --ip-masq=false --ip-forward=false` leave the host's network as it was (no docker0, no
//! rules, no sysctl), so every container runs with `--network none` or joins another's; the vfs
//! storage driver needs nothing from the kernel; without `deprecated-key-path` in its config
//! dockerd 20.10 writes its libtrust key to /etc/docker/key.json.

use super::exec::{self, command, spawn_daemon, wait_ready};
use super::images::Images;
use super::plan::DockerContainerPlan;
use super::truth::{self, ApiContainer};
use super::RealNodeError;
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

pub const LABEL: &str = "dockerd";
pub const CONTAINERD_LABEL: &str = "docker-containerd";

/// Debian's docker CLI, which matches dockerd's API (another docker may be first in PATH).
const DOCKER_CLI: &str = "/usr/bin/docker";

#[derive(Debug, Clone)]
pub struct Layout {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub data_root: PathBuf,
    pub exec_root: PathBuf,
    pub socket: PathBuf,
    pub pidfile: PathBuf,
    pub log: PathBuf,
}

impl Layout {
    pub fn new(node_dir: &Path) -> Layout {
        let dir = node_dir.join("docker");
        Layout {
            config: dir.join("daemon.json"),
            data_root: dir.join("data"),
            exec_root: dir.join("exec"),
            socket: dir.join("docker.sock"),
            pidfile: dir.join("dockerd.pid"),
            log: node_dir.join("logs/dockerd.log"),
            dir,
        }
    }

    /// The containerd that dockerd starts keeps its socket and pidfile here.
    pub fn containerd_socket(&self) -> PathBuf {
        self.exec_root.join("containerd/containerd.sock")
    }

    fn containerd_pidfile(&self) -> PathBuf {
        self.exec_root.join("containerd/containerd.pid")
    }
}

pub fn daemon_json(layout: &Layout) -> String {
    json!({ "deprecated-key-path": layout.dir.join("key.json") }).to_string()
}

pub struct Docker {
    pub layout: Layout,
    pub child: Child,
    pub version: String,
    pub containerd_pid: u32,
    home: PathBuf,
}

pub fn start(
    node_dir: &Path,
    home: &Path,
    timeout: Duration,
    cgroup_procs: &[fs::File],
    on_spawn: &mut dyn FnMut(u32) -> Result<(), RealNodeError>,
) -> Result<Docker, RealNodeError> {
    let layout = Layout::new(node_dir);
    fs::create_dir_all(&layout.dir).map_err(|e| RealNodeError::io(&layout.dir, e))?;
    fs::write(&layout.config, daemon_json(&layout))
        .map_err(|e| RealNodeError::io(&layout.config, e))?;
    let mut child = spawn_daemon(
        command("dockerd", home)
            .arg("--config-file")
            .arg(&layout.config)
            .arg("--data-root")
            .arg(&layout.data_root)
            .arg("--exec-root")
            .arg(&layout.exec_root)
            .arg("--pidfile")
            .arg(&layout.pidfile)
            .arg("-H")
            .arg(format!("unix://{}", layout.socket.display()))
            .args([
                "--bridge=none",
                "--iptables=false",
                "--ip-masq=false",
                "--ip-forward=false",
                "--userland-proxy=false",
                "--storage-driver=vfs",
                "--exec-opt",
                "native.cgroupdriver=cgroupfs",
            ]),
        &layout.log,
        cgroup_procs,
    )?;
    on_spawn(child.id())?;
    let docker = DockerCli {
        socket: layout.socket.clone(),
        home: home.to_path_buf(),
    };
    let version = wait_ready("dockerd", &mut child, &layout.log, timeout, || {
        if !layout.socket.exists() {
            return Err(format!("no socket {} yet", layout.socket.display()));
        }
        docker
            .run(&["version", "--format", "{{.Server.Version}}"], timeout)
            .map(|v| v.trim().to_string())
            .map_err(|e| e.to_string())
    })?;
    let pidfile = layout.containerd_pidfile();
    let dockerd_pid = child.id();
    let containerd_pid = wait_ready(
        "dockerd's containerd",
        &mut child,
        &layout.log,
        timeout,
        || {
            let text =
                fs::read_to_string(&pidfile).map_err(|e| format!("{}: {e}", pidfile.display()))?;
            let pid: u32 = text
                .trim()
                .parse()
                .map_err(|_| format!("{}: not a pid", pidfile.display()))?;
            let stat = fs::read_to_string(format!("/proc/{pid}/stat"))
                .map_err(|e| format!("/proc/{pid}/stat: {e}"))?;
            let parsed = crate::scene::procfs::parse_stat(&stat)
                .ok_or_else(|| format!("/proc/{pid}/stat: unreadable"))?;
            if parsed.ppid != dockerd_pid || parsed.comm != "containerd" {
                return Err(format!(
                    "pid {pid} is `{}` under {}, not dockerd's containerd",
                    parsed.comm, parsed.ppid
                ));
            }
            Ok(pid)
        },
    )?;
    on_spawn(containerd_pid)?;
    Ok(Docker {
        layout,
        child,
        version,
        containerd_pid,
        home: home.to_path_buf(),
    })
}

struct DockerCli {
    socket: PathBuf,
    home: PathBuf,
}

impl DockerCli {
    fn command(&self) -> Command {
        let mut cmd = command(DOCKER_CLI, &self.home);
        cmd.arg("-H")
            .arg(format!("unix://{}", self.socket.display()));
        cmd
    }

    fn run(&self, args: &[&str], timeout: Duration) -> Result<String, RealNodeError> {
        exec::run(self.command().args(args), timeout)
    }
}

impl Docker {
    fn cli(&self) -> DockerCli {
        DockerCli {
            socket: self.layout.socket.clone(),
            home: self.home.clone(),
        }
    }

    pub fn import(&self, images: &Images, timeout: Duration) -> Result<(), RealNodeError> {
        let rootfs = images.busybox.rootfs_tar.display().to_string();
        self.cli()
            .run(&["import", &rootfs, images.busybox.name], timeout)
            .map(drop)
    }

    /// `docker run -d`: returns the container's id.
    pub fn run(
        &self,
        plan: &DockerContainerPlan,
        image: &str,
        timeout: Duration,
    ) -> Result<String, RealNodeError> {
        let mut args: Vec<&str> = vec!["run", "-d", "--name", plan.name];
        args.extend(plan.options.iter().map(String::as_str));
        args.push(image);
        args.extend(plan.command.iter().map(String::as_str));
        Ok(self.cli().run(&args, timeout)?.trim().to_string())
    }

    /// `docker inspect` of the given containers.
    pub fn truth(
        &self,
        ids: &[String],
        timeout: Duration,
    ) -> Result<Vec<ApiContainer>, RealNodeError> {
        let mut args = vec!["inspect"];
        args.extend(ids.iter().map(String::as_str));
        let text = self.cli().run(&args, timeout)?;
        let inspected: Vec<Value> = serde_json::from_str(&text)
            .map_err(|e| RealNodeError::Parse(format!("docker inspect: {e}")))?;
        inspected.iter().map(api_container).collect()
    }

    pub fn remove_all(&self, timeout: Duration) -> Vec<String> {
        let cli = self.cli();
        let ids = match cli.run(&["ps", "-aq", "--no-trunc"], timeout) {
            Ok(ids) => ids,
            Err(e) => return vec![e.to_string()],
        };
        let ids: Vec<&str> = ids.split_whitespace().collect();
        if ids.is_empty() {
            return Vec::new();
        }
        let mut args = vec!["rm", "-f"];
        args.extend(ids);
        match cli.run(&args, timeout) {
            Ok(_) => Vec::new(),
            Err(e) => vec![e.to_string()],
        }
    }
}

fn api_container(value: &Value) -> Result<ApiContainer, RealNodeError> {
    let field = |path: &[&str]| {
        path.iter()
            .fold(value, |v, key| &v[*key])
            .as_str()
            .map(str::to_string)
    };
    let id = field(&["Id"]).ok_or_else(|| RealNodeError::Parse("docker inspect: no Id".into()))?;
    if value["State"]["Running"] != Value::Bool(true) {
        return Err(RealNodeError::Harness(format!(
            "docker container {id} is not running: {}",
            value["State"]
        )));
    }
    let pid = value["State"]["Pid"]
        .as_u64()
        .filter(|p| *p > 0)
        .ok_or_else(|| RealNodeError::Parse(format!("docker inspect {id}: no State.Pid")))?;
    Ok(ApiContainer {
        name: field(&["Name"])
            .map(|n| n.trim_start_matches('/').to_string())
            .unwrap_or_default(),
        image: field(&["Config", "Image"]),
        runtime: LABEL.to_string(),
        pod_uid: None,
        sandbox: false,
        init_pid: pid as u32,
        expected_shim: truth::RUNC_SHIM_COMM,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_inspect_gives_the_name_without_its_slash_and_the_configured_image() {
        let value = json!({
            "Id": "abc", "Name": "/proxy",
            "Config": {"Image": "localhost/nodesnap/busybox:1"},
            "State": {"Running": true, "Pid": 42},
        });
        let c = api_container(&value).unwrap();
        assert_eq!(
            (c.id.as_str(), c.name.as_str(), c.init_pid),
            ("abc", "proxy", 42)
        );
        assert_eq!(c.image.as_deref(), Some("localhost/nodesnap/busybox:1"));
        let stopped = json!({"Id": "abc", "State": {"Running": false, "Pid": 0}});
        assert!(api_container(&stopped).is_err());
    }
}
