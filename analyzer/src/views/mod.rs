//! Terminal views modelled on ps, pstree, systemd-cgls, lsns and crictl pods, and the model export.
//!
//! Every view is a pure function from `&Model` and its options to a `String`; the binary only
//! picks one and prints it. Node data reaches the terminal only through `text::sanitize`.

pub mod cgls;
pub mod cleaned;
pub mod diff;
pub mod export;
pub mod inspect;
pub mod lsns;
pub mod pods;
pub mod ps;
pub mod resolve;
pub mod resources;
pub mod summary;
pub mod table;
pub mod text;
pub mod tree;
pub mod window;

#[cfg(test)]
pub(crate) mod golden;

#[cfg(test)]
mod tests {
    //! Properties every view must keep, checked over all of them at once.

    use super::text::{Palette, Width};
    use super::*;
    use crate::fixture;
    use crate::model::{Model, NsType};

    fn every_view(model: &Model, width: Width, palette: Palette) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("summary", summary::render(model, width, palette)),
            ("pods", pods::render(model, width, palette)),
            (
                "ps",
                ps::table(model, &ps::Filter::default(), width, palette),
            ),
            (
                "ps --tree",
                ps::tree(
                    model,
                    &ps::Filter::default(),
                    ps::TreeScope::Runtime,
                    width,
                    palette,
                ),
            ),
            (
                "ps --tree --all",
                ps::tree(
                    model,
                    &ps::Filter::default(),
                    ps::TreeScope::Node,
                    width,
                    palette,
                ),
            ),
            (
                "cgls",
                cgls::render(
                    model,
                    "/",
                    cgls::Options {
                        all: true,
                        kernel_threads: true,
                    },
                    width,
                    palette,
                )
                .unwrap(),
            ),
            ("lsns", lsns::render(model, None, width, palette)),
            (
                "lsns net",
                lsns::render(model, Some(NsType::Net), width, palette),
            ),
        ];
        for query in ["19356", "08bcf4df", "f5f16f15", "8087"] {
            let target = resolve::target(model, query).unwrap();
            out.push(("inspect", inspect::render(model, target, width, palette)));
        }
        out
    }

    /// Removes the SGR sequences the palette writes (`ESC [ digits;digits m`).
    fn strip_colour(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("\x1b[") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find(|c: char| !(c.is_ascii_digit() || c == ';'))
                .filter(|i| after[*i..].starts_with('m'));
            match end {
                Some(i) => rest = &after[i + 1..],
                None => {
                    out.push_str("\x1b[");
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn assert_safe(view: &str, text: &str) {
        for c in text.chars() {
            let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            assert!(
                (!c.is_control() || c == '\n') && !bidi,
                "{view} prints raw {c:?}:\n{text}"
            );
        }
    }

    #[test]
    fn no_view_prints_control_characters_from_node_data() {
        let mut model = fixture::seed();
        // Hostile names everywhere a view prints node data.
        model.node.hostname = Some("node\x1b]0;title\x07".into());
        model.pods[1].name = Some("web\u{202e}gnp.exe".into());
        model.containers[0].name = Some("reg\x1b[31mistry".into());
        model.cgroups[1].path = crate::model::CgroupPath::new("/dock\x1b[2Jer").unwrap();
        model.findings[0].message = "msg\r\x1b[1Aover".into();
        model.gaps.push(nodesnap_format::Gap {
            path: "proc/1/\u{2066}x".into(),
            reason: nodesnap_format::GapReason::Vanished,
            detail: Some("gone\x1b[2K".into()),
        });
        let redis = model
            .processes
            .iter_mut()
            .find(|p| p.pid.0 == 19356)
            .unwrap();
        redis.comm = "redis\x07".into();
        redis.cmdline = Some("sh -c printf '\x1b[2J\x1b]0;owned\x07' \u{202e}txt.exe".into());
        for width in [Width::Columns(80), Width::Unlimited] {
            for (view, text) in every_view(&model, width, Palette::PLAIN) {
                assert_safe(view, &text);
            }
            for (view, text) in every_view(&model, width, Palette { enabled: true }) {
                assert_safe(view, &strip_colour(&text));
            }
        }
    }

    #[test]
    fn narrow_views_fit_80_columns() {
        let model = fixture::seed();
        for (view, text) in every_view(&model, Width::Columns(80), Palette::PLAIN) {
            for line in text.lines() {
                assert!(
                    text::display_width(line) <= 80,
                    "{view}: {} columns: {line}",
                    text::display_width(line)
                );
            }
        }
    }
}
