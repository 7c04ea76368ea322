//! The typed ids the model is joined by. They live in [`crate::values::ids`], below the
//! parsers and the model alike; this module keeps `model::ids::*` paths working.

pub use crate::values::ids::*;
