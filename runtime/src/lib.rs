//! # Clearinghouse runtime
//!
//! The runtime of the clearinghouse parachain. It composes:
//!
//! * **System and consensus**: `System`, `ParachainSystem`, `Timestamp`, `ParachainInfo`,
//!   `WeightReclaim`, `Aura`, `AuraExt`, `Authorship`, `CollatorSelection`, `Session`.
//! * **Money**: `Balances` (the native token, [`TOKEN_SYMBOL`] with [`TOKEN_DECIMALS`] decimals),
//!   `TransactionPayment`, `Assets` (local assets by integer id) and `ForeignAssets` (assets of
//!   other chains keyed by their XCM `Location`).
//! * **XCM**: `XcmpQueue`, `MessageQueue`, `PolkadotXcm`, `CumulusXcm`, configured by the
//!   `clearinghouse-xcm-config` crate.
//! * **Accounts**: `Utility`, `Multisig`, `Proxy`.
//! * **Governance** (see [`governance`]): `Scheduler`, `Preimage`, `Referenda`,
//!   `ConvictionVoting`, `Origins` (the `risk_admin`, `market_admin` and `emergency` tracks),
//!   `GuardianCouncil` (a collective that can only halt), `TxPause` (the halt switch),
//!   `Parameters` (governance-set global parameters) and `Sudo` (dev and test presets only).
//! * **Clearing**: `Oracle` (prices and implied vols from authorised feeders), `Vaults` (the
//!   collateral ledger: deposits, withdrawals, sub-accounts, haircut valuation), `Orderbook`
//!   (markets and on-chain price-time matching), `Margin` (positions, fees, PnL, funding, margin
//!   checks, liquidation), `Insurance` (the fund: donations, withdrawals by referendum).
//!
//! The runtime only wires: each pallet's `Config` lives in `configs/`, grouped by concern.

#![cfg_attr(not(feature = "std"), no_std)]
// `#[frame_support::runtime]` recurses deeply.
#![recursion_limit = "512"]

// Make the wasm binary available.
#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod dev_clock;
pub mod genesis_config_presets;
pub use genesis_config_presets::PARACHAIN_ID;
pub mod governance;
pub mod weights;

use alloc::vec::Vec;
use smallvec::smallvec;

use polkadot_sdk::{staging_parachain_info as parachain_info, *};

use frame_support::weights::{
	constants::{ExtrinsicBaseWeight, WEIGHT_REF_TIME_PER_SECOND},
	Weight, WeightToFeeCoefficient, WeightToFeeCoefficients, WeightToFeePolynomial,
};
use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiSignature,
};
#[cfg(feature = "std")]
use sp_version::NativeVersion;
use sp_version::RuntimeVersion;

pub use parachains_common::AuraId;
pub use sp_runtime::{MultiAddress, Perbill, Permill};

/// Alias to 512-bit hash when used in the context of a transaction signature on the chain.
pub type Signature = MultiSignature;
/// An account: the public key of the signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// A balance, in an asset's smallest unit.
pub type Balance = u128;
/// Index of a transaction of an account.
pub type Nonce = u32;
/// A hash of some data used by the chain.
pub type Hash = sp_core::H256;
/// A block number.
pub type BlockNumber = u32;
/// The address format for describing accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header type.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block with justifications.
pub type SignedBlock = generic::SignedBlock<Block>;
/// Id of an asset in the local `Assets` pallet.
pub type AssetId = u32;

/// The transaction extensions, checked in this order.
pub type TxExtension = cumulus_pallet_weight_reclaim::StorageWeightReclaim<
	Runtime,
	(
		frame_system::CheckNonZeroSender<Runtime>,
		frame_system::CheckSpecVersion<Runtime>,
		frame_system::CheckTxVersion<Runtime>,
		frame_system::CheckGenesis<Runtime>,
		frame_system::CheckEra<Runtime>,
		frame_system::CheckNonce<Runtime>,
		frame_system::CheckWeight<Runtime>,
		pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
		frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	),
>;

/// Unchecked extrinsic type.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;

/// Migrations not declared by the pallets themselves.
#[allow(unused_parens)]
type Migrations = (
	pallet_clearinghouse_oracle::migrations::v1::MigrateV0ToV1<Runtime>,
	pallet_clearinghouse_vaults::migrations::v1::MigrateV0ToV1<Runtime>,
	// The book's first: the margin engine's reads the books' mids.
	pallet_clearinghouse_orderbook::migrations::v1::MigrateV0ToV1<Runtime>,
	pallet_clearinghouse_orderbook::migrations::v2::MigrateV1ToV2<Runtime>,
	pallet_clearinghouse_margin::migrations::v1::MigrateV0ToV1<Runtime>,
	pallet_clearinghouse_margin::migrations::v2::MigrateV1ToV2<Runtime>,
	pallet_clearinghouse_margin::migrations::v3::MigrateV2ToV3<Runtime>,
);

/// Dispatches extrinsics and runs the block hooks.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

/// The native token's ticker.
pub const TOKEN_SYMBOL: &str = "CLR";
/// The native token's decimals: balances are in units of 10^-12 CLR.
pub const TOKEN_DECIMALS: u8 = 12;
/// One CLR.
pub const UNIT: Balance = 1_000_000_000_000;
/// 10^-3 CLR.
pub const MILLI_UNIT: Balance = 1_000_000_000;
/// 10^-6 CLR.
pub const MICRO_UNIT: Balance = 1_000_000;
/// The minimum native balance an account must keep to exist.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// A deposit for storing `items` items taking `bytes` bytes (multisig, proxy, preimage).
pub const fn deposit(items: u32, bytes: u32) -> Balance {
	(items as Balance) * 20 * UNIT / 100 + (bytes as Balance) * 100 * MICRO_UNIT
}

/// Fee per unit of weight: the smallest extrinsic (base weight) costs 1/10 MILLI_UNIT.
pub struct WeightToFee;
impl WeightToFeePolynomial for WeightToFee {
	type Balance = Balance;
	fn polynomial() -> WeightToFeeCoefficients<Self::Balance> {
		let p = MILLI_UNIT / 10;
		let q = 100 * Balance::from(ExtrinsicBaseWeight::get().ref_time());
		smallvec![WeightToFeeCoefficient {
			degree: 1,
			negative: false,
			coeff_frac: Perbill::from_rational(p % q, q),
			coeff_integer: p / q,
		}]
	}
}

/// Opaque types for the node, which must not depend on the runtime's extrinsic format.
pub mod opaque {
	use super::*;
	pub use polkadot_sdk::sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;
	use polkadot_sdk::sp_runtime::{generic, traits::BlakeTwo256};

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as sp_runtime::traits::Hash>::Output;
}

impl_opaque_keys! {
	/// The session keys of a collator.
	pub struct SessionKeys {
		pub aura: Aura,
	}
}

#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("clearinghouse"),
	impl_name: alloc::borrow::Cow::Borrowed("clearinghouse"),
	authoring_version: 1,
	spec_version: 1,
	impl_version: 0,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// Target block time. The slot duration equals it; it cannot change after genesis.
pub const MILLI_SECS_PER_BLOCK: u64 = 6000;
/// Aura slot duration.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;

/// Blocks per minute, hour and day at the target block time.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
pub const HOURS: BlockNumber = MINUTES * 60;
pub const DAYS: BlockNumber = HOURS * 24;

/// About 5% of the block weight goes to `on_initialize` handlers.
const AVERAGE_ON_INITIALIZE_RATIO: Perbill = Perbill::from_percent(5);
/// Normal extrinsics may fill 75% of a block; the rest is for operational ones.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
/// 2 seconds of compute per block (async backing), and the relay chain's PoV limit.
const MAXIMUM_BLOCK_WEIGHT: Weight = Weight::from_parts(
	WEIGHT_REF_TIME_PER_SECOND.saturating_mul(2),
	cumulus_primitives_core::relay_chain::MAX_POV_SIZE as u64,
);

/// Blocks the runtime accepts that are not yet included in the relay chain.
const UNINCLUDED_SEGMENT_CAPACITY: u32 = 3;
/// Parachain blocks per relay parent.
const BLOCK_PROCESSING_VELOCITY: u32 = 1;
/// The relay chain's slot duration, in milliseconds.
const RELAY_CHAIN_SLOT_DURATION_MILLIS: u32 = 6000;

/// Aura's consensus hook: how many blocks may be built on one relay parent.
type ConsensusHook = cumulus_pallet_aura_ext::FixedVelocityConsensusHook<
	Runtime,
	RELAY_CHAIN_SLOT_DURATION_MILLIS,
	BLOCK_PROCESSING_VELOCITY,
	UNINCLUDED_SEGMENT_CAPACITY,
>;

/// The consensus hook parachain-system runs: [`ConsensusHook`]'s relay-chain rules, skipped on
/// a relay-less dev chain (see [`dev_clock`]).
type ParachainConsensusHook =
	dev_clock::ConsensusHook<Runtime, ConsensusHook, UNINCLUDED_SEGMENT_CAPACITY>;

/// The version information used to identify this runtime when compiled natively.
#[cfg(feature = "std")]
pub fn native_version() -> NativeVersion {
	NativeVersion { runtime_version: VERSION, can_author_with: Default::default() }
}

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	// System.
	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type ParachainSystem = cumulus_pallet_parachain_system;
	#[runtime::pallet_index(2)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(3)]
	pub type ParachainInfo = parachain_info;
	#[runtime::pallet_index(4)]
	pub type WeightReclaim = cumulus_pallet_weight_reclaim;
	#[runtime::pallet_index(5)]
	pub type DevClock = dev_clock;

	// Money.
	#[runtime::pallet_index(10)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(11)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(12)]
	pub type Assets = pallet_assets<Instance1>;
	#[runtime::pallet_index(13)]
	pub type ForeignAssets = pallet_assets<Instance2>;

	// Collator support. The order of these is important and shall not change.
	#[runtime::pallet_index(20)]
	pub type Authorship = pallet_authorship;
	#[runtime::pallet_index(21)]
	pub type CollatorSelection = pallet_collator_selection;
	#[runtime::pallet_index(22)]
	pub type Session = pallet_session;
	#[runtime::pallet_index(23)]
	pub type Aura = pallet_aura;
	#[runtime::pallet_index(24)]
	pub type AuraExt = cumulus_pallet_aura_ext;

	// XCM.
	#[runtime::pallet_index(30)]
	pub type XcmpQueue = cumulus_pallet_xcmp_queue;
	#[runtime::pallet_index(31)]
	pub type PolkadotXcm = pallet_xcm;
	#[runtime::pallet_index(32)]
	pub type CumulusXcm = cumulus_pallet_xcm;
	#[runtime::pallet_index(33)]
	pub type MessageQueue = pallet_message_queue;

	// Accounts.
	#[runtime::pallet_index(40)]
	pub type Utility = pallet_utility;
	#[runtime::pallet_index(41)]
	pub type Multisig = pallet_multisig;
	#[runtime::pallet_index(42)]
	pub type Proxy = pallet_proxy;

	// Governance.
	#[runtime::pallet_index(50)]
	pub type Scheduler = pallet_scheduler;
	#[runtime::pallet_index(51)]
	pub type Preimage = pallet_preimage;
	#[runtime::pallet_index(52)]
	pub type Referenda = pallet_referenda;
	#[runtime::pallet_index(53)]
	pub type ConvictionVoting = pallet_conviction_voting;
	#[runtime::pallet_index(54)]
	pub type Origins = pallet_clearinghouse_origins;
	#[runtime::pallet_index(55)]
	pub type GuardianCouncil = pallet_collective<Instance1>;
	#[runtime::pallet_index(56)]
	pub type TxPause = pallet_tx_pause;
	#[runtime::pallet_index(57)]
	pub type Parameters = pallet_parameters;
	#[runtime::pallet_index(59)]
	pub type Sudo = pallet_sudo;

	// Clearing.
	#[runtime::pallet_index(70)]
	pub type Oracle = pallet_clearinghouse_oracle;
	#[runtime::pallet_index(71)]
	pub type Vaults = pallet_clearinghouse_vaults;
	#[runtime::pallet_index(72)]
	pub type Orderbook = pallet_clearinghouse_orderbook;
	#[runtime::pallet_index(73)]
	pub type Margin = pallet_clearinghouse_margin;
	#[runtime::pallet_index(74)]
	pub type Insurance = pallet_clearinghouse_insurance;
	#[runtime::pallet_index(75)]
	pub type Bridge = pallet_clearinghouse_bridge;
	#[runtime::pallet_index(76)]
	pub type Confidential = pallet_clearinghouse_confidential;

	// ISMP (Hyperbridge).
	#[runtime::pallet_index(80)]
	pub type Ismp = pallet_ismp;
	#[runtime::pallet_index(81)]
	pub type IsmpParachain = ismp_parachain;
}

cumulus_pallet_parachain_system::register_validate_block! {
	Runtime = Runtime,
	BlockExecutor = cumulus_pallet_aura_ext::BlockExecutor::<Runtime, Executive>,
}
