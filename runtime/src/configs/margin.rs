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
	// A confidential account's proven floor counts as collateral.
	type Hidden = crate::Confidential;
	type Model = pallet_clearinghouse_margin::StandardModel;
	type RiskAdminOrigin = RiskAdminOrigin;
	type PalletId = MarginPalletId;
	type InsuranceFeeShare = dynamic_params::risk::InsuranceFeeShare;
	// Fifty positions and a margin of room: the benchmark goes to fifty.
	type MaxPositions = ConstU32<64>;
	type MaxMarkets = ConstU32<256>;
	// A perpetual and quarterly futures per underlying, with room: each rewritten on a feed.
	type MaxLinearMarketsPerUnderlying = ConstU32<8>;
	// Liquidations trade in the order book first; the keeper's share of the penalty is a
	// `pallet-parameters` value of the risk track.
	type LiquidationBook = Orderbook;
	type LiquidatorShare = dynamic_params::risk::LiquidatorPenaltyShare;
	type MaxLiquidationsPerBlock = ConstU32<16>;
	// A full market of resting orders (64 orders on 64 levels) is ~250 KB of proof to cancel:
	// four a step keep a liquidation step near 1 MB whatever the account holds.
	type MaxLiquidationCancels = ConstU32<4>;
	// A deleveraging round ranks the best 128 counterparties (6.3 KB of state) and values 64
	// counter-side holders a block.
	type MaxAdlCandidates = ConstU32<128>;
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
	fn set_vol(
		key: clearinghouse_primitives::OracleKey,
		price: sp_runtime::FixedU128,
		vol: sp_runtime::FixedU128,
	) {
		Oracle::set_vol_for_benchmarks(key, price, vol);
	}
	fn option_market(
		underlying: clearinghouse_primitives::OracleKey,
		strike: u32,
		expiry: u64,
	) -> Option<clearinghouse_primitives::MarketId> {
		pallet_clearinghouse_orderbook::bench_support::option_market::<Runtime>(
			underlying,
			pallet_clearinghouse_orderbook::OptionRight::Call,
			strike,
			expiry,
		)
		.ok()
	}
	fn set_time(now: u64) {
		pallet_timestamp::Now::<Runtime>::put(now);
	}
	fn fund(account: &clearinghouse_primitives::MarginAccount<crate::AccountId>, amount: u128) {
		crate::configs::vaults::benchmark_fund_margin(account, amount);
	}
	fn book_market(
		underlying: clearinghouse_primitives::OracleKey,
		price: u32,
		full_index: bool,
	) -> Option<clearinghouse_primitives::MarketId> {
		use pallet_clearinghouse_orderbook::bench_support;
		if full_index {
			bench_support::market_with_full_index::<Runtime>(underlying, u64::from(price)).ok()
		} else {
			bench_support::market::<Runtime>(underlying).ok()
		}
	}
	fn rest_orders(
		account: &clearinghouse_primitives::MarginAccount<crate::AccountId>,
		market: clearinghouse_primitives::MarketId,
		price: u32,
		reduce_only: bool,
	) {
		pallet_clearinghouse_orderbook::bench_support::rest_on_full_levels::<Runtime>(
			account,
			market,
			price,
			reduce_only,
		)
		.expect("room for the orders");
	}
	fn bids(market: clearinghouse_primitives::MarketId, price: u32) {
		use frame_support::traits::Get;
		let makers = <Runtime as pallet_clearinghouse_orderbook::Config>::MaxMakersPerOrder::get();
		pallet_clearinghouse_orderbook::bench_support::bids::<Runtime>(
			market,
			price,
			makers,
			|maker| crate::configs::vaults::benchmark_fund_margin(maker, 10_000 * 1_000_000),
		)
		.expect("room for the makers");
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
	// The margin engine's further backstop books hold fund cash too.
	type Books = crate::Margin;
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
	fn fill_books() {
		use pallet_clearinghouse_margin::BenchmarkHelper;
		for book in crate::Margin::extra_backstop_accounts() {
			MarginBenchmarkHelper::fund(&book, 1_000_000);
		}
	}
}

/// Benchmarks of the trading pallets: make `account` large, so that a margin check of it reads
/// the most for its size — a position in `positions` more markets (order-book markets whose
/// level index is full, so each mark price reads the most; created once and shared by every
/// account a benchmark loads; at most `MaxPositions − 1`, the room for the benchmark's own
/// market) and a balance of `collaterals` collateral assets (at most `MaxCollaterals`), each
/// priced. The positions are one unit each: the account stays well above its requirements, so
/// orders and withdrawals go through in full.
#[cfg(feature = "runtime-benchmarks")]
pub fn benchmark_large_account(
	account: &clearinghouse_primitives::MarginAccount<crate::AccountId>,
	positions: u32,
	collaterals: u32,
) {
	crate::configs::vaults::benchmark_collaterals(account, collaterals);
	benchmark_positions(account, positions);
}

/// The positions half of [`benchmark_large_account`]: `account` holds a position of one unit
/// in each of `count` markets (at most `MaxPositions`) in all.
#[cfg(feature = "runtime-benchmarks")]
pub fn benchmark_positions(
	account: &clearinghouse_primitives::MarginAccount<crate::AccountId>,
	count: u32,
) {
	use frame_support::traits::Get;
	use pallet_clearinghouse_margin::{Accounts, EntriesOf, PositionEntry};
	let markets = benchmark_full_markets();
	let mut entries = Accounts::<Runtime>::get(account).into_inner();
	let room: u32 = <Runtime as pallet_clearinghouse_margin::Config>::MaxPositions::get();
	let room = room.min(count) as usize;
	for (i, market) in markets.iter().enumerate() {
		if entries.len() >= room {
			break;
		}
		if entries.iter().any(|e| e.market == *market) {
			continue;
		}
		entries.push(PositionEntry {
			quantity: 1,
			cost: (100 + i as i128) * 1_000_000,
			..PositionEntry::new(*market, Default::default())
		});
	}
	entries.sort_by_key(|e| e.market);
	Accounts::<Runtime>::mutate(account, |r| {
		r.entries = EntriesOf::<Runtime>::truncate_from(entries)
	});
}

/// Benchmarks of band proofs: give `account` the largest book a band proof covers — a
/// position of one unit in each of the perpetuals `underlying` may have (order-book
/// markets whose level index is full, so each mark reads the most), every one with resting
/// orders on both sides at prices that lose (the resting-loss path runs) — with `underlying`
/// priced at `price`.
#[cfg(feature = "runtime-benchmarks")]
pub fn benchmark_band_book(
	account: &clearinghouse_primitives::MarginAccount<crate::AccountId>,
	underlying: clearinghouse_primitives::OracleKey,
	price: u32,
) {
	use frame_support::traits::Get;
	use pallet_clearinghouse_margin::{Accounts, EntriesOf, PositionEntry};
	use sp_runtime::FixedU128;
	crate::Oracle::set_price_for_benchmarks(underlying, FixedU128::from_u32(price));
	// A band covers perpetuals and futures on one underlying, and the margin engine lists at
	// most `MaxLinearMarketsPerUnderlying` of those.
	type Margin = Runtime;
	let positions: u32 =
		<<Margin as pallet_clearinghouse_margin::Config>::MaxPositions as Get<u32>>::get();
	let linear: u32 =
		<<Margin as pallet_clearinghouse_margin::Config>::MaxLinearMarketsPerUnderlying as Get<
			u32,
		>>::get();
	let count = positions.min(linear);
	let mut entries: alloc::vec::Vec<PositionEntry> = (0..count)
		.map(|_| {
			let market = pallet_clearinghouse_orderbook::bench_support::market_with_full_index::<
				Runtime,
			>(underlying, u64::from(price))
			.expect("room for the markets");
			crate::Margin::do_set_market_risk(market, benchmark_risk_params(underlying))
				.expect("valid parameters");
			PositionEntry {
				quantity: 1,
				cost: i128::from(price) * 1_000_000,
				resting_buy: 1,
				resting_sell: 1,
				highest_buy: FixedU128::from_u32(price.saturating_mul(2)),
				lowest_sell: FixedU128::from_u32(1),
				..PositionEntry::new(market, Default::default())
			}
		})
		.collect();
	entries.sort_by_key(|e| e.market);
	Accounts::<Runtime>::mutate(account, |r| {
		r.entries = EntriesOf::<Runtime>::truncate_from(entries)
	});
}

/// The risk parameters of every benchmark market: whole-unit sizes, 10% initial, 5%
/// maintenance, no funding.
#[cfg(feature = "runtime-benchmarks")]
pub fn benchmark_risk_params(
	underlying: clearinghouse_primitives::OracleKey,
) -> pallet_clearinghouse_margin::RiskParams {
	use sp_runtime::Permill;
	pallet_clearinghouse_margin::RiskParams {
		underlying,
		size_decimals: 0,
		initial: Permill::from_percent(10),
		maintenance: Permill::from_percent(5),
		initial_at_full: Permill::from_percent(10),
		open_interest_full: 0,
		funding: None,
	}
}

/// The markets [`benchmark_large_account`] holds positions in, created on first use.
#[cfg(feature = "runtime-benchmarks")]
fn benchmark_full_markets() -> alloc::vec::Vec<clearinghouse_primitives::MarketId> {
	use codec::{Decode, Encode};
	use frame_support::traits::Get;
	const KEY: &[u8] = b":benchmark:largest-account-markets";
	if let Some(raw) = frame_support::storage::unhashed::get_raw(KEY) {
		if let Ok(markets) = alloc::vec::Vec::<u32>::decode(&mut &raw[..]) {
			return markets;
		}
	}
	let count: u32 = <Runtime as pallet_clearinghouse_margin::Config>::MaxPositions::get();
	let markets: alloc::vec::Vec<u32> = (0..count)
		.filter_map(|i| {
			let mut symbol = *b"FULL\0\0\0\0";
			symbol[4] = b'A' + (i % 26) as u8;
			symbol[5] = b'A' + (i / 26 % 26) as u8;
			let underlying = clearinghouse_primitives::OracleKey(symbol);
			let market = pallet_clearinghouse_orderbook::bench_support::market_with_full_index::<
				Runtime,
			>(underlying, u64::from(100 + i))
			.ok()?;
			crate::Oracle::set_price_for_benchmarks(
				underlying,
				sp_runtime::FixedU128::from_u32(100 + i),
			);
			crate::Margin::do_set_market_risk(market, benchmark_risk_params(underlying)).ok()?;
			Some(market)
		})
		.collect();
	frame_support::storage::unhashed::put_raw(KEY, &markets.encode());
	markets
}
