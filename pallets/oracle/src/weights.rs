//! Weights of the oracle pallet.
//!
//! HAND-DERIVED, NOT GENERATED. The storage terms are exact (they follow the code: see each
//! function); the `ref_time` constants are conservative estimates, to be replaced by
//! `clearinghouse-node benchmark pallet --pallet pallet_clearinghouse_oracle` output once the
//! node is built with `--features runtime-benchmarks` (see the README, "Benchmarks").

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions of the oracle pallet.
pub trait WeightInfo {
	/// `feed` with `n` values.
	fn feed(n: u32) -> Weight;
	/// `set_key`.
	fn set_key() -> Weight;
	/// `remove_key`.
	fn remove_key() -> Weight;
	/// `reset_breaker`.
	fn reset_breaker() -> Weight;
	/// `add_feeder`.
	fn add_feeder() -> Weight;
	/// `remove_feeder`, visiting `k` keys.
	fn remove_feeder(k: u32) -> Weight;
	/// One `PriceProvider::price` read (for consumers that account their reads).
	fn read_price() -> Weight;
}

/// Worst-case encoded size of one key's state with 32 feeders: 32 × (1 + 16 + 17 + 8) + 90.
const KEY_STATE_PROOF: u64 = 1_450;
/// Encoded size of a key config and a feeder entry, with their storage keys.
const SMALL_ITEM_PROOF: u64 = 100;

/// Weights for a runtime with `T::DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	// Reads: Feeders(who), per value KeyConfigs(key) + KeyStates(key).
	// Writes: Feeders(who), per value KeyStates(key).
	fn feed(n: u32) -> Weight {
		let n = u64::from(n);
		Weight::from_parts(25_000_000, SMALL_ITEM_PROOF)
			.saturating_add(
				Weight::from_parts(20_000_000, KEY_STATE_PROOF + SMALL_ITEM_PROOF)
					.saturating_mul(n),
			)
			.saturating_add(T::DbWeight::get().reads(1 + 2 * n))
			.saturating_add(T::DbWeight::get().writes(1 + n))
	}
	// Reads: KeyConfigs(key), CounterForKeyConfigs. Writes: KeyConfigs(key), the counter.
	fn set_key() -> Weight {
		Weight::from_parts(15_000_000, 2 * SMALL_ITEM_PROOF)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	// Reads: KeyConfigs(key). Writes: KeyConfigs, its counter, KeyStates.
	fn remove_key() -> Weight {
		Weight::from_parts(15_000_000, SMALL_ITEM_PROOF)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	// Reads: KeyConfigs(key), KeyStates(key). Writes: KeyStates(key).
	fn reset_breaker() -> Weight {
		Weight::from_parts(15_000_000, KEY_STATE_PROOF + SMALL_ITEM_PROOF)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	// Reads: Feeders(who), the counter, every feeder (<= MaxFeeders = 32). Writes: Feeders, counter.
	fn add_feeder() -> Weight {
		Weight::from_parts(40_000_000, 33 * SMALL_ITEM_PROOF)
			.saturating_add(T::DbWeight::get().reads(34))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	// Reads: Feeders(who), per key KeyConfigs + KeyStates. Writes: Feeders, counter, per key KeyStates.
	fn remove_feeder(k: u32) -> Weight {
		let k = u64::from(k);
		Weight::from_parts(20_000_000, SMALL_ITEM_PROOF)
			.saturating_add(
				Weight::from_parts(10_000_000, KEY_STATE_PROOF + SMALL_ITEM_PROOF)
					.saturating_mul(k),
			)
			.saturating_add(T::DbWeight::get().reads(1 + 2 * k))
			.saturating_add(T::DbWeight::get().writes(2 + k))
	}
	// Reads: KeyConfigs(key), KeyStates(key).
	fn read_price() -> Weight {
		Weight::from_parts(8_000_000, KEY_STATE_PROOF + SMALL_ITEM_PROOF)
			.saturating_add(T::DbWeight::get().reads(2))
	}
}

/// Unit weights for tests.
impl WeightInfo for () {
	fn feed(n: u32) -> Weight {
		Weight::from_parts(1 + u64::from(n), 0)
	}
	fn set_key() -> Weight {
		Weight::from_parts(1, 0)
	}
	fn remove_key() -> Weight {
		Weight::from_parts(1, 0)
	}
	fn reset_breaker() -> Weight {
		Weight::from_parts(1, 0)
	}
	fn add_feeder() -> Weight {
		Weight::from_parts(1, 0)
	}
	fn remove_feeder(k: u32) -> Weight {
		Weight::from_parts(1 + u64::from(k), 0)
	}
	fn read_price() -> Weight {
		Weight::from_parts(1, 0)
	}
}
