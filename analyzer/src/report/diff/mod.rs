//! The diff report: one self-contained HTML page of what changed between two snapshots, built
//! like the single-node report (askama templates in templates/, the page's CSS and report.js
//! inline, a Content-Security-Policy that allows only them by hash, node text escaped, long
//! sections as lazy bodies) from the same words as the terminal view (`present::changes`).

mod view;

pub use view::{DiffLine, DiffSection, DiffView, IntervalFinding};

use super::text::json_for_script;
use super::{csp_hash, ReportError, Unescaped, SCRIPT, STYLE};
use crate::diff::Diff;
use askama::Template;

/// The diff report's own stylesheet, inlined after report.css and allowed by its hash.
const DIFF_STYLE: &str = include_str!("../../../../templates/diff.css");

#[derive(Template)]
#[template(path = "diff_report.html")]
struct DiffPage<'a> {
    v: &'a DiffView,
    csp: String,
    style: Unescaped,
    diff_style: Unescaped,
    script: Unescaped,
    search_json: Unescaped,
    generator: String,
}

/// The diff report's Content-Security-Policy: nothing may load; only the page's two
/// stylesheets and its script, by hash, may apply or run.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src '{}' '{}'; script-src '{}'; img-src 'none'; \
         base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(DIFF_STYLE),
        csp_hash(SCRIPT)
    )
}

fn page(view: &DiffView) -> DiffPage<'_> {
    DiffPage {
        v: view,
        csp: content_security_policy(),
        style: Unescaped(STYLE.to_string()),
        diff_style: Unescaped(DIFF_STYLE.to_string()),
        script: Unescaped(SCRIPT.to_string()),
        search_json: Unescaped(json_for_script(&view.search.to_json())),
        generator: format!("nodesnap analyzer {}", env!("CARGO_PKG_VERSION")),
    }
}

pub fn render_html(diff: &Diff) -> Result<String, ReportError> {
    Ok(page(&view::build(diff)).render()?)
}

/// Writes the diff report to `out` as it is rendered.
pub fn write_html(diff: &Diff, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let view = view::build(diff);
    page(&view).write_into(out)
}

#[cfg(test)]
mod tests;
