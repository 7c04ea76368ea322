//! The deeper signals in words, for every front end: pressure stall figures, what a cgroup's
//! memory is, and a node limit with its use. Prose units (`units::bytes`); the terminal and the
//! report only lay the strings out.

use super::units::{bytes, count};
use crate::model::{HeadroomLimit, MemoryBreakdown, Pressure, ResourcePressure};

/// `some 12.5% · 8.0%, full 1.0% · 0.5%`: each line's 10- and 60-second averages; `none`
/// for a file with neither line.
pub fn pressure(resource: &ResourcePressure) -> String {
    let mut parts = Vec::new();
    for (kind, line) in [("some", resource.some), ("full", resource.full)] {
        if let Some(line) = line {
            parts.push(format!("{kind} {:.1}% · {:.1}%", line.avg10, line.avg60));
        }
    }
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}

/// The known resources of a pressure set with their figures, in the order cpu, memory, io.
pub fn pressures(p: &Pressure) -> Vec<(&'static str, ResourcePressure)> {
    [("cpu", p.cpu), ("memory", p.memory), ("io", p.io)]
        .into_iter()
        .filter_map(|(name, r)| r.map(|r| (name, r)))
        .collect()
}

/// `anon 100 MiB · page cache 400 MiB (tmpfs 2 MiB) · slab 12 MiB (10 MiB reclaimable) ·
/// kernel 20 MiB · working set 212 MiB`, only the figures `memory.stat` gave.
pub fn memory_breakdown(b: &MemoryBreakdown) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(anon) = b.anon_bytes {
        parts.push(format!("anon {}", bytes(anon)));
    }
    if let Some(file) = b.file_bytes {
        let tmpfs = b
            .shmem_bytes
            .filter(|n| *n > 0)
            .map(|n| format!(" (tmpfs {})", bytes(n)))
            .unwrap_or_default();
        parts.push(format!("page cache {}{tmpfs}", bytes(file)));
    }
    if let Some(slab) = b.slab_bytes {
        let reclaimable = b
            .slab_reclaimable_bytes
            .map(|n| format!(" ({} reclaimable)", bytes(n)))
            .unwrap_or_default();
        parts.push(format!("slab {}{reclaimable}", bytes(slab)));
    }
    if let Some(kernel) = b.kernel_bytes {
        parts.push(format!("kernel {}", bytes(kernel)));
    }
    if let Some(ws) = b.working_set_bytes {
        parts.push(format!("working set {}", bytes(ws)));
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// `800 of 1,000 (80%)`, or `limit 8,192 (use unknown)`.
pub fn headroom(limit: &HeadroomLimit) -> String {
    match (limit.used, limit.fraction) {
        (Some(used), Some(fraction)) => format!(
            "{} of {} ({:.0}%)",
            count(used),
            count(limit.max),
            (fraction * 100.0).floor()
        ),
        (Some(used), None) => format!("{} of {}", count(used), count(limit.max)),
        (None, _) => format!("limit {} (use unknown)", count(limit.max)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PressureLine;

    #[test]
    fn signals_read_in_prose_units() {
        let line = |avg10, avg60| PressureLine {
            avg10,
            avg60,
            avg300: 0.0,
            total: 0,
        };
        let r = ResourcePressure {
            some: Some(line(12.5, 8.0)),
            full: Some(line(1.0, 0.5)),
        };
        assert_eq!(pressure(&r), "some 12.5% · 8.0%, full 1.0% · 0.5%");
        assert_eq!(pressure(&ResourcePressure::default()), "none");
        let b = MemoryBreakdown {
            anon_bytes: Some(100 << 20),
            file_bytes: Some(400 << 20),
            shmem_bytes: Some(0),
            slab_bytes: Some(12 << 20),
            slab_reclaimable_bytes: Some(10 << 20),
            working_set_bytes: Some(212 << 20),
            ..MemoryBreakdown::default()
        };
        assert_eq!(
            memory_breakdown(&b).unwrap(),
            "anon 100 MiB · page cache 400 MiB · slab 12 MiB (10 MiB reclaimable) · working set 212 MiB"
        );
        assert_eq!(memory_breakdown(&MemoryBreakdown::default()), None);
        assert_eq!(
            headroom(&HeadroomLimit::new(Some(800), 1000)),
            "800 of 1,000 (80%)"
        );
        assert_eq!(
            headroom(&HeadroomLimit::new(None, 8192)),
            "limit 8,192 (use unknown)"
        );
    }
}
