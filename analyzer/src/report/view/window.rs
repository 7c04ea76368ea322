//! The section "Over the sampling window" of a snapshot of several samples: the summary's
//! lines (`present::window`), node text made visible for the page.

use super::links::Fact;
use crate::model::Model;
use crate::report::text::visible;

#[derive(Debug, Clone)]
pub struct WindowView {
    /// `Window`, `Cpu use`, `Busiest`, `Grew`, `Held`, as the terminal summary words them.
    pub facts: Vec<Fact>,
}

/// None for a snapshot of one sample: the page then has no such section.
pub fn window_view(model: &Model) -> Option<WindowView> {
    model.window.as_ref()?;
    let facts = crate::present::window::lines(model, &visible)
        .into_iter()
        .map(|(label, value)| Fact::new(label, value))
        .collect();
    Some(WindowView { facts })
}
