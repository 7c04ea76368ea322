//! Rules about the kubelet's setup against what the runtime wrote: the cgroup driver.

use super::{finding, rules::*};
use crate::model::{CgroupDriver, DriverSource, Finding, Subject};
use crate::present::Index;

/// The kubelet's cgroup driver (its flag, its config file's cgroupDriver line, or its default)
/// against the driver the pods' and containers' cgroup paths were written by.
pub(super) fn cgroup_driver_mismatch(index: &Index, out: &mut Vec<Finding>) {
    let node = &index.model.node;
    let layout = node.cgroup_driver;
    let (Some(kubelet), Some(said)) = (node.kubelet_pid, node.kubelet_cgroup_driver) else {
        return;
    };
    if layout == CgroupDriver::Unknown || said.driver == CgroupDriver::Unknown {
        return;
    }
    if said.driver == layout {
        return;
    }
    let how = match said.source {
        DriverSource::Flag => format!("runs with --cgroup-driver={}", said.driver),
        DriverSource::Config => format!("is configured with cgroupDriver: {}", said.driver),
        DriverSource::Default => format!(
            "names no cgroup driver, so uses its default {}",
            said.driver
        ),
    };
    out.push(finding(
        &CGROUP_DRIVER_MISMATCH,
        Subject::Process(kubelet),
        format!(
            "{} {how}, but the pods' cgroups are laid out by the {layout} driver",
            index.process_label(kubelet)
        ),
    ));
}
