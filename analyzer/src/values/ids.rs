//! Value types for the identifiers that tie the model together, each parsed from text once:
//! pids, namespace inodes and types, container, pod and runtime ids, QoS classes. Parsers return
//! them and the model joins by them, so they depend on nothing else of the analyzer.

use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A process id as the node's root pid namespace sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Pid(pub u32);

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A namespace's inode number, as in `net:[4026531992]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Inode(pub u64);

impl fmt::Display for Inode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A container id as the runtime writes it (64 lowercase hex digits for docker, containerd,
/// CRI-O and podman). Shown shortened to 12 characters, matched by unique prefix.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ContainerId(String);

impl ContainerId {
    /// Accepts the 64-hex-digit ids that runtimes generate; anything else is not an id.
    pub fn parse(text: &str) -> Option<ContainerId> {
        if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            Some(ContainerId(text.to_ascii_lowercase()))
        } else {
            None
        }
    }

    /// The UUID form some runtimes give their containers (Cloud Foundry's garden: 8-4-4-4-4 hex
    /// digits; others the full 8-4-4-4-12), with dashes or underscores, kept as written.
    pub fn parse_uuid(text: &str) -> Option<ContainerId> {
        let groups: Vec<&str> = text.split(['-', '_']).collect();
        let lengths_fit = matches!(groups.as_slice(), [a, b, c, d, e]
            if a.len() == 8 && b.len() == 4 && c.len() == 4 && d.len() == 4
                && (4..=12).contains(&e.len()));
        let hex = groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()));
        (lengths_fit && hex).then(|| ContainerId(text.to_ascii_lowercase()))
    }

    /// The id ECS on Fargate (platform 1.4 and later) gives a container: the task's 32 hex
    /// digits, a dash and a number of one to ten digits.
    pub fn parse_task(text: &str) -> Option<ContainerId> {
        let (task, number) = text.split_once('-')?;
        let task_fits = task.len() == 32 && task.bytes().all(|b| b.is_ascii_hexdigit());
        let number_fits =
            (1..=10).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit());
        (task_fits && number_fits).then(|| ContainerId(text.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 12-character form docker and crictl print.
    pub fn short(&self) -> &str {
        &self.0[..12.min(self.0.len())]
    }
}

impl fmt::Display for ContainerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One runtime daemon instance of a node: its kind and the socket it serves
/// (`containerd@/run/containerd/containerd.sock`), or for daemonless podman its storage root
/// (`podman@/var/lib/containers/storage`). The socket outlives the daemon's pid, so the same
/// instance keeps its id across restarts and between two snapshots; where no socket is known
/// the pid stands in (`containerd@pid:812`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RuntimeId(String);

impl RuntimeId {
    pub fn new(kind: &str, place: &str) -> RuntimeId {
        RuntimeId(format!("{kind}@{place}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RuntimeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A podman pod's id (64 hex digits), which names the pod's cgroup: `/libpod_parent/<id>` with
/// the cgroupfs manager, `machine-libpod_pod_<id>.slice` with systemd. A pod is no container.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct PodmanPodId(String);

impl PodmanPodId {
    pub fn parse(text: &str) -> Option<PodmanPodId> {
        ContainerId::parse(text).map(|id| PodmanPodId(id.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 12-character form `podman pod ps` prints.
    pub fn short(&self) -> &str {
        &self.0[..12.min(self.0.len())]
    }
}

impl fmt::Display for PodmanPodId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A pod's uid in its canonical form with dashes, however the cgroup path spells it
/// (`pod<uid>` with dashes under cgroupfs, underscores under the systemd driver).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct PodUid(String);

impl PodUid {
    /// Parses a uid written with dashes or underscores: 8-4-4-4-12 hex digits. Static pods'
    /// uids are 32 hex digits without separators (a config hash) and are accepted as they are.
    pub fn parse(text: &str) -> Option<PodUid> {
        let canonical = text.replace('_', "-").to_ascii_lowercase();
        let groups: Vec<&str> = canonical.split('-').collect();
        let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        let all_hex = groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()));
        if all_hex && (lengths == [8, 4, 4, 4, 12] || lengths == [32]) {
            Some(PodUid(canonical))
        } else {
            None
        }
    }

    /// A podman pod as a pod: its 64-hex-digit id stands where Kubernetes puts a uid.
    pub fn from_podman(pod: &PodmanPodId) -> PodUid {
        PodUid(pod.as_str().to_string())
    }

    /// True for a podman pod's id (64 hex digits, which no Kubernetes uid has).
    pub fn is_podman(&self) -> bool {
        self.0.len() == 64
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PodUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A pod's Kubernetes quality-of-service class, as the kubelet encodes it in the cgroup path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QosClass {
    Guaranteed,
    Burstable,
    #[serde(rename = "besteffort")]
    BestEffort,
}

impl QosClass {
    pub fn as_str(self) -> &'static str {
        match self {
            QosClass::Guaranteed => "guaranteed",
            QosClass::Burstable => "burstable",
            QosClass::BestEffort => "besteffort",
        }
    }
}

impl fmt::Display for QosClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The namespace types the kernel exposes under /proc/<pid>/ns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NsType {
    Cgroup,
    Ipc,
    Mnt,
    Net,
    Pid,
    PidForChildren,
    Time,
    TimeForChildren,
    User,
    Uts,
}

impl NsType {
    pub const ALL: [NsType; 10] = [
        NsType::Cgroup,
        NsType::Ipc,
        NsType::Mnt,
        NsType::Net,
        NsType::Pid,
        NsType::PidForChildren,
        NsType::Time,
        NsType::TimeForChildren,
        NsType::User,
        NsType::Uts,
    ];

    /// The name of the link under /proc/<pid>/ns.
    pub fn as_str(self) -> &'static str {
        match self {
            NsType::Cgroup => "cgroup",
            NsType::Ipc => "ipc",
            NsType::Mnt => "mnt",
            NsType::Net => "net",
            NsType::Pid => "pid",
            NsType::PidForChildren => "pid_for_children",
            NsType::Time => "time",
            NsType::TimeForChildren => "time_for_children",
            NsType::User => "user",
            NsType::Uts => "uts",
        }
    }
}

impl fmt::Display for NsType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for NsType {
    type Err = UnknownNsType;

    fn from_str(text: &str) -> Result<NsType, UnknownNsType> {
        NsType::ALL
            .into_iter()
            .find(|t| t.as_str() == text)
            .ok_or_else(|| UnknownNsType(text.to_string()))
    }
}

/// Serialized by name so that maps keyed by namespace type read `{"net": ...}`.
impl Serialize for NsType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown namespace type {0:?}")]
pub struct UnknownNsType(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_uid_from_systemd_slice_uses_dashes() {
        let uid = PodUid::parse("f5f16f15_af9e_11ea_8af4_0050569e47b9").unwrap();
        assert_eq!(uid.as_str(), "f5f16f15-af9e-11ea-8af4-0050569e47b9");
    }

    #[test]
    fn pod_uid_rejects_wrong_group_lengths() {
        assert_eq!(PodUid::parse("f5f16f15-af9e-11ea-8af4"), None);
        assert_eq!(PodUid::parse("burstable"), None);
    }

    #[test]
    fn static_pod_hash_uid_is_accepted() {
        assert!(PodUid::parse("0123456789abcdef0123456789abcdef").is_some());
    }

    #[test]
    fn container_id_needs_64_hex_digits() {
        let full = "52eeb71ffa22cd8020a6214fa1a556c2e22c3012858a75aa5799b021502916e1";
        assert_eq!(ContainerId::parse(full).unwrap().short(), "52eeb71ffa22");
        assert_eq!(ContainerId::parse("52eeb71ffa22"), None);
        assert_eq!(ContainerId::parse(&"g".repeat(64)), None);
    }

    #[test]
    fn uuid_container_ids_keep_their_separators() {
        let garden = ContainerId::parse_uuid("6f265890-5165-7fab-6b52-18d1").unwrap();
        assert_eq!(garden.as_str(), "6f265890-5165-7fab-6b52-18d1");
        let full = ContainerId::parse_uuid("37261842_26f5_d314_7c25_fdeab5b60097").unwrap();
        assert_eq!(full.as_str(), "37261842_26f5_d314_7c25_fdeab5b60097");
        assert_eq!(ContainerId::parse_uuid("6f26589-5165-7fab-6b52-18d1"), None);
        assert_eq!(ContainerId::parse_uuid("6f265890-5165-7fab-6b52-18d"), None);
        assert_eq!(
            ContainerId::parse_uuid("6f265890-5165-7fab-6b52-18d1abcd12345"),
            None
        );
        assert_eq!(
            ContainerId::parse_uuid("6g265890-5165-7fab-6b52-18d1"),
            None
        );
    }

    #[test]
    fn fargate_task_container_ids_have_a_number_of_one_to_ten_digits() {
        let task = "34dc0b5e626f2c5c4c5170e34b10e765";
        assert!(ContainerId::parse_task(&format!("{task}-1234567890")).is_some());
        assert!(ContainerId::parse_task(&format!("{task}-1")).is_some());
        assert_eq!(
            ContainerId::parse_task(&format!("{task}-12345678901")),
            None
        );
        assert_eq!(ContainerId::parse_task(&format!("{task}-12a")), None);
        assert_eq!(ContainerId::parse_task(&format!("{}-1", &task[1..])), None);
    }

    #[test]
    fn ns_type_round_trips_through_its_link_name() {
        for t in NsType::ALL {
            assert_eq!(t.as_str().parse::<NsType>().unwrap(), t);
        }
        assert!("bogus".parse::<NsType>().is_err());
    }
}
