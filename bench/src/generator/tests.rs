//! The generator writes what the format says a snapshot is: read back with a plain tar reader
//! and the format's bundle decoder, the manifest's counts match the entries, every process has
//! its files, and every cgroup directory is one bundle.

use super::*;
use flate2::read::GzDecoder;
use nodesnap_format::{NAMESPACE_LINKS, PROCESS_FILES};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

struct ReadBack {
    /// Files by archive path, bundle records expanded to `<dir>/<name>`.
    files: BTreeMap<String, Vec<u8>>,
    /// Directories that came as a bundle.
    bundles: BTreeSet<String>,
    /// Tar entries as written.
    entries: u64,
    top: String,
}

fn generate(processes: u64, layout: CgroupLayout, name: &str) -> (Generated, ReadBack, Vec<u8>) {
    let dir = std::env::temp_dir().join(format!("nodesnap-gen-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.tar.gz"));
    let spec = NodeSpec::with_processes(processes, layout).unwrap();
    let generated = write_snapshot(&spec, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    let mut archive = tar::Archive::new(GzDecoder::new(bytes.as_slice()));
    let mut files = BTreeMap::new();
    let mut bundles = BTreeSet::new();
    let mut entries = 0;
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        entries += 1;
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        assert!(
            !entry.header().entry_type().is_dir(),
            "format 2 has no dir entries: {path}"
        );
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        if let Some(dir) = path.strip_suffix(&format!("/{BUNDLE_FILE}")) {
            assert!(bundles.insert(dir.to_string()), "two bundles for {dir}");
            for record in bundle::records(&data) {
                let record = record.unwrap();
                let name = std::str::from_utf8(&data[record.name]).unwrap();
                let file = format!("{dir}/{name}");
                let content = data[record.content].to_vec();
                assert!(
                    files.insert(file.clone(), content).is_none(),
                    "duplicate {file}"
                );
            }
        } else {
            assert!(
                files.insert(path.clone(), data).is_none(),
                "duplicate {path}"
            );
        }
    }
    (
        generated,
        ReadBack {
            files,
            bundles,
            entries,
            top: name.to_string(),
        },
        bytes,
    )
}

fn text(read: &ReadBack, rel: &str) -> String {
    let bytes = read
        .files
        .get(&format!("{}/{rel}", read.top))
        .unwrap_or_else(|| panic!("missing {rel}"));
    String::from_utf8(bytes.clone()).unwrap()
}

#[test]
fn counts_in_the_manifest_match_the_entries_for_both_layouts() {
    for layout in [CgroupLayout::V2Systemd, CgroupLayout::V1Cgroupfs] {
        let (generated, read, _) = generate(50, layout, &format!("counts-{}", layout.as_str()));
        let manifest: Manifest = serde_yaml::from_str(&text(&read, MANIFEST_PATH)).unwrap();
        assert_eq!(manifest.format_version, FORMAT_VERSION);
        let root_files = read
            .files
            .keys()
            .filter(|p| p.starts_with(&format!("{}/root/", read.top)))
            .count();
        assert_eq!(manifest.counts.files, root_files as u64, "{layout:?}");
        let cgroup_bundles = read
            .bundles
            .iter()
            .filter(|d| d.starts_with(&format!("{}/root/sys/fs/cgroup", read.top)))
            .count();
        assert_eq!(manifest.counts.cgroups, cgroup_bundles as u64, "{layout:?}");
        let content: u64 = read
            .files
            .iter()
            .filter(|(p, _)| p.starts_with(&format!("{}/root/", read.top)))
            .map(|(_, d)| d.len() as u64)
            .sum();
        assert_eq!(manifest.counts.bytes, content);
        assert_eq!(generated.entries, read.entries);

        let pids: BTreeSet<&str> = read
            .files
            .keys()
            .filter_map(|p| p.strip_prefix(&format!("{}/root/proc/", read.top)))
            .filter_map(|rest| rest.split_once('/').map(|(pid, _)| pid))
            .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        assert_eq!(pids.len() as u64, manifest.counts.processes, "{layout:?}");
        assert_eq!(manifest.counts.processes, 8 + 10 * PROCESSES_PER_POD);
        for pid in &pids {
            for file in PROCESS_FILES.iter().chain([&NAMESPACE_LINKS_FILE]) {
                assert!(
                    read.files
                        .contains_key(&format!("{}/root/proc/{pid}/{file}", read.top)),
                    "{pid}/{file}"
                );
            }
        }
        let metadata: RuntimeMetadata = serde_json::from_str(&text(&read, METADATA_PATH)).unwrap();
        assert_eq!(metadata.containers.len(), 30);
        assert_eq!(metadata.pod_log_dirs.len(), 10);
        assert_eq!(generated.pods, 10);
    }
}

#[test]
fn every_cgroup_directory_is_one_bundle_holding_its_procs_and_no_file_is_outside_one() {
    for layout in [CgroupLayout::V2Systemd, CgroupLayout::V1Cgroupfs] {
        let (_, read, _) = generate(25, layout, &format!("dirs-{}", layout.as_str()));
        let prefix = format!("{}/root/sys/fs/cgroup/", read.top);
        let cgroup_files: Vec<&String> = read
            .files
            .keys()
            .filter(|p| p.starts_with(&prefix))
            .collect();
        assert!(!cgroup_files.is_empty());
        for file in cgroup_files {
            let (parent, _) = file.rsplit_once('/').unwrap();
            assert!(read.bundles.contains(parent), "{file} is not in a bundle");
        }
        for dir in read.bundles.iter().filter(|d| d.starts_with(&prefix)) {
            assert!(
                read.files.contains_key(&format!("{dir}/cgroup.procs")),
                "{dir}"
            );
        }
    }
}

#[test]
fn every_cgroup_file_is_one_the_collector_copies_and_v1_keeps_to_its_controllers() {
    for layout in [CgroupLayout::V2Systemd, CgroupLayout::V1Cgroupfs] {
        let (_, read, _) = generate(25, layout, &format!("files-{}", layout.as_str()));
        let prefix = format!("{}/root/sys/fs/cgroup/", read.top);
        let mut seen = 0;
        for file in read.files.keys().filter(|p| p.starts_with(&prefix)) {
            let (dir, name) = file.rsplit_once('/').unwrap();
            assert!(
                CGROUP_FILES.contains(&name),
                "{file} is not in CGROUP_FILES"
            );
            if layout == CgroupLayout::V1Cgroupfs {
                // A v1 directory holds only its hierarchy's controllers' files and cgroup.procs.
                let hierarchy = dir[prefix.len()..].split('/').next().unwrap();
                let controller = name.split('.').next().unwrap();
                assert!(
                    name == "cgroup.procs" || hierarchy.split(',').any(|c| c == controller),
                    "{file}"
                );
            }
            seen += 1;
        }
        assert!(seen > 25, "{seen} cgroup files");
    }
}

#[test]
fn every_pod_process_is_listed_in_exactly_one_cgroup_procs_per_hierarchy() {
    let (_, read, _) = generate(50, CgroupLayout::V2Systemd, "procs");
    let mut listed: BTreeMap<u64, u32> = BTreeMap::new();
    for (path, data) in &read.files {
        if path.ends_with("/cgroup.procs") {
            for line in String::from_utf8(data.clone()).unwrap().lines() {
                *listed.entry(line.parse().unwrap()).or_default() += 1;
            }
        }
    }
    assert_eq!(listed.len() as u64, 8 + 10 * PROCESSES_PER_POD);
    assert!(listed.values().all(|n| *n == 1), "{listed:?}");
}

#[test]
fn containers_of_a_pod_share_net_ipc_uts_with_the_pause_and_keep_their_own_pid_and_mnt() {
    let (_, read, _) = generate(5, CgroupLayout::V2Systemd, "ns");
    let links = |pid: u64| -> BTreeMap<String, String> {
        text(&read, &format!("root/proc/{pid}/ns"))
            .lines()
            .map(|line| {
                let (name, target) = line.split_once(' ').unwrap();
                (name.to_string(), target.to_string())
            })
            .collect()
    };
    let [shim, pause, app, worker, sidecar] = pod_pids(0);
    assert_eq!(links(pause).len(), NAMESPACE_LINKS.len());
    for kind in ["net", "ipc", "uts"] {
        assert_eq!(links(app)[kind], links(pause)[kind]);
        assert_eq!(links(sidecar)[kind], links(pause)[kind]);
        assert_ne!(links(pause)[kind], links(shim)[kind]);
    }
    for kind in ["pid", "mnt"] {
        assert_ne!(links(app)[kind], links(pause)[kind]);
        assert_ne!(links(app)[kind], links(sidecar)[kind]);
        assert_eq!(links(app)[kind], links(worker)[kind]);
    }
    assert_eq!(links(shim)["net"], "net:[4026531840]");
}

#[test]
fn the_same_spec_gives_the_same_bytes() {
    let (_, _, first) = generate(15, CgroupLayout::V1Cgroupfs, "same-a");
    let (_, _, second) = generate(15, CgroupLayout::V1Cgroupfs, "same-a");
    assert_eq!(first, second);
}

#[test]
fn fewer_processes_than_one_pod_is_an_error() {
    assert!(matches!(
        NodeSpec::with_processes(4, CgroupLayout::V2Systemd),
        Err(GenerateError::TooSmall { processes: 4 })
    ));
    assert_eq!(
        NodeSpec::with_processes(100_000, CgroupLayout::V2Systemd)
            .unwrap()
            .pods,
        20_000
    );
}

#[test]
fn the_later_node_remade_only_the_restarted_containers_and_the_replaced_pods() {
    let first = Moment::First;
    let later = Moment::Later;
    for pod in 0..200 {
        let replaced = pod % 50 == 21;
        let restarted = pod % 10 == 4;
        assert_eq!(
            later.pod_uid(pod) != first.pod_uid(pod),
            replaced,
            "pod {pod}"
        );
        let (old_ids, new_ids) = (first.container_ids(pod), later.container_ids(pod));
        for slot in 0..3 {
            let remade = replaced || (restarted && slot == 1);
            assert_eq!(
                old_ids[slot] != new_ids[slot],
                remade,
                "pod {pod} slot {slot}"
            );
        }
        let (old_pids, new_pids) = (first.pod_pids(pod), later.pod_pids(pod));
        assert_eq!(old_pids, pod_pids(pod));
        for (i, (old, new)) in old_pids.iter().zip(new_pids).enumerate() {
            let remade = replaced || (restarted && (i == 2 || i == 3));
            assert_eq!(*old != new, remade, "pod {pod} process {i}");
            assert!(new < 4_194_304, "pid {new} above the node's pid_max");
        }
    }
    let spec = NodeSpec::with_processes(250, CgroupLayout::V2Systemd).unwrap();
    let dir = std::env::temp_dir().join(format!("nodesnap-gen-{}-later", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = (dir.join("a.tar.gz"), dir.join("b.tar.gz"));
    let first_written = write_snapshot(&spec, &a).unwrap();
    let later_written = write_snapshot_at(&spec, Moment::Later, &b).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(first_written.processes, later_written.processes);
    assert_eq!(first_written.cgroups, later_written.cgroups);
}
