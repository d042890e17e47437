//! # Clearinghouse XCM configuration
//!
//! The XCM executor configuration of the clearinghouse parachain. It is generic over the runtime
//! (`R`), so the runtime crate only names it (`XcmConfig<Runtime, AllPalletsWithSystem, ..>`) and this
//! crate holds every decision about what crosses the chain's boundary:
//!
//! * **Accounts** ([`LocationToAccountId`]): the relay chain maps to its preset account, a sibling
//!   parachain to its sovereign account (`sibl` + para id), a local `AccountId32` to itself, and
//!   any other location (an account on a sibling, a pallet elsewhere) to a hash of its description,
//!   so remote users own a deterministic local account they can control through XCM `Transact`.
//! * **Assets** ([`AssetTransactors`]): the native token (`Location::here()`) through `Balances`;
//!   every non-local location through `ForeignAssets` (a `pallet-assets` instance keyed by
//!   `Location`). Local `Assets` (integer ids) do not cross XCM: they are chain-internal.
//! * **Margin deposits** ([`MarginDepositTransactor`]): an asset deposited to the beneficiary
//!   `(0, [PalletInstance(<vaults>), AccountId32 { network: None, id }, GeneralIndex(sub)])`
//!   lands in that account's wallet and goes straight on into its margin sub-account through the
//!   vaults' deposit entry point ([`MarginDepositRoute`]); if the vaults refuse it (unregistered
//!   collateral, a cap, a withdraw-only asset), it is taken back out of the wallet and the
//!   message fails, so the executor traps it, claimable by the sender.
//! * **Reserves** ([`TrustedReserves`]): a foreign asset is accepted as a reserve transfer only from
//!   the reserve that governance registered for it with `ForeignAssets::set_reserves`; nothing is
//!   trusted by default. The native token is reserve-based on this chain. Teleports are disabled.
//! * **Barrier** ([`Barrier`]): paid execution from anyone; unpaid execution only from the relay
//!   chain or its executive plurality; query responses the chain asked for; version
//!   subscriptions from the relay and siblings; HRMP notifications from the relay. Reserve
//!   transfers *to* the relay chain are refused.
//! * **Fees** ([`Traders`]): execution is bought with the native token at the same weight-to-fee
//!   rate as transactions (fees to the block author), or with a registered foreign asset at that
//!   rate scaled by the asset's minimum balance over the native existential deposit
//!   ([`FeeByMinimumBalance`]; fees to [`XcmFeesAccount`]). Governance prices XCM fees in a
//!   collateral through the minimum balance it registers the asset with.
//! * **Weights** ([`Weigher`]): each instruction's weight comes from the runtime's measured
//!   `pallet-xcm-benchmarks` weights (the runtime passes its `XcmWeightInfo`), at most
//!   [`MaxInstructions`] instructions per message.

#![cfg_attr(not(feature = "std"), no_std)]

use core::marker::PhantomData;

use polkadot_sdk::sp_runtime::traits::TryConvertInto;
use polkadot_sdk::{
	assets_common::{
		local_and_foreign_assets::ForeignAssetReserveData,
		matching::NonTeleportableAssetFromTrustedReserve,
	},
	cumulus_pallet_parachain_system, cumulus_pallet_xcm, cumulus_pallet_xcmp_queue,
	cumulus_primitives_utility::{ChargeWeightInFungibles, ParentAsUmp, TakeFirstAssetTrader},
	frame_support::{
		parameter_types,
		traits::{
			tokens::imbalance::ResolveAssetTo, ConstU32, Contains, ContainsPair, Everything,
			EverythingBut, Get, Nothing, TypedGet,
		},
		weights::Weight,
		PalletId,
	},
	frame_system, pallet_assets, pallet_authorship, pallet_balances,
	pallet_xcm::{self, XcmPassthrough},
	polkadot_parachain_primitives::primitives::Sibling,
	polkadot_runtime_common::impls::ToAuthor,
	sp_runtime::{traits::AccountIdConversion, AccountId32, DispatchResult},
	staging_parachain_info as parachain_info,
	staging_xcm::latest::prelude::*,
	staging_xcm_builder::{
		AccountId32Aliases, AllowExplicitUnpaidExecutionFrom, AllowHrmpNotificationsFromRelayChain,
		AllowKnownQueryResponses, AllowSubscriptionsFrom, AllowTopLevelPaidExecutionFrom,
		DenyRecursively, DenyReserveTransferToRelayChain, DenyThenTry, DescribeAllTerminal,
		DescribeFamily, EnsureXcmOrigin, FrameTransactionalProcessor, FungibleAdapter,
		FungiblesAdapter, HashedDescription, IsConcrete, MatchedConvertedConcreteId, NoChecking,
		ParentIsPreset, RelayChainAsNative, SiblingParachainAsNative, SiblingParachainConvertsVia,
		SignedAccountId32AsNative, SignedToAccountId32, SovereignSignedViaLocation, StartsWith,
		TakeWeightCredit, TrailingSetTopicAsId, UsingComponents, WeightInfoBounds,
		WithComputedOrigin, WithLatestLocationConverter, WithUniqueTopic,
	},
	staging_xcm_executor::{self, traits::TransactAsset, AssetsInHolding},
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

/// Every asset transactor, tried in order: margin-account beneficiaries first, then plain
/// accounts.
pub type AssetTransactors<R, D> = (
	MarginDepositTransactor<(NativeAssetTransactor<R>, ForeignAssetsTransactor<R>), D>,
	NativeAssetTransactor<R>,
	ForeignAssetsTransactor<R>,
);

/// Where an asset arriving for a margin account goes: the runtime's vaults pallet.
pub trait MarginDepositRoute {
	/// The vaults pallet's index: margin beneficiaries start with `PalletInstance(index)`.
	fn pallet_index() -> u8;
	/// Move `amount` of `asset` (its location seen from here) from `owner`'s wallet into its
	/// margin sub-account `sub`, through the vaults' single deposit entry point.
	fn deposit(owner: &AccountId32, sub: u8, asset: &Location, amount: u128) -> DispatchResult;
}

/// The margin account a beneficiary location names, if it is one:
/// `(0, [PalletInstance(index), AccountId32 { network: None, id }])` for the cross-margin
/// account (sub-account 0) or with a trailing `GeneralIndex(sub)` for sub-account `sub`.
pub fn margin_beneficiary(location: &Location, index: u8) -> Option<(AccountId32, u8)> {
	match location.unpack() {
		(0, [PalletInstance(i), Junction::AccountId32 { network: None, id }]) if *i == index => {
			Some((AccountId32::new(*id), 0))
		},
		(
			0,
			[PalletInstance(i), Junction::AccountId32 { network: None, id }, GeneralIndex(sub)],
		) if *i == index => Some((AccountId32::new(*id), u8::try_from(*sub).ok()?)),
		_ => None,
	}
}

/// Deposits to a margin-account beneficiary (see [`margin_beneficiary`]): `Inner` credits the
/// owner's wallet, then `D` moves the amount into the margin account. A refusal takes the
/// credit back out of the wallet and fails the deposit, so nothing stays minted and the
/// executor traps the asset. Any other beneficiary is left to the next transactor.
pub struct MarginDepositTransactor<Inner, D>(PhantomData<(Inner, D)>);
impl<Inner: TransactAsset, D: MarginDepositRoute> TransactAsset
	for MarginDepositTransactor<Inner, D>
{
	fn deposit_asset(
		what: AssetsInHolding,
		who: &Location,
		context: Option<&XcmContext>,
	) -> Result<(), (AssetsInHolding, XcmError)> {
		let Some((owner, sub)) = margin_beneficiary(who, D::pallet_index()) else {
			return Err((what, XcmError::AssetNotFound));
		};
		let Some(asset) = what.fungible_assets_iter().next() else {
			return Err((what, XcmError::AssetNotFound));
		};
		let Fungible(amount) = asset.fun else { return Err((what, XcmError::AssetNotFound)) };
		let wallet =
			Location::new(0, [Junction::AccountId32 { network: None, id: owner.clone().into() }]);
		Inner::deposit_asset(what, &wallet, context)?;
		if let Err(error) = D::deposit(&owner, sub, &asset.id.0, amount) {
			log::debug!(target: "xcm::margin", "margin deposit of {asset:?} to {who:?} refused: {error:?}");
			let taken_back = Inner::withdraw_asset(&asset, &wallet, context)
				.map_err(|e| (AssetsInHolding::new(), e))?;
			return Err((taken_back, XcmError::FailedToTransactAsset("margin deposit refused")));
		}
		Ok(())
	}
}

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

/// Instruction weights: what `X` (the runtime's measured `XcmWeightInfo`) says each
/// instruction weighs, plus a `Transact`'s call weight, at most [`MaxInstructions`] per message.
pub type Weigher<R, X> = WeightInfoBounds<X, RuntimeCallOf<R>, MaxInstructions>;

/// Buys execution with the native token at the weight-to-fee rate `W` (the runtime passes the
/// one transactions use); fees go to the block author.
pub type Trader<R, W> =
	UsingComponents<W, NativeLocation, AccountId32, pallet_balances::Pallet<R>, ToAuthor<R>>;

parameter_types! {
	/// Collects XCM fees paid in foreign assets.
	pub const XcmFeesPalletId: PalletId = PalletId(*b"clr/xcmf");
}

/// The account XCM fees paid in foreign assets go to (governance moves them on).
pub struct XcmFeesAccount;
impl TypedGet for XcmFeesAccount {
	type Type = AccountId32;
	fn get() -> AccountId32 {
		XcmFeesPalletId::get().into_account_truncating()
	}
}

/// The fee in a foreign asset: the native fee of the weight (`W`) × the asset's minimum balance
/// / the native existential deposit, rounded up. An asset registered with a zero minimum
/// balance (or a runtime without an existential deposit) cannot pay.
pub struct FeeByMinimumBalance<R, W>(PhantomData<(R, W)>);
impl<R: XcmRuntime, W: polkadot_sdk::frame_support::weights::WeightToFee<Balance = u128>>
	ChargeWeightInFungibles<AccountId32, pallet_assets::Pallet<R, ForeignAssetsInstance>>
	for FeeByMinimumBalance<R, W>
{
	fn charge_weight_in_fungibles(asset: Location, weight: Weight) -> Result<u128, XcmError> {
		use polkadot_sdk::frame_support::traits::{fungible, fungibles};
		let native_fee = W::weight_to_fee(&weight);
		let asset_minimum = <pallet_assets::Pallet<R, ForeignAssetsInstance> as fungibles::Inspect<
			AccountId32,
		>>::minimum_balance(asset);
		let native_minimum =
			<pallet_balances::Pallet<R> as fungible::Inspect<AccountId32>>::minimum_balance();
		if asset_minimum == 0 || native_minimum == 0 {
			return Err(XcmError::TooExpensive);
		}
		polkadot_sdk::sp_runtime::helpers_128bit::multiply_by_rational_with_rounding(
			native_fee,
			asset_minimum,
			native_minimum,
			polkadot_sdk::sp_runtime::Rounding::Up,
		)
		.ok_or(XcmError::Overflow)
	}
}

/// Buys execution with a foreign asset (see [`FeeByMinimumBalance`]).
pub type ForeignAssetTrader<R, W> = TakeFirstAssetTrader<
	AccountId32,
	FeeByMinimumBalance<R, W>,
	ForeignAssetsMatcher,
	pallet_assets::Pallet<R, ForeignAssetsInstance>,
	ResolveAssetTo<XcmFeesAccount, pallet_assets::Pallet<R, ForeignAssetsInstance>>,
>;

/// Every way to buy execution, tried in order: the native token, then a foreign asset.
pub type Traders<R, W> = (Trader<R, W>, ForeignAssetTrader<R, W>);

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
/// queries), `W` its weight-to-fee conversion, `D` where margin deposits go, `X` its measured
/// instruction weights.
pub struct XcmConfig<R, P, W, D, X>(PhantomData<(R, P, W, D, X)>);
impl<R, P, W, D, X> staging_xcm_executor::Config for XcmConfig<R, P, W, D, X>
where
	R: XcmRuntime,
	D: MarginDepositRoute,
	X: XcmWeightInfo<RuntimeCallOf<R>>,
	P: polkadot_sdk::frame_support::traits::PalletsInfoAccess,
	W: polkadot_sdk::frame_support::weights::WeightToFee<Balance = u128>,
	RuntimeOriginOf<R>: From<cumulus_pallet_xcm::Origin>
		+ polkadot_sdk::frame_support::traits::OriginTrait<AccountId = AccountId32>,
	RuntimeCallOf<R>: polkadot_sdk::frame_support::dispatch::GetDispatchInfo,
{
	type RuntimeCall = RuntimeCallOf<R>;
	type XcmSender = XcmRouter<R>;
	type XcmEventEmitter = pallet_xcm::Pallet<R>;
	type AssetTransactor = AssetTransactors<R, D>;
	type OriginConverter = XcmOriginToTransactDispatchOrigin<R>;
	type IsReserve = IsTrustedReserve<R>;
	// Nothing is teleported: every foreign asset is reserve-backed.
	type IsTeleporter = ();
	type Aliasers = Nothing;
	type UniversalLocation = UniversalLocation<R>;
	type Barrier = Barrier<R>;
	type Weigher = Weigher<R, X>;
	type Trader = Traders<R, W>;
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
	fn margin_beneficiaries_name_the_vaults_pallet_an_account_and_a_sub_account() {
		let id = [9u8; 32];
		let account = Junction::AccountId32 { network: None, id };
		let cross = Location::new(0, [PalletInstance(71), account]);
		assert_eq!(margin_beneficiary(&cross, 71), Some((AccountId32::new(id), 0)));
		let isolated = Location::new(0, [PalletInstance(71), account, GeneralIndex(3)]);
		assert_eq!(margin_beneficiary(&isolated, 71), Some((AccountId32::new(id), 3)));
		// Another pallet, a plain account, a sub-account beyond u8, a remote location: not ours.
		assert_eq!(margin_beneficiary(&Location::new(0, [PalletInstance(70), account]), 71), None);
		assert_eq!(margin_beneficiary(&Location::new(0, [account]), 71), None);
		let too_big = Location::new(0, [PalletInstance(71), account, GeneralIndex(256)]);
		assert_eq!(margin_beneficiary(&too_big, 71), None);
		let remote = Location::new(1, [PalletInstance(71), account]);
		assert_eq!(margin_beneficiary(&remote, 71), None);
		let with_network = Location::new(
			0,
			[PalletInstance(71), Junction::AccountId32 { network: Some(NetworkId::Polkadot), id }],
		);
		assert_eq!(margin_beneficiary(&with_network, 71), None);
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
