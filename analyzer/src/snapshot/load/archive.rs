//! The tar reader: tells a tar stream by its first block, decompresses gzip, xz or bzip2 on a
//! second thread, and reads entries one at a time under the load's limits into [`Collected`],
//! handling GNU long names and PAX headers itself (under its own caps) and skipping every entry
//! kind that is not a regular file or a directory with a gap.

use super::collected::{normalize, printable_name, Collected};
use super::{human_bytes, one_line, BLOCK, MAX_NAME_BYTES, MAX_PAX_BYTES, READ_BUFFER};
use flate2::read::MultiGzDecoder;
use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;
use std::sync::mpsc;

/// Chunks of inflated bytes the decompressing thread keeps ready ahead of the tar reader.
const INFLATED_CHUNKS_AHEAD: usize = 4;

/// How a tar stream is compressed, told by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Compression {
    /// gzip: nodesnap's own tarballs, and sos with `-z gzip`.
    Gzip,
    /// xz: sos's default.
    Xz,
    /// bzip2: sos with `-z bzip2` (older releases' default).
    Bzip2,
}

impl Compression {
    pub(super) fn of(head: &[u8]) -> Option<Compression> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Some(Compression::Xz)
        } else if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
            Some(Compression::Bzip2)
        } else {
            None
        }
    }

    /// A decoder of the whole stream: concatenated gzip members, xz streams and bzip2 streams
    /// read as one, as their command-line tools do. Each decoder's memory is bounded: gzip's
    /// window is 32 KiB, bzip2's blocks are at most 900 kB (about 3.6 MiB to decode), and xz's
    /// is held to `memory` bytes.
    fn decoder<'a, R: Read + Send + 'a>(
        self,
        stream: R,
        memory: u64,
    ) -> io::Result<Box<dyn Read + Send + 'a>> {
        Ok(match self {
            Compression::Gzip => Box::new(MultiGzDecoder::new(stream)),
            Compression::Xz => {
                let decoder = liblzma::stream::Stream::new_stream_decoder(
                    memory,
                    liblzma::stream::CONCATENATED,
                )
                .map_err(io::Error::other)?;
                Box::new(liblzma::read::XzDecoder::new_stream(
                    io::BufReader::with_capacity(READ_BUFFER, stream),
                    decoder,
                ))
            }
            Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(stream)),
        })
    }
}

/// Reads a compressed tar, decompressing on a second thread a few chunks ahead of the tar
/// reader: on a big snapshot inflating is a fifth of the load, and it overlaps with parsing.
/// The inflated-bytes budget still applies (the tar reader counts what it takes), and when
/// reading stops early the channel closes and the decompressing thread ends after its chunk.
pub(super) fn read_tar_compressed<R: Read + Send>(
    stream: R,
    compression: Compression,
    out: &mut Collected,
) {
    let (chunks, inflated) = mpsc::sync_channel::<io::Result<Vec<u8>>>(INFLATED_CHUNKS_AHEAD);
    let memory = out.limits.decoder_bytes;
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut decoder = match compression.decoder(stream, memory) {
                Ok(decoder) => decoder,
                Err(e) => {
                    let _ = chunks.send(Err(e));
                    return;
                }
            };
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
pub(super) fn looks_like_tar(head: &[u8]) -> bool {
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

pub(super) fn describe_unknown(head: &[u8]) -> String {
    let kind = if head.is_empty() {
        "the file is empty"
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        "compressed with zstd; recompress it with gzip or extract it"
    } else if head.starts_with(b"PK\x03\x04") {
        "a zip file; nodesnap reads .tar.gz, .tar.xz, .tar.bz2 and .tar"
    } else if head.len() < BLOCK {
        "too short for a tar archive and not gzip, xz or bzip2"
    } else {
        "neither gzip, xz, bzip2 nor tar"
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
pub(super) fn read_tar<R: Read>(reader: R, out: &mut Collected) {
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
        // An entry neither layout uses is passed over: its data is skipped, never held. (A
        // GNU sparse entry's extension headers follow its header, so it goes through `keep`.)
        if kind != tar::EntryType::GNUSparse && !out.wants(&path, kind == tar::EntryType::Directory)
        {
            continue;
        }
        if !keep(&mut entry, kind, size, path, out) {
            break;
        }
    }
    out.stats.inflated_bytes = used.get();
}

/// Keeps a regular file or a directory in `out` and records any other entry as a gap; false
/// when reading must stop (the archive is damaged there, or a limit is reached).
fn keep<R: Read>(
    entry: &mut tar::Entry<'_, R>,
    kind: tar::EntryType,
    size: u64,
    path: String,
    out: &mut Collected,
) -> bool {
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
                return true;
            }
            let mut content = Vec::with_capacity(size.min(64 << 10) as usize);
            if let Err(e) = entry.take(size).read_to_end(&mut content) {
                out.stop(
                    Some(path.clone()),
                    format!(
                        "archive damaged inside {path}: {}; it and anything after it are missing",
                        one_line(&e)
                    ),
                );
                return false;
            }
            if (content.len() as u64) < size {
                out.stop(
                    Some(path.clone()),
                    format!("archive ends inside {path}; it and anything after it are missing"),
                );
                return false;
            }
            out.add_file(path, content)
        }
        tar::EntryType::Directory => out.add_dir(path),
        tar::EntryType::GNUSparse => {
            let extended = entry.header().as_gnu().is_some_and(|g| g.is_extended());
            if extended {
                out.stop(
                    Some(path.clone()),
                    format!("{path} is a GNU sparse file with extension headers, which nodesnap never writes; the archive cannot be read on safely"),
                );
                return false;
            }
            out.gap(path, "GNU sparse file skipped (nodesnap never writes one)");
            true
        }
        other => {
            if other == tar::EntryType::Symlink {
                if let Some(target) = entry.link_name_bytes() {
                    out.link(&path, &target);
                }
            }
            let what = match other {
                tar::EntryType::Symlink => "symbolic link skipped (never followed)",
                tar::EntryType::Link => "hard link skipped (never followed)",
                tar::EntryType::Char => "character device skipped",
                tar::EntryType::Block => "block device skipped",
                tar::EntryType::Fifo => "FIFO skipped",
                _ => "entry of an unsupported type skipped",
            };
            out.gap(path, what);
            true
        }
    }
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
