//! Box-drawing trees like pstree and systemd-cgls print them (`├─`, `│ `, `└─`), walked by
//! the one walker of `present::tree` and cut to the terminal's width.

use super::text::{display_width, sanitize, truncate, Palette, Style, Width};
use crate::present::tree::TreeWalk;

/// One piece of a line: node data (sanitized here) or a label nodesnap adds.
pub struct Segment {
    pub text: String,
    pub style: Style,
}

impl Segment {
    pub fn plain(text: impl Into<String>) -> Segment {
        Segment {
            text: text.into(),
            style: Style::Plain,
        }
    }

    pub fn styled(text: impl Into<String>, style: Style) -> Segment {
        Segment {
            text: text.into(),
            style,
        }
    }
}

/// Joins segments into one line cut to `width`, colouring each after it is cut.
pub fn fit_segments(segments: &[Segment], width: Width, palette: Palette) -> String {
    let mut room = width.room_after(0);
    let mut line = String::new();
    for segment in segments {
        let clean = sanitize(&segment.text);
        let text = match room {
            Some(0) => break,
            Some(left) => {
                let cut = truncate(&clean, left).into_owned();
                room = Some(left.saturating_sub(display_width(&cut)));
                if cut.ends_with('…') && !clean.ends_with('…') {
                    room = Some(0);
                }
                cut
            }
            None => clean.into_owned(),
        };
        line.push_str(&palette.paint(segment.style, &text));
    }
    line
}

/// Draws the trees below `roots` with the one walker (`present::tree`): each node's line
/// comes from `line`, its children from `children`. A node reached twice (a cycle in hostile
/// data) is drawn once; levels past `present::tree::MAX_DEPTH` keep the last indentation.
pub fn draw<N, K>(
    roots: &[N],
    key: impl Fn(&N) -> K,
    children: impl Fn(&N) -> Vec<N>,
    line: impl Fn(&N) -> Vec<Segment>,
    width: Width,
    palette: Palette,
) -> String
where
    N: Clone,
    K: std::hash::Hash + Eq,
{
    let mut out = String::new();
    let mut seen = std::collections::HashSet::new();
    let mut walk = TreeWalk::new(roots.iter().cloned());
    while let Some(step) = walk.next_step() {
        if !seen.insert(key(&step.node)) {
            continue;
        }
        let mut segments = vec![Segment::styled(step.guide, Style::Dim)];
        segments.extend(line(&step.node));
        out.push_str(fit_segments(&segments, width, palette).trim_end());
        out.push('\n');
        walk.push_children(children(&step.node), &step.child_prefix, step.depth);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_branches_like_systemd_cgls() {
        let children = |n: &u32| match n {
            1 => vec![2, 3],
            2 => vec![4],
            _ => vec![],
        };
        let out = draw(
            &[1],
            |n| *n,
            children,
            |n| vec![Segment::plain(format!("node{n}"))],
            Width::Unlimited,
            Palette::PLAIN,
        );
        assert_eq!(out, "node1\n├─node2\n│ └─node4\n└─node3\n");
    }

    #[test]
    fn a_cycle_is_drawn_once() {
        let out = draw(
            &[1u32],
            |n| *n,
            |n| vec![if *n == 1 { 2 } else { 1 }],
            |n| vec![Segment::plain(n.to_string())],
            Width::Unlimited,
            Palette::PLAIN,
        );
        assert_eq!(out, "1\n└─2\n");
    }

    #[test]
    fn a_deep_chain_keeps_the_last_indentation_past_max_depth() {
        use crate::present::tree::MAX_DEPTH;
        let out = draw(
            &[0u32],
            |n| *n,
            |n| if *n < 1000 { vec![n + 1] } else { vec![] },
            |n| vec![Segment::plain(n.to_string())],
            Width::Unlimited,
            Palette::PLAIN,
        );
        assert_eq!(out.lines().count(), 1001, "nothing is left out");
        assert!(out.lines().nth(MAX_DEPTH).unwrap().ends_with("└─64"));
        let flat = format!("{}·", "  ".repeat(MAX_DEPTH));
        assert_eq!(out.lines().nth(1000).unwrap(), format!("{flat}1000"));
    }

    #[test]
    fn segments_are_cut_to_the_width_and_sanitized() {
        let segments = [
            Segment::plain("├─7320 "),
            Segment::styled("[shim: nginx]", Style::Label),
            Segment::plain(" evil\x1bcmd"),
        ];
        assert_eq!(
            fit_segments(&segments, Width::Columns(16), Palette::PLAIN),
            "├─7320 [shim: n…"
        );
        assert_eq!(
            fit_segments(&segments, Width::Unlimited, Palette::PLAIN),
            "├─7320 [shim: nginx] evil\\x1bcmd"
        );
    }
}
