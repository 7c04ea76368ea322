//! A minimal YAML writer for the manifest: block mappings and sequences, every string
//! double-quoted with JSON escapes (valid YAML double-quoted scalars). It replaces serde_yaml in
//! the collector, whose YAML emitter alone would push the static binary over its size budget;
//! the analyzer reads the result with serde_yaml. Keys come out in alphabetical order (serde_json's
//! map is sorted); readers must not depend on key order.

use serde::Serialize;
use serde_json::Value;
use std::fmt::Write;

/// Serializes `value` as a YAML document.
pub fn to_yaml<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    let tree = serde_json::to_value(value)?;
    let mut out = String::new();
    match &tree {
        Value::Object(map) if !map.is_empty() => write_mapping(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_sequence(&mut out, items, 0),
        scalar => {
            write_scalar(&mut out, scalar);
            out.push('\n');
        }
    }
    Ok(out)
}

/// The manifest with its gaps written last, one at a time, so that a run with tens of thousands
/// of gaps never holds them all as a JSON tree. `head.gaps` is ignored.
pub fn manifest_to_yaml(
    head: &nodesnap_format::Manifest,
    gaps: &[nodesnap_format::Gap],
) -> Result<String, serde_json::Error> {
    let mut tree = serde_json::to_value(head)?;
    if let Value::Object(map) = &mut tree {
        map.remove("gaps");
    }
    let mut out = String::with_capacity(1024 + gaps.len() * 96);
    if let Value::Object(map) = &tree {
        write_mapping(&mut out, map, 0);
    }
    if gaps.is_empty() {
        out.push_str("gaps: []\n");
    } else {
        out.push_str("gaps:\n");
        for gap in gaps {
            let item = serde_json::to_value(gap)?;
            write_sequence(&mut out, std::slice::from_ref(&item), 1);
        }
    }
    Ok(out)
}

fn indent(out: &mut String, level: usize) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn write_scalar(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => {
            let _ = write!(out, "{number}");
        }
        Value::String(text) => out.push_str(&Value::String(text.clone()).to_string()),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn is_nested(value: &Value) -> bool {
    match value {
        Value::Object(map) => !map.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => false,
    }
}

fn write_mapping(out: &mut String, map: &serde_json::Map<String, Value>, level: usize) {
    for (key, value) in map {
        indent(out, level);
        if is_plain_key(key) {
            out.push_str(key);
        } else {
            write_scalar(out, &Value::String(key.clone()));
        }
        out.push(':');
        write_child(out, value, level);
    }
}

/// Keys that need no quotes in any YAML reader: the manifest's own field names.
fn is_plain_key(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !matches!(
            key,
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        )
}

fn write_sequence(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        write_child(out, item, level);
    }
}

fn write_child(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_mapping(out, map, level + 1);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_sequence(out, items, level + 1);
        }
        scalar => {
            debug_assert!(!is_nested(scalar));
            out.push(' ');
            write_scalar(out, scalar);
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodesnap_format::{CmdlinePolicy, CollectOptions, Counts, Gap, GapReason, Manifest};

    fn manifest(gaps: Vec<Gap>) -> Manifest {
        Manifest {
            format_version: 1,
            collector_version: "0.1.0".to_string(),
            hostname: Some("node: \"odd\" #1\n".to_string()),
            kernel: None,
            started_at: "2026-11-28T23:54:38Z".to_string(),
            finished_at: "2026-11-28T23:54:39Z".to_string(),
            duration_ms: 412,
            collector_pid: Some(4242),
            options: CollectOptions {
                root: "/".to_string(),
                cmdline: CmdlinePolicy::Redacted,
                timeout_secs: 60,
                read_timeout_ms: 2000,
                max_file_bytes: 4 << 20,
                max_total_bytes: u64::MAX,
            },
            sampling: None,
            counts: Counts {
                processes: 3,
                cgroups: 2,
                files: 20,
                bytes: 4096,
            },
            gaps,
        }
    }

    #[test]
    fn manifests_round_trip_through_serde_yaml() {
        let cases = vec![
            manifest(Vec::new()),
            manifest(vec![
                Gap {
                    path: "proc/1/cmdline".to_string(),
                    reason: GapReason::TimedOut,
                    detail: Some("read did not finish: 'x' - y: z".to_string()),
                },
                Gap {
                    path: "sys/fs/cgroup/a b/\u{1b}[31m\u{202e}".to_string(),
                    reason: GapReason::PermissionDenied,
                    detail: None,
                },
            ]),
        ];
        for original in cases {
            let text = to_yaml(&original).unwrap();
            let back: Manifest =
                serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(back, original, "{text}");
            let mut head = original.clone();
            let gaps = std::mem::take(&mut head.gaps);
            let text = manifest_to_yaml(&head, &gaps).unwrap();
            let back: Manifest =
                serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(back, original, "{text}");
        }
    }

    #[test]
    fn layout_is_block_style() {
        let text = to_yaml(&manifest(Vec::new())).unwrap();
        assert!(text.starts_with("collector_pid: 4242\n"), "{text}");
        assert!(text.contains("\nformat_version: 1\n"), "{text}");
        assert!(
            text.contains("\noptions:\n  cmdline: \"redacted\"\n"),
            "{text}"
        );
        assert!(text.contains("\ngaps: []\n"), "{text}");
    }
}
