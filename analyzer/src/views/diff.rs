//! `analyzer diff OLD NEW`: what changed between two snapshots of one node, read like `diff`:
//! one section per kind of thing, `+` for what is new, `-` for what went, `~` for what changed
//! in place, counters as `old -> new (+delta, rate)`. The findings about the interval come
//! first, then the snapshots' own findings that appeared and were resolved at the end.
//! Nothing unchanged is shown.

use super::text::{sanitize, wrap, Palette, Style, Width};
use crate::diff::Diff;
use crate::model::Severity;
use crate::present::changes::{self, Detail, Mark};

/// Lists longer than this (cgroups made and removed) are cut, with a count of the rest.
const LISTED: usize = 20;

/// What the view shows besides the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// The started and gone processes themselves, not only their counts.
    pub processes: bool,
}

struct View {
    out: String,
    width: Width,
    palette: Palette,
}

impl View {
    fn header(&mut self, title: &str) {
        self.out.push('\n');
        self.out.push_str(&self.palette.paint(Style::Header, title));
        self.out.push('\n');
    }

    /// One line: its mark, then `text` made safe and cut to the width.
    fn line(&mut self, mark: Mark, depth: u8, text: &str) {
        let style = match mark {
            Mark::Added => Style::Added,
            Mark::Removed => Style::Removed,
            Mark::Changed => Style::Severity(Severity::Warning),
            Mark::Plain => Style::Plain,
        };
        self.out.push_str(&self.palette.paint(style, mark.sign()));
        let indent = " ".repeat(1 + 2 * usize::from(depth));
        self.out.push_str(&indent);
        self.out
            .push_str(&self.width.fit(&sanitize(text), 1 + indent.len()));
        self.out.push('\n');
    }

    /// A long text made safe and broken into lines of the width, every line after the first
    /// indented; `lead` (already safe, maybe coloured) starts the first line.
    fn wrapped(&mut self, indent: usize, lead: &str, lead_width: usize, text: &str) {
        let text = format!("{}{}", " ".repeat(indent + lead_width), sanitize(text));
        let lines = match self.width {
            Width::Columns(columns) => wrap(&text, columns, indent + 2),
            Width::Unlimited => vec![text],
        };
        for (i, line) in lines.iter().enumerate() {
            if i == 0 {
                self.out.push_str(&" ".repeat(indent));
                self.out.push_str(lead);
                self.out.push_str(&line[indent + lead_width..]);
            } else {
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
    }
}

pub fn render(diff: &Diff, options: Options, width: Width, palette: Palette) -> String {
    let mut view = View {
        out: String::new(),
        width,
        palette,
    };
    view.out.push_str(&palette.paint(Style::Header, "diff"));
    view.out.push(' ');
    view.out
        .push_str(&width.fit(&sanitize(&changes::title(diff)), 5));
    view.out.push('\n');
    for warning in &diff.warnings {
        let lead = palette.paint(Style::Severity(Severity::Warning), "warning:");
        view.wrapped(0, &format!("{lead} "), 9, &warning.message);
    }
    if diff.is_empty() {
        view.out
            .push_str("\nNo differences: the two snapshots say the same about the node.\n");
        return view.out;
    }
    if !diff.findings.interval.is_empty() {
        view.header("Findings over the interval");
        for f in &diff.findings.interval {
            let severity = format!("{:<9}", f.severity);
            view.out.push_str("  ");
            view.out
                .push_str(&palette.paint(Style::Severity(f.severity), &severity));
            view.out.push_str(&sanitize(&f.rule));
            view.out.push('\n');
            view.wrapped(4, "", 0, &f.message);
        }
    }
    let detail = Detail {
        processes: options.processes,
        cgroups_listed: Some(LISTED),
    };
    for section in changes::sections(diff, detail) {
        view.header(&section.title);
        for line in &section.lines {
            view.line(line.mark, line.depth, &line.text);
        }
        if let Some(note) = &section.note {
            view.wrapped(2, "", 0, note);
        }
    }
    view.out
}

/// The diff as pretty JSON (docs/MODEL.md, "The diff"), written to `out` as it is
/// serialized; the processes themselves only when `options.processes` asks for them.
pub fn write_json(
    diff: &Diff,
    options: Options,
    out: &mut dyn std::io::Write,
) -> Result<(), serde_json::Error> {
    if options.processes || diff.processes.list.is_none() {
        serde_json::to_writer_pretty(&mut *out, diff)?;
    } else {
        let mut without = diff.clone();
        without.processes.list = None;
        serde_json::to_writer_pretty(&mut *out, &without)?;
    }
    out.write_all(b"\n").map_err(serde_json::Error::io)
}

#[cfg(test)]
mod tests;
