//! ISMP (Hyperbridge): the host, the parachain consensus client that verifies Hyperbridge's
//! state through the relay chain, and the collateral bridge module it routes to.
//!
//! Requests are addressed by module id; the router knows one module here, the collateral
//! bridge (`clr/brdg`). Hyperbridge is the coprocessor: requests from other chains arrive
//! proxied through it and are proven against its state, which `ismp-parachain` reads from the
//! relay chain. Which parachain that is (Hyperbridge's id) is set by governance
//! (`ismpParachain.addParachain`), as are the bridge's routes (`bridge.setRoute`).

use polkadot_sdk::*;

use alloc::{boxed::Box, vec::Vec};
use frame_support::parameter_types;
use frame_system::EnsureRoot;
use ismp::{host::StateMachine, module::IsmpModule, router::IsmpRouter};

use crate::{
	configs::vaults::{CollateralAsset, CollateralTokens},
	AccountId, Assets, Balance, Balances, Ismp, IsmpParachain, ParachainInfo, Runtime, Timestamp,
	Vaults,
};

parameter_types! {
	/// Hyperbridge's parachain on Polkadot: the proxy for every other chain.
	pub const Coprocessor: Option<StateMachine> = Some(StateMachine::Polkadot(3367));
	/// The collateral bridge's ISMP module id.
	pub const BridgeModuleId: [u8; 8] = *b"clr/brdg";
	/// The owner and issuer every bridge-minted asset names. Nobody signs for it: only the
	/// bridge pallet mints, through `fungibles::Mutate`, so with it as owner (who alone could
	/// change the issuer) and issuer, nobody else can create the asset.
	pub BridgeIssuer: AccountId =
		sp_runtime::traits::AccountIdConversion::into_account_truncating(
			&frame_support::PalletId(BridgeModuleId::get()),
		);
}

/// The assets the collateral bridge may credit: local assets of `Assets` created for a bridged
/// token with [`BridgeIssuer`] as owner and issuer (one `root` referendum:
/// `assets.forceCreate(id, BridgeIssuer, …)` and `vaults.registerCollateral`). Never the
/// native token, a foreign asset or a local asset anyone else can mint.
pub struct BridgeIssued;
impl frame_support::traits::Contains<CollateralAsset> for BridgeIssued {
	fn contains(asset: &CollateralAsset) -> bool {
		use frame_support::traits::fungibles::roles::Inspect;
		let CollateralAsset::Local(id) = asset else { return false };
		let issuer = BridgeIssuer::get();
		<Assets as Inspect<AccountId>>::owner(*id).as_ref() == Some(&issuer)
			&& <Assets as Inspect<AccountId>>::issuer(*id).as_ref() == Some(&issuer)
	}
}

/// This chain as ISMP names it: a Polkadot parachain with its id.
pub struct HostStateMachine;
impl frame_support::traits::Get<StateMachine> for HostStateMachine {
	fn get() -> StateMachine {
		StateMachine::Polkadot(ParachainInfo::parachain_id().into())
	}
}

/// Routes requests to this chain's ISMP modules: the collateral bridge.
#[derive(Default)]
pub struct Router;
impl IsmpRouter for Router {
	fn module_for_id(&self, id: Vec<u8>) -> Result<Box<dyn IsmpModule>, anyhow::Error> {
		if id.as_slice() == BridgeModuleId::get().as_slice() {
			Ok(pallet_clearinghouse_bridge::module::<Runtime>())
		} else {
			Err(ismp::Error::ModuleNotFound(id))?
		}
	}
}

impl pallet_ismp::Config for Runtime {
	// Creating and updating consensus clients is a root referendum.
	type AdminOrigin = EnsureRoot<AccountId>;
	type TimestampProvider = Timestamp;
	type Balance = Balance;
	type Currency = Balances;
	type HostStateMachine = HostStateMachine;
	type Coprocessor = Coprocessor;
	type Router = Router;
	type ConsensusClients = (ismp_parachain::ParachainConsensusClient<Runtime, IsmpParachain>,);
	// Relayers deliver for free: the messages are unsigned and their proofs are checked before
	// anything is written (README, "Relayers deliver for free").
	type FeeHandler = ();
	// Full requests go to the offchain database by offchain indexing (the node enables it).
	type OffchainDB = ();
}

impl ismp_parachain::Config for Runtime {
	type IsmpHost = Ismp;
	type WeightInfo = ();
	type RootOrigin = EnsureRoot<AccountId>;
}

impl pallet_clearinghouse_bridge::Config for Runtime {
	type AssetKind = CollateralAsset;
	type Assets = CollateralTokens;
	type Ledger = Vaults;
	type Dispatcher = Ismp;
	// A route is mint authority over its asset: root only, and only for bridge-minted assets.
	type RouteOrigin = EnsureRoot<AccountId>;
	type BridgeMinted = BridgeIssued;
	type ModuleId = BridgeModuleId;
	type WeightInfo = crate::weights::pallet_clearinghouse_bridge::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BridgeBenchmarkHelper;
}

/// A bridge-issued stablecoin (local asset 1984), created and registered as collateral on
/// first use, is the bridged asset in the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct BridgeBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_clearinghouse_bridge::BenchmarkHelper<CollateralAsset> for BridgeBenchmarkHelper {
	fn collateral() -> (CollateralAsset, u8) {
		let asset = test_bridged_asset();
		(asset, 6)
	}
}

/// The bridge-issued asset of the benchmarks and tests: `Assets` id 1984, owner and issuer
/// [`BridgeIssuer`], registered as active collateral (6 decimals, priced by the `USDC` key).
#[cfg(any(feature = "runtime-benchmarks", feature = "std"))]
pub fn test_bridged_asset() -> CollateralAsset {
	use frame_support::traits::fungibles::{Create, Inspect};
	const ID: u32 = 1984;
	let asset = CollateralAsset::Local(ID);
	if !<Assets as Inspect<AccountId>>::asset_exists(ID) {
		let _ = <Assets as Create<AccountId>>::create(ID, BridgeIssuer::get(), true, 1);
	}
	if pallet_clearinghouse_vaults::CollateralIdOf::<Runtime>::get(&asset).is_none() {
		let config = pallet_clearinghouse_vaults::CollateralConfig {
			oracle_key: clearinghouse_primitives::OracleKey::from_symbol("USDC")
				.unwrap_or_default(),
			decimals: 6,
			haircut: sp_runtime::Permill::zero(),
			deposit_cap: u128::MAX / 4,
			account_cap: u128::MAX / 8,
			status: pallet_clearinghouse_vaults::CollateralStatus::Active,
		};
		let _ = Vaults::register_collateral(crate::RuntimeOrigin::root(), asset.clone(), config);
	}
	asset
}
