//! Golden files of the rendered report for the test models, reviewed as diffs. Regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p analyzer --test report_golden`.

mod report_support;

use std::path::PathBuf;

fn check_golden(name: &str, html: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("golden dir")).expect("create golden dir");
        std::fs::write(&path, html).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    if expected != html {
        let line = expected
            .lines()
            .zip(html.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(html.lines().count()));
        panic!(
            "{} differs from the rendered report at line {}:\n  golden:   {:?}\n  rendered: {:?}\nrun with UPDATE_GOLDEN=1 and review the diff",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            html.lines().nth(line)
        );
    }
}

#[test]
fn seed_node_report_matches_its_golden_file() {
    let html = analyzer::report::render_html(&report_support::seed_model()).expect("renders");
    check_golden("report_seed.html", &html);
}

#[test]
fn hostile_node_report_matches_its_golden_file() {
    let html = analyzer::report::render_html(&report_support::hostile_model()).expect("renders");
    check_golden("report_hostile.html", &html);
}
