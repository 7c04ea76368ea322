//! Finds where the node's container runtimes keep their state, from the command lines of their
//! daemons and conmon processes and from the few lines of their config files that name those
//! places, so that a second containerd (docker's own, k3s'), or any runtime under a
//! non-default root, is read like the default one.
//!
//! Pure functions of argv and file text; the collection loop does the listing and reading.
//! Only paths leave this module: a config file is never copied, and nothing but the keys that
//! name a directory or a socket is taken from it.

use nodesnap_format::DaemonRecord;
use serde::Deserialize;

/// The programs whose processes say where runtime state lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeProgram {
    Containerd,
    Dockerd,
    Crio,
    /// CRI-O's and podman's per-container monitor: its `-b` names the container's bundle.
    Conmon,
    /// Read for its cgroup driver only (`--cgroup-driver`, its config's `cgroupDriver`).
    Kubelet,
}

impl RuntimeProgram {
    /// The program a command line runs, by argv[0]'s base name (a process title rewritten to
    /// `name args...` counts by its first word).
    pub fn of_argv(argv: &[&str]) -> Option<RuntimeProgram> {
        let first = argv.first()?;
        let word = first.split_whitespace().next().unwrap_or(first);
        match word.rsplit('/').next().unwrap_or(word) {
            "containerd" => Some(RuntimeProgram::Containerd),
            "dockerd" => Some(RuntimeProgram::Dockerd),
            "crio" => Some(RuntimeProgram::Crio),
            "conmon" => Some(RuntimeProgram::Conmon),
            "kubelet" => Some(RuntimeProgram::Kubelet),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RuntimeProgram::Containerd => "containerd",
            RuntimeProgram::Dockerd => "dockerd",
            RuntimeProgram::Crio => "crio",
            RuntimeProgram::Conmon => "conmon",
            RuntimeProgram::Kubelet => "kubelet",
        }
    }
}

/// Which parser reads a daemon's config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKind {
    /// containerd's config.toml: top-level `root` and `state`, `[grpc] address`.
    ContainerdToml,
    /// dockerd's daemon.json: `data-root` (or the old `graph`) and `exec-root`.
    DockerJson,
    /// crio.conf: `[crio] root`, `runroot`; `[crio.api] listen`.
    CrioToml,
    /// The kubelet's KubeletConfiguration (YAML or JSON): its `cgroupDriver` line alone.
    KubeletConfig,
}

/// A directory to look for container records in, relative to nothing: an absolute node path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuntimeDir {
    /// A containerd state directory: task bundles under `io.containerd.runtime.v2.task/<ns>/<id>`
    /// and `io.containerd.runtime.v1.linux/<ns>/<id>`.
    ContainerdState(String),
    /// A dockerd data root: `containers/<id>/config.v2.json`.
    DockerDataRoot(String),
    /// A containers/storage graph root (CRI-O, podman): `<driver>-containers/containers.json`
    /// and `<driver>-containers/<id>/userdata/config.json`.
    StorageRoot(String),
    /// A containers/storage run root: `<driver>-containers/<id>/userdata/{config.json,pidfile}`.
    StorageRunRoot(String),
    /// One container's bundle directory, from conmon's `-b`: its `config.json`, with the pid
    /// file conmon's `-p` names.
    Bundle {
        dir: String,
        pidfile: Option<String>,
    },
}

/// What one process's command line says about runtime state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    pub program: RuntimeProgram,
    /// For daemons: the record, with what the arguments say; the config file may add to it.
    pub record: Option<DaemonRecord>,
    /// The config file to read before the record is complete.
    pub config: Option<(String, ConfigKind)>,
    /// Directories named by the arguments alone (conmon's bundle, podman's roots).
    pub dirs: Vec<RuntimeDir>,
}

/// containerd's defaults when neither its arguments nor its config say otherwise.
const CONTAINERD_CONFIG: &str = "/etc/containerd/config.toml";
const CONTAINERD_ROOT: &str = "/var/lib/containerd";
const CONTAINERD_STATE: &str = "/run/containerd";
const CONTAINERD_ADDRESS: &str = "/run/containerd/containerd.sock";
const DOCKER_CONFIG: &str = "/etc/docker/daemon.json";
const DOCKER_DATA_ROOT: &str = "/var/lib/docker";
const DOCKER_EXEC_ROOT: &str = "/run/docker";
const DOCKER_ADDRESS: &str = "/run/docker.sock";
const CRIO_CONFIG: &str = "/etc/crio/crio.conf";
const STORAGE_ROOT: &str = "/var/lib/containers/storage";
const STORAGE_RUN_ROOT: &str = "/run/containers/storage";
const CRIO_ADDRESS: &str = "/run/crio/crio.sock";

/// The value of a flag given as `flag value` or `flag=value`, the last one winning as in Go's
/// flag packages.
fn flag<'a>(argv: &[&'a str], names: &[&str]) -> Option<&'a str> {
    let mut found = None;
    let mut args = argv.iter().skip(1);
    while let Some(arg) = args.next() {
        for name in names {
            if arg == name {
                found = args.next().copied().or(found);
            } else if let Some(value) = arg.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
                found = Some(value);
            }
        }
    }
    found.filter(|v| !v.is_empty())
}

/// Every value that follows `--exit-command-arg` (podman passes its own flags to conmon that
/// way, for the cleanup command it runs when the container exits).
fn exit_command_args<'a>(argv: &[&'a str]) -> Vec<&'a str> {
    let mut values = Vec::new();
    let mut args = argv.iter();
    while let Some(arg) = args.next() {
        if *arg == "--exit-command-arg" {
            if let Some(value) = args.next() {
                values.push(*value);
            }
        } else if let Some(value) = arg.strip_prefix("--exit-command-arg=") {
            values.push(value);
        }
    }
    values
}

/// A unix socket address without its scheme (`unix:///run/x.sock` -> `/run/x.sock`); other
/// schemes (tcp, fd) name no file.
fn unix_path(address: &str) -> Option<String> {
    let path = address.strip_prefix("unix://").unwrap_or(address);
    path.starts_with('/').then(|| path.to_string())
}

/// Reads one command line, split at NULs, for runtime state. `None` for any other program.
pub fn discover(pid: u32, cmdline: &[u8]) -> Option<Discovered> {
    let text = String::from_utf8_lossy(cmdline);
    let argv: Vec<&str> = text.split('\0').filter(|a| !a.is_empty()).collect();
    let program = RuntimeProgram::of_argv(&argv)?;
    let record = |config: Option<&str>| DaemonRecord {
        pid,
        program: program.name().to_string(),
        config: config.map(str::to_string),
        ..DaemonRecord::default()
    };
    Some(match program {
        RuntimeProgram::Containerd => {
            let config = flag(&argv, &["-c", "--config"]).unwrap_or(CONTAINERD_CONFIG);
            let mut daemon = record(Some(config));
            daemon.address = flag(&argv, &["-a", "--address"]).and_then(unix_path);
            daemon.root = flag(&argv, &["--root"]).map(str::to_string);
            daemon.state = flag(&argv, &["--state"]).map(str::to_string);
            Discovered {
                program,
                record: Some(daemon),
                config: Some((config.to_string(), ConfigKind::ContainerdToml)),
                dirs: Vec::new(),
            }
        }
        RuntimeProgram::Dockerd => {
            let config = flag(&argv, &["--config-file"]).unwrap_or(DOCKER_CONFIG);
            let mut daemon = record(Some(config));
            daemon.root = flag(&argv, &["--data-root", "-g", "--graph"]).map(str::to_string);
            daemon.state = flag(&argv, &["--exec-root"]).map(str::to_string);
            // The first unix socket among its -H addresses is the API socket.
            daemon.address = argv
                .iter()
                .enumerate()
                .filter_map(|(i, arg)| match *arg {
                    "-H" | "--host" => argv.get(i + 1).copied(),
                    _ => arg
                        .strip_prefix("-H=")
                        .or_else(|| arg.strip_prefix("--host=")),
                })
                .find_map(|address| address.strip_prefix("unix://").and_then(unix_path));
            daemon.containerd = flag(&argv, &["--containerd"]).and_then(unix_path);
            Discovered {
                program,
                record: Some(daemon),
                config: Some((config.to_string(), ConfigKind::DockerJson)),
                dirs: Vec::new(),
            }
        }
        RuntimeProgram::Crio => {
            let config = flag(&argv, &["--config", "-c"]).unwrap_or(CRIO_CONFIG);
            let mut daemon = record(Some(config));
            daemon.root = flag(&argv, &["--root", "-r"]).map(str::to_string);
            daemon.state = flag(&argv, &["--runroot"]).map(str::to_string);
            daemon.address = flag(&argv, &["--listen"]).and_then(unix_path);
            Discovered {
                program,
                record: Some(daemon),
                config: Some((config.to_string(), ConfigKind::CrioToml)),
                dirs: Vec::new(),
            }
        }
        RuntimeProgram::Kubelet => {
            // No default config: a kubelet without --config runs on its flags alone.
            let config = flag(&argv, &["--config"]);
            let mut daemon = record(config);
            daemon.cgroup_driver = flag(&argv, &["--cgroup-driver"]).and_then(driver_name);
            daemon.cgroup_driver_from = daemon.cgroup_driver.as_ref().map(|_| "flag".into());
            Discovered {
                program,
                record: Some(daemon),
                config: config.map(|c| (c.to_string(), ConfigKind::KubeletConfig)),
                dirs: Vec::new(),
            }
        }
        RuntimeProgram::Conmon => {
            let mut dirs = Vec::new();
            if let Some(bundle) = flag(&argv, &["-b", "--bundle"]) {
                dirs.push(RuntimeDir::Bundle {
                    dir: bundle.to_string(),
                    pidfile: flag(&argv, &["-p", "--container-pidfile"]).map(str::to_string),
                });
            }
            // podman hands its --root and --runroot to conmon for its exit command.
            let exit_args = exit_command_args(&argv);
            if let Some(root) = flag_in(&exit_args, "--root") {
                dirs.push(RuntimeDir::StorageRoot(root.to_string()));
            }
            if let Some(run_root) = flag_in(&exit_args, "--runroot") {
                dirs.push(RuntimeDir::StorageRunRoot(run_root.to_string()));
            }
            Discovered {
                program,
                record: None,
                config: None,
                dirs,
            }
        }
    })
}

/// `flag` over a list of values that has no program name in front.
fn flag_in<'a>(values: &[&'a str], name: &str) -> Option<&'a str> {
    let mut argv = Vec::with_capacity(values.len() + 1);
    argv.push("");
    argv.extend_from_slice(values);
    flag(&argv, &[name])
}

/// What a daemon's config file says, before its arguments override it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigPaths {
    pub root: Option<String>,
    pub state: Option<String>,
    pub address: Option<String>,
    /// The CRI sandbox (pause) image, which names no path but every pod's sandbox image.
    pub sandbox_image: Option<String>,
    /// The kubelet's `cgroupDriver`.
    pub cgroup_driver: Option<String>,
}

/// Reads the config file text of `kind`. A file that cannot be parsed says nothing: the
/// defaults apply, as they do for the daemon.
pub fn read_config(kind: ConfigKind, text: &[u8]) -> ConfigPaths {
    let text = String::from_utf8_lossy(text);
    match kind {
        ConfigKind::ContainerdToml => ConfigPaths {
            root: toml_value(&text, "", "root"),
            state: toml_value(&text, "", "state"),
            address: toml_value(&text, "grpc", "address").and_then(|a| unix_path(&a)),
            // Version 2 configs name the plugin by its full id, version 1 as `cri`.
            sandbox_image: toml_value(&text, "plugins.io.containerd.grpc.v1.cri", "sandbox_image")
                .or_else(|| toml_value(&text, "plugins.cri", "sandbox_image")),
            cgroup_driver: None,
        },
        ConfigKind::CrioToml => ConfigPaths {
            root: toml_value(&text, "crio", "root"),
            state: toml_value(&text, "crio", "runroot"),
            address: toml_value(&text, "crio.api", "listen").and_then(|a| unix_path(&a)),
            sandbox_image: toml_value(&text, "crio.image", "pause_image"),
            cgroup_driver: None,
        },
        ConfigKind::DockerJson => {
            #[derive(Deserialize, Default)]
            struct DaemonJson {
                #[serde(rename = "data-root", default)]
                data_root: Option<String>,
                #[serde(default)]
                graph: Option<String>,
                #[serde(rename = "exec-root", default)]
                exec_root: Option<String>,
            }
            // Only these keys are declared: registry credentials and the rest are skipped by
            // the parser, never held.
            let parsed: DaemonJson = serde_json::from_slice(text.as_bytes()).unwrap_or_default();
            ConfigPaths {
                root: parsed.data_root.or(parsed.graph),
                state: parsed.exec_root,
                address: None,
                ..ConfigPaths::default()
            }
        }
        ConfigKind::KubeletConfig => ConfigPaths {
            cgroup_driver: text.lines().find_map(cgroup_driver_line),
            ..ConfigPaths::default()
        },
    }
}

/// The value of a top-level `cgroupDriver: systemd` line (YAML) or of the `"cgroupDriver":
/// "systemd"` pair in a JSON line; any other line says nothing.
fn cgroup_driver_line(line: &str) -> Option<String> {
    let rest = match line.strip_prefix("cgroupDriver") {
        Some(rest) => rest,
        None => line.split_once("\"cgroupDriver\"")?.1,
    };
    let value = rest.trim_start().strip_prefix(':')?.trim_start();
    let value = match value.strip_prefix(['"', '\'']) {
        Some(quoted) => quoted.split(['"', '\'']).next(),
        None => value.split([' ', '\t', '#', ',', '}']).next(),
    };
    driver_name(value?)
}

/// A driver name as the kubelet spells one; anything else (a template, garbage) is dropped, so
/// nothing but a short word leaves the node.
fn driver_name(value: &str) -> Option<String> {
    let word = value.len() <= 32
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    (word && !value.is_empty()).then(|| value.to_string())
}

/// The string value of `key` in the TOML table `table` ("" for the top level), read line by
/// line: `key = "value"` or `key = 'value'`. Enough for the few keys read here, whose values
/// are plain paths; a line this does not understand is skipped.
fn toml_value(text: &str, table: &str, key: &str) -> Option<String> {
    let mut current = String::new();
    let mut found = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let name = header.trim_start_matches('[');
            let name = name.split(']').next().unwrap_or("").trim();
            current = name
                .split('.')
                .map(|part| part.trim().trim_matches('"'))
                .collect::<Vec<_>>()
                .join(".");
            continue;
        }
        if current != table {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        if name.trim().trim_matches('"') != key {
            continue;
        }
        let value = value.trim();
        let quote = value.chars().next()?;
        if quote != '"' && quote != '\'' {
            continue;
        }
        let inner = &value[1..];
        if let Some(end) = inner.find(quote) {
            found = Some(inner[..end].to_string());
        }
    }
    found.filter(|v| !v.is_empty())
}

/// Completes a daemon's record: what its arguments said stays, its config file fills the
/// rest, and the program's defaults fill what neither says.
pub fn complete(record: &mut DaemonRecord, config: &ConfigPaths) {
    fn fill(slot: &mut Option<String>, value: &Option<String>, default: Option<&str>) {
        if slot.is_none() {
            *slot = value.clone().or_else(|| default.map(str::to_string));
        }
    }
    fill(&mut record.sandbox_image, &config.sandbox_image, None);
    if record.cgroup_driver.is_none() && config.cgroup_driver.is_some() {
        record.cgroup_driver = config.cgroup_driver.clone();
        record.cgroup_driver_from = Some("config".into());
    }
    match record.program.as_str() {
        "containerd" => {
            fill(&mut record.root, &config.root, Some(CONTAINERD_ROOT));
            fill(&mut record.state, &config.state, Some(CONTAINERD_STATE));
            fill(
                &mut record.address,
                &config.address,
                Some(CONTAINERD_ADDRESS),
            );
        }
        "dockerd" => {
            fill(&mut record.root, &config.root, Some(DOCKER_DATA_ROOT));
            fill(&mut record.state, &config.state, Some(DOCKER_EXEC_ROOT));
            fill(&mut record.address, &config.address, Some(DOCKER_ADDRESS));
        }
        "crio" => {
            fill(&mut record.root, &config.root, Some(STORAGE_ROOT));
            fill(&mut record.state, &config.state, Some(STORAGE_RUN_ROOT));
            fill(&mut record.address, &config.address, Some(CRIO_ADDRESS));
        }
        _ => {}
    }
}

/// The directories a completed daemon record points at.
pub fn dirs_of(record: &DaemonRecord) -> Vec<RuntimeDir> {
    let mut dirs = Vec::new();
    match record.program.as_str() {
        "containerd" => dirs.extend(record.state.clone().map(RuntimeDir::ContainerdState)),
        "dockerd" => dirs.extend(record.root.clone().map(RuntimeDir::DockerDataRoot)),
        "crio" => {
            dirs.extend(record.root.clone().map(RuntimeDir::StorageRoot));
            dirs.extend(record.state.clone().map(RuntimeDir::StorageRunRoot));
        }
        _ => {}
    }
    dirs
}

/// The directories read on every node, whether or not a daemon is seen: the defaults of each
/// runtime and k3s' containerd state.
pub fn default_dirs() -> Vec<RuntimeDir> {
    vec![
        RuntimeDir::ContainerdState(CONTAINERD_STATE.to_string()),
        RuntimeDir::ContainerdState("/run/k3s/containerd".to_string()),
        RuntimeDir::DockerDataRoot(DOCKER_DATA_ROOT.to_string()),
        RuntimeDir::StorageRoot(STORAGE_ROOT.to_string()),
        RuntimeDir::StorageRunRoot(STORAGE_RUN_ROOT.to_string()),
    ]
}

/// A node path in the one spelling used to tell two paths apart: `/var/run` is `/run` on every
/// distribution that runs containers, and a trailing slash says nothing.
pub fn canonical(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
    match trimmed.strip_prefix("/var/run") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("/run{rest}"),
        _ => trimmed.to_string(),
    }
}

impl RuntimeDir {
    /// The same directory in canonical spelling, to list each once.
    pub fn canonical(&self) -> RuntimeDir {
        match self {
            RuntimeDir::ContainerdState(p) => RuntimeDir::ContainerdState(canonical(p)),
            RuntimeDir::DockerDataRoot(p) => RuntimeDir::DockerDataRoot(canonical(p)),
            RuntimeDir::StorageRoot(p) => RuntimeDir::StorageRoot(canonical(p)),
            RuntimeDir::StorageRunRoot(p) => RuntimeDir::StorageRunRoot(canonical(p)),
            RuntimeDir::Bundle { dir, pidfile } => RuntimeDir::Bundle {
                dir: canonical(dir),
                pidfile: pidfile.as_deref().map(canonical),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmdline(args: &[&str]) -> Vec<u8> {
        let mut bytes = args.join("\0").into_bytes();
        bytes.push(0);
        bytes
    }

    #[test]
    fn the_kubelets_flag_names_its_driver_and_wins_over_its_config() {
        let argv = ["/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml"];
        let found = discover(900, &cmdline(&argv)).unwrap();
        let mut record = found.record.unwrap();
        assert_eq!(
            (record.program.as_str(), record.cgroup_driver.as_deref()),
            ("kubelet", None)
        );
        let kind = ConfigKind::KubeletConfig;
        assert_eq!(
            found.config,
            Some(("/var/lib/kubelet/config.yaml".into(), kind))
        );
        let config = "apiVersion: kubelet.config.k8s.io/v1beta1\nauthentication:\n  x509:\n    \
                      clientCAFile: /etc/kubernetes/pki/ca.crt\ncgroupDriver: systemd\n";
        complete(&mut record, &read_config(kind, config.as_bytes()));
        assert_eq!(record.cgroup_driver.as_deref(), Some("systemd"));
        assert_eq!(record.cgroup_driver_from.as_deref(), Some("config"));
        assert_eq!(
            (record.root.as_ref(), record.address.as_ref()),
            (None, None)
        );

        let flagged = [
            "kubelet",
            "--cgroup-driver",
            "cgroupfs",
            "--config",
            "/k.yaml",
        ];
        let mut record = discover(901, &cmdline(&flagged)).unwrap().record.unwrap();
        complete(&mut record, &read_config(kind, config.as_bytes()));
        assert_eq!(record.cgroup_driver.as_deref(), Some("cgroupfs"));
        assert_eq!(record.cgroup_driver_from.as_deref(), Some("flag"));

        let bare = discover(902, &cmdline(&["kubelet", "--v=2"])).unwrap();
        assert_eq!((bare.config, bare.record.unwrap().config), (None, None));
    }

    #[test]
    fn only_a_driver_word_is_taken_from_the_kubelet_config() {
        let driver =
            |text: &str| read_config(ConfigKind::KubeletConfig, text.as_bytes()).cgroup_driver;
        assert_eq!(
            driver("cgroupDriver: \"systemd\" # set by kubeadm\n"),
            Some("systemd".into())
        );
        assert_eq!(
            driver("{\"kind\":\"KubeletConfiguration\",\"cgroupDriver\":\"systemd\"}"),
            Some("systemd".into())
        );
        assert_eq!(
            driver("  cgroupDriver: systemd\n"),
            None,
            "not at the top level"
        );
        assert_eq!(driver("cgroupDriver: {{ .Driver }}\n"), None);
        assert_eq!(driver("cgroupDriver: token=s3cr3t\n"), None);
        assert_eq!(driver("cgroupDriverX: systemd\n"), None);
        assert_eq!(driver(""), None);
    }

    #[test]
    fn k3s_containerd_names_its_state_address_and_config_in_its_arguments() {
        let found = discover(
            812,
            &cmdline(&[
                "containerd",
                "-c",
                "/var/lib/rancher/k3s/agent/etc/containerd/config.toml",
                "-a",
                "/run/k3s/containerd/containerd.sock",
                "--state",
                "/run/k3s/containerd",
                "--root",
                "/var/lib/rancher/k3s/agent/containerd",
            ]),
        )
        .unwrap();
        let record = found.record.unwrap();
        assert_eq!(record.pid, 812);
        assert_eq!(record.state.as_deref(), Some("/run/k3s/containerd"));
        assert_eq!(
            record.address.as_deref(),
            Some("/run/k3s/containerd/containerd.sock")
        );
        assert_eq!(
            found.config,
            Some((
                "/var/lib/rancher/k3s/agent/etc/containerd/config.toml".to_string(),
                ConfigKind::ContainerdToml
            ))
        );
    }

    #[test]
    fn dockers_own_containerd_takes_its_places_from_the_config_docker_wrote() {
        let found = discover(
            2841,
            &cmdline(&[
                "containerd",
                "--config",
                "/var/run/docker/containerd/containerd.toml",
                "--log-level",
                "info",
            ]),
        )
        .unwrap();
        let mut record = found.record.unwrap();
        let toml = "disabled_plugins = [\"cri\"]\nroot = \"/var/lib/docker/containerd/daemon\"\nstate = \"/var/run/docker/containerd/daemon\"\n\n[grpc]\n  address = \"/var/run/docker/containerd/containerd.sock\"\n  uid = 0\n\n[debug]\n  address = \"/var/run/docker/containerd/containerd-debug.sock\"\n";
        complete(
            &mut record,
            &read_config(ConfigKind::ContainerdToml, toml.as_bytes()),
        );
        assert_eq!(
            record.root.as_deref(),
            Some("/var/lib/docker/containerd/daemon")
        );
        assert_eq!(
            record.state.as_deref(),
            Some("/var/run/docker/containerd/daemon")
        );
        assert_eq!(
            record.address.as_deref(),
            Some("/var/run/docker/containerd/containerd.sock"),
            "the debug socket is another table's address"
        );
        assert_eq!(
            dirs_of(&record),
            vec![RuntimeDir::ContainerdState(
                "/var/run/docker/containerd/daemon".to_string()
            )]
        );
    }

    #[test]
    fn the_cri_sandbox_image_is_read_from_either_config_version() {
        let v2 = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = \"registry.k8s.io/pause:3.6\"\n[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"r.example\".auth]\n  password = \"hunter2\"\n";
        let config = read_config(ConfigKind::ContainerdToml, v2.as_bytes());
        assert_eq!(
            config.sandbox_image.as_deref(),
            Some("registry.k8s.io/pause:3.6")
        );
        let v1 = "[plugins.cri]\n  sandbox_image = 'k8s.gcr.io/pause:3.2'\n";
        let config = read_config(ConfigKind::ContainerdToml, v1.as_bytes());
        assert_eq!(
            config.sandbox_image.as_deref(),
            Some("k8s.gcr.io/pause:3.2")
        );
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn arguments_win_over_the_config_and_defaults_fill_the_rest() {
        let mut record = discover(
            5,
            &cmdline(&["/usr/bin/containerd", "--state=/tmp/t/state"]),
        )
        .unwrap()
        .record
        .unwrap();
        let config = read_config(
            ConfigKind::ContainerdToml,
            b"version = 2\nstate = '/elsewhere'\n",
        );
        complete(&mut record, &config);
        assert_eq!(record.state.as_deref(), Some("/tmp/t/state"));
        assert_eq!(record.root.as_deref(), Some(CONTAINERD_ROOT));
        assert_eq!(record.address.as_deref(), Some(CONTAINERD_ADDRESS));
    }

    #[test]
    fn dockerd_reads_data_root_exec_root_host_and_external_containerd() {
        let found = discover(
            900,
            &cmdline(&[
                "/usr/sbin/dockerd",
                "-H",
                "fd://",
                "-H",
                "unix:///tmp/d/docker.sock",
                "--data-root=/tmp/d/data",
                "--containerd=/run/containerd/containerd.sock",
            ]),
        )
        .unwrap();
        let mut record = found.record.unwrap();
        assert_eq!(record.address.as_deref(), Some("/tmp/d/docker.sock"));
        assert_eq!(
            record.containerd.as_deref(),
            Some("/run/containerd/containerd.sock")
        );
        complete(
            &mut record,
            &read_config(ConfigKind::DockerJson, br#"{"exec-root": "/tmp/d/exec", "data-root": "/ignored", "auths": {"x": {"auth": "c2VjcmV0"}}}"#),
        );
        assert_eq!(record.root.as_deref(), Some("/tmp/d/data"));
        assert_eq!(record.state.as_deref(), Some("/tmp/d/exec"));
    }

    #[test]
    fn a_config_that_does_not_parse_leaves_the_defaults() {
        let config = read_config(ConfigKind::DockerJson, b"{not json");
        assert_eq!(config, ConfigPaths::default());
        let config = read_config(ConfigKind::ContainerdToml, b"root = \nstate = 7\n[grpc");
        assert_eq!(config, ConfigPaths::default());
    }

    #[test]
    fn crio_config_names_storage_and_listen_in_their_tables() {
        let text = "[crio]\nroot = \"/data/storage\"\nrunroot = \"/run/x\"\n[crio.api]\nlisten = \"/run/crio/alt.sock\"\n[crio.runtime]\nroot = \"/not/this\"\n[crio.image]\npause_image = \"registry.k8s.io/pause:3.9\"\n";
        let config = read_config(ConfigKind::CrioToml, text.as_bytes());
        assert_eq!(
            config.sandbox_image.as_deref(),
            Some("registry.k8s.io/pause:3.9")
        );
        assert_eq!(config.root.as_deref(), Some("/data/storage"));
        assert_eq!(config.state.as_deref(), Some("/run/x"));
        assert_eq!(config.address.as_deref(), Some("/run/crio/alt.sock"));
    }

    #[test]
    fn podman_conmon_names_the_bundle_pidfile_and_storage_roots() {
        let id = "3f2a".repeat(16);
        let found = discover(
            4000,
            &cmdline(&[
                "/usr/bin/conmon",
                "--api-version",
                "1",
                "-c",
                &id,
                "-b",
                &format!("/tmp/p/root/vfs-containers/{id}/userdata"),
                "-p",
                &format!("/tmp/p/run/vfs-containers/{id}/userdata/pidfile"),
                "--exit-command",
                "/usr/bin/podman",
                "--exit-command-arg",
                "--root",
                "--exit-command-arg",
                "/tmp/p/root",
                "--exit-command-arg",
                "--runroot",
                "--exit-command-arg",
                "/tmp/p/run",
            ]),
        )
        .unwrap();
        assert_eq!(found.record, None);
        assert_eq!(
            found.dirs,
            vec![
                RuntimeDir::Bundle {
                    dir: format!("/tmp/p/root/vfs-containers/{id}/userdata"),
                    pidfile: Some(format!("/tmp/p/run/vfs-containers/{id}/userdata/pidfile")),
                },
                RuntimeDir::StorageRoot("/tmp/p/root".to_string()),
                RuntimeDir::StorageRunRoot("/tmp/p/run".to_string()),
            ]
        );
    }

    #[test]
    fn other_programs_and_empty_command_lines_say_nothing() {
        assert_eq!(discover(1, b""), None);
        assert_eq!(discover(1, &cmdline(&["/sbin/init"])), None);
        assert_eq!(
            discover(1, &cmdline(&["containerd-shim-runc-v2", "-id", "x"])),
            None
        );
        assert_eq!(discover(1, &cmdline(&["/usr/bin/containerd-ish"])), None);
    }

    #[test]
    fn var_run_and_run_are_one_place() {
        assert_eq!(canonical("/var/run/docker/"), "/run/docker");
        assert_eq!(canonical("/var/run"), "/run");
        assert_eq!(canonical("/var/running"), "/var/running");
        assert_eq!(canonical("/"), "/");
    }
}
