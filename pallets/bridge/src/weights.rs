//! Weights of the collateral bridge.
//!
//! HAND-DERIVED, NOT GENERATED: storage terms from the code, `ref_time` conservative, until
//! `scripts/benchmark pallet_clearinghouse_bridge` measures them on the runtime.

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions of the bridge.
pub trait WeightInfo {
	/// `set_route`.
	fn set_route() -> Weight;
	/// `remove_route`.
	fn remove_route() -> Weight;
	/// An accepted deposit POST (route, mint, vault deposit), excluding ISMP's own proof checks.
	fn on_accept() -> Weight;
	/// A refunded withdrawal timeout.
	fn on_timeout() -> Weight;
}

/// Weights for a runtime with `T::DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	// Reads the asset's route back; writes both maps.
	fn set_route() -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	fn remove_route() -> Weight {
		Self::set_route()
	}
	// The route; the mint (asset, account, system account); the vault deposit (registry, ledger,
	// token transfer): about 10 reads and 7 writes.
	fn on_accept() -> Weight {
		Weight::from_parts(150_000_000, 12_000)
			.saturating_add(T::DbWeight::get().reads(10))
			.saturating_add(T::DbWeight::get().writes(7))
	}
	fn on_timeout() -> Weight {
		Self::on_accept()
	}
}

/// For tests.
impl WeightInfo for () {
	fn set_route() -> Weight {
		Weight::from_parts(20_000_000, 0)
	}
	fn remove_route() -> Weight {
		Weight::from_parts(20_000_000, 0)
	}
	fn on_accept() -> Weight {
		Weight::from_parts(150_000_000, 0)
	}
	fn on_timeout() -> Weight {
		Weight::from_parts(150_000_000, 0)
	}
}
