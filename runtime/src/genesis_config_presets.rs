//! Genesis presets: `development` (the `--dev` chain), `local_testnet` (zombienet) and
//! `production` (no sudo key; collators and endowments are patched in by the operator with
//! `chain-spec-builder ... --patch`).

use alloc::{string::String, vec, vec::Vec};

use polkadot_sdk::{staging_xcm as xcm, *};

use cumulus_primitives_core::ParaId;
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_genesis_builder::PresetId;
use sp_keyring::Sr25519Keyring;

use crate::{
	configs::vaults::CollateralAsset, AccountId, AssetsConfig, AuraId, BalancesConfig,
	CollatorSelectionConfig, DevClockConfig, GuardianCouncilConfig, ParachainInfoConfig,
	PolkadotXcmConfig, RuntimeGenesisConfig, SessionConfig, SessionKeys, SudoConfig, VaultsConfig,
	EXISTENTIAL_DEPOSIT, TOKEN_DECIMALS, UNIT,
};
use clearinghouse_primitives::OracleKey;
use pallet_clearinghouse_vaults::{CollateralConfig, CollateralStatus};
use sp_runtime::Permill;

/// The XCM version assumed for destinations that have not told us theirs.
const SAFE_XCM_VERSION: u32 = xcm::prelude::XCM_VERSION;

/// The para id the presets use. Zombienet and `--dev` use the same.
pub const PARACHAIN_ID: u32 = 2000;

/// The preset without a sudo key.
pub const PRODUCTION_RUNTIME_PRESET: &str = "production";

/// What every dev account holds at genesis: one million CLR.
pub const DEV_ENDOWMENT: u128 = 1_000_000 * UNIT;

/// The dev chain's settlement stablecoin: `Assets` id 1, 6 decimals.
pub const DEV_USD_ASSET: u32 = 1;
/// One whole unit of it.
pub const DEV_USD_UNIT: u128 = 1_000_000;
/// What every dev account holds of it at genesis.
pub const DEV_USD_ENDOWMENT: u128 = 1_000_000 * DEV_USD_UNIT;

/// The dev chain's collateral: USD (collateral 0, the settlement asset, at par) and CLR
/// (collateral 1, 50% haircut), priced by the oracle keys `USD` and `CLR`.
pub fn dev_collateral() -> Vec<(CollateralAsset, CollateralConfig)> {
	let key = |s| OracleKey::from_symbol(s).expect("valid symbol");
	vec![
		(
			CollateralAsset::Local(DEV_USD_ASSET),
			CollateralConfig {
				oracle_key: key("USD"),
				decimals: 6,
				haircut: Permill::zero(),
				deposit_cap: 1_000_000_000 * DEV_USD_UNIT,
				account_cap: 100_000_000 * DEV_USD_UNIT,
				status: CollateralStatus::Active,
			},
		),
		(
			CollateralAsset::Native,
			CollateralConfig {
				oracle_key: key("CLR"),
				decimals: TOKEN_DECIMALS,
				haircut: Permill::from_percent(50),
				deposit_cap: 100_000_000 * UNIT,
				account_cap: 10_000_000 * UNIT,
				status: CollateralStatus::Active,
			},
		),
	]
}

fn session_keys(aura: AuraId) -> SessionKeys {
	SessionKeys { aura }
}

/// Where a chain's blocks take their time from (see [`crate::dev_clock`]).
#[derive(PartialEq)]
enum Clock {
	/// The relay chain's slots.
	RelayChain,
	/// The wall clock: the relay-less dev node.
	RelayLess,
}

fn genesis(
	collators: Vec<(AccountId, AuraId)>,
	endowed: Vec<AccountId>,
	guardians: Vec<AccountId>,
	sudo: Option<AccountId>,
	id: ParaId,
	clock: Clock,
) -> Value {
	// The dev stablecoin and collateral exist where there are endowed dev accounts; a
	// production chain registers its collateral by referendum.
	let (assets, vaults) = match (endowed.first(), sudo.is_some()) {
		(Some(owner), true) => (
			AssetsConfig {
				assets: vec![(DEV_USD_ASSET, owner.clone(), true, 10_000)],
				metadata: vec![(DEV_USD_ASSET, b"Dev US Dollar".to_vec(), b"USD".to_vec(), 6)],
				accounts: endowed
					.iter()
					.map(|a| (DEV_USD_ASSET, a.clone(), DEV_USD_ENDOWMENT))
					.collect(),
				..Default::default()
			},
			VaultsConfig { collaterals: dev_collateral(), settlement: Some(0) },
		),
		_ => (AssetsConfig::default(), VaultsConfig::default()),
	};
	build_struct_json_patch!(RuntimeGenesisConfig {
		assets,
		vaults,
		balances: BalancesConfig {
			balances: endowed.iter().cloned().map(|k| (k, DEV_ENDOWMENT)).collect::<Vec<_>>(),
		},
		parachain_info: ParachainInfoConfig { parachain_id: id },
		collator_selection: CollatorSelectionConfig {
			invulnerables: collators.iter().cloned().map(|(acc, _)| acc).collect::<Vec<_>>(),
			candidacy_bond: EXISTENTIAL_DEPOSIT * 16,
		},
		session: SessionConfig {
			keys: collators
				.into_iter()
				.map(|(acc, aura)| (acc.clone(), acc, session_keys(aura)))
				.collect::<Vec<_>>(),
		},
		polkadot_xcm: PolkadotXcmConfig { safe_xcm_version: Some(SAFE_XCM_VERSION) },
		guardian_council: GuardianCouncilConfig { members: guardians },
		sudo: SudoConfig { key: sudo },
		dev_clock: DevClockConfig { relay_less: clock == Clock::RelayLess, ..Default::default() },
	})
}

fn dev_collators() -> Vec<(AccountId, AuraId)> {
	vec![
		(Sr25519Keyring::Alice.to_account_id(), Sr25519Keyring::Alice.public().into()),
		(Sr25519Keyring::Bob.to_account_id(), Sr25519Keyring::Bob.public().into()),
	]
}

fn dev_guardians() -> Vec<AccountId> {
	vec![
		Sr25519Keyring::Charlie.to_account_id(),
		Sr25519Keyring::Dave.to_account_id(),
		Sr25519Keyring::Eve.to_account_id(),
	]
}

/// The well-known accounts' chain: Alice and Bob collate, all well-known accounts are funded,
/// Charlie/Dave/Eve are guardians, Alice is sudo.
fn dev_accounts(clock: Clock) -> Value {
	genesis(
		dev_collators(),
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		dev_guardians(),
		Some(Sr25519Keyring::Alice.to_account_id()),
		PARACHAIN_ID.into(),
		clock,
	)
}

/// The `local_testnet` preset (zombienet, under a relay chain).
fn local_testnet() -> Value {
	dev_accounts(Clock::RelayChain)
}

/// The `development` preset (the relay-less `--dev` node): as `local_testnet`, with a clock
/// that follows the wall clock instead of relay slots ([`crate::dev_clock`]).
fn development() -> Value {
	dev_accounts(Clock::RelayLess)
}

/// The `production` preset: no sudo key, no endowments, no guardians. The operator patches in
/// collators, endowments and guardians; from then on only referenda can act.
fn production() -> Value {
	genesis(vec![], vec![], vec![], None, PARACHAIN_ID.into(), Clock::RelayChain)
}

/// The JSON patch of preset `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet(),
		PRODUCTION_RUNTIME_PRESET => production(),
		_ => return None,
	};
	serde_json::to_string(&patch).ok().map(String::into_bytes)
}

/// The presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(PRODUCTION_RUNTIME_PRESET),
	]
}

/// Applies a JSON merge patch (what a preset is) onto `base`.
#[cfg(feature = "std")]
fn merge(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(base), Value::Object(patch)) => {
			for (k, v) in patch {
				merge(base.entry(k).or_insert(Value::Null), v);
			}
		},
		(base, patch) => *base = patch,
	}
}

/// The genesis storage of preset `id`: the default genesis with the preset's patch merged in,
/// as a chain spec builds it. For native tests and the stress simulator; `None` for an unknown
/// preset.
#[cfg(feature = "std")]
pub fn preset_storage(id: &PresetId) -> Option<sp_core::storage::Storage> {
	use sp_runtime::BuildStorage;
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).ok()?;
	merge(&mut config, serde_json::from_slice(&get_preset(id)?).ok()?);
	serde_json::from_value::<RuntimeGenesisConfig>(config).ok()?.build_storage().ok()
}
