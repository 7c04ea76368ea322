//! The diff engine over the layouts' nodes and small changes made to them in plain sight.

use crate::fixture;

#[test]
fn every_layout_compared_with_itself_is_an_empty_diff() {
    for layout in nodesnap_fixtures::layouts::NAMES {
        let model = fixture::model(layout);
        let diff = crate::analyze_diff(&model, &model);
        assert!(diff.is_empty(), "{layout}: {diff:#?}");
        assert_eq!(diff.interval_seconds, Some(0.0), "{layout}");
    }
}
