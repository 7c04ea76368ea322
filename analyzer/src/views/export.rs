//! `analyzer model`: the whole model as JSON or YAML, documented field by field in
//! docs/MODEL.md. Absent values are `null`, never left out, so that scripts can rely on keys.

use crate::model::Model;

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
        Format::Json => serde_json::to_writer_pretty(&mut *out, model)?,
        Format::Yaml => serde_yaml::to_writer(&mut *out, model)?,
    }
    // serde_json ends without a newline, serde_yaml with one.
    if format == Format::Json {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Pretty JSON or YAML of the model, ending in a newline.
pub fn render(model: &Model, format: Format) -> Result<String, ExportError> {
    let mut text = match format {
        Format::Json => serde_json::to_string_pretty(model)?,
        Format::Yaml => serde_yaml::to_string(model)?,
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::fixture;
    use serde_json::Value;

    #[test]
    fn written_output_is_the_rendered_text_byte_for_byte() {
        let model = fixture::model();
        for format in [Format::Json, Format::Yaml] {
            let mut written = Vec::new();
            write(&model, format, &mut written).unwrap();
            let rendered = render(&model, format).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), rendered, "{format:?}");
        }
    }

    fn json() -> Value {
        let text = render(&fixture::model(), Format::Json).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn json_keeps_the_names_issue_3_promises() {
        let model = json();
        assert_eq!(model["schema_version"], 2);
        assert_eq!(model["node"]["cgroup_mode"], "v1");
        assert_eq!(model["node"]["cgroup_driver"], "cgroupfs");
        assert_eq!(model["node"]["runtimes"][0]["kind"], "containerd");
        let pod = model["pods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["uid"] == "f5f16f15-af9e-11ea-8af4-0050569e47b9")
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
        let finding = &model["findings"][0];
        assert_eq!(finding["severity"], "critical");
        assert_eq!(finding["subject"]["kind"], "container");
        assert_eq!(model["gaps"][0]["reason"], "vanished");
    }

    #[test]
    fn absent_values_are_null_not_missing() {
        let model = json();
        let unnamed = model["pods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["uid"] == "4e11582d-aeea-11ea-8af4-0050569e47b9")
            .unwrap();
        assert_eq!(unnamed.get("name"), Some(&Value::Null));
        assert_eq!(unnamed.get("namespace"), Some(&Value::Null));
        let standalone = model["containers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "registry")
            .unwrap();
        assert_eq!(standalone.get("pod_uid"), Some(&Value::Null));
    }

    #[test]
    fn limits_say_max_rather_than_a_huge_number() {
        let model = json();
        let redis = model["containers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "redis")
            .unwrap();
        assert_eq!(redis["limits"]["cpu_quota_usec"], "max");
        assert_eq!(redis["limits"]["memory_max_bytes"], 128u64 << 20);
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

    #[test]
    fn docs_model_md_documents_every_field_of_the_export() {
        let doc = include_str!("../../../docs/MODEL.md");
        let mut keys = std::collections::BTreeSet::new();
        collect_keys(&json(), &mut keys);
        let missing: Vec<&String> = keys
            .iter()
            .filter(|k| !doc.contains(&format!("`{k}`")) && !doc.contains(&format!(".{k}`")))
            .collect();
        assert!(
            missing.is_empty(),
            "docs/MODEL.md does not mention {missing:?}"
        );
    }

    #[test]
    fn yaml_holds_the_same_model() {
        let text = render(&fixture::model(), Format::Yaml).unwrap();
        let from_yaml: Value = serde_yaml::from_str(&text).unwrap();
        assert_eq!(from_yaml, json());
    }
}
