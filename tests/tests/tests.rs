//! nodesnap's workspace-level integration tests, built into one binary (ripgrep's layout):
//! each submodule is one area.

mod deploy;
mod fixture_trees;
mod fleet_export;
mod golden;
mod limits;
mod live_pipeline;
mod live_samples;
mod live_scene;
mod real_diff;
mod real_runtimes;
mod samples;
mod seed_node;
mod sosreport;
mod util;
