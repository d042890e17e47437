//! Storage migrations of the vaults pallet.

/// Version 1: the settlement asset is stored with its decimals ([`crate::SettlementAsset`]), so
/// a valuation reads one value for both instead of the id and then the asset's registry entry.
pub mod v1 {
	use crate::{CollateralId, Collaterals, Config, Pallet, SettlementAsset, SettlementCollateral};
	use polkadot_sdk::frame_support::{
		migrations::VersionedMigration,
		storage_alias,
		traits::{Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
	};

	/// Version 0's settlement asset: its id alone.
	#[storage_alias]
	pub type OldSettlementCollateral<T: Config> = StorageValue<
		Pallet<T>,
		CollateralId,
		polkadot_sdk::frame_support::pallet_prelude::OptionQuery,
	>;

	/// Rewrites the settlement asset's id as the id with the asset's registered decimals. An id
	/// without a registry entry (which `try_state` forbids) is left out: no settlement asset.
	pub struct AddSettlementDecimals<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for AddSettlementDecimals<T> {
		fn on_runtime_upgrade() -> Weight {
			let Some(id) = OldSettlementCollateral::<T>::take() else {
				return T::DbWeight::get().reads(1);
			};
			if let Some(info) = Collaterals::<T>::get(id) {
				SettlementCollateral::<T>::put(SettlementAsset {
					id,
					decimals: info.config.decimals,
				});
			}
			T::DbWeight::get().reads_writes(2, 1)
		}

		/// The settlement asset's id before, for the check after.
		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, polkadot_sdk::sp_runtime::TryRuntimeError> {
			use codec::Encode;
			Ok(OldSettlementCollateral::<T>::get().encode())
		}

		/// The same asset, with its registered decimals.
		#[cfg(feature = "try-runtime")]
		fn post_upgrade(
			state: alloc::vec::Vec<u8>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			use codec::Decode;
			let before = Option::<CollateralId>::decode(&mut &state[..])
				.map_err(|_| "the pre-upgrade state does not decode")?;
			let after = SettlementCollateral::<T>::get();
			polkadot_sdk::frame_support::ensure!(
				after.map(|a| a.id) == before,
				"the settlement asset changed"
			);
			if let Some(SettlementAsset { id, decimals }) = after {
				let info =
					Collaterals::<T>::get(id).ok_or("the settlement asset is unregistered")?;
				polkadot_sdk::frame_support::ensure!(
					info.config.decimals == decimals,
					"the settlement decimals are not the asset's"
				);
			}
			Ok(())
		}
	}

	/// [`AddSettlementDecimals`], run once: from storage version 0 to 1.
	pub type MigrateV0ToV1<T> = VersionedMigration<
		0,
		1,
		AddSettlementDecimals<T>,
		Pallet<T>,
		<T as polkadot_sdk::frame_system::Config>::DbWeight,
	>;
}
