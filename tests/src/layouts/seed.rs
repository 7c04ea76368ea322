//! The seed walkthrough's node (`/work/shared/seed/`): CentOS 7, kernel 3.10, cgroup v1 with the
//! cgroupfs driver, dockershim over docker and containerd with one containerd-shim v1 per
//! container. Every pid, container id, pod uid, cgroup path and namespace inode the walkthrough
//! prints is used verbatim; tests/fixtures/seed-node.md lists what is invented.

use super::common::{
    add_kernel_threads, add_pod_log, burstable_oom_score_adj, group_rhel, passwd_rhel, quota_us,
    rfc3339, shares, LogFile, BESTEFFORT_OOM_SCORE_ADJ, MIB, SANDBOX_OOM_SCORE_ADJ,
};
use crate::fake_node::{
    el7_hierarchies, CgroupSetup, CgroupSpec, FakeNode, NodeFacts, NsSet, Process,
};
use crate::runtime_files::{docker_config_v2, string_map, DockerContainer};

const CONTAINERD: u32 = 2841;
const DOCKERD: u32 = 2842;
const SSHD: u32 = 1025;
/// MemTotal in bytes: the kubelet's memory capacity, which oom_score_adj is computed from.
const CAPACITY_BYTES: u64 = 16267928 * 1024;
/// 2020-06-15 16:48:44 CST.
const BOOT_EPOCH: u64 = 1592210924;
/// The walkthrough ran `systemctl status` on 2020-06-17 around 10:28 CST: 1 day 17h 39m up.
const UPTIME_SECS: f64 = 149956.37;

/// systemd 219 realizes a delegated unit only in the controllers it knows.
const SYSTEMD_219_CONTROLLERS: &[&str] = &["systemd", "cpu,cpuacct", "blkio", "memory", "devices"];

/// One container as docker knows it.
struct Ctr {
    id: &'static str,
    /// The kubelet's container name; `POD` for the sandbox.
    name: &'static str,
    shim: u32,
    /// 0: the container has exited, its shim stayed.
    pid: u32,
    image: &'static str,
    path: &'static str,
    args: &'static [&'static str],
    started: f64,
}

struct Pod {
    uid: &'static str,
    name: &'static str,
    namespace: &'static str,
    /// `besteffort` or `burstable` (the walkthrough's node has no guaranteed pod).
    qos: &'static str,
    containers: Vec<Ctr>,
}

fn shim_argv(id: &str) -> Vec<String> {
    format!(
        "containerd-shim -namespace moby -workdir /var/lib/containerd/io.containerd.runtime.v1.linux/moby/{id} \
         -address /run/containerd/containerd.sock -containerd-binary /usr/bin/containerd \
         -runtime-root /var/run/docker/runtime-runc"
    )
    .split(' ')
    .map(str::to_string)
    .collect()
}

fn pods() -> Vec<Pod> {
    vec![
        Pod {
            uid: "f86494f1-aeea-11ea-8af4-0050569e47b9",
            name: "kube-proxy-6xk2p",
            namespace: "kube-system",
            qos: "besteffort",
            containers: vec![
                Ctr {
                    id: "1ff0ae01463af951a16ac8e7006ec99333e8a42578118791529755b5704de4cb",
                    name: "POD",
                    shim: 5929,
                    pid: 5982,
                    image: "k8s.gcr.io/pause:3.1",
                    path: "/pause",
                    args: &[],
                    started: 92.41,
                },
                Ctr {
                    id: "167e38f31f6f225fe7e53a6fc31a1aebb85628531b6b3b438a3591fffefca93c",
                    name: "kube-proxy",
                    shim: 6210,
                    pid: 6227,
                    image: "k8s.gcr.io/kube-proxy:v1.15.3",
                    path: "/usr/local/bin/kube-proxy",
                    args: &[
                        "--config=/var/lib/kube-proxy/config.conf",
                        "--hostname-override=my-node1",
                    ],
                    started: 95.87,
                },
            ],
        },
        Pod {
            uid: "f5f16f15-af9e-11ea-8af4-0050569e47b9",
            name: "nginx-redis",
            namespace: "default",
            qos: "burstable",
            containers: vec![
                Ctr {
                    id: "63ee2df4c255110248842e885fb0b9dafca9791dda6a00499bbc3fc99e153743",
                    name: "POD",
                    shim: 19039,
                    pid: 19057,
                    image: "k8s.gcr.io/pause:3.1",
                    path: "/pause",
                    args: &[],
                    started: 79706.12,
                },
                Ctr {
                    id: "9934ac36efade11bde691c12729a1dfa7483b8864ae4ded7a77a03f3b6e84d94",
                    name: "redis",
                    shim: 19338,
                    pid: 19356,
                    image: "redis:5.0",
                    path: "docker-entrypoint.sh",
                    args: &["redis-server"],
                    started: 79718.55,
                },
                Ctr {
                    id: "d62b4a22abd21d47636a1c84e970ad7e76d8fe633232715f74606ee93c71291a",
                    name: "nginx",
                    shim: 19407,
                    pid: 19431,
                    image: "nginx:1.17",
                    path: "nginx",
                    args: &["-g", "daemon off;"],
                    started: 79721.03,
                },
            ],
        },
        Pod {
            uid: "4e11582d-aeea-11ea-8af4-0050569e47b9",
            name: "safe-nginx-668c459d6-pp7bx",
            namespace: "xxx-xxxx",
            qos: "burstable",
            containers: vec![
                Ctr {
                    id: "0a5529d9b0fcb544630ea2722c8a82feaa8c3d2efd7ea4118bc5713ffa604437",
                    name: "POD",
                    shim: 7156,
                    pid: 7175,
                    image: "k8s.gcr.io/pause:3.1",
                    path: "/pause",
                    args: &[],
                    started: 115.20,
                },
                Ctr {
                    id: "52eeb71ffa22cd8020a6214fa1a556c2e22c3012858a75aa5799b021502916e1",
                    name: "safe-nginx",
                    shim: 7320,
                    pid: 7337,
                    image: "xxxx/xxxx/safe-nginx",
                    path: "nginx",
                    args: &["-g", "daemon off;"],
                    started: 118.64,
                },
                Ctr {
                    id: "c3d3530cf2f5dddff0d1a37c5cd6791ffb15cf21d5e1096d96ca36269e077136",
                    name: "init-config",
                    shim: 8087,
                    pid: 0,
                    image: "busybox:1.31",
                    path: "sh",
                    args: &["-c", "cp /config/* /etc/nginx/conf.d/"],
                    started: 131.02,
                },
            ],
        },
        Pod {
            uid: "f8697bea-aeea-11ea-8af4-0050569e47b9",
            name: "kube-flannel-ds-amd64-r8h5k",
            namespace: "kube-system",
            qos: "burstable",
            containers: vec![
                Ctr {
                    id: "dcbc2486a119dac68cb6bb2b90941411927c27a0a58c9027475026d02b83e224",
                    name: "POD",
                    shim: 5914,
                    pid: 5967,
                    image: "k8s.gcr.io/pause:3.1",
                    path: "/pause",
                    args: &[],
                    started: 91.05,
                },
                Ctr {
                    id: "1ac5b03e0a9683313a409330a0c7390ea908d963ec9955ff71d2739882924c2d",
                    name: "kube-flannel",
                    shim: 6575,
                    pid: 6593,
                    image: "quay.io/coreos/flannel:v0.11.0-amd64",
                    path: "/opt/bin/flanneld",
                    args: &["--ip-masq", "--kube-subnet-mgr"],
                    started: 100.33,
                },
                Ctr {
                    id: "99e0fbfa76ad0141bce359555fa343380a0c27b8a441609b9fe41beed954eda4",
                    name: "install-cni",
                    shim: 6944,
                    pid: 6962,
                    image: "quay.io/coreos/flannel:v0.11.0-amd64",
                    path: "/bin/sh",
                    args: &["/install-cni.sh"],
                    started: 110.48,
                },
                Ctr {
                    id: "08bcf4df1a2072dc69f825517c6c1ace3ed81886d420fe974fc0683ae61aa7fb",
                    name: "install-cni-conf",
                    shim: 7342,
                    pid: 0,
                    image: "quay.io/coreos/flannel:v0.11.0-amd64",
                    path: "cp",
                    args: &["-f", "/etc/kube-flannel/cni-conf.json", "/etc/cni/net.d/10-flannel.conflist"],
                    started: 119.90,
                },
            ],
        },
        Pod {
            uid: "f8662a28-aeea-11ea-8af4-0050569e47b9",
            name: "node-exporter-5tq7w",
            namespace: "monitoring",
            qos: "burstable",
            containers: vec![
                Ctr {
                    id: "aa8c844c2907348c09244c240927964494ab1a43181c1e2cd1e8154e4451bb78",
                    name: "POD",
                    shim: 5918,
                    pid: 5974,
                    image: "k8s.gcr.io/pause:3.1",
                    path: "/pause",
                    args: &[],
                    started: 91.30,
                },
                Ctr {
                    id: "a18a4606e095579037d4e7f10276b64ab020abf76472598c39acfa67cd16b0f2",
                    name: "node-exporter",
                    shim: 6698,
                    pid: 6715,
                    image: "quay.io/prometheus/node-exporter:v0.18.1",
                    path: "/bin/node_exporter",
                    args: &[
                        "--web.listen-address=127.0.0.1:9100",
                        "--path.procfs=/host/proc",
                        "--path.sysfs=/host/sys",
                        "--path.rootfs=/host/root",
                        "--collector.textfile.directory=/host/key",
                        "--collector.filesystem.ignored-mount-points=^/(dev|proc|sys|var/lib/docker/.+)($|/)",
                    ],
                    started: 105.71,
                },
                Ctr {
                    id: "599b533be6646195bc24f5d32bf2551a131a207fd469522608fe7916b187c7cc",
                    name: "kube-rbac-proxy",
                    shim: 7031,
                    pid: 7049,
                    image: "quay.io/coreos/kube-rbac-proxy:v0.4.1",
                    path: "./kube-rbac-proxy",
                    args: &[
                        "--logtostderr",
                        "--secure-listen-address=11.11.176.68:9100",
                        "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_GCM_SHA256",
                        "--upstream=http://127.0.0.1:9100/",
                    ],
                    started: 112.16,
                },
            ],
        },
    ]
}

/// A host process in a systemd unit: the unit's cgroup in name=systemd, `/` elsewhere.
fn unit(p: Process, unit_path: &str) -> Process {
    p.cgroup("/").cgroup_in("systemd", unit_path)
}

/// A process of a `Delegate=yes` unit (docker, containerd): realized in systemd 219's
/// controllers, `/` in the others.
fn delegated(mut p: Process, unit_path: &str) -> Process {
    p = p.cgroup("/");
    for key in SYSTEMD_219_CONTROLLERS {
        p = p.cgroup_in(key, unit_path);
    }
    p
}

struct Inodes(u64);

impl Inodes {
    fn next(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }
}

pub fn seed_node() -> FakeNode {
    let facts = NodeFacts {
        hostname: "my-node1".into(),
        kernel_release: "3.10.0-957.el7.x86_64".into(),
        kernel_build: "(mockbuild@kbuilder.bsys.centos.org) (gcc version 4.8.5 20150623 (Red Hat 4.8.5-36) (GCC) ) #1 SMP Thu Nov 8 23:39:32 UTC 2018".into(),
        os_release: "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\nANSI_COLOR=\"0;31\"\nCPE_NAME=\"cpe:/o:centos:centos:7\"\nHOME_URL=\"https://www.centos.org/\"\nBUG_REPORT_URL=\"https://bugs.centos.org/\"\n\nCENTOS_MANTISBT_PROJECT=\"CentOS-7\"\nCENTOS_MANTISBT_PROJECT_VERSION=\"7\"\nREDHAT_SUPPORT_PRODUCT=\"centos\"\nREDHAT_SUPPORT_PRODUCT_VERSION=\"7\"\n\n".into(),
        boot_epoch: BOOT_EPOCH,
        uptime_centis: (UPTIME_SECS * 100.0).round() as u64,
        boot_id: "5b1e0f7c-3d9a-4c61-8f0e-2a7d94c1b6e3".into(),
        pid_max: 32768,
        cpus: 8,
        mem_total_kb: 16267928,
        mem_available_kb: 11873220,
        passwd: passwd_rhel(&[]),
        group: group_rhel(&[]),
        extra_mounts: Vec::new(),
        root_mount: "253:0 xfs /dev/mapper/centos-root rw,attr2,inode64,noquota".into(),
    };
    let mut node = FakeNode::new(facts, CgroupSetup::v1(el7_hierarchies()));

    add_kernel_threads(&mut node, false);
    host_processes(&mut node);
    runtime_daemons(&mut node);
    pods_and_containers(&mut node);
    node
}

/// (pid, unit, argv, uid, gid, threads, rss kB, seconds after boot, oom_score_adj)
type Service = (
    u32,
    &'static str,
    &'static [&'static str],
    u32,
    u32,
    u32,
    u64,
    f64,
    i32,
);

fn host_processes(node: &mut FakeNode) {
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
        .memory_kb(6712, 194084)
        .started(0.86)
        .cpu_ticks(3410, 5922),
    );
    let services: &[Service] = &[
        (
            513,
            "systemd-journald.service",
            &["/usr/lib/systemd/systemd-journald"],
            0,
            0,
            1,
            41236,
            3.1,
            0,
        ),
        (
            531,
            "lvm2-lvmetad.service",
            &["/usr/sbin/lvmetad", "-f"],
            0,
            0,
            1,
            1808,
            3.4,
            0,
        ),
        (
            541,
            "systemd-udevd.service",
            &["/usr/lib/systemd/systemd-udevd"],
            0,
            0,
            1,
            2616,
            3.6,
            -1000,
        ),
        (
            673,
            "auditd.service",
            &["/sbin/auditd"],
            0,
            0,
            2,
            1108,
            6.9,
            -1000,
        ),
        (
            697,
            "systemd-logind.service",
            &["/usr/lib/systemd/systemd-logind"],
            0,
            0,
            1,
            1840,
            7.4,
            0,
        ),
        (
            699,
            "irqbalance.service",
            &["/usr/sbin/irqbalance", "--foreground"],
            0,
            0,
            1,
            1072,
            7.4,
            0,
        ),
        (
            700,
            "dbus.service",
            &[
                "/bin/dbus-daemon",
                "--system",
                "--address=systemd:",
                "--nofork",
                "--nopidfile",
                "--systemd-activation",
            ],
            81,
            81,
            1,
            2392,
            7.4,
            -900,
        ),
        (
            703,
            "rpcbind.service",
            &["/sbin/rpcbind", "-w"],
            32,
            32,
            1,
            1316,
            7.5,
            0,
        ),
        (
            707,
            "polkit.service",
            &["/usr/lib/polkit-1/polkitd", "--no-debug"],
            999,
            998,
            6,
            12848,
            7.5,
            0,
        ),
        (
            710,
            "rsyslog.service",
            &["/usr/sbin/rsyslogd", "-n"],
            0,
            0,
            3,
            18120,
            7.6,
            0,
        ),
        (
            713,
            "chronyd.service",
            &["/usr/sbin/chronyd"],
            998,
            996,
            1,
            1884,
            7.6,
            0,
        ),
        (
            715,
            "vgauthd.service",
            &["/usr/bin/VGAuthService", "-s"],
            0,
            0,
            1,
            5012,
            7.6,
            0,
        ),
        (
            716,
            "vmtoolsd.service",
            &["/usr/bin/vmtoolsd"],
            0,
            0,
            3,
            5464,
            7.6,
            0,
        ),
        (
            717,
            "NetworkManager.service",
            &["/usr/sbin/NetworkManager", "--no-daemon"],
            0,
            0,
            3,
            10932,
            7.7,
            0,
        ),
        (
            719,
            "gssproxy.service",
            &["/usr/sbin/gssproxy", "-D"],
            0,
            0,
            6,
            1680,
            7.7,
            0,
        ),
        (
            731,
            "crond.service",
            &["/usr/sbin/crond", "-n"],
            0,
            0,
            1,
            1648,
            8.2,
            0,
        ),
        (
            1023,
            "tuned.service",
            &["/usr/bin/python", "-Es", "/usr/sbin/tuned", "-l", "-P"],
            0,
            0,
            5,
            17204,
            9.1,
            0,
        ),
        (
            SSHD,
            "sshd.service",
            &["/usr/sbin/sshd", "-D"],
            0,
            0,
            1,
            4344,
            9.1,
            0,
        ),
        (1042, "nkucsd.service", &["nkucsd"], 0, 0, 4, 8420, 9.3, 0),
        (
            1272,
            "postfix.service",
            &["/usr/libexec/postfix/master", "-w"],
            0,
            0,
            1,
            2148,
            11.8,
            0,
        ),
        (
            5773,
            "kubelet.service",
            &[
                "/usr/local/sbin/kubelet",
                "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
                "--kubeconfig=/etc/kubernetes/kubelet.conf",
                "--pod-manifest-path=/etc/kubernetes/manifests",
                "--allow-privileged=true",
                "--network-plugin=cni",
                "--cni-conf-dir=/etc/cni/net.d",
                "--cni-bin-dir=/opt/cni/bin",
                "--cgroup-driver=cgroupfs",
                "--pod-infra-container-image=k8s.gcr.io/pause:3.1",
                "--config=/var/lib/kubelet/config.yaml",
            ],
            0,
            0,
            42,
            98312,
            61.4,
            -999,
        ),
        (
            7519,
            "rpc-statd.service",
            &["/usr/sbin/rpc.statd"],
            29,
            29,
            1,
            1404,
            126.3,
            0,
        ),
    ];
    for (pid, unit_name, argv, uid, gid, threads, rss, started, adj) in services {
        let p = Process::new(*pid, 1, argv)
            .user(*uid, *gid)
            .threads(*threads)
            .memory_kb(*rss, rss * 4 + 90000)
            .started(*started)
            .cpu_ticks(u64::from(pid % 500 + 20), u64::from(pid % 300 + 10))
            .oom_score_adj(*adj);
        node.process(unit(p, &format!("/system.slice/{unit_name}")));
    }
    // kubelet is busy: a day and a half of housekeeping.
    if let Some(kubelet) = node.get_process(5773).cloned() {
        node.process(kubelet.cpu_ticks(2_150_311, 1_204_877));
    }
    let postfix = "/system.slice/postfix.service";
    node.process(unit(
        Process::new(1274, 1272, &["qmgr", "-l", "-t", "unix", "-u"])
            .user(89, 89)
            .memory_kb(4096, 91032)
            .started(11.9)
            .group(1272, 1272),
        postfix,
    ));
    node.process(unit(
        Process::new(5409, 1272, &["pickup", "-l", "-t", "unix", "-u"])
            .user(89, 89)
            .memory_kb(4072, 91032)
            .started(149421.7)
            .group(1272, 1272),
        postfix,
    ));

    // Logins: the console (session 1) and two ssh sessions. pids wrapped at pid_max 32768
    // between session 290's shell and its `systemctl status`.
    let s1 = "/user.slice/user-0.slice/session-1.scope";
    node.process(unit(
        Process::new(1348, 1, &["login", "--", "root"])
            .memory_kb(2292, 45620)
            .started(12.4)
            .tty(1025, 1448),
        s1,
    ));
    node.process(unit(
        Process::new(1352, 1348, &["-bash"])
            .comm("bash")
            .memory_kb(2068, 115540)
            .started(31.2)
            .tty(1025, 1448),
        s1,
    ));
    node.process(unit(
        Process::new(1448, 1352, &["bash"])
            .memory_kb(2004, 115540)
            .started(48.0)
            .tty(1025, 1448)
            .group(1448, 1352),
        s1,
    ));
    let s175 = "/user.slice/user-0.slice/session-175.scope";
    node.process(unit(
        Process::new(30428, SSHD, &[])
            .comm("sshd")
            .retitled("sshd: root@pts/0", 0)
            .memory_kb(5432, 154600)
            .started(90915.6),
        s175,
    ));
    node.process(unit(
        Process::new(30430, 30428, &["-bash"])
            .comm("bash")
            .memory_kb(2136, 115544)
            .started(90916.2)
            .tty(34816, 30430),
        s175,
    ));
    let s290 = "/user.slice/user-0.slice/session-290.scope";
    node.process(unit(
        Process::new(31551, SSHD, &[])
            .comm("sshd")
            .retitled("sshd: root@pts/1", 0)
            .memory_kb(5436, 154600)
            .started(147675.1),
        s290,
    ));
    node.process(unit(
        Process::new(31579, 31551, &["-bash"])
            .comm("bash")
            .memory_kb(2144, 115544)
            .started(147675.9)
            .tty(34817, 11908),
        s290,
    ));
    node.process(unit(
        Process::new(11908, 31579, &["systemctl", "status"])
            .memory_kb(2668, 127080)
            .started(149955.2)
            .tty(34817, 11908)
            .group(11908, 31579),
        s290,
    ));
    node.process(unit(
        Process::new(11909, 11908, &["less"])
            .memory_kb(1012, 110244)
            .started(149955.2)
            .tty(34817, 11908)
            .group(11908, 31579)
            .state('R'),
        s290,
    ));
}

fn runtime_daemons(node: &mut FakeNode) {
    node.process(delegated(
        Process::new(CONTAINERD, 1, &["/usr/bin/containerd"])
            .threads(31)
            .memory_kb(63212, 2216676)
            .started(19.7)
            .cpu_ticks(331_045, 189_220)
            .oom_score_adj(-999),
        "/system.slice/containerd.service",
    ));
    node.process(delegated(
        Process::new(
            DOCKERD,
            1,
            &[
                "/usr/bin/dockerd",
                "-H",
                "fd://",
                "--containerd=/run/containerd/containerd.sock",
            ],
        )
        .threads(44)
        .memory_kb(112436, 2701204)
        .started(19.8)
        .cpu_ticks(512_904, 233_118)
        .oom_score_adj(-500),
        "/system.slice/docker.service",
    ));
}

fn pods_and_containers(node: &mut FakeNode) {
    let host = NsSet::host();
    let mut inodes = Inodes(4026532199);
    // (pod uid) -> (host network, host pid)
    let host_namespaces = |uid: &str| match uid {
        "f86494f1-aeea-11ea-8af4-0050569e47b9" | "f8697bea-aeea-11ea-8af4-0050569e47b9" => {
            (true, false)
        }
        "f8662a28-aeea-11ea-8af4-0050569e47b9" => (true, true),
        _ => (false, false),
    };

    node.cgroup(
        "/kubepods",
        CgroupSpec::new()
            .cpu_shares(8192)
            .memory_limit(15_610_343_424),
    );
    node.cgroup("/kubepods/besteffort", CgroupSpec::new().cpu_shares(2));
    node.cgroup(
        "/kubepods/burstable",
        CgroupSpec::new()
            .cpu_shares(shares(100) * 3 + shares(200) + shares(102) + shares(10) + shares(100)),
    );

    let mut all_pods = pods();
    // Shims start in pid order; the pods' namespaces are made in the order of their pause.
    all_pods.sort_by_key(|p| p.containers.first().map(|c| c.pid).unwrap_or(0));
    for pod in &all_pods {
        let (host_net, host_pid) = host_namespaces(pod.uid);
        let pod_cgroup = format!("/kubepods/{}/pod{}", pod.qos, pod.uid);
        let sandbox_ns = if pod.uid == "f5f16f15-af9e-11ea-8af4-0050569e47b9" {
            // Printed by `ll /proc/19057/ns` in the walkthrough.
            NsSet {
                ipc: 4026532659,
                mnt: 4026532657,
                net: 4026532662,
                pid: 4026532660,
                uts: 4026532658,
                ..host
            }
        } else {
            NsSet {
                ipc: inodes.next(),
                mnt: inodes.next(),
                pid: if host_pid { host.pid } else { inodes.next() },
                net: if host_net { host.net } else { inodes.next() },
                uts: if host_net { host.uts } else { inodes.next() },
                ..host
            }
        };
        pod_cgroup_spec(node, pod, &pod_cgroup);

        for ctr in &pod.containers {
            let ctr_cgroup = format!("{pod_cgroup}/{}", ctr.id);
            let is_sandbox = ctr.name == "POD";
            // The shim: child of containerd, own process group, containerd's session.
            node.process(delegated(
                Process::new(ctr.shim, CONTAINERD, &[])
                    .comm("containerd-shim")
                    .threads(10)
                    .memory_kb(4820, 110_000)
                    .started(ctr.started - 0.05)
                    .cpu_ticks(ctr.shim as u64 % 900 + 200, ctr.shim as u64 % 400 + 90)
                    .group(ctr.shim, CONTAINERD)
                    .oom_score_adj(-999),
                "/system.slice/containerd.service",
            ));
            let shim_args = shim_argv(ctr.id);
            if let Some(shim) = node.get_process(ctr.shim).cloned() {
                node.process(Process {
                    cmdline: crate::fake_node::Cmdline::Args(shim_args),
                    ..shim
                });
            }
            node.cgroup(&ctr_cgroup, container_spec(pod.uid, ctr.name));
            add_docker_metadata(node, pod, ctr, is_sandbox);
            if ctr.pid != 0 {
                add_docker_mounts(node, ctr.id, is_sandbox);
            }
            if ctr.pid == 0 {
                continue;
            }
            let ns = if is_sandbox {
                sandbox_ns
            } else {
                match ctr.pid {
                    19356 => NsSet {
                        mnt: 4026532654,
                        pid: 4026532656,
                        uts: 4026532655,
                        ..sandbox_ns
                    },
                    19431 => NsSet {
                        mnt: 4026532849,
                        pid: 4026532851,
                        uts: 4026532850,
                        ..sandbox_ns
                    },
                    _ => NsSet {
                        mnt: inodes.next(),
                        pid: if host_pid { host.pid } else { inodes.next() },
                        uts: if host_net { host.uts } else { inodes.next() },
                        ..sandbox_ns
                    },
                }
            };
            let adj = container_oom_score_adj(pod.qos, ctr.name);
            for p in container_processes(ctr, adj) {
                let p = p.cgroup(&ctr_cgroup).ns(ns);
                // kube-proxy moves itself into a `kube-proxy` sub-cgroup (--resource-container);
                // the walkthrough's systemd-cgls shows it in name=systemd.
                let p = if p.pid == 6227 {
                    p.cgroup_in("systemd", &format!("{ctr_cgroup}/kube-proxy"))
                } else {
                    p
                };
                node.process(p);
            }
        }
    }
}

fn pod_cgroup_spec(node: &mut FakeNode, pod: &Pod, path: &str) {
    let spec = match pod.uid {
        "f5f16f15-af9e-11ea-8af4-0050569e47b9" => CgroupSpec::new()
            .cpu_shares(shares(100) + shares(100))
            .cpu_quota(quota_us(500) + quota_us(1000), 100000)
            .memory_limit(768 * MIB),
        "4e11582d-aeea-11ea-8af4-0050569e47b9" => CgroupSpec::new()
            .cpu_shares(shares(200))
            .cpu_quota(quota_us(1000), 100000)
            .memory_limit(512 * MIB),
        "f8697bea-aeea-11ea-8af4-0050569e47b9" => CgroupSpec::new().cpu_shares(shares(100)),
        "f8662a28-aeea-11ea-8af4-0050569e47b9" => CgroupSpec::new()
            .cpu_shares(shares(102) + shares(10))
            .cpu_quota(quota_us(250) + quota_us(20), 100000)
            .memory_limit(180 * MIB + 40 * MIB),
        _ => CgroupSpec::new().cpu_shares(2),
    };
    node.cgroup(path, spec);
}

fn container_spec(pod_uid: &str, name: &str) -> CgroupSpec {
    match (pod_uid, name) {
        (_, "POD") => CgroupSpec::new().cpu_shares(2),
        ("f5f16f15-af9e-11ea-8af4-0050569e47b9", "nginx") => CgroupSpec::new()
            .cpu_shares(shares(100))
            .cpu_quota(quota_us(500), 100000)
            .memory_limit(256 * MIB)
            .memory_extra(6 * MIB),
        ("f5f16f15-af9e-11ea-8af4-0050569e47b9", "redis") => CgroupSpec::new()
            .cpu_shares(shares(100))
            .cpu_quota(quota_us(1000), 100000)
            .memory_limit(512 * MIB)
            .memory_extra(2 * MIB)
            .throttling(790_400, 1_210, 38_400_000),
        (_, "safe-nginx") => CgroupSpec::new()
            .cpu_shares(shares(200))
            .cpu_quota(quota_us(1000), 100000)
            .memory_limit(512 * MIB),
        (_, "kube-flannel") => CgroupSpec::new()
            .cpu_shares(shares(100))
            .cpu_quota(quota_us(100), 100000)
            .memory_limit(50 * MIB)
            .throttling(1_498_200, 2_315, 96_100_000),
        (_, "node-exporter") => CgroupSpec::new()
            .cpu_shares(shares(102))
            .cpu_quota(quota_us(250), 100000)
            .memory_limit(180 * MIB),
        (_, "kube-rbac-proxy") => CgroupSpec::new()
            .cpu_shares(shares(10))
            .cpu_quota(quota_us(20), 100000)
            .memory_limit(40 * MIB),
        _ => CgroupSpec::new().cpu_shares(2),
    }
}

fn container_oom_score_adj(qos: &str, name: &str) -> i32 {
    let request_mib = match name {
        "POD" => return SANDBOX_OOM_SCORE_ADJ,
        _ if qos == "besteffort" => return BESTEFFORT_OOM_SCORE_ADJ,
        "nginx" => 64,
        "redis" => 128,
        "safe-nginx" => 256,
        "kube-flannel" => 50,
        "node-exporter" => 180,
        "kube-rbac-proxy" => 20,
        _ => 0,
    };
    burstable_oom_score_adj(request_mib * MIB, CAPACITY_BYTES)
}

/// The processes of one running container: its first process, child of the shim, and the
/// children the walkthrough shows.
fn container_processes(ctr: &Ctr, adj: i32) -> Vec<Process> {
    let started = ctr.started;
    let base = |p: Process| p.started(started).oom_score_adj(adj);
    match ctr.name {
        "POD" => vec![base(
            Process::new(ctr.pid, ctr.shim, &["/pause"])
                .memory_kb(320, 1024)
                .cpu_ticks(0, 1),
        )],
        "redis" => vec![base(
            Process::new(ctr.pid, ctr.shim, &["redis-server"])
                .user(100, 101)
                .threads(4)
                .memory_kb(9840, 52_236)
                .cpu_ticks(12_004, 8_096),
        )],
        "nginx" | "safe-nginx" => {
            let workers: Vec<u32> = if ctr.pid == 7337 {
                (7380..=7387).collect()
            } else {
                (19453..=19460).collect()
            };
            let mut out = vec![base(
                Process::new(ctr.pid, ctr.shim, &[])
                    .comm("nginx")
                    .retitled("nginx: master process nginx -g daemon off;", 0)
                    .memory_kb(3344, 32_604),
            )];
            for w in workers {
                out.push(base(
                    Process::new(w, ctr.pid, &[])
                        .comm("nginx")
                        .retitled("nginx: worker process", 0)
                        .user(100, 101)
                        .memory_kb(2612, 33_088)
                        .group(ctr.pid, ctr.pid)
                        .started(started + 0.02),
                ));
            }
            out
        }
        "install-cni" => vec![
            base(
                Process::new(ctr.pid, ctr.shim, &["/bin/sh", "/install-cni.sh"])
                    .memory_kb(744, 1580),
            ),
            Process::new(7233, ctr.pid, &["sleep", "3600"])
                .memory_kb(352, 1560)
                .group(ctr.pid, ctr.pid)
                .started(149_688.4)
                .oom_score_adj(adj),
        ],
        _ => {
            let mut argv = vec![ctr.path];
            argv.extend_from_slice(ctr.args);
            let (threads, rss) = match ctr.name {
                "kube-proxy" => (11, 34_120),
                "kube-flannel" => (13, 23_880),
                "node-exporter" => (8, 19_304),
                _ => (9, 15_220),
            };
            vec![base(
                Process::new(ctr.pid, ctr.shim, &argv)
                    .threads(threads)
                    .memory_kb(rss, rss * 5)
                    .cpu_ticks(ctr.pid as u64 * 7, ctr.pid as u64 * 3),
            )]
        }
    }
}

fn add_docker_metadata(node: &mut FakeNode, pod: &Pod, ctr: &Ctr, is_sandbox: bool) {
    let sandbox_id = pod.containers[0].id;
    let name = if ctr.id.starts_with("52eeb71ffa22") {
        // As `docker ps` printed it in the walkthrough (the namespace field is blurred there).
        "/k8s_safe-nginx_668c459d6-pp7bxxx-xxxx_4e11582d-aeea-11ea-8af4-0050569e47b9_0".to_string()
    } else {
        format!(
            "/k8s_{}_{}_{}_{}_0",
            ctr.name, pod.name, pod.namespace, pod.uid
        )
    };
    let mut labels = string_map(&[
        ("io.kubernetes.pod.name", pod.name),
        ("io.kubernetes.pod.namespace", pod.namespace),
        ("io.kubernetes.pod.uid", pod.uid),
    ]);
    if is_sandbox {
        labels.extend(string_map(&[
            ("io.kubernetes.container.name", "POD"),
            ("io.kubernetes.docker.type", "podsandbox"),
            (
                "annotation.kubernetes.io/config.seen",
                "2020-06-16T14:58:41.813532144+08:00",
            ),
            ("annotation.kubernetes.io/config.source", "api"),
        ]));
    } else {
        let log_path = format!(
            "/var/log/pods/{}_{}_{}/{}/0.log",
            pod.namespace, pod.name, pod.uid, ctr.name
        );
        labels.extend(string_map(&[
            ("io.kubernetes.container.name", ctr.name),
            ("io.kubernetes.docker.type", "container"),
            ("io.kubernetes.sandbox.id", sandbox_id),
            ("io.kubernetes.container.logpath", &log_path),
            ("annotation.io.kubernetes.container.restartCount", "0"),
            (
                "annotation.io.kubernetes.container.terminationMessagePath",
                "/dev/termination-log",
            ),
            ("annotation.io.kubernetes.container.hash", "8f7c2a1b"),
        ]));
        add_pod_log(
            node,
            pod.namespace,
            pod.name,
            pod.uid,
            ctr.name,
            ctr.id,
            LogFile::DockerJson(ctr.id),
        );
    }
    let started_at = iso_after_boot(ctr.started);
    let running = ctr.pid != 0;
    let c = DockerContainer {
        id: ctr.id.to_string(),
        name,
        image: ctr.image.to_string(),
        image_id: format!("sha256:{}", ctr.id.chars().rev().collect::<String>()),
        path: ctr.path.to_string(),
        args: ctr.args.iter().map(|a| a.to_string()).collect(),
        env: vec![
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
            format!("KUBERNETES_SERVICE_HOST=10.96.0.1"),
        ],
        labels,
        hostname: if is_sandbox || running {
            pod.name.to_string()
        } else {
            String::new()
        },
        pid: ctr.pid,
        running,
        exit_code: 0,
        created: iso_after_boot(ctr.started - 0.4),
        started_at,
        finished_at: if running {
            "0001-01-01T00:00:00Z".into()
        } else {
            iso_after_boot(ctr.started + 1.3)
        },
    };
    node.file(
        &format!("var/lib/docker/containers/{}/config.v2.json", ctr.id),
        docker_config_v2(&c),
    );
}

/// RFC 3339 UTC time this many seconds after the seed node's boot.
fn iso_after_boot(secs: f64) -> String {
    rfc3339(BOOT_EPOCH as f64 + secs)
}

/// pid 1's mountinfo lines for a running docker container: its overlay2 rootfs and, for a
/// sandbox, the shm tmpfs its pod's containers share.
fn add_docker_mounts(node: &mut FakeNode, id: &str, is_sandbox: bool) {
    let n = node.facts.extra_mounts.len();
    let layer: String = id.chars().rev().collect();
    let l2 = "/var/lib/docker/overlay2/l";
    node.facts.extra_mounts.push(format!(
        "0:{} / /var/lib/docker/overlay2/{layer}/merged rw,relatime shared:{} - overlay overlay rw,lowerdir={l2}/{}:{l2}/QX7ZBD4RQYAL3WZ6ASR2FBNIEH,upperdir=/var/lib/docker/overlay2/{layer}/diff,workdir=/var/lib/docker/overlay2/{layer}/work",
        60 + n,
        300 + n,
        &layer[..26].to_uppercase()
    ));
    if is_sandbox {
        node.facts.extra_mounts.push(format!(
            "0:{} / /var/lib/docker/containers/{id}/mounts/shm rw,nosuid,nodev,noexec,relatime shared:{} - tmpfs shm rw,size=65536k",
            61 + n,
            301 + n
        ));
    }
}
