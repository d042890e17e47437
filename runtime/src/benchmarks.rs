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
	[pallet_clearinghouse_bridge, Bridge]
	[pallet_xcm, PalletXcmExtrinsicsBenchmark::<Runtime>]
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
	let whitelist = AllPalletsWithSystem::whitelisted_storage_keys();
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

impl pallet_xcm::benchmarking::Config for Runtime {
	type DeliveryHelper = (
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
