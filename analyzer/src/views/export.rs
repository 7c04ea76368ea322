//! `analyzer model`: the whole model as JSON or YAML, documented field by field in
//! docs/MODEL.md. Absent values are `null`, never left out, so that scripts can rely on keys.
//!
//! Node strings reach the output escaped by the one rule (`present::text::must_escape`): in JSON
//! every such character is a `\uXXXX` escape (`\u202e`, `\u001b`, `\u0085`), so the text reads
//! back exactly; YAML escapes the controls itself (`"\e"`, `"\x85"`) but has no escape for the
//! bidi and invisible characters outside double quotes, so those are written as the visible
//! text `\u{202e}`, as the terminal views show them.

use super::cleaned::Cleaned;
use crate::model::Model;
use crate::present::text::must_escape;
use serde_json::ser::{Formatter, PrettyFormatter};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write the model as JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write the model as YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),
    #[error("cannot write the model: {0}")]
    Io(#[from] std::io::Error),
}

/// The same text as [`render`], written to `out` as it is produced: a big node's JSON is
/// hundreds of megabytes that need not be held in memory beside the model.
pub fn write(
    model: &Model,
    format: Format,
    out: &mut dyn std::io::Write,
) -> Result<(), ExportError> {
    match format {
        Format::Json => {
            let formatter = EscapingFormatter(PrettyFormatter::new());
            let mut serializer = serde_json::Serializer::with_formatter(&mut *out, formatter);
            serde::Serialize::serialize(model, &mut serializer)?;
            // serde_json ends without a newline, serde_yaml with one.
            out.write_all(b"\n")?;
        }
        Format::Yaml => {
            let cleaned = Cleaned {
                value: model,
                clean: visible_in_yaml,
            };
            serde_yaml::to_writer(&mut *out, &cleaned)?;
        }
    }
    Ok(())
}

/// Pretty JSON or YAML of the model, ending in a newline.
pub fn render(model: &Model, format: Format) -> Result<String, ExportError> {
    let mut bytes = Vec::new();
    write(model, format, &mut bytes)?;
    // Both serializers write UTF-8 only.
    String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e).into())
}

/// serde_json's pretty layout, with every character of `must_escape` that serde_json would
/// write raw (DEL, C1 controls, bidi and invisible characters) written as `\uXXXX`; it escapes
/// C0 controls itself.
struct EscapingFormatter(PrettyFormatter<'static>);

impl Formatter for EscapingFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Every character to escape starts with one of these bytes in UTF-8 (DEL, C1 controls,
        // U+061C, U+20xx, U+FExx/U+FFxx); most fragments hold none and go out as they are.
        let may_escape = |byte: &u8| matches!(byte, 0x7f | 0xc2 | 0xd8 | 0xe2 | 0xef);
        if !fragment.as_bytes().iter().any(may_escape) {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (at, c) in fragment.char_indices() {
            if must_escape(c) {
                writer.write_all(&fragment.as_bytes()[start..at])?;
                // Every such character is in the Basic Multilingual Plane: one escape each.
                write!(writer, "\\u{:04x}", c as u32)?;
                start = at + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

/// A YAML string as it may be written: libyaml escapes control characters itself (it
/// double-quotes such a string), but it writes bidi and invisible characters raw, so those
/// become the visible text `\u{202e}`.
fn visible_in_yaml(text: &str) -> Cow<'_, str> {
    let raw_in_yaml = |c: char| must_escape(c) && u32::from(c) > 0x9f;
    if !text.chars().any(raw_in_yaml) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if raw_in_yaml(c) {
            let _ = write!(out, "\\u{{{:04x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use nodesnap_fixtures::layouts::seed;
    use serde_json::Value;

    #[test]
    fn written_output_is_the_rendered_text_byte_for_byte() {
        let model = fixture::seed();
        for format in [Format::Json, Format::Yaml] {
            let mut written = Vec::new();
            write(&model, format, &mut written).unwrap();
            let rendered = render(&model, format).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), rendered, "{format:?}");
        }
    }

    fn json() -> Value {
        let text = render(&fixture::seed(), Format::Json).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn json_keeps_the_names_issue_3_promises() {
        // The seed node has no gaps: one process vanished while it was read.
        let mut seed = fixture::seed();
        seed.gaps.push(nodesnap_format::Gap {
            path: "proc/19460/cmdline".into(),
            reason: nodesnap_format::GapReason::Vanished,
            detail: None,
        });
        let model: Value = serde_json::from_str(&render(&seed, Format::Json).unwrap()).unwrap();
        assert_eq!(model["schema_version"], 2);
        assert_eq!(model["node"]["cgroup_mode"], "v1");
        assert_eq!(model["node"]["cgroup_driver"], "cgroupfs");
        assert_eq!(model["node"]["runtimes"][0]["kind"], "docker");
        assert_eq!(model["node"]["runtimes"][1]["kind"], "containerd");
        let pod = model["pods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["uid"] == seed::POD_NGINX_REDIS)
            .unwrap();
        assert_eq!(pod["qos"], "burstable");
        assert_eq!(pod["namespace_sharing"]["net"], "pod");
        assert_eq!(pod["namespace_sharing"]["user"], "host");
        assert_eq!(pod["namespace_sharing"]["mnt"], "private");
        let nginx = model["processes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["pid"] == 19431)
            .unwrap();
        assert_eq!(nginx["namespaces"]["net"], 4026532662u64);
        assert_eq!(nginx["ppid"], 19407);
        let ns = &model["namespaces"].as_array().unwrap()[0];
        assert!(
            ns.get("type").is_some() && ns.get("holder").is_some(),
            "{ns}"
        );
        // Sorted by severity: node-exporter's hostPID is the seed node's first finding.
        let finding = &model["findings"][0];
        assert_eq!(finding["severity"], "warning");
        assert_eq!(finding["subject"]["kind"], "pod");
        assert_eq!(finding["subject"]["id"], seed::POD_NODE_EXPORTER);
        assert_eq!(model["gaps"][0]["reason"], "vanished");
    }

    #[test]
    fn absent_values_are_null_not_missing() {
        let model = json();
        // The exited init container behind shim 8087 has no process and runc removed its
        // cgroup.
        let exited = model["containers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == seed::INIT_CONFIG)
            .unwrap();
        assert_eq!(exited.get("init_pid"), Some(&Value::Null));
        assert_eq!(exited.get("cgroup"), Some(&Value::Null));
        // A 3.10 kernel prints no NSpid line, and passwd has no name for redis' uid 100.
        let redis = model["processes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["pid"] == 19356)
            .unwrap();
        assert_eq!(redis.get("nspid"), Some(&Value::Null));
        assert_eq!(redis.get("user"), Some(&Value::Null));
        // Plain docker's containers belong to no pod.
        let docker = render(&fixture::model("docker-plain"), Format::Json).unwrap();
        let docker: Value = serde_json::from_str(&docker).unwrap();
        let standalone = &docker["containers"][0];
        assert_eq!(standalone.get("pod_uid"), Some(&Value::Null));
    }

    #[test]
    fn limits_say_max_rather_than_a_huge_number() {
        let model = json();
        let container = |name: &str| {
            model["containers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == name)
                .unwrap()
                .clone()
        };
        // kube-proxy's pod is besteffort: no memory limit and no CPU quota.
        let proxy = container("kube-proxy");
        assert_eq!(proxy["limits"]["cpu_quota_usec"], "max");
        assert_eq!(proxy["limits"]["memory_max_bytes"], "max");
        assert_eq!(
            container("redis")["limits"]["memory_max_bytes"],
            512u64 << 20
        );
    }

    fn collect_keys(value: &Value, keys: &mut std::collections::BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    keys.insert(key.clone());
                    collect_keys(inner, keys);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect_keys(v, keys)),
            _ => {}
        }
    }

    /// The seed with every optional object of the signals filled, so that their keys show.
    fn json_with_signals() -> Value {
        use crate::model::{
            CgroupDriver, DriverSource, HeadroomLimit, KubeletCgroupDriver, MemoryBreakdown,
            MemoryEvents, PressureLine, ResourcePressure,
        };
        let mut model = fixture::seed();
        let line = PressureLine {
            avg10: 1.0,
            avg60: 0.5,
            avg300: 0.25,
            total: 10,
        };
        let resource = Some(ResourcePressure {
            some: Some(line),
            full: Some(line),
        });
        let pressure = crate::model::Pressure {
            cpu: resource,
            memory: resource,
            io: resource,
        };
        let limit = Some(HeadroomLimit::new(Some(1), 4));
        let node = &mut model.node;
        node.pressure = pressure;
        node.headroom = crate::model::Headroom {
            conntrack: limit,
            inotify_watches: limit,
            inotify_instances: limit,
            threads: limit,
            file_handles: limit,
            pids: limit,
        };
        node.kubelet_cgroup_driver = Some(KubeletCgroupDriver {
            driver: CgroupDriver::Systemd,
            source: DriverSource::Config,
        });
        model.processes[0].wchan = Some("io_schedule".into());
        let usage = &mut model.cgroups[0].usage;
        usage.pressure = pressure;
        usage.memory_events_local = Some(MemoryEvents::default());
        usage.memory_breakdown = Some(MemoryBreakdown::default());
        let text = render(&model, Format::Json).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn docs_model_md_documents_every_field_of_the_export() {
        let doc = include_str!("../../../docs/MODEL.md");
        let mut keys = std::collections::BTreeSet::new();
        collect_keys(&json_with_signals(), &mut keys);
        let missing: Vec<&String> = keys
            .iter()
            .filter(|k| !doc.contains(&format!("`{k}`")) && !doc.contains(&format!(".{k}`")))
            .collect();
        assert!(
            missing.is_empty(),
            "docs/MODEL.md does not mention {missing:?}"
        );
    }

    /// Hostile node strings: a bidi override, an isolate, a zero-width space, a line separator,
    /// ESC, NEL (C1), DEL and a tab, in a name, a command line and a user name.
    const HOSTILE_COMM: &str = "evil\u{202e}fdp.exe";
    const HOSTILE_CMDLINE: &str = "a\u{2066}b\u{200b}c\u{2028}d \x1b[2J \u{85}e\u{7f}f\tg";
    const HOSTILE_USER: &str = "root\u{9b}31m";

    fn hostile_model() -> Model {
        let mut model = fixture::seed();
        let process = &mut model.processes[0];
        process.comm = HOSTILE_COMM.to_string();
        process.cmdline = Some(HOSTILE_CMDLINE.to_string());
        process.user = Some(HOSTILE_USER.to_string());
        model
    }

    /// Characters a terminal acts on, left raw in `text` (layout newlines aside).
    fn raw_controls(text: &str) -> Vec<char> {
        text.chars()
            .filter(|&c| must_escape(c) && c != '\n')
            .collect()
    }

    #[test]
    fn json_escapes_controls_bidi_and_invisible_characters_and_reads_back_exactly() {
        let text = render(&hostile_model(), Format::Json).unwrap();
        assert_eq!(raw_controls(&text), Vec::<char>::new());
        for escape in [
            r"evil\u202efdp.exe",
            r"a\u2066b\u200bc\u2028d \u001b[2J \u0085e\u007ff\tg",
            r"root\u009b31m",
        ] {
            assert!(text.contains(escape), "{escape} not in the JSON");
        }
        let back: Value = serde_json::from_str(&text).unwrap();
        let process = &back["processes"][0];
        assert_eq!(process["comm"], HOSTILE_COMM);
        assert_eq!(process["cmdline"], HOSTILE_CMDLINE);
        assert_eq!(process["user"], HOSTILE_USER);
    }

    #[test]
    fn yaml_escapes_controls_and_shows_bidi_and_invisible_characters_as_text() {
        let text = render(&hostile_model(), Format::Yaml).unwrap();
        assert_eq!(raw_controls(&text), Vec::<char>::new());
        let back: Value = serde_yaml::from_str(&text).unwrap();
        let process = &back["processes"][0];
        assert_eq!(process["comm"], r"evil\u{202e}fdp.exe");
        assert_eq!(
            process["cmdline"],
            "a\\u{2066}b\\u{200b}c\\u{2028}d \x1b[2J \u{85}e\u{7f}f\tg"
        );
        assert_eq!(process["user"], HOSTILE_USER);
    }

    #[test]
    fn yaml_holds_the_same_model_with_bidi_characters_as_visible_text() {
        fn visible_strings(value: &mut Value) {
            match value {
                Value::String(text) => *text = visible_in_yaml(text).into_owned(),
                Value::Array(items) => items.iter_mut().for_each(visible_strings),
                Value::Object(map) => map.values_mut().for_each(visible_strings),
                _ => {}
            }
        }
        let model = hostile_model();
        let text = render(&model, Format::Yaml).unwrap();
        let from_yaml: Value = serde_yaml::from_str(&text).unwrap();
        let mut expected: Value =
            serde_json::from_str(&render(&model, Format::Json).unwrap()).unwrap();
        visible_strings(&mut expected);
        // The hostile name holds a U+202E.
        assert!(text.contains(r"\u{202e}fdp.exe"));
        assert!(from_yaml == expected, "YAML and JSON differ");
    }
}
