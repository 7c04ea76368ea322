//! Parquet through the arrow-rs `parquet` crate's file writer (no arrow arrays): one file per
//! table, rows buffered column by column and written as a row group when a table holds
//! [`ROW_GROUP_ROWS`] rows or [`ROW_GROUP_BYTES`] of values, and at the end.
//!
//! Why not a row group per snapshot: a fleet of small snapshots would make thousands of row
//! groups of a few rows each, and every row group costs a footer entry per column that the
//! writer keeps in memory until the end and every reader parses first; 1,000 snapshots would
//! make a footer of megabytes for kilobytes of rows. Row groups of about 128 Ki rows are what
//! the engines read best (DuckDB writes 122,880), and the buffer stays bounded whatever the
//! fleet: the memory of an export is one snapshot's model plus at most these buffers.

use super::rows::{check_row, Cell, RowSink};
use super::schema::{Kind, Table, EXPORT_SCHEMA_VERSION};
use super::{commit_file, open_file, ExportError, TableWriter, Written};
use nodesnap_output::AtomicFile;
use parquet::basic::{Compression, ZstdLevel};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{Type, TypePtr};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A table's buffered rows are written as a row group at this many rows...
pub const ROW_GROUP_ROWS: usize = 128 << 10;
/// ...or once its buffered values take this many bytes.
pub const ROW_GROUP_BYTES: usize = 16 << 20;
/// zstd's level: 3 is its own default, about snappy's speed at a third less size here.
const ZSTD_LEVEL: i32 = 3;

pub struct ParquetWriter {
    tables: Vec<ParquetTable>,
}

struct ParquetTable {
    table: Table,
    path: PathBuf,
    writer: SerializedFileWriter<BufWriter<AtomicFile>>,
    columns: Vec<Buffer>,
    buffered_rows: usize,
    buffered_bytes: usize,
    rows: u64,
}

/// One column's values and, for a column that may be null, its definition levels (1 present,
/// 0 null); a null has no value.
enum Buffer {
    Int(Vec<i64>, Option<Vec<i16>>),
    Bool(Vec<bool>, Option<Vec<i16>>),
    Float(Vec<f64>, Option<Vec<i16>>),
    Text(Vec<ByteArray>, Option<Vec<i16>>),
}

impl Buffer {
    fn new(kind: Kind, required: bool) -> Buffer {
        let levels = (!required).then(Vec::new);
        match kind {
            Kind::Int | Kind::Timestamp => Buffer::Int(Vec::new(), levels),
            Kind::Bool => Buffer::Bool(Vec::new(), levels),
            Kind::Float => Buffer::Float(Vec::new(), levels),
            Kind::Text => Buffer::Text(Vec::new(), levels),
        }
    }

    /// Adds a cell (already checked against the column) and says how many bytes it holds.
    fn push(&mut self, cell: &Cell<'_>) -> usize {
        fn level(levels: &mut Option<Vec<i16>>, present: bool) {
            if let Some(levels) = levels {
                levels.push(i16::from(present));
            }
        }
        match (self, cell) {
            (Buffer::Int(values, levels), Cell::Int(n) | Cell::Time(n, _)) => {
                values.push(*n);
                level(levels, true);
                8
            }
            (Buffer::Bool(values, levels), Cell::Bool(b)) => {
                values.push(*b);
                level(levels, true);
                1
            }
            (Buffer::Float(values, levels), Cell::Float(x)) => {
                values.push(*x);
                level(levels, true);
                8
            }
            (Buffer::Text(values, levels), Cell::Text(text)) => {
                values.push(ByteArray::from(text.as_bytes().to_vec()));
                level(levels, true);
                text.len() + 16
            }
            (
                Buffer::Int(_, levels)
                | Buffer::Bool(_, levels)
                | Buffer::Float(_, levels)
                | Buffer::Text(_, levels),
                _,
            ) => {
                level(levels, false);
                2
            }
        }
    }
}

fn parquet_error(path: &Path, error: ParquetError) -> ExportError {
    ExportError::Write {
        path: path.to_path_buf(),
        source: io::Error::other(error.to_string()),
    }
}

/// The Parquet schema of `table`: INT64 for integers and timestamps (microseconds, UTC),
/// BYTE_ARRAY annotated STRING for text.
fn parquet_schema(table: Table) -> Result<TypePtr, ParquetError> {
    use parquet::basic::{LogicalType, Repetition, TimeUnit, Type as Physical};
    let mut fields = Vec::new();
    for column in table.columns() {
        let (physical, logical) = match column.kind {
            Kind::Int => (Physical::INT64, None),
            Kind::Bool => (Physical::BOOLEAN, None),
            Kind::Float => (Physical::DOUBLE, None),
            Kind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
            Kind::Timestamp => (
                Physical::INT64,
                Some(LogicalType::timestamp(true, TimeUnit::MICROS)),
            ),
        };
        let repetition = if column.required {
            Repetition::REQUIRED
        } else {
            Repetition::OPTIONAL
        };
        let field = Type::primitive_type_builder(&column.name, physical)
            .with_repetition(repetition)
            .with_logical_type(logical)
            .build()?;
        fields.push(Arc::new(field));
    }
    Ok(Arc::new(
        Type::group_type_builder(table.name())
            .with_fields(fields)
            .build()?,
    ))
}

impl ParquetWriter {
    pub fn create(dir: &Path) -> Result<ParquetWriter, ExportError> {
        let mut tables = Vec::new();
        for table in Table::ALL {
            let (path, file) = open_file(dir, table, "parquet")?;
            let properties = WriterProperties::builder()
                .set_compression(Compression::ZSTD(
                    ZstdLevel::try_new(ZSTD_LEVEL).map_err(|e| parquet_error(&path, e))?,
                ))
                .set_created_by(format!("nodesnap analyzer {}", env!("CARGO_PKG_VERSION")))
                .set_key_value_metadata(Some(vec![
                    KeyValue::new(
                        "nodesnap.export_schema_version".to_string(),
                        EXPORT_SCHEMA_VERSION.to_string(),
                    ),
                    KeyValue::new("nodesnap.table".to_string(), table.name().to_string()),
                ]))
                .build();
            let schema = parquet_schema(table).map_err(|e| parquet_error(&path, e))?;
            let writer = SerializedFileWriter::new(
                BufWriter::with_capacity(super::FILE_BUFFER, file),
                schema,
                Arc::new(properties),
            )
            .map_err(|e| parquet_error(&path, e))?;
            let columns = table
                .columns()
                .iter()
                .map(|c| Buffer::new(c.kind, c.required))
                .collect();
            tables.push(ParquetTable {
                table,
                path,
                writer,
                columns,
                buffered_rows: 0,
                buffered_bytes: 0,
                rows: 0,
            });
        }
        Ok(ParquetWriter { tables })
    }
}

impl ParquetTable {
    /// Writes the buffered rows as one row group and empties the buffers.
    fn write_row_group(&mut self) -> Result<(), ParquetError> {
        if self.buffered_rows == 0 {
            return Ok(());
        }
        let mut group = self.writer.next_row_group()?;
        for buffer in &mut self.columns {
            let Some(mut column) = group.next_column()? else {
                return Err(ParquetError::General(format!(
                    "{} has fewer columns than its buffers",
                    self.table.name()
                )));
            };
            match buffer {
                Buffer::Int(values, levels) => {
                    column
                        .typed::<Int64Type>()
                        .write_batch(values, levels.as_deref(), None)?;
                    values.clear();
                    levels.iter_mut().for_each(Vec::clear);
                }
                Buffer::Bool(values, levels) => {
                    column
                        .typed::<BoolType>()
                        .write_batch(values, levels.as_deref(), None)?;
                    values.clear();
                    levels.iter_mut().for_each(Vec::clear);
                }
                Buffer::Float(values, levels) => {
                    column
                        .typed::<DoubleType>()
                        .write_batch(values, levels.as_deref(), None)?;
                    values.clear();
                    levels.iter_mut().for_each(Vec::clear);
                }
                Buffer::Text(values, levels) => {
                    column
                        .typed::<ByteArrayType>()
                        .write_batch(values, levels.as_deref(), None)?;
                    values.clear();
                    levels.iter_mut().for_each(Vec::clear);
                }
            }
            column.close()?;
        }
        group.close()?;
        self.buffered_rows = 0;
        self.buffered_bytes = 0;
        Ok(())
    }
}

impl RowSink for ParquetWriter {
    fn row(&mut self, table: Table, cells: &[Cell<'_>]) -> io::Result<()> {
        check_row(table, cells)?;
        let target = &mut self.tables[table.index()];
        for (buffer, cell) in target.columns.iter_mut().zip(cells) {
            target.buffered_bytes += buffer.push(cell);
        }
        target.buffered_rows += 1;
        target.rows += 1;
        if target.buffered_rows >= ROW_GROUP_ROWS || target.buffered_bytes >= ROW_GROUP_BYTES {
            target
                .write_row_group()
                .map_err(|e| io::Error::other(e.to_string()))?;
        }
        Ok(())
    }
}

impl TableWriter for ParquetWriter {
    fn finish(self: Box<Self>) -> Result<Vec<Written>, ExportError> {
        let mut written = Vec::new();
        for mut table in self.tables {
            let path = table.path.clone();
            table
                .write_row_group()
                .map_err(|e| parquet_error(&path, e))?;
            let out = table
                .writer
                .into_inner()
                .map_err(|e| parquet_error(&path, e))?;
            written.push(commit_file(table.table, path, out, table.rows)?);
        }
        Ok(written)
    }
}
