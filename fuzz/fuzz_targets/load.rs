//! Fuzzes the snapshot loader from raw tarball bytes (gzip or plain tar) under small limits;
//! see `analyzer::snapshot::fuzz_load`. Regression inputs live in fuzz/regressions/load/ and
//! are replayed by `cargo test -p analyzer` on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| analyzer::snapshot::fuzz_load(data));
