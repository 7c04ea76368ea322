//! The catalogue of rules: each rule's stable id, severity, title and the explanation shown
//! beside its findings, the one list docs are written from (docs/MODEL.md's table is checked
//! against `RULES`). A rule's id never changes once released, so that tickets and scripts can
//! refer to it.

use crate::model::Severity;

/// One rule: its stable id, severity, a short title, and the explanation for a newcomer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub title: &'static str,
    pub explanation: &'static str,
}

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

pub const CGROUP_MEMORY_LIMIT_HIT: Rule = Rule {
    id: "cgroup-memory-limit-hit",
    severity: Severity::Warning,
    title: "Memory use reached the cgroup's limit",
    explanation: "The cgroup's memory use reached its limit (memory.max on cgroup v2, \
        memory.limit_in_bytes on v1) this many times (memory.events max, memory.failcnt). Each \
        time the kernel reclaimed memory from the cgroup, page cache first, which slows the \
        workload down; when reclaim cannot free enough, the OOM killer ends a process \
        (cgroup-oom-kills). A v1 cgroup that is out of memory right now (under_oom) with the \
        OOM killer disabled stays stuck until memory is freed. Compare usage with the limit; \
        raise the limit or find what grows.",
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

pub const CGROUP_PIDS_LIMIT_HIT: Rule = Rule {
    id: "cgroup-pids-limit-hit",
    severity: Severity::Warning,
    title: "Forks refused at pids.max",
    explanation: "The pids controller refused to create a process or thread this many times \
        because the cgroup was at pids.max (pids.events max). Each refusal is a failed fork or \
        pthread_create (EAGAIN, 'resource temporarily unavailable') in the application, which \
        often crashes or hangs on it. Look for thread leaks or zombie processes, or raise the \
        kubelet's podPidsLimit; cgroup-pids-near-limit says how close the cgroup is now.",
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

pub const OOM_AT_POD_LEVEL: Rule = Rule {
    id: "oom-at-pod-level",
    severity: Severity::Critical,
    title: "The pod's own memory limit fired, not its container's",
    explanation: "A pod's cgroup can have a memory limit of its own above its containers' (the \
        sum of their limits, or the pod overhead), and when the pod's total reaches it the \
        kernel's OOM killer picks a victim anywhere in the pod, in a container that never \
        reached its own limit. The kernel counts `oom` in memory.events where the limit fired \
        and `oom_kill` where the victim lived, so the pod's own `oom` (memory.events.local, or \
        its count minus its containers' on kernels without it) says the pod's limit fired. On \
        cgroup v1 the sign is a killed container whose own memory.failcnt is 0 under a pod \
        whose failcnt is not. Look at all the pod's containers together: the container killed \
        may be the victim of another's growth; compare the pod's limit with the sum of its \
        containers' usage, and check sidecars and emptyDir volumes in memory (tmpfs counts \
        against the pod).",
};

pub const LEAKED_POD_CGROUP: Rule = Rule {
    id: "leaked-pod-cgroup",
    severity: Severity::Warning,
    title: "Pod or container cgroup with no processes and no runtime record",
    explanation: "Every pod and container cgroup belongs to a pod or container the runtime \
        knows. One with no process anywhere below it and no record in the runtime's state was \
        left behind when its pod or container was removed: the kubelet or runtime crashed \
        mid-cleanup, a process stayed in D state while the cgroup was removed, or the \
        kubelet's cgroup driver disagrees with the runtime's. Each leaked cgroup keeps kernel \
        memory (and, with a memory controller, the page cache charged to it: a dying cgroup), \
        and thousands of them slow every cgroup operation on the node. Check the pod uid or \
        container id with `crictl pods`/`crictl ps -a` or `docker ps -a`; if neither knows it, \
        the empty directory can be removed with rmdir (systemd-managed slices with systemctl \
        stop). A snapshot taken while a pod was being created or deleted can catch one \
        briefly: collect again before acting.",
};

pub const ZOMBIES_AGAINST_PIDS_LIMIT: Rule = Rule {
    id: "zombies-against-pids-limit",
    severity: Severity::Warning,
    title: "Zombies use up a share of pids.max",
    explanation: "A zombie keeps its pid until its parent reaps it, and the pids controller \
        counts it in pids.current like a live process. In a container whose pid 1 is the \
        application rather than an init (tini, dumb-init, catatonit, or the runtime's --init), \
        orphaned children are reparented to that application, which never waits for them, so \
        zombies pile up until fork and thread creation fail with EAGAIN at pids.max. \
        Applications often report that as out of memory ('cannot allocate memory', 'unable to \
        create native thread'), which sends the search the wrong way. Find the parent that \
        does not reap (the zombies' ppid), run the container with an init (shareProcessNamespace, \
        tini, `docker run --init`), or fix the application's child handling.",
};

pub const CGROUP_DRIVER_MISMATCH: Rule = Rule {
    id: "cgroup-driver-mismatch",
    severity: Severity::Critical,
    title: "The kubelet's cgroup driver differs from the runtime's",
    explanation: "The kubelet and the container runtime must manage cgroups the same way: \
        both through systemd (slices such as kubepods-burstable-pod<uid>.slice) or both \
        through cgroupfs (directories such as /kubepods/burstable/pod<uid>). When the \
        kubelet's --cgroup-driver (or cgroupDriver in its config file) names one and the \
        runtime writes the other layout, pods fail to start ('cgroup driver: cgroupfs is \
        different from docker cgroup driver: systemd'), or start with limits the kubelet \
        cannot see, and on a systemd host two managers fight over the same tree. Set the \
        kubelet's cgroupDriver and the runtime's (containerd's SystemdCgroup, CRI-O's \
        cgroup_manager, dockerd's native.cgroupdriver) to the same value, systemd on any \
        systemd host, and restart both.",
};

pub const PIDS_NEAR_PID_MAX: Rule = Rule {
    id: "pids-near-pid-max",
    severity: Severity::Critical,
    title: "The node's tasks near kernel.pid_max",
    explanation: "Every process and every thread takes a pid, and the kernel hands out no \
        more than kernel.pid_max of them node-wide. Near it, fork and thread creation fail \
        everywhere on the node, in system daemons as much as in pods: the kubelet, the runtime \
        and sshd stop working. Pod pids limits (podPidsLimit) exist to keep one pod from \
        doing this. Find the process with the most threads or children (`analyzer ps`), \
        set podPidsLimit, and raise kernel.pid_max (4194304 on 64-bit) if the node really \
        runs that many tasks.",
};

pub const MEMORY_PRESSURE: Rule = Rule {
    id: "memory-pressure",
    severity: Severity::Warning,
    title: "Tasks stalled waiting for memory",
    explanation: "Pressure stall information (PSI, memory.pressure or /proc/pressure/memory) \
        says what share of the last 10 and 60 seconds tasks spent waiting for memory: \
        reclaiming page cache, swapping in, or waiting for other tasks' reclaim. `some` means \
        at least one task waited, `full` that every non-idle task did at once, so no work got \
        done. Sustained memory pressure comes before OOM kills and makes latency climb long \
        before usage reaches the limit, and the kubelet's eviction does not see it. Compare \
        the working set with the limit, look at what the memory is (memory-mostly-reclaimable, \
        slab-dominates), and raise the limit or reduce what the workload caches.",
};

pub const CPU_PRESSURE: Rule = Rule {
    id: "cpu-pressure",
    severity: Severity::Warning,
    title: "Tasks stalled waiting for cpu",
    explanation: "Pressure stall information for cpu says what share of the last 10 and 60 \
        seconds runnable tasks waited for a cpu: the cgroup's quota ran out (cpu throttling), \
        or the node had more runnable threads than cpus. Unlike usage, it says the workload \
        was starved rather than busy, which shows as latency. For a container, check its cpu \
        limit and cgroup-cpu-throttled; for the node, its load average against its cpus and \
        which pods have no cpu limit.",
};

pub const IO_PRESSURE: Rule = Rule {
    id: "io-pressure",
    severity: Severity::Warning,
    title: "Tasks stalled waiting for io",
    explanation: "Pressure stall information for io says what share of the last 10 and 60 \
        seconds tasks waited for block I/O: a slow or saturated disk, a network volume, or \
        reclaim writing back dirty pages. `full` means every task of the cgroup was stuck at \
        once. Look at processes in D state (d-state-wait names what they wait in), the \
        volume's latency and throughput limits (cloud disks are throttled by IOPS), and \
        memory pressure, which turns into io pressure when page cache is reclaimed.",
};

pub const MEMORY_MOSTLY_RECLAIMABLE: Rule = Rule {
    id: "memory-mostly-reclaimable",
    severity: Severity::Info,
    title: "Near the memory limit, but mostly reclaimable: not a leak",
    explanation: "The cgroup's usage (memory.current, memory.usage_in_bytes) counts page \
        cache and reclaimable kernel slab as well as the process's own memory. The kernel \
        frees those first when the cgroup reaches its limit, so usage near the limit made of \
        them is normal and does not lead to OOM kills; dashboards that chart usage (or a \
        working set that still counts reclaimable slab, cadvisor #3081) make it look like a \
        leak. The figure the kubelet evicts on is the working set, usage minus inactive page \
        cache. Look at anon memory for real growth; tmpfs and shared memory (shmem) are not \
        reclaimable and are left out here.",
};

pub const SLAB_DOMINATES: Rule = Rule {
    id: "slab-dominates",
    severity: Severity::Warning,
    title: "Kernel slab makes up most of the cgroup's memory",
    explanation: "Slab is the kernel's own objects charged to the cgroup: dentries and inodes \
        of the files its processes touched, sockets, and other kernel structures. When it \
        outweighs the processes' memory, the workload creates and deletes many files (a \
        dentry cache of negative entries from lookups of missing files is a classic), opens \
        many sockets, or leaks kernel objects. The reclaimable part is freed under pressure; \
        the unreclaimable part is not and can OOM-kill a container whose processes are small. \
        Look at what the workload does with files and sockets, and at slab_unreclaimable in \
        memory.stat.",
};

pub const DYING_CGROUPS: Rule = Rule {
    id: "dying-cgroups",
    severity: Severity::Warning,
    title: "Many dying cgroups held by the kernel",
    explanation: "A removed cgroup stays in the kernel, dying, until the last memory charged \
        to it (page cache, kernel objects) is freed, which can take a long time when nothing \
        reclaims it. Each holds kernel memory (tens to hundreds of KiB with per-cpu data), \
        and thousands of them slow memory reclaim, reading memory.stat and every cgroup \
        operation on the node (moby #35601, kubernetes #112151). Pods that start and stop \
        often, cron jobs and exec probes create them. Check the count again later: a count \
        that only grows needs a kernel with the fixes that reparent page cache (5.x) or a \
        drop of the caches (echo 2 > /proc/sys/vm/drop_caches, with care).",
};

pub const CONNTRACK_NEAR_LIMIT: Rule = Rule {
    id: "conntrack-near-limit",
    severity: Severity::Critical,
    title: "Connection tracking table nearly full",
    explanation: "Every connection through the node's netfilter (kube-proxy's iptables or \
        IPVS rules, NAT to pods) takes an entry in the conntrack table. When it is full the \
        kernel drops new packets ('nf_conntrack: table full, dropping packet' in dmesg), which \
        shows as random connection timeouts across all pods. Raise \
        net.netfilter.nf_conntrack_max (kube-proxy's conntrack settings), shorten the timeouts of finished \
        connections, and find the pod that opens connections at a high rate.",
};

pub const INOTIFY_NEAR_LIMIT: Rule = Rule {
    id: "inotify-near-limit",
    severity: Severity::Warning,
    title: "inotify limits low for the node's containers",
    explanation: "inotify instances and watches are limited per user id \
        (fs.inotify.max_user_instances, max_user_watches), and most containers run as root, so they share \
        the limit with each other and with the kubelet and the runtime, which watch files \
        too. At the limit, applications fail with 'too many open files' or 'no space left on \
        device' from inotify_init or inotify_add_watch, and log tailers, config reloaders and \
        the kubelet's own watches stop working (k0s #8113, kops #2913). The snapshot cannot \
        count the watches in use (that needs every process's file descriptors), so the limits \
        are judged against the number of running containers. Raise both sysctls (8192 \
        instances and 524288 watches are common).",
};

pub const THREADS_NEAR_LIMIT: Rule = Rule {
    id: "threads-near-limit",
    severity: Severity::Critical,
    title: "The node's threads near kernel.threads-max",
    explanation: "kernel.threads-max caps the threads on the whole node (it is sized from \
        memory at boot). Near it, thread creation fails everywhere with EAGAIN, in system \
        daemons as much as in pods. Find the process with the most threads (`analyzer ps`), \
        set pod pids limits, or raise kernel.threads-max.",
};

pub const FILE_HANDLES_NEAR_LIMIT: Rule = Rule {
    id: "file-handles-near-limit",
    severity: Severity::Critical,
    title: "Open file handles near fs.file-max",
    explanation: "fs.file-max caps the open files of the whole node (file-nr says how many \
        are open). At the limit, open, socket and accept fail with ENFILE ('too many open \
        files in system') in every process, the kubelet and the runtime included. Find the \
        process holding the most descriptors (ls /proc/<pid>/fd | wc -l), look for a \
        descriptor leak, or raise fs.file-max.",
};

pub const D_STATE_WAIT: Rule = Rule {
    id: "d-state-wait",
    severity: Severity::Warning,
    title: "Processes in uninterruptible sleep, and what they wait in",
    explanation: "A process in state D waits inside the kernel and cannot be killed until \
        the wait ends; wchan names the kernel function it sleeps in, which says what it waits \
        for: rpc_wait_bit_killable or nfs_* an NFS server, io_schedule or folio_wait_bit a \
        disk, __refrigerator a frozen cgroup (a paused container, or a checkpoint), a mutex or \
        rwsem a kernel lock another task holds. Several processes in the same function point \
        at one cause. Check that server, volume or freezer state, and dmesg for hung task \
        warnings.",
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
    CGROUP_MEMORY_LIMIT_HIT,
    CGROUP_CPU_THROTTLED,
    CGROUP_PIDS_NEAR_LIMIT,
    CGROUP_PIDS_LIMIT_HIT,
    QOS_OOM_SCORE_MISMATCH,
    OOM_AT_POD_LEVEL,
    LEAKED_POD_CGROUP,
    ZOMBIES_AGAINST_PIDS_LIMIT,
    CGROUP_DRIVER_MISMATCH,
    PIDS_NEAR_PID_MAX,
    MEMORY_PRESSURE,
    CPU_PRESSURE,
    IO_PRESSURE,
    MEMORY_MOSTLY_RECLAIMABLE,
    SLAB_DOMINATES,
    DYING_CGROUPS,
    CONNTRACK_NEAR_LIMIT,
    INOTIFY_NEAR_LIMIT,
    THREADS_NEAR_LIMIT,
    FILE_HANDLES_NEAR_LIMIT,
    D_STATE_WAIT,
    COLLECTION_GAPS,
];

/// Looks a rule up by id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}
