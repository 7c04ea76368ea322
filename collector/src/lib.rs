//! nodesnap's collector as a library: read a node's /proc, /sys/fs/cgroup and runtime metadata
//! under a root directory and write them, raw and redacted, into one snapshot tarball.
