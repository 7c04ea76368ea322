//! Words shared by every medium: the one rule for which characters of node text are never
//! shown raw, counts with their noun, and lists cut to a few items.

/// The one rule for which characters of node text are never shown or written raw, by any view,
/// the report or the model export: C0 and C1 controls and DEL, the bidi controls (U+061C,
/// U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), which make text read in another order than it
/// is stored, and the invisible ones that hide or split it (zero-width U+200B–U+200D,
/// U+2060–U+2065, line and paragraph separators U+2028 and U+2029, the BOM U+FEFF, interlinear
/// annotations U+FFF9–U+FFFB). Each medium shows them its own way (`\x1b` in a terminal,
/// `\u{1b}` in the report, a JSON escape in the export).
pub fn must_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// `1 sandbox`, `2 sandboxes`: a count with the noun in the number it needs.
pub fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("{count} {one}")
    } else {
        format!("{count} {many}")
    }
}

/// The first `keep` items joined by commas, and how many more there are: `1, 2 and 3 more`.
pub fn abbreviate(items: &[String], keep: usize) -> String {
    if items.len() <= keep {
        items.join(", ")
    } else {
        let shown = items.get(..keep).unwrap_or(items);
        format!("{} and {} more", shown.join(", "), items.len() - keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_and_abbreviate_read_as_english() {
        assert_eq!(plural(1, "process", "processes"), "1 process");
        assert_eq!(plural(0, "process", "processes"), "0 processes");
        let items: Vec<String> = (1..=4).map(|n| n.to_string()).collect();
        assert_eq!(abbreviate(&items, 4), "1, 2, 3, 4");
        assert_eq!(abbreviate(&items, 2), "1, 2 and 2 more");
    }

    #[test]
    fn must_escape_covers_controls_bidi_and_invisible_characters() {
        for c in [
            '\x1b', '\u{9b}', '\x7f', '\u{202e}', '\u{2066}', '\u{200b}', '\u{feff}',
        ] {
            assert!(must_escape(c), "{c:?}");
        }
        for c in ['a', ' ', '\\', '中', '…'] {
            assert!(!must_escape(c), "{c:?}");
        }
    }
}
