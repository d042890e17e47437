//! Confidential margin accounts: hidden settlement balances in the vaults' pool, checked by
//! the margin engine as withdrawals when shielded.

use crate::{deposit, AccountId, Balance, Balances, Runtime, RuntimeHoldReason, Vaults};
use polkadot_sdk::{
	frame_support::{
		parameter_types,
		traits::{ConstU32, ConstU64},
		PalletId,
	},
	sp_runtime::traits::AccountIdConversion,
};

parameter_types! {
	pub const ConfidentialPalletId: PalletId = PalletId(*b"clr/conf");
	/// The pool: every hidden balance, as one public total in the settlement ledger.
	pub ConfidentialPool: clearinghouse_primitives::MarginAccount<AccountId> =
		clearinghouse_primitives::MarginAccount::new(ConfidentialPalletId::get().into_account_truncating(), 0);
	/// An inbox entry's storage (about 300 bytes with its keys), held from the sender while
	/// the transfer waits: ~0.23 CLR.
	pub const InboxDeposit: Balance = deposit(1, 300);
}

impl pallet_clearinghouse_confidential::Config for Runtime {
	type Ledger = Vaults;
	// Shielding takes value out of the account's public collateral: the margin engine's
	// withdrawal check decides, as for any withdrawal.
	type Guard = crate::Margin;
	type Pool = ConfidentialPool;
	type MaxSubAccounts = <Runtime as pallet_clearinghouse_vaults::Config>::MaxSubAccounts;
	// Band proofs are valued by the margin engine at the band's ends.
	type Margin = crate::Margin;
	type Prices = crate::Oracle;
	type Time = crate::Timestamp;
	// Ten minutes to prove a new band once the proof stops covering the account; a proof names
	// a one-minute epoch.
	type GracePeriod = ConstU64<600_000>;
	type EpochMs = ConstU64<60_000>;
	// Sixteen transfers wait in an inbox at most, a day each before the sender may take one back.
	type MaxInbox = ConstU32<16>;
	type TransferExpiry = ConstU64<86_400_000>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type InboxDeposit = InboxDeposit;
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
	fn band(
		who: &clearinghouse_primitives::MarginAccount<AccountId>,
		underlying: clearinghouse_primitives::OracleKey,
	) -> (polkadot_sdk::sp_arithmetic::FixedU128, polkadot_sdk::sp_arithmetic::FixedU128) {
		use polkadot_sdk::sp_arithmetic::FixedU128;
		crate::configs::margin::benchmark_band_book(who, underlying, 100);
		(FixedU128::from_u32(90), FixedU128::from_u32(110))
	}
	fn make_liquidatable(who: &clearinghouse_primitives::MarginAccount<AccountId>, floor: u128) {
		use clearinghouse_primitives::collateral::{CollateralLedger, SettlementReason};
		// A public debt larger than the floor: equity below zero, the maintenance requirement.
		let elsewhere = clearinghouse_primitives::MarginAccount::new(who.owner.clone(), 1);
		let held = u128::try_from(Vaults::balance(who, 0).max(0)).unwrap_or_default();
		Vaults::transfer_settlement(who, &elsewhere, held + 2 * floor, SettlementReason::Pnl)
			.expect("settlement moves");
	}
}
