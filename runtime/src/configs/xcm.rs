//! XCM pallets. The executor configuration itself is the `clearinghouse-xcm-config` crate; this
//! file binds it to this runtime and configures the queues around it.

use polkadot_sdk::{staging_xcm_executor as xcm_executor, *};

use clearinghouse_xcm_config as xcm_config;
use cumulus_primitives_core::{AggregateMessageOrigin, ParaId};
use frame_support::{
	parameter_types,
	traits::{ConstU32, Disabled, Everything, Nothing, TransformOrigin},
	weights::Weight,
};
use frame_system::EnsureRoot;
use parachains_common::message_queue::{NarrowOriginToSibling, ParaIdToSibling};
use polkadot_runtime_common::xcm_sender::NoPriceForMessageDelivery;
use sp_runtime::Perbill;

use super::RuntimeBlockWeights;
use crate::{
	AccountId, AllPalletsWithSystem, Balances, MessageQueue, ParachainSystem, Runtime, RuntimeCall,
	RuntimeEvent, RuntimeOrigin, WeightToFee, XcmpQueue,
};

/// The executor configuration of this runtime.
pub type XcmConfig = xcm_config::XcmConfig<
	Runtime,
	AllPalletsWithSystem,
	WeightToFee,
	super::vaults::VaultsDepositRoute,
	XcmWeights,
>;
/// What each XCM instruction weighs here: measured (`runtime/src/weights/xcm/`).
pub type XcmWeights = crate::weights::xcm::ClearinghouseXcmWeight<RuntimeCall>;
/// The XCM executor of this runtime.
pub type XcmExecutor = xcm_executor::XcmExecutor<XcmConfig>;
/// Where outgoing XCM goes.
pub type XcmRouter = xcm_config::XcmRouter<Runtime>;
/// This chain's place in the consensus universe.
pub type UniversalLocation = xcm_config::UniversalLocation<Runtime>;

impl pallet_xcm::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	// Local accounts may send messages and transfer assets out.
	type SendXcmOrigin = xcm_config::LocalXcmOrigin<Runtime>;
	type XcmRouter = XcmRouter;
	type ExecuteXcmOrigin = xcm_config::LocalXcmOrigin<Runtime>;
	// Arbitrary `execute` is off; `transfer_assets` & co. do not need it.
	type XcmExecuteFilter = Nothing;
	type XcmExecutor = XcmExecutor;
	// Nothing is teleported; reserve transfers of foreign assets back to their reserve are fine.
	type XcmTeleportFilter = Nothing;
	type XcmReserveTransferFilter = Everything;
	type Weigher = xcm_config::Weigher<Runtime, XcmWeights>;
	type UniversalLocation = UniversalLocation;
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeCall = RuntimeCall;
	const VERSION_DISCOVERY_QUEUE_SIZE: u32 = 100;
	type AdvertisedXcmVersion = pallet_xcm::CurrentXcmVersion;
	type Currency = Balances;
	type CurrencyMatcher = ();
	type TrustedLockers = ();
	type SovereignAccountOf = xcm_config::LocationToAccountId;
	type MaxLockers = ConstU32<8>;
	// Measured on this runtime (`runtime/src/weights/pallet_xcm.rs`); the refused calls
	// (teleport, execute, authorized aliases) weigh the maximum.
	type WeightInfo = crate::weights::pallet_xcm::WeightInfo<Runtime>;
	type AdminOrigin = EnsureRoot<AccountId>;
	type MaxRemoteLockConsumers = ConstU32<0>;
	type RemoteLockConsumerIdentifier = ();
	type AuthorizedAliasConsideration = Disabled;
}

impl cumulus_pallet_xcm::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type XcmExecutor = XcmExecutor;
}

parameter_types! {
	/// Up to 35% of a block services queued XCM messages.
	pub MessageQueueServiceWeight: Weight = Perbill::from_percent(35) * RuntimeBlockWeights::get().max_block;
}

impl pallet_message_queue::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_message_queue::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type MessageProcessor =
		pallet_message_queue::mock_helpers::NoopMessageProcessor<AggregateMessageOrigin>;
	#[cfg(not(feature = "runtime-benchmarks"))]
	type MessageProcessor =
		staging_xcm_builder::ProcessXcmMessage<AggregateMessageOrigin, XcmExecutor, RuntimeCall>;
	type Size = u32;
	// The XCMP queue only handles the `Sibling(ParaId)` origin.
	type QueueChangeHandler = NarrowOriginToSibling<XcmpQueue>;
	type QueuePausedQuery = NarrowOriginToSibling<XcmpQueue>;
	type HeapSize = ConstU32<{ 103 * 1024 }>;
	type MaxStale = ConstU32<8>;
	type ServiceWeight = MessageQueueServiceWeight;
	type IdleMaxServiceWeight = MessageQueueServiceWeight;
}

impl cumulus_pallet_xcmp_queue::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ChannelInfo = ParachainSystem;
	type VersionWrapper = crate::PolkadotXcm;
	// Sibling messages are queued and serviced by the message queue.
	type XcmpQueue = TransformOrigin<MessageQueue, AggregateMessageOrigin, ParaId, ParaIdToSibling>;
	type MaxInboundSuspended = ConstU32<1_000>;
	type MaxActiveOutboundChannels = ConstU32<128>;
	type MaxPageSize = ConstU32<{ 1 << 16 }>;
	type ControllerOrigin = EnsureRoot<AccountId>;
	type ControllerOriginConverter = xcm_config::XcmOriginToTransactDispatchOrigin<Runtime>;
	type WeightInfo = cumulus_pallet_xcmp_queue::weights::SubstrateWeight<Runtime>;
	type PriceForSiblingDelivery = NoPriceForMessageDelivery<ParaId>;
}
