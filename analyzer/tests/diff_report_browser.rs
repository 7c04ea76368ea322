//! The diff report in real headless Chromium: every section there, nothing loaded from the
//! network, no console error, the search box filtering the containers and processes it lists,
//! a closed section's lazy body filled when opened or linked to, hostile node text running
//! nothing. Screenshots land in target/report-screenshots/.

mod report_support;

use analyzer::model::Pid;
use report_support::cdp::{with_browser, Browser};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn write_report(name: &str, diff: &analyzer::diff::Diff) -> PathBuf {
    let html = analyzer::report::diff::render_html(diff).expect("renders");
    let path = report_support::screenshot_dir().join(format!("{name}.html"));
    std::fs::write(&path, html).expect("write report");
    path
}

fn eval(browser: &mut Browser, expression: &str) -> serde_json::Value {
    browser.eval(expression).expect("evaluates")
}

/// Types into the search box and waits for the filter.
fn search(browser: &mut Browser, query: &str) {
    let expression = format!(
        "(() => {{ const q = document.getElementById('q'); q.value = {}; \
         q.dispatchEvent(new Event('input')); \
         return new Promise(done => setTimeout(() => done(true), 400)); }})()",
        serde_json::to_string(query).expect("query as JSON")
    );
    eval(browser, &expression);
}

fn visible(browser: &mut Browser, id: &str) -> bool {
    eval(browser, &format!("!document.getElementById('{id}').hidden"))
        .as_bool()
        .expect("a boolean")
}

fn assert_clean(browser: &Browser, file: &Path) {
    assert_eq!(browser.errors(), Vec::<String>::new(), "console errors");
    assert_eq!(
        browser.requests_besides(file),
        Vec::<String>::new(),
        "network requests"
    );
    assert_eq!(browser.dialogs(), Vec::<String>::new(), "dialogs opened");
}

#[test]
fn the_diff_report_opens_offline_and_its_search_filters_what_changed() {
    with_browser("the_diff_report_opens_offline", |browser| {
        let (old, new) = report_support::pair_models("docker-restart");
        let diff = analyzer::analyze_diff(&old, &new);
        let file = write_report("diff-docker-restart", &diff);
        browser
            .open(&file, Duration::from_secs(30))
            .expect("report loads");
        for id in [
            "summary",
            "interval",
            "node",
            "containers",
            "processes",
            "cgroups",
            "findings",
        ] {
            let present = eval(
                browser,
                &format!(
                    "!!document.querySelector('section#{id} h2') && \
                     !!document.querySelector('header nav a[href=\"#{id}\"]')"
                ),
            );
            assert_eq!(present, true, "section {id} and its header link");
        }
        let findings = eval(
            browser,
            "document.querySelectorAll('#interval article.finding').length",
        );
        assert_eq!(findings.as_u64(), Some(diff.findings.interval.len() as u64));
        let restart = &diff.containers.restarted[0];
        let restarted = format!("c-{}", restart.new_id);
        search(browser, restart.new_id.short());
        assert!(
            visible(browser, &restarted),
            "an id prefix finds the restarted container"
        );
        let lists = diff
            .processes
            .list
            .as_ref()
            .expect("the report lists processes");
        let new_app = lists
            .started
            .iter()
            .find(|p| p.container_id.as_ref() == Some(&restart.new_id))
            .expect("the new app's process");
        let dockerd = lists
            .started
            .iter()
            .find(|p| p.comm == "dockerd")
            .expect("the new dockerd");
        assert!(
            visible(browser, &format!("p{}", new_app.pid)),
            "and its processes"
        );
        assert!(
            !visible(browser, &format!("p{}", dockerd.pid)),
            "not the others"
        );
        search(browser, "dockerd");
        assert!(visible(browser, &format!("p{}", dockerd.pid)));
        assert!(!visible(browser, &restarted));
        search(browser, "");
        assert!(visible(browser, &restarted) && visible(browser, &format!("p{}", dockerd.pid)));
        browser.settle(Duration::from_millis(200));
        assert_clean(browser, &file);
        browser
            .screenshot(
                1400,
                8_000,
                &report_support::screenshot_dir().join("diff.png"),
            )
            .expect("screenshot");
    });
}

#[test]
fn a_closed_section_is_filled_when_opened_or_linked_and_hostile_text_runs_nothing() {
    with_browser("the_diff_report_fills_lazy_sections", |browser| {
        let (mut old, mut new) = report_support::pair_models("docker-restart");
        for model in [&mut old, &mut new] {
            for c in &mut model.containers {
                c.name = Some("<img src=x onerror=alert(1)>-->".into());
            }
            for p in &mut model.processes {
                p.cmdline = Some("<script>alert(2)</script>".into());
            }
        }
        // Enough new processes that their section starts closed.
        let base = new.processes.iter().map(|p| p.pid.0).max().unwrap();
        let template = new.processes.last().unwrap().clone();
        for n in 1..=400 {
            let mut p = template.clone();
            p.pid = Pid(base + n);
            new.processes.push(p);
        }
        let diff = analyzer::analyze_diff(&old, &new);
        let file = write_report("diff-lazy", &diff);
        browser
            .open(&file, Duration::from_secs(30))
            .expect("report loads");
        let closed = eval(browser, "document.querySelector('#processes details').open");
        assert_eq!(closed, false, "the long section starts closed");
        let lines = eval(browser, "document.querySelectorAll('#processes .l').length");
        assert_eq!(lines.as_u64(), Some(0), "its lines are not elements yet");
        // A link to a process inside it fills and opens it.
        eval(browser, &format!("location.hash = '#p{}'", base + 7));
        browser.settle(Duration::from_millis(300));
        let opened = eval(
            browser,
            "document.querySelector('#processes details').open && \
             document.querySelectorAll('#processes .l').length > 400",
        );
        assert_eq!(opened, true, "a link into the closed section opens it");
        browser.settle(Duration::from_millis(200));
        assert_clean(browser, &file);
    });
}
