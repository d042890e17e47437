//! The oracle's runtime API: the price a consumer may use now, decided exactly as the chain
//! decides it (fresh median with quorum, not halted), with the reasons when there is none.
//! Keys are named by their symbol's bytes (ASCII text, e.g. `BTC`), not by the padded key.

use alloc::vec::Vec;

use crate::PriceStatus;

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Read-only views of the oracle.
	pub trait OracleApi {
		/// The status of the key named `symbol` now; `None` for an unknown key.
		fn price(symbol: Vec<u8>) -> Option<PriceStatus>;
		/// The status of every configured key (at most `MaxKeys`).
		fn prices() -> Vec<PriceStatus>;
	}
}
