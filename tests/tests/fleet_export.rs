//! docs/FLEET.md's promise, kept by an engine we do not write: the export of the bundled samples
//! loads into DuckDB (its Python package, the doc's own loader) in both formats, the tables hold
//! as many rows as the analyzer's models have entities, and every query of the doc, run as
//! written, answers what the models say (pods per node, containers per pod, findings per rule
//! per node, OOM kills, throttling, QoS and settings that differ between nodes, bad inputs).

use analyzer::model::{Model, QosClass};
use analyzer::snapshot::discover::Found;
use analyzer::tables::{self, Format, Observer, Outcome};
use nodesnap_testing::require_ok;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{samples_dir, TempDir};

/// The DuckDB that .ci/run installs.
const DUCKDB: &str = "duckdb==1.5.6";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn duckdb_available() -> Result<(), String> {
    let output = Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
    }
}

struct Quiet;

impl Observer for Quiet {
    fn finished_one(&mut self, _: usize, _: &Path, _: &Outcome) {}
}

fn export(found: &[Found], dir: &Path, format: Format) {
    let summary = tables::export(found, dir, format, &mut Quiet).expect("the export is written");
    assert_eq!(summary.duplicates, 0);
}

/// One fleet: the snapshots exported, their models, and the inputs that are no snapshot.
struct Fleet {
    inputs: Vec<Found>,
    models: Vec<Model>,
    bad: Vec<PathBuf>,
}

impl Fleet {
    fn of(samples: &[&str], bad: &[PathBuf]) -> Fleet {
        let paths: Vec<PathBuf> = samples
            .iter()
            .map(|s| samples_dir().join(format!("{s}.tar.gz")))
            .collect();
        let models = paths
            .iter()
            .map(|path| {
                let snapshot = analyzer::snapshot::load(path).expect("a sample loads");
                analyzer::analyze(&snapshot)
            })
            .collect();
        let inputs = paths
            .into_iter()
            .chain(bad.iter().cloned())
            .map(Found::Snapshot)
            .collect();
        Fleet {
            inputs,
            models,
            bad: bad.to_vec(),
        }
    }

    /// Each host's last snapshot (the doc's `last_snapshots`).
    fn last(&self) -> Vec<&Model> {
        let mut last: BTreeMap<&str, &Model> = BTreeMap::new();
        for model in &self.models {
            let Some(host) = model.node.hostname.as_deref() else {
                continue;
            };
            let later = last
                .get(host)
                .is_none_or(|m| m.collection.started_at < model.collection.started_at);
            if later {
                last.insert(host, model);
            }
        }
        last.into_values().collect()
    }
}

type Row = Vec<Option<String>>;

fn text(value: impl ToString) -> Option<String> {
    Some(value.to_string())
}

fn host(model: &Model) -> Option<String> {
    model.node.hostname.clone()
}

/// DuckDB's text of a TIMESTAMPTZ in UTC: `2026-11-29 03:19:56+00`.
fn duckdb_time(rfc3339: &str) -> String {
    format!("{}+00", rfc3339.trim_end_matches('Z').replace('T', " "))
}

/// Kubernetes' alphabet for generated name suffixes (apimachinery's `util/rand`): no vowels,
/// no 0, 1 or 3.
const SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// The doc's regexp_replace(name, '-([a-z0-9]{6,10}-)?[bcdfghjklmnpqrstvwxz2456789]{5}$', ''):
/// the leftmost match takes the hash segment too where there is one.
fn workload(name: &str) -> String {
    let lower_or_digit = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let Some((head, last)) = name.rsplit_once('-') else {
        return name.to_string();
    };
    if last.len() != 5 || !last.bytes().all(|b| SUFFIX_ALPHABET.contains(&b)) {
        return name.to_string();
    }
    match head.rsplit_once('-') {
        Some((before, hash))
            if (6..=10).contains(&hash.len()) && hash.bytes().all(lower_or_digit) =>
        {
            before.to_string()
        }
        _ => head.to_string(),
    }
}

fn rows_of(result: &Value) -> Vec<Row> {
    result["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            row.as_array()
                .expect("a row")
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .collect()
}

fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort();
    rows
}

fn qos(q: Option<QosClass>) -> Option<String> {
    q.map(|q| q.as_str().to_string())
}

/// Every query of the doc, by name, with the rows the models say it returns; `ordered` when the
/// doc's ORDER BY fixes the order completely.
fn expected(fleet: &Fleet, name: &str) -> Option<(Vec<Row>, bool)> {
    let last = fleet.last();
    Some(match name {
        "pods-per-node" => {
            let mut rows: Vec<(usize, String)> = last
                .iter()
                .map(|m| (m.pods.len(), host(m).unwrap_or_default()))
                .collect();
            rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let rows = rows
                .into_iter()
                .map(|(pods, host)| vec![text(host), text(pods)])
                .collect();
            (rows, true)
        }
        "containers-per-pod" => {
            let mut rows = Vec::new();
            for m in &last {
                for pod in &m.pods {
                    let containers = m
                        .containers
                        .iter()
                        .filter(|c| c.pod_uid.as_ref() == Some(&pod.uid) && !c.sandbox)
                        .count();
                    rows.push(vec![
                        host(m),
                        pod.namespace.clone(),
                        pod.name.clone(),
                        qos(pod.qos),
                        text(containers),
                    ]);
                }
            }
            (rows, false)
        }
        "findings-per-rule-per-node" => {
            let mut counts: BTreeMap<(String, String, String), usize> = BTreeMap::new();
            for m in &last {
                for f in &m.findings {
                    let key = (
                        f.rule.clone(),
                        f.severity.as_str().to_string(),
                        host(m).unwrap_or_default(),
                    );
                    *counts.entry(key).or_default() += 1;
                }
            }
            let rows = counts
                .into_iter()
                .map(|((rule, severity, host), n)| {
                    vec![text(rule), text(severity), text(host), text(n)]
                })
                .collect();
            (rows, false)
        }
        "oom-kills-last-snapshot" => {
            let mut rows = Vec::new();
            for m in &last {
                let mut killed: Vec<_> = m
                    .containers
                    .iter()
                    .filter(|c| c.usage.oom_kills.unwrap_or(0) > 0)
                    .collect();
                if killed.is_empty() {
                    continue;
                }
                killed.sort_by(|a, b| match (&a.name, &b.name) {
                    (Some(a), Some(b)) => a.cmp(b),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                });
                let total: u64 = killed.iter().filter_map(|c| c.usage.oom_kills).sum();
                let labels: Vec<String> = killed
                    .iter()
                    .map(|c| {
                        let pod = c
                            .pod_uid
                            .as_ref()
                            .and_then(|uid| m.pods.iter().find(|p| &p.uid == uid));
                        let prefix = match pod {
                            Some(p) => match (&p.namespace, &p.name) {
                                (Some(ns), Some(name)) => format!("{ns}/{name} "),
                                _ => String::new(),
                            },
                            None => String::new(),
                        };
                        let own = c.name.clone().unwrap_or_else(|| c.id.to_string());
                        format!("{prefix}{own}")
                    })
                    .collect();
                rows.push((
                    total,
                    vec![
                        host(m),
                        text(duckdb_time(&m.collection.started_at)),
                        text(total),
                        text(labels.join(", ")),
                    ],
                ));
            }
            rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1[0].cmp(&b.1[0])));
            (rows.into_iter().map(|(_, row)| row).collect(), true)
        }
        "top-throttled-cgroups" => {
            let mut rows = Vec::new();
            for m in &last {
                for g in &m.cgroups {
                    let (Some(throttled), Some(periods)) =
                        (g.usage.cpu_nr_throttled, g.usage.cpu_nr_periods)
                    else {
                        continue;
                    };
                    if throttled == 0 || periods == 0 {
                        continue;
                    }
                    let pct = (1000.0 * throttled as f64 / periods as f64).round() / 10.0;
                    let secs = g.usage.cpu_throttled_usec.map(|u| u as f64 / 1e6);
                    rows.push((
                        pct,
                        vec![
                            host(m),
                            text(&g.path),
                            text(throttled),
                            text(periods),
                            text(pct),
                            secs.map(|s| s.to_string()),
                        ],
                    ));
                }
            }
            rows.sort_by(|a, b| {
                b.0.total_cmp(&a.0)
                    .then(a.1[0].cmp(&b.1[0]))
                    .then(a.1[1].cmp(&b.1[1]))
            });
            rows.truncate(10);
            (rows.into_iter().map(|(_, row)| row).collect(), true)
        }
        "workloads-on-several-nodes" | "qos-differs-between-nodes" => {
            // (namespace, workload) -> qos -> hosts
            type Groups =
                BTreeMap<(Option<String>, String), BTreeMap<Option<String>, BTreeSet<String>>>;
            let mut groups: Groups = BTreeMap::new();
            for m in &last {
                for pod in &m.pods {
                    let Some(name) = &pod.name else { continue };
                    if pod.kind.as_str() != "kubernetes" {
                        continue;
                    }
                    groups
                        .entry((pod.namespace.clone(), workload(name)))
                        .or_default()
                        .entry(qos(pod.qos))
                        .or_default()
                        .insert(host(m).unwrap_or_default());
                }
            }
            let mut rows = Vec::new();
            for ((namespace, workload), by_qos) in groups {
                let hosts: BTreeSet<&String> = by_qos.values().flatten().collect();
                let classes: Vec<&String> = by_qos.keys().flatten().collect();
                if name == "workloads-on-several-nodes" {
                    if hosts.len() > 1 {
                        rows.push(vec![
                            namespace.clone(),
                            text(&workload),
                            text(hosts.len()),
                            (!classes.is_empty()).then(|| {
                                classes
                                    .iter()
                                    .map(|c| c.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            }),
                        ]);
                    }
                } else if classes.len() > 1 && namespace.is_some() {
                    for (qos, hosts) in &by_qos {
                        let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
                        rows.push(vec![
                            namespace.clone(),
                            text(&workload),
                            qos.clone(),
                            text(hosts.join(", ")),
                        ]);
                    }
                }
            }
            (rows, false)
        }
        "setting-outliers" => {
            let kube: Vec<&&Model> = last
                .iter()
                .filter(|m| m.node.kubelet_pid.is_some())
                .collect();
            let mut settings: Vec<(String, &str, Option<String>)> = Vec::new();
            for m in &kube {
                let h = host(m).unwrap_or_default();
                settings.push((h.clone(), "cgroup_driver", text(m.node.cgroup_driver)));
                settings.push((h.clone(), "kernel", m.node.kernel.clone()));
                let kinds: BTreeSet<&str> = m.node.runtimes.iter().map(|r| r.kind.name()).collect();
                if !kinds.is_empty() {
                    let kinds: Vec<&str> = kinds.into_iter().collect();
                    settings.push((h, "runtimes", text(kinds.join(","))));
                }
            }
            let mut counted: BTreeMap<(&str, Option<String>), usize> = BTreeMap::new();
            for (_, setting, value) in &settings {
                *counted.entry((*setting, value.clone())).or_default() += 1;
            }
            let mut usual: BTreeMap<&str, (String, usize)> = BTreeMap::new();
            for ((setting, value), nodes) in &counted {
                let Some(value) = value else { continue };
                let others = counted
                    .iter()
                    .filter(|((s, v), _)| s == setting && v.as_ref().is_some_and(|v| v != value))
                    .map(|(_, n)| *n)
                    .max()
                    .unwrap_or(0);
                if *nodes > others {
                    usual.insert(setting, (value.clone(), *nodes));
                }
            }
            let mut rows = Vec::new();
            for (h, setting, value) in &settings {
                let (Some(value), Some((usual_value, nodes))) = (value, usual.get(setting)) else {
                    continue;
                };
                if value != usual_value {
                    rows.push(vec![
                        text(h),
                        text(setting),
                        text(value),
                        text(usual_value),
                        text(nodes),
                    ]);
                }
            }
            rows.sort_by(|a, b| a[1].cmp(&b[1]).then(a[0].cmp(&b[0])));
            (rows, true)
        }
        "fleet-profile" => {
            let mut groups: BTreeMap<(String, String, Option<String>), BTreeSet<String>> =
                BTreeMap::new();
            for m in last.iter().filter(|m| m.node.kubelet_pid.is_some()) {
                groups
                    .entry((
                        m.node.cgroup_driver.to_string(),
                        m.node.cgroup_mode.to_string(),
                        m.node.kernel.clone(),
                    ))
                    .or_default()
                    .insert(host(m).unwrap_or_default());
            }
            let rows = groups
                .into_iter()
                .map(|((driver, mode, kernel), hosts)| {
                    let hosts: Vec<String> = hosts.into_iter().collect();
                    vec![
                        text(driver),
                        text(mode),
                        kernel,
                        text(hosts.len()),
                        text(hosts.join(", ")),
                    ]
                })
                .collect();
            (rows, false)
        }
        "unreadable-inputs" => {
            // The detail is the loader's message; checked apart.
            let rows = fleet
                .bad
                .iter()
                .map(|path| vec![text(path.display()), None])
                .collect();
            (rows, false)
        }
        "last-snapshots" => (Vec::new(), true),
        _ => return None,
    })
}

fn table_counts(fleet: &Fleet) -> BTreeMap<String, u64> {
    let sum = |f: &dyn Fn(&Model) -> usize| fleet.models.iter().map(f).sum::<usize>() as u64;
    BTreeMap::from([
        ("nodes".to_string(), fleet.models.len() as u64),
        ("runtimes".to_string(), sum(&|m| m.node.runtimes.len())),
        ("pods".to_string(), sum(&|m| m.pods.len())),
        ("containers".to_string(), sum(&|m| m.containers.len())),
        ("processes".to_string(), sum(&|m| m.processes.len())),
        (
            "process_cgroups".to_string(),
            sum(&|m| m.processes.iter().map(|p| p.cgroups.len()).sum()),
        ),
        ("namespaces".to_string(), sum(&|m| m.namespaces.len())),
        ("cgroups".to_string(), sum(&|m| m.cgroups.len())),
        ("findings".to_string(), sum(&|m| m.findings.len())),
        (
            "gaps".to_string(),
            sum(&|m| m.gaps.len()) + fleet.bad.len() as u64,
        ),
    ])
}

fn close(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(a), Ok(b)) => (a - b).abs() < 1e-6,
        _ => a == b,
    }
}

fn same_rows(got: &[Row], want: &[Row], name: &str) {
    assert_eq!(got.len(), want.len(), "{name}: {got:?}\nwanted {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.len(), w.len(), "{name}: {g:?} vs {w:?}");
        for (a, b) in g.iter().zip(w) {
            let equal = match (a, b) {
                (Some(a), Some(b)) => close(a, b),
                (None, None) => true,
                _ => false,
            };
            assert!(equal, "{name}: got {g:?}, wanted {w:?}");
        }
    }
}

#[test]
fn the_samples_export_answers_every_fleet_query_in_duckdb_as_the_models_do() {
    require_ok!(
        duckdb_available(),
        "needs python3 with DuckDB's Python package ({DUCKDB}, which .ci/run installs)"
    );
    let dir = TempDir::new("fleet-export");
    let broken = dir.join("broken.tar.gz");
    std::fs::write(&broken, b"this is no snapshot").unwrap();
    let all_samples: Vec<String> = {
        let mut names: Vec<String> = std::fs::read_dir(samples_dir())
            .expect("samples/")
            .filter_map(|e| {
                let name = e.ok()?.file_name().to_string_lossy().into_owned();
                name.strip_suffix(".tar.gz").map(str::to_string)
            })
            .collect();
        names.sort();
        names
    };
    let all: Vec<&str> = all_samples.iter().map(String::as_str).collect();
    assert!(all.len() >= 9, "{all:?}");
    let fleets = [
        ("all", Fleet::of(&all, std::slice::from_ref(&broken))),
        // Three Kubernetes nodes, one of them on the other cgroup driver.
        (
            "three",
            Fleet::of(
                &["containerd-v2-systemd", "crio-v1-systemd", "seed-node"],
                &[],
            ),
        ),
    ];
    let mut dirs = Vec::new();
    for (label, fleet) in &fleets {
        for format in [Format::Parquet, Format::Ndjson] {
            let out = dir.join(format!("{label}-{}", format.extension()));
            export(&fleet.inputs, &out, format);
            dirs.push(out);
        }
    }
    let doc_path = repo().join("docs/FLEET.md");
    let output = Command::new("python3")
        .arg(repo().join("tests/fleet/run_queries.py"))
        .arg(&doc_path)
        .args(&dirs)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "run_queries.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Value = serde_json::from_slice(&output.stdout).expect("JSON results");
    let doc = std::fs::read_to_string(&doc_path).unwrap();

    for (at, (label, fleet)) in fleets.iter().enumerate() {
        let parquet = &results["exports"][dirs[2 * at].display().to_string()];
        let ndjson = &results["exports"][dirs[2 * at + 1].display().to_string()];
        assert_eq!(parquet, ndjson, "{label}: Parquet and NDJSON answer alike");

        let counts: BTreeMap<String, u64> = table_counts(fleet);
        for (table, want) in &counts {
            assert_eq!(
                parquet["tables"][table].as_u64(),
                Some(*want),
                "{label}: rows of {table}"
            );
        }

        let queries = parquet["queries"].as_object().expect("queries");
        assert!(queries.len() >= 10, "{label}: {:?}", queries.keys());
        for (name, result) in queries {
            let (want, ordered) = expected(fleet, name).unwrap_or_else(|| {
                panic!("docs/FLEET.md's query {name} has no check in this test; add one")
            });
            if name == "last-snapshots" {
                assert!(result.is_null(), "{name} only makes a view");
                continue;
            }
            let mut got = rows_of(result);
            if name == "unreadable-inputs" {
                for row in &mut got {
                    let detail = row[1].take().unwrap_or_default();
                    assert!(detail.starts_with("not a nodesnap snapshot"), "{detail}");
                }
            }
            if ordered {
                same_rows(&got, &want, &format!("{label} {name}"));
            } else {
                same_rows(&sorted(got), &sorted(want), &format!("{label} {name}"));
            }
        }
        assert_eq!(
            queries.len(),
            doc.matches("<!-- query: ").count(),
            "every query of the doc ran"
        );
    }

    // The checks are not vacuous: the samples hold an answer to each question.
    let all_results = &results["exports"][dirs[0].display().to_string()]["queries"];
    for name in [
        "pods-per-node",
        "containers-per-pod",
        "findings-per-rule-per-node",
        "oom-kills-last-snapshot",
        "top-throttled-cgroups",
        "workloads-on-several-nodes",
        "qos-differs-between-nodes",
        "setting-outliers",
        "fleet-profile",
        "unreadable-inputs",
    ] {
        assert!(
            !rows_of(&all_results[name]).is_empty(),
            "{name} answers nothing on the samples"
        );
    }
    let three = &results["exports"][dirs[2].display().to_string()]["queries"];
    assert_eq!(
        rows_of(&three["setting-outliers"]),
        vec![vec![
            text("my-node1"),
            text("cgroup_driver"),
            text("cgroupfs"),
            text("systemd"),
            text(2),
        ]],
        "the node on the other driver"
    );
}

#[test]
fn workload_names_drop_the_suffixes_controllers_add() {
    for (pod, want) in [
        ("coredns-5d78c9869d-7lq2x", "coredns"),
        ("kube-proxy-q8z5m", "kube-proxy"),
        ("kube-flannel-ds-amd64-r8h5k", "kube-flannel-ds-amd64"),
        (
            "local-path-provisioner-84db5d44d9-4xq5b",
            "local-path-provisioner",
        ),
        ("report-28391520-zt6vn", "report"),
        ("postgres-0", "postgres-0"),
        ("nginx-redis", "nginx-redis"),
        ("web-abcde", "web-abcde"),
        ("web-7c9f8", "web"),
    ] {
        assert_eq!(workload(pod), want, "{pod}");
    }
}
