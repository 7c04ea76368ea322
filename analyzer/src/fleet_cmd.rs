//! `analyzer fleet`: many snapshots, one page. The snapshots are read one at a time (each model
//! is summed up, its report written when asked, and dropped before the next is loaded); a bad
//! input becomes a row saying why and never ends the run, and the exit status says that some
//! input was bad, as ripgrep does for a file it cannot read.

use super::output::{self, Destination};
use super::{error_line, stream_to_stdout, write_failure, Failure};
use analyzer::fleet::{self, Fleet};
use analyzer::model::Severity;
use analyzer::snapshot::discover::{discover, Found};
use analyzer::snapshot::{self, SnapshotId};
use analyzer::views::text::sanitize;
use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What `--help` says after the options.
pub const HELP: &str = "\
Each SNAPSHOT is a .tar.gz, .tgz or .tar, or an extracted snapshot directory; a DIR that is
not a snapshot is searched for snapshots (.tar.gz, .tgz and .tar files and extracted snapshot
directories, at any depth, in name order), as `analyzer export` does.
Snapshots are read one at a time, so memory is that of the biggest node, not the fleet's.
The same snapshot given twice (same snapshot id) is shown once.

Exit status: 0 when every input was read; 1 when --fail-on matched findings on some node;
2 when some input could not be read or a report could not be written (the page is still
written: every good snapshot is on it and each bad one is a row saying why), or on a usage
error or a page that cannot be written.";

/// Where the page goes when `-o` is not given.
const DEFAULT_PAGE: &str = "fleet.html";

pub struct Request<'a> {
    pub snapshots: &'a [PathBuf],
    pub output: Option<&'a Path>,
    pub with_reports: bool,
    pub fail_on: Option<Severity>,
}

/// What the run met besides the page.
#[derive(Default)]
struct Outcome {
    bad_inputs: usize,
    failed_reports: usize,
    findings_at_fail_level: bool,
}

pub fn run(request: &Request) -> ExitCode {
    match run_fleet(request) {
        Ok(outcome) if outcome.bad_inputs > 0 || outcome.failed_reports > 0 => ExitCode::from(2),
        Ok(outcome) if outcome.findings_at_fail_level => ExitCode::from(1),
        Ok(_) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", error_line(failure.file.as_deref(), &failure.message));
            ExitCode::from(2)
        }
    }
}

fn run_fleet(request: &Request) -> Result<Outcome, Failure> {
    let destination = match request.output {
        Some(path) => Destination::from_arg(path),
        None => Destination::File(PathBuf::from(DEFAULT_PAGE)),
    };
    if request.with_reports && destination == Destination::Stdout {
        return Err(Failure {
            file: None,
            message: "--with-reports writes each node's report beside the page: give the page a \
                      file name with -o FILE"
                .to_string(),
        });
    }
    // Checked before any work: a page that cannot be written would waste the whole run.
    let page_dir = match &destination {
        Destination::File(page) => Some(match page.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        }),
        Destination::Stdout => None,
    };
    if let Some(dir) = &page_dir {
        if !dir.is_dir() {
            return Err(Failure::about(
                dir,
                "no such directory (the fleet page, and with --with-reports the nodes' \
                 reports, go there)",
            ));
        }
    }
    let report_dir = page_dir.filter(|_| request.with_reports);
    let (mut snapshots, mut problems) = (Vec::new(), Vec::new());
    for found in discover(request.snapshots) {
        match found {
            Found::Snapshot(path) => snapshots.push(path),
            Found::Problem { path, message } => problems.push((path, message)),
        }
    }
    // Nothing to show: one line, no page.
    if snapshots.is_empty() {
        if let [(path, message)] = problems.as_slice() {
            if message.starts_with("cannot read") {
                return Err(Failure::about(path, message));
            }
        }
        let given: Vec<String> = request
            .snapshots
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        return Err(Failure {
            file: None,
            message: format!(
                "no snapshots in {} (looked for .tar.gz, .tgz, .tar and extracted snapshot \
                 directories)",
                given.join(", ")
            ),
        });
    }
    // Checked before any work: the page must not replace or land inside a snapshot.
    for input in &snapshots {
        output::check(input, &destination).map_err(|refusal| Failure {
            file: None,
            message: refusal.to_string(),
        })?;
    }
    let inputs = input_files(&snapshots);
    let mut fleet = Fleet::new();
    let mut outcome = Outcome::default();
    for (path, reason) in &problems {
        eprintln!("{}", error_line(Some(&path.display().to_string()), reason));
        fleet.add_bad(&path.display().to_string(), reason);
        outcome.bad_inputs += 1;
    }
    let mut progress = Progress::new(snapshots.len());
    for path in &snapshots {
        let source = path.display().to_string();
        progress.show(&source);
        let snapshot = match snapshot::load(path) {
            Ok(snapshot) => snapshot,
            Err(error) => {
                let message = error.to_string();
                progress.clear();
                eprintln!("{}", error_line(Some(&source), &message));
                let reason = message
                    .strip_prefix(&source)
                    .and_then(|rest| rest.strip_prefix(": "))
                    .unwrap_or(&message);
                fleet.add_bad(&source, reason);
                outcome.bad_inputs += 1;
                continue;
            }
        };
        let id = SnapshotId::of(&snapshot);
        if fleet.add_duplicate(&source, &id).is_some() {
            continue;
        }
        let model = analyzer::analyze_owned(snapshot);
        if let Some(level) = request.fail_on {
            outcome.findings_at_fail_level |= model.findings.iter().any(|f| f.severity <= level);
        }
        let at = fleet.add_node(&source, id.clone(), &model);
        if let Some(dir) = &report_dir {
            let name = fleet::report_file_name(model.node.hostname.as_deref(), &id);
            match write_report(&dir.join(&name), &model, &inputs) {
                Ok(()) => fleet.set_report(at, name),
                Err(failure) => {
                    progress.clear();
                    eprintln!("{}", error_line(failure.file.as_deref(), &failure.message));
                    outcome.failed_reports += 1;
                }
            }
        }
        // Dropped before the next snapshot is loaded: one model at a time.
        drop(model);
    }
    progress.clear();
    let write = |out: &mut dyn Write| fleet::write_html(&fleet, out);
    match &destination {
        Destination::Stdout => stream_to_stdout(write).map_err(|e| {
            Failure::about(Path::new("-"), format!("cannot write the fleet page: {e}"))
        })?,
        Destination::File(target) => {
            output::write_file(target, write).map_err(|e| write_failure(target, e))?;
            let reports = fleet.nodes().filter(|(_, n)| n.report.is_some()).count();
            let duplicates = fleet.entries.len() - fleet.nodes().count() - fleet.bad_count();
            eprintln!(
                "analyzer: wrote {}: {} read, {} not read{}{}",
                sanitize(&target.display().to_string()),
                plural(fleet.nodes().count(), "node"),
                plural(outcome.bad_inputs, "input"),
                if duplicates > 0 {
                    format!(", {} shown once", plural(duplicates, "repeated snapshot"))
                } else {
                    String::new()
                },
                if report_dir.is_some() {
                    format!(", {} beside it", plural(reports, "report"))
                } else {
                    String::new()
                }
            );
        }
    }
    Ok(outcome)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The regular files among the inputs, by device and inode: no report may replace one.
fn input_files(snapshots: &[PathBuf]) -> HashSet<(u64, u64)> {
    snapshots
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .filter(|m| m.is_file())
        .map(|m| (m.dev(), m.ino()))
        .collect()
}

fn write_report(
    target: &Path,
    model: &analyzer::model::Model,
    inputs: &HashSet<(u64, u64)>,
) -> Result<(), Failure> {
    if let Ok(existing) = std::fs::metadata(target) {
        if inputs.contains(&(existing.dev(), existing.ino())) {
            return Err(Failure::about(
                target,
                "refusing to write the node's report: it is one of the snapshots being read",
            ));
        }
    }
    output::write_file(target, |out| analyzer::report::write_html(model, out)).map_err(
        |e| match e {
            output::WriteError::Write(e) => {
                Failure::about(target, format!("cannot write the node's report: {e}"))
            }
            other => write_failure(target, other),
        },
    )
}

/// `[12/500] path` on one line of stderr, rewritten in place, when stderr is a terminal.
struct Progress {
    total: usize,
    done: usize,
    shown: bool,
    enabled: bool,
}

impl Progress {
    fn new(total: usize) -> Progress {
        Progress {
            total,
            done: 0,
            shown: false,
            enabled: std::io::stderr().is_terminal() && total > 1,
        }
    }

    fn show(&mut self, source: &str) {
        self.done += 1;
        if !self.enabled {
            return;
        }
        // The file's name only, so that the line stays one line on the terminal.
        let name = Path::new(source)
            .file_name()
            .map(|n| n.to_string_lossy().chars().take(60).collect::<String>())
            .unwrap_or_default();
        let mut stderr = std::io::stderr().lock();
        let _ = write!(
            stderr,
            "\r\x1b[Kanalyzer: fleet [{}/{}] {}",
            self.done,
            self.total,
            sanitize(&name)
        );
        let _ = stderr.flush();
        self.shown = true;
    }

    fn clear(&mut self) {
        if self.shown {
            eprint!("\r\x1b[K");
            self.shown = false;
        }
    }
}
