//! Tests of conditional orders: stops and take-profits fire on the first block whose watched
//! price crosses, through the same placement and margin check as any order; OCO pairs; the
//! per-block cap and firing order; the keeper call; every bad input (`assert_noop!`: the storage
//! root must not change). Every test ends with every `try_state` (the conditional index,
//! queue, owner lists and OCO links agree).

use crate::{mock::*, Error, Event, *};
use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		dispatch::{GetDispatchInfo, Pays},
		traits::{Get, Hooks},
		weights::Weight,
	},
	pallet_timestamp,
	sp_arithmetic::FixedU128,
	sp_runtime::DispatchError,
};

const M: MarketId = 0;

fn px(price: u32) -> FixedU128 {
	FixedU128::from_u32(price)
}

fn limit(side: Side, price: u32, size: u128) -> OrderRequest {
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

/// A reduce-only market order protected at `protection`.
fn market(side: Side, size: u128, protection: u32) -> OrderRequest {
	OrderRequest {
		order_type: OrderType::Market { protection_price: px(protection) },
		time_in_force: TimeInForce::Ioc,
		reduce_only: true,
		..limit(side, 1, size)
	}
}

fn spec(
	kind: ConditionalKind,
	source: TriggerSource,
	trigger: u32,
	order: OrderRequest,
) -> ConditionalSpec {
	ConditionalSpec { sub: 0, kind, source, trigger_price: px(trigger), order, expires_at: None }
}

/// A stop-loss of a long of `size`: sell at market (protected at 1) when the mark falls to `at`.
fn stop_loss(at: u32, size: u128) -> ConditionalSpec {
	spec(ConditionalKind::Stop, TriggerSource::Mark, at, market(Side::Sell, size, 1))
}

/// A take-profit of a long of `size`: a reduce-only sell resting at `at` when the mark rises to it.
fn take_profit(at: u32, size: u128) -> ConditionalSpec {
	let mut order = limit(Side::Sell, at, size);
	order.reduce_only = true;
	spec(ConditionalKind::TakeProfit, TriggerSource::Mark, at, order)
}

fn place(who: AccountId, order: OrderRequest) {
	assert_ok!(Orderbook::place_order(RuntimeOrigin::signed(who), M, 0, order));
}

fn conditional(
	who: AccountId,
	s: ConditionalSpec,
	oco: Option<ConditionalSpec>,
) -> Result<(), DispatchError> {
	Orderbook::place_conditional(RuntimeOrigin::signed(who), M, s, oco)
}

fn mark(price: u32) {
	TestMargin::set_prices(M, Some(px(price)), Some(px(price)));
}

/// The next block begins (the book's hook reports the mids the last one changed).
fn advance() {
	let n = System::block_number() + 1;
	System::set_block_number(n);
	Orderbook::on_initialize(n);
}

/// The next block, and its `on_idle` with all the room it wants.
fn next_block() {
	advance();
	Orderbook::on_idle(System::block_number(), Weight::MAX);
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

fn fired() -> Vec<(AccountId, u64)> {
	events()
		.into_iter()
		.filter_map(|e| match e {
			Event::ConditionalFired { account, id, .. } => Some((account.owner, id)),
			_ => None,
		})
		.collect()
}

fn executed() -> Vec<(AccountId, u64)> {
	events()
		.into_iter()
		.filter_map(|e| match e {
			Event::ConditionalExecuted { account, id, .. } => Some((account.owner, id)),
			_ => None,
		})
		.collect()
}

fn ended() -> Vec<(AccountId, u64, ConditionalEnd, Option<DispatchError>)> {
	events()
		.into_iter()
		.filter_map(|e| match e {
			Event::ConditionalEnded { account, id, end, error, .. } => {
				Some((account.owner, id, end, error))
			},
			_ => None,
		})
		.collect()
}

fn waiting(who: AccountId) -> Vec<u64> {
	Orderbook::conditional_orders(&who).into_iter().map(|v| v.id).collect()
}

/// Room for a run's reads and writes, a scan firing what the cap allows, and one placement.
fn one_placement() -> Weight {
	<Test as frame_system::Config>::DbWeight::get()
		.reads_writes(3, 2)
		.saturating_add(<() as WeightInfo>::scan_market(4))
		.saturating_add(Orderbook::execute_weight())
}

/// At a mark of 100, Alice, Bob and Charlie each place a stop selling 20 at market when it
/// falls to 95 (not reduce-only: it sells into whatever bid there is), one block apart.
fn three_stops_at_95() {
	mark(100);
	for who in [ALICE, BOB, CHARLIE] {
		let mut s = stop_loss(95, 20);
		s.order.reduce_only = false;
		assert_ok!(conditional(who, s, None));
		advance();
	}
}

/// Alice is long 20 at a mark of 100; Bob bids 20 at 94 (what her stop will sell into).
fn long_alice() {
	mark(100);
	TestMargin::set_position(ALICE, 0, M, 20);
	place(BOB, limit(Side::Buy, 94, 20));
}

#[test]
fn a_stop_loss_fires_on_the_first_block_whose_mark_crosses_and_closes_through_the_book() {
	build_and_execute(|| {
		long_alice();
		assert_ok!(conditional(ALICE, stop_loss(95, 20), None));
		assert_eq!(waiting(ALICE), vec![0]);
		assert!(events().contains(&Event::ConditionalPlaced {
			account: acct(ALICE),
			market: M,
			id: 0,
			spec: stop_loss(95, 20),
			oco: None,
		}));
		// Above the trigger: nothing fires, however many blocks pass.
		next_block();
		mark(96);
		next_block();
		assert!(fired().is_empty() && TestMargin::fills().is_empty());
		assert_eq!(ArmedMarkets::<Test>::get().to_vec(), vec![M]);
		// At the trigger: fired and placed in the same block, sold into Bob's bid.
		mark(95);
		System::reset_events();
		next_block();
		assert_eq!(fired(), vec![(ALICE, 0)]);
		assert_eq!(executed(), vec![(ALICE, 0)]);
		let fills = TestMargin::fills();
		assert_eq!(fills.len(), 1);
		assert_eq!((fills[0].taker.owner, fills[0].maker.owner), (ALICE, BOB));
		assert_eq!(
			(fills[0].size, fills[0].price, fills[0].taker_side),
			(20, px(94), TradeSide::Sell)
		);
		assert!(events().iter().any(|e| matches!(e,
			Event::Traded { taker, maker, quantity: 20, .. } if *taker == acct(ALICE) && *maker == acct(BOB))));
		// Gone everywhere; the market leaves the armed list at the next scan.
		assert!(waiting(ALICE).is_empty());
		assert_eq!(Conditionals::<Test>::iter().count(), 0);
		assert_eq!(Triggers::<Test>::iter().count(), 0);
		next_block();
		assert!(ArmedMarkets::<Test>::get().is_empty());
		// Its id is not given again.
		assert_ok!(conditional(ALICE, stop_loss(90, 20), None));
		assert_eq!(waiting(ALICE), vec![1]);
	});
}

#[test]
fn an_oco_take_profit_cancels_its_stop() {
	build_and_execute(|| {
		long_alice();
		assert_ok!(conditional(ALICE, stop_loss(95, 20), Some(take_profit(110, 20))));
		let views = Orderbook::conditional_orders(&ALICE);
		assert_eq!(
			views.iter().map(|v| (v.id, v.oco)).collect::<Vec<_>>(),
			vec![(0, Some(1)), (1, Some(0))]
		);
		mark(110);
		System::reset_events();
		next_block();
		assert_eq!(fired(), vec![(ALICE, 1)]);
		assert_eq!(executed(), vec![(ALICE, 1)]);
		assert_eq!(ended(), vec![(ALICE, 0, ConditionalEnd::OcoFired, None)]);
		// The take-profit rests at 110; the stop no longer exists, even when the mark falls.
		assert_eq!(Orderbook::open_orders(M, &acct(ALICE)).len(), 1);
		mark(90);
		next_block();
		assert_eq!(fired(), vec![(ALICE, 1)]);
		assert!(waiting(ALICE).is_empty());
	});
}

#[test]
fn a_gap_through_both_levels_fires_only_the_one_on_its_side() {
	build_and_execute(|| {
		long_alice();
		assert_ok!(conditional(ALICE, stop_loss(95, 20), Some(take_profit(110, 20))));
		// The mark gaps from 100 to 80: through the stop's level (and away from the other).
		mark(80);
		System::reset_events();
		next_block();
		assert_eq!(fired(), vec![(ALICE, 0)]);
		assert_eq!(ended(), vec![(ALICE, 1, ConditionalEnd::OcoFired, None)]);
		// Then to 120, through the take-profit's level: nothing is left to fire.
		mark(120);
		next_block();
		assert_eq!(fired(), vec![(ALICE, 0)]);
		assert_eq!(TestMargin::fills().len(), 1);
	});
}

#[test]
fn a_thousand_triggers_at_one_price_spread_over_blocks_within_the_cap_in_trigger_order() {
	build_and_execute(|| {
		mark(100);
		let owners: Vec<AccountId> = (100..1_100).collect();
		// Placed one per block: the trigger order at one price is the order of placement
		// (a market sell of 20 that finds no bid: placed, its rest cancelled).
		for who in &owners {
			let mut s = stop_loss(95, 20);
			s.order.reduce_only = false;
			assert_ok!(conditional(*who, s, None));
			advance();
		}
		assert_eq!(Triggers::<Test>::iter().count(), 1_000);
		mark(95);
		System::reset_events();
		let cap = <<Test as Config>::MaxTriggersPerBlock as Get<u32>>::get() as usize;
		let mut blocks = 0;
		while Triggers::<Test>::iter().next().is_some() || executed().len() < 1_000 {
			let before = executed().len();
			next_block();
			blocks += 1;
			assert!(executed().len() - before <= cap, "more than the cap in one block");
			assert!(blocks <= 1_000 / cap, "stalled");
		}
		assert_eq!(blocks, 1_000 / cap);
		let order: Vec<AccountId> = executed().into_iter().map(|(who, _)| who).collect();
		assert_eq!(order, owners);
		assert!(ended().is_empty());
	});
}

#[test]
fn a_fired_order_waits_in_the_queue_and_is_placed_even_if_the_price_turns_back() {
	build_and_execute(|| {
		three_stops_at_95();
		mark(94);
		// Room for the scan, firing what the cap allows, and one placement.
		let limit = one_placement();
		let run = Orderbook::run_triggers(limit, 4, None);
		assert_eq!((run.fired, run.executed), (3, 1));
		assert!(run.weight.all_lte(limit));
		assert_eq!(FiredBounds::<Test>::get(), (1, 3));
		// The mark turns back above every trigger: the two fired orders are placed anyway.
		mark(100);
		next_block();
		assert_eq!(executed().len(), 3);
		assert_eq!(FiredBounds::<Test>::get(), (3, 3));
		assert_eq!(FiredQueue::<Test>::iter().count(), 0);
	});
}

#[test]
fn a_triggered_order_that_would_breach_margin_is_cancelled_with_the_reason() {
	build_and_execute(|| {
		long_alice();
		assert_ok!(conditional(ALICE, stop_loss(95, 20), Some(take_profit(110, 20))));
		TestMargin::refuse_orders(true);
		mark(95);
		System::reset_events();
		next_block();
		assert_eq!(fired(), vec![(ALICE, 0)]);
		assert!(executed().is_empty());
		assert_eq!(
			ended(),
			vec![
				(ALICE, 1, ConditionalEnd::OcoFired, None),
				// (An `Other` error's text is not kept in an event.)
				(ALICE, 0, ConditionalEnd::Refused, Some(DispatchError::Other(""))),
			]
		);
		// Nothing traded, nothing rests, nothing waits.
		assert!(TestMargin::fills().is_empty());
		assert_eq!(Orderbook::depth(M, 4).unwrap().asks, vec![]);
		assert!(waiting(ALICE).is_empty());
	});
}

#[test]
fn the_last_trade_and_the_index_can_be_watched_too() {
	build_and_execute(|| {
		mark(100);
		let buy_stop = |source, at| {
			let mut s = spec(ConditionalKind::Stop, source, at, limit(Side::Buy, at, 20));
			s.order.time_in_force = TimeInForce::Ioc;
			s
		};
		// No trade yet: nothing to compare a last-trade trigger with.
		assert_noop!(
			conditional(ALICE, buy_stop(TriggerSource::LastTrade, 102), None),
			Error::<Test>::TriggerPriceUnavailable
		);
		place(BOB, limit(Side::Sell, 101, 20));
		place(CHARLIE, limit(Side::Buy, 101, 20));
		assert_eq!(Markets::<Test>::get(M).unwrap().last_trade, Some(202));
		assert_ok!(conditional(ALICE, buy_stop(TriggerSource::LastTrade, 102), None));
		// The index moves on its own (the mark stays): a buy stop on it.
		TestMargin::set_prices(M, Some(px(100)), Some(px(100)));
		assert_ok!(conditional(ALICE, buy_stop(TriggerSource::Index, 103), None));
		TestMargin::set_prices(M, Some(px(100)), Some(px(103)));
		System::reset_events();
		next_block();
		assert_eq!(fired(), vec![(ALICE, 1)]);
		// A trade at 102 fires the last-trade stop.
		place(BOB, limit(Side::Sell, 102, 20));
		place(CHARLIE, limit(Side::Buy, 102, 20));
		next_block();
		assert_eq!(fired(), vec![(ALICE, 1), (ALICE, 0)]);
		assert!(waiting(ALICE).is_empty());
	});
}

#[test]
fn expired_orders_lapse_and_make_room_at_the_cap() {
	build_and_execute(|| {
		mark(100);
		let cap = <<Test as Config>::MaxConditionals as Get<u32>>::get();
		for i in 0..cap {
			let mut s = stop_loss(95 - i, 20);
			s.expires_at = Some(T0 + 1_000 + u64::from(i));
			assert_ok!(conditional(ALICE, s, None));
		}
		// Full, none expired.
		assert_noop!(
			conditional(ALICE, stop_loss(90, 20), None),
			Error::<Test>::TooManyConditionals
		);
		pallet_timestamp::Now::<Test>::put(T0 + 1_000);
		System::reset_events();
		// The oldest expired one makes room.
		assert_ok!(conditional(ALICE, stop_loss(60, 20), None));
		assert_eq!(ended(), vec![(ALICE, 0, ConditionalEnd::Expired, None)]);
		assert_eq!(waiting(ALICE).len(), cap as usize);
		// An expired order whose trigger is crossed lapses instead of firing.
		pallet_timestamp::Now::<Test>::put(T0 + 1_001);
		mark(94);
		next_block();
		assert!(fired().is_empty());
		assert_eq!(
			ended(),
			vec![
				(ALICE, 0, ConditionalEnd::Expired, None),
				(ALICE, 1, ConditionalEnd::Expired, None)
			]
		);
		assert!(TestMargin::fills().is_empty());
	});
}

#[test]
fn cancelling_removes_a_waiting_or_a_fired_order_and_unpairs_its_partner() {
	build_and_execute(|| {
		long_alice();
		let mut charlies = stop_loss(95, 20);
		charlies.order.reduce_only = false;
		assert_ok!(conditional(CHARLIE, charlies, None));
		advance();
		assert_ok!(conditional(ALICE, stop_loss(95, 20), Some(take_profit(110, 20))));
		// A waiting order: out of the index, its partner unpaired.
		assert_ok!(Orderbook::cancel_conditional(RuntimeOrigin::signed(ALICE), 0));
		assert_eq!(ended(), vec![(ALICE, 0, ConditionalEnd::Cancelled, None)]);
		assert_eq!(Orderbook::conditional_orders(&ALICE)[0].oco, None);
		// Another owner cannot name it (ids are per owner).
		assert_noop!(
			Orderbook::cancel_conditional(RuntimeOrigin::signed(BOB), 1),
			Error::<Test>::ConditionalNotFound
		);
		// A fired order cancelled before its turn: its queue slot is skipped.
		assert_ok!(conditional(ALICE, stop_loss(95, 20), None));
		mark(94);
		let one_placement = one_placement();
		let run = Orderbook::run_triggers(one_placement, 4, None);
		assert_eq!((run.fired, run.executed), (2, 1));
		assert_eq!(executed(), vec![(CHARLIE, 0)]);
		let views = Orderbook::conditional_orders(&ALICE);
		assert_eq!(
			views.iter().map(|v| (v.id, v.fired)).collect::<Vec<_>>(),
			vec![(1, false), (2, true)]
		);
		assert_ok!(Orderbook::cancel_conditional(RuntimeOrigin::signed(ALICE), 2));
		let run = Orderbook::run_triggers(Weight::MAX, 4, None);
		assert_eq!((run.fired, run.executed), (0, 1));
		assert_eq!(executed(), vec![(CHARLIE, 0)]);
		assert_eq!(FiredQueue::<Test>::iter().count(), 0);
		assert_eq!(waiting(ALICE), vec![1]);
	});
}

#[test]
fn a_keeper_places_fired_orders_under_full_blocks_and_is_refunded() {
	build_and_execute(|| {
		three_stops_at_95();
		mark(95);
		// No on_idle ran (full blocks): a keeper does the work, two at a time.
		let call = RuntimeCall::Orderbook(crate::Call::execute_triggered { market: M, max: 2 });
		let declared = call.get_dispatch_info().call_weight;
		let post = Orderbook::execute_triggered(RuntimeOrigin::signed(CHARLIE), M, 2).unwrap();
		let used = post.actual_weight.unwrap();
		assert!(used.all_lte(declared) && used.ref_time() < declared.ref_time());
		assert_eq!(post.pays_fee, Pays::Yes);
		assert_eq!(executed(), vec![(ALICE, 0), (BOB, 0)]);
		assert_ok!(Orderbook::execute_triggered(RuntimeOrigin::signed(CHARLIE), M, 2));
		assert_eq!(executed().len(), 3);
		for max in [0, <<Test as Config>::MaxTriggersPerCall as Get<u32>>::get() + 1] {
			assert_noop!(
				Orderbook::execute_triggered(RuntimeOrigin::signed(CHARLIE), M, max),
				Error::<Test>::InvalidTriggerCount
			);
		}
	});
}

#[test]
fn bad_conditional_orders_are_refused_and_change_nothing() {
	build_and_execute(|| {
		long_alice();
		let err = |s, oco| conditional(ALICE, s, oco);
		// A stop on the wrong side of the mark (it would fire at once), and a take-profit.
		assert_noop!(err(stop_loss(105, 20), None), Error::<Test>::TriggerOnWrongSide);
		assert_noop!(err(stop_loss(100, 20), None), Error::<Test>::TriggerOnWrongSide);
		assert_noop!(err(take_profit(95, 20), None), Error::<Test>::TriggerOnWrongSide);
		let mut buy_stop = stop_loss(95, 20);
		buy_stop.order.side = Side::Buy;
		assert_noop!(err(buy_stop, None), Error::<Test>::TriggerOnWrongSide);
		// A trigger of zero, off the tick.
		let mut zero = stop_loss(95, 20);
		zero.trigger_price = FixedU128::from_inner(0);
		assert_noop!(err(zero, None), Error::<Test>::ZeroTriggerPrice);
		let mut off = stop_loss(95, 20);
		off.trigger_price = FixedU128::from_rational(951, 10);
		assert_noop!(err(off, None), Error::<Test>::PriceOffTick);
		// The order itself: a market order that is not IOC/FOK, below the minimum size.
		let mut gtc = stop_loss(95, 20);
		gtc.order.time_in_force = TimeInForce::Gtc;
		assert_noop!(err(gtc, None), Error::<Test>::InvalidTimeInForce);
		assert_noop!(err(stop_loss(95, 10), None), Error::<Test>::BelowMinSize);
		// An expiry that has passed; a sub-account out of range.
		let mut lapsed = stop_loss(95, 20);
		lapsed.expires_at = Some(T0);
		assert_noop!(err(lapsed, None), Error::<Test>::AlreadyExpired);
		let mut sub = stop_loss(95, 20);
		sub.sub = 4;
		assert_noop!(err(sub, None), Error::<Test>::SubAccountOutOfRange);
		// An OCO pair across two sub-accounts, and a pair whose second leg is bad.
		let mut other = take_profit(110, 20);
		other.sub = 1;
		assert_noop!(err(stop_loss(95, 20), Some(other)), Error::<Test>::OcoAccountMismatch);
		assert_noop!(
			err(stop_loss(95, 20), Some(take_profit(90, 20))),
			Error::<Test>::TriggerOnWrongSide
		);
		// No mark; no market.
		TestMargin::set_prices(M, None, Some(px(100)));
		assert_noop!(err(stop_loss(95, 20), None), Error::<Test>::TriggerPriceUnavailable);
		mark(100);
		assert_noop!(
			Orderbook::place_conditional(RuntimeOrigin::signed(ALICE), 7, stop_loss(95, 20), None),
			Error::<Test>::UnknownMarket
		);
		// A halted market.
		assert_ok!(Orderbook::set_market_status(RuntimeOrigin::root(), M, MarketStatus::Halted));
		assert_noop!(err(stop_loss(95, 20), None), Error::<Test>::MarketNotTrading);
		assert_ok!(Orderbook::set_market_status(RuntimeOrigin::root(), M, MarketStatus::Active));
		// Beyond the cap: an OCO pair needs two places.
		let cap = <<Test as Config>::MaxConditionals as Get<u32>>::get();
		for i in 0..cap - 1 {
			assert_ok!(err(stop_loss(90 - i, 20), None));
		}
		assert_noop!(
			err(stop_loss(50, 20), Some(take_profit(110, 20))),
			Error::<Test>::TooManyConditionals
		);
		assert_ok!(err(stop_loss(50, 20), None));
		assert_noop!(err(stop_loss(49, 20), None), Error::<Test>::TooManyConditionals);
		assert_noop!(
			Orderbook::cancel_conditional(RuntimeOrigin::signed(ALICE), 99),
			Error::<Test>::ConditionalNotFound
		);
	});
}

/// A pair whose stop lapses (crossed after its expiry, or dropped to make room) leaves its
/// take-profit waiting alone, not pointing at an order that is gone (found in review: the
/// partner kept its link and `try_state` failed).
#[test]
fn a_lapsed_leg_unpairs_its_partner() {
	build_and_execute(|| {
		long_alice();
		let mut stop = stop_loss(95, 20);
		stop.expires_at = Some(T0 + 1_000);
		assert_ok!(conditional(ALICE, stop, Some(take_profit(110, 20))));
		pallet_timestamp::Now::<Test>::put(T0 + 1_000);
		mark(94);
		next_block();
		assert_eq!(ended(), vec![(ALICE, 0, ConditionalEnd::Expired, None)]);
		let views = Orderbook::conditional_orders(&ALICE);
		assert_eq!(views.iter().map(|v| (v.id, v.oco)).collect::<Vec<_>>(), vec![(1, None)]);
		// The same when the lapsed leg is dropped to make room for a new order.
		mark(100);
		let mut stop = stop_loss(90, 20);
		stop.expires_at = Some(T0 + 2_000);
		assert_ok!(conditional(ALICE, stop, Some(take_profit(120, 20))));
		let cap = <<Test as Config>::MaxConditionals as Get<u32>>::get() as usize;
		while waiting(ALICE).len() < cap {
			assert_ok!(conditional(ALICE, take_profit(130, 20), None));
		}
		pallet_timestamp::Now::<Test>::put(T0 + 2_000);
		assert_ok!(conditional(ALICE, take_profit(140, 20), None));
		let partner = Orderbook::conditional_orders(&ALICE).into_iter().find(|v| v.id == 3);
		assert_eq!(partner.map(|v| v.oco), Some(None));
	});
}

/// A fired order waits for its turn past its expiry without being dropped to make room: it
/// fired before it lapsed, so it is placed (found in review).
#[test]
fn a_fired_order_is_not_dropped_to_make_room_after_its_expiry() {
	build_and_execute(|| {
		mark(100);
		for who in [BOB, CHARLIE] {
			let mut s = stop_loss(95, 20);
			s.order.reduce_only = false;
			assert_ok!(conditional(who, s, None));
			advance();
		}
		let mut s = stop_loss(95, 20);
		s.order.reduce_only = false;
		s.expires_at = Some(T0 + 1_000);
		assert_ok!(conditional(ALICE, s, None));
		mark(94);
		// One placement's room: Bob's is placed, Charlie's and Alice's wait in the queue.
		let run = Orderbook::run_triggers(one_placement(), 4, None);
		assert_eq!((run.fired, run.executed), (3, 1));
		pallet_timestamp::Now::<Test>::put(T0 + 5_000);
		let cap = <<Test as Config>::MaxConditionals as Get<u32>>::get();
		for i in 0..cap - 1 {
			assert_ok!(conditional(ALICE, take_profit(120 + i, 20), None));
		}
		assert_noop!(
			conditional(ALICE, take_profit(150, 20), None),
			Error::<Test>::TooManyConditionals
		);
		next_block();
		assert_eq!(executed(), vec![(BOB, 0), (CHARLIE, 0), (ALICE, 0)]);
	});
}

/// The hook does nothing, and says so, when the block leaves less than its fixed reads and
/// one placement (found in review: it reported its reads and wrote the cursor regardless).
#[test]
fn the_trigger_run_fits_the_weight_it_is_given() {
	build_and_execute(|| {
		three_stops_at_95();
		mark(94);
		let too_little = one_placement()
			.saturating_sub(Weight::from_parts(1, 0))
			.saturating_sub(<() as WeightInfo>::scan_market(4));
		let run = Orderbook::run_triggers(too_little, 4, None);
		assert_eq!(run, conditional::TriggerRun::default());
		assert!(fired().is_empty());
		for limit in [one_placement(), one_placement().saturating_mul(2), Weight::MAX] {
			let run = Orderbook::run_triggers(limit, 4, None);
			assert!(run.weight.all_lte(limit), "{:?} > {limit:?}", run.weight);
		}
	});
}
