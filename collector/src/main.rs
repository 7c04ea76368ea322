//! The `collector` command line: parses the arguments once (`cli.rs`), runs the collection and
//! prints one summary line or one error line.

use collector::{cli, collect, priority, signals, OutputTarget, Progress};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let (config, nice, quiet) = match cli::parse(std::env::args().skip(1)) {
        Ok(cli::Command::Collect {
            config,
            nice,
            quiet,
        }) => (config, nice, quiet),
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
            if !quiet {
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
                // -o names something the collector never replaces: a usage problem.
                collector::CollectError::Target(refused) if refused.is_refusal() => {
                    ExitCode::from(2)
                }
                _ => ExitCode::from(1),
            }
        }
    }
}
