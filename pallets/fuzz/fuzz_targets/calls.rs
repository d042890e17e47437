#![no_main]
//! Sequences of every clearinghouse pallet's extrinsics against the real runtime, with every
//! `try_state` and the cross-pallet invariants after each step (see `clearinghouse_stress::fuzz`).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
	clearinghouse_stress::fuzz::calls(data);
});
