//! The self-contained HTML report: view structs made for the askama templates in templates/.
//! (Placeholder signature; being written.)

use crate::model::Model;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot render the report: {0}")]
    Render(String),
}

pub fn render_html(_model: &Model) -> Result<String, ReportError> {
    Err(ReportError::Render("the report is being written".into()))
}
