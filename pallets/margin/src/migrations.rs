//! Storage migrations of the margin pallet.

/// Version 1: a market's risk parameters and running state are one value, [`crate::Markets`],
/// with the book's mid in the state (a margin check reads one value per position).
pub mod v1 {
	use crate::{Config, Instrument, MarketId, MarketState, Moment, Pallet, RiskParams};
	use codec::{Decode, Encode};
	use polkadot_sdk::{
		frame_support::{
			migrations::VersionedMigration,
			storage_alias,
			traits::{Get, UncheckedOnRuntimeUpgrade},
			weights::Weight,
			Twox64Concat,
		},
		sp_arithmetic::{FixedI128, FixedU128},
	};

	/// A market's state as version 0 stored it (without the mid).
	#[derive(Clone, Copy, Default, Encode, Decode)]
	pub struct OldMarketState {
		pub funding_index: FixedI128,
		pub funding_at: Moment,
		pub open_interest: u128,
		pub settlement_price: Option<FixedU128>,
		pub instrument: Instrument,
	}

	/// Version 0's risk parameters per market.
	#[storage_alias]
	pub type MarketRisks<T: Config> =
		CountedStorageMap<Pallet<T>, Twox64Concat, MarketId, RiskParams>;

	/// The records as versions 1 and 2 stored them (without the copy of the index's reads).
	#[storage_alias]
	pub type Markets<T: Config> = CountedStorageMap<
		Pallet<T>,
		Twox64Concat,
		MarketId,
		crate::migrations::v3::OldMarketRecord,
	>;

	/// Version 0's running state per market.
	#[storage_alias]
	pub type MarketStates<T: Config> =
		StorageMap<Pallet<T>, Twox64Concat, MarketId, OldMarketState>;

	/// Joins each configured market's parameters and state into [`crate::Markets`] (the mid
	/// taken from the book as it stands) and removes both old maps (at most `MaxMarkets`
	/// entries each; a state without parameters had no market and is dropped).
	pub struct JoinMarkets<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for JoinMarkets<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut moved = 0u64;
			for (market, risk) in MarketRisks::<T>::drain() {
				let old = MarketStates::<T>::take(market).unwrap_or_default();
				let state = MarketState {
					funding_index: old.funding_index,
					funding_at: old.funding_at,
					open_interest: old.open_interest,
					settlement_price: old.settlement_price,
					instrument: old.instrument,
					mid: <T::Book as clearinghouse_primitives::trading::BookPrices>::mid(market),
				};
				Markets::<T>::insert(
					market,
					crate::migrations::v3::OldMarketRecord { risk, state },
				);
				moved = moved.saturating_add(1);
			}
			let orphans = MarketStates::<T>::clear(T::MaxMarkets::get(), None).backend as u64;
			// Per market: its parameters, state and book read; the parameters and state removed,
			// the record written (and the counters). The orphans removed.
			T::DbWeight::get().reads_writes(
				3u64.saturating_mul(moved).saturating_add(2),
				3u64.saturating_mul(moved).saturating_add(orphans).saturating_add(2),
			)
		}

		/// Every configured market, with its parameters, for the check after.
		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, polkadot_sdk::sp_runtime::TryRuntimeError> {
			let risks: alloc::vec::Vec<(MarketId, RiskParams)> = MarketRisks::<T>::iter().collect();
			Ok(risks.encode())
		}

		/// Each market has its record with the same parameters; the old maps are gone.
		#[cfg(feature = "try-runtime")]
		fn post_upgrade(
			state: alloc::vec::Vec<u8>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			let risks = alloc::vec::Vec::<(MarketId, RiskParams)>::decode(&mut &state[..])
				.map_err(|_| "the pre-upgrade state does not decode")?;
			for (market, risk) in &risks {
				let record = Markets::<T>::get(market).ok_or("a market lost its record")?;
				polkadot_sdk::frame_support::ensure!(
					record.risk == *risk,
					"a market's parameters changed"
				);
			}
			polkadot_sdk::frame_support::ensure!(
				Markets::<T>::count() as usize == risks.len(),
				"a record without a market"
			);
			polkadot_sdk::frame_support::ensure!(
				MarketRisks::<T>::count() == 0,
				"old parameters left"
			);
			polkadot_sdk::frame_support::ensure!(
				MarketStates::<T>::iter().next().is_none(),
				"old states left"
			);
			Ok(())
		}
	}

	/// [`JoinMarkets`], run once: from storage version 0 to 1.
	pub type MigrateV0ToV1<T> = VersionedMigration<
		0,
		1,
		JoinMarkets<T>,
		Pallet<T>,
		<T as polkadot_sdk::frame_system::Config>::DbWeight,
	>;
}

/// Version 2: an account's positions, its margin model and its proven floor are one value,
/// [`crate::Accounts`]' [`crate::AccountRecord`] (a margin check reads one value for the three;
/// the model was a separate map and the floor the confidential pallet's).
pub mod v2 {
	use crate::{AccountOf, AccountRecord, Config, EntriesOf, Pallet};
	use clearinghouse_primitives::collateral::HiddenCollateral;
	use polkadot_sdk::frame_support::{
		migrations::VersionedMigration,
		pallet_prelude::{OptionQuery, ValueQuery},
		storage_alias,
		traits::{Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
		Blake2_128Concat,
	};

	/// Version 1's accounts: the entries alone.
	#[storage_alias]
	pub type Accounts<T: Config> =
		StorageMap<Pallet<T>, Blake2_128Concat, AccountOf<T>, EntriesOf<T>, ValueQuery>;

	/// Version 1's portfolio-margined accounts.
	#[storage_alias]
	pub type PortfolioAccounts<T: Config> =
		StorageMap<Pallet<T>, Blake2_128Concat, AccountOf<T>, (), OptionQuery>;

	/// Folds the portfolio flag and a copy of the floor into each account's record: every
	/// account with entries, every portfolio account and every account with a floor gets one.
	/// Runs in one block over every account (the chain has not launched: no multi-block
	/// migration is needed yet); the weight charged is what it did.
	pub struct JoinAccountFlags<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for JoinAccountFlags<T> {
		fn on_runtime_upgrade() -> Weight {
			let (mut reads, mut writes) = (0u64, 0u64);
			let old: alloc::vec::Vec<(AccountOf<T>, EntriesOf<T>)> =
				Accounts::<T>::drain().collect();
			for (account, entries) in old {
				let portfolio = PortfolioAccounts::<T>::take(&account).is_some();
				let floor = T::Hidden::floor(&account);
				crate::Accounts::<T>::insert(&account, AccountRecord { entries, portfolio, floor });
				reads = reads.saturating_add(3);
				writes = writes.saturating_add(2);
			}
			for (account, ()) in PortfolioAccounts::<T>::drain() {
				let floor = T::Hidden::floor(&account);
				let record = AccountRecord { entries: Default::default(), portfolio: true, floor };
				crate::Accounts::<T>::insert(&account, record);
				reads = reads.saturating_add(2);
				writes = writes.saturating_add(2);
			}
			T::Hidden::for_each_floor(&mut |account, floor| {
				reads = reads.saturating_add(2);
				crate::Accounts::<T>::mutate(account, |r| {
					if r.floor != floor {
						r.floor = floor;
						writes = writes.saturating_add(1);
					}
				});
			});
			T::DbWeight::get().reads_writes(reads, writes)
		}

		/// Every account's entries and flags before, for the check after.
		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, polkadot_sdk::sp_runtime::TryRuntimeError> {
			use codec::Encode;
			let accounts: alloc::vec::Vec<(AccountOf<T>, EntriesOf<T>)> =
				Accounts::<T>::iter().collect();
			let portfolio: alloc::vec::Vec<AccountOf<T>> =
				PortfolioAccounts::<T>::iter_keys().collect();
			Ok((accounts, portfolio).encode())
		}

		/// The same entries; the flag where it was; the floors copied; the old map gone.
		#[cfg(feature = "try-runtime")]
		fn post_upgrade(
			state: alloc::vec::Vec<u8>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			use codec::Decode;
			use polkadot_sdk::frame_support::ensure;
			type Before<T> =
				(alloc::vec::Vec<(AccountOf<T>, EntriesOf<T>)>, alloc::vec::Vec<AccountOf<T>>);
			let (accounts, portfolio) = Before::<T>::decode(&mut &state[..])
				.map_err(|_| "the pre-upgrade state does not decode")?;
			for (account, entries) in &accounts {
				ensure!(crate::Accounts::<T>::get(account).entries == *entries, "entries changed");
			}
			for account in &portfolio {
				ensure!(crate::Accounts::<T>::get(account).portfolio, "a portfolio flag lost");
			}
			ensure!(PortfolioAccounts::<T>::iter().next().is_none(), "old flags left");
			for (account, record) in crate::Accounts::<T>::iter() {
				ensure!(record.floor == T::Hidden::floor(&account), "a floor not copied");
				ensure!(record.portfolio == portfolio.contains(&account), "a flag invented");
			}
			Ok(())
		}
	}

	/// [`JoinAccountFlags`], run once: from storage version 1 to 2.
	pub type MigrateV1ToV2<T> = VersionedMigration<
		1,
		2,
		JoinAccountFlags<T>,
		Pallet<T>,
		<T as polkadot_sdk::frame_system::Config>::DbWeight,
	>;
}

/// Version 3: each perpetual's and future's record holds a copy of its underlying's index reads
/// ([`crate::MarketRecord::prices`], kept in step by the oracle), and each underlying lists
/// its perpetuals and futures ([`crate::LinearMarkets`]): a margin check reads a market once.
pub mod v3 {
	use crate::{
		Config, Instrument, LinearMarkets, MarketId, MarketRecord, MarketState, Pallet,
		PriceProvider, RiskParams,
	};
	use codec::{Decode, Encode};
	use polkadot_sdk::frame_support::{
		migrations::VersionedMigration,
		traits::{Get, UncheckedOnRuntimeUpgrade},
		weights::Weight,
	};

	/// A market's record as versions 1 and 2 stored it.
	#[derive(Clone, Encode, Decode)]
	pub struct OldMarketRecord {
		pub risk: RiskParams,
		pub state: MarketState,
	}

	/// Adds the copy to every record and lists the perpetuals and futures on their
	/// underlyings (at most `MaxMarkets` records; one more than
	/// `MaxLinearMarketsPerUnderlying` on an underlying fails the upgrade's check).
	pub struct CopyIndexReads<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for CopyIndexReads<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut moved = 0u64;
			crate::Markets::<T>::translate::<OldMarketRecord, _>(|market, old| {
				moved = moved.saturating_add(1);
				let linear = !matches!(old.state.instrument, Instrument::Option { .. });
				let prices = if linear {
					let listed = LinearMarkets::<T>::mutate(old.risk.underlying, |markets| {
						markets.contains(&market) || markets.try_push(market).is_ok()
					});
					if !listed {
						log_unlisted(market);
					}
					T::Prices::schedule(&old.risk.underlying).unwrap_or_default()
				} else {
					Default::default()
				};
				Some(MarketRecord { risk: old.risk, state: old.state, prices })
			});
			// Per market: its record read and written, the oracle's reads and the list read
			// and written.
			T::DbWeight::get().reads_writes(3u64.saturating_mul(moved), 2u64.saturating_mul(moved))
		}

		/// Every market's parameters and state, for the check after.
		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, polkadot_sdk::sp_runtime::TryRuntimeError> {
			let old: alloc::vec::Vec<(MarketId, RiskParams, MarketState)> =
				crate::migrations::v1::Markets::<T>::iter()
					.map(|(m, r)| (m, r.risk, r.state))
					.collect();
			Ok(old.encode())
		}

		/// The same parameters and states; every perpetual and future listed once and holding
		/// the oracle's reads.
		#[cfg(feature = "try-runtime")]
		fn post_upgrade(
			state: alloc::vec::Vec<u8>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			use polkadot_sdk::frame_support::ensure;
			let old =
				alloc::vec::Vec::<(MarketId, RiskParams, MarketState)>::decode(&mut &state[..])
					.map_err(|_| "the pre-upgrade state does not decode")?;
			for (market, risk, state) in &old {
				let record = crate::Markets::<T>::get(market).ok_or("a market lost its record")?;
				ensure!(record.risk == *risk && record.state == *state, "a record changed");
				if !matches!(state.instrument, Instrument::Option { .. }) {
					ensure!(
						LinearMarkets::<T>::get(risk.underlying).contains(market),
						"a perpetual or future not listed"
					);
					ensure!(
						record.prices == T::Prices::schedule(&risk.underlying).unwrap_or_default(),
						"a copy that is not the oracle's"
					);
				}
			}
			Ok(())
		}
	}

	/// An underlying with more perpetuals and futures than the bound: the market keeps its copy
	/// as of the upgrade only (its `try_state` check fails, naming the problem).
	fn log_unlisted(market: MarketId) {
		polkadot_sdk::sp_runtime::print("margin v3: a market over its underlying's bound");
		let _ = market;
	}

	/// [`CopyIndexReads`], run once: from storage version 2 to 3.
	pub type MigrateV2ToV3<T> = VersionedMigration<
		2,
		3,
		CopyIndexReads<T>,
		Pallet<T>,
		<T as polkadot_sdk::frame_system::Config>::DbWeight,
	>;
}
