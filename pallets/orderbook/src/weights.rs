//! Weights of the order-book pallet.
//!
//! HAND-DERIVED, NOT GENERATED. The storage terms follow the code (see the module docs of the
//! pallet: "Storage, and why it is cheap"); the `ref_time` constants are conservative
//! estimates, to be replaced by `clearinghouse-node benchmark pallet --pallet
//! pallet_clearinghouse_orderbook` output (see the README, "Benchmarks").

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions of the order-book pallet.
pub trait WeightInfo {
	/// `place_order` touching `m` resting orders (0: the order rests without trading), by a
	/// placer of no position and one collateral asset.
	fn place_order(m: u32) -> Weight;
	/// A resting `place_order` by a placer holding `n` positions and one collateral asset
	/// (what its margin check adds per position: the slope).
	fn place_positions(n: u32) -> Weight;
	/// A resting `place_order` by a placer of no position holding `k` collateral assets (what
	/// its margin check adds per asset: the slope).
	fn place_collaterals(k: u32) -> Weight;
	/// `cancel_order`.
	fn cancel_order() -> Weight;
	/// `cancel_all` of `n` orders.
	fn cancel_all(n: u32) -> Weight;
	/// `create_market`.
	fn create_market() -> Weight;
	/// `update_market`.
	fn update_market() -> Weight;
	/// `list_option_chain` of `s` strikes (`2s` markets).
	fn list_option_chain(s: u32) -> Weight;
	/// `set_market_status`.
	fn set_market_status() -> Weight;
	/// `bulk` with `c` cancels and `p` resting placements, each on a level of its own, by a
	/// placer of no position and one collateral asset.
	fn bulk(c: u32, p: u32) -> Weight;
	/// `bulk` with `p` resting placements on one level that already holds an order (only the
	/// per-placement slope is used: what a placement costs on a level the call holds).
	fn bulk_shared(p: u32) -> Weight;
	/// The expiry sweep of one level holding `n` orders, all expired.
	fn sweep_level(n: u32) -> Weight;
	/// A resting `place_order` on a full side that evicts the farthest level, of `n` orders.
	fn place_evicting(n: u32) -> Weight;
	/// The block hook reporting the mids of `n` books the previous block changed.
	fn report_mids(n: u32) -> Weight;
	/// `place_conditional`: one order, or (`o` = 1) an OCO pair.
	fn place_conditional(o: u32) -> Weight;
	/// `cancel_conditional` of an order of an OCO pair.
	fn cancel_conditional() -> Weight;
	/// Looking at an armed market (its prices, its six lanes) and firing `n` crossed orders
	/// into the queue (each with an OCO partner to cancel, each owner's list full).
	fn scan_market(n: u32) -> Weight;
	/// Taking a fired order from the queue and placing it (a resting placement by an account
	/// without positions; the placement's own weight is replaced by what it cost).
	fn execute_conditional() -> Weight;
	/// `place_twap` into a full list whose oldest order expired.
	fn place_twap() -> Weight;
	/// A due TWAP slice placed (an IOC filling one resting order; the placement's own weight
	/// is replaced by what it cost), rescheduled.
	fn twap_slice() -> Weight;
}

/// Proof bytes: a market with its level index (2 × 128 prices), a full level (64 orders of
/// ~60 bytes), an account's order index (64 orders of ~45 bytes).
const MARKET_PROOF: u64 = 2_200;
const LEVEL_PROOF: u64 = 3_900;
const ACCOUNT_PROOF: u64 = 3_100;
/// Proof bytes a margin check reads per position (risk parameters, state, price).
const POSITION_PROOF: u64 = 4_700;
/// Proof bytes a margin check reads per collateral asset (registry entry, price).
const COLLATERAL_PROOF: u64 = 2_600;

/// Weights for a runtime with `T::DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	// Resting: reads Markets, Levels(price), AccountOrders, Timestamp; writes Markets,
	// Levels(price), AccountOrders. Per touched maker (worst case: each on its own level):
	// reads and writes its Levels and the maker's AccountOrders.
	// Per position of the placer: its margin check reads the market's risk, state and price.
	fn place_order(m: u32) -> Weight {
		let m = u64::from(m);
		Weight::from_parts(45_000_000, MARKET_PROOF + LEVEL_PROOF + ACCOUNT_PROOF + 20)
			.saturating_add(
				Weight::from_parts(12_000_000, LEVEL_PROOF + ACCOUNT_PROOF).saturating_mul(m),
			)
			.saturating_add(T::DbWeight::get().reads(4 + 2 * m))
			.saturating_add(T::DbWeight::get().writes(3 + 2 * m))
	}
	// Per position of the placer: its margin check reads the market's risk, state, price and
	// the book's mid.
	fn place_positions(n: u32) -> Weight {
		let n = u64::from(n);
		Self::place_order(0)
			.saturating_add(Weight::from_parts(40_000_000, POSITION_PROOF).saturating_mul(n))
			.saturating_add(T::DbWeight::get().reads(4 * n))
	}
	// Per collateral: its registry entry and price.
	fn place_collaterals(k: u32) -> Weight {
		let k = u64::from(k);
		Self::place_order(0)
			.saturating_add(Weight::from_parts(20_000_000, COLLATERAL_PROOF).saturating_mul(k))
			.saturating_add(T::DbWeight::get().reads(2 * k))
	}
	// Reads Markets, AccountOrders, Levels; writes Markets, Levels, AccountOrders.
	fn cancel_order() -> Weight {
		Weight::from_parts(30_000_000, MARKET_PROOF + LEVEL_PROOF + ACCOUNT_PROOF)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	// Per order (worst case, each on its own level): a level read and write.
	fn cancel_all(n: u32) -> Weight {
		let n = u64::from(n);
		Weight::from_parts(30_000_000, MARKET_PROOF + ACCOUNT_PROOF)
			.saturating_add(Weight::from_parts(8_000_000, LEVEL_PROOF).saturating_mul(n))
			.saturating_add(T::DbWeight::get().reads(2 + n))
			.saturating_add(T::DbWeight::get().writes(2 + n))
	}
	// Reads and writes the market counter and the market.
	fn create_market() -> Weight {
		Weight::from_parts(15_000_000, MARKET_PROOF)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	fn list_option_chain(s: u32) -> Weight {
		// Per market as a listing, plus the chain's and the expiries' values.
		Self::create_market()
			.saturating_mul(2 * u64::from(s))
			.saturating_add(T::DbWeight::get().reads_writes(2 * u64::from(s), 2 * u64::from(s)))
	}
	fn update_market() -> Weight {
		Weight::from_parts(15_000_000, MARKET_PROOF)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn set_market_status() -> Weight {
		Self::update_market()
	}
	// One margin check per call.
	fn bulk(c: u32, p: u32) -> Weight {
		Self::cancel_order()
			.saturating_mul(u64::from(c))
			.saturating_add(Self::place_order(0).saturating_mul(u64::from(p)))
	}
	// The level, market and index read and written once; per placement the matching and the
	// index entry.
	fn bulk_shared(p: u32) -> Weight {
		Self::place_order(0)
			.saturating_add(Weight::from_parts(10_000_000, 0).saturating_mul(u64::from(p)))
	}
	// Reads the level, the market; per order its owner's index; writes the same.
	fn sweep_level(n: u32) -> Weight {
		let n = u64::from(n);
		Weight::from_parts(15_000_000, MARKET_PROOF + LEVEL_PROOF)
			.saturating_add(Weight::from_parts(6_000_000, ACCOUNT_PROOF).saturating_mul(n))
			.saturating_add(T::DbWeight::get().reads(2 + n))
			.saturating_add(T::DbWeight::get().writes(2 + n))
	}
	// A resting placement, plus the evicted level's read and removal and, per order, its
	// owner's index read and written.
	fn place_evicting(n: u32) -> Weight {
		let n = u64::from(n);
		Self::place_order(0)
			.saturating_add(Weight::from_parts(6_000_000, LEVEL_PROOF))
			.saturating_add(Weight::from_parts(6_000_000, ACCOUNT_PROOF).saturating_mul(n))
			.saturating_add(T::DbWeight::get().reads(1 + n))
			.saturating_add(T::DbWeight::get().writes(1 + n))
	}
	// Reads and empties the list; per book reads the market and the margin engine's record,
	// writes the record.
	fn report_mids(n: u32) -> Weight {
		let n = u64::from(n);
		Weight::from_parts(3_000_000, 0)
			.saturating_add(Weight::from_parts(8_000_000, MARKET_PROOF + 200).saturating_mul(n))
			.saturating_add(T::DbWeight::get().reads(1 + 2 * n))
			.saturating_add(T::DbWeight::get().writes(1 + n))
	}
	// Reads the market, the margin engine's record, the owner's list, the armed list; writes
	// per order the order and its index entry, then the list (and the armed list).
	fn place_conditional(o: u32) -> Weight {
		let o = u64::from(o);
		Weight::from_parts(40_000_000 + 15_000_000 * o, MARKET_PROOF + 8_000)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(4 + 2 * o))
	}
	fn cancel_conditional() -> Weight {
		Weight::from_parts(30_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn scan_market(n: u32) -> Weight {
		let n = u64::from(n);
		Weight::from_parts(40_000_000, MARKET_PROOF + 6_000)
			.saturating_add(Weight::from_parts(30_000_000, 6_000).saturating_mul(n))
			.saturating_add(T::DbWeight::get().reads(8 + 6 * n))
			.saturating_add(T::DbWeight::get().writes(7 * n))
	}
	fn execute_conditional() -> Weight {
		Self::place_positions(0)
			.saturating_add(Weight::from_parts(20_000_000, 4_000))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn place_twap() -> Weight {
		Weight::from_parts(40_000_000, MARKET_PROOF + 6_000)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	fn twap_slice() -> Weight {
		Self::place_order(1)
			.saturating_add(Weight::from_parts(20_000_000, 4_000))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(4))
	}
}

/// For tests.
impl WeightInfo for () {
	// 5 µs more at no maker than the resting benchmark: the taker's own bookings of its first
	// fill, as the runtime's fit carries them.
	fn place_order(m: u32) -> Weight {
		Weight::from_parts(50_000_000 + 12_000_000 * u64::from(m), 0)
	}
	fn place_positions(n: u32) -> Weight {
		Weight::from_parts(45_000_000 + 40_000_000 * u64::from(n), 0)
	}
	fn place_collaterals(k: u32) -> Weight {
		Weight::from_parts(45_000_000 + 20_000_000 * u64::from(k), 0)
	}
	fn cancel_order() -> Weight {
		Weight::from_parts(30_000_000, 0)
	}
	fn cancel_all(n: u32) -> Weight {
		Weight::from_parts(30_000_000 + 8_000_000 * u64::from(n), 0)
	}
	fn create_market() -> Weight {
		Weight::from_parts(15_000_000, 0)
	}
	fn update_market() -> Weight {
		Weight::from_parts(15_000_000, 0)
	}
	fn list_option_chain(s: u32) -> Weight {
		Weight::from_parts(30_000_000 * u64::from(s), 0)
	}
	fn set_market_status() -> Weight {
		Weight::from_parts(15_000_000, 0)
	}
	fn bulk(c: u32, p: u32) -> Weight {
		Weight::from_parts(30_000_000 * u64::from(c) + 45_000_000 * u64::from(p), 0)
	}
	fn bulk_shared(p: u32) -> Weight {
		Weight::from_parts(45_000_000 + 10_000_000 * u64::from(p), 0)
	}
	fn sweep_level(n: u32) -> Weight {
		Weight::from_parts(15_000_000 + 6_000_000 * u64::from(n), 0)
	}
	fn place_evicting(n: u32) -> Weight {
		Weight::from_parts(51_000_000 + 6_000_000 * u64::from(n), 0)
	}
	fn report_mids(n: u32) -> Weight {
		Weight::from_parts(3_000_000 + 8_000_000 * u64::from(n), 0)
	}
	fn place_conditional(o: u32) -> Weight {
		Weight::from_parts(40_000_000 + 15_000_000 * u64::from(o), 0)
	}
	fn cancel_conditional() -> Weight {
		Weight::from_parts(30_000_000, 0)
	}
	fn scan_market(n: u32) -> Weight {
		Weight::from_parts(40_000_000 + 30_000_000 * u64::from(n), 0)
	}
	fn execute_conditional() -> Weight {
		Weight::from_parts(20_000_000, 0).saturating_add(Self::place_positions(0))
	}
	fn place_twap() -> Weight {
		Weight::from_parts(40_000_000, 0)
	}
	fn twap_slice() -> Weight {
		Weight::from_parts(20_000_000, 0).saturating_add(Self::place_order(1))
	}
}
