//! deploy/daemonset.yaml parses, runs the collector with `--root /host`, and mounts read-only
//! every host path the collector reads, and nothing in a way that could change the node.

use collector::runtime_dirs::default_read_paths;
use nodesnap_format::{CGROUP_ROOT, IDENTITY_FILES, NODE_FILES};
use serde::Deserialize;
use serde_yaml::Value;
use std::path::Path;

fn documents() -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/daemonset.yaml");
    let text = std::fs::read_to_string(&path).expect("deploy/daemonset.yaml");
    serde_yaml::Deserializer::from_str(&text)
        .map(|doc| Value::deserialize(doc).expect("each document parses"))
        .collect()
}

fn daemonset() -> Value {
    documents()
        .into_iter()
        .find(|d| d["kind"] == "DaemonSet")
        .expect("a DaemonSet")
}

/// (mount path, host path, read-only) for every hostPath volume mounted into the collector.
fn host_mounts(ds: &Value) -> Vec<(String, String, bool)> {
    let spec = &ds["spec"]["template"]["spec"];
    let container = &spec["containers"][0];
    let volumes = spec["volumes"].as_sequence().expect("volumes");
    container["volumeMounts"]
        .as_sequence()
        .expect("volumeMounts")
        .iter()
        .filter_map(|m| {
            let name = m["name"].as_str()?;
            let volume = volumes.iter().find(|v| v["name"] == name)?;
            let host = volume["hostPath"]["path"].as_str()?;
            Some((
                m["mountPath"].as_str()?.to_string(),
                host.to_string(),
                m["readOnly"].as_bool() == Some(true),
            ))
        })
        .collect()
}

#[test]
fn daemonset_runs_the_collector_against_the_host_mounted_at_slash_host() {
    let ds = daemonset();
    let spec = &ds["spec"]["template"]["spec"];
    assert_eq!(spec["hostPID"].as_bool(), Some(true));
    let container = &spec["containers"][0];
    assert_eq!(
        container["securityContext"]["privileged"].as_bool(),
        Some(true)
    );
    let args = serde_yaml::to_string(&container["args"]).unwrap();
    assert!(args.contains("/collector --root /host"), "{args}");
}

#[test]
fn every_host_path_is_mounted_read_only_at_the_same_path_under_slash_host() {
    let mounts = host_mounts(&daemonset());
    assert!(!mounts.is_empty());
    for (mount, host, read_only) in &mounts {
        assert!(read_only, "{mount} is writable");
        assert_eq!(mount, &format!("/host{host}"), "{mount} shows {host}");
    }
}

#[test]
fn no_host_path_volume_may_create_anything_on_the_node() {
    let ds = daemonset();
    for volume in ds["spec"]["template"]["spec"]["volumes"]
        .as_sequence()
        .unwrap()
    {
        let kind = volume["hostPath"]["type"].as_str();
        if volume["hostPath"].is_mapping() {
            assert!(
                matches!(kind, Some("Directory") | Some("File")),
                "{:?} may create a path on the node ({kind:?})",
                volume["name"]
            );
        }
    }
}

#[test]
fn every_path_the_collector_reads_is_under_a_mount() {
    let mounts = host_mounts(&daemonset());
    let runtime_paths = default_read_paths();
    let mut read: Vec<&str> = vec!["proc/1/stat", CGROUP_ROOT];
    read.extend(NODE_FILES.iter().filter(|p| !p.starts_with("proc/self")));
    read.extend(IDENTITY_FILES);
    read.extend(runtime_paths.iter().map(String::as_str));
    for path in read {
        let absolute = format!("/{path}");
        assert!(
            mounts
                .iter()
                .any(|(_, host, _)| absolute == *host || absolute.starts_with(&format!("{host}/"))),
            "{absolute} is read by the collector but not mounted"
        );
    }
}
