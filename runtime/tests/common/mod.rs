//! What the runtime's integration test files share: genesis from the runtime's presets.

use clearinghouse_runtime::{genesis_config_presets, RuntimeGenesisConfig, System};
use polkadot_sdk::{sp_io, sp_runtime::BuildStorage};
use serde_json::Value;

/// Applies a JSON merge patch (what genesis presets are) onto `base`.
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

/// Externalities with the genesis state of preset `preset`, at block 1.
pub fn ext_from_preset(preset: &str) -> sp_io::TestExternalities {
	let patch = genesis_config_presets::get_preset(&preset.into()).expect("preset exists");
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	merge(&mut config, serde_json::from_slice(&patch).unwrap());
	let config: RuntimeGenesisConfig = serde_json::from_value(config).unwrap();
	let mut ext = sp_io::TestExternalities::new(config.build_storage().unwrap());
	ext.execute_with(|| System::set_block_number(1));
	ext
}
