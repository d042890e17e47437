//! A minimal runtime for the vaults pallet's tests: system, balances (the native token),
//! assets (settlement and other collateral) and the vaults, with a settable price table and
//! a withdrawal guard the tests can close.

use crate as pallet_vaults;
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
	pallet_assets, pallet_balances,
	sp_arithmetic::{FixedU128, Permill},
	sp_io,
	sp_runtime::{BuildStorage, DispatchError, DispatchResult},
};
use std::collections::BTreeMap;

use pallet_vaults::{
	CollateralConfig, CollateralStatus, MarginAccount, Moment, OracleKey, PriceProvider,
	WithdrawalGuard,
};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Asset = NativeOrWithId<u32>;

clearinghouse_test_support::mock_runtime!(Test {
	1: Balances = pallet_balances,
	2: Assets = pallet_assets,
	3: Vaults = pallet_vaults,
});
clearinghouse_test_support::impl_system!(Test);
clearinghouse_test_support::impl_balances_and_assets!(Test);

thread_local! {
	static PRICES: RefCell<BTreeMap<OracleKey, FixedU128>> = const { RefCell::new(BTreeMap::new()) };
	static GUARD_CLOSED: RefCell<bool> = const { RefCell::new(false) };
	static GUARD_POSITIONS: RefCell<u32> = const { RefCell::new(0) };
}

/// Prices the tests set directly (`None` = no quorum / halted).
pub struct TestPrices;
impl TestPrices {
	pub fn set(key: OracleKey, price: Option<FixedU128>) {
		PRICES.with(|p| match price {
			Some(price) => p.borrow_mut().insert(key, price),
			None => p.borrow_mut().remove(&key),
		});
	}
}
impl PriceProvider<OracleKey> for TestPrices {
	fn price(key: &OracleKey) -> Option<(FixedU128, Moment)> {
		PRICES.with(|p| p.borrow().get(key).map(|price| (*price, 0)))
	}
	fn vol(_: &OracleKey) -> Option<(FixedU128, Moment)> {
		None
	}
	fn ema(key: &OracleKey) -> Option<FixedU128> {
		Self::price(key).map(|(p, _)| p)
	}
	fn is_halted(_: &OracleKey) -> bool {
		false
	}
}

/// Stands in for the margin engine: open, or closed with a recognisable error.
pub struct TestGuard;
pub const GUARD_ERROR: &str = "margin engine says no";
impl TestGuard {
	pub fn close(closed: bool) {
		GUARD_CLOSED.with(|g| *g.borrow_mut() = closed);
	}
	/// Every account holds `n` positions (for the weight).
	pub fn hold(n: u32) {
		GUARD_POSITIONS.with(|g| *g.borrow_mut() = n);
	}
}
/// At most 8 positions; a check of `n` costs `n` µs more than the benchmark's.
impl clearinghouse_primitives::CheckWeight<AccountId> for TestGuard {
	fn positions(_: &MarginAccount<AccountId>) -> u32 {
		GUARD_POSITIONS.with(|g| *g.borrow())
	}
	fn max_positions() -> u32 {
		8
	}
	fn check_weight_surcharge(positions: u32) -> polkadot_sdk::frame_support::weights::Weight {
		polkadot_sdk::frame_support::weights::Weight::from_parts(
			1_000_000 * u64::from(positions),
			0,
		)
	}
}
impl WithdrawalGuard<AccountId> for TestGuard {
	fn ensure_can_withdraw(
		account: &MarginAccount<AccountId>,
		_: u16,
	) -> Result<polkadot_sdk::frame_support::weights::Weight, DispatchError> {
		if GUARD_CLOSED.with(|g| *g.borrow()) {
			Err(DispatchError::Other(GUARD_ERROR))
		} else {
			// As a check of the costliest kind would report it.
			use clearinghouse_primitives::CheckWeight;
			Ok(Self::check_weight_surcharge(Self::positions(account)))
		}
	}
}

thread_local! {
	static SENT_OUT: core::cell::RefCell<Vec<(AccountId, Asset, u128, u64)>> =
		const { core::cell::RefCell::new(Vec::new()) };
}

/// Stands in for XCM: burns what it sends from the wallet and records it; destination `0`
/// is unreachable.
pub struct TestOutbound;
pub const UNREACHABLE: u64 = 0;
impl TestOutbound {
	pub fn sent() -> Vec<(AccountId, Asset, u128, u64)> {
		SENT_OUT.with(|s| s.borrow().clone())
	}
}
impl pallet_vaults::OutboundTransfer<AccountId, Asset> for TestOutbound {
	type Destination = u64;
	fn transfer(from: &AccountId, asset: Asset, amount: u128, to: u64) -> DispatchResult {
		use polkadot_sdk::frame_support::traits::{
			fungibles::Mutate,
			tokens::{Fortitude, Precision, Preservation},
		};
		if to == UNREACHABLE {
			return Err(DispatchError::Other("unreachable"));
		}
		UnionOf::<Balances, Assets, NativeFromLeft, Asset, AccountId>::burn_from(
			asset.clone(),
			from,
			amount,
			Preservation::Expendable,
			Precision::Exact,
			Fortitude::Polite,
		)?;
		SENT_OUT.with(|s| s.borrow_mut().push((*from, asset, amount, to)));
		Ok(())
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_route() -> Option<(Asset, u64)> {
		Some((NativeOrWithId::WithId(USD_ASSET), 7))
	}
}

parameter_types! {
	pub const VaultsPalletId: PalletId = PalletId(*b"clr/vlts");
}

impl pallet_vaults::Config for Test {
	type AssetKind = Asset;
	type Assets = UnionOf<Balances, Assets, NativeFromLeft, Asset, AccountId>;
	type Prices = TestPrices;
	type WithdrawalGuard = TestGuard;
	type RegistryOrigin = EnsureRoot<AccountId>;
	type PalletId = VaultsPalletId;
	type MaxCollaterals = ConstU32<8>;
	type MaxSubAccounts = ConstU8<4>;
	type Outbound = TestOutbound;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchHelper;
}

#[cfg(feature = "runtime-benchmarks")]
pub struct BenchHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_vaults::BenchmarkHelper<Asset, AccountId> for BenchHelper {
	fn asset(index: u32) -> Asset {
		use polkadot_sdk::frame_support::traits::fungibles::{Create, Inspect};
		let id = 1_000 + index;
		if !<Assets as Inspect<AccountId>>::asset_exists(id) {
			<Assets as Create<AccountId>>::create(id, 0, true, 1).unwrap();
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
		TestPrices::set(key, Some(price));
	}
	fn hold_positions(_: &clearinghouse_primitives::MarginAccount<AccountId>, _: u32) {}
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const CHARLIE: AccountId = 3;

/// Collateral ids registered by `new_test_ext`, in order.
pub const USD: u16 = 0;
pub const BTC: u16 = 1;
pub const CLR: u16 = 2;
/// The `Assets` ids behind them.
pub const USD_ASSET: u32 = 1;
pub const BTC_ASSET: u32 = 2;
/// An asset that exists but is not registered as collateral.
pub const OTHER_ASSET: u32 = 3;

pub fn key(symbol: &str) -> OracleKey {
	OracleKey::from_symbol(symbol).unwrap()
}

/// The collateral registered at genesis: USD (6 decimals, settlement), BTC (8 decimals, 10%
/// haircut), the native CLR (12 decimals, 50% haircut).
pub fn usd_config() -> CollateralConfig {
	CollateralConfig {
		oracle_key: key("USD"),
		decimals: 6,
		haircut: Permill::zero(),
		deposit_cap: 10_000_000 * 1_000_000,
		account_cap: 1_000_000 * 1_000_000,
		status: CollateralStatus::Active,
	}
}
pub fn btc_config() -> CollateralConfig {
	CollateralConfig {
		oracle_key: key("BTC"),
		decimals: 8,
		haircut: Permill::from_percent(10),
		deposit_cap: 100 * 100_000_000,
		account_cap: 10 * 100_000_000,
		status: CollateralStatus::Active,
	}
}
pub fn clr_config() -> CollateralConfig {
	CollateralConfig {
		oracle_key: key("CLR"),
		decimals: 12,
		haircut: Permill::from_percent(50),
		deposit_cap: u128::MAX / 4,
		account_cap: u128::MAX / 8,
		status: CollateralStatus::Active,
	}
}

/// Wallets: each of Alice, Bob and Charlie has 100,000 USD, 5 BTC, 1,000 CLR.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let people = [ALICE, BOB, CHARLIE];
	pallet_balances::GenesisConfig::<Test> {
		balances: people.iter().map(|p| (*p, 1_000 * 10u128.pow(12))).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_assets::GenesisConfig::<Test> {
		assets: vec![
			(USD_ASSET, 99, true, 1),
			(BTC_ASSET, 99, true, 1),
			(OTHER_ASSET, 99, true, 1),
		],
		metadata: vec![],
		accounts: people
			.iter()
			.flat_map(|p| {
				[
					(USD_ASSET, *p, 100_000 * 1_000_000),
					(BTC_ASSET, *p, 5 * 100_000_000),
					(OTHER_ASSET, *p, 1_000),
				]
			})
			.collect(),
		next_asset_id: None,
		reserves: vec![],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_vaults::GenesisConfig::<Test> {
		collaterals: vec![
			(NativeOrWithId::WithId(USD_ASSET), usd_config()),
			(NativeOrWithId::WithId(BTC_ASSET), btc_config()),
			(NativeOrWithId::Native, clr_config()),
		],
		settlement: Some(USD),
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		TestGuard::close(false);
		PRICES.with(|p| p.borrow_mut().clear());
		TestPrices::set(key("BTC"), Some(FixedU128::from_u32(60_000)));
		TestPrices::set(key("CLR"), Some(FixedU128::from_rational(1, 2)));
	});
	ext
}

/// Run `test` on a fresh [`new_test_ext`], then every pallet's `try_state` (polkadot-sdk's
/// `build_and_execute` pattern): no test may leave a broken invariant behind.
pub fn build_and_execute<R>(test: impl FnOnce() -> R) -> R {
	clearinghouse_test_support::build_and_execute(new_test_ext(), test, &[Vaults::do_try_state])
}
