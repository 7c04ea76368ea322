//! docs/MODEL.md lists every finding rule exactly as `analyzer::findings::RULES` defines it.

use analyzer::findings::RULES;
use analyzer::views::summary::enum_name;

fn rules_table() -> String {
    let mut table = String::from("| Rule id | Severity | What it finds |\n|---|---|---|\n");
    for rule in RULES {
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            rule.id,
            enum_name(&rule.severity),
            rule.title
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
fn every_rule_id_is_unique_and_kebab_case() {
    let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), RULES.len(), "duplicate rule ids");
    for id in ids {
        assert!(
            id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{id} is not kebab-case"
        );
    }
}
