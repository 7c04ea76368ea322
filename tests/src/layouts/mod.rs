//! The node layouts nodesnap claims to understand, each a [`FakeNode`] committed as a tree under
//! `tests/fixtures/<name>/` by the `make-fixtures` binary.

mod common;
mod docker_plain;
mod kube;
mod no_containers;
mod podman;
mod scaled;
mod seed;

use crate::fake_node::FakeNode;

pub use common::burstable_oom_score_adj;
pub use scaled::scaled;

/// Every layout's name, in the order `make-fixtures` writes them.
pub const NAMES: &[&str] = &[
    "seed-node",
    "containerd-v2-systemd",
    "crio-v1-systemd",
    "docker-plain",
    "podman-v2",
    "k3s-v2-cgroupfs",
    "no-containers",
];

/// The layout with this name.
pub fn build(name: &str) -> Option<FakeNode> {
    match name {
        "seed-node" => Some(seed::seed_node()),
        "containerd-v2-systemd" => Some(kube::containerd_v2_systemd()),
        "crio-v1-systemd" => Some(kube::crio_v1_systemd()),
        "docker-plain" => Some(docker_plain::docker_plain()),
        "podman-v2" => Some(podman::podman_v2()),
        "k3s-v2-cgroupfs" => Some(kube::k3s_v2_cgroupfs()),
        "no-containers" => Some(no_containers::no_containers()),
        _ => None,
    }
}

/// Every layout with its name.
pub fn all() -> Vec<(&'static str, FakeNode)> {
    NAMES
        .iter()
        .filter_map(|name| build(name).map(|node| (*name, node)))
        .collect()
}
