//! Writing the snapshot: a gzip-compressed tar streamed to a temporary file beside the target
//! (put in place only when complete, by nodesnap-output) or to stdout.

use flate2::write::GzEncoder;
use flate2::Compression;
use nodesnap_output::{AtomicFile, OutputError};
use std::io::{self, BufWriter, Write};
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

/// Where the bytes go: a temporary file put in place on commit (nodesnap-output), or stdout.
pub enum Sink {
    File(BufWriter<AtomicFile>),
    Stdout(BufWriter<io::Stdout>),
    /// `collector --review`: nothing is written (the entries go to an `EntryTap`).
    Discard,
}

/// Receives each entry, by its full path in the tarball, instead of the tar stream.
pub type EntryTap = Box<dyn FnMut(&str, &[u8]) -> io::Result<()>>;

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::File(file) => file.write(buf),
            Sink::Stdout(out) => out.write(buf),
            Sink::Discard => Ok(buf.len()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::File(file) => file.flush(),
            Sink::Stdout(out) => out.flush(),
            Sink::Discard => Ok(()),
        }
    }
}

impl Sink {
    /// Creates `.<name>.partial-<pid>` beside `final_path`, exclusively, mode 0600 (the
    /// snapshot describes the node; only its owner should read it), after checking that
    /// `final_path` is a new name or a regular file with one link.
    pub fn create_file(final_path: &Path) -> Result<Sink, OutputError> {
        let file = AtomicFile::create(final_path, 0o600)?;
        Ok(Sink::File(BufWriter::with_capacity(256 * 1024, file)))
    }

    pub fn stdout() -> Sink {
        Sink::Stdout(BufWriter::with_capacity(256 * 1024, io::stdout()))
    }

    /// The temporary file, for removal when the run fails or is interrupted.
    pub fn temp_path(&self) -> Option<PathBuf> {
        match self {
            Sink::File(file) => Some(file.get_ref().temp_path().to_path_buf()),
            Sink::Stdout(_) | Sink::Discard => None,
        }
    }

    /// Flushes, syncs and puts the file in place (checking again what is there); on any error
    /// the temporary file is removed.
    pub fn commit(self) -> Result<(), OutputError> {
        match self {
            Sink::File(file) => {
                let target = file.get_ref().target().to_path_buf();
                let file = file.into_inner().map_err(|error| OutputError::Io {
                    path: target,
                    action: "writing",
                    source: error.into_error(),
                })?;
                file.commit()
            }
            Sink::Stdout(mut out) => out.flush().map_err(|source| OutputError::Io {
                path: PathBuf::from("-"),
                action: "writing to standard output",
                source,
            }),
            Sink::Discard => Ok(()),
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
        self.add_bundle_under(&nodesnap_format::ROOT_DIR, dir, records)
    }

    /// A bundle at `<top>/<base>/<dir>/nodesnap-files.txt`: `base` is `root` or a later
    /// sample's `samples/<k>`.
    pub fn add_bundle_under(
        &mut self,
        base: &dyn std::fmt::Display,
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
            base,
            dir,
            nodesnap_format::BUNDLE_FILE
        );
        let result = self.append(&full, records);
        self.path = full;
        result
    }

    /// The length of the entry name the bundle of `dir` would get.
    pub fn bundle_name_len(&self, dir: &str) -> usize {
        nodesnap_format::bundle_entry_name_len(&self.top, dir)
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
