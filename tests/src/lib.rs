//! Support for nodesnap's workspace-level tests: builders for fake node trees and live scenes.

pub mod fake_node;
pub mod layouts;
pub mod runtime_files;
pub mod scene;
pub mod tree;
