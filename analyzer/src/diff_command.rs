//! `analyzer diff OLD NEW`: loads both snapshots (on two threads), compares them and judges the
//! interval (`analyzer::analyze_diff`), then writes the terminal view, the JSON or the report.
//! Either snapshot failing to load is one line naming it and exit status 2; differences are
//! no failure (exit 0) unless `--fail-on` asks about the findings.
//!
//! `analyzer diff SNAP` (one snapshot, taken with `collector --samples N`) compares its first
//! and last samples the same way (`analyzer::analyze_samples_diff`).

use super::output::{self, Destination, WriteError};
use super::{load, sanitize, stream_to_stdout, write_failure, Failure, Palette, Width};
use analyzer::diff::Diff;
use analyzer::model::Severity;
use analyzer::views::diff::{self as view, Options};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older snapshot: a .tar.gz, a .tar, or the directory it was extracted to. Alone,
    /// a snapshot taken with `collector --samples N`: its first and last samples are compared.
    pub old: PathBuf,
    /// The newer snapshot of the same node.
    pub new: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormat,
    /// Write one self-contained HTML report of the diff instead (to FILE with -o; default:
    /// OLD-to-NEW.html in the current directory).
    #[arg(long, conflicts_with = "format")]
    pub report: bool,
    /// List the processes that started and went, not only how many per container.
    #[arg(long)]
    pub processes: bool,
    /// Write to FILE (whole or not at all) instead of standard output; `-` for standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
}

impl DiffArgs {
    pub fn destination(&self) -> Destination {
        match (&self.output, self.report) {
            (Some(path), _) => Destination::from_arg(path),
            (None, true) => Destination::File(default_report_path(&self.old, self.new.as_deref())),
            (None, false) => Destination::Stdout,
        }
    }
}

/// `node-0900.tar.gz` and `node-0905.tar.gz` -> `node-0900-to-node-0905.html`; one snapshot's
/// samples: `node-0900-samples.html`.
fn default_report_path(old: &Path, new: Option<&Path>) -> PathBuf {
    let stem = super::report_stem;
    match new {
        Some(new) => PathBuf::from(format!("{}-to-{}.html", stem(old), stem(new))),
        None => PathBuf::from(format!("{}-samples.html", stem(old))),
    }
}

/// Whether `--fail-on` fails on this diff: a finding about the interval, or one of NEW's own
/// that appeared, at the threshold or worse.
pub fn fails(diff: &Diff, threshold: Severity) -> bool {
    diff.findings
        .interval
        .iter()
        .map(|f| f.severity)
        .chain(diff.findings.appeared.iter().map(|f| f.severity))
        .any(|severity| severity <= threshold)
}

/// The diff between the first and last samples of one snapshot; a snapshot of one sample is
/// bad input (exit 2), with what to do instead.
fn samples_diff(path: &Path) -> Result<Diff, Failure> {
    let snapshot = analyzer::snapshot::load(path).map_err(|e| Failure::about(path, e))?;
    let diff = analyzer::analyze_samples_diff(&snapshot).ok_or_else(|| {
        Failure::about(
            path,
            "holds one sample (collected without --samples): give two snapshots (analyzer \
             diff OLD NEW), or collect with --samples N --interval SECONDS",
        )
    })?;
    std::mem::forget(snapshot);
    Ok(diff)
}

/// Both snapshots loaded and analyzed at once, each on its own thread; the first that fails
/// (OLD's before NEW's) is the error.
fn load_both(
    old: &Path,
    new: &Path,
) -> Result<(analyzer::model::Model, analyzer::model::Model), Failure> {
    let (old, new) = std::thread::scope(|scope| {
        let newer = scope.spawn(|| load(new));
        let older = load(old);
        let newer = newer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (older, newer)
    });
    Ok((old?, new?))
}

pub fn run(
    args: &DiffArgs,
    destination: &Destination,
    width: Width,
    palette: Palette,
) -> Result<(Diff, Option<String>), Failure> {
    let mut diff = match &args.new {
        Some(new) => {
            let (old, new) = load_both(&args.old, new)?;
            let diff = analyzer::analyze_diff(&old, &new);
            // The process ends soon: handing two big models back to the allocator would cost
            // time.
            std::mem::forget((old, new));
            diff
        }
        None => samples_diff(&args.old)?,
    };
    let options = Options {
        processes: args.processes,
    };
    if !options.processes && !args.report {
        diff.processes.list = None;
    }
    let terminal = !args.report && args.format == DiffFormat::Text;
    if !terminal {
        // The view shows its warnings; JSON and the report go to files or scripts, so the
        // person running the command hears about them here.
        for warning in &diff.warnings {
            eprintln!("analyzer: warning: {}", sanitize(&warning.message));
        }
    }
    if terminal && *destination == Destination::Stdout {
        let text = view::render(&diff, options, width, palette);
        return Ok((diff, Some(text)));
    }
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        if args.report {
            analyzer::report::diff::write_html(&diff, out)
        } else if args.format == DiffFormat::Json {
            view::write_json(&diff, options, out).map_err(std::io::Error::other)
        } else {
            // Text into a file is never cut, as in a pipe.
            out.write_all(view::render(&diff, options, Width::Unlimited, Palette::PLAIN).as_bytes())
        }
    };
    let what = if args.report {
        "the report"
    } else {
        "the diff"
    };
    match destination {
        Destination::Stdout => stream_to_stdout(write)
            .map_err(|e| Failure::about(Path::new("-"), format!("cannot write {what}: {e}")))?,
        Destination::File(target) => {
            output::write_file(target, write).map_err(|e| match e {
                WriteError::Write(e) => Failure::about(target, format!("cannot write {what}: {e}")),
                other => write_failure(target, other),
            })?;
            eprintln!(
                "analyzer: wrote {}",
                sanitize(&target.display().to_string())
            );
        }
    }
    Ok((diff, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_report_is_named_after_both_snapshots() {
        assert_eq!(
            default_report_path(
                Path::new("/tmp/node-0900.tar.gz"),
                Some(Path::new("node-0905.tgz"))
            ),
            PathBuf::from("node-0900-to-node-0905.html")
        );
        assert_eq!(
            default_report_path(Path::new("/"), Some(Path::new("x/"))),
            PathBuf::from("snapshot-to-x.html")
        );
        assert_eq!(
            default_report_path(Path::new("/tmp/node-0900.tar.gz"), None),
            PathBuf::from("node-0900-samples.html")
        );
    }
}
