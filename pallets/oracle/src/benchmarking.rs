//! Benchmarks of the oracle pallet (`frame_benchmarking::v2`).

use super::*;
use crate::Pallet as Oracle;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{EnsureOrigin, Get, Time};
use frame_system::RawOrigin;
use polkadot_sdk::{
	frame_benchmarking,
	sp_arithmetic::{FixedU128, Permill},
};

fn key_n(i: u32) -> OracleKey {
	let b = i.to_le_bytes();
	OracleKey([b'K', b[0], b[1], b[2], b[3], b'X', b'X', b'X'])
}

fn config() -> KeyConfig {
	KeyConfig {
		min_quorum: 1,
		max_age: 3_600_000,
		max_deviation: Permill::from_percent(50),
		breaker_window: 300_000,
		ema_half_life: 60_000,
		has_vol: true,
	}
}

fn add_feeders<T: Config>(n: u32) -> Vec<T::AccountId> {
	(0..n)
		.map(|i| {
			let who: T::AccountId = account("feeder", i, 0);
			Oracle::<T>::do_add_feeder(who.clone()).expect("room for feeders");
			who
		})
		.collect()
}

fn add_keys<T: Config>(n: u32) -> Vec<OracleKey> {
	(0..n)
		.map(|i| {
			let k = key_n(i);
			Oracle::<T>::do_set_key(k, config()).expect("room for keys");
			k
		})
		.collect()
}

/// A price (and a 50% vol) for each of `keys`.
fn values_for(keys: &[OracleKey], price: u32) -> Vec<FeedValue> {
	keys.iter()
		.map(|k| FeedValue {
			key: *k,
			price: FixedU128::from_u32(price),
			vol: Some(FixedU128::from_rational(1, 2)),
		})
		.collect()
}

/// Every key gets a submission from every feeder but the last, in an earlier block, so the
/// benchmarked feed rewrites full states. Batches of `MaxFeedBatch`, one block each.
fn fill_states<T: Config>(feeders: &[T::AccountId], keys: &[OracleKey]) {
	// Late enough that every submission below can be a millisecond older than the next.
	let now = T::Time::now().max(1_000_000);
	T::BenchmarkHelper::set_now(now);
	for chunk in keys.chunks(T::MaxFeedBatch::get() as usize) {
		let values = values_for(chunk, 100);
		for f in feeders.iter().take(feeders.len().saturating_sub(1)) {
			Oracle::<T>::do_feed(f.clone(), values.clone()).expect("valid feed");
		}
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number() + 1u32.into(),
		);
	}
	frame_system::Pallet::<T>::set_block_number(
		frame_system::Pallet::<T>::block_number() + 1u32.into(),
	);
	// Each submission a millisecond older than the next: each expires at its own instant, so
	// a key's quotes have the most segments to compute (one per submission).
	for key in keys {
		KeyStates::<T>::mutate(key, |state| {
			for (i, s) in state.submissions.iter_mut().enumerate() {
				s.at = s.at.saturating_sub(i as Moment);
			}
		});
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A feed of `n` keys by the last of `MaxFeeders` feeders, each key already holding a
	/// submission from every other feeder (the largest states to read and write).
	#[benchmark]
	fn feed(n: Linear<1, { T::MaxFeedBatch::get() }>) {
		let feeders = add_feeders::<T>(T::MaxFeeders::get());
		let keys = add_keys::<T>(n.min(T::MaxKeys::get()));
		fill_states::<T>(&feeders, &keys);
		let values = values_for(&keys, 101);
		let feeder = feeders.last().cloned().expect("at least one feeder");

		#[extrinsic_call]
		_(RawOrigin::Signed(feeder.clone()), frame_support::BoundedVec::truncate_from(values));

		assert_eq!(
			Feeders::<T>::get(&feeder).and_then(|i| i.last_fed),
			Some(frame_system::Pallet::<T>::block_number())
		);
	}

	#[benchmark]
	fn set_key() -> Result<(), BenchmarkError> {
		add_keys::<T>(T::MaxKeys::get().saturating_sub(1));
		let origin =
			T::ConfigOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let key = OracleKey::from_symbol("NEWKEY").expect("valid symbol");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, key, config());

		assert!(KeyConfigs::<T>::contains_key(key));
		Ok(())
	}

	#[benchmark]
	fn remove_key() -> Result<(), BenchmarkError> {
		let feeders = add_feeders::<T>(T::MaxFeeders::get());
		let keys = add_keys::<T>(1);
		fill_states::<T>(&feeders, &keys);
		let origin =
			T::ConfigOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, keys[0]);

		assert!(!KeyConfigs::<T>::contains_key(keys[0]));
		Ok(())
	}

	#[benchmark]
	fn reset_breaker() -> Result<(), BenchmarkError> {
		let feeders = add_feeders::<T>(T::MaxFeeders::get());
		let keys = add_keys::<T>(1);
		fill_states::<T>(&feeders, &keys);
		KeyStates::<T>::mutate(keys[0], |s| s.breaker.tripped = true);
		let origin =
			T::ConfigOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, keys[0]);

		assert!(!KeyStates::<T>::get(keys[0]).breaker.tripped);
		Ok(())
	}

	/// The last feeder joins while every key holds a submission from every other feeder: each
	/// key's quotes are computed anew (its quorum may have risen).
	#[benchmark]
	fn add_feeder() -> Result<(), BenchmarkError> {
		let feeders = add_feeders::<T>(T::MaxFeeders::get().saturating_sub(1));
		let keys = add_keys::<T>(T::MaxKeys::get());
		fill_states::<T>(&feeders, &keys);
		let origin = T::FeederAdminOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)?;
		let who: T::AccountId = account("new", 0, 0);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert!(Feeders::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn remove_feeder(k: Linear<1, { T::MaxKeys::get() }>) -> Result<(), BenchmarkError> {
		let feeders = add_feeders::<T>(T::MaxFeeders::get());
		let keys = add_keys::<T>(k);
		fill_states::<T>(&feeders, &keys);
		let origin = T::FeederAdminOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)?;
		let who = feeders[0].clone();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert!(!Feeders::<T>::contains_key(&who));
		Ok(())
	}

	/// A consumer's `price()` read of a key with 16 fresh submissions.
	#[benchmark]
	fn read_price() {
		let feeders = add_feeders::<T>(17);
		let keys = add_keys::<T>(1);
		fill_states::<T>(&feeders, &keys);
		let price;

		#[block]
		{
			price = <Oracle<T> as PriceProvider<OracleKey>>::price(&keys[0]);
		}

		assert!(price.is_some());
	}

	impl_benchmark_test_suite!(Oracle, crate::mock::new_test_ext(), crate::mock::Test);
}
