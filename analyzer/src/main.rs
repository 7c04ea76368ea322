//! The `analyzer` command line: turns arguments into a validated request, runs it, and turns
//! any error into one line and an exit code (0 success, 1 findings at `--fail-on` level,
//! 2 bad input or usage).

// glibc's allocator kept about twice the live heap resident on big snapshots (measured at
// 10,000 processes: 127 MB live, 238 MB resident) and spent a fifth of the run in malloc/free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use analyzer::model::{Model, NsType, Severity};
use analyzer::views::export::{self, Format};
use analyzer::views::text::{sanitize, Palette, Width};
use analyzer::views::{cgls, inspect, lsns, pods, ps, resolve, summary};
use clap::{Parser, Subcommand, ValueEnum};
use std::ffi::OsStr;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod diff_command;
mod export_cmd;
mod fleet_cmd;
mod output;
use output::{Destination, WriteError};

/// Reads a nodesnap snapshot offline and shows how pods, containers, cgroups and namespaces
/// fit together on the node it came from.
#[derive(Debug, Parser)]
#[command(name = "analyzer", version, propagate_version = true)]
struct Cli {
    /// Exit with status 1 when the snapshot has findings at this severity or worse.
    #[arg(long, global = true, value_enum, value_name = "SEVERITY")]
    fail_on: Option<SeverityArg>,

    /// Do not cut long lines to the terminal's width (output to a pipe or file is never cut).
    #[arg(short, long, global = true)]
    wide: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The node at a glance: runtimes, pods by QoS class, containers, processes, findings, gaps.
    Summary {
        /// The snapshot: a .tar.gz, a .tar, or the directory it was extracted to.
        snapshot: PathBuf,
    },
    /// One row per pod, like `crictl pods`, with QoS, sandbox, net namespace and sharing.
    Pods {
        /// The snapshot: a .tar.gz, a .tar, or the directory it was extracted to.
        snapshot: PathBuf,
    },
    /// Processes like `ps -A -o stat,pid,ppid,user,cmd`, with container and pod columns.
    Ps {
        /// The snapshot: a .tar.gz, a .tar, or the directory it was extracted to.
        snapshot: PathBuf,
        /// Only this pod's processes: uid (or a unique prefix), name or namespace/name.
        #[arg(long, value_name = "UID|NAME")]
        pod: Option<String>,
        /// Only this container's processes: id (or a unique prefix) or name.
        #[arg(long, value_name = "ID")]
        container: Option<String>,
        /// Draw the tree from the runtime daemon through the shims to the containers.
        #[arg(long)]
        tree: bool,
        /// With --tree: the whole node from pid 1, not only the runtimes' part.
        #[arg(long, requires = "tree")]
        all: bool,
    },
    /// The cgroup tree like systemd-cgls, pods and containers labelled.
    Cgls {
        /// The snapshot: a .tar.gz, a .tar, or the directory it was extracted to.
        snapshot: PathBuf,
        /// Show only the tree below this cgroup, such as /kubepods/burstable.
        #[arg(default_value = "/")]
        path: String,
        /// Also show cgroups without processes.
        #[arg(long)]
        all: bool,
        /// Also show kernel threads.
        #[arg(short = 'k', long)]
        kernel_threads: bool,
    },
    /// Namespaces like lsns, with the host, pod or container that holds each.
    Lsns {
        /// The snapshot: a .tar.gz, a .tar, or the directory it was extracted to.
        snapshot: PathBuf,
        /// Only namespaces of this type (cgroup, ipc, mnt, net, pid, time, user, uts, ...).
        #[arg(long = "type", value_name = "TYPE", value_parser = parse_ns_type)]
        kind: Option<NsType>,
    },
    /// Everything known about one pod, container or process.
    Inspect {
        /// The snapshot: a .tar.gz, a .tar, or the directory it was extracted to.
        snapshot: PathBuf,
        /// A pid, a container id (unique prefix) or name, or a pod uid (prefix), name or
        /// namespace/name; prefix with pid:, container: or pod: to say which is meant.
        target: String,
    },
    /// The whole model as JSON or YAML (documented in docs/MODEL.md).
    Model {
        /// The snapshot: a .tar.gz, a .tar, or the directory it was extracted to.
        snapshot: PathBuf,
        #[arg(long, value_enum, default_value = "json")]
        format: FormatArg,
        /// Write it to FILE (whole or not at all) instead of standard output; `-` for standard
        /// output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// What changed between two snapshots of one node: pods, containers (restarts), processes,
    /// counters over the interval with their rates, limits, node facts and findings.
    Diff(diff_command::DiffArgs),
    /// Many snapshots as tables for DuckDB, Spark, ClickHouse or BigQuery (NDJSON or Parquet).
    #[command(after_help = export_cmd::AFTER_HELP)]
    Export(export_cmd::ExportArgs),
    /// One self-contained HTML page over many snapshots: nodes, findings by rule, outliers.
    #[command(after_help = fleet_cmd::HELP)]
    Fleet {
        /// Snapshots, and directories that hold snapshots.
        #[arg(required = true, value_name = "SNAPSHOT|DIR")]
        snapshots: Vec<PathBuf>,
        /// Where to write the page; `-` for standard output. Default: fleet.html in the current
        /// directory.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also write each node's own report beside the page (named after its host and
        /// snapshot id) and link it from the page.
        #[arg(long)]
        with_reports: bool,
    },
    /// One self-contained HTML report.
    Report {
        /// The snapshot: a .tar.gz, a .tar, or the directory it was extracted to.
        snapshot: PathBuf,
        /// Where to write it; `-` for standard output. Default: the snapshot's name with
        /// .html, in the current directory.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

impl Command {
    /// The snapshots a command reads and where its output goes. `export` (and the other
    /// commands over many snapshots) check their own inputs and output: `main` hands them over
    /// before `run`.
    fn inputs_and_destination(&self) -> (Vec<&Path>, Destination) {
        match self {
            Command::Diff(args) => (
                std::iter::once(args.old.as_path())
                    .chain(args.new.as_deref())
                    .collect(),
                args.destination(),
            ),
            Command::Export(_) | Command::Fleet { .. } => (Vec::new(), Destination::Stdout),
            Command::Summary { snapshot }
            | Command::Pods { snapshot }
            | Command::Ps { snapshot, .. }
            | Command::Cgls { snapshot, .. }
            | Command::Lsns { snapshot, .. }
            | Command::Inspect { snapshot, .. } => (vec![snapshot], Destination::Stdout),
            Command::Model {
                snapshot, output, ..
            } => match output {
                Some(path) => (vec![snapshot], Destination::from_arg(path)),
                None => (vec![snapshot], Destination::Stdout),
            },
            Command::Report { snapshot, output } => match output {
                Some(path) => (vec![snapshot], Destination::from_arg(path)),
                None => (
                    vec![snapshot],
                    Destination::File(default_report_path(snapshot)),
                ),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SeverityArg {
    Info,
    Warning,
    Critical,
}

impl SeverityArg {
    fn severity(self) -> Severity {
        match self {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Warning => Severity::Warning,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Json,
    Yaml,
}

fn parse_ns_type(text: &str) -> Result<NsType, String> {
    text.parse::<NsType>().map_err(|e| e.to_string())
}

/// An error for the one line on stderr: the file it concerns, if any, and what is wrong.
#[derive(Debug)]
struct Failure {
    file: Option<String>,
    message: String,
}

impl Failure {
    fn about(file: &Path, message: impl ToString) -> Failure {
        Failure {
            file: Some(file.display().to_string()),
            message: message.to_string(),
        }
    }
}

/// `analyzer: <file>: <what is wrong>` on one line, whatever the message holds. A message
/// that already starts with the file's name (the loader's do) does not repeat it.
fn error_line(file: Option<&str>, message: &str) -> String {
    let text = match file {
        Some(file) => {
            let rest = message
                .strip_prefix(file)
                .and_then(|r| r.strip_prefix(": "))
                .unwrap_or(message);
            format!("analyzer: {file}: {rest}")
        }
        None => format!("analyzer: {message}"),
    };
    sanitize(text.trim_end()).into_owned()
}

/// Colour only on a terminal, and never when NO_COLOR is set to anything (no-color.org).
fn colour_wanted(is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

/// `seed-node.tar.gz` -> `seed-node.html`, in the current directory.
fn default_report_path(snapshot: &Path) -> PathBuf {
    PathBuf::from(format!("{}.html", report_stem(snapshot)))
}

/// A report's file name from its snapshot's: the name without `.tar.gz`, `.tgz` or `.tar`,
/// `snapshot` where nothing usable is left (`/`, `.`, `..`).
fn report_stem(snapshot: &Path) -> String {
    let name = snapshot
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = [".tar.gz", ".tgz", ".tar"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .unwrap_or(&name);
    if stem.is_empty() || stem == "." || stem == ".." {
        "snapshot".to_string()
    } else {
        stem.to_string()
    }
}

/// The severities at or above `threshold` (critical is the most severe).
fn fails(model: &Model, threshold: Severity) -> bool {
    model.findings.iter().any(|f| f.severity <= threshold)
}

fn load(path: &Path) -> Result<Model, Failure> {
    let snapshot = analyzer::snapshot::load(path).map_err(|e| Failure::about(path, e))?;
    Ok(analyzer::analyze_owned(snapshot))
}

const OUTPUT_BUFFER: usize = 256 << 10;

/// A failed write to a file: a target refused at the rename is named by the refusal itself.
fn write_failure<E: std::fmt::Display>(target: &Path, error: WriteError<E>) -> Failure {
    match error {
        WriteError::Target(error) => Failure {
            file: None,
            message: error.to_string(),
        },
        WriteError::Write(error) => Failure::about(target, error),
    }
}

/// Runs `write` on a buffered stdout. A closed pipe (`| head`) is the reader's choice, not an
/// error: the write stops there and the run succeeds.
fn stream_to_stdout<E: From<std::io::Error>>(
    write: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), E> {
    let stdout = std::io::stdout();
    let mut out = PipeWriter {
        inner: std::io::BufWriter::with_capacity(OUTPUT_BUFFER, stdout.lock()),
        closed: false,
    };
    let result = write(&mut out).and_then(|()| out.flush().map_err(E::from));
    match result {
        Err(_) if out.closed => Ok(()),
        other => other,
    }
}

/// Remembers that the reader closed the pipe, so that the error it causes can be told apart.
struct PipeWriter<W: Write> {
    inner: W,
    closed: bool,
}

impl<W: Write> Write for PipeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write(buf).inspect_err(|e| {
            self.closed |= e.kind() == std::io::ErrorKind::BrokenPipe;
        })
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush().inspect_err(|e| {
            self.closed |= e.kind() == std::io::ErrorKind::BrokenPipe;
        })
    }
}

/// What a successful run produced: text for stdout, or nothing (the report went to a file),
/// and what `--fail-on` judges: a model's findings, or a diff's.
struct Output {
    text: Option<String>,
    judged: Judged,
}

impl Output {
    fn of_diff((diff, text): (analyzer::diff::Diff, Option<String>)) -> Output {
        Output {
            text,
            judged: Judged::Diff(Box::new(diff)),
        }
    }
}

enum Judged {
    Model(Box<Model>),
    Diff(Box<analyzer::diff::Diff>),
}

impl Judged {
    fn fails(&self, threshold: Severity) -> bool {
        match self {
            Judged::Model(model) => fails(model, threshold),
            Judged::Diff(diff) => diff_command::fails(diff, threshold),
        }
    }
}

/// How wide the views may be: as wide as the terminal (its own size, else `COLUMNS`, else 80
/// columns); never cut when `--wide` is given or the output goes to a pipe or a file, as ps
/// does, so that nothing is lost to `grep` or a ticket.
fn output_width(
    wide: bool,
    is_terminal: bool,
    terminal_columns: Option<usize>,
    columns_env: Option<&str>,
) -> Width {
    if wide || !is_terminal {
        return Width::Unlimited;
    }
    let from_env = columns_env.and_then(|c| c.trim().parse::<usize>().ok());
    // Below 40 columns nothing is readable anyway: views keep at least that.
    Width::Columns(terminal_columns.or(from_env).unwrap_or(80).max(40))
}

/// The terminal's width in columns, where stdout is one that knows it.
fn terminal_columns() -> Option<usize> {
    // SAFETY: TIOCGWINSZ fills the winsize struct we pass and touches nothing else; a failed
    // call (not a terminal) leaves it zeroed, which is read as unknown.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

/// Where the command's output goes, checked before any snapshot is loaded: a refused output
/// costs no work.
fn checked_destination(command: &Command) -> Result<Destination, Failure> {
    let (inputs, destination) = command.inputs_and_destination();
    for input in inputs {
        output::check(input, &destination).map_err(|refusal| Failure {
            file: None,
            message: refusal.to_string(),
        })?;
    }
    Ok(destination)
}

/// `main` hands the commands over many snapshots to their own modules before `run`, which
/// serves the commands of one or two snapshots.
fn runs_alone(command: &str) -> Failure {
    Failure {
        file: None,
        message: format!("{command} reads many snapshots and runs on its own"),
    }
}

fn run(cli: &Cli, palette: Palette) -> Result<Output, Failure> {
    let is_terminal = std::io::stdout().is_terminal();
    let width = output_width(
        cli.wide,
        is_terminal,
        is_terminal.then(terminal_columns).flatten(),
        std::env::var("COLUMNS").ok().as_deref(),
    );
    let destination = checked_destination(&cli.command)?;
    let (model, text) = match &cli.command {
        Command::Diff(args) => {
            return diff_command::run(args, &destination, width, palette).map(Output::of_diff)
        }
        Command::Summary { snapshot } => {
            let model = load(snapshot)?;
            let text = summary::render(&model, width, palette);
            (model, Some(text))
        }
        Command::Pods { snapshot } => {
            let model = load(snapshot)?;
            let text = pods::render(&model, width, palette);
            (model, Some(text))
        }
        Command::Ps {
            snapshot,
            pod,
            container,
            tree,
            all,
        } => {
            let model = load(snapshot)?;
            let filter = ps::Filter {
                pod: match pod {
                    Some(q) => Some(
                        resolve::pod(&model, q)
                            .map_err(|e| Failure::about(snapshot, e))?
                            .uid
                            .clone(),
                    ),
                    None => None,
                },
                container: match container {
                    Some(q) => Some(
                        resolve::container(&model, q)
                            .map_err(|e| Failure::about(snapshot, e))?
                            .id
                            .clone(),
                    ),
                    None => None,
                },
            };
            let text = if *tree {
                let scope = if *all {
                    ps::TreeScope::Node
                } else {
                    ps::TreeScope::Runtime
                };
                ps::tree(&model, &filter, scope, width, palette)
            } else {
                ps::table(&model, &filter, width, palette)
            };
            (model, Some(text))
        }
        Command::Cgls {
            snapshot,
            path,
            all,
            kernel_threads,
        } => {
            let model = load(snapshot)?;
            let options = cgls::Options {
                all: *all,
                kernel_threads: *kernel_threads,
            };
            let text = cgls::render(&model, path, options, width, palette)
                .map_err(|e| Failure::about(snapshot, e))?;
            (model, Some(text))
        }
        Command::Lsns { snapshot, kind } => {
            let model = load(snapshot)?;
            let text = lsns::render(&model, *kind, width, palette);
            (model, Some(text))
        }
        Command::Inspect { snapshot, target } => {
            let model = load(snapshot)?;
            let found = resolve::target(&model, target).map_err(|e| Failure::about(snapshot, e))?;
            let text = inspect::render(&model, found, width, palette);
            (model, Some(text))
        }
        Command::Model {
            snapshot, format, ..
        } => {
            let model = load(snapshot)?;
            let format = match format {
                FormatArg::Json => Format::Json,
                FormatArg::Yaml => Format::Yaml,
            };
            let write = |out: &mut dyn Write| export::write(&model, format, out);
            match &destination {
                Destination::Stdout => {
                    stream_to_stdout(write).map_err(|e| Failure::about(snapshot, e))?
                }
                Destination::File(target) => {
                    output::write_file(target, write).map_err(|e| write_failure(target, e))?;
                    eprintln!(
                        "analyzer: wrote {}",
                        sanitize(&target.display().to_string())
                    );
                }
            }
            (model, None)
        }
        Command::Report { snapshot, .. } => {
            let model = load(snapshot)?;
            let write = |out: &mut dyn Write| analyzer::report::write_html(&model, out);
            match &destination {
                Destination::Stdout => stream_to_stdout(write).map_err(|e| {
                    Failure::about(Path::new("-"), format!("cannot write the report: {e}"))
                })?,
                // Streamed into the file: a big node's page need not sit in memory whole.
                Destination::File(target) => {
                    output::write_file(target, write).map_err(|e| match e {
                        WriteError::Write(e) => {
                            Failure::about(target, format!("cannot write the report: {e}"))
                        }
                        other => write_failure(target, other),
                    })?;
                    eprintln!(
                        "analyzer: wrote {}",
                        sanitize(&target.display().to_string())
                    );
                }
            }
            (model, None)
        }
        Command::Export(_) => return Err(runs_alone("export")),
        Command::Fleet { .. } => return Err(runs_alone("fleet")),
    };
    Ok(Output {
        text,
        judged: Judged::Model(Box::new(model)),
    })
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                print!("{e}");
                return ExitCode::SUCCESS;
            }
            if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                eprint!("{e}");
                return ExitCode::from(2);
            }
            let rendered = e.to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            let message = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!("{} (see --help)", error_line(None, message));
            return ExitCode::from(2);
        }
    };
    if let Command::Export(args) = &cli.command {
        return export_cmd::run(args, cli.fail_on.is_some());
    }
    if let Command::Fleet {
        snapshots,
        output,
        with_reports,
    } = &cli.command
    {
        return fleet_cmd::run(&fleet_cmd::Request {
            snapshots,
            output: output.as_deref(),
            with_reports: *with_reports,
            fail_on: cli.fail_on.map(SeverityArg::severity),
        });
    }
    let stdout = std::io::stdout();
    let no_color = std::env::var_os("NO_COLOR");
    let palette = Palette {
        enabled: colour_wanted(stdout.is_terminal(), no_color.as_deref()),
    };
    match run(&cli, palette) {
        Ok(output) => {
            if let Some(text) = output.text {
                let mut lock = stdout.lock();
                // A closed pipe (`| head`) is the reader's choice, not an error.
                if let Err(e) = lock.write_all(text.as_bytes()).and_then(|()| lock.flush()) {
                    if e.kind() != std::io::ErrorKind::BrokenPipe {
                        eprintln!("{}", error_line(None, &format!("cannot write output: {e}")));
                        return ExitCode::from(2);
                    }
                }
            }
            let code = match cli.fail_on {
                Some(level) if output.judged.fails(level.severity()) => ExitCode::from(1),
                _ => ExitCode::SUCCESS,
            };
            // The process ends here: handing a big node's model back to the allocator piece by
            // piece would cost a noticeable part of the run for nothing.
            std::mem::forget(output.judged);
            code
        }
        Err(failure) => {
            eprintln!("{}", error_line(failure.file.as_deref(), &failure.message));
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn views_take_the_terminals_width_and_are_never_cut_in_a_pipe() {
        assert_eq!(
            output_width(false, true, Some(132), Some("90")),
            Width::Columns(132)
        );
        assert_eq!(
            output_width(false, true, None, Some("90")),
            Width::Columns(90)
        );
        assert_eq!(output_width(false, true, None, None), Width::Columns(80));
        assert_eq!(
            output_width(false, true, Some(12), None),
            Width::Columns(40)
        );
        assert_eq!(
            output_width(false, false, Some(132), None),
            Width::Unlimited
        );
        assert_eq!(output_width(true, true, Some(132), None), Width::Unlimited);
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn error_line_names_the_file_once_and_stays_on_one_line() {
        assert_eq!(
            error_line(Some("x.tar.gz"), "x.tar.gz: not a gzip stream"),
            "analyzer: x.tar.gz: not a gzip stream"
        );
        assert_eq!(
            error_line(Some("x.tar.gz"), "no pod matches \"web\""),
            "analyzer: x.tar.gz: no pod matches \"web\""
        );
        assert_eq!(
            error_line(Some("evil\x1b[2J.tar"), "line one\nline two"),
            "analyzer: evil\\x1b[2J.tar: line one\\x0aline two"
        );
        assert_eq!(error_line(None, "bad flag"), "analyzer: bad flag");
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(colour_wanted(true, None));
        assert!(colour_wanted(true, Some(OsStr::new(""))));
        assert!(!colour_wanted(true, Some(OsStr::new("1"))));
        assert!(!colour_wanted(false, None));
    }

    #[test]
    fn report_is_named_after_the_snapshot_in_the_current_directory() {
        let cases = [
            ("/tmp/seed-node.tar.gz", "seed-node.html"),
            ("samples/node.tgz", "node.html"),
            ("node.tar", "node.html"),
            ("extracted/seed-node", "seed-node.html"),
            ("extracted/seed-node/", "seed-node.html"),
            ("/", "snapshot.html"),
            ("..", "snapshot.html"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                default_report_path(Path::new(input)),
                PathBuf::from(expected),
                "{input}"
            );
        }
    }

    #[test]
    fn fail_on_counts_findings_at_or_above_the_threshold() {
        use analyzer::model::{Finding, Subject};
        let model_with = |severity| {
            let mut model = empty_model();
            model.findings.push(Finding {
                rule: "r".into(),
                severity,
                subject: Subject::Node,
                message: String::new(),
                explanation: String::new(),
            });
            model
        };
        let warning = model_with(Severity::Warning);
        assert!(fails(&warning, Severity::Info));
        assert!(fails(&warning, Severity::Warning));
        assert!(!fails(&warning, Severity::Critical));
        assert!(!fails(&empty_model(), Severity::Info));
    }

    fn empty_model() -> Model {
        use analyzer::model::*;
        Model {
            schema_version: SCHEMA_VERSION,
            node: Node {
                hostname: None,
                kernel: None,
                os: None,
                boot_time: None,
                boot_id: None,
                uptime_secs: None,
                cgroup_mode: CgroupMode::Unknown,
                cgroup_driver: CgroupDriver::Unknown,
                runtimes: Vec::new(),
                kubelet_pid: None,
                memory_total_bytes: None,
                memory_available_bytes: None,
                cpus: None,
                pid_max: None,
                loadavg: None,
                pressure: Pressure::default(),
                headroom: Headroom::default(),
                kubelet_cgroup_driver: None,
            },
            collection: Collection {
                source: analyzer::model::CollectionSource::Nodesnap,
                collector_version: String::new(),
                format_version: 1,
                started_at: String::new(),
                finished_at: String::new(),
                duration_ms: 0,
                cmdline: nodesnap_format::CmdlinePolicy::Redacted,
                counts: nodesnap_format::Counts::default(),
                collector_pid: None,
            },
            pods: Vec::new(),
            containers: Vec::new(),
            processes: Vec::new(),
            namespaces: Vec::new(),
            cgroups: Vec::new(),
            findings: Vec::new(),
            gaps: Vec::new(),
            window: None,
        }
    }
}
