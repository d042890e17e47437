//! A runtime for the insurance pallet's tests: balances, assets, the real vaults and the fund.

use crate as pallet_insurance;
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
	sp_runtime::BuildStorage,
};

use pallet_clearinghouse_vaults as vaults;
use pallet_insurance::MarginAccount;

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = u64;
pub type Asset = NativeOrWithId<u32>;

clearinghouse_test_support::mock_runtime!(Test {
	1: Balances = pallet_balances,
	2: Assets = pallet_assets,
	3: Vaults = vaults,
	4: Insurance = pallet_insurance,
});
clearinghouse_test_support::impl_system!(Test);
clearinghouse_test_support::impl_balances_and_assets!(Test);

parameter_types! {
	pub const VaultsPalletId: PalletId = PalletId(*b"clr/vlts");
	pub Fund: MarginAccount<AccountId> = MarginAccount::new(FUND_OWNER, 2);
	/// A further book of the fund (the margin engine's backstop books in the runtime).
	pub Book: MarginAccount<AccountId> = MarginAccount::new(FUND_OWNER, 3);
}

/// The fund's further book: its settlement cash counts, and moves in before a withdrawal.
pub struct TestBooks;
impl pallet_insurance::FundBooks for TestBooks {
	fn extra_cash() -> i128 {
		Vaults::balance_of(&Book::get(), 0)
	}
	fn consolidate() -> polkadot_sdk::sp_runtime::DispatchResult {
		use pallet_insurance::{CollateralLedger, SettlementReason};
		let cash = Self::extra_cash();
		if cash > 0 {
			Vaults::transfer_settlement(
				&Book::get(),
				&Fund::get(),
				cash as u128,
				SettlementReason::Insurance,
			)?;
		}
		Ok(())
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

impl pallet_insurance::Config for Test {
	type Ledger = Vaults;
	type Fund = Fund;
	type Books = TestBooks;
	type WithdrawOrigin = EnsureRoot<AccountId>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Helper;
}

/// Mints the settlement asset for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct Helper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_insurance::BenchmarkHelper<AccountId> for Helper {
	fn fund_wallet(who: &AccountId, amount: u128) {
		use polkadot_sdk::frame_support::traits::fungibles::Mutate;
		Assets::mint_into(USD, who, amount).unwrap();
	}
	fn fill_books() {
		use polkadot_sdk::frame_support::traits::fungibles::Mutate;
		Assets::mint_into(USD, &FUND_OWNER, 10_000).unwrap();
		Vaults::do_deposit(&FUND_OWNER, &Book::get(), 0, 10_000).unwrap();
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
pub const FUND_OWNER: AccountId = 99;
pub const USD: u32 = 1;

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_assets::GenesisConfig::<Test> {
		assets: vec![(USD, 99, true, 1)],
		metadata: vec![],
		accounts: vec![(USD, ALICE, 1_000_000)],
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
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Run `test` on a fresh [`new_test_ext`], then every pallet's `try_state` (polkadot-sdk's
/// `build_and_execute` pattern): no test may leave a broken invariant behind.
pub fn build_and_execute<R>(test: impl FnOnce() -> R) -> R {
	clearinghouse_test_support::build_and_execute(new_test_ext(), test, &[Vaults::do_try_state])
}
