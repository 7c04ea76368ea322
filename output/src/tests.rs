//! On the real filesystem, in a scratch directory: what each kind of target becomes, and what a
//! swap between the check and the rename cannot do.

use super::*;
use nodesnap_testing::{is_root, require};
use std::fs;
use std::os::unix::fs::symlink;
use std::os::unix::fs::MetadataExt;
use std::sync::atomic::{AtomicUsize, Ordering};

static SCRATCHES: AtomicUsize = AtomicUsize::new(0);

/// A scratch directory under the system temp dir, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(label: &str) -> Scratch {
        let path = std::env::temp_dir().join(format!(
            "nodesnap-output-{label}-{}-{}",
            std::process::id(),
            SCRATCHES.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        Scratch(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The names in the directory, sorted.
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn mkfifo(path: &Path) {
    let c = c_path(path).unwrap();
    // SAFETY: valid path; the result is checked.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// A character device node like /dev/null (1, 3); needs CAP_MKNOD.
fn mknod_null(path: &Path) -> io::Result<()> {
    let c = c_path(path)?;
    // SAFETY: valid path; the result is checked.
    let result = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o600, libc::makedev(1, 3)) };
    if result == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn write_output(target: &Path, text: &str) -> Result<(), OutputError> {
    let mut out = AtomicFile::create(target, 0o600)?;
    out.write_all(text.as_bytes()).unwrap();
    out.commit()
}

fn kind_of(path: &Path) -> String {
    match lstat(&c_path(path).unwrap()) {
        Ok((mode, links)) => refusal(mode, links).unwrap_or_else(|| "a regular file".to_string()),
        Err(error) => format!("absent ({error})"),
    }
}

#[test]
fn a_new_name_is_created_whole_and_no_temporary_file_stays() {
    let dir = Scratch::new("new");
    let target = dir.join("snap.tar.gz");
    write_output(&target, "snapshot").unwrap();
    assert_eq!(fs::read_to_string(&target).unwrap(), "snapshot");
    assert_eq!(dir.names(), ["snap.tar.gz"]);
    let mode = fs::metadata(&target).unwrap().mode() & 0o777;
    assert_eq!(mode & 0o077, 0, "mode {mode:o}");
}

#[test]
fn a_regular_file_with_one_link_is_replaced_whole() {
    let dir = Scratch::new("regular");
    let target = dir.join("report.html");
    fs::write(&target, "old report, longer than the new one").unwrap();
    write_output(&target, "new").unwrap();
    assert_eq!(fs::read_to_string(&target).unwrap(), "new");
    assert_eq!(dir.names(), ["report.html"]);
}

#[test]
fn a_dropped_output_leaves_the_target_as_it_was_and_no_temporary_file() {
    let dir = Scratch::new("dropped");
    let target = dir.join("report.html");
    fs::write(&target, "old").unwrap();
    let mut out = AtomicFile::create(&target, 0o644).unwrap();
    out.write_all(b"half a rep").unwrap();
    assert!(out.temp_path().exists());
    drop(out);
    assert_eq!(fs::read_to_string(&target).unwrap(), "old");
    assert_eq!(dir.names(), ["report.html"]);
}

#[test]
fn symlinks_directories_fifos_sockets_and_hard_linked_files_are_refused_untouched() {
    let dir = Scratch::new("refused");
    fs::write(dir.join("elsewhere"), "precious").unwrap();
    symlink("elsewhere", dir.join("link")).unwrap();
    symlink("nowhere", dir.join("dangling")).unwrap();
    fs::create_dir(dir.join("dir")).unwrap();
    mkfifo(&dir.join("fifo"));
    let _socket = std::os::unix::net::UnixListener::bind(dir.join("socket")).unwrap();
    fs::write(dir.join("shared"), "shared").unwrap();
    fs::hard_link(dir.join("shared"), dir.join("shared-too")).unwrap();
    let before = dir.names();
    for (name, what) in [
        ("link", "a symbolic link"),
        ("dangling", "a symbolic link"),
        ("dir", "a directory"),
        ("dir/", "a directory"),
        ("fifo", "a FIFO"),
        ("socket", "a socket"),
        ("shared", "a regular file with 2 hard links"),
    ] {
        let target = dir.join(name);
        let error = write_output(&target, "snapshot").unwrap_err();
        assert!(error.is_refusal(), "{name}: {error}");
        let message = error.to_string();
        assert!(message.contains(&format!("it is {what};")), "{message}");
        assert!(message.contains(&target.display().to_string()), "{message}");
        assert!(!message.contains('\n'));
        assert_eq!(dir.names(), before, "{name}");
    }
    assert_eq!(
        fs::read_to_string(dir.join("elsewhere")).unwrap(),
        "precious"
    );
    assert_eq!(
        fs::read_link(dir.join("link")).unwrap(),
        Path::new("elsewhere")
    );
    assert!(
        !dir.join("nowhere").exists(),
        "a dangling link was followed"
    );
    assert_eq!(fs::read_to_string(dir.join("shared")).unwrap(), "shared");
    assert_eq!(kind_of(&dir.join("fifo")), "a FIFO");
}

#[test]
fn device_nodes_are_refused_untouched() {
    let dev_null = Path::new("/dev/null");
    let error = check_target(dev_null).unwrap_err();
    assert!(
        error.to_string().contains("it is a character device"),
        "{error}"
    );
    require!(is_root(), "needs root to make a device node with mknod");
    let dir = Scratch::new("device");
    let node = dir.join("null");
    mknod_null(&node).unwrap();
    let error = write_output(&node, "snapshot").unwrap_err();
    assert!(error.is_refusal(), "{error}");
    assert_eq!(kind_of(&node), "a character device");
    assert_eq!(dir.names(), ["null"]);
}

/// Something put at the target after the output was created (as another process could, between
/// the check and the rename), and what must be found there afterwards.
struct Swap {
    label: &'static str,
    put: fn(&Path),
    expect: &'static str,
}

fn swap_in_fifo(target: &Path) {
    let _ = fs::remove_file(target);
    mkfifo(target);
}

fn swap_in_symlink(target: &Path) {
    let _ = fs::remove_file(target);
    symlink("/etc/passwd", target).unwrap();
}

fn swap_in_dir(target: &Path) {
    let _ = fs::remove_file(target);
    fs::create_dir(target).unwrap();
}

fn swap_in_hard_link(target: &Path) {
    if !target.exists() {
        fs::write(target, "shared").unwrap();
    }
    fs::hard_link(target, target.with_file_name("other-name")).unwrap();
}

const SWAPS: &[Swap] = &[
    Swap {
        label: "fifo",
        put: swap_in_fifo,
        expect: "a FIFO",
    },
    Swap {
        label: "symlink",
        put: swap_in_symlink,
        expect: "a symbolic link",
    },
    Swap {
        label: "dir",
        put: swap_in_dir,
        expect: "a directory",
    },
    Swap {
        label: "hard-link",
        put: swap_in_hard_link,
        expect: "a regular file with 2 hard links",
    },
];

#[test]
fn something_swapped_in_over_a_regular_file_before_the_rename_is_put_back_untouched() {
    for swap in SWAPS {
        let dir = Scratch::new("swap-regular");
        let target = dir.join("snap.tar.gz");
        fs::write(&target, "old").unwrap();
        let mut out = AtomicFile::create(&target, 0o600).unwrap();
        out.write_all(b"snapshot").unwrap();
        (swap.put)(&target);
        let mut before = dir.names();
        before.retain(|name| !name.starts_with('.'));
        let error = out.commit().unwrap_err();
        assert!(error.is_refusal(), "{}: {error}", swap.label);
        assert_eq!(kind_of(&target), swap.expect, "{}", swap.label);
        assert_eq!(dir.names(), before, "{}", swap.label);
        if swap.label == "symlink" {
            assert_eq!(fs::read_link(&target).unwrap(), Path::new("/etc/passwd"));
        }
    }
}

#[test]
fn something_created_at_a_new_name_before_the_rename_is_not_replaced() {
    for swap in SWAPS.iter().filter(|s| s.label != "hard-link") {
        let dir = Scratch::new("swap-new");
        let target = dir.join("snap.tar.gz");
        let mut out = AtomicFile::create(&target, 0o600).unwrap();
        out.write_all(b"snapshot").unwrap();
        (swap.put)(&target);
        let error = out.commit().unwrap_err();
        assert!(error.is_refusal(), "{}: {error}", swap.label);
        assert_eq!(kind_of(&target), swap.expect, "{}", swap.label);
        assert_eq!(dir.names(), ["snap.tar.gz"], "{}", swap.label);
    }
    // A regular file that appeared meanwhile is what -o may replace.
    let dir = Scratch::new("swap-new-regular");
    let target = dir.join("snap.tar.gz");
    let mut out = AtomicFile::create(&target, 0o600).unwrap();
    out.write_all(b"snapshot").unwrap();
    fs::write(&target, "someone else's").unwrap();
    out.commit().unwrap();
    assert_eq!(fs::read_to_string(&target).unwrap(), "snapshot");
    assert_eq!(dir.names(), ["snap.tar.gz"]);
}

#[test]
fn a_device_node_swapped_in_before_the_rename_is_put_back_untouched() {
    require!(is_root(), "needs root to make a device node with mknod");
    for existed in [true, false] {
        let dir = Scratch::new("swap-device");
        let target = dir.join("snap.tar.gz");
        if existed {
            fs::write(&target, "old").unwrap();
        }
        let mut out = AtomicFile::create(&target, 0o600).unwrap();
        out.write_all(b"snapshot").unwrap();
        let _ = fs::remove_file(&target);
        mknod_null(&target).unwrap();
        let error = out.commit().unwrap_err();
        assert!(error.is_refusal(), "{error}");
        assert_eq!(kind_of(&target), "a character device");
        assert_eq!(dir.names(), ["snap.tar.gz"]);
    }
}

#[test]
fn the_fallback_for_filesystems_without_renameat2_flags_still_checks_first() {
    let dir = Scratch::new("fallback");
    let target = dir.join("snap.tar.gz");
    let mut out = AtomicFile::create(&target, 0o600).unwrap();
    out.write_all(b"snapshot").unwrap();
    mkfifo(&target);
    let error = out.rename_after_check().err().unwrap();
    assert!(error.is_refusal(), "{error}");
    assert_eq!(kind_of(&target), "a FIFO");
    fs::remove_file(&target).unwrap();
    assert!(matches!(out.rename_after_check(), Ok(Step::Placed)));
    assert_eq!(fs::read_to_string(&target).unwrap(), "snapshot");
}

#[test]
fn a_missing_directory_is_an_io_error_naming_the_target() {
    let target = Path::new("/nonexistent-nodesnap-dir/x/snap.tar.gz");
    let error = AtomicFile::create(target, 0o600).unwrap_err();
    assert!(!error.is_refusal());
    let message = error.to_string();
    assert!(
        message.starts_with("cannot write /nonexistent-nodesnap-dir/x/snap.tar.gz: "),
        "{message}"
    );
}
