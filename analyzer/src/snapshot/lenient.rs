//! Reading the snapshot's two structured files so that one bad value costs only itself:
//! `meta/runtime.json` record by record (an unknown `source`, `pid: -1`, `labels: null` leave out
//! that record, with a note, and keep the rest), and the manifest's `counts`, which are hints
//! about the snapshot, not a reason to refuse it (a negative or non-numeric count is taken as
//! unknown, with a note).

use nodesnap_format::{
    ContainerLogLink, ContainerRecord, DaemonRecord, Manifest, PodLogDir, RuntimeMetadata,
};
use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;

/// `meta/runtime.json` with each record checked on its own: the records that fit the format,
/// and one note per list or record left out (`containers[3]: unknown variant ...`).
pub fn runtime_metadata(bytes: &[u8]) -> Result<(RuntimeMetadata, Vec<String>), serde_json::Error> {
    // A derived struct would also take a list of its fields in order; the file is an object.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(serde::de::Error::custom("expected a JSON object"));
    }
    // The whole file at once first: a good file (the rule) costs one pass, not the 2.4 times as
    // much that parsing each record through a JSON value of its own does (60,000 containers, 48 MB:
    // 150 ms against 355 ms).
    if let Ok(metadata) = serde_json::from_slice::<RuntimeMetadata>(bytes) {
        return Ok((metadata, Vec::new()));
    }
    let lenient: LenientMetadata = serde_json::from_slice(bytes)?;
    let mut notes = Vec::new();
    let metadata = RuntimeMetadata {
        pod_log_dirs: lenient.pod_log_dirs.keep("pod_log_dirs", &mut notes),
        container_log_links: lenient
            .container_log_links
            .keep("container_log_links", &mut notes),
        containers: lenient.containers.keep("containers", &mut notes),
        daemons: lenient.daemons.keep("daemons", &mut notes),
    };
    Ok((metadata, notes))
}

#[derive(Deserialize)]
struct LenientMetadata {
    #[serde(default)]
    pod_log_dirs: Records<PodLogDir>,
    #[serde(default)]
    container_log_links: Records<ContainerLogLink>,
    #[serde(default)]
    containers: Records<ContainerRecord>,
    #[serde(default)]
    daemons: Records<DaemonRecord>,
}

/// A JSON list read element by element: the elements that deserialize as `T`, and why the
/// others (or the whole value, when it is not a list) do not.
struct Records<T> {
    kept: Vec<T>,
    left_out: Vec<(usize, String)>,
    not_a_list: Option<&'static str>,
}

impl<T> Default for Records<T> {
    fn default() -> Records<T> {
        Records {
            kept: Vec::new(),
            left_out: Vec::new(),
            not_a_list: None,
        }
    }
}

impl<T> Records<T> {
    fn keep(self, field: &str, notes: &mut Vec<String>) -> Vec<T> {
        if let Some(what) = self.not_a_list {
            notes.push(format!("{field} is {what}, not a list; it is left out"));
        }
        for (index, why) in self.left_out {
            notes.push(format!("{field}[{index}]: {why}; this record is left out"));
        }
        self.kept
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Records<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Records<T>, D::Error> {
        deserializer.deserialize_any(RecordsVisitor(PhantomData))
    }
}

struct RecordsVisitor<T>(PhantomData<T>);

impl<T> RecordsVisitor<T> {
    fn not_a_list<E>(what: &'static str) -> Result<Records<T>, E> {
        Ok(Records {
            not_a_list: Some(what),
            ..Records::default()
        })
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for RecordsVisitor<T> {
    type Value = Records<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Records<T>, A::Error> {
        let mut records = Records::default();
        let mut index = 0;
        while let Some(OneRecord(record)) = seq.next_element::<OneRecord<T>>()? {
            match record {
                Ok(record) => records.kept.push(record),
                Err(why) => records.left_out.push((index, why)),
            }
            index += 1;
        }
        Ok(records)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Records<T>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Self::not_a_list("an object")
    }
    fn visit_unit<E>(self) -> Result<Records<T>, E> {
        Self::not_a_list("null")
    }
    fn visit_none<E>(self) -> Result<Records<T>, E> {
        Self::not_a_list("null")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Records<T>, E> {
        Self::not_a_list("a boolean")
    }
    fn visit_i64<E>(self, _: i64) -> Result<Records<T>, E> {
        Self::not_a_list("a number")
    }
    fn visit_u64<E>(self, _: u64) -> Result<Records<T>, E> {
        Self::not_a_list("a number")
    }
    fn visit_f64<E>(self, _: f64) -> Result<Records<T>, E> {
        Self::not_a_list("a number")
    }
    fn visit_str<E>(self, _: &str) -> Result<Records<T>, E> {
        Self::not_a_list("a string")
    }
}

/// One element, parsed through a JSON value of its own so that a bad one is an `Err` here and
/// not an error of the whole file.
struct OneRecord<T>(Result<T, String>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for OneRecord<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<OneRecord<T>, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(OneRecord(
            T::deserialize(value).map_err(|e| super::load::one_line(&e)),
        ))
    }
}

/// The manifest's counts read as hints: each that is missing or not a whole number from 0 up is
/// replaced by 0 (unknown), with a note. `None` when the manifest does not parse for another
/// reason, or holds no count to repair.
pub fn manifest_with_hinted_counts(bytes: &[u8]) -> Option<(Manifest, Vec<String>)> {
    let mut value: serde_yaml::Value = serde_yaml::from_slice(bytes).ok()?;
    let manifest = value.as_mapping_mut()?;
    let mut notes = Vec::new();
    let counts = manifest
        .entry("counts".into())
        .or_insert(serde_yaml::Value::Null);
    if !counts.is_mapping() {
        notes.push("counts is not a mapping; the counts are unknown".to_string());
        *counts = serde_yaml::Value::Mapping(Default::default());
    }
    for key in ["processes", "cgroups", "files", "bytes"] {
        let shown = match counts.get(key) {
            Some(count) if count.as_u64().is_some() => continue,
            Some(count) => serde_yaml::to_string(count)
                .map(|text| super::load::one_line(&text.trim()))
                .unwrap_or_default(),
            None => "missing".to_string(),
        };
        notes.push(format!(
            "counts.{key} is {shown}, not a count; taken as unknown (0)"
        ));
        counts[key] = serde_yaml::Value::from(0u64);
    }
    if notes.is_empty() {
        return None;
    }
    let manifest = serde_yaml::from_value(value).ok()?;
    Some((manifest, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"source": "docker", "path": "var/lib/docker/containers/a/config.v2.json", "id": "a", "name": "web", "pid": 42}"#;

    #[test]
    fn one_bad_record_is_left_out_and_the_rest_kept() {
        let json = format!(
            r#"{{"pod_log_dirs": [{{"name": "default_web_1"}}, {{"name": 5}}],
                "container_log_links": null,
                "containers": [{GOOD},
                  {{"source": "rkt", "path": "p", "id": "b"}},
                  {{"source": "docker", "path": "p", "id": "c", "pid": -1}},
                  {{"source": "docker", "path": "p", "id": "d", "labels": null}},
                  {GOOD}]}}"#
        );
        let (metadata, notes) = runtime_metadata(json.as_bytes()).unwrap();
        let ids: Vec<&str> = metadata.containers.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "a"]);
        assert_eq!(metadata.pod_log_dirs.len(), 1);
        assert!(metadata.container_log_links.is_empty());
        assert_eq!(notes.len(), 5, "{notes:#?}");
        assert!(
            notes[0].starts_with("pod_log_dirs[1]: invalid type"),
            "{notes:#?}"
        );
        assert_eq!(
            notes[1],
            "container_log_links is null, not a list; it is left out"
        );
        assert!(
            notes[2].starts_with("containers[1]: unknown variant `rkt`"),
            "{notes:#?}"
        );
        assert!(
            notes[3].starts_with("containers[2]: invalid value: integer `-1`"),
            "{notes:#?}"
        );
        assert!(
            notes[4].starts_with("containers[3]: invalid type: null"),
            "{notes:#?}"
        );
        assert!(notes.iter().all(|n| n.ends_with("left out")));
    }

    #[test]
    fn a_file_that_is_not_a_json_object_is_still_an_error() {
        for bad in [&b"[1, 2]"[..], b"{", b"null", b"\"x\""] {
            assert!(
                runtime_metadata(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    fn manifest_text(counts: &str) -> String {
        format!(
            "format_version: 2\ncollector_version: \"0.1.0\"\nhostname: null\nkernel: null\n\
             started_at: \"x\"\nfinished_at: \"y\"\nduration_ms: 5\ncollector_pid: null\n\
             options: {{root: /, cmdline: redacted, timeout_secs: 60, read_timeout_ms: 2000, \
             max_file_bytes: 1, max_total_bytes: 2}}\n{counts}\n"
        )
    }

    #[test]
    fn negative_and_non_numeric_counts_become_unknown_with_a_note() {
        let text =
            manifest_text("counts: {processes: -1, cgroups: 3, files: \"many\", bytes: 1.5}");
        let (manifest, notes) = manifest_with_hinted_counts(text.as_bytes()).unwrap();
        assert_eq!(manifest.counts.processes, 0);
        assert_eq!(manifest.counts.cgroups, 3);
        assert_eq!(manifest.counts.files, 0);
        assert_eq!(manifest.counts.bytes, 0);
        assert_eq!(
            notes,
            [
                "counts.processes is -1, not a count; taken as unknown (0)",
                "counts.files is many, not a count; taken as unknown (0)",
                "counts.bytes is 1.5, not a count; taken as unknown (0)",
            ]
        );
        for counts in ["counts: null", "counts: {files: 3}", ""] {
            let text = manifest_text(counts);
            let (manifest, notes) = manifest_with_hinted_counts(text.as_bytes()).unwrap();
            assert_eq!(manifest.counts.processes, 0, "{counts}");
            assert!(!notes.is_empty(), "{counts}");
        }
    }

    #[test]
    fn a_manifest_bad_elsewhere_is_not_repaired_here() {
        let text = manifest_text("counts: {processes: -1, cgroups: 0, files: 0, bytes: 0}")
            .replace("duration_ms: 5", "duration_ms: -5");
        assert!(manifest_with_hinted_counts(text.as_bytes()).is_none());
        let good = manifest_text("counts: {processes: 1, cgroups: 0, files: 0, bytes: 0}");
        assert!(manifest_with_hinted_counts(good.as_bytes()).is_none());
    }
}
