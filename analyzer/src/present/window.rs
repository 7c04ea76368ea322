//! The window of a snapshot of several samples in words, for the terminal summary and the
//! report: how long, the busiest containers, pods and processes, the counters that grew, and
//! what held in every sample.

use crate::model::window::{CpuUse, Window};
use crate::model::Model;
use crate::present::{labels, units};

/// How many containers, pods and processes a line names.
const NAMED: usize = 3;

/// `(key, value)` lines, node text passed through `shown` (each medium's own way of making
/// it visible); none for a snapshot of one sample.
pub fn lines(model: &Model, shown: &dyn Fn(&str) -> String) -> Vec<(&'static str, String)> {
    let Some(w) = &model.window else {
        return Vec::new();
    };
    let ms = (w.seconds * 1000.0).round().max(0.0) as u64;
    let mut lines = vec![(
        "Window",
        format!(
            "{} samples over {} ({} to {})",
            w.samples,
            units::duration_ms(ms),
            shown(&w.first_at),
            shown(&w.last_at)
        ),
    )];
    let busy: Vec<String> = w
        .cpu
        .iter()
        .filter(|c| cores(c) > 0.0)
        .take(NAMED)
        .map(|c| format!("{} {}", owner(model, c, shown), cores_text(cores(c))))
        .collect();
    if !busy.is_empty() {
        lines.push(("Cpu use", busy.join(", ")));
    }
    let processes: Vec<String> = w
        .top_processes
        .iter()
        .take(NAMED)
        .map(|p| format!("{} {} {}", shown(&p.comm), p.pid, cores_text(p.cores)))
        .collect();
    if !processes.is_empty() {
        lines.push(("Busiest", processes.join(", ")));
    }
    let grew = counters_line(w, shown);
    if !grew.is_empty() {
        lines.push(("Grew", grew));
    }
    let mut held = Vec::new();
    if !w.uninterruptible_every_sample.is_empty() {
        held.push(format!(
            "in D state in every sample: {}",
            pids(&w.uninterruptible_every_sample)
        ));
    }
    if let (Some(first), Some(last)) = (w.zombies_per_sample.first(), w.zombies_per_sample.last()) {
        if first != last || *last > 0 {
            held.push(format!("zombies {first} -> {last}"));
        }
    }
    if let (Some(first), Some(last)) = (w.threads_per_sample.first(), w.threads_per_sample.last()) {
        held.push(format!("threads {first} -> {last}"));
    }
    lines.push(("Held", held.join("; ")));
    lines
}

fn cores(c: &CpuUse) -> f64 {
    c.cores.unwrap_or(c.cores_of_processes)
}

/// `1.25 cores`, `0.03 cores`.
fn cores_text(cores: f64) -> String {
    format!("{cores:.2} cores")
}

fn owner(model: &Model, c: &CpuUse, shown: &dyn Fn(&str) -> String) -> String {
    if let Some(id) = &c.container_id {
        return match model.containers.iter().find(|x| &x.id == id) {
            Some(container) => {
                format!("container {}", shown(&labels::container_with_id(container)))
            }
            None => format!("container {}", id.short()),
        };
    }
    match c
        .pod_uid
        .as_ref()
        .and_then(|uid| model.pods.iter().find(|p| &p.uid == uid))
    {
        Some(pod) => format!("pod {}", shown(&labels::pod(pod))),
        None => "pod".to_string(),
    }
}

/// The counters that grew, summed over cgroups, with the busiest rate of each.
fn counters_line(w: &Window, shown: &dyn Fn(&str) -> String) -> String {
    let names: [(&str, &str); 5] = [
        ("oom_kills", "OOM kills"),
        ("cpu_nr_throttled", "periods throttled"),
        ("pids_max_events", "forks refused at pids.max"),
        ("memory_max_events", "memory.max hits"),
        ("memory_failcnt", "memory limit hits"),
    ];
    let mut parts = Vec::new();
    for (counter, text) in names {
        let of: Vec<_> = w.counters.iter().filter(|c| c.counter == counter).collect();
        // v2 counts a child's events in its ancestors too: the largest delta is the count.
        let Some(top) = of.iter().max_by_key(|c| c.delta) else {
            continue;
        };
        let rate = top
            .per_second
            .map(|r| format!(", {} in {}", units::rate(r), shown(&top.cgroup.to_string())))
            .unwrap_or_default();
        parts.push(format!("{} {text}{rate}", top.delta));
    }
    parts.join("; ")
}

fn pids(list: &[crate::model::Pid]) -> String {
    list.iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
