//! Support for nodesnap's workspace-level tests: builders for fake node trees and live scenes.

pub mod scene;
