//! The snapshot id: one collection's name, the same wherever its file is copied, renamed or
//! extracted, different for two collections of one host. The one definition for every front end
//! that handles many snapshots: it keys the export's rows, the fleet page's rows and the names of
//! the reports written beside that page.
//!
//! It is the first 128 bits, in hex, of SHA-256 over a versioned record of: the manifest's
//! hostname, `started_at`, `finished_at`, `duration_ms`, `collector_pid` and counts, and the
//! node's `proc/sys/kernel/random/boot_id`, `proc/uptime` and `proc/stat` as collected. The
//! manifest's times are whole seconds; `proc/uptime` (hundredths of a second) and the counters of
//! `proc/stat` move between any two collections, so two runs on one host within a second still
//! differ. A snapshot that lost all of those to damage (no manifest, no uptime, no stat) is named
//! by a digest of every file it holds instead.

use super::Snapshot;
use nodesnap_format::{Manifest, RuntimeMetadata};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The node's boot id, one UUID per boot, under the snapshot's root.
pub const BOOT_ID_FILE: &str = "proc/sys/kernel/random/boot_id";

/// 32 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct SnapshotId(String);

impl SnapshotId {
    /// The id of a loaded snapshot.
    pub fn of(snapshot: &Snapshot) -> SnapshotId {
        snapshot_id(snapshot)
    }

    /// The id of a collection known only by its boot id and manifest: that of a snapshot
    /// holding nothing else.
    pub fn from_parts(boot_id: Option<&str>, manifest: &Manifest) -> SnapshotId {
        let mut files = BTreeMap::new();
        if let Some(boot_id) = boot_id {
            files.insert(
                BOOT_ID_FILE.to_string(),
                format!("{boot_id}\n").into_bytes(),
            );
        }
        let snapshot = Snapshot::from_parts(
            "",
            manifest.clone(),
            RuntimeMetadata::default(),
            files,
            BTreeSet::new(),
        );
        snapshot_id(&snapshot)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SnapshotId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// The node files that tell one collection from another.
const CLOCK_FILES: [&str; 3] = [BOOT_ID_FILE, "proc/uptime", "proc/stat"];

/// Bumped if the record below ever changes, which changes every id.
const RECORD_VERSION: &str = "nodesnap-snapshot-id-1";

fn snapshot_id(snapshot: &Snapshot) -> SnapshotId {
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
    use std::collections::BTreeMap;

    fn manifest(hostname: &str, started_at: &str) -> Manifest {
        Manifest {
            hostname: Some(hostname.to_string()),
            started_at: started_at.to_string(),
            finished_at: started_at.to_string(),
            ..Manifest::empty()
        }
    }

    fn snapshot(boot_id: Option<&str>, manifest: Manifest, source: &str) -> Snapshot {
        let mut files = BTreeMap::new();
        if let Some(boot_id) = boot_id {
            files.insert(
                BOOT_ID_FILE.to_string(),
                format!("{boot_id}\n").into_bytes(),
            );
        }
        Snapshot::from_parts(
            source,
            manifest,
            Default::default(),
            files,
            Default::default(),
        )
    }

    const BOOT: &str = "5b1e0f7c-3d9a-4c61-8f0e-2a7d94c1b6e3";

    #[test]
    fn the_same_collection_has_the_same_id_wherever_it_is_read_from() {
        let a = snapshot(
            Some(BOOT),
            manifest("node-a", "2025-01-01T00:00:00Z"),
            "a.tar.gz",
        );
        let b = snapshot(
            Some(BOOT),
            manifest("node-a", "2025-01-01T00:00:00Z"),
            "renamed/elsewhere.tgz",
        );
        assert_eq!(SnapshotId::of(&a), SnapshotId::of(&b));
        assert_eq!(SnapshotId::of(&a).as_str().len(), 32);
        assert!(SnapshotId::of(&a)
            .as_str()
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }

    #[test]
    fn another_collection_another_boot_or_another_host_has_another_id() {
        let id = |boot: Option<&str>, host: &str, at: &str| {
            SnapshotId::of(&snapshot(boot, manifest(host, at), "x.tar.gz"))
        };
        let first = id(Some(BOOT), "node-a", "2025-01-01T00:00:00Z");
        for other in [
            id(Some(BOOT), "node-a", "2025-01-01T00:00:01Z"),
            id(
                Some("0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b"),
                "node-a",
                "2025-01-01T00:00:00Z",
            ),
            id(Some(BOOT), "node-b", "2025-01-01T00:00:00Z"),
            id(None, "node-a", "2025-01-01T00:00:00Z"),
            id(Some(""), "node-a", "2025-01-01T00:00:00Z"),
        ] {
            assert_ne!(first, other);
        }
        let mut second_run = manifest("node-a", "2025-01-01T00:00:00Z");
        second_run.collector_pid = Some(4242);
        assert_ne!(
            first,
            SnapshotId::of(&snapshot(Some(BOOT), second_run, "x.tar.gz")),
            "two runs in one second differ by the collector's pid"
        );
    }

    #[test]
    fn fields_cannot_run_together() {
        let a = SnapshotId::from_parts(Some("ab"), &manifest("c", "t"));
        let b = SnapshotId::from_parts(Some("a"), &manifest("bc", "t"));
        assert_ne!(a, b);
    }
}

#[cfg(test)]
mod derivation_tests {
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
        let a = SnapshotId::of(&snapshot(
            "2026-01-01T00:00:00Z",
            Some("5.01 9.00\n"),
            "a.tar.gz",
        ));
        let b = SnapshotId::of(&snapshot(
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
        let first = SnapshotId::of(&snapshot("2026-01-01T00:00:00Z", Some("5.01 9.00\n"), "a"));
        let later = SnapshotId::of(&snapshot("2026-01-01T00:00:07Z", Some("12.0 9.00\n"), "a"));
        let same_second =
            SnapshotId::of(&snapshot("2026-01-01T00:00:00Z", Some("5.43 9.80\n"), "a"));
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
            SnapshotId::of(&s)
        };
        assert_eq!(bare(b"1 (init) S 0"), bare(b"1 (init) S 0"));
        assert_ne!(bare(b"1 (init) S 0"), bare(b"1 (init) R 0"));
    }
}
