//! Text that is safe and fits: the one sanitizer every view passes node data through, display
//! widths, truncation with `…`, padding, and the optional colours.
//!
//! Names, command lines and paths come from a customer's node and may hold anything a process
//! put there, including escape sequences that would repaint or hide parts of the engineer's
//! terminal. `sanitize` makes them visible instead.

use crate::model::Severity;
use crate::present::text::must_escape;
use std::borrow::Cow;

/// Replaces every character that a terminal would act on instead of print with a visible
/// escape: C0 and C1 controls and DEL as `\xNN` (`\x1b`, `\x0a`), and the characters that
/// reorder or hide text ([`must_escape`], the rule every medium shares: bidi controls such as
/// U+202E, zero-width and line separators) as `\u{202e}`. Backslashes are left alone: systemd unit names such as
/// `serial\x2dgetty` use them and must stay readable; the point is safety, not reversibility.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(must_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if must_escape(c) {
            let code = c as u32;
            if code <= 0xff {
                out.push_str(&format!("\\x{code:02x}"));
            } else {
                out.push_str(&format!("\\u{{{code:04x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The columns a character takes in a terminal: 2 for East Asian wide characters (the seed
/// node's walkthrough is in Chinese; its command lines could be too), 1 otherwise. A small
/// table of the main wide blocks rather than a dependency: being off by one on a rare symbol
/// only misaligns one row.
fn char_width(c: char) -> usize {
    let wide = matches!(c as u32,
        0x1100..=0x115f
        | 0x2e80..=0x303e
        | 0x3041..=0x33ff
        | 0x3400..=0x4dbf
        | 0x4e00..=0x9fff
        | 0xa000..=0xa4cf
        | 0xac00..=0xd7a3
        | 0xf900..=0xfaff
        | 0xfe30..=0xfe4f
        | 0xff00..=0xff60
        | 0xffe0..=0xffe6
        | 0x1f300..=0x1f64f
        | 0x1f900..=0x1f9ff
        | 0x20000..=0x3fffd);
    if wide {
        2
    } else {
        1
    }
}

/// The columns `text` takes in a terminal (after sanitizing, which removes zero-width
/// controls from the question).
pub fn display_width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// Cuts `text` to at most `width` columns, ending in `…` when something was cut.
pub fn truncate(text: &str, width: usize) -> Cow<'_, str> {
    if display_width(text) <= width {
        return Cow::Borrowed(text);
    }
    if width == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    Cow::Owned(out)
}

/// `text` followed by spaces up to `width` columns.
pub fn pad_right(text: &str, width: usize) -> String {
    let mut out = text.to_string();
    out.push_str(&" ".repeat(width.saturating_sub(display_width(text))));
    out
}

/// Spaces up to `width` columns, then `text`.
pub fn pad_left(text: &str, width: usize) -> String {
    let mut out = " ".repeat(width.saturating_sub(display_width(text)));
    out.push_str(text);
    out
}

/// Breaks `text` into lines of at most `width` columns, at spaces where it can and inside
/// long words (paths, ids) where it must; every line after the first starts with `indent`
/// spaces. Used where cutting would lose what the engineer came for (inspect, explanations).
pub fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    // The first line keeps its own indentation; later lines get `indent`.
    let body = text.trim_start_matches(' ');
    let lead = text.len() - body.len();
    let mut lines: Vec<String> = Vec::new();
    let mut line = " ".repeat(lead);
    let mut used = lead;
    // Nothing but indentation on the current line yet.
    let mut fresh = true;
    let mut new_line = |line: &mut String, used: &mut usize, fresh: &mut bool| {
        lines.push(std::mem::replace(line, " ".repeat(indent)));
        *used = indent;
        *fresh = true;
    };
    for word in body.split(' ') {
        let word_width = display_width(word);
        let separator = usize::from(!fresh);
        if used + separator + word_width <= width {
            if !fresh {
                line.push(' ');
            }
            line.push_str(word);
            used += separator + word_width;
            fresh = false;
            continue;
        }
        if indent + word_width <= width {
            new_line(&mut line, &mut used, &mut fresh);
            line.push_str(word);
            used += word_width;
            fresh = false;
            continue;
        }
        // Longer than any line (a path, an id): fill this line, then whole lines.
        if !fresh && used + 2 <= width {
            line.push(' ');
            used += 1;
        } else if !fresh {
            new_line(&mut line, &mut used, &mut fresh);
        }
        let mut rest = word;
        loop {
            let room = width.saturating_sub(used);
            if display_width(rest) <= room {
                line.push_str(rest);
                used += display_width(rest);
                fresh = false;
                break;
            }
            let (head, tail) = split_at_width(rest, room.max(1));
            line.push_str(head);
            if tail.is_empty() {
                fresh = false;
                break;
            }
            new_line(&mut line, &mut used, &mut fresh);
            rest = tail;
        }
    }
    if !fresh || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The longest prefix of `text` that fits in `columns` (at least one character, so that
/// wrapping always moves on), and the rest.
fn split_at_width(text: &str, columns: usize) -> (&str, &str) {
    let mut taken = 0;
    for (i, c) in text.char_indices() {
        if taken + char_width(c) > columns && i > 0 {
            return text.split_at(i);
        }
        taken += char_width(c);
    }
    (text, "")
}

/// How much room a view has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// Cut long lines to this many columns.
    Columns(usize),
    /// Never cut (`--wide`).
    Unlimited,
}

impl Width {
    /// The room left for the last part of a line once `used` columns are taken; `None` when
    /// nothing is cut.
    pub fn room_after(self, used: usize) -> Option<usize> {
        match self {
            Width::Columns(total) => Some(total.saturating_sub(used)),
            Width::Unlimited => None,
        }
    }

    /// `text` cut to the room left after `used` columns.
    pub fn fit(self, text: &str, used: usize) -> String {
        match self.room_after(used) {
            Some(room) => truncate(text, room).into_owned(),
            None => text.to_string(),
        }
    }
}

/// What a view may do to the terminal: ANSI colours or nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    pub enabled: bool,
}

/// The styles views use; each maps to one SGR sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Header,
    /// Pod, container and holder labels added by nodesnap (not node data).
    Label,
    Dim,
    Severity(Severity),
    /// What a diff shows as new (`+`).
    Added,
    /// What a diff shows as gone (`-`).
    Removed,
}

impl Palette {
    pub const PLAIN: Palette = Palette { enabled: false };

    /// Wraps already sanitized and padded text in the style's colour. Applied last, so that
    /// escape sequences never count towards widths.
    pub fn paint(self, style: Style, text: &str) -> String {
        let code = match style {
            Style::Plain => return text.to_string(),
            Style::Header => "1",
            Style::Label => "36",
            Style::Dim => "2",
            Style::Added => "32",
            Style::Removed => "31",
            Style::Severity(Severity::Critical) => "1;31",
            Style::Severity(Severity::Warning) => "33",
            Style::Severity(Severity::Info) => "34",
        };
        if !self.enabled || text.is_empty() {
            return text.to_string();
        }
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_makes_terminal_controls_visible() {
        let cases: &[(&str, &str)] = &[
            ("nginx: master process", "nginx: master process"),
            ("evil\x1b[2Jclear", "evil\\x1b[2Jclear"),
            ("two\nlines\ttab\r", "two\\x0alines\\x09tab\\x0d"),
            ("bell\x07 del\x7f", "bell\\x07 del\\x7f"),
            ("c1\u{9b}31m", "c1\\x9b31m"),
            ("abc\u{202e}fdp.exe", "abc\\u{202e}fdp.exe"),
            (
                "mark\u{200f}\u{061c}zw\u{200b}",
                "mark\\u{200f}\\u{061c}zw\\u{200b}",
            ),
            ("line\u{2028}bom\u{feff}", "line\\u{2028}bom\\u{feff}"),
            (
                "\u{202a}\u{202d}\u{2066}\u{2069}",
                "\\u{202a}\\u{202d}\\u{2066}\\u{2069}",
            ),
            ("serial\\x2dgetty.slice", "serial\\x2dgetty.slice"),
            ("进程 名", "进程 名"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(sanitize(input), *expected, "input {input:?}");
        }
    }

    #[test]
    fn sanitize_is_idempotent_and_borrows_clean_text() {
        let once = sanitize("a\x1bb\u{2067}c").into_owned();
        assert_eq!(sanitize(&once), once);
        assert!(matches!(sanitize("clean"), Cow::Borrowed(_)));
    }

    #[test]
    fn truncate_ends_with_an_ellipsis_within_the_width() {
        assert_eq!(truncate("redis-server", 20), "redis-server");
        assert_eq!(truncate("redis-server", 12), "redis-server");
        assert_eq!(truncate("redis-server", 6), "redis…");
        assert_eq!(truncate("redis-server", 1), "…");
        assert_eq!(truncate("redis-server", 0), "");
    }

    #[test]
    fn wide_characters_count_two_columns() {
        assert_eq!(display_width("查看"), 4);
        assert_eq!(truncate("查看进程", 5), "查看…");
        assert_eq!(pad_right("查", 4), "查  ");
        assert_eq!(pad_left("7", 3), "  7");
    }

    #[test]
    fn palette_paints_only_when_enabled() {
        let on = Palette { enabled: true };
        assert_eq!(
            on.paint(Style::Severity(Severity::Critical), "critical"),
            "\x1b[1;31mcritical\x1b[0m"
        );
        assert_eq!(Palette::PLAIN.paint(Style::Header, "PID"), "PID");
        assert_eq!(on.paint(Style::Plain, "x"), "x");
    }

    #[test]
    fn wrap_breaks_at_spaces_and_inside_long_words() {
        assert_eq!(wrap("one two three", 7, 2), ["one two", "  three"]);
        assert_eq!(
            wrap("Cgroup /kubepods/burstable/pod", 12, 4),
            ["Cgroup /kube", "    pods/bur", "    stable/p", "    od"]
        );
        assert_eq!(wrap("Cgroup /abc", 7, 4), ["Cgroup", "    /ab", "    c"]);
        assert_eq!(wrap("查看进程", 5, 0), ["查看", "进程"]);
        assert_eq!(wrap("x", 0, 4), ["x"]);
        assert_eq!(wrap("", 10, 2), [""]);
        assert_eq!(wrap("short", 80, 4), ["short"]);
        assert_eq!(wrap("  ipc  pod", 80, 4), ["  ipc  pod"]);
        assert_eq!(wrap("    aaa bbb", 8, 4), ["    aaa", "    bbb"]);
    }

    #[test]
    fn width_fits_the_rest_of_a_line() {
        assert_eq!(Width::Columns(10).fit("0123456789", 4), "01234…");
        assert_eq!(Width::Unlimited.fit("0123456789", 4), "0123456789");
    }
}
