//! Service construction: the client and its parts, the collator (lookahead Aura with async
//! backing, following a relay chain) and the relay-less `--dev` node (instant or manual seal).

use std::{sync::Arc, time::Duration};

use clearinghouse_runtime::{
	apis::RuntimeApi,
	opaque::{Block, Hash},
};
use polkadot_sdk::*;

use codec::Encode;
use cumulus_client_bootnodes::{start_bootnode_tasks, StartBootnodeTasksParams};
use cumulus_client_cli::CollatorOptions;
use cumulus_client_collator::service::CollatorService;
use cumulus_client_consensus_aura::collators::lookahead::{self as aura, Params as AuraParams};
use cumulus_client_consensus_common::ParachainBlockImport as TParachainBlockImport;
use cumulus_client_parachain_inherent::MockValidationDataInherentDataProvider;
use cumulus_client_service::{
	build_network, build_relay_chain_interface, prepare_node_config, start_relay_chain_tasks,
	BuildNetworkParams, CollatorSybilResistance, DARecoveryProfile, ParachainHostFunctions,
	StartRelayChainTasksParams,
};
use cumulus_primitives_core::{
	relay_chain::{CollatorPair, ValidationCode},
	CollectCollationInfo, ParaId,
};
use cumulus_relay_chain_interface::{OverseerHandle, RelayChainInterface};
use frame_benchmarking_cli::SUBSTRATE_REFERENCE_HARDWARE;
use futures::FutureExt;
use polkadot_primitives::UpgradeGoAhead;
use sc_client_api::Backend;
use sc_consensus::ImportQueue;
use sc_consensus_manual_seal::consensus::aura::AuraConsensusDataProvider;
use sc_executor::{HeapAllocStrategy, WasmExecutor, DEFAULT_HEAP_ALLOC_STRATEGY};
use sc_network::{NetworkBackend, NetworkBlock, PeerId};
use sc_service::{Configuration, PartialComponents, TFullBackend, TFullClient, TaskManager};
use sc_telemetry::{Telemetry, TelemetryHandle, TelemetryWorker, TelemetryWorkerHandle};
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_api::ProvideRuntimeApi;
use sp_keystore::KeystorePtr;
use sp_runtime::traits::{Header as HeaderT, UniqueSaturatedInto};
use substrate_prometheus_endpoint::Registry;

/// The host functions the runtime may call. A node built with `runtime-benchmarks` runs a
/// runtime built with it too, which imports the benchmarking host functions even outside a
/// benchmark.
#[cfg(not(feature = "runtime-benchmarks"))]
type HostFunctions = ParachainHostFunctions;
#[cfg(feature = "runtime-benchmarks")]
type HostFunctions =
	(ParachainHostFunctions, polkadot_sdk::frame_benchmarking::benchmarking::HostFunctions);

type ParachainExecutor = WasmExecutor<HostFunctions>;
type ParachainClient = TFullClient<Block, RuntimeApi, ParachainExecutor>;
type ParachainBackend = TFullBackend<Block>;
type ParachainBlockImport = TParachainBlockImport<Block, Arc<ParachainClient>, ParachainBackend>;
type TransactionPool = sc_transaction_pool::TransactionPoolHandle<Block, ParachainClient>;

/// The relay chain's slot duration; one parachain block per relay slot.
const RELAY_CHAIN_SLOT_DURATION: Duration = Duration::from_secs(6);

/// The parts of a node every command needs.
pub type Service = PartialComponents<
	ParachainClient,
	ParachainBackend,
	(),
	sc_consensus::DefaultImportQueue<Block>,
	TransactionPool,
	(ParachainBlockImport, Option<Telemetry>, Option<TelemetryWorkerHandle>),
>;

/// Builds the client, backend, keystore, transaction pool and import queue.
pub fn new_partial(config: &Configuration) -> Result<Service, sc_service::Error> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|x| !x.is_empty())
		.map(|endpoints| -> Result<_, sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let heap_pages = config
		.executor
		.default_heap_pages
		.map_or(DEFAULT_HEAP_ALLOC_STRATEGY, |h| HeapAllocStrategy::Static { extra_pages: h as _ });

	let executor = ParachainExecutor::builder()
		.with_execution_method(config.executor.wasm_method)
		.with_onchain_heap_alloc_strategy(heap_pages)
		.with_offchain_heap_alloc_strategy(heap_pages)
		.with_max_runtime_instances(config.executor.max_runtime_instances)
		.with_runtime_cache_size(config.executor.runtime_cache_size)
		.build();

	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts_record_import::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			true,
			Default::default(),
		)?;
	let client = Arc::new(client);

	let telemetry_worker_handle = telemetry.as_ref().map(|(worker, _)| worker.handle());
	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	let block_import = ParachainBlockImport::new(client.clone(), backend.clone());

	let import_queue =
		cumulus_client_consensus_aura::equivocation_import_queue::fully_verifying_import_queue::<
			sp_consensus_aura::sr25519::AuthorityPair,
			_,
			_,
			_,
			_,
		>(
			client.clone(),
			block_import.clone(),
			move |_, _| async move { Ok(sp_timestamp::InherentDataProvider::from_system_time()) },
			&task_manager.spawn_essential_handle(),
			config.prometheus_registry(),
			telemetry.as_ref().map(|telemetry| telemetry.handle()),
		);

	Ok(PartialComponents {
		backend,
		client,
		import_queue,
		keystore_container,
		task_manager,
		transaction_pool,
		select_chain: (),
		other: (block_import, telemetry, telemetry_worker_handle),
	})
}

fn rpc_builder(
	client: Arc<ParachainClient>,
	backend: Arc<ParachainBackend>,
	pool: Arc<TransactionPool>,
) -> Box<
	dyn Fn(sc_rpc::SubscriptionTaskExecutor) -> Result<crate::rpc::RpcExtension, sc_service::Error>,
> {
	Box::new(move |_| {
		let deps = crate::rpc::FullDeps {
			client: client.clone(),
			pool: pool.clone(),
			backend: backend.clone(),
		};
		crate::rpc::create_full(deps).map_err(Into::into)
	})
}

/// How the `--dev` node seals blocks.
#[derive(Debug, Clone, Copy)]
pub enum DevSealMode {
	/// A block as soon as a transaction is in the pool.
	Instant,
	/// A block every this many milliseconds, with or without transactions.
	Every(u64),
}

/// Starts the relay-less development node.
///
/// Blocks are sealed locally (instant or timed) with an Aura pre-digest that matches the
/// timestamp, and `MockValidationDataInherentDataProvider` supplies the relay chain's
/// validation data that `parachain-system` requires in every block.
pub fn start_dev_node(
	mut config: Configuration,
	mode: DevSealMode,
) -> Result<TaskManager, sc_service::Error> {
	let PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		transaction_pool,
		other: (_, mut telemetry, _),
		..
	} = new_partial(&config)?;

	// A dev node talks to nobody.
	config.network.default_peers_set.in_peers = 0;
	config.network.default_peers_set.out_peers = 0;
	let net_config = sc_network::config::FullNetworkConfiguration::<
		_,
		_,
		sc_network::Litep2pNetworkBackend,
	>::new(&config.network, None);
	let metrics = sc_network::NotificationMetrics::new(None);

	let (network, system_rpc_tx, tx_handler_controller, sync_service) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			net_config,
			block_announce_validator_builder: None,
			warp_sync_config: None,
			block_relay: None,
			metrics,
		})?;

	let proposer = sc_basic_authorship::ProposerFactory::new(
		task_manager.spawn_handle(),
		client.clone(),
		transaction_pool.clone(),
		None,
		None,
	);

	let slot_duration = sc_consensus_aura::slot_duration(&*client)?;
	let aura_digest_provider =
		AuraConsensusDataProvider::<Block>::new_with_slot_duration(slot_duration);
	let para_id = ParaId::from(clearinghouse_runtime::PARACHAIN_ID);
	let create_inherent_data_providers = dev_inherent_data_providers(client.clone(), para_id);

	match mode {
		DevSealMode::Instant => {
			let params = sc_consensus_manual_seal::InstantSealParams {
				block_import: client.clone(),
				env: proposer,
				client: client.clone(),
				pool: transaction_pool.clone(),
				select_chain: sc_consensus::LongestChain::new(backend.clone()),
				consensus_data_provider: Some(Box::new(aura_digest_provider)),
				create_inherent_data_providers,
			};
			task_manager.spawn_essential_handle().spawn_blocking(
				"instant-seal",
				None,
				sc_consensus_manual_seal::run_instant_seal(params),
			);
		},
		DevSealMode::Every(block_time) => {
			let (mut sink, stream) = futures::channel::mpsc::channel(1024);
			task_manager.spawn_essential_handle().spawn("dev-block-timer", None, async move {
				loop {
					futures_timer::Delay::new(Duration::from_millis(block_time)).await;
					let command = sc_consensus_manual_seal::EngineCommand::SealNewBlock {
						create_empty: true,
						finalize: true,
						parent_hash: None,
						sender: None,
					};
					if sink.try_send(command).is_err() {
						log::warn!("dev block timer: the sealing task is gone, stopping");
						break;
					}
				}
			});
			let params = sc_consensus_manual_seal::ManualSealParams {
				block_import: client.clone(),
				env: proposer,
				client: client.clone(),
				pool: transaction_pool.clone(),
				select_chain: sc_consensus::LongestChain::new(backend.clone()),
				commands_stream: Box::pin(stream),
				consensus_data_provider: Some(Box::new(aura_digest_provider)),
				create_inherent_data_providers,
			};
			task_manager.spawn_essential_handle().spawn_blocking(
				"manual-seal",
				None,
				sc_consensus_manual_seal::run_manual_seal(params),
			);
		},
	}

	sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network,
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: transaction_pool.clone(),
		rpc_builder: rpc_builder(client, backend.clone(), transaction_pool),
		backend,
		system_rpc_tx,
		tx_handler_controller,
		sync_service,
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	Ok(task_manager)
}

/// Timestamp and mocked relay-chain validation data for dev blocks. A block is stamped with
/// the wall clock (never earlier than its parent: the machine's clock may step back, a chain's
/// may not), so oracle ages, breaker windows and funding run at real speed whatever the block
/// rate (`--dev-block-time`, or a block per transaction). The mocked relay parent is the relay
/// slot of that time; the dev genesis marks the chain relay-less, so the runtime does not hold
/// it to the relay chain's blocks-per-slot limit (`clearinghouse_runtime::dev_clock`).
fn dev_inherent_data_providers(
	client: Arc<ParachainClient>,
	para_id: ParaId,
) -> impl Fn(
	Hash,
	(),
) -> futures::future::Ready<
	Result<
		(sp_timestamp::InherentDataProvider, MockValidationDataInherentDataProvider<()>),
		Box<dyn std::error::Error + Send + Sync>,
	>,
> + Send
       + Sync {
	use codec::Decode;
	use sc_client_api::StorageProvider;
	let relay_slot_millis = RELAY_CHAIN_SLOT_DURATION.as_millis() as u64;
	let now_key =
		sp_core::storage::StorageKey(clearinghouse_runtime::dev_clock::TIMESTAMP_NOW_KEY.to_vec());

	move |parent: Hash, ()| {
		let result = (|| {
			let parent_header = client
				.header(parent)?
				.ok_or_else(|| format!("dev seal: parent header {parent:?} not found"))?;
			// Tell parachain-system when a runtime upgrade was scheduled (the relay would).
			let upgrade_pending = client
				.runtime_api()
				.collect_collation_info(parent, &parent_header)
				.map(|info| info.new_validation_code.is_some())
				.unwrap_or_default();
			let block_number =
				UniqueSaturatedInto::<u32>::unique_saturated_into(*parent_header.number()) + 1;
			let parent_time = client
				.storage(parent, &now_key)?
				.and_then(|data| u64::decode(&mut &data.0[..]).ok())
				.unwrap_or_default();
			let timestamp = dev_block_time(wall_clock_millis(), parent_time);
			// The relay parent is the relay block of the timestamp's slot: it never decreases.
			let relay_parent = u32::try_from(timestamp / relay_slot_millis)
				.map_err(|_| "dev seal: the clock is beyond the relay chain's block numbers")?;
			let validation_data = MockValidationDataInherentDataProvider::<()> {
				current_para_block: block_number,
				para_id,
				current_para_block_head: Some(polkadot_primitives::HeadData(
					parent_header.encode(),
				)),
				relay_blocks_per_para_block: 1,
				relay_offset: relay_parent.saturating_sub(block_number),
				para_blocks_per_relay_epoch: 10,
				upgrade_go_ahead: upgrade_pending.then_some(UpgradeGoAhead::GoAhead),
				..Default::default()
			};
			let timestamp = sp_timestamp::InherentDataProvider::new(timestamp.into());
			Ok::<_, Box<dyn std::error::Error + Send + Sync>>((timestamp, validation_data))
		})();
		futures::future::ready(result)
	}
}

/// Milliseconds since the unix epoch, now.
fn wall_clock_millis() -> u64 {
	std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_millis() as u64)
		.unwrap_or_default()
}

/// A dev block's timestamp: the wall clock, but never before its parent's.
fn dev_block_time(wall_millis: u64, parent_millis: u64) -> u64 {
	wall_millis.max(parent_millis)
}

#[allow(clippy::too_many_arguments)]
fn start_consensus(
	client: Arc<ParachainClient>,
	backend: Arc<ParachainBackend>,
	block_import: ParachainBlockImport,
	prometheus_registry: Option<&Registry>,
	telemetry: Option<TelemetryHandle>,
	task_manager: &TaskManager,
	relay_chain_interface: Arc<dyn RelayChainInterface>,
	transaction_pool: Arc<TransactionPool>,
	keystore: KeystorePtr,
	para_id: ParaId,
	collator_key: CollatorPair,
	collator_peer_id: PeerId,
	overseer_handle: OverseerHandle,
	announce_block: Arc<dyn Fn(Hash, Option<Vec<u8>>) + Send + Sync>,
) -> Result<(), sc_service::Error> {
	// The collator records the storage proof itself (for the PoV); a plain factory suffices.
	let proposer = sc_basic_authorship::ProposerFactory::new(
		task_manager.spawn_handle(),
		client.clone(),
		transaction_pool,
		prometheus_registry,
		telemetry,
	);
	let collator_service = CollatorService::new(
		client.clone(),
		Arc::new(task_manager.spawn_handle()),
		announce_block,
		client.clone(),
	);
	let params = AuraParams {
		create_inherent_data_providers: move |_, ()| async move { Ok(()) },
		block_import,
		para_client: client.clone(),
		para_backend: backend,
		relay_client: relay_chain_interface,
		code_hash_provider: {
			let client = client.clone();
			move |block_hash| {
				client.code_at(block_hash).ok().map(|c| ValidationCode::from(c).hash())
			}
		},
		keystore,
		collator_key,
		collator_peer_id,
		para_id,
		overseer_handle,
		relay_chain_slot_duration: RELAY_CHAIN_SLOT_DURATION,
		proposer,
		collator_service,
		authoring_duration: Duration::from_millis(2000),
		reinitialize: false,
		max_pov_percentage: None,
	};
	let fut = aura::run::<Block, sp_consensus_aura::sr25519::AuthorityPair, _, _, _, _, _, _, _, _>(
		params,
	);
	task_manager.spawn_essential_handle().spawn("aura", None, fut);
	Ok(())
}

/// Starts a collator or full node that follows a relay chain.
#[sc_tracing::logging::prefix_logs_with("Parachain")]
pub async fn start_parachain_node<Net: NetworkBackend<Block, Hash>>(
	parachain_config: Configuration,
	polkadot_config: Configuration,
	collator_options: CollatorOptions,
	para_id: ParaId,
	hwbench: Option<sc_sysinfo::HwBench>,
) -> sc_service::error::Result<TaskManager> {
	let parachain_config = prepare_node_config(parachain_config);

	let parachain_public_addresses = parachain_config.network.public_addresses.clone();
	let parachain_fork_id = parachain_config.chain_spec.fork_id().map(ToString::to_string);
	let advertise_non_global_ips = parachain_config.network.allow_non_globals_in_dht;
	let relay_chain_fork_id = polkadot_config.chain_spec.fork_id().map(ToString::to_string);

	let params = new_partial(&parachain_config)?;
	let (block_import, mut telemetry, telemetry_worker_handle) = params.other;
	let client = params.client.clone();
	let backend = params.backend.clone();
	let mut task_manager = params.task_manager;

	let (relay_chain_interface, collator_key, relay_chain_network, paranode_rx) =
		build_relay_chain_interface(
			polkadot_config,
			&parachain_config,
			telemetry_worker_handle,
			&mut task_manager,
			collator_options.clone(),
			hwbench.clone(),
		)
		.await
		.map_err(|e| sc_service::Error::Application(Box::new(e) as Box<_>))?;

	let validator = parachain_config.role.is_authority();
	let prometheus_registry = parachain_config.prometheus_registry().cloned();
	let transaction_pool = params.transaction_pool.clone();
	let import_queue_service = params.import_queue.service();
	let net_config = sc_network::config::FullNetworkConfiguration::<_, _, Net>::new(
		&parachain_config.network,
		prometheus_registry.clone(),
	);
	let metrics = Net::register_notification_metrics(
		parachain_config.prometheus_config.as_ref().map(|config| &config.registry),
	);

	let (network, system_rpc_tx, tx_handler_controller, sync_service) =
		build_network(BuildNetworkParams {
			parachain_config: &parachain_config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			para_id,
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			relay_chain_interface: relay_chain_interface.clone(),
			import_queue: params.import_queue,
			// Aura: authorship is checked, so announcements need no extra sybil defence.
			sybil_resistance_level: CollatorSybilResistance::Resistant,
			metrics,
		})
		.await?;
	let collator_peer_id = relay_chain_network.local_peer_id();

	if parachain_config.offchain_worker.enabled {
		let offchain_workers =
			sc_offchain::OffchainWorkers::new(sc_offchain::OffchainWorkerOptions {
				runtime_api_provider: client.clone(),
				keystore: Some(params.keystore_container.keystore()),
				offchain_db: backend.offchain_storage(),
				transaction_pool: Some(OffchainTransactionPoolFactory::new(
					transaction_pool.clone(),
				)),
				network_provider: Arc::new(network.clone()),
				is_validator: parachain_config.role.is_authority(),
				enable_http_requests: false,
				custom_extensions: move |_| vec![],
			})?;
		task_manager.spawn_handle().spawn(
			"offchain-workers-runner",
			"offchain-work",
			offchain_workers.run(client.clone(), task_manager.spawn_handle()).boxed(),
		);
	}

	sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		rpc_builder: rpc_builder(client.clone(), backend.clone(), transaction_pool.clone()),
		client: client.clone(),
		transaction_pool: transaction_pool.clone(),
		task_manager: &mut task_manager,
		config: parachain_config,
		keystore: params.keystore_container.keystore(),
		backend: backend.clone(),
		network: network.clone(),
		sync_service: sync_service.clone(),
		system_rpc_tx,
		tx_handler_controller,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	if let Some(hwbench) = hwbench {
		sc_sysinfo::print_hwbench(&hwbench);
		if let Err(err) = SUBSTRATE_REFERENCE_HARDWARE.check_hardware(&hwbench, false) {
			if validator {
				log::warn!("⚠️  The hardware does not meet the minimal requirements {err} for role 'Authority'.");
			}
		}
		if let Some(ref mut telemetry) = telemetry {
			let telemetry_handle = telemetry.handle();
			task_manager.spawn_handle().spawn(
				"telemetry_hwbench",
				None,
				sc_sysinfo::initialize_hwbench_telemetry(telemetry_handle, hwbench),
			);
		}
	}

	let announce_block = {
		let sync_service = sync_service.clone();
		Arc::new(move |hash, data| sync_service.announce_block(hash, data))
	};

	let overseer_handle = relay_chain_interface
		.overseer_handle()
		.map_err(|e| sc_service::Error::Application(Box::new(e)))?;

	start_relay_chain_tasks(StartRelayChainTasksParams {
		client: client.clone(),
		announce_block: announce_block.clone(),
		para_id,
		relay_chain_interface: relay_chain_interface.clone(),
		task_manager: &mut task_manager,
		da_recovery_profile: if validator {
			DARecoveryProfile::Collator
		} else {
			DARecoveryProfile::FullNode
		},
		import_queue: import_queue_service,
		relay_chain_slot_duration: RELAY_CHAIN_SLOT_DURATION,
		recovery_handle: Box::new(overseer_handle.clone()),
		sync_service,
		prometheus_registry: prometheus_registry.as_ref(),
	})?;

	start_bootnode_tasks(StartBootnodeTasksParams {
		embedded_dht_bootnode: collator_options.embedded_dht_bootnode,
		dht_bootnode_discovery: collator_options.dht_bootnode_discovery,
		para_id,
		task_manager: &mut task_manager,
		relay_chain_interface: relay_chain_interface.clone(),
		relay_chain_fork_id,
		relay_chain_network,
		request_receiver: paranode_rx,
		parachain_network: network,
		advertise_non_global_ips,
		parachain_genesis_hash: client.chain_info().genesis_hash.encode(),
		parachain_fork_id,
		parachain_public_addresses,
	});

	if validator {
		let collator_key = collator_key
			.ok_or_else(|| sc_service::Error::Other("a collator needs a collator key".into()))?;
		start_consensus(
			client.clone(),
			backend,
			block_import,
			prometheus_registry.as_ref(),
			telemetry.as_ref().map(|t| t.handle()),
			&task_manager,
			relay_chain_interface,
			transaction_pool,
			params.keystore_container.keystore(),
			para_id,
			collator_key,
			collator_peer_id,
			overseer_handle,
			announce_block,
		)?;
	}

	Ok(task_manager)
}
