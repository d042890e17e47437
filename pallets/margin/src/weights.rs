//! Weights of the margin pallet.
//!
//! HAND-DERIVED, NOT GENERATED: storage terms follow the code, `ref_time` constants are
//! conservative estimates until `benchmark pallet --pallet pallet_clearinghouse_margin` output
//! replaces them.

use core::marker::PhantomData;
use polkadot_sdk::frame_support::{traits::Get, weights::Weight};

/// Weight functions of the margin pallet.
pub trait WeightInfo {
	/// `set_market_risk`.
	fn set_market_risk() -> Weight;
	/// The funding sampler with `m` markets, every one due (its worst case).
	fn sample_funding(m: u32) -> Weight;
	/// An oracle key's index reads changed: its `m` perpetuals' and futures' copies rewritten.
	fn quotes_changed(m: u32) -> Weight;
	/// One margin check of an account with `p` positions.
	fn margin_check(p: u32) -> Weight;
	/// One liquidation step (worst case: the book trades, the backstop takes the rest).
	fn liquidate() -> Weight;
	/// `cover_bad_debt`.
	fn cover_bad_debt() -> Weight;
	/// `set_liquidation_params`.
	fn set_liquidation_params() -> Weight;
	/// `deleverage` of one step: the longest, a counterparty trade.
	fn deleverage() -> Weight;
	/// A deleveraging scan valuing and ranking `n` counter-side holders, each a full account.
	fn adl_scan(n: u32) -> Weight;
	/// `set_settlement_params`.
	fn set_settlement_params() -> Weight;
	/// The settlement sampler over `m` registered dated markets, every one sampled and its
	/// price fixed.
	fn sample_settlements(m: u32) -> Weight;
	/// One position settled at expiry (a holder as large as an account may be).
	fn settle_position() -> Weight;
	/// `set_option_params`.
	fn set_option_params() -> Weight;
	/// As `margin_check`, every position a short option in a market of its own underlying and
	/// vol key.
	fn option_margin_check(p: u32) -> Weight;
	/// As `option_margin_check`, the account margined by the portfolio model.
	fn portfolio_margin_check(p: u32) -> Weight;
	/// `set_portfolio_params`.
	fn set_portfolio_params() -> Weight;
	/// `set_portfolio_margin` of the largest account.
	fn set_portfolio_margin() -> Weight;
	/// `deleverage_fund`: every backstop book valued as the largest account of options, the
	/// fund in deficit.
	fn deleverage_fund() -> Weight;
}

/// Weights for a runtime with `T::DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: polkadot_sdk::frame_system::Config> WeightInfo for SubstrateWeight<T> {
	// Reads and writes Markets (and its counter).
	fn set_market_risk() -> Weight {
		Weight::from_parts(20_000_000, 300)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	// The key's market list; per market its record read and written.
	fn quotes_changed(m: u32) -> Weight {
		let m = u64::from(m);
		Weight::from_parts(5_000_000, 600)
			.saturating_add(Weight::from_parts(5_000_000, 1_500).saturating_mul(m))
			.saturating_add(T::DbWeight::get().reads(1u64.saturating_add(m)))
			.saturating_add(T::DbWeight::get().writes(m))
	}
	// Per market: its params and state, the oracle (config, state, EMA), the book's market,
	// and a write of the state.
	fn sample_funding(m: u32) -> Weight {
		let m = u64::from(m);
		Weight::from_parts(5_000_000, 0)
			.saturating_add(Weight::from_parts(24_000_000, 4_200).saturating_mul(m))
			.saturating_add(T::DbWeight::get().reads(1 + 6 * m))
			.saturating_add(T::DbWeight::get().writes(m))
	}
	// The account, its collateral (ledger, per asset registry and price), per position the
	// market's params, state, oracle and book.
	fn margin_check(p: u32) -> Weight {
		let p = u64::from(p);
		Weight::from_parts(30_000_000, 5_000)
			.saturating_add(Weight::from_parts(15_000_000, 4_500).saturating_mul(p))
			.saturating_add(T::DbWeight::get().reads(6 + 6 * p))
	}
	// Two margin checks of a full account, a cancel in each market, an IOC sweeping the
	// order book's maker bound, the backstop's two position updates and the ledger transfers.
	fn liquidate() -> Weight {
		Self::margin_check(64)
			.saturating_mul(2)
			.saturating_add(Weight::from_parts(400_000_000, 60_000))
			.saturating_add(T::DbWeight::get().reads_writes(120, 100))
	}
	// The debt, the fund's balance, the transfer (both ledgers), the debt total.
	fn cover_bad_debt() -> Weight {
		Weight::from_parts(40_000_000, 3_000)
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	// One value written.
	fn set_liquidation_params() -> Weight {
		Weight::from_parts(10_000_000, 0).saturating_add(T::DbWeight::get().writes(1))
	}
	// As an option check, the scenario model run on top (measured on the runtime).
	fn portfolio_margin_check(p: u32) -> Weight {
		Self::option_margin_check(p).saturating_mul(3)
	}
	// One value written.
	fn set_portfolio_params() -> Weight {
		Weight::from_parts(10_000_000, 0).saturating_add(T::DbWeight::get().writes(1))
	}
	// A portfolio check of the largest account and the opt-in written.
	fn set_portfolio_margin() -> Weight {
		Self::portfolio_margin_check(64).saturating_add(T::DbWeight::get().reads_writes(2, 1))
	}
	// The deleveraging count, four backstop books (256 markets, 64 positions each) each
	// valued as an account of 64 options, the state and its counter written.
	fn deleverage_fund() -> Weight {
		Self::option_margin_check(64)
			.saturating_mul(4)
			.saturating_add(T::DbWeight::get().reads_writes(5, 2))
	}
	// As a margin check, with the option parameters and the vol key read per position.
	fn option_margin_check(p: u32) -> Weight {
		Self::margin_check(p).saturating_add(T::DbWeight::get().reads(3 * u64::from(p)))
	}
	// One value written.
	fn set_option_params() -> Weight {
		Weight::from_parts(10_000_000, 0).saturating_add(T::DbWeight::get().writes(1))
	}
	// One value written.
	fn set_settlement_params() -> Weight {
		Weight::from_parts(10_000_000, 0).saturating_add(T::DbWeight::get().writes(1))
	}
	// The count and parameters; per market its state, risk parameters and the oracle's price
	// (config and state), and the state written.
	fn sample_settlements(m: u32) -> Weight {
		let m = u64::from(m);
		Weight::from_parts(5_000_000, 1_000)
			.saturating_add(Weight::from_parts(25_000_000, 4_000).saturating_mul(m))
			.saturating_add(T::DbWeight::get().reads_writes(2 + 4 * m, m))
	}
	// The holder index, the account's entries, the market's parameters and state, funding,
	// both ledger entries, the entries and index written.
	fn settle_position() -> Weight {
		Weight::from_parts(60_000_000, 12_000)
			.saturating_add(T::DbWeight::get().reads_writes(10, 7))
	}
	// The state, a margin check of a full account, both positions and ledger entries, and
	// the counterparty's reduce-only orders refitted (each on its own level).
	fn deleverage() -> Weight {
		Self::margin_check(64)
			.saturating_add(Weight::from_parts(300_000_000, 300_000))
			.saturating_add(T::DbWeight::get().reads_writes(80, 75))
	}
	// The state; per holder its index key and a full account's margin check.
	fn adl_scan(n: u32) -> Weight {
		let n = u64::from(n);
		Weight::from_parts(10_000_000, 1_000)
			.saturating_add(Self::margin_check(64).saturating_mul(n))
			.saturating_add(T::DbWeight::get().reads_writes(1 + n, 1))
	}
}

/// For tests.
impl WeightInfo for () {
	fn set_market_risk() -> Weight {
		Weight::from_parts(20_000_000, 0)
	}
	fn quotes_changed(m: u32) -> Weight {
		Weight::from_parts(5_000_000 + 5_000_000 * u64::from(m), 0)
	}
	fn sample_funding(m: u32) -> Weight {
		Weight::from_parts(5_000_000 + 24_000_000 * u64::from(m), 0)
	}
	fn margin_check(p: u32) -> Weight {
		Weight::from_parts(30_000_000 + 15_000_000 * u64::from(p), 0)
	}
	fn liquidate() -> Weight {
		Weight::from_parts(500_000_000, 0)
	}
	fn cover_bad_debt() -> Weight {
		Weight::from_parts(40_000_000, 0)
	}
	fn set_liquidation_params() -> Weight {
		Weight::from_parts(10_000_000, 0)
	}
	fn deleverage() -> Weight {
		Weight::from_parts(400_000_000, 0)
	}
	fn adl_scan(n: u32) -> Weight {
		// A warm holder (its markets already read): far below a cold margin check.
		Weight::from_parts(10_000_000 + 5_000_000 * u64::from(n), 0)
	}
	fn set_settlement_params() -> Weight {
		Weight::from_parts(10_000_000, 0)
	}
	fn sample_settlements(m: u32) -> Weight {
		Weight::from_parts(5_000_000 + 25_000_000 * u64::from(m), 0)
	}
	fn settle_position() -> Weight {
		Weight::from_parts(60_000_000, 0)
	}
	fn set_option_params() -> Weight {
		Weight::from_parts(10_000_000, 0)
	}
	fn option_margin_check(p: u32) -> Weight {
		Self::margin_check(p).saturating_mul(2)
	}
	fn portfolio_margin_check(p: u32) -> Weight {
		Self::margin_check(p).saturating_mul(4)
	}
	fn set_portfolio_params() -> Weight {
		Weight::from_parts(10_000_000, 0)
	}
	fn set_portfolio_margin() -> Weight {
		Self::portfolio_margin_check(64)
	}
	fn deleverage_fund() -> Weight {
		Self::option_margin_check(64).saturating_mul(4)
	}
}
