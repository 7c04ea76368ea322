//! What a load has read so far: files, bundles and directories keyed by their archive path,
//! the gaps and where reading stopped, charged against the load's limits; and the checks that
//! turn an entry's name into a safe relative path.
//!
//! Only entries that a nodesnap snapshot or an sosreport can use are kept: an sosreport holds
//! logs and configs by the hundred megabytes that the model never reads, so they are passed
//! over without being held (their names are kept, bounded, for the gaps of a nodesnap
//! snapshot, where any such entry is a stray).

use super::sos;
use super::{human_bytes, LoadLimits, LoadStats, ENTRY_OVERHEAD_BYTES, MAX_NAME_BYTES};
use nodesnap_format::{Gap, GapReason, BUNDLE_FILE};
use std::collections::{BTreeMap, BTreeSet};

/// Where and why reading stopped early.
pub(super) struct Damage {
    /// The archive path of the entry where it happened, if any.
    pub(super) at: Option<String>,
    pub(super) detail: String,
}

/// Entries read so far, keyed by their normalized path inside the archive.
pub(super) struct Collected {
    pub(super) limits: LoadLimits,
    pub(super) files: BTreeMap<String, Vec<u8>>,
    /// Format 2 bundles, keyed by the archive path of the directory they describe.
    pub(super) bundles: BTreeMap<String, Vec<u8>>,
    pub(super) dirs: BTreeSet<String>,
    /// Keyed by archive path until the top directory is known.
    pub(super) gaps: Vec<Gap>,
    pub(super) gaps_not_listed: u64,
    pub(super) damage: Option<Damage>,
    pub(super) stats: LoadStats,
    /// Entries passed over because neither layout uses them (at most `limits.gaps` names; the
    /// rest counted).
    pub(super) passed_over: Vec<String>,
    pub(super) passed_over_not_listed: u64,
    /// The directories (archive paths, "" for the archive's root) that hold an sosreport's
    /// marks: `sos_commands/`, `sos_logs/`, `sos_reports/` or `version.txt`.
    pub(super) sos_tops: BTreeSet<String>,
    /// Where the symbolic links recorded as gaps point (at most `limits.gaps`): an sosreport
    /// links a copied file to another it holds (`etc/os-release` to `usr/lib/os-release`).
    pub(super) link_targets: BTreeMap<String, String>,
}

impl Collected {
    pub(super) fn new(limits: LoadLimits) -> Collected {
        Collected {
            limits,
            files: BTreeMap::new(),
            bundles: BTreeMap::new(),
            dirs: BTreeSet::new(),
            gaps: Vec::new(),
            gaps_not_listed: 0,
            damage: None,
            stats: LoadStats::default(),
            passed_over: Vec::new(),
            passed_over_not_listed: 0,
            sos_tops: BTreeSet::new(),
            link_targets: BTreeMap::new(),
        }
    }

    /// Notes where a skipped symbolic link points.
    pub(super) fn link(&mut self, path: &str, target: &[u8]) {
        if self.link_targets.len() < self.limits.gaps && target.len() <= MAX_NAME_BYTES {
            self.link_targets.insert(
                path.to_string(),
                String::from_utf8_lossy(target).into_owned(),
            );
        }
    }

    /// Whether an entry at `path` (normalized archive path) is one a snapshot or an sosreport
    /// can use; an entry that is not is noted and its data never read in. Notes the sosreport
    /// marks on the way.
    pub(super) fn wants(&mut self, path: &str, is_dir: bool) -> bool {
        let (top, rest) = match path.split_once('/') {
            Some((top, rest)) => (top, Some(rest)),
            None => (path, None),
        };
        if sos::is_mark(path) {
            self.sos_tops.insert(String::new());
        } else if rest.is_some_and(sos::is_mark) && !self.sos_tops.contains(top) {
            self.sos_tops.insert(top.to_string());
        }
        let wanted = |relative: &str| is_snapshot_path(relative) || sos::wants(relative, is_dir);
        // A top-level entry is a top directory, or a snapshot laid out without one.
        if rest.is_none() || wanted(path) || rest.is_some_and(wanted) {
            return true;
        }
        if self.passed_over.len() < self.limits.gaps {
            let mut name = path.to_string();
            truncate_to_char_boundary(&mut name, MAX_NAME_BYTES);
            self.passed_over.push(name);
        } else {
            self.passed_over_not_listed += 1;
        }
        false
    }

    pub(super) fn gap(&mut self, path: impl Into<String>, detail: impl Into<String>) {
        if self.gaps.len() >= self.limits.gaps {
            self.gaps_not_listed += 1;
            return;
        }
        let mut path: String = path.into();
        truncate_to_char_boundary(&mut path, MAX_NAME_BYTES);
        self.gaps.push(Gap {
            path,
            reason: GapReason::Unreadable,
            detail: Some(detail.into()),
        });
    }

    pub(super) fn stop(&mut self, at: Option<String>, detail: impl Into<String>) {
        if self.damage.is_none() {
            self.damage = Some(Damage {
                at,
                detail: detail.into(),
            });
        }
    }

    pub(super) fn count_entry(&mut self, at: impl FnOnce() -> String) -> bool {
        self.stats.entries += 1;
        if self.stats.entries > self.limits.entries {
            self.stop(
                Some(at()),
                format!(
                    "more than {} entries; the rest of the archive was not read",
                    self.limits.entries
                ),
            );
            return false;
        }
        true
    }

    /// Charges a kept entry against the retained budget; false (and reading stops) when full.
    pub(super) fn charge(&mut self, path: &str, content: u64) -> bool {
        let cost = content
            .saturating_add(path.len() as u64)
            .saturating_add(ENTRY_OVERHEAD_BYTES);
        let total = self.stats.retained_bytes.saturating_add(cost);
        if total > self.limits.retained_bytes {
            self.stop(
                Some(path.to_string()),
                format!(
                    "the snapshot holds more than {} of files; the rest was not read",
                    human_bytes(self.limits.retained_bytes)
                ),
            );
            return false;
        }
        self.stats.retained_bytes = total;
        true
    }

    pub(super) fn add_dir(&mut self, path: String) -> bool {
        if self.dirs.contains(&path) {
            return true;
        }
        if !self.charge(&path, 0) {
            return false;
        }
        self.dirs.insert(path);
        true
    }

    pub(super) fn add_file(&mut self, path: String, content: Vec<u8>) -> bool {
        if let Some(dir) = path
            .strip_suffix(BUNDLE_FILE)
            .and_then(|rest| rest.strip_suffix('/'))
        {
            if self.bundles.contains_key(dir) {
                self.gap(path, "appears twice in the archive; the first copy is kept");
                return true;
            }
            if !self.charge(&path, content.len() as u64) {
                return false;
            }
            self.bundles.insert(dir.to_string(), content);
            return true;
        }
        if self.files.contains_key(&path) {
            self.gap(path, "appears twice in the archive; the first copy is kept");
            return true;
        }
        if !self.charge(&path, content.len() as u64) {
            return false;
        }
        self.files.insert(path, content);
        true
    }
}

/// A path inside a snapshot's top directory that a nodesnap snapshot holds: the manifest, the
/// runtime metadata, and everything under `root/`.
fn is_snapshot_path(relative: &str) -> bool {
    relative == nodesnap_format::MANIFEST_PATH
        || relative == nodesnap_format::METADATA_PATH
        || relative == "meta"
        || relative == nodesnap_format::ROOT_DIR
        || relative.starts_with("root/")
        || relative == nodesnap_format::SAMPLES_DIR
        || relative.starts_with("samples/")
}

/// Turns an entry name into a safe relative path (`a/b/c`), or says why it is unusable.
pub(super) fn normalize(name: &[u8]) -> Result<String, &'static str> {
    if name.len() > MAX_NAME_BYTES {
        return Err("name longer than 4096 bytes");
    }
    let name = std::str::from_utf8(name).map_err(|_| "name is not UTF-8")?;
    if name.starts_with('/') {
        return Err("absolute name");
    }
    if name.contains('\0') {
        return Err("name holds a NUL byte");
    }
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("name holds '..'"),
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return Err("empty name");
    }
    Ok(parts.join("/"))
}

/// A name for a gap when the entry's own name is unusable: lossy, control characters escaped
/// (backslashes stay single: systemd writes `\x2d` into unit names), bounded.
pub(super) fn printable_name(name: &[u8]) -> String {
    let lossy = String::from_utf8_lossy(name.get(..MAX_NAME_BYTES).unwrap_or(name));
    let mut shown = String::with_capacity(lossy.len());
    for c in lossy.chars() {
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    truncate_to_char_boundary(&mut shown, MAX_NAME_BYTES);
    shown
}

pub(super) fn truncate_to_char_boundary(text: &mut String, max: usize) {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
}
