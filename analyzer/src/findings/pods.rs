//! Rules about pods: host namespaces, a split network, and oom_score_adj against the pod's QoS
//! class.

use super::{finding, rules::*};
use crate::model::{Finding, NsType, QosClass, Sharing, Subject};
use crate::present::{labels, Index};
use std::collections::BTreeMap;

pub(super) fn host_namespaces(index: &Index, out: &mut Vec<Finding>) {
    let checks = [
        (NsType::Net, &POD_HOST_NETWORK, "network"),
        (NsType::Pid, &POD_HOST_PID, "pid"),
        (NsType::Ipc, &POD_HOST_IPC, "ipc"),
    ];
    for pod in &index.model.pods {
        for (kind, rule, what) in checks {
            if pod.namespace_sharing.get(&kind) == Some(&Sharing::Host) {
                out.push(finding(
                    rule,
                    Subject::Pod(pod.uid.clone()),
                    format!(
                        "pod {} shares the host's {what} namespace",
                        labels::pod(pod)
                    ),
                ));
            }
        }
    }
}

pub(super) fn split_network(index: &Index, out: &mut Vec<Finding>) {
    for pod in &index.model.pods {
        let mut by_net: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for id in &pod.container_ids {
            let net = index
                .container(id)
                .and_then(|c| c.init_pid)
                .and_then(|pid| index.process(pid))
                .and_then(|p| p.namespaces.get(&NsType::Net));
            if let Some(inode) = net {
                by_net
                    .entry(inode.0)
                    .or_default()
                    .push(index.container_label_with_id(id));
            }
        }
        if by_net.len() > 1 {
            let groups: Vec<String> = by_net
                .iter()
                .map(|(inode, names)| format!("net:[{inode}] {}", names.join(", ")))
                .collect();
            out.push(finding(
                &POD_SPLIT_NETWORK,
                Subject::Pod(pod.uid.clone()),
                format!(
                    "pod {} has containers in {} network namespaces: {}",
                    labels::pod(pod),
                    by_net.len(),
                    groups.join("; ")
                ),
            ));
        }
    }
}

/// What the kubelet gives guaranteed and node-critical pods' containers.
pub const GUARANTEED_OOM_SCORE_ADJ: i32 = -997;

/// The oom_score_adj range the kubelet gives a container of a QoS class.
pub fn expected_oom_score_adj(qos: QosClass, sandbox: bool) -> std::ops::RangeInclusive<i32> {
    if sandbox {
        return -998..=-998;
    }
    match qos {
        QosClass::Guaranteed => GUARANTEED_OOM_SCORE_ADJ..=GUARANTEED_OOM_SCORE_ADJ,
        QosClass::BestEffort => 1000..=1000,
        QosClass::Burstable => 2..=999,
    }
}

pub(super) fn qos_oom_score_mismatch(index: &Index, out: &mut Vec<Finding>) {
    for pod in &index.model.pods {
        let Some(qos) = pod.qos else { continue };
        for id in &pod.container_ids {
            let Some(container) = index.container(id) else {
                continue;
            };
            let Some(init) = container.init_pid.and_then(|pid| index.process(pid)) else {
                continue;
            };
            let Some(adj) = init.oom_score_adj else {
                continue;
            };
            let expected = expected_oom_score_adj(qos, container.sandbox);
            // The kubelet gives node-critical pods (system-node-critical priority) the
            // guaranteed value whatever their class.
            let critical = !container.sandbox && adj == GUARANTEED_OOM_SCORE_ADJ;
            if expected.contains(&adj) || critical {
                continue;
            }
            let range = if expected.start() == expected.end() {
                expected.start().to_string()
            } else {
                format!("{} to {}", expected.start(), expected.end())
            };
            let who = if container.sandbox {
                format!("the CRI runtime sets {range} for a sandbox")
            } else {
                format!("the kubelet asks the runtime for {range}")
            };
            // A runtime that may not go below its own value applies its own instead: the shim
            // (or conmon) inherited the daemon's, so equal values show the clamp.
            let runtime_adj = container
                .shim_pid
                .and_then(|pid| index.process(pid))
                .and_then(|shim| shim.oom_score_adj);
            let clamped = match runtime_adj {
                Some(own) if adj == own && adj > *expected.end() => format!(
                    "; {adj} is its shim's own value, as when the runtime may not lower \
                     oom_score_adj (restrict_oom_score_adj, rootless, no CAP_SYS_RESOURCE)"
                ),
                _ => String::new(),
            };
            out.push(finding(
                &QOS_OOM_SCORE_MISMATCH,
                Subject::Container(id.clone()),
                format!(
                    "{} of {qos} pod {} has oom_score_adj {adj}; {who}{clamped}",
                    labels::process(init),
                    labels::pod(pod)
                ),
            ));
        }
    }
}
