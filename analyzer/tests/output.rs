//! Where the built analyzer writes, on the real filesystem: never over its input snapshot (the
//! same file by path, symlink or hard link, a file inside an extracted snapshot, standard output
//! appended to it), reports and model exports written whole through a temporary file, and a
//! failed write leaves neither a truncated file nor the temporary one.

use nodesnap_testing::{is_root, require};
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

static DIRS: AtomicUsize = AtomicUsize::new(0);

/// A directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "nodesnap-analyzer-output-{label}-{}-{}",
            std::process::id(),
            DIRS.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn names(&self) -> Vec<String> {
        names_in(&self.0)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/seed-node.tar.gz")
}

/// The seed snapshot copied into `dir` as `snap.tar.gz`.
fn copy_of_seed(dir: &TempDir) -> PathBuf {
    let path = dir.0.join("snap.tar.gz");
    fs::copy(seed(), &path).unwrap();
    path
}

fn analyzer(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_analyzer"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the analyzer binary runs")
}

fn assert_refused(output: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("analyzer: refusing to write "),
        "{stderr}"
    );
    assert!(stderr.contains(expected), "{stderr}");
}

#[test]
fn a_report_or_model_over_the_snapshot_itself_is_refused_and_the_snapshot_kept() {
    let dir = TempDir::new("self");
    let snap = copy_of_seed(&dir);
    let original = fs::read(&snap).unwrap();
    symlink("snap.tar.gz", dir.0.join("link.html")).unwrap();
    fs::hard_link(&snap, dir.0.join("hard.html")).unwrap();
    let before = dir.names();
    for (command, target) in [
        ("report", "snap.tar.gz"),
        ("report", "./snap.tar.gz"),
        ("report", "link.html"),
        ("report", "hard.html"),
        ("model", "snap.tar.gz"),
        ("model", "link.html"),
    ] {
        let output = analyzer(&[command, "snap.tar.gz", "-o", target], &dir.0);
        assert_refused(
            &output,
            &format!("{target}: it is the snapshot being read (snap.tar.gz)"),
        );
        assert_eq!(fs::read(&snap).unwrap(), original, "{command} -o {target}");
        assert_eq!(dir.names(), before, "{command} -o {target}");
    }
    // The snapshot named through the link is the same file too.
    let output = analyzer(&["report", "link.html", "-o", "snap.tar.gz"], &dir.0);
    assert_refused(&output, "it is the snapshot being read");
    assert_eq!(fs::read(&snap).unwrap(), original);
}

#[test]
fn standard_output_appended_to_the_snapshot_is_refused() {
    let dir = TempDir::new("stdout");
    let snap = copy_of_seed(&dir);
    let original = fs::read(&snap).unwrap();
    for command in [
        "summary snap.tar.gz",
        "model snap.tar.gz",
        "report snap.tar.gz -o -",
    ] {
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!("\"$0\" {command} >> snap.tar.gz"))
            .arg(env!("CARGO_BIN_EXE_analyzer"))
            .current_dir(&dir.0)
            .output()
            .unwrap();
        assert_refused(&output, "standard output: it is the snapshot being read");
        assert_eq!(fs::read(&snap).unwrap(), original, "{command}");
    }
}

#[test]
fn output_inside_an_extracted_snapshot_directory_is_refused() {
    let dir = TempDir::new("extracted");
    let status = Command::new("tar")
        .args(["-xzf"])
        .arg(seed())
        .arg("-C")
        .arg(&dir.0)
        .status()
        .unwrap();
    assert!(status.success());
    let top = dir.names().remove(0);
    let top_dir = dir.0.join(&top);
    let before = names_in(&top_dir);
    // The loader takes the top directory or its parent; both are the input.
    for (input, target) in [
        (top.clone(), format!("{top}/report.html")),
        (top.clone(), format!("{top}/root/proc/report.html")),
        (".".to_string(), format!("{top}/report.html")),
        (".".to_string(), "report.html".to_string()),
    ] {
        for command in ["report", "model"] {
            let output = analyzer(&[command, &input, "-o", &target], &dir.0);
            assert_refused(&output, "it is inside the snapshot directory being read");
        }
    }
    assert_eq!(names_in(&top_dir), before);
    assert!(!top_dir.join("root/proc/report.html").exists());
    // Beside it is fine.
    let output = analyzer(&["report", &top, "-o", "report.html"], &dir.0);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(dir.0.join("report.html").is_file());
}

#[test]
fn reports_and_models_replace_a_regular_file_whole_and_refuse_a_fifo() {
    let dir = TempDir::new("whole");
    let snap = copy_of_seed(&dir);
    let snap = snap.to_str().unwrap();
    fs::write(dir.0.join("old.html"), "old").unwrap();
    let output = analyzer(&["report", snap, "-o", "old.html"], &dir.0);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let html = fs::read_to_string(dir.0.join("old.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    let output = analyzer(
        &["model", snap, "--format", "yaml", "-o", "model.yaml"],
        &dir.0,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let yaml = fs::read_to_string(dir.0.join("model.yaml")).unwrap();
    assert!(yaml.starts_with("schema_version: "), "{yaml:.100}");
    assert!(output.stdout.is_empty());
    assert_eq!(dir.names(), ["model.yaml", "old.html", "snap.tar.gz"]);
    let status = Command::new("mkfifo")
        .arg(dir.0.join("fifo.html"))
        .status()
        .unwrap();
    assert!(status.success());
    let output = analyzer(&["report", snap, "-o", "fifo.html"], &dir.0);
    assert_refused(&output, "fifo.html: it is a FIFO");
    let output = analyzer(&["model", snap, "-o", "/dev/null"], &dir.0);
    assert_refused(&output, "/dev/null: it is a character device");
}

/// A tmpfs mounted for one test and unmounted on drop, even when the test fails.
struct Tmpfs(TempDir);

impl Tmpfs {
    fn mount(label: &str, size: &str) -> Result<Tmpfs, String> {
        let dir = TempDir::new(label);
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir.0)
            .stderr(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        if status.success() {
            Ok(Tmpfs(dir))
        } else {
            Err(format!("mount -t tmpfs failed ({status})"))
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0 .0).status();
    }
}

#[test]
fn a_failed_write_leaves_neither_a_truncated_file_nor_the_temporary_one() {
    require!(is_root(), "needs root to mount a small tmpfs");
    let full = nodesnap_testing::require_ok!(Tmpfs::mount("full", "16k"), "needs a tmpfs");
    let snap = seed();
    let snap = snap.to_str().unwrap();
    let old = full.0 .0.join("old.html");
    fs::write(&old, "the previous report").unwrap();
    for (command, target) in [
        ("report", "new.html"),
        ("report", "old.html"),
        ("model", "new.json"),
        ("model", "old.html"),
    ] {
        let output = analyzer(&[command, snap, "-o", target], &full.0 .0);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command} -o {target}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("No space left on device"), "{stderr}");
        assert!(stderr.contains(target), "{stderr}");
        assert_eq!(full.0.names(), ["old.html"], "{command} -o {target}");
        assert_eq!(fs::read_to_string(&old).unwrap(), "the previous report");
    }
}
