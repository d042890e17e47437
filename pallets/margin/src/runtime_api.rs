//! The margin engine's runtime API: an account's health and positions, the deleveraging
//! queue, a dated market's settlement, options' quotes and Greeks, the portfolio risk array
//! and the what-if simulator.

use codec::Codec;

use alloc::vec::Vec;
use polkadot_sdk::sp_arithmetic::FixedU128;

use crate::{
	AccountHealth, MarginAccount, MarketId, OptionPositionView, OptionQuote, OracleKey,
	RiskArrayView, SettlementState, SimulatedDeposit, SimulatedTrade, Simulation, SimulationError,
	UnderlyingGreeks,
};

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Read-only views of margin accounts. Version 2 added `settlement`; version 3 the
	/// option views; version 4 the portfolio risk array; version 5 the simulator (the chain
	/// has not launched: every method is in every version it runs).
	#[api_version(5)]
	pub trait MarginApi<AccountId: Codec> {
		/// Equity, requirements, free collateral and positions of `account`, with what could
		/// not be priced (collateral counted as zero, markets valued as liquidation does).
		/// `None` only if no valuation is possible at all (no settlement asset).
		fn account_health(account: MarginAccount<AccountId>) -> Option<AccountHealth>;
		/// The auto-deleveraging queue of `market` for longs (`long`) or shorts: profitable
		/// positions ranked by profit share × leverage, highest first, at most `limit`.
		fn adl_queue(market: MarketId, long: bool, limit: u32) -> Vec<(MarginAccount<AccountId>, FixedU128)>;
		/// A dated market's settlement: its expiry, how much of the window fresh index samples
		/// cover so far, whether it was delayed, and the settlement price once fixed. `None`
		/// for a perpetual or an unknown market.
		fn settlement(market: MarketId) -> Option<SettlementState>;
		/// An option market's quote: its terms, the index and vol it is marked at, the mark
		/// and Greeks per whole unit, the book's mid and the vol it implies, open interest.
		/// `None` for a market that is not an option or has no mark.
		fn option_quote(market: MarketId) -> Option<OptionQuote>;
		/// Every option listed on `underlying` (each expiry's strikes, calls and puts) with
		/// its quote, by expiry.
		fn option_chain(underlying: OracleKey) -> Vec<OptionQuote>;
		/// `account`'s option positions with the premium paid or received, the quote and the
		/// Greeks scaled to the position.
		fn option_positions(account: MarginAccount<AccountId>) -> Vec<OptionPositionView>;
		/// `account`'s aggregate delta, gamma, vega and theta per underlying (perpetuals and
		/// futures count their delta).
		fn greeks_by_underlying(account: MarginAccount<AccountId>) -> Vec<UnderlyingGreeks>;
		/// `account`'s portfolio risk array — every scenario's PnL per underlying, the worst
		/// named, the add-ons, the credits, IM and MM — with the standard model's requirements
		/// beside it (whether or not the account opted in). `None` without a portfolio model.
		fn risk_array(account: MarginAccount<AccountId>) -> Option<RiskArrayView>;
		/// `account` after hypothetical `trades` (each at its price, or the mark; fees not
		/// counted) and `deposits` (negative: withdrawals): its figures before and after by its
		/// own model, after by the standard and the portfolio model, the positions and the risk
		/// array after. Nothing changes. An unknown market, a settled one, a zero quantity, an
		/// unpriced market without a price, a collateral the ledger refuses: an error naming it.
		fn simulate(
			account: MarginAccount<AccountId>,
			trades: Vec<SimulatedTrade>,
			deposits: Vec<SimulatedDeposit>,
		) -> Result<Simulation, SimulationError>;
	}
}
