//! `realnode`: brings up the real node of the end-to-end test (containerd with CRI pods,
//! dockerd with its own containerd, podman with a pod) for collecting from and inspecting by
//! hand, and removes it. `realnode up` stays in the foreground until `realnode down` (or
//! SIGTERM/SIGINT); `realnode check` compares a model with the truth the node recorded.
//! `realnode up --isolated --collector C -o OUT --once` makes the public sample: the node and
//! the collector run in their own pid and mount namespaces, so that no other process of the
//! machine is in the snapshot.
//!
//! ```text
//! realnode up --dir /tmp/rn &          # prints the node, then `ready:`
//! collector -o /tmp/rn.tar.gz && analyzer model /tmp/rn.tar.gz --format json > /tmp/model.json
//! realnode check --dir /tmp/rn --model /tmp/model.json
//! realnode down --dir /tmp/rn
//! ```

use clap::{Parser, Subcommand};
use nodesnap_tests::realnode::host::RealNodeState;
use nodesnap_tests::realnode::plan::NodePlan;
use nodesnap_tests::realnode::truth::Truth;
use nodesnap_tests::realnode::{compare, RealNode, RealNodeConfig, RealNodeError};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Bring up or remove a real node of Debian's container runtimes (root only)")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Bring the node up, print it, and stay up until `realnode down` or SIGTERM.
    Up {
        /// The node's directory (must not exist): every runtime's root, state and socket.
        #[arg(long)]
        dir: PathBuf,
        /// Once up, run this collector on `/` and write its snapshot to --output.
        #[arg(long, requires = "output")]
        collector: Option<PathBuf>,
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Write the node's truth (what its runtimes and /proc say) to this JSON file.
        #[arg(long)]
        truth_output: Option<PathBuf>,
        /// Tear down right after (with --collector: collect, then tear down).
        #[arg(long)]
        once: bool,
        /// Run the node and the collector in a pid and mount namespace of their own, so that
        /// the snapshot shows the node's processes only (for a public sample).
        #[arg(long, requires_all = ["collector", "once"])]
        isolated: bool,
    },
    /// pid 1 of an isolated node: runs `realnode ARGS` and reaps every orphan until it exits.
    #[command(hide = true)]
    Init {
        #[arg(trailing_var_arg = true, required = true)]
        args: Vec<String>,
    },
    /// Remove the node recorded in DIR, whether its owner lives or was killed.
    Down {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Compare a model (`analyzer model --format json`) with the truth recorded in DIR (or
    /// kept in a truth.json by the test, see tests/tests/real_runtimes.rs).
    Check {
        #[arg(long, required_unless_present = "truth", conflicts_with = "truth")]
        dir: Option<PathBuf>,
        #[arg(long)]
        truth: Option<PathBuf>,
        #[arg(long)]
        model: PathBuf,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Cmd::Up {
            dir,
            collector,
            output,
            truth_output,
            once: _,
            isolated: true,
        } => up_isolated(&dir, collector, output, truth_output),
        Cmd::Up {
            dir,
            collector,
            output,
            truth_output,
            once,
            isolated: false,
        } => up(dir, collector, output, truth_output, once),
        Cmd::Init { args } => init(&args),
        Cmd::Down { dir } => down(&dir),
        Cmd::Check { dir, truth, model } => check(dir.as_deref(), truth.as_deref(), &model),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("realnode: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_truth(truth: &Truth) {
    for runtime in &truth.runtimes {
        println!(
            "runtime {} {} pid {} {} {}",
            runtime.label,
            runtime.kind,
            runtime.pid.map(|p| p.to_string()).unwrap_or("-".into()),
            runtime.version.as_deref().unwrap_or("?"),
            runtime.address
        );
    }
    for pod in &truth.pods {
        println!(
            "pod {} {}/{} qos {} sandbox {} pid {} cgroup {}",
            pod.uid,
            pod.namespace.as_deref().unwrap_or("-"),
            pod.name,
            pod.qos.as_deref().unwrap_or("-"),
            &pod.sandbox_id[..12],
            pod.sandbox_pid,
            pod.cgroup.as_deref().unwrap_or("-")
        );
        let sharing: Vec<String> = pod
            .sharing
            .iter()
            .map(|(kind, verdict)| format!("{kind}={verdict}"))
            .collect();
        println!("  sharing {}", sharing.join(" "));
    }
    for c in &truth.containers {
        let pids: Vec<String> = c.pids.iter().map(u32::to_string).collect();
        println!(
            "container {} {} {}{} init {} shim {} ({}) pids {} cgroup {}",
            &c.id[..12],
            c.runtime,
            c.name,
            if c.sandbox { " (sandbox)" } else { "" },
            c.init_pid,
            c.shim_pid,
            c.shim_comm,
            pids.join(","),
            c.cgroup
        );
    }
}

fn up(
    dir: PathBuf,
    collector: Option<PathBuf>,
    output: Option<PathBuf>,
    truth_output: Option<PathBuf>,
    once: bool,
) -> Result<ExitCode, RealNodeError> {
    let signals = block_termination_signals();
    let started = Instant::now();
    let node = RealNode::up(&NodePlan::standard(), &RealNodeConfig::in_dir(dir.clone()))?;
    print_truth(node.truth());
    let phases: Vec<String> = node
        .timings
        .iter()
        .map(|(phase, secs)| format!("{phase} {secs:.2}s"))
        .collect();
    println!("phases: {}", phases.join(", "));
    println!(
        "ready: {} runtimes, {} pods, {} containers in {:.1}s; `realnode down --dir {}` removes it",
        node.truth().runtimes.len(),
        node.truth().pods.len(),
        node.truth().containers.len(),
        started.elapsed().as_secs_f64(),
        dir.display()
    );
    if let Some(path) = &truth_output {
        let text = serde_json::to_string_pretty(node.truth())
            .map_err(|e| RealNodeError::Parse(e.to_string()))?;
        std::fs::write(path, text + "\n").map_err(|e| RealNodeError::io(path, e))?;
        println!("truth written to {}", path.display());
    }
    if let (Some(collector), Some(output)) = (collector, output) {
        let status = Command::new(&collector)
            .args(["--root", "/", "--quiet", "-o"])
            .arg(&output)
            .status()
            .map_err(|e| RealNodeError::io(&collector, e))?;
        if !status.success() {
            return Err(RealNodeError::Command {
                command: format!("{} -o {}", collector.display(), output.display()),
                detail: status.to_string(),
            });
        }
        println!("collected {}", output.display());
    }
    if !once {
        wait_for_signal(&signals);
    }
    let started = Instant::now();
    node.teardown()?;
    println!("torn down in {:.1}s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

/// Re-runs `up --once` as the child of `realnode init`, pid 1 of new pid and mount
/// namespaces (util-linux's unshare makes them and mounts a /proc of the new pid namespace):
/// the collector there sees the node's processes and no other. Everything the node mounts
/// stays in that mount namespace and goes with it.
fn up_isolated(
    dir: &Path,
    collector: Option<PathBuf>,
    output: Option<PathBuf>,
    truth_output: Option<PathBuf>,
) -> Result<ExitCode, RealNodeError> {
    let me =
        std::env::current_exe().map_err(|e| RealNodeError::io(Path::new("/proc/self/exe"), e))?;
    let (Some(collector), Some(output)) = (collector, output) else {
        return Err(RealNodeError::Parse(
            "--isolated needs --collector and --output".into(),
        ));
    };
    // Called by its bare name (its directory goes first in PATH), so that the snapshot's
    // command lines name no directory of this machine's.
    let mut path = me
        .parent()
        .map(|d| d.as_os_str().to_owned())
        .unwrap_or_default();
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    let mut command = Command::new("unshare");
    command
        .env("PATH", path)
        .args([
            "--pid",
            "--fork",
            "--mount",
            "--propagation",
            "private",
            "--mount-proc",
            "--",
        ])
        .args(["realnode", "init", "--", "up", "--dir"])
        .arg(dir)
        .arg("--collector")
        .arg(&collector)
        .arg("--output")
        .arg(&output)
        .arg("--once");
    if let Some(truth) = &truth_output {
        command.arg("--truth-output").arg(truth);
    }
    let status = command
        .status()
        .map_err(|e| RealNodeError::Missing(format!("unshare (util-linux): {e}")))?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// pid 1 of the isolated node: runs `realnode ARGS` and reaps every orphan the kernel hands it
/// (the shims, conmon), so that none stays a zombie; it exits with that command's status.
fn init(args: &[String]) -> Result<ExitCode, RealNodeError> {
    use std::os::unix::process::CommandExt;
    let me =
        std::env::current_exe().map_err(|e| RealNodeError::io(Path::new("/proc/self/exe"), e))?;
    let child = Command::new(&me)
        .arg0("realnode")
        .args(args)
        .spawn()
        .map_err(|e| RealNodeError::io(&me, e))?;
    let main = child.id() as libc::pid_t;
    loop {
        let mut status = 0;
        // SAFETY: waitpid on any child, with a status word we own.
        let pid = unsafe { libc::waitpid(-1, &mut status, 0) };
        if pid == main {
            let code = if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                1
            };
            return Ok(ExitCode::from(code as u8));
        }
        if pid < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return Ok(ExitCode::FAILURE);
        }
    }
}

fn down(dir: &Path) -> Result<ExitCode, RealNodeError> {
    let problems = nodesnap_tests::realnode::down(dir, Duration::from_secs(120))?;
    if problems.is_empty() {
        println!("realnode down: {} removed", dir.display());
        Ok(ExitCode::SUCCESS)
    } else {
        Err(RealNodeError::Teardown(problems))
    }
}

fn check(
    dir: Option<&Path>,
    truth: Option<&Path>,
    model: &Path,
) -> Result<ExitCode, RealNodeError> {
    let truth: Truth = match (dir, truth) {
        (_, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| RealNodeError::io(path, e))?;
            serde_json::from_str(&text).map_err(|e| {
                RealNodeError::Parse(format!("{}: not a real node's truth: {e}", path.display()))
            })?
        }
        (Some(dir), None) => RealNodeState::read(&RealNodeState::path(dir))?
            .truth
            .ok_or_else(|| {
                RealNodeError::Parse(format!("{}: the node recorded no truth yet", dir.display()))
            })?,
        (None, None) => return Err(RealNodeError::Parse("--dir or --truth is needed".into())),
    };
    let text = std::fs::read_to_string(model).map_err(|e| RealNodeError::io(model, e))?;
    let model: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| RealNodeError::Parse(format!("{}: not JSON: {e}", model.display())))?;
    let report = compare::compare(&truth, &model);
    print!("{report}");
    Ok(if report.mismatches.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Blocked before the node starts, so that a SIGTERM from `realnode down` always leads to a
/// teardown; children start with an empty mask (std resets it).
fn block_termination_signals() -> libc::sigset_t {
    // SAFETY: sigset operations on a local set; sigprocmask before any thread exists.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGHUP);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    }
}

fn wait_for_signal(set: &libc::sigset_t) {
    let mut signal = 0;
    // SAFETY: the set was initialised by block_termination_signals.
    unsafe { libc::sigwait(set, &mut signal) };
    eprintln!("realnode: signal {signal}, tearing down");
}
