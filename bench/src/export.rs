//! The `export` section: `analyzer export` over fleets of generated snapshots (nodes of 500
//! processes by default) as NDJSON and as Parquet, at several fleet sizes, so that the table
//! shows whether time grows linearly with the number of snapshots and memory not at all.

use crate::{first_line, measure_with_stderr, utc_now, KeyFigures, RunArgs};
use bench::generator::{self, CgroupLayout, NodeSpec};
use bench::measure::{self, Measured};
use bench::results::{mebibytes, thousands, Table};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const FORMATS: [&str; 2] = ["ndjson", "parquet"];

/// One fleet size's median run in one format.
struct Run {
    snapshots: usize,
    format: &'static str,
    measured: Measured,
}

pub fn export(args: &RunArgs, key: &mut KeyFigures) -> Table {
    let mut table = Table::new(
        "export",
        &utc_now(),
        "Export of a fleet (`analyzer export`, synthetic nodes)",
        &[
            "snapshots",
            "processes",
            "input tar.gz MiB",
            "format",
            "wall s",
            "CPU s",
            "peak RSS MiB",
            "output MiB",
            "rows",
            "rows/s",
            "CPU ms per snapshot",
            "result",
        ],
    );
    table.note(format!(
        "Each snapshot written by `nodesnap-bench generate`'s generator as a node of its own (hostname, boot id and uptime differ, so each has its own snapshot id): {} processes, 8 of the host and 5 per pod, cgroup v2 with the systemd driver.",
        thousands(args.fleet_processes)
    ));
    table.note("`analyzer export SNAP... -o DIR --format F` given the first N tarballs as paths; wall from spawn to exit, peak RSS is ru_maxrss from wait4, output is every file written (tables and schema.json); rows are the rows of all ten tables; the median of the runs by wall time, formats alternating.");
    let Some(&largest) = args.fleet.iter().max() else {
        table.note("no fleet sizes given (--fleet)");
        return table;
    };
    let spec = match NodeSpec::with_processes(args.fleet_processes, CgroupLayout::V2Systemd) {
        Ok(spec) => spec,
        Err(e) => {
            table.note(format!("not generated: {e}"));
            return table;
        }
    };
    let dir = args.work.join("fleet");
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        table.note(format!("{}: {e}", dir.display()));
        return table;
    }
    let started = Instant::now();
    let mut paths: Vec<PathBuf> = Vec::with_capacity(largest);
    let mut compressed: Vec<u64> = Vec::with_capacity(largest);
    for node in 1..=largest {
        let path = dir.join(format!("node-{node:04}.tar.gz"));
        let Ok(node_index) = u64::try_from(node) else {
            break;
        };
        match generator::write_snapshot(&spec.fleet_member(node_index), &path) {
            Ok(generated) => compressed.push(generated.compressed_bytes),
            Err(e) => {
                table.note(format!("node {node}: not generated: {e}"));
                return table;
            }
        }
        paths.push(path);
    }
    eprintln!(
        "generated {largest} snapshots of {} processes in {:.1}s",
        spec.process_count(),
        started.elapsed().as_secs_f64()
    );
    table.note(format!("Load average before: {}", load_average()));

    let mut sizes = args.fleet.clone();
    sizes.sort_unstable();
    sizes.dedup();
    let mut runs: Vec<Run> = Vec::new();
    for &snapshots in &sizes {
        let inputs = &paths[..snapshots];
        let mut measured: [Vec<Measured>; 2] = [Vec::new(), Vec::new()];
        let mut failure: [Option<String>; 2] = [None, None];
        let mut outputs: [u64; 2] = [0; 2];
        for _ in 0..args.repeat {
            for (at, format) in FORMATS.iter().enumerate() {
                if failure[at].is_some() {
                    continue;
                }
                let out = args.work.join(format!("export-{format}-{snapshots}"));
                let _ = std::fs::remove_dir_all(&out);
                let mut command = Command::new(&args.analyzer);
                command
                    .arg("export")
                    .args(inputs)
                    .arg("-o")
                    .arg(&out)
                    .args(["--format", format]);
                match measure_with_stderr(&mut command, Duration::from_secs(1800)) {
                    Ok((run, _)) if run.succeeded() => {
                        measured[at].push(run);
                        outputs[at] = directory_bytes(&out);
                    }
                    Ok((run, stderr)) => {
                        failure[at] = Some(format!(
                            "exit {}{}: {}",
                            run.exit_code,
                            if run.timed_out { " (timed out)" } else { "" },
                            first_line(&stderr)
                        ));
                    }
                    Err(e) => failure[at] = Some(e.to_string()),
                }
            }
        }
        // Rows are the same in both formats; count them in the NDJSON, one line each.
        let rows = ndjson_rows(&args.work.join(format!("export-ndjson-{snapshots}")));
        for (at, format) in FORMATS.iter().enumerate() {
            let input: u64 = compressed[..snapshots].iter().sum();
            let mut cells = vec![
                thousands(snapshots as u64),
                thousands(spec.process_count() * snapshots as u64),
                mebibytes(input),
                format.to_string(),
            ];
            match (&failure[at], measure::median_of(&mut measured[at])) {
                (None, Some(median)) => {
                    let wall = median.wall.as_secs_f64();
                    cells.extend([
                        format!("{wall:.2}"),
                        format!("{:.2}", median.cpu().as_secs_f64()),
                        mebibytes(median.peak_rss_bytes),
                        mebibytes(outputs[at]),
                        rows.map_or("-".into(), thousands),
                        rows.map_or("-".into(), |r| thousands((r as f64 / wall) as u64)),
                        format!(
                            "{:.1}",
                            1000.0 * median.cpu().as_secs_f64() / snapshots as f64
                        ),
                        "ok".into(),
                    ]);
                    runs.push(Run {
                        snapshots,
                        format,
                        measured: median,
                    });
                }
                (failure, _) => {
                    cells.extend(std::iter::repeat_n("-".to_string(), 7));
                    cells.push(failure.clone().unwrap_or_else(|| "no run".into()));
                }
            }
            table.row(cells);
        }
        for format in FORMATS {
            let _ = std::fs::remove_dir_all(args.work.join(format!("export-{format}-{snapshots}")));
        }
        eprintln!("  export of {snapshots} snapshots: done");
    }
    table.note(format!("Load average after: {}", load_average()));
    let _ = std::fs::remove_dir_all(&dir);

    // CPU time per snapshot (steadier than wall on a shared machine) from the smallest fleet to
    // the largest, and peak RSS from the second
    // largest to the largest (past the sizes where the Parquet row groups are still filling),
    // each the worse of the two formats.
    if let [small, .., middle, big] = sizes[..] {
        key.export_cpu_per_snapshot_growth =
            growth(&runs, small, big, |m, n| m.cpu().as_secs_f64() / n as f64)
                .map(|g| (small, big, g));
        key.export_rss_growth =
            growth(&runs, middle, big, |m, _| m.peak_rss_bytes as f64).map(|g| (middle, big, g));
    }
    table
}

/// The largest ratio over the formats of `figure` at `big` snapshots to `figure` at `small`.
fn growth(
    runs: &[Run],
    small: usize,
    big: usize,
    figure: impl Fn(&Measured, usize) -> f64,
) -> Option<f64> {
    let mut worst: Option<f64> = None;
    for format in FORMATS {
        let find = |n: usize| {
            runs.iter()
                .find(|r| r.snapshots == n && r.format == format)
                .map(|r| figure(&r.measured, n))
        };
        if let (Some(a), Some(b)) = (find(small), find(big)) {
            let ratio = b / a.max(f64::MIN_POSITIVE);
            worst = Some(worst.map_or(ratio, |w| w.max(ratio)));
        }
    }
    worst
}

/// Bytes of the files in `dir` (not recursive: the export writes none below it).
fn directory_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Lines of every table of an NDJSON export: its rows.
fn ndjson_rows(dir: &Path) -> Option<u64> {
    let mut rows = 0;
    for entry in std::fs::read_dir(dir).ok()? {
        let path = entry.ok()?.path();
        if path.extension().is_some_and(|e| e == "ndjson") {
            let bytes = std::fs::read(&path).ok()?;
            rows += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        }
    }
    Some(rows)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "?".into())
}
