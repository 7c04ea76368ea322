//! The floor: opens and reads exactly the files the collector copies (per-process files,
//! namespace link targets, cgroup control files, node files) under a root, on one thread, and
//! keeps nothing. The kernel's cost of producing those bytes is what no collector can beat;
//! the collector's time over this one is its own overhead.

use nodesnap_format::{
    CGROUP_FILES, CGROUP_ROOT, IDENTITY_FILES, NAMESPACE_LINKS, NODE_FILES, PROCESS_FILES,
};
use std::fs::{self, File};
use std::io::Read;
use std::path::Path;

/// What one pass read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FloorCount {
    pub processes: u64,
    pub cgroup_dirs: u64,
    /// Files opened and read to the end.
    pub files: u64,
    /// Namespace links read.
    pub links: u64,
    pub bytes: u64,
}

/// Reads everything once. Files that vanish or refuse are skipped, as a process may exit
/// between listing and reading.
pub fn read_all(root: &Path) -> FloorCount {
    let mut count = FloorCount::default();
    let mut buffer = Vec::with_capacity(64 * 1024);
    for rel in NODE_FILES.iter().chain(IDENTITY_FILES) {
        read_into(&root.join(rel), &mut buffer, &mut count);
    }
    if let Ok(entries) = fs::read_dir(root.join("proc")) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            count.processes += 1;
            let dir = entry.path();
            for file in PROCESS_FILES {
                read_into(&dir.join(file), &mut buffer, &mut count);
            }
            let ns_dir = dir.join("ns");
            for link in NAMESPACE_LINKS {
                if let Ok(target) = fs::read_link(ns_dir.join(link)) {
                    count.links += 1;
                    count.bytes += target.as_os_str().len() as u64;
                }
            }
        }
    }
    walk_cgroups(&root.join(CGROUP_ROOT), &mut buffer, &mut count);
    count
}

fn walk_cgroups(dir: &Path, buffer: &mut Vec<u8>, count: &mut FloorCount) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    count.cgroup_dirs += 1;
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk_cgroups(&entry.path(), buffer, count);
        } else if kind.is_file() {
            let name = entry.file_name();
            if name
                .to_str()
                .is_some_and(|name| CGROUP_FILES.contains(&name))
            {
                read_into(&entry.path(), buffer, count);
            }
        }
    }
}

fn read_into(path: &Path, buffer: &mut Vec<u8>, count: &mut FloorCount) {
    buffer.clear();
    let Ok(mut file) = File::open(path) else {
        return;
    };
    if file.read_to_end(buffer).is_ok() {
        count.files += 1;
        count.bytes += buffer.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_process_files_links_and_only_known_cgroup_files_under_a_root() {
        let root = std::env::temp_dir().join(format!("nodesnap-floor-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let proc_dir = root.join("proc/42");
        fs::create_dir_all(proc_dir.join("ns")).unwrap();
        fs::create_dir_all(root.join("proc/self")).unwrap();
        for file in PROCESS_FILES {
            fs::write(proc_dir.join(file), "x\n").unwrap();
        }
        std::os::unix::fs::symlink("net:[4026531840]", proc_dir.join("ns/net")).unwrap();
        let cgroup = root.join("sys/fs/cgroup/kubepods/pod1");
        fs::create_dir_all(&cgroup).unwrap();
        fs::write(cgroup.join("cgroup.procs"), "42\n").unwrap();
        fs::write(cgroup.join("memory.numa_stat"), "not copied\n").unwrap();

        let count = read_all(&root);
        fs::remove_dir_all(&root).unwrap();

        assert_eq!(count.processes, 1);
        assert_eq!(count.links, 1);
        assert_eq!(count.cgroup_dirs, 3);
        assert_eq!(count.files, PROCESS_FILES.len() as u64 + 1);
        assert_eq!(count.bytes, 2 * PROCESS_FILES.len() as u64 + 16 + 3);
    }
}
