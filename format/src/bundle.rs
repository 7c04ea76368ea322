//! The bundle file: every file the collector copied from one process directory or one cgroup
//! directory, concatenated into one tar entry (format_version 2), so that a node with 100,000
//! processes costs one tar header per directory instead of one per file.
//!
//! A bundle is a sequence of records. Each record is a header line, the file's bytes, and one
//! newline:
//!
//! ```text
//! ==> memory.max 4 <==
//! max
//!
//! ==> cgroup.procs 10 <==
//! 4242
//! 4243
//!
//! ```
//!
//! The length is the exact number of content bytes (decimal), so content may hold anything,
//! NULs and header-looking lines included; the format reads like `head`'s output for several
//! files, so `less` on an extracted bundle is enough for a human.

use std::fmt;
use std::ops::Range;

/// The name of the bundle file inside a process or cgroup directory of the snapshot:
/// `root/proc/<pid>/nodesnap-files.txt`, `root/sys/fs/cgroup/<path>/nodesnap-files.txt`.
pub const BUNDLE_FILE: &str = "nodesnap-files.txt";

/// Longest file name a record may carry (NAME_MAX).
pub const MAX_RECORD_NAME_BYTES: usize = 255;

const HEADER_START: &[u8] = b"==> ";
const HEADER_END: &[u8] = b" <==\n";

/// Appends one record to `out`. `name` must satisfy [`valid_record_name`]; the collector only
/// bundles the fixed names of `PROCESS_FILES`, `NAMESPACE_LINKS_FILE` and `CGROUP_FILES`.
pub fn push_record(out: &mut Vec<u8>, name: &str, content: &[u8]) {
    debug_assert!(
        valid_record_name(name.as_bytes()),
        "bad record name {name:?}"
    );
    out.reserve(HEADER_START.len() + name.len() + 12 + HEADER_END.len() + content.len() + 1);
    out.extend_from_slice(HEADER_START);
    out.extend_from_slice(name.as_bytes());
    out.push(b' ');
    push_decimal(out, content.len() as u64);
    out.extend_from_slice(HEADER_END);
    out.extend_from_slice(content);
    out.push(b'\n');
}

fn push_decimal(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

/// A record name is one path component of printable ASCII other than space: no `/`, not `.`
/// or `..`, 1 to 255 bytes.
pub fn valid_record_name(name: &[u8]) -> bool {
    !name.is_empty()
        && name.len() <= MAX_RECORD_NAME_BYTES
        && name != b"."
        && name != b".."
        && name.iter().all(|&b| b.is_ascii_graphic() && b != b'/')
}

/// One record found in a bundle: where its name and its content sit in the bundle's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub name: Range<usize>,
    pub content: Range<usize>,
}

/// Why the rest of a bundle cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleError {
    /// Byte offset of the record that is damaged.
    pub offset: usize,
    pub problem: &'static str,
}

impl fmt::Display for BundleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "damaged record at byte {}: {}",
            self.offset, self.problem
        )
    }
}

impl std::error::Error for BundleError {}

/// The records of `bundle` in order. After the first error the iterator ends, so a reader
/// keeps every record before the damage.
pub fn records(bundle: &[u8]) -> Records<'_> {
    Records {
        bundle,
        at: 0,
        failed: false,
    }
}

pub struct Records<'a> {
    bundle: &'a [u8],
    at: usize,
    failed: bool,
}

impl Iterator for Records<'_> {
    type Item = Result<Record, BundleError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.at >= self.bundle.len() {
            return None;
        }
        let result = parse_record(self.bundle, self.at);
        match &result {
            Ok(record) => self.at = record.content.end + 1,
            Err(_) => self.failed = true,
        }
        Some(result)
    }
}

fn parse_record(bundle: &[u8], start: usize) -> Result<Record, BundleError> {
    let fail = |problem| BundleError {
        offset: start,
        problem,
    };
    let rest = bundle.get(start..).unwrap_or_default();
    let header = rest
        .strip_prefix(HEADER_START)
        .ok_or_else(|| fail("expected a header line starting with \"==> \""))?;
    // The header's own length is bounded by the name limit plus 20 digits.
    let window = &header[..header
        .len()
        .min(MAX_RECORD_NAME_BYTES + 1 + 20 + HEADER_END.len())];
    let end = window
        .windows(HEADER_END.len())
        .position(|w| w == HEADER_END)
        .ok_or_else(|| fail("header line does not end with \" <==\""))?;
    let fields = &header[..end];
    let space = fields
        .iter()
        .rposition(|&b| b == b' ')
        .ok_or_else(|| fail("header has no length"))?;
    let (name, length) = (&fields[..space], &fields[space + 1..]);
    if !valid_record_name(name) {
        return Err(fail(
            "file name is empty, too long or not one printable path component",
        ));
    }
    if length.is_empty() || length.len() > 19 || !length.iter().all(u8::is_ascii_digit) {
        return Err(fail("length is not a decimal number"));
    }
    let length: usize = std::str::from_utf8(length)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| fail("length is not a decimal number"))?;
    let name_start = start + HEADER_START.len();
    let content_start = name_start + end + HEADER_END.len();
    let content_end = content_start
        .checked_add(length)
        .filter(|&end| end < bundle.len())
        .ok_or_else(|| fail("content runs past the end of the bundle"))?;
    if bundle.get(content_end) != Some(&b'\n') {
        return Err(fail("content is not followed by a newline"));
    }
    Ok(Record {
        name: name_start..name_start + space,
        content: content_start..content_end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, content) in files {
            push_record(&mut out, name, content);
        }
        out
    }

    fn decode(bundle: &[u8]) -> (Vec<(String, Vec<u8>)>, Option<BundleError>) {
        let mut files = Vec::new();
        for record in records(bundle) {
            match record {
                Ok(record) => files.push((
                    String::from_utf8(bundle[record.name].to_vec()).unwrap(),
                    bundle[record.content].to_vec(),
                )),
                Err(error) => return (files, Some(error)),
            }
        }
        (files, None)
    }

    #[test]
    fn records_read_back_exactly_what_was_pushed() {
        let files: &[(&str, &[u8])] = &[
            ("memory.max", b"max\n"),
            ("cmdline", b"nginx\0-g\0daemon off;\0"),
            ("empty", b""),
            ("tricky", b"x\n==> fake 3 <==\nabc\n"),
            ("no-newline", b"1234"),
        ];
        let bundle = encode(files);
        let (decoded, error) = decode(&bundle);
        assert_eq!(error, None);
        let expected: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|(n, c)| (n.to_string(), c.to_vec()))
            .collect();
        assert_eq!(decoded, expected);
    }

    #[test]
    fn a_bundle_reads_like_head_output() {
        let bundle = encode(&[("pids.max", b"max\n"), ("cgroup.procs", b"1\n2\n")]);
        assert_eq!(
            String::from_utf8(bundle).unwrap(),
            "==> pids.max 4 <==\nmax\n\n==> cgroup.procs 4 <==\n1\n2\n\n"
        );
    }

    #[test]
    fn an_empty_bundle_has_no_records() {
        assert_eq!(decode(b""), (Vec::new(), None));
    }

    #[test]
    fn damage_keeps_the_records_before_it_and_names_the_offset() {
        let good = encode(&[("a", b"1")]);
        let cases: &[(&[u8], &str)] = &[
            (b"garbage", "expected a header line"),
            (b"==> a 1\n1\n", "does not end"),
            (b"==> a <==\n", "has no length"),
            (b"==> a x <==\n1\n", "not a decimal"),
            (b"==> a -1 <==\n1\n", "not a decimal"),
            (b"==> a 99999999999999999999 <==\n", "not a decimal"),
            (b"==>  1 <==\nx\n", "file name"),
            (b"==> a/b 1 <==\nx\n", "file name"),
            (b"==> .. 1 <==\nx\n", "file name"),
            (b"==> a\tb 1 <==\nx\n", "file name"),
            (b"==> a 5 <==\nab\n", "runs past the end"),
            (b"==> a 1 <==\n1", "runs past the end"),
            (b"==> a 1 <==\n12", "not followed by a newline"),
        ];
        for (tail, problem) in cases {
            let mut bundle = good.clone();
            bundle.extend_from_slice(tail);
            let (files, error) = decode(&bundle);
            assert_eq!(files, vec![("a".to_string(), b"1".to_vec())], "{tail:?}");
            let error = error.unwrap_or_else(|| panic!("no error for {tail:?}"));
            assert_eq!(error.offset, good.len(), "{tail:?}");
            assert!(error.problem.contains(problem), "{tail:?}: {error}");
        }
    }

    #[test]
    fn a_header_without_end_is_not_searched_past_its_bounded_length() {
        let mut bundle = b"==> ".to_vec();
        bundle.extend(std::iter::repeat_n(b'a', 10_000));
        bundle.extend_from_slice(b" 1 <==\nx\n");
        let (_, error) = decode(&bundle);
        assert!(error.unwrap().problem.contains("does not end"));
    }

    #[test]
    fn record_names_are_single_printable_components() {
        for good in ["stat", "memory.max", "cgroup.procs", "ns", "a-b_c"] {
            assert!(valid_record_name(good.as_bytes()), "{good}");
        }
        let long = "x".repeat(256);
        for bad in ["", ".", "..", "a/b", "a b", "a\nb", long.as_str()] {
            assert!(!valid_record_name(bad.as_bytes()), "{bad:?}");
        }
    }

    #[test]
    fn lengths_are_written_in_decimal() {
        for value in [0u64, 7, 10, 4096, u64::MAX] {
            let mut out = Vec::new();
            push_decimal(&mut out, value);
            assert_eq!(out, value.to_string().into_bytes());
        }
    }
}
