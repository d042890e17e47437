#![no_main]
//! Any `VersionedXcm` program into this runtime's XCM executor, from a sibling, the relay chain
//! or a local account; every invariant after (see `clearinghouse_stress::fuzz`).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
	clearinghouse_stress::fuzz::xcm(data);
});
