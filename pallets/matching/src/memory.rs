//! An in-memory book: both sides as ordered maps of levels, plus an id index for cancels.

use alloc::{collections::BTreeMap, vec::Vec};
use core::ops::Bound;

use crate::{
	cancel, place_gated, BookStore, Level, MatchLimits, NewOrder, OrderId, Outcome, Price,
	ReduceOnlyGate, Reject, Remainder, RestingOrder, Side,
};

/// A whole book in memory.
#[derive(Clone, Debug)]
pub struct MemoryBook<Owner> {
	bids: BTreeMap<Price, Level<Owner>>,
	asks: BTreeMap<Price, Level<Owner>>,
	/// Where each resting order is.
	index: BTreeMap<OrderId, (Side, Price)>,
	/// The highest id ever placed: an id above it cannot be resting, so callers that number
	/// orders in sequence (the pallet does) never pay the duplicate lookup.
	highest_id: Option<OrderId>,
}

impl<Owner> Default for MemoryBook<Owner> {
	fn default() -> Self {
		Self {
			bids: BTreeMap::new(),
			asks: BTreeMap::new(),
			index: BTreeMap::new(),
			highest_id: None,
		}
	}
}

impl<Owner> MemoryBook<Owner> {
	fn side(&self, side: Side) -> &BTreeMap<Price, Level<Owner>> {
		match side {
			Side::Buy => &self.bids,
			Side::Sell => &self.asks,
		}
	}

	fn side_mut(&mut self, side: Side) -> &mut BTreeMap<Price, Level<Owner>> {
		match side {
			Side::Buy => &mut self.bids,
			Side::Sell => &mut self.asks,
		}
	}

	/// How many orders rest in the book.
	pub fn len(&self) -> usize {
		self.index.len()
	}

	/// Whether no order rests.
	pub fn is_empty(&self) -> bool {
		self.index.is_empty()
	}

	/// Where order `id` rests, if it does.
	pub fn locate(&self, id: OrderId) -> Option<(Side, Price)> {
		self.index.get(&id).copied()
	}

	/// The best `depth` levels of `side`, best first, as (price, total size).
	pub fn depth(&self, side: Side, depth: usize) -> Vec<(Price, u128)> {
		let levels = self.side(side).iter().map(|(p, l)| (*p, l.total));
		match side {
			Side::Buy => levels.rev().take(depth).collect(),
			Side::Sell => levels.take(depth).collect(),
		}
	}

	/// The orders of `side`, best price first and FIFO within a price.
	pub fn orders(&self, side: Side) -> Vec<(Price, &RestingOrder<Owner>)> {
		fn flatten<'a, O>(
			(p, l): (&'a Price, &'a Level<O>),
		) -> impl Iterator<Item = (Price, &'a RestingOrder<O>)> + 'a {
			l.orders.iter().map(move |o| (*p, o))
		}
		match side {
			Side::Buy => self.bids.iter().rev().flat_map(flatten).collect(),
			Side::Sell => self.asks.iter().flat_map(flatten).collect(),
		}
	}

	/// The book's invariants: never crossed at rest, no empty level, each level's total is the
	/// sum of its orders, no zero-size order, each id resting once, and the id index names
	/// exactly the resting orders. (FIFO is arrival order, which the queue itself is: ids say
	/// nothing about it.)
	pub fn check_invariants(&self) -> Result<(), &'static str> {
		if let (Some((bid, _)), Some((ask, _))) =
			(self.bids.last_key_value(), self.asks.first_key_value())
		{
			if bid >= ask {
				return Err("book crossed at rest");
			}
		}
		let mut count = 0usize;
		for side in [Side::Buy, Side::Sell] {
			for (price, level) in self.side(side) {
				if level.is_empty() {
					return Err("empty level kept");
				}
				let sum: u128 = level.orders.iter().map(|o| u128::from(o.qty)).sum();
				if sum != level.total {
					return Err("level total differs from its orders");
				}
				for order in &level.orders {
					if order.qty == 0 {
						return Err("zero-size order rests");
					}
					if self.index.get(&order.id) != Some(&(side, *price)) {
						return Err("index disagrees with the book");
					}
					count += 1;
				}
			}
		}
		if count != self.index.len() {
			return Err("index names orders that do not rest");
		}
		Ok(())
	}
}

impl<Owner: Clone + PartialEq> MemoryBook<Owner> {
	/// Place `order` (see [`crate::place`]) and keep the id index current.
	pub fn place(
		&mut self,
		order: NewOrder<Owner>,
		limits: MatchLimits,
	) -> Result<Outcome<Owner>, Reject> {
		self.place_gated(order, limits, &mut ())
	}

	/// Place `order` with reduce-only makers held by `gate` (see [`crate::place_gated`]) and
	/// keep the id index current.
	pub fn place_gated<G: ReduceOnlyGate<Owner>>(
		&mut self,
		order: NewOrder<Owner>,
		limits: MatchLimits,
		gate: &mut G,
	) -> Result<Outcome<Owner>, Reject> {
		let (id, side, price) = (order.id, order.side, order.price);
		// A second order under a resting id could never be cancelled (the index names one).
		if self.highest_id.is_some_and(|h| id <= h) && self.index.contains_key(&id) {
			return Err(Reject::DuplicateId);
		}
		let outcome = place_gated(self, order, limits, gate)?;
		self.highest_id = Some(self.highest_id.map_or(id, |h| h.max(id)));
		for fill in &outcome.fills {
			if fill.maker_remaining == 0 {
				self.index.remove(&fill.maker_id);
			}
		}
		for removed in &outcome.removed {
			self.index.remove(&removed.order.id);
		}
		if let Remainder::Rested(_) = outcome.remainder {
			self.index.insert(id, (side, price));
		}
		Ok(outcome)
	}

	/// Cancel order `id`.
	pub fn cancel(&mut self, id: OrderId) -> Option<RestingOrder<Owner>> {
		let (side, price) = self.index.remove(&id)?;
		cancel(self, side, price, id)
	}
}

impl<Owner> BookStore<Owner> for MemoryBook<Owner> {
	fn best(&mut self, side: Side) -> Option<Price> {
		match side {
			Side::Buy => self.bids.last_key_value().map(|(p, _)| *p),
			Side::Sell => self.asks.first_key_value().map(|(p, _)| *p),
		}
	}

	fn next(&mut self, side: Side, price: Price) -> Option<Price> {
		match side {
			Side::Buy => self.bids.range(..price).next_back().map(|(p, _)| *p),
			Side::Sell => {
				self.asks.range((Bound::Excluded(price), Bound::Unbounded)).next().map(|(p, _)| *p)
			},
		}
	}

	fn level(&mut self, side: Side, price: Price) -> Option<&Level<Owner>> {
		self.side(side).get(&price)
	}

	fn level_mut(&mut self, side: Side, price: Price) -> &mut Level<Owner> {
		self.side_mut(side).entry(price).or_default()
	}

	fn remove_level(&mut self, side: Side, price: Price) {
		self.side_mut(side).remove(&price);
	}
}
