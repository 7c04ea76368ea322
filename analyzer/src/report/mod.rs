//! The self-contained HTML report: the model turned into view structs (`view`), rendered by the
//! askama templates in templates/ with the page's CSS and script inline and a
//! Content-Security-Policy that lets the page load nothing, so it opens from disk anywhere.
//!
//! Node text reaches the page only through askama's HTML escaping (after `text::visible` has
//! made control and bidi characters visible); the only unescaped output is the page's own CSS
//! and script, and the search index as JSON escaped so that it cannot end the comment that
//! holds it. A big page stores its collapsed bodies compressed (`lazy`).

pub mod diff;
mod fuzz;
pub mod lazy;
pub mod text;
pub mod view;

use crate::model::Model;
use askama::Template;
use sha2::{Digest, Sha256};
use std::fmt;

#[doc(hidden)]
pub use fuzz::fuzz_render;
pub use lazy::LazyBodies;
pub use view::ReportView;

/// The page's stylesheet, inlined and allowed by its hash.
const STYLE: &str = include_str!("../../../templates/report.css");
/// The page's script (search, print, anchors), inlined and allowed by its hash.
const SCRIPT: &str = include_str!("../../../templates/report.js");

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot render the report: {0}")]
    Render(#[from] askama::Error),
}

/// Text that the template writes without escaping. Only this module creates it, from the
/// page's own constant assets and from JSON passed through `text::json_for_script`, and the
/// fleet page from its own assets (`asset`).
pub struct Unescaped(String);

impl Unescaped {
    /// One of the analyzer's own stylesheets or scripts, compiled in.
    pub(crate) fn asset(text: &str) -> Unescaped {
        Unescaped(text.to_string())
    }
}

impl fmt::Display for Unescaped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    v: &'a ReportView,
    csp: String,
    style: Unescaped,
    script: Unescaped,
    search_json: Unescaped,
    generator: String,
    /// How the page stores its collapsed bodies (`data-lazy` on `<body>`, for the script).
    lazy: &'static str,
}

/// The Content-Security-Policy: nothing may load; only the page's own style and script, by
/// hash, may apply or run.
pub fn content_security_policy() -> String {
    policy_for(STYLE, SCRIPT)
}

/// The policy of a page whose only style and script are these (the fleet page has its own).
pub(crate) fn policy_for(style: &str, script: &str) -> String {
    format!(
        "default-src 'none'; style-src '{}'; script-src '{}'; img-src 'none'; \
         base-uri 'none'; form-action 'none'",
        csp_hash(style),
        csp_hash(script)
    )
}

fn csp_hash(content: &str) -> String {
    format!(
        "sha256-{}",
        text::base64(&Sha256::digest(content.as_bytes()))
    )
}

pub fn render_html(model: &Model) -> Result<String, ReportError> {
    let view = view::build(model);
    render_view(&view)
}

/// Writes the report to `out` as it is rendered, without holding the whole page in memory
/// (about 200 MB before compression for a node of 20,000 pods).
pub fn write_html(model: &Model, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let view = view::build(model);
    write_view(&view, LazyBodies::for_view(&view), out)
}

/// Renders view structs already built (the golden and view tests build them once), storing
/// collapsed bodies the way the page's size calls for.
pub fn render_view(view: &ReportView) -> Result<String, ReportError> {
    render_view_with(view, LazyBodies::for_view(view))
}

/// `render_view` with collapsed bodies stored as asked (tests force each way).
pub fn render_view_with(view: &ReportView, lazy: LazyBodies) -> Result<String, ReportError> {
    let mut out = Vec::new();
    write_view(view, lazy, &mut out).map_err(|e| ReportError::Render(askama::Error::custom(e)))?;
    // The templates and the compressed pieces are UTF-8 (askama writes `str`s).
    Ok(String::from_utf8(out).expect("the page is UTF-8"))
}

fn write_view(
    view: &ReportView,
    lazy: LazyBodies,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let page = page(view, lazy);
    match lazy {
        LazyBodies::Plain => page.write_into(out),
        LazyBodies::Compressed => {
            let mut compressing = lazy::CompressBodies::new(out);
            page.write_into(&mut compressing)?;
            compressing.finish().map(drop)
        }
    }
}

fn page(view: &ReportView, lazy: LazyBodies) -> ReportPage<'_> {
    ReportPage {
        v: view,
        csp: content_security_policy(),
        style: Unescaped(STYLE.to_string()),
        script: Unescaped(SCRIPT.to_string()),
        search_json: Unescaped(text::json_for_script(&view.search.to_json())),
        generator: format!("nodesnap analyzer {}", env!("CARGO_PKG_VERSION")),
        lazy: lazy.attribute(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_streamed_report_is_the_rendered_one_byte_for_byte() {
        let model = crate::fixture::seed();
        let mut streamed = Vec::new();
        write_html(&model, &mut streamed).unwrap();
        let rendered = render_html(&model).unwrap();
        assert!(rendered.len() > 10_000);
        assert_eq!(String::from_utf8(streamed).unwrap(), rendered);
    }
}
