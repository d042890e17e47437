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
	AccountId, AuraId, BalancesConfig, CollatorSelectionConfig, GuardianCouncilConfig,
	ParachainInfoConfig, PolkadotXcmConfig, RuntimeGenesisConfig, SessionConfig, SessionKeys,
	SudoConfig, EXISTENTIAL_DEPOSIT, UNIT,
};

/// The XCM version assumed for destinations that have not told us theirs.
const SAFE_XCM_VERSION: u32 = xcm::prelude::XCM_VERSION;

/// The para id the presets use. Zombienet and `--dev` use the same.
pub const PARACHAIN_ID: u32 = 2000;

/// The preset without a sudo key.
pub const PRODUCTION_RUNTIME_PRESET: &str = "production";

/// What every dev account holds at genesis: one million CLR.
pub const DEV_ENDOWMENT: u128 = 1_000_000 * UNIT;

fn session_keys(aura: AuraId) -> SessionKeys {
	SessionKeys { aura }
}

fn genesis(
	collators: Vec<(AccountId, AuraId)>,
	endowed: Vec<AccountId>,
	guardians: Vec<AccountId>,
	sudo: Option<AccountId>,
	id: ParaId,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
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

/// The `development` preset: Alice and Bob collate, all well-known accounts are funded,
/// Charlie/Dave/Eve are guardians, Alice is sudo.
fn development() -> Value {
	genesis(
		dev_collators(),
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		dev_guardians(),
		Some(Sr25519Keyring::Alice.to_account_id()),
		PARACHAIN_ID.into(),
	)
}

/// The `production` preset: no sudo key, no endowments, no guardians. The operator patches in
/// collators, endowments and guardians; from then on only referenda can act.
fn production() -> Value {
	genesis(vec![], vec![], vec![], None, PARACHAIN_ID.into())
}

/// The JSON patch of preset `id`, if there is one.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development(),
		// Same accounts as development; kept separate so zombienet specs can diverge.
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => development(),
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
