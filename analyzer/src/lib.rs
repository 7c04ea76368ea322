//! nodesnap's analyzer as a library: load a snapshot, parse its files, build the model, derive
//! findings, and render terminal views, JSON/YAML and the HTML report.

pub mod model;
