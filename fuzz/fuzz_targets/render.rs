//! Fuzzes the HTML report with node strings taken from the input: the page holds only the
//! templates' elements and attributes; see `analyzer::report::fuzz_render`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| analyzer::report::fuzz_render(data));
