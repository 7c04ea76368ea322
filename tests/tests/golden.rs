//! Golden files for every terminal view and the HTML report of every bundled sample, so that a
//! change in what the analyzer shows for a real snapshot appears as a reviewed diff.
//! `UPDATE_GOLDEN=1 cargo test -p nodesnap-tests --test integration golden` rewrites them.

use crate::util::sample_model as model_of;
use analyzer::model::Model;
use analyzer::views::text::{Palette, Width};
use analyzer::views::{cgls, export, lsns, pods, ps, summary};
use std::path::{Path, PathBuf};

const SAMPLES: &[&str] = &[
    "seed-node",
    "containerd-v2-systemd",
    "crio-v1-systemd",
    "docker-plain",
    "podman-v2",
    "k3s-v2-cgroupfs",
    "no-containers",
    "live-scene",
    "real-runtimes",
    "sosreport-4.12.0",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Compares `actual` with tests/golden/<sample>/<name>, or writes it when UPDATE_GOLDEN=1.
fn check(sample: &str, name: &str, actual: &str) -> Option<String> {
    let path = workspace().join(format!("tests/golden/{sample}/{name}"));
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return None;
    }
    let expected = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            return Some(format!(
                "{}: {e} (UPDATE_GOLDEN=1 creates it)",
                path.display()
            ))
        }
    };
    if expected == actual {
        return None;
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    Some(format!(
        "{} differs at line {}:\n  golden:   {:?}\n  rendered: {:?}",
        path.display(),
        line + 1,
        expected.lines().nth(line).unwrap_or("<end>"),
        actual.lines().nth(line).unwrap_or("<end>"),
    ))
}

fn views_of(model: &Model) -> Vec<(&'static str, String)> {
    let narrow = Width::Columns(80);
    let plain = Palette { enabled: false };
    let filter = ps::Filter::default();
    vec![
        ("summary.txt", summary::render(model, narrow, plain)),
        ("pods.txt", pods::render(model, narrow, plain)),
        ("ps.txt", ps::table(model, &filter, narrow, plain)),
        (
            "ps-tree.txt",
            ps::tree(
                model,
                &filter,
                ps::TreeScope::Runtime,
                Width::Unlimited,
                plain,
            ),
        ),
        (
            "cgls.txt",
            cgls::render(model, "/", cgls::Options::default(), narrow, plain).unwrap(),
        ),
        ("lsns.txt", lsns::render(model, None, narrow, plain)),
        (
            "model.json",
            export::render(model, export::Format::Json).unwrap(),
        ),
        ("report.html", analyzer::report::render_html(model).unwrap()),
    ]
}

#[test]
fn every_view_of_every_sample_matches_its_golden_file() {
    let mut problems = Vec::new();
    for sample in SAMPLES {
        let model = model_of(sample);
        for (name, output) in views_of(&model) {
            problems.extend(check(sample, name, &output));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn rendering_the_same_snapshot_twice_gives_identical_output() {
    let first = views_of(&model_of("seed-node"));
    let second = views_of(&model_of("seed-node"));
    assert_eq!(first, second);
}
