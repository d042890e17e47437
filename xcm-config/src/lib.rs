//! # Clearinghouse XCM configuration
//!
//! The XCM executor configuration of the clearinghouse parachain. It is generic over the runtime
//! (`R`), so the runtime crate only names it (`XcmConfig<Runtime, AllPalletsWithSystem>`) and this
//! crate holds every decision about what crosses the chain's boundary:
//!
//! * **Accounts** ([`LocationToAccountId`]): the relay chain maps to its preset account, a sibling
//!   parachain to its sovereign account (`sibl` + para id), a local `AccountId32` to itself, and
//!   any other location (an account on a sibling, a pallet elsewhere) to a hash of its description,
//!   so remote users own a deterministic local account they can control through XCM `Transact`.
//! * **Assets** ([`AssetTransactors`]): the native token (`Location::here()`) through `Balances`;
//!   every non-local location through `ForeignAssets` (a `pallet-assets` instance keyed by
//!   `Location`). Local `Assets` (integer ids) do not cross XCM: they are chain-internal.
//! * **Reserves** ([`TrustedReserves`]): a foreign asset is accepted as a reserve transfer only from
//!   the reserve that governance registered for it with `ForeignAssets::set_reserves`; nothing is
//!   trusted by default. The native token is reserve-based on this chain. Teleports are disabled.
//! * **Barrier** ([`Barrier`]): paid execution from anyone; unpaid execution only from the relay
//!   chain or its executive plurality; query responses the chain asked for; version
//!   subscriptions from the relay and siblings; HRMP notifications from the relay. Reserve
//!   transfers *to* the relay chain are refused.
//! * **Fees** ([`Trader`]): execution is bought with the native token at the same weight-to-fee
//!   rate as transactions, and fees go to the block author. Paying with foreign collateral comes
//!   with cross-chain collateral routing.
//! * **Weights**: a fixed cost per instruction ([`UnitWeightCost`], bounded by
//!   [`MaxInstructions`]) until pallet-xcm-benchmarks weights are generated for this runtime.

#![cfg_attr(not(feature = "std"), no_std)]

use core::marker::PhantomData;

use polkadot_sdk::sp_runtime::traits::TryConvertInto;
use polkadot_sdk::{
	assets_common::{
		local_and_foreign_assets::ForeignAssetReserveData,
		matching::NonTeleportableAssetFromTrustedReserve,
	},
	cumulus_pallet_parachain_system, cumulus_pallet_xcm, cumulus_pallet_xcmp_queue,
	cumulus_primitives_utility::ParentAsUmp,
	frame_support::{
		parameter_types,
		traits::{ConstU32, Contains, ContainsPair, Everything, EverythingBut, Get, Nothing},
		weights::Weight,
	},
	frame_system, pallet_assets, pallet_authorship, pallet_balances,
	pallet_xcm::{self, XcmPassthrough},
	polkadot_parachain_primitives::primitives::Sibling,
	polkadot_runtime_common::impls::ToAuthor,
	sp_runtime::AccountId32,
	staging_parachain_info as parachain_info,
	staging_xcm::latest::prelude::*,
	staging_xcm_builder::{
		AccountId32Aliases, AllowExplicitUnpaidExecutionFrom, AllowHrmpNotificationsFromRelayChain,
		AllowKnownQueryResponses, AllowSubscriptionsFrom, AllowTopLevelPaidExecutionFrom,
		DenyRecursively, DenyReserveTransferToRelayChain, DenyThenTry, DescribeAllTerminal,
		DescribeFamily, EnsureXcmOrigin, FixedWeightBounds, FrameTransactionalProcessor,
		FungibleAdapter, FungiblesAdapter, HashedDescription, IsConcrete,
		MatchedConvertedConcreteId, NoChecking, ParentIsPreset, RelayChainAsNative,
		SiblingParachainAsNative, SiblingParachainConvertsVia, SignedAccountId32AsNative,
		SignedToAccountId32, SovereignSignedViaLocation, StartsWith, TakeWeightCredit,
		TrailingSetTopicAsId, UsingComponents, WithComputedOrigin, WithLatestLocationConverter,
		WithUniqueTopic,
	},
	staging_xcm_executor,
};

/// The `pallet-assets` instance that holds foreign assets keyed by their XCM `Location`.
pub type ForeignAssetsInstance = pallet_assets::Instance2;

/// What this crate needs of a runtime. Implemented for every runtime that has these pallets with
/// these types; the clearinghouse runtime does.
pub trait XcmRuntime:
	frame_system::Config<AccountId = AccountId32>
	+ pallet_balances::Config<Balance = u128>
	+ pallet_assets::Config<
		ForeignAssetsInstance,
		AssetId = Location,
		Balance = u128,
		ReserveData = ForeignAssetReserveData,
	> + pallet_xcm::Config
	+ cumulus_pallet_xcm::Config
	+ cumulus_pallet_parachain_system::Config
	+ cumulus_pallet_xcmp_queue::Config
	+ parachain_info::Config
	+ pallet_authorship::Config
{
}
impl<R> XcmRuntime for R where
	R: frame_system::Config<AccountId = AccountId32>
		+ pallet_balances::Config<Balance = u128>
		+ pallet_assets::Config<
			ForeignAssetsInstance,
			AssetId = Location,
			Balance = u128,
			ReserveData = ForeignAssetReserveData,
		> + pallet_xcm::Config
		+ cumulus_pallet_xcm::Config
		+ cumulus_pallet_parachain_system::Config
		+ cumulus_pallet_xcmp_queue::Config
		+ parachain_info::Config
		+ pallet_authorship::Config
{
}

/// The dispatch origin of runtime `R`, as pallet-xcm and the executor see it.
pub type RuntimeOriginOf<R> = <R as pallet_xcm::Config>::RuntimeOrigin;
/// The call type of runtime `R`, as pallet-xcm and the executor see it.
pub type RuntimeCallOf<R> = <R as pallet_xcm::Config>::RuntimeCall;

parameter_types! {
	/// The relay chain, seen from here.
	pub const RelayLocation: Location = Location::parent();
	/// The relay chain's network is not pinned: the same runtime serves local, test and main
	/// relays. Accounts without a network id are treated as local ones.
	pub const RelayNetwork: Option<NetworkId> = None;
	/// The native token, seen from here.
	pub const NativeLocation: Location = Location::here();
	/// A flat cost per XCM instruction until benchmarked XCM weights exist for this runtime:
	/// 1/1000 of a second and 64 KiB of proof, an upper bound for every instruction we accept.
	pub UnitWeightCost: Weight = Weight::from_parts(1_000_000_000, 64 * 1024);
	/// At most this many instructions in one message (bounds the weight of any message).
	pub const MaxInstructions: u32 = 100;
	/// At most this many distinct assets in the holding register.
	pub const MaxAssetsIntoHolding: u32 = 64;
}

/// This chain inside the consensus universe: `Parachain(id)` with the id from `parachain-info`.
pub struct UniversalLocation<R>(PhantomData<R>);
impl<R: parachain_info::Config> Get<InteriorLocation> for UniversalLocation<R> {
	fn get() -> InteriorLocation {
		Parachain(parachain_info::Pallet::<R>::parachain_id().into()).into()
	}
}

/// The relay chain's dispatch origin in runtime `R`.
pub struct RelayChainOrigin<R>(PhantomData<R>);
impl<R: XcmRuntime> Get<RuntimeOriginOf<R>> for RelayChainOrigin<R>
where
	RuntimeOriginOf<R>: From<cumulus_pallet_xcm::Origin>,
{
	fn get() -> RuntimeOriginOf<R> {
		cumulus_pallet_xcm::Origin::Relay.into()
	}
}

/// How a `Location` maps to a local account (see the crate docs).
pub type LocationToAccountId = (
	ParentIsPreset<AccountId32>,
	SiblingParachainConvertsVia<Sibling, AccountId32>,
	AccountId32Aliases<RelayNetwork, AccountId32>,
	HashedDescription<AccountId32, DescribeFamily<DescribeAllTerminal>>,
);

/// Locations local to this chain (no parents): never foreign assets.
pub type LocalLocations = StartsWith<NativeLocation>;

/// Matches every non-local location as a `ForeignAssets` id, the relay token included.
pub type ForeignAssetsMatcher = MatchedConvertedConcreteId<
	Location,
	u128,
	EverythingBut<LocalLocations>,
	WithLatestLocationConverter<Location>,
	TryConvertInto,
>;

/// The native token moves through `Balances`. It is never teleported, so no checking account.
pub type NativeAssetTransactor<R> = FungibleAdapter<
	pallet_balances::Pallet<R>,
	IsConcrete<NativeLocation>,
	LocationToAccountId,
	AccountId32,
	(),
>;

/// pallet-xcm's check account. Unused while nothing is teleported (`NoChecking`), but the
/// adapter needs one.
pub struct CheckAccount<R>(PhantomData<R>);
impl<R: pallet_xcm::Config<AccountId = AccountId32>> Get<AccountId32> for CheckAccount<R> {
	fn get() -> AccountId32 {
		pallet_xcm::Pallet::<R>::check_account()
	}
}

/// Foreign assets move through `ForeignAssets`. Reserve-backed only: no teleport checking.
pub type ForeignAssetsTransactor<R> = FungiblesAdapter<
	pallet_assets::Pallet<R, ForeignAssetsInstance>,
	ForeignAssetsMatcher,
	LocationToAccountId,
	AccountId32,
	NoChecking,
	CheckAccount<R>,
>;

/// Every asset transactor, tried in order.
pub type AssetTransactors<R> = (NativeAssetTransactor<R>, ForeignAssetsTransactor<R>);

/// How an XCM origin becomes a dispatch origin for `Transact`.
pub type XcmOriginToTransactDispatchOrigin<R> = (
	// A location's local account, signed: how remote accounts act here.
	SovereignSignedViaLocation<LocationToAccountId, RuntimeOriginOf<R>>,
	// The relay chain's own origin. Deliberately not `ParentAsSuperuser`: root here belongs to
	// this chain's referenda, not to the relay chain.
	RelayChainAsNative<RelayChainOrigin<R>, RuntimeOriginOf<R>>,
	// A sibling parachain's own origin.
	SiblingParachainAsNative<cumulus_pallet_xcm::Origin, RuntimeOriginOf<R>>,
	// A local account, signed.
	SignedAccountId32AsNative<RelayNetwork, RuntimeOriginOf<R>>,
	// The XCM origin itself, for pallets that accept `pallet_xcm::Origin`.
	XcmPassthrough<RuntimeOriginOf<R>>,
);

/// The relay chain or its executive body: the only ones allowed unpaid execution.
pub struct ParentOrParentsExecutivePlurality;
impl Contains<Location> for ParentOrParentsExecutivePlurality {
	fn contains(location: &Location) -> bool {
		matches!(location.unpack(), (1, []) | (1, [Plurality { id: BodyId::Executive, .. }]))
	}
}

/// The relay chain or a sibling parachain.
pub struct ParentOrSiblings;
impl Contains<Location> for ParentOrSiblings {
	fn contains(location: &Location) -> bool {
		matches!(location.unpack(), (1, []) | (1, [Parachain(_)]))
	}
}

/// Which messages may execute at all (see the crate docs).
pub type Barrier<R> = TrailingSetTopicAsId<
	DenyThenTry<
		DenyRecursively<DenyReserveTransferToRelayChain>,
		(
			TakeWeightCredit,
			AllowKnownQueryResponses<pallet_xcm::Pallet<R>>,
			WithComputedOrigin<
				(
					AllowTopLevelPaidExecutionFrom<Everything>,
					AllowExplicitUnpaidExecutionFrom<ParentOrParentsExecutivePlurality>,
					AllowSubscriptionsFrom<ParentOrSiblings>,
					AllowHrmpNotificationsFromRelayChain,
				),
				UniversalLocation<R>,
				ConstU32<8>,
			>,
		),
	>,
>;

/// A foreign asset is trusted only from the reserve governance registered for it.
pub type TrustedReserves<R> = NonTeleportableAssetFromTrustedReserve<
	parachain_info::Pallet<R>,
	pallet_assets::Pallet<R, ForeignAssetsInstance>,
>;

/// Accepts a reserve asset only where [`TrustedReserves`] names its origin as the reserve.
/// Adapts the `(Location, Location)` check to the executor's `(Asset, Location)` form.
pub struct IsTrustedReserve<R>(PhantomData<R>);
impl<R: XcmRuntime> ContainsPair<Asset, Location> for IsTrustedReserve<R> {
	fn contains(asset: &Asset, origin: &Location) -> bool {
		<TrustedReserves<R> as ContainsPair<Location, Location>>::contains(&asset.id.0, origin)
	}
}

/// Instruction weights: a flat cost per instruction (see [`UnitWeightCost`]).
pub type Weigher<R> = FixedWeightBounds<UnitWeightCost, RuntimeCallOf<R>, MaxInstructions>;

/// Buys execution with the native token at the weight-to-fee rate `W` (the runtime passes the
/// one transactions use); fees go to the block author.
pub type Trader<R, W> =
	UsingComponents<W, NativeLocation, AccountId32, pallet_balances::Pallet<R>, ToAuthor<R>>;

/// Where outgoing messages go: upward to the relay chain, or over XCMP to siblings.
pub type XcmRouter<R> = WithUniqueTopic<(
	ParentAsUmp<cumulus_pallet_parachain_system::Pallet<R>, (), ()>,
	cumulus_pallet_xcmp_queue::Pallet<R>,
)>;

/// A local signed origin becomes an `AccountId32` location (for `send`/`execute`/transfers).
pub type LocalOriginToLocation<R> =
	SignedToAccountId32<RuntimeOriginOf<R>, AccountId32, RelayNetwork>;

/// Origins that may send or execute XCM through pallet-xcm: local accounts.
pub type LocalXcmOrigin<R> = EnsureXcmOrigin<RuntimeOriginOf<R>, LocalOriginToLocation<R>>;

/// The executor configuration. `P` is the runtime's `AllPalletsWithSystem` (pallet info
/// queries), `W` its weight-to-fee conversion.
pub struct XcmConfig<R, P, W>(PhantomData<(R, P, W)>);
impl<R, P, W> staging_xcm_executor::Config for XcmConfig<R, P, W>
where
	R: XcmRuntime,
	P: polkadot_sdk::frame_support::traits::PalletsInfoAccess,
	W: polkadot_sdk::frame_support::weights::WeightToFee<Balance = u128>,
	RuntimeOriginOf<R>: From<cumulus_pallet_xcm::Origin>
		+ polkadot_sdk::frame_support::traits::OriginTrait<AccountId = AccountId32>,
	RuntimeCallOf<R>: polkadot_sdk::frame_support::dispatch::GetDispatchInfo,
{
	type RuntimeCall = RuntimeCallOf<R>;
	type XcmSender = XcmRouter<R>;
	type XcmEventEmitter = pallet_xcm::Pallet<R>;
	type AssetTransactor = AssetTransactors<R>;
	type OriginConverter = XcmOriginToTransactDispatchOrigin<R>;
	type IsReserve = IsTrustedReserve<R>;
	// Nothing is teleported: every foreign asset is reserve-backed.
	type IsTeleporter = ();
	type Aliasers = Nothing;
	type UniversalLocation = UniversalLocation<R>;
	type Barrier = Barrier<R>;
	type Weigher = Weigher<R>;
	type Trader = Trader<R, W>;
	type ResponseHandler = pallet_xcm::Pallet<R>;
	type AssetTrap = pallet_xcm::Pallet<R>;
	type AssetLocker = ();
	type AssetExchanger = ();
	type SubscriptionService = pallet_xcm::Pallet<R>;
	type PalletInstancesInfo = P;
	type MaxAssetsIntoHolding = MaxAssetsIntoHolding;
	type FeeManager = ();
	type MessageExporter = ();
	type UniversalAliases = Nothing;
	type CallDispatcher = RuntimeCallOf<R>;
	type SafeCallFilter = Everything;
	type TransactionalProcessor = FrameTransactionalProcessor;
	type HrmpNewChannelOpenRequestHandler = ();
	type HrmpChannelAcceptedHandler = ();
	type HrmpChannelClosingHandler = ();
	type XcmRecorder = pallet_xcm::Pallet<R>;
}

#[cfg(test)]
mod tests {
	use super::*;
	use polkadot_sdk::staging_xcm_executor::traits::ConvertLocation;

	#[test]
	fn sibling_and_parent_map_to_distinct_sovereign_accounts() {
		let parent = LocationToAccountId::convert_location(&Location::parent()).unwrap();
		let sibling =
			LocationToAccountId::convert_location(&Location::new(1, [Parachain(1000)])).unwrap();
		let other_sibling =
			LocationToAccountId::convert_location(&Location::new(1, [Parachain(1001)])).unwrap();
		assert_ne!(parent, sibling);
		assert_ne!(sibling, other_sibling);
		// The sibling sovereign account is the well-known `sibl` + para id layout.
		let raw: &[u8] = sibling.as_ref();
		assert_eq!(&raw[..4], b"sibl");
		assert_eq!(&raw[4..8], &1000u32.to_le_bytes());
	}

	#[test]
	fn local_account_maps_to_itself_and_remote_account_to_a_hash() {
		let who = AccountId32::new([7; 32]);
		let local = Location::new(0, [Junction::AccountId32 { network: None, id: [7; 32] }]);
		assert_eq!(LocationToAccountId::convert_location(&local), Some(who.clone()));

		let remote = Location::new(
			1,
			[Parachain(1000), Junction::AccountId32 { network: None, id: [7; 32] }],
		);
		let mapped = LocationToAccountId::convert_location(&remote).unwrap();
		assert_ne!(mapped, who, "a remote account must not alias the local one");
	}

	#[test]
	fn foreign_matcher_takes_remote_locations_only() {
		use polkadot_sdk::staging_xcm_executor::traits::MatchesFungibles;
		let dot: Asset = (Location::parent(), 10u128).into();
		assert_eq!(
			ForeignAssetsMatcher::matches_fungibles(&dot).ok(),
			Some((Location::parent(), 10))
		);
		let usdt_loc = Location::new(1, [Parachain(1000), PalletInstance(50), GeneralIndex(1984)]);
		let usdt: Asset = (usdt_loc.clone(), 5u128).into();
		assert_eq!(ForeignAssetsMatcher::matches_fungibles(&usdt).ok(), Some((usdt_loc, 5)));
		let native: Asset = (Location::here(), 5u128).into();
		assert!(ForeignAssetsMatcher::matches_fungibles(&native).is_err());
	}

	#[test]
	fn only_relay_and_its_executive_get_unpaid_execution() {
		assert!(ParentOrParentsExecutivePlurality::contains(&Location::parent()));
		assert!(ParentOrParentsExecutivePlurality::contains(&Location::new(
			1,
			[Plurality { id: BodyId::Executive, part: BodyPart::Voice }]
		)));
		assert!(!ParentOrParentsExecutivePlurality::contains(&Location::new(1, [Parachain(1000)])));
		assert!(ParentOrSiblings::contains(&Location::new(1, [Parachain(1000)])));
		assert!(!ParentOrSiblings::contains(&Location::new(
			1,
			[Parachain(1000), Junction::AccountId32 { network: None, id: [0; 32] }]
		)));
	}
}
