//! Rules about the kubelet's setup against what the runtime wrote: the cgroup driver.

use super::{finding, rules::*};
use crate::model::{CgroupDriver, Finding, Subject};
use crate::present::Index;

/// The driver a kubelet command line names with `--cgroup-driver=X` or `--cgroup-driver X`;
/// None when it names none (the config file's cgroupDriver then decides) or an unknown one.
pub fn kubelet_cgroup_driver(cmdline: &str) -> Option<CgroupDriver> {
    let mut words = cmdline.split_whitespace();
    let mut named = None;
    while let Some(word) = words.next() {
        let value = match word.strip_prefix("--cgroup-driver") {
            Some(rest) if rest.starts_with('=') => Some(rest[1..].to_string()),
            Some("") => words.next().map(str::to_string),
            _ => continue,
        };
        // The last one given wins, as in the kubelet's flag parsing.
        named = value;
    }
    match named?.trim_matches(|c| c == '"' || c == '\'') {
        "systemd" => Some(CgroupDriver::Systemd),
        "cgroupfs" => Some(CgroupDriver::Cgroupfs),
        _ => None,
    }
}

/// The kubelet's `--cgroup-driver` against the driver the pods' and containers' cgroup paths
/// were written by.
pub(super) fn cgroup_driver_mismatch(index: &Index, out: &mut Vec<Finding>) {
    let node = &index.model.node;
    let layout = node.cgroup_driver;
    if layout == CgroupDriver::Unknown {
        return;
    }
    let Some(kubelet) = node.kubelet_pid.and_then(|pid| index.process(pid)) else {
        return;
    };
    let Some(said) = kubelet.cmdline.as_deref().and_then(kubelet_cgroup_driver) else {
        return;
    };
    if said == layout {
        return;
    }
    out.push(finding(
        &CGROUP_DRIVER_MISMATCH,
        Subject::Process(kubelet.pid),
        format!(
            "{} runs with --cgroup-driver={said}, but the pods' cgroups are laid out by the \
             {layout} driver",
            index.process_label(kubelet.pid)
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_is_read_in_both_spellings_and_the_last_one_wins() {
        let read = kubelet_cgroup_driver;
        assert_eq!(
            read("/usr/bin/kubelet --cgroup-driver=systemd --v=2"),
            Some(CgroupDriver::Systemd)
        );
        assert_eq!(
            read("kubelet --cgroup-driver cgroupfs"),
            Some(CgroupDriver::Cgroupfs)
        );
        assert_eq!(
            read("kubelet --cgroup-driver=systemd --cgroup-driver=cgroupfs"),
            Some(CgroupDriver::Cgroupfs)
        );
        assert_eq!(read("kubelet --config=/var/lib/kubelet/config.yaml"), None);
        assert_eq!(read("kubelet --cgroup-driver=nonsense"), None);
        assert_eq!(read("kubelet --cgroup-driver"), None);
        assert_eq!(read("kubelet --cgroup-drivers=systemd"), None);
    }
}
