//! The fleet page in real headless Chromium, written with each node's report beside it as
//! `analyzer fleet --with-reports` writes them: every section there, the filter and the column
//! sort working, a host's link and a matrix cell opening that node's report, no console error,
//! no network request, and the hostile fleet's strings running nothing. Screenshots land in
//! target/report-screenshots/.

mod report_support;

use analyzer::fleet::Fleet;
use report_support::cdp::{with_browser, Browser};
use report_support::fleet::{hostile_fleet, seed_fleet, Member};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Writes the page and the members' reports into their own directory; returns the page.
fn write_fleet(name: &str, fleet: &Fleet, members: &[Member]) -> PathBuf {
    let dir = report_support::screenshot_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("fleet dir");
    for member in members {
        let html = analyzer::report::render_html(&member.model).expect("report renders");
        std::fs::write(dir.join(&member.report), html).expect("write report");
    }
    let page = dir.join("fleet.html");
    let html = analyzer::fleet::render_html(fleet).expect("page renders");
    std::fs::write(&page, html).expect("write page");
    page
}

fn eval(browser: &mut Browser, expression: &str) -> serde_json::Value {
    browser.eval(expression).expect("evaluates")
}

/// Types into the filter box and returns how many inputs stay in the node table.
fn filter(browser: &mut Browser, query: &str) -> u64 {
    let expression = format!(
        "(() => {{ const q = document.getElementById('q'); q.value = {}; \
         q.dispatchEvent(new Event('input')); \
         return new Promise(done => setTimeout(() => done( \
           document.querySelectorAll('#node-table tbody tr:not([hidden])').length), 300)); }})()",
        serde_json::to_string(query).expect("query as JSON")
    );
    eval(browser, &expression).as_u64().expect("a count")
}

/// Clicks a column's sort button and returns the node table's hosts in order.
fn sort_by(browser: &mut Browser, column: &str) -> Vec<String> {
    let expression = format!(
        "(() => {{ const b = Array.from(document.querySelectorAll('#node-table th button.sort')) \
           .find(b => b.textContent === {}); b.click(); \
         return Array.from(document.querySelectorAll('#node-table tbody tr')) \
           .map(r => r.cells[0].textContent); }})()",
        serde_json::to_string(column).expect("column as JSON")
    );
    serde_json::from_value(eval(browser, &expression)).expect("hosts")
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

/// Clicks the first link matching `selector` and waits for the page it leads to.
fn follow(browser: &mut Browser, selector: &str) {
    browser.events.clear();
    eval(
        browser,
        &format!(
            "document.querySelector({}).click()",
            serde_json::to_string(selector).expect("selector as JSON")
        ),
    );
    browser
        .wait_for_event("Page.loadEventFired", Duration::from_secs(30))
        .expect("the linked page loads");
}

#[test]
fn fleet_page_opens_offline_filters_sorts_and_links_to_each_nodes_report() {
    with_browser("fleet_page_in_chromium", |browser| {
        let (fleet, members) = seed_fleet();
        let page = write_fleet("fleet-seed", &fleet, &members);
        browser
            .open(&page, Duration::from_secs(30))
            .expect("page loads");
        for id in ["overview", "outliers", "nodes", "findings"] {
            let present = eval(
                browser,
                &format!("!!document.querySelector('section#{id} h2')"),
            );
            assert_eq!(present, true, "section {id}");
        }
        let counts = eval(
            browser,
            "[document.querySelectorAll('#node-table tbody tr').length, \
              document.querySelectorAll('#node-table tr.bad').length, \
              document.querySelectorAll('#node-table tr.dup').length, \
              document.querySelectorAll('table.matrix tbody tr').length, \
              document.querySelectorAll('table.matrix th.rule').length]",
        );
        assert_eq!(counts, serde_json::json!([7, 1, 1, 5, 4]));
        let pod_outliers = eval(
            browser,
            "Array.from(document.querySelectorAll('#outliers code:not(.muted)')).map(c => c.textContent)",
        );
        assert_eq!(
            pod_outliers,
            serde_json::json!(["default/nginx-redis", "kube-system/kube-proxy"])
        );

        assert_eq!(filter(browser, "node-3"), 1, "a host finds its row");
        let status = eval(browser, "document.getElementById('qn').textContent");
        assert_eq!(status, "1 of 7 inputs");
        let matrix_shown = eval(
            browser,
            "document.querySelectorAll('table.matrix tbody tr:not([hidden])').length",
        );
        assert_eq!(matrix_shown, 1, "the matrix is filtered too");
        assert_eq!(filter(browser, "5.14.0"), 1, "a kernel finds its node");
        assert_eq!(filter(browser, ""), 7, "clearing shows every input");

        let ascending = sort_by(browser, "Pods");
        assert_eq!(
            ascending.first().map(String::as_str),
            Some("node-3"),
            "{ascending:?}"
        );
        assert_eq!(
            &ascending[5..],
            ["node-1", "not read"],
            "inputs not read and repeats stay last"
        );
        let descending = sort_by(browser, "Pods");
        assert_eq!(descending[4], "node-3", "{descending:?}");
        let sorted_by_host = sort_by(browser, "Host");
        assert_eq!(
            &sorted_by_host[..5],
            ["node-1", "node-2", "node-3", "node-4", "node-5"]
        );

        browser.settle(Duration::from_millis(200));
        assert_clean(browser, &page);
        let dir = page.parent().expect("dir").to_path_buf();
        browser
            .screenshot(1400, 4000, &dir.join("fleet.png"))
            .expect("screenshot");
        for section in ["outliers", "nodes", "findings"] {
            browser
                .screenshot_from(
                    &format!("#{section}"),
                    1000,
                    &dir.join(format!("fleet-{section}.png")),
                )
                .expect("section screenshot");
        }

        // A host's link opens its report, with every section of the single-node page.
        let node2 = &members[1].report;
        follow(browser, &format!("#node-table a[href=\"{node2}\"]"));
        let report = eval(
            browser,
            "new Promise(done => { const check = () => { \
               const state = document.documentElement.getAttribute('data-bodies'); \
               if (state) { done([document.title, state, !!document.querySelector('section#pods')]); } \
               else { setTimeout(check, 10); } }; check(); })",
        );
        assert_eq!(
            report,
            serde_json::json!(["node-2 · nodesnap report", "ready", true])
        );
        assert_eq!(
            browser.errors(),
            Vec::<String>::new(),
            "report console errors"
        );

        // A matrix cell opens the node's report at its findings.
        browser
            .open(&page, Duration::from_secs(30))
            .expect("page loads again");
        follow(
            browser,
            &format!("table.matrix td.crit a[href=\"{node2}#findings\"]"),
        );
        let at_findings = eval(
            browser,
            "new Promise(done => setTimeout(() => done(location.hash === '#findings' \
               && document.querySelector(':target') === document.getElementById('findings')), 200))",
        );
        assert_eq!(at_findings, true, "the report opens at its findings");
        assert_eq!(
            browser.errors(),
            Vec::<String>::new(),
            "report console errors"
        );
    });
}

#[test]
fn hostile_fleet_strings_show_as_text_and_run_nothing() {
    with_browser("hostile_fleet_runs_nothing", |browser| {
        let (fleet, members) = hostile_fleet();
        let page = write_fleet("fleet-hostile", &fleet, &members);
        browser
            .open(&page, Duration::from_secs(30))
            .expect("page loads");
        browser.settle(Duration::from_millis(300));
        let checks = eval(
            browser,
            "({ scripts: document.scripts.length, \
                injected: document.querySelectorAll('img, svg, iframe, b:not(.brand b):not(.gl b), a[href^=\"http\"], a[href^=\"javascript\"], [onerror], [onload], [onmouseover]').length })",
        );
        assert_eq!(checks["scripts"], 1, "only the page's script: {checks}");
        assert_eq!(checks["injected"], 0, "nothing from node data: {checks}");
        for shown in [
            "node<script>alert(8)</script>",
            "\"><img src=x onerror=alert(9)>",
            "evil\\u{202e}lmth.exe",
            "5.10\\u{2066}<b>bold</b>",
            "<img src=x onerror=alert(13)>: not a gzip stream\\u{2028}",
            "default\\u{202e}/web</script><script>alert(4)</script>",
        ] {
            let found = eval(
                browser,
                &format!(
                    "document.querySelector('main').textContent.includes({})",
                    serde_json::to_string(shown).expect("JSON")
                ),
            );
            assert_eq!(found, true, "shown as text: {shown}");
        }
        assert_eq!(
            filter(browser, "<script>alert(8)"),
            1,
            "hostile names are filterable text"
        );
        assert_clean(browser, &page);
        browser
            .screenshot(
                1400,
                2400,
                &page.parent().expect("dir").join("fleet-hostile.png"),
            )
            .expect("screenshot");
    });
}
