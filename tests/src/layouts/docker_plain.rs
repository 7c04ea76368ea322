//! A plain docker host without Kubernetes (Amazon Linux 2, kernel 4.14, cgroup v1 with the
//! cgroupfs driver: containers in `/docker/<id>`), with one shim per container, a zombie left
//! by a container process and a process stuck in D state.

use super::common::{add_kernel_threads, group_rhel, passwd_rhel, rfc3339};
use super::kube::container_id;
use crate::fake_node::{CgroupSetup, CgroupSpec, FakeNode, NodeFacts, NsSet, Process, V1Hierarchy};
use crate::runtime_files::{
    docker_config_v2, oci_config, string_map, DockerContainer, OciNamespace, OciSpec,
};

const BOOT_EPOCH: u64 = 1_705_301_110;

fn al2_hierarchies() -> Vec<V1Hierarchy> {
    vec![
        V1Hierarchy::new(11, "cpuset", "cpuset", &[]),
        V1Hierarchy::new(
            10,
            "net_cls,net_prio",
            "net_cls,net_prio",
            &["net_cls", "net_prio"],
        ),
        V1Hierarchy::new(9, "devices", "devices", &[]),
        V1Hierarchy::new(8, "cpu,cpuacct", "cpu,cpuacct", &["cpu", "cpuacct"]),
        V1Hierarchy::new(7, "freezer", "freezer", &[]),
        V1Hierarchy::new(6, "hugetlb", "hugetlb", &[]),
        V1Hierarchy::new(5, "memory", "memory", &[]),
        V1Hierarchy::new(4, "blkio", "blkio", &[]),
        V1Hierarchy::new(3, "perf_event", "perf_event", &[]),
        V1Hierarchy::new(2, "pids", "pids", &[]),
        V1Hierarchy::new(1, "name=systemd", "systemd", &[]),
    ]
}

/// One container: name, image, first process argv, uid, threads, rss, memory limit.
struct Ctr {
    name: &'static str,
    image: &'static str,
    argv: &'static [&'static str],
    title: Option<&'static str>,
    uid: u32,
    threads: u32,
    rss_kb: u64,
    memory_limit: Option<u64>,
}

/// (pid, unit, argv, uid, threads, rss kB, oom_score_adj)
type Unit = (
    u32,
    &'static str,
    &'static [&'static str],
    u32,
    u32,
    u64,
    i32,
);

pub fn docker_plain() -> FakeNode {
    let facts = NodeFacts {
        hostname: "ip-10-0-3-17.eu-west-1.compute.internal".into(),
        kernel_release: "4.14.326-245.539.amzn2.x86_64".into(),
        kernel_build: "(mockbuild@ip-10-0-43-78) (gcc version 7.3.1 20180712 (Red Hat 7.3.1-17) (GCC)) #1 SMP Tue Oct 24 17:49:54 UTC 2023".into(),
        os_release: "NAME=\"Amazon Linux\"\nVERSION=\"2\"\nID=\"amzn\"\nID_LIKE=\"centos rhel fedora\"\nVERSION_ID=\"2\"\nPRETTY_NAME=\"Amazon Linux 2\"\nANSI_COLOR=\"0;33\"\nCPE_NAME=\"cpe:2.3:o:amazon:amazon_linux:2\"\nHOME_URL=\"https://amazonlinux.com/\"\nSUPPORT_END=\"2025-06-30\"\n".into(),
        boot_epoch: BOOT_EPOCH,
        uptime_centis: 38_112_230,
        boot_id: "4d2b9a10-7c3e-4f51-9e8d-0a6b5c4d3e2f".into(),
        pid_max: 4_194_304,
        cpus: 2,
        mem_total_kb: 3_977_068,
        mem_available_kb: 1_604_400,
        passwd: passwd_rhel(&["ec2-user:x:1000:1000:EC2 Default User:/home/ec2-user:/bin/bash"]),
        group: group_rhel(&["docker:x:992:ec2-user", "ec2-user:x:1000:"]),
        extra_mounts: Vec::new(),
        root_mount: "259:1 xfs /dev/nvme0n1p1 rw,noatime,attr2,inode64,noquota".into(),
    };
    let mut node = FakeNode::new(facts, CgroupSetup::v1(al2_hierarchies()));
    add_kernel_threads(&mut node, true);
    node.process(
        Process::new(
            1,
            0,
            &[
                "/usr/lib/systemd/systemd",
                "--switched-root",
                "--system",
                "--deserialize",
                "21",
            ],
        )
        .comm("systemd")
        .memory_kb(9_100, 191_000)
        .started(0.7),
    );
    let units: &[Unit] = &[
        (
            1630,
            "systemd-journald.service",
            &["/usr/lib/systemd/systemd-journald"],
            0,
            1,
            14_000,
            0,
        ),
        (
            1655,
            "systemd-udevd.service",
            &["/usr/lib/systemd/systemd-udevd"],
            0,
            1,
            4_300,
            -1000,
        ),
        (
            2608,
            "dbus.service",
            &[
                "/usr/bin/dbus-daemon",
                "--system",
                "--address=systemd:",
                "--nofork",
                "--nopidfile",
                "--systemd-activation",
            ],
            81,
            1,
            2_600,
            -900,
        ),
        (
            2631,
            "chronyd.service",
            &["/usr/sbin/chronyd", "-F", "2"],
            998,
            1,
            2_900,
            0,
        ),
        (
            2990,
            "rsyslog.service",
            &["/usr/sbin/rsyslogd", "-n"],
            0,
            3,
            9_700,
            0,
        ),
        (
            3015,
            "amazon-ssm-agent.service",
            &["/usr/bin/amazon-ssm-agent"],
            0,
            9,
            23_000,
            0,
        ),
        (
            3120,
            "sshd.service",
            &["/usr/sbin/sshd", "-D"],
            0,
            1,
            6_800,
            -1000,
        ),
        (
            3122,
            "crond.service",
            &["/usr/sbin/crond", "-n"],
            0,
            1,
            3_100,
            0,
        ),
    ];
    for (i, (pid, unit, argv, uid, threads, rss, adj)) in units.iter().enumerate() {
        node.process(
            Process::new(*pid, 1, argv)
                .user(*uid, *uid)
                .threads(*threads)
                .memory_kb(*rss, rss * 5 + 50_000)
                .started(3.0 + i as f64 * 0.5)
                .oom_score_adj(*adj)
                .cgroup("/")
                .cgroup_in("systemd", &format!("/system.slice/{unit}")),
        );
    }
    // Delegate=yes: docker and containerd get their unit's cgroup in every hierarchy.
    node.process(
        Process::new(3240, 1, &["/usr/bin/containerd"])
            .threads(12)
            .memory_kb(51_000, 1_400_000)
            .started(9.1)
            .oom_score_adj(-999)
            .cgroup("/system.slice/containerd.service"),
    );
    node.process(
        Process::new(
            3388,
            1,
            &[
                "/usr/bin/dockerd",
                "-H",
                "fd://",
                "--containerd=/run/containerd/containerd.sock",
                "--default-ulimit",
                "nofile=32768:65536",
            ],
        )
        .threads(15)
        .memory_kb(88_000, 1_700_000)
        .started(10.2)
        .oom_score_adj(-500)
        .cgroup("/system.slice/docker.service"),
    );
    node.process(
        Process::new(
            3790,
            3388,
            &[
                "/usr/bin/docker-proxy",
                "-proto",
                "tcp",
                "-host-ip",
                "0.0.0.0",
                "-host-port",
                "80",
                "-container-ip",
                "172.17.0.2",
                "-container-port",
                "80",
            ],
        )
        .threads(6)
        .memory_kb(3_900, 711_000)
        .started(14.6)
        .oom_score_adj(-500)
        .cgroup("/system.slice/docker.service"),
    );

    let containers = [
        Ctr {
            name: "web",
            image: "nginx:1.25",
            argv: &["nginx", "-g", "daemon off;"],
            title: Some("nginx: master process nginx -g daemon off;"),
            uid: 0,
            threads: 1,
            rss_kb: 5_800,
            memory_limit: Some(256 * 1024 * 1024),
        },
        Ctr {
            name: "db",
            image: "postgres:15",
            argv: &["postgres"],
            title: None,
            uid: 999,
            threads: 1,
            rss_kb: 29_000,
            memory_limit: None,
        },
        Ctr {
            name: "app",
            image: "registry.example.com/thumbs:4.2",
            argv: &["node", "server.js"],
            title: None,
            uid: 1000,
            threads: 11,
            rss_kb: 96_000,
            memory_limit: Some(512 * 1024 * 1024),
        },
        Ctr {
            name: "backup",
            image: "registry.example.com/pg-backup:1.0",
            argv: &["/bin/sh", "/backup.sh"],
            title: None,
            uid: 0,
            threads: 1,
            rss_kb: 900,
            memory_limit: None,
        },
    ];
    let host = NsSet::host();
    let mut pid = 3600;
    let mut inode = 4_026_532_190;
    let mut next_inode = || {
        inode += 1;
        inode
    };
    for (i, c) in containers.iter().enumerate() {
        let id = container_id(&format!("docker-plain/{}", c.name));
        let started = 14.0 + i as f64 * 1.7;
        pid += 9;
        let shim = pid;
        node.process(
            Process::new(
                shim,
                1,
                &[
                    "/usr/bin/containerd-shim-runc-v2",
                    "-namespace",
                    "moby",
                    "-id",
                    &id,
                    "-address",
                    "/run/containerd/containerd.sock",
                ],
            )
            .threads(10)
            .memory_kb(9_600, 711_000)
            .started(started - 0.1)
            .cgroup("/system.slice/containerd.service"),
        );
        let cgroup = format!("/docker/{id}");
        let mut spec = CgroupSpec::new().cpu_shares(1024);
        if let Some(limit) = c.memory_limit {
            spec = spec.memory_limit(limit);
        }
        node.cgroup(&cgroup, spec);
        let ns = NsSet {
            ipc: next_inode(),
            mnt: next_inode(),
            net: next_inode(),
            pid: next_inode(),
            uts: next_inode(),
            ..host
        };
        pid += 4;
        let init = pid;
        let mut first = Process::new(init, shim, c.argv)
            .user(c.uid, c.uid)
            .threads(c.threads)
            .memory_kb(c.rss_kb, c.rss_kb * 6)
            .started(started)
            .cgroup(&cgroup)
            .ns(ns)
            .inner_pids(&[1]);
        if let Some(title) = c.title {
            first = first.retitled(title, 0);
        }
        node.process(first);
        let child = |pid: u32, argv: &[&str], inner: u32| {
            Process::new(pid, init, argv)
                .user(c.uid, c.uid)
                .started(started + 0.2)
                .group(init, init)
                .cgroup(&cgroup)
                .ns(ns)
                .inner_pids(&[inner])
        };
        match c.name {
            "web" => {
                for (n, inner) in [(init + 31, 29), (init + 32, 30)] {
                    node.process(
                        child(n, &[], inner)
                            .comm("nginx")
                            .retitled("nginx: worker process", 0)
                            .user(101, 101)
                            .memory_kb(3_300, 34_000),
                    );
                }
            }
            "db" => {
                for (n, title, inner) in [
                    (init + 40, "postgres: checkpointer ", 26),
                    (init + 41, "postgres: background writer ", 27),
                    (init + 42, "postgres: walwriter ", 28),
                ] {
                    node.process(
                        child(n, &[], inner)
                            .comm("postgres")
                            .retitled(title, 0)
                            .memory_kb(6_100, 220_000),
                    );
                }
            }
            "app" => {
                // An ImageMagick child the node process never reaped.
                node.process(
                    child(
                        init + 57,
                        &[
                            "convert",
                            "/tmp/in.jpg",
                            "-resize",
                            "200x200",
                            "/tmp/out.jpg",
                        ],
                        48,
                    )
                    .state('Z')
                    .started(21_800.4),
                );
            }
            "backup" => {
                // tar blocked on a hung NFS mount: uninterruptible sleep.
                node.process(
                    child(init + 3, &["tar", "czf", "/backup/db.tar.gz", "/data"], 7)
                        .state('D')
                        .memory_kb(2_400, 9_800)
                        .started(360_210.0),
                );
            }
            _ => {}
        }
        let created = rfc3339(BOOT_EPOCH as f64 + started - 0.6);
        let labels = if c.name == "db" {
            string_map(&[
                ("com.docker.compose.project", "thumbs"),
                ("com.docker.compose.service", "db"),
            ])
        } else {
            string_map(&[
                ("com.docker.compose.project", "thumbs"),
                ("com.docker.compose.service", c.name),
            ])
        };
        let dc = DockerContainer {
            id: id.clone(),
            name: format!("/{}", c.name),
            image: c.image.into(),
            image_id: format!("sha256:{}", container_id(c.image)),
            path: c.argv[0].into(),
            args: c.argv[1..].iter().map(|s| s.to_string()).collect(),
            env: vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()],
            labels,
            hostname: id[..12].to_string(),
            pid: init,
            running: true,
            exit_code: 0,
            created,
            started_at: rfc3339(BOOT_EPOCH as f64 + started),
            finished_at: "0001-01-01T00:00:00Z".into(),
        };
        node.file(
            &format!("var/lib/docker/containers/{id}/config.v2.json"),
            docker_config_v2(&dc),
        );
        let spec = OciSpec {
            args: c.argv.iter().map(|s| s.to_string()).collect(),
            env: vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()],
            hostname: id[..12].to_string(),
            uid: c.uid,
            gid: c.uid,
            annotations: Default::default(),
            namespaces: vec![
                OciNamespace::new("mount"),
                OciNamespace::joining("network", &format!("/var/run/docker/netns/{}", &id[..12])),
                OciNamespace::new("uts"),
                OciNamespace::new("pid"),
                OciNamespace::new("ipc"),
            ],
            cgroups_path: cgroup.clone(),
            rootfs: format!("/var/lib/docker/overlay2/{}/merged", container_id(&id)),
        };
        node.file(
            &format!("run/containerd/io.containerd.runtime.v2.task/moby/{id}/config.json"),
            oci_config(&spec, false),
        );
    }
    node
}
