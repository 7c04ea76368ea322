//! The results of one benchmark run: tables of figures and the targets checked against them,
//! rendered as Markdown (for the terminal and docs/PERFORMANCE.md) and as JSON.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::time::Duration;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Table {
    /// The part of the run that made it (`sizes`, `analyzer`, `browser`, `collector`), so that a
    /// partial run can keep the other parts of the previous one.
    pub section: String,
    /// UTC time the part was measured.
    pub measured_at: String,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// One line each under the table: how the figures were taken, and rows not run.
    pub notes: Vec<String>,
}

impl Table {
    pub fn new(section: &str, measured_at: &str, title: &str, columns: &[&str]) -> Table {
        Table {
            section: section.to_string(),
            measured_at: measured_at.to_string(),
            title: title.to_string(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Miss,
    NotRun,
}

impl Verdict {
    fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Miss => "MISS",
            Verdict::NotRun => "NOT RUN",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Target {
    pub name: String,
    pub goal: String,
    pub measured: String,
    pub verdict: Verdict,
}

impl Target {
    /// A target met when `measured <= limit`; `None` for a figure that was not taken.
    pub fn at_most(name: &str, goal: &str, measured: Option<(f64, String)>, limit: f64) -> Target {
        Target::check(name, goal, measured, |value| value <= limit)
    }

    /// A target met when `measured >= limit`.
    pub fn at_least(name: &str, goal: &str, measured: Option<(f64, String)>, limit: f64) -> Target {
        Target::check(name, goal, measured, |value| value >= limit)
    }

    fn check(
        name: &str,
        goal: &str,
        measured: Option<(f64, String)>,
        met: impl Fn(f64) -> bool,
    ) -> Target {
        let (verdict, measured) = match measured {
            Some((value, text)) => (
                if met(value) {
                    Verdict::Pass
                } else {
                    Verdict::Miss
                },
                text,
            ),
            None => (Verdict::NotRun, "-".to_string()),
        };
        Target {
            name: name.to_string(),
            goal: goal.to_string(),
            measured,
            verdict,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    pub started_at: String,
    pub machine: String,
    pub tables: Vec<Table>,
    pub targets: Vec<Target>,
    /// The figures the targets were checked against, for a later partial run to reuse.
    pub key_figures: serde_json::Value,
}

impl Results {
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# nodesnap benchmark results\n");
        let _ = writeln!(
            out,
            "Run started {} on {}.\n",
            self.started_at, self.machine
        );
        let _ = writeln!(out, "## Targets\n");
        let _ = writeln!(out, "| target | goal | measured | verdict |");
        let _ = writeln!(out, "|---|---|---|---|");
        for target in &self.targets {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                target.name,
                target.goal,
                target.measured,
                target.verdict.as_str()
            );
        }
        for table in &self.tables {
            let _ = writeln!(out, "\n## {}\n", table.title);
            let _ = writeln!(out, "Measured {}.\n", table.measured_at);
            let _ = writeln!(out, "| {} |", table.columns.join(" | "));
            let _ = writeln!(out, "|{}", "---|".repeat(table.columns.len()));
            for row in &table.rows {
                let _ = writeln!(out, "| {} |", row.join(" | "));
            }
            if !table.notes.is_empty() {
                out.push('\n');
                for note in &table.notes {
                    let _ = writeln!(out, "- {note}");
                }
            }
        }
        out
    }
}

pub fn millis(duration: Duration) -> String {
    let ms = duration.as_secs_f64() * 1000.0;
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else {
        format!("{ms:.1}")
    }
}

pub fn mebibytes(bytes: u64) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib >= 10.0 {
        format!("{mib:.0}")
    } else {
        format!("{mib:.2}")
    }
}

pub fn ratio(value: f64) -> String {
    if value >= 10.0 {
        format!("{value:.0}x")
    } else {
        format!("{value:.2}x")
    }
}

pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && matches!((digits.len() - index) % 3, 0) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_not_measured_is_not_run_and_one_over_its_limit_is_missed() {
        assert_eq!(
            Target::at_most("t", "g", None, 1.0).verdict,
            Verdict::NotRun
        );
        assert_eq!(
            Target::at_most("t", "g", Some((1.5, "1.5".into())), 1.0).verdict,
            Verdict::Miss
        );
        assert_eq!(
            Target::at_most("t", "g", Some((1.0, "1.0".into())), 1.0).verdict,
            Verdict::Pass
        );
        assert_eq!(
            Target::at_least("t", "g", Some((9.0, "9".into())), 10.0).verdict,
            Verdict::Miss
        );
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
