//! The confidential accounts' runtime API: what a trader's prover needs to build its proofs
//! (the account's commitment and version, the chain's genesis hash), nothing that reveals a
//! hidden balance.

use crate::{ConfidentialAccount, MarginAccount};
use codec::Codec;

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Confidential sub-accounts' public state.
	pub trait ConfidentialApi<AccountId: Codec> {
		/// `account`'s commitment, version, floor and encryption key; `None` if it is not
		/// confidential.
		fn state(account: MarginAccount<AccountId>) -> Option<ConfidentialAccount>;
		/// The genesis hash every proof is bound to — from block 1 on (at block 0 the runtime
		/// does not know it yet; a client may take its own `genesisHash`).
		fn genesis() -> [u8; 32];
		/// The pool's total: Σ of every hidden balance, publicly.
		fn pool_total() -> u128;
	}
}
