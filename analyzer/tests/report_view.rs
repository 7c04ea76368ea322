//! The view structs built from the walkthrough's node: the namespace grid the walkthrough draws
//! by hand, the runtime's process tree, the cgroup tree's marks, findings' links, node facts.

mod report_support;

use analyzer::model::{Finding, Severity, Subject};
use analyzer::report::view::{build, NsGridView, ReportView};
use nodesnap_fixtures::layouts::seed::{
    NGINX as NGINX_ID, PAUSE_NGINX_REDIS as PAUSE_ID, POD_KUBE_PROXY as PROXY_POD,
    POD_NGINX_REDIS as NGINX_POD, REDIS as REDIS_ID,
};
use nodesnap_format::{Gap, GapReason};
use report_support::*;

fn seed() -> ReportView {
    build(&seed_model())
}

fn grid_of<'v>(view: &'v ReportView, uid: &str) -> &'v NsGridView {
    &view
        .pods
        .pods
        .iter()
        .find(|p| p.uid == uid)
        .expect("pod present")
        .grid
}

fn row(grid: &NsGridView, label: &str) -> Vec<(String, &'static str)> {
    grid.rows
        .iter()
        .find(|r| r.label == label)
        .expect("row present")
        .cells
        .iter()
        .map(|c| (c.inode.clone(), c.class))
        .collect()
}

#[test]
fn namespace_grid_shows_ipc_and_net_shared_user_from_the_host_and_the_rest_private() {
    let view = seed();
    let grid = grid_of(&view, NGINX_POD);
    assert_eq!(grid.columns, ["ipc", "mnt", "net", "pid", "user", "uts"]);
    let labels: Vec<&str> = grid.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels,
        ["sandbox", "nginx", "redis"],
        "sandbox first, then by name"
    );
    let expect = |cells: [(&str, &'static str); 6]| -> Vec<(String, &'static str)> {
        cells.iter().map(|(i, c)| (i.to_string(), *c)).collect()
    };
    assert_eq!(
        row(grid, "sandbox"),
        expect([
            ("4026532659", "pod"),
            ("4026532657", "priv"),
            ("4026532662", "pod"),
            ("4026532660", "priv"),
            ("4026531837", "host"),
            ("4026532658", "priv"),
        ])
    );
    assert_eq!(
        row(grid, "redis"),
        expect([
            ("4026532659", "pod"),
            ("4026532654", "priv"),
            ("4026532662", "pod"),
            ("4026532656", "priv"),
            ("4026531837", "host"),
            ("4026532655", "priv"),
        ])
    );
    assert_eq!(
        grid.sharing,
        "shared in the pod: ipc, net · host's: user · private: mnt, pid, uts"
    );
}

#[test]
fn host_network_pod_shows_host_cells_and_an_alert() {
    let view = seed();
    let pod = view
        .pods
        .pods
        .iter()
        .find(|p| p.uid == PROXY_POD)
        .expect("pod");
    assert_eq!(pod.alert.as_deref(), Some("host net"));
    assert_eq!(pod.qos, "besteffort");
    let net = row(&pod.grid, "kube-proxy")[2].clone();
    assert_eq!(net, ("4026531956".to_string(), "host"));
}

#[test]
fn runtime_tree_runs_from_the_daemon_through_shims_to_container_processes() {
    let mut model = seed_model();
    // The walkthrough's last worker: its command line vanished while it was read.
    let last = model
        .processes
        .iter_mut()
        .find(|p| p.pid.0 == 19460)
        .expect("19460");
    last.cmdline = None;
    last.partial = true;
    let view = build(&model);
    let runtime = &view.process_tree.blocks[0];
    let lines: Vec<(String, &str, &str)> = runtime
        .lines
        .iter()
        .map(|l| (l.guide.clone(), l.pid.as_str(), l.role))
        .collect();
    // containerd 2841 and its shims in pid order, each over its container's processes.
    let expected_head = [
        ("", "2841", "daemon"),
        ("├─", "5914", "shim"),
        ("│ └─", "5967", "sandbox"),
        ("├─", "5918", "shim"),
        ("│ └─", "5974", "sandbox"),
        ("├─", "5929", "shim"),
        ("│ └─", "5982", "sandbox"),
        ("├─", "6210", "shim"),
        ("│ └─", "6227", "cp"),
        ("├─", "6575", "shim"),
        ("│ └─", "6593", "cp"),
        ("├─", "6698", "shim"),
        ("│ └─", "6715", "cp"),
        ("├─", "6944", "shim"),
        ("│ └─", "6962", "cp"),
        ("│   └─", "7233", "cp"),
    ];
    for (i, (guide, pid, role)) in expected_head.iter().enumerate() {
        assert_eq!(
            (lines[i].0.as_str(), lines[i].1, lines[i].2),
            (*guide, *pid, *role),
            "line {i}"
        );
    }
    let tail: Vec<(&str, &str, &str)> = lines[lines.len() - 17..]
        .iter()
        .map(|(g, p, r)| (g.as_str(), *p, *r))
        .collect();
    assert_eq!(
        tail[..7],
        [
            ("├─", "7342", "shim"),
            ("├─", "8087", "shim"),
            ("├─", "19039", "shim"),
            ("│ └─", "19057", "sandbox"),
            ("├─", "19338", "shim"),
            ("│ └─", "19356", "cp"),
            ("└─", "19407", "shim"),
        ],
        "the two shims whose containers exited have no children"
    );
    assert_eq!(tail[16], ("", "2842", "daemon"), "dockerd comes last");
    let line_of = |pid: &str| {
        runtime
            .lines
            .iter()
            .find(|l| l.pid == pid)
            .unwrap_or_else(|| panic!("{pid} in the runtime tree"))
    };
    assert_eq!(
        line_of("19039")
            .tag
            .as_ref()
            .map(|t| (t.text.as_str(), t.href.as_deref())),
        Some((
            "shim of default/nginx-redis · sandbox",
            Some("#c-63ee2df4c255")
        ))
    );
    assert!(
        line_of("19453").tag.is_none(),
        "only a container's first process is tagged"
    );
    let partial = line_of("19460");
    assert!(partial.partial);
    assert_eq!(
        partial.cmd, "nginx",
        "a command line the snapshot lacks reads as the comm alone, as in the terminal views \
         (brackets mean an empty command line: a kernel thread or a zombie)"
    );
}

#[test]
fn other_processes_point_to_the_runtime_tree_and_count_kernel_threads() {
    let view = seed();
    let other = &view.process_tree.blocks[1];
    let containerd = other
        .lines
        .iter()
        .find(|l| l.pid == "2841")
        .expect("2841 mentioned");
    assert!(containerd.anchor.is_none(), "the runtime tree is its home");
    assert_eq!(
        containerd.tag.as_ref().and_then(|t| t.href.as_deref()),
        Some("#p2841")
    );
    assert_eq!(
        other.note,
        "17 kernel threads under kthreadd are counted, not listed."
    );
}

#[test]
fn cgroup_tree_marks_limits_usage_and_trouble() {
    let view = seed();
    let nginx = view
        .cgroups
        .lines
        .iter()
        .filter_map(|l| l.group.as_ref().map(|g| (l, g)))
        .find(|(_, g)| g.name == NGINX_ID)
        .expect("nginx cgroup");
    assert_eq!(
        nginx.0.guide, "│   │ └─",
        "/ > kubepods > burstable > pod (not the last pod) > nginx"
    );
    assert_eq!(nginx.1.resources, "mem 29.8 MiB / 256 MiB · cpu 0.5 CPU");
    assert!(nginx.1.trouble.is_empty(), "{:?}", nginx.1.trouble);
    assert_eq!(nginx.1.tags[0].text, "nginx");
    let processes_under_nginx = view
        .cgroups
        .lines
        .iter()
        .filter_map(|l| l.process.as_ref())
        .filter(|p| p.cmd.starts_with("nginx: worker"))
        .count();
    assert_eq!(
        processes_under_nginx, 16,
        "the 8 workers of each nginx master"
    );
    // The containerd node's `api` container was OOM-killed and throttled.
    let view = build(&layout_model("containerd-v2-systemd"));
    let api = view
        .cgroups
        .lines
        .iter()
        .filter_map(|l| l.group.as_ref())
        .find(|g| g.name.starts_with("cri-containerd-2fdd24245a62"))
        .expect("api's cgroup");
    assert_eq!(api.resources, "mem 248 MiB / 256 MiB · cpu 0.2 CPU");
    assert_eq!(
        api.trouble,
        [
            "3 processes killed by the OOM killer",
            "memory.max reached 41 times (memory.events max)",
            "cpu throttled in 71902 of 88213 periods (81%)",
            "stalled on memory: some avg10 31.5%, some avg60 25.2%, full avg10 7.9%, full avg60 6.3%",
            "stalled on cpu: some avg10 46.0%, some avg60 36.8%, full avg10 11.5%, full avg60 9.2%"
        ]
    );
}

#[test]
fn findings_are_grouped_by_severity_with_links_to_their_subjects() {
    let mut model = seed_model();
    // A finding about a container links to the container's card.
    model.findings.push(Finding {
        rule: "test-container".to_string(),
        severity: Severity::Info,
        subject: Subject::Container(cid(REDIS_ID)),
        message: "redis".to_string(),
        explanation: String::new(),
    });
    let view = build(&model);
    let groups: Vec<(&str, usize)> = view
        .findings
        .groups
        .iter()
        .map(|g| (g.label, g.count))
        .collect();
    assert_eq!(groups, [("Warning", 3), ("Info", 4)]);
    assert_eq!(view.findings.summary, "3 warnings · 4 info");
    let links: Vec<Option<&str>> = view
        .findings
        .groups
        .iter()
        .flat_map(|g| g.items.iter())
        .map(|f| f.subject.href.as_deref())
        .collect();
    assert_eq!(links[0], Some("#pod-f8662a28-aeea-11ea-8af4-0050569e47b9"));
    assert_eq!(links[1], Some("#p7342"));
    assert_eq!(links[2], Some("#p8087"));
    assert_eq!(links[3], Some("#pod-f86494f1-aeea-11ea-8af4-0050569e47b9"));
    assert_eq!(links[6], Some("#c-9934ac36efad"));
    // A finding about a cgroup links to its line in the cgroup tree.
    let view = build(&layout_model("containerd-v2-systemd"));
    // api also stalls on memory and cpu (memory-pressure, cpu-pressure).
    assert_eq!(view.findings.summary, "1 critical · 4 warnings · 1 info");
    let first = &view.findings.groups[0].items[0];
    assert!(
        first
            .subject
            .href
            .as_deref()
            .is_some_and(|h| h.starts_with("#g")),
        "{:?}",
        first.subject.href
    );
}

#[test]
fn container_resources_read_in_human_units_and_flag_pressure() {
    let resource = |container: &analyzer::report::view::ContainerView, label: &str| {
        container
            .resources
            .iter()
            .find(|f| f.label == label)
            .map(|f| (f.value.clone(), f.warn))
            .unwrap_or_else(|| panic!("{label} of {}", container.name))
    };
    // The walkthrough's redis is far from its limit.
    let view = seed();
    let pod = view
        .pods
        .pods
        .iter()
        .find(|p| p.uid == NGINX_POD)
        .expect("pod");
    let redis = pod
        .containers
        .iter()
        .find(|c| c.name == "redis")
        .expect("redis");
    assert_eq!(
        resource(redis, "Memory"),
        ("11.7 MiB of 512 MiB (2%)".to_string(), false)
    );
    assert_eq!(
        pod.containers
            .iter()
            .find(|c| c.name == "nginx")
            .expect("nginx")
            .processes
            .len(),
        9
    );
    assert_eq!(pod.alert, None);
    // The containerd node's `api` was OOM-killed 3 times and throttled in most periods.
    let view = build(&layout_model("containerd-v2-systemd"));
    let pod = view
        .pods
        .pods
        .iter()
        .find(|p| p.containers.iter().any(|c| c.name == "api"))
        .expect("api's pod");
    let api = pod
        .containers
        .iter()
        .find(|c| c.name == "api")
        .expect("api");
    assert_eq!(
        resource(api, "Memory"),
        ("248 MiB of 256 MiB (97%)".to_string(), true)
    );
    assert_eq!(resource(api, "OOM kills"), ("3".to_string(), true));
    assert_eq!(
        resource(api, "Throttled"),
        (
            "71,902 of 88,213 periods (82%) · 156 min 52 s".to_string(),
            true
        )
    );
    // The pod's memory.events counts its container's kills again; the model counts them once,
    // in the container, so the pod's card says the 3 that happened (issue 15).
    assert_eq!(pod.alert.as_deref(), Some("3 OOM kills"));
}

#[test]
fn node_section_summarizes_gaps_by_reason() {
    // The seed node was read whole: these gaps stand for a collector that was not so lucky.
    let mut model = seed_model();
    let gap = |path: &str, reason| Gap {
        path: path.to_string(),
        reason,
        detail: None,
    };
    model.gaps.extend([
        gap("proc/19460/cmdline", GapReason::Vanished),
        gap("proc/31551/ns", GapReason::PermissionDenied),
        gap("proc/11908/ns", GapReason::Vanished),
        gap(
            "sys/fs/cgroup/memory/kubepods/memory.peak",
            GapReason::NotFound,
        ),
    ]);
    let view = build(&model);
    let reasons: Vec<(&str, &str)> = view
        .node
        .gap_reasons
        .iter()
        .map(|r| (r.reason, r.count.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("vanished", "2"),
            ("permission_denied", "1"),
            ("not_found", "1")
        ]
    );
    assert_eq!(view.node.gaps.len(), 4);
    assert!(view.node.gaps_unlisted.is_none());
    let runtimes = view
        .node
        .facts
        .iter()
        .find(|f| f.label == "Runtimes")
        .expect("runtimes");
    assert_eq!(runtimes.value, "docker (pid 2842), containerd (pid 2841)");
}

#[test]
fn small_nodes_open_their_pod_cards_and_big_ones_keep_them_collapsed() {
    assert!(seed().pods.cards_open);
    let big = build(&big_model());
    assert!(!big.pods.cards_open);
    assert!(!big.process_tree.blocks[0].open);
    assert!(!big.cgroups.open);
    assert_eq!(big.search.entries.len(), 2000, "one search entry per pod");
    let init = big.process_tree.blocks[1]
        .lines
        .iter()
        .find(|l| l.pid == "1")
        .expect("pid 1 in the other processes");
    assert_eq!(
        init.tag.as_ref().map(|t| t.text.as_str()),
        Some("6,002 children shown in the runtime tree"),
        "6,000 reparented shims, containerd and dockerd are summed up, not listed twice"
    );
}

#[test]
fn search_entries_name_the_pids_of_each_id_so_an_id_prefix_finds_its_processes() {
    let view = seed();
    let pod = view
        .search
        .entries
        .iter()
        .find(|e| e.element == format!("pod-{NGINX_POD}"))
        .expect("the nginx pod's entry");
    assert_eq!(pod.ids.len(), pod.id_pids.len(), "one pid list per id");
    let pids_of = |id: &str| {
        let at = pod.ids.iter().position(|i| i == id).expect("id listed");
        pod.id_pids[at].clone()
    };
    let nginx: Vec<u32> = std::iter::once(19431).chain(19453..=19460).collect();
    assert_eq!(pids_of(NGINX_ID), nginx);
    assert_eq!(pids_of(REDIS_ID), vec![19356]);
    assert_eq!(
        pids_of(NGINX_POD),
        pod.pids,
        "the pod uid names every process of the pod"
    );
}

#[test]
fn hostile_text_is_made_visible_in_the_view() {
    let view = build(&hostile_model());
    let registry = view
        .process_tree
        .blocks
        .iter()
        .flat_map(|b| b.lines.iter())
        .find(|l| l.pid == HOSTILE_HOST_PID.to_string())
        .expect("the hostile host process");
    assert_eq!(
        registry.cmd,
        "registry\\u{7}\\u{1b}[31m red\\u{2066}isolate\\u{2069}\\u{d}\\u{a}next\\u{2028}line"
    );
    assert_eq!(
        registry.user, "<b>root</b>",
        "escaping is the template's job"
    );
    assert_eq!(view.title, "node<script>alert(8)</script>");
}

#[test]
fn empty_node_renders_with_plain_statements_instead_of_sections() {
    let mut model = seed_model();
    model.pods.clear();
    model.containers.clear();
    model.processes.clear();
    model.namespaces.clear();
    model.cgroups.clear();
    model.findings.clear();
    model.gaps.clear();
    let html = analyzer::report::render_html(&model).expect("renders");
    for statement in [
        "No pods were found on this node.",
        "None: every container belongs to a pod.",
        "No findings: nothing on this node matched a rule.",
        "Everything the collector looked for was read",
        "No runtime daemon or shim was found.",
    ] {
        assert!(html.contains(statement), "{statement}");
    }
}

#[test]
fn parent_cycles_and_deep_chains_are_drawn_without_looping_or_overflowing() {
    let mut model = seed_model();
    // 32005 and 32006 are each other's parent; 100000.. is a chain 5,000 deep.
    model.processes.push(process(
        32005,
        32006,
        "a",
        "a",
        analyzer::model::ProcessRole::Other,
    ));
    model.processes.push(process(
        32006,
        32005,
        "b",
        "b",
        analyzer::model::ProcessRole::Other,
    ));
    for depth in 0..5000u32 {
        let pid = 100_000 + depth;
        let ppid = if depth == 0 { 1 } else { pid - 1 };
        model.processes.push(process(
            pid,
            ppid,
            "deep",
            "deep",
            analyzer::model::ProcessRole::Other,
        ));
    }
    model.processes.sort_by_key(|p| p.pid);
    let view = build(&model);
    let other = &view.process_tree.blocks[1];
    assert!(
        other.lines.iter().any(|l| l.pid == "32005")
            && other.lines.iter().any(|l| l.pid == "32006")
    );
    let deepest = other
        .lines
        .iter()
        .find(|l| l.pid == "104999")
        .expect("deepest");
    assert!(
        deepest.guide.chars().count() <= 2 * analyzer::present::tree::MAX_DEPTH + 1,
        "guides stop growing: {}",
        deepest.guide.chars().count()
    );
    let shown: usize = view
        .process_tree
        .blocks
        .iter()
        .map(|b| b.lines.iter().filter(|l| l.anchor.is_some()).count())
        .sum();
    let under_kthreadd = model
        .processes
        .iter()
        .filter(|p| p.kernel_thread && p.ppid.0 == 2)
        .count();
    assert_eq!(under_kthreadd, 17);
    assert_eq!(
        shown,
        model.processes.len() - under_kthreadd,
        "every process but the kernel threads under kthreadd has a home"
    );
}

#[test]
fn a_shim_that_serves_a_whole_pod_is_tagged_with_the_pod_not_one_of_its_containers() {
    // containerd-shim-runc-v2 serves every container of its pod: give the pod's three
    // containers the sandbox's shim.
    let mut model = seed_model();
    let shared = model
        .containers
        .iter()
        .find(|c| c.id.as_str() == PAUSE_ID)
        .and_then(|c| c.shim_pid)
        .expect("the sandbox's shim");
    for c in model.containers.iter_mut() {
        if [PAUSE_ID, REDIS_ID, NGINX_ID].contains(&c.id.as_str()) {
            c.shim_pid = Some(shared);
        }
    }
    let view = build(&model);
    let line = view
        .process_tree
        .blocks
        .iter()
        .flat_map(|b| b.lines.iter())
        .find(|l| l.pid == shared.to_string())
        .expect("the shim's line");
    let tag = line.tag.as_ref().expect("a tag");
    assert!(
        tag.text.starts_with("shim of pod ") && tag.text.ends_with(" · 3 containers"),
        "{}",
        tag.text
    );
    assert_eq!(
        tag.href.as_deref(),
        Some(format!("#pod-{NGINX_POD}").as_str())
    );
}
