//! `analyzer export`: many snapshots as flat tables that existing engines query (DuckDB, Spark,
//! ClickHouse, BigQuery), in newline-delimited JSON or Parquet, one file per table, every row
//! keyed by the snapshot's id and the node's hostname.
//!
//! `schema` defines the tables (docs/MODEL.md "Export tables" documents them; a row's snapshot
//! id is `snapshot::SnapshotId`), `rows` turns one model into rows, `ndjson` and `parquet` write
//! them, and `run` drives a fleet through it one snapshot at a time: memory holds one
//! snapshot's model and the writers' bounded buffers, never the fleet.

mod ndjson;
mod parquet;
pub mod rows;
mod run;
pub mod schema;
mod time;

pub use rows::{Cell, RowSink, SnapshotFacts};
pub use run::{export, Observer, Outcome, Summary};
pub use schema::{Table, EXPORT_SCHEMA_VERSION};

use nodesnap_output::{AtomicFile, OutputError};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Ndjson,
    Parquet,
}

impl Format {
    /// The files' extension, and the format's name in `schema.json`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Ndjson => "ndjson",
            Format::Parquet => "parquet",
        }
    }
}

/// Why an export could not be written (bad inputs are not errors: they are gaps rows).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{}: cannot create the output directory: {source}", path.display())]
    Directory { path: PathBuf, source: io::Error },
    #[error("{0}")]
    Output(#[from] OutputError),
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("refusing to write into {}: it is inside the snapshot directory {}, which is being read", out.display(), input.display())]
    InsideInput { out: PathBuf, input: PathBuf },
}

/// What one file of the export holds once written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// None for `schema.json`.
    pub table: Option<Table>,
    pub path: PathBuf,
    pub rows: u64,
    pub bytes: u64,
}

/// A writer of every table in one format.
pub trait TableWriter: RowSink {
    /// Ends every file and puts it in place.
    fn finish(self: Box<Self>) -> Result<Vec<Written>, ExportError>;
}

/// The writer of `format` with its files open (as temporary files) in `dir`.
pub fn create_writer(dir: &Path, format: Format) -> Result<Box<dyn TableWriter>, ExportError> {
    Ok(match format {
        Format::Ndjson => Box::new(ndjson::NdjsonWriter::create(dir)?),
        Format::Parquet => Box::new(parquet::ParquetWriter::create(dir)?),
    })
}

const FILE_BUFFER: usize = 256 << 10;

/// `dir/<table>.<extension>`, opened as a temporary file beside it.
fn open_file(
    dir: &Path,
    table: Table,
    extension: &str,
) -> Result<(PathBuf, AtomicFile), ExportError> {
    let path = dir.join(format!("{}.{extension}", table.name()));
    let file = AtomicFile::create(&path, 0o666)?;
    Ok((path, file))
}

/// Flushes `out` and puts its file in place.
fn commit_file(
    table: Table,
    path: PathBuf,
    out: BufWriter<AtomicFile>,
    rows: u64,
) -> Result<Written, ExportError> {
    let write_error = |source| ExportError::Write {
        path: path.clone(),
        source,
    };
    let file = out
        .into_inner()
        .map_err(|error| write_error(error.into_error()))?;
    file.commit()?;
    let bytes = std::fs::metadata(&path).map_err(write_error)?.len();
    Ok(Written {
        table: Some(table),
        path,
        rows,
        bytes,
    })
}

/// One table's file being written row by row (NDJSON).
struct TableFile {
    table: Table,
    path: PathBuf,
    out: BufWriter<AtomicFile>,
    rows: u64,
}

impl TableFile {
    fn create(dir: &Path, table: Table, extension: &str) -> Result<TableFile, ExportError> {
        let (path, file) = open_file(dir, table, extension)?;
        Ok(TableFile {
            table,
            path,
            out: BufWriter::with_capacity(FILE_BUFFER, file),
            rows: 0,
        })
    }

    fn out(&mut self) -> &mut impl Write {
        &mut self.out
    }

    fn write_error(&self, source: io::Error) -> ExportError {
        ExportError::Write {
            path: self.path.clone(),
            source,
        }
    }

    fn commit(self) -> Result<Written, ExportError> {
        commit_file(self.table, self.path, self.out, self.rows)
    }
}

/// Writes `schema.json` (the tables' columns and types, and the schema version) into `dir`.
fn write_schema(dir: &Path, format: Format) -> Result<Written, ExportError> {
    let path = dir.join("schema.json");
    let write_error = |source| ExportError::Write {
        path: path.clone(),
        source,
    };
    let mut text = serde_json::to_string_pretty(&schema::schema_json(format.extension()))
        .map_err(|e| write_error(io::Error::other(e)))?;
    text.push('\n');
    let mut file = AtomicFile::create(&path, 0o666)?;
    file.write_all(text.as_bytes()).map_err(write_error)?;
    file.commit()?;
    Ok(Written {
        table: None,
        path,
        rows: 0,
        bytes: text.len() as u64,
    })
}

#[cfg(test)]
mod tests;
