#![no_main]
//! Fuzz target: see `cybriq::wire::fuzzing::mdns`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cybriq::wire::fuzzing::mdns(data));
