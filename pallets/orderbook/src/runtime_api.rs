//! The order book's runtime API: book depth and an account's open orders, for front ends and
//! market makers (`state_call OrderbookApi_depth ...`).

// The macro's expansion of a versioned method repeats the trait's `AccountId: Codec` bound.
#![allow(clippy::multiple_bound_locations)]

use alloc::vec::Vec;
use codec::Codec;

use crate::{BookDepth, ConditionalView, MarginAccount, MarketId, OpenOrderView, TwapView};

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Read-only views of the order books. Version 2 adds conditional orders.
	#[api_version(2)]
	pub trait OrderbookApi<AccountId: Codec> {
		/// The best `levels` price levels of each side of `market` (price, total size), best
		/// first; `None` for an unknown market.
		fn depth(market: MarketId, levels: u32) -> Option<BookDepth>;
		/// `account`'s resting orders in `market`, oldest first.
		fn open_orders(market: MarketId, account: MarginAccount<AccountId>) -> Vec<OpenOrderView>;
		/// `owner`'s conditional orders (every sub-account and market), oldest first: each
		/// with its id, what it waits for, its OCO partner, and whether it fired and waits for
		/// its placement.
		#[api_version(2)]
		fn conditional_orders(owner: AccountId) -> Vec<ConditionalView>;
		/// `owner`'s running TWAP orders, oldest first: what is left to trade, the slices left
		/// and when the next is due.
		#[api_version(2)]
		fn twap_orders(owner: AccountId) -> Vec<TwapView>;
	}
}
