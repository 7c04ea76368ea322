//! The runtime output readers against real outputs (podman 4.3.1; docker 20.10 from the
//! committed sosreport) and crictl's shape.

use super::*;

fn output(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/sos/outputs")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const INFRA: &str = "a59233fd17fb389e55b25b98120b39220b745faf8b53a250c23eccff29c230fd";

#[test]
fn podman_inspect_of_a_pods_app_container_joins_the_infra_containers_namespaces() {
    let text = output("podman_inspect_webpod-app");
    let inspected = parse_podman_inspect(&text, "sos_commands/podman/containers/x").unwrap();
    let record = &inspected.record;
    assert_eq!(
        record.id,
        "104f406d760b78ad6163bb903072aa0a9232ce70968b0040cc2beb7924113bba"
    );
    assert_eq!(record.name.as_deref(), Some("webpod-app"));
    assert_eq!(
        record.image.as_deref(),
        Some("localhost/nodesnap/busybox:1")
    );
    assert_eq!(record.pid, Some(29814));
    assert_eq!(record.hostname.as_deref(), Some("webpod"));
    assert_eq!(
        record
            .annotations
            .get("io.container.manager")
            .map(String::as_str),
        Some("libpod")
    );
    assert!(record.pod.is_none());
    let infra = ContainerId::parse(INFRA).unwrap();
    assert_eq!(
        inspected.namespaces.get(&NsType::Net),
        Some(&NsJoin::Container(infra.clone()))
    );
    assert_eq!(
        inspected.namespaces.get(&NsType::Ipc),
        Some(&NsJoin::Container(infra.clone()))
    );
    assert_eq!(
        inspected.namespaces.get(&NsType::Uts),
        Some(&NsJoin::Container(infra))
    );
    assert_eq!(
        inspected.namespaces.get(&NsType::Pid),
        Some(&NsJoin::Private)
    );
    assert_eq!(inspected.namespaces.get(&NsType::User), Some(&NsJoin::Host));
    assert_eq!(
        podman_pod_of(&text).as_deref(),
        Some("767209cb21184821cf85675c4142d36852967d572ec04f836a8df5ba692fb9e7")
    );
}

#[test]
fn podman_inspect_of_an_infra_container_marks_the_sandbox() {
    let inspected =
        parse_podman_inspect(&output("podman_inspect_767209cb2118-infra"), "p").unwrap();
    assert_eq!(inspected.record.id, INFRA);
    assert!(inspected.record.pod.as_ref().is_some_and(|p| p.is_sandbox));
    assert_eq!(
        inspected.record.image.as_deref(),
        Some("localhost/nodesnap/pause:1")
    );
    let solo = parse_podman_inspect(&output("podman_inspect_solo"), "p").unwrap();
    assert!(solo.record.pod.is_none());
    assert_eq!(podman_pod_of(&output("podman_inspect_solo")), None);
}

#[test]
fn docker_inspect_from_the_committed_sosreport() {
    let archive = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/sos/sosreport-4.12.0.tar.xz");
    let snapshot = crate::snapshot::load(&archive).unwrap();
    let mut seen = 0;
    for (path, bytes) in snapshot.files_under("sos_commands/docker/containers") {
        let inspected = parse_docker_inspect(&String::from_utf8_lossy(bytes), &path).unwrap();
        let record = &inspected.record;
        assert_eq!(record.runtime_namespace.as_deref(), Some("moby"));
        assert_eq!(
            record.image.as_deref(),
            Some("localhost/nodesnap/busybox:1")
        );
        assert!(record.pid.is_some());
        match record.name.as_deref() {
            Some("/host-monitor") => {
                assert_eq!(inspected.namespaces[&NsType::Pid], NsJoin::Host);
            }
            Some("/proxy-sidecar") => {
                assert!(matches!(
                    inspected.namespaces[&NsType::Net],
                    NsJoin::Container(_)
                ));
                assert_eq!(inspected.namespaces[&NsType::Pid], NsJoin::Private);
            }
            Some("/proxy") => {
                assert_eq!(inspected.namespaces[&NsType::Net], NsJoin::Private);
            }
            other => panic!("unexpected container {other:?}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 3);
}

#[test]
fn crictl_inspect_names_the_pod_and_joins_the_sandboxs_namespaces() {
    let inspected = parse_crictl_inspect(&output("crictl_inspect_app"), "c").unwrap();
    let record = &inspected.record;
    assert_eq!(record.name.as_deref(), Some("app"));
    assert_eq!(record.pid, Some(29037));
    let pod = record.pod.as_ref().unwrap();
    assert_eq!(pod.name.as_deref(), Some("web-6d4cf56db6-x8k2p"));
    assert_eq!(
        pod.uid.as_deref(),
        Some("b9ea8da4-ad82-462d-8d8d-ff6da47660ee")
    );
    let sandbox = ContainerId::parse(pod.sandbox_id.as_deref().unwrap()).unwrap();
    // Listed with a path: the sandbox's; listed without: its own; not listed: the node's.
    assert_eq!(
        inspected.namespaces[&NsType::Ipc],
        NsJoin::Container(sandbox)
    );
    assert_eq!(inspected.namespaces[&NsType::Pid], NsJoin::Private);
    assert_eq!(inspected.namespaces[&NsType::Net], NsJoin::Host);
}

#[test]
fn crictl_inspectp_gives_the_pods_names_and_namespace_modes() {
    let pod = parse_crictl_inspectp(&output("crictl_inspectp_web")).unwrap();
    assert_eq!(pod.name.as_deref(), Some("web-6d4cf56db6-x8k2p"));
    assert_eq!(pod.namespace.as_deref(), Some("shop"));
    assert_eq!(pod.pid, Some(29007));
    assert_eq!(pod.modes[&NsType::Net], NsMode::Node);
    assert_eq!(pod.modes[&NsType::Uts], NsMode::Node);
    assert_eq!(pod.modes[&NsType::Ipc], NsMode::Pod);
    assert_eq!(pod.modes[&NsType::Pid], NsMode::Container);
    let numeric = r#"{"status": {"id": "5e6e7a5cfb6f1b1ac3f2b7f48c0c5d9a5e1b0e4f7b8f1f0a2c3d4e5f60718293",
        "linux": {"namespaces": {"options": {"network": 2, "pid": 0}}}}}"#;
    let pod = parse_crictl_inspectp(numeric).unwrap();
    assert_eq!(pod.modes[&NsType::Net], NsMode::Node);
    assert_eq!(pod.modes[&NsType::Pid], NsMode::Pod);
    assert_eq!(pod.modes[&NsType::Ipc], NsMode::Pod, "left out is POD");
}

#[test]
fn ctr_container_ls_rows_and_bad_input() {
    let text = "CONTAINER                                                           IMAGE                           RUNTIME
00ad30bb51c3fd586b8fc28175049e30235f3e1034374c6dad9ee64e92284250    localhost/nodesnap/busybox:1    io.containerd.runc.v2
not-an-id    x    y
";
    let (records, problems) = parse_ctr_container_ls(text, "k8s.io", "c").unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].runtime_namespace.as_deref(), Some("k8s.io"));
    assert_eq!(
        records[0].image.as_deref(),
        Some("localhost/nodesnap/busybox:1")
    );
    assert_eq!(
        problems[0].to_string(),
        "line 3: \"not-an-id\" is not a container id"
    );
    assert!(parse_ctr_container_ls("hello\n", "k8s.io", "c").is_err());
}

#[test]
fn broken_inspect_outputs_are_one_line_errors() {
    for text in ["", "[]", "{", "[{\"Id\": \"nope\"}]", "\"text\""] {
        let error = parse_docker_inspect(text, "d").unwrap_err().to_string();
        assert!(!error.contains('\n'), "{error}");
        assert!(parse_podman_inspect(text, "p").is_err());
        assert!(parse_crictl_inspect(text, "c").is_err());
        assert!(parse_crictl_inspectp(text).is_err());
    }
}
