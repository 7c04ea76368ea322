//! What the real node runs: three Kubernetes pods made through the CRI as kubelet makes them
//! (one per QoS class, with the namespace options kubelet derives from a pod spec), three
//! standalone docker containers, and podman's standalone container and pod.
//!
//! The kubelet's arithmetic (CPU shares and quota from millicores, the QoS class, the
//! oom_score_adj it asks for) is here as pure functions, so that the CRI requests are what a
//! real kubelet sends.

use serde::{Deserialize, Serialize};

/// The pod's QoS class as the kubelet derives it from requests and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Qos {
    Guaranteed,
    Burstable,
    BestEffort,
}

impl Qos {
    pub fn as_str(self) -> &'static str {
        match self {
            Qos::Guaranteed => "guaranteed",
            Qos::Burstable => "burstable",
            Qos::BestEffort => "besteffort",
        }
    }

    /// The pod's cgroup under the cgroupfs driver (kubelet's `cgroupRoot` is `/`).
    pub fn pod_cgroup(self, uid: &str) -> String {
        match self {
            Qos::Guaranteed => format!("/kubepods/pod{uid}"),
            Qos::Burstable => format!("/kubepods/burstable/pod{uid}"),
            Qos::BestEffort => format!("/kubepods/besteffort/pod{uid}"),
        }
    }
}

/// A container's requests and limits in a pod spec.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resources {
    pub cpu_request_millis: Option<i64>,
    pub cpu_limit_millis: Option<i64>,
    pub memory_request_bytes: Option<i64>,
    pub memory_limit_bytes: Option<i64>,
}

/// What kubelet sends as LinuxContainerResources (cpu_period, cpu_quota, cpu_shares,
/// memory_limit_in_bytes, oom_score_adj), from pkg/kubelet/kuberuntime and pkg/kubelet/qos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CriResources {
    pub cpu_period: i64,
    pub cpu_quota: i64,
    pub cpu_shares: i64,
    pub memory_limit_bytes: i64,
    pub oom_score_adj: i64,
}

const MIN_SHARES: i64 = 2;
const SHARES_PER_CPU: i64 = 1024;
const QUOTA_PERIOD: i64 = 100_000;
const MIN_QUOTA_PERIOD: i64 = 1000;

impl Resources {
    /// The kubelet's CPU shares: the request in millicores scaled to 1024 per CPU, at least 2
    /// (a container without a request but with a limit gets its limit as request).
    pub fn cpu_shares(&self) -> i64 {
        let request = self.cpu_request_millis.or(self.cpu_limit_millis);
        match request {
            Some(millis) if millis > 0 => (millis * SHARES_PER_CPU / 1000).max(MIN_SHARES),
            _ => MIN_SHARES,
        }
    }

    /// The kubelet's CFS quota for a CPU limit over a 100 ms period; 0 means none.
    pub fn cpu_quota(&self) -> i64 {
        match self.cpu_limit_millis {
            Some(millis) if millis > 0 => (millis * QUOTA_PERIOD / 1000).max(MIN_QUOTA_PERIOD),
            _ => 0,
        }
    }

    pub fn to_cri(&self, qos: Qos, memory_capacity: i64) -> CriResources {
        let quota = self.cpu_quota();
        CriResources {
            cpu_period: if quota > 0 { QUOTA_PERIOD } else { 0 },
            cpu_quota: quota,
            cpu_shares: self.cpu_shares(),
            memory_limit_bytes: self.memory_limit_bytes.unwrap_or(0),
            oom_score_adj: container_oom_score_adj(
                qos,
                self.memory_request_bytes.or(self.memory_limit_bytes),
                memory_capacity,
            ),
        }
    }
}

/// pkg/kubelet/qos/policy.go: guaranteed -997, best effort 1000, burstable scaled by the
/// container's share of the node's memory into [2, 999].
pub fn container_oom_score_adj(qos: Qos, memory_request: Option<i64>, capacity: i64) -> i64 {
    match qos {
        Qos::Guaranteed => -997,
        Qos::BestEffort => 1000,
        Qos::Burstable => {
            let request = memory_request.unwrap_or(0);
            let adj = 1000 - (1000 * request) / capacity.max(1);
            adj.clamp(2, 999)
        }
    }
}

/// The QoS class kubelet derives: guaranteed when every container has CPU and memory limits
/// equal to its requests, best effort when no container asks for anything.
pub fn qos_of(containers: &[Resources]) -> Qos {
    let any = containers.iter().any(|r| {
        r.cpu_request_millis.is_some()
            || r.cpu_limit_millis.is_some()
            || r.memory_request_bytes.is_some()
            || r.memory_limit_bytes.is_some()
    });
    if !any {
        return Qos::BestEffort;
    }
    let guaranteed = containers.iter().all(|r| {
        let cpu_request = r.cpu_request_millis.or(r.cpu_limit_millis);
        let memory_request = r.memory_request_bytes.or(r.memory_limit_bytes);
        r.cpu_limit_millis.is_some()
            && r.memory_limit_bytes.is_some()
            && cpu_request == r.cpu_limit_millis
            && memory_request == r.memory_limit_bytes
    });
    if guaranteed {
        Qos::Guaranteed
    } else {
        Qos::Burstable
    }
}

#[derive(Debug, Clone)]
pub struct CriContainerPlan {
    pub name: &'static str,
    pub command: Vec<String>,
    pub resources: Resources,
}

#[derive(Debug, Clone)]
pub struct CriPodPlan {
    pub name: &'static str,
    pub namespace: &'static str,
    /// Extra pod labels (kubelet adds its own io.kubernetes.pod.* labels).
    pub app_label: &'static str,
    pub host_network: bool,
    pub host_pid: bool,
    /// `shareProcessNamespace: true`: the pid namespace option is POD.
    pub share_pid: bool,
    pub containers: Vec<CriContainerPlan>,
}

impl CriPodPlan {
    pub fn qos(&self) -> Qos {
        let resources: Vec<Resources> = self.containers.iter().map(|c| c.resources).collect();
        qos_of(&resources)
    }
}

#[derive(Debug, Clone)]
pub struct DockerContainerPlan {
    pub name: &'static str,
    /// Extra `docker run` options.
    pub options: Vec<String>,
    pub command: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct PodmanPlan {
    pub standalone_name: &'static str,
    pub standalone_command: Vec<String>,
    pub pod_name: &'static str,
    pub pod_app_name: &'static str,
    pub pod_app_command: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct NodePlan {
    pub cri_pods: Vec<CriPodPlan>,
    pub docker: Vec<DockerContainerPlan>,
    pub podman: PodmanPlan,
}

const MI: i64 = 1024 * 1024;

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// A shell that starts two children and waits: a container whose init has children.
fn shell_with_children() -> Vec<String> {
    argv(&["sh", "-c", "sleep 86400 & sleep 86401 & wait"])
}

fn sleeper() -> Vec<String> {
    argv(&["sleep", "86400"])
}

/// How many processes a container running `command` settles at: a `sh -c` script of the
/// plan's form runs one child per `&`, beside the shell; anything else is one process.
pub fn processes_of(command: &[String]) -> usize {
    match command {
        [shell, flag, script] if shell == "sh" && flag == "-c" => 1 + script.matches('&').count(),
        _ => 1,
    }
}

impl NodePlan {
    /// The node of the end-to-end test and of `realnode up`.
    pub fn standard() -> NodePlan {
        let guaranteed = Resources {
            cpu_request_millis: Some(250),
            cpu_limit_millis: Some(250),
            memory_request_bytes: Some(64 * MI),
            memory_limit_bytes: Some(64 * MI),
        };
        let guaranteed_small = Resources {
            cpu_request_millis: Some(100),
            cpu_limit_millis: Some(100),
            memory_request_bytes: Some(32 * MI),
            memory_limit_bytes: Some(32 * MI),
        };
        let burstable = Resources {
            cpu_request_millis: Some(100),
            cpu_limit_millis: None,
            memory_request_bytes: Some(64 * MI),
            memory_limit_bytes: Some(128 * MI),
        };
        NodePlan {
            cri_pods: vec![
                CriPodPlan {
                    name: "web-6d4cf56db6-x8k2p",
                    namespace: "shop",
                    app_label: "web",
                    host_network: false,
                    host_pid: false,
                    share_pid: false,
                    containers: vec![
                        CriContainerPlan {
                            name: "app",
                            command: shell_with_children(),
                            resources: guaranteed,
                        },
                        CriContainerPlan {
                            name: "sidecar",
                            command: sleeper(),
                            resources: guaranteed_small,
                        },
                    ],
                },
                CriPodPlan {
                    name: "node-agent-q7w4z",
                    namespace: "kube-system",
                    app_label: "node-agent",
                    host_network: true,
                    host_pid: true,
                    share_pid: false,
                    containers: vec![CriContainerPlan {
                        name: "agent",
                        command: shell_with_children(),
                        resources: burstable,
                    }],
                },
                CriPodPlan {
                    name: "batch-28391-abcde",
                    namespace: "jobs",
                    app_label: "batch",
                    host_network: false,
                    host_pid: false,
                    share_pid: true,
                    containers: vec![
                        CriContainerPlan {
                            name: "worker",
                            command: shell_with_children(),
                            resources: Resources::default(),
                        },
                        CriContainerPlan {
                            name: "logger",
                            command: sleeper(),
                            resources: Resources::default(),
                        },
                        CriContainerPlan {
                            name: "watcher",
                            command: sleeper(),
                            resources: Resources::default(),
                        },
                    ],
                },
            ],
            docker: vec![
                DockerContainerPlan {
                    name: "proxy",
                    options: argv(&["--network", "none"]),
                    command: shell_with_children(),
                },
                DockerContainerPlan {
                    name: "host-monitor",
                    options: argv(&["--network", "none", "--pid", "host"]),
                    command: sleeper(),
                },
                DockerContainerPlan {
                    name: "proxy-sidecar",
                    options: argv(&["--network", "container:proxy"]),
                    command: sleeper(),
                },
            ],
            podman: PodmanPlan {
                standalone_name: "solo",
                standalone_command: shell_with_children(),
                pod_name: "webpod",
                pod_app_name: "webpod-app",
                pod_app_command: shell_with_children(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_node_has_one_cri_pod_per_qos_class() {
        let plan = NodePlan::standard();
        let classes: Vec<Qos> = plan.cri_pods.iter().map(CriPodPlan::qos).collect();
        assert_eq!(
            classes,
            vec![Qos::Guaranteed, Qos::Burstable, Qos::BestEffort]
        );
    }

    #[test]
    fn a_shell_with_two_background_children_settles_at_three_processes() {
        assert_eq!(processes_of(&shell_with_children()), 3);
        assert_eq!(processes_of(&sleeper()), 1);
    }

    #[test]
    fn cpu_shares_and_quota_follow_the_kubelet() {
        let r = Resources {
            cpu_request_millis: Some(250),
            cpu_limit_millis: Some(500),
            ..Resources::default()
        };
        assert_eq!(r.cpu_shares(), 256);
        assert_eq!(r.cpu_quota(), 50_000);
        assert_eq!(Resources::default().cpu_shares(), 2);
        assert_eq!(Resources::default().cpu_quota(), 0);
        // A limit without a request makes the request equal to the limit.
        let limit_only = Resources {
            cpu_limit_millis: Some(100),
            ..Resources::default()
        };
        assert_eq!(limit_only.cpu_shares(), 102);
    }

    #[test]
    fn oom_score_adj_follows_the_kubelet_policy() {
        let gib = 1024 * MI;
        assert_eq!(container_oom_score_adj(Qos::Guaranteed, None, gib), -997);
        assert_eq!(container_oom_score_adj(Qos::BestEffort, None, gib), 1000);
        assert_eq!(
            container_oom_score_adj(Qos::Burstable, Some(gib / 4), gib),
            750
        );
        assert_eq!(container_oom_score_adj(Qos::Burstable, Some(gib), gib), 2);
        assert_eq!(container_oom_score_adj(Qos::Burstable, None, gib), 999);
    }
}
