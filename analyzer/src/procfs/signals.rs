//! Parsers for the signal files: pressure stall information (the same format in
//! /proc/pressure/* and a v2 cgroup's *.pressure), /proc/sys/fs/file-nr, and the one-number
//! sysctl files (nf_conntrack_count, threads-max, ...).

use super::{excerpt, number, ParseError};
use crate::values::{FileNr, PressureLine, ResourcePressure};

/// Parses a pressure file: a `some` line and, on most kernels, a `full` line, each
/// `avg10=<pct> avg60=<pct> avg300=<pct> total=<usec>` in any order. Lines of another kind are
/// skipped (a later kernel may add one); a known line missing a field, or with a value that is
/// not a number, is an error.
pub fn parse_pressure(text: &str) -> Result<ResourcePressure, ParseError> {
    const WHAT: &str = "pressure";
    let mut pressure = ResourcePressure::default();
    for (index, line) in text.lines().enumerate() {
        let mut fields = line.split_ascii_whitespace();
        let slot = match fields.next() {
            Some("some") => &mut pressure.some,
            Some("full") => &mut pressure.full,
            _ => continue,
        };
        let (mut avg10, mut avg60, mut avg300, mut total) = (None, None, None, None);
        for field in fields {
            let Some((key, value)) = field.split_once('=') else {
                let problem = format!("expected key=value, got {:?}", excerpt(field));
                return Err(ParseError::at_line(WHAT, index + 1, problem));
            };
            let line = Some(index + 1);
            match key {
                "avg10" => avg10 = Some(percent(line, key, value)?),
                "avg60" => avg60 = Some(percent(line, key, value)?),
                "avg300" => avg300 = Some(percent(line, key, value)?),
                "total" => total = Some(number(WHAT, line, key, value)?),
                _ => {}
            }
        }
        let (Some(avg10), Some(avg60), Some(avg300), Some(total)) = (avg10, avg60, avg300, total)
        else {
            let problem = format!(
                "expected avg10, avg60, avg300 and total in {:?}",
                excerpt(line)
            );
            return Err(ParseError::at_line(WHAT, index + 1, problem));
        };
        *slot = Some(PressureLine {
            avg10,
            avg60,
            avg300,
            total,
        });
    }
    if pressure.some.is_none() && pressure.full.is_none() {
        return Err(ParseError::new(WHAT, "no some or full line"));
    }
    Ok(pressure)
}

/// A share of time as the kernel writes it: a finite percentage from 0 to 100.
fn percent(line: Option<usize>, key: &str, value: &str) -> Result<f64, ParseError> {
    match value.parse::<f64>() {
        Ok(share) if share.is_finite() && (0.0..=100.0).contains(&share) => Ok(share),
        _ => Err(ParseError {
            what: "pressure",
            line,
            problem: format!("{key} is not a percentage: {:?}", excerpt(value)),
        }),
    }
}

/// Parses /proc/sys/fs/file-nr: `<allocated> <allocated but free> <max>`.
pub fn parse_file_nr(text: &str) -> Result<FileNr, ParseError> {
    const WHAT: &str = "file-nr";
    let fields: Vec<&str> = text.split_ascii_whitespace().collect();
    let [allocated, free, max] = fields.as_slice() else {
        let problem = format!("expected three numbers, got {:?}", excerpt(text.trim()));
        return Err(ParseError::new(WHAT, problem));
    };
    Ok(FileNr {
        allocated: number(WHAT, None, "allocated", allocated)?,
        free: number(WHAT, None, "free", free)?,
        max: number(WHAT, None, "max", max)?,
    })
}

/// Parses a sysctl file that holds one unsigned number (`nf_conntrack_max`, `threads-max`,
/// `max_user_watches`, `file-max`).
pub fn parse_sysctl_number(what: &'static str, text: &str) -> Result<u64, ParseError> {
    number(what, None, "value", text.trim())
}

/// `/proc/<pid>/wchan`: the kernel function a sleeping process waits in; None where the kernel
/// does not say (it writes `0`) or the file is empty.
pub fn parse_wchan(text: &str) -> Option<String> {
    let name = text.trim();
    (!name.is_empty() && name != "0").then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CGROUP_CPU: &str = "some avg10=12.50 avg60=3.02 avg300=0.71 total=81234567\n\
                              full avg10=0.00 avg60=0.00 avg300=0.00 total=1200\n";

    #[test]
    fn a_pressure_file_gives_its_some_and_full_lines() {
        let pressure = parse_pressure(CGROUP_CPU).unwrap();
        let some = pressure.some.unwrap();
        assert_eq!((some.avg10, some.avg60, some.avg300), (12.5, 3.02, 0.71));
        assert_eq!(some.total, 81_234_567);
        assert_eq!(pressure.full.unwrap().total, 1200);
    }

    #[test]
    fn an_old_node_cpu_file_has_no_full_line_and_fields_come_in_any_order() {
        let pressure = parse_pressure("some total=5 avg300=1 avg60=2 avg10=3\n").unwrap();
        assert_eq!(pressure.full, None);
        assert_eq!(pressure.some.unwrap().avg10, 3.0);
        // A line kind a later kernel may add is no error; an extra key neither.
        let pressure =
            parse_pressure("some avg10=0 avg60=0 avg300=0 total=0 extra=1\nnew x\n").unwrap();
        assert!(pressure.some.is_some());
    }

    #[test]
    fn malformed_pressure_is_an_error_naming_the_line() {
        let missing = parse_pressure("some avg10=1.00 avg60=1.00 total=3\n").unwrap_err();
        assert!(
            missing.to_string().starts_with("pressure line 1:"),
            "{missing}"
        );
        let text = "some avg10=0 avg60=0 avg300=0 total=0\nfull avg10=x avg60=0 avg300=0 total=0";
        let bad = parse_pressure(text).unwrap_err();
        assert_eq!(bad.line, Some(2));
        assert!(
            bad.to_string().contains("avg10 is not a percentage"),
            "{bad}"
        );
        assert!(parse_pressure("some avg10=NaN avg60=0 avg300=0 total=0").is_err());
        assert!(parse_pressure("some avg10=101 avg60=0 avg300=0 total=0").is_err());
        assert!(parse_pressure("some avg10=1 avg60=0 avg300=0 total=-1").is_err());
        assert!(parse_pressure("").is_err(), "an empty file says nothing");
        assert!(parse_pressure("some avg10").is_err());
    }

    #[test]
    fn file_nr_counts_handles_in_use_and_the_maximum() {
        let nr = parse_file_nr("11488\t0\t9223372036854775807\n").unwrap();
        assert_eq!(
            (nr.allocated, nr.used(), nr.max),
            (11488, 11488, i64::MAX as u64)
        );
        assert!(parse_file_nr("1 2\n").is_err());
        assert!(parse_file_nr("1 x 3\n")
            .unwrap_err()
            .to_string()
            .contains("free"));
    }

    #[test]
    fn a_sysctl_number_is_trimmed_and_checked() {
        assert_eq!(parse_sysctl_number("threads-max", "190976\n"), Ok(190_976));
        let bad = parse_sysctl_number("nf_conntrack_max", "lots\n").unwrap_err();
        assert_eq!(
            bad.to_string(),
            "nf_conntrack_max: value is not a number: \"lots\""
        );
    }

    #[test]
    fn wchan_names_the_function_or_nothing_where_the_kernel_writes_zero() {
        assert_eq!(
            parse_wchan("nfs_wait_bit_killable\n").as_deref(),
            Some("nfs_wait_bit_killable")
        );
        assert_eq!(parse_wchan("0"), None);
        assert_eq!(parse_wchan(" \n"), None);
    }
}
