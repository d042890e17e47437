//! What the runtime's integration test files share: genesis from the runtime's presets.

use clearinghouse_runtime::{genesis_config_presets, System};
use polkadot_sdk::sp_io;

/// Externalities with the genesis state of preset `preset`, at block 1.
pub fn ext_from_preset(preset: &str) -> sp_io::TestExternalities {
	let storage =
		genesis_config_presets::preset_storage(&preset.into()).expect("preset exists and builds");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}
