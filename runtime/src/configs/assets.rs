//! The two `pallet-assets` instances.
//!
//! * `Assets` (instance 1): assets that live on this chain, by integer id, created by
//!   governance (a `market_admin` referendum or root), e.g. a settlement stablecoin minted
//!   against an off-chain reserve. Nobody can create one with a signed origin: every collateral
//!   asset is a governance decision.
//! * `ForeignAssets` (instance 2): assets of other chains, keyed by their XCM `Location`. A
//!   sibling parachain may create the assets under its own location (through XCM, paying the
//!   deposit); governance may force-create any. `ReserveData` records which location is the
//!   trusted reserve of each asset; the XCM configuration accepts reserve transfers only from it.

use polkadot_sdk::*;

use assets_common::{
	foreign_creators::ForeignCreators, local_and_foreign_assets::ForeignAssetReserveData,
	matching::FromSiblingParachain,
};
use clearinghouse_xcm_config::{ForeignAssetsInstance, LocationToAccountId};
use frame_support::{
	parameter_types,
	traits::{AsEnsureOriginWithArg, ConstU32, EitherOf, NeverEnsureOrigin},
};
use frame_system::EnsureRoot;
use staging_xcm::latest::Location;

use crate::{
	deposit, AccountId, AssetId, Balance, Balances, ParachainInfo, Runtime, RuntimeEvent,
	EXISTENTIAL_DEPOSIT, UNIT,
};
use pallet_clearinghouse_origins::EnsureMarketAdmin;

parameter_types! {
	pub const AssetDeposit: Balance = 10 * UNIT;
	pub const AssetAccountDeposit: Balance = deposit(1, 16);
	pub const ApprovalDeposit: Balance = EXISTENTIAL_DEPOSIT;
	pub const AssetsStringLimit: u32 = 50;
	pub const MetadataDepositBase: Balance = deposit(1, 68);
	pub const MetadataDepositPerByte: Balance = deposit(0, 1);
}

/// Root or a passed `market_admin` referendum: may force-create, freeze and configure assets.
pub type AssetAdminOrigin = EitherOf<EnsureRoot<AccountId>, EnsureMarketAdmin>;

pub type LocalAssetsInstance = pallet_assets::Instance1;

impl pallet_assets::Config<LocalAssetsInstance> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Balance = Balance;
	type RemoveItemsLimit = ConstU32<1000>;
	type AssetId = AssetId;
	type AssetIdParameter = codec::Compact<AssetId>;
	type ReserveData = ();
	type Currency = Balances;
	// Local assets are created by governance only (`force_create`).
	type CreateOrigin = AsEnsureOriginWithArg<NeverEnsureOrigin<AccountId>>;
	type ForceOrigin = AssetAdminOrigin;
	type AssetDeposit = AssetDeposit;
	type AssetAccountDeposit = AssetAccountDeposit;
	type MetadataDepositBase = MetadataDepositBase;
	type MetadataDepositPerByte = MetadataDepositPerByte;
	type ApprovalDeposit = ApprovalDeposit;
	type StringLimit = AssetsStringLimit;
	type Freezer = ();
	type Holder = ();
	type Extra = ();
	type CallbackHandle = pallet_assets::AutoIncAssetId<Runtime, LocalAssetsInstance>;
	type WeightInfo = pallet_assets::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}

impl pallet_assets::Config<ForeignAssetsInstance> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Balance = Balance;
	type RemoveItemsLimit = ConstU32<1000>;
	type AssetId = Location;
	type AssetIdParameter = Location;
	type ReserveData = ForeignAssetReserveData;
	type Currency = Balances;
	// A sibling parachain may create assets under its own location, through XCM.
	type CreateOrigin = ForeignCreators<
		FromSiblingParachain<ParachainInfo, Location>,
		LocationToAccountId,
		AccountId,
		Location,
	>;
	type ForceOrigin = AssetAdminOrigin;
	type AssetDeposit = AssetDeposit;
	type AssetAccountDeposit = AssetAccountDeposit;
	type MetadataDepositBase = MetadataDepositBase;
	type MetadataDepositPerByte = MetadataDepositPerByte;
	type ApprovalDeposit = ApprovalDeposit;
	type StringLimit = AssetsStringLimit;
	type Freezer = ();
	type Holder = ();
	type Extra = ();
	type CallbackHandle = ();
	type WeightInfo = pallet_assets::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = assets_common::benchmarks::LocationAssetsBenchmarkHelper;
}
