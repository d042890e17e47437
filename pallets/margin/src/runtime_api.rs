//! The margin engine's runtime API: an account's health and positions.

use codec::Codec;

use alloc::vec::Vec;
use polkadot_sdk::sp_arithmetic::FixedU128;

use crate::{AccountHealth, MarginAccount, MarketId};

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Read-only views of margin accounts.
	pub trait MarginApi<AccountId: Codec> {
		/// Equity, requirements, free collateral and positions of `account`, with what could
		/// not be priced (collateral counted as zero, markets valued as liquidation does).
		/// `None` only if no valuation is possible at all (no settlement asset).
		fn account_health(account: MarginAccount<AccountId>) -> Option<AccountHealth>;
		/// The auto-deleveraging queue of `market` for longs (`long`) or shorts: profitable
		/// positions ranked by profit share × leverage, highest first, at most `limit`.
		fn adl_queue(market: MarketId, long: bool, limit: u32) -> Vec<(MarginAccount<AccountId>, FixedU128)>;
	}
}
