//! Pure parsers for the /proc files a snapshot holds: stat, status, cgroup, namespace links, mountinfo, and the node files.
//!
//! Invariant: nothing here does IO. Every function takes the file's text (or bytes) and returns
//! typed values; the caller knows which file it read and adds the path to any error. Parsers that
//! read node-wide tables (passwd, os-release, meminfo, /proc/cgroups) skip lines they do not
//! understand instead of failing, because one odd line must not hide a whole node's facts; the
//! per-process parsers fail on malformed input so that the model can mark the process partial.

mod node;
mod process;
mod signals;

pub use node::{
    count_cpus, parse_boot_time, parse_loadavg, parse_meminfo, parse_mountinfo, parse_os_release,
    parse_passwd, parse_proc_cgroups, parse_uptime, ControllerInfo, MountInfo,
};
pub use process::{
    parse_cgroup, parse_cmdline, parse_ns_links, parse_stat, parse_status, CgroupLine, Stat, Status,
};
pub use signals::{parse_file_nr, parse_pressure, parse_sysctl_number, parse_wchan};

use std::fmt;

/// A file that could not be parsed: which format, where, and what was wrong.
///
/// The parsers do not know the file's path; callers put it in front of this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// The file format, such as `stat` or `mountinfo`.
    pub what: &'static str,
    /// 1-based line number where it applies.
    pub line: Option<usize>,
    pub problem: String,
}

impl ParseError {
    pub fn new(what: &'static str, problem: impl Into<String>) -> ParseError {
        ParseError {
            what,
            line: None,
            problem: problem.into(),
        }
    }

    pub fn at_line(what: &'static str, line: usize, problem: impl Into<String>) -> ParseError {
        ParseError {
            what,
            line: Some(line),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} line {}: {}", self.what, line, self.problem),
            None => write!(f, "{}: {}", self.what, self.problem),
        }
    }
}

/// Text taken from a file, shortened and escaped for an error message, so that a hostile 1 MB
/// line of control characters does not become a 1 MB message or reach the terminal raw.
/// Its `Debug` form is the quoted excerpt, so messages write it with `{:?}`.
pub(crate) struct Excerpt(String);

impl fmt::Debug for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.0)
    }
}

/// At most 60 characters of escaped output (fuzzing found that bounding the input characters
/// instead let `\u{1a}` escapes grow a message sixfold).
pub(crate) fn excerpt(text: &str) -> Excerpt {
    const MAX_CHARS: usize = 60;
    let mut escaped = String::new();
    for (count, c) in text.chars().flat_map(char::escape_debug).enumerate() {
        if count == MAX_CHARS {
            escaped.push('…');
            break;
        }
        escaped.push(c);
    }
    Excerpt(escaped)
}

/// Parses one unsigned number field, naming it in the error.
pub(crate) fn number<T: std::str::FromStr>(
    what: &'static str,
    line: Option<usize>,
    field: &str,
    value: &str,
) -> Result<T, ParseError> {
    value.parse().map_err(|_| ParseError {
        what,
        line,
        problem: format!("{field} is not a number: {:?}", excerpt(value)),
    })
}

/// Runs every parser of this module on the same input; the fuzz target's body and the replay
/// of its regression inputs under `cargo test`. Panics only if a parser breaks its contract.
#[doc(hidden)]
pub fn fuzz_parsers(bytes: &[u8]) {
    // The longest message: format name, line number, fixed words and one excerpt.
    const MAX_MESSAGE_CHARS: usize = 200;
    let text = String::from_utf8_lossy(bytes);
    if let Ok(stat) = parse_stat(&text) {
        // The comm is cut at the last ')', so the rest after it holds none.
        let after = text
            .rsplit_once(')')
            .map(|(_, rest)| rest)
            .unwrap_or_default();
        assert!(!after.contains(')'), "stat comm cut before the last ')'");
        assert!(text.contains(&stat.comm));
    }
    let _ = parse_status(&text);
    let args = parse_cmdline(bytes);
    assert!(args.len() <= bytes.len() + 1);
    if let Ok(lines) = parse_cgroup(&text) {
        assert!(lines.iter().all(|l| !l.path.contains('\n')));
    }
    let _ = parse_ns_links(&text);
    let _ = parse_mountinfo(&text);
    let _ = parse_passwd(&text);
    let _ = parse_os_release(&text);
    let _ = parse_meminfo(&text);
    if let Ok(averages) = parse_loadavg(&text) {
        assert!(averages.iter().all(|a| a.is_finite()));
    }
    if let Ok(uptime) = parse_uptime(&text) {
        assert!(uptime.is_finite() && uptime >= 0.0);
    }
    let _ = parse_boot_time(&text);
    let _ = count_cpus(&text);
    let _ = parse_proc_cgroups(&text);
    if let Ok(pressure) = parse_pressure(&text) {
        let lines = pressure.some.iter().chain(pressure.full.iter());
        assert!(lines.clone().all(|l| (0.0..=100.0).contains(&l.avg10)));
    }
    let _ = parse_file_nr(&text);
    let _ = parse_sysctl_number("fuzz", &text);
    for error in [parse_stat(&text).err(), parse_status(&text).err()]
        .into_iter()
        .flatten()
    {
        // Error messages quote the input only in short, escaped excerpts.
        let message = error.to_string();
        assert!(!message.contains('\n'), "multi-line error {message:?}");
        assert!(
            message.chars().count() < MAX_MESSAGE_CHARS,
            "long error {message:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_bounds_the_escaped_output_not_the_input() {
        let control = "\u{1a}".repeat(100);
        let shown = format!("{:?}", excerpt(&control));
        assert_eq!(shown.chars().count(), 63, "{shown}");
        assert!(shown.starts_with("\"\\u{1a}\\u{1a}"));
        assert!(shown.ends_with("…\""));
        assert_eq!(format!("{:?}", excerpt("a\"b\nc")), "\"a\\\"b\\nc\"");
        assert_eq!(format!("{:?}", excerpt("")), "\"\"");
    }
}
