//! A snapshot held in memory: its manifest, its runtime metadata, and the raw bytes of every
//! file the collector copied from the node, keyed by their path relative to the node's root.
//!
//! `load` (in `load.rs`) reads a .tar.gz, a .tar or an extracted directory into this; the model
//! only ever sees a `Snapshot`, never the filesystem.

mod load;
#[doc(hidden)]
pub use load::{fuzz_load, FUZZ_LIMITS};
pub use load::{
    load, load_bytes, load_with_limits, LoadError, LoadLimits, LoadStats, ENTRY_OVERHEAD_BYTES,
    MAX_ENTRIES, MAX_ENTRY_BYTES, MAX_GAPS, MAX_INFLATED_BYTES, MAX_NAME_BYTES, MAX_PAX_BYTES,
    MAX_RETAINED_BYTES,
};

use nodesnap_format::{Gap, Manifest, RuntimeMetadata};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// Everything read from one snapshot.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Where the snapshot came from, for messages.
    pub source: String,
    pub manifest: Manifest,
    pub metadata: RuntimeMetadata,
    /// Files under the snapshot's `root/`, keyed like `proc/1/stat`.
    files: BTreeMap<String, Vec<u8>>,
    /// Directories under `root/`, keyed like `sys/fs/cgroup/memory/kubepods`; includes every
    /// parent directory of every file.
    dirs: BTreeSet<String>,
    /// Entries the analyzer could not use (damaged, unsafe or over a limit), reported with the
    /// collector's gaps.
    pub load_gaps: Vec<Gap>,
}

impl Snapshot {
    /// Builds a snapshot from parts; parent directories of the files are added to `dirs`.
    pub fn from_parts(
        source: impl Into<String>,
        manifest: Manifest,
        metadata: RuntimeMetadata,
        files: BTreeMap<String, Vec<u8>>,
        dirs: BTreeSet<String>,
    ) -> Snapshot {
        let mut dirs = dirs;
        for path in files.keys() {
            let mut rest = path.as_str();
            while let Some((parent, _)) = rest.rsplit_once('/') {
                if !dirs.insert(parent.to_string()) {
                    break;
                }
                rest = parent;
            }
        }
        Snapshot {
            source: source.into(),
            manifest,
            metadata,
            files,
            dirs,
            load_gaps: Vec::new(),
        }
    }

    /// The raw bytes of a file, by its path relative to the node's root.
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    /// A file as text; invalid UTF-8 is replaced, never an error (names on a node are bytes).
    pub fn text(&self, path: &str) -> Option<Cow<'_, str>> {
        self.file(path).map(String::from_utf8_lossy)
    }

    pub fn has_dir(&self, path: &str) -> bool {
        self.dirs.contains(path)
    }

    /// Every directory at or below `prefix` (no trailing slash), in sorted order.
    pub fn dirs_under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let own = self.dirs.get(prefix).map(String::as_str);
        own.into_iter()
            .chain(below(&self.dirs, prefix).map(String::as_str))
    }

    /// Every file at or below `prefix` (no trailing slash), in sorted order.
    pub fn files_under<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a [u8])> + 'a {
        let own = self.files.get_key_value(prefix);
        let children = below_map(&self.files, prefix);
        own.into_iter()
            .chain(children)
            .map(|(p, b)| (p.as_str(), b.as_slice()))
    }

    /// The pids that have a directory under `proc/`, ascending.
    pub fn pids(&self) -> Vec<u32> {
        let mut pids: Vec<u32> = self
            .dirs_under("proc")
            .filter_map(|d| d.strip_prefix("proc/"))
            .filter(|rest| !rest.contains('/'))
            .filter_map(|name| name.parse().ok())
            .collect();
        pids.sort_unstable();
        pids
    }

    pub fn file_count(&self) -> usize {
        self.files.len()
    }
}

/// Entries strictly below `prefix`: all start with `prefix/`, which is one contiguous range of
/// the sorted set (a sibling such as `cpu,cpuacct` sorts between `cpu` and `cpu/` and is skipped).
fn below<'a>(set: &'a BTreeSet<String>, prefix: &str) -> impl Iterator<Item = &'a String> + 'a {
    let start = format!("{prefix}/");
    let end = format!("{prefix}0"); // '0' is the byte after '/'
    set.range(start..end)
}

fn below_map<'a>(
    map: &'a BTreeMap<String, Vec<u8>>,
    prefix: &str,
) -> impl Iterator<Item = (&'a String, &'a Vec<u8>)> + 'a {
    let start = format!("{prefix}/");
    let end = format!("{prefix}0");
    map.range(start..end)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use nodesnap_format::{CmdlinePolicy, CollectOptions, Counts, FORMAT_VERSION};

    pub(crate) fn manifest() -> Manifest {
        Manifest {
            format_version: FORMAT_VERSION,
            collector_version: "0.1.0".into(),
            hostname: Some("node".into()),
            kernel: Some("6.1.0".into()),
            started_at: "2026-01-01T00:00:00Z".into(),
            finished_at: "2026-01-01T00:00:01Z".into(),
            duration_ms: 1000,
            collector_pid: None,
            options: CollectOptions {
                root: "/".into(),
                cmdline: CmdlinePolicy::Redacted,
                timeout_secs: 60,
                read_timeout_ms: 1000,
                max_file_bytes: 1 << 20,
                max_total_bytes: 1 << 30,
            },
            counts: Counts::default(),
            gaps: Vec::new(),
        }
    }

    /// A snapshot holding the given files (path relative to the node's root, text); for tests
    /// anywhere in the crate.
    pub(crate) fn snapshot_with(files: &[(&str, &str)]) -> Snapshot {
        let files = files
            .iter()
            .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec()))
            .collect();
        Snapshot::from_parts(
            "test",
            manifest(),
            RuntimeMetadata::default(),
            files,
            BTreeSet::new(),
        )
    }

    fn snapshot(paths: &[&str]) -> Snapshot {
        let files = paths
            .iter()
            .map(|p| (p.to_string(), b"x".to_vec()))
            .collect();
        Snapshot::from_parts(
            "test",
            manifest(),
            RuntimeMetadata::default(),
            files,
            BTreeSet::new(),
        )
    }

    /// Every input kept under fuzz/regressions/<target>/ (crashes once found, and seeds), run
    /// through the fuzz target's body on stable.
    #[test]
    fn fuzz_regressions_replay_without_panic() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions");
        type FuzzBody = fn(&[u8]);
        let targets: [(&str, FuzzBody); 4] = [
            ("load", super::fuzz_load),
            ("procfs", crate::procfs::fuzz_parsers),
            ("cgroupfs", crate::cgroupfs::fuzz_parsers),
            ("render", crate::report::fuzz_render),
        ];
        for (target, run) in targets {
            let dir = root.join(target);
            let mut count = 0;
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                run(&bytes);
                count += 1;
            }
            assert!(count > 0, "no regression inputs in {}", dir.display());
        }
    }

    #[test]
    fn pids_lists_numeric_proc_dirs_only() {
        let s = snapshot(&["proc/12/stat", "proc/3/ns/net", "proc/sys/kernel/hostname"]);
        assert_eq!(s.pids(), vec![3, 12]);
    }

    #[test]
    fn dirs_under_does_not_match_a_sibling_with_the_same_prefix() {
        let s = snapshot(&["sys/fs/cgroup/cpu/a", "sys/fs/cgroup/cpu,cpuacct/b"]);
        let dirs: Vec<&str> = s.dirs_under("sys/fs/cgroup/cpu").collect();
        assert_eq!(dirs, vec!["sys/fs/cgroup/cpu"]);
        let s = snapshot(&["sys/fs/cgroup/cpu/x/y", "sys/fs/cgroup/cpu,cpuacct/b"]);
        let dirs: Vec<&str> = s.dirs_under("sys/fs/cgroup/cpu").collect();
        assert_eq!(dirs, vec!["sys/fs/cgroup/cpu", "sys/fs/cgroup/cpu/x"]);
        let files: Vec<&str> = s.files_under("sys/fs/cgroup/cpu").map(|f| f.0).collect();
        assert_eq!(files, vec!["sys/fs/cgroup/cpu/x/y"]);
    }
}
