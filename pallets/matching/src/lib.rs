//! # Matching core
//!
//! The order book of one market and the matching of orders against it, with no storage and no
//! allocation beyond the book itself: what the order-book pallet calls, and what the benches
//! measure.
//!
//! * **Price-time priority.** Better price first; at one price, earlier orders first (FIFO).
//! * **Units.** Prices are integer ticks ([`Price`]) and sizes integer lots ([`Qty`]); the
//!   pallet converts from tick and lot sizes. No rounding happens here.
//! * **Orders.** [`NewOrder`] with a [`TimeInForce`]: good-till-cancelled, good-till-time (a
//!   timestamp), immediate-or-cancel, fill-or-kill, post-only. A market order is an IOC limit
//!   order at its protection price.
//! * **Self-trade prevention** ([`SelfTradePrevention`]): when a taker meets its own resting
//!   order, cancel the resting one and continue, cancel the taker, or cancel both.
//! * **Bounded work.** A taker touches at most [`MatchLimits::max_makers`] resting orders (fills,
//!   expired orders removed, self-trades cancelled). If it stops there while the book still
//!   crosses it, its remainder is cancelled rather than rested (a resting order never crosses
//!   the book); otherwise a GTC/GTT/post-only remainder rests.
//! * **Expiry.** Good-till-time orders are removed lazily when a taker touches them, and by
//!   the pallet's sweep; the core never fills an expired order.
//! * **Reduce-only resting orders.** The core does not know positions: before a reduce-only
//!   resting order trades, it asks a [`ReduceOnlyGate`] how much of it may still fill (its
//!   owner's position, less what the owner's resting orders already traded in this call). It
//!   fills at most that; what is left of the order then leaves the book
//!   ([`RemovalReason::ReduceOnly`]), so a reduce-only order never opens or flips a position.
//!
//! The book lives behind [`BookStore`]: [`MemoryBook`] keeps it in memory (tests, benches,
//! off-chain simulation); the pallet implements the trait over storage, loading each price
//! level at most once per call. The matching rules are written once, here, for both.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod memory;

use alloc::{collections::VecDeque, vec::Vec};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

pub use memory::MemoryBook;

/// A price in ticks of the market's tick size.
pub type Price = u64;
/// A size in lots of the market's lot size.
pub type Qty = u64;
/// An order's id, unique in its market (assigned by the caller in arrival order).
pub type OrderId = u64;
/// Milliseconds since the unix epoch.
pub type Moment = u64;

/// Buy or sell.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Hash,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum Side {
	/// Bids: matched against asks at or below the limit.
	Buy,
	/// Asks: matched against bids at or above the limit.
	Sell,
}

impl Side {
	/// The other side.
	pub fn opposite(self) -> Side {
		match self {
			Side::Buy => Side::Sell,
			Side::Sell => Side::Buy,
		}
	}

	/// Whether an order on `self` with limit `limit` trades against a resting order on the
	/// other side at `resting`.
	pub fn crosses(self, limit: Price, resting: Price) -> bool {
		match self {
			Side::Buy => resting <= limit,
			Side::Sell => resting >= limit,
		}
	}

	/// Whether `a` is a better price than `b` for a resting order on `self`.
	pub fn better(self, a: Price, b: Price) -> bool {
		match self {
			Side::Buy => a > b,
			Side::Sell => a < b,
		}
	}
}

/// How long an order may rest.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum TimeInForce {
	/// Good till cancelled: rests until filled or cancelled.
	Gtc,
	/// Good till the given time (ms): rests until then.
	Gtt(Moment),
	/// Immediate or cancel: trades what it can now, the rest is cancelled.
	Ioc,
	/// Fill or kill: trades all of it now, or nothing happens at all.
	Fok,
	/// Post only: rests without trading; refused if it would trade on arrival.
	PostOnly,
}

impl TimeInForce {
	/// When a resting order with this time in force expires.
	pub fn expiry(self) -> Option<Moment> {
		match self {
			TimeInForce::Gtt(at) => Some(at),
			_ => None,
		}
	}
}

/// What happens when a taker meets a resting order of the same owner.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub enum SelfTradePrevention {
	/// Cancel the resting order and keep matching.
	#[default]
	CancelResting,
	/// Cancel the (rest of the) taker; the resting order stays.
	CancelTaker,
	/// Cancel both.
	CancelBoth,
}

/// An order resting in the book. Its side and price are those of its level.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct RestingOrder<Owner> {
	/// The order's id.
	pub id: OrderId,
	/// Who placed it.
	pub owner: Owner,
	/// What is left to fill.
	pub qty: Qty,
	/// When it expires (good-till-time orders).
	pub expires_at: Option<Moment>,
	/// Whether it may only reduce its owner's position (see [`ReduceOnlyGate`]).
	pub reduce_only: bool,
}

impl<Owner> RestingOrder<Owner> {
	/// Whether the order has expired at `now` (an order expires *at* its time).
	pub fn expired(&self, now: Moment) -> bool {
		self.expires_at.is_some_and(|at| at <= now)
	}
}

/// The orders at one price, oldest first, and their total size.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Level<Owner> {
	/// FIFO queue in arrival order (whatever the ids): the front is matched first.
	pub orders: VecDeque<RestingOrder<Owner>>,
	/// Σ `qty` of the orders, in a type twice as wide as one order's size: a level of up to
	/// 2^64 orders of up to 2^64 lots each cannot overflow it, so it is always exact.
	pub total: u128,
}

impl<Owner> Default for Level<Owner> {
	fn default() -> Self {
		Self { orders: VecDeque::new(), total: 0 }
	}
}

impl<Owner> Level<Owner> {
	/// Whether the level holds no orders.
	pub fn is_empty(&self) -> bool {
		self.orders.is_empty()
	}

	/// Append `order` at the back of the queue.
	pub fn push(&mut self, order: RestingOrder<Owner>) {
		// Exact: see `total`.
		self.total = self.total.saturating_add(u128::from(order.qty));
		self.orders.push_back(order);
	}

	/// Lower order `id`'s size to `qty` (not above what it has; zero is not a size: use
	/// [`Self::remove`]). It keeps its place in the queue. Returns the new size.
	pub fn shrink(&mut self, id: OrderId, qty: Qty) -> Option<Qty> {
		let order = self.orders.iter_mut().find(|o| o.id == id)?;
		if qty == 0 || qty > order.qty {
			return None;
		}
		self.total = self.total.saturating_sub(u128::from(order.qty - qty));
		order.qty = qty;
		Some(qty)
	}

	/// Remove order `id`, if it is here.
	pub fn remove(&mut self, id: OrderId) -> Option<RestingOrder<Owner>> {
		let index = self.orders.iter().position(|o| o.id == id)?;
		let order = self.orders.remove(index)?;
		self.total = self.total.saturating_sub(u128::from(order.qty));
		Some(order)
	}

	fn pop_front(&mut self) -> Option<RestingOrder<Owner>> {
		let order = self.orders.pop_front()?;
		self.total = self.total.saturating_sub(u128::from(order.qty));
		Some(order)
	}
}

/// Where the book's levels live. Implementations may load levels lazily (hence `&mut self`
/// for reads too); the matching rules only reach the book through these methods.
pub trait BookStore<Owner> {
	/// The best price on `side` (highest bid, lowest ask).
	fn best(&mut self, side: Side) -> Option<Price>;
	/// The next price on `side` after `price`, away from the touch.
	fn next(&mut self, side: Side, price: Price) -> Option<Price>;
	/// The level at `price` on `side`, to read (`None` if absent).
	fn level(&mut self, side: Side, price: Price) -> Option<&Level<Owner>>;
	/// The level at `price` on `side`, to change (created empty if absent).
	fn level_mut(&mut self, side: Side, price: Price) -> &mut Level<Owner>;
	/// Remove the (empty) level at `price` on `side`.
	fn remove_level(&mut self, side: Side, price: Price);
}

/// An order arriving at the book.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NewOrder<Owner> {
	/// Its id: unique in the book (the caller's to guarantee; [`MemoryBook`] refuses a
	/// duplicate). Time priority is arrival order, not id order.
	pub id: OrderId,
	/// Who places it.
	pub owner: Owner,
	/// Buy or sell.
	pub side: Side,
	/// The limit price (for a market order: its protection price).
	pub price: Price,
	/// The size.
	pub qty: Qty,
	/// How long it may rest.
	pub time_in_force: TimeInForce,
	/// What to do when it meets its owner's resting orders.
	pub self_trade: SelfTradePrevention,
	/// Whether it may only reduce its owner's position. The caller checks the taker's size
	/// against the position; the flag travels with the rest into the book, where the
	/// [`ReduceOnlyGate`] holds it to the position at every later fill.
	pub reduce_only: bool,
}

/// How much of a reduce-only resting order may still fill: the caller knows positions, the
/// core does not.
pub trait ReduceOnlyGate<Owner> {
	/// `owner`'s reduce-only order on `side` is about to trade `want`; `fills` are the trades
	/// of this call so far (the owner's earlier ones among them have already moved its
	/// position, though the caller has not booked them yet). Returns how much may trade: at
	/// most what is left of the position on the side the order reduces.
	fn room(&mut self, owner: &Owner, side: Side, want: Qty, fills: &[Fill<Owner>]) -> Qty;
}

/// No positions known: reduce-only resting orders fill like any other (the core's own tests
/// and benches, where the flag is never set).
impl<Owner> ReduceOnlyGate<Owner> for () {
	fn room(&mut self, _: &Owner, _: Side, want: Qty, _: &[Fill<Owner>]) -> Qty {
		want
	}
}

/// The bounds of one matching call.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct MatchLimits {
	/// The current time (expiry is judged against it).
	pub now: Moment,
	/// The most resting orders the taker may touch (fill, expire or self-trade cancel).
	pub max_makers: u32,
}

/// One trade between the taker and a resting order.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Fill<Owner> {
	/// The resting order's id.
	pub maker_id: OrderId,
	/// The resting order's owner.
	pub maker: Owner,
	/// The trade price: the resting order's.
	pub price: Price,
	/// The traded size.
	pub qty: Qty,
	/// What is left of the resting order (zero: it left the book).
	pub maker_remaining: Qty,
}

/// Why a resting order left the book without trading.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum RemovalReason {
	/// Its good-till-time passed.
	Expired,
	/// Self-trade prevention.
	SelfTrade,
	/// A reduce-only order whose owner's position no longer has room for it.
	ReduceOnly,
}

/// A resting order removed while matching.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Removed<Owner> {
	/// The order.
	pub order: RestingOrder<Owner>,
	/// Its price.
	pub price: Price,
	/// Why.
	pub reason: RemovalReason,
}

/// What became of the taker's unfilled remainder.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub enum Remainder {
	/// Fully filled: nothing remains.
	Filled,
	/// The remainder rests in the book.
	Rested(Qty),
	/// The remainder was cancelled because the order is IOC (or a market order).
	CancelledIoc(Qty),
	/// The remainder was cancelled by self-trade prevention.
	CancelledSelfTrade(Qty),
	/// The taker touched `max_makers` orders while the book still crossed it.
	CancelledMatchLimit(Qty),
}

/// The result of placing an order.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Outcome<Owner> {
	/// Trades, in matching order.
	pub fills: Vec<Fill<Owner>>,
	/// Resting orders removed without trading (expired, self-trade).
	pub removed: Vec<Removed<Owner>>,
	/// The taker's remainder.
	pub remainder: Remainder,
	/// How many resting orders were touched (≤ `max_makers`): what the call's weight pays for.
	pub touched: u32,
}

impl<Owner> Outcome<Owner> {
	/// The size the taker traded.
	pub fn filled(&self) -> Qty {
		self.fills.iter().map(|f| f.qty).sum()
	}
}

/// Why an order was refused; the book is unchanged.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Reject {
	/// A size of zero.
	ZeroQty,
	/// A price of zero.
	ZeroPrice,
	/// A post-only order that would trade on arrival.
	PostOnlyWouldCross,
	/// A fill-or-kill order that cannot fill completely within the limits.
	FokUnfillable,
	/// A good-till-time order whose time has passed.
	AlreadyExpired,
	/// An order with the id of one already resting ([`MemoryBook`]; the pallet's ids are a
	/// fresh sequence).
	DuplicateId,
}

/// Place `order` in `book`: match it against the opposite side under price-time priority,
/// then rest, cancel or reject the remainder as its time in force says. Reduce-only resting
/// orders fill like any other (see [`place_gated`]).
///
/// On `Err` the book is unchanged.
pub fn place<Owner: Clone + PartialEq, S: BookStore<Owner>>(
	book: &mut S,
	order: NewOrder<Owner>,
	limits: MatchLimits,
) -> Result<Outcome<Owner>, Reject> {
	place_gated(book, order, limits, &mut ())
}

/// As [`place`], with reduce-only resting orders held to what `gate` allows: each fills at
/// most its [`ReduceOnlyGate::room`], and an order that could not fill all it was asked to
/// leaves the book with [`RemovalReason::ReduceOnly`]. The gate is only consulted for
/// reduce-only makers.
///
/// On `Err` the book is unchanged.
pub fn place_gated<Owner: Clone + PartialEq, S: BookStore<Owner>, G: ReduceOnlyGate<Owner>>(
	book: &mut S,
	order: NewOrder<Owner>,
	limits: MatchLimits,
	gate: &mut G,
) -> Result<Outcome<Owner>, Reject> {
	if order.qty == 0 {
		return Err(Reject::ZeroQty);
	}
	if order.price == 0 {
		return Err(Reject::ZeroPrice);
	}
	if order.time_in_force.expiry().is_some_and(|at| at <= limits.now) {
		return Err(Reject::AlreadyExpired);
	}
	let opposite = order.side.opposite();
	if order.time_in_force == TimeInForce::PostOnly && crosses_live(book, &order, limits) {
		return Err(Reject::PostOnlyWouldCross);
	}
	if order.time_in_force == TimeInForce::Fok
		&& fillable_gated(book, &order, limits, gate) < order.qty
	{
		return Err(Reject::FokUnfillable);
	}

	let mut outcome = Outcome {
		fills: Vec::new(),
		removed: Vec::new(),
		remainder: Remainder::Filled,
		touched: 0,
	};
	let mut remaining = order.qty;
	let mut stopped_by_limit = false;
	let mut self_trade_stop = false;

	'levels: while remaining > 0 {
		let Some(price) = book.best(opposite) else { break };
		if !order.side.crosses(order.price, price) {
			break;
		}
		let level = book.level_mut(opposite, price);
		while remaining > 0 {
			let Some(maker) = level.orders.front_mut() else { break };
			if outcome.touched >= limits.max_makers {
				stopped_by_limit = true;
				break;
			}
			outcome.touched += 1;
			if maker.expired(limits.now) {
				if let Some(order) = level.pop_front() {
					outcome.removed.push(Removed { order, price, reason: RemovalReason::Expired });
				}
				continue;
			}
			if maker.owner == order.owner {
				match order.self_trade {
					SelfTradePrevention::CancelResting => {
						if let Some(order) = level.pop_front() {
							outcome.removed.push(Removed {
								order,
								price,
								reason: RemovalReason::SelfTrade,
							});
						}
						continue;
					},
					SelfTradePrevention::CancelTaker => {
						self_trade_stop = true;
						break;
					},
					SelfTradePrevention::CancelBoth => {
						if let Some(order) = level.pop_front() {
							outcome.removed.push(Removed {
								order,
								price,
								reason: RemovalReason::SelfTrade,
							});
						}
						self_trade_stop = true;
						break;
					},
				}
			}
			let mut qty = remaining.min(maker.qty);
			// A reduce-only order held back by its owner's position fills what it may and
			// leaves the book: the rest of it could only open or flip a position.
			let mut clipped = false;
			if maker.reduce_only {
				let room = gate.room(&maker.owner, opposite, qty, &outcome.fills);
				if room < qty {
					qty = room;
					clipped = true;
				}
			}
			if qty > 0 {
				maker.qty -= qty;
				remaining -= qty;
				outcome.fills.push(Fill {
					maker_id: maker.id,
					maker: maker.owner.clone(),
					price,
					qty,
					maker_remaining: if clipped { 0 } else { maker.qty },
				});
				level.total = level.total.saturating_sub(u128::from(qty));
			}
			if maker.qty == 0 {
				level.orders.pop_front();
			} else if clipped {
				if let Some(order) = level.pop_front() {
					outcome.removed.push(Removed {
						order,
						price,
						reason: RemovalReason::ReduceOnly,
					});
				}
			}
		}
		let emptied = level.is_empty();
		if emptied {
			book.remove_level(opposite, price);
		}
		if stopped_by_limit || self_trade_stop {
			break 'levels;
		}
	}

	outcome.remainder = if remaining == 0 {
		Remainder::Filled
	} else if self_trade_stop {
		Remainder::CancelledSelfTrade(remaining)
	} else {
		match order.time_in_force {
			TimeInForce::Ioc | TimeInForce::Fok => Remainder::CancelledIoc(remaining),
			TimeInForce::Gtc | TimeInForce::Gtt(_) | TimeInForce::PostOnly => {
				let still_crosses = stopped_by_limit
					&& book
						.best(opposite)
						.is_some_and(|best| order.side.crosses(order.price, best));
				if still_crosses {
					Remainder::CancelledMatchLimit(remaining)
				} else {
					book.level_mut(order.side, order.price).push(RestingOrder {
						id: order.id,
						owner: order.owner,
						qty: remaining,
						expires_at: order.time_in_force.expiry(),
						reduce_only: order.reduce_only,
					});
					Remainder::Rested(remaining)
				}
			},
		}
	};
	Ok(outcome)
}

/// Whether `order` would meet a live (unexpired) resting order on arrival: the post-only
/// check. Expired orders not yet swept do not count, so they cannot block a post-only order.
/// At most `max_makers` orders are looked at; past that the order counts as crossing (refused
/// rather than resting in a crossed book).
fn crosses_live<Owner: Clone + PartialEq, S: BookStore<Owner>>(
	book: &mut S,
	order: &NewOrder<Owner>,
	limits: MatchLimits,
) -> bool {
	let opposite = order.side.opposite();
	let mut looked = 0u32;
	let mut next = book.best(opposite);
	while let Some(price) = next {
		if !order.side.crosses(order.price, price) {
			return false;
		}
		let Some(level) = book.level(opposite, price) else { return false };
		for resting in level.orders.iter() {
			if looked >= limits.max_makers {
				return true;
			}
			looked += 1;
			if !resting.expired(limits.now) {
				return true;
			}
		}
		next = book.next(opposite, price);
	}
	false
}

/// How much of `order` would fill now, under the same rules and limits as [`place`], without
/// changing the book (the fill-or-kill check).
pub fn fillable<Owner: Clone + PartialEq, S: BookStore<Owner>>(
	book: &mut S,
	order: &NewOrder<Owner>,
	limits: MatchLimits,
) -> Qty {
	fillable_gated(book, order, limits, &mut ())
}

/// As [`fillable`], for [`place_gated`] with `gate`.
pub fn fillable_gated<Owner: Clone + PartialEq, S: BookStore<Owner>, G: ReduceOnlyGate<Owner>>(
	book: &mut S,
	order: &NewOrder<Owner>,
	limits: MatchLimits,
	gate: &mut G,
) -> Qty {
	let opposite = order.side.opposite();
	let mut filled: Qty = 0;
	// The dry run's trades, for the gate.
	let mut fills: Vec<Fill<Owner>> = Vec::new();
	let mut touched = 0u32;
	let mut next = book.best(opposite);
	while let Some(price) = next {
		if !order.side.crosses(order.price, price) {
			break;
		}
		let Some(level) = book.level(opposite, price) else { break };
		for maker in level.orders.iter() {
			if filled >= order.qty {
				return filled;
			}
			if touched >= limits.max_makers {
				return filled;
			}
			touched += 1;
			if maker.expired(limits.now) {
				continue;
			}
			if maker.owner == order.owner {
				match order.self_trade {
					SelfTradePrevention::CancelResting => continue,
					SelfTradePrevention::CancelTaker | SelfTradePrevention::CancelBoth => {
						return filled
					},
				}
			}
			let mut qty = maker.qty.min(order.qty - filled);
			if maker.reduce_only {
				qty = qty.min(gate.room(&maker.owner, opposite, qty, &fills));
			}
			fills.push(Fill {
				maker_id: maker.id,
				maker: maker.owner.clone(),
				price,
				qty,
				maker_remaining: 0,
			});
			filled = filled.saturating_add(qty);
		}
		if filled >= order.qty {
			return filled;
		}
		next = book.next(opposite, price);
	}
	filled
}

/// Lower order `id` resting at `price` on `side` to `qty` (see [`Level::shrink`]).
pub fn shrink<Owner, S: BookStore<Owner>>(
	book: &mut S,
	side: Side,
	price: Price,
	id: OrderId,
	qty: Qty,
) -> Option<Qty> {
	book.level(side, price)?;
	book.level_mut(side, price).shrink(id, qty)
}

/// Remove order `id` resting at `price` on `side`. `None` if it is not there.
pub fn cancel<Owner, S: BookStore<Owner>>(
	book: &mut S,
	side: Side,
	price: Price,
	id: OrderId,
) -> Option<RestingOrder<Owner>> {
	let level = book.level_mut(side, price);
	let order = level.remove(id);
	if level.is_empty() {
		book.remove_level(side, price);
	}
	order
}

#[cfg(test)]
mod tests;
