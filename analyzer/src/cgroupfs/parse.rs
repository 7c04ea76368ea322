//! Parsers for cgroup control files: limits that may read `max`, `cpu.max`, flat keyed files
//! (`cpu.stat`, `memory.events`, `memory.oom_control`) and `cgroup.procs`.

use crate::procfs::{excerpt, ParseError};
use crate::values::cgroup::Limit;
use std::collections::BTreeMap;

/// v1 writes "no limit" as a huge number instead of `max`: memory.limit_in_bytes shows
/// PAGE_COUNTER_MAX in bytes (9223372036854771712 with 4 KiB pages, other values with other page
/// sizes). Anything at or above 2^62 is no real limit on any machine.
pub const V1_UNLIMITED_FLOOR: u64 = 1 << 62;

/// Parses a limit file: `max` (v2), a number, a v1 "unlimited" number at or above
/// [`V1_UNLIMITED_FLOOR`], or `-1` (v1's cpu.cfs_quota_us without a quota).
pub fn parse_limit(text: &str) -> Result<Limit, ParseError> {
    parse_limit_as("limit", text)
}

fn parse_limit_as(what: &'static str, text: &str) -> Result<Limit, ParseError> {
    let value = text.trim();
    if value == "max" || value == "-1" {
        return Ok(Limit::Max);
    }
    match value.parse::<u64>() {
        Ok(n) if n >= V1_UNLIMITED_FLOOR => Ok(Limit::Max),
        Ok(n) => Ok(Limit::Value(n)),
        Err(_) => Err(ParseError::new(
            what,
            format!("expected a number or max, got {:?}", excerpt(value)),
        )),
    }
}

/// Parses v2's cpu.max: `<quota> <period>`, the quota a number of microseconds or `max`.
pub fn parse_cpu_max(text: &str) -> Result<(Limit, u64), ParseError> {
    const WHAT: &str = "cpu.max";
    let fields: Vec<&str> = text.split_ascii_whitespace().collect();
    let [quota, period] = fields.as_slice() else {
        return Err(ParseError::new(
            WHAT,
            format!(
                "expected '<quota> <period>', got {:?}",
                excerpt(text.trim())
            ),
        ));
    };
    let quota = parse_limit_as(WHAT, quota)?;
    let period = period.parse().map_err(|_| {
        ParseError::new(
            WHAT,
            format!("period is not a number: {:?}", excerpt(period)),
        )
    })?;
    Ok((quota, period))
}

/// Parses a flat keyed file: one `<key> <unsigned number>` per line.
pub fn parse_flat_keyed(text: &str) -> Result<BTreeMap<String, u64>, ParseError> {
    let mut values = BTreeMap::new();
    visit_flat_keyed(text, |key, value| {
        values.insert(key.to_string(), value);
    })?;
    Ok(values)
}

/// Checks every line of a flat keyed file and hands each key and value to `visit`, without
/// keeping them: memory.stat has some 50 lines of which a few are read.
pub fn visit_flat_keyed<'t>(
    text: &'t str,
    mut visit: impl FnMut(&'t str, u64),
) -> Result<(), ParseError> {
    const WHAT: &str = "flat keyed file";
    for (index, line) in text.lines().enumerate() {
        let mut fields = line.split_ascii_whitespace();
        let (key, value) = match (fields.next(), fields.next(), fields.next()) {
            (None, _, _) => continue,
            (Some(key), Some(value), None) => (key, value),
            _ => {
                return Err(ParseError::at_line(
                    WHAT,
                    index + 1,
                    format!("expected '<key> <value>', got {:?}", excerpt(line)),
                ))
            }
        };
        let value = value.parse().map_err(|_| {
            ParseError::at_line(
                WHAT,
                index + 1,
                format!("{key} is not a number: {:?}", excerpt(value)),
            )
        })?;
        visit(key, value);
    }
    Ok(())
}

/// Parses cgroup.procs (or tasks): one pid per line.
pub fn parse_procs(text: &str) -> Result<Vec<u32>, ParseError> {
    const WHAT: &str = "cgroup.procs";
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            line.trim().parse().map_err(|_| {
                ParseError::at_line(WHAT, index + 1, format!("not a pid: {:?}", excerpt(line)))
            })
        })
        .collect()
}

#[cfg(test)]
// The case tables are tuples of a name, an input and the expected result.
#[allow(clippy::type_complexity)]
mod tests {
    use super::*;

    #[test]
    fn limit_table() {
        let cases: [(&str, Result<Limit, &str>); 9] = [
            ("max\n", Ok(Limit::Max)),
            ("536870912\n", Ok(Limit::Value(536870912))),
            ("0\n", Ok(Limit::Value(0))),
            ("9223372036854771712\n", Ok(Limit::Max)),
            ("9223372036854775807\n", Ok(Limit::Max)),
            ("-1\n", Ok(Limit::Max)),
            ("", Err("limit: expected a number or max, got \"\"")),
            ("-2\n", Err("limit: expected a number or max, got \"-2\"")),
            ("12k\n", Err("limit: expected a number or max, got \"12k\"")),
        ];
        for (text, expect) in cases {
            let got = parse_limit(text).map_err(|e| e.to_string());
            assert_eq!(got, expect.map_err(str::to_string), "input {text:?}");
        }
    }

    #[test]
    fn cpu_max_table() {
        let cases: [(&str, Result<(Limit, u64), &str>); 5] = [
            ("max 100000\n", Ok((Limit::Max, 100000))),
            ("50000 100000\n", Ok((Limit::Value(50000), 100000))),
            (
                "max\n",
                Err("cpu.max: expected '<quota> <period>', got \"max\""),
            ),
            (
                "50000 often\n",
                Err("cpu.max: period is not a number: \"often\""),
            ),
            (
                "lots 100000\n",
                Err("cpu.max: expected a number or max, got \"lots\""),
            ),
        ];
        for (text, expect) in cases {
            let got = parse_cpu_max(text).map_err(|e| e.to_string());
            assert_eq!(got, expect.map_err(str::to_string), "input {text:?}");
        }
    }

    #[test]
    fn flat_keyed_table() {
        let map = |pairs: &[(&str, u64)]| -> BTreeMap<String, u64> {
            pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
        };
        let cases: Vec<(&str, &str, Result<BTreeMap<String, u64>, &str>)> = vec![
            (
                "v1 cpu.stat",
                "nr_periods 120\nnr_throttled 30\nthrottled_time 4500000000\n",
                Ok(map(&[
                    ("nr_periods", 120),
                    ("nr_throttled", 30),
                    ("throttled_time", 4500000000),
                ])),
            ),
            (
                "v1 memory.oom_control on a kernel with oom_kill",
                "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
                Ok(map(&[
                    ("oom_kill_disable", 0),
                    ("under_oom", 0),
                    ("oom_kill", 2),
                ])),
            ),
            (
                "v2 memory.events",
                "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n",
                Ok(map(&[
                    ("low", 0),
                    ("high", 0),
                    ("max", 5),
                    ("oom", 1),
                    ("oom_kill", 1),
                ])),
            ),
            ("empty file", "", Ok(BTreeMap::new())),
            (
                "value missing",
                "nr_periods 1\nnr_throttled\n",
                Err("flat keyed file line 2: expected '<key> <value>', got \"nr_throttled\""),
            ),
            (
                "value not a number",
                "oom_kill many\n",
                Err("flat keyed file line 1: oom_kill is not a number: \"many\""),
            ),
        ];
        for (name, text, expect) in cases {
            let got = parse_flat_keyed(text).map_err(|e| e.to_string());
            assert_eq!(got, expect.map_err(str::to_string), "case: {name}");
        }
    }

    #[test]
    fn procs_table() {
        let cases: [(&str, Result<Vec<u32>, &str>); 4] = [
            ("19431\n19453\n", Ok(vec![19431, 19453])),
            ("", Ok(vec![])),
            ("1\n\n2\n", Ok(vec![1, 2])),
            ("1\nx\n", Err("cgroup.procs line 2: not a pid: \"x\"")),
        ];
        for (text, expect) in cases {
            let got = parse_procs(text).map_err(|e| e.to_string());
            assert_eq!(got, expect.map_err(str::to_string), "input {text:?}");
        }
    }
}
