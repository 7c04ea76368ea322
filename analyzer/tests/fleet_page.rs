//! The fleet page: golden files of a small fleet and of every layout side by side (reviewed as
//! diffs; `UPDATE_GOLDEN=1 cargo test -p analyzer --test fleet_page` rewrites them), and the
//! injection checks of the single-node report applied to hostile hostnames, pod names,
//! kernels, paths and errors. The browser test checks that nothing runs.

mod report_support;

use report_support::fleet::{hostile_fleet, layouts_fleet, seed_fleet, HOSTILE_HOSTS};
use report_support::tags_and_attributes;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn check_golden(name: &str, html: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, html).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    if expected != html {
        let line = expected
            .lines()
            .zip(html.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(html.lines().count()));
        panic!(
            "{} differs from the rendered page at line {}:\n  golden:   {:?}\n  rendered: {:?}\nrun with UPDATE_GOLDEN=1 and review the diff",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            html.lines().nth(line)
        );
    }
}

#[test]
fn seed_fleet_page_matches_its_golden_file() {
    let (fleet, _) = seed_fleet();
    let html = analyzer::fleet::render_html(&fleet).expect("renders");
    check_golden("fleet_seed.html", &html);
}

#[test]
fn layouts_fleet_page_matches_its_golden_file() {
    let (fleet, _) = layouts_fleet();
    let html = analyzer::fleet::render_html(&fleet).expect("renders");
    check_golden("fleet_layouts.html", &html);
}

/// The elements and attributes templates/fleet.html writes, and nothing else.
const TEMPLATE_TAGS: &[&str] = &[
    "!doctype", "html", "head", "meta", "title", "style", "body", "header", "nav", "a", "b",
    "span", "div", "input", "output", "main", "section", "h2", "h3", "p", "table", "thead",
    "tbody", "tr", "th", "td", "code", "button", "footer", "script",
];
const TEMPLATE_ATTRIBUTES: &[&str] = &[
    "lang",
    "charset",
    "http-equiv",
    "content",
    "name",
    "class",
    "href",
    "id",
    "type",
    "placeholder",
    "aria-label",
    "autocomplete",
    "spellcheck",
    "for",
    "title",
    "colspan",
];

fn hostile_page() -> String {
    let (fleet, _) = hostile_fleet();
    analyzer::fleet::render_html(&fleet).expect("renders")
}

#[test]
fn hostile_fleet_page_holds_only_the_templates_elements_and_attributes() {
    let html = hostile_page();
    let tags: BTreeSet<&str> = TEMPLATE_TAGS.iter().copied().collect();
    let attributes: BTreeSet<&str> = TEMPLATE_ATTRIBUTES.iter().copied().collect();
    for (name, attrs) in tags_and_attributes(&html) {
        assert!(
            tags.contains(name.as_str()),
            "<{name}> is not the template's"
        );
        for attr in attrs {
            assert!(
                attributes.contains(attr.as_str()),
                "attribute {attr} on <{name}> is not the template's"
            );
        }
    }
    let benign = analyzer::fleet::render_html(&seed_fleet().0).expect("renders");
    for name in ["script", "style", "meta", "input", "button"] {
        let count = |html: &str| {
            tags_and_attributes(html)
                .iter()
                .filter(|(n, _)| n == name)
                .count()
        };
        assert_eq!(count(&html), count(&benign), "<{name}> count");
    }
}

#[test]
fn hostile_fleet_page_links_only_to_its_anchors_and_the_reports_beside_it() {
    let html = hostile_page();
    let mut links = 0;
    for (at, _) in html.match_indices("href=\"") {
        let rest = &html[at + 6..];
        let href = &rest[..rest.find('"').expect("closed")];
        links += 1;
        let (file, fragment) = href.split_once('#').unwrap_or((href, ""));
        assert!(
            fragment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-'),
            "{href}"
        );
        assert!(
            file.is_empty()
                || (file.ends_with(".html")
                    && !file.starts_with(['.', '-'])
                    && file
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))),
            "{href} is not a report beside the page"
        );
    }
    assert!(links > 10);
}

#[test]
fn hostile_strings_appear_escaped_and_bidi_characters_visible() {
    let html = hostile_page();
    for shown in [
        "node&#60;script&#62;alert(8)&#60;/script&#62;",
        "&#34;&#62;&#60;img src=x onerror=alert(9)&#62;",
        "evil\\u{202e}lmth.exe",
        "5.10\\u{2066}&#60;b&#62;bold&#60;/b&#62;",
        "&#60;b&#62;tickets&#60;/b&#62;/",
        "&#60;img src=x onerror=alert(13)&#62;: not a gzip stream\\u{2028}",
        "default\\u{202e}/web&#60;/script&#62;&#60;script&#62;alert(4)&#60;/script&#62;",
        "&#60;img src=x onerror=alert(10)&#62;",
    ] {
        assert!(html.contains(shown), "{shown} is shown escaped");
    }
    for raw in [
        "<script>alert",
        "<img",
        "<b>tickets",
        "<b>bold",
        "</td><script>",
        "\u{202e}",
        "\u{2066}",
        "\u{2028}",
        "onerror=alert(9)>",
    ] {
        assert!(!html.contains(raw), "{raw:?} reaches the page raw");
    }
    // Every hostile host has its row and a link to its report under a safe name.
    let (_, members) = hostile_fleet();
    assert_eq!(members.len(), HOSTILE_HOSTS.len());
    for member in &members {
        assert!(
            html.contains(&format!("<a href=\"{}\">", member.report)),
            "{}",
            member.report
        );
    }
    assert_eq!(html.matches("<tr id=\"n-").count(), HOSTILE_HOSTS.len() + 1);
}

#[test]
fn fleet_csp_forbids_loading_anything_and_pins_its_own_assets_by_hash() {
    let html = hostile_page();
    let csp = analyzer::fleet::content_security_policy();
    assert!(csp.starts_with("default-src 'none';"));
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert_eq!(csp.matches("'sha256-").count(), 2);
    assert_ne!(
        csp,
        analyzer::report::content_security_policy(),
        "the fleet page has its own script"
    );
    assert!(html.contains(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        csp.replace('\'', "&#39;")
    )));
    // A URL from a node is text (the hostile OS name holds one), never an attribute or style.
    assert!(!html.contains("=\"http") && !html.contains("=\"//"));
    let style = &html[html.find("<style>").unwrap()..html.find("</style>").unwrap()];
    assert!(!style.contains("url(") && !style.contains("@import"));
}

/// What the page of 500 nodes may weigh: under the 10 MB attachment limit of common ticket
/// systems with room to spare.
const FLEET_500_BUDGET_BYTES: usize = 5_000_000;

#[test]
fn fleet_page_of_500_nodes_stays_within_its_size_budget() {
    use analyzer::model::{CgroupDriver, Finding, Severity, Subject};
    let mut fleet = analyzer::fleet::Fleet::new();
    let mut members = Vec::new();
    let seed = report_support::seed_model();
    for node in 0..500 {
        let mut model = seed.clone();
        model.node.hostname = Some(format!("worker-{node:03}.prod.eu-west-1.example.internal"));
        model.collection.started_at =
            format!("2026-12-04T{:02}:{:02}:00Z", node / 60 % 24, node % 60);
        if node % 100 == 99 {
            model.node.kernel = Some("5.14.0-284.el9.x86_64".to_string());
        }
        if node % 250 == 17 {
            model.node.cgroup_driver = CgroupDriver::Systemd;
        }
        // Each pod fails on one node in seven: every pod is an outlier listing ~70 nodes.
        let failing: Vec<_> = model
            .pods
            .iter()
            .enumerate()
            .filter(|(p, _)| (p + node) % 7 == 0)
            .map(|(_, pod)| pod.uid.clone())
            .collect();
        for uid in failing {
            model.findings.push(Finding {
                rule: "cgroup-oom-kills".to_string(),
                severity: Severity::Critical,
                subject: Subject::Pod(uid),
                message: "2 processes were OOM-killed".to_string(),
                explanation: String::new(),
            });
        }
        report_support::fleet::add(
            &mut fleet,
            &mut members,
            &format!("/srv/tickets/48151/worker-{node:03}.tar.gz"),
            model,
        );
    }
    let html = analyzer::fleet::render_html(&fleet).expect("renders");
    eprintln!("fleet page of 500 nodes: {} bytes", html.len());
    assert_eq!(html.matches("<tr id=\"n-").count(), 500);
    let outliers = analyzer::fleet::pod_outliers(&fleet);
    // The seed's five owners; the one with a host-pid warning fails everywhere, so it is no
    // outlier.
    assert_eq!(fleet.pod_keys.len(), 5);
    assert_eq!(outliers.len(), 4, "the others fail on a few nodes");
    assert!(outliers.iter().all(|o| o.failing.len() >= 70));
    // Each lists the first 25 nodes it fails on; the matrix has the rest.
    for outlier in &outliers {
        let more = format!(
            "<div class=\"muted small\">and {} more nodes</div>",
            outlier.failing.len() - analyzer::fleet::NODES_SHOWN_PER_POD
        );
        assert!(html.contains(&more), "{more}");
    }
    assert!(
        html.len() <= FLEET_500_BUDGET_BYTES,
        "{} bytes is over the budget of {FLEET_500_BUDGET_BYTES}",
        html.len()
    );
}
