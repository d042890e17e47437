//! The order book. Listing and delisting markets is the `market_admin` track's decision.

use polkadot_sdk::*;

use frame_support::{
	parameter_types,
	traits::{fungible::HoldConsideration, ConstU32, ConstU64, LinearStoragePrice},
};

use crate::{
	governance::MarketAdminOrigin, AccountId, Balance, Balances, Margin, Runtime,
	RuntimeHoldReason, Timestamp, UNIT,
};

impl pallet_clearinghouse_orderbook::Config for Runtime {
	type Time = Timestamp;
	type MarketAdminOrigin = MarketAdminOrigin;
	// The margin engine checks every order and books every fill.
	type MarginCheck = Margin;
	type FillHandler = Margin;
	type Listing = Margin;
	type MaxOptionsPerExpiry = ConstU32<64>;
	type MaxExpiriesPerUnderlying = ConstU32<12>;
	type MaxLevels = ConstU32<128>;
	type MaxOrdersPerLevel = ConstU32<64>;
	type MaxOpenOrders = ConstU32<64>;
	type MaxRecentClientIds = ConstU32<32>;
	type MaxMakersPerOrder = ConstU32<32>;
	type MaxBulk = ConstU32<64>;
	type MaxSubAccounts = super::MaxSubAccounts;
	type MaxMarkets = ConstU32<256>;
	type MaxConditionals = ConstU32<32>;
	type MaxTriggersPerBlock = ConstU32<16>;
	// Each fired order is declared at the costliest placement (2.3 MB of proof at most): three
	// fit one transaction (runtime test `a_keeper_trigger_call_of_the_most_placements_...`).
	type MaxTriggersPerCall = ConstU32<3>;
	// Five blocks: a slice a block would be a stream of IOCs, not a TWAP.
	type MinTwapInterval = ConstU64<10_000>;
	// A day of slices at the shortest interval.
	type MaxTwapSlices = ConstU32<8_640>;
	type Deposit = HoldConsideration<
		AccountId,
		Balances,
		ConditionalHoldReason,
		LinearStoragePrice<ConditionalBaseDeposit, ConditionalByteDeposit, Balance>,
	>;
	type WeightInfo = crate::weights::pallet_clearinghouse_orderbook::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = OrderbookBenchmarkHelper;
}

parameter_types! {
	/// Why conditional and TWAP orders hold native balance.
	pub const ConditionalHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Orderbook(pallet_clearinghouse_orderbook::HoldReason::ConditionalOrders);
	/// An owner with conditional orders holds a tenth of a CLR, and a thousandth a byte they
	/// occupy (0.2 CLR an order: 0.3 CLR for one): what keeps the trigger queue from being
	/// filled for free.
	pub const ConditionalBaseDeposit: Balance = UNIT / 10;
	pub const ConditionalByteDeposit: Balance = UNIT / 1_000;
}

/// Benchmark markets get margin parameters and an oracle price; benchmark accounts get a
/// million of the dev chain's settlement stablecoin in their margin account.
#[cfg(feature = "runtime-benchmarks")]
pub struct OrderbookBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_clearinghouse_orderbook::BenchmarkHelper<crate::AccountId>
	for OrderbookBenchmarkHelper
{
	fn prepare_options(underlying: clearinghouse_primitives::OracleKey) {
		pallet_clearinghouse_margin::OptionRisks::<Runtime>::insert(
			underlying,
			pallet_clearinghouse_margin::OptionParams {
				vol_key: underlying,
				size_decimals: 3,
				initial: sp_runtime::Permill::from_percent(15),
				maintenance: sp_runtime::Permill::from_parts(75_000),
				initial_floor: sp_runtime::Permill::from_percent(10),
				maintenance_floor: sp_runtime::Permill::from_percent(5),
				long_haircut: sp_runtime::Permill::from_percent(10),
			},
		);
		// Priced at 1,000 with a 50% vol: an option on it is marked by the model.
		crate::Oracle::set_vol_for_benchmarks(
			underlying,
			sp_runtime::FixedU128::from_u32(1_000),
			sp_runtime::FixedU128::from_rational(1, 2),
		);
	}
	fn prepare_market(
		market: pallet_clearinghouse_orderbook::MarketId,
		underlying: clearinghouse_primitives::OracleKey,
		price: sp_runtime::FixedU128,
	) {
		crate::Oracle::set_price_for_benchmarks(underlying, price);
		Margin::do_set_market_risk(
			market,
			crate::configs::margin::benchmark_risk_params(underlying),
		)
		.expect("valid benchmark risk parameters");
	}

	fn fund(account: &clearinghouse_primitives::MarginAccount<crate::AccountId>) {
		crate::configs::vaults::benchmark_fund_margin(account, 1_000_000 * 1_000_000);
		// And native balance, for the deposits of conditional orders.
		use frame_support::traits::fungible::Mutate;
		Balances::set_balance(&account.owner, 1_000_000 * UNIT);
	}

	fn enlarge(
		account: &clearinghouse_primitives::MarginAccount<crate::AccountId>,
		positions: u32,
		collaterals: u32,
	) {
		crate::configs::margin::benchmark_large_account(account, positions, collaterals);
	}
}
