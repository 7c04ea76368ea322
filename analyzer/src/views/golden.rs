//! Golden files for the views' tests: exact expected output under analyzer/tests/golden/,
//! rewritten when UPDATE_GOLDEN=1 and compared otherwise, so that a change of layout shows up
//! as a reviewable diff.

use std::path::PathBuf;

/// Compares `actual` with `tests/golden/<name>`, or writes it there when UPDATE_GOLDEN=1.
pub fn check(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "{} differs from the view's output (UPDATE_GOLDEN=1 rewrites it)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}
