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
    /// For containerd daemons and shims: the product that ships this containerd (`k3s`,
    /// `rke2`), where its paths say.
    pub distribution: Option<&'static str>,
    /// For daemons: the API socket their arguments name; for containerd shims: the socket of
    /// the containerd they serve (`-address`). Either tells which daemon instance is whose.
    pub address: Option<String>,
    /// For podman's conmon: the storage root podman runs on (`--exit-command-arg --root`),
    /// which is what tells two podman setups apart.
    pub storage_root: Option<String>,
}

impl RoleInfo {
    /// The container a shim's arguments name, for the model's `Process.shim_for`: a v1 shim's
    /// or conmon's container, a runc-v2 shim's task (under Kubernetes the pod's sandbox).
    /// Computed here once, from argv, and never parsed again from the joined command line.
    pub fn shim_for(&self) -> Option<ContainerId> {
        match &self.shim_target {
            Some(ShimTarget::Container(id) | ShimTarget::Task(id)) => Some(id.clone()),
            None => None,
        }
    }

    fn of(role: ProcessRole) -> RoleInfo {
        RoleInfo {
            role,
            runtime: None,
            shim_target: None,
            shim_namespace: None,
            distribution: None,
            address: None,
            storage_root: None,
        }
    }
}

/// Kernel threads are kthreadd (pid 2, whose parent is the kernel, pid 0) and its children,
/// and have no command line. Where command lines were not collected the parent alone decides.
/// A process that is pid 2 of its own pid namespace (a collector run inside a container) has
/// a parent there, so it is no kernel thread.
pub fn is_kernel_thread(pid: u32, ppid: u32, argv: &[String]) -> bool {
    let no_cmdline = argv.iter().all(|a| a.is_empty());
    (pid == 2 && ppid == 0) || (ppid == 2 && no_cmdline)
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

/// The product that ships this containerd: k3s and rke2 keep their state under
/// /var/lib/rancher and their sockets under /run/k3s.
fn containerd_distribution(argv: &[String]) -> Option<&'static str> {
    let mentions = |needle: &str| argv.iter().any(|a| a.contains(needle));
    // rke2 also listens on /run/k3s/containerd, so it is told apart first.
    if mentions("rke2") {
        Some("rke2")
    } else if mentions("k3s") {
        Some("k3s")
    } else {
        None
    }
}

/// Every value that follows `--exit-command-arg`: podman hands conmon its own flags that way.
fn exit_command_args(argv: &[String]) -> Vec<String> {
    let mut values = Vec::new();
    let mut args = argv.iter();
    while let Some(arg) = args.next() {
        if arg == "--exit-command-arg" {
            values.extend(args.next().cloned());
        } else if let Some(value) = arg.strip_prefix("--exit-command-arg=") {
            values.push(value.to_string());
        }
    }
    values
}

/// A unix socket address without its scheme; other schemes name no file.
pub fn unix_socket(address: &str) -> Option<String> {
    let path = address.strip_prefix("unix://").unwrap_or(address);
    path.starts_with('/').then(|| path.to_string())
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
            Some("moby") => RuntimeKind::Docker,
            _ => RuntimeKind::Containerd,
        };
        return RoleInfo {
            runtime: Some(runtime),
            shim_target: target,
            shim_namespace: namespace,
            distribution: containerd_distribution(argv),
            address: flag_value(argv, &["-address", "--address"]).and_then(unix_socket),
            ..RoleInfo::of(ProcessRole::Shim)
        };
    }
    if program == "conmon" || comm == "conmon" {
        let target = flag_value(argv, &["-c", "--cid"])
            .and_then(ContainerId::parse)
            .map(ShimTarget::Container);
        let podman = argv
            .iter()
            .any(|a| a.contains("podman") || a.contains("libpod"));
        let exit_argv = exit_args_with_program(&exit_command_args(argv));
        let storage_root = podman
            .then(|| flag_value(&exit_argv, &["--root"]))
            .flatten()
            .map(str::to_string);
        return RoleInfo {
            runtime: Some(if podman {
                RuntimeKind::Podman
            } else {
                RuntimeKind::CriO
            }),
            shim_target: target,
            storage_root,
            ..RoleInfo::of(ProcessRole::Shim)
        };
    }
    let daemon = match program {
        "dockerd" => Some((RuntimeKind::Docker, first_unix_host(argv))),
        "containerd" => Some((
            RuntimeKind::Containerd,
            flag_value(argv, &["-a", "--address"]).and_then(unix_socket),
        )),
        "crio" => Some((
            RuntimeKind::CriO,
            flag_value(argv, &["--listen"]).and_then(unix_socket),
        )),
        _ => None,
    };
    if let Some((runtime, address)) = daemon {
        return RoleInfo {
            runtime: Some(runtime),
            distribution: (runtime == RuntimeKind::Containerd)
                .then(|| containerd_distribution(argv))
                .flatten(),
            address,
            ..RoleInfo::of(ProcessRole::RuntimeDaemon)
        };
    }
    // k3s and rke2 rewrite their process title to `k3s server`; comm is `k3s-server`. They run
    // the kubelet in-process and containerd as a child, which is the runtime.
    let serving = |name: &str| {
        let role = |text: &str| matches!(text.strip_prefix(name), Some("-server" | "-agent"));
        role(comm)
            || role(program)
            || (program == name && argv.get(1).is_some_and(|a| a == "server" || a == "agent"))
    };
    if program == "kubelet" || comm == "kubelet" || serving("k3s") || serving("rke2") {
        return RoleInfo::of(ProcessRole::Kubelet);
    }
    // OpenShift's pause image runs /usr/bin/pod.
    let openshift_pod = argv.first().is_some_and(|a| a == "/usr/bin/pod");
    if comm == "pause" || program == "pause" || openshift_pod {
        return RoleInfo::of(ProcessRole::Sandbox);
    }
    RoleInfo::of(ProcessRole::Other)
}

/// `exit_command_args` as an argv (a program name in front), for `flag_value`.
fn exit_args_with_program(values: &[String]) -> Vec<String> {
    let mut argv = Vec::with_capacity(values.len() + 1);
    argv.push(String::new());
    argv.extend_from_slice(values);
    argv
}

/// dockerd's first unix socket among its `-H`/`--host` addresses: its API socket.
fn first_unix_host(argv: &[String]) -> Option<String> {
    argv.iter()
        .enumerate()
        .filter_map(|(i, arg)| match arg.as_str() {
            "-H" | "--host" => argv.get(i + 1).map(String::as_str),
            _ => arg
                .strip_prefix("-H=")
                .or_else(|| arg.strip_prefix("--host=")),
        })
        .find_map(|address| address.strip_prefix("unix://").and_then(unix_socket))
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
    fn k3s_shim_and_containerd_are_containerd_shipped_by_k3s() {
        let shim = format!("/var/lib/rancher/k3s/data/abc/bin/containerd-shim-runc-v2 -namespace k8s.io -id {ID} -address /run/k3s/containerd/containerd.sock");
        let info = classify_process(900, 1, "containerd-shim", &argv(&shim));
        assert_eq!(info.runtime, Some(RuntimeKind::Containerd));
        assert_eq!(info.distribution, Some("k3s"));
        assert_eq!(
            info.address.as_deref(),
            Some("/run/k3s/containerd/containerd.sock")
        );
        let daemon = "containerd -c /var/lib/rancher/k3s/agent/etc/containerd/config.toml -a /run/k3s/containerd/containerd.sock";
        let info = classify_process(800, 700, "containerd", &argv(daemon));
        assert_eq!(info.role, ProcessRole::RuntimeDaemon);
        assert_eq!(info.runtime, Some(RuntimeKind::Containerd));
        assert_eq!(info.distribution, Some("k3s"));
        assert_eq!(
            info.address.as_deref(),
            Some("/run/k3s/containerd/containerd.sock")
        );
        let rke2 = "containerd -c /var/lib/rancher/rke2/agent/etc/containerd/config.toml";
        let info = classify_process(800, 700, "containerd", &argv(rke2));
        assert_eq!(info.distribution, Some("rke2"));
    }

    #[test]
    fn k3s_and_rke2_servers_run_the_kubelet_not_containers() {
        let cases = [
            ("k3s-server", "/usr/local/bin/k3s server"),
            ("k3s-agent", "/usr/local/bin/k3s agent"),
            ("rke2", "/usr/local/bin/rke2 server"),
        ];
        for (comm, line) in cases {
            let info = classify_process(700, 1, comm, &argv(line));
            assert_eq!(info.role, ProcessRole::Kubelet, "{comm}");
            assert_eq!(info.runtime, None, "{comm}");
        }
    }

    #[test]
    fn daemons_name_their_api_sockets() {
        let dockerd = classify_process(
            3000,
            1,
            "dockerd",
            &argv(
                "/usr/sbin/dockerd -H fd:// -H unix:///tmp/x/docker.sock --data-root /tmp/x/data",
            ),
        );
        assert_eq!(dockerd.address.as_deref(), Some("/tmp/x/docker.sock"));
        let crio = classify_process(
            3000,
            1,
            "crio",
            &argv("/usr/bin/crio --listen=/run/crio/alt.sock"),
        );
        assert_eq!(crio.address.as_deref(), Some("/run/crio/alt.sock"));
    }

    #[test]
    fn podman_conmon_names_its_storage_root() {
        let line = format!("/usr/bin/conmon --api-version 1 -c {ID} -u {ID} -b /tmp/p/root/overlay-containers/{ID}/userdata --exit-command /usr/bin/podman --exit-command-arg --root --exit-command-arg /tmp/p/root --exit-command-arg --runroot --exit-command-arg /tmp/p/run");
        let info = classify_process(500, 1, "conmon", &argv(&line));
        assert_eq!(info.runtime, Some(RuntimeKind::Podman));
        assert_eq!(info.storage_root.as_deref(), Some("/tmp/p/root"));
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
        let in_a_pid_namespace = argv("realnode up --dir /tmp/rn");
        assert_eq!(
            classify_process(2, 1, "realnode", &in_a_pid_namespace).role,
            ProcessRole::Other,
            "pid 2 of a pid namespace has a parent"
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
