//! Writing the snapshot: a gzip-compressed tar streamed to a temporary file beside the target
//! (renamed into place only when complete) or to stdout.

use flate2::write::GzEncoder;
use flate2::Compression;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Counts the compressed bytes that pass through, for the summary line.
pub struct CountingWriter<W> {
    inner: W,
    pub written: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Where the bytes go: a temporary file to be renamed, or stdout.
pub enum Sink {
    File {
        file: BufWriter<File>,
        temp_path: PathBuf,
        final_path: PathBuf,
    },
    Stdout(BufWriter<io::Stdout>),
    /// `collector --review`: nothing is written (the entries go to an `EntryTap`).
    Discard,
}

/// Receives each entry, by its full path in the tarball, instead of the tar stream.
pub type EntryTap = Box<dyn FnMut(&str, &[u8]) -> io::Result<()>>;

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::File { file, .. } => file.write(buf),
            Sink::Stdout(out) => out.write(buf),
            Sink::Discard => Ok(buf.len()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::File { file, .. } => file.flush(),
            Sink::Stdout(out) => out.flush(),
            Sink::Discard => Ok(()),
        }
    }
}

impl Sink {
    /// Creates `.<name>.partial-<pid>` beside `final_path`, exclusively, mode 0600 (the
    /// snapshot describes the node; only its owner should read it).
    pub fn create_file(final_path: &Path) -> io::Result<Sink> {
        let name = final_path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?;
        let temp_name = format!(".{}.partial-{}", name.to_string_lossy(), std::process::id());
        let temp_path = final_path.with_file_name(temp_name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp_path)?;
        Ok(Sink::File {
            file: BufWriter::with_capacity(256 * 1024, file),
            temp_path,
            final_path: final_path.to_path_buf(),
        })
    }

    pub fn stdout() -> Sink {
        Sink::Stdout(BufWriter::with_capacity(256 * 1024, io::stdout()))
    }

    /// Flushes, syncs and renames into place; on any error the temporary file is removed.
    pub fn commit(self) -> io::Result<()> {
        match self {
            Sink::File {
                file,
                temp_path,
                final_path,
            } => {
                let result = (|| {
                    let file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
                    file.sync_all()?;
                    drop(file);
                    fs::rename(&temp_path, &final_path)
                })();
                if result.is_err() {
                    let _ = fs::remove_file(&temp_path);
                }
                result
            }
            Sink::Stdout(mut out) => out.flush(),
            Sink::Discard => Ok(()),
        }
    }

    /// Removes the temporary file; used on every failure and on SIGINT/SIGTERM.
    pub fn discard(self) {
        if let Sink::File {
            temp_path, file, ..
        } = self
        {
            drop(file.into_parts());
            let _ = fs::remove_file(&temp_path);
        }
    }
}

/// Bytes of tar stream handed to the compressor at a time.
const COMPRESS_BATCH: usize = 128 * 1024;

/// A tar.gz stream under one top directory: `<top>/root/<path>` for copied files.
pub struct SnapshotWriter<W: Write> {
    builder: tar::Builder<BufWriter<GzEncoder<CountingWriter<W>>>>,
    top: String,
    mtime: u64,
    /// Reused for each entry's full path.
    path: String,
    /// `collector --review`: entries go here, not into the tar stream.
    tap: Option<EntryTap>,
}

impl<W: Write> SnapshotWriter<W> {
    /// Fast compression: /proc text compresses well even at level 1, and the collector's time
    /// on the node matters more than a few kilobytes.
    pub fn new(sink: W, top: &str, mtime: u64) -> SnapshotWriter<W> {
        let counting = CountingWriter {
            inner: sink,
            written: 0,
        };
        // flate2 zeroes the spare room of its output buffer on every write call, and tar writes
        // each header, content and padding separately: batching them before the encoder cut
        // that memset from 4.7% of the collector's time to nothing.
        let encoder = GzEncoder::new(counting, Compression::fast());
        let mut builder = tar::Builder::new(BufWriter::with_capacity(COMPRESS_BATCH, encoder));
        builder.mode(tar::HeaderMode::Deterministic);
        SnapshotWriter {
            builder,
            top: top.to_string(),
            mtime,
            path: String::new(),
            tap: None,
        }
    }

    /// Hands every entry to `tap` instead of writing it (`collector --review`).
    pub fn with_tap(mut self, tap: Option<EntryTap>) -> SnapshotWriter<W> {
        self.tap = tap;
        self
    }

    /// A file at `<top>/<path>` (such as `manifest.yaml`).
    pub fn add_top_file(&mut self, path: &str, data: &[u8]) -> io::Result<()> {
        let full = format!("{}/{}", self.top, path);
        self.append(&full, data)
    }

    /// A file copied from the node, at `<top>/root/<rel>`.
    pub fn add_root_file(&mut self, rel: &str, data: &[u8]) -> io::Result<()> {
        let full = format!("{}/{}/{}", self.top, nodesnap_format::ROOT_DIR, rel);
        self.append(&full, data)
    }

    /// The bundle of a process or cgroup directory, at `<top>/root/<dir>/nodesnap-files.txt`.
    pub fn add_root_bundle(
        &mut self,
        dir: &dyn std::fmt::Display,
        records: &[u8],
    ) -> io::Result<()> {
        use std::fmt::Write as _;
        let mut full = std::mem::take(&mut self.path);
        full.clear();
        let _ = write!(
            full,
            "{}/{}/{}/{}",
            self.top,
            nodesnap_format::ROOT_DIR,
            dir,
            nodesnap_format::BUNDLE_FILE
        );
        let result = self.append(&full, records);
        self.path = full;
        result
    }

    fn append(&mut self, full: &str, data: &[u8]) -> io::Result<()> {
        if let Some(tap) = self.tap.as_mut() {
            return tap(full, data);
        }
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        header.set_mtime(self.mtime);
        header.set_size(data.len() as u64);
        self.builder.append_data(&mut header, full, data)
    }

    /// Ends the tar and gzip streams; returns the sink and the compressed size.
    pub fn finish(self) -> io::Result<(W, u64)> {
        let batched = self.builder.into_inner()?;
        let encoder = batched
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        let counting = encoder.finish()?;
        Ok((counting.inner, counting.written))
    }
}
