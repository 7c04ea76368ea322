//! The diff view over every pair of nodesnap-fixtures (golden files of the terminal view and
//! the JSON), a snapshot against itself, hostile node text and the terminal's width.

use super::*;
use crate::fixture;
use crate::views::golden;
use nodesnap_fixtures::pairs;

fn json(diff: &Diff, options: Options) -> String {
    let mut out = Vec::new();
    write_json(diff, options, &mut out).expect("serializes");
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn every_pair_matches_its_golden_view_and_json() {
    for name in pairs::NAMES {
        let (old, new) = fixture::pair(name);
        let diff = crate::analyze_diff(&old, &new);
        let text = render(&diff, Options::default(), Width::Unlimited, Palette::PLAIN);
        golden::check(&format!("diff/{name}.txt"), &text);
        golden::check(
            &format!("diff/{name}.json"),
            &json(&diff, Options::default()),
        );
    }
}

#[test]
fn processes_are_listed_under_their_container_when_asked() {
    let (old, new) = fixture::pair("docker-restart");
    let diff = crate::analyze_diff(&old, &new);
    let options = Options { processes: true };
    let text = render(&diff, options, Width::Unlimited, Palette::PLAIN);
    golden::check("diff/docker-restart-processes.txt", &text);
    let lists = diff.processes.list.as_ref().expect("lists");
    for p in lists.started.iter().chain(&lists.gone) {
        assert!(
            text.contains(&format!("{:>7} {} ", p.pid, p.state)),
            "{}",
            p.pid
        );
    }
    let without = render(&diff, Options::default(), Width::Unlimited, Palette::PLAIN);
    assert!(without.len() < text.len());
    let value: serde_json::Value = serde_json::from_str(&json(&diff, options)).unwrap();
    assert_eq!(
        value["processes"]["list"]["started"]
            .as_array()
            .map(Vec::len),
        Some(diff.processes.started)
    );
    let value: serde_json::Value = serde_json::from_str(&json(&diff, Options::default())).unwrap();
    assert!(value["processes"]["list"].is_null());
}

#[test]
fn a_snapshot_against_itself_says_there_is_no_difference() {
    let model = fixture::model("seed-node");
    let diff = crate::analyze_diff(&model, &model);
    let text = render(
        &diff,
        Options::default(),
        Width::Columns(80),
        Palette::PLAIN,
    );
    assert!(
        text.ends_with("\nNo differences: the two snapshots say the same about the node.\n"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 3, "{text}");
}

#[test]
fn narrow_views_fit_80_columns_and_print_no_control_characters() {
    for name in pairs::NAMES {
        let (mut old, mut new) = fixture::pair(name);
        for model in [&mut old, &mut new] {
            model.node.hostname = Some("node\x1b]0;title\x07".into());
            for c in &mut model.containers {
                c.name = c.name.as_ref().map(|n| format!("{n}\u{202e}gnp"));
            }
            for p in &mut model.processes {
                p.cmdline = p.cmdline.as_ref().map(|c| format!("{c} \x1b[2J"));
            }
        }
        let diff = crate::analyze_diff(&old, &new);
        for options in [Options::default(), Options { processes: true }] {
            let text = render(&diff, options, Width::Columns(80), Palette::PLAIN);
            for line in text.lines() {
                assert!(
                    crate::views::text::display_width(line) <= 80,
                    "{name}: {line}"
                );
                assert!(
                    !line.chars().any(crate::present::text::must_escape),
                    "{name}: {line:?}"
                );
            }
            let coloured = render(
                &diff,
                options,
                Width::Columns(80),
                Palette { enabled: true },
            );
            assert!(coloured.contains("\x1b["), "{name}");
        }
    }
}

/// Every key of the diff's JSON (the ids and uids that key `details` aside) is in docs/MODEL.md.
#[test]
fn docs_model_md_documents_every_field_of_the_diff() {
    fn keys(value: &serde_json::Value, parent: &str, out: &mut std::collections::BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    if parent == "details" {
                        keys(inner, "", out);
                    } else {
                        out.insert(key.clone());
                        keys(inner, key, out);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| keys(v, "", out)),
            _ => {}
        }
    }
    let doc = include_str!("../../../../docs/MODEL.md");
    let section = &doc[doc.find("## The diff").expect("a section on the diff")..];
    let mut found = std::collections::BTreeSet::new();
    for name in pairs::NAMES {
        let (old, new) = fixture::pair(name);
        let diff = crate::analyze_diff(&old, &new);
        let value: serde_json::Value =
            serde_json::from_str(&json(&diff, Options { processes: true })).unwrap();
        keys(&value, "", &mut found);
    }
    let missing: Vec<&String> = found
        .iter()
        .filter(|k| {
            !section.contains(&format!("`{k}`"))
                && !section.contains(&format!(".{k}`"))
                && !section.contains(&format!("`{k}."))
                && !section.contains(&format!("{{{k},"))
                && !section.contains(&format!(" {k},"))
                && !section.contains(&format!(", {k}}}"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/MODEL.md's diff section does not mention {missing:?}"
    );
}
