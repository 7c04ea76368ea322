//! The scene's cgroups: finding the mounted hierarchies, creating directories with limits, and
//! removing exactly the directories the scene created.

use super::procfs::{CgroupLine, CgroupMount};
use super::SceneError;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::ErrorKind;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

/// A mounted hierarchy the scene uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hierarchy {
    /// The id in /proc/<pid>/cgroup (0 for v2).
    pub hierarchy_id: u32,
    /// As /proc/<pid>/cgroup lists them (`memory`, `name=systemd`); empty for v2.
    pub controllers: String,
    pub mount_point: PathBuf,
}

impl Hierarchy {
    pub fn is_v2(&self) -> bool {
        self.controllers.is_empty()
    }

    pub fn has_controller(&self, name: &str) -> bool {
        self.controllers.split(',').any(|c| c == name)
    }

    /// A readable name: the controllers, or `unified` for v2.
    pub fn label(&self) -> &str {
        if self.is_v2() {
            "unified"
        } else {
            &self.controllers
        }
    }

    /// The directory of a cgroup path such as `/kubepods/burstable`.
    pub fn dir(&self, cgroup: &str) -> PathBuf {
        self.mount_point.join(cgroup.trim_start_matches('/'))
    }

    pub fn procs_file(&self, cgroup: &str) -> PathBuf {
        self.dir(cgroup).join("cgroup.procs")
    }
}

/// A hierarchy the scene left alone, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedHierarchy {
    pub controllers: String,
    pub reason: String,
}

/// Pairs each line of the caller's /proc/self/cgroup with its mount: a v1 line matches the
/// mount whose options hold all of its controllers.
pub fn match_hierarchies(
    lines: &[CgroupLine],
    mounts: &[CgroupMount],
) -> (Vec<Hierarchy>, Vec<SkippedHierarchy>) {
    let mut used = Vec::new();
    let mut skipped = Vec::new();
    for line in lines {
        let mount = if line.controllers.is_empty() {
            mounts.iter().find(|m| m.v2)
        } else {
            mounts.iter().find(|m| {
                !m.v2
                    && line
                        .controllers
                        .split(',')
                        .all(|c| m.options.iter().any(|o| o == c))
            })
        };
        match mount {
            Some(mount) => used.push(Hierarchy {
                hierarchy_id: line.hierarchy_id,
                controllers: line.controllers.clone(),
                mount_point: mount.mount_point.clone(),
            }),
            None => skipped.push(SkippedHierarchy {
                controllers: line.controllers.clone(),
                reason: "listed in /proc/self/cgroup but not mounted".to_string(),
            }),
        }
    }
    (used, skipped)
}

/// The cgroup directories one scene created, in creation order (parents first).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct CreatedDirs {
    pub dirs: Vec<PathBuf>,
}

impl CreatedDirs {
    /// Creates `cgroup` and any missing parent in `hierarchy`, remembering what it created.
    /// New cpuset cgroups start with no CPUs and no memory nodes, which refuses every task, so
    /// they get their parent's.
    pub fn ensure(&mut self, hierarchy: &Hierarchy, cgroup: &str) -> Result<(), SceneError> {
        let mut path = String::new();
        for part in cgroup.split('/').filter(|p| !p.is_empty()) {
            let parent = hierarchy.dir(&path);
            path.push('/');
            path.push_str(part);
            let dir = hierarchy.dir(&path);
            match fs::create_dir(&dir) {
                Ok(()) => {
                    self.dirs.push(dir.clone());
                    if hierarchy.has_controller("cpuset") {
                        for file in ["cpuset.cpus", "cpuset.mems"] {
                            let from = parent.join(file);
                            let value = fs::read_to_string(&from).map_err(|e| SceneError::io(&from, e))?;
                            write_file(&dir.join(file), value.trim())?;
                        }
                    }
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                Err(source) => return Err(SceneError::io(&dir, source)),
            }
        }
        Ok(())
    }

    /// Removes the directories deepest first. A cgroup stays busy for a moment after its last
    /// task is reaped, so EBUSY is retried until `patience` runs out; other errors are
    /// collected and the rest is still removed.
    pub fn remove_all(&mut self, patience: Duration) -> Vec<String> {
        let deadline = Instant::now() + patience;
        let mut problems = Vec::new();
        while let Some(dir) = self.dirs.pop() {
            loop {
                match fs::remove_dir(&dir) {
                    Ok(()) => break,
                    Err(e) if e.kind() == ErrorKind::NotFound => break,
                    Err(e) if e.raw_os_error() == Some(libc::EBUSY) && Instant::now() < deadline => {
                        thread::sleep(Duration::from_millis(10));
                    }
                    Err(e) => {
                        problems.push(format!("{}: {e}", dir.display()));
                        break;
                    }
                }
            }
        }
        problems
    }
}

pub fn write_file(path: &std::path::Path, value: &str) -> Result<(), SceneError> {
    fs::write(path, value).map_err(|source| SceneError::io(path, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: u32, controllers: &str) -> CgroupLine {
        CgroupLine {
            hierarchy_id: id,
            controllers: controllers.to_string(),
            path: "/".to_string(),
        }
    }

    fn mount(point: &str, options: &[&str], v2: bool) -> CgroupMount {
        CgroupMount {
            mount_point: PathBuf::from(point),
            options: options.iter().map(|o| o.to_string()).collect(),
            v2,
        }
    }

    #[test]
    fn lines_match_mounts_by_controllers_and_unmounted_ones_are_skipped() {
        let mounts = [
            mount("/cg/cpu,cpuacct", &["rw", "cpu", "cpuacct"], false),
            mount("/cg/systemd", &["rw", "name=systemd"], false),
            mount("/cg/unified", &[], true),
        ];
        let lines = [line(3, "cpu,cpuacct"), line(9, "name=systemd"), line(0, ""), line(5, "pids")];
        let (used, skipped) = match_hierarchies(&lines, &mounts);
        let points: Vec<_> = used.iter().map(|h| h.mount_point.to_str().unwrap()).collect();
        assert_eq!(points, ["/cg/cpu,cpuacct", "/cg/systemd", "/cg/unified"]);
        assert!(used[2].is_v2());
        assert_eq!(used[2].label(), "unified");
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].controllers, "pids");
    }

    #[test]
    fn created_dirs_are_removed_deepest_first_and_preexisting_ones_kept() {
        let root = std::env::temp_dir().join(format!("nodesnap-cgroups-test-{}", std::process::id()));
        fs::create_dir_all(root.join("kubepods")).unwrap();
        let hierarchy = Hierarchy {
            hierarchy_id: 4,
            controllers: "memory".to_string(),
            mount_point: root.clone(),
        };
        let mut created = CreatedDirs::default();
        created.ensure(&hierarchy, "/kubepods/burstable/podx").unwrap();
        assert_eq!(created.dirs.len(), 2, "kubepods existed before");
        assert!(root.join("kubepods/burstable/podx").is_dir());
        let problems = created.remove_all(Duration::from_millis(100));
        assert!(problems.is_empty(), "{problems:?}");
        assert!(!root.join("kubepods/burstable").exists());
        assert!(root.join("kubepods").is_dir());
        fs::remove_dir_all(&root).unwrap();
    }
}
