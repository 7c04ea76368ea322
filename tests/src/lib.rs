//! Support for nodesnap's workspace-level tests: live scenes and a real node of Debian's
//! container runtimes. The fake node trees of every layout live in nodesnap-fixtures.

pub mod realnode;
pub mod scene;
pub mod tree;
