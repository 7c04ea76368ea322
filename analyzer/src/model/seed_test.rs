//! The model's acceptance test on the walkthrough's node (../shared/seed/000_e586929341491876.txt):
//! every fact the walkthrough finds by hand, found from the snapshot. The node is the seed
//! layout of nodesnap-fixtures (`layouts::seed`, the same tree as tests/fixtures/seed-node),
//! collected by the real collector; tests/fixtures/seed-node.md lists what the layout invents
//! where the walkthrough prints nothing (names, limits, other pods' inodes, hostNetwork).

use super::*;
use crate::findings;
use crate::fixture;
use nodesnap_fixtures::layouts::seed::{
    CONTAINERD, DOCKERD, INSTALL_CNI_CONF, KUBELET, KUBE_PROXY, PAUSE_NGINX_REDIS, POD_KUBE_PROXY,
    POD_NGINX_REDIS, POD_SAFE_NGINX, REDIS, SAFE_NGINX,
};

fn seed_model() -> Model {
    fixture::seed()
}

fn find_container<'a>(model: &'a Model, prefix: &str) -> &'a Container {
    let matches: Vec<&Container> = model
        .containers
        .iter()
        .filter(|c| c.id.as_str().starts_with(prefix))
        .collect();
    assert_eq!(matches.len(), 1, "container prefix {prefix}");
    matches[0]
}

fn process(model: &Model, pid: u32) -> &Process {
    model
        .processes
        .iter()
        .find(|p| p.pid == Pid(pid))
        .unwrap_or_else(|| panic!("pid {pid} missing"))
}

fn pod<'a>(model: &'a Model, uid: &str) -> &'a Pod {
    model
        .pods
        .iter()
        .find(|p| p.uid.as_str() == uid)
        .unwrap_or_else(|| panic!("pod {uid} missing"))
}

#[test]
fn seed_node_facts() {
    let model = seed_model();
    assert_eq!(model.node.hostname.as_deref(), Some("my-node1"));
    assert_eq!(model.node.os.as_deref(), Some("CentOS Linux 7 (Core)"));
    assert_eq!(model.node.cgroup_mode, CgroupMode::V1);
    assert_eq!(model.node.cgroup_driver, CgroupDriver::Cgroupfs);
    assert_eq!(model.node.kubelet_pid, Some(Pid(KUBELET)));
    assert_eq!(
        model.node.boot_time.as_deref(),
        Some("2020-06-15T08:48:44Z")
    );
    // nginx starts one worker per CPU: 8.
    assert_eq!(model.node.cpus, Some(8));
    let kinds: Vec<(RuntimeKind, Option<Pid>)> = model
        .node
        .runtimes
        .iter()
        .map(|r| (r.kind, r.pid))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (RuntimeKind::Docker, Some(Pid(DOCKERD))),
            (RuntimeKind::Containerd, Some(Pid(CONTAINERD)))
        ]
    );
}

#[test]
fn seed_containerd_is_the_parent_of_every_shim() {
    let model = seed_model();
    let shims: Vec<&Process> = model
        .processes
        .iter()
        .filter(|p| p.role == ProcessRole::Shim)
        .collect();
    assert_eq!(shims.len(), 15);
    assert!(shims.iter().all(|s| s.ppid == Pid(CONTAINERD)));
    assert_eq!(process(&model, CONTAINERD).role, ProcessRole::RuntimeDaemon);
}

#[test]
fn seed_shim_7320_runs_safe_nginx_whose_first_process_is_7337() {
    let model = seed_model();
    let c = find_container(&model, "52eeb71ffa22");
    assert_eq!(c.shim_pid, Some(Pid(7320)));
    assert_eq!(c.init_pid, Some(Pid(7337)));
    assert_eq!(c.pod_uid.as_ref().map(PodUid::as_str), Some(POD_SAFE_NGINX));
    assert_eq!(c.name.as_deref(), Some("safe-nginx"));
    assert_eq!(c.runtime, Some(RuntimeKind::Docker));
    // The master and its 8 workers.
    assert_eq!(c.pids.len(), 9);
    let nginx = process(&model, 7337);
    assert_eq!(nginx.comm, "nginx");
    assert_eq!(nginx.container_id.as_ref(), Some(&c.id));
    assert_eq!(
        nginx.pod_uid.as_ref().map(PodUid::as_str),
        Some(POD_SAFE_NGINX)
    );
    assert_eq!(nginx.role, ProcessRole::Container);
    let p = pod(&model, POD_SAFE_NGINX);
    assert_eq!(p.name.as_deref(), Some("safe-nginx-668c459d6-pp7bx"));
    assert_eq!(p.qos, Some(QosClass::Burstable));
}

#[test]
fn seed_pod_is_named_from_dockers_name_as_printed_when_its_labels_are_lost() {
    // `docker ps` printed k8s_safe-nginx_668c459d6-pp7bxxx-xxxx_<uid>_0 for 52eeb71ffa22:
    // with that container's config alone, without its io.kubernetes.* labels and without the
    // pod log directories, that name is all the model has.
    let mut snapshot = fixture::snapshot("seed-node");
    let metadata = &mut snapshot.metadata;
    metadata.containers.retain(|record| record.id == SAFE_NGINX);
    for record in &mut metadata.containers {
        record.labels.clear();
        record.annotations.clear();
    }
    metadata.pod_log_dirs.clear();
    metadata.container_log_links.clear();
    let model = crate::analyze(&snapshot);
    let p = pod(&model, POD_SAFE_NGINX);
    assert_eq!(p.name.as_deref(), Some("668c459d6-pp7bxxx-xxxx"));
    assert_eq!(
        find_container(&model, "52eeb71ffa22").name.as_deref(),
        Some("safe-nginx")
    );
}

#[test]
fn seed_redis_pod_is_burstable_with_pause_redis_and_nginx() {
    let model = seed_model();
    let p = pod(&model, POD_NGINX_REDIS);
    assert_eq!(p.qos, Some(QosClass::Burstable));
    assert_eq!(
        p.sandbox_id.as_ref().map(ContainerId::as_str),
        Some(PAUSE_NGINX_REDIS)
    );
    assert_eq!(p.sandbox_pid, Some(Pid(19057)));
    let mut ids: Vec<&str> = p.container_ids.iter().map(ContainerId::as_str).collect();
    ids.sort();
    let mut expected = vec![
        PAUSE_NGINX_REDIS,
        REDIS,
        nodesnap_fixtures::layouts::seed::NGINX,
    ];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(
        p.cgroup.as_deref(),
        Some("/kubepods/burstable/podf5f16f15-af9e-11ea-8af4-0050569e47b9")
    );
    // The pod cgroup's limits as the kubelet sets them for nginx (500m, 256Mi) and redis
    // (1 CPU, 512Mi): cpu requests of 100m each.
    assert_eq!(p.limits.memory_max_bytes, Some(Limit::Value(768 << 20)));
    assert_eq!(p.limits.cpu_shares, Some(204));
    assert_eq!(
        find_container(&model, "9934ac36").init_pid,
        Some(Pid(19356))
    );
    assert_eq!(
        find_container(&model, "9934ac36").shim_pid,
        Some(Pid(19338))
    );
    assert_eq!(find_container(&model, "d62b4a2").init_pid, Some(Pid(19431)));
    assert!(find_container(&model, "63ee2df4").sandbox);
    assert!(!find_container(&model, "d62b4a2").sandbox);
    // docker top prints redis' uid as 100: the host's passwd has no name for it.
    let redis = process(&model, 19356);
    assert_eq!((redis.uid, redis.user.as_deref()), (Some(100), None));
    assert_eq!(process(&model, 19431).user.as_deref(), Some("root"));
}

#[test]
fn seed_redis_pod_shares_ipc_net_and_the_host_user_namespace() {
    let model = seed_model();
    let p = pod(&model, POD_NGINX_REDIS);
    let sharing = |kind| p.namespace_sharing.get(&kind).copied();
    assert_eq!(sharing(NsType::Ipc), Some(Sharing::Pod));
    assert_eq!(sharing(NsType::Net), Some(Sharing::Pod));
    assert_eq!(sharing(NsType::User), Some(Sharing::Host));
    assert_eq!(sharing(NsType::Mnt), Some(Sharing::Private));
    assert_eq!(sharing(NsType::Pid), Some(Sharing::Private));
    assert_eq!(sharing(NsType::Uts), Some(Sharing::Private));

    let ns = |kind: NsType, inode: u64| {
        model
            .namespaces
            .iter()
            .find(|n| n.kind == kind && n.inode == Inode(inode))
            .unwrap_or_else(|| panic!("{kind}:[{inode}] missing"))
    };
    let uid = PodUid::parse(POD_NGINX_REDIS).unwrap();
    let ipc = ns(NsType::Ipc, 4026532659);
    assert_eq!(ipc.holder, Holder::Pod(uid.clone()));
    for pid in [19057, 19356, 19431, 19460] {
        assert!(ipc.pids.contains(&Pid(pid)), "ipc has {pid}");
    }
    assert_eq!(ns(NsType::Net, 4026532662).holder, Holder::Pod(uid));
    assert_eq!(ns(NsType::User, 4026531837).holder, Holder::Host);
    let redis_mnt = ns(NsType::Mnt, 4026532654);
    assert_eq!(redis_mnt.pids, vec![Pid(19356)]);
    assert_eq!(
        redis_mnt.holder,
        Holder::Container(ContainerId::parse(REDIS).unwrap())
    );
    assert_eq!(
        ns(NsType::Mnt, 4026532657).holder,
        Holder::Container(ContainerId::parse(PAUSE_NGINX_REDIS).unwrap())
    );
}

#[test]
fn seed_empty_shims_7342_and_8087_are_flagged_and_nothing_else_is() {
    let model = seed_model();
    let flagged: Vec<&Finding> = model
        .findings
        .iter()
        .filter(|f| f.rule == findings::SHIM_WITHOUT_CONTAINER.id)
        .collect();
    let subjects: Vec<&Subject> = flagged.iter().map(|f| &f.subject).collect();
    assert_eq!(
        subjects,
        vec![&Subject::Process(Pid(7342)), &Subject::Process(Pid(8087))]
    );
    assert!(
        flagged[0].message.contains(&INSTALL_CNI_CONF[..12]),
        "{}",
        flagged[0].message
    );
    let rules: std::collections::BTreeSet<&str> =
        model.findings.iter().map(|f| f.rule.as_str()).collect();
    // The layout's hostNetwork pods and node-exporter's hostPID are the only other findings.
    assert_eq!(
        rules.into_iter().collect::<Vec<_>>(),
        vec!["pod-host-network", "pod-host-pid", "shim-without-container"]
    );
    let host_net: Vec<&Subject> = model
        .findings
        .iter()
        .filter(|f| f.rule == "pod-host-network")
        .map(|f| &f.subject)
        .collect();
    assert_eq!(host_net.len(), 3);
}

#[test]
fn seed_kube_proxy_in_its_sub_cgroup_still_belongs_to_its_container() {
    let model = seed_model();
    let proxy = process(&model, 6227);
    assert_eq!(
        proxy.container_id.as_ref().map(ContainerId::as_str),
        Some(KUBE_PROXY)
    );
    assert_eq!(
        proxy.pod_uid.as_ref().map(PodUid::as_str),
        Some(POD_KUBE_PROXY)
    );
    assert_eq!(pod(&model, POD_KUBE_PROXY).qos, Some(QosClass::BestEffort));
    let sub = format!("/kubepods/besteffort/pod{POD_KUBE_PROXY}/{KUBE_PROXY}/kube-proxy");
    let cgroup = model
        .cgroups
        .iter()
        .find(|c| c.path == sub)
        .expect("kube-proxy's sub-cgroup is in the tree");
    assert_eq!(cgroup.pids, vec![Pid(6227)]);
    assert_eq!(
        cgroup.container_id.as_ref().map(ContainerId::as_str),
        Some(KUBE_PROXY)
    );
    assert_eq!(
        find_container(&model, "167e38f3").cgroup.as_deref(),
        Some(format!("/kubepods/besteffort/pod{POD_KUBE_PROXY}/{KUBE_PROXY}").as_str())
    );
}

#[test]
fn seed_cgroup_tree_is_sorted_with_parents_listed() {
    let model = seed_model();
    let paths: Vec<String> = model.cgroups.iter().map(|c| c.path.to_string()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    for c in &model.cgroups {
        if let Some(parent) = &c.parent {
            assert!(paths.contains(&parent.to_string()), "parent of {}", c.path);
        }
    }
    let burstable = model
        .cgroups
        .iter()
        .find(|c| c.path == "/kubepods/burstable")
        .unwrap();
    assert_eq!(burstable.qos, Some(QosClass::Burstable));
    assert!(burstable.hierarchies.contains(&"memory".to_string()));
    // The root holds pid 1 and the kernel threads; every service has its unit.
    let root = model.cgroups.iter().find(|c| c.path == "/").unwrap();
    let mut expected = vec![Pid(1)];
    expected.extend(
        model
            .processes
            .iter()
            .filter(|p| p.kernel_thread)
            .map(|p| p.pid),
    );
    expected.sort();
    assert_eq!(root.pids, expected);
    assert_eq!(expected.len(), 19);
}

#[test]
fn seed_kernel_threads_and_start_times() {
    let model = seed_model();
    assert!(process(&model, 2).kernel_thread);
    assert_eq!(process(&model, 2).role, ProcessRole::KernelThread);
    assert!(!process(&model, 1).kernel_thread);
    // Boot 2020-06-15T08:48:44Z plus the 79721.03 s after which the layout starts nginx.
    assert_eq!(
        process(&model, 19431).start_time.as_deref(),
        Some("2020-06-16T06:57:25Z")
    );
    assert_eq!(
        process(&model, 19431).cmdline.as_deref(),
        Some("nginx: master process nginx -g daemon off;")
    );
}

#[test]
fn seed_model_serializes_with_the_documented_names() {
    let model = seed_model();
    let json = serde_json::to_value(&model).expect("the model serializes");
    let pod = json["pods"]
        .as_array()
        .and_then(|pods| pods.iter().find(|p| p["uid"] == POD_NGINX_REDIS))
        .expect("redis pod in json");
    assert_eq!(pod["qos"], "burstable");
    assert_eq!(pod["namespace_sharing"]["net"], "pod");
    assert_eq!(pod["namespace_sharing"]["user"], "host");
    assert_eq!(pod["name"], "nginx-redis");
    let nginx = json["processes"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["pid"] == 7337))
        .expect("7337 in json");
    assert_eq!(nginx["container_id"], SAFE_NGINX);
    assert!(nginx["namespaces"]["net"].as_u64().is_some());
    assert_eq!(json["node"]["cgroup_mode"], "v1");
    assert_eq!(json["node"]["cgroup_driver"], "cgroupfs");
    let finding = &json["findings"][0];
    assert!(finding["rule"].is_string() && finding["severity"].is_string());
    assert_eq!(json["schema_version"], SCHEMA_VERSION);
}
