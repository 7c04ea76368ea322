//! Every bundled sample loads with today's analyzer and shows what it is in the README for; the
//! seed-node sample shows every fact the seed walkthrough found by hand (issue 3, item 5).

use analyzer::analyze;
use analyzer::model::{
    ContainerId, Holder, Inode, Model, NsType, Pid, PodUid, ProcessRole, QosClass, Sharing,
};
use analyzer::snapshot::load;

use crate::util::{sample_model as model_of, samples_dir};

fn uid(text: &str) -> PodUid {
    PodUid::parse(text).expect("pod uid")
}

fn cid(text: &str) -> ContainerId {
    ContainerId::parse(text).expect("container id")
}

fn rules_fired(model: &Model) -> Vec<&str> {
    model.findings.iter().map(|f| f.rule.as_str()).collect()
}

#[test]
fn every_sample_in_samples_dir_loads_without_damage() {
    let mut seen = 0;
    for entry in std::fs::read_dir(samples_dir()).expect("samples/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "gz") {
            let snapshot = load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                snapshot.load_gaps.is_empty(),
                "{}: {:?}",
                path.display(),
                snapshot.load_gaps
            );
            let model = analyze(&snapshot);
            // Only what the collector recorded; fixture trees are complete.
            assert_eq!(
                model.gaps.len(),
                snapshot.manifest.gaps.len(),
                "{}",
                path.display()
            );
            assert!(!model.processes.is_empty(), "{}", path.display());
            seen += 1;
        }
    }
    assert!(
        seen >= 8,
        "expected the seven layout samples and the live one, found {seen}"
    );
}

#[test]
fn fixture_samples_have_no_gaps() {
    for sample in [
        "seed-node",
        "containerd-v2-systemd",
        "crio-v1-systemd",
        "docker-plain",
        "podman-v2",
        "k3s-v2-cgroupfs",
        "no-containers",
    ] {
        assert!(model_of(sample).gaps.is_empty(), "{sample}");
    }
}

mod live_scene {
    use super::*;

    #[test]
    fn live_scene_has_a_pod_of_every_qos_class_and_a_host_network_pod() {
        let m = model_of("live-scene");
        for qos in [
            QosClass::Guaranteed,
            QosClass::Burstable,
            QosClass::BestEffort,
        ] {
            assert!(m.pods.iter().any(|p| p.qos == Some(qos)), "{qos}");
        }
        assert!(m
            .pods
            .iter()
            .any(|p| p.namespace_sharing.get(&NsType::Net) == Some(&Sharing::Host)));
        assert!(m
            .pods
            .iter()
            .any(|p| p.namespace_sharing.get(&NsType::Pid) == Some(&Sharing::Pod)));
        assert!(rules_fired(&m).contains(&"process-outside-container-cgroup"));
    }

    #[test]
    fn host_namespaces_come_from_other_processes_when_pid_1s_links_are_unreadable() {
        let m = model_of("live-scene");
        // On the machine this was collected on, even root cannot read pid 1's ns links.
        assert!(m.gaps.iter().any(|g| g.path == "proc/1/ns"), "{:?}", m.gaps);
        assert!(rules_fired(&m).contains(&"collection-gaps"));
        let host_net = m
            .namespaces
            .iter()
            .filter(|n| n.kind == NsType::Net && n.holder == Holder::Host)
            .count();
        assert_eq!(host_net, 1, "exactly one host net namespace");
    }
}

mod seed_node {
    use super::*;

    fn model() -> Model {
        model_of("seed-node")
    }

    #[test]
    fn node_is_the_walkthroughs_centos_7_on_cgroup_v1_with_the_cgroupfs_driver() {
        let m = model();
        assert_eq!(m.node.hostname.as_deref(), Some("my-node1"));
        assert!(m.node.kernel.as_deref().unwrap_or("").starts_with("3.10.0"));
        assert_eq!(serde_json::to_value(m.node.cgroup_mode).unwrap(), "v1");
        assert_eq!(
            serde_json::to_value(m.node.cgroup_driver).unwrap(),
            "cgroupfs"
        );
        assert_eq!(m.node.kubelet_pid, Some(Pid(5773)));
    }

    #[test]
    fn containerd_2841_is_the_parent_of_every_shim() {
        let m = model();
        let containerd = m.processes.iter().find(|p| p.pid == Pid(2841)).unwrap();
        assert_eq!(containerd.role, ProcessRole::RuntimeDaemon);
        let shims: Vec<u32> = m
            .processes
            .iter()
            .filter(|p| p.role == ProcessRole::Shim)
            .map(|p| p.pid.0)
            .collect();
        assert_eq!(shims.len(), 15, "{shims:?}");
        for pid in [7320, 7342, 8087, 19039, 19338, 19407] {
            assert!(shims.contains(&pid), "shim {pid} missing from {shims:?}");
        }
        for shim in m.processes.iter().filter(|p| p.role == ProcessRole::Shim) {
            assert_eq!(shim.ppid, Pid(2841), "shim {}", shim.pid);
        }
    }

    #[test]
    fn shim_7320_runs_container_52eeb71ffa22_whose_nginx_7337_is_in_pod_4e11582d() {
        let m = model();
        let id = cid("52eeb71ffa22cd8020a6214fa1a556c2e22c3012858a75aa5799b021502916e1");
        let container = m.containers.iter().find(|c| c.id == id).unwrap();
        assert_eq!(container.shim_pid, Some(Pid(7320)));
        assert_eq!(container.init_pid, Some(Pid(7337)));
        assert_eq!(
            container.pod_uid,
            Some(uid("4e11582d-aeea-11ea-8af4-0050569e47b9"))
        );
        assert_eq!(container.name.as_deref(), Some("safe-nginx"));
        let nginx = m.processes.iter().find(|p| p.pid == Pid(7337)).unwrap();
        assert!(nginx
            .cmdline
            .as_deref()
            .unwrap()
            .starts_with("nginx: master process"));
        assert_eq!(nginx.container_id.as_ref(), Some(&id));
        // The eight workers are the container's too.
        assert_eq!(container.pids.len(), 9);
    }

    #[test]
    fn pod_f5f16f15_is_burstable_with_pause_redis_and_nginx() {
        let m = model();
        let pod = m
            .pods
            .iter()
            .find(|p| p.uid == uid("f5f16f15-af9e-11ea-8af4-0050569e47b9"))
            .unwrap();
        assert_eq!(pod.qos, Some(QosClass::Burstable));
        assert_eq!(
            pod.sandbox_id,
            Some(cid(
                "63ee2df4c255110248842e885fb0b9dafca9791dda6a00499bbc3fc99e153743"
            ))
        );
        assert_eq!(pod.sandbox_pid, Some(Pid(19057)));
        let mut app_inits: Vec<u32> = pod
            .container_ids
            .iter()
            .filter_map(|id| m.containers.iter().find(|c| &c.id == id))
            .filter(|c| !c.sandbox)
            .filter_map(|c| c.init_pid.map(|p| p.0))
            .collect();
        app_inits.sort_unstable();
        assert_eq!(app_inits, vec![19356, 19431]);
        assert_eq!(
            pod.cgroup.as_deref(),
            Some("/kubepods/burstable/podf5f16f15-af9e-11ea-8af4-0050569e47b9")
        );
    }

    #[test]
    fn pod_f5f16f15_shares_ipc_and_net_with_its_pause_and_the_hosts_user_namespace() {
        let m = model();
        let pod = m
            .pods
            .iter()
            .find(|p| p.uid == uid("f5f16f15-af9e-11ea-8af4-0050569e47b9"))
            .unwrap();
        let sharing = |t: NsType| pod.namespace_sharing.get(&t).copied();
        assert_eq!(sharing(NsType::Ipc), Some(Sharing::Pod));
        assert_eq!(sharing(NsType::Net), Some(Sharing::Pod));
        assert_eq!(sharing(NsType::User), Some(Sharing::Host));
        assert_eq!(sharing(NsType::Mnt), Some(Sharing::Private));
        assert_eq!(sharing(NsType::Pid), Some(Sharing::Private));
        assert_eq!(sharing(NsType::Uts), Some(Sharing::Private));

        let ns = |pid: u32, t: NsType| {
            m.processes
                .iter()
                .find(|p| p.pid == Pid(pid))
                .and_then(|p| p.namespaces.get(&t).copied())
        };
        for pid in [19057, 19356, 19431] {
            assert_eq!(ns(pid, NsType::Ipc), Some(Inode(4026532659)), "{pid}");
            assert_eq!(ns(pid, NsType::Net), Some(Inode(4026532662)), "{pid}");
            assert_eq!(ns(pid, NsType::User), Some(Inode(4026531837)), "{pid}");
        }
        let mnt: Vec<_> = [19057, 19356, 19431]
            .map(|pid| ns(pid, NsType::Mnt))
            .to_vec();
        assert_eq!(
            mnt,
            vec![
                Some(Inode(4026532657)),
                Some(Inode(4026532654)),
                Some(Inode(4026532849))
            ]
        );
    }

    #[test]
    fn the_shared_net_namespace_is_held_by_the_pod_and_the_user_namespace_by_the_host() {
        let m = model();
        let find = |t: NsType, inode: u64| {
            m.namespaces
                .iter()
                .find(|n| n.kind == t && n.inode == Inode(inode))
                .unwrap_or_else(|| panic!("{t} {inode}"))
        };
        let net = find(NsType::Net, 4026532662);
        assert_eq!(
            net.holder,
            Holder::Pod(uid("f5f16f15-af9e-11ea-8af4-0050569e47b9"))
        );
        for pid in [19057, 19356, 19431] {
            assert!(net.pids.contains(&Pid(pid)));
        }
        assert_eq!(find(NsType::User, 4026531837).holder, Holder::Host);
    }

    #[test]
    fn the_two_shims_whose_containers_are_gone_are_findings() {
        let m = model();
        let shims: Vec<String> = m
            .findings
            .iter()
            .filter(|f| f.rule == "shim-without-container")
            .map(|f| f.message.clone())
            .collect();
        assert_eq!(shims.len(), 2, "{shims:?}");
        assert!(shims.iter().any(|s| s.contains("7342")));
        assert!(shims.iter().any(|s| s.contains("8087")));
    }

    #[test]
    fn kube_proxy_in_a_sub_cgroup_of_its_container_still_belongs_to_it() {
        let m = model();
        let proxy = m.processes.iter().find(|p| p.pid == Pid(6227)).unwrap();
        assert_eq!(
            proxy.container_id,
            Some(cid(
                "167e38f31f6f225fe7e53a6fc31a1aebb85628531b6b3b438a3591fffefca93c"
            ))
        );
        assert_eq!(
            proxy.pod_uid,
            Some(uid("f86494f1-aeea-11ea-8af4-0050569e47b9"))
        );
        let pod = m
            .pods
            .iter()
            .find(|p| Some(&p.uid) == proxy.pod_uid.as_ref());
        assert_eq!(pod.and_then(|p| p.qos), Some(QosClass::BestEffort));
        assert!(!rules_fired(&m).contains(&"process-outside-container-cgroup"));
    }

    #[test]
    fn redis_and_the_nginx_workers_run_as_uid_100() {
        let m = model();
        for pid in [19356, 19453, 19460] {
            let p = m.processes.iter().find(|p| p.pid == Pid(pid)).unwrap();
            assert_eq!(p.uid, Some(100), "{pid}");
        }
    }
}

mod layouts {
    use super::*;

    fn mode(m: &Model) -> String {
        serde_json::to_value(m.node.cgroup_mode)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    fn driver(m: &Model) -> String {
        serde_json::to_value(m.node.cgroup_driver)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    fn runtimes(m: &Model) -> Vec<String> {
        m.node
            .runtimes
            .iter()
            .map(|r| {
                serde_json::to_value(r.kind)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn containerd_on_v2_with_systemd_has_a_guaranteed_pod_an_oom_kill_and_throttling() {
        let m = model_of("containerd-v2-systemd");
        assert_eq!((mode(&m).as_str(), driver(&m).as_str()), ("v2", "systemd"));
        assert_eq!(runtimes(&m), vec!["containerd"]);
        assert!(m.pods.iter().any(|p| p.qos == Some(QosClass::Guaranteed)));
        let rules = rules_fired(&m);
        assert!(rules.contains(&"cgroup-oom-kills"), "{rules:?}");
        assert!(rules.contains(&"cgroup-cpu-throttled"), "{rules:?}");
        assert!(rules.contains(&"pod-host-network"), "{rules:?}");
        // containerd-shim-runc-v2: one shim per pod manages every container of its pod.
        for pod in &m.pods {
            let shims: std::collections::BTreeSet<_> = pod
                .container_ids
                .iter()
                .filter_map(|id| m.containers.iter().find(|c| &c.id == id))
                .filter(|c| !c.pids.is_empty())
                .map(|c| c.shim_pid)
                .collect();
            assert_eq!(shims.len(), 1, "pod {} has shims {shims:?}", pod.uid);
            assert!(shims.iter().all(Option::is_some), "pod {}", pod.uid);
        }
    }

    /// Issue 15, item 5: v2's memory.events repeats a container's kills in its pod's (and the
    /// slices') files; the model, the findings and the pod card count them once.
    #[test]
    fn containerd_on_v2_counts_the_containers_3_oom_kills_once() {
        let m = model_of("containerd-v2-systemd");
        let killed: Vec<_> = m
            .containers
            .iter()
            .filter(|c| c.usage.oom_kills.unwrap_or(0) > 0)
            .collect();
        assert_eq!(killed.len(), 1, "one container had kills");
        assert_eq!(killed[0].usage.oom_kills, Some(3));
        let uid = killed[0].pod_uid.as_ref().expect("the container's pod");
        let pod = m.pods.iter().find(|p| &p.uid == uid).unwrap();
        assert_eq!(pod.usage.oom_kills, Some(0), "the pod's own kills");
        assert_eq!(pod.usage.subtree.and_then(|s| s.oom_kills), Some(3));
        let kills: u64 = m.cgroups.iter().filter_map(|c| c.usage.oom_kills).sum();
        assert_eq!(
            kills, 3,
            "every cgroup's own kills add up to the 3 that happened"
        );
        let findings: Vec<_> = m
            .findings
            .iter()
            .filter(|f| f.rule == "cgroup-oom-kills")
            .collect();
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].message.contains("3 OOM kills"), "{findings:?}");
        let html = analyzer::report::render_html(&m).unwrap();
        assert!(html.contains("3 OOM kills"), "the pod card's summary");
        assert!(!html.contains("6 OOM kills"), "counted twice");
    }

    #[test]
    fn crio_with_conmon_per_container_on_v1_systemd() {
        let m = model_of("crio-v1-systemd");
        assert_eq!((mode(&m).as_str(), driver(&m).as_str()), ("v1", "systemd"));
        assert_eq!(runtimes(&m), vec!["cri-o"]);
        for c in m.containers.iter().filter(|c| !c.pids.is_empty()) {
            let shim = c.shim_pid.expect("conmon for every running container");
            let conmon = m.processes.iter().find(|p| p.pid == shim).unwrap();
            assert_eq!(conmon.comm, "conmon");
        }
        // conmon lives in crio-conmon-<id>.scope, never counted as the container's process.
        for p in m.processes.iter().filter(|p| p.comm == "conmon") {
            assert_eq!(p.container_id, None, "conmon {}", p.pid);
        }
        assert!(rules_fired(&m).contains(&"pod-host-pid"));
    }

    #[test]
    fn plain_docker_has_standalone_containers_a_zombie_and_a_d_state_process() {
        let m = model_of("docker-plain");
        assert!(m.pods.is_empty());
        assert!(!m.containers.is_empty());
        assert!(m.containers.iter().all(|c| c.pod_uid.is_none()));
        let rules = rules_fired(&m);
        assert!(rules.contains(&"process-zombie"), "{rules:?}");
        // The collector read the D-state tar's wchan, so the finding says what it waits in.
        assert!(!rules.contains(&"process-uninterruptible"), "{rules:?}");
        let tar = m.processes.iter().find(|p| p.state == 'D').expect("tar");
        assert_eq!(tar.wchan.as_deref(), Some("rpc_wait_bit_killable"));
        let wait = m
            .findings
            .iter()
            .find(|f| f.rule == "d-state-wait")
            .expect("d-state-wait");
        assert!(wait.message.contains("NFS"), "{}", wait.message);
    }

    #[test]
    fn podman_containers_include_their_sub_cgroup_and_leave_conmon_out() {
        let m = model_of("podman-v2");
        assert_eq!(runtimes(&m), vec!["podman"]);
        assert_eq!(m.containers.len(), 2);
        for c in &m.containers {
            assert!(!c.pids.is_empty(), "container {} has no processes", c.id);
            assert!(c.shim_pid.is_some(), "container {} has no conmon", c.id);
        }
    }

    #[test]
    fn k3s_embeds_containerd_and_one_pod_shares_its_pid_namespace() {
        let m = model_of("k3s-v2-cgroupfs");
        assert_eq!((mode(&m).as_str(), driver(&m).as_str()), ("v2", "cgroupfs"));
        assert_eq!(runtimes(&m), vec!["containerd"]);
        let containerd = &m.node.runtimes[0];
        assert_eq!(containerd.distribution.as_deref(), Some("k3s"));
        assert_eq!(
            containerd.address.as_deref(),
            Some("/run/k3s/containerd/containerd.sock")
        );
        assert!(
            m.containers
                .iter()
                .all(|c| c.runtime_instance.as_ref() == Some(&containerd.id)),
            "every container runs on k3s' containerd"
        );
        assert!(
            m.pods
                .iter()
                .any(|p| p.namespace_sharing.get(&NsType::Pid) == Some(&Sharing::Pod)),
            "no pod shares its pid namespace"
        );
        assert!(rules_fired(&m).contains(&"cgroup-pids-near-limit"));
    }

    #[test]
    fn a_host_without_containers_has_no_pods_and_no_findings() {
        let m = model_of("no-containers");
        assert_eq!(mode(&m), "hybrid");
        assert!(m.pods.is_empty() && m.containers.is_empty());
        assert!(m.findings.is_empty(), "{:?}", rules_fired(&m));
        assert!(m.processes.iter().all(|p| p.container_id.is_none()));
    }
}

/// `tests/compat/seed-node-format-1.tar.gz` is the seed node as the format 1 collector wrote it
/// (one tar entry per file, a directory entry per cgroup); `tests/compat/seed-node-format-2.tar.gz`
/// is the same fixture tree in format 2 (one bundle per directory). Everything but the collection
/// record must come out the same, so old snapshots attached to tickets stay readable.
#[test]
fn a_format_1_snapshot_gives_the_same_model_as_format_2_of_the_same_node() {
    let old = compat_model("seed-node-format-1.tar.gz", 1);
    let mut new = compat_model("seed-node-format-2.tar.gz", 2);
    assert!(!old.processes.is_empty() && !old.cgroups.is_empty() && !old.pods.is_empty());
    // The collection record says when and how it was written: those differ by design.
    new.collection = old.collection.clone();
    assert_eq!(as_json(&old), as_json(&new));
}

/// The seed sample of today's collector (format 3) reads the same tree as the format 2 one and
/// adds only the signal files (memory.stat, the node's limits): the node's pods, containers,
/// processes and namespaces come out the same, and the additions are there.
#[test]
fn todays_seed_sample_keeps_the_format_2_model_and_adds_the_node_limits() {
    let old = compat_model("seed-node-format-2.tar.gz", 2);
    let new = model_of("seed-node");
    assert_eq!(new.collection.format_version, 3);
    // memory.stat gives every pod and container cgroup a memory breakdown; nothing else of
    // theirs may change.
    let without_breakdown = |value: serde_json::Value| without_key(value, "memory_breakdown");
    assert_eq!(
        without_breakdown(as_json(&old.pods)),
        without_breakdown(as_json(&new.pods))
    );
    assert_eq!(
        without_breakdown(as_json(&old.containers)),
        without_breakdown(as_json(&new.containers))
    );
    assert!(new.pods.iter().all(|p| p.usage.memory_breakdown.is_some()));
    assert_eq!(as_json(&old.processes), as_json(&new.processes));
    assert_eq!(as_json(&old.namespaces), as_json(&new.namespaces));
    assert_eq!(old.node.headroom.conntrack, None);
    let conntrack = new
        .node
        .headroom
        .conntrack
        .expect("kube-proxy's conntrack table");
    assert_eq!((conntrack.used, conntrack.max), (Some(3_418), 262_144));
    // Kernel 3.10 has no pressure stall information, and a missing optional file is no gap.
    assert_eq!(new.node.pressure.memory, None);
    assert!(new.gaps.is_empty(), "{:?}", new.gaps);
}

fn compat_model(name: &str, format_version: u32) -> Model {
    let path = samples_dir().join("../tests/compat").join(name);
    let snapshot = load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(snapshot.manifest.format_version, format_version);
    assert!(snapshot.load_gaps.is_empty(), "{:?}", snapshot.load_gaps);
    analyze(&snapshot)
}

fn as_json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("model serializes")
}

/// `value` with every object member named `key` removed, at any depth.
fn without_key(value: serde_json::Value, key: &str) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .filter(|(name, _)| name != key)
                .map(|(name, v)| (name, without_key(v, key)))
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| without_key(v, key)).collect())
        }
        other => other,
    }
}

/// samples/real-runtimes.tar.gz: Debian's containerd (CRI pods made as kubelet makes them),
/// dockerd on its own containerd, and podman, collected side by side on one kernel
/// (scripts/make-real-runtimes-sample.sh), with what the runtimes said about that node in
/// tests/realnode/real-runtimes-sample.truth.json. The model must agree with that truth on every
/// fact the comparison checks; the tests below name the facts a reader looks for first.
mod real_runtimes {
    use super::*;
    use analyzer::model::{PodKind, RuntimeKind};
    use nodesnap_tests::realnode::compare::compare;
    use nodesnap_tests::realnode::truth::{ContainerTruth, Truth};
    use std::path::Path;

    fn model() -> Model {
        model_of("real-runtimes")
    }

    fn truth() -> Truth {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("realnode/real-runtimes-sample.truth.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn runtime_pid(truth: &Truth, label: &str) -> Pid {
        Pid(truth.runtime(label).and_then(|r| r.pid).expect(label))
    }

    fn in_model<'a>(m: &'a Model, c: &ContainerTruth) -> &'a analyzer::model::Container {
        m.containers
            .iter()
            .find(|found| found.id == cid(&c.id))
            .unwrap_or_else(|| panic!("container {} ({})", c.name, c.id))
    }

    fn pids(c: &ContainerTruth) -> Vec<Pid> {
        c.pids.iter().map(|p| Pid(*p)).collect()
    }

    #[test]
    fn the_cri_pods_have_their_kubelet_names_qos_classes_and_pause_sandboxes() {
        let (m, truth) = (model(), truth());
        let cri: Vec<_> = truth
            .pods
            .iter()
            .filter(|p| p.namespace.is_some())
            .collect();
        assert_eq!(cri.len(), 3);
        for expected in cri {
            let pod = m.pods.iter().find(|p| p.uid == uid(&expected.uid)).unwrap();
            assert_eq!(pod.namespace, expected.namespace);
            assert_eq!(pod.name.as_deref(), Some(expected.name.as_str()));
            assert_eq!(
                pod.qos.map(|q| q.as_str().to_string()),
                expected.qos,
                "{}",
                expected.name
            );
            assert_eq!(pod.sandbox_id, Some(cid(&expected.sandbox_id)));
            assert_eq!(pod.sandbox_pid, Some(Pid(expected.sandbox_pid)));
            let sandbox = m
                .processes
                .iter()
                .find(|p| p.pid == Pid(expected.sandbox_pid))
                .unwrap();
            assert_eq!(
                (sandbox.comm.as_str(), sandbox.role),
                ("pause", ProcessRole::Sandbox)
            );
            let apps: Vec<&ContainerId> = pod
                .container_ids
                .iter()
                .filter(|id| Some(*id) != pod.sandbox_id.as_ref())
                .collect();
            assert_eq!(
                apps.len(),
                expected.container_ids.len(),
                "{}",
                expected.name
            );
        }
    }

    #[test]
    fn namespace_sharing_follows_each_pod_spec() {
        let (m, truth) = (model(), truth());
        let by_name = |name: &str| {
            let uid_text = &truth.pods.iter().find(|p| p.name == name).unwrap().uid;
            m.pods.iter().find(|p| p.uid == uid(uid_text)).unwrap()
        };
        let web = by_name("web-6d4cf56db6-x8k2p");
        let agent = by_name("node-agent-q7w4z");
        let batch = by_name("batch-28391-abcde");
        assert_eq!(web.namespace_sharing[&NsType::Net], Sharing::Pod);
        assert_eq!(web.namespace_sharing[&NsType::Pid], Sharing::Private);
        assert_eq!(agent.namespace_sharing[&NsType::Net], Sharing::Host);
        assert_eq!(agent.namespace_sharing[&NsType::Pid], Sharing::Host);
        assert_eq!(batch.namespace_sharing[&NsType::Pid], Sharing::Pod);
        assert_eq!(batch.namespace_sharing[&NsType::Ipc], Sharing::Pod);
        for rule in ["pod-host-network", "pod-host-pid"] {
            assert!(
                m.findings.iter().any(|f| f.rule == rule
                    && serde_json::to_value(&f.subject).unwrap()["id"] == agent.uid.as_str()),
                "{rule}"
            );
        }
    }

    #[test]
    fn every_cri_container_has_its_name_pod_processes_and_the_pods_shim() {
        let (m, truth) = (model(), truth());
        let address = &truth.runtime("cri-containerd").unwrap().address;
        let apps = truth
            .containers
            .iter()
            .filter(|c| c.runtime == "cri-containerd" && !c.sandbox);
        for expected in apps {
            let found = in_model(&m, expected);
            assert_eq!(found.runtime, Some(RuntimeKind::Containerd));
            assert_eq!(found.name.as_deref(), Some(expected.name.as_str()));
            assert_eq!(found.pod_uid, expected.pod_uid.as_deref().map(uid));
            assert_eq!(found.init_pid, Some(Pid(expected.init_pid)));
            assert_eq!(found.pids, pids(expected), "{}", expected.name);
            assert_eq!(found.shim_pid, Some(Pid(expected.shim_pid)));
            let shim = m
                .processes
                .iter()
                .find(|p| p.pid == Pid(expected.shim_pid))
                .unwrap();
            assert_eq!(shim.role, ProcessRole::Shim);
            assert!(shim
                .cmdline
                .as_deref()
                .unwrap()
                .ends_with(&format!("-address {address}")));
        }
        let cri = m
            .node
            .runtimes
            .iter()
            .find(|r| r.kind == RuntimeKind::Containerd)
            .unwrap();
        assert_eq!(cri.pid, Some(runtime_pid(&truth, "cri-containerd")));
    }

    #[test]
    fn dockers_containers_are_standalone_in_slash_docker_with_their_own_shims() {
        let (m, truth) = (model(), truth());
        let docker: Vec<&ContainerTruth> = truth
            .containers
            .iter()
            .filter(|c| c.runtime == "dockerd")
            .collect();
        assert_eq!(docker.len(), 3);
        for expected in &docker {
            let found = in_model(&m, expected);
            assert_eq!(
                found.runtime,
                Some(RuntimeKind::Docker),
                "{}",
                expected.name
            );
            assert_eq!(found.pod_uid, None);
            assert!(!found.sandbox);
            assert_eq!(found.pids, pids(expected), "{}", expected.name);
            assert_eq!(found.init_pid, Some(Pid(expected.init_pid)));
            assert_eq!(found.shim_pid, Some(Pid(expected.shim_pid)));
            assert_eq!(
                found.cgroup.as_deref(),
                Some(format!("/docker/{}", expected.id).as_str())
            );
        }
        // The --pid=host container lives in the node's pid namespace.
        let host_pid = docker.iter().find(|c| c.name == "host-monitor").unwrap();
        let inode = Inode(host_pid.namespaces["pid"]);
        let namespace = m
            .namespaces
            .iter()
            .find(|n| n.kind == NsType::Pid && n.inode == inode)
            .unwrap();
        assert_eq!(namespace.holder, Holder::Host);
        let dockerd = m
            .node
            .runtimes
            .iter()
            .find(|r| r.kind == RuntimeKind::Docker)
            .unwrap();
        assert_eq!(dockerd.pid, Some(runtime_pid(&truth, "dockerd")));
    }

    #[test]
    fn podmans_standalone_container_is_run_by_conmon() {
        let (m, truth) = (model(), truth());
        let expected = truth.containers.iter().find(|c| c.name == "solo").unwrap();
        let solo = in_model(&m, expected);
        assert_eq!(solo.runtime, Some(RuntimeKind::Podman));
        assert_eq!(solo.pids, pids(expected));
        assert_eq!(solo.shim_pid, Some(Pid(expected.shim_pid)));
        let conmon = m
            .processes
            .iter()
            .find(|p| p.pid == Pid(expected.shim_pid))
            .unwrap();
        assert_eq!(
            (conmon.comm.as_str(), conmon.role),
            ("conmon", ProcessRole::Shim)
        );
        assert!(m
            .node
            .runtimes
            .iter()
            .any(|r| r.kind == RuntimeKind::Podman));
    }

    /// What the model still gets wrong about the sample, compared with its truth as
    /// tests/tests/real_runtimes.rs compares a live node: a reviewed list, so that each fix (or
    /// regression) shows as a diff. `UPDATE_GOLDEN=1` rewrites it.
    #[test]
    fn the_model_agrees_with_the_samples_truth_on_every_fact() {
        let model = serde_json::to_value(model()).expect("the model is JSON");
        let report = compare(&truth(), &model);
        assert!(report.facts > 300, "{report}");
        assert!(report.mismatches.is_empty(), "{report}");
    }

    #[test]
    fn each_daemon_is_an_instance_and_everything_names_the_one_that_runs_it() {
        let (m, truth) = (model(), truth());
        let containerds: Vec<&analyzer::model::RuntimeInfo> = m
            .node
            .runtimes
            .iter()
            .filter(|r| r.kind == RuntimeKind::Containerd)
            .collect();
        assert_eq!(containerds.len(), 2, "the CRI containerd and docker's own");
        let dockerd = m
            .node
            .runtimes
            .iter()
            .find(|r| r.kind == RuntimeKind::Docker)
            .expect("dockerd");
        let dockers = containerds
            .iter()
            .find(|c| c.managed_by.as_ref() == Some(&dockerd.id))
            .expect("docker's containerd is managed by dockerd");
        assert_eq!(dockers.distribution.as_deref(), Some("docker"));
        assert_eq!(dockerd.uses.as_ref(), Some(&dockers.id));
        let cri = containerds
            .iter()
            .find(|c| c.id != dockers.id)
            .expect("the CRI containerd");
        assert_eq!(cri.pid, Some(runtime_pid(&truth, "cri-containerd")));
        assert!(
            cri.sandbox_image.is_some(),
            "its config names the sandbox image"
        );
        for pod in m.pods.iter().filter(|p| p.kind == PodKind::Kubernetes) {
            assert_eq!(pod.runtime_instance.as_ref(), Some(&cri.id), "{}", pod.uid);
        }
        for c in &m.containers {
            let expected = match c.runtime {
                Some(RuntimeKind::Docker) => &dockerd.id,
                Some(RuntimeKind::Containerd) => &cri.id,
                _ => continue,
            };
            assert_eq!(c.runtime_instance.as_ref(), Some(expected), "{}", c.id);
        }
        // Every runc shim belongs to the containerd whose socket it names.
        assert_eq!(cri.shim_pids.len(), 3, "one shim per CRI pod");
        assert_eq!(dockers.shim_pids.len(), 3, "one per docker container");
    }

    #[test]
    fn the_podman_pod_is_a_pod_with_its_infra_sandbox_and_its_app() {
        let (m, truth) = (model(), truth());
        let expected = truth
            .pods
            .iter()
            .find(|p| p.namespace.is_none())
            .expect("a podman pod in the truth");
        let pod = m
            .pods
            .iter()
            .find(|p| p.uid.as_str() == expected.uid)
            .expect("the podman pod in the model");
        assert_eq!(pod.kind, PodKind::Podman);
        assert_eq!(pod.name.as_deref(), Some(expected.name.as_str()));
        assert_eq!(pod.qos, None);
        let sandbox = pod.sandbox_id.as_ref().expect("its infra container");
        let infra = m.containers.iter().find(|c| &c.id == sandbox).unwrap();
        assert!(infra.sandbox);
        assert_eq!(pod.sandbox_pid, infra.init_pid);
        assert_eq!(pod.container_ids.len(), 2, "infra and app");
        assert_eq!(
            pod.namespace_sharing.get(&NsType::Net),
            Some(&Sharing::Pod),
            "podman pods share their network"
        );
    }
}

/// The sosreport sample is the committed sos 4.12.0 fixture (tests/tests/sosreport.rs checks it
/// against a snapshot of the same node) and reads as the README says.
#[test]
fn the_sosreport_sample_is_read_as_an_sosreport_and_says_what_it_cannot_show() {
    let sample = std::fs::read(samples_dir().join("sosreport-4.12.0.tar.xz")).expect("sample");
    let fixture = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/sos/sosreport-4.12.0.tar.xz"),
    )
    .expect("fixture");
    assert!(sample == fixture, "samples/ and tests/fixtures/sos/ differ");
    let m = model_of("sosreport-4.12.0");
    assert_eq!(
        m.collection.source,
        analyzer::model::CollectionSource::Sosreport
    );
    assert_eq!(m.collection.collector_version, "sos 4.12.0");
    assert_eq!(m.pods.len(), 4);
    let cannot_show = analyzer::present::source::cannot_show(&m);
    assert_eq!(cannot_show.len(), 7, "{cannot_show:#?}");
    assert!(cannot_show
        .iter()
        .any(|g| g.starts_with("no namespace inodes")));
    assert!(cannot_show.iter().any(|g| g.starts_with("no pod names")));
}
