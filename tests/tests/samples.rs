//! Every bundled sample loads with today's analyzer and shows what it is in the README for; the
//! seed-node sample shows every fact the seed walkthrough found by hand (issue 3, item 5).

use analyzer::model::{
    build, ContainerId, Holder, Inode, Model, NsType, Pid, PodUid, ProcessRole, QosClass, Sharing,
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
            let model = build(&snapshot);
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
        assert!(rules.contains(&"process-uninterruptible"), "{rules:?}");
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
/// (one tar entry per file, a directory entry per cgroup); `samples/seed-node.tar.gz` is the
/// same fixture tree in format 2 (one bundle per directory). Everything but the collection
/// record must come out the same, so old snapshots attached to tickets stay readable.
#[test]
fn a_format_1_snapshot_gives_the_same_model_as_format_2_of_the_same_node() {
    let old_path = samples_dir().join("../tests/compat/seed-node-format-1.tar.gz");
    let old_snapshot = load(&old_path).expect("format 1 snapshot");
    assert_eq!(old_snapshot.manifest.format_version, 1);
    assert!(
        old_snapshot.load_gaps.is_empty(),
        "{:?}",
        old_snapshot.load_gaps
    );
    let mut old = build(&old_snapshot);
    let new = model_of("seed-node");
    assert_eq!(new.collection.format_version, 2);
    assert!(!old.processes.is_empty() && !old.cgroups.is_empty() && !old.pods.is_empty());
    // The collection record says when and how it was written: those differ by design.
    old.collection = new.collection.clone();
    let as_json = |model: &Model| serde_json::to_value(model).expect("model serializes");
    assert_eq!(as_json(&old), as_json(&new));
}
