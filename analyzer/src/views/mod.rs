//! Terminal views modelled on ps, pstree, systemd-cgls, lsns and crictl pods, and the model export.
//!
//! Every view is a pure function from `&Model` and its options to a `String`; the binary only
//! picks one and prints it. Node data reaches the terminal only through `text::sanitize`.

pub mod cgls;
pub mod export;
pub mod index;
pub mod inspect;
pub mod lsns;
pub mod pods;
pub mod ps;
pub mod resolve;
pub mod summary;
pub mod table;
pub mod text;
pub mod tree;
pub mod units;

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
pub(crate) mod golden;
