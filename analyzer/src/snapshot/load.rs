//! Reads a snapshot from a .tar.gz, a .tar or an extracted directory into memory, treating the
//! input as hostile: it came from a stranger's node.
//!
//! The kind of input is told by its first bytes, not its name. A tarball is streamed: entries
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
//!   the decoder's fixed buffers (under 1 MiB);
//! - the manifest (at most [`MAX_ENTRY_BYTES`], 16 MiB) once more while it is parsed.
//!
//! so under 600 MiB in all, whatever the input. Time is bounded too: at most
//! [`MAX_INFLATED_BYTES`] (2 GiB) are decompressed, and an entry whose declared size would
//! pass that stops the read at once instead of being inflated (a gzip bomb costs nothing).

use super::{DirFiles, DirFilesProblem, Snapshot};
use flate2::read::MultiGzDecoder;
use nodesnap_format::{
    Gap, GapReason, Manifest, RuntimeMetadata, BUNDLE_FILE, FORMAT_VERSION, MANIFEST_PATH,
    METADATA_PATH, ROOT_DIR,
};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::rc::Rc;
use std::sync::mpsc;

/// Largest file kept; a larger one is skipped with a gap. The collector caps files at 1 MiB
/// by default, so this leaves room for raised caps while keeping one entry cheap.
pub const MAX_ENTRY_BYTES: u64 = 16 << 20;
/// Largest `meta/runtime.json` kept: it holds one record per container, so it grows with the
/// node (about 90 MB for 60,000 containers) where every other file has a fixed size.
pub const MAX_METADATA_BYTES: u64 = 256 << 20;
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
}

impl LoadLimits {
    pub const DEFAULT: LoadLimits = LoadLimits {
        entry_bytes: MAX_ENTRY_BYTES,
        metadata_bytes: MAX_METADATA_BYTES,
        retained_bytes: MAX_RETAINED_BYTES,
        inflated_bytes: MAX_INFLATED_BYTES,
        entries: MAX_ENTRIES,
        gaps: MAX_GAPS,
    };
}

impl LoadLimits {
    /// The size limit of the entry at `path` (an archive path): the runtime metadata grows with
    /// the node, every other file does not.
    fn cap_for(&self, path: &str) -> u64 {
        let is_metadata = path == METADATA_PATH
            || path
                .strip_suffix(METADATA_PATH)
                .is_some_and(|top| top.ends_with('/') && !top[..top.len() - 1].contains('/'));
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
    #[error("{path}: not a nodesnap snapshot: {detail}")]
    UnknownFormat { path: String, detail: String },
    #[error("{path}: archive unreadable: {detail}")]
    Unreadable { path: String, detail: String },
    #[error(
        "{path}: no {MANIFEST_PATH} in a top directory, so this is not a nodesnap snapshot{detail}"
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

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const BLOCK: usize = 512;

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
    if head.starts_with(GZIP_MAGIC) {
        read_tar_gz(stream, &mut collected);
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

/// Chunks of inflated bytes the decompressing thread keeps ready ahead of the tar reader.
const INFLATED_CHUNKS_AHEAD: usize = 4;

/// Reads a gzip-compressed tar, inflating on a second thread a few chunks ahead of the tar
/// reader: on a big snapshot inflating is a fifth of the load, and it overlaps with parsing.
/// The inflated-bytes budget still applies (the tar reader counts what it takes), and when
/// reading stops early the channel closes and the inflating thread ends after its chunk.
fn read_tar_gz<R: Read + Send>(stream: R, out: &mut Collected) {
    let (chunks, inflated) = mpsc::sync_channel::<io::Result<Vec<u8>>>(INFLATED_CHUNKS_AHEAD);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut decoder = MultiGzDecoder::new(stream);
            loop {
                let mut chunk = vec![0u8; READ_BUFFER];
                let message = match decoder.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        chunk.truncate(n);
                        Ok(chunk)
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => Err(e),
                };
                let failed = message.is_err();
                if chunks.send(message).is_err() || failed {
                    break;
                }
            }
        });
        read_tar(
            ChunkReader {
                inflated,
                chunk: Vec::new(),
                at: 0,
            },
            out,
        );
    });
}

/// The tar reader's end of the inflating thread's channel.
struct ChunkReader {
    inflated: mpsc::Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    at: usize,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at >= self.chunk.len() {
            match self.inflated.recv() {
                Ok(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.at = 0;
                }
                Ok(Err(e)) => return Err(e),
                // The inflating thread ended: the stream is complete.
                Err(mpsc::RecvError) => return Ok(0),
            }
        }
        let available = &self.chunk[self.at..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.at += n;
        Ok(n)
    }
}

/// A tar block: `ustar` magic, or a valid checksum for old v7 archives without magic.
fn looks_like_tar(head: &[u8]) -> bool {
    let Some(block) = head.get(..BLOCK) else {
        return false;
    };
    if block.get(257..262) == Some(b"ustar".as_slice()) {
        return true;
    }
    let Ok(header_bytes) = <&[u8; BLOCK]>::try_from(block) else {
        return false;
    };
    let mut header = tar::Header::new_old();
    header.as_mut_bytes().copy_from_slice(header_bytes);
    let Ok(stored) = header.cksum() else {
        return false;
    };
    let sum: u32 = block
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(*b)
            }
        })
        .sum();
    stored == sum && block.iter().any(|b| *b != 0)
}

fn describe_unknown(head: &[u8]) -> String {
    let kind = if head.is_empty() {
        "the file is empty"
    } else if head.starts_with(b"BZh") {
        "compressed with bzip2; recompress it with gzip or extract it"
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        "compressed with xz; recompress it with gzip or extract it"
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        "compressed with zstd; recompress it with gzip or extract it"
    } else if head.starts_with(b"PK\x03\x04") {
        "a zip file; nodesnap writes .tar.gz"
    } else if head.len() < BLOCK {
        "too short for a tar archive and not gzip"
    } else {
        "neither gzip nor tar"
    };
    kind.to_string()
}

/// Counts the bytes read from the decompressed stream and fails once past the limit, so that no
/// path through the tar reader can inflate more.
struct BudgetReader<R> {
    inner: R,
    used: Rc<Cell<u64>>,
    limit: u64,
}

impl<R: Read> Read for BudgetReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.limit.saturating_sub(self.used.get());
        if left == 0 {
            return Err(io::Error::other(format!(
                "more than {} of decompressed data",
                human_bytes(self.limit)
            )));
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(buf.get_mut(..want).unwrap_or_default())?;
        self.used.set(self.used.get().saturating_add(n as u64));
        Ok(n)
    }
}

/// Where and why reading stopped early.
struct Damage {
    /// The archive path of the entry where it happened, if any.
    at: Option<String>,
    detail: String,
}

/// Entries read so far, keyed by their normalized path inside the archive.
struct Collected {
    limits: LoadLimits,
    files: BTreeMap<String, Vec<u8>>,
    /// Format 2 bundles, keyed by the archive path of the directory they describe.
    bundles: BTreeMap<String, Vec<u8>>,
    dirs: BTreeSet<String>,
    /// Keyed by archive path until the top directory is known.
    gaps: Vec<Gap>,
    gaps_not_listed: u64,
    damage: Option<Damage>,
    stats: LoadStats,
}

impl Collected {
    fn new(limits: LoadLimits) -> Collected {
        Collected {
            limits,
            files: BTreeMap::new(),
            bundles: BTreeMap::new(),
            dirs: BTreeSet::new(),
            gaps: Vec::new(),
            gaps_not_listed: 0,
            damage: None,
            stats: LoadStats::default(),
        }
    }

    fn gap(&mut self, path: impl Into<String>, detail: impl Into<String>) {
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

    fn stop(&mut self, at: Option<String>, detail: impl Into<String>) {
        if self.damage.is_none() {
            self.damage = Some(Damage {
                at,
                detail: detail.into(),
            });
        }
    }

    fn count_entry(&mut self, at: impl FnOnce() -> String) -> bool {
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
    fn charge(&mut self, path: &str, content: u64) -> bool {
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

    fn add_dir(&mut self, path: String) -> bool {
        if self.dirs.contains(&path) {
            return true;
        }
        if !self.charge(&path, 0) {
            return false;
        }
        self.dirs.insert(path);
        true
    }

    fn add_file(&mut self, path: String, content: Vec<u8>) -> bool {
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

/// Turns an entry name into a safe relative path (`a/b/c`), or says why it is unusable.
fn normalize(name: &[u8]) -> Result<String, &'static str> {
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
fn printable_name(name: &[u8]) -> String {
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

fn truncate_to_char_boundary(text: &mut String, max: usize) {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
}

/// Extension headers seen before the entry they describe.
#[derive(Default)]
struct Pending {
    /// From a GNU long name or a PAX `path`; `Err` when it was unusable (too long).
    name: Option<Result<Vec<u8>, String>>,
    /// A PAX `size` record: the tar reader (raw mode) does not apply it, so it must agree.
    pax_size: Option<u64>,
}

fn block_padded(size: u64) -> u64 {
    size.saturating_add(BLOCK as u64 - 1) / BLOCK as u64 * BLOCK as u64
}

/// Reads tar entries until the end, the first damage or a limit. Raw mode: long names and PAX
/// headers are handled here, under our own caps, instead of the tar crate's unbounded reads.
/// Read buffer for the compressed file and for the decompressed stream.
const READ_BUFFER: usize = 256 << 10;

fn read_tar<R: Read>(reader: R, out: &mut Collected) {
    let used = Rc::new(Cell::new(0u64));
    let budget = BudgetReader {
        inner: reader,
        used: Rc::clone(&used),
        limit: out.limits.inflated_bytes,
    };
    // tar reads 512-byte blocks; a large buffer in front lets the decompressor fill big chunks
    // instead of being asked for one block at a time (most of the load time otherwise).
    let mut archive = tar::Archive::new(io::BufReader::with_capacity(READ_BUFFER, budget));
    let entries = match archive.entries() {
        Ok(entries) => entries.raw(true),
        Err(e) => {
            out.stop(None, format!("not a tar stream: {}", one_line(&e)));
            return;
        }
    };
    let mut pending = Pending::default();
    let mut last_name: Option<String> = None;
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let detail = match &last_name {
                    Some(name) => format!(
                        "archive damaged after {name}: {}; anything after it is missing",
                        one_line(&e)
                    ),
                    None => format!("archive damaged at its start: {}", one_line(&e)),
                };
                out.stop(last_name.clone(), detail);
                break;
            }
        };
        let kind = entry.header().entry_type();
        let size = entry.size();
        let raw_name = entry.path_bytes().into_owned();
        // The printable name is only needed for messages: build it lazily (it was a tenth of
        // the load time when built for every entry).
        let shown = || printable_name(&raw_name);
        if !out.count_entry(shown) {
            break;
        }
        // The data of this entry is read or skipped next; stop before inflating a bomb.
        let after = used.get().saturating_add(block_padded(size));
        if after > out.limits.inflated_bytes {
            let shown = shown();
            out.stop(
                Some(shown.clone()),
                format!(
                    "{shown} declares {size} bytes, past the limit of {} of decompressed data; \
                     the rest of the archive was not read",
                    human_bytes(out.limits.inflated_bytes)
                ),
            );
            break;
        }
        match kind {
            tar::EntryType::GNULongName | tar::EntryType::XHeader => {
                read_extension(&mut entry, kind, size, &shown(), &mut pending, out);
                if out.damage.is_some() {
                    break;
                }
                continue;
            }
            // A link's long target and global PAX records describe nothing we keep.
            tar::EntryType::GNULongLink | tar::EntryType::XGlobalHeader => continue,
            _ => {}
        }
        let Pending { name, pax_size } = std::mem::take(&mut pending);
        if let Some(pax_size) = pax_size.filter(|s| *s != size) {
            out.stop(
                Some(shown()),
                format!(
                    "a PAX size of {pax_size} bytes contradicts the header's {size}; \
                     the archive cannot be read on safely"
                ),
            );
            break;
        }
        let name = match name {
            Some(Ok(long)) => long,
            Some(Err(why)) => {
                out.gap(shown(), why);
                continue;
            }
            None => raw_name,
        };
        let path = match normalize(&name) {
            Ok(path) => path,
            Err(why) => {
                out.gap(
                    printable_name(&name),
                    format!("unsafe entry skipped: {why}"),
                );
                continue;
            }
        };
        last_name = Some(path.clone());
        match kind {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let cap = out.limits.cap_for(&path);
                if size > cap {
                    out.gap(
                        path,
                        format!(
                            "{size} bytes, over the limit of {} per file; skipped",
                            human_bytes(cap)
                        ),
                    );
                    continue;
                }
                let mut content = Vec::with_capacity(size.min(64 << 10) as usize);
                if let Err(e) = (&mut entry).take(size).read_to_end(&mut content) {
                    out.stop(
                        Some(path.clone()),
                        format!(
                            "archive damaged inside {path}: {}; it and anything after it are missing",
                            one_line(&e)
                        ),
                    );
                    break;
                }
                if (content.len() as u64) < size {
                    out.stop(
                        Some(path.clone()),
                        format!("archive ends inside {path}; it and anything after it are missing"),
                    );
                    break;
                }
                if !out.add_file(path, content) {
                    break;
                }
            }
            tar::EntryType::Directory => {
                if !out.add_dir(path) {
                    break;
                }
            }
            tar::EntryType::GNUSparse => {
                let extended = entry.header().as_gnu().is_some_and(|g| g.is_extended());
                if extended {
                    out.stop(
                        Some(path.clone()),
                        format!("{path} is a GNU sparse file with extension headers, which nodesnap never writes; the archive cannot be read on safely"),
                    );
                    break;
                }
                out.gap(path, "GNU sparse file skipped (nodesnap never writes one)");
            }
            other => {
                let what = match other {
                    tar::EntryType::Symlink => "symbolic link skipped (never followed)",
                    tar::EntryType::Link => "hard link skipped (never followed)",
                    tar::EntryType::Char => "character device skipped",
                    tar::EntryType::Block => "block device skipped",
                    tar::EntryType::Fifo => "FIFO skipped",
                    _ => "entry of an unsupported type skipped",
                };
                out.gap(path, what);
            }
        }
    }
    out.stats.inflated_bytes = used.get();
}

/// Reads a GNU long name or a PAX header into `pending`, within [`MAX_NAME_BYTES`] and
/// [`MAX_PAX_BYTES`]. An oversized one makes the next entry a gap, without reading it in.
fn read_extension<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    kind: tar::EntryType,
    size: u64,
    shown: &str,
    pending: &mut Pending,
    out: &mut Collected,
) {
    let (cap, label) = if kind == tar::EntryType::GNULongName {
        (MAX_NAME_BYTES as u64 + 1, "GNU long name")
    } else {
        (MAX_PAX_BYTES, "PAX header")
    };
    if size > cap {
        pending.name = Some(Err(format!(
            "{label} of {size} bytes is over the limit of {}; entry skipped",
            human_bytes(cap)
        )));
        return;
    }
    let mut data = Vec::with_capacity(size as usize);
    if let Err(e) = entry.take(size).read_to_end(&mut data) {
        out.stop(
            Some(shown.to_string()),
            format!("archive damaged inside a {label}: {}", one_line(&e)),
        );
        return;
    }
    if kind == tar::EntryType::GNULongName {
        if let Some(stripped) = data.strip_suffix(b"\0") {
            let len = stripped.len();
            data.truncate(len);
        }
        pending.name = Some(Ok(data));
        return;
    }
    for record in tar::PaxExtensions::new(&data) {
        let Ok(record) = record else {
            out.stop(
                Some(shown.to_string()),
                "a PAX header is malformed; the archive cannot be read on safely",
            );
            return;
        };
        match record.key() {
            Ok("path") => pending.name = Some(Ok(record.value_bytes().to_vec())),
            Ok("size") => {
                pending.pax_size = Some(
                    record
                        .value()
                        .ok()
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(u64::MAX),
                )
            }
            _ => {}
        }
    }
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

fn human_bytes(bytes: u64) -> String {
    const KIB: u64 = 1 << 10;
    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;
    match bytes {
        b if b >= GIB && b % GIB == 0 => format!("{} GiB", b / GIB),
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= KIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

/// Finds the snapshot's top directory among the entries and builds the [`Snapshot`].
fn assemble(source: &str, mut collected: Collected) -> Result<(Snapshot, LoadStats), LoadError> {
    let (top, has_manifest) = find_top(source, &collected)?;
    let prefix = |rest: &str| {
        if top.is_empty() {
            rest.to_string()
        } else {
            format!("{top}/{rest}")
        }
    };
    let manifest_path = prefix(MANIFEST_PATH);
    let manifest = if has_manifest {
        let manifest_bytes = collected.files.remove(&manifest_path).unwrap_or_default();
        let (manifest, notes) = parse_manifest(source, &manifest_path, &manifest_bytes)?;
        for note in notes {
            collected.gap(MANIFEST_PATH, note);
        }
        manifest
    } else {
        collected.gap(
            MANIFEST_PATH,
            "lost to the damage: collector version, times, options (shown as the defaults, \
             cmdline redacted) and the collector's own gaps are unknown",
        );
        placeholder_manifest(&collected.files, &format!("{}/", prefix(ROOT_DIR)))
    };

    let metadata_path = prefix(METADATA_PATH);
    let metadata = match collected.files.remove(&metadata_path) {
        None => {
            collected.gap(
                METADATA_PATH,
                "missing; container names and images are unknown",
            );
            RuntimeMetadata::default()
        }
        Some(bytes) => match super::lenient::runtime_metadata(&bytes) {
            Ok((metadata, notes)) => {
                // One bad record costs only itself.
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
        },
    };

    let root = prefix(ROOT_DIR);
    let root_slash = format!("{root}/");
    let node_path = |path: &str| -> Option<String> {
        if path == root {
            Some(String::new())
        } else {
            path.strip_prefix(&root_slash).map(str::to_string)
        }
    };
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
            collected.gap(
                archive_path,
                "outside the snapshot's root/ directory; ignored",
            );
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
            collected.gap(path, "outside the snapshot's root/ directory; ignored");
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

    // Gaps recorded under archive paths are reported relative to the node's root.
    let to_node_path = |path: String| match path.strip_prefix(&root_slash) {
        Some(relative) => relative.to_string(),
        None => path,
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
    let promised = manifest.counts.files;
    let mut snapshot = Snapshot::from_tree(source, manifest, metadata, tree);
    let held = snapshot.file_count() as u64;
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
    gaps.append(&mut snapshot.load_gaps);
    snapshot.load_gaps = gaps;
    Ok((snapshot, collected.stats))
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
        Err(e) => super::lenient::manifest_with_hinted_counts(bytes)
            .ok_or_else(|| bad(format!("malformed: {}", one_line(&e)))),
    }
}

/// Loads an extracted snapshot: `path` is the top directory or its parent with exactly one.
fn load_dir(
    source: &str,
    path: &Path,
    limits: &LoadLimits,
) -> Result<(Snapshot, LoadStats), LoadError> {
    let io_error = |e| LoadError::Io {
        path: source.to_string(),
        source: e,
    };
    let is_manifest = |dir: &Path| {
        std::fs::symlink_metadata(dir.join(MANIFEST_PATH)).is_ok_and(|m| m.file_type().is_file())
    };
    let top = if is_manifest(path) {
        path.to_path_buf()
    } else {
        let mut tops = Vec::new();
        for child in std::fs::read_dir(path).map_err(io_error)? {
            let child = child.map_err(io_error)?;
            let is_dir = child.file_type().is_ok_and(|t| t.is_dir());
            if is_dir && is_manifest(&child.path()) {
                tops.push(child.path());
            }
        }
        match tops.len() {
            1 => tops.remove(0),
            0 => {
                return Err(LoadError::MissingManifest {
                    path: source.to_string(),
                    detail: String::new(),
                })
            }
            _ => {
                let mut names: Vec<String> = tops
                    .iter()
                    .filter_map(|t| t.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .collect();
                names.sort();
                return Err(LoadError::SeveralSnapshots {
                    path: source.to_string(),
                    tops: names.join(", "),
                });
            }
        }
    };
    let mut collected = Collected::new(*limits);
    let meta_is_dir = std::fs::symlink_metadata(top.join("meta")).is_ok_and(|m| m.is_dir());
    for file in [MANIFEST_PATH, METADATA_PATH] {
        if file == METADATA_PATH && !meta_is_dir {
            // Absent, or a link that could lead anywhere on this machine.
            continue;
        }
        let full = top.join(file);
        match read_regular_file(&full, limits.cap_for(file)) {
            Ok(Some(content)) => {
                collected.files.insert(file.to_string(), content);
            }
            Ok(None) => {}
            Err(why) => collected.gap(file, why),
        }
    }
    walk_root(&top.join(ROOT_DIR), &mut collected);
    assemble(source, collected)
}

/// Reads a regular file of at most `cap` bytes; `Ok(None)` when absent, `Err` with a reason
/// when it is something else or unreadable. Never opens a FIFO or device (which could block).
fn read_regular_file(path: &Path, cap: u64) -> Result<Option<Vec<u8>>, String> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("unreadable: {e}")),
    };
    if !metadata.file_type().is_file() {
        return Err("not a regular file; skipped".into());
    }
    if metadata.len() > cap {
        return Err(format!(
            "{} bytes, over the limit of {} per file; skipped",
            metadata.len(),
            human_bytes(cap)
        ));
    }
    let file = File::open(path).map_err(|e| format!("unreadable: {e}"))?;
    let mut content = Vec::with_capacity(metadata.len() as usize);
    // One byte more than the cap tells a file that grew since its size was read.
    file.take(cap.saturating_add(1))
        .read_to_end(&mut content)
        .map_err(|e| format!("unreadable: {e}"))?;
    if content.len() as u64 > cap {
        return Err(format!(
            "grew past the limit of {} per file; skipped",
            human_bytes(cap)
        ));
    }
    Ok(Some(content))
}

/// Walks `root/` without following links, under the same limits as a tarball; entries are
/// keyed as in an archive (`root/proc/1/stat`) so that [`assemble`] treats both alike.
fn walk_root(root: &Path, out: &mut Collected) {
    match std::fs::symlink_metadata(root) {
        Ok(metadata) if metadata.file_type().is_dir() => {}
        Ok(metadata) if metadata.file_type().is_symlink() => {
            out.gap(ROOT_DIR, "symbolic link skipped (never followed)");
            return;
        }
        Ok(_) => {
            out.gap(ROOT_DIR, "not a directory; skipped");
            return;
        }
        Err(_) => return,
    }
    let mut walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(next) = walker.next() {
        let entry = match next {
            Ok(entry) => entry,
            Err(e) => {
                let at = e
                    .path()
                    .and_then(|p| p.strip_prefix(root).ok())
                    .map(|p| format!("{ROOT_DIR}/{}", p.to_string_lossy()))
                    .unwrap_or_else(|| ROOT_DIR.to_string());
                out.gap(at, format!("unreadable: {}", one_line(&e)));
                continue;
            }
        };
        let Ok(relative) = entry.path().strip_prefix(root) else {
            continue;
        };
        let relative_text = relative.to_string_lossy();
        let name = if relative_text.is_empty() {
            ROOT_DIR.to_string()
        } else {
            format!("{ROOT_DIR}/{relative_text}")
        };
        if !out.count_entry(|| name.clone()) {
            break;
        }
        if relative.to_str().is_none() {
            out.gap(name, "unsafe entry skipped: name is not UTF-8");
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        if name.len() > MAX_NAME_BYTES {
            out.gap(name, "unsafe entry skipped: name longer than 4096 bytes");
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        let file_type = entry.file_type();
        if file_type.is_dir() {
            if !relative_text.is_empty() && !out.add_dir(name) {
                break;
            }
        } else if file_type.is_file() {
            match read_regular_file(entry.path(), out.limits.entry_bytes) {
                Ok(Some(content)) => {
                    if !out.add_file(name, content) {
                        break;
                    }
                }
                Ok(None) => out.gap(name, "vanished while the snapshot was read"),
                Err(why) => out.gap(name, why),
            }
        } else if file_type.is_symlink() {
            out.gap(name, "symbolic link skipped (never followed)");
        } else {
            out.gap(name, "not a regular file or directory; skipped");
        }
    }
}

#[cfg(test)]
#[path = "load_tests.rs"]
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
