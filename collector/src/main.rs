//! The `collector` command line: parses the arguments once (`cli.rs`), runs the collection and
//! prints one summary line or one error line.

use collector::{cli, collect, priority, review, signals, CollectError, OutputTarget, Progress};
use std::fmt;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let (config, nice, quiet, review) = match cli::parse(std::env::args().skip(1)) {
        Ok(cli::Command::Collect {
            config,
            nice,
            quiet,
        }) => (config, nice, quiet, false),
        Ok(cli::Command::Review {
            config,
            nice,
            quiet,
        }) => (config, nice, quiet, true),
        Ok(cli::Command::Help) => {
            print!("{}", cli::HELP);
            return ExitCode::SUCCESS;
        }
        Ok(cli::Command::Version) => {
            println!("collector {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("collector: {error}");
            return ExitCode::from(2);
        }
    };
    if nice {
        // Not being able to lower the priority (a seccomp profile, say) is no reason to stop.
        let _ = priority::lower_own_priority();
    }
    signals::install();
    let show_progress = !quiet && std::io::stderr().is_terminal();
    let mut shown = false;
    let mut on_progress = |progress: &Progress| {
        if show_progress && progress.elapsed >= Duration::from_millis(500) {
            shown = true;
            eprint!(
                "\rcollector: {} processes, {} cgroups, {} gaps, {} s",
                progress.processes,
                progress.cgroups,
                progress.gaps,
                Seconds(progress.elapsed, 1)
            );
            let _ = std::io::stderr().flush();
        }
    };
    if review {
        let out = std::io::BufWriter::new(std::io::stdout());
        let result = review::review(&config, out, &mut on_progress);
        if shown {
            eprint!("\r\x1b[K");
        }
        return match result {
            Ok((summary, strings)) => {
                if quiet {
                    return ExitCode::SUCCESS;
                }
                eprintln!(
                    "review: {} strings, {} with redacted values, from {} processes and {} \
                     cgroups; nothing written",
                    strings.strings, strings.redacted, summary.processes, summary.cgroups
                );
                ExitCode::SUCCESS
            }
            Err(error) => failed(error),
        };
    }
    let result = collect(&config, &mut on_progress);
    if shown {
        eprint!("\r\x1b[K");
    }
    match result {
        Ok(summary) => {
            if !quiet {
                let line = format!(
                    "{}: {} processes, {} cgroups, {} gaps, {} s, {} bytes",
                    summary.output,
                    summary.processes,
                    summary.cgroups,
                    summary.gaps,
                    Seconds(summary.elapsed, 2),
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
        Err(error) => failed(error),
    }
}

/// One line for a failed run, and its exit status.
fn failed(error: CollectError) -> ExitCode {
    eprintln!("collector: {error}");
    match error {
        CollectError::Interrupted { signal } => ExitCode::from((128 + signal).clamp(0, 255) as u8),
        // -o names something the collector never replaces: a usage problem.
        CollectError::Target(refused) if refused.is_refusal() => ExitCode::from(2),
        _ => ExitCode::from(1),
    }
}

/// Seconds with `.1` (or more) decimals, by integer arithmetic: formatting an `f64` pulls about 17 KB of
/// float printing into the static binary, which has a size budget.
struct Seconds(Duration, u32);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = 10u64.pow(self.1);
        let units = u64::try_from(self.0.as_millis()).unwrap_or(u64::MAX) / (1000 / scale);
        let width = self.1 as usize;
        write!(f, "{}.{:0width$}", units / scale, units % scale)
    }
}
