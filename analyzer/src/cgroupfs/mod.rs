//! Pure parsers for cgroup control files, and the v1 and v2 hierarchies behind one interface.
//!
//! [`CgroupSetup::detect`] looks at a snapshot once and decides which hierarchies exist and which
//! one carries each controller; [`CgroupSetup::facts`] then reads any cgroup's limits and usage
//! through the v1 or v2 implementation without the caller knowing the node's layout.
//!
//! Counters, not judgements: whether a count is trouble is for `findings` alone to say.

mod parse;
mod setup;
mod signals;

pub use crate::procfs::ParseError;
pub use parse::{parse_cpu_max, parse_flat_keyed, parse_limit, parse_procs, V1_UNLIMITED_FLOOR};
pub use setup::{CgroupFacts, CgroupPath, CgroupSetup, FileProblem, Hierarchy, Version, V2_NAME};
pub use signals::{parse_cgroup_stat, parse_memory_events, parse_memory_stat, working_set};

/// Runs the control-file parsers on the input, then reads it as every control file and as the
/// mountinfo of a v1, a v2 and a hybrid snapshot; the fuzz target's body and the replay of its
/// regression inputs under `cargo test`.
#[doc(hidden)]
pub fn fuzz_parsers(bytes: &[u8]) {
    use crate::snapshot::Snapshot;
    use nodesnap_format::{Manifest, RuntimeMetadata};
    use std::collections::{BTreeMap, BTreeSet};

    let text = String::from_utf8_lossy(bytes);
    let _ = parse_limit(&text);
    let _ = parse_cpu_max(&text);
    let _ = parse_flat_keyed(&text);
    let _ = parse_procs(&text);
    if let Ok(breakdown) = parse_memory_stat(&text, Some(u64::MAX)) {
        assert!(breakdown.working_set_bytes.is_some() == breakdown.inactive_file_bytes.is_some());
    }
    let _ = parse_memory_events(&text);
    let _ = parse_cgroup_stat(&text);

    let manifest = Manifest {
        collector_version: "fuzz".into(),
        ..Manifest::empty()
    };
    // (cgroup directories, whether the root is v2): v1, v2 and hybrid.
    let layouts: [(&[&str], bool); 3] = [
        (
            &[
                "sys/fs/cgroup/memory/x",
                "sys/fs/cgroup/cpu,cpuacct/x",
                "sys/fs/cgroup/pids/x",
            ],
            false,
        ),
        (&["sys/fs/cgroup/x"], true),
        (
            &["sys/fs/cgroup/memory/x", "sys/fs/cgroup/unified/x"],
            false,
        ),
    ];
    for (dirs, v2_root) in layouts {
        let mut files = BTreeMap::new();
        files.insert("proc/1/mountinfo".to_string(), bytes.to_vec());
        if v2_root {
            files.insert("sys/fs/cgroup/cgroup.controllers".to_string(), Vec::new());
        }
        for dir in dirs {
            for file in nodesnap_format::CGROUP_FILES {
                files.insert(format!("{dir}/{file}"), bytes.to_vec());
            }
        }
        let snapshot = Snapshot::from_parts(
            "fuzz",
            manifest.clone(),
            RuntimeMetadata::default(),
            files,
            BTreeSet::new(),
        );
        let setup = CgroupSetup::detect(&snapshot);
        for path in setup.all_cgroup_paths(&snapshot) {
            let facts = setup.facts(&snapshot, &path.path);
            assert!(facts.problems.iter().all(|p| !p.message.contains('\n')));
        }
        let _ = setup.facts(&snapshot, &text);
        if let Ok(lines) = crate::procfs::parse_cgroup(&text) {
            for line in &lines {
                let _ = setup.hierarchy_dir(line);
            }
            let _ = setup.display_line(&lines);
        }
    }
}
