//! End to end on the live kernel: build a scene, run the real collector against `/`, run the
//! analyzer on the tarball, and check that the model finds every pod with its QoS class,
//! sandbox, containers, namespace sharing per type, the host's namespaces, and the finding for
//! the process that left its container's cgroup.
//!
//! Uses the collector and analyzer binaries of this target directory (built by `cargo test
//! --workspace` or `cargo build -p collector -p analyzer`), or NODESNAP_COLLECTOR and
//! NODESNAP_ANALYZER. Where they are missing or the scene cannot be made, it says why through
//! nodesnap-testing: a failure under CI, a printed skip elsewhere.

use nodesnap_tests::scene::facts::{PodFacts, ProcessFacts, SceneFacts};
use nodesnap_tests::scene::procfs::Ns;
use nodesnap_tests::scene::spec::SceneSpec;
use nodesnap_tests::scene::{Scene, SceneConfig, SceneError};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn skip(reason: &str) {
    nodesnap_testing::cannot_run("the live pipeline", reason);
}

/// A binary of the workspace: the environment's choice, else this target directory's.
pub(crate) fn workspace_binary(name: &str, env: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        return Some(PathBuf::from(path));
    }
    let deps = std::env::current_exe().ok()?;
    let path = deps.parent()?.parent()?.join(name);
    path.is_file().then_some(path)
}

/// Runs a command to completion within `timeout`, returning its stdout; panics with its stderr.
pub(crate) fn run(command: &mut Command, timeout: Duration) -> Vec<u8> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {command:?}: {e}"));
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).map(String::into_bytes));
    let err = std::thread::spawn(move || std::io::read_to_string(stderr));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} ran longer than {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out.join().unwrap().unwrap();
    let stderr = err.join().unwrap().unwrap();
    assert!(status.success(), "{command:?} failed ({status}): {stderr}");
    stdout
}

fn find<'a>(items: &'a Value, key: &str, value: &Value) -> Option<&'a Value> {
    items.as_array()?.iter().find(|item| &item[key] == value)
}

fn pid_set(value: &Value) -> BTreeSet<u64> {
    value
        .as_array()
        .map(|pids| pids.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

fn check_process(
    model: &Value,
    process: &ProcessFacts,
    container: Option<(&str, &PodFacts)>,
    role: &str,
) {
    let found = find(&model["processes"], "pid", &process.pid.into()).unwrap_or_else(|| {
        panic!(
            "process {} ({}) is not in the model",
            process.pid, process.comm
        )
    });
    assert_eq!(
        found["comm"],
        process.comm.as_str(),
        "comm of {}",
        process.pid
    );
    assert_eq!(found["ppid"], process.ppid, "parent of {}", process.pid);
    assert_eq!(
        found["cmdline"],
        process.argv.join(" ").as_str(),
        "cmdline of {}",
        process.pid
    );
    assert_eq!(
        found["role"], role,
        "role of {} ({})",
        process.pid, process.comm
    );
    assert_eq!(
        found["oom_score_adj"], process.oom_score_adj,
        "oom_score_adj of {}",
        process.pid
    );
    for (kind, inode) in &process.namespaces {
        if matches!(kind, Ns::Net | Ns::Ipc | Ns::Uts | Ns::Pid | Ns::Mnt) {
            assert_eq!(
                found["namespaces"][kind.as_str()],
                *inode,
                "{kind:?} of {}",
                process.pid
            );
        }
    }
    match container {
        Some((id, pod)) => {
            assert_eq!(found["container_id"], id, "container of {}", process.pid);
            assert_eq!(found["pod_uid"], pod.uid.as_str(), "pod of {}", process.pid);
        }
        None => {
            assert_eq!(
                found["container_id"],
                Value::Null,
                "{} is in no container",
                process.pid
            );
            assert_eq!(
                found["pod_uid"],
                Value::Null,
                "{} is in no pod",
                process.pid
            );
        }
    }
}

/// How the scene made each pod: apps share the sandbox's network, IPC and UTS namespaces (the
/// host's for a host-network pod) and keep their own mount and pid namespaces unless the pod
/// shares its pid namespace.
fn expected_sharing(pod: &PodFacts) -> Vec<(&'static str, &'static str)> {
    let net = if pod.host_network { "host" } else { "pod" };
    let pid = if pod.share_pid { "pod" } else { "private" };
    vec![
        ("net", net),
        ("uts", net),
        ("ipc", "pod"),
        ("pid", pid),
        ("mnt", "private"),
        ("user", "host"),
    ]
}

fn check_pod(model: &Value, facts: &SceneFacts, pod: &PodFacts) {
    let found = find(&model["pods"], "uid", &pod.uid.as_str().into())
        .unwrap_or_else(|| panic!("pod {} ({}) is not in the model", pod.uid, pod.name));
    assert_eq!(found["qos"], pod.qos.as_str(), "QoS of {}", pod.name);
    assert_eq!(
        found["sandbox_id"],
        pod.sandbox_id.as_str(),
        "sandbox of {}",
        pod.name
    );
    assert_eq!(
        found["sandbox_pid"], pod.sandbox.pid,
        "sandbox pid of {}",
        pod.name
    );
    assert_eq!(
        found["cgroup"],
        pod.cgroup.as_str(),
        "cgroup of {}",
        pod.name
    );
    let ids: BTreeSet<&str> = found["container_ids"]
        .as_array()
        .expect("container_ids")
        .iter()
        .filter_map(Value::as_str)
        .filter(|id| *id != pod.sandbox_id)
        .collect();
    let expected: BTreeSet<&str> = pod.containers.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, expected, "containers of {}", pod.name);
    for (kind, sharing) in expected_sharing(pod) {
        assert_eq!(
            found["namespace_sharing"][kind], sharing,
            "{kind} sharing of {}",
            pod.name
        );
    }

    let sandbox = find(&model["containers"], "id", &pod.sandbox_id.as_str().into())
        .expect("sandbox container");
    assert_eq!(sandbox["sandbox"], true);
    assert_eq!(sandbox["pod_uid"], pod.uid.as_str());
    assert_eq!(sandbox["shim_pid"], pod.shim.pid);
    assert_eq!(sandbox["runtime"], "containerd");
    assert!(pid_set(&sandbox["pids"]).contains(&u64::from(pod.sandbox.pid)));
    check_process(model, &pod.sandbox, Some((&pod.sandbox_id, pod)), "sandbox");
    check_process(model, &pod.shim, None, "shim");

    let strays: BTreeSet<u32> = facts.strays.iter().map(|s| s.pid).collect();
    for container in &pod.containers {
        let found =
            find(&model["containers"], "id", &container.id.as_str().into()).unwrap_or_else(|| {
                panic!(
                    "container {} of {} is not in the model",
                    container.name, pod.name
                )
            });
        assert_eq!(found["sandbox"], false);
        assert_eq!(found["pod_uid"], pod.uid.as_str());
        assert_eq!(
            found["shim_pid"], pod.shim.pid,
            "shim of {}",
            container.name
        );
        assert_eq!(found["runtime"], "containerd");
        assert_eq!(
            found["init_pid"], container.processes[0].pid,
            "init of {}",
            container.name
        );
        let pids = pid_set(&found["pids"]);
        for process in container
            .processes
            .iter()
            .filter(|p| !strays.contains(&p.pid))
        {
            assert!(
                pids.contains(&u64::from(process.pid)),
                "{} in {}",
                process.pid,
                container.name
            );
            check_process(model, process, Some((&container.id, pod)), "container");
        }
    }
}

fn check_host_namespaces(model: &Value, facts: &SceneFacts) {
    for kind in [Ns::Net, Ns::Ipc, Ns::Uts, Ns::Pid, Ns::Mnt] {
        let inode = facts.host_namespaces[&kind];
        let namespace = model["namespaces"]
            .as_array()
            .expect("namespaces")
            .iter()
            .find(|n| n["type"] == kind.as_str() && n["inode"] == inode)
            .unwrap_or_else(|| panic!("host {kind:?} namespace {inode} is not in the model"));
        assert_eq!(
            namespace["holder"]["kind"], "host",
            "holder of the host's {kind:?}"
        );
        assert!(pid_set(&namespace["pids"]).contains(&u64::from(facts.containerd.pid)));
    }
    for pod in facts.pods.iter().filter(|p| !p.host_network) {
        let inode = pod.sandbox.namespaces[&Ns::Net];
        let namespace = model["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["type"] == "net" && n["inode"] == inode)
            .unwrap_or_else(|| panic!("net namespace of {} is not in the model", pod.name));
        assert_eq!(
            namespace["holder"]["kind"], "pod",
            "holder of {}'s network",
            pod.name
        );
        assert_eq!(namespace["holder"]["id"], pod.uid.as_str());
    }
}

/// The scene is a healthy node but for two things, and the analyzer must say exactly those
/// about it: the worker that left its container's cgroup, and the pod on the host's network.
fn check_findings(model: &Value, facts: &SceneFacts) {
    let findings = model["findings"].as_array().expect("findings");
    for stray in &facts.strays {
        let found = findings.iter().any(|f| {
            f["rule"] == "process-outside-container-cgroup"
                && f["subject"]["kind"] == "process"
                && f["subject"]["id"] == stray.pid
        });
        assert!(
            found,
            "no process-outside-container-cgroup finding for {}: {findings:#?}",
            stray.pid
        );
    }
    for pod in facts.pods.iter().filter(|p| p.host_network) {
        let found = findings
            .iter()
            .any(|f| f["rule"] == "pod-host-network" && f["subject"]["id"] == pod.uid.as_str());
        assert!(found, "no pod-host-network finding for {}", pod.name);
    }
    let mut ours: Vec<Value> = Vec::new();
    for pod in &facts.pods {
        ours.push(pod.uid.as_str().into());
        ours.push(pod.sandbox_id.as_str().into());
        ours.extend(pod.containers.iter().map(|c| Value::from(c.id.as_str())));
    }
    ours.extend(facts.processes().iter().map(|p| Value::from(p.pid)));
    let expected_rules = ["process-outside-container-cgroup", "pod-host-network"];
    // Where the kernel would not let the scene lower oom_score_adj to the kubelet's negative
    // values, the analyzer is right to say so about those containers.
    let mut unset_oom: Vec<Value> = Vec::new();
    for pod in &facts.pods {
        if pod.sandbox.oom_score_adj != pod.sandbox.kubelet_oom_score_adj {
            unset_oom.push(pod.sandbox_id.as_str().into());
        }
        for container in &pod.containers {
            if container
                .processes
                .iter()
                .any(|p| p.oom_score_adj != p.kubelet_oom_score_adj)
            {
                unset_oom.push(container.id.as_str().into());
            }
        }
    }
    let unexpected: Vec<&Value> = findings
        .iter()
        .filter(|f| ours.contains(&f["subject"]["id"]))
        .filter(|f| !expected_rules.iter().any(|rule| f["rule"] == *rule))
        .filter(|f| {
            !(f["rule"] == "qos-oom-score-mismatch" && unset_oom.contains(&f["subject"]["id"]))
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "findings about a healthy part of the scene: {unexpected:#?}"
    );
}

#[test]
fn collector_and_analyzer_see_the_live_scene_as_it_was_built() {
    nodesnap_testing::require!(nodesnap_testing::is_root(), "the live pipeline needs root");
    let (Some(collector), Some(analyzer)) = (
        workspace_binary("collector", "NODESNAP_COLLECTOR"),
        workspace_binary("analyzer", "NODESNAP_ANALYZER"),
    ) else {
        return skip(
            "collector or analyzer binary not built (cargo build -p collector -p analyzer)",
        );
    };
    let scene = match Scene::build(
        &SceneSpec::small(),
        &SceneConfig::new(env!("CARGO_BIN_EXE_scene-proc")),
    ) {
        Ok(scene) => scene,
        Err(SceneError::Unsupported(reason)) => return skip(&reason),
        // Another scene (a benchmark's) kept the machine for longer than the lock wait.
        Err(busy @ SceneError::Busy { .. }) => return skip(&busy.to_string()),
        Err(e) => panic!("building the scene: {e}"),
    };
    let facts = scene.facts().clone();
    let snapshot = facts
        .bin_dir
        .parent()
        .unwrap_or(Path::new("/tmp"))
        .join("live.tar.gz");
    run(
        Command::new(&collector)
            .arg("--root")
            .arg("/")
            .arg("-o")
            .arg(&snapshot)
            .arg("--quiet"),
        Duration::from_secs(120),
    );
    let json = run(
        Command::new(&analyzer)
            .arg("model")
            .arg(&snapshot)
            .args(["--format", "json"]),
        Duration::from_secs(120),
    );
    let model: Value = serde_json::from_slice(&json).expect("the analyzer's model is JSON");

    // The scene's containerd is one instance among whatever other daemons run on the machine
    // (a second containerd, docker's): the one with its pid.
    let runtime = find(
        &model["node"]["runtimes"],
        "pid",
        &facts.containerd.pid.into(),
    )
    .expect("the scene's containerd is a runtime instance");
    assert_eq!(runtime["kind"], "containerd");
    check_process(&model, &facts.containerd, None, "runtime-daemon");
    for pod in &facts.pods {
        check_pod(&model, &facts, pod);
    }
    check_host_namespaces(&model, &facts);
    check_findings(&model, &facts);
    scene.teardown().expect("teardown");
}
