//! The seed-node fixture holds, byte for byte, what the seed walkthrough printed on its node.

use crate::util::{fixtures_dir, read};
use std::path::PathBuf;

fn root() -> PathBuf {
    fixtures_dir().join("seed-node")
}

/// `ps -o ppid`: the fourth field of stat.
fn ppid(pid: u32) -> u32 {
    let stat = read(&root(), &format!("proc/{pid}/stat"));
    let (_, rest) = stat.rsplit_once(") ").expect("stat");
    rest.split(' ')
        .nth(1)
        .expect("ppid")
        .parse()
        .expect("number")
}

fn cmdline(pid: u32) -> String {
    let bytes = std::fs::read(root().join(format!("proc/{pid}/cmdline"))).expect("cmdline");
    String::from_utf8_lossy(&bytes)
        .trim_end_matches('\0')
        .replace('\0', " ")
}

fn ns(pid: u32, link: &str) -> String {
    std::fs::read_link(root().join(format!("proc/{pid}/ns/{link}")))
        .expect("ns link")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn containerd_2841_is_a_child_of_pid_1_and_parent_of_every_shim() {
    assert_eq!(ppid(2841), 1);
    assert_eq!(cmdline(2841), "/usr/bin/containerd");
    assert_eq!(ppid(2842), 1);
    let shims = [
        5914, 5918, 5929, 6210, 6575, 6698, 6944, 7031, 7156, 7320, 7342, 8087, 19039, 19338, 19407,
    ];
    for shim in shims {
        assert_eq!(ppid(shim), 2841, "shim {shim}");
        assert!(
            cmdline(shim).starts_with("containerd-shim -namespace moby -workdir "),
            "{shim}"
        );
    }
}

#[test]
fn shim_7320_has_the_walkthroughs_exact_argv_and_runs_nginx_7337() {
    assert_eq!(
        cmdline(7320),
        "containerd-shim -namespace moby -workdir /var/lib/containerd/io.containerd.runtime.v1.linux/moby/52eeb71ffa22cd8020a6214fa1a556c2e22c3012858a75aa5799b021502916e1 -address /run/containerd/containerd.sock -containerd-binary /usr/bin/containerd -runtime-root /var/run/docker/runtime-runc"
    );
    assert_eq!(ppid(7337), 7320);
    assert_eq!(cmdline(7337), "nginx: master process nginx -g daemon off;");
}

#[test]
fn nginx_and_redis_cgroup_files_are_the_walkthroughs() {
    let pod = "/kubepods/burstable/podf5f16f15-af9e-11ea-8af4-0050569e47b9";
    for (pid, id) in [
        (
            19431,
            "d62b4a22abd21d47636a1c84e970ad7e76d8fe633232715f74606ee93c71291a",
        ),
        (
            19356,
            "9934ac36efade11bde691c12729a1dfa7483b8864ae4ded7a77a03f3b6e84d94",
        ),
    ] {
        let expected: String = [
            "11:memory",
            "10:cpuset",
            "9:devices",
            "8:blkio",
            "7:net_prio,net_cls",
            "6:perf_event",
            "5:pids",
            "4:cpuacct,cpu",
            "3:hugetlb",
            "2:freezer",
            "1:name=systemd",
        ]
        .iter()
        .map(|h| format!("{h}:{pod}/{id}\n"))
        .collect();
        assert_eq!(
            read(&root(), &format!("proc/{pid}/cgroup")),
            expected,
            "pid {pid}"
        );
    }
}

#[test]
fn pod_f5f16f15_shares_ipc_net_and_user_and_keeps_mnt_pid_uts_per_container() {
    let printed = [
        (
            19057,
            [
                ("ipc", 4026532659u64),
                ("mnt", 4026532657),
                ("net", 4026532662),
                ("pid", 4026532660),
                ("user", 4026531837),
                ("uts", 4026532658),
            ],
        ),
        (
            19356,
            [
                ("ipc", 4026532659),
                ("mnt", 4026532654),
                ("net", 4026532662),
                ("pid", 4026532656),
                ("user", 4026531837),
                ("uts", 4026532655),
            ],
        ),
        (
            19431,
            [
                ("ipc", 4026532659),
                ("mnt", 4026532849),
                ("net", 4026532662),
                ("pid", 4026532851),
                ("user", 4026531837),
                ("uts", 4026532850),
            ],
        ),
    ];
    for (pid, links) in printed {
        for (link, inode) in links {
            assert_eq!(ns(pid, link), format!("{link}:[{inode}]"), "pid {pid}");
        }
        let mut names: Vec<String> = std::fs::read_dir(root().join(format!("proc/{pid}/ns")))
            .expect("ns dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["ipc", "mnt", "net", "pid", "user", "uts"],
            "3.10 has these six links"
        );
    }
    assert_eq!(
        ns(1, "user"),
        "user:[4026531837]",
        "the pod uses the host's user namespace"
    );
    assert_eq!(ns(1, "net"), "net:[4026531956]");
}

#[test]
fn docker_top_parents_and_users_match() {
    assert_eq!(ppid(19057), 19039);
    assert_eq!(ppid(19356), 19338);
    assert_eq!(ppid(19431), 19407);
    for worker in 19453..=19460 {
        assert_eq!(ppid(worker), 19431);
        assert!(read(&root(), &format!("proc/{worker}/status"))
            .contains("\nUid:\t100\t100\t100\t100\n"));
    }
    assert!(read(&root(), "proc/19356/status").contains("\nUid:\t100\t100\t100\t100\n"));
    assert!(read(&root(), "proc/19431/status").contains("\nUid:\t0\t0\t0\t0\n"));
}

#[test]
fn kube_proxy_sits_in_a_sub_cgroup_only_in_name_systemd() {
    let ctr = "/kubepods/besteffort/podf86494f1-aeea-11ea-8af4-0050569e47b9/167e38f31f6f225fe7e53a6fc31a1aebb85628531b6b3b438a3591fffefca93c";
    let text = read(&root(), "proc/6227/cgroup");
    assert!(
        text.contains(&format!("1:name=systemd:{ctr}/kube-proxy\n")),
        "{text}"
    );
    assert!(text.contains(&format!("11:memory:{ctr}\n")), "{text}");
    let procs = read(
        &root(),
        &format!("sys/fs/cgroup/systemd{ctr}/kube-proxy/cgroup.procs"),
    );
    assert_eq!(procs, "6227\n");
}

#[test]
fn the_two_leftover_shims_have_no_container_processes() {
    for (shim, id) in [
        (
            7342,
            "08bcf4df1a2072dc69f825517c6c1ace3ed81886d420fe974fc0683ae61aa7fb",
        ),
        (
            8087,
            "c3d3530cf2f5dddff0d1a37c5cd6791ffb15cf21d5e1096d96ca36269e077136",
        ),
    ] {
        let children = std::fs::read_dir(root().join("proc"))
            .expect("proc")
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| ppid(*pid) == shim)
            .count();
        assert_eq!(children, 0, "shim {shim}");
        let config = read(
            &root(),
            &format!("var/lib/docker/containers/{id}/config.v2.json"),
        );
        assert!(config.contains("\"Running\":false"), "{id}");
    }
}

#[test]
fn the_safe_nginx_container_keeps_the_docker_name_as_printed() {
    let config = read(
        &root(),
        "var/lib/docker/containers/52eeb71ffa22cd8020a6214fa1a556c2e22c3012858a75aa5799b021502916e1/config.v2.json",
    );
    assert!(config.contains(
        "\"Name\":\"/k8s_safe-nginx_668c459d6-pp7bxxx-xxxx_4e11582d-aeea-11ea-8af4-0050569e47b9_0\""
    ));
    assert!(config.contains("\"Image\":\"xxxx/xxxx/safe-nginx\""));
}

#[test]
fn node_facts_are_the_walkthroughs() {
    assert_eq!(read(&root(), "proc/sys/kernel/hostname"), "my-node1\n");
    assert_eq!(
        read(&root(), "proc/sys/kernel/osrelease"),
        "3.10.0-957.el7.x86_64\n"
    );
    // Booted 2020-06-15 16:48:44 CST, 1 day 17h before `systemctl status`.
    assert!(read(&root(), "proc/stat").contains("\nbtime 1592210924\n"));
    let uptime: f64 = read(&root(), "proc/uptime")
        .split(' ')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("uptime");
    assert!((41.0 * 3600.0..42.0 * 3600.0).contains(&uptime), "{uptime}");
    assert_eq!(
        cmdline(1),
        "/usr/lib/systemd/systemd --switched-root --system --deserialize 21"
    );
}
