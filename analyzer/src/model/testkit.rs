//! Test support: builds snapshots in memory, file by file, the way the collector lays them out
//! (proc/<pid>/{stat,status,cmdline,cgroup,ns,oom_score_adj}, sys/fs/cgroup/..., meta records).

use crate::snapshot::Snapshot;
use nodesnap_format::{ContainerRecord, Gap, Manifest, RecordSource, RuntimeMetadata};
use std::collections::{BTreeMap, BTreeSet};

pub const HOST_NS: [(&str, u64); 6] = [
    ("ipc", 4026531839),
    ("mnt", 4026531840),
    ("net", 4026531956),
    ("pid", 4026531836),
    ("user", 4026531837),
    ("uts", 4026531838),
];

/// The v1 hierarchies of a CentOS 7 node, as /proc/<pid>/cgroup lists them and as the
/// directories under sys/fs/cgroup are named.
pub const V1_HIERARCHIES: [(u32, &str, &str); 11] = [
    (11, "memory", "memory"),
    (10, "cpuset", "cpuset"),
    (9, "devices", "devices"),
    (8, "blkio", "blkio"),
    (7, "net_prio,net_cls", "net_cls,net_prio"),
    (6, "perf_event", "perf_event"),
    (5, "pids", "pids"),
    (4, "cpuacct,cpu", "cpu,cpuacct"),
    (3, "hugetlb", "hugetlb"),
    (2, "freezer", "freezer"),
    (1, "name=systemd", "systemd"),
];

/// Which cgroup filesystem the node mounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fs {
    V1,
    V2,
    /// v1 controllers plus the controller-less v2 hierarchy at sys/fs/cgroup/unified.
    Hybrid,
}

/// One process to write.
#[derive(Debug, Clone)]
pub struct Proc {
    pub pid: u32,
    pub ppid: u32,
    pub comm: String,
    pub state: char,
    pub argv: Vec<String>,
    pub uid: u32,
    pub cgroup: String,
    /// Where the name=systemd line differs (a sub-cgroup such as kube-proxy's).
    pub systemd_cgroup: Option<String>,
    pub ns: Vec<(String, u64)>,
    pub oom_score_adj: Option<i32>,
    pub start_ticks: u64,
    pub rss_kb: u64,
}

impl Proc {
    /// A process in the host's namespaces and the root cgroup.
    pub fn new(pid: u32, ppid: u32, comm: &str, cmdline: &str) -> Proc {
        Proc {
            pid,
            ppid,
            comm: comm.to_string(),
            state: 'S',
            argv: cmdline
                .split(' ')
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect(),
            uid: 0,
            cgroup: "/".to_string(),
            systemd_cgroup: None,
            ns: HOST_NS.iter().map(|(t, i)| (t.to_string(), *i)).collect(),
            oom_score_adj: Some(0),
            start_ticks: u64::from(pid) * 10,
            rss_kb: 1024,
        }
    }

    pub fn cgroup(mut self, path: &str) -> Proc {
        self.cgroup = path.to_string();
        self
    }

    pub fn systemd_cgroup(mut self, path: &str) -> Proc {
        self.systemd_cgroup = Some(path.to_string());
        self
    }

    /// Replaces the given namespace types' inodes.
    pub fn ns(mut self, links: &[(&str, u64)]) -> Proc {
        for (kind, inode) in links {
            match self.ns.iter_mut().find(|(k, _)| k == kind) {
                Some(entry) => entry.1 = *inode,
                None => self.ns.push((kind.to_string(), *inode)),
            }
        }
        self
    }

    pub fn oom(mut self, adj: i32) -> Proc {
        self.oom_score_adj = Some(adj);
        self
    }

    pub fn state(mut self, state: char) -> Proc {
        self.state = state;
        self
    }

    pub fn uid(mut self, uid: u32) -> Proc {
        self.uid = uid;
        self
    }
}

/// Builds a snapshot in memory.
pub struct NodeBuilder {
    fs: Fs,
    files: BTreeMap<String, Vec<u8>>,
    dirs: BTreeSet<String>,
    metadata: RuntimeMetadata,
    gaps: Vec<Gap>,
    collector_pid: Option<u32>,
}

impl NodeBuilder {
    pub fn new(fs: Fs) -> NodeBuilder {
        let mut node = NodeBuilder {
            fs,
            files: BTreeMap::new(),
            dirs: BTreeSet::new(),
            metadata: RuntimeMetadata::default(),
            gaps: Vec::new(),
            collector_pid: None,
        };
        node.file(
            "proc/stat",
            "cpu  1 2 3\ncpu0 1 2 3\ncpu1 1 2 3\nbtime 1592210924\n",
        );
        node.file("proc/uptime", "150000.50 280000.10\n");
        node.file("proc/loadavg", "0.52 0.58 0.59 2/900 31600\n");
        node.file(
            "proc/meminfo",
            "MemTotal:       16266500 kB\nMemFree: 1000 kB\n",
        );
        node.file("proc/sys/kernel/pid_max", "32768\n");
        node.file(
            "etc/os-release",
            "NAME=\"CentOS Linux\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\n",
        );
        node.file(
            "etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\nnobody:x:99:99:Nobody:/:/sbin/nologin\n",
        );
        match fs {
            Fs::V1 | Fs::Hybrid => {
                for (_, _, dir) in V1_HIERARCHIES {
                    node.dirs.insert(format!("sys/fs/cgroup/{dir}"));
                }
                if fs == Fs::Hybrid {
                    node.dirs.insert("sys/fs/cgroup/unified".to_string());
                }
            }
            Fs::V2 => {
                node.file("sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
            }
        }
        node
    }

    pub fn file(&mut self, path: &str, content: &str) -> &mut NodeBuilder {
        self.files
            .insert(path.to_string(), content.as_bytes().to_vec());
        self
    }

    pub fn remove(&mut self, path: &str) -> &mut NodeBuilder {
        self.files.remove(path);
        self
    }

    pub fn gap(&mut self, gap: Gap) -> &mut NodeBuilder {
        self.gaps.push(gap);
        self
    }

    pub fn collector_pid(&mut self, pid: u32) -> &mut NodeBuilder {
        self.collector_pid = Some(pid);
        self
    }

    pub fn record(&mut self, record: ContainerRecord) -> &mut NodeBuilder {
        self.metadata.containers.push(record);
        self
    }

    pub fn metadata(&mut self) -> &mut RuntimeMetadata {
        &mut self.metadata
    }

    /// Writes a cgroup directory in every hierarchy (all v1 ones, or the v2 one).
    pub fn cgroup_dir(&mut self, path: &str) -> &mut NodeBuilder {
        for dir in self.hierarchy_dirs() {
            self.dirs.insert(join(&dir, path));
        }
        self
    }

    /// Writes a control file of a cgroup in the hierarchy that has it (v1) or the v2 one.
    pub fn cgroup_file(&mut self, path: &str, name: &str, content: &str) -> &mut NodeBuilder {
        let dir = match self.fs {
            Fs::V2 => "sys/fs/cgroup".to_string(),
            Fs::V1 | Fs::Hybrid => {
                let controller = name.split('.').next().unwrap_or(name);
                let hierarchy = V1_HIERARCHIES
                    .iter()
                    .find(|(_, _, d)| d.split(',').any(|c| c == controller))
                    .map(|(_, _, d)| *d)
                    .unwrap_or("systemd");
                format!("sys/fs/cgroup/{hierarchy}")
            }
        };
        let file = format!("{}/{name}", join(&dir, path));
        self.file(&file, content)
    }

    fn hierarchy_dirs(&self) -> Vec<String> {
        match self.fs {
            Fs::V1 => V1_HIERARCHIES
                .iter()
                .map(|(_, _, d)| format!("sys/fs/cgroup/{d}"))
                .collect(),
            Fs::Hybrid => V1_HIERARCHIES
                .iter()
                .map(|(_, _, d)| format!("sys/fs/cgroup/{d}"))
                .chain(["sys/fs/cgroup/unified".to_string()])
                .collect(),
            Fs::V2 => vec!["sys/fs/cgroup".to_string()],
        }
    }

    pub fn process(&mut self, p: Proc) -> &mut NodeBuilder {
        let pid = p.pid;
        let comm = &p.comm;
        let stat = format!(
            "{pid} ({comm}) {} {} {pid} {pid} 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 {} 1000000 {} 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n",
            p.state, p.ppid, p.start_ticks, p.rss_kb / 4
        );
        let status = format!(
            "Name:\t{comm}\nState:\t{} (sleeping)\nTgid:\t{pid}\nPPid:\t{}\nUid:\t{u}\t{u}\t{u}\t{u}\nGid:\t0\t0\t0\t0\nVmRSS:\t{} kB\nThreads:\t1\n",
            p.state, p.ppid, p.rss_kb, u = p.uid
        );
        let mut cmdline = Vec::new();
        for arg in &p.argv {
            cmdline.extend_from_slice(arg.as_bytes());
            cmdline.push(0);
        }
        let cgroup = match self.fs {
            Fs::V2 => format!("0::{}\n", p.cgroup),
            Fs::V1 | Fs::Hybrid => V1_HIERARCHIES
                .iter()
                .map(|(id, controllers, _)| {
                    let path = match (&p.systemd_cgroup, *controllers) {
                        (Some(sub), "name=systemd") => sub.as_str(),
                        _ => p.cgroup.as_str(),
                    };
                    format!("{id}:{controllers}:{path}\n")
                })
                .collect(),
        };
        let cgroup = match self.fs {
            // systemd tracks every process in the v2 hierarchy too, at its systemd path.
            Fs::Hybrid => format!(
                "{cgroup}0::{}\n",
                p.systemd_cgroup.as_deref().unwrap_or(&p.cgroup)
            ),
            _ => cgroup,
        };
        let ns: String =
            p.ns.iter()
                .map(|(kind, inode)| format!("{kind} {kind}:[{inode}]\n"))
                .collect();
        self.file(&format!("proc/{pid}/stat"), &stat);
        self.file(&format!("proc/{pid}/status"), &status);
        self.files.insert(format!("proc/{pid}/cmdline"), cmdline);
        self.file(&format!("proc/{pid}/cgroup"), &cgroup);
        self.file(&format!("proc/{pid}/ns"), &ns);
        if let Some(adj) = p.oom_score_adj {
            self.file(&format!("proc/{pid}/oom_score_adj"), &format!("{adj}\n"));
        }
        self.cgroup_dir(&p.cgroup);
        if let Some(sub) = &p.systemd_cgroup {
            self.cgroup_dir(sub);
        }
        self
    }

    pub fn build(&self) -> Snapshot {
        let mut manifest = manifest();
        manifest.gaps = self.gaps.clone();
        manifest.collector_pid = self.collector_pid;
        Snapshot::from_parts(
            "in-memory test node",
            manifest,
            self.metadata.clone(),
            self.files.clone(),
            self.dirs.clone(),
        )
    }
}

fn join(dir: &str, path: &str) -> String {
    let rest = path.trim_end_matches('/');
    format!("{dir}{rest}")
}

/// The snapshot tests' manifest, dated and named like the seed walkthrough's node.
pub fn manifest() -> Manifest {
    Manifest {
        hostname: Some("my-node1".into()),
        kernel: Some("3.10.0-957.el7.x86_64".into()),
        started_at: "2020-06-17T02:28:00Z".into(),
        finished_at: "2020-06-17T02:28:01Z".into(),
        duration_ms: 900,
        ..crate::snapshot::tests::manifest()
    }
}

/// A runtime config record with labels or annotations.
pub fn record(
    source: RecordSource,
    id: &str,
    name: Option<&str>,
    labels: &[(&str, &str)],
    annotations: &[(&str, &str)],
) -> ContainerRecord {
    let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    ContainerRecord {
        source,
        path: format!("meta/{id}"),
        id: id.to_string(),
        runtime_namespace: None,
        name: name.map(str::to_string),
        image: None,
        pid: None,
        labels: map(labels),
        annotations: map(annotations),
        namespaces: Vec::new(),
        cgroups_path: None,
        pod: None,
        hostname: None,
    }
}
