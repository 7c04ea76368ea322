//! Pure parsers for the /proc files a snapshot holds: stat, status, cgroup, namespace links, mountinfo, and the node files.
//!
//! Invariant: nothing here does IO. Every function takes the file's text (or bytes) and returns
//! typed values; the caller knows which file it read and adds the path to any error. Parsers that
//! read node-wide tables (passwd, os-release, meminfo, /proc/cgroups) skip lines they do not
//! understand instead of failing, because one odd line must not hide a whole node's facts; the
//! per-process parsers fail on malformed input so that the model can mark the process partial.

mod node;
mod process;

pub use node::{
    count_cpus, parse_boot_time, parse_loadavg, parse_meminfo, parse_mountinfo, parse_os_release,
    parse_passwd, parse_proc_cgroups, parse_uptime, ControllerInfo, MountInfo,
};
pub use process::{
    parse_cgroup, parse_cmdline, parse_ns_links, parse_stat, parse_status, CgroupLine, Stat, Status,
};

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

/// Shortens text taken from a file for an error message, so that a hostile 1 MB line does not
/// become a 1 MB message; escapes control characters for the terminal.
pub(crate) fn excerpt(text: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut out: String = text
        .chars()
        .take(MAX_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().nth(MAX_CHARS).is_some() {
        out.push('…');
    }
    out
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
