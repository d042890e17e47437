//! Placeholder weights until `scripts/benchmark` measures this pallet (replaced by the
//! generated file): the native verification times of `clearinghouse-zk` doubled for wasm.

#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

pub struct WeightInfo<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> pallet_clearinghouse_confidential::WeightInfo
	for WeightInfo<T>
{
	fn enable() -> Weight {
		Weight::from_parts(400_000_000, 3_000).saturating_add(T::DbWeight::get().reads_writes(2, 1))
	}
	fn shield() -> Weight {
		Weight::from_parts(100_000_000, 8_000).saturating_add(T::DbWeight::get().reads_writes(8, 4))
	}
	fn unshield() -> Weight {
		Weight::from_parts(8_000_000_000, 8_000)
			.saturating_add(T::DbWeight::get().reads_writes(8, 4))
	}
	// A two-value verification and two valuations of the largest account (the margin
	// engine's worst check) on top.
	fn prove_band() -> Weight {
		Weight::from_parts(20_000_000_000, 600_000)
			.saturating_add(T::DbWeight::get().reads_writes(500, 3))
	}
	// The margin engine's liquidation valuation of the largest account.
	fn start_grace() -> Weight {
		Weight::from_parts(8_000_000_000, 600_000)
			.saturating_add(T::DbWeight::get().reads_writes(500, 1))
	}
	// A two-value verification (as unshield's one value, doubled) and the inbox.
	fn transfer() -> Weight {
		Weight::from_parts(12_000_000_000, 12_000)
			.saturating_add(T::DbWeight::get().reads_writes(6, 5))
	}
	fn accept() -> Weight {
		Weight::from_parts(600_000_000, 8_000).saturating_add(T::DbWeight::get().reads_writes(3, 3))
	}
	fn reclaim() -> Weight {
		Weight::from_parts(200_000_000, 8_000).saturating_add(T::DbWeight::get().reads_writes(4, 3))
	}
}
