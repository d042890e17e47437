//! The collateral vaults: which tokens can be collateral, and how the ledger reaches them.
//!
//! Collateral is named by [`CollateralAsset`]: the native token, a local `Assets` id or a
//! `ForeignAssets` location. [`CollateralTokens`] joins `Balances`, `Assets` and
//! `ForeignAssets` into one `fungibles` implementation over that name (the union types of
//! `frame_support`), so the vaults pallet moves every kind of token through one interface.
//! Registering collateral and its haircuts are risk decisions: the `risk_admin` track.

use polkadot_sdk::*;

use alloc::boxed::Box;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	parameter_types,
	traits::{fungible, fungibles, ConstU32},
	PalletId,
};
use scale_info::TypeInfo;
use sp_runtime::{traits::Convert, Either};
use staging_xcm::latest::Location;

use crate::{
	governance::RiskAdminOrigin, AccountId, AssetId, Assets, Balances, ForeignAssets, Oracle,
	Runtime,
};

/// A token that can be collateral.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum CollateralAsset {
	/// The native token (CLR).
	Native,
	/// A local asset of `Assets`.
	Local(AssetId),
	/// An asset of another chain in `ForeignAssets`, by its XCM location.
	Foreign(Location),
}

/// A token of `Assets` or `ForeignAssets`.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum NonNativeAsset {
	/// In `Assets`.
	Local(AssetId),
	/// In `ForeignAssets`.
	Foreign(Location),
}

/// Native to `Balances`, everything else to the asset pallets.
pub struct NativeOrAssets;
impl Convert<CollateralAsset, Either<(), NonNativeAsset>> for NativeOrAssets {
	fn convert(asset: CollateralAsset) -> Either<(), NonNativeAsset> {
		match asset {
			CollateralAsset::Native => Either::Left(()),
			CollateralAsset::Local(id) => Either::Right(NonNativeAsset::Local(id)),
			CollateralAsset::Foreign(location) => Either::Right(NonNativeAsset::Foreign(location)),
		}
	}
}

/// Local ids to `Assets`, locations to `ForeignAssets`.
pub struct LocalOrForeign;
impl Convert<NonNativeAsset, Either<AssetId, Location>> for LocalOrForeign {
	fn convert(asset: NonNativeAsset) -> Either<AssetId, Location> {
		match asset {
			NonNativeAsset::Local(id) => Either::Left(id),
			NonNativeAsset::Foreign(location) => Either::Right(location),
		}
	}
}

/// `Assets` and `ForeignAssets` as one `fungibles`.
pub type LocalAndForeignAssets =
	fungibles::UnionOf<Assets, ForeignAssets, LocalOrForeign, NonNativeAsset, AccountId>;

/// Every collateral token as one `fungibles`, by [`CollateralAsset`].
pub type CollateralTokens =
	fungible::UnionOf<Balances, LocalAndForeignAssets, NativeOrAssets, CollateralAsset, AccountId>;

parameter_types! {
	/// The vault's account is derived from it.
	pub const VaultsPalletId: PalletId = PalletId(*b"clr/vlts");
}

impl pallet_clearinghouse_vaults::Config for Runtime {
	type AssetKind = CollateralAsset;
	type Assets = CollateralTokens;
	type Prices = Oracle;
	// Withdrawals must leave the margin engine's initial requirement covered.
	type WithdrawalGuard = crate::Margin;
	type RegistryOrigin = RiskAdminOrigin;
	type PalletId = VaultsPalletId;
	type MaxCollaterals = ConstU32<32>;
	type MaxSubAccounts = super::MaxSubAccounts;
	type Outbound = XcmOutbound;
	type WeightInfo = crate::weights::pallet_clearinghouse_vaults::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = VaultsBenchmarkHelper;
}

/// XCM deposits to a margin account end in the vaults' single deposit entry point
/// (`CollateralLedger::credit_deposit`): the asset's location names the collateral (`Here` is
/// the native token, anything else a `ForeignAssets` id).
pub struct VaultsDepositRoute;
impl clearinghouse_xcm_config::MarginDepositRoute for VaultsDepositRoute {
	fn pallet_index() -> u8 {
		use frame_support::traits::PalletInfoAccess;
		// Pallet indices are u8 by construction.
		crate::Vaults::index() as u8
	}

	fn deposit(
		owner: &AccountId,
		sub: u8,
		asset: &Location,
		amount: u128,
	) -> sp_runtime::DispatchResult {
		use clearinghouse_primitives::collateral::{CollateralLedger, MarginAccount};
		let kind = if *asset == Location::here() {
			CollateralAsset::Native
		} else {
			CollateralAsset::Foreign(asset.clone())
		};
		crate::Vaults::credit_deposit(owner, &MarginAccount::new(owner.clone(), sub), kind, amount)
	}
}

/// Where `vaults.withdrawTo` sends collateral: a chain, and an account on it as that chain sees
/// it (e.g. `chain = (1, [Parachain(1000)])`, `beneficiary = (0, [AccountId32 { id }])`).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct XcmDestination {
	/// The destination chain, seen from here.
	pub chain: staging_xcm::VersionedLocation,
	/// The beneficiary, seen from the destination chain.
	pub beneficiary: staging_xcm::VersionedLocation,
}

/// Where `vaults.withdrawTo` sends collateral: by XCM to a parachain, or by ISMP to the
/// asset's bridge contract on its chain (the recipient is an address there).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
// The call boxes the whole destination, so the XCM variant's size costs nothing per call.
#[allow(clippy::large_enum_variant)]
pub enum WithdrawalDestination {
	/// A parachain account, by XCM.
	Xcm(XcmDestination),
	/// An account on the chain of the asset's ISMP route (`bridge.setRoute`).
	Ismp(pallet_clearinghouse_bridge::ContractId),
}

/// By XCM, withdrawals leave through `pallet_xcm::transfer_assets`: a foreign asset goes back to
/// its reserve (which burns our derivative and releases the original there), the native token
/// as a reserve transfer from here. The transferred asset itself pays the destination's
/// execution fee (`fee_asset_item` 0), so the beneficiary receives the amount less that fee;
/// delivery from here is free (`NoPriceForMessageDelivery`). Local `Assets` do not leave.
pub struct XcmOutbound;
impl pallet_clearinghouse_vaults::OutboundTransfer<AccountId, CollateralAsset> for XcmOutbound {
	// Boxed: two locations inline would make every `RuntimeCall` larger.
	type Destination = Box<WithdrawalDestination>;

	fn transfer(
		from: &AccountId,
		asset: CollateralAsset,
		amount: u128,
		to: Box<WithdrawalDestination>,
	) -> sp_runtime::DispatchResult {
		let XcmDestination { chain, beneficiary } = match *to {
			WithdrawalDestination::Xcm(destination) => destination,
			WithdrawalDestination::Ismp(recipient) => {
				return pallet_clearinghouse_bridge::Pallet::<Runtime>::send(
					from, asset, amount, recipient,
				)
				.map(|_| ())
			},
		};
		let location = match asset {
			CollateralAsset::Native => Location::here(),
			CollateralAsset::Foreign(location) => location,
			CollateralAsset::Local(_) => {
				return Err(sp_runtime::DispatchError::Other("local assets do not leave the chain"))
			},
		};
		let assets: staging_xcm::latest::Assets = (location, amount).into();
		pallet_xcm::Pallet::<Runtime>::transfer_assets(
			crate::RuntimeOrigin::signed(from.clone()),
			Box::new(chain),
			Box::new(beneficiary),
			Box::new(assets.into()),
			0,
			staging_xcm::latest::WeightLimit::Unlimited,
		)
	}

	/// USDT of sibling 1000 as a foreign asset with that sibling its trusted reserve, and an
	/// open channel there.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_route() -> Option<(CollateralAsset, Box<WithdrawalDestination>)> {
		let (reserve, usdt) = benchmark_foreign_collateral()?;
		crate::ParachainSystem::open_outbound_hrmp_channel_for_benchmarks_or_tests(1000.into());
		let beneficiary: AccountId = frame_benchmarking::account("beneficiary", 0, 0);
		Some((
			CollateralAsset::Foreign(usdt),
			Box::new(WithdrawalDestination::Xcm(XcmDestination {
				chain: reserve.into(),
				beneficiary: Location::new(
					0,
					[staging_xcm::latest::prelude::AccountId32 {
						network: None,
						id: beneficiary.into(),
					}],
				)
				.into(),
			})),
		))
	}
}

/// A foreign collateral for benchmarks, created on first use: USDT of sibling 1000 (an
/// asset-hub-like reserve), registered with that sibling as its only trusted reserve. Returns
/// `(reserve, asset)`.
#[cfg(feature = "runtime-benchmarks")]
pub fn benchmark_foreign_collateral() -> Option<(Location, Location)> {
	use fungibles::Inspect;
	use staging_xcm::latest::prelude::{GeneralIndex, PalletInstance, Parachain};
	let reserve = Location::new(1, [Parachain(1000)]);
	let usdt = Location::new(1, [Parachain(1000), PalletInstance(50), GeneralIndex(1984)]);
	if !<ForeignAssets as Inspect<AccountId>>::asset_exists(usdt.clone()) {
		let owner: AccountId = frame_benchmarking::account("reserve", 0, 0);
		ForeignAssets::force_create(
			crate::RuntimeOrigin::root(),
			usdt.clone(),
			owner.clone().into(),
			true,
			1,
		)
		.ok()?;
		ForeignAssets::set_reserves(
			crate::RuntimeOrigin::signed(owner),
			usdt.clone(),
			alloc::vec![(reserve.clone(), false).into()].try_into().ok()?,
		)
		.ok()?;
	}
	Some((reserve, usdt))
}

/// Benchmark collateral: fresh local assets, minted directly; prices through a real oracle feed.
#[cfg(feature = "runtime-benchmarks")]
pub struct VaultsBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_clearinghouse_vaults::BenchmarkHelper<CollateralAsset, AccountId>
	for VaultsBenchmarkHelper
{
	fn asset(index: u32) -> CollateralAsset {
		use fungibles::{Create, Inspect};
		let id = 1_000_000 + index;
		if !<Assets as Inspect<AccountId>>::asset_exists(id) {
			let owner: AccountId = frame_benchmarking::account("asset-owner", 0, 0);
			<Assets as Create<AccountId>>::create(id, owner, true, 1).expect("a fresh asset id");
		}
		CollateralAsset::Local(id)
	}

	fn fund(asset: &CollateralAsset, who: &AccountId, amount: u128) {
		<CollateralTokens as fungibles::Mutate<AccountId>>::mint_into(asset.clone(), who, amount)
			.expect("mintable");
	}

	fn set_price(key: clearinghouse_primitives::OracleKey, price: sp_runtime::FixedU128) {
		Oracle::set_price_for_benchmarks(key, price);
	}

	fn hold_positions(
		account: &clearinghouse_primitives::MarginAccount<AccountId>,
		positions: u32,
	) {
		crate::configs::margin::benchmark_positions(account, positions);
	}
}

/// Benchmarks of the trading pallets: `amount` of the dev chain's settlement stablecoin in
/// `who`'s wallet.
#[cfg(feature = "runtime-benchmarks")]
pub fn benchmark_mint_usd(who: &AccountId, amount: u128) {
	use crate::genesis_config_presets::DEV_USD_ASSET;
	<CollateralTokens as fungibles::Mutate<AccountId>>::mint_into(
		CollateralAsset::Local(DEV_USD_ASSET),
		who,
		amount,
	)
	.expect("the dev stablecoin exists");
}

/// Benchmarks of the trading pallets: `amount` of it in `account`'s margin account.
#[cfg(feature = "runtime-benchmarks")]
pub fn benchmark_fund_margin(
	account: &clearinghouse_primitives::MarginAccount<AccountId>,
	amount: u128,
) {
	benchmark_mint_usd(&account.owner, amount);
	crate::Vaults::do_deposit(&account.owner, account, 0, amount).expect("within caps");
}

/// Benchmarks of the trading pallets: `account` holds a balance of `count` collaterals in all
/// (every collateral the vaults may list, `MaxCollaterals`, registered and priced first), so
/// valuing it reads as much as an account of that many assets can.
#[cfg(feature = "runtime-benchmarks")]
pub fn benchmark_collaterals(
	account: &clearinghouse_primitives::MarginAccount<AccountId>,
	count: u32,
) {
	use frame_support::traits::{EnsureOrigin, Get};
	use pallet_clearinghouse_vaults::{
		BenchmarkHelper, CollateralAssets, CollateralConfig, CollateralStatus, Collaterals,
	};
	use sp_runtime::{FixedU128, Permill};
	let max = <Runtime as pallet_clearinghouse_vaults::Config>::MaxCollaterals::get();
	for index in Collaterals::<Runtime>::count()..max {
		let mut symbol = *b"COLL\0\0\0\0";
		symbol[4] = b'A' + (index % 26) as u8;
		symbol[5] = b'A' + (index / 26 % 26) as u8;
		let oracle_key = clearinghouse_primitives::OracleKey(symbol);
		let asset = VaultsBenchmarkHelper::asset(index);
		let Ok(origin) =
			<Runtime as pallet_clearinghouse_vaults::Config>::RegistryOrigin::try_successful_origin(
			)
		else {
			return;
		};
		let config = CollateralConfig {
			oracle_key,
			decimals: 12,
			haircut: Permill::from_percent(10),
			deposit_cap: u128::MAX / 4,
			account_cap: u128::MAX / 8,
			status: CollateralStatus::Active,
		};
		let _ = crate::Vaults::register_collateral(origin, asset, config);
		Oracle::set_price_for_benchmarks(oracle_key, FixedU128::from_u32(1));
	}
	for id in 0..Collaterals::<Runtime>::count() as clearinghouse_primitives::CollateralId {
		let held = pallet_clearinghouse_vaults::Ledgers::<Runtime>::get(account).iter().count();
		if held as u32 >= count {
			break;
		}
		let Some(asset) = CollateralAssets::<Runtime>::get(id) else { continue };
		if crate::Vaults::balance_of(account, id) != 0 {
			continue;
		}
		VaultsBenchmarkHelper::fund(&asset, &account.owner, 1_000_000_000_000);
		let _ = crate::Vaults::do_deposit(&account.owner, account, id, 1_000_000_000_000);
	}
}
