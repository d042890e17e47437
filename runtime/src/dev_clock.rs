//! The clock of a relay-less development chain.
//!
//! On a real network a parachain block's timestamp must fall in the Aura slot derived from its
//! relay parent's slot, and at most `BLOCK_PROCESSING_VELOCITY + 1` blocks may share a relay
//! slot (`cumulus_pallet_aura_ext::FixedVelocityConsensusHook`). The relay-less `--dev` node
//! has no relay chain: it mocks one. Under those rules a dev chain sealing a block per second
//! (or per transaction) could only keep its timestamps valid by advancing them a relay slot
//! (6 s) per block, so oracle ages, breaker windows and funding would run up to 6× fast.
//!
//! [`pallet::RelayLess`] is set in the genesis of the `development` preset only (never by a
//! call): there the hook's relay-slot checks are skipped ([`ConsensusHook`]) and the dev node
//! stamps each block with the wall-clock time (never earlier than its parent's). Every other
//! preset (the zombienet `local_testnet`, `production`) keeps the relay chain's rules.

use core::marker::PhantomData;
use cumulus_pallet_parachain_system::{
	consensus_hook::{ConsensusHook as ConsensusHookT, UnincludedSegmentCapacity},
	relay_state_snapshot::RelayChainStateProof,
};
use polkadot_sdk::{
	frame_support::{pallet_prelude::Weight, traits::Get},
	*,
};

pub use pallet::*;

/// The storage key of `pallet_timestamp::Now` in this runtime (`twox128("Timestamp") ++
/// twox128("Now")`): the dev node reads its parent's time there. Checked against the
/// runtime's own key in the tests.
pub const TIMESTAMP_NOW_KEY: [u8; 32] = [
	0xf0, 0xc3, 0x65, 0xc3, 0xcf, 0x59, 0xd6, 0x71, 0xeb, 0x72, 0xda, 0x0e, 0x7a, 0x41, 0x13, 0xc4,
	0x9f, 0x1f, 0x05, 0x15, 0xf4, 0x62, 0xcd, 0xcf, 0x84, 0xe0, 0xf1, 0xd6, 0x04, 0x5d, 0xfc, 0xbb,
];

#[frame_support::pallet]
pub mod pallet {
	use polkadot_sdk::frame_support::{pallet_prelude::*, DefaultNoBound};

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {}

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	/// Whether this chain runs without a relay chain (the dev node), so its blocks follow the
	/// wall clock instead of the relay chain's slots. Set at genesis only.
	#[pallet::storage]
	pub type RelayLess<T> = StorageValue<_, bool, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// See [`RelayLess`].
		pub relay_less: bool,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			RelayLess::<T>::put(self.relay_less);
		}
	}
}

/// `Inner` (the relay chain's velocity and slot rules) on a chain with a relay chain; on a
/// relay-less chain only the unincluded segment's capacity, which nothing uses there.
pub struct ConsensusHook<T, Inner, const CAPACITY: u32>(PhantomData<(T, Inner)>);

impl<T: Config, Inner: ConsensusHookT, const CAPACITY: u32> ConsensusHookT
	for ConsensusHook<T, Inner, CAPACITY>
{
	fn on_state_proof(state_proof: &RelayChainStateProof) -> (Weight, UnincludedSegmentCapacity) {
		let flag = T::DbWeight::get().reads(1);
		if RelayLess::<T>::get() {
			let capacity = core::num::NonZeroU32::new(CAPACITY.max(1)).unwrap_or(
				// `max(1)` makes this unreachable; the smallest capacity otherwise.
				core::num::NonZeroU32::MIN,
			);
			return (flag, capacity.into());
		}
		let (weight, capacity) = Inner::on_state_proof(state_proof);
		(weight.saturating_add(flag), capacity)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{genesis_config_presets::get_preset, ParachainConsensusHook, Runtime};
	use cumulus_test_relay_sproof_builder::RelayStateSproofBuilder;
	use polkadot_sdk::{sp_consensus_aura::Slot, sp_genesis_builder, sp_io};

	/// A relay state proof at relay slot `slot`, and the chain's Aura slot set to match it.
	fn proof_at(slot: u64) -> RelayChainStateProof {
		let builder = RelayStateSproofBuilder {
			para_id: crate::PARACHAIN_ID.into(),
			current_slot: Slot::from(slot),
			..Default::default()
		};
		let (root, proof) = builder.into_state_root_and_proof();
		pallet_aura::CurrentSlot::<Runtime>::put(Slot::from(slot));
		RelayChainStateProof::new(crate::PARACHAIN_ID.into(), root, proof).expect("valid proof")
	}

	fn accepts(proof: &RelayChainStateProof) -> bool {
		std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
			<ParachainConsensusHook as ConsensusHookT>::on_state_proof(proof)
		}))
		.is_ok()
	}

	#[test]
	fn under_a_relay_chain_a_relay_slot_takes_at_most_velocity_plus_one_blocks() {
		sp_io::TestExternalities::default().execute_with(|| {
			let proof = proof_at(100);
			assert!(accepts(&proof));
			assert!(accepts(&proof));
			assert!(!accepts(&proof), "a third block in one relay slot is refused");
			// The next relay slot starts a new count.
			assert!(accepts(&proof_at(101)));
		});
	}

	#[test]
	fn a_relay_less_chain_takes_a_block_whenever_the_dev_node_seals_one() {
		sp_io::TestExternalities::default().execute_with(|| {
			RelayLess::<Runtime>::put(true);
			let proof = proof_at(100);
			for _ in 0..12 {
				assert!(accepts(&proof));
			}
		});
	}

	#[test]
	fn the_timestamp_key_is_the_runtimes() {
		assert_eq!(
			pallet_timestamp::Now::<Runtime>::hashed_key().as_slice(),
			TIMESTAMP_NOW_KEY.as_slice()
		);
	}

	fn relay_less_in(preset: &str) -> Option<bool> {
		let patch = get_preset(&preset.into()).expect("preset exists");
		let value: serde_json::Value = serde_json::from_slice(&patch).expect("json");
		value["devClock"]["relayLess"].as_bool()
	}

	#[test]
	fn only_the_dev_preset_is_relay_less() {
		assert_eq!(relay_less_in(sp_genesis_builder::DEV_RUNTIME_PRESET), Some(true));
		assert_ne!(relay_less_in(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET), Some(true));
		assert_ne!(
			relay_less_in(crate::genesis_config_presets::PRODUCTION_RUNTIME_PRESET),
			Some(true)
		);
	}
}
