//! Fuzzes the cgroup control-file parsers and the v1, v2 and hybrid readers; see
//! `analyzer::cgroupfs::fuzz_parsers`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| analyzer::cgroupfs::fuzz_parsers(data));
