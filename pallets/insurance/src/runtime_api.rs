//! The insurance fund's runtime API.

polkadot_sdk::sp_api::decl_runtime_apis! {
	/// The fund's balance.
	pub trait InsuranceApi {
		/// The fund's settlement-asset balance, in the settlement asset's smallest unit.
		fn balance() -> i128;
	}
}
