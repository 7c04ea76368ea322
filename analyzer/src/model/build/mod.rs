//! Joins a snapshot's parsed files into the model, one entity at a time:
//!
//! 1. `processes`: each process as one record of its role (from its name and arguments) and
//!    its cgroup class (from its cgroup lines);
//! 2. `containers`: the containers the cgroup paths and runtime metadata name, with their
//!    processes, init and sandbox flag (and the pods the paths name);
//! 3. `shims`: what each shim manages, and each container's shim;
//! 4. `pods`: each pod's containers and sandbox;
//! 5. `runtimes`: the runtime instances, and which one runs each shim, container and pod;
//! 6. `namespaces`: the host's namespaces, who holds each one, what each pod shares;
//! 7. `cgroups`: the merged cgroup tree and the driver its names vote for, built on a second
//!    thread while steps 1 to 6 run;
//! 8. `node`: the node's facts and the collection's record.
//!
//! The model comes back without findings: `crate::analyze` evaluates them once it is built.
//! Every join goes through a HashMap keyed by pid, inode, container id or pod uid, so the work
//! grows with the number of processes, never with its square.

mod cgroups;
mod containers;
mod namespaces;
mod node;
mod pods;
mod processes;
mod runtimes;
mod shims;

use super::gather::gather;
use super::inputs::{Inputs, RawProcess};
use super::names::MetadataIndex;
use super::sos::gather_sosreport;
use super::types::{
    CollectionSource, Container, Model, Namespace, Pod, Process, RuntimeInfo, SCHEMA_VERSION,
};
use crate::snapshot::{Origin, Snapshot};
use cgroups::CgroupFacts;
pub(crate) use node::rfc3339;
use nodesnap_format::{Gap, Manifest, RuntimeMetadata};
use pods::{PodGroups, PodSources};
use processes::ClassCache;
use runtimes::{ContainerInstances, RuntimeIndex};
use shims::Shims;
use std::collections::HashSet;

/// Builds the model of the node a snapshot was taken from, without findings. An sosreport's
/// inputs are gathered by `model::sos`, a snapshot's by `gather`; the joins are the same.
pub fn build(snapshot: &Snapshot) -> Model {
    if snapshot.origin == Origin::Sosreport {
        let sos = gather_sosreport(snapshot);
        return from_sosreport(assemble(
            &sos.inputs,
            &sos.manifest,
            &sos.metadata,
            &snapshot.load_gaps,
        ));
    }
    let inputs = gather(snapshot);
    assemble(
        &inputs,
        &snapshot.manifest,
        &snapshot.metadata,
        &snapshot.load_gaps,
    )
}

/// Builds the model from a snapshot it owns: the snapshot's files are released once they are
/// parsed, before the joins, so that a big node does not hold both at once.
pub fn build_owned(snapshot: Snapshot) -> Model {
    if snapshot.origin == Origin::Sosreport {
        let sos = gather_sosreport(&snapshot);
        let (_, _, load_gaps) = snapshot.into_parts();
        return from_sosreport(assemble(
            &sos.inputs,
            &sos.manifest,
            &sos.metadata,
            &load_gaps,
        ));
    }
    let inputs = gather(&snapshot);
    let (manifest, metadata, load_gaps) = snapshot.into_parts();
    assemble(&inputs, &manifest, &metadata, &load_gaps)
}

fn from_sosreport(mut model: Model) -> Model {
    model.collection.source = CollectionSource::Sosreport;
    model
}

/// Joins gathered facts into the model; pure.
pub fn assemble(
    inputs: &Inputs,
    manifest: &Manifest,
    metadata: &RuntimeMetadata,
    load_gaps: &[Gap],
) -> Model {
    let gaps: Vec<Gap> = manifest
        .gaps
        .iter()
        .chain(load_gaps.iter())
        .chain(inputs.problems.iter())
        .cloned()
        .collect();
    let touched = processes::pids_touched_by_gaps(&gaps);
    // The collector's own process is no part of the node.
    let raw: Vec<&RawProcess> = inputs
        .processes
        .iter()
        .filter(|p| Some(p.pid) != manifest.collector_pid)
        .collect();
    let (entities, (cgroups, cgroup_votes)) = std::thread::scope(|scope| {
        // The cgroup tree depends only on the gathered cgroups and processes: it is built on a
        // second core while the other steps run (on a big node each takes seconds).
        let tree = scope.spawn(|| cgroups::tree(&inputs.cgroups, &raw));
        let entities = join_entities(inputs, metadata, &raw, &touched);
        match tree.join() {
            Ok(tree) => (entities, tree),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    let votes = entities.driver_votes.iter().copied().chain(cgroup_votes);
    let driver = cgroups::majority_driver(votes);
    let node = node::node(&inputs.node, driver, entities.runtimes, &entities.processes);
    Model {
        schema_version: SCHEMA_VERSION,
        node,
        collection: node::collection(manifest),
        pods: entities.pods,
        containers: entities.containers,
        processes: entities.processes,
        namespaces: entities.namespaces,
        cgroups,
        findings: Vec::new(),
        gaps,
        window: None,
    }
}

/// What steps 1 to 6 make of the node's processes and runtime metadata.
struct Entities {
    processes: Vec<Process>,
    containers: Vec<Container>,
    pods: Vec<Pod>,
    namespaces: Vec<Namespace>,
    runtimes: Vec<RuntimeInfo>,
    /// The driver each process's cgroup path names (true for systemd), for step 8.
    driver_votes: Vec<bool>,
}

/// Steps 1 to 6, in order; each step's module says what it decides.
fn join_entities(
    inputs: &Inputs,
    metadata: &RuntimeMetadata,
    raw: &[&RawProcess],
    touched: &HashSet<u32>,
) -> Entities {
    let names = MetadataIndex::build(metadata);
    let mut classes = ClassCache::default();

    // 1. Processes, each with its role and cgroup class.
    let records = processes::classify(raw, &mut classes);
    let by_pid = processes::by_pid(&records);

    // 2. Containers and the pods their paths name; 3. shims, which tell sandboxes too.
    let (mut container_drafts, pod_drafts) =
        containers::named(&records, &inputs.cgroups, &mut classes, metadata, &names);

    let shims = Shims::named_by(&records);
    containers::settle(&mut container_drafts, &shims, &names);

    // 4. Pods; a container's shim may be its pod sandbox's, so shims are assigned after.
    let groups = PodGroups::of(&container_drafts, &names);
    shims::assign(&mut container_drafts, &shims, &by_pid, &groups, &names);

    // 5. Runtime instances, and the runtime of containers nothing else placed.
    let mut runtime_index = RuntimeIndex::build(&records, &metadata.daemons);
    runtimes::credit_containers(&mut runtime_index, &mut container_drafts);

    // The model's processes and containers, then 6. namespaces, which pods need.
    let processes = processes::to_model(&records, &container_drafts, &inputs.node, touched);
    let facts = CgroupFacts::new(&inputs.cgroups);
    let instances = ContainerInstances::new(&runtime_index, metadata);
    let containers = containers::to_model(&container_drafts, &names, &instances, &facts);

    let host_namespaces = namespaces::host_namespaces(&records);
    let pods = pods::to_model(
        &pod_drafts,
        &PodSources {
            groups: &groups,
            containers: &container_drafts,
            model_containers: &containers,
            names: &names,
            facts: &facts,
            host_namespaces: &host_namespaces,
            declared: &inputs.declared,
        },
    );
    let namespaces = namespaces::namespaces_with_holders(
        &processes,
        &host_namespaces,
        &groups.sandbox,
        &namespaces::namespace_joins(metadata),
    );

    Entities {
        driver_votes: records
            .iter()
            .filter_map(|r| r.class.systemd_driver)
            .collect(),
        processes,
        containers,
        pods,
        namespaces,
        runtimes: runtime_index.into_instances(),
    }
}
