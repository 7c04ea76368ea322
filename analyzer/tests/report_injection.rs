//! Everything from the node is text: the hostile model's report holds exactly the elements and
//! attributes the templates write, its JSON cannot leave its script element, and control and
//! bidi characters are shown as escapes. The browser test checks that nothing runs.

mod report_support;

use analyzer::report::LazyBodies;
use report_support::tags_and_attributes;
use std::collections::BTreeSet;

/// The elements and attributes the report's templates write, and nothing else.
const TEMPLATE_TAGS: &[&str] = &[
    "!doctype", "html", "head", "meta", "title", "style", "body", "header", "nav", "a", "b",
    "span", "div", "input", "output", "main", "section", "h2", "h3", "h4", "dl", "dt", "dd", "p",
    "table", "thead", "tbody", "tr", "th", "td", "code", "details", "summary", "article", "s",
    "footer", "script",
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
    "open",
    "title",
    "data-lazy",
    "hidden",
];

fn render(model: &analyzer::model::Model) -> String {
    analyzer::report::render_html(model).expect("renders")
}

/// The report with its collapsed bodies stored as asked.
fn render_with(model: &analyzer::model::Model, lazy: LazyBodies) -> String {
    let view = analyzer::report::view::build(model);
    analyzer::report::render_view_with(&view, lazy).expect("renders")
}

#[test]
fn compressed_bodies_expand_to_the_plain_page_byte_for_byte() {
    for model in [
        report_support::hostile_model(),
        report_support::seed_model(),
    ] {
        let plain = render_with(&model, LazyBodies::Plain);
        let compressed = render_with(&model, LazyBodies::Compressed);
        assert!(compressed.contains("<body data-lazy=\"deflate-raw\">"));
        assert!(
            compressed.matches("<!--z ").count() >= 2,
            "bodies and the search index"
        );
        assert_eq!(report_support::expand_lazy(&compressed), plain);
    }
}

#[test]
fn compressed_pieces_are_base64_only_so_node_text_never_shows_in_them() {
    let compressed = render_with(&report_support::hostile_model(), LazyBodies::Compressed);
    let mut rest = compressed.as_str();
    while let Some(start) = rest.find("<!--") {
        let after = &rest[start + 4..];
        let end = after.find("-->").expect("closed");
        let piece = after[..end]
            .strip_prefix("z ")
            .expect("every comment is a piece");
        let (length, data) = piece.split_once(' ').expect("length and data");
        assert!(length.bytes().all(|b| b.is_ascii_digit()));
        assert!(data
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)));
        rest = &after[end + 3..];
    }
    let tags: BTreeSet<&str> = TEMPLATE_TAGS.iter().copied().collect();
    for (name, _) in tags_and_attributes(&compressed) {
        assert!(
            tags.contains(name.as_str()),
            "<{name}> in the compressed page"
        );
    }
}

#[test]
fn hostile_report_holds_only_the_templates_elements_and_attributes() {
    let html = render(&report_support::hostile_model());
    let tags: BTreeSet<&str> = TEMPLATE_TAGS.iter().copied().collect();
    let attributes: BTreeSet<&str> = TEMPLATE_ATTRIBUTES.iter().copied().collect();
    for (name, attrs) in tags_and_attributes(&html) {
        assert!(
            tags.contains(name.as_str()),
            "element <{name}> did not come from the template"
        );
        for attr in attrs {
            assert!(
                attributes.contains(attr.as_str()),
                "attribute {attr} on <{name}> did not come from the template"
            );
        }
    }
}

#[test]
fn lazy_bodies_end_only_where_the_template_ends_them() {
    for (name, html) in [
        ("hostile", render(&report_support::hostile_model())),
        (
            "big",
            report_support::expand_lazy(&render(&report_support::big_model())),
        ),
    ] {
        let mut rest = html.as_str();
        let mut bodies = 0;
        while let Some(start) = rest.find("<!--") {
            let body_and_after = &rest[start + 4..];
            let end = body_and_after.find("-->").expect("every comment is closed");
            let body = &body_and_after[..end];
            assert!(
                !body.contains("<!--") && !body.contains("--!>"),
                "{name}: a lazy body holds no comment marker"
            );
            let after = &body_and_after[end + 3..];
            assert!(
                after.starts_with("\n</details>")
                    || (body.starts_with("[[") && after.starts_with("</div>\n<script>")),
                "{name}: a lazy body ends right before its </details> (the search index before \
                 its </div>), not inside node text"
            );
            bodies += 1;
            rest = after;
        }
        assert!(bodies > 0, "{name}: collapsed sections have lazy bodies");
    }
}

#[test]
fn hostile_report_has_the_same_markup_shape_as_the_benign_one() {
    let count = |html: &str, name: &str| {
        tags_and_attributes(html)
            .iter()
            .filter(|(n, _)| n == name)
            .count()
    };
    let benign = render(&report_support::seed_model());
    let hostile = render(&report_support::hostile_model());
    for name in ["script", "style", "a", "meta", "input"] {
        assert_eq!(
            count(&benign, name),
            count(&hostile, name),
            "<{name}> count"
        );
    }
    assert_eq!(count(&hostile, "script"), 1);
}

#[test]
fn hostile_strings_appear_escaped_and_bidi_characters_visible() {
    let html = render(&report_support::hostile_model());
    for marker in report_support::HOSTILE_MARKERS {
        assert!(html.contains(marker), "{marker} is shown escaped");
    }
    for raw in [
        "<script>alert",
        "<img",
        "<svg",
        "<iframe",
        "onerror=alert(1)>",
        "\u{202e}",
        "\u{7}",
        "\u{2028}",
        "\u{2029}",
    ] {
        assert!(!html.contains(raw), "{raw:?} reaches the page raw");
    }
}

#[test]
fn search_json_cannot_close_its_comment_and_parses_back() {
    let html = render(&report_support::hostile_model());
    let open = "<div id=\"search-index\" hidden><!--";
    let start = html.find(open).expect("search index present") + open.len();
    let end = start + html[start..].find("--></div>").expect("closed");
    let json = &html[start..end];
    assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
    let index: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
    let names: Vec<&str> = index
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|entry| entry[1].as_str())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.contains("web</script><script>alert(4)</script>")),
        "the hostile pod name survives the escaping: {names:?}"
    );
}

#[test]
fn templates_use_safe_only_on_the_pages_own_assets() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates");
    for entry in std::fs::read_dir(&dir).expect("templates dir") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("template readable");
        for (i, line) in text.lines().enumerate() {
            if line.contains("|safe")
                && !line.trim_start().starts_with("{#")
                && !line.contains("escaped by askama")
            {
                let allowed = [
                    "{{ style|safe }}",
                    // The diff report's own stylesheet, templates/diff.css.
                    "{{ diff_style|safe }}",
                    "{{ script|safe }}",
                    "{{ search_json|safe }}",
                ];
                let mut rest = line.to_string();
                for a in allowed {
                    rest = rest.replace(a, "");
                }
                assert!(
                    !rest.contains("|safe"),
                    "{}:{}: |safe on something other than the page's assets",
                    path.display(),
                    i + 1
                );
            }
        }
    }
}

#[test]
fn csp_forbids_loading_anything_and_pins_the_inline_assets_by_hash() {
    let html = render(&report_support::seed_model());
    let csp = analyzer::report::content_security_policy();
    assert!(csp.starts_with("default-src 'none';"));
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert_eq!(csp.matches("'sha256-").count(), 2);
    let escaped = csp.replace('\'', "&#39;");
    assert!(html.contains(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{escaped}\">"
    )));
    // The only URL is text the node wrote: kube-rbac-proxy's --upstream in its command line.
    let urls: Vec<&str> = html
        .match_indices("http://")
        .chain(html.match_indices("https://"))
        .map(|(at, _)| &html[at.saturating_sub(11)..at])
        .collect();
    assert!(
        !urls.is_empty() && urls.iter().all(|before| *before == "--upstream="),
        "no URL to fetch: {urls:?}"
    );
}

#[test]
fn a_hostile_finding_about_a_cgroup_is_escaped_in_the_cgroup_tree_too() {
    use analyzer::model::{CgroupPath, Finding, Severity, Subject};
    let mut model = report_support::hostile_model();
    let nginx = format!(
        "/kubepods/burstable/pod{}/{}",
        report_support::seed::POD_NGINX_REDIS,
        report_support::seed::NGINX
    );
    // A rule without a short note is shown beside its cgroup by its message.
    model.findings.push(Finding {
        rule: "made-up-rule".to_string(),
        severity: Severity::Warning,
        subject: Subject::Cgroup(CgroupPath::new(&nginx).unwrap()),
        message: "<iframe src=//evil.example>".to_string(),
        explanation: String::new(),
    });
    let html = render(&model);
    assert!(!html.contains("<iframe"), "the note reaches the page raw");
    assert!(
        html.contains("<span class=\"trouble\">&#60;iframe src=//evil.example&#62;</span>"),
        "the note is shown, escaped"
    );
}
