//! The limits the collector and the analyzer share (the format crate's): a cgroup tree deeper
//! than a snapshot name may be long, collected by the collector and loaded by the analyzer,
//! leaves one collector gap and no entry the analyzer calls unreadable.

use crate::util::TempDir;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// `levels` nested directories named `name` below `base`, made one `mkdirat` at a time because
/// the whole path is longer than PATH_MAX.
fn make_deep(base: &Path, levels: usize, name: &str) {
    std::fs::create_dir_all(base).unwrap();
    let base = CString::new(base.as_os_str().as_bytes()).unwrap();
    let name = CString::new(name).unwrap();
    // SAFETY: descriptor calls on valid NUL-terminated paths; each result is checked.
    unsafe {
        let mut dir = libc::open(base.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
        assert!(dir >= 0);
        for _ in 0..levels {
            assert_eq!(libc::mkdirat(dir, name.as_ptr(), 0o755), 0);
            let next = libc::openat(dir, name.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY);
            assert!(next >= 0);
            libc::close(dir);
            dir = next;
        }
        libc::close(dir);
    }
}

#[test]
fn a_cgroup_tree_past_the_name_limit_is_one_collector_gap_and_no_analyzer_gap() {
    let node = TempDir::new("name-limit-node");
    let root = node.path();
    std::fs::create_dir_all(root.join("proc")).unwrap();
    make_deep(&root.join("sys/fs/cgroup/memory"), 30, &"n".repeat(150));
    let out = TempDir::new("name-limit-out");
    let target = out.path().join("snap.tar.gz");
    let mut config = collector::Config::new(
        root.to_path_buf(),
        collector::OutputTarget::Path(target.clone()),
    );
    config.timeout = std::time::Duration::from_secs(60);
    collector::collect(&config, &mut |_| {}).unwrap();
    let snapshot = analyzer::snapshot::load(&target).unwrap();
    let too_long: Vec<_> = snapshot
        .manifest
        .gaps
        .iter()
        .filter(|g| {
            g.detail
                .as_deref()
                .is_some_and(|d| d.contains("over the format's limit"))
        })
        .collect();
    assert_eq!(too_long.len(), 1, "{:?}", snapshot.manifest.gaps);
    assert_eq!(too_long[0].reason, nodesnap_format::GapReason::Error);
    assert!(
        snapshot.load_gaps.is_empty(),
        "the analyzer refused what the collector wrote: {:?}",
        snapshot.load_gaps
    );
    // The collector stopped exactly at the limit: the gap's directory would pass it, its parent
    // did not and is there, and nothing below the gap was walked.
    let stop = too_long[0].path.as_str();
    let parent = stop.rsplit_once('/').unwrap().0;
    assert!(snapshot.has_dir(parent), "{parent} was not collected");
    assert!(!snapshot.has_dir(stop));
    assert_eq!(snapshot.dirs_under(stop).count(), 0);
    let limit = nodesnap_format::MAX_ENTRY_NAME_BYTES;
    // The node has no hostname file: the top directory is `nodesnap-unknown-<yyyymmddThhmmssZ>`.
    let top = "nodesnap-unknown-20260101T000000Z";
    let name_len = |dir: &str| nodesnap_format::bundle_entry_name_len(top, dir);
    assert!(name_len(parent) <= limit && name_len(stop) > limit);
}
