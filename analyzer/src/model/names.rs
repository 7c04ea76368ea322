//! Names for ids from the runtime metadata: container and pod names, namespaces, images and
//! sandbox flags from runtime config labels and annotations, docker's `k8s_...` names, and the
//! kubelet's log directory and link names.
//!
//! Pure functions; every source is optional and parsed leniently, because names are comfort,
//! not structure: a name that cannot be parsed leaves a field null, never an error.

use super::ids::{ContainerId, PodUid};
use nodesnap_format::{ContainerLogLink, ContainerRecord, PodLogDir, RuntimeMetadata};
use std::collections::HashMap;

/// What the metadata says about one container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerNames {
    pub name: Option<String>,
    pub image: Option<String>,
    pub pod_uid: Option<PodUid>,
    pub pod_name: Option<String>,
    pub pod_namespace: Option<String>,
    /// Some(true) when a label or name marks the pod's sandbox.
    pub sandbox: Option<bool>,
    /// The sandbox id a CRI container record names (`io.kubernetes.cri.sandbox-id`).
    pub sandbox_id: Option<ContainerId>,
    /// Docker's `State.Pid`.
    pub pid: Option<u32>,
    pub runtime_namespace: Option<String>,
    /// The hostname its config gives it: a podman pod's infra container is named after its pod.
    pub hostname: Option<String>,
    /// `libpod` for podman's containers (`io.container.manager`).
    pub manager: Option<String>,
}

impl ContainerNames {
    /// Fills what `self` lacks from `other`.
    fn merge(&mut self, other: ContainerNames) {
        fn fill<T>(slot: &mut Option<T>, value: Option<T>) {
            if slot.is_none() {
                *slot = value;
            }
        }
        fill(&mut self.name, other.name);
        fill(&mut self.image, other.image);
        fill(&mut self.pod_uid, other.pod_uid);
        fill(&mut self.pod_name, other.pod_name);
        fill(&mut self.pod_namespace, other.pod_namespace);
        fill(&mut self.sandbox, other.sandbox);
        fill(&mut self.sandbox_id, other.sandbox_id);
        fill(&mut self.pid, other.pid);
        fill(&mut self.runtime_namespace, other.runtime_namespace);
        fill(&mut self.hostname, other.hostname);
        fill(&mut self.manager, other.manager);
    }
}

/// A pod's name and namespace from any metadata source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodNames {
    pub name: Option<String>,
    pub namespace: Option<String>,
}

/// Everything the metadata names, indexed by id.
#[derive(Debug, Clone, Default)]
pub struct MetadataIndex {
    pub containers: HashMap<ContainerId, ContainerNames>,
    pub pods: HashMap<PodUid, PodNames>,
}

impl MetadataIndex {
    pub fn build(metadata: &RuntimeMetadata) -> MetadataIndex {
        let mut index = MetadataIndex::default();
        for record in &metadata.containers {
            if let Some(id) = ContainerId::parse(&record.id) {
                let names = names_from_record(record);
                index.note_pod(&names);
                index.containers.entry(id).or_default().merge(names);
            }
        }
        for link in &metadata.container_log_links {
            if let Some((id, names)) = parse_container_log_link(link) {
                index.note_pod(&names);
                index.containers.entry(id).or_default().merge(names);
            }
        }
        for dir in &metadata.pod_log_dirs {
            if let Some((uid, pod)) = parse_pod_log_dir(dir) {
                let entry = index.pods.entry(uid).or_default();
                if entry.name.is_none() {
                    entry.name = pod.name;
                }
                if entry.namespace.is_none() {
                    entry.namespace = pod.namespace;
                }
            }
        }
        index
    }

    fn note_pod(&mut self, names: &ContainerNames) {
        if let Some(uid) = &names.pod_uid {
            let entry = self.pods.entry(uid.clone()).or_default();
            if entry.name.is_none() {
                entry.name = names.pod_name.clone();
            }
            if entry.namespace.is_none() {
                entry.namespace = names.pod_namespace.clone();
            }
        }
    }
}

/// Reads one runtime config record: Kubernetes labels (docker, containerd) and annotations
/// (containerd CRI, CRI-O), then docker's own name.
pub fn names_from_record(record: &ContainerRecord) -> ContainerNames {
    let get = |keys: &[&str]| -> Option<String> {
        keys.iter()
            .find_map(|k| record.labels.get(*k).or_else(|| record.annotations.get(*k)))
            .filter(|v| !v.is_empty())
            .cloned()
    };
    let kind = get(&[
        "io.kubernetes.docker.type",
        "io.kubernetes.cri.container-type",
        "io.kubernetes.cri-o.ContainerType",
        "io.cri-containerd.kind",
    ]);
    let mut names = ContainerNames {
        name: get(&[
            "io.kubernetes.container.name",
            "io.kubernetes.cri.container-name",
        ]),
        image: record.image.clone().or_else(|| {
            get(&[
                "io.kubernetes.cri.image-name",
                "io.kubernetes.cri-o.ImageName",
            ])
        }),
        pod_uid: get(&["io.kubernetes.pod.uid", "io.kubernetes.cri.sandbox-uid"])
            .and_then(|u| PodUid::parse(&u)),
        pod_name: get(&["io.kubernetes.pod.name", "io.kubernetes.cri.sandbox-name"]),
        pod_namespace: get(&[
            "io.kubernetes.pod.namespace",
            "io.kubernetes.cri.sandbox-namespace",
        ]),
        sandbox: kind
            .as_deref()
            .map(|k| matches!(k, "podsandbox" | "sandbox")),
        sandbox_id: get(&[
            "io.kubernetes.cri.sandbox-id",
            "io.kubernetes.cri-o.SandboxID",
        ])
        .and_then(|s| ContainerId::parse(&s)),
        pid: record.pid,
        runtime_namespace: record.runtime_namespace.clone(),
        hostname: record.hostname.clone(),
        manager: record.annotations.get("io.container.manager").cloned(),
    };
    if let Some(pod) = &record.pod {
        names.merge(ContainerNames {
            pod_uid: pod.uid.as_deref().and_then(PodUid::parse),
            pod_name: pod.name.clone(),
            pod_namespace: pod.namespace.clone(),
            sandbox: pod.is_sandbox.then_some(true),
            sandbox_id: pod.sandbox_id.as_deref().and_then(ContainerId::parse),
            ..ContainerNames::default()
        });
    }
    if let Some(docker_name) = &record.name {
        match parse_docker_k8s_name(docker_name) {
            Some(parsed) => names.merge(parsed),
            None => names.merge(ContainerNames {
                name: Some(docker_name.trim_start_matches('/').to_string())
                    .filter(|n| !n.is_empty()),
                ..ContainerNames::default()
            }),
        }
    }
    names
}

/// Parses dockershim's `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>` (with or without
/// docker's leading `/`); `k8s_POD_...` is the sandbox. Lenient: the uid is found by shape,
/// and a name with one part between the container and the uid keeps it as the pod's name.
pub fn parse_docker_k8s_name(name: &str) -> Option<ContainerNames> {
    let rest = name.trim_start_matches('/').strip_prefix("k8s_")?;
    let parts: Vec<&str> = rest.split('_').collect();
    let container = parts.first().filter(|c| !c.is_empty())?;
    let uid_at = parts.iter().rposition(|p| PodUid::parse(p).is_some())?;
    let pod_uid = parts.get(uid_at).and_then(|p| PodUid::parse(p));
    let middle = parts.get(1..uid_at).unwrap_or(&[]);
    let (pod_name, pod_namespace) = match middle {
        [pod, namespace] => (Some(pod.to_string()), Some(namespace.to_string())),
        [pod] => (Some(pod.to_string()), None),
        // More parts than expected: the namespace is the last, the pod name the rest.
        [pod @ .., namespace] if !pod.is_empty() => {
            (Some(pod.join("_")), Some(namespace.to_string()))
        }
        _ => (None, None),
    };
    Some(ContainerNames {
        name: Some(container.to_string()),
        pod_uid,
        pod_name,
        pod_namespace,
        sandbox: Some(*container == "POD"),
        ..ContainerNames::default()
    })
}

/// Parses `var/log/pods/<namespace>_<pod>_<uid>`.
pub fn parse_pod_log_dir(dir: &PodLogDir) -> Option<(PodUid, PodNames)> {
    let (rest, uid) = dir.name.rsplit_once('_')?;
    let uid = PodUid::parse(uid)?;
    let (namespace, pod) = rest.split_once('_')?;
    Some((
        uid,
        PodNames {
            name: Some(pod.to_string()).filter(|p| !p.is_empty()),
            namespace: Some(namespace.to_string()).filter(|n| !n.is_empty()),
        },
    ))
}

/// Parses `var/log/containers/<pod>_<namespace>_<container>-<id>.log` and its target
/// `/var/log/pods/<namespace>_<pod>_<uid>/<container>/<n>.log` for the pod's uid.
pub fn parse_container_log_link(link: &ContainerLogLink) -> Option<(ContainerId, ContainerNames)> {
    let stem = link.name.strip_suffix(".log").unwrap_or(&link.name);
    let (rest, id) = stem.rsplit_once('-')?;
    let id = ContainerId::parse(id)?;
    let mut parts = rest.splitn(3, '_');
    let pod = parts.next().filter(|p| !p.is_empty());
    let namespace = parts.next().filter(|n| !n.is_empty());
    let container = parts.next().filter(|c| !c.is_empty());
    let pod_uid = link
        .target
        .split('/')
        .find_map(|component| component.rsplit_once('_'))
        .and_then(|(_, uid)| PodUid::parse(uid));
    Some((
        id,
        ContainerNames {
            name: container.map(str::to_string),
            pod_uid,
            pod_name: pod.map(str::to_string),
            pod_namespace: namespace.map(str::to_string),
            ..ContainerNames::default()
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodesnap_format::RecordSource;
    use std::collections::BTreeMap;

    const ID: &str = "52eeb71ffa22cd8020a6214fa1a556c2e22c3012858a75aa5799b021502916e1";
    const UID: &str = "4e11582d-aeea-11ea-8af4-0050569e47b9";

    fn record(
        name: Option<&str>,
        labels: &[(&str, &str)],
        annotations: &[(&str, &str)],
    ) -> ContainerRecord {
        let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        ContainerRecord {
            source: RecordSource::Docker,
            path: format!("var/lib/docker/containers/{ID}/config.v2.json"),
            id: ID.to_string(),
            runtime_namespace: None,
            name: name.map(str::to_string),
            image: Some("nginx:1.19".to_string()),
            pid: Some(7337),
            labels: map(labels),
            annotations: map(annotations),
            namespaces: Vec::new(),
            cgroups_path: None,
            pod: None,
            hostname: None,
        }
    }

    #[test]
    fn docker_k8s_name_with_all_six_parts() {
        let n = parse_docker_k8s_name(&format!("/k8s_redis_web-0_shop_{UID}_3")).unwrap();
        assert_eq!(n.name.as_deref(), Some("redis"));
        assert_eq!(n.pod_name.as_deref(), Some("web-0"));
        assert_eq!(n.pod_namespace.as_deref(), Some("shop"));
        assert_eq!(n.pod_uid.unwrap().as_str(), UID);
        assert_eq!(n.sandbox, Some(false));
    }

    #[test]
    fn seed_docker_name_with_five_parts_keeps_the_pod_name() {
        let n = parse_docker_k8s_name(&format!("k8s_safe-nginx_668c459d6-pp7bxxx-xxxx_{UID}_0"))
            .unwrap();
        assert_eq!(n.name.as_deref(), Some("safe-nginx"));
        assert_eq!(n.pod_name.as_deref(), Some("668c459d6-pp7bxxx-xxxx"));
        assert_eq!(n.pod_namespace, None);
        assert_eq!(n.pod_uid.unwrap().as_str(), UID);
    }

    #[test]
    fn docker_sandbox_name_is_pod() {
        let n = parse_docker_k8s_name(&format!("k8s_POD_web-0_shop_{UID}_0")).unwrap();
        assert_eq!(n.sandbox, Some(true));
    }

    #[test]
    fn non_k8s_or_uidless_names_are_not_parsed() {
        assert_eq!(parse_docker_k8s_name("/boring_wozniak"), None);
        assert_eq!(parse_docker_k8s_name("k8s_a_b_c_notauid_0"), None);
        assert_eq!(parse_docker_k8s_name("k8s_"), None);
    }

    #[test]
    fn record_labels_win_over_the_docker_name() {
        let r = record(
            Some(&format!("/k8s_POD_web-0_shop_{UID}_0")),
            &[
                ("io.kubernetes.container.name", "POD"),
                ("io.kubernetes.docker.type", "podsandbox"),
                ("io.kubernetes.pod.name", "web-0"),
            ],
            &[],
        );
        let n = names_from_record(&r);
        assert_eq!(n.sandbox, Some(true));
        assert_eq!(n.pod_name.as_deref(), Some("web-0"));
        assert_eq!(n.pod_namespace.as_deref(), Some("shop"));
        assert_eq!(n.image.as_deref(), Some("nginx:1.19"));
        assert_eq!(n.pid, Some(7337));
    }

    #[test]
    fn containerd_cri_annotations_mark_sandbox_and_pod() {
        let r = record(
            None,
            &[],
            &[
                ("io.kubernetes.cri.container-type", "sandbox"),
                ("io.kubernetes.cri.sandbox-uid", UID),
                ("io.kubernetes.cri.sandbox-name", "web-0"),
                ("io.kubernetes.cri.sandbox-namespace", "shop"),
            ],
        );
        let n = names_from_record(&r);
        assert_eq!(n.sandbox, Some(true));
        assert_eq!(n.pod_uid.unwrap().as_str(), UID);
        assert_eq!(n.pod_namespace.as_deref(), Some("shop"));
        let app = record(
            None,
            &[],
            &[
                ("io.kubernetes.cri.container-type", "container"),
                ("io.kubernetes.cri.sandbox-id", ID),
            ],
        );
        let n = names_from_record(&app);
        assert_eq!(n.sandbox, Some(false));
        assert_eq!(n.sandbox_id.unwrap().as_str(), ID);
    }

    #[test]
    fn plain_docker_name_loses_its_slash() {
        let n = names_from_record(&record(Some("/boring_wozniak"), &[], &[]));
        assert_eq!(n.name.as_deref(), Some("boring_wozniak"));
        assert_eq!(n.sandbox, None);
    }

    #[test]
    fn pod_log_dir_gives_namespace_name_and_uid() {
        let dir = PodLogDir {
            name: format!("kube-system_kube-proxy-x7k2p_{UID}"),
            containers: vec!["kube-proxy".into()],
        };
        let (uid, pod) = parse_pod_log_dir(&dir).unwrap();
        assert_eq!(uid.as_str(), UID);
        assert_eq!(pod.namespace.as_deref(), Some("kube-system"));
        assert_eq!(pod.name.as_deref(), Some("kube-proxy-x7k2p"));
        let bad = PodLogDir {
            name: "nounderscore".into(),
            containers: vec![],
        };
        assert_eq!(parse_pod_log_dir(&bad), None);
    }

    #[test]
    fn container_log_link_gives_container_pod_and_uid() {
        let link = ContainerLogLink {
            name: format!("kube-proxy-x7k2p_kube-system_kube-proxy-{ID}.log"),
            target: format!("/var/log/pods/kube-system_kube-proxy-x7k2p_{UID}/kube-proxy/0.log"),
        };
        let (id, n) = parse_container_log_link(&link).unwrap();
        assert_eq!(id.as_str(), ID);
        assert_eq!(n.name.as_deref(), Some("kube-proxy"));
        assert_eq!(n.pod_name.as_deref(), Some("kube-proxy-x7k2p"));
        assert_eq!(n.pod_namespace.as_deref(), Some("kube-system"));
        assert_eq!(n.pod_uid.unwrap().as_str(), UID);
        let bad = ContainerLogLink {
            name: "x.log".into(),
            target: String::new(),
        };
        assert_eq!(parse_container_log_link(&bad), None);
    }

    #[test]
    fn index_joins_records_links_and_dirs() {
        let metadata = RuntimeMetadata {
            pod_log_dirs: vec![PodLogDir {
                name: format!("shop_web-0_{UID}"),
                containers: vec![],
            }],
            container_log_links: vec![],
            containers: vec![record(Some(&format!("/k8s_redis_web-0_{UID}_0")), &[], &[])],
            daemons: Vec::new(),
        };
        let index = MetadataIndex::build(&metadata);
        let uid = PodUid::parse(UID).unwrap();
        assert_eq!(index.pods[&uid].name.as_deref(), Some("web-0"));
        assert_eq!(index.pods[&uid].namespace.as_deref(), Some("shop"));
        let id = ContainerId::parse(ID).unwrap();
        assert_eq!(index.containers[&id].name.as_deref(), Some("redis"));
    }
}
