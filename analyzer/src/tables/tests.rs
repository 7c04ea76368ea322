//! The export's rows against the models they come from, and the two writers against each
//! other: what NDJSON says, Parquet read back says too.

use super::rows::{check_row, emit, Cell, RowSink, SnapshotFacts};
use super::schema::{Kind, Table};
use super::time::micros_since_epoch;
use super::{create_writer, Format};
use crate::fixture;
use crate::model::Model;
use crate::snapshot::SnapshotId;
use nodesnap_fixtures::TempDir;
use std::collections::BTreeMap;
use std::io;
use std::path::Path;

/// A value as both formats can be compared: timestamps as microseconds, floats by their bits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(u64),
    Text(String),
}

impl From<&Cell<'_>> for Value {
    fn from(cell: &Cell<'_>) -> Value {
        match cell {
            Cell::Null => Value::Null,
            Cell::Bool(b) => Value::Bool(*b),
            Cell::Int(n) | Cell::Time(n, _) => Value::Int(*n),
            Cell::Float(x) => Value::Float(x.to_bits()),
            Cell::Text(text) => Value::Text(text.to_string()),
        }
    }
}

type Rows = BTreeMap<Table, Vec<Vec<Value>>>;

/// Keeps every row, checked against its table.
#[derive(Default)]
struct Collect(Rows);

impl RowSink for Collect {
    fn row(&mut self, table: Table, cells: &[Cell<'_>]) -> io::Result<()> {
        check_row(table, cells)?;
        self.0
            .entry(table)
            .or_default()
            .push(cells.iter().map(Value::from).collect());
        Ok(())
    }
}

fn facts(layout: &str) -> SnapshotFacts {
    let snapshot = fixture::snapshot(layout);
    SnapshotFacts {
        id: SnapshotId::of(&snapshot),
        hostname: snapshot.manifest.hostname.clone(),
        boot_id: Some("boot".into()),
        source_path: format!("{layout}.tar.gz"),
    }
}

fn rows_of(model: &Model, facts: &SnapshotFacts) -> Rows {
    let mut sink = Collect::default();
    emit(model, facts, &mut sink).expect("every row fits its table");
    sink.0
}

fn column(table: Table, name: &str) -> usize {
    table
        .columns()
        .iter()
        .position(|c| c.name == name)
        .unwrap_or_else(|| panic!("{} has no column {name}", table.name()))
}

#[test]
fn every_layout_gives_one_row_per_entity_keyed_by_its_snapshot() {
    for layout in nodesnap_fixtures::layouts::NAMES {
        let model = fixture::model(layout);
        let facts = facts(layout);
        let rows = rows_of(&model, &facts);
        let count = |table: Table| rows.get(&table).map_or(0, Vec::len);
        assert_eq!(count(Table::Nodes), 1, "{layout}");
        assert_eq!(
            count(Table::Runtimes),
            model.node.runtimes.len(),
            "{layout}"
        );
        assert_eq!(count(Table::Pods), model.pods.len(), "{layout}");
        assert_eq!(count(Table::Containers), model.containers.len(), "{layout}");
        assert_eq!(count(Table::Processes), model.processes.len(), "{layout}");
        let lines: usize = model.processes.iter().map(|p| p.cgroups.len()).sum();
        assert_eq!(count(Table::ProcessCgroups), lines, "{layout}");
        assert_eq!(count(Table::Namespaces), model.namespaces.len(), "{layout}");
        assert_eq!(count(Table::Cgroups), model.cgroups.len(), "{layout}");
        assert_eq!(count(Table::Findings), model.findings.len(), "{layout}");
        assert_eq!(count(Table::Gaps), model.gaps.len(), "{layout}");
        for (table, table_rows) in &rows {
            for row in table_rows {
                assert_eq!(row[0], Value::Text(facts.id.to_string()), "{layout}");
                assert_eq!(
                    row[1],
                    facts.hostname.clone().map_or(Value::Null, Value::Text),
                    "{layout} {}",
                    table.name()
                );
            }
        }
    }
}

#[test]
fn nested_fields_become_columns_a_sql_user_filters_on() {
    let model = fixture::model("containerd-v2-systemd");
    let rows = rows_of(&model, &facts("containerd-v2-systemd"));
    // The container with OOM kills and throttling: limits and usage as plain columns.
    let containers = &rows[&Table::Containers];
    let api = model
        .containers
        .iter()
        .position(|c| c.usage.oom_kills.unwrap_or(0) > 0)
        .expect("the layout's OOM-killed container");
    let at = |name| containers[api][column(Table::Containers, name)].clone();
    assert_eq!(at("oom_kills"), Value::Int(3));
    assert_eq!(at("memory_max_bytes"), Value::Int(256 << 20));
    assert_eq!(at("memory_max_unlimited"), Value::Bool(false));
    assert_eq!(at("cpu_nr_throttled"), Value::Int(71902));
    // A pod's sharing per namespace type.
    let pods = &rows[&Table::Pods];
    let proxy = model
        .pods
        .iter()
        .position(|p| p.name.as_deref() == Some("kube-proxy-q8z5m"))
        .expect("kube-proxy");
    assert_eq!(
        pods[proxy][column(Table::Pods, "sharing_net")],
        Value::Text("host".into())
    );
    assert_eq!(
        pods[proxy][column(Table::Pods, "sharing_ipc")],
        Value::Text("pod".into())
    );
    // A process's namespaces as inode columns, its cgroup as the path cgls shows.
    let processes = &rows[&Table::Processes];
    let first = &processes[0];
    let process = &model.processes[0];
    assert_eq!(
        first[column(Table::Processes, "ns_net")],
        Value::Int(process.namespaces[&crate::model::NsType::Net].0 as i64)
    );
    assert_eq!(
        first[column(Table::Processes, "cgroup")],
        Value::Text("/init.scope".into())
    );
}

#[test]
fn an_unlimited_limit_is_a_null_number_with_its_flag_set() {
    let model = fixture::seed();
    let rows = rows_of(&model, &facts("seed-node"));
    let cgroups = &rows[&Table::Cgroups];
    let root = cgroups
        .iter()
        .zip(&model.cgroups)
        .find(|(_, c)| c.limits.memory_max_bytes == Some(crate::model::Limit::Max))
        .map(|(row, _)| row)
        .expect("a cgroup without a memory limit");
    assert_eq!(
        root[column(Table::Cgroups, "memory_max_bytes")],
        Value::Null
    );
    assert_eq!(
        root[column(Table::Cgroups, "memory_max_unlimited")],
        Value::Bool(true)
    );
}

/// NDJSON rows read back, typed by the schema.
fn read_ndjson(dir: &Path, table: Table) -> Vec<Vec<Value>> {
    let text = std::fs::read_to_string(dir.join(format!("{}.ndjson", table.name())))
        .expect("the NDJSON file");
    text.lines()
        .map(|line| {
            let object: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(line).expect("one JSON object per line");
            assert_eq!(
                object.len(),
                table.columns().len(),
                "every key, null or not"
            );
            table
                .columns()
                .iter()
                .map(|c| match (&object[&c.name], c.kind) {
                    (serde_json::Value::Null, _) => Value::Null,
                    (serde_json::Value::Bool(b), Kind::Bool) => Value::Bool(*b),
                    (serde_json::Value::Number(n), Kind::Int) => {
                        Value::Int(n.as_i64().expect("an int64"))
                    }
                    (serde_json::Value::Number(n), Kind::Float) => {
                        Value::Float(n.as_f64().expect("a double").to_bits())
                    }
                    (serde_json::Value::String(s), Kind::Text) => Value::Text(s.clone()),
                    (serde_json::Value::String(s), Kind::Timestamp) => {
                        Value::Int(micros_since_epoch(s).expect("an RFC 3339 instant"))
                    }
                    (other, kind) => panic!("{}: {other} is no {}", c.name, kind.name()),
                })
                .collect()
        })
        .collect()
}

/// Parquet rows read back through the crate's record reader.
fn read_parquet(dir: &Path, table: Table) -> Vec<Vec<Value>> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let file = std::fs::File::open(dir.join(format!("{}.parquet", table.name())))
        .expect("the Parquet file");
    let reader = SerializedFileReader::new(file).expect("a Parquet file");
    let metadata = reader.metadata().file_metadata();
    let version = metadata
        .key_value_metadata()
        .and_then(|kv| {
            kv.iter()
                .find(|kv| kv.key == "nodesnap.export_schema_version")
        })
        .and_then(|kv| kv.value.clone());
    assert_eq!(
        version,
        Some(super::EXPORT_SCHEMA_VERSION.to_string()),
        "{}",
        table.name()
    );
    reader
        .get_row_iter(None)
        .expect("rows")
        .map(|row| {
            let row = row.expect("a row");
            let names: Vec<&String> = row.get_column_iter().map(|(name, _)| name).collect();
            let expected: Vec<&String> = table.columns().iter().map(|c| &c.name).collect();
            assert_eq!(names, expected);
            row.get_column_iter()
                .map(|(name, field)| match field {
                    Field::Null => Value::Null,
                    Field::Bool(b) => Value::Bool(*b),
                    Field::Long(n) | Field::TimestampMicros(n) => Value::Int(*n),
                    Field::Double(x) => Value::Float(x.to_bits()),
                    Field::Str(s) => Value::Text(s.clone()),
                    other => panic!("{name}: unexpected {other:?}"),
                })
                .collect()
        })
        .collect()
}

fn write(dir: &Path, format: Format, layouts: &[&str]) -> Rows {
    let mut writer = create_writer(dir, format).expect("the writer");
    let mut all = Rows::new();
    for layout in layouts {
        let model = fixture::model(layout);
        let facts = facts(layout);
        emit(&model, &facts, &mut *writer).expect("written");
        for (table, rows) in rows_of(&model, &facts) {
            all.entry(table).or_default().extend(rows);
        }
    }
    let written = writer.finish().expect("finished");
    assert_eq!(written.len(), Table::ALL.len());
    all
}

#[test]
fn ndjson_and_parquet_hold_the_same_rows_as_the_model_gave() {
    let layouts = ["seed-node", "containerd-v2-systemd", "podman-v2"];
    let dir = TempDir::new("tables");
    let ndjson = dir.join("ndjson");
    let parquet = dir.join("parquet");
    std::fs::create_dir_all(&ndjson).unwrap();
    std::fs::create_dir_all(&parquet).unwrap();
    let expected = write(&ndjson, Format::Ndjson, &layouts);
    write(&parquet, Format::Parquet, &layouts);
    for table in Table::ALL {
        let want = expected.get(&table).cloned().unwrap_or_default();
        assert_eq!(
            read_ndjson(&ndjson, table),
            want,
            "{} (NDJSON)",
            table.name()
        );
        assert_eq!(
            read_parquet(&parquet, table),
            want,
            "{} (Parquet)",
            table.name()
        );
    }
}

#[test]
fn parquet_row_groups_close_at_their_row_count_and_keep_every_row() {
    let dir = TempDir::new("tables");
    let mut writer = create_writer(dir.path(), Format::Parquet).expect("the writer");
    let total = super::parquet::ROW_GROUP_ROWS * 2 + 5;
    for at in 0..total {
        let cells = [
            Cell::Text("id".into()),
            Cell::Null,
            Cell::Text(format!("path/{at}").into()),
            Cell::Text("unreadable".into()),
            Cell::Null,
        ];
        writer.row(Table::Gaps, &cells).expect("a gaps row");
    }
    writer.finish().expect("finished");
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let file = std::fs::File::open(dir.join("gaps.parquet")).unwrap();
    let reader = SerializedFileReader::new(file).unwrap();
    let groups: Vec<i64> = reader
        .metadata()
        .row_groups()
        .iter()
        .map(|g| g.num_rows())
        .collect();
    let full = super::parquet::ROW_GROUP_ROWS as i64;
    assert_eq!(groups, vec![full, full, 5]);
}

#[test]
fn a_row_that_does_not_fit_its_table_is_refused_not_written() {
    let short = [Cell::Text("id".into())];
    assert!(check_row(Table::Gaps, &short).is_err());
    let wrong_type = [
        Cell::Text("id".into()),
        Cell::Null,
        Cell::Int(1),
        Cell::Text("r".into()),
        Cell::Null,
    ];
    assert!(check_row(Table::Gaps, &wrong_type).is_err());
    let null_required = [
        Cell::Text("id".into()),
        Cell::Null,
        Cell::Null,
        Cell::Text("r".into()),
        Cell::Null,
    ];
    assert!(check_row(Table::Gaps, &null_required).is_err());
}
