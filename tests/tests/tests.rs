//! nodesnap's workspace-level integration tests, built into one binary (ripgrep's layout):
//! each submodule is one area.

mod live_pipeline;
mod live_scene;
