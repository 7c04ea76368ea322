//! The node layouts nodesnap claims to understand, each a [`FakeNode`] committed as a tree under
//! `tests/fixtures/<name>/` by the `make-fixtures` binary.

mod common;
mod seed;

use crate::fake_node::FakeNode;

pub use common::burstable_oom_score_adj;

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
