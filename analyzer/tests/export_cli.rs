//! `analyzer export` as a support engineer runs it over a folder of tickets: every readable
//! snapshot exported, each bad input one stderr line and one gaps row, exit codes 0/1/2, the
//! snapshot id kept by copies, renames and extraction.

use nodesnap_fixtures::TempDir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn analyzer(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_analyzer"))
        .args(args)
        .output()
        .expect("the analyzer binary runs")
}

fn export(inputs: &[&Path], out: &Path, format: &str) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec!["export".as_ref()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    args.extend(["-o".as_ref(), out.as_os_str(), "--format".as_ref()]);
    args.push(format.as_ref());
    analyzer(&args)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../samples/{name}.tar.gz"))
}

fn rows(dir: &Path, table: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join(format!("{table}.ndjson"))).expect("a table");
    text.lines()
        .map(|line| serde_json::from_str(line).expect("one object per line"))
        .collect()
}

#[test]
fn bad_inputs_are_gaps_rows_and_stderr_lines_and_every_good_snapshot_is_exported() {
    let dir = TempDir::new("export-cli");
    let tickets = dir.join("tickets");
    std::fs::create_dir_all(tickets.join("t1")).unwrap();
    std::fs::create_dir_all(tickets.join("t2")).unwrap();
    std::fs::copy(sample("seed-node"), tickets.join("t1/node-a.tar.gz")).unwrap();
    std::fs::copy(sample("k3s-v2-cgroupfs"), tickets.join("t2/edge.tgz")).unwrap();
    std::fs::write(tickets.join("t2/broken.tar.gz"), b"not a snapshot at all").unwrap();
    let missing = dir.join("gone.tar.gz");
    let out = dir.join("new/export");

    let output = export(&[&tickets, &missing], &out, "ndjson");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let err = stderr(&output);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    let broken = tickets.join("t2/broken.tar.gz");
    assert!(
        lines[0].starts_with(&format!(
            "analyzer: {}: not a nodesnap snapshot",
            broken.display()
        )),
        "{err}"
    );
    assert!(
        lines[1].starts_with(&format!("analyzer: {}: cannot read:", missing.display())),
        "{err}"
    );
    assert!(
        lines[2].contains("exported 2 snapshots") && lines[2].contains("2 inputs unreadable"),
        "{err}"
    );

    let nodes = rows(&out, "nodes");
    let hosts: Vec<&str> = nodes
        .iter()
        .filter_map(|n| n["hostname"].as_str())
        .collect();
    assert_eq!(hosts, ["my-node1", "edge-01"]);
    let unreadable: Vec<serde_json::Value> = rows(&out, "gaps")
        .into_iter()
        .filter(|g| g["snapshot_id"].is_null())
        .collect();
    let paths: Vec<&str> = unreadable
        .iter()
        .filter_map(|g| g["path"].as_str())
        .collect();
    assert_eq!(
        paths,
        [broken.display().to_string(), missing.display().to_string()]
    );
    assert!(unreadable.iter().all(|g| g["reason"] == "unreadable"));
    // Every table and the schema, nothing half-written left behind.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "cgroups.ndjson",
            "containers.ndjson",
            "findings.ndjson",
            "gaps.ndjson",
            "namespaces.ndjson",
            "nodes.ndjson",
            "pods.ndjson",
            "process_cgroups.ndjson",
            "processes.ndjson",
            "runtimes.ndjson",
            "schema.json",
        ]
    );
}

#[test]
fn a_copy_a_rename_and_the_extracted_directory_keep_the_snapshot_id_and_are_exported_once() {
    let dir = TempDir::new("export-cli");
    let renamed = dir.join("ticket-4711.tgz");
    std::fs::copy(sample("crio-v1-systemd"), &renamed).unwrap();
    let extracted = dir.join("extracted");
    std::fs::create_dir_all(&extracted).unwrap();
    let untar = Command::new("tar")
        .arg("xzf")
        .arg(sample("crio-v1-systemd"))
        .arg("-C")
        .arg(&extracted)
        .status()
        .expect("tar runs");
    assert!(untar.success());

    let alone = dir.join("alone");
    let output = export(&[&renamed], &alone, "ndjson");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let id = rows(&alone, "nodes")[0]["snapshot_id"].clone();

    let together = dir.join("together");
    let output = export(
        &[&sample("crio-v1-systemd"), &extracted],
        &together,
        "ndjson",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("the same snapshot as")
            && stderr(&output).contains("exported once"),
        "{}",
        stderr(&output)
    );
    let nodes = rows(&together, "nodes");
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0]["snapshot_id"], id);
    // Another collection of another node never shares it.
    let other = dir.join("other");
    export(&[&sample("seed-node")], &other, "ndjson");
    assert_ne!(rows(&other, "nodes")[0]["snapshot_id"], id);
}

#[test]
fn usage_errors_and_unwritable_outputs_exit_2_with_one_line() {
    let dir = TempDir::new("export-cli");
    let seed = sample("seed-node");
    let no_output = analyzer(&["export".as_ref(), seed.as_os_str()]);
    assert_eq!(no_output.status.code(), Some(2));

    let fail_on = analyzer(&[
        "--fail-on".as_ref(),
        "warning".as_ref(),
        "export".as_ref(),
        seed.as_os_str(),
        "-o".as_ref(),
        dir.join("x").as_os_str(),
    ]);
    assert_eq!(fail_on.status.code(), Some(2));
    assert!(stderr(&fail_on).contains("--fail-on does not apply to export"));

    let file = dir.join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let output = export(&[&seed], &file, "parquet");
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&file.display().to_string()), "{err}");
}

#[test]
fn an_export_inside_an_extracted_snapshot_being_read_is_refused() {
    let dir = TempDir::new("export-cli");
    let untar = Command::new("tar")
        .arg("xzf")
        .arg(sample("podman-v2"))
        .arg("-C")
        .arg(dir.path())
        .status()
        .expect("tar runs");
    assert!(untar.success());
    let top = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.join("manifest.yaml").is_file())
        .expect("the extracted top directory");
    let output = export(&[&top], &top.join("export"), "ndjson");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("inside the snapshot directory"),
        "{}",
        stderr(&output)
    );
    assert!(!top.join("export").join("nodes.ndjson").exists());
}
