//! The runtime's benchmark registry: `clearinghouse-node benchmark pallet --runtime ...`
//! runs these (build the runtime with `--features runtime-benchmarks`).

use alloc::{string::String, vec::Vec};

use polkadot_sdk::*;

use frame_benchmarking::{BenchmarkBatch, BenchmarkConfig, BenchmarkError, BenchmarkList};
use frame_support::{
	parameter_types,
	traits::{StorageInfo, StorageInfoTrait, WhitelistedStorageKeys},
};
use staging_xcm as xcm;
use staging_xcm_builder as xcm_builder;
use staging_xcm_executor as xcm_executor;

use crate::*;

frame_benchmarking::define_benchmarks!(
	[frame_system, SystemBench::<Runtime>]
	[cumulus_pallet_parachain_system, ParachainSystem]
	[pallet_timestamp, Timestamp]
	[pallet_balances, Balances]
	[pallet_assets, Assets]
	[pallet_assets, ForeignAssets]
	[pallet_session, SessionBench::<Runtime>]
	[pallet_collator_selection, CollatorSelection]
	[cumulus_pallet_xcmp_queue, XcmpQueue]
	[pallet_message_queue, MessageQueue]
	[pallet_utility, Utility]
	[pallet_multisig, Multisig]
	[pallet_proxy, Proxy]
	[pallet_scheduler, Scheduler]
	[pallet_preimage, Preimage]
	[pallet_referenda, Referenda]
	[pallet_conviction_voting, ConvictionVoting]
	[pallet_collective, GuardianCouncil]
	[pallet_tx_pause, TxPause]
	[pallet_parameters, Parameters]
	[pallet_sudo, Sudo]
	[pallet_clearinghouse_oracle, Oracle]
	[pallet_clearinghouse_vaults, Vaults]
	[pallet_clearinghouse_orderbook, Orderbook]
	[pallet_clearinghouse_margin, Margin]
	[pallet_clearinghouse_insurance, Insurance]
	[pallet_clearinghouse_confidential, Confidential]
	[pallet_clearinghouse_bridge, Bridge]
	[pallet_xcm, PalletXcmExtrinsicsBenchmark::<Runtime>]
	[pallet_xcm_benchmarks::fungible, XcmFungibleBench::<Runtime>]
	[pallet_xcm_benchmarks::generic, XcmGenericBench::<Runtime>]
);

use cumulus_pallet_session_benchmarking::Pallet as SessionBench;
use frame_system_benchmarking::Pallet as SystemBench;

impl frame_system_benchmarking::Config for Runtime {
	fn setup_set_code_requirements(code: &Vec<u8>) -> Result<(), BenchmarkError> {
		ParachainSystem::initialize_for_set_code_benchmark(code.len() as u32);
		Ok(())
	}

	fn verify_set_code() {
		System::assert_last_event(
			cumulus_pallet_parachain_system::Event::<Runtime>::ValidationFunctionStored.into(),
		);
	}
}

impl cumulus_pallet_session_benchmarking::Config for Runtime {
	fn generate_session_keys_and_proof(owner: AccountId) -> (SessionKeys, Vec<u8>) {
		use codec::Encode;
		// Keys generated in the benchmark's keystore, with the proof that `owner` holds them.
		let keys = SessionKeys::generate(&owner.encode(), None);
		(keys.keys, keys.proof.encode())
	}
}

pub fn benchmark_metadata(extra: bool) -> (Vec<BenchmarkList>, Vec<StorageInfo>) {
	let mut list = Vec::<BenchmarkList>::new();
	list_benchmarks!(list, extra);
	(list, AllPalletsWithSystem::storage_info())
}

pub fn dispatch_benchmark(config: BenchmarkConfig) -> Result<Vec<BenchmarkBatch>, String> {
	let mut whitelist = AllPalletsWithSystem::whitelisted_storage_keys();
	// The clock: the mandatory timestamp inherent reads and writes it in every block, so a call
	// finds it in the block's overlay (no database read) and in the proof already. Hooks that
	// run before the inherent (the margin engine's `on_initialize`) charge its read by hand.
	whitelist.push(pallet_timestamp::Now::<Runtime>::hashed_key().to_vec().into());
	let mut batches = Vec::<BenchmarkBatch>::new();
	let params = (&config, &whitelist);
	add_benchmarks!(params, batches);
	if batches.is_empty() {
		return Err("Benchmark not found for this pallet.".into());
	}
	Ok(batches)
}

// pallet-xcm's extrinsics, measured on this runtime's XCM configuration: the native token is
// reserve-transferred to a sibling (this chain is its reserve; nothing is teleported), and
// messages reach the relay chain (UMP) and siblings (XCMP, a channel opened by the helper).
use pallet_xcm::benchmarking::Pallet as PalletXcmExtrinsicsBenchmark;

parameter_types! {
	/// A sibling the benchmarks send to.
	pub const BenchmarkSibling: cumulus_primitives_core::ParaId = cumulus_primitives_core::ParaId::new(1_000);
	/// What the delivery helpers mint to the sender before sending: nothing, delivery here
	/// is free (`NoPriceForMessageDelivery`) and a root or relay origin has no account.
	pub const NoDeposit: Option<xcm::latest::Asset> = None;
}

/// How the XCM benchmarks make delivery to the relay chain and to [`BenchmarkSibling`] succeed.
pub type XcmDeliveryHelper = (
	cumulus_primitives_utility::ToParentDeliveryHelper<configs::xcm::XcmConfig, NoDeposit, ()>,
	polkadot_runtime_common::xcm_sender::ToParachainDeliveryHelper<
		configs::xcm::XcmConfig,
		NoDeposit,
		polkadot_runtime_common::xcm_sender::NoPriceForMessageDelivery<
			cumulus_primitives_core::ParaId,
		>,
		BenchmarkSibling,
		ParachainSystem,
	>,
);

impl pallet_xcm::benchmarking::Config for Runtime {
	type DeliveryHelper = XcmDeliveryHelper;

	fn reachable_dest() -> Option<xcm::latest::Location> {
		Some(xcm::latest::Location::parent())
	}

	fn teleportable_asset_and_dest() -> Option<(xcm::latest::Asset, xcm::latest::Location)> {
		// Nothing is teleported (`XcmTeleportFilter = Nothing`).
		None
	}

	fn reserve_transferable_asset_and_dest() -> Option<(xcm::latest::Asset, xcm::latest::Location)>
	{
		Some((
			(xcm::latest::Location::here(), 100 * EXISTENTIAL_DEPOSIT).into(),
			xcm::latest::Location::new(
				1,
				[xcm::latest::Junction::Parachain(BenchmarkSibling::get().into())],
			),
		))
	}

	fn set_up_complex_asset_transfer(
	) -> Option<(xcm::latest::Assets, u32, xcm::latest::Location, alloc::boxed::Box<dyn FnOnce()>)>
	{
		// The most this chain's transfers do: the native token, reserve-transferred to a
		// sibling, paying its own fees.
		use frame_support::traits::fungible::Mutate;
		let (asset, dest) = Self::reserve_transferable_asset_and_dest()?;
		let who = frame_benchmarking::whitelisted_caller::<AccountId>();
		Balances::set_balance(&who, 1_000 * EXISTENTIAL_DEPOSIT);
		let balance = Balances::free_balance(&who);
		let verify = alloc::boxed::Box::new(move || {
			assert!(
				Balances::free_balance(frame_benchmarking::whitelisted_caller::<AccountId>())
					< balance
			);
		});
		Some((asset.into(), 0, dest, verify))
	}

	fn get_asset() -> xcm::latest::Asset {
		(xcm::latest::Location::here(), EXISTENTIAL_DEPOSIT).into()
	}
}

// The XCM instructions, measured on this runtime's executor (`runtime/src/weights/xcm/`). The
// fungible instructions move the most expensive asset this chain transacts: a foreign
// collateral (USDT of a sibling) in `ForeignAssets`, whose transfers touch the asset's
// details and both accounts, where the native token touches accounts only.
use pallet_xcm_benchmarks::{
	fungible::Pallet as XcmFungibleBench, generic::Pallet as XcmGenericBench,
};

/// The benchmarks' foreign collateral, created on first use with its reserve registered.
fn foreign_collateral() -> (xcm::latest::Location, xcm::latest::Location) {
	configs::vaults::benchmark_foreign_collateral()
		.expect("creating a foreign asset from root in an empty benchmark state succeeds")
}

/// `amount` of the benchmarks' foreign collateral.
fn foreign_collateral_asset(amount: Balance) -> xcm::latest::Asset {
	(foreign_collateral().1, amount).into()
}

impl pallet_xcm_benchmarks::Config for Runtime {
	type XcmConfig = configs::xcm::XcmConfig;
	type AccountIdConverter = clearinghouse_xcm_config::LocationToAccountId;
	type DeliveryHelper = XcmDeliveryHelper;

	fn valid_destination() -> Result<xcm::latest::Location, BenchmarkError> {
		Ok(xcm::latest::Location::parent())
	}

	fn worst_case_holding(depositable_count: u32) -> xcm_executor::AssetsInHolding {
		// A full holding register: placeholder assets up to the limit, one of them real
		// foreign collateral that fees can be paid in.
		use xcm_executor::traits::TransactAsset;
		let max = clearinghouse_xcm_config::MaxAssetsIntoHolding::get();
		let mut holding = pallet_xcm_benchmarks::generate_holding_assets(
			max.saturating_sub(depositable_count + 1),
		);
		let context =
			xcm::latest::XcmContext { origin: None, message_id: Default::default(), topic: None };
		let collateral = foreign_collateral_asset(1_000_000 * EXISTENTIAL_DEPOSIT);
		let minted =
			<configs::xcm::XcmConfig as xcm_executor::Config>::AssetTransactor::mint_asset(
				&collateral,
				&context,
			)
			.expect("the foreign collateral exists and mints");
		holding.subsume_assets(minted);
		holding
	}
}

parameter_types! {
	/// No asset is teleported to or from this chain.
	pub const NoTeleporting: Option<(xcm::latest::Location, xcm::latest::Asset)> = None;
	/// Teleports are off, so nothing is checked.
	pub const NoCheckedAccount: Option<(AccountId, xcm_builder::MintLocation)> = None;
}

/// The trusted reserve of the benchmarks' foreign collateral (registered on first use).
pub struct ForeignCollateralReserve;
impl frame_support::traits::Get<Option<(xcm::latest::Location, xcm::latest::Asset)>>
	for ForeignCollateralReserve
{
	fn get() -> Option<(xcm::latest::Location, xcm::latest::Asset)> {
		let (reserve, asset) = foreign_collateral();
		Some((reserve, (asset, 1_000 * EXISTENTIAL_DEPOSIT).into()))
	}
}

/// The benchmarks' foreign collateral, seen as one fungible.
pub struct ForeignCollateralId;
impl frame_support::traits::Get<xcm::latest::Location> for ForeignCollateralId {
	fn get() -> xcm::latest::Location {
		foreign_collateral().1
	}
}

impl pallet_xcm_benchmarks::fungible::Config for Runtime {
	type TransactAsset =
		frame_support::traits::fungible::ItemOf<ForeignAssets, ForeignCollateralId, AccountId>;
	type CheckedAccount = NoCheckedAccount;
	type TrustedTeleporter = NoTeleporting;
	type TrustedReserve = ForeignCollateralReserve;

	fn get_asset() -> xcm::latest::Asset {
		foreign_collateral_asset(1_000 * EXISTENTIAL_DEPOSIT)
	}
}

impl pallet_xcm_benchmarks::generic::Config for Runtime {
	type TransactAsset = Balances;
	type RuntimeCall = RuntimeCall;

	fn worst_case_response() -> (u64, xcm::latest::Response) {
		// A response to a query pallet-xcm is waiting for, carrying a full asset list.
		let assets: xcm::latest::Assets = (0..xcm::latest::MAX_ITEMS_IN_ASSETS as u128)
			.map(|i| {
				xcm::latest::Asset::from((
					xcm::latest::Location::new(0, [xcm::latest::Junction::GeneralIndex(i)]),
					1u128,
				))
			})
			.collect::<Vec<_>>()
			.into();
		let query_id = <PolkadotXcm as xcm_executor::traits::QueryHandler>::new_query(
			xcm::latest::Location::parent(),
			frame_system::Pallet::<Runtime>::block_number() + 1_000,
			xcm::latest::Location::here(),
		);
		(query_id, xcm::latest::Response::Assets(assets))
	}

	fn worst_case_asset_exchange(
	) -> Result<(xcm::latest::Assets, xcm::latest::Assets), BenchmarkError> {
		// No asset exchanger.
		Err(BenchmarkError::Skip)
	}

	fn universal_alias() -> Result<(xcm::latest::Location, xcm::latest::Junction), BenchmarkError> {
		// No universal aliases.
		Err(BenchmarkError::Skip)
	}

	fn transact_origin_and_runtime_call(
	) -> Result<(xcm::latest::Location, RuntimeCall), BenchmarkError> {
		// The call's own weight is charged on top; this measures the overhead.
		Ok((
			xcm::latest::Location::parent(),
			frame_system::Call::remark_with_event { remark: Vec::new() }.into(),
		))
	}

	fn subscribe_origin() -> Result<xcm::latest::Location, BenchmarkError> {
		Ok(xcm::latest::Location::parent())
	}

	fn claimable_asset(
	) -> Result<(xcm::latest::Location, xcm::latest::Location, xcm::latest::Assets), BenchmarkError>
	{
		let origin = xcm::latest::Location::parent();
		let assets: xcm::latest::Assets =
			foreign_collateral_asset(1_000 * EXISTENTIAL_DEPOSIT).into();
		let ticket = xcm::latest::Location::here();
		Ok((origin, ticket, assets))
	}

	fn worst_case_for_trader(
	) -> Result<(xcm::latest::Asset, xcm::latest::WeightLimit), BenchmarkError> {
		// Paying in a foreign collateral is the longer path: the native trader is tried first.
		Ok((
			foreign_collateral_asset(1_000 * EXISTENTIAL_DEPOSIT),
			xcm::latest::WeightLimit::Unlimited,
		))
	}

	fn unlockable_asset(
	) -> Result<(xcm::latest::Location, xcm::latest::Location, xcm::latest::Asset), BenchmarkError>
	{
		// No asset locker.
		Err(BenchmarkError::Skip)
	}

	fn export_message_origin_and_destination() -> Result<
		(xcm::latest::Location, xcm::latest::NetworkId, xcm::latest::InteriorLocation),
		BenchmarkError,
	> {
		// No message exporter.
		Err(BenchmarkError::Skip)
	}

	fn alias_origin() -> Result<(xcm::latest::Location, xcm::latest::Location), BenchmarkError> {
		// No aliasers.
		Err(BenchmarkError::Skip)
	}
}
