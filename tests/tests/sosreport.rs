//! sosreports of a real node (tests/fixtures/sos, made by scripts/make-sos-fixtures.sh on the
//! real-node harness: containerd CRI pods, dockerd on its own containerd, podman), one per sos
//! release, against a nodesnap snapshot of the same node taken between them: the model read
//! from each sosreport agrees with the snapshot's on every fact both can show, and every fact
//! it cannot show is a gap with reason `not_collected` that says so.

use analyzer::model::{CollectionSource, Container, Model, Pod};
use nodesnap_format::GapReason;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/sos")
        .join(name)
}

fn model_of(name: &str) -> Model {
    let path = fixture(name);
    let snapshot =
        analyzer::snapshot::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    analyzer::analyze(&snapshot)
}

/// The gaps an sosreport's model says it could not show, by path.
fn not_collected(model: &Model) -> Vec<String> {
    model
        .gaps
        .iter()
        .filter(|g| g.reason == GapReason::NotCollected)
        .map(|g| g.detail.clone().unwrap_or_default())
        .collect()
}

/// Collects every disagreement instead of stopping at the first.
#[derive(Default)]
struct Differences(Vec<String>);

impl Differences {
    fn check<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, snapshot: T, sos: T) {
        if snapshot != sos {
            self.0
                .push(format!("{what}: snapshot {snapshot:?}, sosreport {sos:?}"));
        }
    }

    /// A fact the sosreport may lack: where it has it, it must agree; where it lacks it, a
    /// gap must say so (one whose detail holds `gap_words`).
    fn check_or_gap<T: PartialEq + std::fmt::Debug>(
        &mut self,
        what: &str,
        snapshot: Option<T>,
        sos: Option<T>,
        gaps: &[String],
        gap_words: &str,
    ) {
        match (&snapshot, &sos) {
            (_, Some(_)) => self.check(what, snapshot, sos),
            (Some(_), None) => {
                if !gaps.iter().any(|g| g.contains(gap_words)) {
                    self.0.push(format!(
                        "{what}: snapshot {snapshot:?}, sosreport none, and no gap says \"{gap_words}\""
                    ));
                }
            }
            (None, None) => {}
        }
    }
}

fn by_id<T, K: Ord>(items: &[T], key: impl Fn(&T) -> K) -> BTreeMap<K, &T> {
    items.iter().map(|item| (key(item), item)).collect()
}

fn compare(snapshot: &Model, sos: &Model) -> Vec<String> {
    let mut d = Differences::default();
    let gaps = not_collected(sos);

    // Node facts.
    let (a, b) = (&snapshot.node, &sos.node);
    d.check("node.hostname", &a.hostname, &b.hostname);
    d.check("node.kernel", &a.kernel, &b.kernel);
    d.check("node.os", &a.os, &b.os);
    d.check("node.boot_time", &a.boot_time, &b.boot_time);
    d.check("node.cgroup_mode", a.cgroup_mode, b.cgroup_mode);
    d.check("node.cgroup_driver", a.cgroup_driver, b.cgroup_driver);
    d.check("node.cpus", a.cpus, b.cpus);
    d.check(
        "node.memory_total_bytes",
        a.memory_total_bytes,
        b.memory_total_bytes,
    );
    d.check("node.pid_max", a.pid_max, b.pid_max);
    let kinds = |m: &Model| -> BTreeSet<(String, Option<u32>)> {
        m.node
            .runtimes
            .iter()
            .map(|r| (r.kind.to_string(), r.pid.map(|p| p.0)))
            .collect()
    };
    d.check("node.runtimes (kind, pid)", kinds(snapshot), kinds(sos));
    // Each daemon's instance id names its socket: the snapshot's from the daemons' config
    // files, the sosreport's from their command lines and their shims' -address.
    let instances = |m: &Model| -> BTreeSet<(String, Option<u32>)> {
        m.node
            .runtimes
            .iter()
            .map(|r| (r.id.as_str().to_string(), r.pid.map(|p| p.0)))
            .collect()
    };
    d.check(
        "node.runtimes (id, pid)",
        instances(snapshot),
        instances(sos),
    );

    // Pods by uid.
    let pods_a = by_id(&snapshot.pods, |p: &Pod| p.uid.clone());
    let pods_b = by_id(&sos.pods, |p: &Pod| p.uid.clone());
    d.check(
        "pods",
        pods_a.keys().collect::<Vec<_>>(),
        pods_b.keys().collect::<Vec<_>>(),
    );
    for (uid, a) in &pods_a {
        let Some(b) = pods_b.get(uid) else { continue };
        let at = |field: &str| format!("pod {uid} {field}");
        d.check(&at("kind"), a.kind, b.kind);
        d.check(&at("qos"), a.qos, b.qos);
        d.check(
            &at("runtime_instance"),
            &a.runtime_instance,
            &b.runtime_instance,
        );
        d.check(&at("sandbox_id"), &a.sandbox_id, &b.sandbox_id);
        d.check(&at("sandbox_pid"), a.sandbox_pid, b.sandbox_pid);
        d.check(&at("container_ids"), &a.container_ids, &b.container_ids);
        d.check(&at("cgroup"), &a.cgroup, &b.cgroup);
        d.check(&at("limits"), &a.limits, &b.limits);
        d.check_or_gap(
            &at("name"),
            a.name.as_ref(),
            b.name.as_ref(),
            &gaps,
            "pod names",
        );
        if b.namespace_sharing.is_empty() {
            if !a.namespace_sharing.is_empty() && !gaps.iter().any(|g| g.contains("namespace")) {
                d.0.push(at("namespace_sharing: none and no gap says why"));
            }
        } else {
            for (kind, sharing) in &b.namespace_sharing {
                d.check(
                    &at(&format!("namespace_sharing.{kind}")),
                    a.namespace_sharing.get(kind),
                    Some(sharing),
                );
            }
        }
    }

    // Containers by id.
    let containers_a = by_id(&snapshot.containers, |c: &Container| c.id.clone());
    let containers_b = by_id(&sos.containers, |c: &Container| c.id.clone());
    d.check(
        "containers",
        containers_a.keys().collect::<Vec<_>>(),
        containers_b.keys().collect::<Vec<_>>(),
    );
    for (id, a) in &containers_a {
        let Some(b) = containers_b.get(id) else {
            continue;
        };
        let at = |field: &str| format!("container {} {field}", id.short());
        d.check(&at("runtime"), a.runtime, b.runtime);
        d.check(
            &at("runtime_instance"),
            &a.runtime_instance,
            &b.runtime_instance,
        );
        d.check(&at("pod_uid"), &a.pod_uid, &b.pod_uid);
        d.check(&at("podman_pod_id"), &a.podman_pod_id, &b.podman_pod_id);
        d.check(&at("sandbox"), a.sandbox, b.sandbox);
        d.check(&at("pids"), &a.pids, &b.pids);
        d.check(&at("init_pid"), a.init_pid, b.init_pid);
        d.check(&at("shim_pid"), a.shim_pid, b.shim_pid);
        d.check(&at("cgroup"), &a.cgroup, &b.cgroup);
        d.check(&at("limits"), &a.limits, &b.limits);
        d.check_or_gap(
            &at("image"),
            a.image.as_ref(),
            b.image.as_ref(),
            &gaps,
            "images",
        );
        d.check_or_gap(
            &at("name"),
            a.name.as_ref(),
            b.name.as_ref(),
            &gaps,
            "names",
        );
    }

    // The processes of the containers and their runtimes (the rest of the machine comes and
    // goes between the collections).
    let procs_b = by_id(&sos.processes, |p| p.pid);
    for a in &snapshot.processes {
        let ours = a.container_id.is_some()
            || matches!(
                a.role,
                analyzer::model::ProcessRole::Shim | analyzer::model::ProcessRole::RuntimeDaemon
            );
        if !ours {
            continue;
        }
        let at = |field: &str| format!("process {} {field}", a.pid);
        let Some(b) = procs_b.get(&a.pid) else {
            d.0.push(at("missing from the sosreport"));
            continue;
        };
        d.check(&at("ppid"), a.ppid, b.ppid);
        d.check(&at("comm"), &a.comm, &b.comm);
        d.check(&at("uid"), a.uid, b.uid);
        d.check(&at("user"), &a.user, &b.user);
        d.check(&at("role"), a.role, b.role);
        d.check(&at("container_id"), &a.container_id, &b.container_id);
        d.check(&at("pod_uid"), &a.pod_uid, &b.pod_uid);
        d.check(&at("shim_for"), &a.shim_for, &b.shim_for);
        d.check(&at("threads"), a.threads, b.threads);
        d.check_or_gap(
            &at("oom_score_adj"),
            a.oom_score_adj,
            b.oom_score_adj,
            &gaps,
            "oom_score_adj",
        );
        d.check_or_gap(
            &at("start_time"),
            a.start_time.as_ref(),
            b.start_time.as_ref(),
            &gaps,
            "start times",
        );
        if b.namespaces.is_empty()
            && !a.namespaces.is_empty()
            && !gaps.iter().any(|g| g.contains("no namespace inodes"))
        {
            d.0.push(at("namespaces: none and no gap says why"));
        }
    }

    // Cgroups: every cgroup of a pod or container, with its limits.
    let cgroups_b = by_id(&sos.cgroups, |c| c.path.to_string());
    for a in snapshot
        .cgroups
        .iter()
        .filter(|c| c.pod_uid.is_some() || c.container_id.is_some())
    {
        let path = a.path.to_string();
        let Some(b) = cgroups_b.get(&path) else {
            d.0.push(format!("cgroup {path} missing from the sosreport"));
            continue;
        };
        d.check(&format!("cgroup {path} pod_uid"), &a.pod_uid, &b.pod_uid);
        d.check(
            &format!("cgroup {path} container_id"),
            &a.container_id,
            &b.container_id,
        );
        d.check(&format!("cgroup {path} qos"), a.qos, b.qos);
        d.check(&format!("cgroup {path} limits"), &a.limits, &b.limits);
        d.check(
            &format!("cgroup {path} hierarchies"),
            &a.hierarchies,
            &b.hierarchies,
        );
    }
    d.0
}

fn agrees_with_the_snapshot(sos_archive: &str, version: &str) {
    let snapshot = model_of("nodesnap.tar.gz");
    let sos = model_of(sos_archive);
    assert_eq!(sos.collection.source, CollectionSource::Sosreport);
    assert_eq!(sos.collection.collector_version, format!("sos {version}"));
    assert_eq!(snapshot.collection.source, CollectionSource::Nodesnap);
    // The node under test is there at all.
    assert_eq!(snapshot.pods.len(), 4);
    assert!(snapshot.containers.len() >= 15);
    let differences = compare(&snapshot, &sos);
    assert!(
        differences.is_empty(),
        "{sos_archive} disagrees with the snapshot of the same node on {} facts:\n{}",
        differences.len(),
        differences.join("\n")
    );
    // What it cannot show is said, each time with the reason.
    let gaps = not_collected(&sos);
    assert!(
        gaps.iter()
            .any(|g| g.starts_with("sosreport: no namespace inodes")),
        "{gaps:#?}"
    );
    assert!(
        gaps.iter().all(|g| g.starts_with("sosreport: ")),
        "{gaps:#?}"
    );
}

#[test]
fn debian_sos_4_0_agrees_with_a_snapshot_of_the_same_node_and_lists_what_it_cannot_show() {
    agrees_with_the_snapshot("sosreport-debian-4.0.tar.xz", "4.0");
    let gaps = not_collected(&model_of("sosreport-debian-4.0.tar.xz"));
    // sos 4.0 on Debian runs no container plugin, though every runtime runs, and copies no
    // per-process file.
    for runtime in ["docker", "containerd", "podman"] {
        assert!(
            gaps.iter().any(|g| g.contains(&format!(
                "no {runtime} plugin output, though {runtime} runs"
            ))),
            "{gaps:#?}"
        );
    }
    assert!(
        gaps.iter().any(|g| g.contains("command lines of")),
        "{gaps:#?}"
    );
}

#[test]
fn sos_4_12_agrees_with_a_snapshot_of_the_same_node_and_lists_what_it_cannot_show() {
    agrees_with_the_snapshot("sosreport-4.12.0.tar.xz", "4.12.0");
    let sos = model_of("sosreport-4.12.0.tar.xz");
    // docker inspect names docker's containers; ctr names the CRI containers' images.
    let docker_names: BTreeSet<&str> = sos
        .containers
        .iter()
        .filter(|c| c.runtime == Some(analyzer::model::RuntimeKind::Docker))
        .filter_map(|c| c.name.as_deref())
        .collect();
    assert_eq!(
        docker_names,
        BTreeSet::from(["host-monitor", "proxy", "proxy-sidecar"])
    );
    let with_images = sos.containers.iter().filter(|c| c.image.is_some()).count();
    assert!(with_images >= 12, "{with_images} containers with images");
    let gaps = not_collected(&sos);
    assert!(gaps.iter().any(|g| g.contains("no pod names")), "{gaps:#?}");
}

/// An extracted sosreport of `count` sleeping processes (pids 100 on) whose /proc/<pid> files sos
/// copied for the first `copied` pids, as its process plugin does with `numprocs`.
fn sosreport_of(dir: &std::path::Path, count: u32, copied: u32) {
    let top = dir.join("sosreport-node1-2026-12-04-abcdefg");
    let process = top.join("sos_commands/process");
    std::fs::create_dir_all(&process).unwrap();
    std::fs::write(top.join("version.txt"), "sos report: 4.12.0\n").unwrap();
    let mut axo =
        String::from("  PID  PPID USER     GROUP      LWP NLWP START COMMAND         CGROUP\n");
    let mut long = String::from(
        "F   UID   PID  PPID PRI  NI    VSZ   RSS WCHAN  STAT TTY        TIME COMMAND\n",
    );
    for pid in 100..100 + count {
        axo.push_str(&format!(
            "{pid:>5}     1 root     root     {pid:>5}    1 18:14 sleep           0::/system.slice/work.service\n"
        ));
        long.push_str(&format!(
            "0     0 {pid:>5}     1  20   0   2000   900 -      S    ?          0:00 sleep 1000\n"
        ));
        if pid < 100 + copied {
            let proc = top.join(format!("proc/{pid}"));
            std::fs::create_dir_all(&proc).unwrap();
            std::fs::write(
                proc.join("status"),
                format!(
                    "Name:\tsleep\nState:\tS (sleeping)\nTgid:\t{pid}\nPid:\t{pid}\nPPid:\t1\n\
                     Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nVmRSS:\t900 kB\nThreads:\t1\n"
                ),
            )
            .unwrap();
        }
    }
    std::fs::write(process.join(analyzer::sosreport::ps::PS_CGROUP_FILE), axo).unwrap();
    std::fs::write(process.join(analyzer::sosreport::ps::PS_LONG_FILE), long).unwrap();
}

fn proc_gap(dir: &std::path::Path) -> String {
    let model = analyzer::analyze(&analyzer::snapshot::load(dir).expect("loads"));
    not_collected(&model)
        .into_iter()
        .find(|g| g.contains("/proc/<pid> files of"))
        .unwrap_or_else(|| panic!("no gap for the processes without files"))
}

#[test]
fn a_process_list_cut_at_numprocs_is_told_from_processes_that_came_and_went() {
    let dir = crate::util::TempDir::new("sos-numprocs");
    // sos copied the first 2,048 pids it listed; the 152 above have no files.
    sosreport_of(dir.path(), 2200, 2048);
    let cut = proc_gap(dir.path());
    assert!(
        cut.contains("process list cut") && cut.contains("the 152 processes above pid 2147"),
        "{cut}"
    );

    // A few without files, anywhere, on a small node: they came and went.
    let dir = crate::util::TempDir::new("sos-churn");
    sosreport_of(dir.path(), 200, 197);
    let churn = proc_gap(dir.path());
    assert!(churn.contains("started or ended"), "{churn}");
}
