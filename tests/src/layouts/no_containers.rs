//! A plain host with no containers at all (Ubuntu 20.04, kernel 5.4, hybrid cgroups: v1
//! controllers plus the controller-less unified hierarchy at `sys/fs/cgroup/unified`).

use super::common::{add_kernel_threads, group_debian, passwd_debian};
use crate::fake_node::{modern_v1_hierarchies, CgroupSetup, FakeNode, NodeFacts, Process};

/// A systemd unit's process on Ubuntu 20.04: its unit's path in name=systemd, the unified
/// hierarchy, memory and pids (accounting on by default), `/` elsewhere.
fn unit(p: Process, path: &str) -> Process {
    let mut p = p.cgroup("/");
    for key in ["systemd", "unified", "memory", "pids", "devices"] {
        p = p.cgroup_in(key, path);
    }
    p
}

/// (pid, unit, argv, uid, threads, oom_score_adj)
type Unit = (u32, &'static str, &'static [&'static str], u32, u32, i32);

pub fn no_containers() -> FakeNode {
    let facts = NodeFacts {
        hostname: "bastion".into(),
        kernel_release: "5.4.0-169-generic".into(),
        kernel_build: "(buildd@lcy02-amd64-102) (gcc version 9.4.0 (Ubuntu 9.4.0-1ubuntu1~20.04.2)) #187-Ubuntu SMP Thu Nov 23 14:52:28 UTC 2023".into(),
        os_release: "NAME=\"Ubuntu\"\nVERSION=\"20.04.6 LTS (Focal Fossa)\"\nID=ubuntu\nID_LIKE=debian\nPRETTY_NAME=\"Ubuntu 20.04.6 LTS\"\nVERSION_ID=\"20.04\"\nHOME_URL=\"https://www.ubuntu.com/\"\nSUPPORT_URL=\"https://help.ubuntu.com/\"\nBUG_REPORT_URL=\"https://bugs.launchpad.net/ubuntu/\"\nVERSION_CODENAME=focal\nUBUNTU_CODENAME=focal\n".into(),
        boot_epoch: 1_702_290_000,
        uptime_centis: 91_033_517,
        boot_id: "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b".into(),
        pid_max: 4_194_304,
        cpus: 2,
        mem_total_kb: 2_035_244,
        mem_available_kb: 1_388_600,
        passwd: passwd_debian(&[]),
        group: group_debian(&[]),
        extra_mounts: Vec::new(),
        root_mount: "202:1 ext4 /dev/xvda1 rw,relatime,discard".into(),
    };
    let mut node = FakeNode::new(facts, CgroupSetup::hybrid(modern_v1_hierarchies()));
    add_kernel_threads(&mut node, true);
    node.process(unit(
        Process::new(1, 0, &["/sbin/init"])
            .comm("systemd")
            .memory_kb(11_200, 169_000)
            .started(0.8),
        "/init.scope",
    ));
    let units: &[Unit] = &[
        (
            402,
            "systemd-journald.service",
            &["/lib/systemd/systemd-journald"],
            0,
            1,
            -250,
        ),
        (
            437,
            "systemd-udevd.service",
            &["/lib/systemd/systemd-udevd"],
            0,
            1,
            -1000,
        ),
        (
            571,
            "systemd-networkd.service",
            &["/lib/systemd/systemd-networkd"],
            100,
            1,
            0,
        ),
        (
            589,
            "systemd-resolved.service",
            &["/lib/systemd/systemd-resolved"],
            101,
            1,
            0,
        ),
        (602, "cron.service", &["/usr/sbin/cron", "-f"], 0, 1, 0),
        (
            604,
            "dbus.service",
            &[
                "/usr/bin/dbus-daemon",
                "--system",
                "--address=systemd:",
                "--nofork",
                "--nopidfile",
                "--systemd-activation",
                "--syslog-only",
            ],
            103,
            1,
            -900,
        ),
        (
            618,
            "rsyslog.service",
            &["/usr/sbin/rsyslogd", "-n", "-iNONE"],
            106,
            4,
            0,
        ),
        (622, "snapd.service", &["/usr/lib/snapd/snapd"], 0, 12, -900),
        (
            640,
            "systemd-logind.service",
            &["/lib/systemd/systemd-logind"],
            0,
            1,
            0,
        ),
        (
            702,
            "ssh.service",
            &["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"],
            0,
            1,
            -1000,
        ),
    ];
    for (i, (pid, u, argv, uid, threads, adj)) in units.iter().enumerate() {
        let mut p = Process::new(*pid, 1, argv)
            .user(*uid, *uid)
            .threads(*threads)
            .started(2.5 + i as f64 * 0.3)
            .oom_score_adj(*adj);
        if *pid == 702 {
            p = p.comm("sshd");
        }
        node.process(unit(p, &format!("/system.slice/{u}")));
    }
    let session = "/user.slice/user-1000.slice/session-41.scope";
    let user_unit = "/user.slice/user-1000.slice/user@1000.service/init.scope";
    node.process(unit(
        Process::new(90211, 702, &[])
            .comm("sshd")
            .retitled("sshd: ops [priv]", 0)
            .memory_kb(8_900, 13_800)
            .started(907_410.0),
        session,
    ));
    node.process(unit(
        Process::new(90302, 90211, &[])
            .comm("sshd")
            .retitled("sshd: ops@pts/0", 0)
            .user(1000, 1000)
            .memory_kb(6_000, 13_900)
            .started(907_411.1)
            .group(90211, 90211),
        session,
    ));
    node.process(unit(
        Process::new(90303, 90302, &["-bash"])
            .comm("bash")
            .user(1000, 1000)
            .memory_kb(5_100, 10_100)
            .started(907_411.2)
            .tty(34816, 90544),
        session,
    ));
    node.process(unit(
        Process::new(90544, 90303, &["top"])
            .user(1000, 1000)
            .memory_kb(3_900, 11_800)
            .started(910_301.0)
            .tty(34816, 90544)
            .group(90544, 90303)
            .state('R'),
        session,
    ));
    node.process(unit(
        Process::new(90215, 1, &["/lib/systemd/systemd", "--user"])
            .comm("systemd")
            .user(1000, 1000)
            .memory_kb(9_800, 19_000)
            .started(907_410.4),
        user_unit,
    ));
    node.process(unit(
        Process::new(90216, 90215, &["(sd-pam)"])
            .user(1000, 1000)
            .memory_kb(3_200, 168_000)
            .started(907_410.4),
        user_unit,
    ));
    node
}
