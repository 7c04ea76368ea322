//! Values the collector redacted stand out in the report: each `***` of a redacted command line
//! is a marked span, and the node section says how many processes had values redacted.

mod report_support;

use analyzer::model::{Model, ProcessRole};
use analyzer::report::render_html;
use nodesnap_format::CmdlinePolicy;
use report_support::*;

const MARKER: &str = r#"<span class="redacted" title="redacted by the collector">***</span>"#;

/// The seed node with one redis whose password the collector replaced.
fn redacted_model(policy: CmdlinePolicy) -> Model {
    let mut model = seed_model();
    for p in &mut model.processes {
        if p.cmdline.as_deref().is_some_and(|c| c.contains("***")) {
            p.cmdline = Some(p.comm.clone());
        }
    }
    model.processes.push(process(
        31337,
        1,
        "redis-server",
        "redis-server *:6379 --requirepass *** --masterauth ***",
        ProcessRole::Other,
    ));
    model.collection.cmdline = policy;
    model
}

#[test]
fn each_redacted_value_is_a_marked_span() {
    let html = render_html(&redacted_model(CmdlinePolicy::Redacted)).unwrap();
    let marked = format!("redis-server *:6379 --requirepass {MARKER} --masterauth {MARKER}");
    assert!(
        html.contains(&marked),
        "the redis command line is not marked"
    );
    // No `***` of a command line is left unmarked anywhere in the page's markup.
    let body = &html[html.find("<body").unwrap()..html.find("<div id=\"search-index\"").unwrap()];
    assert_eq!(
        body.matches("***").count(),
        body.matches(MARKER).count() + 1
    );
}

#[test]
fn node_section_counts_processes_with_redacted_values() {
    let model = redacted_model(CmdlinePolicy::Redacted);
    let html = render_html(&model).unwrap();
    let note = format!(
        "redacted: secret-looking values replaced by *** (in 1 of {} processes)",
        model.processes.len()
    );
    assert!(html.contains(&note), "no redaction note");
}

#[test]
fn verbatim_command_lines_are_not_marked_and_warn() {
    let html = render_html(&redacted_model(CmdlinePolicy::Verbatim)).unwrap();
    assert!(!html.contains(r#"class="redacted""#));
    assert!(html.contains(r#"<dd class="w">kept verbatim (--no-redact): may hold secrets<"#));
}
