//! `collector --review`: every free-text string that would leave the node, one line each, as it
//! would be shipped, and nothing written. The run is the collection itself: each entry that
//! would go into the tarball is handed here instead (`collect::collect_reviewed`), so what is
//! shown cannot differ from what `collector` ships with the same options.
//!
//! A line is `MARK<TAB>WHERE<TAB>TEXT`: MARK is `redacted` when TEXT holds the `***` marker,
//! `-` otherwise; WHERE is the path in the snapshot, with what part of it for a process's
//! files (`proc/42/cmdline`, `proc/42/stat:comm`) and the line number for files shown line by
//! line (`proc/1/mountinfo:12`, `meta/runtime.json:30`). TEXT is escaped so that the terminal
//! shows it as it is: `\\`, `\t`, `\n`, `\r`, `\xNN` for bytes that are not UTF-8, `\u{…}` for
//! control, bidi and invisible characters; a command line's arguments are separated by
//! spaces, each in double quotes (`\"` inside) when it is empty or holds a space or a quote.

use crate::collect::{self, CollectError, Config, Progress, Summary};
use nodesnap_format::{bundle, BUNDLE_FILE, REDACTED};
use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;

/// How many strings were shown, and how many of them hold a redaction.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    pub strings: u64,
    pub redacted: u64,
}

/// Writes the review lines of snapshot entries to `out`.
pub struct Review<W: Write> {
    out: W,
    line: Vec<u8>,
    pub shown: Shown,
}

impl<W: Write> Review<W> {
    pub fn new(out: W) -> Review<W> {
        Review {
            out,
            line: Vec::with_capacity(256),
            shown: Shown::default(),
        }
    }

    /// One entry of the snapshot, by its full path in the tarball (`<top>/root/proc/42/…`).
    pub fn entry(&mut self, path: &str, data: &[u8]) -> io::Result<()> {
        let inside = path.split_once('/').map_or(path, |(_, rest)| rest);
        let Some(rel) = inside.strip_prefix("root/") else {
            // manifest.yaml, meta/runtime.json: the collector's own text, line by line.
            return self.lines(inside, data);
        };
        match rel
            .strip_suffix(BUNDLE_FILE)
            .and_then(|d| d.strip_suffix('/'))
        {
            Some(dir) if dir.starts_with("proc/") => self.process(dir, data),
            // A cgroup directory: the name it adds to its parent's path; its control files hold
            // numbers.
            Some(dir) => {
                let name = dir.rsplit('/').next().unwrap_or(dir);
                self.show(dir, "", name.as_bytes(), false)
            }
            // Node files holding only numbers the kernel writes.
            None if matches!(
                rel,
                "proc/uptime"
                    | "proc/stat"
                    | "proc/loadavg"
                    | "proc/meminfo"
                    | "proc/cgroups"
                    | "proc/sys/kernel/pid_max"
            ) =>
            {
                Ok(())
            }
            None => self.lines(rel, data),
        }
    }

    /// The free text of a process: its name (`stat`'s comm; `status` holds the same name),
    /// command line and cgroups.
    fn process(&mut self, dir: &str, data: &[u8]) -> io::Result<()> {
        for record in bundle::records(data) {
            let Ok(record) = record else {
                break;
            };
            let content = &data[record.content];
            match &data[record.name] {
                b"stat" => {
                    let open = content.iter().position(|&b| b == b'(');
                    let close = content.iter().rposition(|&b| b == b')');
                    if let (Some(open), Some(close)) = (open, close.filter(|c| Some(*c) > open)) {
                        self.show(dir, "/stat:comm", &content[open + 1..close], false)?;
                    }
                }
                // Kernel threads have an empty command line: nothing to show.
                b"cmdline" if !content.is_empty() => self.show(dir, "/cmdline", content, true)?,
                b"cgroup" => {
                    for line in content.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                        self.show(dir, "/cgroup", line, false)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Every line of a text file that holds a word (not `{` or `],`), with its number.
    fn lines(&mut self, file: &str, data: &[u8]) -> io::Result<()> {
        for (index, line) in data.split(|&b| b == b'\n').enumerate() {
            if line
                .iter()
                .any(|b| !b.is_ascii_punctuation() && !b.is_ascii_whitespace())
            {
                let mut number = [b':'; 21];
                let mut at = number.len();
                let mut n = index + 1;
                while n > 0 {
                    at -= 1;
                    number[at] = b'0' + (n % 10) as u8;
                    n /= 10;
                }
                let part = std::str::from_utf8(&number[at - 1..]).unwrap_or_default();
                self.show(file, part, line, false)?;
            }
        }
        Ok(())
    }

    /// One line: the mark, where the text is (`place` and `part`), and the escaped text; a
    /// command line's NUL-separated arguments as shell-like words.
    fn show(&mut self, place: &str, part: &str, text: &[u8], args: bool) -> io::Result<()> {
        let redacted = text
            .windows(REDACTED.len())
            .any(|w| w == REDACTED.as_bytes());
        self.shown.strings += 1;
        self.shown.redacted += u64::from(redacted);
        let line = &mut self.line;
        line.clear();
        line.extend_from_slice(if redacted { b"redacted\t" } else { b"-\t" });
        escape(line, place.as_bytes(), false);
        line.extend_from_slice(part.as_bytes());
        line.push(b'\t');
        if args {
            let text = text.strip_suffix(b"\0").unwrap_or(text);
            for (index, arg) in text.split(|&b| b == 0).enumerate() {
                if index > 0 {
                    line.push(b' ');
                }
                let quote = arg.is_empty() || arg.iter().any(|&b| b == b' ' || b == b'"');
                if quote {
                    line.push(b'"');
                }
                escape(line, arg, quote);
                if quote {
                    line.push(b'"');
                }
            }
        } else {
            escape(line, text, false);
        }
        line.push(b'\n');
        self.out.write_all(line)
    }
}

/// Appends `text` to `out` so that a terminal shows every character as what it is.
fn escape(out: &mut Vec<u8>, text: &[u8], quotes: bool) {
    for chunk in text.utf8_chunks() {
        for c in chunk.valid().chars() {
            let invisible = c.is_control()
                || matches!(c, '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}')
                || matches!(c, '\u{2066}'..='\u{2069}' | '\u{feff}');
            match c {
                '\\' => out.extend_from_slice(b"\\\\"),
                '\t' => out.extend_from_slice(b"\\t"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\r' => out.extend_from_slice(b"\\r"),
                '"' if quotes => out.extend_from_slice(b"\\\""),
                c if invisible => {
                    out.extend_from_slice(b"\\u{");
                    hex(out, u32::from(c));
                    out.push(b'}');
                }
                c => {
                    let mut buffer = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
                }
            }
        }
        for &byte in chunk.invalid() {
            out.extend_from_slice(b"\\x");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 15)]);
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `value` in lowercase hexadecimal without leading zeros (`write!` would pull in the
/// formatting machinery; the static binary has a size budget).
fn hex(out: &mut Vec<u8>, value: u32) {
    let digits = (32 - value.leading_zeros()).div_ceil(4).max(1);
    for shift in (0..digits).rev() {
        out.push(HEX[(value >> (shift * 4)) as usize & 15]);
    }
}

/// Runs the collection per `config` and writes the review of everything it would ship to
/// `out`, writing no tarball; returns the run's summary and what was shown.
pub fn review<W: Write + 'static>(
    config: &Config,
    out: W,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(Summary, Shown), CollectError> {
    let review = Rc::new(RefCell::new(Review::new(out)));
    let tap = Rc::clone(&review);
    let summary = collect::collect_reviewed(
        config,
        progress,
        Box::new(move |path, data| tap.borrow_mut().entry(path, data)),
    )?;
    let mut review = review.borrow_mut();
    review.out.flush().map_err(|source| CollectError::Output {
        path: "-".to_string(),
        source,
    })?;
    Ok((summary, review.shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A buffer the test keeps a handle on while the review writes to it.
    #[derive(Clone, Default)]
    struct Shared(Rc<RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn shown(path: &str, data: &[u8]) -> String {
        let buffer = Shared::default();
        let mut review = Review::new(buffer.clone());
        review.entry(path, data).unwrap();
        let text = buffer.0.borrow().clone();
        String::from_utf8(text).unwrap()
    }

    #[test]
    fn process_names_command_lines_and_cgroups_are_shown_marked() {
        let mut bundle = Vec::new();
        bundle::push_record(&mut bundle, "stat", b"42 (my (app)) S 1 2 3");
        bundle::push_record(&mut bundle, "status", b"Name:\tmy (app)\nPid:\t42\n");
        bundle::push_record(&mut bundle, "cmdline", b"app\0--password=***\0a b\0\0");
        bundle::push_record(&mut bundle, "cgroup", b"0::/kubepods/pod1\n");
        bundle::push_record(&mut bundle, "oom_score_adj", b"0\n");
        let text = shown("top/root/proc/42/nodesnap-files.txt", &bundle);
        assert_eq!(
            text,
            "-\tproc/42/stat:comm\tmy (app)\n\
             redacted\tproc/42/cmdline\tapp --password=*** \"a b\" \"\"\n\
             -\tproc/42/cgroup\t0::/kubepods/pod1\n"
        );
    }

    #[test]
    fn hostile_bytes_are_escaped() {
        let text = shown(
            "top/root/proc/1/mountinfo",
            b"1 2 0:1 / /x rw - fuse s\x1b[2J\xff\xe2\x80\xae\\ rw\n\n22 1 0:21 / /proc rw - proc proc rw",
        );
        assert_eq!(
            text,
            "-\tproc/1/mountinfo:1\t1 2 0:1 / /x rw - fuse s\\u{1b}[2J\\xff\\u{202e}\\\\ rw\n\
             -\tproc/1/mountinfo:3\t22 1 0:21 / /proc rw - proc proc rw\n"
        );
    }

    #[test]
    fn cgroup_directories_show_their_path_and_numeric_files_nothing() {
        let mut bundle = Vec::new();
        bundle::push_record(&mut bundle, "memory.max", b"max\n");
        let text = shown(
            "top/root/sys/fs/cgroup/kubepods/pod\t1/nodesnap-files.txt",
            &bundle,
        );
        assert_eq!(text, "-\tsys/fs/cgroup/kubepods/pod\\t1\tpod\\t1\n");
        assert_eq!(shown("top/root/proc/loadavg", b"0.1 0.2 0.3 1/2 3\n"), "");
        assert_eq!(
            shown("top/meta/runtime.json", b"{\n  \"name\": \"x\"\n}"),
            "-\tmeta/runtime.json:2\t  \"name\": \"x\"\n"
        );
    }
}
