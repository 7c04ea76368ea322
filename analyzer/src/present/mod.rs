//! The presentation layer every front end shares: how the model is put into words, whatever
//! the medium. Findings' messages, the terminal views and the HTML report all name things,
//! count units and walk trees through here, so they cannot drift apart.
//!
//! - `units`: bytes, CPUs, counts and durations, in the prose style (findings, report, error
//!   messages) and the compact style (terminal columns);
//! - `text`: the one rule for characters never shown raw, plurals, abbreviated lists;
//! - `labels`: the one label of a pod, container, process, command line, user, runtime;
//! - `index`: the one index over a model (lookups by id, children, shims' containers);
//! - `tree`: the one tree walker and its depth cap;
//! - `notes`: the findings about each cgroup, worded for the views and `Cgroup.trouble`;
//! - `changes`: a diff between two snapshots in sections of `+`/`-`/`~` lines, for the diff
//!   view and the diff report.
//! - `signals`: pressure figures, what a cgroup's memory is, a node limit with its use.
//! - `source`: the notice for a model read from an sosreport and what it cannot show.
//! - `window`: what the samples of one snapshot show over their window, for the summary and
//!   the report.
//!
//! Enum names are the enums' own `Display` (the names of the JSON model). What is specific to
//! one medium stays with it: the terminal's sanitizer, widths and colours in `views::text`,
//! the report's escaping and script JSON in `report::text`.
//!
//! Layering: `units` and `text` depend on nothing (the snapshot loader uses `units` for its
//! messages); `labels`, `index` and `tree` read the model; `findings` uses those; `notes` reads
//! the findings' rule ids and is used by the views, the report and the pipeline; `changes` reads
//! a `diff::Diff` and is used by the diff view and the diff report.

pub mod changes;
pub mod index;
pub mod labels;
pub mod notes;
pub mod signals;
pub mod source;
pub mod text;
pub mod tree;
pub mod units;
pub mod window;

pub use index::Index;

#[cfg(test)]
mod tests {
    use crate::model::*;
    use nodesnap_format::{CmdlinePolicy, GapReason};
    use serde::Serialize;

    fn serde_name<T: Serialize>(value: &T) -> String {
        match serde_json::to_value(value) {
            Ok(serde_json::Value::String(name)) => name,
            other => panic!("not a unit enum: {other:?}"),
        }
    }

    /// The views name enums by `Display`; the JSON model by serde. Both say the same words.
    #[test]
    fn every_enum_reads_as_in_the_json_model() {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut add = |shown: String, serialized: String| pairs.push((shown, serialized));
        for v in [
            CgroupMode::V1,
            CgroupMode::V2,
            CgroupMode::Hybrid,
            CgroupMode::Unknown,
        ] {
            add(v.to_string(), serde_name(&v));
        }
        for v in [
            CgroupDriver::Cgroupfs,
            CgroupDriver::Systemd,
            CgroupDriver::Unknown,
        ] {
            add(v.to_string(), serde_name(&v));
        }
        for v in [
            RuntimeKind::Docker,
            RuntimeKind::Containerd,
            RuntimeKind::CriO,
            RuntimeKind::Podman,
        ] {
            add(v.to_string(), serde_name(&v));
        }
        for v in [PodKind::Kubernetes, PodKind::Podman] {
            add(v.to_string(), serde_name(&v));
        }
        for v in [Sharing::Pod, Sharing::Host, Sharing::Private] {
            add(v.to_string(), serde_name(&v));
        }
        for v in [
            ProcessRole::RuntimeDaemon,
            ProcessRole::Shim,
            ProcessRole::Kubelet,
            ProcessRole::Sandbox,
            ProcessRole::Container,
            ProcessRole::KernelThread,
            ProcessRole::Other,
        ] {
            add(v.to_string(), serde_name(&v));
        }
        for v in [Severity::Critical, Severity::Warning, Severity::Info] {
            add(v.to_string(), serde_name(&v));
        }
        for v in [
            QosClass::Guaranteed,
            QosClass::Burstable,
            QosClass::BestEffort,
        ] {
            add(v.to_string(), serde_name(&v));
        }
        for v in NsType::ALL {
            add(v.to_string(), serde_name(&v));
        }
        for v in [
            CmdlinePolicy::Redacted,
            CmdlinePolicy::Verbatim,
            CmdlinePolicy::Dropped,
        ] {
            add(v.to_string(), serde_name(&v));
        }
        for v in [
            GapReason::Vanished,
            GapReason::NotRegular,
            GapReason::Unreadable,
        ] {
            add(v.to_string(), serde_name(&v));
        }
        for (shown, serialized) in pairs {
            assert_eq!(shown, serialized);
        }
    }
}
