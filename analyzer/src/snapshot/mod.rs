//! A snapshot held in memory: its manifest, its runtime metadata, and the raw bytes of every
//! file the collector copied from the node, keyed by their path relative to the node's root.
//!
//! `load` (in `load/`) reads a .tar.gz, a .tar or an extracted directory into this; the model
//! only ever sees a `Snapshot`, never the filesystem.

pub mod discover;

pub mod id;
mod lenient;
mod load;
pub use id::SnapshotId;
mod samples;
#[doc(hidden)]
pub use load::{fuzz_load, FUZZ_LIMITS};
pub use load::{
    load, load_bytes, load_with_limits, LoadError, LoadLimits, LoadStats, ENTRY_OVERHEAD_BYTES,
    MAX_ENTRIES, MAX_ENTRY_BYTES, MAX_GAPS, MAX_INFLATED_BYTES, MAX_METADATA_BYTES, MAX_NAME_BYTES,
    MAX_PAX_BYTES, MAX_RETAINED_BYTES,
};

pub use samples::Sample;

use nodesnap_format::bundle::{self, BundleError};
use nodesnap_format::{Gap, Manifest, RuntimeMetadata};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Up to this many records, a bundle's names are checked for repeats by a scan.
const LINEAR_NAME_CHECK: usize = 32;

/// What wrote the files a [`Snapshot`] holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Origin {
    /// nodesnap's collector: a manifest, runtime metadata and the node's files under `root/`.
    #[default]
    Nodesnap,
    /// sos (`sos report`): the node's files under their own paths, command outputs under
    /// `sos_commands/`; the manifest is a placeholder and `model::sos` reads sos's own record.
    Sosreport,
}

/// Everything read from one snapshot.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Where the snapshot came from, for messages.
    pub source: String,
    pub origin: Origin,
    pub manifest: Manifest,
    pub metadata: RuntimeMetadata,
    /// Directories under the snapshot's `root/`, keyed like `sys/fs/cgroup/memory/kubepods`,
    /// each with the files it holds. Every parent of a directory is a key too. Files are kept
    /// per directory because format 2 stores them that way (one bundle per process or cgroup
    /// directory): a bundle is indexed in place, never split into one allocation per file.
    dirs: BTreeMap<String, DirFiles>,
    file_count: usize,
    /// Entries the analyzer could not use (damaged, unsafe or over a limit), reported with the
    /// collector's gaps.
    pub load_gaps: Vec<Gap>,
    /// The later samples (`collector --samples`), in order; empty for one sample.
    samples: Vec<Sample>,
}

/// The files of one directory: their bytes side by side and where each name and content sits.
#[derive(Debug, Clone, Default)]
pub struct DirFiles {
    bytes: Vec<u8>,
    spans: Vec<FileSpan>,
}

/// Offsets into [`DirFiles::bytes`]; u32 because one directory's bytes are bounded by the
/// loader's per-entry limit (16 MiB), far below 4 GiB.
#[derive(Debug, Clone, Copy)]
struct FileSpan {
    name: (u32, u32),
    content: (u32, u32),
}

/// Why a file could not join its directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirFilesProblem {
    /// The directory already holds a file of this name; the first one is kept.
    Duplicate(String),
    /// The bundle is damaged from this point on; the records before it are kept.
    Damaged(BundleError),
}

impl DirFiles {
    /// Indexes a format 2 bundle in place. Records after damage are lost (and reported);
    /// a second record of the same name is reported and the first kept.
    pub fn from_bundle(bytes: Vec<u8>) -> (DirFiles, Vec<DirFilesProblem>) {
        let mut problems = Vec::new();
        let mut spans: Vec<FileSpan> = Vec::new();
        if u32::try_from(bytes.len()).is_err() {
            problems.push(DirFilesProblem::Damaged(BundleError {
                offset: 0,
                problem: "bundle larger than 4 GiB",
            }));
            return (DirFiles::default(), problems);
        }
        // Bundles hold a few dozen records; a hostile one may hold a million, so names are
        // checked against a set once the list is long.
        let mut seen: Option<HashSet<&[u8]>> = None;
        for record in bundle::records(&bytes) {
            match record {
                Ok(record) => {
                    let name = &bytes[record.name.clone()];
                    let duplicate = match &mut seen {
                        Some(set) => !set.insert(name),
                        None => {
                            let duplicate =
                                spans.iter().any(|span| slice(&bytes, span.name) == name);
                            if spans.len() >= LINEAR_NAME_CHECK {
                                let mut set: HashSet<&[u8]> =
                                    spans.iter().map(|span| slice(&bytes, span.name)).collect();
                                set.insert(name);
                                seen = Some(set);
                            }
                            duplicate
                        }
                    };
                    if duplicate {
                        problems.push(DirFilesProblem::Duplicate(
                            String::from_utf8_lossy(name).into_owned(),
                        ));
                        continue;
                    }
                    spans.push(FileSpan {
                        name: (record.name.start as u32, record.name.end as u32),
                        content: (record.content.start as u32, record.content.end as u32),
                    });
                }
                Err(error) => problems.push(DirFilesProblem::Damaged(error)),
            }
        }
        (DirFiles { bytes, spans }, problems)
    }

    /// Adds one file (a format 1 entry, or a test's file); refused when the directory would
    /// pass 4 GiB. The caller makes sure the name is not taken (a map of paths cannot repeat
    /// one; [`DirFiles::names`] serves the rare merge of a bundle with single files).
    pub fn push(&mut self, name: &str, content: &[u8]) -> Result<(), DirFilesProblem> {
        let start = self.bytes.len();
        let end = start + name.len() + content.len();
        if u32::try_from(end).is_err() {
            return Err(DirFilesProblem::Damaged(BundleError {
                offset: start,
                problem: "directory larger than 4 GiB",
            }));
        }
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.extend_from_slice(content);
        let name_end = (start + name.len()) as u32;
        self.spans.push(FileSpan {
            name: (start as u32, name_end),
            content: (name_end, end as u32),
        });
        Ok(())
    }

    /// The content of the file `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.spans
            .iter()
            .find(|span| slice(&self.bytes, span.name) == name.as_bytes())
            .map(|span| slice(&self.bytes, span.content))
    }

    /// Names and contents, in the order they were stored. Names are checked file names
    /// (printable ASCII) in bundles; a format 1 name is whatever UTF-8 the entry had.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.spans.iter().map(|span| {
            let name = std::str::from_utf8(slice(&self.bytes, span.name)).unwrap_or("");
            (name, slice(&self.bytes, span.content))
        })
    }

    /// The names held, for checking many single files against a bundle at once.
    pub fn names(&self) -> HashSet<Vec<u8>> {
        self.spans
            .iter()
            .map(|span| slice(&self.bytes, span.name).to_vec())
            .collect()
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Bytes held, for the loader's memory budget.
    pub fn retained_bytes(&self) -> u64 {
        (self.bytes.capacity() + self.spans.capacity() * std::mem::size_of::<FileSpan>()) as u64
    }
}

fn slice(bytes: &[u8], (start, end): (u32, u32)) -> &[u8] {
    bytes.get(start as usize..end as usize).unwrap_or_default()
}

impl Snapshot {
    /// Builds a snapshot from single files (path relative to the node's root) and directories;
    /// parent directories are added. For tests and tools that hold files one by one.
    pub fn from_parts(
        source: impl Into<String>,
        manifest: Manifest,
        metadata: RuntimeMetadata,
        files: BTreeMap<String, Vec<u8>>,
        dirs: BTreeSet<String>,
    ) -> Snapshot {
        let mut tree: BTreeMap<String, DirFiles> = dirs
            .into_iter()
            .map(|dir| (dir, DirFiles::default()))
            .collect();
        for (path, content) in files {
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
            // Keys of a map are unique, so a push cannot find the name taken.
            let _ = tree
                .entry(dir.to_string())
                .or_default()
                .push(name, &content);
        }
        Snapshot::from_tree(source, manifest, metadata, tree)
    }

    /// Builds a snapshot from directories with their files; parent directories are added
    /// (within [`parents_to_add`]'s budget; a gap says when some were not).
    pub fn from_tree(
        source: impl Into<String>,
        manifest: Manifest,
        metadata: RuntimeMetadata,
        mut dirs: BTreeMap<String, DirFiles>,
    ) -> Snapshot {
        let (parents, left_out) = parents_to_add(&dirs);
        let parents: Vec<String> = parents.into_iter().map(str::to_string).collect();
        for parent in parents {
            dirs.entry(parent).or_default();
        }
        let mut load_gaps = Vec::new();
        if left_out > 0 {
            load_gaps.push(Gap {
                path: nodesnap_format::ROOT_DIR.to_string(),
                reason: nodesnap_format::GapReason::Unreadable,
                detail: Some(format!(
                    "the parent directories of {left_out} deep directories are not listed: \
                     they would cost more than all the names the snapshot holds; their files \
                     are kept"
                )),
            });
        }
        // Files at the top of root/ (none in a collector's snapshot) live under the key "".
        let has_top_files = dirs.get("").is_some_and(|top| !top.is_empty());
        if !has_top_files {
            dirs.remove("");
        }
        let file_count = dirs.values().map(DirFiles::len).sum();
        Snapshot {
            source: source.into(),
            origin: Origin::Nodesnap,
            manifest,
            metadata,
            dirs,
            file_count,
            load_gaps,
            samples: Vec::new(),
        }
    }

    /// The snapshot with its later samples (the loader's last step).
    pub(crate) fn with_samples(mut self, samples: Vec<Sample>) -> Snapshot {
        self.samples = samples;
        self
    }

    /// The raw bytes of a file, by its path relative to the node's root.
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        self.dirs.get(dir)?.get(name)
    }

    /// A file as text; invalid UTF-8 is replaced, never an error (names on a node are bytes).
    pub fn text(&self, path: &str) -> Option<Cow<'_, str>> {
        self.file(path).map(String::from_utf8_lossy)
    }

    /// The files of one directory, such as `proc/42`.
    pub fn dir(&self, path: &str) -> Option<&DirFiles> {
        self.dirs.get(path)
    }

    pub fn has_dir(&self, path: &str) -> bool {
        self.dirs.contains_key(path)
    }

    /// Every directory at or below `prefix` (no trailing slash), in sorted order.
    pub fn dirs_under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let own = self.dirs.get_key_value(prefix).map(|(k, _)| k.as_str());
        own.into_iter()
            .chain(below(&self.dirs, prefix).map(|(k, _)| k.as_str()))
    }

    /// Every file at or below `prefix` (no trailing slash): its path and content, directory by
    /// directory in sorted order.
    pub fn files_under<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (String, &'a [u8])> + 'a {
        let own = self
            .file(prefix)
            .map(|content| (prefix.to_string(), content));
        let dirs = self
            .dirs
            .get_key_value(prefix)
            .into_iter()
            .chain(below(&self.dirs, prefix));
        own.into_iter().chain(dirs.flat_map(|(dir, files)| {
            files
                .iter()
                .map(move |(name, content)| (join(dir, name), content))
        }))
    }

    /// Every file: its path and content, directory by directory in sorted order.
    pub fn all_files(&self) -> impl Iterator<Item = (String, &[u8])> + '_ {
        self.dirs.iter().flat_map(|(dir, files)| {
            files
                .iter()
                .map(move |(name, content)| (join(dir, name), content))
        })
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
        self.file_count
    }

    /// Releases the files now and keeps what the model needs after parsing them.
    pub fn into_parts(self) -> (Manifest, RuntimeMetadata, Vec<Gap>) {
        drop(self.dirs);
        (self.manifest, self.metadata, self.load_gaps)
    }
}

/// Bytes of parent directory names a snapshot may add beyond the names it holds.
const PARENTS_SLACK_BYTES: usize = 1 << 20;
/// What one added directory costs besides its name: its map entry and empty file list.
const PARENT_OVERHEAD_BYTES: usize = 128;

/// The parent directories missing from `dirs` (slices of the names that imply them), and how
/// many names had theirs left out. Every parent costs its full path, so one name N levels
/// deep implies N paths of up to its length: quadratic in the depth. The parents added cost at
/// most the bytes of the names held plus [`PARENTS_SLACK_BYTES`] (a collector's snapshot
/// needs a handful: `proc`, `sys/fs`, ...); a name whose missing parents would pass that keeps
/// them unlisted. The names are walked in tree order (`/` sorting first) with the chain of
/// present directories above the previous one, so each missing parent is found without a
/// lookup and the work is linear in the bytes of names and parents.
fn parents_to_add(dirs: &BTreeMap<String, DirFiles>) -> (Vec<&str>, usize) {
    let tree_order = |a: &&str, b: &&str| {
        let key = |byte: u8| if byte == b'/' { 0 } else { byte };
        a.bytes().map(key).cmp(b.bytes().map(key))
    };
    let is_below = |dir: &str, name: &str| {
        name.len() > dir.len() && name.starts_with(dir) && name.as_bytes()[dir.len()] == b'/'
    };
    let mut names: Vec<&str> = dirs.keys().map(String::as_str).collect();
    names.sort_by(tree_order);
    let mut budget: usize = PARENTS_SLACK_BYTES + names.iter().map(|n| n.len()).sum::<usize>();
    let mut chain: Vec<&str> = Vec::new();
    let mut added: Vec<&str> = Vec::new();
    let mut left_out = 0usize;
    for name in names {
        while chain.last().is_some_and(|dir| !is_below(dir, name)) {
            chain.pop();
        }
        let from = chain.last().map_or(0, |dir| dir.len() + 1);
        let missing = || {
            name.bytes()
                .enumerate()
                .skip(from)
                .filter(|(_, byte)| *byte == b'/')
                .map(|(at, _)| &name[..at])
        };
        let cost: usize = missing().map(|p| p.len() + PARENT_OVERHEAD_BYTES).sum();
        if cost <= budget {
            budget -= cost;
            for parent in missing() {
                added.push(parent);
                chain.push(parent);
            }
        } else {
            left_out += 1;
        }
        chain.push(name);
    }
    (added, left_out)
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Entries strictly below `prefix`: all start with `prefix/`, which is one contiguous range of
/// the sorted map (a sibling such as `cpu,cpuacct` sorts between `cpu` and `cpu/` and is
/// skipped).
fn below<'a>(
    map: &'a BTreeMap<String, DirFiles>,
    prefix: &str,
) -> impl Iterator<Item = (&'a String, &'a DirFiles)> + 'a {
    let start = format!("{prefix}/");
    let end = format!("{prefix}0"); // '0' is the byte after '/'
    map.range(start..end)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use nodesnap_format::{CmdlinePolicy, CollectOptions};

    pub(crate) fn manifest() -> Manifest {
        Manifest {
            collector_version: "0.1.0".into(),
            hostname: Some("node".into()),
            kernel: Some("6.1.0".into()),
            started_at: "2026-01-01T00:00:00Z".into(),
            finished_at: "2026-01-01T00:00:01Z".into(),
            duration_ms: 1000,
            options: CollectOptions {
                root: "/".into(),
                cmdline: CmdlinePolicy::Redacted,
                timeout_secs: 60,
                read_timeout_ms: 1000,
                max_file_bytes: 1 << 20,
                max_total_bytes: 1 << 30,
            },
            ..Manifest::empty()
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

    fn tree(names: &[String]) -> BTreeMap<String, DirFiles> {
        names
            .iter()
            .map(|n| (n.clone(), DirFiles::default()))
            .collect()
    }

    #[test]
    fn parents_are_added_once_even_when_their_names_sort_apart() {
        // `a/b-x` sorts between `a/b` and `a/b/c` byte by byte; in tree order it does not.
        let names = ["a/b/c/d", "a/b-x/y", "a/b/e", "q"].map(String::from);
        let dirs = tree(&names);
        let (mut added, left_out) = parents_to_add(&dirs);
        added.sort();
        assert_eq!(added, ["a", "a/b", "a/b-x", "a/b/c"]);
        assert_eq!(left_out, 0);
        // Siblings below one deep missing chain add it once.
        let trunk = "t/".repeat(500);
        let names: Vec<String> = (0..1000).map(|i| format!("{trunk}n{i}")).collect();
        let dirs = tree(&names);
        let (added, left_out) = parents_to_add(&dirs);
        assert_eq!((added.len(), left_out), (500, 0));
    }

    #[test]
    fn deep_names_cannot_make_the_parents_cost_more_than_the_names() {
        // 200 distinct chains of 2,000 levels: all their parents would be 200 x 4 MB.
        let mut names: Vec<String> = (0..200)
            .map(|i| format!("a{i:03}/{}", "d/".repeat(2_000)))
            .collect();
        names.push("sys/fs/cgroup/memory/kubepods".to_string());
        let held: usize = names.iter().map(String::len).sum();
        let dirs = tree(&names);
        let (added, left_out) = parents_to_add(&dirs);
        let cost: usize = added.iter().map(|p| p.len() + PARENT_OVERHEAD_BYTES).sum();
        assert!(
            cost <= held + PARENTS_SLACK_BYTES,
            "{cost} bytes of parents"
        );
        assert!(left_out > 150, "{left_out}");
        // Names after the deep ones still get their parents.
        for parent in ["sys", "sys/fs", "sys/fs/cgroup", "sys/fs/cgroup/memory"] {
            assert!(added.contains(&parent), "{parent}");
        }
        let snapshot =
            Snapshot::from_tree("test", manifest(), RuntimeMetadata::default(), tree(&names));
        assert!(snapshot.has_dir("sys/fs/cgroup/memory"));
        assert_eq!(snapshot.load_gaps.len(), 1);
        let detail = snapshot.load_gaps[0].detail.as_deref().unwrap();
        assert!(
            detail.starts_with(&format!("the parent directories of {left_out} deep")),
            "{detail}"
        );
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
        let files: Vec<String> = s.files_under("sys/fs/cgroup/cpu").map(|f| f.0).collect();
        assert_eq!(files, vec!["sys/fs/cgroup/cpu/x/y"]);
    }
}
