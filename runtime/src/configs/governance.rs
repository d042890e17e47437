//! Governance pallets: scheduler, preimage, referenda, conviction voting, the custom origins,
//! the guardian council, the halt switch (`TxPause`) and governance-set parameters.
//! See [`crate::governance`] for who may do what.

use polkadot_sdk::*;

use frame_support::{
	dynamic_params::{dynamic_pallet_params, dynamic_params},
	parameter_types,
	traits::{
		fungible::HoldConsideration, tokens::currency::ActiveIssuanceOf, ConstU32,
		EnsureOriginWithArg, EqualPrivilegeOnly, LinearStoragePrice,
	},
	weights::Weight,
};
use frame_system::{EnsureRoot, EnsureSigned};
use sp_runtime::{Perbill, Permill};

use super::RuntimeBlockWeights;
use crate::{
	governance::{tracks, GuardianCollective, HaltOrigin, RiskAdminOrigin},
	AccountId, Balance, Balances, OriginCaller, Preimage, Referenda, Runtime, RuntimeCall,
	RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, Scheduler, System, DAYS, UNIT,
};

parameter_types! {
	/// Scheduled calls (enacted referenda) may use up to 80% of a block.
	pub MaximumSchedulerWeight: Weight = Perbill::from_percent(80) * RuntimeBlockWeights::get().max_block;
}

impl pallet_scheduler::Config for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type RuntimeEvent = RuntimeEvent;
	type PalletsOrigin = OriginCaller;
	type RuntimeCall = RuntimeCall;
	type MaximumWeight = MaximumSchedulerWeight;
	// Only referenda (through root) schedule; nobody schedules directly.
	type ScheduleOrigin = EnsureRoot<AccountId>;
	type MaxScheduledPerBlock = ConstU32<50>;
	type WeightInfo = pallet_scheduler::weights::SubstrateWeight<Runtime>;
	type OriginPrivilegeCmp = EqualPrivilegeOnly;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

parameter_types! {
	pub const PreimageBaseDeposit: Balance = UNIT;
	pub const PreimageByteDeposit: Balance = UNIT / 1_000;
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
}

impl pallet_preimage::Config for Runtime {
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type ManagerOrigin = EnsureRoot<AccountId>;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}

parameter_types! {
	pub const VoteLockingPeriod: crate::BlockNumber = 7 * DAYS;
}

impl pallet_conviction_voting::Config for Runtime {
	type WeightInfo = pallet_conviction_voting::weights::SubstrateWeight<Runtime>;
	type RuntimeEvent = RuntimeEvent;
	type Currency = Balances;
	type VoteLockingPeriod = VoteLockingPeriod;
	type MaxVotes = ConstU32<512>;
	type MaxTurnout = ActiveIssuanceOf<Balances, AccountId>;
	type Polls = Referenda;
	type BlockNumberProvider = System;
	type VotingHooks = ();
}

parameter_types! {
	pub const AlarmInterval: crate::BlockNumber = 1;
	pub const SubmissionDeposit: Balance = 10 * UNIT;
	pub const UndecidingTimeout: crate::BlockNumber = 14 * DAYS;
}

impl pallet_referenda::Config for Runtime {
	type WeightInfo = pallet_referenda::weights::SubstrateWeight<Runtime>;
	type RuntimeCall = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type Scheduler = Scheduler;
	type Currency = Balances;
	type SubmitOrigin = EnsureSigned<AccountId>;
	type CancelOrigin = EnsureRoot<AccountId>;
	type KillOrigin = EnsureRoot<AccountId>;
	type Slash = ();
	type Votes = pallet_conviction_voting::VotesOf<Runtime>;
	type Tally = pallet_conviction_voting::TallyOf<Runtime>;
	type SubmissionDeposit = SubmissionDeposit;
	type MaxQueued = ConstU32<100>;
	type UndecidingTimeout = UndecidingTimeout;
	type AlarmInterval = AlarmInterval;
	type Tracks = tracks::TracksInfo;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

impl pallet_clearinghouse_origins::Config for Runtime {}

parameter_types! {
	pub const GuardianMotionDuration: crate::BlockNumber = DAYS;
	pub const GuardianMaxProposals: u32 = 32;
	pub const GuardianMaxMembers: u32 = 16;
	pub MaxGuardianProposalWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
}

impl pallet_collective::Config<GuardianCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = GuardianMotionDuration;
	type MaxProposals = GuardianMaxProposals;
	type MaxMembers = GuardianMaxMembers;
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	// Membership is a root referendum.
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxGuardianProposalWeight;
	type DisapproveOrigin = EnsureRoot<AccountId>;
	type KillOrigin = EnsureRoot<AccountId>;
	// Guardians are appointed by referendum; their proposals carry no deposit.
	type Consideration = ();
}

/// Calls that can never be paused: governance must always be able to act, and inherents must
/// always be applicable.
pub struct UnpausableCalls;
impl frame_support::traits::Contains<pallet_tx_pause::RuntimeCallNameOf<Runtime>>
	for UnpausableCalls
{
	fn contains(full_name: &pallet_tx_pause::RuntimeCallNameOf<Runtime>) -> bool {
		let pallet: &[u8] = &full_name.0;
		matches!(
			pallet,
			b"System"
				| b"ParachainSystem"
				| b"Timestamp"
				| b"Scheduler"
				| b"Preimage"
				| b"Referenda"
				| b"ConvictionVoting"
				| b"GuardianCouncil"
				| b"TxPause" | b"Sudo"
		)
	}
}

impl pallet_tx_pause::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	// Root, the emergency track or a guardian majority may halt ...
	type PauseOrigin = HaltOrigin;
	// ... but only root may resume.
	type UnpauseOrigin = EnsureRoot<AccountId>;
	type WhitelistedCalls = UnpausableCalls;
	type MaxNameLen = ConstU32<256>;
	type WeightInfo = pallet_tx_pause::weights::SubstrateWeight<Runtime>;
}

/// Global parameters that governance sets without a runtime upgrade. Each namespace has its own
/// admin origin ([`DynamicParametersOrigin`]).
#[dynamic_params(RuntimeParameters, pallet_parameters::Parameters::<Runtime>)]
pub mod dynamic_params {
	use super::*;

	/// Risk parameters shared by the clearing pallets. Set by the `risk_admin` track.
	#[dynamic_pallet_params]
	#[codec(index = 0)]
	pub mod risk {
		/// The share of taker fees paid into the insurance fund.
		#[codec(index = 0)]
		pub static InsuranceFeeShare: Permill = Permill::from_percent(20);

		/// The share of a liquidation penalty paid to the liquidator (the rest goes to the
		/// insurance fund).
		#[codec(index = 1)]
		pub static LiquidatorPenaltyShare: Permill = Permill::from_percent(50);
	}
}

#[cfg(feature = "runtime-benchmarks")]
impl Default for RuntimeParameters {
	fn default() -> Self {
		RuntimeParameters::Risk(dynamic_params::risk::Parameters::InsuranceFeeShare(
			dynamic_params::risk::InsuranceFeeShare,
			Some(Permill::from_percent(20)),
		))
	}
}

/// Who may set which namespace of [`RuntimeParameters`].
pub struct DynamicParametersOrigin;
impl EnsureOriginWithArg<RuntimeOrigin, RuntimeParametersKey> for DynamicParametersOrigin {
	type Success = ();

	fn try_origin(
		origin: RuntimeOrigin,
		key: &RuntimeParametersKey,
	) -> Result<Self::Success, RuntimeOrigin> {
		use frame_support::traits::EnsureOrigin;
		match key {
			RuntimeParametersKey::Risk(_) => RiskAdminOrigin::try_origin(origin).map(|_| ()),
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn try_successful_origin(_key: &RuntimeParametersKey) -> Result<RuntimeOrigin, ()> {
		Ok(RuntimeOrigin::root())
	}
}

impl pallet_parameters::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeParameters = RuntimeParameters;
	type AdminOrigin = DynamicParametersOrigin;
	// The pallet exports only its `()` weights (measured on reference hardware).
	type WeightInfo = ();
}
