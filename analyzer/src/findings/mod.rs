//! Findings: rules with stable ids that explain what is wrong on the node.
//!
//! Each rule is a pure function of the model. `RULES` lists every rule with its severity, title
//! and the explanation shown beside each finding, the one list docs should be written from; a
//! rule's id never changes once released, so that tickets and scripts can refer to it.

use crate::model::{
    Cgroup, CgroupPath, Container, ContainerId, Finding, Holder, Model, NsType, Pid, Pod, PodUid,
    Process, ProcessRole, QosClass, Severity, Sharing, Subject,
};
use crate::views::text::plural;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One rule: its stable id, severity, a short title, and the explanation for a newcomer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub explanation: &'static str,
}

/// Share of CFS periods throttled at or above which a cgroup counts as heavily throttled (the
/// same line cgroupfs draws for its trouble notes).
pub const THROTTLED_PERCENT: u64 = crate::cgroupfs::THROTTLED_PERIODS_TROUBLE_PERCENT;
/// Fewer periods than this say too little about throttling to report it.
pub const THROTTLED_MIN_PERIODS: u64 = 100;
/// pids.current at or above this share of pids.max is near the limit.
pub const PIDS_NEAR_PERCENT: u64 = crate::cgroupfs::PIDS_NEAR_MAX_PERCENT;

pub const POD_HOST_NETWORK: Rule = Rule {
    id: "pod-host-network",
    severity: Severity::Info,
    title: "Pod uses the host's network namespace",
    explanation: "The pod's containers see the node's own network interfaces, routes and ports \
        (hostNetwork: true). That is normal for node agents such as kube-proxy or a CNI plugin, \
        but any other pod doing it can bind node ports, sniff node traffic and bypass network \
        policies. Check the pod spec's hostNetwork field and whether the workload really needs it.",
};

pub const POD_HOST_PID: Rule = Rule {
    id: "pod-host-pid",
    severity: Severity::Warning,
    title: "Pod uses the host's pid namespace",
    explanation: "The pod's containers see every process on the node (hostPID: true) and, with \
        enough privilege, can signal or trace them and read their environment. Monitoring agents \
        sometimes need it; application pods should not. Check the pod spec's hostPID field.",
};

pub const POD_HOST_IPC: Rule = Rule {
    id: "pod-host-ipc",
    severity: Severity::Warning,
    title: "Pod uses the host's ipc namespace",
    explanation: "The pod's containers share System V shared memory, semaphores and message \
        queues with the node (hostIPC: true), so they can read or corrupt other programs' shared \
        memory. Very few workloads need this. Check the pod spec's hostIPC field.",
};

pub const POD_SPLIT_NETWORK: Rule = Rule {
    id: "pod-split-network",
    severity: Severity::Critical,
    title: "Containers of one pod are in different network namespaces",
    explanation: "A pod's containers join the network namespace its sandbox (pause) container \
        holds, so they share one IP address and reach each other on localhost. Containers in \
        different network namespaces mean the sandbox was recreated under running containers or \
        the runtime lost track of it: traffic to the pod IP reaches only some containers. Compare \
        each container's net inode with the sandbox's (`analyzer lsns --type net`), check the \
        kubelet and runtime logs for sandbox restarts, and delete the pod so it is rebuilt.",
};

pub const PROCESS_OUTSIDE_CONTAINER_CGROUP: Rule = Rule {
    id: "process-outside-container-cgroup",
    severity: Severity::Warning,
    title: "Process in a container's namespaces but outside its cgroup",
    explanation: "The process shares namespaces with a container or pod but its cgroup is not \
        the container's, so the container's memory, cpu and pids limits do not apply to it and \
        its usage is charged elsewhere. Usually it was started with nsenter or a debugging tool, \
        or the runtime failed to move it into the cgroup. Look at its parent and command line \
        and at who started it.",
};

pub const PROCESS_OUTSIDE_CONTAINER_NAMESPACES: Rule = Rule {
    id: "process-outside-container-namespaces",
    severity: Severity::Warning,
    title: "Process in a container's cgroup but in the host's mount namespace",
    explanation: "Every container gets its own mount namespace, so a process in a container's \
        cgroup that sees the host's filesystems was not started by the runtime inside the \
        container: someone moved it into the cgroup (for example by writing its pid to \
        cgroup.procs), or a runtime bug left it there. It counts against the container's limits \
        without being isolated like it. Check its parent, command line and start time.",
};

pub const SHIM_WITHOUT_CONTAINER: Rule = Rule {
    id: "shim-without-container",
    severity: Severity::Warning,
    title: "Shim or conmon without container processes",
    explanation: "A containerd shim or conmon exists to hold one container (or, for \
        containerd-shim-runc-v2 under Kubernetes, one pod) open: it keeps its stdio and reaps \
        its exit code. A shim whose container has no processes is left over from a container \
        that exited or was removed without the runtime cleaning up, and it keeps memory and file \
        descriptors. Compare with `docker ps -a` or `crictl ps -a`; if the runtime does not know \
        the id, the shim can be stopped.",
};

pub const CONTAINER_WITHOUT_SHIM: Rule = Rule {
    id: "container-without-shim",
    severity: Severity::Warning,
    title: "Container processes without a shim",
    explanation: "A container's first process is normally a child of its shim or conmon, which \
        reports its exit to the runtime. When the shim is gone (it crashed, was killed, or the \
        runtime was upgraded in a way that lost it) the processes keep running but the runtime \
        can no longer stop, exec into or report on the container. Check the runtime's logs; \
        restarting the container or the pod usually restores a shim.",
};

pub const PROCESS_ZOMBIE: Rule = Rule {
    id: "process-zombie",
    severity: Severity::Warning,
    title: "Zombie process",
    explanation: "A zombie (state Z) has exited but its parent has not collected its exit \
        status. One zombie is harmless; many mean the parent does not reap its children, which \
        often happens when an application runs as pid 1 in a container without an init such as \
        tini. Zombies hold pid numbers, so enough of them exhaust pids.max or the node's pid_max. \
        Look at the parent process.",
};

pub const PROCESS_UNINTERRUPTIBLE: Rule = Rule {
    id: "process-uninterruptible",
    severity: Severity::Warning,
    title: "Process in uninterruptible sleep",
    explanation: "A process in state D waits inside the kernel, usually for disk or network \
        storage I/O (NFS, a stuck block device), and cannot be killed until the wait ends. They \
        raise the load average without using cpu. Several at once point at a storage problem: \
        check dmesg for hung task warnings and the health of the volumes the process uses.",
};

pub const CGROUP_OOM_KILLS: Rule = Rule {
    id: "cgroup-oom-kills",
    severity: Severity::Critical,
    title: "Processes killed for running out of memory",
    explanation: "The kernel's OOM killer ended processes in this cgroup because it reached its \
        memory limit (memory.max on cgroup v2, memory.limit_in_bytes on v1). In Kubernetes this \
        shows as OOMKilled and restarts. Compare the container's usage with its limit, raise the \
        memory limit or fix the leak; the count is since the cgroup was created.",
};

pub const CGROUP_CPU_THROTTLED: Rule = Rule {
    id: "cgroup-cpu-throttled",
    severity: Severity::Warning,
    title: "Heavy cpu throttling",
    explanation: "The cgroup has a cpu quota (a Kubernetes cpu limit) and used it up in a large \
        share of scheduling periods (nr_throttled / nr_periods in cpu.stat), so its threads were \
        paused until the next period. That shows as latency spikes even when the node has idle \
        cpu. Raise or remove the cpu limit, or reduce the number of busy threads.",
};

pub const CGROUP_PIDS_NEAR_LIMIT: Rule = Rule {
    id: "cgroup-pids-near-limit",
    severity: Severity::Warning,
    title: "Number of tasks near pids.max",
    explanation: "The pids controller caps how many processes and threads the cgroup may hold. \
        At the limit, fork and thread creation fail with EAGAIN, which applications report as \
        'resource temporarily unavailable'. Look for thread leaks or zombie processes, or raise \
        the kubelet's podPidsLimit.",
};

pub const QOS_OOM_SCORE_MISMATCH: Rule = Rule {
    id: "qos-oom-score-mismatch",
    severity: Severity::Warning,
    title: "oom_score_adj contradicts the pod's QoS class",
    explanation: "Under node memory pressure the kernel kills the process with the highest \
        oom_score_adj first. Kubernetes orders pods by QoS class through it: the kubelet \
        computes each app container's value from the pod's class (best-effort 1000, burstable \
        2 to 999, guaranteed -997, and -997 for node-critical pods such as kube-proxy whatever \
        their class) and hands it to the CRI runtime, which applies it; the runtime itself \
        gives each pod's sandbox (pause) -998. A different value means something changed it, \
        the QoS class is not what the cgroup path says, or the runtime clamped it: a runtime \
        that may not lower oom_score_adj below its own (containerd's and CRI-O's \
        restrict_oom_score_adj, rootless runtimes, a runtime without CAP_SYS_RESOURCE, common \
        in nested and test clusters) raises negative values to its own. Either way the node's \
        eviction order is not what Kubernetes expects. Check the pod's requests and limits, \
        the runtime's restrict_oom_score_adj setting and its own oom_score_adj, and anything \
        else that writes oom_score_adj.",
};

pub const COLLECTION_GAPS: Rule = Rule {
    id: "collection-gaps",
    severity: Severity::Info,
    title: "Some files could not be collected",
    explanation: "The collector records every file it could not read in full (a process that \
        exited mid-read, permission denied, a timeout, a size cap). Facts from those files are \
        missing from this model, so a missing finding there proves nothing. Processes that \
        vanished are normal on a busy node; permission or timeout gaps are worth re-collecting.",
};

/// Every rule, in the order docs list them.
pub const RULES: &[Rule] = &[
    POD_HOST_NETWORK,
    POD_HOST_PID,
    POD_HOST_IPC,
    POD_SPLIT_NETWORK,
    PROCESS_OUTSIDE_CONTAINER_CGROUP,
    PROCESS_OUTSIDE_CONTAINER_NAMESPACES,
    SHIM_WITHOUT_CONTAINER,
    CONTAINER_WITHOUT_SHIM,
    PROCESS_ZOMBIE,
    PROCESS_UNINTERRUPTIBLE,
    CGROUP_OOM_KILLS,
    CGROUP_CPU_THROTTLED,
    CGROUP_PIDS_NEAR_LIMIT,
    QOS_OOM_SCORE_MISMATCH,
    COLLECTION_GAPS,
];

/// Looks a rule up by id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// Runs every rule over the model; sorted by severity (critical first), rule, subject.
pub fn evaluate(model: &Model) -> Vec<Finding> {
    let ctx = Context::new(model);
    let mut findings = Vec::new();
    pod_host_namespaces(&ctx, &mut findings);
    pod_split_network(&ctx, &mut findings);
    process_outside_container_cgroup(&ctx, &mut findings);
    process_outside_container_namespaces(&ctx, &mut findings);
    shim_without_container(&ctx, &mut findings);
    container_without_shim(&ctx, &mut findings);
    process_states(&ctx, &mut findings);
    cgroup_oom_kills(&ctx, &mut findings);
    cgroup_cpu_throttled(&ctx, &mut findings);
    cgroup_pids_near_limit(&ctx, &mut findings);
    qos_oom_score_mismatch(&ctx, &mut findings);
    collection_gaps(&ctx, &mut findings);
    findings
        .sort_by(|a, b| (a.severity, &a.rule, &a.subject).cmp(&(b.severity, &b.rule, &b.subject)));
    findings
}

/// Indexes over the model shared by the rules.
struct Context<'a> {
    model: &'a Model,
    processes: HashMap<Pid, &'a Process>,
    containers: HashMap<&'a ContainerId, &'a Container>,
    pods: HashMap<&'a PodUid, &'a Pod>,
    holders: HashMap<(NsType, u64), &'a Holder>,
}

impl<'a> Context<'a> {
    fn new(model: &'a Model) -> Context<'a> {
        Context {
            model,
            processes: model.processes.iter().map(|p| (p.pid, p)).collect(),
            containers: model.containers.iter().map(|c| (&c.id, c)).collect(),
            pods: model.pods.iter().map(|p| (&p.uid, p)).collect(),
            holders: model
                .namespaces
                .iter()
                .map(|n| ((n.kind, n.inode.0), &n.holder))
                .collect(),
        }
    }

    fn holder(&self, process: &Process, kind: NsType) -> Option<&'a Holder> {
        let inode = process.namespaces.get(&kind)?;
        self.holders.get(&(kind, inode.0)).copied()
    }

    fn pod_label(&self, uid: &PodUid) -> String {
        match self.pods.get(uid) {
            Some(pod) => pod_label(pod),
            None => uid.to_string(),
        }
    }

    fn container_label(&self, id: &ContainerId) -> String {
        match self.containers.get(id) {
            Some(c) if c.sandbox => format!("sandbox ({})", id.short()),
            Some(Container {
                name: Some(name), ..
            }) => format!("{name} ({})", id.short()),
            _ => id.short().to_string(),
        }
    }

    fn process_label(&self, pid: Pid) -> String {
        match self.processes.get(&pid) {
            Some(p) => format!("{} {}", p.comm, p.pid),
            None => format!("pid {pid}"),
        }
    }

    /// Who owns a cgroup, for messages: the container or pod it belongs to.
    fn cgroup_label(&self, cgroup: &Cgroup) -> String {
        if let Some(id) = &cgroup.container_id {
            let mut label = format!("container {}", self.container_label(id));
            if let Some(uid) = &cgroup.pod_uid {
                label.push_str(&format!(" of pod {}", self.pod_label(uid)));
            }
            label
        } else if let Some(uid) = &cgroup.pod_uid {
            format!("pod {}", self.pod_label(uid))
        } else {
            format!("cgroup {}", cgroup.path)
        }
    }
}

fn pod_label(pod: &Pod) -> String {
    match (&pod.namespace, &pod.name) {
        (Some(ns), Some(name)) => format!("{ns}/{name}"),
        (None, Some(name)) => name.clone(),
        _ => pod.uid.to_string(),
    }
}

fn finding(rule: &Rule, subject: Subject, message: String) -> Finding {
    Finding {
        rule: rule.id.to_string(),
        severity: rule.severity,
        subject,
        message,
        explanation: rule.explanation.to_string(),
    }
}

fn pod_host_namespaces(ctx: &Context, out: &mut Vec<Finding>) {
    let checks = [
        (NsType::Net, &POD_HOST_NETWORK, "network"),
        (NsType::Pid, &POD_HOST_PID, "pid"),
        (NsType::Ipc, &POD_HOST_IPC, "ipc"),
    ];
    for pod in &ctx.model.pods {
        for (kind, rule, what) in checks {
            if pod.namespace_sharing.get(&kind) == Some(&Sharing::Host) {
                out.push(finding(
                    rule,
                    Subject::Pod(pod.uid.clone()),
                    format!("pod {} shares the host's {what} namespace", pod_label(pod)),
                ));
            }
        }
    }
}

fn pod_split_network(ctx: &Context, out: &mut Vec<Finding>) {
    for pod in &ctx.model.pods {
        let mut by_net: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for id in &pod.container_ids {
            let net = ctx
                .containers
                .get(id)
                .and_then(|c| c.init_pid)
                .and_then(|pid| ctx.processes.get(&pid))
                .and_then(|p| p.namespaces.get(&NsType::Net));
            if let Some(inode) = net {
                by_net
                    .entry(inode.0)
                    .or_default()
                    .push(ctx.container_label(id));
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
                    pod_label(pod),
                    by_net.len(),
                    groups.join("; ")
                ),
            ));
        }
    }
}

/// Namespace types a container or pod holds on its own; a process outside the container that
/// sits in one of them has entered it.
const ENTERABLE: [NsType; 4] = [NsType::Mnt, NsType::Pid, NsType::Net, NsType::Ipc];

fn process_outside_container_cgroup(ctx: &Context, out: &mut Vec<Finding>) {
    for p in &ctx.model.processes {
        // Without its cgroup file a process cannot be placed: no claim about it (other gaps,
        // such as an unreadable command line, do not matter here).
        if p.container_id.is_some()
            || p.kernel_thread
            || p.cgroups.is_empty()
            || p.role == ProcessRole::Shim
        {
            continue;
        }
        let entered: Vec<String> = ENTERABLE
            .iter()
            .filter_map(|kind| match ctx.holder(p, *kind)? {
                Holder::Container(id) => {
                    Some(format!("{kind} of container {}", ctx.container_label(id)))
                }
                Holder::Pod(uid) => Some(format!("{kind} of pod {}", ctx.pod_label(uid))),
                Holder::Host | Holder::Other => None,
            })
            .collect();
        if !entered.is_empty() {
            out.push(finding(
                &PROCESS_OUTSIDE_CONTAINER_CGROUP,
                Subject::Process(p.pid),
                format!(
                    "{} is outside any container's cgroup but in the {} namespace",
                    ctx.process_label(p.pid),
                    entered.join(", ")
                ),
            ));
        }
    }
}

fn process_outside_container_namespaces(ctx: &Context, out: &mut Vec<Finding>) {
    for p in &ctx.model.processes {
        let Some(id) = &p.container_id else { continue };
        if p.role == ProcessRole::Shim {
            continue;
        }
        if ctx.holder(p, NsType::Mnt) == Some(&Holder::Host) {
            out.push(finding(
                &PROCESS_OUTSIDE_CONTAINER_NAMESPACES,
                Subject::Process(p.pid),
                format!(
                    "{} is in the cgroup of container {} but in the host's mount namespace",
                    ctx.process_label(p.pid),
                    ctx.container_label(id)
                ),
            ));
        }
    }
}

fn shim_without_container(ctx: &Context, out: &mut Vec<Finding>) {
    let served: BTreeSet<Pid> = ctx
        .model
        .containers
        .iter()
        .filter(|c| !c.pids.is_empty())
        .filter_map(|c| c.shim_pid)
        .collect();
    // A shim that is itself the parent of a container process serves it, whatever ids say.
    let parents: BTreeSet<Pid> = ctx
        .model
        .processes
        .iter()
        .filter(|p| p.container_id.is_some())
        .map(|p| p.ppid)
        .collect();
    for p in &ctx.model.processes {
        if p.role != ProcessRole::Shim || served.contains(&p.pid) || parents.contains(&p.pid) {
            continue;
        }
        // The shim's target: from its arguments (the last 64-hex word names it for v1 shims'
        // -workdir, runc-v2's -id and conmon's -c).
        let target = p.cmdline.as_deref().and_then(shim_target_in_cmdline);
        let message = match target {
            Some(id) => format!(
                "{} manages {}, which has no processes",
                ctx.process_label(p.pid),
                ctx.container_label(&id)
            ),
            None => format!(
                "{} has no container processes below it",
                ctx.process_label(p.pid)
            ),
        };
        out.push(finding(
            &SHIM_WITHOUT_CONTAINER,
            Subject::Process(p.pid),
            message,
        ));
    }
}

/// The container id in a shim's or conmon's command line.
fn shim_target_in_cmdline(cmdline: &str) -> Option<ContainerId> {
    let mut words = cmdline.split_whitespace();
    while let Some(word) = words.next() {
        match word {
            "-workdir" | "--workdir" => {
                let dir = words.next()?;
                return dir
                    .trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .and_then(ContainerId::parse);
            }
            "-id" | "--id" | "-c" | "--cid" => return words.next().and_then(ContainerId::parse),
            _ => {}
        }
    }
    None
}

fn container_without_shim(ctx: &Context, out: &mut Vec<Finding>) {
    for c in &ctx.model.containers {
        if c.pids.is_empty() || c.shim_pid.is_some() {
            continue;
        }
        let init = c
            .init_pid
            .map(|pid| {
                let parent = ctx
                    .processes
                    .get(&pid)
                    .map(|p| ctx.process_label(p.ppid))
                    .unwrap_or_else(|| "unknown".to_string());
                format!(
                    "; its first process {} has parent {parent}",
                    ctx.process_label(pid)
                )
            })
            .unwrap_or_default();
        out.push(finding(
            &CONTAINER_WITHOUT_SHIM,
            Subject::Container(c.id.clone()),
            format!(
                "container {} has {} but no shim or conmon{init}",
                ctx.container_label(&c.id),
                plural(c.pids.len(), "process", "processes")
            ),
        ));
    }
}

fn where_label(ctx: &Context, p: &Process) -> String {
    match (&p.container_id, &p.pod_uid) {
        (Some(id), Some(uid)) => format!(
            " in container {} of pod {}",
            ctx.container_label(id),
            ctx.pod_label(uid)
        ),
        (Some(id), None) => format!(" in container {}", ctx.container_label(id)),
        _ => String::new(),
    }
}

/// D-state processes one by one; zombies one finding per parent, because the parent is what
/// needs fixing and a parent that never reaps can leave thousands.
fn process_states(ctx: &Context, out: &mut Vec<Finding>) {
    let mut zombies_of: BTreeMap<Pid, Vec<&Process>> = BTreeMap::new();
    for p in &ctx.model.processes {
        match p.state {
            'Z' => zombies_of.entry(p.ppid).or_default().push(p),
            'D' => out.push(finding(
                &PROCESS_UNINTERRUPTIBLE,
                Subject::Process(p.pid),
                format!(
                    "{}{} is in uninterruptible sleep (D)",
                    ctx.process_label(p.pid),
                    where_label(ctx, p)
                ),
            )),
            _ => {}
        }
    }
    for (parent, zombies) in zombies_of {
        let message = match zombies.as_slice() {
            [only] => format!(
                "{}{} is a zombie not reaped by its parent {}",
                ctx.process_label(only.pid),
                where_label(ctx, only),
                ctx.process_label(parent)
            ),
            many => {
                let pids: Vec<String> = many.iter().map(|z| z.pid.to_string()).collect();
                let place = many
                    .first()
                    .map(|z| where_label(ctx, z))
                    .unwrap_or_default();
                format!(
                    "{} zombies{place} not reaped by their parent {}: {}",
                    many.len(),
                    ctx.process_label(parent),
                    abbreviate(&pids, 10)
                )
            }
        };
        let subject = match zombies.as_slice() {
            [only] => Subject::Process(only.pid),
            _ => Subject::Process(parent),
        };
        out.push(finding(&PROCESS_ZOMBIE, subject, message));
    }
}

/// Children of each cgroup path, for rules that must not count a child's event twice.
fn children(model: &Model) -> HashMap<&CgroupPath, Vec<&Cgroup>> {
    let mut map: HashMap<&CgroupPath, Vec<&Cgroup>> = HashMap::new();
    for c in &model.cgroups {
        if let Some(parent) = &c.parent {
            map.entry(parent).or_default().push(c);
        }
    }
    map
}

fn cgroup_oom_kills(ctx: &Context, out: &mut Vec<Finding>) {
    let children = children(ctx.model);
    for c in &ctx.model.cgroups {
        let Some(kills) = c.usage.oom_kills.filter(|k| *k > 0) else {
            continue;
        };
        // cgroup v2 counts a child's kills in every ancestor too: report them where they
        // happened, and at a parent only the kills its children do not explain.
        let below: u64 = children
            .get(&c.path)
            .map(|kids| {
                kids.iter()
                    .filter_map(|k| k.usage.oom_kills)
                    .fold(0u64, u64::saturating_add)
            })
            .unwrap_or(0);
        if kills <= below {
            continue;
        }
        let limit = match c.limits.memory_max_bytes {
            Some(crate::model::Limit::Value(bytes)) => {
                format!(" (memory limit {})", bytes_text(bytes))
            }
            _ => String::new(),
        };
        out.push(finding(
            &CGROUP_OOM_KILLS,
            Subject::Cgroup(c.path.clone()),
            format!(
                "{} had {kills} OOM kill{}{limit}",
                ctx.cgroup_label(c),
                if kills == 1 { "" } else { "s" }
            ),
        ));
    }
}

fn cgroup_cpu_throttled(ctx: &Context, out: &mut Vec<Finding>) {
    for c in &ctx.model.cgroups {
        let (Some(periods), Some(throttled)) = (c.usage.cpu_nr_periods, c.usage.cpu_nr_throttled)
        else {
            continue;
        };
        // u128: the counters come from the node and may be anything up to u64::MAX.
        let percent = u128::from(throttled) * 100 / u128::from(periods.max(1));
        if periods < THROTTLED_MIN_PERIODS || percent < u128::from(THROTTLED_PERCENT) {
            continue;
        }
        out.push(finding(
            &CGROUP_CPU_THROTTLED,
            Subject::Cgroup(c.path.clone()),
            format!(
                "{} was throttled in {throttled} of {periods} cpu periods ({}%)",
                ctx.cgroup_label(c),
                percent
            ),
        ));
    }
}

fn cgroup_pids_near_limit(ctx: &Context, out: &mut Vec<Finding>) {
    for c in &ctx.model.cgroups {
        let (Some(crate::model::Limit::Value(max)), Some(current)) =
            (c.limits.pids_max, c.usage.pids_current)
        else {
            continue;
        };
        if max == 0 || u128::from(current) * 100 < u128::from(max) * u128::from(PIDS_NEAR_PERCENT) {
            continue;
        }
        out.push(finding(
            &CGROUP_PIDS_NEAR_LIMIT,
            Subject::Cgroup(c.path.clone()),
            format!(
                "{} holds {current} tasks of its pids.max {max}",
                ctx.cgroup_label(c)
            ),
        ));
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

fn qos_oom_score_mismatch(ctx: &Context, out: &mut Vec<Finding>) {
    for pod in &ctx.model.pods {
        let Some(qos) = pod.qos else { continue };
        for id in &pod.container_ids {
            let Some(container) = ctx.containers.get(id) else {
                continue;
            };
            let Some(init) = container.init_pid.and_then(|pid| ctx.processes.get(&pid)) else {
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
                .and_then(|pid| ctx.processes.get(&pid))
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
                    ctx.process_label(init.pid),
                    ctx.pod_label(&pod.uid)
                ),
            ));
        }
    }
}

fn collection_gaps(ctx: &Context, out: &mut Vec<Finding>) {
    let gaps = &ctx.model.gaps;
    if gaps.is_empty() {
        return;
    }
    let partial: Vec<String> = ctx
        .model
        .processes
        .iter()
        .filter(|p| p.partial)
        .map(|p| p.pid.to_string())
        .collect();
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    for gap in gaps {
        *by_reason.entry(gap.reason.as_str()).or_default() += 1;
    }
    let reasons: Vec<String> = by_reason
        .iter()
        .map(|(reason, n)| format!("{n} {reason}"))
        .collect();
    let cgroup_files = gaps
        .iter()
        .filter(|g| g.path.starts_with("sys/fs/cgroup"))
        .count();
    let other: Vec<&str> = gaps
        .iter()
        .filter(|g| !g.path.starts_with("proc/") && !g.path.starts_with("sys/fs/cgroup"))
        .map(|g| g.path.as_str())
        .collect();
    let mut message = format!(
        "{} not collected in full ({})",
        plural(gaps.len(), "file", "files"),
        reasons.join(", ")
    );
    if !partial.is_empty() {
        message.push_str(&format!(
            "; {} partial: {}",
            plural(partial.len(), "process", "processes"),
            abbreviate(&partial, 10)
        ));
    }
    if cgroup_files > 0 {
        message.push_str(&format!(
            "; {}",
            plural(cgroup_files, "cgroup file", "cgroup files")
        ));
    }
    if !other.is_empty() {
        let other: Vec<String> = other.iter().map(|s| s.to_string()).collect();
        message.push_str(&format!("; also {}", abbreviate(&other, 5)));
    }
    out.push(finding(&COLLECTION_GAPS, Subject::Node, message));
}

/// Bytes in binary units as people read them: `256 MiB`, `1.5 GiB`, `512 B`.
pub fn bytes_text(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let name = UNITS.get(unit).copied().unwrap_or("B");
    if unit == 0 || value.fract() == 0.0 {
        format!("{value:.0} {name}")
    } else {
        format!("{value:.1} {name}")
    }
}

fn abbreviate(items: &[String], keep: usize) -> String {
    if items.len() <= keep {
        items.join(", ")
    } else {
        let shown = items.get(..keep).unwrap_or(items);
        format!("{} and {} more", shown.join(", "), items.len() - keep)
    }
}

#[cfg(test)]
mod tests;
