//! The read-only floor for benchmarks: opens and reads the same files the collector copies
//! (process files, namespace links, listed cgroup control files) in one thread, with no
//! archive, compression or redaction. `read_floor ROOT` prints files, bytes and seconds.

use nodesnap_format::{CGROUP_FILES, NAMESPACE_LINKS, PROCESS_FILES};
use std::fs;
use std::io::Read;
use std::path::Path;
use std::time::Instant;

fn read_into(path: &Path, buffer: &mut Vec<u8>) -> Option<usize> {
    buffer.clear();
    fs::File::open(path).ok()?.read_to_end(buffer).ok()
}

fn walk(dir: &Path, buffer: &mut Vec<u8>, files: &mut u64, bytes: &mut u64) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(&entry.path(), buffer, files, bytes);
        } else if kind.is_file()
            && CGROUP_FILES.contains(&entry.file_name().to_string_lossy().as_ref())
        {
            if let Some(n) = read_into(&entry.path(), buffer) {
                *files += 1;
                *bytes += n as u64;
            }
        }
    }
}

fn main() {
    let root = std::env::args().nth(1).unwrap_or_else(|| "/".to_string());
    let root = Path::new(&root);
    let started = Instant::now();
    let (mut files, mut bytes) = (0u64, 0u64);
    let mut buffer = Vec::with_capacity(1 << 16);
    let proc_dir = root.join("proc");
    for entry in fs::read_dir(&proc_dir).expect("proc").flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let pid_dir = proc_dir.join(&name);
        for file in PROCESS_FILES {
            if let Some(n) = read_into(&pid_dir.join(file), &mut buffer) {
                files += 1;
                bytes += n as u64;
            }
        }
        for link in NAMESPACE_LINKS {
            if let Ok(target) = fs::read_link(pid_dir.join("ns").join(link)) {
                bytes += target.as_os_str().len() as u64;
            }
        }
        files += 1;
    }
    walk(
        &root.join("sys/fs/cgroup"),
        &mut buffer,
        &mut files,
        &mut bytes,
    );
    println!(
        "{files} files, {bytes} bytes, {:.3} s",
        started.elapsed().as_secs_f64()
    );
}
