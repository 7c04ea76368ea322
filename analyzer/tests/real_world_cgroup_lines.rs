//! The /proc/<pid>/cgroup forms that public projects assert in their own test suites
//! (tests/real_world/cgroup_lines.txt), read through the analyzer's parser and classifier: at
//! least 99% must name the container, pod, node container and podman pod the table expects, and
//! every case where nodesnap reads a form otherwise than its source says why.

use analyzer::model::classify::{classify_process_lines, CgroupClass};
use analyzer::model::{ContainerId, PodUid, PodmanPodId};
use analyzer::procfs::parse_cgroup;
use std::collections::BTreeSet;

const TABLE: &str = include_str!("real_world/cgroup_lines.txt");

/// At least this many cases, so that the table cannot shrink unnoticed.
const MIN_CASES: usize = 300;
const MIN_SHARE_RIGHT: f64 = 0.99;

#[derive(Debug, Default, PartialEq)]
struct Attribution {
    container: Option<String>,
    pod: Option<String>,
    node: Option<String>,
    podman_pod: Option<String>,
}

#[derive(Debug)]
struct Source {
    /// `owner/repository file`, or `this machine <how>`.
    place: String,
    asserted: Option<String>,
}

#[derive(Debug)]
struct Case {
    /// 1-based line of the `case` line in the table.
    line: usize,
    title: String,
    sources: Vec<Source>,
    expect: Attribution,
    because: Option<String>,
    content: String,
}

fn parse_table(text: &str) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let at = index + 1;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if let Some(title) = line.strip_prefix("case ") {
            cases.push(Case {
                line: at,
                title: title.to_string(),
                sources: Vec::new(),
                expect: Attribution::default(),
                because: None,
                content: String::new(),
            });
            continue;
        }
        let case = cases
            .last_mut()
            .unwrap_or_else(|| panic!("table line {at}: {line:?} before any `case`"));
        if let Some(rest) = line.strip_prefix("from ") {
            let (place, asserted) = rest
                .rsplit_once(" => ")
                .unwrap_or_else(|| panic!("table line {at}: `from` without ` => <id|none>`"));
            case.sources.push(Source {
                place: place.to_string(),
                asserted: (asserted != "none").then(|| asserted.to_string()),
            });
        } else if let Some(rest) = line.strip_prefix("expect ") {
            case.expect = parse_expect(rest, at);
        } else if let Some(rest) = line.strip_prefix("because ") {
            case.because = Some(rest.to_string());
        } else if line == "|" {
            case.content.push('\n');
        } else if let Some(content) = line.strip_prefix("| ") {
            assert!(
                !content.ends_with(' '),
                "table line {at}: a line ending in a blank must spell it `\\s`"
            );
            case.content.push_str(&unescape(content));
            case.content.push('\n');
        } else {
            panic!("table line {at}: unknown line {line:?}");
        }
    }
    cases
}

fn parse_expect(text: &str, at: usize) -> Attribution {
    let mut expect = Attribution::default();
    for field in text.split_whitespace() {
        let (key, value) = field
            .split_once('=')
            .unwrap_or_else(|| panic!("table line {at}: {field:?} is not key=value"));
        let value = (value != "none").then(|| value.to_string());
        match key {
            "container" => expect.container = value,
            "pod" => expect.pod = value,
            "node" => expect.node = value,
            "podman-pod" => expect.podman_pod = value,
            _ => panic!("table line {at}: unknown key {key:?}"),
        }
    }
    expect
}

/// `\r`, `\t` and `\s` (a blank) as the table spells them; every other backslash is the
/// path's own (systemd writes `\x2d`).
fn unescape(text: &str) -> String {
    text.replace("\\r", "\r")
        .replace("\\t", "\t")
        .replace("\\s", " ")
}

/// What the analyzer reads from one file's text: the most telling of its lines, or nothing when
/// the file is rejected (the model then records the file as a gap).
fn attribute(content: &str) -> (Attribution, Option<String>) {
    let lines = match parse_cgroup(content) {
        Ok(lines) => lines,
        Err(e) => return (Attribution::default(), Some(e.to_string())),
    };
    let controllers: Vec<String> = lines.iter().map(|l| l.controllers.join(",")).collect();
    let class: CgroupClass = classify_process_lines(
        lines
            .iter()
            .zip(&controllers)
            .map(|(l, c)| (c.as_str(), l.path.as_str())),
    );
    let attribution = Attribution {
        container: class
            .container_id
            .as_ref()
            .map(|id| id.as_str().to_string()),
        pod: class.pod_uid.as_ref().map(|uid| uid.as_str().to_string()),
        node: class
            .node_container_id
            .as_ref()
            .map(|id| id.as_str().to_string()),
        podman_pod: class
            .podman_pod_id
            .as_ref()
            .map(|id| id.as_str().to_string()),
    };
    (attribution, None)
}

/// A source agrees when it asserts the same container, or the 12-digit short form of it.
fn agrees(asserted: &Option<String>, container: &Option<String>) -> bool {
    match (asserted, container) {
        (None, None) => true,
        (Some(a), Some(c)) => a == c || (a.len() >= 12 && c.starts_with(a.as_str())),
        _ => false,
    }
}

#[test]
fn real_world_cgroup_lines_are_attributed_to_the_container_and_pod_they_name() {
    let cases = parse_table(TABLE);
    let repositories: BTreeSet<&str> = cases
        .iter()
        .flat_map(|c| &c.sources)
        .map(|s| s.place.split(' ').next().unwrap_or(""))
        .collect();
    let mut misses = Vec::new();
    let mut disagreements = 0;
    for case in &cases {
        assert!(
            !case.sources.is_empty(),
            "table line {}: case without a source",
            case.line
        );
        for id in [&case.expect.container, &case.expect.node]
            .into_iter()
            .flatten()
        {
            let well_formed = ContainerId::parse(id)
                .or_else(|| ContainerId::parse_uuid(id))
                .or_else(|| ContainerId::parse_task(id))
                .is_some_and(|parsed| parsed.as_str() == id);
            assert!(
                well_formed,
                "table line {}: {id} is no container id",
                case.line
            );
        }
        if let Some(uid) = &case.expect.pod {
            assert!(
                PodUid::parse(uid).is_some_and(|p| p.as_str() == uid),
                "table line {}: {uid} is no canonical pod uid",
                case.line
            );
        }
        if let Some(pod) = &case.expect.podman_pod {
            assert!(
                PodmanPodId::parse(pod).is_some(),
                "table line {}",
                case.line
            );
        }
        let differs = case
            .sources
            .iter()
            .any(|s| !agrees(&s.asserted, &case.expect.container));
        if differs {
            disagreements += 1;
        }
        assert_eq!(
            differs,
            case.because.is_some(),
            "table line {} ({}): a `because` is needed exactly where the expectation differs \
             from a source",
            case.line,
            case.title
        );
        let (got, rejected) = attribute(&case.content);
        if got != case.expect {
            misses.push(format!(
                "  table line {} {}\n    from {}\n    expected {:?}\n    got      {:?}{}",
                case.line,
                case.title,
                case.sources
                    .iter()
                    .map(|s| s.place.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
                case.expect,
                got,
                rejected
                    .map(|e| format!(" (file rejected: {e})"))
                    .unwrap_or_default(),
            ));
        }
    }
    let right = cases.len() - misses.len();
    let share = right as f64 / cases.len() as f64;
    println!(
        "{} cases from {} sources: {} attributed right ({:.1}%); nodesnap reads {} of them \
         otherwise than a source asserts, each with its reason in the table",
        cases.len(),
        repositories.len(),
        right,
        share * 100.0,
        disagreements
    );
    for miss in &misses {
        println!("miss:\n{miss}");
    }
    assert!(
        cases.len() >= MIN_CASES,
        "{} cases; the table holds at least {MIN_CASES}",
        cases.len()
    );
    assert!(
        share >= MIN_SHARE_RIGHT,
        "{:.1}% attributed right, below {:.0}%; misses:\n{}",
        share * 100.0,
        MIN_SHARE_RIGHT * 100.0,
        misses.join("\n")
    );
}

#[test]
fn the_table_reader_keeps_blanks_and_carriage_returns_as_spelt() {
    let cases = parse_table(
        "case t\nfrom a/b f => none\nexpect container=none pod=none\n| 1:x:/a\\s\n| 0::/\\r\n|\n",
    );
    assert_eq!(cases[0].content, "1:x:/a \n0::/\r\n\n");
    assert_eq!(cases[0].sources[0].place, "a/b f");
}
