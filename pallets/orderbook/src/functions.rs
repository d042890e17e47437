//! The pallet's logic: validation and unit conversion around the matching core, the account
//! indexes, the expiry sweep and the runtime API's views.

use alloc::{collections::BTreeMap, vec::Vec};
use clearinghouse_matching::{
	self as matching, Fill, MatchLimits, NewOrder, ReduceOnlyGate, Reject, Remainder, RestingOrder,
};
use clearinghouse_primitives::{trading::RestingTotals, CheckWeight};
use core::marker::PhantomData;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{Get, Time},
};
use polkadot_sdk::sp_arithmetic::{traits::Zero, FixedU128};

use crate::{book::StorageBook, pallet::*, *};
use polkadot_sdk::sp_runtime::{traits::UniqueSaturatedInto, ArithmeticError};

/// Bits of an order id holding the owner's tag.
pub const ORDER_TAG_BITS: u32 = 20;
/// Bits of an order id holding its sequence number.
pub const ORDER_SEQUENCE_BITS: u32 = 64 - ORDER_TAG_BITS;

/// Who places an order: a trader (put to the margin engine's order rule) or the margin
/// engine liquidating (bounded by the bankruptcy price it passes instead).
#[derive(Clone, Copy, PartialEq, Eq)]
enum PlacedBy {
	Trader,
	/// A trader's placement in a batch checked as a whole once it is done (see
	/// [`Pallet::do_bulk`]).
	Batched,
	Liquidation,
}

/// One market's book and the order indexes of every account a call touches, each read once
/// and written once, at [`Pallet::close`]: a `bulk` call's cancels and placements share one.
pub(crate) struct Session<T: Config> {
	market_id: MarketId,
	config: MarketConfig,
	book: StorageBook<T>,
	indexes: BTreeMap<AccountOf<T>, AccountOrdersOf<T>>,
}

impl<T: Config> Session<T> {
	/// `account`'s orders in the market, read on first use.
	fn orders(&mut self, account: &AccountOf<T>) -> &mut AccountOrdersOf<T> {
		let market_id = self.market_id;
		self.indexes
			.entry(account.clone())
			.or_insert_with(|| AccountOrders::<T>::get(market_id, account))
	}
}

/// The arriving order, as the steps after matching need it.
struct Taker<'a, T: Config> {
	account: &'a AccountOf<T>,
	order_id: OrderId,
	request: &'a OrderRequest,
	ticks: Price,
}

/// The size of a placer, as its margin check's cost grows with it: the positions and the
/// collateral assets it holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Placer {
	/// Positions (markets with a position or resting orders).
	pub positions: u32,
	/// Collateral assets held.
	pub collaterals: u32,
}

/// What a placement did, for the weight refund.
pub struct Placed {
	/// The order's id.
	pub order_id: OrderId,
	/// Its worst price (its limit, or a market order's protection price).
	pub price: FixedU128,
	/// Whether it rested on a level no earlier step of the call had read (its level's read
	/// and write are its own; on a level the call already holds they are shared).
	pub fresh_level: bool,
	/// Resting orders touched while matching.
	pub touched: u32,
	/// What it traded on arrival, in size units.
	pub filled: u128,
	/// Orders evicted with the farthest level to make room for the rest (see
	/// [`Pallet::make_room`]).
	pub evicted: u32,
	/// What its margin check reported it cost beyond the benchmarks' one valuation of the
	/// placer: the surcharge for its kind of account and any revaluation (see
	/// `OrderMarginCheck::ensure_can_place`; a `bulk` call's placements are checked together).
	pub check_cost: Weight,
	/// Whether its call listed the book in [`ChangedBooks`] (the book's first change in the
	/// block). The weights charge the list's read and write (their benchmarks start each call
	/// in a new block); a call that did not list the book is refunded them
	/// ([`Pallet::listing_refund`]).
	pub listed: bool,
}

/// What a `bulk` call did: each placement's outcome, what its margin check reported it cost
/// beyond the benchmark's one valuation (as [`Placed::check_cost`]), and whether it listed the book in [`ChangedBooks`] (its cancels or its
/// placements, whichever changed the book first).
pub struct Bulked {
	pub placed: Vec<Placed>,
	pub check_cost: Weight,
	pub listed: bool,
}

/// Whether a placement may evict the farthest level of a full side (a `bulk` call evicts at
/// most one level, so its weight stays bounded).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Eviction {
	/// The farthest level may leave the book.
	Allowed,
	/// A full side refuses a new level ([`Error::TooManyLevels`]).
	Refused,
}

/// Holds reduce-only resting orders to their owners' positions while matching (see
/// [`ReduceOnlyGate`]): the room is the position in lots, on the side the order reduces, less
/// what the owner's resting orders already traded in this match (the margin engine books
/// fills only after matching).
struct PositionGate<T> {
	market: MarketId,
	lot_size: u128,
	_t: PhantomData<T>,
}

impl<T: Config> ReduceOnlyGate<AccountOf<T>> for PositionGate<T> {
	fn room(
		&mut self,
		owner: &AccountOf<T>,
		side: Side,
		want: Qty,
		fills: &[Fill<AccountOf<T>>],
	) -> Qty {
		let position = T::MarginCheck::position(owner, self.market);
		let reduces = match side {
			Side::Sell => position > 0,
			Side::Buy => position < 0,
		};
		if !reduces {
			return 0;
		}
		let lots = Qty::try_from(position.unsigned_abs() / self.lot_size).unwrap_or(Qty::MAX);
		let traded = fills
			.iter()
			.filter(|f| &f.maker == owner)
			.fold(0 as Qty, |total, f| total.saturating_add(f.qty));
		lots.saturating_sub(traded).min(want)
	}
}

impl<T: Config> Pallet<T> {
	/// The weight of a placement that touched `touched` resting orders and evicted `evicted`,
	/// by a placer of size `placer`. One that touched none is charged the resting benchmark
	/// (`place_positions` at no position: the path it took, 4 writes); one that traded,
	/// `place_order(m)`, whose fit over 0..=`MaxMakersPerOrder` makers carries the taker's own
	/// bookings of its first fill in its fixed part (7 writes at no maker).
	pub(crate) fn place_weight(touched: u32, evicted: u32, placer: Placer) -> Weight {
		let base = if touched == 0 {
			T::WeightInfo::place_positions(0)
		} else {
			T::WeightInfo::place_order(touched)
		};
		// The margin check's surcharge for another kind of account than the benchmark's
		// (options, the portfolio model) is what the check reports it cost (`revaluation`).
		let place = base.saturating_add(Self::placer_weight(placer));
		if evicted == 0 {
			place
		} else {
			place.saturating_add(Self::eviction_weight(evicted))
		}
	}

	/// What `place_order` declares: the most makers, the largest placer (its margin check of
	/// the costliest kind, revaluing it without the order), a full level evicted.
	pub(crate) fn place_order_weight() -> Weight {
		let largest = Self::largest_placer();
		Self::place_weight(Self::max_makers(), 0, largest)
			.saturating_add(T::MarginCheck::check_weight_surcharge(largest.positions))
			.saturating_add(T::MarginCheck::revaluation_weight(largest.positions))
			.saturating_add(Self::eviction_weight(T::MaxOrdersPerLevel::get()))
	}

	/// What a placer of size `placer` adds to a margin check over the benchmarks' placer (no
	/// position, one collateral asset): the slopes of `place_positions` and
	/// `place_collaterals`, each measured with the other at its least. (One benchmark of all
	/// three components measures each with the others at their most, and its fit gave a
	/// resting placement by an account of one asset a fixed 1.7 ms: the extrapolation, not
	/// the work.)
	pub(crate) fn placer_weight(placer: Placer) -> Weight {
		T::WeightInfo::place_positions(placer.positions)
			.saturating_sub(T::WeightInfo::place_positions(0))
			.saturating_add(
				T::WeightInfo::place_collaterals(placer.collaterals)
					.saturating_sub(T::WeightInfo::place_collaterals(1)),
			)
	}

	/// The largest account the margin engine allows: what a call declares.
	pub(crate) fn largest_placer() -> Placer {
		Placer {
			positions: T::MarginCheck::max_positions(),
			collaterals: T::MarginCheck::max_collaterals(),
		}
	}

	/// The size a call by `account` is charged for: the positions and collaterals it holds
	/// after the call. Its margin check valued at most one more position (a placement opens or
	/// closes at most its own market), and so does the benchmark at that count, whose order is
	/// in a market of its own.
	pub(crate) fn placer(account: &AccountOf<T>) -> Placer {
		let largest = Self::largest_placer();
		Placer {
			positions: T::MarginCheck::positions(account).min(largest.positions),
			collaterals: T::MarginCheck::collaterals(account).min(largest.collaterals),
		}
	}

	/// What a `bulk` call of `cancels` cancels and `places` placements declares: the `bulk`
	/// benchmark (resting placements, one margin check of the outcome) by the largest placer,
	/// one taker's budget of `MaxMakersPerOrder` makers for the whole call (its placements
	/// share it), one eviction of a full level, and the margin check's surcharges
	/// ([`Self::bulk_check_weight`]).
	pub fn bulk_weight(cancels: u32, places: u32) -> Weight {
		let largest = Self::largest_placer();
		T::WeightInfo::bulk(cancels, places)
			.saturating_add(Self::placer_weight(largest))
			.saturating_add(
				T::WeightInfo::place_order(Self::max_makers())
					.saturating_sub(T::WeightInfo::place_order(0)),
			)
			.saturating_add(Self::eviction_weight(T::MaxOrdersPerLevel::get()))
			.saturating_add(Self::bulk_check_weight(places, largest.positions))
	}

	/// What a `bulk` call by `account` of `cancels` cancels and the placements `placed` is
	/// charged: the `bulk` benchmark (each placement on a level of its own) by a placer of its
	/// size for the placements that read and wrote a level of their own, the `bulk_shared`
	/// benchmark's per-placement cost for the others (on a level the call already held: its
	/// read and write are shared); per placement that traded, what its fills cost over a
	/// resting one, and an eviction what it cost; what the margin check reported it cost (its
	/// kind's surcharge and any revaluation); the listing refunded where the book was listed.
	pub(crate) fn bulk_charged(account: &AccountOf<T>, cancels: u32, bulked: &Bulked) -> Weight {
		let Bulked { placed, check_cost, listed } = bulked;
		let placer = Self::placer(account);
		let places = placed.len() as u32;
		let fresh = placed.iter().filter(|p| p.fresh_level).count() as u32;
		let shared = T::WeightInfo::bulk_shared(places.saturating_sub(fresh))
			.saturating_sub(T::WeightInfo::bulk_shared(0));
		let mut weight =
			T::WeightInfo::bulk(cancels, fresh).saturating_add(shared).saturating_add(*check_cost);
		if places > 0 {
			weight = weight.saturating_add(Self::placer_weight(placer));
		}
		for done in placed {
			weight = weight.saturating_add(
				Self::place_weight(done.touched, done.evicted, placer)
					.saturating_sub(Self::place_weight(0, 0, placer)),
			);
		}
		weight.saturating_sub(Self::listing_refund(*listed))
	}

	/// What a call that changed a book is refunded of its weight for the changed-books list:
	/// nothing if it listed the book; the list's read and write if the book was already listed
	/// in this block (an earlier call changed it). Every book-changing benchmark starts its
	/// call in a new block, so the weights charge the listing.
	pub(crate) fn listing_refund(listed: bool) -> Weight {
		if listed {
			Weight::zero()
		} else {
			T::DbWeight::get().reads_writes(1, 1)
		}
	}

	/// What the margin check of a `bulk` call with `places` placements by a placer of
	/// `positions` positions may cost beyond the `bulk` benchmark's: the surcharge of another
	/// kind of position, and the valuation of the account's positions as they were before the
	/// placements (made only when the outcome falls short of the initial requirement, and
	/// refunded otherwise; the collateral is valued once for both). One check of the outcome,
	/// whatever the number of placements; none without placements.
	pub fn bulk_check_weight(places: u32, positions: u32) -> Weight {
		if places == 0 {
			return Weight::zero();
		}
		T::MarginCheck::check_weight_surcharge(positions)
			.saturating_add(T::MarginCheck::revaluation_weight(positions))
	}

	/// What evicting a level of `n` orders adds to a placement: the evicting placement's
	/// benchmark (by the largest placer) less a plain resting one, and at least the expiry
	/// sweep of such a level (the same work: the level read and removed, per order its owner's
	/// index and margin account read and written). Two benchmarks' fixed parts differ by their
	/// noise; the sweep keeps the level's own read and write from vanishing in it.
	pub(crate) fn eviction_weight(n: u32) -> Weight {
		T::WeightInfo::place_evicting(n)
			.saturating_sub(
				T::WeightInfo::place_order(0)
					.saturating_add(Self::placer_weight(Self::largest_placer())),
			)
			.max(T::WeightInfo::sweep_level(n))
	}

	fn ensure_sub(account: &AccountOf<T>) -> DispatchResult {
		ensure!(account.sub < T::MaxSubAccounts::get(), Error::<T>::SubAccountOutOfRange);
		Ok(())
	}

	pub(crate) fn ensure_valid_config(config: &MarketConfig) -> DispatchResult {
		let p = &config.params;
		ensure!(
			!config.tick_size.is_zero()
				&& config.lot_size > 0
				&& p.min_size > 0
				&& p.min_size.is_multiple_of(config.lot_size)
				&& p.max_open_orders >= 1
				&& p.max_open_orders <= T::MaxOpenOrders::get(),
			Error::<T>::InvalidMarketConfig
		);
		Ok(())
	}

	pub(crate) fn do_create_market(config: MarketConfig) -> Result<MarketId, DispatchError> {
		Self::ensure_valid_config(&config)?;
		let now = T::Time::now();
		if let Some(expiry) = config.kind.expiry() {
			ensure!(expiry > now, Error::<T>::ExpiryInPast);
		}
		let count = Markets::<T>::count();
		ensure!(count < T::MaxMarkets::get(), Error::<T>::TooManyMarkets);
		let market = count;
		if let MarketKind::Option { right, strike, expiry } = config.kind {
			let tick = config.tick_size.into_inner();
			ensure!(
				!strike.is_zero()
					&& strike.into_inner().is_multiple_of(tick)
					&& strike.into_inner() <= MAX_STRIKE_INNER,
				Error::<T>::InvalidStrike
			);
			ensure!(
				expiry <= now.saturating_add(MAX_OPTION_HORIZON_MS),
				Error::<T>::ExpiryOutOfRange
			);
			Self::add_to_chain(
				config.underlying,
				expiry,
				ChainEntry { strike, right, market },
				now,
			)?;
		}
		Markets::<T>::insert(
			market,
			Market {
				config,
				next_sequence: 1,
				bids: Default::default(),
				asks: Default::default(),
				changed_in: 0,
				last_trade: None,
			},
		);
		Self::deposit_event(Event::MarketCreated { market, config });
		<T::Listing as clearinghouse_primitives::trading::MarketListing>::on_listed(
			market,
			config.underlying,
			config.kind.instrument(),
		)?;
		Ok(market)
	}

	/// Record `entry` in `underlying`'s chain for `expiry`, pruning expiries past `now`.
	fn add_to_chain(
		underlying: OracleKey,
		expiry: Moment,
		entry: ChainEntry,
		now: Moment,
	) -> DispatchResult {
		OptionExpiries::<T>::try_mutate(underlying, |expiries| -> DispatchResult {
			// Expired chains stay readable in `OptionChains` until settled markets are
			// delisted; they no longer count against the bound.
			expiries.retain(|e| *e > now);
			if let Err(at) = expiries.binary_search(&expiry) {
				expiries.try_insert(at, expiry).map_err(|_| Error::<T>::TooManyExpiries)?;
			}
			Ok(())
		})?;
		OptionChains::<T>::try_mutate(underlying, expiry, |chain| -> DispatchResult {
			ensure!(
				!chain.iter().any(|e| e.strike == entry.strike && e.right == entry.right),
				Error::<T>::DuplicateStrike
			);
			chain.try_push(entry).map_err(|_| Error::<T>::TooManyStrikes.into())
		})
	}

	/// List a call and a put at each of `strikes` (see [`Pallet::list_option_chain`]).
	/// Returns the first market's id.
	pub(crate) fn do_list_option_chain(
		underlying: OracleKey,
		expiry: Moment,
		strikes: &[FixedU128],
		template: ChainTemplate,
	) -> Result<MarketId, DispatchError> {
		let mut sorted = strikes.to_vec();
		sorted.sort();
		ensure!(!sorted.is_empty(), Error::<T>::TooManyStrikes);
		ensure!(sorted.windows(2).all(|w| w[0] < w[1]), Error::<T>::DuplicateStrike);
		ensure!(
			sorted.len().saturating_mul(2) <= T::MaxOptionsPerExpiry::get() as usize,
			Error::<T>::TooManyStrikes
		);
		let first_market = Markets::<T>::count();
		for strike in &sorted {
			for right in [OptionRight::Call, OptionRight::Put] {
				Self::do_create_market(MarketConfig {
					underlying,
					kind: MarketKind::Option { right, strike: *strike, expiry },
					tick_size: template.tick_size,
					lot_size: template.lot_size,
					params: template.params,
					status: MarketStatus::Active,
				})?;
			}
		}
		Self::deposit_event(Event::OptionChainListed {
			underlying,
			expiry,
			strikes: sorted.len() as u32,
			first_market,
		});
		Ok(first_market)
	}

	/// The options listed on `underlying`, per expiry (ascending), for the runtime API.
	pub fn option_chain(underlying: OracleKey) -> Vec<(Moment, Vec<ChainEntry>)> {
		let mut chains: Vec<(Moment, Vec<ChainEntry>)> = OptionChains::<T>::iter_prefix(underlying)
			.map(|(expiry, chain)| (expiry, chain.into_inner()))
			.collect();
		chains.sort_by_key(|(expiry, _)| *expiry);
		chains
	}

	/// `price` in ticks: positive, on the tick, within `u64`.
	pub(crate) fn to_ticks(
		config: &MarketConfig,
		price: FixedU128,
	) -> Result<Price, DispatchError> {
		ensure!(!price.is_zero(), Error::<T>::ZeroPrice);
		let tick = config.tick_size.into_inner();
		ensure!(price.into_inner().is_multiple_of(tick), Error::<T>::PriceOffTick);
		Price::try_from(price.into_inner() / tick).map_err(|_| Error::<T>::PriceOverflow.into())
	}

	/// The price of `ticks` (cannot overflow: it came from a valid price).
	pub(crate) fn from_ticks(config: &MarketConfig, ticks: Price) -> FixedU128 {
		FixedU128::from_inner(config.tick_size.into_inner().saturating_mul(u128::from(ticks)))
	}

	/// `size` in lots: positive, on the lot, at least the minimum, within `u64`.
	fn to_lots(config: &MarketConfig, size: u128) -> Result<Qty, DispatchError> {
		ensure!(size > 0, Error::<T>::ZeroSize);
		ensure!(size.is_multiple_of(config.lot_size), Error::<T>::SizeOffLot);
		ensure!(size >= config.params.min_size, Error::<T>::BelowMinSize);
		Qty::try_from(size / config.lot_size).map_err(|_| Error::<T>::SizeOverflow.into())
	}

	fn size_of(config: &MarketConfig, lots: Qty) -> u128 {
		config.lot_size.saturating_mul(u128::from(lots))
	}

	fn trade_side(side: Side) -> TradeSide {
		match side {
			Side::Buy => TradeSide::Buy,
			Side::Sell => TradeSide::Sell,
		}
	}

	/// Validate, match and record one order of `account` in `market_id`. In its own storage
	/// layer: an error after matching began (the margin engine refusing a fill, the open-order
	/// cap) undoes everything, even when called from outside a dispatch.
	pub fn do_place(
		account: &AccountOf<T>,
		market_id: MarketId,
		request: OrderRequest,
	) -> Result<Placed, DispatchError> {
		Self::do_place_with(account, market_id, request, Eviction::Allowed, Self::max_makers())
	}

	/// The resting orders one taker may touch: [`Config::MaxMakersPerOrder`].
	pub(crate) fn max_makers() -> u32 {
		T::MaxMakersPerOrder::get()
	}

	/// [`Self::do_place`], saying whether a full side may evict its farthest level and how
	/// many resting orders the placement may touch (`makers`: a `bulk` call's placements
	/// share one taker's budget, so the call's weight pays for the makers once).
	pub fn do_place_with(
		account: &AccountOf<T>,
		market_id: MarketId,
		request: OrderRequest,
		eviction: Eviction,
		makers: u32,
	) -> Result<Placed, DispatchError> {
		frame_support::storage::with_storage_layer(|| {
			Self::place_alone(account, market_id, request, PlacedBy::Trader, eviction, makers)
		})
	}

	/// One placement in a session of its own. Call in a storage layer.
	fn place_alone(
		account: &AccountOf<T>,
		market_id: MarketId,
		request: OrderRequest,
		by: PlacedBy,
		eviction: Eviction,
		makers: u32,
	) -> Result<Placed, DispatchError> {
		let mut session = Self::open(market_id)?;
		let placed = Self::place_in(&mut session, account, request, by, eviction, makers)?;
		Self::close(session)?;
		Ok(placed)
	}

	/// Load `market_id`'s book for a session.
	pub(crate) fn open(market_id: MarketId) -> Result<Session<T>, DispatchError> {
		let market = Markets::<T>::get(market_id).ok_or(Error::<T>::UnknownMarket)?;
		Ok(Session {
			market_id,
			config: market.config,
			book: StorageBook::new(market_id, market),
			indexes: BTreeMap::new(),
		})
	}

	/// Write what `session` changed: the book (market and levels), then every index it
	/// touched, each reported to the margin engine.
	pub(crate) fn close(session: Session<T>) -> DispatchResult {
		let Session { market_id, config, book, indexes } = session;
		book.flush()?;
		for (owner, index) in indexes {
			Self::store_orders(market_id, &config, &owner, index)?;
		}
		Ok(())
	}

	/// `bulk`'s work (see [`Pallet::bulk`]): `cancels`, then `places` in one session checked
	/// by the margin engine once, on the outcome. All or nothing (in a storage layer of its
	/// own). Returns each placement's outcome and what the margin check cost beyond one
	/// valuation.
	pub fn do_bulk(
		account: &AccountOf<T>,
		market_id: MarketId,
		cancels: &[OrderRef],
		places: &[OrderRequest],
	) -> Result<Bulked, DispatchError> {
		frame_support::storage::with_storage_layer(|| {
			Self::ensure_sub(account)?;
			let mut listed = false;
			if !cancels.is_empty() {
				let mut session = Self::open(market_id)?;
				listed = session.book.listed;
				for order in cancels {
					Self::cancel_in(&mut session, account, *order)?;
				}
				Self::close(session)?;
			}
			if places.is_empty() {
				return Ok(Bulked { placed: Vec::new(), check_cost: Weight::zero(), listed });
			}
			// The margin engine's view of the account after the cancels: what the outcome of
			// the placements is compared with.
			let before = T::MarginCheck::begin_batch(account);
			let mut session = Self::open(market_id)?;
			listed |= session.book.listed;
			// The signer's orders as the placements find them: the check must know if any of
			// them leaves the book or shrinks on the way (see `ensure_batch`).
			let earlier: Vec<(OrderId, Qty)> =
				session.orders(account).open.iter().map(|o| (o.id, o.remaining)).collect();
			// One eviction per call: the first placement that evicts a level uses it up. One
			// taker's makers per call: each placement spends what it touched.
			let mut eviction = Eviction::Allowed;
			let mut makers = Self::max_makers();
			let mut placed = Vec::with_capacity(places.len());
			let mut intents = Vec::with_capacity(places.len());
			for request in places {
				let done = Self::place_in(
					&mut session,
					account,
					*request,
					PlacedBy::Batched,
					eviction,
					makers,
				)?;
				makers = makers.saturating_sub(done.touched);
				if done.evicted > 0 {
					eviction = Eviction::Refused;
				}
				intents.push(Self::intent(market_id, request, done.price));
				placed.push(done);
			}
			// Only self-trade prevention, expiry, eviction and the refit of a reduce-only order
			// can take them: the signer's own call cannot fill them.
			let now = session.orders(account);
			let released = earlier.iter().any(|(id, remaining)| {
				now.open.iter().find(|o| o.id == *id).is_none_or(|o| o.remaining < *remaining)
			});
			Self::close(session)?;
			let check_cost = T::MarginCheck::ensure_batch(account, before, &intents, released)?;
			Ok(Bulked { placed, check_cost, listed })
		})
	}

	/// What the margin engine is told of `request`, whose worst price is `price`.
	fn intent(market: MarketId, request: &OrderRequest, price: FixedU128) -> OrderIntent {
		OrderIntent {
			market,
			side: Self::trade_side(request.side),
			size: request.quantity,
			price,
			reduce_only: request.reduce_only,
		}
	}

	/// Validate, match and record one order of `account` in `session`'s market; the book and
	/// indexes are written at [`Self::close`].
	fn place_in(
		session: &mut Session<T>,
		account: &AccountOf<T>,
		request: OrderRequest,
		by: PlacedBy,
		eviction: Eviction,
		makers: u32,
	) -> Result<Placed, DispatchError> {
		Self::ensure_sub(account)?;
		let market_id = session.market_id;
		let config = session.config;
		let (price, ticks, lots) = Self::checked_request(&config, &request)?;
		let orders = session.orders(account);
		let check_cost = Self::admit(account, market_id, &config, orders, &request, price, by)?;

		let market = &mut session.book.market;
		let sequence = market.next_sequence;
		market.next_sequence = sequence.checked_add(1).ok_or(ArithmeticError::Overflow)?;
		let order_id = Self::order_id(sequence, account).ok_or(ArithmeticError::Overflow)?;
		Self::deposit_event(Event::OrderPlaced {
			market: market_id,
			order_id,
			account: account.clone(),
			side: request.side,
			price,
			quantity: request.quantity,
			client_id: request.client_id,
			time_in_force: request.time_in_force,
		});

		let fresh = !session.book.is_loaded(request.side, ticks);
		let limits = MatchLimits { now: T::Time::now(), max_makers: makers };
		let outcome = matching::place_gated(
			&mut session.book,
			NewOrder {
				id: order_id,
				owner: account.clone(),
				side: request.side,
				price: ticks,
				qty: lots,
				time_in_force: request.time_in_force,
				self_trade: request.self_trade,
				reduce_only: request.reduce_only,
			},
			limits,
			&mut PositionGate::<T> {
				market: market_id,
				lot_size: config.lot_size,
				_t: PhantomData,
			},
		)
		.map_err(|reject| -> DispatchError {
			match reject {
				Reject::ZeroQty => Error::<T>::ZeroSize.into(),
				Reject::ZeroPrice => Error::<T>::ZeroPrice.into(),
				Reject::PostOnlyWouldCross => Error::<T>::PostOnlyWouldCross.into(),
				Reject::FokUnfillable => Error::<T>::FokUnfillable.into(),
				Reject::AlreadyExpired => Error::<T>::AlreadyExpired.into(),
				// Ids are a fresh per-market sequence: a duplicate means the sequence wrapped.
				Reject::DuplicateId => ArithmeticError::Overflow.into(),
			}
		})?;

		// Every account whose index changes in the session is read once and written once (at
		// `close`); the taker's own index is already loaded.
		if let Some(client_id) = request.client_id {
			session.orders(account).remember(client_id);
		}
		let taker = Taker { account, order_id, request: &request, ticks };
		let Session { book, indexes, .. } = session;
		if let Some(last) = outcome.fills.last() {
			book.market.last_trade = Some(last.price);
		}
		Self::book_outcome(market_id, &config, &taker, &outcome, indexes)?;
		Self::settle_remainder(market_id, &config, &taker, outcome.remainder, indexes)?;

		// Fills moved the positions of the taker and the makers: their reduce-only orders
		// follow (the gate only held back the ones that traded).
		let mut moved: Vec<&AccountOf<T>> = Vec::with_capacity(outcome.fills.len() + 1);
		moved.push(account);
		moved.extend(outcome.fills.iter().map(|f| &f.maker));
		moved.sort();
		moved.dedup();
		for owner in moved {
			if let Some(index) = indexes.get_mut(owner) {
				Self::fit_reduce_only(book, market_id, &config, owner, index);
			}
		}
		let evicted = Self::make_room(book, market_id, &config, request.side, indexes, eviction)?;
		let fresh_level = fresh && matches!(outcome.remainder, Remainder::Rested(_));
		let filled =
			outcome.fills.iter().fold(0u128, |sum, f| sum.saturating_add(u128::from(f.qty)));
		Ok(Placed {
			order_id,
			price,
			fresh_level,
			touched: outcome.touched,
			filled: filled.saturating_mul(config.lot_size),
			evicted,
			check_cost,
			listed: book.listed,
		})
	}

	/// Keep `side` within `MaxLevels` levels. When this placement's rest opened a level on a
	/// full side, the level farthest from the touch leaves the book and every order on it is
	/// cancelled ([`CancelReason::Evicted`]): dust spread over far prices cannot lock a book,
	/// and what leaves is the liquidity least likely to trade. A new level that would itself
	/// be the farthest, or any new level when `eviction` is refused, fails the placement with
	/// [`Error::TooManyLevels`]. Returns how many orders were evicted.
	fn make_room(
		book: &mut StorageBook<T>,
		market_id: MarketId,
		config: &MarketConfig,
		side: Side,
		indexes: &mut BTreeMap<AccountOf<T>, AccountOrdersOf<T>>,
		eviction: Eviction,
	) -> Result<u32, DispatchError> {
		let (levels, farthest) = book.extent(side);
		let Some(farthest) = farthest.filter(|_| levels > T::MaxLevels::get()) else {
			return Ok(0);
		};
		// A placement opens at most one level: the farthest is either its own or a stored one.
		ensure!(
			eviction == Eviction::Allowed && !book.is_new_level(side, farthest),
			Error::<T>::TooManyLevels
		);
		let victims: Vec<RestingOrder<AccountOf<T>>> = book
			.level(side, farthest)
			.map(|level| level.orders.iter().cloned().collect())
			.unwrap_or_default();
		book.remove_level(side, farthest);
		for order in &victims {
			let owner_orders = indexes
				.entry(order.owner.clone())
				.or_insert_with(|| AccountOrders::<T>::get(market_id, &order.owner));
			Self::reduce_open(owner_orders, order.id, 0);
			Self::deposit_event(Event::OrderCancelled {
				market: market_id,
				order_id: order.id,
				account: order.owner.clone(),
				remaining: Self::size_of(config, order.qty),
				reason: CancelReason::Evicted,
			});
		}
		Ok(victims.len() as u32)
	}

	/// `request` against the market: open for it, a market order only immediate, its price on
	/// the tick and its quantity on the lot. Returns the price, and both in ticks and lots.
	pub(crate) fn checked_request(
		config: &MarketConfig,
		request: &OrderRequest,
	) -> Result<(FixedU128, Price, Qty), DispatchError> {
		match config.status {
			MarketStatus::Active => {},
			MarketStatus::ReduceOnly => ensure!(request.reduce_only, Error::<T>::MarketReduceOnly),
			MarketStatus::Halted | MarketStatus::Settled => {
				return Err(Error::<T>::MarketNotTrading.into())
			},
		}
		// A dated market trades strictly before its expiry: nothing fills from then on (a
		// resting order only fills against an incoming one), so the settlement's positions are
		// the ones held at expiry.
		if let Some(expiry) = config.kind.expiry() {
			ensure!(T::Time::now() < expiry, Error::<T>::MarketExpired);
		}
		let price = match request.order_type {
			OrderType::Limit { price } => price,
			OrderType::Market { protection_price } => {
				ensure!(
					matches!(request.time_in_force, TimeInForce::Ioc | TimeInForce::Fok),
					Error::<T>::InvalidTimeInForce
				);
				protection_price
			},
		};
		Ok((price, Self::to_ticks(config, price)?, Self::to_lots(config, request.quantity)?))
	}

	/// Whether `account` may place `request` at all: a fresh client id, a reduce-only order
	/// within the position (with the reduce-only orders already resting on its side: stacked
	/// ones could otherwise open the other way), and, for a trader, the margin engine's rule.
	fn admit(
		account: &AccountOf<T>,
		market_id: MarketId,
		config: &MarketConfig,
		orders: &AccountOrdersOf<T>,
		request: &OrderRequest,
		price: FixedU128,
		by: PlacedBy,
	) -> Result<Weight, DispatchError> {
		if let Some(client_id) = request.client_id {
			ensure!(
				!orders.recent_client_ids.contains(&client_id)
					&& !orders.open.iter().any(|o| o.client_id == Some(client_id)),
				Error::<T>::DuplicateClientId
			);
		}
		if request.reduce_only {
			let position = T::MarginCheck::position(account, market_id);
			let reduces = match request.side {
				Side::Buy => position < 0,
				Side::Sell => position > 0,
			};
			let resting = orders
				.open
				.iter()
				.filter(|o| o.reduce_only && o.side == request.side)
				.fold(0u128, |total, o| total.saturating_add(Self::size_of(config, o.remaining)));
			ensure!(
				reduces && request.quantity.saturating_add(resting) <= position.unsigned_abs(),
				Error::<T>::ReduceOnlyViolated
			);
		}
		if by == PlacedBy::Trader {
			return T::MarginCheck::ensure_can_place(
				account,
				&Self::intent(market_id, request, price),
			);
		}
		Ok(Weight::zero())
	}

	/// The matching's trades and removals: each maker's index, each fill to the margin engine,
	/// their events.
	fn book_outcome(
		market_id: MarketId,
		config: &MarketConfig,
		taker: &Taker<'_, T>,
		outcome: &matching::Outcome<AccountOf<T>>,
		indexes: &mut BTreeMap<AccountOf<T>, AccountOrdersOf<T>>,
	) -> DispatchResult {
		for fill in &outcome.fills {
			let maker_orders = indexes
				.entry(fill.maker.clone())
				.or_insert_with(|| AccountOrders::<T>::get(market_id, &fill.maker));
			Self::reduce_open(maker_orders, fill.maker_id, fill.maker_remaining);
			let trade_price = Self::from_ticks(config, fill.price);
			let size = Self::size_of(config, fill.qty);
			T::FillHandler::on_fill(&TradeFill {
				market: market_id,
				taker: taker.account.clone(),
				maker: fill.maker.clone(),
				taker_side: Self::trade_side(taker.request.side),
				price: trade_price,
				size,
				taker_fee: config.params.taker_fee,
				maker_fee: config.params.maker_fee,
			})?;
			Self::deposit_event(Event::Traded {
				market: market_id,
				taker_order: taker.order_id,
				maker_order: fill.maker_id,
				taker: taker.account.clone(),
				maker: fill.maker.clone(),
				taker_side: taker.request.side,
				price: trade_price,
				quantity: size,
			});
		}
		for removed in &outcome.removed {
			let owner = &removed.order.owner;
			let owner_orders = indexes
				.entry(owner.clone())
				.or_insert_with(|| AccountOrders::<T>::get(market_id, owner));
			Self::reduce_open(owner_orders, removed.order.id, 0);
			Self::deposit_event(Event::OrderCancelled {
				market: market_id,
				order_id: removed.order.id,
				account: owner.clone(),
				remaining: Self::size_of(config, removed.order.qty),
				reason: removed.reason.into(),
			});
		}
		Ok(())
	}

	/// What became of the taker's unfilled rest: into its index (within the open-order cap),
	/// or cancelled with the reason.
	fn settle_remainder(
		market_id: MarketId,
		config: &MarketConfig,
		taker: &Taker<'_, T>,
		remainder: Remainder,
		indexes: &mut BTreeMap<AccountOf<T>, AccountOrdersOf<T>>,
	) -> DispatchResult {
		let cancelled = |remaining, reason| Event::OrderCancelled {
			market: market_id,
			order_id: taker.order_id,
			account: taker.account.clone(),
			remaining: Self::size_of(config, remaining),
			reason,
		};
		match remainder {
			Remainder::Filled => {},
			Remainder::Rested(remaining) => {
				let taker_orders = indexes.entry(taker.account.clone()).or_default();
				ensure!(
					(taker_orders.open.len() as u32) < config.params.max_open_orders,
					Error::<T>::TooManyOpenOrders
				);
				taker_orders
					.open
					.try_push(OpenOrder {
						id: taker.order_id,
						client_id: taker.request.client_id,
						side: taker.request.side,
						price: taker.ticks,
						remaining,
						reduce_only: taker.request.reduce_only,
						expires_at: taker.request.time_in_force.expiry(),
					})
					.map_err(|_| Error::<T>::TooManyOpenOrders)?;
				Self::deposit_event(Event::OrderRested {
					market: market_id,
					order_id: taker.order_id,
					remaining: Self::size_of(config, remaining),
				});
			},
			Remainder::CancelledIoc(q) => {
				Self::deposit_event(cancelled(q, CancelReason::ImmediateOrCancel))
			},
			Remainder::CancelledSelfTrade(q) => {
				Self::deposit_event(cancelled(q, CancelReason::SelfTrade))
			},
			Remainder::CancelledMatchLimit(q) => {
				Self::deposit_event(cancelled(q, CancelReason::MatchLimit))
			},
		}
		Ok(())
	}

	/// Set the remaining lots of open order `id` (removing it at zero).
	fn reduce_open(orders: &mut AccountOrdersOf<T>, id: OrderId, remaining: Qty) {
		if let Some(i) = orders.open.iter().position(|o| o.id == id) {
			if remaining == 0 {
				orders.open.remove(i);
			} else if let Some(o) = orders.open.get_mut(i) {
				o.remaining = remaining;
			}
		}
	}

	/// Hold `account`'s reduce-only orders in `market_id` to its position as the margin
	/// engine now has it: on the side that reduces the position the oldest keep their size
	/// while they fit and the first that does not shrinks to what is left
	/// ([`Event::OrderReduced`]); the rest, and any reduce-only order on the other side, leave
	/// the book ([`CancelReason::ReduceOnly`]). Reads the position only if a reduce-only order
	/// rests.
	pub(crate) fn fit_reduce_only(
		book: &mut StorageBook<T>,
		market_id: MarketId,
		config: &MarketConfig,
		account: &AccountOf<T>,
		orders: &mut AccountOrdersOf<T>,
	) {
		if !orders.open.iter().any(|o| o.reduce_only) {
			return;
		}
		let position = T::MarginCheck::position(account, market_id);
		let reducing = match position {
			p if p > 0 => Some(Side::Sell),
			p if p < 0 => Some(Side::Buy),
			_ => None,
		};
		let mut room = Qty::try_from(position.unsigned_abs() / config.lot_size).unwrap_or(Qty::MAX);
		let mut cancelled = Vec::new();
		for o in orders.open.iter_mut().filter(|o| o.reduce_only) {
			if Some(o.side) == reducing && o.remaining <= room {
				room -= o.remaining;
			} else if Some(o.side) == reducing && room > 0 {
				matching::shrink(book, o.side, o.price, o.id, room);
				o.remaining = room;
				room = 0;
				Self::deposit_event(Event::OrderReduced {
					market: market_id,
					order_id: o.id,
					account: account.clone(),
					remaining: Self::size_of(config, o.remaining),
				});
			} else {
				matching::cancel(book, o.side, o.price, o.id);
				cancelled.push(o.id);
				Self::deposit_event(Event::OrderCancelled {
					market: market_id,
					order_id: o.id,
					account: account.clone(),
					remaining: Self::size_of(config, o.remaining),
					reason: CancelReason::ReduceOnly,
				});
			}
		}
		orders.open.retain(|o| !cancelled.contains(&o.id));
	}

	/// [`Self::fit_reduce_only`] outside a placement (after a position changed by
	/// deleveraging): loads the book and the index, writes them back.
	pub fn do_fit_reduce_only(account: &AccountOf<T>, market_id: MarketId) -> DispatchResult {
		let Some(market) = Markets::<T>::get(market_id) else { return Ok(()) };
		let mut orders = AccountOrders::<T>::get(market_id, account);
		if !orders.open.iter().any(|o| o.reduce_only) {
			return Ok(());
		}
		let config = market.config;
		let mut book = StorageBook::<T>::new(market_id, market);
		Self::fit_reduce_only(&mut book, market_id, &config, account, &mut orders);
		book.flush()?;
		Self::store_orders(market_id, &config, account, orders)
	}

	/// What the margin engine is told of `orders`: sizes per side and each side's worst price.
	fn totals(config: &MarketConfig, orders: &AccountOrdersOf<T>) -> RestingTotals {
		let mut resting = RestingTotals::default();
		for o in orders.open.iter() {
			let size = Self::size_of(config, o.remaining);
			let price = Self::from_ticks(config, o.price);
			match o.side {
				Side::Buy => {
					resting.buy = resting.buy.saturating_add(size);
					resting.highest_buy = resting.highest_buy.max(price);
				},
				Side::Sell => {
					resting.sell = resting.sell.saturating_add(size);
					if resting.lowest_sell.is_zero() || price < resting.lowest_sell {
						resting.lowest_sell = price;
					}
				},
			}
		}
		resting
	}

	/// `account`'s resting orders in `market_id` as the margin engine must count them (for
	/// cross-pallet invariants).
	pub fn resting_totals(market_id: MarketId, account: &AccountOf<T>) -> RestingTotals {
		let Some(market) = Markets::<T>::get(market_id) else { return RestingTotals::default() };
		Self::totals(&market.config, &AccountOrders::<T>::get(market_id, account))
	}

	/// Store `account`'s index and tell the margin engine its resting orders: sizes per side
	/// and each side's worst price.
	fn store_orders(
		market: MarketId,
		config: &MarketConfig,
		account: &AccountOf<T>,
		orders: AccountOrdersOf<T>,
	) -> DispatchResult {
		let resting = Self::totals(config, &orders);
		if orders.is_empty() {
			AccountOrders::<T>::remove(market, account);
		} else {
			AccountOrders::<T>::insert(market, account, orders);
		}
		T::MarginCheck::on_resting_changed(account, market, resting)
	}

	/// Cancel `account`'s order named by `order` in `market_id`. Returns whether the cancel
	/// listed the book in [`ChangedBooks`] (see [`Pallet::listing_refund`]).
	pub fn do_cancel(
		account: &AccountOf<T>,
		market_id: MarketId,
		order: OrderRef,
	) -> Result<bool, DispatchError> {
		Self::ensure_sub(account)?;
		let mut session = Self::open(market_id)?;
		let listed = session.book.listed;
		Self::cancel_in(&mut session, account, order)?;
		Self::close(session)?;
		Ok(listed)
	}

	/// Cancel `account`'s order named by `order` in `session`'s market.
	fn cancel_in(
		session: &mut Session<T>,
		account: &AccountOf<T>,
		order: OrderRef,
	) -> DispatchResult {
		Self::ensure_sub(account)?;
		let (market_id, config) = (session.market_id, session.config);
		let orders = session.orders(account);
		let position = match order {
			// Not in the caller's index: its tag tells whether the id is someone else's.
			OrderRef::Id(id) => orders.open.iter().position(|o| o.id == id).ok_or_else(|| {
				if Self::owner_tag_of(id) == Self::owner_tag(account) {
					Error::<T>::OrderNotFound
				} else {
					Error::<T>::NotOrderOwner
				}
			})?,
			OrderRef::ClientId(client_id) => orders
				.open
				.iter()
				.position(|o| o.client_id == Some(client_id))
				.ok_or(Error::<T>::OrderNotFound)?,
		};
		let open = orders.open.remove(position);
		matching::cancel(&mut session.book, open.side, open.price, open.id);
		Self::deposit_event(Event::OrderCancelled {
			market: market_id,
			order_id: open.id,
			account: account.clone(),
			remaining: Self::size_of(&config, open.remaining),
			reason: CancelReason::User,
		});
		Ok(())
	}

	/// Cancel every resting order of `account` in `market_id`; returns how many, and whether
	/// the call listed the book in [`ChangedBooks`] (see [`Pallet::listing_refund`]). Without
	/// an order there, nothing is written (the book is not listed: it did not change).
	pub fn do_cancel_all(
		account: &AccountOf<T>,
		market_id: MarketId,
	) -> Result<(u32, bool), DispatchError> {
		Self::ensure_sub(account)?;
		let market = Markets::<T>::get(market_id).ok_or(Error::<T>::UnknownMarket)?;
		let mut orders = AccountOrders::<T>::get(market_id, account);
		if orders.open.is_empty() {
			return Ok((0, false));
		}
		let open = core::mem::take(&mut orders.open);
		let config = market.config;
		let mut book = StorageBook::<T>::new(market_id, market);
		let listed = book.listed;
		for o in &open {
			matching::cancel(&mut book, o.side, o.price, o.id);
			Self::deposit_event(Event::OrderCancelled {
				market: market_id,
				order_id: o.id,
				account: account.clone(),
				remaining: Self::size_of(&config, o.remaining),
				reason: CancelReason::User,
			});
		}
		book.flush()?;
		Self::store_orders(market_id, &config, account, orders)?;
		Ok((open.len() as u32, listed))
	}

	/// Remove expired orders — and every order of an expired market — level by level, while
	/// `limit` allows; resumes where it stopped at the next call. Returns the weight used.
	pub(crate) fn sweep_expired(limit: Weight) -> Weight {
		let db = T::DbWeight::get();
		let per_level = T::WeightInfo::sweep_level(T::MaxOrdersPerLevel::get());
		// The cursor's read and write.
		let mut used = db.reads_writes(1, 1);
		if used.saturating_add(per_level).any_gt(limit) {
			return Weight::zero();
		}
		let markets = Markets::<T>::count();
		used = used.saturating_add(db.reads(1));
		if markets == 0 {
			return used;
		}
		let now = T::Time::now();
		let (mut market_id, mut side, mut position) =
			SweepCursor::<T>::get().unwrap_or((0, Side::Buy, 0));
		// Visit at most every level once per call, even with weight to spare.
		let mut budget = markets.saturating_mul(T::MaxLevels::get()).saturating_mul(2);
		while budget > 0 && !used.saturating_add(per_level).any_gt(limit) {
			budget -= 1;
			used = used.saturating_add(per_level);
			let Some(market) = Markets::<T>::get(market_id % markets) else { break };
			market_id %= markets;
			let index = match side {
				Side::Buy => &market.bids,
				Side::Sell => &market.asks,
			};
			let Some(price) = index.get(position as usize).copied() else {
				// End of this side: the other side, or the next market.
				(market_id, side) = match side {
					Side::Buy => (market_id, Side::Sell),
					Side::Sell => ((market_id + 1) % markets, Side::Buy),
				};
				position = 0;
				continue;
			};
			let removed = Self::sweep_level(market_id, market, side, price, now);
			// An emptied level drops out of the index: the next level takes its position.
			if !removed.1 {
				position = position.saturating_add(1);
			}
		}
		SweepCursor::<T>::put((market_id, side, position));
		used
	}

	/// Remove the expired orders of one level. Returns (how many, whether the level emptied).
	fn sweep_level(
		market_id: MarketId,
		market: MarketOf<T>,
		side: Side,
		price: Price,
		now: Moment,
	) -> (u32, bool) {
		let level = Levels::<T>::get((market_id, side, price));
		// In an expired market every order goes, whatever its own time in force.
		let market_expired = market.config.kind.expiry().is_some_and(|expiry| now >= expiry);
		let goes = |o: &RestingOrder<AccountOf<T>>| market_expired || o.expired(now);
		if !level.iter().any(goes) {
			return (0, false);
		}
		let config = market.config;
		let mut book = StorageBook::<T>::new(market_id, market);
		let expired: Vec<RestingOrder<AccountOf<T>>> = level.into_iter().filter(goes).collect();
		let reason =
			if market_expired { CancelReason::MarketExpired } else { CancelReason::Expired };
		let mut emptied = false;
		for order in &expired {
			matching::cancel(&mut book, side, price, order.id);
			let mut orders = AccountOrders::<T>::get(market_id, &order.owner);
			Self::reduce_open(&mut orders, order.id, 0);
			// Removing resting orders only lowers what the margin engine counts: it cannot
			// refuse, and the sweep has no caller to report to.
			let _ = Self::store_orders(market_id, &config, &order.owner, orders);
			Self::deposit_event(Event::OrderCancelled {
				market: market_id,
				order_id: order.id,
				account: order.owner.clone(),
				remaining: Self::size_of(&config, order.qty),
				reason,
			});
		}
		if book.level(side, price).is_none() {
			emptied = true;
		}
		// Removing orders never grows a level or the index: flushing cannot fail.
		let _ = book.flush();
		(expired.len() as u32, emptied)
	}

	/// A liquidation's IOC, reduce-only order (see `LiquidationBook::close_ioc`).
	pub(crate) fn do_close_ioc(
		account: &AccountOf<T>,
		market_id: MarketId,
		side: TradeSide,
		size: u128,
		limit: FixedU128,
	) -> DispatchResult {
		let Some(market) = Markets::<T>::get(market_id) else { return Ok(()) };
		let config = market.config;
		let tick = config.tick_size.into_inner();
		// Never worse than the limit: a sell's price rounds up to the tick, a buy's down.
		let ticks = match side {
			TradeSide::Sell => limit.into_inner().div_ceil(tick),
			TradeSide::Buy => limit.into_inner() / tick,
		};
		let lots = size / config.lot_size;
		let size = lots.saturating_mul(config.lot_size);
		if ticks == 0 || size < config.params.min_size {
			return Ok(());
		}
		let request = OrderRequest {
			side: match side {
				TradeSide::Buy => Side::Buy,
				TradeSide::Sell => Side::Sell,
			},
			order_type: OrderType::Market {
				protection_price: FixedU128::from_inner(ticks.saturating_mul(tick)),
			},
			quantity: size,
			time_in_force: TimeInForce::Ioc,
			reduce_only: true,
			client_id: None,
			self_trade: SelfTradePrevention::CancelResting,
		};
		// A book that cannot take it (halted, settled) leaves everything to the backstop. The
		// margin engine's own order is not put to the trader's margin rule: it is bounded by
		// the bankruptcy price instead.
		let _ = frame_support::storage::with_storage_layer(|| {
			Self::place_alone(
				account,
				market_id,
				request,
				PlacedBy::Liquidation,
				Eviction::Refused,
				Self::max_makers(),
			)
		});
		Ok(())
	}

	/// The midpoint of the best bid and best ask of `market_id`, if both sides have orders.
	pub fn mid_price(market_id: MarketId) -> Option<FixedU128> {
		Self::mid_of(&Markets::<T>::get(market_id)?)
	}

	/// The mid of `market` as it stands (see [`Self::mid_price`]).
	pub(crate) fn mid_of(market: &MarketOf<T>) -> Option<FixedU128> {
		let (bid, ask) = (*market.bids.first()?, *market.asks.first()?);
		let sum = Self::from_ticks(&market.config, bid)
			.into_inner()
			.checked_add(Self::from_ticks(&market.config, ask).into_inner())?;
		// Rounded down; a half-tick is below any economic meaning of the mark.
		Some(FixedU128::from_inner(sum / 2))
	}

	/// The block hook: tell the margin engine the mid, as the previous block ended, of every
	/// book that block changed (a book no block changed since keeps the mid last told).
	/// Returns its weight.
	pub(crate) fn report_mids() -> Weight {
		let changed = ChangedBooks::<T>::take();
		for market_id in changed.iter() {
			let mid = Markets::<T>::get(market_id).and_then(|m| Self::mid_of(&m));
			T::MarginCheck::on_mid(*market_id, mid);
		}
		T::WeightInfo::report_mids(changed.len() as u32)
	}

	/// The best `levels` levels of each side of `market_id`, in market units.
	pub fn depth(market_id: MarketId, levels: u32) -> Option<BookDepth> {
		let market = Markets::<T>::get(market_id)?;
		let config = market.config;
		let side = |side: Side, index: &[Price]| -> Vec<(FixedU128, u128)> {
			index
				.iter()
				.take(levels as usize)
				.map(|p| {
					let lots: u128 = Levels::<T>::get((market_id, side, *p))
						.iter()
						.map(|o| u128::from(o.qty))
						.sum();
					(Self::from_ticks(&config, *p), config.lot_size.saturating_mul(lots))
				})
				.collect()
		};
		Some(BookDepth {
			bids: side(Side::Buy, &market.bids),
			asks: side(Side::Sell, &market.asks),
		})
	}

	/// `account`'s resting orders in `market_id`, in market units.
	pub fn open_orders(market_id: MarketId, account: &AccountOf<T>) -> Vec<OpenOrderView> {
		let Some(market) = Markets::<T>::get(market_id) else { return Vec::new() };
		AccountOrders::<T>::get(market_id, account)
			.open
			.iter()
			.map(|o| OpenOrderView {
				id: o.id,
				client_id: o.client_id,
				side: o.side,
				price: Self::from_ticks(&market.config, o.price),
				remaining: Self::size_of(&market.config, o.remaining),
				reduce_only: o.reduce_only,
				expires_at: o.expires_at,
			})
			.collect()
	}

	/// The id of `owner`'s order with `sequence` number: the owner's 20-bit tag above a 44-bit
	/// sequence (17.6 trillion orders per market). The tag lets a cancel tell "not yours"
	/// from "not found" without an order → owner index, which would cost a storage write per
	/// resting order and per fill. `None` once the sequence is exhausted.
	pub fn order_id(sequence: u64, owner: &AccountOf<T>) -> Option<OrderId> {
		(sequence < 1 << ORDER_SEQUENCE_BITS)
			.then(|| Self::owner_tag(owner) << ORDER_SEQUENCE_BITS | sequence)
	}

	/// `account`'s tag: the top 20 bits of the BLAKE2 hash of its encoding. Two accounts share
	/// one with odds of one in a million; then a cancel of the other's order reports
	/// `OrderNotFound` instead of `NotOrderOwner` (it still cancels nothing).
	pub fn owner_tag(account: &AccountOf<T>) -> u64 {
		use polkadot_sdk::sp_runtime::traits::{BlakeTwo256, Hash};
		let hash = BlakeTwo256::hash_of(account);
		let top = u64::from_be_bytes(hash.0[..8].try_into().unwrap_or_default());
		top >> (64 - ORDER_TAG_BITS)
	}

	/// The owner tag an order id carries.
	pub fn owner_tag_of(id: OrderId) -> u64 {
		id >> ORDER_SEQUENCE_BITS
	}

	/// The sequence number of an order id (time priority within a market).
	pub fn order_sequence(id: OrderId) -> u64 {
		id & ((1 << ORDER_SEQUENCE_BITS) - 1)
	}

	/// The pallet's invariants: every book uncrossed, levels non-empty and in FIFO order with
	/// their index entries, each resting order recorded once in its owner's index with the
	/// same price, side and size and tagged with its owner, and nothing else recorded.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		Self::conditional_try_state()?;
		// The option chains index exactly the option markets, each as listed.
		let mut indexed = 0usize;
		for (underlying, expiry, chain) in OptionChains::<T>::iter() {
			for entry in chain.iter() {
				let market = Markets::<T>::get(entry.market).ok_or("chain of an unknown market")?;
				ensure!(
					market.config.underlying == underlying
						&& market.config.kind
							== MarketKind::Option {
								right: entry.right,
								strike: entry.strike,
								expiry
							},
					"a chain entry differs from its market"
				);
				indexed += 1;
			}
		}
		let options = Markets::<T>::iter_values()
			.filter(|m| matches!(m.config.kind, MarketKind::Option { .. }))
			.count();
		ensure!(indexed == options, "an option market missing from its chain");
		for (_, expiries) in OptionExpiries::<T>::iter() {
			ensure!(expiries.windows(2).all(|w| w[0] < w[1]), "option expiries not ascending");
		}
		let mut resting = 0usize;
		for (market_id, market) in Markets::<T>::iter() {
			if let (Some(bid), Some(ask)) = (market.bids.first(), market.asks.first()) {
				ensure!(bid < ask, "book crossed at rest");
			}
			ensure!(market.bids.windows(2).all(|w| w[0] > w[1]), "bid index not sorted");
			ensure!(market.asks.windows(2).all(|w| w[0] < w[1]), "ask index not sorted");
			for (side, index) in [(Side::Buy, &market.bids), (Side::Sell, &market.asks)] {
				for price in index.iter() {
					let level = Levels::<T>::get((market_id, side, *price));
					ensure!(!level.is_empty(), "indexed level is empty");
					ensure!(
						level.windows(2).all(|w| {
							Self::order_sequence(w[0].id) < Self::order_sequence(w[1].id)
						}),
						"level not FIFO"
					);
					for order in level.iter() {
						ensure!(order.qty > 0, "zero-size order rests");
						ensure!(
							Self::order_sequence(order.id) < market.next_sequence,
							"order id from the future"
						);
						ensure!(
							Self::owner_tag_of(order.id) == Self::owner_tag(&order.owner),
							"resting order tagged with another owner"
						);
						let open = AccountOrders::<T>::get(market_id, &order.owner)
							.open
							.iter()
							.find(|o| o.id == order.id)
							.copied()
							.ok_or("resting order missing from its owner's index")?;
						ensure!(
							open.side == side
								&& open.price == *price && open.remaining == order.qty,
							"owner's index disagrees with the book"
						);
						resting += 1;
					}
				}
			}
		}
		// Each account's orders as the margin engine counts them, and reduce-only ones within
		// the position: only on the side that reduces it, never more than it.
		for (market_id, account, orders) in AccountOrders::<T>::iter() {
			let market = Markets::<T>::get(market_id).ok_or("orders in an unknown market")?;
			ensure!(
				T::MarginCheck::resting(&account, market_id)
					== Self::totals(&market.config, &orders),
				"the margin engine's resting totals differ from the book's"
			);
			let position = T::MarginCheck::position(&account, market_id);
			let mut reducing = 0u128;
			for o in orders.open.iter().filter(|o| o.reduce_only) {
				let reduces = match o.side {
					Side::Buy => position < 0,
					Side::Sell => position > 0,
				};
				ensure!(reduces, "a reduce-only order rests on the side that adds to the position");
				reducing = reducing.saturating_add(Self::size_of(&market.config, o.remaining));
			}
			ensure!(
				reducing <= position.unsigned_abs(),
				"resting reduce-only size exceeds the position"
			);
		}
		// The books this block changed are listed once each, and only they (their mids are
		// reported when the next block begins).
		let block: u32 = frame_system::Pallet::<T>::block_number().unique_saturated_into();
		let changed = ChangedBooks::<T>::get();
		let mut listed: Vec<MarketId> = changed.to_vec();
		listed.sort_unstable();
		listed.dedup();
		ensure!(listed.len() == changed.len(), "a book listed twice as changed");
		for (market_id, market) in Markets::<T>::iter() {
			ensure!(
				(market.changed_in == block) == listed.binary_search(&market_id).is_ok(),
				"a book's change in this block and the changed list disagree"
			);
		}
		let indexed: usize = AccountOrders::<T>::iter().map(|(_, _, o)| o.open.len()).sum();
		ensure!(indexed == resting, "account indexes name orders that do not rest");
		ensure!(
			Levels::<T>::iter_keys().all(|(m, s, p)| Markets::<T>::get(m).is_some_and(|mk| {
				match s {
					Side::Buy => mk.bids.contains(&p),
					Side::Sell => mk.asks.contains(&p),
				}
			})),
			"stored level missing from its market's index"
		);
		Ok(())
	}
}

use clearinghouse_matching::BookStore;
