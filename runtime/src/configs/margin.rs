//! The margin engine: positions, fees, PnL and funding over the vaults, checks for the order
//! book and the vaults. Risk parameters are the `risk_admin` track's; the insurance share of
//! taker fees is a `pallet-parameters` value the same track sets.

use polkadot_sdk::*;

use frame_support::{parameter_types, traits::ConstU32, PalletId};

use crate::{
	configs::governance::dynamic_params, governance::RiskAdminOrigin, Oracle, Orderbook, Runtime,
	Timestamp, Vaults,
};

parameter_types! {
	/// The clearing, fee and insurance margin accounts derive from it.
	pub const MarginPalletId: PalletId = PalletId(*b"clr/mrgn");
}

impl pallet_clearinghouse_margin::Config for Runtime {
	type Time = Timestamp;
	type Prices = Oracle;
	type Book = Orderbook;
	type Ledger = Vaults;
	type Model = pallet_clearinghouse_margin::StandardModel;
	type RiskAdminOrigin = RiskAdminOrigin;
	type PalletId = MarginPalletId;
	type InsuranceFeeShare = dynamic_params::risk::InsuranceFeeShare;
	// Fifty positions and a margin of room: the benchmark goes to fifty.
	type MaxPositions = ConstU32<64>;
	type MaxMarkets = ConstU32<256>;
	// Liquidations trade in the order book first; the keeper's share of the penalty is a
	// `pallet-parameters` value of the risk track.
	type LiquidationBook = Orderbook;
	type LiquidatorShare = dynamic_params::risk::LiquidatorPenaltyShare;
	type MaxLiquidationsPerBlock = ConstU32<16>;
	// A deleveraging round ranks the best 16 counterparties and scans 64 accounts a block.
	type MaxAdlCandidates = ConstU32<16>;
	type AdlAccountsPerBlock = ConstU32<64>;
	type WeightInfo = crate::weights::pallet_clearinghouse_margin::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MarginBenchmarkHelper;
}

/// Prices through real oracle feeds, time through the timestamp pallet.
#[cfg(feature = "runtime-benchmarks")]
pub struct MarginBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_clearinghouse_margin::BenchmarkHelper<crate::AccountId> for MarginBenchmarkHelper {
	fn set_price(key: clearinghouse_primitives::OracleKey, price: sp_runtime::FixedU128) {
		Oracle::set_price_for_benchmarks(key, price);
	}
	fn set_time(now: u64) {
		pallet_timestamp::Now::<Runtime>::put(now);
	}
	fn fund(account: &clearinghouse_primitives::MarginAccount<crate::AccountId>, amount: u128) {
		crate::configs::vaults::benchmark_fund_margin(account, amount);
	}
}

parameter_types! {
	/// The insurance fund is the margin engine's insurance account.
	pub InsuranceFund: clearinghouse_primitives::MarginAccount<crate::AccountId> =
		crate::Margin::insurance_account();
}

impl pallet_clearinghouse_insurance::Config for Runtime {
	type Ledger = Vaults;
	type Fund = InsuranceFund;
	// Only a `root`-track referendum spends the fund.
	type WithdrawOrigin = frame_system::EnsureRoot<crate::AccountId>;
	type WeightInfo = crate::weights::pallet_clearinghouse_insurance::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MarginBenchmarkHelper;
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_clearinghouse_insurance::BenchmarkHelper<crate::AccountId> for MarginBenchmarkHelper {
	fn fund_wallet(who: &crate::AccountId, amount: u128) {
		crate::configs::vaults::benchmark_mint_usd(who, amount);
	}
}
