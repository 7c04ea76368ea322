//! Support for nodesnap's workspace-level tests: builders for fake node trees, live scenes, and
//! a real node of Debian's container runtimes.

pub mod fake_node;
pub mod layouts;
pub mod realnode;
pub mod runtime_files;
pub mod scene;
pub mod tree;
