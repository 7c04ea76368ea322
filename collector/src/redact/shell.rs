//! A shell-like reading of an argument that holds a command line (`sh -c "mysql -pX"`,
//! `ssh host 'curl -u a:X …'`, `su -c …`): words as the shell would pass them, each with the
//! place of its bytes in the argument, so that a secret found in a word is replaced in place
//! and the rest of the argument keeps its exact text, quotes included.

use super::text::Span;

/// One word: its text after quote removal, and for each byte of it the offset of that byte in
/// the argument.
pub struct Word {
    pub text: String,
    offsets: Vec<usize>,
}

/// The words of `line`, grouped into commands (split at `;`, `&`, `|`, `(`, `)`, backquotes
/// and newlines), and the offsets of the quote characters that delimit quoted parts.
pub fn commands(line: &str) -> (Vec<Vec<Word>>, Vec<usize>) {
    let b = line.as_bytes();
    let mut commands = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut quotes = Vec::new();
    let mut bytes = Vec::new();
    let mut offsets = Vec::new();
    let mut in_word = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | b'<' | b'>' => {
                finish(&mut bytes, &mut offsets, &mut in_word, &mut words);
                i += 1;
            }
            b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'`' => {
                finish(&mut bytes, &mut offsets, &mut in_word, &mut words);
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
                i += 1;
            }
            quote @ (b'\'' | b'"') => {
                in_word = true;
                quotes.push(i);
                let mut j = i + 1;
                while j < b.len() && b[j] != quote {
                    let escaped = quote == b'"'
                        && b[j] == b'\\'
                        && matches!(b.get(j + 1), Some(b'"' | b'\\' | b'$' | b'`' | b'\n'));
                    if escaped {
                        j += 1;
                    }
                    bytes.push(b[j]);
                    offsets.push(j);
                    j += 1;
                }
                if j < b.len() {
                    quotes.push(j);
                }
                i = j + 1;
            }
            b'\\' if i + 1 < b.len() => {
                in_word = true;
                bytes.push(b[i + 1]);
                offsets.push(i + 1);
                i += 2;
            }
            other => {
                in_word = true;
                bytes.push(other);
                offsets.push(i);
                i += 1;
            }
        }
    }
    finish(&mut bytes, &mut offsets, &mut in_word, &mut words);
    if !words.is_empty() {
        commands.push(words);
    }
    (commands, quotes)
}

/// Ends the word being read, if any.
fn finish(
    bytes: &mut Vec<u8>,
    offsets: &mut Vec<usize>,
    in_word: &mut bool,
    words: &mut Vec<Word>,
) {
    if std::mem::take(in_word) {
        // Only ASCII delimiters were left out, so the bytes are still UTF-8.
        let text = String::from_utf8(std::mem::take(bytes)).unwrap_or_default();
        words.push(Word {
            text,
            offsets: std::mem::take(offsets),
        });
    }
}

/// Maps a span of `word`'s text back to spans of the argument, leaving out the quote
/// characters inside it so that the quoting stays balanced.
pub fn map_span(word: &Word, (start, end): Span, quotes: &[usize], out: &mut Vec<Span>) {
    if start >= end || end > word.offsets.len() {
        return;
    }
    // Multibyte characters are copied whole and in order, so these are character boundaries.
    let (mut from, to) = (word.offsets[start], word.offsets[end - 1] + 1);
    // `quotes` is in order: start at the first one inside the span.
    let inside = quotes.partition_point(|&q| q < from);
    for &quote in quotes[inside..].iter().take_while(|&&q| q < to) {
        if from < quote {
            out.push((from, quote));
        }
        from = quote + 1;
    }
    if from < to {
        out.push((from, to));
    }
}
