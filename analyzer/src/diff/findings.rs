//! The two snapshots' own findings compared by rule and subject: which appeared, which were
//! resolved, and which say something else now (a count that grew). The findings about the
//! interval itself are the judge's (`findings::interval`).

use super::{FindingChange, FindingChanges, FindingRef};
use crate::model::{Finding, Subject};
use std::collections::BTreeMap;

fn reference(f: &Finding) -> FindingRef {
    FindingRef {
        rule: f.rule.clone(),
        subject: f.subject.clone(),
        severity: f.severity,
        message: f.message.clone(),
    }
}

pub(super) fn compare(old: &[Finding], new: &[Finding]) -> FindingChanges {
    let by_key = |findings: &[Finding]| -> BTreeMap<(String, Subject), usize> {
        findings
            .iter()
            .enumerate()
            .map(|(i, f)| ((f.rule.clone(), f.subject.clone()), i))
            .collect()
    };
    let (before, after) = (by_key(old), by_key(new));
    let mut changes = FindingChanges::default();
    // In each snapshot's own order: severity, rule, subject.
    for f in new {
        match before.get(&(f.rule.clone(), f.subject.clone())) {
            None => changes.appeared.push(reference(f)),
            Some(&i) if old[i].message != f.message => changes.changed.push(FindingChange {
                rule: f.rule.clone(),
                subject: f.subject.clone(),
                severity: f.severity,
                old_message: old[i].message.clone(),
                new_message: f.message.clone(),
            }),
            Some(_) => {}
        }
    }
    changes.resolved = old
        .iter()
        .filter(|f| !after.contains_key(&(f.rule.clone(), f.subject.clone())))
        .map(reference)
        .collect();
    changes
}
