//! Tests of TWAP orders: slices at their interval, each an IOC at the limit; what a slice does
//! not fill spread over the ones after it and reported at the end; cancellation; refusals;
//! the per-block cap shared with conditional orders; every bad input (`assert_noop!`).

use crate::{mock::*, Error, Event, *};
use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
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

fn ask(who: AccountId, price: u32, size: u128) {
	assert_ok!(Orderbook::place_order(
		RuntimeOrigin::signed(who),
		M,
		0,
		OrderRequest {
			side: Side::Sell,
			order_type: OrderType::Limit { price: px(price) },
			quantity: size,
			time_in_force: TimeInForce::Gtc,
			reduce_only: false,
			client_id: None,
			self_trade: SelfTradePrevention::CancelResting,
		}
	));
}

/// Buy `quantity` in `slices` slices a second apart, paying at most `limit`.
fn twap_buy(quantity: u128, slices: u64, limit: u32) -> TwapSpec {
	TwapSpec {
		sub: 0,
		side: Side::Buy,
		quantity,
		duration: slices * 1_000,
		interval: 1_000,
		limit_price: px(limit),
		reduce_only: false,
	}
}

fn twap(who: AccountId, spec: TwapSpec) -> Result<(), DispatchError> {
	Orderbook::place_twap(RuntimeOrigin::signed(who), M, spec)
}

/// `ms` later, the next block and its idle hook.
fn later(ms: u64) {
	pallet_timestamp::Now::<Test>::mutate(|t| *t += ms);
	let n = System::block_number() + 1;
	System::set_block_number(n);
	Orderbook::on_initialize(n);
	Orderbook::on_idle(n, Weight::MAX);
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

/// Each slice's (owner, size, filled, refused).
fn slices() -> Vec<(AccountId, u128, u128, bool)> {
	events()
		.into_iter()
		.filter_map(|e| match e {
			Event::TwapSliced { account, quantity, filled, error, .. } => {
				Some((account.owner, quantity, filled, error.is_some()))
			},
			_ => None,
		})
		.collect()
}

fn ends() -> Vec<(AccountId, u128, u128, bool)> {
	events()
		.into_iter()
		.filter_map(|e| match e {
			Event::TwapEnded { account, filled, remaining, cancelled, .. } => {
				Some((account.owner, filled, remaining, cancelled))
			},
			_ => None,
		})
		.collect()
}

#[test]
fn a_twap_fills_in_slices_at_its_interval_and_respects_its_limit() {
	build_and_execute(|| {
		ask(BOB, 100, 20);
		ask(BOB, 101, 20);
		ask(BOB, 102, 40);
		assert_ok!(twap(ALICE, twap_buy(60, 3, 101)));
		assert!(events().contains(&Event::TwapPlaced {
			account: MarginAccount::new(ALICE, 0),
			market: M,
			id: 0,
			spec: twap_buy(60, 3, 101),
			slices: 3,
		}));
		// The first slice in the next block: 20 at 100.
		later(0);
		assert_eq!(slices(), vec![(ALICE, 20, 20, false)]);
		// Not again before the interval.
		later(999);
		assert_eq!(slices().len(), 1);
		// The second: 20 at 101.
		later(1);
		assert_eq!(slices(), vec![(ALICE, 20, 20, false), (ALICE, 20, 20, false)]);
		let view = &Orderbook::twap_orders(&ALICE)[0];
		assert_eq!((view.remaining, view.slices_left, view.next_at), (20, 1, T0 + 2_000));
		// The last finds only 102, above the limit: nothing, and the rest is reported.
		later(1_000);
		assert_eq!(slices()[2], (ALICE, 20, 0, false));
		assert_eq!(ends(), vec![(ALICE, 40, 20, false)]);
		assert!(Orderbook::twap_orders(&ALICE).is_empty());
		// Every fill was at or under the limit; the 102 ask is untouched.
		let fills = TestMargin::fills();
		assert_eq!(
			fills.iter().map(|f| (f.price, f.size)).collect::<Vec<_>>(),
			vec![(px(100), 20), (px(101), 20)]
		);
		assert_eq!(Orderbook::depth(M, 4).unwrap().asks, vec![(px(102), 40)]);
	});
}

#[test]
fn what_a_slice_misses_is_spread_over_the_slices_after_it() {
	build_and_execute(|| {
		assert_ok!(twap(ALICE, twap_buy(60, 3, 101)));
		// Nothing to buy at first: the second and third slices take 30 each.
		later(0);
		ask(BOB, 100, 40);
		later(1_000);
		later(1_000);
		assert_eq!(
			slices(),
			vec![(ALICE, 20, 0, false), (ALICE, 30, 30, false), (ALICE, 30, 10, false)]
		);
		assert_eq!(ends(), vec![(ALICE, 40, 20, false)]);
	});
}

#[test]
fn a_twap_ends_when_filled_is_cancellable_and_reports_refused_slices() {
	build_and_execute(|| {
		ask(BOB, 100, 200);
		// Filled before its slices run out (a slice takes all that is left when its share
		// would be below the minimum): ends at once.
		assert_ok!(twap(ALICE, twap_buy(60, 2, 101)));
		later(0);
		later(1_000);
		assert_eq!(ends(), vec![(ALICE, 60, 0, false)]);
		// Cancelled after one slice: what it filled stays, no slice follows.
		assert_ok!(twap(CHARLIE, twap_buy(60, 3, 101)));
		later(0);
		assert_ok!(Orderbook::cancel_conditional(RuntimeOrigin::signed(CHARLIE), 0));
		assert_eq!(ends()[1], (CHARLIE, 20, 40, true));
		later(1_000);
		assert_eq!(slices().iter().filter(|s| s.0 == CHARLIE).count(), 1);
		assert_noop!(
			Orderbook::cancel_conditional(RuntimeOrigin::signed(CHARLIE), 0),
			Error::<Test>::ConditionalNotFound
		);
		// Refused slices (the margin engine says no) are reported and counted.
		TestMargin::refuse_orders(true);
		assert_ok!(twap(ALICE, twap_buy(40, 2, 101)));
		later(0);
		later(1_000);
		let refused: Vec<_> = slices().into_iter().filter(|s| s.3).collect();
		assert_eq!(refused, vec![(ALICE, 20, 0, true), (ALICE, 40, 0, true)]);
		assert_eq!(ends()[2], (ALICE, 0, 40, false));
	});
}

#[test]
fn slices_and_fired_orders_share_the_per_block_cap() {
	build_and_execute(|| {
		ask(BOB, 100, 400);
		let cap = <<Test as Config>::MaxTriggersPerBlock as Get<u32>>::get() as usize;
		let owners: Vec<AccountId> = (10..10 + cap as u64 + 2).collect();
		for who in &owners {
			assert_ok!(twap(*who, twap_buy(20, 1, 101)));
		}
		later(0);
		assert_eq!(slices().len(), cap);
		later(0);
		assert_eq!(slices().len(), cap + 2);
		// Oldest due first, then by owner and id: each owner's one slice, all filled.
		assert!(slices().iter().all(|s| s.2 == 20));
	});
}

#[test]
fn bad_twaps_are_refused_and_change_nothing() {
	build_and_execute(|| {
		let bad = |f: &dyn Fn(&mut TwapSpec)| {
			let mut spec = twap_buy(60, 3, 101);
			f(&mut spec);
			twap(ALICE, spec)
		};
		assert_noop!(bad(&|s| s.interval = 0), Error::<Test>::ZeroSlices);
		assert_noop!(bad(&|s| s.interval = s.duration + 1), Error::<Test>::ZeroSlices);
		assert_noop!(
			bad(&|s| {
				s.interval = 500;
				s.duration = 1_500
			}),
			Error::<Test>::TwapIntervalTooShort
		);
		// 40 in three slices: 13 a slice, below the minimum of 20.
		assert_noop!(bad(&|s| s.quantity = 40), Error::<Test>::TwapSliceTooSmall);
		assert_noop!(bad(&|s| s.quantity = 65), Error::<Test>::SizeOffLot);
		assert_noop!(bad(&|s| s.quantity = 0), Error::<Test>::ZeroSize);
		assert_noop!(
			bad(&|s| s.limit_price = FixedU128::from_rational(1001, 10)),
			Error::<Test>::PriceOffTick
		);
		assert_noop!(bad(&|s| s.sub = 9), Error::<Test>::SubAccountOutOfRange);
		assert_noop!(
			Orderbook::place_twap(RuntimeOrigin::signed(ALICE), 5, twap_buy(60, 3, 101)),
			Error::<Test>::UnknownMarket
		);
		assert_ok!(Orderbook::set_market_status(RuntimeOrigin::root(), M, MarketStatus::Halted));
		assert_noop!(bad(&|_| {}), Error::<Test>::MarketNotTrading);
		assert_ok!(Orderbook::set_market_status(RuntimeOrigin::root(), M, MarketStatus::Active));
		// The cap is shared with conditional orders.
		let cap = <<Test as Config>::MaxConditionals as Get<u32>>::get();
		for _ in 0..cap {
			assert_ok!(bad(&|_| {}));
		}
		assert_noop!(bad(&|_| {}), Error::<Test>::TooManyConditionals);
	});
}

#[test]
fn a_twap_of_refused_slices_ends_and_a_late_one_catches_up_a_slice_a_block() {
	build_and_execute(|| {
		// Three refusals in a row end a TWAP of ten slices.
		TestMargin::refuse_orders(true);
		assert_ok!(twap(ALICE, twap_buy(200, 10, 101)));
		for _ in 0..4 {
			later(1_000);
		}
		assert_eq!(slices().len(), 3);
		assert_eq!(ends(), vec![(ALICE, 0, 200, false)]);
		TestMargin::refuse_orders(false);
		// Five slices due at once after full blocks: one a block, not five against one book.
		ask(BOB, 100, 400);
		assert_ok!(twap(CHARLIE, twap_buy(100, 5, 101)));
		pallet_timestamp::Now::<Test>::mutate(|t| *t += 10_000);
		later(0);
		assert_eq!(slices().iter().filter(|s| s.0 == CHARLIE).count(), 1);
		// The next block (a moment later) takes the next one.
		later(1);
		assert_eq!(slices().iter().filter(|s| s.0 == CHARLIE).count(), 2);
		// More slices than the bound.
		let mut long = twap_buy(20_000, 1, 101);
		long.duration = 101 * long.interval;
		assert_noop!(twap(ALICE, long), Error::<Test>::TooManySlices);
	});
}
