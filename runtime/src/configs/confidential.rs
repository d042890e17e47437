//! Confidential margin accounts: hidden settlement balances in the vaults' pool, checked by
//! the margin engine as withdrawals when shielded.

use crate::{AccountId, Runtime, Vaults};
use polkadot_sdk::{
	frame_support::{parameter_types, PalletId},
	sp_runtime::traits::AccountIdConversion,
};

parameter_types! {
	pub const ConfidentialPalletId: PalletId = PalletId(*b"clr/conf");
	/// The pool: every hidden balance, as one public total in the settlement ledger.
	pub ConfidentialPool: clearinghouse_primitives::MarginAccount<AccountId> =
		clearinghouse_primitives::MarginAccount::new(ConfidentialPalletId::get().into_account_truncating(), 0);
}

impl pallet_clearinghouse_confidential::Config for Runtime {
	type Ledger = Vaults;
	// Shielding takes value out of the account's public collateral: the margin engine's
	// withdrawal check decides, as for any withdrawal.
	type Guard = crate::Margin;
	type Pool = ConfidentialPool;
	type MaxSubAccounts = <Runtime as pallet_clearinghouse_vaults::Config>::MaxSubAccounts;
	type WeightInfo = crate::weights::pallet_clearinghouse_confidential::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ConfidentialBenchmarkHelper;
}

/// Funds margin accounts for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct ConfidentialBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_clearinghouse_confidential::BenchmarkHelper<AccountId> for ConfidentialBenchmarkHelper {
	fn fund(who: &clearinghouse_primitives::MarginAccount<AccountId>, amount: u128) {
		crate::configs::vaults::benchmark_fund_margin(who, amount);
	}
}
