//! The loader against good and hostile inputs: every case either loads what it can with gaps or
//! fails with one line naming the input, never a panic, within the limits.

use super::collected::normalize;
use super::*;
use crate::snapshot::tests::manifest;
use flate2::write::GzEncoder;
use flate2::Compression;
use nodesnap_format::{GapReason, BUNDLE_FILE, ROOT_DIR};
use std::io::Write;
use std::path::PathBuf;

const TOP: &str = "snap-node1";

fn manifest_yaml(files: u64) -> Vec<u8> {
    let mut m = manifest();
    m.counts.files = files;
    serde_yaml::to_string(&m).unwrap().into_bytes()
}

/// Builds tar archives entry by entry, including entries the tar crate refuses to write.
pub(super) struct Tar {
    builder: tar::Builder<Vec<u8>>,
}

impl Tar {
    pub(super) fn new() -> Tar {
        Tar {
            builder: tar::Builder::new(Vec::new()),
        }
    }

    /// A well-formed snapshot start: manifest and runtime metadata under the top directory.
    pub(super) fn snapshot(files: u64) -> Tar {
        let mut tar = Tar::new();
        tar.dir(TOP);
        tar.file(&format!("{TOP}/{MANIFEST_PATH}"), &manifest_yaml(files));
        tar.file(&format!("{TOP}/{METADATA_PATH}"), b"{\"containers\": []}");
        tar
    }

    pub(super) fn file(&mut self, path: &str, data: &[u8]) -> &mut Tar {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        self.builder.append_data(&mut header, path, data).unwrap();
        self
    }

    pub(super) fn dir(&mut self, path: &str) -> &mut Tar {
        let mut header = tar::Header::new_gnu();
        header.set_size(0);
        header.set_mode(0o755);
        header.set_entry_type(tar::EntryType::Directory);
        self.builder
            .append_data(&mut header, path, io::empty())
            .unwrap();
        self
    }

    /// An entry written header field by header field: any name of up to 100 bytes, any type,
    /// any declared size, whatever data follows.
    pub(super) fn raw(
        &mut self,
        name: &[u8],
        kind: tar::EntryType,
        size: u64,
        data: &[u8],
    ) -> &mut Tar {
        let mut header = tar::Header::new_gnu();
        if let Some(gnu) = header.as_gnu_mut() {
            gnu.name[..name.len()].copy_from_slice(name);
        }
        header.set_entry_type(kind);
        header.set_size(size);
        header.set_mode(0o644);
        header.set_cksum();
        self.builder.append(&header, data).unwrap();
        self
    }

    pub(super) fn bytes(self) -> Vec<u8> {
        self.builder.into_inner().unwrap()
    }
}

pub(super) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

pub(super) fn load_ok(bytes: &[u8]) -> (Snapshot, LoadStats) {
    load_bytes("test.tar.gz", bytes, &LoadLimits::DEFAULT).unwrap()
}

pub(super) fn load_err(bytes: &[u8]) -> String {
    match load_bytes("test.tar.gz", bytes, &LoadLimits::DEFAULT) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

pub(super) fn gap_details(snapshot: &Snapshot) -> Vec<(String, String)> {
    snapshot
        .load_gaps
        .iter()
        .map(|g| (g.path.clone(), g.detail.clone().unwrap_or_default()))
        .collect()
}

pub(super) fn has_gap(snapshot: &Snapshot, path: &str, detail_part: &str) -> bool {
    snapshot.load_gaps.iter().any(|g| {
        g.path == path
            && g.reason == GapReason::Unreadable
            && g.detail.as_deref().is_some_and(|d| d.contains(detail_part))
    })
}

fn sample_tar() -> Vec<u8> {
    let mut tar = Tar::snapshot(2);
    tar.dir(&format!("{TOP}/root/sys/fs/cgroup/memory/kubepods"));
    tar.file(&format!("{TOP}/root/proc/1/stat"), b"1 (systemd) S 0");
    tar.file(&format!("{TOP}/root/proc/1/ns"), b"net net:[4026531992]\n");
    tar.bytes()
}

/// A directory removed when the test ends, pass or fail.
pub(super) struct TempDir(pub(super) PathBuf);

impl TempDir {
    pub(super) fn new(name: &str) -> TempDir {
        let path =
            std::env::temp_dir().join(format!("nodesnap-load-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn tar_gz_loads_files_dirs_manifest_and_metadata() {
    let (snapshot, stats) = load_ok(&gzip(&sample_tar()));
    assert_eq!(
        snapshot.file("proc/1/stat"),
        Some(b"1 (systemd) S 0".as_slice())
    );
    assert!(snapshot.has_dir("sys/fs/cgroup/memory/kubepods"));
    assert!(snapshot.has_dir("proc/1"));
    assert_eq!(snapshot.file_count(), 2);
    assert_eq!(snapshot.manifest.hostname.as_deref(), Some("node"));
    assert!(snapshot.metadata.containers.is_empty());
    assert_eq!(gap_details(&snapshot), vec![]);
    assert_eq!(stats.entries, 6);
    assert!(stats.retained_bytes > 0);
}

#[test]
fn kind_is_told_by_magic_bytes_not_by_name() {
    let dir = TempDir::new("magic");
    let plain_named_gz = dir.0.join("snap.tar.gz");
    std::fs::write(&plain_named_gz, sample_tar()).unwrap();
    let gz_named_tar = dir.0.join("snap.tar");
    std::fs::write(&gz_named_tar, gzip(&sample_tar())).unwrap();
    for path in [plain_named_gz, gz_named_tar] {
        let snapshot = load(&path).unwrap();
        assert_eq!(snapshot.file_count(), 2, "{}", path.display());
        assert_eq!(snapshot.source, path.display().to_string());
    }
}

#[test]
fn unknown_inputs_get_one_line_naming_the_file() {
    let mut zstd = vec![0x28, 0xb5, 0x2f, 0xfd];
    zstd.resize(600, 0);
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("empty", vec![], "test.tar.gz: not a nodesnap snapshot or an sosreport: the file is empty"),
        ("zstd", zstd, "test.tar.gz: not a nodesnap snapshot or an sosreport: compressed with zstd; recompress it with gzip or extract it"),
        ("text", b"hello world\n".to_vec(), "test.tar.gz: not a nodesnap snapshot or an sosreport: too short for a tar archive and not gzip, xz or bzip2"),
        ("zeros", vec![0; 2048], "test.tar.gz: not a nodesnap snapshot or an sosreport: neither gzip, xz, bzip2 nor tar"),
        ("gzip of text", gzip(&[b'x'; 2048]), "test.tar.gz: archive unreadable: archive damaged at its start: numeric field was not a number: xxxxxxxx when getting cksum for xxxx"),
    ];
    for (name, bytes, expect) in cases {
        let message = load_err(&bytes);
        assert!(message.starts_with(expect), "case {name}: {message}");
        // A library's message quoting the input is cut short.
        assert!(
            message.chars().count() < expect.len() + 130,
            "case {name}: {message}"
        );
        assert!(!message.contains('\n'));
    }
}

#[test]
fn missing_input_is_an_io_error_naming_it() {
    let message = load(Path::new("/nonexistent/snap.tar.gz"))
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with("/nonexistent/snap.tar.gz: cannot read: "),
        "{message}"
    );
}

#[test]
fn unsafe_names_become_gaps_and_the_rest_loads() {
    let mut tar = Tar::snapshot(1);
    tar.raw(
        format!("{TOP}/root/../../etc/cron.d/evil").as_bytes(),
        tar::EntryType::Regular,
        4,
        b"evil",
    );
    tar.raw(b"/etc/passwd", tar::EntryType::Regular, 4, b"evil");
    tar.raw(b"../outside", tar::EntryType::Regular, 4, b"evil");
    tar.raw(b"../ctl\x1b[31m\\x2d", tar::EntryType::Regular, 1, b"e");
    tar.raw(
        b"snap-node1/root/bad\xffname",
        tar::EntryType::Regular,
        1,
        b"x",
    );
    tar.file(&format!("{TOP}/root/proc/1/stat"), b"ok");
    let (snapshot, _) = load_ok(&gzip(&tar.bytes()));
    assert_eq!(snapshot.file("proc/1/stat"), Some(b"ok".as_slice()));
    assert_eq!(snapshot.file_count(), 1);
    assert!(has_gap(
        &snapshot,
        "../../etc/cron.d/evil",
        "name holds '..'"
    ));
    assert!(has_gap(&snapshot, "/etc/passwd", "absolute name"));
    assert!(has_gap(&snapshot, "../outside", "name holds '..'"));
    assert!(has_gap(
        &snapshot,
        "../ctl\\u{1b}[31m\\x2d",
        "name holds '..'"
    ));
    assert!(has_gap(&snapshot, "bad\u{fffd}name", "name is not UTF-8"));
}

#[test]
fn links_devices_and_fifos_become_gaps() {
    let mut tar = Tar::snapshot(1);
    let cases = [
        ("root/proc/1/exe", tar::EntryType::Symlink, "symbolic link"),
        ("root/etc/shadow", tar::EntryType::Link, "hard link"),
        ("root/dev/mem", tar::EntryType::Char, "character device"),
        ("root/dev/sda", tar::EntryType::Block, "block device"),
        ("root/run/fifo", tar::EntryType::Fifo, "FIFO"),
        ("root/volume", tar::EntryType::new(b'V'), "unsupported type"),
    ];
    for (name, kind, _) in cases {
        tar.raw(format!("{TOP}/{name}").as_bytes(), kind, 0, b"");
    }
    tar.file(&format!("{TOP}/root/proc/1/stat"), b"ok");
    let (snapshot, _) = load_ok(&gzip(&tar.bytes()));
    for (name, _, what) in cases {
        let node_path = name.strip_prefix("root/").unwrap();
        assert!(
            has_gap(&snapshot, node_path, what),
            "{name}: {:?}",
            gap_details(&snapshot)
        );
        assert_eq!(snapshot.file(node_path), None);
    }
    assert_eq!(snapshot.file("proc/1/stat"), Some(b"ok".as_slice()));
}

#[test]
fn gnu_sparse_entry_is_skipped_and_reading_goes_on() {
    let mut tar = Tar::snapshot(1);
    tar.raw(
        format!("{TOP}/root/sparse").as_bytes(),
        tar::EntryType::GNUSparse,
        512,
        &[7; 512],
    );
    tar.file(&format!("{TOP}/root/after"), b"kept");
    let (snapshot, _) = load_ok(&tar.bytes());
    assert!(has_gap(&snapshot, "sparse", "GNU sparse"));
    assert_eq!(snapshot.file("after"), Some(b"kept".as_slice()));
}

#[test]
fn extended_gnu_sparse_entry_stops_the_read_and_keeps_what_came_before() {
    let mut tar = Tar::snapshot(2);
    tar.file(&format!("{TOP}/root/before"), b"kept");
    let mut header = tar::Header::new_gnu();
    if let Some(gnu) = header.as_gnu_mut() {
        gnu.name[..12].copy_from_slice(b"snap/extsprs");
        gnu.isextended[0] = 1;
    }
    header.set_entry_type(tar::EntryType::GNUSparse);
    header.set_size(0);
    header.set_cksum();
    tar.builder.append(&header, io::empty()).unwrap();
    tar.file(&format!("{TOP}/root/after"), b"lost");
    let (snapshot, _) = load_ok(&tar.bytes());
    assert_eq!(snapshot.file("before"), Some(b"kept".as_slice()));
    assert_eq!(snapshot.file("after"), None);
    assert!(has_gap(&snapshot, "snap/extsprs", "extension headers"));
    assert!(has_gap(
        &snapshot,
        "root",
        "counts 2 files but the snapshot holds 1"
    ));
}

/// A PAX extended header entry holding the given records.
fn pax_entry(tar: &mut Tar, records: &[u8]) {
    tar.raw(
        b"PaxHeader",
        tar::EntryType::XHeader,
        records.len() as u64,
        records,
    );
}

fn pax_record(key: &str, value: &str) -> Vec<u8> {
    // The length counts itself; two tries settle its own digit count.
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while format!("{len}{body}").len() != len {
        len = format!("{len}{body}").len();
    }
    format!("{len}{body}").into_bytes()
}

#[test]
fn pax_path_names_the_next_entry() {
    let mut tar = Tar::snapshot(1);
    let long = format!("{TOP}/root/sys/fs/cgroup/{}/memory.max", "d".repeat(200));
    pax_entry(&mut tar, &pax_record("path", &long));
    tar.raw(b"short-name-ignored", tar::EntryType::Regular, 3, b"max");
    let (snapshot, _) = load_ok(&tar.bytes());
    let node_path = long.strip_prefix(&format!("{TOP}/root/")).unwrap();
    assert_eq!(snapshot.file(node_path), Some(b"max".as_slice()));
    assert!(
        snapshot.load_gaps.is_empty(),
        "{:?}",
        gap_details(&snapshot)
    );
}

#[test]
fn huge_pax_header_skips_its_entry_without_holding_it() {
    let mut tar = Tar::snapshot(1);
    let mut records = Vec::new();
    while records.len() < 2 << 20 {
        records.extend(pax_record("comment", &"x".repeat(1000)));
    }
    pax_entry(&mut tar, &records);
    tar.raw(
        b"snap-node1/root/described",
        tar::EntryType::Regular,
        1,
        b"x",
    );
    tar.file(&format!("{TOP}/root/after"), b"kept");
    let (snapshot, stats) = load_ok(&gzip(&tar.bytes()));
    assert!(
        has_gap(
            &snapshot,
            "described",
            "PAX header of 2097966 bytes is over the limit of 64 KiB"
        ),
        "{:?}",
        gap_details(&snapshot)
    );
    assert_eq!(snapshot.file("described"), None);
    assert_eq!(snapshot.file("after"), Some(b"kept".as_slice()));
    assert!(stats.retained_bytes < 64 << 10);
}

#[test]
fn pax_size_that_contradicts_the_header_stops_the_read() {
    let mut tar = Tar::snapshot(1);
    pax_entry(&mut tar, &pax_record("size", "999999"));
    tar.raw(b"snap-node1/root/liar", tar::EntryType::Regular, 1, b"x");
    let (snapshot, _) = load_ok(&tar.bytes());
    assert!(has_gap(&snapshot, "liar", "contradicts"));
}

#[test]
fn gnu_long_names_load_and_oversized_ones_become_gaps() {
    let mut tar = Tar::snapshot(2);
    let long = format!("{TOP}/root/{}/cgroup.procs", "a".repeat(300));
    // The tar crate writes a GNU long-name entry for a name over 100 bytes.
    tar.file(&long, b"1\n");
    let huge_name = vec![b'n'; 10_000];
    tar.raw(
        b"././@LongLink",
        tar::EntryType::GNULongName,
        huge_name.len() as u64,
        &huge_name,
    );
    tar.raw(b"snap-node1/root/short", tar::EntryType::Regular, 1, b"x");
    tar.file(&format!("{TOP}/root/after"), b"kept");
    let (snapshot, _) = load_ok(&gzip(&tar.bytes()));
    let node_path = long.strip_prefix(&format!("{TOP}/root/")).unwrap();
    assert_eq!(snapshot.file(node_path), Some(b"1\n".as_slice()));
    assert!(has_gap(&snapshot, "short", "GNU long name of 10000 bytes"));
    assert_eq!(snapshot.file("short"), None);
    assert_eq!(snapshot.file("after"), Some(b"kept".as_slice()));
}

#[test]
fn absurd_declared_size_stops_before_inflating_it() {
    let mut tar = Tar::snapshot(2);
    tar.file(&format!("{TOP}/root/before"), b"kept");
    tar.raw(
        b"snap-node1/root/absurd",
        tar::EntryType::Regular,
        1 << 40,
        b"",
    );
    let (snapshot, stats) = load_ok(&gzip(&tar.bytes()));
    assert_eq!(snapshot.file("before"), Some(b"kept".as_slice()));
    assert!(has_gap(&snapshot, "absurd", "declares 1099511627776 bytes"));
    assert!(stats.inflated_bytes < 64 << 10);
}

#[test]
fn file_over_the_per_entry_limit_is_skipped_and_the_next_kept() {
    let mut tar = Tar::snapshot(2);
    tar.file(&format!("{TOP}/root/big"), &[b'x'; 5000]);
    tar.file(&format!("{TOP}/root/small"), b"kept");
    let limits = LoadLimits {
        entry_bytes: 4096,
        ..LoadLimits::DEFAULT
    };
    let (snapshot, _) = load_bytes("t", &tar.bytes(), &limits).unwrap();
    assert!(has_gap(
        &snapshot,
        "big",
        "5000 bytes, over the limit of 4 KiB per file"
    ));
    assert_eq!(snapshot.file("small"), Some(b"kept".as_slice()));
}

#[test]
fn declared_size_beyond_the_data_is_damage_not_a_hang() {
    let mut tar = Tar::snapshot(2);
    tar.file(&format!("{TOP}/root/before"), b"kept");
    // 100 MiB declared, under the inflated limit, but the archive ends after 512 bytes.
    tar.raw(
        b"snap-node1/root/short",
        tar::EntryType::Regular,
        100 << 20,
        &[1; 512],
    );
    let mut bytes = tar.bytes();
    bytes.truncate(bytes.len() - 1024);
    let limits = LoadLimits {
        entry_bytes: 200 << 20,
        ..LoadLimits::DEFAULT
    };
    let (snapshot, _) = load_bytes("t", &gzip(&bytes), &limits).unwrap();
    assert_eq!(snapshot.file("before"), Some(b"kept".as_slice()));
    assert!(
        has_gap(&snapshot, "short", "archive ends inside"),
        "{:?}",
        gap_details(&snapshot)
    );
}

/// One gzip member inflating to `size` zero bytes.
fn zeros_member(size: usize) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(&vec![0; size]).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn gzip_bomb_declaring_gigabytes_costs_nothing() {
    // A header declaring 8 GiB, then 1,000 one-KiB gzip members of one MiB of zeros each: about
    // 1 MB on disk that inflates to 1 GiB. The loader stops at the header.
    let mut tar = Tar::snapshot(1);
    tar.raw(
        b"snap-node1/root/bomb",
        tar::EntryType::Regular,
        8 << 30,
        b"",
    );
    let head = tar.builder.get_ref().clone();
    let member = zeros_member(1 << 20);
    assert!(member.len() < 2048, "member is {} bytes", member.len());
    let mut bytes = gzip(&head);
    for _ in 0..1000 {
        bytes.extend_from_slice(&member);
    }
    let (snapshot, stats) = load_ok(&bytes);
    assert!(has_gap(&snapshot, "bomb", "declares 8589934592 bytes"));
    assert!(
        stats.inflated_bytes < 64 << 10,
        "inflated {}",
        stats.inflated_bytes
    );
}

#[test]
fn inflated_limit_stops_a_bomb_of_honest_entries() {
    // Entries under every per-file limit whose total passes the inflated limit.
    let mut tar = Tar::snapshot(400);
    for i in 0..400 {
        tar.file(&format!("{TOP}/root/zeros{i}"), &[0; 8192]);
    }
    let limits = LoadLimits {
        inflated_bytes: 1 << 20,
        ..LoadLimits::DEFAULT
    };
    let (snapshot, stats) = load_bytes("t", &gzip(&tar.bytes()), &limits).unwrap();
    assert!(stats.inflated_bytes <= 1 << 20);
    assert!(snapshot.file_count() > 50 && snapshot.file_count() < 400);
    assert!(
        snapshot.load_gaps.iter().any(|g| g
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("1 MiB of decompressed data"))),
        "{:?}",
        gap_details(&snapshot)
    );
}

#[test]
fn retained_limit_is_the_memory_ceiling() {
    let mut tar = Tar::snapshot(100);
    for i in 0..100 {
        tar.file(&format!("{TOP}/root/f{i}"), &[b'x'; 10_000]);
    }
    let limit = 256 << 10;
    let limits = LoadLimits {
        retained_bytes: limit,
        ..LoadLimits::DEFAULT
    };
    let (snapshot, stats) = load_bytes("t", &gzip(&tar.bytes()), &limits).unwrap();
    assert!(stats.retained_bytes <= limit);
    let held: usize = snapshot.files_under("f0").count()
        + (0..100)
            .filter_map(|i| snapshot.file(&format!("f{i}")))
            .map(<[u8]>::len)
            .sum::<usize>();
    assert!(held as u64 <= limit, "held {held}");
    assert!(snapshot.load_gaps.iter().any(|g| g
        .detail
        .as_deref()
        .is_some_and(|d| d.contains("more than 256 KiB of files"))));
}

#[test]
fn truncated_gzip_keeps_what_came_before_the_cut() {
    let mut tar = Tar::snapshot(50);
    for i in 0..50 {
        tar.file(
            &format!("{TOP}/root/proc/{i}/stat"),
            format!("{i} (p) S 1").as_bytes(),
        );
    }
    let whole = gzip(&tar.bytes());
    let cut = &whole[..whole.len() * 2 / 3];
    let (snapshot, _) = load_ok(cut);
    assert!(snapshot.file_count() < 50);
    assert_eq!(snapshot.file("proc/0/stat"), Some(b"0 (p) S 1".as_slice()));
    assert!(snapshot.load_gaps.iter().any(|g| g
        .detail
        .as_deref()
        .is_some_and(|d| d.contains("anything after it"))));
    assert!(has_gap(&snapshot, "root", "the manifest counts 50 files"));
}

#[test]
fn truncated_before_the_manifest_loads_the_node_files_with_a_placeholder() {
    // The collector writes the manifest last, so a cut download loses it first.
    let mut tar = Tar::new();
    tar.file(&format!("{TOP}/root/proc/sys/kernel/hostname"), b"node-7\n");
    for i in 0..50 {
        tar.file(&format!("{TOP}/root/proc/{i}/stat"), &[b'x'; 300]);
    }
    tar.file(&format!("{TOP}/{MANIFEST_PATH}"), &manifest_yaml(50));
    let whole = gzip(&tar.bytes());
    let (snapshot, _) = load_ok(&whole[..whole.len() / 2]);
    assert_eq!(snapshot.manifest.hostname.as_deref(), Some("node-7"));
    assert_eq!(snapshot.manifest.collector_version, "unknown");
    assert!(snapshot.file("proc/0/stat").is_some());
    assert!(has_gap(&snapshot, MANIFEST_PATH, "lost to the damage"));
    assert!(snapshot.load_gaps.iter().any(|g| g
        .detail
        .as_deref()
        .is_some_and(|d| d.starts_with("archive damaged"))));
}

#[test]
fn truncated_with_nothing_of_a_snapshot_is_one_clear_error() {
    let mut tar = Tar::new();
    for i in 0..50 {
        tar.file(&format!("other/{i}"), &[b'x'; 300]);
    }
    let whole = gzip(&tar.bytes());
    let message = load_err(&whole[..whole.len() / 2]);
    assert!(
        message.starts_with("test.tar.gz: no manifest.yaml in a top directory, so this is not a nodesnap snapshot, and no sos_commands/, sos_logs/, sos_reports/ or version.txt, so not an sosreport either (archive damaged "),
        "{message}"
    );
    assert!(!message.contains('\n'));
}

#[test]
fn concatenated_gzip_members_read_as_one_stream() {
    let tar = sample_tar();
    let (first, second) = tar.split_at(1500);
    let mut bytes = gzip(first);
    bytes.extend(gzip(second));
    let (snapshot, _) = load_ok(&bytes);
    assert_eq!(snapshot.file_count(), 2);
    assert!(
        snapshot.load_gaps.is_empty(),
        "{:?}",
        gap_details(&snapshot)
    );
}

#[test]
fn two_hundred_thousand_tiny_entries_load_in_bounded_memory() {
    const COUNT: u64 = 200_000;
    let mut tar = Tar::snapshot(COUNT);
    for i in 0..COUNT {
        tar.raw(
            format!("{TOP}/root/p/{i}").as_bytes(),
            tar::EntryType::Regular,
            0,
            b"",
        );
    }
    let bytes = tar.bytes();
    let started = std::time::Instant::now();
    let (snapshot, stats) = load_bytes("t", &bytes, &LoadLimits::DEFAULT).unwrap();
    eprintln!(
        "loaded {COUNT} entries in {:?}: {} retained bytes, {} inflated",
        started.elapsed(),
        stats.retained_bytes,
        stats.inflated_bytes
    );
    assert_eq!(snapshot.file_count() as u64, COUNT);
    assert!(snapshot.load_gaps.is_empty());
    assert!(stats.retained_bytes <= MAX_RETAINED_BYTES);
    // Each tiny entry costs its name and the fixed overhead, nothing more.
    assert!(stats.retained_bytes < COUNT * (ENTRY_OVERHEAD_BYTES + 40));

    let limits = LoadLimits {
        entries: 1000,
        ..LoadLimits::DEFAULT
    };
    let (snapshot, stats) = load_bytes("t", &bytes, &limits).unwrap();
    assert_eq!(stats.entries, 1001);
    assert!(snapshot.file_count() < 1000);
    assert!(snapshot.load_gaps.iter().any(|g| g
        .detail
        .as_deref()
        .is_some_and(|d| d.contains("more than 1000 entries"))));
}

#[test]
fn future_format_version_is_refused_before_reading_other_fields() {
    let mut tar = Tar::new();
    tar.file(
        &format!("{TOP}/{MANIFEST_PATH}"),
        b"format_version: 7\nsomething_new: [1, 2]\n",
    );
    assert_eq!(
        load_err(&tar.bytes()),
        "test.tar.gz: snap-node1/manifest.yaml: format_version 7 is newer than this analyzer reads (3); use a newer nodesnap"
    );
}

#[test]
fn bad_manifests_are_one_line_errors() {
    let cases: [(&[u8], &str); 4] = [
        (
            b"collector_version: x\n",
            "snap-node1/manifest.yaml: no format_version",
        ),
        (
            b"format_version: 0\n",
            "snap-node1/manifest.yaml: format_version 0 does not exist",
        ),
        (
            b"- a list\n",
            "snap-node1/manifest.yaml: not a YAML mapping",
        ),
        (
            b"format_version: 1\nhostname: x\n",
            "snap-node1/manifest.yaml: malformed: missing field",
        ),
    ];
    for (text, expect) in cases {
        let mut tar = Tar::new();
        tar.file(&format!("{TOP}/{MANIFEST_PATH}"), text);
        let message = load_err(&tar.bytes());
        assert!(
            message.starts_with(&format!("test.tar.gz: {expect}")),
            "{message}"
        );
        assert!(!message.contains('\n'), "{message}");
    }
}

#[test]
fn missing_manifest_is_refused() {
    let mut tar = Tar::new();
    tar.file(&format!("{TOP}/root/proc/1/stat"), b"1 (init) S 0");
    assert_eq!(
        load_err(&tar.bytes()),
        "test.tar.gz: no manifest.yaml in a top directory, so this is not a nodesnap snapshot, and no sos_commands/, sos_logs/, sos_reports/ or version.txt, so not an sosreport either"
    );
}

#[test]
fn several_snapshots_in_one_archive_are_refused() {
    let mut tar = Tar::new();
    tar.file(&format!("a/{MANIFEST_PATH}"), &manifest_yaml(0));
    tar.file(&format!("b/{MANIFEST_PATH}"), &manifest_yaml(0));
    assert_eq!(
        load_err(&tar.bytes()),
        "test.tar.gz: holds several snapshots (a, b); extract one and load its directory"
    );
}

#[test]
fn missing_half_the_files_loads_the_rest_and_says_so() {
    let mut tar = Tar::snapshot(10);
    for i in 0..5 {
        tar.file(&format!("{TOP}/root/proc/{i}/stat"), b"x");
    }
    let (snapshot, _) = load_ok(&tar.bytes());
    assert_eq!(snapshot.file_count(), 5);
    assert!(has_gap(
        &snapshot,
        "root",
        "the manifest counts 10 files but the snapshot holds 5: 5 are missing"
    ));
}

#[test]
fn runtime_metadata_missing_or_malformed_is_a_gap() {
    let mut tar = Tar::new();
    tar.file(&format!("{TOP}/{MANIFEST_PATH}"), &manifest_yaml(0));
    let (snapshot, _) = load_ok(&tar.bytes());
    assert!(snapshot.metadata.containers.is_empty());
    assert!(has_gap(&snapshot, METADATA_PATH, "missing"));

    let mut tar = Tar::new();
    tar.file(&format!("{TOP}/{MANIFEST_PATH}"), &manifest_yaml(0));
    tar.file(&format!("{TOP}/{METADATA_PATH}"), b"{\"containers\": 5}");
    let (snapshot, _) = load_ok(&tar.bytes());
    assert!(has_gap(
        &snapshot,
        METADATA_PATH,
        "not valid runtime metadata"
    ));
}

#[test]
fn names_are_normalized_and_duplicates_keep_the_first() {
    let mut tar = Tar::new();
    tar.raw(
        b"./snap-node1/manifest.yaml",
        tar::EntryType::Regular,
        0,
        b"",
    );
    let mut tar = Tar::snapshot(1);
    tar.raw(
        b"./snap-node1/root/./proc//1/stat",
        tar::EntryType::Regular,
        5,
        b"first",
    );
    tar.raw(
        b"snap-node1/root/proc/1/stat",
        tar::EntryType::Regular,
        6,
        b"second",
    );
    tar.raw(b"snap-node1/stray", tar::EntryType::Regular, 1, b"s");
    let (snapshot, _) = load_ok(&tar.bytes());
    assert_eq!(snapshot.file("proc/1/stat"), Some(b"first".as_slice()));
    assert!(has_gap(&snapshot, "proc/1/stat", "appears twice"));
    assert!(has_gap(
        &snapshot,
        "snap-node1/stray",
        "outside the snapshot's root/"
    ));
}

#[test]
fn gaps_past_the_limit_are_counted_not_listed() {
    let mut tar = Tar::snapshot(0);
    for i in 0..20 {
        tar.raw(
            format!("{TOP}/root/link{i}").as_bytes(),
            tar::EntryType::Symlink,
            0,
            b"",
        );
    }
    let limits = LoadLimits {
        gaps: 5,
        ..LoadLimits::DEFAULT
    };
    let (snapshot, _) = load_bytes("t", &tar.bytes(), &limits).unwrap();
    assert_eq!(snapshot.load_gaps.len(), 6);
    assert!(has_gap(
        &snapshot,
        "t",
        "15 more unusable entries not listed"
    ));
}

#[test]
fn archive_without_a_top_directory_loads_too() {
    let mut tar = Tar::new();
    tar.file(MANIFEST_PATH, &manifest_yaml(1));
    tar.file("root/proc/1/stat", b"x");
    let (snapshot, _) = load_ok(&tar.bytes());
    assert_eq!(snapshot.file("proc/1/stat"), Some(b"x".as_slice()));
    assert!(has_gap(&snapshot, METADATA_PATH, "missing"));
}

fn write_tree(top: &Path) {
    std::fs::create_dir_all(top.join("meta")).unwrap();
    std::fs::create_dir_all(top.join("root/proc/1")).unwrap();
    std::fs::create_dir_all(top.join("root/sys/fs/cgroup/memory/kubepods")).unwrap();
    std::fs::write(top.join(MANIFEST_PATH), manifest_yaml(2)).unwrap();
    std::fs::write(top.join(METADATA_PATH), b"{}").unwrap();
    std::fs::write(top.join("root/proc/1/stat"), b"1 (systemd) S 0").unwrap();
    std::fs::write(top.join("root/proc/1/ns"), b"net net:[1]\n").unwrap();
}

#[test]
fn extracted_directory_loads_from_its_top_or_its_parent() {
    let dir = TempDir::new("dir");
    let top = dir.0.join("snap-node1");
    write_tree(&top);
    for path in [&top, &dir.0] {
        let snapshot = load(path).unwrap();
        assert_eq!(
            snapshot.file("proc/1/stat"),
            Some(b"1 (systemd) S 0".as_slice())
        );
        assert!(snapshot.has_dir("sys/fs/cgroup/memory/kubepods"));
        assert!(
            snapshot.load_gaps.is_empty(),
            "{:?}",
            gap_details(&snapshot)
        );
    }
}

#[test]
fn extracted_directory_skips_links_and_special_files() {
    let dir = TempDir::new("special");
    let top = dir.0.join("snap");
    write_tree(&top);
    std::os::unix::fs::symlink("/etc/shadow", top.join("root/proc/1/exe")).unwrap();
    std::os::unix::fs::symlink("/", top.join("root/hostroot")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(top.join("root/proc/1/sock")).unwrap();
    std::fs::write(top.join("root/big"), vec![b'x'; 5000]).unwrap();
    let limits = LoadLimits {
        entry_bytes: 4096,
        ..LoadLimits::DEFAULT
    };
    let (snapshot, stats) = load_with_limits(&top, &limits).unwrap();
    assert_eq!(
        snapshot.file("proc/1/stat"),
        Some(b"1 (systemd) S 0".as_slice())
    );
    assert!(has_gap(&snapshot, "proc/1/exe", "symbolic link"));
    assert!(has_gap(&snapshot, "hostroot", "symbolic link"));
    assert!(!snapshot.has_dir("hostroot/etc"));
    assert!(has_gap(&snapshot, "proc/1/sock", "not a regular file"));
    assert!(has_gap(&snapshot, "big", "over the limit of 4 KiB"));
    assert_eq!(stats.inflated_bytes, 0);
}

#[test]
fn extracted_directory_never_follows_a_linked_root_or_meta() {
    let dir = TempDir::new("linkedroot");
    let top = dir.0.join("snap");
    std::fs::create_dir_all(&top).unwrap();
    std::fs::write(top.join(MANIFEST_PATH), manifest_yaml(0)).unwrap();
    let elsewhere = dir.0.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("runtime.json"), b"{}").unwrap();
    std::fs::write(elsewhere.join("secret"), b"laptop file").unwrap();
    std::os::unix::fs::symlink(&elsewhere, top.join(ROOT_DIR)).unwrap();
    std::os::unix::fs::symlink(&elsewhere, top.join("meta")).unwrap();
    let snapshot = load(&top).unwrap();
    assert_eq!(snapshot.file_count(), 0);
    assert!(has_gap(&snapshot, ROOT_DIR, "symbolic link"));
    assert!(has_gap(&snapshot, METADATA_PATH, "missing"));
}

#[test]
fn directory_without_a_manifest_or_with_several_is_refused() {
    let dir = TempDir::new("nomanifest");
    std::fs::create_dir_all(dir.0.join("x/root")).unwrap();
    let message = load(&dir.0).unwrap_err().to_string();
    assert!(message.ends_with("so not an sosreport either"), "{message}");
    write_tree(&dir.0.join("a"));
    write_tree(&dir.0.join("b"));
    let message = load(&dir.0).unwrap_err().to_string();
    assert!(
        message.ends_with("holds several snapshots (a, b); extract one and load its directory"),
        "{message}"
    );
}

#[test]
fn directory_with_a_future_manifest_is_refused() {
    let dir = TempDir::new("future");
    let top = dir.0.join("snap");
    write_tree(&top);
    std::fs::write(top.join(MANIFEST_PATH), b"format_version: 4\n").unwrap();
    let message = load(&top).unwrap_err().to_string();
    assert!(message.ends_with("manifest.yaml: format_version 4 is newer than this analyzer reads (3); use a newer nodesnap"), "{message}");
}

#[test]
fn normalize_table() {
    let cases: [(&[u8], Result<&str, &str>); 8] = [
        (b"a/b/c", Ok("a/b/c")),
        (b"./a//b/./c/", Ok("a/b/c")),
        (b"a/../b", Err("name holds '..'")),
        (b"/a", Err("absolute name")),
        (b".", Err("empty name")),
        (b"a\0b", Err("name holds a NUL byte")),
        (b"a\xff", Err("name is not UTF-8")),
        (
            br"system.slice/systemd-fsck@dev-disk-by\x2duuid.service",
            Ok(r"system.slice/systemd-fsck@dev-disk-by\x2duuid.service"),
        ),
    ];
    for (name, expect) in cases {
        assert_eq!(
            normalize(name).as_deref(),
            expect.map(str::to_string).as_deref(),
            "{name:?}"
        );
    }
    assert_eq!(
        normalize(&vec![b'a'; MAX_NAME_BYTES + 1]),
        Err("name longer than 4096 bytes")
    );
}

fn regression_input(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions/load")
        .join(name);
    std::fs::read(&path).unwrap()
}

#[test]
fn archives_written_by_python_tarfile_load_alike() {
    // GNU and PAX archives from another writer than the tar crate (the fuzz seeds).
    for name in [
        "seed-good.tar.gz",
        "seed-good.tar",
        "seed-two-members.tar.gz",
    ] {
        let (snapshot, _) = load_ok(&regression_input(name));
        assert_eq!(snapshot.file_count(), 3, "{name}");
        assert_eq!(
            snapshot.file("sys/fs/cgroup/memory/kubepods/memory.limit_in_bytes"),
            Some(b"9223372036854771712\n".as_slice()),
            "{name}"
        );
        assert!(snapshot.has_dir("sys/fs/cgroup/memory/kubepods"), "{name}");
        assert!(has_gap(
            &snapshot,
            "root",
            "counts 4 files but the snapshot holds 3"
        ));
    }
    for name in ["seed-hostile.tar.gz", "seed-hostile-pax.tar"] {
        let (snapshot, _) = load_ok(&regression_input(name));
        let long = "a".repeat(300);
        assert_eq!(snapshot.file(&long), Some(b"long".as_slice()), "{name}");
        assert_eq!(snapshot.file_count(), 1, "{name}");
        let paths: Vec<&str> = snapshot.load_gaps.iter().map(|g| g.path.as_str()).collect();
        for expected in ["../../etc/evil", "/abs", "link", "hard", "fifo", "dev"] {
            assert!(
                paths.contains(&expected),
                "{name}: {expected} not in {paths:?}"
            );
        }
    }
}

fn bundle_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, content) in files {
        nodesnap_format::bundle::push_record(&mut out, name, content);
    }
    out
}

#[test]
fn bundles_load_as_the_files_of_their_directory() {
    let mut tar = Tar::snapshot(5);
    tar.file(
        &format!("{TOP}/root/proc/42/{BUNDLE_FILE}"),
        &bundle_of(&[("stat", b"42 (nginx) S 1\n"), ("cmdline", b"nginx\0-g\0")]),
    );
    let cgroup = "sys/fs/cgroup/kubepods.slice/kubepods-pod1.slice";
    tar.file(
        &format!("{TOP}/root/{cgroup}/{BUNDLE_FILE}"),
        &bundle_of(&[
            ("memory.max", b"max\n"),
            ("cgroup.procs", b"42\n"),
            ("cpu.max", b""),
        ]),
    );
    let (snapshot, _) = load_ok(&gzip(&tar.bytes()));
    assert_eq!(
        snapshot.file("proc/42/stat"),
        Some(&b"42 (nginx) S 1\n"[..])
    );
    assert_eq!(snapshot.file("proc/42/cmdline"), Some(&b"nginx\0-g\0"[..]));
    assert_eq!(
        snapshot.file(&format!("{cgroup}/cgroup.procs")),
        Some(&b"42\n"[..])
    );
    assert_eq!(snapshot.file(&format!("{cgroup}/cpu.max")), Some(&b""[..]));
    assert_eq!(snapshot.file(&format!("{cgroup}/{BUNDLE_FILE}")), None);
    assert_eq!(snapshot.pids(), vec![42]);
    assert!(snapshot.has_dir("sys/fs/cgroup/kubepods.slice"));
    assert!(snapshot.has_dir(cgroup));
    assert_eq!(snapshot.file_count(), 5);
    assert!(snapshot.load_gaps.is_empty(), "{:?}", snapshot.load_gaps);
}

#[test]
fn an_empty_bundle_still_records_its_cgroup_directory() {
    let mut tar = Tar::snapshot(0);
    tar.file(
        &format!("{TOP}/root/sys/fs/cgroup/empty/{BUNDLE_FILE}"),
        b"",
    );
    let (snapshot, _) = load_ok(&gzip(&tar.bytes()));
    assert!(snapshot.has_dir("sys/fs/cgroup/empty"));
    assert_eq!(
        snapshot.dir("sys/fs/cgroup/empty").map(|d| d.len()),
        Some(0)
    );
    assert!(snapshot.load_gaps.is_empty());
}

#[test]
fn a_damaged_bundle_keeps_the_records_before_the_damage_and_names_it() {
    let mut bytes = bundle_of(&[("stat", b"7 (x) S 1\n")]);
    let offset = bytes.len();
    bytes.extend_from_slice(b"==> status 999 <==\nName:\tx\n");
    let mut tar = Tar::snapshot(1);
    tar.file(&format!("{TOP}/root/proc/7/{BUNDLE_FILE}"), &bytes);
    let (snapshot, _) = load_ok(&gzip(&tar.bytes()));
    assert_eq!(snapshot.file("proc/7/stat"), Some(&b"7 (x) S 1\n"[..]));
    assert_eq!(snapshot.file("proc/7/status"), None);
    let expected = format!("damaged record at byte {offset}: content runs past the end");
    assert!(
        has_gap(&snapshot, &format!("proc/7/{BUNDLE_FILE}"), &expected),
        "{:?}",
        gap_details(&snapshot)
    );
}

#[test]
fn a_name_twice_in_a_bundle_or_beside_it_keeps_the_bundles_first_copy() {
    let mut tar = Tar::snapshot(2);
    tar.file(
        &format!("{TOP}/root/proc/9/{BUNDLE_FILE}"),
        &bundle_of(&[
            ("stat", b"first"),
            ("stat", b"second"),
            ("cgroup", b"0::/\n"),
        ]),
    );
    tar.file(&format!("{TOP}/root/proc/9/cgroup"), b"0::/elsewhere\n");
    tar.file(&format!("{TOP}/root/proc/9/oom_score_adj"), b"0\n");
    let (snapshot, _) = load_ok(&gzip(&tar.bytes()));
    assert_eq!(snapshot.file("proc/9/stat"), Some(&b"first"[..]));
    assert_eq!(snapshot.file("proc/9/cgroup"), Some(&b"0::/\n"[..]));
    assert_eq!(snapshot.file("proc/9/oom_score_adj"), Some(&b"0\n"[..]));
    let gaps = gap_details(&snapshot);
    assert!(
        has_gap(
            &snapshot,
            &format!("proc/9/{BUNDLE_FILE}"),
            "holds stat twice"
        ),
        "{gaps:?}"
    );
    assert!(
        has_gap(&snapshot, "proc/9/cgroup", "bundle's copy is kept"),
        "{gaps:?}"
    );
}

#[test]
fn a_bundle_of_many_repeated_names_loads_in_linear_time() {
    // A hostile bundle: 200,000 records of two names. Checked by a set, not pairwise.
    let mut bytes = Vec::new();
    for i in 0..200_000u32 {
        let name = if i % 2 == 0 { "a" } else { "b" };
        nodesnap_format::bundle::push_record(&mut bytes, name, b"");
    }
    for i in 0..100_000u32 {
        nodesnap_format::bundle::push_record(&mut bytes, &format!("f{i}"), b"");
    }
    let mut tar = Tar::snapshot(0);
    tar.file(&format!("{TOP}/root/x/{BUNDLE_FILE}"), &bytes);
    let (snapshot, _) = load_ok(&gzip(&tar.bytes()));
    assert_eq!(snapshot.file_count(), 100_002);
    assert!(snapshot.load_gaps.len() <= MAX_GAPS + 3);
}

#[test]
fn format_1_and_format_2_of_the_same_node_load_alike() {
    let files: &[(&str, &[u8])] = &[
        ("stat", b"1 (systemd) S 0\n"),
        ("status", b"Name:\tsystemd\n"),
        ("ns", b"net net:[4026531992]\n"),
    ];
    let mut v1 = Tar::snapshot(3);
    for (name, content) in files {
        v1.file(&format!("{TOP}/root/proc/1/{name}"), content);
    }
    v1.dir(&format!("{TOP}/root/sys/fs/cgroup/memory/"));
    let mut v2 = Tar::snapshot(3);
    v2.file(
        &format!("{TOP}/root/proc/1/{BUNDLE_FILE}"),
        &bundle_of(files),
    );
    v2.file(
        &format!("{TOP}/root/sys/fs/cgroup/memory/{BUNDLE_FILE}"),
        b"",
    );
    let (one, _) = load_ok(&gzip(&v1.bytes()));
    let (two, _) = load_ok(&gzip(&v2.bytes()));
    let listing = |s: &Snapshot| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = s
            .files_under("proc")
            .map(|(p, c)| (p, c.to_vec()))
            .collect();
        files.sort();
        files
    };
    assert_eq!(listing(&one), listing(&two));
    assert_eq!(
        one.dirs_under("sys").collect::<Vec<_>>(),
        two.dirs_under("sys").collect::<Vec<_>>()
    );
    assert!(one.load_gaps.is_empty() && two.load_gaps.is_empty());
}

#[test]
fn runtime_metadata_has_its_own_size_limit_because_it_grows_with_the_node() {
    let limits = LoadLimits {
        entry_bytes: 1024,
        metadata_bytes: 8192,
        ..LoadLimits::DEFAULT
    };
    let records = |n: usize| {
        let record = r#"{"source":"containerd-task","path":"p","id":"x"}"#;
        format!("{{\"containers\": [{}]}}", vec![record; n].join(","))
    };
    let build = |metadata: &str| {
        let mut tar = Tar::new();
        tar.file(&format!("{TOP}/{MANIFEST_PATH}"), &manifest_yaml(1));
        tar.file(&format!("{TOP}/{METADATA_PATH}"), metadata.as_bytes());
        tar.file(&format!("{TOP}/root/proc/big"), &[b'x'; 2048]);
        gzip(&tar.bytes())
    };
    let fits = records(100);
    assert!(fits.len() > 1024 && fits.len() < 8192);
    let (snapshot, _) = load_bytes("t", &build(&fits), &limits).unwrap();
    assert_eq!(snapshot.metadata.containers.len(), 100);
    // An ordinary file of the same size is still held to the per-file limit.
    assert!(snapshot.file("proc/big").is_none());
    assert!(has_gap(
        &snapshot,
        "proc/big",
        "over the limit of 1 KiB per file"
    ));

    let too_big = records(400);
    assert!(too_big.len() > 8192);
    let (snapshot, _) = load_bytes("t", &build(&too_big), &limits).unwrap();
    assert!(snapshot.metadata.containers.is_empty());
    assert!(
        has_gap(
            &snapshot,
            &format!("{TOP}/{METADATA_PATH}"),
            "over the limit of 8 KiB per file"
        ),
        "{:?}",
        gap_details(&snapshot)
    );
}

/// A snapshot whose manifest has `counts.files` written as `files` (any YAML scalar).
fn snapshot_with_files_count(files: &str) -> Vec<u8> {
    let yaml = String::from_utf8(manifest_yaml(0)).unwrap();
    assert!(yaml.contains("  files: 0\n"), "{yaml}");
    let yaml = yaml.replace("  files: 0\n", &format!("  files: {files}\n"));
    let mut tar = Tar::new();
    tar.file(&format!("{TOP}/{MANIFEST_PATH}"), yaml.as_bytes());
    tar.file(&format!("{TOP}/{METADATA_PATH}"), b"{\"containers\": []}");
    tar.file(&format!("{TOP}/root/proc/1/stat"), b"1 (init) S 0");
    tar.bytes()
}

#[test]
fn a_negative_or_absurd_count_in_the_manifest_is_a_hint_not_a_refusal() {
    for (files, note) in [
        (
            "-1",
            "counts.files is -1, not a count; taken as unknown (0)",
        ),
        (
            "lots",
            "counts.files is lots, not a count; taken as unknown (0)",
        ),
        (
            "null",
            "counts.files is null, not a count; taken as unknown (0)",
        ),
        (
            "18446744073709551615",
            "counts.files is 18446744073709551615, more files than any snapshot",
        ),
    ] {
        let (snapshot, _) = load_ok(&snapshot_with_files_count(files));
        assert_eq!(snapshot.file_count(), 1, "{files}");
        assert!(
            has_gap(&snapshot, MANIFEST_PATH, note),
            "{files}: {:?}",
            gap_details(&snapshot)
        );
        assert!(
            !gap_details(&snapshot)
                .iter()
                .any(|(_, d)| d.contains("are missing")),
            "{files}: {:?}",
            gap_details(&snapshot)
        );
    }
}

#[test]
fn one_bad_runtime_record_is_a_gap_and_the_rest_of_the_file_is_kept() {
    let metadata = br#"{"containers": [
        {"source": "docker", "path": "p/a", "id": "a", "name": "web"},
        {"source": "unknown-runtime", "path": "p/b", "id": "b"},
        {"source": "docker", "path": "p/c", "id": "c", "pid": -1},
        {"source": "docker", "path": "p/d", "id": "d", "labels": null},
        {"source": "docker", "path": "p/e", "id": "e", "name": "db"}
    ]}"#;
    let mut tar = Tar::new();
    tar.file(&format!("{TOP}/{MANIFEST_PATH}"), &manifest_yaml(0));
    tar.file(&format!("{TOP}/{METADATA_PATH}"), metadata);
    let (snapshot, _) = load_ok(&tar.bytes());
    let kept: Vec<&str> = snapshot
        .metadata
        .containers
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(kept, ["a", "e"]);
    for index in [1, 2, 3] {
        assert!(
            has_gap(
                &snapshot,
                METADATA_PATH,
                &format!("not valid runtime metadata: containers[{index}]: ")
            ),
            "{:?}",
            gap_details(&snapshot)
        );
    }
}
