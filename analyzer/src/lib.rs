//! nodesnap's analyzer as a library: load a snapshot, parse its files, build the model, derive
//! findings, and render terminal views, JSON/YAML and the HTML report.
//!
//! Data flows one way: `snapshot` (bytes) -> `procfs`/`cgroupfs` (the typed `values`) ->
//! `model` (joined) -> `findings` (the one judge) -> `views`/`report` (text), the last three
//! sharing one presentation layer, `present`; `fleet` sums up many models and shows them on
//! one page. Nothing here reads the live system. [`analyze`]
//! runs the middle of it: it builds the model, then evaluates its findings.

pub mod cgroupfs;
pub mod diff;
pub mod findings;
#[cfg(test)]
pub(crate) mod fixture;
pub mod fleet;
pub mod model;
pub mod present;
pub mod procfs;
pub mod report;
pub mod snapshot;
pub mod sosreport;
pub mod tables;
pub mod values;
pub mod views;
pub mod window;

mod pipeline;
pub use pipeline::{analyze, analyze_diff, analyze_owned, analyze_samples_diff};
