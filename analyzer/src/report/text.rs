//! Pure formatting helpers for the report: node text made visible, human units, numbers, and
//! the JSON that may sit inside a `<script>` element.

use crate::views::text::must_escape;
use std::fmt::Write as _;

/// Longest command line shown outside the process tree; the tree shows it whole.
pub const SHORT_CMD_CHARS: usize = 160;
/// Longest command line in the cgroup tree and the namespace table, where a line per process
/// on a big node must stay short (lsns and systemd-cgls cut at the terminal's width).
pub const LIST_CMD_CHARS: usize = 48;

/// Node text as it may be shown: the characters of [`must_escape`] (control, bidi, zero-width and
/// line-separator characters, the terminal views' rule) become the visible text `\u{202e}`, so
/// that a name cannot reorder or hide what surrounds it. HTML escaping is left to the templates.
pub fn visible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if must_escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// `visible`, cut to `max_chars` characters with an ellipsis.
pub fn visible_short(text: &str, max_chars: usize) -> String {
    let shown = visible(text);
    match shown.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &shown[..cut]),
        None => shown,
    }
}

/// Bytes in binary units as free and ps print them: `900 B`, `1.5 KiB`, `512 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{} {}", decimal(value), UNITS[unit])
}

/// At most one decimal, none when the value is whole or large: `1.5`, `512`, `120`.
fn decimal(value: f64) -> String {
    if value >= 100.0 || (value - value.round()).abs() < 0.05 {
        format!("{:.0}", value)
    } else {
        format!("{:.1}", value)
    }
}

/// A CPU quota as a number of CPUs: `0.5 CPU`, `2 CPUs`, `0.25 CPU`.
pub fn cpus(quota_usec: u64, period_usec: u64) -> String {
    if period_usec == 0 {
        return format!("quota {quota_usec} µs, period 0");
    }
    let count = quota_usec as f64 / period_usec as f64;
    let mut text = format!("{count:.2}");
    while text.ends_with('0') {
        text.pop();
    }
    if text.ends_with('.') {
        text.pop();
    }
    let unit = if count > 1.0 { "CPUs" } else { "CPU" };
    format!("{text} {unit}")
}

/// A whole number with thousands separators: `20,000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// `part` as a percentage of `whole`, `None` when the whole is zero.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// A percentage as people read it: `23%`, `0.4%`, `100%`.
pub fn percent_text(p: f64) -> String {
    if p > 0.0 && p < 1.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

/// Milliseconds as `850 ms`, `1.8 s` or `2 min 3 s`.
pub fn duration_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{} s", decimal(ms as f64 / 1000.0))
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// Seconds as `1 d 17 h`, `3 h 12 min` or `45 s`.
pub fn uptime(secs: u64) -> String {
    let (days, hours, mins) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    if days > 0 {
        format!("{days} d {hours} h")
    } else if hours > 0 {
        format!("{hours} h {mins} min")
    } else if mins > 0 {
        format!("{mins} min {} s", secs % 60)
    } else {
        format!("{secs} s")
    }
}

/// JSON that can sit inside `<script type="application/json">`: the characters that could end
/// the element or start markup (`<`, `>`, `&`) and the JavaScript line separators are written
/// as `\u` escapes, which JSON.parse reads back unchanged.
pub fn json_for_script(value: &serde_json::Value) -> String {
    let json = value.to_string();
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

/// Standard base64 with padding, for the CSP's `'sha256-…'` sources.
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_shows_bidi_and_control_characters_as_escapes() {
        let cases = [
            ("plain nginx", "plain nginx"),
            ("evil\u{202e}txt.exe", "evil\\u{202e}txt.exe"),
            ("a\nb\tc", "a\\u{a}b\\u{9}c"),
            ("bell\u{7}", "bell\\u{7}"),
            ("zero\u{200b}width", "zero\\u{200b}width"),
            ("isolate\u{2066}x\u{2069}", "isolate\\u{2066}x\\u{2069}"),
            ("c1\u{9b}", "c1\\u{9b}"),
            ("line\u{2028}sep", "line\\u{2028}sep"),
            ("中文 名字", "中文 名字"),
            ("<script>", "<script>"),
        ];
        for (input, expected) in cases {
            assert_eq!(visible(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn visible_short_cuts_on_a_character_boundary() {
        assert_eq!(visible_short("abcdef", 3), "abc…");
        assert_eq!(visible_short("中文名字", 2), "中文…");
        assert_eq!(visible_short("abc", 3), "abc");
    }

    #[test]
    fn bytes_use_binary_units() {
        let cases = [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1 KiB"),
            (1536, "1.5 KiB"),
            (536_870_912, "512 MiB"),
            (125_829_120, "120 MiB"),
            (1_610_612_736, "1.5 GiB"),
            (u64::MAX, "16 EiB"),
        ];
        for (n, expected) in cases {
            assert_eq!(bytes(n), expected, "{n}");
        }
    }

    #[test]
    fn cpu_quota_reads_as_cpus() {
        assert_eq!(cpus(50_000, 100_000), "0.5 CPU");
        assert_eq!(cpus(200_000, 100_000), "2 CPUs");
        assert_eq!(cpus(25_000, 100_000), "0.25 CPU");
        assert_eq!(cpus(100_000, 100_000), "1 CPU");
        assert_eq!(cpus(1, 0), "quota 1 µs, period 0");
    }

    #[test]
    fn counts_and_durations_read_like_people_write_them() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(20_000), "20,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(duration_ms(850), "850 ms");
        assert_eq!(duration_ms(1830), "1.8 s");
        assert_eq!(duration_ms(123_000), "2 min 3 s");
        assert_eq!(uptime(149_000), "1 d 17 h");
        assert_eq!(uptime(45), "45 s");
        assert_eq!(percent(1, 4).map(percent_text).as_deref(), Some("25%"));
        assert_eq!(percent(1, 0), None);
        assert_eq!(percent_text(0.4), "0.4%");
    }

    #[test]
    fn json_for_script_cannot_close_its_element() {
        let value = serde_json::json!(["</script><script>alert(1)</script>", "a&b", "x\u{2028}y"]);
        let text = json_for_script(&value);
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        assert!(!text.contains('\u{2028}'));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in cases {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }
}
