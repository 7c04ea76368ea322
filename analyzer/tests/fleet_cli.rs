//! `analyzer fleet` as a support engineer runs it on a directory of snapshots: every good
//! snapshot on the page with its report beside it, each bad input a row saying why and a line
//! on stderr, the exit status saying that some input was bad, and nothing read when the page
//! could not be written anyway.

use nodesnap_fixtures::TempDir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn analyzer(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_analyzer"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the analyzer binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

/// A directory of snapshots as a ticket gathers them: the samples, a copy of one under another
/// name, a damaged file, and a note.
fn fleet_dir(name: &str) -> (TempDir, usize) {
    let dir = TempDir::new(name);
    let snaps = dir.join("snaps");
    std::fs::create_dir_all(&snaps).unwrap();
    let mut count = 0;
    for entry in std::fs::read_dir(samples()).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".tar.gz") {
            std::fs::copy(&path, snaps.join(path.file_name().unwrap())).unwrap();
            count += 1;
        }
    }
    std::fs::copy(
        samples().join("seed-node.tar.gz"),
        snaps.join("zz-seed-copy.tgz"),
    )
    .unwrap();
    std::fs::write(snaps.join("broken.tar.gz"), b"\x1f\x8bnot really gzip").unwrap();
    std::fs::write(snaps.join("NOTES.txt"), b"collected on Tuesday").unwrap();
    (dir, count)
}

#[test]
fn a_directory_of_snapshots_gives_one_page_a_report_per_node_and_rows_for_the_bad_ones() {
    let (dir, samples) = fleet_dir("fleet-cli");
    std::fs::create_dir_all(dir.join("out")).unwrap();
    let output = analyzer(
        &["fleet", "snaps", "-o", "out/fleet.html", "--with-reports"],
        &dir.join(""),
    );
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "a bad input: {err}");
    assert!(
        err.contains("analyzer: snaps/broken.tar.gz: "),
        "the bad input is named on stderr: {err}"
    );
    assert!(
        !err.contains("NOTES.txt"),
        "a file without a snapshot's name is no input, as for export: {err}"
    );
    assert!(
        err.contains(&format!(
            "wrote out/fleet.html: {samples} nodes read, 1 input not read, 1 repeated snapshot \
             shown once, {samples} reports beside it"
        )),
        "{err}"
    );
    let page = std::fs::read_to_string(dir.join("out/fleet.html")).expect("the page is written");
    assert!(page.contains("snaps/broken.tar.gz"));
    assert!(page.contains("the same snapshot as snaps/seed-node.tar.gz: shown once"));
    // Every report the page links to is beside it, and every report beside it is linked.
    let mut linked: Vec<String> = page
        .match_indices("href=\"")
        .map(|(at, _)| {
            let rest = &page[at + 6..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .filter(|href| !href.starts_with('#'))
        .map(|href| href.split('#').next().unwrap().to_string())
        .collect();
    linked.sort();
    linked.dedup();
    let mut written: Vec<String> = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "fleet.html")
        .collect();
    written.sort();
    assert_eq!(linked, written);
    assert_eq!(written.len(), samples);
    for name in &written {
        let (host, rest) = name.rsplit_once('-').unwrap();
        assert!(!host.is_empty());
        assert_eq!(
            rest.len(),
            32 + ".html".len(),
            "{name}: host-<snapshot id>.html"
        );
        let report = std::fs::read_to_string(dir.join("out").join(name)).unwrap();
        assert!(report.contains("<title>") && report.contains("nodesnap report"));
    }
}

#[test]
fn every_good_input_read_exits_0_and_fail_on_says_1() {
    let dir = TempDir::new("fleet-cli-good");
    let seed = samples().join("seed-node.tar.gz");
    let k3s = samples().join("k3s-v2-cgroupfs.tar.gz");
    let (seed, k3s) = (seed.to_str().unwrap(), k3s.to_str().unwrap());
    let output = analyzer(&["fleet", seed, k3s], &dir.join(""));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(dir.join("fleet.html").is_file(), "fleet.html by default");
    let output = analyzer(&["fleet", "--fail-on", "warning", seed, k3s], &dir.join(""));
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let output = analyzer(
        &["fleet", "--fail-on", "critical", seed, k3s],
        &dir.join(""),
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn the_page_goes_to_standard_output_with_dash() {
    let dir = TempDir::new("fleet-cli-stdout");
    let seed = samples().join("seed-node.tar.gz");
    let output = analyzer(&["fleet", seed.to_str().unwrap(), "-o", "-"], &dir.join(""));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("my-node1"));
}

#[test]
fn nothing_is_read_when_the_page_could_not_be_written() {
    let dir = TempDir::new("fleet-cli-refused");
    let seed = samples().join("seed-node.tar.gz");
    let seed = seed.to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["fleet", seed, "-o", "-", "--with-reports"],
            "analyzer: --with-reports writes each node's report beside the page",
        ),
        (
            &["fleet", seed, "-o", "missing/fleet.html"],
            "analyzer: missing: no such directory",
        ),
        (&["fleet", "empty"], "analyzer: no snapshots in empty"),
        (&["fleet", seed, "-o", seed], "refusing to write"),
    ];
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    for (args, says) in cases {
        let output = analyzer(args, &dir.join(""));
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(output.stdout.is_empty());
    }
    assert!(
        std::fs::metadata(seed).unwrap().len() > 1000,
        "the input is untouched"
    );
}
