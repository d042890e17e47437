#![no_main]
//! An ISMP POST (or its timeout) of any body into the collateral bridge's module, as
//! pallet-ismp's handler calls it; every invariant after (see `clearinghouse_stress::fuzz`).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
	clearinghouse_stress::fuzz::ismp(data);
});
