//! What a scene should contain: pods with their QoS class, containers and special features.

use serde::{Deserialize, Serialize};

/// A pod's Kubernetes quality-of-service class; it decides where the pod's cgroup sits and
/// which limits it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Qos {
    Guaranteed,
    Burstable,
    #[serde(rename = "besteffort")]
    BestEffort,
}

impl Qos {
    pub const ALL: [Qos; 3] = [Qos::Guaranteed, Qos::Burstable, Qos::BestEffort];

    /// The name the kubelet uses in paths and the model uses in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Qos::Guaranteed => "guaranteed",
            Qos::Burstable => "burstable",
            Qos::BestEffort => "besteffort",
        }
    }

    /// The cgroup directory under `/kubepods` that holds this class's pods, as the cgroupfs
    /// driver lays it out: guaranteed pods sit directly under `/kubepods`.
    pub fn parent_cgroup(self) -> &'static str {
        match self {
            Qos::Guaranteed => "/kubepods",
            Qos::Burstable => "/kubepods/burstable",
            Qos::BestEffort => "/kubepods/besteffort",
        }
    }
}

/// The daemon an app container imitates: it sets the executable's file name (hence `comm`)
/// and the command line, as the real daemon shows them once it has set its process title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppKind {
    /// A master process plus `workers` forked worker processes.
    Nginx { workers: u32 },
    Redis,
}

impl AppKind {
    /// The executable's file name, which the kernel uses as `comm`.
    pub fn comm(self) -> &'static str {
        match self {
            AppKind::Nginx { .. } => "nginx",
            AppKind::Redis => "redis-server",
        }
    }

    pub fn container_name(self) -> &'static str {
        match self {
            AppKind::Nginx { .. } => "nginx",
            AppKind::Redis => "redis",
        }
    }

    pub fn image(self) -> &'static str {
        match self {
            AppKind::Nginx { .. } => "docker.io/library/nginx:1.25",
            AppKind::Redis => "docker.io/library/redis:7.2",
        }
    }

    /// The main process's argv: real nginx and redis rewrite their argv into one string.
    pub fn argv(self) -> Vec<String> {
        match self {
            AppKind::Nginx { .. } => vec!["nginx: master process nginx -g daemon off;".to_string()],
            AppKind::Redis => vec!["redis-server *:6379".to_string()],
        }
    }

    /// The argv of each forked worker.
    pub fn worker_argv(self) -> Vec<Vec<String>> {
        match self {
            AppKind::Nginx { workers } => (0..workers)
                .map(|_| vec!["nginx: worker process".to_string()])
                .collect(),
            AppKind::Redis => Vec::new(),
        }
    }

    pub fn process_count(self) -> u32 {
        match self {
            AppKind::Nginx { workers } => 1 + workers,
            AppKind::Redis => 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerSpec {
    pub app: AppKind,
    /// Move this container's first worker into the pod's cgroup after it starts, keeping it in
    /// the container's namespaces: the "process left its container's cgroup" case.
    pub stray_worker: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodSpec {
    pub name: String,
    pub namespace: String,
    pub qos: Qos,
    /// `hostNetwork: true`: the sandbox keeps the host's network and, as the kubelet does for
    /// such pods, the host's UTS namespace.
    pub host_network: bool,
    /// `shareProcessNamespace: true`: app containers join the sandbox's pid namespace.
    pub share_pid: bool,
    pub containers: Vec<ContainerSpec>,
}

impl PodSpec {
    /// Processes inside the pod's cgroups, sandbox included.
    pub fn process_count(&self) -> u32 {
        1 + self
            .containers
            .iter()
            .map(|c| c.app.process_count())
            .sum::<u32>()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SceneSpec {
    pub pods: Vec<PodSpec>,
}

impl SceneSpec {
    /// The small node the live tests check: a pod of each QoS class, one on the host's
    /// network, one sharing its pid namespace, and one worker that left its container's cgroup.
    pub fn small() -> SceneSpec {
        let nginx = |workers, stray_worker| ContainerSpec {
            app: AppKind::Nginx { workers },
            stray_worker,
        };
        let redis = ContainerSpec {
            app: AppKind::Redis,
            stray_worker: false,
        };
        let pod = |name: &str, qos, host_network, share_pid, containers| PodSpec {
            name: name.to_string(),
            namespace: "default".to_string(),
            qos,
            host_network,
            share_pid,
            containers,
        };
        SceneSpec {
            pods: vec![
                pod("web-guaranteed", Qos::Guaranteed, false, false, vec![nginx(1, false), redis.clone()]),
                pod("web-burstable", Qos::Burstable, false, false, vec![nginx(2, true)]),
                pod("cache-besteffort", Qos::BestEffort, false, false, vec![redis.clone()]),
                pod("agent-hostnet", Qos::BestEffort, true, false, vec![redis.clone()]),
                pod("debug-sharedpid", Qos::Burstable, false, true, vec![nginx(1, false), redis]),
            ],
        }
    }

    /// `pods` pods of `procs_per_pod` processes each (sandbox included, at least 2): QoS
    /// classes in turn, an nginx with workers and, from 3 processes on, a redis. The first pods
    /// carry the special cases of [`SceneSpec::small`] so that benchmarks see them too.
    pub fn scale(pods: u32, procs_per_pod: u32) -> SceneSpec {
        let app_procs = procs_per_pod.max(2) - 1;
        let pods = (0..pods)
            .map(|index| {
                let mut containers = Vec::new();
                let nginx_procs = if app_procs >= 2 { app_procs - 1 } else { app_procs };
                containers.push(ContainerSpec {
                    app: AppKind::Nginx {
                        workers: nginx_procs - 1,
                    },
                    stray_worker: index == 1 && nginx_procs >= 2,
                });
                if app_procs >= 2 {
                    containers.push(ContainerSpec {
                        app: AppKind::Redis,
                        stray_worker: false,
                    });
                }
                PodSpec {
                    name: format!("scale-{index:05}"),
                    namespace: "bench".to_string(),
                    qos: Qos::ALL[index as usize % 3],
                    host_network: index == 2,
                    share_pid: index == 3,
                    containers,
                }
            })
            .collect();
        SceneSpec { pods }
    }

    pub fn process_count(&self) -> u32 {
        self.pods.iter().map(PodSpec::process_count).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_scene_covers_every_special_case() {
        let spec = SceneSpec::small();
        for qos in Qos::ALL {
            assert!(spec.pods.iter().any(|p| p.qos == qos), "no {qos:?} pod");
        }
        assert_eq!(spec.pods.iter().filter(|p| p.host_network).count(), 1);
        assert_eq!(spec.pods.iter().filter(|p| p.share_pid).count(), 1);
        let strays = spec
            .pods
            .iter()
            .flat_map(|p| &p.containers)
            .filter(|c| c.stray_worker)
            .count();
        assert_eq!(strays, 1);
    }

    #[test]
    fn scale_scene_has_the_requested_process_count() {
        for (pods, per_pod) in [(1, 2), (10, 3), (2000, 5), (7, 9)] {
            let spec = SceneSpec::scale(pods, per_pod);
            assert_eq!(spec.pods.len() as u32, pods);
            assert_eq!(spec.process_count(), pods * per_pod, "{pods} x {per_pod}");
        }
    }

    #[test]
    fn scale_scene_clamps_to_a_sandbox_and_one_app() {
        let spec = SceneSpec::scale(1, 0);
        assert_eq!(spec.process_count(), 2);
    }
}
