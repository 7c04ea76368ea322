//! One rule for tests that need something a machine may lack (root, namespaces, cgroups, a
//! browser, a container runtime): under CI (`CI=true`, which `.ci/run` sets) a test that cannot
//! run fails with its reason; elsewhere it skips with the reason printed.
//!
//! Every such test calls [`cannot_run`] (or the [`require!`] macro) instead of printing its own
//! skip, so the rule is the same in every file and CI can never be green with a claim untested.

use std::fmt::Display;

/// True when the tests run under CI: `CI` is set to `true` (or `1`), as `.ci/run` does.
pub fn under_ci() -> bool {
    ci_value_means_ci(std::env::var("CI").ok().as_deref())
}

fn ci_value_means_ci(value: Option<&str>) -> bool {
    matches!(value.map(str::trim), Some(v) if v.eq_ignore_ascii_case("true") || v == "1")
}

/// Reports that `test` cannot run here because of `reason`: panics under CI, prints
/// `skipped: <test>: <reason>` to stderr elsewhere. The caller returns right after.
#[track_caller]
pub fn cannot_run(test: &str, reason: impl Display) {
    if under_ci() {
        panic!("{test} cannot run under CI (CI=true): {reason}");
    }
    eprintln!("skipped: {test}: {reason}");
}

/// Returns from the calling test, through [`cannot_run`], when a condition it needs is false.
///
/// ```ignore
/// require!(is_root(), "needs root to mount a tmpfs");
/// ```
#[macro_export]
macro_rules! require {
    ($cond:expr, $($reason:tt)+) => {
        if !$cond {
            $crate::cannot_run(module_path!(), format!($($reason)+));
            return;
        }
    };
}

/// Unwraps what a test needs, or reports through [`cannot_run`] and returns from the test.
///
/// ```ignore
/// let chromium = require_ok!(find_chromium(), "needs Chromium");
/// ```
#[macro_export]
macro_rules! require_ok {
    ($result:expr, $($reason:tt)+) => {
        match $result {
            Ok(value) => value,
            Err(err) => {
                $crate::cannot_run(module_path!(), format!("{}: {}", format!($($reason)+), err));
                return;
            }
        }
    };
}

/// True when this process runs as root (the effective uid is 0), read from /proc/self/status
/// so the crate needs no libc.
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_is_on_for_true_and_1_and_off_for_anything_else() {
        assert!(ci_value_means_ci(Some("true")));
        assert!(ci_value_means_ci(Some("TRUE")));
        assert!(ci_value_means_ci(Some("1")));
        assert!(!ci_value_means_ci(Some("false")));
        assert!(!ci_value_means_ci(Some("")));
        assert!(!ci_value_means_ci(Some("0")));
        assert!(!ci_value_means_ci(None));
    }
}
