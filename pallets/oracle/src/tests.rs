use crate::{mock::*, Error, Event, FeedValue, KeyConfigs, KeyStates, OracleKey, PriceProvider};
use polkadot_sdk::{
	frame_support::{assert_noop, assert_ok, dispatch::Pays},
	frame_system, pallet_timestamp,
	sp_arithmetic::{FixedU128, Permill},
	sp_runtime::DispatchError,
};
use proptest::prelude::*;

const BTC: OracleKey = match OracleKey::from_symbol("BTC") {
	Some(k) => k,
	None => panic!(),
};
const ETH: OracleKey = match OracleKey::from_symbol("ETH") {
	Some(k) => k,
	None => panic!(),
};

fn px(n: u32) -> FixedU128 {
	FixedU128::from_u32(n)
}

fn value(key: OracleKey, price: u32) -> FeedValue {
	FeedValue { key, price: px(price), vol: None }
}

/// Root adds feeders 1..=n and configures BTC (and ETH) with `config()`.
fn setup(n: u64) {
	for f in 1..=n {
		assert_ok!(Oracle::add_feeder(RuntimeOrigin::root(), f));
	}
	assert_ok!(Oracle::set_key(RuntimeOrigin::root(), BTC, config()));
	assert_ok!(Oracle::set_key(RuntimeOrigin::root(), ETH, config()));
}

fn feed(
	feeder: u64,
	values: Vec<FeedValue>,
) -> polkadot_sdk::frame_support::dispatch::DispatchResultWithPostInfo {
	Oracle::feed(RuntimeOrigin::signed(feeder), values.try_into().expect("within MaxFeedBatch"))
}

fn next_block(advance_ms: u64) {
	let n = System::block_number() + 1;
	System::set_block_number(n);
	let now = pallet_timestamp::Now::<Test>::get();
	pallet_timestamp::Now::<Test>::put(now + advance_ms);
}

fn now() -> u64 {
	pallet_timestamp::Now::<Test>::get()
}

/// Each of `prices` fed by its own feeder (1, 2, ...) in the current block.
fn feed_all(key: OracleKey, prices: &[u32]) {
	for (i, p) in prices.iter().enumerate() {
		assert_ok!(feed(i as u64 + 1, vec![value(key, *p)]));
	}
}

fn try_state() {
	Oracle::do_try_state().unwrap();
}

#[test]
fn median_of_odd_and_even_counts() {
	build_and_execute(|| {
		setup(4);
		feed_all(BTC, &[100, 300, 200]);
		assert_eq!(Oracle::price(&BTC), Some((px(200), now())));
		next_block(1_000);
		// Close prices, so the quorate median's moves stay inside the breaker bound.
		feed_all(ETH, &[100, 103, 101, 102]);
		assert_eq!(Oracle::price(&ETH), Some((FixedU128::from_rational(203, 2), now())));
		try_state();
	});
}

#[test]
fn a_successful_feed_is_free_and_emits_an_event() {
	build_and_execute(|| {
		setup(1);
		let post = feed(1, vec![value(BTC, 100), value(ETH, 5)]).unwrap();
		assert_eq!(post.pays_fee, Pays::No);
		System::assert_last_event(Event::Fed { feeder: 1, count: 2 }.into());
	});
}

#[test]
fn price_is_stale_at_read_time_without_new_feeds() {
	build_and_execute(|| {
		setup(3);
		feed_all(BTC, &[100, 101, 102]);
		assert_eq!(Oracle::price(&BTC).map(|p| p.0), Some(px(101)));
		// Nothing is written after this: only the clock moves.
		next_block(60_000);
		assert_eq!(Oracle::price(&BTC).map(|p| p.0), Some(px(101)), "exactly max_age is fresh");
		next_block(1);
		assert_eq!(Oracle::price(&BTC), None, "older than max_age must not be served");
		assert_eq!(Oracle::ema(&BTC), None);
	});
}

#[test]
fn losing_quorum_removes_the_price_instead_of_keeping_the_last_one() {
	build_and_execute(|| {
		setup(3);
		feed_all(BTC, &[100, 100, 100]);
		next_block(40_000);
		// Only two feeders keep feeding; the third's value ages out.
		assert_ok!(feed(1, vec![value(BTC, 100)]));
		assert_ok!(feed(2, vec![value(BTC, 100)]));
		assert!(Oracle::price(&BTC).is_some());
		next_block(30_000);
		assert_ok!(feed(1, vec![value(BTC, 100)]));
		assert_ok!(feed(2, vec![value(BTC, 100)]));
		assert_eq!(Oracle::price(&BTC), None);
		try_state();
	});
}

#[test]
fn a_feeder_counts_once_however_often_it_feeds() {
	build_and_execute(|| {
		setup(3);
		assert_ok!(feed(1, vec![value(BTC, 100)]));
		next_block(1_000);
		assert_ok!(feed(1, vec![value(BTC, 100)]));
		next_block(1_000);
		assert_ok!(feed(1, vec![value(BTC, 100)]));
		assert_eq!(Oracle::price(&BTC), None, "one feeder is not a quorum of three");
		assert_eq!(KeyStates::<Test>::get(BTC).submissions.len(), 1);
	});
}

#[test]
fn breaker_trips_on_a_jump_and_resets_after_a_quiet_window() {
	build_and_execute(|| {
		setup(3);
		feed_all(BTC, &[100, 100, 100]);
		next_block(6_000);
		feed_all(BTC, &[120, 120, 120]);
		System::assert_has_event(
			Event::BreakerTripped { key: BTC, reference: px(100), median: px(120) }.into(),
		);
		assert!(Oracle::is_halted(&BTC));
		assert_eq!(Oracle::price(&BTC), None, "a halted key has no price");
		assert_eq!(Oracle::ema(&BTC), None);

		// Prices hold the new level for a full window: the breaker resets by itself.
		for _ in 0..10 {
			next_block(30_000);
			feed_all(BTC, &[121, 121, 121]);
		}
		System::assert_has_event(Event::BreakerReset { key: BTC, by_governance: false }.into());
		assert!(!Oracle::is_halted(&BTC));
		assert_eq!(Oracle::price(&BTC).map(|p| p.0), Some(px(121)));
		try_state();
	});
}

#[test]
fn breaker_stays_tripped_while_prices_keep_jumping() {
	build_and_execute(|| {
		setup(3);
		feed_all(BTC, &[100, 100, 100]);
		next_block(6_000);
		feed_all(BTC, &[150, 150, 150]);
		assert!(Oracle::is_halted(&BTC));
		for i in 0..20u32 {
			next_block(30_000);
			// Alternating 150 / 200: each move is beyond 10%, so the window keeps restarting.
			let p = if i % 2 == 0 { 200 } else { 150 };
			feed_all(BTC, &[p, p, p]);
		}
		assert!(Oracle::is_halted(&BTC));
	});
}

#[test]
fn governance_resets_a_breaker_and_plain_accounts_cannot() {
	build_and_execute(|| {
		setup(3);
		feed_all(BTC, &[100, 100, 100]);
		next_block(6_000);
		feed_all(BTC, &[200, 200, 200]);
		assert!(Oracle::is_halted(&BTC));
		assert_noop!(
			Oracle::reset_breaker(RuntimeOrigin::signed(1), BTC),
			DispatchError::BadOrigin
		);
		assert_ok!(Oracle::reset_breaker(RuntimeOrigin::root(), BTC));
		System::assert_last_event(Event::BreakerReset { key: BTC, by_governance: true }.into());
		assert_eq!(Oracle::price(&BTC).map(|p| p.0), Some(px(200)));
		assert_noop!(
			Oracle::reset_breaker(RuntimeOrigin::root(), BTC),
			Error::<Test>::BreakerNotTripped
		);
	});
}

#[test]
fn slow_drift_within_each_window_does_not_trip() {
	build_and_execute(|| {
		setup(3);
		let mut p = 1_000;
		feed_all(BTC, &[p, p, p]);
		// +5% per window, fed every 30 s: never beyond 10% of the window's reference.
		for _ in 0..5 {
			for _ in 0..10 {
				next_block(30_000);
				feed_all(BTC, &[p, p, p]);
			}
			p = p * 105 / 100;
			next_block(30_000);
			feed_all(BTC, &[p, p, p]);
		}
		assert!(!Oracle::is_halted(&BTC));
		assert_eq!(Oracle::price(&BTC).map(|x| x.0), Some(px(p)));
	});
}

#[test]
fn ema_follows_the_median_with_the_half_life() {
	build_and_execute(|| {
		setup(3);
		feed_all(BTC, &[100, 100, 100]);
		assert_eq!(Oracle::ema(&BTC), Some(px(100)));
		next_block(60_000); // one half-life
		feed_all(BTC, &[108, 108, 108]);
		// Within the block the medians are 100, 108, 108; each recomputes the EMA from the
		// previous instant's EMA (100, one half-life ago): 100/2 + 108/2 = 104.
		let ema = Oracle::ema(&BTC).unwrap();
		assert_eq!(ema, px(104));
	});
}

#[test]
fn implied_vols_are_aggregated_like_prices() {
	build_and_execute(|| {
		setup(3);
		let vol_key = OracleKey::from_symbol("BTCVOL").unwrap();
		assert_ok!(Oracle::set_key(
			RuntimeOrigin::root(),
			vol_key,
			crate::KeyConfig { has_vol: true, ..config() }
		));
		for (f, v) in [(1u64, 50u32), (2, 60), (3, 70)] {
			assert_ok!(feed(
				f,
				vec![FeedValue {
					key: vol_key,
					price: px(100),
					vol: Some(FixedU128::from_rational(v.into(), 100))
				}]
			));
		}
		assert_eq!(Oracle::vol(&vol_key).map(|v| v.0), Some(FixedU128::from_rational(60, 100)));
		assert_eq!(Oracle::vol(&BTC), None, "BTC carries no vol feed");
	});
}

#[test]
fn bad_input_is_refused_with_distinct_errors_and_nothing_is_stored() {
	build_and_execute(|| {
		setup(2);
		let before = (KeyStates::<Test>::get(BTC), crate::Feeders::<Test>::get(1));
		let unknown = OracleKey::from_symbol("NOPE").unwrap();
		let cases: Vec<(Vec<FeedValue>, Error<Test>)> = vec![
			(vec![value(BTC, 0)], Error::<Test>::ZeroPrice),
			(
				vec![FeedValue { key: BTC, price: FixedU128::from_u32(2_000_000_000), vol: None }],
				Error::<Test>::PriceOverflow,
			),
			(vec![value(unknown, 1)], Error::<Test>::UnknownKey),
			(vec![value(BTC, 1), value(ETH, 1), value(BTC, 2)], Error::<Test>::DuplicateKey),
			(vec![], Error::<Test>::EmptyBatch),
			(
				vec![FeedValue { key: BTC, price: px(1), vol: Some(px(1)) }],
				Error::<Test>::VolNotEnabled,
			),
			// A valid value before an invalid one: the valid one must not be stored either.
			(vec![value(ETH, 7), value(BTC, 0)], Error::<Test>::ZeroPrice),
		];
		for (values, error) in cases {
			assert_noop!(feed(1, values), error);
		}
		// A batch over MaxFeedBatch (32) does not even decode as the call's argument.
		{
			use codec::{Decode, Encode};
			let too_many: Vec<FeedValue> = (0..33).map(|_| value(BTC, 1)).collect();
			type Batch = polkadot_sdk::frame_support::BoundedVec<
				FeedValue,
				<Test as crate::Config>::MaxFeedBatch,
			>;
			assert!(Batch::decode(&mut &too_many.encode()[..]).is_err());
		}
		assert_eq!((KeyStates::<Test>::get(BTC), crate::Feeders::<Test>::get(1)), before);
		assert!(KeyStates::<Test>::get(ETH).submissions.is_empty());

		// A non-feeder gets an error (and so pays the fee).
		assert_noop!(feed(99, vec![value(BTC, 1)]), Error::<Test>::NotFeeder);

		// A second feed in the same block.
		assert_ok!(feed(1, vec![value(BTC, 1)]));
		assert_noop!(feed(1, vec![value(BTC, 2)]), Error::<Test>::AlreadyFedThisBlock);
		next_block(1_000);
		assert_ok!(feed(1, vec![value(BTC, 2)]));
		try_state();
	});
}

#[test]
fn governance_sets_parameters_and_plain_accounts_cannot() {
	build_and_execute(|| {
		assert_noop!(
			Oracle::set_key(RuntimeOrigin::signed(1), BTC, config()),
			DispatchError::BadOrigin
		);
		assert_noop!(Oracle::add_feeder(RuntimeOrigin::signed(1), 1), DispatchError::BadOrigin);
		assert_noop!(Oracle::remove_key(RuntimeOrigin::signed(1), BTC), DispatchError::BadOrigin);

		assert_ok!(Oracle::set_key(RuntimeOrigin::root(), BTC, config()));
		System::assert_last_event(Event::KeyConfigured { key: BTC, config: config() }.into());
		let stricter =
			crate::KeyConfig { min_quorum: 5, max_deviation: Permill::from_percent(2), ..config() };
		assert_ok!(Oracle::set_key(RuntimeOrigin::root(), BTC, stricter));
		assert_eq!(KeyConfigs::<Test>::get(BTC), Some(stricter));

		for (bad, error) in [
			(crate::KeyConfig { min_quorum: 0, ..config() }, Error::<Test>::InvalidQuorum),
			(crate::KeyConfig { min_quorum: 33, ..config() }, Error::<Test>::InvalidQuorum),
			(crate::KeyConfig { max_age: 0, ..config() }, Error::<Test>::ZeroDuration),
			(crate::KeyConfig { breaker_window: 0, ..config() }, Error::<Test>::ZeroDuration),
			(crate::KeyConfig { ema_half_life: 0, ..config() }, Error::<Test>::ZeroDuration),
			(
				crate::KeyConfig { max_deviation: Permill::zero(), ..config() },
				Error::<Test>::ZeroDeviation,
			),
		] {
			assert_noop!(Oracle::set_key(RuntimeOrigin::root(), ETH, bad), error);
		}
		assert_ok!(Oracle::remove_key(RuntimeOrigin::root(), BTC));
		assert_eq!(KeyConfigs::<Test>::get(BTC), None);
		assert_noop!(Oracle::remove_key(RuntimeOrigin::root(), BTC), Error::<Test>::UnknownKey);
	});
}

#[test]
fn key_and_feeder_sets_are_bounded() {
	build_and_execute(|| {
		for i in 0..8u8 {
			let k = OracleKey([b'K', b'0' + i, 0, 0, 0, 0, 0, 0]);
			assert_ok!(Oracle::set_key(RuntimeOrigin::root(), k, config()));
		}
		assert_noop!(
			Oracle::set_key(RuntimeOrigin::root(), BTC, config()),
			Error::<Test>::TooManyKeys
		);
		for f in 0..32u64 {
			assert_ok!(Oracle::add_feeder(RuntimeOrigin::root(), f));
		}
		assert_noop!(Oracle::add_feeder(RuntimeOrigin::root(), 99), Error::<Test>::TooManyFeeders);
		assert_noop!(Oracle::add_feeder(RuntimeOrigin::root(), 5), Error::<Test>::AlreadyFeeder);
		try_state();
	});
}

#[test]
fn removing_a_feeder_removes_its_submissions_and_frees_its_slot() {
	build_and_execute(|| {
		setup(3);
		feed_all(BTC, &[100, 110, 120]);
		assert_eq!(Oracle::price(&BTC).map(|p| p.0), Some(px(110)));
		assert_ok!(Oracle::remove_feeder(RuntimeOrigin::root(), 2));
		System::assert_last_event(Event::FeederRemoved { feeder: 2 }.into());
		assert_eq!(Oracle::price(&BTC), None, "two feeders left: below quorum");
		assert_noop!(Oracle::remove_feeder(RuntimeOrigin::root(), 2), Error::<Test>::NotFeeder);
		assert_noop!(feed(2, vec![value(BTC, 1)]), Error::<Test>::NotFeeder);
		// The freed slot is reused, and the new feeder starts with no submissions.
		assert_ok!(Oracle::add_feeder(RuntimeOrigin::root(), 7));
		System::assert_last_event(Event::FeederAdded { feeder: 7, index: 1 }.into());
		assert_eq!(KeyStates::<Test>::get(BTC).submissions.len(), 2);
		try_state();
	});
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(64))]
	/// Whatever the feeders send and however the clock moves, a served price is the median of
	/// values no older than `max_age`: between the smallest and largest fresh input.
	#[test]
	fn served_price_is_within_fresh_inputs(
		rounds in proptest::collection::vec(
			(0u64..40_000, proptest::collection::vec((1u64..=6, 1u32..1_000_000), 0..6)),
			1..12,
		)
	) {
		build_and_execute(|| {
			for f in 1..=6 {
				assert_ok!(Oracle::add_feeder(RuntimeOrigin::root(), f));
			}
			// A wide breaker (100%) so that many random prices are served rather than halted.
			let cfg = crate::KeyConfig { max_deviation: Permill::one(), ..config() };
			assert_ok!(Oracle::set_key(RuntimeOrigin::root(), BTC, cfg));
			let mut log: Vec<(u64, u64, u32)> = vec![]; // (time, feeder, price)
			for (advance, feeds) in rounds {
				next_block(advance);
				let mut fed = std::collections::BTreeSet::new();
				for (feeder, price) in feeds {
					if !fed.insert(feeder) { continue; }
					assert_ok!(feed(feeder, vec![value(BTC, price)]));
					log.push((now(), feeder, price));
				}
				// The reference model: each feeder's latest value, if fresh.
				let mut latest = std::collections::BTreeMap::new();
				for (t, f, p) in &log { latest.insert(*f, (*t, *p)); }
				let fresh: Vec<u32> = latest.values()
					.filter(|(t, _)| now() - t <= cfg.max_age)
					.map(|(_, p)| *p).collect();
				match Oracle::price(&BTC) {
					Some((p, at)) => {
						prop_assert!(fresh.len() >= cfg.quorum(6));
						let min = px(*fresh.iter().min().unwrap());
						let max = px(*fresh.iter().max().unwrap());
						prop_assert!(min <= p && p <= max, "{p:?} outside [{min:?}, {max:?}]");
						prop_assert!(now() - at <= cfg.max_age);
					},
					None => prop_assert!(
						fresh.len() < cfg.quorum(6) || Oracle::is_halted(&BTC)
					),
				}
				Oracle::do_try_state().unwrap();
			}
			Ok(())
		})?;
	}
}

#[test]
fn unknown_keys_have_no_price() {
	build_and_execute(|| {
		let _ = frame_system::Pallet::<Test>::block_number();
		assert_eq!(Oracle::price(&BTC), None);
		assert!(!Oracle::is_halted(&BTC));
	});
}

/// Audit 13: the quorum was absolute (3 of any number of feeders): with seven authorised
/// feeders, four going stale let the other three set the price alone. Now a strict majority
/// of the authorised feeders is needed too, `min_quorum` being the floor.
#[test]
fn a_stale_majority_leaves_no_price_for_a_minority_to_set() {
	build_and_execute(|| {
		setup(7);
		assert_eq!(config().quorum(7), 4);
		assert_eq!(config().quorum(3), 3, "min_quorum is the floor");
		feed_all(BTC, &[100, 100, 100, 100, 101, 101, 101]);
		assert_eq!(Oracle::price(&BTC).map(|p| p.0), Some(px(100)));
		// The four honest feeders go quiet; the other three push a new price.
		next_block(61_000);
		for f in 5..=7 {
			assert_ok!(feed(f, vec![value(BTC, 105)]));
		}
		assert_eq!(Oracle::price(&BTC), None, "three of seven is not a majority");
		// A fourth fresh feeder restores the quorum.
		assert_ok!(feed(1, vec![value(BTC, 105)]));
		assert_eq!(Oracle::price(&BTC).map(|p| p.0), Some(px(105)));
	});
}

/// Audit 16: no runtime API said which price a consumer may use now; `KeyStates` shows the
/// last accepted median even when stale. `price_status` answers by symbol, as the chain reads.
#[test]
fn the_price_status_says_what_may_be_used_now_and_why() {
	build_and_execute(|| {
		setup(3);
		assert_eq!(Oracle::price_status_of(b"DOGE"), None, "unknown key");
		feed_all(BTC, &[100, 101, 102]);
		next_block(10_000);
		let status = Oracle::price_status_of(b"BTC").unwrap();
		assert_eq!(status.symbol, b"BTC".to_vec());
		assert_eq!(status.price, Some(px(101)));
		assert_eq!((status.fresh_feeders, status.quorum, status.halted), (3, 3, false));
		assert_eq!((status.newest_at, status.age_ms), (Some(T0), Some(10_000)));
		assert!(status.ema.is_some());
		// Stale: no price, no EMA, but the last accepted median is still shown (for display).
		next_block(60_000);
		let status = Oracle::price_status_of(b"BTC").unwrap();
		assert_eq!((status.price, status.ema, status.fresh_feeders), (None, None, 0));
		assert_eq!(status.last_accepted, Some((px(101), T0)));
		assert_eq!(status.price, Oracle::price(&BTC).map(|p| p.0), "the same rule as the chain");
		assert_eq!(Oracle::price_statuses().len(), 2);
	});
}

/// Clean-up from the hardening review: a mark price read the oracle twice (price, then EMA);
/// `quote` reads the key once and must say exactly what the two reads say.
#[test]
fn a_quote_is_the_price_and_the_ema_in_one_read() {
	build_and_execute(|| {
		setup(3);
		let same = |key: &OracleKey| {
			let split = Oracle::price(key).map(|(price, at)| {
				clearinghouse_primitives::oracle::Quote { price, at, ema: Oracle::ema(key) }
			});
			assert_eq!(Oracle::quote(key), split);
		};
		same(&BTC);
		feed_all(BTC, &[100, 101, 102]);
		next_block(10_000);
		same(&BTC);
		assert!(Oracle::quote(&BTC).is_some_and(|q| q.ema.is_some()));
		next_block(60_000);
		same(&BTC);
		assert_eq!(Oracle::quote(&BTC), None, "stale");
		assert_eq!(Oracle::quote(&OracleKey::from_symbol("DOGE").unwrap()), None, "unknown");
	});
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(64))]
	/// Reads come from [`crate::KeyQuotes`], computed when the key last changed; whatever the
	/// feeds (prices and vols), the clock, the breaker and the feeder set do, every read at
	/// every later instant is what the read-time rule computes from the submissions then.
	#[test]
	fn cached_reads_are_the_read_time_rule_at_every_instant(
		rounds in proptest::collection::vec(
			(
				0u64..40_000,
				proptest::collection::vec((1u64..=6, 900u32..1_100, proptest::option::of(1u32..90)), 0..6),
				0u8..12,
			),
			1..12,
		),
		probes in proptest::collection::vec(0u64..130_000, 1..8),
	) {
		build_and_execute(|| {
			for f in 1..=5 {
				assert_ok!(Oracle::add_feeder(RuntimeOrigin::root(), f));
			}
			let cfg = crate::KeyConfig { has_vol: true, min_quorum: 2, ..config() };
			assert_ok!(Oracle::set_key(RuntimeOrigin::root(), BTC, cfg));
			for (advance, feeds, governance) in rounds {
				next_block(advance);
				let mut fed = std::collections::BTreeSet::new();
				for (feeder, price, vol) in feeds {
					if !fed.insert(feeder) || crate::Feeders::<Test>::get(feeder).is_none() {
						continue;
					}
					let v = FeedValue { key: BTC, price: px(price), vol: vol.map(px) };
					assert_ok!(feed(feeder, vec![v]));
				}
				// Now and then governance changes what the reads depend on.
				match governance {
					0 => { let _ = Oracle::add_feeder(RuntimeOrigin::root(), 6); },
					1 => { let _ = Oracle::remove_feeder(RuntimeOrigin::root(), 6); },
					2 => { let _ = Oracle::reset_breaker(RuntimeOrigin::root(), BTC); },
					3 => {
						let cfg = crate::KeyConfig { max_age: 30_000, ..cfg };
						assert_ok!(Oracle::set_key(RuntimeOrigin::root(), BTC, cfg));
					},
					_ => {},
				}
				let start = now();
				for probe in &probes {
					pallet_timestamp::Now::<Test>::put(start + probe);
					for vol in [false, true] {
						let served = if vol { Oracle::vol(&BTC) } else { Oracle::price(&BTC) };
						prop_assert_eq!(served, Oracle::read_at(&BTC, vol, now()));
					}
					let quote = Oracle::quote(&BTC);
					prop_assert_eq!(quote.map(|q| (q.price, q.at)), Oracle::read_at(&BTC, false, now()));
					prop_assert_eq!(quote.and_then(|q| q.ema), Oracle::ema(&BTC));
				}
				pallet_timestamp::Now::<Test>::put(start);
				try_state();
			}
			Ok(())
		})?;
	}
}

/// A chain from before [`crate::KeyQuotes`] gets every key's quotes in the upgrade, once.
#[test]
fn the_v1_migration_computes_every_keys_quotes() {
	use polkadot_sdk::frame_support::traits::{
		GetStorageVersion, OnRuntimeUpgrade, StorageVersion,
	};
	build_and_execute(|| {
		setup(3);
		feed_all(BTC, &[100, 101, 102]);
		let served = Oracle::price(&BTC);
		assert!(served.is_some());
		// As it was: version 0, no quotes.
		let _ = crate::KeyQuotes::<Test>::clear(u32::MAX, None);
		StorageVersion::new(0).put::<Oracle>();
		assert_eq!(Oracle::price(&BTC), None);
		crate::migrations::v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Oracle::on_chain_storage_version(), StorageVersion::new(1));
		assert_eq!(Oracle::price(&BTC), served);
		assert!(crate::KeyQuotes::<Test>::contains_key(ETH));
		// Run again, it changes nothing.
		let _ = crate::KeyQuotes::<Test>::clear(u32::MAX, None);
		crate::migrations::v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Oracle::price(&BTC), None);
		setup_quotes_again();
		try_state();
	});
}

/// Puts the quotes back (the second run of the migration above left them out on purpose).
fn setup_quotes_again() {
	let feeders = crate::Feeders::<Test>::count();
	for (key, config) in crate::KeyConfigs::<Test>::iter() {
		Oracle::refresh(key, &config, &KeyStates::<Test>::get(key), feeders);
	}
}

/// Every change of a key's price reads is told to the listener in the same call, with the
/// reads a consumer's copy must hold ([`PriceProvider::schedule`]): a feed, a breaker reset, a
/// configuration, a feeder joining or leaving (every key), a key removed (`None`); a feed's
/// actual weight is its benchmark's and what the listener reported, not the declared worst case.
#[test]
fn every_change_of_a_keys_reads_is_told_to_the_listener() {
	use clearinghouse_primitives::oracle::QuotesListener;
	let told = || TOLD.with(|t| t.borrow_mut().drain(..).collect::<Vec<_>>());
	build_and_execute(|| {
		setup(3);
		// Three feeders joined (each re-reads every key configured by then) and two keys set.
		assert_eq!(told().iter().filter(|(k, _)| *k == BTC).count(), 1);
		let post = feed(1, vec![value(BTC, 100), value(ETH, 5)]).unwrap();
		let t = told();
		assert_eq!(t.iter().map(|(k, _)| *k).collect::<Vec<_>>(), vec![BTC, ETH]);
		assert_eq!(t[0].1, Oracle::schedule(&BTC));
		assert_eq!(
			post.actual_weight,
			Some(<() as crate::WeightInfo>::feed(2) + RecordingListener::max_weight(2))
		);
		next_block(1_000);
		feed_all(BTC, &[100, 101, 102]);
		// With quorum, the copy returns what the oracle serves, and at every later instant too.
		let schedule = told().pop().unwrap().1.unwrap();
		assert_eq!(Some(schedule.clone()), Oracle::schedule(&BTC));
		for later in [0, 30_000, 59_999, 60_000, 120_000] {
			let quote = schedule.quote(now() + later);
			pallet_timestamp::Now::<Test>::put(now() + later);
			assert_eq!(quote, Oracle::quote(&BTC));
			pallet_timestamp::Now::<Test>::put(now() - later);
		}
		assert!(schedule.quote(now()).is_some());
		assert_ok!(Oracle::add_feeder(RuntimeOrigin::root(), 9));
		assert_eq!(told().iter().map(|(k, _)| *k).collect::<Vec<_>>().len(), 2);
		assert_ok!(Oracle::remove_key(RuntimeOrigin::root(), BTC));
		assert_eq!(told(), vec![(BTC, None)]);
		// A refused feed tells nothing.
		assert!(feed(2, vec![value(BTC, 100)]).is_err());
		assert!(told().is_empty());
	});
}
