//! A minimal runtime for the order-book tests: system, timestamp and the order book, with a
//! margin engine stand-in whose positions, refusals and recorded fills the tests control.

use crate as pallet_orderbook;
use core::cell::RefCell;
use polkadot_sdk::{
	frame_support::traits::ConstU32,
	frame_system::{self, EnsureRoot},
	pallet_timestamp,
	sp_arithmetic::{FixedU128, Permill},
	sp_io,
	sp_runtime::{BuildStorage, DispatchError, DispatchResult},
};
use std::collections::BTreeMap;

use clearinghouse_primitives::collateral::CheckWeight;
use clearinghouse_primitives::trading::{RestingTotals, TriggerPrices};
use pallet_orderbook::{
	FillHandler, MarginAccount, MarketConfig, MarketKind, MarketParams, MarketStatus, OracleKey,
	OrderIntent, OrderMarginCheck, TradeFill,
};
use polkadot_sdk::frame_support::weights::Weight;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;

clearinghouse_test_support::mock_runtime!(Test {
	1: Timestamp = pallet_timestamp,
	2: Orderbook = pallet_orderbook,
});
polkadot_sdk::frame_support::parameter_types! {
	/// The database weights: none, unless a test of a refund for storage accesses sets them
	/// (the benchmarks' weights the other tests compare use the pallet's own constants).
	pub static DbWeight: polkadot_sdk::frame_support::weights::RuntimeDbWeight =
		polkadot_sdk::frame_support::weights::RuntimeDbWeight { read: 0, write: 0 };
}
clearinghouse_test_support::impl_system!(Test, u64, DbWeight);
clearinghouse_test_support::impl_clock!(Test);

thread_local! {
	static POSITIONS: RefCell<BTreeMap<(AccountId, u8, u32), i128>> = const { RefCell::new(BTreeMap::new()) };
	static REFUSE_ORDERS: RefCell<bool> = const { RefCell::new(false) };
	static REFUSE_FILLS: RefCell<bool> = const { RefCell::new(false) };
	static FILLS: RefCell<Vec<TradeFill<AccountId>>> = const { RefCell::new(Vec::new()) };
	/// (orders checked one by one, batches checked, orders in those batches)
	static CHECKS: RefCell<(u32, u32, u32)> = const { RefCell::new((0, 0, 0)) };
	/// Each batch check's `released`, in order.
	static RELEASED: RefCell<Vec<bool>> = const { RefCell::new(Vec::new()) };
	/// What `ensure_batch` reports it spent beyond one valuation.
	static REVALUATION: RefCell<Weight> = const { RefCell::new(Weight::zero()) };
	/// Each reported mid, in order.
	static MIDS: RefCell<Vec<(u32, Option<FixedU128>)>> = const { RefCell::new(Vec::new()) };
	static TRIGGER_PRICES: RefCell<BTreeMap<u32, TriggerPrices>> = const { RefCell::new(BTreeMap::new()) };
}

/// The margin engine stand-in.
pub struct TestMargin;
pub const MARGIN_REFUSAL: &str = "insufficient margin";
pub const FILL_REFUSAL: &str = "fill refused";
impl TestMargin {
	pub fn set_position(who: AccountId, sub: u8, market: u32, size: i128) {
		POSITIONS.with(|p| p.borrow_mut().insert((who, sub, market), size));
	}
	pub fn refuse_orders(refuse: bool) {
		REFUSE_ORDERS.with(|r| *r.borrow_mut() = refuse);
	}
	pub fn refuse_fills(refuse: bool) {
		REFUSE_FILLS.with(|r| *r.borrow_mut() = refuse);
	}
	/// What the order book last reported as `who`'s resting (buy, sell) in `market`.
	pub fn resting(who: AccountId, market: u32) -> (u128, u128) {
		let t = <TestMargin as OrderMarginCheck<AccountId>>::resting(
			&MarginAccount::new(who, 0),
			market,
		);
		(t.buy, t.sell)
	}
	/// Each batch check's `released` so far, in order.
	pub fn released() -> Vec<bool> {
		RELEASED.with(|r| r.borrow().clone())
	}
	/// What the next batch checks report they spent beyond one valuation.
	pub fn revalue(weight: Weight) {
		REVALUATION.with(|r| *r.borrow_mut() = weight);
	}
	/// The mids the book reported so far, in order.
	/// Set `market`'s mark and index (what conditional orders watch).
	pub fn set_prices(market: u32, mark: Option<FixedU128>, index: Option<FixedU128>) {
		TRIGGER_PRICES.with(|p| p.borrow_mut().insert(market, TriggerPrices { mark, index }));
	}
	pub fn mids() -> Vec<(u32, Option<FixedU128>)> {
		MIDS.with(|m| m.borrow().clone())
	}
	/// Margin checks made so far: (single orders, batches, orders in those batches).
	pub fn checks() -> (u32, u32, u32) {
		CHECKS.with(|c| *c.borrow())
	}
	fn refusal() -> DispatchResult {
		if REFUSE_ORDERS.with(|r| *r.borrow()) {
			Err(DispatchError::Other(MARGIN_REFUSAL))
		} else {
			Ok(())
		}
	}
	pub fn fills() -> Vec<TradeFill<AccountId>> {
		FILLS.with(|f| f.borrow().clone())
	}
	/// What a check reports it cost beyond the benchmark's valuation: the surcharge for the
	/// account's positions (as a check of the costliest kind would) and the revaluation a test
	/// set.
	fn check_cost(account: &MarginAccount<AccountId>) -> Weight {
		Self::check_weight_surcharge(Self::positions(account))
			.saturating_add(REVALUATION.with(|r| *r.borrow()))
	}
	pub fn reset() {
		POSITIONS.with(|p| p.borrow_mut().clear());
		FILLS.with(|f| f.borrow_mut().clear());
		CHECKS.with(|c| *c.borrow_mut() = (0, 0, 0));
		MIDS.with(|m| m.borrow_mut().clear());
		TRIGGER_PRICES.with(|p| p.borrow_mut().clear());
		Self::revalue(Weight::zero());
		Self::refuse_orders(false);
		Self::refuse_fills(false);
	}
}
fn resting_key(account: &MarginAccount<AccountId>, market: u32) -> Vec<u8> {
	use codec::Encode;
	(b"mock/resting", account.owner, account.sub, market).encode()
}

/// Positions (markets with a size set) count for the weight: a check of `n` positions costs
/// `n` µs more than the benchmark's (the surcharge), a revaluation `2n` µs; at most 8. Every
/// account holds one collateral asset, at most 4.
impl CheckWeight<AccountId> for TestMargin {
	fn positions(account: &MarginAccount<AccountId>) -> u32 {
		POSITIONS.with(|p| {
			p.borrow()
				.iter()
				.filter(|((who, sub, _), size)| {
					*who == account.owner && *sub == account.sub && **size != 0
				})
				.count() as u32
		})
	}
	fn max_positions() -> u32 {
		8
	}
	fn collaterals(_: &MarginAccount<AccountId>) -> u32 {
		1
	}
	fn max_collaterals() -> u32 {
		4
	}
	fn check_weight_surcharge(positions: u32) -> Weight {
		Weight::from_parts(1_000_000 * u64::from(positions), 0)
	}
}

impl OrderMarginCheck<AccountId> for TestMargin {
	fn revaluation_weight(positions: u32) -> Weight {
		Weight::from_parts(2_000_000 * u64::from(positions), 0)
	}
	fn ensure_can_place(
		account: &MarginAccount<AccountId>,
		_: &OrderIntent,
	) -> Result<Weight, DispatchError> {
		CHECKS.with(|c| c.borrow_mut().0 += 1);
		Self::refusal().map(|()| Self::check_cost(account))
	}
	type Batch = ();
	fn begin_batch(_: &MarginAccount<AccountId>) {}
	fn ensure_batch(
		account: &MarginAccount<AccountId>,
		_: (),
		orders: &[OrderIntent],
		released: bool,
	) -> Result<Weight, DispatchError> {
		RELEASED.with(|r| r.borrow_mut().push(released));
		CHECKS.with(|c| {
			let mut c = c.borrow_mut();
			c.1 += 1;
			c.2 += orders.len() as u32;
		});
		Self::refusal().map(|()| Self::check_cost(account))
	}
	fn position(account: &MarginAccount<AccountId>, market: u32) -> i128 {
		POSITIONS
			.with(|p| p.borrow().get(&(account.owner, account.sub, market)).copied().unwrap_or(0))
	}
	fn resting(account: &MarginAccount<AccountId>, market: u32) -> RestingTotals {
		polkadot_sdk::frame_support::storage::unhashed::get::<(u128, u128, u128, u128)>(
			&resting_key(account, market),
		)
		.map(|(buy, sell, high, low)| RestingTotals {
			buy,
			sell,
			highest_buy: FixedU128::from_inner(high),
			lowest_sell: FixedU128::from_inner(low),
		})
		.unwrap_or_default()
	}
	fn on_resting_changed(
		account: &MarginAccount<AccountId>,
		market: u32,
		resting: RestingTotals,
	) -> DispatchResult {
		// In storage, as the margin engine keeps it: a rolled-back call rolls it back too.
		polkadot_sdk::frame_support::storage::unhashed::put(
			&resting_key(account, market),
			&(
				resting.buy,
				resting.sell,
				resting.highest_buy.into_inner(),
				resting.lowest_sell.into_inner(),
			),
		);
		Ok(())
	}
	fn on_mid(market: u32, mid: Option<FixedU128>) {
		MIDS.with(|m| m.borrow_mut().push((market, mid)));
	}
	fn trigger_prices(market: u32) -> TriggerPrices {
		TRIGGER_PRICES.with(|p| {
			let p = p.borrow();
			p.get(&market).or_else(|| p.get(&u32::MAX)).copied().unwrap_or_default()
		})
	}
}
impl FillHandler<AccountId> for TestMargin {
	fn on_fill(fill: &TradeFill<AccountId>) -> Result<(), DispatchError> {
		if REFUSE_FILLS.with(|r| *r.borrow()) {
			return Err(DispatchError::Other(FILL_REFUSAL));
		}
		FILLS.with(|f| f.borrow_mut().push(fill.clone()));
		Ok(())
	}
}

impl pallet_orderbook::Config for Test {
	type Time = Timestamp;
	type MarketAdminOrigin = EnsureRoot<AccountId>;
	type MarginCheck = TestMargin;
	type FillHandler = TestMargin;
	type Listing = ();
	type MaxOptionsPerExpiry = ConstU32<8>;
	type MaxExpiriesPerUnderlying = ConstU32<3>;
	type MaxLevels = ConstU32<16>;
	type MaxOrdersPerLevel = ConstU32<8>;
	type MaxOpenOrders = ConstU32<16>;
	type MaxRecentClientIds = ConstU32<4>;
	type MaxMakersPerOrder = ConstU32<4>;
	type MaxBulk = ConstU32<6>;
	type MaxSubAccounts = polkadot_sdk::frame_support::traits::ConstU8<4>;
	type MaxMarkets = ConstU32<12>;
	type MaxConditionals = ConstU32<8>;
	type MaxTriggersPerBlock = ConstU32<4>;
	type MaxTriggersPerCall = ConstU32<3>;
	type MinTwapInterval = polkadot_sdk::frame_support::traits::ConstU64<1_000>;
	type MaxTwapSlices = ConstU32<100>;
	type Deposit = ();
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
}

/// Prices every market the benchmarks list (conditional orders watch them); nothing else.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_orderbook::BenchmarkHelper<AccountId> for MockBenchmarkHelper {
	fn prepare_market(market: u32, _: OracleKey, price: FixedU128) {
		TestMargin::set_prices(market, Some(price), Some(price));
	}
	fn fund(_: &MarginAccount<AccountId>) {}
	fn enlarge(_: &MarginAccount<AccountId>, _: u32, _: u32) {}
	/// Every market without prices of its own is priced at 1,000 (the options the benchmarks
	/// list).
	fn prepare_options(_: OracleKey) {
		TestMargin::set_prices(
			u32::MAX,
			Some(FixedU128::from_u32(1_000)),
			Some(FixedU128::from_u32(1_000)),
		);
	}
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;

/// The start time of every test (ms).
pub const T0: u64 = 1_700_000_000_000;

/// A BTC perpetual: tick 0.5, lot 10 units (0.0001 BTC with 5 decimals), minimum 20 units,
/// 2 bp maker, 5 bp taker, at most 10 open orders per account.
pub fn btc_perp() -> MarketConfig {
	MarketConfig {
		underlying: OracleKey::from_symbol("BTC").unwrap(),
		kind: MarketKind::Perpetual,
		tick_size: FixedU128::from_rational(1, 2),
		lot_size: 10,
		params: MarketParams {
			min_size: 20,
			maker_fee: Permill::from_parts(200),
			taker_fee: Permill::from_parts(500),
			max_open_orders: 10,
		},
		status: MarketStatus::Active,
	}
}

/// Externalities with the BTC perpetual listed as market 0.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Test>::put(T0);
		TestMargin::reset();
		Orderbook::do_create_market(btc_perp()).unwrap();
		System::reset_events();
	});
	ext
}

/// Run `test` on a fresh [`new_test_ext`], then every pallet's `try_state` (polkadot-sdk's
/// `build_and_execute` pattern): no test may leave a broken invariant behind.
pub fn build_and_execute<R>(test: impl FnOnce() -> R) -> R {
	clearinghouse_test_support::build_and_execute(new_test_ext(), test, &[Orderbook::do_try_state])
}
