//! Reading the live /proc and mountinfo for the scene: pure parsers plus a reader rooted at a path.

use super::SceneError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The namespace types a scene creates or checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ns {
    Cgroup,
    Ipc,
    Mnt,
    Net,
    Pid,
    Time,
    User,
    Uts,
}

impl Ns {
    pub const ALL: [Ns; 8] = [
        Ns::Cgroup,
        Ns::Ipc,
        Ns::Mnt,
        Ns::Net,
        Ns::Pid,
        Ns::Time,
        Ns::User,
        Ns::Uts,
    ];

    /// The link's name under /proc/<pid>/ns, and the type in its target `net:[...]`.
    pub fn as_str(self) -> &'static str {
        match self {
            Ns::Cgroup => "cgroup",
            Ns::Ipc => "ipc",
            Ns::Mnt => "mnt",
            Ns::Net => "net",
            Ns::Pid => "pid",
            Ns::Time => "time",
            Ns::User => "user",
            Ns::Uts => "uts",
        }
    }
}

/// The fields of /proc/<pid>/stat that a scene needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub comm: String,
    pub state: char,
    pub ppid: u32,
    /// Field 22, clock ticks after boot: with the pid, it names a process across pid reuse.
    pub start_ticks: u64,
}

/// Parses /proc/<pid>/stat; comm may hold spaces and parentheses, so it ends at the last `)`.
pub fn parse_stat(text: &str) -> Option<Stat> {
    let (head, tail) = text.trim_end().rsplit_once(')')?;
    let (_pid, comm) = head.split_once('(')?;
    let fields: Vec<&str> = tail.split_whitespace().collect();
    // fields[0] is field 3 (state); field N is fields[N - 3].
    let state = fields.first()?.chars().next()?;
    let ppid = fields.get(1)?.parse().ok()?;
    let start_ticks = fields.get(19)?.parse().ok()?;
    Some(Stat {
        comm: comm.to_string(),
        state,
        ppid,
        start_ticks,
    })
}

/// Parses a namespace link target such as `net:[4026531992]` into its type name and inode.
pub fn parse_ns_link(target: &str) -> Option<(&str, u64)> {
    let (kind, rest) = target.split_once(":[")?;
    let inode = rest.strip_suffix(']')?.parse().ok()?;
    Some((kind, inode))
}

/// One line of /proc/<pid>/cgroup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CgroupLine {
    pub hierarchy_id: u32,
    /// As the kernel lists them (`cpu,cpuacct`, `name=systemd`); empty for v2.
    pub controllers: String,
    pub path: String,
}

pub fn parse_cgroup_lines(text: &str) -> Option<Vec<CgroupLine>> {
    text.lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (id, rest) = line.split_once(':')?;
            let (controllers, path) = rest.split_once(':')?;
            Some(CgroupLine {
                hierarchy_id: id.parse().ok()?,
                controllers: controllers.to_string(),
                path: path.to_string(),
            })
        })
        .collect()
}

/// A mounted cgroup hierarchy, from /proc/self/mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupMount {
    pub mount_point: PathBuf,
    /// The super options of a v1 mount (`rw,cpu,cpuacct`); empty for v2.
    pub options: Vec<String>,
    pub v2: bool,
}

/// Finds the cgroup mounts in mountinfo text; other filesystems are ignored.
pub fn parse_mountinfo_cgroups(text: &str) -> Option<Vec<CgroupMount>> {
    let mut mounts = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let (left, right) = line.split_once(" - ")?;
        let mount_point = left.split_whitespace().nth(4)?;
        let mut right_fields = right.split_whitespace();
        let fs_type = right_fields.next()?;
        let _source = right_fields.next()?;
        let super_options = right_fields.next().unwrap_or("");
        let v2 = match fs_type {
            "cgroup2" => true,
            "cgroup" => false,
            _ => continue,
        };
        mounts.push(CgroupMount {
            mount_point: PathBuf::from(unescape_mount_path(mount_point)),
            options: if v2 {
                Vec::new()
            } else {
                super_options.split(',').map(str::to_string).collect()
            },
            v2,
        });
    }
    Some(mounts)
}

/// mountinfo writes space, tab, newline and backslash as octal escapes.
fn unescape_mount_path(text: &str) -> String {
    text.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

/// Reads per-process files under a proc root (`/proc` on the live system).
#[derive(Debug, Clone)]
pub struct ProcReader {
    root: PathBuf,
}

impl ProcReader {
    pub fn new(root: impl Into<PathBuf>) -> ProcReader {
        ProcReader { root: root.into() }
    }

    pub fn live() -> ProcReader {
        ProcReader::new("/proc")
    }

    pub fn path(&self, pid: u32, file: &str) -> PathBuf {
        self.root.join(pid.to_string()).join(file)
    }

    fn read(&self, path: &Path) -> Result<String, SceneError> {
        fs::read_to_string(path).map_err(|source| SceneError::io(path, source))
    }

    pub fn stat(&self, pid: u32) -> Result<Stat, SceneError> {
        let path = self.path(pid, "stat");
        let text = self.read(&path)?;
        parse_stat(&text).ok_or_else(|| SceneError::parse(&path, "not a /proc/<pid>/stat line"))
    }

    /// The argv as the process shows it (NUL-separated, trailing NUL dropped).
    pub fn cmdline(&self, pid: u32) -> Result<Vec<String>, SceneError> {
        let path = self.path(pid, "cmdline");
        let bytes = fs::read(&path).map_err(|source| SceneError::io(&path, source))?;
        let body = bytes.strip_suffix(b"\0").unwrap_or(&bytes);
        if body.is_empty() {
            return Ok(Vec::new());
        }
        Ok(body
            .split(|b| *b == 0)
            .map(|arg| String::from_utf8_lossy(arg).into_owned())
            .collect())
    }

    pub fn cgroups(&self, pid: u32) -> Result<Vec<CgroupLine>, SceneError> {
        let path = self.path(pid, "cgroup");
        let text = self.read(&path)?;
        parse_cgroup_lines(&text).ok_or_else(|| SceneError::parse(&path, "not id:controllers:path lines"))
    }

    pub fn namespaces(&self, pid: u32) -> Result<BTreeMap<Ns, u64>, SceneError> {
        let mut inodes = BTreeMap::new();
        for ns in Ns::ALL {
            let path = self.path(pid, &format!("ns/{}", ns.as_str()));
            let target = match fs::read_link(&path) {
                Ok(target) => target,
                // Kernels without time namespaces lack the link; the scene does not need it.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && ns == Ns::Time => continue,
                Err(source) => return Err(SceneError::io(&path, source)),
            };
            let target = target.to_string_lossy();
            let (kind, inode) = parse_ns_link(&target)
                .filter(|(kind, _)| *kind == ns.as_str())
                .ok_or_else(|| SceneError::parse(&path, "not a `type:[inode]` link"))?;
            debug_assert_eq!(kind, ns.as_str());
            inodes.insert(ns, inode);
        }
        Ok(inodes)
    }

    /// Direct children of a single-threaded process, from /proc/<pid>/task/<pid>/children.
    pub fn children(&self, pid: u32) -> Result<Vec<u32>, SceneError> {
        let path = self.path(pid, &format!("task/{pid}/children"));
        let text = self.read(&path)?;
        text.split_whitespace()
            .map(|p| p.parse().map_err(|_| SceneError::parse(&path, "not a list of pids")))
            .collect()
    }

    /// Whether `pid` still names the process that started at `start_ticks` (and is no zombie).
    pub fn is_alive(&self, pid: u32, start_ticks: u64) -> bool {
        matches!(self.stat(pid), Ok(stat) if stat.start_ticks == start_ticks && stat.state != 'Z' && stat.state != 'X')
    }

    pub fn exe(&self, pid: u32) -> Option<PathBuf> {
        fs::read_link(self.path(pid, "exe")).ok()
    }

    pub fn mountinfo(&self) -> Result<Vec<CgroupMount>, SceneError> {
        let path = self.root.join("self/mountinfo");
        let text = self.read(&path)?;
        parse_mountinfo_cgroups(&text).ok_or_else(|| SceneError::parse(&path, "malformed mountinfo line"))
    }

    pub fn self_cgroups(&self) -> Result<Vec<CgroupLine>, SceneError> {
        let path = self.root.join("self/cgroup");
        let text = self.read(&path)?;
        parse_cgroup_lines(&text).ok_or_else(|| SceneError::parse(&path, "not id:controllers:path lines"))
    }

    pub fn pid_max(&self) -> Result<u32, SceneError> {
        let path = self.root.join("sys/kernel/pid_max");
        let text = self.read(&path)?;
        text.trim().parse().map_err(|_| SceneError::parse(&path, "not a number"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_comm_with_spaces_and_parens_ends_at_last_paren() {
        let line = "42 (a (b) c) S 7 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 1000 10 18446744073709551615\n";
        let stat = parse_stat(line).unwrap();
        assert_eq!(stat.comm, "a (b) c");
        assert_eq!(stat.state, 'S');
        assert_eq!(stat.ppid, 7);
        assert_eq!(stat.start_ticks, 123456);
    }

    #[test]
    fn stat_table() {
        let cases: [(&str, Option<(u32, u64)>); 4] = [
            ("1 (init) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0", Some((0, 5))),
            ("", None),
            ("1 (init) S 0 1 1", None),
            ("1 (init) S x 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0", None),
        ];
        for (line, expected) in cases {
            let got = parse_stat(line).map(|s| (s.ppid, s.start_ticks));
            assert_eq!(got, expected, "{line:?}");
        }
    }

    #[test]
    fn ns_link_table() {
        assert_eq!(parse_ns_link("net:[4026531992]"), Some(("net", 4026531992)));
        assert_eq!(parse_ns_link("pid_for_children:[1]"), Some(("pid_for_children", 1)));
        assert_eq!(parse_ns_link("net:[x]"), None);
        assert_eq!(parse_ns_link("net:4026531992"), None);
        assert_eq!(parse_ns_link(""), None);
    }

    #[test]
    fn cgroup_lines_keep_v1_controllers_and_v2_empty() {
        let lines = parse_cgroup_lines("4:memory:/kubepods/pod1\n0::/system.slice\n").unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].hierarchy_id, 4);
        assert_eq!(lines[0].controllers, "memory");
        assert_eq!(lines[0].path, "/kubepods/pod1");
        assert_eq!(lines[1].controllers, "");
        assert_eq!(lines[1].path, "/system.slice");
        assert_eq!(parse_cgroup_lines("x:memory:/"), None);
        assert_eq!(parse_cgroup_lines("4 memory"), None);
        assert_eq!(parse_cgroup_lines("").unwrap(), Vec::new());
    }

    #[test]
    fn mountinfo_finds_v1_and_v2_cgroup_mounts_only() {
        let text = "\
25 24 0:22 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
26 25 0:23 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
27 25 0:24 / /sys/fs/cgroup/name\\040sys rw,relatime - cgroup cgroup rw,name=systemd
28 25 0:25 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";
        let mounts = parse_mountinfo_cgroups(text).unwrap();
        assert_eq!(mounts.len(), 3);
        assert_eq!(mounts[0].mount_point, PathBuf::from("/sys/fs/cgroup/cpu"));
        assert_eq!(mounts[0].options, vec!["rw", "cpu"]);
        assert_eq!(mounts[1].mount_point, PathBuf::from("/sys/fs/cgroup/name sys"));
        assert!(mounts[2].v2);
        assert_eq!(parse_mountinfo_cgroups("garbage without separator"), None);
    }
}
