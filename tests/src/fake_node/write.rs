//! Writes a described node to a directory: the only part of the builder that does IO.

use super::render::{
    cgroup_file_text, cmdline_bytes, control_files, mountinfo, proc_cgroups, proc_loadavg,
    proc_meminfo, proc_stat, proc_uptime, proc_version, stat_line, status_text,
};
use super::{Entry, FakeNode, NS_TYPES};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path} already exists and is not empty; refusing to write a node over it")]
    NotEmpty { path: PathBuf },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

struct Writer<'a> {
    root: &'a Path,
}

impl Writer<'_> {
    fn file(&self, rel: &str, contents: impl AsRef<[u8]>) -> Result<(), WriteError> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        fs::write(&path, contents).map_err(io_err(&path))
    }

    fn dir(&self, rel: &str) -> Result<(), WriteError> {
        let path = self.root.join(rel);
        fs::create_dir_all(&path).map_err(io_err(&path))
    }

    fn symlink(&self, rel: &str, target: &str) -> Result<(), WriteError> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        std::os::unix::fs::symlink(target, &path).map_err(io_err(&path))
    }
}

impl FakeNode {
    /// Writes the node under `root`, which must not exist or be empty.
    pub fn write_to(&self, root: &Path) -> Result<(), WriteError> {
        if root.exists() {
            let mut entries = fs::read_dir(root).map_err(io_err(root))?;
            if entries.next().is_some() {
                return Err(WriteError::NotEmpty {
                    path: root.to_path_buf(),
                });
            }
        }
        let w = Writer { root };
        w.dir("")?;
        self.write_node_files(&w)?;
        self.write_processes(&w)?;
        self.write_cgroups(&w)?;
        for (path, entry) in self.files() {
            match entry {
                Entry::File(bytes) => w.file(path, bytes)?,
                Entry::Symlink(target) => w.symlink(path, target)?,
            }
        }
        Ok(())
    }

    fn write_node_files(&self, w: &Writer) -> Result<(), WriteError> {
        let f = &self.facts;
        w.file("proc/version", proc_version(f))?;
        w.file("proc/uptime", proc_uptime(f))?;
        w.file("proc/stat", proc_stat(self))?;
        w.file("proc/loadavg", proc_loadavg(self))?;
        w.file("proc/meminfo", proc_meminfo(f))?;
        w.file("proc/cgroups", proc_cgroups(self))?;
        w.file("proc/sys/kernel/hostname", format!("{}\n", f.hostname))?;
        w.file(
            "proc/sys/kernel/osrelease",
            format!("{}\n", f.kernel_release),
        )?;
        w.file("proc/sys/kernel/pid_max", format!("{}\n", f.pid_max))?;
        w.file("proc/sys/kernel/random/boot_id", format!("{}\n", f.boot_id))?;
        // The kernel's /proc/self is a relative symlink to the reader's pid. A fake root has
        // no reader, so it points at pid 1, whose mountinfo is the node's.
        w.symlink("proc/self", "1")?;
        w.file("proc/1/mountinfo", mountinfo(self))?;
        w.file("etc/os-release", &f.os_release)?;
        w.file("etc/hostname", format!("{}\n", f.hostname))?;
        w.file("etc/passwd", lines(&f.passwd))?;
        w.file("etc/group", lines(&f.group))?;
        Ok(())
    }

    fn write_processes(&self, w: &Writer) -> Result<(), WriteError> {
        for p in self.processes() {
            let dir = format!("proc/{}", p.pid);
            w.file(&format!("{dir}/stat"), stat_line(p, &self.facts))?;
            w.file(&format!("{dir}/status"), status_text(p, &self.facts))?;
            w.file(&format!("{dir}/cmdline"), cmdline_bytes(p))?;
            w.file(&format!("{dir}/comm"), format!("{}\n", p.comm))?;
            w.file(&format!("{dir}/cgroup"), cgroup_file_text(p, self))?;
            w.file(
                &format!("{dir}/oom_score_adj"),
                format!("{}\n", p.oom_score_adj),
            )?;
            for (link, since) in NS_TYPES {
                if !self.facts.kernel_at_least(since.0, since.1) {
                    continue;
                }
                // A zombie has dropped its nsproxy: only the pid and user links still resolve.
                if p.is_zombie() && !matches!(*link, "pid" | "user") {
                    continue;
                }
                let Some(inode) = p.ns.get(link) else {
                    continue;
                };
                let kind = link.trim_end_matches("_for_children");
                w.symlink(&format!("{dir}/ns/{link}"), &format!("{kind}:[{inode}]"))?;
            }
        }
        Ok(())
    }

    fn write_cgroups(&self, w: &Writer) -> Result<(), WriteError> {
        for h in self.cgroups.hierarchies() {
            let index = self.index(&h);
            for path in &index.dirs {
                let dir = if path == "/" {
                    h.mount_dir.clone()
                } else {
                    format!("{}{}", h.mount_dir, path)
                };
                w.dir(&dir)?;
                for (name, text) in control_files(self, &h, &index, path) {
                    w.file(&format!("{dir}/{name}"), text)?;
                }
            }
            if let Some(v1) = &h.v1 {
                for alias in &v1.aliases {
                    w.symlink(&format!("sys/fs/cgroup/{alias}"), &v1.dir)?;
                }
            }
        }
        Ok(())
    }
}

fn lines(lines: &[String]) -> String {
    let mut s = lines.join("\n");
    s.push('\n');
    s
}
