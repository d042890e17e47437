//! Tests of the order-book pallet: each order type, fees and fills reported to the margin
//! engine, expiry, bulk operations, every error path (`assert_noop!`: the storage root must not
//! change), and a differential test of the storage book against the in-memory core book.

use crate::{mock::*, Error, Event, *};
use clearinghouse_matching::{MatchLimits, MemoryBook, NewOrder};
use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		traits::{Get, Hooks},
		weights::Weight,
		BoundedVec,
	},
	pallet_timestamp,
	sp_arithmetic::FixedU128,
	sp_runtime::DispatchError,
};

const M: MarketId = 0;

fn px(price: u64) -> FixedU128 {
	FixedU128::from_u32(price as u32)
}

fn limit(side: Side, price: u64, size: u128) -> OrderRequest {
	OrderRequest {
		side,
		order_type: OrderType::Limit { price: px(price) },
		quantity: size,
		time_in_force: TimeInForce::Gtc,
		reduce_only: false,
		client_id: None,
		self_trade: SelfTradePrevention::CancelResting,
	}
}

fn tif(mut o: OrderRequest, t: TimeInForce) -> OrderRequest {
	o.time_in_force = t;
	o
}

fn place(who: AccountId, order: OrderRequest) -> Result<OrderId, DispatchError> {
	Orderbook::place_order(RuntimeOrigin::signed(who), M, 0, order).map_err(|e| e.error)?;
	Ok(id(who, Markets::<Test>::get(M).unwrap().next_sequence - 1))
}

/// The id of `who`'s order with sequence number `sequence` in the market.
fn id(who: AccountId, sequence: u64) -> OrderId {
	Orderbook::order_id(sequence, &acct(who)).unwrap()
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::Orderbook(e) => Some(e),
			_ => None,
		})
		.collect()
}

fn acct(who: AccountId) -> MarginAccount<AccountId> {
	MarginAccount::new(who, 0)
}

fn depth() -> BookDepth {
	Orderbook::depth(M, 10).unwrap()
}

fn check() {
	Orderbook::do_try_state().unwrap();
}

/// A placer of `positions` positions and the one collateral asset every test account holds.
fn placer(positions: u32) -> Placer {
	Placer { positions, collaterals: 1 }
}

/// The benchmarks' weight of a placement touching `m` makers by a placer of `n` positions and
/// `k` collateral assets (no surcharge).
fn placed(m: u32, n: u32, k: u32) -> Weight {
	// A placement that traded nothing took the resting path.
	let base = if m == 0 {
		<() as crate::WeightInfo>::place_positions(0)
	} else {
		<() as crate::WeightInfo>::place_order(m)
	};
	base.saturating_add(Orderbook::placer_weight(Placer { positions: n, collaterals: k }))
}

/// The benchmarks' weight of a `bulk` call (as `placed`).
fn bulked(c: u32, p: u32, n: u32, k: u32) -> Weight {
	<() as crate::WeightInfo>::bulk(c, p)
		.saturating_add(Orderbook::placer_weight(Placer { positions: n, collaterals: k }))
}

// ---------------------------------------------------------------------------------------------
// Markets

#[test]
fn markets_are_listed_and_changed_by_governance_only() {
	build_and_execute(|| {
		assert_noop!(
			Orderbook::create_market(RuntimeOrigin::signed(ALICE), btc_perp()),
			DispatchError::BadOrigin
		);
		let option = MarketConfig {
			kind: MarketKind::Option {
				right: OptionRight::Call,
				strike: px(70_000),
				expiry: T0 + 86_400_000,
			},
			..btc_perp()
		};
		assert_ok!(Orderbook::create_market(RuntimeOrigin::root(), option));
		assert_eq!(events().last(), Some(&Event::MarketCreated { market: 1, config: option }));
		let bad = MarketConfig { lot_size: 0, ..btc_perp() };
		assert_noop!(
			Orderbook::create_market(RuntimeOrigin::root(), bad),
			Error::<Test>::InvalidMarketConfig
		);
		let bad = MarketConfig {
			params: MarketParams { min_size: 25, ..btc_perp().params },
			..btc_perp()
		};
		assert_noop!(
			Orderbook::create_market(RuntimeOrigin::root(), bad),
			Error::<Test>::InvalidMarketConfig
		);
		let params = MarketParams { max_open_orders: 2, ..btc_perp().params };
		assert_noop!(
			Orderbook::update_market(RuntimeOrigin::signed(ALICE), M, params),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Orderbook::update_market(RuntimeOrigin::root(), 9, params),
			Error::<Test>::UnknownMarket
		);
		assert_ok!(Orderbook::update_market(RuntimeOrigin::root(), M, params));
		assert_eq!(Markets::<Test>::get(M).unwrap().config.params, params);
		assert_noop!(
			Orderbook::set_market_status(RuntimeOrigin::root(), M, MarketStatus::Active),
			Error::<Test>::StatusUnchanged
		);
		while Markets::<Test>::count() < <Test as Config>::MaxMarkets::get() {
			assert_ok!(Orderbook::create_market(RuntimeOrigin::root(), btc_perp()));
		}
		assert_noop!(
			Orderbook::create_market(RuntimeOrigin::root(), btc_perp()),
			Error::<Test>::TooManyMarkets
		);
	});
}

fn template() -> ChainTemplate {
	let perp = btc_perp();
	ChainTemplate { tick_size: perp.tick_size, lot_size: perp.lot_size, params: perp.params }
}

fn strikes(list: &[u64]) -> BoundedVec<FixedU128, <Test as Config>::MaxOptionsPerExpiry> {
	BoundedVec::truncate_from(list.iter().map(|s| px(*s)).collect())
}

fn list_chain(expiry: u64, list: &[u64]) -> polkadot_sdk::sp_runtime::DispatchResult {
	Orderbook::list_option_chain(RuntimeOrigin::root(), btc(), expiry, strikes(list), template())
}

fn btc() -> OracleKey {
	OracleKey::from_symbol("BTC").unwrap()
}

#[test]
fn an_option_chain_lists_a_call_and_a_put_per_strike_in_one_call() {
	build_and_execute(|| {
		let expiry = T0 + 7 * 86_400_000;
		let first = Markets::<Test>::count();
		// Strikes in any order: listed ascending, the call then the put.
		assert_ok!(list_chain(expiry, &[60_000, 50_000, 55_000]));
		System::assert_last_event(
			Event::OptionChainListed { underlying: btc(), expiry, strikes: 3, first_market: first }
				.into(),
		);
		let chain = OptionChains::<Test>::get(btc(), expiry);
		let expected: Vec<ChainEntry> = [50_000, 55_000, 60_000]
			.iter()
			.enumerate()
			.flat_map(|(i, s)| {
				let market = first + 2 * i as u32;
				[
					ChainEntry { strike: px(*s), right: OptionRight::Call, market },
					ChainEntry { strike: px(*s), right: OptionRight::Put, market: market + 1 },
				]
			})
			.collect();
		assert_eq!(chain.into_inner(), expected);
		for entry in &expected {
			let market = Markets::<Test>::get(entry.market).unwrap();
			assert_eq!(
				market.config.kind,
				MarketKind::Option { right: entry.right, strike: entry.strike, expiry }
			);
			assert_eq!(market.config.status, MarketStatus::Active);
			assert_eq!(market.config.params, template().params);
		}
		assert_eq!(OptionExpiries::<Test>::get(btc()).into_inner(), vec![expiry]);
		assert_eq!(Orderbook::option_chain(btc()), vec![(expiry, expected)]);
		// A later strike for the same expiry joins the chain.
		assert_ok!(list_chain(expiry, &[65_000]));
		assert_eq!(OptionChains::<Test>::get(btc(), expiry).len(), 8);
	});
}

#[test]
fn a_bad_option_chain_is_refused_with_its_own_error_and_lists_nothing() {
	build_and_execute(|| {
		let expiry = T0 + 7 * 86_400_000;
		let two_years = MAX_OPTION_HORIZON_MS;
		assert_noop!(
			Orderbook::list_option_chain(
				RuntimeOrigin::signed(ALICE),
				btc(),
				expiry,
				strikes(&[50_000]),
				template()
			),
			DispatchError::BadOrigin
		);
		for (e, list, error) in [
			(expiry, vec![], Error::<Test>::TooManyStrikes),
			(expiry, vec![50_000, 50_000], Error::<Test>::DuplicateStrike),
			// The mock's chain holds 8 options: 4 strikes.
			(expiry, vec![1, 2, 3, 4, 5], Error::<Test>::TooManyStrikes),
			(expiry, vec![0], Error::<Test>::InvalidStrike),
			(T0, vec![50_000], Error::<Test>::ExpiryInPast),
			(T0 + two_years + 1, vec![50_000], Error::<Test>::ExpiryOutOfRange),
		] {
			assert_noop!(list_chain(e, &list), error);
		}
		// Above the pricing domain (on the half-unit tick), or off it.
		for strike in [
			FixedU128::from_inner(MAX_STRIKE_INNER + 500_000_000_000_000_000),
			FixedU128::from_rational(1, 4),
		] {
			assert_noop!(
				Orderbook::list_option_chain(
					RuntimeOrigin::root(),
					btc(),
					expiry,
					BoundedVec::truncate_from(vec![strike]),
					template()
				),
				Error::<Test>::InvalidStrike
			);
		}
		// A strike already listed (here one option at a time) cannot be listed again.
		let put = MarketConfig {
			kind: MarketKind::Option { right: OptionRight::Put, strike: px(50_000), expiry },
			..btc_perp()
		};
		assert_ok!(Orderbook::create_market(RuntimeOrigin::root(), put));
		assert_noop!(list_chain(expiry, &[45_000, 50_000]), Error::<Test>::DuplicateStrike);
		assert_noop!(
			Orderbook::create_market(RuntimeOrigin::root(), put),
			Error::<Test>::DuplicateStrike
		);
		// A chain that would overflow the expiry's bound lists nothing.
		assert_noop!(list_chain(expiry, &[1, 2, 3, 4]), Error::<Test>::TooManyStrikes);
		// Three expiries at most per underlying (the mock's bound) ...
		assert_ok!(list_chain(expiry + 1, &[50_000]));
		assert_ok!(list_chain(expiry + 2, &[50_000]));
		assert_noop!(list_chain(expiry + 3, &[50_000]), Error::<Test>::TooManyExpiries);
		// ... until one expires: expired ones no longer count.
		pallet_timestamp::Now::<Test>::put(expiry);
		assert_ok!(list_chain(expiry + 3, &[50_000]));
		assert_eq!(
			OptionExpiries::<Test>::get(btc()).into_inner(),
			vec![expiry + 1, expiry + 2, expiry + 3]
		);
	});
}

#[test]
fn dated_markets_need_a_future_expiry_and_options_a_strike() {
	build_and_execute(|| {
		let future = |expiry| MarketConfig { kind: MarketKind::Future { expiry }, ..btc_perp() };
		let call = |strike, expiry| MarketConfig {
			kind: MarketKind::Option { right: OptionRight::Call, strike, expiry },
			..btc_perp()
		};
		// An expiry now or earlier, or a zero strike: each its own error, nothing listed.
		for (config, error) in [
			(future(T0), Error::<Test>::ExpiryInPast),
			(future(T0 - 1), Error::<Test>::ExpiryInPast),
			(call(px(70_000), T0), Error::<Test>::ExpiryInPast),
			(call(FixedU128::from_inner(0), T0 + 1), Error::<Test>::InvalidStrike),
		] {
			assert_noop!(Orderbook::create_market(RuntimeOrigin::root(), config), error);
		}
		assert_eq!(Markets::<Test>::count(), 1);
		assert_ok!(Orderbook::create_market(RuntimeOrigin::root(), future(T0 + 1)));
		assert_eq!(future(T0 + 1).kind.expiry(), Some(T0 + 1));
		assert_eq!(btc_perp().kind.expiry(), None);
	});
}

#[test]
fn a_dated_market_takes_orders_until_its_expiry_and_cancels_after() {
	build_and_execute(|| {
		let expiry = T0 + 60_000;
		let config = MarketConfig { kind: MarketKind::Future { expiry }, ..btc_perp() };
		assert_ok!(Orderbook::create_market(RuntimeOrigin::root(), config));
		let future = 1;
		let on = |who, order| {
			Orderbook::place_order(RuntimeOrigin::signed(who), future, 0, order)
				.map_err(|e| e.error)
		};
		// A millisecond before expiry it trades as usual.
		pallet_timestamp::Now::<Test>::put(expiry - 1);
		assert_ok!(on(ALICE, limit(Side::Buy, 100, 20)));
		assert_ok!(on(ALICE, limit(Side::Buy, 99, 20)));
		assert_ok!(on(BOB, limit(Side::Sell, 100, 20)));
		assert_eq!(TestMargin::fills().len(), 1);
		// From the expiry on: no order of any kind, not even one that only reduces a
		// position, and so no fill against the resting bid either.
		for now in [expiry, expiry + 1] {
			pallet_timestamp::Now::<Test>::put(now);
			let before = Markets::<Test>::get(future);
			let reduce = OrderRequest { reduce_only: true, ..limit(Side::Sell, 99, 20) };
			for order in [limit(Side::Sell, 99, 20), reduce, limit(Side::Buy, 101, 20)] {
				assert_noop!(on(BOB, order), Error::<Test>::MarketExpired);
			}
			assert_eq!(Markets::<Test>::get(future), before);
		}
		assert_eq!(TestMargin::fills().len(), 1);
		// Cancels still work: the owner takes its resting order out.
		let resting = Orderbook::open_orders(future, &acct(ALICE));
		assert_eq!(resting.len(), 1);
		assert_ok!(Orderbook::cancel_order(
			RuntimeOrigin::signed(ALICE),
			future,
			0,
			OrderRef::Id(resting[0].id)
		));
		// The perpetual is untouched by the future's expiry.
		assert_ok!(place(BOB, limit(Side::Sell, 100, 20)));
		check();
	});
}

#[test]
fn the_sweep_takes_every_order_out_of_an_expired_market() {
	build_and_execute(|| {
		let expiry = T0 + 60_000;
		let config = MarketConfig { kind: MarketKind::Future { expiry }, ..btc_perp() };
		assert_ok!(Orderbook::create_market(RuntimeOrigin::root(), config));
		let future = 1;
		let gtc = |who, order| {
			assert_ok!(Orderbook::place_order(RuntimeOrigin::signed(who), future, 0, order));
		};
		gtc(ALICE, limit(Side::Buy, 99, 20));
		gtc(ALICE, limit(Side::Buy, 98, 20));
		gtc(BOB, limit(Side::Sell, 101, 30));
		let perp = place(BOB, limit(Side::Sell, 120, 20)).unwrap();
		// Before expiry the sweep leaves good-till-cancelled orders alone.
		Orderbook::on_idle(1, Weight::from_parts(u64::MAX, u64::MAX));
		assert_eq!(Orderbook::open_orders(future, &acct(ALICE)).len(), 2);
		// After it, every order of the future goes (margin released), the perpetual's stays.
		pallet_timestamp::Now::<Test>::put(expiry);
		System::reset_events();
		Orderbook::on_idle(1, Weight::from_parts(u64::MAX, u64::MAX));
		assert!(Orderbook::open_orders(future, &acct(ALICE)).is_empty());
		assert!(Orderbook::open_orders(future, &acct(BOB)).is_empty());
		assert_eq!(TestMargin::resting(ALICE, future), (0, 0));
		assert_eq!(TestMargin::resting(BOB, future), (0, 0));
		let cancelled: Vec<(AccountId, u128)> = events()
			.into_iter()
			.filter_map(|e| match e {
				Event::OrderCancelled { market, account, remaining, reason, .. } => {
					assert_eq!((market, reason), (future, CancelReason::MarketExpired));
					Some((account.owner, remaining))
				},
				_ => None,
			})
			.collect();
		assert_eq!(cancelled.len(), 3);
		assert!(cancelled.contains(&(BOB, 30)));
		let depth = Orderbook::depth(future, 10).unwrap();
		assert!(depth.bids.is_empty() && depth.asks.is_empty());
		assert_eq!(Orderbook::open_orders(M, &acct(BOB))[0].id, perp);
		check();
	});
}

// ---------------------------------------------------------------------------------------------
// Placing and matching

#[test]
fn a_limit_order_rests_and_is_visible() {
	build_and_execute(|| {
		let mut order = limit(Side::Buy, 100, 50);
		order.client_id = Some(7);
		let first = place(ALICE, order).unwrap();
		// The first order: sequence 1 under Alice's tag.
		assert_eq!(first, id(ALICE, 1));
		assert_eq!(Orderbook::order_sequence(first), 1);
		assert_eq!(
			events(),
			vec![
				Event::OrderPlaced {
					market: M,
					order_id: id(ALICE, 1),
					account: acct(ALICE),
					side: Side::Buy,
					price: px(100),
					quantity: 50,
					client_id: Some(7),
					time_in_force: TimeInForce::Gtc,
				},
				Event::OrderRested { market: M, order_id: id(ALICE, 1), remaining: 50 },
			]
		);
		assert_eq!(depth(), BookDepth { bids: vec![(px(100), 50)], asks: vec![] });
		let open = Orderbook::open_orders(M, &acct(ALICE));
		assert_eq!(open.len(), 1);
		assert_eq!((open[0].id, open[0].client_id, open[0].remaining), (id(ALICE, 1), Some(7), 50));
		assert_eq!(Orderbook::owner_tag_of(open[0].id), Orderbook::owner_tag(&acct(ALICE)));
		check();
	});
}

#[test]
fn a_crossing_order_trades_at_the_makers_price_and_reports_the_fill() {
	build_and_execute(|| {
		place(ALICE, limit(Side::Sell, 101, 30)).unwrap();
		place(BOB, limit(Side::Sell, 102, 40)).unwrap();
		System::reset_events();
		let taker = place(CHARLIE, limit(Side::Buy, 102, 50)).unwrap();
		let trades: Vec<_> =
			events().into_iter().filter(|e| matches!(e, Event::Traded { .. })).collect();
		assert_eq!(
			trades,
			vec![
				Event::Traded {
					market: M,
					taker_order: taker,
					maker_order: id(ALICE, 1),
					taker: acct(CHARLIE),
					maker: acct(ALICE),
					taker_side: Side::Buy,
					price: px(101),
					quantity: 30,
				},
				Event::Traded {
					market: M,
					taker_order: taker,
					maker_order: id(BOB, 2),
					taker: acct(CHARLIE),
					maker: acct(BOB),
					taker_side: Side::Buy,
					price: px(102),
					quantity: 20,
				},
			]
		);
		// The margin engine saw both fills with the market's fee rates.
		let fills = TestMargin::fills();
		assert_eq!(fills.len(), 2);
		assert_eq!(fills[0].taker_fee, btc_perp().params.taker_fee);
		assert_eq!(fills[0].maker_fee, btc_perp().params.maker_fee);
		assert_eq!((fills[1].maker.owner, fills[1].size, fills[1].price), (BOB, 20, px(102)));
		// Alice's order left the book; Bob's has 20 left; the margin engine was told both.
		assert_eq!(TestMargin::resting(ALICE, M), (0, 0));
		assert_eq!(TestMargin::resting(BOB, M), (0, 20));
		assert_eq!(Orderbook::mid_price(M), None);
		place(ALICE, limit(Side::Buy, 99, 20)).unwrap();
		assert_eq!(TestMargin::resting(ALICE, M), (20, 0));
		assert_eq!(Orderbook::mid_price(M), Some(FixedU128::from_rational(201, 2)));
		assert!(Orderbook::open_orders(M, &acct(ALICE)).iter().all(|o| o.id != id(ALICE, 1)));
		// Alice's only open order is the new bid.
		assert_eq!(Orderbook::open_orders(M, &acct(ALICE))[0].side, Side::Buy);
		assert_eq!(Orderbook::open_orders(M, &acct(BOB))[0].remaining, 20);
		assert_eq!(depth(), BookDepth { bids: vec![(px(99), 20)], asks: vec![(px(102), 20)] });
		check();
	});
}

#[test]
fn ioc_and_market_orders_cancel_their_rest() {
	build_and_execute(|| {
		place(ALICE, limit(Side::Sell, 101, 30)).unwrap();
		let id = place(BOB, tif(limit(Side::Buy, 101, 50), TimeInForce::Ioc)).unwrap();
		assert!(events().contains(&Event::OrderCancelled {
			market: M,
			order_id: id,
			account: acct(BOB),
			remaining: 20,
			reason: CancelReason::ImmediateOrCancel,
		}));
		assert!(depth().bids.is_empty());
		// A market order: IOC at its protection price.
		place(ALICE, limit(Side::Sell, 105, 30)).unwrap();
		let market_buy = OrderRequest {
			order_type: OrderType::Market { protection_price: px(104) },
			time_in_force: TimeInForce::Ioc,
			..limit(Side::Buy, 0, 30)
		};
		place(BOB, market_buy).unwrap();
		// Nothing at or below 104: nothing traded, the ask is untouched.
		assert_eq!(depth().asks, vec![(px(105), 30)]);
		// A market order cannot rest.
		let resting_market = OrderRequest { time_in_force: TimeInForce::Gtc, ..market_buy };
		assert_noop!(place(BOB, resting_market), Error::<Test>::InvalidTimeInForce);
		check();
	});
}

#[test]
fn fok_and_post_only() {
	build_and_execute(|| {
		place(ALICE, limit(Side::Sell, 101, 30)).unwrap();
		assert_noop!(
			place(BOB, tif(limit(Side::Buy, 101, 40), TimeInForce::Fok)),
			Error::<Test>::FokUnfillable
		);
		place(BOB, tif(limit(Side::Buy, 101, 30), TimeInForce::Fok)).unwrap();
		assert_eq!(TestMargin::fills().len(), 1);
		place(ALICE, limit(Side::Sell, 103, 30)).unwrap();
		assert_noop!(
			place(BOB, tif(limit(Side::Buy, 103, 20), TimeInForce::PostOnly)),
			Error::<Test>::PostOnlyWouldCross
		);
		place(BOB, tif(limit(Side::Buy, 102, 20), TimeInForce::PostOnly)).unwrap();
		assert_eq!(depth().bids, vec![(px(102), 20)]);
		check();
	});
}

#[test]
fn self_trade_prevention_cancels_the_resting_order() {
	build_and_execute(|| {
		let own = place(ALICE, limit(Side::Sell, 101, 30)).unwrap();
		place(BOB, limit(Side::Sell, 101, 30)).unwrap();
		place(ALICE, limit(Side::Buy, 101, 20)).unwrap();
		assert!(events().contains(&Event::OrderCancelled {
			market: M,
			order_id: own,
			account: acct(ALICE),
			remaining: 30,
			reason: CancelReason::SelfTrade,
		}));
		assert_eq!(TestMargin::fills()[0].maker.owner, BOB);
		assert!(Orderbook::open_orders(M, &acct(ALICE)).is_empty());
		check();
	});
}

#[test]
fn good_till_time_orders_expire_when_touched_and_in_the_sweep() {
	build_and_execute(|| {
		let gtt =
			place(ALICE, tif(limit(Side::Sell, 101, 30), TimeInForce::Gtt(T0 + 1_000))).unwrap();
		let gtt2 =
			place(ALICE, tif(limit(Side::Buy, 90, 30), TimeInForce::Gtt(T0 + 1_000))).unwrap();
		place(BOB, limit(Side::Sell, 102, 30)).unwrap();
		pallet_timestamp::Now::<Test>::put(T0 + 1_000);
		// Already expired on arrival.
		assert_noop!(
			place(BOB, tif(limit(Side::Sell, 110, 30), TimeInForce::Gtt(T0 + 1_000))),
			Error::<Test>::AlreadyExpired
		);
		// Touched by a taker: removed, never filled.
		place(CHARLIE, limit(Side::Buy, 102, 30)).unwrap();
		assert!(events().contains(&Event::OrderCancelled {
			market: M,
			order_id: gtt,
			account: acct(ALICE),
			remaining: 30,
			reason: CancelReason::Expired,
		}));
		assert_eq!(TestMargin::fills()[0].maker.owner, BOB);
		// The other one is removed by the idle sweep.
		assert_eq!(depth().bids, vec![(px(90), 30)]);
		let used = Orderbook::on_idle(1, Weight::from_parts(u64::MAX, u64::MAX));
		assert!(used.ref_time() > 0);
		assert!(depth().bids.is_empty());
		assert!(events().contains(&Event::OrderCancelled {
			market: M,
			order_id: gtt2,
			account: acct(ALICE),
			remaining: 30,
			reason: CancelReason::Expired,
		}));
		// Without weight to spare the sweep does nothing.
		assert_eq!(Orderbook::on_idle(1, Weight::zero()), Weight::zero());
		check();
	});
}

#[test]
fn the_sweep_resumes_where_it_stopped() {
	build_and_execute(|| {
		for price in 90..96 {
			place(ALICE, tif(limit(Side::Buy, price, 20), TimeInForce::Gtt(T0 + 10))).unwrap();
		}
		pallet_timestamp::Now::<Test>::put(T0 + 10);
		// Weight for the cursor, the count and two levels per call.
		let per_level = <() as crate::WeightInfo>::sweep_level(8);
		let db = crate::mock::DbWeight::get();
		let limit = db.reads_writes(2, 1).saturating_add(per_level.saturating_mul(2));
		let mut rounds = 0;
		while !depth().bids.is_empty() {
			Orderbook::on_idle(1, limit);
			rounds += 1;
			assert!(rounds < 10, "the sweep must make progress");
		}
		assert!(rounds >= 3, "two levels per call: six levels take three calls");
		check();
	});
}

#[test]
fn the_maker_bound_limits_work_and_refunds_the_rest() {
	build_and_execute(|| {
		for _ in 0..6 {
			place(ALICE, limit(Side::Sell, 101, 20)).unwrap();
		}
		let post = Orderbook::place_order(
			RuntimeOrigin::signed(BOB),
			M,
			0,
			tif(limit(Side::Buy, 101, 120), TimeInForce::Ioc),
		)
		.unwrap();
		// Four makers (the bound), not six.
		assert_eq!(TestMargin::fills().len(), 4);
		assert_eq!(post.actual_weight, Some(placed(4, 0, 1)));
		// A resting order that met nothing is charged as such.
		let post =
			Orderbook::place_order(RuntimeOrigin::signed(BOB), M, 0, limit(Side::Buy, 90, 20))
				.unwrap();
		assert_eq!(post.actual_weight, Some(placed(0, 0, 1)));
		// A placer is charged the positions it holds (its margin check values each, with the
		// surcharge of the costliest kind), not the largest account's the call declared.
		for market in 1..4 {
			TestMargin::set_position(BOB, 0, market, 10);
		}
		let post =
			Orderbook::place_order(RuntimeOrigin::signed(BOB), M, 0, limit(Side::Buy, 89, 20))
				.unwrap();
		// The surcharge (3 µs) is what the check reported, not the placement's own weight.
		let three = placed(0, 3, 1).saturating_add(Weight::from_parts(3_000_000, 0));
		assert_eq!(post.actual_weight, Some(three));
		assert_eq!(Orderbook::place_weight(0, 0, placer(3)), placed(0, 3, 1));
		assert!(three.ref_time() < Orderbook::place_order_weight().ref_time());
		// Declared: the largest placer (8 positions, 4 collaterals), its surcharge (8 µs) and
		// a revaluation without the order (16 µs), the most makers, a full level evicted.
		let declared = placed(4, 8, 4)
			.saturating_add(Weight::from_parts(8_000_000 + 16_000_000, 0))
			.saturating_add(Orderbook::eviction_weight(8));
		assert_eq!(Orderbook::place_order_weight(), declared);
		// A check that revalued the placer without the order (it falls short of its initial
		// requirement and cuts risk) is charged that too.
		TestMargin::revalue(Weight::from_parts(5_000_000, 0));
		let post =
			Orderbook::place_order(RuntimeOrigin::signed(BOB), M, 0, limit(Side::Buy, 88, 20))
				.unwrap();
		assert_eq!(
			post.actual_weight,
			Some(three.saturating_add(Weight::from_parts(5_000_000, 0)))
		);
		check();
	});
}

// ---------------------------------------------------------------------------------------------
// Reduce-only, statuses and the margin engine

#[test]
fn reduce_only_orders_need_an_opposite_position() {
	build_and_execute(|| {
		let mut sell = limit(Side::Sell, 101, 40);
		sell.reduce_only = true;
		assert_noop!(place(ALICE, sell), Error::<Test>::ReduceOnlyViolated);
		TestMargin::set_position(ALICE, 0, M, 30);
		assert_noop!(place(ALICE, sell), Error::<Test>::ReduceOnlyViolated);
		TestMargin::set_position(ALICE, 0, M, -50);
		assert_noop!(place(ALICE, sell), Error::<Test>::ReduceOnlyViolated);
		TestMargin::set_position(ALICE, 0, M, 50);
		assert_ok!(place(ALICE, sell));
		check();
	});
}

#[test]
fn market_status_gates_orders_but_never_cancels() {
	build_and_execute(|| {
		let id = place(ALICE, limit(Side::Buy, 100, 20)).unwrap();
		assert_ok!(Orderbook::set_market_status(
			RuntimeOrigin::root(),
			M,
			MarketStatus::ReduceOnly
		));
		assert_noop!(place(BOB, limit(Side::Buy, 100, 20)), Error::<Test>::MarketReduceOnly);
		assert_ok!(Orderbook::set_market_status(RuntimeOrigin::root(), M, MarketStatus::Halted));
		assert_noop!(place(BOB, limit(Side::Buy, 100, 20)), Error::<Test>::MarketNotTrading);
		assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), M, 0, OrderRef::Id(id)));
		check();
	});
}

#[test]
fn the_margin_engine_can_refuse_an_order_or_a_fill() {
	build_and_execute(|| {
		place(ALICE, limit(Side::Sell, 101, 20)).unwrap();
		TestMargin::refuse_orders(true);
		assert_noop!(place(BOB, limit(Side::Buy, 101, 20)), DispatchError::Other(MARGIN_REFUSAL));
		TestMargin::refuse_orders(false);
		TestMargin::refuse_fills(true);
		// The refusal comes after matching began: the whole order is undone.
		assert_noop!(place(BOB, limit(Side::Buy, 101, 20)), DispatchError::Other(FILL_REFUSAL));
		check();
	});
}

// ---------------------------------------------------------------------------------------------
// Bad input

#[test]
fn bad_orders_are_refused_with_distinct_errors() {
	build_and_execute(|| {
		let ok = limit(Side::Buy, 100, 20);
		assert_noop!(
			Orderbook::place_order(RuntimeOrigin::signed(ALICE), 9, 0, ok),
			Error::<Test>::UnknownMarket
		);
		assert_noop!(
			Orderbook::place_order(RuntimeOrigin::signed(ALICE), M, 4, ok),
			Error::<Test>::SubAccountOutOfRange
		);
		let off_tick = OrderRequest {
			order_type: OrderType::Limit { price: FixedU128::from_rational(1001, 10) },
			..ok
		};
		assert_noop!(place(ALICE, off_tick), Error::<Test>::PriceOffTick);
		let zero_price =
			OrderRequest { order_type: OrderType::Limit { price: FixedU128::from_u32(0) }, ..ok };
		assert_noop!(place(ALICE, zero_price), Error::<Test>::ZeroPrice);
		assert_noop!(place(ALICE, OrderRequest { quantity: 25, ..ok }), Error::<Test>::SizeOffLot);
		assert_noop!(
			place(ALICE, OrderRequest { quantity: 10, ..ok }),
			Error::<Test>::BelowMinSize
		);
		assert_noop!(place(ALICE, OrderRequest { quantity: 0, ..ok }), Error::<Test>::ZeroSize);
		let huge = OrderRequest { quantity: 10 * (u128::from(u64::MAX) + 1), ..ok };
		assert_noop!(place(ALICE, huge), Error::<Test>::SizeOverflow);
		let huge_price = OrderRequest {
			order_type: OrderType::Limit {
				price: FixedU128::from_inner(500_000_000_000_000_000 * (u128::from(u64::MAX) + 1)),
			},
			..ok
		};
		assert_noop!(place(ALICE, huge_price), Error::<Test>::PriceOverflow);
	});
}

#[test]
fn open_order_cap_level_and_index_bounds() {
	build_and_execute(|| {
		for price in 80..90 {
			place(ALICE, limit(Side::Buy, price, 20)).unwrap();
		}
		assert_noop!(place(ALICE, limit(Side::Buy, 70, 20)), Error::<Test>::TooManyOpenOrders);
		// A level holds at most 8 orders.
		for who in 10..17 {
			place(who, limit(Side::Buy, 80, 20)).unwrap();
		}
		assert_noop!(place(BOB, limit(Side::Buy, 80, 20)), Error::<Test>::LevelFull);
		// A side holds at most 16 levels (10 exist).
		for price in 60..66 {
			place(BOB, limit(Side::Buy, price, 20)).unwrap();
		}
		assert_noop!(place(CHARLIE, limit(Side::Buy, 50, 20)), Error::<Test>::TooManyLevels);
		check();
	});
}

#[test]
fn client_ids_are_unique_and_cancel_works_by_either_id() {
	build_and_execute(|| {
		let mut order = limit(Side::Buy, 100, 20);
		order.client_id = Some(42);
		place(ALICE, order).unwrap();
		assert_noop!(place(ALICE, order), Error::<Test>::DuplicateClientId);
		// Another account may use the same client id.
		assert_ok!(place(BOB, OrderRequest { side: Side::Buy, ..order }));
		assert_ok!(Orderbook::cancel_order(
			RuntimeOrigin::signed(ALICE),
			M,
			0,
			OrderRef::ClientId(42)
		));
		// Still refused after the order left the book: a re-submission is not a new order.
		assert_noop!(place(ALICE, order), Error::<Test>::DuplicateClientId);
		// Bob's order 2: not Alice's to cancel (its id carries Bob's tag), and Alice's unknown
		// ids are unknown.
		assert_noop!(
			Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), M, 0, OrderRef::Id(id(BOB, 2))),
			Error::<Test>::NotOrderOwner
		);
		assert_noop!(
			Orderbook::cancel_order(
				RuntimeOrigin::signed(ALICE),
				M,
				0,
				OrderRef::Id(id(ALICE, 99))
			),
			Error::<Test>::OrderNotFound
		);
		assert_noop!(
			Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), M, 0, OrderRef::ClientId(1)),
			Error::<Test>::OrderNotFound
		);
		assert_noop!(
			Orderbook::cancel_order(RuntimeOrigin::signed(ALICE), 7, 0, OrderRef::Id(id(BOB, 2))),
			Error::<Test>::UnknownMarket
		);
		assert_ok!(Orderbook::cancel_order(
			RuntimeOrigin::signed(BOB),
			M,
			0,
			OrderRef::Id(id(BOB, 2))
		));
		assert!(events().contains(&Event::OrderCancelled {
			market: M,
			order_id: id(BOB, 2),
			account: acct(BOB),
			remaining: 20,
			reason: CancelReason::User,
		}));
		check();
	});
}

#[test]
fn cancel_all_and_bulk() {
	build_and_execute(|| {
		for price in 95..99 {
			place(ALICE, limit(Side::Buy, price, 20)).unwrap();
		}
		place(BOB, limit(Side::Buy, 98, 20)).unwrap();
		let post = Orderbook::cancel_all(RuntimeOrigin::signed(ALICE), M, 0).unwrap();
		assert_eq!(post.actual_weight, Some(<() as crate::WeightInfo>::cancel_all(4)));
		assert_eq!(depth().bids, vec![(px(98), 20)]);

		// Bulk: replace quotes in one call.
		let a = place(ALICE, limit(Side::Sell, 105, 20)).unwrap();
		let b = place(ALICE, limit(Side::Sell, 106, 20)).unwrap();
		let cancels = BoundedVec::truncate_from(vec![OrderRef::Id(a), OrderRef::Id(b)]);
		let places = BoundedVec::truncate_from(vec![
			limit(Side::Sell, 103, 20),
			limit(Side::Sell, 104, 20),
			limit(Side::Buy, 99, 20),
		]);
		assert_ok!(Orderbook::bulk(RuntimeOrigin::signed(ALICE), M, 0, cancels, places));
		assert_eq!(depth().asks, vec![(px(103), 20), (px(104), 20)]);
		assert_eq!(depth().bids, vec![(px(99), 20), (px(98), 20)]);
		// All or nothing: one bad placement undoes the cancels too.
		let cancels = BoundedVec::truncate_from(vec![OrderRef::ClientId(5)]);
		assert_noop!(
			Orderbook::bulk(RuntimeOrigin::signed(ALICE), M, 0, cancels, Default::default()),
			Error::<Test>::OrderNotFound
		);
		let open = Orderbook::open_orders(M, &acct(ALICE));
		let cancels = BoundedVec::truncate_from(vec![OrderRef::Id(open[0].id)]);
		let places = BoundedVec::truncate_from(vec![limit(Side::Sell, 103, 25)]);
		assert_noop!(
			Orderbook::bulk(RuntimeOrigin::signed(ALICE), M, 0, cancels, places),
			Error::<Test>::SizeOffLot
		);
		let cancels = BoundedVec::truncate_from(vec![OrderRef::Id(id(ALICE, 1)); 4]);
		let places = BoundedVec::truncate_from(vec![limit(Side::Sell, 110, 20); 3]);
		assert_noop!(
			Orderbook::bulk(RuntimeOrigin::signed(ALICE), M, 0, cancels, places),
			Error::<Test>::TooManyOperations
		);
		check();
	});
}

// ---------------------------------------------------------------------------------------------
// A full side evicts its farthest level (dust cannot lock a book)

/// Dust bids of accounts 100, 101, … at 10, 11, … (one per level) until the bid side holds
/// `MaxLevels` (16) levels. Returns the accounts.
fn dust_bids() -> Vec<AccountId> {
	(0..16u64)
		.map(|i| {
			let who = 100 + i;
			place(who, limit(Side::Buy, 10 + i, 20)).unwrap();
			who
		})
		.collect()
}

fn evicted(who: AccountId, order_id: OrderId) -> Event<Test> {
	Event::OrderCancelled {
		market: M,
		order_id,
		account: acct(who),
		remaining: 20,
		reason: CancelReason::Evicted,
	}
}

#[test]
fn dust_on_far_levels_cannot_lock_the_book() {
	build_and_execute(|| {
		// The attack: accomplices spread min-size bids over every level the side may hold,
		// far below the market (100), so that no one can quote a new bid price.
		let dust = dust_bids();
		// Two more accomplices join the farthest level.
		let farthest: Vec<OrderId> = [dust[0], 200, 201]
			.iter()
			.map(|who| {
				if *who == dust[0] {
					id(*who, 1)
				} else {
					place(*who, limit(Side::Buy, 10, 20)).unwrap()
				}
			})
			.collect();
		assert_eq!(depth().bids.len(), 10);
		assert_eq!(Markets::<Test>::get(M).unwrap().bids.len(), 16);
		System::reset_events();

		// A market maker still quotes a new bid at 90: the farthest level (10) leaves the
		// book, every order on it cancelled as evicted, each owner's index and margin
		// reservation released.
		let post =
			Orderbook::place_order(RuntimeOrigin::signed(ALICE), M, 0, limit(Side::Buy, 90, 20))
				.unwrap();
		let quote = id(ALICE, Markets::<Test>::get(M).unwrap().next_sequence - 1);
		let events = events();
		for (who, order) in [dust[0], 200, 201].into_iter().zip(farthest) {
			assert!(events.contains(&evicted(who, order)), "{who} evicted");
			assert!(Orderbook::open_orders(M, &acct(who)).is_empty());
			assert_eq!(TestMargin::resting(who, M), (0, 0));
		}
		assert!(events.contains(&Event::OrderRested { market: M, order_id: quote, remaining: 20 }));
		assert!(Levels::<Test>::get((M, Side::Buy, 20)).is_empty());
		let index = Markets::<Test>::get(M).unwrap().bids;
		assert_eq!(index.len(), 16);
		assert_eq!((index.first(), index.last()), (Some(&180), Some(&22)));
		assert_eq!(TestMargin::resting(ALICE, M), (20, 0));
		// The refund: what the eviction of three orders costs, not the worst case.
		assert_eq!(post.actual_weight, Some(Orderbook::place_weight(0, 3, placer(0))));
		assert!(
			Orderbook::place_weight(0, 3, placer(0)).ref_time()
				< (Orderbook::place_weight(0, 0, placer(0)) + Orderbook::eviction_weight(8))
					.ref_time()
		);

		// A price beyond the farthest level is refused, and nothing changes.
		assert_noop!(place(BOB, limit(Side::Buy, 5, 20)), Error::<Test>::TooManyLevels);
		// Joining an existing level needs no room.
		assert_ok!(place(BOB, limit(Side::Buy, 11, 20)));
		// A placement that evicts nothing is charged a plain placement.
		let post =
			Orderbook::place_order(RuntimeOrigin::signed(BOB), M, 0, limit(Side::Buy, 90, 20))
				.unwrap();
		assert_eq!(post.actual_weight, Some(Orderbook::place_weight(0, 0, placer(0))));
		check();
	});
}

#[test]
fn the_farthest_ask_is_the_highest_and_a_taker_evicts_only_with_its_rest() {
	build_and_execute(|| {
		for i in 0..16u64 {
			place(100 + i, limit(Side::Sell, 200 + i, 20)).unwrap();
		}
		// A buy that fills entirely opens no level: nothing is evicted.
		place(BOB, limit(Side::Buy, 200, 20)).unwrap();
		assert_eq!(Markets::<Test>::get(M).unwrap().asks.len(), 15);
		place(BOB, limit(Side::Sell, 190, 20)).unwrap();
		assert_eq!(Markets::<Test>::get(M).unwrap().asks.len(), 16);
		System::reset_events();
		// A new ask at 195 evicts the highest ask (215).
		place(ALICE, limit(Side::Sell, 195, 20)).unwrap();
		assert!(events().contains(&evicted(115, id(115, 16))));
		let index = Markets::<Test>::get(M).unwrap().asks;
		assert_eq!((index.first(), index.last()), (Some(&380), Some(&428)));
		assert_eq!(TestMargin::resting(115, M), (0, 0));
		assert_noop!(place(CHARLIE, limit(Side::Sell, 300, 20)), Error::<Test>::TooManyLevels);
		check();
	});
}

#[test]
fn a_placement_may_evict_its_owners_own_far_order() {
	build_and_execute(|| {
		// Alice's own order is the farthest bid; the side is full.
		let far = place(ALICE, limit(Side::Buy, 5, 20)).unwrap();
		for i in 0..15u64 {
			place(100 + i, limit(Side::Buy, 10 + i, 20)).unwrap();
		}
		System::reset_events();
		let near = place(ALICE, limit(Side::Buy, 90, 20)).unwrap();
		assert!(events().contains(&evicted(ALICE, far)));
		// Her index and her margin reservation hold the new order only.
		let open = Orderbook::open_orders(M, &acct(ALICE));
		assert_eq!(open.iter().map(|o| o.id).collect::<Vec<_>>(), vec![near]);
		assert_eq!(TestMargin::resting(ALICE, M), (20, 0));
		check();
	});
}

#[test]
fn a_bulk_call_evicts_at_most_one_level() {
	build_and_execute(|| {
		let dust = dust_bids();
		// Two new levels on a full side would evict two levels: refused, all or nothing.
		let places =
			BoundedVec::truncate_from(vec![limit(Side::Buy, 90, 20), limit(Side::Buy, 91, 20)]);
		assert_noop!(
			Orderbook::bulk(RuntimeOrigin::signed(ALICE), M, 0, Default::default(), places),
			Error::<Test>::TooManyLevels
		);
		// One new level, and a second placement that joins an existing level, pass.
		let places =
			BoundedVec::truncate_from(vec![limit(Side::Buy, 90, 20), limit(Side::Buy, 12, 20)]);
		let post = Orderbook::bulk(RuntimeOrigin::signed(ALICE), M, 0, Default::default(), places)
			.unwrap();
		assert!(events().contains(&evicted(dust[0], id(dust[0], 1))));
		let expected = bulked(0, 2, 0, 1)
			.saturating_add(Orderbook::place_weight(0, 1, placer(0)))
			.saturating_sub(Orderbook::place_weight(0, 0, placer(0)));
		assert_eq!(post.actual_weight, Some(expected));
		assert_eq!(Orderbook::open_orders(M, &acct(ALICE)).len(), 2);
		check();
	});
}

// ---------------------------------------------------------------------------------------------
// The storage book against the in-memory core

mod differential {
	use super::*;
	use proptest::prelude::*;

	#[derive(Clone, Debug)]
	enum Op {
		Place { who: AccountId, buy: bool, price: u64, lots: u128, ioc: bool },
		Cancel { pick: usize },
	}

	fn op() -> impl Strategy<Value = Op> {
		prop_oneof![
			4 => (1u64..6, any::<bool>(), 95u64..105, 2u128..8, any::<bool>())
				.prop_map(|(who, buy, price, lots, ioc)| Op::Place { who, buy, price, lots, ioc }),
			1 => any::<usize>().prop_map(|pick| Op::Cancel { pick }),
		]
	}

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(48))]
		/// Any stream of orders and cancels leaves the pallet's book equal to the core's
		/// in-memory book fed the same stream, and the pallet's invariants hold throughout.
		#[test]
		fn pallet_book_equals_the_core_book(ops in proptest::collection::vec(op(), 1..60)) {
			build_and_execute(|| {
				let mut memory = MemoryBook::<MarginAccount<AccountId>>::default();
				let mut ids: Vec<(AccountId, OrderId)> = Vec::new();
				for op in ops {
					match op {
						Op::Place { who, buy, price, lots, ioc } => {
							let side = if buy { Side::Buy } else { Side::Sell };
							let request = tif(
								limit(side, price, lots * 10),
								if ioc { TimeInForce::Ioc } else { TimeInForce::Gtc },
							);
							let Ok(id) = place(who, request) else { continue };
							ids.push((who, id));
							let _ = memory.place(
								NewOrder {
									id,
									owner: acct(who),
									side,
									price: price * 2, // ticks of 0.5
									qty: lots as u64,
									time_in_force: request.time_in_force,
									self_trade: SelfTradePrevention::CancelResting,
									reduce_only: false,
								},
								MatchLimits { now: T0, max_makers: 4 },
							);
						},
						Op::Cancel { pick } => {
							if ids.is_empty() { continue; }
							let (who, id) = ids[pick % ids.len()];
							let pallet = Orderbook::cancel_order(RuntimeOrigin::signed(who), M, 0, OrderRef::Id(id)).is_ok();
							let core = memory.cancel(id).is_some();
							assert_eq!(pallet, core);
						},
					}
					let expected = BookDepth {
						bids: memory.depth(Side::Buy, 16).into_iter().map(|(p, q)| (FixedU128::from_rational(p.into(), 2), q * 10)).collect(),
						asks: memory.depth(Side::Sell, 16).into_iter().map(|(p, q)| (FixedU128::from_rational(p.into(), 2), q * 10)).collect(),
					};
					assert_eq!(Orderbook::depth(M, 16).unwrap(), expected);
					Orderbook::do_try_state().unwrap();
				}
			});
		}
	}
}

/// The invariants added by the hardening audit catch what they promise: a resting
/// reduce-only order beyond the position, one on the side that adds to it, and margin's
/// resting totals drifting from the book's. (Breaks them on purpose: not `build_and_execute`.)
#[test]
fn try_state_catches_reduce_only_and_resting_drift() {
	new_test_ext().execute_with(|| {
		TestMargin::set_position(ALICE, 0, M, 50);
		let mut sell = limit(Side::Sell, 105, 40);
		sell.reduce_only = true;
		assert_ok!(place(ALICE, sell));
		check();
		// The position shrinks outside the book, nothing follows: caught.
		TestMargin::set_position(ALICE, 0, M, 30);
		assert_eq!(
			Orderbook::do_try_state(),
			Err("resting reduce-only size exceeds the position".into())
		);
		// Flipped: the order would now add to a short.
		TestMargin::set_position(ALICE, 0, M, -30);
		assert_eq!(
			Orderbook::do_try_state(),
			Err("a reduce-only order rests on the side that adds to the position".into())
		);
		TestMargin::set_position(ALICE, 0, M, 50);
		check();
		// Margin's view drifts from the book's: caught.
		<TestMargin as OrderMarginCheck<AccountId>>::on_resting_changed(
			&acct(ALICE),
			M,
			Default::default(),
		)
		.unwrap();
		assert_eq!(
			Orderbook::do_try_state(),
			Err("the margin engine's resting totals differ from the book's".into())
		);
	});
}

/// A `bulk` call's placements share one taker's budget of `MaxMakersPerOrder` (4 here) resting
/// orders touched, so its declared weight pays for the makers once. Each placement had a
/// budget of its own, and from about 29 placements the declared proof size exceeded what one
/// transaction may use: a large `bulk` could never be included.
#[test]
fn a_bulk_call_shares_one_takers_maker_budget() {
	build_and_execute(|| {
		// Six asks of 20 at 101 from six makers.
		for who in 100..106 {
			place(who, limit(Side::Sell, 101, 20)).unwrap();
		}
		System::reset_events();
		// Two buys of 60 at 101: the first takes three makers, the second only the one the
		// budget has left; its crossing remainder is cancelled, not rested across the book.
		let places =
			BoundedVec::truncate_from(vec![limit(Side::Buy, 101, 60), limit(Side::Buy, 101, 60)]);
		let post = Orderbook::bulk(RuntimeOrigin::signed(ALICE), M, 0, Default::default(), places)
			.unwrap();
		let trades = events().iter().filter(|e| matches!(e, Event::Traded { .. })).count();
		assert_eq!(trades, 4);
		assert!(events().iter().any(|e| matches!(
			e,
			Event::OrderCancelled { remaining: 40, reason: CancelReason::MatchLimit, .. }
		)));
		assert_eq!(depth().asks, vec![(px(101), 40)]);
		assert!(depth().bids.is_empty());
		// Charged the four makers touched, within what the call declared; neither placement
		// rested, so neither wrote a level of its own.
		let expected = bulked(0, 0, 0, 1)
			.saturating_add(<() as crate::WeightInfo>::bulk_shared(2))
			.saturating_sub(<() as crate::WeightInfo>::bulk_shared(0))
			.saturating_add(Orderbook::place_weight(3, 0, placer(0)))
			.saturating_sub(Orderbook::place_weight(0, 0, placer(0)))
			.saturating_add(Orderbook::place_weight(1, 0, placer(0)))
			.saturating_sub(Orderbook::place_weight(0, 0, placer(0)));
		assert_eq!(post.actual_weight, Some(expected));
		assert!(expected.all_lte(Orderbook::bulk_weight(0, 2)));
		// A placement after the budget is spent still rests where it does not cross.
		let places =
			BoundedVec::truncate_from(vec![limit(Side::Buy, 101, 80), limit(Side::Buy, 99, 20)]);
		assert_ok!(Orderbook::bulk(RuntimeOrigin::signed(ALICE), M, 0, Default::default(), places));
		assert_eq!(depth().bids, vec![(px(101), 40), (px(99), 20)]);
		check();
	});
}

/// The declared weight grows by one placement's resting cost per placement: the margin check
/// (and its surcharge for the largest account) is made once per call, on the outcome
/// (`a_bulk_call_of_every_placement_it_may_hold_is_a_valid_transaction` in the runtime's tests
/// checks the largest call against the runtime's limit).
#[test]
fn a_full_bulk_call_declares_one_takers_makers_and_one_margin_check() {
	build_and_execute(|| {
		let one = Orderbook::bulk_weight(0, 1);
		let two = Orderbook::bulk_weight(0, 2);
		let per_placement = bulked(0, 2, 8, 4).saturating_sub(bulked(0, 1, 8, 4));
		assert_eq!(two.saturating_sub(one), per_placement);
		// The largest account's surcharge (8 µs) and revaluation (16 µs), once.
		assert_eq!(Orderbook::bulk_check_weight(5, 8), Weight::from_parts(24_000_000, 0));
		assert_eq!(Orderbook::bulk_check_weight(0, 8), Weight::zero());
	});
}

fn bulk(
	who: AccountId,
	cancels: Vec<OrderRef>,
	places: Vec<OrderRequest>,
) -> Result<(), DispatchError> {
	Orderbook::bulk(
		RuntimeOrigin::signed(who),
		M,
		0,
		BoundedVec::truncate_from(cancels),
		BoundedVec::truncate_from(places),
	)
	.map(|_| ())
	.map_err(|e| e.error)
}

/// A `bulk` call's placements are checked by the margin engine once, on the outcome, with
/// every placement named; a single placement is checked before it trades, as before.
#[test]
fn a_bulk_call_is_margin_checked_once_on_its_outcome() {
	build_and_execute(|| {
		place(BOB, limit(Side::Sell, 101, 20)).unwrap();
		assert_eq!(TestMargin::checks(), (1, 0, 0));
		let places = vec![
			limit(Side::Buy, 99, 20),
			limit(Side::Buy, 98, 20),
			limit(Side::Buy, 101, 20),
			limit(Side::Sell, 103, 40),
		];
		assert_ok!(bulk(ALICE, vec![], places));
		assert_eq!(TestMargin::checks(), (1, 1, 4));
		assert_eq!(TestMargin::fills().len(), 1);
		assert_eq!(depth().bids, vec![(px(99), 20), (px(98), 20)]);
		assert_eq!(depth().asks, vec![(px(103), 40)]);
		// The margin engine was told the outcome: two bids and an ask resting.
		assert_eq!(TestMargin::resting(ALICE, M), (40, 40));
		// Cancels alone need no check.
		let open = Orderbook::open_orders(M, &acct(ALICE));
		assert_ok!(bulk(ALICE, vec![OrderRef::Id(open[0].id)], vec![]));
		assert_eq!(TestMargin::checks(), (1, 1, 4));
		check();
	});
}

/// Alice's `bulk` of `places` (no cancels): the weight it was charged.
fn charged_bulk(places: Vec<OrderRequest>) -> Weight {
	Orderbook::bulk(
		RuntimeOrigin::signed(ALICE),
		M,
		0,
		Default::default(),
		BoundedVec::truncate_from(places),
	)
	.unwrap()
	.actual_weight
	.unwrap()
}

/// A `bulk` call declares the largest placer and a revaluation of the account as it was; it is
/// charged the positions its placer holds, and the revaluation only where the margin engine
/// made it (an outcome short of the initial requirement).
#[test]
fn a_bulk_call_is_charged_its_placers_positions_and_any_revaluation() {
	build_and_execute(|| {
		TestMargin::set_position(ALICE, 0, 1, 10);
		TestMargin::set_position(ALICE, 0, 2, -10);
		let quotes = vec![limit(Side::Buy, 99, 20), limit(Side::Sell, 101, 20)];
		let plain = bulked(0, 2, 2, 1).saturating_add(Weight::from_parts(2_000_000, 0));
		assert_eq!(charged_bulk(quotes.clone()), plain);
		TestMargin::revalue(Weight::from_parts(4_000_000, 0));
		let requotes = vec![limit(Side::Buy, 98, 20), limit(Side::Sell, 102, 20)];
		let revalued = charged_bulk(requotes);
		assert_eq!(revalued, plain.saturating_add(Weight::from_parts(4_000_000, 0)));
		assert!(revalued.ref_time() < Orderbook::bulk_weight(0, 2).ref_time());
		check();
	});
}

/// A placement resting on a level the call already holds (a level another order rests on and
/// an earlier step read, or one an earlier placement opened) is charged the `bulk_shared`
/// benchmark's per-placement cost: the level's read and write belong to the first.
#[test]
fn placements_on_a_level_the_call_holds_are_charged_as_shared() {
	build_and_execute(|| {
		let shared = |k: u32| {
			<() as crate::WeightInfo>::bulk_shared(k)
				.saturating_sub(<() as crate::WeightInfo>::bulk_shared(0))
		};
		// Three at a new price: the first opens the level, the other two share it.
		let three = vec![limit(Side::Buy, 99, 20); 3];
		assert_eq!(charged_bulk(three), bulked(0, 1, 0, 1).saturating_add(shared(2)));
		// Two more at 99, now a stored level (the first reads and writes it: fresh; the second
		// shares it), and one at a new price (fresh).
		let mixed =
			vec![limit(Side::Buy, 99, 20), limit(Side::Buy, 99, 20), limit(Side::Buy, 97, 20)];
		assert_eq!(charged_bulk(mixed), bulked(0, 2, 0, 1).saturating_add(shared(1)));
		assert_eq!(depth().bids, vec![(px(99), 100), (px(97), 20)]);
		// What a shared placement is charged is less than a fresh one.
		assert!(
			shared(1).ref_time() < bulked(0, 1, 0, 1).saturating_sub(bulked(0, 0, 0, 1)).ref_time()
		);
		check();
	});
}

/// Attack: a trader whose outcome the margin engine refuses keeps nothing of it: not the fill
/// against the resting ask (its maker's order is back), not the quotes, not the cancels.
#[test]
fn a_refused_bulk_outcome_undoes_its_fills_quotes_and_cancels() {
	build_and_execute(|| {
		place(BOB, limit(Side::Sell, 101, 20)).unwrap();
		let quote = place(ALICE, limit(Side::Buy, 95, 20)).unwrap();
		TestMargin::refuse_orders(true);
		let places = vec![limit(Side::Buy, 101, 20), limit(Side::Buy, 99, 40)];
		assert_noop!(
			bulk(ALICE, vec![OrderRef::Id(quote)], places),
			DispatchError::Other(MARGIN_REFUSAL)
		);
		assert_eq!(depth().asks, vec![(px(101), 20)]);
		assert_eq!(depth().bids, vec![(px(95), 20)]);
		check();
	});
}

/// Placements of one call see each other: a later one trades against (or, with self-trade
/// prevention, cancels) an earlier one still in the call's book, and the open-order cap and
/// client ids count the earlier ones.
#[test]
fn a_bulk_calls_placements_see_each_other() {
	build_and_execute(|| {
		// Alice's bid, then her own crossing ask: self-trade prevention cancels the bid.
		let places = vec![limit(Side::Buy, 100, 20), limit(Side::Sell, 100, 20)];
		assert_ok!(bulk(ALICE, vec![], places));
		assert_eq!(TestMargin::fills().len(), 0);
		assert!(depth().bids.is_empty());
		assert_eq!(depth().asks, vec![(px(100), 20)]);
		assert!(events().iter().any(|e| matches!(
			e,
			Event::OrderCancelled { remaining: 20, reason: CancelReason::SelfTrade, .. }
		)));
		// The call's own bid was not there before it: nothing of the signer's was released.
		assert_eq!(TestMargin::released(), vec![false]);
		// An earlier bid that self-trade prevention takes out is: the margin engine is told
		// (the account's requirement before the call counted it).
		let earlier = place(CHARLIE, limit(Side::Buy, 95, 20)).unwrap();
		let cross = vec![limit(Side::Sell, 95, 20)];
		assert_ok!(Orderbook::bulk(
			RuntimeOrigin::signed(CHARLIE),
			M,
			0,
			Default::default(),
			BoundedVec::truncate_from(cross)
		));
		assert!(!Orderbook::open_orders(M, &acct(CHARLIE)).iter().any(|o| o.id == earlier));
		assert_eq!(TestMargin::released(), vec![false, true]);
		// A client id used earlier in the same call is a duplicate.
		let mut a = limit(Side::Buy, 90, 20);
		a.client_id = Some(7);
		assert_noop!(bulk(BOB, vec![], vec![a, a]), Error::<Test>::DuplicateClientId);
		// The cap (10 open orders) counts the call's own rests: Alice has 1, then 7; 4 more
		// would be 11.
		let ladder: Vec<_> = (0..6).map(|i| limit(Side::Buy, 80 + i, 20)).collect();
		assert_ok!(bulk(ALICE, vec![], ladder));
		let more: Vec<_> = (0..4).map(|i| limit(Side::Buy, 70 + i, 20)).collect();
		assert_noop!(bulk(ALICE, vec![], more.clone()), Error::<Test>::TooManyOpenOrders);
		// A cancel in the same call makes the room.
		let open = Orderbook::open_orders(M, &acct(ALICE));
		assert_ok!(bulk(ALICE, vec![OrderRef::Id(open[0].id)], more));
		assert_eq!(Orderbook::open_orders(M, &acct(ALICE)).len(), 10);
		check();
	});
}

/// Attack: stacked reduce-only orders in one call cannot add up to more than the position (the
/// second counts the first, resting in the call's book).
#[test]
fn stacked_reduce_only_placements_in_one_call_are_refused() {
	build_and_execute(|| {
		TestMargin::set_position(ALICE, 0, M, 50);
		let mut sell = limit(Side::Sell, 101, 30);
		sell.reduce_only = true;
		assert_noop!(bulk(ALICE, vec![], vec![sell, sell]), Error::<Test>::ReduceOnlyViolated);
		let mut rest = sell;
		rest.quantity = 20;
		assert_ok!(bulk(ALICE, vec![], vec![sell, rest]));
		assert_eq!(TestMargin::resting(ALICE, M), (0, 50));
		check();
	});
}

// ---------------------------------------------------------------------------------------------
// The mid the margin engine marks at

/// Run the book's block hook of the next block.
fn next_block() {
	use polkadot_sdk::frame_support::traits::Hooks;
	let next = System::block_number() + 1;
	System::set_block_number(next);
	Orderbook::on_initialize(next);
}

/// The margin engine marks at the mid as the previous block ended: every book a block changed
/// (placement, cancel, a refused call aside) is reported once, with its mid, when the next
/// block begins; a book no block changed is not reported again.
#[test]
fn each_changed_book_reports_its_mid_once_when_the_next_block_begins() {
	build_and_execute(|| {
		// Block 1: three changes of one book, one entry; nothing reported within the block.
		place(ALICE, limit(Side::Buy, 99, 20)).unwrap();
		let ask = place(BOB, limit(Side::Sell, 101, 20)).unwrap();
		place(ALICE, limit(Side::Buy, 100, 20)).unwrap();
		assert_eq!(ChangedBooks::<Test>::get().into_inner(), vec![M]);
		assert_eq!(Markets::<Test>::get(M).unwrap().changed_in, 1);
		assert!(TestMargin::mids().is_empty());
		check();
		// Block 2 begins: the mid as block 1 ended, (100 + 101) / 2.
		next_block();
		let mid = FixedU128::from_rational(1005, 10);
		assert_eq!(TestMargin::mids(), vec![(M, Some(mid))]);
		assert!(ChangedBooks::<Test>::get().is_empty());
		check();
		// Block 2 changes nothing: block 3 reports nothing.
		next_block();
		assert_eq!(TestMargin::mids().len(), 1);
		// A refused placement changes nothing either.
		TestMargin::refuse_orders(true);
		assert_noop!(place(BOB, limit(Side::Sell, 100, 20)), DispatchError::Other(MARGIN_REFUSAL));
		TestMargin::refuse_orders(false);
		assert!(ChangedBooks::<Test>::get().is_empty());
		// Block 3 cancels the only ask: block 4 reports a book without a mid.
		assert_ok!(Orderbook::cancel_order(RuntimeOrigin::signed(BOB), M, 0, OrderRef::Id(ask)));
		assert_eq!(ChangedBooks::<Test>::get().into_inner(), vec![M]);
		next_block();
		assert_eq!(TestMargin::mids(), vec![(M, Some(mid)), (M, None)]);
		check();
	});
}

/// The weights charge the changed-books list's read and write to every call that changes a
/// book (the benchmarks start each in a new block); a call that finds its book already listed in
/// the block is refunded them, the one that lists it is not.
#[test]
fn a_book_already_listed_in_the_block_refunds_the_listing() {
	use polkadot_sdk::frame_support::weights::RuntimeDbWeight;
	build_and_execute(|| {
		// Small enough to stay below the mock's weights (a refund never goes under zero).
		crate::mock::DbWeight::set(RuntimeDbWeight { read: 2_000_000, write: 3_000_000 });
		let listing = Weight::from_parts(5_000_000, 0);
		let rest = |who, price| {
			Orderbook::place_order(RuntimeOrigin::signed(who), M, 0, limit(Side::Buy, price, 20))
				.unwrap()
				.actual_weight
				.unwrap()
		};
		// The block's first change lists the book: charged in full.
		assert!(ChangedBooks::<Test>::get().is_empty());
		assert_eq!(rest(ALICE, 90), placed(0, 0, 1));
		// Later ones in the block find it listed.
		assert_eq!(rest(BOB, 91), placed(0, 0, 1) - listing);
		assert_eq!(rest(ALICE, 92), placed(0, 0, 1) - listing);
		assert_eq!(ChangedBooks::<Test>::get().into_inner(), vec![M]);
		// Cancels too: one order, then all of Bob's (one).
		let bobs = Orderbook::open_orders(M, &MarginAccount::new(BOB, 0));
		let post =
			Orderbook::cancel_order(RuntimeOrigin::signed(BOB), M, 0, OrderRef::Id(bobs[0].id))
				.unwrap();
		assert_eq!(post.actual_weight, Some(<() as crate::WeightInfo>::cancel_order() - listing));
		// A new block: the first change lists it again.
		next_block();
		assert_eq!(rest(BOB, 93), placed(0, 0, 1));
		let post = Orderbook::cancel_all(RuntimeOrigin::signed(BOB), M, 0).unwrap();
		assert_eq!(post.actual_weight, Some(<() as crate::WeightInfo>::cancel_all(1) - listing));
		// Without orders, a cancel of all changes nothing and lists nothing.
		next_block();
		let post = Orderbook::cancel_all(RuntimeOrigin::signed(BOB), M, 0).unwrap();
		assert_eq!(post.actual_weight, Some(<() as crate::WeightInfo>::cancel_all(0)));
		assert!(ChangedBooks::<Test>::get().is_empty());
		// `bulk`: cancels that list the book keep the charge even with placements after them
		// (the placements' session finds the book listed); a call after them is refunded.
		next_block();
		let mine = Orderbook::open_orders(M, &MarginAccount::new(ALICE, 0));
		let cancels = BoundedVec::truncate_from(vec![OrderRef::Id(mine[0].id)]);
		let places = BoundedVec::truncate_from(vec![limit(Side::Buy, 94, 20)]);
		let post = Orderbook::bulk(RuntimeOrigin::signed(ALICE), M, 0, cancels, places).unwrap();
		let charged = post.actual_weight.unwrap();
		let places = BoundedVec::truncate_from(vec![limit(Side::Buy, 95, 20)]);
		let cancels = BoundedVec::truncate_from(vec![OrderRef::Id(mine[1].id)]);
		let post = Orderbook::bulk(RuntimeOrigin::signed(ALICE), M, 0, cancels, places).unwrap();
		assert_eq!(post.actual_weight.unwrap(), charged - listing);
		// A refused call lists nothing and the next one pays the listing.
		next_block();
		TestMargin::refuse_orders(true);
		assert!(Orderbook::place_order(RuntimeOrigin::signed(BOB), M, 0, limit(Side::Buy, 96, 20))
			.is_err());
		TestMargin::refuse_orders(false);
		assert_eq!(rest(BOB, 96), placed(0, 0, 1));
		check();
	});
}

/// A chain from before `changed_in` gets it (0) on every market in the upgrade, once, and then
/// `last_trade` (none); the book is otherwise as it was.
#[test]
fn the_v1_and_v2_migrations_add_changed_in_and_last_trade_to_every_market() {
	use polkadot_sdk::frame_support::{
		storage::unhashed,
		traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
	};
	build_and_execute(|| {
		place(ALICE, limit(Side::Buy, 99, 20)).unwrap();
		place(BOB, limit(Side::Sell, 101, 20)).unwrap();
		let now = Markets::<Test>::get(M).unwrap();
		assert_eq!(now.last_trade, None);
		// As version 0 stored it.
		let old = crate::migrations::v1::OldMarket::<<Test as Config>::MaxLevels> {
			config: now.config,
			next_sequence: now.next_sequence,
			bids: now.bids.clone(),
			asks: now.asks.clone(),
		};
		unhashed::put(&Markets::<Test>::hashed_key_for(M), &old);
		StorageVersion::new(0).put::<Orderbook>();
		// With `--features try-runtime`, their own checks around them too.
		#[cfg(feature = "try-runtime")]
		let checked = {
			use polkadot_sdk::frame_support::traits::UncheckedOnRuntimeUpgrade;
			crate::migrations::v1::AddChangedIn::<Test>::pre_upgrade().unwrap()
		};
		crate::migrations::v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
		#[cfg(feature = "try-runtime")]
		{
			use polkadot_sdk::frame_support::traits::UncheckedOnRuntimeUpgrade;
			crate::migrations::v1::AddChangedIn::<Test>::post_upgrade(checked).unwrap();
		}
		assert_eq!(Orderbook::on_chain_storage_version(), StorageVersion::new(1));
		let v1 = crate::migrations::v1::Markets::<Test>::get(M).unwrap();
		assert_eq!((v1.changed_in, v1.next_sequence), (0, now.next_sequence));
		assert_eq!((v1.bids, v1.asks), (now.bids.clone(), now.asks.clone()));
		#[cfg(feature = "try-runtime")]
		let checked = {
			use polkadot_sdk::frame_support::traits::UncheckedOnRuntimeUpgrade;
			crate::migrations::v2::AddLastTrade::<Test>::pre_upgrade().unwrap()
		};
		crate::migrations::v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
		#[cfg(feature = "try-runtime")]
		{
			use polkadot_sdk::frame_support::traits::UncheckedOnRuntimeUpgrade;
			crate::migrations::v2::AddLastTrade::<Test>::post_upgrade(checked).unwrap();
		}
		assert_eq!(Orderbook::on_chain_storage_version(), StorageVersion::new(2));
		assert_eq!(Markets::<Test>::get(M), Some(Market { changed_in: 0, ..now.clone() }));
		assert_eq!(Markets::<Test>::count(), 1);
		// Run again, they change nothing.
		crate::migrations::v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
		crate::migrations::v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Markets::<Test>::get(M), Some(Market { changed_in: 0, ..now.clone() }));
		// As the block had it (so the changed list agrees).
		Markets::<Test>::insert(M, now);
	});
}
