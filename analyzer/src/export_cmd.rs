//! `analyzer export`: finds the snapshots its paths name, exports them as tables, reports each
//! unreadable input on one stderr line and, on a terminal, shows progress; the exit code says
//! whether every input was read (0), some were not (1), or nothing could be written (2).

use analyzer::present::text::plural;
use analyzer::present::units;
use analyzer::snapshot::discover::{discover, Found};
use analyzer::tables::{self, Format, Observer, Outcome};
use analyzer::views::text::sanitize;
use clap::{Args, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub const AFTER_HELP: &str = "\
Tables: nodes, runtimes, pods, containers, processes, process_cgroups, namespaces, cgroups,
findings and gaps, one file each (nodes.ndjson, pods.parquet, ...), with schema.json beside
them; every row carries snapshot_id and hostname. The snapshot id is derived from the
snapshot's content, so a copy or a rename keeps it; the same snapshot given twice is exported
once. Columns: docs/MODEL.md, \"Export tables\"; queries and loading into DuckDB, Spark,
ClickHouse and BigQuery: docs/FLEET.md.

Exit status:
  0  every input was exported
  1  some input could not be read: each is one line on stderr and a row of the gaps table
     (null snapshot_id, its path, what was wrong); every readable snapshot is still exported
  2  usage error, or the output could not be written (nothing is left half-written)";

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Snapshots (.tar.gz, .tar, extracted directories) and directories to search for them.
    #[arg(required = true, value_name = "SNAP")]
    snapshots: Vec<PathBuf>,
    /// The directory to write the tables into; created if missing, its tables replaced.
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    #[arg(long, value_enum, default_value = "parquet")]
    format: TableFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TableFormat {
    Ndjson,
    Parquet,
}

/// One line on stderr, clear of any progress line.
fn message(progress: &mut Progress, text: &str) {
    progress.clear();
    eprintln!("{}", sanitize(&format!("analyzer: {text}")));
}

/// The progress line on a terminal: inputs done of the total, the last one's host, at most ten
/// redraws a second.
struct Progress {
    enabled: bool,
    total: usize,
    shown: bool,
    last: Option<Instant>,
}

impl Progress {
    fn clear(&mut self) {
        if self.shown {
            eprint!("\r\x1b[K");
            self.shown = false;
        }
    }

    fn draw(&mut self, done: usize, label: &str) {
        if !self.enabled {
            return;
        }
        let due = self
            .last
            .is_none_or(|at| at.elapsed() >= Duration::from_millis(100));
        if !due && done < self.total {
            return;
        }
        self.last = Some(Instant::now());
        let width = self.total.to_string().len();
        let line = format!("exporting [{done:>width$}/{}] {label}", self.total);
        let cut: String = sanitize(&line).chars().take(100).collect();
        eprint!("\r\x1b[K{cut}");
        let _ = std::io::stderr().flush();
        self.shown = true;
    }
}

impl Observer for Progress {
    fn started(&mut self, inputs: usize) {
        self.total = inputs;
    }

    fn finished_one(&mut self, done: usize, path: &Path, outcome: &Outcome) {
        let shown_path = path.display().to_string();
        match outcome {
            Outcome::Exported { hostname, .. } => {
                self.draw(done, hostname.as_deref().unwrap_or(&shown_path));
            }
            Outcome::Duplicate { id, first } => message(
                self,
                &format!(
                    "{shown_path}: the same snapshot as {} (snapshot id {id}); exported once",
                    first.display()
                ),
            ),
            Outcome::Unreadable { message: why } => message(self, &format!("{shown_path}: {why}")),
        }
    }
}

pub fn run(args: &ExportArgs, fail_on_given: bool) -> ExitCode {
    let mut progress = Progress {
        enabled: std::io::stderr().is_terminal(),
        total: 0,
        shown: false,
        last: None,
    };
    if fail_on_given {
        message(
            &mut progress,
            "--fail-on does not apply to export: its exit code says whether every input was \
             read (see --help)",
        );
        return ExitCode::from(2);
    }
    let format = match args.format {
        TableFormat::Ndjson => Format::Ndjson,
        TableFormat::Parquet => Format::Parquet,
    };
    let found: Vec<Found> = discover(&args.snapshots);
    let summary = match tables::export(&found, &args.output, format, &mut progress) {
        Ok(summary) => summary,
        Err(error) => {
            message(&mut progress, &error.to_string());
            return ExitCode::from(2);
        }
    };
    progress.clear();
    let bytes: u64 = summary.files.iter().map(|f| f.bytes).sum();
    let mut line = format!(
        "exported {} to {} ({} {}, {} files",
        plural(summary.exported, "snapshot", "snapshots"),
        args.output.display(),
        units::bytes(bytes),
        format.extension(),
        summary.files.len()
    );
    if summary.duplicates > 0 {
        line.push_str(&format!(
            "; {} given twice",
            plural(summary.duplicates, "snapshot", "snapshots")
        ));
    }
    if summary.unreadable > 0 {
        line.push_str(&format!(
            "; {} unreadable, listed in gaps.{}",
            plural(summary.unreadable, "input", "inputs"),
            format.extension()
        ));
    }
    line.push(')');
    message(&mut progress, &line);
    if summary.unreadable > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
