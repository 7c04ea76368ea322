//! The FakeNode builder's renderers: each file in the format of the node's kernel version.

use nodesnap_tests::fake_node::{
    cgroup_file_text, cmdline_bytes, cpu_mask, el7_hierarchies, is_within, normalize_cgroup,
    stat_line, status_text, CgroupMode, CgroupSetup, CgroupSpec, FakeNode, NodeFacts, NsSet,
    Process,
};

fn facts(kernel: &str) -> NodeFacts {
    NodeFacts {
        hostname: "n1".into(),
        kernel_release: kernel.into(),
        kernel_build: "(b@h) (gcc) #1 SMP".into(),
        os_release: "ID=test\n".into(),
        boot_epoch: 1_600_000_000,
        uptime_centis: 100_000,
        boot_id: "00000000-0000-0000-0000-000000000000".into(),
        pid_max: 32768,
        cpus: 2,
        mem_total_kb: 1_000_000,
        mem_available_kb: 500_000,
        passwd: vec!["root:x:0:0:root:/root:/bin/bash".into()],
        group: vec!["root:x:0:".into()],
        extra_mounts: Vec::new(),
        root_mount: "8:1 ext4 /dev/sda1 rw".into(),
    }
}

#[test]
fn kernel_version_is_read_from_the_release_string() {
    let table = [
        ("3.10.0-957.el7.x86_64", (3, 10)),
        ("5.15.0-91-generic", (5, 15)),
        ("6.1.0-13-amd64", (6, 1)),
        ("4.14.326-245.539.amzn2.x86_64", (4, 14)),
        ("garbage", (0, 0)),
    ];
    for (release, expected) in table {
        assert_eq!(facts(release).kernel_version(), expected, "{release}");
    }
}

#[test]
fn stat_keeps_a_comm_with_spaces_and_parentheses_intact_and_has_52_fields() {
    let p = Process::new(42, 7, &["x"]).comm("a) (b c");
    let line = stat_line(&p, &facts("5.4.0-1"));
    assert!(line.starts_with("42 (a) (b c) S 7 "), "{line}");
    let (_, rest) = line.trim_end().rsplit_once(") ").expect("closing paren");
    assert_eq!(rest.split(' ').count() + 2, 52);
}

#[test]
fn comm_is_truncated_to_15_bytes_like_the_kernel() {
    let p = Process::new(9, 1, &["/usr/bin/containerd-shim-runc-v2"]);
    assert_eq!(p.comm, "containerd-shim");
}

#[test]
fn kernel_threads_and_zombies_have_no_memory_in_stat() {
    let f = facts("5.4.0-1");
    for p in [
        Process::kthread(2, 0, "kthreadd"),
        Process::new(50, 1, &["sh"]).state('Z'),
    ] {
        let line = stat_line(&p, &f);
        let fields: Vec<&str> = line
            .rsplit_once(") ")
            .expect("paren")
            .1
            .split(' ')
            .collect();
        // Fields 23 (vsize) and 24 (rss), counted from 1 over the whole line.
        assert_eq!((fields[20], fields[21]), ("0", "0"), "{line}");
        assert_eq!(cmdline_bytes(&p), Vec::<u8>::new());
    }
}

#[test]
fn status_lines_follow_the_kernel_version() {
    let p = Process::new(100, 1, &["app"]).inner_pids(&[1]);
    let table = [
        ("3.10.0-957.el7.x86_64", false, false, false),
        ("4.4.0-1", true, false, false),
        ("4.14.0-1", true, true, false),
        ("5.15.0-91-generic", true, true, false),
        ("6.1.0-13-amd64", true, true, true),
    ];
    for (kernel, nspid, umask_and_rss_anon, kthread_line) in table {
        let status = status_text(&p, &facts(kernel));
        assert_eq!(status.contains("\nNSpid:\t100\t1\n"), nspid, "{kernel}");
        assert_eq!(
            status.contains("\nUmask:\t0022\n"),
            umask_and_rss_anon,
            "{kernel}"
        );
        assert_eq!(
            status.contains("\nRssAnon:"),
            umask_and_rss_anon,
            "{kernel}"
        );
        assert_eq!(status.contains("\nKthread:\t0\n"), kthread_line, "{kernel}");
        assert!(status.starts_with("Name:\tapp\n"), "{kernel}");
    }
}

#[test]
fn cmdline_is_nul_terminated_args_or_a_bare_title() {
    let args = Process::new(1, 0, &["nginx", "-g", "daemon off;"]);
    assert_eq!(cmdline_bytes(&args), b"nginx\0-g\0daemon off;\0".to_vec());
    let title = Process::new(2, 1, &[]).retitled("nginx: worker process", 0);
    assert_eq!(cmdline_bytes(&title), b"nginx: worker process".to_vec());
    let padded = Process::new(3, 1, &[]).retitled("sshd: a", 2);
    assert_eq!(cmdline_bytes(&padded), b"sshd: a\0\0".to_vec());
}

#[test]
fn cgroup_file_lists_v1_hierarchies_in_order_and_the_unified_line_last_on_hybrid() {
    let v1 = FakeNode::new(
        facts("3.10.0-957.el7.x86_64"),
        CgroupSetup::v1(el7_hierarchies()),
    );
    let p = Process::new(5, 1, &["a"])
        .cgroup("/x")
        .cgroup_in("systemd", "/x/sub");
    let text = cgroup_file_text(&p, &v1);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first(), Some(&"11:memory:/x"));
    assert_eq!(lines.last(), Some(&"1:name=systemd:/x/sub"));
    assert_eq!(lines.len(), 11);

    let hybrid = FakeNode::new(facts("5.4.0-1"), CgroupSetup::hybrid(el7_hierarchies()));
    let text = cgroup_file_text(&p.clone().cgroup_in("unified", "/u"), &hybrid);
    assert_eq!(text.lines().last(), Some("0::/u"));

    let v2 = FakeNode::new(facts("6.1.0-1"), CgroupSetup::v2(&["cpu", "memory"]));
    assert_eq!(v2.cgroups.mode, CgroupMode::V2);
    assert_eq!(cgroup_file_text(&p, &v2), "0::/x\n");
}

#[test]
fn cpu_weight_is_derived_from_shares_like_runc() {
    let table = [(2, 1), (1024, 39), (102, 4), (262144, 10000)];
    for (shares, weight) in table {
        assert_eq!(
            CgroupSpec::new().cpu_shares(shares).cpu_weight(),
            weight,
            "shares {shares}"
        );
    }
    assert_eq!(
        CgroupSpec::new().cpu_weight(),
        100,
        "no shares: the default weight"
    );
}

#[test]
fn cgroup_paths_normalize_and_nest() {
    assert_eq!(normalize_cgroup("a/b/"), "/a/b");
    assert_eq!(normalize_cgroup("/"), "/");
    assert!(is_within("/a/b", "/a"));
    assert!(is_within("/a", "/a"));
    assert!(is_within("/a", "/"));
    assert!(
        !is_within("/ab", "/a"),
        "a sibling sharing a prefix is not inside"
    );
}

#[test]
fn cgroup_dirs_include_ancestors_and_only_the_declared_empty_cgroups() {
    let mut node = FakeNode::new(
        facts("6.1.0-1"),
        CgroupSetup::v2(&["cpu", "memory", "pids"]),
    );
    node.process(Process::new(1, 0, &["init"]).cgroup("/init.scope"));
    node.process(Process::new(10, 1, &["a"]).cgroup("/k/p/c"));
    node.cgroup("/k/empty", CgroupSpec::new().everywhere());
    node.cgroup("/k/only-values", CgroupSpec::new().pids_limit(5));
    let h = node.cgroups.hierarchies().remove(0);
    let dirs: Vec<String> = node.cgroup_dirs(&h).into_iter().collect();
    assert_eq!(
        dirs,
        ["/", "/init.scope", "/k", "/k/empty", "/k/p", "/k/p/c"]
    );
    assert_eq!(node.members(&h, "/k/p/c"), vec![10]);
    assert_eq!(node.members(&h, "/k/p"), Vec::<u32>::new());
}

#[test]
fn zombies_keep_only_pid_and_user_links_and_leave_cgroup_procs() {
    let mut node = FakeNode::new(facts("5.15.0-1"), CgroupSetup::v2(&["pids"]));
    node.process(Process::new(1, 0, &["init"]));
    node.process(
        Process::new(20, 1, &["z"])
            .state('Z')
            .cgroup("/c")
            .ns(NsSet::host()),
    );
    let tmp = crate::util::TempDir::new("zombie");
    node.write_to(tmp.path()).expect("write");
    let mut links: Vec<String> = std::fs::read_dir(tmp.path().join("proc/20/ns"))
        .expect("ns dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    links.sort();
    assert_eq!(links, ["pid", "user"]);
    assert_eq!(
        crate::util::read(tmp.path(), "sys/fs/cgroup/c/cgroup.procs"),
        ""
    );
    assert_eq!(crate::util::read(tmp.path(), "proc/20/cgroup"), "0::/c\n");
}

#[test]
fn cpu_masks_print_in_32_bit_groups_like_the_kernel() {
    let table = [
        (1, "1"),
        (4, "f"),
        (8, "ff"),
        (32, "ffffffff"),
        (36, "f,ffffffff"),
        (64, "ffffffff,ffffffff"),
    ];
    for (cpus, mask) in table {
        assert_eq!(cpu_mask(cpus), mask, "{cpus} cpus");
    }
}
