//! Turns what a load collected into a [`Snapshot`]: finds the top directory, reads the manifest
//! (refusing a future format) and the runtime metadata, files every entry under its node path,
//! and reports what is missing or unusable as load gaps.

use super::collected::Collected;
use super::{one_line, LoadError, LoadStats, MIN_RECORD_BYTES};
use crate::snapshot::{DirFiles, DirFilesProblem, Sample, Snapshot};
use nodesnap_format::{
    Gap, GapReason, Manifest, RuntimeMetadata, BUNDLE_FILE, FORMAT_VERSION, MANIFEST_PATH,
    METADATA_PATH, ROOT_DIR, SAMPLES_DIR,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Finds the snapshot's top directory among the entries and builds the [`Snapshot`].
pub(super) fn assemble(
    source: &str,
    mut collected: Collected,
) -> Result<(Snapshot, LoadStats), LoadError> {
    let (top, has_manifest) = match find_top(source, &collected) {
        Ok(found) => found,
        // No manifest: an sosreport, if it has exactly one top with sos's marks.
        Err(error @ LoadError::MissingManifest { .. }) => {
            let tops: Vec<String> = collected.sos_tops.iter().cloned().collect();
            return match tops.as_slice() {
                [] => Err(error),
                [top] => super::sos::assemble_sos(source, &top.clone(), collected),
                several => Err(LoadError::SeveralSnapshots {
                    path: source.to_string(),
                    tops: several.join(", "),
                }),
            };
        }
        Err(error) => return Err(error),
    };
    // A snapshot's strays: entries outside its root/ that the reader passed over.
    for path in std::mem::take(&mut collected.passed_over) {
        collected.gap(path, "outside the snapshot's root/ directory; ignored");
    }
    collected.gaps_not_listed += std::mem::take(&mut collected.passed_over_not_listed);
    let top = Top(top);
    let manifest = take_manifest(source, &top, has_manifest, &mut collected)?;
    let metadata = take_metadata(&top, &mut collected);
    let samples = take_samples(&top, &manifest, &mut collected);
    let root = top.path(ROOT_DIR);
    let tree = node_tree(&root, "the snapshot's root/ directory", &mut collected);
    let promised = manifest.counts.files;
    let mut snapshot = Snapshot::from_tree(source, manifest, metadata, tree);
    let mut gaps = load_gaps(
        source,
        &root,
        promised,
        snapshot.file_count() as u64,
        &mut collected,
    );
    gaps.append(&mut snapshot.load_gaps);
    snapshot.load_gaps = gaps;
    Ok((snapshot.with_samples(samples), collected.stats))
}

/// Takes the entries of the later samples (`samples/<k>/`, format 3) out of what was read, one
/// tree per sample the manifest times. Entries of a sample it does not time are gaps.
fn take_samples(top: &Top, manifest: &Manifest, collected: &mut Collected) -> Vec<Sample> {
    let prefix = format!("{}/", top.path(SAMPLES_DIR));
    let times = manifest
        .sampling
        .as_ref()
        .map(|s| s.samples.as_slice())
        .unwrap_or_default();
    let mut trees: BTreeMap<u32, BTreeMap<String, DirFiles>> = BTreeMap::new();
    // `samples/<k>/<rest>` as (k, rest); None for anything else.
    let split = |path: &str| -> Option<(u32, String)> {
        let (k, rest) = path.strip_prefix(&prefix)?.split_once('/')?;
        Some((k.parse().ok()?, rest.to_string()))
    };
    let bundles: Vec<String> = collected
        .bundles
        .keys()
        .filter(|dir| dir.starts_with(&prefix))
        .cloned()
        .collect();
    let mut unusable = Vec::new();
    for dir in bundles {
        let Some(bytes) = collected.bundles.remove(&dir) else {
            continue;
        };
        let archive_path = format!("{dir}/{BUNDLE_FILE}");
        match split(&dir) {
            Some((k, rest)) if k >= 1 && (k as usize) < times.len() => {
                let (files, problems) = DirFiles::from_bundle(bytes);
                for problem in problems {
                    unusable.push((archive_path.clone(), bundle_problem(&problem)));
                }
                trees.entry(k).or_default().insert(rest, files);
            }
            _ => unusable.push((archive_path, NOT_A_SAMPLE.to_string())),
        }
    }
    let files: Vec<String> = collected
        .files
        .keys()
        .filter(|path| path.starts_with(&prefix))
        .cloned()
        .collect();
    for path in files {
        let Some(content) = collected.files.remove(&path) else {
            continue;
        };
        match split(&path) {
            Some((k, rest)) if k >= 1 && (k as usize) < times.len() => {
                let (dir, name) = rest.rsplit_once('/').unwrap_or(("", rest.as_str()));
                let slot = trees
                    .entry(k)
                    .or_default()
                    .entry(dir.to_string())
                    .or_default();
                if slot.get(name).is_some() {
                    unusable.push((path, "also in the directory's bundle; ignored".to_string()));
                } else if let Err(problem) = slot.push(name, &content) {
                    unusable.push((path, bundle_problem(&problem)));
                }
            }
            _ => unusable.push((path, NOT_A_SAMPLE.to_string())),
        }
    }
    for (path, detail) in unusable {
        collected.gap(path, detail);
    }
    trees
        .into_iter()
        .map(|(k, dirs)| Sample::new(k, times[k as usize], dirs))
        .collect()
}

/// Why an entry under `samples/` is not used.
const NOT_A_SAMPLE: &str =
    "under samples/ but not in a sample the manifest's sampling times; ignored";

/// The snapshot's top directory inside the archive: empty when the archive holds the snapshot's
/// files at its root.
struct Top(String);

impl Top {
    /// The archive path of `rest` (a path inside the snapshot).
    fn path(&self, rest: &str) -> String {
        if self.0.is_empty() {
            rest.to_string()
        } else {
            format!("{}/{rest}", self.0)
        }
    }
}

/// The manifest, or where it was lost to damage a placeholder with a gap that says so.
fn take_manifest(
    source: &str,
    top: &Top,
    has_manifest: bool,
    collected: &mut Collected,
) -> Result<Manifest, LoadError> {
    if has_manifest {
        let manifest_path = top.path(MANIFEST_PATH);
        let manifest_bytes = collected.files.remove(&manifest_path).unwrap_or_default();
        let (manifest, notes) = parse_manifest(source, &manifest_path, &manifest_bytes)?;
        for note in notes {
            collected.gap(MANIFEST_PATH, note);
        }
        return Ok(manifest);
    }
    collected.gap(
        MANIFEST_PATH,
        "lost to the damage: collector version, times, options (shown as the defaults, \
         cmdline redacted) and the collector's own gaps are unknown",
    );
    Ok(placeholder_manifest(
        &collected.files,
        &format!("{}/", top.path(ROOT_DIR)),
    ))
}

/// The runtime metadata, read leniently: a missing or bad file leaves it empty with a gap, and
/// one bad record costs only itself.
fn take_metadata(top: &Top, collected: &mut Collected) -> RuntimeMetadata {
    let Some(bytes) = collected.files.remove(&top.path(METADATA_PATH)) else {
        collected.gap(
            METADATA_PATH,
            "missing; container names and images are unknown",
        );
        return RuntimeMetadata::default();
    };
    match crate::snapshot::lenient::runtime_metadata(&bytes) {
        Ok((metadata, notes)) => {
            for note in notes {
                collected.gap(METADATA_PATH, format!("not valid runtime metadata: {note}"));
            }
            metadata
        }
        Err(e) => {
            collected.gap(
                METADATA_PATH,
                format!("not valid runtime metadata: {}", one_line(&e)),
            );
            RuntimeMetadata::default()
        }
    }
}

/// Files every directory, bundle and single file under `root` (the archive path of the
/// snapshot's `root/`, or of an sosreport's top, "" for the archive's root) by its node path;
/// anything outside it (`outside` names the root in its gap), or a file a bundle already holds,
/// is a gap.
pub(super) fn node_tree(
    root: &str,
    outside: &str,
    collected: &mut Collected,
) -> BTreeMap<String, DirFiles> {
    let root_slash = format!("{root}/");
    let node_path = |path: &str| -> Option<String> {
        if path == root {
            Some(String::new())
        } else if root.is_empty() {
            Some(path.to_string())
        } else {
            path.strip_prefix(&root_slash).map(str::to_string)
        }
    };
    let outside = format!("outside {outside}; ignored");
    let mut tree: BTreeMap<String, DirFiles> = std::mem::take(&mut collected.dirs)
        .into_iter()
        .filter_map(|dir| node_path(&dir))
        .map(|dir| (dir, DirFiles::default()))
        .collect();
    // Dirs that came from a bundle, with its names once a single file lands there too (to catch
    // one repeating a name); a collector never writes both for one directory.
    let mut bundled: HashMap<String, Option<HashSet<Vec<u8>>>> = HashMap::new();
    for (dir, bytes) in std::mem::take(&mut collected.bundles) {
        let archive_path = format!("{dir}/{BUNDLE_FILE}");
        let Some(relative) = node_path(&dir) else {
            collected.gap(archive_path, outside.clone());
            continue;
        };
        let (files, problems) = DirFiles::from_bundle(bytes);
        for problem in problems {
            collected.gap(archive_path.clone(), bundle_problem(&problem));
        }
        bundled.insert(relative.clone(), None);
        // Dir entries (format 1) hold no files, so the bundle takes the slot whole.
        tree.insert(relative, files);
    }
    for (path, content) in std::mem::take(&mut collected.files) {
        let Some(relative) = node_path(&path) else {
            collected.gap(path, outside.clone());
            continue;
        };
        let (dir, name) = relative.rsplit_once('/').unwrap_or(("", relative.as_str()));
        let slot = tree.entry(dir.to_string()).or_default();
        if let Some(names) = bundled.get_mut(dir) {
            let names = names.get_or_insert_with(|| slot.names());
            if !names.insert(name.as_bytes().to_vec()) {
                collected.gap(
                    path,
                    format!("also in the directory's {BUNDLE_FILE}; the bundle's copy is kept"),
                );
                continue;
            }
        }
        if let Err(problem) = slot.push(name, &content) {
            collected.gap(path, bundle_problem(&problem));
        }
    }
    tree
}

/// The load's gaps, under node paths: those recorded while reading, where reading stopped, a
/// file count the snapshot falls short of (`held` of the manifest's `promised`), and how many
/// gaps were not listed.
pub(super) fn load_gaps(
    source: &str,
    root: &str,
    promised: u64,
    held: u64,
    collected: &mut Collected,
) -> Vec<Gap> {
    // Gaps recorded under archive paths are reported relative to the node's root.
    let root_slash = format!("{root}/");
    let to_node_path = |path: String| match path.strip_prefix(&root_slash) {
        Some(relative) if !root.is_empty() => relative.to_string(),
        _ => path,
    };
    let mut gaps: Vec<Gap> = std::mem::take(&mut collected.gaps)
        .into_iter()
        .map(|gap| Gap {
            path: to_node_path(gap.path),
            ..gap
        })
        .collect();
    if let Some(damage) = collected.damage.take() {
        gaps.push(Gap {
            path: damage
                .at
                .map(to_node_path)
                .unwrap_or_else(|| source.to_string()),
            reason: GapReason::Unreadable,
            detail: Some(damage.detail),
        });
    }
    // The smallest file a snapshot can hold is a bundle record of an empty file (`==> a 0 <==`,
    // two newlines): a count past what the retained budget holds of those is no count at all.
    let most_files = collected.limits.retained_bytes / MIN_RECORD_BYTES;
    if promised > most_files {
        gaps.push(Gap {
            path: MANIFEST_PATH.to_string(),
            reason: GapReason::Unreadable,
            detail: Some(format!(
                "counts.files is {promised}, more files than any snapshot within the loader's \
                 limits holds ({most_files}); the count is ignored"
            )),
        });
    } else if held < promised {
        gaps.push(Gap {
            path: ROOT_DIR.to_string(),
            reason: GapReason::Unreadable,
            detail: Some(format!(
                "the manifest counts {promised} files but the snapshot holds {held}: {} are missing",
                promised - held
            )),
        });
    }
    if collected.gaps_not_listed > 0 {
        gaps.push(Gap {
            path: source.to_string(),
            reason: GapReason::Unreadable,
            detail: Some(format!(
                "{} more unusable entries not listed",
                collected.gaps_not_listed
            )),
        });
    }
    gaps
}

/// What went wrong with a file of a directory, as a gap's detail.
fn bundle_problem(problem: &DirFilesProblem) -> String {
    match problem {
        DirFilesProblem::Duplicate(name) => {
            format!("holds {name} twice; the first copy is kept")
        }
        DirFilesProblem::Damaged(error) => {
            format!("{error}; the files after it in this directory are missing")
        }
    }
}

/// The top directory: the one holding manifest.yaml (or the archive root itself), and whether
/// the manifest is there. An archive damaged before its manifest (the collector writes it
/// last) still has a top if exactly one directory holds a `root/`.
fn find_top(source: &str, collected: &Collected) -> Result<(String, bool), LoadError> {
    if collected.files.contains_key(MANIFEST_PATH) {
        return Ok((String::new(), true));
    }
    let suffix = format!("/{MANIFEST_PATH}");
    let tops: Vec<&str> = collected
        .files
        .keys()
        .filter_map(|path| path.strip_suffix(&suffix))
        .filter(|top| !top.contains('/'))
        .collect();
    match tops.as_slice() {
        [top] => Ok((top.to_string(), true)),
        [] => match &collected.damage {
            Some(damage) => {
                let with_root: BTreeSet<&str> = collected
                    .files
                    .keys()
                    .chain(collected.bundles.keys())
                    .chain(collected.dirs.iter())
                    .filter_map(|path| top_of_root(path))
                    .collect();
                match with_root.into_iter().collect::<Vec<_>>().as_slice() {
                    [top] => Ok((top.to_string(), false)),
                    _ => Err(LoadError::MissingManifest {
                        path: source.to_string(),
                        detail: format!(" ({})", damage.detail),
                    }),
                }
            }
            None => Err(LoadError::MissingManifest {
                path: source.to_string(),
                detail: String::new(),
            }),
        },
        several => Err(LoadError::SeveralSnapshots {
            path: source.to_string(),
            tops: several.join(", "),
        }),
    }
}

/// `Some("top")` for `top/root/...`, `Some("")` for `root/...`.
fn top_of_root(path: &str) -> Option<&str> {
    if path == ROOT_DIR || path.starts_with("root/") {
        return Some("");
    }
    let (top, rest) = path.split_once('/')?;
    (rest == ROOT_DIR || rest.starts_with("root/")).then_some(top)
}

/// Stands in for a manifest lost to damage: what the node's own files say (hostname, kernel),
/// everything else unknown or the collector's defaults, with a gap that says so.
fn placeholder_manifest(files: &BTreeMap<String, Vec<u8>>, root_slash: &str) -> Manifest {
    let text = |path: &str| {
        files
            .get(&format!("{root_slash}{path}"))
            .map(|bytes| String::from_utf8_lossy(bytes).trim().to_string())
            .filter(|text| !text.is_empty())
    };
    Manifest {
        collector_version: "unknown".into(),
        hostname: text("proc/sys/kernel/hostname"),
        kernel: text("proc/sys/kernel/osrelease"),
        ..Manifest::empty()
    }
}

#[derive(serde::Deserialize)]
struct VersionOnly {
    format_version: Option<u32>,
}

/// Reads the manifest, refusing a format newer than this build before looking at any other
/// field (a future format may have changed them).
/// Notes on counts that were not counts come with it.
fn parse_manifest(
    source: &str,
    file: &str,
    bytes: &[u8],
) -> Result<(Manifest, Vec<String>), LoadError> {
    let bad = |message: String| LoadError::BadManifest {
        path: source.to_string(),
        file: file.to_string(),
        message,
    };
    let version: VersionOnly = serde_yaml::from_slice(bytes)
        .map_err(|e| bad(format!("not a YAML mapping: {}", one_line(&e))))?;
    match version.format_version {
        None => return Err(bad("no format_version".into())),
        Some(0) => return Err(bad("format_version 0 does not exist".into())),
        Some(found) if found > FORMAT_VERSION => {
            return Err(LoadError::FutureFormat {
                path: source.to_string(),
                file: file.to_string(),
                found,
                supported: FORMAT_VERSION,
            })
        }
        Some(_) => {}
    }
    match serde_yaml::from_slice(bytes) {
        Ok(manifest) => Ok((manifest, Vec::new())),
        // Counts are hints about the snapshot, not a reason to refuse it.
        Err(e) => crate::snapshot::lenient::manifest_with_hinted_counts(bytes)
            .ok_or_else(|| bad(format!("malformed: {}", one_line(&e)))),
    }
}
