//! The window of a snapshot of several samples as the summary's lines (worded by
//! `present::window`, node text sanitized for the terminal).

use crate::model::Model;
use crate::views::text::sanitize;

/// `(key, value)` lines for the summary; none for a snapshot of one sample.
pub fn summary_lines(model: &Model) -> Vec<(&'static str, String)> {
    crate::present::window::lines(model, &|text| sanitize(text).into_owned())
}
