//! A small Kubernetes-like node built on the live kernel: containerd, one shim per pod, pause
//! processes in new namespaces, app processes sharing the pause's network, IPC and UTS
//! namespaces, all in real cgroups under `/kubepods`, and torn down completely afterwards.
//!
//! [`Scene::build`] returns the facts the tests compare the collector's and analyzer's view
//! against; dropping the [`Scene`] kills every process and removes every cgroup it created,
//! also when a test panics. A scene whose owner crashed is cleaned from its state file by the
//! next build or by `scene down`.

pub mod cgroups;
pub mod facts;
pub mod plan;
pub mod procfs;
pub mod runner;
pub mod spec;
pub mod state;

use cgroups::{match_hierarchies, write_file, CreatedDirs, Hierarchy, SkippedHierarchy};
use facts::{ContainerFacts, Limits, PodFacts, ProcessFacts, SceneFacts, StrayFacts};
use plan::{ChildPlan, ProcPlan, ShimPlan, ShimReport, PLAN_ENV, READY_ENV, READY_FD};
use procfs::ProcReader;
use spec::{PodSpec, SceneSpec};
use state::{ProcRef, SceneLock, SceneState, LOCK_FILE};

use std::ffi::CString;
use std::fs;
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Debug, thiserror::Error)]
pub enum SceneError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {what}")]
    Parse { path: PathBuf, what: String },
    /// The machine cannot make namespaces or cgroups here (not root, refused): tests skip.
    #[error("cannot build a live scene here: {0}")]
    Unsupported(String),
    #[error("the machine cannot hold this scene: {0}")]
    Capacity(String),
    #[error("another scene holds {lock}")]
    Busy { lock: PathBuf },
    #[error("pod {pod}: {message}")]
    Pod { pod: String, message: String },
    #[error("timed out after {secs}s waiting for {what}")]
    Timeout { what: String, secs: u64 },
    #[error("teardown left things behind: {}", .0.join("; "))]
    Teardown(Vec<String>),
}

impl SceneError {
    pub fn io(path: &Path, source: std::io::Error) -> SceneError {
        SceneError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub fn parse(path: &Path, what: &str) -> SceneError {
        SceneError::Parse {
            path: path.to_path_buf(),
            what: what.to_string(),
        }
    }
}

/// Where containerd and the shims live, outside `/kubepods` as on a systemd node.
pub const RUNTIME_CGROUP: &str = "/system.slice/containerd.service";

/// The file names scene-proc is staged under; each becomes the comm of what it plays.
const STAGED_NAMES: [&str; 5] = ["containerd", "containerd-shim-runc-v2", "pause", "nginx", "redis-server"];

/// How a scene is built (what it contains is the [`SceneSpec`]).
#[derive(Debug, Clone)]
pub struct SceneConfig {
    /// The built `scene-proc` binary.
    pub proc_binary: PathBuf,
    /// Lists what the scene made, for `scene down` and for the next build after a crash.
    pub state_file: PathBuf,
    /// How long to wait for another scene to finish.
    pub lock_wait: Duration,
    /// How long every process of the scene may take to start.
    pub ready_timeout: Duration,
}

impl SceneConfig {
    pub fn new(proc_binary: impl Into<PathBuf>) -> SceneConfig {
        SceneConfig {
            proc_binary: proc_binary.into(),
            state_file: PathBuf::from(format!("/run/nodesnap-scene-{}.json", std::process::id())),
            lock_wait: Duration::from_secs(300),
            ready_timeout: Duration::from_secs(120),
        }
    }
}

/// A live scene; dropping it tears it down.
#[derive(Debug)]
pub struct Scene {
    facts: SceneFacts,
    teardown: Option<Teardown>,
}

impl Scene {
    /// Builds the scene on the live kernel. Fails with [`SceneError::Unsupported`] where the
    /// machine cannot make namespaces or cgroups; anything made before an error is removed.
    pub fn build(spec: &SceneSpec, config: &SceneConfig) -> Result<Scene, SceneError> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Err(SceneError::Unsupported("not running as root".to_string()));
        }
        let proc = ProcReader::live();
        check_capacity(&proc, spec)?;
        let mut lock = SceneLock::acquire(Path::new(LOCK_FILE), config.lock_wait)?;
        clean_stale_scene(&proc, &mut lock)?;
        lock.record_state(Some(&config.state_file))?;
        let work_dir = stage_binaries(&config.proc_binary)?;
        let owner = own_ref(&proc)?;
        let mut teardown = Teardown {
            lock,
            state_file: config.state_file.clone(),
            state: SceneState {
                owner: Some(owner),
                work_dir,
                ..SceneState::default()
            },
            children: Vec::new(),
            created: CreatedDirs::default(),
            done: false,
        };
        // From here on an error drops `teardown`, which removes whatever was made.
        let facts = Builder {
            proc,
            spec,
            config,
            teardown: &mut teardown,
        }
        .build()?;
        teardown.state.facts = Some(facts.clone());
        teardown.state.write(&teardown.state_file)?;
        Ok(Scene {
            facts,
            teardown: Some(teardown),
        })
    }

    pub fn facts(&self) -> &SceneFacts {
        &self.facts
    }

    /// Kills every process and removes every cgroup of the scene, saying what it could not.
    pub fn teardown(mut self) -> Result<(), SceneError> {
        let problems = self.teardown.take().map(|mut t| t.run()).unwrap_or_default();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(SceneError::Teardown(problems))
        }
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        if let Some(mut teardown) = self.teardown.take() {
            for problem in teardown.run() {
                eprintln!("scene teardown: {problem}");
            }
        }
    }
}

/// Everything needed to undo a scene, filled in as the scene is made.
#[derive(Debug)]
struct Teardown {
    lock: SceneLock,
    state_file: PathBuf,
    state: SceneState,
    /// containerd and the shims: our direct children, reaped here.
    children: Vec<Child>,
    created: CreatedDirs,
    done: bool,
}

impl Teardown {
    fn save(&mut self) -> Result<(), SceneError> {
        self.state.cgroup_dirs = self.created.dirs.clone();
        self.state.write(&self.state_file)
    }

    fn run(&mut self) -> Vec<String> {
        if self.done {
            return Vec::new();
        }
        self.done = true;
        let proc = ProcReader::live();
        let work_dir = self.state.work_dir.clone();
        let patience = Duration::from_secs(10) + Duration::from_millis(self.state.pod_processes.len() as u64);
        // Pod processes first, so their shims reap them; anything of ours the lists missed
        // (a build cut short) is found by its executable.
        let mut pod_processes = self.state.pod_processes.clone();
        let daemons: Vec<u32> = self.children.iter().map(Child::id).collect();
        let unlisted: Vec<ProcRef> = scan_processes(&proc, &work_dir)
            .into_iter()
            .filter(|r| !daemons.contains(&r.pid) && !pod_processes.contains(r))
            .collect();
        pod_processes.extend(unlisted);
        let mut problems = state::kill_and_wait(&proc, &pod_processes, &work_dir, patience);
        for child in &mut self.children {
            let _ = child.kill();
            if let Err(e) = child.wait() {
                problems.push(format!("reaping {}: {e}", child.id()));
            }
        }
        let leftovers = scan_processes(&proc, &work_dir);
        problems.extend(state::kill_and_wait(&proc, &leftovers, &work_dir, patience));
        problems.extend(self.created.remove_all(Duration::from_secs(5)));
        if let Err(e) = fs::remove_dir_all(&work_dir) {
            problems.push(format!("{}: {e}", work_dir.display()));
        }
        if let Err(e) = fs::remove_file(&self.state_file) {
            if e.kind() != std::io::ErrorKind::NotFound {
                problems.push(format!("{}: {e}", self.state_file.display()));
            }
        }
        if let Err(e) = self.lock.record_state(None) {
            problems.push(e.to_string());
        }
        problems
    }
}

impl Drop for Teardown {
    fn drop(&mut self) {
        for problem in self.run() {
            eprintln!("scene teardown: {problem}");
        }
    }
}

fn own_ref(proc: &ProcReader) -> Result<ProcRef, SceneError> {
    let pid = std::process::id();
    Ok(ProcRef {
        pid,
        start_ticks: proc.stat(pid)?.start_ticks,
    })
}

/// Every live process running one of the staged binaries.
fn scan_processes(proc: &ProcReader, work_dir: &Path) -> Vec<ProcRef> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| proc.exe(pid).is_some_and(|exe| exe.starts_with(work_dir)))
        .filter_map(|pid| {
            Some(ProcRef {
                pid,
                start_ticks: proc.stat(pid).ok()?.start_ticks,
            })
        })
        .collect()
}

/// Room for the scene's processes (plus shims and containerd) under pid_max, with a margin
/// for the rest of the machine.
fn check_capacity(proc: &ProcReader, spec: &SceneSpec) -> Result<(), SceneError> {
    let pid_max = proc.pid_max()?;
    let running = fs::read_dir("/proc")
        .map_err(|e| SceneError::io(Path::new("/proc"), e))?
        .filter(|e| e.as_ref().is_ok_and(|e| e.file_name().to_str().is_some_and(|n| n.parse::<u32>().is_ok())))
        .count() as u32;
    let needed = spec.process_count() + spec.pods.len() as u32 + 1;
    if running + needed + 1024 > pid_max {
        return Err(SceneError::Capacity(format!(
            "{needed} processes on top of {running} running would come within 1024 of pid_max {pid_max}"
        )));
    }
    Ok(())
}

/// A previous owner that died without tearing down left its state file named in the lock.
fn clean_stale_scene(proc: &ProcReader, lock: &mut SceneLock) -> Result<(), SceneError> {
    let Some(stale) = lock.recorded_state() else {
        return Ok(());
    };
    if stale.exists() {
        let state = SceneState::read(&stale)?;
        for problem in state::clean_orphaned(proc, &state) {
            eprintln!("cleaning stale scene {}: {problem}", stale.display());
        }
        fs::remove_file(&stale).map_err(|e| SceneError::io(&stale, e))?;
    }
    lock.record_state(None)
}

/// Copies scene-proc under each daemon's file name into a fresh temporary directory.
fn stage_binaries(proc_binary: &Path) -> Result<PathBuf, SceneError> {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let work_dir = std::env::temp_dir().join(format!("nodesnap-scene-{}-{nanos}", std::process::id()));
    let bin = work_dir.join("bin");
    fs::create_dir_all(&bin).map_err(|e| SceneError::io(&bin, e))?;
    for name in STAGED_NAMES {
        let target = bin.join(name);
        fs::copy(proc_binary, &target).map_err(|e| SceneError::io(proc_binary, e))?;
        fs::set_permissions(&target, fs::Permissions::from_mode(0o755)).map_err(|e| SceneError::io(&target, e))?;
    }
    Ok(work_dir)
}

/// Random-looking but distinct ids, from a splitmix64 stream seeded per run.
struct IdSource(u64);

impl IdSource {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A version-4 UUID, as the API server assigns pod uids.
    fn pod_uid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }

    /// 64 hex digits, as containerd names sandboxes and containers.
    fn container_id(&mut self) -> String {
        (0..4).map(|_| format!("{:016x}", self.next())).collect()
    }
}

/// One pod's names and paths, decided before anything starts.
struct PodLayout<'a> {
    spec: &'a PodSpec,
    uid: String,
    cgroup: String,
    sandbox_id: String,
    container_ids: Vec<String>,
}

impl PodLayout<'_> {
    fn container_cgroup(&self, id: &str) -> String {
        format!("{}/{id}", self.cgroup)
    }
}

struct Builder<'a> {
    proc: ProcReader,
    spec: &'a SceneSpec,
    config: &'a SceneConfig,
    teardown: &'a mut Teardown,
}

/// A running pod before its facts are read.
struct StartedPod {
    shim: u32,
    report: ShimReport,
}

impl Builder<'_> {
    fn bin(&self, name: &str) -> PathBuf {
        self.teardown.state.work_dir.join("bin").join(name)
    }

    fn build(mut self) -> Result<SceneFacts, SceneError> {
        let (hierarchies, skipped) = self.prepare_hierarchies()?;
        let mut ids = IdSource(
            (u64::from(std::process::id()) << 32)
                ^ SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0),
        );
        let layouts: Vec<PodLayout> = self
            .spec
            .pods
            .iter()
            .map(|spec| {
                let uid = ids.pod_uid();
                PodLayout {
                    spec,
                    cgroup: format!("{}/pod{uid}", spec.qos.parent_cgroup()),
                    uid,
                    sandbox_id: ids.container_id(),
                    container_ids: spec.containers.iter().map(|_| ids.container_id()).collect(),
                }
            })
            .collect();
        for layout in &layouts {
            self.make_pod_cgroups(&hierarchies, layout)?;
        }
        self.teardown.save()?;

        let (ready_read, ready_write) = ready_pipe()?;
        let containerd = self.spawn_daemon(
            "containerd",
            &["/usr/bin/containerd".to_string()],
            &ProcPlan::Sleep,
            &procs_files(&hierarchies, RUNTIME_CGROUP),
            ready_write.as_raw_fd(),
            false,
        )?;
        let containerd_pid = containerd.id();
        self.teardown.children.push(containerd);
        let started = self.start_pods(&hierarchies, &layouts, ready_write.as_raw_fd())?;
        self.teardown.save()?;
        drop(ready_write);
        wait_ready(&ready_read, self.config.ready_timeout)?;

        let mut strays = Vec::new();
        let mut pods = Vec::with_capacity(layouts.len());
        for (layout, started) in layouts.iter().zip(&started) {
            pods.push(self.pod_facts(&hierarchies, layout, started, &mut strays)?);
        }
        self.teardown.save()?;
        let own_pid = std::process::id();
        let containerd = self.process_facts(
            containerd_pid,
            own_pid,
            "containerd",
            vec!["/usr/bin/containerd".to_string()],
            RUNTIME_CGROUP,
        )?;
        let host_namespaces = self.proc.namespaces(own_pid)?;
        Ok(SceneFacts {
            containerd,
            host_namespaces,
            runtime_cgroup: RUNTIME_CGROUP.to_string(),
            pods,
            strays,
            hierarchies,
            skipped_hierarchies: skipped,
            bin_dir: self.teardown.state.work_dir.join("bin"),
        })
    }

    /// Keeps the hierarchies in which the runtime's cgroup and `/kubepods` can be made.
    fn prepare_hierarchies(&mut self) -> Result<(Vec<Hierarchy>, Vec<SkippedHierarchy>), SceneError> {
        let lines = self.proc.self_cgroups()?;
        let mounts = self.proc.mountinfo()?;
        let (candidates, mut skipped) = match_hierarchies(&lines, &mounts);
        let mut used = Vec::new();
        for hierarchy in candidates {
            let made = ["/kubepods/burstable", "/kubepods/besteffort", RUNTIME_CGROUP]
                .iter()
                .try_for_each(|cgroup| self.teardown.created.ensure(&hierarchy, cgroup));
            match made {
                Ok(()) => used.push(hierarchy),
                Err(e) => skipped.push(SkippedHierarchy {
                    controllers: hierarchy.controllers.clone(),
                    reason: e.to_string(),
                }),
            }
        }
        if used.is_empty() {
            let reasons: Vec<String> = skipped.iter().map(|s| format!("{}: {}", s.controllers, s.reason)).collect();
            return Err(SceneError::Unsupported(format!(
                "no cgroup hierarchy accepts new cgroups ({})",
                reasons.join("; ")
            )));
        }
        Ok((used, skipped))
    }

    fn make_pod_cgroups(&mut self, hierarchies: &[Hierarchy], layout: &PodLayout) -> Result<(), SceneError> {
        let qos = layout.spec.qos;
        let mut cgroups = vec![(layout.cgroup.clone(), Limits::for_pod(qos))];
        cgroups.push((layout.container_cgroup(&layout.sandbox_id), Limits::for_sandbox()));
        for id in &layout.container_ids {
            cgroups.push((layout.container_cgroup(id), Limits::for_container(qos)));
        }
        for hierarchy in hierarchies {
            for (cgroup, limits) in &cgroups {
                self.teardown.created.ensure(hierarchy, cgroup)?;
                for (controller, file, value) in limits.files() {
                    if !hierarchy.is_v2() && hierarchy.has_controller(controller) {
                        write_file(&hierarchy.dir(cgroup).join(file), &value.to_string())?;
                    }
                }
            }
        }
        Ok(())
    }

    fn shim_plan(&self, hierarchies: &[Hierarchy], layout: &PodLayout) -> ShimPlan {
        let pod = layout.spec;
        let apps = pod
            .containers
            .iter()
            .zip(&layout.container_ids)
            .map(|(container, id)| ChildPlan {
                exe: self.bin(container.app.comm()),
                argv: container.app.argv(),
                cgroup_procs: procs_files(hierarchies, &layout.container_cgroup(id)),
                then: Box::new(ProcPlan::App {
                    workers: container.app.worker_argv(),
                }),
            })
            .collect();
        ShimPlan {
            sandbox: ChildPlan {
                exe: self.bin("pause"),
                argv: vec!["/pause".to_string()],
                cgroup_procs: procs_files(hierarchies, &layout.container_cgroup(&layout.sandbox_id)),
                then: Box::new(ProcPlan::Sleep),
            },
            new_net: !pod.host_network,
            new_uts: !pod.host_network,
            hostname: pod.name.clone(),
            share_pid: pod.share_pid,
            apps,
        }
    }

    /// Starts the shims in batches: a batch is spawned at once, then its reports are read, so
    /// both cores work while the number of open pipes stays small.
    fn start_pods(
        &mut self,
        hierarchies: &[Hierarchy],
        layouts: &[PodLayout],
        ready_write: RawFd,
    ) -> Result<Vec<StartedPod>, SceneError> {
        const BATCH: usize = 64;
        let deadline = Instant::now() + self.config.ready_timeout;
        let mut started = Vec::with_capacity(layouts.len());
        for batch in layouts.chunks(BATCH) {
            let mut pending = Vec::with_capacity(batch.len());
            for layout in batch {
                let argv: Vec<String> = [
                    "/usr/bin/containerd-shim-runc-v2",
                    "-namespace",
                    "k8s.io",
                    "-id",
                    &layout.sandbox_id,
                    "-address",
                    "/run/containerd/containerd.sock",
                ]
                .iter()
                .map(|s| s.to_string())
                .collect();
                let plan = ProcPlan::Shim(self.shim_plan(hierarchies, layout));
                let mut shim = self.spawn_daemon(
                    "containerd-shim-runc-v2",
                    &argv,
                    &plan,
                    &procs_files(hierarchies, RUNTIME_CGROUP),
                    ready_write,
                    true,
                )?;
                let stdout = shim.stdout.take();
                pending.push((layout, shim.id(), stdout));
                self.teardown.children.push(shim);
            }
            for (layout, shim, stdout) in pending {
                let pod_error = |message: String| SceneError::Pod {
                    pod: layout.spec.name.clone(),
                    message,
                };
                let Some(mut stdout) = stdout else {
                    return Err(pod_error("shim has no stdout".to_string()));
                };
                let report = read_report(&mut stdout, deadline).map_err(|message| {
                    if message.starts_with("clone") || message.starts_with("setns") || message.starts_with("sethostname") {
                        SceneError::Unsupported(format!("pod {}: {message}", layout.spec.name))
                    } else {
                        pod_error(message)
                    }
                })?;
                if report.app_pids.len() != layout.spec.containers.len() {
                    return Err(pod_error(format!(
                        "shim started {} apps, expected {}",
                        report.app_pids.len(),
                        layout.spec.containers.len()
                    )));
                }
                for pid in std::iter::once(report.sandbox_pid).chain(report.app_pids.iter().copied()) {
                    let start_ticks = self.proc.stat(pid)?.start_ticks;
                    self.teardown.state.pod_processes.push(ProcRef { pid, start_ticks });
                }
                let shim_ticks = self.proc.stat(shim)?.start_ticks;
                self.teardown.state.daemons.push(ProcRef {
                    pid: shim,
                    start_ticks: shim_ticks,
                });
                started.push(StartedPod { shim, report });
            }
        }
        Ok(started)
    }

    /// Starts containerd or a shim from the staged binary `name`: the child writes itself into
    /// its cgroups and takes the ready pipe as fd 3 before exec.
    fn spawn_daemon(
        &self,
        name: &str,
        argv: &[String],
        plan: &ProcPlan,
        procs_files: &[PathBuf],
        ready_write: RawFd,
        report_on_stdout: bool,
    ) -> Result<Child, SceneError> {
        let exe = self.bin(name);
        let plan_text = serde_json::to_string(plan).map_err(|e| SceneError::parse(&exe, &e.to_string()))?;
        let procs: Vec<CString> = procs_files
            .iter()
            .map(|p| CString::new(p.as_os_str().as_encoded_bytes()))
            .collect::<Result<_, _>>()
            .map_err(|e| SceneError::parse(&exe, &e.to_string()))?;
        let mut command = Command::new(&exe);
        if let Some((first, rest)) = argv.split_first() {
            command.arg0(first).args(rest);
        }
        command
            .env_clear()
            .env(PLAN_ENV, plan_text)
            .env(READY_ENV, READY_FD.to_string())
            .stdin(Stdio::null())
            .stdout(if report_on_stdout { Stdio::piped() } else { Stdio::null() })
            .stderr(Stdio::inherit());
        // SAFETY: the closure runs between fork and exec and only makes async-signal-safe
        // system calls on strings prepared above.
        unsafe {
            command.pre_exec(move || {
                if ready_write == READY_FD {
                    if libc::fcntl(READY_FD, libc::F_SETFD, 0) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                } else if libc::dup2(ready_write, READY_FD) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                for path in &procs {
                    let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                    if fd < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    let written = libc::write(fd, b"0".as_ptr().cast(), 1);
                    libc::close(fd);
                    if written != 1 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                Ok(())
            });
        }
        command.spawn().map_err(|e| SceneError::io(&exe, e))
    }

    fn process_facts(
        &self,
        pid: u32,
        ppid: u32,
        comm: &str,
        argv: Vec<String>,
        cgroup: &str,
    ) -> Result<ProcessFacts, SceneError> {
        Ok(ProcessFacts {
            pid,
            ppid,
            comm: comm.to_string(),
            argv,
            start_ticks: self.proc.stat(pid)?.start_ticks,
            cgroup: cgroup.to_string(),
            namespaces: self.proc.namespaces(pid)?,
        })
    }

    fn pod_facts(
        &mut self,
        hierarchies: &[Hierarchy],
        layout: &PodLayout,
        started: &StartedPod,
        strays: &mut Vec<StrayFacts>,
    ) -> Result<PodFacts, SceneError> {
        let pod = layout.spec;
        let shim_argv = self.proc.cmdline(started.shim)?;
        let shim = self.process_facts(
            started.shim,
            std::process::id(),
            "containerd-shim-runc-v2",
            shim_argv,
            RUNTIME_CGROUP,
        )?;
        let sandbox_cgroup = layout.container_cgroup(&layout.sandbox_id);
        let sandbox = self.process_facts(
            started.report.sandbox_pid,
            started.shim,
            "pause",
            vec!["/pause".to_string()],
            &sandbox_cgroup,
        )?;
        let mut containers = Vec::new();
        for ((container, id), &init_pid) in pod.containers.iter().zip(&layout.container_ids).zip(&started.report.app_pids) {
            let cgroup = layout.container_cgroup(id);
            let comm = container.app.comm();
            let mut processes = vec![self.process_facts(init_pid, started.shim, comm, container.app.argv(), &cgroup)?];
            let worker_argvs = container.app.worker_argv();
            if !worker_argvs.is_empty() {
                let workers = self.proc.children(init_pid)?;
                if workers.len() != worker_argvs.len() {
                    return Err(SceneError::Pod {
                        pod: pod.name.clone(),
                        message: format!("{comm} has {} workers, expected {}", workers.len(), worker_argvs.len()),
                    });
                }
                for (index, (&worker, argv)) in workers.iter().zip(worker_argvs).enumerate() {
                    let start_ticks = self.proc.stat(worker)?.start_ticks;
                    self.teardown.state.pod_processes.push(ProcRef { pid: worker, start_ticks });
                    let mut worker_cgroup = cgroup.clone();
                    if container.stray_worker && index == 0 {
                        for hierarchy in hierarchies {
                            let procs = hierarchy.procs_file(&layout.cgroup);
                            write_file(&procs, &worker.to_string())?;
                        }
                        worker_cgroup = layout.cgroup.clone();
                        strays.push(StrayFacts {
                            pid: worker,
                            pod_uid: layout.uid.clone(),
                            container_id: id.clone(),
                            left_cgroup: cgroup.clone(),
                            now_in: layout.cgroup.clone(),
                        });
                    }
                    processes.push(self.process_facts(worker, init_pid, comm, argv, &worker_cgroup)?);
                }
            }
            containers.push(ContainerFacts {
                id: id.clone(),
                name: container.app.container_name().to_string(),
                image: container.app.image().to_string(),
                app: container.app,
                cgroup,
                limits: Limits::for_container(pod.qos),
                processes,
            });
        }
        Ok(PodFacts {
            uid: layout.uid.clone(),
            name: pod.name.clone(),
            namespace: pod.namespace.clone(),
            qos: pod.qos,
            host_network: pod.host_network,
            share_pid: pod.share_pid,
            cgroup: layout.cgroup.clone(),
            limits: Limits::for_pod(pod.qos),
            shim,
            sandbox_id: layout.sandbox_id.clone(),
            sandbox_cgroup,
            sandbox,
            containers,
        })
    }
}

fn procs_files(hierarchies: &[Hierarchy], cgroup: &str) -> Vec<PathBuf> {
    hierarchies.iter().map(|h| h.procs_file(cgroup)).collect()
}

fn ready_pipe() -> Result<(OwnedFd, OwnedFd), SceneError> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: fds points at two ints.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(SceneError::io(Path::new("pipe"), std::io::Error::last_os_error()));
    }
    // SAFETY: pipe2 just returned these descriptors; nothing else owns them.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn poll_readable(fd: RawFd, deadline: Instant) -> bool {
    let left = deadline.saturating_duration_since(Instant::now());
    let mut pollfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let n = unsafe { libc::poll(&mut pollfd, 1, left.as_millis().min(i32::MAX as u128) as i32) };
    n > 0
}

/// Waits for end-of-file on the ready pipe: every scene process has closed its copy.
fn wait_ready(read_end: &OwnedFd, timeout: Duration) -> Result<(), SceneError> {
    let deadline = Instant::now() + timeout;
    let mut buffer = [0u8; 64];
    loop {
        if !poll_readable(read_end.as_raw_fd(), deadline) && Instant::now() >= deadline {
            return Err(SceneError::Timeout {
                what: "every scene process to start".to_string(),
                secs: timeout.as_secs(),
            });
        }
        // SAFETY: reading into a local buffer from a descriptor we own.
        let n = unsafe { libc::read(read_end.as_raw_fd(), buffer.as_mut_ptr().cast(), buffer.len()) };
        if n == 0 {
            return Ok(());
        }
    }
}

fn read_report(stdout: &mut ChildStdout, deadline: Instant) -> Result<ShimReport, String> {
    let mut text = String::new();
    let mut buffer = [0u8; 512];
    loop {
        let complete = text.ends_with('\n')
            && text
                .lines()
                .last()
                .is_some_and(|l| l == "ok" || l.starts_with("error"));
        if complete {
            return plan::parse_report(&text);
        }
        if !poll_readable(stdout.as_raw_fd(), deadline) {
            return Err(format!("no report from the shim before the deadline (got {text:?})"));
        }
        match stdout.read(&mut buffer) {
            Ok(0) => return plan::parse_report(&text),
            Ok(n) => text.push_str(&String::from_utf8_lossy(&buffer[..n])),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("reading the shim's report: {e}")),
        }
    }
}
