//! The report of a big node (2,000 pods, 20,000 processes) fits a ticket's attachment limit,
//! with the long sections collapsed and their bodies stored compressed. The browser test opens
//! the same report.

mod report_support;

/// What a report of 2,000 pods and 20,000 processes may weigh: under the 10 MB attachment limit
/// of common ticket systems with room to spare (20.7 MB before bodies were compressed).
const BIG_NODE_BUDGET_BYTES: usize = 5_000_000;

#[test]
fn big_node_report_stays_within_its_size_budget() {
    let model = report_support::big_model();
    assert_eq!((model.pods.len(), model.processes.len()), (2000, 20_000));
    let html = analyzer::report::render_html(&model).expect("renders");
    eprintln!("big node report: {} bytes", html.len());
    std::fs::write(
        report_support::screenshot_dir().join("big-size.html"),
        &html,
    )
    .expect("write");
    assert!(
        html.len() <= BIG_NODE_BUDGET_BYTES,
        "{} bytes is over the budget of {BIG_NODE_BUDGET_BYTES}",
        html.len()
    );
    assert_eq!(html.matches("<details class=\"pod\"").count(), 2000);
    assert_eq!(html.matches("<details class=\"pod\" id=").count(), 2000);
    assert!(!html
        .contains("<details class=\"pod\" id=\"pod-00000000-0000-4000-8000-000000000000\" open"));
}
