//! The diff report: golden pages, the same self-containment as the single-node report (a CSP
//! that allows only the page's own style and script by hash, nothing loaded), node text
//! escaped, long sections as lazy bodies.

use super::*;
use crate::fixture;
use crate::views::golden;
use nodesnap_fixtures::pairs;

fn diff_of(name: &str) -> Diff {
    let (old, new) = fixture::pair(name);
    let diff = crate::analyze_diff(&old, &new);
    // As `analyzer diff --report` makes it: the processes themselves listed.
    assert!(diff.processes.list.is_some());
    diff
}

#[test]
fn the_diff_report_of_a_restart_and_of_a_reboot_match_their_golden_pages() {
    for name in ["containerd-restart", "reboot"] {
        let html = render_html(&diff_of(name)).expect("renders");
        golden::check(&format!("diff/report-{name}.html"), &html);
    }
}

#[test]
fn every_pairs_report_is_self_contained_and_streams_as_it_renders() {
    for name in pairs::NAMES {
        let diff = diff_of(name);
        let html = render_html(&diff).expect("renders");
        let mut streamed = Vec::new();
        write_html(&diff, &mut streamed).expect("writes");
        assert_eq!(String::from_utf8(streamed).unwrap(), html, "{name}");
        let csp = content_security_policy();
        let attribute = csp.replace('\'', "&#39;");
        assert!(html.contains(&format!("content=\"{attribute}\"")), "{name}");
        for asset in [super::STYLE, DIFF_STYLE, super::SCRIPT] {
            assert!(html.contains(asset), "{name}: an asset is not inline");
            assert!(csp.contains(&super::csp_hash(asset)), "{name}");
        }
        for external in ["src=", "http://", "https://", "@import", "url("] {
            assert!(!html.contains(external), "{name}: {external}");
        }
        // Every restarted container and every interval finding is on the page.
        for r in &diff.containers.restarted {
            assert!(html.contains(&format!("id=\"c-{}\"", r.new_id)), "{name}");
        }
        for f in &diff.findings.interval {
            assert!(html.contains(&format!("<code>{}</code>", f.rule)), "{name}");
        }
    }
}

#[test]
fn node_text_is_escaped_and_cannot_end_a_lazy_body() {
    let (mut old, mut new) = fixture::pair("docker-restart");
    for model in [&mut old, &mut new] {
        model.node.hostname = Some("<i>host</i>\u{202e}".into());
        for c in &mut model.containers {
            c.name = Some("<script>alert(1)</script>-->".into());
        }
        for p in &mut model.processes {
            p.cmdline = Some("--><img src=x onerror=alert(1)>".into());
        }
    }
    // Enough processes that their section starts closed, as a lazy body.
    let base = new.processes.iter().map(|p| p.pid.0).max().unwrap();
    let template = new.processes.last().unwrap().clone();
    for n in 1..=400 {
        let mut p = template.clone();
        p.pid = crate::model::Pid(base + n);
        new.processes.push(p);
    }
    let html = render_html(&crate::analyze_diff(&old, &new)).expect("renders");
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<img"));
    assert!(!html.contains("<i>host"));
    assert!(
        html.contains("\\u{202e}"),
        "bidi characters are shown as escapes"
    );
    let processes = html.find("<section id=\"processes\">").expect("processes");
    let body = &html[processes..];
    let body = &body[..body.find("</section>").unwrap()];
    assert!(
        body.contains("<details class=\"tree\"><summary>"),
        "starts closed"
    );
    let comment = body.find("<!--").expect("a lazy body");
    let end = body.rfind("-->").unwrap();
    assert!(
        !body[comment + 4..end].contains("-->"),
        "one comment, never ended early"
    );
}

#[test]
fn an_empty_diff_says_so() {
    let model = fixture::seed();
    let html = render_html(&crate::analyze_diff(&model, &model)).expect("renders");
    assert!(html.contains("No differences: the two snapshots say the same about the node."));
    assert!(html.contains("Nothing in the interval matched a rule."));
}
