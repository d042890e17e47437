//! Storage migrations of the order-book pallet.

/// Version 1: a market records the last block its book changed in
/// ([`crate::Market::changed_in`], for the mid reported to the margin engine).
pub mod v1 {
	use crate::{Config, Market, MarketConfig, Markets, Pallet, Price};
	use codec::{Decode, Encode};
	use polkadot_sdk::frame_support::{
		migrations::VersionedMigration,
		pallet_prelude::{BoundedVec, Get},
		traits::UncheckedOnRuntimeUpgrade,
		weights::Weight,
	};

	/// A market as version 0 stored it.
	#[derive(Encode, Decode)]
	pub struct OldMarket<MaxLevels: Get<u32>> {
		pub config: MarketConfig,
		pub next_sequence: u64,
		pub bids: BoundedVec<Price, MaxLevels>,
		pub asks: BoundedVec<Price, MaxLevels>,
	}

	/// Adds `changed_in` (0: no change recorded; the margin engine's migration takes every
	/// mid from the book as it stands) to every market (at most `MaxMarkets`).
	pub struct AddChangedIn<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for AddChangedIn<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut markets = 0u64;
			Markets::<T>::translate::<OldMarket<T::MaxLevels>, _>(|_, old| {
				markets = markets.saturating_add(1);
				Some(Market {
					config: old.config,
					next_sequence: old.next_sequence,
					bids: old.bids,
					asks: old.asks,
					changed_in: 0,
				})
			});
			T::DbWeight::get().reads_writes(markets, markets)
		}

		/// How many markets there are, for the check after.
		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, polkadot_sdk::sp_runtime::TryRuntimeError> {
			Ok(Markets::<T>::count().encode())
		}

		/// Every market decodes in the new layout; none was lost.
		#[cfg(feature = "try-runtime")]
		fn post_upgrade(
			state: alloc::vec::Vec<u8>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			let before = u32::decode(&mut &state[..])
				.map_err(|_| "the pre-upgrade state does not decode")?;
			let decoded = Markets::<T>::iter_values().count();
			polkadot_sdk::frame_support::ensure!(
				decoded == before as usize && Markets::<T>::count() == before,
				"a market was lost or does not decode"
			);
			Ok(())
		}
	}

	/// [`AddChangedIn`], run once: from storage version 0 to 1. Runs before the margin
	/// engine's version 1 (which reads the books' mids).
	pub type MigrateV0ToV1<T> = VersionedMigration<
		0,
		1,
		AddChangedIn<T>,
		Pallet<T>,
		<T as polkadot_sdk::frame_system::Config>::DbWeight,
	>;
}
