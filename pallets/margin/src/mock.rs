//! A runtime for the margin engine's tests with the real collateral vaults and order book:
//! trades go through the book, money through the ledger. Only prices are set by hand.

use crate as pallet_margin;
use core::cell::RefCell;
use polkadot_sdk::{
	frame_support::{
		parameter_types,
		traits::{
			fungible::{NativeFromLeft, NativeOrWithId, UnionOf},
			ConstU32, ConstU8,
		},
		PalletId,
	},
	frame_system::{self, EnsureRoot},
	pallet_assets, pallet_balances, pallet_timestamp,
	sp_arithmetic::{FixedU128, Permill},
	sp_io,
	sp_runtime::BuildStorage,
};
use std::collections::BTreeMap;

use pallet_clearinghouse_orderbook as orderbook;
use pallet_clearinghouse_vaults as vaults;
use pallet_margin::{FundingParams, Moment, OracleKey, PriceProvider, RiskParams};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Asset = NativeOrWithId<u32>;

clearinghouse_test_support::mock_runtime!(Test {
	1: Timestamp = pallet_timestamp,
	2: Balances = pallet_balances,
	3: Assets = pallet_assets,
	4: Vaults = vaults,
	5: Orderbook = orderbook,
	6: Margin = pallet_margin,
});
clearinghouse_test_support::impl_system!(Test);
clearinghouse_test_support::impl_clock!(Test);
clearinghouse_test_support::impl_balances_and_assets!(Test);

thread_local! {
	static PRICES: RefCell<BTreeMap<OracleKey, FixedU128>> = const { RefCell::new(BTreeMap::new()) };
	static EMAS: RefCell<BTreeMap<OracleKey, FixedU128>> = const { RefCell::new(BTreeMap::new()) };
	static VOLS: RefCell<BTreeMap<OracleKey, FixedU128>> = const { RefCell::new(BTreeMap::new()) };
}

/// Index prices the tests set; the EMA is the index unless set apart.
pub struct TestPrices;
impl TestPrices {
	pub fn set_ema(symbol: &str, ema: u32) {
		let key = OracleKey::from_symbol(symbol).unwrap();
		EMAS.with(|e| e.borrow_mut().insert(key, FixedU128::from_u32(ema)));
		Self::changed(&key);
	}
	/// Tell the margin engine, as the oracle does on every change of a key's reads.
	fn changed(key: &OracleKey) {
		use pallet_margin::QuotesListener;
		Margin::quotes_changed(key, Self::schedule(key).as_ref());
	}
	/// The implied vol of `symbol`'s volatility feed (a fraction: 0.8 = 80%), or none.
	pub fn set_vol(symbol: &str, vol: Option<FixedU128>) {
		let key = OracleKey::from_symbol(symbol).unwrap();
		VOLS.with(|v| match vol {
			Some(x) => v.borrow_mut().insert(key, x),
			None => v.borrow_mut().remove(&key),
		});
	}
	pub fn set(symbol: &str, price: Option<u32>) {
		let key = OracleKey::from_symbol(symbol).unwrap();
		PRICES.with(|p| match price {
			Some(v) => p.borrow_mut().insert(key, FixedU128::from_u32(v)),
			None => p.borrow_mut().remove(&key),
		});
		Self::changed(&key);
	}
}
impl PriceProvider<OracleKey> for TestPrices {
	fn price(key: &OracleKey) -> Option<(FixedU128, Moment)> {
		PRICES.with(|p| p.borrow().get(key).map(|v| (*v, 0)))
	}
	fn vol(key: &OracleKey) -> Option<(FixedU128, Moment)> {
		VOLS.with(|v| v.borrow().get(key).map(|x| (*x, 0)))
	}
	fn ema(key: &OracleKey) -> Option<FixedU128> {
		let (price, _) = Self::price(key)?;
		Some(EMAS.with(|e| e.borrow().get(key).copied()).unwrap_or(price))
	}
	fn is_halted(_: &OracleKey) -> bool {
		false
	}
	/// The price as set, from now on (one segment without end).
	fn schedule(key: &OracleKey) -> Option<pallet_margin::PriceSchedule> {
		let (price, at) = Self::price(key)?;
		let segment = pallet_margin::PriceSegment { until: u64::MAX, price, at };
		Some(pallet_margin::PriceSchedule {
			halted: false,
			ema: Self::ema(key),
			segments: vec![segment].try_into().unwrap(),
		})
	}
}

parameter_types! {
	pub const VaultsPalletId: PalletId = PalletId(*b"clr/vlts");
	pub const MarginPalletId: PalletId = PalletId(*b"clr/mrgn");
	pub const InsuranceShare: Permill = Permill::from_percent(20);
	pub const LiquidatorShare: Permill = Permill::from_percent(50);
}

impl vaults::Config for Test {
	type AssetKind = Asset;
	type Assets = UnionOf<Balances, Assets, NativeFromLeft, Asset, AccountId>;
	type Prices = TestPrices;
	type WithdrawalGuard = Margin;
	type RegistryOrigin = EnsureRoot<AccountId>;
	type PalletId = VaultsPalletId;
	type MaxCollaterals = ConstU32<8>;
	type MaxSubAccounts = ConstU8<4>;
	type Outbound = ();
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestPrices;
}

#[cfg(feature = "runtime-benchmarks")]
impl vaults::BenchmarkHelper<Asset, AccountId> for TestPrices {
	fn asset(index: u32) -> Asset {
		use polkadot_sdk::frame_support::traits::fungibles::{Create, Inspect};
		let id = 1_000 + index;
		if !<Assets as Inspect<AccountId>>::asset_exists(id) {
			<Assets as Create<AccountId>>::create(id, 99, true, 1).unwrap();
		}
		NativeOrWithId::WithId(id)
	}
	fn fund(asset: &Asset, who: &AccountId, amount: u128) {
		use polkadot_sdk::frame_support::traits::fungibles::Mutate;
		<UnionOf<Balances, Assets, NativeFromLeft, Asset, AccountId> as Mutate<AccountId>>::mint_into(
			asset.clone(),
			who,
			amount,
		)
		.unwrap();
	}
	fn set_price(key: OracleKey, price: FixedU128) {
		PRICES.with(|p| p.borrow_mut().insert(key, price));
		TestPrices::changed(&key);
	}
	fn hold_positions(_: &clearinghouse_primitives::MarginAccount<AccountId>, _: u32) {}
}

impl orderbook::Config for Test {
	type Time = Timestamp;
	type MarketAdminOrigin = EnsureRoot<AccountId>;
	type MarginCheck = Margin;
	type FillHandler = Margin;
	type Listing = Margin;
	type MaxOptionsPerExpiry = ConstU32<8>;
	type MaxExpiriesPerUnderlying = ConstU32<3>;
	type MaxLevels = ConstU32<32>;
	type MaxOrdersPerLevel = ConstU32<16>;
	type MaxOpenOrders = ConstU32<16>;
	type MaxRecentClientIds = ConstU32<8>;
	type MaxMakersPerOrder = ConstU32<8>;
	type MaxBulk = ConstU32<8>;
	type MaxSubAccounts = ConstU8<4>;
	type MaxMarkets = ConstU32<16>;
	type MaxConditionals = ConstU32<8>;
	type MaxTriggersPerBlock = ConstU32<4>;
	type MaxTriggersPerCall = ConstU32<2>;
	type MinTwapInterval = polkadot_sdk::frame_support::traits::ConstU64<1_000>;
	type MaxTwapSlices = ConstU32<100>;
	type Deposit = ();
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

impl pallet_margin::Config for Test {
	type Time = Timestamp;
	type Prices = TestPrices;
	type Book = Orderbook;
	type Ledger = Vaults;
	type Hidden = ();
	type Model = pallet_margin::StandardModel;
	type RiskAdminOrigin = EnsureRoot<AccountId>;
	type PalletId = MarginPalletId;
	type InsuranceFeeShare = InsuranceShare;
	type MaxPositions = ConstU32<8>;
	type MaxMarkets = ConstU32<16>;
	// As many as markets: tests list more perpetuals on BTC than an account may hold.
	type MaxLinearMarketsPerUnderlying = ConstU32<12>;
	type LiquidationBook = Orderbook;
	type LiquidatorShare = LiquidatorShare;
	type MaxLiquidationsPerBlock = ConstU32<4>;
	type MaxLiquidationCancels = ConstU32<1>;
	type MaxAdlCandidates = ConstU32<2>;
	type AdlAccountsPerBlock = ConstU32<3>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = TestPrices;
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_margin::BenchmarkHelper<AccountId> for TestPrices {
	fn set_price(key: OracleKey, price: FixedU128) {
		PRICES.with(|p| p.borrow_mut().insert(key, price));
		TestPrices::changed(&key);
	}
	fn set_vol(key: OracleKey, price: FixedU128, vol: FixedU128) {
		PRICES.with(|p| p.borrow_mut().insert(key, price));
		VOLS.with(|v| v.borrow_mut().insert(key, vol));
		TestPrices::changed(&key);
	}
	fn option_market(underlying: OracleKey, strike: u32, expiry: Moment) -> Option<u32> {
		orderbook::bench_support::option_market::<Test>(
			underlying,
			orderbook::OptionRight::Call,
			strike,
			expiry,
		)
		.ok()
	}
	fn set_time(now: Moment) {
		pallet_timestamp::Now::<Test>::put(now);
	}
	fn fund(account: &pallet_margin::MarginAccount<AccountId>, amount: u128) {
		use polkadot_sdk::frame_support::traits::fungibles::Mutate;
		Assets::mint_into(USD, &account.owner, amount).unwrap();
		Vaults::do_deposit(&account.owner, account, 0, amount).unwrap();
	}
	fn book_market(underlying: OracleKey, _: u32, full_index: bool) -> Option<u32> {
		// The mock's book has room for a few markets: only those the benchmarks trade in.
		if full_index {
			return None;
		}
		orderbook::bench_support::market::<Test>(underlying).ok()
	}
	fn rest_orders(
		account: &pallet_margin::MarginAccount<AccountId>,
		market: u32,
		price: u32,
		reduce_only: bool,
	) {
		orderbook::bench_support::rest_on_full_levels::<Test>(account, market, price, reduce_only)
			.unwrap();
	}
	fn bids(market: u32, price: u32) {
		use polkadot_sdk::frame_support::traits::Get;
		let makers = <Test as orderbook::Config>::MaxMakersPerOrder::get();
		orderbook::bench_support::bids::<Test>(market, price, makers, |maker| {
			<Self as pallet_margin::BenchmarkHelper<AccountId>>::fund(maker, 10_000 * USD_UNIT)
		})
		.unwrap();
	}
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;

/// The settlement stablecoin: `Assets` id 1, 6 decimals, collateral 0.
pub const USD: u32 = 1;
pub const USD_UNIT: u128 = 1_000_000;
/// The BTC perpetual is market 0: prices in whole USD per BTC, sizes in thousandths of a BTC.
pub const BTC_PERP: u32 = 0;
pub const T0: u64 = 1_700_000_000_000;

/// 10% initial, 5% maintenance, no open-interest scaling; hourly funding samples, 8 h period,
/// premium capped at 1% per period.
pub fn btc_risk() -> RiskParams {
	RiskParams {
		underlying: OracleKey::from_symbol("BTC").unwrap(),
		size_decimals: 3,
		initial: Permill::from_percent(10),
		maintenance: Permill::from_percent(5),
		initial_at_full: Permill::from_percent(10),
		open_interest_full: 0,
		funding: Some(FundingParams {
			period_ms: 8 * 3_600_000,
			premium_cap: Permill::from_percent(1),
			sample_interval_ms: 3_600_000,
		}),
	}
}

pub fn btc_market() -> orderbook::MarketConfig {
	orderbook::MarketConfig {
		underlying: OracleKey::from_symbol("BTC").unwrap(),
		kind: orderbook::MarketKind::Perpetual,
		tick_size: FixedU128::from_u32(1),
		lot_size: 1,
		params: orderbook::MarketParams {
			min_size: 1,
			maker_fee: Permill::from_parts(200),
			taker_fee: Permill::from_parts(500),
			max_open_orders: 16,
		},
		status: orderbook::MarketStatus::Active,
	}
}

/// Alice, Bob and Charlie each hold 1,000,000 USD in their wallets; BTC is at 50,000.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(ALICE, 1_000), (BOB, 1_000), (CHARLIE, 1_000)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_assets::GenesisConfig::<Test> {
		assets: vec![(USD, 99, true, 1)],
		metadata: vec![],
		accounts: [ALICE, BOB, CHARLIE].iter().map(|a| (USD, *a, 1_000_000 * USD_UNIT)).collect(),
		next_asset_id: None,
		reserves: vec![],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	vaults::GenesisConfig::<Test> {
		collaterals: vec![(
			NativeOrWithId::WithId(USD),
			vaults::CollateralConfig {
				oracle_key: OracleKey::from_symbol("USD").unwrap(),
				decimals: 6,
				haircut: Permill::zero(),
				deposit_cap: u128::MAX / 4,
				account_cap: u128::MAX / 8,
				status: vaults::CollateralStatus::Active,
			},
		)],
		settlement: Some(0),
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Test>::put(T0);
		PRICES.with(|p| p.borrow_mut().clear());
		EMAS.with(|e| e.borrow_mut().clear());
		VOLS.with(|v| v.borrow_mut().clear());
		TestPrices::set("BTC", Some(50_000));
		Orderbook::create_market(RuntimeOrigin::root(), btc_market()).unwrap();
		Margin::do_set_market_risk(BTC_PERP, btc_risk()).unwrap();
		System::reset_events();
	});
	ext
}

/// Every pallet's `try_state` and the cross-pallet invariants of this runtime:
/// * the margin engine's resting totals of every account equal the order book's;
/// * no unrecorded deficit: an account without a position whose collateral is worth less
///   than nothing has at least that much bad debt recorded (the pallet's own accounts are the
///   counterparty of everything and exempt).
pub fn check_all() {
	use clearinghouse_primitives::collateral::CollateralLedger;
	Margin::do_try_state().unwrap();
	Vaults::do_try_state().unwrap();
	Orderbook::do_try_state().unwrap();
	for (account, entries) in pallet_margin::Accounts::<Test>::iter() {
		for e in entries.iter() {
			assert_eq!(
				(e.resting_buy, e.resting_sell, e.highest_buy, e.lowest_sell),
				{
					let t = Orderbook::resting_totals(e.market, &account);
					(t.buy, t.sell, t.highest_buy, t.lowest_sell)
				},
				"margin and the book disagree on {account:?}'s resting orders in {}",
				e.market
			);
		}
	}
	for account in vaults::Ledgers::<Test>::iter_keys() {
		if account.owner == Margin::account_id() {
			continue;
		}
		let flat = pallet_margin::Accounts::<Test>::get(account).iter().all(|e| e.quantity == 0);
		let Ok(value) = <Vaults as CollateralLedger<AccountId>>::collateral_value(&account) else {
			continue;
		};
		if flat && value.value < 0 {
			let recorded = pallet_margin::BadDebts::<Test>::get(account).unwrap_or_default();
			assert!(
				recorded >= value.value.unsigned_abs(),
				"{account:?} owes {} with no position and only {recorded} recorded",
				value.value
			);
		}
	}
}

/// The next block begins: its number, and the block hooks in the runtime's order (the book's,
/// which reports the mids the previous block left, then the margin engine's).
pub fn next_block() {
	use polkadot_sdk::frame_support::traits::Hooks;
	let next = System::block_number() + 1;
	System::set_block_number(next);
	Orderbook::on_initialize(next);
	Margin::on_initialize(next);
}

/// Run `test` on a fresh [`new_test_ext`], then [`check_all`] (polkadot-sdk's
/// `build_and_execute` pattern): no test may leave a broken invariant behind.
pub fn build_and_execute<R>(test: impl FnOnce() -> R) -> R {
	// `check_all` runs every pallet's `try_state` and the cross-pallet checks, asserting.
	clearinghouse_test_support::build_and_execute(
		new_test_ext(),
		test,
		&[|| {
			check_all();
			Ok(())
		}],
	)
}
