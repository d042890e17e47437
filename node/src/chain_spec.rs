//! Built-in chain specifications. Each is a runtime genesis preset plus the chain's properties
//! (token symbol and decimals, so Polkadot.js shows balances right) and the relay chain it
//! belongs to.

use polkadot_sdk::*;

use clearinghouse_runtime as runtime;
use sc_chain_spec::{ChainSpecExtension, ChainSpecGroup};
use sc_service::ChainType;
use serde::{Deserialize, Serialize};

/// A chain spec of this chain.
pub type ChainSpec = sc_service::GenericChainSpec<Extensions>;

/// The relay chain the local specs attach to (zombienet starts one under this name).
pub const RELAY_CHAIN: &str = "westend-local";

/// The chain spec extensions a cumulus node needs: which relay chain, which para id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ChainSpecGroup, ChainSpecExtension)]
pub struct Extensions {
	/// The relay chain's chain spec id.
	#[serde(alias = "relayChain", alias = "RelayChain")]
	pub relay_chain: String,
	/// This chain's para id.
	#[serde(alias = "paraId", alias = "ParaId")]
	pub para_id: u32,
}

impl Extensions {
	/// The extensions of `chain_spec`, if it has them.
	pub fn try_get(chain_spec: &dyn sc_service::ChainSpec) -> Option<&Self> {
		sc_chain_spec::get_extension(chain_spec.extensions())
	}
}

fn properties() -> sc_chain_spec::Properties {
	let mut properties = sc_chain_spec::Properties::new();
	properties.insert("tokenSymbol".into(), runtime::TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), runtime::TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

fn wasm() -> Result<&'static [u8], String> {
	runtime::WASM_BINARY.ok_or_else(|| {
		"The runtime's wasm was not built (was SKIP_WASM_BUILD set?). Rebuild without it.".into()
	})
}

/// `--dev`: the `development` preset.
pub fn development() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(
		wasm()?,
		Extensions { relay_chain: RELAY_CHAIN.into(), para_id: runtime::PARACHAIN_ID },
	)
	.with_name("Clearinghouse Development")
	.with_id("clearinghouse_dev")
	.with_chain_type(ChainType::Development)
	.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
	.with_properties(properties())
	.build())
}

/// `--chain local`: the `local_testnet` preset, for zombienet.
pub fn local_testnet() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(
		wasm()?,
		Extensions { relay_chain: RELAY_CHAIN.into(), para_id: runtime::PARACHAIN_ID },
	)
	.with_name("Clearinghouse Local Testnet")
	.with_id("clearinghouse_local")
	.with_chain_type(ChainType::Local)
	.with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
	.with_protocol_id("clearinghouse-local")
	.with_properties(properties())
	.build())
}

/// `--chain production`: the `production` preset (no sudo), a template for operators.
pub fn production() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(
		wasm()?,
		Extensions { relay_chain: "polkadot".into(), para_id: runtime::PARACHAIN_ID },
	)
	.with_name("Clearinghouse")
	.with_id("clearinghouse")
	.with_chain_type(ChainType::Live)
	.with_genesis_config_preset_name(runtime::genesis_config_presets::PRODUCTION_RUNTIME_PRESET)
	.with_protocol_id("clearinghouse")
	.with_properties(properties())
	.build())
}
