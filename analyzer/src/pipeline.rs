//! The analysis in two steps: build the model from a snapshot, then evaluate the findings on the
//! model built. Every front end (the binary, the tests, the benchmarks) goes through here, so
//! findings always judge a whole model and the model never depends on them.

use crate::diff::{self, Diff};
use crate::findings;
use crate::model::{self, Model};
use crate::snapshot::Snapshot;

/// The model of the node a snapshot was taken from, with its findings.
pub fn analyze(snapshot: &Snapshot) -> Model {
    with_findings(model::build(snapshot))
}

/// `analyze` for a snapshot it owns: the snapshot's files are released once they are parsed
/// (see `model::build_owned`), so that a big node does not hold both at once.
pub fn analyze_owned(snapshot: Snapshot) -> Model {
    with_findings(model::build_owned(snapshot))
}

fn with_findings(mut model: Model) -> Model {
    model.findings = findings::evaluate(&model);
    // A cgroup's notes are the findings about it: one judge decides both.
    crate::present::notes::fill_trouble(&mut model);
    model
}

/// What changed from OLD to NEW, two models of one node (each from `analyze`), with the
/// findings about the interval between them: `diff::compare`, then the judge's interval rules.
pub fn analyze_diff(old: &Model, new: &Model) -> Diff {
    let mut diff = diff::compare(old, new);
    diff.findings.interval = findings::interval::evaluate(&diff);
    diff
}
