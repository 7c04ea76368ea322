//! docs/MODEL.md lists every finding rule exactly as `analyzer::findings::RULES` defines it, and
//! the docs state the cgroup path limits the analyzer applies.

use analyzer::findings::{Rule, INTERVAL_RULES, RULES};

fn rules_table() -> String {
    table_of(RULES)
}

fn table_of(rules: &[Rule]) -> String {
    let mut table = String::from("| Rule id | Severity | What it finds |\n|---|---|---|\n");
    for rule in rules {
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            rule.id, rule.severity, rule.title
        ));
    }
    table
}

#[test]
fn model_doc_rules_table_matches_the_rules_the_analyzer_runs() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/MODEL.md");
    let doc = std::fs::read_to_string(path).expect("docs/MODEL.md");
    let begin = doc.find("<!-- BEGIN RULES TABLE").expect("BEGIN marker");
    let end = doc.find("<!-- END RULES TABLE -->").expect("END marker");
    let section = &doc[begin..end];
    let table_start = section.find("| Rule id").expect("table header");
    assert_eq!(
        section[table_start..].trim_end(),
        rules_table().trim_end(),
        "docs/MODEL.md's rules table differs from analyzer::findings::RULES; paste the right side"
    );
}

#[test]
fn model_doc_interval_rules_table_matches_the_interval_rules() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/MODEL.md");
    let doc = std::fs::read_to_string(path).expect("docs/MODEL.md");
    let begin = doc
        .find("<!-- BEGIN INTERVAL RULES TABLE")
        .expect("BEGIN marker");
    let end = doc
        .find("<!-- END INTERVAL RULES TABLE -->")
        .expect("END marker");
    let section = &doc[begin..end];
    let table_start = section.find("| Rule id").expect("table header");
    assert_eq!(
        section[table_start..].trim_end(),
        table_of(INTERVAL_RULES).trim_end(),
        "docs/MODEL.md's interval rules table differs from analyzer::findings::INTERVAL_RULES"
    );
}

#[test]
fn every_rule_id_is_unique_and_kebab_case() {
    let all: Vec<&Rule> = RULES.iter().chain(INTERVAL_RULES).collect();
    let mut ids: Vec<&str> = all.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "duplicate rule ids");
    for id in ids {
        assert!(
            id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{id} is not kebab-case"
        );
    }
}

#[test]
fn docs_state_the_cgroup_path_limits_the_analyzer_applies() {
    use analyzer::model::{MAX_CGROUP_DEPTH, MAX_CGROUP_PATH_BYTES};
    use analyzer::present::units::count;
    let read = |name: &str| {
        let path = format!("{}/../docs/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("the doc");
        // Lines are wrapped anywhere: compare with single spaces.
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let (levels, bytes) = (MAX_CGROUP_DEPTH, count(MAX_CGROUP_PATH_BYTES as u64));
    let model = read("MODEL.md");
    assert!(
        model.contains(&format!(
            "**{levels} levels** below the root and **{bytes} bytes**"
        )),
        "docs/MODEL.md must state the limits: {levels} levels, {bytes} bytes"
    );
    let security = read("SECURITY.md");
    assert!(
        security.contains(&format!("limited to {levels} levels and {bytes} bytes")),
        "docs/SECURITY.md must state the limits: {levels} levels, {bytes} bytes"
    );
}
