//! The layouts of nodesnap-fixtures as unit tests see them, made the way a support engineer
//! makes them: the layout is written as a root tree, the real collector collects it, and the
//! real loader and model builder read the tarball. So the tests' nodes are the committed
//! fixture trees' nodes (the seed walkthrough's among them), and a test that passes here also
//! proves that the fixture and the model agree. Each layout is collected once per test run.

use crate::model::Model;
use crate::snapshot::Snapshot;
use nodesnap_fixtures::fake_node::FakeNode;
use nodesnap_fixtures::{layouts, pairs, TempDir};
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

/// The seed walkthrough's node (`layouts::seed`): its ids and pids are the consts there.
pub fn seed() -> Model {
    model("seed-node")
}

/// The model of one layout (a name of `layouts::NAMES`).
pub fn model(layout: &str) -> Model {
    static MODELS: OnceLock<Mutex<BTreeMap<String, Model>>> = OnceLock::new();
    let mut models = MODELS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    models
        .entry(layout.to_string())
        .or_insert_with(|| crate::analyze(&snapshot(layout)))
        .clone()
}

/// The snapshot of one layout, stamped with the moment the node is looked at
/// (`layouts::snapshot_time`) instead of the moment the test ran.
pub fn snapshot(layout: &str) -> Snapshot {
    static SNAPSHOTS: OnceLock<Mutex<BTreeMap<String, Snapshot>>> = OnceLock::new();
    let mut snapshots = SNAPSHOTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    snapshots
        .entry(layout.to_string())
        .or_insert_with(|| collect(layout))
        .clone()
}

/// The two models of a pair of nodesnap-fixtures (`pairs::NAMES`): the node as it was and
/// as it is some minutes later, each collected like a layout.
pub fn pair(name: &str) -> (Model, Model) {
    static MODELS: OnceLock<Mutex<BTreeMap<String, (Model, Model)>>> = OnceLock::new();
    let mut models = MODELS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    models
        .entry(name.to_string())
        .or_insert_with(|| {
            let pair = pairs::build(name).unwrap_or_else(|| panic!("no pair named {name}"));
            (
                crate::analyze(&collect_node(&format!("{name}-old"), &pair.old)),
                crate::analyze(&collect_node(&format!("{name}-new"), &pair.new)),
            )
        })
        .clone()
}

fn collect(layout: &str) -> Snapshot {
    let node = layouts::build(layout).unwrap_or_else(|| panic!("no layout named {layout}"));
    collect_node(layout, &node)
}

/// A node written as a tree under `layout`'s name, collected, loaded, and stamped with the
/// node's clock.
fn collect_node(layout: &str, node: &FakeNode) -> Snapshot {
    let dir = TempDir::new(&format!("analyzer-{layout}"));
    let root = dir.join(layout);
    node.write_to(&root)
        .unwrap_or_else(|e| panic!("writing {layout}: {e}"));
    let tarball = dir.join("snapshot.tar.gz");
    let mut config = collector::Config::new(root, collector::OutputTarget::Path(tarball.clone()));
    // A busy test machine must not turn a slow read into a gap that changes what tests see.
    config.timeout = std::time::Duration::from_secs(300);
    config.read_timeout = std::time::Duration::from_secs(60);
    collector::collect(&config, &mut |_| {}).unwrap_or_else(|e| panic!("collecting {layout}: {e}"));
    let mut snapshot = crate::snapshot::load(&tarball)
        .unwrap_or_else(|e| panic!("loading {}: {e}", tarball.display()));
    let late: Vec<&str> = snapshot
        .manifest
        .gaps
        .iter()
        .filter(|gap| gap.reason == nodesnap_format::GapReason::TimedOut)
        .map(|gap| gap.path.as_str())
        .collect();
    assert!(late.is_empty(), "collecting {layout} timed out on {late:?}");
    let at = layouts::snapshot_time(node);
    let manifest = &mut snapshot.manifest;
    manifest.started_at = at.clone();
    manifest.finished_at = at;
    manifest.duration_ms = 0;
    manifest.options.root = format!("tests/fixtures/{layout}");
    snapshot
}
