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
	governance::RiskAdminOrigin,
	AccountId, Balance, Balances, Ismp, IsmpParachain, ParachainInfo, Runtime, Timestamp, Vaults,
};

parameter_types! {
	/// Hyperbridge's parachain on Polkadot: the proxy for every other chain.
	pub const Coprocessor: Option<StateMachine> = Some(StateMachine::Polkadot(3367));
	/// The collateral bridge's ISMP module id.
	pub const BridgeModuleId: [u8; 8] = *b"clr/brdg";
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
	type RouteOrigin = RiskAdminOrigin;
	type ModuleId = BridgeModuleId;
	type WeightInfo = crate::weights::pallet_clearinghouse_bridge::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BridgeBenchmarkHelper;
}

/// The dev chain's stablecoin (collateral 0) is the bridged asset in the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct BridgeBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_clearinghouse_bridge::BenchmarkHelper<CollateralAsset> for BridgeBenchmarkHelper {
	fn collateral() -> (CollateralAsset, u8) {
		(CollateralAsset::Local(crate::genesis_config_presets::DEV_USD_ASSET), 6)
	}
}
