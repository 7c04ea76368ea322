//! A containerd node on cgroup v2 with the systemd driver at any size, for benchmarks: `pods`
//! burstable pods, each a shim, a pause and one app container of `procs_per_pod` processes.
//! Not committed as a tree; `make-fixtures --scale PODS PROCS DIR` writes one on demand.

use super::common::{add_kernel_threads, group_debian, passwd_debian, shares, MIB};
use super::kube::container_id;
use crate::fake_node::{CgroupSetup, CgroupSpec, FakeNode, NodeFacts, NsSet, Process};
use crate::runtime_files::{oci_config, string_map, OciNamespace, OciSpec};

/// The node; pids stay below `pid_max` as long as `pods * (procs_per_pod + 2)` stays below 4M.
pub fn scaled(pods: u32, procs_per_pod: u32) -> FakeNode {
    let facts = NodeFacts {
        hostname: format!("scale-{pods}x{procs_per_pod}"),
        kernel_release: "6.1.0-13-amd64".into(),
        kernel_build: "(debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)".into(),
        os_release: "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n".into(),
        boot_epoch: 1_700_000_000,
        uptime_centis: 8_640_000,
        boot_id: "5ca1ed00-0000-4000-8000-000000000000".into(),
        pid_max: 4_194_304,
        cpus: 64,
        mem_total_kb: 263_921_000,
        mem_available_kb: 120_000_000,
        passwd: passwd_debian(&[]),
        group: group_debian(&[]),
        extra_mounts: Vec::new(),
        root_mount: "259:2 ext4 /dev/nvme0n1p2 rw,relatime".into(),
    };
    let mut node = FakeNode::new(
        facts,
        CgroupSetup::v2(&["cpuset", "cpu", "io", "memory", "pids"]),
    );
    add_kernel_threads(&mut node, true);
    node.process(
        Process::new(1, 0, &["/sbin/init"])
            .comm("systemd")
            .cgroup("/init.scope"),
    );
    node.process(
        Process::new(700, 1, &["/usr/bin/containerd"])
            .threads(60)
            .cgroup("/system.slice/containerd.service"),
    );
    node.process(
        Process::new(
            900,
            1,
            &["/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml"],
        )
        .threads(80)
        .cgroup("/system.slice/kubelet.service"),
    );
    let host = NsSet::host();
    let mut pid = 1000;
    let mut inode = 4_026_532_200;
    for n in 0..pods {
        let uid = format!("{:08x}-0000-4000-8000-{:012x}", n, n);
        let slice = format!(
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{}.slice",
            uid.replace('-', "_")
        );
        node.cgroup(
            &slice,
            CgroupSpec::new()
                .cpu_shares(shares(100))
                .memory_limit(256 * MIB),
        );
        let sandbox = container_id(&format!("scaled/{n}/sandbox"));
        let app = container_id(&format!("scaled/{n}/app"));
        pid += 1;
        let shim = pid;
        node.process(
            Process::new(
                shim,
                1,
                &[
                    "/usr/bin/containerd-shim-runc-v2",
                    "-namespace",
                    "k8s.io",
                    "-id",
                    &sandbox,
                    "-address",
                    "/run/containerd/containerd.sock",
                ],
            )
            .threads(12)
            .cgroup("/system.slice/containerd.service"),
        );
        let mut next = || {
            inode += 1;
            inode
        };
        let pod_ns = NsSet {
            ipc: next(),
            uts: next(),
            net: next(),
            mnt: next(),
            pid: next(),
            cgroup: next(),
            ..host
        };
        let app_ns = NsSet {
            mnt: next(),
            pid: next(),
            cgroup: next(),
            ..pod_ns
        };
        pid += 1;
        let pause = pid;
        node.process(
            Process::new(pause, shim, &["/pause"])
                .cgroup(&format!("{slice}/cri-containerd-{sandbox}.scope"))
                .ns(pod_ns)
                .inner_pids(&[1])
                .oom_score_adj(-998),
        );
        let app_cgroup = format!("{slice}/cri-containerd-{app}.scope");
        let first = pid + 1;
        for k in 0..procs_per_pod {
            pid += 1;
            let parent = if k == 0 { shim } else { first };
            node.process(
                Process::new(pid, parent, &["/app/worker", "--id", &k.to_string()])
                    .user(1000, 1000)
                    .cgroup(&app_cgroup)
                    .ns(app_ns)
                    .inner_pids(&[k + 1])
                    .oom_score_adj(985),
            );
        }
        for (id, kind, name) in [(&sandbox, "sandbox", "POD"), (&app, "container", "worker")] {
            let spec = OciSpec {
                args: vec!["/app/worker".into()],
                env: Vec::new(),
                hostname: format!("pod-{n}"),
                uid: 1000,
                gid: 1000,
                annotations: string_map(&[
                    ("io.kubernetes.cri.container-type", kind),
                    ("io.kubernetes.cri.container-name", name),
                    ("io.kubernetes.cri.sandbox-id", &sandbox),
                    ("io.kubernetes.cri.sandbox-name", &format!("pod-{n}")),
                    ("io.kubernetes.cri.sandbox-namespace", "bench"),
                    ("io.kubernetes.cri.sandbox-uid", &uid),
                ]),
                namespaces: vec![OciNamespace::new("pid"), OciNamespace::new("mount")],
                cgroups_path: format!(
                    "kubepods-burstable-pod{}.slice:cri-containerd:{id}",
                    uid.replace('-', "_")
                ),
                rootfs: "rootfs".into(),
            };
            node.file(
                &format!("run/containerd/io.containerd.runtime.v2.task/k8s.io/{id}/config.json"),
                oci_config(&spec, false),
            );
        }
    }
    node
}
