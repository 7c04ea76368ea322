//! The name a pod shares with its siblings on other nodes: its owner's, read off the pod's own
//! name the way Kubernetes builds it, since a snapshot holds no owner references. A DaemonSet's
//! pods are `<daemonset>-<5 random characters>`, a Deployment's `<deployment>-<pod template
//! hash>-<5>`, a Job's `<job>-<5>` and a CronJob's `<cronjob>-<scheduled minute>-<5>`, a
//! StatefulSet's `<statefulset>-<ordinal>`, a static (mirror) pod's `<name>-<node name>`. The
//! random characters and the template hash come from one alphabet without vowels (apimachinery's
//! `rand.String` and `SafeEncodeString`), which is what tells them from words.

use crate::model::{Pod, PodKind};

/// The characters of Kubernetes' generated name suffixes and pod template hashes.
const GENERATED: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// The key of a pod across nodes: `<namespace>/<owner>` for a Kubernetes pod, `podman/<name>`
/// for a podman pod; none for a pod whose name the snapshot does not give.
pub fn pod_key(pod: &Pod, hostname: Option<&str>) -> Option<String> {
    let name = pod.name.as_deref()?;
    Some(match pod.kind {
        PodKind::Kubernetes => format!(
            "{}/{}",
            pod.namespace.as_deref().unwrap_or("-"),
            owner_name(name, hostname)
        ),
        PodKind::Podman => format!("podman/{name}"),
    })
}

/// A Kubernetes pod's name without what its controller or its node added.
pub fn owner_name<'a>(name: &'a str, hostname: Option<&str>) -> &'a str {
    if let Some(owner) = hostname.and_then(|host| without_node_name(name, host)) {
        return owner;
    }
    if let Some((rest, suffix)) = split_last(name) {
        if suffix.len() == 5 && is_generated(suffix) {
            // A Deployment's pod template hash, or a CronJob's scheduled minute, before it.
            return match split_last(rest) {
                Some((owner, hash))
                    if (4..=10).contains(&hash.len()) && is_generated(hash)
                        || hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    owner
                }
                _ => rest,
            };
        }
        if suffix.bytes().all(|b| b.is_ascii_digit()) {
            return rest;
        }
    }
    name
}

/// A static pod's name is its manifest's name and the node's name, which is the hostname in
/// lowercase, or its first label.
fn without_node_name<'a>(name: &'a str, hostname: &str) -> Option<&'a str> {
    let host = hostname.to_ascii_lowercase();
    let short = host.split('.').next().unwrap_or_default();
    let found = [host.as_str(), short]
        .into_iter()
        .filter(|node| !node.is_empty())
        .find_map(|node| {
            name.strip_suffix(node)
                .and_then(|rest| rest.strip_suffix('-'))
                .filter(|owner| !owner.is_empty())
        });
    found
}

/// The name before its last `-` and the part after it, both non-empty.
fn split_last(name: &str) -> Option<(&str, &str)> {
    name.rsplit_once('-')
        .filter(|(rest, suffix)| !rest.is_empty() && !suffix.is_empty())
}

fn is_generated(text: &str) -> bool {
    text.bytes().all(|b| GENERATED.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controllers_suffixes_are_taken_off_and_words_are_kept() {
        let cases = [
            ("coredns-5d78c9869d-8x2kq", None, "coredns"),
            ("safe-nginx-668c459d6-pp7bx", None, "safe-nginx"),
            ("kube-proxy-x7k2p", None, "kube-proxy"),
            ("fluent-bit-7wz4d", None, "fluent-bit"),
            ("backup-28345678-xk2fj", None, "backup"),
            ("web-0", None, "web"),
            ("redis-cluster-12", None, "redis-cluster"),
            ("nginx", None, "nginx"),
            ("my-app-v2", None, "my-app-v2"),
            ("redis-master", None, "redis-master"),
            ("app-1999-7d9c8b6f5-0f9b2", None, "app-1999-7d9c8b6f5-0f9b2"),
            ("old-app-3843912831-b7x2z", None, "old-app"),
            ("etcd-master-1", Some("master-1"), "etcd"),
            (
                "kube-apiserver-cp1",
                Some("CP1.example.com"),
                "kube-apiserver",
            ),
            (
                "kube-scheduler-cp1.example.com",
                Some("cp1.example.com"),
                "kube-scheduler",
            ),
            ("cp1", Some("cp1"), "cp1"),
            ("-", None, "-"),
            ("x-", None, "x-"),
            ("-2", None, "-2"),
        ];
        for (name, host, owner) in cases {
            assert_eq!(owner_name(name, host), owner, "{name} on {host:?}");
        }
    }
}
