//! The one wording of where a model came from when it is not a nodesnap snapshot: the notice
//! the summary and the report put first for an sosreport, and the list of what it cannot show
//! (its `not_collected` gaps, without their `sosreport: ` prefix).

use crate::model::{CollectionSource, Model};
use nodesnap_format::GapReason;

/// The notice for a model read from an sosreport; None for a snapshot's.
pub fn notice(model: &Model) -> Option<String> {
    if model.collection.source != CollectionSource::Sosreport {
        return None;
    }
    let missing = cannot_show(model).len();
    Some(format!(
        "read from an sosreport ({}), not a nodesnap snapshot: {} it cannot show {} listed \
         below; command lines are as ps printed them, unredacted",
        model.collection.collector_version,
        crate::present::text::plural(missing, "kind of fact", "kinds of fact"),
        if missing == 1 { "is" } else { "are" },
    ))
}

/// What the input could not show, one line each.
pub fn cannot_show(model: &Model) -> Vec<&str> {
    model
        .gaps
        .iter()
        .filter(|g| g.reason == GapReason::NotCollected)
        .filter_map(|g| g.detail.as_deref())
        .map(|d| d.strip_prefix("sosreport: ").unwrap_or(d))
        .collect()
}
