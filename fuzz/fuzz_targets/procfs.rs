//! Fuzzes every /proc parser with one input; see `analyzer::procfs::fuzz_parsers`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| analyzer::procfs::fuzz_parsers(data));
