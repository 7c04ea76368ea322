//! The report's section "Over the sampling window": a snapshot of several samples shows the
//! summary's figures there, linked from the header; a snapshot of one sample has no such
//! section. Node text in it is escaped like everywhere else on the page.

mod report_support;

use report_support::seed_model;
use report_support::window::sampled_seed_model;

/// The text of the page's `<section id="window">`, or None.
fn window_section(page: &str) -> Option<&str> {
    let start = page.find("<section id=\"window\">")?;
    let end = start + page[start..].find("</section>").expect("section closes");
    Some(&page[start..end])
}

#[test]
fn a_snapshot_of_several_samples_shows_the_window_section_with_the_summary_figures() {
    let model = sampled_seed_model();
    let page = analyzer::report::render_html(&model).expect("renders");
    let section = window_section(&page).expect("the window section");
    assert!(
        section.contains("<h2>Over the sampling window</h2>"),
        "{section}"
    );
    for expected in [
        "<dt>Window<dd>3 samples over 2 s (2020-06-17T02:28:00.200Z to 2020-06-17T02:28:02.200Z)",
        "<dt>Cpu use<dd>pod default/nginx-redis 1.50 cores, container nginx (d62b4a22abd2) 1.25 cores",
        "<dt>Busiest<dd>&#60;b&#62;nginx 7190 1.10 cores",
        "<dt>Grew<dd>2 OOM kills, 1/s in /kubepods/burstable/podf5f16f15; \
         180 periods throttled, 90/s in /kubepods/burstable/podf5f16f15",
        "<dt>Held<dd>in D state in every sample: 7301; zombies 1 -&#62; 2; threads 40 -&#62; 52",
    ] {
        assert!(section.contains(expected), "{expected:?} in {section}");
    }
    assert!(!page.contains("<b>nginx"), "a process name is escaped");
    let nav = &page[page.find("<nav>").unwrap()..page.find("</nav>").unwrap()];
    assert!(nav.contains("<a href=\"#window\">Window</a>"), "{nav}");
}

#[test]
fn the_window_section_says_what_the_terminal_summary_says() {
    let model = sampled_seed_model();
    let view = analyzer::report::view::build(&model);
    let facts: Vec<(&str, String)> = view
        .window
        .expect("a window view")
        .facts
        .into_iter()
        .map(|f| (f.label, f.value))
        .collect();
    // The seed's node text has nothing the terminal and the page show differently.
    assert_eq!(facts, analyzer::views::window::summary_lines(&model));
}

#[test]
fn a_snapshot_of_one_sample_has_no_window_section_nor_link() {
    let model = seed_model();
    assert!(model.window.is_none());
    let page = analyzer::report::render_html(&model).expect("renders");
    assert_eq!(window_section(&page), None);
    assert!(!page.contains("href=\"#window\""));
    assert!(!page.contains("Over the sampling window"));
}
