//! The margin engine's runtime API: an account's health and positions.

use codec::Codec;

use crate::{AccountHealth, MarginAccount};

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Read-only views of margin accounts.
	pub trait MarginApi<AccountId: Codec> {
		/// Equity, requirements, free collateral and positions of `account`; `None` if a
		/// market it is exposed to has no price.
		fn account_health(account: MarginAccount<AccountId>) -> Option<AccountHealth>;
	}
}
