//! The runtime APIs: what the node, Polkadot.js and XCM tooling may ask of the runtime.

use alloc::vec::Vec;

use polkadot_sdk::{staging_xcm as xcm, *};

use frame_support::{
	genesis_builder_helper::{build_state, get_preset},
	weights::Weight,
};
use pallet_aura::Authorities;
use sp_api::impl_runtime_apis;
use sp_core::{crypto::KeyTypeId, OpaqueMetadata};
use sp_runtime::{
	traits::Block as BlockT,
	transaction_validity::{TransactionSource, TransactionValidity},
	ApplyExtrinsicResult,
};
use sp_version::RuntimeVersion;
use xcm::{
	latest::prelude::{AssetId as XcmAssetId, Location},
	Version as XcmVersion, VersionedAsset, VersionedAssetId, VersionedAssets, VersionedLocation,
	VersionedXcm,
};
use xcm_runtime_apis::{
	dry_run::{CallDryRunEffects, Error as XcmDryRunApiError, XcmDryRunEffects},
	fees::Error as XcmPaymentApiError,
};

use crate::{
	configs::xcm::{XcmConfig, XcmRouter},
	AccountId, AuraId, Balance, Block, ConsensusHook, Executive, InherentDataExt, Nonce, Orderbook,
	OriginCaller, ParachainInfo, ParachainSystem, PolkadotXcm, Runtime, RuntimeCall, RuntimeEvent,
	RuntimeGenesisConfig, SessionKeys, System, TransactionPayment, SLOT_DURATION, VERSION,
};

impl_runtime_apis! {
	impl sp_consensus_aura::AuraApi<Block, AuraId> for Runtime {
		fn slot_duration() -> sp_consensus_aura::SlotDuration {
			sp_consensus_aura::SlotDuration::from_millis(SLOT_DURATION)
		}

		fn authorities() -> Vec<AuraId> {
			Authorities::<Runtime>::get().into_inner()
		}
	}

	impl cumulus_primitives_aura::AuraUnincludedSegmentApi<Block> for Runtime {
		fn can_build_upon(
			included_hash: <Block as BlockT>::Hash,
			slot: cumulus_primitives_aura::Slot,
		) -> bool {
			ConsensusHook::can_build_upon(included_hash, slot)
		}
	}

	impl cumulus_primitives_core::RelayParentOffsetApi<Block> for Runtime {
		fn relay_parent_offset() -> u32 {
			0
		}

		fn max_claim_queue_offset() -> u8 {
			ParachainSystem::max_claim_queue_offset()
		}
	}

	impl cumulus_primitives_core::SchedulingV3EnabledApi<Block> for Runtime {
		fn scheduling_v3_enabled() -> bool {
			false
		}
	}

	impl pallet_ismp_runtime_api::IsmpRuntimeApi<Block, <Block as BlockT>::Hash> for Runtime {
		fn host_state_machine() -> ismp::host::StateMachine {
			use frame_support::traits::Get;
			<Runtime as pallet_ismp::Config>::HostStateMachine::get()
		}

		fn block_events() -> Vec<ismp::events::Event> {
			crate::Ismp::block_events()
		}

		fn block_events_with_metadata() -> Vec<(ismp::events::Event, Option<u32>)> {
			crate::Ismp::block_events_with_metadata()
		}

		fn consensus_state(id: ismp::consensus::ConsensusClientId) -> Option<Vec<u8>> {
			use ismp::host::IsmpHost;
			crate::Ismp::default().consensus_state(id).ok()
		}

		fn state_machine_update_time(height: ismp::consensus::StateMachineHeight) -> Option<u64> {
			use ismp::host::IsmpHost;
			crate::Ismp::default().state_machine_update_time(height).ok().map(|t| t.as_secs())
		}

		fn challenge_period(id: ismp::consensus::StateMachineId) -> Option<u64> {
			use ismp::host::IsmpHost;
			crate::Ismp::default().challenge_period(id).map(|p| p.as_secs())
		}

		fn latest_state_machine_height(id: ismp::consensus::StateMachineId) -> Option<u64> {
			use ismp::host::IsmpHost;
			crate::Ismp::default().latest_commitment_height(id).ok()
		}

		fn requests(commitments: Vec<sp_core::H256>) -> Vec<ismp::router::Request> {
			crate::Ismp::requests(commitments)
		}

		fn responses(commitments: Vec<sp_core::H256>) -> Vec<ismp::router::GetResponse> {
			crate::Ismp::responses(commitments)
		}
	}

	impl ismp_parachain_runtime_api::IsmpParachainApi<Block> for Runtime {
		fn para_ids() -> Vec<u32> {
			ismp_parachain::Pallet::<Runtime>::para_ids()
		}

		fn current_relay_chain_state() -> cumulus_pallet_parachain_system::RelayChainState {
			ismp_parachain::Pallet::<Runtime>::current_relay_chain_state()
		}
	}

	impl pallet_clearinghouse_confidential::runtime_api::ConfidentialApi<Block, AccountId> for Runtime {
		fn state(
			account: pallet_clearinghouse_confidential::MarginAccount<AccountId>,
		) -> Option<pallet_clearinghouse_confidential::ConfidentialView> {
			crate::Confidential::state(&account)
		}

		fn genesis() -> [u8; 32] {
			crate::Confidential::genesis()
		}

		fn pool_total() -> u128 {
			pallet_clearinghouse_confidential::PoolTotal::<Runtime>::get()
		}

		fn band_quote(
			account: pallet_clearinghouse_confidential::MarginAccount<AccountId>,
			underlying: pallet_clearinghouse_confidential::OracleKey,
			low: sp_runtime::FixedU128,
			high: sp_runtime::FixedU128,
			headroom: u128,
		) -> Result<pallet_clearinghouse_confidential::BandQuote, sp_runtime::DispatchError> {
			crate::Confidential::band_quote(&account, underlying, low, high, headroom)
		}
	}

	impl pallet_clearinghouse_insurance::runtime_api::InsuranceApi<Block> for Runtime {
		fn balance() -> i128 {
			crate::Insurance::balance()
		}
	}

	impl pallet_clearinghouse_oracle::runtime_api::OracleApi<Block> for Runtime {
		fn price(symbol: Vec<u8>) -> Option<pallet_clearinghouse_oracle::PriceStatus> {
			crate::Oracle::price_status_of(&symbol)
		}

		fn prices() -> Vec<pallet_clearinghouse_oracle::PriceStatus> {
			crate::Oracle::price_statuses()
		}
	}

	impl pallet_clearinghouse_margin::runtime_api::MarginApi<Block, AccountId> for Runtime {
		fn account_health(
			account: pallet_clearinghouse_margin::MarginAccount<AccountId>,
		) -> Option<pallet_clearinghouse_margin::AccountHealth> {
			crate::Margin::account_health(&account)
		}

		fn adl_queue(
			market: pallet_clearinghouse_margin::MarketId,
			long: bool,
			limit: u32,
		) -> Vec<(pallet_clearinghouse_margin::MarginAccount<AccountId>, sp_runtime::FixedU128)> {
			crate::Margin::adl_queue(market, long, limit)
		}

		fn settlement(
			market: pallet_clearinghouse_margin::MarketId,
		) -> Option<pallet_clearinghouse_margin::SettlementState> {
			crate::Margin::settlement(market)
		}

		fn option_quote(
			market: pallet_clearinghouse_margin::MarketId,
		) -> Option<pallet_clearinghouse_margin::OptionQuote> {
			crate::Margin::option_quote(market)
		}

		fn option_chain(
			underlying: pallet_clearinghouse_margin::OracleKey,
		) -> Vec<pallet_clearinghouse_margin::OptionQuote> {
			crate::Margin::option_chain(underlying)
		}

		fn option_positions(
			account: pallet_clearinghouse_margin::MarginAccount<AccountId>,
		) -> Vec<pallet_clearinghouse_margin::OptionPositionView> {
			crate::Margin::option_positions(&account)
		}

		fn greeks_by_underlying(
			account: pallet_clearinghouse_margin::MarginAccount<AccountId>,
		) -> Vec<pallet_clearinghouse_margin::UnderlyingGreeks> {
			crate::Margin::greeks_by_underlying(&account)
		}

		fn risk_array(
			account: pallet_clearinghouse_margin::MarginAccount<AccountId>,
		) -> Option<pallet_clearinghouse_margin::RiskArrayView> {
			crate::Margin::risk_array(&account)
		}

		fn simulate(
			account: pallet_clearinghouse_margin::MarginAccount<AccountId>,
			trades: Vec<pallet_clearinghouse_margin::SimulatedTrade>,
			deposits: Vec<pallet_clearinghouse_margin::SimulatedDeposit>,
		) -> Result<pallet_clearinghouse_margin::Simulation, pallet_clearinghouse_margin::SimulationError> {
			crate::Margin::simulate(&account, trades, deposits)
		}
	}

	impl pallet_clearinghouse_orderbook::runtime_api::OrderbookApi<Block, AccountId> for Runtime {
		fn depth(
			market: pallet_clearinghouse_orderbook::MarketId,
			levels: u32,
		) -> Option<pallet_clearinghouse_orderbook::BookDepth> {
			Orderbook::depth(market, levels)
		}

		fn open_orders(
			market: pallet_clearinghouse_orderbook::MarketId,
			account: pallet_clearinghouse_orderbook::MarginAccount<AccountId>,
		) -> Vec<pallet_clearinghouse_orderbook::OpenOrderView> {
			Orderbook::open_orders(market, &account)
		}

		fn conditional_orders(
			owner: AccountId,
		) -> Vec<pallet_clearinghouse_orderbook::ConditionalView> {
			Orderbook::conditional_orders(&owner)
		}

		fn twap_orders(owner: AccountId) -> Vec<pallet_clearinghouse_orderbook::TwapView> {
			Orderbook::twap_orders(&owner)
		}
	}

	impl cumulus_primitives_core::GetParachainInfo<Block> for Runtime {
		fn parachain_id() -> cumulus_primitives_core::ParaId {
			ParachainInfo::parachain_id()
		}
	}

	impl cumulus_primitives_core::KeyToIncludeInRelayProof<Block> for Runtime {
		fn keys_to_prove() -> cumulus_primitives_core::RelayProofRequest {
			Default::default()
		}
	}

	impl cumulus_primitives_core::TargetBlockRate<Block> for Runtime {
		fn target_block_rate() -> u32 {
			// One block per relay chain slot (6 s).
			1
		}
	}

	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block)
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> sp_runtime::ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	impl sp_api::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl frame_support::view_functions::runtime_api::RuntimeViewFunction<Block> for Runtime {
		fn execute_view_function(
			id: frame_support::view_functions::ViewFunctionId,
			input: Vec<u8>,
		) -> Result<Vec<u8>, frame_support::view_functions::ViewFunctionDispatchError> {
			Runtime::execute_view_function(id, input)
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: sp_inherents::InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
			data.create_extrinsics()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: sp_inherents::InherentData,
		) -> sp_inherents::CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: <Block as BlockT>::Extrinsic,
			block_hash: <Block as BlockT>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &<Block as BlockT>::Header) {
			Executive::offchain_worker(header)
		}
	}

	impl sp_session::SessionKeys<Block> for Runtime {
		fn generate_session_keys(owner: Vec<u8>, seed: Option<Vec<u8>>) -> sp_session::OpaqueGeneratedSessionKeys {
			SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
			SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance> for Runtime {
		fn query_info(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_info(uxt, len)
		}
		fn query_fee_details(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_fee_details(uxt, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall>
		for Runtime
	{
		fn query_call_info(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_call_info(call, len)
		}
		fn query_call_fee_details(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_call_fee_details(call, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl xcm_runtime_apis::fees::XcmPaymentApi<Block> for Runtime {
		fn query_acceptable_payment_assets(xcm_version: XcmVersion) -> Result<Vec<VersionedAssetId>, XcmPaymentApiError> {
			// Execution is paid in the native token only (see the XCM config's trader).
			let native = XcmAssetId(Location::here());
			PolkadotXcm::query_acceptable_payment_assets(xcm_version, alloc::vec![native])
		}

		fn query_weight_to_asset_fee(weight: Weight, asset: VersionedAssetId) -> Result<u128, XcmPaymentApiError> {
			type Trader = <XcmConfig as staging_xcm_executor::Config>::Trader;
			PolkadotXcm::query_weight_to_asset_fee::<Trader>(weight, asset)
		}

		fn query_xcm_weight(message: VersionedXcm<()>) -> Result<Weight, XcmPaymentApiError> {
			PolkadotXcm::query_xcm_weight(message)
		}

		fn query_delivery_fees(
			destination: VersionedLocation,
			message: VersionedXcm<()>,
			asset_id: VersionedAssetId,
		) -> Result<VersionedAssets, XcmPaymentApiError> {
			type AssetExchanger = <XcmConfig as staging_xcm_executor::Config>::AssetExchanger;
			PolkadotXcm::query_delivery_fees::<AssetExchanger>(destination, message, asset_id)
		}
	}

	impl xcm_runtime_apis::dry_run::DryRunApi<Block, RuntimeCall, RuntimeEvent, OriginCaller> for Runtime {
		fn dry_run_call(
			origin: OriginCaller,
			call: RuntimeCall,
			result_xcms_version: XcmVersion,
		) -> Result<CallDryRunEffects<RuntimeEvent>, XcmDryRunApiError> {
			PolkadotXcm::dry_run_call::<Runtime, XcmRouter, OriginCaller, RuntimeCall>(origin, call, result_xcms_version)
		}

		fn dry_run_xcm(
			origin_location: VersionedLocation,
			xcm: VersionedXcm<RuntimeCall>,
		) -> Result<XcmDryRunEffects<RuntimeEvent>, XcmDryRunApiError> {
			PolkadotXcm::dry_run_xcm::<XcmRouter>(origin_location, xcm)
		}
	}

	impl xcm_runtime_apis::conversions::LocationToAccountApi<Block, AccountId> for Runtime {
		fn convert_location(
			location: VersionedLocation,
		) -> Result<AccountId, xcm_runtime_apis::conversions::Error> {
			xcm_runtime_apis::conversions::LocationToAccountHelper::<
				AccountId,
				clearinghouse_xcm_config::LocationToAccountId,
			>::convert_location(location)
		}
	}

	impl xcm_runtime_apis::trusted_query::TrustedQueryApi<Block> for Runtime {
		fn is_trusted_reserve(
			asset: VersionedAsset,
			location: VersionedLocation,
		) -> xcm_runtime_apis::trusted_query::XcmTrustedQueryResult {
			PolkadotXcm::is_trusted_reserve(asset, location)
		}
		fn is_trusted_teleporter(
			asset: VersionedAsset,
			location: VersionedLocation,
		) -> xcm_runtime_apis::trusted_query::XcmTrustedQueryResult {
			PolkadotXcm::is_trusted_teleporter(asset, location)
		}
	}

	impl cumulus_primitives_core::CollectCollationInfo<Block> for Runtime {
		fn collect_collation_info(header: &<Block as BlockT>::Header) -> cumulus_primitives_core::CollationInfo {
			ParachainSystem::collect_collation_info(header)
		}
	}

	#[cfg(feature = "try-runtime")]
	impl frame_try_runtime::TryRuntime<Block> for Runtime {
		fn on_runtime_upgrade(checks: frame_try_runtime::UpgradeCheckSelect) -> (Weight, Weight) {
			use crate::configs::RuntimeBlockWeights;
			// try-runtime is an off-chain tool: a failed upgrade check must abort loudly.
			let weight = Executive::try_runtime_upgrade(checks).unwrap();
			(weight, RuntimeBlockWeights::get().max_block)
		}

		fn execute_block(
			block: <Block as BlockT>::LazyBlock,
			state_root_check: bool,
			signature_check: bool,
			select: frame_try_runtime::TryStateSelect,
		) -> Weight {
			// Off-chain tool, as above.
			Executive::try_execute_block(block, state_root_check, signature_check, select).unwrap()
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl frame_benchmarking::Benchmark<Block> for Runtime {
		fn benchmark_metadata(extra: bool) -> (
			Vec<frame_benchmarking::BenchmarkList>,
			Vec<frame_support::traits::StorageInfo>,
		) {
			crate::benchmarks::benchmark_metadata(extra)
		}

		fn dispatch_benchmark(
			config: frame_benchmarking::BenchmarkConfig
		) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
			crate::benchmarks::dispatch_benchmark(config)
		}
	}

	impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, crate::genesis_config_presets::get_preset)
		}

		fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
			crate::genesis_config_presets::preset_names()
		}
	}
}
