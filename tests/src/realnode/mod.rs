//! A real node on the live kernel: the container runtimes that Debian ships, started by the
//! tests with everything they keep under one temporary directory, and torn down completely.
//!
//! - containerd 1.6 with its CRI plugin, and three Kubernetes pods made through the CRI as
//!   kubelet makes them (guaranteed, burstable on the host's network and pid namespace, best
//!   effort with a shared pid namespace), one to three containers each;
//! - dockerd with the containerd it starts itself (the node's second containerd), and three
//!   standalone containers: a plain one, one in the host's pid namespace, one in another's
//!   network namespace;
//! - podman with conmon and runc: a standalone container and a pod with an infra container.
//!
//! [`RealNode::up`] returns once everything runs, with the [`truth::Truth`] gathered from the
//! runtimes' APIs and /proc; [`compare::compare`] checks the analyzer's model against it.
//! Dropping the [`RealNode`] tears it down (also on panic): the runtimes remove their pods and
//! containers, the daemons stop, then whatever is left (processes in the node's cgroups or
//! with its directory in their argv, mounts below the directory, cgroups, host paths the
//! runtimes made outside it) is removed from the state file written before anything started.
//! A node whose owner was killed is cleaned by the next `up` or by `realnode down`.
//!
//! While it is up the node holds the live scene's lock too: both put pods under `/kubepods`,
//! and a test that collects `/` must see one of them only.

pub mod churn;
pub mod compare;
pub mod containerd;
pub mod cri;
pub mod docker;
pub mod exec;
pub mod host;
pub mod images;
pub mod plan;
pub mod podman;
pub mod truth;

use crate::scene::cgroups::{match_hierarchies, CreatedDirs, Hierarchy};
use crate::scene::procfs::ProcReader;
use crate::scene::state::{ProcRef, SceneLock};
use crate::scene::SceneError;
use host::RealNodeState;
use plan::NodePlan;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::thread;
use std::time::{Duration, Instant};
use truth::{ContainerTruth, HolderTruth, PodTruth, RuntimeTruth, Truth};

#[derive(Debug, thiserror::Error)]
pub enum RealNodeError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Parse(String),
    /// A program or package the node needs is not installed.
    #[error("missing: {0}")]
    Missing(String),
    /// The machine cannot hold a real node (not root, a foreign runtime in the way).
    #[error("cannot run a real node here: {0}")]
    Unsupported(String),
    /// Another real node or live scene holds the machine.
    #[error("busy: {0}")]
    Busy(String),
    #[error("`{command}` failed: {detail}")]
    Command { command: String, detail: String },
    #[error("{name}: {what}\n--- last lines of its log ---\n{log}")]
    Daemon {
        name: String,
        what: String,
        log: String,
    },
    #[error("CRI: {0}")]
    Cri(#[from] cri::CriError),
    #[error("pod {pod}: {source}")]
    Pod { pod: String, source: cri::CriError },
    /// The runtimes did not make what the harness asked for.
    #[error("the node is not as planned: {0}")]
    Harness(String),
    #[error("building the images: {0}")]
    Build(String),
    #[error("timed out after {secs}s: {what}")]
    Timeout { what: String, secs: u64 },
    #[error("teardown left things behind: {}", .0.join("; "))]
    Teardown(Vec<String>),
    #[error(transparent)]
    Scene(#[from] SceneError),
}

impl RealNodeError {
    pub fn io(path: &Path, source: std::io::Error) -> RealNodeError {
        RealNodeError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn pod(pod: &str, source: cri::CriError) -> RealNodeError {
        RealNodeError::Pod {
            pod: pod.to_string(),
            source,
        }
    }

    /// Whether the machine lacks what the node needs (a test then cannot run), as opposed to
    /// a runtime that failed (a test then fails).
    pub fn is_environmental(&self) -> bool {
        matches!(
            self,
            RealNodeError::Missing(_) | RealNodeError::Unsupported(_) | RealNodeError::Busy(_)
        ) || matches!(self, RealNodeError::Scene(SceneError::Busy { .. }))
    }
}

/// How a node is brought up (what runs on it is the [`NodePlan`]).
#[derive(Debug, Clone)]
pub struct RealNodeConfig {
    /// Everything of the node's runtimes lives here; it must not exist yet.
    pub dir: PathBuf,
    /// How long to wait for another real node or live scene to finish.
    pub lock_wait: Duration,
    /// How long a daemon may take to answer.
    pub start_timeout: Duration,
    /// How long one CRI call or runtime command may take.
    pub call_timeout: Duration,
}

impl RealNodeConfig {
    pub fn new() -> RealNodeConfig {
        RealNodeConfig::in_dir(
            std::env::temp_dir().join(format!("nodesnap-realnode-{}", std::process::id())),
        )
    }

    pub fn in_dir(dir: PathBuf) -> RealNodeConfig {
        RealNodeConfig {
            dir,
            lock_wait: Duration::from_secs(300),
            start_timeout: Duration::from_secs(60),
            call_timeout: Duration::from_secs(60),
        }
    }
}

impl Default for RealNodeConfig {
    fn default() -> Self {
        RealNodeConfig::new()
    }
}

/// The daemons' cgroups, named as systemd names their units' (dockerd and the containerd it
/// starts share docker.service, as on a systemd host).
pub const CONTAINERD_SERVICE: &str = "/system.slice/containerd.service";
pub const DOCKER_SERVICE: &str = "/system.slice/docker.service";

/// The programs the node runs, with the Debian package that brings each.
const TOOLS: [(&str, &str); 11] = [
    ("containerd", "containerd"),
    ("ctr", "containerd"),
    ("containerd-shim-runc-v2", "containerd"),
    ("runc", "runc"),
    ("dockerd", "docker.io"),
    ("docker", "docker.io"),
    ("podman", "podman"),
    ("conmon", "conmon"),
    ("gcc", "gcc"),
    ("ip", "iproute2"),
    ("nsenter", "util-linux"),
];

fn check_tools() -> Result<(), RealNodeError> {
    let missing: Vec<String> = TOOLS
        .iter()
        .filter(|(tool, _)| exec::which(tool).is_none())
        .map(|(tool, package)| format!("{tool} ({package})"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(RealNodeError::Missing(missing.join(", ")))
    }
}

/// A running real node; dropping it tears it down.
pub struct RealNode {
    truth: Truth,
    dir: PathBuf,
    /// How long each phase of the bring-up took, in seconds.
    pub timings: Vec<(String, f64)>,
    teardown: Option<Teardown>,
}

impl std::fmt::Debug for RealNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RealNode").field("dir", &self.dir).finish()
    }
}

impl RealNode {
    /// Brings the node up. Anything made before an error is removed before it returns.
    pub fn up(plan: &NodePlan, config: &RealNodeConfig) -> Result<RealNode, RealNodeError> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Err(RealNodeError::Unsupported(
                "not running as root".to_string(),
            ));
        }
        check_tools()?;
        let proc = ProcReader::live();
        let mut lock = host::acquire_lock(config.lock_wait).map_err(|e| match e {
            RealNodeError::Scene(SceneError::Busy { lock }) => RealNodeError::Busy(format!(
                "another real node held {} for {}s",
                lock.display(),
                config.lock_wait.as_secs()
            )),
            other => other,
        })?;
        host::clean_stale(&proc, &mut lock)?;
        let scene_lock =
            SceneLock::acquire(Path::new(crate::scene::state::LOCK_FILE), config.lock_wait)
                .map_err(|e| match e {
                    SceneError::Busy { lock } => RealNodeError::Busy(format!(
                        "a live scene held {} for {}s",
                        lock.display(),
                        config.lock_wait.as_secs()
                    )),
                    other => RealNodeError::Scene(other),
                })?;
        prepare_dir(&proc, &config.dir)?;

        let mounts = host::cgroup_mounts(&proc)?;
        let mut owned_cgroups = Vec::new();
        for (root, runtime) in [
            ("/docker", "docker"),
            ("/libpod_parent", "podman"),
            (CONTAINERD_SERVICE, "containerd"),
            (DOCKER_SERVICE, "docker"),
        ] {
            if host::cgroup_has_processes(&mounts, root) {
                return Err(RealNodeError::Unsupported(format!(
                    "another {runtime} runs here (cgroup {root} has processes)"
                )));
            }
            owned_cgroups.push(root.to_string());
        }
        let uids: Vec<String> = plan
            .cri_pods
            .iter()
            .map(|_| new_uid())
            .collect::<Result<_, _>>()?;
        for (pod, uid) in plan.cri_pods.iter().zip(&uids) {
            owned_cgroups.push(pod.qos().pod_cgroup(uid));
        }
        let mut host_paths = host::absent_host_paths();
        for root in [host::POD_LOG_ROOT, host::CONTAINER_LOG_ROOT] {
            if !Path::new(root).exists() {
                host_paths.push(PathBuf::from(root));
            }
        }
        let own = std::process::id();
        let state = RealNodeState {
            owner: Some(ProcRef {
                pid: own,
                start_ticks: proc.stat(own)?.start_ticks,
            }),
            dir: config.dir.clone(),
            owned_cgroups,
            host_paths,
            net_devices: host::net_devices(),
            ..RealNodeState::default()
        };
        state.write()?;
        host::record(&mut lock, Some(&RealNodeState::path(&config.dir)))?;
        let mut teardown = Teardown {
            lock,
            _scene_lock: scene_lock,
            state,
            containerd: None,
            docker: None,
            podman: None,
            daemons: Vec::new(),
            call_timeout: config.call_timeout,
            done: false,
        };
        // From here on an error drops `teardown`, which removes whatever was made.
        let mut timings = Vec::new();
        let truth = Builder {
            proc: &proc,
            plan,
            config,
            uids: &uids,
            teardown: &mut teardown,
            timings: &mut timings,
            phase_start: Instant::now(),
        }
        .build()?;
        teardown.state.truth = Some(truth.clone());
        teardown.state.write()?;
        Ok(RealNode {
            truth,
            dir: config.dir.clone(),
            timings,
            teardown: Some(teardown),
        })
    }

    pub fn truth(&self) -> &Truth {
        &self.truth
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Removes the node, saying what it could not remove.
    pub fn teardown(mut self) -> Result<(), RealNodeError> {
        let problems = self
            .teardown
            .take()
            .map(|mut t| t.run())
            .unwrap_or_default();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(RealNodeError::Teardown(problems))
        }
    }
}

impl Drop for RealNode {
    fn drop(&mut self) {
        if let Some(mut teardown) = self.teardown.take() {
            for problem in teardown.run() {
                eprintln!("real node teardown: {problem}");
            }
        }
    }
}

/// The node's directory must be new; one left by a killed node (its state file names it) is
/// cleaned first.
fn prepare_dir(proc: &ProcReader, dir: &Path) -> Result<(), RealNodeError> {
    let state_file = RealNodeState::path(dir);
    if state_file.exists() {
        let state = RealNodeState::read(&state_file)?;
        let problems = host::clean(proc, &state, &BTreeSet::from([std::process::id()]));
        if !problems.is_empty() {
            return Err(RealNodeError::Teardown(problems));
        }
    }
    if dir.exists() {
        return Err(RealNodeError::Unsupported(format!(
            "{} exists and is no real node's directory",
            dir.display()
        )));
    }
    for sub in ["logs", "home/tmp"] {
        let path = dir.join(sub);
        fs::create_dir_all(&path).map_err(|e| RealNodeError::io(&path, e))?;
    }
    Ok(())
}

/// The `cgroup.procs` of `cgroup` in every hierarchy, open for a daemon to enter.
fn open_procs_files(
    hierarchies: &[Hierarchy],
    cgroup: &str,
) -> Result<Vec<fs::File>, RealNodeError> {
    hierarchies
        .iter()
        .map(|h| {
            let path = h.procs_file(cgroup);
            fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| RealNodeError::io(&path, e))
        })
        .collect()
}

/// A pod uid as the API server makes them (a random UUID).
fn new_uid() -> Result<String, RealNodeError> {
    let path = Path::new("/proc/sys/kernel/random/uuid");
    fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|e| RealNodeError::io(path, e))
}

fn memory_total_bytes() -> Result<i64, RealNodeError> {
    let path = Path::new("/proc/meminfo");
    let text = fs::read_to_string(path).map_err(|e| RealNodeError::io(path, e))?;
    crate::scene::procfs::parse_mem_available(&text.replace("MemTotal:", "MemAvailable:"))
        .map(|b| b as i64)
        .ok_or_else(|| RealNodeError::Parse("/proc/meminfo: no MemTotal".to_string()))
}

struct Teardown {
    lock: SceneLock,
    _scene_lock: SceneLock,
    state: RealNodeState,
    containerd: Option<containerd::Containerd>,
    docker: Option<docker::Docker>,
    podman: Option<podman::Podman>,
    /// Daemons started before their handle reached the fields above.
    daemons: Vec<Child>,
    call_timeout: Duration,
    done: bool,
}

impl Teardown {
    fn record_daemon(&mut self, pid: u32) -> Result<(), RealNodeError> {
        let start_ticks = ProcReader::live().stat(pid)?.start_ticks;
        self.state.daemons.push(ProcRef { pid, start_ticks });
        self.state.write()
    }

    fn record_host_path(&mut self, path: PathBuf) -> Result<(), RealNodeError> {
        let covered = self.state.host_paths.iter().any(|p| path.starts_with(p));
        if !covered {
            self.state.host_paths.push(path);
            self.state.write()?;
        }
        Ok(())
    }

    fn run(&mut self) -> Vec<String> {
        if self.done {
            return Vec::new();
        }
        self.done = true;
        let mut problems = Vec::new();
        // As the runtimes' users would: remove what runs, then stop the daemons.
        let timeout = self.call_timeout;
        if let Some(podman) = &self.podman {
            problems.extend(podman.remove_all(timeout));
        }
        if let Some(docker) = &self.docker {
            problems.extend(docker.remove_all(timeout));
        }
        if let Some(containerd) = &self.containerd {
            problems.extend(containerd.remove_all());
        }
        let mut children: Vec<Child> = Vec::new();
        if let Some(docker) = self.docker.take() {
            children.push(docker.child);
        }
        if let Some(containerd) = self.containerd.take() {
            children.push(containerd.child);
        }
        children.append(&mut self.daemons);
        for child in &mut children {
            stop_daemon(child, Duration::from_secs(15));
        }
        let proc = ProcReader::live();
        problems.extend(host::clean(
            &proc,
            &self.state,
            &BTreeSet::from([std::process::id()]),
        ));
        if problems.is_empty() {
            if let Err(e) = host::record(&mut self.lock, None) {
                problems.push(e.to_string());
            }
        } else if self.state.dir.exists() {
            // The state stays for `realnode down` or the next run.
            if let Err(e) = self.state.write() {
                problems.push(e.to_string());
            }
        }
        problems
    }
}

impl Drop for Teardown {
    fn drop(&mut self) {
        for problem in self.run() {
            eprintln!("real node teardown: {problem}");
        }
    }
}

/// SIGTERM, then SIGKILL after `patience`; always reaped.
fn stop_daemon(child: &mut Child, patience: Duration) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    // SAFETY: kill(2) on our own unreaped child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + patience;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

struct Builder<'a> {
    proc: &'a ProcReader,
    plan: &'a NodePlan,
    config: &'a RealNodeConfig,
    uids: &'a [String],
    teardown: &'a mut Teardown,
    timings: &'a mut Vec<(String, f64)>,
    phase_start: Instant,
}

/// A CRI pod as made: its plan's index, uid, sandbox id, and (name, id) of each container.
struct MadePod {
    index: usize,
    uid: String,
    sandbox_id: String,
}

impl Builder<'_> {
    fn phase(&mut self, name: &str) {
        let now = Instant::now();
        self.timings.push((
            name.to_string(),
            now.duration_since(self.phase_start).as_secs_f64(),
        ));
        self.phase_start = now;
    }

    fn build(mut self) -> Result<Truth, RealNodeError> {
        let dir = self.config.dir.clone();
        let home = dir.join("home");
        let timeout = self.config.call_timeout;
        let images = images::build(&dir.join("images"))?;
        self.phase("images");

        // Kubelet makes the QoS and pod cgroups before it asks for a sandbox; systemd makes
        // the services' before it starts them.
        let hierarchies = self.make_cgroups()?;
        let containerd_procs = open_procs_files(&hierarchies, CONTAINERD_SERVICE)?;
        let teardown = &mut *self.teardown;
        let containerd = containerd::start(
            &dir,
            &home,
            self.config.start_timeout,
            timeout,
            &containerd_procs,
            &mut |pid| teardown.record_daemon(pid),
        )?;
        self.teardown.containerd = Some(containerd);
        let containerd = self.teardown.containerd.as_ref().expect("just set");
        containerd.import(&images, &home, timeout)?;
        self.phase("containerd");
        let memory = memory_total_bytes()?;
        let mut made = Vec::new();
        for (index, pod) in self.plan.cri_pods.iter().enumerate() {
            let uid = self.uids[index].clone();
            let containerd = self.teardown.containerd.take().expect("started");
            let teardown = &mut *self.teardown;
            let result = containerd.run_pod(pod, &uid, memory, &mut |path| {
                teardown.record_host_path(path)
            });
            self.teardown.containerd = Some(containerd);
            let (sandbox_id, _) = result?;
            made.push(MadePod {
                index,
                uid,
                sandbox_id,
            });
        }
        self.phase("cri pods");

        let docker_procs = open_procs_files(&hierarchies, DOCKER_SERVICE)?;
        let teardown = &mut *self.teardown;
        let docker = docker::start(
            &dir,
            &home,
            self.config.start_timeout,
            &docker_procs,
            &mut |pid| teardown.record_daemon(pid),
        )?;
        self.teardown.docker = Some(docker);
        let docker = self.teardown.docker.as_ref().expect("just set");
        docker.import(&images, timeout)?;
        let mut docker_ids = Vec::new();
        for container in &self.plan.docker {
            docker_ids.push(docker.run(container, images.busybox.name, timeout)?);
        }
        self.phase("docker");

        let podman = podman::prepare(&dir, &home, timeout)?;
        podman.import(&images, timeout)?;
        self.teardown.podman = Some(podman);
        let podman = self.teardown.podman.as_ref().expect("just set");
        let (_, podman_pod, _) = podman.populate(&self.plan.podman, timeout)?;
        self.phase("podman");

        let truth = self.gather(&made, &docker_ids, &podman_pod)?;
        self.phase("truth");
        Ok(truth)
    }

    /// The pods' cgroups and the daemons' services, in every hierarchy.
    fn make_cgroups(&mut self) -> Result<Vec<Hierarchy>, RealNodeError> {
        let (hierarchies, _) =
            match_hierarchies(&self.proc.self_cgroups()?, &self.proc.mountinfo()?);
        let mut paths: Vec<String> = self
            .plan
            .cri_pods
            .iter()
            .zip(self.uids)
            .map(|(pod, uid)| pod.qos().pod_cgroup(uid))
            .collect();
        paths.extend([CONTAINERD_SERVICE.to_string(), DOCKER_SERVICE.to_string()]);
        let mut created = CreatedDirs::default();
        let mut result = Ok(());
        'paths: for path in &paths {
            for hierarchy in &hierarchies {
                if let Err(e) = created.ensure(hierarchy, path) {
                    result = Err(RealNodeError::from(e));
                    break 'paths;
                }
            }
        }
        self.teardown.state.created_dirs = created.dirs;
        self.teardown.state.write()?;
        result.map(|()| hierarchies)
    }

    fn gather(
        &self,
        made: &[MadePod],
        docker_ids: &[String],
        podman_pod: &str,
    ) -> Result<Truth, RealNodeError> {
        let proc = self.proc;
        let timeout = self.config.call_timeout;
        let t = &*self.teardown;
        let containerd = t.containerd.as_ref().expect("started");
        let docker = t.docker.as_ref().expect("started");
        let podman = t.podman.as_ref().expect("started");
        let mut truth = Truth {
            host_namespaces: truth::host_namespaces(proc)?,
            cgroup_roots: t.state.owned_cgroups.clone(),
            ..Truth::default()
        };
        truth.runtimes = vec![
            RuntimeTruth {
                label: containerd::LABEL.to_string(),
                kind: "containerd".to_string(),
                pid: Some(containerd.child.id()),
                comm: Some("containerd".to_string()),
                address: containerd.layout.socket.display().to_string(),
                version: Some(containerd.version.clone()),
            },
            RuntimeTruth {
                label: docker::CONTAINERD_LABEL.to_string(),
                kind: "containerd".to_string(),
                pid: Some(docker.containerd_pid),
                comm: Some("containerd".to_string()),
                address: docker.layout.containerd_socket().display().to_string(),
                version: Some(containerd.version.clone()),
            },
            RuntimeTruth {
                label: docker::LABEL.to_string(),
                kind: "docker".to_string(),
                pid: Some(docker.child.id()),
                comm: Some("dockerd".to_string()),
                address: docker.layout.socket.display().to_string(),
                version: Some(docker.version.clone()),
            },
            RuntimeTruth {
                label: podman::LABEL.to_string(),
                kind: "podman".to_string(),
                pid: None,
                comm: None,
                address: podman.layout.root.display().to_string(),
                version: Some(podman.version.clone()),
            },
        ];

        // CRI pods.
        let mut apps_by_sandbox: HashMap<String, Vec<truth::ApiContainer>> = HashMap::new();
        for (sandbox_id, api) in containerd.containers_truth()? {
            apps_by_sandbox.entry(sandbox_id).or_default().push(api);
        }
        for pod in made {
            let plan = &self.plan.cri_pods[pod.index];
            let sandbox = containerd.sandbox_truth(&pod.sandbox_id)?;
            if !sandbox.ready || sandbox.metadata.uid != pod.uid {
                return Err(RealNodeError::Harness(format!(
                    "sandbox {} of {}: ready {}, uid {:?}",
                    pod.sandbox_id, plan.name, sandbox.ready, sandbox.metadata.uid
                )));
            }
            let asked = containerd::namespace_options(plan);
            if sandbox.options != asked {
                return Err(RealNodeError::Harness(format!(
                    "sandbox of {}: namespace options {:?}, asked for {:?}",
                    plan.name, sandbox.options, asked
                )));
            }
            let sandbox = truth::complete(proc, sandbox.container, 1)?;
            let apps: Vec<ContainerTruth> = apps_by_sandbox
                .remove(&pod.sandbox_id)
                .unwrap_or_default()
                .into_iter()
                .map(|api| {
                    let planned = plan
                        .containers
                        .iter()
                        .find(|c| c.name == api.name)
                        .ok_or_else(|| {
                            RealNodeError::Harness(format!(
                                "pod {} runs a container {} it never asked for",
                                plan.name, api.name
                            ))
                        })?;
                    truth::complete(proc, api, plan::processes_of(&planned.command))
                })
                .collect::<Result<_, _>>()?;
            if apps.len() != plan.containers.len() {
                return Err(RealNodeError::Harness(format!(
                    "pod {} has {} containers, {} were started",
                    plan.name,
                    apps.len(),
                    plan.containers.len()
                )));
            }
            let qos = plan.qos();
            truth.pods.push(pod_truth(
                &truth.host_namespaces,
                PodTruth {
                    uid: pod.uid.clone(),
                    name: plan.name.to_string(),
                    namespace: Some(plan.namespace.to_string()),
                    qos: Some(qos.as_str().to_string()),
                    sandbox_id: sandbox.id.clone(),
                    sandbox_pid: sandbox.init_pid,
                    cgroup: Some(qos.pod_cgroup(&pod.uid)),
                    container_ids: apps.iter().map(|c| c.id.clone()).collect(),
                    runtime: containerd::LABEL.to_string(),
                    sharing: BTreeMap::new(),
                },
                &sandbox,
                &apps,
            ));
            check_planned_sharing(plan, truth.pods.last().expect("just pushed"))?;
            truth.containers.push(sandbox);
            truth.containers.extend(apps);
        }
        if let Some((sandbox, _)) = apps_by_sandbox.into_iter().next() {
            return Err(RealNodeError::Harness(format!(
                "containerd runs containers of an unknown sandbox {sandbox}"
            )));
        }

        // Docker.
        for api in docker.truth(docker_ids, timeout)? {
            let planned = self
                .plan
                .docker
                .iter()
                .find(|c| c.name == api.name)
                .map(|c| plan::processes_of(&c.command))
                .unwrap_or(1);
            truth.containers.push(truth::complete(proc, api, planned)?);
        }

        // Podman.
        let api = podman.truth(podman_pod, timeout)?;
        let mut infra = None;
        let mut pod_apps = Vec::new();
        let podman_plan = &self.plan.podman;
        for container in api.containers {
            let planned = if container.name == podman_plan.standalone_name {
                plan::processes_of(&podman_plan.standalone_command)
            } else if container.name == podman_plan.pod_app_name {
                plan::processes_of(&podman_plan.pod_app_command)
            } else {
                1
            };
            let completed = truth::complete(proc, container, planned)?;
            if completed.pod_uid.as_deref() == Some(api.pod_id.as_str()) {
                if completed.sandbox {
                    infra = Some(completed);
                } else {
                    pod_apps.push(completed);
                }
            } else {
                truth.containers.push(completed);
            }
        }
        let infra = infra.ok_or_else(|| {
            RealNodeError::Harness(format!(
                "podman pod {} has no infra container",
                api.pod_name
            ))
        })?;
        if infra.id != api.infra_id {
            return Err(RealNodeError::Harness(format!(
                "podman pod {}: infra {} is not the pod's InfraContainerID {}",
                api.pod_name, infra.id, api.infra_id
            )));
        }
        let pod_cgroup = api.cgroup_path.clone();
        let infra_parent = infra.cgroup.rsplit_once('/').map(|(parent, _)| parent);
        if pod_cgroup.as_deref() != infra_parent {
            return Err(RealNodeError::Harness(format!(
                "podman pod {}: CgroupPath {:?}, but its infra container is in {}",
                api.pod_name, pod_cgroup, infra.cgroup
            )));
        }
        truth.pods.push(pod_truth(
            &truth.host_namespaces,
            PodTruth {
                uid: api.pod_id.clone(),
                name: api.pod_name.clone(),
                namespace: None,
                qos: None,
                sandbox_id: infra.id.clone(),
                sandbox_pid: infra.init_pid,
                cgroup: pod_cgroup,
                container_ids: pod_apps.iter().map(|c| c.id.clone()).collect(),
                runtime: podman::LABEL.to_string(),
                sharing: BTreeMap::new(),
            },
            &infra,
            &pod_apps,
        ));
        truth.containers.push(infra);
        truth.containers.extend(pod_apps);

        truth.holders = holders(&truth);
        truth.shims = truth
            .containers
            .iter()
            .map(|c| (c.shim_pid, c.shim_comm.clone()))
            .collect();
        Ok(truth)
    }
}

fn pod_truth(
    host: &BTreeMap<String, u64>,
    mut pod: PodTruth,
    sandbox: &ContainerTruth,
    apps: &[ContainerTruth],
) -> PodTruth {
    let app_namespaces: Vec<&BTreeMap<String, u64>> = apps.iter().map(|a| &a.namespaces).collect();
    pod.sharing = truth::sharing(host, &sandbox.namespaces, &app_namespaces);
    pod
}

/// The runtimes did what the pod spec asked: a harness check, not a model one.
fn check_planned_sharing(plan: &plan::CriPodPlan, pod: &PodTruth) -> Result<(), RealNodeError> {
    let expect = |kind: &str, verdict: &str| -> Result<(), RealNodeError> {
        match pod.sharing.get(kind) {
            Some(v) if v == verdict => Ok(()),
            other => Err(RealNodeError::Harness(format!(
                "pod {}: {kind} namespace is {other:?}, the pod spec asks for {verdict}",
                plan.name
            ))),
        }
    };
    expect("net", if plan.host_network { "host" } else { "pod" })?;
    expect("ipc", "pod")?;
    let pid = if plan.host_pid {
        "host"
    } else if plan.share_pid {
        "pod"
    } else {
        "private"
    };
    expect("pid", pid)
}

/// Who holds the namespaces worth naming: each pod's network, IPC and UTS (unless the host's),
/// docker's network joined by another container, and the host's pid namespace that a
/// `--pid=host` container lives in.
fn holders(truth: &Truth) -> Vec<HolderTruth> {
    let mut out = Vec::new();
    for pod in &truth.pods {
        let Some(sandbox) = truth.container(&pod.sandbox_id) else {
            continue;
        };
        for kind in ["net", "ipc", "uts"] {
            let Some(&inode) = sandbox.namespaces.get(kind) else {
                continue;
            };
            if truth.host_namespaces.get(kind) == Some(&inode) {
                continue;
            }
            out.push(HolderTruth {
                ns_type: kind.to_string(),
                inode,
                kind: "pod".to_string(),
                id: Some(pod.uid.clone()),
                because: format!("the {kind} namespace of pod {}", pod.name),
            });
        }
    }
    let standalone: Vec<&ContainerTruth> = truth
        .containers
        .iter()
        .filter(|c| c.pod_uid.is_none())
        .collect();
    for container in &standalone {
        for (kind, &inode) in &container.namespaces {
            if !matches!(kind.as_str(), "net" | "pid" | "mnt") {
                continue;
            }
            let holder = if truth.host_namespaces.get(kind) == Some(&inode) {
                if kind == "net" {
                    continue;
                }
                HolderTruth {
                    ns_type: kind.clone(),
                    inode,
                    kind: "host".to_string(),
                    id: None,
                    because: format!("{} runs in the host's {kind} namespace", container.name),
                }
            } else {
                // The container that started first made it (a joiner comes later).
                let owner = standalone
                    .iter()
                    .filter(|c| c.namespaces.get(kind) == Some(&inode))
                    .min_by_key(|c| c.init_pid)
                    .expect("the container itself");
                let sharers: Vec<&str> = standalone
                    .iter()
                    .filter(|c| c.namespaces.get(kind) == Some(&inode))
                    .map(|c| c.name.as_str())
                    .collect();
                if owner.id != container.id {
                    continue;
                }
                HolderTruth {
                    ns_type: kind.clone(),
                    inode,
                    kind: "container".to_string(),
                    id: Some(owner.id.clone()),
                    because: format!("the {kind} namespace of {}", sharers.join(" and ")),
                }
            };
            if !out
                .iter()
                .any(|h: &HolderTruth| h.ns_type == holder.ns_type && h.inode == holder.inode)
            {
                out.push(holder);
            }
        }
    }
    out
}

/// `realnode down`: asks a live owner to tear its node down, or cleans after a dead one.
pub fn down(dir: &Path, patience: Duration) -> Result<Vec<String>, RealNodeError> {
    let proc = ProcReader::live();
    let state_file = RealNodeState::path(dir);
    if !state_file.exists() {
        return Ok(Vec::new());
    }
    let state = RealNodeState::read(&state_file)?;
    if let Some(owner) = state
        .owner
        .filter(|o| o.pid != std::process::id() && proc.is_alive(o.pid, o.start_ticks))
    {
        // SAFETY: kill(2) on the owner, verified by its start time.
        unsafe { libc::kill(owner.pid as i32, libc::SIGTERM) };
        let deadline = Instant::now() + patience;
        while proc.is_alive(owner.pid, owner.start_ticks) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(50));
        }
        if !state_file.exists() {
            return Ok(Vec::new());
        }
    }
    let mut lock = host::acquire_lock(Duration::from_secs(30))?;
    if !state_file.exists() {
        return Ok(Vec::new());
    }
    let state = RealNodeState::read(&state_file)?;
    let problems = host::clean(&proc, &state, &BTreeSet::from([std::process::id()]));
    if problems.is_empty() && lock.recorded_state().as_deref() == Some(state_file.as_path()) {
        host::record(&mut lock, None)?;
    }
    Ok(problems)
}
