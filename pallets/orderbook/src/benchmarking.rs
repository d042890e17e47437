//! Benchmarks of the order-book pallet (`frame_benchmarking::v2`). Worst cases: every maker on
//! its own level and its own account (a level and an index read and written per maker), the
//! taker's rest resting after the sweep; every account involved (the signer, each maker, each
//! owner a sweep touches) as large as the margin engine lets an account be
//! ([`BenchmarkHelper::enlarge`]: the most positions and collaterals), so each margin check
//! and each booked fill costs the most.

use crate::{pallet::*, *};
use alloc::vec::Vec;
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::{
		traits::{EnsureOrigin, Get, Time},
		BoundedVec,
	},
	frame_system::{self, RawOrigin},
	sp_arithmetic::{FixedU128, Permill},
};

const LOT: u128 = 10;

fn config<T: Config>() -> MarketConfig {
	MarketConfig {
		underlying: OracleKey::from_symbol("BENCH").expect("valid"),
		kind: MarketKind::Perpetual,
		tick_size: FixedU128::from_u32(1),
		lot_size: LOT,
		params: MarketParams {
			min_size: LOT,
			maker_fee: Permill::from_parts(200),
			taker_fee: Permill::from_parts(500),
			max_open_orders: T::MaxOpenOrders::get(),
		},
		status: MarketStatus::Active,
	}
}

/// A perpetual on an underlying of its own (`BENCH` and two letters from the market count):
/// the margin engine lists only a few perpetuals and futures on one underlying.
fn market<T: Config>() -> MarketId {
	let mut config = config::<T>();
	let k = Markets::<T>::count();
	config.underlying.0[5] = b'A' + (k % 26) as u8;
	config.underlying.0[6] = b'A' + (k / 26 % 26) as u8;
	let market = Pallet::<T>::do_create_market(config).expect("room for a market");
	T::BenchmarkHelper::prepare_market(market, config.underlying, FixedU128::from_u32(1_000));
	market
}

fn order(side: Side, price: u32, lots: u128) -> OrderRequest {
	OrderRequest {
		side,
		order_type: OrderType::Limit { price: FixedU128::from_u32(price) },
		quantity: lots * LOT,
		time_in_force: TimeInForce::Gtc,
		reduce_only: false,
		client_id: Some(u64::from(price)),
		self_trade: SelfTradePrevention::CancelResting,
	}
}

fn maker<T: Config>(i: u32) -> AccountOf<T> {
	let maker = MarginAccount::new(account("maker", i, 0), 0);
	T::BenchmarkHelper::fund(&maker);
	maker
}

/// The benchmark's signer, funded and as large as an account can be.
fn caller<T: Config>() -> T::AccountId {
	caller_of::<T>(largest::<T>(), most_collaterals::<T>())
}

/// The benchmark's signer, funded, with `collaterals` collateral assets and `positions`
/// positions.
fn caller_of<T: Config>(positions: u32, collaterals: u32) -> T::AccountId {
	let who: T::AccountId = whitelisted_caller();
	let account = MarginAccount::new(who.clone(), 0);
	T::BenchmarkHelper::fund(&account);
	T::BenchmarkHelper::enlarge(&account, positions, collaterals);
	who
}

/// The most positions an account may hold besides the benchmark's own market.
fn largest<T: Config>() -> u32 {
	Pallet::<T>::largest_placer().positions.saturating_sub(1)
}

/// The most collateral assets an account may hold (at least the one it is funded with).
fn most_collaterals<T: Config>() -> u32 {
	Pallet::<T>::largest_placer().collaterals.max(1)
}

/// `n` asks of one lot each, each on its own level and from its own account (as large as an
/// account can be), from 1,000 up.
fn asks<T: Config>(market: MarketId, n: u32) {
	for i in 0..n {
		let maker = maker::<T>(i);
		Pallet::<T>::do_place(&maker, market, order(Side::Sell, 1_000 + i, 1))
			.expect("resting ask");
		T::BenchmarkHelper::enlarge(&maker, largest::<T>(), most_collaterals::<T>());
	}
}

/// The next block begins (its hooks not run): the measured call is the first change of its
/// book in the block, which lists the market for the next block's mid report (the worst case).
fn next_block<T: Config>() {
	let now = frame_system::Pallet::<T>::block_number();
	frame_system::Pallet::<T>::set_block_number(now + 1u32.into());
}

/// A conditional order of one lot at market for sub-account 0: fires when `source` crosses
/// `trigger` the way a stop of `side` does.
fn stop(side: Side, source: TriggerSource, trigger: u32) -> ConditionalSpec {
	let protection = if side == Side::Buy { 1_000_000 } else { 1 };
	ConditionalSpec {
		sub: 0,
		kind: ConditionalKind::Stop,
		source,
		trigger_price: FixedU128::from_u32(trigger),
		order: OrderRequest {
			order_type: OrderType::Market { protection_price: FixedU128::from_u32(protection) },
			time_in_force: TimeInForce::Ioc,
			client_id: None,
			..order(side, 1, 1)
		},
		expires_at: None,
	}
}

/// Record `owner`'s conditional order `seq` as placing would (index entry, record, owner list
/// entry), without the placement's checks; `fired` puts it in the queue instead of the index.
fn record<T: Config>(
	owner: &T::AccountId,
	seq: u64,
	market: MarketId,
	spec: ConditionalSpec,
	oco: Option<u64>,
	fired: bool,
) {
	let order = Conditional { market, spec, placed: [0; 8], oco, fired };
	if fired {
		let (head, tail) = FiredBounds::<T>::get();
		FiredQueue::<T>::insert(tail, (owner.clone(), seq));
		FiredBounds::<T>::put((head, tail + 1));
	} else {
		Triggers::<T>::insert(Pallet::<T>::index_key(owner, seq, &order), ());
	}
	Conditionals::<T>::insert(owner, seq, order);
	ConditionalOwners::<T>::mutate(owner, |e| {
		e.live.try_push((seq, market, spec.expires_at)).expect("room in the list");
		e.next = e.next.max(seq + 1);
	});
	ArmedMarkets::<T>::mutate(|armed| {
		if let Err(i) = armed.binary_search(&market) {
			armed.try_insert(i, market).expect("room in the armed list");
		}
	});
}

/// Fill `owner`'s list up to the cap with entries of no order (what the list decodes and
/// encodes; nothing else reads them).
fn fill_list<T: Config>(owner: &T::AccountId, market: MarketId) {
	ConditionalOwners::<T>::mutate(owner, |e| {
		while !e.live.is_full() {
			let seq = e.next;
			e.live.try_push((seq, market + 1, None)).expect("not full");
			e.next += 1;
		}
	});
}

/// Every market there can be but `market` is armed (the list the scan and a placement decode).
fn arm_others<T: Config>(market: MarketId) {
	let others =
		(0..T::MaxMarkets::get()).map(|i| market + 1 + i).take(T::MaxMarkets::get() as usize - 1);
	let mut armed: Vec<MarketId> = ArmedMarkets::<T>::get().into_iter().chain(others).collect();
	armed.sort();
	armed.dedup();
	armed.truncate(T::MaxMarkets::get() as usize - 1);
	ArmedMarkets::<T>::put(BoundedVec::truncate_from(armed));
}

/// A TWAP buying four lots in four slices, paying up to 2,000.
fn twap<T: Config>() -> TwapSpec {
	let interval = T::MinTwapInterval::get();
	TwapSpec {
		sub: 0,
		side: Side::Buy,
		quantity: 4 * LOT,
		duration: 4 * interval,
		interval,
		limit_price: FixedU128::from_u32(2_000),
		reduce_only: false,
	}
}

/// A perpetual priced at 1,000 (mark and index) that has traded at 1,000.
fn traded_market<T: Config>() -> MarketId {
	let m = market::<T>();
	Markets::<T>::mutate(m, |x| x.as_mut().expect("listed").last_trade = Some(1_000));
	m
}

/// The market whose watched prices cost the most to read: a call struck at 1,000, 30 days
/// out, on an underlying of its own priced at 1,000 with a vol (its mark runs the option
/// model, about 57 here; its index is the oracle's price), that has traded at 1,000.
fn watched_market<T: Config>() -> MarketId {
	let mut config = config::<T>();
	let k = Markets::<T>::count();
	config.underlying.0[5] = b'A' + (k % 26) as u8;
	config.underlying.0[6] = b'A' + (k / 26 % 26) as u8;
	T::BenchmarkHelper::prepare_options(config.underlying);
	let expiry = T::Time::now().saturating_add(30 * 86_400_000);
	config.kind =
		MarketKind::Option { right: OptionRight::Call, strike: FixedU128::from_u32(1_000), expiry };
	let m = Pallet::<T>::do_create_market(config).expect("room for an option");
	Markets::<T>::mutate(m, |x| x.as_mut().expect("listed").last_trade = Some(1_000));
	m
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A buy that sweeps `m` asks (each its own level and account) and rests its last lot;
	/// `m = 0` is a plain resting order. The placer holds no position and one collateral
	/// asset; what a larger placer adds is measured by `place_positions` and
	/// `place_collaterals`, each with the other at its least.
	#[benchmark]
	fn place_order(m: Linear<0, { T::MaxMakersPerOrder::get() }>) {
		let market = market::<T>();
		asks::<T>(market, m);
		// A bid below so the resting path also inserts into a non-empty index.
		Pallet::<T>::do_place(&maker::<T>(u32::MAX), market, order(Side::Buy, 500, 1))
			.expect("resting bid");
		let who: T::AccountId = caller_of::<T>(0, 1);
		let price = 1_000 + m;
		next_block::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), market, 0, order(Side::Buy, price, u128::from(m) + 1));
		let open = Pallet::<T>::open_orders(market, &MarginAccount::new(who, 0));
		assert_eq!(open.len(), 1);
		assert_eq!(open[0].remaining, LOT);
	}

	/// A resting buy by a placer of `n` positions and one collateral asset: its margin check
	/// values each position (and the order's market).
	#[benchmark]
	fn place_positions(n: Linear<0, { largest::<T>() }>) {
		let market = market::<T>();
		let who: T::AccountId = caller_of::<T>(n, 1);
		next_block::<T>();
		#[extrinsic_call]
		place_order(RawOrigin::Signed(who.clone()), market, 0, order(Side::Buy, 1_000, 1));
		assert_eq!(Pallet::<T>::open_orders(market, &MarginAccount::new(who, 0)).len(), 1);
	}

	/// A resting buy by a placer of no position and `k` collateral assets: its margin check
	/// values each asset.
	#[benchmark]
	fn place_collaterals(k: Linear<1, { most_collaterals::<T>() }>) {
		let market = market::<T>();
		let who: T::AccountId = caller_of::<T>(0, k);
		next_block::<T>();
		#[extrinsic_call]
		place_order(RawOrigin::Signed(who.clone()), market, 0, order(Side::Buy, 1_000, 1));
		assert_eq!(Pallet::<T>::open_orders(market, &MarginAccount::new(who, 0)).len(), 1);
	}

	#[benchmark]
	fn cancel_order() {
		let market = market::<T>();
		asks::<T>(market, 8);
		let who: T::AccountId = caller::<T>();
		let account = MarginAccount::new(who.clone(), 0);
		let placed =
			Pallet::<T>::do_place(&account, market, order(Side::Sell, 1_003, 1)).expect("rests");
		next_block::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(who), market, 0, OrderRef::Id(placed.order_id));
		assert!(Pallet::<T>::open_orders(market, &account).is_empty());
	}

	#[benchmark]
	fn cancel_all(n: Linear<1, { T::MaxOpenOrders::get() }>) {
		let market = market::<T>();
		let who: T::AccountId = caller::<T>();
		let account = MarginAccount::new(who.clone(), 0);
		for i in 0..n {
			Pallet::<T>::do_place(&account, market, order(Side::Sell, 2_000 + i, 1))
				.expect("rests");
		}
		next_block::<T>();
		#[extrinsic_call]
		_(RawOrigin::Signed(who), market, 0);
		assert!(Pallet::<T>::open_orders(market, &account).is_empty());
	}

	/// `c` cancels then `p` resting placements, each on its own level, by a placer of no
	/// position and one collateral asset (a larger one adds what `place_positions` and
	/// `place_collaterals` measure: the call's one margin check values it once). At least one
	/// placement: a call with none makes no margin check, and the fit would spread the check's
	/// fixed cost over the placements.
	#[benchmark]
	fn bulk(c: Linear<0, { T::MaxBulk::get() / 2 }>, p: Linear<1, { T::MaxBulk::get() / 2 }>) {
		let market = market::<T>();
		let who: T::AccountId = caller_of::<T>(0, 1);
		let account = MarginAccount::new(who.clone(), 0);
		let mut cancels = Vec::new();
		for i in 0..c {
			let placed = Pallet::<T>::do_place(&account, market, order(Side::Sell, 3_000 + i, 1))
				.expect("rests");
			cancels.push(OrderRef::Id(placed.order_id));
		}
		let places: Vec<_> = (0..p).map(|i| order(Side::Buy, 100 + i, 1)).collect();
		next_block::<T>();
		#[extrinsic_call]
		_(
			RawOrigin::Signed(who),
			market,
			0,
			cancels.try_into().expect("within MaxBulk"),
			places.try_into().expect("within MaxBulk"),
		);
		assert_eq!(Pallet::<T>::open_orders(market, &account).len(), p as usize);
	}

	/// `p` resting placements at one price whose level already holds another maker's order:
	/// the level is read and written once for the call (the slope is what a placement on a
	/// level the call holds costs; `bulk_charged` uses only that).
	#[benchmark]
	fn bulk_shared(p: Linear<1, { T::MaxBulk::get() / 2 }>) {
		let market = market::<T>();
		Pallet::<T>::do_place(&maker::<T>(0), market, order(Side::Buy, 100, 1)).expect("rests");
		let who: T::AccountId = caller_of::<T>(0, 1);
		let account = MarginAccount::new(who.clone(), 0);
		let places: Vec<_> = (0..p)
			.map(|i| OrderRequest { client_id: Some(u64::from(i)), ..order(Side::Buy, 100, 1) })
			.collect();
		next_block::<T>();
		#[extrinsic_call]
		bulk(
			RawOrigin::Signed(who),
			market,
			0,
			Default::default(),
			places.try_into().expect("within MaxBulk"),
		);
		assert_eq!(Pallet::<T>::open_orders(market, &account).len(), p as usize);
	}

	#[benchmark]
	fn set_market_status() -> Result<(), BenchmarkError> {
		let market = market::<T>();
		let origin = T::MarketAdminOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, market, MarketStatus::Halted);
		assert_eq!(Markets::<T>::get(market).map(|m| m.config.status), Some(MarketStatus::Halted));
		Ok(())
	}

	#[benchmark]
	fn create_market() -> Result<(), BenchmarkError> {
		let origin = T::MarketAdminOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)?;
		let before = Markets::<T>::count();
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, config::<T>());
		assert_eq!(Markets::<T>::count(), before + 1);
		Ok(())
	}

	/// A chain of `s` strikes (`2s` markets) for a new expiry of an underlying that has options
	/// listed for as many other expiries as it may (the expiry index read and rewritten at
	/// its largest), each market configured by the margin engine.
	#[benchmark]
	fn list_option_chain(
		s: Linear<1, { T::MaxOptionsPerExpiry::get() / 2 }>,
	) -> Result<(), BenchmarkError> {
		let origin = T::MarketAdminOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)?;
		let underlying = config::<T>().underlying;
		T::BenchmarkHelper::prepare_options(underlying);
		let now = <T::Time as polkadot_sdk::frame_support::traits::Time>::now();
		let expiry = now.saturating_add(30 * 86_400_000);
		let others: Vec<Moment> = (1..T::MaxExpiriesPerUnderlying::get())
			.map(|i| expiry.saturating_add(u64::from(i)))
			.collect();
		OptionExpiries::<T>::insert(underlying, BoundedVec::truncate_from(others));
		let strikes: Vec<FixedU128> = (0..s).map(|i| FixedU128::from_u32(1_000 + i)).collect();
		let template = ChainTemplate {
			tick_size: FixedU128::from_u32(1),
			lot_size: LOT,
			params: config::<T>().params,
		};
		let before = Markets::<T>::count();
		#[extrinsic_call]
		_(
			origin as T::RuntimeOrigin,
			underlying,
			expiry,
			BoundedVec::truncate_from(strikes),
			template,
		);
		assert_eq!(Markets::<T>::count(), before + 2 * s);
		Ok(())
	}

	#[benchmark]
	fn update_market() -> Result<(), BenchmarkError> {
		let market = market::<T>();
		let origin = T::MarketAdminOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)?;
		let params = MarketParams { min_size: 2 * LOT, ..config::<T>().params };
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, market, params);
		assert_eq!(Markets::<T>::get(market).map(|m| m.config.params), Some(params));
		Ok(())
	}

	/// One level of `n` orders from `n` accounts, all expired, swept.
	#[benchmark]
	fn sweep_level(n: Linear<1, { T::MaxOrdersPerLevel::get() }>) {
		let market = market::<T>();
		for i in 0..n {
			let maker = maker::<T>(i);
			Pallet::<T>::do_place(&maker, market, order(Side::Sell, 1_000, 1)).expect("rests");
			T::BenchmarkHelper::enlarge(&maker, largest::<T>(), most_collaterals::<T>());
		}
		// Expire them all: the clock cannot be moved generically, so the expiry is set at 0.
		Levels::<T>::mutate((market, Side::Sell, 1_000), |level| {
			for o in level.iter_mut() {
				o.expires_at = Some(0);
			}
		});
		for i in 0..n {
			AccountOrders::<T>::mutate(market, maker::<T>(i), |orders| {
				for o in orders.open.iter_mut() {
					o.expires_at = Some(0);
				}
			});
		}
		SweepCursor::<T>::put((market, Side::Sell, 0));
		let markets = Markets::<T>::count();
		let per_level = T::WeightInfo::sweep_level(T::MaxOrdersPerLevel::get());
		// Weight for exactly one level.
		let limit = T::DbWeight::get().reads_writes(2, 1).saturating_add(per_level);
		next_block::<T>();
		#[block]
		{
			Pallet::<T>::sweep_expired(limit);
		}
		assert!(Levels::<T>::get((market, Side::Sell, 1_000)).is_empty());
		assert!(markets > 0);
	}

	/// A resting bid on a side that holds `MaxLevels` levels, opening a better one: the
	/// farthest level, `n` orders from `n` accounts (each as large as an account can be),
	/// leaves the book.
	#[benchmark]
	fn place_evicting(n: Linear<1, { T::MaxOrdersPerLevel::get() }>) {
		let market = market::<T>();
		let farthest = 100u32;
		for i in 0..n {
			let maker = maker::<T>(i);
			Pallet::<T>::do_place(&maker, market, order(Side::Buy, farthest, 1)).expect("rests");
			T::BenchmarkHelper::enlarge(&maker, largest::<T>(), most_collaterals::<T>());
		}
		// The other levels only weigh by the index a placement reads; they hold no orders.
		// Above the farthest, one price left free: the new bid opens a level there.
		let levels = u64::from(T::MaxLevels::get());
		let farthest_ticks = u64::from(farthest);
		Markets::<T>::mutate(market, |m| {
			if let Some(m) = m {
				m.bids = BoundedVec::truncate_from(
					(2..=levels)
						.rev()
						.map(|i| farthest_ticks + i)
						.chain(core::iter::once(farthest_ticks))
						.collect::<Vec<_>>(),
				);
			}
		});
		let who: T::AccountId = caller::<T>();
		let price = farthest + 1;
		next_block::<T>();
		#[extrinsic_call]
		place_order(RawOrigin::Signed(who.clone()), market, 0, order(Side::Buy, price, 1));
		assert!(Levels::<T>::get((market, Side::Buy, farthest_ticks)).is_empty());
		assert_eq!(Pallet::<T>::open_orders(market, &MarginAccount::new(who, 0)).len(), 1);
	}

	/// The block hook reporting the mids of `n` books the previous block changed, each with
	/// its level index full on both sides (the most a mid decodes) and a mid the margin
	/// engine has not recorded (each record rewritten).
	#[benchmark]
	fn report_mids(n: Linear<1, { T::MaxMarkets::get().min(64) }>) {
		let mut changed = Vec::new();
		for _ in 0..n {
			let market = market::<T>();
			crate::bench_support::fill_index::<T>(market, 1_000);
			changed.push(market);
		}
		ChangedBooks::<T>::put(BoundedVec::truncate_from(changed));
		next_block::<T>();
		#[block]
		{
			Pallet::<T>::report_mids();
		}
		assert!(ChangedBooks::<T>::get().is_empty());
	}

	/// A conditional order, or (`o` = 1) an OCO pair, into a full list whose two oldest
	/// orders have expired (both leave to make room: their records and index entries go), on a
	/// market not yet armed while every other market is.
	#[benchmark]
	fn place_conditional(o: Linear<0, 1>) {
		let m = watched_market::<T>();
		let other = watched_market::<T>();
		let owner = caller_of::<T>(0, 1);
		let now = T::Time::now();
		for seq in 0..2 {
			let mut lapsed = stop(Side::Sell, TriggerSource::Mark, 10 - seq as u32);
			lapsed.expires_at = Some(now);
			record::<T>(&owner, seq, other, lapsed, None, false);
		}
		fill_list::<T>(&owner, other);
		ArmedMarkets::<T>::kill();
		arm_others::<T>(m);
		let spec = stop(Side::Sell, TriggerSource::Mark, 10);
		let mut take = stop(Side::Sell, TriggerSource::Mark, 2_000);
		take.kind = ConditionalKind::TakeProfit;
		let oco = (o == 1).then_some(take);
		#[extrinsic_call]
		place_conditional(RawOrigin::Signed(owner.clone()), m, spec, oco);
		assert!(ArmedMarkets::<T>::get().contains(&m));
		// An expired order left for each new one.
		assert_eq!(Triggers::<T>::iter_prefix((other,)).count(), 1 - o as usize);
		let live = ConditionalOwners::<T>::get(&owner).live;
		assert_eq!(live.iter().filter(|(_, market, _)| *market == m).count(), 1 + o as usize);
	}

	/// Cancelling one order of an OCO pair in a full list (its partner is unpaired).
	#[benchmark]
	fn cancel_conditional() {
		let m = watched_market::<T>();
		let owner = caller_of::<T>(0, 1);
		let mut take = stop(Side::Sell, TriggerSource::Mark, 1_100);
		take.kind = ConditionalKind::TakeProfit;
		record::<T>(&owner, 0, m, stop(Side::Sell, TriggerSource::Mark, 900), Some(1), false);
		record::<T>(&owner, 1, m, take, Some(0), false);
		fill_list::<T>(&owner, m);
		#[extrinsic_call]
		cancel_conditional(RawOrigin::Signed(owner.clone()), 0);
		assert!(Conditionals::<T>::get(&owner, 0).is_none());
		assert_eq!(Conditionals::<T>::get(&owner, 1).expect("partner stays").oco, None);
	}

	/// A scan of an armed option market (its mark is the model's) whose six lanes each hold an
	/// order far from its trigger, firing `n` crossed orders, each of an owner with a full list
	/// and an OCO partner to cancel (the most a fired order does).
	#[benchmark]
	fn scan_market(n: Linear<0, { T::MaxTriggersPerBlock::get() }>) {
		let m = watched_market::<T>();
		let far: T::AccountId = account("far", 0, 0);
		let lanes = [
			(Side::Buy, TriggerSource::Mark, 2_000),
			(Side::Sell, TriggerSource::Mark, 1),
			(Side::Buy, TriggerSource::Index, 2_000),
			(Side::Sell, TriggerSource::Index, 1),
			(Side::Buy, TriggerSource::LastTrade, 2_000),
			(Side::Sell, TriggerSource::LastTrade, 1),
		];
		for (i, (side, source, trigger)) in lanes.into_iter().enumerate() {
			record::<T>(&far, i as u64, m, stop(side, source, trigger), None, false);
		}
		for i in 0..n {
			let owner: T::AccountId = account("crossed", i, 0);
			// A sell stop above the mark has crossed; its take-profit partner has not.
			let mut take = stop(Side::Sell, TriggerSource::Mark, 1_900);
			take.kind = ConditionalKind::TakeProfit;
			record::<T>(&owner, 0, m, stop(Side::Sell, TriggerSource::Mark, 1_100), Some(1), false);
			record::<T>(&owner, 1, m, take, Some(0), false);
			fill_list::<T>(&owner, m);
		}
		let fired;
		#[block]
		{
			fired = Pallet::<T>::scan(m, n);
		}
		assert_eq!(fired, (n, false));
		assert_eq!(FiredBounds::<T>::get().1, u64::from(n));
	}

	/// The fired order at the queue's head placed: a one-lot bid that rests, by an owner whose
	/// list is full and who holds no position.
	#[benchmark]
	fn execute_conditional() {
		let m = traded_market::<T>();
		let owner = caller_of::<T>(0, 1);
		let mut bid = stop(Side::Buy, TriggerSource::Mark, 1_100);
		bid.order = order(Side::Buy, 500, 1);
		record::<T>(&owner, 0, m, bid, None, true);
		fill_list::<T>(&owner, m);
		next_block::<T>();
		#[block]
		{
			Pallet::<T>::execute_head(0);
		}
		assert!(Conditionals::<T>::get(&owner, 0).is_none());
		assert_eq!(AccountOrders::<T>::get(m, MarginAccount::new(owner, 0)).open.len(), 1);
	}

	/// A TWAP order into a full list whose oldest conditional order expired (it leaves to
	/// make room: its record and index entry go).
	#[benchmark]
	fn place_twap() {
		let m = traded_market::<T>();
		let owner = caller_of::<T>(0, 1);
		let mut lapsed = stop(Side::Sell, TriggerSource::Mark, 900);
		lapsed.expires_at = Some(T::Time::now());
		record::<T>(&owner, 0, m, lapsed, None, false);
		fill_list::<T>(&owner, m);
		let spec = twap::<T>();
		#[extrinsic_call]
		place_twap(RawOrigin::Signed(owner.clone()), m, spec);
		assert!(Conditionals::<T>::get(&owner, 0).is_none());
		assert_eq!(Pallet::<T>::twap_orders(&owner).len(), 1);
	}

	/// A due slice of a TWAP of an owner with a full list, taken from the due index: an IOC
	/// buy filling one resting ask (of an account as large as an account can be), the TWAP
	/// rescheduled.
	#[benchmark]
	fn twap_slice() {
		let m = traded_market::<T>();
		asks::<T>(m, 1);
		let owner = caller_of::<T>(0, 1);
		let id = Pallet::<T>::do_place_twap(&owner, m, twap::<T>()).expect("valid TWAP");
		fill_list::<T>(&owner, m);
		next_block::<T>();
		let placed;
		#[block]
		{
			placed = Pallet::<T>::run_twaps(polkadot_sdk::frame_support::weights::Weight::MAX, 1).0;
		}
		assert_eq!(placed, 1);
		let left = Twaps::<T>::get(&owner, id).expect("slices left");
		assert_eq!(left.slices_left, 3);
		assert!(left.remaining < twap::<T>().quantity);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
