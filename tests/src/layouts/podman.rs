//! podman (rootful, crun, systemd cgroup manager) on cgroup v2 (Fedora 39): each container in
//! `machine.slice/libpod-<id>.scope` whose processes crun moves into a `container` sub-cgroup,
//! and its conmon in `machine.slice/libpod-conmon-<id>.scope`.

use super::common::{add_kernel_threads, group_rhel, passwd_rhel};
use super::kube::container_id;
use crate::fake_node::{CgroupSetup, CgroupSpec, FakeNode, NodeFacts, NsSet, Process};
use crate::runtime_files::{oci_config, string_map, OciNamespace, OciSpec};

/// (name, image, argv, title, uid, rss kB)
type Ctr = (
    &'static str,
    &'static str,
    &'static [&'static str],
    Option<&'static str>,
    u32,
    u64,
);

pub fn podman_v2() -> FakeNode {
    let facts = NodeFacts {
        hostname: "build-host".into(),
        kernel_release: "6.5.6-300.fc39.x86_64".into(),
        kernel_build: "(mockbuild@c4b9f0a2a1b14cbbae2c4b11dd2a0a0e) (gcc (GCC) 13.2.1 20230918 (Red Hat 13.2.1-3), GNU ld version 2.40-13.fc39) #1 SMP PREEMPT_DYNAMIC Fri Oct  6 19:57:21 UTC 2023".into(),
        os_release: "NAME=\"Fedora Linux\"\nVERSION=\"39 (Server Edition)\"\nID=fedora\nVERSION_ID=39\nPLATFORM_ID=\"platform:f39\"\nPRETTY_NAME=\"Fedora Linux 39 (Server Edition)\"\nVARIANT=\"Server Edition\"\nVARIANT_ID=server\n".into(),
        boot_epoch: 1_701_420_000,
        uptime_centis: 4_410_077,
        boot_id: "9c8b7a6d-5e4f-4031-8b2a-1c0d9e8f7a6b".into(),
        pid_max: 4_194_304,
        cpus: 4,
        mem_total_kb: 8_029_312,
        mem_available_kb: 6_112_000,
        passwd: passwd_rhel(&["builder:x:1000:1000:Builder:/home/builder:/bin/bash"]),
        group: group_rhel(&["builder:x:1000:"]),
        extra_mounts: Vec::new(),
        root_mount: "253:0 xfs /dev/mapper/fedora-root rw,seclabel,relatime,attr2,inode64,logbufs=8,logbsize=32k,noquota".into(),
    };
    let mut node = FakeNode::new(
        facts,
        CgroupSetup::v2(&[
            "cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc",
        ]),
    );
    add_kernel_threads(&mut node, true);
    node.process(
        Process::new(
            1,
            0,
            &[
                "/usr/lib/systemd/systemd",
                "--switched-root",
                "--system",
                "--deserialize=35",
                "rhgb",
            ],
        )
        .comm("systemd")
        .memory_kb(16_300, 171_000)
        .started(0.9)
        .cgroup("/init.scope"),
    );
    let units: &[(u32, &str, &[&str], u32, i32)] = &[
        (
            612,
            "systemd-journald.service",
            &["/usr/lib/systemd/systemd-journald"],
            0,
            -250,
        ),
        (
            630,
            "systemd-udevd.service",
            &["/usr/lib/systemd/systemd-udevd"],
            0,
            -1000,
        ),
        (
            801,
            "dbus-broker.service",
            &[
                "/usr/bin/dbus-broker-launch",
                "--scope",
                "system",
                "--audit",
            ],
            81,
            -900,
        ),
        (
            842,
            "chronyd.service",
            &["/usr/sbin/chronyd", "-F", "2"],
            994,
            0,
        ),
        (
            1004,
            "sshd.service",
            &["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"],
            0,
            -1000,
        ),
    ];
    for (i, (pid, unit, argv, uid, adj)) in units.iter().enumerate() {
        let mut p = Process::new(*pid, 1, argv)
            .user(*uid, *uid)
            .started(3.0 + i as f64)
            .oom_score_adj(*adj)
            .cgroup(&format!("/system.slice/{unit}"));
        if *pid == 1004 {
            p = p.comm("sshd");
        }
        node.process(p);
    }
    let host = NsSet::host();
    let containers: [Ctr; 2] = [
        (
            "web",
            "docker.io/library/nginx:1.25",
            &["nginx", "-g", "daemon off;"],
            Some("nginx: master process nginx -g daemon off;"),
            0,
            5_600,
        ),
        (
            "db",
            "docker.io/library/postgres:16",
            &["postgres"],
            None,
            999,
            30_100,
        ),
    ];
    let mut pid = 2200;
    let mut inode = 4_026_532_610;
    let mut next_inode = || {
        inode += 1;
        inode
    };
    // The image name lives in libpod's database, not in config.json.
    for (i, (name, _image, argv, title, uid, rss)) in containers.iter().enumerate() {
        let id = container_id(&format!("podman/{name}"));
        let started = 600.0 + i as f64 * 12.0;
        pid += 11;
        let conmon = pid;
        let userdata = format!("/var/lib/containers/storage/overlay-containers/{id}/userdata");
        let run_userdata = format!("/run/containers/storage/overlay-containers/{id}/userdata");
        let conmon_argv: Vec<String> = [
            "/usr/bin/conmon",
            "--api-version",
            "1",
            "-c",
            &id,
            "-u",
            &id,
            "-r",
            "/usr/bin/crun",
            "-b",
            &userdata,
            "-p",
            &format!("{run_userdata}/pidfile"),
            "-n",
            name,
            "--exit-dir",
            "/run/libpod/exits",
            "--full-attach",
            "-s",
            "-l",
            "journald",
            "--log-level",
            "warning",
            "--syslog",
            "--conmon-pidfile",
            &format!("{run_userdata}/conmon.pid"),
            "--exit-command",
            "/usr/bin/podman",
            "--exit-command-arg",
            "--root",
            "--exit-command-arg",
            "/var/lib/containers/storage",
            "--exit-command-arg",
            "container",
            "--exit-command-arg",
            "cleanup",
            "--exit-command-arg",
            &id,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let conmon_refs: Vec<&str> = conmon_argv.iter().map(String::as_str).collect();
        let conmon_cgroup = format!("/machine.slice/libpod-conmon-{id}.scope");
        node.process(
            Process::new(conmon, 1, &conmon_refs)
                .threads(2)
                .memory_kb(2_100, 80_000)
                .started(started - 0.2)
                .oom_score_adj(-1000)
                .cgroup(&conmon_cgroup),
        );
        let scope = format!("/machine.slice/libpod-{id}.scope");
        let leaf = format!("{scope}/container");
        node.cgroup(&scope, CgroupSpec::new().pids_limit(2048));
        node.cgroup(&leaf, CgroupSpec::new());
        let ns = NsSet {
            ipc: next_inode(),
            mnt: next_inode(),
            net: next_inode(),
            pid: next_inode(),
            uts: next_inode(),
            cgroup: next_inode(),
            ..host
        };
        pid += 2;
        let init = pid;
        let mut first = Process::new(init, conmon, argv)
            .user(*uid, *uid)
            .memory_kb(*rss, rss * 7)
            .started(started)
            .cgroup(&leaf)
            .ns(ns)
            .inner_pids(&[1]);
        if let Some(t) = title {
            first = first.retitled(t, 0);
        }
        node.process(first);
        let kids: &[(&str, u32)] = if *name == "web" {
            &[
                ("nginx: worker process", 101),
                ("nginx: worker process", 101),
                ("nginx: worker process", 101),
                ("nginx: worker process", 101),
            ]
        } else {
            &[
                ("postgres: checkpointer ", 999),
                ("postgres: background writer ", 999),
                ("postgres: walwriter ", 999),
                ("postgres: autovacuum launcher ", 999),
            ]
        };
        for (k, (t, kuid)) in kids.iter().enumerate() {
            let kid = init + 1 + k as u32;
            node.process(
                Process::new(kid, init, &[])
                    .comm(if *name == "web" { "nginx" } else { "postgres" })
                    .retitled(t, 0)
                    .user(*kuid, *kuid)
                    .memory_kb(4_400, 40_000)
                    .started(started + 0.3)
                    .group(init, init)
                    .cgroup(&leaf)
                    .ns(ns)
                    .inner_pids(&[2 + k as u32]),
            );
        }
        pid = init + kids.len() as u32;
        let spec = OciSpec {
            args: argv.iter().map(|s| s.to_string()).collect(),
            env: vec![
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
                "container=podman".into(),
            ],
            hostname: id[..12].to_string(),
            uid: *uid,
            gid: *uid,
            annotations: string_map(&[
                ("io.container.manager", "libpod"),
                ("io.podman.annotations.autoremove", "FALSE"),
                ("io.podman.annotations.init", "FALSE"),
                ("org.opencontainers.image.stopSignal", "3"),
                ("org.systemd.property.KillSignal", "3"),
                ("org.systemd.property.TimeoutStopUSec", "uint64 10000000"),
            ]),
            namespaces: vec![
                OciNamespace::new("pid"),
                OciNamespace::joining(
                    "network",
                    &format!("/run/netns/netns-{}", &container_id(&id)[..8]),
                ),
                OciNamespace::new("ipc"),
                OciNamespace::new("uts"),
                OciNamespace::new("mount"),
                OciNamespace::new("cgroup"),
            ],
            cgroups_path: format!("machine.slice:libpod:{id}"),
            rootfs: format!(
                "/var/lib/containers/storage/overlay/{}/merged",
                container_id(&format!("{id}/layer"))
            ),
        };
        node.file(
            &format!("var/lib/containers/storage/overlay-containers/{id}/userdata/config.json"),
            oci_config(&spec, true),
        );
    }
    node
}
