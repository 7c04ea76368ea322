//! Compares the analyzer's model (`analyzer model --format json`) with the real node's truth,
//! fact by fact, and lists every mismatch: nothing stops at the first one, so that one run
//! shows all the model gets wrong about the node.
//!
//! What the model is expected to say where it does not say it yet:
//! - `node.runtimes` holds one entry per daemon instance (the CRI containerd, docker's
//!   containerd, dockerd) plus one for podman, each with its `kind` and `pid` (null for
//!   podman);
//! - every container and pod has `runtime_instance`, naming the entry of `node.runtimes` that
//!   runs it: the daemon's pid (a number), an object with a `pid`, or a string equal to that
//!   entry's `id` (or `instance`). The instance of a docker container is dockerd, of a CRI pod
//!   and its containers the CRI containerd, of podman's the podman entry (pid null);
//! - a podman pod is a pod: its uid is podman's pod id, its sandbox the infra container, its
//!   cgroup `/libpod_parent/<pod id>`, its QoS and namespace null.

use super::truth::{ContainerTruth, PodTruth, RuntimeTruth, Truth};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

/// The field the instance checks read on containers and pods.
pub const INSTANCE_FIELD: &str = "runtime_instance";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// What the fact is about: `pod shop/web (uid 1f2e…)`, `container proxy [dockerd …]`.
    pub subject: String,
    /// The model's field, as a JSON path below the subject.
    pub field: String,
    pub model: String,
    pub truth: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: model {}, runtime {}",
            self.subject, self.field, self.model, self.truth
        )
    }
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub facts: usize,
    pub mismatches: Vec<Mismatch>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} facts checked, {} mismatches",
            self.facts,
            self.mismatches.len()
        )?;
        for (index, mismatch) in self.mismatches.iter().enumerate() {
            writeln!(f, "{:3}. {mismatch}", index + 1)?;
        }
        Ok(())
    }
}

/// A JSON value as the mismatch list shows it: strings quoted, long ids shortened.
fn show(value: Option<&Value>) -> String {
    match value {
        None => "(no such field)".to_string(),
        Some(Value::String(s)) => format!("{:?}", short(s)),
        Some(Value::Array(items)) => {
            let shown: Vec<String> = items.iter().map(|v| show(Some(v))).collect();
            format!("[{}]", shown.join(", "))
        }
        Some(other) => other.to_string(),
    }
}

/// A list as a set, in a stable order: numbers by value, then everything else by its JSON.
fn as_set(items: &[Value]) -> BTreeMap<(u8, u64, String), Value> {
    items
        .iter()
        .map(|v| {
            let key = match v.as_u64() {
                Some(n) => (0, n, String::new()),
                None => (1, 0, v.to_string()),
            };
            (key, v.clone())
        })
        .collect()
}

/// 64-hex ids are shown by their first 12 characters, as `docker ps` does.
fn short(id: &str) -> String {
    if id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!("{}…", &id[..12])
    } else {
        id.to_string()
    }
}

struct Checker<'a> {
    model: &'a Value,
    truth: &'a Truth,
    report: Report,
}

impl Checker<'_> {
    fn mismatch(&mut self, subject: &str, field: &str, model: String, truth: String) {
        self.report.mismatches.push(Mismatch {
            subject: subject.to_string(),
            field: field.to_string(),
            model,
            truth,
        });
    }

    /// One fact: `found[field]` must equal `expected`.
    fn field(&mut self, subject: &str, found: &Value, field: &str, expected: Value) {
        self.report.facts += 1;
        let value = found.get(field);
        if value != Some(&expected) {
            self.mismatch(subject, field, show(value), show(Some(&expected)));
        }
    }

    /// One fact about a list compared as a set.
    fn set(&mut self, subject: &str, found: &Value, field: &str, expected: &[Value]) {
        self.report.facts += 1;
        let value = found.get(field);
        let expected = as_set(expected);
        let got = value.and_then(Value::as_array).map(|items| as_set(items));
        if got.as_ref() == Some(&expected) {
            return;
        }
        let list =
            |items: Vec<&Value>| show(Some(&Value::Array(items.into_iter().cloned().collect())));
        let detail = match &got {
            None => String::new(),
            Some(got) => {
                let missing: Vec<&Value> = expected
                    .iter()
                    .filter(|(k, _)| !got.contains_key(*k))
                    .map(|(_, v)| v)
                    .collect();
                let extra: Vec<&Value> = got
                    .iter()
                    .filter(|(k, _)| !expected.contains_key(*k))
                    .map(|(_, v)| v)
                    .collect();
                match (missing.is_empty(), extra.is_empty()) {
                    (false, false) => {
                        format!(" (lacks {}, has {} too)", list(missing), list(extra))
                    }
                    (false, true) => format!(" (lacks {})", list(missing)),
                    (true, false) => format!(" (has {} too)", list(extra)),
                    (true, true) => String::new(),
                }
            }
        };
        let shown = value.map(|v| match v.as_array() {
            Some(items) => list(as_set(items).values().collect()),
            None => show(Some(v)),
        });
        self.mismatch(
            subject,
            field,
            format!("{}{detail}", shown.unwrap_or_else(|| show(None))),
            list(expected.values().collect()),
        );
    }

    fn runtimes(&self) -> &[Value] {
        self.model["node"]["runtimes"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The daemon pid a `runtime_instance` value names, or why it names none.
    fn instance_pid(&self, value: &Value) -> Result<Option<u64>, String> {
        match value {
            Value::Null => Ok(None),
            Value::Number(n) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| format!("{n} (not a pid)")),
            Value::Object(o) => Ok(o.get("pid").and_then(Value::as_u64)),
            Value::String(name) => self
                .runtimes()
                .iter()
                .find(|r| r["id"] == *name || r["instance"] == *name)
                .map(|r| r["pid"].as_u64())
                .ok_or_else(|| format!("{name:?} (names no entry of node.runtimes)")),
            other => Err(format!("{other} (not an instance)")),
        }
    }

    fn instance(&mut self, subject: &str, found: &Value, runtime: &RuntimeTruth) {
        self.report.facts += 1;
        let expected = match runtime.pid {
            Some(pid) => format!("{} pid {pid}", runtime.label),
            None => format!("{} (null: no daemon)", runtime.label),
        };
        let Some(value) = found.get(INSTANCE_FIELD) else {
            self.mismatch(
                subject,
                INSTANCE_FIELD,
                "(no such field: the model has no runtime instances)".to_string(),
                expected,
            );
            return;
        };
        match self.instance_pid(value) {
            Ok(pid) if pid == runtime.pid.map(u64::from) => {}
            Ok(pid) => {
                let shown = pid
                    .map(|p| format!("pid {p} ({})", show(Some(value))))
                    .unwrap_or_else(|| show(Some(value)));
                self.mismatch(subject, INSTANCE_FIELD, shown, expected)
            }
            Err(why) => self.mismatch(subject, INSTANCE_FIELD, why, expected),
        }
    }
}

fn find<'a>(items: &'a Value, key: &str, value: &Value) -> Option<&'a Value> {
    items
        .as_array()?
        .iter()
        .find(|item| item.get(key) == Some(value))
}

fn pod_subject(pod: &PodTruth) -> String {
    match &pod.namespace {
        Some(namespace) => format!("pod {namespace}/{} (uid {})", pod.name, pod.uid),
        None => format!("{} pod {} (id {})", pod.runtime, pod.name, short(&pod.uid)),
    }
}

fn container_subject(container: &ContainerTruth, pods: &HashMap<&str, &PodTruth>) -> String {
    let pod = container.pod_uid.as_deref().and_then(|uid| pods.get(uid));
    let what = match (pod, container.sandbox) {
        (Some(pod), true) => format!("sandbox of {}", pod_display(pod)),
        (Some(pod), false) => format!("container {} of {}", container.name, pod_display(pod)),
        (None, _) => format!("container {}", container.name),
    };
    format!(
        "{what} [{} {}]",
        container.runtime,
        &container.id[..12.min(container.id.len())]
    )
}

fn pod_display(pod: &PodTruth) -> String {
    match &pod.namespace {
        Some(namespace) => format!("{namespace}/{}", pod.name),
        None => format!("podman pod {}", pod.name),
    }
}

/// Checks every fact of the truth against the model.
pub fn compare(truth: &Truth, model: &Value) -> Report {
    let mut checker = Checker {
        model,
        truth,
        report: Report::default(),
    };
    check_runtimes(&mut checker);
    let pods: HashMap<&str, &PodTruth> = truth.pods.iter().map(|p| (p.uid.as_str(), p)).collect();
    for pod in &truth.pods {
        check_pod(&mut checker, pod);
    }
    for container in &truth.containers {
        check_container(&mut checker, container, &pods);
    }
    check_holders(&mut checker);
    check_unknown(&mut checker);
    checker.report
}

fn check_runtimes(checker: &mut Checker) {
    let listed: Vec<Value> = checker.runtimes().to_vec();
    let mut matched = BTreeSet::new();
    for runtime in &checker.truth.runtimes {
        checker.report.facts += 1;
        let subject = match runtime.pid {
            Some(pid) => format!("runtime {} (pid {pid}, {})", runtime.label, runtime.address),
            None => format!(
                "runtime {} (no daemon, root {})",
                runtime.label, runtime.address
            ),
        };
        let position = listed.iter().position(|r| match runtime.pid {
            Some(pid) => r["pid"] == json!(pid),
            None => r["kind"] == json!(runtime.kind) && r["pid"].is_null(),
        });
        let Some(position) = position else {
            let kinds: Vec<String> = listed
                .iter()
                .map(|r| format!("{} pid {}", show(r.get("kind")), show(r.get("pid"))))
                .collect();
            checker.mismatch(
                &subject,
                "node.runtimes",
                format!("no entry for it (has [{}])", kinds.join(", ")),
                format!(
                    "kind {:?}, pid {}",
                    runtime.kind,
                    show(Some(&json!(runtime.pid)))
                ),
            );
            continue;
        };
        matched.insert(position);
        let entry = listed[position].clone();
        checker.field(&subject, &entry, "kind", json!(runtime.kind));
    }
    for (position, entry) in listed.iter().enumerate() {
        if !matched.contains(&position) {
            checker.report.facts += 1;
            checker.mismatch(
                "node.runtimes",
                &format!("[{position}]"),
                format!(
                    "kind {} pid {}",
                    show(entry.get("kind")),
                    show(entry.get("pid"))
                ),
                "no such runtime instance on the node".to_string(),
            );
        }
    }
    // The daemons' and shims' processes must have the roles the model gives such processes.
    let daemons: Vec<(u32, String)> = checker
        .truth
        .runtimes
        .iter()
        .filter_map(|r| Some((r.pid?, r.label.clone())))
        .collect();
    for (pid, label) in daemons {
        check_role(checker, pid, &format!("daemon {label}"), "runtime-daemon");
    }
    let shims: Vec<(u32, String)> = checker
        .truth
        .shims
        .iter()
        .map(|(pid, comm)| (*pid, comm.clone()))
        .collect();
    for (pid, comm) in shims {
        check_role(checker, pid, &comm, "shim");
    }
}

fn process(model: &Value, pid: u32) -> Option<&Value> {
    find(&model["processes"], "pid", &json!(pid))
}

fn check_role(checker: &mut Checker, pid: u32, what: &str, role: &str) {
    let subject = format!("process {pid} ({what})");
    match process(checker.model, pid) {
        Some(found) => {
            let found = found.clone();
            checker.field(&subject, &found, "role", json!(role));
        }
        None => {
            checker.report.facts += 1;
            checker.mismatch(
                &subject,
                "processes",
                "no such process".into(),
                "running".into(),
            );
        }
    }
}

fn check_pod(checker: &mut Checker, pod: &PodTruth) {
    let subject = pod_subject(pod);
    checker.report.facts += 1;
    let Some(found) = find(&checker.model["pods"], "uid", &json!(pod.uid)).cloned() else {
        checker.mismatch(&subject, "pods", "no such pod".into(), "a pod".into());
        return;
    };
    checker.field(&subject, &found, "name", json!(pod.name));
    checker.field(&subject, &found, "namespace", json!(pod.namespace));
    checker.field(&subject, &found, "qos", json!(pod.qos));
    checker.field(&subject, &found, "sandbox_id", json!(pod.sandbox_id));
    checker.field(&subject, &found, "sandbox_pid", json!(pod.sandbox_pid));
    checker.field(&subject, &found, "cgroup", json!(pod.cgroup));
    // container_ids lists the pod's containers; the sandbox may or may not be among them.
    let mut apps = found.clone();
    if let Some(ids) = apps.get_mut("container_ids").and_then(Value::as_array_mut) {
        ids.retain(|id| *id != json!(pod.sandbox_id));
    }
    let expected: Vec<Value> = pod.container_ids.iter().map(|id| json!(id)).collect();
    checker.set(&subject, &apps, "container_ids", &expected);
    if let Some(runtime) = checker.truth.runtime(&pod.runtime).cloned() {
        checker.instance(&subject, &found, &runtime);
    }
    let sharing = found
        .get("namespace_sharing")
        .cloned()
        .unwrap_or(Value::Null);
    for (kind, verdict) in &pod.sharing {
        checker.report.facts += 1;
        let value = sharing.get(kind);
        if value != Some(&json!(verdict)) {
            checker.mismatch(
                &subject,
                &format!("namespace_sharing.{kind}"),
                show(value),
                show(Some(&json!(verdict))),
            );
        }
    }
}

fn check_container(
    checker: &mut Checker,
    container: &ContainerTruth,
    pods: &HashMap<&str, &PodTruth>,
) {
    let subject = container_subject(container, pods);
    checker.report.facts += 1;
    let Some(found) = find(&checker.model["containers"], "id", &json!(container.id)).cloned()
    else {
        checker.mismatch(
            &subject,
            "containers",
            "no such container".into(),
            "running".into(),
        );
        return;
    };
    let runtime = checker.truth.runtime(&container.runtime).cloned();
    checker.field(&subject, &found, "name", json!(container.name));
    checker.field(&subject, &found, "image", json!(container.image));
    if let Some(runtime) = &runtime {
        checker.field(&subject, &found, "runtime", json!(runtime.kind));
        checker.instance(&subject, &found, runtime);
    }
    checker.field(&subject, &found, "pod_uid", json!(container.pod_uid));
    checker.field(&subject, &found, "sandbox", json!(container.sandbox));
    let pids: Vec<Value> = container.pids.iter().map(|p| json!(p)).collect();
    checker.set(&subject, &found, "pids", &pids);
    checker.field(&subject, &found, "init_pid", json!(container.init_pid));
    checker.field(&subject, &found, "shim_pid", json!(container.shim_pid));
    let role = if container.sandbox {
        "sandbox"
    } else {
        "container"
    };
    for &pid in &container.pids {
        let process_subject = format!("process {pid} of {subject}");
        let Some(process) = process(checker.model, pid).cloned() else {
            checker.report.facts += 1;
            checker.mismatch(
                &process_subject,
                "processes",
                "no such process".into(),
                "running".into(),
            );
            continue;
        };
        checker.field(
            &process_subject,
            &process,
            "container_id",
            json!(container.id),
        );
        checker.field(
            &process_subject,
            &process,
            "pod_uid",
            json!(container.pod_uid),
        );
        let expected_role = if pid == container.init_pid {
            role
        } else {
            "container"
        };
        checker.field(&process_subject, &process, "role", json!(expected_role));
    }
}

fn check_holders(checker: &mut Checker) {
    let holders = checker.truth.holders.clone();
    for holder in &holders {
        let subject = format!(
            "namespace {}:[{}] ({})",
            holder.ns_type, holder.inode, holder.because
        );
        checker.report.facts += 1;
        let found = checker.model["namespaces"].as_array().and_then(|all| {
            all.iter()
                .find(|n| n["type"] == json!(holder.ns_type) && n["inode"] == json!(holder.inode))
        });
        let Some(found) = found else {
            checker.mismatch(
                &subject,
                "namespaces",
                "no such namespace".into(),
                "in use".into(),
            );
            continue;
        };
        let expected = json!({ "kind": holder.kind, "id": holder.id });
        if found["holder"] != expected {
            let model = format!(
                "{} {}",
                show(found["holder"].get("kind")),
                show(found["holder"].get("id"))
            );
            let truth = format!("{:?} {}", holder.kind, show(Some(&json!(holder.id))));
            checker.mismatch(&subject, "holder", model, truth);
        }
    }
}

/// Containers and pods the model made up: in the node's cgroups or pids, known to no runtime.
fn check_unknown(checker: &mut Checker) {
    let truth = checker.truth;
    let ours = |cgroup: &str| {
        truth
            .cgroup_roots
            .iter()
            .any(|root| cgroup == root || cgroup.starts_with(&format!("{root}/")))
    };
    let node_pids: BTreeSet<u64> = truth
        .containers
        .iter()
        .flat_map(|c| c.pids.iter().map(|p| u64::from(*p)))
        .collect();
    let known: BTreeSet<&str> = truth.containers.iter().map(|c| c.id.as_str()).collect();
    let containers = checker.model["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for container in containers {
        let id = container["id"].as_str().unwrap_or_default();
        if known.contains(id) {
            continue;
        }
        let in_node = container["cgroup"].as_str().is_some_and(ours)
            || container["pids"].as_array().is_some_and(|pids| {
                pids.iter()
                    .filter_map(Value::as_u64)
                    .any(|p| node_pids.contains(&p))
            });
        if in_node {
            checker.report.facts += 1;
            checker.mismatch(
                &format!(
                    "container {} (cgroup {})",
                    short(id),
                    show(container.get("cgroup"))
                ),
                "containers",
                format!("a container with pids {}", show(container.get("pids"))),
                "no runtime knows this id".to_string(),
            );
        }
    }
    let known_pods: BTreeSet<&str> = truth.pods.iter().map(|p| p.uid.as_str()).collect();
    let pods = checker.model["pods"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for pod in pods {
        let uid = pod["uid"].as_str().unwrap_or_default();
        if known_pods.contains(uid) {
            continue;
        }
        if pod["cgroup"].as_str().is_some_and(ours) {
            checker.report.facts += 1;
            checker.mismatch(
                &format!("pod {} (cgroup {})", short(uid), show(pod.get("cgroup"))),
                "pods",
                "a pod".to_string(),
                "no runtime knows this pod".to_string(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realnode::truth::HolderTruth;

    fn truth() -> Truth {
        Truth {
            runtimes: vec![
                RuntimeTruth {
                    label: "dockerd".into(),
                    kind: "docker".into(),
                    pid: Some(10),
                    comm: Some("dockerd".into()),
                    address: "/d.sock".into(),
                    version: None,
                },
                RuntimeTruth {
                    label: "podman".into(),
                    kind: "podman".into(),
                    pid: None,
                    comm: None,
                    address: "/p".into(),
                    version: None,
                },
            ],
            containers: vec![ContainerTruth {
                id: "c".repeat(64),
                name: "proxy".into(),
                image: Some("img".into()),
                runtime: "dockerd".into(),
                pod_uid: None,
                sandbox: false,
                init_pid: 100,
                pids: BTreeSet::from([100, 101]),
                shim_pid: 99,
                shim_comm: "containerd-shim".into(),
                cgroup: format!("/docker/{}", "c".repeat(64)),
                namespaces: BTreeMap::new(),
            }],
            holders: vec![HolderTruth {
                ns_type: "net".into(),
                inode: 7,
                kind: "container".into(),
                id: Some("c".repeat(64)),
                because: "proxy's network".into(),
            }],
            cgroup_roots: vec!["/docker".into()],
            shims: BTreeMap::from([(99, "containerd-shim".to_string())]),
            ..Truth::default()
        }
    }

    fn model() -> Value {
        let id = "c".repeat(64);
        json!({
            "node": {"runtimes": [
                {"kind": "docker", "pid": 10, "comm": "dockerd"},
                {"kind": "podman", "pid": null, "comm": null},
            ]},
            "pods": [],
            "containers": [{
                "id": id, "name": "proxy", "image": "img", "runtime": "docker",
                "runtime_instance": 10, "pod_uid": null, "sandbox": false,
                "pids": [101, 100], "init_pid": 100, "shim_pid": 99,
            }],
            "processes": [
                {"pid": 10, "role": "runtime-daemon"},
                {"pid": 99, "role": "shim"},
                {"pid": 100, "role": "container", "container_id": id, "pod_uid": null},
                {"pid": 101, "role": "container", "container_id": id, "pod_uid": null},
            ],
            "namespaces": [{"type": "net", "inode": 7, "holder": {"kind": "container", "id": id}}],
        })
    }

    #[test]
    fn a_model_that_agrees_has_no_mismatch() {
        let report = compare(&truth(), &model());
        assert!(report.mismatches.is_empty(), "{report}");
        // Two runtimes listed with their kinds (4), the daemon's and the shim's roles (2), the
        // container and its nine fields (10), two processes with three fields each (6), one
        // namespace holder (1).
        assert_eq!(report.facts, 23);
    }

    #[test]
    fn every_disagreement_is_listed_not_only_the_first() {
        let mut model = model();
        model["containers"][0]["name"] = json!(null);
        model["containers"][0]["pids"] = json!([100, 555]);
        model["containers"][0]["runtime_instance"] = json!("docker-1");
        model["node"]["runtimes"][0]["id"] = json!("docker-1");
        model["node"]["runtimes"]
            .as_array_mut()
            .unwrap()
            .push(json!({"kind": "containerd", "pid": 11}));
        let report = compare(&truth(), &model);
        let lines: Vec<String> = report.mismatches.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 3, "{report}");
        assert!(lines[0].starts_with("node.runtimes: [2]: model kind \"containerd\" pid 11"));
        assert_eq!(
            lines[1],
            "container proxy [dockerd cccccccccccc]: name: model null, runtime \"proxy\""
        );
        assert!(lines[2].contains("pids: model [100, 555] (lacks [101], has [555] too)"));
    }

    #[test]
    fn a_missing_instance_field_is_one_mismatch_that_says_so() {
        let mut model = model();
        model["containers"][0]
            .as_object_mut()
            .unwrap()
            .remove("runtime_instance");
        let report = compare(&truth(), &model);
        assert_eq!(report.mismatches.len(), 1);
        assert_eq!(
            report.mismatches[0].to_string(),
            "container proxy [dockerd cccccccccccc]: runtime_instance: model (no such field: the \
             model has no runtime instances), runtime dockerd pid 10"
        );
    }

    #[test]
    fn a_made_up_container_in_the_nodes_cgroups_is_listed() {
        let mut model = model();
        model["containers"].as_array_mut().unwrap().push(json!({
            "id": "d".repeat(64), "cgroup": "/docker/x", "pids": [],
        }));
        let report = compare(&truth(), &model);
        assert_eq!(report.mismatches.len(), 1, "{report}");
        assert!(report.mismatches[0]
            .truth
            .contains("no runtime knows this id"));
    }
}
