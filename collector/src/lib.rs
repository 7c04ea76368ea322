//! nodesnap's collector as a library: read a node's /proc, /sys/fs/cgroup and runtime metadata
//! under a root directory and write them, raw and redacted, into one snapshot tarball.

pub mod archive;
pub mod cli;
pub mod collect;
pub mod discovery;
pub mod fsread;
pub mod identity;
pub mod pool;
pub mod priority;
pub mod redact;
pub mod review;
pub mod runtime_dirs;
pub mod runtime_meta;
pub mod sampling;
pub mod signals;
pub mod time;
pub mod yaml;

pub use collect::{collect, CollectError, Config, OutputTarget, Progress, Summary};
