//! The margin engine's runtime API: an account's health and positions, the deleveraging
//! queue, a dated market's settlement.

use codec::Codec;

use alloc::vec::Vec;
use polkadot_sdk::sp_arithmetic::FixedU128;

use crate::{AccountHealth, MarginAccount, MarketId, SettlementState};

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Read-only views of margin accounts. Version 2 added `settlement`.
	#[api_version(2)]
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
		#[api_version(2)]
		fn settlement(market: MarketId) -> Option<SettlementState>;
	}
}
