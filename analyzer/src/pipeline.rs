//! The analysis in two steps: build the model from a snapshot, then evaluate the findings on the
//! model built. Every front end (the binary, the tests, the benchmarks) goes through here, so
//! findings always judge a whole model and the model never depends on them.

use crate::diff::{self, Diff};
use crate::findings;
use crate::model::{self, Model, Window};
use crate::snapshot::Snapshot;
use crate::window;

/// The model of the node a snapshot was taken from, with its findings.
pub fn analyze(snapshot: &Snapshot) -> Model {
    let model = model::build(snapshot);
    let window = window::observe(snapshot, &model);
    with_findings(model, window)
}

/// `analyze` for a snapshot it owns: the snapshot's files are released once they are parsed
/// (see `model::build_owned`), so that a big node does not hold both at once. A snapshot of
/// several samples is read whole first, for its window.
pub fn analyze_owned(snapshot: Snapshot) -> Model {
    if snapshot.sample_count() > 1 {
        return analyze(&snapshot);
    }
    with_findings(model::build_owned(snapshot), None)
}

/// What changed between the first and the last sample of one snapshot: the two samples'
/// models compared as `analyze_diff` compares two snapshots. Null for a snapshot of one sample.
pub fn analyze_samples_diff(snapshot: &Snapshot) -> Option<Diff> {
    let last = snapshot.sample_count().checked_sub(1).filter(|&p| p > 0)?;
    let first = analyze(&snapshot.at_sample(0)?);
    let last = analyze(&snapshot.at_sample(last)?);
    let mut diff = diff::compare(&first, &last);
    window::judge(snapshot, &mut diff);
    Some(diff)
}

fn with_findings(mut model: Model, window: Option<(Window, Diff)>) -> Model {
    model.findings = findings::evaluate(&model);
    if let Some((window, diff)) = window {
        model.findings.extend(diff.findings.interval);
        model.findings.sort_by(|a, b| {
            (a.severity, &a.rule, &a.subject).cmp(&(b.severity, &b.rule, &b.subject))
        });
        model.window = Some(window);
    }
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
