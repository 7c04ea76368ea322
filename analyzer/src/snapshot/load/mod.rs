//! Reads a snapshot from a .tar.gz, a .tar or an extracted directory into memory, treating the
//! input as hostile: it came from a stranger's node.
//!
//! The kind of input is told by its first bytes, not its name: gzip, xz or bzip2 around a tar,
//! a plain tar, or a directory; and what it holds by its entries: a nodesnap snapshot has a
//! `manifest.yaml` in its top directory, an sosreport sos's marks (see `sos`). A tarball is
//! streamed: entries
//! are decompressed and read one at a time and nothing is ever written to disk, so a name with
//! `..`, an absolute name or a link cannot touch the laptop; such entries, devices, FIFOs and GNU
//! sparse files are skipped and reported as load gaps. Where the archive is damaged (truncated,
//! corrupt, over a limit) everything before the damage is kept and one gap says where reading
//! stopped; an archive cut before its manifest (the collector writes it last) gets a
//! placeholder manifest and a gap saying so. Only inputs with nothing usable fail, with a
//! one-line [`LoadError`].
//!
//! Memory ceiling. With the default [`LoadLimits`] the loader holds at most:
//! - [`MAX_RETAINED_BYTES`] (512 MiB) of kept files and directories, each charged its content,
//!   its name and [`ENTRY_OVERHEAD_BYTES`] for the map node;
//! - [`MAX_GAPS`] gaps of at most [`MAX_NAME_BYTES`] plus a short detail each (about 45 MiB);
//! - one [`MAX_PAX_BYTES`] extension header or one [`MAX_NAME_BYTES`] long name in flight, and
//!   the decoder's buffers: under 1 MiB for gzip, about 4 MiB for bzip2, at most
//!   [`MAX_DECODER_BYTES`] (128 MiB) for xz;
//! - the manifest (at most [`MAX_ENTRY_BYTES`], 16 MiB) once more while it is parsed.
//!
//! so under 730 MiB in all, whatever the input. Time is bounded too: at most
//! [`MAX_INFLATED_BYTES`] (2 GiB) are decompressed, and an entry whose declared size would
//! pass that stops the read at once instead of being inflated (a gzip bomb costs nothing).
//!
//! Here: the limits, the errors and the entry points. `archive` reads a tar (or gzip) stream
//! and `dir` an extracted directory, both into `collected` under the limits; `assemble` makes
//! the [`Snapshot`] of what was collected.

mod archive;
mod assemble;
mod collected;
mod dir;
mod sos;

use super::Snapshot;
use archive::{describe_unknown, looks_like_tar, read_tar, read_tar_compressed, Compression};
use assemble::assemble;
use collected::Collected;
use dir::load_dir;
use nodesnap_format::{MANIFEST_PATH, METADATA_PATH};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

/// Largest file kept; a larger one is skipped with a gap. The collector caps files at 1 MiB
/// by default, so this leaves room for raised caps while keeping one entry cheap.
pub const MAX_ENTRY_BYTES: u64 = 16 << 20;
/// Largest `meta/runtime.json` kept: it holds one record per container, so it grows with the
/// node (about 90 MB for 60,000 containers) where every other file has a fixed size.
pub const MAX_METADATA_BYTES: u64 = 256 << 20;

/// sos's record of the run, which lists every file it copied: 22 MB on a 2,500-process node.
const SOS_MANIFEST_PATH: &str = "sos_reports/manifest.json";
/// Most bytes of files, names and map nodes kept in memory.
pub const MAX_RETAINED_BYTES: u64 = 512 << 20;
/// Most bytes read from the decompressed stream, skipped data included.
pub const MAX_INFLATED_BYTES: u64 = 2 << 30;
/// Most tar headers (or directory entries) read. A 100,000-process node in format 2 makes
/// about 260,000 (a bundle per process and per cgroup, with long-name headers for deep
/// cgroup paths); format 1 made ten times as many.
pub const MAX_ENTRIES: u64 = 1_000_000;
/// Longest entry name accepted: the format's one limit (PATH_MAX on Linux), which the collector
/// never passes.
pub const MAX_NAME_BYTES: usize = nodesnap_format::MAX_ENTRY_NAME_BYTES;
/// Largest PAX extension header read; the collector writes none, GNU tar a few hundred bytes.
pub const MAX_PAX_BYTES: u64 = 64 << 10;
/// Most gaps listed one by one; the rest are counted in one last gap.
pub const MAX_GAPS: usize = 10_000;
/// The smallest bundle record: a one-byte name and an empty file (`==> a 0 <==\n\n`).
const MIN_RECORD_BYTES: u64 = 13;
/// What one kept entry costs beyond its name and content: its map node and allocations.
pub const ENTRY_OVERHEAD_BYTES: u64 = 128;
/// Most memory the decompressor may take: xz's decoder needs about its dictionary's size (8 MiB
/// at sos's `-6`, 64 MiB at `-9`); a stream asking for more is refused, not allocated. gzip's
/// window (32 KiB) and bzip2's blocks (about 3.6 MiB to decode) stay far below.
pub const MAX_DECODER_BYTES: u64 = 128 << 20;

/// The limits a load runs under; [`LoadLimits::DEFAULT`] holds the constants above. Tests and
/// fuzzing lower them to reach every limit quickly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadLimits {
    pub entry_bytes: u64,
    pub metadata_bytes: u64,
    pub retained_bytes: u64,
    pub inflated_bytes: u64,
    pub entries: u64,
    pub gaps: usize,
    pub decoder_bytes: u64,
}

impl LoadLimits {
    pub const DEFAULT: LoadLimits = LoadLimits {
        entry_bytes: MAX_ENTRY_BYTES,
        metadata_bytes: MAX_METADATA_BYTES,
        retained_bytes: MAX_RETAINED_BYTES,
        inflated_bytes: MAX_INFLATED_BYTES,
        entries: MAX_ENTRIES,
        gaps: MAX_GAPS,
        decoder_bytes: MAX_DECODER_BYTES,
    };
}

impl LoadLimits {
    /// The size limit of the entry at `path` (an archive path): the runtime metadata and
    /// sos's manifest (it lists every file sos copied) grow with the node, every other file
    /// does not.
    fn cap_for(&self, path: &str) -> u64 {
        let at_top = |name: &str| {
            path == name
                || path
                    .strip_suffix(name)
                    .is_some_and(|top| top.ends_with('/') && !top[..top.len() - 1].contains('/'))
        };
        let is_metadata = at_top(METADATA_PATH) || at_top(SOS_MANIFEST_PATH);
        if is_metadata {
            self.metadata_bytes.max(self.entry_bytes)
        } else {
            self.entry_bytes
        }
    }
}

impl Default for LoadLimits {
    fn default() -> LoadLimits {
        LoadLimits::DEFAULT
    }
}

/// What a load cost, for tests and figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadStats {
    /// Tar headers or directory entries seen.
    pub entries: u64,
    /// Bytes read from the decompressed stream (0 for a directory).
    pub inflated_bytes: u64,
    /// Bytes charged against [`LoadLimits::retained_bytes`].
    pub retained_bytes: u64,
}

/// Why a snapshot could not be loaded at all. Every variant names the input; the message is
/// one line.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{path}: not a nodesnap snapshot or an sosreport: {detail}")]
    UnknownFormat { path: String, detail: String },
    #[error("{path}: archive unreadable: {detail}")]
    Unreadable { path: String, detail: String },
    #[error(
        "{path}: no {MANIFEST_PATH} in a top directory, so this is not a nodesnap snapshot, and no sos_commands/, sos_logs/, sos_reports/ or version.txt, so not an sosreport either{detail}"
    )]
    MissingManifest { path: String, detail: String },
    #[error("{path}: holds several snapshots ({tops}); extract one and load its directory")]
    SeveralSnapshots { path: String, tops: String },
    #[error("{path}: {file}: {message}")]
    BadManifest {
        path: String,
        file: String,
        message: String,
    },
    #[error("{path}: {file}: format_version {found} is newer than this analyzer reads ({supported}); use a newer nodesnap")]
    FutureFormat {
        path: String,
        file: String,
        found: u32,
        supported: u32,
    },
}

/// Loads the snapshot at `path` (a .tar.gz, a .tar, or a directory) with the default limits.
pub fn load(path: &Path) -> Result<Snapshot, LoadError> {
    load_with_limits(path, &LoadLimits::DEFAULT).map(|(snapshot, _)| snapshot)
}

/// Loads the snapshot at `path` under the given limits and says what it cost.
pub fn load_with_limits(
    path: &Path,
    limits: &LoadLimits,
) -> Result<(Snapshot, LoadStats), LoadError> {
    let source = path.display().to_string();
    let io_error = |source_error| LoadError::Io {
        path: source.clone(),
        source: source_error,
    };
    let metadata = std::fs::metadata(path).map_err(io_error)?;
    if metadata.is_dir() {
        return load_dir(&source, path, limits);
    }
    if !metadata.is_file() {
        return Err(LoadError::UnknownFormat {
            path: source,
            detail: "neither a regular file nor a directory".into(),
        });
    }
    let file = File::open(path).map_err(io_error)?;
    load_stream(&source, BufReader::with_capacity(READ_BUFFER, file), limits)
}

/// Loads a snapshot from the bytes of a .tar.gz or .tar; `source` names it in messages. The
/// fuzz target's entry point.
pub fn load_bytes(
    source: &str,
    bytes: &[u8],
    limits: &LoadLimits,
) -> Result<(Snapshot, LoadStats), LoadError> {
    load_stream(source, bytes, limits)
}

const BLOCK: usize = 512;
/// Read buffer for the compressed file and for the decompressed stream.
const READ_BUFFER: usize = 256 << 10;

fn load_stream<R: Read + Send>(
    source: &str,
    mut reader: R,
    limits: &LoadLimits,
) -> Result<(Snapshot, LoadStats), LoadError> {
    let mut head = Vec::with_capacity(BLOCK);
    (&mut reader)
        .take(BLOCK as u64)
        .read_to_end(&mut head)
        .map_err(|e| LoadError::Io {
            path: source.to_string(),
            source: e,
        })?;
    let stream = io::Cursor::new(head.clone()).chain(reader);
    let mut collected = Collected::new(*limits);
    if let Some(compression) = Compression::of(&head) {
        read_tar_compressed(stream, compression, &mut collected);
    } else if looks_like_tar(&head) {
        read_tar(stream, &mut collected);
    } else {
        return Err(LoadError::UnknownFormat {
            path: source.to_string(),
            detail: describe_unknown(&head),
        });
    }
    if collected.stats.entries == 0 {
        if let Some(damage) = collected.damage.take() {
            return Err(LoadError::Unreadable {
                path: source.to_string(),
                detail: damage.detail,
            });
        }
    }
    assemble(source, collected)
}

/// An error from a library as one bounded line: such messages may quote the hostile input.
pub(super) fn one_line(error: &dyn std::fmt::Display) -> String {
    const MAX_CHARS: usize = 120;
    let text = error.to_string();
    let mut line: String = text
        .chars()
        .take(MAX_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(MAX_CHARS).is_some() {
        line.push('…');
    }
    line
}

/// A limit in messages, in the prose units every message uses (`present::units`).
fn human_bytes(bytes: u64) -> String {
    crate::present::units::bytes(bytes)
}

#[cfg(test)]
mod sos_tests;
#[cfg(test)]
mod tests;

/// The limits the fuzz target loads under: small, so that fuzzing reaches each one often.
#[doc(hidden)]
pub const FUZZ_LIMITS: LoadLimits = LoadLimits {
    entry_bytes: 64 << 10,
    metadata_bytes: 64 << 10,
    retained_bytes: 4 << 20,
    inflated_bytes: 16 << 20,
    entries: 10_000,
    gaps: 100,
    decoder_bytes: 16 << 20,
};

/// Loads `bytes` as a tarball and checks the loader's promises: within the limits, and any
/// error one line naming the input. The fuzz target's body and the replay of its regression
/// inputs under `cargo test`.
#[doc(hidden)]
pub fn fuzz_load(bytes: &[u8]) {
    let limits = FUZZ_LIMITS;
    match load_bytes("fuzz.tar.gz", bytes, &limits) {
        Ok((snapshot, stats)) => {
            assert!(stats.retained_bytes <= limits.retained_bytes);
            assert!(stats.inflated_bytes <= limits.inflated_bytes);
            // Listed gaps, plus at most: where reading stopped, missing files, and the count
            // of gaps not listed.
            assert!(snapshot.load_gaps.len() <= limits.gaps + 3);
        }
        Err(error) => {
            let message = error.to_string();
            assert!(message.starts_with("fuzz.tar.gz: "), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }
}
