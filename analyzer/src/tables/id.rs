//! The snapshot id: one collection's name in every exported row, derived from what the snapshot
//! holds so that a copy, a rename or the extracted directory of one tarball all get the same id,
//! while two collections of one host never do.
//!
//! It is the first 128 bits, in hex, of SHA-256 over a versioned record of: the manifest's
//! hostname, `started_at`, `finished_at`, `duration_ms`, `collector_pid` and counts, and the
//! node's `proc/sys/kernel/random/boot_id`, `proc/uptime` and `proc/stat` as collected. The
//! manifest's times are whole seconds; `proc/uptime` (hundredths of a second) and the counters of
//! `proc/stat` move between any two collections, so two runs on one host within a second still
//! differ. A snapshot that lost all of those to damage (no manifest, no uptime, no stat) is named
//! by a digest of every file it holds instead.

use crate::snapshot::Snapshot;
use sha2::{Digest, Sha256};
use std::fmt;

/// 32 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SnapshotId(String);

impl SnapshotId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SnapshotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The node files that tell one collection from another.
const CLOCK_FILES: [&str; 3] = ["proc/sys/kernel/random/boot_id", "proc/uptime", "proc/stat"];

/// Bumped if the record below ever changes, which changes every id.
const RECORD_VERSION: &str = "nodesnap-snapshot-id-1";

pub fn snapshot_id(snapshot: &Snapshot) -> SnapshotId {
    let manifest = &snapshot.manifest;
    let mut record = Record(Sha256::new());
    record.field("version", Some(RECORD_VERSION.as_bytes()));
    record.field("hostname", manifest.hostname.as_deref().map(str::as_bytes));
    record.field("started_at", Some(manifest.started_at.as_bytes()));
    record.field("finished_at", Some(manifest.finished_at.as_bytes()));
    record.number("duration_ms", Some(manifest.duration_ms));
    record.number("collector_pid", manifest.collector_pid.map(u64::from));
    record.number("processes", Some(manifest.counts.processes));
    record.number("cgroups", Some(manifest.counts.cgroups));
    record.number("files", Some(manifest.counts.files));
    record.number("bytes", Some(manifest.counts.bytes));
    for path in CLOCK_FILES {
        record.field(path, snapshot.file(path));
    }
    let has_clock = !manifest.started_at.is_empty()
        || snapshot.file("proc/uptime").is_some()
        || snapshot.file("proc/stat").is_some();
    if !has_clock {
        for (path, content) in snapshot.all_files() {
            record.field(&path, Some(content));
        }
    }
    let digest = record.0.finalize();
    let mut hex = String::with_capacity(32);
    for byte in &digest[..16] {
        hex.push_str(&format!("{byte:02x}"));
    }
    SnapshotId(hex)
}

/// Length-prefixed fields, so that no two different records hash the same bytes.
struct Record(Sha256);

impl Record {
    fn field(&mut self, name: &str, value: Option<&[u8]>) {
        self.0.update(name.as_bytes());
        match value {
            Some(bytes) => {
                self.0.update(format!(":{}:", bytes.len()).as_bytes());
                self.0.update(bytes);
            }
            None => self.0.update(b":absent:"),
        }
        self.0.update(b"\n");
    }

    fn number(&mut self, name: &str, value: Option<u64>) {
        let text = value.map(|v| v.to_string());
        self.field(name, text.as_deref().map(str::as_bytes));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::tests::manifest;
    use nodesnap_format::RuntimeMetadata;
    use std::collections::{BTreeMap, BTreeSet};

    fn snapshot(started_at: &str, uptime: Option<&str>, source: &str) -> Snapshot {
        let mut files = BTreeMap::new();
        files.insert(
            "proc/sys/kernel/random/boot_id".to_string(),
            b"6f1c2a8e-0d1b-4c77-9a59-1b2f3c4d5e6f\n".to_vec(),
        );
        if let Some(uptime) = uptime {
            files.insert("proc/uptime".to_string(), uptime.as_bytes().to_vec());
        }
        files.insert("proc/1/stat".to_string(), b"1 (init) S 0".to_vec());
        let manifest = nodesnap_format::Manifest {
            started_at: started_at.to_string(),
            ..manifest()
        };
        Snapshot::from_parts(
            source,
            manifest,
            RuntimeMetadata::default(),
            files,
            BTreeSet::new(),
        )
    }

    #[test]
    fn the_same_content_gets_the_same_id_wherever_it_was_read_from() {
        let a = snapshot_id(&snapshot(
            "2026-01-01T00:00:00Z",
            Some("5.01 9.00\n"),
            "a.tar.gz",
        ));
        let b = snapshot_id(&snapshot(
            "2026-01-01T00:00:00Z",
            Some("5.01 9.00\n"),
            "/x/b",
        ));
        assert_eq!(a, b);
        assert_eq!(a.as_str().len(), 32);
        assert!(a.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn two_collections_of_one_host_differ_even_within_one_second() {
        let first = snapshot_id(&snapshot("2026-01-01T00:00:00Z", Some("5.01 9.00\n"), "a"));
        let later = snapshot_id(&snapshot("2026-01-01T00:00:07Z", Some("12.0 9.00\n"), "a"));
        let same_second = snapshot_id(&snapshot("2026-01-01T00:00:00Z", Some("5.43 9.80\n"), "a"));
        assert_ne!(first, later);
        assert_ne!(first, same_second);
    }

    #[test]
    fn a_snapshot_without_any_clock_is_named_by_its_files() {
        let bare = |stat: &[u8]| {
            let mut s = snapshot("", None, "a");
            let mut files = BTreeMap::new();
            files.insert("proc/1/stat".to_string(), stat.to_vec());
            s = Snapshot::from_parts("a", s.manifest, s.metadata, files, BTreeSet::new());
            snapshot_id(&s)
        };
        assert_eq!(bare(b"1 (init) S 0"), bare(b"1 (init) S 0"));
        assert_ne!(bare(b"1 (init) S 0"), bare(b"1 (init) R 0"));
    }
}
