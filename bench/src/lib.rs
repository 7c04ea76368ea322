//! Benchmarks of nodesnap at node scale: measuring child processes, the read-only floor, the
//! synthetic snapshot generator, headless Chromium timing, and the results table.

pub mod browser;
pub mod floor;
pub mod generator;
pub mod measure;
pub mod results;
