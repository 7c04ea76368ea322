//! Parsers for the signal control files: `memory.stat` (v1 and v2 keys) into a memory
//! breakdown with the kubelet's working set, `memory.events.local`, and `cgroup.stat`.

use super::parse::{parse_flat_keyed, visit_flat_keyed};
use crate::procfs::ParseError;
use crate::values::{CgroupStat, MemoryBreakdown, MemoryEvents};

/// Parses `memory.stat` of either version, told apart by its keys (v2 writes `anon` and
/// `file`, v1 `rss` and `cache`), with the cgroup's usage (`memory.current`,
/// `memory.usage_in_bytes`) for the working set. v1 values are the hierarchical `total_*`
/// ones, which cover the same cgroups as v1's usage, falling back to the local keys.
pub fn parse_memory_stat(
    text: &str,
    usage_bytes: Option<u64>,
) -> Result<MemoryBreakdown, ParseError> {
    // Only the keys read are kept, in a fixed table: no map or string for the 50 lines of a
    // memory.stat, thousands of times per snapshot.
    let mut values = [None; MEMORY_STAT_KEYS.len()];
    visit_flat_keyed(text, |key, value| {
        if let Some(index) = MEMORY_STAT_KEYS.iter().position(|k| *k == key) {
            values[index] = Some(value);
        }
    })?;
    let stat = MemoryStat(values);
    let mut breakdown = if stat.get("anon").is_some() || stat.get("file").is_some() {
        v2_breakdown(&stat)
    } else {
        let v1 = |total: &str, local: &str| stat.get(total).or_else(|| stat.get(local));
        MemoryBreakdown {
            anon_bytes: v1("total_rss", "rss"),
            file_bytes: v1("total_cache", "cache"),
            shmem_bytes: v1("total_shmem", "shmem"),
            active_file_bytes: v1("total_active_file", "active_file"),
            inactive_file_bytes: v1("total_inactive_file", "inactive_file"),
            ..MemoryBreakdown::default()
        }
    };
    breakdown.working_set_bytes = working_set(usage_bytes, breakdown.inactive_file_bytes);
    Ok(breakdown)
}

/// The memory.stat keys either version's breakdown reads.
const MEMORY_STAT_KEYS: [&str; 19] = [
    "anon",
    "file",
    "kernel",
    "kernel_stack",
    "pagetables",
    "percpu",
    "slab",
    "slab_reclaimable",
    "slab_unreclaimable",
    "shmem",
    "active_file",
    "inactive_file",
    "rss",
    "cache",
    "total_rss",
    "total_cache",
    "total_shmem",
    "total_active_file",
    "total_inactive_file",
];

/// The values of [`MEMORY_STAT_KEYS`] one memory.stat holds.
struct MemoryStat([Option<u64>; MEMORY_STAT_KEYS.len()]);

impl MemoryStat {
    fn get(&self, key: &str) -> Option<u64> {
        let index = MEMORY_STAT_KEYS.iter().position(|k| *k == key)?;
        self.0[index]
    }
}

fn v2_breakdown(stat: &MemoryStat) -> MemoryBreakdown {
    let get = |key: &str| stat.get(key);
    let sum = |keys: &[&str]| -> Option<u64> {
        let mut found = keys.iter().filter_map(|key| get(key)).peekable();
        found.peek()?;
        Some(found.fold(0u64, u64::saturating_add))
    };
    // `slab` appeared in 5.9 beside its two parts; before, only the parts.
    let slab = get("slab").or_else(|| sum(&["slab_reclaimable", "slab_unreclaimable"]));
    // `kernel` appeared in 5.18; before, its main parts are listed one by one.
    let kernel = get("kernel").or_else(|| {
        let parts = sum(&["kernel_stack", "pagetables", "percpu"])?;
        Some(parts.saturating_add(slab.unwrap_or(0)))
    });
    MemoryBreakdown {
        anon_bytes: get("anon"),
        file_bytes: get("file"),
        kernel_bytes: kernel,
        slab_bytes: slab,
        slab_reclaimable_bytes: get("slab_reclaimable"),
        shmem_bytes: get("shmem"),
        active_file_bytes: get("active_file"),
        inactive_file_bytes: get("inactive_file"),
        working_set_bytes: None,
    }
}

/// The kubelet's working set (pkg/kubelet/stats, cAdvisor's `setMemoryStats`): usage minus
/// the inactive page cache, 0 when the cache is larger.
pub fn working_set(usage_bytes: Option<u64>, inactive_file_bytes: Option<u64>) -> Option<u64> {
    Some(usage_bytes?.saturating_sub(inactive_file_bytes?))
}

/// Parses v2's `memory.events.local` (the same keys as `memory.events`).
pub fn parse_memory_events(text: &str) -> Result<MemoryEvents, ParseError> {
    let events = parse_flat_keyed(text)?;
    let get = |key: &str| events.get(key).copied();
    Ok(MemoryEvents {
        low: get("low"),
        high: get("high"),
        max: get("max"),
        oom: get("oom"),
        oom_kill: get("oom_kill"),
        oom_group_kill: get("oom_group_kill"),
    })
}

/// Parses v2's `cgroup.stat`.
pub fn parse_cgroup_stat(text: &str) -> Result<CgroupStat, ParseError> {
    let stat = parse_flat_keyed(text)?;
    Ok(CgroupStat {
        nr_descendants: stat.get("nr_descendants").copied(),
        nr_dying_descendants: stat.get("nr_dying_descendants").copied(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    /// A v2 memory.stat of Linux 6.x, cut to the keys read and a few others.
    const V2_STAT: &str = "anon 104857600\nfile 943718400\nkernel 1258291200\n\
        kernel_stack 1048576\npagetables 2097152\nsock 0\nshmem 10485760\n\
        file_mapped 4194304\nactive_anon 0\ninactive_anon 104857600\n\
        active_file 209715200\ninactive_file 734003200\nslab_reclaimable 1153433600\n\
        slab_unreclaimable 52428800\nslab 1205862400\npgfault 123\n";

    #[test]
    fn a_v2_memory_stat_splits_anon_file_kernel_and_slab() {
        let usage = 2300 * MIB;
        let b = parse_memory_stat(V2_STAT, Some(usage)).unwrap();
        assert_eq!(b.anon_bytes, Some(100 * MIB));
        assert_eq!(b.file_bytes, Some(900 * MIB));
        assert_eq!(b.kernel_bytes, Some(1200 * MIB));
        assert_eq!(b.slab_bytes, Some(1150 * MIB));
        assert_eq!(b.slab_reclaimable_bytes, Some(1100 * MIB));
        assert_eq!(b.shmem_bytes, Some(10 * MIB));
        assert_eq!(b.inactive_file_bytes, Some(700 * MIB));
        assert_eq!(b.active_file_bytes, Some(200 * MIB));
        assert_eq!(b.working_set_bytes, Some(1600 * MIB));
    }

    #[test]
    fn an_older_v2_kernel_sums_slab_and_kernel_from_their_parts() {
        let text = "anon 10\nfile 20\nkernel_stack 1\npagetables 2\npercpu 3\n\
                    slab_reclaimable 40\nslab_unreclaimable 4\ninactive_file 5\n";
        let b = parse_memory_stat(text, None).unwrap();
        assert_eq!(b.slab_bytes, Some(44));
        assert_eq!(b.kernel_bytes, Some(1 + 2 + 3 + 44));
        assert_eq!(b.working_set_bytes, None, "no usage, no working set");
        let bare = parse_memory_stat("anon 1\nfile 2\n", Some(9)).unwrap();
        assert_eq!((bare.slab_bytes, bare.kernel_bytes), (None, None));
        assert_eq!(
            bare.working_set_bytes, None,
            "no inactive_file, no working set"
        );
    }

    #[test]
    fn a_v1_memory_stat_takes_the_hierarchical_totals() {
        let text = "cache 100\nrss 200\nshmem 5\ninactive_file 70\nactive_file 30\n\
                    hierarchical_memory_limit 9223372036854771712\n\
                    total_cache 1000\ntotal_rss 2000\ntotal_shmem 50\n\
                    total_inactive_file 700\ntotal_active_file 300\n";
        let b = parse_memory_stat(text, Some(3500)).unwrap();
        assert_eq!(
            (b.anon_bytes, b.file_bytes, b.shmem_bytes),
            (Some(2000), Some(1000), Some(50))
        );
        assert_eq!(b.inactive_file_bytes, Some(700));
        assert_eq!(b.working_set_bytes, Some(2800));
        assert_eq!(
            (b.slab_bytes, b.kernel_bytes, b.slab_reclaimable_bytes),
            (None, None, None)
        );
        let local = parse_memory_stat("cache 100\nrss 200\ninactive_file 70\n", Some(300)).unwrap();
        assert_eq!(
            (local.anon_bytes, local.working_set_bytes),
            (Some(200), Some(230))
        );
    }

    #[test]
    fn the_working_set_never_goes_below_zero() {
        assert_eq!(working_set(Some(100), Some(150)), Some(0));
        assert_eq!(working_set(Some(100), Some(40)), Some(60));
    }

    #[test]
    fn a_malformed_memory_stat_is_an_error_naming_the_line() {
        let error = parse_memory_stat("anon 1\nfile lots\n", None).unwrap_err();
        assert_eq!(error.line, Some(2));
    }

    #[test]
    fn local_memory_events_and_cgroup_stat_read_their_keys() {
        let events = parse_memory_events("low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\n").unwrap();
        assert_eq!(
            (events.max, events.oom, events.oom_kill),
            (Some(12), Some(3), Some(2))
        );
        assert_eq!(events.oom_group_kill, None, "before Linux 5.17");
        let stat = parse_cgroup_stat("nr_descendants 4\nnr_dying_descendants 130\n").unwrap();
        assert_eq!(
            (stat.nr_descendants, stat.nr_dying_descendants),
            (Some(4), Some(130))
        );
        assert!(parse_cgroup_stat("nr_descendants\n").is_err());
    }
}
