//! Writes big synthetic snapshots straight in the snapshot format (format_version 2): a
//! Kubernetes node with containerd, N/5 pods of five processes each, and the cgroup tree the
//! kubelet builds, on cgroup v2 (systemd driver) or v1 (cgroupfs driver). Deterministic: the
//! same spec always gives the same bytes, so figures from two runs measure the same input.

use flate2::write::GzEncoder;
use flate2::Compression;
use nodesnap_format::{
    bundle, CmdlinePolicy, CollectOptions, ContainerRecord, Counts, Manifest, PodLogDir,
    RecordSource, RequestedNamespace, RuntimeMetadata, BUNDLE_FILE, CGROUP_FILES, FORMAT_VERSION,
    MANIFEST_PATH, METADATA_PATH, NAMESPACE_LINKS_FILE, ROOT_DIR,
};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Processes in every synthetic pod: the pod's shim, the pause, and three container processes.
pub const PROCESSES_PER_POD: u64 = 5;

/// The node's own processes besides the pods: systemd, kernel threads, journald, sshd,
/// kubelet, containerd.
const HOST_PROCESS_COUNT: u64 = 8;

/// The first pid given to a pod's shim; pods take consecutive blocks of five pids from here.
const FIRST_POD_PID: u64 = 2000;

/// Where namespace inodes of pods start; the host's own are the kernel's well-known ones.
const FIRST_POD_NAMESPACE_INODE: u64 = 4_026_532_200;

/// The fixed time written into tar headers and the manifest, so output is reproducible.
const SNAPSHOT_EPOCH_SECS: u64 = 1_764_374_400;

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("{path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot serialize the {what}: {detail}")]
    Serialize { what: &'static str, detail: String },
    #[error("a node needs at least one pod (asked for {processes} processes)")]
    TooSmall { processes: u64 },
}

/// Which cgroup hierarchy the node mounts, and which driver the kubelet uses on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupLayout {
    /// One unified hierarchy at /sys/fs/cgroup, kubelet with the systemd driver
    /// (`kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope`).
    V2Systemd,
    /// One hierarchy per controller, kubelet with the cgroupfs driver
    /// (`kubepods/burstable/pod<uid>/<id>`), as on the walkthrough's CentOS 7 node.
    V1Cgroupfs,
}

impl CgroupLayout {
    pub fn parse(text: &str) -> Option<CgroupLayout> {
        match text {
            "v2" => Some(CgroupLayout::V2Systemd),
            "v1" => Some(CgroupLayout::V1Cgroupfs),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CgroupLayout::V2Systemd => "v2",
            CgroupLayout::V1Cgroupfs => "v1",
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeSpec {
    pub pods: u64,
    pub layout: CgroupLayout,
    /// The node's place in a synthetic fleet (`fleet_member`); 0 for a lone node. It changes
    /// the hostname, boot id and collection time (so every member has its own snapshot id),
    /// the pods' names (one DaemonSet each, its suffix drawn per node), which pods are
    /// OOM-killed, and the kernel of one node in a hundred.
    pub node: u64,
}

impl NodeSpec {
    /// A node of about `processes` processes: `processes / 5` pods (100,000 gives 20,000 pods)
    /// plus the host's own eight.
    pub fn with_processes(processes: u64, layout: CgroupLayout) -> Result<NodeSpec, GenerateError> {
        let pods = processes / PROCESSES_PER_POD;
        if pods == 0 {
            return Err(GenerateError::TooSmall { processes });
        }
        Ok(NodeSpec {
            pods,
            layout,
            node: 0,
        })
    }

    /// Member `node` (from 1) of a synthetic fleet of nodes like this one.
    pub fn fleet_member(self, node: u64) -> NodeSpec {
        NodeSpec { node, ..self }
    }

    pub fn process_count(&self) -> u64 {
        HOST_PROCESS_COUNT + self.pods * PROCESSES_PER_POD
    }
}

/// Which of two snapshots of one node to write: the first, or the one collected five minutes
/// later, the input of `analyzer diff`. Later, the app container of every tenth pod restarted
/// (a new id and new processes), every fiftieth pod was replaced (a new uid, containers and
/// processes under the same name), and the pods in trouble had more throttled periods and one
/// more OOM kill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Moment {
    #[default]
    First,
    Later,
}

/// Added to a pid, a pod number or a container slot's seed for what is made again later: new
/// pids stay below the generated node's pid_max (4,194,304).
const REMADE_OFFSET: u64 = 2_000_000;

impl Moment {
    fn replaced(self, pod: u64) -> bool {
        self == Moment::Later && pod % 50 == 21
    }

    /// Whether the container in `slot` (0 sandbox, 1 app, 2 sidecar) is not the first one's.
    fn remade(self, pod: u64, slot: usize) -> bool {
        self.replaced(pod) || (self == Moment::Later && pod % 10 == 4 && slot == 1)
    }

    fn pod_uid(self, pod: u64) -> String {
        pod_uid(if self.replaced(pod) {
            pod + REMADE_OFFSET
        } else {
            pod
        })
    }

    fn container_ids(self, pod: u64) -> [String; 3] {
        [0, 1, 2].map(|slot| {
            let seed = if self.remade(pod, slot) {
                pod + REMADE_OFFSET
            } else {
                pod
            };
            container_id(seed, slot as u64)
        })
    }

    /// The pod's pids (shim, pause, app main, app worker, sidecar): new ones for what was made
    /// again, the shim with its pod.
    fn pod_pids(self, pod: u64) -> [u64; 5] {
        const SLOTS: [usize; 5] = [0, 0, 1, 1, 2];
        let pids = pod_pids(pod);
        std::array::from_fn(|i| {
            let remade = if i == 0 {
                self.replaced(pod)
            } else {
                self.remade(pod, SLOTS[i])
            };
            pids[i] + if remade { REMADE_OFFSET } else { 0 }
        })
    }

    /// Minutes from the first collection to this one.
    fn minutes_later(self) -> u64 {
        match self {
            Moment::First => 0,
            Moment::Later => 5,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generated {
    pub processes: u64,
    pub pods: u64,
    pub containers: u64,
    /// Cgroup directories, counted once per hierarchy.
    pub cgroups: u64,
    /// Regular files under root/.
    pub files: u64,
    /// Tar entries of every kind (files, directories, manifest, metadata).
    pub entries: u64,
    /// Bytes of file content under root/.
    pub content_bytes: u64,
    /// Size of the tar stream before compression (what a reader inflates).
    pub tar_bytes: u64,
    /// Size of the .tar.gz.
    pub compressed_bytes: u64,
}

/// Writes the snapshot for `spec` to `path` as a .tar.gz whose top directory is the file name
/// without `.tar.gz`.
pub fn write_snapshot(spec: &NodeSpec, path: &Path) -> Result<Generated, GenerateError> {
    write_snapshot_at(spec, Moment::First, path)
}

/// Writes the snapshot of `spec` at `moment` (see [`Moment`]) to `path`, as [`write_snapshot`].
pub fn write_snapshot_at(
    spec: &NodeSpec,
    moment: Moment,
    path: &Path,
) -> Result<Generated, GenerateError> {
    let write_error = |source| GenerateError::Write {
        path: path.to_path_buf(),
        source,
    };
    let top = path
        .file_name()
        .map(|name| {
            name.to_string_lossy()
                .trim_end_matches(".tar.gz")
                .to_string()
        })
        .unwrap_or_else(|| "synthetic".to_string());
    let file = File::create(path).map_err(write_error)?;
    let counting = CountingWriter {
        inner: BufWriter::with_capacity(1 << 20, file),
        written: 0,
    };
    let mut archive = Archive::new(counting, &top);
    let mut generated = build(spec, moment, &mut archive).map_err(|e| match e {
        BuildError::Io(source) => write_error(source),
        BuildError::Serialize(what, detail) => GenerateError::Serialize { what, detail },
    })?;
    let (mut counting, tar_bytes) = archive.finish().map_err(write_error)?;
    counting.flush().map_err(write_error)?;
    generated.tar_bytes = tar_bytes;
    generated.compressed_bytes = counting.written;
    Ok(generated)
}

enum BuildError {
    Io(io::Error),
    Serialize(&'static str, String),
}

impl From<io::Error> for BuildError {
    fn from(error: io::Error) -> BuildError {
        BuildError::Io(error)
    }
}

struct CountingWriter<W> {
    inner: W,
    written: u64,
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

/// The tar.gz being written, with the same header choices as the collector's writer.
struct Archive<W: Write> {
    builder: tar::Builder<CountingWriter<GzEncoder<W>>>,
    top: String,
    generated: Generated,
    /// The process or cgroup directory whose files are being gathered into one bundle
    /// (format 2), and the records so far.
    bundle: Option<(String, Vec<u8>)>,
}

impl<W: Write> Archive<W> {
    fn new(sink: W, top: &str) -> Archive<W> {
        let mut builder = tar::Builder::new(CountingWriter {
            inner: GzEncoder::new(sink, Compression::fast()),
            written: 0,
        });
        builder.mode(tar::HeaderMode::Deterministic);
        Archive {
            builder,
            top: top.to_string(),
            generated: Generated::default(),
            bundle: None,
        }
    }

    /// A file under root/: a record of the open bundle when it sits in the bundle's
    /// directory, else an entry of its own.
    fn root_file(&mut self, rel: &str, data: &[u8]) -> io::Result<()> {
        self.generated.files += 1;
        self.generated.content_bytes += data.len() as u64;
        if let Some((dir, records)) = &mut self.bundle {
            if let Some(name) = rel
                .strip_prefix(dir.as_str())
                .and_then(|rest| rest.strip_prefix('/'))
                .filter(|name| !name.contains('/'))
            {
                bundle::push_record(records, name, data);
                return Ok(());
            }
        }
        self.flush_bundle()?;
        let full = format!("{}/{}/{}", self.top, ROOT_DIR, rel);
        self.append(tar::EntryType::Regular, &full, data)
    }

    /// Starts the bundle of a cgroup directory, as the collector does for each one.
    fn root_dir(&mut self, rel: &str) -> io::Result<()> {
        self.generated.cgroups += 1;
        self.open_bundle(rel)
    }

    /// Gathers the next files of `rel` into one bundle entry (written when another starts).
    fn open_bundle(&mut self, rel: &str) -> io::Result<()> {
        self.flush_bundle()?;
        self.bundle = Some((rel.to_string(), Vec::new()));
        Ok(())
    }

    fn flush_bundle(&mut self) -> io::Result<()> {
        if let Some((dir, records)) = self.bundle.take() {
            let full = format!("{}/{}/{}/{}", self.top, ROOT_DIR, dir, BUNDLE_FILE);
            self.append(tar::EntryType::Regular, &full, &records)?;
        }
        Ok(())
    }

    fn top_file(&mut self, path: &str, data: &[u8]) -> io::Result<()> {
        self.flush_bundle()?;
        let full = format!("{}/{}", self.top, path);
        self.append(tar::EntryType::Regular, &full, data)
    }

    fn append(&mut self, kind: tar::EntryType, full: &str, data: &[u8]) -> io::Result<()> {
        self.generated.entries += 1;
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_mode(if kind == tar::EntryType::Directory {
            0o755
        } else {
            0o644
        });
        header.set_mtime(SNAPSHOT_EPOCH_SECS);
        header.set_size(data.len() as u64);
        self.builder.append_data(&mut header, full, data)
    }

    /// Ends the tar and gzip streams; returns the sink and the tar stream's size.
    fn finish(mut self) -> io::Result<(W, u64)> {
        self.flush_bundle()?;
        let counting = self.builder.into_inner()?;
        Ok((counting.inner.finish()?, counting.written))
    }
}

/// SplitMix64: a tiny deterministic mixer, enough to make ids and usage figures look varied.
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn container_id(pod: u64, slot: u64) -> String {
    (0..4)
        .map(|part| {
            format!(
                "{:016x}",
                mix(pod.wrapping_mul(31).wrapping_add(slot * 7 + part))
            )
        })
        .collect()
}

fn pod_uid(pod: u64) -> String {
    let a = mix(pod ^ 0x5eed);
    let b = mix(a);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qos {
    Guaranteed,
    Burstable,
    BestEffort,
}

impl Qos {
    fn of_pod(pod: u64) -> Qos {
        match pod % 3 {
            0 => Qos::Guaranteed,
            1 => Qos::Burstable,
            _ => Qos::BestEffort,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Qos::Guaranteed => "guaranteed",
            Qos::Burstable => "burstable",
            Qos::BestEffort => "besteffort",
        }
    }

    fn oom_score_adj(self) -> i64 {
        match self {
            Qos::Guaranteed => -997,
            Qos::Burstable => 968,
            Qos::BestEffort => 1000,
        }
    }
}

/// The host's namespaces: the inodes a fresh kernel gives them.
const HOST_NAMESPACES: [(&str, u64); 10] = [
    ("cgroup", 4_026_531_835),
    ("ipc", 4_026_531_839),
    ("mnt", 4_026_531_841),
    ("net", 4_026_531_840),
    ("pid", 4_026_531_836),
    ("pid_for_children", 4_026_531_836),
    ("time", 4_026_531_834),
    ("time_for_children", 4_026_531_834),
    ("user", 4_026_531_837),
    ("uts", 4_026_531_838),
];

/// One process to write: everything its six files need.
struct Process<'a> {
    pid: u64,
    ppid: u64,
    comm: &'a str,
    argv: &'a [&'a str],
    state: char,
    uid: u32,
    threads: u32,
    rss_kib: u64,
    oom_score_adj: i64,
    /// The pid inside the process's own pid namespace, when it is not the host's.
    inner_pid: Option<u64>,
    /// Namespace inodes that differ from the host's, by link name.
    namespaces: &'a [(&'a str, u64)],
    /// The cgroup path (starting with `/`) in the v2 hierarchy or in every v1 one.
    cgroup: &'a str,
    kernel_thread: bool,
}

/// The v1 hierarchies: their /proc/<pid>/cgroup line numbers and names.
const V1_HIERARCHIES: &[(u32, &str)] = &[
    (11, "cpuset"),
    (10, "cpu,cpuacct"),
    (9, "memory"),
    (8, "pids"),
    (7, "freezer"),
    (6, "blkio"),
    (5, "devices"),
    (4, "net_cls,net_prio"),
    (3, "perf_event"),
    (2, "hugetlb"),
    (1, "name=systemd"),
];

/// The directory of a v1 hierarchy under /sys/fs/cgroup.
fn v1_mount_dir(name: &str) -> &str {
    name.strip_prefix("name=").unwrap_or(name)
}

/// The control files the collector copies (`CGROUP_FILES`) that a directory of this v1
/// hierarchy can hold: `cgroup.procs`, and those of its controllers. Which of them the kernel
/// really has (v1's, not v2's of the same controller) is up to the writer.
fn v1_candidates(hierarchy: &str) -> impl Iterator<Item = &'static str> + '_ {
    CGROUP_FILES.iter().copied().filter(move |name| {
        let controller = name.split('.').next().unwrap_or(name);
        *name == "cgroup.procs" || hierarchy.split(',').any(|c| c == controller)
    })
}

/// A v2 pressure file of a cgroup that never stalled.
const PSI_IDLE: &str = "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n\
                        full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";

/// A v2 memory.stat of a cgroup using `usage` bytes, with the keys and length of Linux 6.x's
/// (about 45 lines): half anonymous, half page cache, half of that inactive.
fn v2_memory_stat(usage: u64) -> String {
    let (anon, file) = (usage / 2, usage / 2);
    let mut text = format!(
        "anon {anon}\nfile {file}\nkernel {}\nkernel_stack 16384\npagetables 65536\n\
         sec_pagetables 0\npercpu 1024\nsock 0\nvmalloc 0\nshmem 0\nzswap 0\nzswapped 0\n\
         file_mapped {}\nfile_dirty 0\nfile_writeback 0\nswapcached 0\nanon_thp 0\n\
         file_thp 0\nshmem_thp 0\ninactive_anon {anon}\nactive_anon 0\ninactive_file {}\n\
         active_file {}\nunevictable 0\nslab_reclaimable 4096\nslab_unreclaimable 8192\n\
         slab 12288\n",
        16384 + 65536 + 1024 + 12288,
        file / 4,
        file / 2,
        file - file / 2,
    );
    for key in [
        "workingset_refault_anon",
        "workingset_refault_file",
        "workingset_activate_anon",
        "workingset_activate_file",
        "workingset_restore_anon",
        "workingset_restore_file",
        "workingset_nodereclaim",
        "pgscan",
        "pgsteal",
        "pgscan_kswapd",
        "pgscan_direct",
        "pgsteal_kswapd",
        "pgsteal_direct",
        "pgfault",
        "pgmajfault",
        "pgrefill",
        "pgactivate",
        "pgdeactivate",
        "pglazyfree",
        "pglazyfreed",
        "thp_fault_alloc",
        "thp_collapse_alloc",
    ] {
        text.push_str(key);
        text.push_str(" 0\n");
    }
    text
}

/// Limits and usage of one cgroup, from which each layout writes its own files.
#[derive(Debug, Clone, Copy, Default)]
struct Resources {
    memory_limit_bytes: Option<u64>,
    memory_usage_bytes: u64,
    cpu_quota_usec: Option<u64>,
    cpu_weight: u64,
    cpu_usage_usec: u64,
    throttled_periods: u64,
    oom_kills: u64,
    pids_max: Option<u64>,
}

/// Builds the whole node into `archive`. Cgroups first (parents before children), then the
/// processes, then the metadata and the manifest, which is the collector's order.
fn build<W: Write>(
    spec: &NodeSpec,
    moment: Moment,
    archive: &mut Archive<W>,
) -> Result<Generated, BuildError> {
    let tree = CgroupTree::plan(spec, moment);
    for dir in &tree.dirs {
        write_cgroup_dir(spec.layout, dir, archive)?;
    }
    write_host_processes(spec.layout, archive)?;
    let mut records = Vec::new();
    let mut log_dirs = Vec::new();
    let mut containers = 0;
    for pod in 0..spec.pods {
        let written = write_pod(spec.layout, moment, spec.node, pod, archive)?;
        containers += written.containers.len() as u64;
        log_dirs.push(PodLogDir {
            name: format!("default_{}_{}", written.name, moment.pod_uid(pod)),
            containers: written
                .containers
                .iter()
                .filter(|record| {
                    record
                        .annotations
                        .get("io.kubernetes.cri.container-type")
                        .map(String::as_str)
                        == Some("container")
                })
                .filter_map(|record| record.name.clone())
                .collect(),
        });
        records.extend(written.containers);
    }
    for (rel, data) in node_files(spec) {
        archive.root_file(&rel, data.as_bytes())?;
    }
    let metadata = RuntimeMetadata {
        pod_log_dirs: log_dirs,
        container_log_links: Vec::new(),
        containers: records,
        daemons: Vec::new(),
    };
    let metadata_json = serde_json::to_vec_pretty(&metadata)
        .map_err(|e| BuildError::Serialize("runtime metadata", e.to_string()))?;
    archive.top_file(METADATA_PATH, &metadata_json)?;

    let mut generated = archive.generated.clone();
    generated.processes = spec.process_count();
    generated.pods = spec.pods;
    generated.containers = containers;
    let manifest = Manifest {
        format_version: FORMAT_VERSION,
        collector_version: format!("nodesnap-bench {}", env!("CARGO_PKG_VERSION")),
        hostname: Some(hostname(spec)),
        kernel: Some(kernel_release(spec).to_string()),
        started_at: collected_at(spec, moment, 0),
        finished_at: collected_at(spec, moment, 1),
        duration_ms: 1000,
        collector_pid: None,
        options: CollectOptions {
            root: "/".to_string(),
            cmdline: CmdlinePolicy::Redacted,
            timeout_secs: 60,
            read_timeout_ms: 2000,
            max_file_bytes: 4 << 20,
            max_total_bytes: 512 << 20,
        },
        counts: Counts {
            processes: generated.processes,
            cgroups: generated.cgroups,
            files: generated.files,
            bytes: generated.content_bytes,
        },
        sampling: None,
        gaps: Vec::new(),
    };
    let manifest_yaml = serde_yaml::to_string(&manifest)
        .map_err(|e| BuildError::Serialize("manifest", e.to_string()))?;
    archive.top_file(MANIFEST_PATH, manifest_yaml.as_bytes())?;
    generated.entries = archive.generated.entries;
    Ok(generated)
}

const KERNEL_RELEASE: &str = "6.1.0-27-amd64";

fn hostname(spec: &NodeSpec) -> String {
    let lone = format!(
        "synthetic-{}-{}",
        spec.layout.as_str(),
        spec.process_count()
    );
    match spec.node {
        0 => lone,
        node => format!("{lone}-n{node:04}"),
    }
}

/// The characters Kubernetes draws generated name suffixes from (apimachinery's `rand.String`).
const GENERATED_NAME_CHARACTERS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A lone node's pods are one StatefulSet's (`web-000042`); a fleet member's are a DaemonSet's
/// each (`app-000042-x7k2p`, the suffix drawn per node), so that pods are matched across nodes
/// by owner as the fleet page does.
fn pod_name(node: u64, pod: u64) -> String {
    if node == 0 {
        return format!("web-{pod:06}");
    }
    let mut draw = mix(pod.wrapping_mul(1_000_003) ^ node.wrapping_mul(0x5851_F42D));
    let suffix: String = (0..5)
        .map(|_| {
            let at = (draw % GENERATED_NAME_CHARACTERS.len() as u64) as usize;
            draw /= GENERATED_NAME_CHARACTERS.len() as u64;
            GENERATED_NAME_CHARACTERS[at] as char
        })
        .collect();
    format!("app-{pod:06}-{suffix}")
}

/// The kernel one node in a hundred of a fleet was not upgraded from.
const OLDER_KERNEL_RELEASE: &str = "5.10.0-32-amd64";

fn kernel_release(spec: &NodeSpec) -> &'static str {
    if spec.node % 100 == 99 {
        OLDER_KERNEL_RELEASE
    } else {
        KERNEL_RELEASE
    }
}

/// The collection's start (`second` 0) and end: a fleet's members a minute apart, the later
/// moment five minutes after the first.
fn collected_at(spec: &NodeSpec, moment: Moment, second: u64) -> String {
    let minutes = (spec.node + moment.minutes_later()) % (24 * 60);
    format!(
        "2025-11-29T{:02}:{:02}:{:02}Z",
        minutes / 60,
        minutes % 60,
        second
    )
}

fn boot_id(spec: &NodeSpec) -> String {
    match spec.node {
        0 => "6f1c2a8e-0d1b-4c77-9a59-1b2f3c4d5e6f".to_string(),
        node => format!(
            "6f1c2a8e-0d1b-4c77-9a59-{:012x}",
            mix(node) & 0xffff_ffff_ffff
        ),
    }
}

fn node_files(spec: &NodeSpec) -> Vec<(String, String)> {
    let mut files = vec![
        (
            "proc/version".to_string(),
            format!("Linux version {} (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)\n", kernel_release(spec)),
        ),
        (
            "proc/uptime".to_string(),
            format!("{}.12 1700000.40\n", 864_000 + spec.node),
        ),
        (
            "proc/stat".to_string(),
            "cpu  1000 0 1000 100000 10 0 10 0 0 0\ncpu0 500 0 500 50000 5 0 5 0 0 0\ncpu1 500 0 500 50000 5 0 5 0 0 0\nbtime 1763510400\nprocesses 200000\nprocs_running 2\nprocs_blocked 0\n".to_string(),
        ),
        ("proc/loadavg".to_string(), "1.00 0.90 0.80 2/120000 130000\n".to_string()),
        (
            "proc/meminfo".to_string(),
            "MemTotal:       1056768000 kB\nMemFree:        500000000 kB\nMemAvailable:   800000000 kB\n".to_string(),
        ),
        ("proc/sys/kernel/hostname".to_string(), format!("{}\n", hostname(spec))),
        ("proc/sys/kernel/osrelease".to_string(), format!("{}\n", kernel_release(spec))),
        ("proc/sys/kernel/pid_max".to_string(), "4194304\n".to_string()),
        (
            "proc/sys/kernel/random/boot_id".to_string(),
            format!("{}\n", boot_id(spec)),
        ),
        (
            "etc/os-release".to_string(),
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n".to_string(),
        ),
        (
            "etc/passwd".to_string(),
            "root:x:0:0::/root:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n".to_string(),
        ),
        ("etc/group".to_string(), "root:x:0:\nwww-data:x:33:\nnogroup:x:65534:\n".to_string()),
    ];
    let (cgroups, mountinfo) = match spec.layout {
        CgroupLayout::V2Systemd => (
            "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t0\t1\t1\ncpu\t0\t1\t1\nmemory\t0\t1\t1\npids\t0\t1\t1\n".to_string(),
            "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n".to_string(),
        ),
        CgroupLayout::V1Cgroupfs => {
            let mut cgroups = String::from("#subsys_name\thierarchy\tnum_cgroups\tenabled\n");
            let mut mountinfo = String::from("22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n29 22 0:25 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755\n");
            for (index, (line, name)) in V1_HIERARCHIES.iter().enumerate() {
                for controller in name.split(',').filter(|c| !c.starts_with("name=")) {
                    cgroups.push_str(&format!("{controller}\t{line}\t{}\t1\n", spec.pods * 4 + 8));
                }
                let options = if let Some(named) = name.strip_prefix("name=") {
                    format!("xattr,name={named}")
                } else {
                    name.to_string()
                };
                mountinfo.push_str(&format!(
                    "{} 29 0:{} / /sys/fs/cgroup/{} rw,nosuid,nodev,noexec,relatime shared:{} - cgroup cgroup rw,{}\n",
                    31 + index,
                    27 + index,
                    v1_mount_dir(name),
                    10 + index,
                    options
                ));
            }
            (cgroups, mountinfo)
        }
    };
    files.push(("proc/cgroups".to_string(), cgroups));
    files.push(("proc/1/mountinfo".to_string(), mountinfo.clone()));
    files.push(("proc/self/mountinfo".to_string(), mountinfo));
    files
}

/// One cgroup directory of the plan: its path (relative to the hierarchy's root, empty for
/// the root), its member pids, and its resources.
struct PlannedDir {
    path: String,
    procs: Vec<u64>,
    resources: Resources,
    /// Whether controllers are delegated below it (v2 `cgroup.subtree_control`).
    has_children: bool,
}

struct CgroupTree {
    dirs: Vec<PlannedDir>,
}

/// The cgroup paths of one pod: the pod's directory and its three containers' (sandbox, app,
/// sidecar), in the layout's naming.
struct PodCgroups {
    pod: String,
    containers: [String; 3],
}

fn qos_dir(layout: CgroupLayout, qos: Qos) -> Option<String> {
    match (layout, qos) {
        (_, Qos::Guaranteed) => None,
        (CgroupLayout::V2Systemd, _) => {
            Some(format!("/kubepods.slice/kubepods-{}.slice", qos.name()))
        }
        (CgroupLayout::V1Cgroupfs, _) => Some(format!("/kubepods/{}", qos.name())),
    }
}

fn pod_cgroups(layout: CgroupLayout, moment: Moment, pod: u64) -> PodCgroups {
    let qos = Qos::of_pod(pod);
    let uid = moment.pod_uid(pod);
    let ids = moment.container_ids(pod);
    match layout {
        CgroupLayout::V2Systemd => {
            let underscored = uid.replace('-', "_");
            let pod_dir = match qos {
                Qos::Guaranteed => format!("/kubepods.slice/kubepods-pod{underscored}.slice"),
                _ => format!(
                    "/kubepods.slice/kubepods-{q}.slice/kubepods-{q}-pod{underscored}.slice",
                    q = qos.name()
                ),
            };
            let containers = ids.map(|id| format!("{pod_dir}/cri-containerd-{id}.scope"));
            PodCgroups {
                pod: pod_dir,
                containers,
            }
        }
        CgroupLayout::V1Cgroupfs => {
            let pod_dir = match qos {
                Qos::Guaranteed => format!("/kubepods/pod{uid}"),
                _ => format!("/kubepods/{}/pod{uid}", qos.name()),
            };
            let containers = ids.map(|id| format!("{pod_dir}/{id}"));
            PodCgroups {
                pod: pod_dir,
                containers,
            }
        }
    }
}

/// Pids of pod `pod`: shim, pause, app main, app worker, sidecar.
fn pod_pids(pod: u64) -> [u64; 5] {
    let base = FIRST_POD_PID + pod * PROCESSES_PER_POD;
    [base, base + 1, base + 2, base + 3, base + 4]
}

fn containerd_cgroup(layout: CgroupLayout) -> &'static str {
    match layout {
        CgroupLayout::V2Systemd => "/system.slice/containerd.service",
        CgroupLayout::V1Cgroupfs => "/system.slice/containerd.service",
    }
}

/// Pids of the host processes and the cgroups they sit in.
const HOST_PIDS: [(u64, &str); 8] = [
    (1, "/init.scope"),
    (2, "/"),
    (3, "/"),
    (4, "/"),
    (310, "/system.slice/systemd-journald.service"),
    (620, "/system.slice/ssh.service"),
    (900, "/system.slice/kubelet.service"),
    (1000, "/system.slice/containerd.service"),
];

/// A pod's cgroup figures; `node` (a fleet member's index) moves which pods are OOM-killed.
fn pod_resources(node: u64, pod: u64, moment: Moment, qos: Qos, slot: Option<usize>) -> Resources {
    // What the pods in trouble added in the five minutes.
    let later = u64::from(moment == Moment::Later);
    let noise = mix(pod * 17 + slot.map_or(9, |s| s as u64));
    let memory_limit_bytes = match (qos, slot) {
        (Qos::BestEffort, _) => None,
        (Qos::Burstable, Some(_)) => None,
        (_, Some(0)) => None,
        (_, Some(_)) => Some(256 << 20),
        (_, None) => Some(512 << 20),
    };
    let memory_usage_bytes = match slot {
        Some(0) => 700 * 1024,
        Some(_) => (20 << 20) + noise % (120 << 20),
        None => (45 << 20) + noise % (200 << 20),
    };
    Resources {
        memory_limit_bytes,
        memory_usage_bytes,
        cpu_quota_usec: match (qos, slot) {
            (Qos::Guaranteed, Some(1 | 2)) => Some(50_000),
            (Qos::Guaranteed, None) => Some(100_000),
            _ => None,
        },
        cpu_weight: match qos {
            Qos::BestEffort => 1,
            _ => 20 + noise % 60,
        },
        cpu_usage_usec: noise % 9_000_000_000,
        // A few pods in trouble, so that findings and their views have work to do.
        throttled_periods: if pod % 50 == 7 && slot == Some(1) {
            4_000 + noise % 1000 + later * 600
        } else {
            0
        },
        oom_kills: if (pod + node) % 97 == 3 && slot == Some(1) {
            1 + noise % 3 + later
        } else {
            0
        },
        pids_max: match slot {
            Some(_) => None,
            None => Some(4096),
        },
    }
}

impl CgroupTree {
    /// Every directory, parents before children, with member pids in each.
    fn plan(spec: &NodeSpec, moment: Moment) -> CgroupTree {
        let layout = spec.layout;
        let mut dirs: Vec<PlannedDir> = Vec::new();
        let mut push = |path: &str, procs: Vec<u64>, resources: Resources, has_children: bool| {
            dirs.push(PlannedDir {
                path: path.to_string(),
                procs,
                resources,
                has_children,
            })
        };
        let shim_pids: Vec<u64> = (0..spec.pods).map(|pod| moment.pod_pids(pod)[0]).collect();
        push("", vec![2, 3, 4], Resources::default(), true);
        push("/init.scope", vec![1], Resources::default(), false);
        push("/system.slice", vec![], Resources::default(), true);
        push(
            "/system.slice/systemd-journald.service",
            vec![310],
            Resources::default(),
            false,
        );
        push(
            "/system.slice/ssh.service",
            vec![620],
            Resources::default(),
            false,
        );
        push(
            "/system.slice/kubelet.service",
            vec![900],
            Resources::default(),
            false,
        );
        let mut containerd_procs = vec![1000];
        containerd_procs.extend(shim_pids);
        push(
            containerd_cgroup(layout),
            containerd_procs,
            Resources::default(),
            false,
        );
        let kubepods = match layout {
            CgroupLayout::V2Systemd => "/kubepods.slice",
            CgroupLayout::V1Cgroupfs => "/kubepods",
        };
        push(
            kubepods,
            vec![],
            Resources {
                pids_max: Some(4_194_304),
                ..Resources::default()
            },
            true,
        );
        for qos in [Qos::Burstable, Qos::BestEffort] {
            if let Some(dir) = qos_dir(layout, qos) {
                push(&dir, vec![], Resources::default(), true);
            }
        }
        // Pods in QoS order is what a directory walk gives; the pids stay interleaved.
        for qos in [Qos::Guaranteed, Qos::Burstable, Qos::BestEffort] {
            for pod in (0..spec.pods).filter(|pod| Qos::of_pod(*pod) == qos) {
                let cgroups = pod_cgroups(layout, moment, pod);
                let pids = moment.pod_pids(pod);
                let resources = |slot| pod_resources(spec.node, pod, moment, qos, slot);
                push(&cgroups.pod, vec![], resources(None), true);
                let members: [Vec<u64>; 3] = [vec![pids[1]], vec![pids[2], pids[3]], vec![pids[4]]];
                for (slot, (path, procs)) in cgroups.containers.iter().zip(members).enumerate() {
                    push(path, procs, resources(Some(slot)), false);
                }
            }
        }
        CgroupTree { dirs }
    }
}

fn write_cgroup_dir<W: Write>(
    layout: CgroupLayout,
    dir: &PlannedDir,
    archive: &mut Archive<W>,
) -> io::Result<()> {
    let is_root = dir.path.is_empty();
    let procs: String = dir.procs.iter().map(|pid| format!("{pid}\n")).collect();
    let r = &dir.resources;
    match layout {
        CgroupLayout::V2Systemd => {
            let base = format!("sys/fs/cgroup{}", dir.path);
            archive.root_dir(&base)?;
            // The collector copies every one of CGROUP_FILES a directory has; the match below
            // writes those a v2 directory has and skips v1's.
            for name in CGROUP_FILES {
                let content = match *name {
                    "cgroup.procs" => procs.clone(),
                    "cgroup.controllers" => "cpuset cpu io memory hugetlb pids rdma misc\n".to_string(),
                    "cgroup.subtree_control" if dir.has_children => "cpuset cpu io memory hugetlb pids\n".to_string(),
                    "cgroup.subtree_control" => "\n".to_string(),
                    _ if is_root => continue,
                    "cgroup.type" => "domain\n".to_string(),
                    "cgroup.events" => format!("populated {}\nfrozen 0\n", u8::from(!dir.procs.is_empty() || dir.has_children)),
                    "cgroup.freeze" => "0\n".to_string(),
                    "memory.max" => r.memory_limit_bytes.map_or("max\n".to_string(), |b| format!("{b}\n")),
                    "memory.high" | "memory.swap.max" => "max\n".to_string(),
                    "memory.low" | "memory.min" => "0\n".to_string(),
                    "memory.current" => format!("{}\n", r.memory_usage_bytes),
                    "memory.peak" => format!("{}\n", r.memory_usage_bytes + r.memory_usage_bytes / 4),
                    "memory.events" => format!(
                        "low 0\nhigh 0\nmax {}\noom {}\noom_kill {}\noom_group_kill 0\n",
                        r.oom_kills * 12,
                        r.oom_kills,
                        r.oom_kills
                    ),
                    "cpu.max" => match r.cpu_quota_usec {
                        Some(quota) => format!("{quota} 100000\n"),
                        None => "max 100000\n".to_string(),
                    },
                    "cpu.weight" => format!("{}\n", r.cpu_weight.max(1)),
                    "cpu.stat" => format!(
                        "usage_usec {}\nuser_usec {}\nsystem_usec {}\nnr_periods {}\nnr_throttled {}\nthrottled_usec {}\nnr_bursts 0\nburst_usec 0\n",
                        r.cpu_usage_usec,
                        r.cpu_usage_usec / 10 * 7,
                        r.cpu_usage_usec / 10 * 3,
                        r.throttled_periods * 3,
                        r.throttled_periods,
                        r.throttled_periods * 2_100
                    ),
                    "cpuset.cpus" | "cpuset.mems" => "\n".to_string(),
                    "cpuset.cpus.effective" => "0-63\n".to_string(),
                    "pids.max" => r.pids_max.map_or("max\n".to_string(), |max| format!("{max}\n")),
                    "pids.current" => format!("{}\n", dir.procs.len()),
                    "pids.events" => "max 0\n".to_string(),
                    "cgroup.stat" => format!(
                        "nr_descendants {}\nnr_dying_descendants 0\n",
                        u8::from(dir.has_children)
                    ),
                    "cpu.pressure" | "memory.pressure" | "io.pressure" => PSI_IDLE.to_string(),
                    "memory.events.local" => {
                        let kills = if dir.has_children { 0 } else { r.oom_kills };
                        format!("low 0\nhigh 0\nmax {}\noom {kills}\noom_kill {kills}\noom_group_kill 0\n", kills * 12)
                    }
                    "memory.stat" => v2_memory_stat(r.memory_usage_bytes),
                    _ => continue,
                };
                archive.root_file(&format!("{base}/{name}"), content.as_bytes())?;
            }
        }
        CgroupLayout::V1Cgroupfs => {
            for (_, hierarchy) in V1_HIERARCHIES {
                let base = format!("sys/fs/cgroup/{}{}", v1_mount_dir(hierarchy), dir.path);
                archive.root_dir(&base)?;
                for name in v1_candidates(hierarchy) {
                    let content = match name {
                        "cgroup.procs" => procs.clone(),
                        "cpuset.cpus" => "0-63\n".to_string(),
                        "cpuset.mems" => "0\n".to_string(),
                        "cpu.shares" => format!("{}\n", r.cpu_weight.max(1) * 1024 / 100 + 2),
                        "cpu.cfs_quota_us" => r
                            .cpu_quota_usec
                            .map_or("-1\n".to_string(), |q| format!("{q}\n")),
                        "cpu.cfs_period_us" => "100000\n".to_string(),
                        "cpu.stat" => format!(
                            "nr_periods {}\nnr_throttled {}\nthrottled_time {}\n",
                            r.throttled_periods * 3,
                            r.throttled_periods,
                            r.throttled_periods * 2_100_000
                        ),
                        "memory.limit_in_bytes" => format!(
                            "{}\n",
                            r.memory_limit_bytes.unwrap_or(9_223_372_036_854_771_712)
                        ),
                        "memory.usage_in_bytes" => format!("{}\n", r.memory_usage_bytes),
                        "memory.max_usage_in_bytes" => {
                            format!("{}\n", r.memory_usage_bytes + r.memory_usage_bytes / 4)
                        }
                        "memory.failcnt" => format!("{}\n", r.oom_kills * 40),
                        "memory.oom_control" => format!(
                            "oom_kill_disable 0\nunder_oom 0\noom_kill {}\n",
                            r.oom_kills
                        ),
                        "pids.max" => r
                            .pids_max
                            .map_or("max\n".to_string(), |max| format!("{max}\n")),
                        "pids.current" => format!("{}\n", dir.procs.len()),
                        "pids.events" => "max 0\n".to_string(),
                        "freezer.state" => "THAWED\n".to_string(),
                        _ => continue,
                    };
                    if is_root && name != "cgroup.procs" && !name.starts_with("cpuset.") {
                        continue;
                    }
                    archive.root_file(&format!("{base}/{name}"), content.as_bytes())?;
                }
            }
        }
    }
    Ok(())
}

fn write_process<W: Write>(
    layout: CgroupLayout,
    process: &Process<'_>,
    archive: &mut Archive<W>,
) -> io::Result<()> {
    let dir = format!("proc/{}", process.pid);
    archive.open_bundle(&dir)?;
    let start_ticks = 1000 + process.pid * 3;
    let vsize = if process.kernel_thread {
        0
    } else {
        process.rss_kib * 4096
    };
    let rss_pages = process.rss_kib / 4;
    let flags = if process.kernel_thread {
        0x0020_8040
    } else {
        0x0040_0100
    };
    let pgid = if process.kernel_thread {
        0
    } else {
        process.pid
    };
    let stat = format!(
        "{pid} ({comm}) {state} {ppid} {pgid} {pgid} 0 -1 {flags} 1200 0 0 0 {utime} {stime} 0 0 20 0 {threads} 0 {start_ticks} {vsize} {rss_pages} 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 {cpu} 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
        pid = process.pid,
        comm = process.comm,
        state = process.state,
        ppid = process.ppid,
        utime = mix(process.pid) % 50_000,
        stime = mix(process.pid + 1) % 20_000,
        threads = process.threads,
        cpu = process.pid % 2,
    );
    archive.root_file(&format!("{dir}/stat"), stat.as_bytes())?;

    let state_word = match process.state {
        'R' => "R (running)",
        'D' => "D (disk sleep)",
        'Z' => "Z (zombie)",
        'I' => "I (idle)",
        _ => "S (sleeping)",
    };
    let nspid = match process.inner_pid {
        Some(inner) => format!("{}\t{inner}", process.pid),
        None => process.pid.to_string(),
    };
    let memory_lines = if process.kernel_thread {
        String::new()
    } else {
        format!(
            "VmPeak:\t{peak} kB\nVmSize:\t{size} kB\nVmRSS:\t{rss} kB\nRssAnon:\t{anon} kB\nRssFile:\t{file} kB\n",
            peak = process.rss_kib * 5,
            size = process.rss_kib * 4,
            rss = process.rss_kib,
            anon = process.rss_kib * 3 / 4,
            file = process.rss_kib / 4,
        )
    };
    let status = format!(
        "Name:\t{comm}\nUmask:\t0022\nState:\t{state_word}\nTgid:\t{pid}\nNgid:\t0\nPid:\t{pid}\nPPid:\t{ppid}\nTracerPid:\t0\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t{uid}\t{uid}\t{uid}\t{uid}\nFDSize:\t64\nGroups:\t\nNStgid:\t{nspid}\nNSpid:\t{nspid}\nNSpgid:\t{nspid}\nNSsid:\t{nspid}\n{memory_lines}Threads:\t{threads}\nSigQ:\t0/127326\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000001000\nSigCgt:\t0000000180004a02\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\nCpus_allowed_list:\t0-63\nvoluntary_ctxt_switches:\t{vcs}\nnonvoluntary_ctxt_switches:\t{nvcs}\n",
        comm = process.comm,
        pid = process.pid,
        ppid = process.ppid,
        uid = process.uid,
        threads = process.threads,
        vcs = mix(process.pid + 2) % 100_000,
        nvcs = mix(process.pid + 3) % 1000,
    );
    archive.root_file(&format!("{dir}/status"), status.as_bytes())?;

    let mut cmdline = Vec::new();
    for arg in process.argv {
        cmdline.extend_from_slice(arg.as_bytes());
        cmdline.push(0);
    }
    archive.root_file(&format!("{dir}/cmdline"), &cmdline)?;

    let cgroup = match layout {
        CgroupLayout::V2Systemd => format!("0::{}\n", process.cgroup),
        CgroupLayout::V1Cgroupfs => V1_HIERARCHIES
            .iter()
            .map(|(line, name)| format!("{line}:{name}:{}\n", process.cgroup))
            .collect(),
    };
    archive.root_file(&format!("{dir}/cgroup"), cgroup.as_bytes())?;
    archive.root_file(
        &format!("{dir}/oom_score_adj"),
        format!("{}\n", process.oom_score_adj).as_bytes(),
    )?;

    let ns: String = HOST_NAMESPACES
        .iter()
        .map(|(name, host_inode)| {
            let inode = process
                .namespaces
                .iter()
                .find(|(own, _)| own == name)
                .map_or(*host_inode, |(_, inode)| *inode);
            let kind = name.trim_end_matches("_for_children");
            format!("{name} {kind}:[{inode}]\n")
        })
        .collect();
    archive.root_file(&format!("{dir}/{NAMESPACE_LINKS_FILE}"), ns.as_bytes())?;
    Ok(())
}

/// comm, argv, ppid, kernel thread, threads, RSS in KiB, oom_score_adj.
type HostProcess = (
    &'static str,
    &'static [&'static str],
    u64,
    bool,
    u32,
    u64,
    i64,
);

fn write_host_processes<W: Write>(
    layout: CgroupLayout,
    archive: &mut Archive<W>,
) -> io::Result<()> {
    let host: [HostProcess; 8] = [
        ("systemd", &["/sbin/init"], 0, false, 1, 12_000, 0),
        ("kthreadd", &[], 0, true, 1, 0, 0),
        ("rcu_gp", &[], 2, true, 1, 0, 0),
        ("ksoftirqd/0", &[], 2, true, 1, 0, 0),
        (
            "systemd-journal",
            &["/lib/systemd/systemd-journald"],
            1,
            false,
            1,
            30_000,
            -250,
        ),
        (
            "sshd",
            &["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"],
            1,
            false,
            1,
            9_000,
            -1000,
        ),
        (
            "kubelet",
            &[
                "/usr/bin/kubelet",
                "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
                "--kubeconfig=/etc/kubernetes/kubelet.conf",
                "--config=/var/lib/kubelet/config.yaml",
                "--container-runtime-endpoint=unix:///run/containerd/containerd.sock",
            ],
            1,
            false,
            40,
            180_000,
            -999,
        ),
        (
            "containerd",
            &["/usr/bin/containerd"],
            1,
            false,
            60,
            150_000,
            -999,
        ),
    ];
    for ((pid, cgroup), (comm, argv, ppid, kernel_thread, threads, rss_kib, oom)) in
        HOST_PIDS.iter().zip(host.iter())
    {
        let process = Process {
            pid: *pid,
            ppid: *ppid,
            comm,
            argv,
            state: if *kernel_thread { 'I' } else { 'S' },
            uid: 0,
            threads: *threads,
            rss_kib: *rss_kib,
            oom_score_adj: *oom,
            inner_pid: None,
            namespaces: &[],
            cgroup,
            kernel_thread: *kernel_thread,
        };
        write_process(layout, &process, archive)?;
    }
    Ok(())
}

/// What one pod contributed to the runtime metadata.
struct WrittenPod {
    name: String,
    containers: Vec<ContainerRecord>,
}

fn write_pod<W: Write>(
    layout: CgroupLayout,
    moment: Moment,
    node: u64,
    pod: u64,
    archive: &mut Archive<W>,
) -> Result<WrittenPod, BuildError> {
    let qos = Qos::of_pod(pod);
    let pids = moment.pod_pids(pod);
    let cgroups = pod_cgroups(layout, moment, pod);
    let ids = moment.container_ids(pod);
    let uid = moment.pod_uid(pod);
    let name = pod_name(node, pod);

    let inode = |n: u64| FIRST_POD_NAMESPACE_INODE + pod * 16 + n;
    let cgroup_ns = |n: u64| match layout {
        CgroupLayout::V2Systemd => inode(n),
        CgroupLayout::V1Cgroupfs => HOST_NAMESPACES[0].1,
    };
    let sandbox_ns = [
        ("ipc", inode(0)),
        ("net", inode(1)),
        ("uts", inode(2)),
        ("pid", inode(3)),
        ("pid_for_children", inode(3)),
        ("mnt", inode(4)),
        ("cgroup", cgroup_ns(5)),
    ];
    let container_ns = |first: u64| {
        [
            ("ipc", inode(0)),
            ("net", inode(1)),
            ("uts", inode(2)),
            ("pid", inode(first)),
            ("pid_for_children", inode(first)),
            ("mnt", inode(first + 1)),
            ("cgroup", cgroup_ns(first + 2)),
        ]
    };
    let app_ns = container_ns(6);
    let sidecar_ns = container_ns(9);

    let sandbox_arg = ids[0].clone();
    let shim_argv = [
        "/usr/bin/containerd-shim-runc-v2",
        "-namespace",
        "k8s.io",
        "-id",
        sandbox_arg.as_str(),
        "-address",
        "/run/containerd/containerd.sock",
    ];
    let (state, app_state) = match pod % 1000 {
        11 => ('S', 'D'),
        12 => ('S', 'Z'),
        n if n % 9 == 0 => ('S', 'R'),
        _ => ('S', 'S'),
    };
    let processes = [
        Process {
            pid: pids[0],
            ppid: 1,
            comm: "containerd-shim",
            argv: &shim_argv,
            state,
            uid: 0,
            threads: 12,
            rss_kib: 14_000,
            oom_score_adj: -998,
            inner_pid: None,
            namespaces: &[],
            cgroup: containerd_cgroup(layout),
            kernel_thread: false,
        },
        Process {
            pid: pids[1],
            ppid: pids[0],
            comm: "pause",
            argv: &["/pause"],
            state,
            uid: 65535,
            threads: 1,
            rss_kib: 400,
            oom_score_adj: -998,
            inner_pid: Some(1),
            namespaces: &sandbox_ns,
            cgroup: &cgroups.containers[0],
            kernel_thread: false,
        },
        Process {
            pid: pids[2],
            ppid: pids[0],
            comm: "nginx",
            argv: &["nginx: master process nginx -g daemon off;"],
            state: app_state,
            uid: 0,
            threads: 1,
            rss_kib: 6_000 + mix(pod) % 4_000,
            oom_score_adj: qos.oom_score_adj(),
            inner_pid: Some(1),
            namespaces: &app_ns,
            cgroup: &cgroups.containers[1],
            kernel_thread: false,
        },
        Process {
            pid: pids[3],
            ppid: pids[2],
            comm: "nginx",
            argv: &["nginx: worker process"],
            state,
            uid: 33,
            threads: 1,
            rss_kib: 3_000 + mix(pod + 1) % 4_000,
            oom_score_adj: qos.oom_score_adj(),
            inner_pid: Some(30),
            namespaces: &app_ns,
            cgroup: &cgroups.containers[1],
            kernel_thread: false,
        },
        Process {
            pid: pids[4],
            ppid: pids[0],
            comm: "envoy",
            argv: &[
                "/usr/local/bin/envoy",
                "-c",
                "/etc/envoy/envoy.yaml",
                "--service-cluster",
                "web",
                "--log-level",
                "warn",
            ],
            state,
            uid: 101,
            threads: 18,
            rss_kib: 40_000 + mix(pod + 2) % 20_000,
            oom_score_adj: qos.oom_score_adj(),
            inner_pid: Some(1),
            namespaces: &sidecar_ns,
            cgroup: &cgroups.containers[2],
            kernel_thread: false,
        },
    ];
    for process in &processes {
        write_process(layout, process, archive)?;
    }

    let cgroups_path = |slot: usize| match layout {
        // The systemd driver's spelling in config.json: slice:prefix:name.
        CgroupLayout::V2Systemd => {
            let slice = cgroups.pod.rsplit('/').next().unwrap_or_default();
            format!("{slice}:cri-containerd:{}", ids[slot])
        }
        CgroupLayout::V1Cgroupfs => cgroups.containers[slot].clone(),
    };
    let record = |slot: usize,
                  container_name: Option<&str>,
                  image: &str,
                  namespaces: Vec<RequestedNamespace>| {
        let mut annotations = BTreeMap::new();
        let is_sandbox = slot == 0;
        annotations.insert(
            "io.kubernetes.cri.container-type".to_string(),
            if is_sandbox { "sandbox" } else { "container" }.to_string(),
        );
        annotations.insert("io.kubernetes.cri.sandbox-id".to_string(), ids[0].clone());
        annotations.insert("io.kubernetes.cri.sandbox-name".to_string(), name.clone());
        annotations.insert(
            "io.kubernetes.cri.sandbox-namespace".to_string(),
            "default".to_string(),
        );
        annotations.insert("io.kubernetes.cri.sandbox-uid".to_string(), uid.clone());
        if let Some(container_name) = container_name {
            annotations.insert(
                "io.kubernetes.cri.container-name".to_string(),
                container_name.to_string(),
            );
            annotations.insert(
                "io.kubernetes.cri.image-name".to_string(),
                image.to_string(),
            );
        }
        ContainerRecord {
            source: RecordSource::ContainerdTask,
            path: format!(
                "run/containerd/io.containerd.runtime.v2.task/k8s.io/{}/config.json",
                ids[slot]
            ),
            id: ids[slot].clone(),
            runtime_namespace: Some("k8s.io".to_string()),
            name: Some(container_name.unwrap_or(&name).to_string()),
            image: Some(image.to_string()),
            pid: None,
            labels: BTreeMap::new(),
            annotations,
            namespaces,
            cgroups_path: Some(cgroups_path(slot)),
            pod: None,
            hostname: None,
        }
    };
    let own = |kind: &str| RequestedNamespace {
        kind: kind.to_string(),
        path: None,
    };
    let joined = |kind: &str| RequestedNamespace {
        kind: kind.to_string(),
        path: Some(format!("/proc/{}/ns/{kind}", pids[1])),
    };
    let sandbox_namespaces = vec![
        own("pid"),
        own("ipc"),
        own("uts"),
        own("mount"),
        own("network"),
    ];
    let container_namespaces = || {
        vec![
            own("pid"),
            joined("ipc"),
            joined("uts"),
            own("mount"),
            joined("network"),
        ]
    };
    let containers = vec![
        record(0, None, "registry.k8s.io/pause:3.9", sandbox_namespaces),
        record(
            1,
            Some("nginx"),
            "docker.io/library/nginx:1.25",
            container_namespaces(),
        ),
        record(
            2,
            Some("envoy"),
            "docker.io/envoyproxy/envoy:v1.28.0",
            container_namespaces(),
        ),
    ];
    Ok(WrittenPod { name, containers })
}

#[cfg(test)]
mod tests;
