//! The report in real headless Chromium: every section present (the window's when sampled), the pod count right, the
//! search box filtering, lazy bodies of collapsed sections filled when opened, searched, linked
//! to or printed, no console error, no network request, and the hostile strings running nothing.
//! Screenshots land in target/report-screenshots/ for people to look at.

mod report_support;

use analyzer::model::Model;
use analyzer::report::LazyBodies;
use report_support::cdp::{with_browser, Browser};
use std::path::PathBuf;
use std::time::Duration;

const SECTIONS: [&str; 7] = [
    "node",
    "findings",
    "pods",
    "containers",
    "processes",
    "cgroups",
    "namespaces",
];

fn write_report(name: &str, model: &Model) -> PathBuf {
    let html = analyzer::report::render_html(model).expect("renders");
    write_page(name, &html)
}

fn write_page(name: &str, html: &str) -> PathBuf {
    let path = report_support::screenshot_dir().join(format!("{name}.html"));
    std::fs::write(&path, html).expect("write report");
    path
}

/// Types into the search box and returns how many pods stay visible.
fn search(browser: &mut Browser, query: &str) -> u64 {
    let expression = format!(
        "(() => {{ const q = document.getElementById('q'); q.value = {}; \
         q.dispatchEvent(new Event('input')); \
         return new Promise(done => setTimeout(() => done( \
           document.querySelectorAll('#pods details.pod:not([hidden])').length), 400)); }})()",
        serde_json::to_string(query).expect("query as JSON")
    );
    browser
        .eval(&expression)
        .expect("search runs")
        .as_u64()
        .expect("a count")
}

fn visible(browser: &mut Browser, id: &str) -> bool {
    browser
        .eval(&format!("!document.getElementById('{id}').hidden"))
        .expect("element exists")
        .as_bool()
        .expect("a boolean")
}

/// Fires what the browser fires before and after printing, as Ctrl+P does.
fn print_event(browser: &mut Browser, name: &str) {
    browser
        .eval(&format!("window.dispatchEvent(new Event('{name}'))"))
        .expect("event dispatched");
}

/// Each section is on the page with its heading and its link in the header.
fn assert_sections(browser: &mut Browser, ids: &[&str]) {
    for id in ids {
        let present = browser
            .eval(&format!(
                "!!document.querySelector('section#{id} h2') && \
                 !!document.querySelector('header nav a[href=\"#{id}\"]')"
            ))
            .expect("evaluates");
        assert_eq!(present, true, "section {id} and its header link");
    }
}

fn assert_clean(browser: &Browser, file: &std::path::Path) {
    assert_eq!(browser.errors(), Vec::<String>::new(), "console errors");
    assert_eq!(
        browser.requests_besides(file),
        Vec::<String>::new(),
        "network requests"
    );
    assert_eq!(browser.dialogs(), Vec::<String>::new(), "dialogs opened");
}

#[test]
fn seed_report_opens_offline_with_every_section_and_working_search() {
    with_browser("seed_report_opens_offline", |browser| {
        let model = report_support::seed_model();
        let file = write_report("seed", &model);
        browser
            .open(&file, Duration::from_secs(30))
            .expect("report loads");
        assert_eq!(
            browser.wait_for_bodies().expect("evaluates"),
            "ready",
            "a small page keeps its bodies plain and readable at once"
        );
        assert_sections(browser, &SECTIONS);
        let pods = browser
            .eval("document.querySelectorAll('#pods details.pod').length")
            .expect("evaluates");
        assert_eq!(pods.as_u64(), Some(model.pods.len() as u64));
        let grid_cells = browser
            .eval("Array.from(document.querySelectorAll('#pod-f5f16f15-af9e-11ea-8af4-0050569e47b9 table.grid td.pod')).map(td => td.textContent)")
            .expect("evaluates");
        assert_eq!(
            grid_cells,
            serde_json::json!([
                "4026532659",
                "4026532662",
                "4026532659",
                "4026532662",
                "4026532659",
                "4026532662"
            ]),
            "ipc and net are shared by pause, nginx and redis"
        );

        assert_eq!(
            search(browser, "redis"),
            1,
            "a container name finds its pod"
        );
        assert!(visible(browser, "pod-f5f16f15-af9e-11ea-8af4-0050569e47b9"));
        assert!(!visible(
            browser,
            "pod-f86494f1-aeea-11ea-8af4-0050569e47b9"
        ));
        assert!(visible(browser, "p19356") && !visible(browser, "p2841"));
        assert_eq!(search(browser, "167e38"), 1, "an id prefix finds its pod");
        assert!(visible(browser, "pod-f86494f1-aeea-11ea-8af4-0050569e47b9"));
        assert_eq!(
            search(browser, "d62b4a22"),
            1,
            "nginx's id prefix finds its pod"
        );
        for pid in std::iter::once(19431).chain(19453..=19460) {
            assert!(
                visible(browser, &format!("p{pid}")),
                "a container id prefix finds the container's process {pid}"
            );
        }
        assert!(
            !visible(browser, "p19356") && !visible(browser, "p2841"),
            "processes of other containers stay hidden"
        );
        assert_eq!(
            search(browser, "19431"),
            1,
            "a pid finds its pod and process"
        );
        assert!(visible(browser, "p19431") && !visible(browser, "p19453"));
        assert_eq!(
            search(browser, "2841"),
            0,
            "the runtime daemon's pid is no pod"
        );
        assert!(visible(browser, "p2841"));
        assert_eq!(search(browser, ""), 5, "clearing the box shows every pod");

        browser.settle(Duration::from_millis(200));
        assert_clean(browser, &file);
        let shot = report_support::screenshot_dir().join("seed.png");
        browser.screenshot(1400, 12_000, &shot).expect("screenshot");
        browser
            .call(
                "Emulation.setEmulatedMedia",
                serde_json::json!({"features": [{"name": "prefers-color-scheme", "value": "dark"}]}),
            )
            .expect("dark scheme");
        let background = browser
            .eval("getComputedStyle(document.body).backgroundColor")
            .expect("evaluates");
        assert_eq!(background, "rgb(15, 19, 24)", "the dark scheme applies");
        browser
            .screenshot_from(
                "#node",
                1300,
                &report_support::screenshot_dir().join("seed-dark.png"),
            )
            .expect("dark screenshot");
        browser
            .call(
                "Emulation.setEmulatedMedia",
                serde_json::json!({"media": "print", "features": []}),
            )
            .expect("print media");
        print_event(browser, "beforeprint");
        let collapsed_shown = browser
            .eval(
                "document.getElementById('p1').getBoundingClientRect().height > 0 \
                   && document.querySelectorAll('#namespaces .l').length > 20",
            )
            .expect("evaluates");
        assert_eq!(
            collapsed_shown, true,
            "printing shows what a closed section holds"
        );
        print_event(browser, "afterprint");
        let closed_again = browser
            .eval("!document.getElementById('p1').closest('details').open")
            .expect("evaluates");
        assert_eq!(
            closed_again, true,
            "after printing, closed sections close again"
        );
        browser
            .call(
                "Emulation.setEmulatedMedia",
                serde_json::json!({"media": "", "features": []}),
            )
            .expect("screen media");
        for section in ["pods", "processes", "cgroups", "namespaces"] {
            let part = report_support::screenshot_dir().join(format!("seed-{section}.png"));
            browser
                .screenshot_from(&format!("#{section}"), 1300, &part)
                .expect("section screenshot");
        }
        assert!(std::fs::metadata(&shot)
            .map(|m| m.len() > 10_000)
            .unwrap_or(false));
    });
}

#[test]
fn hostile_strings_show_as_text_and_run_nothing() {
    with_browser("hostile_strings_run_nothing", |browser| {
        let model = report_support::hostile_model();
        let view = analyzer::report::view::build(&model);
        for lazy in [LazyBodies::Plain, LazyBodies::Compressed] {
            let html = analyzer::report::render_view_with(&view, lazy).expect("renders");
            let file = write_page(&format!("hostile-{}", lazy.attribute()), &html);
            browser
                .open(&file, Duration::from_secs(30))
                .expect("report loads");
            assert_eq!(browser.wait_for_bodies().expect("evaluates"), "ready");
            browser.settle(Duration::from_millis(300));
            // Fill every lazy body, as printing does, so the whole page's text is there to check.
            print_event(browser, "beforeprint");
            let checks = browser
                .eval(
                    "({ scripts: document.scripts.length, \
                        lazy: document.querySelectorAll('details').length - document.querySelectorAll('details[open]').length, \
                        injected: document.querySelectorAll('img, svg, iframe, a[href^=\"http\"], a[href^=\"javascript\"], [onerror], [onload], [onmouseover]').length, \
                        title: document.title })",
                )
                .expect("evaluates");
            assert_eq!(checks["scripts"], 1, "only the page's script: {checks}");
            assert_eq!(checks["lazy"], 0, "printing opened everything: {checks}");
            assert_eq!(
                checks["injected"], 0,
                "no element or attribute from node data: {checks}"
            );
            for shown in [
                "<script>alert(1)</script> was OOM-killed",
                "redis-server \"><img src=x onerror=alert(1)>",
                "registry\\u{7}\\u{1b}[31m red\\u{2066}isolate\\u{2069}\\u{d}\\u{a}next\\u{2028}line",
                "app.kubernetes.io/name=</script><img src=x onerror=alert(6)>",
            ] {
                let found = browser
                    .eval(&format!(
                        "document.querySelector('main').textContent.includes({})",
                        serde_json::to_string(shown).expect("JSON")
                    ))
                    .expect("evaluates");
                assert_eq!(found, true, "shown as text ({}): {shown}", lazy.attribute());
            }
            print_event(browser, "afterprint");
            assert_eq!(
                search(browser, "<script>"),
                1,
                "hostile names are searchable text"
            );
            assert_clean(browser, &file);
            let shot =
                report_support::screenshot_dir().join(format!("hostile-{}.png", lazy.attribute()));
            browser.screenshot(1400, 2400, &shot).expect("screenshot");
        }
    });
}

#[test]
fn big_node_report_opens_and_filters_two_thousand_pods() {
    with_browser("big_node_report", |browser| {
        let model = report_support::big_model();
        let file = write_report("big", &model);
        let size = std::fs::metadata(&file).expect("report written").len();
        let load = browser
            .open(&file, Duration::from_secs(120))
            .expect("report loads");
        let expanded = std::time::Instant::now();
        assert_eq!(
            browser.wait_for_bodies().expect("evaluates"),
            "ready",
            "the compressed bodies expand"
        );
        let expanded = load + expanded.elapsed();
        let timing = browser
            .eval("(() => { const t = performance.getEntriesByType('navigation')[0]; \
                   return `parsed ${Math.round(t.domInteractive)} ms, DOMContentLoaded ${Math.round(t.domContentLoadedEventEnd)} ms, \
                   load ${Math.round(t.loadEventEnd)} ms, ${document.getElementsByTagName('*').length} elements`; })()")
            .expect("evaluates");
        let pods = browser
            .eval("document.querySelectorAll('#pods details.pod').length")
            .expect("evaluates");
        assert_eq!(pods.as_u64(), Some(2000));
        let open = browser
            .eval("document.querySelectorAll('#pods details.pod[open]').length")
            .expect("evaluates");
        assert_eq!(open.as_u64(), Some(0), "2,000 pod cards start collapsed");
        let filled = browser
            .eval("document.querySelectorAll('#pods details.pod .card').length")
            .expect("evaluates");
        assert_eq!(
            filled.as_u64(),
            Some(0),
            "collapsed pod cards hold their body as text until opened"
        );
        let opened = browser
            .eval(
                "(() => { const d = document.querySelectorAll('#pods details.pod')[5]; \
                 d.querySelector('summary').click(); \
                 return new Promise(done => requestAnimationFrame(() => done( \
                   d.open && d.querySelectorAll('.ctr').length > 0 && \
                   d.querySelector('.card').getBoundingClientRect().height > 0))); })()",
            )
            .expect("evaluates");
        assert_eq!(opened, true, "a clicked pod card shows its containers");
        let linked = browser
            .eval(
                "(() => { const link = document.querySelector('#pods details.pod[open] .ctr a[href^=\"#p\"]'); \
                 const id = link.getAttribute('href').slice(1); \
                 const before = document.getElementById(id) === null; \
                 link.click(); \
                 return new Promise(done => setTimeout(() => { const el = document.getElementById(id); \
                   done(before && el !== null && el.getBoundingClientRect().height > 0 \
                     && document.querySelector(':target') === el); }, 100)); })()",
            )
            .expect("evaluates");
        assert_eq!(
            linked, true,
            "a link into the collapsed process tree fills and opens it, and marks its target"
        );
        assert_eq!(search(browser, "app-1999-"), 1);
        let found_filled = browser
            .eval(
                "(() => { const d = document.querySelector('#pods details.pod:not([hidden])'); \
                 return d.open && d.querySelectorAll('.ctr').length > 0; })()",
            )
            .expect("evaluates");
        assert_eq!(
            found_filled, true,
            "a pod found by search opens with its body filled"
        );
        assert_eq!(search(browser, "shop-7/"), 80);
        assert_eq!(search(browser, ""), 2000);
        print_event(browser, "beforeprint");
        let printed = browser
            .eval(
                "[document.querySelectorAll('#pods details.pod .card').length, \
                  document.querySelectorAll('details:not([open])').length]",
            )
            .expect("evaluates");
        assert_eq!(
            printed,
            serde_json::json!([2000, 0]),
            "printing fills and opens every pod card and section"
        );
        print_event(browser, "afterprint");
        browser.settle(Duration::from_millis(200));
        assert_clean(browser, &file);
        browser
            .screenshot(
                1400,
                1600,
                &report_support::screenshot_dir().join("big.png"),
            )
            .expect("screenshot");
        eprintln!(
            "big node: {} pods, {} processes: {:.1} MB, loaded in {:.1} s, bodies expanded by {:.1} s ({})",
            model.pods.len(),
            model.processes.len(),
            size as f64 / 1e6,
            load.as_secs_f64(),
            expanded.as_secs_f64(),
            timing.as_str().unwrap_or_default()
        );
    });
}

#[test]
fn a_sampled_report_shows_its_window_section_linked_from_the_header() {
    with_browser("sampled_report_window_section", |browser| {
        let model = report_support::window::sampled_seed_model();
        let file = write_report("seed-sampled", &model);
        browser
            .open(&file, Duration::from_secs(30))
            .expect("report loads");
        assert_sections(browser, &SECTIONS);
        assert_sections(browser, &["window"]);
        let busiest = browser
            .eval(
                "(() => { const dt = Array.from(document.querySelectorAll('#window dt')) \
                 .find(d => d.textContent === 'Busiest'); \
                 return dt.nextElementSibling.textContent; })()",
            )
            .expect("evaluates");
        assert_eq!(
            busiest, "<b>nginx 7190 1.10 cores",
            "the process name reads as text, not markup"
        );
        assert_eq!(
            browser
                .eval("document.querySelectorAll('#window b').length")
                .expect("evaluates"),
            0
        );
        browser.settle(Duration::from_millis(200));
        assert_clean(browser, &file);
        browser
            .screenshot_from(
                "#window",
                1300,
                &report_support::screenshot_dir().join("seed-window.png"),
            )
            .expect("section screenshot");
    });
}

#[test]
fn a_link_from_outside_into_a_compressed_section_shows_its_target() {
    with_browser("link_into_compressed_section", |browser| {
        let model = report_support::big_model();
        let html = analyzer::report::render_html(&model).expect("renders");
        assert!(
            html.contains("data-lazy=\"deflate-raw\""),
            "the big page is compressed"
        );
        let file = write_page("big-linked", &html);
        // The last pod's app process: in the collapsed process tree and in a collapsed card.
        let pid = model
            .processes
            .iter()
            .rev()
            .find(|p| p.comm == "app")
            .expect("an app process")
            .pid;
        browser
            .open_at(&file, &format!("p{pid}"), Duration::from_secs(120))
            .expect("report loads");
        assert_eq!(browser.wait_for_bodies().expect("evaluates"), "ready");
        let shown = browser
            .eval(&format!(
                "new Promise(done => setTimeout(() => {{ const el = document.getElementById('p{pid}'); \
                 done(el !== null && el.getBoundingClientRect().height > 0 \
                   && document.querySelector(':target') === el \
                   && el.closest('details').open); }}, 200))"
            ))
            .expect("evaluates");
        assert_eq!(
            shown, true,
            "the process's line is filled, opened and marked as the target"
        );
        assert_clean(browser, &file);
    });
}
