//! Fuzzes the collector's command-line redaction: no panic, bounded growth, idempotent, planted
//! secrets never survive; see `collector::redact::fuzz_redact`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| collector::redact::fuzz_redact(data));
