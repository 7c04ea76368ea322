//! `scene`: builds a live Kubernetes-like scene for benchmarks and manual checks, and tears it
//! down. `scene up` stays in the foreground until `scene down` (or SIGTERM/SIGINT).

use clap::{Parser, Subcommand};
use nodesnap_tests::scene::spec::SceneSpec;
use nodesnap_tests::scene::{state, Scene, SceneConfig, SceneError};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Build or remove a live scene of pods on this machine (root only)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build a scene, print its pods, and stay up until `scene down` or SIGTERM.
    Up {
        /// Number of pods; without it, the small scene of the live tests.
        #[arg(long)]
        pods: Option<u32>,
        /// Processes per pod, the pause included (at least 2).
        #[arg(long, default_value_t = 5)]
        procs_per_pod: u32,
        /// Where the scene's state (pids, cgroups, facts as JSON) is written.
        #[arg(long)]
        state: PathBuf,
        /// Build, print, and tear down at once (a smoke test).
        #[arg(long)]
        once: bool,
    },
    /// Tear down the scene recorded in a state file, whether its owner lives or crashed.
    Down {
        #[arg(long)]
        state: PathBuf,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scene: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), SceneError> {
    match cli.command {
        Command::Up {
            pods,
            procs_per_pod,
            state,
            once,
        } => up(pods, procs_per_pod, state, once),
        Command::Down { state } => {
            let problems = state::down(&state, Duration::from_secs(300))?;
            if problems.is_empty() {
                println!("scene down: {} removed", state.display());
                Ok(())
            } else {
                Err(SceneError::Teardown(problems))
            }
        }
    }
}

fn up(pods: Option<u32>, procs_per_pod: u32, state_file: PathBuf, once: bool) -> Result<(), SceneError> {
    let spec = match pods {
        Some(pods) => SceneSpec::scale(pods, procs_per_pod),
        None => SceneSpec::small(),
    };
    let proc_binary = std::env::current_exe()
        .map_err(|e| SceneError::io(std::path::Path::new("/proc/self/exe"), e))?
        .with_file_name("scene-proc");
    let mut config = SceneConfig::new(proc_binary);
    config.state_file = state_file.clone();
    config.ready_timeout = Duration::from_secs(120) + Duration::from_millis(20 * u64::from(spec.process_count()));
    let signals = block_termination_signals();
    let started = Instant::now();
    let scene = Scene::build(&spec, &config)?;
    let build_time = started.elapsed();
    let facts = scene.facts();
    println!("containerd {}", facts.containerd.pid);
    for pod in &facts.pods {
        println!(
            "pod {} {} {} shim {} sandbox {} pid {}",
            pod.uid, pod.name, pod.qos.as_str(), pod.shim.pid, pod.sandbox_id, pod.sandbox.pid
        );
        for container in &pod.containers {
            let pids: Vec<String> = container.processes.iter().map(|p| p.pid.to_string()).collect();
            println!("  container {} {} pids {}", container.id, container.name, pids.join(","));
        }
    }
    for skipped in &facts.skipped_hierarchies {
        println!("skipped hierarchy {}: {}", skipped.controllers, skipped.reason);
    }
    println!(
        "ready: {} pods, {} processes in {:.2}s; state {}",
        facts.pods.len(),
        facts.processes().len(),
        build_time.as_secs_f64(),
        state_file.display()
    );
    if !once {
        wait_for_signal(&signals);
    }
    let started = Instant::now();
    scene.teardown()?;
    println!("torn down in {:.2}s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Blocked before the build so that a SIGTERM from `scene down` always leads to a teardown;
/// children start with an empty mask (std resets it), so they die of it normally.
fn block_termination_signals() -> libc::sigset_t {
    // SAFETY: sigset operations on a local set; sigprocmask on the only thread so far.
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
    eprintln!("scene: signal {signal}, tearing down");
}
