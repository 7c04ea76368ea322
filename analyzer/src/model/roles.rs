//! Tells what a process is from its name and arguments: a runtime daemon, a shim or conmon (and
//! which container or pod it manages), the kubelet, a pod's pause process, or a kernel thread.
//!
//! Pure functions of comm and argv. comm is cut to 15 bytes by the kernel, so
//! `containerd-shim-runc-v2` shows as `containerd-shim`: argv decides where it is collected.

use super::ids::ContainerId;
use super::types::{ProcessRole, RuntimeKind};

/// What a shim's arguments say it manages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShimTarget {
    /// containerd-shim v1 (`-workdir .../<id>`) or conmon (`-c <id>`): one container.
    Container(ContainerId),
    /// containerd-shim-runc-v2 (`-id <id>`): under Kubernetes the pod's sandbox id, and the shim
    /// serves every container of that pod; under docker 23+ the one container's id.
    Task(ContainerId),
}

/// The role of a process before container membership is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleInfo {
    pub role: ProcessRole,
    /// For daemons and shims: which runtime they belong to, where their arguments say.
    pub runtime: Option<RuntimeKind>,
    pub shim_target: Option<ShimTarget>,
    /// For shims: the containerd namespace (`moby` for docker, `k8s.io` for Kubernetes).
    pub shim_namespace: Option<String>,
}

impl RoleInfo {
    fn of(role: ProcessRole) -> RoleInfo {
        RoleInfo {
            role,
            runtime: None,
            shim_target: None,
            shim_namespace: None,
        }
    }
}

/// Kernel threads are children of kthreadd (pid 2), or kthreadd itself, and have no command
/// line. Where command lines were not collected the parent alone decides.
pub fn is_kernel_thread(pid: u32, ppid: u32, argv: &[String]) -> bool {
    pid == 2 || (ppid == 2 && argv.iter().all(|a| a.is_empty()))
}

/// The program's base name: argv[0]'s last path component, or comm where argv is empty.
fn program<'a>(comm: &'a str, argv: &'a [String]) -> &'a str {
    match argv.first().filter(|a| !a.is_empty()) {
        Some(first) => {
            // argv[0] may be a whole command line rewritten by the process (`nginx: master`).
            let word = first.split_whitespace().next().unwrap_or(first);
            word.rsplit('/').next().unwrap_or(word)
        }
        None => comm,
    }
}

/// The value after `flag` (`-id X`), or in `flag=X` form.
fn flag_value<'a>(argv: &'a [String], flags: &[&str]) -> Option<&'a str> {
    let mut args = argv.iter();
    while let Some(arg) = args.next() {
        for flag in flags {
            if arg == flag {
                return args.next().map(String::as_str);
            }
            if let Some(value) = arg
                .strip_prefix(flag)
                .and_then(|rest| rest.strip_prefix('='))
            {
                return Some(value);
            }
        }
    }
    None
}

/// Which containerd embeds this one: k3s and rke2 keep their state under /var/lib/rancher.
fn containerd_flavour(argv: &[String]) -> RuntimeKind {
    let mentions = |needle: &str| argv.iter().any(|a| a.contains(needle));
    // rke2 also listens on /run/k3s/containerd, so it is told apart first.
    if mentions("rke2") {
        RuntimeKind::Rke2
    } else if mentions("k3s") {
        RuntimeKind::K3s
    } else {
        RuntimeKind::Containerd
    }
}

/// Classifies one process by name and arguments.
pub fn classify_process(pid: u32, ppid: u32, comm: &str, argv: &[String]) -> RoleInfo {
    if is_kernel_thread(pid, ppid, argv) {
        return RoleInfo::of(ProcessRole::KernelThread);
    }
    let program = program(comm, argv);
    if program.starts_with("containerd-shim") || comm == "containerd-shim" {
        let namespace = flag_value(argv, &["-namespace", "--namespace"]).map(str::to_string);
        let target = if let Some(workdir) = flag_value(argv, &["-workdir", "--workdir"]) {
            let last = workdir.trim_end_matches('/').rsplit('/').next();
            last.and_then(ContainerId::parse).map(ShimTarget::Container)
        } else {
            flag_value(argv, &["-id", "--id"])
                .and_then(ContainerId::parse)
                .map(ShimTarget::Task)
        };
        let runtime = match namespace.as_deref() {
            Some("moby") => Some(RuntimeKind::Docker),
            _ => Some(containerd_flavour(argv)),
        };
        return RoleInfo {
            role: ProcessRole::Shim,
            runtime,
            shim_target: target,
            shim_namespace: namespace,
        };
    }
    if program == "conmon" || comm == "conmon" {
        let target = flag_value(argv, &["-c", "--cid"])
            .and_then(ContainerId::parse)
            .map(ShimTarget::Container);
        let podman = argv
            .iter()
            .any(|a| a.contains("podman") || a.contains("libpod"));
        return RoleInfo {
            role: ProcessRole::Shim,
            runtime: Some(if podman {
                RuntimeKind::Podman
            } else {
                RuntimeKind::CriO
            }),
            shim_target: target,
            shim_namespace: None,
        };
    }
    let daemon = match program {
        "dockerd" => Some(RuntimeKind::Docker),
        "containerd" => Some(containerd_flavour(argv)),
        "crio" => Some(RuntimeKind::CriO),
        _ => None,
    }
    .or_else(|| {
        // k3s and rke2 rewrite their process title to `k3s server`; comm is `k3s-server`.
        let serving = |name: &str| {
            let role = |text: &str| matches!(text.strip_prefix(name), Some("-server" | "-agent"));
            role(comm)
                || role(program)
                || (program == name && argv.get(1).is_some_and(|a| a == "server" || a == "agent"))
        };
        if serving("k3s") {
            Some(RuntimeKind::K3s)
        } else if serving("rke2") {
            Some(RuntimeKind::Rke2)
        } else {
            None
        }
    });
    if let Some(runtime) = daemon {
        return RoleInfo {
            runtime: Some(runtime),
            ..RoleInfo::of(ProcessRole::RuntimeDaemon)
        };
    }
    if program == "kubelet" || comm == "kubelet" {
        return RoleInfo::of(ProcessRole::Kubelet);
    }
    // OpenShift's pause image runs /usr/bin/pod.
    let openshift_pod = argv.first().is_some_and(|a| a == "/usr/bin/pod");
    if comm == "pause" || program == "pause" || openshift_pod {
        return RoleInfo::of(ProcessRole::Sandbox);
    }
    RoleInfo::of(ProcessRole::Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "52eeb71ffa22cd8020a6214fa1a556c2e22c3012858a75aa5799b021502916e1";

    fn argv(line: &str) -> Vec<String> {
        line.split(' ').map(str::to_string).collect()
    }

    fn id() -> ContainerId {
        ContainerId::parse(ID).unwrap()
    }

    #[test]
    fn containerd_shim_v1_manages_the_container_in_its_workdir() {
        let line = format!("containerd-shim -namespace moby -workdir /var/lib/containerd/io.containerd.runtime.v1.linux/moby/{ID} -address /run/containerd/containerd.sock -containerd-binary /usr/bin/containerd -runtime-root /var/run/docker/runtime-runc");
        let info = classify_process(7320, 2841, "containerd-shim", &argv(&line));
        assert_eq!(info.role, ProcessRole::Shim);
        assert_eq!(info.shim_target, Some(ShimTarget::Container(id())));
        assert_eq!(info.runtime, Some(RuntimeKind::Docker));
        assert_eq!(info.shim_namespace.as_deref(), Some("moby"));
    }

    #[test]
    fn runc_v2_shim_names_its_task_with_comm_cut_to_15_bytes() {
        let line = format!("/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id {ID} -address /run/containerd/containerd.sock");
        let info = classify_process(900, 1, "containerd-shim", &argv(&line));
        assert_eq!(info.role, ProcessRole::Shim);
        assert_eq!(info.shim_target, Some(ShimTarget::Task(id())));
        assert_eq!(info.runtime, Some(RuntimeKind::Containerd));
    }

    #[test]
    fn k3s_shim_and_containerd_belong_to_k3s() {
        let shim = format!("/var/lib/rancher/k3s/data/abc/bin/containerd-shim-runc-v2 -namespace k8s.io -id {ID} -address /run/k3s/containerd/containerd.sock");
        let info = classify_process(900, 1, "containerd-shim", &argv(&shim));
        assert_eq!(info.runtime, Some(RuntimeKind::K3s));
        let daemon = "containerd -c /var/lib/rancher/k3s/agent/etc/containerd/config.toml -a /run/k3s/containerd/containerd.sock";
        let info = classify_process(800, 700, "containerd", &argv(daemon));
        assert_eq!(info.role, ProcessRole::RuntimeDaemon);
        assert_eq!(info.runtime, Some(RuntimeKind::K3s));
        let rke2 = "containerd -c /var/lib/rancher/rke2/agent/etc/containerd/config.toml";
        let info = classify_process(800, 700, "containerd", &argv(rke2));
        assert_eq!(info.runtime, Some(RuntimeKind::Rke2));
    }

    #[test]
    fn k3s_and_rke2_servers_are_runtime_daemons() {
        let cases = [
            ("k3s-server", "/usr/local/bin/k3s server", RuntimeKind::K3s),
            ("k3s-agent", "/usr/local/bin/k3s agent", RuntimeKind::K3s),
            ("rke2", "/usr/local/bin/rke2 server", RuntimeKind::Rke2),
        ];
        for (comm, line, kind) in cases {
            let info = classify_process(700, 1, comm, &argv(line));
            assert_eq!(info.role, ProcessRole::RuntimeDaemon, "{comm}");
            assert_eq!(info.runtime, Some(kind), "{comm}");
        }
    }

    #[test]
    fn conmon_manages_the_container_after_c() {
        let line = format!("/usr/bin/conmon -b /run/containers/storage/overlay-containers/{ID}/userdata -c {ID} --exit-dir /var/run/crio/exits");
        let info = classify_process(500, 1, "conmon", &argv(&line));
        assert_eq!(info.role, ProcessRole::Shim);
        assert_eq!(info.shim_target, Some(ShimTarget::Container(id())));
        assert_eq!(info.runtime, Some(RuntimeKind::CriO));
        let podman = format!(
            "/usr/bin/conmon --api-version 1 -c {ID} -u {ID} --exit-command /usr/bin/podman"
        );
        let info = classify_process(500, 1, "conmon", &argv(&podman));
        assert_eq!(info.runtime, Some(RuntimeKind::Podman));
    }

    #[test]
    fn daemons_kubelet_and_pause_by_name() {
        let cases = [
            (
                "dockerd",
                "/usr/bin/dockerd -H fd://",
                ProcessRole::RuntimeDaemon,
            ),
            (
                "containerd",
                "/usr/bin/containerd",
                ProcessRole::RuntimeDaemon,
            ),
            ("crio", "/usr/bin/crio", ProcessRole::RuntimeDaemon),
            (
                "kubelet",
                "/usr/local/sbin/kubelet --kubeconfig=x",
                ProcessRole::Kubelet,
            ),
            ("pause", "/pause", ProcessRole::Sandbox),
            ("pod", "/usr/bin/pod", ProcessRole::Sandbox),
            ("pod", "pod --serve", ProcessRole::Other),
            (
                "nginx",
                "nginx: master process nginx -g daemon off;",
                ProcessRole::Other,
            ),
            ("bash", "-bash", ProcessRole::Other),
        ];
        for (comm, line, role) in cases {
            assert_eq!(
                classify_process(100, 1, comm, &argv(line)).role,
                role,
                "{comm}"
            );
        }
    }

    #[test]
    fn kernel_threads_are_kthreadd_and_its_children_without_cmdline() {
        assert_eq!(
            classify_process(2, 0, "kthreadd", &[]).role,
            ProcessRole::KernelThread
        );
        assert_eq!(
            classify_process(9, 2, "ksoftirqd/0", &[]).role,
            ProcessRole::KernelThread
        );
        let user = argv("/bin/sleep 1");
        assert_eq!(
            classify_process(9, 2, "sleep", &user).role,
            ProcessRole::Other
        );
        assert_eq!(
            classify_process(1, 0, "systemd", &[]).role,
            ProcessRole::Other
        );
    }

    #[test]
    fn shim_with_unreadable_arguments_is_still_a_shim() {
        let info = classify_process(7342, 2841, "containerd-shim", &[]);
        assert_eq!(info.role, ProcessRole::Shim);
        assert_eq!(info.shim_target, None);
    }

    #[test]
    fn flag_value_reads_both_spellings() {
        assert_eq!(flag_value(&argv("x --id=abc"), &["--id"]), Some("abc"));
        assert_eq!(flag_value(&argv("x -id abc"), &["-id"]), Some("abc"));
        assert_eq!(flag_value(&argv("x -id"), &["-id"]), None);
    }
}
