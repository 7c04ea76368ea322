//! Drives the built `analyzer` binary: usage errors, exit codes and the one-line error format.
//! (Views are tested against a hand-built model in the library; tests on a real snapshot
//! come with the loader.)

use std::process::{Command, Output};

fn analyzer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_analyzer"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("the analyzer binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const SUBCOMMANDS: [&str; 8] = [
    "summary", "pods", "ps", "cgls", "lsns", "inspect", "model", "report",
];

#[test]
fn help_lists_every_subcommand_and_exits_0() {
    let output = analyzer(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    for sub in SUBCOMMANDS {
        assert!(text.contains(sub), "{sub} missing from\n{text}");
    }
}

#[test]
fn every_subcommand_has_help() {
    for sub in SUBCOMMANDS {
        let output = analyzer(&[sub, "--help"]);
        assert_eq!(output.status.code(), Some(0), "{sub}: {}", stderr(&output));
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("Usage: analyzer"), "{sub}:\n{text}");
        assert!(text.contains("<SNAPSHOT>"), "{sub}:\n{text}");
    }
}

#[test]
fn a_missing_snapshot_exits_2_with_one_line_naming_the_file() {
    let path = "/nonexistent/nodesnap-seed.tar.gz";
    for sub in ["summary", "pods", "ps", "cgls", "lsns", "model", "report"] {
        let output = analyzer(&[sub, path]);
        assert_eq!(output.status.code(), Some(2), "{sub}");
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{sub}: {err}");
        assert!(
            err.starts_with(&format!("analyzer: {path}: ")),
            "{sub}: {err}"
        );
        assert!(output.stdout.is_empty(), "{sub}");
    }
    let output = analyzer(&["inspect", path, "19431"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with(&format!("analyzer: {path}: ")));
}

#[test]
fn usage_errors_exit_2_on_one_line() {
    let cases: [&[&str]; 6] = [
        &["frobnicate"],
        &["summary"],
        &["lsns", "x.tar.gz", "--type", "bogus"],
        &["model", "x.tar.gz", "--format", "xml"],
        &["ps", "x.tar.gz", "--all"],
        &["summary", "x.tar.gz", "--fail-on", "sometimes"],
    ];
    for args in cases {
        let output = analyzer(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("analyzer: "), "{args:?}: {err}");
    }
}

#[test]
fn an_unknown_namespace_type_is_named_in_the_error() {
    let output = analyzer(&["lsns", "x.tar.gz", "--type", "bogus"]);
    assert!(stderr(&output).contains("bogus"), "{}", stderr(&output));
}

#[test]
fn no_arguments_print_usage_and_exit_2() {
    let output = analyzer(&[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("Usage: analyzer"));
}

#[test]
fn control_characters_in_a_path_are_escaped_in_the_error() {
    let output = analyzer(&["summary", "/nonexistent/\x1b[2Jevil.tar.gz"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(!err.contains('\x1b'), "{err:?}");
    assert!(err.contains("\\x1b[2Jevil.tar.gz"), "{err:?}");
}

fn sample(name: &str) -> String {
    format!("{}/../samples/{name}.tar.gz", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn diff_of_a_snapshot_with_itself_is_empty_and_exits_0() {
    let same = sample("docker-plain");
    let text = analyzer(&["diff", &same, &same]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(out.contains("No differences"), "{out}");
    let json = analyzer(&["diff", &same, &same, "--format", "json"]);
    assert_eq!(json.status.code(), Some(0), "{}", stderr(&json));
    assert!(json.stderr.is_empty(), "{}", stderr(&json));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(value["interval_seconds"], 0.0);
    for list in [
        &value["warnings"],
        &value["pods"]["added"],
        &value["pods"]["removed"],
        &value["containers"]["added"],
        &value["containers"]["removed"],
        &value["containers"]["restarted"],
        &value["counters"],
        &value["findings"]["appeared"],
        &value["findings"]["resolved"],
        &value["findings"]["interval"],
    ] {
        assert_eq!(list, &serde_json::json!([]), "{value:#}");
    }
}

#[test]
fn diff_of_two_hosts_exits_0_and_warns_on_stderr_with_json_on_stdout() {
    let output = analyzer(&[
        "diff",
        &sample("docker-plain"),
        &sample("podman-v2"),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.lines()
            .any(|l| l.starts_with("analyzer: warning: the snapshots are of different hosts")),
        "{err}"
    );
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let kinds: Vec<&str> = value["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["different-host", "rebooted"]);
    assert_eq!(value["findings"]["interval"][0]["rule"], "node-rebooted");
}

#[test]
fn diff_with_a_missing_or_foreign_snapshot_exits_2_naming_it() {
    let good = sample("docker-plain");
    let foreign = format!("{}/Cargo.toml", env!("CARGO_MANIFEST_DIR"));
    for (old, new, named) in [
        (
            good.as_str(),
            "/nonexistent/new.tar.gz",
            "/nonexistent/new.tar.gz",
        ),
        (
            "/nonexistent/old.tar.gz",
            good.as_str(),
            "/nonexistent/old.tar.gz",
        ),
        (foreign.as_str(), good.as_str(), foreign.as_str()),
    ] {
        let output = analyzer(&["diff", old, new, "--format", "json"]);
        assert_eq!(output.status.code(), Some(2), "{old} {new}");
        let err = stderr(&output);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with(&format!("analyzer: {named}: ")), "{err}");
        assert!(output.stdout.is_empty());
    }
}
