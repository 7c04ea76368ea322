//! Integration tests driving the built `collector` binary: fake trees, the live system, and
//! the safety rules (blocking reads, vanished processes, permissions, full or read-only
//! targets, signals, secrets).

mod support;

mod fake_tree;
mod faults;
mod layouts;
mod live;
mod odd_entries;
mod output;
mod redaction;
mod safety;
mod samples;
mod signals;
