//! Pure parsers for cgroup control files, and the v1 and v2 hierarchies behind one interface.
