//! Which cgroup hierarchies a node has (v1, v2 or hybrid), found once from the snapshot, and
//! reading one cgroup's limits and usage counters through the v1 or v2 implementation of
//! [`CgroupVersion`] that owns each controller. Counters only: findings judge them.

use super::parse::{parse_cpu_max, parse_flat_keyed, parse_limit};
use super::signals::{parse_cgroup_stat, parse_memory_events, parse_memory_stat};
use crate::procfs::parse_pressure;
use crate::procfs::{parse_mountinfo, CgroupLine};
use crate::snapshot::{DirFiles, Snapshot};
use crate::values::cgroup::{CgroupMode, Limit, Limits, Usage};
use nodesnap_format::CGROUP_ROOT;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The v1 controllers a kernel may mount; any other word in a v1 mount's options is an option.
const V1_CONTROLLERS: &[&str] = &[
    "blkio",
    "cpu",
    "cpuacct",
    "cpuset",
    "devices",
    "freezer",
    "hugetlb",
    "memory",
    "misc",
    "net_cls",
    "net_prio",
    "perf_event",
    "pids",
    "rdma",
];

/// The name of the v2 hierarchy in [`Hierarchy::name`] and in the model.
pub const V2_NAME: &str = "unified";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V1,
    V2,
}

/// One mounted cgroup hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    /// The directory's name under /sys/fs/cgroup for v1 (`cpu,cpuacct`, `systemd`), or
    /// [`V2_NAME`] for v2 wherever it is mounted.
    pub name: String,
    /// Its root in the snapshot, such as `sys/fs/cgroup/memory`, or `sys/fs/cgroup` for pure v2.
    pub dir: String,
    pub version: Version,
    /// v1 only: the controllers it carries, `name=systemd` included; sorted.
    pub controllers: BTreeSet<String>,
}

/// A cgroup path found in the snapshot and the hierarchies that hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupPath {
    /// Absolute within the hierarchy, `/` for the root.
    pub path: String,
    /// [`Hierarchy::name`]s, in the setup's order.
    pub hierarchies: Vec<String>,
}

/// A control file that exists but could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// Relative to the node's root.
    pub path: String,
    pub message: String,
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// What one cgroup's control files say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CgroupFacts {
    pub limits: Limits,
    pub usage: Usage,
    /// Files that exist but did not parse; their values are `None` in limits and usage.
    pub problems: Vec<FileProblem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Controller {
    Memory,
    Cpu,
    Pids,
    Cpuset,
    /// v2's core files, there whatever the controllers: pressure and `cgroup.stat`. No v1
    /// hierarchy carries them; on a hybrid node they come from the unified one.
    Core,
}

impl Controller {
    const ALL: [Controller; 5] = [
        Controller::Memory,
        Controller::Cpu,
        Controller::Pids,
        Controller::Cpuset,
        Controller::Core,
    ];

    /// The name in a v1 hierarchy's controllers; none for the v2 core.
    fn v1_name(self) -> Option<&'static str> {
        match self {
            Controller::Memory => Some("memory"),
            Controller::Cpu => Some("cpu"),
            Controller::Pids => Some("pids"),
            Controller::Cpuset => Some("cpuset"),
            Controller::Core => None,
        }
    }
}

/// How one cgroup version lays out a controller's files. v1 and v2 name and scale them
/// differently; the rest of the analyzer sees only [`Limits`] and [`Usage`].
trait CgroupVersion: fmt::Debug + Sync {
    fn read(&self, controller: Controller, files: &mut CgroupFiles<'_>, facts: &mut Readings);
}

/// The values read so far.
#[derive(Default)]
struct Readings {
    limits: Limits,
    usage: Usage,
}

#[derive(Debug)]
struct V1Files;
#[derive(Debug)]
struct V2Files;

impl CgroupVersion for V1Files {
    fn read(&self, controller: Controller, files: &mut CgroupFiles<'_>, facts: &mut Readings) {
        let (limits, usage) = (&mut facts.limits, &mut facts.usage);
        match controller {
            Controller::Memory => {
                limits.memory_max_bytes = files.limit("memory.limit_in_bytes");
                usage.memory_current_bytes = files.number("memory.usage_in_bytes");
                usage.memory_peak_bytes = files.number("memory.max_usage_in_bytes");
                usage.memory_failcnt = files.number("memory.failcnt");
                let oom_control = files.keyed("memory.oom_control");
                // oom_kill appeared in memory.oom_control with Linux 4.13; older kernels have
                // no count, which is unknown rather than zero.
                usage.oom_kills = oom_control
                    .as_ref()
                    .and_then(|m| m.get("oom_kill").copied());
                usage.memory_under_oom = oom_control
                    .and_then(|m| m.get("under_oom").copied())
                    .map(|n| n > 0);
                let current = usage.memory_current_bytes;
                usage.memory_breakdown =
                    files.parsed("memory.stat", |text| parse_memory_stat(text, current));
            }
            Controller::Cpu => {
                limits.cpu_quota_usec = files.limit("cpu.cfs_quota_us");
                limits.cpu_period_usec = files.number("cpu.cfs_period_us");
                limits.cpu_shares = files.number("cpu.shares");
                if let Some(stat) = files.keyed("cpu.stat") {
                    usage.cpu_nr_periods = stat.get("nr_periods").copied();
                    usage.cpu_nr_throttled = stat.get("nr_throttled").copied();
                    // v1 counts nanoseconds.
                    usage.cpu_throttled_usec = stat.get("throttled_time").map(|ns| ns / 1000);
                }
                usage.cpu_usage_usec = files.number("cpuacct.usage").map(|ns| ns / 1000);
            }
            Controller::Pids => read_pids(files, facts),
            Controller::Cpuset => limits.cpuset_cpus = files.cpu_list("cpuset.cpus"),
            Controller::Core => {}
        }
    }
}

impl CgroupVersion for V2Files {
    fn read(&self, controller: Controller, files: &mut CgroupFiles<'_>, facts: &mut Readings) {
        let (limits, usage) = (&mut facts.limits, &mut facts.usage);
        match controller {
            Controller::Memory => {
                limits.memory_max_bytes = files.limit("memory.max");
                limits.memory_high_bytes = files.limit("memory.high");
                usage.memory_current_bytes = files.number("memory.current");
                usage.memory_peak_bytes = files.number("memory.peak");
                if let Some(events) = files.keyed("memory.events") {
                    usage.oom_kills = events.get("oom_kill").copied();
                    usage.memory_max_events = events.get("max").copied();
                    usage.memory_high_events = events.get("high").copied();
                    usage.memory_oom_events = events.get("oom").copied();
                }
                usage.memory_events_local =
                    files.parsed("memory.events.local", parse_memory_events);
                let current = usage.memory_current_bytes;
                usage.memory_breakdown =
                    files.parsed("memory.stat", |text| parse_memory_stat(text, current));
            }
            Controller::Cpu => {
                let path = files.path("cpu.max");
                if let Some(text) = files.text("cpu.max") {
                    match parse_cpu_max(&text) {
                        Ok((quota, period)) => {
                            limits.cpu_quota_usec = Some(quota);
                            limits.cpu_period_usec = Some(period);
                        }
                        Err(e) => files.problem(path, e.to_string()),
                    }
                }
                limits.cpu_weight = files.number("cpu.weight");
                if let Some(stat) = files.keyed("cpu.stat") {
                    usage.cpu_nr_periods = stat.get("nr_periods").copied();
                    usage.cpu_nr_throttled = stat.get("nr_throttled").copied();
                    usage.cpu_throttled_usec = stat.get("throttled_usec").copied();
                    usage.cpu_usage_usec = stat.get("usage_usec").copied();
                }
            }
            Controller::Pids => read_pids(files, facts),
            Controller::Cpuset => limits.cpuset_cpus = files.cpu_list("cpuset.cpus"),
            Controller::Core => {
                let pressure = &mut usage.pressure;
                pressure.cpu = files.parsed("cpu.pressure", parse_pressure);
                pressure.memory = files.parsed("memory.pressure", parse_pressure);
                pressure.io = files.parsed("io.pressure", parse_pressure);
                if let Some(stat) = files.parsed("cgroup.stat", parse_cgroup_stat) {
                    usage.nr_descendants = stat.nr_descendants;
                    usage.nr_dying_descendants = stat.nr_dying_descendants;
                }
            }
        }
    }
}

/// The pids controller's files are the same in v1 and v2.
fn read_pids(files: &mut CgroupFiles<'_>, facts: &mut Readings) {
    facts.limits.pids_max = files.limit("pids.max");
    facts.usage.pids_current = files.number("pids.current");
    facts.usage.pids_max_events = files
        .keyed("pids.events")
        .and_then(|m| m.get("max").copied());
}

static V1: V1Files = V1Files;
static V2: V2Files = V2Files;

/// The control files of one cgroup directory; a missing file reads as `None`, a malformed one
/// as `None` plus a [`FileProblem`].
struct CgroupFiles<'a> {
    /// The directory's files, looked up once: a cgroup has a dozen files to read.
    files: Option<&'a DirFiles>,
    dir: String,
    problems: &'a mut Vec<FileProblem>,
}

impl<'a> CgroupFiles<'a> {
    fn path(&self, file: &str) -> String {
        format!("{}/{file}", self.dir)
    }

    fn text(&self, file: &str) -> Option<Cow<'a, str>> {
        self.files?.get(file).map(String::from_utf8_lossy)
    }

    fn problem(&mut self, path: String, message: String) {
        self.problems.push(FileProblem { path, message });
    }

    fn parsed<T, E: fmt::Display>(
        &mut self,
        file: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let text = self.text(file)?;
        match parse(&text) {
            Ok(value) => Some(value),
            Err(e) => {
                let path = self.path(file);
                self.problem(path, e.to_string());
                None
            }
        }
    }

    fn limit(&mut self, file: &str) -> Option<Limit> {
        self.parsed(file, parse_limit)
    }

    fn number(&mut self, file: &str) -> Option<u64> {
        self.parsed(file, |text| {
            text.trim()
                .parse::<u64>()
                .map_err(|_| format!("not a number: {:?}", crate::procfs::excerpt(text.trim())))
        })
    }

    fn keyed(&mut self, file: &str) -> Option<BTreeMap<String, u64>> {
        self.parsed(file, parse_flat_keyed)
    }

    /// A cpu list such as `0-3,8`; empty (v2's "no restriction of its own") reads as `None`.
    fn cpu_list(&mut self, file: &str) -> Option<String> {
        let text = self.text(file)?;
        let list = text.trim();
        let valid = list
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b',' || b == b'-');
        if !valid {
            let path = self.path(file);
            self.problem(
                path,
                format!("not a cpu list: {:?}", crate::procfs::excerpt(list)),
            );
            return None;
        }
        (!list.is_empty()).then(|| list.to_string())
    }
}

/// A controller and the hierarchy (and so the version) whose files describe it.
#[derive(Debug, Clone)]
struct Backend {
    controller: Controller,
    dir: String,
    version: &'static dyn CgroupVersion,
}

/// The node's cgroup hierarchies, detected once per snapshot.
#[derive(Debug, Clone)]
pub struct CgroupSetup {
    mode: CgroupMode,
    hierarchies: Vec<Hierarchy>,
    backends: Vec<Backend>,
}

impl CgroupSetup {
    /// Finds the hierarchies from the cgroup mounts in proc/1/mountinfo or proc/self/mountinfo
    /// when the snapshot has one that lists any under /sys/fs/cgroup, else from the directories
    /// under sys/fs/cgroup: `cgroup.controllers` at the root means v2; otherwise each directory
    /// is a v1 hierarchy, and `unified` among them is the v2 one of a hybrid setup.
    pub fn detect(snapshot: &Snapshot) -> CgroupSetup {
        let from_mounts = ["proc/1/mountinfo", "proc/self/mountinfo"]
            .into_iter()
            .filter_map(|path| snapshot.text(path))
            .map(|text| hierarchies_from_mountinfo(&text))
            .find(|found| !found.is_empty());
        let hierarchies = from_mounts.unwrap_or_else(|| hierarchies_from_layout(snapshot));
        CgroupSetup::from_hierarchies(hierarchies)
    }

    fn from_hierarchies(hierarchies: Vec<Hierarchy>) -> CgroupSetup {
        let has_v1 = hierarchies.iter().any(|h| h.version == Version::V1);
        let has_v2 = hierarchies.iter().any(|h| h.version == Version::V2);
        let mode = match (has_v1, has_v2) {
            (true, true) => CgroupMode::Hybrid,
            (true, false) => CgroupMode::V1,
            (false, true) => CgroupMode::V2,
            (false, false) => CgroupMode::Unknown,
        };
        // A controller is read where it is mounted as v1; whatever v1 lacks comes from v2 (on a
        // hybrid node that is usually nothing, and the v2 files are then simply absent).
        let backends = Controller::ALL
            .into_iter()
            .filter_map(|controller| {
                let v1 = hierarchies.iter().find(|h| {
                    h.version == Version::V1
                        && controller
                            .v1_name()
                            .is_some_and(|name| h.controllers.contains(name))
                });
                let v2 = hierarchies.iter().find(|h| h.version == Version::V2);
                match (v1, v2) {
                    (Some(h), _) => Some(Backend {
                        controller,
                        dir: h.dir.clone(),
                        version: &V1,
                    }),
                    (None, Some(h)) => Some(Backend {
                        controller,
                        dir: h.dir.clone(),
                        version: &V2,
                    }),
                    (None, None) => None,
                }
            })
            .collect();
        CgroupSetup {
            mode,
            hierarchies,
            backends,
        }
    }

    pub fn mode(&self) -> CgroupMode {
        self.mode
    }

    pub fn hierarchies(&self) -> &[Hierarchy] {
        &self.hierarchies
    }

    /// The hierarchy a /proc/<pid>/cgroup line refers to: v1 lines by their controller set in
    /// any order (`cpuacct,cpu` is the `cpu,cpuacct` directory, `name=systemd` is `systemd`),
    /// the `0::` line to the v2 hierarchy.
    pub fn hierarchy_for(&self, line: &CgroupLine) -> Option<&Hierarchy> {
        if line.controllers.is_empty() {
            return self.hierarchies.iter().find(|h| h.version == Version::V2);
        }
        let wanted: BTreeSet<&str> = line.controllers.iter().map(String::as_str).collect();
        let v1 = || self.hierarchies.iter().filter(|h| h.version == Version::V1);
        v1().find(|h| {
            h.controllers
                .iter()
                .map(String::as_str)
                .eq(wanted.iter().copied())
        })
        .or_else(|| v1().find(|h| wanted.iter().any(|c| h.controllers.contains(*c))))
    }

    /// The hierarchy's root directory in the snapshot for a /proc/<pid>/cgroup line.
    pub fn hierarchy_dir(&self, line: &CgroupLine) -> Option<&str> {
        self.hierarchy_for(line).map(|h| h.dir.as_str())
    }

    /// The hierarchy systemd-cgls shows: `name=systemd` where it exists (v1 and hybrid, where
    /// it also tracks containers that the cgroupfs driver leaves out of v2), else v2, else the
    /// first v1 hierarchy.
    pub fn display_hierarchy(&self) -> Option<&Hierarchy> {
        let v1 = self.hierarchies.iter().filter(|h| h.version == Version::V1);
        self.hierarchies
            .iter()
            .find(|h| h.controllers.contains("name=systemd"))
            .or_else(|| self.hierarchies.iter().find(|h| h.version == Version::V2))
            .or_else(|| v1.clone().next())
    }

    /// Of a process's cgroup lines, the one in [`Self::display_hierarchy`].
    pub fn display_line<'a>(&self, lines: &'a [CgroupLine]) -> Option<&'a CgroupLine> {
        let shown = self.display_hierarchy()?;
        lines
            .iter()
            .find(|line| self.hierarchy_for(line).map(|h| &h.name) == Some(&shown.name))
    }

    /// Every cgroup directory of every hierarchy, as absolute cgroup paths, sorted, each with the
    /// hierarchies that hold it.
    pub fn all_cgroup_paths(&self, snapshot: &Snapshot) -> Vec<CgroupPath> {
        let mut paths: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for hierarchy in &self.hierarchies {
            for dir in snapshot.dirs_under(&hierarchy.dir) {
                let Some(rest) = dir.strip_prefix(hierarchy.dir.as_str()) else {
                    continue;
                };
                // On pure v2 the root is sys/fs/cgroup itself, so a v1-looking sibling such as
                // sys/fs/cgroup/unified is a cgroup like any other and needs no exclusion; on
                // v1 and hybrid each hierarchy has its own root and never nests in another.
                let path = if rest.is_empty() { "/" } else { rest };
                paths
                    .entry(path.to_string())
                    .or_default()
                    .push(hierarchy.name.clone());
            }
        }
        paths
            .into_iter()
            .map(|(path, hierarchies)| CgroupPath { path, hierarchies })
            .collect()
    }

    /// Limits and usage of the cgroup at `cgroup_path` (`/kubepods/burstable/pod...`),
    /// each controller read from the hierarchy that carries it.
    pub fn facts(&self, snapshot: &Snapshot, cgroup_path: &str) -> CgroupFacts {
        let mut readings = Readings::default();
        let mut problems = Vec::new();
        let relative = cgroup_path.trim_end_matches('/');
        for backend in &self.backends {
            let dir = if relative.is_empty() {
                backend.dir.clone()
            } else if relative.starts_with('/') {
                format!("{}{relative}", backend.dir)
            } else {
                format!("{}/{relative}", backend.dir)
            };
            let mut files = CgroupFiles {
                files: snapshot.dir(&dir),
                dir,
                problems: &mut problems,
            };
            backend
                .version
                .read(backend.controller, &mut files, &mut readings);
        }
        CgroupFacts {
            limits: readings.limits,
            usage: readings.usage,
            problems,
        }
    }
}

/// Cgroup mounts under /sys/fs/cgroup listed in a mountinfo file.
fn hierarchies_from_mountinfo(text: &str) -> Vec<Hierarchy> {
    let Ok(mounts) = parse_mountinfo(text) else {
        return Vec::new();
    };
    let mut found: Vec<Hierarchy> = Vec::new();
    for mount in mounts {
        let Some(rest) = mount.mount_point.strip_prefix("/sys/fs/cgroup") else {
            continue;
        };
        if !(rest.is_empty() || rest.starts_with('/')) {
            continue;
        }
        let dir = format!("{CGROUP_ROOT}{}", rest.trim_end_matches('/'));
        let hierarchy = match mount.fs_type.as_str() {
            "cgroup2" => Hierarchy {
                name: V2_NAME.into(),
                dir,
                version: Version::V2,
                controllers: BTreeSet::new(),
            },
            "cgroup" => {
                let controllers: BTreeSet<String> = mount
                    .super_options
                    .split(',')
                    .filter(|o| V1_CONTROLLERS.contains(o) || o.starts_with("name="))
                    .map(str::to_string)
                    .collect();
                let name = rest.rsplit('/').next().unwrap_or_default().to_string();
                Hierarchy {
                    name,
                    dir,
                    version: Version::V1,
                    controllers,
                }
            }
            _ => continue,
        };
        // A later mount on the same point hides the earlier one.
        found.retain(|h| h.dir != hierarchy.dir);
        found.push(hierarchy);
    }
    found.sort_by(|a, b| a.dir.cmp(&b.dir));
    found
}

/// Hierarchies guessed from the directories under sys/fs/cgroup.
fn hierarchies_from_layout(snapshot: &Snapshot) -> Vec<Hierarchy> {
    if snapshot
        .file(&format!("{CGROUP_ROOT}/cgroup.controllers"))
        .is_some()
    {
        return vec![Hierarchy {
            name: V2_NAME.into(),
            dir: CGROUP_ROOT.into(),
            version: Version::V2,
            controllers: BTreeSet::new(),
        }];
    }
    let prefix = format!("{CGROUP_ROOT}/");
    snapshot
        .dirs_under(CGROUP_ROOT)
        .filter_map(|dir| dir.strip_prefix(prefix.as_str()).map(|name| (dir, name)))
        .filter(|(_, name)| !name.contains('/'))
        .map(|(dir, name)| {
            if name == V2_NAME {
                return Hierarchy {
                    name: V2_NAME.into(),
                    dir: dir.to_string(),
                    version: Version::V2,
                    controllers: BTreeSet::new(),
                };
            }
            let parts: BTreeSet<String> = name.split(',').map(str::to_string).collect();
            let controllers = if parts.iter().all(|p| V1_CONTROLLERS.contains(&p.as_str())) {
                parts
            } else {
                // systemd's own hierarchy and other named ones: `systemd` is `name=systemd`.
                BTreeSet::from([format!("name={name}")])
            };
            Hierarchy {
                name: name.to_string(),
                dir: dir.to_string(),
                version: Version::V1,
                controllers,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::procfs::parse_cgroup;
    use crate::snapshot::tests::snapshot_with;

    const POD: &str = "/kubepods/burstable/podf5f16f15-af9e-11ea-8af4-0050569e47b9";
    const NGINX: &str = "d62b4a22abd21d47636a1c84e970ad7e76d8fe633232715f74606ee93c71291a";

    /// The hierarchy directories of the seed node (CentOS 7, kernel 3.10), with the nginx
    /// container's control files where its controllers keep them.
    fn seed_v1_files() -> Vec<(String, String)> {
        let nginx = format!("{POD}/{NGINX}");
        let mut files: Vec<(String, String)> = [
            "blkio",
            "cpu,cpuacct",
            "cpuset",
            "devices",
            "freezer",
            "hugetlb",
            "memory",
            "net_cls,net_prio",
            "perf_event",
            "pids",
            "systemd",
        ]
        .iter()
        .map(|h| {
            (
                format!("sys/fs/cgroup/{h}{nginx}/cgroup.procs"),
                "19431\n".to_string(),
            )
        })
        .collect();
        let mut add = |hierarchy: &str, file: &str, text: &str| {
            files.push((
                format!("sys/fs/cgroup/{hierarchy}{nginx}/{file}"),
                text.to_string(),
            ))
        };
        add("memory", "memory.limit_in_bytes", "9223372036854771712\n");
        add("memory", "memory.usage_in_bytes", "7340032\n");
        add("memory", "memory.max_usage_in_bytes", "9437184\n");
        add("memory", "memory.failcnt", "3\n");
        add(
            "memory",
            "memory.oom_control",
            "oom_kill_disable 0\nunder_oom 0\n",
        );
        add("cpu,cpuacct", "cpu.cfs_quota_us", "-1\n");
        add("cpu,cpuacct", "cpu.cfs_period_us", "100000\n");
        add("cpu,cpuacct", "cpu.shares", "2\n");
        add(
            "cpu,cpuacct",
            "cpu.stat",
            "nr_periods 100\nnr_throttled 50\nthrottled_time 2000000\n",
        );
        add("pids", "pids.max", "max\n");
        add("pids", "pids.current", "9\n");
        add("cpuset", "cpuset.cpus", "0-3\n");
        files
    }

    fn snapshot_of(files: &[(String, String)]) -> Snapshot {
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        snapshot_with(&refs)
    }

    fn line(text: &str) -> CgroupLine {
        parse_cgroup(text).unwrap().remove(0)
    }

    #[test]
    fn seed_v1_layout_maps_each_line_to_its_directory() {
        let snapshot = snapshot_of(&seed_v1_files());
        let setup = CgroupSetup::detect(&snapshot);
        assert_eq!(setup.mode(), CgroupMode::V1);
        let cases = [
            ("4:cpuacct,cpu:/x", Some("sys/fs/cgroup/cpu,cpuacct")),
            (
                "7:net_prio,net_cls:/x",
                Some("sys/fs/cgroup/net_cls,net_prio"),
            ),
            ("1:name=systemd:/x", Some("sys/fs/cgroup/systemd")),
            ("11:memory:/x", Some("sys/fs/cgroup/memory")),
            ("0::/x", None),
            ("12:rdma:/x", None),
        ];
        for (text, expect) in cases {
            assert_eq!(setup.hierarchy_dir(&line(text)), expect, "line {text}");
        }
        assert_eq!(
            setup.display_hierarchy().map(|h| h.name.as_str()),
            Some("systemd")
        );
    }

    #[test]
    fn seed_v1_facts_read_limits_and_usage_counters() {
        let snapshot = snapshot_of(&seed_v1_files());
        let setup = CgroupSetup::detect(&snapshot);
        let facts = setup.facts(&snapshot, &format!("{POD}/{NGINX}"));
        assert_eq!(
            facts.limits,
            Limits {
                memory_max_bytes: Some(Limit::Max),
                memory_high_bytes: None,
                cpu_quota_usec: Some(Limit::Max),
                cpu_period_usec: Some(100000),
                cpu_weight: None,
                cpu_shares: Some(2),
                pids_max: Some(Limit::Max),
                cpuset_cpus: Some("0-3".into()),
            }
        );
        assert_eq!(
            facts.usage,
            Usage {
                memory_current_bytes: Some(7340032),
                memory_peak_bytes: Some(9437184),
                memory_failcnt: Some(3),
                // v1 has no memory.events.
                memory_max_events: None,
                memory_high_events: None,
                memory_oom_events: None,
                memory_under_oom: Some(false),
                // Kernel 3.10 has no oom_kill line: unknown, not zero.
                oom_kills: None,
                pids_current: Some(9),
                pids_max_events: None,
                cpu_nr_periods: Some(100),
                cpu_nr_throttled: Some(50),
                cpu_throttled_usec: Some(2000),
                // The seed's node has no memory.stat, and v1 no pressure or cgroup.stat.
                ..Usage::default()
            }
        );
        assert!(facts.problems.is_empty(), "{:?}", facts.problems);
    }

    #[test]
    fn all_cgroup_paths_lists_each_path_with_its_hierarchies() {
        let mut files = seed_v1_files();
        files.push((
            "sys/fs/cgroup/systemd/system.slice/docker.service/cgroup.procs".into(),
            "1200\n".into(),
        ));
        let snapshot = snapshot_of(&files);
        let setup = CgroupSetup::detect(&snapshot);
        let paths = setup.all_cgroup_paths(&snapshot);
        let names: Vec<&str> = paths.iter().map(|p| p.path.as_str()).collect();
        let nginx = format!("{POD}/{NGINX}");
        assert_eq!(
            names,
            vec![
                "/",
                "/kubepods",
                "/kubepods/burstable",
                POD,
                nginx.as_str(),
                "/system.slice",
                "/system.slice/docker.service"
            ]
        );
        assert_eq!(paths[4].hierarchies.len(), 11);
        assert!(paths[4].hierarchies.contains(&"cpu,cpuacct".to_string()));
        assert_eq!(paths[6].hierarchies, vec!["systemd".to_string()]);
    }

    #[test]
    fn mountinfo_decides_over_the_layout() {
        let mut files = seed_v1_files();
        // CentOS 7's mounts; the collector copied only some of the hierarchies' directories.
        files.push((
            "proc/1/mountinfo".into(),
            "18 60 0:17 / /sys rw,nosuid - sysfs sysfs rw\n\
             24 18 0:20 / /sys/fs/cgroup ro,nosuid shared:8 - tmpfs tmpfs ro,mode=755\n\
             25 24 0:21 / /sys/fs/cgroup/systemd rw,nosuid shared:9 - cgroup cgroup rw,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd\n\
             28 24 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:12 - cgroup cgroup rw,cpuacct,cpu\n\
             29 24 0:25 / /sys/fs/cgroup/memory rw,nosuid shared:13 - cgroup cgroup rw,memory\n"
                .into(),
        ));
        let snapshot = snapshot_of(&files);
        let setup = CgroupSetup::detect(&snapshot);
        let names: Vec<&str> = setup
            .hierarchies()
            .iter()
            .map(|h| h.name.as_str())
            .collect();
        assert_eq!(names, vec!["cpu,cpuacct", "memory", "systemd"]);
        assert_eq!(setup.mode(), CgroupMode::V1);
        assert_eq!(
            setup.hierarchy_dir(&line("4:cpuacct,cpu:/x")),
            Some("sys/fs/cgroup/cpu,cpuacct")
        );
        assert_eq!(
            setup.hierarchy_dir(&line("1:name=systemd:/x")),
            Some("sys/fs/cgroup/systemd")
        );
    }

    fn v2_files() -> Vec<(String, String)> {
        let pod = "sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_5678.slice";
        [
            (
                "sys/fs/cgroup/cgroup.controllers",
                "cpuset cpu io memory pids\n",
            ),
            ("memory.max", "536870912\n"),
            ("memory.high", "lots\n"),
            ("memory.current", "104857600\n"),
            ("memory.peak", "209715200\n"),
            ("memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n"),
            ("cpu.max", "50000 100000\n"),
            ("cpu.weight", "39\n"),
            (
                "cpu.stat",
                "usage_usec 10\nnr_periods 1000\nnr_throttled 10\nthrottled_usec 700\n",
            ),
            ("pids.max", "100\n"),
            ("pids.current", "95\n"),
            ("pids.events", "max 7\n"),
            ("cpuset.cpus", "\n"),
        ]
        .iter()
        .map(|(file, text)| {
            let path = if file.starts_with("sys/") {
                file.to_string()
            } else {
                format!("{pod}/{file}")
            };
            (path, text.to_string())
        })
        .collect()
    }

    #[test]
    fn v2_facts_and_problems() {
        let snapshot = snapshot_of(&v2_files());
        let setup = CgroupSetup::detect(&snapshot);
        assert_eq!(setup.mode(), CgroupMode::V2);
        assert_eq!(
            setup.hierarchy_dir(&line("0::/kubepods.slice")),
            Some("sys/fs/cgroup")
        );
        assert_eq!(
            setup.display_hierarchy().map(|h| h.name.as_str()),
            Some(V2_NAME)
        );
        let facts = setup.facts(
            &snapshot,
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_5678.slice",
        );
        assert_eq!(
            facts.limits,
            Limits {
                memory_max_bytes: Some(Limit::Value(536870912)),
                memory_high_bytes: None,
                cpu_quota_usec: Some(Limit::Value(50000)),
                cpu_period_usec: Some(100000),
                cpu_weight: Some(39),
                cpu_shares: None,
                pids_max: Some(Limit::Value(100)),
                cpuset_cpus: None,
            }
        );
        assert_eq!(facts.usage.oom_kills, Some(1));
        assert_eq!(facts.usage.memory_peak_bytes, Some(209715200));
        assert_eq!(facts.usage.cpu_throttled_usec, Some(700));
        // The event counters behind limit hits, read as they are; findings judge them.
        assert_eq!(facts.usage.memory_max_events, Some(4));
        assert_eq!(facts.usage.memory_high_events, Some(0));
        assert_eq!(facts.usage.memory_oom_events, Some(1));
        assert_eq!(facts.usage.memory_under_oom, None);
        assert_eq!(facts.usage.pids_current, Some(95));
        assert_eq!(facts.usage.pids_max_events, Some(7));
        assert_eq!(
            facts.problems,
            vec![FileProblem {
                path: "sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234_5678.slice/memory.high".into(),
                message: "limit: expected a number or max, got \"lots\"".into(),
            }]
        );
    }

    #[test]
    fn v2_root_cgroup_reads_the_hierarchy_root() {
        let snapshot = snapshot_with(&[
            ("sys/fs/cgroup/cgroup.controllers", "memory pids\n"),
            ("sys/fs/cgroup/pids.current", "300\n"),
        ]);
        let facts = CgroupSetup::detect(&snapshot).facts(&snapshot, "/");
        assert_eq!(facts.usage.pids_current, Some(300));
        assert_eq!(facts.limits.pids_max, None);
    }

    #[test]
    fn hybrid_reads_v1_controllers_and_maps_the_v2_line_to_unified() {
        let mut files = seed_v1_files();
        files.push((
            "sys/fs/cgroup/unified/cgroup.controllers".into(),
            "\n".into(),
        ));
        let snapshot = snapshot_of(&files);
        let setup = CgroupSetup::detect(&snapshot);
        assert_eq!(setup.mode(), CgroupMode::Hybrid);
        assert_eq!(
            setup.hierarchy_dir(&line("0::/system.slice")),
            Some("sys/fs/cgroup/unified")
        );
        assert_eq!(
            setup.display_hierarchy().map(|h| h.name.as_str()),
            Some("systemd")
        );
        let facts = setup.facts(&snapshot, &format!("{POD}/{NGINX}"));
        assert_eq!(facts.limits.cpu_shares, Some(2));
        assert_eq!(facts.usage.memory_failcnt, Some(3));
    }

    #[test]
    fn hybrid_reads_a_controller_missing_from_v1_in_unified() {
        let snapshot = snapshot_with(&[
            ("sys/fs/cgroup/memory/cgroup.procs", "1\n"),
            ("sys/fs/cgroup/memory/memory.limit_in_bytes", "1048576\n"),
            ("sys/fs/cgroup/unified/cgroup.controllers", "pids\n"),
            ("sys/fs/cgroup/unified/pids.max", "64\n"),
        ]);
        let setup = CgroupSetup::detect(&snapshot);
        assert_eq!(setup.mode(), CgroupMode::Hybrid);
        let facts = setup.facts(&snapshot, "/");
        assert_eq!(facts.limits.memory_max_bytes, Some(Limit::Value(1048576)));
        assert_eq!(facts.limits.pids_max, Some(Limit::Value(64)));
    }

    #[test]
    fn display_line_picks_the_shown_hierarchy() {
        let snapshot = snapshot_of(&seed_v1_files());
        let setup = CgroupSetup::detect(&snapshot);
        let lines = parse_cgroup("11:memory:/a\n1:name=systemd:/b\n").unwrap();
        assert_eq!(
            setup.display_line(&lines).map(|l| l.path.as_str()),
            Some("/b")
        );
    }

    #[test]
    fn no_cgroup_tree_is_unknown_and_reads_nothing() {
        let snapshot = snapshot_with(&[("proc/1/stat", "1 (init) S 0")]);
        let setup = CgroupSetup::detect(&snapshot);
        assert_eq!(setup.mode(), CgroupMode::Unknown);
        assert!(setup.all_cgroup_paths(&snapshot).is_empty());
        assert_eq!(setup.facts(&snapshot, "/x"), CgroupFacts::default());
    }

    #[test]
    fn malformed_v1_files_are_problems_not_values() {
        let snapshot = snapshot_with(&[
            ("sys/fs/cgroup/memory/memory.failcnt", "many\n"),
            ("sys/fs/cgroup/memory/memory.oom_control", "oom_kill\n"),
            ("sys/fs/cgroup/cpuset/cpuset.cpus", "0-3; rm\n"),
        ]);
        let facts = CgroupSetup::detect(&snapshot).facts(&snapshot, "/");
        assert_eq!(facts.usage.memory_failcnt, None);
        assert_eq!(facts.usage.oom_kills, None);
        assert_eq!(facts.limits.cpuset_cpus, None);
        let paths: Vec<&str> = facts.problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "sys/fs/cgroup/memory/memory.failcnt",
                "sys/fs/cgroup/memory/memory.oom_control",
                "sys/fs/cgroup/cpuset/cpuset.cpus"
            ]
        );
    }
}
