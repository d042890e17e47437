//! A runtime for the confidential pallet's tests: balances, assets, the real vaults (the
//! settlement ledger and the pool) and a margin guard the tests can make refuse.

use crate as pallet_confidential;
use core::cell::Cell;
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
	sp_arithmetic::Permill,
	sp_io,
	sp_runtime::{BuildStorage, DispatchResult},
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
}

/// The margin engine's withdrawal guard, as a switch.
pub struct TestGuard;
impl pallet_confidential::WithdrawalGuard<AccountId> for TestGuard {
	fn ensure_can_withdraw(_: &MarginAccount<AccountId>, _: u16) -> DispatchResult {
		if REFUSE.with(Cell::get) {
			Err(polkadot_sdk::sp_runtime::DispatchError::Other("positions need it"))
		} else {
			Ok(())
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
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Helper;
}

/// Mints the settlement asset for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct Helper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_confidential::BenchmarkHelper<AccountId> for Helper {
	fn fund(who: &MarginAccount<AccountId>, amount: u128) {
		use polkadot_sdk::frame_support::traits::fungibles::Mutate;
		Assets::mint_into(USD, &who.owner, amount).unwrap();
		Vaults::do_deposit(&who.owner, who, 0, amount).unwrap();
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
	fn most_positions(_: &clearinghouse_primitives::MarginAccount<AccountId>) {}
}

pub const ALICE: AccountId = 1;
pub const BOB: AccountId = 2;
pub const POOL_OWNER: AccountId = 99;
pub const USD: u32 = 1;
pub const USD_UNIT: u128 = 1_000_000;

/// Alice and Bob each hold 100,000 USD in their wallets; block 1 has begun (the genesis hash
/// proofs are bound to is the block hash of block 0).
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
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
	});
	ext
}

/// Run `test` on a fresh [`new_test_ext`], then every pallet's `try_state` (polkadot-sdk's
/// `build_and_execute` pattern): no test may leave a broken invariant behind.
pub fn build_and_execute<R>(test: impl FnOnce() -> R) -> R {
	clearinghouse_test_support::build_and_execute(
		new_test_ext(),
		test,
		&[Vaults::do_try_state, Confidential::do_try_state],
	)
}
