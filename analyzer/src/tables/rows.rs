//! One snapshot's model as rows of the export's tables, handed to a [`RowSink`] one at a time:
//! nested fields flattened into columns (limits and usage, namespace sharing and inodes per
//! type), short lists as counts or JSON text, long ones as rows of their own table.

use super::schema::{Kind, Table, EXPORT_SCHEMA_VERSION, LIMITS_WITH_MAX};
use super::time::micros_since_epoch;
use crate::model::{Holder, Limit, Limits, Model, NsType, Pid, Severity, Subject, Usage};
use crate::snapshot::SnapshotId;
use std::borrow::Cow;
use std::collections::HashMap;
use std::io;

/// One value of a row, borrowed from the model where it can be.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(Cow<'a, str>),
    /// Microseconds since the epoch, with the RFC 3339 text it was read from (NDJSON writes the
    /// text, Parquet the number).
    Time(i64, &'a str),
}

impl Cell<'_> {
    fn kind(&self) -> Option<Kind> {
        match self {
            Cell::Null => None,
            Cell::Bool(_) => Some(Kind::Bool),
            Cell::Int(_) => Some(Kind::Int),
            Cell::Float(_) => Some(Kind::Float),
            Cell::Text(_) => Some(Kind::Text),
            Cell::Time(..) => Some(Kind::Timestamp),
        }
    }
}

/// Where rows go: a writer of one format.
pub trait RowSink {
    fn row(&mut self, table: Table, cells: &[Cell<'_>]) -> io::Result<()>;
}

/// Whether `cells` fit `table`'s columns: one cell per column, each of its type or null where
/// the column may be null. The writers refuse a row that does not (a bug, not bad input).
pub fn check_row(table: Table, cells: &[Cell<'_>]) -> io::Result<()> {
    let columns = table.columns();
    let mismatch = |detail: String| {
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a row of {} {detail}", table.name()),
        ))
    };
    if cells.len() != columns.len() {
        return mismatch(format!(
            "has {} cells for {} columns",
            cells.len(),
            columns.len()
        ));
    }
    for (cell, column) in cells.iter().zip(columns) {
        match cell.kind() {
            None if column.required => return mismatch(format!("has {} null", column.name)),
            Some(kind) if kind != column.kind => {
                return mismatch(format!(
                    "has a {} in {} ({})",
                    kind.name(),
                    column.name,
                    column.kind.name()
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// What names a snapshot in every row, and what the nodes table says of where it came from.
#[derive(Debug, Clone)]
pub struct SnapshotFacts {
    pub id: SnapshotId,
    pub hostname: Option<String>,
    /// `proc/sys/kernel/random/boot_id`, trimmed.
    pub boot_id: Option<String>,
    /// The path it was read from on this machine, as given.
    pub source_path: String,
}

/// A row being filled, column by column in the schema's order.
struct Row<'a>(Vec<Cell<'a>>);

impl<'a> Row<'a> {
    fn keyed(facts: &'a SnapshotFacts) -> Row<'a> {
        let mut row = Row(Vec::with_capacity(48));
        row.text(Some(facts.id.as_str()));
        row.text(facts.hostname.as_deref());
        row
    }

    fn text(&mut self, value: Option<&'a str>) -> &mut Self {
        self.0
            .push(value.map_or(Cell::Null, |v| Cell::Text(Cow::Borrowed(v))));
        self
    }

    fn owned(&mut self, value: Option<String>) -> &mut Self {
        self.0
            .push(value.map_or(Cell::Null, |v| Cell::Text(Cow::Owned(v))));
        self
    }

    /// An unsigned counter; one past i64::MAX is null (see `Kind::Int`).
    fn count(&mut self, value: Option<u64>) -> &mut Self {
        self.int(value.and_then(|v| i64::try_from(v).ok()))
    }

    fn int(&mut self, value: Option<i64>) -> &mut Self {
        self.0.push(value.map_or(Cell::Null, Cell::Int));
        self
    }

    fn pid(&mut self, value: Option<Pid>) -> &mut Self {
        self.int(value.map(|p| i64::from(p.0)))
    }

    fn flag(&mut self, value: Option<bool>) -> &mut Self {
        self.0.push(value.map_or(Cell::Null, Cell::Bool));
        self
    }

    fn float(&mut self, value: Option<f64>) -> &mut Self {
        self.0.push(value.map_or(Cell::Null, Cell::Float));
        self
    }

    /// An RFC 3339 instant; text that is not one is null.
    fn time(&mut self, value: Option<&'a str>) -> &mut Self {
        let cell = value
            .and_then(|text| micros_since_epoch(text).map(|micros| Cell::Time(micros, text)))
            .unwrap_or(Cell::Null);
        self.0.push(cell);
        self
    }

    fn limits(&mut self, limits: &'a Limits) -> &mut Self {
        let with_max = [
            limits.memory_max_bytes,
            limits.memory_high_bytes,
            limits.cpu_quota_usec,
            limits.pids_max,
        ];
        debug_assert_eq!(with_max.len(), LIMITS_WITH_MAX.len());
        for limit in with_max {
            match limit {
                Some(Limit::Value(v)) => self.count(Some(v)).flag(Some(false)),
                Some(Limit::Max) => self.count(None).flag(Some(true)),
                None => self.count(None).flag(None),
            };
        }
        self.count(limits.cpu_period_usec)
            .count(limits.cpu_weight)
            .count(limits.cpu_shares)
            .text(limits.cpuset_cpus.as_deref())
    }

    fn usage(&mut self, usage: &Usage) -> &mut Self {
        self.count(usage.memory_current_bytes)
            .count(usage.memory_peak_bytes)
            .count(usage.memory_failcnt)
            .count(usage.memory_max_events)
            .flag(usage.memory_under_oom)
            .count(usage.oom_kills)
            .count(usage.pids_current)
            .count(usage.pids_max_events)
            .count(usage.cpu_nr_periods)
            .count(usage.cpu_nr_throttled)
            .count(usage.cpu_throttled_usec)
    }

    fn send(self, sink: &mut dyn RowSink, table: Table) -> io::Result<()> {
        sink.row(table, &self.0)
    }
}

fn json_list<T: serde::Serialize>(items: &[T]) -> String {
    // Pids, names and paths: serializing them cannot fail.
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_string())
}

fn count_of(n: usize) -> Option<u64> {
    Some(n as u64)
}

/// Sends every row of `model` to `sink`, table by table in [`Table::ALL`]'s order.
pub fn emit(model: &Model, facts: &SnapshotFacts, sink: &mut dyn RowSink) -> io::Result<()> {
    node(model, facts, sink)?;
    runtimes(model, facts, sink)?;
    pods(model, facts, sink)?;
    containers(model, facts, sink)?;
    let cgroup_texts: Vec<String> = model.cgroups.iter().map(|c| c.path.to_string()).collect();
    processes(model, facts, &cgroup_texts, sink)?;
    namespaces(model, facts, sink)?;
    cgroups(model, facts, &cgroup_texts, sink)?;
    findings(model, facts, sink)?;
    gaps(model, facts, sink)
}

fn node(model: &Model, facts: &SnapshotFacts, sink: &mut dyn RowSink) -> io::Result<()> {
    let node = &model.node;
    let collection = &model.collection;
    let severity =
        |s: Severity| count_of(model.findings.iter().filter(|f| f.severity == s).count());
    let mut row = Row::keyed(facts);
    row.count(Some(u64::from(EXPORT_SCHEMA_VERSION)))
        .time(Some(&collection.started_at))
        .time(Some(&collection.finished_at))
        .count(Some(collection.duration_ms))
        .text(Some(&collection.collector_version))
        .count(Some(u64::from(collection.format_version)))
        .text(Some(collection.cmdline.as_str()))
        .text(facts.boot_id.as_deref())
        .text(node.kernel.as_deref())
        .text(node.os.as_deref())
        .time(node.boot_time.as_deref())
        .count(node.uptime_secs)
        .text(Some(node.cgroup_mode.as_str()))
        .text(Some(node.cgroup_driver.as_str()))
        .pid(node.kubelet_pid)
        .count(node.memory_total_bytes)
        .count(node.cpus.map(u64::from))
        .count(node.pid_max)
        .float(node.loadavg.map(|l| l[0]))
        .float(node.loadavg.map(|l| l[1]))
        .float(node.loadavg.map(|l| l[2]))
        .count(count_of(node.runtimes.len()))
        .count(count_of(model.pods.len()))
        .count(count_of(model.containers.len()))
        .count(count_of(model.processes.len()))
        .count(count_of(model.cgroups.len()))
        .count(severity(Severity::Critical))
        .count(severity(Severity::Warning))
        .count(severity(Severity::Info))
        .count(count_of(model.gaps.len()))
        .count(Some(collection.counts.files))
        .count(Some(collection.counts.bytes))
        .text(Some(&facts.source_path));
    row.send(sink, Table::Nodes)
}

fn runtimes(model: &Model, facts: &SnapshotFacts, sink: &mut dyn RowSink) -> io::Result<()> {
    for runtime in &model.node.runtimes {
        let mut row = Row::keyed(facts);
        row.text(Some(runtime.id.as_str()))
            .text(Some(runtime.kind.name()))
            .pid(runtime.pid)
            .text(runtime.comm.as_deref())
            .text(runtime.distribution.as_deref())
            .text(runtime.address.as_deref())
            .text(runtime.root.as_deref())
            .text(runtime.state.as_deref())
            .text(runtime.managed_by.as_ref().map(|id| id.as_str()))
            .text(runtime.uses.as_ref().map(|id| id.as_str()))
            .text(runtime.sandbox_image.as_deref())
            .count(count_of(runtime.shim_pids.len()))
            .owned(Some(json_list(&runtime.shim_pids)));
        row.send(sink, Table::Runtimes)?;
    }
    Ok(())
}

fn pods(model: &Model, facts: &SnapshotFacts, sink: &mut dyn RowSink) -> io::Result<()> {
    for pod in &model.pods {
        let mut row = Row::keyed(facts);
        row.text(Some(pod.uid.as_str()))
            .text(Some(pod.kind.as_str()))
            .text(pod.namespace.as_deref())
            .text(pod.name.as_deref())
            .text(pod.qos.map(|q| q.as_str()))
            .text(pod.sandbox_id.as_ref().map(|id| id.as_str()))
            .pid(pod.sandbox_pid)
            .text(pod.runtime_instance.as_ref().map(|id| id.as_str()))
            .text(pod.cgroup.as_deref())
            .count(count_of(pod.container_ids.len()));
        for kind in NsType::ALL {
            row.text(pod.namespace_sharing.get(&kind).map(|s| s.as_str()));
        }
        row.limits(&pod.limits).usage(&pod.usage);
        row.send(sink, Table::Pods)?;
    }
    Ok(())
}

fn containers(model: &Model, facts: &SnapshotFacts, sink: &mut dyn RowSink) -> io::Result<()> {
    for container in &model.containers {
        let mut row = Row::keyed(facts);
        row.text(Some(container.id.as_str()))
            .text(container.name.as_deref())
            .text(container.image.as_deref())
            .text(container.runtime.map(|r| r.name()))
            .text(container.runtime_instance.as_ref().map(|id| id.as_str()))
            .text(container.pod_uid.as_ref().map(|uid| uid.as_str()))
            .flag(Some(container.sandbox))
            .count(count_of(container.pids.len()))
            .pid(container.init_pid)
            .pid(container.shim_pid)
            .text(container.cgroup.as_deref())
            .text(container.node_container_id.as_ref().map(|id| id.as_str()))
            .text(container.podman_pod_id.as_ref().map(|id| id.as_str()))
            .limits(&container.limits)
            .usage(&container.usage);
        row.send(sink, Table::Containers)?;
    }
    Ok(())
}

/// Processes, and their lines of /proc/<pid>/cgroup as rows of `process_cgroups`.
fn processes(
    model: &Model,
    facts: &SnapshotFacts,
    cgroup_texts: &[String],
    sink: &mut dyn RowSink,
) -> io::Result<()> {
    // The cgroup each process shows in (the hierarchy systemd-cgls reads).
    let mut cgroup_of: HashMap<Pid, usize> = HashMap::with_capacity(model.processes.len());
    for (at, cgroup) in model.cgroups.iter().enumerate() {
        for pid in &cgroup.pids {
            cgroup_of.insert(*pid, at);
        }
    }
    let mut state = [0u8; 4];
    for process in &model.processes {
        let mut row = Row::keyed(facts);
        row.pid(Some(process.pid))
            .pid(Some(process.ppid))
            .text(Some(&process.comm))
            .text(process.cmdline.as_deref())
            .owned(Some(process.state.encode_utf8(&mut state).to_string()))
            .count(process.uid.map(u64::from))
            .text(process.user.as_deref())
            .count(process.threads.map(u64::from))
            .count(process.start_ticks)
            .time(process.start_time.as_deref())
            .count(process.rss_bytes)
            .int(process.oom_score_adj.map(i64::from))
            .count(
                process
                    .nspid
                    .as_ref()
                    .and_then(|ids| ids.last())
                    .map(|&id| u64::from(id)),
            )
            .owned(process.nspid.as_deref().map(json_list))
            .flag(Some(process.kernel_thread))
            .text(Some(process.role.as_str()))
            .text(process.shim_for.as_ref().map(|id| id.as_str()))
            .text(process.container_id.as_ref().map(|id| id.as_str()))
            .text(process.pod_uid.as_ref().map(|uid| uid.as_str()))
            .text(
                cgroup_of
                    .get(&process.pid)
                    .map(|&at| cgroup_texts[at].as_str()),
            )
            .flag(Some(process.partial));
        for kind in NsType::ALL {
            row.count(process.namespaces.get(&kind).map(|inode| inode.0));
        }
        row.send(sink, Table::Processes)?;
    }
    for process in &model.processes {
        for line in &process.cgroups {
            let mut row = Row::keyed(facts);
            row.pid(Some(process.pid))
                .count(Some(u64::from(line.hierarchy_id)))
                .text(Some(&line.controllers))
                .text(Some(&line.path));
            row.send(sink, Table::ProcessCgroups)?;
        }
    }
    Ok(())
}

fn namespaces(model: &Model, facts: &SnapshotFacts, sink: &mut dyn RowSink) -> io::Result<()> {
    for namespace in &model.namespaces {
        let (holder_kind, holder_id) = match &namespace.holder {
            Holder::Host => ("host", None),
            Holder::Pod(uid) => ("pod", Some(uid.as_str())),
            Holder::Container(id) => ("container", Some(id.as_str())),
            Holder::Other => ("other", None),
        };
        let mut row = Row::keyed(facts);
        row.text(Some(namespace.kind.as_str()))
            .count(Some(namespace.inode.0))
            .count(count_of(namespace.pids.len()))
            .text(Some(holder_kind))
            .text(holder_id);
        row.send(sink, Table::Namespaces)?;
    }
    Ok(())
}

fn cgroups(
    model: &Model,
    facts: &SnapshotFacts,
    cgroup_texts: &[String],
    sink: &mut dyn RowSink,
) -> io::Result<()> {
    // Parents come before their children (the model's order), so a parent's text is known.
    let position: HashMap<&crate::model::CgroupPath, usize> = model
        .cgroups
        .iter()
        .enumerate()
        .map(|(at, c)| (&c.path, at))
        .collect();
    for (at, cgroup) in model.cgroups.iter().enumerate() {
        let parent_text = cgroup.parent.as_ref().map(|p| match position.get(p) {
            Some(&at) => Cow::Borrowed(cgroup_texts[at].as_str()),
            None => Cow::Owned(p.to_string()),
        });
        let mut row = Row::keyed(facts);
        row.text(Some(&cgroup_texts[at]));
        row.0.push(parent_text.map_or(Cell::Null, Cell::Text));
        row.count(count_of(cgroup.path.depth()))
            .owned(Some(json_list(&cgroup.hierarchies)))
            .count(count_of(cgroup.pids.len()))
            .text(cgroup.pod_uid.as_ref().map(|uid| uid.as_str()))
            .text(cgroup.container_id.as_ref().map(|id| id.as_str()))
            .text(cgroup.qos.map(|q| q.as_str()))
            .limits(&cgroup.limits)
            .usage(&cgroup.usage)
            .owned(Some(json_list(&cgroup.trouble)));
        row.send(sink, Table::Cgroups)?;
    }
    Ok(())
}

fn findings(model: &Model, facts: &SnapshotFacts, sink: &mut dyn RowSink) -> io::Result<()> {
    for finding in &model.findings {
        let (kind, id): (&str, Option<Cow<'_, str>>) = match &finding.subject {
            Subject::Node => ("node", None),
            Subject::Pod(uid) => ("pod", Some(Cow::Borrowed(uid.as_str()))),
            Subject::Container(id) => ("container", Some(Cow::Borrowed(id.as_str()))),
            Subject::Process(pid) => ("process", Some(Cow::Owned(pid.to_string()))),
            Subject::Cgroup(path) => ("cgroup", Some(Cow::Owned(path.to_string()))),
        };
        let mut row = Row::keyed(facts);
        row.text(Some(&finding.rule))
            .text(Some(finding.severity.as_str()))
            .text(Some(kind));
        row.0.push(id.map_or(Cell::Null, Cell::Text));
        row.text(Some(&finding.message))
            .text(Some(&finding.explanation));
        row.send(sink, Table::Findings)?;
    }
    Ok(())
}

fn gaps(model: &Model, facts: &SnapshotFacts, sink: &mut dyn RowSink) -> io::Result<()> {
    for gap in &model.gaps {
        let mut row = Row::keyed(facts);
        row.text(Some(&gap.path))
            .text(Some(gap.reason.as_str()))
            .text(gap.detail.as_deref());
        row.send(sink, Table::Gaps)?;
    }
    Ok(())
}

/// The gaps row of an input that could not be read at all: no snapshot id, no hostname, the
/// input's path and what was wrong with it.
pub fn unreadable_input(path: &str, detail: &str, sink: &mut dyn RowSink) -> io::Result<()> {
    let cells = [
        Cell::Null,
        Cell::Null,
        Cell::Text(Cow::Borrowed(path)),
        Cell::Text(Cow::Borrowed(
            nodesnap_format::GapReason::Unreadable.as_str(),
        )),
        Cell::Text(Cow::Borrowed(detail)),
    ];
    sink.row(Table::Gaps, &cells)
}
