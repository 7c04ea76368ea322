//! Joins a snapshot's parsed files into the model. (Placeholder signature; being written.)

use super::types::Model;
use crate::snapshot::Snapshot;

pub fn build(_snapshot: &Snapshot) -> Model {
    unimplemented!("model::build is being written")
}
