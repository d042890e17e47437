//! Storage migrations of the order-book pallet.

/// After a translation of the markets: as many decode (`decoded`) and are counted (`count`) as
/// there were before (`state`, the count `pre_upgrade` encoded).
#[cfg(feature = "try-runtime")]
fn none_lost(
	state: &[u8],
	decoded: usize,
	count: u32,
) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
	let before = <u32 as codec::Decode>::decode(&mut &state[..])
		.map_err(|_| "the pre-upgrade state does not decode")?;
	polkadot_sdk::frame_support::ensure!(
		decoded == before as usize && count == before,
		"a market was lost or does not decode"
	);
	Ok(())
}

/// Version 1: a market records the last block its book changed in
/// ([`crate::Market::changed_in`], for the mid reported to the margin engine).
pub mod v1 {
	use crate::{Config, MarketConfig, MarketId, Pallet, Price};
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

	/// A market as version 1 stored it.
	#[derive(Encode, Decode)]
	pub struct MarketV1<MaxLevels: Get<u32>> {
		pub config: MarketConfig,
		pub next_sequence: u64,
		pub bids: BoundedVec<Price, MaxLevels>,
		pub asks: BoundedVec<Price, MaxLevels>,
		pub changed_in: u32,
	}

	/// The markets in the version-1 layout (the map itself; its counter is shared).
	#[polkadot_sdk::frame_support::storage_alias]
	pub type Markets<T: Config> = CountedStorageMap<
		Pallet<T>,
		polkadot_sdk::frame_support::Twox64Concat,
		MarketId,
		MarketV1<<T as Config>::MaxLevels>,
	>;

	/// Adds `changed_in` (0: no change recorded; the margin engine's migration takes every
	/// mid from the book as it stands) to every market (at most `MaxMarkets`).
	pub struct AddChangedIn<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for AddChangedIn<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut markets = 0u64;
			Markets::<T>::translate::<OldMarket<T::MaxLevels>, _>(|_, old| {
				markets = markets.saturating_add(1);
				Some(MarketV1 {
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
			super::none_lost(&state, Markets::<T>::iter_values().count(), Markets::<T>::count())
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

/// Version 2: a market records its last trade ([`crate::Market::last_trade`], a price
/// conditional orders may trigger on).
pub mod v2 {
	use crate::{Config, Market, Markets, Pallet};
	#[cfg(feature = "try-runtime")]
	use codec::Encode;
	use polkadot_sdk::frame_support::{
		migrations::VersionedMigration, pallet_prelude::Get, traits::UncheckedOnRuntimeUpgrade,
		weights::Weight,
	};

	/// Adds `last_trade` (`None`: no trade recorded; the first trade after the upgrade sets
	/// it) to every market (at most `MaxMarkets`).
	pub struct AddLastTrade<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for AddLastTrade<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut markets = 0u64;
			Markets::<T>::translate::<super::v1::MarketV1<T::MaxLevels>, _>(|_, old| {
				markets = markets.saturating_add(1);
				Some(Market {
					config: old.config,
					next_sequence: old.next_sequence,
					bids: old.bids,
					asks: old.asks,
					changed_in: old.changed_in,
					last_trade: None,
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
			super::none_lost(&state, Markets::<T>::iter_values().count(), Markets::<T>::count())
		}
	}

	/// [`AddLastTrade`], run once: from storage version 1 to 2.
	pub type MigrateV1ToV2<T> = VersionedMigration<
		1,
		2,
		AddLastTrade<T>,
		Pallet<T>,
		<T as polkadot_sdk::frame_system::Config>::DbWeight,
	>;
}
