//! What only the report needs of text: node text made visible in the page's own way, command
//! lines cut for its lists, and the JSON that may sit inside a `<script>` element. Units,
//! labels and the rule for which characters to escape are `present`'s, shared with the views.

use crate::present::text::must_escape;
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

/// JSON that can sit inside `<script type="application/json">` or an HTML comment (where the
/// report keeps its search index): the characters that could end the element or comment or
/// start markup (`<`, `>`, `&`) and the JavaScript line separators are written as `\u`
/// escapes, which JSON.parse reads back unchanged.
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
