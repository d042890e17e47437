//! Block filling (issue 18): how many resting order placements one block takes, by the weight
//! the runtime charges and by the storage proof the block records, for market makers quoting
//! ladders across markets. Run by `scripts/throughput` (release; prints the table); the tests
//! here run a smaller fill in every `scripts/test` and assert what must hold whatever the
//! numbers: a block never goes past its limits, every placement rests, the pallets' invariants
//! hold afterwards.
//!
//! The set-up, on the development preset's genesis: 16 perpetuals (2 in the tests), each on its own
//! oracle key priced at 100; 36 market makers (the twelve well-known accounts, three
//! sub-accounts each), each with 20,000 USD and a one-unit position in every market (traded
//! among them first), so each margin check values 16 positions. A block is filled the
//! way a block builder does: the next transaction is included while its declared weight (plus
//! the base weight of an extrinsic) fits what is left of the normal class; what it is charged
//! afterwards (its refunded weight) is what it uses. The storage proof is recorded over the
//! whole block, the state root included (a parachain block's proof of validity), and each
//! transaction's proof weight is what it recorded (as `StorageWeightReclaim` books it). The
//! development genesis is a small trie: on a large state every distinct key read adds a longer
//! path to the proof than here.

mod common;

use clearinghouse_primitives::OracleKey;
use clearinghouse_runtime::{
	genesis_config_presets::DEV_USD_UNIT, Oracle, Orderbook, Runtime, RuntimeCall, RuntimeOrigin,
};
use frame_support::{
	assert_ok,
	dispatch::{DispatchClass, GetDispatchInfo},
	weights::Weight,
	BoundedVec,
};
use pallet_clearinghouse_orderbook::{
	MarketConfig, MarketKind, MarketParams, MarketStatus, OrderRequest, OrderType,
	SelfTradePrevention, Side, TimeInForce,
};
use pallet_clearinghouse_origins::Origin as TrackOrigin;
use polkadot_sdk::{
	frame_support, frame_system, pallet_timestamp,
	sp_core::Blake2Hasher,
	sp_io,
	sp_keyring::Sr25519Keyring,
	sp_runtime::{traits::Dispatchable, FixedU128, Permill, StateVersion},
	sp_trie::recorder::Recorder,
};

/// Sub-accounts per well-known account that quote.
const SUBS: u8 = 3;
/// The price every market starts at; bids rest below it, asks above.
const MID: u32 = 100;
/// Prices are thousandths.
const TICK: u128 = 1_000;

/// What a fill reports.
#[derive(Debug, Default, Clone, Copy)]
pub struct Fill {
	/// Transactions included.
	pub transactions: u32,
	/// Orders placed (every one rests).
	pub placements: u32,
	/// The refunded weight of the included transactions, base weight included, with the proof
	/// they recorded (as `StorageWeightReclaim` books it).
	pub used: Weight,
	/// What they declared.
	pub declared: Weight,
	/// The block's storage proof, state root included (bytes).
	pub proof: u64,
	/// Whether the block was full by weight (the next transaction did not fit).
	pub full: bool,
}

/// How the market makers place their quotes.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
	/// One `place_order` per quote.
	Single,
	/// `bulk` calls of `MaxBulk` quotes, each at a price of its own (32 bids, 32 asks).
	BulkFreshLevels,
	/// `bulk` calls of `MaxBulk` quotes on four bid and four ask prices (eight at each): most
	/// quotes join a level the call already holds.
	BulkSharedLevels,
}

fn makers() -> Vec<(polkadot_sdk::sp_runtime::AccountId32, u8)> {
	let owners: Vec<_> = Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect();
	let mut all = Vec::new();
	for sub in 0..SUBS {
		for owner in &owners {
			all.push((owner.clone(), sub));
		}
	}
	all
}

fn key(market: u32) -> OracleKey {
	let mut symbol = *b"QT\0\0\0\0\0\0";
	symbol[2] = b'A' + (market % 26) as u8;
	symbol[3] = b'A' + (market / 26 % 26) as u8;
	OracleKey(symbol)
}

fn price(ticks: u128) -> FixedU128 {
	FixedU128::from_rational(ticks, TICK)
}

fn limit(side: Side, ticks: u128) -> OrderRequest {
	OrderRequest {
		side,
		order_type: OrderType::Limit { price: price(ticks) },
		quantity: 1_000,
		time_in_force: TimeInForce::Gtc,
		reduce_only: false,
		client_id: None,
		self_trade: SelfTradePrevention::CancelResting,
	}
}

/// The development genesis with `markets` priced perpetuals and every market maker funded and
/// holding a unit in each, committed (so the block's proof records reads from the backend).
pub fn setup(markets: u32) -> sp_io::TestExternalities {
	let mut ext = common::ext_from_preset("development");
	ext.execute_with(|| {
		pallet_timestamp::Now::<Runtime>::put(1_700_000_000_000u64);
		let feeder = Sr25519Keyring::Ferdie.to_account_id();
		assert_ok!(Oracle::add_feeder(TrackOrigin::RiskAdmin.into(), feeder.clone()));
		let mut feeds = Vec::new();
		for m in 0..markets {
			let underlying = key(m);
			assert_ok!(Oracle::set_key(
				TrackOrigin::RiskAdmin.into(),
				underlying,
				pallet_clearinghouse_oracle::KeyConfig {
					min_quorum: 1,
					max_age: 3_600_000,
					max_deviation: Permill::from_percent(10),
					breaker_window: 300_000,
					ema_half_life: 60_000,
					has_vol: false,
				}
			));
			feeds.push(pallet_clearinghouse_oracle::FeedValue {
				key: underlying,
				price: FixedU128::from_u32(MID),
				vol: None,
			});
			let market = pallet_clearinghouse_orderbook::Markets::<Runtime>::count();
			assert_ok!(Orderbook::create_market(
				TrackOrigin::MarketAdmin.into(),
				MarketConfig {
					underlying,
					kind: MarketKind::Perpetual,
					tick_size: price(1),
					lot_size: 1_000,
					params: MarketParams {
						min_size: 1_000,
						maker_fee: Permill::zero(),
						taker_fee: Permill::zero(),
						max_open_orders: 64,
					},
					status: MarketStatus::Active,
				}
			));
			assert_ok!(clearinghouse_runtime::Margin::set_market_risk(
				TrackOrigin::RiskAdmin.into(),
				market,
				pallet_clearinghouse_margin::RiskParams {
					underlying,
					size_decimals: 3,
					initial: Permill::from_percent(10),
					maintenance: Permill::from_percent(5),
					initial_at_full: Permill::from_percent(10),
					open_interest_full: 0,
					funding: None,
				}
			));
		}
		for chunk in feeds.chunks(16) {
			assert_ok!(Oracle::feed(
				RuntimeOrigin::signed(feeder.clone()),
				BoundedVec::truncate_from(chunk.to_vec())
			));
			let n = frame_system::Pallet::<Runtime>::block_number();
			frame_system::Pallet::<Runtime>::set_block_number(n + 1);
		}
		let makers = makers();
		for (owner, sub) in &makers {
			assert_ok!(dispatch(
				owner,
				pallet_clearinghouse_vaults::Call::<Runtime>::deposit {
					collateral: 0,
					amount: 20_000 * DEV_USD_UNIT,
					sub: *sub,
				}
				.into()
			));
		}
		// A unit in every market: the makers in pairs, the first selling one to the second at
		// the mid.
		for m in 0..markets {
			for pair in makers.chunks(2) {
				let [(seller, seller_sub), (buyer, buyer_sub)] = pair else { continue };
				let mid = u128::from(MID) * TICK;
				assert_ok!(place(seller, *seller_sub, m, limit(Side::Sell, mid)));
				assert_ok!(place(buyer, *buyer_sub, m, limit(Side::Buy, mid)));
			}
		}
		for (owner, sub) in &makers {
			let account = pallet_clearinghouse_margin::MarginAccount::new(owner.clone(), *sub);
			let held = pallet_clearinghouse_margin::Accounts::<Runtime>::get(&account);
			assert_eq!(held.len() as u32, markets, "a position in every market");
		}
		frame_system::Pallet::<Runtime>::reset_events();
	});
	ext.commit_all().expect("the set-up commits");
	ext
}

fn dispatch(
	who: &polkadot_sdk::sp_runtime::AccountId32,
	call: RuntimeCall,
) -> Result<Weight, polkadot_sdk::sp_runtime::DispatchError> {
	let info = call.get_dispatch_info();
	call.dispatch(RuntimeOrigin::signed(who.clone()))
		.map(|post| post.calc_actual_weight(&info))
		.map_err(|e| e.error)
}

fn place(
	who: &polkadot_sdk::sp_runtime::AccountId32,
	sub: u8,
	market: u32,
	order: OrderRequest,
) -> Result<Weight, polkadot_sdk::sp_runtime::DispatchError> {
	dispatch(
		who,
		pallet_clearinghouse_orderbook::Call::<Runtime>::place_order { market, sub, order }.into(),
	)
}

/// The `k`-th quote price of a side: bids from one tick under the mid down, asks from one tick
/// over it up.
fn quote(side: Side, k: u32) -> u128 {
	let mid = u128::from(MID) * TICK;
	match side {
		Side::Buy => mid - 1 - u128::from(k),
		Side::Sell => mid + 1 + u128::from(k),
	}
}

/// The next transaction of `mode`: the `round`-th call of the round robin over makers and
/// markets, and how many orders it places.
fn next_call(
	mode: Mode,
	round: u32,
	markets: u32,
) -> (polkadot_sdk::sp_runtime::AccountId32, RuntimeCall, u32) {
	let makers = makers();
	let count = makers.len() as u32;
	let (owner, sub) = makers[(round % count) as usize].clone();
	let market = (round / count) % markets;
	// How many times this maker already quoted this market.
	let visit = round / (count * markets);
	let bulk = |places: Vec<OrderRequest>| {
		let n = places.len() as u32;
		(
			RuntimeCall::Orderbook(pallet_clearinghouse_orderbook::Call::bulk {
				market,
				sub,
				cancels: Default::default(),
				places: BoundedVec::truncate_from(places),
			}),
			n,
		)
	};
	let (call, n) = match mode {
		Mode::Single => {
			// 64 quotes per maker and market: alternately bids and asks, each at its own price.
			let side = if visit.is_multiple_of(2) { Side::Buy } else { Side::Sell };
			let order = limit(side, quote(side, visit / 2));
			(
				RuntimeCall::Orderbook(pallet_clearinghouse_orderbook::Call::place_order {
					market,
					sub,
					order,
				}),
				1,
			)
		},
		Mode::BulkFreshLevels => bulk(
			(0..32)
				.flat_map(|k| {
					[limit(Side::Buy, quote(Side::Buy, k)), limit(Side::Sell, quote(Side::Sell, k))]
				})
				.collect(),
		),
		Mode::BulkSharedLevels => {
			// Each maker four prices a side of its own among 128 (the most levels a side may
			// hold): the 33rd maker shares the first one's, so a level holds at most 16 orders.
			let offset = (round % count) % 32 * 4;
			bulk(
				(0..4)
					.flat_map(|k| {
						let bid = limit(Side::Buy, quote(Side::Buy, offset + k));
						let ask = limit(Side::Sell, quote(Side::Sell, offset + k));
						[bid; 8].into_iter().chain([ask; 8])
					})
					.collect(),
			)
		},
	};
	(owner, call, n)
}

/// Fill one block with `mode`'s transactions (at most `max_calls`), as a block builder would.
pub fn fill(ext: &mut sp_io::TestExternalities, mode: Mode, markets: u32, max_calls: u32) -> Fill {
	let weights = <Runtime as frame_system::Config>::BlockWeights::get();
	let normal = weights.get(DispatchClass::Normal);
	let limit = normal.max_total.expect("the normal class is limited");
	let base = normal.base_extrinsic;
	let recorder: Recorder<Blake2Hasher> = Default::default();
	let mut fill = ext.execute_with_recorder(recorder.clone(), || {
		let mut fill = Fill::default();
		for round in 0..max_calls {
			let (who, call, places) = next_call(mode, round, markets);
			let declared = call.get_dispatch_info().total_weight().saturating_add(base);
			if fill.used.saturating_add(declared).any_gt(limit) {
				fill.full = true;
				break;
			}
			let before = recorder.estimate_encoded_size();
			let charged = dispatch(&who, call).expect("every quote rests");
			assert!(
				charged.all_lte(declared),
				"charged {charged:?} over the declared {declared:?}"
			);
			// As `StorageWeightReclaim` books it: the proof the transaction recorded, not its
			// benchmark's estimate.
			let recorded = recorder.estimate_encoded_size().saturating_sub(before) as u64;
			let used = Weight::from_parts(charged.ref_time(), recorded);
			fill.used = fill.used.saturating_add(used).saturating_add(base);
			fill.declared = fill.declared.saturating_add(declared);
			fill.transactions += 1;
			fill.placements += places;
		}
		// The new state root: the proof holds the paths the block's writes change.
		let _ = sp_io::storage::root(StateVersion::V1);
		assert!(fill.used.all_lte(limit));
		pallet_clearinghouse_orderbook::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_clearinghouse_margin::Pallet::<Runtime>::do_try_state().unwrap();
		pallet_clearinghouse_oracle::Pallet::<Runtime>::do_try_state().unwrap();
		fill
	});
	fill.proof = recorder.estimate_encoded_size() as u64;
	fill
}

/// The block's limits: the normal class's weight and the proof the relay chain takes.
pub fn limits() -> Weight {
	<Runtime as frame_system::Config>::BlockWeights::get()
		.get(DispatchClass::Normal)
		.max_total
		.expect("the normal class is limited")
}

/// Every mode fills part of a block on a small set-up without passing its limits; every
/// placement rests and the invariants hold (checked in `fill`).
#[test]
fn a_block_of_quotes_stays_within_its_limits() {
	for mode in [Mode::Single, Mode::BulkFreshLevels, Mode::BulkSharedLevels] {
		let mut ext = setup(2);
		let fill = fill(&mut ext, mode, 2, 12);
		assert!(fill.placements > 0, "{mode:?}: {fill:?}");
		assert!(fill.used.all_lte(limits()));
		assert!(fill.proof > 0);
		println!("{mode:?}: {fill:?}");
	}
}

/// The full measurement: `scripts/throughput` runs it in release and prints the table.
#[test]
#[ignore = "a measurement (minutes in a debug build): scripts/throughput"]
fn placements_per_block() {
	let markets = 16;
	let limit = limits();
	println!(
		"| Mode | Transactions | Placements | Weight used (ms) | Declared (ms) | Recorded proof (KB) | Full by weight |"
	);
	println!("|---|---:|---:|---:|---:|---:|---|");
	for mode in [Mode::Single, Mode::BulkFreshLevels, Mode::BulkSharedLevels] {
		let mut ext = setup(markets);
		let fill = fill(&mut ext, mode, markets, 100_000);
		println!(
			"| {mode:?} | {} | {} | {:.1} | {:.1} | {:.0} | {} |",
			fill.transactions,
			fill.placements,
			fill.used.ref_time() as f64 / 1e9,
			fill.declared.ref_time() as f64 / 1e9,
			fill.proof as f64 / 1024.0,
			fill.full,
		);
	}
	println!(
		"Limits: normal class {:.0} ms of compute, {} KB of proof.",
		limit.ref_time() as f64 / 1e9,
		limit.proof_size() / 1024
	);
}
