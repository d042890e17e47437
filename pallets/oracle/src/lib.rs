//! # Oracle pallet
//!
//! Prices (and implied volatilities) for every valuation on the chain, from a governance-managed
//! set of feeders, aggregated so that a missing or suspicious price cannot be used by accident.
//!
//! ## Overview
//!
//! * **Keys.** Each feed has an [`OracleKey`] (an underlying: `BTC`, `DOT`, `USDT` ...) and a
//!   [`KeyConfig`] set by governance ([`Config::ConfigOrigin`], the `risk_admin` track in the
//!   runtime): `min_quorum`, `max_age`, `max_deviation`, the breaker window, the EMA half-life
//!   and whether the key also carries an implied-volatility feed.
//! * **Feeders.** A bounded set ([`Config::MaxFeeders`]) managed by [`Config::FeederAdminOrigin`].
//!   A feeder calls [`Pallet::feed`] at most once per block with a bounded batch of values; a
//!   successful feed pays no fee, anything else is an error and pays.
//! * **Aggregation at read time.** [`PriceProvider::price`] returns the median of the
//!   submissions fresher than `max_age` *now*, from at least `min_quorum` distinct feeders.
//!   Fewer fresh values → `None`. There is no fallback to an older value.
//! * **Circuit breaker.** Each accepted median is compared with the window's reference median;
//!   a move beyond `max_deviation` trips the key's breaker ([`Event::BreakerTripped`]). While
//!   tripped, every read returns `None` and [`PriceProvider::is_halted`] is true. It resets
//!   itself when a full window passes with medians back inside the bound of the post-move
//!   reference, or when governance calls [`Pallet::reset_breaker`].
//! * **EMA.** Every accepted median updates an exponential moving average with the key's
//!   half-life (time-based, so irregular feeds weigh correctly), for mark prices and funding.
//!
//! ## Calls
//!
//! * [`Pallet::feed`]: a feeder submits prices (and vols).
//! * [`Pallet::set_key`], [`Pallet::remove_key`], [`Pallet::reset_breaker`]: key governance.
//! * [`Pallet::add_feeder`], [`Pallet::remove_feeder`]: feeder governance.
//!
//! ## Storage layout (why it is cheap)
//!
//! All of a key's submissions, its last accepted aggregate and its breaker live in one value
//! ([`KeyStates`]), so a feed costs one read and one write per key plus the key's config. Stale
//! submissions are pruned on every write, so the value never holds more than one entry per
//! feeder.
//!
//! A read does not touch it: every change of a key's state, its configuration or the number of
//! feeders also writes the key's [`KeyQuotes`], everything a read can return from then until
//! the next change, computed ahead. The fresh submissions only ever expire, oldest first, so
//! the reads form at most one segment per submission: the median of the newest few, each up to
//! the instant the next oldest expires. A price read (the margin engine values every position
//! with one) is one read of a value of a few hundred bytes instead of the configuration and
//! every feeder's submission, and returns exactly what the read-time rule computes
//! (`do_try_state` checks it at every instant a submission expires).
//!
//! Every change of a key's reads is told, in the call that makes it, to
//! [`Config::QuotesListener`] (the runtime's margin engine, which keeps the price part beside
//! each perpetual and future on the key, so a margin check reads a market once): a call that
//! changes keys declares the listener's worst case per key and a feed is charged what it used.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod aggregation;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
mod types;
pub mod weights;

pub use clearinghouse_primitives::oracle::{Moment, OracleKey, PriceProvider};
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

/// What the benchmarks need of the runtime.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper {
	/// Make [`Config::Time`] read `now`.
	fn set_now(now: Moment);
}

/// A clock the benchmarks cannot move: every submission has the same age.
#[cfg(feature = "runtime-benchmarks")]
impl BenchmarkHelper for () {
	fn set_now(_: Moment) {}
}

#[cfg(any(feature = "try-runtime", feature = "std"))]
use polkadot_sdk::sp_runtime;
use polkadot_sdk::{frame_support, frame_system, sp_arithmetic};

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		dispatch::{DispatchClass, Pays},
		pallet_prelude::*,
		traits::Time,
	};
	use frame_system::pallet_prelude::*;
	use sp_arithmetic::{traits::Zero, FixedU128};

	/// The in-code storage version.
	/// 1: [`KeyQuotes`] (see [`migrations::v1`]).
	pub(crate) const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The clock: milliseconds since the unix epoch (`pallet-timestamp`).
		type Time: Time<Moment = Moment>;

		/// May configure and remove keys and reset breakers (runtime: `risk_admin` track).
		type ConfigOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// May add and remove feeders (runtime: `risk_admin` track).
		type FeederAdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The most feeders there can be. At most 255 (feeders are stored by a `u8` index).
		#[pallet::constant]
		type MaxFeeders: Get<u32>;

		/// The most keys there can be.
		#[pallet::constant]
		type MaxKeys: Get<u32>;

		/// The most values one `feed` may carry.
		#[pallet::constant]
		type MaxFeedBatch: Get<u32>;

		/// The largest price (and vol) accepted: bounds every product taken with prices.
		#[pallet::constant]
		type MaxPrice: Get<FixedU128>;

		/// Told of every change of a key's price reads, in the call that makes it (runtime: the
		/// margin engine, which keeps copies beside its markets).
		type QuotesListener: clearinghouse_primitives::oracle::QuotesListener<OracleKey>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Sets the clock for the benchmarks (submissions of distinct ages).
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper;
	}

	/// The authorised feeders: their slot index and the last block they fed in.
	#[pallet::storage]
	pub type Feeders<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, T::AccountId, FeederInfo<BlockNumberFor<T>>>;

	/// The configuration of each key.
	#[pallet::storage]
	pub type KeyConfigs<T: Config> = CountedStorageMap<_, Blake2_128Concat, OracleKey, KeyConfig>;

	/// Each key's submissions, last accepted aggregate and breaker, in one value.
	#[pallet::storage]
	pub type KeyStates<T: Config> =
		StorageMap<_, Blake2_128Concat, OracleKey, KeyState<T::MaxFeeders>, ValueQuery>;

	/// Each configured key's reads from its last change on ([`Quotes`]): computed wherever its
	/// state, its configuration or the number of feeders changes, so every read
	/// ([`PriceProvider`]) is one small value, not the key's configuration and every feeder's
	/// submission, and serves exactly what the read-time rule computes from them.
	#[pallet::storage]
	pub type KeyQuotes<T: Config> =
		StorageMap<_, Blake2_128Concat, OracleKey, Quotes<T::MaxFeeders>, OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A feeder submitted `count` values.
		Fed { feeder: T::AccountId, count: u32 },
		/// The median of `key` moved from `reference` to `median`, beyond the key's bound: reads
		/// return nothing until the breaker resets.
		BreakerTripped { key: OracleKey, reference: FixedU128, median: FixedU128 },
		/// The breaker of `key` reset: by a quiet window (`by_governance = false`) or governance.
		BreakerReset { key: OracleKey, by_governance: bool },
		/// `key` was created or reconfigured.
		KeyConfigured { key: OracleKey, config: KeyConfig },
		/// `key` and all its submissions were removed.
		KeyRemoved { key: OracleKey },
		/// `feeder` may now feed, in slot `index`.
		FeederAdded { feeder: T::AccountId, index: u8 },
		/// `feeder` may no longer feed; its submissions were removed.
		FeederRemoved { feeder: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The signer is not an authorised feeder.
		NotFeeder,
		/// The feeder already fed in this block.
		AlreadyFedThisBlock,
		/// The batch is empty.
		EmptyBatch,
		/// The batch has more than `MaxFeedBatch` values.
		BatchTooLarge,
		/// The same key appears twice in one batch.
		DuplicateKey,
		/// The key is not configured.
		UnknownKey,
		/// A price of zero.
		ZeroPrice,
		/// A price (or vol) above `MaxPrice`.
		PriceOverflow,
		/// A volatility of zero.
		ZeroVol,
		/// A volatility for a key that carries no volatility feed.
		VolNotEnabled,
		/// `min_quorum` must be at least 1 and at most `MaxFeeders`.
		InvalidQuorum,
		/// `max_age`, the breaker window and the EMA half-life must be positive.
		ZeroDuration,
		/// `max_deviation` must be positive.
		ZeroDeviation,
		/// There are already `MaxKeys` keys.
		TooManyKeys,
		/// The account is already a feeder.
		AlreadyFeeder,
		/// There are already `MaxFeeders` feeders.
		TooManyFeeders,
		/// The key's breaker is not tripped.
		BreakerNotTripped,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxFeeders::get() >= 1 && T::MaxFeeders::get() <= 255, "1..=255 feeders");
			// One price segment per feeder: a consumer's copy of a key's reads holds at most
			// `MAX_PRICE_SEGMENTS` (more would be cut off).
			assert!(
				T::MaxFeeders::get() <= clearinghouse_primitives::oracle::MAX_PRICE_SEGMENTS,
				"MaxFeeders above MAX_PRICE_SEGMENTS"
			);
			assert!(T::MaxFeedBatch::get() >= 1, "a feed must carry at least one value");
			assert!(!T::MaxPrice::get().is_zero(), "MaxPrice must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Submit prices (and, for keys that carry one, implied vols).
		///
		/// * Who: an authorised feeder, at most once per block. A successful feed pays no fee.
		/// * Changes: the feeder's submission for each key; each key's aggregate (median and
		///   EMA) and breaker when the fresh submissions reach quorum.
		/// * Events: [`Event::Fed`]; [`Event::BreakerTripped`] / [`Event::BreakerReset`].
		/// * Errors: [`Error::NotFeeder`], [`Error::AlreadyFedThisBlock`],
		///   [`Error::EmptyBatch`], [`Error::BatchTooLarge`], [`Error::DuplicateKey`],
		///   [`Error::UnknownKey`], [`Error::ZeroPrice`], [`Error::PriceOverflow`],
		///   [`Error::ZeroVol`], [`Error::VolNotEnabled`]. On any error nothing is stored.
		#[pallet::call_index(0)]
		#[pallet::weight((
			T::WeightInfo::feed(values.len() as u32)
				.saturating_add(Pallet::<T>::listener_weight(values.len() as u32)),
			DispatchClass::Operational
		))]
		pub fn feed(
			origin: OriginFor<T>,
			values: BoundedVec<FeedValue, T::MaxFeedBatch>,
		) -> DispatchResultWithPostInfo {
			let feeder = ensure_signed(origin)?;
			let n = values.len() as u32;
			// Bounded at decoding: a batch over `MaxFeedBatch` never reaches the runtime.
			let told = Self::do_feed(feeder, values.into_inner())?;
			Ok(frame_support::dispatch::PostDispatchInfo {
				actual_weight: Some(T::WeightInfo::feed(n).saturating_add(told)),
				pays_fee: Pays::No,
			})
		}

		/// Create or reconfigure `key`.
		///
		/// * Who: [`Config::ConfigOrigin`].
		/// * Changes: the key's configuration. Existing submissions are kept; they are judged
		///   by the new configuration from the next read on.
		/// * Events: [`Event::KeyConfigured`].
		/// * Errors: [`Error::InvalidQuorum`], [`Error::ZeroDuration`], [`Error::ZeroDeviation`],
		///   [`Error::TooManyKeys`].
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_key().saturating_add(Pallet::<T>::listener_weight(1)))]
		pub fn set_key(origin: OriginFor<T>, key: OracleKey, config: KeyConfig) -> DispatchResult {
			T::ConfigOrigin::ensure_origin(origin)?;
			Self::do_set_key(key, config)
		}

		/// Remove `key`, its submissions and its aggregate. Consumers see no price for it.
		///
		/// * Who: [`Config::ConfigOrigin`].
		/// * Events: [`Event::KeyRemoved`].
		/// * Errors: [`Error::UnknownKey`].
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::remove_key().saturating_add(Pallet::<T>::listener_weight(1)))]
		pub fn remove_key(origin: OriginFor<T>, key: OracleKey) -> DispatchResult {
			T::ConfigOrigin::ensure_origin(origin)?;
			ensure!(KeyConfigs::<T>::contains_key(key), Error::<T>::UnknownKey);
			KeyConfigs::<T>::remove(key);
			KeyStates::<T>::remove(key);
			KeyQuotes::<T>::remove(key);
			let _ = <T::QuotesListener as clearinghouse_primitives::oracle::QuotesListener<
				OracleKey,
			>>::quotes_changed(&key, None);
			Self::deposit_event(Event::KeyRemoved { key });
			Ok(())
		}

		/// Reset the tripped breaker of `key`; the current median becomes the new reference.
		///
		/// * Who: [`Config::ConfigOrigin`].
		/// * Events: [`Event::BreakerReset`] with `by_governance = true`.
		/// * Errors: [`Error::UnknownKey`], [`Error::BreakerNotTripped`].
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::reset_breaker().saturating_add(Pallet::<T>::listener_weight(1)))]
		pub fn reset_breaker(origin: OriginFor<T>, key: OracleKey) -> DispatchResult {
			T::ConfigOrigin::ensure_origin(origin)?;
			let config = KeyConfigs::<T>::get(key).ok_or(Error::<T>::UnknownKey)?;
			KeyStates::<T>::try_mutate(key, |state| -> DispatchResult {
				ensure!(state.breaker.tripped, Error::<T>::BreakerNotTripped);
				let now = T::Time::now();
				state.breaker = Breaker {
					tripped: false,
					reference: state.aggregate.map(|a| a.median).unwrap_or_default(),
					reference_at: now,
				};
				let _ = Self::refresh(key, &config, state, Feeders::<T>::count());
				Ok(())
			})?;
			Self::deposit_event(Event::BreakerReset { key, by_governance: true });
			Ok(())
		}

		/// Authorise `feeder`.
		///
		/// * Who: [`Config::FeederAdminOrigin`].
		/// * Events: [`Event::FeederAdded`].
		/// * Errors: [`Error::AlreadyFeeder`], [`Error::TooManyFeeders`].
		#[pallet::call_index(4)]
		#[pallet::weight(
			T::WeightInfo::add_feeder().saturating_add(Pallet::<T>::listener_weight(T::MaxKeys::get()))
		)]
		pub fn add_feeder(origin: OriginFor<T>, feeder: T::AccountId) -> DispatchResult {
			T::FeederAdminOrigin::ensure_origin(origin)?;
			Self::do_add_feeder(feeder)
		}

		/// Withdraw `feeder`'s authorisation and remove its submissions from every key.
		///
		/// * Who: [`Config::FeederAdminOrigin`].
		/// * Events: [`Event::FeederRemoved`].
		/// * Errors: [`Error::NotFeeder`].
		#[pallet::call_index(5)]
		#[pallet::weight(
			T::WeightInfo::remove_feeder(T::MaxKeys::get())
				.saturating_add(Pallet::<T>::listener_weight(T::MaxKeys::get()))
		)]
		pub fn remove_feeder(
			origin: OriginFor<T>,
			feeder: T::AccountId,
		) -> DispatchResultWithPostInfo {
			T::FeederAdminOrigin::ensure_origin(origin)?;
			let (keys, told) = Self::do_remove_feeder(feeder)?;
			Ok(Some(T::WeightInfo::remove_feeder(keys).saturating_add(told)).into())
		}
	}

	impl<T: Config> Pallet<T> {
		/// What telling the listener of `keys` keys' changes may cost (declared; the unused part
		/// is refunded where the call can).
		pub fn listener_weight(keys: u32) -> Weight {
			use clearinghouse_primitives::oracle::QuotesListener;
			T::QuotesListener::max_weight(keys)
		}

		/// Records the batch; returns what telling the listener cost.
		pub(crate) fn do_feed(
			feeder: T::AccountId,
			values: Vec<FeedValue>,
		) -> Result<Weight, DispatchError> {
			let mut info = Feeders::<T>::get(&feeder).ok_or(Error::<T>::NotFeeder)?;
			let block = frame_system::Pallet::<T>::block_number();
			ensure!(info.last_fed != Some(block), Error::<T>::AlreadyFedThisBlock);
			ensure!(!values.is_empty(), Error::<T>::EmptyBatch);
			ensure!(values.len() <= T::MaxFeedBatch::get() as usize, Error::<T>::BatchTooLarge);
			// Duplicates: the batch is bounded (MaxFeedBatch, e.g. 32), so a quadratic scan
			// is cheaper than allocating a set.
			for (i, v) in values.iter().enumerate() {
				ensure!(
					!values.iter().skip(i + 1).any(|w| w.key == v.key),
					Error::<T>::DuplicateKey
				);
			}

			let now = T::Time::now();
			let max_price = T::MaxPrice::get();
			// Validate everything before writing anything, so an error stores nothing even
			// outside a storage transaction.
			let mut updates = Vec::with_capacity(values.len());
			for v in &values {
				let config = KeyConfigs::<T>::get(v.key).ok_or(Error::<T>::UnknownKey)?;
				ensure!(!v.price.is_zero(), Error::<T>::ZeroPrice);
				ensure!(v.price <= max_price, Error::<T>::PriceOverflow);
				if let Some(vol) = v.vol {
					ensure!(config.has_vol, Error::<T>::VolNotEnabled);
					ensure!(!vol.is_zero(), Error::<T>::ZeroVol);
					ensure!(vol <= max_price, Error::<T>::PriceOverflow);
				}
				updates.push((v, config));
			}

			let feeders = Feeders::<T>::count();
			let mut told = Weight::zero();
			for (v, config) in updates {
				let mut state = KeyStates::<T>::get(v.key);
				state.record(info.index, v.price, v.vol, now, config.max_age);
				match state.accept(&config, now, config.quorum(feeders)) {
					Acceptance::Tripped { reference, median } => {
						Self::deposit_event(Event::BreakerTripped { key: v.key, reference, median })
					},
					Acceptance::Reset => Self::deposit_event(Event::BreakerReset {
						key: v.key,
						by_governance: false,
					}),
					Acceptance::Accepted | Acceptance::NoQuorum => {},
				}
				told = told.saturating_add(Self::refresh(v.key, &config, &state, feeders));
				KeyStates::<T>::insert(v.key, state);
			}

			info.last_fed = Some(block);
			Feeders::<T>::insert(&feeder, info);
			Self::deposit_event(Event::Fed { feeder, count: values.len() as u32 });
			Ok(told)
		}

		pub(crate) fn do_set_key(key: OracleKey, config: KeyConfig) -> DispatchResult {
			ensure!(
				config.min_quorum >= 1 && u32::from(config.min_quorum) <= T::MaxFeeders::get(),
				Error::<T>::InvalidQuorum
			);
			ensure!(
				config.max_age > 0 && config.breaker_window > 0 && config.ema_half_life > 0,
				Error::<T>::ZeroDuration
			);
			ensure!(!config.max_deviation.is_zero(), Error::<T>::ZeroDeviation);
			if !KeyConfigs::<T>::contains_key(key) {
				ensure!(KeyConfigs::<T>::count() < T::MaxKeys::get(), Error::<T>::TooManyKeys);
			}
			KeyConfigs::<T>::insert(key, config);
			let _ = Self::refresh(key, &config, &KeyStates::<T>::get(key), Feeders::<T>::count());
			Self::deposit_event(Event::KeyConfigured { key, config });
			Ok(())
		}

		pub(crate) fn do_add_feeder(feeder: T::AccountId) -> DispatchResult {
			ensure!(!Feeders::<T>::contains_key(&feeder), Error::<T>::AlreadyFeeder);
			ensure!(Feeders::<T>::count() < T::MaxFeeders::get(), Error::<T>::TooManyFeeders);
			// The lowest free slot; at most MaxFeeders (<= 255) entries to look at.
			let mut used = [false; 256];
			for (_, info) in Feeders::<T>::iter() {
				if let Some(slot) = used.get_mut(usize::from(info.index)) {
					*slot = true;
				}
			}
			let index = (0..=u8::MAX)
				.find(|i| !used.get(usize::from(*i)).copied().unwrap_or(true))
				.ok_or(Error::<T>::TooManyFeeders)?;
			Feeders::<T>::insert(&feeder, FeederInfo { index, last_fed: None });
			// One more feeder can raise every key's quorum.
			let _ = Self::refresh_all();
			Self::deposit_event(Event::FeederAdded { feeder, index });
			Ok(())
		}

		/// Removes the feeder and its submissions; returns how many keys were visited and what
		/// telling the listener cost.
		pub(crate) fn do_remove_feeder(
			feeder: T::AccountId,
		) -> Result<(u32, Weight), DispatchError> {
			let info = Feeders::<T>::take(&feeder).ok_or(Error::<T>::NotFeeder)?;
			let mut visited = 0u32;
			// Bounded by MaxKeys: every key has a config.
			for key in KeyConfigs::<T>::iter_keys() {
				visited = visited.saturating_add(1);
				KeyStates::<T>::mutate_exists(key, |state| {
					if let Some(s) = state {
						s.submissions.retain(|sub| sub.feeder != info.index);
					}
				});
			}
			// Its submissions are gone and every key's quorum may be lower.
			let told = Self::refresh_all();
			Self::deposit_event(Event::FeederRemoved { feeder });
			Ok((visited, told))
		}

		/// `key`'s status for the runtime API: what [`PriceProvider`] serves now, and why.
		pub fn price_status(key: &OracleKey) -> Option<PriceStatus> {
			let config = KeyConfigs::<T>::get(key)?;
			let state = KeyStates::<T>::get(key);
			let now = T::Time::now();
			let fresh: alloc::vec::Vec<&Submission> = state
				.submissions
				.iter()
				.filter(|s| aggregation::is_fresh(s.at, now, config.max_age))
				.collect();
			let newest_at = fresh.iter().map(|s| s.at).max();
			let price = Self::read(key, false);
			Some(PriceStatus {
				symbol: key.symbol().to_vec(),
				price: price.map(|(p, _)| p),
				vol: Self::read(key, true).map(|(v, _)| v),
				ema: price.and(state.aggregate.map(|a| a.ema)),
				newest_at,
				age_ms: newest_at.map(|at| now.saturating_sub(at)),
				fresh_feeders: fresh.len() as u32,
				quorum: u32::try_from(config.quorum(Feeders::<T>::count())).unwrap_or(u32::MAX),
				halted: state.breaker.tripped,
				last_accepted: state.aggregate.map(|a| (a.median, a.at)),
			})
		}

		/// [`Self::price_status`] by symbol (ASCII bytes).
		pub fn price_status_of(symbol: &[u8]) -> Option<PriceStatus> {
			Self::price_status(&OracleKey::from_symbol(core::str::from_utf8(symbol).ok()?)?)
		}

		/// Every configured key's status (at most `MaxKeys`).
		pub fn price_statuses() -> alloc::vec::Vec<PriceStatus> {
			KeyConfigs::<T>::iter_keys().filter_map(|k| Self::price_status(&k)).collect()
		}

		/// Recompute `key`'s reads ([`KeyQuotes`]) from its `config` and `state` with `feeders`
		/// feeders: after every change of either or of the feeders. The listener is told of
		/// the new price reads; returns what that cost.
		pub(crate) fn refresh(
			key: OracleKey,
			config: &KeyConfig,
			state: &KeyState<T::MaxFeeders>,
			feeders: u32,
		) -> Weight {
			use clearinghouse_primitives::oracle::QuotesListener;
			let quotes = state.quotes(config, T::Time::now(), config.quorum(feeders));
			let told = T::QuotesListener::quotes_changed(&key, Some(&quotes.price_schedule()));
			KeyQuotes::<T>::insert(key, quotes);
			told
		}

		/// [`Self::refresh`] every key (at most `MaxKeys`): the feeders changed.
		pub(crate) fn refresh_all() -> Weight {
			let feeders = Feeders::<T>::count();
			let mut told = Weight::zero();
			for (key, config) in KeyConfigs::<T>::iter() {
				let state = KeyStates::<T>::get(key);
				told = told.saturating_add(Self::refresh(key, &config, &state, feeders));
			}
			told
		}

		/// The fresh, quorate median of `key` (or its vol) and the newest submission time,
		/// from its [`KeyQuotes`].
		fn read(key: &OracleKey, vol: bool) -> Option<(FixedU128, Moment)> {
			let quotes = KeyQuotes::<T>::get(key)?;
			let now = T::Time::now();
			if vol {
				quotes.vol(now)
			} else {
				quotes.price(now)
			}
		}

		/// [`Self::read`] computed from the key's configuration and submissions at `now` (what
		/// [`KeyQuotes`] must agree with: see `do_try_state`).
		#[cfg(any(feature = "try-runtime", feature = "std"))]
		pub(crate) fn read_at(
			key: &OracleKey,
			vol: bool,
			now: Moment,
		) -> Option<(FixedU128, Moment)> {
			let config = KeyConfigs::<T>::get(key)?;
			let state = KeyStates::<T>::get(key);
			if state.breaker.tripped {
				return None;
			}
			if vol && !config.has_vol {
				return None;
			}
			state.fresh_median(&config, now, vol, config.quorum(Feeders::<T>::count()))
		}

		/// Checks the invariants of this pallet's storage.
		#[cfg(any(feature = "try-runtime", feature = "std"))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			use alloc::collections::btree_set::BTreeSet;
			let feeders = Feeders::<T>::iter().map(|(_, i)| i.index).collect::<BTreeSet<_>>();
			ensure!(
				Feeders::<T>::iter().count() as u32 == Feeders::<T>::count(),
				"feeder counter out of sync"
			);
			ensure!(Feeders::<T>::count() <= T::MaxFeeders::get(), "too many feeders");
			ensure!(feeders.len() as u32 == Feeders::<T>::count(), "two feeders share a slot");
			ensure!(KeyConfigs::<T>::count() <= T::MaxKeys::get(), "too many keys");
			let now = T::Time::now();
			for (key, state) in KeyStates::<T>::iter() {
				let config = KeyConfigs::<T>::get(key).ok_or("state for an unconfigured key")?;
				let mut seen = BTreeSet::new();
				for sub in state.submissions.iter() {
					ensure!(feeders.contains(&sub.feeder), "submission of a removed feeder");
					ensure!(seen.insert(sub.feeder), "two submissions of one feeder");
					ensure!(!sub.price.is_zero(), "zero price stored");
					ensure!(sub.price <= T::MaxPrice::get(), "price above MaxPrice stored");
					ensure!(sub.at <= now, "submission from the future");
					ensure!(sub.vol.is_none() || config.has_vol, "vol for a key without vols");
				}
			}
			// Every key's cached reads are what the read-time rule computes, now and at every
			// instant a submission expires.
			for (key, config) in KeyConfigs::<T>::iter() {
				let quotes = KeyQuotes::<T>::get(key).ok_or("a configured key without quotes")?;
				let state = KeyStates::<T>::get(key);
				ensure!(quotes.halted == state.breaker.tripped, "cached breaker differs");
				ensure!(quotes.ema == state.aggregate.map(|a| a.ema), "cached EMA differs");
				let mut instants = alloc::vec![now];
				for s in quotes.segments.iter() {
					instants.extend([s.until.saturating_sub(1), s.until]);
				}
				for s in state.submissions.iter() {
					instants.push(s.at.saturating_add(config.max_age).saturating_add(1));
				}
				for at in instants.into_iter().filter(|at| *at >= now) {
					for vol in [false, true] {
						let cached = if vol { quotes.vol(at) } else { quotes.price(at) };
						let computed =
							if state.breaker.tripped { None } else { Self::read_at(&key, vol, at) };
						ensure!(
							cached == computed,
							"a cached quote differs from the read-time rule"
						);
					}
				}
			}
			ensure!(
				KeyQuotes::<T>::iter_keys().all(KeyConfigs::<T>::contains_key),
				"quotes for an unconfigured key"
			);
			Ok(())
		}
	}

	impl<T: Config> PriceProvider<OracleKey> for Pallet<T> {
		fn price(key: &OracleKey) -> Option<(FixedU128, Moment)> {
			Self::read(key, false)
		}

		fn vol(key: &OracleKey) -> Option<(FixedU128, Moment)> {
			Self::read(key, true)
		}

		fn ema(key: &OracleKey) -> Option<FixedU128> {
			// Same gating as the price: no quorum or halted means no EMA either.
			let quotes = KeyQuotes::<T>::get(key)?;
			quotes.price(T::Time::now())?;
			quotes.ema
		}

		fn is_halted(key: &OracleKey) -> bool {
			KeyQuotes::<T>::get(key).is_some_and(|q| q.halted)
		}

		/// One read of the key's [`KeyQuotes`] for all three.
		fn quote(key: &OracleKey) -> Option<clearinghouse_primitives::oracle::Quote> {
			let quotes = KeyQuotes::<T>::get(key)?;
			let (price, at) = quotes.price(T::Time::now())?;
			Some(clearinghouse_primitives::oracle::Quote { price, at, ema: quotes.ema })
		}

		/// The price part of the key's [`KeyQuotes`].
		fn schedule(key: &OracleKey) -> Option<clearinghouse_primitives::oracle::PriceSchedule> {
			KeyQuotes::<T>::get(key).map(|q| q.price_schedule())
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl<T: Config> Pallet<T> {
		/// For other pallets' benchmarks: make `key` read `price` now, through a real feed
		/// by a dedicated feeder. A key that does not exist is created with a quorum of one
		/// and a breaker that a benchmark's prices cannot trip.
		pub fn set_price_for_benchmarks(key: OracleKey, price: FixedU128) {
			Self::feed_for_benchmarks(key, price, None)
		}

		/// As [`Self::set_price_for_benchmarks`], with an implied-vol feed of `vol` on the key
		/// (created with vols enabled).
		pub fn set_vol_for_benchmarks(key: OracleKey, price: FixedU128, vol: FixedU128) {
			Self::feed_for_benchmarks(key, price, Some(vol))
		}

		fn feed_for_benchmarks(key: OracleKey, price: FixedU128, vol: Option<FixedU128>) {
			use sp_arithmetic::Permill;
			let feeder: T::AccountId =
				polkadot_sdk::frame_benchmarking::account("oracle-benchmark-feeder", 0, 0);
			if !KeyConfigs::<T>::contains_key(key) {
				let config = KeyConfig {
					min_quorum: 1,
					max_age: 3_600_000,
					max_deviation: Permill::one(),
					breaker_window: 60_000,
					ema_half_life: 60_000,
					has_vol: vol.is_some(),
				};
				Self::do_set_key(key, config).expect("room for a benchmark key");
			}
			if !Feeders::<T>::contains_key(&feeder) {
				Self::do_add_feeder(feeder.clone()).expect("room for the benchmark feeder");
			}
			// One feed per block: forget the last one so several keys can be set in a block.
			Feeders::<T>::mutate(&feeder, |info| {
				if let Some(info) = info {
					info.last_fed = None;
				}
			});
			Self::do_feed(feeder, alloc::vec![FeedValue { key, price, vol }])
				.expect("a valid benchmark price");
		}
	}
}
