//! Newline-delimited JSON: one file per table, one object per row with every column's key
//! (null where absent, as in the model), strings escaped by the model's one rule.

use super::rows::{check_row, Cell, RowSink};
use super::schema::Table;
use super::{ExportError, TableFile, TableWriter, Written};
use crate::views::export::EscapingFormatter;
use serde_json::ser::CompactFormatter;
use std::io::{self, Write};
use std::path::Path;

pub struct NdjsonWriter {
    tables: Vec<NdjsonTable>,
}

struct NdjsonTable {
    file: TableFile,
    /// `"name":` of each column, escaped once.
    keys: Vec<Vec<u8>>,
}

impl NdjsonWriter {
    pub fn create(dir: &Path) -> Result<NdjsonWriter, ExportError> {
        let mut tables = Vec::new();
        for table in Table::ALL {
            let file = TableFile::create(dir, table, "ndjson")?;
            let keys = table
                .columns()
                .iter()
                .map(|column| {
                    let mut key = Vec::new();
                    write_str(&mut key, &column.name).map(|()| {
                        key.push(b':');
                        key
                    })
                })
                .collect::<io::Result<Vec<_>>>()
                .map_err(|source| file.write_error(source))?;
            tables.push(NdjsonTable { file, keys });
        }
        Ok(NdjsonWriter { tables })
    }
}

fn write_str(out: &mut impl Write, text: &str) -> io::Result<()> {
    use serde::Serializer as _;
    let mut serializer =
        serde_json::Serializer::with_formatter(out, EscapingFormatter(CompactFormatter));
    serializer.serialize_str(text).map_err(io::Error::other)
}

fn write_cell(out: &mut impl Write, cell: &Cell<'_>) -> io::Result<()> {
    match cell {
        Cell::Null => out.write_all(b"null"),
        Cell::Bool(true) => out.write_all(b"true"),
        Cell::Bool(false) => out.write_all(b"false"),
        Cell::Int(n) => write!(out, "{n}"),
        Cell::Float(x) if x.is_finite() => {
            serde_json::to_writer(&mut *out, x).map_err(io::Error::other)
        }
        Cell::Float(_) => out.write_all(b"null"),
        Cell::Text(text) => write_str(out, text),
        Cell::Time(_, text) => write_str(out, text),
    }
}

impl RowSink for NdjsonWriter {
    fn row(&mut self, table: Table, cells: &[Cell<'_>]) -> io::Result<()> {
        check_row(table, cells)?;
        let NdjsonTable { file, keys } = &mut self.tables[table.index()];
        let out = file.out();
        out.write_all(b"{")?;
        for (at, (cell, key)) in cells.iter().zip(keys.iter()).enumerate() {
            if at > 0 {
                out.write_all(b",")?;
            }
            out.write_all(key)?;
            write_cell(out, cell)?;
        }
        out.write_all(b"}\n")?;
        file.rows += 1;
        Ok(())
    }
}

impl TableWriter for NdjsonWriter {
    fn finish(self: Box<Self>) -> Result<Vec<Written>, ExportError> {
        self.tables
            .into_iter()
            .map(|table| table.file.commit())
            .collect()
    }
}
