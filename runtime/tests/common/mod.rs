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

/// Externalities that run every pallet's `try_state` after each test body (polkadot-sdk's
/// `build_and_execute` pattern for the real runtime): cross-pallet invariants included (the
/// margin engine's copies of the confidential floors, the vault ledger against holdings).
#[allow(dead_code)]
pub struct Checked(pub sp_io::TestExternalities);

#[allow(dead_code)]
impl Checked {
	/// Run `test`, then every pallet's invariants.
	pub fn execute_with<R>(mut self, test: impl FnOnce() -> R) -> R {
		self.0.execute_with(|| {
			let result = test();
			check_invariants();
			result
		})
	}
}

/// Every pallet's `try_state`, each failure named.
#[allow(dead_code)]
pub fn check_invariants() {
	use clearinghouse_runtime::Runtime;
	type Check = fn() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError>;
	let checks: [(&str, Check); 6] = [
		("oracle", pallet_clearinghouse_oracle::Pallet::<Runtime>::do_try_state),
		("vaults", pallet_clearinghouse_vaults::Pallet::<Runtime>::do_try_state),
		("orderbook", pallet_clearinghouse_orderbook::Pallet::<Runtime>::do_try_state),
		("margin", pallet_clearinghouse_margin::Pallet::<Runtime>::do_try_state),
		("confidential", pallet_clearinghouse_confidential::Pallet::<Runtime>::do_try_state),
		("bridge", pallet_clearinghouse_bridge::Pallet::<Runtime>::do_try_state),
	];
	for (pallet, check) in checks {
		if let Err(e) = check() {
			panic!("{pallet}'s try_state failed: {e:?}");
		}
	}
}
