//! `nodesnap-bench`: runs every benchmark of docs/PERFORMANCE.md in one go and writes the
//! table, or runs one of its parts (`floor`, `generate`) on its own. `bench/run.sh` builds the
//! binaries it measures and calls `nodesnap-bench run`.

use bench::browser::Browser;
use bench::floor;
use bench::generator::{self, CgroupLayout, Moment, NodeSpec};
use bench::measure::{self, Measured};
use bench::results::{mebibytes, millis, ratio, thousands, Results, Table, Target};
use clap::{Parser, Subcommand};
use flate2::read::GzDecoder;
use nodesnap_format::{Manifest, MANIFEST_PATH};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "nodesnap-bench",
    about = "Benchmarks of the nodesnap collector and analyzer"
)]
struct Cli {
    #[command(subcommand)]
    command: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Run every benchmark and write the results table.
    Run(RunArgs),
    /// Read the files the collector copies under ROOT, keep nothing, print the counts.
    Floor {
        #[arg(long, default_value = "/")]
        root: PathBuf,
    },
    /// Time how long headless Chromium takes to render one HTML file.
    Render {
        page: PathBuf,
        #[arg(long, default_value = "chromium")]
        chromium: String,
    },
    /// Internal: run one command, reap it with wait4 and write its figures to REPORT as JSON.
    #[command(hide = true)]
    MeasureChild {
        #[arg(long)]
        limit_ms: u64,
        #[arg(long)]
        report: PathBuf,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        command: Vec<std::ffi::OsString>,
    },
    /// Print the Markdown of a results JSON file again.
    Table { json: PathBuf },
    /// Write one synthetic snapshot.
    Generate {
        #[arg(long)]
        processes: u64,
        /// v2 (systemd driver) or v1 (cgroupfs driver).
        #[arg(long, default_value = "v2")]
        layout: String,
        #[arg(long)]
        out: PathBuf,
        /// Write the node five minutes later instead (restarts, replaced pods, grown
        /// counters): with the default snapshot, the input of `analyzer diff`.
        #[arg(long)]
        later: bool,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// The static collector to measure.
    #[arg(long)]
    collector: PathBuf,
    /// The analyzer to measure.
    #[arg(long)]
    analyzer: PathBuf,
    /// The scene builder (tests crate), with scene-proc beside it.
    #[arg(long)]
    scene: PathBuf,
    /// The static hello world built like the collector.
    #[arg(long)]
    hello: PathBuf,
    /// Scratch directory for tarballs, snapshots and reports (emptied first).
    #[arg(long)]
    work: PathBuf,
    /// Where latest.md and latest.json go.
    #[arg(long)]
    out: PathBuf,
    /// Live scene sizes in processes (pods of five processes each).
    #[arg(long, value_delimiter = ',', default_value = "100,1000,10000")]
    scenes: Vec<u64>,
    /// Synthetic snapshot sizes in processes.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
    snapshots: Vec<u64>,
    /// Runs of each fast command; the median by wall time is reported.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Skip sos report (it takes minutes on big scenes).
    #[arg(long)]
    no_sos: bool,
    #[arg(long, default_value = "chromium")]
    chromium: String,
    /// Parts to run (sizes, analyzer, browser, collector); the others are kept from the
    /// previous latest.json.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "sizes,analyzer,browser,collector"
    )]
    sections: Vec<String>,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Mode::Floor { root } => {
            let count = floor::read_all(&root);
            println!(
                "{{\"processes\":{},\"cgroup_dirs\":{},\"files\":{},\"links\":{},\"bytes\":{}}}",
                count.processes, count.cgroup_dirs, count.files, count.links, count.bytes
            );
            ExitCode::SUCCESS
        }
        Mode::Generate {
            processes,
            layout,
            out,
            later,
        } => {
            let Some(layout) = CgroupLayout::parse(&layout) else {
                eprintln!("nodesnap-bench: --layout must be v1 or v2, not {layout}");
                return ExitCode::from(2);
            };
            match NodeSpec::with_processes(processes, layout).and_then(|spec| {
                let moment = if later { Moment::Later } else { Moment::First };
                generator::write_snapshot_at(&spec, moment, &out)
            }) {
                Ok(generated) => {
                    println!("{}: {generated:?}", out.display());
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("nodesnap-bench: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        Mode::MeasureChild {
            limit_ms,
            report,
            command,
        } => {
            let Some((program, args)) = command.split_first() else {
                return ExitCode::from(2);
            };
            match measure::measure_child(program, args, Duration::from_millis(limit_ms), &report) {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("nodesnap-bench measure-child: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        Mode::Table { json } => {
            let parsed = std::fs::read_to_string(&json)
                .map_err(|e| e.to_string())
                .and_then(|text| serde_json::from_str::<Results>(&text).map_err(|e| e.to_string()));
            match parsed {
                Ok(results) => {
                    print!("{}", results.to_markdown());
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("nodesnap-bench: {}: {error}", json.display());
                    ExitCode::FAILURE
                }
            }
        }
        Mode::Render { page, chromium } => {
            let scratch = std::env::temp_dir();
            let page = std::fs::canonicalize(&page).unwrap_or(page);
            let result = Browser::launch(&chromium, &scratch).and_then(|mut browser| {
                let timing = browser.time_page(
                    &format!("file://{}", page.display()),
                    Duration::from_secs(120),
                );
                browser.close();
                timing
            });
            match result {
                Ok(timing) => {
                    println!("{}: {timing:?}", page.display());
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("nodesnap-bench: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        Mode::Run(args) => match run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("nodesnap-bench: {error}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Figures the targets are checked against, filled in as the sections run.
#[derive(Default, Clone, serde::Serialize, serde::Deserialize)]
struct KeyFigures {
    collector_10k: Option<Measured>,
    collector_over_floor_10k: Option<f64>,
    sos_over_collector_10k: Option<f64>,
    analyzer_100k: Option<Measured>,
    analyzer_100k_worst: Option<(String, Measured)>,
    report_2000_bytes: Option<u64>,
    report_2000_render: Option<Duration>,
    collector_bytes: Option<u64>,
    /// The slowest `analyzer diff` of the 10,000-process snapshot and its later one.
    diff_10k_worst: Option<(String, Measured)>,
}

const SECTIONS: [&str; 4] = ["sizes", "analyzer", "browser", "collector"];

impl KeyFigures {
    /// Takes the figures of `section` from an earlier run.
    fn inherit(&mut self, earlier: &KeyFigures, section: &str) {
        match section {
            "sizes" => self.collector_bytes = earlier.collector_bytes,
            "analyzer" => {
                self.analyzer_100k = earlier.analyzer_100k;
                self.analyzer_100k_worst = earlier.analyzer_100k_worst.clone();
                self.report_2000_bytes = earlier.report_2000_bytes;
                self.diff_10k_worst = earlier.diff_10k_worst.clone();
            }
            "browser" => self.report_2000_render = earlier.report_2000_render,
            "collector" => {
                self.collector_10k = earlier.collector_10k;
                self.collector_over_floor_10k = earlier.collector_over_floor_10k;
                self.sos_over_collector_10k = earlier.sos_over_collector_10k;
            }
            _ => {}
        }
    }
}

fn run(args: &RunArgs) -> Result<(), String> {
    for section in &args.sections {
        if !SECTIONS.contains(&section.as_str()) {
            return Err(format!(
                "unknown section {section}; choose from {}",
                SECTIONS.join(",")
            ));
        }
    }
    let wants = |section: &str| args.sections.iter().any(|s| s == section);
    if wants("analyzer") {
        let _ = std::fs::remove_dir_all(&args.work);
    }
    std::fs::create_dir_all(&args.work).map_err(|e| format!("{}: {e}", args.work.display()))?;
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    let mut key = KeyFigures::default();
    let mut tables = Vec::new();
    let started_at = utc_now();

    if wants("sizes") {
        tables.push(sizes(args, &mut key));
    }
    let mut report_2000 = None;
    if wants("analyzer") {
        eprintln!("== analyzer on synthetic snapshots");
        let (analyzer_table, report) = analyzer(args, &mut key);
        tables.push(analyzer_table);
        report_2000 = report;
    }
    if wants("browser") {
        eprintln!("== report in headless Chromium");
        let report = report_2000.or_else(|| {
            let path = args.work.join("synthetic-v2-10000.html");
            path.exists().then_some(path)
        });
        tables.push(browser(args, report.as_deref(), &mut key));
    }
    if wants("collector") {
        eprintln!("== collector on live scenes");
        tables.push(collector(args, &mut key));
    }

    // A partial run keeps the other sections of the previous one.
    let earlier: Option<Results> = std::fs::read_to_string(args.out.join("latest.json"))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
    if let Some(earlier) = earlier {
        let earlier_key: KeyFigures =
            serde_json::from_value(earlier.key_figures.clone()).unwrap_or_default();
        for section in SECTIONS.iter().filter(|s| !wants(s)) {
            key.inherit(&earlier_key, section);
            tables.extend(
                earlier
                    .tables
                    .iter()
                    .filter(|t| t.section == *section)
                    .cloned(),
            );
        }
    }
    tables.sort_by_key(|t| SECTIONS.iter().position(|s| *s == t.section));

    let results = Results {
        started_at,
        machine: machine(),
        targets: targets(&key),
        tables,
        key_figures: serde_json::to_value(&key).map_err(|e| e.to_string())?,
    };
    let markdown = results.to_markdown();
    println!("{markdown}");
    let json = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
    std::fs::write(args.out.join("latest.md"), &markdown).map_err(|e| e.to_string())?;
    std::fs::write(args.out.join("latest.json"), json + "\n").map_err(|e| e.to_string())?;
    eprintln!("written: {}", args.out.join("latest.md").display());
    Ok(())
}

fn targets(key: &KeyFigures) -> Vec<Target> {
    let seconds = |m: &Measured| (m.wall.as_secs_f64(), format!("{} ms", millis(m.wall)));
    let rss = |m: &Measured| {
        (
            m.peak_rss_bytes as f64,
            format!("{} MiB", mebibytes(m.peak_rss_bytes)),
        )
    };
    vec![
        Target::at_most(
            "collector, 10,000-process scene: wall",
            "< 1 s",
            key.collector_10k.as_ref().map(seconds),
            1.0,
        ),
        Target::at_most(
            "collector, 10,000-process scene: peak RSS",
            "< 50 MB",
            key.collector_10k.as_ref().map(rss),
            50e6,
        ),
        Target::at_most(
            "collector over the read-only floor (wall), 10,000 processes",
            "<= 2x",
            key.collector_over_floor_10k.map(|r| (r, ratio(r))),
            2.0,
        ),
        Target::at_least(
            "sos report over collector (wall), 10,000 processes",
            ">= 10x",
            key.sos_over_collector_10k.map(|r| (r, ratio(r))),
            10.0,
        ),
        Target::at_most(
            "analyzer, 100,000 processes: slowest command wall",
            "< 5 s",
            key.analyzer_100k_worst.as_ref().map(|(name, m)| {
                (
                    m.wall.as_secs_f64(),
                    format!("{} ms ({name})", millis(m.wall)),
                )
            }),
            5.0,
        ),
        Target::at_most(
            "analyzer diff of two 10,000-process snapshots: slowest wall",
            "< 1 s",
            key.diff_10k_worst.as_ref().map(|(name, m)| {
                (
                    m.wall.as_secs_f64(),
                    format!("{} ms ({name})", millis(m.wall)),
                )
            }),
            1.0,
        ),
        Target::at_most(
            "analyzer, 100,000 processes: largest peak RSS",
            "< 1 GB",
            key.analyzer_100k.as_ref().map(rss),
            1e9,
        ),
        Target::at_most(
            "report for 2,000 pods: size",
            "< 20 MB",
            key.report_2000_bytes
                .map(|b| (b as f64, format!("{} MiB", mebibytes(b)))),
            20e6,
        ),
        Target::at_most(
            "report for 2,000 pods: rendered in Chromium",
            "< 3 s",
            key.report_2000_render
                .map(|d| (d.as_secs_f64(), format!("{} ms", millis(d)))),
            3.0,
        ),
        Target::at_most(
            "static collector binary",
            "<= 1.6 MB",
            key.collector_bytes
                .map(|b| (b as f64, format!("{} bytes", thousands(b)))),
            1.6e6,
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Binary sizes

fn sizes(args: &RunArgs, key: &mut KeyFigures) -> Table {
    let mut table = Table::new(
        "sizes",
        &utc_now(),
        "Static binaries",
        &["binary", "bytes", "MiB"],
    );
    for (name, path) in [
        ("collector (static, release profile)", &args.collector),
        ("hello world (static, same profile)", &args.hello),
    ] {
        match std::fs::metadata(path) {
            Ok(meta) => {
                if name.starts_with("collector") {
                    key.collector_bytes = Some(meta.len());
                }
                table.row(vec![
                    name.to_string(),
                    thousands(meta.len()),
                    mebibytes(meta.len()),
                ]);
            }
            Err(e) => table.row(vec![
                name.to_string(),
                format!("not built: {e}"),
                "-".into(),
            ]),
        }
    }
    table.note("Both built with RUSTFLAGS=\"-C target-feature=+crt-static -C relocation-model=static\" --target x86_64-unknown-linux-gnu and the workspace's release profile (opt-level z with the compressor at 3, lto, 1 codegen unit, panic abort, strip).");
    table
}

// ---------------------------------------------------------------------------------------------
// Analyzer on synthetic snapshots

/// The analyzer commands measured on each snapshot: a label and the arguments after the binary.
fn analyzer_commands(
    snapshot: &Path,
    later: Option<&Path>,
    report: &Path,
    pod_uid: &str,
) -> Vec<(&'static str, Vec<String>)> {
    let snap = snapshot.display().to_string();
    let mut diffs: Vec<(&'static str, Vec<String>)> = Vec::new();
    if let Some(later) = later {
        let diff = |extra: &[String]| {
            let mut args = vec![
                "diff".to_string(),
                snap.clone(),
                later.display().to_string(),
            ];
            args.extend_from_slice(extra);
            args
        };
        let diff_report = report.with_extension("diff.html").display().to_string();
        diffs = vec![
            (DIFF_TEXT, diff(&[])),
            (DIFF_JSON, diff(&["--format".into(), "json".into()])),
            (
                DIFF_REPORT,
                diff(&["--report".into(), "-o".into(), diff_report]),
            ),
        ];
    }
    vec![
        ("summary (load+model)", vec!["summary".into(), snap.clone()]),
        ("pods", vec!["pods".into(), snap.clone()]),
        ("ps", vec!["ps".into(), snap.clone()]),
        (
            "ps --tree",
            vec!["ps".into(), snap.clone(), "--tree".into()],
        ),
        ("cgls", vec!["cgls".into(), snap.clone()]),
        ("lsns", vec!["lsns".into(), snap.clone()]),
        (
            "inspect <pod>",
            vec!["inspect".into(), snap.clone(), pod_uid.to_string()],
        ),
        (
            "model --format json",
            vec![
                "model".into(),
                snap.clone(),
                "--format".into(),
                "json".into(),
            ],
        ),
        (
            "report",
            vec![
                "report".into(),
                snap,
                "-o".into(),
                report.display().to_string(),
            ],
        ),
    ]
    .into_iter()
    .chain(diffs)
    .collect()
}

const DIFF_TEXT: &str = "diff OLD NEW";
const DIFF_JSON: &str = "diff --format json";
const DIFF_REPORT: &str = "diff --report";

fn analyzer(args: &RunArgs, key: &mut KeyFigures) -> (Table, Option<PathBuf>) {
    let mut table = Table::new(
        "analyzer",
        &utc_now(),
        "Analyzer on synthetic snapshots (cgroup v2, systemd driver, 5 processes per pod)",
        &[
            "processes",
            "pods",
            "tar entries",
            "tar MiB (inflated)",
            "tar.gz MiB",
            "command",
            "wall ms",
            "peak RSS MiB",
            "growth 10k->100k (wall, RSS)",
            "result",
        ],
    );
    table.note("Snapshots written by `nodesnap-bench generate` (bench/src/generator.rs): 8 host processes plus N/5 pods of a containerd shim, a pause and three container processes in two containers; one cgroup per pod and per container with the control files the collector copies.");
    table.note("`diff` rows compare each snapshot with the same node five minutes later (`generate --later`: the app container of every tenth pod restarted, every fiftieth pod replaced, the pods in trouble with more throttling and one more OOM kill); the command loads both snapshots, on two threads.");
    table.note("Each command run with stdout to /dev/null (the report to a file); wall from spawn to exit, peak RSS is ru_maxrss from wait4; the median of the runs by wall time.");
    let mut report_2000 = None;
    let mut by_scale: BTreeMap<u64, BTreeMap<&'static str, Measured>> = BTreeMap::new();
    for &processes in &args.snapshots {
        let spec = match NodeSpec::with_processes(processes, CgroupLayout::V2Systemd) {
            Ok(spec) => spec,
            Err(e) => {
                table.note(format!("{processes} processes: not generated: {e}"));
                continue;
            }
        };
        let path = args.work.join(format!("synthetic-v2-{processes}.tar.gz"));
        let started = Instant::now();
        let generated = match generator::write_snapshot(&spec, &path) {
            Ok(generated) => generated,
            Err(e) => {
                table.note(format!("{processes} processes: not generated: {e}"));
                continue;
            }
        };
        eprintln!(
            "generated {} in {:.1}s: {generated:?}",
            path.display(),
            started.elapsed().as_secs_f64()
        );
        // The same node five minutes later, for `analyzer diff`.
        let later = args
            .work
            .join(format!("synthetic-v2-{processes}-later.tar.gz"));
        let later = match generator::write_snapshot_at(&spec, Moment::Later, &later) {
            Ok(_) => Some(later),
            Err(e) => {
                table.note(format!("{processes} processes: no later snapshot: {e}"));
                None
            }
        };
        let report = args.work.join(format!("synthetic-v2-{processes}.html"));
        let pod_uid = first_pod_uid(&path).unwrap_or_default();
        let repeat = if processes >= 100_000 { 1 } else { args.repeat };
        for (label, command_args) in analyzer_commands(&path, later.as_deref(), &report, &pod_uid) {
            let mut runs = Vec::new();
            let mut failure = None;
            for _ in 0..repeat {
                let mut command = Command::new(&args.analyzer);
                command
                    .args(&command_args)
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped());
                match measure_with_stderr(&mut command, Duration::from_secs(300)) {
                    Ok((measured, _)) if measured.succeeded() => runs.push(measured),
                    Ok((measured, stderr)) => {
                        failure = Some(format!(
                            "exit {}{}: {}",
                            measured.exit_code,
                            if measured.timed_out {
                                " (timed out)"
                            } else {
                                ""
                            },
                            first_line(&stderr)
                        ));
                        break;
                    }
                    Err(e) => {
                        failure = Some(e.to_string());
                        break;
                    }
                }
            }
            let cells_head = vec![
                thousands(generated.processes),
                thousands(generated.pods),
                thousands(generated.entries),
                mebibytes(generated.tar_bytes),
                mebibytes(generated.compressed_bytes),
                label.to_string(),
            ];
            match (failure, measure::median_of(&mut runs)) {
                (None, Some(median)) => {
                    by_scale.entry(processes).or_default().insert(label, median);
                    let mut cells = cells_head;
                    cells.extend([
                        millis(median.wall),
                        mebibytes(median.peak_rss_bytes),
                        String::new(),
                        "ok".into(),
                    ]);
                    table.row(cells);
                }
                (failure, _) => {
                    let mut cells = cells_head;
                    cells.extend([
                        "-".into(),
                        "-".into(),
                        String::new(),
                        failure.unwrap_or_else(|| "no run".into()),
                    ]);
                    table.row(cells);
                }
            }
            eprintln!("  {processes} {label}: done");
        }
        if spec.pods == 2000 && report.exists() {
            report_2000 = Some(report.clone());
        }
        if processes >= 100_000 {
            let _ = std::fs::remove_file(&path);
            if let Some(later) = &later {
                let _ = std::fs::remove_file(later);
            }
        }
    }
    // Growth factors from 10,000 to 100,000, placed on the 100,000 rows.
    if let (Some(small), Some(big)) = (by_scale.get(&10_000), by_scale.get(&100_000)) {
        for row in table
            .rows
            .iter_mut()
            .filter(|row| row[0] == thousands(100_000 + 8))
        {
            let label = row[5].clone();
            let small = small.iter().find(|(l, _)| **l == label).map(|(_, m)| *m);
            let big = big.iter().find(|(l, _)| **l == label).map(|(_, m)| *m);
            if let (Some(small), Some(big)) = (small, big) {
                row[8] = format!(
                    "{}, {}",
                    ratio(big.wall.as_secs_f64() / small.wall.as_secs_f64().max(1e-6)),
                    ratio(big.peak_rss_bytes as f64 / (small.peak_rss_bytes as f64).max(1.0))
                );
            }
        }
    }
    if let Some(big) = by_scale.get(&100_000) {
        // One snapshot's commands: `diff` reads two and has its own target at 10,000.
        let single = || big.iter().filter(|(label, _)| !label.starts_with("diff"));
        key.analyzer_100k = single()
            .map(|(_, m)| m)
            .max_by_key(|m| m.peak_rss_bytes)
            .copied();
        key.analyzer_100k_worst = single()
            .max_by_key(|(_, m)| m.wall)
            .map(|(l, m)| (l.to_string(), *m));
    }
    if let Some(ten) = by_scale.get(&10_000) {
        key.diff_10k_worst = ten
            .iter()
            .filter(|(label, _)| label.starts_with("diff"))
            .max_by_key(|(_, m)| m.wall)
            .map(|(l, m)| (l.to_string(), *m));
    }
    if let Some(report) = &report_2000 {
        key.report_2000_bytes = std::fs::metadata(report).ok().map(|m| m.len());
    }
    (table, report_2000)
}

/// The uid of the synthetic node's first pod, for `inspect`; read from the runtime metadata
/// so that the bench does not depend on the generator's private helpers.
fn first_pod_uid(snapshot: &Path) -> Option<String> {
    let bytes = read_tar_member(snapshot, nodesnap_format::METADATA_PATH)?;
    let metadata: nodesnap_format::RuntimeMetadata = serde_json::from_slice(&bytes).ok()?;
    metadata.containers.iter().find_map(|record| {
        record
            .annotations
            .get("io.kubernetes.cri.sandbox-uid")
            .cloned()
    })
}

fn read_tar_member(tarball: &Path, member: &str) -> Option<Vec<u8>> {
    let file = std::fs::File::open(tarball).ok()?;
    let mut archive = tar::Archive::new(GzDecoder::new(std::io::BufReader::new(file)));
    for entry in archive.entries().ok()? {
        let mut entry = entry.ok()?;
        let path = entry.path().ok()?.to_string_lossy().into_owned();
        if path.split_once('/').map(|(_, rest)| rest) == Some(member) {
            let mut data = Vec::new();
            entry.read_to_end(&mut data).ok()?;
            return Some(data);
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// The report in headless Chromium

fn browser(args: &RunArgs, report: Option<&Path>, key: &mut KeyFigures) -> Table {
    let mut table = Table::new(
        "browser",
        &utc_now(),
        "HTML report for 2,000 pods in headless Chromium",
        &[
            "page",
            "bytes",
            "navigate->load ms",
            "navigate->rendered ms",
            "first contentful paint ms",
        ],
    );
    table.note("Method (bench/src/browser.rs): Chromium started headless with a fresh profile and --remote-debugging-pipe; a blank tab is opened first so start-up is excluded. The clock starts when Page.navigate is sent to the file:// URL and stops after Page.loadEventFired and one more animation frame (requestAnimationFrame then a task, awaited with Runtime.evaluate). First contentful paint is the page's own performance entry. Median of the runs; an empty page is measured the same way as a baseline.");
    let Some(report) = report else {
        table.note("Not run: no report for 2,000 pods was produced (see the analyzer table).");
        return table;
    };
    let empty = args.work.join("empty.html");
    if let Err(e) = std::fs::write(&empty, "<!doctype html><title>empty</title><p>empty</p>\n") {
        table.note(format!("Not run: {e}"));
        return table;
    }
    let mut browser = match Browser::launch(&args.chromium, &args.work) {
        Ok(browser) => browser,
        Err(e) => {
            table.note(format!("Not run: {e}"));
            return table;
        }
    };
    for (label, page) in [
        ("empty page", empty.as_path()),
        ("report, 2,000 pods", report),
    ] {
        let url = format!("file://{}", page.display());
        let mut timings = Vec::new();
        let mut failure = None;
        for _ in 0..args.repeat.max(1) {
            // A blank page between runs so that each navigation starts from the same state.
            let _ = browser.time_page("about:blank", Duration::from_secs(30));
            match browser.time_page(&url, Duration::from_secs(120)) {
                Ok(timing) => timings.push(timing),
                Err(e) => {
                    failure = Some(e.to_string());
                    break;
                }
            }
        }
        timings.sort_by_key(|t| t.navigate_to_rendered);
        let bytes = std::fs::metadata(page).map(|m| m.len()).unwrap_or(0);
        match (failure, timings.get(timings.len() / 2)) {
            (None, Some(timing)) => {
                if page == report {
                    key.report_2000_render = Some(timing.navigate_to_rendered);
                }
                table.row(vec![
                    label.to_string(),
                    thousands(bytes),
                    millis(timing.navigate_to_load),
                    millis(timing.navigate_to_rendered),
                    timing.first_contentful_paint.map_or("-".into(), millis),
                ]);
            }
            (failure, _) => table.row(vec![
                label.to_string(),
                thousands(bytes),
                "-".into(),
                "-".into(),
                failure.unwrap_or_else(|| "no run".into()),
            ]),
        }
    }
    browser.close();
    table
}

// ---------------------------------------------------------------------------------------------
// The collector on the live machine and on live scenes

struct LiveRow {
    label: String,
    processes: u64,
}

fn collector(args: &RunArgs, key: &mut KeyFigures) -> Table {
    let mut table = Table::new(
        "collector",
        &utc_now(),
        "Collector on the live machine and on live scenes, beside the shell equivalent, sos and the read-only floor",
        &[
            "node",
            "processes",
            "tool",
            "wall ms",
            "CPU ms (user+sys)",
            "peak RSS MiB",
            "tar.gz KiB",
            "files/s",
            "CPU ms per 1,000 procs",
            "ratio",
        ],
    );
    table.note("Collector run as `collector --no-nice --quiet -o FILE` (--no-nice so that it competes on equal terms with the shell and the floor; by default it runs at nice 19 and idle IO priority). Wall from spawn to exit; CPU and peak RSS from wait4's rusage of the child (for bash, its whole pipeline). Median of the runs by wall time.");
    table.note("Shell: `bash -c 'ps -eo stat,pid,ppid,user,cmd; cat /proc/[0-9]*/cgroup; ls -l /proc/[0-9]*/ns; find /sys/fs/cgroup' >/dev/null 2>&1`. Floor: `nodesnap-bench floor` opens and reads the per-process files, the namespace links and the cgroup control files the collector copies, on one thread, keeping nothing (bench/src/floor.rs). files/s counts the files the tool wrote into its tarball (collector) or opened (floor, links included).");
    table.note("Ratios: shell and floor as collector/tool; sos as sos/collector.");
    let floor_bin = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("nodesnap-bench"));
    let sos = sos_available();
    if let Err(reason) = &sos {
        table.note(format!("sos report not run: {reason}"));
    }
    let mut resolution = Command::new("true");
    if let Ok((m, _)) = measure_with_stderr(&mut resolution, Duration::from_secs(10)) {
        table.note(format!(
            "Peak RSS resolution: `true` measured the same way reports {} MiB (the launcher's own footprint; see bench/src/measure.rs).",
            mebibytes(m.peak_rss_bytes)
        ));
    }
    let mut scenes: Vec<Option<u64>> = vec![None];
    scenes.extend(args.scenes.iter().map(|&n| Some(n)));
    for scene_size in scenes {
        let mut scene = None;
        if let Some(size) = scene_size {
            eprintln!("building a scene of {size} processes");
            match LiveScene::up(&args.scene, size, &args.work) {
                Ok(up) => scene = Some(up),
                Err(reason) => {
                    table.row(vec![
                        format!("scene {} procs", thousands(size)),
                        "-".into(),
                        "all".into(),
                        "-".into(),
                        "-".into(),
                        "-".into(),
                        "-".into(),
                        "-".into(),
                        "-".into(),
                        format!("not run: {reason}"),
                    ]);
                    continue;
                }
            }
        }
        let row = LiveRow {
            label: match scene_size {
                None => "this machine".to_string(),
                Some(size) => format!("machine + scene of {}", thousands(size)),
            },
            processes: count_processes(),
        };
        measure_live(
            args,
            &row,
            &floor_bin,
            sos.is_ok() && !args.no_sos,
            scene_size == Some(10_000),
            &mut table,
            key,
        );
        if let Some(scene) = scene {
            if let Err(e) = scene.down(&args.scene) {
                table.note(format!("scene of {}: teardown problem: {e}", row.processes));
            }
        }
    }
    table
}

fn measure_live(
    args: &RunArgs,
    row: &LiveRow,
    floor_bin: &Path,
    run_sos: bool,
    is_10k: bool,
    table: &mut Table,
    key: &mut KeyFigures,
) {
    let tarball = args.work.join("collector-out.tar.gz");
    let mut collector_runs = Vec::new();
    let mut collector_failure = None;
    let mut files = None;
    for _ in 0..args.repeat.max(1) {
        let _ = std::fs::remove_file(&tarball);
        let mut command = Command::new(&args.collector);
        command
            .args(["--no-nice", "--quiet", "-o"])
            .arg(&tarball)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        match measure_with_stderr(&mut command, Duration::from_secs(120)) {
            Ok((measured, _)) if measured.succeeded() => collector_runs.push(measured),
            Ok((measured, stderr)) => {
                collector_failure = Some(format!(
                    "exit {}: {}",
                    measured.exit_code,
                    first_line(&stderr)
                ));
                break;
            }
            Err(e) => {
                collector_failure = Some(e.to_string());
                break;
            }
        }
    }
    let tar_bytes = std::fs::metadata(&tarball).map(|m| m.len()).ok();
    if let Some(bytes) = read_tar_member(&tarball, MANIFEST_PATH) {
        if let Ok(manifest) = serde_yaml::from_slice::<Manifest>(&bytes) {
            files = Some(manifest.counts.files);
        }
    }
    let collector = measure::median_of(&mut collector_runs).filter(|_| collector_failure.is_none());
    let per_thousand = |m: &Measured| {
        format!(
            "{:.1}",
            m.cpu().as_secs_f64() * 1000.0 / (row.processes as f64 / 1000.0)
        )
    };
    let files_per_second = |files: Option<u64>, m: &Measured| {
        files.map_or("-".into(), |f| {
            thousands((f as f64 / m.wall.as_secs_f64().max(1e-6)) as u64)
        })
    };
    let mut cells = |tool: &str,
                     m: Option<&Measured>,
                     tar: Option<u64>,
                     files: Option<u64>,
                     ratio_text: String,
                     failure: Option<&str>| {
        let mut cells = vec![
            row.label.clone(),
            thousands(row.processes),
            tool.to_string(),
        ];
        match m {
            Some(m) => cells.extend([
                millis(m.wall),
                millis(m.cpu()),
                mebibytes(m.peak_rss_bytes),
                tar.map_or("-".into(), |b| thousands(b / 1024)),
                files_per_second(files, m),
                per_thousand(m),
                ratio_text,
            ]),
            None => {
                cells.extend(["-", "-", "-", "-", "-", "-"].map(String::from));
                cells.push(format!("not run: {}", failure.unwrap_or("no run")));
            }
        }
        table.row(cells);
    };
    cells(
        "collector",
        collector.as_ref(),
        tar_bytes,
        files,
        String::new(),
        collector_failure.as_deref(),
    );
    if is_10k {
        key.collector_10k = collector;
    }

    // The shell equivalent.
    let mut shell_runs = Vec::new();
    for _ in 0..args.repeat.max(1) {
        let mut command = Command::new("bash");
        command
            .args(["-c", "{ ps -eo stat,pid,ppid,user,cmd; cat /proc/[0-9]*/cgroup; ls -l /proc/[0-9]*/ns; find /sys/fs/cgroup; } >/dev/null 2>&1; true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Ok((measured, _)) = measure_with_stderr(&mut command, Duration::from_secs(300)) {
            shell_runs.push(measured);
        }
    }
    let shell = measure::median_of(&mut shell_runs);
    let shell_ratio = match (&collector, &shell) {
        (Some(c), Some(s)) => format!(
            "collector/shell {}",
            ratio(c.wall.as_secs_f64() / s.wall.as_secs_f64())
        ),
        _ => String::new(),
    };
    cells(
        "shell equivalent",
        shell.as_ref(),
        None,
        None,
        shell_ratio,
        Some("bash failed"),
    );

    // The floor.
    let mut floor_runs = Vec::new();
    let mut floor_files = None;
    for _ in 0..args.repeat.max(1) {
        let mut command = Command::new(floor_bin);
        command
            .args(["floor", "--root", "/"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Ok((measured, stdout)) = measure_with_stdout(&mut command, Duration::from_secs(300))
        {
            if let Ok(counts) = serde_json::from_str::<serde_json::Value>(&stdout) {
                floor_files = Some(
                    counts["files"].as_u64().unwrap_or(0) + counts["links"].as_u64().unwrap_or(0),
                );
            }
            floor_runs.push(measured);
        }
    }
    let floor = measure::median_of(&mut floor_runs);
    let floor_ratio = match (&collector, &floor) {
        (Some(c), Some(f)) => {
            let value = c.wall.as_secs_f64() / f.wall.as_secs_f64();
            if is_10k {
                key.collector_over_floor_10k = Some(value);
            }
            format!("collector/floor {}", ratio(value))
        }
        _ => String::new(),
    };
    cells(
        "floor (read only)",
        floor.as_ref(),
        None,
        floor_files,
        floor_ratio,
        Some("floor failed"),
    );

    // sos report, once: it takes minutes.
    if run_sos {
        let tmp = args.work.join("sos");
        let _ = std::fs::remove_dir_all(&tmp);
        let _ = std::fs::create_dir_all(&tmp);
        let mut command = Command::new("sos");
        command
            .args(["report", "--batch", "-o", "cgroups,process", "--tmp-dir"])
            .arg(&tmp)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let measured = measure_with_stderr(&mut command, Duration::from_secs(600));
        let sos_tar = std::fs::read_dir(&tmp).ok().and_then(|entries| {
            entries
                .flatten()
                .filter(|e| {
                    e.file_name().to_string_lossy().starts_with("sosreport")
                        && !e.file_name().to_string_lossy().ends_with(".sha256")
                })
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .max()
        });
        let _ = std::fs::remove_dir_all(&tmp);
        match measured {
            Ok((m, _)) if m.succeeded() => {
                let text = match &collector {
                    Some(c) => {
                        let value = m.wall.as_secs_f64() / c.wall.as_secs_f64();
                        if is_10k {
                            key.sos_over_collector_10k = Some(value);
                        }
                        format!("sos/collector {}", ratio(value))
                    }
                    None => String::new(),
                };
                cells(
                    "sos report -o cgroups,process",
                    Some(&m),
                    sos_tar,
                    None,
                    text,
                    None,
                );
            }
            Ok((m, _)) if m.timed_out => {
                // Still a figure: sos took at least this long, so the ratio is a lower bound.
                let text = match &collector {
                    Some(c) => {
                        let value = m.wall.as_secs_f64() / c.wall.as_secs_f64();
                        if is_10k {
                            key.sos_over_collector_10k = Some(value);
                        }
                        format!("sos/collector > {} (sos killed at the limit)", ratio(value))
                    }
                    None => String::new(),
                };
                cells(
                    "sos report (killed at the limit)",
                    Some(&m),
                    None,
                    None,
                    text,
                    None,
                );
            }
            Ok((m, stderr)) => {
                let reason = format!("exit {}: {}", m.exit_code, first_line(&stderr));
                cells(
                    "sos report -o cgroups,process",
                    None,
                    None,
                    None,
                    String::new(),
                    Some(&reason),
                );
            }
            Err(e) => cells(
                "sos report -o cgroups,process",
                None,
                None,
                None,
                String::new(),
                Some(&e.to_string()),
            ),
        }
    }
}

fn sos_available() -> Result<(), String> {
    match Command::new("sos")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("`sos --help` exited with {status}")),
        Err(e) => Err(format!(
            "sos is not installed ({e}); `apt-get install -y sosreport`"
        )),
    }
}

fn count_processes() -> u64 {
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| {
                    e.file_name()
                        .to_str()
                        .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
                })
                .count() as u64
        })
        .unwrap_or(0)
}

/// A `scene up` running in the background until it is told to go.
struct LiveScene {
    child: Child,
    state: PathBuf,
}

impl LiveScene {
    fn up(scene: &Path, processes: u64, work: &Path) -> Result<LiveScene, String> {
        if !scene.exists() {
            return Err(format!(
                "the scene CLI {} is not built (tests crate, issue 5)",
                scene.display()
            ));
        }
        let pods = (processes / 5).max(1);
        let state = work.join(format!("scene-{processes}.json"));
        let mut child = Command::new(scene)
            .args([
                "up",
                "--pods",
                &pods.to_string(),
                "--procs-per-pod",
                "5",
                "--state",
            ])
            .arg(&state)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", scene.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout from scene")?;
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(900);
        loop {
            match lines.recv_timeout(Duration::from_millis(200)) {
                Ok(line) if line.starts_with("ready:") => {
                    eprintln!("  {line}");
                    // Keep draining stdout so that the scene never blocks on a full pipe.
                    std::thread::spawn(move || while lines.recv().is_ok() {});
                    return Ok(LiveScene { child, state });
                }
                Ok(_) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                    if let Ok(Some(status)) = child.try_wait() {
                        let mut stderr = String::new();
                        if let Some(mut err) = child.stderr.take() {
                            let _ = err.read_to_string(&mut stderr);
                        }
                        return Err(format!(
                            "scene up exited with {status}: {}",
                            last_line(&stderr)
                        ));
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    // stdout closed before "ready:": scene up failed or exited.
                    let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                    let mut stderr = String::new();
                    if let Some(mut err) = child.stderr.take() {
                        let _ = err.read_to_string(&mut stderr);
                    }
                    let _ = Command::new(scene)
                        .args(["down", "--state"])
                        .arg(&state)
                        .status();
                    return Err(format!(
                        "scene up exited ({status}) before ready: {}",
                        last_line(&stderr)
                    ));
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let _ = Command::new(scene)
                        .args(["down", "--state"])
                        .arg(&state)
                        .status();
                    return Err("scene up did not become ready within 15 minutes".to_string());
                }
            }
        }
    }

    fn down(mut self, scene: &Path) -> Result<(), String> {
        // SAFETY: signalling our own child, which waits for SIGTERM to tear the scene down.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(600);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => {
                    let result = Command::new(scene)
                        .args(["down", "--state"])
                        .arg(&self.state)
                        .status();
                    return Err(format!(
                        "scene up exited with {status}; scene down: {result:?}"
                    ));
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100))
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    let result = Command::new(scene)
                        .args(["down", "--state"])
                        .arg(&self.state)
                        .status();
                    return Err(format!(
                        "scene did not tear down in time; scene down: {result:?}"
                    ));
                }
            }
        }
    }
}

/// Measures a command with its stdout discarded and its stderr kept for error messages.
fn measure_with_stderr(
    command: &mut Command,
    limit: Duration,
) -> Result<(Measured, String), measure::MeasureError> {
    measure_collecting(command, limit, false)
}

/// Measures a command with its stdout kept (the floor prints its counts) and stderr discarded.
fn measure_with_stdout(
    command: &mut Command,
    limit: Duration,
) -> Result<(Measured, String), measure::MeasureError> {
    measure_collecting(command, limit, true)
}

/// The kept stream goes to a file rather than a pipe, so that nothing in this process has to
/// drain it while the launcher waits.
fn measure_collecting(
    command: &mut Command,
    limit: Duration,
    keep_stdout: bool,
) -> Result<(Measured, String), measure::MeasureError> {
    let capture = std::env::temp_dir().join(format!(
        "nodesnap-bench-capture-{}-{}",
        std::process::id(),
        CAPTURE_COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let file = std::fs::File::create(&capture).map_err(|source| measure::MeasureError::Spawn {
        program: capture.display().to_string(),
        source,
    })?;
    let (stdout, stderr) = if keep_stdout {
        (Stdio::from(file), Stdio::null())
    } else {
        (Stdio::null(), Stdio::from(file))
    };
    let measured = launcher().run(command, stdout, stderr, limit);
    let text = std::fs::read_to_string(&capture).unwrap_or_default();
    let _ = std::fs::remove_file(&capture);
    Ok((measured?, text))
}

/// This very binary, run as `measure-child`.
fn launcher() -> &'static measure::Launcher {
    static LAUNCHER: std::sync::OnceLock<measure::Launcher> = std::sync::OnceLock::new();
    LAUNCHER.get_or_init(|| measure::Launcher {
        program: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("nodesnap-bench")),
        scratch: std::env::temp_dir(),
    })
}

static CAPTURE_COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    line.chars().take(160).collect()
}

fn last_line(text: &str) -> String {
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    line.chars().take(160).collect()
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .and_then(|kib| kib.parse::<u64>().ok())
        .map_or("?".to_string(), |kib| format!("{} GiB", kib / 1024 / 1024));
    format!("{cpus} CPUs, {memory} RAM, Linux {}", kernel.trim())
}

fn utc_now() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}
