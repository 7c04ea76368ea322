//! Lists the runtime directories that discovery names (and the defaults every node is read
//! for) and turns what is there into the reads of container records: containerd task bundles,
//! docker's configs, containers/storage's `containers.json` and userdata of CRI-O and podman,
//! and the kubelet's log directories that give pods their names.
//!
//! Each directory is listed once whatever its spelling (`/var/run` is `/run`), and each file is
//! read once, however many daemons or conmon processes name it.

use crate::discovery::{self, RuntimeDir};
use crate::fsread::{self, EntryKind};
use crate::pool::{FileRead, MetaFile, Purpose};
use nodesnap_format::{ContainerLogLink, Gap, GapReason, PodLogDir, RecordSource, RuntimeMetadata};
use std::collections::HashMap;
use std::io;
use std::os::fd::{AsRawFd, RawFd};

/// Largest runtime config read; Docker's config.v2.json holds the environment, which can be big,
/// and containers.json one entry per container of the node.
pub const MAX_META_FILE_BYTES: u64 = 4 << 20;

/// The containerd task roots under a state directory: the v2 runtime's and the v1 linux one's.
const TASK_DIRS: &[&str] = &[
    "io.containerd.runtime.v2.task",
    "io.containerd.runtime.v1.linux",
];
pub const POD_LOG_DIR: &str = "var/log/pods";
pub const CONTAINER_LOG_DIR: &str = "var/log/containers";

/// The paths (relative to the root) read on every node whatever its processes say; a
/// deployment that mounts less hides them (tests/tests/deploy.rs checks the DaemonSet).
pub fn default_read_paths() -> Vec<String> {
    let mut paths: Vec<String> = discovery::default_dirs()
        .iter()
        .flat_map(|dir| match dir {
            RuntimeDir::ContainerdState(state) => TASK_DIRS
                .iter()
                .map(|task| format!("{}/{task}", relative(state)))
                .collect(),
            RuntimeDir::DockerDataRoot(root) => vec![format!("{}/containers", relative(root))],
            RuntimeDir::StorageRoot(root) | RuntimeDir::StorageRunRoot(root) => {
                vec![relative(root).to_string()]
            }
            RuntimeDir::Bundle { dir, .. } => vec![relative(dir).to_string()],
        })
        .collect();
    paths.push(POD_LOG_DIR.to_string());
    paths.push(CONTAINER_LOG_DIR.to_string());
    paths
}

/// A node path relative to the collection root.
fn relative(path: &str) -> &str {
    path.trim_start_matches('/')
}

fn gap(path: impl Into<String>, reason: GapReason, detail: Option<String>) -> Gap {
    Gap {
        path: path.into(),
        reason,
        detail,
    }
}

fn reason_of(error: &io::Error) -> GapReason {
    match error.raw_os_error() {
        Some(libc::EACCES) | Some(libc::EPERM) => GapReason::PermissionDenied,
        Some(libc::ENOENT) => GapReason::NotFound,
        _ => GapReason::Error,
    }
}

/// Why a directory whose name is not UTF-8 is a gap.
const NOT_UTF8_DETAIL: &str =
    "name is not UTF-8 (bad bytes shown as \\xNN); snapshot names are UTF-8, so it and what is \
     below it are not collected";

/// The entries of a directory, sorted by name; `None` (and no gap) when it does not exist. A
/// name that is not UTF-8 is a gap: it could not be opened again from a lossy copy.
fn list_entries(root: RawFd, rel: &str, gaps: &mut Vec<Gap>) -> Option<Vec<fsread::DirEntry>> {
    let listed = fsread::open_beneath(root, rel, libc::O_RDONLY | libc::O_DIRECTORY, false)
        .and_then(|dir| {
            let mut entries = Vec::new();
            fsread::list_dir_with(&dir, |name, kind| match std::str::from_utf8(name) {
                Ok(name) => entries.push(fsread::DirEntry {
                    name: name.to_string(),
                    kind,
                }),
                Err(_) => gaps.push(gap(
                    format!("{rel}/{}", nodesnap_format::escape_non_utf8(name)),
                    GapReason::Error,
                    Some(NOT_UTF8_DETAIL.to_string()),
                )),
            })?;
            Ok(entries)
        });
    match listed {
        Ok(mut entries) => {
            // Names are unique within a directory, so an unstable sort gives the same order
            // without the stable sort's scratch allocation, once per pod and container dir.
            entries.sort_unstable_by(|a, b| a.name.cmp(&b.name));
            Some(entries)
        }
        Err(error) if error.raw_os_error() == Some(libc::ENOENT) => None,
        Err(error) => {
            gaps.push(gap(rel, reason_of(&error), Some(error.to_string())));
            None
        }
    }
}

fn dirs_in(entries: &[fsread::DirEntry]) -> impl Iterator<Item = &str> {
    entries
        .iter()
        .filter(|entry| entry.kind == EntryKind::Dir)
        .map(|entry| entry.name.as_str())
}

/// Whether `dir` holds a regular file `name`; one of another kind (a symlink, a FIFO) is a
/// `not_regular` gap and never opened.
fn has_file(entries: &[fsread::DirEntry], dir: &str, name: &str, gaps: &mut Vec<Gap>) -> bool {
    match entries.iter().find(|entry| entry.name == name) {
        Some(entry) if entry.kind == EntryKind::File => true,
        Some(entry) => {
            let what = match entry.kind {
                EntryKind::Symlink => "a symbolic link; never followed",
                EntryKind::Dir => "a directory",
                _ => "not a regular file; never opened",
            };
            gaps.push(gap(
                format!("{dir}/{name}"),
                GapReason::NotRegular,
                Some(what.to_string()),
            ));
            false
        }
        None => false,
    }
}

fn meta_read(rel: String, purpose: MetaFile) -> FileRead {
    FileRead {
        rel,
        cap: MAX_META_FILE_BYTES,
        follow_last: false,
        purpose: Purpose::Meta(purpose),
    }
}

/// The kubelet's log directories: pod directories and container log links, which name pods
/// and containers on every runtime.
pub fn list_logs(root: RawFd, metadata: &mut RuntimeMetadata, gaps: &mut Vec<Gap>) {
    if let Some(pods) = list_entries(root, POD_LOG_DIR, gaps) {
        for pod in dirs_in(&pods) {
            let containers = list_entries(root, &format!("{POD_LOG_DIR}/{pod}"), gaps)
                .map(|entries| dirs_in(&entries).map(str::to_string).collect())
                .unwrap_or_default();
            metadata.pod_log_dirs.push(PodLogDir {
                name: pod.to_string(),
                containers,
            });
        }
    }
    if let Some(links) = list_entries(root, CONTAINER_LOG_DIR, gaps) {
        if let Ok(dir) = fsread::open_beneath(
            root,
            CONTAINER_LOG_DIR,
            libc::O_RDONLY | libc::O_DIRECTORY,
            false,
        ) {
            for link in links.iter().filter(|e| e.kind == EntryKind::Symlink) {
                if let Ok(target) = fsread::read_link_at(dir.as_raw_fd(), &link.name) {
                    metadata.container_log_links.push(ContainerLogLink {
                        name: link.name.clone(),
                        target: String::from_utf8_lossy(&target).into_owned(),
                    });
                }
            }
        }
    }
}

/// Remembers what was listed and read, so that each directory and file is taken once.
#[derive(Default)]
pub struct RuntimeLister {
    /// Tens of directories per node: a list, not a set (each hash table type costs the static
    /// binary several KiB).
    listed: Vec<RuntimeDir>,
    /// Every file asked for, by canonical path (the map type the collection loop already uses).
    read: HashMap<String, usize>,
}

impl RuntimeLister {
    /// Lists `dir` unless it was listed before, and returns the reads it calls for.
    pub fn list(&mut self, root: RawFd, dir: &RuntimeDir, gaps: &mut Vec<Gap>) -> Vec<FileRead> {
        let dir = dir.canonical();
        if self.listed.contains(&dir) {
            return Vec::new();
        }
        self.listed.push(dir.clone());
        let mut reads = Vec::new();
        match &dir {
            RuntimeDir::ContainerdState(state) => {
                self.list_containerd_state(root, relative(state), gaps, &mut reads)
            }
            RuntimeDir::DockerDataRoot(data_root) => {
                self.list_docker(root, relative(data_root), gaps, &mut reads)
            }
            RuntimeDir::StorageRoot(storage) | RuntimeDir::StorageRunRoot(storage) => {
                self.list_storage(root, relative(storage), gaps, &mut reads)
            }
            RuntimeDir::Bundle { dir, pidfile } => {
                let rel = relative(dir);
                let id = bundle_id(rel);
                let config = format!("{rel}/config.json");
                self.push(
                    &mut reads,
                    meta_read(
                        config,
                        MetaFile::Oci {
                            source: RecordSource::CrioUserdata,
                            id: id.clone(),
                            runtime_namespace: None,
                        },
                    ),
                );
                if let Some(pidfile) = pidfile {
                    self.push(
                        &mut reads,
                        meta_read(relative(pidfile).to_string(), MetaFile::ContainerPid { id }),
                    );
                }
            }
        }
        reads
    }

    /// Adds a read unless the same file was already asked for.
    fn push(&mut self, reads: &mut Vec<FileRead>, read: FileRead) {
        let seen = self.read.len();
        let path = discovery::canonical(&format!("/{}", read.rel));
        if self.read.insert(path, seen).is_none() {
            reads.push(read);
        }
    }

    fn list_containerd_state(
        &mut self,
        root: RawFd,
        state: &str,
        gaps: &mut Vec<Gap>,
        reads: &mut Vec<FileRead>,
    ) {
        for task_dir in TASK_DIRS {
            let task_root = format!("{state}/{task_dir}");
            let Some(namespaces) = list_entries(root, &task_root, gaps) else {
                continue;
            };
            for namespace in dirs_in(&namespaces) {
                let ns_rel = format!("{task_root}/{namespace}");
                let Some(bundles) = list_entries(root, &ns_rel, gaps) else {
                    continue;
                };
                for id in dirs_in(&bundles) {
                    let bundle = format!("{ns_rel}/{id}");
                    let Some(files) = list_entries(root, &bundle, gaps) else {
                        continue;
                    };
                    if !has_file(&files, &bundle, "config.json", gaps) {
                        continue;
                    }
                    let config_path = format!("{bundle}/config.json");
                    self.push(
                        reads,
                        meta_read(
                            config_path.clone(),
                            MetaFile::Oci {
                                source: RecordSource::ContainerdTask,
                                id: id.to_string(),
                                runtime_namespace: Some(namespace.to_string()),
                            },
                        ),
                    );
                    if has_file(&files, &bundle, "init.pid", gaps) {
                        reads.push(meta_read(
                            format!("{bundle}/init.pid"),
                            MetaFile::Pid { config_path },
                        ));
                    }
                }
            }
        }
    }

    fn list_docker(
        &mut self,
        root: RawFd,
        data_root: &str,
        gaps: &mut Vec<Gap>,
        reads: &mut Vec<FileRead>,
    ) {
        let containers_dir = format!("{data_root}/containers");
        let Some(containers) = list_entries(root, &containers_dir, gaps) else {
            return;
        };
        for id in dirs_in(&containers) {
            let config_path = format!("{containers_dir}/{id}/config.v2.json");
            self.push(
                reads,
                meta_read(config_path.clone(), MetaFile::Docker { id: id.to_string() }),
            );
            reads.push(meta_read(
                format!("{containers_dir}/{id}/hostconfig.json"),
                MetaFile::DockerHost { config_path },
            ));
        }
    }

    /// A containers/storage graph root or run root: every `<driver>-containers` directory
    /// (overlay, vfs, btrfs...), its `containers.json`, and each container's userdata.
    fn list_storage(
        &mut self,
        root: RawFd,
        storage: &str,
        gaps: &mut Vec<Gap>,
        reads: &mut Vec<FileRead>,
    ) {
        let Some(drivers) = list_entries(root, storage, gaps) else {
            return;
        };
        for driver_dir in dirs_in(&drivers).filter(|name| name.ends_with("-containers")) {
            let containers_rel = format!("{storage}/{driver_dir}");
            let Some(entries) = list_entries(root, &containers_rel, gaps) else {
                continue;
            };
            if has_file(&entries, &containers_rel, "containers.json", gaps) {
                self.push(
                    reads,
                    meta_read(
                        format!("{containers_rel}/containers.json"),
                        MetaFile::ContainerStorage,
                    ),
                );
            }
            for id in dirs_in(&entries) {
                let userdata = format!("{containers_rel}/{id}/userdata");
                let Some(files) = list_entries(root, &userdata, gaps) else {
                    continue;
                };
                if has_file(&files, &userdata, "config.json", gaps) {
                    self.push(
                        reads,
                        meta_read(
                            format!("{userdata}/config.json"),
                            MetaFile::Oci {
                                source: RecordSource::CrioUserdata,
                                id: id.to_string(),
                                runtime_namespace: None,
                            },
                        ),
                    );
                }
                if has_file(&files, &userdata, "pidfile", gaps) {
                    self.push(
                        reads,
                        meta_read(
                            format!("{userdata}/pidfile"),
                            MetaFile::ContainerPid { id: id.to_string() },
                        ),
                    );
                }
            }
        }
    }
}

/// The container id of a bundle directory: `<...>/<id>/userdata` (containers/storage) or
/// `<...>/<id>`.
fn bundle_id(rel: &str) -> String {
    let trimmed = rel.trim_end_matches('/');
    let trimmed = trimmed.strip_suffix("/userdata").unwrap_or(trimmed);
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_is_named_by_the_directory_above_userdata() {
        assert_eq!(
            bundle_id("var/lib/containers/storage/overlay-containers/abc/userdata"),
            "abc"
        );
        assert_eq!(bundle_id("run/x/abc/"), "abc");
    }

    #[test]
    fn the_default_paths_cover_every_runtimes_default_place() {
        let paths = default_read_paths();
        for expected in [
            "run/containerd/io.containerd.runtime.v2.task",
            "run/containerd/io.containerd.runtime.v1.linux",
            "run/k3s/containerd/io.containerd.runtime.v2.task",
            "var/lib/docker/containers",
            "var/lib/containers/storage",
            "run/containers/storage",
            POD_LOG_DIR,
            CONTAINER_LOG_DIR,
        ] {
            assert!(
                paths.iter().any(|p| p == expected),
                "{expected} in {paths:?}"
            );
        }
    }
}
