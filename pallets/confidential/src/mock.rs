//! A runtime for the confidential pallet's tests: balances, assets, the real vaults (the
//! settlement ledger and the pool) and a margin guard the tests can make refuse.

use crate as pallet_confidential;
use core::cell::{Cell, RefCell};
use polkadot_sdk::{
	frame_support::{
		parameter_types,
		traits::{
			fungible::{NativeFromLeft, NativeOrWithId, UnionOf},
			ConstU128, ConstU32, ConstU64, ConstU8,
		},
		PalletId,
	},
	frame_system::{self, EnsureRoot},
	pallet_assets, pallet_balances,
	sp_arithmetic::Permill,
	sp_io,
	sp_runtime::BuildStorage,
};

use pallet_clearinghouse_vaults as vaults;
use pallet_confidential::MarginAccount;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Asset = NativeOrWithId<u32>;

clearinghouse_test_support::mock_runtime!(Test {
	1: Balances = pallet_balances,
	2: Assets = pallet_assets,
	3: Vaults = vaults,
	4: Confidential = pallet_confidential,
});
clearinghouse_test_support::impl_system!(Test);
clearinghouse_test_support::impl_balances_and_assets!(Test);

parameter_types! {
	pub const VaultsPalletId: PalletId = PalletId(*b"clr/vlts");
	pub Pool: MarginAccount<AccountId> = MarginAccount::new(POOL_OWNER, 0);
}

thread_local! {
	/// Whether the margin engine stand-in refuses value leaving an account.
	pub static REFUSE: Cell<bool> = const { Cell::new(false) };
	/// The margin engine stand-in's surplus `s(P) = base + slope·P` (whole USD, P in USD):
	/// equity less initial requirement with the underlying at `P`, the hidden balance not
	/// counted. `None`: the book is one the band argument does not cover.
	pub static SURPLUS: Cell<Option<(i128, i128)>> = const { Cell::new(Some((0, 0))) };
	/// Whether the margin engine stand-in finds accounts liquidatable.
	pub static LIQUIDATABLE: Cell<bool> = const { Cell::new(false) };
	/// The BTC index (whole USD), if any.
	pub static BTC_PRICE: Cell<Option<u32>> = const { Cell::new(Some(50_000)) };
	/// The clock (ms).
	pub static NOW: Cell<u64> = const { Cell::new(T0) };
	/// The margin engine stand-in's copies of the floors (`BandValuation::floor_changed`).
	pub static MARGIN_FLOORS: RefCell<std::collections::BTreeMap<MarginAccount<AccountId>, u128>> =
		const { RefCell::new(std::collections::BTreeMap::new()) };
}

pub const T0: u64 = 1_700_000_000_000;
pub const GRACE_MS: u64 = 600_000;
pub const EPOCH_MS: u64 = 60_000;
pub const EXPIRY_MS: u64 = 86_400_000;

/// The margin engine, as the band proofs see it.
pub struct TestMargin;
impl pallet_confidential::BandValuation<AccountId> for TestMargin {
	fn surplus_at(
		_: &MarginAccount<AccountId>,
		_: pallet_confidential::OracleKey,
		price: polkadot_sdk::sp_arithmetic::FixedU128,
	) -> Result<i128, polkadot_sdk::sp_runtime::DispatchError> {
		let (base, slope) = SURPLUS
			.with(Cell::get)
			.ok_or(polkadot_sdk::sp_runtime::DispatchError::Other("BandUnsupported"))?;
		let whole = (price.into_inner() / 1_000_000_000_000_000_000) as i128;
		Ok((base + slope * whole) * USD_UNIT as i128)
	}
	fn is_liquidatable(_: &MarginAccount<AccountId>) -> bool {
		LIQUIDATABLE.with(Cell::get)
	}
	fn valuation_weight() -> polkadot_sdk::frame_support::weights::Weight {
		polkadot_sdk::frame_support::weights::Weight::from_parts(1_000_000, 0)
	}
	fn floor_changed(account: &MarginAccount<AccountId>, floor: u128) {
		MARGIN_FLOORS.with(|m| m.borrow_mut().insert(*account, floor));
	}
}

/// The oracle: BTC only.
pub struct TestPrices;
impl pallet_confidential::PriceProvider<pallet_confidential::OracleKey> for TestPrices {
	fn price(
		key: &pallet_confidential::OracleKey,
	) -> Option<(polkadot_sdk::sp_arithmetic::FixedU128, u64)> {
		(*key == btc())
			.then(|| BTC_PRICE.with(Cell::get))
			.flatten()
			.map(|p| (polkadot_sdk::sp_arithmetic::FixedU128::from_u32(p), NOW.with(Cell::get)))
	}
	fn vol(
		_: &pallet_confidential::OracleKey,
	) -> Option<(polkadot_sdk::sp_arithmetic::FixedU128, u64)> {
		None
	}
	fn ema(_: &pallet_confidential::OracleKey) -> Option<polkadot_sdk::sp_arithmetic::FixedU128> {
		None
	}
	fn is_halted(_: &pallet_confidential::OracleKey) -> bool {
		false
	}
}

/// The clock.
pub struct TestTime;
impl polkadot_sdk::frame_support::traits::Time for TestTime {
	type Moment = u64;
	fn now() -> u64 {
		NOW.with(Cell::get)
	}
}

pub fn btc() -> pallet_confidential::OracleKey {
	pallet_confidential::OracleKey::from_symbol("BTC").unwrap()
}

/// The margin engine's withdrawal guard, as a switch.
pub struct TestGuard;
impl clearinghouse_primitives::CheckWeight<AccountId> for TestGuard {}
impl pallet_confidential::WithdrawalGuard<AccountId> for TestGuard {
	fn ensure_can_withdraw(
		_: &MarginAccount<AccountId>,
		_: u16,
	) -> Result<polkadot_sdk::frame_support::weights::Weight, polkadot_sdk::sp_runtime::DispatchError>
	{
		if REFUSE.with(Cell::get) {
			Err(polkadot_sdk::sp_runtime::DispatchError::Other("positions need it"))
		} else {
			Ok(Default::default())
		}
	}
}

impl vaults::Config for Test {
	type AssetKind = Asset;
	type Assets = UnionOf<Balances, Assets, NativeFromLeft, Asset, AccountId>;
	type Prices = ();
	type WithdrawalGuard = ();
	type RegistryOrigin = EnsureRoot<AccountId>;
	type PalletId = VaultsPalletId;
	type MaxCollaterals = ConstU32<4>;
	type MaxSubAccounts = ConstU8<4>;
	type Outbound = ();
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Helper;
}

impl pallet_confidential::Config for Test {
	type Ledger = Vaults;
	type Guard = TestGuard;
	type Pool = Pool;
	type MaxSubAccounts = ConstU8<4>;
	type Margin = TestMargin;
	type Prices = TestPrices;
	type Time = TestTime;
	type GracePeriod = ConstU64<GRACE_MS>;
	type EpochMs = ConstU64<EPOCH_MS>;
	type MaxInbox = ConstU32<2>;
	type TransferExpiry = ConstU64<EXPIRY_MS>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type InboxDeposit = ConstU128<INBOX_DEPOSIT>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Helper;
}

/// Mints the settlement asset for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct Helper;
#[cfg(feature = "runtime-benchmarks")]
use polkadot_sdk::sp_arithmetic::FixedU128;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_confidential::BenchmarkHelper<AccountId> for Helper {
	fn fund(who: &MarginAccount<AccountId>, amount: u128) {
		use polkadot_sdk::frame_support::traits::fungibles::Mutate;
		Assets::mint_into(USD, &who.owner, amount).unwrap();
		Vaults::do_deposit(&who.owner, who, 0, amount).unwrap();
	}
	fn band(
		_: &MarginAccount<AccountId>,
		_: pallet_confidential::OracleKey,
	) -> (FixedU128, FixedU128) {
		(FixedU128::from_u32(45_000), FixedU128::from_u32(55_000))
	}
	fn make_liquidatable(_: &MarginAccount<AccountId>, _: u128) {
		LIQUIDATABLE.with(|l| l.set(true));
	}
}
#[cfg(feature = "runtime-benchmarks")]
impl vaults::BenchmarkHelper<Asset, AccountId> for Helper {
	fn asset(_: u32) -> Asset {
		NativeOrWithId::WithId(USD)
	}
	fn fund(_: &Asset, who: &AccountId, amount: u128) {
		use polkadot_sdk::frame_support::traits::fungibles::Mutate;
		Assets::mint_into(USD, who, amount).unwrap();
	}
	fn set_price(
		_: clearinghouse_primitives::OracleKey,
		_: polkadot_sdk::sp_arithmetic::FixedU128,
	) {
	}
	fn hold_positions(_: &clearinghouse_primitives::MarginAccount<AccountId>, _: u32) {}
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const POOL_OWNER: AccountId = 99;
pub const USD: u32 = 1;
pub const USD_UNIT: u128 = 1_000_000;
/// What an inbox entry holds of its sender's native balance.
pub const INBOX_DEPOSIT: u128 = 10;
/// Every test account's native balance at genesis.
pub const NATIVE: u128 = 1_000;

/// Alice and Bob each hold 100,000 USD in their wallets; Alice, Bob and Charlie hold
/// [`NATIVE`] of the native token; block 1 has begun (the genesis hash proofs are bound to is
/// the block hash of block 0).
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(ALICE, NATIVE), (BOB, NATIVE), (3, NATIVE)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_assets::GenesisConfig::<Test> {
		assets: vec![(USD, 99, true, 1)],
		metadata: vec![],
		accounts: vec![(USD, ALICE, 100_000 * USD_UNIT), (USD, BOB, 100_000 * USD_UNIT)],
		next_asset_id: None,
		reserves: vec![],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	vaults::GenesisConfig::<Test> {
		collaterals: vec![(
			NativeOrWithId::WithId(USD),
			vaults::CollateralConfig {
				oracle_key: clearinghouse_primitives::OracleKey::from_symbol("USD").unwrap(),
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
		REFUSE.with(|r| r.set(false));
		SURPLUS.with(|r| r.set(Some((0, 0))));
		LIQUIDATABLE.with(|r| r.set(false));
		BTC_PRICE.with(|r| r.set(Some(50_000)));
		NOW.with(|r| r.set(T0));
	});
	ext
}

/// Run `test` on a fresh [`new_test_ext`], then every pallet's `try_state` (polkadot-sdk's
/// `build_and_execute` pattern): no test may leave a broken invariant behind.
pub fn build_and_execute<R>(test: impl FnOnce() -> R) -> R {
	clearinghouse_test_support::build_and_execute(
		new_test_ext(),
		test,
		&[Vaults::do_try_state, Confidential::do_try_state, margin_copies_match],
	)
}

/// The cross-pallet invariant: the margin engine's copy of every floor is the pallet's (a
/// change the pallet did not report would value the account at a stale floor).
fn margin_copies_match() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
	use pallet_confidential::HiddenCollateral;
	let copies = MARGIN_FLOORS.with(|m| m.borrow().clone());
	for (account, copy) in &copies {
		polkadot_sdk::frame_support::ensure!(
			Confidential::floor(account) == *copy,
			"the margin engine's copy of a floor is stale"
		);
	}
	let mut missing = 0u32;
	Confidential::for_each_floor(&mut |account, floor| {
		if copies.get(account) != Some(&floor) {
			missing += 1;
		}
	});
	polkadot_sdk::frame_support::ensure!(missing == 0, "a floor the margin engine was not told of");
	Ok(())
}
