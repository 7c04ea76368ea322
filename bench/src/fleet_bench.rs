//! The `fleet` section: `analyzer fleet` over synthetic fleets of 100 and 500 nodes (the
//! generator's fleet members: a few OOM-killed pods that move from node to node, one node in a
//! hundred on an older kernel, one in 250 on cgroup v1 with the cgroupfs driver), timed with
//! and without each node's report beside the page, and the page opened in headless Chromium.
//! Wall and CPU should grow with the number of nodes and peak RSS should not: the command
//! holds one model at a time.

use super::{measure_with_stderr, utc_now, RunArgs};
use bench::browser::{Browser, RenderTiming};
use bench::generator::{self, CgroupLayout, NodeSpec};
use bench::measure::Measured;
use bench::results::{mebibytes, millis, thousands, Table};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What the targets are checked against.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct FleetFigures {
    pub page_500_bytes: Option<u64>,
    pub page_500_render: Option<Duration>,
}

/// How long one run of `analyzer fleet` may take before it is killed.
const FLEET_LIMIT: Duration = Duration::from_secs(900);

/// The layout of fleet member `node`: one in 250 on cgroup v1.
fn member_layout(node: u64) -> CgroupLayout {
    if node % 250 == 17 {
        CgroupLayout::V1Cgroupfs
    } else {
        CgroupLayout::V2Systemd
    }
}

/// Writes members 1..=`nodes` under `dir`; returns their paths and their total size.
fn generate_fleet(processes: u64, nodes: u64, dir: &Path) -> Result<(Vec<PathBuf>, u64), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let started = Instant::now();
    let mut paths = Vec::new();
    let mut bytes = 0;
    for node in 1..=nodes {
        let spec = NodeSpec::with_processes(processes, member_layout(node))
            .map_err(|e| e.to_string())?
            .fleet_member(node);
        let path = dir.join(format!("member-{node:04}.tar.gz"));
        let generated = generator::write_snapshot(&spec, &path).map_err(|e| e.to_string())?;
        bytes += generated.compressed_bytes;
        paths.push(path);
    }
    eprintln!(
        "generated {nodes} fleet members of {processes} processes in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok((paths, bytes))
}

/// Runs `analyzer fleet` on `inputs`, `repeat` times; the median run by wall time.
fn measure_fleet(
    args: &RunArgs,
    inputs: &[PathBuf],
    page: &Path,
    with_reports: bool,
    repeat: usize,
) -> Result<Measured, String> {
    let mut runs = Vec::new();
    for _ in 0..repeat.max(1) {
        let mut command = Command::new(&args.analyzer);
        command.arg("fleet").args(inputs).arg("-o").arg(page);
        if with_reports {
            command.arg("--with-reports");
        }
        command.stdout(Stdio::null()).stderr(Stdio::piped());
        let (measured, stderr) =
            measure_with_stderr(&mut command, FLEET_LIMIT).map_err(|e| e.to_string())?;
        if !measured.succeeded() {
            return Err(format!(
                "exit {}{}: {}",
                measured.exit_code,
                if measured.timed_out {
                    " (timed out)"
                } else {
                    ""
                },
                stderr.lines().next().unwrap_or_default()
            ));
        }
        runs.push(measured);
    }
    runs.sort_by_key(|m| m.wall);
    Ok(runs[runs.len() / 2])
}

/// Bytes of the regular files directly in `dir`.
fn directory_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

pub fn fleet(args: &RunArgs, figures: &mut FleetFigures) -> Table {
    let mut table = Table::new(
        "fleet",
        &utc_now(),
        "analyzer fleet over synthetic fleets",
        &[
            "nodes",
            "processes per node",
            "inputs tar.gz MiB",
            "command",
            "wall ms",
            "CPU ms",
            "CPU ms per node",
            "peak RSS MiB",
            "output bytes",
        ],
    );
    table.note(format!(
        "Members written by bench/src/generator.rs (`NodeSpec::fleet_member`): {} processes each ({} pods of five processes), each with its own hostname, boot id and collection time; a pod's OOM kills move from node to node ((pod + node) % 97 == 3), so about every pod fails on a few nodes and is a pod outlier; one node in 100 runs an older kernel and one in 250 cgroup v1 with the cgroupfs driver.",
        args.fleet_processes,
        args.fleet_processes / generator::PROCESSES_PER_POD
    ));
    table.note("Each command run with stdout to /dev/null; wall from spawn to exit, CPU is user + system and peak RSS is ru_maxrss from wait4; the page alone is the median of the runs by wall time, --with-reports is run once. Output bytes: the page, or the page and every report beside it.");
    let mut sizes = args.fleet_nodes.clone();
    sizes.sort_unstable();
    sizes.dedup();
    let Some(&largest) = sizes.last() else {
        table.note("Not run: no fleet sizes given (--fleet-nodes).");
        return table;
    };
    let dir = args.work.join("fleet");
    let _ = std::fs::remove_dir_all(&dir);
    let (members, _) = match generate_fleet(args.fleet_processes, largest, &dir.join("members")) {
        Ok(generated) => generated,
        Err(e) => {
            table.note(format!("Not run: the fleet was not generated: {e}"));
            return table;
        }
    };
    let mut largest_page = None;
    for &nodes in &sizes {
        let inputs = &members[..nodes as usize];
        let input_bytes: u64 = inputs
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        let page = dir.join(format!("fleet-{nodes}.html"));
        let reports_dir = dir.join(format!("fleet-{nodes}-reports"));
        let _ = std::fs::create_dir_all(&reports_dir);
        for (label, with_reports, target, repeat) in [
            ("fleet -o page", false, page.clone(), args.repeat),
            (
                "fleet --with-reports",
                true,
                reports_dir.join("fleet.html"),
                1,
            ),
        ] {
            eprintln!("{label}: {nodes} nodes");
            let head = vec![
                thousands(nodes),
                thousands(args.fleet_processes),
                mebibytes(input_bytes),
                label.to_string(),
            ];
            match measure_fleet(args, inputs, &target, with_reports, repeat) {
                Ok(measured) => {
                    let output_bytes = if with_reports {
                        directory_bytes(&reports_dir)
                    } else {
                        std::fs::metadata(&page).map(|m| m.len()).unwrap_or(0)
                    };
                    if !with_reports && nodes == 500 {
                        figures.page_500_bytes = Some(output_bytes);
                    }
                    let cpu_per_node = measured.cpu() / nodes as u32;
                    let mut cells = head;
                    cells.extend([
                        millis(measured.wall),
                        millis(measured.cpu()),
                        millis(cpu_per_node),
                        mebibytes(measured.peak_rss_bytes),
                        thousands(output_bytes),
                    ]);
                    table.row(cells);
                }
                Err(e) => {
                    let mut cells = head;
                    cells.extend(["-".into(), "-".into(), "-".into(), "-".into(), e]);
                    table.row(cells);
                }
            }
        }
        if nodes == largest && page.exists() {
            largest_page = Some((nodes, page));
        }
    }
    if let Some((nodes, page)) = largest_page {
        render(args, nodes, &page, figures, &mut table);
    }
    table
}

/// Opens the page in headless Chromium `args.repeat` times and notes the median.
fn render(args: &RunArgs, nodes: u64, page: &Path, figures: &mut FleetFigures, table: &mut Table) {
    let mut browser = match Browser::launch(&args.chromium, &args.work) {
        Ok(browser) => browser,
        Err(e) => {
            table.note(format!("Fleet page in Chromium: not run: {e}"));
            return;
        }
    };
    let url = format!("file://{}", page.display());
    let mut timings: Vec<RenderTiming> = Vec::new();
    let mut failure = None;
    for _ in 0..args.repeat.max(1) {
        let _ = browser.time_page("about:blank", Duration::from_secs(30));
        match browser.time_page(&url, Duration::from_secs(120)) {
            Ok(timing) => timings.push(timing),
            Err(e) => {
                failure = Some(e.to_string());
                break;
            }
        }
    }
    browser.close();
    timings.sort_by_key(|t| t.navigate_to_rendered);
    match (failure, timings.get(timings.len() / 2)) {
        (None, Some(timing)) => {
            if nodes == 500 {
                figures.page_500_render = Some(timing.navigate_to_rendered);
            }
            table.note(format!(
                "Fleet page of {nodes} nodes in headless Chromium (the method of the report's Chromium table): navigate->load {} ms, navigate->rendered {} ms, first contentful paint {} ms; median of {} runs.",
                millis(timing.navigate_to_load),
                millis(timing.navigate_to_rendered),
                timing.first_contentful_paint.map_or("-".into(), millis),
                timings.len()
            ));
        }
        (failure, _) => table.note(format!(
            "Fleet page of {nodes} nodes in Chromium: {}",
            failure.unwrap_or_else(|| "no run".into())
        )),
    }
}
