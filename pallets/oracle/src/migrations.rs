//! Storage migrations of the oracle pallet.

/// Version 1: every configured key's reads are cached in [`crate::KeyQuotes`].
pub mod v1 {
	use crate::{Config, Feeders, KeyConfigs, KeyStates, Pallet};
	use polkadot_sdk::frame_support::{
		migrations::VersionedMigration,
		traits::{Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
	};

	/// Computes [`crate::KeyQuotes`] for every key (at most `MaxKeys`).
	pub struct ComputeQuotes<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for ComputeQuotes<T> {
		fn on_runtime_upgrade() -> Weight {
			let feeders = Feeders::<T>::count();
			let mut keys = 0u64;
			for (key, config) in KeyConfigs::<T>::iter() {
				Pallet::<T>::refresh(key, &config, &KeyStates::<T>::get(key), feeders);
				keys = keys.saturating_add(1);
			}
			// Per key its configuration and state read and its quotes written; the counter and
			// the clock once.
			T::DbWeight::get().reads_writes(2u64.saturating_mul(keys).saturating_add(2), keys)
		}
	}

	/// [`ComputeQuotes`], run once: from storage version 0 to 1.
	pub type MigrateV0ToV1<T> = VersionedMigration<
		0,
		1,
		ComputeQuotes<T>,
		Pallet<T>,
		<T as polkadot_sdk::frame_system::Config>::DbWeight,
	>;
}
