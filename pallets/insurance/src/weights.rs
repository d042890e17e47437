//! Weights of the insurance pallet.
//!
//! HAND-DERIVED, NOT GENERATED: both calls are one vault operation (a deposit; a ledger
//! transfer of two ledger entries) plus the settlement lookup.

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions of the insurance pallet.
pub trait WeightInfo {
	/// `donate`.
	fn donate() -> Weight;
	/// `withdraw`.
	fn withdraw() -> Weight;
}

/// Weights for a runtime with `T::DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	// The vaults' deposit (7 reads, 5 writes) and the settlement lookup.
	fn donate() -> Weight {
		Weight::from_parts(70_000_000, 3_000)
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	// The settlement lookup, the fund's ledger (read twice, cached), the recipient's ledger.
	fn withdraw() -> Weight {
		Weight::from_parts(40_000_000, 2_000)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(2))
	}
}

/// For tests.
impl WeightInfo for () {
	fn donate() -> Weight {
		Weight::from_parts(70_000_000, 0)
	}
	fn withdraw() -> Weight {
		Weight::from_parts(40_000_000, 0)
	}
}
