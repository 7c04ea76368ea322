//! The snapshot id: one short name for one collection, the same wherever its file is copied,
//! renamed or extracted, different for two collections of one host. It keys the fleet page's
//! rows and the names of the reports written beside it (and the export's rows: the one
//! definition for every front end that handles many snapshots).
//!
//! Derived from what the collection says about itself, never from the file: the node's boot id
//! (`proc/sys/kernel/random/boot_id`, absent in some old or damaged snapshots), its hostname,
//! and the manifest's start and end times, duration and collector pid. A second collection of
//! a node starts at another second, or runs as another pid; a node rebooted gets a new boot
//! id. The fields are hashed with SHA-256 (each with its length, so no two field lists run
//! together) and the first 16 hex digits kept: 64 bits, no collision in any fleet.

use super::Snapshot;
use nodesnap_format::Manifest;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;

/// The node's boot id, one UUID per boot, under the snapshot's root.
pub const BOOT_ID_FILE: &str = "proc/sys/kernel/random/boot_id";

/// Bumped if the derivation ever changes, so that old and new ids cannot be confused.
const DERIVATION: &str = "nodesnap snapshot id 1";

/// 16 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct SnapshotId(String);

impl SnapshotId {
    /// The id of a loaded snapshot.
    pub fn of(snapshot: &Snapshot) -> SnapshotId {
        let boot_id = snapshot.text(BOOT_ID_FILE);
        SnapshotId::from_parts(boot_id.as_deref().map(str::trim), &snapshot.manifest)
    }

    /// The id from the boot id and the manifest (the pieces `of` reads).
    pub fn from_parts(boot_id: Option<&str>, manifest: &Manifest) -> SnapshotId {
        let pid = manifest.collector_pid.map(|p| p.to_string());
        let duration = manifest.duration_ms.to_string();
        let fields: [Option<&str>; 6] = [
            boot_id,
            manifest.hostname.as_deref(),
            Some(&manifest.started_at),
            Some(&manifest.finished_at),
            Some(&duration),
            pid.as_deref(),
        ];
        let mut hash = Sha256::new();
        hash.update(DERIVATION.as_bytes());
        for field in fields {
            match field {
                // An absent field differs from an empty one.
                None => hash.update(u64::MAX.to_le_bytes()),
                Some(text) => {
                    hash.update((text.len() as u64).to_le_bytes());
                    hash.update(text.as_bytes());
                }
            }
        }
        let digest = hash.finalize();
        SnapshotId(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
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
        assert_eq!(SnapshotId::of(&a).as_str().len(), 16);
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
