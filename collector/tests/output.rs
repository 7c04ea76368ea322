//! `-o PATH` on the real filesystem: the collector replaces only a regular file with one link or
//! takes a new name. Devices, FIFOs, sockets, directories, symlinks and hard-linked files are
//! refused before any collection work, and again at the rename when one is swapped in while the
//! collector runs; the refused object is left exactly as it was.

use crate::support::*;
use nodesnap_testing::{is_root, require};
use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A character device node (major, minor) at `path`, as root can make one anywhere.
fn mknod_char(path: &Path, major: u32, minor: u32) {
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: valid path; the result is checked.
    let result = unsafe {
        libc::mknod(
            c.as_ptr(),
            libc::S_IFCHR | 0o666,
            libc::makedev(major, minor),
        )
    };
    assert_eq!(result, 0, "mknod {}", path.display());
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// What is at `path`, as `ls -l` would tell it, with the device numbers for a device.
fn describe(path: &Path) -> String {
    match fs::symlink_metadata(path) {
        Err(_) => "absent".to_string(),
        Ok(m) => {
            let t = m.file_type();
            let kind = if t.is_symlink() {
                format!("symlink to {}", fs::read_link(path).unwrap().display())
            } else if t.is_dir() {
                "directory".to_string()
            } else if t.is_fifo() {
                "fifo".to_string()
            } else if t.is_socket() {
                "socket".to_string()
            } else if t.is_char_device() {
                format!("char device {:x}", m.rdev())
            } else if t.is_file() {
                format!("file of {} bytes, {} links", m.len(), m.nlink())
            } else {
                "other".to_string()
            };
            format!("{kind}, inode {}", m.ino())
        }
    }
}

/// Temporary files the collector would have left beside `target`.
fn leftovers(target: &Path) -> Vec<String> {
    let name = target.file_name().unwrap().to_string_lossy().into_owned();
    let dir = target.parent().unwrap();
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!(".{name}.partial-")))
        .collect()
}

/// Runs the collector on a root that does not exist: the output check comes first, so the
/// refusal must be what it reports.
fn refused_before_any_work(target: &Path, what: &str) {
    let before = describe(target);
    let (output, _) = run_collector(
        &[
            "--root",
            "/nonexistent-nodesnap-root",
            "-o",
            target.to_str().unwrap(),
        ],
        None,
        Duration::from_secs(20),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}: {stderr}",
        target.display()
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "collector: refusing to write {}: it is {what};",
            target.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("nonexistent-nodesnap-root"), "{stderr}");
    assert_eq!(describe(target), before, "{} changed", target.display());
    assert!(leftovers(target).is_empty(), "{:?}", leftovers(target));
}

#[test]
fn dev_null_and_dev_full_are_refused_and_stay_devices() {
    refused_before_any_work(Path::new("/dev/null"), "a character device");
    refused_before_any_work(Path::new("/dev/full"), "a character device");
}

#[test]
fn fifos_sockets_directories_symlinks_and_hard_linked_files_are_refused_untouched() {
    let dir = TempDir::new("out-refused");
    let fifo = dir.path.join("fifo.tar.gz");
    mkfifo(&fifo);
    refused_before_any_work(&fifo, "a FIFO");
    let socket = dir.path.join("socket.tar.gz");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    refused_before_any_work(&socket, "a socket");
    refused_before_any_work(&dir.path, "a directory");
    let precious = dir.path.join("precious");
    fs::write(&precious, "keep me").unwrap();
    let link = dir.path.join("link.tar.gz");
    symlink(&precious, &link).unwrap();
    refused_before_any_work(&link, "a symbolic link");
    let dangling = dir.path.join("dangling.tar.gz");
    symlink(dir.path.join("would-be-created"), &dangling).unwrap();
    refused_before_any_work(&dangling, "a symbolic link");
    assert!(!dir.path.join("would-be-created").exists());
    let linked = dir.path.join("linked.tar.gz");
    fs::hard_link(&precious, &linked).unwrap();
    refused_before_any_work(&linked, "a regular file with 2 hard links");
    assert_eq!(fs::read_to_string(&precious).unwrap(), "keep me");
}

#[test]
fn a_device_node_made_with_mknod_is_refused_and_stays_a_device() {
    require!(is_root(), "needs root to make a device node with mknod");
    let dir = TempDir::new("out-mknod");
    let node = dir.path.join("snap.tar.gz");
    mknod_char(&node, 1, 7); // /dev/full's numbers
    refused_before_any_work(&node, "a character device");
}

#[test]
fn a_regular_file_is_replaced_and_a_new_name_created_mode_0600() {
    let tree = small_node("out-regular");
    let dir = TempDir::new("out-regular-dir");
    let existing = dir.path.join("old.tar.gz");
    fs::write(&existing, "an older snapshot").unwrap();
    let new = dir.path.join("new.tar.gz");
    for target in [&existing, &new] {
        let (output, _) = run_collector(
            &[
                "--root",
                tree.root().to_str().unwrap(),
                "-o",
                target.to_str().unwrap(),
            ],
            None,
            Duration::from_secs(30),
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let snap = read_snapshot(target);
        assert!(snap.files.contains_key("proc/1/stat"));
        assert_eq!(fs::metadata(target).unwrap().mode() & 0o777, 0o600);
    }
    assert_eq!(dir.entries(), ["new.tar.gz", "old.tar.gz"]);
}

/// What a test puts at the target while the collector is busy, before its rename.
fn swap_in(target: &Path, what: &str) {
    let _ = fs::remove_file(target);
    match what {
        "fifo" => mkfifo(target),
        "symlink" => symlink("/etc/hostname", target).unwrap(),
        "device" => mknod_char(target, 1, 3),
        "directory" => fs::create_dir(target).unwrap(),
        other => panic!("{other}"),
    }
}

/// Starts a collection that spends about 1.5 s on a FIFO, swaps `what` in at the target while it
/// runs, and checks that the collector refused at the rename and left it there untouched.
fn swapped_in_during_the_run_is_not_replaced(target_existed: bool, what: &str) {
    let tree = small_node("out-swap");
    tree.fifo("proc/812/cmdline");
    let dir = TempDir::new("out-swap-dir");
    let target: PathBuf = dir.path.join("snap.tar.gz");
    if target_existed {
        fs::write(&target, "an older snapshot").unwrap();
    }
    let child = Command::new(env!("CARGO_BIN_EXE_collector"))
        .args(["--root", tree.root().to_str().unwrap(), "-o"])
        .arg(&target)
        .args(["--read-timeout-ms", "1500", "-q"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(
        leftovers(&target).len(),
        1,
        "the temporary file exists mid-run"
    );
    swap_in(&target, what);
    let swapped = describe(&target);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{what}: {stderr}");
    assert!(stderr.contains("refusing to write"), "{stderr}");
    assert_eq!(describe(&target), swapped, "{what} was replaced");
    assert!(leftovers(&target).is_empty(), "{:?}", leftovers(&target));
}

#[test]
fn a_fifo_symlink_or_directory_swapped_in_while_collecting_is_not_replaced() {
    for what in ["fifo", "symlink", "directory"] {
        swapped_in_during_the_run_is_not_replaced(true, what);
        swapped_in_during_the_run_is_not_replaced(false, what);
    }
}

#[test]
fn a_device_node_swapped_in_while_collecting_is_not_replaced() {
    require!(is_root(), "needs root to make a device node with mknod");
    swapped_in_during_the_run_is_not_replaced(true, "device");
    swapped_in_during_the_run_is_not_replaced(false, "device");
}
