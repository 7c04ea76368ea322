//! Turns what an engineer types into one pod, container or process, the way docker and crictl
//! do: ids by unique prefix (12 characters is always enough), pods also by name or
//! `namespace/name`, and a list of candidates when a prefix is ambiguous.

use crate::model::{Container, Model, Pid, Pod, Process};
use crate::present::labels;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("empty {what} id")]
    Empty { what: &'static str },
    #[error("no {what} matches {query:?}")]
    NotFound { what: &'static str, query: String },
    #[error("{query:?} matches {} {what}s: {}", candidates.len(), candidates.join(", "))]
    Ambiguous {
        what: &'static str,
        query: String,
        candidates: Vec<String>,
    },
}

/// What `inspect` was asked about.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Pod(&'a Pod),
    Container(&'a Container),
    Process(&'a Process),
}

/// A container by exact name, or by unique prefix of its id.
pub fn container<'a>(model: &'a Model, query: &str) -> Result<&'a Container, ResolveError> {
    let query = query.trim();
    if query.is_empty() {
        return Err(ResolveError::Empty { what: "container" });
    }
    let by_name: Vec<&Container> = model
        .containers
        .iter()
        .filter(|c| c.name.as_deref() == Some(query))
        .collect();
    if let [only] = by_name.as_slice() {
        return Ok(only);
    }
    let lower = query.to_ascii_lowercase();
    let matches: Vec<&Container> = model
        .containers
        .iter()
        .filter(|c| c.id.as_str().starts_with(&lower))
        .collect();
    let matches = if matches.is_empty() { by_name } else { matches };
    one(matches, "container", query, |c| {
        format!("{} ({})", c.id.short(), labels::container(c))
    })
}

/// A pod by uid prefix (dashes or underscores), by `namespace/name`, or by name.
pub fn pod<'a>(model: &'a Model, query: &str) -> Result<&'a Pod, ResolveError> {
    let query = query.trim();
    if query.is_empty() {
        return Err(ResolveError::Empty { what: "pod" });
    }
    if let Some((namespace, name)) = query.split_once('/') {
        let matches = model
            .pods
            .iter()
            .filter(|p| {
                p.namespace.as_deref() == Some(namespace) && p.name.as_deref() == Some(name)
            })
            .collect();
        return one(matches, "pod", query, pod_candidate);
    }
    let by_name: Vec<&Pod> = model
        .pods
        .iter()
        .filter(|p| p.name.as_deref() == Some(query))
        .collect();
    if !by_name.is_empty() {
        return one(by_name, "pod", query, pod_candidate);
    }
    let canonical = query.replace('_', "-").to_ascii_lowercase();
    let matches = model
        .pods
        .iter()
        .filter(|p| p.uid.as_str().starts_with(&canonical))
        .collect();
    one(matches, "pod", query, pod_candidate)
}

/// A process by pid.
pub fn process<'a>(model: &'a Model, query: &str) -> Result<&'a Process, ResolveError> {
    let not_found = || ResolveError::NotFound {
        what: "process",
        query: query.to_string(),
    };
    let pid: u32 = query.trim().parse().map_err(|_| not_found())?;
    model
        .processes
        .binary_search_by_key(&Pid(pid), |p| p.pid)
        .ok()
        .and_then(|i| model.processes.get(i))
        .or_else(|| model.processes.iter().find(|p| p.pid == Pid(pid)))
        .ok_or_else(not_found)
}

/// Anything `inspect` accepts. `pid:`, `container:` and `pod:` say which kind is meant; without
/// one, a number that is a pid means the process (pids are what engineers copy from ps, and a
/// short all-digit container prefix is common), then container ids and names, then pods.
pub fn target<'a>(model: &'a Model, query: &str) -> Result<Target<'a>, ResolveError> {
    if let Some(rest) = query.strip_prefix("pid:") {
        return process(model, rest).map(Target::Process);
    }
    if let Some(rest) = query.strip_prefix("container:") {
        return container(model, rest).map(Target::Container);
    }
    if let Some(rest) = query.strip_prefix("pod:") {
        return pod(model, rest).map(Target::Pod);
    }
    if let Ok(found) = process(model, query) {
        return Ok(Target::Process(found));
    }
    let as_container = container(model, query);
    let as_pod = pod(model, query);
    match (as_container, as_pod) {
        (Ok(c), Err(ResolveError::NotFound { .. })) => Ok(Target::Container(c)),
        (Err(ResolveError::NotFound { .. }), Ok(p)) => Ok(Target::Pod(p)),
        (Ok(c), Ok(p)) => Err(ResolveError::Ambiguous {
            what: "object",
            query: query.to_string(),
            candidates: vec![
                format!("container:{}", c.id.short()),
                format!("pod:{}", labels::pod(p)),
            ],
        }),
        (Err(ResolveError::NotFound { .. }), Err(ResolveError::NotFound { .. })) => {
            Err(ResolveError::NotFound {
                what: "pod, container or process",
                query: query.to_string(),
            })
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

fn pod_candidate(pod: &Pod) -> String {
    format!("{} ({})", pod.uid, labels::pod(pod))
}

fn one<'a, T>(
    matches: Vec<&'a T>,
    what: &'static str,
    query: &str,
    describe: impl Fn(&T) -> String,
) -> Result<&'a T, ResolveError> {
    match matches.as_slice() {
        [only] => Ok(only),
        [] => Err(ResolveError::NotFound {
            what,
            query: query.to_string(),
        }),
        many => Err(ResolveError::Ambiguous {
            what,
            query: query.to_string(),
            candidates: many.iter().map(|m| describe(m)).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture;
    use nodesnap_fixtures::layouts::seed;

    #[test]
    fn container_by_unique_prefix_full_id_or_name() {
        let model = fixture::seed();
        for query in [
            "52eeb71ffa22",
            "52eeb",
            "52EEB71FFA22",
            "52eeb71ffa22cd8020a6214fa1a556c2e22c3012858a75aa5799b021502916e1",
            "safe-nginx",
        ] {
            let found = container(&model, query).unwrap();
            assert_eq!(found.id.short(), "52eeb71ffa22", "query {query}");
        }
    }

    #[test]
    fn ambiguous_container_prefix_lists_the_candidates() {
        let model = fixture::seed();
        // 9934ac36... (redis) and 99e0fbfa... (install-cni) both start with 99.
        let err = container(&model, "99").unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"99\" matches 2 containers: 9934ac36efad (redis), 99e0fbfa76ad (install-cni)"
        );
    }

    #[test]
    fn unknown_or_empty_container_is_an_error() {
        let model = fixture::seed();
        assert_eq!(
            container(&model, "ffff").unwrap_err().to_string(),
            "no container matches \"ffff\""
        );
        assert_eq!(
            container(&model, " ").unwrap_err(),
            ResolveError::Empty { what: "container" }
        );
    }

    #[test]
    fn pod_by_uid_prefix_name_or_namespace_and_name() {
        let model = fixture::seed();
        for query in [
            "f5f16f15",
            "f5f16f15-af9e-11ea-8af4-0050569e47b9",
            "f5f16f15_af9e_11ea",
            "nginx-redis",
            "default/nginx-redis",
        ] {
            let found = pod(&model, query).unwrap();
            assert_eq!(
                found.uid.as_str(),
                "f5f16f15-af9e-11ea-8af4-0050569e47b9",
                "{query}"
            );
        }
        assert!(matches!(
            pod(&model, "kube-system/nginx-redis"),
            Err(ResolveError::NotFound { .. })
        ));
    }

    #[test]
    fn ambiguous_pod_prefix_lists_uids_and_names() {
        let model = fixture::seed();
        let err = pod(&model, "f8").unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"f8\" matches 3 pods: f86494f1-aeea-11ea-8af4-0050569e47b9 (kube-system/kube-proxy-6xk2p), \
             f8662a28-aeea-11ea-8af4-0050569e47b9 (monitoring/node-exporter-5tq7w), \
             f8697bea-aeea-11ea-8af4-0050569e47b9 (kube-system/kube-flannel-ds-amd64-r8h5k)"
        );
    }

    #[test]
    fn inspect_target_prefers_pids_then_containers_then_pods() {
        let model = fixture::seed();
        assert!(matches!(target(&model, "19431"), Ok(Target::Process(p)) if p.pid == Pid(19431)));
        assert!(
            matches!(target(&model, "d62b4a22"), Ok(Target::Container(c)) if c.id.short() == "d62b4a22abd2")
        );
        assert!(
            matches!(target(&model, "4e11582d"), Ok(Target::Pod(p)) if p.uid.as_str().starts_with("4e11582d"))
        );
        assert!(matches!(target(&model, "pod:f5f16f15"), Ok(Target::Pod(_))));
        assert!(matches!(
            target(&model, "container:63ee"),
            Ok(Target::Container(_))
        ));
        assert!(matches!(target(&model, "pid:1"), Ok(Target::Process(_))));
        assert!(matches!(
            target(&model, "pid:99999"),
            Err(ResolveError::NotFound { .. })
        ));
        assert_eq!(
            target(&model, "zzz").unwrap_err().to_string(),
            "no pod, container or process matches \"zzz\""
        );
    }

    #[test]
    fn a_query_that_names_both_a_container_and_a_pod_is_ambiguous() {
        let mut model = fixture::seed();
        assert!(matches!(target(&model, "1ac5"), Ok(Target::Container(_))));
        // The flannel pod's exited init container, renamed after another pod.
        let exited = model
            .containers
            .iter_mut()
            .find(|c| c.id.as_str() == seed::INSTALL_CNI_CONF)
            .unwrap();
        exited.name = Some("nginx-redis".into());
        let err = target(&model, "nginx-redis").unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"nginx-redis\" matches 2 objects: container:08bcf4df1a20, pod:default/nginx-redis"
        );
    }
}
