//! A relay chain: its native token, sovereign accounts for its parachains, and a message queue
//! that executes what parachains send upward.

use polkadot_sdk::{
	frame_support::{
		construct_runtime, derive_impl, parameter_types,
		traits::{ConstU128, ConstU32, Everything, Nothing, ProcessMessage, ProcessMessageError},
		weights::{Weight, WeightMeter},
	},
	frame_system, pallet_balances, pallet_message_queue,
	polkadot_parachain_primitives::primitives::Id as ParaId,
	polkadot_runtime_parachains::inclusion::{AggregateMessageOrigin, UmpQueueId},
	sp_io,
	sp_runtime::{AccountId32, BuildStorage},
	staging_xcm::latest::prelude::*,
	staging_xcm_builder::{
		AccountId32Aliases, AllowTopLevelPaidExecutionFrom, ChildParachainConvertsVia,
		FixedRateOfFungible, FixedWeightBounds, FrameTransactionalProcessor, FungibleAdapter,
		IsConcrete, ProcessXcmMessage, TakeWeightCredit,
	},
	staging_xcm_executor,
};

pub type AccountId = AccountId32;

construct_runtime!(
	pub enum Runtime {
		System: frame_system = 0,
		Balances: pallet_balances = 1,
		MessageQueue: pallet_message_queue = 2,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Runtime {
	type AccountId = AccountId;
	type Lookup = polkadot_sdk::sp_runtime::traits::IdentityLookup<AccountId>;
	type Block = frame_system::mocking::MockBlock<Runtime>;
	type AccountData = pallet_balances::AccountData<u128>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Runtime {
	type Balance = u128;
	type AccountStore = System;
	type ExistentialDeposit = ConstU128<1>;
}

parameter_types! {
	pub HereLocation: Location = Location::here();
	pub UniversalLocation: InteriorLocation = Here;
	pub NativePerSecond: (AssetId, u128, u128) = (AssetId(Location::here()), 1_000_000, 0);
	pub UnitWeightCost: Weight = Weight::from_parts(1_000_000, 1_024);
	pub const MaxInstructions: u32 = 100;
	pub const MaxAssetsIntoHolding: u32 = 64;
	pub ServiceWeight: Option<Weight> = Some(Weight::MAX / 2);
}

pub type LocationToAccountId =
	(ChildParachainConvertsVia<ParaId, AccountId>, AccountId32Aliases<(), AccountId>);

pub struct XcmConfig;
impl staging_xcm_executor::Config for XcmConfig {
	type RuntimeCall = RuntimeCall;
	type XcmSender = super::RelayChainXcmRouter;
	type XcmEventEmitter = ();
	type AssetTransactor =
		FungibleAdapter<Balances, IsConcrete<HereLocation>, LocationToAccountId, AccountId, ()>;
	type OriginConverter = ();
	type IsReserve = ();
	type IsTeleporter = ();
	type UniversalLocation = UniversalLocation;
	type Barrier = (TakeWeightCredit, AllowTopLevelPaidExecutionFrom<Everything>);
	type Weigher = FixedWeightBounds<UnitWeightCost, RuntimeCall, MaxInstructions>;
	type Trader = FixedRateOfFungible<NativePerSecond, ()>;
	type ResponseHandler = ();
	type AssetTrap = ();
	type AssetLocker = ();
	type AssetExchanger = ();
	type SubscriptionService = ();
	type PalletInstancesInfo = AllPalletsWithSystem;
	type MaxAssetsIntoHolding = MaxAssetsIntoHolding;
	type FeeManager = ();
	type MessageExporter = ();
	type UniversalAliases = Nothing;
	type CallDispatcher = RuntimeCall;
	type SafeCallFilter = Nothing;
	type Aliasers = Nothing;
	type TransactionalProcessor = FrameTransactionalProcessor;
	type HrmpNewChannelOpenRequestHandler = ();
	type HrmpChannelAcceptedHandler = ();
	type HrmpChannelClosingHandler = ();
	type XcmRecorder = ();
}

/// Executes a parachain's upward message with the parachain as its origin.
pub struct UpwardMessages;
impl ProcessMessage for UpwardMessages {
	type Origin = AggregateMessageOrigin;
	fn process_message(
		message: &[u8],
		origin: Self::Origin,
		meter: &mut WeightMeter,
		id: &mut [u8; 32],
	) -> Result<bool, ProcessMessageError> {
		let AggregateMessageOrigin::Ump(UmpQueueId::Para(para)) = origin;
		ProcessXcmMessage::<Junction, staging_xcm_executor::XcmExecutor<XcmConfig>, RuntimeCall>::process_message(
			message,
			Parachain(para.into()),
			meter,
			id,
		)
	}
}

impl pallet_message_queue::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MessageProcessor = UpwardMessages;
	type Size = u32;
	type QueueChangeHandler = ();
	type QueuePausedQuery = ();
	type HeapSize = ConstU32<{ 64 * 1024 }>;
	type MaxStale = ConstU32<8>;
	type ServiceWeight = ServiceWeight;
	type IdleMaxServiceWeight = ();
}

pub fn new_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Runtime>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
