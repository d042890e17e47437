//! A runtime for the bridge's tests: the real `pallet-ismp` message pipeline with a mock
//! consensus client (every proof verifies, as in Hyperbridge's own test suite), the real vaults
//! and `pallet-assets`.

use crate as pallet_bridge;
use alloc::{boxed::Box, collections::BTreeMap, vec, vec::Vec};
use ismp::{
	consensus::{
		ConsensusClient, ConsensusClientId, ConsensusStateId, StateCommitment, StateMachineClient,
		StateMachineHeight, StateMachineId, VerifiedCommitments,
	},
	error::Error as IsmpError,
	host::{IsmpHost, StateMachine},
	messaging::{CreateConsensusState, Proof, StateCommitmentHeight},
	module::IsmpModule,
	router::IsmpRouter,
};
use polkadot_sdk::{
	frame_support::{
		parameter_types,
		traits::{ConstU32, ConstU8},
		PalletId,
	},
	frame_system::{self, EnsureRoot},
	pallet_assets, pallet_balances, pallet_timestamp,
	sp_core::H256,
	sp_io,
	sp_runtime::{AccountId32, BuildStorage, Permill},
};

pub type AccountId = AccountId32;
type Block = frame_system::mocking::MockBlock<Test>;

clearinghouse_test_support::mock_runtime!(Test {
	1: Timestamp = pallet_timestamp,
	2: Balances = pallet_balances,
	3: Assets = pallet_assets,
	4: Vaults = pallet_clearinghouse_vaults,
	5: Ismp = pallet_ismp,
	6: Bridge = pallet_bridge,
});
clearinghouse_test_support::impl_system!(Test, AccountId);
clearinghouse_test_support::impl_clock!(Test);
clearinghouse_test_support::impl_balances_and_assets!(Test);

/// No prices needed: the tests only deposit and withdraw plain collateral.
pub struct NoPrices;
impl clearinghouse_primitives::PriceProvider<clearinghouse_primitives::OracleKey> for NoPrices {
	fn price(
		_: &clearinghouse_primitives::OracleKey,
	) -> Option<(polkadot_sdk::sp_arithmetic::FixedU128, clearinghouse_primitives::oracle::Moment)>
	{
		None
	}
	fn vol(
		_: &clearinghouse_primitives::OracleKey,
	) -> Option<(polkadot_sdk::sp_arithmetic::FixedU128, clearinghouse_primitives::oracle::Moment)>
	{
		None
	}
	fn ema(
		_: &clearinghouse_primitives::OracleKey,
	) -> Option<polkadot_sdk::sp_arithmetic::FixedU128> {
		None
	}
	fn is_halted(_: &clearinghouse_primitives::OracleKey) -> bool {
		false
	}
}

parameter_types! {
	pub const VaultsPalletId: PalletId = PalletId(*b"clr/vlts");
	pub const HostStateMachine: StateMachine = StateMachine::Polkadot(2000);
	pub const Coprocessor: Option<StateMachine> = Some(StateMachine::Polkadot(3367));
	pub const BridgeModuleId: [u8; 8] = *b"clr/brdg";
}

impl pallet_clearinghouse_vaults::Config for Test {
	type AssetKind = u32;
	type Assets = Assets;
	type Prices = NoPrices;
	type WithdrawalGuard = ();
	type RegistryOrigin = EnsureRoot<AccountId>;
	type PalletId = VaultsPalletId;
	type MaxCollaterals = ConstU32<8>;
	type MaxSubAccounts = ConstU8<4>;
	type Outbound = pallet_bridge::IsmpOutbound<Test>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = NoPrices;
}

/// Routes ISMP requests for the bridge's module id to it.
#[derive(Default)]
pub struct Router;
impl IsmpRouter for Router {
	fn module_for_id(&self, id: Vec<u8>) -> Result<Box<dyn IsmpModule>, anyhow::Error> {
		if id.as_slice() == BridgeModuleId::get().as_slice() {
			Ok(pallet_bridge::module::<Test>())
		} else {
			Err(anyhow::anyhow!("no module {id:?}"))
		}
	}
}

/// A consensus client whose proofs always verify: the tests exercise what happens after
/// verification, as Hyperbridge's own test suite does.
#[derive(Default)]
pub struct MockClient;
pub const MOCK_CLIENT: ConsensusClientId = *b"mock";
pub const MOCK_STATE: ConsensusStateId = *b"mock";

impl ConsensusClient for MockClient {
	fn verify_consensus(
		&self,
		_: &dyn IsmpHost,
		_: ConsensusStateId,
		_: Vec<u8>,
		_: Vec<u8>,
	) -> Result<(Vec<u8>, VerifiedCommitments), IsmpError> {
		Ok((vec![], Default::default()))
	}
	fn verify_fraud_proof(
		&self,
		_: &dyn IsmpHost,
		_: Vec<u8>,
		_: Vec<u8>,
		_: Vec<u8>,
	) -> Result<(), IsmpError> {
		Ok(())
	}
	fn consensus_client_id(&self) -> ConsensusClientId {
		MOCK_CLIENT
	}
	fn state_machine(&self, _: StateMachine) -> Result<Box<dyn StateMachineClient>, IsmpError> {
		Ok(Box::new(MockStateMachine))
	}
}

pub struct MockStateMachine;
impl StateMachineClient for MockStateMachine {
	fn verify_membership(
		&self,
		_: &dyn IsmpHost,
		_: Vec<H256>,
		_: StateCommitment,
		_: &Proof,
	) -> Result<(), IsmpError> {
		Ok(())
	}
	fn commitment_state_trie_key(&self, _: Vec<H256>) -> Vec<Vec<u8>> {
		vec![]
	}
	fn receipts_state_trie_key(&self, _: Vec<H256>) -> Vec<Vec<u8>> {
		vec![]
	}
	fn verify_non_membership(
		&self,
		_: &dyn IsmpHost,
		_: Vec<H256>,
		_: StateCommitment,
		_: &Proof,
	) -> Result<(), IsmpError> {
		Ok(())
	}
	fn verify_state_proof(
		&self,
		_: &dyn IsmpHost,
		_: Vec<Vec<u8>>,
		_: H256,
		_: &Proof,
	) -> Result<BTreeMap<Vec<u8>, Option<Vec<u8>>>, IsmpError> {
		Ok(Default::default())
	}
}

impl pallet_ismp::Config for Test {
	type AdminOrigin = EnsureRoot<AccountId>;
	type TimestampProvider = Timestamp;
	type Balance = u128;
	type Currency = Balances;
	type HostStateMachine = HostStateMachine;
	type Coprocessor = Coprocessor;
	type Router = Router;
	type ConsensusClients = (MockClient,);
	type FeeHandler = ();
	type OffchainDB = ();
}

/// The chain's own stablecoin (minted here, not by the bridge): no route may credit it.
pub const NOT_BRIDGED: u32 = 2;

/// Every asset of the mock but [`NOT_BRIDGED`] is minted only by the bridge.
pub struct BridgeMinted;
impl polkadot_sdk::frame_support::traits::Contains<u32> for BridgeMinted {
	fn contains(asset: &u32) -> bool {
		*asset != NOT_BRIDGED
	}
}

impl pallet_bridge::Config for Test {
	type AssetKind = u32;
	type Assets = Assets;
	type Ledger = Vaults;
	type Dispatcher = Ismp;
	type RouteOrigin = EnsureRoot<AccountId>;
	type BridgeMinted = BridgeMinted;
	type ModuleId = BridgeModuleId;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = NoPrices;
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_bridge::BenchmarkHelper<u32> for NoPrices {
	fn collateral() -> (u32, u8) {
		(USDC, 6)
	}
}

pub fn alice() -> AccountId {
	AccountId32::new([1; 32])
}

/// The bridged stablecoin: `Assets` id 1, 6 decimals here, 18 on the EVM chain; collateral 0.
pub const USDC: u32 = 1;
pub const USDC_UNIT: u128 = 1_000_000;
/// The EVM chain and its token contract.
pub const EVM: StateMachine = StateMachine::Evm(1);
pub const CONTRACT: [u8; 20] = [0xAB; 20];
/// The height the mock client has a verified commitment for, and that commitment's time (s).
pub const PROOF_HEIGHT: u64 = 3;
/// Now, in milliseconds.
pub const NOW_MS: u64 = 1_000_000_000;

pub fn evm_height(height: u64) -> StateMachineHeight {
	StateMachineHeight {
		id: StateMachineId { state_id: EVM, consensus_state_id: MOCK_STATE },
		height,
	}
}

/// Store a verified commitment of the EVM chain at `height` with timestamp `timestamp_secs`.
pub fn commit_evm_state(height: u64, timestamp_secs: u64) {
	let host = Ismp::default();
	let height = evm_height(height);
	let commitment =
		StateCommitment { timestamp: timestamp_secs, overlay_root: None, state_root: H256::zero() };
	host.store_state_machine_commitment(height, commitment).unwrap();
	host.store_state_machine_update_time(height, core::time::Duration::from_secs(1)).unwrap();
}

/// Alice holds no USDC; USDC is collateral 0 (settlement) with a 1,000,000 USDC cap; the mock
/// client is set up with a zero challenge period for the EVM chain; the route is whitelisted.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(alice(), 1_000)],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_assets::GenesisConfig::<Test> {
		assets: vec![(USDC, alice(), true, 1)],
		metadata: vec![],
		accounts: vec![],
		next_asset_id: None,
		reserves: vec![],
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_clearinghouse_vaults::GenesisConfig::<Test> {
		collaterals: vec![(
			USDC,
			pallet_clearinghouse_vaults::CollateralConfig {
				oracle_key: clearinghouse_primitives::OracleKey::from_symbol("USDC").unwrap(),
				decimals: 6,
				haircut: Permill::zero(),
				deposit_cap: 1_000_000 * USDC_UNIT,
				account_cap: 1_000_000 * USDC_UNIT,
				status: pallet_clearinghouse_vaults::CollateralStatus::Active,
			},
		)],
		settlement: Some(0),
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Test>::put(NOW_MS);
		let host = Ismp::default();
		ismp::handlers::create_client(
			&host,
			CreateConsensusState {
				consensus_state: vec![],
				consensus_client_id: MOCK_CLIENT,
				consensus_state_id: MOCK_STATE,
				unbonding_period: 1_000_000,
				challenge_periods: vec![(EVM, 0)].into_iter().collect(),
				state_machine_commitments: vec![(
					evm_height(PROOF_HEIGHT).id,
					StateCommitmentHeight {
						commitment: StateCommitment {
							timestamp: NOW_MS / 1000,
							overlay_root: None,
							state_root: H256::zero(),
						},
						height: PROOF_HEIGHT,
					},
				)],
			},
		)
		.unwrap();
		commit_evm_state(PROOF_HEIGHT, NOW_MS / 1000);
		Bridge::set_route(
			RuntimeOrigin::root(),
			pallet_bridge::Chain(EVM),
			CONTRACT.to_vec().try_into().unwrap(),
			pallet_bridge::Route {
				asset: USDC,
				remote_decimals: 18,
				local_decimals: 6,
				timeout_secs: 3_600,
			},
		)
		.unwrap();
		System::reset_events();
	});
	ext
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_clearinghouse_vaults::BenchmarkHelper<u32, AccountId> for NoPrices {
	fn asset(index: u32) -> u32 {
		use polkadot_sdk::frame_support::traits::fungibles::{Create, Inspect};
		let id = 1_000 + index;
		if !<Assets as Inspect<AccountId>>::asset_exists(id) {
			<Assets as Create<AccountId>>::create(id, alice(), true, 1).unwrap();
		}
		id
	}
	fn fund(asset: &u32, who: &AccountId, amount: u128) {
		use polkadot_sdk::frame_support::traits::fungibles::Mutate;
		<Assets as Mutate<AccountId>>::mint_into(*asset, who, amount).unwrap();
	}
	fn set_price(
		_: clearinghouse_primitives::OracleKey,
		_: polkadot_sdk::sp_arithmetic::FixedU128,
	) {
	}
	fn hold_positions(_: &clearinghouse_primitives::MarginAccount<AccountId>, _: u32) {}
}

/// Run `test` on a fresh [`new_test_ext`], then every pallet's `try_state` (polkadot-sdk's
/// `build_and_execute` pattern): no test may leave a broken invariant behind.
pub fn build_and_execute<R>(test: impl FnOnce() -> R) -> R {
	clearinghouse_test_support::build_and_execute(
		new_test_ext(),
		test,
		&[Vaults::do_try_state, Bridge::do_try_state],
	)
}
