//! The loader on sosreports: told by their marks whatever their compression, only the files the
//! model reads kept, and the same hostile inputs as snapshots (traversal, links, bombs,
//! truncation) loading what they can with gaps or failing with one line.

use super::tests::{gap_details, gzip, has_gap, load_err, Tar, TempDir};
use super::*;
use crate::snapshot::Origin;
use std::io::Write;

const SOS_TOP: &str = "sosreport-node1-2026-01-01-abcdefg";

/// A small sosreport: sos's marks, a process file, a cgroup directory with a control file and
/// one it does not need, a command output, and files no reader uses.
fn sos_tar() -> Tar {
    let mut tar = Tar::new();
    tar.dir(SOS_TOP);
    tar.file(&format!("{SOS_TOP}/version.txt"), b"sos report: 4.12.0\n");
    tar.dir(&format!("{SOS_TOP}/sos_logs"));
    tar.file(&format!("{SOS_TOP}/sos_logs/sos.log"), b"log");
    tar.file(&format!("{SOS_TOP}/proc/42/status"), b"Name:\tsleep\n");
    tar.file(&format!("{SOS_TOP}/proc/42/stack"), b"[<0>] do_nanosleep\n");
    tar.dir(&format!("{SOS_TOP}/sys/fs/cgroup/memory/kubepods"));
    tar.file(
        &format!("{SOS_TOP}/sys/fs/cgroup/memory/kubepods/memory.limit_in_bytes"),
        b"1073741824\n",
    );
    tar.file(
        &format!("{SOS_TOP}/sys/fs/cgroup/memory/kubepods/memory.numa_stat"),
        b"cache 0\n",
    );
    tar.file(
        &format!("{SOS_TOP}/sos_commands/process/ps_alxwww"),
        b"F   UID   PID  PPID PRI  NI    VSZ   RSS WCHAN  STAT TTY        TIME COMMAND\n",
    );
    tar.file(&format!("{SOS_TOP}/var/log/messages"), &[b'x'; 4096]);
    tar
}

fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = liblzma::write::XzEncoder::new(Vec::new(), 6);
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn bzip2(bytes: &[u8]) -> Vec<u8> {
    bzip2_blocks(bytes, bzip2::Compression::best())
}

/// bzip2 with blocks of `level` x 100 kB: a block is decoded only whole.
fn bzip2_blocks(bytes: &[u8], level: bzip2::Compression) -> Vec<u8> {
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), level);
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn load_sos(bytes: &[u8], limits: &LoadLimits) -> (Snapshot, LoadStats) {
    load_bytes("sos.tar.xz", bytes, limits).unwrap()
}

fn assert_is_the_small_sosreport(snapshot: &Snapshot, what: &str) {
    assert_eq!(snapshot.origin, Origin::Sosreport, "{what}");
    assert_eq!(
        snapshot.file("proc/42/status"),
        Some(b"Name:\tsleep\n".as_slice()),
        "{what}"
    );
    assert_eq!(
        snapshot.file("sys/fs/cgroup/memory/kubepods/memory.limit_in_bytes"),
        Some(b"1073741824\n".as_slice()),
        "{what}"
    );
    assert!(snapshot.file("version.txt").is_some(), "{what}");
    assert!(
        snapshot.file("sos_commands/process/ps_alxwww").is_some(),
        "{what}"
    );
    // What no reader uses is never held, and passing it over is no gap.
    for unused in [
        "var/log/messages",
        "proc/42/stack",
        "sys/fs/cgroup/memory/kubepods/memory.numa_stat",
        "sos_logs/sos.log",
    ] {
        assert!(snapshot.file(unused).is_none(), "{what}: {unused}");
    }
    assert!(
        snapshot.load_gaps.is_empty(),
        "{what}: {:?}",
        gap_details(snapshot)
    );
}

#[test]
fn an_sosreport_loads_alike_from_xz_bzip2_gzip_and_plain_tar() {
    let tar = sos_tar().bytes();
    for (what, bytes) in [
        ("xz", xz(&tar)),
        ("bzip2", bzip2(&tar)),
        ("gzip", gzip(&tar)),
        ("tar", tar.clone()),
    ] {
        let (snapshot, stats) = load_sos(&bytes, &LoadLimits::DEFAULT);
        assert_is_the_small_sosreport(&snapshot, what);
        // The 4 KiB log was passed over, not held.
        assert!(stats.retained_bytes < 2048, "{what}: {stats:?}");
    }
}

#[test]
fn an_extracted_sosreport_loads_from_its_top_or_its_parent() {
    let dir = TempDir::new("sos-extracted");
    let bytes = sos_tar().bytes();
    let mut archive = tar::Archive::new(bytes.as_slice());
    archive.unpack(&dir.0).unwrap();
    for path in [dir.0.join(SOS_TOP), dir.0.clone()] {
        let snapshot = load(&path).unwrap();
        assert_is_the_small_sosreport(&snapshot, &path.display().to_string());
    }
}

#[test]
fn an_extracted_sosreport_never_follows_links_and_skips_what_it_does_not_read() {
    let dir = TempDir::new("sos-links");
    let bytes = sos_tar().bytes();
    let mut archive = tar::Archive::new(bytes.as_slice());
    archive.unpack(&dir.0).unwrap();
    let top = dir.0.join(SOS_TOP);
    let outside = dir.0.join("outside-secret");
    std::fs::write(&outside, "secret").unwrap();
    std::os::unix::fs::symlink(&outside, top.join("proc/42/cgroup")).unwrap();
    // sos's own top-level links to its command outputs are no loss.
    std::os::unix::fs::symlink("sos_commands/process/ps_alxwww", top.join("ps")).unwrap();
    std::fs::create_dir_all(top.join("sys/fs/cgroup/cpu,cpuacct")).unwrap();
    std::os::unix::fs::symlink("cpu,cpuacct", top.join("sys/fs/cgroup/cpu")).unwrap();
    let snapshot = load(&top).unwrap();
    assert_eq!(snapshot.file("proc/42/cgroup"), None);
    assert!(has_gap(&snapshot, "proc/42/cgroup", "symbolic link"));
    assert_eq!(snapshot.load_gaps.len(), 1, "{:?}", gap_details(&snapshot));
    assert!(snapshot.has_dir("sys/fs/cgroup/cpu,cpuacct"));
}

#[test]
fn unsafe_names_and_links_in_an_sosreport_are_gaps_and_the_rest_loads() {
    let mut tar = sos_tar();
    tar.raw(b"../../etc/cron.d/x", tar::EntryType::Regular, 1, b"x");
    tar.raw(b"/etc/passwd", tar::EntryType::Regular, 1, b"x");
    tar.raw(
        format!("{SOS_TOP}/proc/7/status").as_bytes(),
        tar::EntryType::Symlink,
        0,
        b"",
    );
    tar.raw(
        format!("{SOS_TOP}/hostname").as_bytes(),
        tar::EntryType::Symlink,
        0,
        b"",
    );
    let (snapshot, _) = load_sos(&xz(&tar.bytes()), &LoadLimits::DEFAULT);
    assert_eq!(snapshot.origin, Origin::Sosreport);
    assert!(has_gap(
        &snapshot,
        "../../etc/cron.d/x",
        "unsafe entry skipped"
    ));
    assert!(has_gap(&snapshot, "/etc/passwd", "unsafe entry skipped"));
    assert!(has_gap(&snapshot, "proc/7/status", "symbolic link skipped"));
    // sos's top-level links to its command outputs are passed over quietly.
    assert_eq!(snapshot.load_gaps.len(), 3, "{:?}", gap_details(&snapshot));
    assert!(snapshot.file("proc/42/status").is_some());
}

#[test]
fn an_xz_or_bzip2_bomb_stops_at_the_inflated_limit() {
    let limits = LoadLimits {
        inflated_bytes: 4 << 20,
        ..LoadLimits::DEFAULT
    };
    let mut tar = sos_tar();
    // Honest entries of zeros, 64 MiB in all, that compress to almost nothing.
    for i in 0..64 {
        tar.file(
            &format!("{SOS_TOP}/proc/{}/status", 1000 + i),
            &vec![0u8; 1 << 20],
        );
    }
    let tar = tar.bytes();
    for (what, bytes) in [("xz", xz(&tar)), ("bzip2", bzip2(&tar))] {
        assert!(bytes.len() < 64 << 10, "{what}: {} bytes", bytes.len());
        let (snapshot, stats) = load_sos(&bytes, &limits);
        assert!(stats.inflated_bytes <= limits.inflated_bytes, "{what}");
        assert!(
            snapshot.load_gaps.iter().any(|g| g
                .detail
                .as_deref()
                .unwrap_or("")
                .contains("decompressed data")),
            "{what}: {:?}",
            gap_details(&snapshot)
        );
        // What came before the limit is kept.
        assert!(snapshot.file("proc/42/status").is_some(), "{what}");
    }
}

#[test]
fn an_xz_stream_asking_for_more_decoder_memory_than_allowed_is_refused() {
    let limits = LoadLimits {
        decoder_bytes: 1 << 20,
        ..LoadLimits::DEFAULT
    };
    // Preset 6 asks for an 8 MiB dictionary.
    let message = match load_bytes("sos.tar.xz", &xz(&sos_tar().bytes()), &limits) {
        Ok(_) => panic!("loaded past the decoder's memory limit"),
        Err(e) => e.to_string(),
    };
    assert!(
        message.starts_with("sos.tar.xz: archive unreadable: "),
        "{message}"
    );
    assert!(message.contains("emory"), "{message}");
    assert!(!message.contains('\n'));
}

#[test]
fn a_truncated_xz_or_bzip2_sosreport_keeps_what_came_before_the_cut() {
    let mut tar = sos_tar();
    // Text that does not compress to nothing, so that the cut falls in the middle of the data.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..200 {
        let noise: String = (0..3000)
            .map(|_| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                char::from(b'a' + (seed >> 59) as u8)
            })
            .collect();
        tar.file(
            &format!("{SOS_TOP}/proc/{}/status", 1000 + i),
            format!("Name:\tp{i}\n{noise}").as_bytes(),
        );
    }
    let tar = tar.bytes();
    // bzip2 decodes a block only whole: with 100 kB blocks, a cut at two thirds leaves several.
    let bzip2_small_blocks = bzip2_blocks(&tar, bzip2::Compression::fast());
    for (what, whole) in [("xz", xz(&tar)), ("bzip2", bzip2_small_blocks)] {
        let cut = &whole[..whole.len() * 2 / 3];
        let (snapshot, _) = load_sos(cut, &LoadLimits::DEFAULT);
        assert_eq!(snapshot.origin, Origin::Sosreport, "{what}");
        assert!(snapshot.file("proc/42/status").is_some(), "{what}");
        assert!(snapshot.file("proc/1199/status").is_none(), "{what}");
        assert!(
            snapshot.load_gaps.iter().any(|g| g
                .detail
                .as_deref()
                .unwrap_or("")
                .contains("anything after it")),
            "{what}: {:?}",
            gap_details(&snapshot)
        );
    }
}

#[test]
fn a_nodesnap_manifest_wins_over_sos_marks_and_two_sosreports_are_refused() {
    let mut tar = Tar::snapshot(1);
    tar.file("snap-node1/root/proc/1/stat", b"1 (init) S 0");
    tar.file("snap-node1/version.txt", b"sos report: 4.12.0\n");
    let (snapshot, _) = load_bytes("t.tar", &tar.bytes(), &LoadLimits::DEFAULT).unwrap();
    assert_eq!(snapshot.origin, Origin::Nodesnap);
    assert!(has_gap(
        &snapshot,
        "snap-node1/version.txt",
        "outside the snapshot's root/"
    ));

    let mut two = sos_tar();
    two.file("sosreport-other/version.txt", b"sos report: 4.12.0\n");
    let message = load_err(&two.bytes());
    assert!(
        message.contains(
            "holds several snapshots (sosreport-node1-2026-01-01-abcdefg, sosreport-other)"
        ),
        "{message}"
    );
}

#[test]
fn an_sosreport_at_the_archive_root_loads_too() {
    let mut tar = Tar::new();
    tar.file("version.txt", b"sosreport: 4.0\n");
    tar.file("proc/1/cgroup", b"0::/\n");
    tar.file("etc/shadow", b"root:x");
    let (snapshot, _) = load_sos(&xz(&tar.bytes()), &LoadLimits::DEFAULT);
    assert_eq!(snapshot.origin, Origin::Sosreport);
    assert_eq!(snapshot.file("proc/1/cgroup"), Some(b"0::/\n".as_slice()));
    assert!(snapshot.file("etc/shadow").is_none());
}

#[test]
fn the_committed_sosreports_load_as_sosreports() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/sos");
    for name in ["sosreport-debian-4.0.tar.xz", "sosreport-4.12.0.tar.xz"] {
        let snapshot = load(&dir.join(name)).unwrap();
        assert_eq!(snapshot.origin, Origin::Sosreport, "{name}");
        assert!(snapshot.file("version.txt").is_some(), "{name}");
        assert!(snapshot.has_dir("sys/fs/cgroup/memory/kubepods"), "{name}");
        assert!(
            snapshot
                .file("sos_commands/process/ps_axo_pid_ppid_user_group_lwp_nlwp_start_time_comm_cgroup")
                .is_some(),
            "{name}"
        );
    }
}

#[test]
fn an_xz_or_bzip2_archive_that_is_no_sosreport_or_no_archive_gets_one_line_naming_the_file() {
    let mut other = Tar::new();
    other.dir("backup");
    other.file("backup/notes.txt", b"not a node\n");
    let other = other.bytes();
    let not_sos = "test.tar.gz: no manifest.yaml in a top directory, so this is not a nodesnap \
                   snapshot, and no sos_commands/, sos_logs/, sos_reports/ or version.txt, so \
                   not an sosreport either";
    let mut xz_of_text = xz(&[b'x'; 4096]);
    let mut bzip2_of_text = bzip2(&[b'x'; 4096]);
    let cases: [(&str, Vec<u8>, &str); 6] = [
        ("xz of another tar", xz(&other), not_sos),
        ("bzip2 of another tar", bzip2(&other), not_sos),
        (
            "xz of text",
            xz_of_text.clone(),
            "test.tar.gz: archive unreadable: archive damaged at its start: ",
        ),
        (
            "bzip2 of text",
            bzip2_of_text.clone(),
            "test.tar.gz: archive unreadable: archive damaged at its start: ",
        ),
        (
            "xz magic then garbage",
            {
                xz_of_text.truncate(6);
                xz_of_text.extend_from_slice(&[0x5a; 600]);
                xz_of_text
            },
            "test.tar.gz: archive unreadable: archive damaged at its start: ",
        ),
        (
            "bzip2 magic then garbage",
            {
                bzip2_of_text.truncate(4);
                bzip2_of_text.extend_from_slice(&[0x5a; 600]);
                bzip2_of_text
            },
            "test.tar.gz: archive unreadable: archive damaged at its start: ",
        ),
    ];
    for (name, bytes, expect) in cases {
        let message = load_err(&bytes);
        assert!(message.starts_with(expect), "case {name}: {message}");
        assert!(!message.contains('\n'), "case {name}: {message}");
        assert!(
            message.chars().count() < expect.len() + 130,
            "case {name}: {message}"
        );
    }
}

#[test]
fn sos_manifest_json_grows_with_the_node_and_is_kept_past_the_per_file_limit() {
    // sos lists every file it copied: 22 MB on a 2,500-process node.
    let listing = "\"sys/fs/cgroup/memory/kubepods/memory.numa_stat\", ".repeat(400_000);
    let manifest = format!(
        "{{\"version\": \"4.0\", \"components\": {{\"report\": {{\"plugins\": {{\"cgroups\": \
         {{\"files\": [{listing}\"x\"]}}}}}}}}}}"
    );
    assert!(manifest.len() as u64 > MAX_ENTRY_BYTES);
    let mut tar = sos_tar();
    tar.file(
        &format!("{SOS_TOP}/sos_reports/manifest.json"),
        manifest.as_bytes(),
    );
    let (snapshot, _) = load_sos(&tar.bytes(), &LoadLimits::DEFAULT);
    assert!(snapshot.load_gaps.is_empty(), "{:?}", snapshot.load_gaps);
    let kept = snapshot.text("sos_reports/manifest.json").expect("kept");
    let run = crate::sosreport::parse_manifest_json(&kept).unwrap();
    assert_eq!(run.version.as_deref(), Some("4.0"));
    assert_eq!(run.plugins, ["cgroups"]);
}
