//! The matching core's [`BookStore`] over this pallet's storage: the market's level index is
//! held in memory for the call, each price level is read at most once and written at most
//! once, at [`StorageBook::flush`].

use alloc::collections::{btree_map::Entry, BTreeMap};
use clearinghouse_matching::{BookStore, Level, Price, Side};
use polkadot_sdk::frame_support::{pallet_prelude::*, BoundedVec};

use crate::{pallet::*, MarginAccount, MarketId};

type Owner<T> = MarginAccount<<T as frame_system::Config>::AccountId>;
/// A level loaded in this call, and whether the call changed it.
type CachedLevel<T> = (Level<Owner<T>>, bool);
use polkadot_sdk::{frame_system, sp_runtime::traits::UniqueSaturatedInto};

/// One market's book for the duration of a call.
pub struct StorageBook<T: Config> {
	market_id: MarketId,
	/// The market (config, next id and level index), written back at flush.
	pub market: MarketOf<T>,
	/// Levels read or changed in this call, with whether they changed.
	levels: BTreeMap<(Side, Price), CachedLevel<T>>,
	/// Whether this book listed its market in [`ChangedBooks`] (the market's first change in
	/// the block): the list's read and write are this call's.
	pub listed: bool,
}

impl<T: Config> StorageBook<T> {
	/// The book of `market_id`, whose state is `market`.
	///
	/// The first book of a market in a block lists the market in [`ChangedBooks`] (every
	/// change of a book goes through one: its mid is reported when the next block begins).
	pub fn new(market_id: MarketId, mut market: MarketOf<T>) -> Self {
		let block: u32 = frame_system::Pallet::<T>::block_number().unique_saturated_into();
		let listed = market.changed_in != block;
		if listed {
			market.changed_in = block;
			// One entry per market and block: the bound (every market) cannot be met twice.
			let _ = ChangedBooks::<T>::try_append(market_id);
		}
		Self { market_id, market, levels: BTreeMap::new(), listed }
	}

	fn index(&self, side: Side) -> &BoundedVec<Price, T::MaxLevels> {
		match side {
			Side::Buy => &self.market.bids,
			Side::Sell => &self.market.asks,
		}
	}

	fn load(&mut self, side: Side, price: Price) -> &mut CachedLevel<T> {
		match self.levels.entry((side, price)) {
			Entry::Occupied(e) => e.into_mut(),
			Entry::Vacant(e) => {
				let stored = Levels::<T>::get((self.market_id, side, price));
				let level = Level {
					total: stored.iter().map(|o| u128::from(o.qty)).sum(),
					orders: stored.into_inner().into(),
				};
				e.insert((level, false))
			},
		}
	}

	/// Write every changed level and the market. Fails (and the call with it) if a level or
	/// the level index outgrew its bound.
	pub fn flush(self) -> DispatchResult {
		let Self { market_id, mut market, levels, .. } = self;
		// Emptied levels leave the index before new ones enter it: an eviction frees the room
		// a new level takes, whatever their order.
		let (emptied, kept): (alloc::vec::Vec<_>, alloc::vec::Vec<_>) = levels
			.into_iter()
			.filter(|(_, (_, changed))| *changed)
			.partition(|(_, (level, _))| level.is_empty());
		for ((side, price), (level, _)) in emptied.into_iter().chain(kept) {
			let index = match side {
				Side::Buy => &mut market.bids,
				Side::Sell => &mut market.asks,
			};
			let key = (market_id, side, price);
			if level.is_empty() {
				Levels::<T>::remove(key);
				if let Some(i) = index.iter().position(|p| *p == price) {
					index.remove(i);
				}
			} else {
				let orders: alloc::vec::Vec<_> = level.orders.into();
				let orders = BoundedVec::try_from(orders).map_err(|_| Error::<T>::LevelFull)?;
				Levels::<T>::insert(key, orders);
				if let Err(at) = search(index, side, price) {
					index.try_insert(at, price).map_err(|_| Error::<T>::TooManyLevels)?;
				}
			}
		}
		Markets::<T>::insert(market_id, market);
		Ok(())
	}
}

/// Where `price` is (`Ok`) or would go (`Err`) in a side's index, best first.
fn search(index: &[Price], side: Side, price: Price) -> Result<usize, usize> {
	match side {
		Side::Buy => index.binary_search_by(|p| price.cmp(p)),
		Side::Sell => index.binary_search(&price),
	}
}

impl<T: Config> BookStore<Owner<T>> for StorageBook<T> {
	fn best(&mut self, side: Side) -> Option<Price> {
		// The index holds levels as stored; a level emptied in this call is dropped from the
		// in-memory view by `remove_level`, a level created in this call by `level_mut`.
		self.next_live(side, None)
	}

	fn next(&mut self, side: Side, price: Price) -> Option<Price> {
		self.next_live(side, Some(price))
	}

	fn level(&mut self, side: Side, price: Price) -> Option<&Level<Owner<T>>> {
		let (level, _) = self.load(side, price);
		(!level.is_empty()).then_some(&*level)
	}

	fn level_mut(&mut self, side: Side, price: Price) -> &mut Level<Owner<T>> {
		let entry = self.load(side, price);
		entry.1 = true;
		&mut entry.0
	}

	fn remove_level(&mut self, side: Side, price: Price) {
		let entry = self.load(side, price);
		entry.0 = Level::default();
		entry.1 = true;
	}
}

impl<T: Config> StorageBook<T> {
	/// How many levels `side` holds now (the stored index merged with levels created or
	/// emptied in this call), and the one farthest from the touch.
	pub fn extent(&self, side: Side) -> (u32, Option<Price>) {
		let mut count = 0u32;
		let mut farthest: Option<Price> = None;
		for p in self.stored_live(side).chain(self.created(side)) {
			count = count.saturating_add(1);
			if farthest.is_none_or(|f| side.better(f, p)) {
				farthest = Some(p);
			}
		}
		(count, farthest)
	}

	/// The stored index's prices on `side` whose level this call did not empty, best first.
	fn stored_live(&self, side: Side) -> impl Iterator<Item = Price> + '_ {
		self.index(side)
			.iter()
			.copied()
			.filter(move |p| self.levels.get(&(side, *p)).is_none_or(|(l, _)| !l.is_empty()))
	}

	/// Prices of the non-empty levels this call created on `side` (not in the stored index).
	fn created(&self, side: Side) -> impl Iterator<Item = Price> + '_ {
		self.levels
			.iter()
			.filter(move |((s, p), (l, _))| {
				*s == side && !l.is_empty() && self.is_new_level(side, *p)
			})
			.map(|((_, p), _)| *p)
	}

	/// Whether the level at (`side`, `price`) was read in this call already (a placement
	/// resting there writes no level value of its own).
	pub fn is_loaded(&self, side: Side, price: Price) -> bool {
		self.levels.contains_key(&(side, price))
	}

	/// Whether the level at `price` was created in this call (it is not in the stored index).
	pub fn is_new_level(&self, side: Side, price: Price) -> bool {
		search(self.index(side), side, price).is_err()
	}

	/// The first price on `side` after `after` (or the best, for `None`) whose level is not
	/// empty, merging the stored index with levels created or emptied in this call.
	fn next_live(&mut self, side: Side, after: Option<Price>) -> Option<Price> {
		let beyond = |p: &Price| after.is_none_or(|a| side.better(a, *p));
		let stored = self.stored_live(side).find(beyond);
		// Levels created in this call are not in the stored index yet.
		let created =
			self.created(side).filter(beyond).reduce(|a, b| if side.better(a, b) { a } else { b });
		match (stored, created) {
			(Some(a), Some(b)) => Some(if side.better(a, b) { a } else { b }),
			(a, b) => a.or(b),
		}
	}
}
