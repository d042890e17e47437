//! Unit tests of each order semantic, and a differential property test against a deliberately
//! naive matcher written here from the rules alone.

use super::*;
use proptest::prelude::*;

type Owner = u8;

const LIMITS: MatchLimits = MatchLimits { now: 1_000, max_makers: 100 };

fn order(id: OrderId, owner: Owner, side: Side, price: Price, qty: Qty) -> NewOrder<Owner> {
	NewOrder {
		id,
		owner,
		side,
		price,
		qty,
		time_in_force: TimeInForce::Gtc,
		self_trade: SelfTradePrevention::CancelResting,
		reduce_only: false,
	}
}

fn with_tif(mut o: NewOrder<Owner>, tif: TimeInForce) -> NewOrder<Owner> {
	o.time_in_force = tif;
	o
}

/// A book with asks 101×5 (id 1), 101×3 (id 2), 102×10 (id 3) and bids 99×4 (id 4), 98×6 (id 5).
fn book() -> MemoryBook<Owner> {
	let mut b = MemoryBook::default();
	for o in [
		order(1, 1, Side::Sell, 101, 5),
		order(2, 2, Side::Sell, 101, 3),
		order(3, 1, Side::Sell, 102, 10),
		order(4, 2, Side::Buy, 99, 4),
		order(5, 1, Side::Buy, 98, 6),
	] {
		let qty = o.qty;
		assert_eq!(b.place(o, LIMITS).unwrap().remainder, Remainder::Rested(qty));
	}
	b.check_invariants().unwrap();
	b
}

fn fills(outcome: &Outcome<Owner>) -> Vec<(OrderId, Price, Qty)> {
	outcome.fills.iter().map(|f| (f.maker_id, f.price, f.qty)).collect()
}

#[test]
fn price_then_time_priority_and_partial_fills() {
	let mut b = MemoryBook::default();
	b.place(order(1, 1, Side::Sell, 101, 5), LIMITS).unwrap();
	b.place(order(2, 2, Side::Sell, 101, 3), LIMITS).unwrap();
	b.place(order(3, 1, Side::Sell, 100, 2), LIMITS).unwrap();
	let out = b.place(order(4, 3, Side::Buy, 101, 6), LIMITS).unwrap();
	// Best price (100) first, then the older order at 101.
	assert_eq!(fills(&out), vec![(3, 100, 2), (1, 101, 4)]);
	assert_eq!(out.remainder, Remainder::Filled);
	assert_eq!(out.fills[1].maker_remaining, 1);
	assert_eq!(b.depth(Side::Sell, 5), vec![(101, 4)]);
	// A larger buy takes the rest and rests its remainder at its limit.
	let out = b.place(order(5, 3, Side::Buy, 101, 10), LIMITS).unwrap();
	assert_eq!(fills(&out), vec![(1, 101, 1), (2, 101, 3)]);
	assert_eq!(out.remainder, Remainder::Rested(6));
	assert_eq!(b.depth(Side::Buy, 5), vec![(101, 6)]);
	assert!(b.depth(Side::Sell, 5).is_empty());
	b.check_invariants().unwrap();
}

#[test]
fn resting_setup_is_as_described() {
	let b = book();
	assert_eq!(b.depth(Side::Sell, 5), vec![(101, 8), (102, 10)]);
	assert_eq!(b.depth(Side::Buy, 5), vec![(99, 4), (98, 6)]);
	assert_eq!(b.len(), 5);
}

#[test]
fn ioc_cancels_what_does_not_fill() {
	let mut b = book();
	let out =
		b.place(with_tif(order(10, 3, Side::Buy, 101, 10), TimeInForce::Ioc), LIMITS).unwrap();
	assert_eq!(fills(&out), vec![(1, 101, 5), (2, 101, 3)]);
	assert_eq!(out.remainder, Remainder::CancelledIoc(2));
	assert_eq!(b.locate(10), None);
	b.check_invariants().unwrap();
}

#[test]
fn fok_fills_completely_or_changes_nothing() {
	let mut b = book();
	let before = b.orders(Side::Sell).into_iter().map(|(p, o)| (p, o.clone())).collect::<Vec<_>>();
	let fok = with_tif(order(10, 3, Side::Buy, 101, 9), TimeInForce::Fok);
	assert_eq!(b.place(fok, LIMITS), Err(Reject::FokUnfillable));
	let after = b.orders(Side::Sell).into_iter().map(|(p, o)| (p, o.clone())).collect::<Vec<_>>();
	assert_eq!(before, after);
	let fok = with_tif(order(11, 3, Side::Buy, 102, 9), TimeInForce::Fok);
	let out = b.place(fok, LIMITS).unwrap();
	assert_eq!(out.filled(), 9);
	assert_eq!(out.remainder, Remainder::Filled);
}

#[test]
fn post_only_rests_or_is_refused() {
	let mut b = book();
	let crossing = with_tif(order(10, 3, Side::Buy, 101, 1), TimeInForce::PostOnly);
	assert_eq!(b.place(crossing, LIMITS), Err(Reject::PostOnlyWouldCross));
	let passive = with_tif(order(11, 3, Side::Buy, 100, 1), TimeInForce::PostOnly);
	assert_eq!(b.place(passive, LIMITS).unwrap().remainder, Remainder::Rested(1));
	assert_eq!(b.depth(Side::Buy, 1), vec![(100, 1)]);
}

#[test]
fn self_trade_prevention_modes() {
	// Owner 1 rests id 1 (101×5) ahead of owner 2's id 2 (101×3).
	let mut b = book();
	let out = b.place(order(10, 1, Side::Buy, 101, 4), LIMITS).unwrap();
	assert_eq!(out.removed.len(), 1);
	assert_eq!(out.removed[0].order.id, 1);
	assert_eq!(out.removed[0].reason, RemovalReason::SelfTrade);
	assert_eq!(fills(&out), vec![(2, 101, 3)]);
	assert_eq!(out.remainder, Remainder::Rested(1));

	let mut b = book();
	let mut taker = order(10, 1, Side::Buy, 101, 4);
	taker.self_trade = SelfTradePrevention::CancelTaker;
	let out = b.place(taker, LIMITS).unwrap();
	assert!(out.fills.is_empty() && out.removed.is_empty());
	assert_eq!(out.remainder, Remainder::CancelledSelfTrade(4));
	assert_eq!(b.locate(1), Some((Side::Sell, 101)));

	let mut b = book();
	let mut taker = order(10, 1, Side::Buy, 101, 4);
	taker.self_trade = SelfTradePrevention::CancelBoth;
	let out = b.place(taker, LIMITS).unwrap();
	assert_eq!(out.removed[0].order.id, 1);
	assert_eq!(out.remainder, Remainder::CancelledSelfTrade(4));
	assert_eq!(b.depth(Side::Sell, 1), vec![(101, 3)]);
	b.check_invariants().unwrap();
}

#[test]
fn the_maker_limit_bounds_work_and_never_leaves_a_crossed_book() {
	let limits = MatchLimits { max_makers: 1, ..LIMITS };
	// IOC: one maker, the rest cancelled.
	let mut b = book();
	let out =
		b.place(with_tif(order(10, 3, Side::Buy, 102, 10), TimeInForce::Ioc), limits).unwrap();
	assert_eq!(fills(&out), vec![(1, 101, 5)]);
	assert_eq!(out.remainder, Remainder::CancelledIoc(5));
	// GTC that still crosses after the limit: cancelled, not rested crossed.
	let mut b = book();
	let out = b.place(order(10, 3, Side::Buy, 102, 10), limits).unwrap();
	assert_eq!(out.remainder, Remainder::CancelledMatchLimit(5));
	b.check_invariants().unwrap();
	// GTC that no longer crosses after the limit: rests.
	let mut b = MemoryBook::default();
	b.place(order(1, 1, Side::Sell, 101, 5), LIMITS).unwrap();
	let out = b.place(order(2, 3, Side::Buy, 101, 8), limits).unwrap();
	assert_eq!(out.remainder, Remainder::Rested(3));
	assert_eq!(out.touched, 1);
	b.check_invariants().unwrap();
}

#[test]
fn expired_orders_are_removed_when_touched_and_never_filled() {
	let mut b = MemoryBook::default();
	b.place(with_tif(order(1, 1, Side::Sell, 101, 5), TimeInForce::Gtt(1_500)), LIMITS).unwrap();
	b.place(order(2, 2, Side::Sell, 101, 5), LIMITS).unwrap();
	let later = MatchLimits { now: 1_500, ..LIMITS };
	let out = b.place(order(3, 3, Side::Buy, 101, 5), later).unwrap();
	assert_eq!(out.removed[0].reason, RemovalReason::Expired);
	assert_eq!(fills(&out), vec![(2, 101, 5)]);
	assert!(b.is_empty());
	// An order that is already expired is refused.
	let stale = with_tif(order(4, 1, Side::Sell, 101, 5), TimeInForce::Gtt(1_500));
	assert_eq!(b.place(stale, later), Err(Reject::AlreadyExpired));
}

#[test]
fn zero_size_or_price_is_refused_and_cancel_removes() {
	let mut b = book();
	assert_eq!(b.place(order(10, 1, Side::Buy, 100, 0), LIMITS), Err(Reject::ZeroQty));
	assert_eq!(b.place(order(10, 1, Side::Buy, 0, 1), LIMITS), Err(Reject::ZeroPrice));
	assert_eq!(b.cancel(2).map(|o| o.qty), Some(3));
	assert_eq!(b.cancel(2), None);
	assert_eq!(b.depth(Side::Sell, 1), vec![(101, 5)]);
	assert_eq!(b.cancel(4).map(|o| o.qty), Some(4));
	assert_eq!(b.depth(Side::Buy, 1), vec![(98, 6)]);
	b.check_invariants().unwrap();
}

// ---------------------------------------------------------------------------------------------
// Differential test against a naive matcher

/// A matcher written from the rules with no data structure at all: a list of resting orders in
/// arrival order, scanned in full for the best candidate at every step.
#[derive(Clone, Default)]
struct Naive {
	orders: Vec<(Side, Price, RestingOrder<Owner>)>,
}

type NaiveResult =
	Result<(Vec<(OrderId, Price, Qty, Qty)>, Vec<(OrderId, RemovalReason)>, Remainder), Reject>;

impl Naive {
	fn best_candidate(&self, side: Side, limit: Price) -> Option<usize> {
		let opposite = side.opposite();
		let mut best: Option<usize> = None;
		for (i, (s, p, o)) in self.orders.iter().enumerate() {
			if *s != opposite || !side.crosses(limit, *p) {
				continue;
			}
			best = match best {
				None => Some(i),
				Some(j) => {
					let (_, bp, bo) = &self.orders[j];
					if opposite.better(*p, *bp) || (*p == *bp && o.id < bo.id) {
						Some(i)
					} else {
						Some(j)
					}
				},
			};
		}
		best
	}

	fn place(&mut self, o: &NewOrder<Owner>, limits: MatchLimits) -> NaiveResult {
		if o.qty == 0 {
			return Err(Reject::ZeroQty);
		}
		if o.price == 0 {
			return Err(Reject::ZeroPrice);
		}
		if matches!(o.time_in_force, TimeInForce::Gtt(at) if at <= limits.now) {
			return Err(Reject::AlreadyExpired);
		}
		if o.time_in_force == TimeInForce::PostOnly {
			// Refused if a live order crosses it; expired ones do not count, but only the
			// first `max_makers` crossing orders (priority order) are looked at.
			let mut crossing: Vec<&(Side, Price, RestingOrder<Owner>)> = self
				.orders
				.iter()
				.filter(|(s, p, _)| *s == o.side.opposite() && o.side.crosses(o.price, *p))
				.collect();
			crossing.sort_by(|a, b| {
				let better = |x: Price, y: Price| o.side.opposite().better(x, y);
				if better(a.1, b.1) {
					core::cmp::Ordering::Less
				} else if better(b.1, a.1) {
					core::cmp::Ordering::Greater
				} else {
					a.2.id.cmp(&b.2.id)
				}
			});
			let looked = crossing.len().min(limits.max_makers as usize);
			if crossing.len() > looked
				|| crossing[..looked].iter().any(|x| !x.2.expired(limits.now))
			{
				return Err(Reject::PostOnlyWouldCross);
			}
		}
		if o.time_in_force == TimeInForce::Fok {
			let mut trial = self.clone();
			let ioc = NewOrder { time_in_force: TimeInForce::Ioc, ..o.clone() };
			let (f, _, _) = trial.place(&ioc, limits)?;
			if f.iter().map(|x| x.2).sum::<Qty>() < o.qty {
				return Err(Reject::FokUnfillable);
			}
		}
		let (mut fills, mut removed) = (Vec::new(), Vec::new());
		let mut remaining = o.qty;
		let (mut touched, mut by_limit, mut by_self) = (0u32, false, false);
		while remaining > 0 {
			let Some(i) = self.best_candidate(o.side, o.price) else { break };
			if touched >= limits.max_makers {
				by_limit = true;
				break;
			}
			touched += 1;
			let (_, price, maker) = self.orders[i].clone();
			if maker.expired(limits.now) {
				self.orders.remove(i);
				removed.push((maker.id, RemovalReason::Expired));
				continue;
			}
			if maker.owner == o.owner {
				match o.self_trade {
					SelfTradePrevention::CancelResting => {
						self.orders.remove(i);
						removed.push((maker.id, RemovalReason::SelfTrade));
						continue;
					},
					SelfTradePrevention::CancelTaker => {
						by_self = true;
						break;
					},
					SelfTradePrevention::CancelBoth => {
						self.orders.remove(i);
						removed.push((maker.id, RemovalReason::SelfTrade));
						by_self = true;
						break;
					},
				}
			}
			let qty = remaining.min(maker.qty);
			remaining -= qty;
			let left = maker.qty - qty;
			fills.push((maker.id, price, qty, left));
			if left == 0 {
				self.orders.remove(i);
			} else {
				self.orders[i].2.qty = left;
			}
		}
		let remainder = if remaining == 0 {
			Remainder::Filled
		} else if by_self {
			Remainder::CancelledSelfTrade(remaining)
		} else {
			match o.time_in_force {
				TimeInForce::Ioc | TimeInForce::Fok => Remainder::CancelledIoc(remaining),
				_ if by_limit && self.best_candidate(o.side, o.price).is_some() => {
					Remainder::CancelledMatchLimit(remaining)
				},
				_ => {
					self.orders.push((
						o.side,
						o.price,
						RestingOrder {
							id: o.id,
							owner: o.owner,
							qty: remaining,
							expires_at: o.time_in_force.expiry(),
							reduce_only: false,
						},
					));
					Remainder::Rested(remaining)
				},
			}
		};
		Ok((fills, removed, remainder))
	}

	fn cancel(&mut self, id: OrderId) -> Option<Qty> {
		let i = self.orders.iter().position(|(_, _, o)| o.id == id)?;
		Some(self.orders.remove(i).2.qty)
	}

	/// The book as (side, price, id, qty, owner), best first and FIFO.
	fn snapshot(&self) -> Vec<(Side, Price, OrderId, Qty, Owner)> {
		let mut v: Vec<_> =
			self.orders.iter().map(|(s, p, o)| (*s, *p, o.id, o.qty, o.owner)).collect();
		v.sort_by(|a, b| {
			a.0.cmp(&b.0)
				.then(match a.0 {
					Side::Buy => b.1.cmp(&a.1),
					Side::Sell => a.1.cmp(&b.1),
				})
				.then(a.2.cmp(&b.2))
		});
		v
	}
}

fn snapshot(b: &MemoryBook<Owner>) -> Vec<(Side, Price, OrderId, Qty, Owner)> {
	[Side::Buy, Side::Sell]
		.iter()
		.flat_map(|s| b.orders(*s).into_iter().map(move |(p, o)| (*s, p, o.id, o.qty, o.owner)))
		.collect()
}

#[derive(Clone, Debug)]
enum Op {
	Place { owner: Owner, side: Side, price: Price, qty: Qty, tif: u8, ttl: u64, stp: u8 },
	Cancel { pick: usize },
	Wait { ms: u64 },
}

fn op() -> impl Strategy<Value = Op> {
	prop_oneof![
		7 => (0u8..4, any::<bool>(), 95u64..106, 1u64..12, 0u8..5, 1u64..20, 0u8..3).prop_map(
			|(owner, buy, price, qty, tif, ttl, stp)| Op::Place {
				owner,
				side: if buy { Side::Buy } else { Side::Sell },
				price,
				qty,
				tif,
				ttl,
				stp,
			}
		),
		2 => any::<usize>().prop_map(|pick| Op::Cancel { pick }),
		1 => (0u64..8).prop_map(|ms| Op::Wait { ms }),
	]
}

proptest! {
	#![proptest_config(ProptestConfig::with_cases(512))]

	/// The core and the naive matcher agree on every fill, removal, remainder and the whole
	/// book after every operation, and the core's book keeps its invariants.
	#[test]
	fn core_matches_the_naive_reference(ops in proptest::collection::vec(op(), 1..120), max_makers in 1u32..6) {
		let mut core = MemoryBook::<Owner>::default();
		let mut naive = Naive::default();
		let mut now: Moment = 1_000;
		let mut next_id: OrderId = 1;
		let mut issued: Vec<OrderId> = Vec::new();
		for op in ops {
			match op {
				Op::Wait { ms } => now += ms,
				Op::Cancel { pick } => {
					if issued.is_empty() { continue; }
					let id = issued[pick % issued.len()];
					let a = core.cancel(id).map(|o| o.qty);
					let b = naive.cancel(id);
					prop_assert_eq!(a, b);
				},
				Op::Place { owner, side, price, qty, tif, ttl, stp } => {
					let time_in_force = match tif {
						0 => TimeInForce::Gtc,
						1 => TimeInForce::Gtt(now + ttl),
						2 => TimeInForce::Ioc,
						3 => TimeInForce::Fok,
						_ => TimeInForce::PostOnly,
					};
					let self_trade = match stp {
						0 => SelfTradePrevention::CancelResting,
						1 => SelfTradePrevention::CancelTaker,
						_ => SelfTradePrevention::CancelBoth,
					};
					let o = NewOrder {
						id: next_id,
						owner,
						side,
						price,
						qty,
						time_in_force,
						self_trade,
						reduce_only: false,
					};
					next_id += 1;
					issued.push(o.id);
					let limits = MatchLimits { now, max_makers };
					let expected = naive.place(&o, limits);
					let got = core.place(o, limits).map(|out| {
						(
							out.fills.iter().map(|f| (f.maker_id, f.price, f.qty, f.maker_remaining)).collect::<Vec<_>>(),
							out.removed.iter().map(|r| (r.order.id, r.reason)).collect::<Vec<_>>(),
							out.remainder,
						)
					});
					prop_assert_eq!(got, expected);
				},
			}
			prop_assert_eq!(snapshot(&core), naive.snapshot());
			core.check_invariants().map_err(TestCaseError::fail)?;
		}
	}

	/// Σ fills + remainder = the order's size, and resting sizes change exactly by the fills.
	#[test]
	fn size_is_conserved(ops in proptest::collection::vec(op(), 1..80)) {
		let mut core = MemoryBook::<Owner>::default();
		let mut next_id = 1;
		for op in ops {
			if let Op::Place { owner, side, price, qty, .. } = op {
				let resting_before: Qty = snapshot(&core).iter().map(|x| x.3).sum();
				let out = core.place(order(next_id, owner, side, price, qty), LIMITS).unwrap();
				next_id += 1;
				let rest = match out.remainder {
					Remainder::Rested(q) => q,
					_ => 0,
				};
				let removed: Qty = out.removed.iter().map(|r| r.order.qty).sum();
				prop_assert_eq!(out.filled() + rest, qty);
				let resting_after: Qty = snapshot(&core).iter().map(|x| x.3).sum();
				prop_assert_eq!(resting_after, resting_before - out.filled() - removed + rest);
			}
		}
	}
}

/// A gate over fixed positions: owner → how many lots its reduce-only orders may trade in
/// all (less its fills so far in the call), as the pallet's gate computes it.
struct Positions(alloc::collections::BTreeMap<Owner, Qty>);
impl ReduceOnlyGate<Owner> for Positions {
	fn room(&mut self, owner: &Owner, _: Side, want: Qty, fills: &[Fill<Owner>]) -> Qty {
		let traded: Qty = fills.iter().filter(|f| f.maker == *owner).map(|f| f.qty).sum();
		self.0.get(owner).copied().unwrap_or(0).saturating_sub(traded).min(want)
	}
}

fn reduce_only(mut o: NewOrder<Owner>) -> NewOrder<Owner> {
	o.reduce_only = true;
	o
}

#[test]
fn a_reduce_only_maker_fills_at_most_its_room_and_then_leaves() {
	let mut b = MemoryBook::default();
	// Owner 1 holds 5 lots: a plain ask of 3 at 100, a reduce-only ask of 5 at 101.
	b.place(order(1, 1, Side::Sell, 100, 3), LIMITS).unwrap();
	b.place(reduce_only(order(2, 1, Side::Sell, 101, 5)), LIMITS).unwrap();
	b.place(order(3, 2, Side::Sell, 102, 4), LIMITS).unwrap();
	let mut gate = Positions([(1, 5)].into_iter().collect());
	let out = b.place_gated(order(4, 3, Side::Buy, 102, 10), LIMITS, &mut gate).unwrap();
	// The plain ask used 3 of the 5: the reduce-only one trades 2, its other 3 leave.
	assert_eq!(fills(&out), vec![(1, 100, 3), (2, 101, 2), (3, 102, 4)]);
	assert_eq!(out.fills[1].maker_remaining, 0);
	assert_eq!(out.removed.len(), 1);
	assert_eq!(
		(out.removed[0].order.id, out.removed[0].order.qty, out.removed[0].reason),
		(2, 3, RemovalReason::ReduceOnly)
	);
	assert_eq!(out.remainder, Remainder::Rested(1));
	assert!(b.depth(Side::Sell, 5).is_empty());
	b.check_invariants().unwrap();

	// With no room at all, the order leaves without trading.
	b.place(reduce_only(order(5, 1, Side::Sell, 103, 5)), LIMITS).unwrap();
	let mut none = Positions(Default::default());
	let out = b.place_gated(order(6, 3, Side::Buy, 103, 1), LIMITS, &mut none).unwrap();
	assert!(out.fills.is_empty());
	assert_eq!(out.removed[0].reason, RemovalReason::ReduceOnly);
	assert_eq!(out.remainder, Remainder::Rested(1));
	b.check_invariants().unwrap();
}

#[test]
fn fill_or_kill_counts_only_what_reduce_only_makers_may_trade() {
	let mut b = MemoryBook::default();
	b.place(reduce_only(order(1, 1, Side::Sell, 100, 5)), LIMITS).unwrap();
	let mut gate = Positions([(1, 2)].into_iter().collect());
	let fok = with_tif(order(2, 3, Side::Buy, 100, 3), TimeInForce::Fok);
	assert_eq!(b.place_gated(fok.clone(), LIMITS, &mut gate), Err(Reject::FokUnfillable));
	assert_eq!(b.depth(Side::Sell, 5), vec![(100, 5)], "a refused FOK changes nothing");
	let fok = with_tif(order(3, 3, Side::Buy, 100, 2), TimeInForce::Fok);
	let out = b.place_gated(fok, LIMITS, &mut gate).unwrap();
	assert_eq!(fills(&out), vec![(1, 100, 2)]);
	assert_eq!(out.remainder, Remainder::Filled);
	b.check_invariants().unwrap();
}

#[test]
fn shrink_keeps_queue_place_and_level_total() {
	let mut b = book();
	assert_eq!(shrink(&mut b, Side::Sell, 101, 1, 2), Some(2));
	assert_eq!(b.depth(Side::Sell, 5), vec![(101, 5), (102, 10)]);
	assert_eq!(shrink(&mut b, Side::Sell, 101, 1, 3), None, "never grows");
	assert_eq!(shrink(&mut b, Side::Sell, 101, 1, 0), None, "zero is a cancel");
	assert_eq!(shrink(&mut b, Side::Sell, 105, 1, 1), None, "no such level");
	let out = b.place(order(9, 3, Side::Buy, 101, 2), LIMITS).unwrap();
	assert_eq!(fills(&out), vec![(1, 101, 2)], "still first in its queue");
	b.check_invariants().unwrap();
}

/// Audit 14: a level's total saturated at `u64::MAX`, so a level could report less than it
/// holds; now it is exact.
#[test]
fn a_level_total_is_exact_beyond_u64() {
	let mut b = MemoryBook::default();
	b.place(order(1, 1, Side::Sell, 100, u64::MAX), LIMITS).unwrap();
	b.place(order(2, 2, Side::Sell, 100, u64::MAX), LIMITS).unwrap();
	assert_eq!(b.depth(Side::Sell, 1), vec![(100, 2 * u128::from(u64::MAX))]);
	b.check_invariants().unwrap();
}

/// Audit 14: `MemoryBook` accepted a second order under a resting id: one of the two could
/// never be cancelled but could still fill.
#[test]
fn a_duplicate_id_is_refused_and_changes_nothing() {
	let mut b = book();
	let before = snapshot(&b);
	assert_eq!(b.place(order(1, 3, Side::Buy, 90, 1), LIMITS), Err(Reject::DuplicateId));
	assert_eq!(snapshot(&b), before);
	b.check_invariants().unwrap();
}

/// Audit 14: time priority is arrival order, not id order: a lower id arriving later queues
/// behind.
#[test]
fn time_priority_is_arrival_not_id() {
	let mut b = MemoryBook::default();
	b.place(order(10, 1, Side::Sell, 100, 1), LIMITS).unwrap();
	b.place(order(5, 2, Side::Sell, 100, 1), LIMITS).unwrap();
	let out = b.place(order(20, 3, Side::Buy, 100, 1), LIMITS).unwrap();
	assert_eq!(fills(&out), vec![(10, 100, 1)]);
	b.check_invariants().unwrap();
}

/// Audit 14: an expired good-till-time order nobody swept yet made a post-only order at or
/// through its price fail; expired orders no longer count as crossing.
#[test]
fn an_expired_order_does_not_block_a_post_only_order() {
	let mut b = MemoryBook::default();
	let gtt = with_tif(order(1, 1, Side::Sell, 100, 5), TimeInForce::Gtt(LIMITS.now + 10));
	b.place(gtt, LIMITS).unwrap();
	let later = MatchLimits { now: LIMITS.now + 10, ..LIMITS };
	let post = with_tif(order(2, 2, Side::Buy, 100, 1), TimeInForce::PostOnly);
	assert_eq!(b.place(post, later).unwrap().remainder, Remainder::Rested(1));
	// A live order at that price still refuses it.
	b.place(order(3, 1, Side::Sell, 101, 1), later).unwrap();
	let post = with_tif(order(4, 2, Side::Buy, 101, 1), TimeInForce::PostOnly);
	assert_eq!(b.place(post, later), Err(Reject::PostOnlyWouldCross));
}
