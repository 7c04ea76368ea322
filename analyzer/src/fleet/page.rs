//! The fleet page: the view rendered by templates/fleet.html with the report's stylesheet and
//! the fleet's own additions inline, its small script (host filter, column sort) inline, and
//! the report's Content-Security-Policy pinning both by hash. Node text reaches the page only
//! through askama's escaping after `visible`; the only unescaped output is the page's own CSS
//! and script.

use super::view::{self, FleetView};
use super::Fleet;
use crate::report::{ReportError, Unescaped};
use askama::Template;
use std::sync::OnceLock;

/// The report's stylesheet followed by the fleet page's own rules, as one `<style>`.
fn style() -> &'static str {
    static STYLE: OnceLock<String> = OnceLock::new();
    STYLE.get_or_init(|| {
        format!(
            "{}{}",
            include_str!("../../../templates/report.css"),
            include_str!("../../../templates/fleet.css")
        )
    })
}

/// The page's script: the host filter and sorting the node table.
const SCRIPT: &str = include_str!("../../../templates/fleet.js");

#[derive(Template)]
#[template(path = "fleet.html")]
struct FleetPage<'a> {
    v: &'a FleetView,
    csp: String,
    style: Unescaped,
    script: Unescaped,
    generator: String,
}

/// The fleet page's policy: nothing may load; only its own style and script, by hash.
pub fn content_security_policy() -> String {
    crate::report::policy_for(style(), SCRIPT)
}

fn page(view: &FleetView) -> FleetPage<'_> {
    FleetPage {
        v: view,
        csp: content_security_policy(),
        style: Unescaped::asset(style()),
        script: Unescaped::asset(SCRIPT),
        generator: format!("nodesnap analyzer {}", env!("CARGO_PKG_VERSION")),
    }
}

pub fn render_html(fleet: &Fleet) -> Result<String, ReportError> {
    let view = view::build(fleet);
    Ok(page(&view).render()?)
}

/// Writes the page to `out` (a fleet of 500 nodes is under a megabyte: no streaming concern).
pub fn write_html(fleet: &Fleet, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let view = view::build(fleet);
    page(&view).write_into(out)
}
