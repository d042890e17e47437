//! The confidential accounts' runtime API: what a trader's prover needs to build its proofs
//! (the account's commitment and version, the chain's genesis hash, a band's public values),
//! nothing that reveals a hidden balance.

use crate::{BandQuote, ConfidentialView, MarginAccount, OracleKey};
use codec::Codec;
use polkadot_sdk::{sp_arithmetic::FixedU128, sp_runtime::DispatchError};

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// Confidential sub-accounts' public state.
	pub trait ConfidentialApi<AccountId: Codec> {
		/// `account`'s commitment, version, floor (`X_lock`), encryption key, last band and
		/// grace deadline; `None` if it is not confidential.
		fn state(account: MarginAccount<AccountId>) -> Option<ConfidentialView>;
		/// The genesis hash every proof is bound to — from block 1 on (at block 0 the runtime
		/// does not know it yet; a client may take its own `genesisHash`).
		fn genesis() -> [u8; 32];
		/// The pool's total: Σ of every hidden balance, publicly.
		fn pool_total() -> u128;
		/// What `confidential.proveBand(sub, underlying, low, high, headroom, proof)` by
		/// `account` is checked against in the queried block's state: the surpluses at both
		/// ends, the floor it sets, the epoch and version to name. The call's own errors
		/// (`NotEnabled`, `InvalidBand`, `PriceUnavailable`, `BandExcludesPrice`, the margin
		/// engine's `BandUnsupported`, ...) before any proof.
		fn band_quote(
			account: MarginAccount<AccountId>,
			underlying: OracleKey,
			low: FixedU128,
			high: FixedU128,
			headroom: u128,
		) -> Result<BandQuote, DispatchError>;
	}
}
