//! The `collector` command line: turns arguments into a `Config` once, runs the collection and
//! prints one summary line or one error line.

use clap::Parser;
use collector::{collect, priority, signals, Config, OutputTarget, Progress};
use nodesnap_format::CmdlinePolicy;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Snapshots this node's processes, namespaces and cgroups into one .tar.gz, read-only.
#[derive(Parser, Debug)]
#[command(name = "collector", version, about)]
struct Args {
    /// Output path; `-` streams the tarball to stdout.
    /// [default: ./nodesnap-<hostname>-<UTC yyyymmddThhmmssZ>.tar.gz]
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    output: Option<String>,
    /// Read everything from DIR as if it were / (e.g. /host in a pod).
    #[arg(long, value_name = "DIR", default_value = "/")]
    root: PathBuf,
    /// Upper bound on the whole run, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    timeout: u64,
    /// A single read that takes longer is abandoned and recorded as a gap.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    read_timeout_ms: u64,
    /// Largest part of one file kept; longer files are truncated and recorded.
    #[arg(long, value_name = "BYTES", default_value_t = 4 << 20)]
    max_file_bytes: u64,
    /// Largest total of copied bytes; files beyond it are skipped and recorded.
    #[arg(long, value_name = "BYTES", default_value_t = 512 << 20)]
    max_total_bytes: u64,
    /// Keep command lines verbatim instead of redacting secret-looking values.
    #[arg(long, conflicts_with = "no_cmdline")]
    no_redact: bool,
    /// Do not collect command lines at all.
    #[arg(long)]
    no_cmdline: bool,
    /// Run at normal CPU and IO priority instead of nice 19 and best-effort IO level 7.
    #[arg(long)]
    no_nice: bool,
    /// Lower CPU and IO priority (the default; kept for explicitness).
    #[arg(long, conflicts_with = "no_nice")]
    nice: bool,
    /// No progress and no summary line.
    #[arg(short, long)]
    quiet: bool,
}

fn config_from(args: &Args) -> Result<Config, String> {
    if args.timeout == 0 {
        return Err("--timeout must be at least 1 second".to_string());
    }
    if args.read_timeout_ms == 0 {
        return Err("--read-timeout-ms must be at least 1".to_string());
    }
    let output = match args.output.as_deref() {
        None => OutputTarget::Auto,
        Some("-") => OutputTarget::Stdout,
        Some(path) => OutputTarget::Path(PathBuf::from(path)),
    };
    let mut config = Config::new(args.root.clone(), output);
    config.timeout = Duration::from_secs(args.timeout);
    config.read_timeout = Duration::from_millis(args.read_timeout_ms);
    config.max_file_bytes = args.max_file_bytes;
    config.max_total_bytes = args.max_total_bytes;
    config.cmdline = if args.no_cmdline {
        CmdlinePolicy::Dropped
    } else if args.no_redact {
        CmdlinePolicy::Verbatim
    } else {
        CmdlinePolicy::Redacted
    };
    Ok(config)
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = match config_from(&args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("collector: {message}");
            return ExitCode::from(2);
        }
    };
    if !args.no_nice {
        // Not being able to lower the priority (a seccomp profile, say) is no reason to stop.
        let _ = priority::lower_own_priority();
    }
    signals::install();
    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let mut shown = false;
    let mut on_progress = |progress: &Progress| {
        if show_progress && progress.elapsed >= Duration::from_millis(500) {
            shown = true;
            eprint!(
                "\rcollector: {} processes, {} cgroups, {} gaps, {:.1} s",
                progress.processes,
                progress.cgroups,
                progress.gaps,
                progress.elapsed.as_secs_f64()
            );
            let _ = std::io::stderr().flush();
        }
    };
    let result = collect(&config, &mut on_progress);
    if shown {
        eprint!("\r\x1b[K");
    }
    match result {
        Ok(summary) => {
            if !args.quiet {
                let line = format!(
                    "{}: {} processes, {} cgroups, {} gaps, {:.2} s, {} bytes",
                    summary.output,
                    summary.processes,
                    summary.cgroups,
                    summary.gaps,
                    summary.elapsed.as_secs_f64(),
                    summary.bytes
                );
                if matches!(config.output, OutputTarget::Stdout) {
                    eprintln!("{line}");
                } else {
                    println!("{line}");
                }
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("collector: {error}");
            match error {
                collector::CollectError::Interrupted { signal } => {
                    ExitCode::from((128 + signal).clamp(0, 255) as u8)
                }
                _ => ExitCode::from(1),
            }
        }
    }
}
