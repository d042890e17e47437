//! Conditional orders: stop and take-profit orders that the chain places when a price crosses
//! their trigger.
//!
//! ## Storage, and what a block pays when nothing fires
//!
//! * [`Conditionals`]: one value per order, keyed by owner and the owner's sequence number.
//! * [`OwnerConditionalsOf`] in [`ConditionalOwners`]: per owner, the next sequence number and
//!   the live orders (market, expiry): the per-owner cap and the runtime API read this alone.
//! * [`Triggers`]: the trigger index, keyed by market, lane (the price watched and the way it
//!   must cross), then the trigger price **big-endian** (inverted for orders that fire on a fall)
//!   and the placing block and extrinsic, all with the identity hasher: iterating a lane walks its
//!   orders in the order they fire. Whether anything in a lane fires is one look at its first
//!   key, so a market whose triggers are all far away costs its six lane heads and its prices
//!   per block, whatever the number of orders.
//! * [`ArmedMarkets`]: the markets that may hold triggers; a market leaves it when the scan
//!   finds its lanes empty.
//! * [`FiredQueue`] between [`FiredBounds`]: fired orders waiting for their turn, oldest first.
//!   Firing takes an order out of the index into the queue (its OCO partner is cancelled then),
//!   so an order that fired is placed even if the price turns back before its turn comes.
//!
//! Placing a conditional order reads its owner's entry and the armed list and writes the
//! order, its index entry and the owner's entry (the armed list too, for the first order of a
//! market).
//!
//! ## When they fire
//!
//! In `on_idle`, with what the block leaves: first the queue, then a scan of the armed markets
//! from a cursor, firing into the queue at most what the per-block cap leaves. Each fired
//! order is placed through the same path and margin check as any order of its owner
//! ([`Pallet::do_place`]); a refusal ends it with [`ConditionalEnd::Refused`] and the error.
//! Under blocks too full for `on_idle`, anyone may call [`Pallet::execute_triggered`] (as a
//! keeper calls `deleverage`), paying for the work.

use crate::{pallet::*, *};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*, traits::Time};
use polkadot_sdk::sp_runtime::{traits::UniqueSaturatedInto, DispatchError};

/// A lane of the trigger index: the price watched and the way it must cross.
pub type Lane = (TriggerSource, Crossing);

/// Every lane, in the order the scan visits them.
pub const LANES: [Lane; 6] = [
	(TriggerSource::Mark, Crossing::Rises),
	(TriggerSource::Mark, Crossing::Falls),
	(TriggerSource::Index, Crossing::Rises),
	(TriggerSource::Index, Crossing::Falls),
	(TriggerSource::LastTrade, Crossing::Rises),
	(TriggerSource::LastTrade, Crossing::Falls),
];

/// The sort key of a trigger `price` in a lane crossing `crossing`: big-endian so that the
/// index's byte order is the firing order (ascending prices for a rise, descending for a fall).
pub fn sort_key(price: FixedU128, crossing: Crossing) -> [u8; 16] {
	match crossing {
		Crossing::Rises => price.into_inner().to_be_bytes(),
		Crossing::Falls => (u128::MAX - price.into_inner()).to_be_bytes(),
	}
}

/// Whether `current` has crossed `trigger` the way `crossing` says.
pub fn crossed(current: FixedU128, trigger: FixedU128, crossing: Crossing) -> bool {
	match crossing {
		Crossing::Rises => current >= trigger,
		Crossing::Falls => current <= trigger,
	}
}

/// The prices one market's lanes watch, read once per scan.
#[derive(Clone, Copy, Debug, Default)]
pub struct Watched {
	pub mark: Option<FixedU128>,
	pub index: Option<FixedU128>,
	pub last_trade: Option<FixedU128>,
}

impl Watched {
	/// The price `source` watches.
	pub fn of(&self, source: TriggerSource) -> Option<FixedU128> {
		match source {
			TriggerSource::Mark => self.mark,
			TriggerSource::Index => self.index,
			TriggerSource::LastTrade => self.last_trade,
		}
	}
}

/// What one run of the trigger machinery did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TriggerRun {
	/// Orders taken from the index into the queue.
	pub fired: u32,
	/// Fired orders taken from the queue (placed, refused, or found cancelled or expired).
	pub executed: u32,
	/// What it used.
	pub weight: Weight,
}

impl<T: Config> Pallet<T> {
	/// The prices `market` (whose stored state is `m`) is watched at now.
	pub(crate) fn watched(market: MarketId, m: &MarketOf<T>) -> Watched {
		let prices = T::MarginCheck::trigger_prices(market);
		Watched {
			mark: prices.mark,
			index: prices.index,
			last_trade: m.last_trade.map(|t| Self::from_ticks(&m.config, t)),
		}
	}

	/// Where a new order of this extrinsic sorts among orders at one trigger price: the block
	/// number and the extrinsic index, big-endian.
	fn placed_key() -> [u8; 8] {
		let block: u32 = frame_system::Pallet::<T>::block_number().unique_saturated_into();
		let extrinsic = frame_system::Pallet::<T>::extrinsic_index().unwrap_or(u32::MAX);
		((u64::from(block) << 32) | u64::from(extrinsic)).to_be_bytes()
	}

	/// `place_conditional`'s work: validate `spec` (and `oco`, the pair's other order) in
	/// `market` for `owner`, and record them. Returns the sequence numbers given.
	pub fn do_place_conditional(
		owner: &T::AccountId,
		market: MarketId,
		spec: ConditionalSpec,
		oco: Option<ConditionalSpec>,
	) -> Result<(u64, Option<u64>), DispatchError> {
		let m = Markets::<T>::get(market).ok_or(Error::<T>::UnknownMarket)?;
		let watched = Self::watched(market, &m);
		let now = T::Time::now();
		Self::check_spec(&m, &watched, &spec, now)?;
		if let Some(other) = &oco {
			ensure!(other.sub == spec.sub, Error::<T>::OcoAccountMismatch);
			Self::check_spec(&m, &watched, other, now)?;
		}
		let mut entry = ConditionalOwners::<T>::get(owner);
		let wanted = if oco.is_some() { 2 } else { 1 };
		Self::make_conditional_room(owner, &mut entry, wanted, now);
		let placed = Self::placed_key();
		let first = entry.next;
		let second = oco.map(|_| first.saturating_add(1));
		entry.next = first.saturating_add(wanted as u64);
		for (seq, s, partner) in
			[Some((first, spec, second)), oco.zip(second).map(|(o, seq)| (seq, o, Some(first)))]
				.into_iter()
				.flatten()
		{
			entry
				.live
				.try_push((seq, market, s.expires_at))
				.map_err(|_| Error::<T>::TooManyConditionals)?;
			let order = Conditional { market, spec: s, placed, oco: partner, fired: false };
			Triggers::<T>::insert(Self::index_key(owner, seq, &order), ());
			Conditionals::<T>::insert(owner, seq, order);
			Self::deposit_event(Event::ConditionalPlaced {
				account: MarginAccount::new(owner.clone(), s.sub),
				market,
				id: seq,
				spec: s,
				oco: partner,
			});
		}
		Self::store_owner(owner, entry)?;
		ArmedMarkets::<T>::try_mutate(|armed| -> DispatchResult {
			if let Err(i) = armed.binary_search(&market) {
				armed.try_insert(i, market).map_err(|_| Error::<T>::TooManyMarkets)?;
			}
			Ok(())
		})?;
		Ok((first, second))
	}

	/// A spec is valid in the market as it stands: an order the market would take now, a
	/// trigger on the tick and on the side of the watched price it must cross to, an expiry
	/// ahead.
	fn check_spec(
		m: &MarketOf<T>,
		watched: &Watched,
		spec: &ConditionalSpec,
		now: Moment,
	) -> DispatchResult {
		ensure!(spec.sub < T::MaxSubAccounts::get(), Error::<T>::SubAccountOutOfRange);
		ensure!(!spec.trigger_price.is_zero(), Error::<T>::ZeroTriggerPrice);
		Self::to_ticks(&m.config, spec.trigger_price)?;
		Self::checked_request(&m.config, &spec.order)?;
		if let Some(at) = spec.expires_at {
			ensure!(at > now, Error::<T>::AlreadyExpired);
		}
		let current = watched.of(spec.source).ok_or(Error::<T>::TriggerPriceUnavailable)?;
		let crossing = spec.kind.crossing(spec.order.side);
		ensure!(!crossed(current, spec.trigger_price, crossing), Error::<T>::TriggerOnWrongSide);
		Ok(())
	}

	/// Room for `wanted` more orders in `entry`: the oldest expired ones leave (at most
	/// `wanted`), so lapsed orders never hold an owner at the cap.
	pub(crate) fn make_conditional_room(
		owner: &T::AccountId,
		entry: &mut OwnerConditionalsOf<T>,
		wanted: u32,
		now: Moment,
	) {
		let cap = T::MaxConditionals::get() as usize;
		let mut dropped = 0;
		while entry.live.len().saturating_add(wanted as usize) > cap && dropped < wanted {
			let Some(i) = entry.live.iter().position(|(_, _, at)| at.is_some_and(|at| at <= now))
			else {
				return;
			};
			let (seq, _, _) = entry.live.remove(i);
			if let Some(order) = Conditionals::<T>::take(owner, seq) {
				Self::unlink(owner, seq, &order, entry, ConditionalEnd::Expired);
			}
			dropped += 1;
		}
	}

	/// The index key of `owner`'s order `seq`.
	pub(crate) fn index_key(
		owner: &T::AccountId,
		seq: u64,
		order: &Conditional,
	) -> (MarketId, Lane, [u8; 16], [u8; 8], T::AccountId, u64) {
		let crossing = order.spec.kind.crossing(order.spec.order.side);
		(
			order.market,
			(order.spec.source, crossing),
			sort_key(order.spec.trigger_price, crossing),
			order.placed,
			owner.clone(),
			seq,
		)
	}

	/// `owner`'s order `seq` (already taken from [`Conditionals`]) ends as `end` without being
	/// placed: out of `entry` and the index (unless it fired: its queue slot is then skipped),
	/// its OCO partner unpaired (unless the partner's firing ended it), its event.
	fn unlink(
		owner: &T::AccountId,
		seq: u64,
		order: &Conditional,
		entry: &mut OwnerConditionalsOf<T>,
		end: ConditionalEnd,
	) {
		entry.live.retain(|(s, _, _)| *s != seq);
		if !order.fired {
			Triggers::<T>::remove(Self::index_key(owner, seq, order));
		}
		if let Some(partner) = order.oco.filter(|_| end != ConditionalEnd::OcoFired) {
			Conditionals::<T>::mutate(owner, partner, |p| {
				if let Some(p) = p {
					p.oco = None;
				}
			});
		}
		Self::deposit_event(Event::ConditionalEnded {
			account: MarginAccount::new(owner.clone(), order.spec.sub),
			market: order.market,
			id: seq,
			end,
			error: None,
		});
	}

	/// `cancel_conditional`'s work: `owner`'s order `seq` (and nothing else: its OCO partner
	/// stays, unpaired) leaves.
	pub fn do_cancel_conditional(owner: &T::AccountId, seq: u64) -> DispatchResult {
		let Some(order) = Conditionals::<T>::take(owner, seq) else {
			return Self::cancel_twap(owner, seq);
		};
		let mut entry = ConditionalOwners::<T>::get(owner);
		Self::unlink(owner, seq, &order, &mut entry, ConditionalEnd::Cancelled);
		Self::store_owner(owner, entry)
	}

	/// Write `owner`'s entry, its deposit brought to what its live orders hold (taken when it
	/// has its first, released with its last). The entry stays when it lists nothing: the
	/// sequence must not restart (a stale id would name a new order). A deposit that cannot be
	/// taken is the error (a call's storage layer undoes the rest); the entry is written
	/// whatever happens, so the hooks, which only lower deposits, never lose an order.
	pub(crate) fn store_owner(
		owner: &T::AccountId,
		mut entry: OwnerConditionalsOf<T>,
	) -> DispatchResult {
		use frame_support::traits::Consideration;
		let count = entry.live.len();
		let footprint = Self::deposit_footprint(count);
		let (deposit, result) = match (entry.deposit.take(), count) {
			(None, 0) => (None, Ok(())),
			(Some(ticket), 0) => (None, ticket.drop(owner)),
			(None, _) => match T::Deposit::new(owner, footprint) {
				Ok(ticket) => (Some(ticket), Ok(())),
				Err(e) => (None, Err(e)),
			},
			(Some(ticket), _) => match ticket.update(owner, footprint) {
				Ok(ticket) => (Some(ticket), Ok(())),
				Err(e) => (None, Err(e)),
			},
		};
		entry.deposit = deposit;
		ConditionalOwners::<T>::insert(owner, entry);
		result
	}

	/// [`Self::store_owner`] where the deposit can only fall (the hooks: orders fired, placed,
	/// lapsed). Releasing a hold does not fail; if it ever did, the owner's orders are still
	/// recorded right and only the deposit's record is lost.
	pub(crate) fn release(owner: &T::AccountId, entry: OwnerConditionalsOf<T>) {
		if let Err(e) = Self::store_owner(owner, entry) {
			log::warn!(target: "runtime::orderbook", "a conditional-order deposit was not released: {e:?}");
		}
	}

	/// What `count` waiting orders occupy (`count` items of the size of one): each its record (the larger of a conditional order
	/// and a TWAP), its index or due entry and its place in the owner's list.
	pub fn deposit_footprint(count: usize) -> frame_support::traits::Footprint {
		let per_order = Conditional::max_encoded_len()
			.max(Twap::max_encoded_len())
			.saturating_add(T::AccountId::max_encoded_len())
			.saturating_add(64);
		frame_support::traits::Footprint::from_parts(count, per_order)
	}

	/// Fire and place triggered orders within `limit` and at most `max` placements: the queue
	/// first, then the armed markets from the cursor (`on_idle`), or only market `only` (a
	/// keeper's call names the market whose price crossed).
	pub fn run_triggers(limit: Weight, max: u32, only: Option<MarketId>) -> TriggerRun {
		let mut run = TriggerRun::default();
		let execute = Self::execute_weight();
		// The armed list, cursor and queue bounds read; the cursor and the list written.
		let base = T::DbWeight::get().reads_writes(3, 2);
		if base.saturating_add(execute).any_gt(limit) {
			return run;
		}
		let mut armed = ArmedMarkets::<T>::get();
		let armed_len = armed.len() as u32;
		let start = TriggerCursor::<T>::get();
		let mut cursor = start;
		let mut scanned = 0u32;
		let mut armed_changed = false;
		run.weight = base;
		while run.executed < max {
			let (head, tail) = FiredBounds::<T>::get();
			if head < tail {
				if run.weight.saturating_add(execute).any_gt(limit) {
					break;
				}
				let used = Self::execute_head(head);
				FiredBounds::<T>::put((head.saturating_add(1), tail));
				run.weight = run.weight.saturating_add(used);
				run.executed = run.executed.saturating_add(1);
				continue;
			}
			// The queue is empty: scan the next armed market (each at most once a run).
			if scanned >= armed_len || armed.is_empty() {
				break;
			}
			let room = max.saturating_sub(run.executed);
			let need = T::WeightInfo::scan_market(room);
			if run.weight.saturating_add(need).saturating_add(execute).any_gt(limit) {
				break;
			}
			let at = match only {
				None => (cursor as usize) % armed.len(),
				Some(m) => match armed.binary_search(&m) {
					Ok(at) => at,
					Err(_) => break,
				},
			};
			let Some(market) = armed.get(at).copied() else { break };
			let (fired, empty) = Self::scan(market, room);
			// A named market is scanned once; the cursor is the idle scan's.
			scanned = if only.is_some() { armed_len } else { scanned.saturating_add(1) };
			run.fired = run.fired.saturating_add(fired);
			run.weight = run.weight.saturating_add(T::WeightInfo::scan_market(fired));
			if empty {
				armed.remove(at);
				armed_changed = true;
			}
			if only.is_none() {
				cursor = if empty { at as u32 } else { (at as u32).saturating_add(1) };
			}
		}
		if armed_changed {
			ArmedMarkets::<T>::put(armed);
		}
		if cursor != start {
			TriggerCursor::<T>::put(cursor);
		}
		run
	}

	/// What `execute_triggered(_, max)` declares: one market scanned, firing `max` orders,
	/// and `max` placements at their costliest.
	pub(crate) fn execute_triggered_weight(max: u32) -> Weight {
		T::DbWeight::get()
			.reads_writes(3, 2)
			.saturating_add(T::WeightInfo::scan_market(max))
			.saturating_add(Self::execute_weight().saturating_mul(u64::from(max)))
	}

	/// What placing one fired order or TWAP slice may cost at most: its bookkeeping and the
	/// costliest placement (`place_order`'s declared weight).
	pub(crate) fn execute_weight() -> Weight {
		Self::placement_bookkeeping().saturating_add(Self::place_order_weight())
	}

	/// What placing one fired order or TWAP slice may cost at most beside the placement.
	fn placement_bookkeeping() -> Weight {
		Self::execute_bookkeeping().max(Self::slice_bookkeeping())
	}

	/// What taking a fired order from the queue costs beside its placement: the benchmark
	/// less the resting placement it measured with.
	fn execute_bookkeeping() -> Weight {
		T::WeightInfo::execute_conditional().saturating_sub(T::WeightInfo::place_positions(0))
	}

	/// Fire what has crossed in `market`, at most `room` orders, into the queue. Returns how
	/// many fired and whether every lane is empty (the market leaves the armed list).
	pub(crate) fn scan(market: MarketId, room: u32) -> (u32, bool) {
		let Some(m) = Markets::<T>::get(market) else { return (0, true) };
		let watched = Self::watched(market, &m);
		let now = T::Time::now();
		let mut fired = 0u32;
		let mut empty = true;
		for lane in LANES {
			let (source, crossing) = lane;
			let mut entries = Triggers::<T>::iter_prefix((market, lane));
			let price = watched.of(source);
			loop {
				let Some(((key, placed, owner, seq), ())) = entries.next() else { break };
				empty = false;
				let Some(price) = price else { break };
				let trigger = match crossing {
					Crossing::Rises => u128::from_be_bytes(key),
					Crossing::Falls => u128::MAX - u128::from_be_bytes(key),
				};
				if fired >= room || !crossed(price, FixedU128::from_inner(trigger), crossing) {
					break;
				}
				// The iterator has read this key: removing it does not disturb the walk.
				if Self::fire(&owner, seq, market, now, price) {
					fired = fired.saturating_add(1);
				} else {
					// No order behind the entry (try_state forbids it): the index is repaired.
					Triggers::<T>::remove((market, lane, key, placed, owner, seq));
				}
			}
		}
		(fired, empty)
	}

	/// `owner`'s order `seq` has crossed at `price`: out of the index into the queue, its OCO
	/// partner cancelled. An expired order ends instead. `false`: there is no such order.
	fn fire(
		owner: &T::AccountId,
		seq: u64,
		market: MarketId,
		now: Moment,
		price: FixedU128,
	) -> bool {
		let Some(mut order) = Conditionals::<T>::get(owner, seq) else { return false };
		Triggers::<T>::remove(Self::index_key(owner, seq, &order));
		let mut entry = ConditionalOwners::<T>::get(owner);
		if order.spec.expires_at.is_some_and(|at| at <= now) {
			Conditionals::<T>::remove(owner, seq);
			order.fired = true;
			Self::unlink(owner, seq, &order, &mut entry, ConditionalEnd::Expired);
			Self::release(owner, entry);
			return true;
		}
		if let Some(partner) = order.oco.take() {
			if let Some(p) = Conditionals::<T>::take(owner, partner) {
				Self::unlink(owner, partner, &p, &mut entry, ConditionalEnd::OcoFired);
			}
		}
		order.fired = true;
		Conditionals::<T>::insert(owner, seq, order.clone());
		// A fired order no longer expires: it is placed in its turn (its list entry says so,
		// and no placement drops it to make room).
		if let Some(listed) = entry.live.iter_mut().find(|(s, _, _)| *s == seq) {
			listed.2 = None;
		}
		Self::release(owner, entry);
		let (head, tail) = FiredBounds::<T>::get();
		FiredQueue::<T>::insert(tail, (owner.clone(), seq));
		FiredBounds::<T>::put((head, tail.saturating_add(1)));
		Self::deposit_event(Event::ConditionalFired {
			account: MarginAccount::new(owner.clone(), order.spec.sub),
			market,
			id: seq,
			price,
		});
		true
	}

	/// Place the fired order at the queue's `head` (the caller advances the head). Returns
	/// what it used.
	pub(crate) fn execute_head(head: u64) -> Weight {
		let bookkeeping = Self::execute_bookkeeping();
		let Some((owner, seq)) = FiredQueue::<T>::take(head) else { return bookkeeping };
		let Some(order) = Conditionals::<T>::take(&owner, seq) else {
			// Cancelled after it fired.
			return bookkeeping;
		};
		let mut entry = ConditionalOwners::<T>::get(&owner);
		entry.live.retain(|(s, _, _)| *s != seq);
		Self::release(&owner, entry);
		let account = MarginAccount::new(owner.clone(), order.spec.sub);
		match Self::do_place(&account, order.market, order.spec.order) {
			Ok(placed) => {
				Self::deposit_event(Event::ConditionalExecuted {
					account: account.clone(),
					market: order.market,
					id: seq,
					order_id: placed.order_id,
				});
				let place =
					Self::place_weight(placed.touched, placed.evicted, Self::placer(&account))
						.saturating_add(placed.check_cost)
						.saturating_sub(Self::listing_refund(placed.listed));
				bookkeeping.saturating_add(place)
			},
			Err(error) => {
				Self::deposit_event(Event::ConditionalEnded {
					account,
					market: order.market,
					id: seq,
					end: ConditionalEnd::Refused,
					error: Some(error),
				});
				// A refused placement may have valued the account before it stopped.
				bookkeeping.saturating_add(Self::place_order_weight())
			},
		}
	}

	/// `owner`'s conditional orders, as the runtime API reports them.
	pub fn conditional_orders(owner: &T::AccountId) -> Vec<ConditionalView> {
		ConditionalOwners::<T>::get(owner)
			.live
			.iter()
			.filter_map(|(seq, _, _)| {
				let c = Conditionals::<T>::get(owner, seq)?;
				Some(ConditionalView {
					id: *seq,
					market: c.market,
					spec: c.spec,
					oco: c.oco,
					fired: c.fired,
				})
			})
			.collect()
	}

	/// The conditional orders' invariants: every order is in its owner's list and either in
	/// the index (under its own key) or fired and in the queue; nothing else is in either; OCO
	/// pairs point at each other; every market with index entries is armed.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn conditional_try_state() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
		use alloc::collections::BTreeSet;
		let mut orders = 0usize;
		for (owner, seq, order) in Conditionals::<T>::iter() {
			orders += 1;
			let entry = ConditionalOwners::<T>::get(&owner);
			// A fired order is listed without its expiry (it no longer lapses).
			let expiry = if order.fired { None } else { order.spec.expires_at };
			ensure!(
				entry
					.live
					.iter()
					.any(|(s, m, at)| *s == seq && *m == order.market && *at == expiry),
				"a conditional order is missing from its owner's list"
			);
			ensure!(seq < entry.next, "a conditional order's id is not below its owner's next");
			if order.fired {
				ensure!(
					!Triggers::<T>::contains_key(Self::index_key(&owner, seq, &order)),
					"a fired conditional order is still in the index"
				);
			} else {
				ensure!(
					Triggers::<T>::contains_key(Self::index_key(&owner, seq, &order)),
					"a conditional order is missing from the index"
				);
			}
			if let Some(partner) = order.oco {
				let p = Conditionals::<T>::get(&owner, partner);
				ensure!(
					p.is_some_and(|p| p.oco == Some(seq) && p.market == order.market),
					"an OCO pair does not point both ways"
				);
			}
		}
		for entry in ConditionalOwners::<T>::iter_values() {
			ensure!(
				entry.deposit.is_some() != entry.live.is_empty(),
				"an owner's deposit does not match its orders"
			);
		}
		let twaps = Self::twap_try_state()?;
		let listed: usize = ConditionalOwners::<T>::iter_values().map(|e| e.live.len()).sum();
		ensure!(listed == orders + twaps, "an owner lists an order that does not exist");
		let armed: BTreeSet<MarketId> = ArmedMarkets::<T>::get().into_iter().collect();
		let mut indexed = 0usize;
		for ((market, _, _, _, owner, seq), ()) in Triggers::<T>::iter() {
			indexed += 1;
			ensure!(armed.contains(&market), "a market with triggers is not armed");
			ensure!(
				Conditionals::<T>::get(&owner, seq).is_some_and(|o| !o.fired && o.market == market),
				"an index entry names no waiting order"
			);
		}
		let (head, tail) = FiredBounds::<T>::get();
		ensure!(head <= tail, "the fired queue's head is past its tail");
		let queued = FiredQueue::<T>::iter_keys().filter(|k| *k >= head && *k < tail).count();
		ensure!(
			queued == FiredQueue::<T>::iter_keys().count(),
			"a fired queue entry lies outside the queue's bounds"
		);
		let fired = Conditionals::<T>::iter_values().filter(|o| o.fired).count();
		ensure!(indexed + fired == orders, "an order is neither indexed nor fired");
		for (owner, seq) in FiredQueue::<T>::iter_values() {
			// A queued order may have been cancelled since; one that is still there fired.
			if let Some(o) = Conditionals::<T>::get(&owner, seq) {
				ensure!(o.fired, "a queued order has not fired");
			}
		}
		ensure!(
			Conditionals::<T>::iter().filter(|(_, _, o)| o.fired).all(|(owner, seq, _)| {
				FiredQueue::<T>::iter_values().any(|(w, s)| w == owner && s == seq)
			}),
			"a fired order is not in the queue"
		);
		Ok(())
	}
}
