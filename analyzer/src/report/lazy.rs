//! Collapsed bodies stored compressed, so that a big node's report fits a ticket's attachment
//! limit: the page is written as always (a closed `<details>` holds its body as an HTML
//! comment), and on its way out each comment's text goes through one raw deflate stream
//! instead, sync-flushed at the end of every body and written in its place as
//! `<!--z LENGTH BASE64-->`. The page's script joins the pieces in document order, expands them
//! once with the browser's `DecompressionStream('deflate-raw')`, and cuts body `i` out of the
//! result by its `LENGTH` in bytes.
//!
//! Sound because node text is escaped (it holds no `<` or `>`), so `<!--` and `-->` are only
//! ever the templates' own lazy-body markers, and the page's inline style, script and JSON hold
//! neither. A body's compressed piece depends on the bodies before it (one stream, one
//! history): that is what makes 2,000 similar pod cards small. Pages with few collapsed lines
//! keep their bodies as plain comments (`LazyBodies::Plain`): they are small anyway, readable
//! with `grep`, and open in browsers without DecompressionStream.

use super::text::base64;
use super::view::ReportView;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use std::io::{self, Write};

/// How a page stores the bodies of its closed sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LazyBodies {
    /// As HTML comments, readable in the file.
    Plain,
    /// As one raw deflate stream cut into base64 pieces, one per comment.
    Compressed,
}

impl LazyBodies {
    /// The value of the page's `data-lazy` attribute that tells its script how to read bodies.
    pub fn attribute(self) -> &'static str {
        match self {
            LazyBodies::Plain => "plain",
            LazyBodies::Compressed => "deflate-raw",
        }
    }

    /// Compressed when the collapsed parts of the page hold more than
    /// [`COMPRESS_ABOVE_LINES`] lines, plain below.
    pub fn for_view(view: &ReportView) -> LazyBodies {
        if collapsed_lines(view) > COMPRESS_ABOVE_LINES {
            LazyBodies::Compressed
        } else {
            LazyBodies::Plain
        }
    }
}

/// Above this many lines in closed sections (about 150 KB of HTML), their bodies are
/// compressed. A node whose sections all fit on screen stays a plain file.
pub const COMPRESS_ABOVE_LINES: usize = 1_500;

/// The lines the page's closed sections hold: pod cards (a line per container and per
/// process), tree blocks, the cgroup tree and namespace groups.
pub fn collapsed_lines(view: &ReportView) -> usize {
    let pods = if view.pods.cards_open {
        0
    } else {
        view.pods
            .pods
            .iter()
            .map(|p| {
                p.containers
                    .iter()
                    .map(|c| 1 + c.processes.len())
                    .sum::<usize>()
                    + p.grid.rows.len()
            })
            .sum()
    };
    let trees: usize = view
        .process_tree
        .blocks
        .iter()
        .filter(|b| !b.open)
        .map(|b| b.lines.len())
        .sum();
    let cgroups = if view.cgroups.open {
        0
    } else {
        view.cgroups.lines.len()
    };
    let namespaces: usize = view
        .namespaces
        .groups
        .iter()
        .filter(|g| !g.open)
        .map(|g| g.rows.len())
        .sum();
    pods + trees + cgroups + namespaces
}

const OPEN: &[u8] = b"<!--";
const CLOSE: &[u8] = b"-->";

/// Where the writer is in the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Page text, passed through; `held` bytes of `<!--` seen and not yet written.
    Outside { held: usize },
    /// A body, gathered until `-->`.
    Inside,
}

/// Passes a page through to `out`, replacing each comment's text by its compressed piece.
pub struct CompressBodies<W: Write> {
    out: W,
    state: State,
    body: Vec<u8>,
    encoder: DeflateEncoder<Vec<u8>>,
    bodies: usize,
    raw_bytes: u64,
}

impl<W: Write> CompressBodies<W> {
    pub fn new(out: W) -> CompressBodies<W> {
        CompressBodies {
            out,
            state: State::Outside { held: 0 },
            body: Vec::new(),
            // Level 6: within 3 % of level 9's size on a 2,000-pod page, twice as fast.
            encoder: DeflateEncoder::new(Vec::new(), Compression::new(6)),
            bodies: 0,
            raw_bytes: 0,
        }
    }

    /// Ends the page: a comment left open (which the templates never write) is an error, not
    /// a truncated page. Returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        match self.state {
            State::Outside { held } => {
                self.out.write_all(&OPEN[..held])?;
                self.out.flush()?;
                Ok(self.out)
            }
            State::Inside => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the page ends inside a collapsed body",
            )),
        }
    }

    /// How many bodies were compressed and their size before compression.
    pub fn stats(&self) -> (usize, u64) {
        (self.bodies, self.raw_bytes)
    }

    fn end_body(&mut self) -> io::Result<()> {
        self.encoder.write_all(&self.body)?;
        // A sync flush ends the piece on a byte boundary with everything so far decodable.
        self.encoder.flush()?;
        let piece = std::mem::take(self.encoder.get_mut());
        write!(self.out, "<!--z {} {}-->", self.body.len(), base64(&piece))?;
        self.bodies += 1;
        self.raw_bytes += self.body.len() as u64;
        self.body.clear();
        Ok(())
    }
}

impl<W: Write> Write for CompressBodies<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while !rest.is_empty() {
            match self.state {
                State::Outside { held: 0 } => match rest.iter().position(|&b| b == b'<') {
                    None => {
                        self.out.write_all(rest)?;
                        rest = &[];
                    }
                    Some(at) => {
                        self.out.write_all(&rest[..at])?;
                        self.state = State::Outside { held: 1 };
                        rest = &rest[at + 1..];
                    }
                },
                State::Outside { held } => {
                    if rest[0] == OPEN[held] {
                        rest = &rest[1..];
                        self.state = if held + 1 == OPEN.len() {
                            State::Inside
                        } else {
                            State::Outside { held: held + 1 }
                        };
                    } else {
                        // Not a comment: what was held is page text; the byte is looked at
                        // again (it may start a marker itself). `<!--` has no border, so no
                        // earlier start can be missed.
                        self.out.write_all(&OPEN[..held])?;
                        self.state = State::Outside { held: 0 };
                    }
                }
                State::Inside => match rest.iter().position(|&b| b == b'>') {
                    None => {
                        self.body.extend_from_slice(rest);
                        rest = &[];
                    }
                    Some(at) => {
                        self.body.extend_from_slice(&rest[..=at]);
                        rest = &rest[at + 1..];
                        if self.body.ends_with(CLOSE) {
                            self.body.truncate(self.body.len() - CLOSE.len());
                            self.end_body()?;
                            self.state = State::Outside { held: 0 };
                        }
                    }
                },
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::DeflateDecoder;

    /// What the page's script does: join the pieces, end the stream, expand, cut by length.
    fn expand(page: &str) -> (String, Vec<String>) {
        let mut pieces = Vec::new();
        let mut lengths = Vec::new();
        let mut shell = String::new();
        let mut rest = page;
        while let Some(start) = rest.find("<!--z ") {
            shell.push_str(&rest[..start]);
            let after = &rest[start + 6..];
            let end = after.find("-->").expect("closed");
            let (length, data) = after[..end].split_once(' ').expect("length and data");
            lengths.push(length.parse::<usize>().expect("length"));
            pieces.extend(decode_base64(data));
            shell.push_str("<!--#-->");
            rest = &after[end + 3..];
        }
        shell.push_str(rest);
        pieces.extend([3, 0]);
        let mut decoder = DeflateDecoder::new(Vec::new());
        decoder.write_all(&pieces).expect("inflates");
        let inflated = decoder.finish().expect("a complete stream");
        let mut bodies = Vec::new();
        let mut at = 0;
        for length in lengths {
            bodies.push(String::from_utf8(inflated[at..at + length].to_vec()).expect("utf-8"));
            at += length;
        }
        assert_eq!(at, inflated.len(), "the lengths cover the stream");
        (shell, bodies)
    }

    fn decode_base64(text: &str) -> Vec<u8> {
        let value = |c: u8| match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        } as u32;
        let mut out = Vec::new();
        for chunk in text.as_bytes().chunks(4) {
            let digits: Vec<u8> = chunk.iter().copied().filter(|&c| c != b'=').collect();
            let mut n = 0;
            for (i, &c) in digits.iter().enumerate() {
                n |= value(c) << (18 - 6 * i);
            }
            out.extend(n.to_be_bytes()[1..digits.len()].iter());
        }
        out
    }

    /// Writes `page` in pieces of `step` bytes, as askama's many small writes do.
    fn compress(page: &str, step: usize) -> String {
        let mut writer = CompressBodies::new(Vec::new());
        for piece in page.as_bytes().chunks(step) {
            writer.write_all(piece).unwrap();
        }
        String::from_utf8(writer.finish().unwrap()).unwrap()
    }

    #[test]
    fn bodies_come_back_whole_and_in_order_whatever_the_write_sizes() {
        let page = "<p>a < b <! c <!- d</p><details><summary>x</summary><!--\n<div id=\"p1\">one -- two - > 中文</div>--></details>\
                    <details><!----></details><details><!--<b>--->--></details><p>end<</p>";
        for step in [1, 2, 3, 5, 7, 64, page.len()] {
            let compressed = compress(page, step);
            let (shell, bodies) = expand(&compressed);
            assert_eq!(
                shell,
                "<p>a < b <! c <!- d</p><details><summary>x</summary><!--#--></details>\
                 <details><!--#--></details><details><!--#-->--></details><p>end<</p>",
                "step {step}"
            );
            assert_eq!(
                bodies,
                vec![
                    "\n<div id=\"p1\">one -- two - > 中文</div>".to_string(),
                    String::new(),
                    "<b>-".to_string(),
                ],
                "step {step}"
            );
        }
    }

    #[test]
    fn a_page_without_comments_passes_through_unchanged() {
        let page = "<!DOCTYPE html><p>no bodies here, only a < and a <!</p>";
        assert_eq!(compress(page, 3), page);
    }

    #[test]
    fn a_page_ending_inside_a_body_is_an_error() {
        let mut writer = CompressBodies::new(Vec::new());
        writer.write_all(b"<details><!--never closed").unwrap();
        assert!(writer.finish().is_err());
    }

    #[test]
    fn similar_bodies_share_one_history() {
        // A pod card's size: a few facts and a dozen process lines.
        let card = |n: usize| {
            let lines: String = (0..12)
                .map(|k| format!("<div class=\"l\"><a href=\"#p{n}{k}\">{n}{k}</a> nginx: worker process {k}</div>\n"))
                .collect();
            format!("<!--<div class=\"card\"><dl><dt>uid<dd>0000{n:04}-aaaa</dl><div class=\"t ps\">{lines}</div></div>-->")
        };
        let page: String = (0..500).map(card).collect();
        let compressed = compress(&page, 4096);
        assert!(
            compressed.len() * 4 < page.len(),
            "{} bytes from {}",
            compressed.len(),
            page.len()
        );
        let (_, bodies) = expand(&compressed);
        assert_eq!(bodies.len(), 500);
        assert_eq!(format!("<!--{}-->", bodies[499]), card(499));
    }
}
