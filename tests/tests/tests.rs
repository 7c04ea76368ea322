//! nodesnap's workspace-level integration tests, built into one binary (ripgrep's layout):
//! each submodule is one area.

mod deploy;
mod fixture_trees;
mod golden;
mod limits;
mod live_pipeline;
mod live_samples;
mod live_scene;
mod real_diff;
mod real_runtimes;
mod samples;
mod seed_node;
mod util;
