//! Pure parsers for the /proc files a snapshot holds: stat, status, cgroup, namespace links, mountinfo, and the node files.
