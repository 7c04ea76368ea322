//! The export's tables and their columns: names, types and whether a column may be null. One
//! definition serves both writers (NDJSON keys, Parquet schema), `schema.json` and the test that
//! holds docs/MODEL.md's "Export tables" to it.

use crate::model::NsType;
use std::sync::LazyLock;

/// Bumped when a column changes meaning or type, or is removed; adding a column does not bump
/// it. Written as the `schema_version` column of `nodes`, in `schema.json` and in each Parquet
/// file's key-value metadata (`nodesnap.export_schema_version`).
pub const EXPORT_SCHEMA_VERSION: u32 = 1;

/// The tables, in the order they are written and documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    Nodes,
    Runtimes,
    Pods,
    Containers,
    Processes,
    ProcessCgroups,
    Namespaces,
    Cgroups,
    Findings,
    Gaps,
}

impl Table {
    pub const ALL: [Table; 10] = [
        Table::Nodes,
        Table::Runtimes,
        Table::Pods,
        Table::Containers,
        Table::Processes,
        Table::ProcessCgroups,
        Table::Namespaces,
        Table::Cgroups,
        Table::Findings,
        Table::Gaps,
    ];

    /// The table's name: its file's stem (`pods.parquet`) and its heading in docs/MODEL.md.
    pub fn name(self) -> &'static str {
        match self {
            Table::Nodes => "nodes",
            Table::Runtimes => "runtimes",
            Table::Pods => "pods",
            Table::Containers => "containers",
            Table::Processes => "processes",
            Table::ProcessCgroups => "process_cgroups",
            Table::Namespaces => "namespaces",
            Table::Cgroups => "cgroups",
            Table::Findings => "findings",
            Table::Gaps => "gaps",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn columns(self) -> &'static [Column] {
        &SCHEMA[self.index()]
    }
}

/// A column's type, as each engine sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// UTF-8 text (Parquet BYTE_ARRAY annotated STRING; a JSON string).
    Text,
    /// A signed 64-bit integer (Parquet INT64; a JSON number). Counters the kernel keeps as
    /// unsigned never pass 2^63 in practice; one that does is written as null.
    Int,
    Bool,
    /// A 64-bit float (load averages).
    Float,
    /// An instant in UTC: Parquet INT64 TIMESTAMP(MICROS, adjusted to UTC); in NDJSON the RFC
    /// 3339 text the model holds (`2026-11-29T03:19:56Z`).
    Timestamp,
}

impl Kind {
    /// The name in docs/MODEL.md and `schema.json`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "string",
            Kind::Int => "int64",
            Kind::Bool => "bool",
            Kind::Float => "double",
            Kind::Timestamp => "timestamp",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
    /// Never null.
    pub required: bool,
}

fn col(name: &str, kind: Kind) -> Column {
    Column {
        name: name.to_string(),
        kind,
        required: false,
    }
}

fn req(name: &str, kind: Kind) -> Column {
    Column {
        name: name.to_string(),
        kind,
        required: true,
    }
}

/// The cgroup limits that may be the kernel's `max`: each is a number column (null when
/// unlimited or unknown) and an `_unlimited` flag (null when unknown).
pub(super) const LIMITS_WITH_MAX: [(&str, &str); 4] = [
    ("memory_max_bytes", "memory_max_unlimited"),
    ("memory_high_bytes", "memory_high_unlimited"),
    ("cpu_quota_usec", "cpu_quota_unlimited"),
    ("pids_max", "pids_max_unlimited"),
];

/// `limits` and `usage` of pods, containers and cgroups, flattened.
fn resource_columns() -> Vec<Column> {
    use Kind::*;
    let mut columns = Vec::new();
    for (number, flag) in LIMITS_WITH_MAX {
        columns.push(col(number, Int));
        columns.push(col(flag, Bool));
    }
    columns.extend([
        col("cpu_period_usec", Int),
        col("cpu_weight", Int),
        col("cpu_shares", Int),
        col("cpuset_cpus", Text),
        col("memory_current_bytes", Int),
        col("memory_peak_bytes", Int),
        col("memory_failcnt", Int),
        col("memory_max_events", Int),
        col("memory_under_oom", Bool),
        col("oom_kills", Int),
        col("pids_current", Int),
        col("pids_max_events", Int),
        col("cpu_nr_periods", Int),
        col("cpu_nr_throttled", Int),
        col("cpu_throttled_usec", Int),
    ]);
    columns
}

/// Every table's key: which snapshot, and the node's hostname.
fn keyed(required_id: bool, rest: Vec<Column>) -> Vec<Column> {
    let id = if required_id {
        req("snapshot_id", Kind::Text)
    } else {
        col("snapshot_id", Kind::Text)
    };
    let mut columns = vec![id, col("hostname", Kind::Text)];
    columns.extend(rest);
    columns
}

static SCHEMA: LazyLock<Vec<Vec<Column>>> = LazyLock::new(|| {
    Table::ALL
        .iter()
        .map(|&table| table_columns(table))
        .collect()
});

fn table_columns(table: Table) -> Vec<Column> {
    match table {
        Table::Nodes => nodes_columns(),
        Table::Runtimes => runtimes_columns(),
        Table::Pods => pods_columns(),
        Table::Containers => containers_columns(),
        Table::Processes => processes_columns(),
        Table::ProcessCgroups => process_cgroups_columns(),
        Table::Namespaces => namespaces_columns(),
        Table::Cgroups => cgroups_columns(),
        Table::Findings => findings_columns(),
        Table::Gaps => gaps_columns(),
    }
}

fn nodes_columns() -> Vec<Column> {
    use Kind::*;
    keyed(
        true,
        vec![
            req("schema_version", Int),
            col("collected_at", Timestamp),
            col("finished_at", Timestamp),
            req("duration_ms", Int),
            req("collector_version", Text),
            req("format_version", Int),
            req("cmdline_policy", Text),
            col("boot_id", Text),
            col("kernel", Text),
            col("os", Text),
            col("boot_time", Timestamp),
            col("uptime_secs", Int),
            req("cgroup_mode", Text),
            req("cgroup_driver", Text),
            col("kubelet_pid", Int),
            col("memory_total_bytes", Int),
            col("cpus", Int),
            col("pid_max", Int),
            col("load1", Float),
            col("load5", Float),
            col("load15", Float),
            req("runtimes", Int),
            req("pods", Int),
            req("containers", Int),
            req("processes", Int),
            req("cgroups", Int),
            req("findings_critical", Int),
            req("findings_warning", Int),
            req("findings_info", Int),
            req("gaps", Int),
            req("collected_files", Int),
            req("collected_bytes", Int),
            req("source_path", Text),
        ],
    )
}

fn runtimes_columns() -> Vec<Column> {
    use Kind::*;
    keyed(
        true,
        vec![
            req("runtime_id", Text),
            req("kind", Text),
            col("pid", Int),
            col("comm", Text),
            col("distribution", Text),
            col("address", Text),
            col("root", Text),
            col("state", Text),
            col("managed_by", Text),
            col("uses", Text),
            col("sandbox_image", Text),
            req("shims", Int),
            req("shim_pids", Text),
        ],
    )
}

fn pods_columns() -> Vec<Column> {
    use Kind::*;
    {
        let mut rest = vec![
            req("uid", Text),
            req("kind", Text),
            col("namespace", Text),
            col("name", Text),
            col("qos", Text),
            col("sandbox_id", Text),
            col("sandbox_pid", Int),
            col("runtime_instance", Text),
            col("cgroup", Text),
            req("containers", Int),
        ];
        rest.extend(
            NsType::ALL
                .iter()
                .map(|t| col(&format!("sharing_{}", t.as_str()), Text)),
        );
        rest.extend(resource_columns());
        keyed(true, rest)
    }
}

fn containers_columns() -> Vec<Column> {
    use Kind::*;
    {
        let mut rest = vec![
            req("id", Text),
            col("name", Text),
            col("image", Text),
            col("runtime", Text),
            col("runtime_instance", Text),
            col("pod_uid", Text),
            req("sandbox", Bool),
            req("processes", Int),
            col("init_pid", Int),
            col("shim_pid", Int),
            col("cgroup", Text),
            col("node_container_id", Text),
            col("podman_pod_id", Text),
        ];
        rest.extend(resource_columns());
        keyed(true, rest)
    }
}

fn processes_columns() -> Vec<Column> {
    use Kind::*;
    {
        let mut rest = vec![
            req("pid", Int),
            req("ppid", Int),
            req("comm", Text),
            col("cmdline", Text),
            req("state", Text),
            col("uid", Int),
            col("user", Text),
            col("threads", Int),
            col("start_ticks", Int),
            col("start_time", Timestamp),
            col("rss_bytes", Int),
            col("oom_score_adj", Int),
            col("inner_pid", Int),
            col("nspid", Text),
            req("kernel_thread", Bool),
            req("role", Text),
            col("shim_for", Text),
            col("container_id", Text),
            col("pod_uid", Text),
            col("cgroup", Text),
            req("partial", Bool),
        ];
        rest.extend(
            NsType::ALL
                .iter()
                .map(|t| col(&format!("ns_{}", t.as_str()), Int)),
        );
        keyed(true, rest)
    }
}

fn process_cgroups_columns() -> Vec<Column> {
    use Kind::*;
    keyed(
        true,
        vec![
            req("pid", Int),
            req("hierarchy_id", Int),
            req("controllers", Text),
            req("path", Text),
        ],
    )
}

fn namespaces_columns() -> Vec<Column> {
    use Kind::*;
    keyed(
        true,
        vec![
            req("type", Text),
            req("inode", Int),
            req("processes", Int),
            req("holder_kind", Text),
            col("holder_id", Text),
        ],
    )
}

fn cgroups_columns() -> Vec<Column> {
    use Kind::*;
    {
        let mut rest = vec![
            req("path", Text),
            col("parent", Text),
            req("depth", Int),
            req("hierarchies", Text),
            req("processes", Int),
            col("pod_uid", Text),
            col("container_id", Text),
            col("qos", Text),
        ];
        rest.extend(resource_columns());
        rest.push(req("trouble", Text));
        keyed(true, rest)
    }
}

fn findings_columns() -> Vec<Column> {
    use Kind::*;
    keyed(
        true,
        vec![
            req("rule", Text),
            req("severity", Text),
            req("subject_kind", Text),
            col("subject_id", Text),
            req("message", Text),
            req("explanation", Text),
        ],
    )
}

fn gaps_columns() -> Vec<Column> {
    use Kind::*;
    keyed(
        false,
        vec![req("path", Text), req("reason", Text), col("detail", Text)],
    )
}

/// `schema.json`, written beside the tables: the version, the format and every table's columns.
pub fn schema_json(format: &str) -> serde_json::Value {
    let tables: serde_json::Map<String, serde_json::Value> = Table::ALL
        .iter()
        .map(|table| {
            let columns: Vec<serde_json::Value> = table
                .columns()
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "name": c.name,
                        "type": c.kind.name(),
                        "nullable": !c.required,
                    })
                })
                .collect();
            (
                table.name().to_string(),
                serde_json::json!({
                    "file": format!("{}.{format}", table.name()),
                    "columns": columns,
                }),
            )
        })
        .collect();
    serde_json::json!({
        "schema_version": EXPORT_SCHEMA_VERSION,
        "format": format,
        "tables": tables,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// docs/MODEL.md's "Export tables" section, table by table: its column rows as (name,
    /// type, nullable), placeholders expanded (`*limits and usage*`, `sharing_<type>`,
    /// `ns_<type>`).
    /// A column as the doc gives it: name, type, nullable.
    type DocColumn = (String, String, bool);

    fn documented_tables(doc: &str) -> Vec<(String, Vec<DocColumn>)> {
        let start = doc
            .find("## Export tables (`analyzer export`)")
            .expect("docs/MODEL.md has an \"Export tables\" section");
        let section = &doc[start..];
        let end = section[3..]
            .find("\n## ")
            .map_or(section.len(), |at| at + 3);
        let section = &section[..end];
        let mut tables: Vec<(String, Vec<DocColumn>)> = Vec::new();
        for line in section.lines() {
            if let Some(heading) = line.strip_prefix("### ") {
                let name = heading.trim().trim_matches('`').to_string();
                tables.push((name, Vec::new()));
                continue;
            }
            let Some((_, columns)) = tables.last_mut() else {
                continue;
            };
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.len() < 5 || !line.starts_with('|') {
                continue;
            }
            let (name, kind, null) = (cells[1], cells[2], cells[3]);
            if name == "*limits and usage*" {
                for c in resource_columns() {
                    columns.push((c.name, c.kind.name().to_string(), !c.required));
                }
                continue;
            }
            let Some(name) = name.strip_prefix('`').and_then(|n| n.strip_suffix('`')) else {
                continue;
            };
            let nullable = null.starts_with("yes");
            match name.strip_suffix("<type>") {
                Some(prefix) => {
                    for t in NsType::ALL {
                        columns.push((format!("{prefix}{}", t.as_str()), kind.into(), nullable));
                    }
                }
                None => columns.push((name.to_string(), kind.to_string(), nullable)),
            }
        }
        tables
    }

    fn as_documented(columns: &[Column]) -> Vec<DocColumn> {
        columns
            .iter()
            .map(|c| (c.name.clone(), c.kind.name().to_string(), !c.required))
            .collect()
    }

    #[test]
    fn docs_model_md_documents_every_export_column_with_its_type_and_nullability() {
        let doc = include_str!("../../../docs/MODEL.md");
        let documented = documented_tables(doc);
        let find = |name: &str| {
            documented
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, columns)| columns.clone())
                .unwrap_or_else(|| panic!("docs/MODEL.md has no \"### {name}\" table"))
        };
        let key = find("Every table's key");
        assert_eq!(
            key,
            as_documented(&Table::Pods.columns()[..2]),
            "the key columns"
        );
        assert_eq!(
            find("Limits and usage columns"),
            as_documented(&resource_columns())
        );
        for table in Table::ALL {
            assert_eq!(
                find(table.name()),
                as_documented(&table.columns()[2..]),
                "docs/MODEL.md's columns of {} differ from the schema",
                table.name()
            );
        }
        assert!(doc.contains(&format!(
            "`EXPORT_SCHEMA_VERSION`, **{EXPORT_SCHEMA_VERSION}** today"
        )));
    }

    #[test]
    fn every_table_starts_with_its_key_and_names_each_column_once() {
        for table in Table::ALL {
            let names: Vec<&str> = table.columns().iter().map(|c| c.name.as_str()).collect();
            assert_eq!(&names[..2], ["snapshot_id", "hostname"], "{}", table.name());
            let unique: HashSet<&&str> = names.iter().collect();
            assert_eq!(
                unique.len(),
                names.len(),
                "{} repeats a column",
                table.name()
            );
            assert_eq!(Table::ALL[table.index()], table);
        }
        // Only a gap of an input that could not be read has no snapshot id.
        for table in Table::ALL {
            assert_eq!(
                table.columns()[0].required,
                table != Table::Gaps,
                "{}",
                table.name()
            );
        }
    }
}
