//! The order book's runtime API: book depth and an account's open orders, for front ends and
//! market makers (`state_call OrderbookApi_depth ...`).

use alloc::vec::Vec;
use codec::Codec;

use crate::{BookDepth, MarginAccount, MarketId, OpenOrderView};

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Read-only views of the order books.
	pub trait OrderbookApi<AccountId: Codec> {
		/// The best `levels` price levels of each side of `market` (price, total size), best
		/// first; `None` for an unknown market.
		fn depth(market: MarketId, levels: u32) -> Option<BookDepth>;
		/// `account`'s resting orders in `market`, oldest first.
		fn open_orders(market: MarketId, account: MarginAccount<AccountId>) -> Vec<OpenOrderView>;
	}
}
