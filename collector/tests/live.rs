//! Collecting the machine the tests run on: the snapshot holds this test process with its real
//! cgroup lines and namespace link targets.

use crate::support::*;
use std::fs;
use std::path::Path;

#[test]
fn live_snapshot_holds_this_process_with_real_cgroups_and_namespaces() {
    nodesnap_testing::require!(
        Path::new("/proc/self/ns").exists(),
        "needs /proc with namespace links"
    );
    let (snap, _) = collect_ok(Path::new("/"), &["--timeout", "120", "--no-nice"]);
    let pid = std::process::id();
    let cgroup = fs::read(format!("/proc/{pid}/cgroup")).unwrap();
    assert_eq!(snap.files[&format!("proc/{pid}/cgroup")], cgroup);
    let ns_text = snap.text(&format!("proc/{pid}/ns"));
    let mut expected_links = 0;
    for entry in fs::read_dir(format!("/proc/{pid}/ns")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let target = fs::read_link(entry.path()).unwrap();
        let line = format!("{name} {}", target.display());
        assert!(
            ns_text.lines().any(|l| l == line),
            "{line} not in {ns_text}"
        );
        expected_links += 1;
    }
    assert_eq!(ns_text.lines().count(), expected_links);
    let hostname = fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(snap.manifest.hostname.as_deref(), Some(hostname.trim()));
    let collector_pid = snap
        .manifest
        .collector_pid
        .expect("collector pid on a live root");
    assert_ne!(collector_pid, pid);
    assert!(snap.manifest.counts.processes >= 3);
    assert!(snap.dirs.contains("sys/fs/cgroup"));
    // Every cgroup line of this process names a directory that the snapshot holds.
    for line in String::from_utf8_lossy(&cgroup).lines() {
        let mut fields = line.splitn(3, ':');
        let (_, controllers, path) = (
            fields.next(),
            fields.next().unwrap(),
            fields.next().unwrap(),
        );
        let hierarchy = if controllers.is_empty() {
            "unified".to_string()
        } else {
            controllers.trim_start_matches("name=").to_string()
        };
        let dir = format!("sys/fs/cgroup/{hierarchy}{}", path.trim_end_matches('/'));
        if Path::new("/").join(&dir).is_dir() {
            assert!(snap.dirs.contains(&dir), "{dir} missing");
        }
    }
}
