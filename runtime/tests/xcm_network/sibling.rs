//! A sibling parachain (para 1000) that is the reserve of a stablecoin, "USDT" (`Assets` id
//! 1984, 6 decimals): accounts are `AccountId32`, its XCM configuration is the usual one for a
//! reserve chain (its own assets and native token through adapters, paid execution in USDT).

use polkadot_sdk::{
	frame_support::{
		construct_runtime, derive_impl, parameter_types,
		traits::{AsEnsureOriginWithArg, ConstU128, ConstU32, Disabled, Everything, Nothing},
		weights::Weight,
	},
	frame_system::{self, EnsureRoot, EnsureSigned},
	pallet_assets, pallet_balances, pallet_xcm,
	polkadot_parachain_primitives::primitives::Sibling,
	sp_io,
	sp_runtime::{AccountId32, BuildStorage},
	staging_xcm::latest::prelude::*,
	staging_xcm_builder::{
		AccountId32Aliases, AllowTopLevelPaidExecutionFrom, AsPrefixedGeneralIndex,
		ConvertedConcreteId, EnsureXcmOrigin, FixedRateOfFungible, FixedWeightBounds,
		FrameTransactionalProcessor, FungibleAdapter, FungiblesAdapter, IsConcrete, NoChecking,
		ParentIsPreset, SiblingParachainConvertsVia, SignedAccountId32AsNative,
		SignedToAccountId32, SovereignSignedViaLocation, TakeWeightCredit,
	},
	staging_xcm_executor::{self, traits::JustTry},
	xcm_simulator::mock_message_queue,
};

pub type AccountId = AccountId32;
pub type Balance = u128;

/// This chain's id.
pub const SIBLING_ID: u32 = 1000;
/// The stablecoin's id in `Assets`, and the pallet's index (part of its XCM location).
pub const USDT: u32 = 1984;
pub const ASSETS_PALLET_INDEX: u8 = 50;
/// The stablecoin's minimum balance: 0.01 USDT.
pub const USDT_MIN_BALANCE: u128 = 10_000;

construct_runtime!(
	pub enum Runtime {
		System: frame_system = 0,
		Balances: pallet_balances = 10,
		MsgQueue: mock_message_queue = 20,
		PolkadotXcm: pallet_xcm = 31,
		Assets: pallet_assets = 50,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Runtime {
	type AccountId = AccountId;
	type Lookup = polkadot_sdk::sp_runtime::traits::IdentityLookup<AccountId>;
	type Block = frame_system::mocking::MockBlock<Runtime>;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Runtime {
	type Balance = Balance;
	type AccountStore = System;
	type ExistentialDeposit = ConstU128<1>;
}

#[derive_impl(pallet_assets::config_preludes::TestDefaultConfig)]
impl pallet_assets::Config for Runtime {
	type Balance = Balance;
	type Currency = Balances;
	type CreateOrigin = AsEnsureOriginWithArg<EnsureSigned<AccountId>>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type Freezer = ();
	type Holder = ();
}

impl mock_message_queue::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type XcmExecutor = staging_xcm_executor::XcmExecutor<XcmConfig>;
}

parameter_types! {
	pub const RelayNetwork: Option<NetworkId> = None;
	pub HereLocation: Location = Location::here();
	pub CheckingAccount: AccountId = PolkadotXcm::check_account();
	pub UniversalLocation: InteriorLocation = Parachain(SIBLING_ID).into();
	pub AssetsPalletLocation: Location = PalletInstance(ASSETS_PALLET_INDEX).into();
	pub UsdtLocation: Location = Location::new(0, [PalletInstance(ASSETS_PALLET_INDEX), GeneralIndex(USDT.into())]);
	/// Execution here costs 1 USDT unit per 10^6 of weight (a token fee).
	pub UsdtPerSecond: (AssetId, u128, u128) = (AssetId(UsdtLocation::get()), 1_000_000, 0);
	pub NativePerSecond: (AssetId, u128, u128) = (AssetId(Location::here()), 1_000_000, 0);
	pub UnitWeightCost: Weight = Weight::from_parts(1_000_000, 1_024);
	pub const MaxInstructions: u32 = 100;
	pub const MaxAssetsIntoHolding: u32 = 64;
}

pub type LocationToAccountId = (
	ParentIsPreset<AccountId>,
	SiblingParachainConvertsVia<Sibling, AccountId>,
	AccountId32Aliases<RelayNetwork, AccountId>,
);

pub type AssetTransactors = (
	FungibleAdapter<Balances, IsConcrete<HereLocation>, LocationToAccountId, AccountId, ()>,
	FungiblesAdapter<
		Assets,
		ConvertedConcreteId<
			u32,
			u128,
			AsPrefixedGeneralIndex<AssetsPalletLocation, u32, JustTry>,
			JustTry,
		>,
		LocationToAccountId,
		AccountId,
		NoChecking,
		CheckingAccount,
	>,
);

pub struct XcmConfig;
impl staging_xcm_executor::Config for XcmConfig {
	type RuntimeCall = RuntimeCall;
	type XcmSender = super::ParachainXcmRouter<MsgQueue>;
	type XcmEventEmitter = PolkadotXcm;
	type AssetTransactor = AssetTransactors;
	type OriginConverter = (
		SovereignSignedViaLocation<LocationToAccountId, RuntimeOrigin>,
		SignedAccountId32AsNative<RelayNetwork, RuntimeOrigin>,
	);
	// It only takes back its own assets, which need no reserve.
	type IsReserve = ();
	type IsTeleporter = ();
	type UniversalLocation = UniversalLocation;
	type Barrier = (TakeWeightCredit, AllowTopLevelPaidExecutionFrom<Everything>);
	type Weigher = FixedWeightBounds<UnitWeightCost, RuntimeCall, MaxInstructions>;
	type Trader =
		(FixedRateOfFungible<UsdtPerSecond, ()>, FixedRateOfFungible<NativePerSecond, ()>);
	type ResponseHandler = PolkadotXcm;
	type AssetTrap = PolkadotXcm;
	type AssetLocker = ();
	type AssetExchanger = ();
	type SubscriptionService = PolkadotXcm;
	type PalletInstancesInfo = AllPalletsWithSystem;
	type MaxAssetsIntoHolding = MaxAssetsIntoHolding;
	type FeeManager = ();
	type MessageExporter = ();
	type UniversalAliases = Nothing;
	type CallDispatcher = RuntimeCall;
	type SafeCallFilter = Everything;
	type Aliasers = Nothing;
	type TransactionalProcessor = FrameTransactionalProcessor;
	type HrmpNewChannelOpenRequestHandler = ();
	type HrmpChannelAcceptedHandler = ();
	type HrmpChannelClosingHandler = ();
	type XcmRecorder = PolkadotXcm;
}

pub type LocalOriginToLocation = SignedToAccountId32<RuntimeOrigin, AccountId, RelayNetwork>;

impl pallet_xcm::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type SendXcmOrigin = EnsureXcmOrigin<RuntimeOrigin, LocalOriginToLocation>;
	type XcmRouter = super::ParachainXcmRouter<MsgQueue>;
	type ExecuteXcmOrigin = EnsureXcmOrigin<RuntimeOrigin, LocalOriginToLocation>;
	type XcmExecuteFilter = Everything;
	type XcmExecutor = staging_xcm_executor::XcmExecutor<XcmConfig>;
	type XcmTeleportFilter = Nothing;
	type XcmReserveTransferFilter = Everything;
	type Weigher = FixedWeightBounds<UnitWeightCost, RuntimeCall, MaxInstructions>;
	type UniversalLocation = UniversalLocation;
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeCall = RuntimeCall;
	const VERSION_DISCOVERY_QUEUE_SIZE: u32 = 100;
	type AdvertisedXcmVersion = pallet_xcm::CurrentXcmVersion;
	type Currency = Balances;
	type CurrencyMatcher = ();
	type TrustedLockers = ();
	type SovereignAccountOf = LocationToAccountId;
	type MaxLockers = ConstU32<8>;
	type WeightInfo = pallet_xcm::TestWeightInfo;
	type AdminOrigin = EnsureRoot<AccountId>;
	type MaxRemoteLockConsumers = ConstU32<0>;
	type RemoteLockConsumerIdentifier = ();
	type AuthorizedAliasConsideration = Disabled;
}

/// Genesis: `holders` own 1,000,000 USDT and 1,000 native units each.
pub fn new_ext(holders: &[AccountId]) -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Runtime>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Runtime> {
		balances: holders.iter().map(|h| (h.clone(), 1_000 * 10u128.pow(12))).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_assets::GenesisConfig::<Runtime> {
		assets: vec![(USDT, holders[0].clone(), true, USDT_MIN_BALANCE)],
		metadata: vec![(USDT, b"Tether USD".to_vec(), b"USDT".to_vec(), 6)],
		accounts: holders.iter().map(|h| (USDT, h.clone(), 1_000_000 * 1_000_000)).collect(),
		next_asset_id: None,
		reserves: vec![],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_xcm::GenesisConfig::<Runtime> { safe_xcm_version: Some(5), ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		MsgQueue::set_para_id(SIBLING_ID.into());
	});
	ext
}
